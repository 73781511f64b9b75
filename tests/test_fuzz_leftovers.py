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
