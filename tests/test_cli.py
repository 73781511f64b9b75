"""``symgrad-check``: files written, exit codes, shard merging, and the walking-skeleton check."""

from __future__ import annotations

import dataclasses
import json

import pytest
from junitparser import JUnitXml

from oracle import sweep as sweep_mod
from oracle.cli import main
from oracle.engines import get
from oracle.verdict import SCHEMA, Verdict, write_results
from reports.records import read_results
from symgrad.ops.registry import REGISTRY


def judge_with(statuses: dict[str, str]):
    """A stand-in judge: the status per op from ``statuses`` ("ok" otherwise)."""

    def judge(fn, inputs, *, order=1, op=None, check_id=None, **kw):
        fn(*inputs)
        return Verdict(id=check_id, op=op, dtype="?", check="?",
                       status=statuses.get(op, "ok"), message=f"stand-in for {op}")

    return judge


@pytest.fixture
def stand_in(monkeypatch):
    def use(statuses):
        monkeypatch.setattr(sweep_mod, "_default_crosscheck", lambda: judge_with(statuses))

    return use


def test_writes_the_three_files_and_exits_0_when_all_pass(tmp_path, stand_in):
    stand_in({})
    assert main(["--ops", "mul,add", "--dtypes", "float32", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "junit.xml",
                                                          "results.json"]
    results = read_results(tmp_path / "results.json")
    (run,), verdicts = results.runs, results.verdicts
    ids = {v["id"] for v in verdicts}
    n_mul, n_add = (get("symgrad").catalog()[op][1] for op in ("mul", "add"))
    orders = 1 + REGISTRY["mul"].double_backward
    assert len(ids) == len(verdicts) == (n_mul + n_add) * orders
    assert "op/mul/float32/sample0/grad" in ids
    assert {v["dtype"] for v in verdicts} == {"float32"}
    assert run["ops"] == "mul,add"


def test_exits_1_when_a_verdict_fails(tmp_path, stand_in):
    stand_in({"add": "engine-wrong"})
    assert main(["--ops", "mul,add", "--dtypes", "float64", "--no-second-order",
                 "--out", str(tmp_path)]) == 1
    xml = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    assert xml.failures == get("symgrad").catalog()["add"][1]


@pytest.mark.parametrize("status,code", [("oracle-suspect", 1), ("error", 1), ("kink", 0),
                                         ("fd-unreliable", 0), ("unsupported", 3),
                                         ("unjudged", 3), ("oracle-gave-up", 3),
                                         ("nonfinite", 3), ("no-such-status", 1)])
def test_exit_code_follows_verdict_passed(tmp_path, stand_in, status, code):
    stand_in({"mul": status})
    assert main(["--ops", "mul", "--dtypes", "float64", "--out", str(tmp_path)]) == code
    assert Verdict(id="x", op="mul", dtype="float64", check="grad", status=status).passed == (
        code == 0)


@pytest.mark.parametrize("status,code", [("unsupported", 0), ("nonfinite", 0),
                                         ("engine-wrong", 1), ("ok", 0)])
def test_allow_unjudged_forgives_only_unjudged(tmp_path, stand_in, status, code):
    stand_in({"mul": status})
    assert main(["--ops", "mul", "--dtypes", "float64", "--allow-unjudged",
                 "--out", str(tmp_path)]) == code
    statuses = {v["status"] for v in read_results(tmp_path / "results.json").verdicts}
    assert statuses == {status}  # still recorded as they are, counted apart


def test_results_only_and_usage_errors(tmp_path, stand_in):
    stand_in({})
    assert main(["--ops", "mul", "--dtypes", "float64", "--results-only",
                 "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    assert main(["--ops", "no_such_op", "--out", str(tmp_path / "x")]) == 2
    assert main(["--dtypes", "int64", "--out", str(tmp_path / "x")]) == 2
    assert main(["--bogus"]) == 2
    assert main(["--engine", "jax", "--out", str(tmp_path / "x")]) == 2


def test_the_engine_is_chosen_and_recorded(tmp_path, stand_in):
    stand_in({})
    assert main(["--engine", "symgrad", "--ops", "neg", "--dtypes", "float64",
                 "--results-only", "--out", str(tmp_path)]) == 0
    results = read_results(tmp_path / "results.json")
    (run,), records = results.runs, results.verdicts
    assert run["engine"] == "symgrad" and {r["op"] for r in records} == {"neg"}


def shard(path, statuses):
    verdicts = [Verdict(id=f"op/{op}/float32/sample0/grad", op=op, dtype="float32", check="grad",
                        status=s) for op, s in statuses]
    write_results(path, verdicts, {"shard": path.name})


def test_merge_renders_one_report_from_shards(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    shard(a, [("mul", "ok"), ("add", "kink")])
    shard(b, [("tanh", "ok"), ("sum", "unsupported")])
    out = tmp_path / "report"
    assert main(["--merge", str(a), str(b), "--out", str(out)]) == 3  # sum is unsupported: unjudged
    merged = read_results(out / "results.json").verdicts
    assert [v["op"] for v in merged] == ["mul", "add", "tanh", "sum"]
    xml = JUnitXml.fromfile(str(out / "junit.xml"))
    assert (xml.tests, xml.failures, xml.skipped) == (4, 0, 1)

    html = (out / "index.html").read_text()
    assert all(f"op/{op}/float32/sample0/grad" in html for op in ("mul", "add", "tanh", "sum"))

    shard(b, [("tanh", "engine-wrong")])
    assert main(["--merge", str(a), str(b), "--out", str(out)]) == 1
    assert json.loads((out / "results.json").read_text())["verdicts"][2]["passed"] is False


def test_skeleton_a_wrong_mul_vjp_fails_the_job_and_names_the_engine(tmp_path, monkeypatch):
    argv = ["--ops", "mul", "--dtypes", "float32,float64", "--no-second-order"]
    assert main([*argv, "--out", str(tmp_path / "right")]) == 0

    wrong = dataclasses.replace(REGISTRY["mul"], vjp=lambda g, self, other: (g * self, g * other))
    monkeypatch.setitem(REGISTRY, "mul", wrong)
    assert main([*argv, "--out", str(tmp_path / "wrong")]) == 1
    verdicts = read_results(tmp_path / "wrong" / "results.json").verdicts
    failing = [v for v in verdicts if not v["passed"]]
    assert failing and all(v["op"] == "mul" and v["status"] == "engine-wrong"
                           and v["wrong"] == "engine" for v in failing)
    for v in failing:
        bad = [e for e in v["elements"] if e["status"] == "engine-wrong"]
        assert bad
        # Elements at NaN or +-inf inputs have no exact number (IEEE rules judged them), and at
        # the catalog's largest values FD overflows: the others are compared.
        for e in (e for e in bad if e["exact"] is not None and isinstance(e["fd"], float)):
            exact = float(e["exact"])
            if not e["fd_error_estimate"] <= 1e-9 * max(1.0, abs(exact)):
                continue  # FD could not settle this one (a catalog point where it cancels)
            # FD and the exact answer agree; the engine is the one that is off.
            assert abs(e["fd"] - exact) <= 1e-6 * max(1.0, abs(exact))
            assert abs(e["engine"] - exact) > 1e-3 * max(1.0, abs(exact))
    monkeypatch.undo()
    assert REGISTRY["mul"].vjp is not wrong.vjp
    assert main([*argv, "--out", str(tmp_path / "again")]) == 0


def test_merge_of_a_bad_results_file_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    bad = tmp_path / "results.json"
    bad.write_text(json.dumps({"schema": SCHEMA, "run": {}, "verdicts": [
        {"id": "a", "op": "mul", "dtype": "float32", "check": "grad", "status": "ok",
         "colour": "red"}]}))
    assert main(["--merge", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert "verdicts[0]: unknown field 'colour'" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
    assert main(["--merge", str(tmp_path / "missing.json"), "--out", str(tmp_path)]) == 2


def test_samples_left_out_as_known_defects_are_listed(tmp_path, stand_in, capsys):
    from oracle.catalog import SAMPLES

    stand_in({})
    assert main(["--ops", "pow,mul", "--dtypes", "float64", "--no-second-order",
                 "--out", str(tmp_path)]) == 0
    run = json.loads((tmp_path / "results.json").read_text())["run"]
    marked = [at.defect for at in SAMPLES["pow"] if at.defect]
    assert marked and not [at for at in SAMPLES.get("mul", ()) if at.defect]
    assert [d["defect"] for d in run["left out"]] == marked
    assert {d["op"] for d in run["left out"]} == {"pow"}
    html = (tmp_path / "index.html").read_text()
    assert 'id="left-out"' in html
    assert "exponent=-1" in html
    out = capsys.readouterr().out
    assert f"{len(marked)} catalog sample" in out and "left out of the sweep" in out


def test_left_out_samples_of_merged_shards_are_listed_once_and_escaped(tmp_path, stand_in):
    evil = '<script>alert("x")</script>'
    for i in (1, 2):
        path = tmp_path / f"r{i}.json"
        write_results(path, [Verdict(id=f"op/mul/float64/sample{i}/grad", op="mul",
                                     dtype="float64", check="grad", status="ok")],
                      run={"left out": [{"op": "div", "sample": evil, "defect": evil}]})
    out = tmp_path / "merged"
    assert main(["--merge", str(tmp_path / "r1.json"), str(tmp_path / "r2.json"),
                 "--out", str(out)]) == 0
    html = (out / "index.html").read_text()
    assert "<script" not in html.lower()
    section = html[html.index('id="left-out"'):]
    section = section[:section.index("</section>")]
    assert section.count("&lt;script&gt;") == 2  # one sample, its text and its defect
