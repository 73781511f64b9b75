"""Settings, type limits, printing options and memory layout against torch 2.13: each case
runs the same code on both libraries (the module passed in as ``lib``) and compares what comes
out, errors and warnings included. Every expected value is torch's, run here."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

FLOATS = ("float16", "bfloat16", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")


def _outcome(case: Callable[[Any], Any], lib: Any) -> Any:
    """``case(lib)``, its dtypes named without the library, or its error's class and message;
    with the warnings' messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case(lib)
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            result = type(e).__name__, str(e)
    text = repr(result).replace("torch.", "").replace("symgrad.", "")
    # PyTorch's C++ warnings end with where in its sources they were raised, and its compiler
    # warns, as it loads, about its own deprecated TorchScript: neither is the program's.
    said = [str(w.message).split(" (Triggered internally at")[0] for w in caught]
    return text, [m for m in said if "torch.jit" not in m]


def _same(case: Callable[[Any], Any]) -> None:
    assert _outcome(case, symgrad) == _outcome(case, torch)


def _limits(info: Any) -> tuple[Any, ...]:
    names = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
    return tuple((n, getattr(info, n), type(getattr(info, n)).__name__) for n in names
                 if hasattr(info, n)) + (repr(info), str(info))


@pytest.mark.parametrize("name", FLOATS + INTS + ("bool",))
def test_finfo_and_iinfo_as_pytorch(name: str) -> None:
    _same(lambda lib: _limits(lib.finfo(getattr(lib, name))))
    _same(lambda lib: _limits(lib.iinfo(getattr(lib, name))))


def test_finfo_defaults_and_refusals_as_pytorch() -> None:
    _same(lambda lib: _limits(lib.finfo()))
    _same(lambda lib: lib.finfo(3))
    _same(lambda lib: [lib.finfo(lib.float32) == lib.finfo(lib.float), lib.finfo(lib.half).eps,
                       lib.iinfo(lib.long).max, lib.iinfo(lib.uint8) == lib.iinfo(lib.int8)])


PRINTED = {
    "precision 2": dict(precision=2),
    "precision 8": dict(precision=8),
    "threshold 5": dict(threshold=5),
    "edge items 1": dict(threshold=5, edgeitems=1),
    "width 30": dict(linewidth=30),
    "scientific": dict(sci_mode=True),
    "never scientific": dict(sci_mode=False),
    "short": dict(profile="short"),
    "full": dict(profile="full"),
    "short, then precision 6": dict(profile="short", precision=6),
    "unknown profile": dict(profile="bogus"),
}


def _printed(lib: Any, options: dict[str, Any]) -> list[str]:
    lib.set_printoptions(**options)
    try:
        values = [lib.tensor([1.12345, -2.5, 1e-5]), lib.arange(30.0).reshape(3, 10) / 7,
                  lib.arange(2000), lib.tensor([1e10, 1.0]), lib.tensor([3.0, 4.0]),
                  lib.tensor([[0.0, float("inf")]]), lib.tensor(0.123456789),
                  lib.arange(12).reshape(2, 2, 3), lib.tensor([1.5, 2.5], dtype=lib.float64)]
        return [repr(v) for v in values]
    finally:
        lib.set_printoptions(profile="default")


@pytest.mark.parametrize("options", PRINTED.values(), ids=PRINTED.keys())
def test_set_printoptions_prints_as_pytorch(options: dict[str, Any]) -> None:
    _same(lambda lib: _printed(lib, options))


def _layouts(lib: Any) -> list[Any]:
    x = lib.arange(24.0).reshape(2, 3, 4)
    views = [x, x.transpose(0, 2), x[:, 1], x[..., 1:3], x.permute(2, 0, 1), x[::2],
             lib.tensor(3.0), lib.zeros(0, 3), x.reshape(6, 4)[1:], x.flatten(), x[None],
             x.narrow(2, 1, 2), x.narrow(2, 1, 2).contiguous(), x[1, 2], x.t() if False else
             x[0].t(), x.unsqueeze(-1), x[0].expand(4, 3, 4)]
    return [(v.stride(), v.storage_offset(), v.is_contiguous(), v.element_size(), v.nbytes,
             v.itemsize) for v in views] + [x.stride(1), x.stride(-1)]


def test_strides_offsets_and_sizes_as_pytorch() -> None:
    _same(_layouts)
    _same(lambda lib: lib.zeros(2, 3).stride(3))
    _same(lambda lib: lib.tensor(1.0).stride(0))


def test_views_share_a_data_pointer_and_copies_do_not() -> None:
    x = symgrad.arange(6.0).reshape(2, 3)
    assert x.view(6).data_ptr() == x.data_ptr()
    assert x[1].data_ptr() == x.data_ptr() + 3 * x.element_size()
    assert x.clone().data_ptr() != x.data_ptr()


QUESTIONS = {
    "device questions": lambda lib: [(t.is_cuda, t.is_cpu, t.get_device(), t.is_complex())
                                     for t in (lib.zeros(2), lib.tensor(1))],
    "signed": lambda lib: [lib.tensor([1], dtype=getattr(lib, d)).is_signed()
                           for d in FLOATS + INTS + ("bool",)],
    "same size": lambda lib: [lib.zeros(2, 3).is_same_size(lib.ones(2, 3)),
                              lib.zeros(2, 3).is_same_size(lib.ones(3, 2))],
    "nonzero": lambda lib: [lib.tensor([0.0]).is_nonzero(), lib.tensor(3).is_nonzero(),
                            lib.tensor([True]).is_nonzero(), lib.is_nonzero(lib.tensor([-1]))],
    "nonzero of two": lambda lib: lib.tensor([1, 2]).is_nonzero(),
    "nonzero of none": lambda lib: lib.tensor([]).is_nonzero(),
    "is_tensor": lambda lib: [lib.is_tensor(lib.zeros(1)), lib.is_tensor(1.0),
                              lib.is_storage(lib.zeros(1)),
                              lib.is_floating_point(lib.zeros(1)),
                              lib.is_floating_point(lib.tensor(1))],
    "is_floating_point of a list": lambda lib: lib.is_floating_point([1.0]),
    "typename": lambda lib: [lib.typename(lib.zeros(1, dtype=getattr(lib, d)))
                             for d in FLOATS + INTS + ("bool",)] + [lib.typename(3)],
    "result_type": lambda lib: [
        lib.result_type(a(lib), b(lib))
        for a in (lambda m: m.tensor([1]), lambda m: m.tensor(1.0, dtype=m.float64),
                  lambda m: 2, lambda m: 2.5, lambda m: True,
                  lambda m: m.tensor([1.0], dtype=m.float16))
        for b in (lambda m: m.tensor([1], dtype=m.uint8), lambda m: 3, lambda m: 0.5,
                  lambda m: m.tensor(2.0), lambda m: False)],
    "conversions": lambda lib: [lib.tensor([1.7, -2.7, 300.0]).short(),
                                lib.tensor([100, 200, -3]).char(), lib.tensor([1, 255]).byte()],
    "threads": lambda lib: [lib.set_num_threads(1), lib.get_num_threads(),
                            lib.set_num_threads(2), lib.get_num_threads()],
    "no threads": lambda lib: lib.set_num_threads(0),
    "determinism": lambda lib: [lib.use_deterministic_algorithms(True, warn_only=True),
                                lib.are_deterministic_algorithms_enabled(),
                                lib.is_deterministic_algorithms_warn_only_enabled(),
                                lib.use_deterministic_algorithms(False),
                                lib.are_deterministic_algorithms_enabled()],
    "matmul precision": lambda lib: [lib.get_float32_matmul_precision(),
                                     lib.set_float32_matmul_precision("medium"),
                                     lib.get_float32_matmul_precision(),
                                     lib.set_float32_matmul_precision("bogus"),
                                     lib.get_float32_matmul_precision(),
                                     lib.set_float32_matmul_precision("highest")],
}


@pytest.mark.parametrize("case", QUESTIONS.values(), ids=QUESTIONS.keys())
def test_settings_and_questions_as_pytorch(case: Callable[[Any], Any]) -> None:
    _same(case)


def _compiled(lib: Any) -> list[Any]:
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2)
    fast = lib.compile(model)
    x = lib.randn(4, 3)
    fast(x).sum().backward()

    @lib.compile(mode="reduce-overhead")
    def double(t: Any) -> Any:
        return t * 2

    return [type(fast).__name__, list(fast.state_dict()), fast.in_features,
            fast.weight is model.weight, model.weight.grad.tolist(), repr(fast),
            double(lib.tensor([1.5])).tolist(), double.__name__,
            [n for n, _ in fast.named_parameters()]]


def test_compile_gives_the_eager_module_behind_pytorchs_wrapper() -> None:
    _same(_compiled)
    _same(lambda lib: lib.compile(3))
