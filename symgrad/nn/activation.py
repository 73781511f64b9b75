"""Activation layers: each applies its function of ``symgrad.nn.functional`` elementwise, or
along ``dim`` for the softmaxes.

>>> import symgrad
>>> symgrad.nn.Sequential(symgrad.nn.Linear(2, 2), symgrad.nn.GELU(), symgrad.nn.Softmax(dim=1))
Sequential(
  (0): Linear(in_features=2, out_features=2, bias=True)
  (1): GELU(approximate='none')
  (2): Softmax(dim=1)
)
"""

from __future__ import annotations

import warnings

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """``relu`` as a layer.

    >>> import symgrad
    >>> symgrad.nn.ReLU()(symgrad.tensor([-1.0, 2.0], requires_grad=True))
    tensor([0., 2.], grad_fn=<ReluBackward0>)
    """

    def forward(self, input: Tensor) -> Tensor:
        """``max(input, 0)`` elementwise.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.ReLU().forward(symgrad.tensor([-0.5, 0.5]))
        tensor([0.0000, 0.5000])
        """
        return F.relu(input)


class Tanh(Module):
    """``tanh`` as a layer.

    >>> import symgrad
    >>> symgrad.nn.Tanh()(symgrad.tensor([0.0], requires_grad=True))
    tensor([0.], grad_fn=<TanhBackward0>)
    """

    def forward(self, input: Tensor) -> Tensor:
        """``tanh(input)`` elementwise: odd, bounded by 1.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> y = symgrad.nn.Tanh().forward(symgrad.tensor([-30.0, 30.0]))
        >>> y.tolist()
        [-1.0, 1.0]
        """
        return F.tanh(input)


class Sigmoid(Module):
    """``sigmoid`` as a layer.

    >>> import symgrad
    >>> symgrad.nn.Sigmoid()(symgrad.tensor([0.0], requires_grad=True))
    tensor([0.5000], grad_fn=<SigmoidBackward0>)
    """

    def forward(self, input: Tensor) -> Tensor:
        """``1 / (1 + exp(-input))`` elementwise.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.Sigmoid().forward(symgrad.tensor([0.0, 2.0]))
        tensor([0.5000, 0.8808])
        """
        return F.sigmoid(input)


class GELU(Module):
    """``gelu`` as a layer.

    Parameters:
        approximate: ``"none"`` (the exact ``x * Phi(x)``) or ``"tanh"``.

    >>> import symgrad
    >>> symgrad.nn.GELU()(symgrad.tensor([0.0, 1.0], requires_grad=True))
    tensor([0.0000, 0.8413], grad_fn=<GeluBackward0>)
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """``gelu(input, approximate)`` elementwise.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.GELU("tanh").forward(symgrad.tensor([0.0]))
        tensor([0.])
        """
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """The approximation.

        >>> import symgrad
        >>> symgrad.nn.GELU().extra_repr()
        "approximate='none'"
        """
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``silu`` (``x * sigmoid(x)``) as a layer.

    >>> import symgrad
    >>> symgrad.nn.SiLU()(symgrad.tensor([0.0], requires_grad=True))
    tensor([0.], grad_fn=<SiluBackward0>)
    """

    def forward(self, input: Tensor) -> Tensor:
        """``input * sigmoid(input)`` elementwise.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.SiLU().forward(symgrad.tensor([0.0]))
        tensor([0.])
        """
        return F.silu(input)


def _implicit_dim(name: str, ndim: int) -> int:
    """PyTorch's choice of dim for a softmax layer made without one (with its warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=4)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """``softmax`` along ``dim`` as a layer.

    Parameters:
        dim: the dim that sums to 1 (None: PyTorch's deprecated implicit choice, with a
            warning).

    >>> import symgrad
    >>> symgrad.nn.Softmax(dim=1)(symgrad.tensor([[0.0, 0.0]]))
    tensor([[0.5000, 0.5000]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``softmax(input, dim)``.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.Softmax(0).forward(symgrad.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
        """
        dim = _implicit_dim("softmax", input.ndim) if self.dim is None else self.dim
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        """The dim.

        >>> import symgrad
        >>> symgrad.nn.Softmax(dim=-1).extra_repr()
        'dim=-1'
        """
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log_softmax`` along ``dim`` as a layer.

    Parameters:
        dim: the dim normalised over (None: PyTorch's deprecated implicit choice, with a
            warning).

    >>> import symgrad
    >>> symgrad.nn.LogSoftmax(dim=1)(symgrad.tensor([[0.0, 0.0]])).exp()
    tensor([[0.5000, 0.5000]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``log_softmax(input, dim)``.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.LogSoftmax(0).forward(symgrad.tensor([0.0, 0.0])).exp()
        tensor([0.5000, 0.5000])
        """
        dim = _implicit_dim("log_softmax", input.ndim) if self.dim is None else self.dim
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        """The dim.

        >>> import symgrad
        >>> symgrad.nn.LogSoftmax(dim=1).extra_repr()
        'dim=1'
        """
        return f"dim={self.dim}"
