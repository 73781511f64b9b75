"""What an engine's gradient may be off by, element by element: the size of its terms and the
forward's rounding carried through the exact derivative.

A gradient element computed in floating point is a sum of products (the chain rule's terms, one
per path from the output to the element). Each rounding along the way errs relative to the
term it rounds, so the element's error is bounded by a small multiple of ``eps`` times the sum
of the *absolute values* of its terms, ``S``: when the terms cancel, their rounding errors do
not. ``S`` is the exact derivative with every term taken in absolute value (``error_terms``
runs the oracle's chain rule that way, at first and second order), so it is the element's own:
no other element and no size of the function enters it, and where nothing cancels ``S`` is the
element's own magnitude.

The forward pass rounds every intermediate value too, and a backward can do no better than the
exact derivative at those rounded values: ``at_engine`` is that derivative (each op's exact
partials at the values the engine computed, where each is the exact value rounded), and its
distance from the exact derivative is added to the bound.

>>> import symgrad
>>> from oracle.engines import engine_for
>>> x = symgrad.tensor([1.0, 2.0], dtype=symgrad.float64, requires_grad=True)
>>> rec = engine_for([x]).record(lambda x: (x * x - x * x + x).sum(), [x])
>>> terms = error_terms(rec.graph)
>>> terms.magnitudes[0].tolist()  # 2x + 2x + 1, and 4x more as the products' inputs round
[9.0, 17.0]
>>> terms.fan_in
1
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from oracle.engines import Unsupported
from oracle.exact import _array, _Budget, _Evaluator, _exact, _GaveUp, _seeds
from oracle.ir import Graph

__all__ = ["MAX_STRUCTURAL_ELEMENTS", "Terms", "TermsUnavailable", "error_terms"]


# The most input elements a nonlinear structural op may have for its terms to be run one by one:
# its partials are a dense Jacobian in mpmath, its conditioning the second partials (n^2 and
# n^3 entries); a 600-element softmax spent the whole time budget there.
MAX_STRUCTURAL_ELEMENTS = 64


class TermsUnavailable(Exception):
    """The oracle could not run the chain rule term by term (an op without a meaning, a time
    or size budget spent): the bound cannot be sized from the terms."""


@dataclass
class Terms:
    """Per differentiated input, what its gradient's rounding is measured against.

    Attributes:
        magnitudes: Per input, the sum of the absolute values of the chain rule's terms of each
            element (float64), or None for an input that does not reach the outputs.
        at_engine: Per input, the exact derivative at the engine's rounded forward values
            (float64), or None.
        fan_in: The most terms any one op sums into one element (a reduction's length, a
            matrix product's inner size): summing ``n`` terms rounds ``log2(n)`` times on the
            longest path of a pairwise or blocked sum.
        conditioned: Whether the magnitudes carry every op's conditioning in its own inputs
            (at the second order through an op neither elementwise nor linear, that takes
            third derivatives: ``oracle.ball_terms``).
    """

    magnitudes: list[np.ndarray | None]
    at_engine: list[np.ndarray | None]
    fan_in: int
    conditioned: bool = True


    def tolerance(self, k: int, exact: np.ndarray, dtype: str, depth: int,
                  floor: np.ndarray | None = None) -> Any:
        """Input k's bound sized by these terms (``oracle.tolerances.engine_tolerance``): the
        sum of its terms' absolute values (at least ``floor``), ``log2(fan_in)`` more roundings
        on the path, and the forward's rounding carried through the exact derivative.

        Args:
            k: The input's position.
            exact: Its exact gradient, in float64.
            dtype: The dtype the engine computed it in.
            depth: The graph's longest path in ops (times the order).
            floor: A lower bound for the terms' size. Defaults to None.

        Returns:
            The ``EngineTolerance``.
        """
        from oracle.tolerances import engine_tolerance

        size = np.abs(exact)
        mag = self.magnitudes[k]
        mag = size if mag is None else np.where(np.isfinite(mag), mag, size)
        if floor is not None:
            mag = np.maximum(mag, floor)
        at = self.at_engine[k]
        with np.errstate(invalid="ignore"):  # inf - inf where both are infinite: no slack
            slack = None if at is None else np.nan_to_num(np.abs(at - exact), nan=0.0,
                                                          posinf=0.0)
        return engine_tolerance(exact, dtype, depth=depth + math.ceil(math.log2(self.fan_in)),
                                terms=mag, slack=slack)


def _floats(values: list[Any] | None, shape: tuple[int, ...]) -> np.ndarray | None:
    if values is None:
        return None
    return np.array([float(v) for v in values], dtype=np.float64).reshape(shape)


def _fan_in(ev: _Evaluator, forward: bool) -> int:
    """The most terms one op's reverse pass sums into one input element (and, with
    ``forward``, its tangent pass into one output element)."""
    most = 1
    for local in ev.locals.values():
        for _, ks, is_, _ in local.groups:
            for summed in (is_, ks) if forward else (is_,):
                if summed:
                    most = max(most, max(Counter(summed).values()))
    return most


def _small_enough(graph: Graph) -> None:
    """Raise ``TermsUnavailable`` for a structural op larger than ``MAX_STRUCTURAL_ELEMENTS``
    (its partials one by one would take SymPy minutes: ``oracle.ball_terms`` sizes it)."""
    from oracle.semantics import meaning_of

    for node in graph.nodes:
        if node.kind != "op":
            continue
        meaning = meaning_of(node.op, node.info)
        if meaning is None or meaning.kind != "structural":
            continue
        size = sum(int(np.prod(graph.nodes[i].value.shape, dtype=np.int64))
                   for i in node.inputs if graph.nodes[i].value is not None)
        if size > MAX_STRUCTURAL_ELEMENTS:
            raise TermsUnavailable(f"{node.op} of {size} elements: too large to run its terms "
                                   f"one by one (more than {MAX_STRUCTURAL_ELEMENTS})")


def error_terms(graph: Graph, grad_outputs: Any = None, v: Sequence[Any] | None = None, *,
                digits: int = 50, time_budget: float = 60.0,
                size_budget: int = 200_000) -> Terms:
    """Run the exact chain rule at the engine's forward values, once as it is and once with
    every term in absolute value, for the gradient (``v`` None) or the Hessian-vector product
    along ``v``.

    Args:
        graph: The recorded ``oracle.ir.Graph`` (with the engine's forward values).
        grad_outputs: The weight of each output, as arrays. Defaults to None: ones.
        v: For the second order, the direction: one array per input. Defaults to None.
        digits: Decimal digits of the arithmetic, as the general path's (a saturated
            softmax's ``y(1 - y)`` at 20 digits keeps 3 of them). Defaults to 50.
        time_budget: CPU seconds before giving up, as the oracle's. Defaults to 60.
        size_budget: Expression terms before giving up. Defaults to 200,000.

    Returns:
        The ``Terms``.

    Raises:
        TermsUnavailable: The oracle could not run the graph's chain rule.

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([3.0], dtype=symgrad.float64, requires_grad=True)
    >>> rec = engine_for([x]).record(lambda x: x.sin().sum(), [x])
    >>> terms = error_terms(rec.graph).magnitudes[0][0]  # |cos 3| + |3 sin 3|, its conditioning
    >>> bool(abs(terms - abs(float(mpmath.cos(3))) - 3 * float(mpmath.sin(3))) < 1e-12)
    True
    """
    _small_enough(graph)
    budget = _Budget(time_budget, size_budget)
    shapes = graph.input_shapes
    try:
        with mpmath.workdps(digits):
            ev = _Evaluator(graph, budget, "sympy", engine_values=True)
            ev.forward()
            need = ev.needs({i for i in graph.inputs if i is not None})
            seeds = _seeds(graph, grad_outputs)
            abs_seeds = {k: [abs(x) for x in s] for k, s in seeds.items()}
            if v is None:
                at, _ = ev.reverse(seeds, need)
                mag, _ = ev.reverse(abs_seeds, need, absolute=True)
                ev.conditioning()
                _, cond = ev.reverse(abs_seeds, need, tangent_seeds={}, absolute=True)
                mag = {n: [a + b for a, b in zip(m, cond[n], strict=True)] if n in cond else m
                       for n, m in mag.items()}
            else:
                vs = [_exact(_array(x)) for x in v]
                tseeds = {nid: vs[p] for p, nid in enumerate(graph.inputs) if nid is not None}
                ev.tangents(tseeds)
                _, at = ev.reverse(seeds, need, tangent_seeds={})
                ev.tangents({n: [abs(x) for x in t] for n, t in tseeds.items()}, absolute=True)
                _, mag = ev.reverse(abs_seeds, need, tangent_seeds={}, absolute=True)
            zeros = [[mpmath.mpf(0)] * int(np.prod(s, dtype=np.int64)) for s in shapes]
            pick = [(nid, zeros[p]) for p, nid in enumerate(graph.inputs)]
            return Terms(
                [None if nid is None else _floats(mag.get(nid, z), shapes[p])
                 for p, (nid, z) in enumerate(pick)],
                [None if nid is None else _floats(at.get(nid, z), shapes[p])
                 for p, (nid, z) in enumerate(pick)],
                _fan_in(ev, v is not None))
    except (Unsupported, _GaveUp) as e:
        raise TermsUnavailable(str(e)) from e
    except RecursionError as e:
        raise TermsUnavailable("expression too deep for SymPy") from e
