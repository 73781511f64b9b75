"""``autograd.Function``: an op whose forward and backward the user writes, as in PyTorch.

``Exp.apply(x)`` runs ``Exp.forward(ctx, x)`` without recording, then records one node of class
``ExpBackward`` (PyTorch's name: the Function's name plus ``Backward``). That node is also the
``ctx`` both static methods receive. Its ``op`` describes the Function for readers of the graph:
``op.name`` is the class name and ``op.extra["function"]`` the class itself, so a checker can look
for an optional ``sympy`` static method on it. A ``backward`` written with symgrad ops can itself
be differentiated (``create_graph=True``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from symgrad.autograd import grad_mode
from symgrad.autograd import graph as _graph
from symgrad.autograd.graph import (
    Node,
    NotImplementedNode,
    OutputSlot,
    SharedNode,
    _checked,
    _reduce_to,
    _wrap,
)
from symgrad.autograd.saved_tensors import pack_saved

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]

_TWICE = ("trying to differentiate twice a function that was marked with "
          "@once_differentiable")


class FunctionCtx:
    """What ``forward`` uses to pass state to ``backward`` (``ctx``).

    Any attribute may be set on it too, for values that are not tensors:

    >>> import symgrad
    >>> class Scale(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, k):
    ...         ctx.k = k
    ...         return x * k
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g * ctx.k, None
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> Scale.apply(x, 3.0).sum().backward(); x.grad
    tensor([3., 3.])
    """

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors for ``backward``; they are checked against in-place changes.

        Args:
            *tensors: The tensors (or None) ``backward`` reads back from ``ctx.saved_tensors``.

        >>> import symgrad
        >>> class Square(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = symgrad.tensor([3.0], requires_grad=True)
        >>> y = Square.apply(x)
        >>> with symgrad.no_grad():
        ...     _ = x.add_(1)
        >>> y.backward()
        Traceback (most recent call last):
        ...
        RuntimeError: one of the variables needed for gradient computation has been modified ...
        """
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Outputs that get no gradient: they come out with ``requires_grad=False``.

        Args:
            *tensors: Outputs of ``forward`` that get no gradient.

        >>> import symgrad
        >>> class MaxWithIndex(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         value, index = x.max(0)
        ...         ctx.mark_non_differentiable(index)
        ...         ctx.shape, ctx.index = x.shape, index
        ...         return value, index
        ...     @staticmethod
        ...     def backward(ctx, g, g_index):  # one gradient per output; the index's: zeros
        ...         grad = symgrad.zeros(ctx.shape, dtype=g.dtype)
        ...         grad[ctx.index] = g
        ...         return grad
        >>> x = symgrad.tensor([1.0, 5.0, 3.0], requires_grad=True)
        >>> value, index = MaxWithIndex.apply(x)
        >>> value, index, index.requires_grad
        (tensor(5., grad_fn=<MaxWithIndexBackward>), tensor(1), False)
        >>> value.backward(); x.grad
        tensor([0., 1., 0.])
        """
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors: Any) -> None:
        """Inputs ``forward`` modified in place (accepted; versions are bumped by the op).

        Args:
            *tensors: Inputs ``forward`` modified in place.

        >>> import symgrad
        >>> class AddOne(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         x.add_(1)
        ...         ctx.mark_dirty(x)
        ...         return x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return g
        >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 1
        >>> z = AddOne.apply(y)
        >>> z, y._version
        (tensor([2., 3.], grad_fn=<AddOneBackward>), 1)
        >>> z.sum().backward(); x.grad
        tensor([1., 1.])
        """
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether the gradient of an output no gradient reached comes to ``backward`` as
        zeros of its shape and dtype (the default) or as None.

        Args:
            value: True for zeros, False for None.

        >>> import symgrad
        >>> class Both(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.set_materialize_grads(False)
        ...         return 2 * x, 3 * x
        ...     @staticmethod
        ...     def backward(ctx, g2, g3):
        ...         return 2 * g2 if g3 is None else 2 * g2 + 3 * g3
        >>> x = symgrad.tensor([1.0, 4.0], requires_grad=True)
        >>> twice, thrice = Both.apply(x)
        >>> twice.sum().backward(); x.grad
        tensor([2., 2.])
        """
        self._materialize = value


class BackwardCFunction(SharedNode, FunctionCtx):
    """The node (and ``ctx``) of one call of a ``Function``; subclassed per Function.

    >>> import symgrad
    >>> class Twice(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x, k):
    ...         return 2 * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return 2 * g, None
    >>> node = Twice.apply(symgrad.tensor([1.0], requires_grad=True), 7).grad_fn
    >>> isinstance(node, symgrad.autograd.function.BackwardCFunction), node.needs_input_grad
    (True, (True, False))
    """

    __slots__ = ("_to_save", "_non_differentiable", "_dirty", "_materialize",
                 "needs_input_grad", "_positions", "_differentiable", "_slots")
    _forward_cls: ClassVar[type[Function]]

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        super().__init__(None, {}, (), ())
        self.needs_input_grad = needs_input_grad
        self._to_save: tuple[Any, ...] = ()
        self._non_differentiable: tuple[Any, ...] = ()
        self._dirty: tuple[Any, ...] = ()
        self._materialize = True
        self._positions: tuple[int, ...] = ()
        # ``_out_meta``, filled as the call is recorded: per output of ``forward``, its shape
        # and dtype (None for one that is no tensor). The index of the one differentiable
        # output, or ``_slots`` when there are several, whose gradients come through
        # ``receive``.
        self._differentiable = 0
        self._slots = False

    def name(self) -> str:
        """The Function's class name plus ``Backward``, as PyTorch names it.

        >>> import symgrad
        >>> class Cube(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x ** 3
        >>> Cube.apply(symgrad.tensor(2.0, requires_grad=True)).grad_fn.name()
        'CubeBackward'
        """
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<symgrad.autograd.function.{self.name()} object at {id(self):#x}>"

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward``, checked against in-place changes.

        >>> import symgrad
        >>> class Square(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        >>> x = symgrad.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).grad_fn.saved_tensors
        (tensor([3.], requires_grad=True),)
        """
        return tuple(self.unpack())

    def apply(self, g: Any) -> tuple[Any, ...]:
        """Call ``backward`` with one gradient per output of ``forward``: one gradient per
        tensor input, reduced to its shape and dtype.

        An output no gradient reached gets zeros of its shape and dtype (None after
        ``ctx.set_materialize_grads(False)``, and for an output that is not a tensor).

        Args:
            g: The gradient with respect to the differentiable output (a call with several
                gets theirs from its ``OutputSlot``s instead: ``receive``).

        >>> import symgrad
        >>> class Mul(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x, y):
        ...         ctx.save_for_backward(x, y)
        ...         return x * y
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         x, y = ctx.saved_tensors
        ...         return g * y, g * x
        >>> x = symgrad.tensor([2.0, 3.0], requires_grad=True)
        >>> y = symgrad.tensor(5.0, dtype=symgrad.float64, requires_grad=True)
        >>> Mul.apply(x, y).grad_fn.apply(symgrad.ones(2))
        (tensor([5., 5.]...), tensor(5., dtype=symgrad.float64...))
        """
        grad_outputs = self._pre_called(self._received_outputs(g))
        hooks = self._call_hooks
        grads = self._forward_cls.backward(self, *self._materialized(grad_outputs))
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(self.needs_input_grad):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{len(self.needs_input_grad)}, got {len(grads)})"
            )
        out = []
        for k, i in enumerate(self._positions):
            grad = grads[i]
            if grad is not None:
                shape, np_dtype = self._in_meta[k]
                if grad.shape != shape:
                    grad = _reduce_to(grad, shape, self, i)
                if grad._data.dtype is not np_dtype:
                    # (a leaf's grad_dtype decides for its accumulator)
                    grad = _graph._to_edge_dtype(grad, self.inputs[k], np_dtype, self)
            out.append(grad if self.needs_input_grad[i] else None)
        if hooks is not None and hooks.post:
            for hook in list(hooks.post.values()):
                new = hook(tuple(out), grad_outputs)
                if new is not None:
                    out = list(_checked(hook, new, len(out)))
        return tuple(out)

    def _received_outputs(self, g: Any) -> tuple[Any, ...]:
        """The gradient of every output as the node's hooks see them: None where none came."""
        if self._slots:
            return self._taken()
        grads: list[Any] = [None] * len(self._out_meta)
        grads[self._differentiable] = _wrap(g) if type(g) is np.ndarray else g
        return tuple(grads)

    def _materialized(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        """The gradients as ``backward`` receives them: zeros of its output's shape and dtype
        where none came (unless ``set_materialize_grads(False)``), None for a non-tensor."""
        if not self._materialize:
            return grads
        return tuple(_wrap(np.zeros(*meta)) if g is None and meta is not None else g
                     for g, meta in zip(grads, self._out_meta, strict=True))


class _FunctionMeta(type):
    def __init__(cls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> None:
        super().__init__(name, bases, ns)
        cls._backward_cls = type(f"{name}Backward", (BackwardCFunction,), {
            "_forward_cls": cls, "__slots__": (), "__module__": "symgrad.autograd.function"})


class Function(metaclass=_FunctionMeta):
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call ``apply``.

    ``backward`` returns one gradient per argument of ``forward`` (None for a non-tensor or an
    input that needs none).

    Args:
        *args: Not accepted: a Function is not instantiated (PyTorch's legacy style raises);
            call ``apply``.
        **kwargs: Not accepted either.

    >>> import symgrad
    >>> class Cube(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = symgrad.tensor(2.0, requires_grad=True)
    >>> y = Cube.apply(x)
    >>> y
    tensor(8., grad_fn=<CubeBackward>)
    >>> (dy,) = symgrad.autograd.grad(y, x, create_graph=True)
    >>> dy, symgrad.autograd.grad(dy, x)[0]
    (tensor(12., grad_fn=<MulBackward0>), tensor(12.))
    """

    _backward_cls: ClassVar[type[BackwardCFunction]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method."
        )

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Any:
        """The result from the arguments, computed with grad mode off; subclasses define it.

        Args:
            ctx: The context, to save what ``backward`` needs.
            *args: The arguments given to ``apply``: tensors and any other values.

        >>> import symgrad
        >>> symgrad.autograd.Function.forward(None, symgrad.zeros(1))
        Traceback (most recent call last):
        ...
        NotImplementedError: You must implement the forward function for custom autograd.Function.
        """
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        """One gradient per argument of ``forward``, from the output's; subclasses define it.

        Args:
            ctx: The context ``forward`` filled.
            *grads: The gradient with respect to each output of ``forward``.

        >>> import symgrad
        >>> class Cube(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x ** 3
        >>> Cube.apply(symgrad.tensor(2.0, requires_grad=True)).backward()
        Traceback (most recent call last):
        ...
        NotImplementedError: You must implement either the backward or vjp method ...
        """
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        """Fill ``ctx`` after a ``forward`` that takes no ``ctx`` (PyTorch 2's style): a
        Function that defines it has ``forward(*args)``, and ``apply`` then calls
        ``setup_context(ctx, inputs, output)`` with the arguments (their defaults filled in).

        Args:
            ctx: The context ``backward`` will receive.
            inputs: The arguments ``forward`` was called with, defaults included.
            output: What ``forward`` returned.

        >>> import symgrad
        >>> class Scale(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(x, k=2.0):
        ...         return x * k
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         ctx.k = inputs[1]
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return g * ctx.k, None
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> Scale.apply(x, k=3.0).sum().backward(); x.grad
        tensor([3.])
        """
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` without recording, then record one node for the whole call.

        Each output that is a floating tensor not marked non-differentiable gets the node as
        its ``grad_fn`` (several outputs share it, as in PyTorch). Nothing is recorded when no
        input requires grad (or grad mode is off):

        Args:
            *args: The arguments of ``forward`` (after ``ctx``).
            **kwargs: Keyword arguments of ``forward``.

        >>> import symgrad
        >>> class Cube(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x ** 3
        >>> Cube.apply(symgrad.tensor(2.0)), Cube.apply(symgrad.tensor(2.0, requires_grad=True))
        (tensor(8.), tensor(8., grad_fn=<CubeBackward>))
        """
        from symgrad.tensor import Tensor

        separate = "setup_context" in _defined_on(cls)
        if separate:
            args, kwargs = _bound(cls.forward, args, kwargs), {}
        needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        ctx = cls._backward_cls(needs)
        with grad_mode.no_grad():
            result = cls._call_forward(ctx, args, kwargs)
        if not (grad_mode.is_grad_enabled() and any(needs)):
            return result
        outputs = result if isinstance(result, tuple) else (result,)
        differentiable = [k for k, o in enumerate(outputs) if isinstance(o, Tensor)
                          and not any(o is n for n in ctx._non_differentiable)
                          and o.is_floating_point()]
        if not differentiable:
            return result
        _record_call(ctx, cls, args, outputs)
        made = list(outputs)
        if len(differentiable) == 1:
            ctx._differentiable = differentiable[0]
        ctx._slots = len(differentiable) > 1
        for k in differentiable:
            made[k] = _output(outputs[k], k, args, ctx,
                              OutputSlot(ctx, k) if ctx._slots else ctx)
        return tuple(made) if isinstance(result, tuple) else made[0]

    @classmethod
    def _call_forward(cls, ctx: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``forward`` on the arguments, in either style (``setup_context``), and PyTorch's
        check of what it saved."""
        if "setup_context" in _defined_on(cls):
            result = cls.forward(*args)
            cls.setup_context(ctx, args, result)
        else:
            result = cls.forward(ctx, *args, **kwargs)
        for i, t in enumerate(ctx._to_save):
            if t is not None and not _is_tensor(t):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        return result


def _defined_on(cls: type) -> set[str]:
    """The names a Function subclass (or a base between it and ``Function``) defines."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is Function:
            break
        names.update(vars(klass))
    return names


def _bound(forward: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """The arguments of a ``forward`` without ``ctx``, positional, defaults filled in."""
    bound = inspect.signature(forward).bind(*args, **kwargs)
    bound.apply_defaults()
    return tuple(bound.args) + tuple(bound.kwargs.values())


def _is_tensor(t: Any) -> bool:
    from symgrad.tensor import Tensor

    return isinstance(t, Tensor)


def _record_call(ctx: BackwardCFunction, cls: type[Function], args: tuple[Any, ...],
                 outputs: tuple[Any, ...]) -> None:
    """Fill the call's node: its edges, what it saved, its outputs' shapes and dtypes."""
    from symgrad.ops.registry import _edge
    from symgrad.tensor import Tensor

    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    ctx.op = _opdef(cls, positions, args)
    ctx.attrs = {f"arg{i}": a for i, a in enumerate(args) if not isinstance(a, Tensor)}
    ctx.inputs = tuple(_edge(args[i]) for i in positions)
    # Numbered after its inputs' nodes (a leaf's accumulator may be made just now), as
    # ``run_backward`` wants: made before them, it would run first. Its outputs' slots are
    # made after it.
    ctx._seq = next(_graph._SEQ)
    ctx._in_meta = tuple((args[i]._data.shape, args[i]._data.dtype) for i in positions)
    ctx._positions = positions
    ctx._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                          for o in outputs)
    if ctx._to_save:
        ctx._saved = tuple((t, t._version) for t in ctx._to_save if t is not None)
        pack_saved(ctx, None)  # (if the thread has saved tensors hooks)


def _output(out: Any, k: int, args: tuple[Any, ...], ctx: BackwardCFunction, fn: Node) -> Any:
    """Output ``k`` of the call as recorded, made by ``fn``. An input returned as it is comes
    back as a new tensor viewing it, which may not be written in place (PyTorch's rule: the
    view's in-place rules would bypass the Function's backward)."""
    from symgrad.ops.inplace import refuse_writes_to_output
    from symgrad.tensor import Tensor

    if any(out is a for a in args):
        view = Tensor._make(out._data, True, fn)
        return refuse_writes_to_output(view, out, k, ctx.name(), several=ctx._slots)
    out._rg = True
    out._fn = fn
    return out


def _opdef(cls: type[Function], positions: tuple[int, ...], args: tuple[Any, ...]) -> Any:
    """An OpDef-like description of the Function, cached on the class (not in REGISTRY)."""
    from symgrad.ops.registry import FLOATING, OpDef

    key = (positions, len(args))
    cache = cls.__dict__.get("_opdefs")
    if cache is None:
        cache = {}
        type.__setattr__(cls, "_opdefs", cache)
    if key not in cache:
        cache[key] = OpDef(
            name=cls.__name__, grad_fn=f"{cls.__name__}Backward", forward=cls.forward,
            vjp=None, args=tuple(f"arg{i}" for i in positions),
            attrs=tuple(f"arg{i}" for i in range(len(args)) if i not in positions),
            saves=(), saves_out=False, shape_args=(), differentiable=(), dtype_rule="same",
            dtypes=FLOATING, kinks=(), double_backward=True, kind="function",
            doc=cls.__doc__ or "", extra={"function": cls},
        )
    return cache[key]


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a Function's ``backward`` as having no derivative: it runs without recording, and
    under ``create_graph`` its gradients get a node (PyTorch's ``torch::autograd::Error``)
    whose backward raises PyTorch's RuntimeError.

    PyTorch hangs that node on detached copies of the gradients, and only when an incoming
    gradient requires grad: a later ``autograd.grad`` in an input then leaves the unknown
    second derivative out, silently. symgrad connects it to what the gradients depend on (the
    incoming gradients and the saved tensors that require grad), so any derivative through it
    raises instead (tests/test_distributions_more.py states both).

    Args:
        fn: The ``backward(ctx, *grads)`` to wrap.

    Returns:
        The wrapped ``backward``.

    >>> import symgrad
    >>> from symgrad.autograd.function import once_differentiable
    >>> class Cube(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = symgrad.tensor(2.0, requires_grad=True)
    >>> (dx,) = symgrad.autograd.grad(Cube.apply(x), x, create_graph=True)
    >>> dx
    tensor(12., grad_fn=<Error>)
    >>> dx.backward()
    Traceback (most recent call last):
    ...
    RuntimeError: trying to differentiate twice a function that was marked with @once_differentiable
    """
    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode.is_grad_enabled():
            return outputs
        sources = [t for t in (*args, *ctx.saved_tensors) if _is_tensor(t) and t.requires_grad]
        if not sources:
            return outputs
        node = NotImplementedNode(_TWICE, RuntimeError, "torch::autograd::Error", inputs=tuple(
            t.grad_fn if t.grad_fn is not None else t._accumulator() for t in sources))
        several = isinstance(outputs, tuple)
        marked = tuple(type(o)._make(o._data, True, node) if _is_tensor(o) else o
                       for o in (outputs if several else (outputs,)))
        return marked if several else marked[0]

    return wrapper
