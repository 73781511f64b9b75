"""A Python number written into a tensor (full, full_like, fill_, masked_fill, pad, setitem)
by PyTorch's rules in every dtype: a float truncated for integers, a negative int wrapped into
uint8 down to -255, and PyTorch's overflow error where NumPy would wrap or make a value up
(NaN into int64 was -9223372036854775808; 300 into uint8 was 44)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")

VALUES = (float("nan"), float("inf"), -float("inf"), -0.5, -1.5, 2.7, 300.0, 1e10, 1e30, -1,
          255, 256, -255, -256, 300, 70000, 2**40, True, 0)
DTYPES = ("uint8", "int8", "int16", "int32", "int64", "bool", "float16", "bfloat16", "float32",
          "float64")
CALLS = {
    "full": lambda lib, d, v: lib.full((2,), v, dtype=d),
    "full_like": lambda lib, d, v: lib.full_like(lib.zeros(2, dtype=d), v),
    "fill_": lambda lib, d, v: lib.zeros(2, dtype=d).fill_(v),
    "masked_fill": lambda lib, d, v: lib.zeros(2, dtype=d).masked_fill(
        lib.tensor([True, False]), v),
    "pad": lambda lib, d, v: lib.nn.functional.pad(lib.zeros(2, dtype=d), (1, 0), value=v),
    "setitem": lambda lib, d, v: _set(lib.zeros(2, dtype=d), v),
}


def _set(t: Any, v: Any) -> Any:
    t[0] = v
    return t


def outcome(lib: Any, call: str, dtype: str, value: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no NumPy overflow warning either
            out = CALLS[call](lib, getattr(lib, dtype), value)
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        return type(e).__name__, str(e)
    return [str(x) for x in out.tolist()]


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_number_written_into_a_tensor_as_in_torch(call, dtype):
    mine = [outcome(symgrad, call, dtype, v) for v in VALUES]
    theirs = [outcome(torch, call, dtype, v) for v in VALUES]
    assert mine == theirs
