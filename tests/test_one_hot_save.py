"""nn.functional.one_hot, and symgrad.save/symgrad.load, against torch 2.13: values, dtypes,
PyTorch's errors, and round trips of tensors, state dicts and optimizer states."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def outcome(call: Any, lib: Any) -> Any:
    try:
        out = call(lib, TF if lib is torch else F)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e))
    return (str(out.dtype).split(".")[-1], tuple(out.shape), out.tolist(), out.requires_grad)


def same(call: Any) -> None:
    assert outcome(call, symgrad) == outcome(call, torch)


# -- one_hot ------------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[0, 2, 1], [[1], [0]], 3, [[0, 4], [2, 2]], [5]])
@pytest.mark.parametrize("num_classes", [-1, 6, 7])
def test_one_hot_matches_torch(values: Any, num_classes: int) -> None:
    same(lambda lib, f: f.one_hot(lib.tensor(values), num_classes))
    same(lambda lib, f: f.one_hot(lib.tensor(values), num_classes=num_classes))
    same(lambda lib, f: f.one_hot(input=lib.tensor(values)))


def test_one_hot_empty_and_errors_match_torch() -> None:
    for call in (
        lambda lib, f: f.one_hot(lib.tensor([0, 2], dtype=lib.int32)),
        lambda lib, f: f.one_hot(lib.tensor([0.0, 2.0])),
        lambda lib, f: f.one_hot(lib.tensor([True])),
        lambda lib, f: f.one_hot(lib.tensor([0, -1])),
        lambda lib, f: f.one_hot(lib.tensor([0, -1]), 3),
        lambda lib, f: f.one_hot(lib.tensor([0, 3]), 3),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), -2),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), 0),
        lambda lib, f: f.one_hot(lib.tensor([], dtype=lib.int64)),
        lambda lib, f: f.one_hot(lib.tensor([], dtype=lib.int64), 0),
        lambda lib, f: f.one_hot(lib.tensor([], dtype=lib.int64), 4),
        lambda lib, f: f.one_hot(lib.zeros(2, 0, dtype=lib.int64), 3),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), 1.5),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), num_classes=None),
        lambda lib, f: f.one_hot([0, 1]),
    ):
        same(call)


def test_one_hot_is_not_differentiable() -> None:
    # An int64 result: no grad_fn, nothing requires grad, as in PyTorch.
    out = F.one_hot(symgrad.tensor([1, 0]))
    assert out.dtype is symgrad.int64 and out.grad_fn is None and not out.requires_grad
    assert "one_hot" in F.__all__
