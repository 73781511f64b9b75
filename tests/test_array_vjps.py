"""The array VJPs (``defop(array_vjp=...)``) give the bits of the VJPs they stand for.

A backward that records nothing runs an op's array VJP on NumPy arrays (``Node.apply_arrays``)
instead of its VJP on tensors (``Node.apply``). Every op that declares one is run both ways on
its catalog samples, on IEEE special values, with each subset of its inputs requiring grad,
and with Python numbers and zero-dim tensors as operands; each gradient must be the same array,
bit for bit, of the same dtype and shape. Whole backward passes over random programs are run
both ways too: without ``create_graph`` (on arrays) and with it (every VJP on tensors).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad
from oracle.engines.symgrad_samples import make_samples, op_call
from symgrad.autograd import graph
from symgrad.ops import registry
from symgrad.ops.registry import REGISTRY
from symgrad.tensor import Tensor

ARRAY_OPS = sorted(name for name, op in REGISTRY.items() if op.array_vjp is not None)
DTYPES = ("float32", "float64")
SPECIAL = (0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -3e38, 1.5, -2.25, 1e-310, 7e300)


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint64 if a.dtype == np.float64 else np.uint32)


def _both_ways(out: Tensor, seed: int) -> tuple[tuple, tuple]:
    """The node's gradients for a random cotangent: on tensors, and on arrays (where the
    fallback to tensors is made to fail, so the array VJP itself is what ran)."""
    node = out.grad_fn
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(out.shape).astype(out._data.dtype)
    with symgrad.no_grad():
        on_tensors = node.apply(Tensor._make(g.copy(), False, None))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(graph.Node, "_apply_as_tensors", _no_fallback)
        on_arrays = node.apply_arrays(g.copy())
    return on_tensors, on_arrays


def _no_fallback(self: graph.Node, g: np.ndarray) -> None:
    raise AssertionError(f"{self.name()} fell back to its VJP on tensors")


def _assert_same(on_tensors: tuple, on_arrays: tuple, where: str) -> None:
    assert len(on_tensors) == len(on_arrays), where
    for t, a in zip(on_tensors, on_arrays, strict=True):
        assert (t is None) == (a is None), where
        if t is None:
            continue
        assert type(a) is np.ndarray, where
        assert (a.dtype, a.shape) == (t._data.dtype, t._data.shape), where
        assert np.array_equal(_bits(a), _bits(t._data)), (
            f"{where}: {a.tolist()} on arrays, {t._data.tolist()} on tensors")


def _subsets(names: list[str]) -> list[tuple[str, ...]]:
    return [c for k in range(1, len(names) + 1) for c in itertools.combinations(names, k)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ARRAY_OPS)
def test_array_vjp_gives_the_vjps_bits_on_catalog_samples(name: str, dtype: str) -> None:
    for k, sample in enumerate(make_samples(name, dtype)):
        for wanted in _subsets(sample.differentiable()):
            tensors = sample.tensors(requires_grad=False)
            for n in wanted:
                tensors[n].requires_grad_()
            out = op_call(name, sample, tensors)
            _assert_same(*_both_ways(out, k), f"{name} {dtype} {sample.id} grad of {wanted}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ARRAY_OPS)
def test_array_vjp_gives_the_vjps_bits_on_special_values(name: str, dtype: str) -> None:
    for k, sample in enumerate(make_samples(name, dtype)):
        tensors = sample.tensors()
        with np.errstate(all="ignore"):  # 7e300 and 1e-310 round to inf and 0 in float32
            for i, t in enumerate(tensors.values()):
                if t.is_floating_point():
                    values = np.resize(np.roll(np.array(SPECIAL), i), t._data.size)
                    t._data[...] = values.reshape(t._data.shape).astype(t._data.dtype)
            out = op_call(name, sample, tensors)
            _assert_same(*_both_ways(out, k), f"{name} {dtype} {sample.id} special values")


ELEMENTWISE = [name for name in ARRAY_OPS if REGISTRY[name].kind == "elementwise"]


@pytest.mark.parametrize("one", [1.0, 3.0])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_array_vjp_gives_the_vjps_bits_for_a_broadcast_gradient(
        name: str, dtype: str, one: float) -> None:
    # A sum's gradient reaches its input broadcast (every stride 0): mul's array VJP hands on
    # the other factor itself where that gradient is 1 (``_by_one``), on large arrays only.
    op = REGISTRY[name]
    rng = np.random.default_rng(len(name))
    with np.errstate(all="ignore"):
        values = [np.resize(np.roll(np.array(SPECIAL), i), 5000) * rng.uniform(0.5, 2, 5000)
                  for i in range(len(op.args))]
        tensors = [symgrad.tensor(v.astype(dtype), requires_grad=True) for v in values]
        out = registry.apply(op, *tensors, **({"alpha": 1} if "alpha" in op.attrs else {}))
        g = np.full((), one, dtype=dtype)
        broadcast = np.ndarray(out.shape, g.dtype, g, 0, (0,))
        broadcast.flags.writeable = False
        with symgrad.no_grad():
            on_tensors = out.grad_fn.apply(Tensor._make(broadcast, False, None))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(graph.Node, "_apply_as_tensors", _no_fallback)
            on_arrays = out.grad_fn.apply_arrays(broadcast)
    _assert_same(on_tensors, on_arrays, f"{name} {dtype} gradient {one} broadcast")


SCALAR_CALLS = {
    "x * 0.5": lambda x, z: x * 0.5,
    "3 * x": lambda x, z: 3 * x,
    "x * z": lambda x, z: x * z,
    "z * x": lambda x, z: z * x,
    "x + 2": lambda x, z: x + 2,
    "add alpha": lambda x, z: symgrad.add(x, z, alpha=-1.5),
    "sub alpha": lambda x, z: symgrad.sub(z, x, alpha=3),
    "x - 0.25": lambda x, z: x - 0.25,
    "-x": lambda x, z: -x,
    "z.exp()": lambda x, z: z.exp(),
    "z.tanh()": lambda x, z: z.tanh(),
    "z.sum()": lambda x, z: z.sum(),
    "x.sum(keepdim)": lambda x, z: x.sum(dim=(0, 1), keepdim=True),
    "x.sum(-1)": lambda x, z: x.sum(dim=-1),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("call", SCALAR_CALLS)
def test_array_vjp_gives_the_vjps_bits_with_numbers_and_zero_dim_tensors(
        call: str, dtype: str) -> None:
    d = getattr(symgrad, dtype)
    x = symgrad.tensor([[0.3, -1.7, 2.5], [1e-40, -0.0, 3e37]], dtype=d, requires_grad=True)
    z = symgrad.tensor(-0.7, dtype=d, requires_grad=True)
    out = SCALAR_CALLS[call](x, z)
    assert out.grad_fn.op.array_vjp is not None, call
    _assert_same(*_both_ways(out, 7), f"{call} {dtype}")


def test_every_array_vjp_is_tested_and_the_common_ops_have_one() -> None:
    assert {"add", "sub", "mul", "neg", "exp", "tanh", "sum", "sum_all"} <= set(ARRAY_OPS)


def test_a_swapped_vjp_is_the_one_backward_runs() -> None:
    # A mutant or a test replaces the VJP: the array VJP declared with the old one is unused.
    wrong = dataclasses.replace(REGISTRY["mul"], vjp=lambda g, self, other, *, needs: (
        g * other * 2, g * self))
    x = symgrad.tensor([1.5, 2.0], requires_grad=True)
    registry.apply(wrong, x, symgrad.tensor([3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]


def test_half_types_keep_the_vjp_on_tensors() -> None:
    # float16 times a Python number runs in float32 as PyTorch's opmath does: the tensor path.
    x = symgrad.tensor([1.0, 3.0], dtype=symgrad.float16, requires_grad=True)
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        original = graph.Node._apply_as_tensors

        def spy(self: graph.Node, g: np.ndarray) -> tuple:
            calls.append(self.name())
            return original(self, g)

        mp.setattr(graph.Node, "_apply_as_tensors", spy)
        (x * 0.1).sum().backward()
    assert calls == ["SumBackward0", "MulBackward0"]
    assert x.grad.tolist() == [np.float16(0.1)] * 2


def test_a_leaf_gets_its_own_gradient_array() -> None:
    # add's VJP hands the same array to both inputs: each .grad must be its own.
    a = symgrad.tensor([1.0, 2.0], requires_grad=True)
    b = symgrad.tensor([3.0, 4.0], requires_grad=True)
    (a + b).backward(symgrad.tensor([1.0, 1.0]))
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad.add_(1.0)
    assert b.grad.tolist() == [1.0, 1.0]


def test_a_users_gradient_is_never_written_into() -> None:
    a = symgrad.tensor([1.0, 2.0], requires_grad=True)
    g = symgrad.tensor([0.5, 0.25])
    (a + a).backward(g)
    (a * 1.0).backward(g)
    assert g.tolist() == [0.5, 0.25]
    assert a.grad.tolist() == [1.5, 0.75]
    assert not np.shares_memory(a.grad._data, g._data)


def test_an_array_vjp_takes_what_its_vjp_takes() -> None:
    with pytest.raises(TypeError, match="an array VJP takes what its VJP takes"):
        registry.defop("array_vjp_example", "MulBackward0", lambda self: self * 2,
                       vjp=lambda g, self: g * 2, array_vjp=lambda g: g * 2)
    assert "array_vjp_example" not in REGISTRY


# -- whole backward passes: on arrays and on tensors --------------------------------------------
UNARY = {"tanh": symgrad.tanh, "exp": symgrad.exp, "neg": symgrad.neg,
         "relu": symgrad.nn.functional.relu, "sigmoid": symgrad.sigmoid,  # sigmoid: no array VJP
         "log_softmax": lambda t: symgrad.nn.functional.log_softmax(t, dim=-1),
         "sum(-1, keepdim)": lambda t: t.sum(dim=-1, keepdim=True)}
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b, "add alpha": lambda a, b: symgrad.add(a, b, alpha=0.5),
          "sub alpha": lambda a, b: symgrad.sub(a, b, alpha=2)}


@st.composite
def programs(draw: st.DrawFn) -> tuple[str, list[tuple[str, int, int | float]]]:
    """A dtype, and steps each applying an op to an earlier value (by index) and, for binary
    ops, to another or to a number."""
    dtype = draw(st.sampled_from(["float32", "float64", "float16"]))
    steps = []
    for k in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from([*UNARY, *BINARY, "mm"]))
        other = draw(st.one_of(st.integers(0, 3 + k), st.sampled_from([0.5, -3.0, 2])))
        steps.append((name, draw(st.integers(0, 3 + k)), other))
    return dtype, steps


def _run(dtype: str, steps: list[tuple[str, int, int | float]]) -> tuple[Tensor, list[Tensor]]:
    d = getattr(symgrad, dtype)
    rng = np.random.default_rng(0)
    leaves = [symgrad.tensor(rng.uniform(-2, 2, shape), dtype=d, requires_grad=True)
              for shape in ((2, 3), (2, 3), (3,), ())]
    values = list(leaves)
    for name, i, other in steps:
        x = values[i]
        if name in UNARY:
            values.append(UNARY[name](x))
        elif name == "mm":  # (2, 3), (2, 1) or (3,) times (n, 3): every shape stays in the set
            w = symgrad.tensor(rng.uniform(-1, 1, (x.shape[-1] if x.ndim else 1, 3)), dtype=d,
                               requires_grad=True)
            leaves.append(w)
            values.append(x @ w if x.ndim else x * w)
        else:  # the shapes (2, 3), (3,), () and (2, 1) all broadcast together
            y = values[other] if isinstance(other, int) else other
            values.append(BINARY[name](x, y))
    return sum(v.sum() for v in values[4:]), leaves


@settings(max_examples=60)
@given(programs())
def test_a_backward_on_arrays_gives_the_bits_of_the_backward_on_tensors(program) -> None:
    # With create_graph every VJP runs on tensors and records; without, on arrays where the op
    # has an array VJP: the gradients must be the same bits.
    dtype, steps = program
    with np.errstate(all="ignore"):
        loss, leaves = _run(dtype, steps)
        on_arrays = symgrad.autograd.grad(loss, leaves, retain_graph=True, allow_unused=True)
        on_tensors = symgrad.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
    for a, t, leaf in zip(on_arrays, on_tensors, leaves, strict=True):
        assert (a is None) == (t is None)
        if a is not None:
            assert a.dtype == t.dtype == leaf.dtype and a.shape == t.shape
            bits = np.uint16 if dtype == "float16" else np.uint32 if dtype == "float32" else \
                np.uint64
            assert np.array_equal(a._data.view(bits), t._data.view(bits)), (steps, dtype)
