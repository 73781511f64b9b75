"""``torch.cuda.amp``: PyTorch's deprecated CUDA forms of ``autocast`` and ``GradScaler``. They
warn as PyTorch's do, and, with no CUDA here, are switched off (every op and method passes
through).

>>> import warnings
>>> import symgrad
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     symgrad.cuda.amp.GradScaler().is_enabled()
False
"""

from __future__ import annotations

import warnings

from symgrad import _dtypes
from symgrad import amp as _amp

__all__ = ["autocast", "GradScaler"]


class autocast(_amp.autocast):
    """``amp.autocast("cuda", ...)``, deprecated: switched off here.

    Args:
        enabled: Whether the block would autocast. Defaults to True.
        dtype: The lower precision. Defaults to float16.
        cache_enabled: Whether casts would be cached. Defaults to True.
    """

    def __init__(self, enabled: bool = True, dtype: _dtypes.dtype = _dtypes.float16,
                 cache_enabled: bool = True) -> None:
        warnings.warn(f"`{_dtypes.NAMESPACE[0]}.cuda.amp.autocast(args...)` is deprecated. "
                      f"Please use `{_dtypes.NAMESPACE[0]}.amp.autocast('cuda', args...)` "
                      "instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``amp.GradScaler("cuda", ...)``, deprecated: switched off here.

    Args:
        init_scale: The first scale. Defaults to 65536.
        growth_factor: The growth factor. Defaults to 2.
        backoff_factor: The backoff factor. Defaults to 0.5.
        growth_interval: The growth interval. Defaults to 2000.
        enabled: Whether it would scale. Defaults to True.
    """

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn(f"`{_dtypes.NAMESPACE[0]}.cuda.amp.GradScaler(args...)` is deprecated. "
                      f"Please use `{_dtypes.NAMESPACE[0]}.amp.GradScaler('cuda', args...)` "
                      "instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
