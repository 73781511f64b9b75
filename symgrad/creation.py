"""Making tensors: filled, ranged, random, and from NumPy arrays.

Default dtypes follow PyTorch: floats are ``get_default_dtype()``, integer ranges and ``randint``
int64, ``full`` takes its dtype from the fill value. Random tensors come from a ``Generator``
(NumPy's PCG64 underneath), so a seed repeats a sequence within symgrad; the numbers are not
PyTorch's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import dtype as Dtype
from symgrad.tensor import _ONLY_FLOAT, Tensor, tensor

__all__ = [
    "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "arange", "linspace", "eye", "rand", "randn", "randint",
    "rand_like", "randn_like", "manual_seed", "initial_seed", "seed", "Generator",
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

    >>> import symgrad
    >>> symgrad.ones(2)
    tensor([1., 1.])
    """
    _check_device(device)
    return _leaf(np.ones(_size(size), dtype=_float(dtype).np), requires_grad)


def empty(*size: Any, dtype: Dtype | None = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not to be relied on (zeros here, for reproducibility).

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

    >>> import symgrad
    >>> symgrad.full((2,), 7)
    tensor([7, 7])
    """
    _check_device(device)
    d = dtype if dtype is not None else _fill_dtype(fill_value)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _leaf(np.full(_size((size,)), value, dtype=d.np), requires_grad)


def zeros_like(input: Tensor, *, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype.

    >>> import symgrad
    >>> symgrad.zeros_like(symgrad.tensor([1, 2]))
    tensor([0, 0])
    """
    _check_device(device)
    return zeros(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: Dtype | None = None, device: str | None = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype (or ``dtype``).

    >>> import symgrad
    >>> symgrad.ones_like(symgrad.tensor([1, 2])), symgrad.ones_like(symgrad.tensor([1, 2]),
    ...                                                               dtype=symgrad.float64)
    (tensor([1, 1]), tensor([1., 1.], dtype=symgrad.float64))
    """
    _check_device(device)
    return ones(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """``zeros_like``: values not to be relied on.

    >>> import symgrad
    >>> x = symgrad.empty_like(symgrad.tensor([[1, 2]]))
    >>> x.shape, x.dtype
    (symgrad.Size([1, 2]), symgrad.int64)
    """
    _check_device(device)
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Dtype | None = None,
              device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype (an integer tensor truncates a float).

    >>> import symgrad
    >>> symgrad.full_like(symgrad.zeros(2), 1.5), symgrad.full_like(symgrad.tensor([1, 2]), 2.5)
    (tensor([1.5000, 1.5000]), tensor([2, 2]))
    """
    _check_device(device)
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                requires_grad=requires_grad)


# -- ranges ---------------------------------------------------------------------------------------
def arange(start: float, end: float | None = None, step: float = 1, *,
           dtype: Dtype | None = None, device: str | None = None,
           requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to (excluding) ``end``; int64 when all are integers.

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

    >>> import symgrad
    >>> symgrad.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    _check_device(device)
    return _leaf(np.eye(n, n if m is None else m, dtype=_float(dtype).np), requires_grad)


# -- random ---------------------------------------------------------------------------------------
_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers (NumPy's PCG64), seeded with ``manual_seed``.

    >>> import symgrad
    >>> g = symgrad.Generator().manual_seed(0)
    >>> a = symgrad.rand(3, generator=g)
    >>> a.tolist() == symgrad.rand(3, generator=g.manual_seed(0)).tolist()
    True
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the sequence from ``seed``; returns this generator.

        >>> import symgrad
        >>> g = symgrad.Generator()
        >>> first = symgrad.randn(3, generator=g.manual_seed(7)).tolist()
        >>> second = symgrad.randn(3, generator=g).tolist()
        >>> first == symgrad.randn(3, generator=g.manual_seed(7)).tolist(), first == second
        (True, False)
        """
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed % 2**64))
        return self

    def initial_seed(self) -> int:
        """The seed this generator last started from (PyTorch's default seed when new).

        >>> import symgrad
        >>> symgrad.Generator().initial_seed(), symgrad.Generator().manual_seed(42).initial_seed()
        (67280421310721, 42)
        """
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed.

        >>> import symgrad
        >>> g = symgrad.Generator()
        >>> s = g.seed()
        >>> a = symgrad.rand(3, generator=g).tolist()
        >>> g.initial_seed() == s, a == symgrad.rand(3, generator=g.manual_seed(s)).tolist()
        (True, True)
        """
        new = int(np.random.SeedSequence().entropy) % 2**63
        self.manual_seed(new)
        return new


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator; returns it.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(1); a = symgrad.randn(2)
    >>> _ = symgrad.manual_seed(1); a.tolist() == symgrad.randn(2).tolist()
    True
    """
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed the default generator started from.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(3); symgrad.initial_seed()
    3
    """
    return default_generator.initial_seed()


def seed() -> int:
    """Reseed the default generator from fresh entropy and return the seed.

    >>> import symgrad
    >>> s = symgrad.seed()
    >>> a = symgrad.rand(2).tolist()
    >>> symgrad.initial_seed() == s, a == (symgrad.manual_seed(s), symgrad.rand(2))[1].tolist()
    (True, True)
    """
    return default_generator.seed()


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


def rand(*size: Any, generator: Generator | None = None, dtype: Dtype | None = None,
         device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from ``[0, 1)``, of the default float dtype unless ``dtype`` is given.

    >>> import symgrad
    >>> x = symgrad.rand(2, 3)
    >>> x.shape, x.dtype, all(0.0 <= v < 1.0 for row in x.tolist() for v in row)
    (symgrad.Size([2, 3]), symgrad.float32, True)
    >>> symgrad.rand(2, dtype=symgrad.float64, requires_grad=True).is_leaf
    True
    """
    _check_device(device)
    d = _float(dtype)
    return _leaf(_rng(generator).random(_size(size)).astype(d.np), requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Dtype | None = None,
          device: str | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples; a seed repeats them.

    >>> import symgrad
    >>> g = symgrad.Generator().manual_seed(0)
    >>> x = symgrad.randn(1000, dtype=symgrad.float64, generator=g)
    >>> x.dtype, abs(x.mean().item()) < 0.1, abs(x.std().item() - 1) < 0.1
    (symgrad.float64, True, True)
    >>> again = symgrad.randn(1000, dtype=symgrad.float64, generator=g.manual_seed(0))
    >>> x.tolist() == again.tolist()
    True
    """
    _check_device(device)
    d = _float(dtype)
    return _leaf(_rng(generator).standard_normal(_size(size)).astype(d.np), requires_grad)


def randint(*args: Any, generator: Generator | None = None, dtype: Dtype | None = None,
            device: str | None = None, requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """Integers uniform in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high,
    size)``; int64 unless ``dtype`` says otherwise.

    >>> import symgrad
    >>> x = symgrad.randint(3, 10, (4,))
    >>> x.dtype, all(3 <= v < 10 for v in x.tolist())
    (symgrad.int64, True)
    """
    _check_device(device)
    args = args + tuple(kwargs[k] for k in ("low", "high", "size") if k in kwargs)
    if len(args) == 2:
        low, high, size = 0, args[0], args[1]
    else:
        low, high, size = args
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    d = dtype if dtype is not None else _dtypes.int64
    data = _rng(generator).integers(low, high, _size((size,)), dtype=np.int64)
    return _leaf(data.astype(d.np), requires_grad)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Dtype | None = None,
              device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``rand`` with ``input``'s shape and dtype.

    >>> import symgrad
    >>> x = symgrad.rand_like(symgrad.zeros(2, 3, dtype=symgrad.float64))
    >>> x.shape, x.dtype
    (symgrad.Size([2, 3]), symgrad.float64)
    >>> g = symgrad.Generator()
    >>> a = symgrad.rand_like(x, generator=g.manual_seed(5)).tolist()
    >>> a == symgrad.rand_like(x, generator=g.manual_seed(5)).tolist()
    True
    """
    _check_device(device)
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None,
               dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """``randn`` with ``input``'s shape and dtype.

    >>> import symgrad
    >>> x = symgrad.randn_like(symgrad.zeros(4), dtype=symgrad.float16)
    >>> x.shape, x.dtype
    (symgrad.Size([4]), symgrad.float16)
    >>> g = symgrad.Generator()
    >>> a = symgrad.randn_like(x, generator=g.manual_seed(5)).tolist()
    >>> a == symgrad.randn_like(x, generator=g.manual_seed(5)).tolist()
    True
    """
    _check_device(device)
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype,
                 requires_grad=requires_grad)


# -- Tensor.new_* ---------------------------------------------------------------------------------
def _new(fill: Any) -> Any:
    def method(self: Tensor, *size: Any, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
        if device is not None:  # None is this tensor's device, not the default one
            _check_device(device)
        return fill(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    method.__name__ = "new_" + fill.__name__
    method.__doc__ = f"""``{fill.__name__}`` with this tensor's dtype unless ``dtype`` is given.

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

    >>> import symgrad
    >>> symgrad.tensor([1, 2]).new_full((2,), 3), symgrad.zeros(1).new_full((2,), 3)
    (tensor([3, 3]), tensor([3., 3.]))
    """
    _check_device(device)
    return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


def new_tensor(self: Tensor, data: Any, *, dtype: Dtype | None = None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """``tensor(data)`` with this tensor's dtype unless ``dtype`` is given.

    >>> import symgrad
    >>> symgrad.zeros(1, dtype=symgrad.float64).new_tensor([1, 2])
    tensor([1., 2.], dtype=symgrad.float64)
    """
    _check_device(device)
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


Tensor.new_zeros = _new(zeros)  # type: ignore[attr-defined]
Tensor.new_ones = _new(ones)  # type: ignore[attr-defined]
Tensor.new_empty = _new(empty)  # type: ignore[attr-defined]
Tensor.new_full = new_full  # type: ignore[attr-defined]
Tensor.new_tensor = new_tensor  # type: ignore[attr-defined]
# The generated methods are not module attributes: listed here so doctest runs their examples.
__test__ = {name: getattr(Tensor, name) for name in ("new_zeros", "new_ones", "new_empty")}
