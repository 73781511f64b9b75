"""clamp, clip, clamp_min and clamp_max of bool tensors, as PyTorch 2.13 gives them: one bound
by a bool tensor is a logical or (min) or and (max); both bounds, or bounds by bool numbers,
are refused with PyTorch's NotImplementedError; int bounds promote to int64."""

from __future__ import annotations

from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")

CASES = {
    "clip by a tensor": lambda lib, b, c: lib.clip(b, c),
    "min tensor": lambda lib, b, c: lib.clamp(b, min=c),
    "max tensor": lambda lib, b, c: lib.clamp(b, max=c),
    "both tensors": lambda lib, b, c: lib.clamp(b, c, c),
    "int numbers": lambda lib, b, c: lib.clamp(b, 0, 1),
    "bool min number": lambda lib, b, c: lib.clamp(b, True),
    "bool max number": lambda lib, b, c: lib.clamp(b, max=False),
    "bool numbers": lambda lib, b, c: lib.clamp(b, False, True),
    "float number": lambda lib, b, c: lib.clamp(b, 0.5),
    "clamp_min number": lambda lib, b, c: lib.clamp_min(b, True),
    "clamp_max number": lambda lib, b, c: lib.clamp_max(b, False),
    "clamp_min tensor": lambda lib, b, c: lib.clamp_min(b, c),
    "in place": lambda lib, b, c: b.clamp_(min=c),
    "in place number": lambda lib, b, c: b.clamp_min_(True),
    "int tensor by bools": lambda lib, b, c: lib.clamp(lib.tensor([1, 5, -2]), max=c),
}


def _outcome(lib: Any, case: Any) -> Any:
    b, c = lib.tensor([True, False, True]), lib.tensor([False, False, True])
    try:
        out = case(lib, b, c)
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        return type(e).__name__, str(e)
    return str(out.dtype).split(".")[-1], out.tolist(), b.tolist()


@pytest.mark.parametrize("name", CASES)
def test_bool_clamp_as_pytorch(name: str) -> None:
    assert _outcome(symgrad, CASES[name]) == _outcome(torch, CASES[name])
