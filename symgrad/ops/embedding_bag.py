"""``embedding_bag``, which PyTorch records as one node (EmbeddingBagBackward0): the rows of
``weight`` at ``indices``, gathered into bags by ``offsets`` and reduced per bag by their sum
(each row times its ``per_sample_weights`` entry, if given), mean or maximum (per column).

Three ops, as ``nll_loss`` has two: ``embedding_bag`` (sum, mean), ``embedding_bag_max`` and
``embedding_bag_weighted`` (sum with per-sample weights, differentiable in them too). The
indices, offsets and ``padding_idx`` are attributes: a bag holds the indices from its offset
to the next (to the end; ``include_last_offset`` makes the last offset that end), less those
equal to ``padding_idx``. An empty bag gives zeros; a mean divides by the indices kept. Forwards are
computed in float64 and rounded once. NOTE: max sends each column's gradient to the bag's
first row holding the maximum, as PyTorch's kernel (its comparison is strict). PyTorch has no
derivative of either gradient: a second derivative raises its errors (the weight's a
NotImplementedError from its own node), as here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arithmetic import _wide
from symgrad.ops.indexing import index_put
from symgrad.ops.registry import FLOATING, Kink, defop, refuse
from symgrad.tensor import Tensor

__all__ = ["EMBEDDING_BAG", "EMBEDDING_BAG_MAX", "EMBEDDING_BAG_WEIGHTED", "MAX_TIE"]

MAX_TIE = "two rows of a bag of weight tie for a column's maximum"


def _bag_of(count: int, offsets: np.ndarray, include_last_offset: bool,
            padding_idx: int | None, indices: np.ndarray) -> tuple[np.ndarray, int]:
    """The bag of each index (-1 for one left out: ``padding_idx``), and the number of bags.

    Args:
        count: The number of indices.
        offsets: Where each bag starts (non-decreasing, from 0).
        include_last_offset: Whether the last offset ends the last bag instead of starting one.
        padding_idx: A row whose indices no bag holds, or None.
        indices: The indices.

    >>> _bag_of(5, np.array([0, 2, 2]), False, 3, np.array([1, 3, 0, 0, 4]))
    (array([ 0, -1,  2,  2,  2]), 3)
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    bags = len(offsets) - 1 if include_last_offset else len(offsets)
    bags = max(bags, 0)
    bag = np.searchsorted(offsets, np.arange(count), side="right") - 1
    if include_last_offset:
        bag = np.where(np.arange(count) < (offsets[-1] if len(offsets) else 0), bag, -1)
    if padding_idx is not None:
        bag = np.where(indices == padding_idx, -1, bag)
    return bag.astype(np.int64), bags


def _bags(indices: np.ndarray, offsets: np.ndarray, include_last_offset: bool,
          padding_idx: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The positions kept, their rows and bags, and the number of bags."""
    bag, bags = _bag_of(len(indices), offsets, include_last_offset, padding_idx, indices)
    kept = np.nonzero(bag >= 0)[0]
    return kept, indices[kept], bag[kept], bags


def _first_max(x: np.ndarray, rows: np.ndarray, bag: np.ndarray, bags: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bag that holds a row and per column, the row holding the maximum (the first)."""
    bag_ids, cols, chosen = [], [], []
    for b in range(bags):
        mine = rows[bag == b]
        if len(mine):
            first = mine[np.argmax(x[mine], axis=0)]
            bag_ids.append(np.full(x.shape[1], b))
            cols.append(np.arange(x.shape[1]))
            chosen.append(first)
    if not bag_ids:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    return np.concatenate(bag_ids), np.concatenate(cols), np.concatenate(chosen)


def _pooled(weight: np.ndarray, per_sample_weights: np.ndarray | None, indices: np.ndarray,
            offsets: np.ndarray, include_last_offset: bool, padding_idx: int | None,
            mode: str) -> np.ndarray:
    kept, rows, bag, bags = _bags(indices, offsets, include_last_offset,
                                  padding_idx)
    x = weight.astype(np.float64)
    out = np.zeros((bags, x.shape[1]))
    if mode == "max":
        bag_ids, cols, chosen = _first_max(x, rows, bag, bags)
        out[bag_ids, cols] = x[chosen, cols]
        return out.astype(weight.dtype)
    picked = x[rows]
    if per_sample_weights is not None:
        picked = picked * per_sample_weights.astype(np.float64)[kept][:, None]
    np.add.at(out, bag, picked)
    if mode == "mean":
        out = out / np.maximum(np.bincount(bag, minlength=bags), 1)[:, None]
    return out.astype(weight.dtype)


def _embedding_bag(weight: np.ndarray, *, indices: np.ndarray, offsets: np.ndarray,
                   include_last_offset: bool, padding_idx: int | None, mode: str) -> np.ndarray:
    return _pooled(weight, None, indices, offsets, include_last_offset, padding_idx, mode)


def _embedding_bag_weighted(weight: np.ndarray, per_sample_weights: np.ndarray, *,
                            indices: np.ndarray, offsets: np.ndarray, include_last_offset: bool,
                            padding_idx: int | None, mode: str) -> np.ndarray:
    return _pooled(weight, per_sample_weights, indices, offsets, include_last_offset,
                   padding_idx, mode)


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


def _weight_grad(g: Tensor, weight_shape: tuple[int, ...], per_sample_weights: Tensor | None,
                 maxima: np.ndarray | None, *, indices: np.ndarray, offsets: np.ndarray,
                 include_last_offset: bool, padding_idx: int | None, mode: str) -> Tensor:
    """The gradient in ``weight``: each bag's ``g`` sent to its rows (times their weights,
    over the bag's size for a mean); for a max, to the rows ``maxima`` (the table's values)
    chose."""
    kept, rows, bag, bags = _bags(indices, offsets, include_last_offset, padding_idx)
    g = _wide(g)
    zeros = _const(np.zeros(weight_shape, g._data.dtype))
    if maxima is not None:
        bag_ids, cols, chosen = _first_max(maxima, rows, bag, bags)
        return index_put(zeros, g[bag_ids, cols], (chosen, cols), accumulate=True)
    spread = g[bag]
    if per_sample_weights is not None:
        spread = spread * _wide(per_sample_weights)[kept].reshape(-1, 1)
    if mode == "mean":
        counts = np.bincount(bag, minlength=bags).astype(np.float64)
        spread = spread / _const(counts[bag].reshape(-1, 1))
    return index_put(zeros, spread, (rows,), accumulate=True)


# NOTE: the sum's and mean's gradient reads no value of the table (PyTorch's neither: with a
# constant g it is a constant), the max's reads the table to find its maxima.
def _embedding_bag_vjp(g: Tensor, *, indices: np.ndarray, offsets: np.ndarray,
                       include_last_offset: bool, padding_idx: int | None, mode: str,
                       weight_shape: tuple[int, ...]) -> Tensor:
    return _weight_grad(g, weight_shape, None, None, indices=indices, offsets=offsets,
                        include_last_offset=include_last_offset, padding_idx=padding_idx,
                        mode=mode)


def _embedding_bag_max_vjp(g: Tensor, weight: Tensor, *, indices: np.ndarray,
                           offsets: np.ndarray, include_last_offset: bool,
                           padding_idx: int | None, mode: str) -> Tensor:
    return _weight_grad(g, weight.shape, None, weight._data.astype(np.float64),
                        indices=indices, offsets=offsets,
                        include_last_offset=include_last_offset, padding_idx=padding_idx,
                        mode=mode)


def _embedding_bag_weighted_vjp(g: Tensor, weight: Tensor, per_sample_weights: Tensor, *,
                                indices: np.ndarray, offsets: np.ndarray,
                                include_last_offset: bool, padding_idx: int | None,
                                mode: str) -> tuple[Tensor, Tensor]:
    kept, rows, bag, _ = _bags(indices, offsets, include_last_offset,
                               padding_idx)
    # Each index's weight meets its row: the dot product of the row and its bag's gradient.
    dots = (_wide(g)[bag] * _wide(weight)[rows]).sum(dim=1)
    zeros = _const(np.zeros(per_sample_weights.shape, dots._data.dtype))
    d_weight = _weight_grad(g, weight.shape, per_sample_weights, None, indices=indices,
                            offsets=offsets, include_last_offset=include_last_offset,
                            padding_idx=padding_idx, mode=mode)
    return d_weight, index_put(zeros, dots, (kept,))


def _refused(name: str, *_: object, **__: object) -> str:
    kind = "CPUBoolType" if name == "Bool" else f"torch.{name}Tensor"
    return ("Expected tensor for argument #1 'weight' to have one of the following scalar "
            f"types: Half, BFloat16, Float, Double; but got {kind} instead (while checking "
            "arguments for embedding_bag)")


_SECOND_ORDER: dict[str, tuple[str, type[Exception], str]] = {
    "weight": ("the derivative for '_embedding_bag_backward' is not implemented.",
               NotImplementedError, "EmbeddingBagBackwardBackward0")}
_COMMON: dict[str, Any] = dict(
    dtype_rule="same", dtypes=FLOATING, kind="pooling", double_backward=False,
    backward_operator="aten::_embedding_bag_per_sample_weights_backward",
    second_order=_SECOND_ORDER, refuses=refuse(NOT_FLOATING, _refused))

EMBEDDING_BAG = defop(
    "embedding_bag", "EmbeddingBagBackward0", _embedding_bag, vjp=_embedding_bag_vjp,
    **_COMMON)


def _max_ties(weight: np.ndarray, *, indices: np.ndarray, offsets: np.ndarray,
              include_last_offset: bool, padding_idx: int | None, mode: str) -> np.ndarray:
    """The elements of ``weight`` holding a bag column's maximum with another row."""
    _, rows, bag, bags = _bags(indices, offsets, include_last_offset, padding_idx)
    x = np.asarray(weight, dtype=np.float64)
    mask = np.zeros(x.shape, bool)
    for b in range(bags):
        mine = np.unique(rows[bag == b])
        if len(mine) > 1:
            top = x[mine] == x[mine].max(axis=0)
            tied = top & (top.sum(axis=0) > 1)
            mask[mine] |= tied
    return mask


# NOTE: ties of a bag's column go wholly to its first row holding the maximum ("left"),
# as PyTorch's kernel sends them.
EMBEDDING_BAG_MAX = defop(
    "embedding_bag_max", "EmbeddingBagBackward0", _embedding_bag, vjp=_embedding_bag_max_vjp,
    kinks=(Kink("weight", MAX_TIE, _max_ties, "left"),), **_COMMON)
EMBEDDING_BAG_WEIGHTED = defop(
    "embedding_bag_weighted", "EmbeddingBagBackward0", _embedding_bag_weighted,
    vjp=_embedding_bag_weighted_vjp, **_COMMON)
