"""``BatchNorm3d``, as in ``torch.nn``: batch normalisation of volumes (``(N, C, D, H, W)``),
``BatchNorm2d`` with one more spatial dim.

>>> import symgrad
>>> symgrad.nn.BatchNorm3d(4)
BatchNorm3d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
"""

from __future__ import annotations

from symgrad.nn.batchnorm import _BatchNorm
from symgrad.tensor import Tensor

__all__ = ["BatchNorm3d"]


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` inputs over each channel ``C``.

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
    >>> norm = symgrad.nn.BatchNorm3d(1).eval()
    >>> norm(symgrad.tensor([[[[[2.0]]]]]))
    tensor([[[[[2.0000]]]]], grad_fn=<NativeBatchNormBackward0>)
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")
