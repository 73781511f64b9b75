"""Growth (issue 14): a view costs the same however long the chain behind it, and a leaf is
freed by reference counting, without the garbage collector, as soon as it is unreachable."""

from __future__ import annotations

import gc
import math
import tracemalloc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

import symgrad


@pytest.fixture
def no_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _views(x: symgrad.Tensor, n: int) -> symgrad.Tensor:
    for i in range(n):
        k = i % 3
        x = x.reshape(3, 2) if k == 0 else x.unsqueeze(0) if k == 1 else x.squeeze(0)
    return x


def _bytes_for_three_more_views(chain: int, requires_grad: bool) -> int:
    x = _views(symgrad.ones(2, 3, requires_grad=requires_grad), chain)
    tracemalloc.start()
    try:
        kept = _views(x, 3)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        del kept


@pytest.mark.parametrize("requires_grad", [False, True])
def test_a_view_costs_the_same_at_the_end_of_a_long_chain(requires_grad: bool) -> None:
    # Copying the chain into each view cost 8 bytes per earlier view: 24 kB here.
    short = _bytes_for_three_more_views(3, requires_grad)
    long = _bytes_for_three_more_views(3000, requires_grad)
    assert long < short + 2000


def test_in_place_write_through_the_end_of_a_long_chain() -> None:
    # The chain is still whole when a write needs it: the base sees the write, and backward
    # runs through every view op.
    x = symgrad.ones(2, 3, requires_grad=True)
    base = x * 1
    view = _views(base, 300)
    view.mul_(symgrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert base.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    base.sum().backward()
    assert x.grad.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def _freed(make: Any) -> bool:
    ref = make()
    return ref() is None


def test_leaf_freed_after_backward_without_gc(no_gc: None) -> None:
    def make() -> weakref.ref:
        w = symgrad.tensor([1.0, 2.0], requires_grad=True)
        (w * w).sum().backward()
        assert w.grad is not None
        return weakref.ref(w)

    assert _freed(make)


def test_leaf_freed_with_its_graph_without_gc(no_gc: None) -> None:
    def make() -> weakref.ref:
        w = symgrad.tensor([1.0, 2.0], requires_grad=True)
        loss = (w.exp() * 2).sum()
        assert loss.grad_fn is not None
        return weakref.ref(w)

    assert _freed(make)


@pytest.mark.parametrize("register", ["register_hook", "register_post_accumulate_grad_hook"])
def test_leaf_with_hooks_freed_without_gc(no_gc: None, register: str) -> None:
    def make() -> weakref.ref:
        w = symgrad.tensor([1.0, 2.0], requires_grad=True)
        getattr(w, register)(lambda t: None)
        (w * w).sum().backward()
        return weakref.ref(w)

    assert _freed(make)


def test_a_leafs_hooks_outlive_its_accumulator_nodes() -> None:
    # Each graph makes the leaf a new AccumulateGrad (the last died with its graph): the hooks
    # registered before, and between, graphs run in every later backward.
    seen = []
    w = symgrad.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: seen.append(("hook", g.tolist())))
    (w * 2).sum().backward()
    w.register_post_accumulate_grad_hook(lambda t: seen.append(("after", t.grad.tolist())))
    (w * 3).sum().backward()
    assert seen == [("hook", [2.0, 2.0]), ("hook", [3.0, 3.0]), ("after", [5.0, 5.0])]


def test_parameters_of_a_module_freed_without_gc(no_gc: None) -> None:
    def make() -> weakref.ref:
        layer = symgrad.nn.Linear(3, 2)
        layer(symgrad.ones(4, 3)).sum().backward()
        return weakref.ref(layer.weight)

    assert _freed(make)


def test_the_graph_keeps_its_leaves_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    seen = []
    for lib in (symgrad, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        ref = weakref.ref(w)
        y = w * 2
        del w
        seen.append(ref() is not None and y.grad_fn.next_functions[0][0].variable is ref())
        y.sum().backward()
        seen.append(ref().grad.tolist())
    assert seen[:2] == seen[2:] == [True, [2.0, 2.0]]


def test_a_hook_on_a_leaf_outlives_its_graphs() -> None:
    w = symgrad.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: g * 10)
    gc.collect()
    (w * 1).sum().backward()
    assert w.grad.tolist() == [10.0, 10.0]


# How a tensor is kept beyond its graph, by what PyTorch makes of it: an alias of its memory
# outside autograd (``detach``, ``view(dtype)``), of a view of it, of such an alias.
_ALIASES = {
    "detach": lambda y: y.detach(),
    "view_dtype": lambda y: y.view(symgrad.int32),
    "detach_of_a_view": lambda y: y[1:].detach(),
    "detach_of_a_detached": lambda y: y.detach().detach(),
}


@pytest.mark.parametrize("alias", _ALIASES.values(), ids=_ALIASES)
def test_a_detached_alias_frees_the_tensor_and_its_graph_without_gc(no_gc: None, alias) -> None:
    # PyTorch's detach shares only the memory and the version counter: the tensor and its node
    # (with the activations it saved) go as soon as nothing else holds them. symgrad's alias
    # held the tensor, so ``losses.append(loss.detach())`` kept every step's graph.
    x = symgrad.ones(4, requires_grad=True)
    y = (x * 2).exp()
    tensor, node = weakref.ref(y), weakref.ref(y.grad_fn)
    kept = alias(y)
    del y
    assert tensor() is None and node() is None
    assert kept._version == 0 and kept.requires_grad is False


def test_a_training_loop_keeping_detached_losses_frees_each_steps_graph(no_gc: None) -> None:
    w = symgrad.tensor([0.5, -1.0], requires_grad=True)
    losses, nodes = [], []
    for _ in range(3):
        loss = ((w * 2).exp() * w).sum()
        nodes.append(weakref.ref(loss.grad_fn))
        loss.backward()
        losses.append(loss.detach())
    del loss
    assert [n() for n in nodes] == [None, None, None]
    expected = math.exp(1.0) * 0.5 - math.exp(-2.0)  # sum(exp(2 w) w), kept by each alias
    assert [v.item() for v in losses] == [pytest.approx(expected, rel=1e-6)] * 3
