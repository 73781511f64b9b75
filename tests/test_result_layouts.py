"""New results laid out in memory as PyTorch lays them out, for inputs that are not row-major
(permuted, transposed with gaps, expanded): ``clone``, ``flip``, ``rot90``, ``index_fill`` and
``index_put`` keep the input's order of dims, advanced indexing orders the dims by the input's
strides, and ``tril``, ``masked_fill``, ``gather``, ``roll``, ``cat``... write row-major. What
a user sees of it is compared with PyTorch's, run here: ``stride()``, ``is_contiguous()``, and
whether ``.view(-1)`` succeeds (its values) or raises (its class and message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402


def _base(lib: Any, shape: tuple[int, ...] = (4, 3, 2)) -> Any:
    return lib.tensor((np.arange(np.prod(shape)) % 7 - 2.5).reshape(shape).tolist())


INPUTS = {
    "permuted": lambda lib: _base(lib).permute(2, 1, 0),
    "rotated": lambda lib: _base(lib).permute(1, 2, 0),
    "gaps": lambda lib: _base(lib, (4, 6, 2))[:, ::2].transpose(0, 2),
    "expanded": lambda lib: _base(lib, (1, 3, 4)).expand(2, 3, 4),
    "row-major": lambda lib: _base(lib, (2, 3, 4)),
}
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "clone": lambda lib, x: x.clone(),
    "clone contiguous_format": lambda lib, x: x.clone(
        memory_format=getattr(lib, "contiguous_format", "contiguous_format")),
    "contiguous": lambda lib, x: x.contiguous(),
    "tril": lambda lib, x: lib.tril(x),
    "triu": lambda lib, x: x.triu(1),
    "flip": lambda lib, x: x.flip(0),
    **{f"rot90 {k}": (lambda lib, x, k=k: x.rot90(k, (0, 2))) for k in range(4)},
    "roll": lambda lib, x: x.roll(1, 0),
    "gather": lambda lib, x: x.gather(2, lib.zeros(*x.shape[:2], 1, dtype=lib.int64)),
    "masked_fill": lambda lib, x: x.masked_fill(x > 0, 1.5),
    "index_fill": lambda lib, x: x.index_fill(1, lib.tensor([0]), 1.5),
    "index_put": lambda lib, x: x.index_put((lib.tensor([0]),), lib.tensor(1.5)),
    "index_add": lambda lib, x: x.index_add(0, lib.arange(x.shape[0]).flip(0), x),
    "cat": lambda lib, x: lib.cat([x, x], 1),
    "stack": lambda lib, x: lib.stack([x, x]),
    "repeat": lambda lib, x: x.repeat(1, 1, 1),
    "repeat_interleave": lambda lib, x: x.repeat_interleave(2, 1),
    "x[:, [1, 0]]": lambda lib, x: x[:, [1, 0]],
    "x[[1, 0]]": lambda lib, x: x[[1, 0]],
    "x[..., [1, 0]]": lambda lib, x: x[..., [1, 0]],
    "x[:, [0, 1], [1, 0]]": lambda lib, x: x[:, [0, 1], [1, 0]],
    "x[[0, 1], :, [1, 0]]": lambda lib, x: x[[0, 1], :, [1, 0]],
}


def _seen(lib: Any, op: Callable[[Any, Any], Any], make: Callable[[Any], Any]) -> Any:
    out = op(lib, make(lib))
    try:
        flat: Any = out.view(-1).tolist()
    except RuntimeError as e:
        flat = (type(e).__name__, str(e))
    return tuple(out.stride()), out.is_contiguous(), flat


@pytest.mark.parametrize("make", INPUTS.values(), ids=INPUTS.keys())
@pytest.mark.parametrize("op", OPS.values(), ids=OPS.keys())
def test_layout_as_pytorchs(op: Callable[[Any, Any], Any], make: Callable[[Any], Any]) -> None:
    assert _seen(symgrad, op, make) == _seen(torch, op, make)
