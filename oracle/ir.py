"""The oracle's own small graph IR: what it knows of a recorded computation.

A graph is a list of nodes in evaluation order (every node after its inputs). A node is a leaf
(a value the caller may ask the gradient for), a constant, or an op application: op name,
attributes, input node ids, and the names of the op's inputs. Values are NumPy arrays holding the
binary numbers the engine used; the oracle reads them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["IRNode", "Graph"]


@dataclass
class IRNode:
    """One value of the graph.

    ``kind`` is ``"leaf"``, ``"const"`` or ``"op"``. Leaves and constants carry ``value``; ops
    carry ``op`` (the engine's op name), ``attrs``, ``inputs`` (node ids), ``arg_names`` (the
    op's input names, e.g. ``("self", "other")``), ``in_dtypes`` (dtype names of the inputs as
    recorded) and ``info``: what the adapter passes on from the engine's declaration (kink
    conventions, a custom Function's class), never its backward formulas. ``dtype`` is that of
    a leaf's or constant's ``value``.

    >>> import symgrad
    >>> from oracle.adapter import read_graph
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> c = symgrad.tensor([3.0, 4.0], dtype=symgrad.float64)
    >>> leaf, const, mul, total = read_graph([(x * c).sum()], [x]).nodes
    >>> leaf.kind, leaf.value.tolist(), leaf.dtype, const.kind, const.dtype
    ('leaf', [1.0, 2.0], 'float32', 'const', 'float64')
    >>> mul.op, mul.inputs, mul.arg_names, mul.in_dtypes, mul.info["grad_fn"]
    ('mul', (0, 1), ('self', 'other'), ('float32', 'float64'), 'MulBackward0')
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


@dataclass
class Graph:
    """Nodes in evaluation order, the ids of the outputs and of the inputs asked about.

    ``inputs[i]`` is ``None`` when the i-th input does not take part in the graph.

    >>> import symgrad
    >>> from oracle.adapter import read_graph
    >>> x = symgrad.tensor(2.0, requires_grad=True)
    >>> unused = symgrad.tensor(1.0, requires_grad=True)
    >>> g = read_graph([x.exp(), x.sin()], [x, unused])
    >>> len(g), [g.nodes[i].op for i in g.outputs], g.inputs
    (3, ['exp', 'sin'], [0, None])
    """

    nodes: list[IRNode]
    outputs: list[int]
    inputs: list[int | None]

    def __len__(self) -> int:
        return len(self.nodes)
