"""PyTorch's top-level forms of existing methods (symgrad/ops/top_level_aliases.py) against
PyTorch 2.13: values, dtypes, grad_fn names, gradients, in-place identity and errors."""

from __future__ import annotations

import numpy as np
import pytest
from call_outcomes import assert_two_orders_agree

import symgrad
from symgrad.ops import top_level_aliases

torch = pytest.importorskip("torch")


def _same(a, b) -> None:
    """One result of each library: equal values, dtypes, requires_grad and grad_fn names."""
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
        return
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    # A few ULP: the losses' and pinv's own kernels round as they do elsewhere in symgrad.
    rtol = 1e-6 if "32" in str(a.dtype) else 1e-13
    np.testing.assert_allclose(np.asarray(a.detach().tolist()), np.asarray(b.detach().tolist()),
                               rtol=rtol, atol=0)
    assert a.requires_grad == b.requires_grad
    assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__


def _error(fn):
    outcomes = []
    for lib in (symgrad, torch):
        with pytest.raises(Exception) as info:
            fn(lib)
        outcomes.append((type(info.value).__name__, str(info.value)))
    assert outcomes[0] == outcomes[1]


X = [0.25, -0.5, 0.75, 1.5]


def _x(lib, values=X, dtype="float32"):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)


CALLS = {
    "detach": lambda lib: lib.detach(_x(lib) * 2),
    "fill_number": lambda lib: lib.fill(_x(lib), 2.5),
    "fill_int_into_float": lambda lib: lib.fill(_x(lib, dtype="float64"), 3),
    "fill_into_int": lambda lib: lib.fill(lib.tensor([1, 2]), 7.9),
    "fill_tensor": lambda lib: lib.fill(_x(lib), lib.tensor(2.0, requires_grad=True)),
    "fill_tensor_no_grad": lambda lib: lib.fill(lib.zeros(2), lib.tensor(2.0)),
    "hardshrink": lambda lib: lib.hardshrink(_x(lib), 0.6),
    "hardshrink_default": lambda lib: lib.hardshrink(_x(lib)),
    "hardshrink_method": lambda lib: _x(lib).hardshrink(lambd=0.3),
    "split_with_sizes": lambda lib: lib.split_with_sizes(_x(lib), [1, 3]),
    "split_with_sizes_dim": lambda lib: lib.split_with_sizes(
        _x(lib).reshape(2, 2), (1, 1), dim=1),
    "split_with_sizes_method": lambda lib: _x(lib).split_with_sizes([2, 2]),
    "bce_logits_default": lambda lib: lib.binary_cross_entropy_with_logits(
        _x(lib), lib.tensor([0.0, 1.0, 0.5, 1.0])),
    "bce_logits_mean": lambda lib: lib.binary_cross_entropy_with_logits(
        _x(lib), lib.tensor([0.0, 1.0, 0.5, 1.0]), reduction=1),
    "bce_logits_sum": lambda lib: lib.binary_cross_entropy_with_logits(
        _x(lib), lib.tensor([0.0, 1.0, 0.5, 1.0]), None, None, 2),
    "bce_logits_other": lambda lib: lib.binary_cross_entropy_with_logits(
        _x(lib), lib.tensor([0.0, 1.0, 0.5, 1.0]), reduction=7),
    "bce_logits_weights": lambda lib: lib.binary_cross_entropy_with_logits(
        _x(lib), lib.tensor([0.0, 1.0, 0.5, 1.0]), lib.tensor([1.0, 2.0, 3.0, 4.0]),
        pos_weight=lib.tensor([2.0, 1.0, 1.0, 0.5]), reduction=1),
    "pinverse": lambda lib: lib.pinverse(
        lib.tensor([[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]], requires_grad=True)),
    "pinverse_rcond": lambda lib: lib.pinverse(
        lib.tensor([[1.0, 2.0], [2.0, 4.001]], dtype=lib.float64, requires_grad=True), 1e-2),
    "pinverse_method": lambda lib: lib.tensor([[1.0, 2.0], [2.0, 4.001]], dtype=lib.float64,
                                              requires_grad=True).pinverse(rcond=1e-2),
}


@pytest.mark.parametrize("name", CALLS)
def test_values_dtypes_and_nodes_are_pytorchs(name: str) -> None:
    _same(CALLS[name](symgrad), CALLS[name](torch))


GRADIENTS = {
    "fill_tensor": lambda lib, x, v: lib.fill(x * 1, v),
    "fill_number": lambda lib, x, v: lib.fill(x, 2.0) * v,
    "hardshrink": lambda lib, x, v: lib.hardshrink(x * v, 0.6),
    "split_with_sizes": lambda lib, x, v: lib.split_with_sizes(x * v, [3, 1])[0],
    "bce_logits": lambda lib, x, v: lib.binary_cross_entropy_with_logits(
        x * v, lib.tensor([0.0, 1.0, 0.5, 1.0], dtype=lib.float64), reduction=1),
    "pinverse": lambda lib, x, v: lib.pinverse(x.reshape(2, 2) * v),
    "exp_": lambda lib, x, v: lib.exp_(x * v),
    "clamp_": lambda lib, x, v: lib.clamp_(x * v, -0.4, 0.6),
}


@pytest.mark.parametrize("name", GRADIENTS)
def test_first_and_second_order_gradients_are_pytorchs(name: str) -> None:
    assert_two_orders_agree(GRADIENTS[name], X, (symgrad, torch), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", top_level_aliases._INPLACE)
def test_each_inplace_function_writes_into_its_input_as_the_method(name: str) -> None:
    args = {"addmv_": lambda lib: (lib.ones(2, 2, dtype=lib.float64),
                                   lib.ones(2, dtype=lib.float64)),
            "clamp_": lambda lib: (0.3, 0.6), "clip_": lambda lib: (0.3, 0.6),
            "clamp_max_": lambda lib: (0.3,), "clamp_min_": lambda lib: (0.3,),
            "fill_": lambda lib: (2.0,), "xlogy_": lambda lib: (2.0,),
            "index_put_": lambda lib: ((lib.tensor([0]),), lib.tensor(1.0, dtype=lib.float64)),
            "ldexp_": lambda lib: (lib.tensor([1, 2]),)}.get(name, lambda lib: ())
    results = []
    for lib in (symgrad, torch):
        leaf = lib.tensor([0.25, 0.75], dtype=lib.float64, requires_grad=True)
        x = leaf * 1
        version = x._version
        out = getattr(lib, name)(x, *args(lib))
        assert out is x and x._version > version
        results.append(out)
    _same(*results)


def test_inplace_functions_refuse_a_leaf_that_requires_grad() -> None:
    _error(lambda lib: lib.exp_(_x(lib)))
    _error(lambda lib: lib.zero_(_x(lib)))


def test_zero_and_detach_in_place_return_their_input() -> None:
    for lib in (symgrad, torch):
        x = lib.ones(3)
        assert lib.zero_(x) is x and x.tolist() == [0.0, 0.0, 0.0]
        y = _x(lib) * 2
        assert lib.detach_(y) is y and y.grad_fn is None and not y.requires_grad


def test_detach_shares_memory() -> None:
    for lib in (symgrad, torch):
        x = _x(lib) * 1
        d = lib.detach(x)
        d[0] = 9.0
        assert x[0].item() == 9.0


ERRORS = {
    "exp_": lambda lib: lib.exp_(1.0),
    "abs_": lambda lib: lib.abs_([1.0]),
    "detach": lambda lib: lib.detach(1.0),
    "detach_": lambda lib: lib.detach_(1.0),
    "zero_": lambda lib: lib.zero_(1.0),
    "sqrt_ int": lambda lib: lib.sqrt_(lib.tensor([1, 4])),
    "fill 1-d value": lambda lib: lib.fill(lib.zeros(2), lib.ones(2)),
    "hardshrink int": lambda lib: lib.hardshrink(lib.tensor([1, 2])),
    "split_with_sizes sum": lambda lib: lib.split_with_sizes(lib.zeros(3), [1, 1]),
    "split_with_sizes int": lambda lib: lib.split_with_sizes(lib.zeros(3), 2),
    "bce reduction str": lambda lib: lib.binary_cross_entropy_with_logits(
        lib.zeros(2), lib.ones(2), reduction="sum"),
    "bce target": lambda lib: lib.binary_cross_entropy_with_logits(lib.zeros(2), 2),
    "pinverse 1-d": lambda lib: lib.pinverse(lib.zeros(2)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    _error(ERRORS[name])


# -- unsafe splits ---------------------------------------------------------------------------------
def _is_view(t) -> bool:
    if isinstance(t, torch.Tensor):
        return t._is_view()
    return t._view is not None and t._view.base is not None


def test_split_pieces_are_views_where_unsafe_ones_are_not() -> None:
    x = symgrad.ones(4, requires_grad=True) * 1
    assert _is_view(x.split(2)[0]) and not _is_view(symgrad.unsafe_split(x, 2)[0])


UNSAFE = {
    "unsafe_split": lambda lib, x: lib.unsafe_split(x, 3),
    "unsafe_split dim": lambda lib, x: lib.unsafe_split(x.reshape(2, 4), 3, dim=1),
    "unsafe_split method": lambda lib, x: x.unsafe_split(4),
    "unsafe_split_with_sizes": lambda lib, x: lib.unsafe_split_with_sizes(x, [1, 7]),
    "unsafe_split_with_sizes method": lambda lib, x: x.unsafe_split_with_sizes([4, 4]),
    "unsafe_chunk": lambda lib, x: lib.unsafe_chunk(x, 3),
    "unsafe_chunk method": lambda lib, x: x.reshape(4, 2).unsafe_chunk(2, 1),
    "unsafe_chunk empty": lambda lib, x: lib.unsafe_chunk(x[:0] * 1, 2),
}


@pytest.mark.parametrize("name", UNSAFE)
def test_unsafe_splits_are_pytorchs(name: str) -> None:
    seen = []
    for lib in (symgrad, torch):
        leaf = lib.arange(8.0, dtype=lib.float64).requires_grad_()
        pieces = UNSAFE[name](lib, leaf * 1)
        assert not any(_is_view(p) for p in pieces)
        loss = sum(((p * p).sum() * (i + 1) for i, p in enumerate(pieces)), lib.tensor(0.0))
        (g,) = lib.autograd.grad(loss, leaf, create_graph=True) if loss.requires_grad else (
            lib.zeros_like(leaf),)
        seen.append(([p.tolist() for p in pieces], [type(p.grad_fn).__name__ for p in pieces],
                     g.tolist()))
    assert seen[0] == seen[1]


def test_unsafe_split_pieces_write_through_without_a_version_check() -> None:
    seen = []
    for lib in (symgrad, torch):
        leaf = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        x = leaf * 1
        a, b = lib.unsafe_split(x, 2)
        a.mul_(2)
        (a.sum() + 3 * b.sum()).backward()
        seen.append((x.tolist(), x._version, a._version, type(a.grad_fn).__name__,
                     leaf.grad.tolist()))
    assert seen[0] == seen[1]


UNSAFE_ERRORS = {
    "split zero-dim": lambda lib: lib.unsafe_split(lib.tensor(1.0), 1),
    "split negative": lambda lib: lib.unsafe_split(lib.zeros(5), -1),
    "split zero": lambda lib: lib.unsafe_split(lib.zeros(5), 0),
    "split list": lambda lib: lib.unsafe_split(lib.zeros(5), [2, 3]),
    "split dim": lambda lib: lib.unsafe_split(lib.zeros(5), 2, dim=1),
    "chunk zero": lambda lib: lib.unsafe_chunk(lib.zeros(5), 0),
    "chunk zero-dim": lambda lib: lib.unsafe_chunk(lib.tensor(1.0), 1),
    "sizes sum": lambda lib: lib.unsafe_split_with_sizes(lib.zeros(5), [1, 1]),
}


@pytest.mark.parametrize("name", UNSAFE_ERRORS)
def test_unsafe_split_errors_are_pytorchs(name: str) -> None:
    _error(UNSAFE_ERRORS[name])
