"""Linear algebra: matrix products and their special cases, ``outer``, ``trace`` and ``@``.

Each product's VJP is itself a product with one operand transposed (``g @ other^T`` and
``self^T @ g``), so gradients of gradients record more products. float16/bfloat16 products
accumulate in float32 and round once, as PyTorch's CPU kernels do. Like PyTorch, products do
not promote: both operands must have the same dtype.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from symgrad import _dtypes, autocast_policy
from symgrad.autocast_policy import autocasts
from symgrad.autograd.grad_mode import _state as _grad_state
from symgrad.ops.elementwise import where
from symgrad.ops.registry import (
    _TORCH_NAMES,
    ALL,
    apply,
    defop,
    each_for_the_other,
    expose,
    not_implemented,
)
from symgrad.tensor import Tensor

NUMERIC = ALL - {_dtypes.bool}
_BOOL = (_dtypes.bool,)
_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})
_BOOL_NP = np.dtype(np.bool_)


def _product(fn: Any) -> Any:
    # The product as NumPy gives it (a scalar for two vectors): ``apply`` makes arrays of
    # results.
    def forward(self: np.ndarray, other: np.ndarray) -> Any:
        if self.dtype in _HALF:
            return np.asarray(fn(self.astype(np.float32), other.astype(np.float32)), self.dtype)
        return fn(self, other)

    return forward


def _mT(t: Tensor) -> Tensor:
    """``t`` with its last two dims swapped, as a product's operand in a VJP. In a backward
    that records nothing only the product reads it: a plain NumPy view, not one tracked for
    in-place writes (which would also list it among the views of a weight, every step)."""
    if _grad_state.enabled:
        return t.transpose(-2, -1)
    return Tensor._make(np.swapaxes(t._data, -2, -1), False, None)


def _mm_array_vjp(g: np.ndarray, self: np.ndarray, other: np.ndarray, *,
                  needs: tuple[bool, bool]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """mm's VJP on arrays: NumPy's products, the transposes as views, as the op's forward
    computes float32/float64 products."""
    return (g @ other.T if needs[0] else None, self.T @ g if needs[1] else None)


def _matmul_vjp(g: Tensor, self: Tensor, other: Tensor, *, needs: tuple[bool, bool]
                ) -> tuple[Tensor | None, Tensor | None]:
    # A 1-D operand acts as a one-row (left) or one-column (right) matrix; the engine then sums
    # the gradient over the broadcast batch dims and that unit dim back to each input's shape.
    # NOTE: half types form the gradient in float32, their accumulator, so that the sum over
    # broadcast batch dims is taken there too and rounded once (each batch's product rounded
    # to float16 first, terms that cancel left one element 88 ULP off).
    if self._data.dtype in _HALF:
        g, self, other = (t.to(_dtypes.float32) for t in (g, self, other))
    a = self.reshape(1, -1) if self.ndim == 1 else self
    b = other.reshape(-1, 1) if other.ndim == 1 else other
    g_shape = tuple(g.shape)
    if self.ndim == 1:
        g_shape = g_shape[:-1] + (1,) + g_shape[-1:] if other.ndim > 1 else g_shape + (1,)
    if other.ndim == 1:
        g_shape = g_shape + (1,)
    g = g.reshape(g_shape)
    grad_self = matmul(g, _mT(b)) if needs[0] else None
    grad_other = matmul(_mT(a), g) if needs[1] else None
    if self.ndim == 1 and grad_self is not None:
        grad_self = grad_self.reshape(tuple(grad_self.shape[:-2]) + (self.shape[0],))
    if other.ndim == 1 and grad_other is not None:
        grad_other = grad_other.reshape(tuple(grad_other.shape[:-1]))
    return grad_self, grad_other


def _matmul_kernel(self: Tensor, other: Tensor) -> str:
    """The kernel PyTorch's matmul folds the operands into (it names it when it refuses)."""
    if other.ndim == 1:
        return "dot" if self.ndim == 1 else "addmv_impl_cpu"
    return "addmm_impl_cpu_" if other.ndim == 2 else "bmm"


_MATMUL_REFUSES = not_implemented(_matmul_kernel, _BOOL)
DOT = defop("dot", "DotBackward0", _product(np.dot),
            vjp=lambda g, self, other: (g * other, g * self), dtypes=NUMERIC, kind="linalg",
            saved_for=each_for_the_other(),
            refuses=not_implemented("dot", _BOOL))
MV = defop("mv", "MvBackward0", _product(np.matmul),
           vjp=lambda g, self, other: (g.reshape(-1, 1) * other, mv(_mT(self), g)),
           dtypes=NUMERIC, kind="linalg", saved_for=each_for_the_other(),
           refuses=not_implemented("addmv_impl_cpu", _BOOL))
MM = defop("mm", "MmBackward0", _product(np.matmul),
           vjp=lambda g, self, other, *, needs: (mm(g, _mT(other)) if needs[0] else None,
                                                 mm(_mT(self), g) if needs[1] else None),
           array_vjp=_mm_array_vjp,
           dtypes=NUMERIC, kind="linalg", saved_for=each_for_the_other(),
           refuses=not_implemented("addmm_impl_cpu_", _BOOL))
BMM = defop("bmm", "BmmBackward0", _product(np.matmul),
            vjp=lambda g, self, other: (bmm(g, _mT(other)), bmm(_mT(self), g)),
            dtypes=NUMERIC, kind="linalg", saved_for=each_for_the_other(),
            refuses=not_implemented("bmm", _BOOL))
# NOTE: PyTorch builds a batched matmul from reshapes and expands around one Mm/Mv/Bmm node;
# here it is one node named as PyTorch's top node: UnsafeViewBackward0 (it reshapes the
# folded product back), CloneBackward0 where PyTorch transposes the product to fold the right
# operand (a matrix, or a single-batch 3-D tensor, times a batch), SqueezeBackward4 for a
# vector times a matrix.
MATMUL = defop("matmul", "UnsafeViewBackward0", _product(np.matmul), vjp=_matmul_vjp,
               dtypes=NUMERIC, kind="linalg", saved_for=each_for_the_other(),
               refuses=_MATMUL_REFUSES)
MATMUL_CLONE = defop("matmul_clone", "CloneBackward0", _product(np.matmul), vjp=_matmul_vjp,
                     dtypes=NUMERIC, kind="linalg", saved_for=each_for_the_other(),
                     refuses=_MATMUL_REFUSES)
# Where the transposed product PyTorch makes is contiguous already (one row or one column, or
# empty), its ``contiguous()`` copies nothing and the top node is the transpose's.
MATMUL_TRANSPOSED = dataclasses.replace(MATMUL_CLONE, grad_fn="TransposeBackward0")
MATMUL_VM = defop("matmul_vm", "SqueezeBackward4", _product(np.matmul), vjp=_matmul_vjp,
                  dtypes=NUMERIC, kind="linalg", saved_for=each_for_the_other(),
                  refuses=_MATMUL_REFUSES)
def _addmm_forward(self: np.ndarray, mat1: np.ndarray, mat2: np.ndarray) -> np.ndarray:
    if mat1.dtype in _HALF:
        wide = np.matmul(mat1.astype(np.float32), mat2.astype(np.float32))
        return (wide + self.astype(np.float32)).astype(mat1.dtype)
    return np.asarray(np.matmul(mat1, mat2) + self)


# addmm adds ``self`` broadcast to the product's shape; its gradient is ``g`` summed back to it.
ADDMM = defop("addmm", "AddmmBackward0", _addmm_forward,
              vjp=lambda g, mat1, mat2, *, needs: (g, mm(g, _mT(mat2)) if needs[1] else None,
                                                   mm(_mT(mat1), g) if needs[2] else None),
              array_vjp=lambda g, mat1, mat2, *, needs: (
                  g, *_mm_array_vjp(g, mat1, mat2, needs=needs[1:])),
              dtypes=NUMERIC, kind="linalg", saved_for=each_for_the_other("mat1", "mat2"),
              refuses=not_implemented("addmm_impl_cpu_", _BOOL))


def _trace_vjp(g: Tensor, *, self_shape: tuple[int, int]) -> Tensor:
    # g on the diagonal and exact zeros elsewhere, as PyTorch's trace_backward: g times an
    # identity matrix spread a NaN or an infinite g as NaN (0 * inf) over every element.
    diagonal = Tensor._make(np.eye(*self_shape, dtype=bool), False, None)
    return where(diagonal, g, Tensor._make(np.zeros((), g._data.dtype), False, None))


TRACE = defop("trace", "TraceBackward0",
              lambda self: np.asarray(np.trace(self, dtype=np.int64 if self.dtype.kind in "biu"
                                               else None)),
              vjp=_trace_vjp, dtype_rule="same", dtypes=NUMERIC, kind="linalg",
              refuses=not_implemented("trace", _BOOL))


# -- checks with PyTorch's messages --------------------------------------------------------------
_C_NAME = _dtypes._CPP_NAMES


def _no_bool(name: str, *ts: Tensor) -> None:
    if any(t.dtype is _dtypes.bool for t in ts):
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


def _same_dtype_mm(self: Tensor, other: Tensor) -> None:
    if self.dtype is not other.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_NAME[self.dtype.name]} != {_C_NAME[other.dtype.name]}")


def _check_mm(self: Tensor, other: Tensor) -> None:
    a, b = self._data, other._data
    if a.ndim == b.ndim == 2 and a.dtype is b.dtype and a.dtype is not _BOOL_NP and (
            a.shape[1] == b.shape[0]):
        return  # the common case, in one test: each check below, in PyTorch's order, passes
    if self.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if other.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    # PyTorch checks the shapes before the dtypes (bool (2, 3) @ bool (2, 3): the shapes' error)
    if self.shape[1] != other.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({self.shape[0]}x{self.shape[1]} and "
            f"{other.shape[0]}x{other.shape[1]})")
    _same_dtype_mm(self, other)
    if _product_of_nothing(self, other) is None:
        _no_bool("addmm_impl_cpu_", self, other)


def _product_of_nothing(self: Tensor, other: Tensor) -> Tensor | None:
    """Bool zeros, the product of two bool matrices PyTorch's addmm kernel returns before its
    dtype check: where the product has no element or sums none (``self`` has no column), as
    ``inner`` of two (2, 0) bool tensors; None otherwise."""
    a, b = self._data, other._data
    if a.dtype is not _BOOL_NP:  # first: a layer's product asks this, every step
        return None
    n, p = a.shape[0], b.shape[1]
    if n * p and a.shape[1]:
        return None
    return Tensor._make(np.zeros((n, p), np.bool_), False, None)


def _bool_product(input: Tensor, other: Tensor, kernel: str) -> Tensor:
    """The product of two bool tensors, whose shapes fit: bool zeros where it has no element
    or sums none, as PyTorch's kernels return before their dtype dispatch; else ``kernel``'s
    NotImplementedError."""
    product = np.matmul(input._data, other._data)
    if np.size(product) and input.shape[-1]:
        _no_bool(kernel, input)
    return Tensor._make(np.zeros(np.shape(product), np.bool_), False, None)


def _check_addmm(input: Tensor, mat1: Tensor, mat2: Tensor) -> None:
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    for name, t in (("self", input), ("mat1", mat1)):
        if t.dtype is not mat2.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{_TORCH_NAMES[t.dtype.name]} and {_TORCH_NAMES[mat2.dtype.name]}")
    _no_bool("addmm_impl_cpu_", mat1, mat2)
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})")
    target = [mat1.shape[0], mat2.shape[1]]
    if input.ndim > 2:
        kind = _TORCH_NAMES[input.dtype.name]
        raise RuntimeError(f"expand(torch.{kind}Tensor{{{list(input.shape)}}}, "
                           f"size={target}): the number of sizes provided (2) must be greater "
                           f"or equal to the number of dimensions in the tensor ({input.ndim})")
    for i, s in enumerate(input.shape):
        d = 2 - input.ndim + i
        if s not in (1, target[d]):
            raise RuntimeError(f"The expanded size of the tensor ({target[d]}) must match the "
                               f"existing size ({s}) at non-singleton dimension {d}.  Target "
                               f"sizes: {target}.  Tensor sizes: {list(input.shape)}")


# -- public functions ----------------------------------------------------------------------------
@expose()
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of the same dtype.

    Args:
        input: A 1-D tensor.
        tensor: A 1-D tensor of the same length and dtype.

    >>> import symgrad
    >>> symgrad.dot(symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.dtype is not tensor.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{_TORCH_NAMES[input.dtype.name]} and "
                           f"{_TORCH_NAMES[tensor.dtype.name]}")
    if input.shape[0] != tensor.shape[0]:
        n, m = input.shape[0], tensor.shape[0]
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    _no_bool("dot", input, tensor)
    return apply(DOT, input, tensor)


@expose()
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """A matrix times a vector.

    Args:
        input: A matrix ``(n, m)``.
        vec: A vector of length ``m``.

    >>> import symgrad
    >>> symgrad.mv(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]), symgrad.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    # PyTorch's addmv checks the sizes, then the dtypes, then refuses bools where it sums.
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    if input.dtype is not vec.dtype:
        k = _TORCH_NAMES[vec.dtype.name]
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{k}, {_TORCH_NAMES[input.dtype.name]}, and {k}")
    if input.dtype is _dtypes.bool:
        return _bool_product(input, vec, "addmv_impl_cpu")
    return apply(MV, input, vec)


@expose(autocast="lower")
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """A matrix times a matrix.

    Args:
        input: A matrix ``(n, m)``.
        mat2: A matrix ``(m, p)``.

    >>> import symgrad
    >>> symgrad.mm(symgrad.tensor([[1.0, 2.0]]), symgrad.tensor([[3.0], [4.0]]))
    tensor([[11.]])
    """
    _check_mm(input, mat2)
    empty = _product_of_nothing(input, mat2)
    return empty if empty is not None else apply(MM, input, mat2)


@expose(autocast="lower")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor) -> Tensor:
    """``input + mat1 @ mat2``, with ``input`` broadcast to the product's shape (``beta`` and
    ``alpha`` are PyTorch's defaults, 1).

    Args:
        input: The term added, broadcastable to ``(n, p)``.
        mat1: A matrix ``(n, m)``.
        mat2: A matrix ``(m, p)``.

    >>> import symgrad
    >>> symgrad.addmm(symgrad.tensor([0.5]), symgrad.tensor([[1.0, 2.0]]),
    ...               symgrad.tensor([[3.0], [4.0]]))
    tensor([[11.5000]])
    """
    _check_addmm(input, mat1, mat2)
    return apply(ADDMM, input, mat1, mat2)


@expose(autocast="lower")
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batches of matrix products: ``(b, n, m) @ (b, m, p)``, without broadcasting.

    Args:
        input: A batch of matrices ``(b, n, m)``.
        mat2: A batch of matrices ``(b, m, p)``.

    >>> import symgrad
    >>> a = symgrad.tensor([[[1.0, 2.0]], [[3.0, 4.0]]])
    >>> symgrad.bmm(a, a.transpose(1, 2))
    tensor([[[ 5.]],
    <BLANKLINE>
            [[25.]]])
    """
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but found "
                           f"{_TORCH_NAMES[mat2.dtype.name]}")
    _no_bool("bmm", input, mat2)
    b, _, m = input.shape
    if tuple(mat2.shape[:2]) != (b, m):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b}, {m}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return apply(BMM, input, mat2)


def _folds(input: Tensor, other: Tensor) -> bool:
    """Whether PyTorch's matmul folds the larger operand into a matrix (one mm or mv) rather
    than broadcasting batches for bmm: its ``should_fold``, strides and all (so its errors are
    the ones PyTorch raises). A smaller operand that requires grad always folds the other."""
    if input._rg and input.ndim == other.ndim == 3 and input.shape[0] == 1 != other.shape[0]:
        return True  # a 3-D input of one batch is squeezed to a matrix, and folds the other
    larger = input.ndim >= other.ndim
    a = input._data if larger else np.swapaxes(other._data, -1, -2)
    if a.ndim < 3 or min(input.ndim, other.ndim) > 2:
        return False
    if (other if larger else input)._rg:
        return True
    if input.ndim == 2:
        return False
    if a.size == 0:
        return True
    return all(a.strides[i] == a.strides[i + 1] * a.shape[i + 1] for i in range(a.ndim - 2))


def _check_matmul_dtypes(input: Tensor, other: Tensor) -> str:
    """PyTorch's error for a batched matmul of two dtypes, after its shapes pass: the error of
    the kernel the product goes to, which is returned (it refuses bools where it sums). A
    vector times a matrix is a one-row mm (``addmm``); a folded product is mm's or, times a
    vector, mv's (``addmv``), on the operands swapped where the right one is the larger
    (``other.mT @ input.mT``); else bmm's, which refuses a bool left operand before it
    compares the dtypes."""
    if input.ndim == 1 and other.ndim == 2:
        a, b = input, other
    elif _folds(input, other):
        a, b = (input, other) if input.ndim > other.ndim else (other, input)
        if b.ndim == 1:
            if a.dtype is not b.dtype:
                vec, mat = _TORCH_NAMES[b.dtype.name], _TORCH_NAMES[a.dtype.name]
                raise RuntimeError("addmv input tensors must have the same dtype, but got "
                                   f"{vec}, {mat}, and {vec}")
            return "addmv_impl_cpu"
    else:
        if input.dtype is not other.dtype:
            _no_bool("bmm", input)
            raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but "
                               f"found {_TORCH_NAMES[other.dtype.name]}")
        return "bmm"
    _same_dtype_mm(a, b)
    return "addmm_impl_cpu_"


def _check_matmul_shapes(input: Tensor, other: Tensor) -> None:
    """PyTorch's error for shapes a batched matmul cannot multiply: the mm's or mv's (a vector
    times a matrix is a one-row mm), else the batch dims' broadcast, else bmm's."""
    k_in = input.shape[-1]
    k_other = other.shape[-2] if other.ndim > 1 else other.shape[0]
    folds = _folds(input, other)
    if folds and (input.ndim < other.ndim or input.ndim == other.ndim):
        # The right operand folded, transposed: the product is other.mT @ input.mT (a 3-D
        # input of one batch squeezed first).
        _check_folded(tuple(other.shape[:-2]) + (other.shape[-1], other.shape[-2]),
                      tuple(input.shape[-2:][::-1]))
    elif folds or (input.ndim == 1 and other.ndim == 2):
        _check_folded(tuple(input.shape), tuple(other.shape))
    else:
        _check_batches(input, other, k_in, k_other)


def _check_folded(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """mm's or mv's error for a matmul that folds ``a`` (a shape) into a matrix times ``b``."""
    k_a = a[-1]
    k_b = b[-2] if len(b) > 1 else b[0]
    if k_a == k_b:
        return
    rows = math.prod(a[:-1])
    if len(b) == 1:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k_a}), vec ({k_b})")
    raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and "
                       f"{k_b}x{b[-1]})")


def _check_batches(input: Tensor, other: Tensor, k_in: int, k_other: int) -> None:
    """The batch dims' broadcast error, else bmm's, for a matmul that does not fold."""
    batch_in, batch_other = tuple(input.shape[:-2]), tuple(other.shape[:-2])
    ndim = max(len(batch_in), len(batch_other))
    padded_in = (1,) * (ndim - len(batch_in)) + batch_in
    padded_other = (1,) * (ndim - len(batch_other)) + batch_other
    for i in range(ndim - 1, -1, -1):
        a, b = padded_in[i], padded_other[i]
        if a != b and a != 1 and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b "
                               f"({b}) at non-singleton dimension {i}")
    if k_in != k_other:
        batch = math.prod(max(a, b) if min(a, b) else 0
                          for a, b in zip(padded_in, padded_other, strict=True))
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {k_in}] but got: [{batch}, {k_other}].")


@expose(autocast="lower")
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product with PyTorch's cases: dot (1-D, 1-D), mv (2-D, 1-D), mm (2-D, 2-D),
    and batches broadcast over the leading dims (a 1-D operand gains a unit dim, then loses it).

    Args:
        input: A tensor of at least 1 dim.
        other: A tensor of at least 1 dim whose matrix dims fit ``input``'s.

    >>> import symgrad
    >>> a = symgrad.tensor([[[1.0, 2.0, 3.0]]] * 5, requires_grad=True)
    >>> (a @ symgrad.tensor([[1.0], [1.0], [1.0]])).shape
    symgrad.Size([5, 1, 1])
    >>> (symgrad.tensor([1.0, 2.0]) @ symgrad.tensor([[1.0], [1.0]]))
    tensor([3.])
    """
    ndim, other_ndim = input._data.ndim, other._data.ndim
    if ndim == 2 and other_ndim == 2:  # a layer's product, first: mm without its wrapper
        _check_mm(input, other)
        empty = _product_of_nothing(input, other)
        return empty if empty is not None else apply(MM, input, other)
    if ndim == 0 or other_ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{ndim}D and {other_ndim}D")
    if ndim == 1 and other_ndim == 1:
        return dot(input, other)
    if ndim == 2 and other_ndim == 1:
        return mv(input, other)
    # The shapes first, then the kernel the product folds into refuses two dtypes or bools
    # (PyTorch's bmm, addmv or addmm): ``(2, 1, 3) @ (2, 1, 3)`` of bools is a size error there.
    _check_matmul_shapes(input, other)
    kernel = _check_matmul_dtypes(input, other)
    if input.dtype is _dtypes.bool:
        return _bool_product(input, other, kernel)
    if input.ndim == 1 and other.ndim == 2:
        op = MATMUL_VM
    elif other.ndim >= 3 and input._rg and (input.ndim == 2 or (
            input.ndim == other.ndim == 3 and input.shape[0] == 1 != other.shape[0])):
        op = _folded_right(input, other)
    else:
        op = MATMUL
    return apply(op, input, other)


def _folded_right(input: Tensor, other: Tensor) -> Any:
    """The node of PyTorch's matmul where it folds ``other``'s batch into a matrix: for a
    matrix ``input`` that requires grad (``should_fold``; a 3-D one of one batch squeezed to
    it, where the batches differ) it multiplies ``other.mT`` by ``input.t()`` and returns the
    product's ``mT().contiguous()``: a copy (CloneBackward0), unless that transpose is
    contiguous already (one row, one column, or no elements: TransposeBackward0)."""
    shape = other._data.shape
    if input._data.shape[-2] <= 1 or shape[-1] <= 1 or 0 in shape[:-2]:
        return MATMUL_TRANSPOSED
    return MATMUL_CLONE


@expose()
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors: ``input[i] * vec2[j]``, recorded as PyTorch records it
    (a view of ``input`` as a column, then MulBackward0).

    Args:
        input: A vector.
        vec2: A vector.

    >>> import symgrad
    >>> symgrad.outer(symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    if input.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return input.reshape(-1, 1) * vec2


@expose(autocast="fp32")
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's diagonal; integer traces give int64.

    Args:
        input: A matrix (2-D).

    >>> import symgrad
    >>> symgrad.trace(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    if input.dtype is _dtypes.bool:  # refused before the shape is checked, as PyTorch does
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return apply(TRACE, input)




# ``@``: the published matmul's autocast, tested here first, where a wrapper's call would cost
# every product of a small graph.
_AUTOCAST_ON = autocast_policy.ENABLED
_cast_matmul = autocasts("lower")(lambda a, b: matmul(a, b))


def _matmul_operator(self: Tensor, other: Any) -> Any:
    # Not a tensor: Python raises its TypeError naming both types, as for PyTorch's tensors.
    if not isinstance(other, Tensor):
        return NotImplemented
    return _cast_matmul(self, other) if _AUTOCAST_ON.get("cpu") else matmul(self, other)


def _rmatmul_operator(self: Tensor, other: Any) -> Any:
    if not isinstance(other, Tensor):
        return NotImplemented
    return _cast_matmul(other, self) if _AUTOCAST_ON.get("cpu") else matmul(other, self)


Tensor.__matmul__ = _matmul_operator  # type: ignore[attr-defined]
Tensor.__rmatmul__ = _rmatmul_operator  # type: ignore[attr-defined]
