"""Window functions for spectral analysis: ``hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window`` and ``kaiser_window``, periodic or symmetric.

Each is computed as PyTorch's factory computes it, in the result dtype step by step (an arange,
then multiplications by constants, ``cos`` and additions, each rounded to the dtype; the
constants too are rounded to the dtype first, as ATen's in-place ops with a C++ number do),
so that float16 windows round where PyTorch's do. A periodic window of length N is the
symmetric one of length N + 1 without its last value.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import dtype as Dtype
from symgrad.autograd.grad_mode import no_grad
from symgrad.ops.registry import expose
from symgrad.tensor import Tensor

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]

# What PyTorch's message shows of a dtype that is not floating (C++'s type names).
_CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
              "int16": "short int", "int32": "int", "int64": "long int"}


def _checked(name: str, window_length: int, dtype: Dtype | None, device: str | None) -> Dtype:
    """The window's dtype, or PyTorch's error for its arguments."""
    from symgrad.creation import _check_device

    _check_device(device)
    if isinstance(window_length, bool) or not isinstance(window_length, int | np.integer):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    d = _dtypes.get_default_dtype() if dtype is None else dtype
    if not d.is_floating_point:
        raise RuntimeError(
            f"{name} expects floating point dtypes, got: TensorOptions(dtype={_CPP_NAMES[d.name]}"
            ", device=cpu, layout=Strided (default), requires_grad=false (default), "
            "pinned_memory=false, memory_format=(nullopt))")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    return d


def _c(value: float, like: Tensor) -> Tensor:
    """A constant of the window's computation, rounded to its dtype."""
    return Tensor._make(np.asarray(value, dtype=np.float64).astype(like._data.dtype), False,
                        None)


def _window(window_length: int, periodic: bool, d: Dtype, requires_grad: bool,
            symmetric: Callable[[Tensor, int], Tensor]) -> Tensor:
    """``symmetric(n)`` of ``n`` = the length (plus one when periodic), trimmed; PyTorch's
    windows of no element and of one (a 1)."""
    from symgrad.creation import _leaf, arange

    if window_length <= 1:
        return _leaf(np.ones(window_length, dtype=d.np), requires_grad)
    n = window_length + 1 if periodic else window_length
    with no_grad():
        out = symmetric(arange(n, dtype=d), n)
    return _leaf(out._data[:window_length].copy(), requires_grad)


@expose(method=False)
def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Dtype | None = None, device: str | None = None,
                   requires_grad: bool = False) -> Tensor:
    """``alpha - beta * cos(2 pi n / (N - 1))`` for ``n`` = 0 .. N - 1.

    Args:
        window_length: The number of values, at least 0.
        periodic: Whether the window is the first ``window_length`` values of the symmetric
            one of ``window_length + 1`` (for spectral analysis). Defaults to True.
        alpha: The constant term. Defaults to 0.54.
        beta: The cosine's coefficient. Defaults to 0.46.
        dtype: A floating dtype. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.hamming_window(5, periodic=False)
    tensor([0.0800, 0.5400, 1.0000, 0.5400, 0.0800])
    """
    d = _checked("hamming_window", window_length, dtype, device)
    return _window(window_length, periodic, d, requires_grad,
                   lambda n, size: (n * _c(math.pi * 2.0 / (size - 1), n)).cos() * _c(-beta, n)
                   + _c(alpha, n))


@expose(method=False)
def hann_window(window_length: int, periodic: bool = True, *, dtype: Dtype | None = None,
                device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``0.5 - 0.5 cos(2 pi n / (N - 1))``: ``hamming_window`` with ``alpha = beta = 0.5``.

    Args:
        window_length: The number of values, at least 0.
        periodic: Whether the window is the first ``window_length`` values of the symmetric
            one of ``window_length + 1`` (for spectral analysis). Defaults to True.
        dtype: A floating dtype. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.hann_window(4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    _checked("hann_window", window_length, dtype, device)
    return hamming_window(window_length, periodic, 0.5, 0.5, dtype=dtype,
                          requires_grad=requires_grad)


@expose(method=False)
def blackman_window(window_length: int, periodic: bool = True, *, dtype: Dtype | None = None,
                    device: str | None = None, requires_grad: bool = False) -> Tensor:
    """``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``.

    Args:
        window_length: The number of values, at least 0.
        periodic: Whether the window is the first ``window_length`` values of the symmetric
            one of ``window_length + 1`` (for spectral analysis). Defaults to True.
        dtype: A floating dtype. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.blackman_window(5, periodic=False)
    tensor([-2.9802e-08,  3.4000e-01,  1.0000e+00,  3.4000e-01, -2.9802e-08])
    """
    d = _checked("blackman_window", window_length, dtype, device)

    def symmetric(n: Tensor, size: int) -> Tensor:
        n = n * _c(math.pi / (size - 1), n)
        return ((n * _c(4, n)).cos() * _c(0.08, n) - (n * _c(2, n)).cos() * _c(0.5, n)
                + _c(0.42, n))

    return _window(window_length, periodic, d, requires_grad, symmetric)


@expose(method=False)
def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Dtype | None = None,
                    device: str | None = None, requires_grad: bool = False) -> Tensor:
    """The triangle ``1 - |2 n / (N - 1) - 1|``.

    Args:
        window_length: The number of values, at least 0.
        periodic: Whether the window is the first ``window_length`` values of the symmetric
            one of ``window_length + 1`` (for spectral analysis). Defaults to True.
        dtype: A floating dtype. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.bartlett_window(5, periodic=False)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    d = _checked("bartlett_window", window_length, dtype, device)

    def symmetric(n: Tensor, size: int) -> Tensor:
        n = n * _c(2.0 / (size - 1), n)
        half = ((size - 1) >> 1) + 1
        # PyTorch's second half, written in place: 2 - n.
        return Tensor._make(np.concatenate([n._data[:half], (_c(2, n) - n[half:])._data]),
                            False, None)

    return _window(window_length, periodic, d, requires_grad, symmetric)


def _i0(x: np.ndarray) -> np.ndarray:
    """The modified Bessel function of the first kind, order 0, in float64 (NumPy's)."""
    return np.i0(x)


@expose(method=False)
def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Dtype | None = None, device: str | None = None,
                  requires_grad: bool = False) -> Tensor:
    """``I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)``, ``a = (N - 1) / 2``, ``I0`` the
    modified Bessel function of order 0. Computed in float64 and rounded once to the dtype
    (PyTorch computes in float32 for float32 and narrower: the two may differ by an ULP).

    Args:
        window_length: The number of values, at least 0.
        periodic: Whether the window is the first ``window_length`` values of the symmetric
            one of ``window_length + 1`` (for spectral analysis). Defaults to True.
        beta: The shape parameter: larger is narrower. Defaults to 12.
        dtype: A floating dtype. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.kaiser_window(5, periodic=False, beta=5.0)
    tensor([0.0367, 0.5529, 1.0000, 0.5529, 0.0367])
    """
    d = _checked("kaiser_window", window_length, dtype, device)

    def symmetric(n: Tensor, size: int) -> Tensor:
        a = (size - 1) / 2.0
        x = n._data.astype(np.float64)
        values = _i0(beta * np.sqrt(np.abs(1 - ((x - a) / a) ** 2))) / _i0(np.float64(beta))
        return Tensor._make(values.astype(d.np), False, None)

    return _window(window_length, periodic, d, requires_grad, symmetric)
