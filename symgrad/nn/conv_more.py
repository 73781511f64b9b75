"""More convolution layers, as in ``torch.nn``: ``Conv3d`` and the transposed convolutions
``ConvTranspose1d``/``2d``/``3d`` (PyTorch's constructors, attributes, initialisation from the
same random stream, ``repr``, and ``output_size=`` in ``forward``).

>>> import symgrad
>>> up = symgrad.nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
>>> up
ConvTranspose2d(16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))
>>> up(symgrad.zeros(1, 16, 8, 8)).shape
symgrad.Size([1, 8, 16, 16])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symgrad.nn.conv import _ConvNd, _pad, _tuple
from symgrad.ops.convolution_transposed import (
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from symgrad.tensor import Tensor

__all__ = ["Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


class Conv3d(_ConvNd):
    """A 3-d convolution layer: ``conv3d(input, weight, bias, stride, padding, dilation,
    groups)`` with a learnable ``weight`` ``(out_channels, in_channels / groups, kD, kH, kW)``
    and ``bias`` ``(out_channels,)``.

    Parameters:
        in_channels: the channels of the input.
        out_channels: the channels of the output.
        kernel_size: the kernel's size, an int or ``(kD, kH, kW)``.
        stride: the step between windows, an int or a triple.
        padding: zeros added on each side, an int or a triple, or ``"valid"`` or ``"same"``.
        dilation: the step between a window's elements, an int or a triple.
        groups: the number of channel groups; divides both channel counts.
        bias: whether to add a learnable bias.
        padding_mode: what the padding holds: ``"zeros"``, or the input ``"reflect"``-ed
            about its ends, its ends ``"replicate"``-d, or wrapped around (``"circular"``).
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> conv = symgrad.nn.Conv3d(2, 4, 3, padding=1)
    >>> conv
    Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))
    >>> conv(symgrad.ones(1, 2, 4, 5, 6)).shape
    symgrad.Size([1, 4, 4, 5, 6])
    """

    _n = 3

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of ``input``, ``(N, in_channels, D, H, W)`` or ``(in_channels, D,
        H, W)``.

        Args:
            input: The volume.

        >>> import symgrad
        >>> symgrad.nn.Conv3d(1, 2, 3).forward(symgrad.ones(1, 1, 4, 4, 4)).shape
        symgrad.Size([1, 2, 2, 2, 2])
        """
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            return conv3d(_pad(input, self._reversed_padding_repeated_twice, self.padding_mode),
                          weight, bias, self.stride, (0, 0, 0), self.dilation, self.groups)
        return conv3d(input, weight, bias, self.stride, self.padding, self.dilation,
                      self.groups)


class _ConvTransposeNd(_ConvNd):
    """What the transposed layers share: PyTorch's ``_ConvTransposeNd``."""

    _function: Any = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")
        n = self._n
        self._setup(in_channels, out_channels, _tuple(kernel_size, n), _tuple(stride, n),
                    _tuple(padding, n), _tuple(dilation, n), True, _tuple(output_padding, n),
                    groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> list[int]:
        """The output padding that gives ``output_size`` (PyTorch's checks and messages), or
        the layer's own."""
        n = self._n
        if output_size is None:
            return list(self.output_padding)
        non_spatial = 2 if input.ndim == n + 2 else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + n:
            output_size = output_size[non_spatial:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have "
                             f"{n} or {non_spatial + n} elements (got {len(output_size)})")
        smallest = [(input.shape[d + non_spatial] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        largest = [s + self.stride[d] - 1 for d, s in enumerate(smallest)]
        for size, low, high in zip(output_size, smallest, largest, strict=True):
            if size < low or size > high:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {smallest} to {largest} (for an input of "
                                 f"torch.Size({list(input.shape[2:])}))")
        return [size - low for size, low in zip(output_size, smallest, strict=True)]

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """The transposed convolution of ``input`` (batched, or without the batch dim).

        Args:
            input: ``(N, in_channels, *size)`` or ``(in_channels, *size)``.
            output_size: The spatial sizes wanted (optionally with the leading dims), among
                those the stride leaves open; None: the layer's ``output_padding``.
                Defaults to None.

        >>> import symgrad
        >>> up = symgrad.nn.ConvTranspose1d(1, 1, 3, stride=2)
        >>> up(symgrad.ones(1, 1, 4)).shape, up(symgrad.ones(1, 1, 4), output_size=[10]).shape
        (symgrad.Size([1, 1, 9]), symgrad.Size([1, 1, 10]))
        """
        if self.padding_mode != "zeros":
            raise ValueError(f"Only `zeros` padding mode is supported for {type(self).__name__}")
        output_padding = self._output_padding(input, output_size)
        return type(self)._function(input, self.weight, self.bias, self.stride, self.padding,
                                    output_padding, self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """A 1-d transposed convolution layer: ``conv_transpose1d(input, weight, bias, stride,
    padding, output_padding, groups, dilation)`` with a learnable ``weight`` ``(in_channels,
    out_channels / groups, kernel_size)`` and ``bias`` ``(out_channels,)``.

    Parameters:
        in_channels: the channels of the input.
        out_channels: the channels of the output.
        kernel_size: the kernel's length (an int or a 1-tuple).
        stride: the step between the places an input element's products land.
        padding: places cropped from both ends of the output.
        output_padding: places added at the high end of the output.
        groups: the number of channel groups; divides both channel counts.
        bias: whether to add a learnable bias.
        dilation: the step between a kernel's elements.
        padding_mode: only ``"zeros"``.
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> symgrad.nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1).weight.shape
    symgrad.Size([4, 2, 3])
    """

    _n = 1
    _function = conv_transpose1d


class ConvTranspose2d(_ConvTransposeNd):
    """A 2-d transposed convolution layer (a DCGAN's or a U-Net's upsampling):
    ``conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
    dilation)`` with a learnable ``weight`` ``(in_channels, out_channels / groups, kH, kW)``
    and ``bias`` ``(out_channels,)``.

    Parameters:
        in_channels: the channels of the input.
        out_channels: the channels of the output.
        kernel_size: the kernel's size, an int or ``(kH, kW)``.
        stride: the step between the places an input element's products land.
        padding: places cropped from both ends of each output dim.
        output_padding: places added at the high end of each output dim.
        groups: the number of channel groups; divides both channel counts.
        bias: whether to add a learnable bias.
        dilation: the step between a kernel's elements.
        padding_mode: only ``"zeros"``.
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> symgrad.nn.ConvTranspose2d(100, 64, 4, 1, 0, bias=False)
    ConvTranspose2d(100, 64, kernel_size=(4, 4), stride=(1, 1), bias=False)
    """

    _n = 2
    _function = conv_transpose2d


class ConvTranspose3d(_ConvTransposeNd):
    """A 3-d transposed convolution layer: ``conv_transpose3d(input, weight, bias, stride,
    padding, output_padding, groups, dilation)`` with a learnable ``weight`` ``(in_channels,
    out_channels / groups, kD, kH, kW)`` and ``bias`` ``(out_channels,)``.

    Parameters:
        in_channels: the channels of the input.
        out_channels: the channels of the output.
        kernel_size: the kernel's size, an int or a triple.
        stride: the step between the places an input element's products land.
        padding: places cropped from both ends of each output dim.
        output_padding: places added at the high end of each output dim.
        groups: the number of channel groups; divides both channel counts.
        bias: whether to add a learnable bias.
        dilation: the step between a kernel's elements.
        padding_mode: only ``"zeros"``.
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> symgrad.nn.ConvTranspose3d(2, 2, 2, stride=2)(symgrad.ones(2, 3, 3, 3)).shape
    symgrad.Size([2, 6, 6, 6])
    """

    _n = 3
    _function = conv_transpose3d
