"""``symgrad-check``: sweep the op catalog, write the reports, exit 1 when a gradient is wrong.

::

    symgrad-check                                  # everything, into symgrad-report/
    symgrad-check --ops mul,tanh --dtypes float32  # a slice
    symgrad-check --results-only --out shard1      # a CI shard: results.json only
    symgrad-check --merge shard1/results.json shard2/results.json --out report
    symgrad-check --mutants --ops mul,tanh         # mutation testing of the VJPs
    symgrad-check --engine symgrad                 # the engine judged (its adapter)

Writes ``<out>/results.json``, ``<out>/index.html`` and ``<out>/junit.xml``, each atomically.
``--mutants`` writes ``<out>/mutants.json`` and ``<out>/mutants.html`` instead, and exits 1
when the exact oracle kills under 99% of the mutants or raises a false alarm.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from oracle.engines import ADAPTERS
from oracle.verdict import Verdict, read_results, write_results
from reports import passed, write_reports
from reports.terminal import print_summary

__all__ = ["main"]


def _list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="symgrad-check",
        description="Check every op's gradient against the exact derivative and finite "
                    "differences; write an HTML report, JUnit XML and results.json.")
    p.add_argument("--out", type=Path, default=Path("symgrad-report"),
                   help="output directory (default: symgrad-report/)")
    p.add_argument("--engine", default="symgrad", choices=sorted(ADAPTERS),
                   help="the engine judged, through its adapter in oracle/engines/ "
                        "(default: symgrad)")
    p.add_argument("--ops", type=_list, default=None, help="comma-separated op names")
    p.add_argument("--dtypes", type=_list, default=None,
                   help="comma-separated float dtypes (float16,bfloat16,float32,float64)")
    p.add_argument("--no-second-order", dest="second_order", action="store_false",
                   help="skip second-order (create_graph) checks")
    p.add_argument("--results-only", action="store_true",
                   help="write results.json only (a CI shard; render later with --merge)")
    p.add_argument("--merge", nargs="+", type=Path, metavar="RESULTS",
                   help="render one report from these results files instead of sweeping")
    p.add_argument("--mutants", action="store_true",
                   help="mutation testing: seed bugs into each op's VJP and report the kill "
                        "rate of FD alone and of the exact oracle (float64 unless --dtypes); "
                        "writes mutants.json and mutants.html")
    return p


def _run_info(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    import numpy

    return {
        "command": " ".join(["symgrad-check", *argv]),
        "engine": args.engine,
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "ops": ",".join(args.ops) if args.ops else "all",
        "dtypes": ",".join(args.dtypes) if args.dtypes else "all float dtypes",
        "second order": args.second_order,
    }


def main(argv: list[str] | None = None) -> int:
    """Run ``symgrad-check`` with ``argv``; return the exit code (1 when any check fails).

    >>> main(["--help"])  # doctest: +ELLIPSIS
    usage: symgrad-check ...
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    console = Console()
    out: Path = args.out
    if args.mutants:
        return _mutants(args, argv, console)
    if args.merge:
        try:
            run, records = read_results(*args.merge)
            verdicts = [Verdict.from_json(r) for r in records]
        except (OSError, ValueError) as exc:
            console.print(f"symgrad-check: {exc}", style="red", highlight=False, markup=False)
            return 2
        run = {**run, "merged from": ", ".join(str(p) for p in args.merge)}
    else:
        from oracle.sweep import sweep

        try:
            verdicts = sweep(args.ops, args.dtypes, second_order=args.second_order,
                             engine=args.engine)
        except (KeyError, ValueError) as exc:
            console.print(f"symgrad-check: {exc}", style="red", highlight=False)
            return 2
        run = _run_info(args, argv)
    write_results(out / "results.json", verdicts, run)
    records = [v.to_json() for v in verdicts]
    report = None
    if args.merge or not args.results_only:
        write_reports(out, run, records)
        report = str(out / "index.html")
    print_summary(records, console=console, report=report)
    return 0 if all(passed(r) for r in records) else 1


def _mutants(args: argparse.Namespace, argv: list[str], console: Console) -> int:
    from oracle.mutants import run_mutants
    from oracle.verdict import write_atomic
    from reports.mutants import print_mutants, write_mutants_html

    dtypes = tuple(args.dtypes) if args.dtypes else ("float64",)
    try:
        report = run_mutants(args.ops, dtypes, engine=args.engine)
    except (KeyError, ValueError) as exc:
        console.print(f"symgrad-check: {exc}", style="red", highlight=False)
        return 2
    run = {**_run_info(args, argv), "dtypes": ",".join(dtypes)}
    del run["second order"]
    data = report.to_json()
    out: Path = args.out
    write_atomic(out / "mutants.json", json.dumps({"run": run, **data}, indent=1))
    write_mutants_html(out / "mutants.html", data, run)
    print_mutants(data, console=console, report=str(out / "mutants.html"))
    return 0 if report.passed() else 1
