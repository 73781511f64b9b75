"""Normalisation layers beside ``LayerNorm`` and the batch norms: ``GroupNorm``, ``RMSNorm``,
``InstanceNorm1d`` and ``InstanceNorm2d``, with PyTorch's parameters, buffers and reprs.

>>> import symgrad
>>> symgrad.nn.GroupNorm(2, 4), symgrad.nn.RMSNorm(3)
(GroupNorm(2, 4, eps=1e-05, affine=True, bias=True), RMSNorm((3,), eps=None, \
elementwise_affine=True))
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import symgrad
from symgrad.nn import functional as F
from symgrad.nn.batchnorm import _BatchNorm
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["GroupNorm", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d"]


class GroupNorm(Module):
    """``group_norm`` with a learnt scale and shift per channel.

    Parameters:
        num_groups: how many groups the channels are split into.
        num_channels: the number of channels ``C``, divisible by ``num_groups``.
        eps: added to the variance, for stability.
        affine: learn ``weight`` (from ones) and ``bias`` (from zeros).
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).
        bias: learn the shift too (with ``affine``).

    >>> import symgrad
    >>> symgrad.nn.GroupNorm(1, 2)(symgrad.tensor([[1.0, 3.0]]))
    tensor([[-1.0000,  1.0000]], grad_fn=<NativeGroupNormBackward0>)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups, num_channels, eps, affine)
        made = {"device": device, "dtype": dtype}
        self.register_parameter("weight", Parameter(symgrad.ones(num_channels, **made))
                                if affine else None)
        self.register_parameter("bias", Parameter(symgrad.zeros(num_channels, **made))
                                if affine and bias else None)

    def reset_parameters(self) -> None:
        """The scale back to 1 and the shift to 0.

        >>> import symgrad
        >>> norm = symgrad.nn.GroupNorm(1, 2)
        >>> with symgrad.no_grad():
        ...     _ = norm.weight.mul_(3)
        >>> norm.reset_parameters(); norm.weight
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        """
        with symgrad.no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        """``group_norm(input, num_groups, weight, bias, eps)``.

        Args:
            input: A tensor of shape ``(N, C, ...)``.

        >>> import symgrad
        >>> symgrad.nn.GroupNorm(2, 2, affine=False).forward(symgrad.tensor([[[1.0, 3.0]] * 2]))
        tensor([[[-1.0000,  1.0000],
                 [-1.0000,  1.0000]]])
        """
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """The groups, channels and options, as PyTorch prints them.

        >>> import symgrad
        >>> symgrad.nn.GroupNorm(2, 4, affine=False).extra_repr()
        '2, 4, eps=1e-05, affine=False, bias=False'
        """
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """``rms_norm`` over the trailing ``normalized_shape``, with a learnt scale.

    Parameters:
        normalized_shape: the trailing dims normalised together (an int for one).
        eps: added to the mean square (None: the dtype's machine epsilon).
        elementwise_affine: learn ``weight`` (from ones).
        device: where the parameters live: only the CPU.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> symgrad.nn.RMSNorm(2, eps=0.0)(symgrad.tensor([[3.0, 4.0]]))
    tensor([[0.8485, 1.1314]], grad_fn=<MulBackward0>)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
            normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        self.register_parameter("weight", Parameter(symgrad.ones(shape, device=device,
                                                                 dtype=dtype))
                                if elementwise_affine else None)

    def reset_parameters(self) -> None:
        """The scale back to 1.

        >>> import symgrad
        >>> norm = symgrad.nn.RMSNorm(1)
        >>> with symgrad.no_grad():
        ...     _ = norm.weight.mul_(3)
        >>> norm.reset_parameters(); norm.weight
        Parameter containing:
        tensor([1.], requires_grad=True)
        """
        if self.weight is not None:
            with symgrad.no_grad():
                self.weight.fill_(1.0)

    def forward(self, x: Tensor) -> Tensor:
        """``rms_norm(x, normalized_shape, weight, eps)``.

        Args:
            x: A tensor whose trailing dims are ``normalized_shape``.

        >>> import symgrad
        >>> symgrad.nn.RMSNorm(2, 0.0, False).forward(symgrad.tensor([1.0, -1.0]))
        tensor([ 1., -1.])
        """
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """The shape, eps and whether affine.

        >>> import symgrad
        >>> symgrad.nn.RMSNorm((2, 3), eps=1e-6).extra_repr()
        '(2, 3), eps=1e-06, elementwise_affine=True'
        """
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _InstanceNorm(_BatchNorm):
    """What ``InstanceNorm1d`` and ``InstanceNorm2d`` share: PyTorch's ``_InstanceNorm``, the
    batch norms' parameters and buffers (no scale nor running statistics by default)."""

    _no_batch_dim = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str,
                              local_metadata: dict[str, Any], strict: bool,
                              missing_keys: list[str], unexpected_keys: list[str],
                              error_msgs: list[str]) -> None:
        # A state dict without a version predates PyTorch 0.4, whose instance norms kept
        # running statistics by default: PyTorch's error names them, and drops them.
        found = [prefix + name for name in ("running_mean", "running_var")
                 if prefix + name in state_dict]
        if local_metadata.get("version") is None and not self.track_running_stats and (
                found):
            klass, names = type(self).__name__, " and ".join(f'"{k}"' for k in found)
            error_msgs.append(
                f"Unexpected running stats buffer(s) {names} for {klass} "
                "with track_running_stats=False. If state_dict is a checkpoint "
                "saved before 0.4.0, this may be expected because "
                f"{klass} does not track running stats by default since 0.4.0. Please remove "
                "these keys from state_dict. If the running stats are actually needed, instead "
                f"set track_running_stats=True in {klass} to enable them. See the "
                f"documentation of {klass} for details.")
            for key in found:
                state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)

    def forward(self, input: Tensor) -> Tensor:
        """``instance_norm`` of ``input``: by each sample's statistics in training or without
        running statistics, else by the running ones; an unbatched input as a batch of one.

        Args:
            input: A tensor ``(N, C, ...)`` or, unbatched, ``(C, ...)``.

        >>> import symgrad
        >>> symgrad.nn.InstanceNorm1d(1).forward(symgrad.tensor([[1.0, 3.0]]))
        tensor([[-1.0000,  1.0000]])
        """
        self._check_input_dim(input)
        feature_dim = input.dim() - self._no_batch_dim
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          "can silence this warning by not passing in num_features, which is "
                          "not used because affine=False", stacklevel=2)
        if input.dim() == self._no_batch_dim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)`` or unbatched ``(C, L)`` inputs: each sample's
    channel by its own statistics.

    Parameters:
        num_features: the number of channels ``C``.
        eps: added to the variance, for stability.
        momentum: how far the running statistics move (with ``track_running_stats``).
        affine: learn a scale (from ones) and a shift (from zeros) per channel.
        track_running_stats: keep running statistics and normalise by them in evaluation.
        device: where the parameters live: only the CPU.
        dtype: the parameters' and statistics' dtype (None: the default dtype).
        bias: learn the shift too (with ``affine``).

    >>> import symgrad
    >>> symgrad.nn.InstanceNorm1d(2)
    InstanceNorm1d(2, eps=1e-05, momentum=0.1, affine=False, bias=False, \
track_running_stats=False)
    """

    _no_batch_dim = 2

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)`` or unbatched ``(C, H, W)`` inputs.

    Parameters:
        num_features: the number of channels ``C``.
        eps: added to the variance, for stability.
        momentum: how far the running statistics move (with ``track_running_stats``).
        affine: learn a scale (from ones) and a shift (from zeros) per channel.
        track_running_stats: keep running statistics and normalise by them in evaluation.
        device: where the parameters live: only the CPU.
        dtype: the parameters' and statistics' dtype (None: the default dtype).
        bias: learn the shift too (with ``affine``).

    >>> import symgrad
    >>> symgrad.nn.InstanceNorm2d(1)(symgrad.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """

    _no_batch_dim = 3

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.dim()}D input)")
