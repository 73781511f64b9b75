"""The terminal summary: counts per status and the worst verdicts, with rich.

>>> import io
>>> from rich.console import Console
>>> console = Console(file=io.StringIO(), width=100, record=True, color_system=None)
>>> print_summary([{"id": "op/mul/float32/sample0/grad", "op": "mul", "dtype": "float32",
...                 "status": "engine-wrong", "max_ulp_error": 4096.0}], console=console)
>>> text = console.export_text()
>>> "engine-wrong" in text and "FAIL: 1 checks, 1 failing" in text
True

Strings from the file are shown as text, not read as rich markup:

>>> print_summary([{"id": "op/[/]x", "status": "[b]odd"}], console=console)
>>> "op/[/]x" in console.export_text()
True
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reports._status import COLOURS, number, rank
from reports.records import WHO_IS_WRONG, outcome

WORST_SHOWN = 12
# A log has no width; lines this wide keep a check id and its columns on one line.
LOG_WIDTH = 160


def make_console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr): a terminal's own width, else ``COLUMNS``, else
    ``LOG_WIDTH`` (a CI log, a pipe), never the 80 columns that cut check ids apart.

    Args:
        stderr: Print to standard error (progress) rather than standard output (the summary).

    >>> import os
    >>> old = os.environ.pop("COLUMNS", None)
    >>> make_console().width if not make_console().is_terminal else LOG_WIDTH
    160
    >>> os.environ["COLUMNS"] = "123"
    >>> make_console().width
    123
    >>> _ = os.environ.pop("COLUMNS") if old is None else os.environ.update(COLUMNS=old)
    """
    console = Console(stderr=stderr)
    if console.is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return console
    return Console(stderr=stderr, width=LOG_WIDTH)


def print_summary(verdicts: list[dict[str, Any]], console: Console | None = None,
                  report: str | None = None) -> None:
    """Print the counts per status, the worst verdicts, and where the report is.

    ``ok`` and ``kink`` verdicts are counted but not listed among the worst; a run fails when
    any verdict fails, and is unjudged when none fails but some could not be judged:

    Args:
        verdicts: The verdict records, as dicts from ``results.json`` (``id``, ``op``, ``dtype``,
            ``check``, ``status``, ...).
        console: The rich console printed to. Defaults to None: standard output.
        report: The report's path, printed last. Defaults to None: not printed.

    >>> import io
    >>> console = Console(file=io.StringIO(), width=100, record=True, color_system=None)
    >>> print_summary([{"id": "mul/0", "status": "ok"}, {"id": "abs/0", "status": "kink"},
    ...                {"id": "exp/0", "status": "unsupported"}], console=console,
    ...               report="out/index.html")
    >>> text = console.export_text()
    >>> "exp/0" in text, "abs/0" in text, text.splitlines()[-1]
    (True, False, 'UNJUDGED: 3 checks, 0 failing, 1 unjudged; report: out/index.html')
    """
    console = console or Console()
    counts = Counter(str(v.get("status")) for v in verdicts)
    table = Table(title="symgrad-check", show_lines=False)
    table.add_column("status")
    table.add_column("checks", justify="right")
    for status in sorted(counts, key=rank):
        colour = COLOURS.get(status, "magenta")
        table.add_row(f"[{colour}]{escape(status)}[/]", str(counts[status]))
    console.print(table)
    worst = sorted((v for v in verdicts if v.get("status") not in ("ok", "kink")),
                   key=lambda v: (rank(str(v.get("status"))),
                                  -(number(v.get("max_ulp_error")) or 0.0), str(v.get("id"))))
    if worst:
        detail = Table(title="worst checks")
        width = min(40, max(len(str(v.get("id"))) for v in worst[:WORST_SHOWN]))
        detail.add_column("status", min_width=14, no_wrap=True)
        detail.add_column("check", min_width=width, overflow="fold")
        detail.add_column("max ULP", justify="right", min_width=7)
        detail.add_column("wrong", min_width=6)
        # A message column only where it fits; the HTML report has every message in full.
        wide = console.width >= 120
        if wide:
            detail.add_column("message", overflow="fold", ratio=1)
        for v in worst[:WORST_SHOWN]:
            status = str(v.get("status"))
            # Strings from a results file are text, never rich markup ("[/]" would raise).
            row = [f"[{COLOURS.get(status, 'magenta')}]{escape(status)}[/]",
                   escape(str(v.get("id"))), _ulps(v.get("max_ulp_error")),
                   escape(str(v.get("wrong") or WHO_IS_WRONG.get(status) or ""))]
            detail.add_row(*row, *([escape(_first_line(v.get("message")))] if wide else []))
        console.print(detail)
        if len(worst) > WORST_SHOWN:
            console.print(f"... and {len(worst) - WORST_SHOWN} more in the report")
    outcomes = Counter(outcome(v.get("status")) for v in verdicts)
    failing, unjudged = outcomes["fail"], outcomes["unjudged"]
    verdict = ("[bold red]FAIL[/]" if failing else "[bold yellow]UNJUDGED[/]" if unjudged
               else "[bold green]PASS[/]")
    console.print(f"{verdict}: {len(verdicts)} checks, {failing} failing"
                  + (f", {unjudged} unjudged" if unjudged else "")
                  + (f"; report: {escape(report)}" if report else ""), highlight=False,
                  soft_wrap=True)


def _ulps(value: Any) -> str:
    x = number(value)
    return "" if x is None else f"{x:.3g}"


def _first_line(message: Any) -> str:
    text = str(message or "").strip()
    return text.splitlines()[0][:100] if text else ""
