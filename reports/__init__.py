"""Reports: what people read. They know only verdict records (dicts from ``results.json``).

``write_reports`` renders one run into a directory: ``index.html`` (self-contained),
``junit.xml`` for CI; ``terminal.print_summary`` prints the summary.

>>> import tempfile, pathlib
>>> from reports import write_reports
>>> v = {"id": "op/mul/float32/sample0/grad", "op": "mul", "dtype": "float32",
...      "check": "grad", "status": "ok", "passed": True}
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> sorted(p.name for p in write_reports(out, {}, [v]))
['index.html', 'junit.xml']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports._status import SEVERITY, passed, worst_status
from reports.html import write_html
from reports.junit import write_junit

__all__ = ["write_reports", "write_html", "write_junit", "SEVERITY", "worst_status", "passed"]


def write_reports(out: Path, run: dict[str, Any], verdicts: list[dict[str, Any]]) -> list[Path]:
    """Write ``index.html`` and ``junit.xml`` under ``out``, each atomically; return the paths.

    Args:
        out: The directory written to (made if missing).
        run: What the run was: its command, engine, options and timings (shown in the report's
            header); any keys may be missing.
        verdicts: The verdict records, as dicts from ``results.json`` (``id``, ``op``, ``dtype``,
            ``check``, ``status``, ...).

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_reports(out, {"command": "demo"}, [])]
    ['index.html', 'junit.xml']
    """
    out = Path(out)
    html, junit = out / "index.html", out / "junit.xml"
    write_html(html, run, verdicts)
    write_junit(junit, verdicts)
    return [html, junit]
