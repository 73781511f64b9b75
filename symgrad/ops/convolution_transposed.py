"""Transposed convolutions (``conv_transpose1d``/``2d``/``3d``) and ``conv3d``.

A transposed convolution is the adjoint of a convolution with the same attributes: each input
element scatters its products with the kernel into the output, window by window. Along one
spatial dim, with ``s = stride``, ``d = dilation``, ``p = padding`` and ``q = output_padding``,
input element ``i`` and kernel element ``k`` add ``x[i] * w[k]`` to output place
``i*s + k*d - p``; the output is ``(L - 1)*s - 2p + d*(K - 1) + q + 1`` long (``q`` extra places
at the high end, which only padding cropped away can reach). ``weight`` is ``(C_in, C_out /
groups, *kernel)``: input channel ``c`` of group ``c // (C_in / groups)`` feeds that group's
output channels.

It is one ``ConvolutionBackward0`` node (``conv_transpose``), whose VJP is written with the
convolution op (``symgrad.ops.convolution``), so gradients of gradients record convolutions to
any order:

- the input's gradient is the convolution of the incoming gradient with ``weight`` itself
  (same stride, dilation and groups; padding ``p`` before, ``p - q`` after);
- the weight's gradient is that convolution's weight gradient with the roles of input and
  incoming gradient exchanged;
- the bias's gradient is the incoming gradient summed over the batch and spatial dims.

The forward multiplies the kernels with the input by one matrix product per group (the
"columns": each input place times each kernel element) and adds the columns into the output
kernel element by kernel element, each a strided slice (PyTorch's ``col2im``). float16 follows
PyTorch's CPU kernel (``slow_conv_transpose2d``/``3d``): the columns summed in float32 and
rounded to float16, then added in float16 kernel element by kernel element in order, then the
bias: equal to torch 2.13 on 18,560 of 18,560 random float16 outputs, where summing in float64
and rounding once differed in 8,857 of 32,400. bfloat16 (PyTorch's oneDNN path) is summed in
float64 and rounded once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.convolution import (
    CONVOLUTION,
    _conv,
    _convolution_vjp,
    _expand,
    _ints,
)
from symgrad.ops.registry import _TORCH_NAMES, apply, defop, expose, not_implemented
from symgrad.tensor import Tensor

_F16 = np.dtype(np.float16)
_BF16 = _dtypes.bfloat16.np
# The dtypes PyTorch's transposed kernels (slow_conv_transpose2d/3d) have no code for: of the
# integers they compute only int64.
_REFUSED = (_dtypes.bool, _dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32)


# -- the forward on arrays -----------------------------------------------------------------------
def _output_size(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                 padding: Sequence[int], output_padding: Sequence[int],
                 dilation: Sequence[int]) -> tuple[int, ...]:
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1 for n, k, s, p, q, d in
                 zip(size, kernel, stride, padding, output_padding, dilation, strict=True))


def _conv_transpose(input: np.ndarray, weight: np.ndarray, bias: np.ndarray, *,
                    stride: tuple[int, ...], padding: tuple[int, ...],
                    output_padding: tuple[int, ...], dilation: tuple[int, ...],
                    groups: int) -> np.ndarray:
    """``out[n, o, i*s + k*d - p] += x[n, c, i] * weight[c, o', k]`` over the input channels
    ``c`` of output channel ``o``'s group (``o'`` its place in the group), plus ``bias[o]``
    (``bias`` of no element: none added); see the module docstring."""
    n = weight.ndim - 2
    result = input.dtype
    compute = (np.dtype(np.float32) if result == _F16
               else np.dtype(np.float64) if result == _BF16 else result)
    batch, channels = input.shape[:2]
    size, kernel = input.shape[2:], weight.shape[2:]
    per_group, per_group_out = channels // groups, weight.shape[1]
    positions = math.prod(size)
    # (G, O/G * kernel, C/G) @ (G, C/G, N * positions): every product of an input place with
    # a kernel element, one matrix product per group.
    x = input.astype(compute, copy=False).reshape(batch, groups, per_group, positions)
    x = x.transpose(1, 2, 0, 3).reshape(groups, per_group, batch * positions)
    w = weight.astype(compute, copy=False).reshape(groups, per_group,
                                                   per_group_out * math.prod(kernel))
    columns = np.matmul(w.transpose(0, 2, 1), x)
    accumulate = _F16 if result == _F16 else compute
    columns = columns.astype(accumulate, copy=False).reshape(groups, per_group_out, *kernel,
                                                             batch, *size)
    out_size = _output_size(size, kernel, stride, padding, output_padding, dilation)
    full = tuple(max(p + o, (m - 1) * s + d * (k - 1) + 1) for p, o, m, s, d, k in
                 zip(padding, out_size, size, stride, dilation, kernel, strict=True))
    out = np.zeros((groups, per_group_out, batch, *full), dtype=accumulate)
    for ks in itertools.product(*(range(k) for k in kernel)):
        places = tuple(slice(k * d, k * d + (m - 1) * s + 1, s)
                       for k, d, m, s in zip(ks, dilation, size, stride, strict=True))
        out[(slice(None), slice(None), slice(None), *places)] += columns[
            (slice(None), slice(None), *ks)]
    out = out[(slice(None), slice(None), slice(None),
               *(slice(p, p + o) for p, o in zip(padding, out_size, strict=True)))]
    out = out.transpose(2, 0, 1, *range(3, 3 + n)).reshape(batch, groups * per_group_out,
                                                            *out_size)
    if bias.size:
        out = out + bias.astype(accumulate, copy=False).reshape(-1, *(1,) * n)
    return np.ascontiguousarray(out, dtype=result)


# -- the VJP, in symgrad ops ---------------------------------------------------------------------
def _conv_transpose_vjp(g: Tensor, input: Tensor, weight: Tensor, *, stride: tuple[int, ...],
                        padding: tuple[int, ...], output_padding: tuple[int, ...],
                        dilation: tuple[int, ...], groups: int, bias_shape: tuple[int, ...],
                        needs: tuple[bool, bool, bool]
                        ) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    n = weight.ndim - 2
    # The convolution this op is the adjoint of: it maps the output's shape back to the
    # input's (``p - q`` after: the output_padding places are read by no window).
    pads = tuple((p, p - q) for p, q in zip(padding, output_padding, strict=True))
    none = Tensor._make(np.zeros((0,), dtype=g._data.dtype), False, None)
    grad_input = grad_weight = grad_bias = None
    if needs[0]:
        grad_input = apply(CONVOLUTION, g, weight, none, stride=stride, padding=pads,
                           dilation=dilation, groups=groups, input_dilation=(1,) * n)
    if needs[1]:
        _, grad_weight, _ = _convolution_vjp(input, g, weight, stride=stride, padding=pads,
                                             dilation=dilation, groups=groups,
                                             bias_shape=(0,), needs=(False, True, False))
    if needs[2]:
        grad_bias = g.sum(dim=(0, *range(2, 2 + n))) if bias_shape != (0,) else none
    return grad_input, grad_weight, grad_bias


def _kernel_name(input: Any, weight: Any, *_: Any, **__: Any) -> str:
    """The CPU kernel PyTorch runs a transposed convolution in (a 1-d one is a 2-d one)."""
    return "slow_conv_transpose3d_out_cpu" if weight.ndim == 5 else "slow_conv_transpose2d_out_cpu"


CONV_TRANSPOSE = defop(
    "conv_transpose", "ConvolutionBackward0", _conv_transpose, vjp=_conv_transpose_vjp,
    dtype_rule="same", kind="convolution", refuses=not_implemented(_kernel_name, _REFUSED))


# -- arguments and checks with PyTorch's messages ------------------------------------------------
_NAMES = {2: ("height", "width"), 3: ("depth", "height", "width")}


def _named(what: str, values: Sequence[int], sep: str = " ") -> str:
    """``what_height: 1 what_width: 2`` as PyTorch's transposed kernels print a setting."""
    return sep.join(f"{what}_{name}: {v}" for name, v in zip(_NAMES[len(values)], values,
                                                               strict=True))


def _as_2d(values: Sequence[int], fill: int) -> tuple[int, ...]:
    """A 1-d setting as PyTorch's kernel sees it: a 2-d one of height 1 (``fill``)."""
    return (fill, *values) if len(values) == 1 else tuple(values)


def _check_kernel(input: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple[int, ...],
                  padding: tuple[int, ...], output_padding: tuple[int, ...],
                  dilation: tuple[int, ...]) -> None:
    """PyTorch's ``slow_conv_transpose2d_shape_check`` (or ``3d``), in its order; a 1-d
    convolution shows as a 2-d one of height 1."""
    three = weight.ndim == 5
    kernel = _as_2d(weight.shape[2:], 1)
    shape = [*weight.shape[:2], *kernel]
    if three and weight.numel() == 0:
        raise RuntimeError("non-empty 5D (n_output_plane x n_input_plane x kernel_depth x "
                           "kernel_height x kernel_width) tensor expected for weight, but "
                           f"got: {shape}")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got "
                           f"{_named('kernel', kernel)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got "
                           f"{_named('dilation', _as_2d(dilation, 1), ', ')}")
    if any(q >= s and q >= d for q, s, d in zip(output_padding, stride, dilation, strict=True)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           f"got {_named('output_padding', _as_2d(output_padding, 0))} "
                           f"{_named('stride', _as_2d(stride, 1))} "
                           f"{_named('dilation', _as_2d(dilation, 1))}")
    if weight.numel() == 0:
        raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {shape}")
    size = _as_2d(input.shape[2:], 1)
    out = _as_2d(_output_size(input.shape[2:], weight.shape[2:], stride, padding,
                              output_padding, dilation), 1)
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, size))}). "
                           f"Calculated output size per channel: ({' x '.join(map(str, out))})."
                           " Output size is too small")


def _check_shapes(input: Tensor, weight: Tensor, bias: Tensor | None, stride: tuple[int, ...],
                  padding: tuple[int, ...], output_padding: tuple[int, ...],
                  dilation: tuple[int, ...], groups: int) -> None:
    """PyTorch's ``check_shape_forward`` for a transposed convolution, in its order."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(q < 0 for q in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    ws, k = list(weight.shape), weight.ndim
    if input.ndim != k:
        raise RuntimeError(f"Expected {k}-dimensional input for {k}-dimensional weight {ws}, but "
                           f"got {input.ndim}-dimensional input of size {list(input.shape)} "
                           "instead")
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {ws} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{ws}] instead")
    if input.shape[1] != ws[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected "
                           f"input{list(input.shape)} to have {ws[0]} channels, but got "
                           f"{input.shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != ws[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected bias to be "
                           f"1-dimensional with {ws[1] * groups} elements, but got bias of size "
                           f"{list(bias.shape)} instead")


def _bias_as_output(input: Tensor, bias: Tensor | None) -> Tensor | None:
    """The bias in the output's dtype: PyTorch's 2-d kernel adds it in place
    (``output.add_(bias)``), so another dtype is cast where that may be; its 3-d kernel
    refuses another dtype."""
    if bias is None or bias.dtype is input.dtype:
        return bias
    if input.ndim == 5:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but found "
                           f"{_TORCH_NAMES[bias.dtype.name]}")
    if bias.dtype.is_floating_point and not input.dtype.is_floating_point:
        raise RuntimeError(f"result type {_TORCH_NAMES[bias.dtype.name]} can't be cast to the "
                           f"desired output type {_TORCH_NAMES[input.dtype.name]}")
    return bias.to(input.dtype)


def _transpose_convolve(input: Tensor, weight: Tensor, bias: Tensor | None, stride: list[int],
                        padding: list[int], output_padding: list[int], groups: int,
                        dilation: list[int]) -> Tensor:
    """PyTorch's ``convolution(..., transposed=True, ...)`` of a batched input, with its checks
    and messages."""
    dim = weight.ndim - 2
    if dim <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    strides = _expand(stride, "stride", dim)
    pads = _expand(padding, "padding", dim)
    dilations = _expand(dilation, "dilation", dim)
    out_pads = _expand(output_padding, "output_padding", dim)
    _check_shapes(input, weight, bias, strides, pads, out_pads, dilations, groups)
    if input.numel() == 0:
        if input.shape[0] and input.shape[1]:
            raise RuntimeError("Only zero batch or zero channel inputs are supported, but got "
                               f"input shape: {list(input.shape)}")
    else:
        _check_kernel(input, weight, bias, strides, pads, out_pads, dilations)
    refused = CONV_TRANSPOSE.refuses.get(input._data.dtype)
    if refused is not None:
        error, message = refused
        raise error(message(input, weight))
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but found "
                           f"{_TORCH_NAMES[weight.dtype.name]}")
    bias = _bias_as_output(input, bias)
    if bias is None:
        bias = Tensor._make(np.zeros((0,), dtype=input._data.dtype), False, None)
    return apply(CONV_TRANSPOSE, input, weight, bias, stride=strides, padding=pads,
                 output_padding=out_pads, dilation=dilations, groups=groups)


def _conv_t(name: str, n: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
            padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    batched = input.ndim == n + 2
    x = input if batched else input.unsqueeze(0)
    out = _transpose_convolve(x, weight, bias, _ints(stride, n), _ints(padding, n),
                              _ints(output_padding, n), int(groups), _ints(dilation, n))
    return out if batched else out.squeeze(0)


# -- public functions ----------------------------------------------------------------------------
@expose(method=False, autocast="lower")
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """A 1-d transposed convolution (the adjoint of ``conv1d``) over ``(N, C_in, L)`` or
    ``(C_in, L)``.

    ``out[n, o, i*stride + k*dilation - padding] += input[n, c, i] * weight[c, o, k]``, plus
    ``bias[o]``; the output is ``(L - 1)*stride - 2*padding + dilation*(kernel - 1) +
    output_padding + 1`` long, the channels split into ``groups``.

    Args:
        input: ``(N, C_in, L)``, or ``(C_in, L)`` unbatched.
        weight: The kernels, ``(C_in, C_out / groups, kernel)``.
        bias: Added to each output channel, ``(C_out,)``. Defaults to None: no bias.
        stride: The step between the places an input element's products land. Defaults to 1.
        padding: Places cropped from both ends of the output (``dilation * (kernel - 1) -
            padding`` zeros around the input of the equivalent convolution). Defaults to 0.
        output_padding: Places added at the high end of the output (smaller than stride or
            dilation). Defaults to 0.
        groups: The number of channel groups; divides ``C_in`` and ``C_out``. Defaults to 1.
        dilation: The step between a kernel's elements. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    >>> symgrad.nn.functional.conv_transpose1d(x, symgrad.tensor([[[1.0, -1.0]]]), stride=2)
    tensor([[[ 1., -1.,  2., -2.,  3., -3.]]], grad_fn=<ConvolutionBackward0>)
    """
    return _conv_t("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


@expose(method=False, autocast="lower")
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """A 2-d transposed convolution (the adjoint of ``conv2d``, sometimes called a
    deconvolution) over ``(N, C_in, H, W)`` or ``(C_in, H, W)``.

    ``out[n, o, i*sh + k*dh - ph, j*sw + l*dw - pw] += input[n, c, i, j] * weight[c, o, k, l]``,
    plus ``bias[o]``; each output size is ``(H - 1)*sh - 2*ph + dh*(kH - 1) + oph + 1``.

    Args:
        input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` unbatched.
        weight: The kernels, ``(C_in, C_out / groups, kH, kW)``.
        bias: Added to each output channel, ``(C_out,)``. Defaults to None: no bias.
        stride: The step between the places an input element's products land, an int or
            ``(sh, sw)``. Defaults to 1.
        padding: Places cropped from both ends of each output dim, an int or ``(ph, pw)``.
            Defaults to 0.
        output_padding: Places added at the high end of each output dim, an int or a pair,
            each smaller than its stride or dilation. Defaults to 0.
        groups: The number of channel groups; divides ``C_in`` and ``C_out``. Defaults to 1.
        dilation: The step between a kernel's elements, an int or ``(dh, dw)``. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> symgrad.conv_transpose2d(x, symgrad.ones(1, 1, 2, 2), stride=2)
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.],
              [3., 3., 4., 4.],
              [3., 3., 4., 4.]]]])
    """
    return _conv_t("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


@expose(method=False, autocast="lower")
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """A 3-d transposed convolution (the adjoint of ``conv3d``) over ``(N, C_in, D, H, W)`` or
    ``(C_in, D, H, W)``.

    ``out[n, o, i*s + k*d - p, ...] += input[n, c, i, ...] * weight[c, o, k, ...]`` along each
    of the three spatial dims, plus ``bias[o]``.

    Args:
        input: ``(N, C_in, D, H, W)``, or ``(C_in, D, H, W)`` unbatched.
        weight: The kernels, ``(C_in, C_out / groups, kD, kH, kW)``.
        bias: Added to each output channel, ``(C_out,)``. Defaults to None: no bias.
        stride: The step between the places an input element's products land, an int or a
            triple. Defaults to 1.
        padding: Places cropped from both ends of each output dim. Defaults to 0.
        output_padding: Places added at the high end of each output dim, each smaller than its
            stride or dilation. Defaults to 0.
        groups: The number of channel groups; divides ``C_in`` and ``C_out``. Defaults to 1.
        dilation: The step between a kernel's elements. Defaults to 1.

    >>> import symgrad
    >>> symgrad.conv_transpose3d(symgrad.ones(1, 2, 2, 2, 2), symgrad.ones(2, 3, 2, 2, 2),
    ...                          stride=2).shape
    symgrad.Size([1, 3, 4, 4, 4])
    """
    return _conv_t("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding,
                   groups, dilation)


@expose(method=False, autocast="lower")
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """A 3-d convolution (PyTorch's cross-correlation) over ``(N, C_in, D, H, W)`` or
    ``(C_in, D, H, W)``: ``conv2d`` with one more spatial dim.

    Args:
        input: ``(N, C_in, D, H, W)``, or ``(C_in, D, H, W)`` unbatched.
        weight: The kernels, ``(C_out, C_in / groups, kD, kH, kW)``.
        bias: Added to each output channel, ``(C_out,)``. Defaults to None: no bias.
        stride: The step between windows, an int or a triple. Defaults to 1.
        padding: Zeros added on each side, an int or a triple, or ``"valid"`` (none) or
            ``"same"`` (the output the input's size; stride 1 only). Defaults to 0.
        dilation: The step between a window's elements. Defaults to 1.
        groups: The number of channel groups; divides ``C_in`` and ``C_out``. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> symgrad.conv3d(x, symgrad.ones(1, 1, 2, 2, 2))
    tensor([[[[[28.]]]]])
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)
