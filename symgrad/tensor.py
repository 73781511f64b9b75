"""``Tensor``: a NumPy array plus what autograd needs to know about it.

A tensor is a *leaf* when no recorded operation made it (``grad_fn is None``). A leaf that
requires grad gets its gradient summed into ``.grad`` by ``backward()``; any other tensor that
requires grad carries ``grad_fn``, the node of the operation that made it.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import numpy as np

from symgrad import _dtypes, _from_data
from symgrad import autograd as _autograd
from symgrad import devices as _device
from symgrad._dtypes import dtype
from symgrad.autograd import graph as _graph
from symgrad.autograd.graph import GRAD_DTYPES, AccumulateGrad, Node, RemovableHandle, _Hooks

__all__ = ["Tensor", "tensor"]

_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)
_ONLY_FLOAT = "only Tensors of floating point and complex dtype can require gradients"
# PyTorch's errors for a gradient assigned to ``.grad`` (dtypes as C++ and ScalarType name them)
_GRAD_OF_DTYPE = (
    "attempting to assign a gradient with dtype '{}' to a tensor with grad_dtype '{}'. The "
    "gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set "
    "the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
    "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
    "downstream systems that assume they match."
)
_GRAD_OF_SIZE = (
    "attempting to assign a gradient of size '{}' to a tensor of size '{}'. Please ensure that "
    "the gradient and the tensor are the same size"
)
_GRAD_DTYPE_OVER_GRAD = (
    "Cannot set grad_dtype to '{}' because there is already a gradient with dtype '{}'. Please "
    "clear the gradient (.grad = None) before changing grad_dtype, or ensure the new grad_dtype "
    "matches the existing gradient's dtype."
)
# The hooks of each leaf that has some, by the leaf's id while it lives (``Tensor._leaf_hooks``).
_LEAF_HOOKS: dict[int, _Hooks] = {}


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    >>> import symgrad
    >>> x = symgrad.tensor([2.0, 3.0], requires_grad=True)
    >>> (x * x + 3).sum().backward()
    >>> x.grad
    tensor([4., 6.])
    """

    __slots__ = ("_data", "_rg", "_fn", "_grad", "_version", "_acc", "_view", "__weakref__")

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def _make(cls, data: Any, requires_grad: bool, grad_fn: Node | None) -> Tensor:
        t = object.__new__(cls)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t._rg = requires_grad
        t._fn = grad_fn
        t._grad = None
        t._version = 0
        t._acc = None
        t._view = None  # views and their base, for in-place ops (symgrad.ops.inplace.ViewInfo)
        return t

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's legacy constructor: ``Tensor(data)`` or ``Tensor(*sizes)`` in the default
        float dtype (``symgrad.tensor`` is the one to use: it infers the dtype), read as the
        legacy types read their arguments (``symgrad.legacy_types.construct``).

        Parameters:
            args: one sequence of numbers (copied, each read as the default float), one tensor
                (shared, as PyTorch's ``alias``: its dtype kept), sizes or one ``Size`` (a
                tensor of zeros: PyTorch's is uninitialised); nothing gives an empty tensor.
            kwargs: ``device=``: only the CPU.

        >>> import symgrad
        >>> symgrad.Tensor([1, 2]), symgrad.Tensor(2, 3).shape, symgrad.Tensor()
        (tensor([1., 2.]), symgrad.Size([2, 3]), tensor([]))
        >>> symgrad.Tensor(1.5)
        Traceback (most recent call last):
        ...
        TypeError: new(): data must be a sequence (got float)
        """
        from symgrad import legacy_types

        made = legacy_types.construct(_dtypes.get_default_dtype(), args, kwargs, any_tensor=True)
        # A subclass's instance: PyTorch's holds the same data (a leaf, as its own class)
        return made if cls is Tensor else cls._make(made._data, False, None)

    # -- attributes --------------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph (shares memory).

        >>> import symgrad
        >>> y = symgrad.tensor([1.0, 2.0], requires_grad=True) * 2
        >>> y.data, y.data.requires_grad
        (tensor([2., 4.]), False)
        """
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    @property
    def dtype(self) -> dtype:
        """The element type: Python floats make the default float, ints int64.

        >>> import symgrad
        >>> symgrad.tensor([1.5]).dtype, symgrad.tensor([1]).dtype
        (symgrad.float32, symgrad.int64)
        """
        return _dtypes._FROM_NP[self._data.dtype]

    @property
    def shape(self) -> Size:
        """The length of each dim, as PyTorch's ``torch.Size`` (a tuple).

        >>> import symgrad
        >>> symgrad.zeros(2, 3).shape, symgrad.tensor(1.0).shape
        (symgrad.Size([2, 3]), symgrad.Size([]))
        """
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of one dim (negative dims count from the end).

        Args:
            dim: The dim whose length is returned. Defaults to None: the whole shape.

        >>> import symgrad
        >>> x = symgrad.zeros(2, 3)
        >>> x.size(), x.size(-1)
        (symgrad.Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self._data.shape)
        if not self._data.ndim:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        from symgrad.ops.registry import wrap_dim

        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self) -> int:
        """The number of dims.

        >>> import symgrad
        >>> symgrad.zeros(2, 3).ndim
        2
        """
        return self._data.ndim

    def dim(self) -> int:
        """The number of dims (``ndim``).

        >>> import symgrad
        >>> symgrad.tensor(3.0).dim(), symgrad.zeros(2, 3).dim()
        (0, 2)
        """
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements (``nelement`` too).

        >>> import symgrad
        >>> symgrad.zeros(2, 3).numel(), symgrad.zeros(2, 3).nelement()
        (6, 6)
        """
        return int(self._data.size)

    nelement = numel
    ndimension = dim

    def type(self, dtype: dtype | str | None = None, non_blocking: bool = False) -> Any:
        """Without ``dtype``, PyTorch's legacy name of this tensor's type
        (``"torch.FloatTensor"``, the name programs written for PyTorch compare with); with one,
        this tensor in that dtype (``to``: itself when it is already).

        Args:
            dtype: A dtype, a legacy type (``symgrad.DoubleTensor``) or its name
                (``"torch.DoubleTensor"``). Defaults to None: return the name.
            non_blocking: Accepted for PyTorch's signature; copies are synchronous here.
                Defaults to False.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0])
        >>> x.type(), x.type("torch.LongTensor"), x.type(symgrad.float32) is x
        ('torch.FloatTensor', tensor([1]), True)
        >>> x.type(symgrad.DoubleTensor)
        tensor([1.], dtype=symgrad.float64)
        """
        if dtype is None:
            return f"torch.{_dtypes._TORCH_NAMES[self.dtype.name]}Tensor"
        if isinstance(dtype, str):
            names = {f"torch.{n}Tensor": d for d, n in _dtypes._TORCH_NAMES.items()}
            if dtype not in names:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = _dtypes._by_name(names[dtype])
        # a legacy type (symgrad.legacy_types.tensortype) knows its dtype
        dtype = getattr(dtype, "dtype", dtype) if isinstance(dtype, type) else dtype
        if not isinstance(dtype, _dtypes.dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor in ``other``'s dtype (``self.to(other.dtype)``: itself when they agree).

        Args:
            other: The tensor whose dtype is wanted.

        >>> import symgrad
        >>> symgrad.tensor([1, 2]).type_as(symgrad.tensor([0.5]))
        tensor([1., 2.])
        """
        return self.to(other.dtype)

    @property
    def device(self) -> _device.device:
        """Always the CPU: symgrad computes with NumPy.

        >>> import symgrad
        >>> symgrad.tensor([1.0]).device
        device(type='cpu')
        """
        return _device.CPU

    def cpu(self) -> Tensor:
        """This tensor, already on the CPU.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0])
        >>> x.cpu() is x
        True
        """
        return self

    def cuda(self, device: Any = None) -> Tensor:
        """A copy on a CUDA device: symgrad has none, so PyTorch's CPU-only error.

        Parameters:
            device: which CUDA device (ignored: there is none).

        >>> import symgrad
        >>> symgrad.tensor([1.0]).cuda()
        Traceback (most recent call last):
        ...
        AssertionError: Torch not compiled with CUDA enabled
        """
        _device.check_device("cuda")
        return self

    @property
    def grad_fn(self) -> Node | None:
        """The node of the operation that made this tensor (None for a leaf), an instance of
        the class PyTorch names after the op (``MulBackward0``).

        >>> import symgrad
        >>> y = symgrad.tensor([1.0], requires_grad=True) * 2
        >>> y.grad_fn, type(y.grad_fn).__name__
        (<MulBackward0 object at 0x...>, 'MulBackward0')
        """
        return None if self._fn is None else _graph.dressed(self._fn)

    @grad_fn.setter
    def grad_fn(self, node: Node | None) -> None:
        self._fn = node

    @property
    def is_leaf(self) -> bool:
        """Whether no recorded operation made this tensor (``grad_fn is None``).

        >>> import symgrad
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> x.is_leaf, (x * 2).is_leaf
        (True, False)
        """
        fn = self._fn
        if fn is not None and fn.__class__ is _graph.InvalidViewNode:
            raise RuntimeError(fn.message)
        return fn is None

    def _is_view(self) -> bool:
        """Whether this tensor is a view of another made by a view op (not ``detach``, whose
        result shares the memory but is no view, as in PyTorch).

        >>> import symgrad
        >>> x = symgrad.ones(2, 3)
        >>> x[0]._is_view(), x._is_view(), x.detach()._is_view()
        (True, False, False)
        """
        info = self._view
        return info is not None and info.base is not None and info.has_history

    @property
    def _base(self) -> Tensor | None:
        """The tensor this view's memory is a view of (the first of its chain of views), or
        None for a tensor that is no view (``_is_view``).

        >>> import symgrad
        >>> x = symgrad.ones(2, 3)
        >>> x[0][1:]._base is x, x._base
        (True, None)
        """
        return self._view.base if self._is_view() else None

    def is_floating_point(self) -> bool:
        """Whether the dtype is floating (only such tensors can require gradients).

        >>> import symgrad
        >>> symgrad.tensor([1]).is_floating_point(), symgrad.tensor([1.0]).is_floating_point()
        (False, True)
        """
        return self.dtype.category == _dtypes._FLOAT

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded; only a leaf's can be set.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0]); x.requires_grad = True
        >>> (x * 2).requires_grad
        True
        >>> symgrad.tensor([1]).requires_grad = True
        Traceback (most recent call last):
        ...
        RuntimeError: only Tensors of floating point and complex dtype can require gradients
        """
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._fn is not None:
            msg = "you can only change requires_grad flags of leaf variables."
            if not value:
                msg += (
                    " If you want to use a computed variable in a subgraph that doesn't require "
                    "differentiation use var_no_grad = var.detach()."
                )
            raise RuntimeError(msg)
        if value and self.dtype.category != _dtypes._FLOAT:
            raise RuntimeError(_ONLY_FLOAT)
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return this tensor.

        Args:
            requires_grad: Whether operations on this tensor are recorded from now on. Only a
                leaf's flag can change, and only a floating-point tensor can require grad.
                Defaults to True.

        >>> import symgrad
        >>> symgrad.tensor(3.0).requires_grad_()
        tensor(3., requires_grad=True)
        """
        if self._fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self.dtype.category != _dtypes._FLOAT:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self._fn is None:
            if _inherits(self):
                if not requires_grad:
                    return self  # PyTorch's view still asks its base, which requires grad
                self._acc = None  # its own flag now: gradients accumulate into its .grad
            self._rg = bool(requires_grad)
            if self._view is not None:
                _views_follow(self)
        return self

    @property
    def grad(self) -> Tensor | None:
        """The gradient ``backward()`` summed into this leaf (None until then); a non-leaf has
        one only after ``retain_grad()``, and reading it otherwise warns, as in PyTorch.

        It may be assigned None (a common reset between steps) or a tensor of this tensor's
        shape, in its ``grad_dtype`` (this tensor's dtype unless set; None there allows any
        dtype). As PyTorch does, the dtype is checked before the shape, and anything else
        raises: TypeError for a value that is no tensor, RuntimeError for a tensor of another
        dtype or shape, or for the tensor itself.

        >>> import symgrad
        >>> x = symgrad.tensor([3.0], requires_grad=True)
        >>> x.grad is None
        True
        >>> (x * x).sum().backward(); x.grad
        tensor([6.])
        >>> x.grad = symgrad.zeros(1, dtype=symgrad.float64)
        Traceback (most recent call last):
        ...
        RuntimeError: attempting to assign a gradient with dtype 'double' to a tensor with ...
        >>> x.grad = symgrad.zeros(2)
        Traceback (most recent call last):
        ...
        RuntimeError: attempting to assign a gradient of size '[2]' to a tensor of size '[1]'...
        >>> x.grad = None; x.grad_dtype = None
        >>> x.grad = symgrad.zeros(1, dtype=symgrad.float64); x.grad
        tensor([0.], dtype=symgrad.float64)
        """
        if self._grad is None and self._fn is not None and self._fn._retained is None:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is None:
            self._grad = None
            return
        if not isinstance(value, Tensor):
            raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                            + _from_data.torch_type_name(value))
        # The common case (this tensor's dtype and shape, no grad_dtype set anywhere) costs
        # these comparisons only.
        data, own = value._data, self._data
        if (data.dtype is not own.dtype or data.shape != own.shape or GRAD_DTYPES
                or value is self):
            _check_assigned_grad(self, value)
        self._grad = value

    @property
    def grad_dtype(self) -> dtype | None:
        """The dtype of this leaf's gradients: ``backward()`` casts each one to it before the
        leaf's hooks and ``.grad`` see it, and ``.grad`` may be assigned only a tensor of it.
        It is the leaf's dtype unless set; None lets gradients keep their own dtype and allows
        ``.grad`` any. Leaves only, as in PyTorch 2.13 (RuntimeError on a non-leaf).

        >>> import symgrad
        >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> x.grad_dtype
        symgrad.float32
        >>> x.grad_dtype = symgrad.float64
        >>> (x * 3).sum().backward(); x.grad
        tensor([3., 3.], dtype=symgrad.float64)
        """
        if self._fn is not None:
            raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
        return GRAD_DTYPES.get(id(self), self.dtype)

    @grad_dtype.setter
    def grad_dtype(self, value: dtype | None) -> None:
        if value is not None and not isinstance(value, dtype):
            raise RuntimeError("grad_dtype must be a torch.dtype or None, but got "
                               + _from_data.torch_type_name(value))
        if self._fn is not None:
            # PyTorch's setter reads the non-leaf's .grad first, which warns as reading does.
            if self._grad is None and self._fn._retained is None:
                warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
            raise RuntimeError("grad_dtype can only be set on leaf tensors.")
        grad = self._grad
        if value is not None and grad is not None and grad.dtype is not value:
            raise RuntimeError(_GRAD_DTYPE_OVER_GRAD.format(
                _dtypes._TORCH_NAMES[value.name], _dtypes._CPP_NAMES[grad.dtype.name]))
        key = id(self)
        if key not in GRAD_DTYPES:
            weakref.finalize(self, GRAD_DTYPES.pop, key, None)
        GRAD_DTYPES[key] = value

    @property
    def retains_grad(self) -> bool:
        """Whether this non-leaf keeps its ``.grad`` (``retain_grad()`` was called).

        >>> import symgrad
        >>> y = symgrad.tensor([1.0], requires_grad=True) * 2
        >>> y.retains_grad, (y.retain_grad(), y.retains_grad)[1]
        (False, True)
        """
        return self._fn is not None and self._fn._retained is not None

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor too (leaves always keep theirs).

        >>> import symgrad
        >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3; y.retain_grad()
        >>> (y * y).sum().backward(); y.grad
        tensor([ 6., 12.])
        """
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._fn is not None:
            self._fn._retained = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; its result replaces it.

        Args:
            hook: Called with the gradient with respect to this tensor during each backward,
                before it is used or accumulated; a tensor it returns replaces the gradient,
                None keeps it.

        Returns:
            A handle whose ``remove()`` takes the hook off again.

        >>> import symgrad
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * 2).sum().backward(); x.grad
        tensor([20.])
        >>> handle.remove()
        """
        if not self._rg:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient"
            )
        if self._fn is None:
            return self._leaf_hooks().tensor.add(hook)
        return self._fn._hook_list("tensor").add(hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]
                                           ) -> RemovableHandle:
        """Call ``hook(tensor)`` each time a backward has accumulated into this leaf's ``.grad``
        (an optimizer step run inside the backward, as in PyTorch).

        Args:
            hook: Called with this tensor, its ``.grad`` updated; it returns None.

        Returns:
            A handle whose ``remove()`` takes the hook off again.

        >>> import symgrad
        >>> w = symgrad.tensor([1.0], requires_grad=True)
        >>> def step(p):
        ...     with symgrad.no_grad():
        ...         p -= 0.5 * p.grad
        >>> handle = w.register_post_accumulate_grad_hook(step)
        >>> (w * 4).sum().backward(); w
        tensor([-1.], requires_grad=True)
        """
        if self._fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        # The leaf held weakly: its accumulator, which it holds, keeps the hook.
        leaf = weakref.ref(self)

        def after_accumulating(grads: tuple[Any, ...], inputs: tuple[Any, ...]) -> None:
            tensor = leaf()
            if tensor is not None:
                returned = hook(tensor)
                if returned is not None and not isinstance(returned, Tensor):
                    raise TypeError("expected Variable, but hook returned "
                                    f"'{type(returned).__name__}'")

        return self._leaf_hooks().post.add(after_accumulating)

    def _accumulator(self) -> AccumulateGrad:
        """This leaf's ``AccumulateGrad``: the one its graphs hold, else a new one.

        As in PyTorch, the node holds the tensor and the tensor holds the node only weakly: no
        cycle, so a leaf is freed by reference counting as soon as neither it nor a graph that
        uses it is reachable. The leaf's own hooks outlive its nodes (``_leaf_hooks``).
        """
        acc = self._acc
        node = acc if acc is None or acc.__class__ is AccumulateGrad else acc()
        if node is None:  # (a view that requires grad through its base gets itself: no edge)
            node = AccumulateGrad(self)
            if _LEAF_HOOKS:
                node._hooks = _LEAF_HOOKS.get(id(self))
            self._acc = weakref.ref(node)
        return node

    def _leaf_hooks(self) -> _Hooks:
        """The hooks registered on this leaf (``register_hook``,
        ``register_post_accumulate_grad_hook``), which each of its ``AccumulateGrad`` nodes
        runs: kept by the leaf's id while it lives, not by a node the leaf holds, which would
        hold the leaf back (a cycle only the garbage collector frees)."""
        hooks = _LEAF_HOOKS.get(id(self))
        node = self._live_accumulator()
        if hooks is None:
            # Hooks registered on the node itself (``next_functions``) come along.
            hooks = node._hooks if node is not None and node._hooks is not None else _Hooks()
            _LEAF_HOOKS[id(self)] = hooks
            weakref.finalize(self, _LEAF_HOOKS.pop, id(self), None)
        if node is not None:
            node._hooks = hooks
        return hooks

    def _live_accumulator(self) -> AccumulateGrad | None:
        """This leaf's ``AccumulateGrad`` if a graph (or a hook) still holds one, else None."""
        acc = self._acc
        node = acc if acc is None or acc.__class__ is AccumulateGrad else acc()
        return None if node is self else node

    # -- autograd ----------------------------------------------------------------------------
    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Tensor] | Tensor | None = None,
    ) -> None:
        """Compute the gradient of this tensor with respect to the leaves, into their ``.grad``.

        The graph that produced this tensor is differentiated by the chain rule, from this
        tensor back to every leaf that requires a gradient. Gradients are *added* to what
        ``.grad`` already holds: clear them (``optimizer.zero_grad()``, or ``x.grad = None``)
        between steps. Non-leaf tensors get a ``.grad`` only after ``retain_grad()``.

        Args:
            gradient: The gradient of the final result with respect to this tensor (the vector
                of the vector-Jacobian product), of this tensor's shape. May be omitted when
                this tensor has one element: the gradient is then 1. Defaults to None.
            retain_graph: If False, the tensors each node saved for backward are freed as it
                runs, and a second backward through the same graph raises a RuntimeError. If
                True, they are kept. Defaults to None, meaning the value of ``create_graph``.
            create_graph: If True, the backward pass is itself recorded: the gradients put in
                ``.grad`` have a ``grad_fn`` and can be differentiated again (higher-order
                derivatives). Defaults to False.
            inputs: The tensors whose ``.grad`` receives the gradient; the other leaves are
                left alone. A tensor or a sequence of tensors, leaves or not. Defaults to None,
                meaning every leaf that contributed to this tensor.

        Raises:
            RuntimeError: This tensor does not require grad, ``gradient`` is omitted for a
                tensor of several elements or has another shape, or the graph was freed by an
                earlier backward (PyTorch's exception and message in each case).

        >>> import symgrad
        >>> w = symgrad.tensor([0.5, -1.0], requires_grad=True)
        >>> (w * w).sum().backward(); w.grad
        tensor([ 1., -2.])
        >>> y = w * 3
        >>> y.backward(gradient=symgrad.tensor([1.0, 0.1])); w.grad  # added to the 1st grad
        tensor([ 4.0000, -1.7000])
        >>> b = symgrad.tensor(2.0, requires_grad=True)
        >>> loss = (w * b).sum()
        >>> loss.backward(inputs=[b], retain_graph=True); b.grad, w.grad  # w untouched
        (tensor(-0.5000), tensor([ 4.0000, -1.7000]))
        >>> loss.backward(inputs=b); b.grad
        tensor(-1.)
        """
        fn = self._fn
        if gradient is None and inputs is None and fn is not None and self._data.size == 1 and (
                self._data.dtype in _dtypes._FLOAT_NP):
            # The common call, a scalar loss, straight to the engine (its checks all pass).
            _graph.run_backward([(fn, _autograd._seed(self))],
                                retain_graph=create_graph if retain_graph is None else retain_graph,
                                create_graph=create_graph)
            return
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's values and version counter, outside the graph.

        >>> import symgrad
        >>> y = symgrad.tensor([1.0, 2.0], requires_grad=True).exp()
        >>> d = y.detach(); _ = d.mul_(2)
        >>> y._version
        1
        """
        from symgrad.ops.inplace import share_version

        return share_version(Tensor._make(self._data, False, None), self)

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place (not allowed on a view).

        >>> import symgrad
        >>> y = symgrad.tensor([1.0], requires_grad=True) * 2
        >>> y.detach_(), y.is_leaf
        (tensor([2.]), True)
        """
        if self._view is not None and self._view.base is not None and (
                self._view.has_history):
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        if self._fn is not None:  # nodes that saved it can no longer unpack it, as in PyTorch
            _graph.detached_in_place(self)
        self._fn = None
        self._rg = False
        if self._view is not None:
            _views_follow(self)  # its views made under no_grad ask it, and no longer require grad
        return self

    # -- conversion --------------------------------------------------------------------------
    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        >>> import symgrad
        >>> symgrad.tensor([2.5]).item()
        2.5
        """
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item() if self.dtype is not _dtypes.bfloat16 else float(
            self._data.reshape(())
        )

    def tolist(self) -> Any:
        """The values as nested Python lists (a number for a zero-dim tensor).

        >>> import symgrad
        >>> symgrad.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        if self.dtype in (_dtypes.bfloat16,):
            return self._data.astype(np.float32).tolist()
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array holding the values (shared, not copied); refused while the tensor
        requires grad, as in PyTorch, unless ``force``.

        Args:
            force: Return the array even when the tensor requires grad; it is still shared,
                and what is written into it is not recorded. Defaults to False.

        >>> import symgrad
        >>> symgrad.tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def _scalar(self) -> Any:
        # Python's conversions say it as PyTorch's do (``item`` has its own message).
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __index__(self) -> int:
        # A bool is an integer here, as in PyTorch (``torch.tensor([t, 2])`` of a bool ``t``).
        if self.dtype.category not in (_dtypes._INT, _dtypes._BOOL) or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, format_spec: str) -> str:
        """A zero-dim tensor formats as its number (``f"{loss:.4f}"``); any other tensor takes
        only the empty spec, as in PyTorch.

        Parameters:
            format_spec: a format spec for the element's Python number.

        >>> import symgrad
        >>> "{:+.2f} {}".format(symgrad.tensor(1.5), symgrad.tensor([1.0]))
        '+1.50 tensor([1.])'
        """
        if self._data.ndim == 0 and type(self) is Tensor:
            return format(self.item(), format_spec)
        return object.__format__(self, format_spec)

    def __repr__(self) -> str:
        from symgrad._printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__


_graph._made["Tensor"] = Tensor


class Size(tuple):
    """A tensor's shape, printed as PyTorch prints ``torch.Size``.

    >>> import symgrad
    >>> size = symgrad.zeros(2, 3, 4).shape
    >>> size, size[1:], size[-1], size.numel()
    (symgrad.Size([2, 3, 4]), symgrad.Size([3, 4]), 4, 24)
    """

    def __getitem__(self, index: Any) -> Any:
        # A slice of a shape is a shape, as in PyTorch.
        out = tuple.__getitem__(self, index)
        return Size(out) if isinstance(index, slice) else out

    def __repr__(self) -> str:
        return f"{_dtypes.NAMESPACE[0]}.Size({list(self)})"

    # -- a shape joined with a tuple is a shape, as in PyTorch (torch.distributions builds
    # sample_shape + batch_shape + event_shape) --
    def __add__(self, other: Any) -> Any:
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Any:
        return Size(tuple.__add__(other, self)) if isinstance(other, tuple) else NotImplemented

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds.

        >>> import symgrad
        >>> symgrad.Size([2, 3]).numel(), symgrad.Size([]).numel()
        (6, 1)
        """
        n = 1
        for s in self:
            n *= s
        return n


def _infer_dtype(data: Any) -> dtype:
    arr = np.asarray(data)
    # A NumPy array keeps its dtype; Python numbers take PyTorch's defaults.
    if isinstance(data, np.ndarray | np.generic) and arr.dtype in _dtypes._FROM_NP:
        return _dtypes._FROM_NP[arr.dtype]
    if arr.dtype.kind == "b":
        return _dtypes.bool
    if arr.dtype.kind in "iu":
        return _dtypes.int64
    if arr.dtype.kind == "f":
        return _dtypes.get_default_dtype()
    raise TypeError(f"can't convert data of type {arr.dtype} to a tensor")


def _inherits(t: Tensor) -> bool:
    """Whether ``t`` requires grad only through its base (``no_edge``)."""
    acc = t._acc
    return acc is not None and acc.__class__ is not AccumulateGrad and acc() is t


def no_edge(t: Tensor) -> None:
    """Make ``t``, a view that requires grad only because its base does, a leaf no gradient
    reaches: PyTorch's such view (made under ``no_grad``, or before its base was made to
    require grad) asks its base for ``requires_grad`` but has no accumulator of its own, so
    ops on it are recorded and the gradients they send it go nowhere. Its ``_accumulator()``
    is itself (a weak reference to itself in ``_acc``): the nodes that read it hold it as a
    constant, as they hold a tensor that does not require grad.

    Args:
        t: The view; its ``requires_grad`` becomes True.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> with symgrad.no_grad():
    ...     v = x[1:]
    >>> (v * 3).sum().backward(); v.requires_grad, v.grad, x.grad
    (True, None, None)
    """
    t._rg = True
    t._acc = weakref.ref(t)


def _views_follow(base: Tensor) -> None:
    """After a leaf's ``requires_grad`` changed: its views made while it did not require grad
    (leaves without a flag of their own) require grad exactly while it does, as PyTorch's views
    ask their base (``requires_grad_ || base.requires_grad()``), with no edge (``no_edge``) if
    the memory is as it was when the view was made; else PyTorch re-derives the view from its
    base (``AsStridedBackward0``), as after a write, and gradients reach the base (fuzzer,
    seeds 201 and 211: a view of a tensor written in place, then made to require grad)."""
    from symgrad.ops import inplace  # the ops build on this module

    info = base._view
    if info.base is not None or not info.has_history:
        return  # a view's or an alias's own flag: views ask the base of all, not it
    for ref in info.views:
        v = ref()
        if v is None or v._fn is not None or not v._view.has_history:
            continue
        if base._rg and not v._rg and v._version != v._view.made_at and (
                v._view.refused is None):
            with _graph.grad_mode.enable_grad():
                v._fn = inplace._as_strided(inplace._replay(base, v._view.chain)._fn)
            v._rg = True
        elif base._rg and not v._rg:
            no_edge(v)
        elif not base._rg and _inherits(v):
            v._rg = False
            v._acc = None


def _check_assigned_grad(t: Tensor, value: Tensor) -> None:
    """PyTorch's checks of a tensor assigned to ``t.grad``, in its order: not ``t`` itself, of
    ``t``'s grad_dtype (kept by a leaf that an in-place op has since made a non-leaf), of
    ``t``'s shape."""
    if value is t:
        raise RuntimeError("can't assign Variable as its own grad")
    want = GRAD_DTYPES.get(id(t), t.dtype) if GRAD_DTYPES else t.dtype
    got = value.dtype
    if want is not None and got is not want:
        raise RuntimeError(_GRAD_OF_DTYPE.format(_dtypes._CPP_NAMES[got.name],
                                                 _dtypes._TORCH_NAMES[want.name]))
    if value._data.shape != t._data.shape:
        raise RuntimeError(_GRAD_OF_SIZE.format(list(value._data.shape), list(t._data.shape)))


def tensor(
    data: Any,
    *,
    dtype: dtype | None = None,
    device: str | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Make a leaf tensor holding a copy of ``data`` (nested lists, scalars, arrays, tensors).

    Python floats become the default dtype (float32), ints int64, bools bool.

    Args:
        data: The values: a Python number, nested lists or tuples of them, a NumPy array or a
            tensor. Always copied.
        dtype: The element type. Defaults to None: inferred from ``data`` as above.
        device: Where the tensor lives: only the CPU (``"cpu"``, or None); any other device
            raises a RuntimeError rather than silently computing on the CPU.
        requires_grad: Whether operations on the new leaf are recorded, so that ``backward``
            fills its ``.grad``. Only floating-point tensors can require grad. Defaults to
            False.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0, 3.0])
    tensor([1., 2., 3.])
    >>> symgrad.tensor([1, 2], dtype=symgrad.int64, requires_grad=True)
    Traceback (most recent call last):
    ...
    RuntimeError: Only Tensors of floating point and complex dtype can require gradients
    """
    _device.check_device(device)
    if type(data) is list:
        # A nest of Python numbers (what tests and sweeps write) in one NumPy call, after a
        # look at the types of its leaves: NumPy scalars, arrays and tensors inside carry
        # dtypes (and shapes) PyTorch reads its own way; ragged nests take PyTorch's way.
        kinds = _leaf_types(data)
        if kinds is not None and kinds <= _PY_NUMBERS:
            d = dtype or (_dtypes._default_float if float in kinds or not kinds else
                          _dtypes.int64 if int in kinds else _dtypes.bool)
            if (d.np in _F32_F64 or d is _dtypes.bool or dtype is None and d is _dtypes.int64
                    ) and (d.category == _dtypes._FLOAT or not requires_grad):
                try:
                    return Tensor._make(np.array(data, d.np), bool(requires_grad), None)
                except (ValueError, TypeError, OverflowError):
                    pass  # ragged, or an int beyond int64: PyTorch's way says which
    if isinstance(data, Tensor):
        arr = np.array(data._data, dtype=None if dtype is None else dtype.np)
    elif isinstance(data, np.ndarray):
        arr = np.array(data, dtype=(dtype or _from_data.numpy_dtype(data)).np)
    else:
        arr = _from_data.from_python(data, dtype)
    if requires_grad and _dtypes._FROM_NP[arr.dtype].category != _dtypes._FLOAT:
        raise RuntimeError(_ONLY_FLOAT[0].upper() + _ONLY_FLOAT[1:])
    return Tensor._make(arr, bool(requires_grad), None)


_PY_NUMBERS = frozenset((float, int, bool))
_NEST = (list, tuple)


def _leaf_types(data: list) -> set[type] | None:
    """The types of the leaves of ``data`` read as a rectangular nest of lists and tuples as
    deep as its first elements go; None where a level does not read as one."""
    if not data or type(data[0]) not in _NEST:
        return set(map(type, data))
    rows: Any = data
    first = data[0]
    try:
        while first and type(first[0]) in _NEST:
            rows, first = chain.from_iterable(rows), first[0]
        return {type(x) for row in rows for x in row}
    except TypeError:  # a number where a sequence was read
        return None


def _as_integers(raw: np.ndarray, d: dtype) -> np.ndarray:
    """Python numbers as integers of dtype ``d``, by PyTorch's rule for each one: floats
    truncated toward 0, negative ints wrapped into uint8 down to -255, and PyTorch's errors
    where a value does not fit (NumPy would raise its own error, or wrap, or make a value up)."""
    if raw.dtype == object or raw.dtype == np.uint64:  # an int beyond int64
        raise ValueError("Overflow when unpacking long long")
    if raw.dtype.kind == "b":
        return raw.astype(d.np)
    info = np.iinfo(d.np)
    low = -int(info.max) if info.min == 0 and raw.dtype.kind in "iu" else int(info.min)
    with np.errstate(invalid="ignore"):
        fits = (raw >= low) & (raw <= int(info.max))
    if not fits.all():
        raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")
    if raw.dtype.kind == "f":
        raw = np.trunc(raw)
    return (raw.astype(np.int64) % (int(info.max) + 1) if info.min == 0 else raw).astype(d.np)


_F64 = np.dtype(np.float64)
_F32_F64 = (np.dtype(np.float32), _F64)
