"""``symgrad.cuda``: what a program asks before choosing a GPU. symgrad has none.

>>> import symgrad
>>> symgrad.cuda.is_available(), symgrad.cuda.device_count()
(False, 0)
"""

from __future__ import annotations

from symgrad.cuda import amp

__all__ = ["amp", "is_available", "device_count"]


def is_available() -> bool:
    """Whether a CUDA device can be used: never, symgrad computes with NumPy on the CPU.

    >>> import symgrad
    >>> symgrad.cuda.is_available()
    False
    """
    return False


def device_count() -> int:
    """The number of CUDA devices: none.

    >>> import symgrad
    >>> symgrad.cuda.device_count()
    0
    """
    return 0
