"""The benchmark graphs compute the same gradients on every engine they time.

A speed figure means nothing if the engines do different work: symgrad, the minimal engine
(the floor a Python engine is measured against), NumPy by hand and PyTorch (when installed)
must agree on every leaf's gradient.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import symgrad

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import elementwise_chain  # noqa: E402 - from benchmarks/, put on the path above
import minimal_engine  # noqa: E402
import same_verdicts  # noqa: E402
import tiny_graph  # noqa: E402

GRAPHS = {name: build for name, build, *_ in tiny_graph.GRAPHS}


def _grads(leaves: tuple) -> list[np.ndarray]:
    return [np.asarray(leaf.grad, dtype=np.float64) for leaf in leaves]


def _same(ours: list[np.ndarray], theirs: list[np.ndarray]) -> None:
    assert [a.shape for a in ours] == [b.shape for b in theirs]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_minimal_engine_computes_symgrads_gradients(name: str) -> None:
    _same(_grads(GRAPHS[name](symgrad)), _grads(GRAPHS[name](minimal_engine)))


def test_numpy_by_hand_computes_the_mixed_gradients() -> None:
    by_hand = [np.asarray(g, dtype=np.float64) for g in tiny_graph.mixed_numpy()]
    _same(_grads(GRAPHS["mixed"](symgrad)), by_hand)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_torch_computes_symgrads_gradients(name: str) -> None:
    import torch

    theirs = [leaf.grad.double().numpy() for leaf in GRAPHS[name](torch)]
    _same(_grads(GRAPHS[name](symgrad)), theirs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpy_exact_is_symgrads_arithmetic_bit_for_bit(dtype: type) -> None:
    # The elementwise benchmark's ``numpy, exact`` row stands for symgrad's own NumPy work:
    # it must compute symgrad's gradients exactly, and NumPy by hand's (1 - t^2) only nearly.
    arrays = [a.astype(dtype) for a in elementwise_chain.VALUES]
    ours = [leaf.grad.numpy() for leaf in elementwise_chain.step(symgrad, arrays)]
    exact = elementwise_chain.step_numpy_exact(arrays)
    by_hand = elementwise_chain.step_numpy(arrays)
    for a, b, c in zip(ours, exact, by_hand, strict=True):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-5 if dtype is np.float32 else 1e-12,
                                   atol=1e-6 if dtype is np.float32 else 1e-14)


def test_same_verdicts_finds_what_a_verdict_says_changed_and_nothing_else():
    a = {"id": "op/exp/float32/sample0/grad", "status": "ok", "passed": True,
         "max_ulp_error": 0.5, "max_fd_ulp_error": 3.0, "duration_s": 0.1, "culprit": None,
         "elements": [{"input": "self", "index": [0], "status": "ok", "ulp_error": 0.5,
                       "fd_ulp_error": 3.0}],
         "tolerance": {"engine": {"S": "estimated"}, "terms_unavailable": "time budget"}}
    faster = {**a, "duration_s": 0.01, "tolerance": {"engine": {"S": "terms"}}}
    assert same_verdicts.differences([a], [faster]) == (
        [], ["op/exp/float32/sample0/grad: bound ['estimated', 'time budget'] -> ['terms', None]"])
    wrong = {**a, "elements": [{**a["elements"][0], "ulp_error": 7.0}]}
    assert same_verdicts.differences([a], [wrong])[0] == [
        "op/exp/float32/sample0/grad: elements [['self', [0], 'ok', 0.5, 3.0]] -> "
        "[['self', [0], 'ok', 7.0, 3.0]]"]
    assert same_verdicts.differences([a], [{**a, "status": "fd-unreliable"}])[0] == [
        "op/exp/float32/sample0/grad: status 'ok' -> 'fd-unreliable'"]
    assert same_verdicts.differences([a], [])[0] == ["op/exp/float32/sample0/grad: only before"]
