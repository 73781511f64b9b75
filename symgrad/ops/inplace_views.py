"""In-place view ops: ``t_``, ``transpose_``/``swapdims_``/``swapaxes_``, ``unsqueeze_`` and
``squeeze_`` change a tensor's shape and strides, not its values, as PyTorch's do.

The tensor takes over what the out-of-place view of it would be: its array (a NumPy view of
the same memory), and, while grad mode records, the view op's node, named as PyTorch names the
in-place variant (``TBackward1``, ``TransposeBackward1``, ``UnsqueezeBackward1``,
``SqueezeBackward3``/``4``/``5``). The memory's version counter moves, as a write would move
it, and the other views of the memory are re-derived as after a write (``AsStridedBackward0``).
A view keeps its base, its history one step longer; a base keeps its views, whose histories
(from the base's old layout) get the step back to it first. Refused as an in-place write is:
a leaf that requires grad, or a view of one, while grad mode records.

>>> import symgrad
>>> y = symgrad.ones(2, 3, requires_grad=True) * 2
>>> y.t_().shape, type(y.grad_fn).__name__
(symgrad.Size([3, 2]), 'TBackward1')
"""

from __future__ import annotations

from collections.abc import Callable

from symgrad.autograd import grad_mode
from symgrad.autograd.graph import SHAPE_KEPT, STRIDE_SLOTS, Node, _torch_strides
from symgrad.ops import inplace
from symgrad.ops import shape as S
from symgrad.ops.registry import renamed_node_class
from symgrad.tensor import Tensor

Step = inplace.Step
Strides = Callable[[tuple[int, ...], tuple[int, ...]], tuple[int, ...]]
_NAMED: dict[tuple[type[Node], str], type[Node]] = {}


def _in_place_view(t: Tensor, view: Callable[[Tensor], Tensor], grad_fn: str,
                   back: list[Step], strides: Strides) -> Tensor:
    """``t`` made ``view(t)`` in place; ``back``: the view ops from the new layout to the old;
    ``strides``: PyTorch's new strides from the old sizes and strides. The callers refuse the
    write first (``_refuse``), before their arguments' checks."""
    recording = grad_mode._state.enabled
    if not recording:
        # Its node, or a leaf's accumulator that a graph holds, still takes gradients of the
        # old shape: PyTorch checks those reaching it against that shape.
        made = t._fn if t._fn is not None else t._acc() if t._acc is not None else None
        if isinstance(made, Node):
            SHAPE_KEPT.setdefault(made, tuple(t.shape))
            if t._fn is None:  # a leaf: its accumulator compares PyTorch's strides
                slots = _torch_strides(t._data, t)
                new = strides(tuple(t.shape), slots[:t.ndim])
                STRIDE_SLOTS[made] = new + slots[len(new):]
    new = view(t)
    node = new._fn if recording else t._fn
    if recording and node is not None:
        key = (type(node), grad_fn)
        named = _NAMED.get(key)
        if named is None:
            named = _NAMED[key] = renamed_node_class(type(node), grad_fn)
        node.__class__ = named
    info = t._view
    # (a detached alias counts as a view of its base here, freed or not: it stays one)
    is_view = info is not None and (info.base is not None or not info.has_history)
    if info is not None and not is_view:
        for member in inplace._family(t)[2]:
            if member is not new and member._view.has_history:
                member._view.rebase(back)
    data, new_info, rg = new._data, new._view, new._rg
    del new  # not one of the memory's views: ``_written`` would re-derive it
    inplace._written(t)
    t._data = data
    if is_view:
        # The same view in a new layout: its refusals stay its own (the view op made it under
        # no_grad marks ``new``'s, not ``t``'s).
        new_info.refused = info.refused
        t._view = new_info
    if recording or not (is_view and new_info.refused is not None and t._rg):
        t._fn = node  # ``_written`` re-derived ``t`` too, if a view: it is the new node's
    # (else ``_written`` left a refused view the node that refuses every question, as a write
    # under no_grad leaves PyTorch's view made under no_grad)
    if recording:
        t._rg = rg
    elif is_view and t._rg and new_info.has_history and new_info.refused is None:
        # Unrecorded, a view with history takes its new layout from its base as PyTorch's
        # does (AsStridedBackward0): its old node would hand back gradients of the old shape.
        with grad_mode.enable_grad():
            t.grad_fn = inplace._as_strided(inplace._replay(new_info.base,
                                                            new_info.chain).grad_fn)
    return t


def _swapped(strides: tuple[int, ...], d0: int, d1: int) -> tuple[int, ...]:
    """``strides`` with those of dims ``d0`` and ``d1`` exchanged."""
    if d0 == d1:  # a 0-d tensor's one dim (0 or -1) has no stride to exchange
        return strides
    out = list(strides)
    out[d0], out[d1] = out[d1], out[d0]
    return tuple(out)


def _refuse(t: Tensor) -> None:
    """PyTorch's refusals of an in-place write (a leaf that requires grad, ...), which come
    before an in-place view op looks at its dims."""
    inplace.refuse_write(t, grad_mode._state.enabled)


def t_(self: Tensor) -> Tensor:
    """``self.t()`` in place: a matrix's two dims swapped (a vector or scalar kept as it is).

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> x.t_().shape
    symgrad.Size([3, 2])
    """
    _refuse(self)
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    back = [("t", {})] if self.ndim == 2 else []
    return _in_place_view(self, S.t, "TBackward1", back, lambda sizes, st: st[::-1])


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """``self.transpose(dim0, dim1)`` in place (also ``swapdims_`` and ``swapaxes_``).

    Args:
        dim0: One dim.
        dim1: The other dim.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3, 4)
    >>> x.transpose_(0, 2).shape
    symgrad.Size([4, 3, 2])
    """
    _refuse(self)
    d0, d1 = S.wrap_dim(dim0, self.ndim), S.wrap_dim(dim1, self.ndim)
    return _in_place_view(self, lambda x: S.transpose(x, d0, d1), "TransposeBackward1",
                          [("transpose", {"dim0": d0, "dim1": d1})],
                          lambda sizes, st: _swapped(st, d0, d1))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """``self.unsqueeze(dim)`` in place: a dim of size one inserted at ``dim``.

    Args:
        dim: Where the new dim goes, in ``[-self.ndim - 1, self.ndim]``.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> x.unsqueeze_(0).shape
    symgrad.Size([1, 2, 3])
    """
    _refuse(self)
    d = S.wrap_dim(dim, self.ndim + 1)
    # (PyTorch's stride of the new dim: the next dim's extent in memory, 1 after the last.)
    return _in_place_view(self, lambda x: S.unsqueeze(x, d), "UnsqueezeBackward1",
                          [("squeeze_dim", {"dim": d})],
                          lambda sizes, st: st[:d] + (sizes[d] * st[d] if d < len(sizes) else 1,)
                          + st[d:])


def squeeze_(self: Tensor, dim: int | tuple[int, ...] | None = None) -> Tensor:
    """``self.squeeze(dim)`` in place: dims of size one dropped (all, or those among ``dim``).

    Args:
        dim: A dim or tuple of dims to drop where their size is one. Defaults to None: every
            dim of size one.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 1, 3)
    >>> x.squeeze_().shape
    symgrad.Size([2, 3])
    """
    _refuse(self)
    if dim is None:
        dims, grad_fn = range(self.ndim), "SqueezeBackward3"
    elif isinstance(dim, int):
        dims, grad_fn = (S.wrap_dim(dim, self.ndim),), "SqueezeBackward4"
    else:
        dims, grad_fn = {S.wrap_dim(d, self.ndim) for d in dim}, "SqueezeBackward5"
    dropped = sorted(d for d in dims if self.ndim and self.shape[d] == 1)
    return _in_place_view(self, lambda x: S.squeeze(x, dim), grad_fn,
                          [("unsqueeze", {"dim": d}) for d in dropped],
                          lambda sizes, st: tuple(s for i, s in enumerate(st) if i not in dropped))


for _name, _method in (("t_", t_), ("transpose_", transpose_), ("swapdims_", transpose_),
                       ("swapaxes_", transpose_), ("unsqueeze_", unsqueeze_),
                       ("squeeze_", squeeze_)):
    setattr(Tensor, _name, _method)
