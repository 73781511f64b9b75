"""The vectorised random kernels: the same numbers as the loops they replace, and no loop.

``_fisher_yates`` computes PyTorch's swap loop without looping, ``libm`` the C library's
float64 functions from NumPy where NumPy is the C library, and ``normal`` transforms its
blocks a few thousand at a time; each is checked against its plain definition here (PyTorch
itself: ``test_random_parity.py``, and sizes across the chunks below).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from symgrad import _distributions
from symgrad._fused_math import libm

torch = pytest.importorskip("torch")


def swap_loop(picks: list[int], n: int) -> list[int]:
    """PyTorch's randperm: swap position i with picks[i], i = 0, 1, ... in turn."""
    perm = list(range(n))
    for i, j in enumerate(picks):
        perm[i], perm[j] = perm[j], perm[i]
    return perm


@st.composite
def swaps(draw: st.DrawFn) -> tuple[list[int], int]:
    n = draw(st.integers(1, 40))
    # Small ranges make many steps aim at one position: the chains the vectorised form follows.
    reach = draw(st.integers(1, n))
    picks = [draw(st.integers(i, min(n - 1, i + reach - 1))) for i in range(n - 1)]
    return picks, n


@settings(max_examples=400, deadline=None)
@given(swaps())
@example(([1, 2, 3, 4], 5))  # each step aims one further: a chain as long as the permutation
@example(([4, 4, 4, 4], 5))  # every step aims at the last position
@example(([0, 1, 2], 4))  # no step moves anything
def test_fisher_yates_is_the_swap_loop(case: tuple[list[int], int]) -> None:
    picks, n = case
    got = _distributions._fisher_yates(np.array(picks, dtype=np.int64), n)
    assert got.tolist() == swap_loop(picks, n)


def test_randperm_of_a_million_is_the_swap_loop() -> None:
    rng = np.random.default_rng(3)
    n = 1_000_000
    picks = (rng.integers(0, 2**32, n - 1) % (n - np.arange(n - 1)) + np.arange(n - 1))
    got = _distributions._fisher_yates(picks.astype(np.int64), n)
    assert got.tolist() == swap_loop(picks.tolist(), n)


@pytest.mark.parametrize(("name", "low", "high"), [
    ("log", 2.0**-53, 1.0), ("sin", 0.0, 2 * math.pi), ("cos", 0.0, 2 * math.pi)])
def test_libm_is_the_c_library(name: str, low: float, high: float) -> None:
    x = np.random.default_rng(7).uniform(low, high, 200_000)
    x = np.concatenate([x, [low, high, 1.0, math.pi, 0.5]])
    expected = [getattr(math, name)(v) for v in x.tolist()]
    assert libm(name, x).tolist() == expected


@pytest.mark.parametrize("dtype", ("float32", "float64", "float16", "bfloat16"))
@pytest.mark.parametrize("n", (65_536, 65_553, 2 * 65_536 + 5))
def test_normal_across_its_chunks_is_pytorchs(dtype: str, n: int) -> None:
    import symgrad

    torch.manual_seed(11)
    expected = [torch.randn(n, dtype=getattr(torch, dtype)),
                torch.empty(n, dtype=getattr(torch, dtype)).normal_(0.5, 0.3)]
    symgrad.manual_seed(11)
    got = [symgrad.randn(n, dtype=getattr(symgrad, dtype)),
           symgrad.empty(n, dtype=getattr(symgrad, dtype)).normal_(0.5, 0.3)]
    for a, b in zip(got, expected, strict=True):
        assert a.tolist() == b.tolist()
