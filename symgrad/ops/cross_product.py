"""The cross product of 3-vectors along a dim: ``cross`` (``torch.cross``, ``linalg.cross``).

One LinalgCrossBackward0 node, as PyTorch records it. Its VJP is two cross products (``other x
g`` for ``self``, ``g x self`` for ``other``), so gradients of gradients record more of them.
Integers compute as PyTorch's do (wrapping); float16 and bfloat16 form each component
``a_i b_j - a_j b_i`` in float32, PyTorch's accumulator, and round once.
"""

from __future__ import annotations

import warnings

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import (
    _TORCH_NAMES,
    ALL,
    apply,
    broadcast_shapes,
    defop,
    expose,
    not_implemented,
)
from symgrad.tensor import Tensor

__all__ = ["cross"]

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})


def _cross_forward(self: np.ndarray, other: np.ndarray, *, dim: int) -> np.ndarray:
    """``self x other`` along ``dim`` (of size 3), the other dims broadcast."""
    if self.dtype in _HALF:
        out = np.cross(self.astype(np.float32), other.astype(np.float32), axis=dim)
        return out.astype(self.dtype)
    return np.cross(self, other, axis=dim)


CROSS = defop("cross", "LinalgCrossBackward0", _cross_forward,
              vjp=lambda g, self, other, *, dim: (apply(CROSS, other, g, dim=dim),
                                                  apply(CROSS, g, self, dim=dim)),
              dtype_rule="same", dtypes=ALL - {_dtypes.bool}, kind="linalg",
              refuses=not_implemented("cross", (_dtypes.bool,)))


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of the 3-vectors of ``input`` and ``other`` along ``dim``, as
    ``torch.linalg.cross`` (``symgrad.linalg.cross``): ``symgrad.cross`` with the last dim by
    default.

    Args:
        input: The first vectors.
        other: The second vectors, of ``input``'s dtype and number of dims.
        dim: The dim of size 3 holding the vectors. Defaults to -1.

    >>> import symgrad
    >>> symgrad.linalg.cross(symgrad.tensor([[0.0, 0.0, 1.0]]), symgrad.tensor([[1.0, 0.0, 0.0]]))
    tensor([[0., 1., 0.]])
    """
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.ndim == 0:  # ATen reads input.size(dim) before wrapping it
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -input.ndim <= dim < max(input.ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.ndim}, "
                         f"{input.ndim - 1}], but got {dim})")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    broadcast_shapes(tuple(input.shape), tuple(other.shape))  # PyTorch's error, not NumPy's
    if input.dtype is _dtypes.bool:
        # ATen's kernel dispatches on input's dtype before it reads other's data as that dtype.
        raise NotImplementedError('"cross" not implemented for \'Bool\'')
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but found "
                           f"{_TORCH_NAMES[other.dtype.name]}")
    return apply(CROSS, input, other, dim=dim % input.ndim)


@expose()
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of the 3-vectors of ``input`` and ``other`` along ``dim``, the other
    dims broadcast (both must have as many dims), as ``torch.cross``: one LinalgCrossBackward0
    node. Without ``dim``, PyTorch's deprecated choice: the first dim of size 3, with its
    warning (``symgrad.linalg.cross`` takes the last dim).

    Args:
        input: The first vectors.
        other: The second vectors, of ``input``'s dtype.
        dim: The dim of size 3 holding the vectors. Defaults to None (see above).

    >>> import symgrad
    >>> symgrad.cross(symgrad.tensor([1.0, 0.0, 0.0]), symgrad.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    """
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in "
                      "a future release.", UserWarning, stacklevel=2)
        # The first dim of size 3 of ``input`` alone, as PyTorch's ``_default_cross_dim``.
        dim = next((d for d, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)
