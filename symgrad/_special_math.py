"""Float64 kernels of the special functions NumPy lacks: log-gamma, digamma, polygamma, the
Hurwitz zeta function and the inverse error function, on whole arrays.

Each takes and returns float64 arrays; ``symgrad.ops.special`` rounds once to the input's
dtype. Accuracy, measured against mpmath on grids of 20,000 points each (tests in
``tests/test_special_functions.py``): lgamma within 2 ULP on (-1/2, inf) and 3 ULP times its
reflection's condition left of it (``tests/test_lgamma_mvlgamma_accuracy.py``); digamma within
6 ULP everywhere on (0, 1e300) and within 8 ULP of its value for negative arguments at least
0.05 from its roots (near a negative root the reflection's two terms cancel, as they do in
PyTorch's kernel); polygamma (n = 1 .. 10) within 8 ULP for positive arguments, and for
negative ones within (2n + 3) ULP times the reflection's condition (|psi^(n)(1 - x)| +
|psi^(n)(x)|) / |psi^(n)(x)| (about 1 but near a root; measured against Arb on 1,800 points in
(-1e13, 0), n = 0 .. 10), and at the negative half-integers, where cot(pi x) is exactly 0, as
accurate as right of 0 (``tests/test_polygamma_negative.py``); erfinv within 2 ULP on (-1, 1),
also one ULP from +-1.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["lgamma", "digamma", "polygamma", "hurwitz_zeta", "erfinv", "erf", "erfc"]

# The C library's float64 functions per element: NumPy has no erf or erfc, and the C library's
# are correctly rounded but for rare last-bit ties (glibc).
_ERF = np.frompyfunc(math.erf, 1, 1)
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function in float64, per element (the C library's).

    Args:
        x: A float64 array.

    >>> erf(np.array([0.0])).tolist()
    [0.0]
    """
    return np.asarray(_ERF(x), dtype=np.float64).reshape(np.shape(x))


def erfc(x: np.ndarray) -> np.ndarray:
    """``1 - erf(x)`` in float64, per element (the C library's).

    Args:
        x: A float64 array.

    >>> erfc(np.array([0.0])).tolist()
    [1.0]
    """
    return np.asarray(_ERFC(x), dtype=np.float64).reshape(np.shape(x))


# -- the Hurwitz zeta function ------------------------------------------------------------------
# zeta(s, x) = sum_k (x + k)**-s, for whole s >= 2 and x > 0: the first terms summed until
# x + k >= Y, then the Euler-Maclaurin tail at y = x + k, with (s)_m = s (s + 1) ... (s + m - 1):
#   y**(1 - s) / (s - 1) + y**-s / 2 + sum_j B_2j / (2j)! (s)_(2j-1) y**(1 - s - 2j).
# Its j-th term is about 2 (s)_(2j-1) / (2 pi y)**2j times the first; with y >= 2 s + 12 and 12
# terms the first omitted one is below 1e-18 of the sum for every s (measured up to s = 60).
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330, 854513 / 138, -236364091 / 2730)


def hurwitz_zeta(s: int, x: np.ndarray) -> np.ndarray:
    """``sum_k (x + k) ** -s`` for a whole ``s >= 2`` and ``x > 0`` (float64; NaN elsewhere is
    the caller's to mask).

    Args:
        s: The exponent, a whole number at least 2.
        x: A float64 array of positive values.

    >>> round(float(hurwitz_zeta(2, np.array([1.0]))[0]), 12)  # pi**2 / 6
    1.644934066848
    """
    x = np.asarray(x, dtype=np.float64)
    big = 2.0 * s + 12.0
    total = np.zeros_like(x)
    y = x.copy()
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # At most ``big`` steps: x > 0 moves past big after ceil(big) terms.
        for _ in range(int(math.ceil(big))):
            low = y < big
            if not low.any():
                break
            total += np.where(low, np.power(np.where(low, y, 1.0), -float(s)), 0.0)
            y = np.where(low, y + 1.0, y)
        inv = 1.0 / y
        first = np.power(y, 1.0 - s) / (s - 1)
        # The tail's correction terms, relative to y**-s: sum_j B_2j/(2j)! (s)_(2j-1) y**(1-2j).
        corr = np.zeros_like(x)
        inv2 = inv * inv
        rising = float(s)  # (s)_(2j-1)
        factorial = 2.0  # (2j)!
        power = inv  # y**(1 - 2j)
        for j, b in enumerate(_BERNOULLI, start=1):
            corr += b / factorial * rising * power
            rising *= (s + 2 * j - 1) * (s + 2 * j)
            factorial *= (2 * j + 1) * (2 * j + 2)
            power = power * inv2
        tail = first + np.power(y, -float(s)) * (0.5 + corr)
    return total + tail


# -- digamma ---------------------------------------------------------------------------------
# digamma's positive root, as a float64 and the rest (mpmath, 200 bits): x - ROOT is exact as
# (x - _ROOT_HI) - _ROOT_LO on the interval the series serves.
_ROOT_HI = 1.4616321449683622
_ROOT_LO = 9.549995429965697e-17
# The series psi(x) = sum_k c_k (x - ROOT)**k, c_k = (-1)**(k+1) zeta(k + 1, ROOT), on
# |x - ROOT| <= 1/2: it converges like (1/2 / ROOT)**k = 0.342**k (the pole at 0), so 40
# terms leave 2e-19 of 0.68. Near the root, where the recurrences cancel to nothing (at
# x = 94/64 they kept 11 digits of 16), the series keeps the relative accuracy.
_SERIES_RADIUS = 0.5
_TAYLOR = np.array([(-1.0) ** (k + 1) * float(hurwitz_zeta(k + 1, np.array([_ROOT_HI]))[0])
                    for k in range(1, 41)])
_LOW = _ROOT_HI - _SERIES_RADIUS  # 0.96...
_HIGH = _ROOT_HI + _SERIES_RADIUS  # 1.96...
# Above it the asymptotic series log x - 1/(2x) - sum B_2k / (2k x**2k) is used, whose 9th
# term at x = 10 is 3e-18 of log 10.
_ASYMPTOTIC_FROM = 10.0


def _digamma_series(x: np.ndarray) -> np.ndarray:
    d = (x - _ROOT_HI) - _ROOT_LO
    acc = np.zeros_like(x)
    for c in _TAYLOR[::-1]:
        acc = acc * d + c
    return acc * d


def _digamma_asymptotic(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        inv2 = 1.0 / (x * x)  # 0 past 1e154, where the series is log x - 1/(2x)
    acc = np.zeros_like(x)
    for k in range(9, 0, -1):
        acc = acc * inv2 + _BERNOULLI[k - 1] / (2 * k)
    return np.log(x) - 0.5 / x - acc * inv2


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """psi at x > 0: below the series' interval one step up (psi(x) = psi(x + 1) - 1/x, whose
    terms cancel at most by a factor 2.2 there), above it steps down into it (psi(x) =
    psi(x - m) + sum 1/(x - k): terms of one sign but for psi(x - m) < 0.66, a factor 4.4 at
    most), and the asymptotic series from 10."""
    out = np.empty_like(x)
    small = x < _LOW
    if small.any():
        xs = x[small]
        out[small] = _digamma_series(xs + 1.0) - 1.0 / xs
    mid = (x >= _LOW) & (x <= _HIGH)
    if mid.any():
        out[mid] = _digamma_series(x[mid])
    up = (x > _HIGH) & (x < _ASYMPTOTIC_FROM)
    if up.any():
        xu = x[up]
        steps = np.ceil(xu - _HIGH)  # x - steps in (_LOW, _HIGH]: exact, as x < 16
        base = xu - steps
        acc = np.zeros_like(xu)
        for k in range(1, int(steps.max()) + 1):
            acc += np.where(k <= steps, 1.0 / (xu - k), 0.0)
        out[up] = _digamma_series(base) + acc
    far = x >= _ASYMPTOTIC_FROM
    if far.any():
        out[far] = _digamma_asymptotic(x[far])
    return out


# pi as a float64 and the rest (mpmath, 200 bits), and the float64 split in two halves of 26
# bits whose products with a 27-bit half are exact (Dekker's two-product, NumPy having no FMA).
_PI_LO = 1.2246467991473532e-16
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting factor
_PI_HI_HI = _SPLIT * np.pi - (_SPLIT * np.pi - np.pi)  # 3.1415926814079285
_PI_HI_LO = np.pi - _PI_HI_HI


def _pi_times(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pi s as the float64 p and its rest d (the two-product's error and pi's own rest times s),
    for 0 <= s <= 1/2."""
    p = np.pi * s
    big = _SPLIT * s
    s_hi = big - (big - s)
    s_lo = s - s_hi
    err = ((_PI_HI_HI * s_hi - p) + _PI_HI_HI * s_lo + _PI_HI_LO * s_hi) + _PI_HI_LO * s_lo
    return p, err + _PI_LO * s


def _tan_pi_quarter(s: np.ndarray) -> np.ndarray:
    """tan(pi s) for 0 <= s <= 1/4, within an ULP: pi s as the float64 p plus its rest d (the
    two-product's error and pi's own rest times s), then tan(p + d) = tan p + d (1 + tan**2 p).
    The rounded product alone put cot(pi x) 2 ULP off (pi's rounding and the product's)."""
    p, d = _pi_times(s)
    t = np.tan(p)
    return t + d * (1.0 + t * t)


def _cot_pi(x: np.ndarray) -> np.ndarray:
    """cot(pi x) for non-integer x, within an ULP, exactly 0 at the half-integers.

    x is reduced exactly to its distance r from the nearest integer (|r| <= 1/2) and then to
    s = min(|r|, 1/2 - |r|) in [0, 1/4] (1/2 - |r| is exact for |r| >= 1/4, by Sterbenz's
    lemma): cot(pi r) = 1 / tan(pi |r|) or tan(pi (1/2 - |r|)), with r's sign. cos(pi r) /
    sin(pi r) gave cot(pi / 2 rounded) = 6.1e-17 at every half-integer, where even orders of
    polygamma lost up to 7e8 ULP (order 4 at -0.5 - k) and all digits far left of 0.
    """
    r = x - np.round(x)
    a = np.abs(r)
    near = a <= 0.25
    t = _tan_pi_quarter(np.where(near, a, 0.5 - a))
    with np.errstate(divide="ignore"):
        c = np.where(near, 1.0 / t, t)
    return np.copysign(c, r)


def digamma(x: np.ndarray) -> np.ndarray:
    """The digamma function ``Gamma'(x) / Gamma(x)`` in float64, with PyTorch's values at its
    poles: -inf at +0, +inf at -0, NaN at the negative integers and at -inf.

    Args:
        x: A float64 array.

    >>> digamma(np.array([1.0, 0.0, -0.0, -2.0])).round(6).tolist()
    [-0.577216, -inf, inf, nan]
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    pos = x > 0
    if pos.any():
        out[pos] = _digamma_positive(x[pos])
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    neg = (x < 0) & (x != np.floor(x))  # -inf and the negative integers stay NaN
    if neg.any():
        xn = x[neg]
        # Reflection: psi(x) = psi(1 - x) - pi cot(pi x).
        out[neg] = _digamma_positive(1.0 - xn) - np.pi * _cot_pi(xn)
    return out


# -- log-gamma ---------------------------------------------------------------------------------
# Python's math.lgamma is not the C library's but CPython's own Lanczos sum: 2e5 ULP off near
# its zero at 1, 7.6e4 near 2, 130 on (2, 4), 2000 left of 0 (PyTorch's, the C library's: 1 to
# 7), measured against mpmath on 3,000 points per interval. This kernel is vectorised, in few
# NumPy calls (a 4-element call costs about as much as a scalar's), from Taylor series about 1,
# 3/2 and 2, whose coefficients are psi(a) and (-1)**k zeta(k, a) / k:
#   lgamma(a + z) - lgamma(a) = psi(a) z + sum_(k >= 2) (-1)**k zeta(k, a) z**k / k,
# their arguments z exact (Sterbenz's lemma); log((x-1)...(x-m)) steps down to them from below
# 10, Stirling's series above; left of -1/2 the reflection with -x, exact.
_EULER = 0.5772156649015329
_LGAMMA_1P5 = -0.12078223763524522  # log(sqrt(pi) / 2); the rest is -4.2e-18
_PSI_1P5 = 0.03648997397857652  # 2 - Euler - 2 log 2
_HALF_LOG_2PI_MINUS_HALF = 0.4189385332046727
# Terms for 1e-18 of the sum: about 1 for |z| <= 1/4 (0.25**k), about 3/2 for |z| <= 1/4
# ((1/6)**k), about 2 for -1/4 <= z < 1/2 (0.25**k).
_TERMS = 30


def _lgamma_taylor(a: float, psi_a: float) -> list[float]:
    """lgamma(a + z) - lgamma(a)'s coefficients of z, z**2, ..., z**_TERMS."""
    zetas = [float(hurwitz_zeta(k, np.array([a]))[0]) for k in range(2, _TERMS + 1)]
    return [psi_a, *((-1.0) ** k * zk / k for k, zk in zip(range(2, _TERMS + 1), zetas,
                                                          strict=True))]


# Rows: the series about 1, 3/2 and 2; _SERIES_BASE their lgamma(a).
_SERIES = np.array([_lgamma_taylor(1.0, -_EULER), _lgamma_taylor(1.5, _PSI_1P5),
                    _lgamma_taylor(2.0, 1.0 - _EULER)])
_SERIES_BASE = np.array([0.0, _LGAMMA_1P5, 0.0])
# For y in [0, 2.5): the series (row) and its centre's offset from y's, by
# searchsorted(_BREAKS, y): y < 1/4 about 1 at z = y (lgamma(y + 1)), [1/4, 3/4) about 3/2 at
# y - 1/2 (lgamma(y + 1)), [3/4, 5/4) about 1, [5/4, 7/4) about 3/2, [7/4, 5/2) about 2.
_BREAKS = np.array([0.25, 0.75, 1.25, 1.75])
_ROW = np.array([0, 1, 0, 1, 2])
_SHIFT = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
_STIRLING_FROM = 10.0


def _lgamma_series(y: np.ndarray) -> np.ndarray:
    """lgamma(y) for y in [3/4, 5/2), lgamma(y + 1) for y in [0, 3/4) (and for y in (-1/2, 0):
    the series about 1 at y, about 3/2 at y + 1/2 below -1/4).

    Each element's own series in a dozen NumPy calls: the terms from z**4 on as a sum of
    powers (below 1e-3 of the value, so their few ULP are 1e-18 of it), the first three by
    Horner's rule (30 steps of Horner's rule cost 66 us on 4 elements, where math.lgamma's
    loop took 1)."""
    band = np.where(y < 0, (y <= -0.25).astype(np.intp), np.searchsorted(_BREAKS, y, "right"))
    z = y - np.where(y < 0, -0.5 * band, _SHIFT[band])  # exact
    row = _ROW[band]
    coef = _SERIES[row]
    # z, z**2, ..., z**27 by doubling: 5 products of column blocks.
    powers = np.empty((z.size, _TERMS - 3))
    powers[:, 0] = z
    width = 1
    while width < _TERMS - 3:
        end = min(2 * width, _TERMS - 3)
        np.multiply(powers[:, :end - width], powers[:, width - 1:width], out=powers[:, width:end])
        width = end
    acc = np.einsum("ij,ij->i", powers, coef[:, 3:])  # sum_(k >= 4) c_k z**(k - 3)
    for k in (2, 1, 0):
        acc = (acc + coef[:, k]) * z
    return _SERIES_BASE[row] + acc


def _stirling(x: np.ndarray) -> np.ndarray:
    """lgamma for x >= 10: 2 ULP (the rounding of log x, magnified by (x - 1/2) log x /
    lgamma(x), 1.7 at 10); the series' 10th term at 10 is 4e-20 of lgamma(10)."""
    with np.errstate(over="ignore"):
        inv = 1.0 / x
        inv2 = inv * inv
        series = np.zeros_like(x)
        for k in range(10, 0, -1):
            series = series * inv2 + _BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
        # (x - 1/2) log x - x = (x - 1/2)(log x - 1) - 1/2, log x - 1 exact.
        return (x - 0.5) * (np.log(x) - 1.0) + (_HALF_LOG_2PI_MINUS_HALF + series * inv)


def _lgamma_positive(x: np.ndarray) -> np.ndarray:
    """lgamma on (0, 10) by the series, 2 ULP (measured against mpmath); from 10 Stirling's.
    Below 3/4 lgamma(x + 1) - log x; from 5/2, lgamma(x - m) + log((x - 1) ... (x - m)) with
    x - m in [3/2, 5/2), each x - k exact, the product's m roundings 1e-16 m of a log past
    lgamma(x) >= 0.28."""
    far = x >= _STIRLING_FROM
    xs = np.where(far, 2.0, x)
    steps = np.maximum(np.floor(xs - 1.5), 0.0)
    out = _lgamma_series(xs - steps)
    up = steps > 0
    if up.any():
        xu, su = xs[up], steps[up]
        k = np.arange(1.0, su.max() + 1.0)
        out[up] += np.log(np.where(k <= su[:, None], xu[:, None] - k, 1.0).prod(axis=1))
    low = xs < 0.75
    if low.any():
        out[low] -= np.log(xs[low])
    if far.any():
        out[far] = _stirling(x[far])
    return out


def _sin_pi_abs(x: np.ndarray) -> np.ndarray:
    """|sin(pi x)| within an ULP, from x's exact distance to its nearest integer."""
    a = np.abs(x - np.round(x))
    near = a <= 0.25
    s = np.where(near, a, 0.5 - a)
    p, d = _pi_times(s)
    return np.where(near, np.sin(p) + d * np.cos(p), np.cos(p) - d * np.sin(p))


def lgamma(x: np.ndarray) -> np.ndarray:
    """``log |Gamma(x)|`` in float64, +inf at the poles (0 and the negative integers) and at
    +-inf; within 2 ULP on (-1/2, inf).

    On (-1/2, 0) lgamma(1 + x) - log(-x), lgamma(1 + x) from its series at x (exact), or as
    lgamma(3/2 + (x + 1/2)) - log1p(x); below, Gamma(x) Gamma(-x) = -pi / (x sin(pi x)):
    log(pi / (|x| |sin(pi x)|)) - lgamma(-x), whose two terms cancel near lgamma's zeros
    (-2.457, -2.747, -3.144, ...), as PyTorch's do: within 3 ULP times the condition
    (|first| + |second|) / |lgamma(x)|.

    Args:
        x: A float64 array.

    >>> lgamma(np.array([1.0, 0.5, 0.0, -1.0])).round(6).tolist()
    [0.0, 0.572365, inf, inf]
    """
    x = np.asarray(x, dtype=np.float64)
    shape = x.shape
    x = x.reshape(-1)
    out = np.full(x.shape, np.inf)
    out[np.isnan(x)] = np.nan
    ok = np.isfinite(x) & (x != np.floor(x)) | (x > 0) & (x < np.inf)
    xs = x[ok]
    left = xs <= -0.5
    near = (xs < 0) & ~left
    v = _lgamma_positive(np.where(near, 1.0, np.abs(xs)))
    if near.any():
        xn = xs[near]
        v[near] = _lgamma_series(xn) - np.log(-xn) - np.where(xn <= -0.25, np.log1p(xn), 0.0)
    if left.any():
        xl = xs[left]
        with np.errstate(under="ignore", divide="ignore"):
            v[left] = np.log(np.pi / (-xl * _sin_pi_abs(xl))) - v[left]
    out[ok] = v
    return out.reshape(shape)


# -- polygamma ----------------------------------------------------------------------------------
def _cot_derivative(n: int) -> np.ndarray:
    """The coefficients (highest first) of P_n with d^n/dx^n cot(pi x) = pi**n P_n(cot(pi x)):
    P_0 = c, P_(k+1) = -(1 + c^2) P_k'. Their signs are all (-1)**n, so no evaluation
    cancels."""
    p = np.poly1d([1.0, 0.0])
    for _ in range(n):
        p = -np.poly1d([1.0, 0.0, 1.0]) * p.deriv()
    return p.coeffs


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma in float64 (``n >= 0``); for ``n >= 1``
    ``(-1)**(n+1) n! zeta(n + 1, x)``, by reflection below 0, with PyTorch's values at 0 and
    the negative integers.

    Args:
        n: The order, a whole number at least 0.
        x: A float64 array.

    >>> polygamma(1, np.array([1.0, 0.5])).round(6).tolist()  # pi**2 / 6, pi**2 / 2
    [1.644934, 4.934802]
    """
    x = np.asarray(x, dtype=np.float64)
    if n == 0:
        return digamma(x)
    sign = 1.0 if n % 2 else -1.0
    with np.errstate(over="ignore", invalid="ignore"):
        scale = sign * math.exp(math.lgamma(n + 1)) if n > 170 else sign * math.factorial(n)
        out = np.full(x.shape, np.nan)
        pos = x > 0
        if pos.any():
            out[pos] = scale * hurwitz_zeta(n + 1, x[pos])
        pole = (x <= 0) & (x == np.floor(x)) & np.isfinite(x)
        # A pole: PyTorch's sign * inf, the limit of the term 1/(x - k)**(n+1) from the right
        # (odd n: from both sides). -inf stays NaN (no limit); at +inf the limit 0 (PyTorch:
        # NaN for n >= 2).
        out[pole] = sign * np.inf
        neg = (x < 0) & ~pole & np.isfinite(x)
        if neg.any():
            xn = x[neg]
            # Reflection, d^n/dx^n of psi(1 - x) - psi(x) = pi cot(pi x):
            # psi^(n)(x) = (-1)**n psi^(n)(1 - x) - pi**(n+1) P_n(cot(pi x)).
            reflected = scale * hurwitz_zeta(n + 1, 1.0 - xn)
            out[neg] = ((-1.0) ** n * reflected
                        - np.pi ** (n + 1) * np.polyval(_cot_derivative(n), _cot_pi(xn)))
    return out


# -- the inverse error function -------------------------------------------------------------------
def _erfinv_guess(y: np.ndarray) -> np.ndarray:
    """Giles' single-precision approximation ("Approximating the erfinv function", GPU
    Computing Gems, 2011), relative error below 4e-7 on (-1, 1) in float32's range, a start
    for Newton's method."""
    with np.errstate(divide="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
    central = w < 5.0
    wc = w - 2.5
    pc = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        pc = c + pc * wc
    wt = np.sqrt(np.where(central, 5.0, w)) - 3.0
    pt = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        pt = c + pt * wt
    return np.where(central, pc, pt) * y


def erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse error function in float64: +-inf at +-1, NaN beyond.

    Giles' approximation, then Newton's steps on ``erf(x) = y``, written for ``|y| > 1/2`` as
    ``erfc(|x|) = 1 - |y|`` (``1 - |y|`` is exact there, by Sterbenz's lemma), so that the
    tail keeps its relative accuracy: ``erfinv(1 - 2**-53)`` is 5.86 to the last bit.

    Args:
        y: A float64 array.

    >>> erfinv(np.array([0.0, 0.5, 1.0, -1.0])).round(6).tolist()
    [0.0, 0.476936, inf, -inf]
    """
    y = np.asarray(y, dtype=np.float64)
    a = np.abs(y)
    inside = a < 1
    x = np.where(inside, np.abs(_erfinv_guess(np.where(inside, a, 0.0))), 0.0)
    tail = a > 0.5
    rest = 1.0 - a  # exact where a > 1/2
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for _ in range(4):
            slope = 2.0 / math.sqrt(math.pi) * np.exp(-x * x)
            # In the tail Newton's method on log erfc(x) = log(1 - a), nearly a parabola
            # (Giles' start is 0.7 short at a = 1 - 2**-53, where steps on erfc itself gain
            # 1 / (2x) each); log(erfc(x) / (1 - a)) as log1p of a difference of like values.
            c = erfc(x)
            tail_step = -np.log1p((c - rest) / rest) * c / slope
            x = np.where(tail, x - tail_step, x - (erf(x) - a) / slope)
    out = np.copysign(x, y)
    out = np.where(a == 1, np.copysign(np.inf, y), out)
    return np.where(a > 1, np.nan, np.where(y == 0, y, out))
