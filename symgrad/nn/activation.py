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

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["ReLU", "LeakyReLU", "ELU", "Hardtanh", "ReLU6", "Softplus", "Tanh", "Sigmoid",
           "GELU", "SiLU", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """``relu`` as a layer.

    Parameters:
        inplace: write the result into the input and return it, as ``relu(inplace=True)``.

    >>> import symgrad
    >>> symgrad.nn.ReLU()(symgrad.tensor([-1.0, 2.0], requires_grad=True))
    tensor([0., 2.], grad_fn=<ReluBackward0>)
    >>> symgrad.nn.ReLU(inplace=True)
    ReLU(inplace=True)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``max(input, 0)`` elementwise.

        Args:
            input: The tensor (written into with ``inplace``).

        >>> import symgrad
        >>> symgrad.nn.ReLU().forward(symgrad.tensor([-0.5, 0.5]))
        tensor([0.0000, 0.5000])
        """
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when in place, else nothing.

        >>> import symgrad
        >>> symgrad.nn.ReLU().extra_repr(), symgrad.nn.ReLU(inplace=True).extra_repr()
        ('', 'inplace=True')
        """
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``leaky_relu`` as a layer.

    Parameters:
        negative_slope: the slope where the input is negative.
        inplace: write the result into the input and return it, as
            ``leaky_relu(inplace=True)``.

    >>> import symgrad
    >>> symgrad.nn.LeakyReLU(0.5)(symgrad.tensor([-1.0, 2.0], requires_grad=True))
    tensor([-0.5000,  2.0000], grad_fn=<LeakyReluBackward0>)
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``input`` where positive, else ``negative_slope * input``.

        Args:
            input: The tensor (written into with ``inplace``).

        >>> import symgrad
        >>> symgrad.nn.LeakyReLU().forward(symgrad.tensor([-1.0, 1.0]))
        tensor([-0.0100,  1.0000])
        """
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """The slope, and ``inplace=True`` when in place.

        >>> import symgrad
        >>> symgrad.nn.LeakyReLU(0.2, inplace=True)
        LeakyReLU(negative_slope=0.2, inplace=True)
        """
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """``hardtanh`` as a layer.

    Parameters:
        min_val: the lower bound.
        max_val: the upper bound, above ``min_val``.
        inplace: write the result into the input and return it, as ``hardtanh(inplace=True)``.

    >>> import symgrad
    >>> symgrad.nn.Hardtanh(-0.5, 0.5)(symgrad.tensor([-1.0, 0.25], requires_grad=True))
    tensor([-0.5000,  0.2500], grad_fn=<HardtanhBackward0>)
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
                 ) -> None:
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if not max_val > min_val:  # PyTorch's assert, kept under python -O
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")

    def forward(self, input: Tensor) -> Tensor:
        """``input`` clamped to ``[min_val, max_val]``.

        Args:
            input: The tensor (written into with ``inplace``).

        >>> import symgrad
        >>> symgrad.nn.Hardtanh().forward(symgrad.tensor([-3.0, 3.0]))
        tensor([-1.,  1.])
        """
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """The bounds, and ``inplace=True`` when in place.

        >>> import symgrad
        >>> symgrad.nn.Hardtanh(-2, 2, inplace=True)
        Hardtanh(min_val=-2, max_val=2, inplace=True)
        """
        tail = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{tail}"


class ReLU6(Hardtanh):
    """``relu6`` as a layer: ``Hardtanh(0.0, 6.0)``, as in PyTorch.

    Parameters:
        inplace: write the result into the input and return it.

    >>> import symgrad
    >>> symgrad.nn.ReLU6()(symgrad.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when in place, else nothing.

        >>> import symgrad
        >>> symgrad.nn.ReLU6(inplace=True)
        ReLU6(inplace=True)
        """
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """``softplus`` as a layer.

    Parameters:
        beta: the sharpness: larger is closer to ``relu``.
        threshold: where ``beta * input`` exceeds it, the result is the input.

    >>> import symgrad
    >>> symgrad.nn.Softplus()(symgrad.tensor([0.0], requires_grad=True))
    tensor([0.6931], grad_fn=<SoftplusBackward0>)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        """``log(1 + exp(beta * input)) / beta``, the identity above the threshold.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.Softplus(2.0).forward(symgrad.tensor([0.0]))
        tensor([0.3466])
        """
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """``beta`` and ``threshold``.

        >>> import symgrad
        >>> symgrad.nn.Softplus(beta=0.5)
        Softplus(beta=0.5, threshold=20.0)
        """
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """``elu`` as a layer.

    Parameters:
        alpha: the limit ``-alpha`` the negative side tends to.
        inplace: write the result into the input and return it, as ``elu(inplace=True)``.

    >>> import symgrad
    >>> symgrad.nn.ELU()(symgrad.tensor([-1.0, 2.0], requires_grad=True))
    tensor([-0.6321,  2.0000], grad_fn=<EluBackward0>)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``input`` where positive, else ``alpha * (exp(input) - 1)``.

        Args:
            input: The tensor (written into with ``inplace``).

        >>> import symgrad
        >>> symgrad.nn.ELU(2.0).forward(symgrad.tensor([-1.0, 1.0]))
        tensor([-1.2642,  1.0000])
        """
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """``alpha``, and ``inplace=True`` when in place.

        >>> import symgrad
        >>> symgrad.nn.ELU(inplace=True)
        ELU(alpha=1.0, inplace=True)
        """
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


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

    Parameters:
        inplace: write the result into the input and return it, as ``silu(inplace=True)``.

    >>> import symgrad
    >>> symgrad.nn.SiLU()(symgrad.tensor([0.0], requires_grad=True))
    tensor([0.], grad_fn=<SiluBackward0>)
    >>> symgrad.nn.SiLU(inplace=True)
    SiLU(inplace=True)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``input * sigmoid(input)`` elementwise.

        Args:
            input: The tensor (written into with ``inplace``).

        >>> import symgrad
        >>> symgrad.nn.SiLU().forward(symgrad.tensor([0.0]))
        tensor([0.])
        """
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when in place, else nothing.

        >>> import symgrad
        >>> symgrad.nn.SiLU().extra_repr()
        ''
        """
        return "inplace=True" if self.inplace else ""


# Where F.softmax's warning of an implicit dim points: the caller of the module (F.softmax's
# helper, F.softmax, forward, __call__, the caller).
_STACKLEVEL = 5


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
        return F.softmax(input, self.dim, _STACKLEVEL)

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
        return F.log_softmax(input, self.dim, _STACKLEVEL)

    def extra_repr(self) -> str:
        """The dim.

        >>> import symgrad
        >>> symgrad.nn.LogSoftmax(dim=1).extra_repr()
        'dim=1'
        """
        return f"dim={self.dim}"
