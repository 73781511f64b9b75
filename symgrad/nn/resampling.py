"""Resizing by interpolation, as ``torch.nn.functional.interpolate`` and ``torch.nn.Upsample``.

``interpolate`` reads its arguments as PyTorch's does (one of ``size`` and ``scale_factor``, a
number for every spatial dim or one each) and runs the op PyTorch runs, recording the node
PyTorch records: ``upsample_nearest1d``/``2d``/``3d`` (``UpsampleNearest1DBackward0``, ...),
``upsample_nearest_exact1d``/``2d``/``3d``, ``upsample_linear1d``, ``upsample_bilinear2d``,
``upsample_trilinear3d`` and ``upsample_bicubic2d``, and ``adaptive_avg_pool1d``/``2d``/``3d``
for ``'area'`` (``symgrad/ops/resampling.py`` has the ops). PyTorch's antialiasing
(``antialias=True``, and so ``'lanczos'``) symgrad has not: it raises NotImplementedError.

>>> import symgrad
>>> import symgrad.nn.functional as F
>>> x = symgrad.tensor([[[1.0, 3.0]]], requires_grad=True)
>>> F.interpolate(x, scale_factor=2, mode="linear")
tensor([[[1.0000, 1.5000, 2.5000, 3.0000]]], grad_fn=<UpsampleLinear1DBackward0>)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad.nn.modules import Module
from symgrad.ops.pooling import adaptive_avg_pool1d, adaptive_avg_pool2d
from symgrad.ops.pooling3d import adaptive_avg_pool3d
from symgrad.ops.registry import apply
from symgrad.ops.resampling import (
    UPSAMPLE_BICUBIC2D,
    UPSAMPLE_BILINEAR2D,
    UPSAMPLE_LINEAR1D,
    UPSAMPLE_NEAREST1D,
    UPSAMPLE_NEAREST2D,
    UPSAMPLE_NEAREST3D,
    UPSAMPLE_NEAREST_EXACT1D,
    UPSAMPLE_NEAREST_EXACT2D,
    UPSAMPLE_NEAREST_EXACT3D,
    UPSAMPLE_TRILINEAR3D,
)
from symgrad.tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "Upsample",
           "UpsamplingNearest2d", "UpsamplingBilinear2d"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}
# The op PyTorch's interpolate runs for each mode and input dimension ('area' pools instead).
_OPS = {("nearest", 3): UPSAMPLE_NEAREST1D, ("nearest", 4): UPSAMPLE_NEAREST2D,
        ("nearest", 5): UPSAMPLE_NEAREST3D, ("nearest-exact", 3): UPSAMPLE_NEAREST_EXACT1D,
        ("nearest-exact", 4): UPSAMPLE_NEAREST_EXACT2D,
        ("nearest-exact", 5): UPSAMPLE_NEAREST_EXACT3D, ("linear", 3): UPSAMPLE_LINEAR1D,
        ("bilinear", 4): UPSAMPLE_BILINEAR2D, ("trilinear", 5): UPSAMPLE_TRILINEAR3D,
        ("bicubic", 4): UPSAMPLE_BICUBIC2D}


def _is_integer(x: Any) -> bool:
    """PyTorch's ``_is_integer``: a Python or NumPy int, or an integral tensor."""
    if isinstance(x, Tensor):
        return not x.dtype.is_floating_point
    return isinstance(x, int | np.integer)


def _sizes(input: Tensor, size: Any, scale_factor: Any, mode: str,
           recompute_scale_factor: bool | None) -> tuple[list[int] | None, list[Any] | None]:
    """PyTorch's reading of ``size`` and ``scale_factor``: the output size or the factors."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            out = [int(s) for s in size]
        else:
            out = [int(size) for _ in range(dim)]
    elif scale_factor is not None:
        out = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {spatial} and scale_factor of "
                    f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, "
                    "...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            factors = list(scale_factor)
        else:
            factors = [scale_factor for _ in range(dim)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        # The output size from the factors, which then go unused.
        out = [int(spatial[i] * factors[i]) for i in range(dim)]  # type: ignore[index]
        factors = None
    return out, factors


def _check(input: Tensor, out: list[int]) -> None:
    """ATen's checks of the sizes (``upsample_1d_common_check``, ``..._2d_...``)."""
    names = ("H", "W")[-len(out):] if len(out) <= 2 else ("D", "H", "W")
    spatial = list(input.shape[2:])
    if any(s <= 0 for s in spatial) or any(o <= 0 for o in out):
        if len(out) == 1:
            raise RuntimeError("Input and output sizes should be greater than 0, but got input "
                               f"(W: {spatial[0]}) and output (W: {out[0]})")
        given = ", ".join(f"{n}: {s}" for n, s in zip(names, spatial, strict=True))
        wanted = ", ".join(f"{n}: {o}" for n, o in zip(names, out, strict=True))
        raise RuntimeError("Input and output sizes should be greater than 0, but got input "
                           f"({given}) output ({wanted})")
    if any(s == 0 for s in input.shape[1:]):
        raise RuntimeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor with "
                           f"sizes {list(input.shape)}")


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """``input`` resized to ``size`` or by ``scale_factor`` along its dims after the first two,
    as ``torch.nn.functional.interpolate``.

    Args:
        input: The tensor, (N, C, W), (N, C, H, W) or (N, C, D, H, W).
        size: The output's spatial size: an int for every dim, or one per dim.
        scale_factor: The factor of every spatial dim, or one per dim (the output size is the
            input's times it, rounded down).
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-d input), ``'bilinear'``
            (4-d), ``'bicubic'`` (4-d), ``'trilinear'`` (5-d) or ``'area'``. Defaults to
            ``'nearest'``.
        align_corners: For the linear modes, whether the input's and output's end points
            align (else their pixel areas' edges do). Defaults to None (False for those
            modes; not to be given for the others).
        recompute_scale_factor: Whether the scale factor is read again from the output size
            computed from it (then only that size is used). Defaults to None.
        antialias: PyTorch's antialiasing, which symgrad does not have. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> interpolate(x, size=(2, 3), mode="bilinear", align_corners=True)
    tensor([[[[1.0000, 1.5000, 2.0000],
              [3.0000, 3.5000, 4.0000]]]])
    >>> interpolate(x, scale_factor=(1, 2))
    tensor([[[[1., 1., 2., 2.],
              [3., 3., 4., 4.]]]])
    >>> interpolate(symgrad.tensor([[[1.0, 2.0, 3.0]]]), size=2, mode="nearest-exact")
    tensor([[[1., 3.]]])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    out, factors = _sizes(input, size, scale_factor, mode, recompute_scale_factor)
    ndim = input.ndim
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    if mode == "area" and ndim in (3, 4, 5):
        pool = {3: adaptive_avg_pool1d, 4: adaptive_avg_pool2d, 5: adaptive_avg_pool3d}[ndim]
        return pool(input, out if ndim > 3 else out[0])  # type: ignore[index]
    op = _OPS.get((mode, ndim))
    if op is None or antialias:
        if mode in _NEEDS and ndim in (3, 4, 5) and _NEEDS[mode] != ndim:
            raise NotImplementedError(f"Got {ndim}D input, but {mode} mode needs "
                                      f"{_NEEDS[mode]}D input")
        if mode == "lanczos" and ndim == 4 and not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
        if not antialias:
            # A mode PyTorch has no op for on this many dims (bicubic on 3-d or 5-d input), or
            # no mode PyTorch knows.
            raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                      f"(got {ndim}D) for the modes: {_MODES} (got {mode})")
        raise NotImplementedError("symgrad: interpolate's antialias=True (PyTorch's antialiased "
                                  f"{mode} resampling) is not implemented; antialias=False is")
    spatial = input.shape[2:]
    if out is None:
        # ATen's output size from the factors: the product truncated toward zero.
        out = [int(math.trunc(spatial[i] * factors[i])) for i in range(ndim - 2)]  # type: ignore
    _check(input, out)
    scales = tuple(None if factors is None else float(f) for f in (factors or [None] * len(out)))
    attrs: dict[str, Any] = {"output_size": tuple(out), "scales": scales}
    if mode not in ("nearest", "nearest-exact"):
        attrs["align_corners"] = bool(align_corners)
    return apply(op, input, **attrs)


def _deprecated(name: str) -> None:
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=3)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """``interpolate``, under its old name (PyTorch warns that it is deprecated, and so does
    this).

    Args:
        input: The tensor.
        size: The output's spatial size.
        scale_factor: The factor of each spatial dim.
        mode: The interpolation mode. Defaults to ``'nearest'``.
        align_corners: As for ``interpolate``. Defaults to None.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     upsample(symgrad.tensor([[[1.0, 2.0]]]), size=3)
    tensor([[[1., 1., 2.]]])
    """
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode='nearest')`` (deprecated in PyTorch, which warns; so does this).

    Args:
        input: The tensor.
        size: The output's spatial size.
        scale_factor: The factor of each spatial dim.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     upsample_nearest(symgrad.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode='bilinear', align_corners=True)`` (deprecated in PyTorch, which
    warns; so does this).

    Args:
        input: The tensor, (N, C, H, W).
        size: The output's (H, W), or one int for both.
        scale_factor: The factor of each spatial dim.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     upsample_bilinear(symgrad.tensor([[[[0.0, 2.0]]]]), size=(1, 3))
    tensor([[[[0., 1., 2.]]]])
    """
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


class Upsample(Module):
    """``interpolate`` as a layer.

    Parameters:
        size: the output's spatial size (an int for every dim, or one per dim).
        scale_factor: the factor of every spatial dim, or one per dim.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``,
            ``'bicubic'``, ``'trilinear'`` or ``'area'``.
        align_corners: for the linear and cubic modes, whether the end points align.
        recompute_scale_factor: whether the factor is read again from the output size.

    >>> import symgrad
    >>> symgrad.nn.Upsample(scale_factor=2, mode="bilinear")
    Upsample(scale_factor=2.0, mode='bilinear')
    >>> symgrad.nn.Upsample(size=3)(symgrad.tensor([[[1.0, 2.0]]]))
    tensor([[[1., 1., 2.]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """``interpolate`` of ``input`` with the layer's settings.

        Args:
            input: The tensor, (N, C, W), (N, C, H, W) or (N, C, D, H, W).

        >>> import symgrad
        >>> Upsample(scale_factor=2).forward(symgrad.tensor([[[1.0, 2.0]]]))
        tensor([[[1., 1., 2., 2.]]])
        """
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        """The size or factor, and the mode.

        >>> Upsample(size=(3, 4))
        Upsample(size=(3, 4), mode='nearest')
        """
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """``Upsample`` with ``mode='nearest'``, for (N, C, H, W) input.

    Parameters:
        size: the output's (H, W), or one int for both.
        scale_factor: the factor of both dims, or one per dim.

    >>> import symgrad
    >>> symgrad.nn.UpsamplingNearest2d(scale_factor=2)
    UpsamplingNearest2d(scale_factor=2.0, mode='nearest')
    """

    def __init__(self, size: Sequence[int] | int | None = None,
                 scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample`` with ``mode='bilinear'`` and ``align_corners=True``, for (N, C, H, W)
    input.

    Parameters:
        size: the output's (H, W), or one int for both.
        scale_factor: the factor of both dims, or one per dim.

    >>> import symgrad
    >>> symgrad.nn.UpsamplingBilinear2d(size=(1, 3))(symgrad.tensor([[[[0.0, 2.0]]]]))
    tensor([[[[0., 1., 2.]]]])
    """

    def __init__(self, size: Sequence[int] | int | None = None,
                 scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
