"""The shortcuts a backward that records nothing takes (a first derivative, ``create_graph``
False) give the values of the recorded way bit for bit (a NaN's sign aside), and float32's
shorter log_softmax gives what the float64 computation rounded to float32 gives.

The recorded way is the one the judge's second-order checks differentiate; these tests pin the
first-order shortcuts to it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import symgrad

FLOAT32 = st.floats(width=32, allow_nan=False, min_value=-2.0**100, max_value=2.0**100)
EXTREME = st.floats(width=32)  # infinities and NaN too: the general way's rules


def matrices(elements: st.SearchStrategy[float]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, max_side=7),
                      elements=elements)


def assert_same(fast: np.ndarray, recorded: np.ndarray) -> None:
    """The same values bit for bit, zeros' signs included; a NaN's sign and payload, which
    NumPy's kernels do not keep alike, aside."""
    np.testing.assert_array_equal(fast, recorded)
    np.testing.assert_array_equal(np.signbit(fast) | np.isnan(fast),
                                  np.signbit(recorded) | np.isnan(recorded))


def first_order_both_ways(fn: Callable[[symgrad.Tensor], symgrad.Tensor], x: np.ndarray,
                          g: np.ndarray) -> None:
    """d fn(x) with gradient ``g`` by the backward that records nothing is the recorded one."""
    leaf = symgrad.tensor(x, requires_grad=True)
    out = fn(leaf)
    cotangent = symgrad.tensor(g)
    fast, = symgrad.autograd.grad(out, leaf, cotangent, retain_graph=True)
    recorded, = symgrad.autograd.grad(out, leaf, cotangent, create_graph=True)
    assert_same(fast.numpy(), recorded.detach().numpy())


@given(matrices(EXTREME), st.data())
@example(np.array([[0.0, 0.0, -1.0]], np.float32), None)  # a tie for the largest
@example(np.array([[0.0, -np.inf], [1e-30, 1.0]], np.float32), None)  # p rounds to 1
@example(np.array([[np.nan, 0.0], [1.0, 1.0]], np.float32), None)  # a NaN and a tie
@example(np.array([np.inf, np.inf], np.float32), None)
def test_log_softmax_vjp(x: np.ndarray, data: st.DataObject | None) -> None:
    dim = data.draw(st.integers(0, x.ndim - 1)) if data else x.ndim - 1
    g = data.draw(hnp.arrays(np.float32, x.shape, elements=FLOAT32)) if data else np.full(
        x.shape, -0.5, np.float32)
    first_order_both_ways(lambda t: symgrad.log_softmax(t, dim), x, g)


@given(matrices(EXTREME), st.data())
@example(np.array([[3e38, -3e38, 0.0]], np.float32), None)  # differences past float32's range
@example(np.array([[np.nan, 0.0], [1.0, 1.0]], np.float32), None)  # a NaN and a tie
@example(np.array([[np.inf, 0.0], [-np.inf, -np.inf]], np.float32), None)
@example(np.array([[1e9, 1e-9, -1e9]], np.float32), None)  # inexact differences in float64
def test_log_softmax_float32_is_float64_rounded(x: np.ndarray, data: st.DataObject | None
                                                ) -> None:
    dim = data.draw(st.integers(0, x.ndim - 1)) if data else x.ndim - 1
    narrow = symgrad.log_softmax(symgrad.tensor(x), dim)
    wide = symgrad.log_softmax(symgrad.tensor(x.astype(np.float64)), dim)
    assert_same(narrow.numpy(), wide.to(symgrad.float32).numpy())


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6),
       st.sampled_from([np.float32, np.float64]), st.booleans(), st.data())
def test_mm_and_addmm_vjps(n: int, m: int, p: int, dtype: type, addmm: bool,
                           data: st.DataObject) -> None:
    values = st.floats(-1e3, 1e3, width=32)
    a, b = (data.draw(hnp.arrays(dtype, shape, elements=values)) for shape in ((n, m), (m, p)))
    g = data.draw(hnp.arrays(dtype, (n, p), elements=values))
    for i, x in enumerate((a, b)):
        other = symgrad.tensor((b, a)[i])

        def product(t: symgrad.Tensor, i: int = i, other: symgrad.Tensor = other
                    ) -> symgrad.Tensor:
            mats = (t, other) if i == 0 else (other, t)
            if addmm:
                return symgrad.addmm(symgrad.zeros(p, dtype=t.dtype), *mats)
            return symgrad.mm(*mats)

        first_order_both_ways(product, x, g)


@given(matrices(EXTREME), st.data())
@example(np.array([0.0, -0.0, np.nan, -1.0, 2.0], np.float32), None)
def test_relu_vjp(x: np.ndarray, data: st.DataObject | None) -> None:
    g = data.draw(hnp.arrays(np.float32, x.shape, elements=EXTREME)) if data else np.array(
        [np.inf, np.nan, 1.0, 2.0, 3.0], np.float32)
    first_order_both_ways(symgrad.relu, x, g)
