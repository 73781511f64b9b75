"""``autograd.Variable`` (PyTorch's wrapper before 0.4, still in old tutorials) and the view
questions ``Tensor._base`` and ``Tensor._is_view()``, against PyTorch 2.13 where installed."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import symgrad

try:
    import torch
except ImportError:
    torch = None

LIBS = [symgrad] + ([torch] if torch is not None else [])


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_variable_is_a_new_leaf_on_the_same_memory(lib: Any) -> None:
    Variable = lib.autograd.Variable  # noqa: N806 - PyTorch's name
    x = lib.ones(2)
    v = Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and v.is_leaf and not x.requires_grad
    with lib.no_grad():
        v.mul_(3)  # the memory is x's
    assert x.tolist() == [3.0, 3.0]
    (v * v).sum().backward()
    assert v.grad.tolist() == [6.0, 6.0] and x.grad is None
    y = lib.ones(2, requires_grad=True) * 2
    assert Variable(y).grad_fn is None and not Variable(y).requires_grad
    assert isinstance(x, Variable) and isinstance(y, Variable) and not isinstance(3, Variable)
    assert Variable().shape == (0,)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert not Variable(x, volatile=True).requires_grad
    assert str(seen[0].message).startswith("volatile was removed and now has no effect.")


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_views_know_their_base(lib: Any) -> None:
    x = lib.ones(2, 3, requires_grad=True)
    views = {"view_as": x.view_as(x), "T": x.T, "index": x[0], "view of a view": x[0][1:],
             "reshape": x.reshape(6)}
    for name, v in views.items():
        assert v._is_view() and v._base is x, name
    with lib.no_grad():
        assert x[0]._base is x
    for t in (x, x.detach(), x.contiguous(), x * 1):
        assert not t._is_view() and t._base is None
