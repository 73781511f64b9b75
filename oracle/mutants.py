"""Mutation testing: seed bugs into each op's VJP and count which judge catches them.

Each mutation wraps a registry op's VJP (the registry entry is swapped for the run and restored
after), then every sample of the op is judged by ``crosscheck``. A mutant is *killed* by:

- the exact oracle when the verdict is ``engine-wrong``;
- finite differences alone (what ``torch.autograd.gradcheck`` does) when some element differs
  from the FD value beyond gradcheck's default tolerance (``atol=1e-5, rtol=1e-3``);
- the engine itself when it raises (a shape or dtype error) -- counted apart.

A mutant whose gradients equal the unmutated ones on every sample is *equivalent* (no judge
could kill it: ``-0 == 0`` for a zero gradient) and leaves the denominator.

>>> from oracle.mutants import run_mutants
>>> rates = run_mutants(["mul"]).rates()
>>> rates["exact"], rates["fd"] < 1.0
(1.0, True)
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd.grad_mode import no_grad
from symgrad.ops.registry import REGISTRY, OpDef, apply
from symgrad.tensor import Tensor

GRADCHECK_ATOL = 1e-5
GRADCHECK_RTOL = 1e-3
_SHAPE = "_mutant_shape_"

Post = Callable[[list[Any], dict[str, tuple[int, ...]], dict[str, Any]], list[Any] | None]


@dataclass(frozen=True)
class Mutation:
    """A way to break a VJP: ``post(grads, input_shapes, attrs)`` rewrites its gradients
    (None: not applicable to this op or sample); ``attrs`` rewrites what the VJP is told."""

    name: str
    description: str
    post: Post | None = None
    attrs: Callable[[dict[str, Any], dict[str, tuple[int, ...]]], dict[str, Any] | None] | None = (
        None
    )


def _first_grad(fn: Callable[[Any], Any]) -> Post:
    """Apply ``fn`` to the first non-None gradient."""

    def post(grads: list[Any], shapes: dict, attrs: dict) -> list[Any] | None:
        for i, grad in enumerate(grads):
            if grad is not None:
                new = fn(grad)
                if new is None:
                    return None
                return [*grads[:i], new, *grads[i + 1:]]
        return None

    return post


def _swap(grads: list[Any], shapes: dict, attrs: dict) -> list[Any] | None:
    idx = [i for i, g in enumerate(grads) if g is not None]
    if len(idx) < 2 or grads[idx[0]].shape != grads[idx[1]].shape:
        return None
    out = list(grads)
    out[idx[0]], out[idx[1]] = grads[idx[1]], grads[idx[0]]
    return out


def _drop_term(grads: list[Any], shapes: dict, attrs: dict) -> list[Any] | None:
    idx = [i for i, g in enumerate(grads) if g is not None]
    if not idx:
        return None
    out = list(grads)
    out[idx[-1]] = None
    return out


def _skip_reduction(grads: list[Any], shapes: dict, attrs: dict) -> list[Any] | None:
    """Take the first slice along broadcast dims instead of summing them."""
    for i, grad in enumerate(grads):
        shape = shapes.get(f"{_SHAPE}{i}")
        if grad is None or shape is None or tuple(grad.shape) == tuple(shape):
            continue
        lead = grad.ndim - len(shape)
        index = (0,) * lead + tuple(
            slice(0, 1) if s == 1 and grad.shape[lead + k] != 1 else slice(None)
            for k, s in enumerate(shape)
        )
        return [*grads[:i], grad[index], *grads[i + 1:]]
    return None


def _transpose(grad: Any) -> Any:
    if grad.ndim < 2 or grad.shape[-1] != grad.shape[-2] or grad.shape[-1] < 2:
        return None
    return grad.mT


def _shift_axis(attrs: dict[str, Any], shapes: dict) -> dict[str, Any] | None:
    dim = attrs.get("dim")
    ndim = len(shapes.get(f"{_SHAPE}0", ()))
    if dim is None or ndim < 2:
        return None
    if isinstance(dim, int):
        return {**attrs, "dim": (dim + 1) % ndim}
    return {**attrs, "dim": tuple(sorted({(d + 1) % ndim for d in dim}))}


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("sign-flipped", "the first gradient negated", _first_grad(lambda g: -g)),
    Mutation("scaled-by-2", "the first gradient doubled", _first_grad(lambda g: g * 2)),
    # A mistyped constant (a coefficient off in its 7th digit): below what FD can see.
    Mutation("constant-off", "the first gradient off by one part in a million",
             _first_grad(lambda g: g * (1 + 2**-20))),
    Mutation("term-dropped", "the last input's gradient term left out", _drop_term),
    Mutation("args-swapped", "two inputs' gradients exchanged", _swap),
    Mutation("reduction-skipped", "broadcast dims sliced, not summed", _skip_reduction),
    Mutation("transpose-missing", "a matrix gradient not transposed", _first_grad(_transpose)),
    Mutation("axis-off-by-one", "the VJP told the next axis", attrs=_shift_axis),
)


def mutate(op: OpDef, mutation: Mutation) -> OpDef:
    """``op`` with its VJP wrapped by ``mutation``; its input shapes are passed in too."""
    original = op.vjp
    assert original is not None
    state = {"applied": False}

    def vjp(g: Any, *saved: Any, **kwargs: Any) -> Any:
        shapes = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith(_SHAPE)}
        if mutation.attrs is not None:
            plain = {k: v for k, v in kwargs.items() if k in op.attrs}
            changed = mutation.attrs(plain, shapes)
            if changed is not None:
                state["applied"] = True
                kwargs = {**kwargs, **changed}
        grads = original(g, *saved, **kwargs)
        as_list = list(grads) if isinstance(grads, tuple) else [grads]
        if mutation.post is not None:
            new = mutation.post(as_list, shapes, kwargs)
            if new is not None:
                state["applied"] = True
                as_list = new
        return tuple(as_list) if isinstance(grads, tuple) else as_list[0]

    shape_args = op.shape_args + tuple((f"{_SHAPE}{i}", i) for i in range(len(op.args)))
    return dataclasses.replace(op, vjp=vjp, shape_args=shape_args,
                               extra={**op.extra, "_mutant_state": state})


@dataclass
class MutantResult:
    op: str
    mutation: str
    dtype: str
    status: str  # "killed-exact", "survived", "equivalent", "crashed", "not-applicable"
    killed_exact: bool = False
    killed_fd: bool = False
    detail: str = ""


@dataclass
class MutationReport:
    """Kill rates per judge, per op and overall, and the false alarms on the clean catalog."""

    results: list[MutantResult] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    clean_checks: int = 0

    def judged(self) -> list[MutantResult]:
        return [r for r in self.results if r.status in ("killed-exact", "survived")]

    def rates(self, op: str | None = None) -> dict[str, float]:
        rows = [r for r in self.judged() if op is None or r.op == op]
        n = len(rows)
        both = sum(r.killed_exact or r.killed_fd for r in rows)
        return {
            "mutants": n,
            "exact": sum(r.killed_exact for r in rows) / n if n else math.nan,
            "fd": sum(r.killed_fd for r in rows) / n if n else math.nan,
            "both": both / n if n else math.nan,
        }

    def fd_misses(self) -> list[MutantResult]:
        return [r for r in self.judged() if r.killed_exact and not r.killed_fd]

    def to_json(self) -> dict[str, Any]:
        ops = sorted({r.op for r in self.results})
        return {
            "overall": self.rates(),
            "per_op": {o: self.rates(o) for o in ops},
            "false_alarms": self.false_alarms,
            "clean_checks": self.clean_checks,
            "equivalent": sum(r.status == "equivalent" for r in self.results),
            "crashed": sum(r.status == "crashed" for r in self.results),
            "fd_misses": [dataclasses.asdict(r) for r in self.fd_misses()],
            "results": [dataclasses.asdict(r) for r in self.results],
        }


def check_key(name: str, sample_id: str) -> bytes:
    return f"{name}/{sample_id}".encode()


def _weighted(op_name: str, attrs: dict[str, Any], weights: np.ndarray
              ) -> Callable[..., Tensor]:
    """The op's output contracted with fixed weights: a scalar whose gradient is a VJP."""

    def fn(*inputs: Tensor) -> Tensor:
        out = apply(REGISTRY[op_name], *inputs, **attrs)
        w = Tensor._make(weights.astype(out._data.dtype), False, None)
        return apply(REGISTRY["sum_all"], out * w)

    return fn


def _engine_grads(fn: Callable[..., Tensor], inputs: list[Tensor]) -> list[np.ndarray | None]:
    from symgrad.autograd import grad

    leaves = [t for t in inputs if t.requires_grad]
    grads = grad(fn(*inputs), leaves, allow_unused=True)
    return [None if g is None else g._data.astype(np.float64) for g in grads]


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


def _fd_kills(verdict: Any) -> bool:
    for e in verdict.elements:
        if e.fd is None or e.engine is None:
            continue
        engine, fd = float(e.engine), float(e.fd)
        if not (math.isfinite(engine) and math.isfinite(fd)):
            continue
        if abs(engine - fd) > GRADCHECK_ATOL + GRADCHECK_RTOL * abs(fd):
            return True
    return False


def _cases(ops: list[str] | None, dtype_names: list[str]) -> Iterator[tuple[str, Any, Any]]:
    from symgrad.testing.samples import make_samples

    for name in sorted(ops or REGISTRY):
        op = REGISTRY[name]
        if op.vjp is None:
            continue
        for dname in dtype_names:
            if _dtypes._NAMES[dname] not in op.dtypes:
                continue
            yield from ((name, dname, s) for s in make_samples(name, dname))


def run_mutants(ops: list[str] | None = None, dtypes: tuple[str, ...] = ("float64",),
                progress: Callable[[str], None] | None = None) -> MutationReport:
    """Mutate every applicable op × mutation and judge each with the exact oracle and FD."""
    from oracle.crosscheck import crosscheck

    report = MutationReport()
    for name, dname, sample in _cases(ops, list(dtypes)):
        if progress:
            progress(name)
        op = REGISTRY[name]
        by_name = sample.tensors()
        inputs = [by_name[a] for a in op.args]
        if not any(t.requires_grad for t in inputs):
            continue
        rng = np.random.default_rng(zlib.crc32(check_key(name, sample.id)))
        with no_grad():
            out = apply(op, *inputs, **sample.attrs)
        weights = rng.uniform(0.5, 1.5, size=out.shape)
        fn = _weighted(name, sample.attrs, weights)
        check_id = f"{name}/{dname}/{sample.id}"
        clean = crosscheck(fn, inputs, op=name, check_id=check_id)
        report.clean_checks += 1
        if not clean.passed:
            report.false_alarms.append(f"{check_id}: {clean.status} {clean.message}")
            continue
        try:
            baseline = _engine_grads(fn, inputs)
        except Exception:  # noqa: BLE001 - a clean failure is already a false alarm above
            continue
        original = REGISTRY[name]
        for mutation in MUTATIONS:
            mutant = mutate(original, mutation)
            REGISTRY[name] = mutant
            try:
                result = _judge(fn, inputs, baseline, mutant, mutation, name, dname, check_id)
            finally:
                REGISTRY[name] = original
            if result is not None:
                report.results.append(result)
    return report


def _judge(fn: Callable[..., Tensor], inputs: list[Tensor], baseline: list,
           mutant: OpDef, mutation: Mutation, name: str, dname: str, check_id: str
           ) -> MutantResult | None:
    from oracle.crosscheck import crosscheck

    try:
        grads = _engine_grads(fn, inputs)
    except Exception as exc:  # noqa: BLE001 - the engine rejecting a mutant is a result
        return MutantResult(name, mutation.name, dname, "crashed", True, True,
                            f"{type(exc).__name__}: {exc}")
    if not mutant.extra["_mutant_state"]["applied"]:
        return None
    if _same(grads, baseline):
        return MutantResult(name, mutation.name, dname, "equivalent")
    verdict = crosscheck(fn, inputs, op=name, check_id=f"{check_id}/{mutation.name}")
    exact = verdict.status == "engine-wrong"
    fd = _fd_kills(verdict)
    return MutantResult(name, mutation.name, dname, "killed-exact" if exact else "survived",
                        exact, fd, verdict.status)
