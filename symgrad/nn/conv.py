"""Convolution layers ``Conv1d`` and ``Conv2d``, as in ``torch.nn``: PyTorch's constructor,
attributes, initialisation (from the same random stream), padding modes and ``repr``.

A ``padding_mode`` other than ``"zeros"`` pads the input first, as PyTorch's ``F.pad`` does
(its errors too), then convolves without padding; the padding is recorded as an index
selection per dim (``IndexSelectBackward0``) where PyTorch records ``ReflectionPad2DBackward0``,
``ReplicationPad2DBackward0`` or copies of slices (circular): the same values and gradients.

>>> import symgrad
>>> conv = symgrad.nn.Conv2d(1, 6, 5)
>>> conv, conv(symgrad.zeros(1, 1, 32, 32)).shape
(Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)), symgrad.Size([1, 6, 28, 28]))
>>> symgrad.nn.Conv1d(1, 1, 3, padding=1, padding_mode="circular")
Conv1d(1, 1, kernel_size=(3,), stride=(1,), padding=(1,), padding_mode=circular)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad.creation import empty
from symgrad.nn import functional as F
from symgrad.nn import init
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.ops.indexing import index_select
from symgrad.tensor import Tensor

__all__ = ["Conv1d", "Conv2d"]


_NON_CONSTANT = ("Supported combinations for non-constant padding:\n"
                 "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                 "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                 "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _source_places(size: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Where each place of a dim padded by ``lo`` and ``hi`` takes its value from: reflected
    about the end elements (not repeated), the end elements repeated, or wrapped around."""
    places = np.arange(-lo, size + hi)
    if mode == "reflect":
        places = np.abs(places)
        return np.where(places >= size, 2 * (size - 1) - places, places)
    if mode == "replicate":
        return np.clip(places, 0, size - 1)
    return places % size


def _pad(input: Tensor, pad: Sequence[int], mode: str) -> Tensor:
    """``input`` padded as PyTorch's ``F.pad(input, pad, mode)`` for the non-constant modes
    (``pad`` from the last dim backwards, two per dim), with its errors: each dim is
    gathered by its source places (``index_select``, whose gradient adds up the places one
    element fed)."""
    dims = len(pad) // 2
    if input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for "
                                  f"{input.ndim}D input tensor.\n{_NON_CONSTANT}")
    shape = list(input.shape)
    for i in range(dims):
        dim, (lo, hi) = input.ndim - 1 - i, pad[2 * i:2 * i + 2]
        if mode == "reflect" and (lo >= shape[dim] or hi >= shape[dim]):
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {dim} of input {shape}")
        if mode == "circular" and (lo > shape[dim] or hi > shape[dim]):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    for i in range(dims):
        dim, (lo, hi) = input.ndim - 1 - i, pad[2 * i:2 * i + 2]
        if lo or hi:
            places = _source_places(shape[dim], lo, hi, mode)
            input = index_select(input, dim, Tensor._make(places, False, None))
    return input


def _tuple(value: Any, n: int) -> tuple[Any, ...]:
    """PyTorch's ``_single``/``_pair``: a sequence as a tuple, anything else repeated."""
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """What ``Conv1d`` and ``Conv2d`` share: PyTorch's ``_ConvNd`` (``n`` spatial dims)."""

    _n = 0

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0,
                    groups, bias, padding_mode, device, dtype)

    def _setup(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
               padding: Any, dilation: Any, transposed: bool, output_padding: Any, groups: int,
               bias: bool, padding_mode: str, device: Any, dtype: Any) -> None:
        """PyTorch's ``_ConvNd.__init__`` (a transposed layer's weight is ``(in_channels,
        out_channels / groups, *kernel_size)``)."""
        super().__init__()
        n = self._n
        kernel_size, stride, dilation = (_tuple(v, n) for v in (kernel_size, stride, dilation))
        if not isinstance(padding, str):
            padding = _tuple(padding, n)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.transposed = dilation, transposed
        self.output_padding = _tuple(output_padding, n)
        self.groups, self.padding_mode = groups, padding_mode
        if isinstance(padding, str):
            twice = [0, 0] * n
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(n - 1, -1, -1), strict=True):
                    total = d * (k - 1)
                    twice[2 * i], twice[2 * i + 1] = total // 2, total - total // 2
            self._reversed_padding_repeated_twice: Any = twice
        else:
            self._reversed_padding_repeated_twice = tuple(p for p in reversed(padding)
                                                          for _ in range(2))
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups))
        self.weight = Parameter(empty((*shape, *kernel_size), device=device, dtype=dtype))
        self.register_parameter("bias", Parameter(empty(out_channels, device=device, dtype=dtype))
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` afresh, as the constructor does (PyTorch's draws).

        ``weight`` by ``init.kaiming_uniform_`` with ``a = sqrt(5)``; ``bias`` uniformly in
        ``[-1/sqrt(fan_in), 1/sqrt(fan_in))``, ``fan_in`` being ``in_channels / groups`` times
        the kernel's size.

        >>> import symgrad
        >>> conv = symgrad.nn.Conv1d(2, 2, 3)
        >>> _ = symgrad.manual_seed(1); conv.reset_parameters(); w = conv.weight.tolist()
        >>> _ = symgrad.manual_seed(1); w == symgrad.nn.Conv1d(2, 2, 3).weight.tolist()
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = init._fans(self.weight)[0]
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        """The sizes, and the settings that differ from their defaults, as PyTorch prints them.

        >>> import symgrad
        >>> symgrad.nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2, bias=False).extra_repr()
        '2, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False'
        """
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """A 1-d convolution layer: ``conv1d(input, weight, bias, stride, padding, dilation,
    groups)`` with a learnable ``weight`` ``(out_channels, in_channels / groups, kernel_size)``
    and ``bias`` ``(out_channels,)``.

    Parameters:
        in_channels: the channels of the input.
        out_channels: the channels of the output.
        kernel_size: the kernel's length (an int or a 1-tuple).
        stride: the step between windows.
        padding: zeros added at both ends, or ``"valid"`` or ``"same"``.
        dilation: the step between a window's elements.
        groups: the number of channel groups; divides both channel counts.
        bias: whether to add a learnable bias.
        padding_mode: what the padding holds: ``"zeros"``, or the input ``"reflect"``-ed
            about its ends, its ends ``"replicate"``-d, or wrapped around (``"circular"``).
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> conv = symgrad.nn.Conv1d(2, 3, 2, padding=1)
    >>> conv, conv(symgrad.ones(4, 2, 5)).shape
    (Conv1d(2, 3, kernel_size=(2,), stride=(1,), padding=(1,)), symgrad.Size([4, 3, 6]))
    """

    _n = 1

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of ``input``, ``(N, in_channels, L)`` or ``(in_channels, L)``.

        Args:
            input: The signal.

        >>> import symgrad
        >>> symgrad.nn.Conv1d(1, 1, 3).forward(symgrad.ones(1, 5)).shape
        symgrad.Size([1, 3])
        """
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            return F.conv1d(_pad(input, self._reversed_padding_repeated_twice, self.padding_mode),
                            weight, bias, self.stride, (0,), self.dilation, self.groups)
        return F.conv1d(input, weight, bias, self.stride, self.padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """A 2-d convolution layer: ``conv2d(input, weight, bias, stride, padding, dilation,
    groups)`` with a learnable ``weight`` ``(out_channels, in_channels / groups, kH, kW)`` and
    ``bias`` ``(out_channels,)``.

    Parameters:
        in_channels: the channels of the input.
        out_channels: the channels of the output.
        kernel_size: the kernel's size, an int or ``(kH, kW)``.
        stride: the step between windows, an int or a pair.
        padding: zeros added on each side, an int or a pair, or ``"valid"`` or ``"same"``.
        dilation: the step between a window's elements, an int or a pair.
        groups: the number of channel groups; divides both channel counts.
        bias: whether to add a learnable bias.
        padding_mode: what the padding holds: ``"zeros"``, or the input ``"reflect"``-ed
            about its ends, its ends ``"replicate"``-d, or wrapped around (``"circular"``).
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> conv = symgrad.nn.Conv2d(1, 6, 5)
    >>> conv.weight.shape, conv.bias.shape
    (symgrad.Size([6, 1, 5, 5]), symgrad.Size([6]))
    >>> symgrad.nn.Conv2d(3, 8, (3, 1), stride=(2, 1), padding=1)
    Conv2d(3, 8, kernel_size=(3, 1), stride=(2, 1), padding=(1, 1))
    """

    _n = 2

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of ``input``, ``(N, in_channels, H, W)`` or ``(in_channels, H, W)``.

        Args:
            input: The image.

        >>> import symgrad
        >>> symgrad.nn.Conv2d(1, 2, 3).forward(symgrad.ones(1, 1, 4, 4)).shape
        symgrad.Size([1, 2, 2, 2])
        """
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            return F.conv2d(_pad(input, self._reversed_padding_repeated_twice, self.padding_mode),
                            weight, bias, self.stride, (0, 0), self.dilation, self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation,
                        self.groups)
