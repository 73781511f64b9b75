"""``autograd.Function``: an op whose forward and backward the user writes, as in PyTorch.

``Exp.apply(x)`` runs ``Exp.forward(ctx, x)`` without recording, then records one node of class
``ExpBackward`` (PyTorch's name: the Function's name plus ``Backward``). That node is also the
``ctx`` both static methods receive. Its ``op`` describes the Function for readers of the graph:
``op.name`` is the class name and ``op.extra["function"]`` the class itself, so a checker can look
for an optional ``sympy`` static method on it. A ``backward`` written with symgrad ops can itself
be differentiated (``create_graph=True``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from symgrad import _dtypes
from symgrad.autograd import grad_mode
from symgrad.autograd import graph as _graph
from symgrad.autograd.graph import Node, _reduce_to

__all__ = ["Function", "FunctionCtx", "BackwardCFunction"]


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
        ...     def backward(ctx, g):
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
        """Whether a missing output gradient reaches ``backward`` as zeros (default) or None.

        Accepted for PyTorch's sake: symgrad records one differentiable output per Function, and
        ``backward`` always receives its gradient.

        Args:
            value: True for zeros, False for None.

        >>> import symgrad
        >>> class Double(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.set_materialize_grads(False)
        ...         return 2 * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return 2 * g
        >>> x = symgrad.tensor([1.0, 4.0], requires_grad=True)
        >>> Double.apply(x).sum().backward(); x.grad
        tensor([2., 2.])
        """
        self._materialize = value


class BackwardCFunction(Node, FunctionCtx):
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
                 "needs_input_grad", "_positions")
    _forward_cls: ClassVar[type[Function]]

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        super().__init__(None, {}, (), ())
        self.needs_input_grad = needs_input_grad
        self._to_save: tuple[Any, ...] = ()
        self._non_differentiable: tuple[Any, ...] = ()
        self._dirty: tuple[Any, ...] = ()
        self._materialize = True
        self._positions: tuple[int, ...] = ()

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
        """Call ``backward``: one gradient per tensor input, reduced to its shape and dtype.

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
        grads = self._forward_cls.backward(self, g)
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
                    grad = grad.to(_dtypes._FROM_NP[np_dtype])
            out.append(grad)
        return tuple(out)


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

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` without recording, then record one node for the whole call.

        Nothing is recorded when no input requires grad (or grad mode is off):

        Args:
            *args: The arguments of ``forward`` (after ``ctx``).

        >>> import symgrad
        >>> class Cube(symgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x ** 3
        >>> Cube.apply(symgrad.tensor(2.0)), Cube.apply(symgrad.tensor(2.0, requires_grad=True))
        (tensor(8.), tensor(8., grad_fn=<CubeBackward>))
        """
        from symgrad.ops.registry import _edge
        from symgrad.tensor import Tensor

        needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        ctx = cls._backward_cls(needs)
        with grad_mode.no_grad():
            result = cls.forward(ctx, *args)
        if not (grad_mode.is_grad_enabled() and any(needs)):
            return result
        outputs = result if isinstance(result, tuple) else (result,)
        differentiable = [o for o in outputs if isinstance(o, Tensor)
                          and not any(o is n for n in ctx._non_differentiable)
                          and o.is_floating_point()]
        if len(differentiable) != 1:
            raise RuntimeError(
                f"{cls.__name__}: symgrad records one differentiable output per Function; "
                f"forward returned {len(differentiable)} (mark the others non-differentiable)"
            )
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        ctx.op = _opdef(cls, positions, args)
        ctx.attrs = {f"arg{i}": a for i, a in enumerate(args) if not isinstance(a, Tensor)}
        ctx.inputs = tuple(_edge(args[i]) for i in positions)
        # Numbered after its inputs' nodes (a leaf's accumulator may be made just now), as
        # ``run_backward`` wants: made before them, it would run first.
        ctx._seq = next(_graph._SEQ)
        ctx._in_meta = tuple((args[i]._data.shape, args[i]._data.dtype) for i in positions)
        ctx._positions = positions
        if ctx._to_save:
            ctx._saved = tuple((t, t._version) for t in ctx._to_save)
        out = differentiable[0]
        if any(out is a for a in args):
            out = Tensor._make(out._data, True, ctx)
            result = tuple(out if o is differentiable[0] else o for o in outputs) if isinstance(
                result, tuple) else out
        else:
            out._rg = True
            out.grad_fn = ctx
        return result


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
