"""The elementwise ops of ``symgrad/ops/{arithmetic,elementwise,operators}.py``.

The ops come from ``REGISTRY`` (every elementwise op those modules declare); what they should
compute comes from a hand-written table of closed forms in float64 NumPy below, never from the
engine's VJPs. Checked per op: values and first derivatives against the table, second derivatives
against finite differences of the table's first derivatives, the ``double_backward`` flag both
ways, the kink conventions against one-sided derivatives of the table, dtype promotion, the
Python operators and methods, and (when torch is installed) parity with PyTorch for every
declared dtype: values, result dtype, grad_fn name and gradients.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad
from oracle.samples import domain_of, samples_of
from oracle.torch_calls import TORCH
from symgrad.ops.registry import REGISTRY, OpDef, apply

MODULES = ("symgrad.ops.arithmetic", "symgrad.ops.elementwise", "symgrad.ops.operators")
MINE = sorted(n for n, op in REGISTRY.items()
              if op.kind == "elementwise" and getattr(op.forward, "__module__", "") in MODULES)
GRADIENT_OPS = [n for n in MINE if REGISTRY[n].differentiable]

# -- closed forms: (forward, partial derivatives) in float64 --------------------------------------
Fn = Callable[..., Any]
_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])


def _sig(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _ones(x: np.ndarray) -> np.ndarray:
    return np.ones_like(x)


def _zero(x: np.ndarray) -> np.ndarray:
    return np.zeros_like(x)


def _clamp3(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    # f = min(max(x, lo), hi): the value comes from exactly one of the three away from ties.
    from_hi = (np.maximum(x, lo) > hi)
    from_lo = ~from_hi & (lo > x)
    from_x = ~from_hi & ~from_lo
    return tuple(a.astype(float) for a in (from_x, from_lo, from_hi))


CLOSED: dict[str, tuple[Fn, Fn]] = {
    "add": (lambda a, b, *, alpha: a + alpha * b,
            lambda a, b, *, alpha: (_ones(a), alpha + 0 * b)),
    "sub": (lambda a, b, *, alpha: a - alpha * b,
            lambda a, b, *, alpha: (_ones(a), -alpha + 0 * b)),
    "rsub": (lambda a, b: b - a, lambda a, b: (-_ones(a), _ones(b))),
    "rsub_scalar": (lambda a, b: b - a, lambda a, b: (-_ones(a), _ones(b))),
    "neg": (lambda a: -a, lambda a: -_ones(a)),
    "mul": (lambda a, b: a * b, lambda a, b: (b + 0 * a, a + 0 * b)),
    "div": (lambda a, b: a / b, lambda a, b: (1 / b + 0 * a, -a / b**2)),
    "div_mode": (lambda a, b, *, rounding_mode: getattr(np, rounding_mode)(a / b),
                 lambda a, b, *, rounding_mode: (_zero(a + b), _zero(a + b))),
    "reciprocal": (lambda a: 1 / a, lambda a: -1 / a**2),
    "pow": (lambda a, *, exponent: a**exponent,
            lambda a, *, exponent: exponent * a ** (exponent - 1) if exponent else _zero(a)),
    "pow_tensor": (lambda a, e: a**e, lambda a, e: (e * a ** (e - 1), a**e * np.log(a))),
    "pow_scalar": (lambda e, *, base: base**e, lambda e, *, base: base**e * math.log(base)),
    "abs": (np.abs, np.sign),
    "sign": (np.sign, _zero),
    "maximum": (np.maximum, lambda a, b: ((a > b) * 1.0, (b > a) * 1.0)),
    "minimum": (np.minimum, lambda a, b: ((a < b) * 1.0, (b < a) * 1.0)),
    "clamp": (lambda a, *, min, max: np.clip(a, min, max),
              lambda a, *, min, max: ((min is None or a > min) & (max is None or a < max)) * 1.0),
    "clamp_min": (lambda a, *, min: np.maximum(a, min), lambda a, *, min: (a > min) * 1.0),
    "clamp_max": (lambda a, *, max: np.minimum(a, max), lambda a, *, max: (a < max) * 1.0),
    "clamp_tensor": (lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi), _clamp3),
    "clamp_min_tensor": (np.maximum, lambda a, lo: ((a > lo) * 1.0, (lo > a) * 1.0)),
    "clamp_max_tensor": (np.minimum, lambda a, hi: ((a < hi) * 1.0, (hi < a) * 1.0)),
    "floor": (np.floor, _zero),
    "ceil": (np.ceil, _zero),
    "trunc": (np.trunc, _zero),
    "round": (np.round, _zero),
    "round_decimals": (lambda a, *, decimals: np.round(a, decimals),
                       lambda a, *, decimals: _zero(a)),
    "remainder": (lambda a, *, other: a - other * np.floor(a / other),
                  lambda a, *, other: _ones(a)),
    "remainder_tensor": (lambda a, b: a - b * np.floor(a / b),
                         lambda a, b: (_ones(a + b), -np.floor(a / b))),
    "fmod": (lambda a, *, other: a - other * np.trunc(a / other), lambda a, *, other: _ones(a)),
    "fmod_tensor": (lambda a, b: a - b * np.trunc(a / b),
                    lambda a, b: (_ones(a + b), -np.trunc(a / b))),
    "exp": (np.exp, np.exp),
    "exp2": (lambda a: 2.0**a, lambda a: 2.0**a * math.log(2)),
    "expm1": (np.expm1, np.exp),
    "log": (np.log, lambda a: 1 / a),
    "log2": (lambda a: np.log(a) / math.log(2), lambda a: 1 / (a * math.log(2))),
    "log10": (lambda a: np.log(a) / math.log(10), lambda a: 1 / (a * math.log(10))),
    "log1p": (np.log1p, lambda a: 1 / (1 + a)),
    "sqrt": (np.sqrt, lambda a: 0.5 / np.sqrt(a)),
    "rsqrt": (lambda a: a**-0.5, lambda a: -0.5 * a**-1.5),
    "sin": (np.sin, np.cos),
    "cos": (np.cos, lambda a: -np.sin(a)),
    "tan": (np.tan, lambda a: 1 / np.cos(a) ** 2),
    "asin": (np.arcsin, lambda a: 1 / np.sqrt(1 - a**2)),
    "acos": (np.arccos, lambda a: -1 / np.sqrt(1 - a**2)),
    "atan": (np.arctan, lambda a: 1 / (1 + a**2)),
    "atan2": (np.arctan2, lambda a, b: (b / (a**2 + b**2), -a / (a**2 + b**2))),
    "sinh": (np.sinh, np.cosh),
    "cosh": (np.cosh, np.sinh),
    "tanh": (np.tanh, lambda a: 1 / np.cosh(a) ** 2),
    "tanh_backward": (lambda g, a: g / np.cosh(a) ** 2,
                      lambda g, a: (1 / np.cosh(a) ** 2, -2 * g * np.tanh(a) / np.cosh(a) ** 2)),
    "asinh": (lambda a: np.log(a + np.sqrt(a**2 + 1)), lambda a: 1 / np.sqrt(a**2 + 1)),
    "acosh": (lambda a: np.log(a + np.sqrt(a**2 - 1)), lambda a: 1 / np.sqrt(a**2 - 1)),
    "atanh": (lambda a: 0.5 * np.log((1 + a) / (1 - a)), lambda a: 1 / (1 - a**2)),
    "sigmoid": (_sig, lambda a: _sig(a) * (1 - _sig(a))),
    "erf": (_erf, lambda a: 2 / math.sqrt(math.pi) * np.exp(-(a**2))),
    "erfc": (_erfc, lambda a: -2 / math.sqrt(math.pi) * np.exp(-(a**2))),
    "where": (np.where, lambda c, a, b: (_zero(a + b), c * _ones(a + b), ~c * _ones(a + b))),
}


def _partials(name: str, arrays: list[np.ndarray], attrs: dict[str, Any]) -> list[np.ndarray]:
    d = CLOSED[name][1](*arrays, **attrs)
    return list(d) if isinstance(d, tuple) else [d]


# -- inputs ---------------------------------------------------------------------------------------
def _draw(op: OpDef, sample_index: int, seed: int = 0) -> list[np.ndarray]:
    """Float64 inputs inside each domain (cut to moderate magnitudes), off every declared kink."""
    sample = samples_of(op.name)[sample_index]
    rng = np.random.default_rng([seed, sample_index, *op.name.encode()])
    for _ in range(100):
        arrays = []
        for arg, shape in zip(op.args, sample.shapes, strict=True):
            if arg in sample.make:
                arrays.append(np.asarray(sample.make[arg](rng)))
                continue
            dom = domain_of(op.name, arg)
            low, high = dom.low, dom.high
            if math.isinf(low) and math.isinf(high):
                low, high = -2.0, 2.0
            elif math.isinf(high):
                high = low + 3.0
            elif math.isinf(low):
                low = high - 3.0
            margin = 0.05 * (high - low)
            x = rng.uniform(low + margin, high - margin, size=shape)
            if dom.nonzero:
                x = np.where(np.abs(x) < 0.25, np.copysign(0.25, x) + x, x)
            arrays.append(np.asarray(x))
        if not any(np.any(k.at(*arrays, **sample.attrs)) for k in op.kinks):
            return arrays
    raise AssertionError(f"{op.name}: no sample off its kinks")


def _leaves(op: OpDef, arrays: list[np.ndarray], d: symgrad.dtype, sample_index: int = 0
            ) -> list[symgrad.Tensor]:
    made = samples_of(op.name)[sample_index].make
    return [symgrad.Tensor._make(np.asarray(a) if arg in made else np.asarray(a).astype(d.np),
                                 d.is_floating_point and arg in op.differentiable
                                 and arg not in made, None)
            for arg, a in zip(op.args, arrays, strict=True)]


def _sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    x = np.broadcast_to(x, np.broadcast_shapes(x.shape, shape))
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True).reshape(shape)


def _wrt(op: OpDef) -> list[int]:
    return [i for i, a in enumerate(op.args) if a in op.differentiable]


# -- the table covers the catalog -----------------------------------------------------------------
def test_every_elementwise_op_is_covered() -> None:
    assert len(MINE) >= 57
    missing = [n for n in GRADIENT_OPS if n not in CLOSED]
    assert not missing, f"ops without a closed-form derivative here: {missing}"
    for name in MINE:
        op = REGISTRY[name]
        assert isinstance(TORCH.get(op.name), str), name
        assert op.grad_fn, name


# -- values and first derivatives -----------------------------------------------------------------
@pytest.mark.parametrize("name", GRADIENT_OPS)
@pytest.mark.parametrize("d", [symgrad.float64, symgrad.float32], ids=lambda d: d.name)
def test_values_and_gradients_match_closed_forms(name: str, d: symgrad.dtype) -> None:
    op = REGISTRY[name]
    eps = float(np.finfo(d.np).eps)
    for i, sample in enumerate(samples_of(op.name)):
        arrays = _draw(op, i)
        leaves = _leaves(op, arrays, d, i)
        exact_in = [t._data.astype(np.float64) if t.dtype.is_floating_point else t._data
                    for t in leaves]
        out = apply(op, *leaves, **sample.attrs)
        assert out.dtype is d and out.grad_fn.name() == op.grad_fn
        expected = np.asarray(CLOSED[name][0](*exact_in, **sample.attrs), dtype=np.float64)
        # transcendental results are rounded once from float64: within an ULP or so
        np.testing.assert_allclose(out._data.astype(np.float64), expected, rtol=max(2 * eps, 1e-13),
                                   atol=max(2 * eps, 1e-13), err_msg=f"{name} value")
        weight = np.random.default_rng(i).uniform(0.5, 1.5, size=out.shape)
        wrt = _wrt(op)
        grads = symgrad.autograd.grad(out, [leaves[k] for k in wrt],
                                      grad_outputs=symgrad.tensor(weight, dtype=d))
        partials = _partials(name, exact_in, sample.attrs)
        for k, grad in zip(wrt, grads, strict=True):
            want = _sum_to(weight * partials[k], leaves[k].shape)
            assert grad.shape == leaves[k].shape and grad.dtype is d
            scale = max(1.0, float(np.max(np.abs(want))))
            np.testing.assert_allclose(grad._data.astype(np.float64), want, rtol=64 * eps,
                                       atol=64 * eps * scale, err_msg=f"d/d{op.args[k]} {name}")


# -- second derivatives, and the flag both ways ---------------------------------------------------
def _projected_first(name: str, arrays: list[np.ndarray], attrs: dict[str, Any],
                     weight: np.ndarray, directions: dict[int, np.ndarray]) -> float:
    partials = _partials(name, arrays, attrs)
    return sum(float(np.sum(_sum_to(weight * partials[k], arrays[k].shape) * v))
               for k, v in directions.items())


@pytest.mark.parametrize("name", [n for n in GRADIENT_OPS if REGISTRY[n].double_backward])
def test_double_backward_matches_fd_of_closed_form(name: str) -> None:
    op = REGISTRY[name]
    attrs = samples_of(op.name)[0].attrs
    arrays = _draw(op, 0, seed=1)
    leaves = _leaves(op, arrays, symgrad.float64)
    out = apply(op, *leaves, **attrs)
    rng = np.random.default_rng(3)
    weight = rng.uniform(0.5, 1.5, size=out.shape)
    wrt = _wrt(op)
    directions = {k: rng.uniform(0.5, 1.5, size=arrays[k].shape) for k in wrt}
    grads = symgrad.autograd.grad(out, [leaves[k] for k in wrt],
                                  grad_outputs=symgrad.tensor(weight, dtype=symgrad.float64),
                                  create_graph=True)
    total = sum((g * symgrad.tensor(directions[k], dtype=symgrad.float64)).sum()
                for k, g in zip(wrt, grads, strict=True))
    second = (symgrad.autograd.grad(total, [leaves[k] for k in wrt], allow_unused=True)
              if total.requires_grad else (None,) * len(wrt))
    for k, sec in zip(wrt, second, strict=True):
        fd = np.zeros(arrays[k].shape)
        for idx in np.ndindex(arrays[k].shape):
            h = 1e-6 * max(1.0, abs(arrays[k][idx]))
            plus, minus = [a.copy() for a in arrays], [a.copy() for a in arrays]
            plus[k][idx] += h
            minus[k][idx] -= h
            fd[idx] = (_projected_first(name, plus, attrs, weight, directions)
                       - _projected_first(name, minus, attrs, weight, directions)) / (2 * h)
        actual = np.zeros(arrays[k].shape) if sec is None else sec._data
        np.testing.assert_allclose(actual, fd, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(fd).max()),
                                   err_msg=f"second derivative wrt {op.args[k]} of {name}")


def test_double_backward_records_a_graph() -> None:
    x = symgrad.tensor([0.3, 0.7], dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.sin(x).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = symgrad.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h._data, -np.sin([0.3, 0.7]), rtol=1e-15)


NO_DOUBLE = [n for n in MINE if REGISTRY[n].vjp is not None and not REGISTRY[n].double_backward]


def test_some_ops_claim_no_double_backward() -> None:
    assert set(NO_DOUBLE) == {"floor_divide", "remainder_scalar"}


@pytest.mark.parametrize("name", NO_DOUBLE)
def test_no_double_backward_raises(name: str) -> None:
    op = REGISTRY[name]
    arrays = _draw(op, 0)
    leaves = [symgrad.tensor(a, dtype=symgrad.float64, requires_grad=True) for a in arrays]
    out = apply(op, *leaves, **samples_of(op.name)[0].attrs)
    assert out.requires_grad and out.grad_fn.name() == "torch::autograd::NotImplemented"
    aten = name.removesuffix("_scalar")
    with pytest.raises(RuntimeError, match=f"^derivative for aten::{aten} is not implemented$"):
        symgrad.autograd.grad(out.sum(), leaves, create_graph=True)


def test_floor_divide_backward_raises_like_pytorch() -> None:
    x = symgrad.tensor([5.0, -5.0], requires_grad=True)
    y = x // 2
    np.testing.assert_array_equal(y._data, [2.0, -3.0])
    assert y.requires_grad and y.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="^derivative for aten::floor_divide is not impl"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="^derivative for aten::remainder is not impl"):
        (2 % x).sum().backward()


# -- kinks: the engine's value is the declared convention -----------------------------------------
# One point on a kink per op: inputs (float64) and attributes.
KINK_POINTS: dict[str, tuple[list[Any], dict[str, Any]]] = {
    "abs": ([[0.0]], {}),
    "atan2": ([[0.0, -0.0, 0.0], [0.0, 0.0, -0.0]], {}),
    "sign": ([[0.0]], {}),
    "floor": ([[1.0, -2.0]], {}),
    "ceil": ([[1.0, -2.0]], {}),
    "trunc": ([[1.0, -2.0]], {}),
    "round": ([[0.5, 2.5, -1.5]], {}),
    "round_decimals": ([[0.25, -0.75]], {"decimals": 1}),
    "maximum": ([[1.0, -2.0], [1.0, -2.0]], {}),
    "minimum": ([[1.0, -2.0], [1.0, -2.0]], {}),
    "clamp": ([[-0.5, 0.75]], {"min": -0.5, "max": 0.75}),
    "clamp_min": ([[0.25]], {"min": 0.25}),
    "clamp_max": ([[0.25]], {"max": 0.25}),
    "clamp_tensor": ([[1.0, 2.0], [1.0, 0.0], [3.0, 2.0]], {}),
    "clamp_min_tensor": ([[1.0, -2.0], [1.0, -2.0]], {}),
    "clamp_max_tensor": ([[1.0, -2.0], [1.0, -2.0]], {}),
    "div_mode": ([[3.0, -3.0], [1.5, 1.5]], {"rounding_mode": "floor"}),
    "remainder": ([[3.0, -3.0]], {"other": 1.5}),
    "remainder_tensor": ([[3.0, -3.0], [1.5, 1.5]], {}),
    "fmod": ([[3.0, -3.0]], {"other": 1.5}),
    "fmod_tensor": ([[3.0, -3.0, 3.0, -3.0], [1.5, 1.5, -1.5, -1.5]], {}),
}
ONE_SIDED = 1e-7


def _one_sided(name: str, arrays: list[np.ndarray], attrs: dict[str, Any], k: int,
               side: float) -> np.ndarray:
    moved = [a.copy() for a in arrays]
    moved[k] = moved[k] + side * ONE_SIDED
    return _partials(name, moved, attrs)[k]


def test_every_kink_has_a_point() -> None:
    declared = {n for n in MINE if REGISTRY[n].kinks}
    assert declared == set(KINK_POINTS)


@pytest.mark.parametrize("name", sorted(KINK_POINTS))
def test_kink_conventions(name: str) -> None:
    op = REGISTRY[name]
    values, attrs = KINK_POINTS[name]
    arrays = [np.asarray(v, dtype=np.float64) for v in values]
    leaves = [symgrad.tensor(a, dtype=symgrad.float64, requires_grad=True) for a in arrays]
    grads = symgrad.autograd.grad(apply(op, *leaves, **attrs).sum(), leaves)
    covered = np.zeros(arrays[0].shape, dtype=bool)
    for kink in op.kinks:
        k = op.args.index(kink.arg)
        mask = np.broadcast_to(kink.at(*arrays, **attrs), arrays[k].shape)
        covered |= mask
        left = _one_sided(name, arrays, attrs, k, -1.0)
        right = _one_sided(name, arrays, attrs, k, +1.0)
        want = {"left": left, "right": right, "mean": (left + right) / 2,
                "zero": np.zeros_like(left), "one": np.ones_like(left)}[kink.convention]
        np.testing.assert_array_equal(grads[k]._data[mask], np.broadcast_to(want, mask.shape)[mask],
                                      err_msg=f"{name}: {kink.where} ({kink.convention})")
    assert covered.all(), f"{name}: the point is on no declared kink"


def test_pytorch_conventions_spelled_out() -> None:
    x = symgrad.tensor([0.0, -1.0, 2.0], requires_grad=True)
    (g,) = symgrad.autograd.grad(x.abs().sum(), x)
    assert g.tolist() == [0.0, -1.0, 1.0]
    (g,) = symgrad.autograd.grad(x.clamp(min=-1.0, max=2.0).sum(), x)
    assert g.tolist() == [1.0, 1.0, 1.0]
    y = symgrad.tensor([0.0, 0.0, 3.0], requires_grad=True)
    gx, gy = symgrad.autograd.grad(symgrad.maximum(x, y).sum(), [x, y])
    assert (gx.tolist(), gy.tolist()) == ([0.5, 0.0, 0.0], [0.5, 1.0, 1.0])
    for fn in (symgrad.floor, symgrad.ceil, symgrad.round, symgrad.trunc, symgrad.sign):
        (g,) = symgrad.autograd.grad(fn(x).sum(), x)
        assert g.tolist() == [0.0, 0.0, 0.0]


def test_nan_and_singular_points_as_pytorch() -> None:
    nan = float("nan")
    x = symgrad.tensor([nan, 1.0, 0.0], requires_grad=True)
    y = symgrad.tensor([1.0, nan, 0.0], requires_grad=True)
    assert symgrad.sign(x).tolist()[0] == 0.0
    (g,) = symgrad.autograd.grad(x.abs().sum(), x)
    assert g.tolist() == [0.0, 1.0, 0.0]
    # a nan makes every comparison false: both inputs of maximum/minimum get the gradient
    for fn in (symgrad.maximum, symgrad.minimum):
        gx, gy = symgrad.autograd.grad(fn(x, y).sum(), [x, y])
        assert (gx.tolist(), gy.tolist()) == ([1.0, 1.0, 0.5], [1.0, 1.0, 0.5])
    gx, gy = symgrad.autograd.grad(symgrad.atan2(x, y).sum(), [x, y])
    assert (gx.tolist()[2], gy.tolist()[2]) == (0.0, 0.0)


# -- dtypes and promotion -------------------------------------------------------------------------
FLOAT_RESULT = [n for n in MINE if REGISTRY[n].dtype_rule == "promote_float"
                and len(REGISTRY[n].args) == 1]


@pytest.mark.parametrize("name", FLOAT_RESULT)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_transcendental_promotes_integers_to_default_float(name: str) -> None:
    op = REGISTRY[name]
    for d in (symgrad.int64, symgrad.uint8, symgrad.bool):
        x = symgrad.tensor([1, 1], dtype=d)
        assert apply(op, x).dtype is symgrad.float32
    for d in (symgrad.float16, symgrad.bfloat16, symgrad.float64):
        assert apply(op, symgrad.tensor([0.5], dtype=d)).dtype is d


def test_promotion_of_arithmetic() -> None:
    i = symgrad.tensor([-3, 4])
    h = symgrad.tensor([1.5], dtype=symgrad.float16)
    assert i.abs().dtype is symgrad.int64 and i.abs().tolist() == [3, 4]
    assert (-i).dtype is symgrad.int64 and i.sign().tolist() == [-1, 1]
    assert i.floor().dtype is symgrad.int64 and i.round().tolist() == [-3, 4]
    assert i.clamp(min=0).dtype is symgrad.int64 and i.clamp(min=0.5).dtype is symgrad.float32
    assert (i % 2).tolist() == [1, 0] and (i % 2.5).dtype is symgrad.float32
    assert (i // 2).tolist() == [-2, 2] and (i // 2).dtype is symgrad.int64
    assert symgrad.div(i, 2, rounding_mode="trunc").tolist() == [-1, 2]
    assert (i / 2).dtype is symgrad.float32 and i.square().dtype is symgrad.int64
    assert (h * 2.5).dtype is symgrad.float16 and h.clamp(max=1.0).dtype is symgrad.float16
    assert symgrad.maximum(i, h).dtype is symgrad.float16
    assert symgrad.atan2(i, i).dtype is symgrad.float32
    lo = symgrad.tensor([2.5])
    assert symgrad.clamp(i, min=lo).dtype is symgrad.float32
    assert symgrad.clamp(i, max=symgrad.tensor([1])).tolist() == [-3, 1]


def test_half_precision_forward_rounds_once() -> None:
    for d in (symgrad.float16, symgrad.bfloat16):
        x = symgrad.tensor([0.1, 0.7, 1.3], dtype=d)
        x64 = x._data.astype(np.float64)
        for fn, ref in [(symgrad.exp, np.exp), (symgrad.tan, np.tan), (symgrad.erf, _erf)]:
            out = fn(x)
            assert out.dtype is d
            np.testing.assert_array_equal(out._data, ref(x64).astype(d.np))


def test_integer_division_by_zero_raises() -> None:
    i = symgrad.tensor([5])
    for call in (lambda: i // 0, lambda: i % 0, lambda: symgrad.fmod(i, 0),
                 lambda: symgrad.div(i, symgrad.tensor([0]), rounding_mode="floor")):
        with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
            call()


def test_misuse_errors() -> None:
    x = symgrad.tensor([1.0])
    with pytest.raises(RuntimeError, match="^torch.clamp: At least one of 'min' or 'max'"):
        x.clamp()
    with pytest.raises(RuntimeError, match="^div expected rounding_mode to be one of None"):
        symgrad.div(x, x, rounding_mode="round")
    with pytest.raises(RuntimeError, match="^Negation, the `-` operator, on a bool tensor"):
        -symgrad.tensor([True])
    with pytest.raises(RuntimeError, match="^For integral input tensors, argument alpha"):
        symgrad.add(symgrad.tensor([1]), symgrad.tensor([1]), alpha=0.5)


# -- Python operators and methods -----------------------------------------------------------------
def test_operators() -> None:
    x = symgrad.tensor([-2.5, 3.0], requires_grad=True)
    assert abs(x).grad_fn.name() == "AbsBackward0" and abs(x).tolist() == [2.5, 3.0]
    assert (x % 2).grad_fn.name() == "RemainderBackward0" and (x % 2).tolist() == [1.5, 1.0]
    assert (x % x).grad_fn.name() == "RemainderBackward1"
    assert (7 // symgrad.tensor([2, -2])).tolist() == [3, -4]
    assert (7 % symgrad.tensor([2, -2])).tolist() == [1, -1]
    assert (2 - x).grad_fn.name() == "RsubBackward1" and (2**x).grad_fn.name() == "PowBackward2"
    assert (+x) is x
    b, c = symgrad.tensor([True, False]), symgrad.tensor([True, True])
    assert (b & c).tolist() == [True, False] and (b | c).tolist() == [True, True]
    assert (b ^ c).tolist() == [False, True] and (~b).tolist() == [False, True]
    assert (~symgrad.tensor([0, 5])).tolist() == [-1, -6]
    assert ((x > 0) & (x < 5)).tolist() == [False, True]


def test_methods_and_aliases() -> None:
    x = symgrad.tensor([0.25, 0.5])
    for name in ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin",
                 "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "atanh",
                 "sigmoid", "erf", "erfc", "abs", "sign", "floor", "ceil", "round", "trunc",
                 "neg", "reciprocal", "square"]:
        assert getattr(x, name)().tolist() == getattr(symgrad, name)(x).tolist(), name
    pairs = [("absolute", "abs"), ("negative", "neg"), ("arcsin", "asin"), ("arccos", "acos"),
             ("arctan", "atan"), ("arcsinh", "asinh"), ("arctanh", "atanh"), ("fix", "trunc")]
    for alias, name in pairs:
        assert getattr(x, alias)().tolist() == getattr(x, name)().tolist(), alias
    y = symgrad.tensor([2.0, 0.25])
    for alias, name in [("multiply", "mul"), ("subtract", "sub"), ("divide", "div"),
                        ("arctan2", "atan2"), ("maximum", "maximum"), ("fmod", "fmod")]:
        assert getattr(x, alias)(y).tolist() == getattr(symgrad, name)(x, y).tolist(), alias
    assert x.clip(0.3, 0.4).tolist() == [0.30000001192092896, 0.4000000059604645]
    assert x.clamp_min(0.3).tolist()[0] == pytest.approx(0.3)
    assert x.where(x > 0.3, y).tolist() == [2.0, 0.5]
    assert symgrad.acosh(symgrad.tensor([1.0])).tolist() == [0.0]


# -- parity with PyTorch (when installed) ---------------------------------------------------------
def _torch_tensor(torch: Any, a: np.ndarray, d: symgrad.dtype) -> Any:
    data = np.asarray(a.astype(np.float32) if d is symgrad.bfloat16 else a)
    return torch.from_numpy(data.copy()).to(getattr(torch, d.name))


VALUE_RTOL = {"float64": 1e-13, "float32": 1e-6, "float16": 1e-3, "bfloat16": 8e-3}


@pytest.mark.parametrize("name", MINE)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0) of integer samples, as in torch
def test_parity_with_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    op = REGISTRY[name]
    for d in sorted(op.dtypes, key=lambda d: d.name):
        for i, sample in enumerate(samples_of(op.name)):
            arrays = _draw(op, i, seed=5)
            made = sample.make
            if not d.is_floating_point:
                arrays = [a if arg in made else np.abs(np.round(a)).astype(d.np) + (
                    1 if domain_of(op.name, arg).nonzero else 0)
                    for arg, a in zip(op.args, arrays, strict=True)]
            leaves = _leaves(op, arrays, d, i)
            env: dict[str, Any] = {"torch": torch, **sample.attrs}
            for arg, t in zip(op.args, leaves, strict=True):
                env[arg] = (torch.from_numpy(t._data.copy()) if arg in made
                            else _torch_tensor(torch, t._data, d).requires_grad_(t._rg))
            ref = eval(TORCH[op.name], env)
            out = apply(op, *leaves, **sample.attrs)
            where = f"{name} {d.name} sample {i}"
            assert out.dtype.name == str(ref.dtype).removeprefix("torch."), where
            want = ref.detach().double().numpy()
            rtol = VALUE_RTOL.get(out.dtype.name, 0)
            np.testing.assert_allclose(out._data.astype(np.float64), want, rtol=rtol, atol=rtol,
                                       err_msg=where)
            if not out.requires_grad:
                continue
            assert out.grad_fn.name() == ref.grad_fn.name(), where
            wrt = [k for k in _wrt(op) if leaves[k]._rg]
            if not wrt or not op.differentiable:
                continue
            weight = np.linspace(0.5, 1.5, out.numel()).reshape(out.shape).astype(out._data.dtype)
            grads = symgrad.autograd.grad(out, [leaves[k] for k in wrt],
                                          grad_outputs=symgrad.Tensor._make(weight, False, None))
            ref_grads = torch.autograd.grad(ref, [env[op.args[k]] for k in wrt],
                                            _torch_tensor(torch, weight, d), allow_unused=True)
            for k, g, rg in zip(wrt, grads, ref_grads, strict=True):
                rg = np.zeros(g.shape) if rg is None else rg.double().numpy()
                np.testing.assert_allclose(g._data.astype(np.float64), rg, rtol=4 * rtol,
                                           atol=4 * rtol, err_msg=f"{where} d/d{op.args[k]}")


@pytest.mark.parametrize(("name", "derivative"), [
    ("tanh", lambda x: 1 / np.cosh(x) ** 2),
    ("sigmoid", lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2),
    ("expm1", np.exp),
])
def test_derivatives_accurate_where_the_result_saturates(name: str, derivative: Fn) -> None:
    # 1 - tanh^2, s (1 - s) and expm1 + 1 lose most digits here; the engine's rules must not.
    xs = np.array([2.5, 6.5, -7.0, 15.0, -15.0])
    x = symgrad.tensor(xs, dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(getattr(symgrad, name)(x).sum(), x)
    np.testing.assert_allclose(g._data, derivative(xs), rtol=8 * np.finfo(float).eps, atol=0)
    x16 = symgrad.tensor([6.5, 9.0], dtype=symgrad.float16, requires_grad=True)
    (g16,) = symgrad.autograd.grad(getattr(symgrad, name)(x16).sum(), x16)
    # float16 subnormals are 6e-8 apart: the derivative must not flush to 0 (cosh^2 overflows)
    np.testing.assert_allclose(g16._data.astype(float), derivative(np.array([6.5, 9.0])),
                               rtol=2e-3, atol=6e-8)


@pytest.mark.parametrize("name", ["clamp_min", "clamp_max"])
def test_clamp_min_max_with_tensor_bounds_match_pytorch_at_ties(name: str) -> None:
    torch = pytest.importorskip("torch")
    x, bound = [[1.0, 2.0, 3.0], [0.5, 2.0, -1.0]], [[2.0], [2.0]]
    seen = []
    for lib in (symgrad, torch):
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(bound, dtype=lib.float64, requires_grad=True)
        out = getattr(lib, name)(a, b)
        grads = lib.autograd.grad(out, [a, b], lib.tensor([[1.0, 2.0, 3.0]] * 2,
                                                          dtype=lib.float64))
        seen.append((out.detach().numpy().tolist(), str(out.dtype).split(".")[-1],
                     out.grad_fn.name(), [g.numpy().tolist() for g in grads],
                     [str(g.dtype).split(".")[-1] for g in grads]))
    assert seen[0] == seen[1]
    assert seen[0][2] == ("ClampMinBackward1" if name == "clamp_min" else "ClampMaxBackward1")


# -- regressions found by tests/test_properties.py --------------------------------------------
# Expected values are worked out by hand (mpmath where a quotient is involved), never by the VJPs.
def _grads(fn: Callable[..., Any], arrays: list[list[float]], dtype: Any,
           g: list[float] | None = None) -> list[np.ndarray]:
    xs = [symgrad.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    out = fn(*xs)
    with np.errstate(all="ignore"):
        out.backward(symgrad.ones_like(out) if g is None else symgrad.tensor(g, dtype=dtype))
    return [x.grad._data.astype(np.float64) for x in xs]


def test_atan2_gradient_with_tiny_inputs_does_not_underflow():
    import mpmath

    mpmath.mp.prec = 200
    self = [1e-300, 1e-170, 0.0, 0.0]
    other = [1e-300, 2e-170, 2.5e-308, 1.0]
    ds, do = _grads(symgrad.atan2, [self, other], symgrad.float64)
    for i, (y, x) in enumerate(zip(self, other, strict=True)):
        y, x = mpmath.mpf(y), mpmath.mpf(x)
        r2 = y * y + x * x
        assert ds[i] == pytest.approx(float(x / r2), rel=1e-14)
        assert do[i] == pytest.approx(float(-y / r2), rel=1e-14, abs=0)
    # The origin keeps PyTorch's 0; 1 / subnormal overflows float32 to inf, as it should.
    assert _grads(symgrad.atan2, [[0.0], [0.0]], symgrad.float64) == [0.0, 0.0]
    ds, _ = _grads(symgrad.atan2, [[0.0], [1.4e-45]], symgrad.float32)
    assert ds[0] == math.inf


@pytest.mark.parametrize("dtype", [symgrad.float16, symgrad.float32])
def test_div_gradient_for_other_is_zero_when_self_is_zero_and_other_tiny(dtype):
    # d/dother (self / other) = -self / other**2 = 0 at self = 0; other**2 underflows to 0
    # there, and 0/0 gave nan. d/dself = 1 / other overflows, correctly.
    tiny = 6e-8 if dtype is symgrad.float16 else 1.4e-45
    ds, do = _grads(symgrad.div, [[0.0, 0.0], [tiny, 1.0]], dtype)
    assert ds.tolist() == [math.inf, 1.0]
    assert do.tolist() == [0.0, 0.0]


def test_fmod_gradient_counts_the_subtractions_the_forward_made():
    # 0.05 is 0.05000000000000000277 in binary: 0.5 / 0.05 is 9.99999999999999944 exactly, so
    # fmod subtracted other 9 times (the forward gives 0.04999...) and d/dother = -9, though
    # the rounded quotient 0.5 / 0.05 is 10.0.
    from fractions import Fraction

    q = Fraction(0.5) / Fraction(0.05)
    assert 9 < q < 10
    out = symgrad.fmod(symgrad.tensor(0.5, dtype=symgrad.float64), 0.05)
    assert float(out) == pytest.approx(0.05, rel=1e-13)
    _, do = _grads(symgrad.fmod, [[0.5, 3.0, -3.0], [0.05, 1.5, 1.5]], symgrad.float64)
    # On an exact jump (3 / 1.5 = 2) the limit from lower other: -trunc(self / other).
    assert do.tolist() == [-9.0, -2.0, 2.0]


def test_remainder_half_gradient_is_formed_before_rounding_to_half():
    # other = 2**-14: 4 / other = 65536 overflows float16 (max 65504), but the summed gradient
    # of the broadcast other, -(0.5 * 0 + 0.25 * 65536) = -16384, fits.
    _, do = _grads(symgrad.remainder, [[[0.0], [4.0]], [2.0**-14]], symgrad.float16,
                   g=[[0.5], [0.25]])
    assert do.tolist() == [-16384.0]


@pytest.mark.parametrize(("self", "min", "max", "want"), [
    # min == max: the result is that bound, and PyTorch gives neither bound the gradient
    # unless self lies beyond it on max's side.
    (0.0, 0.5, 0.5, [0.0, 0.0, 0.0]),
    (1.0, 0.5, 0.5, [0.0, 0.0, 1.0]),
    (0.5, 0.5, 0.5, [1.0, 0.0, 0.0]),
    # A max of +inf is a bound like any other (symgrad took it for a missing max, which gives
    # min the gradient: clip(0, t, t) at t = atanh(1), the fuzzer's seed 88).
    (0.0, math.inf, math.inf, [0.0, 0.0, 0.0]),
    # min > max: the result is max, which gets the gradient.
    (0.0, 0.5, 0.0, [0.0, 0.0, 1.0]),
    (0.7, 0.5, 0.25, [0.0, 0.0, 1.0]),
])
def test_clamp_tensor_bounds_tied_or_crossed_follow_pytorch(self, min, max, want):
    got = _grads(symgrad.clamp, [self, min, max], symgrad.float64)
    assert [float(x) for x in got] == want
    op = REGISTRY["clamp_tensor"]
    a = [np.array(v) for v in (self, min, max)]
    if min == max:
        assert {k.arg for k in op.kinks if k.at(*a).any()} >= {"min", "max"}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_where_past_the_branch_free_size_is_np_where_bit_for_bit(dtype) -> None:
    # Past _LARGE elements ``where`` selects by bits (elementwise._where): every value kept as
    # np.where keeps it (NaN payloads, signed zeros, infinities), in np.where's shape, for
    # array and zero-dim branches (+0.0 takes a path of its own: a ReLU's VJP).
    from symgrad.ops.elementwise import _LARGE, _where

    np_dtype = symgrad.tensor([], dtype=getattr(symgrad, dtype))._data.dtype
    bits = np.dtype(f"uint{8 * np_dtype.itemsize}")
    rng = np.random.default_rng(5)
    n = 2 * _LARGE
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.5, -2.0]).astype(np_dtype)
    a, b = (rng.choice(specials, size=(2, n)) for _ in range(2))
    b[0, :7] = specials[:7]
    a[1, :3] = (np.array(np.nan, np_dtype).view(bits) | bits.type(5)).view(np_dtype)  # payload
    condition = rng.random((2, n)) < 0.5
    zero, negative_zero = np.zeros((), np_dtype), -np.zeros((), np_dtype)
    for self, other in ((a, b), (zero, b), (a, zero), (negative_zero, b), (a[0], b),
                        (zero, b[0])):
        got, expected = _where(condition, self, other), np.where(condition, self, other)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert np.array_equal(got.view(bits), expected.view(bits))
