"""Which node of the engine's backward is wrong: each node judged alone, on its own inputs.

An engine adapter records, per op node, the cotangent the engine passed into it and what it
gave out (``IRNode.cotangent``, ``IRNode.grads``; the values the gradients go to are the
node's inputs, or ``info["grad_wrt"]`` for a node standing for several ops, such as a custom
``autograd.Function``). Each such node's exact vector-Jacobian product is taken at the node's
own inputs (the values the engine computed) with the engine's own cotangent, rounded to the
gradient's dtype, so an error upstream does not spread and an error a later node hides still
shows. Each node is judged within a bound that depends only on its op's kind and dtype
(``oracle.tolerances.engine_tolerance`` for the node alone: an elementwise op's element has one
term and gets a few ULP; a sum or a matrix product the classical bound from the number and the
absolute size of its terms, ``oracle.ball_terms``). The first wrong node, in the order the
backward runs, is the one to blame.

>>> import symgrad
>>> from oracle.engines import engine_for
>>> x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
>>> rec = engine_for([x]).record(lambda x: x.exp().sum(), [x])
>>> [(b.name, b.ulps, b.wrong) for b in blame(rec.graph)]
[('SumBackward0', 0.0, False), ('ExpBackward0', 0.0, False)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oracle.ir import Graph, IRNode
from oracle.tolerances import engine_tolerance, ulp_error

__all__ = ["Blame", "blame", "first_wrong"]


@dataclass
class Blame:
    """One node judged alone: the engine's name for it, its op and IR id, its worst gradient
    element (``index`` into input ``input``) with the engine's and the exact value, that
    element's error and bound in ULPs, and whether the node is wrong (past its bound).

    Attributes:
        name: The engine's name for the node (``SigmoidBackward0``), or its op.
        node: The node's id in the IR.
        ulps: The worst element's error, in ULPs of its dtype from the exact value rounded.
        input: Which of the node's gradients holds that element.
        index: The element's index.
        engine: What the engine's backward gave there.
        exact: The exact value there (float64).
        bound_ulps: The element's bound, in ULPs.
        wrong: Whether some element is past its bound.
        op: The op the node records.
        bound: How the bound was sized (see ``oracle.tolerances.engine_tolerance``).
    """

    name: str
    node: int
    ulps: float
    input: int = 0
    index: tuple[int, ...] = ()
    engine: float = 0.0
    exact: float = 0.0
    bound_ulps: float = 0.0
    wrong: bool = False
    op: str = ""
    bound: str = field(default="")

    def record(self) -> dict[str, Any]:
        """The node as a verdict's ``culprit`` record (``reports.records.CULPRIT_FIELDS``).

        >>> Blame("MulBackward0", 3, 9.0, op="mul").record()["grad_fn"]
        'MulBackward0'
        """
        return {"op": self.op, "grad_fn": self.name, "node": self.node,
                "input": str(self.input), "index": list(self.index),
                "message": (f"node {self.name} alone: gives {self.engine!r} where its exact "
                            f"gradient is {self.exact!r} ({self.ulps:.3g} ulp, bound "
                            f"{self.bound_ulps:.3g})")}


def _segment(graph: Graph, node: IRNode, wrt: tuple[int | None, ...]) -> Graph:
    """The ops between the values ``wrt`` (made leaves) and ``node``, renumbered."""
    stop = {w for w in wrt if w is not None}
    need = {node.id}
    for n in reversed(graph.nodes[:node.id + 1]):
        if n.id in need and n.id not in stop:
            need.update(n.inputs)
    new: dict[int, int] = {}
    nodes: list[IRNode] = []
    for n in graph.nodes[:node.id + 1]:
        if n.id not in need:
            continue
        new[n.id] = len(nodes)
        if n.id in stop:
            nodes.append(IRNode(len(nodes), "leaf", value=n.value, dtype=n.dtype))
        elif n.kind == "op":
            nodes.append(IRNode(len(nodes), "op", op=n.op, attrs=n.attrs,
                                inputs=tuple(new[i] for i in n.inputs), arg_names=n.arg_names,
                                in_dtypes=n.in_dtypes, value=n.value, dtype=n.dtype,
                                info=n.info, kinks=n.kinks, reads_out=n.reads_out,
                                # the engine's own, where a convention reads its choice
                                cotangent=n.cotangent, grads=n.grads))
        else:
            nodes.append(IRNode(len(nodes), "const", value=n.value, dtype=n.dtype))
    return Graph(nodes, [new[node.id]], [new.get(w) if w is not None else None for w in wrt],
                 [() if w is None else graph.nodes[w].value.shape for w in wrt])


def _ulps(engine: np.ndarray, rounded: np.ndarray, exact: np.ndarray, dtype: str
          ) -> np.ndarray:
    """The engine's error in ULPs from the exact value rounded: 0 where they are equal, an
    infinity where one is finite and the other is not, NaN only where both are NaN."""
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(np.isfinite(rounded), ulp_error(engine, rounded, dtype),
                       ulp_error(engine, exact, dtype))
    err = np.where(np.isfinite(engine) != np.isfinite(rounded), math.inf, err)
    return np.where(engine == rounded, 0.0, err)


def _judge(graph: Graph, node: IRNode, time_budget: float) -> Blame | None:
    """``node`` judged alone, or None when the oracle cannot judge it."""
    from oracle.ball_terms import sized_terms
    from oracle.error_terms import TermsUnavailable
    from oracle.exact import exact_grad

    wrt = node.info.get("grad_wrt", node.inputs)
    pairs: list[tuple[int, int, np.ndarray]] = []
    for k, (w, g) in enumerate(zip(wrt, node.grads, strict=False)):
        if w is None or g is None or graph.nodes[w].kind == "const":
            continue
        same = next((p for p, (_, w2, _) in enumerate(pairs) if w2 == w), None)
        if same is None:
            pairs.append((k, w, g))
        else:
            # One value in two slots (``x * x``): the exact gradient is the slots' sum.
            k0, _, g0 = pairs[same]
            pairs[same] = (k0, w, np.asarray(g0 + g, dtype=g0.dtype))
    if not pairs:
        return None
    segment = _segment(graph, node, tuple(w for _, w, _ in pairs))
    try:
        result = exact_grad(segment, None, [node.cotangent], time_budget=time_budget)
    except Exception:  # noqa: BLE001 - a node the oracle cannot judge is not blamed
        return None
    if result.status not in ("ok", "kink") or result.float64 is None:
        return None
    depth = segment.depth()
    terms: Any = None
    worst = Blame(node.info.get("grad_fn", node.op), node.id, 0.0, op=node.op)
    most = -1.0
    for p, ((k, _, g), x) in enumerate(zip(pairs, result.float64, strict=True)):
        if x is None:
            continue
        dtype = str(g.dtype)
        engine = np.asarray(g, np.float64).reshape(x.shape)
        exact = np.asarray(x, np.float64)
        rounded = result.rounded(p, dtype)[0]
        err = _ulps(engine, rounded, exact, dtype)
        tol = engine_tolerance(exact, dtype, depth=depth)
        over = np.nan_to_num(err, nan=0.0) > tol.ulps
        if over.any() and terms is None:
            try:
                terms = sized_terms(segment, [node.cotangent], time_budget=time_budget)
            except TermsUnavailable as e:
                terms = str(e)
        if over.any() and isinstance(terms, str):
            # Past its own value, and its terms out of reach: not judged (never blamed).
            return None
        if over.any() and not isinstance(terms, str):
            tol = terms.tolerance(p, exact, dtype, depth)
        excess = np.nan_to_num(err, nan=0.0) / np.maximum(tol.ulps, 1e-300)
        j = int(np.argmax(excess)) if excess.size else 0
        if excess.size and float(excess.flat[j]) > most:
            most = float(excess.flat[j])
            idx = tuple(int(i) for i in np.unravel_index(j, err.shape)) if err.shape else ()
            worst = Blame(worst.name, node.id, float(err.flat[j]), k, idx,
                          float(engine.flat[j]), float(exact.flat[j]),
                          float(tol.ulps.flat[j]), most > 1, node.op, tol.params["S"])
    return worst


def blame(graph: Graph, time_budget: float = 60.0) -> list[Blame]:
    """Every node of ``graph`` whose backward ran, judged alone, in the order the backward
    ran them (the output's first); a node the oracle cannot judge is left out, and so is one
    output of a backward shared by several (``info["shared_backward"]``: split, unbind).

    Args:
        graph: A recorded graph with the engine's per-node cotangents and gradients.
        time_budget: CPU seconds the oracle may spend on each node. Defaults to 60.

    Returns:
        One ``Blame`` per node judged.
    """
    found = []
    for node in reversed(graph.nodes):
        if node.kind != "op" or node.cotangent is None or not node.grads or (
                node.info.get("shared_backward")):
            continue
        judged = _judge(graph, node, time_budget)
        if judged is not None:
            found.append(judged)
    return found


def first_wrong(graph: Graph, time_budget: float = 60.0) -> Blame | None:
    """The first node, in the order the backward ran, whose own gradient is past its bound.

    Args:
        graph: A recorded graph with the engine's per-node cotangents and gradients.
        time_budget: CPU seconds the oracle may spend on each node. Defaults to 60.

    Returns:
        That node's ``Blame``, or None when every node judged is right.

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([0.5], dtype=symgrad.float64, requires_grad=True)
    >>> first_wrong(engine_for([x]).record(lambda x: x.tanh().sum(), [x]).graph) is None
    True
    """
    return next((b for b in blame(graph, time_budget) if b.wrong), None)
