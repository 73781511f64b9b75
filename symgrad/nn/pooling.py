"""Pooling layers: ``MaxPool1d``, ``MaxPool2d``, ``AvgPool1d``, ``AvgPool2d``,
``AdaptiveAvgPool1d`` and ``AdaptiveAvgPool2d``, as in ``torch.nn``; each applies its function of
``symgrad.nn.functional`` with the arguments it was built with, kept as given (``AvgPool1d``
keeps them as 1-tuples, as PyTorch does).

>>> import symgrad
>>> net = symgrad.nn.Sequential(symgrad.nn.MaxPool2d(2), symgrad.nn.AdaptiveAvgPool2d(1))
>>> net
Sequential(
  (0): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (1): AdaptiveAvgPool2d(output_size=1)
)
>>> net(symgrad.ones(1, 3, 4, 4)).shape
symgrad.Size([1, 3, 1, 1])
"""

from __future__ import annotations

from typing import Any

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d"]


def _single(value: Any) -> Any:
    """PyTorch's ``_single``: a sequence as a tuple, anything else as a 1-tuple."""
    return tuple(value) if isinstance(value, list | tuple) else (value,)


class _MaxPoolNd(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        """The window's arguments, as PyTorch writes them.

        >>> import symgrad
        >>> symgrad.nn.MaxPool2d((2, 3)).extra_repr()
        'kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=False'
        """
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """``max_pool1d`` as a layer: the maximum over windows of the last dim of (N, C, L) or
    (C, L) inputs.

    Parameters:
        kernel_size: the window.
        stride: the step (None: ``kernel_size``).
        padding: implicit ``-inf`` on each side.
        dilation: the spacing of a window's elements.
        return_indices: also return the maximum's indices.
        ceil_mode: round the output size up.

    >>> import symgrad
    >>> symgrad.nn.MaxPool1d(2)(symgrad.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[3., 2.]])
    """

    def forward(self, input: Tensor) -> Any:
        """``max_pool1d`` of ``input`` (with the indices if ``return_indices``).

        Args:
            input: The tensor, (N, C, L) or (C, L).

        >>> import symgrad
        >>> symgrad.nn.MaxPool1d(2, return_indices=True).forward(symgrad.tensor([[1.0, 3.0]]))
        (tensor([[3.]]), tensor([[1]]))
        """
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """``max_pool2d`` as a layer: the maximum over windows of the last two dims of
    (N, C, H, W) or (C, H, W) inputs.

    Parameters:
        kernel_size: the window, an int or (kh, kw).
        stride: the step (None: ``kernel_size``).
        padding: implicit ``-inf`` on each side.
        dilation: the spacing of a window's elements.
        return_indices: also return the maximum's indices.
        ceil_mode: round the output size up.

    >>> import symgrad
    >>> symgrad.nn.MaxPool2d(2)
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, input: Tensor) -> Any:
        """``max_pool2d`` of ``input`` (with the indices if ``return_indices``).

        Args:
            input: The tensor, (N, C, H, W) or (C, H, W).

        >>> import symgrad
        >>> symgrad.nn.MaxPool2d(2).forward(symgrad.tensor([[[1.0, 3.0], [2.0, 0.0]]]))
        tensor([[[3.]]])
        """
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class _AvgPoolNd(Module):
    def extra_repr(self) -> str:
        """The window's arguments, as PyTorch writes them.

        >>> import symgrad
        >>> symgrad.nn.AvgPool1d(3).extra_repr()
        'kernel_size=(3,), stride=(3,), padding=(0,)'
        """
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """``avg_pool1d`` as a layer: the mean over windows of the last dim of (N, C, L) or
    (C, L) inputs.

    Parameters:
        kernel_size: the window.
        stride: the step (None: ``kernel_size``).
        padding: implicit zeros on each side.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.

    >>> import symgrad
    >>> symgrad.nn.AvgPool1d(2)(symgrad.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[2., 1.]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        """``avg_pool1d`` of ``input``.

        Args:
            input: The tensor, (N, C, L) or (C, L).

        >>> import symgrad
        >>> symgrad.nn.AvgPool1d(2).forward(symgrad.tensor([[1.0, 3.0]]))
        tensor([[2.]])
        """
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """``avg_pool2d`` as a layer: the mean over windows of the last two dims of (N, C, H, W)
    or (C, H, W) inputs.

    Parameters:
        kernel_size: the window, an int or (kh, kw).
        stride: the step (None: ``kernel_size``).
        padding: implicit zeros on each side.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide every window's sum by this instead.

    >>> import symgrad
    >>> symgrad.nn.AvgPool2d(2)
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """``avg_pool2d`` of ``input``.

        Args:
            input: The tensor, (N, C, H, W) or (C, H, W).

        >>> import symgrad
        >>> symgrad.nn.AvgPool2d(2).forward(symgrad.tensor([[[1.0, 3.0], [2.0, 0.0]]]))
        tensor([[[1.5000]]])
        """
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _AdaptiveAvgPoolNd(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        """``output_size=...``, as PyTorch writes it.

        >>> import symgrad
        >>> symgrad.nn.AdaptiveAvgPool2d((None, 3)).extra_repr()
        'output_size=(None, 3)'
        """
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """``adaptive_avg_pool1d`` as a layer: means over windows of the last dim chosen to give
    ``output_size``.

    Parameters:
        output_size: the output's length.

    >>> import symgrad
    >>> symgrad.nn.AdaptiveAvgPool1d(2)(symgrad.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[2., 1.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``adaptive_avg_pool1d`` of ``input``.

        Args:
            input: The tensor, (N, C, L) or (C, L).

        >>> import symgrad
        >>> symgrad.nn.AdaptiveAvgPool1d(1).forward(symgrad.tensor([[1.0, 3.0]]))
        tensor([[2.]])
        """
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """``adaptive_avg_pool2d`` as a layer: means over windows of the last two dims chosen to
    give ``output_size``.

    Parameters:
        output_size: the output's (H, W): an int for both, or a pair (None keeps the input's).

    >>> import symgrad
    >>> symgrad.nn.AdaptiveAvgPool2d((1, 2))
    AdaptiveAvgPool2d(output_size=(1, 2))
    """

    def forward(self, input: Tensor) -> Tensor:
        """``adaptive_avg_pool2d`` of ``input``.

        Args:
            input: The tensor, (N, C, H, W) or (C, H, W).

        >>> import symgrad
        >>> symgrad.nn.AdaptiveAvgPool2d(1).forward(symgrad.tensor([[[1.0, 3.0], [2.0, 0.0]]]))
        tensor([[[1.5000]]])
        """
        return F.adaptive_avg_pool2d(input, self.output_size)
