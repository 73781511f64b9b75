"""A run's outputs appear together or not at all: an interrupted (SIGINT), terminated (SIGTERM)
or killed (SIGKILL) run leaves the previous set whole, and the next run removes what a killed
one left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reports.output_folder import OutputFolder

# A run with a slow stand-in judge and, optionally, a slow JUnit writer, so a test can stop it
# during the sweep or in the middle of writing its files. It says where it is on stderr.
RUNNER = textwrap.dedent("""
    import signal, sys, time
    import reports
    from oracle import sweep
    from oracle.cli import main
    from oracle.verdict import Verdict

    ops, out, per_check, writing = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])

    def judge(fn, inputs, *, order=1, op=None, check_id=None, **kw):
        time.sleep(per_check)
        return Verdict(id=check_id, op=op, dtype="?", check="?", status="ok")

    sweep._default_crosscheck = lambda: judge
    write_junit = reports.write_junit

    def slow_junit(path, verdicts):
        print("WRITING", file=sys.stderr, flush=True)
        time.sleep(writing)
        write_junit(path, verdicts)

    reports.write_junit = slow_junit
    # Ctrl-C as in a foreground run: a suite started as a background job from a script has
    # SIGINT ignored, which its children inherit and Python then leaves ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main(["--ops", ops, "--dtypes", "float64", "--no-second-order", "--out", out]))
""")


def start(out: Path, ops: str, per_check: float = 0.0, writing: float = 0.0):
    return subprocess.Popen([sys.executable, "-c", RUNNER, ops, str(out), str(per_check),
                             str(writing)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"},
                            start_new_session=True)


def wait_for(proc, marker: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if marker in line:
            return
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"the run never printed {marker!r}")


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def consistent(out: Path) -> set[str]:
    """The ops named by each of the three files; one set means one run's files."""
    results = {v["op"] for v in json.loads((out / "results.json").read_text())["verdicts"]}
    junit = (out / "junit.xml").read_text()
    html = (out / "index.html").read_text()
    for op in ("neg", "exp"):
        assert (op in results) == (f"symgrad-check.{op}" in junit) == (f"op/{op}/" in html)
    return results


@pytest.fixture
def previous(tmp_path):
    out = tmp_path / "report"
    proc = start(out, "neg")
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    proc.stderr.close()
    proc.stdout.close()
    assert consistent(out) == {"neg"}
    return out, snapshot(out)


# What a stopped run prints last and exits with; SIGKILL cannot be handled.
STOPPED = {signal.SIGINT: ("interrupted", 130), signal.SIGTERM: ("terminated", 143)}


@pytest.mark.parametrize("sig,moment", [(signal.SIGINT, "sweep"), (signal.SIGINT, "writing"),
                                        (signal.SIGTERM, "sweep"), (signal.SIGTERM, "writing"),
                                        (signal.SIGKILL, "sweep"),
                                        (signal.SIGKILL, "writing")])
def test_an_interrupted_run_leaves_the_previous_set_whole(previous, sig, moment):
    out, before = previous
    proc = start(out, "exp", per_check=0.3, writing=30.0)
    wait_for(proc, "symgrad-check: " if moment == "sweep" else "WRITING")
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    stderr = proc.stderr.read()
    proc.stderr.close()
    proc.stdout.close()
    assert snapshot(out) == before
    assert consistent(out) == {"neg"}
    if sig in STOPPED:
        word, expected = STOPPED[sig]
        assert code == expected
        assert "Traceback" not in stderr
        assert stderr.strip().splitlines()[-1] == f"symgrad-check: {word}; {out} left as it was"
        assert sorted(p.name for p in out.parent.iterdir()) == ["report"]
    else:
        assert code == -signal.SIGKILL
        # What the killed run left: its staging folder; a stale temporary file too.
        (out / ".index.html.x1y2.tmp").write_text("half a file")
        leftovers = [p for p in out.parent.iterdir() if p.name != "report"]
        assert leftovers if moment == "writing" else True
        after = start(out, "exp")
        assert after.wait(timeout=300) == 0, after.stderr.read()
        after.stderr.close()
        after.stdout.close()
        assert sorted(p.name for p in out.parent.iterdir()) == ["report"]
        assert sorted(p.name for p in out.iterdir()) == ["index.html", "junit.xml",
                                                        "results.json"]
        assert consistent(out) == {"exp"}


def test_a_finished_run_replaces_the_whole_set(previous):
    out, _ = previous
    proc = start(out, "exp")
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    proc.stderr.close()
    proc.stdout.close()
    assert consistent(out) == {"exp"}


def test_commit_without_an_atomic_exchange_falls_back_to_two_renames(tmp_path, monkeypatch):
    import reports.output_folder as folder_mod

    out = tmp_path / "report"
    for text in ("first", "second"):
        with OutputFolder(out) as folder:
            (folder.staging / "results.json").write_text(text)
            monkeypatch.setattr(folder_mod, "_exchange", lambda a, b: False)
            folder.commit()
    assert (out / "results.json").read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_a_set_caught_between_two_renames_is_put_back(tmp_path):
    out = tmp_path / "report"
    old = tmp_path / ".report.old-999999999-abcd1234"  # a pid no process has
    old.mkdir()
    (old / "results.json").write_text("previous")
    with OutputFolder(out) as folder:
        assert (out / "results.json").read_text() == "previous"
        (folder.staging / "results.json").write_text("new")
    assert (out / "results.json").read_text() == "previous"  # no commit: the old set stays
    assert [p.name for p in tmp_path.iterdir()] == ["report"]
