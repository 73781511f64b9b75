"""``Unfold`` and ``Fold``, as in ``torch.nn``: ``unfold`` (im2col) and ``fold`` (col2im) as
layers, with the arguments they were built with, kept as given.

>>> import symgrad
>>> symgrad.nn.Unfold(2, padding=1)(symgrad.ones(1, 3, 4, 4)).shape
symgrad.Size([1, 12, 25])
"""

from __future__ import annotations

from typing import Any

from symgrad.nn.modules import Module
from symgrad.ops.fold import fold, unfold
from symgrad.tensor import Tensor

__all__ = ["Unfold", "Fold"]


class Unfold(Module):
    """The sliding blocks of a batch of images as columns (``unfold``).

    Parameters:
        kernel_size: the block's size, an int or ``(kh, kw)``.
        dilation: the step between a block's elements.
        padding: zeros added on each side.
        stride: the step between blocks.

    >>> import symgrad
    >>> symgrad.nn.Unfold((2, 3), stride=2)
    Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=2)
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """``unfold`` of ``input``.

        Args:
            input: ``(N, C, H, W)`` or ``(C, H, W)``.

        >>> import symgrad
        >>> symgrad.nn.Unfold(2).forward(symgrad.ones(2, 3, 3)).shape
        symgrad.Size([8, 4])
        """
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """The arguments, as PyTorch writes them.

        >>> import symgrad
        >>> symgrad.nn.Unfold(3).extra_repr()
        'kernel_size=3, dilation=1, padding=0, stride=1'
        """
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Columns of sliding blocks added back into a batch of images (``fold``).

    Parameters:
        output_size: the images' ``(H, W)``, or an int for both.
        kernel_size: the block's size, an int or ``(kh, kw)``.
        dilation: the step between a block's elements.
        padding: places around the images that blocks may cover.
        stride: the step between blocks.

    >>> import symgrad
    >>> symgrad.nn.Fold((4, 5), 2)
    Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """``fold`` of ``input``.

        Args:
            input: ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``.

        >>> import symgrad
        >>> symgrad.nn.Fold(3, 2).forward(symgrad.ones(4, 4)).shape
        symgrad.Size([1, 3, 3])
        """
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        """The arguments, as PyTorch writes them.

        >>> import symgrad
        >>> symgrad.nn.Fold(4, 2).extra_repr()
        'output_size=4, kernel_size=2, dilation=1, padding=0, stride=1'
        """
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
