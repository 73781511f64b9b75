"""The arithmetic of PyTorch's CPU random kernels, replayed exactly in NumPy.

PyTorch's kernels are compiled with fused multiply-add: ``x * (to - from) + from`` in
``uniform_`` and ``n * std + mean`` in ``normal_`` round once, not twice. NumPy has no FMA, so
``fma32`` and ``fma64`` compute it exactly from error-free transformations: the product split into
two doubles (Dekker), the sum with its rounding error (Knuth's TwoSum), and the last addition
rounded to odd before the final rounding, which makes the double rounding harmless (Boldo and
Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to
odd", 2008).

``libm`` gives the C library's float64 ``log``, ``sin`` and ``cos``, which PyTorch's float64
``normal_`` calls once per element: NumPy's vectorised function where NumPy calls the C library
(as its float64 ``sin`` and ``cos`` do on x86-64 builds), one ``math`` call per element where
NumPy has its own (its AVX-512 ``log``).

``log_f32`` and ``sincos_f32`` are the single-precision Cephes approximations PyTorch's vectorised
``normal_`` uses for float32 (its AVX ``log256_ps`` and ``sincos256_ps``), with the fused steps the
compiler made of them, so ``randn`` in float32 gives PyTorch's bits rather than correctly rounded
ones. They assume the arguments that kernel passes: ``log_f32`` gets ``(0, 1]``, ``sincos_f32``
gets ``[0, 2*pi)``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

_SPLITTER = 134217729.0  # 2**27 + 1: splits a double into two halves of 26 bits
# The 29 bits of a double's significand float32 has not, and their pattern halfway between two
# float32 values.
_BELOW_FLOAT32 = np.uint64(2**29 - 1)
_HALF_FLOAT32_ULP = np.uint64(2**28)


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = _SPLITTER * a
    high = c - (c - a)
    return high, a - high


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _add_round_to_odd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Of the two doubles around an inexact sum, the one with an odd last bit.
    s, err = _two_sum(a, b)
    even = (s.view(np.uint64) & np.uint64(1)) == 0
    return np.where((err != 0) & even, np.nextafter(s, np.copysign(np.inf, err)), s)


def fma64(a: np.ndarray, b: np.ndarray | float, c: np.ndarray | float) -> np.ndarray:
    """``a * b + c`` in float64, rounded once.

    >>> import numpy as np
    >>> a = np.array([1.0 + 2.0**-30]); b = np.array([1.0 - 2.0**-30])
    >>> float(fma64(a, b, -1.0)[0]) == -2.0**-60, float((a * b - 1.0)[0])
    (True, 0.0)
    """
    if np.ndim(b) == 0 and b == 1:
        return np.asarray(a, np.float64) + c  # a * 1 is exact: one rounding already
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                  np.asarray(c, np.float64))
    p_high, p_low = _two_product(a, b)
    s_high, s_low = _two_sum(c, p_high)
    out = s_high + _add_round_to_odd(s_low, p_low)
    with np.errstate(invalid="ignore", over="ignore"):
        if not np.all(np.isfinite(out) & (out != 0)):
            out = _fma64_edges(out, p_high, c)
    return out


def _fma64_edges(out: np.ndarray, product: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``fma64``'s result where the error-free steps do not hold. With an infinite or NaN
    operand, or one past 1e300 (whose split overflows), ``a * b + c`` rounded twice: the
    infinities and NaNs IEEE gives (the steps made inf - inf = nan of them). At a zero sum,
    its IEEE sign: -0 only for -0 + -0 (the steps made +0 of it); any other exact zero is +0."""
    plain = product + c
    out = np.where(np.isfinite(out), out, plain)
    return np.where(out == 0, np.where((product == 0) & (c == 0), plain, 0.0), out)


def fma32(a: np.ndarray, b: np.ndarray | float, c: np.ndarray | float) -> np.ndarray:
    """``a * b + c`` for float32 operands, rounded once to float32.

    >>> import numpy as np
    >>> a = np.float32(1 + 2**-12)
    >>> float(fma32(np.array([a]), a, np.float32(-1))[0]) == 2**-11 + 2**-24
    True
    """
    if np.ndim(b) == 0 and b == 1:
        return np.add(a, c, dtype=np.float32)  # a * 1 is exact: one rounding already
    # The product of two float32 values is exact in float64, so only the sum rounds there; a
    # second rounding to float32 can differ from a single one only when the first landed
    # exactly halfway between two float32 values, or in float32's subnormal range.
    product = np.multiply(a, b, dtype=np.float64)
    total = np.add(product, c, dtype=np.float64)
    risky = (total.view(np.uint64) & _BELOW_FLOAT32) == _HALF_FLOAT32_ULP
    risky |= np.abs(total) < 2.0**-126
    if risky.any():
        product, c = np.broadcast_arrays(product, np.asarray(c, np.float64))
        total[risky] = _add_round_to_odd(product[risky], c[risky])
    return total.astype(np.float32)


# -- the C library's float64 functions ------------------------------------------------------------
# Arguments NumPy's functions must match the C library's on before they are used as it: another
# implementation (NumPy's own SIMD log, say) differs on about 1 in 300 of them.
_PROBES = np.random.default_rng(0).random(16384) * (2 * math.pi) + 1e-300


def _per_element(name: str, x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(getattr(math, name), x.ravel().tolist()), np.float64, x.size).reshape(
        x.shape)


@functools.cache
def _numpy_is_libm(name: str) -> bool:
    """Whether NumPy's float64 ``name`` is the C library's: it gives its bits on every probe (a
    NumPy with its own SIMD version of a function differs on some)."""
    return bool(np.array_equal(getattr(np, name)(_PROBES), _per_element(name, _PROBES)))


def libm(name: str, x: np.ndarray) -> np.ndarray:
    """The C library's float64 ``name`` (``"log"``, ``"sin"`` or ``"cos"``) of each of ``x``,
    bit for bit: NumPy's vectorised function where it is the C library's, else one ``math``
    call per element.

    >>> import math
    >>> x = np.array([0.1, 0.5, 0.75])
    >>> libm("log", x).tolist() == [math.log(v) for v in x.tolist()]
    True
    """
    if _numpy_is_libm(name):
        return getattr(np, name)(x)
    return _per_element(name, x)


# -- Cephes single precision, as PyTorch's AVX kernels evaluate it ------------------------------
_F = np.float32
_LOG_POLY = tuple(_F(p) for p in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1, _LOG_Q2 = _F(-2.12194440e-4), _F(0.693359375)
_SQRT_HALF = _F(0.707106781186547524)
_FOUR_OVER_PI = _F(1.27323954473516)
_PI_OVER_4_PARTS = (_F(-0.78515625), _F(-2.4187564849853515625e-4), _F(-3.77489497744594108e-8))
_SIN_POLY = (_F(-1.9515295891e-4), _F(8.3321608736e-3), _F(-1.6666654611e-1))
_COS_POLY = (_F(2.443315711809948e-5), _F(-1.388731625493765e-3), _F(4.166664568298827e-2))


def _horner(coefficients: tuple[np.float32, ...], x: np.ndarray) -> np.ndarray:
    y = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        y = fma32(y, x, c)
    return y


def log_f32(x: np.ndarray) -> np.ndarray:
    """Natural log of float32 values in ``(0, 1]``, as PyTorch's AVX ``log256_ps`` computes it.

    >>> import numpy as np
    >>> x = np.array([1.0, 0.5, 1e-7], dtype=np.float32)
    >>> bool(np.abs(log_f32(x) - np.log(x.astype(np.float64))).max() < 1e-6)
    True
    """
    bits = x.view(np.uint32)
    # x = m * 2**e with m in [0.5, 1); below sqrt(1/2), m is doubled and e lowered by one.
    e = ((bits >> 23).astype(np.int32) - 126).astype(np.float32)
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)
    small = m < _SQRT_HALF
    e = e - small.astype(np.float32)
    m = (m - _F(1)) + np.where(small, m, _F(0))
    z = m * m
    y = _horner(_LOG_POLY, m) * m
    y = fma32(y, z, e * _LOG_Q1)
    y = y - z * _F(0.5)
    return (m + y) + e * _LOG_Q2


def sincos_f32(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of float32 values in ``[0, 2*pi)``, as PyTorch's AVX ``sincos256_ps``.

    >>> import numpy as np
    >>> x = np.array([0.0, 1.0, 4.0], dtype=np.float32)
    >>> s, c = sincos_f32(x)
    >>> bool(np.abs(s - np.sin(x)).max() < 1e-6 and np.abs(c - np.cos(x)).max() < 1e-6)
    True
    """
    octant = (x * _FOUR_OVER_PI).astype(np.int32)
    octant = (octant + 1) & ~1
    y = octant.astype(np.float32)
    for part in _PI_OVER_4_PARTS:
        x = fma32(y, part, x)
    z = x * x
    cos_poly = _horner(_COS_POLY, z) * z
    cos_poly = fma32(cos_poly, z, -(z * _F(0.5))) + _F(1)
    sin_poly = fma32(_horner(_SIN_POLY, z) * z, x, x)
    near_zero = (octant & 2) == 0
    s = np.where(near_zero, sin_poly, cos_poly)
    c = np.where(near_zero, cos_poly, sin_poly)
    return (np.where((octant & 4) != 0, -s, s),
            np.where(((octant - 2) & 4) == 0, -c, c))
