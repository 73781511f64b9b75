"""``RReLU``, ``Softmax2d``, ``ChannelShuffle``, ``LocalResponseNorm`` and ``Bilinear``, as
PyTorch's modules (helper misc).

>>> import symgrad
>>> symgrad.nn.ChannelShuffle(2)(symgrad.arange(4.0).reshape(1, 4, 1)).flatten()
tensor([0., 2., 1., 3.])
"""

from __future__ import annotations

import math
from typing import Any

from symgrad.creation import empty
from symgrad.nn import functional as F
from symgrad.nn import init
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["RReLU", "Softmax2d", "ChannelShuffle", "LocalResponseNorm", "Bilinear"]


class RReLU(Module):
    """Randomized leaky ReLU: in training each non-positive element is scaled by a slope drawn
    from ``[lower, upper]`` (PyTorch's draws under one seed); in evaluation by their mean.

    Parameters:
        lower: the least slope. Default: 1/8.
        upper: the greatest slope. Default: 1/3.
        inplace: work in place. Default: False.

    >>> import symgrad
    >>> symgrad.nn.RReLU(0.1, 0.3, True)
    RReLU(lower=0.1, upper=0.3, inplace=True)
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``rrelu(input, lower, upper, training, inplace)``.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.RReLU(0.5, 0.5).eval().forward(symgrad.tensor([-2.0, 1.0]))
        tensor([-1.,  1.])
        """
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The bounds, and ``inplace`` when set.

        >>> import symgrad
        >>> symgrad.nn.RReLU().extra_repr()
        'lower=0.125, upper=0.3333333333333333'
        """
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of a ``(N, C, H, W)`` or ``(C, H, W)`` input.

    >>> import symgrad
    >>> symgrad.nn.Softmax2d()(symgrad.zeros(2, 1, 1)).flatten()
    tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``softmax(input, -3)``, once the input's rank is checked.

        Args:
            input: The tensor, 3-D or 4-D.

        >>> import symgrad
        >>> symgrad.nn.Softmax2d().forward(symgrad.zeros(1, 1, 1)).item()
        1.0
        """
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D "
                             "instead")
        return F.softmax(input, -3, _stacklevel=5)


class ChannelShuffle(Module):
    """``channel_shuffle``: the channels split into ``groups`` groups and interleaved.

    Parameters:
        groups: how many groups, dividing the channels.

    >>> import symgrad
    >>> symgrad.nn.ChannelShuffle(3)
    ChannelShuffle(groups=3)
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """``channel_shuffle(input, groups)``.

        Args:
            input: The tensor, ``(N, C, *)``.

        >>> import symgrad
        >>> symgrad.nn.ChannelShuffle(1).forward(symgrad.ones(1, 2, 1)).shape
        symgrad.Size([1, 2, 1])
        """
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        """The number of groups.

        >>> import symgrad
        >>> symgrad.nn.ChannelShuffle(2).extra_repr()
        'groups=2'
        """
        return f"groups={self.groups}"


class LocalResponseNorm(Module):
    """``local_response_norm`` over ``size`` neighbouring channels.

    Parameters:
        size: how many channels each normalisation spans.
        alpha: the scale. Default: 1e-4.
        beta: the exponent. Default: 0.75.
        k: the additive constant. Default: 1.

    >>> import symgrad
    >>> symgrad.nn.LocalResponseNorm(3)
    LocalResponseNorm(3, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        """``local_response_norm(input, size, alpha, beta, k)``.

        Args:
            input: ``(N, C, *)``, at least 3-D.

        >>> import symgrad
        >>> symgrad.nn.LocalResponseNorm(1, 1.0, 1.0).forward(symgrad.ones(1, 1, 1)).item()
        0.5
        """
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """The size and the constants.

        >>> import symgrad
        >>> symgrad.nn.LocalResponseNorm(2, k=2).extra_repr()
        '2, alpha=0.0001, beta=0.75, k=2'
        """
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Bilinear(Module):
    """``y = x1^T A x2 + b`` per output feature: ``bilinear(input1, input2, weight, bias)``,
    ``weight`` and ``bias`` drawn uniformly from ``[-1/sqrt(in1_features), 1/sqrt(...)]`` as
    PyTorch draws them (the same numbers under one seed).

    Parameters:
        in1_features: the size of the first input's last dim.
        in2_features: the size of the second input's last dim.
        out_features: the size of the output's last dim.
        bias: learn an additive bias. Default: True.
        device: only the CPU. Default: None.
        dtype: the parameters' dtype. Default: None (the default float dtype).

    >>> import symgrad
    >>> symgrad.nn.Bilinear(3, 4, 2)
    Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features, device=device,
                                      dtype=dtype))
        self.register_parameter("bias", Parameter(empty(out_features, device=device, dtype=dtype))
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` then ``bias`` afresh, as the constructor does.

        >>> import symgrad
        >>> layer = symgrad.nn.Bilinear(2, 2, 1)
        >>> _ = symgrad.manual_seed(1); layer.reset_parameters(); w = layer.weight.tolist()
        >>> _ = symgrad.manual_seed(1); w == symgrad.nn.Bilinear(2, 2, 1).weight.tolist()
        True
        """
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """``bilinear(input1, input2, weight, bias)``.

        Args:
            input1: ``(*, in1_features)``.
            input2: ``(*, in2_features)``.

        >>> import symgrad
        >>> symgrad.nn.Bilinear(2, 3, 4)(symgrad.ones(5, 2), symgrad.ones(5, 3)).shape
        symgrad.Size([5, 4])
        """
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The sizes and whether there is a bias.

        >>> import symgrad
        >>> symgrad.nn.Bilinear(1, 2, 3, bias=False).extra_repr()
        'in1_features=1, in2_features=2, out_features=3, bias=False'
        """
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
