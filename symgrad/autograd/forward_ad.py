"""Forward-mode AD, as ``torch.autograd.forward_ad``: inside ``dual_level()``, ``make_dual`` gives
a tensor a tangent, each op on tensors with tangents gives its result the Jacobian-vector
product, and ``unpack_dual`` reads it back.

Each op's product is the op's own, taken from its VJP by reverse mode twice: the gradient, in a
cotangent ``u``, of ``tangent . (J^T u)`` over a copy of the op with its inputs as fresh leaves.
So every op with a VJP has a forward derivative, the same function as PyTorch's formula (the
sign of a zero may differ); an op without one (``argmax``, integer results) gives no tangent.
One level at a time, as PyTorch allows; leaving it drops every tangent. Differs: a tangent of
another dtype than its primal's is carried in the primal's dtype (PyTorch keeps the tangent's),
and a tangent's own graph has the double reverse sweep's nodes, not PyTorch's formula's.

>>> import symgrad
>>> import symgrad.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     x = fwAD.make_dual(symgrad.tensor([1.0, 2.0]), symgrad.tensor([1.0, 0.0]))
...     fwAD.unpack_dual((x * x).sum()).tangent
tensor(2.)
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor", "check_dual"]

# The current level (None outside one), read by ``registry.apply`` before each op.
LEVEL: list[int | None] = [None]
# Each dual tensor's tangent, by the tensor's id, with a weak reference to the tensor (a new
# tensor at a dead one's id is not taken for it). Not a WeakKeyDictionary: that compares keys
# with ``==``, which for tensors is an op.
_TANGENTS: dict[int, tuple[Any, Any]] = {}


class UnpackedDualTensor(NamedTuple):
    """A dual tensor's parts: its primal (a view without the tangent) and its tangent (None
    for a tensor without one)."""

    primal: Any
    tangent: Any


def enter_dual_level() -> int:
    """Enter the forward AD level (0); another inside it raises, as in PyTorch.

    >>> level = enter_dual_level(); exit_dual_level(level=level); level
    0
    """
    if LEVEL[0] is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    LEVEL[0] = 0
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Leave the level: every tangent is dropped.

    Args:
        level: The level entered (0). Defaults to the current one.

    >>> exit_dual_level(level=enter_dual_level())
    """
    if LEVEL[0] is None or level not in (None, LEVEL[0]):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    LEVEL[0] = None
    _TANGENTS.clear()


class dual_level:
    """A block with a forward AD level: ``enter_dual_level`` on entry (returning the level),
    ``exit_dual_level`` on exit.

    >>> import symgrad
    >>> with dual_level() as level:
    ...     level
    0
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()


def make_dual(tensor: Any, tangent: Any, *, level: int | None = None) -> Any:
    """A view of ``tensor`` with ``tangent`` as its forward gradient.

    Args:
        tensor: The primal, a floating tensor.
        tangent: Its tangent: a floating tensor of the same shape.
        level: The level (0). Defaults to the current one.

    >>> import symgrad
    >>> with dual_level():
    ...     make_dual(symgrad.ones(2), symgrad.tensor([0.5, 1.0]))
    tensor([1., 1.], tangent=tensor([0.5000, 1.0000]))
    """
    if LEVEL[0] is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    check_dual(tensor, tangent)
    dual = _without_tangents(lambda: tensor.view_as(tensor))
    set_tangent(dual, tangent)
    return dual


def check_dual(primal: Any, tangent: Any) -> None:
    """PyTorch's errors for a primal and a tangent that cannot make a dual tensor: one not
    floating, or a tangent of another shape.

    Args:
        primal: The primal tensor.
        tangent: Its tangent.

    >>> import symgrad
    >>> check_dual(symgrad.ones(2), symgrad.ones(3))
    Traceback (most recent call last):
    ...
    RuntimeError: Trying to set a forward gradient that has a different size than that of the ...
    """
    for what, t in (("primal", primal), ("tangent", tangent)):
        if not t.is_floating_point():
            raise ValueError(f"Expected {what} to be floating point or complex, but got: "
                             f"{t.dtype}")
    if tuple(tangent.shape) != tuple(primal.shape):
        raise RuntimeError("Trying to set a forward gradient that has a different size than "
                           "that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(primal.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")


def unpack_dual(tensor: Any, *, level: int | None = None) -> UnpackedDualTensor:
    """A tensor's primal (a view without the tangent) and tangent (None if it has none).

    Args:
        tensor: Any tensor.
        level: The level (0). Defaults to the current one.

    >>> import symgrad
    >>> unpack_dual(symgrad.ones(1)).tangent is None
    True
    """
    tangent = tangent_of(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_without_tangents(lambda: tensor.view_as(tensor)), tangent)


def tangent_of(t: Any) -> Any:
    """``t``'s tangent at the current level, or None."""
    held = _TANGENTS.get(id(t))
    return held[1] if held is not None and held[0]() is t else None


def set_tangent(t: Any, tangent: Any) -> None:
    """Give ``t`` a tangent (None drops it): an in-place op's result, written into ``t``."""
    if tangent is None:
        _TANGENTS.pop(id(t), None)
    else:
        _TANGENTS[id(t)] = (weakref.ref(t), tangent)


def _without_tangents(fn: Callable[[], Any]) -> Any:
    """``fn()`` with forward AD off, so that it makes no tangents of its own."""
    level, LEVEL[0] = LEVEL[0], None
    try:
        return fn()
    finally:
        LEVEL[0] = level


def apply_dual(op: Any, values: tuple[Any, ...], attrs: dict[str, Any],
               plain: Callable[..., Any]) -> Any:
    """``registry.apply`` inside a level: the op's result (``plain``) and, where an input has
    a tangent and the result is floating, the result's tangent (module docstring)."""
    result = _without_tangents(lambda: plain(op, *values, **attrs))
    tangents = [tangent_of(v) for v in values]
    if all(t is None for t in tangents) or op.vjp is None or not _floating(result):
        return result
    set_tangent(result, _without_tangents(lambda: _jvp(op, values, attrs, tangents, plain)))
    return result


def _floating(t: Any) -> bool:
    return hasattr(t, "is_floating_point") and t.is_floating_point()


def _jvp(op: Any, values: tuple[Any, ...], attrs: dict[str, Any], tangents: list[Any],
         plain: Callable[..., Any]) -> Any:
    """The op's Jacobian-vector product at ``values`` along ``tangents`` (None: zero). Where an
    input or a tangent requires grad (with grad mode on), the product keeps its graph, so that
    reverse mode goes through it as through PyTorch's."""
    from symgrad.autograd import grad
    from symgrad.autograd.grad_mode import enable_grad, is_grad_enabled
    from symgrad.creation import zeros_like

    keep = is_grad_enabled() and any(
        getattr(x, "requires_grad", False) for x in (*values, *tangents))
    with enable_grad():
        # An input with a tangent becomes a leaf of its own (an alias, if it requires grad,
        # whose graph goes on to it); the others stay as they are.
        leaves = [v if t is None else v.view_as(v) if v.requires_grad
                  else v.detach().requires_grad_() for v, t in zip(values, tangents, strict=True)]
        out = plain(op, *leaves, **attrs)
        moved = [(x, t) for x, t in zip(leaves, tangents, strict=True) if t is not None]
        if not out.requires_grad:
            return zeros_like(out.detach())
        u = zeros_like(out.detach()).requires_grad_()
        found = grad(out, [x for x, _ in moved], u, create_graph=True, allow_unused=True)
        live = [(g, t) for g, (_, t) in zip(found, moved, strict=True) if g is not None]
        if not live:
            return zeros_like(out.detach())
        (jv,) = grad([g for g, _ in live], [u], [t.to(g.dtype) for g, t in live],
                     create_graph=keep, allow_unused=True)
    if jv is None:
        return zeros_like(out.detach())
    return jv if keep else jv.detach()
