"""Reflection, replication and circular padding layers: ``ReflectionPad1d/2d/3d``,
``ReplicationPad1d/2d/3d`` and ``CircularPad1d/2d/3d``, each ``nn.functional.pad`` of its input
in its mode, as in PyTorch (the circular ones check the input's rank first, as PyTorch's do).

>>> import symgrad
>>> symgrad.nn.ReflectionPad1d((2, 1))(symgrad.tensor([[[1.0, 2.0, 3.0]]]))
tensor([[[3., 2., 1., 2., 3., 2.]]])
"""

from __future__ import annotations

from collections.abc import Sequence

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
           "CircularPad3d"]


class _PadNd(Module):
    """What these layers share: ``padding`` (a pair per padded dim, the last dim's first, or
    one int for all), the ``mode`` given to ``pad``, and ``dims``, how many trailing dims a
    layer pads."""

    dims = 0
    mode = ""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = ((padding,) * (2 * self.dims) if isinstance(padding, int)
                        else tuple(padding))

    def forward(self, input: Tensor) -> Tensor:
        """``pad(input, padding, mode)``.

        Args:
            input: The tensor: ``dims + 1`` or ``dims + 2`` dims.

        >>> import symgrad
        >>> symgrad.nn.ReplicationPad1d(1).forward(symgrad.tensor([[1.0, 2.0]]))
        tensor([[1., 1., 2., 2.]])
        """
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        """The widths.

        >>> import symgrad
        >>> symgrad.nn.ReflectionPad2d(1)
        ReflectionPad2d((1, 1, 1, 1))
        """
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        """``pad(input, padding, "circular")``, once the input's rank is checked.

        Args:
            input: The tensor: ``dims + 1`` or ``dims + 2`` dims.

        >>> import symgrad
        >>> symgrad.nn.CircularPad1d(1).forward(symgrad.tensor([[1.0, 2.0]]))
        tensor([[2., 1., 2., 1.]])
        """
        if input.dim() not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"expected {self.dims + 1}D or {self.dims + 2}D input (got "
                             f"{input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class ReflectionPad1d(_PadNd):
    """Pads the last dim by reflection about its end places.

    Parameters:
        padding: the widths ``(left, right)``, or one int for both; each less than the width.

    >>> import symgrad
    >>> symgrad.nn.ReflectionPad1d(1)(symgrad.tensor([[1.0, 2.0, 3.0]]))
    tensor([[2., 1., 2., 3., 2.]])
    """

    dims, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last two dims by reflection.

    Parameters:
        padding: the widths ``(left, right, top, bottom)``, or one int for all four.

    >>> import symgrad
    >>> symgrad.nn.ReflectionPad2d((1, 0, 0, 0))(symgrad.tensor([[[1.0, 2.0]]]))
    tensor([[[2., 1., 2.]]])
    """

    dims, mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pads the last three dims by reflection.

    Parameters:
        padding: the widths ``(left, right, top, bottom, front, back)``, or one int for all.

    >>> import symgrad
    >>> symgrad.nn.ReflectionPad3d(1)(symgrad.ones(1, 2, 2, 2)).shape
    symgrad.Size([1, 4, 4, 4])
    """

    dims, mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last dim with copies of its end places.

    Parameters:
        padding: the widths ``(left, right)``, or one int for both.

    >>> import symgrad
    >>> symgrad.nn.ReplicationPad1d((0, 2))(symgrad.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 2., 2.]])
    """

    dims, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last two dims with copies of their edges.

    Parameters:
        padding: the widths ``(left, right, top, bottom)``, or one int for all four.

    >>> import symgrad
    >>> symgrad.nn.ReplicationPad2d(1)(symgrad.tensor([[[5.0]]]))
    tensor([[[5., 5., 5.],
             [5., 5., 5.],
             [5., 5., 5.]]])
    """

    dims, mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pads the last three dims with copies of their faces.

    Parameters:
        padding: the widths ``(left, right, top, bottom, front, back)``, or one int for all.

    >>> import symgrad
    >>> symgrad.nn.ReplicationPad3d(1)(symgrad.ones(1, 1, 1, 1)).shape
    symgrad.Size([1, 3, 3, 3])
    """

    dims, mode = 3, "replicate"


class CircularPad1d(_CircularPadNd):
    """Pads the last dim circularly: the far end's places wrap around.

    Parameters:
        padding: the widths ``(left, right)``, or one int for both; each at most the width.

    >>> import symgrad
    >>> symgrad.nn.CircularPad1d((1, 2))(symgrad.tensor([[1.0, 2.0, 3.0]]))
    tensor([[3., 1., 2., 3., 1., 2.]])
    """

    dims = 1


class CircularPad2d(_CircularPadNd):
    """Pads the last two dims circularly.

    Parameters:
        padding: the widths ``(left, right, top, bottom)``, or one int for all four.

    >>> import symgrad
    >>> symgrad.nn.CircularPad2d((1, 0, 1, 0))(symgrad.tensor([[[1.0, 2.0], [3.0, 4.0]]]))
    tensor([[[4., 3., 4.],
             [2., 1., 2.],
             [4., 3., 4.]]])
    """

    dims = 2


class CircularPad3d(_CircularPadNd):
    """Pads the last three dims circularly.

    Parameters:
        padding: the widths ``(left, right, top, bottom, front, back)``, or one int for all.

    >>> import symgrad
    >>> symgrad.nn.CircularPad3d(1)(symgrad.ones(1, 1, 1, 1)).shape
    symgrad.Size([1, 3, 3, 3])
    """

    dims = 3
