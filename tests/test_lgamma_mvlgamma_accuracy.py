"""lgamma and mvlgamma in float64 against the mathematics (mpmath), and mvlgamma in every float
dtype against PyTorch 2.13 where PyTorch's is correctly rounded.

symgrad's float64 lgamma was Python's ``math.lgamma`` (CPython's own Lanczos sum, not the C
library's): 2e5 ULP off near its zero at 1, 7.6e4 near 2, 617 in ``mvlgamma(1.99, 1)``; PyTorch's
(the C library's) is within 1 ULP there. mvlgamma summed its terms plainly (19 ULP at p = 2)
and rounded ``x - i/2`` in float64, which left of its domain moved a term next to a pole by a
quarter (``mvlgamma(-0.5 + 2**-52 + 2**-54, 2)``: PyTorch 37.88, the mathematics 37.658).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

mpmath.mp.prec = 150


def ulps(got, exact, dtype=np.float64):
    exact = float(exact)
    return abs(float(got) - exact) / float(np.spacing(np.abs(np.array(exact, dtype=dtype))))


def log_abs_gamma(x):
    x = mpmath.mpf(x)
    if x > 0:
        return mpmath.loggamma(x).real
    # Gamma(x) Gamma(-x) = -pi / (x sin(pi x)), fast for large |x| too
    return mpmath.log(mpmath.pi / abs(x * mpmath.sin(mpmath.pi * x))) - mpmath.loggamma(-x).real


def mvlgamma_exact(x, p):
    x = mpmath.mpf(x)
    return (p * (p - 1) / mpmath.mpf(4) * mpmath.log(mpmath.pi)
            + sum(log_abs_gamma(x - mpmath.mpf(i) / 2) for i in range(p)))


def _lgamma64(values):
    return symgrad.lgamma(symgrad.tensor(values, dtype=symgrad.float64)).tolist()


def test_lgamma_float64_within_2_ulp_right_of_minus_one_half():
    rng = np.random.default_rng(21)
    xs = np.concatenate([rng.uniform(0.9, 1.1, 200), rng.uniform(1.9, 2.1, 200),
                         rng.uniform(0, 5, 300), rng.uniform(5, 40, 100),
                         np.exp(rng.uniform(-700, 690, 200)), rng.uniform(-0.5, 0, 100),
                         [1 - 2**-53, 1 + 2**-52, 2 - 2**-52, 2 + 2**-51, 1e-300, 2.5e305]])
    for g, x in zip(_lgamma64(xs), xs, strict=True):
        assert ulps(g, log_abs_gamma(x)) <= 2, (x, g)


def test_lgamma_float64_left_of_zero_within_its_condition():
    # log(pi / |x sin(pi x)|) - lgamma(-x): the two terms cancel near lgamma's zeros
    # (-2.457, -2.747, ...), as they do in PyTorch's (200 ULP 0.01 from -2.457); away from
    # them within 3 ULP (math.lgamma: 2,000 ULP on this grid).
    rng = np.random.default_rng(22)
    xs = np.concatenate([rng.uniform(-30, -0.5, 400), -np.exp(rng.uniform(3.5, 200, 50))])
    xs = xs[xs != np.floor(xs)]
    for g, x in zip(_lgamma64(xs), xs, strict=True):
        mx = mpmath.mpf(x)
        t1 = mpmath.log(mpmath.pi / abs(mx * mpmath.sin(mpmath.pi * mx)))
        t2 = mpmath.loggamma(-mx).real
        cond = float((abs(t1) + abs(t2)) / abs(t1 - t2))
        assert ulps(g, t1 - t2) <= 4 * cond, (x, g, cond)


def test_lgamma_float64_ends_and_poles_as_torch():
    xs = [0.0, -0.0, math.inf, -math.inf, math.nan, -1.0, -2.0, -(2.0**53), 1.0, 2.0, 5e-324,
          -5e-324, 1e308]
    got = _lgamma64(xs)
    want = torch.lgamma(torch.tensor(xs, dtype=torch.float64)).tolist()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("p", [1, 2, 3, 5, 8])
def test_mvlgamma_float64_within_1_ulp(p):
    # PyTorch's own is within 2 (it sums the rounded lgamma's); symgrad's old plain sum of
    # math.lgamma's: 617 ULP at p = 1, 19 at p = 2.
    rng = np.random.default_rng(30 + p)
    lo = (p - 1) / 2
    xs = np.concatenate([lo + np.exp(rng.uniform(-12, 3, 150)), rng.uniform(lo, lo + 5, 100),
                         np.exp(rng.uniform(1, 60, 30)), [lo + 1, lo + 1.5, 1.99 + lo]])
    got = symgrad.mvlgamma(symgrad.tensor(xs, dtype=symgrad.float64), p).tolist()
    for g, x in zip(got, xs, strict=True):
        assert ulps(g, mvlgamma_exact(x, p)) <= 1, (p, x, g)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_mvlgamma_as_torch_where_torch_is_correctly_rounded(dtype):
    # In float32 PyTorch rounds x - i/2, each lgamma and the sum in float32 (2.5 ULP off at
    # p = 5); where its result is nonetheless the correctly rounded one, symgrad's is the same
    # (computed in float64 and rounded once). In float64 both are faithful, not always the
    # correctly rounded float (symgrad within 1 ULP, PyTorch within 2: the test above).
    tdt, sdt = getattr(torch, dtype), getattr(symgrad, dtype)
    rng = np.random.default_rng(40)
    for p in (1, 2, 3, 5):
        lo = (p - 1) / 2
        xs = np.concatenate([lo + np.exp(rng.uniform(-8, 3, 120)), rng.uniform(lo, lo + 5, 80)])
        tx = torch.tensor(xs, dtype=tdt)
        tx = tx[tx.double() > lo]  # rounded onto (p - 1) / 2: a pole
        xs = tx.double().numpy()
        want = torch.mvlgamma(tx, p)
        got = symgrad.mvlgamma(symgrad.tensor(xs, dtype=sdt), p)
        exact = torch.tensor([float(mvlgamma_exact(x, p)) for x in xs], dtype=torch.float64)
        exact = exact.to(tdt)  # correctly rounded but for double-rounding ties
        right = (want.double() == exact.double()).numpy()
        assert right.mean() > 0.5
        got_np = np.asarray(got.to(symgrad.float64).tolist())
        np.testing.assert_array_equal(got_np[right], want.double().numpy()[right])


def test_mvlgamma_left_of_its_domain_takes_x_minus_one_half_exactly():
    # -0.5 + 2**-52 + 2**-54 minus 1/2 is not a float64: rounded, the second term's argument
    # moves from 2.5 to 2 (2**-53) from the pole at -1, log(2.5 / 2) = 0.22 (PyTorch's
    # value); at -0.5 + 2**-54 it rounds onto the pole (PyTorch: inf).
    for x in (-0.5 + 2**-52 + 2**-54, -0.5 + 2**-54, -0.3000000000000001):
        got = symgrad.mvlgamma(symgrad.tensor([x], dtype=symgrad.float64), 2).item()
        assert ulps(got, mvlgamma_exact(x, 2)) <= 1, (x, got)
    got = symgrad.mvlgamma(symgrad.tensor([-1.2500000000000002], dtype=symgrad.float64), 3)
    assert ulps(got.item(), mvlgamma_exact(-1.2500000000000002, 3)) <= 1
