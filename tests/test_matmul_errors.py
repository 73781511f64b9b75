"""``@`` of every pair of shapes, dtypes and bools as PyTorch's matmul: the same result shape
and dtype, or the same error class and message. PyTorch's matmul checks nothing itself: the
kernel the product goes to does (dot, mv's ``addmv``, mm's ``addmm``, ``bmm``), each in its
own order (shapes, then dtypes, then bools; dot: dtypes first), on the operands swapped where
it folds the right one (a left operand that requires grad), and a bool product that sums
nothing is bool zeros (fuzzer seeds 2191 #523 and 2311 #1050: a bool matrix times a float
batch raised mm's dtype error where PyTorch raises bmm's NotImplementedError).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

SHAPES = [(3,), (2,), (1, 3), (3, 3), (3, 2), (2, 3, 2), (2, 2, 3), (1, 2, 3), (2, 3, 1),
          (3, 2, 2), (2, 1, 3), (2, 2, 2, 3), (0, 3), (2, 0, 3), (3, 0)]
DTYPES = [("float32", "float32"), ("bool", "float32"), ("float32", "bool"), ("int64", "float32"),
          ("float32", "float64"), ("bool", "bool"), ("float16", "bfloat16"), ("int64", "int64")]


def _empty_batched_of_two_dtypes(a: tuple[int, ...], b: tuple[int, ...], da: str, db: str
                                 ) -> bool:
    """PyTorch's bmm returns an empty product of two dtypes before comparing them, as a tensor
    of the right operand's dtype (or refuses a bool one with "Autograd not support dtype"):
    symgrad refuses them with bmm's dtype error instead, a difference left as it is."""
    batched = len(a) >= 2 and len(b) >= 3 or len(a) >= 3 and len(b) >= 3
    return batched and da != db and (0 in a or 0 in b)


def _product(lib: Any, a: tuple[int, ...], b: tuple[int, ...], da: str, db: str, rg: bool
             ) -> tuple[Any, ...]:
    x = lib.ones(a, dtype=getattr(lib, da), requires_grad=rg)
    y = lib.ones(b, dtype=getattr(lib, db))
    try:
        out = x @ y
    except (RuntimeError, NotImplementedError) as exc:
        return type(exc).__name__, str(exc)
    return tuple(out.shape), str(out.dtype).split(".")[-1]


@pytest.mark.parametrize("a,b", list(itertools.product(SHAPES, SHAPES)), ids=str)
def test_matmul_results_and_errors_are_pytorchs(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    checked = 0
    for (da, db), rg in itertools.product(DTYPES, (False, True)):
        if rg and not da.startswith("float") or _empty_batched_of_two_dtypes(a, b, da, db):
            continue
        assert _product(symgrad, a, b, da, db, rg) == _product(torch, a, b, da, db, rg), (
            da, db, rg)
        checked += 1
    assert checked
