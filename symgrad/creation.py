"""Making tensors: filled, ranged, random, and from NumPy arrays.

Default dtypes follow PyTorch: floats are ``get_default_dtype()``, integer ranges and ``randint``
int64, ``full`` takes its dtype from the fill value. Random tensors and the in-place random fills
(``uniform_``, ``normal_``, ``bernoulli_``) draw from a ``Generator`` (``symgrad.random``) as
PyTorch's CPU kernels do, so a seed gives PyTorch's numbers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from symgrad import _distributions, _dtypes
from symgrad._dtypes import dtype as Dtype
from symgrad.ops.inplace import COPY, rewrite
from symgrad.ops.registry import _TORCH_NAMES, apply
from symgrad.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from symgrad.tensor import _ONLY_FLOAT, Size, Tensor, tensor

__all__ = [
    "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "arange", "linspace", "eye", "rand", "randn", "randint",
    "rand_like", "randn_like", "randint_like", "randperm", "bernoulli", "manual_seed",
    "initial_seed", "seed", "get_rng_state", "set_rng_state", "Generator",
]


def _leaf(data: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and _dtypes._FROM_NP[data.dtype].category != _dtypes._FLOAT:
        raise RuntimeError(_ONLY_FLOAT[0].upper() + _ONLY_FLOAT[1:])
    return Tensor._make(data, bool(requires_grad), None)


def _size(size: Sequence[Any]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                           f"{list(shape)}")
    return shape


def _check_device(device: Any) -> None:
    # Accepting "cuda" and computing on the CPU anyway would hide a user's mistake.
    from symgrad.devices import check_device

    check_device(device)


def _float(dtype: Dtype | None) -> Dtype:
    return _dtypes.get_default_dtype() if dtype is None else dtype


# -- from data ------------------------------------------------------------------------------------
def as_tensor(data: Any, dtype: Dtype | None = None, device: str | None = None) -> Tensor:
    """A tensor sharing memory with ``data`` when it already is one (or an array) of ``dtype``.

    Args:
        data: The values: a tensor or NumPy array (shared when its dtype is ``dtype``), or
            anything ``tensor()`` accepts (copied).
        dtype: The element type. Defaults to None: ``data``'s own, or inferred as
            ``tensor()`` does.
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.

    >>> import numpy as np, symgrad
    >>> a = np.array([1.0, 2.0])
    >>> t = symgrad.as_tensor(a); a[0] = 5.0; t
    tensor([5., 2.], dtype=symgrad.float64)
    """
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or dtype is data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and data.dtype in _dtypes._FROM_NP and (
            dtype is None or dtype.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares memory with a NumPy array (writes to one show in the other).

    Args:
        ndarray: The array to share; its dtype must be one symgrad has (bool,
            integers, float16, float32, float64, bfloat16).

    >>> import numpy as np, symgrad
    >>> symgrad.from_numpy(np.arange(3))
    tensor([0, 1, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtypes.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray, False, None)


# -- filled ---------------------------------------------------------------------------------------
def zeros(*size: Any, dtype: Dtype | None = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros.

    Args:
        *size: The shape: ints given separately (``zeros(2, 3)``) or as one sequence
            (``zeros((2, 3))``).
        dtype: The element type. Defaults to None: ``get_default_dtype()`` (float32).
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.zeros(2, 3, dtype=symgrad.int64)
    tensor([[0, 0, 0],
            [0, 0, 0]])
    """
    _check_device(device)
    return _leaf(np.zeros(_size(size), dtype=_float(dtype).np), requires_grad)


def ones(*size: Any, dtype: Dtype | None = None, device: str | None = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    Args:
        *size: The shape: ints given separately (``zeros(2, 3)``) or as one sequence
            (``zeros((2, 3))``).
        dtype: The element type. Defaults to None: ``get_default_dtype()`` (float32).
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.ones(2)
    tensor([1., 1.])
    """
    _check_device(device)
    return _leaf(np.ones(_size(size), dtype=_float(dtype).np), requires_grad)


def empty(*size: Any, dtype: Dtype | None = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not to be relied on (zeros here, for reproducibility).

    Args:
        *size: The shape: ints given separately (``zeros(2, 3)``) or as one sequence
            (``zeros((2, 3))``).
        dtype: The element type. Defaults to None: ``get_default_dtype()`` (float32).
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.empty(2, 3)
    >>> x.shape, x.dtype
    (symgrad.Size([2, 3]), symgrad.float32)
    """
    _check_device(device)
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def _fill_dtype(fill_value: Any) -> Dtype:
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return _dtypes._scalar_dtype(fill_value)


def full(size: Sequence[int], fill_value: Any, *, dtype: Dtype | None = None,
         device: str | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (int64, bool, float).

    Args:
        size: The shape, as a sequence of ints.
        fill_value: The value of every element: a Python number, or a one-element
            tensor.
        dtype: The element type. Defaults to None: that of ``fill_value`` (bool,
            int64, or the default float).
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.full((2,), 7)
    tensor([7, 7])
    """
    _check_device(device)
    d = dtype if dtype is not None else _fill_dtype(fill_value)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _leaf(np.full(_size((size,)), _dtypes.scalar_as(value, d.np), dtype=d.np),
                 requires_grad)


def zeros_like(input: Tensor, *, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype.

    Args:
        input: The tensor whose shape (and dtype) the result takes.
        dtype: The element type. Defaults to None: ``input``'s dtype.
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.zeros_like(symgrad.tensor([1, 2]))
    tensor([0, 0])
    """
    _check_device(device)
    return _leaf(_filled_like(input, dtype, 0), requires_grad)


def ones_like(input: Tensor, *, dtype: Dtype | None = None, device: str | None = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype (or ``dtype``).

    Args:
        input: The tensor whose shape (and dtype) the result takes.
        dtype: The element type. Defaults to None: ``input``'s dtype.
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.ones_like(symgrad.tensor([1, 2])), symgrad.ones_like(symgrad.tensor([1, 2]),
    ...                                                               dtype=symgrad.float64)
    (tensor([1, 1]), tensor([1., 1.], dtype=symgrad.float64))
    """
    _check_device(device)
    return _leaf(_filled_like(input, dtype, 1), requires_grad)


def empty_like(input: Tensor, *, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """``zeros_like``: values not to be relied on.

    Args:
        input: The tensor whose shape (and dtype) the result takes.
        dtype: The element type. Defaults to None: ``input``'s dtype.
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.empty_like(symgrad.tensor([[1, 2]]))
    >>> x.shape, x.dtype
    (symgrad.Size([1, 2]), symgrad.int64)
    """
    _check_device(device)
    return _leaf(_filled_like(input, dtype, 0), requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Dtype | None = None,
              device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype (an integer tensor truncates a float).

    Args:
        input: The tensor whose shape (and dtype) the result takes.
        fill_value: The value of every element.
        dtype: The element type. Defaults to None: ``input``'s dtype.
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.full_like(symgrad.zeros(2), 1.5), symgrad.full_like(symgrad.tensor([1, 2]), 2.5)
    (tensor([1.5000, 1.5000]), tensor([2, 2]))
    """
    _check_device(device)
    values = full(input.shape, fill_value, dtype=dtype or input.dtype)._data
    return _leaf(_filled_like(input, dtype, values), requires_grad)


def _dense(data: np.ndarray) -> bool:
    """Whether the elements fill their memory with no gap or overlap, in some order of the
    axes (PyTorch's "non-overlapping and dense")."""
    expected = data.itemsize
    for step, size in sorted((abs(s), n) for s, n in zip(data.strides, data.shape, strict=True)
                             if n != 1):
        if step != expected:
            return False
        expected *= size
    return True


def _filled_like(input: Tensor, dtype: Dtype | None, values: Any) -> np.ndarray:
    """A new array of ``input``'s shape holding ``values``, laid out as PyTorch's
    ``preserve_format`` lays out a ``*_like`` result: ``input``'s order of axes in memory where
    ``input`` is dense (a transposed tensor gives a transposed result), row-major otherwise."""
    np_dtype = (dtype or input.dtype).np
    data = input._data
    out = (np.empty_like(data, dtype=np_dtype, order="K") if _dense(data) and data.size
           else np.empty(data.shape, np_dtype))
    out[...] = values
    return out


def _drawn_like(input: Tensor, dtype: Dtype | None, draw: Callable[[int, bool], np.ndarray]
                ) -> np.ndarray:
    """``draw(numel, contiguous)``'s values placed in a ``*_like`` result in its memory order,
    as PyTorch's ``empty_like(input).uniform_()`` and kin write them."""
    out = _filled_like(input, dtype, 0)
    in_memory_order = out.transpose(_memory_axes(out))
    in_memory_order[...] = draw(out.size, out.flags.c_contiguous).reshape(
        in_memory_order.shape)
    return out


# -- ranges ---------------------------------------------------------------------------------------
def arange(start: float, end: float | None = None, step: float = 1, *,
           dtype: Dtype | None = None, device: str | None = None,
           requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to (excluding) ``end``; int64 when all are integers.

    Args:
        start: The first value; the end, starting from 0, when ``end`` is not given.
        end: The bound the values stop before. Defaults to None (see ``start``).
        step: The difference between consecutive values; not zero, and of the
            sign of ``end - start``. Defaults to 1.
        dtype: The element type. Defaults to None: int64 when ``start``, ``end``
            and ``step`` are all integers, else the default float.
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.arange(3), symgrad.arange(0, 1, 0.25)
    (tensor([0, 1, 2]), tensor([0.0000, 0.2500, 0.5000, 0.7500]))
    """
    _check_device(device)
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (values[1] - values[0]) * values[2] < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    integral = all(isinstance(v, (int, np.integer)) for v in values)
    d = dtype if dtype is not None else (
        _dtypes.int64 if integral else _dtypes.get_default_dtype())
    n = math.ceil((values[1] - values[0]) / values[2])
    # PyTorch steps in float64 (or int64) and casts at the end.
    acc = np.int64 if integral else np.float64
    data = (values[0] + np.arange(n, dtype=acc) * acc(values[2])).astype(d.np)
    return _leaf(data, requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Dtype | None = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Args:
        start: The first value.
        end: The last value.
        steps: The number of values, at least 0.
        dtype: The element type. Defaults to None: ``get_default_dtype()`` (float32).
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    _check_device(device)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    d = _float(dtype)
    return _leaf(np.linspace(start, end, steps, dtype=np.float64).astype(d.np), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Dtype | None = None, device: str | None = None,
        requires_grad: bool = False) -> Tensor:
    """The ``n`` x ``m`` identity matrix.

    Args:
        n: The number of rows.
        m: The number of columns. Defaults to None: ``n``.
        dtype: The element type. Defaults to None: ``get_default_dtype()`` (float32).
        device: Where the tensor lives: only the CPU (``"cpu"`` or None); any other
            device raises a RuntimeError.
        requires_grad: Whether operations on the new leaf are recorded, so that
            ``backward`` fills its ``.grad``. Defaults to False.

    >>> import symgrad
    >>> symgrad.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    _check_device(device)
    return _leaf(np.eye(n, n if m is None else m, dtype=_float(dtype).np), requires_grad)


# -- random ---------------------------------------------------------------------------------------
# PyTorch's CPU stream (symgrad.random), drawn by its kernels' transforms (symgrad._distributions).
def _gen(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def _check_floating(d: Dtype, kernel: str) -> None:
    if d.category != _dtypes._FLOAT:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_TORCH_NAMES[d.name]}\'')


def rand(*size: Any, generator: Generator | None = None, dtype: Dtype | None = None,
         device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Samples uniform in ``[0, 1)``: PyTorch's numbers for the same seed.

    Args:
        size: the shape, as integers or one sequence.
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: a floating dtype (the default float dtype if None).
        device: only ``"cpu"``.
        requires_grad: whether the result records operations for autograd.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.rand(2, 3)
    tensor([[0.4963, 0.7682, 0.0885],
            [0.1320, 0.3074, 0.6341]])
    """
    _check_device(device)
    d = _float(dtype)
    _check_floating(d, "check_uniform_bounds")
    shape = _size(size)
    data = _distributions.uniform(_gen(generator), math.prod(shape), d.np)
    return _leaf(data.reshape(shape), requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Dtype | None = None,
          device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples: PyTorch's numbers for the same seed (its Box-Muller in blocks
    of 16 from 16 elements on, one pair at a time below).

    Args:
        size: the shape, as integers or one sequence.
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: a floating dtype (the default float dtype if None).
        device: only ``"cpu"``.
        requires_grad: whether the result records operations for autograd.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.randn(4, dtype=symgrad.float64)
    tensor([ 1.5410, -0.2934, -2.1788,  0.5684], dtype=symgrad.float64)
    """
    _check_device(device)
    d = _float(dtype)
    _check_floating(d, "normal_kernel_cpu")
    shape = _size(size)
    data = _distributions.normal(_gen(generator), math.prod(shape), d.np)
    return _leaf(data.reshape(shape), requires_grad)


# C's names for PyTorch's integer types, as its range errors print them.
_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int",
            "int32": "int", "int64": "long", "bool": "bool"}


def _check_integer_range(low: int, high: int, d: Dtype) -> None:
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    if d.name in _C_NAMES:
        least, most = (0, 1) if d.name == "bool" else (np.iinfo(d.np).min, np.iinfo(d.np).max)
        if not least <= low <= most:
            raise RuntimeError(f"from is out of bounds for {_C_NAMES[d.name]}")
        if not least <= high - 1 <= most:
            raise RuntimeError(f"to - 1 is out of bounds for {_C_NAMES[d.name]}")


def randint(*args: Any, generator: Generator | None = None, dtype: Dtype | None = None,
            device: str | None = None, requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """Integers uniform in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high,
    size)``; PyTorch's numbers for the same seed (``word % (high - low) + low``).

    Args:
        args: ``high, size`` or ``low, high, size`` (also as keywords).
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: the result's dtype (int64 if None).
        device: only ``"cpu"``.
        requires_grad: whether the result records operations for autograd (floating only).
        **kwargs: ``low``, ``high`` and ``size`` given as keywords.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.randint(3, 10, (4,))
    tensor([7, 6, 3, 5])
    """
    _check_device(device)
    args = args + tuple(kwargs[k] for k in ("low", "high", "size") if k in kwargs)
    if len(args) == 2:
        low, high, size = 0, args[0], args[1]
    else:
        low, high, size = args
    d = dtype if dtype is not None else _dtypes.int64
    low, high = int(low), int(high)
    _check_integer_range(low, high, d)
    shape = _size((size,))
    data = _distributions.integers(_gen(generator), math.prod(shape), low, high, d.np)
    return _leaf(data.reshape(shape), requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Dtype | None = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1``: PyTorch's for the same seed.

    Args:
        n: how many integers.
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: the result's dtype (int64 if None).
        device: only ``"cpu"``.
        requires_grad: whether the result records operations for autograd (floating only).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.randperm(6)
    tensor([2, 5, 3, 0, 1, 4])
    """
    _check_device(device)
    (n,) = _size((n,))
    d = dtype if dtype is not None else _dtypes.int64
    data = _distributions.permutation(_gen(generator), n)
    return _leaf(data.astype(d.np), requires_grad)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Dtype | None = None,
              device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``rand`` with ``input``'s shape and dtype unless ``dtype`` is given.

    Args:
        input: the tensor whose shape (and dtype) to take.
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: a floating dtype (``input``'s if None).
        device: only ``"cpu"``.
        requires_grad: whether the result records operations for autograd.

    >>> import symgrad
    >>> x = symgrad.rand_like(symgrad.zeros(2, 3, dtype=symgrad.float64))
    >>> x.shape, x.dtype
    (symgrad.Size([2, 3]), symgrad.float64)
    """
    _check_device(device)
    d = dtype or input.dtype
    _check_floating(d, "check_uniform_bounds")
    return _leaf(_drawn_like(input, d, lambda n, _: _distributions.uniform(
        _gen(generator), n, d.np)), requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None,
               dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """``randn`` with ``input``'s shape and dtype unless ``dtype`` is given.

    Args:
        input: the tensor whose shape (and dtype) to take.
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: a floating dtype (``input``'s if None).
        device: only ``"cpu"``.
        requires_grad: whether the result records operations for autograd.

    >>> import symgrad
    >>> x = symgrad.randn_like(symgrad.zeros(4), dtype=symgrad.float16)
    >>> x.shape, x.dtype
    (symgrad.Size([4]), symgrad.float16)
    """
    _check_device(device)
    d = dtype or input.dtype
    _check_floating(d, "normal_kernel_cpu")
    return _leaf(_drawn_like(input, d, lambda n, contiguous: _distributions.normal(
        _gen(generator), n, d.np, 0.0, 1.0, contiguous)), requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,
                 generator: Generator | None = None, dtype: Dtype | None = None,
                 device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``randint`` with ``input``'s shape and dtype: ``randint_like(input, high)`` or
    ``randint_like(input, low, high)``.

    Args:
        input: the tensor whose shape (and dtype) to take.
        low: the smallest integer, or the bound when ``high`` is None.
        high: one above the largest integer.
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: the result's dtype (``input``'s if None).
        device: only ``"cpu"``.
        requires_grad: whether the result records operations for autograd (floating only).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.randint_like(symgrad.zeros(3), 10)
    tensor([4., 9., 3.])
    """
    _check_device(device)
    if high is None:
        low, high = 0, low
    d = dtype or input.dtype
    low, high = int(low), int(high)
    _check_integer_range(low, high, d)
    return _leaf(_drawn_like(input, d, lambda n, _: _distributions.integers(
        _gen(generator), n, low, high, d.np)), requires_grad)


def _memory_axes(data: np.ndarray) -> list[int]:
    # PyTorch's kernels write a tensor in memory order: its axes by decreasing stride.
    return sorted(range(data.ndim), key=lambda ax: -abs(data.strides[ax]))


def _fill(t: Tensor, sample: Callable[[int, bool], np.ndarray]) -> Tensor:
    """Write ``sample(numel, contiguous)`` into ``t`` in place, in memory order as PyTorch's
    kernels write it, recorded like any in-place op."""
    data = t._data
    out = np.empty(data.shape, data.dtype)
    in_memory_order = out.transpose(_memory_axes(data))
    in_memory_order[...] = sample(data.size, data.flags.c_contiguous).reshape(
        in_memory_order.shape)
    return rewrite(t, lambda old: apply(COPY, old, Tensor._make(out, False, None)))


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *,
             generator: Generator | None = None, **kwargs: Any) -> Tensor:
    """Fill with samples uniform in ``[from, to)``, in place: PyTorch's numbers for the same
    seed.

    Args:
        from_: the lower bound (also given as the keyword ``from``, as PyTorch spells it).
        to: the upper bound.
        generator: the ``Generator`` to draw from (the default one if None).
        **kwargs: ``from``, PyTorch's name of the lower bound (a keyword in Python).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(3).uniform_(-1, 1)
    tensor([-0.0075,  0.5364, -0.8230])
    """
    from_ = kwargs.pop("from", from_)
    if kwargs:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kwargs))}'")
    _check_floating(self.dtype, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_:g} > to={to:g}")
    return _fill(self, lambda n, _: _distributions.uniform(_gen(generator), n, self._data.dtype,
                                                           from_, to))


# The widest run of consecutive integers each floating dtype holds (its significand's digits),
# and the name PyTorch's warnings give it.
_DIGITS = {"float16": (11, "c10::Half"), "bfloat16": (8, "c10::BFloat16"),
           "float32": (24, "float"), "float64": (53, "double")}


def _random_span(d: Dtype, low: int, high: int | None) -> tuple[int, int]:
    """``[low, high)`` for ``random_`` on dtype ``d`` (``high`` None: up to the dtype's top),
    after PyTorch's checks (errors for bounds the dtype cannot hold, a warning for floats
    beyond its consecutive integers) and, for floats, its bounds moved inward until the dtype
    holds them unrounded."""
    if d.category != _dtypes._FLOAT:
        if high is None:
            high = 2 if d.name == "bool" else int(np.iinfo(d.np).max) + 1
        _check_integer_range(low, high, d)
        return low, high
    digits, name = _DIGITS[d.name]
    high = 2**digits + 1 if high is None else high
    if high <= low:
        _check_integer_range(low, high, d)
    info = np.finfo(d.np)
    for what, value in (("from", low), ("to - 1", high - 1)):
        if not info.min <= value <= info.max:
            raise RuntimeError(f"{what} is out of bounds for {name}")
    for what, value in (("from", low), ("to - 1", high - 1)):
        if not -(2**digits) <= value <= 2**digits:
            warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                          f"precision limitations {name} can support discrete uniform "
                          "distribution only within this range. This warning will become an "
                          "error in version 1.7 release, please fix the code in advance",
                          UserWarning, stacklevel=3)
    return _held_from(low, d, digits), _held_to(high, d, digits)


def _as_float_int(value: int, d: Dtype) -> int:
    return int(np.array(value, dtype=np.int64).astype(d.np).astype(np.float64))


def _held_from(low: int, d: Dtype, digits: int) -> int:
    """PyTorch's ``update_from``: where ``low + 1`` rounds below ``low`` in dtype ``d``, the
    lower bound moves up past it, to the next integer the dtype holds."""
    rounded = _as_float_int(low + 1, d)
    if rounded < low:
        return rounded + (1 << (abs(low + 1).bit_length() - 1 - digits + 1))
    return low


def _held_to(high: int, d: Dtype, digits: int) -> int:
    """PyTorch's ``update_to``: where ``high - 1`` rounds up to ``high`` or beyond in dtype
    ``d``, the (exclusive) upper bound moves down below it."""
    rounded = _as_float_int(high - 1, d)
    if rounded >= high:
        return rounded - (1 << (abs(high - 1).bit_length() - 1 - digits + 1))
    return high


def random_(self: Tensor, *args: int, generator: Generator | None = None,
            **kwargs: int) -> Tensor:
    """Fill with integers drawn uniformly, in place: PyTorch's numbers for the same seed.

    ``random_()`` draws from ``[0, 2**digits]`` for a floating dtype (24 digits for float32,
    53 for float64) and from ``[0, max]`` for an integer one; ``random_(to)`` from
    ``[0, to)``; ``random_(from, to)`` from ``[from, to)``.

    Args:
        *args: nothing, ``to``, or ``from, to`` (integers; ``to`` may be None for the dtype's
            top).
        generator: the ``Generator`` to draw from (the default one if None).
        **kwargs: ``from`` and ``to`` given by name, as PyTorch spells them.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(4, dtype=symgrad.int64).random_(10)
    tensor([4, 9, 3, 0])
    """
    bounds = dict(zip(("from", "to") if len(args) == 2 else ("to",), args, strict=False))
    if (len(args) > 2 or set(kwargs) - {"from", "to"} or set(bounds) & set(kwargs)
            or "from" in kwargs and "to" not in {**bounds, **kwargs}):
        raise TypeError(f"random_() received an invalid combination of arguments - got "
                        f"{len(args)} positional and {sorted(kwargs)} keyword arguments")
    bounds.update(kwargs)
    for value in bounds.values():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"random_() received an invalid combination of arguments - got "
                            f"({type(value).__name__}), but expected int from, int to")
    d = self.dtype
    gen = _gen(generator)
    if not bounds:  # the whole range, drawn as PyTorch's ``uniform_int`` does for each dtype
        wide = d.name in ("float64", "int64")
        if d.name == "bool":
            modulus = 2
        elif d.category == _dtypes._FLOAT:
            modulus = 2**_DIGITS[d.name][0] + 1
        else:
            modulus = int(np.iinfo(d.np).max) + 1
        return _fill(self, lambda n, _: ((gen._random64(n) if wide else gen._random32(n))
                                         % np.uint64(modulus)).astype(d.np))
    low, high = _random_span(d, bounds.get("from", 0), bounds.get("to"))
    return _fill(self, lambda n, _: _distributions.integers(gen, n, low, high, d.np))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with normal samples of ``mean`` and ``std``, in place: PyTorch's numbers for the
    same seed (its vectorised path needs 16 or more contiguous elements).

    Args:
        mean: the mean.
        std: the standard deviation, not negative.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(3, dtype=symgrad.float64).normal_(10, 2)
    tensor([13.0820,  9.4131,  5.6424], dtype=symgrad.float64)
    """
    # The std first; the dtype in the kernel, which an empty tensor never reaches.
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if self._data.size:
        _check_floating(self.dtype, "normal_kernel_cpu")
    return _fill(self, lambda n, contiguous: _distributions.normal(
        _gen(generator), n, self._data.dtype, mean, std, contiguous))


def _probabilities(p: Tensor, shape: tuple[int, ...]) -> np.ndarray:
    _check_floating(p.dtype, "bernoulli_tensor_cpu_p_")
    values = np.broadcast_to(p._data, shape)
    if not ((values >= 0) & (values <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return values


def bernoulli_(self: Tensor, p: float | Tensor = 0.5, *,
               generator: Generator | None = None) -> Tensor:
    """Fill with 1 where a uniform sample falls below ``p`` and 0 elsewhere, in place:
    PyTorch's numbers for the same seed.

    Args:
        p: the probability of a 1: a number, or a tensor broadcast to this one's shape.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(6).bernoulli_(0.5)
    tensor([0., 0., 1., 0., 0., 0.])
    """
    if isinstance(p, Tensor):
        chances: float | np.ndarray = np.ascontiguousarray(
            _probabilities(p, self.shape).transpose(_memory_axes(self._data)))
    elif 0 <= p <= 1:
        chances = float(p)
    else:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return _fill(self, lambda n, _: _distributions.bernoulli(_gen(generator), chances, n).astype(
        self._data.dtype))


def bernoulli(input: Tensor, p: float | None = None, *,
              generator: Generator | None = None) -> Tensor:
    """1 with probability ``input`` (or ``p`` when given) and 0 otherwise, in ``input``'s
    dtype: PyTorch's numbers for the same seed. The result does not record autograd.

    Args:
        input: the probabilities, each in ``[0, 1]`` (only its shape and dtype when ``p`` is
            given).
        p: one probability for every element.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.bernoulli(symgrad.tensor([0.1, 0.9, 0.5, 0.5]))
    tensor([0., 1., 1., 1.])
    """
    out = Tensor._make(np.empty(input._data.shape, input._data.dtype), False, None)
    return bernoulli_(out, input if p is None else p, generator=generator)


# -- Tensor.new_* ---------------------------------------------------------------------------------
def _new(fill: Any) -> Any:
    def method(self: Tensor, *size: Any, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
        if device is not None:  # None is this tensor's device, not the default one
            _check_device(device)
        return fill(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    method.__name__ = "new_" + fill.__name__
    method.__doc__ = f"""``{fill.__name__}`` with this tensor's dtype unless ``dtype`` is given.

    Args:
        *size: The shape: ints given separately or as one sequence.
        dtype: The element type. Defaults to None: this tensor's dtype.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([1, 2])
    >>> x.new_{fill.__name__}(2, 3).shape, x.new_{fill.__name__}(2, 3).dtype
    (symgrad.Size([2, 3]), symgrad.int64)
    >>> x.new_{fill.__name__}((2,), dtype=symgrad.float16).dtype
    symgrad.float16
    """
    return method


def new_full(self: Tensor, size: Sequence[int], fill_value: Any, *, dtype: Dtype | None = None,
             device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``full`` with this tensor's dtype unless ``dtype`` is given.

    Args:
        size: The shape, as a sequence of ints.
        fill_value: The value of every element.
        dtype: The element type. Defaults to None: this tensor's dtype.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.tensor([1, 2]).new_full((2,), 3), symgrad.zeros(1).new_full((2,), 3)
    (tensor([3, 3]), tensor([3., 3.]))
    """
    _check_device(device)
    return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


def new_tensor(self: Tensor, data: Any, *, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """``tensor(data)`` with this tensor's dtype unless ``dtype`` is given.

    Args:
        data: The values, as ``tensor()`` takes them (copied).
        dtype: The element type. Defaults to None: this tensor's dtype.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.zeros(1, dtype=symgrad.float64).new_tensor([1, 2])
    tensor([1., 2.], dtype=symgrad.float64)
    """
    _check_device(device)
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


# The C++ names PyTorch's legacy ``new`` prints for a dtype it did not expect.
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def new(self: Tensor, *args: Any, device: str | None = None) -> Tensor:
    """PyTorch's legacy ``Tensor.new``: the legacy constructor ``Tensor(...)`` in this tensor's
    dtype. A sequence is data (a tuple too), ints are sizes (zeros: PyTorch's are
    uninitialised), a tensor of this dtype is shared (not copied), nothing gives an empty
    tensor.

    Args:
        *args: Data (a list or tuple of numbers), sizes (ints or a ``Size``), or a tensor.
        device: Only the CPU (``"cpu"`` or None).

    >>> import symgrad
    >>> x = symgrad.zeros(2, dtype=symgrad.int64)
    >>> x.new([1.5, 2.0]), x.new(2, 3).shape, x.new()
    (tensor([1, 2]), symgrad.Size([2, 3]), tensor([], dtype=symgrad.int64))
    """
    _check_device(device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        other = args[0]
        if other.dtype is not self.dtype:
            def options(d: Dtype) -> str:
                return (f"TensorOptions(dtype={_CPP_NAMES.get(d.name, d.name)}, device=cpu, "
                        "layout=Strided, requires_grad=false (default), pinned_memory=false "
                        "(default), memory_format=(nullopt))")
            raise TypeError(f"expected {options(self.dtype)} (got {options(other.dtype)})")
        return Tensor._make(other._data, False, None)
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return zeros(*args, dtype=self.dtype)
    if len(args) == 1 and isinstance(args[0], list | tuple | np.ndarray):
        return tensor(args[0], dtype=self.dtype)
    if not args:
        return Tensor._make(np.empty(0, self.dtype.np), False, None)
    got = type(args[0]).__name__ if len(args) == 1 else "more than one data argument"
    raise TypeError(f"new(): data must be a sequence (got {got})")


Tensor.new = new  # type: ignore[attr-defined]
Tensor.new_zeros = _new(zeros)  # type: ignore[attr-defined]
Tensor.new_ones = _new(ones)  # type: ignore[attr-defined]
Tensor.new_empty = _new(empty)  # type: ignore[attr-defined]
Tensor.new_full = new_full  # type: ignore[attr-defined]
Tensor.new_tensor = new_tensor  # type: ignore[attr-defined]
Tensor.uniform_ = uniform_  # type: ignore[attr-defined]
Tensor.normal_ = normal_  # type: ignore[attr-defined]
Tensor.bernoulli_ = bernoulli_  # type: ignore[attr-defined]
Tensor.random_ = random_  # type: ignore[attr-defined]
Tensor.bernoulli = bernoulli  # type: ignore[attr-defined]
# The generated methods are not module attributes: listed here so doctest runs their examples.
__test__ = {name: getattr(Tensor, name) for name in ("new_zeros", "new_ones", "new_empty")}
