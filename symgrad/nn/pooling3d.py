"""3-d pooling layers: ``MaxPool3d``, ``AvgPool3d`` and ``AdaptiveAvgPool3d``, as in
``torch.nn``; each applies its function of ``symgrad.nn.functional`` with the arguments it was
built with, kept as given.

>>> import symgrad
>>> symgrad.nn.MaxPool3d(2)(symgrad.ones(1, 2, 4, 4, 4)).shape
symgrad.Size([1, 2, 2, 2, 2])
"""

from __future__ import annotations

from typing import Any

from symgrad.nn.pooling import _AdaptiveAvgPoolNd, _AvgPoolNd, _MaxPoolNd
from symgrad.ops.pooling3d import adaptive_avg_pool3d, avg_pool3d, max_pool3d
from symgrad.tensor import Tensor

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d"]


class MaxPool3d(_MaxPoolNd):
    """``max_pool3d`` as a layer: the maximum over windows of the last three dims of
    (N, C, D, H, W) or (C, D, H, W) inputs.

    Parameters:
        kernel_size: the window, an int or (kd, kh, kw).
        stride: the step (None: ``kernel_size``).
        padding: implicit ``-inf`` on each side.
        dilation: the spacing of a window's elements.
        return_indices: also return the maximum's indices.
        ceil_mode: round the output size up.

    >>> import symgrad
    >>> symgrad.nn.MaxPool3d(2, stride=1)
    MaxPool3d(kernel_size=2, stride=1, padding=0, dilation=1, ceil_mode=False)
    """

    def forward(self, input: Tensor) -> Any:
        """``max_pool3d`` of ``input`` (with the indices if ``return_indices``).

        Args:
            input: The tensor, (N, C, D, H, W) or (C, D, H, W).

        >>> import symgrad
        >>> symgrad.nn.MaxPool3d(2).forward(symgrad.arange(8.0).reshape(1, 2, 2, 2))
        tensor([[[[7.]]]])
        """
        return max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(_AvgPoolNd):
    """``avg_pool3d`` as a layer: the mean over windows of the last three dims of
    (N, C, D, H, W) or (C, D, H, W) inputs.

    Parameters:
        kernel_size: the window, an int or (kd, kh, kw).
        stride: the step (None: ``kernel_size``).
        padding: implicit zeros on each side.
        ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.
        divisor_override: divide every window's sum by this instead.

    >>> import symgrad
    >>> symgrad.nn.AvgPool3d((1, 2, 2))
    AvgPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2), padding=0)
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
        """``avg_pool3d`` of ``input``.

        Args:
            input: The tensor, (N, C, D, H, W) or (C, D, H, W).

        >>> import symgrad
        >>> symgrad.nn.AvgPool3d(2).forward(symgrad.arange(8.0).reshape(1, 2, 2, 2))
        tensor([[[[3.5000]]]])
        """
        return avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """``adaptive_avg_pool3d`` as a layer: the mean over windows of the last three dims chosen
    to give ``output_size``.

    Parameters:
        output_size: the output's (D, H, W): an int for all three, or a triple (None keeps the
            input's).

    >>> import symgrad
    >>> symgrad.nn.AdaptiveAvgPool3d((None, 1, 1))
    AdaptiveAvgPool3d(output_size=(None, 1, 1))
    """

    def forward(self, input: Tensor) -> Tensor:
        """``adaptive_avg_pool3d`` of ``input``.

        Args:
            input: The tensor, (N, C, D, H, W) or (C, D, H, W).

        >>> import symgrad
        >>> symgrad.nn.AdaptiveAvgPool3d(1).forward(symgrad.arange(8.0).reshape(1, 2, 2, 2))
        tensor([[[[3.5000]]]])
        """
        return adaptive_avg_pool3d(input, self.output_size)


