"""The least a Python reverse-mode engine over NumPy can do: the floor for the tiny graphs and
the MLP step.

One object per tensor, one closure per op, a topological sort and a walk back: no dtype
promotion, no version counters, no saved-tensor checks, no hooks, no ``requires_grad`` rules,
no graph a reader (the oracle) could inspect. ``tiny_graph.py`` times it beside symgrad and
PyTorch to show how much of a per-node figure any engine written in Python pays, whatever its
design: it is a yardstick, not a library. ``mlp_step.py`` times its MLP step (``matmul``, ``relu``
and ``node``, which the step's loss is made with) beside symgrad's for the same reason.

>>> x = tensor([0.5, -1.0], requires_grad=True)
>>> ((x * x).sum() * 3.0).backward()
>>> x.grad.tolist()
[3.0, -6.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Tensor:
    """An array, its gradient, and the closure that sends a gradient to its inputs."""

    __slots__ = ("data", "grad", "inputs", "backward_fn")

    def __init__(self, data: np.ndarray, inputs: tuple[Tensor, ...] = (),
                 backward_fn: Callable[[np.ndarray], tuple[Any, ...]] | None = None) -> None:
        self.data = data
        self.grad: np.ndarray | None = None
        self.inputs = inputs
        self.backward_fn = backward_fn

    def __mul__(self, other: Tensor | float) -> Tensor:
        o = other if isinstance(other, Tensor) else Tensor(np.asarray(other, self.data.dtype))
        a, b = self.data, o.data
        return Tensor(a * b, (self, o), lambda g: (g * b, g * a))

    __rmul__ = __mul__

    def __add__(self, other: Tensor | float) -> Tensor:
        o = other if isinstance(other, Tensor) else Tensor(np.asarray(other, self.data.dtype))
        return Tensor(self.data + o.data, (self, o), lambda g: (g, g))

    __radd__ = __add__

    def tanh(self) -> Tensor:
        out = np.tanh(self.data)
        return Tensor(out, (self,), lambda g: (g * (1 - out * out),))

    def __matmul__(self, other: Tensor) -> Tensor:
        a, b = self.data, other.data
        wants = type(self) is not Constant  # an MLP's input takes no gradient
        return Tensor(a @ b, (self, other), lambda g: (g @ b.T if wants else None, a.T @ g))

    def relu(self) -> Tensor:
        out = np.maximum(self.data, 0)
        return Tensor(out, (self,), lambda g: (g * (out > 0),))

    def sum(self) -> Tensor:
        shape = self.data.shape
        return Tensor(self.data.sum(), (self,), lambda g: (np.broadcast_to(g, shape),))

    def backward(self) -> None:
        order: list[Tensor] = []
        seen = {id(self)}
        stack = [(self, iter(self.inputs))]
        while stack:
            node, it = stack[-1]
            for x in it:
                if id(x) not in seen:
                    seen.add(id(x))
                    stack.append((x, iter(x.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
        grads = {id(self): np.ones_like(self.data)}
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node.backward_fn is None:
                node.grad = g if node.grad is None else node.grad + g
                continue
            for x, gx in zip(node.inputs, node.backward_fn(g), strict=True):
                if gx is None:
                    continue
                if gx.shape != x.data.shape:  # undo broadcasting
                    gx = gx.sum(axis=tuple(range(gx.ndim - x.data.ndim))).reshape(x.data.shape)
                k = id(x)
                grads[k] = gx if k not in grads else grads[k] + gx


class Constant(Tensor):
    """A leaf whose gradient no product forms (``matmul``): an MLP's input."""

    __slots__ = ()


def tensor(data: Any, requires_grad: bool = False) -> Tensor:
    """A float32 leaf (``requires_grad`` is accepted for the benchmark's shared code); without
    ``requires_grad``, a NumPy array is taken as it is, as a ``Constant``."""
    if not requires_grad and isinstance(data, np.ndarray):
        return Constant(data)
    return Tensor(np.array(data, dtype=np.float32))


def node(data: np.ndarray, inputs: tuple[Tensor, ...],
         backward_fn: Callable[[np.ndarray], tuple[Any, ...]]) -> Tensor:
    """A tensor made by an op written outside this module (``mlp_step.py``'s loss).

    >>> x = tensor([1.0, 2.0], requires_grad=True)
    >>> node(x.data * 3, (x,), lambda g: (g * 3,)).sum().backward()
    >>> x.grad.tolist()
    [3.0, 3.0]
    """
    return Tensor(data, inputs, backward_fn)
