"""Mutation testing's symgrad side: seeded bugs in symgrad's VJPs, installed one at a time.

Part of the symgrad adapter (``oracle.engines.symgrad_engine``): it imports symgrad. Each
mutation wraps a registry op's VJP (the registry entry is swapped while it is installed and
restored after); ``oracle.mutants`` judges each mutant and scores the judges.

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
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from oracle.engines.base import MutantCase
from symgrad import _dtypes
from symgrad.autograd.grad_mode import no_grad
from symgrad.autograd.graph import _vjp_info
from symgrad.ops import arithmetic
from symgrad.ops.registry import REGISTRY, OpDef, apply
from symgrad.tensor import Tensor

__all__ = ["CONSTANT_OFF", "MUTATIONS", "Mutation", "cases", "mutate"]

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


@contextlib.contextmanager
def _installed(name: str, mutation_name: str) -> Iterator[Callable[[], bool]]:
    """``REGISTRY[name]`` mutated while the block runs; yields whether the mutation changed
    anything so far."""
    original = REGISTRY[name]
    mutant = mutate(original, next(m for m in MUTATIONS if m.name == mutation_name))
    REGISTRY[name] = mutant
    try:
        yield lambda: bool(mutant.extra["_mutant_state"]["applied"])
    finally:
        REGISTRY[name] = original


def cases(ops: list[str] | None, dtype_names: list[str], seed: Callable[[str, str], int]
          ) -> Iterator[MutantCase]:
    """Each sample (of ``ops``, or of every op with a VJP) in each dtype with an input to
    differentiate, as ``sum(op(*inputs) * w)`` with weights drawn in [0.5, 1.5] from
    ``seed(op, sample_id)`` and rounded to the sample's dtype once, so the engine, the oracle
    and FD (which runs in float64) all contract with the same weights.

    >>> case = next(cases(["neg"], ["float64"], lambda op, sample: 0))
    >>> case.op, case.sample, list(case.mutations)[:2]
    ('neg', 'sample0', ['sign-flipped', 'scaled-by-2'])
    """
    from oracle.engines.symgrad_samples import make_samples

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
            for sample in make_samples(name, dname):
                by_name = sample.tensors()
                inputs = [by_name[a] for a in op.args]
                if not any(t.requires_grad for t in inputs):
                    continue
                rng = np.random.default_rng(seed(name, sample.id))
                with no_grad():
                    out = apply(op, *inputs, **sample.attrs)
                weights = rng.uniform(0.5, 1.5, size=out.shape).astype(out._data.dtype)
                fn = _weighted(name, sample.attrs, weights)
                yield MutantCase(
                    name, dname, sample.id, fn, inputs,
                    lambda fn=fn, inputs=inputs: _engine_grads(fn, inputs),
                    {m.name: m.description for m in MUTATIONS},
                    lambda mutation, name=name: _installed(name, mutation))
