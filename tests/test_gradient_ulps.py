"""Gradients that rounding used to put ULPs off their exact values, checked against mpmath:
a running sum whose terms cancel (cumsum is its own VJP, reversed)."""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad


def _exact_sum(terms: list[float]) -> mpmath.mpf:
    # 2,200 bits hold any sum of float64 values exactly.
    with mpmath.workprec(2200):
        return mpmath.fsum(mpmath.mpf(t) for t in terms)


def _within_rounding(got: float, exact: mpmath.mpf, dtype: str) -> bool:
    """``got`` is ``exact`` rounded once to ``dtype``; float32 is accumulated in float64 (as
    PyTorch's cumsum does), so at a float32 tie its float64 rounding may decide the side."""
    slack = abs(exact) * 2.0**-53 if dtype == "float32" else 0
    with mpmath.workprec(2200):
        return abs(got - exact) <= np.spacing(np.abs(np.asarray(got, dtype))) / 2 + slack


_ROW = st.lists(st.floats(-1e3, 1e3, width=32), min_size=2, max_size=40)


@settings(max_examples=30, deadline=None)
@given(_ROW, st.sampled_from(["float32", "float64"]))
@example([0.1, -0.1, 1e-8, 3.0, -3.0, 0.7], "float64")
@example([1.0, 511.2433776855469, -1.401298464324817e-45], "float32")
def test_cumsum_gradient_is_the_correctly_rounded_reverse_sum(g, dtype):
    # d/dx_i of sum_k g_k cumsum(x)_k is g_i + ... + g_n: a plain running sum of terms that
    # cancel was a median 74 ULP off in float64.
    x = symgrad.zeros(len(g), dtype=getattr(symgrad, dtype), requires_grad=True)
    weights = np.asarray(g, dtype=dtype)
    x.cumsum(0).backward(symgrad.tensor(weights))
    for i, got in enumerate(x.grad.tolist()):
        assert _within_rounding(got, _exact_sum(weights[i:].tolist()), dtype), i
