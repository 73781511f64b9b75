"""Automatic mixed precision, as ``torch.amp``: ``autocast`` (CPU autocast casts as PyTorch's,
``autocast_policy``; CUDA's is switched off with PyTorch's warning, as on a machine without
CUDA) and ``GradScaler`` (the loss scaling of a mixed-precision training loop: real on the CPU,
switched off for CUDA).

>>> import symgrad
>>> w = symgrad.ones(2, 2, requires_grad=True)
>>> with symgrad.autocast("cpu"):
...     y = w @ w
>>> y.dtype, y.grad_fn.next_functions[0][0].name()
(symgrad.bfloat16, 'ToCopyBackward0')
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from symgrad import _dtypes
from symgrad import autocast_policy as _policy

__all__ = ["autocast", "GradScaler", "is_autocast_available"]

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast works on ``device_type``: the CPU's (and CUDA's, which is switched off
    on entering when CUDA is not there, as here).

    Args:
        device_type: ``"cpu"``, ``"cuda"``, ...

    >>> is_autocast_available("cpu")
    True
    """
    return device_type in ("cpu", "cuda", "xpu", "mps", "hpu", "xla", "mtia", "maia",
                           "privateuseone", "ipu")


class autocast:
    """Inside the block, ops on ``device_type`` run in mixed precision: on the CPU the products
    and convolutions in ``dtype`` (bfloat16 by default), the losses and most of linalg in
    float32, the rest in the dtypes they are given (``autocast_policy``). Also a decorator.

    Args:
        device_type: ``"cpu"``; ``"cuda"`` is switched off with PyTorch's warning (no CUDA).
        dtype: The lower precision: ``bfloat16`` or ``float16`` on the CPU (another dtype
            switches autocast off, with PyTorch's warning). Defaults to the device's
            (``get_autocast_dtype``).
        enabled: Whether the block autocasts at all. Defaults to True.
        cache_enabled: Whether casts of weights are cached within the block. Defaults to
            ``is_autocast_cache_enabled()``.

    >>> import symgrad
    >>> with symgrad.autocast("cpu"):
    ...     symgrad.is_autocast_enabled("cpu")
    True
    """

    def __init__(self, device_type: str, dtype: _dtypes.dtype | None = None,
                 enabled: bool = True, cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start "
                               f"of device string: {device_type}")
        self.device = device_type
        self.fast_dtype = _policy.DTYPES.get(device_type, _dtypes.float16) if dtype is None \
            else dtype
        self._cache_enabled = _policy.STATE["cache"] if cache_enabled is None else cache_enabled
        self._enabled = bool(enabled)
        if device_type == "cuda" and self._enabled:
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                          stacklevel=2)
            self._enabled = False
        if device_type == "cpu" and self._enabled and self.fast_dtype not in (
                _dtypes.bfloat16, _dtypes.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of "
                          f"{_dtypes.NAMESPACE[0]}.bfloat16, {_dtypes.NAMESPACE[0]}.float16 "
                          "currently.", stacklevel=2)
            self._enabled = False
        self._before: list[tuple[Any, ...]] = []

    def __enter__(self) -> None:
        self._before.append((_policy.ENABLED.get(self.device, False),
                             _policy.DTYPES.get(self.device), _policy.STATE["cache"]))
        _policy.ENABLED[self.device] = self._enabled
        _policy.DTYPES[self.device] = self.fast_dtype
        _policy.STATE["cache"] = self._cache_enabled
        _policy.STATE["nesting"] += 1

    def __exit__(self, *exc: object) -> None:
        _policy.STATE["nesting"] -= 1
        if _policy.STATE["nesting"] == 0:
            _policy.clear_cache()
        enabled, dtype, cache = self._before.pop()
        _policy.ENABLED[self.device] = enabled
        if dtype is None:
            _policy.DTYPES.pop(self.device, None)
        else:
            _policy.DTYPES[self.device] = dtype
        _policy.STATE["cache"] = cache

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


# Where an optimizer is in GradScaler's steps since the last ``update``.
_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """Loss scaling for mixed-precision training: ``scale(loss).backward()``, then ``step``
    (which unscales the gradients and skips the optimizer's step when one is not finite) and
    ``update`` (which halves the scale after such a step, and doubles it after
    ``growth_interval`` finite ones).

    Args:
        device: ``"cpu"`` scales; ``"cuda"`` switches the scaler off with PyTorch's warning
            (no CUDA), so every method passes through. Defaults to ``"cuda"``.
        init_scale: The first scale. Defaults to 65536.
        growth_factor: What the scale is multiplied by after ``growth_interval`` finite
            steps. Defaults to 2.
        backoff_factor: What it is multiplied by after a step with a non-finite gradient.
            Defaults to 0.5.
        growth_interval: Finite steps in a row before the scale grows. Defaults to 2000.
        enabled: False makes every method pass through. Defaults to True.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0, 2.0]))
    >>> opt = symgrad.optim.SGD([w], lr=0.1)
    >>> scaler = GradScaler("cpu", init_scale=4.0)
    >>> scaler.scale((3 * w).sum()).backward(); w.grad
    tensor([12., 12.])
    >>> scaler.step(opt); scaler.update(); w.grad, w.detach()
    (tensor([3., 3.]), tensor([0.7000, 1.7000]))
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if enabled and device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._scale: Any = None  # a 0-d float32 tensor, made on the first ``scale``
        self._growth_tracker = 0
        self._optimizers: dict[int, dict[str, Any]] = {}

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._optimizers.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or lists and tuples of them) times the scale.

        Args:
            outputs: The loss, or losses.
        """
        if not self._enabled:
            return outputs
        from symgrad.creation import full

        if self._scale is None:
            self._scale = full((), self._init_scale, dtype=_dtypes.float32)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and note
        whether any is not finite (``step`` skips the optimizer's step then).

        Args:
            optimizer: The optimizer whose parameters' gradients are unscaled.
        """
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        if self._scale is None:
            raise AssertionError("Attempted unscale_ but _scale is None.  This may indicate "
                                 "your script did not use scaler.scale(loss or outputs) earlier "
                                 "in the iteration.")
        inverse = float(_dtypes.float32.np.type(1.0 / float(self._scale.item())))
        found = False
        from symgrad.autograd.grad_mode import no_grad

        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.dtype is _dtypes.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    found = found or not bool(p.grad.isfinite().all())
                    p.grad.mul_(inverse)
        state["stage"], state["found_inf"] = _UNSCALED, found

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step(*args, **kwargs)`` after ``unscale_`` (if not called yet), skipped
        when a gradient was not finite; returns what the step returned (None when skipped).

        Args:
            optimizer: The optimizer to step.
            *args: Passed to its ``step``.
            **kwargs: Passed to its ``step`` (a ``closure`` is refused, as in PyTorch).
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: Any = None) -> None:
        """Set the scale for the next iteration: ``new_scale`` if given, else the scale times
        ``backoff_factor`` if a step this iteration met a non-finite gradient, times
        ``growth_factor`` after ``growth_interval`` finite iterations in a row.

        Args:
            new_scale: A float or a one-element float32 tensor to use instead. Defaults to
                None.
        """
        if not self._enabled:
            return
        if self._scale is None:
            raise AssertionError("Attempted update but _scale is None.  This may indicate your "
                                 "script did not use scaler.scale(loss or outputs) earlier in "
                                 "the iteration.")
        from symgrad.creation import full

        if new_scale is not None:
            self._scale = full((), self._checked_scale(new_scale), dtype=_dtypes.float32)
        else:
            found = [s["found_inf"] for s in self._optimizers.values()
                     if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            self._scale = full((), self._next_scale(any(found)), dtype=_dtypes.float32)
        self._optimizers.clear()

    def _checked_scale(self, new_scale: Any) -> float:
        if isinstance(new_scale, float):
            return new_scale
        if (getattr(new_scale, "numel", lambda: 0)() != 1 or new_scale.requires_grad
                or new_scale.dtype is not _dtypes.float32):
            raise AssertionError("new_scale should be a float or a 1-element "
                                 "torch.cuda.FloatTensor or torch.FloatTensor with "
                                 "requires_grad=False.")
        return float(new_scale.item())

    def _next_scale(self, found_inf: bool) -> float:
        """PyTorch's ``_amp_update_scale_``, in float32."""
        f32 = _dtypes.float32.np.type
        scale = f32(self._scale.item())
        if found_inf:
            self._growth_tracker = 0
            return float(scale * f32(self._backoff_factor))
        self._growth_tracker += 1
        if self._growth_tracker == self._growth_interval:
            self._growth_tracker = 0
            grown = scale * f32(self._growth_factor)
            if grown != float("inf"):
                return float(grown)
        return float(scale)

    def get_scale(self) -> float:
        """The current scale (1.0 when switched off).

        >>> GradScaler("cpu").get_scale()
        65536.0
        """
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False for CUDA's here, or with ``enabled=False``).

        >>> GradScaler("cpu").is_enabled()
        True
        """
        return self._enabled

    def get_growth_factor(self) -> float:
        """The growth factor.

        >>> GradScaler("cpu").get_growth_factor()
        2.0
        """
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor.

        Args:
            new_factor: The new factor.
        """
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """The backoff factor.

        >>> GradScaler("cpu").get_backoff_factor()
        0.5
        """
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor.

        Args:
            new_factor: The new factor.
        """
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """The growth interval.

        >>> GradScaler("cpu").get_growth_interval()
        2000
        """
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval.

        Args:
            new_interval: The new interval.
        """
        self._growth_interval = new_interval

    def state_dict(self) -> dict[str, Any]:
        """The scale, the factors, the interval and the growth tracker ({} when switched off).

        >>> GradScaler("cpu", init_scale=8.0).state_dict()["scale"]
        8.0
        """
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned.

        Args:
            state_dict: A scaler's ``state_dict()``.
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        from symgrad.creation import full

        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = full((), state_dict["scale"], dtype=_dtypes.float32)
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]
