"""Properties of every registry op x float dtype, drawn by hypothesis (``symgrad.testing``).

The engine's gradient is judged against the exact oracle and float64 finite differences
(``oracle.crosscheck``) on random inputs inside each op's domain, on edge values and on the
declared kinks; the second order through ``create_graph``; then properties that need no oracle:
``requires_grad`` propagation, the gradient's dtype and shape, linearity and accumulation.
Each test is parametrized over op x dtype from ``REGISTRY`` by ``per_op``; the number of
examples follows the hypothesis profile (``ci``: a few per op, ``thorough``: many).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad
from oracle.crosscheck import crosscheck
from oracle.sweep import FLOAT_DTYPES, sweepable_ops
from oracle.tolerances import ulp
from symgrad import _dtypes
from symgrad.ops.registry import REGISTRY, OpDef, apply
from symgrad.testing.strategies import kinked_inputs, op_inputs

# Statuses that say the engine is right: exactly, by the op's kink convention, or with FD
# unable to confirm it (the exact oracle still did).
RIGHT = {"ok", "kink", "fd-unreliable"}


def few(n: int) -> settings:
    """``n`` examples per generated test under ``ci`` (30 examples), scaled up with the profile."""
    return settings(max_examples=max(1, n * settings().max_examples // 30))


def per_op(dtypes: tuple[str, ...] = FLOAT_DTYPES,
           where: Callable[[OpDef], bool] = lambda op: True,
           ops: list[str] | None = None) -> Any:
    """Parametrize ``name, dtype`` over registry ops (``ops`` or all) x the dtypes they declare."""
    names = sorted(REGISTRY) if ops is None else ops
    return pytest.mark.parametrize("name,dtype", [
        pytest.param(n, d, id=f"{n}-{d}") for n in names if where(REGISTRY[n])
        for d in dtypes if _dtypes._by_name(d) in REGISTRY[n].dtypes])


SWEEPABLE = sweepable_ops()

# Counterexamples found by these properties and reported to the owners of the engine and the
# oracle; each (test, op) is left out until fixed (a committed test never fails).
KNOWN: dict[tuple[str, str], str] = {
    ("fd", "atan2"): "other tiny: FD's own error estimate is honest but wide (51575 ± 25800)",
    ("edges", "div"): "float32 other 1.4e-45 broadcast over self [1, -1]: the per-element "
                      "-g*self/other**2 are +-inf and sum to nan, exact -1.4e89 (overflow)",
    ("edges", "remainder_tensor"): "float16 on a kink: engine -inf for other, exact -41984 "
                                   "(finite in float16)",
}


def unknown(check: str) -> Callable[[OpDef], bool]:
    return lambda op: (check, op.name) not in KNOWN


def judge(name: str, attrs: dict[str, Any], inputs: list[symgrad.Tensor], order: int = 1
          ) -> Any:
    """The crosscheck verdict of ``REGISTRY[name]`` on ``inputs`` (the grad ones are judged)."""
    op = REGISTRY[name]
    diff = [i for i, t in enumerate(inputs) if t.requires_grad]

    def fn(*xs: symgrad.Tensor) -> symgrad.Tensor:
        args = list(inputs)
        for i, x in zip(diff, xs, strict=True):
            args[i] = x
        return apply(REGISTRY[name], *args, **attrs)

    return crosscheck(fn, [inputs[i] for i in diff], order=order, op=name, attrs=attrs,
                      names=[op.args[i] for i in diff])


def _overflows(e: Any, dtype: str) -> bool:
    """The exact value rounds to ±inf in ``dtype`` and the engine gave that infinity: the
    correctly rounded answer (crosscheck calls it engine-wrong; reported to its owner)."""
    with np.errstate(over="ignore"):
        rounded = float(np.asarray(float(e.exact), np.float64).astype(_dtypes._by_name(dtype).np))
    return np.isinf(rounded) and e.engine == rounded


def right(v: Any, dtype: str) -> bool:
    """The verdict says the engine is right (``RIGHT``), overflow to infinity aside."""
    return v.status in RIGHT or all(e.status in RIGHT or _overflows(e, dtype)
                                    for e in v.elements) and bool(v.elements)


def explain(v: Any) -> str:
    return f"{v.status}: {v.message}\n{v.reproducer or ''}"


# -- engine, exact and FD ---------------------------------------------------------------------
@per_op(ops=SWEEPABLE, where=unknown("grad"))
@few(2)
@given(data=st.data())
def test_engine_gradient_matches_exact(name, dtype, data):
    d = _dtypes._by_name(dtype)
    sample, inputs = data.draw(op_inputs(REGISTRY[name], d), label="inputs")
    v = judge(name, sample.attrs, inputs)
    assert right(v, dtype), explain(v)


def _smooth(op: OpDef) -> bool:
    return not op.kinks and unknown("fd")(op)


@per_op(dtypes=("float64",), ops=SWEEPABLE, where=_smooth)
@few(2)
@given(data=st.data())
def test_fd_within_its_estimate_and_engine_agrees_with_fd(name, dtype, data):
    sample, inputs = data.draw(op_inputs(REGISTRY[name], symgrad.float64), label="inputs")
    v = judge(name, sample.attrs, inputs)
    assert v.status in RIGHT, explain(v)
    for e in v.elements:
        exact = float(e.exact)
        # FD's bound is twice its own Richardson estimate (oracle.tolerances.fd_tolerance).
        fd_bound = 2 * e.fd_error_estimate
        if e.status == "ok":
            assert abs(e.fd - exact) <= fd_bound, explain(v)
            engine_bound = e.tolerance_ulps * float(ulp(np.array(exact), "float64"))
            assert abs(e.engine - e.fd) <= engine_bound + fd_bound, explain(v)


@per_op(ops=SWEEPABLE, where=lambda op: bool(op.kinks) and unknown("kinks")(op))
@few(2)
@given(data=st.data())
def test_gradient_at_declared_kinks(name, dtype, data):
    sample, inputs = data.draw(kinked_inputs(REGISTRY[name], _dtypes._by_name(dtype)),
                               label="inputs")
    v = judge(name, sample.attrs, inputs)
    assert right(v, dtype), explain(v)


@per_op(ops=SWEEPABLE, where=unknown("edges"))
@few(1)
@given(data=st.data())
def test_edge_values_never_fail_unexplained(name, dtype, data):
    sample, inputs = data.draw(op_inputs(REGISTRY[name], _dtypes._by_name(dtype), edges=True),
                               label="inputs")
    with np.errstate(all="ignore"):
        v = judge(name, sample.attrs, inputs)
    # Overflow to inf/nan and an oracle out of its depth are explained verdicts, not failures.
    assert v.passed or right(v, dtype), explain(v)


@per_op(dtypes=("float32", "float64"), ops=SWEEPABLE,
        where=lambda op: op.double_backward and unknown("gradgrad")(op))
@few(1)
@given(data=st.data())
def test_second_order_matches_exact(name, dtype, data):
    sample, inputs = data.draw(op_inputs(REGISTRY[name], _dtypes._by_name(dtype)),
                               label="inputs")
    v = judge(name, sample.attrs, inputs, order=2)
    assert right(v, dtype), explain(v)


# -- requires_grad, dtype and shape of gradients ------------------------------------------------
def _float_op(op: OpDef) -> bool:
    return any(d.is_floating_point for d in op.dtypes)


@pytest.mark.parametrize("name", [n for n in sorted(REGISTRY) if _float_op(REGISTRY[n])])
@few(3)
@given(data=st.data())
def test_requires_grad_propagation(name, data):
    op = REGISTRY[name]
    d = data.draw(st.sampled_from([d for d in _dtypes.FLOATING if d in op.dtypes]), label="dtype")
    sample, inputs = data.draw(op_inputs(op, d), label="inputs")
    for t in inputs:
        if t.dtype.is_floating_point:
            t.requires_grad_(data.draw(st.booleans(), label="requires_grad"))
    any_rg = any(t.requires_grad for t in inputs)
    out = apply(op, *inputs, **sample.attrs)
    expected = any_rg and op.vjp is not None and out.dtype.is_floating_point
    assert out.requires_grad is expected
    assert (out.grad_fn is not None) is expected
    assert out.is_leaf is not expected
    with symgrad.no_grad():
        quiet = apply(op, *inputs, **sample.attrs)
    assert not quiet.requires_grad and quiet.grad_fn is None
    assert all(t.is_leaf and t.grad_fn is None for t in inputs)


@per_op(ops=SWEEPABLE)
@few(1)
@given(data=st.data())
def test_gradient_dtype_and_shape_equal_the_leaf(name, dtype, data):
    op = REGISTRY[name]
    sample, inputs = data.draw(op_inputs(op, _dtypes._by_name(dtype)), label="inputs")
    out = apply(op, *inputs, **sample.attrs)
    out.backward(symgrad.ones_like(out))
    for t in inputs:
        if t.requires_grad:
            assert t.grad is not None
            assert t.grad.dtype is t.dtype and t.grad.shape == t.shape


# -- linearity and accumulation -----------------------------------------------------------------
@per_op(dtypes=("float64",), ops=SWEEPABLE)
@few(1)
@given(data=st.data(), a=st.floats(-3, 3), b=st.floats(-3, 3))
def test_gradient_is_linear_and_accumulates(name, dtype, data, a, b):
    op = REGISTRY[name]
    sample, inputs = data.draw(op_inputs(op, symgrad.float64), label="inputs")
    leaves = [t for t in inputs if t.requires_grad]
    out = apply(op, *inputs, **sample.attrs)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    w1 = symgrad.tensor(rng.standard_normal(out.shape), dtype=symgrad.float64)
    w2 = symgrad.tensor(rng.standard_normal(out.shape), dtype=symgrad.float64)
    f, g = (out * w1).sum(), (out * w2).sum()
    gf = symgrad.autograd.grad([f], leaves, retain_graph=True, allow_unused=True)
    gg = symgrad.autograd.grad([g], leaves, retain_graph=True, allow_unused=True)
    (a * f + b * g).backward(retain_graph=True)
    first = [t.grad._data.copy() for t in leaves]
    for t, x, y, got in zip(leaves, gf, gg, first, strict=True):
        want = a * (0 if x is None else x._data) + b * (0 if y is None else y._data)
        scale = abs(a) * np.abs(0 if x is None else x._data) + abs(b) * np.abs(
            0 if y is None else y._data)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * (1 + scale.max()),
                                   err_msg=f"{name}: {t.shape}")
    # A second backward adds the same contributions again: exactly twice the first.
    (a * f + b * g).backward()
    for t, got in zip(leaves, first, strict=True):
        np.testing.assert_array_equal(t.grad._data, 2 * got)
