"""In-place ops (``add_``, ``mul_``, ``zero_``, ``copy_``, ...) with PyTorch's autograd rules.

An in-place op computes its result from the tensor's current value, writes it into the same
NumPy array and bumps ``_version``. When it records, the tensor's ``grad_fn`` becomes the new
node, whose input is a copy of the old value carrying the old ``grad_fn``; nodes that saved the
tensor before see the version change and refuse to run backward. A leaf that requires grad
cannot be changed in place while grad mode is on (``no_grad`` allows it: optimizer steps).
"""

from __future__ import annotations

import copy
import dataclasses
import re
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd import forward_ad as _forward_ad
from symgrad.autograd import grad_mode
from symgrad.autograd import graph as _graph
from symgrad.autograd.graph import InvalidViewNode, Node
from symgrad.ops import activations as ACT
from symgrad.ops import arithmetic as A
from symgrad.ops.registry import (
    _TORCH_NAMES,
    ALL,
    REGISTRY,
    _next_seq,
    apply,
    broadcast_shapes,
    defop,
    expose,
    renamed_node_class,
)
from symgrad.tensor import Tensor, no_edge

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."


Step = tuple[str, dict[str, Any]]
# Marks an alias made by detach(): it shares the memory but has no view history.
_NO_HISTORY = "no history"


class ViewInfo:
    """How a tensor shares memory: a view's base and the view ops from it (``chain``), or a
    base's live views. PyTorch's views share one version counter and are re-derived from their
    base when it changes in place; symgrad keeps the versions equal and re-derives eagerly.

    A view keeps its history as a linked list of steps, ``(earlier, op, attr pairs)``, newest
    first: making a view costs the same however long the chain behind it (the chain is built
    only when an in-place write needs it), and the links hold no objects the garbage collector
    keeps tracking, so long chains do not slow its full collections.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> row = x[0]
    >>> row._view.base is x, row._view.chain
    (True, (('select', {'dim': 0, 'index': 0}),))
    >>> len(x._view.views)
    1
    """

    __slots__ = ("base", "_link", "_views", "_prune_at", "refused", "made_at", "version")

    def __init__(self, base: Tensor | None, link: tuple[Any, ...] | str = (),
                 refused: tuple[str, int, str | None] | None = None, made_at: int = 0,
                 version: int = 0) -> None:
        self.base = base
        self._link = link  # () at a base; _NO_HISTORY for an alias
        self._views: list[weakref.ref[Tensor]] | None = None
        self._prune_at = 64
        # The memory's version when the view was made: PyTorch re-derives a view's grad_fn
        # from its base once the version has moved (``tensor._views_follow``).
        self.made_at = made_at
        # For a view PyTorch does not re-derive from its base, what its errors say
        # (``_refused_writes``); None for any other.
        self.refused = refused
        # At a base: the memory's version after the last write (``_written``), which a node
        # reads once the output it saved is freed (``_SeenThroughFamily``).
        self.version = version

    @property
    def has_history(self) -> bool:
        """Whether this is a base or a view made by view ops (not a detached alias)."""
        return self._link is not _NO_HISTORY

    @property
    def chain(self) -> tuple[Step, ...] | None:
        """The view ops from the base, oldest first (None for a detached alias)."""
        if self._link is _NO_HISTORY:
            return None
        steps = []
        link = self._link
        while link:
            link, op, attrs = link
            steps.append((op, dict(attrs)))
        return tuple(reversed(steps))

    @property
    def views(self) -> list[weakref.ref[Tensor]]:
        """Weak references to the live views of this base (and some dead ones)."""
        return self._views if self._views is not None else []

    def rebase(self, steps: list[Step]) -> None:
        """Put ``steps`` before this view's history: its base took a new layout in place
        (``inplace_views``), and ``steps`` lead from that layout back to the old one."""
        link: tuple[Any, ...] = ()
        for op, attrs in [*steps, *(self.chain or ())]:
            link = (link, op, tuple(attrs.items()))
        self._link = link

    def add_view(self, view: Tensor) -> None:
        """Remember a live view of this base; dead ones are dropped each time the list has
        doubled, so remembering n views costs O(n) however many stay alive."""
        views = self._views
        if views is None:
            views = self._views = []
        elif len(views) >= self._prune_at:
            views[:] = [r for r in views if r() is not None]
            self._prune_at = max(64, 2 * len(views))
        views.append(weakref.ref(view))


class _AliasInfo(ViewInfo):
    """How a detached alias (``detach``, ``view(dtype)``) shares memory: its root (the base of
    the memory's tensors) held weakly, so the alias does not keep the root and its graph
    alive, as PyTorch's ``detach`` shares only the memory and the version counter; and the
    root's ``ViewInfo`` (``family``), which holds no tensor, so the aliases still find each
    other, and share their writes' versions, once the root is freed.

    >>> import symgrad
    >>> y = symgrad.ones(2, requires_grad=True) * 2
    >>> d = y.detach()
    >>> d._view.base is y, d._view.chain
    (True, None)
    >>> del y
    >>> d._view.base is None, len(d._view.family.views)
    (True, 1)
    """

    __slots__ = ("_root", "family")
    # The same for every alias: class attributes, read before ViewInfo's slots of these names
    # (a detach costs less; nothing writes them on an alias).
    _link = _NO_HISTORY
    _views = None
    made_at = 0

    def __init__(self, root: weakref.ref[Tensor], family: ViewInfo) -> None:
        # (not ViewInfo's __init__: ``base`` is the property below, not the slot)
        self._root = root
        self.family = family
        self.refused = None

    @property
    def base(self) -> Tensor | None:  # type: ignore[override]
        """The root, or None once it is freed."""
        return self._root()


# The view ops whose node PyTorch makes once for several views (unbind, split, chunk).
_MULTI_OUTPUT = frozenset({"unbind", "split", "split_with_sizes"})
_RULES = {
    "multiple": " This view is the output of a function that returns multiple views. Such "
                "functions do not allow the output views to be modified inplace. You should "
                "replace the inplace operation by an out-of-place one.",
    "custom_function": " This view was created inside a custom Function (or because an input "
                       "was returned as-is) and the autograd logic to handle view+inplace would "
                       "override the custom backward associated with the custom Function, "
                       "leading to incorrect gradients. This behavior is forbidden. You can fix "
                       "this by cloning the output of the custom Function.",
    "no_grad": " Given that this use case is ambiguous and error-prone, it is forbidden. You can "
               "clarify your code by moving both the view and the inplace either both inside "
               "the no_grad block (if you don't want the inplace to be tracked) or both outside "
               "(if you want the inplace to be tracked).",
}


def _refused_writes(out: Tensor, op: str, attrs: dict[str, Any], info: ViewInfo | None
                    ) -> tuple[str, int, str | None] | None:
    """``ViewInfo.refused`` for a view ``out`` made by ``op`` from a tensor whose ``ViewInfo`` is
    ``info``: the views PyTorch does not re-derive from their base. They may not be written in
    place by an op that records, and have no graph once their memory is written and their base
    requires grad (``_refusal``). A view made under ``no_grad``, one a function returning several
    views made while recording, and views of those: the kind, the view's output number and its
    node's name (None without a node, as PyTorch's messages tell them apart); else None."""
    inherited = info.refused[0] if info is not None and info.refused is not None else None
    if grad_mode._state.enabled:
        if op in _MULTI_OUTPUT:
            kind, number = "multiple", attrs["index"]
        elif inherited is not None:
            kind, number = inherited, 0
        else:
            return None
    else:
        kind, number = "no_grad", 0
    return kind, number, None if out._fn is None else out._fn.op.grad_fn


def _refusal(refused: tuple[str, int, str | None], base_written: bool) -> str:
    """PyTorch's message for writing to a view ``_refused_writes`` marked (``base_written``:
    for reading its graph after its memory was written)."""
    kind, number, node = refused
    what = "its base or another view of its base has been" if base_written else "is being"
    output = None if node is None else f"Output {number} of {re.sub('Backward[0-9]*$', '', node)}"
    if kind == "no_grad" or output is None:
        made = ("A view was" if output is None else f"{output} is a view of a view which was")
        return (f"{made} created in no_grad mode and {what} modified inplace with grad mode "
                "enabled." + _RULES[kind])
    return f"{output} is a view and {what} modified inplace." + _RULES[kind]


def track_view(out: Tensor, input: Tensor, op: str, attrs: dict[str, Any]) -> Tensor:
    """Record that ``out``, made from ``input`` by the view op ``op``, shares its memory.

    >>> import symgrad
    >>> from symgrad.tensor import Tensor
    >>> x = symgrad.zeros(2, 3)
    >>> col = track_view(Tensor._make(x._data[:, 1], False, None), x, "select",
    ...                  {"dim": 1, "index": 1})
    >>> col._view.base is x, col._view.chain
    (True, (('select', {'dim': 1, 'index': 1}),))
    >>> _ = x.add_(1.0); col._version == x._version == 1
    True
    """
    if input._rg and not grad_mode._state.enabled:
        # PyTorch's rule: a view made under no_grad of a tensor that requires grad requires
        # grad too (a leaf of its own: no grad_fn), but no gradient reaches it.
        no_edge(out)
    # (NumPy cannot tell whether empty arrays share memory: an empty view is one too.)
    if out._data.size and not np.may_share_memory(out._data, input._data):
        return out
    info = input._view
    if info is not None and info._link is _NO_HISTORY:
        # A view of a detached alias has no history either: it only shares the version.
        return share_version(out, input)
    if info is not None and info.base is not None:
        base, earlier = info.base, info._link
    else:
        base, earlier = input, ()
    if base._view is None:
        base._view = ViewInfo(None, version=base._version)
    base._view.add_view(out)
    # The attrs as pairs: a tuple of plain values is one the garbage collector stops tracking.
    out._view = ViewInfo(base, (earlier, op, tuple(attrs.items())),
                         _refused_writes(out, op, attrs, info), base._version)
    out._version = base._version
    return out


def refuse_writes_to_output(view: Tensor, input: Tensor, index: int, node: str, several: bool
                            ) -> Tensor:
    """Make ``view``, output ``index`` of a custom Function's call (node named ``node``) that
    is its input ``input`` returned as it is, a view of that input that may not be written in
    place, and whose graph is invalid once the input's memory is written: PyTorch's rule, as
    a view's in-place rules would bypass the Function's backward.

    Args:
        view: The new tensor holding the input's array, made by the call's node.
        input: The input ``forward`` returned.
        index: The output's position among the call's outputs.
        node: The call's node's name (``FBackward``).
        several: Whether the call has several differentiable outputs (PyTorch's message for
            views of a function that returns several).

    >>> import symgrad
    >>> class Same(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         return g
    >>> y = Same.apply(symgrad.tensor([1.0], requires_grad=True) * 1)
    >>> y.add_(1)
    Traceback (most recent call last):
    ...
    RuntimeError: Output 0 of Same is a view and is being modified inplace. This view was ...
    """
    track_view(view, input, "alias", {})
    if view._view is not None:
        view._view.refused = ("multiple" if several else "custom_function", index, node)
    return view


def share_version(alias: Tensor, t: Tensor) -> Tensor:
    """Make ``alias`` share ``t``'s memory and version counter but not its history (detach):
    a write through either is seen by every node that saved the other. ``alias`` holds the
    tensors it shares the memory with weakly (``_AliasInfo``), as PyTorch's detached tensor
    keeps only the memory and the version counter alive.

    >>> import symgrad
    >>> from symgrad.tensor import Tensor
    >>> x = symgrad.tensor([1.0, 2.0])
    >>> alias = share_version(Tensor._make(x._data, False, None), x)
    >>> _ = alias.mul_(2.0)
    >>> x, x._version
    (tensor([2., 4.]), 1)
    >>> alias._view.chain is None
    True
    """
    info = alias_info(t)
    info.family.add_view(alias)
    alias._view = info
    root = info._root()
    alias._version = (t if root is None else root)._version
    return alias


def alias_info(t: Tensor) -> _AliasInfo:
    """The ``ViewInfo`` of a new alias of ``t``'s memory, without history: its root held
    weakly, its root's ``ViewInfo`` strongly (the alias is not added to it here). A node that
    made the root, or ``t``, and saved it sees writes through the alias after that tensor is
    freed (``_SeenThroughFamily``).

    Args:
        t: A tensor of the memory: its root, a view or an alias.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> alias_info(x[0]).base is x
    True
    """
    info = t._view
    if info is None:
        info = t._view = ViewInfo(None, version=t._version)
    if info._link is _NO_HISTORY:
        made = _AliasInfo(info._root, info.family)  # type: ignore[attr-defined]
    elif info.base is None:  # t is the root
        made = _AliasInfo(weakref.ref(t), info)
    else:
        made = _AliasInfo(weakref.ref(info.base), info.base._view)
        _seen_through_family(info.base, made.family)
    _seen_through_family(t, made.family)
    return made


class _Seen:
    """What a node's version check reads of an output that was freed: the version of its
    memory, and the dtype and shape its error names."""

    __slots__ = ("_version", "dtype", "shape")

    def __init__(self, version: int, dtype: np.dtype, shape: tuple[int, ...]) -> None:
        self._version, self.dtype, self.shape = version, _dtypes._FROM_NP[dtype], shape


class _SeenThroughFamily:
    """A node's weak reference to the output it saved (``Node._out_ref``) that, once the
    output is freed, gives the version its memory's last write left (``ViewInfo.version``):
    PyTorch's saved output keeps the version counter, so a write through a detached alias of a
    freed output is refused in backward all the same
    (``y = x.exp(); d = y.detach(); del y; d.add_(1)``)."""

    __slots__ = ("_ref", "_family", "_dtype", "_shape")

    def __init__(self, t: Tensor, family: ViewInfo) -> None:
        self._ref = weakref.ref(t)
        self._family = family
        self._dtype, self._shape = t._data.dtype, t._data.shape

    def __call__(self) -> Tensor | _Seen:
        t = self._ref()
        return _Seen(self._family.version, self._dtype, self._shape) if t is None else t


def _seen_through_family(t: Tensor, family: ViewInfo) -> None:
    """Have the node that made ``t`` and saved it (as its output) see the versions of
    ``family``'s tensors once ``t`` is freed."""
    made = t._fn
    if made is not None and type(made._out_ref) is weakref.ReferenceType and (
            made._out_ref() is t):
        made._out_ref = _SeenThroughFamily(t, family)


def _replay(base: Tensor, chain: tuple[tuple[str, dict[str, Any]], ...]) -> Tensor:
    x = base
    for name, attrs in chain:
        x = apply(REGISTRY[name], x, **attrs)
    return x


def _np_replay(a: np.ndarray, chain: tuple[tuple[str, dict[str, Any]], ...]) -> np.ndarray:
    for name, attrs in chain:
        a = REGISTRY[name].forward(a, **attrs)
    return a


def _view_scatter(self: np.ndarray, src: np.ndarray, *,
                  chain: tuple[tuple[str, dict[str, Any]], ...], fills: bool = False
                  ) -> np.ndarray:
    out = self.copy()
    view = _np_replay(out, chain)
    if not view.size:
        # Nothing to write, and NumPy refuses even that into an empty expand's (read-only)
        # view: clamp_ of x.expand(2, 2, 0) raised ValueError (fuzzer seed 2249 #1193).
        return out
    if not view.flags.writeable:
        # A view of an expand. Where its elements share memory, PyTorch's CopySlices backward
        # writes the gradient's zeros through it and is refused so; only a fill writes there
        # (``fills``, see ``_write_target``).
        alias = None if overlaps_itself(view) and not fills else _writable_over(view, out)
        if alias is None:
            raise RuntimeError(_INTERNAL_OVERLAP)
        view = alias
    view[...] = src
    return out


def overlaps_itself(a: np.ndarray) -> bool:
    """Whether elements of ``a`` may share memory: a dim of more than one element whose stride
    does not step past every element of the dims of smaller strides. An expand's (stride 0)
    do, as PyTorch's ``has_internal_overlap`` tells for sure; so do overlapping windows of
    ``unfold``, whose writes PyTorch does not refuse and symgrad does (their order is not
    specified: a deliberate difference).

    Args:
        a: The array written to.

    >>> x = np.arange(3.0)
    >>> overlaps_itself(np.broadcast_to(x, (2, 3))), overlaps_itself(x[::-2])
    (True, False)
    """
    span = a.itemsize
    for stride, n in sorted((abs(s), n) for n, s in zip(a.shape, a.strides, strict=True)
                            if n > 1):
        if stride < span:
            return True
        span += stride * (n - 1)
    return False


class _Memory:
    """``owner``'s memory where ``interface`` (NumPy's array interface) looks, writable: what
    ``np.asarray`` makes an array of. The array keeps this, so ``owner``, alive."""

    def __init__(self, interface: dict[str, Any], owner: np.ndarray) -> None:
        self.__array_interface__ = interface
        self.owner = owner


def _writable_over(a: np.ndarray, owner: np.ndarray) -> np.ndarray | None:
    """A writable array over ``a``'s elements, read-only as NumPy makes every view of a
    broadcast array, when ``owner``, writable, holds their memory; else None."""
    if not owner.flags.writeable or _root(a) is not _root(owner):
        return None
    interface = dict(a.__array_interface__)
    interface["data"] = (interface["data"][0], False)  # (address, read-only)
    return np.asarray(_Memory(interface, owner))


def _write_target(t: Tensor, fills: bool) -> np.ndarray:
    """Where an in-place op writes into ``t``, whose array is read-only: a view of an expand
    (NumPy's broadcast arrays and their views are read-only). PyTorch refuses a write into
    elements that share memory (``x.expand(2, 3).add_(1)``) but lets ``fill_`` and ``zero_``
    write their one value there (``fills``; fuzzer seed 2146 #566); a view whose elements do
    not (``x.expand(2, 3)[0]``) is written as any view. Anything else read-only is refused."""
    a = t._data
    if a.size == 0:
        # An empty expanded tensor: nothing to write, and nothing overlaps (PyTorch allows
        # it); it gets an empty array of its own.
        t._data = np.empty(a.shape, a.dtype)
        return t._data
    owner = _memory_owner(t)
    alias = None if owner is None or overlaps_itself(a) and not fills else (
        _writable_over(a, owner))
    if alias is None:
        raise RuntimeError(_INTERNAL_OVERLAP)
    return alias


def _memory_owner(t: Tensor) -> np.ndarray | None:
    """The array of the tensor ``t`` is a view or an alias of (None for any other tensor); once
    an alias's root is freed, the array owning the memory."""
    info = t._view
    if info is None:
        return None
    root = info.base
    if root is not None:
        return root._data
    owner = _root(t._data) if not info.has_history else None
    return owner if isinstance(owner, np.ndarray) else None


_INTERNAL_OVERLAP = ("unsupported operation: more than one element of the written-to tensor "
                     "refers to a single memory location. Please clone() the tensor before "
                     "performing the operation.")
# A write through a view, seen from the base: the base with ``src`` where the view looks.
VIEW_SCATTER = defop(
    "view_scatter", "torch::autograd::CopySlices", _view_scatter,
    vjp=lambda g, *, chain: (apply(VIEW_SCATTER, g, 0.0, chain=chain), _replay(g, chain)),
    dtype_rule="same", dtypes=ALL, kind="inplace")
# A copy of a view's own elements into it (``rewrite``'s ``unchanged``): the base as it was,
# recorded as any write through the view. Its backward is VIEW_SCATTER's, so through an
# expanded view it is refused as PyTorch's (``e[...] = x`` for ``e = x.expand(2, 3)``).
VIEW_SCATTER_UNCHANGED = dataclasses.replace(
    VIEW_SCATTER, forward=lambda self, src, *, chain: self.copy())
# A fill (``fill_``, ``zero_``) through a view of an expand whose elements share memory, which
# PyTorch writes; its backward is VIEW_SCATTER's, refused there as PyTorch's.
VIEW_SCATTER_FILL = dataclasses.replace(
    VIEW_SCATTER, forward=lambda self, src, *, chain: _view_scatter(self, src, chain=chain,
                                                                    fills=True))


def _family_info(t: Tensor) -> ViewInfo | None:
    """The ``ViewInfo`` of the base of ``t``'s memory, which outlives the base while a
    detached alias lives (None if no other tensor shares the memory)."""
    info = t._view
    if info is None or info._link is not _NO_HISTORY and info.base is None:
        return info
    return info.family if info._link is _NO_HISTORY else info.base._view  # type: ignore


def _family(t: Tensor) -> tuple[ViewInfo | None, Tensor | None, list[Tensor]]:
    """The tensors sharing ``t``'s memory: its base's ``ViewInfo`` (None if no other tensor
    shares it), the base (None once freed: detached aliases do not keep it alive), and every
    other live tensor of the memory, its views and aliases (``t`` among them unless it is the
    base)."""
    family = _family_info(t)
    if family is None:
        return None, t, []
    info = t._view
    base = t if info is family else info.base
    views = family._views
    return family, base, [] if views is None else [v for v in (r() for r in views)
                                                   if v is not None]


def _saved_in(node: Any, t: Tensor) -> None:
    """Point a node that saved (or checks) its result at ``t``, which now holds it: later
    writes to ``t`` must be caught like writes to any saved tensor. Through a view too: rrelu_
    of a view, then arctan_ of it, raises in PyTorch's backward (fuzzer seed 2205 #998)."""
    if node._out_ref is not None:
        family = _family_info(t)
        node._out_ref = weakref.ref(t) if family is None else _SeenThroughFamily(t, family)
        if node._out_data is not None:  # read by the VJP, not only checked
            node._out_data = t._data
        node._out_version = t._version


def rewrite(t: Tensor, fn: Callable[[Tensor], Tensor], view: bool = False,
            cpp_names: bool = False, zeros_as: str | None = None,
            logical: bool = False, reads: tuple[Any, ...] = (),
            unchanged: bool = False, fills: bool = False) -> Tensor:
    """Replace ``t``'s value by ``fn(value)`` in place, recording it as PyTorch does.

    ``view`` marks a write through a view of ``t`` (``t[key] = value``), which PyTorch reports
    as such when ``t`` is a leaf that requires grad. ``cpp_names`` names ``t``'s dtype as a
    C++ type ("long int") where a result cannot be cast to it, as ``clamp_``'s error does.
    When ``t`` is itself a view, its base is recorded as changed (``CopySlices``) and every
    view of the base is re-derived from it. A value no gradient flows through (a comparison)
    written into a tensor with a graph sends back zeros, through a node named ``zeros_as``
    (PyTorch's ``EqBackward0`` for ``eq_``; ``ZeroBackward0`` when None). ``logical`` marks
    PyTorch's logical ops, which autograd does not see: written into a leaf that requires grad
    (or a view of one), they leave it a leaf where any other in-place op is refused.
    ``reads`` are the op's other operands: one that shares part of ``t``'s memory is refused,
    as PyTorch refuses it (``check_no_partial_overlap``). ``unchanged`` marks a copy of
    ``t``'s own elements in their own layout (``same_elements``), which PyTorch's copy_ skips:
    nothing is written, so no overlap within ``t`` is refused; the write is recorded all the
    same. ``fills`` marks ``fill_`` and ``zero_``, which PyTorch lets write into elements that
    share memory (an expand's): one value, whatever the order of the writes.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 1
    >>> rewrite(y, lambda old: old * old)
    tensor([1., 4.], grad_fn=<MulBackward0>)
    >>> y._version
    1
    >>> base = x * 1
    >>> _ = rewrite(base[1], lambda old: old * 3)
    >>> base
    tensor([1., 6.], grad_fn=<CopySlices>)
    """
    recording = grad_mode._state.enabled
    info = t._view
    refused = info.refused if recording and info is not None else None
    base = info.base if info is not None and info.has_history else None
    leaf_written = logical and (t._fn is None if base is None else base._fn is None)
    refuse_write(t, recording and not leaf_written, view)
    target = t._data
    if not target.flags.writeable and not unchanged:
        target = _write_target(t, fills)
    check_no_partial_overlap(t, reads)
    old_base = base._data.copy() if recording and base is not None else None
    before = Tensor._make(t._data.copy(), t._rg, _graph.own_node(t)) if recording else t
    dual = _forward_ad.LEVEL[0] is not None
    if dual and before is not t:
        _forward_ad.set_tangent(before, _forward_ad.tangent_of(t))
    out = fn(before)
    if dual:  # the value written carries its tangent into ``t``
        _forward_ad.set_tangent(t, _forward_ad.tangent_of(out))
    if refused is not None and out._rg:  # a value that requires grad written to the view
        raise RuntimeError(_refusal(refused, base_written=False))
    if out.dtype is not t.dtype and not _dtypes.can_cast(out.dtype, t.dtype):
        names = _dtypes._CPP_NAMES if cpp_names else _TORCH_NAMES
        raise RuntimeError(
            f"result type {_TORCH_NAMES[out.dtype.name]} can't be cast to the desired output "
            f"type {names[t.dtype.name]}")
    if out._data.shape != t._data.shape:
        raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the broadcast shape "
                           f"{list(out.shape)}")
    if not unchanged:
        target[...] = out._data
    root, members = _written(t)
    node = out.grad_fn
    if leaf_written or node is None and not (recording and (t._rg or base is not None
                                                             and base._rg)):
        return t
    if base is None:
        if node is None:
            # A value no gradient flows through (a comparison written in place) replaced one
            # that had a graph: the tensor still requires grad, as in PyTorch, through a node
            # that sends back zeros, not through the node of the value it no longer holds.
            node = apply(ZERO, before).grad_fn
            if zeros_as is not None:
                node.__class__ = renamed_node_class(ZERO.node_class, zeros_as)
        t.grad_fn = node
        t._rg = True
        _saved_in(node, t)
    else:
        if node is not None:  # written through a view: the view is what the node saved
            _saved_in(node, t)
        old = Tensor._make(old_base, base._rg, _graph.own_node(base))
        scatter = (VIEW_SCATTER_UNCHANGED if unchanged else VIEW_SCATTER_FILL if fills
                   else VIEW_SCATTER)
        base.grad_fn = apply(scatter, old, out, chain=info.chain).grad_fn
        base._rg = True
    for member in members:
        if member._view.refused is not None:
            member._fn = InvalidViewNode(_refusal(member._view.refused, base_written=True))
            member._rg = True
        elif member._view.has_history:  # (its base is alive: the view holds it)
            member.grad_fn = _as_strided(_replay(root, member._view.chain).grad_fn)
            member._rg = True
    return t


def refuse_write(t: Tensor, recording: bool, view: bool = False) -> None:
    """PyTorch's refusals of an in-place op on ``t`` (a write, or a view op in place): a
    view PyTorch does not re-derive (made under ``no_grad``, a custom Function's output) that
    requires grad, and while grad mode records, a leaf that requires grad or a view of one.

    Args:
        t: The tensor changed in place.
        recording: Whether the op is recorded (grad mode on, and not a logical op into a leaf).
        view: Whether the write goes through a view of ``t`` (``t[key] = value``).

    >>> import symgrad
    >>> refuse_write(symgrad.ones(2, requires_grad=True), recording=True)
    Traceback (most recent call last):
    ...
    RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
    """
    info = t._view
    if info is not None and info.refused is not None and t._rg and grad_mode._state.enabled:
        raise RuntimeError(_refusal(info.refused, base_written=False))
    base = info.base if info is not None and info.has_history else None
    if recording:
        # The base may have been made to require grad after the view was taken: the view
        # requires grad through it (``tensor._views_follow``), and is named a view.
        if t._rg and t.grad_fn is None:
            raise RuntimeError(("a view of " if view or base is not None and base._rg
                                else "") + _LEAF)
        if base is not None and base._rg and base.grad_fn is None:
            raise RuntimeError("a view of " + _LEAF)


def check_no_partial_overlap(t: Tensor | np.ndarray, reads: Any) -> None:
    """PyTorch's RuntimeError when a tensor among ``reads`` (an op's operands; anything else is
    skipped) shares part of the memory ``t`` is written to: ``x[:2].add_(x[1:])``. The same
    elements in the same layout (``x.add_(x)``) are allowed, and so are layouts with gaps
    (``x[::2]``), whose overlap PyTorch does not try to tell.

    Args:
        t: The tensor written to, or the array of the elements written (a view of it).
        reads: The values the op reads: tensors, or arrays of the elements read.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0, 3.0])
    >>> check_no_partial_overlap(x, (x, 2.0))
    >>> check_no_partial_overlap(x[:2], (x[1:],))
    Traceback (most recent call last):
    ...
    RuntimeError: unsupported operation: some elements of the input tensor and the written-to ...
    """
    written = t._data if isinstance(t, Tensor) else t
    for other in reads:
        read = other._data if isinstance(other, Tensor) else other
        if isinstance(read, np.ndarray) and _partly_shared(written, read):
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation.")


def same_elements(written: np.ndarray, read: np.ndarray) -> bool:
    """Whether ``read`` is ``written``'s own elements in the same layout, where PyTorch's
    copy_ returns at once (its ``is_same_data``), before refusing an overlap: ``e[...] = x``
    for ``e = x.expand(2, 3)`` copies nothing (``e.copy_(x)``, whose x is not expanded first,
    is refused). Strides are compared as PyTorch compares them, dims of size one too.

    Args:
        written: The elements written to.
        read: The elements copied from, expanded to ``written``'s shape.

    >>> import numpy as np
    >>> x = np.arange(3.0)
    >>> same_elements(np.broadcast_to(x, (2, 3)), np.broadcast_to(x, (2, 3)))
    True
    >>> same_elements(x, x[::-1])
    False
    """
    if (written.shape != read.shape or written.dtype != read.dtype
            or _root(written) is not _root(read)
            or written.__array_interface__["data"][0] != read.__array_interface__["data"][0]):
        return False
    return written.strides == read.strides


def copies_nothing(written: np.ndarray, read: np.ndarray) -> bool:
    """PyTorch's copy_'s first checks: whether copying ``read`` into ``written`` copies
    nothing (``same_elements``); else a partial overlap is refused
    (``check_no_partial_overlap``) and the copy is one to make.

    Args:
        written: The elements written to.
        read: The elements copied from, expanded to ``written``'s shape.

    >>> import numpy as np
    >>> x = np.arange(3.0)
    >>> copies_nothing(x, x), copies_nothing(x, x[::-1])
    (True, False)
    """
    if same_elements(written, read):
        return True
    check_no_partial_overlap(written, (read,))
    return False


def _partly_shared(a: np.ndarray, b: np.ndarray) -> bool:
    """PyTorch's ``get_overlap_status`` is Partial: two dense, non-empty arrays whose byte
    ranges overlap but are not the same elements in the same layout."""
    if a is b or not a.size or not b.size or _root(a) is not _root(b):
        return False
    if not (_dense(a) and _dense(b)):
        return False  # PyTorch's TooHard: not refused
    a_begin, b_begin = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    a_end, b_end = a_begin + a.nbytes, b_begin + b.nbytes
    if (a_begin, a_end) == (b_begin, b_end):
        return a.strides != b.strides
    return a_begin < b_end and b_begin < a_end


def _root(a: np.ndarray) -> np.ndarray:
    """The object owning ``a``'s memory (two arrays can overlap only if it is the same one),
    through ``as_strided``'s wrapper too."""
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def _dense(a: np.ndarray) -> bool:
    """Whether ``a``'s elements fill one block of memory without gaps or repeats, its dims in
    any order (PyTorch's ``is_non_overlapping_and_dense``)."""
    expected = a.itemsize
    for size, stride in sorted(((n, s) for n, s in zip(a.shape, a.strides, strict=True)
                                if n != 1), key=lambda p: p[1]):
        if stride != expected:
            return False
        expected *= size
    return True


def mark_written(t: Tensor) -> None:
    """Bump the version counter ``t`` shares with every tensor of its memory (its views, its
    detached aliases), as a write into ``t`` does: what an optimizer's step does to each
    parameter, so that a node that saved a view of it refuses to run backward, as PyTorch's.

    Args:
        t: The tensor whose memory was written.

    >>> import symgrad
    >>> p = symgrad.ones(3)
    >>> v, d = p[0:2], p.detach()
    >>> mark_written(p)
    >>> p._version, v._version, d._version
    (1, 1, 1)
    """
    if t._view is None and t._fn is None:
        # No other tensor shares the memory and no node made ``t``: a parameter's update.
        t._version += 1
    else:
        _written(t)


def _written(t: Tensor) -> tuple[Tensor | None, list[Tensor]]:
    """Bump the version of ``t`` and of every tensor sharing its memory, as a write into ``t``
    does; returns the memory's base (None once freed) and its other tensors (``_family``)."""
    family, base, members = _family(t)
    version = (t if base is None else base)._version + 1
    if family is not None:
        family.version = version
    for member in members if base is None else (base, *members):
        made = member._fn  # not ``grad_fn``, which dresses the node for a user
        if made is not None and type(made._out_ref) is weakref.ReferenceType and (
                made._out_ref() is member):
            # The node that made this tensor saved it: hold the tensor so that node still sees
            # this write when nothing else keeps the tensor alive (``_SeenThroughFamily``
            # reads the write's version from ``family``).
            made._out_ref = lambda member=member: member
        member._version = version
    for member in members:
        if member._view.refused is not None:
            if member._rg:  # else ``rewrite`` invalidates it if the write records
                member._fn = InvalidViewNode(_refusal(member._view.refused, base_written=True))
        elif member._fn is not None and member._view.has_history:
            # PyTorch re-derives a view from its base after any write, by as_strided: a copy
            # of the node under that name (``rewrite`` replays the view when it records).
            member._fn = _as_strided(copy.copy(_graph.dressed(member._fn)))
            member._fn._seq = _next_seq()  # a node of its own in a backward's heap
    return base, members


# The node classes renamed AsStridedBackward0, by the class of the view op's node.
_AS_STRIDED: dict[type[Node], type[Node]] = {}


def _as_strided(node: Node) -> Node:
    """``node``, the last of a view re-derived from its base, named as PyTorch names such a
    node (``AsStridedBackward0``), computing as its own op."""
    cls = node.__class__
    if cls.__name__ != "AsStridedBackward0":
        named = _AS_STRIDED.get(cls)
        if named is None:
            named = _AS_STRIDED[cls] = renamed_node_class(cls, "AsStridedBackward0")
        node.__class__ = named
    return node


# The dtypes whose ``+`` and ``-`` are NumPy's own ufuncs in the dtype (half types of some ops
# compute in float32, PyTorch's opmath).
_UFUNC_EXACT = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def _into(t: Tensor, ufunc: np.ufunc, other: Any) -> bool:
    """Write ``ufunc(t, other)`` straight into ``t``'s memory when nothing records and the
    ufunc computes what the op's forward does (a tensor of ``t``'s dtype and shape): an
    optimizer step's ``p -= lr * grad`` then costs what NumPy's ``-=`` does, not a new array
    and a copy back (3 times as much on a 784 x 256 weight). Returns whether it did."""
    a = t._data
    if (grad_mode._state.enabled or not isinstance(other, Tensor) or a.dtype not in _UFUNC_EXACT
            or _forward_ad.LEVEL[0] is not None
            or other._data.dtype is not a.dtype or other._data.shape != a.shape):
        return False
    check_no_partial_overlap(t, (other,))
    try:
        ufunc(a, other._data, out=a)
    except ValueError:  # read-only memory (asking ``a.flags`` each time cost more)
        return False
    mark_written(t)
    return True


def _zeros_like(g: Tensor) -> Tensor:
    return Tensor._make(np.zeros(g._data.shape, dtype=g._data.dtype), False, None)


ZERO = defop("zero", "ZeroBackward0", lambda self: np.zeros_like(self),
             vjp=lambda g: _zeros_like(g), dtype_rule="same", dtypes=ALL, kind="inplace")
FILL = defop("fill", "FillBackward2", lambda self, *, value: np.full_like(
                 self, _dtypes.scalar_as(value, self.dtype)),
             vjp=lambda g, *, value: _zeros_like(g), dtype_rule="same", dtypes=ALL,
             kind="inplace")
FILL_TENSOR = defop("fill_tensor", "FillBackward3",
                    lambda self, value: np.full_like(self, value),
                    vjp=lambda g: (_zeros_like(g), g.sum()), dtype_rule="same", dtypes=ALL,
                    kind="inplace")
COPY = defop("copy", "torch::autograd::CopyBackwards",
             lambda self, src: np.broadcast_to(src, self.shape).astype(self.dtype),
             vjp=lambda g: (_zeros_like(g), g), dtype_rule="same", dtypes=ALL, kind="inplace")


def add_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """``self += alpha * other``, in place.

    Args:
        other: A tensor broadcastable to this tensor's shape, or a Python number; the result
            must fit this tensor's dtype.
        alpha: The factor ``other`` is multiplied by. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 1
    >>> y.add_(10)
    tensor([11., 12.], grad_fn=<AddBackward0>)
    """
    if alpha == 1 and _into(self, np.add, other):
        return self
    return rewrite(self, lambda old: A.add(old, other, alpha=alpha), reads=(other,))


def sub_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """``self -= alpha * other``, in place.

    Args:
        other: A tensor broadcastable to this tensor's shape, or a Python number; the result
            must fit this tensor's dtype.
        alpha: The factor ``other`` is multiplied by. Defaults to 1.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> x.mul(1).sub_(symgrad.tensor([0.5, 1.0]), alpha=2)
    tensor([0., 0.], grad_fn=<SubBackward0>)
    """
    if alpha == 1 and _into(self, np.subtract, other):
        return self
    return rewrite(self, lambda old: A.sub(old, other, alpha=alpha), reads=(other,))


def mul_(self: Tensor, other: Any) -> Tensor:
    """``self *= other``, in place; backward sees the multiplication.

    Args:
        other: A tensor broadcastable to this tensor's shape, or a Python number; the result
            must fit this tensor's dtype.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x * 1
    >>> y.mul_(3)
    tensor([3., 6.], grad_fn=<MulBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([3., 3.])

    A leaf that requires grad refuses it while grad mode is on:

    >>> x.mul_(2)
    Traceback (most recent call last):
    ...
    RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
    """
    return rewrite(self, lambda old: A.mul(old, other), reads=(other,))


def div_(self: Tensor, other: Any) -> Tensor:
    """``self /= other``, in place (integer tensors cannot hold the float result).

    Args:
        other: The divisor: a tensor broadcastable to this tensor's shape, or a Python number.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 3.0]).div_(2)
    tensor([0.5000, 1.5000])
    >>> symgrad.tensor([1, 2]).div_(2)
    Traceback (most recent call last):
    ...
    RuntimeError: result type Float can't be cast to the desired output type Long
    """
    return rewrite(self, lambda old: A.div(old, other), reads=(other,))


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros, in place.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0]).zero_()
    tensor([0., 0.])
    """
    return rewrite(self, lambda old: apply(ZERO, old), fills=True)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with one value (a number or a zero-dim tensor), in place. A tensor value that
    requires grad receives the sum of the incoming gradient.

    Args:
        value: A Python number or a zero-dim tensor.

    >>> import symgrad
    >>> symgrad.zeros(3).fill_(2.5)
    tensor([2.5000, 2.5000, 2.5000])
    >>> v = symgrad.tensor(2.0, requires_grad=True)
    >>> y = symgrad.zeros(3).fill_(v)
    >>> y.grad_fn
    <FillBackward3 object at 0x...>
    >>> y.sum().backward(); v.grad
    tensor(3.)
    """
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        # No overlap check: PyTorch's fill_ clones a value that aliases self (x.fill_(x[1])),
        # and the value is read here before anything is written.
        return rewrite(self, lambda old: apply(FILL_TENSOR, old, value))
    return rewrite(self, lambda old: apply(FILL, old, value=value), fills=True)


def copy_(self: Tensor, src: Tensor) -> Tensor:
    """Copy ``src``'s values (broadcast, cast to this dtype) into this tensor.

    Args:
        src: The tensor copied from, broadcastable to this tensor's shape; its values are
            cast to this tensor's dtype.

    >>> import symgrad
    >>> symgrad.zeros(2, 2).copy_(symgrad.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    unchanged = copies_nothing(self._data, src._data)  # PyTorch's first, before the shapes
    shape = broadcast_shapes(self._data.shape, src._data.shape)
    if shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    return rewrite(self, lambda old: apply(COPY, old, src), reads=(), unchanged=unchanged)


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Clamp into ``[min, max]``, in place. Number bounds record ``ClampBackward1``; tensor
    bounds are ``clamp``'s (``ClampBackward0``, a bound that requires grad gets its share, a
    bound that does not broadcast is refused), as in PyTorch.

    Args:
        min: The lower bound: a number, a tensor broadcast against this one, or None for
            none. Defaults to None.
        max: The upper bound, as ``min``. Defaults to None. At least one bound must be
            given.

    >>> import symgrad
    >>> x = symgrad.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    >>> y = x * 1
    >>> y.clamp_(0, 1)
    tensor([0.0000, 0.5000, 1.0000], grad_fn=<ClampBackward1>)
    >>> y.sum().backward(); x.grad
    tensor([0., 1., 0.])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return rewrite(self, lambda old: A.clamp(old, min, max), reads=(min, max))
    return rewrite(self, lambda old: apply(REGISTRY["clamp"], old, min=min, max=max),
                   cpp_names=True, reads=(min, max))


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """``self **= exponent``, in place.

    Args:
        exponent: A Python number, or a tensor broadcastable to this tensor's shape.

    >>> import symgrad
    >>> x = symgrad.tensor([2.0, 3.0], requires_grad=True)
    >>> y = x * 1
    >>> y.pow_(2)
    tensor([4., 9.], grad_fn=<PowBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([4., 6.])
    """
    return rewrite(self, lambda old: A.pow(old, exponent), reads=(exponent,))


# -- activations in place ------------------------------------------------------------------------
# What ``symgrad.nn.functional``'s ``inplace=True`` records: PyTorch's in-place kernels' nodes.
# relu_ and elu_/leaky_relu_ save their result (ReluBackward0, ...Backward1), so a later write
# into it raises at backward; silu_ saves a copy of its input (PyTorch's ``original_self``).
@expose(method=False)
def relu_(input: Tensor) -> Tensor:
    """``relu`` in place: ``input`` holds ``max(input, 0)`` and is returned.

    Args:
        input: The tensor written into.

    >>> import symgrad
    >>> x = symgrad.tensor([-1.0, 2.0], requires_grad=True)
    >>> y = x * 1
    >>> symgrad.relu_(y) is y, y
    (True, tensor([0., 2.], grad_fn=<ReluBackward0>))
    """
    return rewrite(input, lambda old: apply(ACT.RELU, old))


def silu_(input: Tensor) -> Tensor:
    """``silu`` in place (``nn.functional.silu(input, inplace=True)``): ``input`` holds
    ``input * sigmoid(input)`` and is returned.

    Args:
        input: The tensor written into.

    >>> import symgrad
    >>> y = symgrad.tensor([0.0, 1.0], requires_grad=True) * 1
    >>> silu_(y) is y, y
    (True, tensor([0.0000, 0.7311], grad_fn=<SiluBackward0>))
    """
    return rewrite(input, lambda old: apply(ACT.SILU, old))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``elu`` in place: ``input`` holds ``input`` where positive, else
    ``alpha * (exp(input) - 1)``, and is returned. Its node (EluBackward1) reads the result, so
    a negative ``alpha`` raises at backward, as in PyTorch.

    Args:
        input: The tensor written into.
        alpha: The limit ``-alpha`` the negative side tends to. Defaults to 1.

    >>> import symgrad
    >>> y = symgrad.tensor([-1.0, 2.0], requires_grad=True) * 1
    >>> elu_(y, 2.0) is y, y
    (True, tensor([-1.2642,  2.0000], grad_fn=<EluBackward1>))
    """
    return rewrite(input, lambda old: apply(ACT.ELU_FROM_RESULT, old, alpha=float(alpha)))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``hardtanh`` in place: ``input`` holds ``input`` clamped to ``[min_val, max_val]`` and is
    returned. Its node (HardtanhBackward0) saves a copy of the input it overwrote, as
    PyTorch's does, so a later write into the result does not change the gradient.

    Args:
        input: The tensor written into.
        min_val: The lower bound. Defaults to -1.
        max_val: The upper bound. Defaults to 1.

    >>> import symgrad
    >>> y = symgrad.tensor([-2.0, 0.5], requires_grad=True) * 1
    >>> hardtanh_(y) is y, y
    (True, tensor([-1.0000,  0.5000], grad_fn=<HardtanhBackward0>))
    """
    return rewrite(input, lambda old: apply(ACT.HARDTANH, old, min_val=min_val, max_val=max_val))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``leaky_relu`` in place: ``input`` holds ``input`` where positive, else
    ``negative_slope * input``, and is returned. Its node (LeakyReluBackward1) reads the
    result, so a negative slope raises at backward, as in PyTorch.

    Args:
        input: The tensor written into.
        negative_slope: The slope where ``input`` is negative. Defaults to 0.01.

    >>> import symgrad
    >>> y = symgrad.tensor([-1.0, 2.0], requires_grad=True) * 1
    >>> leaky_relu_(y, 0.5) is y, y
    (True, tensor([-0.5000,  2.0000], grad_fn=<LeakyReluBackward1>))
    """
    return rewrite(input, lambda old: apply(ACT.LEAKY_RELU_FROM_RESULT, old,
                                            negative_slope=float(negative_slope)))


def _unary_(name: str) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return rewrite(self, lambda old: getattr(old, name)())

    method.__name__ = name + "_"
    method.__doc__ = f"""``{name}`` in place: the same values as ``{name}()``, written into self.

    >>> import symgrad
    >>> x = symgrad.tensor([0.25, 0.5, 4.0])
    >>> expected = x.{name}()
    >>> x.{name}_() is x, x.tolist() == expected.tolist()
    (True, True)
    """
    return method


for _fn in (add_, sub_, mul_, div_, zero_, fill_, copy_, clamp_, pow_):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.clip_ = clamp_  # type: ignore[attr-defined]
_UNARY = ("exp", "log", "sqrt", "neg", "abs", "sin", "cos", "tanh", "sigmoid", "reciprocal",
          "relu", "floor", "ceil", "round", "trunc")
for _name in _UNARY:
    setattr(Tensor, _name + "_", _unary_(_name))


_COMPARISONS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})
# In-place forms PyTorch composes of other ops, which read their operands into a new tensor
# before anything is written: an operand that overlaps self is not refused (``ldexp_`` is
# ``self.mul_(pow(2, other))``).
_COMPOSED = frozenset({"ldexp"})


def _ldexp_checks(self: Tensor, other: Any) -> None:
    """PyTorch's ldexp_ checks, in its order, once the write is allowed and before the
    exponents' dtype: self must hold the float result (its message names ldexp), then other
    must broadcast into self's shape.

    >>> _ldexp_checks(Tensor._make(np.zeros(2, np.int64), False, None), 1.0)
    Traceback (most recent call last):
    ...
    RuntimeError: ldexp can't be cast to the desired output type Long
    """
    if self._data.dtype.kind not in "fc" and self.dtype is not _dtypes.bfloat16:
        raise RuntimeError("ldexp can't be cast to the desired output type "
                           f"{_TORCH_NAMES[self.dtype.name]}")
    if isinstance(other, Tensor):
        shape = broadcast_shapes(tuple(self.shape), tuple(other.shape))
        if shape != tuple(self.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                               f"broadcast shape {list(shape)}")


# Checks an in-place form makes on self (a copy of it) and its arguments before computing.
_CHECKED_FIRST: dict[str, Callable[..., None]] = {"ldexp": _ldexp_checks}


def _with_args_(name: str, args: str, values: str = "[0.25, 0.5, 0.75]"
                ) -> Callable[..., Tensor]:
    """``Tensor.<name>_``: ``<name>`` with the same arguments, written into self (cast to
    self's dtype where PyTorch allows it, refused where it does not)."""

    comparison = name in _COMPARISONS

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        zeros_as = None
        if comparison:
            # PyTorch's overloads: 0 compares with a number, 1 with a tensor.
            other = args[0] if args else kwargs.get("other")
            zeros_as = f"{name.capitalize()}Backward{int(isinstance(other, Tensor))}"
        checks = _CHECKED_FIRST.get(name)

        def compute(old: Tensor) -> Tensor:
            if checks is not None:
                checks(old, *args, **kwargs)
            return getattr(old, name)(*args, **kwargs)

        return rewrite(self, compute, cpp_names=name.startswith("clamp"), zeros_as=zeros_as,
                       logical=name.startswith("logical_"),
                       reads=() if name in _COMPOSED else (*args, *kwargs.values()))

    method.__name__ = name + "_"
    method.__doc__ = f"""``{name}`` in place: the same values as ``{name}({args})``, written
    into self (in self's dtype).

    Args:
        *args: ``{name}``'s arguments after the tensor.
        **kwargs: ``{name}``'s keyword arguments.

    >>> import symgrad
    >>> x = symgrad.tensor({values})
    >>> expected = x.{name}({args})
    >>> x.{name}_({args}) is x, x.tolist() == expected.to(x.dtype).tolist()
    (True, True)
    """
    return method


# More in-place forms, each of an existing method: unary ones, and those taking arguments,
# with arguments for their examples.
_MORE_UNARY = ("acos", "acosh", "asin", "asinh", "atan", "atanh", "cosh", "sinh", "tan", "erf",
               "erfc", "exp2", "expm1", "log10", "log1p", "log2", "rsqrt", "sign", "square",
               "absolute", "negative", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
               "arctanh", "fix", "logical_not")
_WITH_ARGS = {"atan2": "symgrad.ones(3)", "arctan2": "symgrad.ones(3)",
              "clamp_min": "0.3", "clamp_max": "0.3", "divide": "4.0", "multiply": "4.0",
              "subtract": "1.0", "true_divide": "3.0", "floor_divide": "0.2", "fmod": "0.3",
              "remainder": "0.3", "eq": "0.5", "ne": "0.5", "lt": "0.5", "le": "0.5",
              "gt": "0.5", "ge": "0.5", "logical_and": "symgrad.ones(3)",
              "logical_or": "symgrad.zeros(3)", "logical_xor": "symgrad.ones(3)",
              "cumsum": "0", "cumprod": "0", "copysign": "-1.0", "hypot": "symgrad.ones(3)",
              "heaviside": "symgrad.tensor(0.5)", "ldexp": "symgrad.tensor([1, 2, 3])",
              "deg2rad": "", "rad2deg": "", "frac": ""}
# In-place forms whose examples need inputs of their own: (arguments, the tensor's values).
_WITH_INPUTS = {
    "addmm": ("symgrad.ones(2, 2), symgrad.ones(2, 2)", "[[0.25, 0.5], [0.75, 1.0]]"),
    "addmv": ("symgrad.ones(2, 2), symgrad.ones(2)", "[0.25, 0.5]"),
    "addr": ("symgrad.ones(2), symgrad.ones(2)", "[[0.25, 0.5], [0.75, 1.0]]"),
    "addbmm": ("symgrad.ones(3, 2, 2), symgrad.ones(3, 2, 2)", "[[0.25, 0.5], [0.75, 1.0]]"),
    "baddbmm": ("symgrad.ones(1, 2, 2), symgrad.ones(1, 2, 2)", "[[[0.25, 0.5], [0.75, 1.0]]]"),
    "bitwise_and": ("6", "[1, 2, 3]"),
    "bitwise_or": ("4", "[1, 2, 3]"),
    "bitwise_xor": ("5", "[1, 2, 3]"),
    "bitwise_not": ("", "[1, 2, 3]"),
}


def _float_power_(self: Tensor, exponent: Any) -> Tensor:
    """``float_power`` in place, only into a float64 tensor (its result's dtype), as PyTorch.

    Args:
        exponent: The exponent, a number or a tensor.

    >>> import symgrad
    >>> symgrad.tensor([0.5]).float_power_(2)
    Traceback (most recent call last):
    ...
    RuntimeError: the base given to float_power_ has dtype Float but the operation's result ...
    """
    if self.dtype.name != "float64":
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_TORCH_NAMES[self.dtype.name]} but the operation's result "
                           "requires dtype Double")
    return _FLOAT_POWER_(self, exponent)
for _name in _MORE_UNARY:
    if hasattr(Tensor, _name):
        _inside = "[1.25, 1.5, 2.0]" if _name in ("acosh", "arccosh") else "[0.25, 0.5, 0.75]"
        setattr(Tensor, _name + "_", _with_args_(_name, "", _inside))
for _name, _args in _WITH_ARGS.items():
    setattr(Tensor, _name + "_", _with_args_(_name, _args))
for _name, (_args, _values) in _WITH_INPUTS.items():
    setattr(Tensor, _name + "_", _with_args_(_name, _args, _values))
_FLOAT_POWER_ = _with_args_("float_power", "2")
_FLOAT_POWER_.__doc__ = None  # its generated example writes into float32: _float_power_'s is it
Tensor.float_power_ = _float_power_  # type: ignore[attr-defined]
# The generated methods are not module attributes: listed here so doctest runs their examples.
__test__ = {_name + "_": getattr(Tensor, _name + "_")
            for _name in (*_UNARY, *_MORE_UNARY, *_WITH_ARGS, *_WITH_INPUTS)
            if hasattr(Tensor, _name + "_")}
Tensor.__iadd__ = add_  # type: ignore[attr-defined]
Tensor.__isub__ = sub_  # type: ignore[attr-defined]
Tensor.__imul__ = mul_  # type: ignore[attr-defined]
Tensor.__itruediv__ = div_  # type: ignore[attr-defined]
