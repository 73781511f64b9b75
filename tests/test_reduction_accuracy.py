"""Accuracy of the product, scan and norm gradients where rounding used to exceed the oracle's
bound: a cancelling sum in bfloat16, a running product in the subnormal range, and norms of
tiny inputs whose powers underflow. Each case is judged by the exact oracle (``crosscheck``),
at the first order and, where the op has one, through ``create_graph`` at the second.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from oracle.crosscheck import crosscheck
from oracle.engines.symgrad_strategies import OpCase
from symgrad import _dtypes
from symgrad.ops.registry import REGISTRY, apply

# Statuses that say the engine is right: exactly, by the op's kink convention, or with FD
# unable to confirm it (the exact oracle still did).
RIGHT = {"ok", "kink", "fd-unreliable"}


def judge(case: OpCase, order: int = 1):
    """The crosscheck verdict of ``case`` (its grad inputs differentiated)."""
    inputs = case.inputs()
    diff = [i for i, t in enumerate(inputs) if t.requires_grad]

    def fn(*xs):
        args = list(inputs)
        for i, x in zip(diff, xs, strict=True):
            args[i] = x
        return apply(REGISTRY[case.op], *args, **case.attrs)

    op = REGISTRY[case.op]
    return crosscheck(fn, [inputs[i] for i in diff], order=order, op=case.op, attrs=case.attrs,
                      names=[op.args[i] for i in diff])


def assert_right(case: OpCase, order: int = 1) -> None:
    v = judge(case, order)
    assert v.elements and all(e.status in RIGHT for e in v.elements), (
        f"{v.status}: {v.message}")


# -- a. cumprod in bfloat16 with a zero in the row ----------------------------------------------
def test_cumprod_half_gradient_is_summed_before_rounding():
    # d/dx_0 of [0, 1, 1, -6] sums g_k * (1, 1, 1, -6): terms near 0.6 that cancel to 0.0049;
    # rounding each product to bfloat16 before the sum put it 32 ULP off (bound 10).
    assert_right(OpCase.of("cumprod", "bfloat16", [0.0, 1.0, 1.0, -6.0], attrs={"dim": 0}))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_cumprod_half_with_zeros_matches_exact(dtype):
    assert_right(OpCase.of("cumprod", dtype, [[0.5, 0.0, 3.0, -1.25], [2.0, -3.5, 0.0, 0.0]],
                           attrs={"dim": 1}))


@pytest.mark.parametrize("case", [
    # The saved running products, rounded to the half type, made the quotient wrong: float16
    # 2**-24 * 1.5 rounds to a subnormal (232 ULP), bfloat16 0.21875 * -5.875 loses a bit.
    OpCase.of("cumprod", "float16", [[2.0**-24, 1.5, 1.5], [1.5, 1.5, 1.5]], attrs={"dim": 1}),
    OpCase.of("cumprod", "bfloat16", [0.03125, 7.0, -5.875, -5.875], attrs={"dim": 0}),
], ids=repr)
def test_cumprod_half_uses_unrounded_running_products(case):
    assert_right(case)


# -- b. prod_all whose product of the others is subnormal ----------------------------------------
_SUBNORMAL_ROW = {"float32": 2.0**-149, "float64": 5e-324}


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_prod_of_the_others_rounds_once_below_the_normal_range(dtype, order):
    # d/dx at the zero is the smallest subnormal times 2.5**4 = 39.06 spacings: a running
    # product rounded at every factor gave 30 (9 ULP off, bound 8).
    tiny = _SUBNORMAL_ROW[dtype]
    assert_right(OpCase.of("prod_all", dtype, [[tiny, 0.0, 2.5], [2.5, 2.5, 2.5]]), order)
    assert_right(OpCase.of("prod", dtype, [[tiny, 0.0, 2.5], [2.5, 2.5, 2.5]],
                           attrs={"dim": 1, "keepdim": False}), order)


def test_prod_float32_forward_passes_below_the_normal_range():
    # The running product 2**-149 * 1.5 rounded to 2**-148 in float32 (out 33% off, and the
    # gradient out / self with it); accumulated in float64 the product is exact here.
    case = OpCase.of("prod_all", "float32", [[2.0**-149, 1.5, 2.0**60], [1.5, 1.5, 1.5]])
    assert_right(case)
    x = case.inputs()[0]
    assert x.prod().item() == 2.0**-149 * 1.5**4 * 2.0**60


def test_prod_of_the_others_subnormal_value():
    # Independent of the oracle: 2**-149 * 2.5**4 = 39.0625 * 2**-149 rounds to 39 spacings.
    import symgrad

    x = symgrad.tensor([2.0**-149, 0.0, 2.5, 2.5, 2.5, 2.5], requires_grad=True)
    x.prod().backward()
    assert x.grad[1].item() == 39 * 2.0**-149


# -- c. norms of tiny inputs ---------------------------------------------------------------------
def _overflowed(e, dtype: str) -> bool:
    """The exact value rounds to +-inf in ``dtype`` and the engine gave that infinity."""
    with np.errstate(over="ignore"):
        rounded = float(np.asarray(float(e.exact), np.float64).astype(
            _dtypes._by_name(dtype).np))
    return bool(np.isinf(rounded)) and e.engine == rounded


_TINY_NORMS = [
    # p = 3 at 2.8e-34: the sum of cubes is 1e-100, whose log magnified the rounding of 1 / p
    # to 46 ULP of the gradient.
    OpCase.of("norm", "float64", [[2.8e-34] * 3] * 2, attrs={"p": 3.0, "dim": None,
                                                           "keepdim": False}),
    OpCase.of("norm", "float64", [[2.8e-34, 1e-34, 2e-34]] * 2,
              attrs={"p": 3.0, "dim": (1,), "keepdim": True}),
    # p = 2 at subnormal inputs: x * x underflowed to 0, and with it the gradient (exact
    # 1 / sqrt(6) = 0.408).
    OpCase.of("norm", "float64", [[5e-324] * 3] * 2, attrs={"p": 2.0, "dim": None,
                                                          "keepdim": False}),
    OpCase.of("norm", "float32", [[2.0**-149] * 3] * 2, attrs={"p": 2.0, "dim": None,
                                                             "keepdim": False}),
    OpCase.of("norm", "float32", [[7.5e-37] * 3] * 2, attrs={"p": 2.0, "dim": (0,),
                                                           "keepdim": False}),
    # |self| ** (p - 1) and out ** (p - 1) underflowed (p = 1.5 in float16) or overflowed
    # (p = -1: |2.2e-187| ** -2) separately, while their ratio is moderate.
    OpCase.of("norm", "float16", [[2.0**-24] * 3] * 2, attrs={"p": 1.5, "dim": (1,),
                                                            "keepdim": True}),
    OpCase.of("norm", "float64", [[2.2e-187] * 3] * 2, attrs={"p": -1.0, "dim": (0,),
                                                            "keepdim": False}),
]


# The second order is judged in float32 and float64, as tests/test_properties.py judges it.
@pytest.mark.parametrize("case,order", [(c, o) for c in _TINY_NORMS for o in (1, 2)
                                        if o == 1 or c.dtype in ("float32", "float64")],
                         ids=lambda a: repr(a) if isinstance(a, OpCase) else f"order{a}")
def test_norm_of_tiny_inputs(case, order):
    v = judge(case, order)
    # The second order of a subnormal norm is about 1 / out: it overflows, correctly.
    assert v.elements and all(e.status in RIGHT or _overflowed(e, case.dtype)
                              for e in v.elements), f"{v.status}: {v.message}"


def test_norm_value_of_tiny_inputs():
    # Independent of the oracle: sqrt(6) * 2**-149 rounds to 2 spacings in float32 (x * x
    # underflowed to a norm of 0), and p = 3 of six equal values is 6 ** (1 / 3) times them.
    import symgrad

    tiny = symgrad.tensor([[2.0**-149] * 3] * 2)
    assert tiny.norm().item() == 2 * 2.0**-149
    x = symgrad.tensor([[2.8e-34] * 3] * 2, dtype=symgrad.float64)
    want = float(mpmath.cbrt(6) * mpmath.mpf(2.8e-34))
    assert abs(x.norm(p=3).item() - want) <= math.ulp(want)
