"""``symgrad-check --merge``: every malformed input is a usage error naming the file and the
field (exit 2, no traceback, nothing written); duplicates, run information and ``--ops``."""

from __future__ import annotations

import json

import pytest

from oracle.cli import main
from reports.records import SCHEMA, dump_results, read_results

GOOD = {"id": "op/mul/float32/sample0/grad", "op": "mul", "dtype": "float32", "check": "grad",
        "status": "ok"}
ELEMENT = {"input": "self", "index": [0], "engine": 1.0, "exact": "1.0", "fd": 1.0,
           "fd_error_estimate": 1e-9, "abs_error": 0.0, "rel_error": 0.0, "ulp_error": 0.0,
           "fd_ulp_error": 0.0, "tolerance_ulps": 4.0, "status": "ok"}


def doc(*records, **fields):
    return {"schema": SCHEMA, "run": {}, "verdicts": list(records), **fields}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# (what is wrong, the file's text, what the message must name besides the file)
MALFORMED = [
    ("not JSON", "{", "not valid JSON"),
    ("empty file", "", "not valid JSON"),
    ("deeply nested JSON", nested(100_000), "nested too deeply"),
    ("nested verdicts", json.dumps(doc()).replace('"verdicts": []', '"verdicts": '
                                                   + nested(50_000)), "nested too deeply"),
    ("a list, not an object", "[]", "not a symgrad results file"),
    ("no schema", json.dumps({"verdicts": []}), "not a symgrad results file"),
    ("another schema", json.dumps({**doc(), "schema": "other/1"}), "schema str 'other/1'"),
    ("missing verdicts", json.dumps({"schema": SCHEMA, "run": {}}), "verdicts: expected a list"),
    ("verdicts: 5", json.dumps(doc(verdicts=5)), "verdicts: expected a list"),
    ("verdicts: an object", json.dumps(doc(verdicts={})), "verdicts: expected a list"),
    ("run: a string", json.dumps(doc(run="x")), "run: expected an object"),
    ("unknown top-level field", json.dumps(doc(colour=1)), "unknown field 'colour'"),
    ("a verdict is a number", json.dumps(doc(5)), "verdicts[0]: expected an object"),
    ("missing id", json.dumps(doc({k: v for k, v in GOOD.items() if k != "id"})),
     "verdicts[0]: missing field 'id'"),
    ("empty id", json.dumps(doc({**GOOD, "id": ""})), "verdicts[0].id: expected a non-empty"),
    ("id a number", json.dumps(doc({**GOOD, "id": 3})), "verdicts[0].id"),
    ("status null", json.dumps(doc({**GOOD, "status": None})), "verdicts[0].status"),
    ("unknown field", json.dumps(doc({**GOOD, "colour": "red"})),
     "verdicts[0]: unknown field 'colour'"),
    ("order 3", json.dumps(doc({**GOOD, "order": 3})), "verdicts[0].order: expected 1 or 2"),
    ("order true", json.dumps(doc({**GOOD, "order": True})), "verdicts[0].order"),
    ("a 400-digit integer", json.dumps(doc(GOOD)).replace('"ok"}', '"ok", "max_ulp_error": '
                                                           + "9" * 400 + "}"),
     "verdicts[0].max_ulp_error: expected a number or null, got an integer of 400 digits"),
    ("ULPs as words", json.dumps(doc({**GOOD, "max_ulp_error": "lots"})),
     "verdicts[0].max_ulp_error"),
    ("duration a list", json.dumps(doc({**GOOD, "duration_s": [1]})), "verdicts[0].duration_s"),
    ("elements an object", json.dumps(doc({**GOOD, "elements": {}})), "verdicts[0].elements"),
    ("element a string", json.dumps(doc({**GOOD, "elements": ["x"]})),
     "verdicts[0].elements[0]: expected an object"),
    ("element missing engine", json.dumps(doc({**GOOD, "elements": [
        {k: v for k, v in ELEMENT.items() if k != "engine"}]})),
     "verdicts[0].elements[0]: missing field 'engine'"),
    ("element index of strings", json.dumps(doc({**GOOD, "elements": [
        {**ELEMENT, "index": ["0"]}]})), "verdicts[0].elements[0].index"),
    ("element engine a string", json.dumps(doc({**GOOD, "elements": [
        {**ELEMENT, "engine": "1.0"}]})), "verdicts[0].elements[0].engine"),
    ("graph a string", json.dumps(doc({**GOOD, "graph": "a->b"})), "verdicts[0].graph"),
    ("graph edge of three", json.dumps(doc({**GOOD, "graph": {"nodes": [{"id": 0}],
                                                              "edges": [[0, 1, 2]]}})),
     "verdicts[0].graph"),
    ("graph node without id", json.dumps(doc({**GOOD, "graph": {"nodes": [{}], "edges": []}})),
     "verdicts[0].graph"),
    ("derivative of numbers", json.dumps(doc({**GOOD, "derivative": {"mathml": 1}})),
     "verdicts[0].derivative"),
    ("reproducer a list", json.dumps(doc({**GOOD, "reproducer": ["x"]})),
     "verdicts[0].reproducer"),
    ("inputs of strings", json.dumps(doc({**GOOD, "inputs": ["x"]})), "verdicts[0].inputs"),
    ("tolerance a list", json.dumps(doc({**GOOD, "tolerance": []})), "verdicts[0].tolerance"),
    ("extra a string", json.dumps(doc({**GOOD, "extra": "x"})), "verdicts[0].extra"),
    ("passed a string", json.dumps(doc({**GOOD, "passed": "yes"})), "verdicts[0].passed"),
    ("culprit a list", json.dumps(doc({**GOOD, "culprit": []})), "verdicts[0].culprit"),
    ("culprit field unknown", json.dumps(doc({**GOOD, "culprit": {"who": "x"}})),
     "verdicts[0].culprit: unknown field 'who'"),
    ("same id, other record", json.dumps(doc(GOOD, {**GOOD, "status": "error"})),
     "verdicts[1]: id 'op/mul/float32/sample0/grad' is also in"),
    ("not UTF-8", b"\xff\xfe{".decode("latin-1"), "cannot read: 'utf-8' codec"),
]


@pytest.mark.parametrize("what,text,message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_merge_input_is_exit_2_naming_file_and_field(tmp_path, capsys, what, text,
                                                               message):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(doc({**GOOD, "id": "good/0"})))
    bad.write_text(text, encoding="latin-1" if what == "not UTF-8" else "utf-8")
    out = tmp_path / "out"
    assert main(["--merge", str(good), str(bad), "--out", str(out)]) == 2
    stdout, stderr = capsys.readouterr()
    assert "Traceback" not in stdout + stderr
    line = " ".join((stdout + stderr).split())
    assert f"{bad}" in line, line
    assert " ".join(message.split()) in line, line
    assert not out.exists()


def test_a_missing_file_is_named(tmp_path, capsys):
    assert main(["--merge", str(tmp_path / "nope.json"), "--out", str(tmp_path / "o")]) == 2
    assert "nope.json: cannot read" in capsys.readouterr().out


def test_an_empty_merge_is_not_a_pass(tmp_path, capsys):
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(doc()))
    assert main(["--merge", str(empty), "--out", str(tmp_path / "o")]) == 2
    assert "nothing to report" in capsys.readouterr().out
    assert not (tmp_path / "o").exists()


def shard_file(path, ops, run):
    records = [{**GOOD, "id": f"op/{op}/float32/sample0/grad", "op": op} for op in ops]
    path.write_text(dump_results(run, records))


def test_a_shard_given_twice_counts_once_and_says_so(tmp_path, capsys):
    a = tmp_path / "a.json"
    shard_file(a, ["mul", "add"], {"shard": "1/1"})
    out = tmp_path / "o"
    assert main(["--merge", str(a), str(a), "--out", str(out)]) == 0
    assert "dropped 2 exact duplicate records" in capsys.readouterr().out
    merged = read_results(out / "results.json").verdicts
    assert sorted(v["id"] for v in merged) == ["op/add/float32/sample0/grad",
                                               "op/mul/float32/sample0/grad"]
    html = (out / "index.html").read_text()
    assert html.count('id="v-op_mul_float32_sample0_grad"') == 1
    assert (out / "junit.xml").read_text().count('name="op/mul/float32/sample0/grad"') == 1


def test_every_shards_run_information_is_kept(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    shard_file(a, ["mul"], {"shard": "1/2", "platform": "linux-a"})
    shard_file(b, ["add"], {"shard": "2/2", "platform": "linux-b"})
    out = tmp_path / "o"
    assert main(["--merge", str(a), str(b), "--out", str(out)]) == 0
    run = json.loads((out / "results.json").read_text())["run"]
    assert run["shards"] == [{"shard": "1/2", "platform": "linux-a"},
                             {"shard": "2/2", "platform": "linux-b"}]
    assert run["merged from"] == f"{a}, {b}"
    html = (out / "index.html").read_text()
    assert "linux-a" in html and "linux-b" in html


def test_merge_honours_ops_dtypes_and_order(tmp_path, capsys):
    a = tmp_path / "a.json"
    records = [{**GOOD, "id": f"op/{op}/{d}/sample0/{c}", "op": op, "dtype": d, "check": c,
                "order": 1 + (c == "gradgrad")}
               for op in ("mul", "add", "tanh") for d in ("float32", "float64")
               for c in ("grad", "gradgrad")]
    a.write_text(dump_results({}, records))
    out = tmp_path / "o"
    assert main(["--merge", str(a), "--ops", "mul,tanh", "--dtypes", "float64",
                 "--no-second-order", "--out", str(out)]) == 0
    ids = sorted(v["id"] for v in read_results(out / "results.json").verdicts)
    assert ids == ["op/mul/float64/sample0/grad", "op/tanh/float64/sample0/grad"]
    capsys.readouterr()
    assert main(["--merge", str(a), "--ops", "mull", "--out", str(tmp_path / "x")]) == 2
    assert "'mull' (did you mean mul?)" in capsys.readouterr().out
    assert not (tmp_path / "x").exists()
