"""NaN and +-inf inputs are judged by IEEE rules, never as numbers (issue 12, ``oracle.ieee``).

Expected values come from the mathematics: exp' = exp is NaN at NaN and inf at inf; tanh' =
1 - tanh**2 tends to 0 at +-inf; relu' is 0 or 1 on its two pieces. The wrong engines are the
registry's ops with a VJP that mishandles exactly those points.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.catalog import cases
from oracle.crosscheck import crosscheck
from symgrad.ops.elementwise import where
from symgrad.ops.registry import REGISTRY, apply

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NAN, INF = math.nan, math.inf


def _judge(op, values, dtype="float64", order=1, **attrs):
    x = symgrad.tensor(values, dtype=getattr(symgrad, dtype), requires_grad=True)
    kw = {"v": [np.ones(len(values))]} if order == 2 else {}
    return crosscheck(lambda t: apply(op, t, **attrs), [x], order=order, op=op.name,
                      grad_outputs=[np.ones(len(values))], **kw)


def _statuses(verdict):
    return [e.status for e in sorted(verdict.elements, key=lambda e: e.index)]


def _with_vjp(name, wrap):
    op = REGISTRY[name]
    original = op.vjp

    def vjp(g, *saved):
        return wrap(g, original(g, *saved))

    return dataclasses.replace(op, vjp=vjp)


def test_a_nan_propagates_and_an_infinity_is_the_limit():
    v = _judge(REGISTRY["exp"], [NAN, INF, -INF, 0.5])
    assert v.passed and _statuses(v) == ["ok"] * 4, v.message
    assert [e.engine for e in sorted(v.elements, key=lambda e: e.index)][1:3] == [INF, 0.0]


def test_a_number_where_the_nan_must_propagate_is_wrong():
    # exp' at NaN is NaN; this backward gives 0.5 there.
    op = _with_vjp("exp", lambda g, d: where(d != d, 0.5 * g, d))
    v = _judge(op, [NAN, 0.5])
    assert v.status == "engine-wrong" and not v.passed, v.message
    assert _statuses(v) == ["engine-wrong", "ok"]


def test_a_wrong_limit_at_infinity_is_wrong():
    # tanh' = 1 - tanh**2 -> 0 at +-inf; this backward gives 1 where tanh' rounds to 0.
    op = _with_vjp("tanh", lambda g, d: where(d == 0, g, d))
    v = _judge(op, [INF, -INF, 0.5])
    assert v.status == "engine-wrong", v.message
    assert _statuses(v) == ["engine-wrong", "engine-wrong", "ok"]


def test_a_selecting_backward_may_take_a_branch_at_nan_but_only_a_branch():
    assert _judge(REGISTRY["relu"], [NAN, 1.0]).passed
    op = _with_vjp("relu", lambda g, d: where(d == 1, 0.5 * g, d))
    v = _judge(op, [NAN, -1.0])
    assert v.status == "engine-wrong", v.message


def test_no_limit_means_only_nan_passes():
    # sin' = cos has no limit at infinity.
    v = _judge(REGISTRY["sin"], [INF, 0.5])
    assert v.passed and v.elements[0].engine != v.elements[0].engine, v.message
    op = _with_vjp("sin", lambda g, d: where(d != d, 0 * g, d))
    assert _judge(op, [INF, 0.5]).status == "engine-wrong"


def test_nonfinite_inputs_through_a_reduction_are_unjudged_never_passed():
    x = symgrad.tensor([NAN, 1.0], dtype=symgrad.float64, requires_grad=True)
    v = crosscheck(lambda t: t.exp().sum(), [x])
    assert v.status == "nonfinite" and not v.passed, v.message


def test_nan_at_the_second_order_propagates():
    v = _judge(REGISTRY["tanh"], [NAN, -INF, 0.25], order=2)
    assert v.passed, v.message


_UNARY = sorted(op for op in REGISTRY if any(
    math.isnan(p) for a in cases(op) for p in np.ravel(np.asarray(
        a.values.get("self", ()), dtype=object)) if isinstance(p, float)) and
    len(REGISTRY[op].args) == 1)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(op=st.sampled_from(_UNARY), dtype=st.sampled_from(["float16", "float32", "float64"]),
       finite=st.floats(-3, 3, allow_nan=False), bad=st.sampled_from([NAN, INF, -INF]),
       at=st.integers(0, 2))
@example(op="sigmoid", dtype="float16", finite=0.5, bad=-INF, at=0)
@example(op="relu", dtype="float32", finite=-1.0, bad=NAN, at=1)
def test_the_engine_is_never_wrong_at_nan_or_infinity(op, dtype, finite, bad, at):
    """The catalog's ops at NaN or +-inf among finite values: the correct engine is never
    blamed."""
    values = [finite] * 3
    values[at] = bad
    attrs = next((dict(a.attrs) for a in cases(op)), {})
    with np.errstate(all="ignore"):
        v = _judge(REGISTRY[op], values, dtype, **attrs)
    assert v.status not in ("engine-wrong", "oracle-suspect", "error"), v.message
    bad_element = next(e for e in v.elements if e.index == [at])
    assert bad_element.exact is None  # judged by IEEE rules, never as a number
