"""Broadcasting, at-least-n-d, stacking, ``unflatten``, ``ravel`` and the logical ops against
torch 2.13: each case runs the same code on both libraries and compares the results (dtype,
shape, strides, values, ``grad_fn`` class), the leaves' gradients after a backward through
every float result, and the class and message of every error. Every expected value is
torch's, run here."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402


def _leaves(lib: Any) -> tuple[Any, ...]:
    """A zero-dim, a 1-d, a 2-d and a 3-d float64 leaf, requiring grad."""
    return tuple(lib.arange(float(n), dtype=lib.float64).reshape(shape).requires_grad_()
                 for n, shape in ((1, ()), (3, (3,)), (6, (2, 3)), (12, (2, 3, 2))))


def _described(value: Any) -> Any:
    if isinstance(value, torch.Tensor | symgrad.Tensor):
        return (str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist(),
                type(value.grad_fn).__name__)
    if isinstance(value, list | tuple):
        return type(value).__name__, [_described(v) for v in value]
    return value


def _outcome(case: Callable[[Any, tuple[Any, ...]], Any], lib: Any) -> Any:
    leaves = _leaves(lib)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case(lib, leaves)
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            # Without the C++ stack PyTorch appends to an internal error.
            message = str(e).split("\nException raised from")[0]
            return type(e).__name__, message.replace("torch.", "").replace("symgrad.", "")
    outs = [result] if not isinstance(result, list | tuple) else list(result)
    total = sum(((o * (1.0 + i)).sum() for i, o in enumerate(outs)
                 if isinstance(o, lib.Tensor) and o.requires_grad), lib.tensor(0.0))
    if total.requires_grad:
        total.backward()
    grads = [None if x.grad is None else x.grad.tolist() for x in leaves]
    return _described(result), grads, [str(w.message) for w in caught]


def _same(case: Callable[[Any, tuple[Any, ...]], Any]) -> None:
    assert _outcome(case, symgrad) == _outcome(case, torch)


CASES = {
    "broadcast_to": lambda lib, x: [lib.broadcast_to(x[1], (2, 3)), x[0].broadcast_to((4,)),
                                    lib.broadcast_to(x[2], (2, 2, 3))],
    "broadcast_to, too few sizes": lambda lib, x: lib.broadcast_to(x[2], (3,)),
    "broadcast_to, a mismatch": lambda lib, x: lib.broadcast_to(x[1], (2, 4)),
    "broadcast_tensors": lambda lib, x: lib.broadcast_tensors(x[1], x[2], x[0]),
    "broadcast_tensors, one": lambda lib, x: lib.broadcast_tensors(x[2]),
    "broadcast_tensors, a mismatch": lambda lib, x: lib.broadcast_tensors(x[1], x[3]),
    "broadcast_shapes": lambda lib, x: [lib.broadcast_shapes((2, 1), (3,)),
                                        lib.broadcast_shapes(2, (3, 1)), lib.broadcast_shapes(),
                                        lib.broadcast_shapes((0, 1), (1, 4))],
    "broadcast_shapes, a mismatch": lambda lib, x: lib.broadcast_shapes((2, 2), (3,)),
    "broadcast_shapes, a later mismatch": lambda lib, x: lib.broadcast_shapes((1, 3), (2, 1),
                                                                              (4, 1)),
    "atleast_1d": lambda lib, x: [lib.atleast_1d(t) for t in x] + [lib.atleast_1d(x[0], x[1])],
    "atleast_2d": lambda lib, x: [lib.atleast_2d(t) for t in x] + [lib.atleast_2d(list(x))],
    "atleast_3d": lambda lib, x: [lib.atleast_3d(t) for t in x],
    "hstack": lambda lib, x: [lib.hstack((x[1], x[1])), lib.hstack([x[2], x[2]]),
                              lib.hstack((x[0], x[1]))],
    "hstack, nothing": lambda lib, x: lib.hstack([]),
    "hstack, mismatched": lambda lib, x: lib.hstack((x[2], x[1])),
    "vstack": lambda lib, x: [lib.vstack((x[1], x[1])), lib.vstack([x[2], x[1]]),
                              lib.vstack((x[0], x[0]))],
    "row_stack": lambda lib, x: lib.row_stack((x[1], x[2])),
    "dstack": lambda lib, x: [lib.dstack((x[1], x[1])), lib.dstack([x[2], x[2]]),
                              lib.dstack((x[3], x[3])), lib.dstack((x[0], x[0]))],
    "column_stack": lambda lib, x: [lib.column_stack((x[1], x[1])),
                                    lib.column_stack((x[2].t(), x[1])),
                                    lib.column_stack((x[0], x[0]))],
    "column_stack, nothing": lambda lib, x: lib.column_stack(()),
    "unflatten": lambda lib, x: [x[2].unflatten(1, (3, 1)), x[2].unflatten(-1, (-1, 3)),
                                 lib.unflatten(x[3], 0, (1, 2)), x[3].unflatten(2, [1, 2, 1])],
    "unflatten, wrong sizes": lambda lib, x: x[2].unflatten(1, (2, 2)),
    "unflatten, no sizes": lambda lib, x: x[2].unflatten(1, ()),
    "unflatten, two unknowns": lambda lib, x: x[2].unflatten(1, (-1, -1)),
    "unflatten, bad dim": lambda lib, x: x[2].unflatten(2, (1, 3)),
    "ravel": lambda lib, x: [x[2].ravel(), x[2].t().ravel(), lib.ravel(x[0]), x[3][:, 1].ravel()],
    "logical": lambda lib, x: [
        getattr(lib, name)(a, b) for name in ("logical_and", "logical_or", "logical_xor")
        for a, b in ((lib.tensor([1, 0, 2]), lib.tensor([True, False, False])),
                     (lib.tensor([0.0, 0.5, float("nan")]), lib.tensor([[0], [3]])),
                     (x[1], x[2]))],
    "logical methods": lambda lib, x: [x[1].logical_and(x[1]), x[2].logical_or(x[1]),
                                       x[1].logical_xor(x[0]), x[2].logical_not(),
                                       lib.logical_not(lib.tensor([0, 3])),
                                       lib.logical_not(lib.tensor([True, False]))],
    "logical with a number": lambda lib, x: lib.logical_and(x[1], 1),
    "logical method with a number": lambda lib, x: x[1].logical_or(0.5),
    "logical, a mismatch": lambda lib, x: lib.logical_xor(x[1], lib.ones(2)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_as_pytorch(case: Callable[[Any, tuple[Any, ...]], Any]) -> None:
    _same(case)
