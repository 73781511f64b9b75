"""The sweep behind ``symgrad-check``: every registry op x float dtype x sample x check.

Each check runs through ``oracle.crosscheck`` and gives one verdict, with an id such as
``op/mul/float32/sample0/grad`` (``gradgrad`` for the second order, run when the op declares
double backward). A check that raises becomes a verdict with status ``error``; the sweep goes on.
Ops are looked up in ``REGISTRY`` when each check runs, so a replaced entry is what is checked.
"""

from __future__ import annotations

import functools
import inspect
import multiprocessing
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from oracle.verdict import Verdict
from symgrad import _dtypes
from symgrad.ops import registry
from symgrad.testing.samples import SampleInput, make_samples, op_call

__all__ = ["FLOAT_DTYPES", "Check", "plan", "run_check", "iter_sweep", "shard", "sweep",
           "sweepable_ops", "not_differentiable"]

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


def sweepable_ops() -> list[str]:
    """Registry ops with a gradient to check: a VJP, a differentiable input, a float dtype.

    >>> "mul" in sweepable_ops() and "eq" not in sweepable_ops()
    True
    """
    return sorted(
        name for name, op in registry.REGISTRY.items()
        if op.vjp is not None and op.differentiable
        and any(_dtypes._by_name(d) in op.dtypes for d in FLOAT_DTYPES)
    )


def not_differentiable() -> list[str]:
    """Registry ops the sweep leaves out: no gradient to check (comparisons, bitwise ops).

    >>> "eq" in not_differentiable() and "mul" not in not_differentiable()
    True
    """
    return sorted(set(registry.REGISTRY) - set(sweepable_ops()))


def plan(ops: Iterable[str] | None = None, dtypes: Iterable[str] | None = None,
         second_order: bool = True) -> list[Check]:
    """The checks a sweep runs, in order (op, dtype, sample, order).

    >>> [c.id for c in plan(["mul"], ["float64"], second_order=False)][:2]
    ['op/mul/float64/sample0/grad', 'op/mul/float64/sample1/grad']
    """
    names = sweepable_ops() if ops is None else list(ops)
    unknown = [n for n in names if n not in registry.REGISTRY]
    if unknown:
        raise KeyError(f"unknown ops: {', '.join(unknown)}")
    wanted = FLOAT_DTYPES if dtypes is None else tuple(dtypes)
    bad = [d for d in wanted if d not in FLOAT_DTYPES]
    if bad:
        raise ValueError(f"not a float dtype: {', '.join(bad)} (choose from {FLOAT_DTYPES})")
    checks = []
    for name in names:
        op = registry.REGISTRY[name]
        for d in (d for d in FLOAT_DTYPES if d in wanted):
            if _dtypes._by_name(d) not in op.dtypes:
                continue
            for i in range(len(op.samples)):
                checks.append(Check(name, d, i, 1))
                if second_order and op.double_backward:
                    checks.append(Check(name, d, i, 2))
    return checks


def reproducer(sample: SampleInput, order: int) -> str:
    """A Python snippet that reruns one check from scratch.

    >>> import contextlib, io
    >>> code = reproducer(make_samples("neg", "float64")[0], 1)
    >>> code.splitlines()[-1]
    "print(crosscheck(fn, [self], order=1, op='neg'))"
    >>> printed = io.StringIO()
    >>> with contextlib.redirect_stdout(printed):
    ...     exec(code, {})
    >>> printed.getvalue().strip()
    '<Verdict neg/float64/grad: ok>'
    """
    diff = sample.differentiable()
    lines = ["import symgrad", "from oracle.crosscheck import crosscheck",
             "from symgrad.ops.registry import REGISTRY, apply", ""]
    op = registry.REGISTRY[sample.op]
    for name in op.args:
        a = sample.arrays[name]
        values = np.asarray(a, dtype=bool if a.dtype == np.bool_ else np.float64).tolist()
        d = _dtypes.from_numpy_dtype(a.dtype).name
        grad = ", requires_grad=True" if name in diff else ""
        lines.append(f"{name} = symgrad.tensor({values!r}, dtype=symgrad.{d}{grad})")
    consts = [n for n in op.args if n not in diff]
    params = ", ".join(diff)
    call = ", ".join(op.args)
    attrs = "".join(f", {k}={v!r}" for k, v in sample.attrs.items())
    lines.append(f"fn = lambda {params}: apply(REGISTRY[{sample.op!r}], {call}{attrs})")
    if consts:
        lines.append(f"# {', '.join(consts)}: constant input(s), taken from the enclosing scope")
    lines.append(f"print(crosscheck(fn, [{params}], order={order}, op={sample.op!r}))")
    return "\n".join(lines)


def _default_crosscheck() -> Crosscheck:
    from oracle.crosscheck import crosscheck

    return crosscheck


def run_check(check: Check, crosscheck: Crosscheck | None = None) -> Verdict:
    """Run one planned check; an exception becomes an ``error`` verdict naming it.

    >>> v = run_check(Check("neg", "float64", 0, 1))
    >>> v.id, v.status, v.reproducer is not None
    ('op/neg/float64/sample0/grad', 'ok', True)
    >>> v = run_check(Check("neg", "float64", 99, 1))
    >>> v.status, v.message.splitlines()[0]
    ('error', 'IndexError: list index out of range')
    """
    start = time.perf_counter()
    sample: SampleInput | None = None
    try:
        sample = make_samples(check.op, check.dtype)[check.sample]
        diff = sample.differentiable()
        leaves = sample.tensors()

        def fn(*tensors: Any) -> Any:
            return op_call(check.op, sample, dict(zip(diff, tensors, strict=True)))

        judge = crosscheck or _default_crosscheck()
        verdict = judge(fn, [leaves[n] for n in diff], order=check.order, op=check.op,
                        attrs=sample.attrs, names=diff, check_id=check.id)
    except Exception as exc:
        verdict = Verdict(
            id=check.id, op=check.op, dtype=check.dtype, check=CHECKS[check.order],
            status="error", order=check.order,
            message=f"{type(exc).__name__}: {exc}\n\n{_short_traceback(exc)}",
        )
    verdict.id, verdict.op, verdict.dtype = check.id, check.op, check.dtype
    verdict.check, verdict.order = CHECKS[check.order], check.order
    if sample is not None:
        if verdict.reproducer is None:
            verdict.reproducer = reproducer(sample, check.order)
        if not verdict.inputs:
            verdict.inputs = [_describe(n, a) for n, a in sample.arrays.items()]
        verdict.extra.setdefault("attrs", {k: repr(v) for k, v in sample.attrs.items()})
    verdict.extra.setdefault("vjp_source", vjp_source(check.op))
    if not verdict.duration_s:
        verdict.duration_s = time.perf_counter() - start
    return verdict


def vjp_source(op: str) -> str | None:
    """Where the op's VJP is written, ``path:line (function)``, path from the package root.

    Args:
        op: A registry op's name.

    >>> vjp_source("tanh")
    'symgrad/ops/...py:... (...)'
    """
    fn = getattr(registry.REGISTRY.get(op), "vjp", None)
    try:
        fn = inspect.unwrap(fn)
        path, line = inspect.getsourcefile(fn), inspect.getsourcelines(fn)[1]
    except (TypeError, OSError):
        return None
    parts = path.replace("\\", "/").split("/")
    root = len(parts) - 1 - parts[::-1].index("symgrad") if "symgrad" in parts else 0
    short = "/".join(parts[root:])
    return f"{short}:{line} ({fn.__qualname__})"


def _describe(name: str, a: np.ndarray) -> dict[str, Any]:
    return {"name": name, "shape": list(a.shape), "dtype": _dtypes.from_numpy_dtype(a.dtype).name,
            "values": np.array2string(np.asarray(a, dtype=bool if a.dtype == np.bool_
                                                 else np.float64), precision=6, threshold=40)}


def _short_traceback(exc: BaseException) -> str:
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(frames[-6:]).strip()


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the parent, which stops them and keeps the previous outputs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def iter_sweep(checks: list[Check], crosscheck: Crosscheck | None = None,
               jobs: int = 1) -> Iterator[Verdict]:
    """Run ``checks``, in ``jobs`` processes; verdicts come in the order of ``checks``, as each
    ends, so a caller can count them as the sweep goes.

    Args:
        checks: The planned checks (``plan``, perhaps a ``shard`` of it).
        crosscheck: The judge; the oracle's by default. With ``jobs`` above 1 it must be
            picklable (a module-level function).
        jobs: Processes to run the checks in; the verdicts are the same for any number.

    >>> verdicts = iter_sweep(plan(["neg"], ["float64"], second_order=False))
    >>> [(v.id, v.status) for v in verdicts]
    [('op/neg/float64/sample0/grad', 'ok'), ('op/neg/float64/sample1/grad', 'ok')]
    """
    if jobs <= 1 or len(checks) <= 1:
        for check in checks:
            yield run_check(check, crosscheck)
        return
    # A fresh interpreter per worker: no fork of a parent holding threads (rich's progress).
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(jobs, len(checks)), initializer=_ignore_sigint)
    try:
        yield from pool.imap(functools.partial(run_check, crosscheck=crosscheck), checks,
                             chunksize=max(1, min(8, len(checks) // (8 * jobs))))
        pool.close()
    finally:
        pool.terminate()
        pool.join()


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
          second_order: bool = True, crosscheck: Crosscheck | None = None,
          jobs: int = 1) -> list[Verdict]:
    """Every planned check's verdict (see ``plan``); ``crosscheck`` defaults to the oracle's.

    Args:
        ops: Registry op names; all sweepable ops by default.
        dtypes: Float dtype names; all four by default.
        second_order: Check second derivatives too, where the op declares double backward.
        crosscheck: The judge; the oracle's by default.
        jobs: Processes to run the checks in.

    ``neg`` declares double backward, so each of its samples is checked to both orders:

    >>> [(v.id, v.passed) for v in sweep(["neg"], ["float64"])]
    [('op/neg/float64/sample0/grad', True), ('op/neg/float64/sample0/gradgrad', True),
     ('op/neg/float64/sample1/grad', True), ('op/neg/float64/sample1/gradgrad', True)]
    """
    return list(iter_sweep(plan(ops, dtypes, second_order), crosscheck, jobs))
