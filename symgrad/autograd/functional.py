"""Derivatives of whole functions: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``.

The signatures are those of ``torch.autograd.functional``. ``inputs`` is a tensor or a tuple of
tensors; results follow the same nesting (a tensor for a tensor, tuples for tuples). Without
``create_graph`` the results are detached; with it they can be differentiated again. With
``strict=False`` an output that does not depend on an input gets zeros for it; ``strict=True``
raises instead. Each is built on ``autograd.grad``, so it works wherever backward does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from symgrad.autograd import grad as _grad
from symgrad.autograd import grad_mode

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _tuple(x: Any) -> tuple[bool, tuple[Any, ...]]:
    from symgrad.tensor import Tensor

    if isinstance(x, Tensor):
        return False, (x,)
    return True, tuple(x)


def _prepare(inputs: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    # A fresh node per input: the caller's graph is extended only when create_graph asks for it.
    if create_graph:
        return tuple(t.reshape(t.shape) if t.requires_grad else t.detach().requires_grad_()
                     for t in inputs)
    return tuple(t.detach().requires_grad_() for t in inputs)


def _zeros(t: Any) -> Any:
    from symgrad.tensor import Tensor

    return Tensor._make(np.zeros_like(t._data), False, None)


def _finish(xs: Sequence[Any], create_graph: bool) -> tuple[Any, ...]:
    return tuple(x if create_graph or x is None else x.detach() for x in xs)


def _grads(outputs: tuple[Any, ...], inputs: tuple[Any, ...], grad_outputs: Any,
           create_graph: bool, strict: bool, retain_graph: bool = True) -> tuple[Any, ...]:
    """``autograd.grad`` with zeros (or, when ``strict``, an error) for unused inputs."""
    wanted = [(o, g) for o, g in zip(outputs, grad_outputs, strict=True) if o.requires_grad]
    for i, o in enumerate(outputs):
        if strict and not o.requires_grad:
            raise RuntimeError(
                f"Output {i} of the user-provided function does not require gradients. The "
                "outputs must be computed in a differentiable manner from the input when running "
                "in strict mode."
            )
    if not wanted:
        return tuple(_zeros(t) for t in inputs)
    found = _grad([o for o, _ in wanted], inputs, [g for _, g in wanted],
                  retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found, strict=True)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. "
                    "This is not allowed in strict mode."
                )
            g = _zeros(t)
        result.append(g)
    return tuple(result)


def _call(func: Callable[..., Any], inputs: tuple[Any, ...]) -> tuple[bool, tuple[Any, ...]]:
    with grad_mode.enable_grad():
        return _tuple(func(*inputs))


def _pack(is_tuple: bool, xs: tuple[Any, ...]) -> Any:
    return xs if is_tuple else xs[0]


def _vectors(v: Any, like: tuple[Any, ...], what: str) -> tuple[Any, ...]:
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(
                f"The vector v can only be None if the {what} is a single Tensor with a single "
                "element."
            )
        from symgrad.tensor import Tensor

        return (Tensor._make(np.ones_like(like[0]._data), False, None),)
    _, vs = _tuple(v)
    if len(vs) != len(like):
        raise RuntimeError(
            f"v is a tuple of invalid length: should be {len(like)} but got {len(vs)}."
        )
    for i, (x, t) in enumerate(zip(vs, like, strict=True)):
        if x.shape != t.shape:
            raise RuntimeError(
                f"Entry {i} in v has invalid size: should be {list(t.shape)} but got "
                f"{list(x.shape)}."
            )
    return vs


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ J)``: the vector-Jacobian product at ``inputs``.

    Args:
        func: A Python function of the tensors in ``inputs`` (as separate arguments) returning
            a tensor or a tuple of tensors.
        inputs: The point: a tensor or a tuple of tensors.
        v: The vector, shaped as ``func``'s output (a tuple for a tuple output). May be
            None when the output has one element. Defaults to None.
        create_graph: If True, the results are recorded, so they can be differentiated again;
            if False they are detached. Defaults to False.
        strict: If True, an output that does not depend on the inputs, or an input no
            output depends on, raises a RuntimeError instead of giving zeros. Defaults to False.

    >>> import symgrad
    >>> from symgrad.autograd.functional import vjp
    >>> vjp(lambda x: x * x, symgrad.tensor([1.0, 2.0]), symgrad.tensor([1.0, 10.0]))
    (tensor([1., 4.]), tensor([ 2., 40.]))
    """
    in_tuple, ins = _tuple(inputs)
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins)
    vs = _vectors(v, outs, "user-provided function returns")
    grads = _grads(outs, ins, vs, create_graph, strict)
    return _pack(out_tuple, _finish(outs, create_graph)), _pack(
        in_tuple, _finish(grads, create_graph))


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick.

    Args:
        func: A Python function of the tensors in ``inputs`` (as separate arguments) returning
            a tensor or a tuple of tensors.
        inputs: The point: a tensor or a tuple of tensors.
        v: The vector, shaped as ``inputs`` (a tuple for a tuple). May be None when the
            input is one tensor of one element. Defaults to None.
        create_graph: If True, the results are recorded, so they can be differentiated again;
            if False they are detached. Defaults to False.
        strict: If True, an output that does not depend on the inputs, or an input no
            output depends on, raises a RuntimeError instead of giving zeros. Defaults to False.

    >>> import symgrad
    >>> from symgrad.autograd.functional import jvp
    >>> jvp(lambda x: x ** 3, symgrad.tensor([1.0, 2.0]), symgrad.tensor([1.0, 1.0]))[1]
    tensor([ 3., 12.])
    """
    in_tuple, ins = _tuple(inputs)
    ins = _prepare(ins, create_graph)
    vs = _vectors(v, ins, "input to the user-provided function")
    out_tuple, outs = _call(func, ins)
    # The VJP is linear in its cotangent u, so differentiating it by u gives J v.
    us = tuple(_zeros(o).requires_grad_() for o in outs)
    with grad_mode.enable_grad():
        vjps = _grads(outs, ins, us, True, strict)
        live = [(g, x) for g, x in zip(vjps, vs, strict=True) if g.requires_grad]
        if not live:
            found = tuple(_zeros(o) for o in outs)
        else:
            found = _grads(tuple(g for g, _ in live), us, tuple(x for _, x in live),
                           create_graph, strict=False, retain_graph=create_graph)
    return _pack(out_tuple, _finish(outs, create_graph)), _pack(
        out_tuple, _finish(found, create_graph))


def _assemble(rows: list[Any], out: Any, inp: Any, create_graph: bool) -> Any:
    """Stack per-output-element gradients into a tensor of shape ``out.shape + inp.shape``."""
    from symgrad.tensor import Tensor

    shape = tuple(out.shape) + tuple(inp.shape)
    if not create_graph:
        data = np.stack([r._data for r in rows]) if rows else np.zeros(
            (0,) + tuple(inp.shape), inp._data.dtype)
        return Tensor._make(data.reshape(shape), False, None)
    # Differentiable without a stack op: sum of one-hot columns times each row.
    n = len(rows)
    total = None
    for k, r in enumerate(rows):
        e = np.zeros((n,) + (1,) * inp.ndim, dtype=inp._data.dtype)
        e[k] = 1
        term = r.reshape((1,) + tuple(inp.shape)) * Tensor._make(e, False, None)
        total = term if total is None else total + term
    if total is None:
        return Tensor._make(np.zeros(shape, inp._data.dtype), False, None)
    return total.reshape(shape)


def _reverse_mode_only(strategy: str) -> None:
    # Accepting "forward-mode" would silently compute in reverse mode; PyTorch itself only
    # has it with vectorize=True, so say that it is missing rather than pretend.
    if strategy == "forward-mode":
        raise NotImplementedError("symgrad has no forward-mode AD: use strategy=\"reverse-mode\"")
    if strategy != "reverse-mode":
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``.

    One reverse pass per output element (``vectorize`` is accepted for PyTorch's signature;
    the result is the same; ``strategy="forward-mode"`` raises ``NotImplementedError``).

    Args:
        func: A Python function of the tensors in ``inputs`` (as separate arguments) returning
            a tensor or a tuple of tensors.
        inputs: The point: a tensor or a tuple of tensors.
        create_graph: If True, the results are recorded, so they can be differentiated again;
            if False they are detached. Defaults to False.
        strict: If True, an output that does not depend on the inputs, or an input no
            output depends on, raises a RuntimeError instead of giving zeros. Defaults to False.
        vectorize: Accepted for PyTorch's signature; the result is the same either way.
            Defaults to False.
        strategy: ``"reverse-mode"``; ``"forward-mode"`` raises NotImplementedError.
            Defaults to ``"reverse-mode"``.

    >>> import symgrad
    >>> from symgrad.autograd.functional import jacobian
    >>> jacobian(lambda x: x * x, symgrad.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    from symgrad.tensor import Tensor

    _reverse_mode_only(strategy)
    in_tuple, ins = _tuple(inputs)
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins)
    table = []
    for out in outs:
        rows: list[list[Any]] = [[] for _ in ins]
        for k in range(out.numel()):
            onehot = np.zeros(out._data.size, dtype=out._data.dtype)
            onehot[k] = 1
            g = Tensor._make(onehot.reshape(out._data.shape), False, None)
            for j, r in enumerate(_grads((out,), ins, (g,), create_graph, strict)):
                rows[j].append(r)
        table.append(tuple(_assemble(rows[j], out, t, create_graph) for j, t in enumerate(ins)))
    if not out_tuple:
        return _pack(in_tuple, table[0])
    return tuple(_pack(in_tuple, row) for row in table)


def _scalar(func: Callable[..., Any], what: str) -> Callable[..., Any]:
    def wrapped(*inputs: Any) -> Any:
        is_tuple, outs = _tuple(func(*inputs))
        if is_tuple and len(outs) != 1:
            raise RuntimeError(f"The function given to {what} should return a single Tensor")
        if outs[0].numel() != 1:
            raise RuntimeError(
                f"The Tensor returned by the function given to {what} should contain a single "
                "element"
            )
        return outs[0]

    return wrapped


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``: shape ``input.shape + input.shape``.

    Args:
        func: A Python function of the tensors in ``inputs`` (as separate arguments) returning
            a one-element tensor.
        inputs: The point: a tensor or a tuple of tensors.
        create_graph: If True, the results are recorded, so they can be differentiated again;
            if False they are detached. Defaults to False.
        strict: If True, an output that does not depend on the inputs, or an input no
            output depends on, raises a RuntimeError instead of giving zeros. Defaults to False.
        vectorize: Accepted for PyTorch's signature; the result is the same either way.
            Defaults to False.
        outer_jacobian_strategy: ``"reverse-mode"``; ``"forward-mode"`` raises
            NotImplementedError. Defaults to ``"reverse-mode"``.

    >>> import symgrad
    >>> from symgrad.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), symgrad.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    _reverse_mode_only(outer_jacobian_strategy)
    in_tuple, ins = _tuple(inputs)
    scalar = _scalar(func, "hessian")

    def gradient(*xs: Any) -> tuple[Any, ...]:
        return _grads((scalar(*xs),), xs, (None,), True, strict)

    result = jacobian(gradient, ins, create_graph=create_graph, strict=strict)
    return result if in_tuple else result[0][0]


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), vᵀ H)`` for a scalar ``func``.

    Args:
        func: A Python function of the tensors in ``inputs`` (as separate arguments) returning
            a one-element tensor.
        inputs: The point: a tensor or a tuple of tensors.
        v: The vector, shaped as ``inputs`` (a tuple for a tuple). May be None when the
            input is one tensor of one element. Defaults to None.
        create_graph: If True, the results are recorded, so they can be differentiated again;
            if False they are detached. Defaults to False.
        strict: If True, an output that does not depend on the inputs, or an input no
            output depends on, raises a RuntimeError instead of giving zeros. Defaults to False.

    >>> import symgrad
    >>> from symgrad.autograd.functional import vhp
    >>> vhp(lambda x: (x ** 3).sum(), symgrad.tensor([1.0, 2.0]), symgrad.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    in_tuple, ins = _tuple(inputs)
    ins = _prepare(ins, create_graph)
    with grad_mode.enable_grad():
        out = _scalar(func, "vhp")(*ins)
        vs = _vectors(v, ins, "input to the user-provided function")
        grads = _grads((out,), ins, (None,), True, strict)
        live = [(g, x) for g, x in zip(grads, vs, strict=True) if g.requires_grad]
        if not live:
            found = tuple(_zeros(t) for t in ins)
        else:
            found = _grads(tuple(g for g, _ in live), ins, tuple(x for _, x in live),
                           create_graph, strict, retain_graph=create_graph)
    return _finish((out,), create_graph)[0], _pack(in_tuple, _finish(found, create_graph))


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` for a scalar ``func``; H is symmetric, so this is ``vhp``.

    Args:
        func: A Python function of the tensors in ``inputs`` (as separate arguments) returning
            a one-element tensor.
        inputs: The point: a tensor or a tuple of tensors.
        v: The vector, shaped as ``inputs`` (a tuple for a tuple). May be None when the
            input is one tensor of one element. Defaults to None.
        create_graph: If True, the results are recorded, so they can be differentiated again;
            if False they are detached. Defaults to False.
        strict: If True, an output that does not depend on the inputs, or an input no
            output depends on, raises a RuntimeError instead of giving zeros. Defaults to False.

    >>> import symgrad
    >>> from symgrad.autograd.functional import hvp
    >>> hvp(lambda x: (x ** 3).sum(), symgrad.tensor([1.0, 2.0]), symgrad.tensor([0.0, 1.0]))[1]
    tensor([ 0., 12.])
    """
    return vhp(func, inputs, v, create_graph, strict)
