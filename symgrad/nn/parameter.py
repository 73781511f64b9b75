"""``Parameter``: a leaf tensor that requires grad and that a ``Module`` registers."""

from __future__ import annotations

from typing import Any

from symgrad.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: a leaf requiring grad by default.

    >>> import symgrad
    >>> symgrad.nn.Parameter(symgrad.tensor([1.0, 2.0]))
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        import numpy as np

        from symgrad import _dtypes

        arr = np.empty(0, _dtypes.get_default_dtype().np) if data is None else data._data
        p = cls._make(arr, False, None)
        p.requires_grad = requires_grad
        return p

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
