"""``tensor(data, dtype=<integer dtype>)`` from Python numbers against torch 2.13: each value
converted by PyTorch's rule (floats truncated toward 0, negative ints wrapped into uint8 down
to -255) or refused with PyTorch's error where it does not fit, never wrapped or made up by
NumPy. Expected values are torch's, run here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

CASES = [("uint8", [-3]), ("uint8", [300]), ("int8", [200]), ("int16", [70000]),
         ("int32", [2**40]), ("int64", [2**63]), ("int64", [2**64]), ("int64", [-2**63]),
         ("uint8", [1.5, -2.7]), ("bool", [2, 0]), ("uint8", 3.7), ("int64", [float("nan")]),
         ("int64", [[1, 2], [3, -4]]), ("uint8", [-255]), ("uint8", [-256]),
         ("int8", [-128, 127, 1.9, -1.9]), ("int64", [True, 2]), ("int32", [float("inf")]),
         ("uint8", [255.9]), ("uint8", [-0.5]), ("int64", []), ("int16", 5), ("uint8", -1),
         ("int64", [[]]), ("int64", (2**62, 1.5)), ("int32", [[-2**31, 2**31 - 1]])]


def _outcome(lib: Any, dtype: str, data: Any) -> Any:
    try:
        t = lib.tensor(data, dtype=getattr(lib, dtype))
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)
    return str(t.dtype).split(".")[-1], t.tolist()


@pytest.mark.parametrize("dtype, data", CASES, ids=repr)
def test_python_numbers_into_integer_dtypes_as_pytorch(dtype: str, data: Any) -> None:
    assert _outcome(symgrad, dtype, data) == _outcome(torch, dtype, data)


def test_a_numpy_array_keeps_numpys_cast() -> None:
    # An array is converted as a whole, as PyTorch converts one: no range check per value.
    got = symgrad.tensor(np.array([300, -1]), dtype=symgrad.uint8).tolist()
    assert got == torch.tensor(np.array([300, -1]), dtype=torch.uint8).tolist()
