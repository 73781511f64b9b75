"""The mutation-testing report: ``mutants.html`` (one self-contained page) and a terminal table.

Both read the dict ``MutationReport.to_json`` writes to ``mutants.json``; every string from it
is escaped by Jinja2's autoescape.

>>> data = {"overall": {"mutants": 2, "exact": 1.0, "fd": 0.5, "both": 1.0}, "per_op": {},
...         "fd_misses": [{"op": "<script>", "mutation": "constant-off", "dtype": "float64",
...                        "sample": "sample0", "why": "tiny & silent"}],
...         "false_alarms": [], "equivalent": 0, "crashed": 0, "passed": True}
>>> html = render_mutants_html(data)
>>> "&lt;script&gt;" in html and "<script>" not in html and "tiny &amp; silent" in html
True
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reports._status import number
from reports.html import _environment
from reports.records import write_atomic

__all__ = ["render_mutants_html", "write_mutants_html", "print_mutants", "print_bugs",
           "percent"]

# FD misses listed in the terminal; the page lists them all.
MISSES_SHOWN = 10


def percent(value: Any) -> str:
    """A kill rate as a percentage, "—" where no mutant was judged.

    >>> percent(0.98765), percent(float("nan")), percent(None)
    ('98.8%', '—', '—')
    """
    x = number(value)
    if x is None or math.isnan(x):
        return "—"
    return f"{100 * x:.1f}%"


def render_mutants_html(data: dict[str, Any], run: dict[str, Any] | None = None) -> str:
    """The mutation report as one HTML string.

    >>> from oracle.mutants import MutantResult, MutationReport
    >>> report = MutationReport([
    ...     MutantResult("exp", "sign-flipped", "float64", "sample0", "killed-exact", True, True),
    ...     MutantResult("exp", "constant-off", "float64", "sample0", "killed-exact", True),
    ...     MutantResult("exp", "scaled-by-2", "float64", "sample1", "survived", False, True),
    ... ])
    >>> html = render_mutants_html(report.to_json(), {"command": "symgrad-check --mutants"})
    >>> html.startswith("<!DOCTYPE html>"), "FAIL · exact oracle 66.7%" in html
    (True, True)
    >>> "symgrad-check --mutants" in html and "constant-off" in html
    True
    """
    env = _environment()
    env.filters["percent"] = percent
    template = env.get_template("mutants.html.j2")
    return template.render(d=data, run=run or {}, overall=_row(data.get("overall")),
                           per_op=sorted((k, _row(r)) for k, r in
                                         (data.get("per_op") or {}).items()),
                           per_mutation=[(k, _row(r)) for k, r in
                                         (data.get("per_mutation") or {}).items()])


def _row(rates: dict[str, Any] | None) -> dict[str, Any]:
    """Rates with every column present (a hand-made or older file may lack some)."""
    return {"mutants": 0, "exact": None, "fd": None, "both": None, "equivalent": "",
            "below_resolution": "", "crashed": "", **(rates or {})}


def write_mutants_html(path: Path, data: dict[str, Any], run: dict[str, Any] | None = None
                       ) -> None:
    """Render and write the page atomically.

    >>> import tempfile
    >>> data = {"overall": {"mutants": 4, "exact": 1.0, "fd": 0.75, "both": 1.0}, "passed": True}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = Path(d) / "mutants.html"
    ...     write_mutants_html(path, data)
    ...     "PASS · exact oracle 100.0%" in path.read_text(encoding="utf-8")
    True
    """
    write_atomic(Path(path), render_mutants_html(data, run))


def print_mutants(data: dict[str, Any], console: Console | None = None,
                  report: str | None = None) -> None:
    """Print the kill rates per op and overall, the FD misses, false alarms and the verdict.

    >>> import io
    >>> console = Console(file=io.StringIO(), width=100, record=True, color_system=None)
    >>> print_mutants({"overall": {"mutants": 4, "exact": 0.75, "fd": 0.5, "both": 1.0},
    ...                "per_op": {"[/]": {}}, "false_alarms": [], "passed": False},
    ...               console=console)
    >>> text = console.export_text()
    >>> "75.0%" in text and "FAIL" in text and "[/]" in text
    True
    """
    console = console or Console()
    target = number((data.get("target") or {}).get("exact")) or 0.99
    table = Table(title="mutation testing: share of mutants killed")
    for name, justify in (("op", "left"), ("mutants", "right"), ("FD alone", "right"),
                          ("exact oracle", "right"), ("both", "right"),
                          ("equivalent", "right"), ("below resolution", "right"),
                          ("crashed", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for op, r in sorted((data.get("per_op") or {}).items()):
        table.add_row(escape(str(op)), escape(str(r.get("mutants", 0))), percent(r.get("fd")),
                      _exact_cell(r.get("exact"), target), percent(r.get("both")),
                      escape(str(r.get("equivalent", ""))),
                      escape(str(r.get("below_resolution", ""))), escape(str(r.get("crashed", ""))))
    overall = data.get("overall") or {}
    table.add_section()
    table.add_row("[bold]overall[/]", escape(str(overall.get("mutants", 0))),
                  percent(overall.get("fd")), _exact_cell(overall.get("exact"), target),
                  percent(overall.get("both")), escape(str(data.get("equivalent", ""))),
                  escape(str(data.get("below_resolution", ""))),
                  escape(str(data.get("crashed", ""))))
    console.print(table)
    misses = data.get("fd_misses") or []
    if misses:
        console.print(f"FD alone (gradcheck's tolerance) misses {len(misses)} mutants the exact "
                      "oracle kills, e.g.:", highlight=False)
        for r in misses[:MISSES_SHOWN]:
            console.print(f"  {r.get('op')} {r.get('mutation')} {r.get('dtype')} "
                          f"{r.get('sample')}", highlight=False, markup=False)
        if len(misses) > MISSES_SHOWN:
            console.print(f"  ... and {len(misses) - MISSES_SHOWN} more", highlight=False)
    for r in data.get("survivors") or []:
        console.print(f"survivor: {r.get('op')} {r.get('mutation')} {r.get('dtype')} "
                      f"{r.get('sample')}: {r.get('why')}", style="red", highlight=False,
                      markup=False)
    for alarm in data.get("false_alarms") or []:
        console.print(f"false alarm: {alarm}", style="red", highlight=False, markup=False)
    verdict = "[bold green]PASS[/]" if data.get("passed") else "[bold red]FAIL[/]"
    judged = escape(str(overall.get("mutants", 0)))
    console.print(f"{verdict}: exact oracle kills {percent(overall.get('exact'))} of "
                  f"{judged} mutants (target {percent(target)}), FD alone "
                  f"{percent(overall.get('fd'))}; {len(data.get('false_alarms') or [])} false "
                  "alarms" + (f"; report: {escape(report)}" if report else ""), highlight=False)


def _exact_cell(value: Any, target: float) -> str:
    x = number(value)
    text = percent(value)
    return f"[red]{text}[/]" if x is not None and x < target else text


def print_bugs(data: dict[str, Any], console: Console | None = None) -> None:
    """Print the real bugs' kill rates (the default sweep, FD alone) per category and overall,
    then each bug the sweep missed with why, and each below resolution (not counted).

    >>> import io
    >>> console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
    >>> print_bugs({"overall": {"mutants": 2, "sweep": 0.5, "fd": 0.0},
    ...             "per_category": {"dtype": {"mutants": 2, "sweep": 0.5, "fd": 0.0}},
    ...             "survivors": [{"name": "x-[/]", "category": "dtype", "op": "exp",
    ...                            "why": "unreached", "issue": "url"}],
    ...             "below_resolution": [{"name": "y", "category": "dtype", "op": "max",
    ...                                   "why": "below resolution: 1 ULP"}],
    ...             "target": {"sweep": 0.95}, "passed": False, "seconds": 3.5},
    ...            console=console)
    >>> text = console.export_text()
    >>> "50.0%" in text and "x-[/]" in text and "FAIL" in text and "3.5 s" in text
    True
    >>> "not counted: y (dtype, max): below resolution: 1 ULP" in text
    True
    """
    console = console or Console()
    target = number((data.get("target") or {}).get("sweep")) or 0.95
    table = Table(title="real gradient bugs re-enacted: share killed")
    for name, justify in (("category", "left"), ("bugs", "right"), ("default sweep", "right"),
                          ("FD alone", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for category, r in (data.get("per_category") or {}).items():
        table.add_row(escape(str(category)), escape(str(r.get("mutants", 0))),
                      _exact_cell(r.get("sweep"), target), percent(r.get("fd")))
    overall = data.get("overall") or {}
    table.add_section()
    table.add_row("[bold]overall[/]", escape(str(overall.get("mutants", 0))),
                  _exact_cell(overall.get("sweep"), target), percent(overall.get("fd")))
    console.print(table)
    for r in data.get("survivors") or []:
        console.print(f"missed: {r.get('name')} ({r.get('category')}, {r.get('op')}): "
                      f"{r.get('why')}", style="red", highlight=False, markup=False)
    for r in data.get("below_resolution") or []:
        console.print(f"not counted: {r.get('name')} ({r.get('category')}, {r.get('op')}): "
                      f"{r.get('why')}", highlight=False, markup=False)
    verdict = "[bold green]PASS[/]" if data.get("passed") else "[bold red]FAIL[/]"
    console.print(f"{verdict}: the default sweep kills {percent(overall.get('sweep'))} of "
                  f"{escape(str(overall.get('mutants', 0)))} real bugs (target "
                  f"{percent(target)} in every category), FD alone "
                  f"{percent(overall.get('fd'))}; {data.get('seconds', 0)} s", highlight=False)
