"""Randomized leaky ReLU (``nn.functional.rrelu``), as PyTorch's ``rrelu_with_noise``.

In training, each element ``<= 0`` is multiplied by a slope drawn uniformly from
``[lower, upper]`` (a double from the random stream, one per such element in order, as
PyTorch's kernel draws it) and the others by 1: the op ``rrelu_with_noise(self, noise)`` is
``self * noise`` with those slopes as the constant ``noise``, multiplied in float32 for
float16/bfloat16 (the slope rounded to float32, not to the input's dtype, as PyTorch's kernel
does). Its VJP is PyTorch's ``rrelu_with_noise_backward``, an op of its own:
``grad_output * noise`` (the noise in the input's dtype, as PyTorch saves it), whose own VJP is
itself in ``grad_output`` and zero in ``self``. Out of training it is ``leaky_relu`` with slope
``(lower + upper) / 2`` under PyTorch's node names (RreluWithNoiseBackward0, and
RreluWithNoiseBackwardBackward0 for its gradient), the same op for the judge.

>>> import symgrad
>>> _ = symgrad.manual_seed(0)
>>> rrelu(symgrad.tensor([-1.0, 2.0], requires_grad=True), training=True)
tensor([-0.3271,  2.0000], grad_fn=<RreluWithNoiseBackward0>)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.activations import LEAKY_RELU
from symgrad.ops.backward_ops import LEAKY_RELU_BACKWARD
from symgrad.ops.registry import ALL, apply, defop, not_implemented
from symgrad.random import default_generator
from symgrad.tensor import Tensor

__all__ = ["rrelu", "rrelu_"]

_HALF = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})


def _times_noise(self: np.ndarray, noise: np.ndarray) -> np.ndarray:
    if self.dtype in _HALF:
        return (self.astype(np.float32) * noise.astype(np.float32)).astype(self.dtype)
    return (self * noise.astype(self.dtype, copy=False)).astype(self.dtype, copy=False)


def _rrelu_with_noise(self: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """``self * noise`` (``noise``: the slopes where ``self <= 0``, 1 elsewhere), in float32
    for float16 and bfloat16."""
    return _times_noise(self, noise)


def _rrelu_with_noise_backward(grad_output: np.ndarray, self: np.ndarray, noise: np.ndarray
                               ) -> np.ndarray:
    """``grad_output * noise``, the noise rounded to ``self``'s dtype first (PyTorch's saved
    noise tensor)."""
    g = grad_output.astype(self.dtype, copy=False)
    return _times_noise(g, noise.astype(self.dtype, copy=False))


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._make(np.zeros(t.shape, t._data.dtype), False, None)


# PyTorch's CPU kernel's dtypes: float32, float64 and bfloat16.
_KERNEL_DTYPES = frozenset({_dtypes.float32, _dtypes.float64, _dtypes.bfloat16})
RRELU_WITH_NOISE = defop(
    "rrelu_with_noise", "RreluWithNoiseBackward0", _rrelu_with_noise,
    vjp=lambda g, self, noise: (apply(RRELU_WITH_NOISE_BACKWARD, g, self, noise), None),
    dtype_rule="same", dtypes=_KERNEL_DTYPES, differentiable=("self",),
    refuses=not_implemented("rrelu_with_noise_out_cpu",
                            tuple(d for d in _dtypes.ALL if d not in _KERNEL_DTYPES)))
RRELU_WITH_NOISE_BACKWARD = defop(
    "rrelu_with_noise_backward", "RreluWithNoiseBackwardBackward0", _rrelu_with_noise_backward,
    vjp=lambda g, self, noise: (apply(RRELU_WITH_NOISE_BACKWARD, g, self, noise),
                                _zeros_like(self), None),
    dtype_rule="same", dtypes=ALL, differentiable=("grad_output", "self"))

# Out of training: leaky_relu and its backward operator under rrelu's node names; the judge reads
# them as leaky_relu and leaky_relu_backward.
_EVAL_BACKWARD = dataclasses.replace(
    LEAKY_RELU_BACKWARD, grad_fn="RreluWithNoiseBackwardBackward0",
    vjp=lambda g, self, *, negative_slope: (
        apply(_EVAL_BACKWARD, g, self, negative_slope=negative_slope), _zeros_like(self)),
    array_vjp=None)
_EVAL = dataclasses.replace(
    LEAKY_RELU, grad_fn="RreluWithNoiseBackward0",
    vjp=lambda g, self, *, negative_slope: apply(_EVAL_BACKWARD, g, self,
                                                 negative_slope=negative_slope),
    array_vjp=None)
# Written in place (rrelu_), PyTorch's nodes are RreluWithNoiseBackward1, which save the
# result (their backward formula reads it in place of the overwritten input): a later write
# into it makes backward raise, so the node checks it (the VJP needs only the noise or slope).
_IN_PLACE = {op: dataclasses.replace(op, grad_fn="RreluWithNoiseBackward1", checks_out=True)
             for op in (RRELU_WITH_NOISE, _EVAL)}

_NOT_FLOAT = frozenset(_dtypes.ALL) - frozenset(_dtypes.FLOATING)


def _refuse(kernel: str, input: Tensor, refused: frozenset) -> None:
    if input.dtype in refused:
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{_dtypes._TORCH_NAMES[input.dtype.name]}\'')


def _rrelu(input: Tensor, lower: float, upper: float, training: bool,
           in_place: bool = False, generator: Any = None) -> Tensor:
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        _refuse("leaky_relu_cpu", input, _NOT_FLOAT)
        return apply(_IN_PLACE[_EVAL] if in_place else _EVAL, input,
                     negative_slope=(lower + upper) / 2)
    _refuse("rrelu_with_noise_out_cpu", input, _NOT_FLOAT | {_dtypes.float16})
    data = input._data
    # one double drawn per element <= 0, in order (NaN draws none), as PyTorch's kernel
    drawn = data <= 0
    # (53 bits of a 64-bit word, times the width, plus lower: no fused multiply-add here,
    # where uniform_'s kernel fuses them, 1 ULP apart in a third of the draws over [-1, 0.5])
    # The bounds are the kernel's float32 for float32 and lower-precision inputs.
    opmath = np.float64 if data.dtype == np.float64 else np.float32
    low, high = float(opmath(lower)), float(opmath(upper))
    source = default_generator if generator is None else generator
    bits = source._random64(int(drawn.sum())) & np.uint64(2**53 - 1)
    slopes = bits.astype(np.float64) * 2.0**-53 * (high - low) + low
    noise = np.ones(data.shape, opmath)
    noise[drawn] = slopes.astype(opmath)
    return apply(_IN_PLACE[RRELU_WITH_NOISE] if in_place else RRELU_WITH_NOISE, input,
                 Tensor._make(noise, False, None))


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: in training, ``x`` where ``x > 0`` and ``a x`` elsewhere, ``a``
    drawn uniformly from ``[lower, upper]`` per element (PyTorch's draws under one seed);
    otherwise the fixed slope ``(lower + upper) / 2``.

    Args:
        input: The tensor (floating; float16 out of training only, as in PyTorch).
        lower: The least slope. Defaults to 1/8.
        upper: The greatest slope. Defaults to 1/3.
        training: Draw the slopes. Defaults to False.
        inplace: Write the result into ``input``. Defaults to False.

    >>> import symgrad
    >>> rrelu(symgrad.tensor([-1.0, 2.0]), 0.25, 0.75)
    tensor([-0.5000,  2.0000])
    """
    if inplace:
        return rrelu_(input, lower, upper, training)
    return _rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """``rrelu`` written into ``input``.

    Args:
        input: The tensor, overwritten.
        lower: The least slope. Defaults to 1/8.
        upper: The greatest slope. Defaults to 1/3.
        training: Draw the slopes. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([-2.0, 1.0])
    >>> rrelu_(x, 0.5, 0.5) is x, x
    (True, tensor([-1.,  1.]))
    """
    from symgrad.ops.inplace import rewrite

    return rewrite(input, lambda old: _rrelu(old, lower, upper, training, True))
