"""Reverse-mode automatic differentiation: ``backward`` and ``grad``, as in ``torch.autograd``.

>>> import symgrad
>>> x = symgrad.tensor(2.0, requires_grad=True)
>>> (dy,) = symgrad.autograd.grad(x ** 3, x, create_graph=True)
>>> (d2y,) = symgrad.autograd.grad(dy, x)
>>> dy.item(), d2y.item()
(12.0, 12.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from symgrad.autograd import forward_ad
from symgrad.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly
from symgrad.autograd.function import Function, FunctionCtx
from symgrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from symgrad.autograd.graph import (
    AccumulateGrad,
    Node,
    _accumulate,
    _made,
    _to_edge_dtype,
    own_node,
    run_backward,
)
from symgrad.autograd.variable import Variable

if TYPE_CHECKING:
    from symgrad.tensor import Tensor

__all__ = [
    "backward",
    "grad",
    "Node",
    "AccumulateGrad",
    "Function",
    "FunctionCtx",
    "functional",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "gradcheck",
    "gradgradcheck",
    "detect_anomaly",
    "set_detect_anomaly",
    "Variable",
    "forward_ad",
]


# ``Tensor`` is reached through ``graph._made`` (symgrad.tensor imports this package, and an
# import inside these per-call functions costs more than the rest of them).
def _as_tuple(x: Tensor | Sequence[Tensor] | None) -> tuple:
    if x is None:
        return ()
    return (x,) if isinstance(x, _made["Tensor"]) else tuple(x)


def _roots(
    outputs: tuple[Tensor, ...], grad_outputs: tuple[Tensor | None, ...]
) -> list[tuple[Node, Tensor]]:
    Tensor = _made["Tensor"]  # noqa: N806 - the class, by its name
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise RuntimeError(
            "grad can be implicitly created only for scalar outputs"
            if not grad_outputs
            else f"Mismatch in number of grad_outputs: got {len(grad_outputs)} grad_outputs "
            f"but {len(outputs)} outputs"
        )
    roots = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs else None
        if not out._rg or _no_edge(out):
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.is_floating_point():
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{out.dtype}"
                )
            g = _seed(out)
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradient must be a Tensor, not {type(g).__name__}")
        elif g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape!r} and output[{i}] "
                f"has a shape of {out.shape!r}.".replace("symgrad.Size", "torch.Size")
            )
        node = _producer(out)
        if g._data.dtype is not out._data.dtype:
            # PyTorch casts each gradient to the dtype of the tensor it is for (a leaf's
            # grad_dtype if it set one: the engine casts to that at the accumulator).
            g = _to_edge_dtype(g, node, out._data.dtype)
        roots.append((node, g))
    return roots


def _seed(out: Tensor) -> Tensor:
    """The implicit gradient of a one-element output: a fresh 1 of its dtype and shape (built
    from ``np.array(1)``, cheaper than ``np.ones_like``: this runs once per backward)."""
    return _made["Tensor"]._make(
        np.array(1, dtype=out._data.dtype).reshape(out._data.shape), False, None)


def _no_edge(t: Tensor) -> bool:
    """Whether ``t`` requires grad only through its base (``tensor.no_edge``)."""
    acc = t._acc
    return t._fn is None and acc is not None and acc.__class__ is not AccumulateGrad and (
        acc() is t)


def _node_of(t: Tensor) -> Node:
    if _no_edge(t):
        # No gradient reaches it, as PyTorch's has no accumulator: a node no graph holds.
        return AccumulateGrad(t)
    return _producer(t)


def _producer(t: Tensor) -> Node:
    """The node a gradient of ``t`` goes to: its accumulator, the node that made it, or for
    one output of a node that several share, that output's ``OutputSlot`` (``grad_fn`` names
    the shared node)."""
    node = own_node(t)
    return node if node is not None else t._accumulator()


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    *,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Sum the gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``).

    ``backward([a, b], [ga, gb])`` computes what ``(a * ga).sum() + (b * gb).sum()`` would
    give, in one backward pass; ``t.backward(g)`` is ``backward(t, g)``. Gradients are added to
    what ``.grad`` already holds.

    Args:
        tensors: The tensors to differentiate: one tensor or a sequence.
        grad_tensors: The gradient with respect to each of ``tensors`` (the vectors of the
            vector-Jacobian products), one per tensor and of its shape; None for a one-element
            tensor, whose gradient is then 1. Defaults to None: every tensor has one element.
        retain_graph: If False, the saved tensors of each node are freed as it runs, so the
            graph cannot be run backward again. Defaults to None, meaning ``create_graph``.
        create_graph: If True, the backward pass is recorded, so the accumulated gradients can
            be differentiated again. Defaults to False.
        inputs: The tensors whose ``.grad`` receives the gradient (leaves or not); the other
            leaves are left alone. Defaults to None: every leaf the tensors depend on.

    Raises:
        RuntimeError: A tensor does not require grad, a gradient is missing for a tensor of
            several elements or has the wrong shape, the numbers of tensors and gradients
            differ, or ``inputs`` is empty.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> symgrad.autograd.backward([x * x], [symgrad.tensor([1.0, 1.0])]); x.grad
    tensor([2., 4.])
    >>> y = symgrad.tensor(3.0, requires_grad=True)
    >>> symgrad.autograd.backward([(x * y).sum(), y * y], inputs=[y]); y.grad  # 1 + 2 + 2 * 3
    tensor(9.)
    """
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs, grads)
    targets = _as_tuple(inputs)
    if inputs is not None and not targets:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    capture = [_node_of(t) for t in targets] if targets else None
    captured = run_backward(
        roots, retain_graph=retain_graph, create_graph=create_graph, capture=capture
    )
    for t in targets:
        if t.grad_fn is not None and id(t.grad_fn) in captured:
            _accumulate(t, captured[id(t.grad_fn)], create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated.

    No ``.grad`` is touched: the result is a tuple with one gradient per input, each the sum
    over ``outputs`` of that output's vector-Jacobian product.

    Args:
        outputs: The tensors to differentiate: one tensor or a sequence.
        inputs: The tensors to differentiate with respect to (leaves or not): one tensor or a
            sequence. Each must require grad.
        grad_outputs: The gradient with respect to each output (the vectors of the
            vector-Jacobian products), one per output and of its shape; None for a one-element
            output, whose gradient is then 1. Defaults to None.
        retain_graph: If False, the saved tensors of the nodes run are freed, so the graph
            cannot be run backward again. Defaults to None, meaning ``create_graph``.
        create_graph: If True, the backward pass is recorded: the returned gradients have a
            ``grad_fn`` and can be differentiated again, to any order. Defaults to False.
        allow_unused: If False, an input the outputs do not depend on raises a RuntimeError;
            if True its gradient is None. Defaults to None, meaning ``materialize_grads``.
        materialize_grads: If True, an unused input's gradient is a tensor of zeros instead of
            None (``allow_unused`` must then not be False). Defaults to False.

    Returns:
        One gradient per input, in the order of ``inputs``.

    Raises:
        RuntimeError: An input does not require grad or is unused (without ``allow_unused``),
            an output does not require grad, or a gradient is missing or misshapen.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> symgrad.autograd.grad((x * x).sum(), x)
    (tensor([2., 4.]),)
    >>> (dx,) = symgrad.autograd.grad((x ** 3).sum(), x, create_graph=True)  # 3 x**2
    >>> symgrad.autograd.grad(dx, x, grad_outputs=symgrad.ones(2))  # 6 x
    (tensor([ 6., 12.]),)
    >>> unused = symgrad.tensor(1.0, requires_grad=True)
    >>> symgrad.autograd.grad(x.sum(), [x, unused], materialize_grads=True)
    (tensor([1., 1.]), tensor(0.))
    """
    Tensor = _made["Tensor"]  # noqa: N806 - the class, by its name
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    for t in ins:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture = [_node_of(t) for t in ins]
    captured = run_backward(
        _roots(outs, _as_tuple(grad_outputs)),
        retain_graph=retain_graph,
        create_graph=create_graph,
        capture=capture,
        accumulate=False,
    )
    result: list[Tensor | None] = []
    for i, (t, node) in enumerate(zip(ins, capture, strict=True)):
        g = captured.get(id(node))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = Tensor._make(np.zeros_like(t._data), False, None)
        result.append(g)
    return tuple(result)


from symgrad.autograd import functional  # noqa: E402 - it builds on grad above
from symgrad.autograd.gradcheck import gradcheck, gradgradcheck  # noqa: E402 - they use grad
