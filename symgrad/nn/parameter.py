"""``Parameter``: a leaf tensor that requires grad and that a ``Module`` registers."""

from __future__ import annotations

from symgrad.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: a leaf requiring grad by default.

    Args:
        data: The values, shared with this tensor (not copied). Defaults to None: an empty
            tensor of the default dtype.
        requires_grad: Whether the parameter records operations. Defaults to True.

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
        if requires_grad and _dtypes._FROM_NP[arr.dtype].category != _dtypes._FLOAT:
            # PyTorch's constructor says it with a capital, unlike ``requires_grad_``.
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        p = cls._make(arr, False, None)
        p.requires_grad = requires_grad
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # ``__new__`` made it; this signature is the one ``help`` and the docs show

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
