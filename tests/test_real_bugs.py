"""Real gradient bugs re-enacted: the catalog, the scoring against the default sweep, the CLI."""

from __future__ import annotations

import inspect
import json
import math
import re
from collections import Counter

import numpy as np
import pytest

from oracle.cli import main
from oracle.engines import symgrad_bugs as sb
from oracle.real_bugs import CATEGORIES, run_bugs
from symgrad.ops.registry import REGISTRY

ISSUE = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/(issues|pull)/\d+$")


# -- the catalog ------------------------------------------------------------------------------
def test_every_category_holds_six_bugs_or_more_each_naming_its_issue():
    counts = Counter(b.category for b in sb.BUGS)
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 6 and sum(counts.values()) >= 60
    assert len({b.name for b in sb.BUGS}) == len(sb.BUGS)
    assert all(ISSUE.match(b.issue) for b in sb.BUGS), [b.issue for b in sb.BUGS
                                                      if not ISSUE.match(b.issue)]


def _positional(fn) -> list[str]:
    return [p.name for p in inspect.signature(fn, follow_wrapped=False).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


@pytest.mark.parametrize("bug", sb.BUGS, ids=lambda b: b.name)
def test_a_bug_takes_what_the_op_saves(bug):
    original = REGISTRY[bug.op].vjp
    assert _positional(bug.vjp(original)) == _positional(original)


@pytest.mark.parametrize("bug", sb.BUGS, ids=lambda b: b.name)
def test_a_bug_changes_the_gradient_at_its_witness(bug):
    clean = sb.witness_grads(bug)
    with sb.install(bug):
        buggy = sb.witness_grads(bug)
    assert not all(np.array_equal(c, b, equal_nan=True) for c, b in zip(clean, buggy,
                                                                        strict=True))


@pytest.mark.parametrize("bug", [b for b in sb.BUGS if b.category == "second order only"],
                         ids=lambda b: b.name)
def test_a_second_order_bug_leaves_the_first_derivative_bit_for_bit(bug):
    first = sb.Bug(bug.name, bug.category, bug.op, bug.issue, bug.what, bug.vjp,
                   sb.Witness(bug.witness.dtype, bug.witness.inputs, bug.witness.attrs, 1))
    clean = sb.witness_grads(first)
    with sb.install(first):
        buggy = sb.witness_grads(first)
    for c, b in zip(clean, buggy, strict=True):
        np.testing.assert_array_equal(c, b)


def test_install_restores_the_registry_entry_even_when_the_block_raises():
    bug = next(b for b in sb.BUGS if b.op == "relu")
    before = REGISTRY["relu"]
    with pytest.raises(ZeroDivisionError), sb.install(bug):
        assert REGISTRY["relu"] is not before
        _ = 1 / 0
    assert REGISTRY["relu"] is before


# -- scoring against the default sweep ----------------------------------------------------------
def _neg_bug(name: str, vjp, category: str = "shapes") -> sb.Bug:
    return sb.Bug(name, category, "neg", "https://github.com/example/x/issues/1", "test bug",
                  lambda orig: vjp, sb.Witness("float64", {"self": [1.0]}))


def test_a_sign_bug_is_killed_by_both_judges_and_a_no_op_is_unreached(monkeypatch):
    monkeypatch.setattr(sb, "BUGS", [_neg_bug("sign", lambda g: g * 1.0),
                                     _neg_bug("same", lambda g: -g, "dtype")])
    report = run_bugs(["neg"])
    sign, same = report.results
    assert (sign.killed_sweep, sign.killed_fd) == (True, True)
    assert (same.killed_sweep, same.killed_fd) == (False, False)
    assert same.why.startswith("unreached")
    assert report.rates("shapes")["sweep"] == 1.0 and report.rates("dtype")["sweep"] == 0.0
    assert math.isnan(report.rates("indexing")["sweep"]) and not report.passed()


def test_a_one_in_a_million_error_escapes_fd_but_not_the_sweep(monkeypatch):
    # neg's gradient is exactly -1: 1 + 2**-20 off is 4096 float64 ULP (8 of float32), a
    # millionth of it, far inside gradcheck's atol 1e-5 + rtol 1e-3.
    monkeypatch.setattr(sb, "BUGS", [_neg_bug("tiny", lambda g: -g * (1 + 2.0**-20))])
    (r,) = run_bugs(["neg"]).results
    assert r.killed_sweep and r.kill.startswith(("op/neg/float64/", "op/neg/float32/"))
    assert not r.killed_fd and r.why.startswith("FD alone")


def test_a_bug_within_one_ulp_everywhere_is_below_resolution_and_counted_apart(monkeypatch):
    # neg's gradient -(g + g * 2**-53) is at most 1 float64 ULP off (the sum's rounding; the
    # narrower dtypes round it away), at the witness too: one more rounding does as much. With
    # 2**-51 it is 2 to 4 ULP off.
    monkeypatch.setattr(sb, "BUGS", [_neg_bug("ulp", lambda g: -(g + g * 2.0**-53), "dtype"),
                                     _neg_bug("four", lambda g: -(g + g * 2.0**-51), "dtype")])
    report = run_bugs(["neg"])
    ulp, four = report.results
    assert (ulp.killed_sweep, ulp.below_resolution) == (False, True)
    assert ulp.why.startswith("below resolution")
    assert four.killed_sweep is False and four.below_resolution is False
    assert report.rates("dtype") == {"mutants": 1, "sweep": 0.0, "fd": 0.0}
    data = report.to_json()
    assert [r["name"] for r in data["below_resolution"]] == ["ulp"]
    assert [r["name"] for r in data["survivors"]] == ["four"]


def test_expm1_written_out_plus_one_dies_in_the_catalog_tail():
    # The catalog reaches x = -40, where exp(-40) = 4.2e-18 and the buggy gradient is 0.
    (r,) = run_bugs(["expm1"]).results
    assert r.name == "expm1-out-plus-one" and r.killed_sweep


# -- the CLI ------------------------------------------------------------------------------------
def test_cli_mutants_reports_real_bugs_per_category_computed_from_its_results(tmp_path, capsys):
    code = main(["--mutants", "--ops", "expm1,relu", "--out", str(tmp_path / "out")])
    data = json.loads((tmp_path / "out" / "mutants.json").read_text(encoding="utf-8"))
    real = data["realistic"]
    names = {r["name"] for r in real["results"]}
    assert names == {b.name for b in sb.BUGS if b.op in ("expm1", "relu")}
    for category in CATEGORIES:
        rows = [r for r in real["results"] if r["category"] == category]
        got = real["per_category"][category]
        assert got["mutants"] == len(rows)
        if rows:
            assert got["sweep"] == sum(r["killed_sweep"] for r in rows) / len(rows)
            assert got["fd"] == sum(r["killed_fd"] for r in rows) / len(rows)
        else:
            assert got["sweep"] is None
    out = capsys.readouterr().out
    assert "real gradient bugs re-enacted" in out and "default sweep" in out
    assert code == (0 if data["passed"] and real["passed"] else 1)
    assert "Real gradient bugs re-enacted" in (tmp_path / "out" / "mutants.html").read_text(
        encoding="utf-8")


def test_cli_mutants_on_an_engine_without_mutation_testing_is_a_usage_error(tmp_path, capsys):
    pytest.importorskip("torch")
    assert main(["--mutants", "--engine", "torch", "--ops", "tanh",
                 "--out", str(tmp_path / "out")]) == 2
    assert "error: no mutation testing for torch" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
