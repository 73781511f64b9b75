"""digamma and polygamma left of 0 against the mathematics (mpmath), in ULPs.

Left of 0 symgrad reflects: psi^(n)(x) = (-1)**n psi^(n)(1 - x) - pi**(n+1) P_n(cot(pi x)).
cot(pi x) is exactly 0 at the half-integers, where for even n the second term vanishes
(P_n is odd) and psi^(n)(-k - 1/2) = psi^(n)(k + 3/2); a cot(pi x) of 6.1e-17 there (cos(pi/2
rounded)) left order 2 35,000 ULP off at -0.5 - k, order 4 7e8 ULP, and every digit of order 2
at -1e6 - 0.5. PyTorch 2.13 is off there too (order 4: 1.8e8 ULP in float64), so the expected
values are mpmath's.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import symgrad

mpmath.mp.prec = 120

HALF_INTEGERS = [-(k + 0.5) for k in range(12)] + [-20.5, -39.5, -1000.5, -1e6 - 0.5,
                                                     -(2.0**40) - 0.5]
EVEN = (0, 2, 4, 6)


def ulps(got, exact, dtype=np.float64):
    """|got - exact| in units of the spacing of ``dtype`` at the rounded ``exact``."""
    exact = float(exact)
    return abs(float(got) - exact) / float(np.spacing(np.abs(np.array(exact, dtype=dtype))))


def _symgrad(n, values, dtype):
    return symgrad.polygamma(n, symgrad.tensor(values, dtype=dtype)).tolist()


@pytest.mark.parametrize("n", EVEN)
def test_even_orders_at_negative_half_integers_float64(n):
    # cot(pi x) = 0: psi^(n)(-k - 1/2) = psi^(n)(k + 3/2) for even n (mpmath on the right,
    # where it is fast and exact), within the 8 ULP of symgrad's kernel right of 0.
    got = _symgrad(n, HALF_INTEGERS, symgrad.float64)
    for g, x in zip(got, HALF_INTEGERS, strict=True):
        assert ulps(g, mpmath.psi(n, 1 - mpmath.mpf(x))) <= 8, (n, x, g)


@pytest.mark.parametrize("n", EVEN)
def test_even_orders_at_negative_half_integers_float32(n):
    xs = [x for x in HALF_INTEGERS if abs(x) < 2**23]  # float32 keeps the half
    got = _symgrad(n, xs, symgrad.float32)
    for g, x in zip(got, xs, strict=True):
        want = mpmath.psi(n, 1 - mpmath.mpf(x))
        assert ulps(g, want, np.float32) <= 0.5 + 1e-6, (n, x, g)


def test_digamma_at_negative_half_integers_is_its_reflection():
    # psi(-k - 1/2) = psi(k + 3/2) + pi cot(pi (-k - 1/2)) = psi(k + 3/2): the same float
    # (it was up to 29 ULP off).
    xs = np.array(HALF_INTEGERS)
    left = symgrad.digamma(symgrad.tensor(xs, dtype=symgrad.float64)).tolist()
    right = symgrad.digamma(symgrad.tensor(1 - xs, dtype=symgrad.float64)).tolist()
    assert left == right


def test_trigammas_gradient_at_half_integers_is_polygamma_2():
    # d/dx polygamma(1, x) = polygamma(2, x): the backward goes through the same kernel.
    xs = [-0.5, -2.5, -7.5, -1e6 - 0.5]
    x = symgrad.tensor(xs, dtype=symgrad.float64, requires_grad=True)
    symgrad.polygamma(1, x).sum().backward()
    for g, v in zip(x.grad.tolist(), xs, strict=True):
        assert ulps(g, mpmath.psi(2, 1 - mpmath.mpf(v))) <= 2, (v, g)


@pytest.mark.parametrize("n", range(0, 7))
def test_negative_arguments_within_a_few_ulp_of_the_reflections_condition(n):
    # Near a root of psi^(n) (even n, and digamma) the reflection's two terms cancel, as they
    # do in every reflection (PyTorch's too); the error is bounded by the condition
    # (|psi^(n)(1 - x)| + |psi^(n)(x)|) / |psi^(n)(x)| times (2n + 3) ULP: P_n's degree
    # n + 1 times cot's 2 ULP, and the right side's few. The old cot was 1,200 ULP off on
    # this grid at order 2 (near the half-integers, where cot is small).
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.uniform(-30, 0, 120), -(np.arange(1, 30) + 0.5 + 1e-9),
                         -(np.arange(1, 30) + 1e-3)])
    got = _symgrad(n, xs, symgrad.float64)
    for g, x in zip(got, xs, strict=True):
        exact = mpmath.psi(n, mpmath.mpf(x))
        cond = (abs(mpmath.psi(n, 1 - mpmath.mpf(x))) + abs(exact)) / abs(exact)
        assert ulps(g, exact) <= (2 * n + 3) * float(cond), (n, x, g, float(cond))


def test_float32_left_of_zero_correctly_rounded_away_from_roots():
    rng = np.random.default_rng(12)
    xs = np.concatenate([rng.uniform(-30, 0, 100),
                         -(np.arange(0, 30) + 0.5)]).astype(np.float32)
    for n in (1, 2, 4, 6):
        got = _symgrad(n, xs, symgrad.float32)
        for g, x in zip(got, xs.astype(np.float64), strict=True):
            exact = mpmath.psi(n, mpmath.mpf(x))
            assert ulps(g, exact, np.float32) <= 1, (n, x, g)
