"""``torch.backends.cudnn``: not available to symgrad (a CPU library); its flags keep what a
program sets (``benchmark``, ``deterministic``), with PyTorch's defaults.

>>> import symgrad.backends.cudnn as cudnn
>>> cudnn.is_available(), cudnn.version(), cudnn.enabled
(False, None, True)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: symgrad runs on the CPU alone.

    >>> import symgrad
    >>> symgrad.backends.cudnn.is_available()
    False
    """
    return False


def version() -> None:
    """cuDNN's version: None, as PyTorch's without cuDNN.

    >>> import symgrad
    >>> symgrad.backends.cudnn.version() is None
    True
    """
    return None


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, deterministic: bool = False,
          allow_tf32: bool = True) -> Iterator[None]:
    """Set the four flags inside the block, as ``torch.backends.cudnn.flags``; the values
    before it come back after.

    Args:
        enabled: ``cudnn.enabled`` inside. Defaults to False.
        benchmark: ``cudnn.benchmark`` inside. Defaults to False.
        deterministic: ``cudnn.deterministic`` inside. Defaults to False.
        allow_tf32: ``cudnn.allow_tf32`` inside. Defaults to True.

    >>> import symgrad
    >>> with symgrad.backends.cudnn.flags(enabled=False):
    ...     symgrad.backends.cudnn.enabled
    False
    >>> symgrad.backends.cudnn.enabled
    True
    """
    state = globals()
    before = {k: state[k] for k in ("enabled", "benchmark", "deterministic", "allow_tf32")}
    state.update(enabled=enabled, benchmark=benchmark, deterministic=deterministic,
                 allow_tf32=allow_tf32)
    try:
        yield
    finally:
        state.update(before)
