"""The oracle's own graph IR: plain data, all the judges know of a recorded computation.

An engine adapter (``oracle.engines``) writes it; nothing in it refers to an engine. A graph is
a list of nodes in evaluation order (every node after its inputs). A node is a leaf (a value the
caller may ask the gradient for), a constant, or an op application: the op's name in the
judge's vocabulary (``oracle.semantics``), attributes, input node ids, the names and dtypes of
the op's inputs. Every node carries the value the engine computed (a NumPy array of the node's
dtype: the engine's exact binary numbers); an op node that the engine's backward ran also
carries the cotangent the engine passed into it and the gradient it gave each input. The
engine's conventions at kinks are data: ``(arg, where, convention)`` triples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["IRNode", "Graph"]


@dataclass
class IRNode:
    """One value of the graph.

    ``kind`` is ``"leaf"``, ``"const"`` or ``"op"``; ``value`` is the engine's value of the
    node (for an op, the result it computed) and ``dtype`` its dtype's name. Ops carry ``op``
    (the judge's name for it), ``attrs``, ``inputs`` (node ids), ``arg_names`` (the op's input
    names, e.g. ``("self", "other")``), ``in_dtypes`` (dtype names of the inputs as recorded),
    ``kinks`` (the engine's declared conventions: ``(arg, where, convention)``, ``where`` one
    of the labels of the op's kinks in ``oracle.semantics``), ``reads_out`` (whether the
    engine's backward of the op reads the op's own result), and ``info``: ``grad_fn`` (the
    engine's name for the node) and, for a user's custom function, ``function`` (its class,
    whose ``sympy`` method gives its meaning). After the engine's backward, ``cotangent`` is the
    gradient the engine passed into the node and ``grads`` what it gave each input (None for a
    constant, or where the node did not run).

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> c = symgrad.tensor([3.0, 4.0], dtype=symgrad.float64)
    >>> rec = engine_for([x]).record(lambda x: (x * c).sum(), [x])
    >>> leaf, const, mul, total = rec.graph.nodes
    >>> leaf.kind, leaf.value.tolist(), leaf.dtype, const.kind, const.dtype
    ('leaf', [1.0, 2.0], 'float32', 'const', 'float64')
    >>> mul.op, mul.inputs, mul.arg_names, mul.in_dtypes, mul.info["grad_fn"]
    ('mul', (0, 1), ('self', 'other'), ('float32', 'float64'), 'MulBackward0')
    >>> mul.value.tolist(), mul.cotangent.tolist(), [g.tolist() for g in mul.grads if g is not None]
    ([3.0, 8.0], [1.0, 1.0], [[3.0, 4.0]])
    """

    id: int
    kind: str
    op: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[int, ...] = ()
    arg_names: tuple[str, ...] = ()
    in_dtypes: tuple[str, ...] = ()
    value: np.ndarray | None = None
    dtype: str = "float64"
    info: dict[str, Any] = field(default_factory=dict)
    kinks: tuple[tuple[str, str, str], ...] = ()
    reads_out: bool = True
    cotangent: np.ndarray | None = None
    grads: tuple[np.ndarray | None, ...] = ()


@dataclass
class Graph:
    """Nodes in evaluation order, the ids of the outputs and of the inputs asked about.

    ``inputs[i]`` is ``None`` when the i-th input does not take part in the graph;
    ``input_shapes[i]`` is its shape all the same.

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor(2.0, requires_grad=True)
    >>> unused = symgrad.tensor(1.0, requires_grad=True)
    >>> g = engine_for([x]).read([x.exp(), x.sin()], [x, unused])
    >>> len(g), [g.nodes[i].op for i in g.outputs], g.inputs, g.input_shapes
    (3, ['exp', 'sin'], [0, None], [(), ()])
    """

    nodes: list[IRNode]
    outputs: list[int]
    inputs: list[int | None]
    input_shapes: list[tuple[int, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.nodes)

    def depths(self) -> list[int]:
        """Per node, the ops on the longest path to it from a leaf or constant (one pass in
        evaluation order: no recursion, whatever the depth).

        >>> g = Graph([IRNode(0, "leaf"), IRNode(1, "op", inputs=(0,)),
        ...            IRNode(2, "op", inputs=(0, 1))], [2], [0])
        >>> g.depths()
        [0, 1, 2]
        """
        depth = [0] * len(self.nodes)
        for node in self.nodes:
            if node.kind == "op":
                depth[node.id] = 1 + max((depth[i] for i in node.inputs), default=0)
        return depth

    def depth(self) -> int:
        """Ops on the longest path from an input to an output.

        >>> Graph([IRNode(0, "leaf"), IRNode(1, "op", inputs=(0,))], [1], [0]).depth()
        1
        """
        depths = self.depths()
        return max((depths[o] for o in self.outputs), default=0)

    def reads_results(self) -> bool:
        """Whether the engine's backward of some op reads the op's own result: only then does
        the second order depend on a rounded result's size (see ``oracle.tolerances``).

        >>> g = Graph([IRNode(0, "leaf"), IRNode(1, "op", inputs=(0,), reads_out=False)], [1],
        ...           [0])
        >>> g.reads_results()
        False
        """
        return any(n.reads_out for n in self.nodes if n.kind == "op")

    def drawing(self, names: dict[int, str] | None = None, limit: int = 400) -> dict[str, Any]:
        """Nodes and edges for drawing, as the reports read them; ``names`` labels input
        positions (``Graph.inputs``' order). Past ``limit`` nodes only the last ``limit`` (the
        nodes nearest the outputs) are drawn, fed by one node standing for the rest: no one
        reads a drawing of 100,000 nodes, and laying one out would take hours.

        >>> g = Graph([IRNode(0, "leaf", value=np.zeros(1), dtype="float32"),
        ...            IRNode(1, "op", op="exp", inputs=(0,), info={"grad_fn": "ExpBackward0"})],
        ...           [1], [0])
        >>> d = g.drawing({0: "x"})
        >>> [n["label"] for n in d["nodes"]], d["edges"]
        (['x', 'ExpBackward0'], [[0, 1]])
        >>> [n["label"] for n in g.drawing({0: "x"}, limit=1)["nodes"]]
        ['1 earlier node', 'ExpBackward0']
        """
        label_of = {nid: names[pos] for pos, nid in enumerate(self.inputs)
                    if nid is not None and names and pos in names}
        first = max(0, len(self.nodes) - limit)
        nodes: list[dict[str, Any]] = []
        if first:
            nodes.append({"kind": "constant", "id": len(self.nodes),
                          "label": f"{first:,} earlier node{'s' if first > 1 else ''}"})
        edges: list[list[int]] = []
        for node in self.nodes[first:]:
            if node.kind == "op":
                entry: dict[str, Any] = {
                    "kind": "op", "op": node.op, "label": node.info.get("grad_fn", node.op),
                    "attrs": {k: repr(v) for k, v in node.attrs.items()}}
                edges.extend([i if i >= first else len(self.nodes), node.id]
                             for i in node.inputs)
            else:
                shape = [] if node.value is None else list(node.value.shape)
                label = label_of.get(node.id, node.kind) if node.kind == "leaf" else "const"
                entry = {"kind": node.kind, "label": label, "shape": shape, "dtype": node.dtype}
            entry["id"] = node.id
            nodes.append(entry)
        return {"nodes": nodes, "edges": edges}
