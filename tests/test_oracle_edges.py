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


def test_edge_verdict_is_the_one_sided_infinity_in_the_crosscheck():
    from oracle.crosscheck import crosscheck

    # sqrt'(0) = 1 / (2 sqrt(0)) = +inf from the one side inside the domain: by IEEE rules
    # the engine's +inf is that value.
    x = t([0.0, 1.0])
    v = crosscheck(lambda x: x.sqrt().sum(), [x])
    assert [e.status for e in v.elements] == ["ok", "ok"]
    assert v.elements[0].engine == inf


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


# -- counterexamples found by tests/test_properties.py -------------------------------------------
def _std(x, dim, correction):
    return apply(REGISTRY["std"], x, dim=dim, correction=correction, keepdim=False)


def test_std_of_tied_values_is_a_kink_with_the_zero_convention():
    # 0.015 is not dyadic: the mean of six copies rounds in mpmath, so the tie must be seen
    # from the values themselves. std = |h| sqrt(5)/6 when one of six equal values moves by h
    # (correction 0): its one-sided partials are -+sqrt(5)/6; the engine declares 0 there.
    x = t(np.full((2, 3), 0.015))
    r = oracle.exact_grad(_std(x, None, 0), x)
    assert r.status == "kink" and r.float64[0].tolist() == [[0.0] * 3] * 2
    with mpmath.workdps(50):
        sides = (-mpmath.sqrt(5) / 6, mpmath.sqrt(5) / 6)
    for k in r.kinks:
        assert k.convention == "zero"
        assert all(abs(a - b) < 1e-30 for a, b in zip(k.one_sided, sides, strict=True))


def test_std_with_one_tied_line_keeps_the_other_line_exact():
    # Line 0 ties (a kink, 0); line 1 = (1, 2, 4), correction 1: mean 7/3, std = sqrt(7/3),
    # d std / dx_i = (x_i - mean) / (2 std).
    x = t([[0.015, 0.015, 0.015], [1.0, 2.0, 4.0]])
    r = oracle.exact_grad(_std(x, (1,), 1), x)
    assert r.status == "kink"
    m, s = mpmath.mpf(7) / 3, mpmath.sqrt(mpmath.mpf(7) / 3)
    want = [float((v - m) / (2 * s)) for v in (1, 2, 4)]
    assert r.float64[0][0].tolist() == [0.0] * 3
    np.testing.assert_allclose(r.float64[0][1], want, rtol=1e-15)
    assert {k.index for k in r.kinks} == {(0, 0), (0, 1), (0, 2)}
    assert all(not mpmath.isnan(k.one_sided[0]) for k in r.kinks)


@pytest.mark.parametrize("value", [0.0, 0.015])
def test_std_second_order_on_a_tie_takes_the_zero_convention(value):
    # std(x + t v) = |t| std(v) at a tie: no second derivative (a delta in t). The engine's
    # convention "zero" decides the second partials too; both sides are reported as nan.
    x = t(np.full((3, 2, 2), value))
    out = apply(REGISTRY["std"], x, dim=(0, 2), correction=1, keepdim=True)
    v = np.linspace(-1.0, 1.0, 12).reshape(3, 2, 2)
    r = oracle.exact_hvp(out, x, [v], grad_outputs=[np.array([0.5, -0.25]).reshape(1, 2, 1)])
    assert r.status == "kink" and r.float64[0].tolist() == np.zeros((3, 2, 2)).tolist()
    assert all(k.convention == "zero" and mpmath.isnan(k.one_sided[0]) for k in r.kinks)


def _norm(x, p, dim):
    return apply(REGISTRY["norm"], x, p=p, dim=dim, keepdim=False)


def test_norm_inf_tie_of_three_splits_evenly():
    # max |x| shared by three elements: "mean" (ties split evenly) gives each 1/3 of the
    # weight, with the sign of the element; raised alone one takes it all, lowered none.
    x = t([[0.25, -0.25, 0.25], [1.5, -1.5, -0.5]])
    r = oracle.exact_grad(_norm(x, math.inf, (1,)), x)
    third = mpmath.mpf(1) / 3
    assert r.float64[0].tolist() == [[float(third), -float(third), float(third)],
                                     [0.5, -0.5, 0.0]]
    assert {k.convention for k in r.kinks} == {"mean"}


def test_norm_minus_inf_zero_and_tie_take_their_own_conventions():
    # Column 0 ties at |-0.5| ("mean": -1/2 each); column 1 ties too; column 2's minimum is
    # the zero (|x| kinks there: "zero"), so the -0.5 above it gets nothing.
    x = t([[-0.5, -0.5, -0.5], [-0.5, -0.5, 0.0]])
    r = oracle.exact_grad(_norm(x, -math.inf, (0,)), x)
    assert r.float64[0].tolist() == [[-0.5, -0.5, 0.0], [-0.5, -0.5, 0.0]]
    conventions = {k.index: k.convention for k in r.kinks}
    assert conventions[(0, 0)] == conventions[(0, 1)] == "mean"


def test_norm_negative_p_next_to_a_zero_is_the_limit():
    # p = -1: n(a, b) = |a||b| / (|a| + |b|), so dn/db = a^2 / (a + b)^2 (b > 0, a >= 0),
    # which tends to 0 as a -> 0; the zero element itself is a kink ("zero").
    x = t([[0.0, 1.5], [-0.75, 0.5]])
    r = oracle.exact_grad(_norm(x, -1.0, (0,)), x)
    a, b = mpmath.mpf(1.5), mpmath.mpf(0.5)
    assert r.float64[0][:, 0].tolist() == [0.0, 0.0]
    want = [float(b**2 / (a + b) ** 2), float(a**2 / (a + b) ** 2)]
    np.testing.assert_allclose(r.float64[0][:, 1], want, rtol=1e-15)


def _dist(x, y, p):
    return apply(REGISTRY["dist"], x, y, p=p)


@pytest.mark.parametrize("p", [1.0, 0.5])
def test_dist_kink_convention_holds_per_term_of_a_broadcast_input(p):
    # other broadcasts over self's rows: d = self - other = [[0, -2.75, 0.75], [-1, 0.25, 0.75]].
    # Row 0's d[0, 0] = 0 is a kink of |d| (declared 0 there); row 1's term through the same
    # other[0] is smooth. p = 1: d/d other_j = -sum_i sign(d_ij), the kink's term 0, so
    # other[0] gets row 1's +1 only (taking the convention for the whole element gave 0).
    # p = 1/2: n = (sum_ij |d_ij|^(1/2))^2 has dn/dd = sign(d) |d|^(-1/2) n^(1/2) off the zero.
    x, y = t([[1.5, -2.0, 0.25], [0.5, 1.0, 0.25]]), t([1.5, 0.75, -0.5])
    d = np.array([[0.0, -2.75, 0.75], [-1.0, 0.25, 0.75]])
    with np.errstate(divide="ignore"):
        slope = np.where(d == 0, 0.0, np.abs(d) ** (p - 1)) * np.sign(d)
    slope *= ((np.abs(d) ** p).sum() ** (1 / p)) ** (1 - p)
    r = oracle.exact_grad(_dist(x, y, p), [x, y], symgrad.tensor(np.float64(1.5)))
    assert r.status == "kink"
    np.testing.assert_allclose(r.float64[0], 1.5 * slope, rtol=1e-15)
    np.testing.assert_allclose(r.float64[1], -1.5 * slope.sum(axis=0), rtol=1e-15)
    assert {(k.input, k.index, k.convention) for k in r.kinks} == {(0, (0, 0), "zero"),
                                                                  (1, (0,), "zero")}


@pytest.mark.parametrize("x, y, gx, gy", [
    # Two rows tie for max |d| through other's one element: each row's term takes 1/2.
    ([[1.0], [1.0]], [0.0], [[0.5], [0.5]], [-1.0]),
    # Two terms tie, each with two variables (self_i, other_i): split among the terms (1/2
    # each, as PyTorch), not among the four variables (1/4).
    ([1.0, -1.0], [0.0, 0.0], [0.5, -0.5], [-0.5, 0.5]),
    # d = [[0, 1], [1, 0.5]]: other[0] is on a zero in row 0 ("zero") and tied for the maximum
    # in row 1 ("mean"); each term takes its own kink's convention: row 1's 1/2 of the tie.
    ([[0.0, 1.0], [1.0, 0.5]], [0.0, 0.0], [[0.0, 0.5], [0.5, 0.0]], [-0.5, -0.5]),
])
def test_dist_inf_tie_splits_evenly_among_the_tied_terms(x, y, gx, gy):
    x, y = t(x), t(y)
    r = oracle.exact_grad(_dist(x, y, math.inf), [x, y])
    assert r.status == "kink"
    assert [g.tolist() for g in r.float64] == [gx, gy]
    assert {k.convention for k in r.kinks} == {"mean"}


def test_clamp_tensor_with_equal_bounds_is_a_kink_in_each_bound():
    # self < min == max: out = min(min, max). Raising min (or lowering max) hands the result
    # to the other bound: one-sided partials (1, 0) for min and (1, 0) for max; PyTorch gives
    # neither bound the gradient, the declared "right" side.
    s, lo, hi = t([0.5]), t([1.0]), t([1.0])
    r = oracle.exact_grad(apply(REGISTRY["clamp_tensor"], s, lo, hi).sum(), [s, lo, hi])
    assert r.status == "kink" and [g.tolist() for g in r.float64] == [[0.0], [0.0], [0.0]]
    assert {(k.input, k.convention, k.one_sided) for k in r.kinks} == {
        (1, "right", (1, 0)), (2, "right", (1, 0))}


def test_clamp_tensor_with_min_above_max_is_max():
    # PyTorch: clamp(self, min, max) = max when min > max; only max gets the gradient.
    s, lo, hi = t([0.5, 1.0, 0.0]), t([1.0, 1.0, 1.0]), t([0.0, 0.0, 0.0])
    out = apply(REGISTRY["clamp_tensor"], s, lo, hi)
    assert [float(v) for v in oracle.exact_forward(out)[0]] == [0.0, 0.0, 0.0]
    r = oracle.exact_grad(out.sum(), [s, lo, hi])
    assert [g.tolist() for g in r.float64] == [[0.0] * 3, [0.0] * 3, [1.0] * 3]


@pytest.mark.parametrize("dtype, y, x", [
    ("float32", 0.0, 2.0**-149), ("float32", 2.0**-126, 2.0**-149),
    ("float16", 0.5, 3 * 2.0**-24), ("float64", 1.0, 5e-324)])
def test_atan2_with_a_subnormal_other(dtype, y, x):
    # d atan2(y, x)/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2), in exact arithmetic.
    a = symgrad.tensor([y], dtype=getattr(symgrad, dtype), requires_grad=True)
    b = symgrad.tensor([x], dtype=getattr(symgrad, dtype), requires_grad=True)
    r = oracle.exact_grad(apply(REGISTRY["atan2"], a, b).sum(), [a, b])
    with mpmath.workdps(60):
        my, mx = mpmath.mpf(y), mpmath.mpf(x)
        r2 = mx**2 + my**2
        assert abs(r.grads[0][0] - mx / r2) <= abs(mx / r2) * mpmath.mpf(10) ** -35
        assert abs(r.grads[1][0] + my / r2) <= abs(my / r2) * mpmath.mpf(10) ** -35


def test_norm_negative_p_second_order_at_a_zero_element_is_exactly_zero():
    """A column [0, x] of norm(p=-1): moving the zero by e, the norm is e x / (x + e) and its
    slope along x is e**2 / (x + e)**2, whose own derivatives at e = 0 are 0. The oracle took
    that second partial a hair off the point: 9.9e-104, not 0."""
    x = symgrad.tensor([[0.0, 1.5, -2.0], [0.5, 0.0, 3.0]], dtype=symgrad.float64,
                       requires_grad=True)
    verdict = oracle.crosscheck(lambda a: symgrad.norm(a, -1.0, dim=(0,)), [x], order=2)
    exact = {tuple(e.index): mpmath.mpf(e.exact) for e in verdict.elements}
    assert exact[(1, 0)] == 0 and exact[(0, 1)] == 0


def _renorm_hessian(row: np.ndarray, w: np.ndarray, p: float, maxnorm: float) -> np.ndarray:
    """The Hessian of sum(w * renorm(row)) for one scaled row, from its closed form.

    out = x s(N), s = maxnorm / (N + 1e-7), N the p-norm (p = 1 or 1/2) with gradient n and
    Hessian N2, both 0 through a zero element (the engine's convention, PyTorch's for p = 1):
    d2 / dx_a dx_b = s' (n_b w_a + n_a w_b) + (w . x) (s'' n_a n_b + s' N2_ab)."""
    mag, sign = np.abs(row), np.sign(row)
    on = row != 0
    if p == 1.0:
        norm, n, n2 = mag.sum(), sign, np.zeros((row.size, row.size))
    else:  # p = 1/2: N = S**2, S = sum |x|**(1/2)
        root = np.where(on, np.sqrt(np.where(on, mag, 1.0)), 0.0)
        inv = np.where(on, 1.0 / np.where(on, root, 1.0), 0.0) * sign
        s_half = root.sum()
        norm, n = s_half**2, s_half * inv
        n2 = np.outer(inv, inv) / 2 - np.diag(np.where(on, s_half * inv**3 * sign, 0.0)) / 2
    d = norm + 1e-7
    s1, s2 = -maxnorm / d**2, 2 * maxnorm / d**3
    return s1 * (np.outer(w, n) + np.outer(n, w)) + (w @ row) * (s2 * np.outer(n, n) + s1 * n2)


# p = 1/2: the status says "edge", the partial |x|**(-1/2) x at 0 being a removable singularity.
@pytest.mark.parametrize(("p", "status"), [(1.0, "kink"), (0.5, "edge")])
def test_renorm_second_order_at_a_zero_keeps_its_own_factors_slope(p, status):
    # Row 0 = (3, 0, -4) is scaled (its norm 7, resp. (sqrt 3 + 2)**2, above 2); row 1 is
    # not (an identity: no second order). |x_01| kinks at 0, the norm's slope there is 0,
    # yet out_01 = x_01 s(N) keeps d2 out_01 / dx_01 dx_0j = s'(N) n_j through x_01's own
    # factor: a "zero" kink declares the kinked term's slope, not the output's. Every second
    # partial along x_01 taken as 0 lost it (0.0051 off PyTorch's at p = 1).
    x = np.array([[3.0, 0.0, -4.0], [0.5, 0.25, 0.0]])
    w = np.array([[0.3, -1.1, 0.7], [0.2, 0.4, -0.6]])
    v = np.array([[0.5, 1.3, -0.9], [0.1, -0.2, 0.8]])
    xs = t(x)
    out = apply(REGISTRY["renorm"], xs, p=p, dim=0, maxnorm=2.0)
    r = oracle.exact_hvp((out * symgrad.tensor(w)).sum(), xs, [v])
    want = np.zeros_like(x)
    want[0] = _renorm_hessian(x[0], w[0], p, 2.0) @ v[0]
    assert r.status == status, r.reason
    np.testing.assert_allclose(r.float64[0], want, rtol=1e-13, atol=1e-16)


def test_euclidean_dist_second_order_beside_a_zero_distance_keeps_the_other_pairs():
    # x1[0] == x2[0]: a zero distance, whose pair sends 0 at any order (PyTorch's masked
    # ratio). x1[0]'s and x2[0]'s pairs with the other rows are smooth there: each pair's
    # Hessian in (x1_i, x2_j) is [[H, -H], [-H, H]], H = (I - u u^T) / d, u = (x1_i - x2_j) / d.
    # Every second partial along x1[0] and x2[0] taken as 0 lost them (0.107 off PyTorch's).
    x1 = np.array([[0.0, 1.0], [2.0, -1.0]])
    x2 = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.5]])
    w = np.array([[0.3, -1.1, 0.7], [0.2, 0.4, -0.6]])
    v1, v2 = np.array([[0.5, 1.3], [-0.9, 0.1]]), np.array([[-0.2, 0.8], [1.1, -0.4], [0.6, 0.9]])
    a, b = t(x1), t(x2)
    out = apply(REGISTRY["euclidean_dist"], a, b)
    r = oracle.exact_hvp((out * symgrad.tensor(w)).sum(), [a, b], [v1, v2])
    want1, want2 = np.zeros_like(x1), np.zeros_like(x2)
    for i in range(2):
        for j in range(3):
            diff = x1[i] - x2[j]
            d = np.sqrt(diff @ diff)
            if d == 0:
                continue
            u = diff / d
            h = (np.eye(2) - np.outer(u, u)) / d
            want1[i] += w[i, j] * h @ (v1[i] - v2[j])
            want2[j] += w[i, j] * h @ (v2[j] - v1[i])
    assert r.status == "kink", r.reason
    np.testing.assert_allclose(r.float64[0], want1, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(r.float64[1], want2, rtol=1e-13, atol=1e-16)
