"""Class weights of ``nll_loss`` and ``cross_entropy``, judged: the judge grades symgrad's
weighted losses (its meaning of ``nll_loss``, its weight given, is its own: a weighted sum over
the targets' total weight), reads PyTorch's the same way, and catches a weighted mean divided by
the number of targets instead of their total weight.

The API's parity with PyTorch (values, gradients, errors, the deprecated ``size_average`` and
``reduce``) is in ``tests/test_torch_api.py``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad
from oracle import crosscheck
from oracle.engines.symgrad_bugs import Bug, Witness, install
from symgrad.ops.registry import REGISTRY, apply

LOGITS = [[0.25, -1.5, 2.0], [0.75, 0.5, -0.125], [-1.0, 0.0, 3.0], [2.0, 2.0, -0.5]]
TARGETS = [2, 0, 1, 1]
WEIGHT = [0.5, 2.0, 1.25]
GOOD = ("ok", "fd-unreliable")


def _weighted(lib: Any, x: Any, **options: Any) -> Any:
    weight = lib.tensor(WEIGHT, dtype=x.dtype)
    return lib.nn.functional.cross_entropy(x, lib.tensor(TARGETS), weight, **options)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("options", [{}, {"reduction": "sum", "ignore_index": 0},
                                     {"label_smoothing": 0.2, "ignore_index": 1}])
def test_symgrad_weighted_cross_entropy_is_judged_right(order: int, options: dict) -> None:
    x = symgrad.tensor(LOGITS, dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(lambda x: _weighted(symgrad, x, **options), [x], order=order)
    assert verdict.status in GOOD, verdict.message


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch not installed")
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.2, "ignore_index": 1}])
def test_pytorch_weighted_cross_entropy_is_judged_as_symgrads(options: dict) -> None:
    import torch

    statuses = []
    for lib in (symgrad, torch):
        x = lib.tensor(LOGITS, dtype=lib.float64, requires_grad=True)
        statuses.append(crosscheck(lambda x, lib=lib: _weighted(lib, x, **options), [x]).status)
    assert statuses[0] == statuses[1]
    assert statuses[0] in GOOD


def _mean_over_the_count(original: Callable[..., Any]) -> Callable[..., Any]:
    """The weighted mean's gradient divided by how many targets count, not by their total
    weight (a weighted mean read as a plain one)."""
    def vjp(g: Any, self: Any, target: Any, weight: Any, *, reduction: str, ignore_index: int,
            self_shape: tuple[int, ...]) -> Any:
        grads = original(g, self, target, weight, reduction=reduction,
                         ignore_index=ignore_index, self_shape=self_shape)
        if reduction != "mean":
            return grads
        kept = target._data[target._data != ignore_index]
        total = float(np.sum(weight._data[kept]))
        return (grads[0] * (total / len(kept)), *grads[1:])

    return vjp


def test_a_weighted_mean_divided_by_the_count_is_caught() -> None:
    bug = Bug("nll-weighted-mean-over-count", "attributes", "nll_loss_weighted", "",
              "a weighted mean's gradient divided by the count", _mean_over_the_count,
              Witness("float64", {}))

    def loss(x: Any) -> Any:
        return apply(REGISTRY["nll_loss_weighted"], x, symgrad.tensor(TARGETS),
                     symgrad.tensor(WEIGHT, dtype=symgrad.float64), reduction="mean",
                     ignore_index=-100)

    x = symgrad.tensor(LOGITS, dtype=symgrad.float64, requires_grad=True)
    assert crosscheck(loss, [x]).status in GOOD
    with install(bug):
        x = symgrad.tensor(LOGITS, dtype=symgrad.float64, requires_grad=True)
        verdict = crosscheck(loss, [x])
    assert verdict.status == "engine-wrong", verdict.message
