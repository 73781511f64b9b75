"""nextafter (symgrad/ops/next_float.py) against PyTorch 2.13: values in every floating dtype
(zeros, subnormals, NaN, infinities), promotion, NextafterBackward0 and its gradients, the
in-place method and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")

X = [1.0, 0.0, -1.0, 0.0, 2.0, math.nan, 1.0, -0.0, math.inf, -math.inf, 1e-40, 65504.0]
Y = [2.0, -1.0, -2.0, 1.0, 2.0, 1.0, math.nan, 1.0, 0.0, math.inf, 0.0, math.inf]


def _bits(t):
    return np.asarray(t.detach().double().tolist())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_values_are_pytorchs_to_the_bit(dtype: str) -> None:
    results = []
    for lib in (symgrad, torch):
        d = getattr(lib, dtype)
        out = lib.nextafter(lib.tensor(X, dtype=d), lib.tensor(Y, dtype=d))
        results.append((str(out.dtype).split(".")[-1], _bits(out)))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(np.signbit(results[0][1]), np.signbit(results[1][1]))


CALLS = {
    "promotes": lambda lib: lib.nextafter(lib.tensor([1.0]),
                                          lib.tensor([2.0], dtype=lib.float64)),
    "zero-dim other": lambda lib: lib.nextafter(lib.tensor([1.0, 3.0]), lib.tensor(2.0)),
    "broadcast": lambda lib: lib.nextafter(lib.tensor([[1.0], [3.0]]), lib.tensor([0.0, 5.0])),
    "method": lambda lib: lib.tensor([1.0]).nextafter(lib.tensor([0.0])),
    "grad": lambda lib: lib.nextafter(lib.tensor([1.0, 2.0], requires_grad=True),
                                      lib.tensor([0.0, 3.0])),
    "grad other": lambda lib: lib.nextafter(lib.tensor([1.0, 2.0]),
                                            lib.tensor([0.0, 3.0], requires_grad=True)),
}


@pytest.mark.parametrize("name", CALLS)
def test_results_are_pytorchs(name: str) -> None:
    a, b = CALLS[name](symgrad), CALLS[name](torch)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert a.requires_grad == b.requires_grad
    assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__
    np.testing.assert_array_equal(_bits(a), _bits(b))


def test_gradients_first_and_second_order_are_pytorchs_but_at_ties() -> None:
    # Where x * o == o (the first element) PyTorch's backward gives 0; the derivative is 1
    # there as everywhere (nextafter is its input to within one step), as finite differences
    # find: symgrad gives the mathematics' g there, PyTorch's values elsewhere.
    results = []
    for lib in (symgrad, torch):
        x = lib.tensor([1.0, 2.0, -3.0], dtype=lib.float64, requires_grad=True)
        o = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        y = lib.nextafter(x * o, o)
        gx, go = lib.autograd.grad(y, (x, o), lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64),
                                   create_graph=True)
        hx, ho = lib.autograd.grad((gx * gx).sum() + go * go, (x, o))
        results.append([t.tolist() for t in (gx, go, hx, ho)])
    mine, theirs = results
    # y = x o to within a step: gx = g o, go = sum(g x); the second order of
    # |gx|^2 + go^2 is 2 go g in x and 2 o |g|^2 in o. PyTorch's agree away from the tie.
    assert mine == [[3.0, -6.0, 1.5], 1.0 - 4.0 - 1.5, [-9.0, 18.0, -4.5], 2 * 3.0 * 5.25]
    assert mine[0][1:] == theirs[0][1:] and theirs[0][0] == 0.0


def test_the_gradient_at_a_tie_is_the_finite_differences() -> None:
    x = symgrad.tensor([1.0, -0.5, 0.0], dtype=symgrad.float64, requires_grad=True)
    o = symgrad.tensor([1.0, -0.5, 0.0], dtype=symgrad.float64)
    symgrad.nextafter(x, o).sum().backward()
    h = 1e-6
    fd = [(math.nextafter(v + h, v) - math.nextafter(v - h, v)) / (2 * h) for v in
          (1.0, -0.5, 0.0)]
    np.testing.assert_allclose(x.grad.tolist(), fd, rtol=1e-9)
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_in_place_method_is_pytorchs() -> None:
    seen = []
    for lib in (symgrad, torch):
        y = lib.tensor([1.0, 2.0], requires_grad=True) * 1
        version = y._version
        assert y.nextafter_(lib.tensor([0.0, 3.0])) is y and y._version == version + 1
        seen.append((y.tolist(), type(y.grad_fn).__name__))
    assert seen[0] == seen[1]


ERRORS = {
    "int": lambda lib: lib.nextafter(lib.tensor([1]), lib.tensor([2])),
    "bool": lambda lib: lib.nextafter(lib.tensor([True]), lib.tensor([False])),
    "number": lambda lib: lib.nextafter(lib.ones(1), 2.0),
    "shapes": lambda lib: lib.nextafter(lib.ones(2), lib.ones(3)),
    "in place into int": lambda lib: lib.tensor([1]).nextafter_(lib.tensor([2.0])),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    assert raised(ERRORS[name], symgrad) == raised(ERRORS[name], torch)


def test_the_judges_nextafter_gradient_is_one_and_zero() -> None:
    import oracle
    from symgrad.ops.registry import REGISTRY, apply

    x = symgrad.tensor([0.375, -1.25, 0.8125], dtype=symgrad.float64, requires_grad=True)
    o = symgrad.tensor([1.5, 0.6875, -2.75], dtype=symgrad.float64, requires_grad=True)
    out = apply(REGISTRY["nextafter"], x, o)
    r = oracle.exact_grad(out, [x, o], symgrad.tensor([1.0, -2.0, 0.5], dtype=symgrad.float64))
    assert r.status == "ok", r.reason
    np.testing.assert_array_equal(np.asarray(r.float64[0], dtype=np.float64), [1.0, -2.0, 0.5])
    np.testing.assert_array_equal(np.asarray(r.float64[1], dtype=np.float64), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("written", ["self", "other"])
@pytest.mark.parametrize("grad", ["self", "other", "both"])
def test_what_the_node_saves_is_pytorchs(grad: str, written: str) -> None:
    """PyTorch's node saves self and other for self's gradient only: a write into either
    before backward is an error when self requires grad, none when only other does (the
    fuzzer, seed 57)."""
    def outcome(lib):
        made = {n: lib.tensor(v, requires_grad=True) * 1 if n in grad or grad == "both"
                else lib.tensor(v) for n, v in (("self", [1.0, 2.0]), ("other", [3.0, 2.0]))}
        y = lib.nextafter(made["self"], made["other"])
        with lib.no_grad():
            made[written].add_(1.0)
        try:
            y.sum().backward()
        except RuntimeError as e:
            return type(e).__name__, str(e).replace("torch.", "")
        return "ok"
    assert outcome(symgrad) == outcome(torch)
