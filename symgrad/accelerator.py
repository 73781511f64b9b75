"""``symgrad.accelerator``: PyTorch's device-neutral question "is there an accelerator?" (its
quickstart tutorial asks it). symgrad has none, so programs choose the CPU.

>>> import symgrad
>>> symgrad.accelerator.current_accelerator().type if symgrad.accelerator.is_available() else "cpu"
'cpu'
"""

from __future__ import annotations

from symgrad.devices import device

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available() -> bool:
    """Whether an accelerator (a GPU of any kind) can be used: never.

    >>> import symgrad
    >>> symgrad.accelerator.is_available()
    False
    """
    return False


def current_accelerator() -> device | None:
    """The accelerator in use: None, as PyTorch answers on a machine without one.

    >>> import symgrad
    >>> symgrad.accelerator.current_accelerator() is None
    True
    """
    return None


def device_count() -> int:
    """The number of accelerator devices: none.

    >>> import symgrad
    >>> symgrad.accelerator.device_count()
    0
    """
    return 0
