"""``multinomial``, ``exponential_`` and ``normal`` with tensor parameters draw PyTorch's CPU
numbers after one seed: every expected value here is PyTorch 2.13's, run alongside; the stream
after the call matches too (the calls consume PyTorch's words). Errors: PyTorch's classes and
messages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

FLOATS = ("float32", "float64", "float16", "bfloat16")


def _both(fn: Any, seed: int = 0) -> tuple[Any, Any]:
    """``fn(lib)`` under torch and symgrad after ``manual_seed(seed)``, each followed by two
    uniforms (so the stream's position after the call is compared too)."""
    out = []
    for lib in (torch, symgrad):
        lib.manual_seed(seed)
        result = fn(lib)
        out.append((result, lib.rand(2)))
    return out[0], out[1]


def _same(a: Any, b: Any) -> None:
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    np.testing.assert_array_equal(a.detach().float().numpy() if a.dtype == torch.bfloat16
                                  else a.detach().numpy(),
                                  np.asarray(b._data, np.float32) if a.dtype == torch.bfloat16
                                  else b._data)


def _same_draws(fn: Any, seed: int = 0) -> None:
    (a, after_a), (b, after_b) = _both(fn, seed)
    _same(a, b)
    _same(after_a, after_b)


def _probs(shape: tuple[int, ...], zeros: bool, seed: int) -> np.ndarray:
    p = np.random.default_rng(seed).random(shape)
    if zeros:
        p[..., ::2] = 0.0
    return p


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3,), (7,), (5, 4), (3, 100), (2, 700)])
@pytest.mark.parametrize("num_samples", [1, 2, 3, 10])
@pytest.mark.parametrize("replacement", [False, True])
def test_multinomial_draws_torchs_indices(dtype: str, shape: tuple[int, ...], num_samples: int,
                                          replacement: bool) -> None:
    if not replacement and num_samples > shape[-1]:
        pytest.skip("too many samples without replacement (an error, tested below)")
    for seed, zeros in ((0, False), (1, True), (42, True)):
        p = _probs(shape, zeros, seed)
        _same_draws(lambda lib, p=p: lib.multinomial(
            lib.tensor(p).to(getattr(lib, dtype)), num_samples, replacement), seed)


def test_multinomial_ties_among_zero_probabilities_in_torchs_order() -> None:
    # Without replacement, more samples than nonzero categories: the zeros tie, and PyTorch's
    # topk (libstdc++'s nth_element and sort) orders them its own way; nth_element's
    # insertion sort keeps 3 elements in order, the partitions of longer rows do not.
    for n in (3, 5, 17, 40, 200):
        p = np.zeros(n)
        p[n // 2] = 1.0
        for k in (2, n // 2 + 1, n - 1, n):
            for method in (False, True):
                if method:
                    _same_draws(lambda lib, p=p, k=k: lib.tensor(p).multinomial(k), 3)
                else:
                    _same_draws(lambda lib, p=p, k=k: lib.multinomial(lib.tensor(p), k), 3)


def test_multinomial_strided_and_expanded_rows() -> None:
    p = _probs((6, 40), False, 1)
    for k, replacement in ((1, True), (3, False), (5, True)):
        _same_draws(lambda lib, k=k, r=replacement: lib.multinomial(lib.tensor(p).t(), k, r))
        _same_draws(lambda lib, k=k, r=replacement: lib.tensor(p)[0].expand(5, 40).multinomial(
            k, r))


def test_multinomial_generator() -> None:
    p = _probs((4, 9), False, 2)
    for k, replacement in ((1, False), (4, False), (6, True)):
        a = torch.multinomial(torch.tensor(p), k, replacement,
                              generator=torch.Generator().manual_seed(9))
        b = symgrad.multinomial(symgrad.tensor(p), k, replacement,
                                generator=symgrad.Generator().manual_seed(9))
        _same(a, b)


def test_multinomial_empty_rows_give_an_empty_result() -> None:
    _same_draws(lambda lib: lib.multinomial(lib.zeros(0, 3), 2, True))


MULTINOMIAL_ERRORS = [
    ([0.2, -0.1, 0.5], 2, False), ([0.2, -0.1, 0.5], 2, True), ([0.2, -0.1, 0.5], 1, True),
    ([0.2, float("inf"), 0.5], 2, True), ([0.2, float("inf"), 0.5], 2, False),
    ([0.2, float("nan"), 0.5], 2, True), ([0.2, float("nan"), 0.5], 2, False),
    ([0.0, 0.0, 0.0], 2, True), ([0.0, 0.0, 0.0], 2, False), ([0.0, 0.0, 0.5], 4, False),
    ([0.0, 0.0, 0.5], 0, True), ([0.0, 0.0, 0.5], -1, True), (0.5, 1, True),
    ([[[1.0, 1.0]]], 1, True), ([[0.0, 1.0], [0.0, 0.0]], 1, True),
    ([[0.0, 1.0], [0.0, 0.0]], 2, True), ([[0.0, 1.0], [-1.0, 0.0]], 3, True),
    ([float("inf"), -1.0], 2, True), ([-1.0, float("inf")], 2, True),
    ([[1.0, 1.0], [1.0, float("inf")], [-1.0, 0.0]], 2, True),
    ([], 1, True), ([], 2, True), ([], 1, False), ([[], []], 1, True),
]


@pytest.mark.parametrize("p, k, replacement", MULTINOMIAL_ERRORS)
def test_multinomial_errors_as_torch(p: Any, k: int, replacement: bool) -> None:
    outcomes = []
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        with pytest.raises(Exception) as info:
            lib.multinomial(lib.tensor(p), k, replacement)
        outcomes.append((type(info.value), str(info.value), lib.rand(1).item()))
    assert outcomes[0] == outcomes[1]


def test_multinomial_argument_types_as_torch() -> None:
    for bad in (lambda lib: lib.multinomial(lib.tensor([1, 2]), 1),
                lambda lib: lib.multinomial(lib.tensor([1.0, 2.0]), 1.5)):
        outcomes = []
        for lib in (torch, symgrad):
            with pytest.raises(Exception) as info:
                bad(lib)
            outcomes.append((type(info.value), str(info.value)))
        assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [1, 17, 1000])
@pytest.mark.parametrize("lambd", [1.0, 2.5, 0.3, float("inf")])
def test_exponential_draws_torchs_numbers(dtype: str, n: int, lambd: float) -> None:
    _same_draws(lambda lib: lib.empty(n, dtype=getattr(lib, dtype)).exponential_(lambd), 3)


def test_exponential_fills_in_memory_order_and_with_a_generator() -> None:
    _same_draws(lambda lib: lib.zeros(5, 7, dtype=lib.float64).t().exponential_(2.0))
    a = torch.empty(4).exponential_(generator=torch.Generator().manual_seed(2))
    b = symgrad.empty(4).exponential_(generator=symgrad.Generator().manual_seed(2))
    _same(a, b)


@pytest.mark.parametrize("bad", [
    lambda lib: lib.empty(2).exponential_(0.0), lambda lib: lib.empty(2).exponential_(-1.0),
    lambda lib: lib.empty(2).exponential_(float("nan")),
    lambda lib: lib.empty(2, dtype=lib.int64).exponential_()])
def test_exponential_errors_as_torch(bad: Any) -> None:
    outcomes = []
    for lib in (torch, symgrad):
        with pytest.raises(Exception) as info:
            bad(lib)
        outcomes.append((type(info.value), str(info.value)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [3, 16, 40])
@pytest.mark.parametrize("kind", ["tensor-tensor", "tensor-float", "float-tensor"])
def test_normal_with_tensor_parameters_draws_torchs_numbers(dtype: str, n: int,
                                                            kind: str) -> None:
    m, s = np.linspace(-1, 1, n), np.linspace(0.1, 2, n)

    def draw(lib: Any) -> Any:
        def make(x: np.ndarray) -> Any:
            return lib.tensor(x, dtype=getattr(lib, dtype))
        if kind == "tensor-tensor":
            return lib.normal(make(m), make(s))
        if kind == "tensor-float":
            return lib.normal(make(m), 0.7)
        return lib.normal(0.3, make(s))
    _same_draws(draw, 5)
    _same_draws(lambda lib: lib.normal(1.0, 2.0, (n,)), 5)


def test_normal_negative_std_errors_as_torch() -> None:
    for bad in (lambda lib: lib.normal(lib.zeros(2), lib.tensor([1.0, -1.0])),
                lambda lib: lib.normal(lib.zeros(2), -1.0)):
        outcomes = []
        for lib in (torch, symgrad):
            with pytest.raises(Exception) as info:
                bad(lib)
            outcomes.append((type(info.value), str(info.value)))
        assert outcomes[0] == outcomes[1]
