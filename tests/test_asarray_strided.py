"""asarray and empty_strided (symgrad/ops/asarray_strided.py) against PyTorch 2.13: sharing or
copying memory, dtypes, requires_grad and nodes, the warning, strides and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")


def _picture(t):
    return (str(t.dtype).split(".")[-1], tuple(t.shape), t.detach().tolist(), t.requires_grad,
            t.is_leaf, None if t.grad_fn is None else type(t.grad_fn).__name__)


SOURCES = {
    "list int": lambda lib: [1, 2],
    "list float": lambda lib: [[1.0, 2.0], [3.0, 4.5]],
    "list bool": lambda lib: [True, False],
    "int": lambda lib: 3,
    "float": lambda lib: 2.5,
    "numpy float64": lambda lib: np.array([1.0, 2.0]),
    "numpy int32": lambda lib: np.array([1, 2], dtype=np.int32),
    "numpy scalar": lambda lib: np.float32(2.5),
    "numpy strided": lambda lib: np.arange(6.0)[::2],
    "tensor": lambda lib: lib.tensor([1.0, 2.0]),
    "tensor int": lambda lib: lib.tensor([1, 2]),
}
OPTIONS = {
    "": {},
    "copy": {"copy": True},
    "float64": {"dtype": "float64"},
    "float16": {"dtype": "float16"},
    "requires_grad": {"requires_grad": True, "dtype": "float32"},
    "no copy": {"copy": False},
}


def _call(lib, source, options):
    kwargs = {k: getattr(lib, v) if k == "dtype" else v for k, v in options.items()}
    obj = SOURCES[source](lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = lib.asarray(obj, **kwargs)
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            return type(e).__name__, str(e)
    shared = None
    if isinstance(obj, np.ndarray):
        obj[...] = 7
        shared = out.tolist()
    elif isinstance(obj, lib.Tensor):
        shared = (out is obj, obj.requires_grad)
    return _picture(out), shared


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("source", SOURCES)
def test_asarray_shares_or_copies_as_pytorch(source: str, options: str) -> None:
    assert _call(symgrad, source, OPTIONS[options]) == _call(torch, source, OPTIONS[options])


GRAPH = {
    "alias": lambda lib, y: lib.asarray(y),
    "alias requires_grad True": lambda lib, y: lib.asarray(y, requires_grad=True),
    "detached alias": lambda lib, y: lib.asarray(y, requires_grad=False),
    "copy": lambda lib, y: lib.asarray(y, copy=True, requires_grad=True),
    "copy detached": lambda lib, y: lib.asarray(y, copy=True, requires_grad=False),
    "cast": lambda lib, y: lib.asarray(y, dtype=lib.float64, requires_grad=True),
}


@pytest.mark.parametrize("name", GRAPH)
def test_asarray_of_a_tensor_in_a_graph(name: str) -> None:
    seen = []
    for lib in (symgrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an unspecified requires_grad: tested below
            out = GRAPH[name](lib, y)
        seen.append((_picture(out), out is y))
        if out.requires_grad:
            (g,) = lib.autograd.grad(out.sum(), x)
            seen.append(g.tolist())
    assert seen[:len(seen) // 2] == seen[len(seen) // 2:]


# PyTorch's text (its C++ warns once per process, so an earlier test may have taken it).
WARNING = ("torch.asarray: unspecified requires_grad now defaults to obj.requires_grad instead of "
           "False. Pass requires_grad=False explicitly to get the old behavior and silence this "
           "warning.")


@pytest.mark.parametrize("copy", [None, True])
def test_asarray_warns_of_an_unspecified_requires_grad_as_pytorch(copy: bool | None) -> None:
    for lib in (symgrad, torch):
        y = lib.tensor([1.0], requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            out = lib.asarray(y, copy=copy)
        assert out.requires_grad
        texts = [str(w.message).split(" (Triggered")[0] for w in record]
        assert texts == [WARNING] or (lib is torch and not texts)
        if lib is symgrad:
            assert record[0].filename == __file__


def test_asarray_makes_a_leaf_require_grad_in_place() -> None:
    for lib in (symgrad, torch):
        t = lib.tensor([1.0])
        assert lib.asarray(t, requires_grad=True) is t and t.requires_grad


STRIDED = {
    "row major": ((2, 3), (3, 1), {}),
    "column major": ((2, 3), (1, 2), {}),
    "repeated": ((2, 3), (0, 1), {}),
    "scalar": ((), (), {}),
    "empty": ((0, 3), (3, 1), {}),
    "float64 grad": ((2, 2), (2, 1), {"dtype": "float64", "requires_grad": True}),
    "int": ((4,), (2,), {"dtype": "int32"}),
}


@pytest.mark.parametrize("name", STRIDED)
def test_empty_strided_has_pytorchs_layout(name: str) -> None:
    size, stride, options = STRIDED[name]
    seen = []
    for lib in (symgrad, torch):
        kwargs = {k: getattr(lib, v) if k == "dtype" else v for k, v in options.items()}
        out = lib.empty_strided(size, stride, **kwargs)
        seen.append((str(out.dtype).split(".")[-1], tuple(out.shape), out.stride(),
                     out.is_contiguous(), out.requires_grad, out.is_leaf))
    assert seen[0] == seen[1]


ERRORS = {
    "strides count": lambda lib: lib.empty_strided((2, 3), (1,)),
    "negative size": lambda lib: lib.empty_strided((2, -3), (1, 2)),
    "negative stride": lambda lib: lib.empty_strided((2, 3), (1, -2)),
    "asarray int requires_grad": lambda lib: lib.asarray([1, 2], requires_grad=True),
    "asarray numpy no copy": lambda lib: lib.asarray(np.array([1.0]), dtype=lib.float32,
                                                     copy=False),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    assert raised(ERRORS[name], symgrad) == raised(ERRORS[name], torch)
