"""Meaning of ``angle`` of a real number: pi below 0, 0 from 0 on (its jump at 0 the kink
``self == 0``), so its derivative is 0 wherever it has one.
"""

from __future__ import annotations

from typing import Any

from sympy import Piecewise, pi

from oracle.semantics.elementwise import _self_at_zero, elementwise

__all__: list[str] = []


def _angle(self: Any) -> Any:
    return Piecewise((pi, self < 0), (0, True))


elementwise("angle", _angle, labels=_self_at_zero)
