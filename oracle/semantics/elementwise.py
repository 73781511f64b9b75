"""Elementwise meanings: arithmetic, exponentials, trigonometry, rounding, selection.

Each entry is the function itself, on real scalar symbols. Piecewise definitions keep every
branch explicit, so SymPy's derivative is exact away from the boundaries; the boundaries are
listed as kinks and judged one-sidedly by the oracle.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy
from sympy import Piecewise

from oracle.semantics import defmeaning, num

__all__ = ["STEP_FUNCTIONS", "MPMATH_NAMESPACE"]


# -- piecewise-constant functions -----------------------------------------------------------------
# Their derivative is 0 wherever it exists; SymPy leaves d floor(x)/dx unevaluated, so each is a
# Function whose derivative is declared 0 and which evaluates exactly on numbers.
def _round_half_even(x: Any) -> Any:
    f = mpmath.floor(x)
    d = x - f
    if d > 0.5 or (d == 0.5 and int(f) % 2):
        return f + 1
    return f


def _step(name: str, exact: Any, numeric: Any, example: tuple[str, str]) -> type[sympy.Function]:
    arg, value = example

    def eval_(cls: Any, x: Any) -> Any:
        return exact(x) if x.is_Number else None

    eval_.__doc__ = f"""The exact value at a number; a symbolic argument stays unevaluated.

        >>> from sympy import Rational, Symbol
        >>> {name}({arg}), {name}(Symbol("x"))
        ({value}, {name}(x))
        """

    def fdiff(self: Any, argindex: int = 1) -> Any:
        return sympy.S.Zero

    fdiff.__doc__ = f"""0: the derivative wherever it exists (the jumps are the oracle's kinks).

        >>> from sympy import Symbol
        >>> x = Symbol("x")
        >>> {name}(x).diff(x)
        0
        """

    return type(name, (sympy.Function,), {"eval": classmethod(eval_), "fdiff": fdiff,
                                          "is_real": True, "_mpmath": staticmethod(numeric)})


def _exact_round(x: Any) -> Any:
    f = sympy.floor(x)
    d = x - f
    return f + 1 if d > sympy.Rational(1, 2) or (d == sympy.Rational(1, 2) and f % 2) else f


FloorStep = _step("FloorStep", sympy.floor, mpmath.floor, ("Rational(-5, 2)", "-3"))
CeilStep = _step("CeilStep", sympy.ceiling, mpmath.ceil, ("Rational(-5, 2)", "-2"))
TruncStep = _step("TruncStep", lambda x: sympy.floor(x) if x >= 0 else sympy.ceiling(x),
                  lambda x: mpmath.floor(x) if x >= 0 else mpmath.ceil(x),
                  ("Rational(-7, 2)", "-3"))
RoundStep = _step("RoundStep", _exact_round, _round_half_even, ("Rational(5, 2)", "2"))
STEP_FUNCTIONS = (FloorStep, CeilStep, TruncStep, RoundStep)


def _heaviside(x: Any, h0: Any = 0.5) -> Any:
    # SymPy's value at 0 (1/2 by default) is only a placeholder: the oracle judges x == 0 as a
    # kink from the one-sided values, never from this value.
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else mpmath.mpf(h0)


def _dirac_delta(x: Any, k: Any = 0) -> Any:
    # Zero away from 0; at 0 a kink (nan), which the oracle resolves from the one-sided values.
    return mpmath.mpf(0) if x != 0 else mpmath.mpf("nan")


MPMATH_NAMESPACE: dict[str, Any] = {f.__name__: f._mpmath for f in STEP_FUNCTIONS}
MPMATH_NAMESPACE.update(Heaviside=_heaviside, DiracDelta=_dirac_delta)


def _sign(x: Any) -> Any:
    return Piecewise((1, x > 0), (-1, x < 0), (0, True))


def elementwise(name: str, fn: Any, kinks: Any = None) -> None:
    """Declare an elementwise meaning: ``fn`` of one symbol per input and the attributes.

    >>> import sympy
    >>> from oracle.semantics import MEANINGS
    >>> x = sympy.Symbol("x", real=True)
    >>> elementwise("doc_scaled", lambda self, *, factor: self * num(factor))
    >>> MEANINGS["doc_scaled"].fn(x, factor=0.5)
    x/2
    >>> del MEANINGS["doc_scaled"]
    """
    defmeaning(name, "elementwise", fn, kinks=kinks)


def _self_at_zero(self: Any, **_: Any) -> list[tuple[str, Any]]:
    return [("self", self)]


# -- arithmetic -----------------------------------------------------------------------------------
elementwise("add", lambda self, other, *, alpha=1: self + num(alpha) * other)
elementwise("sub", lambda self, other, *, alpha=1: self - num(alpha) * other)
elementwise("rsub", lambda self, other, *, alpha=1: other - num(alpha) * self)
elementwise("rsub_scalar", lambda self, other=None, *, alpha=1, **kw: (
    (num(kw["value"]) if other is None else other) - num(alpha) * self))
elementwise("neg", lambda self: -self)
elementwise("mul", lambda self, other: self * other)
elementwise("div", lambda self, other: self / other)
elementwise("div_mode", lambda self, other, *, rounding_mode=None: (
    self / other if rounding_mode is None
    else FloorStep(self / other) if rounding_mode == "floor" else TruncStep(self / other)))
elementwise("reciprocal", lambda self: 1 / self)
elementwise("pow", lambda self, *, exponent: self ** num(exponent))
elementwise("pow_tensor", lambda self, exponent: self ** exponent)
elementwise("pow_scalar", lambda exponent, *, base: num(base) ** exponent)
elementwise("abs", lambda self: Piecewise((-self, self < 0), (self, True)), _self_at_zero)
elementwise("sign", lambda self: _sign(self))
elementwise("maximum", lambda self, other: Piecewise((other, self < other), (self, True)),
            lambda self, other: [("self", self - other), ("other", self - other)])
elementwise("minimum", lambda self, other: Piecewise((other, self > other), (self, True)),
            lambda self, other: [("self", self - other), ("other", self - other)])


def _clamp(self: Any, *, min: Any = None, max: Any = None) -> Any:
    # min(max(self, min), max): when min > max the result is max, as in PyTorch.
    out = self
    if min is not None:
        out = Piecewise((min, out < min), (out, True))
    if max is not None:
        out = Piecewise((max, out > max), (out, True))
    return out


def _clamp_kinks(self: Any, *, min: Any = None, max: Any = None) -> Any:
    return [("self", self - b) for b in (min, max) if b is not None]


def _bounds(fn: Any) -> Any:
    def exact(self: Any, **kw: Any) -> Any:
        return fn(self, **{k: None if v is None else num(v) for k, v in kw.items()})

    return exact


def _modulo(step: Any) -> tuple[Any, Any]:
    """``self - other * step(self / other)`` and its jumps in ``other`` (where the quotient is
    a whole number, the step jumps: the derivative in ``other`` differs on the two sides)."""

    def fn(self: Any, other: Any = None, **kw: Any) -> Any:
        o = num(kw["other"]) if other is None else other
        return self - o * step(self / o)

    def kinks(self: Any, other: Any = None, **kw: Any) -> list[tuple[str, Any]]:
        if other is None:
            return []
        return [("other", self / other - step(self / other))]

    return fn, kinks


elementwise("clamp", _bounds(_clamp), _bounds(_clamp_kinks))
elementwise("clamp_min", _bounds(_clamp), _bounds(_clamp_kinks))
elementwise("clamp_max", _bounds(_clamp), _bounds(_clamp_kinks))
elementwise("clamp_min_tensor", lambda self, min: _clamp(self, min=min),
            lambda self, min: [("self", self - min), ("min", self - min)])
elementwise("clamp_max_tensor", lambda self, max: _clamp(self, max=max),
            lambda self, max: [("self", self - max), ("max", self - max)])
# At min == max the result is min(min, max) for self < min and max for self > max: a kink in
# each bound (PyTorch gives neither of them the gradient there).
elementwise("clamp_tensor", lambda self, min, max: _clamp(self, min=min, max=max),
            lambda self, min, max: [("self", self - min), ("self", self - max),
                                    ("min", self - min), ("max", self - max),
                                    ("min", min - max), ("max", min - max)])
for _name in ("remainder", "remainder_tensor", "remainder_scalar"):
    elementwise(_name, *_modulo(lambda q: FloorStep(q)))
for _name in ("fmod", "fmod_tensor"):
    elementwise(_name, *_modulo(lambda q: TruncStep(q)))
elementwise("floor_divide", lambda self, other: FloorStep(self / other))
elementwise("floor", lambda self: FloorStep(self))
elementwise("ceil", lambda self: CeilStep(self))
elementwise("round", lambda self: RoundStep(self))
elementwise("round_decimals", lambda self, *, decimals: RoundStep(self * 10**decimals)
            / sympy.Integer(10) ** decimals)
elementwise("trunc", lambda self: TruncStep(self))

# -- exponentials and logarithms ------------------------------------------------------------------
elementwise("exp", sympy.exp)
elementwise("exp2", lambda self: 2 ** self)
elementwise("expm1", lambda self: sympy.exp(self) - 1)
elementwise("log", sympy.log)
elementwise("log2", lambda self: sympy.log(self) / sympy.log(2))
elementwise("log10", lambda self: sympy.log(self) / sympy.log(10))
elementwise("log1p", lambda self: sympy.log(1 + self))
elementwise("sqrt", sympy.sqrt)
elementwise("rsqrt", lambda self: 1 / sympy.sqrt(self))

# -- trigonometric and hyperbolic -----------------------------------------------------------------
for _name in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
              "acosh", "atanh", "erf", "erfc"):
    elementwise(_name, getattr(sympy, _name))
elementwise("tanh_backward", lambda grad_output, self: grad_output * (1 - sympy.tanh(self) ** 2))
elementwise("atan2", lambda self, other: sympy.atan2(self, other))
elementwise("sigmoid", lambda self: 1 / (1 + sympy.exp(-self)))

# -- selection ------------------------------------------------------------------------------------
elementwise("where", lambda condition, self, other: Piecewise(
    (self, sympy.Ne(condition, 0)), (other, True)))
