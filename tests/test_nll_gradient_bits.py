"""nll_loss's gradient has PyTorch's bits: -(g / count) for "mean", the quotient rounded once
(not g times -1 / count rounded first, 1 ULP off on a third of float32 gradients over 3), -g for
"sum", and -1 * g unreduced, where a NaN keeps its sign as in PyTorch's ``-w * grad_output``.

Expected values: PyTorch's, from the same float64 inputs rounded to the dtype by PyTorch (its
float64 -> float16 conversion goes through float32, so the inputs are taken from its tensors).
bfloat16 NaNs are compared as NaNs: PyTorch's bfloat16 arithmetic makes every NaN positive.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import symgrad
import symgrad.nn.functional as F

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "bfloat16"]
REDUCTIONS = ["mean", "sum", "none"]


def _as_numpy(t: object, dtype: str) -> np.ndarray:
    """A torch tensor's values in symgrad's NumPy dtype, bit for bit."""
    if dtype == "bfloat16":
        return t.detach().view(torch.int16).numpy().view(symgrad.bfloat16.np)
    return t.detach().numpy()


def _grads(x: np.ndarray, target: np.ndarray, g: np.ndarray, dtype: str, reduction: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's gradient, symgrad's without a graph, and symgrad's recorded one."""
    tx = torch.tensor(x).to(getattr(torch, dtype)).requires_grad_()
    tg = torch.tensor(g).to(getattr(torch, dtype))
    torch.nn.functional.nll_loss(tx, torch.tensor(target), reduction=reduction).backward(tg)
    sx = symgrad.tensor(_as_numpy(tx, dtype), requires_grad=True)
    sg = symgrad.tensor(_as_numpy(tg, dtype))
    F.nll_loss(sx, symgrad.tensor(target), reduction=reduction).backward(sg)
    sx2 = symgrad.tensor(_as_numpy(tx, dtype), requires_grad=True)
    (recorded,) = symgrad.autograd.grad(F.nll_loss(sx2, symgrad.tensor(target),
                                                   reduction=reduction), sx2, sg,
                                        create_graph=True)
    return _as_numpy(tx.grad, dtype), sx.grad.numpy(), recorded.detach().numpy()


def _same(expected: np.ndarray, got: np.ndarray, dtype: str) -> bool:
    if dtype == "bfloat16":
        a, b = expected.astype(np.float32), got.astype(np.float32)
        return bool(np.array_equal(a, b, equal_nan=True)
                    and np.array_equal(np.signbit(a[a == 0]), np.signbit(b[b == 0])))
    return expected.tobytes() == got.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(rows=st.integers(1, 5), classes=st.integers(2, 5), seed=st.integers(0, 2**32 - 1),
       special=st.sampled_from([None, math.nan, -math.nan, math.inf, -0.0, 0.0]),
       ignored=st.booleans())
@example(rows=3, classes=4, seed=0, special=None, ignored=False)
def test_nll_gradient_has_pytorchs_bits(dtype: str, reduction: str, rows: int, classes: int,
                                        seed: int, special: float | None,
                                        ignored: bool) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, classes))
    target = rng.integers(0, classes, rows)
    if ignored:
        target[0] = -100
    g = rng.standard_normal(() if reduction != "none" else (rows,))
    if special is not None:
        g = np.full_like(g, special)
    expected, arrays, recorded = _grads(x, target, g, dtype, reduction)
    assert _same(expected, arrays, dtype)
    assert _same(expected, recorded, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_a_mean_gradient_is_the_quotient_rounded_once(dtype: str) -> None:
    # 0.12573022 / 3 in float32 is -0.04191007; times -1/3 rounded first, -0.041910075.
    x = np.zeros((3, 2))
    expected, arrays, recorded = _grads(x, np.array([0, 1, 0]), np.array(0.12573022), dtype,
                                        "mean")
    exact = -np.float64(np.asarray(0.12573022, dtype)) / 3
    assert arrays[0, 0] == np.asarray(exact, dtype) == expected[0, 0] == recorded[0, 0]
