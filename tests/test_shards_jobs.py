"""Scale-out: ``--shard I/N`` partitions the sweep deterministically and merging every shard
gives the report of one run; ``--jobs N`` gives the same verdicts as one process."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from oracle import cli
from oracle import sweep as sweep_mod
from oracle.cli import main
from oracle.verdict import Verdict
from reports.records import read_results

SELECTION = ["--ops", "mul,add,tanh,exp,sum", "--dtypes", "float32,float64"]


def judge(fn, inputs, *, order=1, op=None, check_id=None, **kw):
    """A stand-in judge whose verdict depends only on the check: tanh is wrong in float32."""
    fn(*inputs)
    bad = op == "tanh" and "float32" in check_id
    return Verdict(id=check_id, op=op, dtype="?", check="?",
                   status="engine-wrong" if bad else "ok", max_ulp_error=9.0 if bad else 0.0)


def comparable(records):
    """Verdicts by id, without what differs from run to run (time taken)."""
    return {r["id"]: {k: v for k, v in r.items() if k != "duration_s"} for r in records}


def junit_counts(path):
    text = path.read_text()
    root = re.search(r"<testsuites[^>]*>", text).group()
    return {k: re.search(rf'\b{k}="(\d+)"', root).group(1) for k in ("tests", "failures")}


@pytest.mark.parametrize("count", [1, 3, 7])
def test_merging_every_shard_equals_one_run(tmp_path, monkeypatch, capsys, count):
    monkeypatch.setattr(sweep_mod, "_default_crosscheck", lambda: judge)
    whole = tmp_path / "whole"
    assert main([*SELECTION, "--out", str(whole)]) == 1
    shards = []
    for i in range(1, count + 1):
        out = tmp_path / f"shard{i}"
        code = main([*SELECTION, "--shard", f"{i}/{count}", "--results-only", "--out", str(out)])
        assert code in (0, 1)
        assert [p.name for p in out.iterdir()] == ["results.json"]
        shards.append(out / "results.json")
    ids = [{v["id"] for v in read_results(s).verdicts} for s in shards]
    assert sum(map(len, ids)) == len(set().union(*ids)), "shards overlap"
    merged = tmp_path / "merged"
    assert main(["--merge", *map(str, shards), "--out", str(merged)]) == 1
    one = read_results(whole / "results.json").verdicts
    assert comparable(read_results(merged / "results.json").verdicts) == comparable(one)
    assert junit_counts(merged / "junit.xml") == junit_counts(whole / "junit.xml")
    statuses = [re.findall(r'<span class="status"[^>]*>([^<]+)</span>',
                           (d / "index.html").read_text()) for d in (whole, merged)]
    assert sorted(statuses[0]) == sorted(statuses[1])


def test_a_shard_is_the_same_every_time(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_mod, "_default_crosscheck", lambda: judge)
    runs = []
    for name in ("a", "b"):
        assert main([*SELECTION, "--shard", "2/3", "--results-only", "--out",
                     str(tmp_path / name)]) in (0, 1)
        runs.append([v["id"] for v in read_results(tmp_path / name / "results.json").verdicts])
    assert runs[0] == runs[1] and runs[0]
    run = json.loads((tmp_path / "a" / "results.json").read_text())["run"]
    assert run["shard"] == "2/3"


def test_more_shards_than_checks_leaves_an_empty_shard_a_usage_error(tmp_path, capsys):
    n = len(sweep_mod.plan(["neg"], ["float64"], second_order=False))
    assert main(["--ops", "neg", "--dtypes", "float64", "--no-second-order",
                 "--shard", f"{n + 1}/{n + 1}", "--out", str(tmp_path / "o")]) == 2
    assert "the selection holds no check" in capsys.readouterr().out


def test_jobs_give_the_same_verdicts_as_one_process(tmp_path, capsys):
    # The real judges, in spawned processes: only the time taken may differ. The one-process
    # run is a fresh interpreter too, so both start from the same global state.
    argv = ["--ops", "neg,exp,mul", "--dtypes", "float32,float64", "--results-only"]
    one = [sys.executable, "-c", "import sys; from oracle.cli import main; "
           "sys.exit(main(sys.argv[1:]))", *argv, "--out", str(tmp_path / "one")]
    assert subprocess.run(one, capture_output=True).returncode == 0
    assert main([*argv, "--jobs", "2", "--out", str(tmp_path / "two")]) == 0
    one, two = (read_results(tmp_path / d / "results.json").verdicts for d in ("one", "two"))
    assert [v["id"] for v in one] == [v["id"] for v in two]
    assert comparable(one) == comparable(two)


@pytest.mark.parametrize(("files", "cpus"), [
    ({"cpu.max": "50000 100000"}, 1),                     # cgroup v2, --cpus=0.5
    ({"cpu.max": "150000 100000"}, 2),                    # --cpus=1.5: two processes
    ({"cpu.max": "max 100000"}, None),                    # no quota: the affinity decides
    ({"cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "100000"}, 1),  # cgroup v1
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
    ({}, None),                                           # no cgroup file system
])
def test_available_cpus_follow_a_containers_quota(tmp_path, files, cpus):
    import os

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text + "\n")
    affinity = len(os.sched_getaffinity(0))
    assert sweep_mod.available_cpus(str(tmp_path)) == min(affinity, cpus or affinity)


@pytest.mark.parametrize(("argv", "cpus", "jobs"), [
    ([], 2, 2),                          # the whole selection: a process per CPU
    ([], 1, 1),                          # one CPU (a container's quota): this process
    (["--jobs", "auto"], 8, 2),          # no more processes than 50 checks each fill
    (["--jobs", "3"], 1, 3),             # asked for
])
def test_jobs_default_to_the_cpus_available(tmp_path, monkeypatch, argv, cpus, jobs):
    monkeypatch.setattr(sweep_mod, "_default_crosscheck", lambda: judge)
    monkeypatch.setattr(sweep_mod, "available_cpus", lambda: cpus)
    used = []
    real = sweep_mod.iter_sweep

    def spy(checks, crosscheck=None, jobs=1, engine="symgrad"):
        used.append(jobs)
        return real(checks, crosscheck, 1, engine)

    monkeypatch.setattr(sweep_mod, "iter_sweep", spy)
    monkeypatch.setattr(cli, "CHECKS_PER_PROCESS", 50)
    checks = len(sweep_mod.plan(["mul", "add", "tanh", "exp", "sum"], ["float32", "float64"]))
    assert 2 * 50 <= checks < 3 * 50, "the selection sizes the cases above"
    assert main([*SELECTION, *argv, "--results-only", "--out", str(tmp_path / "o")]) == 1
    assert used == [jobs]
