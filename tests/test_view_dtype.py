"""``view(dtype)``: a tensor's bytes read as another dtype's elements, against PyTorch's, run
here: the values, shape and strides, the memory shared (a write through the view reaches
the input, and bumps its version), no gradient, and PyTorch's errors where the element sizes
differ (a 0-dim tensor, a last dim or an offset not divisible, a last stride not 1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402


def _bytes(lib: Any) -> Any:
    return lib.arange(24, dtype=lib.uint8) * 11


CASES: dict[str, Callable[[Any], Any]] = {
    "float32 as int32": lambda lib: lib.tensor([1.0, -2.0, 0.5]).view(lib.int32),
    "same dtype": lambda lib: lib.tensor([1.5]).view(lib.float32),
    "keyword": lambda lib: lib.tensor([1.0, 2.0]).view(dtype=lib.int32),
    "narrower: float64 as float32": lambda lib: lib.tensor([[1.0, -3.5]]).double().view(
        lib.float32),
    "narrower, strided rows": lambda lib: lib.arange(6).view(3, 2)[:, :1].view(lib.int32),
    "wider: uint8 as int32": lambda lib: _bytes(lib).view(2, 12).view(lib.int32),
    "wider: bool as float16": lambda lib: (lib.arange(4) > 1).view(lib.float16),
    "bfloat16 as int16": lambda lib: lib.tensor([1.0, -2.0], dtype=lib.bfloat16).view(lib.int16),
    "0-dim, other size": lambda lib: lib.tensor(1.0).view(lib.float64),
    "0-dim, same size": lambda lib: lib.tensor(1.0).view(lib.int32),
    "last dim not divisible": lambda lib: _bytes(lib)[:7].view(lib.int16),
    "offset not divisible": lambda lib: _bytes(lib)[1:5].view(lib.int16),
    "last stride not 1": lambda lib: _bytes(lib).view(2, 12)[:, ::2].view(lib.int16),
    "row stride not divisible": lambda lib: _bytes(lib).view(4, 6)[:, :4].view(lib.int32),
    "transposed, narrower": lambda lib: lib.arange(6.0).view(3, 2).t().view(lib.float16),
    "empty": lambda lib: lib.zeros(0, 3, dtype=lib.float64).view(lib.float32),
}


def _seen(lib: Any, case: Callable[[Any], Any]) -> Any:
    try:
        out = case(lib)
    except RuntimeError as e:
        return type(e).__name__, str(e)
    return (str(out.dtype).split(".")[-1], tuple(out.shape), tuple(out.stride()), out.tolist(),
            out.requires_grad)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_view_dtype_as_pytorchs(case: Callable[[Any], Any]) -> None:
    assert _seen(symgrad, case) == _seen(torch, case)


def test_view_dtype_shares_memory_and_version_and_has_no_gradient() -> None:
    def seen(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True) * 1
        bits = x.view(lib.int32)
        before = x._version
        bits[0] = 0
        return x.tolist(), x._version - before, bits.requires_grad, bits.grad_fn is None
    assert seen(symgrad) == seen(torch)
