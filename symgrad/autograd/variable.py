"""``torch.autograd.Variable``: the wrapper every tensor was before PyTorch 0.4, kept as
PyTorch keeps it. ``Variable(t, requires_grad)`` is a new leaf sharing ``t``'s memory (``t``
itself is left as it was), and every tensor is an instance of ``Variable``.

>>> import symgrad
>>> from symgrad.autograd import Variable
>>> x = symgrad.ones(2)
>>> v = Variable(x, requires_grad=True)
>>> v.requires_grad, x.requires_grad, isinstance(x, Variable)
(True, False, True)
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["Variable"]


class _VariableMeta(type):
    """Makes ``isinstance(t, Variable)`` true of every tensor, as PyTorch's metaclass does."""

    def __instancecheck__(cls, other: Any) -> bool:
        from symgrad.tensor import Tensor  # the tensor's module builds on autograd

        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """A tensor as a leaf of its own: ``data`` detached (the same memory), requiring grad if
    asked.

    >>> import symgrad
    >>> y = symgrad.ones(2, requires_grad=True) * 2
    >>> Variable(y).grad_fn is None
    True
    """

    def __new__(cls, data: Any = None, requires_grad: bool = False,  # type: ignore[misc]
                volatile: bool | None = None) -> Any:
        """The new leaf (a tensor; no ``Variable`` object is made).

        Args:
            data: A tensor; None for an empty float tensor. Defaults to None.
            requires_grad: Whether the new leaf requires grad. Defaults to False.
            volatile: Removed in PyTorch 0.4: a warning, and no effect. Defaults to None.

        Raises:
            TypeError: ``data`` is not a tensor.
        """
        from symgrad.creation import empty
        from symgrad.tensor import Tensor

        if volatile is not None:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "torch.no_grad():` instead.", stacklevel=2)
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
