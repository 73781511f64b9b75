"""``asarray`` (a tensor from a tensor, a NumPy array, a sequence or a number, sharing memory
where it can, as PyTorch's) and ``empty_strided`` (a new tensor with the given strides).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import dtype as Dtype
from symgrad.ops.arguments import caller_level
from symgrad.ops.registry import _TORCH_NAMES, expose
from symgrad.tensor import Tensor, tensor

__all__ = ["asarray", "empty_strided"]

_UNSPECIFIED_WARNING = ("torch.asarray: unspecified requires_grad now defaults to "
                        "obj.requires_grad instead of False. Pass requires_grad=False explicitly "
                        "to get the old behavior and silence this warning.")


def _alias_error(have: np.dtype, want: Dtype) -> ValueError:
    name = _TORCH_NAMES[_dtypes._FROM_NP[have].name]
    return ValueError(f"can't alias tensor with dtype '{name}' into dtype "
                      f"'{_TORCH_NAMES[want.name]}'.")


@expose(method=False)
def asarray(obj: Any, *, dtype: Dtype | None = None, device: str | None = None,
            copy: bool | None = None, requires_grad: bool | None = None) -> Tensor:
    """``obj`` as a tensor, sharing its memory where it can (PyTorch's ``asarray``).

    A tensor is returned itself (a detached alias when ``requires_grad=False``), or copied
    when ``copy`` is True or ``dtype`` differs (recorded as CloneBackward0 or ToCopyBackward0).
    A NumPy array (or number) is shared, keeping its dtype, unless it must be copied. Anything
    else (sequences, Python numbers) is copied as ``tensor`` copies it.

    Args:
        obj: A tensor, a NumPy array or scalar, a (nested) sequence, or a Python number.
        dtype: The element type. Defaults to None: ``obj``'s own, or as ``tensor`` infers it.
        device: Only the CPU (``"cpu"`` or None).
        copy: True to always copy, False to never (an error where a copy is needed), None to
            copy only where needed. Defaults to None.
        requires_grad: Whether the result requires grad. Defaults to None: as ``obj`` does
            (warning, as PyTorch's does, when ``obj`` requires grad).

    >>> import numpy as np, symgrad
    >>> a = np.array([1.0, 2.0])
    >>> t = symgrad.asarray(a)
    >>> a[0] = 9.0
    >>> t
    tensor([9., 2.], dtype=symgrad.float64)
    >>> symgrad.asarray(t) is t, symgrad.asarray([1, 2], dtype=symgrad.float32)
    (True, tensor([1., 2.]))
    """
    from symgrad import creation

    creation._check_device(device)
    if isinstance(obj, Tensor):
        out = obj.detach() if requires_grad is False else obj
        cast = dtype is not None and dtype is not obj.dtype
        if cast and copy is False:
            raise _alias_error(obj._data.dtype, dtype)
        if requires_grad is None and obj.requires_grad:
            warnings.warn(_UNSPECIFIED_WARNING, UserWarning, stacklevel=caller_level())
        if cast or copy:
            out = out.to(dtype) if cast else out.clone()
    elif isinstance(obj, np.generic) and copy is False:
        raise RuntimeError("can't alias NumPy scalars. Either remove copy=False or transform it "
                           "in a ndarray. ")
    elif isinstance(obj, np.ndarray | np.generic):
        array = np.asarray(obj)
        cast = dtype is not None and dtype.np != array.dtype
        if cast and copy is False:
            raise _alias_error(array.dtype, dtype)
        if cast or copy:
            array = array.astype(dtype.np if cast else array.dtype, copy=True)
        out = creation.from_numpy(array)
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        out = tensor(obj, dtype=dtype)
    if requires_grad and not out.requires_grad:
        if not out.is_floating_point():
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        out.requires_grad_(True)
    return out


@expose(method=False)
def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Dtype | None = None,
                  device: str | None = None, requires_grad: bool = False) -> Tensor:
    """A new tensor of ``size`` laid out with ``stride`` (in elements); its values are not
    meaningful (symgrad fills it with zeros).

    Args:
        size: The shape.
        stride: The step in elements between neighbours along each dim (as many as ``size``;
            0 repeats one element).
        dtype: The element type. Defaults to None: ``get_default_dtype()``.
        device: Only the CPU (``"cpu"`` or None).
        requires_grad: Whether the new leaf records operations. Defaults to False.

    >>> import symgrad
    >>> symgrad.empty_strided((2, 3), (1, 2)).stride()
    (1, 2)
    """
    from symgrad import creation

    creation._check_device(device)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of "
                           f"strides ({len(stride)})")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(size)}: {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")
    d = _dtypes.get_default_dtype() if dtype is None else dtype
    # The storage PyTorch allocates: one past the farthest element.
    count = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    storage = np.zeros(count, dtype=d.np)
    data = np.lib.stride_tricks.as_strided(
        storage, size, tuple(s * storage.itemsize for s in stride)) if count else np.zeros(
        size, dtype=d.np)
    return creation._leaf(data, requires_grad)

