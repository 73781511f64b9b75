"""Power-average pooling layers ``LPPool1d`` and ``LPPool2d`` and adaptive max pooling layers
``AdaptiveMaxPool1d`` and ``AdaptiveMaxPool2d``, and ``MaxUnpool1d`` and ``MaxUnpool2d``, as
PyTorch's (helper misc).

>>> import symgrad
>>> symgrad.nn.LPPool1d(2, 2)(symgrad.tensor([[[3.0, 4.0]]]))
tensor([[[5.]]])
"""

from __future__ import annotations

from typing import Any

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["LPPool1d", "LPPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "MaxUnpool1d",
           "MaxUnpool2d"]


class _LPPoolNd(Module):
    """What the two layers share: ``norm_type``, ``kernel_size``, ``stride``, ``ceil_mode``."""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        """The norm, the window, the step and the rounding.

        >>> import symgrad
        >>> symgrad.nn.LPPool2d(2, (2, 3), 1, True)
        LPPool2d(norm_type=2, kernel_size=(2, 3), stride=1, ceil_mode=True)
        """
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """``lp_pool1d``: the ``p``-norm of each window of the last dim.

    Parameters:
        norm_type: ``p``.
        kernel_size: the window's length.
        stride: the step. Default: None (the window's length).
        ceil_mode: round the output's length up. Default: False.

    >>> import symgrad
    >>> symgrad.nn.LPPool1d(2, 3)
    LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)
    """

    def forward(self, input: Tensor) -> Tensor:
        """``lp_pool1d(input, norm_type, kernel_size, stride, ceil_mode)``.

        Args:
            input: ``(N, C, L)`` or ``(C, L)``.

        >>> import symgrad
        >>> symgrad.nn.LPPool1d(1, 2).forward(symgrad.tensor([[1.0, 2.0]]))
        tensor([[3.]])
        """
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """``lp_pool2d``: the ``p``-norm of each window of the last two dims.

    Parameters:
        norm_type: ``p``.
        kernel_size: the window, an int or a pair.
        stride: the step. Default: None (the window).
        ceil_mode: round the output's size up. Default: False.

    >>> import symgrad
    >>> symgrad.nn.LPPool2d(1, 2)(symgrad.ones(1, 2, 2)).item()
    4.0
    """

    def forward(self, input: Tensor) -> Tensor:
        """``lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode)``.

        Args:
            input: ``(N, C, H, W)`` or ``(C, H, W)``.

        >>> import symgrad
        >>> symgrad.nn.LPPool2d(2, 1).forward(symgrad.full((1, 1, 1), -2.0)).item()
        2.0
        """
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)


class _AdaptiveMaxPoolNd(Module):
    """What the two layers share: ``output_size`` and ``return_indices``."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self) -> str:
        """The output size.

        >>> import symgrad
        >>> symgrad.nn.AdaptiveMaxPool2d((2, None))
        AdaptiveMaxPool2d(output_size=(2, None))
        """
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """``adaptive_max_pool1d``: the maximum over windows of the last dim giving
    ``output_size``.

    Parameters:
        output_size: the output's length.
        return_indices: also return the maxima's indices. Default: False.

    >>> import symgrad
    >>> symgrad.nn.AdaptiveMaxPool1d(1)(symgrad.tensor([[1.0, 4.0, 2.0]]))
    tensor([[4.]])
    """

    def forward(self, input: Tensor) -> Any:
        """``adaptive_max_pool1d(input, output_size, return_indices)``.

        Args:
            input: ``(N, C, L)`` or ``(C, L)``.

        >>> import symgrad
        >>> symgrad.nn.AdaptiveMaxPool1d(1, True).forward(symgrad.tensor([[1.0, 4.0]]))[1]
        tensor([[1]])
        """
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """``adaptive_max_pool2d``: the maximum over windows of the last two dims giving
    ``output_size``.

    Parameters:
        output_size: the output's (H, W): an int for both, or a pair (None keeps the input's).
        return_indices: also return the maxima's indices. Default: False.

    >>> import symgrad
    >>> symgrad.nn.AdaptiveMaxPool2d(1)(symgrad.tensor([[[1.0, 4.0], [5.0, 2.0]]]))
    tensor([[[5.]]])
    """

    def forward(self, input: Tensor) -> Any:
        """``adaptive_max_pool2d(input, output_size, return_indices)``.

        Args:
            input: ``(N, C, H, W)`` or ``(C, H, W)``.

        >>> import symgrad
        >>> symgrad.nn.AdaptiveMaxPool2d((1, 2)).forward(symgrad.ones(1, 2, 2)).shape
        symgrad.Size([1, 1, 2])
        """
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """``adaptive_max_pool3d``: the maximum over windows of the last three dims giving
    ``output_size``.

    Parameters:
        output_size: the output's (D, H, W): an int for all three, or a triple (None keeps the
            input's).
        return_indices: also return the maxima's indices. Default: False.

    >>> import symgrad
    >>> symgrad.nn.AdaptiveMaxPool3d(1)(symgrad.arange(8.0).reshape(1, 2, 2, 2))
    tensor([[[[7.]]]])
    """

    def forward(self, input: Tensor) -> Any:
        """``adaptive_max_pool3d(input, output_size, return_indices)``.

        Args:
            input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

        >>> import symgrad
        >>> symgrad.nn.AdaptiveMaxPool3d((1, 2, 1)).forward(symgrad.ones(1, 2, 2, 2)).shape
        symgrad.Size([1, 1, 2, 1])
        """
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _MaxUnpoolNd(Module):
    """What the two layers share: the pooling's ``kernel_size``, ``stride`` (the kernel's when
    None) and ``padding``, as tuples of ``dims`` ints."""

    dims = 0

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        k = self.dims

        def n(v: Any) -> tuple[int, ...]:
            return (v,) * k if isinstance(v, int) else tuple(v)

        self.kernel_size = n(kernel_size)
        self.stride = n(stride if stride is not None else kernel_size)
        self.padding = n(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """The layer's ``max_unpool`` of ``input`` at ``indices``.

        Args:
            input: The pooled tensor.
            indices: Its indices (int64).
            output_size: The unpooled size. Defaults to None.

        >>> import symgrad
        >>> symgrad.nn.MaxUnpool1d(2).forward(symgrad.tensor([[3.0]]), symgrad.tensor([[1]]))
        tensor([[0., 3.]])
        """
        fn = F.max_unpool1d if self.dims == 1 else F.max_unpool2d
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        """The pooling's window, step and padding.

        >>> import symgrad
        >>> symgrad.nn.MaxUnpool2d(2)
        MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
        """
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """``max_unpool1d``: the partial inverse of ``MaxPool1d``.

    Parameters:
        kernel_size: the pooling's window.
        stride: the pooling's step. Default: None (the window).
        padding: the pooling's padding. Default: 0.

    >>> import symgrad
    >>> symgrad.nn.MaxUnpool1d(3, 2, 1)
    MaxUnpool1d(kernel_size=(3,), stride=(2,), padding=(1,))
    """

    dims = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """``max_unpool2d``: the partial inverse of ``MaxPool2d``.

    Parameters:
        kernel_size: the pooling's window, an int or a pair.
        stride: the pooling's step. Default: None (the window).
        padding: the pooling's padding. Default: 0.

    >>> import symgrad
    >>> symgrad.nn.MaxUnpool2d(2)(symgrad.tensor([[[5.0]]]), symgrad.tensor([[[3]]]))
    tensor([[[0., 0.],
             [0., 5.]]])
    """

    dims = 2
