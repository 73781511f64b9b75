"""The MLP benchmark's steps do the same work: from the same parameters, one step of symgrad,
of NumPy by hand and of PyTorch (when installed) leaves the same parameters.

A speed figure means nothing if the engines compute different things (a skipped update, a
gradient of the wrong layer): ``benchmarks/mlp_step.py`` times these very steps.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import mlp_step  # noqa: E402 - from benchmarks/, put on the path above


def _after_two_steps(step: object) -> list[np.ndarray]:
    step()
    step()
    return [np.asarray(p.detach().numpy() if hasattr(p, "detach") else p, dtype=np.float64)
            for p in step.params]


def _moved(params: list[np.ndarray]) -> None:
    # The step changes every parameter: a comparison of unchanged copies would prove nothing.
    for p, start in zip(params, mlp_step.PARAMS, strict=True):
        assert not np.array_equal(p, start)


def test_symgrad_takes_numpy_by_hands_step() -> None:
    by_hand = _after_two_steps(mlp_step.make_numpy_step())
    ours = _after_two_steps(mlp_step.make_step(symgrad, F))
    _moved(by_hand)
    for a, b in zip(ours, by_hand, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_numpy_exact_takes_symgrads_step_bit_for_bit() -> None:
    # The ``numpy, exact`` row stands for symgrad's arithmetic without its graph: it must leave
    # symgrad's parameters exactly, where NumPy by hand's loss (softmax - one-hot) differs.
    exact = _after_two_steps(mlp_step.make_numpy_step(exact=True))
    ours = _after_two_steps(mlp_step.make_step(symgrad, F))
    by_hand = _after_two_steps(mlp_step.make_numpy_step())
    _moved(exact)
    for a, b in zip(ours, exact, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(ours, by_hand, strict=True))


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
def test_pytorch_takes_numpy_by_hands_step() -> None:
    import torch

    by_hand = _after_two_steps(mlp_step.make_numpy_step())
    theirs = _after_two_steps(mlp_step.make_step(torch, torch.nn.functional))
    for a, b in zip(theirs, by_hand, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_featureless_engine_takes_symgrads_step_bit_for_bit() -> None:
    # The ``featureless`` row stands for symgrad's arithmetic on the least engine in Python:
    # it must leave symgrad's parameters exactly, else its time is of other work.
    floor = _after_two_steps(mlp_step.make_featureless_step())
    ours = _after_two_steps(mlp_step.make_step(symgrad, F))
    _moved(floor)
    for a, b in zip(ours, floor, strict=True):
        np.testing.assert_array_equal(a, b)


def test_featureless_engine_forms_no_gradient_for_the_input() -> None:
    # As symgrad and NumPy by hand, the first layer's product sends nothing back to the input.
    x = mlp_step.minimal_engine.tensor(mlp_step.INPUTS)
    w = mlp_step.minimal_engine.tensor(mlp_step.PARAMS[0], requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, np.broadcast_to(mlp_step.INPUTS.sum(axis=0)[:, None],
                                                       w.data.shape), rtol=1e-6)
