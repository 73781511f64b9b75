"""Fused backward operators: what an engine runs when a function differentiates through a
backward (``create_graph``), as ops of their own.

Each meaning is the vector-Jacobian product of its forward op's meaning, taken by SymPy from
that meaning (``gelu_backward``, ``silu_backward``), or the same derivative written in the
forward's result when that is what the operator takes (``tanh_backward_y``: PyTorch's
``tanh_backward(grad_output, output)``).

>>> import sympy
>>> g, x = sympy.symbols("g x", real=True)
>>> MEANINGS["silu_backward"].fn(g, x).equals(g * sympy.diff(x / (1 + sympy.exp(-x)), x))
True
>>> MEANINGS["sigmoid_backward_y"].fn(g, x)
g*x*(1 - x)
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy import Piecewise

from oracle.semantics import MEANINGS, kink, num
from oracle.semantics.elementwise import elementwise


def _vjp_of(forward: str) -> Any:
    """``grad_output`` times the derivative of the elementwise meaning ``forward``."""

    def meaning(grad_output: Any, self: Any, **attrs: Any) -> Any:
        t = sympy.Dummy("t", real=True)
        return grad_output * sympy.diff(MEANINGS[forward].fn(t, **attrs), t).subs(t, self)

    return meaning


elementwise("tanh_backward_y", lambda grad_output, self: grad_output * (1 - self**2))
elementwise("sigmoid_backward_y", lambda grad_output, self: grad_output * self * (1 - self))
elementwise("gelu_backward", _vjp_of("gelu"))
elementwise("silu_backward", _vjp_of("silu"))
elementwise("threshold_backward", lambda grad_output, self, *, threshold: Piecewise(
    (grad_output, self > num(threshold)), (0, True)),
    lambda grad_output, self, *, threshold: [
        kink("self", self - num(threshold), "self == threshold")])
