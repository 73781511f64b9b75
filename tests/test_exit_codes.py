"""``symgrad-check`` as a CI gate: each exit code means one thing, and every usage or input
error is found before any work (nothing judged, nothing written)."""

from __future__ import annotations

import json
import re

import pytest

from oracle import sweep as sweep_mod
from oracle.cli import main
from oracle.verdict import SCHEMA, Verdict, write_results
from reports.records import EXIT_CODES
from symgrad.ops.registry import REGISTRY


@pytest.fixture
def judged(monkeypatch):
    """A stand-in judge that records what it was asked to judge; status per op."""
    calls: list[str] = []

    def use(statuses: dict[str, str] | None = None) -> list[str]:
        def judge(fn, inputs, *, order=1, op=None, check_id=None, **kw):
            calls.append(check_id)
            return Verdict(id=check_id, op=op, dtype="?", check="?",
                           status=(statuses or {}).get(op, "ok"))

        monkeypatch.setattr(sweep_mod, "_default_crosscheck", lambda: judge)
        return calls

    return use


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("status,code", [("ok", 0), ("kink", 0), ("engine-wrong", 1),
                                         ("error", 1), ("unjudged", 3),
                                         ("oracle-gave-up", 3)])
def test_each_code_means_one_thing(tmp_path, judged, capsys, status, code):
    judged({"mul": status})
    got, out, _ = run(["--ops", "mul,neg", "--dtypes", "float64", "--out", str(tmp_path / "o")],
                      capsys)
    assert got == code
    summary = out.strip().splitlines()[-1]
    assert summary.startswith({0: "PASS", 1: "FAIL", 3: "UNJUDGED"}[code])


def test_a_failure_outranks_unjudged_checks(tmp_path, judged, capsys):
    judged({"mul": "unjudged", "neg": "engine-wrong"})
    assert run(["--ops", "mul,neg", "--dtypes", "float64", "--out", str(tmp_path)],
               capsys)[0] == 1


USAGE_ERRORS = [
    (["--ops", ""], "--ops selects no op"),
    (["--ops", ","], "--ops selects no op"),
    (["--ops", "linear"], "'linear' (did you mean addmm, matmul, mm?)"),
    (["--ops", "cross_entropy"], "'cross_entropy' (did you mean log_softmax, nll_loss"),
    (["--ops", "max"], "'max' (did you mean max_all, max_dim, amax, maximum, fmax?)"),
    (["--ops", "tanhh"], "'tanhh' (did you mean tanh"),
    (["--ops", "eq,mul"], "no gradient to check (not differentiable): eq"),
    (["--dtypes", "int64"], "not a float dtype: 'int64'"),
    (["--dtypes", "fp32"], "'fp32' (did you mean float32?)"),
    (["--dtypes", ""], "--dtypes selects no dtype"),
    (["--merge", "a.json", "--shard", "1/2"], "--merge renders results files"),
    (["--merge", "a.json", "--jobs", "2"], "--merge renders results files"),
    (["--mutants", "--jobs", "2"], "--mutants writes its own report in one process"),
    (["--shard", "3/2"], "I runs from 1 to N"),
    (["--shard", "x"], "expected I/N"),
    (["--jobs", "0"], "1 or more"),
    (["--bogus"], "unrecognized arguments"),
]


@pytest.mark.parametrize("argv,message", USAGE_ERRORS)
def test_usage_errors_exit_2_before_any_work(tmp_path, judged, capsys, argv, message):
    calls = judged()
    out = tmp_path / "out"
    code, *texts = run([*argv, "--out", str(out)], capsys)
    text = "".join(texts)
    assert code == 2
    assert message in text and "Traceback" not in text
    assert calls == [] and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("make", [
    lambda d: d / "file.txt",            # --out is a file
    lambda d: d / "mine",                # --out holds someone else's files
    lambda d: d / "file.txt" / "out",    # under a file: cannot be made
])
def test_an_unusable_out_is_found_before_the_sweep(tmp_path, judged, capsys, make):
    calls = judged()
    (tmp_path / "file.txt").write_text("keep me")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me too")
    code, *texts = run(["--ops", "neg", "--out", str(make(tmp_path))], capsys)
    text = "".join(texts)
    assert code == 2 and "--out" in text and "Traceback" not in text
    assert calls == []
    assert (tmp_path / "file.txt").read_text() == "keep me"
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep me too"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "mine"]


def test_help_lists_every_exit_code(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for code, meaning in EXIT_CODES.items():
        assert re.search(rf"^\s+{code}\s+{re.escape(meaning)}$", text, re.M)


def test_readme_lists_the_same_exit_codes():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in readme


def test_version_and_list_ops(capsys):
    from importlib import metadata

    with pytest.raises(SystemExit) as exc:
        from oracle.cli import _parser

        _parser().parse_args(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"symgrad-check {metadata.version('symgrad')}"
    assert main(["--version"]) == 0
    capsys.readouterr()
    assert main(["--list-ops"]) == 0
    text = capsys.readouterr().out
    listed = set(re.findall(r"^│ (\w+)\s+│", text, re.M))
    swept = {n for n, op in REGISTRY.items() if op.vjp is not None and op.differentiable}
    assert {"mul", "tanh", "matmul"} <= listed and "eq" not in listed
    assert listed <= swept
    assert re.search(r"not differentiable, not swept: .*\beq\b", text)


def test_non_differentiable_ops_are_never_blamed(tmp_path, capsys):
    # The whole default selection: nothing in it is an op without a gradient.
    assert not {c.op for c in sweep_mod.plan()} & set(sweep_mod.not_differentiable())
    assert "eq" in sweep_mod.not_differentiable()


def test_a_results_file_from_a_merge_is_itself_mergeable(tmp_path, capsys):
    one = tmp_path / "one.json"
    write_results(one, [Verdict("op/mul/float32/sample0/grad", "mul", "float32", "grad", "ok")],
                  {"shard": "1/1"})
    assert main(["--merge", str(one), "--results-only", "--out", str(tmp_path / "m")]) == 0
    doc = json.loads((tmp_path / "m" / "results.json").read_text())
    assert doc["schema"] == SCHEMA and doc["run"]["shards"] == [{"shard": "1/1"}]
    assert main(["--merge", str(tmp_path / "m" / "results.json"),
                 "--out", str(tmp_path / "again")]) == 0
