"""The sweep and its sample inputs: planning, error handling, and what the samples guarantee."""

from __future__ import annotations

import dataclasses
import math

import ml_dtypes
import numpy as np
import pytest

import symgrad
from oracle.catalog import cases
from oracle.engines.symgrad_engine import ADAPTER
from oracle.engines.symgrad_samples import MARGIN, make_samples, op_call
from oracle.samples import domain_of, samples_of
from oracle.sweep import FLOAT_DTYPES, plan, run_check, sweep, sweepable_ops
from oracle.verdict import Verdict
from symgrad.ops.registry import REGISTRY

NP = {"float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32,
      "float64": np.float64}


def fd_judge(fn, inputs, *, order=1, op=None, check_id=None, **kw):
    """A stand-in judge: engine VJP against float64 central differences (first order only)."""
    out = fn(*inputs)
    w = np.linspace(0.5, 1.5, out._data.size).reshape(out._data.shape)
    out.backward(symgrad.tensor(w.tolist(), dtype=out.dtype))
    worst = 0.0
    for k, x in enumerate(inputs):
        base = [np.asarray(t._data, dtype=np.float64) for t in inputs]
        for idx in np.ndindex(base[k].shape):
            def f(delta, base=base, idx=idx, k=k):
                moved = [b.copy() for b in base]
                moved[k][idx] += delta
                with symgrad.no_grad():
                    ts = [symgrad.tensor(m.tolist(), dtype=symgrad.float64) for m in moved]
                    return float(np.sum(w * np.asarray(fn(*ts)._data, dtype=np.float64)))
            fd = (f(1e-6) - f(-1e-6)) / 2e-6
            engine = float(np.asarray(x.grad._data, dtype=np.float64)[idx])
            worst = max(worst, abs(engine - fd) / max(1.0, abs(fd)))
    status = "ok" if worst < 1e-4 else "engine-wrong"
    return Verdict(id=check_id, op=op, dtype=str(inputs[0].dtype).split(".")[-1],
                   check="grad", status=status, message=f"worst relative error {worst:.3g}")


def _declared(v):
    """A verdict of an op's seeded samples (oracle.samples): this file's judge, plain finite
    differences, is not fit for the catalog's (NaN, +-inf, the largest finite value)."""
    return int(v.id.split("/")[3][len("sample"):]) < len(samples_of(v.op))


def test_plan_ids_dtypes_and_second_order(monkeypatch):
    # The seeded samples, then the catalog's (oracle.catalog).
    n = len(samples_of("mul")) + len(cases("mul"))
    ids = [c.id for c in plan(["mul"], ["float64", "float16"])]
    assert ids[:2] == ["op/mul/float16/sample0/grad", "op/mul/float16/sample0/gradgrad"]
    assert len(ids) == 2 * 2 * n
    monkeypatch.setitem(REGISTRY, "mul", dataclasses.replace(
        REGISTRY["mul"], double_backward=False, dtypes=frozenset({symgrad.float64})))
    assert [c.id for c in plan(["mul"])] == [f"op/mul/float64/sample{i}/grad" for i in range(n)]
    with pytest.raises(KeyError):
        plan(["no_such_op"])
    with pytest.raises(ValueError):
        plan(["mul"], ["int64"])


def test_sweepable_ops_come_from_the_registry():
    ops = sweepable_ops()
    expected = sorted(n for n, op in REGISTRY.items() if op.vjp is not None and op.differentiable
                      and any(getattr(symgrad, d) in op.dtypes for d in FLOAT_DTYPES))
    assert ops == expected and {"add", "mul", "tanh", "sum"} <= set(ops)


def test_a_raising_check_becomes_an_error_verdict_and_the_sweep_goes_on():
    def judge(fn, inputs, **kw):
        if kw["op"] == "add":
            raise ZeroDivisionError("judge fell over")
        return fd_judge(fn, inputs, **kw)

    verdicts = [v for v in sweep(["add", "mul"], ["float64"], second_order=False,
                                 crosscheck=judge) if _declared(v)]
    by_op = {v.op: [] for v in verdicts}
    for v in verdicts:
        by_op[v.op].append(v.status)
    assert set(by_op["add"]) == {"error"} and set(by_op["mul"]) == {"ok"}
    err = next(v for v in verdicts if v.op == "add")
    assert "ZeroDivisionError: judge fell over" in err.message and not err.passed
    assert err.reproducer and "REGISTRY['add']" in err.reproducer


def test_a_wrong_vjp_is_caught_through_the_sweep(monkeypatch):
    wrong = dataclasses.replace(REGISTRY["mul"], vjp=lambda g, self, other: (g * other, g * other))
    monkeypatch.setitem(REGISTRY, "mul", wrong)
    statuses = {run_check(c, fd_judge).status for c in plan(["mul"], ["float64"], False)
                if c.sample < len(samples_of("mul"))}
    assert statuses == {"engine-wrong"}


def test_reproducer_reruns_the_same_call():
    check = plan(["mul"], ["float32"], False)[1]
    sample = make_samples("mul", "float32")[1]
    code = ADAPTER.case("mul", "float32", 1).reproducer(1).replace("print(crosscheck",
                                                                  "(crosscheck")
    scope: dict = {}
    exec(code.split("\n(crosscheck")[0], scope)
    out = scope["fn"](scope["self"], scope["other"])
    np.testing.assert_array_equal(out._data, op_call("mul", sample)._data)
    assert check.id == "op/mul/float32/sample1/grad"


def test_samples_are_deterministic_and_exact_in_their_dtype():
    for name in ("mul", "tanh", "log", "where", "sum"):
        for d in FLOAT_DTYPES:
            a, b = make_samples(name, d), make_samples(name, d)
            for s, t in zip(a, b, strict=True):
                assert s.attrs == t.attrs
                for k in s.arrays:
                    np.testing.assert_array_equal(s.arrays[k], t.arrays[k])
                    if k in s.differentiable():
                        assert s.arrays[k].dtype == NP[d]
                        v64 = s.arrays[k].astype(np.float64)
                        np.testing.assert_array_equal(v64 * 64, np.round(v64 * 64))


@pytest.mark.parametrize("name", sweepable_ops())
def test_samples_keep_away_from_edges_kinks_and_ties(name):
    op = REGISTRY[name]
    for s in make_samples(name, "float64"):
        values = []
        numbers = [float(v) for v in s.attrs.values()
                   if isinstance(v, int | float) and not isinstance(v, bool)]
        for k in s.differentiable():
            if k in samples_of(op.name)[int(s.id[6:])].make:
                continue
            dom = domain_of(op.name, k)
            x = s.arrays[k].ravel()
            if not dom.integer:
                assert np.all(x > dom.low) and np.all(x < dom.high)
                assert np.all(np.abs(x) <= max(2.0, abs(dom.low) + 2.0)), "moderate magnitudes"
                half = np.abs(2 * x - np.round(2 * x)) / 2
                if np.all(half >= MARGIN):
                    for a in numbers:
                        assert np.all(np.abs(x - a) >= MARGIN - 1e-12)
            values.extend(x.tolist())
        if not any(domain_of(op.name, k).integer for k in s.differentiable()) and \
                len(values) <= 100:
            assert len(set(values)) == len(values), "no ties between input elements"
        assert all(math.isfinite(v) for v in values)


def test_op_call_looks_the_op_up_when_called(monkeypatch):
    s = make_samples("mul", "float64")[0]
    product = op_call("mul", s)._data
    np.testing.assert_array_equal(product, s.arrays["self"] * s.arrays["other"])
    monkeypatch.setitem(REGISTRY, "mul", dataclasses.replace(
        REGISTRY["mul"], forward=lambda self, other: self - other))
    np.testing.assert_array_equal(op_call("mul", s)._data, s.arrays["self"] - s.arrays["other"])
