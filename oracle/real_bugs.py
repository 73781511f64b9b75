"""Mutation testing of record: real engines' gradient bugs, re-enacted, against the default sweep.

The engine's adapter lists the bugs (for symgrad, ``oracle.engines.symgrad_bugs``: each imitates
one reported in a public issue tracker and is filed under a category: edge values, ties and
kinks, attributes, indexing, shapes, precision, dtype, second order only, small relative
errors). For each bug, the checks the default sweep runs on its op (``oracle.sweep.plan``: every
dtype, sample and catalog point, both orders) run with the bug installed. A bug is *killed*:

- by the sweep when some check that passes on the unmutated engine no longer passes;
- by finite differences alone (what ``torch.autograd.gradcheck``/``gradgradcheck`` would say on
  the same inputs) when some element differs from its FD value beyond gradcheck's default
  tolerance where the unmutated engine's does not, or when the mutant makes a check raise.

Every bug counts in the denominator (one the sweep's inputs never reach is a bug the sweep
misses) but one *below resolution*: a bug that moves no gradient element by more than one ULP of
its dtype, at its own witness (the input its author chose to show it) nor on any check, is
within what one more rounding does (``g * (1 / n)`` for ``g / n``), which no judge can reject
without rejecting correct engines too; it is counted and listed apart, as the mechanical
mutants' are (``oracle.mutants``). Kill rates are computed here, per category and overall, from
the verdicts.

>>> from oracle.sweep import plan
>>> report = run_bugs(["relu"])
>>> [(r.name, r.category) for r in report.results]
[('relu-at-zero-passes', 'ties and kinks')]
>>> report.results[0].checks == len(plan(["relu"]))
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from oracle.engines import get
from oracle.mutants import GRADCHECK_ATOL, GRADCHECK_RTOL, _fd_ratios, _plain

__all__ = ["BugResult", "BugReport", "run_bugs", "CATEGORIES", "SWEEP_TARGET"]

CATEGORIES: tuple[str, ...] = ("edge values", "ties and kinks", "attributes", "indexing",
                               "shapes", "precision", "dtype", "second order only",
                               "small relative errors")

# The default sweep must kill this share of the realistic mutants in every category (issue 12).
SWEEP_TARGET = 0.95


@dataclass
class BugResult:
    """One re-enacted bug: whether the sweep and FD alone kill it, on which check first, why
    a judge missed it (``why``), and whether it is below resolution (then left out of the
    rates)."""

    name: str
    category: str
    op: str
    issue: str
    what: str
    killed_sweep: bool
    killed_fd: bool
    checks: int
    kill: str = ""
    fd_kill: str = ""
    why: str = ""
    below_resolution: bool = False


@dataclass
class BugReport:
    """Kill rates of the sweep and of FD alone over the re-enacted bugs.

    >>> report = BugReport([BugResult("a", "dtype", "exp", "url", "", True, False, 4),
    ...                     BugResult("b", "dtype", "exp", "url", "", False, False, 4),
    ...                     BugResult("c", "shapes", "sum", "url", "", True, True, 4)])
    >>> report.rates("dtype"), report.rates()["sweep"]
    ({'mutants': 2, 'sweep': 0.5, 'fd': 0.0}, 0.666...)
    >>> report.passed()
    False
    """

    results: list[BugResult] = field(default_factory=list)
    categories: tuple[str, ...] = CATEGORIES
    # Checks failing on the unmutated engine: they cannot tell a bug apart, so they are skipped.
    clean_failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def rates(self, category: str | None = None) -> dict[str, float]:
        """Bugs (of ``category``, or all) and the share each judge kills (nan for none); bugs
        below resolution are not counted.

        >>> BugReport([BugResult("a", "dtype", "exp", "url", "", True, True, 4),
        ...            BugResult("b", "dtype", "exp", "url", "", False, False, 4,
        ...                      below_resolution=True)]).rates("dtype")
        {'mutants': 1, 'sweep': 1.0, 'fd': 1.0}
        """
        rows = [r for r in self.results if (category is None or r.category == category)
                and not r.below_resolution]
        n = len(rows)
        return {"mutants": n,
                "sweep": sum(r.killed_sweep for r in rows) / n if n else math.nan,
                "fd": sum(r.killed_fd for r in rows) / n if n else math.nan}

    def passed(self) -> bool:
        """The sweep kills ``SWEEP_TARGET`` of the bugs in every category that has some."""
        return all(math.isnan(s) or s >= SWEEP_TARGET
                   for s in (self.rates(c)["sweep"] for c in self.categories))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (a rate with no bug is None).

        >>> import json
        >>> report = BugReport([BugResult("a", "dtype", "exp", "url", "", True, False, 4)])
        >>> data = json.loads(json.dumps(report.to_json(), allow_nan=False))
        >>> data["per_category"]["shapes"]["sweep"], data["overall"]["sweep"], data["passed"]
        (None, 1.0, True)
        """
        return _plain({
            "target": {"sweep": SWEEP_TARGET},
            "passed": self.passed(),
            "gradcheck_tolerance": {"atol": GRADCHECK_ATOL, "rtol": GRADCHECK_RTOL},
            "overall": self.rates(),
            "per_category": {c: self.rates(c) for c in self.categories},
            "seconds": round(self.seconds, 1),
            "clean_failures": self.clean_failures,
            "survivors": [asdict(r) for r in self.results
                          if not r.killed_sweep and not r.below_resolution],
            "below_resolution": [asdict(r) for r in self.results if r.below_resolution],
            "results": [asdict(r) for r in self.results],
        })


def run_bugs(ops: list[str] | None = None, engine: str = "symgrad",
             progress: Callable[[str], None] | None = None) -> BugReport:
    """Run the default sweep's checks of each bug's op with the bug installed (every bug of the
    engine's adapter, or those of ``ops``), and score the sweep and FD alone.

    Args:
        ops: Op names whose bugs to run; every bug when None.
        engine: The engine whose adapter lists and installs the bugs.
        progress: Called with each bug's name as it starts.

    Returns:
        The report, its results in the adapter's order.

    >>> report = run_bugs(["expm1"])
    >>> [(r.name, r.category, r.killed_sweep) for r in report.results]
    [('expm1-out-plus-one', 'precision', True)]
    """
    import warnings

    from oracle.sweep import plan, run_check

    adapter = get(engine)
    start = time.perf_counter()
    report = BugReport()
    clean: dict[str, dict[str, Any]] = {}
    with warnings.catch_warnings():
        # Catalog points at poles and overflow thresholds make NumPy warn; verdicts say it.
        warnings.simplefilter("ignore", RuntimeWarning)
        for case in adapter.bug_cases(ops):
            if progress:
                progress(case.name)
            checks = plan([case.op], engine=engine)
            if case.op not in clean:
                clean[case.op] = {c.id: run_check(c, engine=engine) for c in checks}
                report.clean_failures += [f"{v.id}: {v.status}" for v in
                                          clean[case.op].values() if not v.passed]
            with case.install():
                mutated = [run_check(c, engine=engine) for c in checks]
            report.results.append(_score(case, clean[case.op], mutated))
    report.seconds = time.perf_counter() - start
    return report


def _score(case: Any, clean: dict[str, Any], mutated: list[Any]) -> BugResult:
    kill = fd_kill = ""
    reached: list[tuple[float, str]] = []
    for v in mutated:
        before = clean[v.id]
        if not before.passed:
            continue
        if _changed(before, v):
            reached.append(_closest(before, v))
        if not kill and not v.passed:
            kill = f"{v.id}: {v.status}"
        if not fd_kill and _fd_kills(before, v):
            fd_kill = v.id
    why = ""
    below = False
    if not kill:
        why = ("unreached: every check gives the unmutated gradients bit for bit (no input "
               "where the bug lives)" if not reached else
               f"within the bounds on the {len(reached)} checks it changes; closest: "
               f"{max(reached)[1]}")
        moved = max((_moved_ulps(clean[v.id], v) for v in mutated if clean[v.id].passed),
                    default=0.0)
        at_witness = case.witness_ulps() if reached and case.witness_ulps else math.inf
        below = moved <= 1 and at_witness <= 1
        if below:
            why = (f"below resolution: moves no element by more than 1 ULP, at its witness "
                   f"({at_witness:g}) nor on the {len(reached)} checks it changes; {why}")
    elif not fd_kill:
        why = "FD alone: within gradcheck's tolerance on every element it changes"
    return BugResult(case.name, case.category, case.op, case.issue, case.what, bool(kill),
                     bool(fd_kill), len(mutated), kill, fd_kill, why, below)


def _moved_ulps(before: Any, after: Any) -> float:
    """The most ULPs (of the check's dtype) the mutant moves any element of this check: inf
    where it changes the check's status to an error or a number to NaN or an infinity."""
    from oracle.tolerances import ulp_error

    if before.status == "error" or after.status == "error":
        return 0.0 if before.status == after.status else math.inf
    a, b = _engine_values(before), _engine_values(after)
    if len(a) != len(b) or any(x[:2] != y[:2] for x, y in zip(a, b, strict=True)):
        return math.inf
    old = np.array([x[2] if x[2] is not None else np.nan for x in a], dtype=np.float64)
    new = np.array([y[2] if y[2] is not None else np.nan for y in b], dtype=np.float64)
    same = (old == new) | (np.isnan(old) & np.isnan(new))
    with np.errstate(invalid="ignore", over="ignore"):
        moved = np.where(same, 0.0, np.nan_to_num(ulp_error(new, old, after.dtype),
                                                  nan=math.inf))
    return float(np.max(moved, initial=0.0))


def _closest(before: Any, after: Any) -> tuple[float, str]:
    """The changed element nearest its bound: (share of the bound used, a description)."""
    best = (-1.0, f"{after.id} (no element error recorded)")
    old = {(str(e.input), tuple(e.index)): e.engine for e in before.elements}
    for e in after.elements:
        if _same(old.get((str(e.input), tuple(e.index))), e.engine) or e.ulp_error is None:
            continue
        share = e.ulp_error / e.tolerance_ulps if e.tolerance_ulps else math.inf
        if share > best[0]:
            best = (share, f"{after.id} {e.input}{list(e.index)}: {e.ulp_error:.3g} ULP off, "
                           f"bound {e.tolerance_ulps:.3g} ULP")
    return best


def _engine_values(v: Any) -> list[tuple[str, tuple[int, ...], float]]:
    return [(str(e.input), tuple(e.index), e.engine) for e in v.elements]


def _changed(before: Any, after: Any) -> bool:
    """Whether the mutant changed any gradient element of this check (NaN equal to NaN)."""
    if before.status == "error" or after.status == "error":
        return before.status != after.status
    a, b = _engine_values(before), _engine_values(after)
    return len(a) != len(b) or any(x[:2] != y[:2] or not _same(x[2], y[2])
                                   for x, y in zip(a, b, strict=True))


def _same(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is y
    return x == y or (math.isnan(x) and math.isnan(y))


def _fd_kills(before: Any, after: Any) -> bool:
    """What gradcheck would say: an element beyond its tolerance where the unmutated engine's
    is within it, or the backward raising."""
    if after.status == "error":
        return before.status != "error"
    rejected = {k for k, r in _fd_ratios(before).items() if r > 1}
    return any(r > 1 for k, r in _fd_ratios(after).items() if k not in rejected)
