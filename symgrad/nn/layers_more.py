"""``RReLU``, ``Softmax2d`` and ``ChannelShuffle``, as PyTorch's modules (helper misc).

>>> import symgrad
>>> symgrad.nn.ChannelShuffle(2)(symgrad.arange(4.0).reshape(1, 4, 1)).flatten()
tensor([0., 2., 1., 3.])
"""

from __future__ import annotations

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["RReLU", "Softmax2d", "ChannelShuffle"]


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
