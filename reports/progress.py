"""Progress of a sweep: a live bar on a terminal, plain lines in a log.

A CI log has no terminal: there a line is printed at every tenth of the checks and at least
every ``interval_s`` seconds, so a slow sweep still shows it is alive.

>>> import io
>>> from rich.console import Console
>>> console = Console(file=io.StringIO(), width=100)
>>> with SweepProgress(20, console) as progress:
...     for i in range(20):
...         progress.advance("engine-wrong" if i == 3 else "ok")
>>> lines = console.file.getvalue().splitlines()
>>> len(lines), lines[0]
(10, 'symgrad-check: 2/20 checks (10%), 0 failing, 0 unjudged, 0 s')
>>> lines[-1]
'symgrad-check: 20/20 checks (100%), 1 failing, 0 unjudged, 0 s'
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reports.records import outcome

__all__ = ["SweepProgress", "live"]


def live(console: Console) -> bool:
    """Whether to draw a live bar: a terminal, and not CI (whose logs keep every frame).

    Args:
        console: Where the progress goes.
    """
    return console.is_terminal and not os.environ.get("CI")


class SweepProgress:
    """Counts checks as they end (``advance``) and shows it on ``console``.

    Args:
        total: The number of checks expected.
        console: Where the progress goes: a live bar on a terminal, else lines.
        interval_s: The longest silence in a log, in seconds.
        clock: Seconds from any origin (tests pass their own).
    """

    def __init__(self, total: int, console: Console, interval_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.console, self.interval_s, self.clock = total, console, interval_s, clock
        self.done = self.failing = self.unjudged = 0
        self.start = self.last = clock()
        self.next_tenth = 1
        self.bar: Progress | None = None
        if live(console):
            self.bar = Progress(TextColumn("[bold]symgrad-check"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("{task.fields[current]}"), console=console,
                                transient=True)
            self.task = self.bar.add_task("checks", total=total, current="")

    def __enter__(self) -> SweepProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.stop()

    def advance(self, status: str, check_id: str = "") -> None:
        """One more check ended.

        Args:
            status: Its verdict's status.
            check_id: Its id, shown beside a live bar.
        """
        self.done += 1
        kind = outcome(status)
        self.failing += kind == "fail"
        self.unjudged += kind == "unjudged"
        if self.bar is not None:
            self.bar.update(self.task, advance=1, current=check_id)
            return
        now = self.clock()
        tenth = self.done * 10 >= self.next_tenth * self.total
        if tenth or now - self.last >= self.interval_s or self.done == self.total:
            while self.next_tenth * self.total <= self.done * 10:
                self.next_tenth += 1
            self.last = now
            self._line(now)

    def _line(self, now: float) -> None:
        share = 100 * self.done // max(self.total, 1)
        self.console.print(f"symgrad-check: {self.done}/{self.total} checks ({share}%), "
                           f"{self.failing} failing, {self.unjudged} unjudged, "
                           f"{now - self.start:.0f} s", markup=False, highlight=False,
                           soft_wrap=True)
