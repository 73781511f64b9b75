"""``embedding_renorm_``: the rows of an embedding table that indices look up, scaled in place
so that none has a ``norm_type``-norm above ``max_norm`` (``torch.embedding_renorm_``, what
``embedding(max_norm=)`` runs under ``no_grad`` before it looks up).

PyTorch's CPU kernel walks the distinct indices in ascending order; each row's norm is computed
in the table's dtype and read as a double, and a row whose norm exceeds ``max_norm`` is
multiplied by ``max_norm / (norm + 1e-7)`` (that factor rounded to the table's dtype, the
product formed in its opmath type, float32 for float16 and bfloat16). An index out of range
raises ``select``'s IndexError when the walk reaches it, the rows before it already written.
The table's version moves once per call. Recorded (grad mode on, a table with a graph), the
op has no derivative: its node (``EmbeddingRenormBackward0``) raises in backward, as
PyTorch's does.
"""

from __future__ import annotations

import numpy as np

from symgrad import _dtypes
from symgrad.autograd import grad_mode
from symgrad.ops import inplace as _inplace
from symgrad.ops.counting import _no_derivative, _recorded
from symgrad.ops.reductions import _norm_forward
from symgrad.ops.registry import _TORCH_NAMES, expose
from symgrad.tensor import Tensor

__all__ = ["embedding_renorm_"]

_EPS = 1e-7
_HALVES = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})
_NODE = _no_derivative("EmbeddingRenormBackward0", "embedding_renorm")


def _check(self: Tensor, indices: Tensor) -> None:
    """PyTorch's argument checks, in its order: the table's rank, then the indices' dtype."""
    if self.ndim != 2:
        raise RuntimeError(f"Expected 2-dimensional tensor, but got {self.ndim}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "embedding_renorm_)")
    if indices.dtype.name not in ("int64", "int32"):
        raise RuntimeError("Expected tensor for argument #2 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"symgrad.{_TORCH_NAMES[indices.dtype.name]}Tensor instead (while "
                           "checking arguments for embedding_renorm_)")
    if not (self.dtype.is_floating_point or self.dtype.is_complex):
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {_TORCH_NAMES[self.dtype.name]} instead.")


def _scale_row(row: np.ndarray, max_norm: float, norm_type: float) -> np.ndarray | None:
    """The row scaled down to ``max_norm``, or None where its norm does not exceed it."""
    norm = float(_norm_forward(row.astype(np.float64), p=norm_type, dim=None,
                               keepdim=False).astype(row.dtype))
    if not norm > max_norm:
        return None
    # The factor is rounded to the table's dtype (PyTorch's ``row *= scale`` casts its
    # Scalar so: a float16 factor rounded to float32 instead differed in 2 of 4 rows), then
    # multiplied in the opmath type (float32 for float16 and bfloat16) and rounded once.
    opmath = np.dtype(np.float32) if row.dtype in _HALVES else row.dtype
    scale = np.asarray(max_norm / (norm + _EPS), dtype=row.dtype).astype(opmath)
    return (row.astype(opmath) * scale).astype(row.dtype)


def _renormed(data: np.ndarray, indices: np.ndarray, max_norm: float,
              norm_type: float) -> tuple[np.ndarray, IndexError | None]:
    """The table with its looked-up rows renormalised, and the error the walk stopped at."""
    out = data.copy()
    rows = data.shape[0]
    for index in np.unique(indices.astype(np.int64)):
        if not -rows <= index < rows:
            return out, IndexError(f"select(): index {index} out of range for tensor of size "
                                   f"{list(data.shape)} at dimension 0")
        scaled = _scale_row(out[index], max_norm, norm_type)
        if scaled is not None:
            out[index] = scaled
    return out, None


@expose(method=False)
def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float,
                      norm_type: float) -> Tensor:
    """Scale in place each row of ``input`` that ``indices`` looks up whose ``norm_type``-norm
    exceeds ``max_norm``, by ``max_norm / (norm + 1e-7)``; return ``input``.

    Args:
        input: The table, ``(num_embeddings, embedding_dim)``, floating.
        indices: int64 or int32 row indices (negative count from the end), any shape.
        max_norm: The largest norm a looked-up row keeps.
        norm_type: The p of the p-norm (0, inf and negative p as ``vector_norm``).

    >>> import symgrad
    >>> table = symgrad.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    >>> symgrad.embedding_renorm_(table, symgrad.tensor([0, 1, 0]), 1.0, 2.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000],
            [6.0000, 8.0000]])
    >>> table._version
    1
    """
    # PyTorch's autograd layer refuses a leaf that requires grad before the kernel checks.
    _inplace.refuse_write(input, grad_mode._state.enabled)
    _check(input, indices)
    data, error = _renormed(input._data, np.asarray(indices._data), float(max_norm),
                            float(norm_type))
    if error is not None:
        # PyTorch's kernel raises part way, the rows before the bad index already written and
        # the version not moved (it moves after the kernel returns).
        input._data[...] = data
        raise error
    return _inplace.rewrite(
        input, lambda old: _recorded(Tensor._make(data, False, None), old, _NODE))
