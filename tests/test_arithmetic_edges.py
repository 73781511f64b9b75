"""Gradients of div and remainder whose terms or factors overflow the dtype on the way while
the exact gradient does not (or overflows with a definite sign).

The expected values are the exact gradients in rational arithmetic (``fractions``), rounded to
the dtype; PyTorch, when installed, shows the difference is deliberate: it gives nan or inf.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import symgrad
from symgrad import _dtypes

# The forwards and the terms overflow on purpose; symgrad keeps NumPy's warnings from users
# (tests/test_numpy_warnings.py), pytest's own filters show them.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NARROW = ("float16", "bfloat16", "float32")
# An other whose 1 / other**2 overflows the dtype, and a g weight that brings the sum back.
_OVERFLOWING = {"float16": 2.0**-8, "bfloat16": 2.0**-64, "float32": 2.0**-64}
SUBNORMAL = {"float16": 2.0**-24, "bfloat16": 2.0**-133, "float32": 2.0**-149,
             "float64": 5e-324}
SELF = [[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]


def rounded(exact: Fraction, dtype: str) -> float:
    """``exact`` rounded to ``dtype`` (±inf beyond its range)."""
    try:
        wide = float(exact)
    except OverflowError:
        wide = math.inf if exact > 0 else -math.inf
    with np.errstate(over="ignore"):
        return float(np.asarray(wide).astype(_dtypes._by_name(dtype).np))


def div_grad_other(dtype: str, self: list, other: float, g: list, *,
                   create_graph: bool = False) -> tuple[symgrad.Tensor, symgrad.Tensor,
                                                        symgrad.Tensor]:
    d = _dtypes._by_name(dtype)
    x = symgrad.tensor(self, dtype=d, requires_grad=True)
    y = symgrad.tensor([other], dtype=d, requires_grad=True)
    (gy,) = symgrad.autograd.grad(x / y, [y], symgrad.tensor(g, dtype=d),
                                  create_graph=create_graph)
    return x, y, gy


def exact_div_grad_other(self: list, other: float, g: list) -> Fraction:
    """d/dother of sum(g * self / other): -sum(g * self) / other**2."""
    total = sum(Fraction(a) * Fraction(b) for row_g, row_s in zip(g, self, strict=True)
                for a, b in zip(row_g, row_s, strict=True))
    return -total / Fraction(other) ** 2


@pytest.mark.parametrize("dtype", NARROW)
def test_div_terms_overflowing_the_dtype_sum_to_the_exact_gradient(dtype):
    # Terms -65536 (inf in float16) and +32768: the sum is -32768 (-2**127 in bfloat16, float32).
    g = [[0.0, 0.0, 1.0], [0.0, 0.0, 0.5]]
    other = _OVERFLOWING[dtype]
    _, _, gy = div_grad_other(dtype, SELF, other, g)
    expected = rounded(exact_div_grad_other(SELF, other, g), dtype)
    assert math.isfinite(expected)
    assert gy.tolist() == [expected]


@pytest.mark.parametrize("dtype", [*NARROW, "float64"])
def test_div_subnormal_other_terms_cancelling_exactly(dtype):
    # Terms +-inf in every dtype whose exact sum is 0: not nan.
    g = [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    _, _, gy = div_grad_other(dtype, SELF, SUBNORMAL[dtype], g)
    assert exact_div_grad_other(SELF, SUBNORMAL[dtype], g) == 0
    assert gy.tolist() == [0.0]


@pytest.mark.parametrize("dtype", [*NARROW, "float64"])
@pytest.mark.parametrize("weight", [0.5, 2.0])
def test_div_subnormal_other_out_of_range_has_the_exact_sign(dtype, weight):
    # The brief's counterexample: float16's exact -7.9e13 rounds to -inf; float64's to ±inf too.
    g = [[0.0, 0.0, 1.0], [0.0, 0.0, weight]]
    _, _, gy = div_grad_other(dtype, SELF, SUBNORMAL[dtype], g)
    expected = rounded(exact_div_grad_other(SELF, SUBNORMAL[dtype], g), dtype)
    assert math.isinf(expected)
    assert gy.tolist() == [expected]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_div_second_order_through_the_widened_and_refactored_gradient(dtype):
    # d/dother = -sum(g * self) / other**2, so d(sum(d/dother))/dself = -g / other**2 and
    # d/dother of it = 2 sum(g * self) / other**3.
    self, g, other = [[1.0, 2.0, 3.0], [-4.0, 0.5, 1.0]], [[1.0, -1.0, 0.5], [2.0, 1.0, 1.0]], 0.5
    x, y, gy = div_grad_other(dtype, self, other, g, create_graph=True)
    gy.sum().backward()
    total = sum(a * b for ra, rb in zip(g, self, strict=True) for a, b in zip(ra, rb, strict=True))
    assert x.grad.tolist() == [[-v / other**2 for v in row] for row in g]
    assert y.grad.tolist() == [2 * total / other**3]
    assert x.grad.dtype is y.grad.dtype is _dtypes._by_name(dtype)


def test_div_second_order_of_the_refactored_float64_gradient_is_not_nan():
    # All terms lost to inf - inf: the second derivative by self is -g / other**2 = -inf.
    x, _, gy = div_grad_other("float64", SELF, 5e-324, [[1.0] * 3] * 2, create_graph=True)
    gy.sum().backward()
    assert x.grad.tolist() == [[-math.inf] * 3] * 2


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_remainder_quotient_overflowing_the_dtype_times_a_small_g(dtype):
    # floor(4 / 2**-126) = 2**128 overflows bfloat16 and float32; g * 2**128 need not.
    d = _dtypes._by_name(dtype)
    x = symgrad.tensor([4.0, -4.0], dtype=d)
    y = symgrad.tensor([2.0**-126, 2.0**-126], dtype=d, requires_grad=True)
    g = [0.5, 0.25]
    symgrad.remainder(x, y).backward(symgrad.tensor(g, dtype=d))
    expected = [rounded(-Fraction(w) * math.floor(Fraction(4 * s) / Fraction(2) ** -126), dtype)
                for w, s in zip(g, (1, -1), strict=True)]
    assert all(math.isfinite(e) for e in expected)
    assert y.grad.tolist() == expected


def test_remainder_float64_quotient_out_of_range_has_the_exact_sign():
    # floor(1 / 5e-324) = 2**1074: d/dother = -g * 2**1074 is beyond float64 for these g.
    x = symgrad.tensor([1.0, 1.0], dtype=symgrad.float64)
    y = symgrad.tensor([5e-324, 5e-324], dtype=symgrad.float64, requires_grad=True)
    g = [0.5, -0.25]
    symgrad.remainder(x, y).backward(symgrad.tensor(g, dtype=symgrad.float64))
    assert y.grad.tolist() == [rounded(-Fraction(w) * 2**1074, "float64") for w in g]
    assert y.grad.tolist() == [-math.inf, math.inf]


def test_pytorch_differs_deliberately():
    torch = pytest.importorskip("torch")
    x = torch.tensor(SELF, dtype=torch.float16)
    y = torch.tensor([SUBNORMAL["float16"]], dtype=torch.float16, requires_grad=True)
    (x / y).backward(torch.tensor([[1.0] * 3] * 2, dtype=torch.float16))
    assert math.isnan(y.grad.item())
    _, _, gy = div_grad_other("float16", SELF, SUBNORMAL["float16"], [[1.0] * 3] * 2)
    assert gy.tolist() == [0.0]
    x = torch.tensor([4.0], dtype=torch.bfloat16)
    y = torch.tensor([2.0**-126], dtype=torch.bfloat16, requires_grad=True)
    torch.remainder(x, y).backward(torch.tensor([0.5], dtype=torch.bfloat16))
    assert y.grad.item() == -math.inf


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_zero_to_a_tensor_power_has_slope_zero_where_the_power_is_0(dtype):
    # 0 ** e is 0 for every e > 0 (1 at 0, PyTorch's convention there): slope 0, as PyTorch
    # gives, where out * log(0) is 0 * -inf = nan; below 0 it is inf * -inf. The slope is
    # constant where e >= 0, so the second order there is 0 (PyTorch's is nan).
    e = symgrad.tensor([0.0, 0.5, 2.0, -1.0, math.inf, math.nan], dtype=getattr(symgrad, dtype),
                       requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.pow(0.0, e).sum(), e, create_graph=True)
    np.testing.assert_array_equal(g.detach().float().numpy(),
                                  [0.0, 0.0, 0.0, -math.inf, 0.0, math.nan])
    (h,) = symgrad.autograd.grad(g[:3].sum(), e)
    np.testing.assert_array_equal(h.float().numpy()[:3], [0.0, 0.0, 0.0])
