"""Lazy modules: layers that learn their input size from their first call, as PyTorch's.

Until that call a lazy layer holds ``UninitializedParameter``s (and ``UninitializedBuffer``s);
the call gives them their shapes, initialises them as the layer's class does (the same draws
from the same random stream, so a seed gives PyTorch's weights), and the module becomes that
class (``type(m) is nn.Linear`` afterwards: PyTorch's ``cls_to_become``).

>>> import symgrad
>>> m = symgrad.nn.LazyLinear(2)
>>> m, m.has_uninitialized_params()
(LazyLinear(in_features=0, out_features=2, bias=True), True)
>>> m(symgrad.ones(4, 3)).shape, type(m).__name__, m.weight.shape
(symgrad.Size([4, 2]), 'Linear', symgrad.Size([2, 3]))
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.nn.batchnorm import BatchNorm1d, BatchNorm2d, _BatchNorm
from symgrad.nn.batchnorm3d import BatchNorm3d
from symgrad.nn.conv import Conv1d, Conv2d
from symgrad.nn.conv_more import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from symgrad.nn.modules import Linear
from symgrad.nn.normalization import InstanceNorm1d, InstanceNorm2d, _InstanceNorm
from symgrad.nn.normalization_more import InstanceNorm3d
from symgrad.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from symgrad.tensor import Tensor

__all__ = ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
           "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
           "LazyModuleMixin"]


class LazyModuleMixin:
    """What makes a module lazy: a forward pre-hook that calls ``initialize_parameters`` with
    the first call's arguments, then turns the module into ``cls_to_become``; a
    ``load_state_dict`` that gives the uninitialised parameters the loaded shapes.

    >>> import symgrad
    >>> m = symgrad.nn.LazyLinear(3)
    >>> m.state_dict()
    OrderedDict([('weight', <UninitializedParameter>), ('bias', <UninitializedParameter>)])
    >>> _ = m.load_state_dict(symgrad.nn.Linear(5, 3).state_dict()); m.weight.shape
    symgrad.Size([3, 5])
    """

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str,
                            keep_vars: bool) -> None:
        # an uninitialised parameter or buffer is saved as itself: it has no values to detach
        buffers = [(n, b) for n, b in self._buffers.items()
                   if n not in self._non_persistent_buffers_set]
        for name, t in [*self._parameters.items(), *buffers]:
            if t is not None:
                destination[prefix + name] = t if keep_vars or is_lazy(t) else t.detach()

    def _lazy_load_hook(self, state_dict: dict[str, Any], prefix: str, *_: Any) -> None:
        """``load_state_dict``'s pre-hook: an uninitialised parameter or buffer takes the
        shape of the initialised tensor loaded into it."""
        for name, param in [*self._parameters.items(), *self._buffers.items()]:
            loaded = state_dict.get(prefix + name)
            if loaded is not None and is_lazy(param) and not is_lazy(loaded):
                param.materialize(loaded.shape)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Give the parameters their shapes from the first call's arguments; each lazy class
        defines it.

        Args:
            *args: The first call's arguments.
            **kwargs: Its keyword arguments.

        >>> import symgrad
        >>> class Lazy(symgrad.nn.modules.lazy.LazyModuleMixin, symgrad.nn.Module):
        ...     pass
        >>> Lazy()(symgrad.ones(1))
        Traceback (most recent call last):
        ...
        NotImplementedError: initialize_parameters is not implemented for Lazy
        """
        raise NotImplementedError("initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module (not its submodules) has no shape yet.

        >>> import symgrad
        >>> m = symgrad.nn.LazyLinear(2)
        >>> m.has_uninitialized_params()
        True
        >>> m.initialize_parameters(symgrad.ones(1, 4)); m.has_uninitialized_params()
        False
        """
        return any(is_lazy(t) for t in [*self._parameters.values(), *self._buffers.values()])

    def _infer_parameters(self, module: Any, args: tuple[Any, ...],
                          kwargs: dict[str, Any] | None = None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        del module._initialize_hook
        del module._load_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


# -- Linear ---------------------------------------------------------------------------------------
class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the first input's last size.

    Args:
        out_features: The size of each output's last dimension.
        bias: Whether to add a learnable bias. Defaults to True.
        device: Only the CPU. Defaults to None.
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> m = symgrad.nn.LazyLinear(1)
    >>> m(symgrad.ones(2, 3)); m
    tensor([[-0.5947],
            [-0.5947]], grad_fn=<AddmmBackward0>)
    Linear(in_features=3, out_features=1, bias=True)
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """``Linear``'s draws, once the parameters have their shapes (nothing before).

        >>> import symgrad
        >>> symgrad.nn.LazyLinear(2).reset_parameters()
        """
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Shapes from ``input``'s last size, then ``Linear``'s draws.

        Args:
            input: The first call's input, ``(*, in_features)``.

        >>> import symgrad
        >>> m = symgrad.nn.LazyLinear(2); m.initialize_parameters(symgrad.ones(5))
        >>> m.in_features, m.weight.shape
        (5, symgrad.Size([2, 5]))
        """
        if self.has_uninitialized_params():
            with symgrad.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


# -- convolutions ---------------------------------------------------------------------------------
class _LazyConvXdMixin(LazyModuleMixin):
    """What the lazy convolutions share: ``in_channels`` from the first input's channels (the
    layer's class, after this one, says how many spatial dims, ``_n``)."""

    def _lazy_setup(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """The convolution's draws, once the parameters have their shapes (nothing before).

        >>> import symgrad
        >>> symgrad.nn.LazyConv1d(2, 3).reset_parameters()
        """
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Shapes from ``input``'s channels, then the convolution's draws.

        Args:
            input: The first call's input, batched ``(N, C, ...)`` or not ``(C, ...)``.
            *args: The call's other arguments (unused).
            **kwargs: Its keyword arguments (unused).

        >>> import symgrad
        >>> m = symgrad.nn.LazyConv1d(4, 3); m.initialize_parameters(symgrad.ones(2, 6, 9))
        >>> m.in_channels, m.weight.shape
        (6, symgrad.Size([4, 6, 3]))
        """
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        per_group = (self.out_channels if self.transposed else self.in_channels) // self.groups
        first = self.in_channels if self.transposed else self.out_channels
        self.weight.materialize((first, per_group, *self.kernel_size))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()

    def _get_in_channels(self, input: Tensor) -> int:
        unbatched = self._n + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) "
                               f"input to {type(self).__name__}, but got input of size: "
                               f"torch.Size({list(input.shape)})")
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]


class _LazyConvNd(_LazyConvXdMixin):
    """A lazy ``Conv1d``/``Conv2d``/``Conv3d``: the layer's arguments but ``in_channels``.

    Args:
        out_channels: The channels of the output.
        kernel_size: The kernel's size (an int or a tuple).
        stride: The step between the kernel's places. Defaults to 1.
        padding: Zeros added on each side, or ``"same"``/``"valid"``. Defaults to 0.
        dilation: The step between a kernel's elements. Defaults to 1.
        groups: The number of channel groups. Defaults to 1.
        bias: Whether to add a learnable bias. Defaults to True.
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
            Defaults to ``"zeros"``.
        device: Only the CPU. Defaults to None.
        dtype: The parameters' dtype. Defaults to None: the default dtype.
    """

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device=device, dtype=dtype)
        self._lazy_setup(out_channels, bias, device, dtype)


class _LazyConvTransposeNd(_LazyConvXdMixin):
    """A lazy ``ConvTranspose1d``/``2d``/``3d``: the layer's arguments but ``in_channels``.

    Args:
        out_channels: The channels of the output.
        kernel_size: The kernel's size (an int or a tuple).
        stride: The step between the places an input element's products land. Defaults to 1.
        padding: Places cropped from both ends of the output. Defaults to 0.
        output_padding: Places added at the high end of the output. Defaults to 0.
        groups: The number of channel groups. Defaults to 1.
        bias: Whether to add a learnable bias. Defaults to True.
        dilation: The step between a kernel's elements. Defaults to 1.
        padding_mode: Only ``"zeros"``. Defaults to ``"zeros"``.
        device: Only the CPU. Defaults to None.
        dtype: The parameters' dtype. Defaults to None: the default dtype.
    """

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False,
                         dilation, padding_mode, device=device, dtype=dtype)
        self._lazy_setup(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    """``Conv1d`` whose ``in_channels`` is the first input's channels (see ``_LazyConvNd``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyConv1d(4, 3)
    >>> m(symgrad.ones(2, 5, 8)).shape, m
    (symgrad.Size([2, 4, 6]), Conv1d(5, 4, kernel_size=(3,), stride=(1,)))
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """``Conv2d`` whose ``in_channels`` is the first input's channels (see ``_LazyConvNd``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyConv2d(4, 3)
    >>> m(symgrad.ones(5, 8, 8)).shape, m.weight.shape
    (symgrad.Size([4, 6, 6]), symgrad.Size([4, 5, 3, 3]))
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    """``Conv3d`` whose ``in_channels`` is the first input's channels (see ``_LazyConvNd``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyConv3d(4, 2)
    >>> m(symgrad.ones(1, 3, 4, 4, 4)).shape, type(m).__name__
    (symgrad.Size([1, 4, 3, 3, 3]), 'Conv3d')
    """

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    """``ConvTranspose1d`` whose ``in_channels`` is the first input's channels (see
    ``_LazyConvTransposeNd``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyConvTranspose1d(4, 3)
    >>> m(symgrad.ones(2, 5, 8)).shape, m.weight.shape
    (symgrad.Size([2, 4, 10]), symgrad.Size([5, 4, 3]))
    """

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    """``ConvTranspose2d`` whose ``in_channels`` is the first input's channels (see
    ``_LazyConvTransposeNd``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyConvTranspose2d(4, 2, stride=2)
    >>> m(symgrad.ones(1, 3, 2, 2)).shape, type(m).__name__
    (symgrad.Size([1, 4, 4, 4]), 'ConvTranspose2d')
    """

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    """``ConvTranspose3d`` whose ``in_channels`` is the first input's channels (see
    ``_LazyConvTransposeNd``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyConvTranspose3d(2, 2)
    >>> m(symgrad.ones(1, 3, 2, 2, 2)).shape
    symgrad.Size([1, 2, 3, 3, 3])
    """

    cls_to_become = ConvTranspose3d


# -- normalisations -------------------------------------------------------------------------------
class _LazyNormBase(LazyModuleMixin):
    """A lazy batch or instance norm: ``num_features`` from the first input's dim 1.

    Args:
        eps: Added to the variance, for stability. Defaults to 1e-5.
        momentum: How far the running statistics move toward each batch's; None for a
            cumulative average. Defaults to 0.1.
        affine: Learn a scale and a shift. Defaults to True.
        track_running_stats: Keep running statistics. Defaults to True.
        device: Only the CPU. Defaults to None.
        dtype: The parameters' and statistics' dtype. Defaults to None: the default dtype.
        bias: Learn the shift too (with ``affine``). Defaults to True.
    """

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        made = {"device": device, "dtype": dtype}
        super().__init__(0, eps, momentum, False, False, bias=False, **made)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(**made)
            if bias:
                self.bias = UninitializedParameter(**made)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(**made)
            self.running_var = UninitializedBuffer(**made)
            self.num_batches_tracked = symgrad.tensor(0, dtype=symgrad.int64, device=device)

    def reset_parameters(self) -> None:
        """The norm's reset, once the parameters have their shapes (nothing before).

        >>> import symgrad
        >>> symgrad.nn.LazyBatchNorm1d().reset_parameters()
        """
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Shapes from ``input``'s dim 1, then the norm's ones, zeros and running statistics.

        Args:
            input: The first call's input, ``(N, C, ...)``.

        >>> import symgrad
        >>> m = symgrad.nn.LazyBatchNorm1d(); m.initialize_parameters(symgrad.ones(4, 3))
        >>> m.num_features, m.weight.shape, m.running_var
        (3, symgrad.Size([3]), tensor([1., 1., 1.]))
        """
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]
        lazy = [self.weight, self.bias] if self.affine else []
        lazy += [self.running_mean, self.running_var] if self.track_running_stats else []
        for t in lazy:
            if t is not None:
                t.materialize((self.num_features,))
        self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """``BatchNorm1d`` whose ``num_features`` is the first input's dim 1 (see
    ``_LazyNormBase``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyBatchNorm1d()
    >>> m(symgrad.tensor([[1.0], [3.0]])); m
    tensor([[-1.0000],
            [ 1.0000]], grad_fn=<NativeBatchNormBackward0>)
    BatchNorm1d(1, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = BatchNorm1d
    _check_input_dim = BatchNorm1d._check_input_dim


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """``BatchNorm2d`` whose ``num_features`` is the first input's dim 1 (see
    ``_LazyNormBase``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyBatchNorm2d(affine=False)
    >>> m(symgrad.ones(2, 3, 2, 2)).shape, m.running_mean
    (symgrad.Size([2, 3, 2, 2]), tensor([0.1000, 0.1000, 0.1000]))
    """

    cls_to_become = BatchNorm2d
    _check_input_dim = BatchNorm2d._check_input_dim


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """``BatchNorm3d`` whose ``num_features`` is the first input's dim 1 (see
    ``_LazyNormBase``).

    >>> import symgrad
    >>> m = symgrad.nn.LazyBatchNorm3d()
    >>> m(symgrad.ones(2, 3, 1, 2, 2)).shape, type(m).__name__
    (symgrad.Size([2, 3, 1, 2, 2]), 'BatchNorm3d')
    """

    cls_to_become = BatchNorm3d
    _check_input_dim = BatchNorm3d._check_input_dim


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """``InstanceNorm1d`` whose ``num_features`` is the first input's dim 1 (see
    ``_LazyNormBase``; affine and tracking by default, as PyTorch's lazy one).

    >>> import symgrad
    >>> m = symgrad.nn.LazyInstanceNorm1d()
    >>> m(symgrad.tensor([[[1.0, 3.0]]])); type(m).__name__, m.num_features
    tensor([[[-1.0000,  1.0000]]], grad_fn=<...>)
    ('InstanceNorm1d', 1)
    """

    cls_to_become = InstanceNorm1d
    _no_batch_dim = InstanceNorm1d._no_batch_dim
    _check_input_dim = InstanceNorm1d._check_input_dim


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """``InstanceNorm2d`` whose ``num_features`` is the first input's dim 1 (see
    ``_LazyNormBase``; affine and tracking by default, as PyTorch's lazy one).

    >>> import symgrad
    >>> m = symgrad.nn.LazyInstanceNorm2d()
    >>> m(symgrad.ones(2, 3, 2, 2)).shape, m.weight.shape
    (symgrad.Size([2, 3, 2, 2]), symgrad.Size([3]))
    """

    cls_to_become = InstanceNorm2d
    _no_batch_dim = InstanceNorm2d._no_batch_dim
    _check_input_dim = InstanceNorm2d._check_input_dim


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """``InstanceNorm3d`` whose ``num_features`` is the first input's dim 1 (see
    ``_LazyNormBase``; affine and tracking by default, as PyTorch's lazy one).

    >>> import symgrad
    >>> m = symgrad.nn.LazyInstanceNorm3d()
    >>> m(symgrad.ones(1, 2, 2, 2, 2)).shape, type(m).__name__
    (symgrad.Size([1, 2, 2, 2, 2]), 'InstanceNorm3d')
    """

    cls_to_become = InstanceNorm3d
    _no_batch_dim = InstanceNorm3d._no_batch_dim
    _check_input_dim = InstanceNorm3d._check_input_dim
