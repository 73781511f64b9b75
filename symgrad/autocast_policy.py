"""What CPU autocast does to an op's inputs, as PyTorch's ``AutocastCPU`` kernels do: the state
``amp.autocast`` switches, and the two policies the public ops declare (``autocasts``).

- ``"lower"``: the products and convolutions (``matmul``, ``mm``, ``addmm``, ``linear``,
  ``conv2d``, ...) cast each floating input except float64 to autocast's dtype (bfloat16 by
  default), so they compute in it. A float32 leaf that requires grad is cast once per autocast
  region and the cast reused (PyTorch's cache: one ToCopyBackward0 node for a weight used twice).
- ``"fp32"``: the losses, most of linalg, ``prod``, ``cdist``, ``quantile`` and a few pools and
  pads cast each floating input except float64 to float32.

- ``"promote"``: ``index_copy`` casts its floating inputs except float64 to the widest of their
  dtypes (``cat`` and ``stack`` promote so anyway).
- ``"unsupported"``: ``linalg.pinv``, which PyTorch composes of ops its autocast casts one by one
  (an SVD in float32, then a product in the lower dtype), raises NotImplementedError under CPU
  autocast rather than give another dtype and other values.

Every other op runs in the dtypes it is given, as under PyTorch's autocast. The casts are
``Tensor.to`` calls, so the graph holds PyTorch's ToCopyBackward0 nodes. The state is one per
process (PyTorch's is per thread).

>>> import symgrad
>>> with symgrad.autocast("cpu"):
...     (symgrad.ones(2, 2) @ symgrad.ones(2, 2)).dtype
symgrad.bfloat16
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

from symgrad import _dtypes

__all__ = ["autocasts", "clear_cache"]

# Autocast per device type: on or off, and its dtype (bfloat16 for the CPU, XLA and HPU, float16
# for the others), as ``symgrad.set_autocast_enabled`` and ``amp.autocast`` set them; whether
# the casts of weights are cached, and how many autocast regions are open.
ENABLED: dict[str, bool] = {}
DTYPES: dict[str, _dtypes.dtype] = dict.fromkeys(("cpu", "xla", "hpu"), _dtypes.bfloat16)
STATE: dict[str, Any] = {"cache": True, "nesting": 0}
# Cached lower-precision casts of float32 leaves, by the leaf's id: (a weak reference to the
# leaf, so that a new tensor at the same id is not taken for it, and the cast).
_CACHE: dict[int, tuple[Any, Any]] = {}
_LOWER, _FP32, _PROMOTE, _UNSUPPORTED = "lower", "fp32", "promote", "unsupported"


def clear_cache() -> None:
    """Forget the cached casts (``amp.autocast`` does on leaving its outermost region).

    >>> clear_cache()
    """
    _CACHE.clear()


def _eligible(t: Any) -> bool:
    """An input autocast casts: a floating tensor other than float64."""
    from symgrad.tensor import Tensor

    return isinstance(t, Tensor) and t.is_floating_point() and t.dtype is not _dtypes.float64


def _cast(t: Any, dtype: _dtypes.dtype) -> Any:
    """``t`` in ``dtype`` if autocast casts it, through the cache for a float32 leaf that
    requires grad cast down (as PyTorch's ``cached_cast``)."""
    if isinstance(t, (list, tuple)):
        return type(t)(_cast(x, dtype) for x in t)
    if not _eligible(t) or t.dtype is dtype:
        return t
    cacheable = (STATE["cache"] and dtype is not _dtypes.float32 and t.dtype is _dtypes.float32
                 and t.requires_grad and t.is_leaf and not t._is_view())
    if not cacheable:
        return t.to(dtype)
    held = _CACHE.get(id(t))
    if held is not None and held[0]() is t:
        return held[1]
    cast = t.to(dtype)
    _CACHE[id(t)] = (weakref.ref(t), cast)
    return cast


def _target(policy: str, values: list[Any]) -> _dtypes.dtype:
    """The dtype ``policy`` casts ``values`` to (``"promote"``: the widest eligible one's)."""
    if policy == _LOWER:
        return DTYPES["cpu"]
    if policy == _FP32:
        return _dtypes.float32
    widest = None
    for v in values:
        if _eligible(v):
            widest = v.dtype if widest is None else _dtypes.promote_types(widest, v.dtype)
    return widest or _dtypes.float32


def autocasts(policy: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a public op's autocast policy (module docstring).
    Outside CPU autocast the op is called as it is.

    Args:
        policy: ``"lower"``, ``"fp32"``, ``"promote"`` or ``"unsupported"``.

    >>> import symgrad
    >>> double = autocasts("fp32")(lambda t: t * 2)
    >>> with symgrad.autocast("cpu"):
    ...     double(symgrad.ones(1, dtype=symgrad.bfloat16)).dtype
    symgrad.float32
    """
    if policy not in (_LOWER, _FP32, _PROMOTE, _UNSUPPORTED):
        raise ValueError(f"unknown autocast policy {policy!r}")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def op(*args: Any, **kwargs: Any) -> Any:
            if not ENABLED.get("cpu"):
                return fn(*args, **kwargs)
            if policy == _UNSUPPORTED:
                raise NotImplementedError(
                    f"{fn.__name__} under CPU autocast: PyTorch composes it of ops its autocast "
                    "casts one by one, which symgrad does not reproduce; call it outside the "
                    "autocast block")
            dtype = _target(policy, [*args, *kwargs.values()])
            return fn(*[_cast(a, dtype) for a in args],
                      **{k: _cast(v, dtype) for k, v in kwargs.items()})

        op.autocast_policy = policy  # type: ignore[attr-defined]
        return op

    return decorate
