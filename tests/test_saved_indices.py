"""The indices an op returns beside its values (sort, topk, max and min along a dim, median,
nanmedian, kthvalue, mode, cummax, cummin, the max pools with ``return_indices``) are saved by
PyTorch for its backward: an in-place write to them, or to a view of them, makes the backward
raise, with the indices' type and shape in the message. symgrad's VJPs find the indices again
from the saved input, so it computed right gradients after such a write where PyTorch raises;
``graph.save_outputs`` makes it raise too. The other way round, PyTorch's node of a selection
does not save the input, so a write to it is no error; symgrad's saves a copy
(``graph.keep_inputs_as_recorded``). Each scenario runs under both libraries; the gradient, or
the error's class and message, must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

# Each op, from a leaf of 6 values that requires grad (x is a (2, 3) view of it and v its flat
# copy), returns (values, indices).
OPS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "sort": lambda lib, x, v: v.sort(),
    "sort, descending, stable": lambda lib, x, v: lib.sort(x, dim=1, descending=True,
                                                           stable=True),
    "topk": lambda lib, x, v: v.topk(2),
    "max along a dim": lambda lib, x, v: x.max(1),
    "min along a dim, keepdim": lambda lib, x, v: x.min(0, keepdim=True),
    "median": lambda lib, x, v: x.median(1),
    "nanmedian": lambda lib, x, v: v.nanmedian(0),
    "kthvalue": lambda lib, x, v: v.kthvalue(3),
    "mode": lambda lib, x, v: x.mode(1),
    "cummax": lambda lib, x, v: x.cummax(1),
    "cummin": lambda lib, x, v: v.cummin(0),
    "max_pool1d": lambda lib, x, v: lib.nn.functional.max_pool1d(
        x, 2, 1, return_indices=True),
    "max_pool2d": lambda lib, x, v: lib.nn.functional.max_pool2d(
        x.reshape(1, 2, 3), 2, 1, return_indices=True),
    "max_pool3d": lambda lib, x, v: lib.nn.functional.max_pool3d(
        x.reshape(1, 1, 2, 3), 1, return_indices=True),
    "adaptive_max_pool1d": lambda lib, x, v: lib.nn.functional.adaptive_max_pool1d(
        x, 2, return_indices=True),
    "adaptive_max_pool2d": lambda lib, x, v: lib.nn.functional.adaptive_max_pool2d(
        x.reshape(1, 2, 3), (1, 2), return_indices=True),
}

# What is done to the indices between the op and the backward.
CHANGES: dict[str, Callable[[Any, Any], None]] = {
    "nothing": lambda lib, i: None,
    "add_": lambda lib, i: i.add_(1),
    "a write through a view": lambda lib, i: i.reshape(-1)[:1].zero_(),
    "a write under no_grad": lambda lib, i: _under_no_grad(lib, i),
    "a read": lambda lib, i: i.sum(),
    "a copy changed": lambda lib, i: i.clone().add_(1),
}


def _under_no_grad(lib: Any, indices: Any) -> None:
    with lib.no_grad():
        indices.mul_(1)


def run(lib: Any, op: Callable[[Any, Any, Any], Any], change: Callable[[Any, Any], None]
        ) -> Any:
    leaf = lib.tensor([3.0, 1.0, 2.0, 5.0, 1.0, 4.0], requires_grad=True)
    x = leaf.reshape(2, 3)
    values, indices = op(lib, x, leaf * 1)
    change(lib, indices)
    try:
        (values * lib.arange(1, values.numel() + 1).reshape(values.shape)).sum().backward()
    except RuntimeError as exc:
        return type(exc).__name__, str(exc)
    return leaf.grad.tolist()


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("name", sorted(OPS))
def test_a_write_to_the_indices_raises_where_torch_raises(name: str, change: str) -> None:
    expected = run(torch, OPS[name], CHANGES[change])
    assert run(symgrad, OPS[name], CHANGES[change]) == expected
    # Torch raises exactly after a write to the indices themselves: both kinds are here.
    assert isinstance(expected, tuple) == (change in ("add_", "a write through a view",
                                                      "a write under no_grad"))


def test_the_error_names_the_indices_as_torch_does() -> None:
    x = symgrad.tensor([[2.0, 1.0], [0.0, 3.0]], requires_grad=True)
    values, indices = x.max(1)
    indices.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch\.LongTensor \[2\]\] is at version 1; "
                                           r"expected version 0 instead"):
        values.sum().backward()


def test_a_second_backward_after_a_write_says_the_graph_was_freed() -> None:
    # Once a backward has run without retain_graph, the node holds nothing: PyTorch's error is
    # then the freed graph's, not the write's.
    outcomes = []
    for lib in (torch, symgrad):
        x = lib.tensor([2.0, 1.0, 3.0], requires_grad=True)
        values, indices = x.sort()
        values.sum().backward()
        indices.add_(1)
        with pytest.raises(RuntimeError) as info:
            values.sum().backward()
        outcomes.append(str(info.value).split(".")[0])
    assert outcomes[0] == outcomes[1]
    assert "second time" in outcomes[1]


def test_a_write_after_a_retained_backward_raises_in_the_next() -> None:
    outcomes = []
    for lib in (torch, symgrad):
        x = lib.tensor([2.0, 1.0, 3.0], requires_grad=True)
        values, indices = x.topk(2)
        values.sum().backward(retain_graph=True)
        indices.zero_()
        with pytest.raises(RuntimeError) as info:
            values.sum().backward()
        outcomes.append(str(info.value))
    assert outcomes[0] == outcomes[1]


def test_autograd_grad_and_create_graph_see_the_write() -> None:
    x = symgrad.tensor([2.0, 1.0, 3.0], requires_grad=True)
    values, indices = x.cummax(0)
    indices.add_(1)
    for create_graph in (False, True):
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            symgrad.autograd.grad(values.sum(), x, retain_graph=True, create_graph=create_graph)


# -- writes to the input ------------------------------------------------------------------------
# Ops whose node PyTorch makes from the input as well: their backward reads it (the max pools'
# and the running extrema's), so a write to it raises there as in symgrad.
READ_THE_INPUT = {"cummax", "cummin", "max_pool1d", "max_pool2d", "max_pool3d",
                  "adaptive_max_pool1d", "adaptive_max_pool2d"}
# Ops that return values only, whose node saves the sorted order all the same.
VALUES_ONLY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "msort": lambda lib, x, v: (lib.msort(x), None),
    "quantile": lambda lib, x, v: (lib.quantile(x, 0.3, dim=1), None),
    "nanquantile of a q tensor": lambda lib, x, v: (
        v.nanquantile(lib.tensor([0.2, 0.9])), None),
}


def _input_written(lib: Any, op: Callable[[Any, Any, Any], Any]) -> Any:
    leaf = lib.tensor([3.0, 1.0, 2.0, 5.0, 1.5, 4.0], requires_grad=True)
    x, v = leaf.reshape(2, 3), leaf * 1
    values = op(lib, x, v)[0]
    with lib.no_grad():  # a write that reorders the elements, to the leaf and to v
        leaf.neg_()
        v.neg_()
    try:
        (values * lib.arange(1, values.numel() + 1).reshape(values.shape)).sum().backward()
    except RuntimeError as exc:
        return type(exc).__name__, str(exc)
    return leaf.grad.tolist()


@pytest.mark.parametrize("name", sorted(OPS) + sorted(VALUES_ONLY))
def test_a_write_to_the_input_raises_where_torch_raises(name: str) -> None:
    # PyTorch's node of a selection saves the indices, not the input: a write to the input is
    # no error, and the gradient goes to the elements the forward selected. symgrad's VJPs
    # find the indices again from a copy of the input (``keep_inputs_as_recorded``); they read
    # the input itself, and raised.
    op = OPS.get(name) or VALUES_ONLY[name]
    expected = _input_written(torch, op)
    assert _input_written(symgrad, op) == expected
    assert isinstance(expected, tuple) == (name in READ_THE_INPUT)
