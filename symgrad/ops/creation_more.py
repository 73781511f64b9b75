"""More factories PyTorch programs call: ``logspace``, ``range`` (deprecated, with its warning),
``scalar_tensor`` and ``unravel_index``, each computing its values as PyTorch's kernel does
(``logspace``'s exponents from both ends; ``range``'s values in float64).
"""

from __future__ import annotations

import builtins
import itertools
import math
import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import dtype as Dtype
from symgrad.ops.arguments import caller_level
from symgrad.ops.registry import expose
from symgrad.tensor import Tensor

__all__ = ["logspace", "range", "scalar_tensor", "unravel_index"]


def _number(value: Any) -> Any:
    return value.item() if isinstance(value, Tensor) else value


def _leaf(data: np.ndarray, requires_grad: bool, device: Any) -> Tensor:
    from symgrad import creation

    creation._check_device(device)
    return creation._leaf(data, requires_grad)


@expose(method=False)
def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *,
             dtype: Dtype | None = None, device: str | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values ``base ** e``, the exponents ``e`` evenly spaced from ``start`` to
    ``end`` (both included).

    As PyTorch's kernel: the ends are rounded to the result dtype, the exponents computed in
    float64, the first half from ``start`` and the second from ``end``, and raised in float64.

    Args:
        start: The first exponent (a number or a one-element tensor).
        end: The last exponent (a number or a one-element tensor).
        steps: The number of values, at least 0.
        base: The base. Defaults to 10.
        dtype: The element type. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    >>> symgrad.logspace(0, 3, 4, base=2, dtype=symgrad.int64)
    tensor([1, 2, 4, 8])
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise TypeError(f"logspace(): argument 'steps' (position 3) must be int, not "
                        f"{type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    d = _dtypes.get_default_dtype() if dtype is None else dtype
    if d.name == "bool":
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    start, end = _number(start), _number(end)
    # ATen's kernel: the ends in the dtype, their difference in it too (an integer one wraps),
    # then the step and each exponent in float64, from ``start`` for the first half and from
    # ``end`` for the second; C's pow (NumPy's own pow can be an ULP off).
    first, last = (np.asarray(v).astype(d.np) for v in (start, end))
    if steps == 1:
        exponents = [float(start)]
    else:
        with np.errstate(all="ignore"):
            step = float(last - first) / (steps - 1)
        exponents = [float(first) + step * i if i < steps // 2
                     else float(last) - step * (steps - i - 1) for i in builtins.range(steps)]
    values = np.asarray([_pow(float(base), e) for e in exponents], dtype=np.float64)
    return _leaf(values.astype(d.np), requires_grad, device)


def _pow(base: float, exponent: float) -> float:
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf
    except ValueError:  # a negative base to a fractional power
        return math.nan


_RANGE_WARNING = ("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).")


@expose(method=False)
def range(start: Any = 0, end: Any = None, step: Any = 1, *,  # noqa: A001 - PyTorch's name
          dtype: Dtype | None = None, device: str | None = None,
          requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to and including ``end``, in the default float dtype
    (deprecated in PyTorch, and warned about: ``arange`` excludes ``end``).

    Args:
        start: The first value. Defaults to 0.
        end: The last value (included when reached).
        step: The difference between consecutive values; not zero, and of the sign of
            ``end - start``. Defaults to 1.
        dtype: The element type. Defaults to None: ``get_default_dtype()``, integers or not.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     symgrad.range(1, 4)
    tensor([1., 2., 3., 4.])
    """
    warnings.warn(_RANGE_WARNING, UserWarning, stacklevel=caller_level())
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and start < end):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    d = _dtypes.get_default_dtype() if dtype is None else dtype
    n = int(math.floor((end - start) / step)) + 1
    # PyTorch's range kernel steps in its accumulate type: float64 for floats, int64 else.
    acc = np.float64 if d.is_floating_point else np.int64
    values = acc(start) + np.arange(n, dtype=acc) * acc(step)
    return _leaf(values.astype(d.np), requires_grad, device)


@expose(method=False)
def scalar_tensor(s: Any, *, dtype: Dtype | None = None, device: str | None = None,
                  requires_grad: bool = False) -> Tensor:
    """A zero-dim tensor holding the number ``s``, in the default float dtype unless ``dtype``
    is given (an int or a bool too).

    Args:
        s: The number (or a one-element tensor).
        dtype: The element type. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.scalar_tensor(3), symgrad.scalar_tensor(2.5, dtype=symgrad.int32)
    (tensor(3.), tensor(2, dtype=symgrad.int32))
    """
    s = _number(s)
    if not isinstance(s, bool | int | float | np.number):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not "
                        f"{type(s).__name__}")
    d = _dtypes.get_default_dtype() if dtype is None else dtype
    return _leaf(np.asarray(_dtypes.scalar_as(s, d.np)).reshape(()), requires_grad, device)


@expose(method=False)
def unravel_index(indices: Tensor, shape: int | Sequence[int]) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of each flat (row-major) index, one int64
    tensor per dim. As in PyTorch, an index out of range wraps around (a negative one counts
    from the end).

    Args:
        indices: An integer tensor of flat indices.
        shape: The shape indexed, an int or a sequence of them (none negative).

    >>> import symgrad
    >>> symgrad.unravel_index(symgrad.tensor([4, 1]), (2, 3))
    (tensor([1, 0]), tensor([1, 1]))
    """
    if indices.is_floating_point() or indices.dtype.name == "bool":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, bool) or not isinstance(shape, int | np.integer | Sequence):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    for dim in shape:
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
            raise TypeError("expected 'shape' sequence to only contain ints, but got "
                            f"{type(dim)}")
    if any(dim < 0 for dim in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    coefs = list(reversed(list(itertools.accumulate(reversed((*shape[1:], 1)),
                                                    func=operator.mul))))
    flat = indices._data.astype(np.int64)[..., None]
    with np.errstate(divide="ignore"):
        coords = np.floor_divide(flat, np.asarray(coefs, dtype=np.int64)) % np.asarray(
            shape, dtype=np.int64) if shape else flat[..., :0]
    return tuple(Tensor._make(np.array(coords[..., k]), False, None)
                 for k in builtins.range(len(shape)))

