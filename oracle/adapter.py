"""Reads a graph recorded by symgrad into the oracle's IR (``oracle.ir``).

The adapter is the only place that knows symgrad: it reads ``node.op.name``, ``node.attrs`` and
``node.inputs`` (another node, a leaf's ``AccumulateGrad`` or a constant tensor), the declared
kink conventions, and the values of leaves and constants. It never looks at a VJP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from oracle.ir import Graph, IRNode

__all__ = ["Unsupported", "read_graph"]


class Unsupported(Exception):
    """The graph holds something the oracle cannot judge; the message says what.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> c = symgrad.tensor([3.0, 4.0])
    >>> y = (x * c).sum()
    >>> _ = c.add_(1.0)
    >>> read_graph([y], [x])
    Traceback (most recent call last):
    ...
    oracle.adapter.Unsupported: MulBackward0: a tensor it saved was modified in place ...
    """


def _dtype_name(t: Any) -> str:
    return t.dtype.name


def read_graph(outputs: Sequence[Any], inputs: Sequence[Any]) -> Graph:
    """The IR of everything ``outputs`` depend on; ``inputs`` are tensors to differentiate by.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> g = read_graph([(x * x).sum()], [x])
    >>> [n.op or n.kind for n in g.nodes]
    ['leaf', 'mul', 'sum_all']
    """
    from symgrad.autograd.graph import AccumulateGrad, Node

    nodes: list[IRNode] = []
    ids: dict[int, int] = {}
    keep: list[Any] = []

    def value_node(t: Any, kind: str) -> int:
        key = id(t)
        if key not in ids:
            data = np.array(t._data, copy=True)
            nodes.append(IRNode(len(nodes), kind, value=data, dtype=_dtype_name(t)))
            ids[key] = len(nodes) - 1
            keep.append(t)
        return ids[key]

    def visit(root: Any) -> int:
        if not isinstance(root, Node):
            return value_node(root, "const")
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in ids:
                continue
            if isinstance(node, AccumulateGrad):
                ids[id(node)] = value_node(node.variable, "leaf")
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((x, False) for x in node.inputs
                             if isinstance(x, Node) and id(x) not in ids)
                continue
            ins = tuple(visit(x) if not isinstance(x, Node) else ids[id(x)]
                        for x in node.inputs)
            nodes.append(_op_node(node, len(nodes), ins))
            ids[id(node)] = len(nodes) - 1
            keep.append(node)
        return ids[id(root)]

    out_ids = [visit(o.grad_fn if o.grad_fn is not None else o._accumulator() if o._rg else o)
               for o in outputs]
    in_ids: list[int | None] = []
    for t in inputs:
        acc = t._live_accumulator() if t.grad_fn is None else None
        key = id(t.grad_fn) if t.grad_fn is not None else id(acc) if acc is not None else id(t)
        in_ids.append(ids.get(key))
    return Graph(nodes, out_ids, in_ids)


def _op_node(node: Any, nid: int, ins: tuple[int, ...]) -> IRNode:
    op = node.op
    for t, version in node._saved or ():
        if t._version != version:
            raise Unsupported(
                f"{node.name()}: a tensor it saved was modified in place after recording "
                f"(version {version} -> {t._version}); its recorded value is gone")
    for x, meta in zip(node.inputs, node._in_meta, strict=True):
        t = getattr(x, "variable", x)  # a leaf behind its AccumulateGrad, or a constant
        if len(meta) > 2 and hasattr(t, "_version") and t._version != meta[2]:
            raise Unsupported(
                f"{node.name()}: a leaf or constant input was modified in place after recording "
                f"(version {meta[2]} -> {t._version}); its recorded value is gone")
    info: dict[str, Any] = {
        "grad_fn": node.name(),
        "kinks": [(k.arg, k.where, k.convention, k.at) for k in op.kinks],
    }
    if op.kind == "function":
        info["function"] = op.extra.get("function")
    in_dtypes = tuple(meta[1].name for meta in node._in_meta)  # NumPy's names are symgrad's
    return IRNode(nid, "op", op=op.name, attrs=dict(node.attrs), inputs=ins,
                  arg_names=tuple(op.args), in_dtypes=in_dtypes, info=info)
