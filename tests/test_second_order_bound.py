"""The engine bound of the second order is made of the second derivative's terms: acos's
value (about pi/2 near 0) must not widen it, or a VJP whose own formula cancels passes.

The old acos VJP, ``-g * rsqrt((1 - self) * (1 + self))``, differentiates to
``(1 + self) - (1 - self)``: terms near 1 that cancel to ``2 self``, so near 0 its second
order loses about ``log2(1 / self)`` bits (the current one, ``1 - self * self``, cannot
cancel). The expected values below come from the mathematics, not from the oracle: the loss
is checked against ``acos'' = -x (1 - x²)^(-3/2)`` computed in float64 here.
"""

import dataclasses

import numpy as np
import pytest

import symgrad
from oracle.crosscheck import crosscheck
from symgrad import REGISTRY
from symgrad.ops.elementwise import rsqrt
from symgrad.ops.registry import apply

POINTS = [2.1e-3, 1e-4, -1.2e-6]
DTYPES = ["float32", "float64"]


def old_acos_vjp(g, self):
    return -g * rsqrt((1 - self) * (1 + self))


def judge(dtype, x):
    """crosscheck's second order of acos at x (2 x 3 copies) with g = v = 1."""
    t = symgrad.tensor(np.full((2, 3), x), dtype=getattr(symgrad, dtype), requires_grad=True)
    ones = symgrad.ones_like(t)
    return crosscheck(lambda a: apply(REGISTRY["acos"], a), [t], order=2, op="acos",
                      names=["self"], grad_outputs=[ones], v=[ones])


def second_derivative(dtype, x):
    """acos'' = -x (1 - x²)^(-3/2) at x rounded to dtype, in float64."""
    xd = float(np.asarray(x, dtype=dtype))
    return -xd * (1 - xd * xd) ** -1.5


@pytest.fixture
def old_acos(monkeypatch):
    monkeypatch.setitem(REGISTRY, "acos", dataclasses.replace(REGISTRY["acos"],
                                                              vjp=old_acos_vjp))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x", POINTS)
def test_current_acos_passes_second_order_near_zero(dtype, x):
    v = judge(dtype, x)
    assert v.status == "ok", v.message
    # Judged on the terms (about |acos''|), not on acos itself (about pi/2): a bound of
    # c·(2·depth + 1) = 12 eps·S is at most a few dozen ULP of the exact value.
    assert all(e.tolerance_ulps < 50 for e in v.elements), v.message
    for e in v.elements:
        assert abs(float(e.exact) - second_derivative(dtype, x)) \
            <= 1e-12 * abs(second_derivative(dtype, x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x", POINTS)
def test_old_acos_formula_is_engine_wrong_near_zero(old_acos, dtype, x):
    v = judge(dtype, x)
    assert v.status == "engine-wrong" and v.wrong == "engine", v.message
    bad = [e for e in v.elements if e.status == "engine-wrong"]
    assert bad
    for e in bad:
        # The oracle's exact value is the mathematics'; the engine is off it by more than
        # the bound, and by about eps·|g·v| (the cancelled terms' size), not eps·|exact|.
        math_value = second_derivative(dtype, x)
        assert abs(float(e.exact) - math_value) <= 1e-12 * abs(math_value)
        eps = float(np.finfo(dtype).eps)
        assert e.tolerance_ulps * float(np.spacing(np.asarray(abs(math_value), dtype))) \
            < abs(e.engine - math_value) <= 4 * eps


def test_old_formula_really_loses_bits_near_zero(monkeypatch):
    """Independent of the oracle: at -1.2e-6 in float32 (g = v = 1) the current formula's
    hvp is within a few ULP of -x (1 - x²)^(-3/2), the old one thousands of ULP off."""
    x = np.float32(-1.2e-6)
    exact = -float(x) * (1 - float(x) ** 2) ** -1.5
    spacing = float(np.spacing(np.float32(abs(exact))))

    def ulps_off():
        t = symgrad.tensor([x], dtype=symgrad.float32, requires_grad=True)
        (d,) = symgrad.autograd.grad(apply(REGISTRY["acos"], t).sum(), [t], create_graph=True)
        (h,) = symgrad.autograd.grad(d.sum(), [t])
        return abs(float(h._data[0]) - exact) / spacing

    assert ulps_off() <= 4
    monkeypatch.setitem(REGISTRY, "acos", dataclasses.replace(REGISTRY["acos"],
                                                              vjp=old_acos_vjp))
    assert ulps_off() > 1000
