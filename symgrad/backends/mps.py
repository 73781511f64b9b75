"""``torch.backends.mps``: Apple's GPUs, not available to symgrad.

>>> import symgrad
>>> symgrad.backends.mps.is_available(), symgrad.backends.mps.is_built()
(False, False)
"""

from __future__ import annotations


def is_available() -> bool:
    """False: symgrad runs on the CPU alone.

    >>> import symgrad
    >>> symgrad.backends.mps.is_available()
    False
    """
    return False


def is_built() -> bool:
    """False: symgrad is not built with MPS.

    >>> import symgrad
    >>> symgrad.backends.mps.is_built()
    False
    """
    return False
