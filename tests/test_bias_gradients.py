"""A gradient broadcast over leading dims (a bias's, over a batch) is summed back over them.

A backward that records nothing sums such a gradient straight to the input's shape (no
reshaped view, so ``.grad`` takes the new array without a copy); these hold it to the sum over
every leading dim, one to three of them, on integer-valued data whose sums are exact.
"""

from __future__ import annotations

import numpy as np
import pytest

import symgrad


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("lead", [(5,), (2, 5), (2, 3, 5)])
def test_a_bias_gradient_is_the_sum_over_every_leading_dim(lead: tuple[int, ...],
                                                            dtype: str) -> None:
    d = getattr(symgrad, dtype)
    rng = np.random.default_rng(len(lead))
    weights = rng.integers(-4, 5, (*lead, 3)).astype(dtype)
    bias = symgrad.zeros(3, dtype=d, requires_grad=True)
    x = symgrad.ones(*lead, 3, dtype=d)
    ((x + bias) * symgrad.tensor(weights)).sum().backward()
    expected = weights.astype(np.float64).sum(axis=tuple(range(len(lead))))
    assert bias.grad.dtype == d and tuple(bias.grad.shape) == (3,)
    assert bias.grad.numpy().astype(np.float64).tolist() == expected.tolist()


def test_each_bias_gradient_is_its_own_array() -> None:
    a = symgrad.zeros(3, requires_grad=True)
    b = symgrad.zeros(3, requires_grad=True)
    (symgrad.ones(4, 3) + a + b).sum().backward()
    a.grad.add_(1.0)
    assert b.grad.tolist() == [4.0, 4.0, 4.0]
    assert a.grad.tolist() == [5.0, 5.0, 5.0]
