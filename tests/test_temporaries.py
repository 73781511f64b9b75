"""Temporaries taken over by ``+`` and ``-`` (``symgrad/ops/temporaries.py``).

``x * w + b`` writes the sum into the product's array when nothing else can see the product,
as NumPy elides its temporaries. Where it may, the array is reused (the data pointer tells);
where it may not — a named operand, a view, a leaf, a constant the graph keeps, a result an op
keeps for its backward, a tensor a ``functools.partial`` holds — nothing another holder sees
changes. Either way values and gradients are PyTorch's, bit for bit.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.ops import temporaries

N = 40_000  # 320 KB in float64 and 160 KB in float32: past NumPy's 256 KiB only in float64


# Off where Python borrows references of named operands (3.14 on): then no temporary is taken.
TAKES_OVER = temporaries._ENABLED


def _values(seed: int, dtype: str = "float64", n: int = N) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2, 2, n).astype(dtype)


def _address(t: symgrad.Tensor) -> int:
    return t._data.__array_interface__["data"][0]


def _leaves(dtype: str = "float64", n: int = N) -> list[symgrad.Tensor]:
    return [symgrad.tensor(_values(seed, dtype, n), requires_grad=True) for seed in range(3)]


def test_temporaries_are_taken_over_before_python_3_14() -> None:
    """The probe sees a temporary and a named operand apart wherever Python counts the stack's
    references (up to 3.13): the rule is on there, and the tests below check it."""
    assert TAKES_OVER is (sys.version_info < (3, 14))


@pytest.mark.parametrize("op", ["+", "-"])
def test_a_temporary_left_operand_is_taken_over(op: str) -> None:
    x, w, b = _leaves()
    seen: list[int] = []

    def product() -> symgrad.Tensor:
        p = x * w
        seen.append(_address(p))
        return p

    z = product() + b if op == "+" else product() - b
    assert (_address(z) == seen[0]) is TAKES_OVER
    xw = x._data * w._data
    np.testing.assert_array_equal(z._data, xw + b._data if op == "+" else xw - b._data)
    z.sum().backward()
    np.testing.assert_array_equal(x.grad._data, w._data)
    np.testing.assert_array_equal(b.grad._data, np.full(N, 1.0 if op == "+" else -1.0))


def test_a_parameter_bias_broadcast_into_a_temporary_is_taken_over() -> None:
    x = symgrad.tensor(_values(0).reshape(400, 100))
    weight = symgrad.tensor(_values(1, n=100 * 100).reshape(100, 100), requires_grad=True)
    bias = symgrad.nn.Parameter(symgrad.tensor(_values(2, n=100)))
    seen: list[int] = []

    def layer() -> symgrad.Tensor:
        p = x @ weight
        seen.append(_address(p))
        return p

    z = layer() + bias
    assert (_address(z) == seen[0]) is TAKES_OVER
    np.testing.assert_array_equal(z._data, x._data @ weight._data + bias._data)
    z.sum().backward()
    np.testing.assert_array_equal(bias.grad._data, np.full(100, 400.0))
    column_sums = np.broadcast_to(x._data.sum(axis=0)[:, None], (100, 100))
    np.testing.assert_allclose(weight.grad._data, column_sums, rtol=1e-13)


def test_a_named_operand_keeps_its_values() -> None:
    x, w, b = _leaves()
    xw = x * w
    before = xw._data.copy()
    z = xw + b
    np.testing.assert_array_equal(xw._data, before)
    assert _address(z) != _address(xw)


@pytest.mark.parametrize("call", [
    lambda t, b: functools.partial(symgrad.add, t)(b),
    lambda t, b: functools.reduce(symgrad.add, [t, b]),
    lambda t, b: t.add(b),
])
def test_a_tensor_held_elsewhere_keeps_its_values(call: Callable[[Any, Any], Any]) -> None:
    x, w, b = _leaves()
    held = x * w
    before = held._data.copy()
    z = call(held, b)
    np.testing.assert_array_equal(held._data, before)
    np.testing.assert_array_equal(z._data, before + b._data)


def test_a_base_whose_view_is_the_operand_keeps_its_values() -> None:
    x, w, b = _leaves()
    bases: list[symgrad.Tensor] = []

    def view() -> symgrad.Tensor:
        base = x * w
        bases.append(base)
        return base.view(-1)

    before = (x._data * w._data).copy()
    z = view() + b
    np.testing.assert_array_equal(bases[0]._data, before)
    np.testing.assert_array_equal(z._data, before + b._data)


def test_a_temporary_leaf_is_not_taken_over() -> None:
    """A leaf's accumulator holds the leaf: its values are what the graph reads."""
    a, b = _values(0), _values(1)
    z = symgrad.tensor(a, requires_grad=True) + symgrad.tensor(b)
    leaf = z.grad_fn.next_functions[0][0].variable
    np.testing.assert_array_equal(leaf._data, a)


def test_a_temporary_constant_the_graph_holds_is_not_taken_over() -> None:
    a = _values(0)
    (x,) = _leaves()[:1]
    z = symgrad.tensor(a) * 2.0 + x
    np.testing.assert_array_equal(z.grad_fn.inputs[0]._data, a * 2.0)
    z.sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.ones(N))


def test_without_a_graph_a_temporary_constant_is_taken_over() -> None:
    a, b = _values(0), _values(1)
    seen: list[int] = []

    def scaled() -> symgrad.Tensor:
        p = symgrad.tensor(a) * 2.0
        seen.append(_address(p))
        return p

    with symgrad.no_grad():
        z = scaled() + symgrad.tensor(b, requires_grad=True)
    assert (_address(z) == seen[0]) is TAKES_OVER and not z.requires_grad
    np.testing.assert_array_equal(z._data, a * 2.0 + b)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_narrow_or_small_temporaries_are_computed_as_before(dtype: str) -> None:
    """float16 sums round through float32 in NumPy, so are not taken over; float32's 160 KB
    is below NumPy's 256 KiB: both get a new array, each op rounded to the dtype."""
    x, w, b = _leaves(dtype)
    seen: list[int] = []

    def product() -> symgrad.Tensor:
        p = x * w
        seen.append(_address(p))
        return p

    z = product() + b
    assert _address(z) != seen[0]
    np.testing.assert_array_equal(z._data, x._data * w._data + b._data)


def test_shapes_that_do_not_broadcast_raise_pytorchs_error() -> None:
    x, w, _ = _leaves()
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(40000\) must match the size "
                                           r"of tensor b \(3\) at non-singleton dimension 0"):
        _ = x * w + symgrad.ones(3, dtype=symgrad.float64)


def test_a_temporary_broadcast_into_a_larger_result_is_not_taken_over() -> None:
    row = symgrad.tensor(_values(0, n=N).reshape(1, N))
    column = symgrad.tensor(_values(1, n=8).reshape(8, 1))
    z = row * 1.0 + column
    assert z.shape == (8, N)
    np.testing.assert_array_equal(z._data, row._data + column._data)


# -- against PyTorch: the same program, its printed values and gradients ---------------------------
torch = pytest.importorskip("torch")


def _chain(lib: Any, arrays: list[np.ndarray]) -> list[np.ndarray]:
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
    h = (x * w + b).tanh() * x - (x * b).exp() + w
    first = lib.autograd.grad(h.sum(), [x, w, b], create_graph=True)
    second = lib.autograd.grad((first[0] * first[1] - first[2]).sum(), [x, w, b])
    z = x * w - b
    z.mul_(2)
    z.sum().backward()
    return [np.asarray(t.detach().numpy()) for t in (h, *first, *second, x.grad, w.grad, b.grad)]


def test_gradients_through_taken_over_temporaries_are_pytorchs() -> None:
    arrays = [_values(seed) / 4 for seed in range(3)]
    ours, theirs = _chain(symgrad, arrays), _chain(torch, arrays)
    for a, t in zip(ours, theirs, strict=True):
        # Each op within a few ULP of PyTorch's; an operand overwritten would be far off.
        np.testing.assert_allclose(a, t, rtol=1e-12, atol=1e-15)
