"""Gradient clipping, as ``torch.nn.utils``: ``clip_grad_norm_`` and ``clip_grad_value_``.

Both change the parameters' ``.grad`` in place, without recording, as a training loop calls
them between ``backward()`` and the optimizer's ``step()``.

>>> import symgrad
>>> w = symgrad.tensor([3.0, 4.0], requires_grad=True)
>>> (w * w).sum().backward()
>>> symgrad.nn.utils.clip_grad_norm_([w], max_norm=1.0), w.grad
(tensor(10.), tensor([0.6000, 0.8000]))
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import symgrad
from symgrad.autograd import grad_mode
from symgrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor], empty_warns: bool = False) -> list[Tensor]:
    """The gradients of ``parameters`` (one tensor or an iterable of them) that exist."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if empty_warns and generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their norm, taken together as one vector, is at most
    ``max_norm``: each is multiplied by ``min(1, max_norm / (norm + 1e-6))``, as PyTorch does
    (a multiplication by 1 too).

    Args:
        parameters: A tensor, or an iterable of tensors (a generator is read once), whose
            ``.grad`` is scaled; those without one are left out.
        max_norm: The largest norm the gradients may have.
        norm_type: The ``p`` of the p-norm; ``math.inf`` for the largest magnitude. Defaults
            to 2.
        error_if_nonfinite: Raise PyTorch's RuntimeError when the norm is NaN or infinite,
            instead of scaling by it. Defaults to False.
        foreach: PyTorch's choice of a fused implementation; the CPU's one is the loop
            computed here. Defaults to None.

    Returns:
        The norm of the gradients before scaling (``tensor(0.)`` when there are none).

    >>> import symgrad
    >>> w = symgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> (w * 3).sum().backward()
    >>> symgrad.nn.utils.clip_grad_norm_(w, 100.0), w.grad
    (tensor(4.2426), tensor([3., 3.]))
    """
    grads = _grads(parameters, empty_warns=True)
    norm_type = float(norm_type)
    if not grads:
        return symgrad.tensor(0.0)
    with grad_mode.no_grad():
        norms = [g.norm(norm_type) for g in grads]
        total = symgrad.stack(norms).norm(norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        coef = (float(max_norm) / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    Args:
        parameters: A tensor, or an iterable of tensors, whose ``.grad`` is clamped; those
            without one are left out.
        clip_value: The largest magnitude an element may keep.
        foreach: PyTorch's choice of a fused implementation; unused. Defaults to None.

    >>> import symgrad
    >>> w = symgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> symgrad.nn.utils.clip_grad_value_(w, 3.0); w.grad
    tensor([ 2., -3.])
    """
    clip_value = float(clip_value)
    with grad_mode.no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
