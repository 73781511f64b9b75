"""``embedding_bag`` of ``torch.nn.functional``: PyTorch's checks, in its order and with its
messages, then one op (``symgrad/ops/embedding_bag.py``).

>>> import symgrad
>>> table = symgrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
>>> symgrad.nn.functional.embedding_bag(symgrad.tensor([0, 2, 1]), table, symgrad.tensor([0, 2]))
tensor([[3., 4.],
        [3., 4.]])
"""

from __future__ import annotations

import warnings

import numpy as np

import symgrad
from symgrad._dtypes import _TORCH_NAMES
from symgrad.ops import embedding_bag as bag_ops
from symgrad.ops.registry import apply
from symgrad.tensor import Tensor

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")
_INDEX_DTYPES = ("int64", "int32")


def _type_name(t: Tensor) -> str:
    # PyTorch's names of its legacy tensor types, as its messages give them.
    return f"torch.{_TORCH_NAMES[t.dtype.name]}Tensor"


def _shapes(input: Tensor, weight: Tensor, offsets: Tensor | None,
            per_sample_weights: Tensor | None, include_last_offset: bool
            ) -> tuple[np.ndarray, np.ndarray | None, Tensor | None, bool]:
    """PyTorch's Python checks of the shapes: the flat indices, the offsets, the per-sample
    weights flattened as the indices, and ``include_last_offset``."""
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape!r}) "
                         "is not None, then it must have the same shape as the input "
                         f"({input.shape!r})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        if input.shape[1] == 0:
            raise RuntimeError("step must be nonzero")
        starts = np.arange(0, input.numel(), input.shape[1], dtype=np.int64)
        flat = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
        return input._data.reshape(-1), starts, flat, False
    if input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        return input._data, None, per_sample_weights, include_last_offset
    raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                     f"{input.dim()}")


def _check_offsets(offsets: np.ndarray, count: int, include_last_offset: bool) -> None:
    """PyTorch's checks of the offsets, in its order and with its messages."""
    if include_last_offset and not len(offsets):
        raise RuntimeError("include_last_offset: number of offset should be at least 1")
    if not len(offsets):
        return
    if offsets[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {offsets[0]}\n"
                           "[ torch.LongTensor{} ]")
    if offsets[-1] > count:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {count} but "
                           f"got offsets[-1] of {offsets[-1]}")
    if include_last_offset and offsets[-1] < count:
        # NOTE: PyTorch documents the last offset as the input's size (CSR); below it, its
        # kernels disagree (float32's sum stops there, float64's and the max read on to the
        # end, the mean divides by the indices to the end): refused with its own message.
        raise RuntimeError("Your input appears to be incorrect: the last offset value should "
                           "be the size of the indices tensor, but it seems not to be the "
                           "case.")
    if (offsets < 0).any():
        raise IndexError("index out of range in self")
    if (np.diff(offsets) < 0).any():
        if include_last_offset:
            raise RuntimeError("Your input appears to be incorrect: the last offset value "
                               "should be the size of the indices tensor, but it seems not to "
                               "be the case.")
        raise RuntimeError("Expected i < index_size to be true, but got false.  (Could this "
                           "error message be improved?  If so, please report an enhancement "
                           "request to PyTorch.)")


def _check_index_dtypes(input: Tensor, offsets: Tensor | None) -> None:
    """PyTorch's checks of the indices' and offsets' dtypes: integers, one of them (the
    offsets of a 2-d input are of its dtype) int64 or int32; its message names the indices
    (a floating offsets' own type)."""
    for t in (input, offsets):
        if t is not None and t.is_floating_point():
            bad = t
            break
    else:
        kinds = {input.dtype.name} | ({offsets.dtype.name} if offsets is not None else set())
        if kinds & set(_INDEX_DTYPES):
            return
        bad = input
    raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                       f"scalar types: Long, Int; but got {_type_name(bad)} instead (while "
                       "checking arguments for embedding_bag)")


def _kernel_checks(input: Tensor, weight: Tensor, offsets: Tensor | None,
                   per_sample_weights: Tensor | None, indices: np.ndarray,
                   starts: np.ndarray | None, include_last_offset: bool,
                   padding_idx: int | None) -> tuple[np.ndarray, np.ndarray, int | None]:
    """PyTorch's kernel's checks, in its order: the dtypes, ``padding_idx`` (made
    non-negative), the offsets and the indices' range; the flat indices and offsets."""
    _check_index_dtypes(input, offsets)
    if weight.is_floating_point() and per_sample_weights is not None and (
            per_sample_weights.dtype is not weight.dtype):
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for "
            f"argument #1 'per_sample_weights'; but type {_type_name(weight)} does not equal "
            f"{_type_name(per_sample_weights)} (while checking arguments for embedding_bag)")
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{rows} "
                               f"through {rows - 1}, but got {padding_idx}")
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    if starts is None:
        starts = np.asarray(offsets._data, dtype=np.int64)
    _check_offsets(starts, len(indices), include_last_offset)
    bad = np.nonzero((indices < 0) | (indices >= rows))[0]
    if len(bad):
        raise RuntimeError(f"Index {bad[0]} of input takes value {indices[bad[0]]} which is not "
                           f"in the valid range [0, {rows})")
    return indices, starts, padding_idx


def _refuse_unsupported(max_norm: float | None, scale_grad_by_freq: bool, sparse: bool) -> None:
    """A clear refusal of what symgrad's embedding_bag does not do, as ``embedding``'s."""
    if scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq=True is not supported")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse=True (sparse gradients) is not "
                                  "supported")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Bags of rows of ``weight`` reduced per bag, without the intermediate embeddings: one
    node (EmbeddingBagBackward0), its gradient reaching ``weight`` and
    ``per_sample_weights``. An empty bag gives zeros; indices equal to ``padding_idx`` are
    left out of their bags (nor counted in a mean); ``"max"`` sends each column's gradient to
    the bag's first row holding its maximum, as PyTorch.

    Args:
        input: int64 or int32 indices into the rows of ``weight``: ``(B, N)`` for ``B`` bags of
            ``N``, or ``(n,)`` cut into bags by ``offsets``.
        weight: The table, ``(num_embeddings, embedding_dim)``, floating.
        offsets: With a 1-D ``input``, where each bag starts (from 0, non-decreasing); None
            (required) with a 2-D one. Defaults to None.
        max_norm: If given, each row ``input`` looks up whose ``norm_type``-norm exceeds it
            is first scaled down to it IN PLACE in ``weight``, under ``no_grad``
            (``symgrad.embedding_renorm_``), as PyTorch does. Defaults to None.
        norm_type: The p of the p-norm ``max_norm`` uses. Defaults to 2.
        scale_grad_by_freq: Only False is supported. Defaults to False.
        mode: ``"sum"``, ``"mean"`` or ``"max"`` (per column). Defaults to ``"mean"``.
        sparse: Only False (a dense gradient) is supported. Defaults to False.
        per_sample_weights: A weight per index, of ``input``'s shape and ``weight``'s dtype,
            multiplying its row in the sum (``mode="sum"`` only). Defaults to None.
        include_last_offset: Whether ``offsets`` ends with the end of the last bag, the
            input's size (so ``len(offsets) - 1`` bags). Defaults to False.
        padding_idx: A row (negative: from the end) whose indices no bag holds. Defaults to
            None.

    >>> import symgrad
    >>> table = symgrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    >>> out = embedding_bag(symgrad.tensor([[0, 2], [1, 1]]), table, mode="max"); out
    tensor([[5., 6.],
            [3., 4.]], grad_fn=<EmbeddingBagBackward0>)
    >>> out.sum().backward(); table.grad
    tensor([[0., 0.],
            [1., 1.],
            [1., 1.]])
    """
    if weight.dtype is symgrad.int64 and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    indices, starts, per_sample_weights, include_last_offset = _shapes(
        input, weight, offsets, per_sample_weights, include_last_offset)
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    _refuse_unsupported(max_norm, scale_grad_by_freq, sparse)
    if max_norm is not None:  # after the shape and mode checks, as PyTorch's Python does
        with symgrad.no_grad():
            symgrad.embedding_renorm_(weight, input.reshape(-1), max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    indices, starts, padding_idx = _kernel_checks(input, weight, offsets, per_sample_weights,
                                                  indices, starts, include_last_offset,
                                                  padding_idx)
    attrs = {"indices": indices, "offsets": starts, "padding_idx": padding_idx, "mode": mode,
             "include_last_offset": bool(include_last_offset)}
    if per_sample_weights is None:
        op = bag_ops.EMBEDDING_BAG_MAX if mode == "max" else bag_ops.EMBEDDING_BAG
        return apply(op, weight, **attrs)
    return apply(bag_ops.EMBEDDING_BAG_WEIGHTED, weight, per_sample_weights, **attrs)
