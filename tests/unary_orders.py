"""Helpers of the parity tests of unary special functions (tests/test_sinc_bessel.py,
tests/test_erfcx_log_ndtr.py): a function's value and two orders of gradients in either
library, as float64 arrays, and a distance in ULPs."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np


def ulps(got: float, want: float) -> float:
    """``|got - want|`` in ULPs of ``want`` (0 or inf where ``want`` is 0 or not finite)."""
    if want == 0 or not math.isfinite(want):
        return 0.0 if got == want else math.inf
    return abs(got - want) / np.spacing(abs(want))


def as_float64(t: Any) -> np.ndarray:
    """A tensor of either library as a float64 array."""
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def value_and_two_orders(lib: Any, fn: Callable[[Any, Any], Any], values: list[float],
                         dtype: str) -> tuple[Any, Any, Any]:
    """``fn(lib, x)`` at ``values``, its gradient weighted by a ramp (with ``create_graph``),
    and the gradient of that gradient's squares' sum."""
    x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
    y = fn(lib, x)
    w = lib.linspace(-1.5, 2.0, y.numel(), dtype=y.dtype).reshape(y.shape)
    (g,) = lib.autograd.grad(y, x, w, create_graph=True)
    (h,) = lib.autograd.grad((g * g).sum(), x)
    return y, g, h
