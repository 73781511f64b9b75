"""An in-place write whose operand shares part of the written memory is refused, as PyTorch
refuses it (``unsupported operation: some elements of the input tensor and the written-to
tensor refer to a single memory location``); the same memory in the same layout, and layouts
with gaps, are allowed. Each case runs under both libraries: the values, or the error class
and message, must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402


def _row(lib: Any) -> Any:
    return lib.tensor([1.0, 2.0, 3.0])


def _square(lib: Any) -> Any:
    return lib.tensor([[1.0, 2.0], [3.0, 4.0]])


def _setitem(x: Any, key: Any, value: Any) -> Any:
    x[key] = value
    return x


CASES: dict[str, Callable[[Any], Any]] = {
    "add_ of an element": lambda lib: (lambda x: x.add_(x[0]))(_row(lib)),
    "add_ of itself": lambda lib: (lambda x: x.add_(x))(_row(lib)),
    "add_ of a shifted slice": lambda lib: (lambda x: x[:2].add_(x[1:]))(_row(lib)),
    "sub_ of a shifted slice": lambda lib: (lambda x: x[1:].sub_(x[:2]))(_row(lib)),
    "mul_ of a one-element slice": lambda lib: (lambda x: x.mul_(x[0:1]))(_row(lib)),
    "div_ of the transpose": lambda lib: (lambda x: x.div_(x.t()))(_square(lib)),
    "pow_ of a shifted slice": lambda lib: (lambda x: x[:2].pow_(x[1:]))(_row(lib)),
    "copy_ of itself": lambda lib: (lambda x: x.copy_(x))(_row(lib)),
    "copy_ of a shifted slice": lambda lib: (lambda x: x[:2].copy_(x[1:]))(_row(lib)),
    "clamp_ to a shifted slice": lambda lib: (lambda x: x[:2].clamp_(min=x[1:]))(_row(lib)),
    "atan2_ of a shifted slice": lambda lib: (lambda x: x[:2].atan2_(x[1:]))(_row(lib)),
    "setitem from a shifted slice": lambda lib: (lambda x: _setitem(x, slice(0, 2), x[1:]))(
        _row(lib)),
    "setitem by indices from a shifted slice": lambda lib: (
        lambda x: _setitem(x, lib.tensor([0, 1]), x[1:]))(_row(lib)),
    "x[1] += 2 (a view written into itself)": lambda lib: (
        lambda x: (x.__setitem__(1, x[1].add_(2.0)), x)[1])(_square(lib)),
    "x[:, 0] += 2 (a strided view into itself)": lambda lib: (
        lambda x: (x.__setitem__((slice(None), 0), x[:, 0].add_(2.0)), x)[1])(_square(lib)),
    "setitem by a mixed key from an overlapping slice": lambda lib: (
        lambda x: _setitem(x, (1, [0, 1]), x[1, :]))(_square(lib)),
    "add_ of a strided slice (not refused)": lambda lib: (lambda x: x[:2].add_(x[::2]))(
        _row(lib)),
    "add_ of another row": lambda lib: (lambda x: x[0].add_(x[1]))(lib.ones(2, 3)),
    "fill_ from an element": lambda lib: (lambda x: x[1:].fill_(x[0]))(_row(lib)),
    # ldexp_ is self.mul_(pow(2, other)): other is read into a new tensor first.
    "ldexp_ of a shifted slice (not refused)": lambda lib: (lambda x: x[:2].ldexp_(x[1:]))(
        _row(lib)),
    "ldexp_ by a later row (not refused)": lambda lib: (lambda x: lib.ldexp_(x, x[1:]))(
        _square(lib)),
    "an optimizer's step, under no_grad": lambda lib: (lambda x: (lib.no_grad().__enter__(),
                                                                 x.sub_(x * 0.5))[1])(_row(lib)),
    # setitem expands its value first (leading dims of one dropped, ATen's expand geometry),
    # then checks (the fuzzer, seed 38): the same elements in the same layout are allowed, an
    # expanded value is not checked.
    "setitem of (1, 3) from its flattening": lambda lib: (lambda x: _setitem(
        x, ..., x.flatten()))(lib.tensor([[1.0, 2.0, 3.0]])),
    "setitem of (1, 1, 3) by a slice from a (1, 3) view": lambda lib: (lambda x: _setitem(
        x, slice(None), x.view(1, 3)))(lib.tensor([[[1.0, 2.0, 3.0]]])),
    "setitem of (1, 2, 2) from its (2, 2) view": lambda lib: (lambda x: _setitem(
        x, ..., x.view(2, 2)))(lib.tensor([[[1.0, 2.0], [3.0, 4.0]]])),
    "setitem of (1, 2, 2) from its (2, 2) view transposed": lambda lib: (lambda x: _setitem(
        x, ..., x.view(2, 2).t()))(lib.tensor([[[1.0, 2.0], [3.0, 4.0]]])),
    "setitem of every row from row 1": lambda lib: (lambda x: _setitem(x, slice(None), x[1]))(
        _square(lib)),
    "setitem of row 1 from row 0 kept (1, 2)": lambda lib: (lambda x: _setitem(
        x, slice(1, None), x[:1]))(_square(lib)),
    "copy_ of a (1, 3) view into (3,)": lambda lib: (lambda x: x.copy_(x.view(1, 3)))(
        _row(lib)),
    "copy_ of row 0 into every row": lambda lib: (lambda x: x.copy_(x[0]))(_square(lib)),
}


def outcome(case: Callable[[Any], Any], lib: Any) -> Any:
    try:
        with lib.enable_grad():
            return "ok", case(lib).tolist()
    except Exception as exc:  # noqa: BLE001 - the class and message are what is compared
        return "raised", type(exc).__name__, str(exc)


@pytest.mark.parametrize("name", sorted(CASES))
def test_overlapping_writes_as_torch(name: str) -> None:
    expected = outcome(CASES[name], torch)
    assert outcome(CASES[name], symgrad) == expected
    assert (expected[0] == "raised") == (name in REFUSED)  # both kinds are here


# The cases PyTorch refuses (the others it computes).
REFUSED = {"add_ of an element", "add_ of a shifted slice", "sub_ of a shifted slice",
           "mul_ of a one-element slice", "div_ of the transpose", "pow_ of a shifted slice",
           "copy_ of a shifted slice", "clamp_ to a shifted slice", "atan2_ of a shifted slice",
           "setitem from a shifted slice", "setitem by indices from a shifted slice",
           "setitem by a mixed key from an overlapping slice",
           "setitem of (1, 2, 2) from its (2, 2) view transposed",
           "copy_ of a (1, 3) view into (3,)", "copy_ of row 0 into every row"}


def test_a_broadcast_operand_reads_the_old_values() -> None:
    # x.add_(x[0:1].expand(3)): PyTorch does not check an expanded operand and reads x[0]
    # after writing it ([2, 4, 5]); symgrad adds the values x had ([2, 3, 4]).
    x = _row(symgrad)
    assert x.add_(x[0:1].expand(3)).tolist() == [2.0, 3.0, 4.0]
