"""Numerical routines PyTorch composes (symgrad/ops/numerics.py): ``trapezoid``/``trapz``,
``cumulative_trapezoid``, ``cov``, ``corrcoef`` and ``vander`` against torch 2.13: values,
dtypes, grad_fn names, first and second order gradients, errors and warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

Y = [[1.0, 2.5, 4.0, -1.0], [3.0, 5.0, 9.0, 0.5], [0.25, -2.0, 1.0, 6.0]]
X = [0.0, 1.0, 3.0, 3.5]


def _np(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _run(lib, fn, values, dtype="float64"):
    xs = [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in values]
    y = fn(lib, *xs)
    w = lib.linspace(-1.5, 2.0, max(y.numel(), 1), dtype=y.dtype)[:y.numel()].reshape(y.shape)
    gs = lib.autograd.grad(y, xs, w, create_graph=True, allow_unused=True)
    gs = [lib.zeros_like(x) if g is None else g for g, x in zip(gs, xs, strict=True)]
    second = sum((g * g).sum() for g in gs)
    hs = ([lib.zeros_like(x) for x in xs] if not second.requires_grad else
          [lib.zeros_like(x) if h is None else h for h, x in zip(
              lib.autograd.grad(second, xs, allow_unused=True), xs, strict=True)])
    return y, gs, hs


CASES = {
    "trapezoid": (lambda lib, y: lib.trapezoid(y), [Y]),
    "trapezoid_dx_dim": (lambda lib, y: lib.trapezoid(y, dx=0.5, dim=0), [Y]),
    "trapezoid_x": (lambda lib, y, x: lib.trapezoid(y, x), [Y, X]),
    "trapezoid_x_2d": (lambda lib, y, x: lib.trapezoid(y, x.expand(3, 4)), [Y, X]),
    "trapz": (lambda lib, y: lib.trapz(y, dx=2.0), [Y]),
    "cumulative_trapezoid": (lambda lib, y: lib.cumulative_trapezoid(y), [Y]),
    "cumulative_trapezoid_x": (lambda lib, y, x: lib.cumulative_trapezoid(y, x), [Y, X]),
    "cumulative_trapezoid_dx": (lambda lib, y: lib.cumulative_trapezoid(y, dx=0.5, dim=0), [Y]),
    "cov": (lambda lib, y: lib.cov(y), [Y]),
    "cov_1d": (lambda lib, y: y[0].cov(correction=0), [Y]),
    "cov_weights": (lambda lib, y, a: lib.cov(y, fweights=lib.tensor([1, 2, 1, 3]), aweights=a),
                    [Y, [0.5, 1.0, 2.0, 0.25]]),
    "corrcoef": (lambda lib, y: lib.corrcoef(y), [Y]),
    "corrcoef_1d": (lambda lib, y: y[1].corrcoef(), [Y]),
}
VANDER = {
    "vander": (lambda lib, x: lib.vander(x), [X]),
    "vander_increasing": (lambda lib, x: lib.vander(x, N=5, increasing=True), [X]),
}


@pytest.mark.parametrize("name", sorted(VANDER))
def test_vander_is_pytorchs_whose_backward_raises(name):
    # ATen writes cumprod's saved result over in place (its slice copy_): PyTorch's backward
    # raises, and symgrad's version counters raise the same error
    fn, values = VANDER[name]

    def outcome(lib):
        x = lib.tensor(values[0], dtype=lib.float64, requires_grad=True)
        y = fn(lib, x)
        try:
            y.sum().backward()
            error = None
        except RuntimeError as e:
            # the tensor named (PyTorch then names the view of the saved tensor as it replays
            # it, "AsStrided" at version 3, where symgrad names the slice at version 2)
            error = str(e).partition("]]")[0]
        return type(y.grad_fn).__name__, _np(y).tolist(), error

    mine, theirs = outcome(symgrad), outcome(torch)
    assert mine == theirs
    assert "modified by an inplace operation" in mine[2]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_grad_fns_and_two_orders_are_pytorchs(name, dtype):
    fn, values = CASES[name]
    mine, theirs = _run(symgrad, fn, values, dtype), _run(torch, fn, values, dtype)
    assert type(mine[0].grad_fn).__name__ == type(theirs[0].grad_fn).__name__
    assert tuple(mine[0].shape) == tuple(theirs[0].shape)
    rtol = 1e-13 if dtype == "float64" else 2e-5
    for a, b in zip([mine[0], *mine[1], *mine[2]], [theirs[0], *theirs[1], *theirs[2]],
                    strict=True):
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16"])
def test_other_dtypes_are_pytorchs(dtype):
    calls = (lambda lib, t: lib.trapezoid(t), lambda lib, t: lib.cumulative_trapezoid(t),
             lambda lib, t: lib.vander(t[0]), lambda lib, t: lib.cov(t),
             lambda lib, t: lib.corrcoef(t))
    for call in calls:
        def outcome(lib, call=call):
            t = lib.tensor([[1, 2, 4], [0, 1, 1]]).to(getattr(lib, dtype))
            try:
                y = call(lib, t)
                return str(y.dtype).split(".")[-1], np.round(_np(y), 2).tolist()
            except Exception as e:  # noqa: BLE001 - class and message compared
                return type(e).__name__, str(e)

        assert outcome(symgrad) == outcome(torch)


ERRORS = [
    lambda lib: lib.trapezoid(lib.ones(3), lib.ones(4)),
    lambda lib: lib.trapezoid(lib.ones(3), lib.ones(3), dx=2.0),
    lambda lib: lib.trapezoid(lib.ones(2, 0)),
    lambda lib: lib.cumulative_trapezoid(lib.ones(2, 0)),
    lambda lib: lib.cov(lib.ones(2, 2, 2)),
    lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.ones(3)),
    lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.tensor([1, 2, 3])),
    lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.tensor([1, 2])),
    lambda lib: lib.cov(lib.ones(2, 3), fweights=lib.tensor([1, -2, 1])),
    lambda lib: lib.cov(lib.ones(2, 3), aweights=lib.zeros(3)),
    lambda lib: lib.vander(lib.ones(2, 2)),
    lambda lib: lib.vander(lib.ones(2), N=-1),
    lambda lib: lib.vander(lib.ones(2), N=0),
]


@pytest.mark.parametrize("call", ERRORS, ids=range(len(ERRORS)))
def test_errors_and_edges_are_pytorchs(call):
    def outcome(lib):
        try:
            y = call(lib)
            return "ok", tuple(y.shape), _np(y).tolist()
        except Exception as e:  # noqa: BLE001 - class and message compared
            return type(e).__name__, str(e).splitlines()[0]

    assert outcome(symgrad) == outcome(torch)


def test_cov_warns_when_no_degree_of_freedom_is_left():
    for lib in (symgrad, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = lib.cov(lib.tensor([[1.0, 2.0]]), correction=2)
        assert "degrees of freedom is <= 0" in str(caught[0].message)
        assert out.isinf().all()


@pytest.mark.parametrize(("y_shape", "x_shape"), [((0,), (3,)), ((0,), (0,)), ((2, 0), (3,)),
                                                  ((2, 0), (0,)), ((3,), (2,)), ((3,), (3,))])
def test_cumulative_trapezoid_checks_1d_points_before_an_empty_y(
        y_shape: tuple[int, ...], x_shape: tuple[int, ...]) -> None:
    # PyTorch checks one point per sample first (trapezoid returns early for an empty y);
    # expected outcomes are torch's.
    outcomes = []
    for lib in (torch, symgrad):
        try:
            out = lib.cumulative_trapezoid(lib.ones(y_shape), lib.ones(x_shape))
            outcomes.append(("ok", tuple(out.shape)))
        except RuntimeError as exc:
            outcomes.append(("raised", str(exc)))
    assert outcomes[1] == outcomes[0]
