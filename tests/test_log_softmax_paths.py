"""log_softmax's shortcuts on inputs the catalog's samples do not reach (ties for the largest,
NaN and infinite slices, random shapes and dims): its array VJP, which a backward that records
nothing runs, gives the VJP's values bit for bit, and its float32 forward
gives the float64 computation's result rounded to float32.

(``test_array_vjps`` runs every array VJP on the catalog's samples and special values.)
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
    """The same values bit for bit."""
    bits = np.uint64 if fast.dtype == np.float64 else np.uint32
    np.testing.assert_array_equal(fast.view(bits), recorded.view(bits))


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
    # float64 sums in the long double: float32 values make wide ranges there too.
    dtype = data.draw(st.sampled_from([np.float32, np.float64])) if data else np.float32
    first_order_both_ways(lambda t: symgrad.log_softmax(t, dim), x.astype(dtype),
                          g.astype(dtype))


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
