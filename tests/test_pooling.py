"""Pooling against torch 2.13: ``max_pool1d/2d``, ``avg_pool1d/2d`` and
``adaptive_avg_pool1d/2d`` as functions and modules: values, indices, grad_fn names, first and
second order gradients (overlapping windows, ties, NaN, padding, ceil mode, dilation), dtypes,
PyTorch's errors and messages, signatures and reprs; and the pooling of PyTorch's "Neural
Networks" tutorial."""

from __future__ import annotations

import inspect
import itertools
from typing import Any

import numpy as np
import pytest
from call_outcomes import shape_outcome

import symgrad
import symgrad.nn.functional as SF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

NAN, INF = float("nan"), float("inf")


def node_name(t: Any) -> str | None:
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def chain(t: Any) -> list[str]:
    """The grad_fn names from ``t`` down its first inputs."""
    names, fn = [], t.grad_fn
    while fn is not None and type(fn).__name__ != "AccumulateGrad":
        names.append(type(fn).__name__)
        fn = fn.next_functions[0][0] if fn.next_functions else None
    return names


def both(fn_name: str, x: np.ndarray, *args: Any, requires_grad: bool = True,
         **kwargs: Any) -> tuple[Any, Any, Any, Any]:
    """The function of ``torch.nn.functional`` and of ``symgrad.nn.functional`` on ``x``:
    (symgrad input, symgrad output, torch input, torch output)."""
    a = symgrad.tensor(x, requires_grad=requires_grad)
    b = torch.tensor(x, requires_grad=requires_grad)
    return a, getattr(SF, fn_name)(a, *args, **kwargs), b, getattr(TF, fn_name)(b, *args, **kwargs)


def assert_same_grads(a: Any, ya: Any, b: Any, yb: Any, g: np.ndarray) -> None:
    (ga,) = symgrad.autograd.grad(ya, a, symgrad.tensor(g))
    (gb,) = torch.autograd.grad(yb, b, torch.tensor(g))
    np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=1e-12, atol=1e-15)


def values(t: Any) -> np.ndarray:
    return t.detach().to(symgrad.float64 if isinstance(t, symgrad.Tensor) else torch.float64
                         ).numpy() if t.is_floating_point() else t.numpy()


# -- values, indices, names and gradients over a grid of windows -----------------------------------
MAX_2D = [dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=c)
          for k, s, p, d, c in itertools.product((2, 3, (2, 3)), (None, 1, (1, 2), 2), (0, 1),
                                                 (1, 2), (False, True))]


@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 5)])
def test_max_pool2d_matches_torch(shape: tuple[int, ...], rng: np.random.Generator) -> None:
    x = rng.standard_normal(shape)
    checked = 0
    for kw in MAX_2D:
        try:
            TF.max_pool2d(torch.tensor(x), **kw)
        except RuntimeError:
            continue
        a, (ya, ia), b, (yb, ib) = both("max_pool2d", x, return_indices=True, **kw)
        np.testing.assert_array_equal(values(ya), values(yb), err_msg=str(kw))
        assert ia.dtype is symgrad.int64 and np.array_equal(ia.numpy(), ib.numpy()), kw
        assert node_name(ya) == node_name(yb) == "MaxPool2DWithIndicesBackward0"
        assert_same_grads(a, ya, b, yb, rng.standard_normal(tuple(yb.shape)))
        checked += 1
    assert checked > 40


@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 8)])
def test_max_pool1d_matches_torch(shape: tuple[int, ...], rng: np.random.Generator) -> None:
    x = rng.standard_normal(shape)
    checked = 0
    for k, s, p, d, c in itertools.product((1, 2, 3), (None, 1, 2), (0, 1), (1, 2),
                                           (False, True)):
        try:
            TF.max_pool1d(torch.tensor(x), k, s, p, d, c)
        except RuntimeError:
            continue
        a, (ya, ia), b, (yb, ib) = both("max_pool1d", x, k, s, p, d, c, True)
        np.testing.assert_array_equal(values(ya), values(yb))
        assert np.array_equal(ia.numpy(), ib.numpy())
        assert chain(ya) == chain(yb) == ["SqueezeBackward1", "MaxPool2DWithIndicesBackward0",
                                          "UnsqueezeBackward0"]
        assert_same_grads(a, ya, b, yb, rng.standard_normal(tuple(yb.shape)))
        _, ya, _, yb = both("max_pool1d", x, k, s, p, d, c)
        np.testing.assert_array_equal(values(ya), values(yb))
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 5)])
def test_avg_pool2d_matches_torch(shape: tuple[int, ...], rng: np.random.Generator) -> None:
    x = rng.standard_normal(shape)
    checked = 0
    for k, s, p, c, i, o in itertools.product((1, 2, 3, (2, 3)), (None, 1, (1, 2), 2), (0, 1),
                                              (False, True), (False, True), (None, 3, -2)):
        args = (k, s, p, c, i, o)
        try:
            TF.avg_pool2d(torch.tensor(x), *args)
        except RuntimeError:
            continue
        a, ya, b, yb = both("avg_pool2d", x, *args)
        np.testing.assert_allclose(values(ya), values(yb), rtol=1e-15, atol=1e-15,
                                   err_msg=str(args))
        assert node_name(ya) == node_name(yb) == "AvgPool2DBackward0"
        assert_same_grads(a, ya, b, yb, rng.standard_normal(tuple(yb.shape)))
        checked += 1
    assert checked > 150


@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 8)])
def test_avg_pool1d_matches_torch(shape: tuple[int, ...], rng: np.random.Generator) -> None:
    x = rng.standard_normal(shape)
    for k, s, p, c, i in itertools.product((1, 2, 3), (None, 1, 2), (0, 1), (False, True),
                                           (False, True)):
        try:
            TF.avg_pool1d(torch.tensor(x), k, s, p, c, i)
        except RuntimeError:
            continue
        a, ya, b, yb = both("avg_pool1d", x, k, s, p, c, i)
        np.testing.assert_allclose(values(ya), values(yb), rtol=1e-15, atol=1e-15)
        assert chain(ya) == chain(yb) == ["SqueezeBackward1", "AvgPool2DBackward0",
                                          "UnsqueezeBackward0"]
        assert_same_grads(a, ya, b, yb, rng.standard_normal(tuple(yb.shape)))
    assert symgrad.avg_pool1d is SF.avg_pool1d or symgrad.avg_pool1d(
        symgrad.ones(1, 4), 2).tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 4)])
@pytest.mark.parametrize("size", [2, 3, (2, 4), (5, 1), (None, 2), 7, (1, 3), 0])
def test_adaptive_avg_pool2d_matches_torch(shape: tuple[int, ...], size: Any,
                                           rng: np.random.Generator) -> None:
    a, ya, b, yb = both("adaptive_avg_pool2d", rng.standard_normal(shape), size)
    assert tuple(ya.shape) == tuple(yb.shape)
    np.testing.assert_allclose(values(ya), values(yb), rtol=1e-15, atol=1e-15)
    assert node_name(ya) == node_name(yb) == "AdaptiveAvgPool2DBackward0"
    if ya.numel():
        assert_same_grads(a, ya, b, yb, rng.standard_normal(tuple(yb.shape)))


def test_adaptive_avg_pool_to_one_is_a_mean_as_in_torch(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 4, 5))
    a, ya, b, yb = both("adaptive_avg_pool2d", x, 1)
    assert node_name(ya) == node_name(yb) == "MeanBackward1"
    # symgrad's mean (not this module's) rounds its sum in another order than torch's
    np.testing.assert_allclose(values(ya), values(yb), rtol=1e-13)
    assert_same_grads(a, ya, b, yb, rng.standard_normal((2, 3, 1, 1)))
    a, ya, b, yb = both("adaptive_avg_pool1d", x[0], 1)
    assert chain(ya) == chain(yb) == ["SqueezeBackward1", "MeanBackward1", "UnsqueezeBackward0"]
    np.testing.assert_allclose(values(ya), values(yb), rtol=1e-13)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 9, (4,)])
def test_adaptive_avg_pool1d_matches_torch(size: Any, rng: np.random.Generator) -> None:
    a, ya, b, yb = both("adaptive_avg_pool1d", rng.standard_normal((2, 3, 7)), size)
    np.testing.assert_allclose(values(ya), values(yb), rtol=1e-15, atol=1e-15)
    assert chain(ya) == chain(yb)
    assert_same_grads(a, ya, b, yb, rng.standard_normal(tuple(yb.shape)))


# -- dtypes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_narrow_dtypes_match_torch(dtype: str, rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
    a = symgrad.tensor(x).to(getattr(symgrad, dtype)).requires_grad_()
    b = torch.tensor(x).to(getattr(torch, dtype)).requires_grad_()
    for name, args in (("max_pool2d", (3, 2, 1)), ("avg_pool2d", (3, 1, 1, True, False)),
                       ("adaptive_avg_pool2d", ((4, 3),))):
        ya, yb = getattr(SF, name)(a, *args), getattr(TF, name)(b, *args)
        assert str(ya.dtype).split(".")[-1] == str(yb.dtype).split(".")[-1] == dtype
        tol = 0 if name == "max_pool2d" else float(torch.finfo(yb.dtype).eps)
        np.testing.assert_allclose(values(ya), values(yb), rtol=tol, atol=tol)
        g = rng.standard_normal(tuple(yb.shape)).astype(np.float32)
        (ga,) = symgrad.autograd.grad(ya, a, symgrad.tensor(g).to(ya.dtype))
        (gb,) = torch.autograd.grad(yb, b, torch.tensor(g).to(yb.dtype))
        np.testing.assert_allclose(values(ga), values(gb), rtol=2 * tol, atol=2 * tol)


def test_integer_inputs_as_torch(rng: np.random.Generator) -> None:
    x = rng.integers(-50, 50, (1, 2, 5, 5))
    for dtype in ("int8", "uint8", "int16", "int32", "int64"):
        xs = np.abs(x) if dtype == "uint8" else x
        a, b = symgrad.tensor(xs).to(getattr(symgrad, dtype)), torch.tensor(xs).to(
            getattr(torch, dtype))
        ya, ia = SF.max_pool2d(a, 2, 1, return_indices=True)
        yb, ib = TF.max_pool2d(b, 2, 1, return_indices=True)
        assert str(ya.dtype) == str(yb.dtype).replace("torch", "symgrad")
        assert ya.tolist() == yb.tolist() and ia.tolist() == ib.tolist()
    # avg_pool2d computes int64 alone, dividing toward zero as C++ does
    a, b = symgrad.tensor(x), torch.tensor(x)
    for args in ((2,), (3, 1, 1), (2, 1, 1, True, False), (2, 1, 0, False, True, -3)):
        assert SF.avg_pool2d(a, *args).tolist() == TF.avg_pool2d(b, *args).tolist()
    assert SF.avg_pool1d(a[0], 2).tolist() == TF.avg_pool1d(b[0], 2).tolist()


INTEGER_CALLS = {
    "max_pool1d": lambda F, x: F.max_pool1d(x[0, 0:1, 0], 2),
    "max_pool1d indices": lambda F, x: F.max_pool1d(x[0, 0:1, 0], 2, return_indices=True)[1],
    "max_pool2d bool": lambda F, x: F.max_pool2d(x > 0, 2),
    "avg_pool2d": lambda F, x: F.avg_pool2d(x, 2),
    "avg_pool1d": lambda F, x: F.avg_pool1d(x[0], 2),
    "adaptive_avg_pool2d": lambda F, x: F.adaptive_avg_pool2d(x, 2),
    "adaptive_avg_pool2d one": lambda F, x: F.adaptive_avg_pool2d(x, 1),
    "adaptive_avg_pool1d": lambda F, x: F.adaptive_avg_pool1d(x[0], 3),
}


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64"])
@pytest.mark.parametrize("call", sorted(INTEGER_CALLS))
def test_integer_refusals_as_torch(dtype: str, call: str, rng: np.random.Generator) -> None:
    x = rng.integers(0, 9, (1, 2, 4, 4))
    a = symgrad.tensor(x).to(getattr(symgrad, dtype))
    b = torch.tensor(x).to(getattr(torch, dtype))
    assert outcome(lambda F: INTEGER_CALLS[call](F, a if F is SF else b), SF) == outcome(
        lambda F: INTEGER_CALLS[call](F, b), TF)


# -- ties, NaN, infinities, padding --------------------------------------------------------------
SPECIAL = [
    [[1.0, 5.0, 5.0, 1.0, 5.0, 2.0]],
    [[1.0, NAN, 3.0, NAN, 2.0, 0.0]],
    [[NAN, NAN, NAN, 1.0, NAN, NAN]],
    [[-INF, -INF, -INF, 1.0, -INF, -INF]],
    [[INF, 2.0, INF, INF, -1.0, 0.0]],
    [[0.0, -0.0, 0.0, -0.0, 0.0, -0.0]],
    [[2.0, 2.0, 2.0, 2.0, 2.0, 2.0]],
]


@pytest.mark.parametrize("x", SPECIAL)
def test_ties_nan_and_infinities_as_torch(x: list[list[float]]) -> None:
    x3 = np.array([x])  # (1, 1, 6)
    for k, s, p, d in ((2, 1, 0, 1), (3, 1, 1, 1), (6, 1, 0, 1), (2, 2, 1, 2), (3, 2, 1, 2),
                       (2, 1, 1, 4)):
        a, (ya, ia), b, (yb, ib) = both("max_pool1d", x3, k, s, p, d, False, True)
        np.testing.assert_array_equal(values(ya), values(yb))
        np.testing.assert_array_equal(np.signbit(values(ya)), np.signbit(values(yb)))
        assert ia.tolist() == ib.tolist(), (k, s, p, d)
        assert_same_grads(a, ya, b, yb, np.arange(1.0, 1.0 + ya.numel()).reshape(ya.shape))
    # the same as 2-d windows over a (2, 3) plane: ties in window order, row by row
    x4 = np.array([x]).reshape(1, 1, 2, 3)
    for k, s, p in ((2, 1, 0), (2, 1, 1), (3, 2, 1)):
        a, (ya, ia), b, (yb, ib) = both("max_pool2d", x4, k, s, p, return_indices=True)
        np.testing.assert_array_equal(values(ya), values(yb))
        assert ia.tolist() == ib.tolist()
        assert_same_grads(a, ya, b, yb, np.arange(1.0, 1.0 + ya.numel()).reshape(ya.shape))


def test_a_window_of_padding_alone_is_minus_inf_as_in_torch() -> None:
    # dilation 5 puts the one window of 2 at -1 and 4, both outside a length of 4
    x = np.arange(4.0).reshape(1, 1, 4)
    _, (ya, ia), _, (yb, ib) = both("max_pool1d", x, 2, 1, 1, 5, False, True)
    assert ya.tolist() == yb.tolist() == [[[-INF]]]
    assert ia.tolist() == ib.tolist()


def test_avg_pool_of_infinities_and_nan_as_torch() -> None:
    x = np.array([[[[1.0, INF, 2.0], [NAN, 0.5, -INF], [3.0, 1.0, 2.0]]]])
    for args in ((2, 1), (2, 1, 1), (3, 1, 1, False, False)):
        a, ya, b, yb = both("avg_pool2d", x, *args)
        np.testing.assert_array_equal(values(ya), values(yb))
        assert_same_grads(a, ya, b, yb, np.ones(tuple(yb.shape)))


# -- second order ------------------------------------------------------------------------------
SECOND = {
    "max_pool2d overlapping": lambda F, t: F.max_pool2d(t, 3, 1, 1),
    "max_pool2d ties": lambda F, t: F.max_pool2d(t, 2, 1, 0, 1, True),
    "max_pool1d": lambda F, t: F.max_pool1d(t[0], 3, 2, 1, 2),
    "avg_pool2d": lambda F, t: F.avg_pool2d(t, 3, 2, 1, True, False),
    "avg_pool1d": lambda F, t: F.avg_pool1d(t[0], 2, 1, 1),
    "adaptive_avg_pool2d": lambda F, t: F.adaptive_avg_pool2d(t, (3, 4)),
    "adaptive_avg_pool1d": lambda F, t: F.adaptive_avg_pool1d(t[0], 4),
}


@pytest.mark.parametrize("name", sorted(SECOND))
def test_second_order_as_torch(name: str, rng: np.random.Generator) -> None:
    # The gradient is linear in the incoming gradient g: its derivative wrt g is the pooling's
    # selection (or averaging) again; wrt the input it is 0.
    x = rng.standard_normal((2, 2, 5, 5)) * 3
    if "ties" in name:
        x = np.round(x)
        assert len(np.unique(x)) < x.size / 4
    results = []
    for lib, F in ((symgrad, SF), (torch, TF)):
        a = lib.tensor(x, requires_grad=True)
        y = SECOND[name](F, a)
        g = lib.tensor(rng.standard_normal(tuple(y.shape)) if lib is symgrad else results[0][3],
                       requires_grad=True)
        (ga,) = lib.autograd.grad(y, a, g, create_graph=True)
        v = lib.tensor(np.linspace(-1, 2, x.size).reshape(x.shape))
        (gg,) = lib.autograd.grad((ga * v).sum(), g)
        results.append((ga.detach().numpy(), gg.numpy(), ga.requires_grad, g.detach().numpy()))
    (ga1, gg1, rg1, _), (ga2, gg2, rg2, _) = results
    np.testing.assert_allclose(ga1, ga2, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gg1, gg2, rtol=1e-13, atol=1e-15)
    assert rg1 and rg2


def test_second_order_of_overlapping_max_pool_through_a_smooth_function(
        rng: np.random.Generator) -> None:
    # d/dx of sum(grad * x**2) where grad comes from max pooling of x**3: the pooling's own
    # second derivative is 0, the rest flows through the smooth ops around it.
    x = rng.standard_normal((1, 2, 4, 4))
    out = []
    for lib, F in ((symgrad, SF), (torch, TF)):
        a = lib.tensor(x, requires_grad=True)
        (ga,) = lib.autograd.grad(F.max_pool2d(a ** 3, 2, 1).sum(), a, create_graph=True)
        (gg,) = lib.autograd.grad((ga * a * a).sum(), a)
        out.append((ga.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-13)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-13)


# -- errors and messages -------------------------------------------------------------------------
outcome = shape_outcome


def _x(F: Any, *shape: int) -> Any:
    lib = symgrad if F is SF else torch
    return lib.ones(*shape, requires_grad=True)


BAD = {
    "max_pool2d rank 2": lambda F: F.max_pool2d(_x(F, 1, 4), 2),
    "max_pool2d rank 5": lambda F: F.max_pool2d(_x(F, 1, 1, 1, 4, 4), 2),
    "max_pool2d padding over half": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, padding=2),
    "max_pool2d padding over half, dilated": lambda F: F.max_pool2d(
        _x(F, 1, 1, 5, 5), 2, padding=2, dilation=3),
    "max_pool2d padding over half, one dim": lambda F: F.max_pool2d(
        _x(F, 1, 1, 5, 5), (3, 2), padding=(1, 2), dilation=3),
    "max_pool2d output empty": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 5),
    "max_pool2d kernel 0": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 0),
    "max_pool2d kernel 0 stride 1": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 0, 1),
    "max_pool2d kernel -1": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), -1, 1),
    "max_pool2d stride 0": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, 0),
    "max_pool2d stride -1": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, -1),
    "max_pool2d dilation 0": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, dilation=0),
    "max_pool2d padding -1": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, padding=-1),
    "max_pool2d kernel of 3": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), (2, 2, 2)),
    "max_pool2d stride of 3": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, (1, 1, 1)),
    "max_pool2d padding of 3": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, 2, (0, 0, 0)),
    "max_pool2d dilation of 3": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, 2, 0, (1, 1, 1)),
    "max_pool2d empty channels": lambda F: F.max_pool2d(_x(F, 1, 0, 4, 4), 2),
    "max_pool2d empty height": lambda F: F.max_pool2d(_x(F, 1, 1, 0, 4), 2),
    "max_pool2d empty batch": lambda F: F.max_pool2d(_x(F, 0, 1, 3, 4), 2),
    "max_pool2d float kernel": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2.0),
    "max_pool2d float in kernel": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), (2, 2.0)),
    "max_pool2d stride []": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), 2, []),
    "max_pool2d kernel [2]": lambda F: F.max_pool2d(_x(F, 1, 1, 4, 4), [2]),
    "max_pool2d list input": lambda F: F.max_pool2d([[[1.0]]], 1),
    "max_pool2d ceil": lambda F: F.max_pool2d(_x(F, 1, 1, 5, 5), 2, ceil_mode=True),
    "max_pool2d ceil, last window in padding": lambda F: F.max_pool2d(
        _x(F, 1, 1, 5, 5), 2, 2, 1, ceil_mode=True),
    "max_pool1d rank 1": lambda F: F.max_pool1d(_x(F, 4), 2),
    "max_pool1d rank 4": lambda F: F.max_pool1d(_x(F, 1, 1, 4, 4), 2),
    "max_pool1d empty length": lambda F: F.max_pool1d(_x(F, 1, 1, 0), 2),
    "max_pool1d empty batch": lambda F: F.max_pool1d(_x(F, 0, 1, 4), 2),
    "max_pool1d padding over half": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, padding=2),
    "max_pool1d output empty": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 5),
    "max_pool1d kernel 0": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 0),
    "max_pool1d stride 0": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, 0),
    "max_pool1d stride -1": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, -1),
    "max_pool1d dilation 0": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, dilation=0),
    "max_pool1d padding -1": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, padding=-1),
    "max_pool1d kernel of 2": lambda F: F.max_pool1d(_x(F, 1, 1, 4), (2, 2)),
    "max_pool1d stride of 2": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, (1, 1)),
    "max_pool1d padding of 2": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, 2, (0, 0)),
    "max_pool1d dilation of 2": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2, 2, 0, (1, 1)),
    "max_pool1d float kernel": lambda F: F.max_pool1d(_x(F, 1, 1, 4), 2.5),
    "max_pool1d indices, rank 1": lambda F: F.max_pool1d(_x(F, 4), 2, return_indices=True)[0],
    "max_pool1d indices, padding over half": lambda F: F.max_pool1d(
        _x(F, 1, 1, 4), 2, padding=2, return_indices=True)[0],
    "max_pool1d indices, output empty": lambda F: F.max_pool1d(
        _x(F, 1, 1, 4), 5, return_indices=True)[0],
    "max_pool1d indices, kernel 0": lambda F: F.max_pool1d(
        _x(F, 1, 1, 4), 0, return_indices=True)[0],
    "max_pool1d indices, kernel of 2": lambda F: F.max_pool1d(
        _x(F, 1, 1, 4), (2, 2), return_indices=True)[0],
    "avg_pool2d rank 2": lambda F: F.avg_pool2d(_x(F, 1, 4), 2),
    "avg_pool2d rank 1": lambda F: F.avg_pool2d(_x(F, 4), 2),
    "avg_pool2d rank 5": lambda F: F.avg_pool2d(_x(F, 1, 1, 1, 4, 4), 2),
    "avg_pool2d padding over half": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2, padding=2),
    "avg_pool2d output empty": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 5),
    "avg_pool2d kernel 0": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 0),
    "avg_pool2d kernel 0 stride 1": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 0, 1),
    "avg_pool2d stride 0": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2, 0),
    "avg_pool2d stride -1": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2, -1),
    "avg_pool2d padding -1": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2, padding=-1),
    "avg_pool2d padding one dim over": lambda F: F.avg_pool2d(_x(F, 1, 1, 5, 5), (3, 1), 1, 1),
    "avg_pool2d divisor 0": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2, divisor_override=0),
    "avg_pool2d kernel of 3": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), (2, 2, 2)),
    "avg_pool2d stride of 3": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2, (1, 1, 1)),
    "avg_pool2d padding of 3": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2, 2, (0, 0, 0)),
    "avg_pool2d empty height": lambda F: F.avg_pool2d(_x(F, 1, 1, 0, 4), 2),
    "avg_pool2d empty batch": lambda F: F.avg_pool2d(_x(F, 0, 1, 3, 4), 2),
    "avg_pool2d float kernel": lambda F: F.avg_pool2d(_x(F, 1, 1, 4, 4), 2.0),
    "avg_pool2d ceil": lambda F: F.avg_pool2d(_x(F, 1, 1, 5, 5), 2, ceil_mode=True),
    "avg_pool1d rank 1": lambda F: F.avg_pool1d(_x(F, 4), 2),
    "avg_pool1d rank 4": lambda F: F.avg_pool1d(_x(F, 1, 1, 4, 4), 2),
    "avg_pool1d padding over half": lambda F: F.avg_pool1d(_x(F, 1, 1, 4), 2, padding=2),
    "avg_pool1d output empty": lambda F: F.avg_pool1d(_x(F, 1, 1, 4), 5),
    "avg_pool1d kernel 0": lambda F: F.avg_pool1d(_x(F, 1, 1, 4), 0),
    "avg_pool1d stride 0": lambda F: F.avg_pool1d(_x(F, 1, 1, 4), 2, 0),
    "avg_pool1d padding -1": lambda F: F.avg_pool1d(_x(F, 1, 1, 4), 2, padding=-1),
    "avg_pool1d kernel of 2": lambda F: F.avg_pool1d(_x(F, 1, 1, 4), (2, 2)),
    "avg_pool1d stride of 2": lambda F: F.avg_pool1d(_x(F, 1, 1, 4), 2, (1, 1)),
    "avg_pool1d empty length": lambda F: F.avg_pool1d(_x(F, 1, 1, 0), 2),
    "adaptive_avg_pool2d rank 2": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 4), 2),
    "adaptive_avg_pool2d rank 2 to one": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 4), 1),
    "adaptive_avg_pool2d rank 5": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 1, 1, 4, 4), 2),
    "adaptive_avg_pool2d negative": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 1, 4, 4), -1),
    "adaptive_avg_pool2d zero": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 1, 4, 4), 0),
    "adaptive_avg_pool2d three sizes": lambda F: F.adaptive_avg_pool2d(
        _x(F, 1, 1, 4, 4), (1, 2, 3)),
    "adaptive_avg_pool2d three sizes on 3-d": lambda F: F.adaptive_avg_pool2d(
        _x(F, 1, 4, 4), (1, 2, 3)),
    "adaptive_avg_pool2d None": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 1, 4, 4), (None, 2)),
    "adaptive_avg_pool2d larger": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 1, 4, 4), (7, 2)),
    "adaptive_avg_pool2d empty height": lambda F: F.adaptive_avg_pool2d(_x(F, 1, 1, 0, 4), 2),
    "adaptive_avg_pool2d empty batch": lambda F: F.adaptive_avg_pool2d(_x(F, 0, 1, 3, 4), 2),
    "adaptive_avg_pool1d rank 1": lambda F: F.adaptive_avg_pool1d(_x(F, 4), 2),
    "adaptive_avg_pool1d rank 4": lambda F: F.adaptive_avg_pool1d(_x(F, 1, 1, 4, 4), 2),
    "adaptive_avg_pool1d zero": lambda F: F.adaptive_avg_pool1d(_x(F, 1, 1, 4), 0),
    "adaptive_avg_pool1d two sizes": lambda F: F.adaptive_avg_pool1d(_x(F, 1, 1, 4), (1, 2)),
    "adaptive_avg_pool1d negative": lambda F: F.adaptive_avg_pool1d(_x(F, 1, 1, 4), -2),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_errors_and_shapes_as_torch(case: str) -> None:
    assert outcome(BAD[case], SF) == outcome(BAD[case], TF)


TOP = {
    "max_pool2d": lambda m: m.max_pool2d(_x(TF if m is torch else SF, 1, 1, 4, 4), 2, [], 1),
    "max_pool2d indices": lambda m: m.max_pool2d(_x(TF if m is torch else SF, 1, 1, 4, 4), 2,
                                                 return_indices=True),
    "max_pool1d": lambda m: m.max_pool1d(_x(TF if m is torch else SF, 1, 1, 4), 2, 1, 1, 1,
                                         True),
    "avg_pool1d": lambda m: m.avg_pool1d(_x(TF if m is torch else SF, 1, 1, 4), 2, 1, 1, True,
                                         False),
    "adaptive_avg_pool1d": lambda m: m.adaptive_avg_pool1d(_x(TF if m is torch else SF, 1, 4), 3),
}


@pytest.mark.parametrize("case", sorted(TOP))
def test_top_level_functions_as_torch(case: str) -> None:
    assert outcome(TOP[case], symgrad) == outcome(TOP[case], torch)


def test_top_level_has_what_torch_has() -> None:
    for name in ("max_pool1d", "max_pool2d", "avg_pool1d", "adaptive_avg_pool1d", "avg_pool2d",
                 "adaptive_avg_pool2d"):
        assert hasattr(symgrad, name) == hasattr(torch, name), name
        assert hasattr(SF, name)
    assert not hasattr(symgrad.Tensor, "max_pool2d")


# -- signatures, modules, reprs ------------------------------------------------------------------
def test_functional_positional_order_as_torch(rng: np.random.Generator) -> None:
    x = rng.standard_normal((1, 2, 7, 7))
    # every argument positionally, in PyTorch's order
    _, ya, _, yb = both("max_pool2d", x, (3, 2), (2, 1), (1, 1), (1, 2), True, True)
    assert values(ya[0]).tolist() == values(yb[0]).tolist() and ya[1].tolist() == yb[1].tolist()
    _, ya, _, yb = both("avg_pool2d", x, (3, 2), (2, 1), (1, 0), True, False, 5)
    np.testing.assert_allclose(values(ya), values(yb), rtol=1e-15)
    _, ya, _, yb = both("adaptive_avg_pool2d", x, (3, None))
    np.testing.assert_allclose(values(ya), values(yb), rtol=1e-15)
    for name in ("max_pool1d", "max_pool2d", "adaptive_avg_pool2d"):
        params = list(inspect.signature(getattr(SF, name)).parameters.values())
        theirs = {"max_pool1d": TF._max_pool1d, "max_pool2d": TF._max_pool2d,
                  "adaptive_avg_pool2d": TF.adaptive_avg_pool2d}[name]
        expected = list(inspect.signature(theirs).parameters.values())
        assert [(p.name, p.default) for p in params] == [(p.name, p.default) for p in expected]


MODULES = {
    "MaxPool2d(2)": lambda nn: nn.MaxPool2d(2),
    "MaxPool2d((2, 3))": lambda nn: nn.MaxPool2d((2, 3)),
    "MaxPool2d(all)": lambda nn: nn.MaxPool2d(3, 1, 1, 2, True, True),
    "MaxPool2d(stride=[])": lambda nn: nn.MaxPool2d(2, []),
    "MaxPool1d(3)": lambda nn: nn.MaxPool1d(3, return_indices=True),
    "MaxPool1d(all)": lambda nn: nn.MaxPool1d(3, 2, 1, 2, False, True),
    "AvgPool2d(2)": lambda nn: nn.AvgPool2d(2),
    "AvgPool2d(all)": lambda nn: nn.AvgPool2d((3, 2), (2, 1), (1, 0), True, False, 4),
    "AvgPool1d(2)": lambda nn: nn.AvgPool1d(2),
    "AvgPool1d(all)": lambda nn: nn.AvgPool1d(3, 2, 1, True, False),
    "AdaptiveAvgPool2d(2)": lambda nn: nn.AdaptiveAvgPool2d(2),
    "AdaptiveAvgPool2d((None, 3))": lambda nn: nn.AdaptiveAvgPool2d((None, 3)),
    "AdaptiveAvgPool1d(4)": lambda nn: nn.AdaptiveAvgPool1d(4),
}
_STATE = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode",
          "count_include_pad", "divisor_override", "output_size")


@pytest.mark.parametrize("case", sorted(MODULES))
def test_modules_as_torch(case: str, rng: np.random.Generator) -> None:
    mine, theirs = MODULES[case](symgrad.nn), MODULES[case](torch.nn)
    assert repr(mine) == repr(theirs)
    assert {k: getattr(mine, k) for k in _STATE if hasattr(theirs, k)} == {
        k: getattr(theirs, k) for k in _STATE if hasattr(theirs, k)}
    assert not list(mine.parameters())
    x = rng.standard_normal((2, 3, 9, 8))
    if "1d" in case:
        x = x[0]
    a, b = symgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = mine(a), theirs(b)
    if isinstance(yb, tuple):
        assert ya[1].tolist() == yb[1].tolist()
        ya, yb = ya[0], yb[0]
    np.testing.assert_allclose(values(ya), values(yb), rtol=1e-15)
    assert chain(ya) == chain(yb)


def test_module_signatures_as_torch() -> None:
    for name in ("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
                 "AdaptiveAvgPool2d"):
        mine = inspect.signature(getattr(symgrad.nn, name).__init__).parameters.values()
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters.values()
        assert [(p.name, p.default) for p in mine] == [(p.name, p.default) for p in theirs], name


# -- PyTorch's "Neural Networks" tutorial: its pooling, and a small CNN head ---------------------
def test_tutorial_pooling_and_a_training_step_as_torch(rng: np.random.Generator) -> None:
    # The tutorial's LeNet pools ReLUs with F.max_pool2d(F.relu(c), (2, 2)) and
    # F.max_pool2d(x, 2); its convolutions stand here as given feature maps.
    c1 = rng.standard_normal((4, 6, 28, 28))
    w = rng.standard_normal((10, 6 * 7 * 7)) * 0.1
    grads = []
    for lib, F in ((symgrad, SF), (torch, TF)):
        c = lib.tensor(c1, requires_grad=True)
        fc = lib.nn.Linear(6 * 7 * 7, 10).double()
        with lib.no_grad():
            fc.weight.copy_(lib.tensor(w))
            fc.bias.zero_()
        s2 = F.max_pool2d(F.relu(c), (2, 2))
        s4 = F.max_pool2d(s2, 2)
        out = fc(lib.flatten(s4, 1))
        loss = F.cross_entropy(out, lib.tensor([1, 0, 3, 9]))
        loss.backward()
        grads.append((loss.item(), c.grad.numpy(), fc.weight.grad.numpy(), tuple(s4.shape)))
    assert grads[0][3] == grads[1][3] == (4, 6, 7, 7)
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-13)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads[0][2], grads[1][2], rtol=1e-12, atol=1e-15)


def test_module_pipeline_with_global_average_pooling_as_torch(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3, 10, 9))
    out = []
    for lib in (symgrad, torch):
        nn = lib.nn
        net = nn.Sequential(nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(2, ceil_mode=True),
                            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        a = lib.tensor(x, requires_grad=True)
        y = net(a)
        (y * lib.tensor([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], dtype=lib.float64)).sum().backward()
        out.append((y.detach().numpy(), a.grad.numpy(), repr(net)))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-14)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-14)
    assert out[0][2] == out[1][2]
