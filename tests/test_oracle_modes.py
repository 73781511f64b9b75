"""The exact oracle's modes and edges: kinks, unsupported graphs, budgets, local vs whole
expression, second order, custom Functions, the SymEngine back end."""

from __future__ import annotations

import dataclasses
import time

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import oracle
import symgrad
from symgrad.ops.registry import REGISTRY, apply

mp = mpmath.mpf


def t(values, requires_grad=True):
    return symgrad.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# -- kinks ----------------------------------------------------------------------------------------
def test_relu_at_zero_is_a_kink_with_expected_zero():
    x = t([0.0, 2.0])
    r = oracle.exact_grad(apply(REGISTRY["relu"], x).sum(), x)
    assert r.status == "kink"
    assert list(r.float64[0]) == [0.0, 1.0]
    (k,) = r.kinks
    assert (k.input, k.index, k.op, k.convention) == (0, (0,), "relu", "zero")
    assert k.expected == 0 and k.one_sided == (0, 1)


def test_abs_at_zero_one_sided_minus_one_and_one():
    x = t([0.0])
    r = oracle.exact_grad(apply(REGISTRY["abs"], x).sum(), x)
    (k,) = r.kinks
    assert k.one_sided == (-1, 1) and k.expected == 0 and r.status == "kink"


def test_maximum_tie_splits_evenly():
    a, b = t([1.5, 2.0]), t([1.5, 0.0])
    r = oracle.exact_grad(apply(REGISTRY["maximum"], a, b).sum(), [a, b])
    assert list(r.float64[0]) == [0.5, 1.0] and list(r.float64[1]) == [0.5, 0.0]
    assert {(k.input, k.index) for k in r.kinks} == {(0, (0,)), (1, (0,))}


def test_max_all_three_way_tie_and_max_dim_first_index():
    x = t([[3.0, 1.0, 3.0], [3.0, 0.0, 2.0]])
    r = oracle.exact_grad(apply(REGISTRY["max_all"], x), x)
    np.testing.assert_array_equal(r.float64[0], [[1 / 3, 0, 1 / 3], [1 / 3, 0, 0]])
    assert r.status == "kink" and len(r.kinks) == 3
    r = oracle.exact_grad(apply(REGISTRY["max_dim"], x, dim=1, keepdim=False).sum(), x)
    np.testing.assert_array_equal(r.float64[0], [[1, 0, 0], [1, 0, 0]])


def test_clamp_boundary_and_kink_inside_a_composition():
    x = t([0.5, -0.25])
    y = apply(REGISTRY["clamp"], x * 2.0, min=-1.0, max=1.0)
    r = oracle.exact_grad(y.sum(), x)
    assert r.status == "kink" and list(r.float64[0]) == [2.0, 2.0]
    (k,) = r.kinks
    assert k.index == (0,) and k.one_sided == (2, 0) and k.convention == "one"


def test_a_kink_that_does_not_reach_the_input_is_not_reported():
    x = t([0.0])
    r = oracle.exact_grad(apply(REGISTRY["relu"], x) * 0.0 + x, x)
    assert r.status == "ok" and r.float64[0][0] == 1.0


def test_std_of_equal_elements():
    x = t([1.5, 1.5])
    r = oracle.exact_grad(apply(REGISTRY["std"], x, dim=None, correction=1, keepdim=False), x)
    assert r.status == "kink" and list(r.float64[0]) == [0.0, 0.0]
    assert r.kinks[0].one_sided[1] == 1 / mpmath.sqrt(2) or r.kinks[0].one_sided[1] > 0


# -- unsupported and budgets ----------------------------------------------------------------------
class Cube(symgrad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x

    @staticmethod
    def sympy(x):
        return x**3


class Opaque(symgrad.autograd.Function):
    """A forward through NumPy, out of the engine's graph: the oracle has no op to read."""

    @staticmethod
    def forward(ctx, x):
        return symgrad.tensor(x.detach().numpy() * 2, dtype=x.dtype)


class InOps(Opaque):
    """The same forward in the engine's ops: judged through them, without a sympy method."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_custom_function_with_and_without_sympy_meaning():
    x = t([0.5, -2.0])
    r = oracle.exact_grad(Cube.apply(x).sum(), x)
    assert r.status == "ok" and list(r.float64[0]) == [0.75, 12.0]
    r = oracle.exact_grad(Opaque.apply(x).sum(), x)
    assert r.status == "unsupported" and "Opaque" in r.reason and r.grads == [None]
    r = oracle.exact_grad(InOps.apply(x).sum(), x)
    assert r.status == "ok" and list(r.float64[0]) == [2.0, 2.0]


def test_unknown_op_is_unsupported():
    x = t([1.0])
    y = x * 2.0
    y.grad_fn.op = dataclasses.replace(y.grad_fn.op, name="mystery_op")
    r = oracle.exact_grad(y.sum(), x)
    assert r.status == "unsupported" and "mystery_op" in r.reason


def test_saved_value_modified_in_place_is_unsupported():
    x = t([1.0, 2.0])
    y = x * 1.0
    z = y * y
    with symgrad.no_grad():
        y._data += 1
        y._version += 1
    r = oracle.exact_grad(z.sum(), x)
    assert r.status == "unsupported" and "in place" in r.reason


def test_size_budget_gives_up_quickly():
    # A product of 64 elements is a SymPy expression of its elements (mm would be a linear
    # map, whose cost no longer depends on a size budget).
    x = t(np.linspace(0.5, 1.5, 64).reshape(8, 8))
    y = apply(REGISTRY["prod_all"], x)
    start = time.monotonic()
    r = oracle.exact_grad(y.sum(), x, size_budget=50)
    assert r.status == "oracle-gave-up" and "size budget" in r.reason
    assert time.monotonic() - start < 2


def test_time_budget_gives_up_quickly():
    x = t([0.5])
    y = x
    for _ in range(400):
        y = y.tanh() * y + y
    start = time.monotonic()
    r = oracle.exact_grad(y.sum(), x, mode="whole", time_budget=0.3)
    assert r.status == "oracle-gave-up" and "budget" in r.reason
    assert time.monotonic() - start < 3


def test_the_time_budget_counts_the_judges_own_cpu_time():
    """A budget spent waiting (a machine busy with other work) is not spent: the deadline is
    on the process's CPU time, so a check's verdict does not depend on the machine's load."""
    from oracle.exact import _alarm, _Budget, _GaveUp

    budget = _Budget(0.2, 10**6)
    with _alarm(budget):
        time.sleep(0.5)  # waits on the wall clock, spends no CPU time
        budget.check()
    budget = _Budget(0.2, 10**6)
    with pytest.raises(_GaveUp), _alarm(budget):
        while True:  # spends CPU time: the timer interrupts it
            sum(range(1000))


# -- local partials against the whole expression --------------------------------------------------
UNARY = ["exp", "tanh", "sin", "sigmoid", "atan", "neg", "softplus_"]
BINARY = ["add", "mul", "sub", "div_safe", "maximum"]


def _program(draw_ops, leaves):
    """A small random DAG over the leaves from a list of (kind, op, operand choices)."""
    values = list(leaves)
    for kind, name, i, j in draw_ops:
        a, b = values[i % len(values)], values[j % len(values)]
        if kind == "u":
            if name == "softplus_":
                values.append(apply(REGISTRY["softplus"], a, beta=1.0, threshold=20.0))
            else:
                values.append(apply(REGISTRY[name], a))
        elif kind == "b":
            if name == "div_safe":
                values.append(a / (b * b + 1.0))
            elif name in ("add", "sub"):
                values.append(apply(REGISTRY[name], a, b, alpha=1.5))
            else:
                values.append(apply(REGISTRY[name], a, b))
        else:
            values.append(apply(REGISTRY[name], a, dim=(0,), keepdim=True) if name == "sum"
                          else apply(REGISTRY[name], a, dim=0))
    return values[-1]


step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(UNARY), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("b"), st.sampled_from(BINARY), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("r"), st.sampled_from(["sum", "softmax", "cumsum"]), st.integers(0, 20),
              st.integers(0, 20)),
)


@given(ops=st.lists(step, min_size=1, max_size=6),
       data=st.lists(st.integers(-16, 16), min_size=4, max_size=4))
def test_local_and_whole_expression_agree(ops, data):
    x = t(np.array(data[:2]) / 8)
    y = t(np.array(data[2:]) / 8 + 0.0625)
    out = _program(ops, [x, y])
    if not out.requires_grad:
        return
    w = t(np.linspace(-1, 1.5, out.numel()).reshape(out.shape), False)
    local = oracle.exact_grad(out, [x, y], w, digits=40)
    whole = oracle.exact_grad(out, [x, y], w, digits=40, mode="whole")
    assert whole.status == "ok", whole.reason
    if local.status == "kink":
        return
    assert local.status == "ok", local.reason
    with mpmath.workdps(50):
        for a, b in zip(local.grads, whole.grads, strict=True):
            if a is None:
                assert b is None
                continue
            for u, v in zip(a.flat, b.flat, strict=True):
                assert abs(u - v) <= mp(10) ** -35 * max(1, abs(v)), (u, v)
        for u, v in zip(np.asarray(local.forward).flat, np.asarray(whole.forward).flat,
                        strict=True):
            assert abs(u - v) <= mp(10) ** -35 * max(1, abs(v))


# -- second order ---------------------------------------------------------------------------------
def test_hvp_closed_form_and_against_whole_expression():
    x = t([0.5, -0.75])
    y = (x.tanh() * x).sum() * x.exp().sum()
    v = [np.array([1.0, -2.0])]
    local = oracle.exact_hvp(y, x, v)
    whole = oracle.exact_hvp(y, x, v, mode="whole")
    with mpmath.workdps(50):
        a, b = mp(0.5), mp(-0.75)

        def f(p, q):
            return (mpmath.tanh(p) * p + mpmath.tanh(q) * q) * (mpmath.exp(p) + mpmath.exp(q))

        h = [[mpmath.diff(f, (a, b), (2, 0)), mpmath.diff(f, (a, b), (1, 1))],
             [mpmath.diff(f, (a, b), (1, 1)), mpmath.diff(f, (a, b), (0, 2))]]
        want = [h[0][0] - 2 * h[0][1], h[1][0] - 2 * h[1][1]]
        for got in (local.grads[0], whole.grads[0]):
            for u, w in zip(got, want, strict=True):
                assert abs(u - w) < mp(10) ** -25


def test_full_hessian_of_a_reduction_graph():
    x = t([0.5, 1.25, -1.0])
    y = apply(REGISTRY["logsumexp"], x, dim=(0,), keepdim=False)
    (row,) = oracle.exact_hessian(y, x)
    (h,) = row
    with mpmath.workdps(50):
        e = [mpmath.exp(mp(v)) for v in (0.5, 1.25, -1.0)]
        s = [v / sum(e) for v in e]
        for i in range(3):
            for j in range(3):
                want = s[i] * (1 if i == j else 0) - s[i] * s[j]
                assert abs(h[i, j] - want) < mp(10) ** -35


def test_second_derivative_of_a_create_graph_gradient():
    x = t([0.75])
    (g,) = symgrad.autograd.grad((x * x * x).sum(), x, create_graph=True)
    r = oracle.exact_grad(g.sum(), x)
    assert r.status == "ok" and r.float64[0][0] == 6 * 0.75


# -- exactness and back ends ----------------------------------------------------------------------
def test_float32_inputs_enter_with_their_exact_binary_value():
    x = symgrad.tensor([0.1], requires_grad=True)
    r = oracle.exact_grad(x.exp().sum(), x, digits=50)
    with mpmath.workdps(60):
        want = mpmath.exp(mp(float(np.float32(0.1))))
        assert abs(r.grads[0][0] - want) < mp(10) ** -48
        assert abs(r.forward - want) < mp(10) ** -48


def test_digits_are_settable():
    x = t([0.5])
    r = oracle.exact_grad(x.tanh().sum(), x, digits=80)
    with mpmath.workdps(100):
        assert abs(r.grads[0][0] - mpmath.sech(mp(0.5)) ** 2) < mp(10) ** -78


def test_symengine_back_end_gives_the_same_digits():
    pytest.importorskip("symengine")
    x, y = t([0.5, -1.25]), t([1.5, 0.75])
    out = apply(REGISTRY["softmax"], (x.tanh() * y).exp() / (y * y + 1.0), dim=0)
    w = t([1.0, -2.0], False)
    a = oracle.exact_grad(out, [x, y], w, digits=45)
    b = oracle.exact_grad(out, [x, y], w, digits=45, backend="symengine")
    assert a.status == b.status == "ok"
    with mpmath.workdps(60):
        for ga, gb in zip(a.grads, b.grads, strict=True):
            for u, v in zip(ga.flat, gb.flat, strict=True):
                assert abs(u - v) <= mp(10) ** -44 * max(1, abs(u))


def test_cancelling_terms_and_the_derivative_expression():
    x, y = t([0.5, -1.0]), t([1.0, 2.0])
    r = oracle.exact_grad((x * y - y * x + x).sum(), [x, y])
    assert list(r.float64[0]) == [1.0, 1.0] and list(r.float64[1]) == [0.0, 0.0]
    r = oracle.exact_grad(x.tanh().sum(), x)
    assert str(r.expression) == "1 - tanh(self)**2"
    assert oracle.exact_grad((x.tanh() * x).sum(), x).expression is None


def test_unused_input_gets_none_and_exact_forward_of_several_outputs():
    x, z = t([0.5]), t([2.0])
    r = oracle.exact_grad((x * 3.0).sum(), [x, z])
    assert r.grads[1] is None and r.float64[0][0] == 3.0
    a, b = oracle.exact_forward([x * 3.0, z.exp()])
    assert a[0] == 1.5 and abs(b[0] - mpmath.exp(2)) < mp(10) ** -14


def test_casts_are_exact_identities_and_freed_graphs_still_read():
    a = symgrad.tensor([0.1], dtype=symgrad.float32, requires_grad=True)
    b = symgrad.tensor([0.1], dtype=symgrad.float64, requires_grad=True)
    y = (a * b).to(symgrad.float16).to(symgrad.float64).sum()
    y.backward()
    r = oracle.exact_grad(y, [a, b])
    assert r.status == "ok"
    assert r.grads[0][0] == mp(0.1) and r.grads[1][0] == mp(float(np.float32(0.1)))


def test_local_mode_time_budget_on_a_long_graph():
    x = t(np.linspace(-1, 1, 16))
    y = x
    for _ in range(300):
        y = (y.tanh() + x) * 0.5
    start = time.monotonic()
    r = oracle.exact_grad(y.sum(), x, time_budget=0.01)
    assert r.status == "oracle-gave-up" and "time budget" in r.reason
    assert time.monotonic() - start < 1
