"""nn.functional.pad (constant mode) and the ConstantPad/ZeroPad layers against torch 2.13:
values in every dtype, negative widths, gradients to the second order, PyTorch's errors, and
the layers' padding, fill and repr."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

X = np.arange(1.0, 25.0).reshape(2, 3, 4)
PADS = [(), (1, 2), (0, 0), (-1, 1), (2, -3), (-4, 0), (1, 1, 1, 1), (0, -1, 2, 0),
        (1, 0, -2, 1, 0, 1), (3, 3, 0, 0, 1, 1)]


def outcome(lib: Any, call: Any) -> Any:
    try:
        out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        return type(e).__name__, str(e)
    if isinstance(out, tuple):
        return tuple(outcome(lib, lambda _, o=o: o) for o in out)
    if isinstance(out, lib.Tensor):
        node = type(out.grad_fn).__name__ if out.grad_fn is not None else None
        return str(out.dtype).split(".")[-1], out.detach().double().tolist(), node
    return out


def same(call: Any) -> None:
    assert outcome(symgrad, call) == outcome(torch, call)


@pytest.mark.parametrize("pad", PADS)
@pytest.mark.parametrize("value", [None, -1.5])
def test_values_and_gradients(pad, value):
    def call(lib):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.pad(x, pad, value=value)
        g = lib.arange(float(y.numel()), dtype=lib.float64).reshape(y.shape)
        (gx,) = lib.autograd.grad(y, x, g, create_graph=True)
        return y, gx

    same(call)


def test_second_order_through_the_incoming_gradient():
    def call(lib):
        x = lib.tensor(X[0], dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.pad(x, (1, -1, 2, 0), value=3.0)
        v = lib.ones(y.shape, dtype=lib.float64, requires_grad=True)
        (gx,) = lib.autograd.grad(y, x, v, create_graph=True)
        (gv,) = lib.autograd.grad((gx * gx).sum(), v)
        return gv

    same(call)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "int64", "uint8", "bool"])
def test_dtypes(dtype):
    same(lambda lib: lib.nn.functional.pad(lib.tensor([[1, 0, 2]], dtype=getattr(lib, dtype)),
                                           (1, 2, 1, 0), value=1))


ERRORS = [
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (1,)),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (1, 1, 1, 1, 1, 1)),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (-2, -2)),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (0, 0, -3, 1)),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3), (1, 1), mode="bogus"),
    lambda lib: lib.nn.functional.pad(lib.ones(2, dtype=lib.uint8), (1, 1), value=-1.0),
    lambda lib: lib.nn.functional.pad(lib.ones(2, dtype=lib.int64), (1, 1),
                                      value=float("nan")),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors(call):
    same(call)


LAYERS = {
    "ConstantPad1d int": lambda nn: nn.ConstantPad1d(2, 3.5),
    "ConstantPad1d pair": lambda nn: nn.ConstantPad1d((0, 1), -1.0),
    "ConstantPad2d": lambda nn: nn.ConstantPad2d((1, 0, 2, 1), 0.5),
    "ConstantPad3d": lambda nn: nn.ConstantPad3d(1, 2.0),
    "ZeroPad1d": lambda nn: nn.ZeroPad1d((1, 2)),
    "ZeroPad2d int": lambda nn: nn.ZeroPad2d(1),
    "ZeroPad2d negative": lambda nn: nn.ZeroPad2d((-1, 1, 0, 2)),
    "ZeroPad3d": lambda nn: nn.ZeroPad3d((1, 0, 0, 1, 1, 0)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers(name):
    def call(lib):
        layer = LAYERS[name](lib.nn)
        x = lib.tensor(X, requires_grad=True, dtype=lib.float32)
        y = layer(x)
        y.sum().backward()
        kinds = [isinstance(layer, getattr(lib.nn, f"ConstantPad{n}d")) for n in (1, 2, 3)]
        return repr(layer), layer.padding, layer.value, kinds, y, x.grad

    same(call)
