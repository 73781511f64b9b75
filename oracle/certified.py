"""The exact gradient of a recorded graph in Arb balls, in time linear in its size.

Every value is an Arb ball evaluated at the engine's exact binary inputs. Each op is taken by
its kind of meaning:

- elementwise: SymPy differentiates the op's meaning once per op and attributes; the value
  and partials are compiled to Arb (``arb_lambdify``) and applied over whole arrays;
- index moves (views, indexing, cat, ...): the meaning applied once to element positions
  gives where each output element comes from; the adjoint scatters back;
- max/min: the selected element, when no other ties it;
- linear maps (sums, means, products of matrices): their adjoints (``oracle.linear``);
- other structural meanings: reverse mode over their SymPy expressions (``expression_tape``).

Whatever this path cannot settle on its own — an element on a kink or a domain edge, a tie, a
value that is not finite, an op without a meaning — raises ``NotCertified`` and the caller
takes the general exact path (``oracle.exact``), which knows kinks, edges and conventions.
A ball too wide to decide a comparison or a rounding is evaluated again at a higher precision
(``certified_grad``); a rounding still unproven at the last precision is reported as such.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import flint
import numpy as np
import sympy

from oracle.arb_lambdify import Undecided, arb_lambdify, arb_lambdify_arrays
from oracle.balls import precision, round_balls, to_balls
from oracle.expression_tape import Tape, build_tape
from oracle.ir import Graph, IRNode
from oracle.linear import LINEAR, unbroadcast
from oracle.semantics import Meaning, meaning_of, num

__all__ = ["NotCertified", "Certified", "certified_grad", "PRECISIONS"]

PRECISIONS = (128, 256, 512, 1024, 2048)
_FLOAT = {"float16", "bfloat16", "float32", "float64"}


class NotCertified(Exception):
    """This path cannot settle the graph; the message says why (the general path can)."""


@dataclass
class Certified:
    """Certified exact gradients: ``balls[i]`` an object array of Arb balls per input (None
    when input i does not reach the outputs), ``forward`` the outputs' balls, ``precision``
    the bits that decided every comparison, ``seconds`` the time taken."""

    balls: list[np.ndarray | None]
    forward: list[np.ndarray]
    precision: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    _rounded: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False)

    def rounded(self, i: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
        """Input i's gradient rounded to ``dtype`` and the mask of proven roundings (inside
        this result's precision, so the ends of each ball are exact enough).

        >>> import symgrad
        >>> x = symgrad.tensor([0.5, 2.0], dtype=symgrad.float64, requires_grad=True)
        >>> c = certified_grad(_graph(lambda t: (t * t).sum(), x))
        >>> c.rounded(0, "float64")[0].tolist(), c.precision
        ([1.0, 4.0], 128)
        """
        b = self.balls[i]
        assert b is not None
        if (i, dtype) not in self._rounded:
            with precision(self.precision):
                self._rounded[i, dtype] = round_balls(b, dtype)
        return self._rounded[i, dtype]


# -- compiled forms, cached per op, attributes and shapes -----------------------------------------
_CACHE: dict[Any, Any] = {}


def _freeze(x: Any) -> Any:
    if isinstance(x, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in x.items()))
    if isinstance(x, list | tuple):
        return tuple(_freeze(v) for v in x)
    if isinstance(x, np.ndarray):
        return ("array", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, slice):
        return ("slice", x.start, x.stop, x.step)
    try:
        hash(x)
    except TypeError:
        return repr(x)
    return x


def _cached(key: Any, make: Any) -> Any:
    hit = _CACHE.get(key)
    if hit is None:
        hit = make()
        _CACHE[key] = hit
    return hit


def _call(meaning: Meaning, node: IRNode, arrays: list[Any]) -> Any:
    if meaning.custom:
        slots = {int(n[3:]): a for n, a in zip(node.arg_names, arrays, strict=True)}
        slots.update({int(k[3:]): v for k, v in node.attrs.items()})
        return meaning.fn(*(slots[i] for i in sorted(slots)))
    return meaning.fn(*arrays, **node.attrs)


@dataclass
class _Elementwise:
    fn: Any
    kinks: Any
    n: int


def _elementwise(meaning: Meaning, node: IRNode) -> _Elementwise:
    xs = [sympy.Symbol(f"x{j}", real=True) for j in range(len(node.inputs))]
    out = sympy.sympify(meaning.fn(*xs, **node.attrs))
    parts = [out.diff(x) for x in xs]
    kinks = None
    if meaning.kinks is not None:
        exprs = [e for _, e in meaning.kinks(*xs, **node.attrs)]
        kinks = arb_lambdify(xs, exprs) if exprs else None
    fn = arb_lambdify_arrays(xs, [out, *parts])
    if fn is None:
        one = arb_lambdify(xs, [out, *parts])
        fn = np.frompyfunc(lambda *a: tuple(one(*a)), len(xs), len(xs) + 1)
    return _Elementwise(fn, kinks, len(xs))


class _Ref:
    __slots__ = ("slot", "i")

    def __init__(self, slot: int, i: int) -> None:
        self.slot = slot
        self.i = i


@dataclass
class _Moves:
    shape: tuple[int, ...]
    by_slot: dict[int, tuple[np.ndarray, np.ndarray]]  # slot -> (output positions, input ones)
    consts: list[tuple[int, Any]]
    candidates: list[list[tuple[int, int]]] | None = None  # max/min: per output, (slot, i)
    select: str = ""  # "max" or "min"


def _positions(meaning: Meaning, node: IRNode, shapes: list[tuple[int, ...]],
               index_values: dict[int, np.ndarray]) -> np.ndarray:
    arrays: list[Any] = []
    for slot, shape in enumerate(shapes):
        if slot in index_values:
            arrays.append(index_values[slot])
            continue
        refs = np.empty(math.prod(shape), dtype=object)
        refs[:] = [_Ref(slot, i) for i in range(refs.size)]
        arrays.append(refs.reshape(shape))
    return np.asarray(_call(meaning, node, arrays), dtype=object)


def _moves(meaning: Meaning, node: IRNode, shapes: list[tuple[int, ...]],
           index_values: dict[int, np.ndarray]) -> _Moves:
    out = _positions(meaning, node, shapes, index_values)
    if meaning.kind == "select":
        cands = [[(r.slot, r.i) for r in c] for c in out.reshape(-1)]
        return _Moves(out.shape, {}, [], cands, meaning.select)
    ks: dict[int, tuple[list[int], list[int]]] = {}
    consts = []
    for k, ref in enumerate(out.reshape(-1)):
        if isinstance(ref, _Ref):
            a, b = ks.setdefault(ref.slot, ([], []))
            a.append(k)
            b.append(ref.i)
        else:
            q = sympy.Rational(num(ref) if not isinstance(ref, sympy.Basic) else ref)
            consts.append((k, flint.arb(int(q.p)) / int(q.q)))
    by_slot = {s: (np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
               for s, (a, b) in ks.items()}
    return _Moves(out.shape, by_slot, consts)


@dataclass
class _Structural:
    tape: Tape
    var_of: list[tuple[int, int]]
    shape: tuple[int, ...]
    kinks: Tape | None


def _structural(meaning: Meaning, node: IRNode, shapes: list[tuple[int, ...]],
                index_values: dict[int, np.ndarray]) -> _Structural:
    arrays: list[Any] = []
    variables: list[Any] = []
    var_of: list[tuple[int, int]] = []
    for slot, shape in enumerate(shapes):
        if slot in index_values:
            arrays.append(index_values[slot])
            continue
        n = math.prod(shape)
        syms = [sympy.Symbol(f"x{slot}_{i}", real=True) for i in range(n)]
        variables.extend(syms)
        var_of.extend((slot, i) for i in range(n))
        holder = np.empty(n, dtype=object)
        holder[:] = syms
        arrays.append(holder.reshape(shape))
    out = np.asarray(_call(meaning, node, arrays), dtype=object)
    tape = build_tape(list(out.reshape(-1)), variables)
    kinks = None
    if meaning.kinks is not None:
        exprs = [e for _, e in meaning.kinks(*arrays, **node.attrs)]
        kinks = build_tape(exprs, variables) if exprs else None
    return _Structural(tape, var_of, out.shape, kinks)


# -- the evaluation -------------------------------------------------------------------------------
def _on_zero(values: Any, what: str) -> None:
    """Raise when a kink expression is 0 (NotCertified) or undecided at this precision."""
    flat = [v for item in np.asarray(values, dtype=object).reshape(-1)
            for v in (item if isinstance(item, list) else [item])]
    for v in flat:
        if v.is_zero():
            raise NotCertified(f"{what}: an element sits on a kink")
        if v.contains(0):
            raise Undecided(f"{what}: a kink expression not separated from 0")


def _all_finite(arrays: Any, what: str, inputs: list[np.ndarray]) -> None:
    """Raise when a value or partial is not finite: ``NotCertified`` when the op's inputs are
    exact (a pole, a domain edge), ``Undecided`` when they are wide balls (precision lost)."""
    # A sum of balls is finite exactly when every term is (a NaN or an infinity spreads).
    for a in arrays:
        total = np.sum(np.asarray(a, dtype=object), initial=flint.arb(0))
        if total.is_finite():
            continue
        if all(v.is_exact() for x in inputs for v in x.reshape(-1)):
            raise NotCertified(f"{what}: a value or partial that is not finite")
        raise Undecided(f"{what}: a value or partial not finite at this precision")


class _Run:
    """One evaluation of a graph at the current Arb precision."""

    def __init__(self, graph: Graph, deadline: float, size_budget: int | None) -> None:
        self.graph = graph
        self.deadline = deadline
        self.size_budget = size_budget
        self.values: dict[int, np.ndarray] = {}
        self.local: dict[int, Any] = {}

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise NotCertified("time budget exhausted")

    def forward(self) -> None:
        for node in self.graph.nodes:
            self.check()
            if node.kind != "op":
                assert node.value is not None
                if node.value.dtype.kind == "f" and not np.all(np.isfinite(node.value)):
                    raise NotCertified("a NaN or infinite input")
                self.values[node.id] = to_balls(node.value)
                continue
            meaning = meaning_of(node.op, node.info)
            if meaning is None:
                raise NotCertified(f"no meaning for {node.op}")
            self.values[node.id] = self._op(node, meaning)

    def _index_values(self, meaning: Meaning, node: IRNode) -> dict[int, np.ndarray]:
        found = {}
        for slot, i in enumerate(node.inputs):
            name = node.arg_names[slot] if slot < len(node.arg_names) else ""
            if meaning.kind != "elementwise" and (
                    name in meaning.index_args or node.in_dtypes[slot] not in _FLOAT):
                src = self.graph.nodes[i]
                if src.value is None or src.kind == "op":
                    raise NotCertified(f"{node.op}: an index computed in the graph")
                found[slot] = src.value
        return found

    def _op(self, node: IRNode, meaning: Meaning) -> np.ndarray:
        ins = [self.values[i] for i in node.inputs]
        shapes = [a.shape for a in ins]
        if meaning.kind == "elementwise":
            c = _cached(("elementwise", node.op, meaning.fn, _freeze(node.attrs)),
                        lambda: _elementwise(meaning, node))
            args = np.broadcast_arrays(*ins) if len(ins) > 1 else ins
            res = [np.asarray(r, dtype=object) for r in c.fn(*args)]
            _all_finite(res, node.op, ins)
            if c.kinks is not None:
                _on_zero(np.frompyfunc(lambda *a: c.kinks(*a), c.n, 1)(*args), node.op)
            self.local[node.id] = (c, res[1:])
            return np.asarray(res[0], dtype=object)
        index_values = self._index_values(meaning, node)
        key = (node.op, meaning.fn, _freeze(node.attrs), tuple(shapes),
               tuple(sorted((s, _freeze(v)) for s, v in index_values.items())))
        if node.op in LINEAR and not meaning.custom and not index_values:
            lin = LINEAR[node.op]
            self.local[node.id] = lin
            return np.asarray(lin.forward(ins, node.attrs), dtype=object)
        if meaning.kind in ("index", "select"):
            m = _cached(("moves",) + key, lambda: _moves(meaning, node, shapes, index_values))
            self.local[node.id] = m
            return self._move(m, ins)
        if self.size_budget is not None and sum(
                math.prod(sh) for sh in shapes) > self.size_budget:
            raise NotCertified(f"{node.op}: past the size budget of its expressions")
        try:
            s = _cached(("tape",) + key, lambda: _structural(meaning, node, shapes,
                                                            index_values))
        except Undecided as e:
            raise NotCertified(f"{node.op}: {e}") from None
        vec = [ins[slot].reshape(-1)[i] for slot, i in s.var_of]
        if s.kinks is not None:
            _on_zero(s.kinks.forward(vec)[1], node.op)
        vals, outs = s.tape.forward(vec)
        _all_finite([outs], node.op, ins)
        self.local[node.id] = (s, vec, vals)
        out = np.empty(len(outs), dtype=object)
        out[:] = outs
        return out.reshape(s.shape)

    def _move(self, m: _Moves, ins: list[np.ndarray]) -> np.ndarray:
        if m.candidates is not None:
            src = ins[0].reshape(-1)
            sign = 1 if m.select == "max" else -1
            picks = []
            for cands in m.candidates:
                best = cands[0][1]
                for _, i in cands[1:]:
                    if sign * (src[i] - src[best]) > 0:
                        best = i
                    elif not (sign * (src[i] - src[best]) < 0):
                        raise NotCertified("a tie for the extremum") if (
                            src[i] - src[best]).is_zero() else Undecided("close candidates")
                picks.append(best)
            # With no tie the extremum moves the one element it selects (max and min alike).
            by = np.arange(len(picks), dtype=np.int64), np.array(picks, dtype=np.int64)
            m.by_slot = {0: by}
        out = np.empty(math.prod(m.shape), dtype=object)
        for slot, (ks, is_) in m.by_slot.items():
            out[ks] = ins[slot].reshape(-1)[is_]
        for k, v in m.consts:
            out[k] = v
        return out.reshape(m.shape)

    def reverse(self, seeds: dict[int, np.ndarray], targets: set[int]) -> dict[int, np.ndarray]:
        need = set(targets)
        for node in self.graph.nodes:
            if node.kind == "op" and any(i in need for i in node.inputs):
                need.add(node.id)
        adj = {k: v for k, v in seeds.items()}
        for node in reversed(self.graph.nodes):
            if node.kind != "op" or node.id not in adj or node.id not in need:
                continue
            self.check()
            g = adj.pop(node.id) if node.id not in targets else adj[node.id]
            for slot, contribution in self._vjp(node, g):
                src = node.inputs[slot]
                if src not in need or contribution is None:
                    continue
                adj[src] = adj[src] + contribution if src in adj else contribution
        return adj

    def _vjp(self, node: IRNode, g: np.ndarray) -> list[tuple[int, np.ndarray | None]]:
        local = self.local[node.id]
        ins = [self.values[i] for i in node.inputs]
        if isinstance(local, tuple) and isinstance(local[0], _Elementwise):
            _, parts = local
            return [(j, unbroadcast(np.asarray(g * p, dtype=object), ins[j].shape))
                    for j, p in enumerate(parts)]
        if isinstance(local, tuple):
            s, vec, vals = local
            grads = s.tape.reverse(vals, list(g.reshape(-1)))
            outs: dict[int, np.ndarray] = {}
            for (slot, i), v in zip(s.var_of, grads, strict=True):
                a = outs.setdefault(slot, _zeros(ins[slot].shape).reshape(-1))
                a[i] = a[i] + v
            return [(slot, a.reshape(ins[slot].shape)) for slot, a in outs.items()]
        if isinstance(local, _Moves):
            found = []
            flat = g.reshape(-1)
            for slot, (ks, is_) in local.by_slot.items():
                a = _zeros(ins[slot].shape).reshape(-1)
                np.add.at(a, is_, flat[ks])
                found.append((slot, a.reshape(ins[slot].shape)))
            return found
        return list(enumerate(local.adjoint(g, ins, node.attrs)))


def _zeros(shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(math.prod(shape), dtype=object)
    out[:] = [flint.arb(0)] * out.size
    return out.reshape(shape)


def _evaluate(graph: Graph, seeds: dict[int, np.ndarray] | None, deadline: float,
              size_budget: int | None) -> tuple[list[np.ndarray | None], list[np.ndarray]]:
    run = _Run(graph, deadline, size_budget)
    run.forward()
    targets = {i for i in graph.inputs if i is not None}
    if seeds is None:
        seeds = {}
        for o in graph.outputs:
            one = to_balls(np.ones(run.values[o].shape))
            seeds[o] = seeds[o] + one if o in seeds else one
    balls = {k: to_balls(v) if v.dtype != object else v for k, v in seeds.items()}
    adj = run.reverse(balls, targets)
    grads = [None if i is None else adj.get(i, _zeros(run.values[i].shape))
             for i in graph.inputs]
    return grads, [run.values[o] for o in graph.outputs]


def certified_grad(graph: Graph, seeds: dict[int, np.ndarray] | None = None, *,
                   dtypes: list[str] | None = None, time_budget: float = 60.0,
                   min_bits: int = 128, size_budget: int | None = None) -> Certified:
    """The exact gradient of ``graph``'s outputs (weighted by ``seeds``: output node id ->
    array, ones by default) with respect to its inputs, as Arb balls whose rounding to each
    input's dtype (or to ``dtypes[i]``) is proven: the precision starts at ``min_bits`` (at
    least 128) and is doubled while a comparison or a rounding is undecided, within
    ``time_budget`` seconds. A structural op of more than ``size_budget`` input elements is
    left to the general path. Raises ``NotCertified`` where this path cannot settle the graph
    (see the module docstring).

    >>> import symgrad
    >>> x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
    >>> c = certified_grad(_graph(lambda t: (t.tanh() * t).sum(), x))
    >>> c.rounded(0, "float64")[0].tolist()
    [0.8553410237429735, -1.1815684975697909]
    """
    start = time.monotonic()
    deadline = start + time_budget
    notes: list[str] = []
    ladder = [max(min_bits, 128) * 2**k for k in range(len(PRECISIONS))]
    for bits in ladder:
        with precision(bits):
            try:
                grads, forward = _evaluate(graph, seeds, deadline, size_budget)
            except (Undecided, ValueError, ZeroDivisionError) as e:
                notes.append(f"{bits} bits: {e}")
                continue
            result = Certified(grads, forward, bits, 0.0, notes)
            proven = True
            for i, g in enumerate(grads):
                if g is None:
                    continue
                dtype = (dtypes[i] if dtypes else graph.nodes[graph.inputs[i]].dtype)
                if dtype in _FLOAT and not result.rounded(i, dtype)[1].all():
                    proven = False
                    notes.append(f"{bits} bits: a rounding to {dtype} not yet proven")
                    break
            if proven or bits == ladder[-1]:
                result.seconds = time.monotonic() - start
                return result
    raise NotCertified("; ".join(notes) or "undecided at every precision")


def _graph(fn: Any, *xs: Any) -> Graph:
    """The IR of ``fn(*xs)`` for the examples here (through the engine seam)."""
    from oracle.adapter import read_graph

    return read_graph([fn(*xs)], list(xs))
