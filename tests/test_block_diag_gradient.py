"""``block_diag``'s gradient after an empty 1-D input, from the mathematics: PyTorch 2.13 gets
it wrong there (found by ``python tests/torch_fuzz.py 2000 2``), symgrad must not.

A 1-D input is a block of one row; ``block_diag(ones(0), b)`` is ``b`` under one row of nothing
(a (1, 0) block), so ``b``'s gradient is the incoming gradient's rows 1 and 2. PyTorch's backward
reads rows 0 and 1: ``torch.autograd.gradcheck`` of that call fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import symgrad


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_block_after_an_empty_vector_gets_its_own_rows(dtype: str) -> None:
    b = symgrad.tensor(np.arange(6.0).reshape(2, 3), dtype=getattr(symgrad, dtype),
                       requires_grad=True)
    out = symgrad.block_diag(symgrad.ones(0, dtype=b.dtype), b)
    weights = np.arange(9.0).reshape(3, 3)
    (out * symgrad.tensor(weights, dtype=b.dtype)).sum().backward()
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out.detach().numpy()[1:], b.detach().numpy())
    np.testing.assert_array_equal(b.grad.numpy(), weights[1:])


def test_blocks_around_empty_ones_get_theirs() -> None:
    a = symgrad.tensor([[1.0, 2.0]], requires_grad=True)
    c = symgrad.tensor([3.0, 4.0, 5.0], requires_grad=True)
    out = symgrad.block_diag(a, symgrad.ones(0), symgrad.zeros(2, 0), c)
    weights = np.arange(float(out.numel())).reshape(tuple(out.shape))
    (out * symgrad.tensor(weights)).sum().backward()
    # Rows: a's (0), the empty vector's (1), the (2, 0) block's (2, 3), c's (4); columns: a's
    # 0-1, c's 2-4.
    assert out.shape == (5, 5)
    np.testing.assert_array_equal(a.grad.numpy(), weights[0:1, 0:2])
    np.testing.assert_array_equal(c.grad.numpy(), weights[4, 2:5])
