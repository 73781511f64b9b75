"""``finfo`` and ``iinfo``: the limits of a floating or integer dtype, as PyTorch reports them
(``symgrad.finfo(symgrad.float32).eps``, ``symgrad.iinfo(symgrad.uint8).max``)."""

from __future__ import annotations

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import dtype as Dtype

__all__ = ["finfo", "iinfo"]


def _check(kind: str, d: object) -> Dtype:
    if not isinstance(d, Dtype):
        raise TypeError(f"{kind}(): argument 'type' (position 1) must be torch.dtype, not "
                        f"{type(d).__name__}")
    return d


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating dtype.

    Attributes: ``bits``, ``eps`` (the gap from 1 to the next number), ``max``, ``min``
    (``-max``), ``tiny`` and ``smallest_normal`` (the least positive normal number),
    ``resolution`` (``10 ** -digits`` for the decimal digits the dtype holds) and ``dtype`` (its
    name).

    Args:
        type: a floating dtype (the default dtype if None).

    >>> import symgrad
    >>> symgrad.finfo(symgrad.float16).max, symgrad.finfo().eps
    (65504.0, 1.1920928955078125e-07)
    """

    def __init__(self, type: Dtype | None = None) -> None:  # noqa: A002 - PyTorch's name
        d = _dtypes.get_default_dtype() if type is None else _check("finfo", type)
        if d.category != _dtypes._FLOAT:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        info = np.finfo(d.np)
        self.bits = d.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = -self.max
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:.6g}, min={self.min:.6g}, "
                f"max={self.max:.6g}, eps={self.eps:.6g}, "
                f"smallest_normal={self.smallest_normal:.6g}, tiny={self.tiny:.6g}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """The limits of an integer dtype: ``bits``, ``min``, ``max`` and ``dtype`` (its name).

    Args:
        type: an integer dtype (not bool).

    >>> import symgrad
    >>> symgrad.iinfo(symgrad.uint8).max, symgrad.iinfo(symgrad.int64).bits
    (255, 64)
    """

    def __init__(self, type: Dtype) -> None:  # noqa: A002 - PyTorch's name
        d = _check("iinfo", type)
        if d.name == "bool":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.category != _dtypes._INT:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        info = np.iinfo(d.np)
        self.bits = int(info.bits)
        self.min = int(info.min)
        self.max = int(info.max)
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:.6g}, max={self.max:.6g}, dtype={self.dtype})"
