"""``InstanceNorm3d``: instance normalisation of volumes, as ``torch.nn.InstanceNorm3d`` (the
1-d and 2-d layers' code, ``symgrad/nn/normalization.py``, on 5-d inputs).

>>> import symgrad
>>> symgrad.nn.InstanceNorm3d(1)(symgrad.tensor([[[[1.0, 3.0]]]])).flatten()
tensor([-1.0000,  1.0000])
"""

from __future__ import annotations

from symgrad.nn.normalization import _InstanceNorm
from symgrad.tensor import Tensor

__all__ = ["InstanceNorm3d"]


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` inputs.

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
    >>> symgrad.nn.InstanceNorm3d(2, affine=True)
    InstanceNorm3d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, \
track_running_stats=False)
    """

    _no_batch_dim = 4

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (4, 5):
            raise ValueError(f"expected 4D or 5D input (got {input.dim()}D input)")
