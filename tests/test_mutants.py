"""Mutation testing: each operator breaks a VJP as described, equivalence, the judges, the CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import symgrad
from oracle import mutants as mut
from oracle.cli import main
from oracle.engines import symgrad_mutants as smut
from oracle.samples import samples_of
from reports.mutants import render_mutants_html
from symgrad.ops.registry import REGISTRY, apply

RNG = np.random.default_rng(7)  # import-time draws only; the tests draw from ``rng``
BY_NAME = {m.name: m for m in smut.MUTATIONS}


def leaf(a: np.ndarray) -> symgrad.Tensor:
    return symgrad.tensor(a, dtype=symgrad.float64, requires_grad=True)


def mutant_grads(op: str, mutation: str, arrays: list[np.ndarray], w: np.ndarray,
                 **attrs) -> tuple[list[np.ndarray | None], bool]:
    """Gradients of ``sum(op(*arrays) * w)`` through the mutated VJP, and whether it applied."""
    mutant = smut.mutate(REGISTRY[op], BY_NAME[mutation])
    xs = [leaf(a) for a in arrays]
    out = apply(mutant, *xs, **attrs)
    (out * symgrad.tensor(w, dtype=symgrad.float64)).sum().backward()
    grads = [None if x.grad is None else x.grad.numpy() for x in xs]
    return grads, mutant.extra["_mutant_state"]["applied"]


X, Y, W = (RNG.uniform(0.5, 1.5, (2, 3)) for _ in range(3))


# -- each operator, against d(x*y)/dx = y, d(x*y)/dy = x and friends --------------------------
@pytest.mark.parametrize("mutation,factor", [("sign-flipped", -1.0), ("scaled-by-2", 2.0),
                                             ("constant-off", 1 + 2.0**-20)])
def test_first_gradient_rewritten(mutation, factor):
    (gx, gy), applied = mutant_grads("mul", mutation, [X, Y], W)
    assert applied
    np.testing.assert_array_equal(gx, factor * (Y * W))
    np.testing.assert_array_equal(gy, X * W)


def test_grad_missing_leaves_out_the_last_input():
    (gx, gy), applied = mutant_grads("mul", "grad-missing", [X, Y], W)
    assert applied and gy is None
    np.testing.assert_array_equal(gx, Y * W)


def test_args_swapped_exchanges_the_two_gradients():
    (gx, gy), applied = mutant_grads("mul", "args-swapped", [X, Y], W)
    assert applied
    np.testing.assert_array_equal(gx, X * W)
    np.testing.assert_array_equal(gy, Y * W)


def test_term_dropped_leaves_out_one_summed_term():
    # atanh' = 1 / ((1 - x)(1 + x)) for |x| >= 1/2 (where the VJP writes it so); the last sum
    # the VJP evaluates is 1 + x, which keeps x.
    x = np.array([0.5, -0.625, 0.75])
    (gx,), applied = mutant_grads("atanh", "term-dropped", [x], np.ones(3))
    assert applied
    np.testing.assert_allclose(gx, 1 / ((1 - x) * x), rtol=1e-15)


def test_term_dropped_does_not_apply_to_a_vjp_without_sums():
    (gx, gy), applied = mutant_grads("mul", "term-dropped", [X, Y], W)
    assert not applied
    np.testing.assert_array_equal(gx, Y * W)


def test_reduction_skipped_slices_the_broadcast_dims(rng):
    # add(x (2,3), y (3,)): y's gradient should sum w over the rows; the mutant takes row 0.
    y = rng.uniform(size=3)
    (gx, gy), applied = mutant_grads("add", "reduction-skipped", [X, y], W, alpha=1)
    assert applied
    np.testing.assert_array_equal(gx, W)
    np.testing.assert_array_equal(gy, W[0])
    assert not np.allclose(gy, W.sum(axis=0))


def test_transpose_missing_on_square_matrices(rng):
    a, b, w = (rng.uniform(size=(3, 3)) for _ in range(3))
    (ga, gb), applied = mutant_grads("mm", "transpose-missing", [a, b], w)
    assert applied
    np.testing.assert_allclose(ga, (w @ b.T).T, rtol=1e-14)
    np.testing.assert_allclose(gb, a.T @ w, rtol=1e-14)


def test_transpose_missing_not_applicable_to_a_non_square_gradient(rng):
    a, b, w = rng.uniform(size=(2, 3)), rng.uniform(size=(3, 4)), rng.uniform(size=(2, 4))
    (ga, _), applied = mutant_grads("mm", "transpose-missing", [a, b], w)
    assert not applied
    np.testing.assert_allclose(ga, w @ b.T, rtol=1e-14)


def test_axis_off_by_one_tells_the_vjp_the_next_axis(rng):
    # sum over dim 0 of a (3, 3): d/dx[i, j] = w[j]; told dim 1, the VJP gives w[i].
    x, w = rng.uniform(size=(3, 3)), rng.uniform(size=3)
    (gx,), applied = mutant_grads("sum", "axis-off-by-one", [x], w, dim=(0,), keepdim=False)
    assert applied
    np.testing.assert_array_equal(gx, np.broadcast_to(w[:, None], (3, 3)))


def test_axis_off_by_one_only_for_ops_with_a_dim():
    _, applied = mutant_grads("mul", "axis-off-by-one", [X, Y], W)
    assert not applied


def test_next_axis_prefers_an_axis_of_the_same_size():
    assert smut._next_axis(0, (2, 3, 2)) == 2
    assert smut._next_axis(1, (2, 3, 2)) == 2
    assert smut._next_axis(2, (2, 3, 2)) == 0


def test_a_mutant_leaves_the_registry_and_the_sums_as_they_were():
    before = (REGISTRY["atanh"], symgrad.ops.arithmetic.ADD.forward)
    mut.run_mutants(["atanh"])
    assert (REGISTRY["atanh"], symgrad.ops.arithmetic.ADD.forward) == before


# -- the judges -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mul_report() -> mut.MutationReport:
    return mut.run_mutants(["mul"])


def test_exact_oracle_kills_the_constant_off_mutant_fd_alone_misses(mul_report):
    off = [r for r in mul_report.results if r.mutation == "constant-off"]
    assert off and all(r.status == "killed-exact" for r in off)
    assert not any(r.killed_fd for r in off)
    assert all(r in mul_report.fd_misses() for r in off)
    assert all("gradcheck allows" in r.why for r in off)


def test_mul_every_mutant_killed_by_the_oracle_no_false_alarm(mul_report):
    rates = mul_report.rates()
    assert rates["exact"] == 1.0 and rates["both"] == 1.0 and rates["fd"] < 1.0
    assert mul_report.false_alarms == [] and mul_report.passed()
    # Sign flips and doubling are coarse: gradcheck sees them too.
    assert all(r.killed_fd for r in mul_report.results if r.mutation == "sign-flipped")


def test_a_zero_gradient_makes_every_mutant_equivalent():
    report = mut.run_mutants(["floor"])
    assert report.results and {r.status for r in report.results} == {"equivalent"}
    assert report.rates()["mutants"] == 0 and report.passed()


def test_sum_all_mutants_are_not_cancelled_by_the_contraction():
    report = mut.run_mutants(["sum_all"])
    flips = [r for r in report.results if r.mutation == "sign-flipped"]
    assert flips and all(r.status == "killed-exact" for r in flips)


def test_a_wrong_vjp_in_the_catalog_is_a_false_alarm(monkeypatch):
    tanh = REGISTRY["tanh"]
    monkeypatch.setitem(REGISTRY, "tanh", dataclasses.replace(tanh, vjp=lambda g, self: g))
    report = mut.run_mutants(["tanh"])
    assert len(report.false_alarms) == len(samples_of("tanh"))
    assert "engine-wrong" in report.false_alarms[0] and not report.passed()


# -- the command and the page -----------------------------------------------------------------
def test_cli_mutants_writes_json_and_html_and_exits_by_both_targets(tmp_path):
    code = main(["--mutants", "--ops", "mul,tanh", "--out", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mutants.html", "mutants.json"]
    data = json.loads((tmp_path / "mutants.json").read_text())
    # The mechanical mutants pass; the real bugs' target decides the rest.
    assert code == (0 if data["realistic"]["passed"] else 1) and data["passed"]
    assert set(data["per_op"]) == {"mul", "tanh"}
    assert data["overall"]["exact"] == 1.0 and data["false_alarms"] == []
    assert data["run"]["dtypes"] == "float64"
    assert {r["dtype"] for r in data["results"]} == {"float64"}
    assert data["fd_misses"] and data["overall"]["fd"] < 1.0
    html = (tmp_path / "mutants.html").read_text()
    assert "constant-off" in html and "PASS" in html


def test_cli_mutants_exits_1_on_a_false_alarm(tmp_path, monkeypatch):
    tanh = REGISTRY["tanh"]
    monkeypatch.setitem(REGISTRY, "tanh", dataclasses.replace(tanh, vjp=lambda g, self: -g))
    assert main(["--mutants", "--ops", "tanh", "--out", str(tmp_path)]) == 1
    assert json.loads((tmp_path / "mutants.json").read_text())["passed"] is False


def test_cli_mutants_exits_2_on_an_unknown_op(tmp_path):
    assert main(["--mutants", "--ops", "no_such_op", "--out", str(tmp_path)]) == 2


def test_html_escapes_mutant_names_and_messages():
    evil = "<script>alert(1)</script>"
    row = {"op": evil, "mutation": evil, "dtype": "float64", "sample": evil, "why": evil}
    html = render_mutants_html({"overall": {"mutants": 1, "exact": 0.0, "fd": 0.0, "both": 0.0},
                                "per_op": {evil: {"mutants": 1, "exact": 0.0}},
                                "survivors": [row], "fd_misses": [row],
                                "false_alarms": [evil], "passed": False},
                               run={"command": evil})
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 6


def test_float32_constant_off_is_below_resolution_not_a_survivor():
    # 2**-20 is 8 float32 ULPs: inside the engine's rounding bound, so no judge may reject it.
    report = mut.run_mutants(["mul"], ("float32",))
    off = [r for r in report.results if r.mutation == "constant-off"]
    assert off and {r.status for r in off} == {"below-resolution"}
    assert all("ULPs" in r.why for r in off)
    flips = [r for r in report.results if r.mutation == "sign-flipped"]
    assert flips and all(r.killed_exact and r.killed_fd for r in flips)
    assert report.to_json()["below_resolution"] == len(off) and report.passed()
