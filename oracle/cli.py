"""``symgrad-check``: sweep the op catalog, write the reports, exit with a code that means one
thing (``reports.records.EXIT_CODES``).

::

    symgrad-check                                  # everything, into symgrad-report/
    symgrad-check --ops mul,tanh --dtypes float32  # a slice
    symgrad-check --jobs 1                         # in one process (default: one per CPU)
    symgrad-check --shard 1/4 --results-only --out shard1   # a CI matrix job
    symgrad-check --merge shard*/results.json --out report  # one report from every shard
    symgrad-check --mutants --ops mul,tanh         # mutation testing of the VJPs
    symgrad-check --engine symgrad                 # the engine judged (its adapter)
    symgrad-check --allow-unjudged                 # exit 0, not 3, when only unjudged remain

Writes ``<out>/results.json``, ``<out>/index.html`` and ``<out>/junit.xml`` as one set: into a
fresh folder swapped in at the end, so an interrupted run (Ctrl-C, or SIGTERM from a CI runner
or ``timeout``) leaves the previous set whole.
``--mutants`` writes ``<out>/mutants.json`` and ``<out>/mutants.html`` instead: the mechanical
mutants (``oracle.mutants``) and the real engines' bugs re-enacted against the default sweep
(``oracle.real_bugs``, under ``"realistic"``); it exits 1 when the exact oracle kills under 99% of
the mechanical mutants, raises a false alarm, or the sweep kills under 95% of the real bugs of
some category.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import platform
import signal
import sys
import threading
import time
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console

from oracle.engines import ADAPTERS
from reports import write_reports
from reports.output_folder import OutputError, OutputFolder
from reports.progress import SweepProgress
from reports.records import (
    EXIT_CODES,
    RecordError,
    dump_results,
    exit_code,
    left_out_of,
    read_results,
)
from reports.terminal import make_console, print_summary

__all__ = ["main"]

# Names people try that are not the registry's: what to suggest instead.
ALIASES: dict[str, tuple[str, ...]] = {
    "linear": ("addmm", "matmul", "mm"),
    "cross_entropy": ("log_softmax", "nll_loss"),
    "max": ("max_all", "max_dim", "amax", "maximum"),
    "min": ("min_all", "min_dim", "amin", "minimum"),
    "softmax_cross_entropy": ("log_softmax", "nll_loss"),
    "power": ("pow", "pow_scalar", "pow_tensor"),
}
# ``--jobs auto`` gives each process at least this many checks (about 2 CPU-s of them).
CHECKS_PER_PROCESS = 150
DTYPE_ALIASES: dict[str, str] = {"half": "float16", "fp16": "float16", "bf16": "bfloat16",
                                 "float": "float32", "fp32": "float32", "double": "float64",
                                 "fp64": "float64"}


class UsageError(Exception):
    """A usage or input error: exit 2 with this message, before any work."""


def _list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected I/N, as 1/4") from None
    if not 1 <= i <= n:
        raise argparse.ArgumentTypeError(f"{text!r}: I runs from 1 to N")
    return i, n


def _jobs(text: str) -> int | None:
    if text == "auto":
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of processes, 1 or more, or auto")
    return n


def _version() -> str:
    try:
        return metadata.version("symgrad")
    except metadata.PackageNotFoundError:
        return "unknown"


def _epilog() -> str:
    return "exit codes:\n" + "\n".join(f"  {code:<4} {text}" for code, text in EXIT_CODES.items())


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="symgrad-check", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check every op's gradient against the exact derivative and finite "
                    "differences; write an HTML report, JUnit XML and results.json.",
        epilog=_epilog())
    p.add_argument("--version", action="version", version=f"symgrad-check {_version()}")
    p.add_argument("--list-ops", action="store_true",
                   help="list the ops a sweep checks (dtypes, samples, orders) and exit")
    p.add_argument("--out", type=Path, default=Path("symgrad-report"),
                   help="output folder, replaced as a whole (default: symgrad-report/)")
    p.add_argument("--engine", default="symgrad", choices=sorted(ADAPTERS),
                   help="the engine judged, through its adapter in oracle/engines/ "
                        "(default: symgrad)")
    p.add_argument("--ops", type=_list, default=None, help="comma-separated op names")
    p.add_argument("--dtypes", type=_list, default=None,
                   help="comma-separated float dtypes (float16,bfloat16,float32,float64)")
    p.add_argument("--no-second-order", dest="second_order", action="store_false",
                   help="skip second-order (create_graph) checks")
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="run the checks in N processes, the same verdicts as in one (default: "
                        "auto, a process per CPU this process may use, container quotas "
                        f"included, and at least {CHECKS_PER_PROCESS} checks per process)")
    p.add_argument("--shard", type=_shard, default=None, metavar="I/N",
                   help="run only shard I of N (a deterministic split; merge all N with "
                        "--merge to get the report of one whole run)")
    p.add_argument("--results-only", action="store_true",
                   help="write results.json only (a CI shard; render later with --merge)")
    p.add_argument("--merge", nargs="+", type=Path, metavar="RESULTS",
                   help="render one report from these results files instead of sweeping "
                        "(--ops, --dtypes and --no-second-order select from them)")
    p.add_argument("--allow-unjudged", action="store_true",
                   help="exit 0, not 3, when nothing is wrong but some checks are unjudged "
                        "(they are still counted apart and listed in the reports)")
    p.add_argument("--mutants", action="store_true",
                   help="mutation testing: seed bugs into each op's VJP and report the kill "
                        "rate of FD alone and of the exact oracle (float64 unless --dtypes), "
                        "and of the default sweep on real engines' bugs re-enacted, per "
                        "category; writes mutants.json and mutants.html")
    return p


def _run_info(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    import numpy

    info = {
        "command": " ".join(["symgrad-check", *argv]),
        "version": _version(),
        "engine": args.engine,
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "ops": ",".join(args.ops) if args.ops else "all",
        "dtypes": ",".join(args.dtypes) if args.dtypes else "all float dtypes",
        "second order": args.second_order,
    }
    if args.shard:
        info["shard"] = f"{args.shard[0]}/{args.shard[1]}"
    return info


def main(argv: list[str] | None = None) -> int:
    """Run ``symgrad-check`` with ``argv``; return its exit code (see ``--help``).

    Args:
        argv: The command-line arguments; ``sys.argv[1:]`` by default.

    >>> main(["--help"])  # doctest: +ELLIPSIS
    usage: symgrad-check ...
    exit codes:
      0    every check judged, every gradient right
    ...
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    console = make_console()
    folder: OutputFolder | None = None
    previous = _stop_on_sigterm()
    try:
        if args.list_ops:
            return _list_ops(console, args.engine)
        _check_usage(args)
        if args.mutants:
            return _mutants(args, argv, console)
        with OutputFolder(args.out) as folder:
            if args.merge:
                return _merge(args, folder, console)
            return _sweep(args, argv, folder, console)
    except (UsageError, OutputError) as exc:
        _error(console, str(exc))
        return 2
    except KeyboardInterrupt as stop:
        if folder is not None and folder.committed:
            kept = f"this run's outputs are complete in {args.out}"
        else:
            kept = f"{args.out} left as it was" + ("" if args.out.exists() else " (absent)")
        terminated = isinstance(stop, _Terminated)
        print(f"symgrad-check: {'terminated' if terminated else 'interrupted'}; {kept}",
              file=sys.stderr)
        return 143 if terminated else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is so that it stops as on Ctrl-C."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise _Terminated


def _stop_on_sigterm() -> Any:
    """Make SIGTERM stop the run as Ctrl-C does (the previous outputs kept, exit 143, not a
    silent death); returns the handler it replaced, or None off the main thread, where Python
    lets no handler be set."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def _error(console: Console, message: str) -> None:
    console.print(f"symgrad-check: error: {message}", style="red", highlight=False,
                  markup=False, soft_wrap=True)


def _check_usage(args: argparse.Namespace) -> None:
    """Every usage error found before any work: exit 2 rather than a sweep's worth of time."""
    if args.merge and (args.shard or (args.jobs or 1) > 1 or args.mutants):
        raise UsageError("--merge renders results files: --shard, --jobs and --mutants apply "
                         "to a sweep")
    if args.mutants and (args.shard or args.results_only or (args.jobs or 1) > 1):
        raise UsageError("--mutants writes its own report in one process: --shard, --jobs "
                         "and --results-only apply to a sweep")
    if args.ops is not None and not args.ops:
        raise UsageError("--ops selects no op (see --list-ops)")
    if args.dtypes is not None and not args.dtypes:
        raise UsageError("--dtypes selects no dtype (choose from float16, bfloat16, float32, "
                         "float64)")
    if args.dtypes:
        _check_dtypes(args.dtypes)
    if args.ops and not args.merge:
        _check_ops(args.ops, args.engine)


def _check_dtypes(names: list[str]) -> None:
    from oracle.sweep import FLOAT_DTYPES

    problems = []
    for name in names:
        if name in FLOAT_DTYPES:
            continue
        hint = DTYPE_ALIASES.get(name.lower()) or next(
            iter(difflib.get_close_matches(name, FLOAT_DTYPES, n=1)), None)
        problems.append(f"{name!r}" + (f" (did you mean {hint}?)" if hint else ""))
    if problems:
        raise UsageError(f"not a float dtype: {', '.join(problems)}; choose from "
                         f"{', '.join(FLOAT_DTYPES)}")


def _check_ops(names: Iterable[str], engine: str) -> None:
    from oracle.sweep import not_differentiable, sweepable_ops

    known, excluded = sweepable_ops(engine), not_differentiable(engine)
    unknown, no_gradient = [], []
    for name in names:
        if name in known:
            continue
        if name in excluded:
            no_gradient.append(name)
        else:
            unknown.append(f"{name!r}" + _suggest(name, known))
    problems = []
    if unknown:
        problems.append(f"unknown op{'s' if len(unknown) > 1 else ''}: {'; '.join(unknown)}")
    if no_gradient:
        problems.append(f"no gradient to check (not differentiable): {', '.join(no_gradient)}")
    if problems:
        raise UsageError("; ".join(problems) + " (see --list-ops)")


def _suggest(name: str, known: list[str]) -> str:
    """`` (did you mean a, b?)`` from the aliases people use and the closest spellings."""
    hints = [n for n in ALIASES.get(name.lower(), ()) if n in known]
    hints += [n for n in difflib.get_close_matches(name, known, n=3, cutoff=0.7)
              if n not in hints]
    return f" (did you mean {', '.join(hints)}?)" if hints else ""


def _list_ops(console: Console, engine: str) -> int:
    from rich.table import Table

    from oracle.sweep import not_differentiable, plan, sweepable_ops

    table = Table(title=f"ops symgrad-check sweeps ({engine})")
    for name in ("op", "dtypes", "samples", "orders"):
        table.add_column(name)
    for op in sweepable_ops(engine):
        checks = plan([op], engine=engine)
        dtypes = list(dict.fromkeys(c.dtype for c in checks))
        samples = len({c.sample for c in checks})
        orders = sorted({c.order for c in checks})
        table.add_row(op, ", ".join(dtypes), str(samples), ", ".join(map(str, orders)))
    console.print(table)
    console.print(f"not differentiable, not swept: {', '.join(not_differentiable(engine))}",
                  highlight=False, markup=False, soft_wrap=True)
    return 0


def _sweep(args: argparse.Namespace, argv: list[str], folder: OutputFolder,
           console: Console) -> int:
    from oracle.sweep import available_cpus, iter_sweep, plan, shard

    checks = plan(args.ops, args.dtypes, args.second_order, args.engine)
    run = _run_info(args, argv)
    if args.engine == "symgrad":
        from oracle.catalog import left_out

        # The whole selection's, before sharding: every shard says the same, as one run would.
        run["left out"] = left_out(dict.fromkeys(c.op for c in checks))
    if args.shard:
        checks = shard(checks, *args.shard)
    if not checks:
        raise UsageError("the selection holds no check (no op in --ops has a dtype in "
                         "--dtypes, or the shard is empty)")
    # A process costs its imports (about 1.3 CPU-s): a small selection runs in this one.
    jobs = args.jobs or min(available_cpus(), max(1, len(checks) // CHECKS_PER_PROCESS))
    records = []
    with SweepProgress(len(checks), make_console(stderr=True)) as progress:
        for verdict in iter_sweep(checks, jobs=jobs, engine=args.engine):
            records.append(verdict.to_json())
            progress.advance(verdict.status, verdict.id)
    return _write(args, folder, run, records, console)


def _merge(args: argparse.Namespace, folder: OutputFolder, console: Console) -> int:
    try:
        results = read_results(*args.merge)
    except RecordError as exc:
        raise UsageError(str(exc)) from None
    records = results.verdicts
    if args.ops:
        present = sorted({str(r["op"]) for r in records})
        missing = [f"{n!r}" + _suggest(n, present) for n in args.ops if n not in present]
        if missing:
            raise UsageError(f"--ops: not in the merged results: {'; '.join(missing)}")
        records = [r for r in records if r["op"] in args.ops]
    if args.dtypes:
        records = [r for r in records if r["dtype"] in args.dtypes]
    if not args.second_order:
        records = [r for r in records if r.get("order", 1) == 1]
    if not records:
        raise UsageError("nothing to report: the merged results hold no verdict"
                         + (" of this selection" if args.ops or args.dtypes else ""))
    for note in results.notes:
        console.print(f"symgrad-check: {note}", highlight=False, markup=False)
    return _write(args, folder, results.run(args.merge), records, console)


def _write(args: argparse.Namespace, folder: OutputFolder, run: dict[str, Any],
           records: list[dict[str, Any]], console: Console) -> int:
    (folder.staging / "results.json").write_text(dump_results(run, records), encoding="utf-8")
    report = None
    if args.merge or not args.results_only:
        write_reports(folder.staging, run, records)
        report = str(args.out / "index.html")
    folder.commit()
    print_summary(records, console=console, report=report)
    gaps = left_out_of(run)
    if gaps:
        console.print(f"{len(gaps)} catalog sample{'s' if len(gaps) != 1 else ''} left out of "
                      "the sweep, each exposing a known defect: listed in results.json"
                      + (" and the report" if report else ""), highlight=False, markup=False)
    code = exit_code(records)
    return 0 if code == 3 and args.allow_unjudged else code


def _mutants(args: argparse.Namespace, argv: list[str], console: Console) -> int:
    from oracle.mutants import run_mutants
    from oracle.real_bugs import run_bugs
    from reports.mutants import print_bugs, print_mutants, write_mutants_html

    dtypes = tuple(args.dtypes) if args.dtypes else ("float64",)
    with OutputFolder(args.out) as folder:
        try:
            start = time.perf_counter()
            report = run_mutants(args.ops, dtypes, engine=args.engine)
            seconds = time.perf_counter() - start
            bugs = run_bugs(args.ops, engine=args.engine)
        except (KeyError, ValueError, NotImplementedError) as exc:
            raise UsageError(str(exc).strip("'")) from None
        run = {**_run_info(args, argv), "dtypes": ",".join(dtypes)}
        del run["second order"]
        data = {**report.to_json(), "seconds": round(seconds, 1), "realistic": bugs.to_json()}
        (folder.staging / "mutants.json").write_text(json.dumps({"run": run, **data}, indent=1),
                                                     encoding="utf-8")
        write_mutants_html(folder.staging / "mutants.html", data, run)
        folder.commit()
    print_mutants(data, console=console, report=str(args.out / "mutants.html"))
    print_bugs(data["realistic"], console=console)
    return 0 if report.passed() and bugs.passed() else 1
