"""The oracle at poles, domain edges and kinks, first and second order, against closed forms.

Each expectation is written here from the mathematics (one-sided limits, the engine's declared
conventions), never read back from the oracle.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

import oracle
import symgrad
from symgrad.ops.registry import REGISTRY, apply

inf, nan = mpmath.inf, mpmath.mpf("nan")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def t(values):
    return symgrad.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def same(a, b):
    return (mpmath.isnan(a) and mpmath.isnan(b)) or a == b


@pytest.mark.parametrize("make, point, sides, value", [
    # sqrt'(x) = 1/(2 sqrt x): +inf from above, no real sqrt below.
    (lambda x: x.sqrt(), 0.0, (nan, inf), inf),
    (lambda x: x.rsqrt(), 0.0, (nan, -inf), -inf),
    (lambda x: x.log(), 0.0, (nan, inf), inf),
    # asin'(x) = 1/sqrt(1 - x^2) and atanh'(x) = 1/(1 - x^2) at the edge x = 1.
    (lambda x: x.asin(), 1.0, (inf, nan), inf),
    (lambda x: x.acos(), -1.0, (nan, -inf), -inf),
    (lambda x: x.atanh(), 1.0, (inf, nan), inf),
    (lambda x: x.acosh(), 1.0, (nan, inf), inf),
    # x**0.5 at a negative base: no real value on either side.
    (lambda x: x.pow(0.5), -2.0, (nan, nan), nan),
])
def test_domain_edges_give_exact_one_sided_limits(make, point, sides, value):
    x = t([point])
    r = oracle.exact_grad(make(x).sum(), x)
    assert r.status == "edge", r.reason
    (edge,) = r.edges
    assert all(same(a, b) for a, b in zip(edge.one_sided, sides, strict=True)), edge
    assert same(edge.value, value)
    assert same(r.grads[0][0], value)


def test_division_by_zero_is_a_pole_with_two_sides():
    a, b = t([3.0]), t([0.0])
    r = oracle.exact_grad((a / b).sum(), [a, b])
    assert r.status == "edge"
    by_arg = {e.arg: e for e in r.edges}
    # d/da (a/b) = 1/b: -inf below 0, +inf above; d/db = -a/b^2: -inf on both sides.
    assert by_arg["self"].one_sided == (-inf, inf) and mpmath.isnan(r.grads[0][0])
    assert by_arg["other"].one_sided == (-inf, -inf) and r.grads[1][0] == -inf


def test_edge_verdict_is_nonfinite_in_the_crosscheck():
    from oracle.crosscheck import crosscheck

    x = t([0.0, 1.0])
    v = crosscheck(lambda x: x.sqrt().sum(), [x])
    assert [e.status for e in v.elements] == ["nonfinite", "ok"]


def test_norm_at_the_zero_vector_takes_the_declared_zero():
    x = t([0.0, 0.0, 0.0])
    r = oracle.exact_grad(apply(REGISTRY["norm"], x, p=2.0, dim=None, keepdim=False), x)
    assert r.status == "kink"
    assert [float(g) for g in r.grads[0]] == [0.0, 0.0, 0.0]
    # Along one axis ||x|| = |x_i|: one-sided -1 and +1.
    assert {k.one_sided for k in r.kinks} == {(mpmath.mpf(-1), mpmath.mpf(1))}
    assert {k.convention for k in r.kinks} == {"zero"}


def test_norm_inf_routes_to_the_largest_magnitude():
    x = t([[0.5, -3.0, 2.0], [1.0, 0.25, -0.125]])
    r = oracle.exact_grad(apply(REGISTRY["norm"], x, p=math.inf, dim=(1,),
                                           keepdim=False).sum(), x)
    assert r.status == "ok"
    assert r.float64[0].tolist() == [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0]]


def test_relu_second_derivative_at_zero():
    # relu'' = 0 on both sides; relu(x)^2 has (relu^2)'' = 0 below and 2 above, and the
    # engine's relu'(0) = 0 makes its value 2 * relu'(0)^2 = 0.
    x = t([0.0, 1.5])
    r = oracle.exact_hvp(x.relu().sum(), x, [np.ones(2)])
    assert r.status == "ok" and r.float64[0].tolist() == [0.0, 0.0]
    r = oracle.exact_hvp((x.relu() * x.relu()).sum(), x, [np.ones(2)])
    assert r.status == "kink" and r.float64[0].tolist() == [0.0, 2.0]
    (k,) = r.kinks
    assert k.index == (0,) and k.one_sided == (0, 2) and k.expected == 0


def test_abs_second_derivative_at_zero_drops_the_delta():
    # |x|'' is 2 DiracDelta(x) in SymPy; autodiff has no delta: 0 on both sides.
    x = t([0.0, -1.0])
    r = oracle.exact_hvp((x.abs() * 3).sum(), x, [np.ones(2)])
    assert r.status == "ok" and r.float64[0].tolist() == [0.0, 0.0]
    H = oracle.exact_hessian(x.abs().sum(), x)
    assert H[0][0].astype(float).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_max_tie_at_second_order():
    # f = max(x)^2 at x = (2, 2, 1): the tie shares the gradient evenly (mean), so the
    # engine's Hessian-vector product along ones is 2 (g . v) g with g = (1/2, 1/2, 0).
    x = t([2.0, 2.0, 1.0])
    r = oracle.exact_hvp(x.max() ** 2, x, [np.ones(3)])
    assert r.status == "kink"
    assert r.float64[0].tolist() == [1.0, 1.0, 0.0]
    # Raising one tied element alone makes it the maximum (4 = 2 * 2 * 1), lowering drops it.
    assert {(k.index, k.one_sided) for k in r.kinks} == {((0,), (0, 4)), ((1,), (0, 4))}


def test_elu_second_derivative_at_zero_follows_the_left_convention():
    # elu(x) = exp(x) - 1 below 0, x above: second derivatives 1 and 0; declared "left".
    x = t([0.0])
    r = oracle.exact_hvp(symgrad.nn.functional.elu(x).sum(), x, [np.ones(1)])
    assert r.status == "kink" and r.float64[0].tolist() == [1.0]
    assert r.kinks[0].one_sided == (1, 0)


def test_whole_expression_mode_says_when_it_sits_on_a_kink():
    x = t([0.0, 1.0])
    r = oracle.exact_grad(x.relu().sum(), x, mode="whole")
    assert r.status == "kink" and "local" in r.reason
    r = oracle.exact_grad(x.add(1.0).relu().sum(), x, mode="whole")
    assert r.status == "ok" and r.float64[0].tolist() == [1.0, 1.0]
