"""``PixelShuffle`` and ``PixelUnshuffle``: the layers of ``pixel_shuffle`` and
``pixel_unshuffle`` (``symgrad/ops/pixel_shuffle.py``), as in ``torch.nn``.

>>> import symgrad
>>> symgrad.nn.PixelShuffle(2)(symgrad.zeros(1, 8, 3, 3)).shape
symgrad.Size([1, 2, 6, 6])
"""

from __future__ import annotations

from symgrad.nn.modules import Module
from symgrad.ops.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from symgrad.tensor import Tensor

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``pixel_shuffle`` as a layer: ``(*, C r^2, H, W)`` to ``(*, C, H r, W r)``.

    Parameters:
        upscale_factor: the factor ``r`` each spatial dim grows by.

    >>> import symgrad
    >>> symgrad.nn.PixelShuffle(3)
    PixelShuffle(upscale_factor=3)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """``pixel_shuffle(input, upscale_factor)``.

        Args:
            input: The tensor, at least 3-d.

        >>> import symgrad
        >>> PixelShuffle(2).forward(symgrad.arange(4.0).reshape(4, 1, 1)).flatten()
        tensor([0., 1., 2., 3.])
        """
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        """The factor.

        >>> PixelShuffle(2).extra_repr()
        'upscale_factor=2'
        """
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``pixel_unshuffle`` as a layer: ``(*, C, H r, W r)`` to ``(*, C r^2, H, W)``.

    Parameters:
        downscale_factor: the factor ``r`` each spatial dim shrinks by.

    >>> import symgrad
    >>> symgrad.nn.PixelUnshuffle(2)
    PixelUnshuffle(downscale_factor=2)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """``pixel_unshuffle(input, downscale_factor)``.

        Args:
            input: The tensor, at least 3-d.

        >>> import symgrad
        >>> PixelUnshuffle(2).forward(symgrad.zeros(1, 4, 4)).shape
        symgrad.Size([4, 2, 2])
        """
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        """The factor.

        >>> PixelUnshuffle(3).extra_repr()
        'downscale_factor=3'
        """
        return f"downscale_factor={self.downscale_factor}"
