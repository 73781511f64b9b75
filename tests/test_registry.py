"""Per-op tests generated from ``REGISTRY``: every op x floating dtype x sample (the judge's,
``oracle.samples``, which ``tests/test_samples.py`` holds to the registry).

Nothing here names an op: a new ``defop`` is picked up by the next run. Each case checks the
declaration (a ``torch`` expression, a grad_fn name, kinks), the forward's dtype,
the gradients' shape and dtype, the gradient against a float64 central finite difference of
the op's own NumPy forward, and the ``double_backward`` flag both ways.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
from typing import Any

import numpy as np
import pytest

import symgrad
from oracle.engines.symgrad_samples import make_samples
from oracle.samples import Domain, domain_of, samples_of
from oracle.torch_calls import TORCH
from symgrad import _dtypes
from symgrad.ops.registry import REGISTRY, OpDef, apply

FLOATS = (symgrad.float64, symgrad.float32, symgrad.float16, symgrad.bfloat16)

# Relative tolerance of an engine gradient computed in each dtype (a few roundings of a short
# VJP, and FD of a forward that itself rounds to that dtype).
GRAD_RTOL = {"float64": 1e-6, "float32": 2e-3, "float16": 3e-2, "bfloat16": 1.5e-1}


# -- inputs inside each input's domain ----------------------------------------------------------
def _draw_int(rng: np.random.Generator, shape: tuple[int, ...], d: symgrad.dtype,
              domain: Domain) -> np.ndarray:
    if d is symgrad.bool:
        return rng.random(shape) > 0.5
    low = 0 if not d.is_signed else max(-4, math.ceil(max(domain.low, -1e9)))
    high = min(5, math.floor(min(domain.high, 1e9)))
    values = rng.integers(low, max(high, low + 1), size=shape, endpoint=True)
    if domain.nonzero:
        values = np.where(values == 0, 1, values)
    return values.astype(d.np)


def draw_inputs(op: OpDef, sample_index: int, d: symgrad.dtype, seed: int = 0
                ) -> list[np.ndarray]:
    """The inputs of one sample as NumPy arrays in dtype ``d`` (``make`` inputs as built).

    Floating values come from ``oracle.engines.symgrad_samples`` (exact in every float dtype, away
    from kinks and domain edges); integer and bool values are drawn here, small and in domain.
    """
    if d.is_floating_point:
        chosen = make_samples(op.name, d)[sample_index]
        return [chosen.arrays[name] for name in op.args]
    sample = samples_of(op.name)[sample_index]
    rng = np.random.default_rng([seed, sample_index, sum(map(ord, op.name))])
    arrays = []
    for name, shape in zip(op.args, sample.shapes, strict=True):
        domain = domain_of(op.name, name)
        if name in sample.make:
            arrays.append(np.asarray(sample.make[name](rng)))
        else:
            arrays.append(_draw_int(rng, shape, d, domain))
    return arrays


def is_drawn(op: OpDef, sample_index: int, arg: str) -> bool:
    return arg not in samples_of(op.name)[sample_index].make


def differentiable_args(op: OpDef, sample_index: int) -> list[int]:
    return [i for i, a in enumerate(op.args)
            if a in op.differentiable and is_drawn(op, sample_index, a)]


# -- the generated cases ---------------------------------------------------------------------------
def _cases(dtypes: tuple[symgrad.dtype, ...], need_vjp: bool) -> list[Any]:
    cases = []
    for name, op in sorted(REGISTRY.items()):
        if need_vjp and not _has_gradient(op):
            continue
        for d in dtypes:
            if d not in op.dtypes:
                continue
            for i in range(len(samples_of(op.name))):
                cases.append(pytest.param(name, d, i, id=f"{name}-{d.name}-{i}"))
    return cases


def _ops(need_vjp: bool) -> list[str]:
    return sorted(n for n, op in REGISTRY.items() if _has_gradient(op) or not need_vjp)


def _has_gradient(op: OpDef) -> bool:
    # floor_divide and friends record a node (PyTorch's "NotImplemented") but no input of theirs
    # is differentiable: they are checked by the parity test, not against finite differences.
    return op.vjp is not None and bool(op.differentiable)


def _leaves(op: OpDef, sample_index: int, arrays: list[np.ndarray], requires_grad: bool
            ) -> list[symgrad.Tensor]:
    wrt = differentiable_args(op, sample_index)
    return [symgrad.Tensor._make(a.copy(), requires_grad and i in wrt, None)
            for i, a in enumerate(arrays)]


def _expected_dtype(op: OpDef, attrs: dict[str, Any], d: symgrad.dtype) -> symgrad.dtype:
    # Every drawn input has dtype d, so PyTorch's promotion gives d itself, unless the op
    # names its result dtype (a conversion) or compares.
    if isinstance(attrs.get("dtype"), str):
        return _dtypes._NAMES[attrs["dtype"]]
    if isinstance(attrs.get("dtype"), symgrad.dtype):
        return attrs["dtype"]
    if op.dtype_rule == "bool":
        return symgrad.bool
    return d


def _fd_grads(op: OpDef, arrays64: list[np.ndarray], attrs: dict[str, Any], wrt: list[int],
              weight: np.ndarray) -> tuple[list[np.ndarray], float]:
    """Central differences of ``sum(weight * forward(x))``, in float64, for each input in wrt.

    Returns the gradients and the relative precision of the forward's result dtype (a forward
    that converts to float32 limits what FD can resolve).
    """
    out_dtype = np.asarray(op.forward(*arrays64, **attrs)).dtype
    eps = float(np.finfo(out_dtype).eps) if out_dtype.kind == "f" else 2.0**-52

    def f(args: list[np.ndarray]) -> float:
        return float(np.sum(weight * np.asarray(op.forward(*args, **attrs), dtype=np.float64)))

    grads = []
    for i in wrt:
        x = arrays64[i]
        grad = np.zeros_like(x)
        for k in np.ndindex(x.shape):
            h = eps ** (1 / 3) * max(1.0, abs(x[k]))
            plus = [a.copy() for a in arrays64]
            minus = [a.copy() for a in arrays64]
            plus[i][k] += h
            minus[i][k] -= h
            grad[k] = (f(plus) - f(minus)) / (2 * h)
        grads.append(grad)
    return grads, eps


def _kink_mask(op: OpDef, i: int, arrays: list[np.ndarray], attrs: dict[str, Any]
               ) -> np.ndarray:
    """Where input ``i`` sits on one of the op's declared kinks (FD means nothing there)."""
    shape = arrays[i].shape
    mask = np.zeros(shape, dtype=bool)
    named = dict(zip(op.args, arrays, strict=True))
    for kink in op.kinks:
        if kink.arg != op.args[i]:
            continue
        params = inspect.signature(kink.at).parameters
        hit = np.asarray(kink.at(*[named[n] for n in params if n in named],
                                 **{k: v for k, v in attrs.items() if k in params}))
        lead = hit.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(lead + k for k, s in enumerate(shape)
                                          if s == 1 and hit.shape[lead + k] != 1)
        mask |= np.any(hit, axis=dims, keepdims=True).reshape(shape) if dims else hit
    return mask


def _assert_close(actual: np.ndarray, expected: np.ndarray, rtol: float, what: str,
                  skip: np.ndarray | None = None) -> None:
    if skip is not None and skip.any():
        actual, expected = actual[~skip], expected[~skip]
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


# -- declarations -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", _ops(need_vjp=True))
def test_declaration(name: str) -> None:
    op = REGISTRY[name]
    # PyTorch's names: ``MulBackward0``; ``DiagonalBackward0_copy`` (a node of a ``*_copy``
    # composite); C++-only nodes by their namespace.
    assert re.fullmatch(r"[A-Z]\w*Backward\d(_copy)?|torch::autograd::[A-Z]\w*",
                        op.grad_fn), op.grad_fn
    for arg in op.differentiable:
        assert arg in op.args, f"{name}: differentiable {arg!r} is not an input"
    for kink in op.kinks:
        assert kink.arg in op.args and kink.convention in (
            "left", "right", "mean", "zero", "one", "stable", "one_of_tied")
    expr = TORCH.get(op.name)
    assert isinstance(expr, str), f"{name} declares no torch= expression"
    compile(expr, f"<{name}.torch>", "eval")
    assert op.dtypes & set(FLOATS), f"{name} has a VJP but no floating dtype"


# -- forward, gradient shape and dtype, gradient against FD ---------------------------------------
@pytest.mark.parametrize(("name", "d", "sample_index"), _cases(FLOATS, need_vjp=False))
def test_forward_dtype(name: str, d: symgrad.dtype, sample_index: int) -> None:
    op = REGISTRY[name]
    attrs = samples_of(op.name)[sample_index].attrs
    inputs = _leaves(op, sample_index, draw_inputs(op, sample_index, d), requires_grad=False)
    out = apply(op, *inputs, **attrs)
    assert out.dtype is _expected_dtype(op, attrs, d)
    assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize(("name", "d", "sample_index"), _cases(FLOATS, need_vjp=True))
def test_gradient_matches_finite_difference(name: str, d: symgrad.dtype,
                                            sample_index: int) -> None:
    op = REGISTRY[name]
    attrs = samples_of(op.name)[sample_index].attrs
    arrays = draw_inputs(op, sample_index, d)
    wrt = differentiable_args(op, sample_index)
    inputs = _leaves(op, sample_index, arrays, requires_grad=True)
    out = apply(op, *inputs, **attrs)
    assert out.requires_grad and out.grad_fn is not None
    assert out.grad_fn.name() == op.grad_fn
    rng = np.random.default_rng(1)
    weight = rng.uniform(0.5, 1.5, size=out.shape).astype(out._data.dtype)
    grads = symgrad.autograd.grad(out, [inputs[i] for i in wrt],
                                  grad_outputs=symgrad.Tensor._make(weight, False, None))
    for i, grad in zip(wrt, grads, strict=True):
        assert grad is not None, f"no gradient for {op.args[i]}"
        assert grad.shape == inputs[i].shape, f"{op.args[i]}: gradient shape {grad.shape}"
        assert grad.dtype is inputs[i].dtype, f"{op.args[i]}: gradient dtype {grad.dtype}"
    arrays64 = [a.astype(np.float64) if i in wrt else a for i, a in enumerate(arrays)]
    expected, fd_eps = _fd_grads(op, arrays64, attrs, wrt, weight.astype(np.float64))
    rtol = max(GRAD_RTOL[d.name], 1e3 * fd_eps ** (2 / 3))
    for i, grad, fd in zip(wrt, grads, expected, strict=True):
        _assert_close(grad._data.astype(np.float64), fd, rtol, f"d/d{op.args[i]} of {name}",
                      _kink_mask(op, i, arrays64, attrs))


# -- double backward, both ways -------------------------------------------------------------------
def _first_order(op: OpDef, sample_index: int, arrays: list[np.ndarray], weight: np.ndarray,
                 create_graph: bool) -> tuple[list[symgrad.Tensor], tuple[Any, ...]]:
    inputs = _leaves(op, sample_index, arrays, requires_grad=True)
    wrt = differentiable_args(op, sample_index)
    out = apply(op, *inputs, **samples_of(op.name)[sample_index].attrs)
    grads = symgrad.autograd.grad(out, [inputs[i] for i in wrt],
                                  grad_outputs=symgrad.Tensor._make(weight, False, None),
                                  create_graph=create_graph)
    return [inputs[i] for i in wrt], grads


def _double_cases(claims: bool) -> list[Any]:
    return [c for c in _cases((symgrad.float64,), need_vjp=True)
            if REGISTRY[c.values[0]].double_backward is claims]


@pytest.mark.parametrize(("name", "d", "sample_index"), _double_cases(claims=True))
def test_double_backward_matches_fd_of_first_order(name: str, d: symgrad.dtype,
                                                   sample_index: int) -> None:
    op = REGISTRY[name]
    arrays = draw_inputs(op, sample_index, d)
    wrt = differentiable_args(op, sample_index)
    rng = np.random.default_rng(2)
    out_shape = apply(op, *_leaves(op, sample_index, arrays, False),
                      **samples_of(op.name)[sample_index].attrs).shape
    weight = rng.uniform(0.5, 1.5, size=out_shape)
    leaves, grads = _first_order(op, sample_index, arrays, weight, create_graph=True)
    directions = [rng.uniform(0.5, 1.5, size=leaf.shape) for leaf in leaves]
    total = sum((g * symgrad.Tensor._make(v, False, None)).sum()
                for g, v in zip(grads, directions, strict=True))
    if total.requires_grad:
        second = symgrad.autograd.grad(total, leaves, allow_unused=True)
    else:
        second = (None,) * len(leaves)

    def first_order_projection(args: list[np.ndarray]) -> float:
        _, g = _first_order(op, sample_index, args, weight, create_graph=False)
        return sum(float(np.sum(gi._data * v)) for gi, v in zip(g, directions, strict=True))

    for leaf_pos, (i, sec) in enumerate(zip(wrt, second, strict=True)):
        fd = np.zeros(arrays[i].shape)
        for k in np.ndindex(arrays[i].shape):
            h = 1e-5 * max(1.0, abs(arrays[i][k]))
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[i][k] += h
            minus[i][k] -= h
            fd[k] = (first_order_projection(plus) - first_order_projection(minus)) / (2 * h)
        actual = np.zeros(arrays[i].shape) if sec is None else sec._data
        assert sec is None or sec.shape == leaves[leaf_pos].shape
        _assert_close(actual, fd, 1e-5, f"second derivative wrt {op.args[i]} of {name}",
                      _kink_mask(op, i, arrays, samples_of(op.name)[sample_index].attrs))


@pytest.mark.parametrize(("name", "d", "sample_index"), _double_cases(claims=True))
def test_no_double_backward_raises(name: str, d: symgrad.dtype, sample_index: int,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The other way: an op that claims no double backward raises on second order.

    No op of the catalog with a derivative claims none, so each op that claims it is swapped,
    in ``REGISTRY`` where the sweep finds it, for a copy that does not (restored after).
    """
    op = REGISTRY[name]
    arrays = draw_inputs(op, sample_index, d)
    out_shape = apply(op, *_leaves(op, sample_index, arrays, False),
                      **samples_of(op.name)[sample_index].attrs).shape
    weight = np.ones(out_shape)
    leaves, grads = _first_order(op, sample_index, arrays, weight, create_graph=True)
    recorded = any(g.requires_grad for g in grads)
    monkeypatch.setitem(REGISTRY, name, dataclasses.replace(op, double_backward=False))
    leaves, grads = _first_order(REGISTRY[name], sample_index, arrays, weight, create_graph=True)
    if not recorded:
        # A first derivative that depends on no input (add, sum) has no second order to refuse.
        assert all(not g.requires_grad or g.grad_fn.name() == "torch::autograd::NotImplemented"
                   for g in grads)
        return
    total = sum(g.sum() for g in grads)
    with pytest.raises(RuntimeError, match=f"^derivative for {re.escape(op.grad_fn)} is not "
                                           "implemented$"):
        symgrad.autograd.grad(total, leaves, allow_unused=True)


def test_every_op_is_covered() -> None:
    """The registry is not empty and every op with a VJP has a floating gradient case."""
    covered = {c.values[0] for c in _cases(FLOATS, need_vjp=True)}
    assert covered == set(_ops(need_vjp=True))
    assert len(covered) >= 10
