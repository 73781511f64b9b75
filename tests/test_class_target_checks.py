"""nll_loss's and cross_entropy's checks of class targets, in PyTorch's order.

The range of the classes is checked by the op's forward, as PyTorch's kernels check it: after
the input's dtype, so an integer input is refused before its targets are read.
"""

from __future__ import annotations

from typing import Any

import pytest

import symgrad
import symgrad.nn.functional as F

torch = pytest.importorskip("torch")

MISUSES: list[tuple[str, Any]] = [
    ("integer input, class too large",
     lambda m, f: f.nll_loss(m.tensor([[1, 2]]), m.tensor([5]))),
    ("integer input, negative class",
     lambda m, f: f.nll_loss(m.tensor([[1, 2]]), m.tensor([-1]), ignore_index=3)),
    ("byte class too large",
     lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]]), m.tensor([7], dtype=m.uint8))),
    ("one sample, class too large",
     lambda m, f: f.nll_loss(m.tensor([-1.0, -2.0]), m.tensor(2))),
    ("ignored class in range, another too large",
     lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]] * 2), m.tensor([1, 2]), ignore_index=1)),
    ("cross_entropy, class too large",
     lambda m, f: f.cross_entropy(m.tensor([[1.0, 2.0]] * 3), m.tensor([0, 1, 9]))),
    ("batch size before range",
     lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]] * 2), m.tensor([9]))),
]


@pytest.mark.parametrize("case", MISUSES, ids=[c[0] for c in MISUSES])
def test_class_target_misuse_raises_pytorchs_first_error(case: tuple[str, Any]) -> None:
    with pytest.raises(Exception) as want:
        case[1](torch, torch.nn.functional)
    with pytest.raises(want.type) as got:
        case[1](symgrad, F)
    assert str(got.value) == str(want.value)
