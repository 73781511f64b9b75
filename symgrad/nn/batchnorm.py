"""Batch normalisation layers: ``BatchNorm1d`` and ``BatchNorm2d``, ``batch_norm`` with a
learnt scale and shift per channel and running statistics kept as buffers, as in PyTorch.

>>> import symgrad
>>> norm = symgrad.nn.BatchNorm1d(2)
>>> norm
BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
>>> [name for name, _ in norm.named_buffers()]
['running_mean', 'running_var', 'num_batches_tracked']
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """What ``BatchNorm1d`` and ``BatchNorm2d`` share; they differ in the input ranks they
    take (``_check_input_dim``)."""

    # version 2 added the buffer num_batches_tracked (state dicts record the version)
    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        made = {"device": device, "dtype": dtype}
        # PyTorch registers an absent scale or shift as None: listed in _parameters, never saved
        self.register_parameter("weight", Parameter(symgrad.ones(num_features, **made))
                                if affine else None)
        self.register_parameter("bias", Parameter(symgrad.zeros(num_features, **made))
                                if affine and bias else None)
        tracked = track_running_stats
        self.register_buffer("running_mean", symgrad.zeros(num_features, **made)
                             if tracked else None)
        self.register_buffer("running_var", symgrad.ones(num_features, **made)
                             if tracked else None)
        self.register_buffer("num_batches_tracked", symgrad.tensor(0, device=device)
                             if tracked else None)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str,
                              local_metadata: dict[str, Any], *args: Any) -> None:
        # A checkpoint from before version 2 has no num_batches_tracked: the module's own
        # count is kept (PyTorch's upgrade), rather than reported missing.
        version = local_metadata.get("version")
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and (
                key not in state_dict):
            state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                               else symgrad.tensor(0, dtype=symgrad.long))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)

    def reset_running_stats(self) -> None:
        """The running mean back to 0, the variance to 1, and the count of batches to 0.

        >>> import symgrad
        >>> norm = symgrad.nn.BatchNorm1d(1)
        >>> _ = norm(symgrad.tensor([[1.0], [3.0]]))
        >>> norm.reset_running_stats(); norm.running_mean, norm.num_batches_tracked
        (tensor([0.]), tensor(0))
        """
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """The running statistics reset, the scale back to 1 and the shift to 0.

        >>> import symgrad
        >>> norm = symgrad.nn.BatchNorm1d(2)
        >>> with symgrad.no_grad():
        ...     _ = norm.weight.mul_(3)
        >>> norm.reset_parameters(); norm.weight
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        """
        self.reset_running_stats()
        with symgrad.no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        """``batch_norm`` of ``input``: in training by the batch's statistics (moving the
        running ones, by ``momentum``, or by a cumulative average when it is None), in
        evaluation by the running ones (the batch's when none are kept).

        Args:
            input: A tensor of shape ``(N, C, ...)``, ``C`` being ``num_features``.

        >>> import symgrad
        >>> norm = symgrad.nn.BatchNorm1d(1, momentum=None)
        >>> norm.forward(symgrad.tensor([[1.0], [3.0]])), norm.running_mean
        (tensor([[-1.0000],
                [ 1.0000]], grad_fn=<NativeBatchNormBackward0>), tensor([2.]))
        """
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # a cumulative average of the batches' statistics
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        kept = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if kept else None,
                            self.running_var if kept else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        """The number of features and the options, as PyTorch prints them.

        >>> import symgrad
        >>> symgrad.nn.BatchNorm2d(3, momentum=None, affine=False).extra_repr()
        '3, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=True'
        """
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs over each channel ``C``.

    Parameters:
        num_features: the number of channels ``C``.
        eps: added to the variance, for stability.
        momentum: how far the running statistics move toward each batch's; None for a
            cumulative average over the batches seen.
        affine: learn a scale (``weight``, from ones) and a shift (``bias``, from zeros).
        track_running_stats: keep running statistics (buffers ``running_mean``,
            ``running_var``, ``num_batches_tracked``) and normalise by them in evaluation.
        device: where the parameters live: only the CPU (``"cpu"``, a device, or None).
        dtype: the parameters' and statistics' dtype (None: the default dtype).
        bias: learn the shift too (with ``affine``).

    >>> import symgrad
    >>> norm = symgrad.nn.BatchNorm1d(2)
    >>> norm(symgrad.tensor([[1.0, 10.0], [3.0, 30.0]]))
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]], grad_fn=<NativeBatchNormBackward0>)
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` inputs over each channel ``C``.

    Parameters:
        num_features: the number of channels ``C``.
        eps: added to the variance, for stability.
        momentum: how far the running statistics move toward each batch's; None for a
            cumulative average over the batches seen.
        affine: learn a scale (``weight``, from ones) and a shift (``bias``, from zeros).
        track_running_stats: keep running statistics (buffers ``running_mean``,
            ``running_var``, ``num_batches_tracked``) and normalise by them in evaluation.
        device: where the parameters live: only the CPU (``"cpu"``, a device, or None).
        dtype: the parameters' and statistics' dtype (None: the default dtype).
        bias: learn the shift too (with ``affine``).

    >>> import symgrad
    >>> norm = symgrad.nn.BatchNorm2d(1).eval()
    >>> norm(symgrad.tensor([[[[2.0]]]]))
    tensor([[[[2.0000]]]], grad_fn=<NativeBatchNormBackward0>)
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")
