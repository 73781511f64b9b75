"""``prelu`` and ``glu`` as functions and layers, as in ``torch.nn.functional`` and ``torch.nn``
(``symgrad/ops/elementwise_more.py`` has the ops, recording ``PreluKernelBackward0`` and
``GluBackward0``).

>>> import symgrad
>>> symgrad.nn.PReLU()(symgrad.tensor([-4.0, 2.0]))
tensor([-1.,  2.], grad_fn=<PreluKernelBackward0>)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.autocast_policy import autocasts
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.ops.elementwise_more import glu as _glu
from symgrad.ops.elementwise_more import prelu as _prelu
from symgrad.tensor import Tensor

__all__ = ["prelu", "glu", "PReLU", "GLU"]


@autocasts("lower")
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``input`` where positive, else ``weight * input``, as ``torch.nn.functional.prelu``.

    Args:
        input: The tensor.
        weight: The slopes: one, or one per channel (dim 1) of ``input``.

    >>> import symgrad
    >>> prelu(symgrad.tensor([[-2.0], [2.0]]), symgrad.tensor([0.5]))
    tensor([[-1.],
            [ 2.]])
    """
    return _prelu(input, weight)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit ``a * sigmoid(b)``, ``a`` and ``b`` the halves of ``input`` along
    ``dim``, as ``torch.nn.functional.glu``.

    Args:
        input: The tensor; its size along ``dim`` is even.
        dim: The dim halved. Defaults to -1.

    >>> import symgrad
    >>> glu(symgrad.tensor([4.0, 0.0]))
    tensor([2.])
    """
    return _glu(input, dim)


class PReLU(Module):
    """``prelu`` with learned slopes.

    Parameters:
        num_parameters: the number of slopes: 1, or the input's channels.
        init: every slope's first value.
        device: where the slopes live.
        dtype: the slopes' dtype.

    >>> import symgrad
    >>> symgrad.nn.PReLU(3)
    PReLU(num_parameters=3)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(symgrad.full((num_parameters,), init, device=device,
                                             dtype=dtype))

    def forward(self, input: Tensor) -> Tensor:
        """``prelu(input, weight)``.

        Args:
            input: The tensor; its channels (dim 1) match the slopes unless there is one.

        >>> import symgrad
        >>> symgrad.nn.PReLU(init=0.5).forward(symgrad.tensor([-1.0]))
        tensor([-0.5000], grad_fn=<PreluKernelBackward0>)
        """
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        """The number of slopes.

        >>> PReLU().extra_repr()
        'num_parameters=1'
        """
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """``glu`` as a layer.

    Parameters:
        dim: the dim halved.

    >>> import symgrad
    >>> symgrad.nn.GLU()
    GLU(dim=-1)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``glu(input, dim)``.

        Args:
            input: The tensor; its size along ``dim`` is even.

        >>> import symgrad
        >>> symgrad.nn.GLU(0).forward(symgrad.tensor([4.0, 0.0]))
        tensor([2.])
        """
        return glu(input, self.dim)

    def extra_repr(self) -> str:
        """The dim halved.

        >>> GLU(1).extra_repr()
        'dim=1'
        """
        return f"dim={self.dim}"
