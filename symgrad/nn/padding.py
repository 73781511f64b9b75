"""Constant padding layers: ``ConstantPad1d/2d/3d`` and ``ZeroPad1d/2d/3d``, each
``nn.functional.pad`` of its input in the constant mode, as in PyTorch.

>>> import symgrad
>>> symgrad.nn.ZeroPad2d((1, 0, 0, 1))(symgrad.tensor([[[1.0, 2.0]]]))
tensor([[[0., 1., 2.],
         [0., 0., 0.]]])
"""

from __future__ import annotations

from collections.abc import Sequence

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]


class _ConstantPadNd(Module):
    """What the constant padding layers share: ``padding`` (a pair per padded dim, the last
    dim's first) and ``value``. ``dims``: how many trailing dims a layer pads."""

    dims = 0

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__()
        self.padding = ((padding,) * (2 * self.dims) if isinstance(padding, int)
                        else tuple(padding))
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """``pad(input, padding, "constant", value)``.

        Args:
            input: The tensor, with at least as many dims as the layer pads.

        >>> import symgrad
        >>> symgrad.nn.ConstantPad1d(1, 3.5).forward(symgrad.tensor([[1.0]]))
        tensor([[3.5000, 1.0000, 3.5000]])
        """
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        """The widths and the fill.

        >>> import symgrad
        >>> symgrad.nn.ConstantPad2d((1, 2, 3, 4), 0.5)
        ConstantPad2d(padding=(1, 2, 3, 4), value=0.5)
        """
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``.

    Parameters:
        padding: the widths ``(left, right)``, or one int for both.
        value: the fill.

    >>> import symgrad
    >>> symgrad.nn.ConstantPad1d((2, 0), -1.0)(symgrad.tensor([[5.0]]))
    tensor([[-1., -1.,  5.]])
    """

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with ``value``.

    Parameters:
        padding: the widths ``(left, right, top, bottom)``, or one int for all four.
        value: the fill.

    >>> import symgrad
    >>> symgrad.nn.ConstantPad2d(1, 0.5)(symgrad.tensor([[1.0]])).shape
    symgrad.Size([3, 3])
    """

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with ``value``.

    Parameters:
        padding: the widths ``(left, right, top, bottom, front, back)``, or one int for all.
        value: the fill.

    >>> import symgrad
    >>> symgrad.nn.ConstantPad3d(1, 0.0)(symgrad.ones(1, 1, 1, 1)).shape
    symgrad.Size([1, 3, 3, 3])
    """

    dims = 3


class _ZeroPad:
    """A constant padding layer whose fill is 0, printed by its widths alone."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)  # type: ignore[call-arg]

    def extra_repr(self) -> str:
        """The widths.

        >>> import symgrad
        >>> symgrad.nn.ZeroPad2d(2)
        ZeroPad2d((2, 2, 2, 2))
        """
        return f"{self.padding}"  # type: ignore[attr-defined]


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """Pads the last dim with zeros.

    Parameters:
        padding: the widths ``(left, right)``, or one int for both.

    >>> import symgrad
    >>> symgrad.nn.ZeroPad1d((0, 1))(symgrad.tensor([[5.0]]))
    tensor([[5., 0.]])
    """


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """Pads the last two dims with zeros.

    Parameters:
        padding: the widths ``(left, right, top, bottom)``, or one int for all four.

    >>> import symgrad
    >>> symgrad.nn.ZeroPad2d(1)(symgrad.tensor([[1.0]]))
    tensor([[0., 0., 0.],
            [0., 1., 0.],
            [0., 0., 0.]])
    """


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """Pads the last three dims with zeros.

    Parameters:
        padding: the widths ``(left, right, top, bottom, front, back)``, or one int for all.

    >>> import symgrad
    >>> symgrad.nn.ZeroPad3d(1)(symgrad.ones(1, 1, 1)).shape
    symgrad.Size([3, 3, 3])
    """
