"""``+`` and ``-`` on a large temporary write into its array, as NumPy's temporary elision does.

In ``x * w + b`` the product is a tensor only the expression holds: ``add`` writes the sum into
its array (``arithmetic._into_temporary``). The results must be the bits of a new array, the
graph and the gradients those of PyTorch, and no value anything else can see may change: a
named tensor, a leaf, a view, a value a node saved, an output a node keeps, or an object C
code holds and reads afterwards.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.ops import arithmetic

torch = pytest.importorskip("torch")

SHAPE = (50, 100)  # 5000 elements: past the size from which the engine elides (4096)
RNG = np.random.default_rng(0)
X, W, C = (RNG.uniform(-1.5, 1.5, SHAPE) for _ in range(3))
ROW = RNG.uniform(-1.5, 1.5, SHAPE[1])

needs_elision = pytest.mark.skipif(not arithmetic._STACK_HOLDS_OPERANDS,
                                   reason="Python 3.14 borrows operands on the stack")


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint64 if a.dtype == np.float64 else np.uint32)


@pytest.fixture
def elided(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the ops written into a temporary, in order."""
    seen: list[str] = []
    record = arithmetic._record

    def spy(op: Any, *args: Any) -> Any:
        seen.append(op.name)
        return record(op, *args)

    monkeypatch.setattr(arithmetic, "_record", spy)
    return seen


EXPRESSIONS: dict[str, Callable[[Any, Any, Any, Any, Any], Any]] = {
    "x * w + c": lambda x, w, c, row, lib: x * w + c,
    "c + x * w": lambda x, w, c, row, lib: c + x * w,
    "x * w - c": lambda x, w, c, row, lib: x * w - c,
    "c - x * w": lambda x, w, c, row, lib: c - x * w,
    "row + x * w": lambda x, w, c, row, lib: row + x * w,
    "row - x * w": lambda x, w, c, row, lib: row - x * w,
    "(x * w + c) * x + row": lambda x, w, c, row, lib: (x * w + c) * x + row,
    "x.tanh() + x.tanh()": lambda x, w, c, row, lib: x.tanh() + x.tanh(),
}


def _run(lib: Any, expression: str, dtype: str) -> tuple[np.ndarray, list[np.ndarray | None]]:
    d = getattr(lib, dtype)
    x, w = (lib.tensor(v, dtype=d, requires_grad=True) for v in (X, W))
    c, row = (lib.tensor(v, dtype=d) for v in (C, ROW))
    out = EXPRESSIONS[expression](x, w, c, row, lib)
    out.backward(lib.tensor(C[::-1].copy(), dtype=d))
    return out.detach().numpy().copy(), [None if t.grad is None else t.grad.numpy()
                                         for t in (x, w)]


@needs_elision
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_a_sum_into_a_temporary_gives_the_bits_of_a_new_one(
        expression: str, dtype: str, elided: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out, grads = _run(symgrad, expression, dtype)
    assert elided, expression
    monkeypatch.setattr(arithmetic, "_STACK_HOLDS_OPERANDS", False)  # never elides
    expected_out, expected_grads = _run(symgrad, expression, dtype)
    assert np.array_equal(_bits(out), _bits(expected_out)), expression
    for grad, expected in zip(grads, expected_grads, strict=True):
        assert (grad is None) == (expected is None)
        if grad is not None:
            assert np.array_equal(_bits(grad), _bits(expected)), expression


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_the_gradients_through_a_sum_into_a_temporary_are_pytorchs(expression: str) -> None:
    out, grads = _run(symgrad, expression, "float64")
    expected_out, expected_grads = _run(torch, expression, "float64")
    np.testing.assert_allclose(out, expected_out, rtol=1e-15)
    for grad, expected in zip(grads, expected_grads, strict=True):
        assert (grad is None) == (expected is None)
        if grad is not None:
            np.testing.assert_allclose(grad, expected, rtol=1e-14)


@needs_elision
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_sum_into_a_temporary_is_the_bits_of_a_new_array(dtype: str, elided: list[str]
                                                            ) -> None:
    special = np.resize([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 1e-310, 7e300], SHAPE)
    with np.errstate(all="ignore"):
        a, b = (symgrad.tensor(v.astype(dtype)) for v in (special, np.roll(special, 3)))
        # inf * 0 is a NaN of its own payload, which a NaN operand's meets in the sum: the
        # first operand's payload is kept.
        nan = symgrad.tensor(np.full(SHAPE, np.nan, dtype))
        expected = [a._data * b._data + nan._data, nan._data - a._data * b._data]
        got = [a * b + nan, nan - a * b]
    assert elided == ["add", "sub"] or not elided  # no grad: nothing recorded
    for value, reference in zip(got, expected, strict=True):
        assert np.array_equal(_bits(value._data), _bits(reference))


# -- what may not change -------------------------------------------------------------------------
def _named() -> Any:
    x = symgrad.tensor(X, requires_grad=True)
    p = x * 2
    _ = p + 1.0 * x
    return p, X * 2


def _named_right() -> Any:
    x = symgrad.tensor(X, requires_grad=True)
    q, p = x * 3, x * 2
    _ = q + p
    return p, X * 2


def _leaf() -> Any:
    # A leaf that requires grad, held by the expression alone: its AccumulateGrad keeps it.
    out = symgrad.tensor(X, requires_grad=True) + symgrad.tensor(W)
    return out.grad_fn.next_functions[0][0].variable, X


def _view() -> Any:
    base = symgrad.tensor(X) * 2
    _ = base[:, :] + symgrad.tensor(W)
    return base, X * 2


def _saved_by_a_node() -> Any:
    # tanh's node saves its input: the product, which the expression holds too.
    x = symgrad.tensor(X, requires_grad=True)
    kept = []

    def product() -> Any:
        p = x * 2
        kept.append(p.tanh())
        return p

    _ = product() + symgrad.tensor(W)
    kept[0].sum().backward()  # the saved product is read, and checked against changes
    return x.grad, 2 / np.cosh(X * 2) ** 2


def _kept_by_an_output() -> Any:
    # exp's node keeps its result for its VJP.
    x = symgrad.tensor(X, requires_grad=True)
    (x.exp() + symgrad.tensor(W)).sum().backward()
    return x.grad, np.exp(X)


def _held_by_c_code() -> Any:
    # C code that holds the only reference to a tensor, adds to it, then reads it again (as
    # Cython code may): the caller's frame is at a call, not at ``+``.
    holder = ctypes.py_object(symgrad.tensor(X) * 2)
    add = ctypes.pythonapi.PyNumber_Add
    add.restype = ctypes.py_object
    add.argtypes = (ctypes.py_object, ctypes.py_object)
    _ = add(holder, ctypes.py_object(symgrad.tensor(W)))
    return holder.value, X * 2


UNCHANGED = [_named, _named_right, _leaf, _view, _saved_by_a_node, _kept_by_an_output,
             _held_by_c_code]


@pytest.mark.parametrize("case", UNCHANGED, ids=lambda f: f.__name__.strip("_"))
def test_a_value_anything_else_sees_is_never_written_into(case: Callable[[], Any]) -> None:
    value, expected = case()
    np.testing.assert_allclose(value._data, expected, rtol=1e-15)


@needs_elision
def test_small_and_mixed_operands_make_a_new_array(elided: list[str]) -> None:
    x = symgrad.tensor(X[:2], requires_grad=True)  # 200 elements
    _ = x * 2 + x
    y = symgrad.tensor(X, requires_grad=True)
    _ = y * 2 + symgrad.tensor(W, dtype=symgrad.float32)  # promotion: apply's way
    _ = y * 2 + symgrad.tensor(ROW)  # a small right operand: not tried
    _ = symgrad.add(y * 2, y)  # a call, not the operator
    _ = symgrad.add(y * 2, y, alpha=2)
    assert elided == []

