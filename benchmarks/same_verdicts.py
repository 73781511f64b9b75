"""Whether two sweeps gave the same verdicts: a change that only makes the sweep faster must.

Reads two ``results.json`` (``symgrad-check --results-only --out DIR``, one run before the change
and one after, on the same catalog) and compares, check by check, what a verdict says: its
status, its worst ULP errors (the engine's and the finite differences'), each element kept
(status and ULP errors) and the node it blames. Prints every difference and the checks' total
time in each, and exits 1 when a verdict differs. How a bound was sized (the sum of the terms,
or the gradient's scale when the terms were out of reach) is printed apart, as a note: a bound
that a time budget cut short can be sized otherwise by a faster oracle.

    PYTHONPATH=/path/to/old/copy symgrad-check --results-only --out /tmp/before
    symgrad-check --results-only --out /tmp/after
    python benchmarks/same_verdicts.py /tmp/before/results.json /tmp/after/results.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# What a verdict says, as results.json records it.
VERDICT_FIELDS = ("status", "passed", "max_ulp_error", "max_fd_ulp_error")
ELEMENT_FIELDS = ("input", "index", "status", "ulp_error", "fd_ulp_error")


def said(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a verdict record that a faster sweep must leave as it was.

    Args:
        record: One verdict of a ``results.json``.

    >>> said({"status": "ok", "passed": True, "max_ulp_error": 0.5, "max_fd_ulp_error": 2.0,
    ...       "elements": [], "culprit": None, "duration_s": 0.2})["status"]
    'ok'
    """
    culprit = record.get("culprit") or {}
    return {**{k: record.get(k) for k in VERDICT_FIELDS},
            "elements": [[e.get(k) for k in ELEMENT_FIELDS] for e in record.get("elements") or []],
            "culprit": [culprit.get(k) for k in ("grad_fn", "input", "index")]}


def _bounds(record: dict[str, Any]) -> list[Any]:
    tolerance = record.get("tolerance") or {}
    return [tolerance.get("engine", {}).get("S"), tolerance.get("terms_unavailable")]


def differences(before: list[dict[str, Any]], after: list[dict[str, Any]]
                ) -> tuple[list[str], list[str]]:
    """The verdicts that differ (a check missing from either counts), and the notes: checks
    whose bound was sized another way with the same verdict.

    Args:
        before: The verdict records of one run.
        after: Those of the other.

    >>> a = {"id": "op/neg/float64/sample0/grad", "status": "ok", "max_ulp_error": 0.0}
    >>> differences([a], [{**a, "max_ulp_error": 1.0}])[0]
    ['op/neg/float64/sample0/grad: max_ulp_error 0.0 -> 1.0']
    >>> differences([a], [a])
    ([], [])
    """
    old = {r["id"]: r for r in before}
    new = {r["id"]: r for r in after}
    found = [f"{i}: only before" for i in old if i not in new]
    found += [f"{i}: only after" for i in new if i not in old]
    notes = []
    for i in (i for i in old if i in new):
        a, b = said(old[i]), said(new[i])
        found += [f"{i}: {k} {a[k]!r} -> {b[k]!r}" for k in a if a[k] != b[k]]
        if a == b and _bounds(old[i]) != _bounds(new[i]):
            notes.append(f"{i}: bound {_bounds(old[i])} -> {_bounds(new[i])}")
    return found, notes


def main(argv: list[str] | None = None) -> int:
    """Compare two results files; print the differences; 0 when every verdict is the same.

    Args:
        argv: ``BEFORE AFTER``, two ``results.json`` paths.
    """
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    args = p.parse_args(argv)
    runs = [json.loads(path.read_text())["verdicts"] for path in (args.before, args.after)]
    found, notes = differences(*runs)
    for line in found:
        print(f"differs: {line}")
    for line in notes:
        print(f"note: {line}")
    seconds = [sum(r.get("duration_s") or 0.0 for r in run) for run in runs]
    print(f"{len(runs[1])} checks; {len(found)} verdicts differ; the checks took "
          f"{seconds[0]:.1f} s before and {seconds[1]:.1f} s after")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
