"""Neural-network ops: activations, softmax, and losses, each a forward beside its VJP.

These are the ops behind ``symgrad.nn.functional``. ``g`` is the incoming gradient, ``out`` the
result. VJPs are written in symgrad ops so second derivatives work; the ones that need
``erf`` or ``sigmoid`` look them up in ``symgrad`` when they run.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arithmetic import _HALF, _f32, _wide
from symgrad.ops.backward_ops import (
    hardtanh_backward,
    leaky_relu_backward,
    nll_loss_backward,
    threshold_backward,
)
from symgrad.ops.elementwise import (
    _FLOAT_BITS,
    _exp_minus_square,
    _with_limits,
    exp,
    expm1,
    where,
)
from symgrad.ops.registry import (
    Kink,
    OpDef,
    apply,
    defop,
    expose,
    not_implemented,
    refuse,
    wrap_dim,
)
from symgrad.tensor import Tensor

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_C = math.sqrt(2 / math.pi)


def _sym(name: str) -> Any:
    import symgrad

    return getattr(symgrad, name)


def _erfc_np(x: np.ndarray) -> np.ndarray:
    from math import erfc

    return np.vectorize(erfc, otypes=[x.dtype])(x) if x.ndim else np.asarray(erfc(x), x.dtype)


def _zero(self: np.ndarray) -> np.ndarray:
    return self == 0


@functools.lru_cache(maxsize=32)
def _positions(n: int) -> np.ndarray:
    """``np.arange(n)``, read-only, made once per ``n``: a batch's rows, a slice's classes.
    Each step of a training loop asks for the same few, and each ``arange`` is a NumPy call
    (2 us inside a step whose large products have evicted NumPy's code from the caches)."""
    positions = np.arange(n)
    positions.flags.writeable = False
    return positions


# -- rectifiers -----------------------------------------------------------------------------------
def _relu_array_vjp(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``where(out <= 0, 0.0, g)`` on float32 or float64 arrays of one dtype, selected by bits
    as the where op selects (``elementwise._where``): g's bits times 1 where ``out != 0``, times
    0 elsewhere, in unsigned integers, so a NaN or a -0.0 of g is kept or zeroed whole. relu's
    result is never below 0 (it is NaN, -0.0 or positive), so ``out != 0`` is ``out <= 0``'s
    negation, in one call. Two NumPy calls (a compare and a product), where a bool mask widened
    to all ones took four; inside a training step each call costs 2-3 us more than alone."""
    if not out.ndim:  # NumPy's arithmetic gives a scalar there, with no array to write into
        return np.where(out <= 0, np.zeros((), g.dtype), g)
    bits = _FLOAT_BITS[g.dtype]
    return np.multiply(g.view(bits), out != 0, dtype=bits).view(g.dtype)


# NOTE: the gradient at 0 is 0 (PyTorch's threshold_backward tests out > 0); written with the
# saved result, as PyTorch's ReluBackward0 is.
def _relu(self: np.ndarray) -> np.ndarray:
    """``x < 0 ? 0 : x``, PyTorch's clamp_min: relu(-0.0) is -0.0, where NumPy's maximum gives
    0.0, so the zeros are copied back. (np.where(self < 0, 0, self) branches per element: 52 us
    on an MLP's 64 x 256 activations, where maximum and the copy take 6.5.)

    >>> np.signbit(_relu(np.array([-0.0, -1.0, 0.0, 2.0]))).tolist()
    [True, False, False, False]
    """
    out = np.asarray(np.maximum(self, 0)).astype(self.dtype, copy=False)
    np.copyto(out, self, where=self == 0)
    return out


RELU = defop("relu", "ReluBackward0", _relu,
             # NOTE: PyTorch's threshold_backward (zero where out <= 0), so a NaN input passes
             # its gradient through as PyTorch's does; an op of its own, so the gradient stays
             # on the graph (its node ThresholdBackwardBackward0, zero in out).
             vjp=lambda g, out: threshold_backward(g, out, 0.0),
             array_vjp=_relu_array_vjp,
             dtype_rule="same",
             kinks=(Kink("self", "self == 0", _zero, "zero"),),
             refuses=refuse((_dtypes.bool,), "Boolean inputs not supported for relu"))
# NOTE: at 0 the slope is negative_slope (PyTorch tests self > 0). float16 and bfloat16 compute
# in float32, with negative_slope in float32 (not rounded to the dtype), as PyTorch's kernel.
LEAKY_RELU = defop(
    "leaky_relu", "LeakyReluBackward0",
    lambda self, *, negative_slope: _f32(lambda x: np.where(
        x > 0, x, x * negative_slope).astype(x.dtype), self),
    vjp=lambda g, self, *, negative_slope: leaky_relu_backward(g, self, negative_slope),
    dtype_rule="same", kinks=(Kink("self", "self == 0", _zero, "left"),),
    refuses=not_implemented("leaky_relu_cpu", NOT_FLOATING))
def _hardtanh_forward(self: np.ndarray, *, min_val: float, max_val: float) -> np.ndarray:
    # The bounds in the input's dtype, as PyTorch's clamp kernel takes them: truncated toward 0
    # for integers (hardtanh(int, -0.5, 1.5) clamps to [0, 1]), rounded for float16. NaN stays.
    kind = self.dtype.kind
    lo, hi = (int(min_val), int(max_val)) if kind in "iu" else (min_val, max_val)
    if kind == "u" and lo < 0:
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    lo, hi = np.asarray(lo, self.dtype), np.asarray(hi, self.dtype)
    # Compared, not np.maximum: PyTorch keeps the input where it is not beyond a bound, so
    # hardtanh(-0.0, 0, 6) is -0.0 (np.maximum gives 0.0).
    clipped = np.where(self < lo, lo, self)
    return np.where(clipped > hi, hi, clipped)


def _hardtanh_bounds(self: np.ndarray, *, min_val: float, max_val: float) -> np.ndarray:
    return (self == min_val) | (self == max_val)


# NOTE: the gradient is 0 on the bounds, as PyTorch's hardtanh_backward (zero where self <= min_val
# or self >= max_val): a NaN input passes its gradient through.
HARDTANH = defop(
    "hardtanh", "HardtanhBackward0", _hardtanh_forward,
    vjp=lambda g, self, *, min_val, max_val: hardtanh_backward(g, self, min_val, max_val),
    dtype_rule="same",
    kinks=(Kink("self", "self == min_val or self == max_val", _hardtanh_bounds, "zero"),),
    refuses=refuse((_dtypes.bool,), "Bool inputs not supported for hardtanh"))
# NOTE: at 0 the slope is alpha (the left one), PyTorch's elu_backward tests self > 0.
# np.minimum(0, x) is x at x = -0.0 (NumPy's gives the second of equal zeros): elu(-0.0) is
# alpha * expm1(-0.0) = -0.0, as PyTorch's.
ELU = defop(
    "elu", "EluBackward0",
    lambda self, *, alpha: _f32(lambda x: np.where(
        x > 0, x, alpha * np.expm1(np.minimum(0, x))).astype(x.dtype), self),
    # NOTE: the test is self <= 0, as in PyTorch's elu_backward: a NaN input passes g through.
    vjp=lambda g, self, *, alpha: where(self <= 0, g * alpha * exp(where(self <= 0, self, 0.0)),
                                        g),
    dtype_rule="same", kinks=(Kink("self", "self == 0", _zero, "left"),),
    refuses=not_implemented("elu_cpu", NOT_FLOATING))


def _from_result(op: OpDef, grad_fn: str, vjp: Any) -> OpDef:
    """``op`` as its in-place form records it (``elu_``, ``leaky_relu_``): the same function,
    so the same name and meaning for the judge, but a VJP that reads the saved result, since
    the input is overwritten (PyTorch's ``...Backward1`` nodes). Not in ``REGISTRY``: the
    generated tests and the judge know the op by its name."""
    return dataclasses.replace(op, grad_fn=grad_fn, vjp=vjp, saves=(), saves_out=True,
                               shape_args=(), array_vjp=None)


def _refuse_negative(kind: str, slope: float, tail: str = "") -> None:
    # PyTorch raises this in backward only: the forward of a negative slope works in place.
    if slope < 0:
        raise RuntimeError(
            f"In-place {kind} backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead." + tail)


def _leaky_relu_result_vjp(g: Tensor, out: Tensor, *, negative_slope: float) -> Tensor:
    _refuse_negative("leakyReLu", negative_slope,
                     " File an issue at https://github.com/pytorch/pytorch if you do require "
                     "supporting in-place leakRelu backward calculation with negative slope")
    # NOTE: out > 0 exactly where self > 0 for a slope of at least 0 (0 gives negative_slope).
    return where(out > 0, g, g * negative_slope)


# NOTE: where out <= 0, elu' = alpha exp(self) = out + alpha, PyTorch's elu_backward from the
# result; worked in float64 for narrow dtypes and rounded once by the engine.
def _elu_result_vjp(g: Tensor, out: Tensor, *, alpha: float) -> Tensor:
    _refuse_negative("elu", alpha)
    return where(out <= 0, _wide(g) * (_wide(out) + alpha), g)


LEAKY_RELU_FROM_RESULT = _from_result(LEAKY_RELU, "LeakyReluBackward1", _leaky_relu_result_vjp)
ELU_FROM_RESULT = _from_result(ELU, "EluBackward1", _elu_result_vjp)


# -- smooth activations ---------------------------------------------------------------------------
def _gelu_forward(self: np.ndarray, *, approximate: str) -> np.ndarray:
    return _f32(lambda x: _gelu(x, approximate), self)


def _gelu(self: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        return (0.5 * self * (1 + np.tanh(_GELU_C * (self + 0.044715 * self ** 3)))).astype(
            self.dtype)
    # NOTE: the normal cdf is erfc(-x / sqrt 2) / 2, not (1 + erf(x / sqrt 2)) / 2, which
    # cancels in the negative tail (gelu'(-8) was 3e-4 off in float64, gelu'(-10) 1%).
    return (0.5 * self * _erfc_np((self * -_SQRT_HALF).astype(np.float64))).astype(self.dtype)


# NOTE: 0.5 (1 + t) and 1 - t*t (t = tanh u) cancel where t is near -1 or +1 (float64's second
# derivative was 24k ULP off at x = 4.96); they are sigmoid(2u) and 4 sigmoid(2u) sigmoid(-2u),
# which do not. Narrow dtypes are worked in float64 (x**3 overflows float16 at 41; the erf form's
# sum was 4.9 ULP off in bfloat16) and rounded once. The erf form's Phi(x) is erfc(-x / sqrt 2) / 2,
# not (1 + erf(x / sqrt 2)) / 2, which cancels for x < 0 (gelu'(-5) was 13,900 ULP off in float64).
# sqrt(2 / pi) and 0.044715 to the long double's precision (parsed from decimal strings).
_GELU_C_LONG = np.longdouble("0.79788456080286535587989211986876373695")
_GELU_K_LONG = np.longdouble("0.044715")
_SQRT_HALF_LONG = np.longdouble("0.70710678118654752440084436210484903928")


def _gelu_tanh_slope_long(x: np.ndarray) -> np.ndarray:
    """gelu'(x), tanh form, in the platform's long double (64 bits of mantissa on x86-64)."""
    wide = x.astype(np.longdouble)
    two_u = 2 * _GELU_C_LONG * (wide + _GELU_K_LONG * wide ** 3)
    slope = 2 * _GELU_C_LONG * (1 + 3 * _GELU_K_LONG * wide * wide)
    up = 1 / (1 + np.exp(-two_u))
    down = 1 / (1 + np.exp(two_u))
    return up * (1 + wide * down * slope)


def _gelu_vjp(g: Tensor, self: Tensor, *, approximate: str) -> Tensor:
    # At +-inf the slopes meet x * 0 (NaN) where their limits are 1 and 0; the tanh form's from
    # 1.3e154 on too, where x * x overflows float64 (its slope is 1 or 0 there from |x| = 30).
    g, x = _wide(g), _wide(self)
    if approximate == "tanh":
        return g * _with_limits(x, _gelu_tanh_slope, (0.0, 1.0), beyond=1e10)
    return g * _with_limits(x, _gelu_erf_slope, (0.0, 1.0))


def _gelu_tanh_slope(x: Tensor) -> Tensor:
    two_u = 2 * _GELU_C * (x + 0.044715 * x ** 3)
    slope = 2 * _GELU_C * (1 + 3 * 0.044715 * x * x)
    d = _sym("sigmoid")(two_u) * (1 + x * _sym("sigmoid")(-two_u) * slope)
    # sigmoid(2u) amplifies the float64 rounding of 2u (and of c and 0.044715) by |2u|:
    # 24 ULP at x = -7, 45 at -9.5. The long double's value less this one is rounding, a
    # constant to the second order, which keeps the float64 graph's derivative.
    lost = (_gelu_tanh_slope_long(x._data) - d._data).astype(np.float64)
    return d + Tensor._make(lost, False, None)


def _gelu_erf_slope(x: Tensor) -> Tensor:
    a = x * -_SQRT_HALF
    # The density as exp(-x^2 / 2) by the exact split of x^2 (_exp_minus_square): exp(q) of a
    # rounded q = -x^2 / 2 carried its rounding, times |q|, into the second order as well
    # (103 ULP at x = -17), which a constant correction cannot reach.
    d = 0.5 * _sym("erfc")(a) + x * _exp_minus_square(x, 0.5) * _INV_SQRT_2PI
    return d + Tensor._make(_gelu_erf_rounding(x._data, a._data), False, None)


def _gelu_erf_rounding(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """What float64 loses in gelu'(x) = erfc(a) / 2 + x exp(q) / sqrt(2 pi) by rounding
    a = -x / sqrt 2 and, below |x| = 1 where _exp_minus_square does not split it, q = -x^2 / 2
    (which erfc and exp amplify by 2a^2 and |q|: 14 ULP near gelu's root at -0.75), to first
    order in the long double's residues, as a constant (as the tanh form's)."""
    wide = x.astype(np.longdouble)
    da = (wide * -_SQRT_HALF_LONG - a).astype(np.float64)
    q = -(x * x) * 0.5
    dq = np.where(np.abs(x) < 1, (np.longdouble(-0.5) * wide * wide - q).astype(np.float64), 0.0)
    return -da * np.exp(-a * a) / math.sqrt(math.pi) + x * np.exp(q) * dq * _INV_SQRT_2PI


GELU = defop("gelu", "GeluBackward0", _gelu_forward, vjp=_gelu_vjp, dtype_rule="same",
             refuses=not_implemented("GeluKernelImpl", NOT_FLOATING))
# NOTE: silu' = s(x) (1 + x s(-x)) with the sigmoid op, whose own VJP stays finite (1 / (1 + e**-x)
# differentiated again is inf / inf = nan once e**-x overflows: float16 at x = -12); narrow dtypes
# are worked in float64, where s(x) is not a subnormal of a few bits, and rounded once.
# At +-inf, x s(-x) is inf * 0 (NaN) where the slope's limits are 1 and 0.
def _silu_vjp(g: Tensor, x: Tensor) -> Tensor:
    return g * _with_limits(x, lambda x: _sym("sigmoid")(x) * (1 + x * _sym("sigmoid")(-x)),
                            (0.0, 1.0))


SILU = defop("silu", "SiluBackward0",
             lambda self: _f32(lambda x: x / (1 + np.exp(-x)), self),
             vjp=lambda g, self: _silu_vjp(_wide(g), _wide(self)),
             dtype_rule="same", refuses=not_implemented("silu_cpu", NOT_FLOATING))


def _softplus_forward(self: np.ndarray, *, beta: float, threshold: float) -> np.ndarray:
    return _f32(lambda x: _softplus(x, beta, threshold), self)


def _softplus(self: np.ndarray, beta: float, threshold: float) -> np.ndarray:
    z = self * beta
    # log1p(exp(z)) written as max(z, 0) + log1p(exp(-|z|)) so large z does not overflow.
    soft = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
    return np.where(z > threshold, self, soft).astype(self.dtype)


# NOTE: above the threshold softplus is the identity, so its slope there is exactly 1. Below it,
# the slope is the sigmoid op (in float64 for narrow dtypes, as silu's), whose own VJP stays
# finite: 1 / (1 + exp(-z)) differentiated again is inf / inf = nan once exp(-z) overflows
# (float16 at z = -11).
SOFTPLUS = defop(
    "softplus", "SoftplusBackward0", _softplus_forward,
    vjp=lambda g, self, *, beta, threshold: where(
        self * beta > threshold, g, _wide(g) * _sym("sigmoid")(_wide(self) * beta)),
    dtype_rule="same",
    kinks=(Kink("self", "self * beta == threshold", lambda self, *, beta=1.0, threshold=20.0:
                self * beta == threshold, "left"),),
    refuses=not_implemented("softplus_cpu", NOT_FLOATING))


# -- softmax --------------------------------------------------------------------------------------
# Both forwards work in float64 and round once (the VJPs read their results). softmax is
# exp(shifted) / sum, not exp(log_softmax): the log's absolute rounding, magnified by |log p|
# in exp, put p = 1e-13 14 ULP off in float64. log_softmax's log(sum) is log1p of the sum
# without the first largest element's exp(0) = 1: 1 + 1.7e-11 rounded in float64 left the
# largest element's log_softmax (-1.7e-11) 5.5e-6 off, 90 ULP of float32.
def _shifted(self: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """``self - max`` in float64, and the rounding error of that difference (Knuth's TwoSum):
    exp magnifies an absolute error of the difference into a relative one of the result
    (-1.5 - 6.97 left exp of it 4 ULP of float64 off)."""
    x = self.astype(np.float64)
    m = -np.max(x, axis=dim, keepdims=True)
    d = x + m
    part = d - x
    err = (x - (d - part)) + (m - part)
    return d, np.where(np.isfinite(err), err, 0.0)


def _first_max_np(a: np.ndarray, dim: int) -> np.ndarray:
    """A mask of the first largest element of each slice of ``a`` along ``dim`` (not empty);
    of the first NaN in a slice that has one, as ``argmax`` finds it."""
    if a.ndim == 0:
        return np.ones((), bool)
    positions = _positions(a.shape[dim])
    if dim != a.ndim - 1:
        positions = positions.reshape((-1,) + (1,) * (a.ndim - dim - 1))
    return positions == a.argmax(axis=dim, keepdims=True)


def _log_softmax_np(self: np.ndarray, *, dim: int) -> np.ndarray:
    if self.size == 0:  # nothing to normalise (and no max to shift by)
        return self.copy()
    # Slices of one element take the general way: its NaN's sign for a lone NaN or infinity.
    if self.dtype != np.float64 and self.ndim and self.shape[dim] > 1:
        out = _log_softmax_narrow(self, dim)
        if out is not None:
            return out
    shifted, err = _shifted(self, dim)
    rest = np.where(_first_max_np(self, dim), 0.0, np.exp(shifted) * (1 + err))
    # A row of -inf or nan has no largest finite element: log(sum) gives its nan as before.
    lse = np.where(np.isfinite(shifted).any(axis=dim, keepdims=True),
                   np.log1p(np.sum(rest, axis=dim, keepdims=True)),
                   np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True)))
    return ((shifted - lse) + err).astype(self.dtype)


def _log_softmax_narrow(self: np.ndarray, dim: int) -> np.ndarray | None:
    """``_log_softmax_np`` of a float32, float16 or bfloat16 ``self`` (slices of two elements or
    more) whose every slice has one largest element, finite; else None (the general way
    handles ties, infinities and NaNs).

    Without ``_shifted``'s compensation, which only a float64 result needs: the difference of
    two float32 values is exact in float64 unless their exponents are more than 29 binades
    apart (24 bits in 53), and then off by at most 2**-53 of itself, far below the result's
    rounding to 2**-24. Half as many NumPy calls: on a batch's 64 x 10 logits the calls, not
    the arithmetic, were the cost.

    One count tests both: shifted by its max, every slice holds an element not below 0 (a
    zero at each largest element where the max is finite; a NaN where a slice has a NaN, is
    all -inf, or has +inf, which inf - inf makes NaN). As many as slices is one each: a finite
    slice with one largest element, or a slice with one +inf and no NaN, whose NaN, kept in
    the sum of the others, makes every element NaN as the general way does. A test of the max
    and a mask of zeros took one NumPy call more, and ``copyto`` (uncommon code, cold inside a
    training step): ``log_softmax`` of an MLP step's 64 x 10 logits took 36-38 us, now 31-33.
    (The step function subtracted from exp, not a mask of x < 0 multiplied in: 0.5-1 us less,
    a bool mask meeting floats is a casting loop.)
    """
    x = self.astype(np.float64)
    # np.maximum.reduce and np.add.reduce are np.max and np.sum without their Python layer.
    m = np.maximum.reduce(x, axis=dim, keepdims=True)
    x -= m
    # 0 below 0, 1 at a largest element (a zero), NaN at a NaN: its nonzeros, counted. No
    # element is above 0, so sign + 1 is heaviside(x, 1): 1.4 us, not 1.7, on 64 x 10 (in an
    # MLP step 0.2-0.5 us less, 1.4-1.9 with the machine loaded).
    step = np.sign(x)
    step += 1.0
    if np.count_nonzero(step) != m.size:
        return None
    rest = np.exp(x)
    # The others' exp, 0 at the largest (1 - 1), NaN kept: log1p of the others' sum, see the
    # note above _shifted.
    rest -= step
    x -= np.log1p(np.add.reduce(rest, axis=dim, keepdims=True))
    return x.astype(self.dtype)


@functools.lru_cache(maxsize=32)
def _row_starts(rows: int, n: int) -> np.ndarray:
    """The flat index of each row's first element in a C-contiguous array of rows of ``n``,
    read-only, made once per shape (see ``_positions``)."""
    starts = np.arange(0, rows * n, n)
    starts.flags.writeable = False
    return starts


def _softmax_np(self: np.ndarray, dim: int) -> np.ndarray:
    if self.size == 0:
        return self.copy()
    shifted, err = _shifted(self, dim)
    e = np.exp(shifted)
    e = e + e * err
    return (e / np.sum(e, axis=dim, keepdims=True)).astype(self.dtype)


def _softmax_kernel(name: str) -> Any:
    """PyTorch's kernel name: its last-dim kernel is another one."""
    def kernel(self: Tensor, *, dim: int) -> str:
        return f"{name}_lastdim_kernel_impl" if dim == max(self.ndim, 1) - 1 else (
            f"{name}_kernel_impl")
    return kernel


def _first_max(out: Tensor, dim: int) -> Tensor:
    """A constant mask of the first largest element of each slice of ``out`` along ``dim``."""
    a = out._data
    mask = np.ones(a.shape, bool) if a.size == 0 else _first_max_np(a, dim)
    return Tensor._make(mask, False, None)


# NOTE: softmax' is y (g - sum(g y)); where one y_m is near 1, g_m - sum(g y) cancels, and y_m
# rounded to 1 loses the whole answer (g = [1, 0], y = [1 - 1e-9, 1e-9] in float32 gave 0,
# not 1e-9). Since sum(y) = 1, at the largest element it is g_m (1 - y_m) - sum'(g y) =
# g_m sum'(y) - sum'(g y), sum' over the others: the complement 1 - y_m is their sum, never
# formed from y_m. The other elements keep g - sum(g y), whose terms are the mathematics' own.
# Narrow dtypes work in float64 and round once.
def _softmax_vjp(g: Tensor, out: Tensor, *, dim: int) -> Tensor:
    g, y = _wide(g), _wide(out)
    largest = _first_max(out, dim)
    gy = g * y
    others_y = where(largest, 0.0, y).sum(dim=dim, keepdim=True)
    others_gy = where(largest, 0.0, gy).sum(dim=dim, keepdim=True)
    at_largest = g * others_y - others_gy
    return y * where(largest, at_largest, g - gy.sum(dim=dim, keepdim=True))


def _sum(t: Tensor, dim: int, correct: bool) -> Tensor:
    """``t.sum(dim, keepdim=True)``, if ``correct`` corrected to the long double's sum by a
    constant: a sum is linear, so the correction changes its value, not its derivative."""
    s = t.sum(dim=dim, keepdim=True)
    if not correct:
        return s
    wide = np.sum(t._data.astype(np.longdouble), axis=dim if t.ndim else None, keepdims=True)
    lost = (wide - s._data).astype(np.float64)
    return s + Tensor._make(np.where(np.isfinite(lost), lost, 0.0), False, None)


# NOTE: log_softmax' is g - exp(out) sum(g); at the largest element, whose exp(out) may round to
# 1, it is written -(sum of the other g) - expm1(out) sum(g): g_m - sum(g) is the others' sum
# taken directly (not sum(g) - g_m, which cancels when g_m dominates), and expm1 keeps
# exp(out) - 1 (cross entropy's p - 1 at a confident right answer: 0 in float32 before).
# Narrow dtypes work in float64 and round once. In float64 the sums are the long double's,
# rounded once: the second order is proportional to sum(g), whose float64 sum of 300 terms was
# 3 ULP off (the second order over 300 equal inputs a median 5 ULP off, the first 168 at worst).
def _log_softmax_vjp(g: Tensor, out: Tensor, *, dim: int) -> Tensor:
    g, lp, correct = _wide(g), _wide(out), out._data.dtype == np.float64
    largest = _first_max(out, dim)
    total = _sum(g, dim, correct)
    others = _sum(where(largest, 0.0, g), dim, correct)
    return where(largest, -others - expm1(lp) * total, g - _probabilities(lp, out, dim) * total)


def _log_softmax_array_vjp(g: np.ndarray, out: np.ndarray, *, dim: int) -> np.ndarray:
    """``_log_softmax_vjp`` on float32 or float64 arrays, bit for bit: NumPy calls where the
    VJP on tensors makes a dozen op calls, and as few as the formula allows (on a batch's
    64 x 10 log-probabilities the calls, not the arithmetic, are the cost)."""
    if out.ndim == 0 or out.size == 0:  # no slice to sum over: the VJP on tensors
        return _log_softmax_vjp(_plain(g), _plain(out), dim=dim)._data
    correct = out.dtype == np.float64
    if dim == out.ndim - 1 and out.flags.c_contiguous and g.flags.c_contiguous:
        return _log_softmax_last_vjp(g, out, correct)
    wide = out.astype(np.float64, copy=False)
    largest = _first_max_np(out, dim)
    grad = g.astype(np.float64)  # a new array, which becomes the result
    total = _sum_np(grad, dim, correct)
    # g at the other elements, whose sum is taken directly; then -that sum at the largest.
    np.copyto(grad, 0.0, where=largest)
    np.copyto(grad, -_sum_np(grad, dim, correct), where=largest)
    # exp(out) times the sum, expm1(out) at the largest: g - exp(out) sum(g) elsewhere,
    # -others - expm1(out) sum(g) there.
    p = np.exp(wide)
    np.expm1(wide, out=p, where=largest)
    p *= total
    grad -= p
    return grad.astype(out.dtype, copy=False)


def _log_softmax_last_vjp(g: np.ndarray, out: np.ndarray, correct: bool) -> np.ndarray:
    """``_log_softmax_array_vjp`` along the last dim of C-contiguous arrays, bit for
    bit, with each row's first largest element (``_first_max_np``'s, by ``argmax``) handled by
    its flat index: reads and writes through a row's index where a mask of the whole array took
    a broadcast comparison, two ``copyto``s and ``expm1`` through the mask. Inside an MLP step
    (64 x 10 log-probabilities, whose calls cost 2-3x what they cost alone) 26-28 us, not
    32."""
    flat = out.argmax(axis=-1).reshape(-1)
    flat += _row_starts(flat.size, out.shape[-1])
    grad = g.astype(np.float64)  # a new array, C-contiguous as g, which becomes the result
    total = _sum_np(grad, -1, correct)
    # g at the other elements, whose sum is taken directly; then -that sum at the largest.
    gf = grad.reshape(-1)
    gf[flat] = 0.0
    gf[flat] = -_sum_np(grad, -1, correct).reshape(-1)
    # exp(out) times the sum, expm1(out) at the largest: g - exp(out) sum(g) elsewhere,
    # -others - expm1(out) sum(g) there.
    wide = out.astype(np.float64, copy=False)
    p = np.exp(wide)
    at_largest = wide.reshape(-1).take(flat)
    p.reshape(-1)[flat] = np.expm1(at_largest, out=at_largest)
    p *= total
    grad -= p
    return grad.astype(out.dtype, copy=False)


def _sum_np(a: np.ndarray, dim: int, correct: bool) -> np.ndarray:
    """``_sum`` on an array of at least one dim."""
    # np.add.reduce is np.sum without its Python layer.
    s = np.add.reduce(a, axis=dim, keepdims=True)
    if not correct:
        return s
    lost = (np.sum(a.astype(np.longdouble), axis=dim, keepdims=True) - s).astype(np.float64)
    return s + np.where(np.isfinite(lost), lost, 0.0)


def _plain(a: np.ndarray) -> Tensor:
    """An array as a constant tensor."""
    return Tensor._make(a, False, None)


# NOTE: exp(out) turns the rounding of a float16/bfloat16 out (|out| 2^-11 or 2^-8 absolute) into
# that much relative error in p: over 300 equal inputs (out = -5.7) the second order was 3 ULP
# off in bfloat16. Such errors are shared across the slice; p renormalised to sum to 1 (softmax
# of out, which is exp(out) exactly in the mathematics, as its logsumexp is 0) cancels the
# shared part. Its derivative equals exp(out)'s along every change log_softmax can make (those
# keep sum(p dout) = 0), so the second order is the same function, rounded less.
def _probabilities(lp: Tensor, out: Tensor, dim: int) -> Tensor:
    if out._data.dtype not in _HALF:
        return exp(lp)
    return softmax(lp, dim)


SOFTMAX = defop("softmax", "SoftmaxBackward0",
                lambda self, *, dim: _softmax_np(self, dim),
                vjp=_softmax_vjp, dtype_rule="same", kind="reduction",
                refuses=not_implemented(_softmax_kernel("softmax"), NOT_FLOATING))
LOG_SOFTMAX = defop("log_softmax", "LogSoftmaxBackward0",
                    _log_softmax_np,
                    vjp=_log_softmax_vjp, array_vjp=_log_softmax_array_vjp,
                    dtype_rule="same", kind="reduction",
                    refuses=not_implemented(_softmax_kernel("log_softmax"), NOT_FLOATING))


# -- losses ---------------------------------------------------------------------------------------
# Class indices read as unsigned, where a negative class is past every class.
_UNSIGNED = {np.dtype(np.int64): np.dtype(np.uint64), np.dtype(np.uint8): np.dtype(np.uint8)}


def _counted(target: np.ndarray, classes: int, ignore_index: int) -> int:
    """How many targets are not ``ignore_index``, once PyTorch's range check passes: every
    other target must be a class (PyTorch's kernels check it after the input's dtype).

    A batch's common case takes one look: every target a class (the largest, read as
    unsigned, below ``classes``), and ``ignore_index`` none (its default is -100), so none is
    ignored. The largest is found by ``argmax`` and read by ``item``: 0.22 us on 64 targets,
    where ``np.maximum.reduce`` took 1.2 (a ufunc reduction's set-up, twice a step).
    """
    unsigned = _UNSIGNED.get(target.dtype)
    if target.size and unsigned is not None and (
            (read := target.view(unsigned)).item(read.argmax()) < classes):
        if not 0 <= ignore_index < classes:
            return target.size
        return np.count_nonzero(target != ignore_index)
    wide = target.astype("int64")
    keep = wide != ignore_index
    # A negative class would index from the end in NumPy: a wrong loss, not an error.
    bad = keep & ((wide < 0) | (wide >= classes))
    if bad.any():
        raise IndexError(f"Target {wide[bad].flat[0]} is out of bounds.")
    return np.count_nonzero(keep)


def _nll_places(target: np.ndarray, shape: tuple[int, ...], ignore_index: int
                ) -> tuple[tuple[Any, ...] | None, int]:
    """Where d loss / d self is not zero, as an index into ``self`` (each target class not
    ignored), and how many places there are; None when every target is ignored. Elsewhere the
    derivative is an exact zero, whatever the gradient it meets (PyTorch writes the gradient
    into zeros at these places: an infinite or NaN gradient, or a negative one, leaves +0
    elsewhere, not NaN or -0 as a product with zeros would)."""
    if len(shape) == 1 and target.ndim:
        # PyTorch's forward takes one sample's target of one element; its backward refuses it.
        raise RuntimeError(f"size mismatch (got input: [{shape[0]}], target: "
                           f"{list(target.shape)})")
    count = _counted(target, shape[-1], ignore_index)
    if not count:
        return None, 0
    if len(shape) == 1:
        return (int(target),), count
    if count == len(target):  # no row ignored (a batch's common case): no rows to select
        return (_positions(len(target)), target), count
    rows = np.nonzero(target != ignore_index)[0]
    return (rows, target[rows]), count


def _nll_forward(self: np.ndarray, target: np.ndarray, *, reduction: str,
                 ignore_index: int) -> np.ndarray:
    # Gathered, not summed against weights: 0 * -inf is NaN, and a -inf log-probability
    # of another class (a masked logit) made the loss NaN where PyTorch's is finite.
    count = _counted(target, self.shape[-1], ignore_index)
    if self.ndim == 1:  # one sample: its target 0-d or of one element, its loss 0-d
        picked = -self[target.reshape(())] if count else np.zeros((), self.dtype)
    elif count == len(target):  # no row ignored (a batch's common case): nothing to mask
        picked = self[_positions(len(self)), target]
        if reduction != "none":
            # The sum of the negated values is the sum's negation, bit for bit, unless it is
            # 0 (NumPy's sum starts from +0: -(+0) is not the sum of -0s) or NaN (inf - inf's
            # NaN has a sign of its own): one NumPy call fewer, 0.3-0.7 us.
            total = float(np.add.reduce(picked, axis=None))
            if total and total == total:
                return np.asarray(-total / count if reduction == "mean" else -total, self.dtype)
        np.negative(picked, out=picked)
    else:
        keep = target != ignore_index
        picked = self[_positions(len(self)), np.where(keep, target, 0)]
        picked = np.where(keep, -picked, np.zeros((), self.dtype))
    if reduction == "none":
        return picked.astype(self.dtype)
    total = np.add.reduce(picked, axis=None)
    if reduction == "mean":
        # Divided in float64 (as NumPy divides a float32 sum by an int64 count), rounded once.
        total = float(total) / count
    return np.asarray(total, dtype=self.dtype)


# NOTE: a reduced loss's derivative is -(g / count) for "mean" and -g for "sum", the quotient
# rounded once, as PyTorch's kernel computes it: g times -1 / count rounded first was 1 ULP off
# (g = 0.12573022 over 3 in float32: -0.041910075, not -0.04191007). Unreduced, it is -1 * g,
# a product, as PyTorch's ``-w * grad_output``: a NaN keeps its sign there, and negation flips
# it for the reduced ones, as in PyTorch.
def _nll_vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str, ignore_index: int,
             self_shape: tuple[int, ...]) -> tuple[Tensor, None]:
    # PyTorch's nll_loss_backward, an op of its own that reads self (saved, as PyTorch's
    # NllLossBackward0 saves it): the gradient stays on the graph, zero in self.
    return nll_loss_backward(g, self, target, reduction=reduction,
                             ignore_index=ignore_index), None


def _nll_grad(g: Tensor, target: Tensor, *, reduction: str, ignore_index: int,
              self_shape: tuple[int, ...]) -> Tensor:
    """nll_loss_backward's value, in symgrad ops on constants (its bits in every dtype)."""
    place, count = _nll_places(target._data, self_shape, ignore_index)
    placed = np.zeros(self_shape, bool)
    if place is not None:
        placed[place] = True
    if reduction == "none":
        weights = np.zeros(self_shape, g._data.dtype)
        if place is not None:
            weights[place] = -1.0
        if len(self_shape) == 2:
            g = g.reshape((self_shape[0], 1))
        value = g * Tensor._make(weights, False, None)
    else:
        value = -(g / count) if reduction == "mean" and count else -g
    return where(Tensor._make(placed, False, None), value, 0.0)


def _nll_array_vjp(g: np.ndarray, self: np.ndarray, target: np.ndarray, *, reduction: str,
                   ignore_index: int, self_shape: tuple[int, ...]) -> tuple[np.ndarray, None]:
    """``_nll_vjp`` on arrays: the derivatives written into zeros at their places."""
    grad = np.zeros(self_shape, g.dtype)
    place, count = _nll_places(target, self_shape, ignore_index)
    if place is not None:
        if reduction == "none":
            grad[place] = (g[place[0]] if len(self_shape) == 2 else g) * np.asarray(-1.0, g.dtype)
        else:
            # g is 0-d: the quotient in Python's float64, rounded once to the dtype as it is
            # written (a quotient rounded to 53 bits, then to 24 or fewer, is rounded once).
            grad[place] = -(float(g) / count) if reduction == "mean" else -float(g)
    return grad, None


NLL_LOSS = defop("nll_loss", "NllLossBackward0", _nll_forward, vjp=_nll_vjp,
                 array_vjp=_nll_array_vjp, dtype_rule="same",
                 differentiable=("self",), kind="loss",
                 refuses=not_implemented(lambda self, target, **_: "nll_loss_out_frame"
                                         if self.ndim <= 2 else "nll_loss2d_forward_out_frame",
                                         NOT_FLOATING))


# NOTE: with class weights (PyTorch's ``nll_loss(..., weight=w)``) a target of class c counts w[c]:
# its loss is -w[c] self[i, c] and a mean divides by the targets' total weight, not their
# count. Computed in float64 and rounded once (a float32 product is exact there); the gradient
# is -(g w[c]) / total in float64, rounded once, in both VJPs (PyTorch rounds -(g / total) to
# the dtype first, then multiplies by w[c]). A total weight of 0 gives IEEE's quotient, as in
# PyTorch: NaN over all-zero weights (or every target ignored), an infinity over weights that
# cancel.
def _nll_weighted_forward(self: np.ndarray, target: np.ndarray, weight: np.ndarray, *,
                          reduction: str, ignore_index: int) -> np.ndarray:
    _counted(target, self.shape[-1], ignore_index)  # PyTorch's range check
    rows = self.astype(np.float64).reshape(-1, self.shape[-1])
    classes = target.reshape(-1).astype(np.int64)
    keep = classes != ignore_index
    classes = np.where(keep, classes, 0)
    w = np.where(keep, weight.astype(np.float64)[classes], 0.0)
    losses = np.where(keep, -(rows[_positions(len(classes)), classes] * w), 0.0)
    if reduction == "none":
        return losses.reshape(target.shape if self.ndim == 2 else ()).astype(self.dtype)
    total = np.add.reduce(losses)
    if reduction == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            total = total / np.add.reduce(w)
    return np.asarray(total).astype(self.dtype)


def _nll_weighted_scale(target: np.ndarray, weight: np.ndarray, self_shape: tuple[int, ...],
                        reduction: str, ignore_index: int
                        ) -> tuple[tuple[Any, ...] | None, np.ndarray, float]:
    """Where the weighted loss's derivative is not zero (``_nll_places``), the float64 weight of
    each place's class, and what a reduced gradient is divided by (the total weight for
    "mean", else 1)."""
    place, _ = _nll_places(target, self_shape, ignore_index)
    if place is None:
        return None, np.zeros(0), 1.0
    w = weight.astype(np.float64)[place[-1]]
    return place, w, float(np.sum(w)) if reduction == "mean" else 1.0


def _nll_weighted_vjp(g: Tensor, self: Tensor, target: Tensor, weight: Tensor, *,
                      reduction: str, ignore_index: int, self_shape: tuple[int, ...]
                      ) -> tuple[Tensor, None, None]:
    # As _nll_vjp: an op of its own (nll_loss_backward given the weights).
    return nll_loss_backward(g, self, target, weight, reduction=reduction,
                             ignore_index=ignore_index), None, None


def _nll_weighted_grad(g: Tensor, target: Tensor, weight: Tensor, *, reduction: str,
                       ignore_index: int, self_shape: tuple[int, ...]) -> Tensor:
    """The weighted nll_loss_backward's value, in symgrad ops on constants."""
    place, w, total = _nll_weighted_scale(target._data, weight._data, self_shape, reduction,
                                          ignore_index)
    placed = np.zeros(self_shape, bool)
    weights = np.zeros(self_shape)
    if place is not None:
        placed[place] = True
        weights[place] = w
    if reduction == "none":
        if len(self_shape) == 2:
            g = g.reshape((self_shape[0], 1))
        value = g * Tensor._make(-weights.astype(g._data.dtype), False, None)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = -(_wide(g) * Tensor._make(weights, False, None)) / total
    return where(Tensor._make(placed, False, None), value, 0.0)


def _nll_weighted_array_vjp(g: np.ndarray, self: np.ndarray, target: np.ndarray,
                            weight: np.ndarray, *,
                            reduction: str, ignore_index: int, self_shape: tuple[int, ...]
                            ) -> tuple[np.ndarray, None, None]:
    """``_nll_weighted_vjp`` on arrays: the derivatives written into zeros at their places."""
    grad = np.zeros(self_shape, g.dtype)
    place, w, total = _nll_weighted_scale(target, weight, self_shape, reduction, ignore_index)
    if place is not None:
        if reduction == "none":
            rows = g[place[0]] if len(self_shape) == 2 else g
            grad[place] = rows * -w.astype(g.dtype)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad[place] = -(float(g) * w) / total
    return grad, None, None


NLL_LOSS_WEIGHTED = defop(
    "nll_loss_weighted", "NllLossBackward0", _nll_weighted_forward, vjp=_nll_weighted_vjp,
    array_vjp=_nll_weighted_array_vjp, dtype_rule="same", differentiable=("self",),
    grad_refused=("weight",), kind="loss",
    refuses=not_implemented(lambda self, target, weight, **_: "nll_loss_out_frame"
                            if self.ndim <= 2 else "nll_loss2d_forward_out_frame", NOT_FLOATING))


def _reduce_np(x: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return x
    return np.asarray(np.mean(x) if reduction == "mean" else np.sum(x), dtype=x.dtype)


def _difference(self: Tensor, target: Tensor) -> Tensor:
    """``self - target`` as a loss's backward takes it, a bool operand as 0 and 1 in the
    other's dtype: PyTorch's loss kernels subtract in the promoted dtype, where its (and
    symgrad's) ``-`` operator refuses bool (a bool target's mse_loss and smooth_l1_loss have
    gradients in PyTorch)."""
    if target.dtype == _dtypes.bool:
        target = target.to(self.dtype)
    elif self.dtype == _dtypes.bool:
        self = self.to(target.dtype)
    return self - target


def _mse_vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str) -> tuple[Tensor, Tensor]:
    # The mean is over the elements of the broadcast pair (a (3, 1) input against a (3,)
    # target: 9 terms, not the input's 3). No element: PyTorch's 2 / 0 is inf, which meets no
    # element of the empty gradient.
    n = math.prod(np.broadcast_shapes(tuple(self.shape), tuple(target.shape)))
    scale = (2 / n if n else math.inf) if reduction == "mean" else 2
    d = g * _difference(self, target) * scale
    return d, -d


MSE_LOSS = defop("mse_loss", "MseLossBackward0",
                 lambda self, target, *, reduction: _reduce_np((self - target) ** 2, reduction),
                 vjp=_mse_vjp, kind="loss",
                 refuses=not_implemented("mse_cpu", NOT_FLOATING))


@expose()
def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; its gradient at 0 is 0.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.relu(symgrad.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    return apply(RELU, input)


@expose()
def softmax(input: Tensor, dim: int, dtype: _dtypes.dtype | None = None) -> Tensor:
    """``exp(input)`` normalised to sum to 1 along ``dim``.

    Args:
        input: The tensor (floating point; an empty tensor of another dtype gives an empty
            copy, as in PyTorch).
        dim: The dim along which the result sums to 1.
        dtype: Cast ``input`` to this dtype first, as PyTorch does (recorded as ``to``:
            ToCopyBackward0 when the dtype changes; an integer tensor is then computed).
            Defaults to None: no cast.

    >>> import symgrad
    >>> symgrad.softmax(symgrad.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    >>> symgrad.tensor([0, 0]).softmax(0, dtype=symgrad.float64)
    tensor([0.5000, 0.5000], dtype=symgrad.float64)
    """
    return _normalised(SOFTMAX, input, dim, dtype)


@expose()
def log_softmax(input: Tensor, dim: int, dtype: _dtypes.dtype | None = None) -> Tensor:
    """``log(softmax(input, dim))``, computed without overflow.

    Args:
        input: The tensor (floating point; an empty tensor of another dtype gives an empty
            copy, as in PyTorch).
        dim: The dim along which ``exp`` of the result sums to 1.
        dtype: Cast ``input`` to this dtype first, as PyTorch does (recorded as ``to``:
            ToCopyBackward0 when the dtype changes; an integer tensor is then computed).
            Defaults to None: no cast.

    >>> import symgrad
    >>> symgrad.log_softmax(symgrad.tensor([0.0, 0.0]), dim=0).exp()
    tensor([0.5000, 0.5000])
    """
    return _normalised(LOG_SOFTMAX, input, dim, dtype)


def _normalised(op: OpDef, input: Tensor, dim: int, dtype: _dtypes.dtype | None) -> Tensor:
    """softmax's or log_softmax's ``op`` along ``dim``, on ``input`` cast to ``dtype`` first
    when given, as PyTorch casts it."""
    dim = wrap_dim(dim, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    if input._data.size == 0 and not input.is_floating_point():
        return _empty_copy(input)
    return apply(op, input, dim=dim)


def _empty_copy(input: Tensor) -> Tensor:
    """softmax's and log_softmax's result for an empty integer or bool tensor: PyTorch returns
    an empty tensor of its dtype and shape, nothing to normalise, before its kernel's dispatch
    would refuse the dtype."""
    return Tensor._make(input._data.copy(), False, None)
