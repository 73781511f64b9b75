"""``torch.cpu.amp``: PyTorch's deprecated CPU forms of ``autocast`` and ``GradScaler``, which
warn and then are ``amp.autocast("cpu", ...)`` and ``amp.GradScaler("cpu", ...)``.

>>> import warnings
>>> import symgrad
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     with symgrad.cpu.amp.autocast():
...         (symgrad.ones(1, 2) @ symgrad.ones(2, 1)).dtype
symgrad.bfloat16
"""

from __future__ import annotations

import warnings

from symgrad import _dtypes
from symgrad import amp as _amp

__all__ = ["autocast", "GradScaler"]


class autocast(_amp.autocast):
    """``amp.autocast("cpu", ...)``, deprecated.

    Args:
        enabled: Whether the block autocasts. Defaults to True.
        dtype: The lower precision. Defaults to bfloat16.
        cache_enabled: Whether casts of weights are cached. Defaults to True.
    """

    def __init__(self, enabled: bool = True, dtype: _dtypes.dtype = _dtypes.bfloat16,
                 cache_enabled: bool = True) -> None:
        warnings.warn(f"`{_dtypes.NAMESPACE[0]}.cpu.amp.autocast(args...)` is deprecated. "
                      f"Please use `{_dtypes.NAMESPACE[0]}.amp.autocast('cpu', args...)` "
                      "instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``amp.GradScaler("cpu", ...)``, deprecated.

    Args:
        init_scale: The first scale. Defaults to 65536.
        growth_factor: The growth factor. Defaults to 2.
        backoff_factor: The backoff factor. Defaults to 0.5.
        growth_interval: The growth interval. Defaults to 2000.
        enabled: Whether it scales. Defaults to True.
    """

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn(f"`{_dtypes.NAMESPACE[0]}.cpu.amp.GradScaler(args...)` is deprecated. "
                      f"Please use `{_dtypes.NAMESPACE[0]}.amp.GradScaler('cpu', args...)` "
                      "instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
