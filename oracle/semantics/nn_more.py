"""More neural-network functions: group normalisation, and the activations added with it.

Each is its own mathematics, written from the definition (never the engine's formula).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from sympy import Piecewise

from oracle.semantics import Kink, defmeaning, kink, num
from oracle.semantics.elementwise import elementwise
from oracle.semantics.nn import _elementwise_loss

__all__: list[str] = []


def _group_norm(self: Any, weight: Any, bias: Any, *, num_groups: int, eps: Any,
                **_: Any) -> np.ndarray:
    """Each sample's channels (dim 1) in ``num_groups`` consecutive groups: a group's values
    less their mean, over the square root of their biased variance plus ``eps``, then times
    the channel's ``weight`` plus its ``bias``."""
    x = np.asarray(self, dtype=object)
    w, b = np.asarray(weight, dtype=object), np.asarray(bias, dtype=object)
    size = x.shape[1] // num_groups
    out = np.empty(x.shape, dtype=object)
    for n in range(x.shape[0]):
        for group in range(num_groups):
            channels = slice(group * size, (group + 1) * size)
            values = list(x[n, channels].reshape(-1))
            mean = sympy.Add(*values) / len(values)
            var = sympy.Add(*[(v - mean) ** 2 for v in values]) / len(values)
            scale = 1 / sympy.sqrt(var + num(eps))
            for c in range(channels.start, channels.stop):
                out[n, c] = (x[n, c] - mean) * scale * w[c] + b[c]
    return out


defmeaning("group_norm", "structural", _group_norm)


# -- shrinking activations ------------------------------------------------------------------------
def _band_ends(self: Any, *, lambd: Any = 0.5) -> list[Kink]:
    where = "self == lambd or self == -lambd"
    return [kink("self", self - num(lambd), where), kink("self", self + num(lambd), where)]


def _softshrink(self: Any, *, lambd: Any = 0.5) -> Any:
    """Moved toward 0 by ``lambd``, and 0 within ``[-lambd, lambd]``."""
    lam = num(lambd)
    return Piecewise((self - lam, self > lam), (self + lam, self < -lam), (0, True))


def _hardshrink(self: Any, *, lambd: Any = 0.5) -> Any:
    """0 within the closed band ``[-lambd, lambd]``, the input outside it."""
    lam = num(lambd)
    return Piecewise((0, (self >= -lam) & (self <= lam)), (self, True))


elementwise("softshrink", _softshrink, _band_ends)
elementwise("hardshrink", _hardshrink, _band_ends)


# -- smooth and piecewise activations -------------------------------------------------------------
_SELU_ALPHA = sympy.Float("1.6732632423543772848170429916717", 40)
_SELU_SCALE = sympy.Float("1.0507009873554804934193349852946", 40)


def _zero_at(point: Any, where: str) -> Any:
    def kinks(self: Any, **_: Any) -> list[Kink]:
        return [kink("self", self - point, where)]
    return kinks


# log(sigmoid(x)) = x - log(1 + e^x) = -log(1 + e^-x), each written where its derivatives do not
# cancel (the oracle evaluates them at +-2**1000 for the limits at +-inf: 1 - e^x / (1 + e^x)
# there is 1 - 1).
elementwise("logsigmoid", lambda self: Piecewise(
    (self - sympy.log(1 + sympy.exp(self)), self < 0), (-sympy.log(1 + sympy.exp(-self)), True)))
# x tanh(log(1 + e^x)); below 0 as x e^x (e^x + 2) / ((1 + e^x)^2 + 1) (tanh(log w) is
# (w^2 - 1) / (w^2 + 1)), since 1 + e^x holds nothing of e^-120 at the oracle's precision.
elementwise("mish", lambda self: Piecewise(
    (self * sympy.exp(self) * (sympy.exp(self) + 2) / ((1 + sympy.exp(self)) ** 2 + 1), self < 0),
    (self * sympy.tanh(sympy.log(1 + sympy.exp(self))), True)))
elementwise("hardsigmoid", lambda self: Piecewise((0, self <= -3), (1, self >= 3),
                                                  (self / 6 + sympy.Rational(1, 2), True)),
            lambda self: [kink("self", self + 3, "self == -3 or self == 3"),
                          kink("self", self - 3, "self == -3 or self == 3")])
elementwise("hardswish", lambda self: Piecewise((0, self <= -3), (self, self >= 3),
                                                (self * (self + 3) / 6, True)),
            lambda self: [kink("self", self + 3, "self == -3"),
                          kink("self", self - 3, "self == 3")])
elementwise("celu", lambda self, *, alpha=1: Piecewise(
    (num(alpha) * (sympy.exp(self / num(alpha)) - 1), self <= 0), (self, True)),
    _zero_at(0, "self == 0"))
elementwise("selu", lambda self: _SELU_SCALE * Piecewise(
    (_SELU_ALPHA * (sympy.exp(self) - 1), self <= 0), (self, True)), _zero_at(0, "self == 0"))
elementwise("threshold", lambda self, *, threshold, value: Piecewise(
    (num(value), self <= num(threshold)), (self, True)),
    lambda self, *, threshold, value: [kink("self", self - num(threshold), "self == threshold")])


# -- losses ---------------------------------------------------------------------------------------
# soft_margin_loss: the two-class logistic loss of each element, reduced.
defmeaning("soft_margin_loss", "structural", _elementwise_loss(
    lambda x, y: sympy.log(1 + sympy.exp(-y * x))))
