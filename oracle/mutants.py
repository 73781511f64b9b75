"""Mutation testing: seed bugs into each op's VJP and count which judge catches them.

Each mutation wraps a registry op's VJP (the registry entry is swapped for the run and restored
after), then every sample of the op is judged by ``crosscheck`` on ``sum(op(*inputs) * w)``
with fixed weights ``w`` drawn in [0.5, 1.5] (so the gradient is a VJP with a generic ``g``).

The mutation operators are the engine adapter's (for symgrad,
``oracle.engines.symgrad_mutants``: sign flipped, scaled by 2, a constant off by ``2**-20``, a
term dropped, a gradient missing, two swapped, a reduction skipped, a transpose missing, an
axis off by one), each applied to every sample where it means something.

A mutant (op, mutation, dtype, sample) is *killed* by:

- the exact oracle when the verdict is ``engine-wrong``;
- finite differences alone (what ``torch.autograd.gradcheck`` does) when some element differs
  from the FD value beyond gradcheck's default tolerance (``atol=1e-5, rtol=1e-3``);
- the engine itself when it raises (a shape or dtype error): *crashed*, counted apart.

A mutant whose gradients equal the unmutated ones bit for bit is *equivalent* (no judge could
kill it: ``-0 == 0`` for a zero gradient) and leaves the denominator, as crashed ones do. So
does a mutant *below resolution*: one that moves every element by fewer ULPs than the engine is
allowed for rounding there (``constant-off`` in float32: ``2**-20`` is 8 ULPs, inside the
engine's float32 bounds), which no judge can tell from rounding without rejecting correct
gradients too; they are counted and listed. A *false alarm* is a failing verdict on the
unmutated op.

>>> from oracle.mutants import run_mutants
>>> report = run_mutants(["mul"])
>>> rates = report.rates()
>>> rates["exact"], rates["fd"] < 1.0, report.false_alarms
(1.0, True, [])
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from oracle.engines import MutantCase, get

__all__ = ["MutantResult", "MutationReport", "run_mutants", "GRADCHECK_ATOL", "GRADCHECK_RTOL",
           "EXACT_TARGET"]

GRADCHECK_ATOL = 1e-5
GRADCHECK_RTOL = 1e-3
# The exact oracle must kill this share of the judged mutants (issue 6).
EXACT_TARGET = 0.99


@dataclass
class MutantResult:
    """One mutant on one sample: ``status`` is "killed-exact", "survived" (the exact oracle
    missed it), "equivalent", "below-resolution" or "crashed"; ``why`` says why FD alone
    missed it, why the oracle did, or why it is not judged; ``fd_ratio`` is the largest
    |engine - FD| over gradcheck's allowance (above 1 kills).

    ``constant-off`` on ``neg`` moves a gradient of about 1 by about 1e-6, a thousandth of what
    gradcheck allows (``1e-5 + 1e-3 * |FD|``): only the exact oracle kills it.

    >>> report = run_mutants(["neg"])
    >>> r = next(r for r in report.results if r.mutation == "constant-off")
    >>> r.op, r.sample, r.status, r.killed_exact, r.killed_fd, r.fd_ratio < 0.01
    ('neg', 'sample0', 'killed-exact', True, False, True)
    """

    op: str
    mutation: str
    dtype: str
    sample: str
    status: str
    killed_exact: bool = False
    killed_fd: bool = False
    detail: str = ""
    why: str = ""
    fd_ratio: float | None = None


@dataclass
class MutationReport:
    """Kill rates per judge, per op and overall, and the false alarms on the clean catalog.

    ``false_alarms`` are failing verdicts of the exact oracle's crosscheck on unmutated ops;
    ``fd_false_alarms`` are correct gradients that gradcheck's tolerance would reject.

    >>> report = MutationReport([
    ...     MutantResult("exp", "sign-flipped", "float64", "sample0", "killed-exact", True, True),
    ...     MutantResult("exp", "constant-off", "float64", "sample0", "killed-exact", True),
    ...     MutantResult("exp", "scaled-by-2", "float64", "sample1", "survived", False, True),
    ...     MutantResult("add", "args-swapped", "float64", "sample0", "equivalent"),
    ... ])
    >>> len(report.judged()), report.passed()
    (3, False)
    """

    results: list[MutantResult] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    fd_false_alarms: list[str] = field(default_factory=list)
    clean_checks: int = 0
    dtypes: tuple[str, ...] = ("float64",)
    # Each mutation's name and what it does, as the engine's adapter describes it.
    mutations: dict[str, str] = field(default_factory=dict)

    def judged(self) -> list[MutantResult]:
        """The mutants some judge could kill: neither equivalent, below resolution nor crashed.

        >>> report = MutationReport([
        ...     MutantResult("add", "sign-flipped", "float64", "sample0", "killed-exact", True),
        ...     MutantResult("add", "args-swapped", "float64", "sample0", "equivalent"),
        ...     MutantResult("add", "scaled-by-2", "float64", "sample1", "crashed"),
        ... ])
        >>> [r.mutation for r in report.judged()]
        ['sign-flipped']
        """
        return [r for r in self.results if r.status in ("killed-exact", "survived")]

    def rates(self, op: str | None = None, mutation: str | None = None) -> dict[str, float]:
        """Mutants judged and the share each judge kills (nan for none judged).

        ``both`` counts a mutant killed by either judge.

        >>> report = MutationReport([
        ...     MutantResult("exp", "sign-flipped", "float64", "sample0", "killed-exact", True,
        ...                  True),
        ...     MutantResult("exp", "constant-off", "float64", "sample0", "killed-exact", True),
        ...     MutantResult("exp", "scaled-by-2", "float64", "sample1", "survived", False, True),
        ...     MutantResult("add", "args-swapped", "float64", "sample0", "equivalent"),
        ... ])
        >>> report.rates()
        {'mutants': 3, 'exact': 0.666..., 'fd': 0.666..., 'both': 1.0}
        >>> report.rates(mutation="constant-off"), report.rates(op="add")["exact"]
        ({'mutants': 1, 'exact': 1.0, 'fd': 0.0, 'both': 1.0}, nan)
        """
        rows = [r for r in self.judged() if (op is None or r.op == op)
                and (mutation is None or r.mutation == mutation)]
        n = len(rows)
        both = sum(r.killed_exact or r.killed_fd for r in rows)
        return {
            "mutants": n,
            "exact": sum(r.killed_exact for r in rows) / n if n else math.nan,
            "fd": sum(r.killed_fd for r in rows) / n if n else math.nan,
            "both": both / n if n else math.nan,
        }

    def _counts(self, op: str | None = None, mutation: str | None = None) -> dict[str, int]:
        """How many mutants are not judged, and why."""
        rows = [r for r in self.results if (op is None or r.op == op)
                and (mutation is None or r.mutation == mutation)]
        return {key: sum(r.status == status for r in rows) for key, status in
                (("equivalent", "equivalent"), ("below_resolution", "below-resolution"),
                 ("crashed", "crashed"))}

    def fd_misses(self) -> list[MutantResult]:
        """Mutants the exact oracle kills and finite differences alone do not.

        >>> report = MutationReport([
        ...     MutantResult("exp", "sign-flipped", "float64", "sample0", "killed-exact", True,
        ...                  True),
        ...     MutantResult("exp", "constant-off", "float64", "sample0", "killed-exact", True),
        ... ])
        >>> [r.mutation for r in report.fd_misses()]
        ['constant-off']
        """
        return [r for r in self.judged() if r.killed_exact and not r.killed_fd]

    def survivors(self) -> list[MutantResult]:
        """Judged mutants the exact oracle did not kill (even if FD did).

        >>> report = MutationReport([
        ...     MutantResult("exp", "sign-flipped", "float64", "sample0", "killed-exact", True,
        ...                  True),
        ...     MutantResult("exp", "scaled-by-2", "float64", "sample1", "survived", False, True),
        ... ])
        >>> [(r.mutation, r.sample) for r in report.survivors()]
        [('scaled-by-2', 'sample1')]
        """
        return [r for r in self.judged() if not r.killed_exact]

    def passed(self) -> bool:
        """The exact oracle reaches ``EXACT_TARGET`` with no false alarm.

        A report with nothing judged passes; one false alarm fails it whatever the kill rate:

        >>> killed = MutantResult("exp", "sign-flipped", "float64", "sample0", "killed-exact",
        ...                       True, True)
        >>> MutationReport().passed(), MutationReport([killed]).passed()
        (True, True)
        >>> MutationReport([killed], false_alarms=["exp/float64/sample0: ..."]).passed()
        False
        """
        exact = self.rates()["exact"]
        return not self.false_alarms and (math.isnan(exact) or exact >= EXACT_TARGET)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (no nan or inf: a rate with no mutant is None, an infinite ratio
        the string "inf"), as ``mutants.json`` holds and the reports read.

        >>> import json
        >>> report = MutationReport([
        ...     MutantResult("exp", "sign-flipped", "float64", "sample0", "killed-exact", True,
        ...                  True, fd_ratio=float("inf")),
        ...     MutantResult("add", "args-swapped", "float64", "sample0", "equivalent"),
        ... ])
        >>> data = json.loads(json.dumps(report.to_json(), allow_nan=False))
        >>> data["passed"], data["overall"]["exact"], data["equivalent"]
        (True, 1.0, 1)
        >>> data["per_op"]["add"]["exact"], data["results"][0]["fd_ratio"]
        (None, 'inf')
        """
        ops = sorted({r.op for r in self.results})
        names = list(self.mutations) or list(dict.fromkeys(r.mutation for r in self.results))
        return _plain({
            "target": {"exact": EXACT_TARGET, "false_alarms": 0},
            "passed": self.passed(),
            "dtypes": list(self.dtypes),
            "gradcheck_tolerance": {"atol": GRADCHECK_ATOL, "rtol": GRADCHECK_RTOL},
            "mutations": dict(self.mutations),
            "overall": self.rates(),
            "per_op": {o: {**self.rates(o), **self._counts(op=o)} for o in ops},
            "per_mutation": {m: {**self.rates(mutation=m), **self._counts(mutation=m)}
                             for m in names},
            "false_alarms": self.false_alarms,
            "fd_false_alarms": self.fd_false_alarms,
            "clean_checks": self.clean_checks,
            **self._counts(),
            "fd_misses": [asdict(r) for r in self.fd_misses()],
            "survivors": [asdict(r) for r in self.survivors()],
            "below_resolution_mutants": [asdict(r) for r in self.results
                                         if r.status == "below-resolution"],
            "results": [asdict(r) for r in self.results],
        })


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def check_key(name: str, sample_id: str) -> bytes:
    """The key of one op's sample; its CRC-32 seeds that check's weights, so reruns repeat them.

    >>> import zlib
    >>> check_key("mul", "sample1")
    b'mul/sample1'
    >>> zlib.crc32(check_key("mul", "sample1")) == zlib.crc32(b"mul/sample1")
    True
    """
    return f"{name}/{sample_id}".encode()


def _same(a: list[np.ndarray | None], b: list[np.ndarray | None]) -> bool:
    for x, y in zip(a, b, strict=True):
        x = np.zeros(0) if x is None else x
        y = np.zeros(0) if y is None else y
        if x.size and y.size and x.shape != y.shape:
            return False
        if x.size == 0 or y.size == 0:
            if np.any((x if x.size else y) != 0):
                return False
        elif not np.array_equal(x, y, equal_nan=True):
            return False
    return True


def _fd_ratios(verdict: Any) -> dict[tuple[str, tuple[int, ...]], float]:
    """Per element, |engine - FD| over gradcheck's allowance ``atol + rtol * |FD|`` (above 1
    fails). As in ``allclose``, equal values pass (infinities included) and a nan fails."""
    ratios = {}
    for e in verdict.elements:
        if e.fd is None or e.engine is None:
            continue
        engine, fd = float(e.engine), float(e.fd)
        if engine == fd:
            ratio = 0.0
        elif not (math.isfinite(engine) and math.isfinite(fd)):
            ratio = math.inf
        else:
            ratio = abs(engine - fd) / (GRADCHECK_ATOL + GRADCHECK_RTOL * abs(fd))
        ratios[(str(e.input), tuple(e.index))] = ratio
    return ratios


def _change(grads: list[np.ndarray | None], baseline: list[np.ndarray | None]) -> tuple[float,
                                                                                         float]:
    """The largest absolute change the mutant makes, and the largest baseline magnitude."""
    change = scale = 0.0
    for x, y in zip(grads, baseline, strict=True):
        y = np.zeros(()) if y is None else y
        x = np.zeros_like(y) if x is None else x
        if x.shape != y.shape:
            return math.inf, float(np.max(np.abs(y), initial=0.0))
        if np.any(np.isnan(x) & ~np.isnan(y)):
            return math.nan, float(np.max(np.abs(y[np.isfinite(y)]), initial=0.0))
        diff = np.abs(x - y)
        change = max(change, float(np.max(diff[np.isfinite(diff)], initial=0.0)))
        scale = max(scale, float(np.max(np.abs(y[np.isfinite(y)]), initial=0.0)))
    return change, scale


def _within_rounding(grads: list[np.ndarray | None], baseline: list[np.ndarray | None],
                     verdict: Any, dname: str) -> str | None:
    """Why the mutant is below the dtype's resolution (None if it is not): on every element it
    moves the gradient by no more ULPs than the engine is allowed for rounding there, so no
    judge could tell it from rounding without failing correct gradients too."""
    from oracle.tolerances import ulp_error

    bounds = {(str(e.input), tuple(e.index)): e.tolerance_ulps for e in verdict.elements}
    names = [str(e.input) for e in verdict.elements]
    inputs = list(dict.fromkeys(names))
    if len(inputs) != len(grads) or len(bounds) != sum(
            0 if b is None else b.size for b in baseline):
        return None
    worst = 0.0
    for name, x, y in zip(inputs, grads, baseline, strict=True):
        if x is None or y is None or x.shape != y.shape:
            return None
        moved = ulp_error(x, y, dname)
        for j in range(y.size):
            index = tuple(int(i) for i in np.unravel_index(j, y.shape)) if y.shape else ()
            bound = bounds.get((name, index))
            ulps = float(moved.flat[j])
            if bound is None or not ulps <= bound:
                return None
            worst = max(worst, ulps / bound if bound else 0.0)
    return (f"moves every element by fewer {dname} ULPs than the engine's rounding bound there "
            f"(at most {worst:.2g} of it)")


def run_mutants(ops: list[str] | None = None, dtypes: tuple[str, ...] | list[str] = ("float64",),
                progress: Callable[[str], None] | None = None, engine: str = "symgrad"
                ) -> MutationReport:
    """Mutate every op with a VJP (or ``ops``) on each sample in each of ``dtypes`` with every
    applicable mutation of the engine's adapter, and judge each mutant with the exact oracle
    and with FD alone.

    Raises KeyError for an unknown op and ValueError for a dtype that is not a float dtype.

    ``neg``'s VJP ``-g`` has one input and no sum, so four mutations apply to each of its two
    samples; ``constant-off`` (2 of 8) is below what FD resolves:

    >>> report = run_mutants(["neg"])
    >>> sorted({r.mutation for r in report.results})
    ['constant-off', 'grad-missing', 'scaled-by-2', 'sign-flipped']
    >>> report.rates(), report.clean_checks, report.false_alarms
    ({'mutants': 8, 'exact': 1.0, 'fd': 0.75, 'both': 1.0}, 2, [])
    >>> run_mutants(["neg"], dtypes=["int64"])
    Traceback (most recent call last):
    ...
    ValueError: not a float dtype: 'int64'
    """
    import warnings

    from oracle.crosscheck import crosscheck

    report = MutationReport(dtypes=tuple(dtypes))
    with warnings.catch_warnings():
        # Samples at poles and ties make NumPy warn; the verdicts say what they mean.
        warnings.simplefilter("ignore", RuntimeWarning)
        seed = lambda name, sample: zlib.crc32(check_key(name, sample))  # noqa: E731
        for case in get(engine).mutation_cases(ops, list(dtypes), seed):
            if progress:
                progress(case.op)
            check_id = f"{case.op}/{case.dtype}/{case.sample}"
            clean = crosscheck(case.fn, case.inputs, op=case.op, check_id=check_id,
                               max_elements=1 << 30)
            report.clean_checks += 1
            if not clean.passed:
                report.false_alarms.append(f"{check_id}: {clean.status}: {clean.message}")
                continue
            clean_fd = {k for k, r in _fd_ratios(clean).items() if r > 1}
            if clean_fd:
                report.fd_false_alarms.append(f"{check_id}: {clean.message}")
            try:
                baseline = case.grads()
            except Exception:  # noqa: BLE001 - a clean failure is already a false alarm above
                continue
            report.mutations.update(case.mutations)
            for mutation in case.mutations:
                with case.install(mutation) as applied:
                    result = _judge(case, mutation, applied, baseline, clean_fd, check_id)
                if result is not None:
                    report.results.append(result)
    return report


def _judge(case: MutantCase, mutation: str, applied: Callable[[], bool], baseline: list,
           clean_fd: set[tuple[str, tuple[int, ...]]], check_id: str) -> MutantResult | None:
    from oracle.crosscheck import crosscheck

    name, dname, sample = case.op, case.dtype, case.sample
    try:
        grads = case.grads()
    except Exception as exc:  # noqa: BLE001 - the engine rejecting a mutant is a result
        return MutantResult(name, mutation, dname, sample, "crashed",
                            detail=f"{type(exc).__name__}: {exc}")
    if not applied():
        return None
    if _same(grads, baseline):
        return MutantResult(name, mutation, dname, sample, "equivalent",
                            why="gradients bit for bit those of the unmutated VJP")
    verdict = crosscheck(case.fn, case.inputs, op=name, check_id=f"{check_id}/{mutation}",
                         max_elements=1 << 30)
    within = _within_rounding(grads, baseline, verdict, dname)
    if within is not None:
        return MutantResult(name, mutation, dname, sample, "below-resolution",
                            detail=f"{verdict.status}: {verdict.message}", why=within)
    exact = verdict.status == "engine-wrong"
    # Elements gradcheck already rejects on the unmutated op say nothing about the mutant.
    ratio = max((r for k, r in _fd_ratios(verdict).items() if k not in clean_fd), default=None)
    fd = ratio is not None and ratio > 1
    why = ""
    if not fd:
        change, scale = _change(grads, baseline)
        why = (f"the mutant moves the gradient by at most {change:.3g} (gradient scale "
               f"{scale:.3g}); gradcheck allows {GRADCHECK_ATOL:g} + {GRADCHECK_RTOL:g}*|FD|, "
               f"the worst element uses {0.0 if ratio is None else ratio:.3g} of it")
        if clean_fd:
            why += (f"; {len(clean_fd)} elements FD already rejects on the unmutated op "
                    "(FD unreliable there) are not counted")
    if not exact:
        why = f"exact oracle: {verdict.status}: {verdict.message}" + (f"; {why}" if why else "")
    return MutantResult(name, mutation, dname, sample,
                        "killed-exact" if exact else "survived", exact, fd,
                        f"{verdict.status}: {verdict.message}", why, ratio)
