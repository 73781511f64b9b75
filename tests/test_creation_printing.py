"""Tensor creation (dtypes, values, seeds, shared memory) and ``repr`` as PyTorch prints it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symgrad

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


# -- creation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "values", "dtype"), [
    (lambda m: m.arange(4), [0, 1, 2, 3], "int64"),
    (lambda m: m.arange(1, 7, 2), [1, 3, 5], "int64"),
    (lambda m: m.arange(0, 1, 0.25), [0.0, 0.25, 0.5, 0.75], "float32"),
    (lambda m: m.arange(3.0), [0.0, 1.0, 2.0], "float32"),
    (lambda m: m.arange(5, 0, -2), [5, 3, 1], "int64"),
    (lambda m: m.arange(4, dtype=m.float64), [0.0, 1.0, 2.0, 3.0], "float64"),
    (lambda m: m.linspace(-1, 1, 5), [-1.0, -0.5, 0.0, 0.5, 1.0], "float32"),
    (lambda m: m.linspace(0, 1, 1), [0.0], "float32"),
    (lambda m: m.zeros(2), [0.0, 0.0], "float32"),
    (lambda m: m.ones((2,), dtype=m.int32), [1, 1], "int32"),
    (lambda m: m.full((2,), 7), [7, 7], "int64"),
    (lambda m: m.full((2,), 0.5), [0.5, 0.5], "float32"),
    (lambda m: m.full((1,), True), [True], "bool"),
    (lambda m: m.eye(2, 3), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], "float32"),
    (lambda m: m.zeros_like(m.tensor([1, 2])), [0, 0], "int64"),
    (lambda m: m.ones_like(m.tensor([1.0]), dtype=m.float16), [1.0], "float16"),
    (lambda m: m.full_like(m.tensor([1, 2]), 3), [3, 3], "int64"),
    (lambda m: m.empty(2, 0), [[], []], "float32"),
    (lambda m: m.tensor([1.0]).new_zeros(2), [0.0, 0.0], "float32"),
    (lambda m: m.tensor([1], dtype=m.int8).new_ones((2,)), [1, 1], "int8"),
    (lambda m: m.tensor([1.0]).new_full((2,), 4), [4.0, 4.0], "float32"),
    (lambda m: m.as_tensor([1, 2], dtype=m.float64), [1.0, 2.0], "float64"),
])
def test_creation_values_and_default_dtypes(make, values, dtype) -> None:
    t = make(symgrad)
    assert t.tolist() == values
    assert t.dtype is getattr(symgrad, dtype)
    assert t.is_leaf and not t.requires_grad
    if torch is not None:
        theirs = make(torch)
        assert theirs.tolist() == values and str(theirs.dtype) == f"torch.{dtype}"


def test_arange_length_is_the_ceiling_of_the_span_over_the_step() -> None:
    for start, end, step in [(0, 1, 0.1), (0.5, 3.2, 0.7), (-2, 2, 0.3), (1, 10, 3)]:
        assert symgrad.arange(start, end, step).numel() == math.ceil((end - start) / step)


def test_requires_grad_at_creation() -> None:
    for t in (symgrad.zeros(2, requires_grad=True), symgrad.randn(2, requires_grad=True),
              symgrad.linspace(0, 1, 3, requires_grad=True), symgrad.eye(2, requires_grad=True)):
        assert t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError) as info:
        symgrad.arange(3, requires_grad=True)
    assert str(info.value) == (
        "Only Tensors of floating point and complex dtype can require gradients")


def test_from_numpy_and_as_tensor_share_memory() -> None:
    a = np.array([1.0, 2.0])
    t = symgrad.from_numpy(a)
    assert t.dtype is symgrad.float64
    a[0] = 10.0
    assert t.tolist() == [10.0, 2.0]
    t.add_(1)
    assert a.tolist() == [11.0, 3.0]
    assert symgrad.as_tensor(a)._data is a
    assert symgrad.as_tensor(t) is t
    copied = symgrad.as_tensor(a, dtype=symgrad.float32)
    a[1] = 0.0
    assert copied.tolist() == [11.0, 3.0]
    with pytest.raises(TypeError):
        symgrad.from_numpy(np.array([1 + 2j]))


def test_seeds_repeat_sequences() -> None:
    symgrad.manual_seed(3)
    first = [symgrad.rand(4).tolist(), symgrad.randn(2, 2).tolist(), symgrad.randint(9, (5,))]
    symgrad.manual_seed(3)
    again = [symgrad.rand(4).tolist(), symgrad.randn(2, 2).tolist(), symgrad.randint(9, (5,))]
    assert first[:2] == again[:2] and first[2].tolist() == again[2].tolist()
    g = symgrad.Generator().manual_seed(3)
    assert g.initial_seed() == 3
    assert symgrad.rand(4, generator=g).tolist() == first[0]
    assert symgrad.rand(4, generator=g).tolist() != first[0]


def test_random_ranges_and_dtypes() -> None:
    g = symgrad.Generator().manual_seed(0)
    u = symgrad.rand(10000, generator=g, dtype=symgrad.float64)
    assert u.dtype is symgrad.float64 and u._data.min() >= 0 and u._data.max() < 1
    assert abs(u._data.mean() - 0.5) < 0.02
    n = symgrad.randn(10000, generator=g)
    assert n.dtype is symgrad.float32 and abs(n._data.std() - 1) < 0.05
    r = symgrad.randint(-3, 4, (2000,), generator=g)
    assert r.dtype is symgrad.int64 and set(r.tolist()) == set(range(-3, 4))
    assert symgrad.randint(5, (3,), dtype=symgrad.int16).dtype is symgrad.int16


# -- printing ---------------------------------------------------------------------------------
# (expression building the tensor with module ``m``, what PyTorch 2.13 prints for it).
FIXED = [
    ("m.tensor([1.0, 2.0])", "tensor([1., 2.])"),
    ("m.tensor([1.5, -2.25])", "tensor([ 1.5000, -2.2500])"),
    ("m.tensor(3)", "tensor(3)"),
    ("m.tensor([True, False])", "tensor([ True, False])"),
    ("m.tensor([1, 2], dtype=m.int32)", "tensor([1, 2], dtype=symgrad.int32)"),
    ("m.tensor([], dtype=m.int64)", "tensor([], dtype=symgrad.int64)"),
    ("m.zeros(0, 3)", "tensor([], size=(0, 3))"),
    ("m.tensor([1e-5, 1.0])", "tensor([1.0000e-05, 1.0000e+00])"),
    ("m.tensor([float('nan'), float('inf'), -1.0])", "tensor([nan, inf, -1.])"),
    ("m.tensor([-0.0, 1.0])", "tensor([-0., 1.])"),
    ("m.tensor([0.5], dtype=m.float16)", "tensor([0.5000], dtype=symgrad.float16)"),
    ("m.tensor([2.0], requires_grad=True)", "tensor([2.], requires_grad=True)"),
    ("m.tensor([2.0], requires_grad=True) * 2", "tensor([4.], grad_fn=<MulBackward0>)"),
    ("m.arange(4.0).reshape(2, 2)", "tensor([[0., 1.],\n        [2., 3.]])"),
]


@pytest.mark.parametrize(("expr", "expected"), FIXED)
def test_repr_fixed_expectations(expr, expected) -> None:
    assert repr(eval(expr, {"m": symgrad})) == expected  # noqa: S307 - test table
    if torch is not None:
        assert repr(eval(expr, {"m": torch})).replace("torch.", "symgrad.") == expected  # noqa: S307


def _arrays():
    rng = np.random.default_rng(7)
    yield "int", np.array([1, -20, 300])
    yield "wide int", np.arange(40) * 10**9
    yield "bool", rng.random((3, 30)) > 0.5
    yield "float16", rng.standard_normal(12).astype(np.float16)
    yield "float64", rng.standard_normal((3, 3))
    yield "0-dim", np.array(2.5, dtype=np.float32)
    yield "0-dim nan", np.array(np.nan, dtype=np.float32)
    yield "empty 3-d", np.zeros((1, 0, 2), dtype=np.float32)
    yield "summarised", rng.standard_normal(5000).astype(np.float32)
    yield "summarised 2-d", rng.standard_normal((50, 60)).astype(np.float32)
    yield "summarised 3-d", np.arange(3000, dtype=np.float32).reshape(10, 10, 30)
    yield "wrapping", rng.standard_normal(40).astype(np.float32)
    yield "3-d", rng.standard_normal((2, 3, 4)).astype(np.float32)
    yield "sci large", np.array([1e10, 1.0], dtype=np.float32)
    yield "sci range", np.array([1e-3, 5e2, 7e4], dtype=np.float32)
    yield "integral floats", np.array([1.0, 100.0, -3.0], dtype=np.float32)
    yield "mixed inf", np.array([np.inf, -np.inf, 0.5, np.nan], dtype=np.float64)
    yield "negative zero", np.array([-0.0, 0.0, -1.5], dtype=np.float32)
    yield "tiny", (rng.standard_normal(6) * 1e-7).astype(np.float32)


@needs_torch
@pytest.mark.parametrize(("label", "array"), list(_arrays()))
def test_repr_matches_torch(label, array) -> None:
    if array.dtype == np.float16 or array.dtype.kind != "f":
        pairs = [(symgrad.from_numpy(array), torch.from_numpy(array))]
    else:
        pairs = [(symgrad.from_numpy(array), torch.from_numpy(array))]
        mine = symgrad.tensor(array, requires_grad=True)
        theirs = torch.tensor(array, requires_grad=True)
        pairs += [(mine, theirs), (mine * 1, theirs * 1)]
    if array.dtype == np.float32:
        pairs.append((symgrad.from_numpy(array).bfloat16(),
                      torch.from_numpy(array).bfloat16()))
    for mine, theirs in pairs:
        assert repr(mine) == repr(theirs).replace("torch.", "symgrad."), label


def test_copy_slices_prints_without_namespace() -> None:
    y = symgrad.tensor([1.0, 2.0], requires_grad=True) * 1
    y[0] = 0.0
    assert repr(y) == "tensor([0., 2.], grad_fn=<CopySlices>)"


@pytest.mark.parametrize("make", [
    lambda **kw: symgrad.zeros(2, **kw), lambda **kw: symgrad.arange(3, **kw),
    lambda **kw: symgrad.randn(2, **kw), lambda **kw: symgrad.ones(2).new_zeros(2, **kw),
    lambda **kw: symgrad.full_like(symgrad.ones(2), 3.0, **kw),
])
def test_a_device_other_than_the_cpu_is_refused_not_ignored(make):
    assert make(device="cpu").shape == (make().shape)
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        make(device="cuda")
    with pytest.raises(RuntimeError, match="^PyTorch is not linked with support for mps devices$"):
        make(device="mps")
