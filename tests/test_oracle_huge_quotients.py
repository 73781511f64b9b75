"""The exact oracle at huge and tiny quotients: remainder, fmod, floor division and the rounding
steps, against exact integer and ``Fraction`` arithmetic on the inputs' binary values.

self = 1 and other = 2**-1074 make self / other = 2**1074: d/dother of remainder is
-g * 2**1074, beyond float64's range, so the engine's -inf is the right answer. The oracle once
moved other by an absolute 2**-338 to take one-sided values (other changed sign: +5.6e101), and
took floor of a quotient rounded to its working precision, so that self - other * floor(q)
cancelled to noise (1 mod 3e-300 came out 0).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import oracle
import symgrad
from oracle.crosscheck import crosscheck
from oracle.engines.symgrad_strategies import OpCase
from symgrad.ops.registry import REGISTRY, apply

TINY = 5e-324  # 2**-1074
# 2**1074 = -1 (mod 5): 1 / (5 * 2**-1074) lies 1/5 below an integer, 2**1072 in size.
FIVE_TINY = 5 * TINY
PAIRS = [(1.0, TINY), (-1.0, TINY), (1.0, -TINY), (3.0, 2.0**-1070), (1.0, 3e-300),
         (1.0, 3e-40), (-1.0, 3e-40), (1.0, FIVE_TINY), (-1.0, FIVE_TINY), (1e308, TINY),
         (-1e308, 3e-300), (7.0, 2.0), (-7.5, 2.0), (0.5, 0.05)]


def _floor(a: Fraction, b: Fraction) -> int:
    return math.floor(a / b)


def _trunc(a: Fraction, b: Fraction) -> int:
    return math.trunc(a / b)


def _near(got: object, want: Fraction, rel: float = 1e-35) -> bool:
    """The oracle's value (an mpf, or its 40-digit decimal) within ``rel`` of the exact one."""
    g = _fraction(got)
    return abs(g - want) <= Fraction(rel) * abs(want) if want else g == 0


def _fraction(x: object) -> Fraction:
    if isinstance(x, str):
        return Fraction(x)
    # x._mpf_ itself: mpmath.mpf(x) would round it to the default 53 bits.
    sign, man, exp, _ = x._mpf_ if isinstance(x, mpmath.mpf) else mpmath.mpf(x)._mpf_
    f = Fraction(int(man)) * Fraction(2) ** int(exp)
    return -f if sign else f


def _leaves(s: float, o: float) -> tuple[symgrad.Tensor, symgrad.Tensor]:
    return (symgrad.tensor([s], dtype=symgrad.float64, requires_grad=True),
            symgrad.tensor([o], dtype=symgrad.float64, requires_grad=True))


# -- the reported case, judged as tests/test_properties.py judges an edges case -------------
def test_remainder_gradient_beyond_float64_is_the_engines_infinity():
    case = OpCase.of("remainder_tensor", "float64", [1.0, -1.0, 1.0], [TINY, TINY, -TINY])
    inputs = case.inputs()
    with np.errstate(all="ignore"):
        v = crosscheck(lambda *xs: apply(REGISTRY[case.op], *xs), inputs, op=case.op,
                       names=["self", "other"], grad_outputs=[symgrad.ones_like(
                           apply(REGISTRY[case.op], *inputs))])
    assert v.passed, v.message
    by = {(e.input, e.index[0]): e for e in v.elements}
    for i, (s, o) in enumerate([(1.0, TINY), (-1.0, TINY), (1.0, -TINY)]):
        want = -_floor(Fraction(s), Fraction(o))
        assert abs(want) == 2**1074
        e = by[("other", i)]
        assert _near(e.exact, Fraction(want)), e.exact
        assert e.engine == (math.inf if want > 0 else -math.inf) and e.status == "ok", e
        assert float(by[("self", i)].exact) == 1.0


# -- remainder and fmod: value and gradient, chained so the value feeds a partial ------------
@pytest.mark.parametrize("s, o", PAIRS)
@pytest.mark.parametrize("name, step", [("remainder_tensor", _floor), ("fmod_tensor", _trunc)])
def test_modulo_value_and_gradient_exact(name, step, s, o):
    a, b = _leaves(s, o)
    out = apply(REGISTRY[name], a, b)
    fa, fb = Fraction(s), Fraction(o)
    q = step(fa, fb)
    rem = fa - fb * q
    assert 0 <= rem / fb < 1 if name == "remainder_tensor" else abs(rem) < abs(fb)
    (value,) = oracle.exact_forward(out)
    assert _near(value[0], rem), (value[0], float(rem))
    # d/dself (out**2) = 2 out, d/dother = 2 out * -q: wrong wherever the value is.
    r = oracle.exact_grad((out * out).sum(), (a, b))
    assert r.status in ("ok", "kink"), r.reason
    assert _near(r.grads[0][0], 2 * rem)
    assert _near(r.grads[1][0], -2 * rem * q)
    r = oracle.exact_grad(out.sum(), (a, b))
    assert _near(r.grads[0][0], Fraction(1)) and _near(r.grads[1][0], Fraction(-q))


def test_a_quotient_rounding_to_an_integer_is_no_kink():
    # 1 / 3e-300 rounds to an integer at any working precision, yet is none.
    a, b = _leaves(1.0, 3e-300)
    r = oracle.exact_grad(apply(REGISTRY["remainder_tensor"], a, b).sum(), (a, b))
    assert (r.status, r.kinks) == ("ok", [])


# -- floor division and rounded division --------------------------------------------------
@pytest.mark.parametrize("s, o", PAIRS)
@pytest.mark.parametrize("name, attrs, step", [("floor_divide", {}, _floor),
                                               ("div_mode", {"rounding_mode": "floor"}, _floor),
                                               ("div_mode", {"rounding_mode": "trunc"}, _trunc)])
def test_rounded_quotient_exact(name, attrs, step, s, o):
    a, b = _leaves(s, o)
    with np.errstate(all="ignore"):
        out = apply(REGISTRY[name], a, b, **attrs)
    (value,) = oracle.exact_forward(out)
    assert _near(value[0], Fraction(step(Fraction(s), Fraction(o))))


def test_rounded_quotient_gradient_is_zero_at_huge_quotients():
    a, b = _leaves(1.0, TINY)
    out = apply(REGISTRY["div_mode"], a, b, rounding_mode="floor")
    r = oracle.exact_grad((out * a).sum(), (a, b))
    assert _near(r.grads[0][0], Fraction(2**1074)) and r.grads[1][0] == 0


# -- the rounding steps at huge and tiny arguments ----------------------------------------
def _half_even(x: Fraction) -> int:
    return round(x)  # Fraction rounds half to even


VALUES = [1e308, -1e308, 2.0**52 + 0.5, -(2.0**52) - 1.5, TINY, -TINY, 0.5, -0.5, 1.5, 2.5,
          -2.5, 1e-300, -1e-300, 0.0]


@pytest.mark.parametrize("name, step", [("floor", math.floor), ("ceil", math.ceil),
                                        ("trunc", math.trunc), ("round", _half_even)])
def test_rounding_steps_exact_at_huge_and_tiny_arguments(name, step):
    x = symgrad.tensor(VALUES, dtype=symgrad.float64, requires_grad=True)
    out = apply(REGISTRY[name], x)
    (value,) = oracle.exact_forward(out)
    for got, v in zip(value, VALUES, strict=True):
        assert _fraction(got) == step(Fraction(v)), (name, v, got)
    r = oracle.exact_grad((out * x).sum(), x)
    for got, v in zip(r.grads[0], VALUES, strict=True):
        assert _fraction(got) == step(Fraction(v)), (name, v, got)


@pytest.mark.parametrize("decimals", [-1, 1])
def test_round_decimals_scales_exactly(decimals):
    # 25 / 10 = 2.5 rounds half to even: 20; 0.25 * 10 = 2.5 likewise: 0.2 (as PyTorch).
    x = symgrad.tensor([25.0 if decimals < 0 else 0.25], dtype=symgrad.float64,
                       requires_grad=True)
    (value,) = oracle.exact_forward(apply(REGISTRY["round_decimals"], x, decimals=decimals))
    want = Fraction(20) if decimals < 0 else Fraction(1, 5)
    assert _near(value[0], want)
