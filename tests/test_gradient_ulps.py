"""Gradients that rounding used to put ULPs off their exact values, checked against mpmath:
a running sum whose terms cancel (cumsum is its own VJP, reversed); derivatives at +-inf and
far out, whose formulas met inf * 0 or overflowed where the derivative has a limit."""

from __future__ import annotations

import math
from typing import Any

import ml_dtypes
import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
import symgrad.nn.functional as F


def _exact_sum(terms: list[float]) -> mpmath.mpf:
    # 2,200 bits hold any sum of float64 values exactly.
    with mpmath.workprec(2200):
        return mpmath.fsum(mpmath.mpf(t) for t in terms)


def _within_rounding(got: float, exact: mpmath.mpf, dtype: str) -> bool:
    """``got`` is ``exact`` rounded once to ``dtype``; float32 is accumulated in float64 (as
    PyTorch's cumsum does), so at a float32 tie its float64 rounding may decide the side."""
    slack = abs(exact) * 2.0**-53 if dtype == "float32" else 0
    with mpmath.workprec(2200):
        return abs(got - exact) <= np.spacing(np.abs(np.asarray(got, dtype))) / 2 + slack


_ROW = st.lists(st.floats(-1e3, 1e3, width=32), min_size=2, max_size=40)


@settings(max_examples=30, deadline=None)
@given(_ROW, st.sampled_from(["float32", "float64"]))
@example([0.1, -0.1, 1e-8, 3.0, -3.0, 0.7], "float64")
@example([1.0, 511.2433776855469, -1.401298464324817e-45], "float32")
def test_cumsum_gradient_is_the_correctly_rounded_reverse_sum(g, dtype):
    # d/dx_i of sum_k g_k cumsum(x)_k is g_i + ... + g_n: a plain running sum of terms that
    # cancel was a median 74 ULP off in float64.
    x = symgrad.zeros(len(g), dtype=getattr(symgrad, dtype), requires_grad=True)
    weights = np.asarray(g, dtype=dtype)
    x.cumsum(0).backward(symgrad.tensor(weights))
    for i, got in enumerate(x.grad.tolist()):
        assert _within_rounding(got, _exact_sum(weights[i:].tolist()), dtype), i


# -- derivatives at +-inf and far out: their limits, not inf * 0 -------------------------------
def _sigmoid(x: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-x))


def _gelu_tanh_terms(x: mpmath.mpf) -> tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf, mpmath.mpf]:
    """tanh u, sech(u)^2, u' and u'' of gelu's tanh form, u = c (x + k x^3)."""
    c, k = mpmath.sqrt(2 / mpmath.pi), mpmath.mpf(44715) / 10**6
    u = c * (x + k * x**3)
    return mpmath.tanh(u), mpmath.sech(u) ** 2, c * (1 + 3 * k * x * x), 6 * c * k * x


def _gelu_tanh_first(x: mpmath.mpf) -> mpmath.mpf:
    t, sech2, du, _ = _gelu_tanh_terms(x)
    return (1 + t) / 2 + x * sech2 * du / 2


def _gelu_tanh_second(x: mpmath.mpf) -> mpmath.mpf:
    t, sech2, du, d2u = _gelu_tanh_terms(x)
    return sech2 * du + x * (sech2 * d2u - 2 * t * sech2 * du * du) / 2


def _phi(x: mpmath.mpf) -> mpmath.mpf:
    return mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)


# Per op: its function in symgrad, and its first and second derivatives written out.
_DERIVATIVES = {
    "silu": (F.silu, lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
             lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (2 + x * (1 - 2 * _sigmoid(x)))),
    "gelu": (F.gelu, lambda x: mpmath.erfc(-x / mpmath.sqrt(2)) / 2 + x * _phi(x),
             lambda x: _phi(x) * (2 - x * x)),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), _gelu_tanh_first, _gelu_tanh_second),
    "asinh": (symgrad.asinh, lambda x: 1 / mpmath.sqrt(x * x + 1),
              lambda x: -x / (x * x + 1) ** 1.5),
    "acosh": (symgrad.acosh, lambda x: 1 / mpmath.sqrt(x * x - 1),
              lambda x: -x / (x * x - 1) ** 1.5),
    "atan": (symgrad.atan, lambda x: 1 / (1 + x * x), lambda x: -2 * x / (1 + x * x) ** 2),
    "atanh": (symgrad.atanh, lambda x: 1 / (1 - x * x), lambda x: 2 * x / (1 - x * x) ** 2),
    "erf": (symgrad.erf, lambda x: 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-x * x),
            lambda x: -4 * x / mpmath.sqrt(mpmath.pi) * mpmath.exp(-x * x)),
    "erfc": (symgrad.erfc, lambda x: -2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-x * x),
             lambda x: 4 * x / mpmath.sqrt(mpmath.pi) * mpmath.exp(-x * x)),
}


def _slopes(op: str, values: list[float], dtype: str) -> tuple[list[float], list[float]]:
    """The engine's first and second derivatives of ``op`` at ``values``."""
    fn = _DERIVATIVES[op][0]
    x = symgrad.tensor(values, dtype=getattr(symgrad, dtype), requires_grad=True)
    ones = symgrad.ones(len(values), dtype=x.dtype)
    (first,) = symgrad.autograd.grad([fn(x)], [x], [ones], create_graph=True)
    (second,) = symgrad.autograd.grad([first], [x], [ones])
    return first.tolist(), second.tolist()


def _exact(op: str, order: int, x: mpmath.mpf, dtype: str) -> float:
    with mpmath.workprec(200):
        value = _DERIVATIVES[op][order](x)
    return float(np.asarray(float(value)).astype(_NP[dtype]))


_NP = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32,
       "float64": np.float64}


@pytest.mark.parametrize("dtype", sorted(_NP))
@pytest.mark.parametrize("op", sorted(_DERIVATIVES))
def test_derivatives_at_infinity_are_their_limits(op, dtype):
    # The exact derivatives at +-2**1100 are their limits rounded to any dtype (gelu's at
    # +-2**20 already, where mpmath's erfc still evaluates): silu' and gelu' were NaN at +-inf
    # (x s(-x) as inf * 0), the others' second orders were inf / inf.
    first, second = _slopes(op, [math.inf, -math.inf], dtype)
    far = mpmath.mpf(2) ** (20 if op == "gelu" else 1100)
    assert first == [_exact(op, 1, x, dtype) for x in (far, -far)]
    assert second == [_exact(op, 2, x, dtype) for x in (far, -far)]


@settings(max_examples=30, deadline=None)
@given(st.floats(30, 1e300), st.booleans())
@example(1e200, True)
@example(1e200, False)
def test_gelu_tanh_slopes_far_out_are_exact(x, negative):
    # x * x overflowed float64 from 1.3e154 on, and x s(-2u) times it was 0 * inf = NaN.
    x = -x if negative else x
    first, second = _slopes("gelu_tanh", [x], "float64")
    assert (first[0], second[0]) == (_exact("gelu_tanh", 1, mpmath.mpf(x), "float64"),
                                     _exact("gelu_tanh", 2, mpmath.mpf(x), "float64"))


@settings(max_examples=30, deadline=None)
@given(st.floats(1.5, 1e308), st.sampled_from(["asinh", "acosh"]))
@example(1e200, "asinh")
@example(1e200, "acosh")
def test_asinh_acosh_slopes_do_not_overflow(x, op):
    # x * x overflowed float64 from 1.3e154 on: the slope 1e-200 at 1e200 was 0.
    (got,), _ = _slopes(op, [x], "float64")
    want = _exact(op, 1, mpmath.mpf(x), "float64")
    assert abs(got - want) <= np.spacing(want)


# -- the sums inside log_softmax's VJP ----------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-2**53, 2**53), min_size=4, max_size=4))
@example([1, 10**16, -10**16, 1])
def test_log_softmax_gradient_takes_the_whole_sum_of_its_cotangent(g):
    # log_softmax' is g - p sum(g): over four equal inputs p = 1/4, and a float64 sum of g
    # that lost its small terms put the whole gradient off (the second order over 300 equal
    # inputs, proportional to sum(g), was a median 8 ULP off). Integers below 2**53 sum
    # exactly in the long double, so sum(g) is rounded once.
    x = symgrad.zeros(4, dtype=symgrad.float64, requires_grad=True)
    symgrad.log_softmax(x, 0).backward(symgrad.tensor(np.asarray(g, dtype=np.float64)))
    with mpmath.workprec(300):
        total = mpmath.fsum(mpmath.mpf(v) for v in g)
        p = mpmath.mpf(1) / 4  # softmax of four equal inputs
        for got, v in zip(x.grad.tolist(), g, strict=True):
            want = mpmath.mpf(v) - p * total
            assert abs(got - want) <= np.spacing(abs(float(want))) + np.spacing(abs(float(total)))


# -- layer_norm's input gradient, three terms that cancel ----------------------------------------
def _layer_norm_exact(x: list[float], w: list[float], g: list[float], eps: float) -> list:
    with mpmath.workprec(300):
        x, w, g = ([mpmath.mpf(v) for v in a] for a in (x, w, g))
        n = len(x)
        mean = mpmath.fsum(x) / n
        centred = [v - mean for v in x]
        rstd = 1 / mpmath.sqrt(mpmath.fsum(c * c for c in centred) / n + mpmath.mpf(eps))
        normed = [c * rstd for c in centred]
        dn = [a * b for a, b in zip(g, w, strict=True)]
        dn_mean = mpmath.fsum(dn) / n
        dnn_mean = mpmath.fsum(a * b for a, b in zip(dn, normed, strict=True)) / n
        return [rstd * (d - dn_mean - y * dnn_mean) for d, y in zip(dn, normed, strict=True)]


_FOUR = st.lists(st.floats(-2, 2), min_size=4, max_size=4)


@settings(max_examples=30, deadline=None)
@given(_FOUR, _FOUR, _FOUR)
@example([-1.84375, 1.359375, 1.75, -1.1875], [1.203125, -0.390625, 0.390625, 1.375],
         [0.1257302210933933, -0.1321048632913019, 0.6404226504432821, 0.10490011715303971])
def test_layer_norm_input_gradient_carries_what_float64_rounds_away(x, w, g):
    # d_self = rstd (dn - mean(dn) - normed mean(dn normed)): where the three terms cancel,
    # their float64 rounding left it 212 ULP off (the example). Beside each element's own
    # rounding, the bound allows the long double's (2**-60 of the terms' size).
    t = symgrad.tensor(x, dtype=symgrad.float64, requires_grad=True)
    F.layer_norm(t, (4,), symgrad.tensor(w, dtype=symgrad.float64)).backward(
        symgrad.tensor(g, dtype=symgrad.float64))
    exact = _layer_norm_exact(x, w, g, 1e-5)
    with mpmath.workprec(300):
        size = max(abs(v) for v in exact) + max(abs(a * b) for a, b in zip(g, w, strict=True))
        for got, want in zip(t.grad.tolist(), exact, strict=True):
            assert abs(got - want) <= np.spacing(abs(float(want))) + size * 2.0**-60


def _bfloat16(values: list[float]) -> list[float]:
    return np.asarray(values, dtype=np.float64).astype(ml_dtypes.bfloat16).astype(
        np.float64).tolist()


@settings(max_examples=10, deadline=None)
@given(st.floats(-4, 4).map(lambda x: _bfloat16([x])[0]), st.integers(0, 2**32 - 1))
@example(1.5, 3)
def test_log_softmax_second_order_in_bfloat16_over_a_tie_is_correctly_rounded(x, seed):
    # Over 300 equal inputs out = -log(300) = -5.7 rounds to bfloat16 with an absolute error of
    # up to 2**-7; exp(out) turned it into a relative error shared by every p: the Hessian-vector
    # product was a median 3 ULP off, 43 at worst. The exact value: with p = 1/300 and
    # s = sum(g), d/dx (g - p s) along v is -s p (v - mean(v)).
    rng = np.random.default_rng(seed)
    g = _bfloat16(rng.standard_normal(300).tolist())
    v = _bfloat16(rng.standard_normal(300).tolist())
    t = symgrad.tensor([x] * 300, dtype=symgrad.bfloat16, requires_grad=True)
    (grad,) = symgrad.autograd.grad(t.log_softmax(0), t, symgrad.tensor(g, dtype=symgrad.bfloat16),
                                    create_graph=True)
    (hvp,) = symgrad.autograd.grad(grad, t, symgrad.tensor(v, dtype=symgrad.bfloat16))
    with mpmath.workdps(40):
        s, mean_v = mpmath.fsum(g), mpmath.fsum(v) / 300
        exact = [float(-s / 300 * (vi - mean_v)) for vi in v]
    errors = [abs(a - e) / float(ml_dtypes.finfo(ml_dtypes.bfloat16).eps) / 2.0 ** math.floor(
        math.log2(abs(e))) if e else abs(a) for a, e in zip(hvp.float().tolist(), exact,
                                                           strict=True)]
    assert float(np.median(errors)) <= 1.0


# -- renorm's VJP at a slice's largest element, two terms that cancelled -------------------------
def _renorm_vjp_exact(x: Any, g: Any, p: float, dim: int, maxnorm: float) -> np.ndarray:
    """renorm's VJP at mpmath's precision: maxnorm / d (g - slope sum(x g) / d) over a scaled
    slice, d = norm + 1e-7, slope the norm's derivative (0 at a zero element; for p = inf the
    sign shared among the tied largest |x|); g over the others. ``x`` floats or mpf."""
    xs = np.moveaxis(np.array(x, dtype=object), dim, 0)
    gs = np.moveaxis(np.array(g, dtype=object), dim, 0)
    out = np.empty(xs.shape, dtype=object)
    eps, bound = mpmath.mpf(1e-7), mpmath.mpf(maxnorm)
    for k in range(xs.shape[0]):
        a = [mpmath.mpf(v) for v in xs[k].ravel()]
        w = [mpmath.mpf(v) for v in gs[k].ravel()]
        if math.isinf(p):
            n = max(abs(v) for v in a)
            ties = sum(abs(v) == n for v in a)
            slope = [mpmath.sign(v) / ties if abs(v) == n else 0 for v in a]
        else:
            n = mpmath.fsum(abs(v) ** p for v in a) ** (1 / mpmath.mpf(p))
            slope = [mpmath.sign(v) * (abs(v) / n) ** (p - 1) if v else 0 for v in a]
        total = mpmath.fsum(v * u for v, u in zip(a, w, strict=True))
        d = n + eps
        row = [bound / d * (u - s * total / d) for u, s in zip(w, slope, strict=True)
               ] if n > bound else w
        out[k] = np.array(row, dtype=object).reshape(xs[k].shape)
    return np.moveaxis(out, 0, dim)


def _ulps(got: float, exact: Any) -> float:
    return float(abs(mpmath.mpf(got) - exact) / np.spacing(abs(float(exact))))


# The thorough hypothesis profile's case (tests/test_properties.py): slice [0, 1] (dim 0); and
# slices of one nonzero element beside zeros along each dim of a 3-D input.
_LONE = [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
_LONE_G = [[float.fromhex(h) for h in row] for row in (
    ("0x1.017ed89db8441p-3", "-0x1.0e8cfe9bd45ccp-3"),
    ("0x1.47e57a468b06dp-1", "0x1.adabbec84d4f0p-4"),
    ("-0x1.1243418e643edp-1", "0x1.7245f95ced1e6p-2"))]
_LONES = [[[0.0, 0.0], [5.5, 0.0], [0.0, 0.0]], [[0.0, -3.25], [0.0, 0.0], [6.75, 0.0]]]
_LONES_G = np.linspace(-1.375, 1.5, 12).reshape(2, 3, 2).tolist()
_RENORM_CASES = [(_LONE, _LONE_G, p, 0, 0.75) for p in (1.0, 2.0, 3.0, math.inf)] + [
    (_LONES, _LONES_G, p, d, 0.5) for p in (1.0, 2.0, 3.0) for d in (0, 1, 2)]


@pytest.mark.parametrize(("x", "g", "p", "dim", "maxnorm"), _RENORM_CASES,
                         ids=[f"{len(c[0])}x-p{c[2]}-dim{c[3]}" for c in _RENORM_CASES])
def test_renorm_gradient_at_a_lone_element_is_within_a_few_ulps(x, g, p, dim, maxnorm):
    # A slice's only nonzero x_m: g_m - g_m x_m slope_m / d cancelled to the 1e-7 term alone,
    # and float64 kept ~1e-16 / 1e-7 of it (6.4e5 ULP off for [0, 1], up to 6.5e7 here).
    t = symgrad.tensor(x, dtype=symgrad.float64, requires_grad=True)
    symgrad.renorm(t, p, dim, maxnorm).backward(symgrad.tensor(g, dtype=symgrad.float64))
    with mpmath.workdps(50):
        exact = _renorm_vjp_exact(x, g, p, dim, maxnorm)
    worst = max(_ulps(a, e) for a, e in zip(t.grad.numpy().ravel(), exact.ravel(), strict=True))
    assert worst <= 4, worst


def _renorm_second_exact(x: Any, g: Any, v: Any, p: float, dim: int, maxnorm: float) -> list:
    """d/dx_k of sum(v * renorm's VJP), by mpmath.diff of the VJP above at 50 digits."""
    flat = [mpmath.mpf(e) for e in np.ravel(x)]

    def along(k: int, t: Any) -> Any:
        y = np.array(flat[:k] + [t] + flat[k + 1:], dtype=object).reshape(np.shape(x))
        vjp = _renorm_vjp_exact(y, g, p, dim, maxnorm).ravel()
        return mpmath.fsum(a * mpmath.mpf(b) for a, b in zip(vjp, np.ravel(v), strict=True))

    with mpmath.workdps(50):
        return [mpmath.diff(lambda t, k=k: along(k, t), flat[k]) for k in range(len(flat))]


_SMOOTH = [c for c in _RENORM_CASES if c[2] in (2.0, 3.0)]  # no kink at a zero element


@pytest.mark.parametrize(("x", "g", "p", "dim", "maxnorm"), _SMOOTH,
                         ids=[f"{len(c[0])}x-p{c[2]}-dim{c[3]}" for c in _SMOOTH])
def test_renorm_second_order_at_a_lone_element_is_within_a_few_ulps(x, g, p, dim, maxnorm):
    # The VJP differentiated (create_graph) along the nonzero elements: its terms cancelled as
    # the first order's did (4e6 to 1.2e8 ULP off); now the derivative of the form without them.
    t = symgrad.tensor(x, dtype=symgrad.float64, requires_grad=True)
    (first,) = symgrad.autograd.grad([symgrad.renorm(t, p, dim, maxnorm)], [t],
                                     [symgrad.tensor(g, dtype=symgrad.float64)], create_graph=True)
    v = (np.asarray(x) != 0).astype(np.float64)
    (second,) = symgrad.autograd.grad([first], [t], [symgrad.tensor(v)])
    exact = _renorm_second_exact(x, g, v, p, dim, maxnorm)
    worst = max(_ulps(a, e) for a, e in zip(second.numpy().ravel(), exact, strict=True))
    assert worst <= 8, worst
