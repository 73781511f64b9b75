"""More of PyTorch's products: ``addmv``, ``addr``, ``baddbmm``, ``addbmm`` (each
``beta * input + alpha * product``; ``beta=0`` ignores ``input``, NaN and inf included, as
PyTorch documents), ``vdot``, and the compositions ``ger``, ``inner``, ``chain_matmul``,
``cartesian_prod`` and ``combinations``.

The four ``add*`` products and ``vdot`` are nodes of their own in PyTorch (``AddmvBackward0``,
...): each is declared once with ``defop``, its VJP in symgrad ops (products again, so
``create_graph=True`` works to any order), and the judge gives it its own meaning
(``oracle/semantics/products.py``). Floats are computed in float64 and rounded once to the
dtype; integers exactly, ``alpha`` and ``beta`` then being integers as PyTorch requires.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.arguments import caller_level
from symgrad.ops.linalg import bmm, mm, mv
from symgrad.ops.registry import ALL, apply, defop, each_for_the_other, expose, not_implemented
from symgrad.tensor import Tensor

__all__ = ["addmv", "addr", "baddbmm", "addbmm", "vdot", "ger", "inner", "chain_matmul",
           "cartesian_prod", "combinations"]

_NUMERIC = ALL - {_dtypes.bool}
_BOOL = (_dtypes.bool,)


def _floating(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or a.dtype == _dtypes.bfloat16.np


def _combine(self: np.ndarray, product: Any, beta: Any, alpha: Any,
             integral_floats: bool = True) -> np.ndarray:
    """``beta * self + alpha * product`` (``self`` dropped when ``beta`` is 0); integers in
    their dtype, ``alpha`` and ``beta`` cast to it as PyTorch casts a fill value (``addr``
    refuses a float one instead: ``integral_floats=False``)."""
    if not _floating(self) and not _floating(product):
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, float) and not integral_floats:
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                                   "floating point number.")
        dt = np.result_type(self.dtype, product.dtype)
        product = np.asarray(product).astype(dt)
        self = self.astype(dt)
        beta, alpha = _dtypes.scalar_as(beta, dt), _dtypes.scalar_as(alpha, dt)
    scaled = product * alpha if alpha != 1 else product
    if beta == 0:
        return np.broadcast_to(scaled, np.broadcast_shapes(scaled.shape, self.shape)).copy()
    return (self * beta if beta != 1 else self) + scaled


def _wide(*arrays: np.ndarray) -> list[np.ndarray]:
    return [a.astype(np.float64) if _floating(a) else a for a in arrays]


def _addmv(self: np.ndarray, mat: np.ndarray, vec: np.ndarray, *, beta: Any,
           alpha: Any) -> np.ndarray:
    s, m, v = _wide(self, mat, vec)
    return _combine(s, m @ v, beta, alpha)


def _addr(self: np.ndarray, vec1: np.ndarray, vec2: np.ndarray, *, beta: Any,
          alpha: Any) -> np.ndarray:
    s, a, b = _wide(self, vec1, vec2)
    return _combine(s, np.multiply.outer(a, b), beta, alpha, integral_floats=False)


def _baddbmm(self: np.ndarray, batch1: np.ndarray, batch2: np.ndarray, *, beta: Any,
             alpha: Any) -> np.ndarray:
    s, a, b = _wide(self, batch1, batch2)
    return _combine(s, np.matmul(a, b), beta, alpha)


def _addbmm(self: np.ndarray, batch1: np.ndarray, batch2: np.ndarray, *, beta: Any,
            alpha: Any) -> np.ndarray:
    s, a, b = _wide(self, batch1, batch2)
    return _combine(s, np.matmul(a, b).sum(axis=0, dtype=np.matmul(a[:0], b[:0]).dtype),
                    beta, alpha)


def _times(t: Tensor, k: Any) -> Tensor:
    return t if k == 1 else t * k


def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


ADDMV = defop(
    "addmv", "AddmvBackward0", _addmv,
    vjp=lambda g, mat, vec, *, beta, alpha, needs: (
        _times(g, beta) if needs[0] else None,
        _times(g.reshape(-1, 1) * vec, alpha) if needs[1] else None,
        _times(mv(_mT(mat), g), alpha) if needs[2] else None),
    dtypes=_NUMERIC, kind="linalg", saved_for=each_for_the_other("mat", "vec"),
    refuses=not_implemented("addmv_impl_cpu", _BOOL))
ADDR = defop(
    "addr", "AddrBackward0", _addr,
    vjp=lambda g, vec1, vec2, *, beta, alpha, needs: (
        _times(g, beta) if needs[0] else None,
        _times(mv(g, vec2), alpha) if needs[1] else None,
        _times(mv(_mT(g), vec1), alpha) if needs[2] else None),
    dtypes=ALL, kind="linalg", saved_for=each_for_the_other("vec1", "vec2"))
BADDBMM = defop(
    "baddbmm", "BaddbmmBackward0", _baddbmm,
    vjp=lambda g, batch1, batch2, *, beta, alpha, needs: (
        _times(g, beta) if needs[0] else None,
        _times(bmm(g, _mT(batch2)), alpha) if needs[1] else None,
        _times(bmm(_mT(batch1), g), alpha) if needs[2] else None),
    dtypes=_NUMERIC, kind="linalg", saved_for=each_for_the_other("batch1", "batch2"),
    refuses=not_implemented("baddbmm", _BOOL))
ADDBMM = defop(
    "addbmm", "AddbmmBackward0", _addbmm,
    vjp=lambda g, batch1, batch2, *, beta, alpha, needs: (
        _times(g, beta) if needs[0] else None,
        _times(bmm(g.expand(batch1.shape[0], -1, -1), _mT(batch2)), alpha)
        if needs[1] else None,
        _times(bmm(_mT(batch1), g.expand(batch1.shape[0], -1, -1)), alpha)
        if needs[2] else None),
    dtypes=_NUMERIC, kind="linalg", saved_for=each_for_the_other("batch1", "batch2"),
    refuses=not_implemented("addmm_impl_cpu_", _BOOL))
VDOT = defop(
    "vdot", "VdotBackward0",
    lambda self, other: np.asarray(np.dot(*_wide(self, other))),
    vjp=lambda g, self, other, *, needs: (g * other if needs[0] else None,
                                          g * self if needs[1] else None),
    dtypes=_NUMERIC, kind="linalg", refuses=not_implemented("dot", _BOOL),
    saved_for=each_for_the_other())


def _tensors(items: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """The tensors given separately or as one list, or PyTorch's parser error."""
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = tuple(items[0])
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return items


def _torch_name(t: Tensor) -> str:
    return _dtypes._TORCH_NAMES[t.dtype.name]


def _same_dtypes(*tensors: Tensor) -> None:
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype is not first.dtype:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{_dtypes._CPP_NAMES.get(first.dtype.name, first.dtype.name)} "
                               f"!= {_dtypes._CPP_NAMES.get(t.dtype.name, t.dtype.name)}")


def _broadcasts(input: Tensor, shape: tuple[int, ...], name: str) -> None:
    try:
        if np.broadcast_shapes(tuple(input.shape), shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the "
                           f"existing size ({input.shape[-1]}) at non-singleton dimension "
                           f"{len(shape) - 1}.  Target sizes: {list(shape)}.  Tensor sizes: "
                           f"{list(input.shape)}") from None


@expose()
def addmv(input: Tensor, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``, ``input`` broadcast to the product's shape.

    Args:
        input: The vector added (broadcastable to ``(n,)``); ignored when ``beta`` is 0.
        mat: A matrix ``(n, m)``.
        vec: A vector ``(m,)``.
        beta: The factor of ``input``. Defaults to 1.
        alpha: The factor of the product. Defaults to 1.

    >>> import symgrad
    >>> symgrad.addmv(symgrad.tensor([1.0, 1.0]), symgrad.eye(2), symgrad.tensor([2.0, 3.0]),
    ...               beta=0.5, alpha=2)
    tensor([4.5000, 6.5000])
    """
    from symgrad.ops.shape_more import _need

    _need("addmv", mat=(2, mat), vec=(3, vec))
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    fits = input.ndim <= 1 and (input.numel() == 1 or input.shape[0] == mat.shape[0])
    if mat.shape[1] != vec.shape[0] or not fits:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), "
                           f"mat ({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    if not input.dtype is mat.dtype is vec.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_torch_name(input)}, {_torch_name(mat)}, and {_torch_name(vec)}")
    return apply(ADDMV, input, mat, vec, beta=beta, alpha=alpha)


@expose()
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``, ``input`` broadcast to ``(n, m)``.

    Args:
        input: The matrix added (broadcastable to ``(n, m)``); ignored when ``beta`` is 0.
        vec1: A vector ``(n,)``.
        vec2: A vector ``(m,)``.
        beta: The factor of ``input``. Defaults to 1.
        alpha: The factor of the outer product. Defaults to 1.

    >>> import symgrad
    >>> symgrad.addr(symgrad.zeros(2, 2), symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    if vec1.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    _broadcasts(input, (vec1.shape[0], vec2.shape[0]), "addr")
    return apply(ADDR, input, vec1, vec2, beta=beta, alpha=alpha)


def _batches(name: str, batch1: Any, batch2: Any) -> None:
    from symgrad.ops.shape_more import _need

    _need(name, batch1=(2, batch1), batch2=(3, batch2))
    if batch1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{batch1.shape[0]} and {batch2.shape[0]}")
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x"
                           f"{batch1.shape[2]} and {batch2.shape[1]}x{batch2.shape[2]})")


@expose(autocast="lower")
def baddbmm(input: Tensor, batch1: Any, batch2: Any, *, beta: Any = 1,
            alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, ``input`` broadcast to ``(b, n, p)``.

    Args:
        input: The tensor added; ignored when ``beta`` is 0.
        batch1: Matrices ``(b, n, m)``.
        batch2: Matrices ``(b, m, p)``.
        beta: The factor of ``input``. Defaults to 1.
        alpha: The factor of the products. Defaults to 1.

    >>> import symgrad
    >>> symgrad.baddbmm(symgrad.ones(1), symgrad.ones(2, 1, 3), symgrad.ones(2, 3, 1), alpha=2)
    tensor([[[7.]],
    <BLANKLINE>
            [[7.]]])
    """
    from symgrad.ops.shape_more import _need

    _need("baddbmm", batch1=(2, batch1), batch2=(3, batch2))
    if batch1.ndim == 3 and batch2.ndim == 3 and (batch2.shape[0], batch2.shape[1]) != (
            batch1.shape[0], batch1.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: "
                           f"[{batch2.shape[0]}, {batch2.shape[1]}].")
    _batches("baddbmm", batch1, batch2)
    _same_dtypes(batch1, batch2, input)
    _broadcasts(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]), "baddbmm")
    return apply(BADDBMM, input, batch1, batch2, beta=beta, alpha=alpha)


@expose(autocast="lower")
def addbmm(input: Tensor, batch1: Any, batch2: Any, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``, ``input`` broadcast to ``(n, p)``.

    Args:
        input: The matrix added; ignored when ``beta`` is 0.
        batch1: Matrices ``(b, n, m)``.
        batch2: Matrices ``(b, m, p)``.
        beta: The factor of ``input``. Defaults to 1.
        alpha: The factor of the summed products. Defaults to 1.

    >>> import symgrad
    >>> symgrad.addbmm(symgrad.zeros(1, 1), symgrad.ones(2, 1, 3), symgrad.ones(2, 3, 1))
    tensor([[6.]])
    """
    _batches("addbmm", batch1, batch2)
    _same_dtypes(batch1, batch2, input)
    _broadcasts(input, (batch1.shape[1], batch2.shape[2]), "addbmm")
    return apply(ADDBMM, input, batch1, batch2, beta=beta, alpha=alpha)


@expose()
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors (for real tensors, ``dot``).

    Args:
        input: A vector.
        other: A vector of the same length and dtype.

    >>> import symgrad
    >>> symgrad.vdot(symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_torch_name(input)} and {_torch_name(other)}")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    return apply(VDOT, input, other)


@expose()
def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """``outer(input, vec2)`` (PyTorch's older name).

    Args:
        input: A vector ``(n,)``.
        vec2: A vector ``(m,)``.

    >>> import symgrad
    >>> symgrad.ger(symgrad.tensor([1, 2]), symgrad.tensor([3, 4]))
    tensor([[3, 4],
            [6, 8]])
    """
    from symgrad.ops.linalg import outer

    return outer(input, vec2)


@expose()
def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sums of products over the last dims of both (a product with a number when either is
    zero-dim): ``inner(a, b)[i..., j...] = sum_k a[i..., k] * b[j..., k]``.

    Args:
        input: A tensor.
        other: A tensor whose last dim has ``input``'s last dim's size.

    >>> import symgrad
    >>> symgrad.inner(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]), symgrad.tensor([1.0, -1.0]))
    tensor([-1., -1.])
    """
    from symgrad.ops.tensor_functions import tensordot

    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def _multi_dot_order(shapes: list[tuple[int, int]]) -> list[list[int]]:
    """The split points of the cheapest parenthesisation (the textbook dynamic programme,
    which PyTorch's multi_dot runs for more than three matrices)."""
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] == -1 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(ms: list[Tensor], split: list[list[int]], i: int, j: int) -> Tensor:
    if i == j:
        return ms[i]
    k = split[i][j]
    return mm(_chain(ms, split, i, k), _chain(ms, split, k + 1, j))


_CHAIN_WARNING = ("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.")
_chain_warned: list[bool] = []


@expose(method=False, autocast="lower")
def chain_matmul(*matrices: Any) -> Tensor:
    """The product of the matrices, multiplied in the cheapest order (PyTorch warns, once per
    process, that it is deprecated for ``linalg.multi_dot``).

    Args:
        *matrices: Two-dimensional tensors whose inner sizes agree.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     symgrad.chain_matmul(symgrad.eye(2), symgrad.tensor([[1.0], [2.0]]))
    tensor([[1.],
            [2.]])
    """
    matrices = _tensors(matrices)
    if not _chain_warned:
        # PyTorch warns once per process (TORCH_WARN_ONCE), whoever calls.
        _chain_warned.append(True)
        warnings.warn(_CHAIN_WARNING, UserWarning, stacklevel=caller_level())
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
        if i and matrices[i - 1].shape[1] != m.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(matrices[i - 1].shape)} and {list(m.shape)} cannot be "
                               "multiplied")
    if len(matrices) == 1:
        return matrices[0].clone()
    ms = list(matrices)
    if len(ms) == 3:
        # PyTorch compares the two orders of three matrices directly: (AB)C unless A(BC) is
        # cheaper.
        a, b = ms[0].shape, ms[1].shape
        c = ms[2].shape
        left = a[0] * a[1] * b[1] + a[0] * b[1] * c[1]
        right = b[0] * b[1] * c[1] + a[0] * a[1] * c[1]
        out = mm(mm(ms[0], ms[1]), ms[2]) if left <= right else mm(ms[0], mm(ms[1], ms[2]))
    else:
        out = _chain(ms, _multi_dot_order([tuple(m.shape) for m in ms]), 0, len(ms) - 1)
    return out.view(out.shape)


@expose(method=False)
def cartesian_prod(*tensors: Any) -> Tensor:
    """Every tuple of one element from each 1-D tensor, as rows (the first varying slowest); a
    single tensor is returned as it is.

    Args:
        *tensors: 1-D tensors of one dtype.

    >>> import symgrad
    >>> symgrad.cartesian_prod(symgrad.tensor([1, 2]), symgrad.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    from symgrad.ops.shape import flatten, stack
    from symgrad.ops.tensor_functions import meshgrid

    tensors = _tensors(tensors)
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([flatten(g) for g in grids], dim=1)


@expose(method=False)
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The ``r``-element combinations of a 1-D tensor's elements, as rows, in the order
    ``itertools.combinations`` (or ``combinations_with_replacement``) gives them.

    Args:
        input: A 1-D tensor.
        r: The number of elements in each combination. Defaults to 2.
        with_replacement: Allow an element to repeat within a combination. Defaults to False.

    >>> import symgrad
    >>> symgrad.combinations(symgrad.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    from symgrad.ops.indexing import index_select
    from symgrad.ops.shape import stack

    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._make(np.zeros(0, dtype=input._data.dtype), False, None)
    pick = (itertools.combinations_with_replacement if with_replacement
            else itertools.combinations)
    rows = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    columns = [index_select(input, 0, Tensor._make(rows[:, k].copy(), False, None))
               for k in range(r)]
    return stack(columns, dim=1)
