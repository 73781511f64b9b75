"""PyTorch parity for the differential fuzzer's leftovers (``tests/torch_fuzz.py``): each test
compares symgrad with torch 2.13 on a case the fuzzer reached or its neighbours."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")


def _outcome(fn):
    """What a call gives: ("ok", dtype name, shape, values) or ("raises", class, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - the class and message are compared
            return ("raises", type(e).__name__, str(e))
    if out is None:
        return ("ok", None)
    return ("ok", str(out.dtype).split(".")[-1], tuple(out.shape),
            np.asarray(out.detach().numpy(), dtype=np.float64).tolist())


def _same(call):
    """``call(lib)`` gives the same outcome in symgrad as in torch."""
    assert _outcome(lambda: call(symgrad)) == _outcome(lambda: call(torch))


# -- adaptive pooling to an empty output -----------------------------------------------------
def _backward_to_empty(lib, name, shape, size):
    x = lib.ones(*shape, requires_grad=True)
    y = getattr(lib.nn.functional, name)(x, size)
    y.sum().backward()
    return x.grad


@pytest.mark.parametrize(("name", "shape", "size"), [
    ("adaptive_avg_pool1d", (2, 3), 0), ("adaptive_avg_pool2d", (1, 2, 3), (0, 2)),
    ("adaptive_avg_pool2d", (1, 2, 3), (2, 0)), ("adaptive_avg_pool3d", (1, 2, 3, 2), (0, 2, 1)),
    ("adaptive_max_pool1d", (2, 3), 0), ("adaptive_max_pool2d", (1, 2, 3), (0, 2)),
    # an empty batch is not refused: the gradient is empty
    ("adaptive_avg_pool2d", (0, 1, 3), 2)])
def test_adaptive_pooling_backward_to_an_empty_output_raises(name, shape, size):
    _same(lambda lib: _backward_to_empty(lib, name, shape, size))


@pytest.mark.parametrize("create_graph", [False, True])
def test_adaptive_pooling_grad_to_an_empty_output_raises(create_graph):
    def call(lib):
        x = lib.ones(2, 3, requires_grad=True)
        return lib.autograd.grad(lib.adaptive_avg_pool1d(x, 0).sum(), x,
                                 create_graph=create_graph)[0]
    _same(call)


@pytest.mark.parametrize("dtype", ["bool", "int64", "float16"])
@pytest.mark.parametrize(("shape", "size"), [((3, 1), 0), ((0, 1), 1), ((3, 1), 1), ((3, 1), 2)])
def test_adaptive_avg_pool1d_of_an_empty_output_takes_any_dtype(dtype, shape, size):
    # PyTorch's kernel returns an empty output before it checks the dtype.
    _same(lambda lib: lib.adaptive_avg_pool1d(lib.ones(*shape, dtype=getattr(lib, dtype)), size))


@pytest.mark.parametrize(("name", "shape", "size"), [
    ("adaptive_avg_pool2d", (1, 3, 1), (0, 1)), ("adaptive_avg_pool2d", (2, 1, 3, 1), (1, 0)),
    ("adaptive_avg_pool2d", (0, 1, 3), 2), ("adaptive_avg_pool2d", (1, 1, 3), 2),
    ("adaptive_avg_pool3d", (1, 3, 1, 1), (0, 1, 1)), ("adaptive_max_pool1d", (1, 3, 1), 0)])
def test_adaptive_pooling_of_bools_to_an_empty_output(name, shape, size):
    _same(lambda lib: getattr(lib.nn.functional, name)(lib.ones(*shape, dtype=lib.bool), size))


# -- cumulative_trapezoid and trapezoid: ATen's order of checks --------------------------------
_SAMPLES = [((2, 3), (2, 2)), ((2, 3), (3, 2)), ((2, 3), (5, 1, 3)), ((3,), (2, 3)), ((3,), ()),
            ((3, 1), (1, 3)), ((), ()), ((), (3,)), ((), (2, 2)), ((2, 0), (2, 0)),
            ((2, 0), (1, 0)), ((0,), (0,)), ((2, 0), (0,)), ((2, 0), (3,))]


@pytest.mark.parametrize("fn", ["cumulative_trapezoid", "trapezoid"])
@pytest.mark.parametrize(("y_shape", "x_shape"), _SAMPLES)
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_trapezoid_checks_as_aten(fn, y_shape, x_shape, dim):
    # a float32 y at float64 points: the result's dtype shows the computation ran (empty too)
    _same(lambda lib: getattr(lib, fn)(lib.ones(y_shape), lib.ones(x_shape, dtype=lib.float64),
                                       dim=dim))


@pytest.mark.parametrize("fn", ["cumulative_trapezoid", "trapezoid"])
@pytest.mark.parametrize(("y", "x", "kw"), [
    ("b", None, {}), ("b", "f", {}), ("f", "b", {}), ("z", None, {"dim": 1}),
    ("z", "z", {"dim": 1}), ("z", "f", {"dim": 1}), ("z", None, {"dim": 0}),
    ("zb", None, {}), ("zb", "f", {}), ("z", "b", {}), ("z", None, {"dim": -2}),
    ("eb", None, {}), ("eb", "e", {}), ("e", "eb", {})])
def test_trapezoid_refusals_as_aten(fn, y, x, kw):
    def call(lib):
        made = {"b": lib.ones(3, dtype=lib.bool), "f": lib.ones(3), "z": lib.ones(()),
                "zb": lib.ones((), dtype=lib.bool), "e": lib.ones(2, 0),
                "eb": lib.ones(2, 0, dtype=lib.bool)}
        return getattr(lib, fn)(made[y], *([] if x is None else [made[x]]), **kw)
    _same(call)


@pytest.mark.parametrize("x_dtype", ["float32", "float64", None])
def test_cumulative_trapezoid_of_empty_samples_records_atens_graph(x_dtype):
    def call(lib):
        y = lib.ones(2, 0, requires_grad=True)
        out = (lib.cumulative_trapezoid(y) if x_dtype is None else lib.cumulative_trapezoid(
            y, lib.ones(2, 0, dtype=getattr(lib, x_dtype), requires_grad=True)))
        return str(out.dtype).split(".")[-1], type(out.grad_fn).__name__, out.requires_grad
    assert call(symgrad) == call(torch)


# -- cross: ATen's order of checks ----------------------------------------------------------
_CROSS_SHAPES = [(3,), (2, 3), (3, 1), (1, 3), (0, 3), (3, 0), ()]


@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
@pytest.mark.parametrize("shape", _CROSS_SHAPES)
@pytest.mark.parametrize("other_shape", [(3,), (1, 3), (3, 3), ()])
@pytest.mark.parametrize("fn", ["cross", "linalg.cross"])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_cross_checks_as_aten(dtype, shape, other_shape, fn, dim):
    def call(lib):
        f = lib.cross if fn == "cross" else lib.linalg.cross
        kw = {} if dim is None else {"dim": dim}
        return f(lib.ones(shape, dtype=getattr(lib, dtype)), lib.ones(other_shape), **kw)
    _same(call)
