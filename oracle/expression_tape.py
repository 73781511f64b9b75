"""Reverse mode over a SymPy expression DAG, evaluated on Arb balls: linear in its size.

A structural meaning (softmax, a loss, a norm, a custom Function's ``sympy`` method) gives each
output element as a SymPy expression of the input elements. Differentiating every output by
every input symbol costs the square of the size; instead the expressions are flattened once
into a tape of unique subexpressions (shared ones once), evaluated forward on balls, and the
adjoints run back through the tape with each node's exact local partials: ``Add`` passes the
adjoint on, ``Mul`` multiplies by the other factors, ``Pow`` and functions by their derivative,
which SymPy gives per function (``fdiff``) and ``arb_lambdify`` evaluates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import flint
import sympy

from oracle.arb_lambdify import Undecided, arb_lambdify

__all__ = ["Tape", "build_tape"]


@dataclass
class _Step:
    kind: str  # "var", "const", "add", "mul", "pow", "fn"
    args: tuple[int, ...] = ()
    var: int = -1
    const: Any = None
    fn: Callable[..., Any] | None = None  # value and partials of a function node
    const_exponent: bool = False  # a power whose exponent is a number
    func: Any = None  # the SymPy function of a function node, for its second partials


_FUNCTIONS: dict[Any, Callable[..., Any]] = {}


def _function(func: Any, n: int, order: int = 1) -> Callable[..., Any]:
    """Value and partials of ``func`` of ``n`` arguments (``order=2``: its second partials,
    row by row), compiled once per function."""
    key = (func, n, order)
    hit = _FUNCTIONS.get(key)
    if hit is None:
        xs = sympy.symbols(f"a0:{n}", real=True)
        value = func(*xs)
        parts = [value.diff(x) for x in xs]
        exprs = [value, *parts] if order == 1 else [p.diff(x) for p in parts for x in xs]
        hit = arb_lambdify(list(xs), exprs)
        _FUNCTIONS[key] = hit
    return hit


def _const(e: Any) -> Any:
    if e.is_Integer:
        return flint.arb(int(e))
    if e.is_Rational:
        return flint.arb(int(e.p)) / int(e.q)
    if e.is_Float:
        return flint.arb(sympy.Rational(e).p) / int(sympy.Rational(e).q)
    if e == sympy.pi:
        return flint.arb.pi()
    if e == sympy.E:
        return flint.arb(1).exp()
    raise Undecided(f"no exact ball for the constant {e}")


class Tape:
    """The flattened expressions of one structural op at one set of shapes."""

    def __init__(self, steps: list[_Step], outputs: list[int], n_vars: int) -> None:
        self.steps = steps
        self.outputs = outputs
        self.n_vars = n_vars

    def forward(self, xs: list[Any]) -> tuple[list[Any], list[Any]]:
        """The value of every step at the variables' balls ``xs``; the outputs' values."""
        vals: list[Any] = [None] * len(self.steps)
        for k, s in enumerate(self.steps):
            if s.kind == "var":
                vals[k] = xs[s.var]
            elif s.kind == "const":
                vals[k] = s.const
            elif s.kind == "add":
                total = vals[s.args[0]]
                for a in s.args[1:]:
                    total = total + vals[a]
                vals[k] = total
            elif s.kind == "mul":
                prod = vals[s.args[0]]
                for a in s.args[1:]:
                    prod = prod * vals[a]
                vals[k] = prod
            elif s.kind == "pow":
                vals[k] = _power(vals[s.args[0]], vals[s.args[1]])
            else:
                assert s.fn is not None
                vals[k] = s.fn(*(vals[a] for a in s.args))[0]
        return vals, [vals[o] for o in self.outputs]

    def reverse(self, vals: list[Any], g: list[Any]) -> list[Any]:
        """The adjoint of each variable for output adjoints ``g``."""
        adj: list[Any] = [None] * len(self.steps)
        for o, go in zip(self.outputs, g, strict=True):
            adj[o] = go if adj[o] is None else adj[o] + go
        grads: list[Any] = [flint.arb(0)] * self.n_vars
        for k in range(len(self.steps) - 1, -1, -1):
            a = adj[k]
            if a is None:
                continue
            s = self.steps[k]
            if s.kind == "var":
                grads[s.var] = grads[s.var] + a
                continue
            if s.kind == "const":
                continue
            for j, part in _partials(s, vals, k):
                adj[j] = a * part if adj[j] is None else adj[j] + a * part
        return grads


    def jvp(self, vals: list[Any], dxs: list[Any]) -> list[Any]:
        """The tangent of every step for the variables' tangents ``dxs`` (None for 0)."""
        dvals: list[Any] = [None] * len(self.steps)
        for k, s in enumerate(self.steps):
            if s.kind == "var":
                dvals[k] = dxs[s.var]
            elif s.kind != "const":
                total = None
                for j, part in _partials(s, vals, k):
                    if dvals[j] is not None:
                        term = part * dvals[j]
                        total = term if total is None else total + term
                dvals[k] = total
        return dvals

    def reverse_dot(self, vals: list[Any], dvals: list[Any], g: list[Any], dg: list[Any]
                    ) -> tuple[list[Any], list[Any]]:
        """The variables' adjoints for output adjoints ``g`` and their derivatives along the
        tangents ``dvals`` (from ``jvp``) with output adjoints moving by ``dg``."""
        adj: list[Any] = [None] * len(self.steps)
        dadj: list[Any] = [None] * len(self.steps)
        for o, go, dgo in zip(self.outputs, g, dg, strict=True):
            adj[o] = go if adj[o] is None else adj[o] + go
            dadj[o] = dgo if dadj[o] is None else dadj[o] + dgo
        zero = flint.arb(0)
        grads, dgrads = [zero] * self.n_vars, [zero] * self.n_vars
        for k in range(len(self.steps) - 1, -1, -1):
            a, da = adj[k], dadj[k]
            s = self.steps[k]
            if a is None or s.kind == "const":
                continue
            da = zero if da is None else da
            if s.kind == "var":
                grads[s.var] += a
                dgrads[s.var] += da
                continue
            parts = _partials(s, vals, k)
            moves = _partial_dots(s, vals, dvals, k)
            for (j, part), dpart in zip(parts, moves, strict=True):
                adj[j] = a * part if adj[j] is None else adj[j] + a * part
                step = da * part + a * dpart
                dadj[j] = step if dadj[j] is None else dadj[j] + step
        return grads, dgrads


def _partial_dots(s: _Step, vals: list[Any], dvals: list[Any], k: int) -> list[Any]:
    """The derivative of each of ``_partials``' partials along the tangents ``dvals``."""
    zero = flint.arb(0)
    d = [zero if dvals[a] is None else dvals[a] for a in s.args]
    if s.kind == "add":
        return [zero] * len(s.args)
    if s.kind == "mul":
        out = []
        for j in range(len(s.args) - 1, -1, -1):  # the order of ``_partials``
            total = zero
            for i in range(len(s.args)):
                if i == j:
                    continue
                term = d[i]
                for m in range(len(s.args)):
                    if m not in (i, j):
                        term = term * vals[s.args[m]]
                total += term
            out.append(total)
        return out
    if s.kind == "pow":
        b, e = vals[s.args[0]], vals[s.args[1]]
        db, de = d
        if s.const_exponent:
            return [e * (e - 1) * _power(b, e - 2) * db]
        # d(e b**(e-1)) = de b**(e-1) + e b**(e-1) (de log b + (e-1) db / b); d(v log b).
        pe1 = _power(b, e - 1)
        value = vals[k]
        dvalue = e * pe1 * db + value * b.log() * de
        return [de * pe1 + e * pe1 * (de * b.log() + (e - 1) * db / b),
                dvalue * b.log() + value * db / b]
    n = len(s.args)
    second = _function(s.func, n, order=2)(*(vals[a] for a in s.args))
    return [sum((second[j * n + i] * d[i] for i in range(n)), zero) for j in range(n)]


def _power(b: Any, e: Any) -> Any:
    if e.is_exact() and e.is_integer():
        n = int(e.unique_fmpz())
        if n < 0 and b.contains(0):
            raise Undecided("a negative power of a ball containing 0")
        return b ** n
    if not (b > 0):
        raise Undecided("a real power of a ball not certainly positive")
    return (e * b.log()).exp()


def _partials(s: _Step, vals: list[Any], k: int) -> list[tuple[int, Any]]:
    if s.kind == "add":
        one = flint.arb(1)
        return [(a, one) for a in s.args]
    if s.kind == "mul":
        n = len(s.args)
        prefix = [flint.arb(1)] * (n + 1)
        for i, a in enumerate(s.args):
            prefix[i + 1] = prefix[i] * vals[a]
        out, suffix = [], flint.arb(1)
        for i in range(n - 1, -1, -1):
            out.append((s.args[i], prefix[i] * suffix))
            suffix = suffix * vals[s.args[i]]
        return out
    if s.kind == "pow":
        b, e = vals[s.args[0]], vals[s.args[1]]
        parts = [(s.args[0], e * _power(b, e - 1))]
        if not s.const_exponent:
            parts.append((s.args[1], vals[k] * b.log()))
        return parts
    assert s.fn is not None
    r = s.fn(*(vals[a] for a in s.args))
    return [(a, r[1 + i]) for i, a in enumerate(s.args)]


def build_tape(exprs: list[Any], variables: list[Any]) -> Tape:
    """Flatten ``exprs`` (SymPy) over ``variables`` into a tape; raises ``Undecided`` for a
    node it has no exact rule for (a Piecewise, a relational).

    >>> x, y = sympy.symbols("x y", real=True)
    >>> t = build_tape([sympy.exp(x) * y, x + y], [x, y])
    >>> vals, outs = t.forward([flint.arb(0), flint.arb(3)])
    >>> [str(v) for v in outs], [str(v) for v in t.reverse(vals, [flint.arb(1), flint.arb(0)])]
    (['3.00000000000000', '3.00000000000000'], ['3.00000000000000', '1.00000000000000'])
    """
    position = {v: i for i, v in enumerate(variables)}
    index: dict[Any, int] = {}
    steps: list[_Step] = []

    def emit(e: Any) -> int:
        stack: list[tuple[Any, bool]] = [(e, False)]
        while stack:
            node, ready = stack.pop()
            if node in index:
                continue
            if node.is_Symbol or node.is_Number or node in (sympy.pi, sympy.E):
                steps.append(_leaf(node, position))
                index[node] = len(steps) - 1
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in index)
                continue
            steps.append(_inner(node, [index[a] for a in node.args]))
            index[node] = len(steps) - 1
        return index[e]

    outputs = [emit(sympy.sympify(e)) for e in exprs]
    return Tape(steps, outputs, len(variables))


def _leaf(node: Any, position: dict[Any, int]) -> _Step:
    if node.is_Symbol:
        if node not in position:
            raise Undecided(f"a free symbol {node} that is no input")
        return _Step("var", var=position[node])
    return _Step("const", const=_const(node))


def _inner(node: Any, args: list[int]) -> _Step:
    if node.is_Add:
        return _Step("add", tuple(args))
    if node.is_Mul:
        return _Step("mul", tuple(args))
    if node.is_Pow:
        return _Step("pow", tuple(args), const_exponent=bool(node.exp.is_Number))
    if isinstance(node, sympy.Function) and all(a.is_extended_real is not False
                                                for a in node.args):
        return _Step("fn", tuple(args), fn=_function(node.func, len(node.args)),
                     func=node.func)
    raise Undecided(f"no exact tape rule for {type(node).__name__}")
