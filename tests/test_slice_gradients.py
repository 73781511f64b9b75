"""Gradients through pieces of a tensor (``x[t]``, slices, ``unbind``, ``split``, ``chunk``),
which a backward adds in at each piece alone (``symgrad.autograd.slice_gradient``): the same
values as PyTorch's, in any mix with whole gradients, hooks and ``retain_grad``.

The figures for the speed (a recurrence over 800 rows: 539 ms a step before, 28 ms after) are
printed by ``python benchmarks/slice_loop.py``, beside PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.autograd.slice_gradient import SliceGradient, combined

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)  # import-time draws only; the tests draw from ``rng``
X = RNG.standard_normal((6, 4, 3))


def _rows_tanh_loop(lib: Any, x: Any) -> Any:
    h = lib.zeros(4, 3, dtype=x.dtype)
    for row in x.unbind(0):
        h = (h + row).tanh()
    return h.sum()


def _index_loop(lib: Any, x: Any) -> Any:
    total = x[0] * 0
    for t in range(x.shape[0]):
        total = total + x[t] * (t + 1)
    return (total * total).sum()


def _overlapping(lib: Any, x: Any) -> Any:
    # Pieces that share elements, a negative index, a step, and the whole tensor as well.
    return ((x[0:3] * 2).sum() + (x[1:4] ** 2).sum() + x[-1, 2].sum() * 3
            + x[::2, :, 1:].sum() + (x * x).sum())


def _whole_first(lib: Any, x: Any) -> Any:
    # A whole gradient reaches x before the pieces' (the exp node runs after the slices').
    pieces = sum(p.sum() * (i + 1) for i, p in enumerate(x.split([1, 2, 3], dim=0)))
    return pieces + x.exp().sum()


def _chunks_on_a_middle_dim(lib: Any, x: Any) -> Any:
    a, b = x.chunk(2, dim=1)
    c = x.narrow(2, 1, 2)
    return (a * b).sum() + c.sin().sum() + x.split(1, dim=2)[0].pow(3).sum()


def _of_a_computed_tensor(lib: Any, x: Any) -> Any:
    y = x * 3 + 1  # the pieces' gradients reach a node, not a leaf
    rows = y.unbind(1)
    return sum((r * r).sum() for r in rows) + y[2].sum()


def _sum_of_a_piece(lib: Any, x: Any) -> Any:
    # A sum's gradient is broadcast ones: the piece holds a view of them, not a copy.
    return x[1].sum() + x[1:3].sum() + x[0, 0].sum()


PROGRAMS: dict[str, Callable[[Any, Any], Any]] = {
    "a recurrence over unbind's rows": _rows_tanh_loop,
    "a loop over x[t]": _index_loop,
    "overlapping slices, steps, negative indices": _overlapping,
    "a whole gradient summed with the pieces'": _whole_first,
    "chunk, narrow and split on inner dims": _chunks_on_a_middle_dim,
    "pieces of a computed tensor": _of_a_computed_tensor,
    "pieces of a sum's broadcast gradient": _sum_of_a_piece,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradients_through_pieces_are_pytorchs(name: str, dtype: str) -> None:
    program = PROGRAMS[name]
    grads = []
    for lib in (symgrad, torch):
        x = lib.tensor(X.astype(dtype), requires_grad=True)
        program(lib, x).backward()
        grads.append(x.grad.detach().numpy())
    # float32: 2e-6 apart after six tanh steps (PyTorch's tanh' is 1 - t^2, symgrad's exact).
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5 if dtype == "float32" else 1e-13)
    assert grads[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradients_through_pieces_equal_autograd_grad_with_create_graph(name: str) -> None:
    # ``create_graph=True`` records the backward: it makes the pieces' gradients whole, as
    # before, so the two paths must give the same bits.
    program = PROGRAMS[name]
    x = symgrad.tensor(X, requires_grad=True)
    fast, = symgrad.autograd.grad(program(symgrad, x), x)
    recorded, = symgrad.autograd.grad(program(symgrad, x), x, create_graph=True)
    np.testing.assert_array_equal(fast.numpy(), recorded.detach().numpy())


def test_a_hook_and_retain_grad_see_the_whole_gradient() -> None:
    seen = {}
    for lib in (symgrad, torch):
        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g, lib=lib: seen.__setitem__(lib.__name__, g.detach().numpy()))
        (y[0].sum() + y[2:4].pow(2).sum()).backward()
        seen[lib.__name__ + ".grad"] = y.grad.numpy()
        seen[lib.__name__ + ".x"] = x.grad.numpy()
    for key in ("", ".grad", ".x"):
        np.testing.assert_allclose(seen["symgrad" + key], seen["torch" + key], rtol=1e-13)
    assert seen["symgrad"].shape == X.shape


def test_a_piece_of_a_forward_value_is_not_changed_by_an_optimizer_hook() -> None:
    # y = w * x[0]: x[0]'s gradient is w's own values lent (a product's gradient by ones); a
    # hook on w's accumulator that steps w in place must not change x's gradient.
    for lib in (symgrad, torch):
        w = lib.tensor(X[0].copy(), requires_grad=True)
        x = lib.tensor(X, requires_grad=True)

        def step(_: Any, w: Any = w, lib: Any = lib) -> None:
            with lib.no_grad():
                w.add_(100.0)

        w.register_post_accumulate_grad_hook(step)
        (w * x[0]).sum().backward()
        expected = np.zeros_like(X)
        expected[0] = X[0]
        np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_two_backwards_through_a_piece_with_retain_graph_accumulate() -> None:
    x = symgrad.tensor(X, requires_grad=True)
    loss = (x[1] * x[2]).sum() + x[1:].sum()
    loss.backward(retain_graph=True)
    loss.backward()
    expected = np.zeros_like(X)
    expected[1:] = 1.0
    expected[1] += X[2]
    expected[2] += X[1]
    np.testing.assert_allclose(x.grad.numpy(), 2 * expected, rtol=1e-15)


def test_combined_is_the_dense_sum_in_every_order(rng: np.random.Generator) -> None:
    # Expected values from NumPy's dense arrays, not from the code under test.
    a = rng.standard_normal((5, 4))
    piece = rng.standard_normal((2, 4))
    key = (slice(1, 3),)
    lazy = SliceGradient((5, 4), key, piece)
    dense = np.zeros((5, 4))
    dense[key] = piece
    np.testing.assert_array_equal(combined(a, lazy, owned=False), a + dense)
    np.testing.assert_array_equal(combined(lazy, a, owned=False), dense + a)
    np.testing.assert_array_equal(combined(lazy, lazy, owned=False), dense + dense)
    mine = a.copy()
    assert combined(mine, lazy, owned=True) is mine  # in place where the engine owns it
    np.testing.assert_array_equal(mine, a + dense)


def test_combined_does_not_write_into_a_gradient_it_does_not_own() -> None:
    a = np.ones((3, 2))
    a.flags.writeable = False  # as a forward value lent by a product's VJP
    out = combined(a, SliceGradient((3, 2), (0,), np.array([1.0, 2.0])), owned=False)
    np.testing.assert_array_equal(out, [[2.0, 3.0], [1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(a, np.ones((3, 2)))
