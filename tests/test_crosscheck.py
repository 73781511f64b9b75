"""Three-way verdicts: wrong VJPs are caught, correct ones pass in every float dtype, and
functions that defeat finite differences are blamed on FD, not on the engine.

The exact values come from a small SymPy stand-in written here from the mathematics (each test
function is written twice: in symgrad, judged, and in SymPy, the reference), so these tests do
not depend on the oracle's semantics table; the tests at the end use the real ``oracle.exact``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.crosscheck import crosscheck
from oracle.verdict import Verdict
from symgrad.ops.registry import REGISTRY, apply

FLOATS = [symgrad.float16, symgrad.bfloat16, symgrad.float32, symgrad.float64]


@dataclass
class StandIn:
    status: str
    reason: str
    grads: list[np.ndarray]
    float64: list[np.ndarray]
    kinks: list[Any] = field(default_factory=list)


def sympy_oracle(meaning):
    """``exact_grad``/``exact_hvp`` for a function whose SymPy meaning is ``meaning`` (object
    arrays in, a list of object arrays out), exact at the binary values of the inputs (read
    from the recorded graph ``crosscheck`` passes)."""

    def setup(graph, grad_outputs, digits):
        xs = [np.asarray(graph.nodes[nid].value, dtype=np.float64) for nid in graph.inputs]
        syms = [np.array([sympy.Symbol(f"x{i}_{j}", real=True) for j in range(a.size)],
                         dtype=object).reshape(a.shape) for i, a in enumerate(xs)]
        outs = meaning(*syms)
        gos = [np.asarray(g, dtype=np.float64) for g in grad_outputs]
        loss = sum(sympy.Rational(float(g)) * o for go, out in zip(gos, outs, strict=True)
                   for g, o in zip(go.ravel(), np.ravel(out), strict=True))
        subs = {s: sympy.Rational(float(v)) for ss, a in zip(syms, xs, strict=True)
                for s, v in zip(ss.ravel(), a.ravel(), strict=True)}
        return xs, syms, loss, subs

    def result(values, xs, digits):
        with mpmath.workdps(digits):
            grads = [np.array([mpmath.mpf(str(sympy.N(e, digits))) for e in vals], dtype=object)
                     .reshape(a.shape) for vals, a in zip(values, xs, strict=True)]
        return StandIn("ok", "", grads, [g.astype(float) for g in grads])

    def exact_grad(graph, inputs, grad_outputs=None, *, digits=40, **_):
        xs, syms, loss, subs = setup(graph, grad_outputs, digits)
        return result([[sympy.diff(loss, s).subs(subs) for s in ss.ravel()] for ss in syms],
                      xs, digits)

    def exact_hvp(graph, inputs, v, *, grad_outputs=None, digits=40, **_):
        xs, syms, loss, subs = setup(graph, grad_outputs, digits)
        vs = [np.asarray(a, dtype=np.float64) for a in v]
        dir_grad = sum(sympy.Rational(float(c)) * sympy.diff(loss, s)
                       for ss, vv in zip(syms, vs, strict=True)
                       for s, c in zip(ss.ravel(), vv.ravel(), strict=True))
        return result([[sympy.diff(dir_grad, s).subs(subs) for s in ss.ravel()] for ss in syms],
                      xs, digits)

    return {"exact_grad": exact_grad, "exact_hvp": exact_hvp}


def _vec(f):
    return np.vectorize(f, otypes=[object])


def leaf(values, dtype=symgrad.float64):
    return symgrad.tensor(np.asarray(values, dtype=np.float64), dtype=dtype, requires_grad=True)


@pytest.fixture(params=["standin", "exact"])
def judge(request):
    """Judge with the SymPy stand-in, and again with the real oracle (``oracle.exact``)."""
    if request.param == "standin":
        return sympy_oracle
    return lambda meaning: {}


@pytest.fixture
def mutate():
    """Replace ``REGISTRY[name]`` by a copy with another VJP for one test, then restore it."""
    saved: dict[str, Any] = {}

    def replace(name, vjp):
        saved.setdefault(name, REGISTRY[name])
        REGISTRY[name] = dataclasses.replace(REGISTRY[name], vjp=vjp)
        return REGISTRY[name]

    yield replace
    REGISTRY.update(saved)


# -- correct ops pass in every float dtype ------------------------------------------------------
CORRECT = {
    "mul": (lambda a, b: apply(REGISTRY["mul"], a, b), lambda a, b: [a * b],
            [[0.75, -1.5, 2.0], [1.25, 0.5, -3.0]]),
    "div": (lambda a, b: apply(REGISTRY["div"], a, b), lambda a, b: [a / b],
            [[0.75, -1.5, 2.0], [1.25, 0.5, -3.0]]),
    "tanh": (lambda a: apply(REGISTRY["tanh"], a), lambda a: [_vec(sympy.tanh)(a)],
             [[0.25, -1.0, 2.5]]),
    "exp": (lambda a: apply(REGISTRY["exp"], a), lambda a: [_vec(sympy.exp)(a)],
            [[0.25, -1.0, 2.5]]),
    "log": (lambda a: apply(REGISTRY["log"], a), lambda a: [_vec(sympy.log)(a)],
            [[0.25, 1.5, 3.0]]),
    "broadcast_mul_sum": (lambda a, b: (a * b).sum(), lambda a, b: [np.sum(a * b)],
                          [[[0.5], [-2.0]], [1.5, 0.25, -1.0]]),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.name)
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_ops_are_ok_in_every_dtype(name, dtype, judge):
    fn, meaning, values = CORRECT[name]
    xs = [leaf(v, dtype) for v in values]
    v = crosscheck(fn, xs, **judge(meaning))
    assert v.status == "ok", v.message
    assert v.dtype == dtype.name
    assert all(e.ulp_error <= e.tolerance_ulps for e in v.elements)


def test_second_order_ok_and_json():
    x = leaf([0.5, -1.25])
    direction = symgrad.tensor([1.0, 2.0], dtype=symgrad.float64)
    v = crosscheck(lambda x: (x * x * x).sum(), [x], order=2, v=[direction],
                   **sympy_oracle(lambda x: [np.sum(x * x * x)]))
    assert (v.status, v.check, v.order) == ("ok", "gradgrad", 2)
    # The Hessian of sum(x³) is diag(6x).
    assert [e.engine for e in v.elements] == [3.0, -15.0]
    assert [float(e.exact) for e in v.elements] == [3.0, -15.0]
    back = Verdict.from_json(json.loads(json.dumps(v.to_json())))
    assert back.status == "ok" and len(back.elements) == 2


# -- wrong VJPs are engine-wrong ----------------------------------------------------------------
def _wrong(name, vjp, fn, meaning, values, mutate, judge, dtype=symgrad.float64):
    op = mutate(name, vjp)
    xs = [leaf(v, dtype) for v in values]
    return crosscheck(lambda *a: fn(op, *a), xs, **judge(meaning))


@pytest.mark.parametrize("dtype", [symgrad.float32, symgrad.float64], ids=lambda d: d.name)
def test_wrong_sign(mutate, dtype, judge):
    v = _wrong("mul", lambda g, self, other: (-g * other, g * self),
               lambda op, a, b: apply(op, a, b), lambda a, b: [a * b],
               [[0.75, -1.5], [1.25, 0.5]], mutate, judge, dtype)
    assert v.status == "engine-wrong"
    assert {e.input for e in v.elements if e.status == "engine-wrong"} == {"x0"}


def test_factor_two(mutate, judge):
    tanh_vjp = REGISTRY["tanh"].vjp
    v = _wrong("tanh", functools.wraps(tanh_vjp)(lambda g, *saved: 2 * tanh_vjp(g, *saved)),
               lambda op, a: apply(op, a), lambda a: [_vec(sympy.tanh)(a)],
               [[0.25, -1.0]], mutate, judge)
    assert v.status == "engine-wrong"
    assert all(e.status == "engine-wrong" for e in v.elements)


def test_term_dropped(mutate, judge):
    # d(self/other)/d other = -self/other²: drop self.
    v = _wrong("div", lambda g, self, other: (g / other, -g / (other * other)),
               lambda op, a, b: apply(op, a, b), lambda a, b: [a / b],
               [[0.75, -1.5], [1.25, 0.5]], mutate, judge)
    assert v.status == "engine-wrong"
    assert [e.status for e in v.elements if e.input == "x0"] == ["ok", "ok"]


def test_broadcast_reduction_skipped(mutate, judge):
    # expand (2, 1) -> (2, 3): the gradient must add the three copies; this keeps one.
    v = _wrong("expand", lambda g, *, self_shape: g.sum_to_size(self_shape) / 3,
               lambda op, a: apply(op, a, shape=(2, 3)).sum() * 1.0,
               lambda a: [np.sum(np.broadcast_to(a, (2, 3)))], [[[0.5], [-2.0]]], mutate, judge)
    assert v.status == "engine-wrong"


def test_reduction_over_wrong_axis(mutate, judge):
    # sum over dim 1 of (2, 2), gradient broadcast back along the wrong axis.
    def vjp(g, *, dim, keepdim, self_shape):
        return g.reshape((1, 2)).expand(self_shape)

    go = symgrad.tensor([1.0, -3.0], dtype=symgrad.float64)
    op = mutate("sum", vjp)
    x = leaf([[0.5, 1.5], [-2.0, 0.25]])
    v = crosscheck(lambda a: apply(op, a, dim=(1,), keepdim=False), [x], grad_outputs=[go],
                   **judge(lambda a: [np.sum(a, axis=1)]))
    assert v.status == "engine-wrong"


def test_matmul_not_transposed(mutate, judge):
    # d(A@B)/dA = g @ Bᵀ; the mutant forgets the transpose (square, so the shapes still fit).
    op = mutate("mm", lambda g, self, mat2: (g.mm(mat2), self.t().mm(g)))
    a, b = leaf([[0.5, 1.5], [-2.0, 0.25]]), leaf([[1.0, -0.5], [0.75, 2.0]])
    v = crosscheck(lambda a, b: apply(op, a, b), [a, b],
                   **judge(lambda a, b: [a.dot(b)]))
    assert v.status == "engine-wrong"
    assert {e.input for e in v.elements if e.status == "engine-wrong"} == {"x0"}


# -- functions that defeat finite differences ---------------------------------------------------
def test_catastrophic_cancellation_is_fd_unreliable(judge):
    # (x + 1e12) - 1e12 is x, but its float64 values move in steps of 2**-13.
    x = leaf([0.75, -1.25])
    v = crosscheck(lambda x: ((x + 1e12) - 1e12).sum(), [x],
                   **judge(lambda x: [np.sum(x)]))
    assert v.status == "fd-unreliable", v.message
    assert all(e.engine == 1.0 for e in v.elements)


def test_huge_third_derivative_is_fd_unreliable(judge):
    # tanh(1e6 x) near 0: f''' ~ 1e18, any affordable step straddles the whole transition.
    x = leaf([3e-7, -1e-7])
    v = crosscheck(lambda x: (x * 1e6).tanh().sum(), [x],
                   **judge(lambda x: [np.sum(_vec(sympy.tanh)(x * 1000000))]))
    assert v.status == "fd-unreliable", v.message


def test_next_to_a_kink_is_fd_unreliable(judge):
    # |x| written with where: 1e-12 is smooth, but every FD step crosses the kink at 0.
    x = leaf([1e-12, -1e-13])
    v = crosscheck(lambda x: symgrad.where(x > 0, x, -x).sum(), [x],
                   **judge(lambda x: [np.sum(_vec(sympy.Abs)(x))]))
    assert v.status == "fd-unreliable", v.message
    assert [e.engine for e in v.elements] == [1.0, -1.0]


# -- kinks (real oracle: it knows the declared conventions) -----------------------------------
def test_kink_with_the_declared_convention(mutate):
    x = leaf([0.0, 1.5, -2.0])
    v = crosscheck(lambda x: apply(REGISTRY["relu"], x).sum(), [x])
    assert v.status == "kink", v.message
    assert [e.status for e in v.elements] == ["kink", "ok", "ok"]
    # relu'(0) = 1 is a one-sided derivative, but not the convention the op declares.
    op = mutate("relu", lambda g, out: symgrad.where(out >= 0, g, 0.0))
    v = crosscheck(lambda x: apply(op, x).sum(), [leaf([0.0, 1.5])])
    assert v.status == "engine-wrong"
    assert [e.status for e in v.elements] == ["engine-wrong", "ok"]


# -- the record itself ---------------------------------------------------------------------------
def test_engine_error_is_error_verdict():
    def boom(x):
        raise ValueError("no")

    v = crosscheck(boom, [leaf([1.0])], **sympy_oracle(lambda x: [x]))
    assert v.status == "error" and "ValueError: no" in v.message


def test_reproducer_rebuilds_inputs_exactly():
    x = leaf([0.1, 1 / 3], symgrad.float32)
    v = crosscheck(lambda x: (x * x).sum(), [x], **sympy_oracle(lambda x: [np.sum(x * x)]))
    scope: dict[str, Any] = {}
    head = v.reproducer.split("\nverdict = ")[0]
    exec(compile(head, "<reproducer>", "exec"), scope)
    assert scope["x0"].dtype is symgrad.float32
    assert np.array_equal(scope["x0"]._data, x._data)
    assert scope["fn"](scope["x0"]).item() == (x * x).sum().item()


def test_wrong_oracle_is_oracle_suspect_and_large_inputs_keep_the_worst():
    # The reference below forgets that element 37 is doubled; engine and FD both know it.
    x = leaf(np.linspace(-1, 1, 100))
    c = symgrad.tensor(np.where(np.arange(100) == 37, 2.0, 1.0), dtype=symgrad.float64)
    v = crosscheck(lambda x: (x * c).sum(), [x], max_elements=8,
                   **sympy_oracle(lambda x: [np.sum(x)]))
    assert v.status == "oracle-suspect"
    assert v.wrong == "oracle"
    assert len(v.elements) == 8 and v.elements[0].index == [37]
    assert v.extra["counts"] == {"ok": 99, "oracle-suspect": 1}


# -- the real oracle over the catalog: a correct engine is never blamed ------------------------
def _catalog_checks():
    from oracle.sweep import plan

    first = {}
    for c in plan(second_order=True):
        if c.sample == 0 and (c.order == 1 or c.dtype == "float64"):
            first.setdefault(c.id, c)
    return list(first.values())


def test_every_catalog_op_in_every_float_dtype_clears_the_engine():
    from oracle.sweep import run_check

    blamed = []
    counts: dict[str, int] = {}
    for check in _catalog_checks():
        v = run_check(check)
        counts[v.status] = counts.get(v.status, 0) + 1
        if v.status in ("engine-wrong", "error"):
            blamed.append(f"{v.id}: {v.status}: {v.message[:200]}")
    assert not blamed, "\n".join(blamed)
    assert counts.get("ok", 0) > 0.8 * sum(counts.values()), counts


# -- counterexamples found by tests/test_properties.py ------------------------------------------
def test_overflow_to_infinity_is_the_correctly_rounded_gradient():
    # d/dself self**exponent = exponent * self**(exponent - 1) = -4 * 0.125**-5 = -131072,
    # past float16's largest finite value (65504): rounded to float16 it is -inf.
    x = symgrad.tensor([0.125], dtype=symgrad.float16, requires_grad=True)
    y = symgrad.tensor([-4.0], dtype=symgrad.float16, requires_grad=True)
    with np.errstate(all="ignore"):
        v = crosscheck(lambda a, b: apply(REGISTRY["pow_tensor"], a, b), [x, y], op="pow_tensor")
    exact = -4 * mpmath.mpf(0.125) ** -5
    assert exact == -131072 and float(exact) < -65520
    self_el = v.elements[0]
    assert self_el.engine == -math.inf and mpmath.mpf(self_el.exact) == exact
    assert self_el.status == "ok" and v.status == "ok"


def test_overflow_is_not_confused_with_a_finite_gradient_or_a_pole():
    from oracle.crosscheck import _in_dtype, _status

    # float16's largest finite value is 65504 = (2 - 2**-10) * 2**15; halfway to 2**16 (65520)
    # and beyond round to inf (ties to even: 65504's last mantissa bit is odd).
    assert _in_dtype(np.array([65519.0, 65520.0, -131072.0]), "float16").tolist() == [
        65504.0, math.inf, -math.inf]
    assert _in_dtype(np.array([3.4e38]), "bfloat16").tolist() == [math.inf]
    assert _status(-math.inf, -131072.0, -131072.0, 1.0, 1.0, 1.0, -math.inf) == "ok"
    # Engine inf where the exact value rounds to a finite number is wrong; an exact inf (a
    # pole: sqrt'(0) = 1 / (2 sqrt(0))) is no overflow, and by IEEE rules the same infinity is
    # its value, any other value is not.
    assert _status(-math.inf, -60000.0, -60000.0, 1.0, 1.0, 1.0, -60000.0) == "engine-wrong"
    assert _status(math.inf, math.inf, 1e300, 1.0, 1.0, 1.0, math.inf) == "ok"
    assert _status(-math.inf, math.inf, 1e300, 1.0, 1.0, 1.0, math.inf) == "nonfinite"
    assert _status(1e300, math.inf, 1e300, 1.0, 1.0, 1.0, math.inf) == "nonfinite"
    z = symgrad.tensor([0.0], dtype=symgrad.float16, requires_grad=True)
    with np.errstate(all="ignore"):
        v = crosscheck(lambda z: z.sqrt().sum(), [z])
    assert v.elements[0].engine == math.inf and v.elements[0].status == "ok"


def _fake_exact(values):
    from oracle.exact import ExactResult

    grads = [np.array([mpmath.mpf(float(a)) for a in v.ravel()], dtype=object).reshape(v.shape)
             for v in values]
    return ExactResult("ok", "", grads, [np.asarray(v, np.float64) for v in values])


def test_a_leaf_that_does_not_reach_the_output_has_gradient_zero():
    # y is not used: the engine gives None, the exact gradient is 0.
    x = symgrad.tensor([0.5, -1.0], requires_grad=True)
    y = symgrad.tensor([2.0, 3.0], requires_grad=True)
    v = crosscheck(lambda x, y: (x * x).sum(), [x, y])
    assert v.status == "ok"
    ys = [e for e in v.elements if e.input == "x1"]
    assert [(e.engine, mpmath.mpf(e.exact), e.status) for e in ys] == [(0.0, 0, "ok")] * 2
    # The oracle has no gradient for it (None): the crosscheck reads that as zeros.
    import oracle

    assert oracle.exact_grad((x * x).sum(), [x, y]).grads[1] is None


def _judge(name, *values, dtype=symgrad.float64, **attrs):
    ts = [symgrad.tensor(np.asarray(a, np.float64), dtype=dtype, requires_grad=True)
          for a in values]
    with np.errstate(all="ignore"):
        return crosscheck(lambda *xs: apply(REGISTRY[name], *xs, **attrs), ts, op=name,
                          attrs=attrs)


@pytest.mark.parametrize("dtype", [symgrad.float32, symgrad.float64])
def test_norm_inf_ties_split_evenly(dtype):
    v = _judge("norm", [[0.25, 0.25, 0.25], [1.5, -1.5, -0.5]], dtype=dtype, p=math.inf,
               dim=(1,), keepdim=False)
    assert v.passed and v.status == "kink", v.message
    # Each of the three tied elements gets a third of its row's weight.
    g = np.array([1 / 3, 1 / 3, 1 / 3])
    w = [e.engine for e in v.elements[:3]]
    assert np.allclose(np.array(w) / w[0], g / g[0])


def test_norm_negative_p_with_a_zero_is_judged():
    v = _judge("norm", [[0.0, -1.5, 0.0], [-0.75, 0.5, 2.0]], dtype=symgrad.float32, p=-1.0,
               dim=(0,), keepdim=False)
    assert v.passed and all(e.status in ("ok", "kink") for e in v.elements), v.message


def test_std_on_a_tie_is_a_kink():
    v = _judge("std", np.full((2, 3), 0.015), dim=None, correction=0, keepdim=False)
    assert v.status == "kink" and all(e.engine == 0.0 for e in v.elements), v.message


def test_clamp_tensor_with_equal_bounds_is_a_kink():
    v = _judge("clamp_tensor", [0.5, 1.0, 2.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert v.passed, v.message
    by = {(e.input, e.index[0]): e.status for e in v.elements}
    assert by[("min", 0)] == by[("max", 0)] == "kink"


@pytest.mark.parametrize("dtype, y, x", [(symgrad.float16, 0.0, 2.0**-24),
                                         (symgrad.float32, 2.0**-126, 2.0**-149),
                                         (symgrad.float64, 1.0, 5e-324)])
def test_atan2_with_a_subnormal_other_clears_the_engine(dtype, y, x):
    v = _judge("atan2", [y], [x], dtype=dtype)
    assert v.status in ("ok", "fd-unreliable", "nonfinite"), v.message
    assert all(e.status != "engine-wrong" for e in v.elements)


class _CubeTwoThirds(symgrad.autograd.Function):
    """x**3 (its meaning given), with the backward 2 x**2 where the derivative is 3 x**2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x ** 2

    @staticmethod
    def sympy(x):
        return x ** 3


def test_failure_message_reads_like_assert_close_in_ulps():
    x = symgrad.tensor([1.0, 2.0, -0.5], dtype=symgrad.float32, requires_grad=True)
    v = crosscheck(lambda x: _CubeTwoThirds.apply(x).sum(), [x])
    lines = v.message.splitlines()
    assert lines[0] == "Gradients are not close! (3 engine-wrong)" and lines[1] == ""
    assert lines[2] == "Mismatched elements: 3 / 3 (100.0%)"
    # Each element is 1/3 low; in float32 ULPs the worst is the largest relative to its
    # spacing: 3 x**2 / 3 over spacing(3 x**2), at x = -0.5 (0.75, the top of its binade).
    expected = {i: abs(3 * a * a / 3) / np.spacing(np.float32(3 * a * a))
                for i, a in enumerate([1.0, 2.0, -0.5])}
    worst = max(expected, key=expected.get)
    assert lines[3] == (f"Greatest ULP error: {expected[worst]:.3g} at index ({worst},) of x0 "
                        f"(up to {lines[3].split('up to ')[1]}")
    assert lines[4] == f"  symgrad: {2 * [1.0, 2.0, -0.5][worst] ** 2!r}"
    assert mpmath.mpf(lines[5].split(": ")[1]) == 3 * [1.0, 2.0, -0.5][worst] ** 2
    assert lines[6].startswith("  fd:    ")
    assert lines[7].startswith("node _CubeTwoThirdsBackward alone: gives ")


_NAMES = ["float16", "bfloat16", "float32", "float64"]


@settings(max_examples=6, deadline=None, derandomize=True)
@given(st.sampled_from(_NAMES), st.sampled_from(_NAMES), st.sampled_from([1, 2]))
@example("float16", "float64", 1)
@example("float32", "float16", 2)
def test_a_gradient_in_another_dtype_than_its_input_is_engine_wrong(dtype, given, order):
    """PyTorch's autograd gives each input's gradient the input's dtype: an engine handing back
    another (float64 for a float16 input holds values float16 cannot) is wrong, and the verdict
    names the input and both dtypes."""
    from oracle.engines import get

    assume(dtype != given)
    adapter = type(get("symgrad"))
    record = adapter.record

    def converted(self, *args, **kwargs):
        rec = record(self, *args, **kwargs)
        to = getattr(symgrad, given).np
        rec.grads = [g.astype(to) for g in rec.grads]
        rec.hvp = None if rec.hvp is None else [h.astype(to) for h in rec.hvp]
        return rec

    x = symgrad.tensor([0.5, 2.0], dtype=getattr(symgrad, dtype), requires_grad=True)
    assert crosscheck(lambda t: t.exp(), [x], order=order).status == "ok"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adapter, "record", converted)
        v = crosscheck(lambda t: t.exp(), [x], order=order)
    assert (v.status, v.passed) == ("engine-wrong", False)
    assert v.message == f"the engine's gradient of x0 is {given} where x0 is {dtype}"
