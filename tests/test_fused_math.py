"""The fused multiply-adds the random kernels rely on round once: checked against exact rationals,
on random operands and on ones built to land where a double rounding would go wrong.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from symgrad._fused_math import fma32, fma64, log_f32, sincos_f32

finite64 = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e150, max_value=1e150)
finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32, min_value=-2.0**60,
                     max_value=2.0**60)


def _exact(a: float, b: float, c: float) -> Fraction:
    return Fraction(a) * Fraction(b) + Fraction(c)


@settings(max_examples=300, deadline=None)
@given(finite64, finite64, finite64)
@example(1.0 + 2.0**-30, 1.0 - 2.0**-30, -1.0)
@example(1.0 + 2.0**-52, 1.0 + 2.0**-52, -(1.0 + 2.0**-51))
@example(3.0, 1.0 / 3.0, -1.0)
def test_fma64_rounds_once(a: float, b: float, c: float) -> None:
    got = float(fma64(np.array([a]), np.array([b]), np.array([c]))[0])
    assert got == float(_exact(a, b, c))


def test_fma64_at_infinities_nans_huge_operands_and_zeros() -> None:
    # IEEE's values of a * b + c: the error-free steps made nan of inf - inf (an infinite
    # operand, or a split past 1e300) and +0 of -0 + -0. Expected values from the rules.
    inf, nan = np.inf, np.nan
    cases = [(inf, 2.0, 1.0, inf), (1e300, 1e10, 0.0, inf), (-1e305, 2.0, 0.0, -2e305),
             (nan, 1.0, 0.0, nan), (2.0, 3.0, -inf, -inf), (-0.0, 1.0, -0.0, -0.0),
             (0.5, 0.0, -0.0, 0.0), (-0.5, 0.0, -0.0, -0.0), (2.0, 3.0, -6.0, 0.0)]
    a, b, c, expected = (np.array(column) for column in zip(*cases, strict=True))
    got = fma64(a, b, c)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


@settings(max_examples=300, deadline=None)
@given(finite32, finite32, finite32)
@example(1.0 + 2.0**-12, 1.0 + 2.0**-12, 2.0**-60)  # halfway in float64 after one rounding
@example(1.0 + 2.0**-12, 1.0 + 2.0**-12, -1.0)
@example(2.0**-70, 2.0**-70, 2.0**-149)  # float32's subnormal range
def test_fma32_rounds_once(a: float, b: float, c: float) -> None:
    a32, b32, c32 = (np.array([v], dtype=np.float32) for v in (a, b, c))
    got = fma32(a32, b32, c32)[0]
    exact = _exact(float(a32[0]), float(b32[0]), float(c32[0]))
    # No float32 lies nearer the exact value than the result does, and of two equally near
    # the result is the one with an even last bit.
    for direction in (np.float32(np.inf), np.float32(-np.inf)):
        neighbour = np.nextafter(got, direction)
        gap, other = abs(Fraction(float(got)) - exact), abs(Fraction(float(neighbour)) - exact)
        assert gap < other or (gap == other and got.view(np.uint32) % 2 == 0)


def test_fma32_is_not_fooled_by_a_double_rounding() -> None:
    # (1 + 2**-12)**2 = 1 + 2**-11 + 2**-24 lies exactly halfway between two float32 values;
    # adding 2**-60 puts the exact result just above, but float64 drops the 2**-60 and a second
    # rounding to float32 would break the tie downwards.
    a = np.array([1.0 + 2.0**-12], dtype=np.float32)
    c = np.array([2.0**-60], dtype=np.float32)
    naive = (a.astype(np.float64) ** 2 + c.astype(np.float64)).astype(np.float32)
    assert naive[0] == np.float32(1.0 + 2.0**-11)
    assert fma32(a, a, c)[0] == np.float32(1.0 + 2.0**-11 + 2.0**-23)


def test_cephes_approximations_stay_close_to_the_functions() -> None:
    u = np.linspace(2.0**-24, 1.0, 100_001, dtype=np.float32)
    assert np.abs(log_f32(u) - np.log(u.astype(np.float64))).max() < 2e-6 * 17
    theta = np.linspace(0.0, 2 * np.pi, 100_001, dtype=np.float32)[:-1]
    s, c = sincos_f32(theta)
    assert np.abs(s - np.sin(theta.astype(np.float64))).max() < 3e-7
    assert np.abs(c - np.cos(theta.astype(np.float64))).max() < 3e-7
