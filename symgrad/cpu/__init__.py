"""``torch.cpu``: the device symgrad computes on, and its deprecated ``amp`` forms.

>>> import symgrad
>>> symgrad.cpu.is_available(), symgrad.cpu.device_count(), symgrad.cpu.current_device()
(True, 1, 'cpu')
"""

from __future__ import annotations

from symgrad.cpu import amp

__all__ = ["amp", "is_available", "device_count", "current_device", "synchronize"]


def is_available() -> bool:
    """True: symgrad computes on the CPU.

    >>> import symgrad
    >>> symgrad.cpu.is_available()
    True
    """
    return True


def device_count() -> int:
    """One CPU device, as PyTorch counts it.

    >>> import symgrad
    >>> symgrad.cpu.device_count()
    1
    """
    return 1


def current_device() -> str:
    """``"cpu"``.

    >>> import symgrad
    >>> symgrad.cpu.current_device()
    'cpu'
    """
    return "cpu"


def synchronize(device: object = None) -> None:
    """Wait for the CPU's work: nothing runs asynchronously here.

    Args:
        device: Ignored, as PyTorch's. Defaults to None.

    >>> import symgrad
    >>> symgrad.cpu.synchronize()
    """
