"""The sweep behind ``symgrad-check``: every op of an engine's catalog x float dtype x sample x
check.

The catalog (ops, their dtypes and samples) comes from the engine's adapter
(``oracle.engines``; symgrad's by default). Each check runs through ``oracle.crosscheck`` and
gives one verdict, with an id such as ``op/mul/float32/sample0/grad`` (``gradgrad`` for the
second order, run when the op declares double backward). A check that raises becomes a verdict
with status ``error``; the sweep goes on. Ops are looked up when each check runs, so a replaced
entry is what is checked.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from oracle.engines import Case, get
from oracle.verdict import Verdict

__all__ = ["FLOAT_DTYPES", "Check", "plan", "run_check", "iter_sweep", "shard", "sweep",
           "sweepable_ops", "not_differentiable", "available_cpus"]

ENGINE = "symgrad"

FLOAT_DTYPES: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")
CHECKS = {1: "grad", 2: "gradgrad"}

Crosscheck = Callable[..., Verdict]


@dataclass(frozen=True)
class Check:
    """One planned check: an op, a dtype, a sample index and a derivative order.

    >>> check = Check("mul", "float32", 0, 1)
    >>> check.order, check in plan(["mul"], ["float32"])
    (1, True)
    """

    op: str
    dtype: str
    sample: int
    order: int

    @property
    def id(self) -> str:
        """The verdict id: ``op/<op>/<dtype>/sample<i>/<grad or gradgrad>``.

        >>> Check("mul", "float32", 2, 2).id
        'op/mul/float32/sample2/gradgrad'
        """
        return f"op/{self.op}/{self.dtype}/sample{self.sample}/{CHECKS[self.order]}"


def sweepable_ops(engine: str = ENGINE) -> list[str]:
    """The catalog's ops with a gradient to check: a VJP, a differentiable input, a float
    dtype.

    >>> "mul" in sweepable_ops() and "eq" not in sweepable_ops()
    True
    """
    return sorted(name for name, (dtypes, _, _) in get(engine).catalog().items() if dtypes)


def not_differentiable(engine: str = ENGINE) -> list[str]:
    """The catalog's ops the sweep leaves out: no gradient to check (comparisons, bitwise
    ops).

    Args:
        engine: The engine whose catalog is read.

    >>> "eq" in not_differentiable() and "mul" not in not_differentiable()
    True
    """
    return sorted(name for name, (dtypes, _, _) in get(engine).catalog().items() if not dtypes)


def plan(ops: Iterable[str] | None = None, dtypes: Iterable[str] | None = None,
         second_order: bool = True, engine: str = ENGINE) -> list[Check]:
    """The checks a sweep runs, in order (op, dtype, sample, order).

    >>> [c.id for c in plan(["mul"], ["float64"], second_order=False)][:2]
    ['op/mul/float64/sample0/grad', 'op/mul/float64/sample1/grad']
    """
    catalog = get(engine).catalog()
    names = sweepable_ops(engine) if ops is None else list(ops)
    unknown = [n for n in names if n not in catalog]
    if unknown:
        raise KeyError(f"unknown ops: {', '.join(unknown)}")
    wanted = FLOAT_DTYPES if dtypes is None else tuple(dtypes)
    bad = [d for d in wanted if d not in FLOAT_DTYPES]
    if bad:
        raise ValueError(f"not a float dtype: {', '.join(bad)} (choose from {FLOAT_DTYPES})")
    checks = []
    for name in names:
        op_dtypes, samples, double_backward = catalog[name]
        for d in (d for d in FLOAT_DTYPES if d in wanted and d in op_dtypes):
            for i in range(samples):
                checks.append(Check(name, d, i, 1))
                if second_order and double_backward:
                    checks.append(Check(name, d, i, 2))
    return checks


def _default_crosscheck() -> Crosscheck:
    from oracle.crosscheck import crosscheck

    return crosscheck


def run_check(check: Check, crosscheck: Crosscheck | None = None, engine: str = ENGINE
              ) -> Verdict:
    """Run one planned check; an exception becomes an ``error`` verdict naming it.

    >>> v = run_check(Check("neg", "float64", 0, 1))
    >>> v.id, v.status, v.reproducer is not None
    ('op/neg/float64/sample0/grad', 'ok', True)
    >>> v = run_check(Check("neg", "float64", 99, 1))
    >>> v.status, v.message.splitlines()[0]
    ('error', 'IndexError: list index out of range')
    """
    start = time.perf_counter()
    case: Case | None = None
    try:
        case = get(engine).case(check.op, check.dtype, check.sample)
        judge = crosscheck or _default_crosscheck()
        verdict = judge(case.fn, case.inputs, order=check.order, op=check.op,
                        attrs=case.attrs, names=case.names, check_id=check.id)
    except Exception as exc:
        verdict = Verdict(
            id=check.id, op=check.op, dtype=check.dtype, check=CHECKS[check.order],
            status="error", order=check.order,
            message=f"{type(exc).__name__}: {exc}\n\n{_short_traceback(exc)}",
        )
    verdict.id, verdict.op, verdict.dtype = check.id, check.op, check.dtype
    verdict.check, verdict.order = CHECKS[check.order], check.order
    if case is not None:
        if verdict.reproducer is None:
            verdict.reproducer = case.reproducer(check.order)
        if not verdict.inputs:
            verdict.inputs = case.described
        verdict.extra.setdefault("attrs", {k: repr(v) for k, v in case.attrs.items()})
    verdict.extra.setdefault("vjp_source", get(engine).vjp_source(check.op))
    if not verdict.duration_s:
        verdict.duration_s = time.perf_counter() - start
    return verdict


def available_cpus(cgroup_root: str = "/sys/fs/cgroup") -> int:
    """The CPUs this process may use: those it may be scheduled on (``os.sched_getaffinity``,
    as ``os.process_cpu_count``), fewer under a CPU quota (a container's ``--cpus``: cgroup v2's
    ``cpu.max``, v1's ``cpu.cfs_quota_us``), at least 1. The sweep's default ``jobs``.

    Args:
        cgroup_root: Where the cgroup file systems are mounted.

    >>> 1 <= available_cpus() <= (os.cpu_count() or 1)
    True
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    quota = _cpu_quota(cgroup_root)
    return max(1, min(cpus, math.ceil(quota))) if quota else max(1, cpus)


def _cpu_quota(root: str) -> float | None:
    """The CPU quota of this process's cgroup in CPUs (quota / period), or None without one.
    A container sees its own cgroup at the root of the mount; elsewhere it is the path
    ``/proc/self/cgroup`` names."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            lines = [line.strip().split(":", 2) for line in f if line.count(":") >= 2]
    except OSError:
        lines = []
    v2 = [path for _, kinds, path in lines if kinds == ""]
    v1 = [path for _, kinds, path in lines if "cpu" in kinds.split(",")]
    candidates = [(f"{root}{p}/cpu.max", None) for p in v2 + ["/"]]
    candidates += [(f"{root}/cpu{p}/cpu.cfs_quota_us", f"{root}/cpu{p}/cpu.cfs_period_us")
                   for p in v1 + ["/"]]
    for quota_file, period_file in candidates:
        try:
            with open(quota_file, encoding="utf-8") as f:
                words = f.read().split()
            if period_file is not None:
                with open(period_file, encoding="utf-8") as f:
                    words += f.read().split()
        except OSError:
            continue
        if len(words) == 2 and words[0] not in ("max", "-1") and float(words[1]) > 0:
            return float(words[0]) / float(words[1])
        return None
    return None


def _short_traceback(exc: BaseException) -> str:
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(frames[-6:]).strip()


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the parent, which stops them and keeps the previous outputs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def iter_sweep(checks: list[Check], crosscheck: Crosscheck | None = None, jobs: int = 1,
               engine: str = ENGINE) -> Iterator[Verdict]:
    """Run ``checks``, in ``jobs`` processes; verdicts come in the order of ``checks``, as each
    ends, so a caller can count them as the sweep goes.

    Args:
        checks: The planned checks (``plan``, perhaps a ``shard`` of it).
        crosscheck: The judge; the oracle's by default. With ``jobs`` above 1 it must be
            picklable (a module-level function).
        jobs: Processes to run the checks in; the verdicts are the same for any number.
        engine: The engine whose catalog the checks come from.

    >>> verdicts = iter_sweep(plan(["neg"], ["float64"], second_order=False))
    >>> [(v.id, v.status) for v in verdicts]
    [('op/neg/float64/sample0/grad', 'ok'), ('op/neg/float64/sample1/grad', 'ok')]
    """
    if jobs <= 1 or len(checks) <= 1:
        for check in checks:
            yield run_check(check, crosscheck, engine)
        return
    batches = _batches(checks, jobs)
    # A fresh interpreter per worker: no fork of a parent holding threads (rich's progress).
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(jobs, len(batches)), initializer=_ignore_sigint)
    try:
        for verdicts in pool.imap(functools.partial(_run_checks, crosscheck=crosscheck,
                                                    engine=engine), batches):
            yield from verdicts
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _batches(checks: list[Check], jobs: int) -> list[list[Check]]:
    """``checks`` cut where the op changes, and into pieces of at most a quarter of a process's
    share: the oracle compiles an op's derivatives once per process, so the checks of one op
    go to one process where they can, while one op alone still spreads over every process.

    >>> checks = plan(["neg", "exp"])
    >>> len(checks), [(b[0].op, len(b)) for b in _batches(checks, 2)][:4]
    (48, [('neg', 6), ('neg', 6), ('neg', 4), ('exp', 6)])
    """
    size = max(1, len(checks) // (4 * jobs))
    batches: list[list[Check]] = []
    for check in checks:
        if batches and batches[-1][0].op == check.op and len(batches[-1]) < size:
            batches[-1].append(check)
        else:
            batches.append([check])
    return batches


def _run_checks(checks: list[Check], crosscheck: Crosscheck | None, engine: str
                ) -> list[Verdict]:
    return [run_check(check, crosscheck, engine) for check in checks]


def shard(checks: list[Check], index: int, count: int) -> list[Check]:
    """Shard ``index`` of ``count`` (1-based): every ``count``-th check from the ``index``-th,
    so shards are disjoint, cover the plan, and cost about the same.

    Args:
        checks: The whole plan, in its order.
        index: Which shard, from 1.
        count: How many shards.

    >>> checks = plan(["neg", "exp"], ["float64"])
    >>> parts = [shard(checks, i, 3) for i in (1, 2, 3)]
    >>> sorted(c.id for part in parts for c in part) == sorted(c.id for c in checks)
    True
    """
    if not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: the index runs from 1 to {count}")
    return checks[index - 1::count]


def sweep(ops: Iterable[str] | None = None, dtypes: Iterable[str] | None = None, *,
          second_order: bool = True, crosscheck: Crosscheck | None = None, jobs: int = 1,
          engine: str = ENGINE) -> list[Verdict]:
    """Every planned check's verdict (see ``plan``); ``crosscheck`` defaults to the oracle's.

    Args:
        ops: Op names of the catalog; every op with a gradient to check by default.
        dtypes: Float dtype names; all four by default.
        second_order: Check second derivatives too, where the op declares double backward.
        crosscheck: The judge; the oracle's by default.
        jobs: Processes to run the checks in.
        engine: The engine to sweep.

    ``neg`` declares double backward, so each of its samples is checked to both orders:

    >>> [(v.id, v.passed) for v in sweep(["neg"], ["float64"])]
    [('op/neg/float64/sample0/grad', True), ('op/neg/float64/sample0/gradgrad', True),
     ('op/neg/float64/sample1/grad', True), ('op/neg/float64/sample1/gradgrad', True)]
    """
    return list(iter_sweep(plan(ops, dtypes, second_order, engine), crosscheck, jobs, engine))
