"""Mutation testing: seed bugs into each op's VJP and count which judge catches them.

Each mutation wraps a registry op's VJP (the registry entry is swapped for the run and restored
after), then every sample of the op is judged by ``crosscheck`` on ``sum(op(*inputs) * w)``
with fixed weights ``w`` drawn in [0.5, 1.5] (so the gradient is a VJP with a generic ``g``).

The mutation operators (``MUTATIONS``), each applied to every sample where it means something:

- ``sign-flipped``: the first input's gradient negated;
- ``scaled-by-2``: the first input's gradient doubled;
- ``constant-off``: the first input's gradient multiplied by ``1 + 2**-20`` (a coefficient
  mistyped in its 7th digit, a relative error of about 1e-6: below what FD can resolve);
- ``term-dropped``: one additive term of the gradient formula left out. While the VJP runs,
  the last ``add``/``sub``/``rsub`` it evaluates returns its first operand (for ``rsub``,
  ``other - self``, the minuend): ``g / ((1 - self) * (1 + self))`` (``1 + self`` is
  ``add(self, 1)``) becomes ``g / ((1 - self) * self)``. Only VJPs that
  sum terms have one; the others are not applicable;
- ``grad-missing``: the last differentiable input's gradient not returned (None, so zero);
- ``args-swapped``: the gradients of the first two inputs exchanged (same shape only);
- ``reduction-skipped``: a gradient broadcast over an input's shape sliced at index 0 instead
  of summed over the broadcast dims (only samples with a broadcast input);
- ``transpose-missing``: the first input's gradient not transposed (square matrices only, where
  the bug keeps the shapes valid);
- ``axis-off-by-one``: the VJP told a ``dim`` attribute one axis along (cyclically, preferring
  an axis of the same size so the bug keeps the shapes valid); only ops with a ``dim``
  attribute and inputs of two dims or more.

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

import contextlib
import dataclasses
import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd.grad_mode import no_grad
from symgrad.autograd.graph import _vjp_info
from symgrad.ops import arithmetic
from symgrad.ops.registry import REGISTRY, OpDef, apply
from symgrad.tensor import Tensor

__all__ = ["MUTATIONS", "Mutation", "MutantResult", "MutationReport", "mutate", "run_mutants",
           "GRADCHECK_ATOL", "GRADCHECK_RTOL", "EXACT_TARGET"]

GRADCHECK_ATOL = 1e-5
GRADCHECK_RTOL = 1e-3
# The exact oracle must kill this share of the judged mutants (issue 6).
EXACT_TARGET = 0.99
CONSTANT_OFF = 2.0**-20
_SHAPE = "_mutant_shape_"

Post = Callable[[list[Any], dict[str, tuple[int, ...]], dict[str, Any]], list[Any] | None]


@dataclass(frozen=True)
class Mutation:
    """A way to break a VJP.

    ``post(grads, input_shapes, attrs)`` rewrites its gradients; ``attrs(attrs, input_shapes)``
    rewrites the attributes it is told; ``drop_term`` leaves out the last additive term it
    evaluates. Each returns None (or finds no term) where it does not apply to a sample.

    >>> import symgrad
    >>> from symgrad.ops.registry import REGISTRY, apply
    >>> halved = Mutation("halved", "every gradient halved",
    ...                   post=lambda grads, shapes, attrs: [g / 2 for g in grads])
    >>> x = symgrad.tensor([1.0, 2.0], dtype=symgrad.float64, requires_grad=True)
    >>> apply(mutate(REGISTRY["neg"], halved), x).sum().backward(); x.grad
    tensor([-0.5000, -0.5000], dtype=symgrad.float64)
    """

    name: str
    description: str
    post: Post | None = None
    attrs: Callable[[dict[str, Any], dict[str, tuple[int, ...]]], dict[str, Any] | None] | None = (
        None
    )
    drop_term: bool = False


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


def _grad_missing(grads: list[Any], shapes: dict, attrs: dict) -> list[Any] | None:
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


def _next_axis(dim: int, shape: tuple[int, ...]) -> int:
    """The next axis after ``dim`` (cyclically) of the same size, else simply the next one."""
    ndim = len(shape)
    for k in range(1, ndim):
        if shape[(dim + k) % ndim] == shape[dim]:
            return (dim + k) % ndim
    return (dim + 1) % ndim


def _shift_axis(attrs: dict[str, Any], shapes: dict) -> dict[str, Any] | None:
    dim = attrs.get("dim")
    shape = tuple(shapes.get(f"{_SHAPE}0") or ())
    if dim is None or len(shape) < 2:
        return None
    if isinstance(dim, int):
        return {**attrs, "dim": _next_axis(dim, shape)}
    shifted = tuple(sorted({(d + 1) % len(shape) for d in dim}))
    return None if shifted == tuple(dim) else {**attrs, "dim": shifted}


class _TermDropper:
    """While active, counts the sums the engine evaluates and makes sum number ``drop`` return
    its first operand (the minuend for ``rsub``), broadcast to the sum's shape and dtype."""

    def __init__(self, drop: int | None) -> None:
        self.drop = drop
        self.count = 0

    @contextlib.contextmanager
    def active(self) -> Iterator[_TermDropper]:
        ops = (arithmetic.ADD, arithmetic.SUB, arithmetic.RSUB)
        originals = [op.forward for op in ops]
        try:
            for op, forward in zip(ops, originals, strict=True):
                # OpDef is frozen; the swap is undone below whatever the VJP does.
                object.__setattr__(op, "forward", self._wrap(forward, op is arithmetic.RSUB))
            yield self
        finally:
            for op, forward in zip(ops, originals, strict=True):
                object.__setattr__(op, "forward", forward)

    def _wrap(self, forward: Callable[..., np.ndarray], kept: bool) -> Callable[..., np.ndarray]:
        def sum_forward(*arrays: np.ndarray, **attrs: Any) -> np.ndarray:
            out = np.asarray(forward(*arrays, **attrs))
            i, self.count = self.count, self.count + 1
            if i != self.drop:
                return out
            return np.broadcast_to(np.asarray(arrays[int(kept)]).astype(out.dtype),
                                   out.shape).copy()

        return sum_forward


def _without_last_term(vjp: Callable[..., Any], g: Any, saved: tuple, kwargs: dict
                       ) -> Any | None:
    counter = _TermDropper(None)
    with counter.active():
        vjp(g, *saved, **kwargs)
    if counter.count == 0:
        return None
    with _TermDropper(counter.count - 1).active():
        return vjp(g, *saved, **kwargs)


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("sign-flipped", "the first gradient negated", _first_grad(lambda g: -g)),
    Mutation("scaled-by-2", "the first gradient doubled", _first_grad(lambda g: g * 2)),
    Mutation("constant-off", "the first gradient off by one part in a million (1 + 2**-20)",
             _first_grad(lambda g: g * (1 + CONSTANT_OFF))),
    Mutation("term-dropped", "the last additive term the VJP sums left out", drop_term=True),
    Mutation("grad-missing", "the last input's gradient not returned", _grad_missing),
    Mutation("args-swapped", "two inputs' gradients exchanged", _swap),
    Mutation("reduction-skipped", "broadcast dims sliced, not summed", _skip_reduction),
    Mutation("transpose-missing", "a square matrix gradient not transposed",
             _first_grad(_transpose)),
    Mutation("axis-off-by-one", "the VJP told the next axis as its dim", attrs=_shift_axis),
)


def mutate(op: OpDef, mutation: Mutation) -> OpDef:
    """``op`` with its VJP wrapped by ``mutation``; the wrapper is told the input shapes too.

    ``extra["_mutant_state"]["applied"]`` records whether the mutation changed anything.

    >>> import symgrad
    >>> from symgrad.ops.registry import REGISTRY, apply
    >>> # term-dropped: atanh's g / ((1 - self) * (1 + self)) loses the 1 of (1 + self)
    >>> atanh = mutate(REGISTRY["atanh"], MUTATIONS[3])
    >>> x = symgrad.tensor([0.5], dtype=symgrad.float64, requires_grad=True)
    >>> apply(atanh, x).sum().backward()
    >>> x.grad.tolist(), atanh.extra["_mutant_state"]["applied"]
    ([4.0], True)
    """
    original = op.vjp
    assert original is not None
    wanted, _ = _vjp_info(original)
    state = {"applied": False}

    def vjp(g: Any, *saved: Any, **kwargs: Any) -> Any:
        shapes = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith(_SHAPE)}
        if mutation.attrs is not None:
            plain = {k: v for k, v in kwargs.items() if k in op.attrs}
            changed = mutation.attrs(plain, shapes)
            if changed is not None and (wanted is None or "dim" in wanted):
                state["applied"] = True
                kwargs = {**kwargs, **changed}
        if wanted is not None:
            kwargs = {k: v for k, v in kwargs.items() if k in wanted}
        grads = None
        if mutation.drop_term:
            grads = _without_last_term(original, g, saved, kwargs)
            state["applied"] |= grads is not None
        if grads is None:
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
        return _plain({
            "target": {"exact": EXACT_TARGET, "false_alarms": 0},
            "passed": self.passed(),
            "dtypes": list(self.dtypes),
            "gradcheck_tolerance": {"atol": GRADCHECK_ATOL, "rtol": GRADCHECK_RTOL},
            "mutations": {m.name: m.description for m in MUTATIONS},
            "overall": self.rates(),
            "per_op": {o: {**self.rates(o), **self._counts(op=o)} for o in ops},
            "per_mutation": {m.name: {**self.rates(mutation=m.name),
                                      **self._counts(mutation=m.name)} for m in MUTATIONS},
            "false_alarms": self.false_alarms,
            "fd_false_alarms": self.fd_false_alarms,
            "clean_checks": self.clean_checks,
            **self._counts(),
            "fd_misses": [dataclasses.asdict(r) for r in self.fd_misses()],
            "survivors": [dataclasses.asdict(r) for r in self.survivors()],
            "below_resolution_mutants": [dataclasses.asdict(r) for r in self.results
                                         if r.status == "below-resolution"],
            "results": [dataclasses.asdict(r) for r in self.results],
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


def _weighted(op_name: str, attrs: dict[str, Any], weights: np.ndarray
              ) -> Callable[..., Tensor]:
    """The op's output contracted with fixed weights: a scalar whose gradient is a VJP."""

    # The contraction keeps the unmutated sum: a mutant of sum_all must not meet itself.
    total = REGISTRY["sum_all"]

    def fn(*inputs: Tensor) -> Tensor:
        out = apply(REGISTRY[op_name], *inputs, **attrs)
        w = Tensor._make(weights.astype(out._data.dtype), False, None)
        return apply(total, out * w)

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


def _cases(ops: list[str] | None, dtype_names: list[str]) -> Iterator[tuple[str, str, Any]]:
    from symgrad.testing.samples import make_samples

    for name in ops if ops is not None else sorted(REGISTRY):
        if name not in REGISTRY:
            raise KeyError(f"unknown op {name!r}")
        op = REGISTRY[name]
        if op.vjp is None:
            continue
        for dname in dtype_names:
            if dname not in _dtypes._NAMES or not _dtypes._NAMES[dname].is_floating_point:
                raise ValueError(f"not a float dtype: {dname!r}")
            if _dtypes._NAMES[dname] not in op.dtypes:
                continue
            yield from ((name, dname, s) for s in make_samples(name, dname))


def run_mutants(ops: list[str] | None = None, dtypes: tuple[str, ...] | list[str] = ("float64",),
                progress: Callable[[str], None] | None = None) -> MutationReport:
    """Mutate every op with a VJP (or ``ops``) on each sample in each of ``dtypes`` with every
    applicable mutation, and judge each mutant with the exact oracle and with FD alone.

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
            # Rounded to the sample's dtype once, so the engine, the oracle and FD (which runs
            # in float64) all contract with the same weights.
            weights = rng.uniform(0.5, 1.5, size=out.shape).astype(out._data.dtype)
            fn = _weighted(name, sample.attrs, weights)
            check_id = f"{name}/{dname}/{sample.id}"
            clean = crosscheck(fn, inputs, op=name, check_id=check_id, max_elements=1 << 30)
            report.clean_checks += 1
            if not clean.passed:
                report.false_alarms.append(f"{check_id}: {clean.status}: {clean.message}")
                continue
            clean_fd = {k for k, r in _fd_ratios(clean).items() if r > 1}
            if clean_fd:
                report.fd_false_alarms.append(f"{check_id}: {clean.message}")
            try:
                baseline = _engine_grads(fn, inputs)
            except Exception:  # noqa: BLE001 - a clean failure is already a false alarm above
                continue
            original = REGISTRY[name]
            for mutation in MUTATIONS:
                mutant = mutate(original, mutation)
                REGISTRY[name] = mutant
                try:
                    result = _judge(fn, inputs, baseline, clean_fd, mutant, mutation,
                                    sample.id, dname, check_id)
                finally:
                    REGISTRY[name] = original
                if result is not None:
                    report.results.append(result)
    return report


def _judge(fn: Callable[..., Tensor], inputs: list[Tensor], baseline: list,
           clean_fd: set[tuple[str, tuple[int, ...]]], mutant: OpDef, mutation: Mutation,
           sample: str, dname: str, check_id: str) -> MutantResult | None:
    from oracle.crosscheck import crosscheck

    name = mutant.name
    try:
        grads = _engine_grads(fn, inputs)
    except Exception as exc:  # noqa: BLE001 - the engine rejecting a mutant is a result
        return MutantResult(name, mutation.name, dname, sample, "crashed",
                            detail=f"{type(exc).__name__}: {exc}")
    if not mutant.extra["_mutant_state"]["applied"]:
        return None
    if _same(grads, baseline):
        return MutantResult(name, mutation.name, dname, sample, "equivalent",
                            why="gradients bit for bit those of the unmutated VJP")
    verdict = crosscheck(fn, inputs, op=name, check_id=f"{check_id}/{mutation.name}",
                         max_elements=1 << 30)
    within = _within_rounding(grads, baseline, verdict, dname)
    if within is not None:
        return MutantResult(name, mutation.name, dname, sample, "below-resolution",
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
    return MutantResult(name, mutation.name, dname, sample,
                        "killed-exact" if exact else "survived", exact, fd,
                        f"{verdict.status}: {verdict.message}", why, ratio)
