"""In-place view ops (``t_``, ``transpose_``, ``swapdims_``, ``swapaxes_``, ``unsqueeze_``,
``squeeze_``) against torch: each scenario runs under both and returns what a program would
print — shapes, strides, versions, node names, values, gradients, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")


def _values(lib: Any, *shape: int) -> Any:
    data = np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape) / 4
    return lib.tensor(data)


def _state(t: Any) -> tuple[Any, ...]:
    fn = t.grad_fn
    return (tuple(t.shape), tuple(t.stride()), t._version, None if fn is None else
            type(fn).__name__, t.detach().numpy().tolist())


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        out = call()
        return "ok", None if out is None else tuple(out.shape)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)


def _each_op(lib: Any) -> list[Any]:
    """Every op on a non-leaf, its result the tensor itself, then a backward through it."""
    calls = [lambda y: y.t_(), lambda y: y.transpose_(0, -1), lambda y: y.swapdims_(1, 0),
             lambda y: y.swapaxes_(0, 1), lambda y: y.unsqueeze_(1), lambda y: y.unsqueeze_(-1),
             lambda y: y.unsqueeze(0).squeeze_(), lambda y: y.unsqueeze(1).squeeze_(1),
             lambda y: y.unsqueeze(0).unsqueeze(2).squeeze_((0, 2)),
             lambda y: y.squeeze_(0)]
    out = []
    for call in calls:
        x = _values(lib, 2, 3).requires_grad_()
        y = x * 2
        r = call(y)
        weights = _values(lib, *r.shape)
        (r * weights).sum().backward()
        out.append((r is y or r.shape == y.shape, _state(r), x.grad.tolist()))
    return out


def _on_a_view(lib: Any) -> list[Any]:
    """A view keeps its base: a later write through it reaches the base and its gradient."""
    x = _values(lib, 2, 3).requires_grad_()
    base = x * 1
    row = base[0:1]
    row.squeeze_(0)
    row.mul_(5)
    base.sum().backward()
    return [_state(row), _state(base), x.grad.tolist()]


def _on_a_base_with_views(lib: Any) -> list[Any]:
    """A base's views keep their elements after its layout changes, for values and gradients."""
    x = _values(lib, 2, 3).requires_grad_()
    base = x * 1
    row, column = base[1], base[:, 2]
    base.t_()
    states = [_state(row), _state(column), _state(base)]
    row.mul_(3)
    base.unsqueeze_(0)
    column.add_(10)
    (base * _values(lib, *base.shape)).sum().backward()
    return [*states, _state(row), _state(column), _state(base), x.grad.tolist()]


def _without_grad(lib: Any) -> list[Any]:
    """Plain tensors, leaves under no_grad (kept leaves), and a detached alias."""
    plain = _values(lib, 2, 3)
    alias = plain.detach()
    alias.t_()
    leaf = _values(lib, 2, 3).requires_grad_()
    with lib.no_grad():
        leaf.unsqueeze_(0)
    (leaf * 2).sum().backward()
    ints = lib.ones(2, 3, dtype=lib.int64)
    ints.transpose_(0, 1)
    return [_state(plain), _state(alias), leaf.is_leaf, leaf.requires_grad, leaf.grad.shape,
            _state(ints)]


def _refusals(lib: Any) -> list[Any]:
    x = _values(lib, 2, 3).requires_grad_()
    with lib.no_grad():
        made_without_grad = (x * 1)[0]
    y = x * 2
    with lib.no_grad():
        y.t_()  # the node still expects its old shape
    return [_outcome(lambda: x.t_()), _outcome(lambda: x[0].unsqueeze_(0)),
            _outcome(lambda: made_without_grad.unsqueeze_(0)),
            _outcome(lambda: lib.ones(2, 2, 2).t_()),
            _outcome(lambda: lib.ones(2, 3).transpose_(0, 5)),
            _outcome(lambda: lib.ones(2, 3).unsqueeze_(3)),
            _outcome(lambda: lib.ones(2, 3).squeeze_(-3)),
            _outcome(lambda: (y * _values(lib, 3, 2)).sum().backward())]


def _shapes_kept_under_no_grad(lib: Any) -> list[Any]:
    """Under no_grad the tensor keeps its node, which takes gradients of the old shape: one
    that broadcasts from it is summed to it, another is refused, also at a leaf's accumulator
    that a graph holds."""
    out = []
    for change in (lambda y: y.unsqueeze_(0), lambda y: y.t_(), lambda y: y.squeeze_(1)):
        x = _values(lib, 3, 1).requires_grad_()
        y = x * 2
        with lib.no_grad():
            change(y)
        out.append(_outcome(lambda y=y: (y * _values(lib, *y.shape)).sum().backward()))
        out.append(None if x.grad is None else x.grad.tolist())
    # (a leaf's gradient of the old shape: PyTorch takes it as it is where its layout fits the
    # leaf's, else copies it into the leaf's shape or refuses; helper h2, fuzzer seed 437)
    for shape, change in (((2, 3), lambda t: t.t_()), ((2, 3), lambda t: t.unsqueeze_(0)),
                          ((1, 3), lambda t: t.squeeze_()), ((), lambda t: t.unsqueeze_(0)),
                          ((3,), lambda t: t.unsqueeze_(1)), ((1, 3), lambda t: t.t_())):
        leaf = _values(lib, *shape).requires_grad_()
        held = leaf * 1  # its node holds the leaf's accumulator
        with lib.no_grad():
            change(leaf)
        out.append(_outcome(lambda leaf=leaf: (leaf * _values(lib, *leaf.shape)).sum(
            ).backward()))
        out.append(_outcome(lambda held=held: held.sum().backward()))
        out.append(None if leaf.grad is None else (tuple(leaf.grad.shape), leaf.grad.tolist()))
    return out


def _views_relaid_under_no_grad(lib: Any) -> list[Any]:
    """Under no_grad a view with history takes its new layout from its base, as PyTorch's
    (AsStridedBackward0), and stays writable as before (the fuzzer, seed 58: symgrad kept the
    view op's node, whose gradient had the old shape, and marked it as made in no_grad)."""
    out = []
    for change in (lambda v: v.unsqueeze_(0), lambda v: v.squeeze_(), lambda v: v.t_(),
                   lambda v: v.transpose_(0, 1)):
        for of_leaf in (True, False):
            x = _values(lib, 2, 3).requires_grad_()
            v = (x if of_leaf else x * 2).unsqueeze(-1)[..., 0]
            with lib.no_grad():
                change(v)
            out.append(_state(v))
            out.append(_outcome(lambda v=v, of_leaf=of_leaf: v.mul_(2) if not of_leaf else v))
            out.append(_outcome(lambda v=v: (v * _values(lib, *v.shape)).sum().backward()))
            out.append(None if x.grad is None else x.grad.tolist())
    return out


def _leaf_accumulators_of_the_old_shape(lib: Any) -> list[Any]:
    """A leaf reshaped under no_grad while a graph holds its accumulator: that accumulator
    takes the old shape's gradient, which becomes ``.grad`` as it is where the engine alone
    holds it and its strides are the leaf's (PyTorch's gradient layout contract: a scalar's
    always are), else is copied into the leaf's shape, or refused where it does not broadcast
    to it; a second backward adds into ``.grad`` in place (the fuzzer, seeds 188, 214, 182:
    symgrad broadcast every gradient to the leaf's shape where it could, kept it elsewhere)."""
    out = []
    cases: list[tuple[tuple[int, ...], Callable[[Any], Any], Callable[[Any], Any]]] = [
        ((), lambda x: x.t(), lambda x: x.unsqueeze_(0)),  # seed 188: .grad of shape ()
        ((2, 1, 3), lambda x: x.tril(), lambda x: x.unsqueeze_(2)),  # seed 214: refused
        ((2, 0), lambda x: x / 3, lambda x: x.t_()),  # seed 182: .grad (2, 0) of a (0, 2)
        ((2, 0), lambda x: x * 2, lambda x: x.unsqueeze_(1)),
        ((0,), lambda x: x * 2, lambda x: x.unsqueeze_(0)),
        ((3,), lambda x: x * 2, lambda x: x.unsqueeze_(0)),  # copied into (1, 3)
        ((3,), lambda x: x * 2, lambda x: x.unsqueeze_(1)),  # strides fit: kept as (3,)
        ((2, 3), lambda x: x * 2, lambda x: x.t_()),
        ((1, 3), lambda x: x * 2, lambda x: x.squeeze_()),
    ]
    for shape, use, change in cases:
        # (torch.tensor of an empty array keeps NumPy's strides, 0: zeros has PyTorch's own.)
        leaf = lib.zeros(shape, dtype=lib.float64)
        leaf += lib.tensor(np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape) / 4)
        leaf.requires_grad_()
        held = use(leaf)
        with lib.no_grad():
            change(leaf)
        weights = _values(lib, *held.shape)
        for _ in range(2):  # a first gradient, then one added into it
            out.append(_outcome(lambda held=held, w=weights: (held * w).sum().backward(
                retain_graph=True)))
            out.append(None if leaf.grad is None else (tuple(leaf.grad.shape),
                                                       leaf.grad.tolist()))
    return out


def _views_of_a_written_base_made_to_require_grad(lib: Any) -> list[Any]:
    """A view made while its base did not require grad: once the base is written in place and
    then made to require grad, PyTorch re-derives the view from it (AsStridedBackward0, not a
    leaf, gradients reach the base); unwritten, the view stays a leaf that asks its base
    (the fuzzer, seeds 201 and 211, on empty tensors: symgrad kept every such view a leaf)."""
    out = []
    for shape in ((3,), (2, 3), (0,), (2, 0)):
        for written in (True, False):
            base = lib.zeros(shape)
            v = base[None, ...]
            column = base.t()
            if written:
                base.exp_()
            base.requires_grad_()
            # (not the strides: an empty view's are its layout's in PyTorch, row-major here)
            out.append([(_state(t)[:1] + _state(t)[2:], t.requires_grad, t.is_leaf)
                        for t in (v, column)])
            out.append(_outcome(lambda v=v: (v * _values(lib, *v.shape)).sum().backward()))
            out.append(None if base.grad is None else base.grad.tolist())
    return out


def _a_scalar_under_no_grad(lib: Any) -> list[Any]:
    """A 0-d leaf that requires grad, already used by a graph, transposed in place under
    no_grad: its one dim (0 or -1) swapped with itself changes nothing (fuzzer seed 2117
    program 839: symgrad swapped the strides of dims it does not have, an IndexError)."""
    out = []
    for dims in ((0, 0), (0, -1), (-1, 0)):
        x = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        held = x.unsqueeze(0)
        with lib.no_grad():
            out.append(_outcome(lambda x=x, dims=dims: x.transpose_(*dims)))
        out.append((_state(x), x.is_leaf, x.requires_grad))
        out.append(_outcome(lambda held=held: (held * 2).sum().backward()))
        out.append(x.grad.tolist())
    return out


def _refused_views_relaid_under_no_grad(lib: Any) -> list[Any]:
    """A view made under no_grad of a tensor that requires grad, given a new layout in place
    (still under no_grad): as after a write into it there, PyTorch's view keeps requiring
    grad but its graph refuses every question, is_leaf and grad_fn alike (fuzzer seed 2104
    program 510: symgrad's view stayed a leaf without a node)."""
    out = []
    changes: list[Callable[[Any], Any]] = [
        lambda v: v.unsqueeze_(0), lambda v: v.t_(), lambda v: v.transpose_(0, 1),
        lambda v: v.squeeze_(), lambda v: v.mul_(2)]
    for change in changes:
        x = _values(lib, 1, 2).requires_grad_()
        m = x * 1
        with lib.no_grad():
            v = m.view(1, 2)
            change(v)
        out.append((tuple(v.shape), v.requires_grad, _asked(lambda v=v: v.is_leaf),
                    _asked(lambda v=v: type(v.grad_fn).__name__), type(m.grad_fn).__name__))
    return out


def _asked(question: Callable[[], Any]) -> Any:
    """A question's answer, or the class of the error it raises."""
    try:
        return question()
    except RuntimeError as e:
        return type(e).__name__


@pytest.mark.parametrize("scenario", [_each_op, _on_a_view, _on_a_base_with_views,
                                      _without_grad, _refusals, _shapes_kept_under_no_grad,
                                      _views_relaid_under_no_grad,
                                      _leaf_accumulators_of_the_old_shape,
                                      _views_of_a_written_base_made_to_require_grad,
                                      _a_scalar_under_no_grad,
                                      _refused_views_relaid_under_no_grad],
                         ids=lambda f: f.__name__.strip("_"))
def test_in_place_view_ops_are_pytorchs(scenario: Callable[[Any], Any]) -> None:
    assert scenario(symgrad) == scenario(torch)


@pytest.mark.parametrize("shape", [(2, 0), (0, 2), (2, 0, 3), (0,), (1, 0), (3, 0, 0)])
def test_strides_of_an_empty_tensor_are_pytorchs(shape: tuple[int, ...]) -> None:
    """Row-major over sizes of at least 1 (symgrad gave 0 after an empty dim: (0, 1) for
    zeros(2, 0), where PyTorch's are (1, 1)); the accumulator's layout check reads them."""
    assert symgrad.zeros(shape).stride() == torch.zeros(shape).stride()
