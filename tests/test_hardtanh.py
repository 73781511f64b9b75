"""hardtanh, hardtanh_, relu6 and the Hardtanh, ReLU6 and Softplus layers against torch 2.13:
values in every dtype, gradients on and beyond the bounds and at NaN, second order, the
in-place forms, PyTorch's errors and the layers' reprs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

VALUES = [-3.0, -1.0, -0.5, -0.0, 0.0, 0.25, 1.0, 6.0, 7.5, float("nan"), float("inf")]
BOUNDS = [(-1.0, 1.0), (-0.3, 0.45), (0.0, 6.0), (0.5, 0.5), (-2, 2)]


def run(lib: Any, call: Any) -> Any:
    """What a call gives: its tensor's dtype, bits and grad_fn name, or its error."""
    try:
        out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e))
    if isinstance(out, lib.Tensor):
        node = out.grad_fn
        wide = out.detach()
        if wide.dtype == lib.bfloat16:  # torch has no NumPy bfloat16: compared in float32
            wide = wide.float()
        return (str(out.dtype).split(".")[-1], wide.numpy().tobytes().hex(),
                None if node is None else type(node).__name__)
    return repr(out)


def same(call: Any) -> None:
    assert run(symgrad, call) == run(torch, call)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("lo", "hi"), BOUNDS)
def test_values_and_gradients(dtype, lo, hi):
    def forward(lib):
        x = lib.tensor(VALUES, dtype=getattr(lib, dtype), requires_grad=True)
        return lib.nn.functional.hardtanh(x, lo, hi)

    def gradient(lib):
        x = lib.tensor(VALUES, dtype=getattr(lib, dtype), requires_grad=True)
        (g,) = lib.autograd.grad(lib.nn.functional.hardtanh(x, lo, hi).sum(), x)
        return g

    same(forward)
    same(gradient)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8", "bool"])
@pytest.mark.parametrize(("lo", "hi"), [(-1.0, 1.0), (-0.5, 1.5), (0.0, 6.0), (0.5, 2.5)])
def test_integer_and_bool_inputs(dtype, lo, hi):
    values = [-3, 0, 1, 2, 5, 100] if dtype not in ("uint8", "bool") else [0, 1, 2, 5, 100]
    same(lambda lib: lib.nn.functional.hardtanh(
        lib.tensor(values, dtype=getattr(lib, dtype)), lo, hi))


def test_second_order_through_the_incoming_gradient():
    # d/dv of <v, hardtanh'(x) w> is hardtanh'(x) w: the mask again, zero on the bounds.
    def call(lib):
        x = lib.tensor([-2.0, -1.0, 0.5, 1.0, 3.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([1.5, -2.0, 0.25, 4.0, 1.0], dtype=lib.float64, requires_grad=True)
        (gx,) = lib.autograd.grad(lib.nn.functional.hardtanh(x), x, v, create_graph=True)
        (gv,) = lib.autograd.grad((gx * lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0],
                                                   dtype=lib.float64)).sum(), v)
        return gv

    same(call)


def test_relu6_is_hardtanh_between_0_and_6():
    def call(lib):
        x = lib.tensor([-1.0, 0.0, 3.0, 6.0, 7.0], requires_grad=True)
        y = lib.nn.functional.relu6(x)
        y.backward(lib.ones(5))
        return lib.cat([y.detach(), x.grad])

    same(call)
    same(lambda lib: lib.nn.functional.relu6(lib.tensor([-1.0, 7.0], requires_grad=True)))


@pytest.mark.parametrize("name", ["hardtanh", "relu6", "hardtanh_"])
def test_in_place(name):
    def call(lib):
        x = lib.tensor([-2.0, 0.5, 3.0, 7.0], requires_grad=True)
        y = x * 1
        f = lib.nn.functional
        out = (f.hardtanh_(y, -1.0, 2.0) if name == "hardtanh_"
               else getattr(f, name)(y, inplace=True))
        assert out is y and y._version == 1
        y.backward(lib.tensor([1.0, 2.0, 3.0, 4.0]))
        return lib.cat([y.detach(), x.grad])

    same(call)


def test_in_place_node_keeps_the_input():
    # PyTorch's node saves a copy of the overwritten input: a later write into the result
    # neither raises nor moves the mask (x.grad [0, 2], not [0, 0] from the doubled result).
    def call(lib):
        x = lib.tensor([-2.0, 0.5], requires_grad=True)
        y = lib.nn.functional.hardtanh(x * 1, inplace=True)
        y.mul_(2)
        y.sum().backward()
        return x.grad

    same(call)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.functional.hardtanh(lib.tensor([0.5, -2.0]), 2.0, 1.0),
    lambda lib: lib.nn.functional.hardtanh(lib.tensor([1], dtype=lib.uint8), -1.0, 1.0),
    lambda lib: lib.nn.functional.hardtanh(lib.tensor([1], dtype=lib.uint8), -1.0, -0.5),
    lambda lib: lib.nn.functional.hardtanh(lib.tensor([True])),
    lambda lib: lib.nn.functional.hardtanh(lib.tensor([0.5], requires_grad=True),
                                           inplace=True),
    lambda lib: lib.nn.functional.hardtanh_(lib.tensor([0.5]), 1.0, 0.0),
    lambda lib: lib.nn.functional.hardtanh_(0.5),
])
def test_errors(call):
    same(call)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Hardtanh(), lambda nn: nn.Hardtanh(-2, 2, True),
    lambda nn: nn.Hardtanh(min_val=0.5, max_val=1.5), lambda nn: nn.ReLU6(),
    lambda nn: nn.ReLU6(inplace=True), lambda nn: nn.Softplus(),
    lambda nn: nn.Softplus(beta=0.5, threshold=10), lambda nn: nn.Hardtanh(1.0, 1.0),
])
def test_layers(make):
    def build(lib):
        return make(lib.nn)

    same(lambda lib: repr(build(lib)))
    if run(torch, build)[0] == "raises":
        return

    def call(lib):
        layer = build(lib)
        x = lib.tensor([-3.0, -0.75, 0.25, 1.0, 8.0], dtype=lib.float64, requires_grad=True)
        y = layer(x * 1)
        y.backward(lib.ones(5, dtype=lib.float64))
        return (isinstance(layer, lib.nn.Hardtanh), type(y.grad_fn).__name__,
                y.detach().numpy(), x.grad.numpy())

    mine, theirs = call(symgrad), call(torch)
    assert mine[:2] == theirs[:2]
    # Values to 1e-12: softplus's float64 kernels (symgrad's sigmoid, PyTorch's z / (z + 1))
    # differ in the last bit.
    for a, b in zip(mine[2:], theirs[2:], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_bounds_are_not_rounded_before_truncation_for_integers():
    # -0.5 truncates to 0 for an integer input: [0, 1] (a rounding to nearest would keep -1).
    out = symgrad.nn.functional.hardtanh(symgrad.tensor([-3, 0, 2]), -0.5, 1.5)
    assert out.dtype is symgrad.int64
    np.testing.assert_array_equal(out.numpy(), [0, 0, 1])
