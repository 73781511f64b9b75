"""More of ``Tensor``'s methods, against PyTorch: in-place forms (``addmm_``, ``bitwise_and_``,
``copysign_``, ``float_power_`` only into float64, ...), other names (``greater``, ``less_equal``,
``not_equal``, ...), ``isposinf``/``isneginf``, ``positive``, ``conj`` and the flags of a real,
dense tensor. Each case runs under torch and under symgrad: values, dtypes, node names and
errors must agree."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")

F32 = [[0.25, 0.5], [0.75, 1.0]]

# method, its arguments, the tensor it is called on (``None`` values: made as below)
IN_PLACE: list[tuple[str, Any, Any]] = [
    ("addmm_", lambda t: (t.ones(2, 2), t.ones(2, 2)), lambda t: t.tensor(F32)),
    ("addmm_", lambda t: (t.ones(2, 3), t.ones(2, 2)), lambda t: t.tensor(F32)),
    ("addmv_", lambda t: (t.ones(2, 2), t.ones(2)), lambda t: t.tensor([0.25, 0.5])),
    ("addr_", lambda t: (t.ones(2), t.ones(2)), lambda t: t.tensor(F32)),
    ("addbmm_", lambda t: (t.ones(3, 2, 2), t.ones(3, 2, 2)), lambda t: t.tensor(F32)),
    ("baddbmm_", lambda t: (t.ones(1, 2, 2), t.ones(1, 2, 2)), lambda t: t.tensor([F32])),
    ("bitwise_and_", lambda t: (6,), lambda t: t.tensor([1, 2, 3])),
    ("bitwise_and_", lambda t: (6,), lambda t: t.tensor([1.0, 2.0])),
    ("bitwise_not_", lambda t: (), lambda t: t.tensor([1, 2, 3])),
    ("bitwise_or_", lambda t: (4,), lambda t: t.tensor([1, 2, 3])),
    ("bitwise_xor_", lambda t: (5,), lambda t: t.tensor([True, False])),
    ("copysign_", lambda t: (-1.0,), lambda t: t.tensor([0.25, -0.5])),
    ("deg2rad_", lambda t: (), lambda t: t.tensor([90.0, 180.0])),
    ("rad2deg_", lambda t: (), lambda t: t.tensor([1.0, 2.0])),
    ("frac_", lambda t: (), lambda t: t.tensor([1.25, -2.5])),
    ("float_power_", lambda t: (2,), lambda t: t.tensor([0.25, 0.5], dtype=t.float64)),
    ("float_power_", lambda t: (2,), lambda t: t.tensor([0.25, 0.5])),
    ("heaviside_", lambda t: (t.tensor(0.5),), lambda t: t.tensor([0.0, -1.0, 2.0])),
    ("hypot_", lambda t: (t.ones(2),), lambda t: t.tensor([3.0, 4.0])),
    ("ldexp_", lambda t: (t.tensor([1, 2]),), lambda t: t.tensor([3.0, 4.0])),
]


def _in_place(lib: Any, method: str, args: Any, make: Any) -> Any:
    base = make(lib)
    # A computed float tensor, so that the in-place op is recorded.
    x = base.requires_grad_() * 1 if base.is_floating_point() else base
    y = getattr(x, method)(*args(lib))
    return [y is x, y.tolist(), str(y.dtype), type(y.grad_fn).__name__]


def _values(lib: Any) -> Any:
    return lib.tensor([1.0, -2.0, math.inf, -math.inf, math.nan])


ALIASES: dict[str, Any] = {
    **{f"{name}": (lambda n: lambda t: getattr(t, n)(_values(t), -2.0))(name)
       for name in ("greater", "greater_equal", "less", "less_equal", "not_equal")},
    **{f"Tensor.{name}": (lambda n: lambda t: getattr(_values(t), n)(1.0))(name)
       for name in ("greater", "greater_equal", "less", "less_equal", "not_equal")},
    **{f"Tensor.{name}_": (lambda n: lambda t: getattr(_values(t), n + "_")(1.0))(name)
       for name in ("greater", "greater_equal", "less", "less_equal", "not_equal")},
    "isposinf": lambda t: t.isposinf(_values(t)),
    "isneginf": lambda t: t.isneginf(_values(t)),
    "isposinf of ints": lambda t: t.isposinf(t.tensor([1, 2])),
    "isneginf of bools": lambda t: t.isneginf(t.tensor([True])),
    "positive": lambda t: (lambda x: t.positive(x) is x)(_values(t)),
    "positive of bools": lambda t: t.positive(t.tensor([True])),
    "positive of ints": lambda t: t.tensor([1]).positive(),
    "conj": lambda t: (lambda x: (x.conj() is x, t.conj(x) is x, x.resolve_conj() is x,
                                  x.resolve_neg() is x))(_values(t)),
    "flags": lambda t: (lambda x: (x.is_conj(), x.is_neg(), x.is_sparse, x.is_quantized,
                                   x.is_meta, x.is_sparse_csr, x.is_mkldnn,
                                   x.is_nested))(_values(t)),
}


def _outcome(program: Any) -> Any:
    try:
        out = program()
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)
    return repr(out.tolist() if hasattr(out, "tolist") else out).replace("symgrad", "torch")


@pytest.mark.parametrize("case", range(len(IN_PLACE)),
                         ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(IN_PLACE)])
def test_in_place_as_torch(case: int) -> None:
    method, args, make = IN_PLACE[case]
    theirs = _outcome(lambda: _in_place(torch, method, args, make))
    ours = _outcome(lambda: _in_place(symgrad, method, args, make))
    assert ours == theirs


@pytest.mark.parametrize("case", sorted(ALIASES))
def test_aliases_as_torch(case: str) -> None:
    assert _outcome(lambda: ALIASES[case](symgrad)) == _outcome(lambda: ALIASES[case](torch))


NEW = ["t.ones(2).new(t.ones(2, dtype=t.int64))", "t.ones(2).new(2.5)", "t.ones(2).new((2, 3))",
       "t.ones(2).new(t.ones(2, 3).size()).shape", "t.ones(2, dtype=t.int64).new([1.5])",
       "t.ones(2).new()", "t.ones(2).new(2, 3).requires_grad",
       "t.ones(2, dtype=t.float64).new([[1, 2]])", "t.ones(2).new(2, 3).dtype", "t.ones(2).new([])"]


@pytest.mark.parametrize("expression", NEW)
def test_legacy_new_as_torch(expression: str) -> None:
    def run(t: Any) -> Any:
        return eval(expression, {"t": t})  # noqa: S307 - the expressions above

    assert _outcome(lambda: run(symgrad)) == _outcome(lambda: run(torch))


def test_legacy_new_of_a_tensor_shares_its_memory() -> None:
    def run(t: Any) -> Any:
        x = t.ones(2)
        x.new(x)[0] = 5
        return x

    assert _outcome(lambda: run(symgrad)) == _outcome(lambda: run(torch)) == "[5.0, 1.0]"


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 2, 3)])
@pytest.mark.parametrize("attribute", ["H", "mH", "adjoint()", "mT"])
def test_conjugate_transposes_as_torch(shape: tuple[int, ...], attribute: str) -> None:
    def run(t: Any) -> Any:
        x = t.ones(shape, requires_grad=True) * 1
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            r = eval(f"x.{attribute}", {"x": x})  # noqa: S307 - the attributes above
        # PyTorch's C++ warnings end with where they were raised, in its own sources.
        return (tuple(r.shape), type(r.grad_fn).__name__, r is x,
                [str(w.message).split(" (Triggered internally")[0] for w in seen])

    assert _outcome(lambda: run(symgrad)) == _outcome(lambda: run(torch))
