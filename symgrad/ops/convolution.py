"""Convolution: one op for 1-d, 2-d (and N-d) convolutions, and ``conv1d``/``conv2d``.

``convolution`` is PyTorch's cross-correlation of each window of the input with the kernel,
over groups of channels, recorded as one ``ConvolutionBackward0`` node. Its attributes are
general enough that its gradients are convolutions again: ``padding`` is a (low, high) pair
per spatial dim, either of which may be negative (a crop), and ``input_dilation`` spreads the
input's elements apart (``input_dilation - 1`` zeros between neighbours), the transpose of a
stride. So the VJP is written with the op itself and a few shape ops, and gradients of
gradients to any order record more convolutions:

- the input's gradient convolves the incoming gradient, spread by ``stride``, with the
  kernels flipped and their in/out channels swapped per group;
- the weight's gradient convolves the input (its batch as channels) with the incoming
  gradient (as kernels, dilated by ``stride``), stepping by ``dilation``;
- the bias's gradient is the incoming gradient summed over the batch and spatial dims.

Along one spatial dim, with ``a = input_dilation``, ``s = stride``, ``b = dilation`` and
``lo = padding[0]``, output element ``j`` is ``sum_k x_a[j*s + k*b - lo] * w[k]``, where
``x_a[i*a] = x[i]`` and ``x_a`` is zero elsewhere (and outside ``x``).

float16/bfloat16 convolutions are computed in float64 and rounded once (as ``layer_norm``): the
products of two narrow floats are exact there, and torch 2.13's results equal that rounding on
4,000 of 4,000 random 3x3 float16 outputs, where a float32 sum rounded once differed in one.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.arguments import caller_level
from symgrad.ops.linalg import _C_NAME
from symgrad.ops.registry import _TORCH_NAMES, apply, defop, expose, not_implemented
from symgrad.tensor import Tensor

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})
# The integer dtypes PyTorch's dilated kernel (slow_conv_dilated) has no code for: of the
# integers it computes only int64.
_NOT_DILATED = frozenset(np.dtype(d) for d in ("uint8", "int8", "int16", "int32", "bool"))


# -- the forward on arrays -----------------------------------------------------------------------
def _kernel_name(*values: Any, dilation: Sequence[int], **_: Any) -> str:
    """The CPU kernel PyTorch runs a convolution in (it names it when it refuses a dtype)."""
    if any(d != 1 for d in dilation):
        return "slow_conv_dilated<>"
    return "compute_columns3d" if len(dilation) == 3 else "slow_conv2d_cpu"


def _refuse_dilated(np_dtype: np.dtype, dilation: Sequence[int]) -> None:
    if np_dtype in _NOT_DILATED and any(d != 1 for d in dilation):
        raise NotImplementedError(
            f"\"slow_conv_dilated<>\" not implemented for "
            f"'{_TORCH_NAMES[_dtypes._FROM_NP[np_dtype].name]}'")


def _spread(x: np.ndarray, input_dilation: Sequence[int]) -> np.ndarray:
    """``x`` with ``a - 1`` zeros between neighbours along each spatial dim (``a`` its
    ``input_dilation``)."""
    shape = x.shape[:2] + tuple((size - 1) * a + 1 if size else 0
                                for size, a in zip(x.shape[2:], input_dilation, strict=True))
    out = np.zeros(shape, dtype=x.dtype)
    out[(slice(None), slice(None), *(slice(None, None, a) for a in input_dilation))] = x
    return out


def _pad(x: np.ndarray, padding: Sequence[tuple[int, int]]) -> np.ndarray:
    """``x`` with zeros added (or, where negative, elements cropped) at each end of each
    spatial dim."""
    crop = (slice(None), slice(None), *(slice(max(-lo, 0), x.shape[2 + i] - max(-hi, 0))
                                        for i, (lo, hi) in enumerate(padding)))
    x = x[crop]
    widths = ((0, 0), (0, 0), *((max(lo, 0), max(hi, 0)) for lo, hi in padding))
    if any(w != (0, 0) for w in widths):
        x = np.pad(x, widths)
    return x


def _convolution(input: np.ndarray, weight: np.ndarray, bias: np.ndarray, *,
                 stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
                 dilation: tuple[int, ...], groups: int,
                 input_dilation: tuple[int, ...] | None = None) -> np.ndarray:
    """``out[n, o, j] = bias[o] + sum over c, k of x[n, c, j*stride + k*dilation - lo] *
    weight[o, c, k]`` per group of channels (``bias`` of no element: none added); see the
    module docstring for ``padding`` and ``input_dilation``. Windows of the padded input
    (a strided view), multiplied with the kernels by one matrix product per group."""
    _refuse_dilated(input.dtype, dilation)
    n = weight.ndim - 2
    result = input.dtype
    compute = np.dtype(np.float64) if result in _HALF else result
    x = input.astype(compute, copy=False)
    w = weight.astype(compute, copy=False)
    if input_dilation is not None and any(a != 1 for a in input_dilation):
        x = _spread(x, input_dilation)
    x = _pad(x, padding)
    kernel = w.shape[2:]
    extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel, strict=True))
    windows = np.lib.stride_tricks.sliding_window_view(x, extent, axis=tuple(range(2, 2 + n)))
    windows = windows[(slice(None), slice(None), *(slice(None, None, s) for s in stride),
                       *(slice(None, None, d) for d in dilation))]
    batch, channels = x.shape[:2]
    out_size = windows.shape[2:2 + n]
    out_channels = w.shape[0]
    per_group = channels // groups
    # (G, O/G, C/G * kernel) @ (G, C/G * kernel, N * positions): one product per group. The
    # columns are copied kernel element by kernel element, each a run of whole output rows:
    # 1.6-2.5x less CPU time than one row per output position (LeNet's and a 64-channel 3x3
    # layer's shapes, one BLAS thread).
    columns = windows.reshape(batch, groups, per_group, *out_size, *kernel)
    columns = columns.transpose(1, 2, *range(3 + n, 3 + 2 * n), 0, *range(3, 3 + n))
    columns = columns.reshape(groups, per_group * math.prod(kernel), batch * math.prod(out_size))
    kernels = w.reshape(groups, out_channels // groups, per_group * math.prod(kernel))
    out = np.matmul(kernels, columns)
    out = out.reshape(groups, out_channels // groups, batch, *out_size)
    out = out.transpose(2, 0, 1, *range(3, 3 + n)).reshape(batch, out_channels, *out_size)
    if bias.size:
        out = out + bias.astype(compute, copy=False).reshape(out_channels, *(1,) * n)
    return np.ascontiguousarray(out, dtype=result)


# -- the VJP, in symgrad ops ---------------------------------------------------------------------
def _convolution_vjp(g: Tensor, input: Tensor, weight: Tensor, *, stride: tuple[int, ...],
                     padding: tuple[tuple[int, int], ...], dilation: tuple[int, ...],
                     groups: int, input_dilation: tuple[int, ...] | None = None,
                     bias_shape: tuple[int, ...], needs: tuple[bool, bool, bool]
                     ) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
    n = weight.ndim - 2
    spatial = tuple(range(2, 2 + n))
    a = input_dilation or (1,) * n
    kernel = tuple(weight.shape[2:])
    size = tuple(input.shape[2:])
    out_size = tuple(g.shape[2:])
    out_channels, per_group = weight.shape[:2]
    none = Tensor._make(np.zeros((0,), dtype=g._data.dtype), False, None)
    grad_input = grad_weight = grad_bias = None
    if needs[0]:
        # Kernels flipped, in and out channels swapped within each group: (C, O/G, *kernel).
        swapped = weight.reshape(groups, out_channels // groups, per_group, *kernel)
        swapped = swapped.transpose(1, 2).reshape(groups * per_group, out_channels // groups,
                                                  *kernel).flip(spatial)
        pads = []
        for i in range(n):
            spread = (out_size[i] - 1) * stride[i] + 1
            lo = (kernel[i] - 1) * dilation[i] - padding[i][0]
            pads.append((lo, (size[i] - 1) * a[i] + 1 - spread + padding[i][0]))
        grad_input = apply(CONVOLUTION, g, swapped, none, stride=tuple(a), padding=tuple(pads),
                           dilation=dilation, groups=groups, input_dilation=stride)
    if needs[1]:
        # The input with its batch as channels, (C/G, G * N, *size), and the gradient as
        # kernels, (O, N, *out_size): the result is (C/G, O, *kernel).
        batch = input.shape[0]
        x = input.reshape(batch, groups, per_group, *size).permute(2, 1, 0, *range(3, 3 + n))
        x = x.reshape(per_group, groups * batch, *size)
        kernels = g.transpose(0, 1)
        pads = []
        for i in range(n):
            spread = (size[i] - 1) * a[i] + 1
            hi = ((kernel[i] - 1) * dilation[i] + stride[i] * (out_size[i] - 1) + 1 - spread
                  - padding[i][0])
            pads.append((padding[i][0], hi))
        grad_weight = apply(CONVOLUTION, x, kernels, none, stride=dilation, padding=tuple(pads),
                            dilation=stride, groups=groups, input_dilation=input_dilation)
        grad_weight = grad_weight.transpose(0, 1)
    if needs[2]:
        grad_bias = g.sum(dim=(0, *spatial)) if bias_shape != (0,) else none
    return grad_input, grad_weight, grad_bias


CONVOLUTION = defop(
    "convolution", "ConvolutionBackward0", _convolution, vjp=_convolution_vjp,
    dtype_rule="same", kind="convolution",
    refuses=not_implemented(_kernel_name, (_dtypes.bool,)))


# -- arguments and checks with PyTorch's messages ------------------------------------------------
def _ints(value: Any, n: int) -> list[int]:
    """A size argument as PyTorch's parser reads it for an ``n``-d function: an int repeated
    ``n`` times, a sequence as given."""
    if isinstance(value, int | np.integer):
        return [int(value)] * n
    return [int(v) for v in value]


def _expand(values: list[int], name: str, dim: int) -> tuple[int, ...]:
    if len(values) == 1:
        return tuple(values) * dim
    if len(values) != dim:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dim} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={values}")
    return tuple(values)


def _check_bias_dtype(input: Tensor, bias: Tensor | None) -> None:
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_C_NAME[input.dtype.name]}) and bias type "
                           f"({_C_NAME[bias.dtype.name]}) should be the same")


def _check_shapes(input: Tensor, weight: Tensor, bias: Tensor | None,
                  stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
                  dilation: tuple[int, ...], groups: int) -> None:
    """PyTorch's ``check_shape_forward``, in its order."""
    if any(p < 0 for pair in padding for p in pair):
        raise RuntimeError("negative padding is not supported")
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
    if input.shape[1] != ws[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {ws}, expected "
                           f"input{list(input.shape)} to have {ws[1] * groups} channels, but "
                           f"got {input.shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != ws[0]):
        raise RuntimeError(f"Given weight of size {ws}, expected bias to be 1-dimensional with "
                           f"{ws[0]} elements, but got bias of size {list(bias.shape)} instead")
    padded = [input.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(padding)]
    extent = [d * (ws[2 + i] - 1) + 1 for i, d in enumerate(dilation)]
    if any(p < e for p, e in zip(padded, extent, strict=True)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, extent))}). Kernel size can't be greater than "
                           "actual input size")


def _convolve(input: Tensor, weight: Tensor, bias: Tensor | None, stride: list[int],
              padding: list[int] | str, dilation: list[int], groups: int, n: int) -> Tensor:
    """PyTorch's ``convolution`` of a batched input, with its checks and messages (``n``: the
    dims of the public function, 1 or 2)."""
    if isinstance(padding, str):
        if padding == "valid":
            padding = [0]
        elif padding == "same":
            return _convolve_same(input, weight, bias, stride, dilation, groups)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    _check_bias_dtype(input, bias)
    dim = weight.ndim - 2
    if dim <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    strides = _expand(stride, "stride", dim)
    pads = _expand(padding, "padding", dim)
    dilations = _expand(dilation, "dilation", dim)
    _expand([0] * n, "output_padding", dim)
    pairs = tuple((p, p) for p in pads)
    return _convolve_checked(input, weight, bias, strides, pairs, dilations, groups, n)


def _convolve_checked(input: Tensor, weight: Tensor, bias: Tensor | None,
                      stride: tuple[int, ...], padding: tuple[tuple[int, int], ...],
                      dilation: tuple[int, ...], groups: int, n: int) -> Tensor:
    _check_shapes(input, weight, bias, stride, padding, dilation, groups)
    if any(d == 0 for d in dilation):
        # PyTorch checks this in its kernel, where a 1-d convolution is a 2-d one of height 1.
        shown = [1, *dilation] if n == 1 and len(dilation) == 1 else list(dilation)
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")
    refused = CONVOLUTION.refuses.get(input._data.dtype)
    if refused is not None:
        error, message = refused
        raise error(message(input, weight, dilation=dilation))
    _refuse_dilated(input._data.dtype, dilation)
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_NAMES[input.dtype.name]} but found "
                           f"{_TORCH_NAMES[weight.dtype.name]}")
    if bias is None:
        bias = Tensor._make(np.zeros((0,), dtype=input._data.dtype), False, None)
    return apply(CONVOLUTION, input, weight, bias, stride=stride, padding=padding,
                 dilation=dilation, groups=groups, input_dilation=(1,) * len(stride))


_warned_same = False


def _convolve_same(input: Tensor, weight: Tensor, bias: Tensor | None, stride: list[int],
                   dilation: list[int], groups: int) -> Tensor:
    """PyTorch's ``padding='same'``: the padding that keeps each spatial size, the extra
    element of an odd total padding at the high end (PyTorch pads the input there first,
    with a warning; here it is the op's own padding)."""
    k = weight.ndim
    if k <= 2:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    dim = k - 2
    if input.ndim != k:
        raise RuntimeError(f"Expected {k}-dimensional input for {k}-dimensional "
                           f"weight{list(weight.shape)}, but got {input.ndim}-dimensional input "
                           f"of size {list(input.shape)} instead")
    if len(stride) not in (1, dim):
        raise RuntimeError(f"stride cannot broadcast to {dim} dimensions")
    if len(dilation) not in (1, dim):
        raise RuntimeError(f"dilation cannot broadcast to {dim} dimensions")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    dilations = tuple(dilation) * dim if len(dilation) == 1 else tuple(dilation)
    pairs = []
    for d, size in zip(dilations, weight.shape[2:], strict=True):
        total = d * (size - 1)
        pairs.append((total // 2, total - total // 2))
    global _warned_same
    if any(lo != hi for lo, hi in pairs) and not _warned_same:
        # Once per process, as PyTorch's TORCH_WARN_ONCE.
        _warned_same = True
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                      "require a zero-padded copy of the input be created", UserWarning,
                      stacklevel=caller_level())
    _check_bias_dtype(input, bias)
    return _convolve_checked(input, weight, bias, (1,) * dim, tuple(pairs), dilations, groups,
                             len(stride))


def _conv(name: str, n: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
          padding: Any, dilation: Any, groups: int) -> Tensor:
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    batched = input.ndim == n + 2
    x = input if batched else input.unsqueeze(0)
    if not isinstance(padding, str):
        padding = _ints(padding, n)
    out = _convolve(x, weight, bias, _ints(stride, n), padding, _ints(dilation, n), int(groups),
                    n)
    return out if batched else out.squeeze(0)


# -- public functions ----------------------------------------------------------------------------
@expose(method=False, autocast="lower")
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """A 1-d convolution (PyTorch's cross-correlation) over ``(N, C_in, L)`` or ``(C_in, L)``.

    ``out[n, o, j] = bias[o] + sum over c, k of input[n, c, j*stride + k*dilation - padding] *
    weight[o, c, k]``, the channels split into ``groups`` that see only their own kernels.

    Args:
        input: ``(N, C_in, L)``, or ``(C_in, L)`` unbatched.
        weight: The kernels, ``(C_out, C_in / groups, kernel)``.
        bias: Added to each output channel, ``(C_out,)``. Defaults to None: no bias.
        stride: The step between windows (an int or a 1-tuple). Defaults to 1.
        padding: Zeros added at both ends (an int or a 1-tuple), or ``"valid"`` (none) or
            ``"same"`` (the output as long as the input; stride 1 only). Defaults to 0.
        dilation: The step between a window's elements. Defaults to 1.
        groups: The number of channel groups; divides ``C_in`` and ``C_out``. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.tensor([[[1.0, 2.0, 3.0, 4.0]]], requires_grad=True)
    >>> symgrad.nn.functional.conv1d(x, symgrad.tensor([[[1.0, -1.0]]]), padding=1)
    tensor([[[-1., -1., -1., -1.,  4.]]], grad_fn=<ConvolutionBackward0>)
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@expose(method=False, autocast="lower")
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """A 2-d convolution (PyTorch's cross-correlation) over ``(N, C_in, H, W)`` or
    ``(C_in, H, W)``.

    ``out[n, o, i, j] = bias[o] + sum over c, k, l of input[n, c, i*sh + k*dh - ph,
    j*sw + l*dw - pw] * weight[o, c, k, l]``, the channels split into ``groups``.

    Args:
        input: ``(N, C_in, H, W)``, or ``(C_in, H, W)`` unbatched.
        weight: The kernels, ``(C_out, C_in / groups, kH, kW)``.
        bias: Added to each output channel, ``(C_out,)``. Defaults to None: no bias.
        stride: The step between windows, an int or ``(sh, sw)``. Defaults to 1.
        padding: Zeros added on each side, an int or ``(ph, pw)``, or ``"valid"`` (none) or
            ``"same"`` (the output the input's size; stride 1 only). Defaults to 0.
        dilation: The step between a window's elements, an int or ``(dh, dw)``. Defaults to 1.
        groups: The number of channel groups; divides ``C_in`` and ``C_out``. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.arange(9.0).reshape(1, 1, 3, 3)
    >>> symgrad.conv2d(x, symgrad.ones(1, 1, 2, 2), symgrad.tensor([0.5]))
    tensor([[[[ 8.5000, 12.5000],
              [20.5000, 24.5000]]]])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)

