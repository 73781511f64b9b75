"""The exact derivative of a recorded graph, certified where it can be, general where not.

First, ``oracle.certified``: Arb balls at the engine's exact binary inputs, each op by the rule
of its kind (elementwise partials compiled to Arb, linear maps through their adjoints, other
structural meanings by reverse mode over their SymPy expressions), in time linear in the
graph's size, with every rounding to a dtype proven (``ExactResult.certified``, ``rounded``).

Where that path cannot settle the graph — an element on a kink or a domain edge, a tie of an
extremum, a NaN or infinite input, a function Arb lacks — the general path here decides it:
each node's local partials derived once per (op, attributes, shapes) with SymPy, compiled to
mpmath, evaluated with ``digits`` significant digits and chained in reverse, taking the
engine's declared convention at a kink and one-sided limits (``sympy.limit``) at an edge. Its
values are 40-digit numbers, not balls (``certified`` is None). mpmath stays only here and in
the step and quotient functions' exact definitions (``oracle.semantics.elementwise``). A
whole-expression mode differentiates the full output expression once (small graphs; a
cross-check of both). Second order: forward-over-reverse on either path.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy

from oracle.balls import ball_to_mpf, precision, round_balls, to_balls
from oracle.certified import Certified, NotCertified, certified_grad
from oracle.cpu_clock import ALARM_SIGNAL, ALARM_TIMER, cpu_seconds
from oracle.engines import Unsupported, engine_for
from oracle.gamma_poles import GAMMA_FAMILY, pole_sides
from oracle.ir import Graph, IRNode
from oracle.semantics import (
    Meaning,
    Ref,
    cache_key,
    call_meaning,
    labelled_kinks,
    meaning_attrs,
    meaning_of,
    num,
    positions,
)
from oracle.semantics.elementwise import MPMATH_NAMESPACE
from oracle.semantics.selection import PICKS, pick_attrs, picked, terms

__all__ = [
    "ExactResult",
    "KinkElement",
    "EdgeElement",
    "exact_grad",
    "exact_grad_at_engine_values",
    "exact_hvp",
    "exact_hessian",
    "exact_forward",
]

_FLOAT_DTYPES = {"float16", "bfloat16", "float32", "float64"}
_MODULES = [MPMATH_NAMESPACE, "mpmath"]


@dataclass
class KinkElement:
    """A gradient element decided by a kink: the one-sided values and the declared convention.

    Attributes:
        input: The position of the input the element belongs to.
        index: The element's index in that input.
        op: The op whose kink it is.
        where: The kink, as the op declares it (``"self == 0"``).
        convention: The engine's declared convention there (``"zero"``, ``"mean"``, ...).
        expected: The exact value the convention gives.
        one_sided: The exact limits from below and from above.

    >>> import symgrad, oracle
    >>> x = symgrad.tensor([0.5, 2.0], requires_grad=True)
    >>> oracle.exact_grad(x.sub(0.5).relu().sum(), x).kinks
    [KinkElement(input=0, index=(0,), op='relu', where='self == 0', convention='zero', \
expected=mpf('0.0'), one_sided=(mpf('0.0'), mpf('1.0')))]
    """

    input: int
    index: tuple[int, ...]
    op: str
    where: str
    convention: str
    expected: mpmath.mpf
    one_sided: tuple[mpmath.mpf, mpmath.mpf]


@dataclass
class EdgeElement:
    """A local partial of one op taken at a pole or on an edge of its domain, where it has no
    two-sided value: ``one_sided`` holds its exact limits from below and from above (``inf``
    when it grows without bound, ``nan`` where that side is outside the real domain), and
    ``value`` what the oracle chained: the common limit, else the one side that exists, else
    ``nan``. ``at`` gives the op's argument values; ``arg`` the input the partial is taken for.

    ``sqrt`` at 0: its partial ``1 / (2 sqrt(x))`` has no value below 0 and grows without bound
    above it:

    >>> import symgrad, oracle
    >>> x = symgrad.tensor([0.0, 4.0], dtype=symgrad.float64, requires_grad=True)
    >>> r = oracle.exact_grad(x.sqrt().sum(), x)
    >>> r.status, r.float64[0]
    ('edge', array([ inf, 0.25]))
    >>> e = r.edges[0]
    >>> e.op, e.arg, e.at, e.one_sided, e.value
    ('sqrt', 'self', {'self': mpf('0.0')}, (mpf('nan'), mpf('+inf')), mpf('+inf'))
    """

    op: str
    arg: str
    at: dict[str, mpmath.mpf]
    one_sided: tuple[mpmath.mpf, mpmath.mpf]
    value: mpmath.mpf
    why: str


@dataclass
class ExactResult:
    """What the oracle found. ``grads[i]`` is an object array of ``mpmath.mpf`` (None when
    input i does not reach the outputs); ``forward`` is the exact output (for several outputs an
    object array holding one array per output).

    ``status``: ``"ok"``; ``"kink"`` when elements sit on a kink, each listed in ``kinks`` with
    its one-sided values and the engine's declared convention (at first and second order);
    ``"edge"`` when an op met a pole or a domain edge with no declared convention: ``edges``
    lists its one-sided partials and the gradient holds ``inf`` or ``nan`` there (a crosscheck
    judges such elements ``nonfinite``); ``"unsupported"``; ``"oracle-gave-up"``. In
    whole-expression mode ``"kink"`` says that a Heaviside, sign, DiracDelta or Piecewise
    boundary of the derivative sits exactly at the point (SymPy's value there, e.g.
    ``Heaviside(0) = 1/2``, is not a convention; ``reason`` names it; use local mode).

    ``expression`` (local mode): when the graph holds one elementwise op, its SymPy derivative
    with respect to its first input, for reports.

    ``certified``: the Arb balls behind the values when the certified path settled the graph
    (``oracle.certified.Certified``: precision, proven roundings); otherwise None and
    ``uncertified`` says why (a kink, an edge, a tie, ...) and the values are the general
    path's 40-digit numbers.

    Attributes:
        status: ``"ok"``, ``"kink"``, ``"edge"``, ``"unsupported"`` or ``"oracle-gave-up"``.
        reason: Notes on the status (why the oracle gave up, what it could not do); often
            empty.
        grads: Per input, the exact gradient as an object array of ``mpmath.mpf``, or None.
        float64: The same, rounded to float64.
        kinks: The elements decided by a kink.
        forward: The exact output.
        expression: The SymPy derivative of a one-op graph, or None.
        edges: The partials taken at a pole or a domain edge.
        certified: The certified result (Arb balls, proven roundings), or None.
        uncertified: Why the certified path did not settle the graph, when it did not.

    >>> import symgrad, oracle
    >>> x = symgrad.tensor([0.0, 4.0], dtype=symgrad.float64, requires_grad=True)
    >>> r = oracle.exact_grad((x * x).sum(), x)
    >>> r.status, r.float64[0]
    ('ok', array([0., 8.]))
    >>> r.grads[0], r.forward
    (array([mpf('0.0'), mpf('8.0')], dtype=object), array(mpf('16.0'), dtype=object))
    >>> oracle.exact_grad(x.tanh().sum(), x).expression
    1 - tanh(self)**2
    """

    status: str
    reason: str
    grads: list[np.ndarray | None]
    float64: list[np.ndarray | None]
    kinks: list[KinkElement] = field(default_factory=list)
    forward: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    expression: Any = None
    edges: list[EdgeElement] = field(default_factory=list)
    certified: Certified | None = None
    uncertified: str = ""  # why the certified path left this result to the general one

    def rounded(self, i: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
        """Input i's exact gradient rounded to ``dtype`` and a mask of the elements whose
        rounding is *proven* (Arb balls, see ``oracle.certified``). Without a certified
        result (kinks, edges, second order) the 40-digit values are rounded and none is
        proven.

        Args:
            i: The position of the input.
            dtype: The name of the dtype rounded to (``"float32"``).

        >>> import symgrad, oracle
        >>> x = symgrad.tensor([0.1], dtype=symgrad.float64, requires_grad=True)
        >>> r = oracle.exact_grad(x.exp().sum(), x)
        >>> r.rounded(0, "float32")[0].tolist(), r.rounded(0, "float32")[1].tolist()
        ([1.1051709651947021], [True])
        """
        if self.certified is not None:
            return self.certified.rounded(i, dtype)
        g = self.grads[i]
        assert g is not None
        with precision(256):
            balls = to_balls(np.array([float(v) if mpmath.isfinite(v) else math.nan
                                       for v in g.reshape(-1)]).reshape(g.shape))
            vals, _ = round_balls(balls, dtype)
        return vals, np.zeros(g.shape, dtype=bool)


class _GaveUp(Exception):
    pass


# -- budgets --------------------------------------------------------------------------------------
class _Budget:
    def __init__(self, seconds: float, size: int) -> None:
        self.deadline = cpu_seconds() + seconds
        self.seconds = seconds
        self.size = size

    def check(self) -> None:
        if cpu_seconds() > self.deadline:
            raise _GaveUp(f"time budget of {self.seconds:g} s exhausted")

    def grow(self, size: int, what: str) -> None:
        if size > self.size:
            raise _GaveUp(f"{what} has {size} terms, over the size budget of {self.size}")


@contextmanager
def _alarm(budget: _Budget) -> Iterator[None]:
    """Interrupt SymPy calls that run past the deadline (main thread only; elsewhere the
    explicit checks between steps are the guard)."""
    if threading.current_thread() is not threading.main_thread() or ALARM_TIMER is None:
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise _GaveUp(f"time budget of {budget.seconds:g} s exhausted")

    # A timer of CPU time, as the budget is (``oracle.cpu_clock``).
    old = signal.signal(ALARM_SIGNAL, fire)
    signal.setitimer(ALARM_TIMER, max(budget.deadline - cpu_seconds(), 1e-3))
    try:
        yield
    finally:
        signal.setitimer(ALARM_TIMER, 0)
        signal.signal(ALARM_SIGNAL, old)


# -- differentiation back ends --------------------------------------------------------------------
def _diff(expr: Any, var: Any, backend: str) -> Any:
    if backend == "symengine":
        import symengine

        try:
            return sympy.sympify(symengine.sympify(expr).diff(symengine.sympify(var)))
        except (RuntimeError, TypeError, NotImplementedError, AttributeError):
            return sympy.diff(expr, var)
    return sympy.diff(expr, var)


# -- compiled local forms, cached per (op, attributes, shapes) ------------------------------------
@dataclass
class _Compiled:
    kind: str
    out_shape: tuple[int, ...] = ()
    fn: Callable[..., Any] | None = None
    kink_fn: Callable[..., Any] | None = None
    kink_args: list[str] = field(default_factory=list)
    kink_vars: list[set[int]] = field(default_factory=list)
    kink_where: list[str | None] = field(default_factory=list)
    n_args: int = 0
    exprs: Any = None
    variables: list[Any] = field(default_factory=list)
    var_of: list[tuple[int, int]] = field(default_factory=list)
    entries: list[tuple[int, int]] = field(default_factory=list)
    refs: list[Any] = field(default_factory=list)
    second: Callable[..., Any] | None = None
    parts: list[Callable[..., Any]] | None = None
    second_index: list[tuple[int, int, int]] = field(default_factory=list)
    second_exprs: list[Any] = field(default_factory=list)
    second_parts: list[Callable[..., Any]] | None = None


_CACHE: dict[Any, _Compiled] = {}


def _is_index(meaning: Meaning, node: IRNode, slot: int) -> bool:
    if meaning.kind == "elementwise":
        return False
    name = node.arg_names[slot] if slot < len(node.arg_names) else ""
    return name in meaning.index_args or node.in_dtypes[slot] not in _FLOAT_DTYPES


def _compile(meaning: Meaning, node: IRNode, shapes: list[tuple[int, ...]],
             index_values: dict[int, np.ndarray], budget: _Budget, backend: str) -> _Compiled:
    key = (node.op, meaning.fn, cache_key(node.attrs), tuple(shapes),
           tuple(sorted((s, cache_key(v)) for s, v in index_values.items())), backend,
           node.in_dtypes[:1] if meaning.takes_dtype else ())
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    with _alarm(budget):
        if meaning.kind == "elementwise":
            c = _compile_elementwise(meaning, node, backend)
        elif meaning.kind in ("index", "select"):
            c = _compile_moves(meaning, node, shapes, index_values)
        else:
            c = _compile_structural(meaning, node, shapes, index_values, budget, backend)
    _CACHE[key] = c
    return c


def _compile_elementwise(meaning: Meaning, node: IRNode, backend: str) -> _Compiled:
    xs = [sympy.Symbol(f"x{j}", real=True) for j in range(len(node.inputs))]
    out = sympy.sympify(meaning.fn(*xs, **node.attrs))
    parts = [_diff(out, x, backend) for x in xs]
    c = _Compiled("elementwise", n_args=len(xs), exprs=(out, parts), variables=xs)
    c.fn = sympy.lambdify(xs, [out, *parts], modules=_MODULES, cse=True)
    if meaning.kinks is not None:
        kinks = meaning.kinks(*xs, **node.attrs)
        c.kink_args = [a for a, _ in kinks]
        c.kink_fn = sympy.lambdify(xs, [e for _, e in kinks], modules=_MODULES)
    return c


def _compile_moves(meaning: Meaning, node: IRNode, shapes: list[tuple[int, ...]],
                   index_values: dict[int, np.ndarray]) -> _Compiled:
    out = positions(meaning, node, shapes, index_values)
    return _Compiled(meaning.kind, out_shape=out.shape, refs=list(out.reshape(-1)))


def _compile_structural(meaning: Meaning, node: IRNode, shapes: list[tuple[int, ...]],
                        index_values: dict[int, np.ndarray], budget: _Budget,
                        backend: str) -> _Compiled:
    arrays: list[Any] = []
    variables: list[Any] = []
    var_of: list[tuple[int, int]] = []
    spread = _term_shapes(meaning, shapes, index_values)
    for slot, shape in enumerate(shapes):
        if slot in index_values:
            arrays.append(index_values[slot])
            continue
        # One symbol per term: each element, or each broadcast copy of it (``_copies``).
        elements = _copies(shape, spread[slot])
        syms = [sympy.Symbol(f"x{slot}_{c}", real=True) for c in range(len(elements))]
        variables.extend(syms)
        var_of.extend((slot, i) for i in elements)
        arrays.append(np.array(syms + [None], dtype=object)[:-1].reshape(spread[slot]))
    budget.grow(len(variables), f"{node.op}'s input")
    out = np.asarray(call_meaning(meaning, node, arrays), dtype=object)
    flat = [sympy.sympify(e) for e in out.reshape(-1)]
    position = {v: p for p, v in enumerate(variables)}
    entries: list[tuple[int, int]] = []
    derivs: list[Any] = []
    for k, e in enumerate(flat):
        for v in sorted(e.free_symbols & position.keys(), key=position.__getitem__):
            entries.append((k, position[v]))
            derivs.append(_diff(e, v, backend))
        budget.grow(len(entries), f"{node.op}'s Jacobian")
        budget.check()
    c = _Compiled("structural", out_shape=out.shape, variables=variables, var_of=var_of,
                  entries=entries, exprs=(flat, derivs))
    c.fn = sympy.lambdify([variables], flat + derivs, modules=_MODULES, cse=True)
    if meaning.kinks is not None:
        labelled = _kink_call(meaning, node, arrays)
        kinks = [(a, sympy.sympify(e)) for a, e in labelled]
        c.kink_args = [a for a, _ in kinks]
        c.kink_where = [getattr(k, "where", None) for k in labelled]
        c.kink_vars = [{position[v] for v in e.free_symbols if v in position} for _, e in kinks]
        c.kink_fn = sympy.lambdify([variables], [e for _, e in kinks], modules=_MODULES)
    return c


def _term_shapes(meaning: Meaning, shapes: list[tuple[int, ...]],
                 index_values: dict[int, np.ndarray]) -> list[tuple[int, ...]]:
    """The shape each input of a structural op is handed to its meaning in.

    Args:
        meaning: The op's meaning; with ``broadcast`` its tensor inputs broadcast together
            first, so each is handed over broadcast already.
        shapes: The shapes of the op's inputs, by slot.
        index_values: The integer index inputs (by slot), handed over as they are.

    Returns:
        One shape per slot: the input's own, or the tensor inputs' broadcast shape.
    """
    tensors = [s for slot, s in enumerate(shapes) if slot not in index_values]
    if not meaning.broadcast or not tensors:
        return list(shapes)
    common = np.broadcast_shapes(*tensors)
    return [s if slot in index_values else common for slot, s in enumerate(shapes)]


def _copies(shape: tuple[int, ...], spread: tuple[int, ...]) -> list[int]:
    """The flat index of the input element each element of its broadcast copy repeats.

    A broadcast input's element enters the meaning once per copy; a symbol for each copy keeps
    the terms apart, so a kink of one term takes its convention without the others (dist:
    one row's zero difference, and another row's through the same element of ``other``).
    The copies' partials add up to the element's, as the chain rule through a broadcast does.

    Args:
        shape: The input's shape.
        spread: The shape the meaning is handed it in (``_term_shapes``), ``shape`` itself
            when nothing broadcasts.

    Returns:
        For each element of ``spread`` in flat order, the input element's flat index.
    """
    n = int(np.prod(shape, dtype=np.int64))
    return np.broadcast_to(np.arange(n).reshape(shape), spread).reshape(-1).tolist()


_Found = tuple[int, Any, Any, str, str]


def _tied_terms(c: _Compiled, vec: list[Any], m: int, found: list[_Found]) -> dict[int, int]:
    """How many terms share each tie for an extremum that the convention ``"mean"`` splits.

    A tied term raised into the lead takes the whole partial and lowered drops out: one of its
    one-sided partials is 0. The partial is split among the tied terms, not their variables:
    ``dist``'s term ``|self_i - other_i|`` has two, and moving either into the lead hands the
    other its whole partial too, which is how the terms are told apart (moving one element of
    ``norm`` or of a median's tie into the lead leaves the others nothing).

    Args:
        c: The op's compiled structural form.
        vec: The values of its variables (``c.var_of``).
        m: The number of its output elements (the partials follow them in ``c.fn``'s list).
        found: The partials on a kink: (entry of ``c.entries``, left and right one-sided
            values, the kink's label, its convention).

    Returns:
        For each entry on such a tie, the number of tied terms in its output element.
    """
    ties: dict[int, list[tuple[int, Any, bool]]] = {}
    for n, left, right, _, conv in found:
        if conv == "mean" and (left == 0 or right == 0):
            # (entry, its partial in the lead, whether raising it leads)
            ties.setdefault(c.entries[n][0], []).append((n, right if left == 0 else left,
                                                         left == 0))
    counts: dict[int, int] = {}
    for members in ties.values():
        rest, terms = list(members), 0
        while rest:
            n, _, up = rest.pop(0)
            terms += 1
            below, above = _vector_sides(lambda v: _all_parts(c, v), vec, c.entries[n][1], True)
            lead = above if up else below
            # The entries whose whole partial comes with this one's lead are its term's.
            rest = [t for t in rest if not (lead and _close(lead[m + t[0]], t[1]))]
        counts.update((n, terms) for n, _, _ in members)
    return counts


def _each_part(c: _Compiled, vec: list[Any]) -> list[Any]:
    """Every output and partial of a structural op evaluated alone (``nan`` where one fails)."""
    if c.parts is None:
        flat, derivs = c.exprs
        c.parts = [sympy.lambdify([c.variables], e, modules=_MODULES) for e in flat + derivs]
    r = []
    for f in c.parts:
        try:
            r.append(_real(f(vec)))
        except (ZeroDivisionError, ValueError):
            r.append(mpmath.mpf("nan"))
    return r


def _all_parts(c: _Compiled, vec: list[Any]) -> list[Any]:
    """``c.fn(vec)``, or each part alone when one of them fails there."""
    assert c.fn is not None
    try:
        return list(c.fn(vec))
    except (ZeroDivisionError, ValueError):
        return _each_part(c, vec)


def _kink_call(meaning: Meaning, node: IRNode, arrays: list[Any]) -> list[tuple[str, Any]]:
    assert meaning.kinks is not None
    return list(meaning.kinks(*arrays, **meaning_attrs(meaning, node)))


def _second_parts(c: _Compiled) -> list[Callable[..., Any]]:
    """Each structural second partial alone, for points where one of them fails."""
    if c.second_parts is None:
        c.second_parts = [sympy.lambdify([c.variables], e, modules=_MODULES)
                          for e in c.second_exprs]
    return c.second_parts


def _second(c: _Compiled, backend: str) -> None:
    """Second partials, derived when a Hessian is first asked for."""
    if c.second is not None or c.kind in ("index", "select"):
        return
    if c.kind == "elementwise":
        _, parts = c.exprs
        seconds = [_diff(p, x, backend) for p in parts for x in c.variables]
        c.second_exprs = seconds
        c.second = sympy.lambdify(c.variables, seconds, modules=_MODULES)
        return
    _, derivs = c.exprs
    index: list[tuple[int, int, int]] = []
    exprs: list[Any] = []
    for n, ((_, a), d) in enumerate(zip(c.entries, derivs, strict=True)):
        free = {c.variables.index(v) for v in d.free_symbols if v in set(c.variables)}
        for b in sorted(free):
            index.append((n, a, b))
            exprs.append(_diff(d, c.variables[b], backend))
    c.second_index = index
    c.second_exprs = exprs
    c.second = sympy.lambdify([c.variables], exprs, modules=_MODULES)


# -- exact evaluation of the graph ----------------------------------------------------------------
_CONVENTIONS = ("left", "right", "mean", "zero", "one", "stable", "one_of_tied")


def _same(v: Any) -> Any:
    return v


def _exact(a: np.ndarray) -> list[Any]:
    """Every binary number is a rational: ``mpf(float(x))`` keeps all its bits."""
    if a.dtype.kind in "biu":
        return [mpmath.mpf(int(x)) for x in a.reshape(-1).tolist()]
    return [mpmath.mpf(float(x)) for x in a.reshape(-1).astype(np.float64).tolist()]


def _real(v: Any) -> Any:
    if isinstance(v, mpmath.mpc):
        return v.real if v.imag == 0 else mpmath.mpf("nan")
    return v


def _chosen(convention: str, left: Any, right: Any) -> Any:
    if convention == "stable":
        # Decided along an op's tie order (a selection's: ``_choose``), not by one argument's
        # sides: where those differ here, nothing is known.
        return left if _close(left, right) else mpmath.mpf("nan")
    return {"left": left, "right": right, "mean": (left + right) / 2, "zero": mpmath.mpf(0),
            "one": mpmath.mpf(1)}[convention]


def _tie_shares(convention: str, tied: list[int], node: IRNode, k: int, reached: bool
                ) -> list[Any]:
    """How output ``k`` of a selection shares its partial of 1 among its ``tied`` candidates
    (flat indices of the input, in the candidates' order) under the declared ``convention``:
    evenly (``"mean"``), the first or last whole (``"left"``, ``"right"``), none or each whole
    (``"zero"``, ``"one"``), or whole to any one of them (``"one_of_tied"``: the one
    ``_engine_choice`` finds)."""
    n = len(tied)
    if convention == "one_of_tied":
        chosen = _engine_choice(node, k, tied) if reached else 0
        return [mpmath.mpf(int(j == chosen)) for j in range(n)]
    return [{"mean": mpmath.mpf(1) / n, "zero": mpmath.mpf(0), "one": mpmath.mpf(1),
             "left": mpmath.mpf(int(j == 0)), "right": mpmath.mpf(int(j == n - 1))}[convention]
            for j in range(n)]


def _engine_choice(node: IRNode, k: int, tied: list[int]) -> int:
    """Which of output ``k``'s tied candidates takes its partial under ``"one_of_tied"``: any
    one is right (a kernel's quickselect picks one no rule predicts), so the judge takes the
    one the engine's gradient at the node points to, the candidate whose gradient is nearest
    the node's cotangent while the others' are nearest 0 (the first where none is nearer).
    Only the choice is read: the values it is judged by are the judge's own, so an engine
    splitting the partial, giving it twice or to an element not tied stays wrong. An engine
    that sent nothing (a cotangent of 0) leaves every choice equal: the first.

    Args:
        node: The selection's IR node, with the engine's ``cotangent`` and ``grads``.
        k: The output's flat index.
        tied: The tied candidates' flat indices in the input.

    Raises:
        Unsupported: The engine's gradient at the node was not recorded (the graph was read
            without running its backward).
    """
    grads = node.grads[0] if node.grads else None
    if grads is None or node.cotangent is None:
        raise Unsupported(f"{node.op}: a tie whose partial the engine may give to any one of "
                          "the tied elements, and no engine gradient at the node to say which")
    c = float(np.asarray(node.cotangent, dtype=np.float64).reshape(-1)[k])
    g = np.asarray(grads, dtype=np.float64).reshape(-1)[tied]
    away = np.abs(g)
    cost = [abs(g[j] - c) + float(away.sum() - away[j]) for j in range(len(tied))]
    return int(np.argmin(cost))


def _exact_number(w: Any) -> Any:
    """A pick's weight (an int, or a SymPy rational: a quantile's) as an mpf."""
    if isinstance(w, sympy.Basic):
        q = sympy.Rational(w)
        return mpmath.mpf(int(q.p)) / int(q.q)
    return mpmath.mpf(w)


def _choose(pick: str, cands: Sequence[Any], xs: list[Any], attrs: dict[str, Any],
            order: list[float] | None, ordered: dict[tuple[int, ...], list[Any]]
            ) -> tuple[Any, int | None]:
    """The value a selection's term picks among its candidates ``cands`` (values ``xs``)
    and, along a tie ``order`` (the "stable" convention), the candidate taking its partial:
    the one the pick selects among the values a hair along the order, each moved by eps times
    its direction. Comparing (value, direction) pairs is that order for any eps below the
    smallest gap between values. A rank's line is sorted once for all its positions
    (``ordered``, by the line's elements): a sort of n elements takes n log n comparisons a
    line, not n per position.

    >>> from oracle.semantics import Ref
    >>> line = [Ref(0, i) for i in range(3)]
    >>> _choose("rank", line, [2, 1, 2], {"rank": 1}, [0.0, 1.0, 2.0], {})
    (2, 0)
    >>> _choose("rank", line, [2, 1, 2], {"rank": 1}, [-0.0, -1.0, -2.0], {})
    (2, 2)
    >>> _choose("max", line, [2, 1, 2], {}, None, {})
    (2, None)
    """
    if pick == "rank":
        line = tuple(r.i for r in cands)
        sorted_line = ordered.get(line)
        if sorted_line is None:
            sorted_line = ordered[line] = sorted(
                (x, 0.0 if order is None else order[r.i], r.i)
                for r, x in zip(cands, xs, strict=True))
        x, _, i = sorted_line[attrs["rank"]]
        return x, (None if order is None else i)
    if order is None:
        return picked(pick, xs, attrs), None
    keys = [(x, order[r.i]) for r, x in zip(cands, xs, strict=True)]
    best = picked(pick, keys, attrs)
    return best[0], cands[keys.index(best)].i


def _take_side(local: Any, side: str) -> None:
    """Set every kink partial of ``local`` to its ``"left"`` or ``"right"`` one-sided value,
    or (``side=""``) back to the value the engine's declared convention gives."""
    for s in local.sites:
        value = s.left if side == "left" else s.right if side == "right" else s.expected
        local.groups[s.group][3][s.pos] = value


@dataclass
class _Site:
    group: int
    pos: int
    left: Any
    right: Any
    expected: Any
    op: str
    where: str
    convention: str


@dataclass
class _Second:
    """A second partial decided by a kink: jdot[group][pos] gets ``gain`` times it."""

    group: int
    pos: int
    gain: Any
    left: Any
    right: Any
    expected: Any
    where: str = ""
    convention: str = ""


@dataclass
class _Local:
    out: list[Any]
    shape: tuple[int, ...]
    groups: list[tuple[int, list[int], list[int], list[Any]]] = field(default_factory=list)
    sites: list[_Site] = field(default_factory=list)
    compiled: _Compiled | None = None
    args: Any = None
    slot_index: list[list[int]] = field(default_factory=list)
    entry_at: list[tuple[int, int]] = field(default_factory=list)
    jdot: list[list[Any]] | None = None
    # Elementwise positions on a kink or edge: k -> (argument to move across it, convention
    # or "" for an edge); second partials there are taken one-sidedly.
    special: dict[int, tuple[int, str]] = field(default_factory=dict)
    second_sites: list[_Second] = field(default_factory=list)
    # A structural op's variables on a kink of it: position in ``compiled.variables`` -> the
    # declared kink's label and convention (its second partials are taken on that side).
    kinked: dict[int, tuple[str, str]] = field(default_factory=dict)


def _declared(node: IRNode, arg: str, at: dict[str, Any], fallback: str) -> tuple[str, str]:
    """The engine's declared kink for ``arg`` (its ``where`` and ``convention``); among several,
    the first whose label the oracle finds on a kink at this element's values (``at``)."""
    mine = [k for k in node.kinks if k[0] == arg] or list(node.kinks)
    if len(mine) > 1 and at:
        labels = _labels_on(node, at)
        for _, where, convention in mine:
            if where in labels:
                return where, convention
    if mine:
        return mine[0][1], mine[0][2]
    return fallback, "mean"


def _labels_on(node: IRNode, at: dict[str, Any], element: tuple[str, int] | None = None
               ) -> set[str]:
    """The labels of the op's kinks (``oracle.semantics``) that hold at the values ``at``
    (numbers, or arrays for a reduction); with ``element`` (an argument and a flat index),
    only kinks that element takes part in. The oracle's own meaning decides, exactly at the
    binary values, never an engine's finder."""
    meaning = meaning_of(node.op, node.info)
    if meaning is None or any(a not in at for a in node.arg_names):
        return set()
    values = [at[a] for a in node.arg_names]
    arrays = [np.asarray(v, dtype=object) for v in values]
    symbols = [np.array([sympy.Symbol(f"x{j}_{i}", real=True) for i in range(a.size)] + [None],
                        dtype=object)[:-1].reshape(a.shape) for j, a in enumerate(arrays)]
    point = {sym: _rational(v) if isinstance(v, mpmath.mpf) else num(v)
             for syms, a in zip(symbols, arrays, strict=True)
             for sym, v in zip(syms.reshape(-1), a.reshape(-1), strict=True)}
    args = [syms.item() if syms.ndim == 0 else syms for syms in symbols]
    wanted = None
    if element is not None:
        wanted = symbols[node.arg_names.index(element[0])].reshape(-1)[element[1]]
    found = set()
    for k in labelled_kinks(meaning, *args, **meaning_attrs(meaning, node)):
        expr = sympy.sympify(k[1])
        if wanted is not None and wanted not in expr.free_symbols:
            continue
        try:
            if expr.xreplace(point) == 0:
                found.add(k.where)
        except TypeError:  # a comparison SymPy cannot decide at these values
            continue
    return found


def _close(a: Any, b: Any) -> bool:
    """Equal up to the working precision: one-sided values are taken a hair off the point."""
    return abs(a - b) <= mpmath.ldexp(max(abs(a), abs(b), 1), 8 - mpmath.mp.prec)


def _hair(args: list[Any], j: int, prec: int) -> Any:
    """How far ``_shifted`` moves argument j: 2**(-2 prec) relative to its magnitude, or at 0
    to the smallest nonzero argument's (at most 1). An absolute step would jump clean over a
    tiny argument (other = 2**-1074 moved by 2**-338 changes sign) and a far-off kink of it."""
    scale = abs(args[j]) if args[j] != 0 and _finite(args[j]) else min(
        [abs(a) for a in args if a != 0 and _finite(a)] + [mpmath.mpf(1)])
    return mpmath.ldexp(scale, -2 * prec)


def _shifted(fn: Callable[..., Any], args: list[Any], j: int, pick: Callable[[Any], Any],
             vector: bool) -> tuple[Any, Any]:
    """One-sided values: move argument j by far less than the working precision's ulp."""
    prec = mpmath.mp.prec
    with mpmath.workprec(prec * 3):
        h = _hair(args, j, prec)
        sides = []
        for s in (-h, h):
            moved = list(args)
            moved[j] = moved[j] + s
            try:
                sides.append(pick(fn(moved) if vector else fn(*moved)))
            except (ZeroDivisionError, ValueError):
                sides.append(mpmath.mpf("nan"))
    return +mpmath.mpf(_real(sides[0])), +mpmath.mpf(_real(sides[1]))


def _vector_sides(fn: Callable[..., Any], args: list[Any], j: int, vector: bool
                  ) -> tuple[list[Any], list[Any]]:
    """All outputs of ``fn`` a hair below and above argument j (see ``_shifted``)."""
    prec = mpmath.mp.prec
    sides: list[list[Any]] = []
    with mpmath.workprec(prec * 3):
        h = _hair(args, j, prec)
        for s in (-h, h):
            moved = list(args)
            moved[j] = moved[j] + s
            try:
                r = fn(moved) if vector else fn(*moved)
                sides.append([_real(v) for v in r])
            except (ZeroDivisionError, ValueError):
                sides.append([])
    return sides[0], sides[1]


def _rational(a: Any) -> sympy.Rational:
    """The exact value of a finite mpf."""
    sign, man, exp, _ = mpmath.mpf(a)._mpf_
    q = sympy.Integer(man) * sympy.Integer(2) ** exp
    return -q if sign else q


def _finite(v: Any) -> bool:
    return not isinstance(v, mpmath.mpc) and bool(mpmath.isfinite(v))


def _limits(exprs: list[Any], xs: list[Any], args: list[Any], j: int, budget: _Budget
            ) -> list[tuple[Any, Any]]:
    """Exact one-sided limits of each expression as ``xs[j]`` tends to ``args[j]`` with the
    other variables fixed at their values; ``nan`` for a side outside the real domain."""
    point = {x: _rational(a) for n, (x, a) in enumerate(zip(xs, args, strict=True)) if n != j}
    at = _rational(args[j])
    found = []
    with _alarm(budget):
        for e in exprs:
            e = sympy.sympify(e).xreplace(point)
            # log|Gamma| and the polygammas at their poles: decided by their Laurent leading
            # terms in microseconds, where sympy.limit's series of log|Gamma| ran past the
            # budget (over 60 s for lgamma at -1)
            known = pole_sides(e, xs[j], at)
            if known is not None:
                found.append((_to_mpf(known[0], mpmath.mp.dps), _to_mpf(known[1], mpmath.mp.dps)))
                continue
            sides = []
            for d in ("-", "+"):
                try:
                    sides.append(_to_mpf(sympy.limit(e, xs[j], at, d), mpmath.mp.dps))
                except _GaveUp:
                    raise
                except Exception:  # noqa: BLE001 - a limit SymPy cannot take has no value here
                    sides.append(mpmath.mpf("nan"))
            found.append((sides[0], sides[1]))
    return found


def _edge_value(left: Any, right: Any) -> tuple[Any, str]:
    """What a partial is at a pole or domain edge, and why."""
    nan_l, nan_r = mpmath.isnan(left), mpmath.isnan(right)
    if nan_l and nan_r:
        return mpmath.mpf("nan"), "outside the real domain on both sides"
    if nan_l or nan_r:
        return (left if nan_r else right), "domain edge (one-sided)"
    if left == right:
        return left, "pole" if mpmath.isinf(left) else "removable singularity"
    return mpmath.mpf("nan"), "the two sides differ"


def _hit(node: IRNode, arg: str, at: dict[str, Any]) -> tuple[str, str] | None:
    """The engine's declared kink for ``arg`` whose label holds here, if any."""
    return _labelled(node, arg, at, None)


def _hit_element(node: IRNode, arg: str, at: dict[str, Any], i: int) -> tuple[str, str] | None:
    """The engine's declared kink for ``arg`` whose label holds at its element ``i`` (flat)."""
    return _labelled(node, arg, at, (arg, i)) if arg in at else None


def _labelled(node: IRNode, arg: str, at: dict[str, Any], element: tuple[str, int] | None
              ) -> tuple[str, str] | None:
    if not any(k[0] == arg for k in node.kinks):
        return None
    return _declared_among(node, arg, _labels_on(node, at, element))


def _declared_among(node: IRNode, arg: str, labels: set[str | None]) -> tuple[str, str] | None:
    """The first of the engine's declared kinks for ``arg`` whose label is in ``labels``.

    Args:
        node: The op's IR node (its ``kinks``: input, label, convention, in declared order).
        arg: The input's name.
        labels: The labels of the meaning's kinks that hold.

    Returns:
        The kink's label and convention, or None when none of them is declared for ``arg``.
    """
    for name, where, convention in node.kinks:
        if name == arg and where in labels:
            return where, convention
    return None


def _term_labels(c: _Compiled, kink_values: list[Any], p: int) -> set[str | None]:
    """The labels of the structural op's kinks that hold and that variable ``p`` enters.

    A variable is one term's (``_copies``): an element of a broadcast input is several, one
    on a zero in one row, another tied for the extremum in the next, each with its own label.

    Args:
        c: The op's compiled structural form.
        kink_values: Its kink expressions' values at the point (0 where a kink holds).
        p: The variable's position in ``c.variables``.

    Returns:
        The labels (``Kink.where``) of the kinks at 0 whose expressions hold ``p``.
    """
    return {where for where, v, vars_ in zip(c.kink_where, kink_values, c.kink_vars,
                                             strict=True) if v == 0 and p in vars_}


# How far (in ULPs of its dtype) an engine's forward value may be from the exact value of its op at
# its inputs and still count as that value rounded: further off is a forward bug, not rounding.
ROUNDING_ULPS = 4.0


def _rounded_out(node: IRNode, exact: list[Any]) -> list[Any]:
    """The engine's values of ``node`` where each is the exact value (of the op at the engine's
    inputs) rounded, and the exact value elsewhere."""
    from oracle.tolerances import ulp

    if node.value is None or node.value.size != len(exact) or node.value.dtype.kind in "biu":
        return exact
    engine = np.asarray(node.value, dtype=np.float64).reshape(-1)
    wide = np.array([float(_real(v)) for v in exact])
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.isfinite(engine) & (
            np.abs(engine - wide) <= ROUNDING_ULPS * ulp(wide, node.dtype))
    return [mpmath.mpf(float(e)) if n else v for e, n, v in zip(engine, near, exact, strict=True)]


class _Evaluator:
    def __init__(self, graph: Graph, budget: _Budget, backend: str,
                 engine_values: bool = False) -> None:
        self.graph = graph
        self.engine_values = engine_values
        self.budget = budget
        self.backend = backend
        self.values: dict[int, list[Any]] = {}
        self.shapes: dict[int, tuple[int, ...]] = {}
        self.locals: dict[int, _Local] = {}
        self.notes: list[str] = []
        self.edges: list[EdgeElement] = []
        self._need: set[int] | None = None

    # -- forward ----------------------------------------------------------------------------------
    def forward(self) -> None:
        for node in self.graph.nodes:
            self.budget.check()
            if node.kind != "op":
                assert node.value is not None
                self.values[node.id] = _exact(node.value)
                self.shapes[node.id] = tuple(node.value.shape)
                continue
            meaning = meaning_of(node.op, node.info)
            if meaning is None:
                what = node.info.get("grad_fn", node.op)
                if node.info.get("function") is not None:
                    raise Unsupported(f"custom Function {node.op} ({what}) has no sympy "
                                      "staticmethod giving its meaning")
                raise Unsupported(f"no SymPy meaning for op {node.op!r} ({what})")
            local = self._node(node, meaning)
            self.locals[node.id] = local
            self.values[node.id] = _rounded_out(node, local.out) if self.engine_values else (
                local.out)
            self.shapes[node.id] = local.shape

    def _node(self, node: IRNode, meaning: Meaning) -> _Local:
        shapes = [self.shapes[i] for i in node.inputs]
        index_values = {}
        for slot, i in enumerate(node.inputs):
            if _is_index(meaning, node, slot):
                src = self.graph.nodes[i]
                if src.value is None:
                    raise Unsupported(f"{node.op}: index input {slot} is computed in the graph")
                index_values[slot] = src.value
        c = _compile(meaning, node, shapes, index_values, self.budget, self.backend)
        if c.kind == "elementwise":
            return self._elementwise(node, c, shapes)
        if c.kind == "index":
            return self._moves(node, c)
        if c.kind == "select":
            return self._select(node, c, meaning)
        return self._structural(node, c)

    def _elementwise(self, node: IRNode, c: _Compiled, shapes: list[Any]) -> _Local:
        out_shape = tuple(np.broadcast_shapes(*shapes)) if shapes else ()
        m = math.prod(out_shape)
        same = list(range(m))
        idx = [same if s == out_shape else np.broadcast_to(
            np.arange(math.prod(s)).reshape(s), out_shape).reshape(-1).tolist() for s in shapes]
        ins = [self.values[i] for i in node.inputs]
        n = len(ins)
        out: list[Any] = []
        parts: list[list[Any]] = [[] for _ in range(n)]
        all_args = []
        local = _Local(out, out_shape, compiled=c, slot_index=idx)
        for k in range(m):
            args = [ins[j][idx[j][k]] for j in range(n)]
            all_args.append(args)
            try:
                r = [_real(v) for v in c.fn(*args)]
            except (ZeroDivisionError, ValueError):
                r = [mpmath.mpf("nan")] * (n + 1)
            if not all(_finite(v) for v in r) and all(_finite(a) for a in args):
                r = self._edge(node, c, local, k, args, r)
            out.append(r[0])
            for j in range(n):
                parts[j].append(r[1 + j])
            if c.kink_fn is not None and k not in local.special:
                try:
                    zero = [a for a, v in zip(c.kink_args, c.kink_fn(*args), strict=True)
                            if v == 0]
                except (ZeroDivisionError, ValueError):
                    zero = []
                if zero:
                    self._elementwise_kink(node, c, local, k, args, zero)
            if k % 1024 == 1023:
                self.budget.check()
        local.args = all_args
        local.groups = [(j, list(range(m)), idx[j], parts[j]) for j in range(n)]
        _take_side(local, "")
        return local

    def _elementwise_kink(self, node: IRNode, c: _Compiled, local: _Local, k: int,
                          args: list[Any], zero: list[str]) -> None:
        at = dict(zip(node.arg_names, args, strict=True))
        across = node.arg_names.index(zero[0]) if zero[0] in node.arg_names else 0
        local.special[k] = (across, _declared(node, zero[0], at, "")[1])
        for j, arg in enumerate(node.arg_names):
            left, right = _shifted(c.fn, args, j, lambda r, j=j: r[1 + j], vector=False)
            if _close(left, right):
                continue
            where, conv = _declared(node, arg if arg in zero else zero[0], at,
                                    f"{zero[0]} on a kink")
            local.sites.append(_Site(j, k, left, right, _chosen(conv, left, right), node.op,
                                     where, conv))

    def _edge(self, node: IRNode, c: _Compiled, local: _Local, k: int, args: list[Any],
              r: list[Any]) -> list[Any]:
        """A pole or domain edge: exact one-sided limits along the argument whose move makes
        the op defined again; a declared kink there takes the engine's convention."""
        n = len(args)
        at = dict(zip(node.arg_names, args, strict=True))
        j, inside = None, (False, False)
        for i in range(n):
            near = _vector_sides(c.fn, args, i, False)
            inside = tuple(len(v) == n + 1 and _finite(v[0]) for v in near)
            if any(len(v) == n + 1 and all(_finite(x) for x in v) for v in near):
                j = i
                break
        if j is None and n == 1 and c.exprs[0].has(*GAMMA_FAMILY):
            # log|Gamma|'s family is real on both sides of its poles, but a hair off a huge
            # one (-1.7e308) is another pole
            j, inside = 0, (True, True)
        out, parts = c.exprs
        lims = (_limits([out, *parts], c.variables, args, j, self.budget) if j is not None
                else [(mpmath.mpf("nan"), mpmath.mpf("nan"))] * (n + 1))
        local.special[k] = (j if j is not None else 0, "")
        got = list(r)
        if not _finite(got[0]):
            got[0] = _edge_value(*lims[0])[0]
        for i, arg in enumerate(node.arg_names):
            if _finite(got[1 + i]):
                continue
            left, right = lims[1 + i]
            # A side where the op itself leaves the real numbers has no derivative, even if
            # the derivative's formula extends there (log'(x) = 1/x for x < 0).
            nan = mpmath.mpf("nan")
            left = left if inside[0] else nan
            right = right if inside[1] else nan
            declared = _hit(node, arg, at)
            if declared is not None:
                got[1 + i] = _chosen(declared[1], left, right)
                local.sites.append(_Site(i, k, left, right, got[1 + i], node.op, *declared))
                local.special[k] = (local.special[k][0], declared[1])
                continue
            got[1 + i], why = _edge_value(left, right)
            self.edges.append(EdgeElement(node.op, arg, at, (left, right), got[1 + i], why))
        return got

    def _moves(self, node: IRNode, c: _Compiled) -> _Local:
        out: list[Any] = []
        by_slot: dict[int, tuple[list[int], list[int]]] = {}
        for k, ref in enumerate(c.refs):
            if isinstance(ref, Ref):
                out.append(self.values[node.inputs[ref.slot]][ref.i])
                ks, is_ = by_slot.setdefault(ref.slot, ([], []))
                ks.append(k)
                is_.append(ref.i)
            else:
                q = sympy.Rational(ref)
                out.append(mpmath.mpf(int(q.p)) / int(q.q))
        one = mpmath.mpf(1)
        groups = [(s, ks, is_, [one] * len(ks)) for s, (ks, is_) in sorted(by_slot.items())]
        return _Local(out, c.out_shape, groups, compiled=c)

    def _select(self, node: IRNode, c: _Compiled, meaning: Meaning) -> _Local:
        """Each output is the candidate its pick selects (``oracle.semantics.selection``), or a
        weighted sum of such (a quantile's two ranks: each a term); the candidates equal to
        the one a term picks tie, and the declared convention shares the term's partial among
        them, jointly (``_tie_shares``; under "stable", whole to the one the op's tie order
        lists there: ``_choose``)."""
        kind = meaning.select
        values = self.values[node.inputs[0]]
        out: list[Any] = []
        ks: list[int] = []
        is_: list[int] = []
        local = _Local(out, c.out_shape, compiled=c)
        where, conv = _declared(node, "self", {}, f"tie for the {kind}")
        order = self._tie_order(node, meaning) if conv == "stable" else None
        # Raising a tied element alone makes it the only maximum (it takes all) and lowering it
        # drops it out; the other way for a minimum. For an order statistic or a mode either
        # move may drop it: its sides are the whole partial and none.
        left, right = (mpmath.mpf(1), mpmath.mpf(0)) if kind == "min" else (
            mpmath.mpf(0), mpmath.mpf(1))
        vals: list[Any] = []
        claimed: set[int] = set()
        ordered: dict[tuple[int, ...], list[Any]] = {}
        for k, cands in enumerate(c.refs):
            xs = [values[r.i] for r in cands]
            total = mpmath.mpf(0)
            if not cands:  # nothing to select among (an empty bag): the constant 0
                out.append(total)
                continue
            for weight, pick, attrs in terms(kind, pick_attrs(cands, node.attrs)):
                w = _exact_number(weight)
                best, chosen = _choose(pick, cands, xs, attrs, order, ordered)
                tied = [r.i for r, x in zip(cands, xs, strict=True) if x == best]
                total += best if weight == 1 else w * best
                if conv == "one_of_tied" and len(tied) > 1 and claimed.intersection(tied):
                    # The engine's gradient of an element is then the sum of the outputs'
                    # choices.
                    raise Unsupported(f"{node.op}: elements tied for two outputs under "
                                      "one_of_tied; declare the order the engine reads them in")
                claimed.update(tied if conv == "one_of_tied" and len(tied) > 1 else ())
                shares = [mpmath.mpf(1)] if len(tied) == 1 else (
                    [mpmath.mpf(int(i == chosen)) for i in tied] if chosen is not None else
                    _tie_shares(conv, tied, node, k, self._reached(node)))
                if weight != 1:
                    shares = [w * share for share in shares]
                sides = (left, right) if weight == 1 else (w * left, w * right)
                for i, share in zip(tied, shares, strict=True):
                    ks.append(k)
                    is_.append(i)
                    if len(tied) > 1:
                        local.sites.append(_Site(0, len(vals), *sides, share, node.op, where,
                                                 conv))
                    vals.append(share)
            out.append(total)
        local.groups = [(0, ks, is_, vals)]
        return local

    def _tie_order(self, node: IRNode, meaning: Meaning) -> list[float]:
        """The direction each input element moves in to break a tie as the op lists tied
        elements (``Meaning.tie_order``), flat: what the "stable" convention names."""
        if meaning.tie_order is None:
            raise Unsupported(f"{node.op}: a 'stable' convention at ties, and no tie order in "
                              "the judge's meaning")
        shape = self.shapes[node.inputs[0]]
        at = np.array([float(v) for v in self.values[node.inputs[0]]]).reshape(shape)
        return np.asarray(meaning.tie_order(at, **node.attrs), dtype=float).reshape(-1).tolist()

    def _reached(self, node: IRNode) -> bool:
        """Whether the gradient asked for flows through ``node``'s first input."""
        if self._need is None:
            self._need = self.needs({i for i in self.graph.inputs if i is not None})
        return node.inputs[0] in self._need

    def _structural(self, node: IRNode, c: _Compiled) -> _Local:
        vec = [self.values[node.inputs[s]][i] for s, i in c.var_of]
        m = len(c.refs) if c.refs else int(np.prod(c.out_shape, dtype=np.int64))
        try:
            r = [_real(v) for v in c.fn(vec)]
        except (ZeroDivisionError, ValueError) as e:
            r = self._one_by_one(node, c, vec, str(e))
        out = r[:m]
        by_slot: dict[int, tuple[list[int], list[int], list[Any]]] = {}
        entry_at = []
        for n, (k, p) in enumerate(c.entries):
            slot, i = c.var_of[p]
            ks, is_, vals = by_slot.setdefault(slot, ([], [], []))
            entry_at.append((slot, len(ks)))
            ks.append(k)
            is_.append(i)
            vals.append(r[m + n])
        slots = sorted(by_slot)
        order = {s: g for g, s in enumerate(slots)}
        local = _Local(out, c.out_shape, [(s, *by_slot[s]) for s in slots], compiled=c, args=vec)
        local.entry_at = [(order[s], pos) for s, pos in entry_at]
        at = {node.arg_names[slot]: np.array([float(v) for v in self.values[i]]).reshape(
                  self.shapes[i]) for slot, i in enumerate(node.inputs)
              if slot < len(node.arg_names) and node.in_dtypes[slot] in _FLOAT_DTYPES}
        if c.kink_fn is not None:
            moved: set[int] = set()
            try:
                kink_values = c.kink_fn(vec)
            except (ZeroDivisionError, ValueError):
                kink_values = [1] * len(c.kink_args)
            found: list[tuple[int, Any, Any, str, str]] = []
            for arg, v, vars_ in zip(c.kink_args, kink_values, c.kink_vars, strict=True):
                if v != 0:
                    continue
                for p in sorted(vars_ - moved):
                    moved.add(p)
                    slot, i = c.var_of[p]
                    name = node.arg_names[slot]
                    # Each term takes the declared kink that marks it (a zero and a tie in one
                    # norm are different kinks with different conventions): its own kinks'
                    # labels first, as an element of a broadcast input is several terms.
                    where, conv = (_declared_among(node, name, _term_labels(c, kink_values, p))
                                   or _hit_element(node, name, at, i)
                                   or _declared(node, arg, at, f"{arg} on a kink"))
                    local.kinked[p] = (where, conv)
                    for n, (_, q) in enumerate(c.entries):
                        if q != p:
                            continue
                        # Another output on its own kink (a second tied line of std) has
                        # 0/0 in its partials: take the sides part by part.
                        left, right = _shifted(lambda v: _all_parts(c, v), vec, p,
                                               lambda r, n=n: r[m + n], True)
                        if not _close(left, right):
                            found.append((n, left, right, where, conv))
            # A tie of k terms for an extremum: raised alone, a term takes the whole partial,
            # lowered it takes none; "mean" (ties split evenly) gives each 1/k of it.
            shares = _tied_terms(c, vec, m, found)
            for n, left, right, where, conv in found:
                k = shares.get(n, 0)
                expected = (left + right) / k if k else _chosen(conv, left, right)
                g, pos = local.entry_at[n]
                local.sites.append(_Site(g, pos, left, right, expected, node.op, where, conv))
                local.groups[g][3][pos] = expected
        decided = {(s.group, s.pos) for s in local.sites}
        for n, (_, p) in enumerate(c.entries):
            g, pos = local.entry_at[n]
            if (g, pos) in decided or _finite(local.groups[g][3][pos]) or not all(
                    _finite(a) for a in vec):
                continue
            left, right = _limits([c.exprs[1][n]], c.variables, vec, p, self.budget)[0]
            if mpmath.isnan(left) and mpmath.isnan(right):
                # Undefined whichever way this element moves: the singularity is another
                # element's (a zero in a norm of negative p); take the limit along that one.
                free = {c.variables.index(x) for x in c.exprs[1][n].free_symbols} - {p}
                for other in sorted(free, key=lambda o: (vec[o] != 0, o)):
                    left, right = _limits([c.exprs[1][n]], c.variables, vec, other,
                                          self.budget)[0]
                    if not (mpmath.isnan(left) and mpmath.isnan(right)):
                        break
            value, why = _edge_value(left, right)
            local.groups[g][3][pos] = value
            slot, _ = c.var_of[p]
            self.edges.append(EdgeElement(node.op, node.arg_names[slot], at, (left, right),
                                          value, why))
        return local

    def _one_by_one(self, node: IRNode, c: _Compiled, vec: list[Any], error: str) -> list[Any]:
        """Where a partial has 0/0 (a kink), evaluate the others alone to keep their values."""
        self.notes.append(f"{node.op}: {error or 'division by zero'} in a partial")
        return _each_part(c, vec)

    # -- reverse ----------------------------------------------------------------------------------
    def needs(self, targets: set[int]) -> set[int]:
        need = set(targets)
        for node in self.graph.nodes:
            if node.kind == "op" and any(i in need for i in node.inputs):
                need.add(node.id)
        return need

    def reverse(self, seeds: dict[int, list[Any]], need: set[int], side: str = "",
                tangent_seeds: dict[int, list[Any]] | None = None, absolute: bool = False
                ) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
        """The adjoints of the ``need`` nodes from ``seeds`` (and their tangents' adjoints with
        ``tangent_seeds``, after ``tangents``). ``absolute`` sums the absolute value of each
        term of the chain rule instead: the size of the terms a computed gradient rounds."""
        mag = abs if absolute else _same
        adj = {k: list(v) for k, v in seeds.items()}
        adot: dict[int, list[Any]] = (
            {k: list(v) for k, v in tangent_seeds.items()} if tangent_seeds is not None else {})
        second = tangent_seeds is not None
        for node in reversed(self.graph.nodes):
            if node.kind != "op" or node.id not in adj or node.id not in need:
                continue
            self.budget.check()
            local = self.locals[node.id]
            if side:
                _take_side(local, side)
            g = adj[node.id]
            gd = adot.get(node.id) if second else None
            for gi, (slot, ks, is_, vals) in enumerate(local.groups):
                src = node.inputs[slot]
                if src not in need:
                    continue
                size = len(self.values[src])
                a = adj.setdefault(src, [mpmath.mpf(0)] * size)
                for k, i, v in zip(ks, is_, vals, strict=True):
                    a[i] += mag(g[k] * v)
                if second:
                    ad = adot.setdefault(src, [mpmath.mpf(0)] * size)
                    jd = local.jdot[gi] if local.jdot is not None else None
                    for n, (k, i, v) in enumerate(zip(ks, is_, vals, strict=True)):
                        # An adjoint that does not move (a constant seed: exactly 0) adds
                        # nothing, even times a partial that has no value at a pole (lgamma's
                        # digamma at -1: the second order there is trigamma's +inf, not NaN).
                        acc = mag(gd[k] * v) if gd is not None and gd[k] != 0 else 0
                        if jd is not None:
                            acc += mag(g[k] * jd[n])
                        ad[i] += acc
            if side:
                _take_side(local, "")
        return adj, adot

    # -- tangents, for second order ---------------------------------------------------------------
    def tangents(self, seeds: dict[int, list[Any]], side: str = "", absolute: bool = False
                 ) -> None:
        """Forward tangents of every node and the directional derivative of each local
        partial along them (the local second partials times the tangents). ``side`` takes
        every kink's left or right value, at first and second order; ``absolute`` sums the
        absolute value of each term instead (as ``reverse``)."""
        mag = abs if absolute else _same
        t: dict[int, list[Any]] = dict(seeds)
        for node in self.graph.nodes:
            if node.kind != "op":
                continue
            self.budget.check()
            local = self.locals[node.id]
            if side:
                _take_side(local, side)
            m = len(local.out)
            out = [mpmath.mpf(0)] * m
            live = False
            for slot, ks, is_, vals in local.groups:
                ti = t.get(node.inputs[slot])
                if ti is None:
                    continue
                live = True
                for k, i, v in zip(ks, is_, vals, strict=True):
                    out[k] += mag(v * ti[i])
            if side:
                _take_side(local, "")
            if live:
                t[node.id] = out
            c = local.compiled
            if c is None or c.kind in ("index", "select") or not live:
                local.jdot = None
                continue
            with _alarm(self.budget):
                _second(c, self.backend)
            assert c.second is not None
            local.second_sites = []
            if c.kind == "elementwise":
                local.jdot = self._elementwise_jdot(node, c, local, t, m, mag)
            else:
                local.jdot = self._structural_jdot(node, c, local, t, mag)
            if side:
                for s2 in local.second_sites:
                    chosen = s2.left if side == "left" else s2.right
                    local.jdot[s2.group][s2.pos] += s2.gain * (chosen - s2.expected)

    def conditioning(self) -> None:
        """For each op, the change of its local partials along the absolute values of its own
        inputs, every term in absolute value (``local.jdot``): how far rounding those inputs
        (or what a formula forms of them) by one relative ``eps`` moves its vector-Jacobian
        product, which no formula for it escapes: a loss's gradient vanishes where two of its
        terms meet at values set by the data, gelu's where Phi(x) and x phi(x) meet (at -0.75).
        It grows with the argument only as far as the derivative's own slope does: at
        sigmoid's tail, 38 times its value at x = 38, never the 1 that out (1 - out) cancels."""
        t = {nid: [abs(v) for v in vals] for nid, vals in self.values.items()}
        for node in self.graph.nodes:
            if node.kind != "op":
                continue
            self.budget.check()
            local = self.locals[node.id]
            c = local.compiled
            local.jdot = None
            if c is None or c.kind in ("index", "select"):
                continue
            with _alarm(self.budget):
                _second(c, self.backend)
            local.second_sites = []
            local.jdot = (self._elementwise_jdot(node, c, local, t, len(local.out), abs)
                          if c.kind == "elementwise" else
                          self._structural_jdot(node, c, local, t, abs))

    def _elementwise_jdot(self, node: IRNode, c: _Compiled, local: _Local,
                          t: dict[int, list[Any]], m: int,
                          mag: Callable[[Any], Any] = _same) -> list[list[Any]]:
        n = c.n_args
        tin = [t.get(i) for i in node.inputs]
        jdot = [[mpmath.mpf(0)] * m for _ in range(n)]
        for k, args in enumerate(local.args):
            try:
                s = [_real(v) for v in c.second(*args)]
            except (ZeroDivisionError, ValueError):
                s = [mpmath.mpf("nan")] * (n * n)
            special = local.special.get(k)
            sides: tuple[list[Any], list[Any]] | None = None
            if special is not None:
                across, conv = special
                if conv:
                    # A kink: both sides are smooth, so a hair either side is exact enough.
                    sides = _vector_sides(c.second, args, across, False)
                else:
                    lims = _limits(c.second_exprs, c.variables, args, across, self.budget)
                    sides = ([a for a, _ in lims], [b for _, b in lims])
            for j in range(n):
                acc = mpmath.mpf(0)
                for jj in range(n):
                    if tin[jj] is None:
                        continue
                    gain = tin[jj][local.slot_index[jj][k]]
                    h = s[j * n + jj]
                    if sides is not None and len(sides[0]) == len(sides[1]) == n * n:
                        h = self._second_at(node, local, j, k, gain, sides[0][j * n + jj],
                                            sides[1][j * n + jj], special, args)
                    acc += mag(h * gain)
                jdot[j][k] = acc
        return jdot

    def _second_at(self, node: IRNode, local: _Local, group: int, pos: int, gain: Any,
                   left: Any, right: Any, special: Any, args: list[Any]) -> Any:
        """A second partial on a kink (the declared convention) or at an edge."""
        across, conv = special
        if conv:
            if _close(left, right):
                return left
            expected = _chosen(conv, left, right)
            local.second_sites.append(_Second(group, pos, gain, left, right, expected))
            return expected
        value, why = _edge_value(left, right)
        if not (_finite(left) and _finite(right) and _close(left, right)):
            self.edges.append(EdgeElement(
                node.op, f"{node.arg_names[group]}, second order", dict(zip(
                    node.arg_names, args, strict=True)), (left, right), value, why))
        return value

    def _structural_jdot(self, node: IRNode, c: _Compiled, local: _Local,
                         t: dict[int, list[Any]], mag: Callable[[Any], Any] = _same
                         ) -> list[list[Any]]:
        tvar = [t[node.inputs[s]][i] if node.inputs[s] in t else 0 for s, i in c.var_of]
        jdot = [[mpmath.mpf(0)] * len(g[1]) for g in local.groups]
        args = local.args
        try:
            hs = [_real(v) for v in c.second(args)]
        except (ZeroDivisionError, ValueError):
            hs = []
            for f in _second_parts(c):
                try:
                    hs.append(_real(f(args)))
                except (ZeroDivisionError, ValueError):
                    hs.append(mpmath.mpf("nan"))
        # Each jump's own convention (grid_sample's whole pixel position "right", not the
        # clamped border's "zero" that a look-up without the element's values finds first).
        jumps = {(s.group, s.pos): s.convention for s in local.sites}
        for q, ((n, a, b), h) in enumerate(zip(c.second_index, hs, strict=True)):
            gi, pos = local.entry_at[n]
            conv = jumps.get((gi, pos), "")
            if conv in ("zero", "one"):
                # A first partial that jumps here has no derivative at the point, and a hair
                # along one coordinate does not stand for it (sqrt of a variance: the second
                # partials there depend on the direction of approach). A convention that
                # names its value without the sides decides, as at first order.
                nan = mpmath.mpf("nan")
                h = self._second_at(node, local, gi, pos, tvar[b], nan, nan, (b, conv), [])
            elif tvar[b] != 0 and local.kinked.get(b, ("", ""))[1] == "zero" and (
                    flat := self._second_flat(c, local, q, h, gi, pos, tvar[b], b)) is not None:
                h = flat
            elif tvar[b] != 0 and self._sided(c, local, q) and _finite(
                    sided := self._second_sided(c, local, q, gi, pos, tvar[b])):
                # Before any limit: SymPy's of the hats' DiracDelta ran past the budget.
                h = sided
            elif not _finite(h) and tvar[b] != 0:
                # Exact one-sided limits first: a hair off the point leaves a residue of the
                # hair's size where the limit is 0 (norm(p=-1)'s second order at a zero element,
                # -4.5e-103); the hair decides only where SymPy finds no limit.
                left, right = _limits([c.second_exprs[q]], c.variables, local.args, b,
                                      self.budget)[0]
                if mpmath.isnan(left) and mpmath.isnan(right):
                    left, right = _shifted(_second_parts(c)[q], local.args, b, lambda r: r, True)
                if local.sites:
                    # On a kink of this op the engine's declared convention decides.
                    _, conv = _declared(node, node.arg_names[c.var_of[a][0]], {}, "")
                    h = self._second_at(node, local, gi, pos, tvar[b], left, right,
                                        (b, conv), [])
                else:
                    h = _edge_value(left, right)[0]
            jdot[gi][pos] += mag(h * tvar[b])
        return jdot

    @staticmethod
    def _sided(c: _Compiled, local: _Local, q: int) -> bool:
        """Whether second partial ``q`` of a structural op holds a variable on a kink whose
        declared convention takes a side ("left" or "right"): at the point itself its corner
        (Abs' = sign(0) = 0) averages the two sides, which the engine never takes."""
        if not any(conv in ("left", "right") for _, conv in local.kinked.values()):
            return False
        positions = {x: i for i, x in enumerate(c.variables)}
        return any(local.kinked.get(positions.get(x, -1), ("", ""))[1] in ("left", "right")
                   for x in c.second_exprs[q].free_symbols)

    @staticmethod
    def _second_flat(c: _Compiled, local: _Local, q: int, h: Any, gi: int, pos: int, gain: Any,
                     b: int) -> Any:
        """Second partial ``q`` along variable ``b`` on a kink whose convention is "zero", or
        None where the exact limits at the point decide.

        The convention is the slope of the kinked term, not of the whole output along ``b``.
        Where the partial's sides along ``b`` agree it is differentiable there and keeps its
        value: renorm's ``x_j * scale(norm)`` at ``x_j = 0`` (the product rule's
        ``scale'(norm)`` through ``x_j``'s own factor), euclidean_dist's other pairs through a
        row at distance 0 from one. Its value at the point where finite (exact: a hair off
        leaves a residue of the hair's size, 7.5e-205 for norm(p=-1) at a zero element), else
        None: the caller's exact limits. Where the sides differ the kinked term's slope
        decides, 0 (grid_sample's clamped border, flat on PyTorch's side), and a second-order
        kink site is recorded."""
        f = _second_parts(c)[q]
        left = _hair_value(f, local.args, {b: -1})
        right = _hair_value(f, local.args, {b: 1})
        if _finite(left) and _close(left, right):
            if not _finite(h):
                return None
            return h if _close(h, left) else left
        zero = mpmath.mpf(0)
        where, conv = local.kinked[b]
        local.second_sites.append(_Second(gi, pos, gain, left, right, zero, where, conv))
        return zero

    @staticmethod
    def _second_sided(c: _Compiled, local: _Local, q: int, gi: int, pos: int, gain: Any
                      ) -> Any:
        """Second partial ``q`` a hair off the point, each kinked variable moved toward its
        declared convention's side (a whole pixel position of grid_sample: the cell to the
        right, as the engine and PyTorch); where every variable moved left, every one moved
        right and the convention's sides do not all agree, a second-order kink site (none where
        the convention's side is not finite: the caller's limits decide there)."""
        f = _second_parts(c)[q]
        kinked = {p: conv for p, (_, conv) in local.kinked.items() if conv in ("left", "right")}
        expected = _hair_value(f, local.args, {p: 1 if v == "right" else -1
                                               for p, v in kinked.items()})
        left = _hair_value(f, local.args, dict.fromkeys(kinked, -1))
        right = _hair_value(f, local.args, dict.fromkeys(kinked, 1))
        if _finite(expected) and not (_close(left, right) and _close(left, expected)):
            where, conv = local.kinked[next(iter(kinked))]
            local.second_sites.append(_Second(gi, pos, gain, left, right, expected, where,
                                              conv))
        return expected


def _hair_value(fn: Callable[..., Any], args: list[Any], moves: dict[int, int]) -> Any:
    """``fn(args)`` with each argument ``j`` of ``moves`` moved a hair (``_hair``) in the
    direction ``moves[j]`` (+1 or -1): a one-sided value at a corner of several kinks. The
    values a hair and two hairs off are extrapolated to the hair 0 (2 f(h) - f(2h)): a side
    linear in the hair (a bilinear weight's, h times the other hat's slope) leaves no residue
    of the hair's size (7.6e-102 where the limit is 0)."""
    prec = mpmath.mp.prec
    values = []
    with mpmath.workprec(prec * 3):
        for scale in (1, 2):
            moved = list(args)
            for j, d in moves.items():
                moved[j] = moved[j] + scale * d * _hair(args, j, prec)
            try:
                values.append(mpmath.mpf(_real(fn(moved))))
            except (ZeroDivisionError, ValueError):
                values.append(mpmath.mpf("nan"))
        value = 2 * values[0] - values[1]
    return +value


# -- whole-expression mode ------------------------------------------------------------------------
def _tree_size(expr: Any, limit: int) -> int:
    n = 0
    for _ in sympy.preorder_traversal(expr):
        n += 1
        if n > limit:
            break
    return n


def _to_mpf(x: Any, digits: int) -> Any:
    v = sympy.N(x, digits)
    if not v.is_number or v.has(sympy.nan, sympy.zoo) or not v.is_extended_real:
        return mpmath.mpf("nan")
    if v.is_infinite:
        return mpmath.inf if v > 0 else -mpmath.inf
    return mpmath.mpf(sympy.Float(v, digits)._mpf_)


def _whole_exprs(graph: Graph, symbols: dict[int, np.ndarray],
                 budget: _Budget) -> dict[int, np.ndarray]:
    exprs: dict[int, np.ndarray] = {}
    for node in graph.nodes:
        budget.check()
        if node.id in symbols:
            exprs[node.id] = symbols[node.id]
            continue
        if node.kind != "op":
            assert node.value is not None
            vals = [num(x) for x in node.value.reshape(-1).tolist()]
            exprs[node.id] = np.array(vals + [None], dtype=object)[:-1].reshape(node.value.shape)
            continue
        meaning = meaning_of(node.op, node.info)
        if meaning is None:
            raise Unsupported(f"no SymPy meaning for op {node.op!r}")
        arrays: list[Any] = []
        for slot, i in enumerate(node.inputs):
            src = graph.nodes[i]
            index = _is_index(meaning, node, slot) and src.value is not None
            arrays.append(src.value if index else exprs[i])
        if meaning.kind == "elementwise":
            b = np.broadcast_arrays(*arrays)
            out = np.empty(b[0].shape, dtype=object)
            for idx in np.ndindex(out.shape):
                out[idx] = sympy.sympify(meaning.fn(*(x[idx] for x in b), **node.attrs))
        elif meaning.kind == "select":
            pick = PICKS[meaning.select].expr
            cands = np.asarray(call_meaning(meaning, node, arrays), dtype=object)
            out = np.empty(cands.shape, dtype=object)
            for idx in np.ndindex(cands.shape):
                out[idx] = pick(list(cands[idx]), **pick_attrs(cands[idx], node.attrs)) if (
                    cands[idx]) else sympy.S(0)
        else:
            out = np.asarray(call_meaning(meaning, node, arrays), dtype=object)
        exprs[node.id] = out
    return exprs


def _on_kinks(exprs: list[Any], values: dict[Any, Any]) -> list[str]:
    """The steps, signs, deltas and Piecewise boundaries of ``exprs`` that sit exactly at the
    point: there SymPy's value (``Heaviside(0) = 1/2``) is no one-sided derivative."""
    found: dict[str, None] = {}
    for e in exprs:
        for a in e.atoms(sympy.Heaviside, sympy.DiracDelta, sympy.sign):
            if a.args[0].xreplace(values) == 0:
                found[str(a)] = None
        for pw in e.atoms(sympy.Piecewise):
            for _, cond in pw.args:
                rels = [cond] if isinstance(cond, sympy.core.relational.Relational) else list(
                    cond.atoms(sympy.core.relational.Relational))
                for rel in rels:
                    if sympy.sympify(rel.lhs - rel.rhs).xreplace(values) == 0:
                        found[str(rel)] = None
    return list(found)


def _whole(graph: Graph, seeds: dict[int, list[Any]], budget: _Budget, digits: int,
           v: list[list[Any]] | None = None
           ) -> tuple[list[Any], dict[int, np.ndarray], list[str]]:
    symbols: dict[int, np.ndarray] = {}
    values: dict[Any, Any] = {}
    for pos, nid in enumerate(graph.inputs):
        if nid is None or nid in symbols:
            continue
        node = graph.nodes[nid]
        assert node.value is not None
        syms = [sympy.Symbol(f"w{pos}_{i}", real=True) for i in range(node.value.size)]
        for s, x in zip(syms, node.value.reshape(-1).tolist(), strict=True):
            values[s] = num(x)
        symbols[nid] = np.array(syms + [None], dtype=object)[:-1].reshape(node.value.shape)
    with _alarm(budget):
        exprs = _whole_exprs(graph, symbols, budget)
        total = sympy.Add(*[num(float(g)) * e for nid, gs in seeds.items()
                            for g, e in zip(gs, exprs[nid].reshape(-1), strict=True)])
        budget.grow(_tree_size(total, budget.size), "the whole output expression")
        grads: list[Any] = []
        kinks: list[str] = []
        for nid in graph.inputs:
            if nid is None:
                grads.append(None)
                continue
            syms = list(symbols[nid].reshape(-1))
            ds = [sympy.diff(total, s) for s in syms]
            if v is not None:
                ds = [sympy.Add(*[num(float(vb)) * sympy.diff(d, sb)
                                  for p2, n2 in enumerate(graph.inputs) if n2 is not None
                                  for sb, vb in zip(symbols[n2].reshape(-1), v[p2], strict=True)])
                      for d in ds]
            kinks.extend(k for k in _on_kinks(ds, values) if k not in kinks)
            grads.append([_to_mpf(d.xreplace(values), digits) for d in ds])
            budget.check()
        forward = {nid: np.vectorize(lambda e: _to_mpf(sympy.sympify(e).xreplace(values), digits),
                                     otypes=[object])(exprs[nid]) for nid in graph.outputs}
    return grads, forward, kinks


# -- the public API -------------------------------------------------------------------------------
def _tuple(x: Any) -> tuple[Any, ...]:
    if x is None:
        return ()
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _array(x: Any) -> np.ndarray:
    """A weight or direction as an array: given as one, or as an engine's tensor."""
    if isinstance(x, np.ndarray | list | float | int):
        return np.asarray(x)
    return engine_for([x]).to_numpy(x)


def _graph(outputs: Any, inputs: Any) -> Graph:
    """The IR to judge: given, or read from an engine's outputs by its adapter."""
    if isinstance(outputs, Graph):
        return outputs
    outs, ins = _tuple(outputs), _tuple(inputs)
    return engine_for(outs + ins).read(outs, ins)


def _seeds(graph: Graph, grad_outputs: Any) -> dict[int, list[Any]]:
    gos = _tuple(grad_outputs)
    seeds: dict[int, list[Any]] = {}
    for n, nid in enumerate(graph.outputs):
        out = graph.nodes[nid].value
        assert out is not None
        g = _exact(_array(gos[n])) if gos and gos[n] is not None else (
            [mpmath.mpf(1)] * out.size)
        if nid in seeds:
            seeds[nid] = [a + b for a, b in zip(seeds[nid], g, strict=True)]
        else:
            seeds[nid] = g
    return seeds


def _arrays(values: list[Any] | None, shape: tuple[int, ...]) -> tuple[Any, Any]:
    if values is None:
        return None, None
    with mpmath.workdps(mpmath.mp.dps - 10):
        rounded = [+mpmath.mpf(v) for v in values]
    exact = np.array(rounded + [None], dtype=object)[:-1].reshape(shape)
    return exact, np.array([float(v) for v in rounded], dtype=np.float64).reshape(shape)


def _forward_array(forwards: list[np.ndarray]) -> np.ndarray:
    if len(forwards) == 1:
        return forwards[0]
    holder = np.empty(len(forwards), dtype=object)
    for i, f in enumerate(forwards):
        holder[i] = f
    return holder


def _failed(status: str, reason: str, n: int) -> ExactResult:
    return ExactResult(status, reason, [None] * n, [None] * n)


def _run(outputs: Any, inputs: Any, grad_outputs: Any, v: Any, digits: int, time_budget: float,
         size_budget: int, mode: str, backend: str) -> ExactResult:
    n_inputs = len(outputs.inputs) if isinstance(outputs, Graph) else len(_tuple(inputs))
    budget = _Budget(time_budget, size_budget)
    try:
        with mpmath.workdps(digits + 10):
            graph = _graph(outputs, inputs)
            seeds = _seeds(graph, grad_outputs)
            shapes = graph.input_shapes
            vs = [_exact(_array(x)) for x in _tuple(v)] if v is not None else None
            if mode == "whole":
                values, fwd, on = _whole(graph, seeds, budget, digits + 10, vs)
                forwards = [fwd[nid] for nid in graph.outputs]
                if on:
                    return _result("kink", "whole-expression mode at a kink, where SymPy's "
                                   f"value is no convention: {', '.join(on[:4])}; use "
                                   "mode='local' for the one-sided values", values, shapes,
                                   [], forwards)
                return _result("ok", "", values, shapes, [], forwards)
            if mode != "local":
                raise ValueError(f"mode must be 'local' or 'whole', not {mode!r}")
            tangents = [np.asarray(_array(x), dtype=np.float64) for x in _tuple(v)] if (
                v is not None) else None
            fast = _certified(graph, grad_outputs, time_budget, size_budget, shapes, digits,
                              tangents)
            if isinstance(fast, ExactResult):
                return fast
            ev = _Evaluator(graph, budget, backend)
            ev.forward()
            need = ev.needs({i for i in graph.inputs if i is not None})
            forwards = [np.array(ev.values[nid] + [None], dtype=object)[:-1].reshape(
                ev.shapes[nid]) for nid in graph.outputs]
            if vs is not None:
                tseeds = {nid: vs[p] for p, nid in enumerate(graph.inputs) if nid is not None}
                ev.tangents(tseeds)
                _, adot = ev.reverse(seeds, need, tangent_seeds={})
                values = [adot.get(nid, [mpmath.mpf(0)] * len(ev.values[nid]))
                          if nid is not None else None for nid in graph.inputs]
                kinks = _kinks(ev, seeds, need, values, shapes, tseeds)
            else:
                adj, _ = ev.reverse(seeds, need)
                values = [adj.get(nid, [mpmath.mpf(0)] * len(ev.values[nid]))
                          if nid is not None else None for nid in graph.inputs]
                kinks = _kinks(ev, seeds, need, values, shapes)
            status = "edge" if ev.edges else "kink" if kinks else "ok"
            notes = [f"{e.op} at {_show(e.at)}: d/d{e.arg} one-sided "
                     f"({mpmath.nstr(e.one_sided[0], 8)}, {mpmath.nstr(e.one_sided[1], 8)}), "
                     f"{e.why}" for e in ev.edges[:4]]
            result = _result(status, "; ".join(notes + ev.notes), values, shapes, kinks,
                             forwards)
            result.edges = ev.edges
            result.uncertified = fast
            if vs is None:
                result.expression = _expression(ev)
            return result
    except Unsupported as e:
        return _failed("unsupported", str(e), n_inputs)
    except _GaveUp as e:
        return _failed("oracle-gave-up", str(e), n_inputs)
    except RecursionError:
        return _failed("oracle-gave-up", "expression too deep for SymPy", n_inputs)


def _certified(graph: Graph, grad_outputs: Any, time_budget: float, size_budget: int,
               shapes: list[tuple[int, ...]], digits: int, tangents: list[np.ndarray] | None
               ) -> ExactResult | str:
    """The certified result, or why only the general path can settle the graph."""
    gos = _tuple(grad_outputs)
    seeds: dict[int, np.ndarray] | None = None
    if gos:
        seeds = {}
        for n, nid in enumerate(graph.outputs):
            out = graph.nodes[nid].value
            assert out is not None
            g = to_balls(_array(gos[n]) if gos[n] is not None else np.ones(out.shape))
            seeds[nid] = seeds[nid] + g if nid in seeds else g
    try:
        c = certified_grad(graph, seeds, time_budget=time_budget, size_budget=size_budget,
                           min_bits=math.ceil((digits + 10) * 3.33), tangents=tangents)
    except NotCertified as e:
        return str(e)
    grads, floats = [], []
    with mpmath.workdps(digits):
        for i, b in enumerate(c.balls):
            if b is None:
                grads.append(None)
                floats.append(None)
                continue
            grads.append(_mpf_array(b, shapes[i]))
            floats.append(c.rounded(i, "float64")[0])
        forwards = [_mpf_array(f, f.shape) for f in c.forward]
    result = ExactResult("ok", "", grads, floats, forward=_forward_array(forwards),
                         certified=c)
    if tangents is None:
        result.expression = _single_expression(graph)
    return result


def _mpf_array(balls: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    vals = [+ball_to_mpf(v) for v in balls.reshape(-1)]
    return np.array(vals + [None], dtype=object)[:-1].reshape(shape)


def _single_expression(graph: Graph) -> Any:
    """For a graph of one elementwise op (besides sums), its derivative by its first input."""
    ops = [n for n in graph.nodes if n.kind == "op" and not n.op.startswith("sum")]
    if len(ops) != 1:
        return None
    meaning = meaning_of(ops[0].op, ops[0].info)
    if meaning is None or meaning.kind != "elementwise":
        return None
    xs = [sympy.Symbol(a, real=True) for a in ops[0].arg_names]
    return _diff(sympy.sympify(meaning.fn(*xs, **ops[0].attrs)), xs[0], "sympy")


def _expression(ev: _Evaluator) -> Any:
    ops = [n for n in ev.graph.nodes if n.kind == "op"
           and getattr(ev.locals[n.id].compiled, "kind", "") == "elementwise"]
    if len(ops) != 1:
        return None
    c = ev.locals[ops[0].id].compiled
    assert c is not None
    names = {x: sympy.Symbol(a, real=True) for x, a in zip(c.variables, ops[0].arg_names,
                                                             strict=True)}
    return c.exprs[1][0].xreplace(names)


def _show(at: dict[str, Any]) -> str:
    return ", ".join(f"{k}={mpmath.nstr(v, 8) if isinstance(v, mpmath.mpf) else v}"
                     for k, v in at.items())


def _kinks(ev: _Evaluator, seeds: dict[int, list[Any]], need: set[int], values: list[Any],
           shapes: list[tuple[int, ...]], tseeds: dict[int, list[Any]] | None = None
           ) -> list[KinkElement]:
    """Input elements whose value changes with the side taken at the kinks met (first order;
    with ``tseeds``, the Hessian-vector product with the second-order kinks too)."""
    sites = [s for local in ev.locals.values() for s in local.sites]
    seconds = any(local.second_sites for local in ev.locals.values())
    if not sites and not seconds:
        return []
    if tseeds is None:
        left, _ = ev.reverse(seeds, need, "left")
        right, _ = ev.reverse(seeds, need, "right")
    else:
        ev.tangents(tseeds, "left")
        _, left = ev.reverse(seeds, need, "left", tangent_seeds={})
        ev.tangents(tseeds, "right")
        _, right = ev.reverse(seeds, need, "right", tangent_seeds={})
    named = [(s.op, s.where, s.convention) for s in sites] or [
        (n.op, *((s2.where, s2.convention) if s2.convention else
                 _declared(n, n.arg_names[0], {}, "a kink at second order")))
        for n in ev.graph.nodes if n.kind == "op"
        for s2 in ev.locals[n.id].second_sites[:1]]
    first = _Site(0, 0, 0, 0, 0, *named[0])
    ops = "+".join(dict.fromkeys(op for op, _, _ in named))
    found = []
    for pos, nid in enumerate(ev.graph.inputs):
        if nid is None:
            continue
        zero = [mpmath.mpf(0)] * len(values[pos])
        lv, rv = left.get(nid, zero), right.get(nid, zero)
        for e, (x, lo, hi) in enumerate(zip(values[pos], lv, rv, strict=True)):
            if not (_close(lo, hi) and _close(lo, x)):
                index = tuple(int(i) for i in np.unravel_index(e, shapes[pos])) if shapes[
                    pos] else ()
                found.append(KinkElement(pos, index, ops, first.where, first.convention, x,
                                         (lo, hi)))
    return found


def _result(status: str, reason: str, values: list[Any], shapes: list[tuple[int, ...]],
            kinks: list[KinkElement], forwards: list[np.ndarray]) -> ExactResult:
    grads, floats = [], []
    for vals, shape in zip(values, shapes, strict=True):
        exact, f64 = _arrays(vals, shape)
        grads.append(exact)
        floats.append(f64)
    return ExactResult(status, reason, grads, floats, kinks, _forward_array(forwards))


def exact_grad(outputs: Any, inputs: Any, grad_outputs: Any = None, *, digits: int = 40,
               time_budget: float = 60.0, size_budget: int = 200_000, mode: str = "local",
               backend: str = "sympy") -> ExactResult:
    """The exact gradient of ``outputs`` (weighted by ``grad_outputs``, ones by default) with
    respect to ``inputs``, as ``autograd.grad`` would compute it with infinite precision.
    ``outputs`` and ``inputs`` are an engine's tensors (its adapter reads the graph), or
    ``outputs`` is a recorded ``oracle.ir.Graph`` (which names its inputs: ``inputs`` is then
    unused) and ``grad_outputs`` arrays.

    ``mode="local"`` first takes the certified path (Arb balls whose roundings are proven,
    linear in the graph's size: ``ExactResult.certified``) and, where it cannot settle the
    graph (kinks, edges, ties), chains each op's cached SymPy partials in mpmath;
    ``mode="whole"`` differentiates the full output expression (small graphs).
    ``backend="symengine"`` derives the partials with SymEngine (the ``fast`` extra). Past
    ``time_budget`` seconds or ``size_budget`` terms the status is ``"oracle-gave-up"``.

    Args:
        outputs: The engine tensor or tensors to differentiate, recorded by the engine (their
            graph is read through the engine's adapter), or a recorded ``oracle.ir.Graph``.
        inputs: The tensor or tensors to differentiate with respect to (unused with a
            ``Graph``, which names them).
        grad_outputs: The weight of each output (the vector of the vector-Jacobian product),
            one per output and of its shape (tensors or arrays). Defaults to None: ones.
        digits: The significant decimal digits the exact values are computed to (mpmath
            works with 10 more). Defaults to 40.
        time_budget: CPU seconds after which the oracle gives up (status ``"oracle-gave-up"``)
            rather than running on. Defaults to 60.
        size_budget: The number of expression terms past which the oracle gives up. Defaults
            to 200,000.
        mode: ``"local"`` chains each op's cached partials; ``"whole"`` differentiates the whole
            output expression (small graphs only). Defaults to ``"local"``.
        backend: ``"sympy"``, or ``"symengine"`` (the ``fast`` extra) to derive the partials.
            Defaults to ``"sympy"``.

    Returns:
        The status (``"ok"``, ``"kink"``, ``"oracle-gave-up"``, ...), the exact gradients as object
        arrays of ``mpmath.mpf``, their float64 roundings and the kink elements.

    >>> import symgrad, oracle
    >>> x = symgrad.tensor([0.5, 2.0], requires_grad=True)
    >>> r = oracle.exact_grad((x.tanh() * x).sum(), x)
    >>> r.status, r.float64[0]
    ('ok', array([0.85534102, 1.10532923]))
    >>> print(mpmath.nstr(r.grads[0][0], 30))
    0.855341023742973463577167950815

    At a kink the element takes the engine's declared convention, with both one-sided values:

    >>> r = oracle.exact_grad(x.sub(0.5).relu().sum(), x)
    >>> r.status, r.float64[0], r.kinks[0].index, r.kinks[0].convention, r.kinks[0].one_sided
    ('kink', array([0., 1.]), (0,), 'zero', (mpf('0.0'), mpf('1.0')))
    """
    return _run(outputs, inputs, grad_outputs, None, digits, time_budget, size_budget, mode,
                backend)


def exact_grad_at_engine_values(graph: Graph, grad_outputs: Any = None, *, digits: int = 40,
                                time_budget: float = 60.0, size_budget: int = 200_000
                                ) -> ExactResult:
    """The gradient an exact backward would compute from the engine's forward: each op's exact
    partials taken at the values the engine computed (where each is the exact value rounded,
    within ``ROUNDING_ULPS``), chained in mpmath. Its distance from ``exact_grad`` is the
    forward's rounding carried through the exact derivative: part of the bound an engine's
    gradient is judged against, which no backward can do better than.

    Args:
        graph: The recorded ``oracle.ir.Graph``.
        grad_outputs: The weight of each output, as arrays. Defaults to None: ones.
        digits: Significant decimal digits (mpmath works with 10 more). Defaults to 40.
        time_budget: CPU seconds before the oracle gives up. Defaults to 60.
        size_budget: Expression terms before the oracle gives up. Defaults to 200,000.

    Returns:
        An ``ExactResult`` as ``exact_grad``'s (status, grads, float64), without kinks.

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> t = symgrad.tensor([0.001], dtype=symgrad.float64, requires_grad=True)
    >>> rec = engine_for([t]).record(lambda t: (2 ** (t * 1e6)).sum(), [t])
    >>> exact = exact_grad(rec.graph, None).float64[0][0]
    >>> rounded = exact_grad_at_engine_values(rec.graph).float64[0][0]
    >>> bool(rounded == rec.grads[0][0] != exact)  # 2**1000, not 2**(1000 + 2e-14)
    True
    """
    n_inputs = len(graph.inputs)
    budget = _Budget(time_budget, size_budget)
    try:
        with mpmath.workdps(digits + 10):
            ev = _Evaluator(graph, budget, "sympy", engine_values=True)
            ev.forward()
            need = ev.needs({i for i in graph.inputs if i is not None})
            adj, _ = ev.reverse(_seeds(graph, grad_outputs), need)
            values = [adj.get(nid, [mpmath.mpf(0)] * len(ev.values[nid]))
                      if nid is not None else None for nid in graph.inputs]
            return _result("ok", "", values, graph.input_shapes, [], [])
    except Unsupported as e:
        return _failed("unsupported", str(e), n_inputs)
    except (_GaveUp, RecursionError) as e:
        return _failed("oracle-gave-up", str(e), n_inputs)


def exact_hvp(outputs: Any, inputs: Any, v: Any, grad_outputs: Any = None, *, digits: int = 40,
              time_budget: float = 60.0, size_budget: int = 200_000, mode: str = "local",
              backend: str = "sympy") -> ExactResult:
    """The exact Hessian-vector product: the derivative of ``exact_grad`` along ``v`` (one
    array per input), by forward-over-reverse with each op's second partials. ``grads[i]``
    holds the product's part for input i. At a kink the first and second partials take the
    engine's declared convention and ``kinks`` lists the elements whose value depends on it.

    Args:
        outputs: The engine tensor or tensors to differentiate, recorded by the engine (their
            graph is read through the engine's adapter), or a recorded ``oracle.ir.Graph``.
        inputs: The tensor or tensors to differentiate with respect to (unused with a
            ``Graph``, which names them).
        v: The direction: one tensor or array per input, of its shape.
        grad_outputs: The weight of each output (the vector of the vector-Jacobian product),
            one per output and of its shape. Defaults to None: ones.
        digits: The significant decimal digits the exact values are computed to (mpmath
            works with 10 more). Defaults to 40.
        time_budget: CPU seconds after which the oracle gives up (status ``"oracle-gave-up"``)
            rather than running on. Defaults to 60.
        size_budget: The number of expression terms past which the oracle gives up. Defaults
            to 200,000.
        mode: ``"local"`` chains each op's cached partials; ``"whole"`` differentiates the whole
            output expression (small graphs only). Defaults to ``"local"``.
        backend: ``"sympy"``, or ``"symengine"`` (the ``fast`` extra) to derive the partials.
            Defaults to ``"sympy"``.

    Returns:
        The status (``"ok"``, ``"kink"``, ``"oracle-gave-up"``, ...), the exact gradients as object
        arrays of ``mpmath.mpf``, their float64 roundings and the kink elements.

    >>> import symgrad, oracle
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> r = oracle.exact_hvp((x * x * x).sum(), x, [symgrad.tensor([1.0, 1.0])])
    >>> r.float64[0]
    array([ 6., 12.])
    """
    return _run(outputs, inputs, grad_outputs, v, digits, time_budget, size_budget, mode,
                backend)


def exact_hessian(output: Any, inputs: Any, *, digits: int = 40, time_budget: float = 60.0,
                  size_budget: int = 200_000, backend: str = "sympy"
                  ) -> list[list[np.ndarray]]:
    """The full exact Hessian of a scalar ``output``: ``H[i][j]`` has shape
    ``inputs[i].shape + inputs[j].shape``. Meant for small inputs (one HVP per element).

    Args:
        output: The one-element engine tensor to differentiate twice.
        inputs: The tensor or tensors to differentiate with respect to.
        digits: The significant decimal digits the exact values are computed to (mpmath
            works with 10 more). Defaults to 40.
        time_budget: CPU seconds after which the oracle gives up (status ``"oracle-gave-up"``)
            rather than running on. Defaults to 60.
        size_budget: The number of expression terms past which the oracle gives up. Defaults
            to 200,000.
        backend: ``"sympy"``, or ``"symengine"`` (the ``fast`` extra) to derive the partials.
            Defaults to ``"sympy"``.

    >>> import symgrad, oracle
    >>> x = symgrad.tensor([1.0, 3.0], requires_grad=True)
    >>> H = oracle.exact_hessian((x * x * x).sum(), x)
    >>> H[0][0].astype(float)
    array([[ 6.,  0.],
           [ 0., 18.]])
    """
    graph = _graph(output, inputs)
    shapes = graph.input_shapes
    blocks: list[list[Any]] = [[np.empty(a + b, dtype=object) for b in shapes] for a in shapes]
    for i, shape in enumerate(shapes):
        for e in np.ndindex(shape):
            v = [np.zeros(s) for s in shapes]
            v[i][e] = 1.0
            r = exact_hvp(graph, None, v, digits=digits, time_budget=time_budget,
                          size_budget=size_budget, backend=backend)
            if r.status != "ok":
                raise RuntimeError(f"exact_hessian: {r.status}: {r.reason}")
            for j in range(len(shapes)):
                g = r.grads[j]
                blocks[i][j][e] = g if g is not None else np.zeros(shapes[j], dtype=object)
    return blocks


def exact_forward(outputs: Any, *, digits: int = 40, time_budget: float = 60.0,
                  size_budget: int = 200_000) -> list[np.ndarray]:
    """The exact values of ``outputs`` (object arrays of ``mpmath.mpf``), from the oracle's
    meaning of each op: the reference for the engine's forward error.

    Args:
        outputs: The engine tensor or tensors to evaluate, recorded by the engine (their
            graph is read through the engine's adapter).
        digits: The significant decimal digits the exact values are computed to (mpmath
            works with 10 more). Defaults to 40.
        time_budget: CPU seconds after which the oracle gives up (status ``"oracle-gave-up"``)
            rather than running on. Defaults to 60.
        size_budget: The number of expression terms past which the oracle gives up. Defaults
            to 200,000.

    Returns:
        One object array of ``mpmath.mpf`` per output.

    >>> import symgrad, oracle
    >>> x = symgrad.tensor([0.1], requires_grad=True)  # float32: 0.100000001490116...
    >>> (y,) = oracle.exact_forward(x.exp())
    >>> print(mpmath.nstr(y[0], 25))
    1.105170919722480625738477
    """
    budget = _Budget(time_budget, size_budget)
    with mpmath.workdps(digits + 10):
        graph = _graph(outputs, [])
        ev = _Evaluator(graph, budget, "sympy")
        try:
            ev.forward()
        except _GaveUp as e:
            raise RuntimeError(f"exact_forward gave up: {e}") from None
        result = []
        for nid in graph.outputs:
            with mpmath.workdps(digits):
                vals = [+mpmath.mpf(v) for v in ev.values[nid]]
            result.append(np.array(vals + [None], dtype=object)[:-1].reshape(ev.shapes[nid]))
    return result
