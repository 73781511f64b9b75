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

import dataclasses
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import numpy as np
import sympy

from oracle.arb_lambdify import Undecided, arb_lambdify, arb_lambdify_arrays
from oracle.balls import precision, round_balls, to_balls
from oracle.cpu_clock import cpu_seconds
from oracle.expression_tape import Tape, build_tape
from oracle.ir import Graph, IRNode
from oracle.linear import LINEAR, unbroadcast
from oracle.semantics import (
    Meaning,
    Ref,
    cache_key,
    call_meaning,
    meaning_attrs,
    meaning_of,
    num,
    positions,
)
from oracle.semantics.selection import PICKS, pick_attrs, picked

__all__ = ["NotCertified", "Certified", "certified_grad", "DOUBLINGS"]

DOUBLINGS = 4  # how many times the precision is doubled before the path gives up
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

    def proven(self) -> bool:
        """Whether every rounding asked of this result so far is proven.

        >>> import symgrad
        >>> x = symgrad.tensor([0.1], dtype=symgrad.float64, requires_grad=True)
        >>> c = certified_grad(_graph(lambda t: t.exp().sum(), x))
        >>> c.proven(), c.rounded(0, "float16")[1].tolist()
        (True, [True])
        """
        return all(bool(np.all(mask)) for _, mask in self._rounded.values())

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


def _cached(key: Any, make: Any) -> Any:
    hit = _CACHE.get(key)
    if hit is None:
        hit = make()
        _CACHE[key] = hit
    return hit


@dataclass
class _Elementwise:
    fn: Any
    kinks: Any
    n: int
    xs: list[Any]
    parts: list[Any]
    second: Any = None  # the second partials, row by row, compiled when first asked for

    def seconds(self, args: list[np.ndarray]) -> list[np.ndarray]:
        if self.second is None:
            exprs = [p.diff(x) for p in self.parts for x in self.xs]
            fn = arb_lambdify_arrays(self.xs, exprs)
            if fn is None:
                one = arb_lambdify(self.xs, exprs)
                fn = np.frompyfunc((lambda *a: tuple(one(*a))) if len(exprs) > 1 else (
                    lambda *a: one(*a)[0]), self.n, len(exprs))
            self.second = fn
        out = self.second(*args)
        return [np.asarray(v, dtype=object) for v in (out if isinstance(out, list | tuple)
                                                       else [out])]


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
    return _Elementwise(fn, kinks, len(xs), xs, parts)


@dataclass
class _Moves:
    shape: tuple[int, ...]
    by_slot: dict[int, tuple[np.ndarray, np.ndarray]]  # slot -> (output positions, input ones)
    consts: list[tuple[int, Any]]
    candidates: list[list[tuple[int, int]]] | None = None  # a selection: per output, (slot, i)
    select: str = ""  # its pick (``oracle.semantics.selection.PICKS``)
    pick_attrs: list[dict[str, Any]] | None = None  # per output, its pick's parameters


def _moves(meaning: Meaning, node: IRNode, shapes: list[tuple[int, ...]],
           index_values: dict[int, np.ndarray]) -> _Moves:
    out = positions(meaning, node, shapes, index_values)
    if meaning.kind == "select":
        flat = out.reshape(-1)
        cands = [[(r.slot, r.i) for r in c] for c in flat]
        return _Moves(out.shape, {}, [], cands, meaning.select,
                      [pick_attrs(c, node.attrs) for c in flat])
    ks: dict[int, tuple[list[int], list[int]]] = {}
    consts = []
    for k, ref in enumerate(out.reshape(-1)):
        if isinstance(ref, Ref):
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
    out = np.asarray(call_meaning(meaning, node, arrays), dtype=object)
    tape = build_tape(list(out.reshape(-1)), variables)
    kinks = None
    if meaning.kinks is not None:
        exprs = [e for _, e in meaning.kinks(*arrays, **meaning_attrs(meaning, node))]
        kinks = build_tape(exprs, variables) if exprs else None
    return _Structural(tape, var_of, out.shape, kinks)


def _picked(m: _Moves, values: np.ndarray, attrs: dict[str, Any]) -> _Moves:
    """A selection as the move of the element it selects (a tie is the general path's)."""
    src = values.reshape(-1)
    if m.select == "interpolated":
        raise NotCertified("a weighted sum of order statistics (a quantile): the general path's")
    each = m.pick_attrs or [attrs] * len(m.candidates or [])
    lines: dict[tuple[int, ...], list[int]] = {}
    ks: list[int] = []
    picks: list[int] = []
    zero: list[tuple[int, Any]] = []  # outputs with no candidate (an empty bag): 0
    for k, (cands, a) in enumerate(zip(m.candidates or [], each, strict=True)):
        if not cands:
            zero.append((k, flint.arb(0)))
            continue
        ks.append(k)
        picks.append(_extremum(m.select, src, cands) if m.select in ("max", "min") else
                     _ranked(src, cands, lines)[a["rank"]] if m.select == "rank" else
                     _selected(m.select, src, cands, a))
    moves = (np.array(ks, dtype=np.int64), np.array(picks, dtype=np.int64))
    return dataclasses.replace(m, by_slot={0: moves}, consts=zero, candidates=None)


def _extremum(select: str, src: np.ndarray, cands: list[tuple[int, int]]) -> int:
    """The largest (smallest) candidate, compared with the best so far only: one pass."""
    sign = 1 if select == "max" else -1
    best = cands[0][1]
    for _, i in cands[1:]:
        d = sign * (src[i] - src[best])
        if d > 0:
            best = i
        elif not d < 0:
            raise NotCertified("a tie for the extremum") if d.is_zero() else Undecided(
                "candidates for the extremum not separated at this precision")
    return best


def _ranked(src: np.ndarray, cands: list[tuple[int, int]], lines: dict[tuple[int, ...], list[int]]
            ) -> list[int]:
    """The candidates (flat indices), smallest first, each certainly below the next (so below
    every later one): the element of each rank of a sorted line. Sorted once per line
    (``lines``) for all its positions."""
    key = tuple(i for _, i in cands)
    hit = lines.get(key)
    if hit is not None:
        return hit
    order = sorted(key, key=lambda i: _exact_mid(src[i]))
    for a, b in zip(order, order[1:], strict=False):
        if not src[a] < src[b]:
            raise NotCertified("a tie among a selection's candidates") if (
                src[a].mid() == src[b].mid() and src[a].is_exact() and src[b].is_exact()) else (
                Undecided("a selection's candidates not separated at this precision"))
    lines[key] = order
    return order


def _exact_mid(ball: Any) -> Fraction:
    mid = ball.mid()
    if not mid.is_finite():
        raise NotCertified("a candidate that is not finite")
    man, exp = mid.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def _selected(select: str, src: np.ndarray, cands: list[tuple[int, int]],
              attrs: dict[str, Any]) -> int:
    """The candidate an order statistic or a mode picks (``oracle.semantics.selection``),
    picked at the balls' midpoints and certain once every other candidate is apart from it
    (for a mode, every candidate from every other: which values repeat decides it)."""
    balls = [src[i] for _, i in cands]
    mids = [_exact_mid(b) for b in balls]
    at = mids.index(picked(select, mids, attrs))
    apart = sorted(range(len(balls)), key=mids.__getitem__) if PICKS[select].distinct else []
    pairs = [(at, n) for n in range(len(balls)) if n != at] + list(
        zip(apart, apart[1:], strict=False))
    for a, b in pairs:
        if not (balls[a] < balls[b] or balls[a] > balls[b]):
            raise NotCertified("a tie among a selection's candidates") if (
                mids[a] == mids[b] and balls[a].is_exact() and balls[b].is_exact()) else (
                Undecided("a selection's candidates not separated at this precision"))
    return cands[at][1]


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


@dataclass
class _ElementwiseLocal:
    c: _Elementwise
    parts: list[np.ndarray]
    args: list[np.ndarray]


@dataclass
class _TapeLocal:
    s: _Structural
    vec: list[Any]
    vals: list[Any]
    dvals: list[Any] | None = None


class _Run:
    """One evaluation of a graph at the current Arb precision."""

    def __init__(self, graph: Graph, deadline: float, size_budget: int | None) -> None:
        self.graph = graph
        self.deadline = deadline
        self.size_budget = size_budget
        self.values: dict[int, np.ndarray] = {}
        self.local: dict[int, Any] = {}

    def check(self) -> None:
        if cpu_seconds() > self.deadline:
            raise NotCertified("time budget exhausted")

    def forward(self) -> None:
        for node in self.graph.nodes:
            self.check()
            if node.kind != "op":
                assert node.value is not None
                if node.value.dtype.kind == "f" and not np.all(np.isfinite(node.value)):
                    raise NotCertified("a NaN or infinite input")
                self.values[node.id] = self.enter(node, to_balls(node.value))
                continue
            meaning = meaning_of(node.op, node.info)
            if meaning is None:
                raise NotCertified(f"no meaning for {node.op}")
            self.values[node.id] = self.enter(node, self._op(node, meaning))

    def enter(self, node: IRNode, value: np.ndarray) -> np.ndarray:
        """A node's value as the ops after it read it (as computed: exact balls)."""
        return value

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
            c = _cached(("elementwise", node.op, meaning.fn, cache_key(node.attrs)),
                        lambda: _elementwise(meaning, node))
            args = np.broadcast_arrays(*ins) if len(ins) > 1 else ins
            res = [np.asarray(r, dtype=object) for r in c.fn(*args)]
            _all_finite(res, node.op, ins)
            if c.kinks is not None:
                _on_zero(np.frompyfunc(lambda *a: c.kinks(*a), c.n, 1)(*args), node.op)
            self.local[node.id] = _ElementwiseLocal(c, res[1:], list(args))
            return np.asarray(res[0], dtype=object)
        index_values = self._index_values(meaning, node)
        key = (node.op, meaning.fn, cache_key(node.attrs), tuple(shapes),
               tuple(sorted((s, cache_key(v)) for s, v in index_values.items())),
               node.in_dtypes[:1] if meaning.takes_dtype else ())
        if node.op in LINEAR and not meaning.custom and not index_values:
            lin = LINEAR[node.op]
            self.local[node.id] = lin
            return np.asarray(lin.forward(ins, node.attrs), dtype=object)
        if meaning.kind in ("index", "select"):
            m = _cached(("moves",) + key, lambda: _moves(meaning, node, shapes, index_values))
            if m.candidates is not None:
                m = _picked(m, ins[0], node.attrs)
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
        self.local[node.id] = _TapeLocal(s, vec, vals)
        out = np.empty(len(outs), dtype=object)
        out[:] = outs
        return out.reshape(s.shape)

    @staticmethod
    def _move(m: _Moves, ins: list[np.ndarray]) -> np.ndarray:
        out = np.empty(math.prod(m.shape), dtype=object)
        for slot, (ks, is_) in m.by_slot.items():
            out[ks] = ins[slot].reshape(-1)[is_]
        for k, v in m.consts:
            out[k] = v
        return out.reshape(m.shape)

    # -- forward tangents, for second order ------------------------------------------------------
    def tangents(self, seeds: dict[int, np.ndarray]) -> None:
        """The tangent of every node along the inputs' tangents ``seeds`` (absent: zero)."""
        self.tan: dict[int, np.ndarray] = dict(seeds)
        for node in self.graph.nodes:
            if node.kind != "op":
                continue
            self.check()
            dxs = [self.tan.get(i) for i in node.inputs]
            if all(d is None for d in dxs):
                continue
            t = self._jvp(node, dxs)
            if t is not None:
                self.tan[node.id] = np.asarray(t, dtype=object)

    def _jvp(self, node: IRNode, dxs: list[Any]) -> Any:
        local = self.local[node.id]
        ins = [self.values[i] for i in node.inputs]
        if isinstance(local, _ElementwiseLocal):
            terms = [p * d for p, d in zip(local.parts, dxs, strict=True) if d is not None]
            return np.sum(terms, axis=0) if len(terms) > 1 else terms[0]
        if isinstance(local, _TapeLocal):
            dvec = [dxs[slot].reshape(-1)[i] if dxs[slot] is not None else None
                    for slot, i in local.s.var_of]
            local.dvals = local.s.tape.jvp(local.vals, dvec)
            zero = flint.arb(0)
            out = np.empty(len(local.s.tape.outputs), dtype=object)
            out[:] = [local.dvals[o] if local.dvals[o] is not None else zero
                      for o in local.s.tape.outputs]
            return out.reshape(local.s.shape)
        if isinstance(local, _Moves):
            moved = [d if d is not None else _zeros(x.shape) for d, x in zip(dxs, ins,
                                                                            strict=True)]
            out = self._move(local, moved)
            for k, _ in local.consts:
                out.reshape(-1)[k] = flint.arb(0)
            return out
        return local.tangent(ins, dxs, node.attrs)

    # -- reverse --------------------------------------------------------------------------------
    def reverse(self, seeds: dict[int, np.ndarray], targets: set[int], second: bool = False
                ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Adjoints of every node the targets need; with ``second``, also their derivatives
        along the tangents (forward over reverse: the Hessian-vector product)."""
        need = set(targets)
        for node in self.graph.nodes:
            if node.kind == "op" and any(i in need for i in node.inputs):
                need.add(node.id)
        adj = dict(seeds)
        dadj: dict[int, np.ndarray] = {}
        for node in reversed(self.graph.nodes):
            if node.kind != "op" or node.id not in adj or node.id not in need:
                continue
            self.check()
            g = adj[node.id] if node.id in targets else adj.pop(node.id)
            dg = dadj.get(node.id) if node.id in targets else dadj.pop(node.id, None)
            for slot, contribution, moved in self._vjp(node, g, dg, second):
                src = node.inputs[slot]
                if src not in need:
                    continue
                if contribution is not None:
                    adj[src] = adj[src] + contribution if src in adj else contribution
                if moved is not None:
                    dadj[src] = dadj[src] + moved if src in dadj else moved
        return adj, dadj

    def _vjp(self, node: IRNode, g: np.ndarray, dg: Any, second: bool
             ) -> list[tuple[int, Any, Any]]:
        """Per input: the adjoint's contribution and (``second``) its derivative."""
        local = self.local[node.id]
        ins = [self.values[i] for i in node.inputs]
        dxs = [self.tan.get(i) for i in node.inputs] if second else []
        if isinstance(local, _ElementwiseLocal):
            return self._elementwise_vjp(local, ins, g, dg, dxs, second)
        if isinstance(local, _TapeLocal):
            return self._tape_vjp(local, ins, g, dg, second)
        if isinstance(local, _Moves):
            first = self._scatter(local, ins, g)
            moved = dict(self._scatter(local, ins, dg)) if second and dg is not None else {}
            return [(slot, a, moved.get(slot)) for slot, a in first]
        found = local.adjoint(g, ins, node.attrs)
        if not second:
            return [(j, a, None) for j, a in enumerate(found)]
        motion = local.adjoint_dot(g, ins, dxs, node.attrs)
        along = local.adjoint(dg, ins, node.attrs) if dg is not None else [None] * len(ins)
        return [(j, a, _plus(m, d)) for j, (a, m, d) in enumerate(zip(found, motion, along,
                                                                       strict=True))]

    @staticmethod
    def _elementwise_vjp(local: _ElementwiseLocal, ins: list[np.ndarray], g: np.ndarray,
                         dg: Any, dxs: list[Any], second: bool) -> list[tuple[int, Any, Any]]:
        n = local.c.n
        seconds = local.c.seconds(local.args) if second and any(
            d is not None for d in dxs) else None
        found = []
        for j, p in enumerate(local.parts):
            a = unbroadcast(np.asarray(g * p, dtype=object), ins[j].shape)
            moved = None
            if second:
                total = g * np.sum([seconds[j * n + i] * d for i, d in enumerate(dxs)
                                    if d is not None], axis=0) if seconds is not None else None
                if dg is not None:
                    total = dg * p if total is None else total + dg * p
                moved = None if total is None else unbroadcast(
                    np.asarray(total, dtype=object), ins[j].shape)
            found.append((j, a, moved))
        return found

    @staticmethod
    def _tape_vjp(local: _TapeLocal, ins: list[np.ndarray], g: np.ndarray, dg: Any,
                  second: bool) -> list[tuple[int, Any, Any]]:
        s = local.s
        gs = list(np.asarray(g, dtype=object).reshape(-1))
        if second:
            zero = flint.arb(0)
            dgs = list(np.asarray(dg, dtype=object).reshape(-1)) if dg is not None else [
                zero] * len(gs)
            dvals = local.dvals if local.dvals is not None else [None] * len(local.vals)
            grads, dgrads = s.tape.reverse_dot(local.vals, dvals, gs, dgs)
        else:
            grads, dgrads = s.tape.reverse(local.vals, gs), None
        outs: dict[int, np.ndarray] = {}
        douts: dict[int, np.ndarray] = {}
        for n, ((slot, i), v) in enumerate(zip(s.var_of, grads, strict=True)):
            a = outs.setdefault(slot, _zeros(ins[slot].shape).reshape(-1))
            a[i] = a[i] + v
            if dgrads is not None:
                d = douts.setdefault(slot, _zeros(ins[slot].shape).reshape(-1))
                d[i] = d[i] + dgrads[n]
        return [(slot, a.reshape(ins[slot].shape),
                 douts[slot].reshape(ins[slot].shape) if slot in douts else None)
                for slot, a in outs.items()]

    @staticmethod
    def _scatter(local: _Moves, ins: list[np.ndarray], g: np.ndarray
                 ) -> list[tuple[int, np.ndarray]]:
        found = []
        flat = np.asarray(g, dtype=object).reshape(-1)
        for slot, (ks, is_) in local.by_slot.items():
            a = _zeros(ins[slot].shape).reshape(-1)
            np.add.at(a, is_, flat[ks])
            found.append((slot, a.reshape(ins[slot].shape)))
        return found


def _plus(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else a + b


def _zeros(shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(math.prod(shape), dtype=object)
    out[:] = [flint.arb(0)] * out.size
    return out.reshape(shape)


def _evaluate(graph: Graph, seeds: dict[int, np.ndarray] | None, deadline: float,
              size_budget: int | None, tangents: list[np.ndarray | None] | None = None
              ) -> tuple[list[np.ndarray | None], list[np.ndarray]]:
    run = _Run(graph, deadline, size_budget)
    run.forward()
    targets = {i for i in graph.inputs if i is not None}
    if seeds is None:
        seeds = {}
        for o in graph.outputs:
            one = to_balls(np.ones(run.values[o].shape))
            seeds[o] = seeds[o] + one if o in seeds else one
    balls = {k: to_balls(v) if v.dtype != object else v for k, v in seeds.items()}
    if tangents is None:
        adj, _ = run.reverse(balls, targets)
    else:
        run.tangents({i: to_balls(v) for i, v in zip(graph.inputs, tangents, strict=True)
                      if i is not None and v is not None})
        _, adj = run.reverse(balls, targets, second=True)
    grads = [None if i is None else adj.get(i, _zeros(run.values[i].shape))
             for i in graph.inputs]
    return grads, [run.values[o] for o in graph.outputs]


def certified_grad(graph: Graph, seeds: dict[int, np.ndarray] | None = None, *,
                   dtypes: list[str] | None = None, time_budget: float = 60.0,
                   min_bits: int = 128, size_budget: int | None = None,
                   tangents: list[np.ndarray | None] | None = None) -> Certified:
    """The exact gradient of ``graph``'s outputs (weighted by ``seeds``: output node id ->
    array, ones by default) with respect to its inputs, as Arb balls whose rounding to each
    input's dtype (or to ``dtypes[i]``) is proven: the precision starts at ``min_bits`` (at
    least 128) and is doubled while a comparison or a rounding is undecided, within
    ``time_budget`` seconds. A structural op of more than ``size_budget`` input elements is
    left to the general path. Raises ``NotCertified`` where this path cannot settle the graph
    (see the module docstring). With ``tangents`` (one array per input, None for zero), the
    result is instead the Hessian-vector product: the gradient's derivative along them,
    forward over reverse through the same rules (second partials of elementwise ops, the
    linear maps' moving adjoints, the tapes' second partials).

    >>> import symgrad
    >>> x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
    >>> c = certified_grad(_graph(lambda t: (t.tanh() * t).sum(), x))
    >>> c.rounded(0, "float64")[0].tolist()
    [0.8553410237429735, -1.1815684975697909]
    """
    start = time.monotonic()
    deadline = cpu_seconds() + time_budget  # CPU time (``oracle.cpu_clock``)
    notes: list[str] = []
    ladder = [max(min_bits, 128) * 2**k for k in range(DOUBLINGS + 1)]
    for bits in ladder:
        with precision(bits):
            try:
                grads, forward = _evaluate(graph, seeds, deadline, size_budget, tangents)
            except (Undecided, ValueError, ZeroDivisionError) as e:
                notes.append(f"{bits} bits: {e}")
                continue
            except NameError as e:  # a function the Arb namespace does not have
                raise NotCertified(str(e)) from None
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
    from oracle.engines import engine_for

    return engine_for(list(xs)).read([fn(*xs)], list(xs))
