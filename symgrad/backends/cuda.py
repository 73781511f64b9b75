"""``torch.backends.cuda``: not built into symgrad; the flags programs set (``matmul.
allow_tf32``, the attention back ends) keep what they are given, with PyTorch's defaults.

>>> import symgrad
>>> symgrad.backends.cuda.is_built(), symgrad.backends.cuda.matmul.allow_tf32
(False, False)
"""

from __future__ import annotations


class _MatmulFlags:
    """``torch.backends.cuda.matmul``: the reduced-precision switches of CUDA's products,
    kept as set (symgrad's products are NumPy's, in the dtype)."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()
_SDP = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    """False: symgrad is not built with CUDA.

    >>> import symgrad
    >>> symgrad.backends.cuda.is_built()
    False
    """
    return False


def flash_sdp_enabled() -> bool:
    """Whether the flash attention back end is switched on (True at first; nothing runs on it
    here).

    >>> import symgrad
    >>> symgrad.backends.cuda.flash_sdp_enabled()
    True
    """
    return _SDP["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Switch the flash attention back end on or off (kept and reported).

    Args:
        enabled: On or off.

    >>> import symgrad
    >>> symgrad.backends.cuda.enable_flash_sdp(False); symgrad.backends.cuda.flash_sdp_enabled()
    False
    >>> symgrad.backends.cuda.enable_flash_sdp(True)
    """
    _SDP["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention back end is switched on (True at first).

    >>> import symgrad
    >>> symgrad.backends.cuda.mem_efficient_sdp_enabled()
    True
    """
    return _SDP["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Switch the memory-efficient attention back end on or off (kept and reported).

    Args:
        enabled: On or off.

    >>> import symgrad
    >>> symgrad.backends.cuda.enable_mem_efficient_sdp(True)
    """
    _SDP["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    """Whether the math attention back end, the one symgrad's attention is, is switched on.

    >>> import symgrad
    >>> symgrad.backends.cuda.math_sdp_enabled()
    True
    """
    return _SDP["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Switch the math attention back end on or off (kept and reported).

    Args:
        enabled: On or off.

    >>> import symgrad
    >>> symgrad.backends.cuda.enable_math_sdp(True)
    """
    _SDP["math"] = bool(enabled)
