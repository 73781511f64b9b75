"""Spatial transformers' sampling, as ``torch.nn.functional.grid_sample`` and ``affine_grid``.

``affine_grid`` reads its arguments as PyTorch's does and records ``affine_grid_generator``
(``AffineGridGeneratorBackward0``); ``grid_sample`` checks its inputs in PyTorch's order and
with its messages and records ``grid_sampler_2d`` (``GridSampler2DBackward0``);
``symgrad/ops/grid_sample.py`` has the ops. PyTorch's ``'bicubic'`` mode and 5-d input (3-d
sampling) raise NotImplementedError.

>>> import symgrad
>>> import symgrad.nn.functional as F
>>> theta = symgrad.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], requires_grad=True)
>>> grid = F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)
>>> grid.grad_fn
<AffineGridGeneratorBackward0 object at 0x...>
>>> x = symgrad.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
>>> F.grid_sample(x, grid, align_corners=False)
tensor([[[[1., 2.],
          [3., 4.]]]], grad_fn=<GridSampler2DBackward0>)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from symgrad._dtypes import _TORCH_NAMES
from symgrad.ops.arguments import tensor_args
from symgrad.ops.grid_sample import AFFINE_GRID_GENERATOR, GRID_SAMPLER_2D, MODES, PADDING_MODES
from symgrad.ops.registry import apply
from symgrad.tensor import Tensor

__all__ = ["grid_sample", "affine_grid"]

_DEFAULT = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
            "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
            "documentation of grid_sample for details.")


def _align_corners(align_corners: bool | None) -> bool:
    """PyTorch's default (False), with its warning when none was given."""
    if align_corners is None:
        warnings.warn(_DEFAULT, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _check(input: Tensor, grid: Tensor) -> None:
    """ATen's ``check_grid_sampler_common`` and ``check_grid_sampler_2d``/``_3d``, in order."""
    sizes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got {sizes}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last "
                           f"dimension, but got grid with sizes {list(grid.shape)}")
    for i in range(2, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                f"has sizes {list(input.shape)} with dimension {i} being empty")
    # PyTorch sends any input but a 4-d one to its 3-d sampler.
    dims = 4 if input.ndim == 4 else 5
    if not input.ndim == dims == grid.ndim:
        raise RuntimeError(f"grid_sampler(): expected {dims}D input and grid with same number of "
                           f"dimensions, but got {sizes}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """``input`` sampled at the points of ``grid``, as ``torch.nn.functional.grid_sample``.

    ``grid[n, h, w]`` is a point ``(x, y)`` of ``input[n]``'s plane, -1 to 1 from left to right
    and from top to bottom; ``out[n, :, h, w]`` is the input's channels read there.

    Args:
        input: The images, (N, C, H, W).
        grid: The points, (N, H_out, W_out, 2), of ``input``'s dtype.
        mode: ``'bilinear'`` (the four nearest pixels, weighted by closeness) or ``'nearest'``
            (the nearest pixel). Defaults to ``'bilinear'``.
        padding_mode: What points outside the image read: ``'zeros'`` (0), ``'border'`` (the
            nearest border pixel) or ``'reflection'`` (the image reflected about its ends).
            Defaults to ``'zeros'``.
        align_corners: Whether -1 and 1 are the corner pixels' centres (True) or their outer
            edges (False). Defaults to None: False, with PyTorch's warning.

    >>> import symgrad
    >>> x = symgrad.arange(6.0).reshape(1, 1, 2, 3)
    >>> grid = symgrad.tensor([[[[0.0, 0.0], [1.0, -1.0], [2.0, 0.25]]]])
    >>> grid_sample(x, grid, align_corners=True)
    tensor([[[[2.5000, 2.0000, 0.0000]]]])
    >>> grid_sample(x, grid, padding_mode="reflection", align_corners=False)
    tensor([[[[2.5000, 2.0000, 3.2500]]]])
    >>> grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=True)
    tensor([[[[1., 2., 5.]]]])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in PADDING_MODES:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    align = _align_corners(align_corners)
    return _grid_sampler(input, grid, mode, padding_mode, align)


def _grid_sampler(input: Tensor, grid: Tensor, mode: str, padding_mode: str,
                  align_corners: bool) -> Tensor:
    """``torch.grid_sampler`` once the modes are read: the checks, then the op."""
    tensor_args("grid_sampler", input=input, grid=grid)
    _check(input, grid)
    if input.ndim == 5:
        if mode == "bicubic":
            raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
        raise NotImplementedError("symgrad: grid_sample of 5-d input (3-d sampling) is not "
                                  "implemented; 4-d input is")
    if mode not in MODES:
        raise NotImplementedError(f"symgrad: grid_sample's mode {mode!r} is not implemented; "
                                  "'bilinear' and 'nearest' are")
    if input.dtype.is_floating_point and grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but found "
                           f"{_TORCH_NAMES[grid.dtype.name]}")
    return apply(GRID_SAMPLER_2D, input, grid, mode=mode, padding_mode=padding_mode,
                 align_corners=align_corners)


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None
                ) -> Tensor:
    """The sampling grid of the affine maps ``theta``, as ``torch.nn.functional.affine_grid``:
    each output pixel's point in [-1, 1] mapped by its batch's matrix, for ``grid_sample``.

    Args:
        theta: The maps, (N, 2, 3) of a floating dtype: ``(x, y) -> theta @ (x, y, 1)``.
        size: The output images' size (N, C, H, W).
        align_corners: Whether -1 and 1 are the corner pixels' centres (True) or their outer
            edges (False); give ``grid_sample`` the same. Defaults to None: False, with
            PyTorch's warning.

    >>> import symgrad
    >>> theta = symgrad.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.5]]])
    >>> affine_grid(theta, (1, 3, 2, 2), align_corners=True)
    tensor([[[[-2.0000, -0.5000],
              [ 2.0000, -0.5000]],
    <BLANKLINE>
             [[-2.0000,  1.5000],
              [ 2.0000,  1.5000]]]])
    """
    align = _align_corners(align_corners)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {_torch_size(theta)}.")
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {_torch_size(theta)}.")
        raise NotImplementedError("symgrad: affine_grid of 5-d sizes (3-d transforms) is not "
                                  "implemented; 4-d sizes are")
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", UserWarning,
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, 3] but got: [{theta.shape[0]}, 3].")
    return apply(AFFINE_GRID_GENERATOR, theta, size=size, align_corners=align)


def _torch_size(t: Tensor) -> str:
    return f"torch.Size({list(t.shape)})"

