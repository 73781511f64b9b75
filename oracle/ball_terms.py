"""The size of a gradient's terms from one evaluation in Arb balls, for graphs too large to take
term by term.

``oracle.error_terms`` sizes an element's rounding by the chain rule's terms in absolute value,
each op's partials listed one by one: a softmax of ``n`` elements has ``n**2`` of them and its
conditioning ``n**3``, out of reach past a few dozen elements. Ball arithmetic gives the same
measure in one pass over the graph: widen every value the derivative is computed from (each
forward value, each output weight and, at the second order, each tangent) by a relative hair
``h``, and run the exact chain rule (``oracle.certified``) on the balls. The radius that comes
out, divided by ``h``, is to first order the sum over every term of its absolute value, and of
how far moving each value by its own size moves the term (its conditioning): Arb adds radii as
``|a| rad(b) + |b| rad(a)`` through every product and sums them through every sum, so a term that
cancels in the value still counts by its size. At the second order this includes the third
derivatives the term-by-term path does not derive. Interval arithmetic can only overstate: where
a value enters twice (``x - mean(x)``) both of its radii count, so the bound errs wide, never
narrow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flint
import numpy as np

from oracle.arb_lambdify import Undecided
from oracle.balls import precision, to_balls
from oracle.certified import _FLOAT, NotCertified, _Run
from oracle.cpu_clock import cpu_seconds
from oracle.error_terms import Terms, TermsUnavailable, error_terms
from oracle.ir import Graph, IRNode

__all__ = ["HAIR", "ball_terms", "nonlinear_structural", "sized_terms"]

HAIR = 2.0 ** -64  # relative widening: far above Arb's own radii at 128 bits, far below eps
_BITS = 128


def _widened(value: np.ndarray) -> np.ndarray:
    """Each ball grown by ``HAIR`` times the size of its midpoint."""
    hair = flint.arb(HAIR)
    flat = [flint.arb(b.mid(), b.rad() + abs(b.mid()) * hair)
            for b in np.asarray(value, dtype=object).reshape(-1)]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(np.shape(value))


class _WideRun(_Run):
    """The certified run with every floating node's value widened as the ops after it read
    it (an index, a mask or a count is exact in any engine)."""

    def enter(self, node: IRNode, value: np.ndarray) -> np.ndarray:
        return _widened(value) if node.dtype in _FLOAT else value


def _fan_in(graph: Graph) -> int:
    """The most terms an op may sum into one element: the size of the largest input of an op
    that is not elementwise (an overstatement for an op over one dim, by at most the factor
    of the other dims)."""
    from oracle.semantics import meaning_of

    most = 1
    for node in graph.nodes:
        if node.kind != "op":
            continue
        meaning = meaning_of(node.op, node.info)
        if meaning is None or meaning.kind == "elementwise":
            continue
        for i in node.inputs:
            value = graph.nodes[i].value
            if value is not None:
                most = max(most, int(value.size))
    return most


def _radii(balls: np.ndarray) -> np.ndarray:
    return np.array([float(b.rad()) / HAIR for b in balls.reshape(-1)],
                    dtype=np.float64).reshape(balls.shape)


def ball_terms(graph: Graph, grad_outputs: Sequence[Any] | None = None,
               v: Sequence[Any] | None = None, *, time_budget: float = 60.0) -> Terms:
    """The terms' size of each input's gradient (``v`` None) or Hessian-vector product along
    ``v``, from the exact chain rule run once on values widened by ``HAIR``.

    Args:
        graph: The recorded ``oracle.ir.Graph`` (with the engine's forward values).
        grad_outputs: The weight of each output, as arrays. Defaults to None: ones.
        v: For the second order, the direction: one array per input. Defaults to None.
        time_budget: CPU seconds before giving up. Defaults to 60.

    Returns:
        The ``Terms`` (``at_engine`` None: the widened forward values stand for the engine's
        rounding of them).

    Raises:
        TermsUnavailable: The certified path cannot run the graph (a kink or a pole within a
            hair of a value, an op without a meaning, the time budget spent).

    >>> import mpmath, symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([3.0], dtype=symgrad.float64, requires_grad=True)
    >>> rec = engine_for([x]).record(lambda x: x.sin().sum(), [x])
    >>> size = ball_terms(rec.graph).magnitudes[0][0]  # |cos 3| + |3 sin 3|, about
    >>> bool(abs(size / (abs(mpmath.cos(3)) + 3 * mpmath.sin(3)) - 1) < 0.1)
    True
    """
    outs = list(graph.outputs)
    weights = list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    try:
        with precision(_BITS):
            run = _WideRun(graph, cpu_seconds() + time_budget, None)
            run.forward()
            seeds: dict[int, np.ndarray] = {}
            for nid, w in zip(outs, weights, strict=True):
                shape = run.values[nid].shape
                ball = _widened(to_balls(np.ones(shape) if w is None else np.asarray(w)))
                seeds[nid] = seeds[nid] + ball if nid in seeds else ball
            targets = {i for i in graph.inputs if i is not None}
            if v is None:
                adj, _ = run.reverse(seeds, targets)
            else:
                run.tangents({i: _widened(to_balls(np.asarray(t)))
                              for i, t in zip(graph.inputs, v, strict=True)
                              if i is not None and t is not None})
                _, adj = run.reverse(seeds, targets, second=True)
            # An input the chain rule never reached (a linear map's second order) has no terms.
            magnitudes = [None if i is None else
                          _radii(adj[i]) if i in adj else np.zeros(graph.nodes[i].value.shape)
                          for i in graph.inputs]
    except (NotCertified, Undecided, ValueError, ZeroDivisionError, NameError) as e:
        raise TermsUnavailable(f"the balls could not be run: {e}") from e
    if not all(m is None or np.all(np.isfinite(m)) for m in magnitudes):
        raise TermsUnavailable("the balls came out unbounded")
    return Terms(magnitudes, [None] * len(magnitudes), max(_fan_in(graph), 1))


def sized_terms(graph: Graph, grad_outputs: Sequence[Any] | None = None,
                v: Sequence[Any] | None = None, *, time_budget: float = 60.0) -> Terms:
    """The terms term by term (``oracle.error_terms``), or from the balls where those are out
    of reach; at the second order through an op that is neither elementwise nor linear, the
    larger of the two per element, as only the balls carry the third derivatives there.

    Args:
        graph: The recorded ``oracle.ir.Graph`` (with the engine's forward values).
        grad_outputs: The weight of each output, as arrays. Defaults to None: ones.
        v: For the second order, the direction: one array per input. Defaults to None.
        time_budget: CPU seconds each way may take. Defaults to 60.

    Returns:
        The ``Terms``.

    Raises:
        TermsUnavailable: Neither way could size them; the message gives both reasons.

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([[1.5] * 100], dtype=symgrad.float64, requires_grad=True)
    >>> rec = engine_for([x]).record(lambda x: x.softmax(1), [x])  # 100 elements: by the balls
    >>> terms = sized_terms(rec.graph, [np.linspace(-1, 1, 100).reshape(1, 100)])
    >>> bool(terms.magnitudes[0].min() > 0)  # ties cancel to 0 here and there: not the terms
    True
    """
    try:
        terms = error_terms(graph, grad_outputs, v, time_budget=time_budget)
    except TermsUnavailable as e:
        try:
            return ball_terms(graph, grad_outputs, v, time_budget=time_budget)
        except TermsUnavailable as e2:
            raise TermsUnavailable(f"{e}; {e2}") from e2
    if v is None or not nonlinear_structural(graph):
        return terms
    try:
        balls = ball_terms(graph, grad_outputs, v, time_budget=time_budget)
    except TermsUnavailable:
        terms.conditioned = False
        return terms
    terms.magnitudes = [a if b is None else b if a is None else np.maximum(a, b)
                        for a, b in zip(terms.magnitudes, balls.magnitudes, strict=True)]
    return terms


def nonlinear_structural(graph: Graph) -> bool:
    """Whether an op of ``graph`` acts on whole tensors and is not linear (a norm, a loss,
    a softmax: not a sum, a mean or a matrix product).

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> [nonlinear_structural(engine_for([x]).record(f, [x]).graph)
    ...  for f in (lambda t: t.sum(), lambda t: t.softmax(0))]
    [False, True]
    """
    from oracle.linear import LINEAR
    from oracle.semantics import meaning_of

    for node in graph.nodes:
        if node.kind == "op" and node.op not in LINEAR:
            meaning = meaning_of(node.op, node.info)
            if meaning is None or meaning.kind != "elementwise":
                return True
    return False
