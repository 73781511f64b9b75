"""Which node of the engine's backward is wrong: each node judged alone, on its own inputs.

An engine adapter records, per op node, the cotangent the engine passed into it and what it
gave out (``IRNode.cotangent``, ``IRNode.grads``; the values the gradients go to are the
node's inputs, or ``info["grad_wrt"]`` for a node standing for several ops, such as a custom
``autograd.Function``). Each such node's exact vector-Jacobian product is taken with the
engine's own cotangent, so an error upstream does not spread: the node whose gradients are
furthest, in ULPs, from its exact ones is the one to blame.

>>> import symgrad
>>> from oracle.engines import engine_for
>>> x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
>>> rec = engine_for([x]).record(lambda x: x.exp().sum(), [x])
>>> [(b.name, b.ulps) for b in blame(rec.graph)]
[('ExpBackward0', 0.0), ('SumBackward0', 0.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oracle.ir import Graph, IRNode
from oracle.tolerances import ulp_error

__all__ = ["Blame", "blame", "worst_node"]


@dataclass
class Blame:
    """One node judged alone: the engine's name for it, its IR id, its worst gradient
    element's ULP error (``index`` into input ``input``), the engine's and the exact value."""

    name: str
    node: int
    ulps: float
    input: int = 0
    index: tuple[int, ...] = ()
    engine: float = 0.0
    exact: float = 0.0


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
                                info=n.info, kinks=n.kinks, reads_out=n.reads_out))
        else:
            nodes.append(IRNode(len(nodes), "const", value=n.value, dtype=n.dtype))
    return Graph(nodes, [new[node.id]], [new.get(w) if w is not None else None for w in wrt],
                 [() if w is None else graph.nodes[w].value.shape for w in wrt])


def blame(graph: Graph, time_budget: float = 10.0) -> list[Blame]:
    """Every node of ``graph`` whose backward ran, judged alone (in evaluation order); a node
    the oracle cannot judge is left out.

    Args:
        graph: A recorded graph with the engine's per-node cotangents and gradients.
        time_budget: Seconds the oracle may spend on each node. Defaults to 10.

    Returns:
        One ``Blame`` per node judged.
    """
    from oracle.exact import exact_grad

    found = []
    for node in graph.nodes:
        if node.kind != "op" or node.cotangent is None or not node.grads:
            continue
        wrt = node.info.get("grad_wrt", node.inputs)
        pairs = [(k, w, g) for k, (w, g) in enumerate(zip(wrt, node.grads, strict=False))
                 if w is not None and g is not None and graph.nodes[w].kind != "const"]
        if not pairs:
            continue
        try:
            result = exact_grad(_segment(graph, node, tuple(w for _, w, _ in pairs)), None,
                                [node.cotangent], time_budget=time_budget)
        except Exception:  # noqa: BLE001, S112 - a node the oracle cannot judge is not blamed
            continue
        if result.status not in ("ok",) or result.float64 is None:
            continue
        worst = Blame(node.info.get("grad_fn", node.op), node.id, 0.0)
        for (k, _, g), x in zip(pairs, result.float64, strict=True):
            if x is None:
                continue
            err = ulp_error(np.asarray(g, np.float64), np.asarray(x, np.float64), str(g.dtype))
            err = np.where(np.isnan(err), 0.0, err)
            j = int(np.argmax(err)) if err.size else 0
            if err.size and float(err.flat[j]) > worst.ulps:
                idx = tuple(int(i) for i in np.unravel_index(j, err.shape)) if err.shape else ()
                worst = Blame(worst.name, node.id, float(err.flat[j]), k, idx,
                              float(np.asarray(g, np.float64).flat[j]), float(x.flat[j]))
        found.append(worst)
    return found


def worst_node(graph: Graph, threshold: float = 64.0) -> Blame | None:
    """The node whose own gradients are furthest from exact, if past ``threshold`` ULPs.

    Args:
        graph: A recorded graph with the engine's per-node cotangents and gradients.
        threshold: The ULP error below which no node is blamed. Defaults to 64.

    Returns:
        The worst node's ``Blame``, or None.

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([0.5], dtype=symgrad.float64, requires_grad=True)
    >>> worst_node(engine_for([x]).record(lambda x: x.tanh().sum(), [x]).graph) is None
    True
    """
    judged = [b for b in blame(graph) if b.ulps > threshold]
    return max(judged, key=lambda b: b.ulps) if judged else None
