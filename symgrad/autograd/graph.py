"""The recorded graph and the reverse-mode engine that walks it.

Every operation that records produces one ``Node``. A node holds what backward needs (the op's
VJP, the tensors it saved) and what a reader of the graph needs (op name, attributes, inputs).
``node.inputs[i]`` is another ``Node`` (the input was computed, or is a leaf whose
``AccumulateGrad`` this is) or a ``Tensor`` (a constant: it did not require grad).
"""

from __future__ import annotations

import heapq
import itertools
import sys
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd import anomaly_mode, grad_mode
from symgrad.autograd.saved_tensors import (
    PackedSaved,
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)
from symgrad.autograd.slice_gradient import SliceGradient, combined

if TYPE_CHECKING:
    from symgrad.ops.registry import OpDef
    from symgrad.tensor import Tensor

__all__ = ["Node", "AccumulateGrad", "NotImplementedNode", "InvalidViewNode", "RemovableHandle",
           "run_backward", "dressed", "node_input_positions", "saved_tensors_hooks", "save_on_cpu",
           "disable_saved_tensors_hooks"]

# ``Tensor`` and ``REGISTRY``, entered by the modules that make them once they exist: both
# import this module, so it cannot import them, and an import inside a hot function costs more
# than the work around it.
_made: dict[str, Any] = {}

# The dtypes array VJPs run in: float16 and bfloat16 keep the tensor path, where PyTorch's
# opmath rules for them (a half times a Python number computed in float32) live.
_ARRAY_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})

_NDARRAY = np.ndarray

# Every node has its own number (accumulators too), so the backward heap never compares two
# nodes.
_SEQ = itertools.count(1)
# Heap keys after every node's (keys are minus the nodes' numbers): an accumulator put off.
_AFTER_ALL = itertools.count(1)

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class Node:
    """One recorded operation; printed and named as PyTorch names its backward class.

    Nodes are made by ``apply`` as it records an op (``registry._record``), not by users.

    Args:
        op: The ``OpDef`` recorded (None for ``AccumulateGrad`` and other engine nodes).
        attrs: The attributes the op was called with.
        inputs: Per input, the node its gradient goes to (the producer, or a leaf's
            ``AccumulateGrad``), or the constant tensor itself.
        in_meta: Per input, its shape and dtype when recorded.
        saved: The tensors the VJP reads, each with its version when recorded. Defaults to
            none.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 3
    >>> y.grad_fn.name(), y.grad_fn.op.name, y.grad_fn.next_functions[0][0].name()
    ('MulBackward0', 'mul', 'torch::autograd::AccumulateGrad')
    """

    __slots__ = (
        "op",
        "attrs",
        "inputs",
        "_in_meta",
        "_saved",
        "_out_data",
        "_out_ref",
        "_out_version",
        "_hooks",
        "_retained",
        "_seq",
        "__weakref__",
    )

    def __init__(
        self,
        op: OpDef | None,
        attrs: dict[str, Any],
        inputs: tuple[Node | Tensor, ...],
        in_meta: tuple[tuple[tuple[int, ...], Any], ...],
        saved: tuple[tuple[Tensor, int], ...] = (),
    ) -> None:
        self.op = op
        self.attrs = attrs
        self.inputs = inputs
        self._in_meta = in_meta
        self._saved: tuple[tuple[Tensor, int], ...] | None = saved
        self._out_data = None
        self._out_ref: Callable[[], Tensor | None] | None = None
        self._out_version = 0
        self._hooks: _Hooks | None = None
        self._retained: Callable[[], Tensor | None] | None = None
        # Creation order: a node is made after the nodes of its inputs, so running nodes from
        # the highest number down runs each after every node it feeds (PyTorch's sequence_nr).
        self._seq = next(_SEQ)
        if anomaly_mode._state.enabled:
            anomaly_mode.remember(self)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A kind of node with its own ``apply`` (a custom Function's) runs it on tensors in
        # every backward: the array VJPs are the registry ops'.
        super().__init_subclass__(**kwargs)
        if "apply" in vars(cls) and "_array_grads" not in vars(cls):
            cls._array_grads = Node._apply_user_code  # type: ignore[method-assign]

    def name(self) -> str:
        """The name PyTorch gives this node's class.

        >>> import symgrad
        >>> (symgrad.tensor([1.0], requires_grad=True).exp()).grad_fn.name()
        'ExpBackward0'
        """
        assert self.op is not None
        return self.op.grad_fn

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """Per input of PyTorch's node, the node its gradient goes to and the output index, as
        in PyTorch: a leaf's ``AccumulateGrad``, the node that made a computed input, None for
        a constant. An input PyTorch's node does not have (a where's condition, a loss's class
        indices: ``OpDef.node_inputs``) is not listed.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> [(None if n is None else n.name()) for n, _ in (x * 2).grad_fn.next_functions]
        ['torch::autograd::AccumulateGrad', None]
        >>> len(symgrad.where(x > 0, x, 0.0).grad_fn.next_functions)  # no condition
        2
        """
        return tuple((dressed(x), x.index if x.__class__ is OutputSlot else 0)
                     if isinstance(x, Node) else (None, 0) for x in _shown(self, self.inputs))

    def register_prehook(
        self, hook: Callable[[tuple[Tensor | None, ...]], Sequence[Tensor | None] | None]
    ) -> RemovableHandle:
        """Call ``hook(grad_outputs)`` before this node runs, as PyTorch's
        ``Node.register_prehook``: ``grad_outputs`` is the tuple of gradients reaching the node
        (one per output); a tuple it returns replaces them.

        Args:
            hook: Called with the tuple of gradients reaching the node; returns None or
                their replacement.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> y = x * 3
        >>> handle = y.grad_fn.register_prehook(lambda gos: (gos[0] * 10,))
        >>> y.sum().backward(); x.grad
        tensor([30.])
        >>> handle.remove()
        """
        return self._hook_list("pre").add(hook)

    def register_hook(
        self,
        hook: Callable[[tuple[Tensor | None, ...], tuple[Tensor | None, ...]],
                       Sequence[Tensor | None] | None],
    ) -> RemovableHandle:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node runs, as PyTorch's
        ``Node.register_hook``: ``grad_inputs`` holds the gradient it computed for each input
        of PyTorch's node, as ``next_functions`` lists them (None for a constant),
        ``grad_outputs`` the gradients it received; a tuple it returns replaces
        ``grad_inputs``.

        Args:
            hook: Called with ``(grad_inputs, grad_outputs)`` after the node runs; returns
                None or the replacement of ``grad_inputs``.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> y = x * 3
        >>> seen = []
        >>> handle = y.grad_fn.register_hook(lambda gi, go: seen.append((gi, go)))
        >>> y.sum().backward(); seen
        [((tensor([3.]), None), (tensor([1.]),))]
        """
        return self._hook_list("post").add(hook)

    def _hook_list(self, kind: str) -> _HookList:
        if self._hooks is None:
            self._hooks = _Hooks()
        return getattr(self._hooks, kind)

    def __repr__(self) -> str:
        # PyTorch prints C++-only nodes (CopySlices, CopyBackwards) without their namespace.
        return f"<{self.name().removeprefix('torch::autograd::')} object at {id(self):#x}>"

    # -- saved tensors -----------------------------------------------------------------------
    def unpack(self) -> list[Tensor]:
        """The saved tensors, checked against in-place changes since they were saved.

        >>> import symgrad
        >>> x = symgrad.tensor([2.0], requires_grad=True)
        >>> y = x.exp(); y.grad_fn.unpack()  # exp saves its result
        [tensor([7.3891], grad_fn=<ExpBackward0>)]
        >>> with symgrad.no_grad():
        ...     _ = y.mul_(2)
        >>> y.grad_fn.unpack()
        Traceback (most recent call last):
        ...
        RuntimeError: one of the variables needed for gradient computation has been modified ...
        """
        if self._saved is None:
            raise RuntimeError(_FREED)
        if DETACHED and self.op is not None:
            _check_detached(self)
        values = []
        for k, (t, version) in enumerate(self._saved):
            if t._version != version and not _unread(self, k):
                raise RuntimeError(_modified_message(t, version, self))
            values.append(t)
        if self._out_ref is not None:
            live = self._out_ref()
            if live is not None and live._version != self._out_version:
                raise RuntimeError(_modified_message(live, self._out_version, self, output=True))
            if self._out_data is not None:  # else only checked (``defop(checks_out=True)``)
                values.append(_made["Tensor"]._make(self._out_data, True, self))
        return values

    def release(self) -> None:
        """Free what the node saved (backward does, unless ``retain_graph``); a later backward
        through it raises PyTorch's error.

        >>> import symgrad
        >>> y = symgrad.tensor([2.0], requires_grad=True).exp()
        >>> y.grad_fn.release(); y.sum().backward()
        Traceback (most recent call last):
        ...
        RuntimeError: Trying to backward through the graph a second time ...
        """
        if self._saved or self._out_ref is not None:
            self._saved = None
            self._out_data = None
            self._out_ref = None
            OUTPUTS_SAVED.pop(self, None)

    def apply_arrays(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """``apply`` on NumPy arrays, in a backward that records nothing: the op's array VJP
        (``defop``'s ``array_vjp``) where it has one and the arrays are float32 or float64 of
        one dtype, else ``apply`` on tensors made of them. Both give the same bits.

        Args:
            g: The gradient with respect to the node's output.

        >>> import numpy as np, symgrad
        >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * 3).grad_fn.apply_arrays(np.ones(2, np.float32))
        (array([3., 3.], dtype=float32), None)
        """
        # One gradient per input: array VJPs are the registry's own, tested against ``vjp``. No
        # ``strict=``: any keyword sends ``zip`` down a slow path (0.12 us a call).
        return tuple([_fitted(grad, x, meta, self) for grad, x, meta in zip(  # noqa: B905
            self._array_grads(g), self.inputs, self._in_meta)])

    def _array_grads(self, g: np.ndarray) -> tuple[Any, ...]:
        """``apply_arrays`` before each gradient is fitted to its input (``_fitted``), which
        ``run_backward`` does as it hands the gradients on."""
        plan = self.op._plan or _plan(self.op)
        array_vjp = plan.array_vjp
        np_dtype = g.dtype
        if array_vjp is None or np_dtype not in _ARRAY_DTYPES:
            return self._apply_as_tensors(g)
        if plan.saves:
            saved = self._saved_arrays(np_dtype, plan.indices)
            if saved is None:  # a saved array of another dtype: PyTorch's promotion decides
                return self._apply_as_tensors(g)
            if plan.skip:
                del saved[:plan.skip]
        else:
            saved = ()
        if plan.plain:
            grads = array_vjp(g, *saved, **self.attrs)
        elif plan.needs_only:
            grads = array_vjp(g, *saved, needs=_needs(self.inputs), **self.attrs)
        else:
            grads = array_vjp(g, *saved, **self._vjp_kwargs(plan))
        return grads if type(grads) is tuple else (grads,)

    def _apply_as_tensors(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """``apply_arrays`` by way of ``apply``, on tensors made of the arrays."""
        return tuple([None if t is None else t._data for t in self.apply(_wrap(g))])

    def _apply_user_code(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """``_apply_as_tensors`` for a node whose ``apply`` is not the engine's (a custom
        Function's backward), which may keep its gradient or write into it, or change a
        forward value (``_unlent``, ``_unlend_pending``)."""
        pending = grad_mode._state.pending
        if pending is not None:
            _unlend_pending(pending)
        return self._apply_as_tensors(_unlent(g))

    def _saved_arrays(self, np_dtype: np.dtype, indices: frozenset[int]
                      ) -> list[np.ndarray] | None:
        """``unpack``'s checks, giving the saved values as arrays; None when one is not of
        ``np_dtype`` and its position in ``_saved`` is not among ``indices`` (``_Plan``)."""
        if self._saved is None:
            raise RuntimeError(_FREED)
        if DETACHED and self.op is not None:
            _check_detached(self)
        values = []
        for t, version in self._saved:
            if t._version != version and not _unread(self, len(values)):
                raise RuntimeError(_modified_message(t, version, self))
            a = t._data
            if a.dtype is not np_dtype and len(values) not in indices:
                return None
            values.append(a)
        if self._out_ref is not None:
            live = self._out_ref()
            if live is not None and live._version != self._out_version:
                raise RuntimeError(_modified_message(live, self._out_version, self, output=True))
            if self._out_data is not None:  # else only checked (``defop(checks_out=True)``)
                if self._out_data.dtype is not np_dtype:
                    return None
                values.append(self._out_data)
        return values

    def _vjp_kwargs(self, plan: _Plan) -> dict[str, Any]:
        """The keyword arguments the VJP takes: the attrs it names, the shapes of inputs and
        ``needs`` (a bool per input: whether it is a node, so wants a gradient)."""
        wanted, takes_needs, shape_args = plan.wanted, plan.takes_needs, plan.shape_args
        kwargs = self.attrs  # the node's own dict: copied below before anything is added
        if wanted is not None and kwargs and not wanted.issuperset(kwargs):
            kwargs = {k: v for k, v in kwargs.items() if k in wanted}
        if shape_args or takes_needs:
            kwargs = kwargs.copy()
            meta = self._in_meta
            for kw, i in shape_args:
                kwargs[kw] = meta[i][0]
            if takes_needs:
                kwargs["needs"] = _needs(self.inputs)
        return kwargs

    def apply(self, g: Tensor) -> tuple[Tensor | None, ...]:
        """Run the VJP: the gradient for each input, reduced to its shape and dtype.

        A constant input (a ``Tensor`` in ``inputs``) gets None: nothing reads its gradient.

        Args:
            g: The gradient with respect to the node's output.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * 3).grad_fn.apply(symgrad.tensor([1.0, 1.0]))
        (tensor([3., 3.]), None)
        """
        op = self.op
        assert op is not None
        plan = op._plan
        if plan is None:
            plan = _plan(op)
        vjp, saves, skip = plan.vjp, plan.saves, plan.skip
        kwargs = self._vjp_kwargs(plan)
        inputs = self.inputs
        meta = self._in_meta
        if saves:
            saved = self.unpack()
            grads = vjp(g, *(saved[skip:] if skip else saved), **kwargs)
        else:
            grads = vjp(g, **kwargs)
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(inputs):
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{len(inputs)}, got {len(grads)})"
            )
        out: list[Tensor | None] = []
        # Lengths checked above: ``strict=`` would cost more than the rest of the loop (any
        # keyword sends ``zip`` down a slow path).
        for grad, x, (shape, np_dtype) in zip(grads, inputs, meta):  # noqa: B905
            if grad is not None:
                if not isinstance(x, Node):
                    grad = None
                else:
                    a = grad._data
                    if a.shape != shape:
                        grad = _reduce_to(grad, shape, self, len(out))
                        a = grad._data
                    if a.dtype is not np_dtype:
                        grad = _to_edge_dtype(grad, x, np_dtype, self)
            out.append(grad)
        if not plan.double_backward and grad_mode._state.enabled:
            return _not_differentiable(self, out, (g, *saved) if saves else (g,), grads)
        return tuple(out)


class InvalidViewNode(Node):
    """The ``grad_fn`` of a view PyTorch does not re-derive from its base (one that ``unbind``,
    ``split`` or ``chunk`` made, or one made under ``no_grad``) once its memory was written in
    place (through its base, another view of it, or under ``no_grad``): every use of its graph
    raises. Reading ``grad_fn`` or ``is_leaf``, or recording an op on the view (which
    asks whether it has a node: ``__bool__``) raises PyTorch's RuntimeError; it prints as
    ``grad_fn=<Invalid>``, and ops under ``no_grad`` and reading its values still work.

    Args:
        message: PyTorch's message for the error.

    >>> import symgrad
    >>> x = symgrad.ones(2, 3, requires_grad=True).clone()
    >>> first, second = x.unbind(0)
    >>> _ = x.add_(1)
    >>> second
    tensor([2., 2., 2.], grad_fn=<Invalid>)
    >>> second * 2
    Traceback (most recent call last):
    ...
    RuntimeError: Output 1 of Unbind is a view and its base or another view of its base has ...
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        super().__init__(None, {}, (), ())
        self.message = message

    def __bool__(self) -> bool:
        raise RuntimeError(self.message)

    def name(self) -> str:
        """What PyTorch prints for it: ``Invalid``."""
        return "Invalid"


def own_node(t: Any) -> Node | None:
    """The node that made ``t`` as a recorded edge links to it (None for a leaf): its
    ``grad_fn`` (which refuses an invalid view), or for one output of a node that several
    share, that output's ``OutputSlot``, not the shared node ``grad_fn`` names: a gradient
    sent to the shared node would reach it as another input's (a write into var's output of
    ``var_mean`` lost the leaf's gradient; fuzzer seeds 2403, 2409, 2411 and others).

    Args:
        t: A tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 5.0], requires_grad=True)
    >>> low, high = symgrad.aminmax(x)
    >>> type(own_node(low)).__name__, own_node(x) is None
    ('OutputSlot', True)
    """
    fn = t._fn
    if fn is None:
        return None
    node = dressed(fn)
    return fn if fn.__class__ is OutputSlot else node


def dressed(node: Node) -> Node:
    """``node`` as users see it: an instance of its op's class, named as PyTorch names it
    (``MulBackward0``, ``registry.node_class``).

    ``registry._record`` makes every node a plain ``Node``, and the node's class changes (the
    same object) when a user reaches it (``Tensor.grad_fn``, ``next_functions``). The engine's
    own reads of a node's slots then meet one class: CPython specialises an attribute read to
    the one class it saw, and nodes of twenty classes in turn cost tiny graphs 8% of their
    time.

    Args:
        node: A node of the graph.

    >>> import symgrad
    >>> y = symgrad.tensor([1.0], requires_grad=True).exp()
    >>> type(y._fn).__name__, type(dressed(y._fn)).__name__, type(y._fn).__name__
    ('Node', 'ExpBackward0', 'ExpBackward0')
    """
    if node.__class__ is Node:
        node.__class__ = node.op.node_class
    elif node.__class__ is InvalidViewNode:
        raise RuntimeError(node.message)
    elif node.__class__ is OutputSlot:
        return node.shared
    return node


# The node PyTorch's autograd fallback records for an op without a derivative formula: its
# inputs are the operands that require grad, whichever they are.
_FALLBACK = "torch::autograd::NotImplemented"


def node_input_positions(node: Node) -> tuple[int, ...] | None:
    """The positions in ``node.inputs`` of the inputs PyTorch's node has, which
    ``next_functions`` and a node hook's ``grad_inputs`` list (``OpDef.node_inputs``); None
    when it has them all.

    Args:
        node: A node of the graph.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, -1.0], requires_grad=True)
    >>> y = symgrad.where(x > 0, x, 0.0)
    >>> len(y.grad_fn.inputs), node_input_positions(y.grad_fn)  # not the condition
    (3, (1, 2))
    """
    op = node.op
    if op is None:
        return None
    if op.grad_fn == _FALLBACK:
        return tuple([i for i, x in enumerate(node.inputs) if isinstance(x, Node)])
    return op._shown


def _shown(node: Node, per_input: tuple[Any, ...]) -> tuple[Any, ...]:
    """Of ``per_input`` (one entry per input of ``node``), the entries of PyTorch's node's
    inputs (``OpDef.node_inputs``): a constant or an input of no derivative is listed only
    where PyTorch's signature gives it one."""
    positions = node_input_positions(node)
    if positions is None:
        return per_input
    return tuple([per_input[i] for i in positions])


def _needs(inputs: tuple[Node | Tensor, ...]) -> tuple[bool, ...]:
    """PyTorch's ``needs_input_grad``: per input, whether it is a node (a leaf or a computed
    input), not a constant. Two inputs spelt out: a comprehension is a function call in Python
    3.11."""
    if len(inputs) == 2:
        return isinstance(inputs[0], Node), isinstance(inputs[1], Node)
    return tuple([isinstance(x, Node) for x in inputs])


def _not_differentiable(
    node: Node, grads: list[Tensor | None], used: tuple[Tensor, ...],
    computed: tuple[Any, ...] = (),
) -> tuple[Tensor | None, ...]:
    """The gradients of an op without double backward, recorded so that differentiating them
    raises (PyTorch's ``NotImplemented`` node) instead of silently giving a wrong answer. A
    gradient the VJP ``computed`` with a backward operator that has no derivative of its own
    (PyTorch's ``_cdist_backward``) is kept: its node already raises PyTorch's error, under
    its name (``CdistBackwardBackward0``), through the sum to the input's shape if any."""
    # (A ``JointNode``'s first value is the tuple of its outputs' gradients.)
    sources = tuple(t for u in used for t in (u if type(u) is tuple else (u,))
                    if t is not None and t._rg)
    if not sources:
        return tuple(grads)
    op = node.op
    # An op may name the operator PyTorch's message names (aten::multi_margin_loss_backward),
    # and per input the message, error and node PyTorch gives that input's gradient
    # (``second_order``: embedding_bag's weight, a NotImplementedError).
    message = (f"derivative for {op.extra.get('backward_operator', node.name())} is not "
               "implemented")
    named = op.extra.get("second_order", {})
    inputs = tuple(t.grad_fn if t.grad_fn is not None else t._accumulator() for t in sources)
    return tuple(
        grad if grad is None or _refuses_itself(computed[k] if computed else None) else
        type(grad)._make(grad._data, True, NotImplementedNode(
            *named.get(op.args[k], (message,)), inputs=inputs))
        for k, grad in enumerate(grads))


def _refuses_itself(grad: Any) -> bool:
    op = getattr(getattr(grad, "_fn", None), "op", None)
    return op is not None and not op.double_backward and not op.differentiable


class _Plan:
    """What backward reads of an op on every node, gathered once and kept on the op
    (``OpDef._plan``).

    Attributes:
        vjp: The VJP.
        wanted: The attributes the VJP takes; None when it takes all the op's.
        takes_needs: Whether it takes ``needs``.
        saves: Whether the op saves anything (inputs, ``out`` or attrs).
        shape_args: The ``<input>_shape`` arguments the VJP takes, with the input's position.
        double_backward: Whether the VJP can be differentiated.
        skip: How many saved entries stand for attrs (``OpDef.saves_attrs``: freed by
            backward, not passed to the VJP).
        array_vjp: The array VJP, or None.
        plain: Whether the VJP takes the node's attrs as they are, and nothing more.
        needs_only: Whether it takes the node's attrs as they are, and ``needs``.
        indices: The saved inputs an array VJP takes in their own dtype, by position.
    """

    __slots__ = ("vjp", "wanted", "takes_needs", "saves", "shape_args", "double_backward",
                 "skip", "array_vjp", "plain", "needs_only", "indices")

    def __init__(self, op: OpDef) -> None:
        wanted, takes_needs = _vjp_info(op.vjp)
        # The shapes the VJP itself asks for: a VJP swapped in by a test or a mutant may take
        # fewer than the op's own declared.
        self.shape_args = op.shape_args if wanted is None else tuple(
            (kw, i) for kw, i in op.shape_args if kw in wanted)
        if wanted is not None and wanted.issuperset(op.attrs):
            wanted = None  # it takes every attribute a node of the op records: none to leave out
        self.vjp = op.vjp
        self.wanted = wanted
        self.takes_needs = takes_needs
        self.saves = bool(op.saves or op.saves_out or op.checks_out or op.saves_attrs)
        self.double_backward = op.double_backward
        self.skip = len(op.saves_attrs)
        # An array VJP stands in only for the VJP it was declared with: an op whose VJP a test
        # or a mutant swapped (``dataclasses.replace``) runs the new one on tensors.
        self.array_vjp = (op.array_vjp[1] if op.array_vjp and op.array_vjp[0] is op.vjp
                          else None)
        self.plain = wanted is None and not takes_needs and not self.shape_args
        self.needs_only = wanted is None and takes_needs and not self.shape_args
        # The saved inputs no gradient flows to (a loss's class indices) reach an array VJP as
        # they are, whatever their dtype: only the values gradients are computed from must
        # share g's dtype. Positions in ``Node._saved``, after the attrs' entries.
        self.indices = frozenset(self.skip + k for k, i in enumerate(op.saves)
                                 if op.args[i] not in op.differentiable)


def _plan(op: OpDef) -> _Plan:
    """The op's ``_Plan``, made and kept on the op the first time a node of it runs."""
    plan = _Plan(op)
    object.__setattr__(op, "_plan", plan)  # a frozen dataclass: a cache, not a change
    return plan


_VJP_INFO: dict[Callable[..., Any], tuple[frozenset[str] | None, bool]] = {}


def _vjp_info(vjp: Callable[..., Any]) -> tuple[frozenset[str] | None, bool]:
    """What a VJP's own signature says, read once per VJP: the attributes it takes (it may name
    only some of the op's; None when it takes ``**kwargs``, hence all), and whether it is told
    which inputs need a gradient (it declares ``needs``, or takes any keyword).

    Read from the VJP, not the op: a test or a mutant may swap in a VJP that takes no
    ``needs``, or one that wraps the op's (``**kwargs``) and passes it on. The wrapper's own
    signature counts (``follow_wrapped=False``), not that of the function it wraps.
    """
    import inspect

    try:
        return _VJP_INFO[vjp]
    except KeyError:
        params = inspect.signature(vjp, follow_wrapped=False).parameters.values()
        if any(p.kind is p.VAR_KEYWORD for p in params):
            info = None, True
        else:
            names = frozenset(p.name for p in params if p.kind is p.KEYWORD_ONLY)
            info = names, "needs" in names
        _VJP_INFO[vjp] = info
        return info


# An accumulator's attrs: it has none, and nothing adds any.
_NO_ATTRS: dict[str, Any] = {}

# The ``grad_dtype`` of each leaf that set one (``Tensor.grad_dtype``), by the leaf's id while
# it lives: a dtype its gradients are cast to before its hooks and ``.grad`` see them, or None,
# which keeps the dtype each gradient comes in. A leaf without an entry takes gradients in its
# own dtype. Kept aside, not in a slot of every tensor: few leaves set one, and the engine and
# the ``grad`` setter look here only while the table is not empty.
GRAD_DTYPES: dict[int, _dtypes.dtype | None] = {}
_UNSET = object()
# The ops whose PyTorch formula returns the gradient in the input's dtype itself when their
# node casts (has a ``dtype`` attr): ToCopyBackward0's ``grad.to(self's dtype)``, cumsum's,
# nansum's and vector_norm's given ``dtype=``. A leaf's grad_dtype applies after that cast;
# the other ops' gradients reach it in the dtype their formula gives (add's, mul's, sum's
# with ``dtype=``: the promoted one). symgrad's VJPs leave every cast to the engine.
_GRAD_IN_INPUT_DTYPE = frozenset({"to_copy", "cumsum", "nansum", "norm"})


def _edge_dtype(x: Any, np_dtype: np.dtype, got: np.dtype) -> np.dtype:
    """The NumPy dtype in which the input ``x`` of a node takes a gradient of dtype ``got``:
    ``np_dtype`` (the input's, from the node's meta), unless ``x`` is the accumulator of a leaf
    that set ``grad_dtype``: that dtype, or ``got`` for None. PyTorch's engine casts each
    gradient to its next node's input metadata, an accumulator's being the leaf's grad_dtype as
    it is when backward runs; an op's own formula may cast first (``.double()``'s does)."""
    if GRAD_DTYPES and x.__class__ is AccumulateGrad:
        d = GRAD_DTYPES.get(id(x.variable), _UNSET)
        if d is not _UNSET:
            return got if d is None else d.np
    return np_dtype


def _formula_dtype(node: Node, np_dtype: np.dtype, got: np.dtype) -> np.dtype:
    """The dtype PyTorch's formula for ``node`` gives a gradient symgrad's VJP gave in ``got``,
    for an input of dtype ``np_dtype`` (``_GRAD_IN_INPUT_DTYPE``)."""
    op = node.op
    if op is not None and op.name in _GRAD_IN_INPUT_DTYPE and "dtype" in node.attrs:
        return np_dtype
    return got


def _to_edge_dtype(grad: Tensor, x: Any, np_dtype: np.dtype, node: Node | None = None
                   ) -> Tensor:
    """A tensor gradient that ``node`` (None: the root) gives its input ``x``, of dtype
    ``np_dtype``, cast as PyTorch's formula and then its engine cast it (``_edge_dtype``)."""
    got = grad._data.dtype
    if node is not None and _formula_dtype(node, np_dtype, got) is not got:
        grad, got = grad.to(_dtypes._FROM_NP[np_dtype]), np_dtype
    to = _edge_dtype(x, np_dtype, got)
    return grad if got is to else grad.to(_dtypes._FROM_NP[to])


def _in_grad_dtype(node: AccumulateGrad, g: Any) -> Any:
    """``g`` (an array or a tensor), reaching a leaf's accumulator, in the ``grad_dtype`` the
    leaf set, if it set a dtype."""
    d = GRAD_DTYPES.get(id(node.variable))
    data = g if type(g) is _NDARRAY else g._data
    if d is None or data.dtype is d.np:
        return g
    return _wrap(g).to(d)._data if type(g) is _NDARRAY else g.to(d)


class AccumulateGrad(Node):
    """The node that adds a gradient into a leaf's ``.grad``; one per leaf, made on its first use.

    Args:
        variable: The leaf whose ``.grad`` receives the gradient.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> acc = (x * 2).grad_fn.next_functions[0][0]
    >>> acc, acc.variable is x
    (<AccumulateGrad object at ...>, True)
    """

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        # ``Node.__init__``'s slots, set here: a leaf's first use in each graph makes one.
        self.op = self._out_data = self._out_ref = self._hooks = self._retained = None
        self.attrs = _NO_ATTRS
        self.inputs = self._in_meta = self._saved = ()
        self._out_version = 0
        self.variable = variable
        # Made lazily, on a leaf's first use: numbered in creation order as any node, it runs
        # once every node of the graph that feeds it has (their numbers are higher), before
        # the nodes made earlier. PyTorch runs an accumulator as soon as it is ready, so when a
        # later node's backward raises, the leaves it reached first have their gradients.
        self._seq = next(_SEQ)

    def name(self) -> str:
        """PyTorch's name for a leaf's accumulator.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> (x * 2).grad_fn.next_functions[0][0].name()
        'torch::autograd::AccumulateGrad'
        """
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


class OutputSlot(Node):
    """One output of a node that has several: a custom Function's call with more than one
    differentiable output. The engine's nodes have one output each, so each such output gets
    a slot of its own, the ``grad_fn`` its tensor holds: its tensor's hooks and
    ``retain_grad`` see that output's gradient alone. The slot hands the gradient to the
    shared node (``receive``), which calls the Function's ``backward`` once with all of them.

    The slot's one edge leads to the shared node and carries only a zero (``_READY_META``): it
    makes the engine run the shared node after every slot that has a gradient (the slots are
    made after it, so they come first). Users never see a slot: ``grad_fn`` and
    ``next_functions`` name the shared node and the output's index, as PyTorch does.

    Args:
        shared: The node of the call (it has ``receive(index, gradient)``).
        index: Which of the call's outputs this is.

    >>> import symgrad
    >>> class Both(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return 2 * x, 3 * x
    ...     @staticmethod
    ...     def backward(ctx, g2, g3):
    ...         return 2 * g2 + 3 * g3
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> a, b = Both.apply(x)
    >>> type(a._fn).__name__, a.grad_fn is b.grad_fn, (a + b).grad_fn.next_functions[1][1]
    ('OutputSlot', True, 1)
    """

    __slots__ = ("shared", "index")

    def __init__(self, shared: Node, index: int) -> None:
        super().__init__(None, _NO_ATTRS, (shared,), _READY_META)
        self.shared = shared
        self.index = index

    def name(self) -> str:
        """The shared node's name."""
        return self.shared.name()

    def apply(self, g: Tensor) -> tuple[Tensor]:
        """Hand ``g`` to the shared node; pass on the zero that schedules it."""
        self.shared.receive(self.index, g)
        return (_wrap(np.zeros((), np.float64)),)

    def _array_grads(self, g: np.ndarray) -> tuple[np.ndarray]:
        self.shared.receive(self.index, g)
        return (np.zeros((), np.float64),)


# What an ``OutputSlot``'s edge to its shared node carries: a float64 zero.
_READY_META = (((), np.dtype(np.float64)),)


class SharedNode(Node):
    """The node of a call with several differentiable outputs, each of which holds an
    ``OutputSlot`` of it: a custom Function's call (``function.BackwardCFunction``) or an op of
    several outputs (``JointNode``). The slots hand it their gradients (``receive``), and it
    runs once with all of them, its own prehooks and hooks seeing them all (the engine's would
    see the slots' zero).

    Args:
        op: As ``Node``'s.
        attrs: As ``Node``'s.
        inputs: As ``Node``'s.
        in_meta: As ``Node``'s.
        out_meta: Per output, its shape and dtype (None for one that is no tensor).
    """

    __slots__ = ("_out_meta", "_received", "_call_hooks")

    def __init__(self, op: OpDef | None, attrs: dict[str, Any],
                 inputs: tuple[Node | Tensor, ...],
                 in_meta: tuple[tuple[tuple[int, ...], Any], ...],
                 out_meta: tuple[Any, ...] = ()) -> None:
        super().__init__(op, attrs, inputs, in_meta)
        self._out_meta = out_meta
        # The gradients received in one backward pass (keyed by it: a pass that stopped
        # before the node ran leaves none behind for the next).
        self._received: tuple[Any, list[Any]] | None = None
        self._call_hooks: _Hooks | None = None

    def receive(self, index: int, g: Any) -> None:
        """Keep the gradient of output ``index`` (from its ``OutputSlot``) for this node's run,
        summed with any received before in the same backward pass.

        Args:
            index: The output's position among the call's outputs.
            g: Its gradient: an array, or a tensor when the backward records.
        """
        run = grad_mode._state.pending  # one per backward pass (``run_backward``)
        if self._received is None or self._received[0] is not run:
            self._received = (run, [None] * len(self._out_meta))
        grads = self._received[1]
        before = grads[index]
        if type(g) is not np.ndarray:
            grads[index] = g if before is None else before + g
        else:  # the backward sees, and may keep, a gradient of its own
            grads[index] = _unlent(g) if before is None else _plus(before, g)

    def _taken(self) -> tuple[Any, ...]:
        """The gradients received, one per output (None where none came), as tensors; the
        node forgets them."""
        received = self._received[1] if self._received is not None else None
        self._received = None
        return tuple(_wrap(a) if type(a) is np.ndarray else a
                     for a in received or [None] * len(self._out_meta))

    def _hook_list(self, kind: str) -> _HookList:
        # The node runs its own prehooks and hooks, on the gradients of all its outputs at
        # once (the engine's would see one: the slots' zero).
        if kind != "tensor":
            if self._call_hooks is None:
                self._call_hooks = _Hooks()
            return getattr(self._call_hooks, kind)
        return super()._hook_list(kind)

    def _pre_called(self, grad_outputs: tuple[Any, ...]) -> tuple[Any, ...]:
        """The gradients of the outputs after the node's prehooks."""
        hooks = self._call_hooks
        for hook in list(hooks.pre.values()) if hooks is not None else ():
            new = hook(grad_outputs)
            if new is not None:
                grad_outputs = _checked(hook, new, len(grad_outputs))
        return grad_outputs


class JointNode(SharedNode):
    """The one node of a registry op with several outputs (``registry.defoutputs``: std_mean's
    std and mean), as PyTorch's: its VJP runs once, on the gradients of all the outputs (None
    for one that none reached), so that their parts are summed before the node rounds them to
    the input's dtype, and what it saved is freed once for all of them (a second backward
    through either output raises). Each output's ``grad_fn`` is an ``OutputSlot`` of it.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0, 6.0], requires_grad=True)
    >>> std, mean = symgrad.std_mean(x)
    >>> std.grad_fn is mean.grad_fn, type(std.grad_fn).__name__, type(std._fn).__name__
    (True, 'StdMeanBackward0', 'OutputSlot')
    >>> (std + mean).backward(); x.grad
    tensor([-0.0446,  0.1444,  0.9003])
    """

    __slots__ = ()

    def apply(self, g: Any) -> tuple[Tensor | None, ...]:
        """Run the op's VJP on the gradients the slots handed over (``g``, the slots' zero
        that scheduled the node, is not one of them): one gradient per input.

        Args:
            g: The slots' zero.
        """
        grad_outputs = self._pre_called(self._taken())
        grads = Node.apply(self, grad_outputs)  # the op's VJP takes them as its first argument
        hooks = self._call_hooks
        if hooks is not None and hooks.post:
            grads = _post_hooks(self, grads, grad_outputs, hooks)
        return grads

    def unpack(self) -> list[Tensor]:
        """The saved inputs, then the saved outputs (``OpDef.saves_results``), each checked
        against in-place changes since it was saved; an output comes back as the output it
        is (made by its slot of this node), so that a second derivative goes through it."""
        if self._saved is None:
            raise RuntimeError(_FREED)
        if DETACHED:
            _check_detached(self)
        results = self.op.saves_results
        first = len(self._saved) - len(results)
        recording = grad_mode._state.enabled
        make = _made["Tensor"]._make
        values = []
        for k, (t, version) in enumerate(self._saved):
            if k < first:
                if t._version != version and not _unread(self, k):
                    raise RuntimeError(_modified_message(t, version, self))
                values.append(t)
                continue
            index = results[k - first]
            if t._version != version:
                made_by = f"output {index} of {self.name().removesuffix('Backward0')}"
                raise RuntimeError(_modified_message(t, version, self, made_by=made_by))
            values.append(make(t._data, True, OutputSlot(self, index)) if recording
                          else make(t._data, False, None))
        return values


class NotImplementedNode(Node):
    """A node whose backward raises: a gradient computed by a VJP that has no derivative.

    >>> import dataclasses, symgrad
    >>> from symgrad.ops.registry import REGISTRY, apply
    >>> mul = dataclasses.replace(REGISTRY["mul"], double_backward=False)
    >>> x = symgrad.tensor(2.0, requires_grad=True)
    >>> (dx,) = symgrad.autograd.grad(apply(mul, x, 3.0), x, create_graph=True)
    >>> dx.grad_fn
    <NotImplemented object at ...>
    >>> dx.backward()
    Traceback (most recent call last):
    RuntimeError: derivative for MulBackward0 is not implemented
    """

    __slots__ = ("_message", "_error", "_name")

    def __init__(self, message: str, error: type[Exception] = RuntimeError,
                 name: str = "torch::autograd::NotImplemented", *,
                 inputs: tuple[Node, ...]) -> None:
        super().__init__(None, {}, inputs, ())
        self._message, self._error, self._name = message, error, name

    def name(self) -> str:
        """PyTorch's name for the node of a derivative that is not implemented (or the name
        of the node it gives a particular one)."""
        return self._name

    def apply(self, g: Tensor) -> tuple[Tensor | None, ...]:
        """Refuse, with the message naming the op (see the class's example)."""
        raise self._error(self._message)


def _unread(node: Node, k: int) -> bool:
    """Whether ``node``'s ``k``-th saved entry is an input no gradient it computes reads
    (``OpDef.needed_by``: ``x * 2`` reads ``x`` only for the gradient of 2): PyTorch does not
    save it, so a later in-place change of it is no error. Asked only on a changed version."""
    op = node.op
    if op is None or op.needed_by is None:
        return False
    k -= len(op.saves_attrs)  # their entries come first (``registry._record``)
    return k >= 0 and not any(isinstance(node.inputs[j], Node) for j in op.needed_by[k])


def _modified_message(t: Tensor, version: int, node: Node, output: bool = False,
                      made_by: str | None = None) -> str:
    kind = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor",
            "float16": "torch.HalfTensor", "bfloat16": "CPUBFloat16Type",
            "int64": "torch.LongTensor"}.get(
        t.dtype.name, "Tensor")
    shape = ", ".join(str(s) for s in t.shape)
    producer = node if output else t.grad_fn
    # PyTorch names the producing op by its node's name without "Backward" ("Mul", "Sum1").
    op = "" if producer is None else producer.name().replace("Backward0", "")
    where = "" if producer is None else f", which is output 0 of {op.replace('Backward', '')},"
    if made_by is not None:  # an output of an op symgrad records as several nodes (svd's)
        where = f", which is {made_by},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind} [{shape}]]{where} is at version {t._version}; "
        f"expected version {version} instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


def _fitted(grad: Any, x: Node | Tensor, meta: tuple[Any, ...], node: Node) -> np.ndarray | None:
    """An array VJP's gradient as its input takes it: None for a constant (or none given),
    else an array of the input's shape (a broadcast gradient summed back) and dtype.

    Args:
        grad: The gradient, an array or a NumPy scalar (NumPy gives those for 0-d arrays).
        x: The input: a node, or a constant tensor.
        meta: The input's entry in ``node._in_meta``: its shape and dtype.
        node: The node whose VJP gave ``grad``, named in PyTorch's error for a gradient that
            does not fit.
    """
    if grad is None or not isinstance(x, Node):
        return None
    if type(grad) is not _NDARRAY:
        grad = grad.dense() if type(grad) is SliceGradient else np.asarray(grad)
    shape, np_dtype = meta
    if grad.shape != shape:
        if shape and grad.shape[1:] == shape and grad.dtype in _ARRAY_DTYPES:
            # One leading dim (a bias's gradient over a batch): the sum op's forward, which
            # for float32 and float64 is this one call (6.8 us through ``_reduce_array``
            # inside a training step, 3 of them a step).
            grad = np.add.reduce(grad, axis=0)
        else:
            index = [m is meta for m in node._in_meta].index(True)
            grad = _reduce_array(grad, shape, node, index)
    if grad.dtype is not np_dtype:
        # As PyTorch casts: its formula's cast if it has one, then its engine's.
        got = _formula_dtype(node, np_dtype, grad.dtype)
        if grad.dtype is not got:
            grad = _wrap(grad).to(_dtypes._FROM_NP[got])._data
        to = _edge_dtype(x, np_dtype, got)
        if got is not to:
            grad = _wrap(grad).to(_dtypes._FROM_NP[to])._data
    return grad


def _reduce_to(grad: Tensor, shape: tuple[int, ...], node: Node, index: int) -> Tensor:
    """Sum a broadcast gradient back to the input's shape (PyTorch's ``sum_to_size``)."""
    if not grad_mode._state.enabled:
        return type(grad)._make(_reduce_array(grad._data, shape, node, index), False, None)
    lead, dims = _summed_dims(grad._data.shape, shape, node, index)
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    return grad.reshape(shape) if lead else grad


def _reduce_array(grad: np.ndarray, shape: tuple[int, ...], node: Node, index: int
                  ) -> np.ndarray:
    """``_reduce_to`` on an array, with nothing to record: the sum op's own forward (same
    accumulation dtype), straight on NumPy."""
    lead, dims = _summed_dims(grad.shape, shape, node, index)
    if dims and len(dims) == lead and shape:
        # Only the leading dims (a bias's gradient over a batch): summed away, the result has
        # the input's shape, a new array ``.grad`` takes without a copy (not a reshaped view).
        # (Summed to no dims at all, NumPy would give a scalar.)
        return _made["REGISTRY"]["sum"].forward(grad, dim=dims, keepdim=False)
    if dims:
        grad = _made["REGISTRY"]["sum"].forward(grad, dim=dims, keepdim=True)
    return grad.reshape(shape) if lead else grad


def _summed_dims(got: tuple[int, ...], shape: tuple[int, ...], node: Node, index: int
                 ) -> tuple[int, tuple[int, ...]]:
    """How a gradient of shape ``got`` is summed to ``shape``: the number of leading dims it
    has in excess, and the dims summed (those, and the dims ``shape`` has as 1); PyTorch's
    error where ``got`` does not broadcast from ``shape``."""
    lead = len(got) - len(shape)
    dims = list(range(lead)) if lead > 0 else []
    fits = lead >= 0
    for i, s in enumerate(shape if fits else ()):
        n = got[lead + i]
        if s == 1 and n != 1:
            dims.append(lead + i)
        elif s != 1 and n != s:
            fits = False
    if not fits:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {index} - got "
            f"{list(got)} but expected shape compatible with {list(shape)}")
    return lead, tuple(dims)


# The shape of a node's output when an in-place view op changed its tensor's shape while
# nothing recorded (``y.t_()`` under ``no_grad``): the node still makes gradients for that
# shape, and, as PyTorch does, a gradient reaching it is summed to it where it broadcasts from
# it, and refused where it does not (``_to_kept_shape``).
SHAPE_KEPT: weakref.WeakKeyDictionary[Node, tuple[int, ...]] = weakref.WeakKeyDictionary()


def _to_kept_shape(grad: Any, shape: tuple[int, ...], meta: tuple[Any, ...], node: Node) -> Any:
    """``grad``, which ``node`` sends to an input whose node is in ``SHAPE_KEPT``, summed to
    that node's output ``shape``, or PyTorch's error naming ``node``."""
    if tuple(grad.shape) == shape:
        return grad
    if type(grad) is SliceGradient:
        grad = grad.dense()
    index = [m is meta for m in node._in_meta].index(True)
    if isinstance(grad, np.ndarray):
        grad = _reduce_array(grad, shape, node, index)
        # A new array, as PyTorch's sum_to is, not a view: an accumulator may take it as it is.
        return grad.copy() if grad.base is not None else grad
    return _reduce_to(grad, shape, node, index)


# The outputs a node's backward depends on besides its gradient's (sort's or max's indices), with
# their versions when it made them: PyTorch saves such an output, and a backward through the
# node after an in-place write to it (or to a view of it) raises. symgrad's VJPs find the
# indices again from the saved input (a copy, ``keep_inputs_as_recorded``), so only this table
# tells of the write.
OUTPUTS_SAVED: weakref.WeakKeyDictionary[Node, tuple[tuple[Tensor, int, str | None], ...]] = (
    weakref.WeakKeyDictionary())


def save_outputs(out: Tensor, *others: Tensor, producer: str | None = None) -> None:
    """Have the node that made ``out`` refuse to run backward once one of ``others``, outputs
    it returned beside ``out``, has been written in place, as PyTorch's does.

    Args:
        out: The op's differentiable output, just made (nothing is kept if it has no node).
        *others: Its other outputs (indices), as the op returns them.
        producer: PyTorch's name of the one node that made all of ``others`` (``LinalgSvd``,
            for outputs symgrad records as several nodes), which its error names with the
            written output's position among them; None for outputs PyTorch's error does not
            name (indices). Defaults to None.

    >>> import symgrad
    >>> x = symgrad.tensor([2.0, 1.0], requires_grad=True)
    >>> values, indices = x.sort()
    >>> _ = indices.add_(1)
    >>> values.sum().backward()
    Traceback (most recent call last):
    ...
    RuntimeError: one of the variables needed for gradient computation has been modified by ...
    """
    node = out._fn
    if node is not None:
        OUTPUTS_SAVED[node] = tuple([
            (t, t._version, None if producer is None else f"output {i} of {producer}")
            for i, t in enumerate(others)])


def keep_inputs_as_recorded(out: Tensor) -> None:
    """Have the node that made ``out`` keep copies of the inputs it saved, as they are now.

    For an op whose VJP reads its input only to find again which elements the forward selected
    (sort, topk, max along a dim, kthvalue, median, mode, quantile): PyTorch's node saves those
    positions (the indices), not the input, so a later in-place write to the input is no error
    there, and the gradient still goes to the elements the forward selected. A copy keeps both.

    Args:
        out: The op's differentiable output, just made (nothing is kept if it has no node).

    >>> import symgrad
    >>> x = symgrad.tensor([2.0, 1.0, 3.0], requires_grad=True)
    >>> values = x.sort().values
    >>> with symgrad.no_grad():
    ...     _ = x.neg_()
    >>> (values * symgrad.tensor([1.0, 2.0, 3.0])).sum().backward(); x.grad
    tensor([2., 1., 3.])
    """
    node = out._fn
    # (Packed by ``saved_tensors_hooks``, they are the hooks' to keep.)
    if node is not None and node._saved and type(node._saved) is not PackedSaved:
        # (a fresh tensor's version stays 0: nothing else holds it to write it)
        node._saved = tuple([(_wrap(t._data.copy()), 0) for t, _ in node._saved])


# Tensors detached in place (``Tensor.detach_``) while a node had made them, by id: a weak
# reference and a sequence number taken then. A node recorded before that which saved one as an
# input finds it without the node it had: PyTorch's SavedVariable refuses to unpack it (an
# output it saved, or a custom Function's saved tensor, it gives back). Empty but for such
# tensors, so the check costs a backward one truth test per node.
DETACHED: dict[int, tuple[weakref.ref[Any], int]] = {}
_DETACHED_IN_PLACE = ("Trying to use a saved tensor that has been detached in-place, i.e. with "
                      ".detach_().This is not supported, please use out-of-place `.detach()` "
                      "instead")


def detached_in_place(t: Any) -> None:
    """Note that ``t``, made by a node, was just detached in place (``Tensor.detach_``).

    Args:
        t: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True) * 2
    >>> y = x.sin(); _ = x.detach_()
    >>> y.backward()
    Traceback (most recent call last):
    ...
    RuntimeError: Trying to use a saved tensor that has been detached in-place, i.e. with ...
    """
    key = id(t)
    DETACHED[key] = (weakref.ref(t, lambda _: DETACHED.pop(key, None)), next(_SEQ))


def _check_detached(node: Node) -> None:
    """PyTorch's error if ``node`` saved a tensor that was detached in place after it (one
    packed by ``saved_tensors_hooks`` is not the node's to check)."""
    if type(node._saved) is PackedSaved:
        return
    for t, _ in node._saved:
        entry = DETACHED.get(id(t))
        if entry is not None and entry[0]() is t and entry[1] > node._seq:
            raise RuntimeError(_DETACHED_IN_PLACE)


def _check_outputs_saved(node: Node, saved: tuple[tuple[Tensor, int, str | None], ...]) -> None:
    """PyTorch's error if an output in ``OUTPUTS_SAVED`` for ``node`` was written since."""
    for t, version, made_by in saved:
        if t._version != version:
            raise RuntimeError(_modified_message(t, version, node, made_by=made_by))


def _topological(roots: Sequence[Node]) -> list[Node]:
    """Nodes reachable from the roots, every node before the nodes it feeds into."""
    order: list[Node] = []
    seen: set[Node] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.inputs))]
        while stack:
            node, it = stack[-1]
            for x in it:
                if isinstance(x, Node) and x not in seen:
                    seen.add(x)
                    stack.append((x, iter(x.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _reaching(order: list[Node], targets: set[Node]) -> set[Node]:
    """The nodes from which some target can be reached."""
    keep: set[Node] = set()
    for node in reversed(order):
        if node in targets or any(x in keep for x in node.inputs if isinstance(x, Node)):
            keep.add(node)
    return keep


def run_backward(
    roots: Sequence[tuple[Node, Tensor]],
    *,
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Node] | None = None,
    accumulate: bool = True,
) -> dict[int, Tensor]:
    """Propagate the root gradients back through the graph.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> _ = run_backward([(y.grad_fn, symgrad.tensor(1.0))], retain_graph=False,
    ...                  create_graph=False)
    >>> x.grad
    tensor([2., 4.])

    With ``accumulate`` the leaves' ``.grad`` is updated. ``capture`` names nodes whose incoming
    gradient is returned (keyed by node id): ``autograd.grad`` and ``backward(inputs=...)``
    restrict the walk to the nodes that lead to them.
    """
    wanted = set(capture) if capture is not None else set()
    keep = _reaching(_topological([n for n, _ in roots]), wanted) if capture is not None else None
    # Pending gradients by node (nodes hash by identity), and the nodes that have one, highest
    # creation number first: a node runs when every node it feeds has run (see ``Node._seq``;
    # the numbers are distinct, so the heap compares numbers only).
    # Without ``create_graph`` nothing records the backward, and the pending gradients are
    # NumPy arrays: made tensors only where a hook, a capture, ``.grad`` or a node without an
    # array VJP (``Node.apply_arrays``) sees them.
    arrays = not create_graph
    buffers: dict[Node, Any] = {}
    # The pending gradients that are the engine's own (a sum of two, ``_sum``), which nothing
    # else can hold: later gradients are summed into them in place, and a leaf's becomes its
    # ``.grad``, with no reference count to check.
    owned: set[Node] = set()
    deferred: set[Node] = set()  # accumulators put off until the rest has run
    ready: list[tuple[int, Node]] = []
    push = heapq.heappush
    pop = heapq.heappop
    for node, g in roots:
        if arrays:
            g = g._data
        if node in buffers:
            buffers[node] = _plus(buffers[node], g) if arrays else buffers[node] + g
        else:
            buffers[node] = g
            push(ready, (-node._seq, node))
    captured: dict[int, Tensor] = {}
    kept = SHAPE_KEPT if len(SHAPE_KEPT.data) else None
    outputs_saved = OUTPUTS_SAVED if len(OUTPUTS_SAVED.data) else None
    take = buffers.pop
    get = buffers.get
    # Grad mode set and restored by hand: this runs once per backward, and the context
    # manager's calls cost more than the smallest graphs' nodes.
    state = grad_mode._state
    before = state.enabled
    state.enabled = create_graph
    outer = state.pending, state.capturing  # a backward run by a hook of another
    state.pending, state.capturing = buffers, capture is not None
    anomaly = anomaly_mode._state.enabled
    check_nan = anomaly and anomaly_mode._state.check_nan
    grad_dtypes = GRAD_DTYPES  # (mutated, never rebound)
    node = None
    try:
        while ready:
            node = pop(ready)[1]
            g = take(node)
            if type(g) is SliceGradient:
                g = g.dense()
            elif g is _UNDEFINED:
                if keep is None or node in keep:
                    _run_undefined(node, buffers, ready)
                continue
            if keep is not None and node not in keep:
                continue
            if grad_dtypes and node.__class__ is AccumulateGrad:
                g = _in_grad_dtype(node, g)
            hooks = node._hooks
            if hooks is not None or node._retained is not None or wanted and node in wanted:
                if arrays:
                    g = _wrap(_unlent(g))
                    if hooks is not None:
                        _unlend_pending(buffers)
                if hooks is not None or node._retained is not None:
                    g = _tensor_hooks(node, g, create_graph)
                if wanted and node in wanted:
                    captured[id(node)] = g
                    if not _needed(node, keep, accumulate):
                        continue
                if hooks is not None and hooks.pre:
                    g = _pre_hooks(node, g)
            if node.__class__ is AccumulateGrad:
                # The last node's gradients, still named here, would count as holders of ``g``
                # (``_sole``).
                grads = grad = None
                if (ready and arrays and node not in deferred and type(g) is _NDARRAY
                        and g.size >= _IN_PLACE and hooks is None and node not in owned
                        and not _sole(g, 2)):
                    # Another pending gradient still holds ``g`` (an add hands its one
                    # gradient to both inputs): accumulated now, ``.grad`` would be a copy.
                    # Run once the rest of the graph has, when ``g`` is the engine's alone (on
                    # 1e5 elements the copy cost the elementwise chain 4-6%).
                    deferred.add(node)
                    buffers[node] = g
                    push(ready, (next(_AFTER_ALL), node))
                    continue
                # A leaf that no longer requires grad (``detach_``, ``requires_grad_(False)``
                # after the graph was made) gets none, as PyTorch's AccumulateGrad skips it.
                if accumulate and (capture is None or node in wanted) and node.variable._rg:
                    # A gradient a hook or ``autograd.grad`` has seen is not the engine's own.
                    own = hooks is None and not wanted and node in owned
                    _accumulate(node.variable, g, create_graph, own)
                if hooks is not None and hooks.post:
                    _post_hooks(node, (), (_wrap(g) if type(g) is _NDARRAY else g,),
                                hooks)
                continue
            if outputs_saved is not None and node in outputs_saved:
                _check_outputs_saved(node, outputs_saved[node])
            if g is None:
                grads = (None,) * len(node.inputs)
            elif arrays:
                grads = node._array_grads(g if type(g) is _NDARRAY else g._data)
            else:
                grads = node.apply(g)
            if hooks is not None and hooks.post:
                grads = _post_hooks_on(node, grads, g, arrays)
            if check_nan:
                anomaly_mode.check_nan(node, grads, keep)
            if not retain_graph and (node._saved or node._out_ref is not None):
                node._saved = None  # ``release``, inlined: the call costs more than its work
                node._out_data = None
                node._out_ref = None
                if outputs_saved is not None:
                    outputs_saved.pop(node, None)
            # One gradient per input (the node's apply checks; array VJPs are the registry's
            # own, tested against ``vjp``): no strict zip. A constant's gradient, if a custom
            # Function returns one, has nowhere to go. An array VJP's gradients are fitted to
            # their inputs here, in the loop that hands them on, not in a loop of their own.
            for x, grad, meta in zip(node.inputs, grads, node._in_meta):  # noqa: B905
                if grad is None:
                    if isinstance(x, Node) and x not in buffers:
                        buffers[x] = _UNDEFINED  # reached all the same (``_run_undefined``)
                        push(ready, (-x._seq, x))
                elif isinstance(x, Node):
                    # A SliceGradient has its input's shape and dtype, and stays one.
                    if arrays and (type(grad) is not _NDARRAY
                                   or (grad.shape, grad.dtype) != meta) and (
                            type(grad) is not SliceGradient):
                        grad = _fitted(grad, x, meta, node)
                    if kept is not None and x in kept:
                        grad = _to_kept_shape(grad, kept[x], meta, node)
                    prev = get(x)
                    if prev is None:
                        buffers[x] = grad
                        push(ready, (-x._seq, x))
                    elif prev is _UNDEFINED:
                        buffers[x] = grad
                    elif create_graph:
                        buffers[x] = prev + grad
                    elif x in owned:
                        buffers[x] = _add_into(prev, grad)
                    else:
                        buffers[x] = _sum(prev, grad)
                        owned.add(x)
    except BaseException:
        if anomaly and node is not None:
            anomaly_mode.warn_error_in(node)
        if accumulate:
            _accumulate_ready(node, buffers, wanted if capture is not None else None,
                              create_graph)
        raise
    finally:
        state.enabled = before
        state.pending, state.capturing = outer
    return captured


def _accumulate_ready(failed: Node | None, buffers: dict[Node, Any], wanted: set[Node] | None,
                      create_graph: bool) -> None:
    """After an error in a backward, give each leaf the gradient PyTorch's would have by then.

    PyTorch runs an accumulator as soon as every node feeding it has run (its sequence_nr is
    above every other node's); symgrad's runs at its creation number, the leaf's first use.
    So a leaf first used before the failing node was made, and handed its whole gradient
    before that node ran, had it in PyTorch and not here (``(x.exp(), u * u + x)[1]`` with
    ``u`` written in place: x's gradient is ones in PyTorch; fuzzer seed 2258 #679). Such a
    pending accumulator is one that no unfinished node (the failing one, or one still
    pending) reaches; the accumulators put off (``deferred``) are among them. One with hooks
    gets nothing, as before. ``wanted``: the captured nodes, when the backward captures.
    """
    unfinished = [n for n in buffers if n.__class__ is not AccumulateGrad]
    if failed is not None and failed.__class__ is not AccumulateGrad:
        unfinished.append(failed)
    blocked = set(_topological(unfinished))
    for n in [n for n in buffers if n.__class__ is AccumulateGrad]:
        if (n in blocked or n is failed or buffers[n] is _UNDEFINED or n._hooks is not None
                or not n.variable._rg or (wanted is not None and n not in wanted)):
            continue
        g = buffers.pop(n)
        _accumulate(n.variable, g.dense() if type(g) is SliceGradient else g, create_graph)


# The pending gradient of a node that only undefined gradients (a VJP's None) reach: PyTorch's
# engine runs such a node all the same, with an undefined gradient, which its nodes hand on as
# undefined (an accumulator does nothing with it), except a node with no derivative, which
# raises as it does for any gradient (norm with p = 0 gives x none: remainder(0.5, x).norm(0)
# raises in backward; fuzzer seed 201 #383).
_UNDEFINED = object()


def _run_undefined(node: Node, buffers: dict[Node, Any], ready: list[tuple[int, Node]]) -> None:
    """Run a node reached by undefined gradients only (``_UNDEFINED``)."""
    if isinstance(node, NotImplementedNode) or getattr(node, "refuses_undefined", False):
        node.apply(None)  # (unique's and geqrf's nodes too: seeds 2264 #924, 2269 #1455)
    if node.op is not None and node.name() == "torch::autograd::NotImplemented":
        node.op.vjp(None)  # raises: each such op's VJP does, whatever it is given
    if node.__class__ is AccumulateGrad:
        return
    if node.op is not None and (node._saved is None or node._saved or node._out_ref is not None):
        # PyTorch's node unpacks what it saved before it looks at its gradients, so a value
        # written in place since (or freed by an earlier backward) raises here too: a * b with
        # a written, then norm(0), whose p = 0 hands a * b no gradient (seed 2162 #421).
        node.unpack()
    for x in node.inputs:
        if isinstance(x, Node) and x not in buffers:
            buffers[x] = _UNDEFINED
            heapq.heappush(ready, (-x._seq, x))


def _needed(node: Node, keep: set[Node] | None, accumulate: bool) -> bool:
    """Whether a node whose gradient is captured runs too, as in PyTorch: a leaf's accumulator
    only when it accumulates (``backward(inputs=...)``), another node only when its gradients
    lead to another captured node. A node that does not run calls none of its own hooks."""
    if node.__class__ is AccumulateGrad:
        return accumulate
    return keep is not None and any(x in keep for x in node.inputs if isinstance(x, Node))


def _tensor_hooks(node: Node, g: Tensor, create_graph: bool) -> Tensor:
    """A node's gradient after its tensor's hooks (``Tensor.register_hook``), kept in
    ``.grad`` when its tensor retains it: PyTorch runs these before the node's own prehooks."""
    if node._hooks is not None:
        for hook in list(node._hooks.tensor.values()):
            new = hook(g)
            if new is not None:
                g = new
    if node._retained is not None:
        t = node._retained()
        if t is not None:
            _accumulate(t, g, create_graph)
    return g


def _pre_hooks(node: Node, g: Tensor | None) -> Tensor | None:
    """The gradient reaching a node after its ``register_prehook`` hooks."""
    assert node._hooks is not None
    grads: tuple[Tensor | None, ...] = (g,)
    for hook in list(node._hooks.pre.values()):
        new = hook(grads)
        if new is not None:
            grads = _checked(hook, new, 1)
    return grads[0]


def _post_hooks(node: Node, grads: tuple[Tensor | None, ...],
                grad_outputs: tuple[Tensor | None, ...], hooks: _Hooks
                ) -> tuple[Tensor | None, ...]:
    """The gradients a node computed after its ``register_hook`` hooks (``hooks``: the
    engine's, ``node._hooks``, or a ``SharedNode``'s own), which see those of PyTorch's node's
    inputs (``_shown``): the others' (None) stay as they are. ``grad_outputs``: the gradients
    of the node's outputs."""
    positions = node_input_positions(node)
    seen = grads if positions is None else tuple([grads[i] for i in positions])
    for hook in list(hooks.post.values()):
        new = hook(seen, grad_outputs)
        if new is not None:
            seen = _checked(hook, new, len(seen))
    if positions is None:
        return seen
    out = list(grads)
    for i, grad in zip(positions, seen, strict=True):
        out[i] = grad
    return tuple(out)


def _post_hooks_on(node: Node, grads: tuple[Any, ...], g: Any, arrays: bool
                   ) -> tuple[Any, ...]:
    """``_post_hooks``, which see tensors, in a backward whose gradients are arrays or not."""
    if not arrays:
        return _post_hooks(node, grads, (g,), node._hooks)
    grads = tuple([_fitted(a, x, meta, node)  # as ``run_backward`` would hand them on
                   for a, x, meta in zip(grads, node.inputs, node._in_meta)])  # noqa: B905
    seen = _post_hooks(node, tuple([None if a is None else _wrap(_unlent(a)) for a in grads]),
                       (g if g is None or type(g) is not _NDARRAY else _wrap(_unlent(g)),),
                       node._hooks)
    return tuple([None if t is None else t._data for t in seen])


def _checked(hook: Callable[..., Any], new: Any, expected: int) -> tuple[Tensor | None, ...]:
    """What a hook returned, as the tuple that replaces the gradients (PyTorch's checks)."""
    if not isinstance(new, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(new).__name__}'")
    if len(new) != expected:
        name = getattr(hook, "__name__", type(hook).__name__)
        raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got "
                           f"{len(new)}, but expected {expected})")
    return tuple(new)


class RemovableHandle:
    """What registering a hook returns (PyTorch's ``torch.utils.hooks.RemovableHandle``):
    ``remove()`` takes the hook off again; as a context manager, on leaving the block.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> with x.register_hook(lambda g: g * 0):
    ...     pass
    >>> (x * 5).sum().backward(); x.grad
    tensor([5.])
    """

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Callable[..., Any]], *,
                 extra_dict: dict[int, Any] | list[dict[int, Any]] | None = None) -> None:
        self.hooks_dict_ref = hooks
        self.id = next(RemovableHandle._ids)
        # Tables that mark the hook (a module's "with kwargs" ones), cleared with it.
        self.extra_dict_ref = (extra_dict if isinstance(extra_dict, list)
                               else [] if extra_dict is None else [extra_dict])

    def remove(self) -> None:
        """Take the hook off (removing it twice does nothing)."""
        self.hooks_dict_ref.pop(self.id, None)
        for table in self.extra_dict_ref:
            table.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _HookList(dict):
    """One kind of hook of a node, by handle id, in the order registered."""

    def add(self, hook: Callable[..., Any]) -> RemovableHandle:
        handle = RemovableHandle(self)
        self[handle.id] = hook
        return handle


class _Hooks:
    """A node's hooks: its tensor's (``Tensor.register_hook``), its prehooks and its hooks.
    Made on the first registration, so a node without hooks costs one ``None`` check."""

    __slots__ = ("tensor", "pre", "post")

    def __init__(self) -> None:
        self.tensor = _HookList()
        self.pre = _HookList()
        self.post = _HookList()


def _sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two pending gradients of one input summed, in a backward that records nothing: in NumPy
    when they agree in shape and dtype (they do unless a custom Function's do not), into ``a``
    or else ``b`` itself when it is large and nothing but the engine holds it (there a new
    array costs more than the sum), else into a new array. ``b`` is the gradient a node has
    just computed, ``a`` the one pending before; the sum is ``a + b`` whichever it goes into
    (of two NaNs, x86 keeps the first's payload). Either may be a ``SliceGradient``."""
    if type(a) is not _NDARRAY or type(b) is not _NDARRAY:
        return combined(a, b, owned=False)
    if a.dtype is not b.dtype or a.shape != b.shape:
        return (_wrap(a) + _wrap(b))._data
    if a.size >= _IN_PLACE:
        if _sole(a, 4):  # the pending gradients' dict, ``prev``, ``a``
            a += b
            return a
        # The node's tuple of gradients, ``zip``'s tuple of the last pair, ``grad``, ``b``.
        if _sole(b, 5):
            return np.add(a, b, out=b)
    return _plus(a, b)


def _add_into(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``_sum`` where ``a`` is the engine's own pending gradient, which nothing else holds:
    into ``a`` itself when it is large (``b`` may be a ``SliceGradient``)."""
    if type(b) is not _NDARRAY:
        return combined(a, b, owned=True)
    if a.dtype is not b.dtype or a.shape != b.shape:
        return (_wrap(a) + _wrap(b))._data
    if a.size < _IN_PLACE:
        return _plus(a, b)
    a += b
    return a


def _plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` as an array (NumPy gives a scalar for two 0-d arrays)."""
    out = a + b
    return out if type(out) is _NDARRAY else np.asarray(out)


# Elements from which a sum into a pending gradient is made in place: below, NumPy's in-place
# add costs twice a new array's (0.53 against 0.23 us on one element).
_IN_PLACE = 4096


def _accumulate(t: Tensor, g: Any, create_graph: bool, own: bool = False) -> None:
    """Add ``g`` (a tensor, or an array in a backward that records nothing) into ``t.grad``.

    ``_grad``, not the ``grad`` property: ``g`` has ``t``'s shape (Node.apply reduced it), and
    the property's checks cost more than the sum. ``own``: the engine made ``g`` (``_sum``).
    """
    old = t._grad
    if g.shape != t._data.shape:
        # Held by the backward loop's ``g`` and ``g`` here: PyTorch counts the holders of a
        # tensor, not of its memory, so a view of another gradient may be taken as it is.
        alone = sys.getrefcount(g) <= _ONE_VARIABLE + 1
        _accumulate_reshaped(t, g, create_graph, old is None and alone and not create_graph)
    elif type(g) is _NDARRAY:
        if old is None:
            # Held by the backward loop's ``g``, ``g`` here and in ``_sole``.
            t._grad = _wrap(g if own or _sole(g, 3) else g.copy())
        else:
            try:
                old._data += g
            except TypeError:
                _refuse_sum(old, g)
    elif old is None:
        # Held by the backward loop's ``g``, ``g`` here and in ``_unshared``.
        if create_graph or own or _unshared(g, 3):
            t._grad = g
        else:
            t._grad = _wrap(g._data.copy())
    elif create_graph:
        t._grad = old + g
    else:
        try:
            old._data += g._data
        except TypeError:
            _refuse_sum(old, g._data)


def _refuse_sum(old: Tensor, g: np.ndarray) -> None:
    """PyTorch's error for a gradient summed in place into a ``.grad`` whose dtype cannot hold
    the sum (an integer ``.grad``, allowed by ``grad_dtype = None``); NumPy's TypeError said
    the same."""
    summed = _dtypes.promote_types(old.dtype, _dtypes._FROM_NP[g.dtype])
    names = _dtypes._TORCH_NAMES
    raise RuntimeError(f"result type {names[summed.name]} can't be cast to the desired output "
                       f"type {names[old.dtype.name]}") from None


# PyTorch's strides of a leaf that an in-place view op changed under ``no_grad`` while a graph
# held its accumulator (the key), followed by those of dims it had before and lost (squeeze_):
# a TensorImpl keeps the strides of up to 5 dims in a fixed array that a squeeze shortens
# without clearing, and the layout check of ``_accumulate_reshaped`` reads past the leaf's dims
# where the gradient has more. (NumPy's strides of an empty array, all 0, tell nothing.)
STRIDE_SLOTS: weakref.WeakKeyDictionary[Node, tuple[int, ...]] = weakref.WeakKeyDictionary()


def _accumulate_reshaped(t: Tensor, g: Any, create_graph: bool, stealable: bool) -> None:
    """PyTorch's AccumulateGrad where the leaf's shape changed in place after its accumulator
    was made (``t_()`` under ``no_grad``), so the gradient has the old shape: a first gradient
    the engine alone holds becomes ``.grad`` as it is, of the old shape, if its strides are
    the leaf's (the "gradient layout contract"); else it is copied into an empty tensor of the
    leaf's shape and strides (``copy_``'s broadcast, or its error). A later one is added in
    place into ``.grad`` (``+=``'s broadcast, or its error)."""
    from symgrad.ops.registry import broadcast_shapes  # the ops build on this module

    old = t._grad
    data = g if type(g) is _NDARRAY else g._data
    into = tuple(t._data.shape) if old is None else tuple(old.shape)
    if old is None and stealable and _obeys_layout(data, t):
        # Taken as it is, of the old shape (a copy: symgrad's may be a view of a forward value).
        t._grad = _wrap(data.copy())
        return
    shape = broadcast_shapes(into, tuple(data.shape))
    if shape != into:
        raise RuntimeError(
            f"output with shape {list(into)} doesn't match the broadcast shape {list(shape)}")
    if old is not None:
        if create_graph:
            t._grad = old + g
        else:
            old._data += data
    elif create_graph and type(g) is not _NDARRAY:
        t._grad = g.expand(shape).clone()
    else:
        t._grad = _wrap(np.broadcast_to(data, shape).copy())


def _torch_strides(a: np.ndarray, t: Tensor | None = None) -> tuple[int, ...]:
    """PyTorch's strides of an array (a leaf ``t``'s, or a fresh gradient), followed for a
    leaf by those ``STRIDE_SLOTS`` kept of dims it lost."""
    from symgrad.tensor_layout import _steps  # the tensor's module builds on this one

    acc = t._live_accumulator() if t is not None else None
    kept = STRIDE_SLOTS.get(acc) if acc is not None else None
    return kept if kept is not None else _steps(a)


def _obeys_layout(grad: np.ndarray, t: Tensor) -> bool:
    """PyTorch's ``obeys_layout_contract(grad, variable)``: a dense leaf's strides are the
    gradient's at each of the gradient's dims of a size other than 1 (compared by position,
    whatever the two shapes: past the leaf's dims, PyTorch reads the strides its dims lost,
    ``STRIDE_SLOTS``), and no dim of size 1 has stride 0; else the gradient must be
    row-major."""
    steps, leaf = _torch_strides(grad), _torch_strides(t._data, t)
    if not _dense(t._data.shape, leaf[:t._data.ndim]):
        return bool(grad.flags.c_contiguous)
    for i, n in enumerate(grad.shape):
        if n != 1 and (i >= len(leaf) or steps[i] != leaf[i]) or n == 1 and steps[i] == 0:
            return False
    return True


def _dense(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """PyTorch's ``is_non_overlapping_and_dense``: some order of the dims of size 2 or more
    steps through the memory without gaps or overlaps."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    need = 1
    for stride, n in sorted((s, n) for n, s in zip(shape, strides, strict=True) if n >= 2):
        if stride != need:
            return False
        need *= n
    return True


def _wrap(a: np.ndarray) -> Tensor:
    """An array as a tensor outside any graph."""
    return _made["Tensor"]._make(a, False, None)


def _references_of_one_variable() -> int:
    held = object()
    return sys.getrefcount(held)


# What ``sys.getrefcount`` reports for an object one variable holds: 2 before Python 3.14 (the
# variable and the call's argument), 1 from 3.14 on, where the argument is borrowed.
_ONE_VARIABLE = _references_of_one_variable()


def _unshared(g: Tensor, holders: int) -> bool:
    """Whether only the engine holds a gradient, so that it may become ``.grad`` itself instead
    of a copy (PyTorch's AccumulateGrad steals a gradient whose use count says so) or have
    another gradient summed into it.

    ``holders``: the references the engine's own variables and containers make (this
    function's parameter included). Its array must be held by the tensor alone and be a view of
    nothing (no other array shares its memory): then no hook kept it, no other input was given
    it, and it is no array the user passed.
    """
    a = g._data
    return (a.base is None and a.flags.writeable
            and sys.getrefcount(g) <= _ONE_VARIABLE + holders - 1
            and sys.getrefcount(a) <= _ONE_VARIABLE + 1)


def _unlent(a: np.ndarray) -> np.ndarray:
    """A pending gradient as code outside the engine sees it (a hook, a custom Function's
    backward, ``autograd.grad``'s result): a copy of a forward value an array VJP lent it.

    A product's gradient by a gradient of ones is the other factor's own values, which mul's
    array VJP hands on as a read-only view of them instead of multiplying (``_by_one`` in
    ``ops/arithmetic.py``); nothing in the engine writes into a read-only or shared gradient
    (``_sole``, ``_accumulate``). Outside it, a later in-place change of the forward value would
    change the gradient kept, and a write into the gradient would fail. Read-only arrays that
    repeat an element (a sum's gradient broadcast, whose stride is 0) stay as they are: PyTorch
    hands out an expanded gradient there too, and refuses writes into it.
    """
    if a.flags.writeable or 0 in [s for s, n in zip(a.strides, a.shape, strict=True) if n > 1]:
        return a
    return a.copy()


def _unlend_pending(buffers: dict[Node, Any]) -> None:
    """Copy every lent pending gradient (``_unlent``) before code outside the engine runs in a
    backward (a hook, a custom Function's backward): it may change a forward value in place,
    as an optimizer step in a leaf's AccumulateGrad hook does, and a gradient lent from that
    value would change with it."""
    for node, g in buffers.items():
        if type(g) is _NDARRAY:
            copy = _unlent(g)
            if copy is not g:
                buffers[node] = copy
        elif type(g) is SliceGradient:
            g.values = _unlent(g.values)


def _sole(a: np.ndarray, holders: int) -> bool:
    """``_unshared`` for a gradient held as an array: only the engine's ``holders`` references
    (this function's parameter included) hold it, and it is a view of nothing."""
    return (a.base is None and a.flags.writeable
            and sys.getrefcount(a) <= _ONE_VARIABLE + holders - 1)
