"""``poisson`` and ``binomial``: counts drawn as PyTorch's CPU kernels draw them, so the same
seed gives PyTorch's numbers (``torch.distributions.Poisson`` and ``Binomial`` sample with
them).

Both kernels visit the elements in order, each drawing float64 uniforms (53 bits of a 64-bit
word) one at a time until its rejection loop accepts, so the words an element consumes depend
on its value. What each does:

- ``poisson(rate)``: for ``rate >= 10`` Hoermann's transformed rejection (PTRS), else the
  product of uniforms until it falls to ``exp(-rate)`` or below (the count of factors before);
  in float64 whatever the dtype, with the C library's ``log`` and ``lgamma``.
- ``binomial(count, prob)``: ``prob`` above one half is drawn as ``count`` minus a draw of
  ``1 - prob``; then, if ``count * prob >= 10``, Hoermann's BTRS (with TensorFlow's Stirling
  tail table), else inversion by geometric waiting times. Products of the parameters are taken
  in their dtype (float32 for a float32 tensor), the rest in float64, as the C++ template does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from symgrad import _distributions, _dtypes
from symgrad.autograd.function import Function
from symgrad.creation import _gen, _leaf
from symgrad.gamma_sampling import _not_implemented, named_node
from symgrad.random import Generator
from symgrad.tensor import Tensor

__all__ = ["binomial", "poisson"]

# PyTorch calls the C library's lgamma and log1pf; Python's math.lgamma is CPython's own.
_LIBM = ctypes.CDLL(ctypes.util.find_library("m"))
_LIBM.lgamma.restype = ctypes.c_double
_LIBM.lgamma.argtypes = [ctypes.c_double]
_LIBM.log1pf.restype = ctypes.c_float
_LIBM.log1pf.argtypes = [ctypes.c_float]
_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287)


def _uniform_source(gen: Generator) -> Callable[[], float]:
    return lambda: float(_distributions.uniform(gen, 1, np.float64)[0])


def _floating(t: Tensor, kernel: str) -> None:
    if t.dtype.category != _dtypes._FLOAT:
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                           f"'{_dtypes._TORCH_NAMES[t.dtype.name]}'")


# -- poisson --------------------------------------------------------------------------------------
def _poisson_one(lam: float, uniform: Callable[[], float]) -> int:
    if not lam >= 0:
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    if lam >= 10:
        return _poisson_ptrs(lam, uniform)
    if lam == 0:
        return 0
    enlam = math.exp(-lam)
    count, prod = 0, 1.0
    while True:
        prod *= uniform()
        if prod <= enlam:
            return count
        count += 1


def _poisson_ptrs(lam: float, uniform: Callable[[], float]) -> int:
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                <= -lam + k * loglam - _LIBM.lgamma(k + 1.0)):
            return k


class _Poisson(Function):
    """The draw as PyTorch records it: ``PoissonBackward0``, whose gradient in the rates is 0
    (a count does not move with its rate at a fixed stream, but where it jumps)."""

    @staticmethod
    def forward(ctx: Any, rates: Tensor, generator: Generator | None) -> Tensor:
        uniform = _uniform_source(_gen(generator))
        flat = np.ascontiguousarray(rates._data, dtype=np.float64).ravel().tolist()
        out = np.array([_poisson_one(lam, uniform) for lam in flat], dtype=np.float64)
        return _leaf(out.astype(rates._data.dtype).reshape(rates.shape), False)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor, None]:
        return Tensor._make(np.zeros_like(g._data), False, None), None


named_node(_Poisson, "PoissonBackward0")


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Counts drawn from the Poisson distributions of rates ``input``: PyTorch's numbers for
    the same seed. The result has ``input``'s shape and dtype; when ``input`` requires grad it
    records PyTorch's ``PoissonBackward0``, whose gradient in the rates is 0.

    Args:
        input: the rates, not negative (a floating tensor).
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> rates = symgrad.tensor([0.5, 4.0, 30.0], requires_grad=True)
    >>> counts = symgrad.poisson(rates)
    >>> counts
    tensor([ 2.,  5., 26.], grad_fn=<PoissonBackward0>)
    >>> counts.sum().backward(); rates.grad
    tensor([0., 0., 0.])
    """
    _floating(input, "poisson_cpu")
    return _Poisson.apply(input, generator)


# -- binomial -------------------------------------------------------------------------------------
def _stirling_tail(k: float) -> float:
    if k < len(_STIRLING_TAIL):
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _inversion(count: Any, prob: Any, uniform: Callable[[], float], f: type) -> Any:
    # log1p in the parameters' precision (log1pf for float32), then float64.
    logprob = float(_LIBM.log1pf(-prob)) if f is np.float32 else math.log1p(-prob)
    geom_sum, num_geom = 0.0, f(0)
    while True:
        geom_sum += math.ceil(math.log(uniform()) / logprob)
        if geom_sum > count:
            return num_geom
        num_geom = f(num_geom + f(1))


def _btrs(count: Any, prob: Any, uniform: Callable[[], float], f: type) -> Any:
    one = f(1)
    stddev = float(np.sqrt(f(f(count * prob) * f(one - prob))))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(f(count * prob)) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(f(prob / f(one - prob)))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor(f(f(count + one) * prob)))
    n = float(count)
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        k = f(math.floor((2 * a / us + b) * u + c))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        n_k1 = float(f(f(count - k) + one))  # count - k + 1 in the parameters' dtype
        upper = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                 + float(f(count + one)) * math.log((n - m + 1) / n_k1)
                 + (float(k) + 0.5) * math.log(r * n_k1 / float(f(k + one)))
                 + _stirling_tail(m) + _stirling_tail(n - m) - _stirling_tail(float(k))
                 - _stirling_tail(float(f(count - k))))
        if v <= upper:
            return k


def _binomial_one(count: Any, prob: Any, uniform: Callable[[], float], f: type) -> Any:
    if count <= 0.0 or prob <= 0.0:
        return f(0)
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        draw = _btrs if f(count * prob) >= 10.0 else _inversion
        return draw(count, prob, uniform, f)
    if prob > 0.5:
        q = f(1.0 - float(prob))
        draw = _btrs if f(count * q) >= 10.0 else _inversion
        return f(count - draw(count, q, uniform, f))
    return f(math.nan)  # prob is NaN


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Counts of successes in ``count`` trials of success probability ``prob`` (tensors of
    one floating dtype, broadcast together): PyTorch's numbers for the same seed. PyTorch has
    no derivative for it: when an input requires grad the result records a node whose backward
    raises PyTorch's RuntimeError.

    Args:
        count: the numbers of trials.
        prob: the success probabilities.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.binomial(symgrad.tensor([10.0, 100.0, 100.0]), symgrad.tensor([0.3, 0.2, 0.9]))
    tensor([ 6., 18., 92.])
    >>> symgrad.binomial(symgrad.tensor([10.0]), symgrad.tensor([0.5], requires_grad=True))
    tensor([5.], grad_fn=<NotImplemented>)
    """
    for name, t in (("count", count), ("prob", prob)):
        if t.dtype.category != _dtypes._FLOAT:
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: "
                             f"{_dtypes._TORCH_NAMES[t.dtype.name]}")
    if prob.dtype != count.dtype:
        raise RuntimeError(f"Found dtype {_dtypes._TORCH_NAMES[prob.dtype.name]} but expected "
                           f"{_dtypes._TORCH_NAMES[count.dtype.name]}")
    dtype = count._data.dtype
    f = np.float64 if dtype == np.float64 else np.float32
    counts, probs = np.broadcast_arrays(count._data, prob._data)
    uniform = _uniform_source(_gen(generator))
    out = [_binomial_one(f(n), f(p), uniform, f) for n, p in
           zip(counts.astype(f).ravel().tolist(), probs.astype(f).ravel().tolist(), strict=True)]
    return _not_implemented(np.array(out, dtype=f).astype(dtype).reshape(counts.shape),
                            "aten::binomial", count, prob)
