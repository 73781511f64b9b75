"""More of PyTorch's process-wide switches and the questions programs ask of them: anomaly
mode, ``warn_always``, autocast's state, ``set_flush_denormal`` and the deterministic debug
mode, with PyTorch's checks of their arguments.

autocast's switches are ``autocast_policy``'s state (on the CPU, the products compute in
bfloat16 and the losses in float32, as PyTorch's); anomaly mode is
``autograd/anomaly_mode.py``'s (forward traces, NaN checks in backward); ``set_flush_denormal``
returns False, as PyTorch does on a CPU without the feature, since NumPy keeps subnormals; the
deterministic debug mode is ``use_deterministic_algorithms``'s state, as in PyTorch.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

from symgrad import _dtypes
from symgrad import autocast_policy as _autocast
from symgrad import runtime as _runtime
from symgrad.autograd import anomaly_mode as _anomaly

__all__ = ["is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled",
           "is_warn_always_enabled", "set_warn_always", "set_flush_denormal",
           "get_deterministic_debug_mode", "set_deterministic_debug_mode",
           "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
           "set_autocast_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
           "clear_autocast_cache", "autocast_increment_nesting", "autocast_decrement_nesting",
           "is_autocast_cpu_enabled", "set_autocast_cpu_enabled", "get_autocast_cpu_dtype",
           "set_autocast_cpu_dtype", "get_autocast_gpu_dtype", "set_autocast_gpu_dtype",
           "is_autocast_ipu_enabled", "set_autocast_ipu_enabled", "get_autocast_ipu_dtype",
           "set_autocast_ipu_dtype", "is_autocast_xla_enabled", "set_autocast_xla_enabled",
           "get_autocast_xla_dtype", "set_autocast_xla_dtype"]

_state: dict[str, Any] = {"warn_always": False}


def _bool_argument(fn: str, name: str, position: int, value: Any) -> None:
    if not isinstance(value, builtins.bool):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be bool, not "
                        f"{type(value).__name__}")


# -- anomaly mode ----------------------------------------------------------------------------------
def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on (``autograd.detect_anomaly``, ``set_anomaly_enabled``); off
    at first.

    >>> import symgrad
    >>> symgrad.is_anomaly_enabled()
    False
    """
    return _anomaly._state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode checks backward's results for NaN (True at first).

    >>> import symgrad
    >>> symgrad.is_anomaly_check_nan_enabled()
    True
    """
    return _anomaly._state.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Set anomaly mode and its NaN check, as ``torch.autograd.set_detect_anomaly`` does
    (``autograd/anomaly_mode.py``).

    Args:
        enabled: Anomaly mode on or off.
        check_nan: Whether it checks for NaN. Defaults to True.

    >>> import symgrad
    >>> symgrad.set_anomaly_enabled(True, False)
    >>> symgrad.is_anomaly_enabled(), symgrad.is_anomaly_check_nan_enabled()
    (True, False)
    >>> symgrad.set_anomaly_enabled(False)
    """
    _bool_argument("set_anomaly_enabled", "enabled", 1, enabled)
    _bool_argument("set_anomaly_enabled", "check_nan", 2, check_nan)
    _anomaly._state.enabled, _anomaly._state.check_nan = enabled, check_nan


# -- warnings --------------------------------------------------------------------------------------
def is_warn_always_enabled() -> bool:
    """Whether warnings PyTorch gives once per process are given every time.

    >>> import symgrad
    >>> symgrad.is_warn_always_enabled()
    False
    """
    return _state["warn_always"]


def set_warn_always(b: bool, /) -> None:
    """Give the warnings PyTorch gives once per process (its ``TORCH_WARN_ONCE``) every time.

    Args:
        b: True to warn every time, False once.

    >>> import symgrad
    >>> symgrad.set_warn_always(True); symgrad.is_warn_always_enabled()
    True
    >>> symgrad.set_warn_always(False)
    """
    if not isinstance(b, builtins.bool):
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _state["warn_always"] = b


def set_flush_denormal(mode: bool) -> bool:
    """Whether subnormal floats could be flushed to zero: False, as PyTorch answers on a CPU
    without the feature (NumPy keeps subnormals, so nothing is switched).

    Args:
        mode: True to ask for flushing, False to stop it.

    >>> import symgrad
    >>> symgrad.set_flush_denormal(True)
    False
    """
    if not isinstance(mode, builtins.bool):
        raise RuntimeError(f"flush_denormal expects a bool, but got {type(mode).__name__}")
    return False


# -- deterministic debug mode ----------------------------------------------------------------
def get_deterministic_debug_mode() -> int:
    """0 when deterministic algorithms are off, 1 when they only warn, 2 when they raise
    (``use_deterministic_algorithms``'s state).

    >>> import symgrad
    >>> symgrad.get_deterministic_debug_mode()
    0
    """
    if _runtime.are_deterministic_algorithms_enabled():
        return 1 if _runtime.is_deterministic_algorithms_warn_only_enabled() else 2
    return 0


def set_deterministic_debug_mode(debug_mode: int | str) -> None:
    """``use_deterministic_algorithms`` by a number or a name: 0 or ``"default"`` off, 1 or
    ``"warn"`` on with warnings only, 2 or ``"error"`` on.

    Args:
        debug_mode: 0, 1, 2, ``"default"``, ``"warn"`` or ``"error"``.

    >>> import symgrad
    >>> symgrad.set_deterministic_debug_mode("warn"); symgrad.get_deterministic_debug_mode()
    1
    >>> symgrad.set_deterministic_debug_mode(0)
    """
    if not isinstance(debug_mode, (builtins.int, str)):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if isinstance(debug_mode, str):
        named = {"default": 0, "warn": 1, "error": 2}
        if debug_mode not in named:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, "
                               f"`warn`, `error`, but got {debug_mode}")
        debug_mode = named[debug_mode]
    if debug_mode == 0:
        _runtime.use_deterministic_algorithms(False)
    elif debug_mode == 1:
        _runtime.use_deterministic_algorithms(True, warn_only=True)
    elif debug_mode == 2:
        _runtime.use_deterministic_algorithms(True)
    else:
        raise RuntimeError("invalid value of debug_mode, expected 0, 1, or 2, "
                           f"but got {debug_mode}")


# -- autocast ----------------------------------------------------------------------------------
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")
# The device types autocast knows (the others raise PyTorch's error), and their default dtypes.
_AUTOCAST_TYPES = frozenset({"cpu", "cuda", "xpu", "ipu", "hpu", "xla", "mps", "mtia", "maia",
                             "privateuseone"})
# The state itself is ``autocast_policy``'s, which the ops read.
_enabled = _autocast.ENABLED
_dtype = _autocast.DTYPES


def _device_type(device_type: Any) -> str:
    if not isinstance(device_type, str) or device_type not in _DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of "
                           f"device string: {device_type}")
    if device_type not in _AUTOCAST_TYPES:
        raise RuntimeError("unknown device type for autocast in "
                           "get_autocast_dispatch_key_from_device_type")
    return device_type


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast was switched on for ``device_type`` (CUDA's without one); off at
    first. On the CPU the ops then cast their inputs as PyTorch's (``autocast_policy``).

    Args:
        device_type: ``"cpu"``, ``"cuda"``, ... Defaults to None: CUDA's.

    >>> import symgrad
    >>> symgrad.is_autocast_enabled("cpu")
    False
    """
    return _enabled.get("cuda" if device_type is None else _device_type(device_type), False)


def set_autocast_enabled(*args: Any) -> None:
    """Switch autocast on or off: ``(enabled)`` for CUDA, ``(device_type, enabled)`` for a
    device type, as ``amp.autocast`` does on entering its block; CPU ops then cast.

    Args:
        *args: ``enabled``, or ``device_type`` and ``enabled``.

    >>> import symgrad
    >>> symgrad.set_autocast_enabled("cpu", True); symgrad.is_autocast_enabled("cpu")
    True
    >>> symgrad.set_autocast_enabled("cpu", False)
    """
    if len(args) == 1:
        _bool_argument("set_autocast_enabled", "enabled", 1, args[0])
        _enabled["cuda"] = args[0]
        return
    if len(args) != 2:
        raise TypeError(f"set_autocast_enabled() takes 1 or 2 arguments ({len(args)} given)")
    device_type, enabled = args
    _bool_argument("set_autocast_enabled", "enabled", 2, enabled)
    _enabled[_device_type(device_type)] = enabled


def get_autocast_dtype(device_type: str) -> _dtypes.dtype:
    """The dtype autocast would compute in on ``device_type``: bfloat16 for the CPU, XLA and
    HPU, float16 for the others, until set.

    Args:
        device_type: ``"cpu"``, ``"cuda"``, ...

    >>> import symgrad
    >>> symgrad.get_autocast_dtype("cpu")
    symgrad.bfloat16
    """
    return _dtype.get(_device_type(device_type), _dtypes.float16)


def set_autocast_dtype(device_type: str, dtype: _dtypes.dtype) -> None:
    """Set the dtype ``get_autocast_dtype`` reports for ``device_type``.

    Args:
        device_type: ``"cpu"``, ``"cuda"``, ...
        dtype: The dtype.

    >>> import symgrad
    >>> symgrad.set_autocast_dtype("cpu", symgrad.float16); symgrad.get_autocast_dtype("cpu")
    symgrad.float16
    >>> symgrad.set_autocast_dtype("cpu", symgrad.bfloat16)
    """
    if not isinstance(dtype, _dtypes.dtype):
        raise TypeError("set_autocast_dtype(): argument 'dtype' (position 2) must be "
                        f"symgrad.dtype, not {type(dtype).__name__}")
    _dtype[_device_type(device_type)] = dtype


def is_autocast_cache_enabled() -> bool:
    """Whether autocast would cache its casts (True at first).

    >>> import symgrad
    >>> symgrad.is_autocast_cache_enabled()
    True
    """
    return _autocast.STATE["cache"]


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Set what ``is_autocast_cache_enabled`` reports.

    Args:
        enabled: True or False.

    >>> import symgrad
    >>> symgrad.set_autocast_cache_enabled(True)
    """
    if not isinstance(enabled, builtins.bool):
        raise TypeError(f"enabled must be a bool (got {type(enabled).__name__})")
    _autocast.STATE["cache"] = enabled


def clear_autocast_cache() -> None:
    """Empty autocast's cache of the weights it cast (``autocast_policy``).

    >>> import symgrad
    >>> symgrad.clear_autocast_cache()
    """
    _autocast.clear_cache()


def autocast_increment_nesting() -> int:
    """One more autocast region entered; returns the depth.

    >>> import symgrad
    >>> symgrad.autocast_increment_nesting(), symgrad.autocast_decrement_nesting()
    (1, 0)
    """
    _autocast.STATE["nesting"] += 1
    return _autocast.STATE["nesting"]


def autocast_decrement_nesting() -> int:
    """One autocast region left; returns the depth (which may go below 0, as PyTorch's).

    >>> import symgrad
    >>> symgrad.autocast_increment_nesting(), symgrad.autocast_decrement_nesting()
    (1, 0)
    """
    _autocast.STATE["nesting"] -= 1
    return _autocast.STATE["nesting"]


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


def _device_switches(device: str, name: str) -> tuple[Any, ...]:
    """PyTorch's deprecated per-device forms: ``is_autocast_<name>_enabled``,
    ``set_autocast_<name>_enabled``, ``get_autocast_<name>_dtype``, ``set_autocast_<name>_dtype``
    (``name`` is "gpu" for CUDA's dtype, whose switch has no such form)."""

    def is_enabled() -> bool:
        _deprecated(f"is_autocast_{name}_enabled()", f"is_autocast_enabled('{device}')")
        return is_autocast_enabled(device)

    def set_enabled(enabled: bool) -> None:
        _deprecated(f"set_autocast_{name}_enabled(enabled)",
                    f"set_autocast_enabled('{device}', enabled)")
        if not isinstance(enabled, builtins.bool):
            raise TypeError(f"enabled must be a bool (got {type(enabled).__name__})")
        _enabled[device] = enabled

    def get_dtype() -> _dtypes.dtype:
        _deprecated(f"get_autocast_{name}_dtype()", f"get_autocast_dtype('{device}')")
        return get_autocast_dtype(device)

    def set_dtype(dtype: _dtypes.dtype) -> None:
        _deprecated(f"set_autocast_{name}_dtype(dtype)", f"set_autocast_dtype('{device}', dtype)")
        if not isinstance(dtype, _dtypes.dtype):
            raise TypeError(f"dtype must be a symgrad.dtype (got {type(dtype).__name__})")
        _dtype[device] = dtype

    made = (is_enabled, set_enabled, get_dtype, set_dtype)
    for fn, public, args, summary in zip(
            made, (f"is_autocast_{name}_enabled", f"set_autocast_{name}_enabled",
                   f"get_autocast_{name}_dtype", f"set_autocast_{name}_dtype"),
            ("", "enabled: True or False.", "", "dtype: The dtype."),
            (f"is_autocast_enabled('{device}')", f"set_autocast_enabled('{device}', enabled)",
             f"get_autocast_dtype('{device}')", f"set_autocast_dtype('{device}', dtype)"),
            strict=True):
        fn.__name__ = fn.__qualname__ = public
        fn.__module__ = __name__
        arguments = f"\n    Args:\n        {args}\n" if args else ""
        fn.__doc__ = (f"Deprecated in PyTorch (a DeprecationWarning): ``{summary}``.\n"
                      f"{arguments}\n"
                      f"    >>> import symgrad, warnings\n"
                      f"    >>> with warnings.catch_warnings():\n"
                      f"    ...     warnings.simplefilter('ignore')\n"
                      f"    ...     _ = symgrad.get_autocast_{name}_dtype()\n")
    return made


(is_autocast_cpu_enabled, set_autocast_cpu_enabled, get_autocast_cpu_dtype,
 set_autocast_cpu_dtype) = _device_switches("cpu", "cpu")
(_, _, get_autocast_gpu_dtype, set_autocast_gpu_dtype) = _device_switches("cuda", "gpu")
(is_autocast_ipu_enabled, set_autocast_ipu_enabled, get_autocast_ipu_dtype,
 set_autocast_ipu_dtype) = _device_switches("ipu", "ipu")
(is_autocast_xla_enabled, set_autocast_xla_enabled, get_autocast_xla_dtype,
 set_autocast_xla_dtype) = _device_switches("xla", "xla")
