"""PyTorch's CPU random stream, element for element: after the same seed, symgrad's random
functions, in-place fills, ``nn.init`` and ``nn.Linear`` give PyTorch's bits, across seeds, sizes
around the vectorised normal's block of 16, dtypes and interleaved call sequences (one stream);
generator states move between the two libraries. Every expected value is PyTorch's, run here.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

SEEDS = (0, 1, 42, 2**32 + 7, 67280421310721, -5)
SIZES = (1, 15, 16, 17, 1000)
FLOATS = ("float32", "float64", "float16", "bfloat16")


def _raw(t: Any) -> tuple[str, tuple[int, ...], bytes]:
    """A tensor of either library as (dtype name, shape, bytes in row-major order)."""
    if isinstance(t, torch.Tensor):
        t = torch.empty_like(t, memory_format=torch.contiguous_format).copy_(t.detach())
        return str(t.dtype).removeprefix("torch."), tuple(t.shape), bytes(
            t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return t.dtype.name, tuple(t.shape), np.ascontiguousarray(t._data).tobytes()


def _same(torch_result: Any, symgrad_result: Any) -> None:
    if isinstance(torch_result, tuple):
        for a, b in zip(torch_result, symgrad_result, strict=True):
            _same(a, b)
        return
    expected, got = _raw(torch_result), _raw(symgrad_result)
    assert got[:2] == expected[:2]
    if got[2] != expected[2]:
        a = torch_result.detach().double().numpy().ravel()
        b = symgrad_result.double()._data.ravel()
        wrong = np.flatnonzero(a != b)
        raise AssertionError(f"{len(wrong)} of {a.size} differ; first at {wrong[:5]}: "
                             f"torch {a[wrong[:5]]}, symgrad {b[wrong[:5]]}")


def _both(fn: Callable[[Any], Any], seed: int) -> None:
    """Run ``fn(lib)`` after ``lib.manual_seed(seed)`` in both libraries and compare."""
    torch.manual_seed(seed)
    expected = fn(torch)
    symgrad.manual_seed(seed)
    _same(expected, fn(symgrad))


def _dtype(lib: Any, name: str) -> Any:
    return getattr(lib, name)


# -- creation -------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_and_randn(seed: int, size: int, dtype: str) -> None:
    _both(lambda lib: (lib.rand(size, dtype=_dtype(lib, dtype)),
                       lib.randn(size, dtype=_dtype(lib, dtype)),
                       lib.randn(2, size, dtype=_dtype(lib, dtype))), seed)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("dtype", ("float32", "float64"))
def test_default_dtype_is_followed(seed: int, dtype: str) -> None:
    before = symgrad.get_default_dtype(), torch.get_default_dtype()
    symgrad.set_default_dtype(_dtype(symgrad, dtype))
    torch.set_default_dtype(_dtype(torch, dtype))
    try:
        _both(lambda lib: (lib.rand(17), lib.randn(33), lib.randn(5), lib.nn.Linear(4, 3).weight),
              seed)
    finally:
        symgrad.set_default_dtype(before[0])
        torch.set_default_dtype(before[1])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("low", "high", "dtype"), [
    (0, 10, "int64"), (-7, 100, "int64"), (-2**40, 2**40, "int64"), (0, 2**32, "int64"),
    (-2**63, 2**63 - 1, "int64"), (0, 256, "uint8"), (-3, 3, "int8"), (0, 2**31 - 1, "int32"),
    (0, 1000, "float32"), (-2**40, 2**40, "float64"), (0, 2, "bool")])
def test_randint(seed: int, size: int, low: int, high: int, dtype: str) -> None:
    _both(lambda lib: lib.randint(low, high, (size,), dtype=_dtype(lib, dtype)), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", (0, 1, 2, 15, 16, 17, 1000, 100_000))
def test_randperm(seed: int, n: int) -> None:
    _both(lambda lib: (lib.randperm(n), lib.randperm(n, dtype=lib.float32)), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_like_functions(seed: int) -> None:
    _both(lambda lib: (lib.rand_like(lib.zeros(3, 7, dtype=lib.float64)),
                       lib.randn_like(lib.zeros(20)),
                       lib.randint_like(lib.zeros(5), 3, 9)), seed)


# -- in-place fills -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_and_normal_fills(seed: int, size: int, dtype: str) -> None:
    def fills(lib: Any) -> tuple[Any, ...]:
        d = _dtype(lib, dtype)
        return (lib.empty(size, dtype=d).uniform_(-0.37, 1.91),
                lib.empty(size, dtype=d).uniform_(3.0, 3.0),
                lib.empty(size, dtype=d).normal_(0.3, 2.5),
                lib.empty(size, dtype=d).normal_(-4.0, 0.0))
    _both(fills, seed)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("dtype", ("float32", "float64"))
def test_fills_reach_the_upper_bound_as_pytorch_does(seed: int, dtype: str) -> None:
    # An interval a few ulps wide: many draws round to ``to``, which PyTorch turns into ``from``.
    eps = np.finfo(dtype).eps
    _both(lambda lib: lib.empty(1000, dtype=_dtype(lib, dtype)).uniform_(1.0, 1.0 + 4 * eps),
          seed)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_fills_of_views_go_in_memory_order(seed: int) -> None:
    # Non-contiguous tensors take the one-at-a-time normal path, filled in memory order.
    def fills(lib: Any) -> tuple[Any, ...]:
        a = lib.zeros(6, 5, dtype=lib.float64)
        a.t().normal_()
        b = lib.zeros(40)
        b[::2].uniform_(-1.0, 1.0)
        c = lib.zeros(8, 6)
        c[:, 1:].normal_(2.0, 0.5)
        return a, b, c
    _both(fills, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
def test_bernoulli(seed: int, size: int) -> None:
    def draws(lib: Any) -> tuple[Any, ...]:
        p64 = lib.linspace(0, 1, size, dtype=lib.float64)
        return (lib.bernoulli(p64), lib.bernoulli(p64.float()), lib.bernoulli(p64.half()),
                lib.bernoulli(lib.zeros(size), p=0.3),
                lib.empty(size).bernoulli_(0.7), lib.empty(size, dtype=lib.int64).bernoulli_(0.5),
                lib.zeros(3, size).bernoulli_(p64.float()))
    _both(draws, seed)


# -- call sequences share one stream ---------------------------------------------------------------
CALLS: dict[str, Callable[[Any, int, Any], Any]] = {
    "rand": lambda lib, n, d: lib.rand(n, dtype=d),
    "randn": lambda lib, n, d: lib.randn(n, dtype=d),
    "normal_": lambda lib, n, d: lib.empty(n, dtype=d).normal_(0.5, 3.0),
    "uniform_": lambda lib, n, d: lib.empty(n, dtype=d).uniform_(-2.0, 5.0),
    "strided normal_": lambda lib, n, d: lib.zeros(2 * n, dtype=d)[::2].normal_(),
    "randint": lambda lib, n, d: lib.randint(-7, 100, (n,)),
    "randperm": lambda lib, n, d: lib.randperm(n),
    "bernoulli": lambda lib, n, d: lib.bernoulli(lib.full((n,), 0.3, dtype=d)),
    "bernoulli_": lambda lib, n, d: lib.empty(n, dtype=d).bernoulli_(0.6),
    "Linear": lambda lib, n, d: (lambda m: (m.weight, m.bias))(lib.nn.Linear(n, 3)),
    "Embedding": lambda lib, n, d: lib.nn.Embedding(n, 4).weight,
    # float32 dropout: the mask is any dtype's, but symgrad divides a float16 tensor by a Python
    # number otherwise than PyTorch (an engine difference outside the random stream).
    "dropout": lambda lib, n, d: lib.nn.functional.dropout(lib.ones(n), 0.3),
    "Dropout": lambda lib, n, d: lib.nn.Dropout(0.6)(lib.ones(2, n, dtype=lib.float64)),
}


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(-2**63, 2**64 - 1),
       calls=st.lists(st.tuples(st.sampled_from(sorted(CALLS)),
                                st.sampled_from((1, 2, 3, 15, 16, 17, 31, 40)),
                                st.sampled_from(FLOATS)), min_size=1, max_size=8))
@example(seed=0, calls=[("strided normal_", 1, "float32")])  # a one-element view of stride 2
def test_interleaved_calls_share_one_stream(seed: int, calls: list[tuple[str, int, str]]) -> None:
    _both(lambda lib: tuple(CALLS[name](lib, n, _dtype(lib, d)) for name, n, d in calls), seed)


# -- generators and states ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_generator_objects_leave_the_default_stream_alone(seed: int) -> None:
    def draws(lib: Any) -> tuple[Any, ...]:
        g = lib.Generator().manual_seed(seed + 1)
        return (lib.randn(20, generator=g), lib.rand(3), lib.randn(3, generator=g),
                lib.randperm(10, generator=g), lib.randint(5, (4,), generator=g),
                lib.empty(17).normal_(generator=g), lib.bernoulli(lib.rand(5), generator=g),
                lib.nn.init.kaiming_uniform_(lib.empty(3, 4), generator=g), lib.randn(5))
    _both(draws, seed)
    assert symgrad.Generator().initial_seed() == torch.Generator().initial_seed()
    assert symgrad.initial_seed() == torch.initial_seed()


def _state_after(lib: Any, seed: int, steps: Callable[[Any], Any]) -> Any:
    lib.manual_seed(seed)
    steps(lib)
    return lib.get_rng_state()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("steps", [
    lambda lib: None, lambda lib: lib.rand(624), lambda lib: lib.rand(623),
    lambda lib: lib.randn(3, dtype=lib.float64), lambda lib: lib.randn(1000)],
    ids=["fresh", "one twist", "one short of a twist", "a cached normal", "blocks"])
def test_states_are_pytorchs_bytes_and_move_both_ways(seed: int, steps: Any) -> None:
    theirs = _state_after(torch, seed, steps)
    ours = _state_after(symgrad, seed, steps)
    _same(theirs, ours)
    symgrad.set_rng_state(symgrad.tensor(theirs.numpy(), dtype=symgrad.uint8))
    torch.set_rng_state(torch.from_numpy(ours._data.copy()))
    _same(torch.randn(5, dtype=torch.float64), symgrad.randn(5, dtype=symgrad.float64))
    g_torch, g_ours = torch.Generator(), symgrad.Generator()
    g_torch.set_state(theirs)
    g_ours.set_state(ours)
    _same(torch.rand(7, generator=g_torch), symgrad.rand(7, generator=g_ours))


def test_a_state_with_a_float_normal_round_trips() -> None:
    raw = bytearray(_state_after(torch, 3, lambda lib: None).numpy().tobytes())
    struct.pack_into("<f?", raw, len(raw) - 8, 0.25, True)
    state = np.frombuffer(bytes(raw), dtype=np.uint8)
    g = symgrad.Generator().set_state(symgrad.tensor(state, dtype=symgrad.uint8))
    assert g.get_state()._data.tobytes() == bytes(raw)


# -- nn.init and Linear ---------------------------------------------------------------------------
INITS: dict[str, Callable[[Any, Any], Any]] = {
    "uniform_": lambda lib, t: lib.nn.init.uniform_(t, -0.3, 0.8),
    "normal_": lambda lib, t: lib.nn.init.normal_(t, 0.1, 0.02),
    "xavier_uniform_": lambda lib, t: lib.nn.init.xavier_uniform_(t, gain=1.7),
    "xavier_normal_": lambda lib, t: lib.nn.init.xavier_normal_(t),
    "kaiming_uniform_": lambda lib, t: lib.nn.init.kaiming_uniform_(t, a=5**0.5),
    "kaiming_uniform_ fan_out relu": lambda lib, t: lib.nn.init.kaiming_uniform_(
        t, mode="fan_out", nonlinearity="relu"),
    "kaiming_normal_": lambda lib, t: lib.nn.init.kaiming_normal_(t, nonlinearity="tanh"),
    "trunc_normal_ redrawn": lambda lib, t: lib.nn.init.trunc_normal_(t, std=0.02),
    "trunc_normal_ accepted": lambda lib, t: lib.nn.init.trunc_normal_(t, 0.0, 1.0, -0.1, 0.1),
    "trunc_normal_ tail": lambda lib, t: lib.nn.init.trunc_normal_(t, 0.5, 1.0, 1.0, 3.0),
    "constant_": lambda lib, t: lib.nn.init.constant_(t, 0.25),
    "ones_": lambda lib, t: lib.nn.init.ones_(t),
    "zeros_": lambda lib, t: lib.nn.init.zeros_(t),
}


@pytest.mark.parametrize("seed", SEEDS[:4])
@pytest.mark.parametrize("shape", [(3, 5), (16, 8), (4, 3, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize("name", sorted(INITS))
def test_nn_init(seed: int, shape: tuple[int, ...], name: str) -> None:
    _both(lambda lib: INITS[name](lib, lib.empty(shape)), seed)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("sparsity", [0.1, 0.5, 1.0])
def test_sparse_draws_its_rows_from_the_default_generator(seed: int, sparsity: float) -> None:
    _both(lambda lib: (lib.nn.init.sparse_(lib.empty(10, 6), sparsity,
                                           generator=lib.Generator().manual_seed(seed + 1)),
                       lib.rand(3)), seed)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (16, 8), (4, 3, 3)])
def test_orthogonal_is_pytorchs_up_to_the_qr_rounding(seed: int, shape: tuple[int, ...]) -> None:
    torch.manual_seed(seed)
    theirs = torch.nn.init.orthogonal_(torch.empty(shape), gain=1.5).numpy()
    symgrad.manual_seed(seed)
    ours = symgrad.nn.init.orthogonal_(symgrad.empty(shape), gain=1.5)._data
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    _same(torch.rand(5), symgrad.rand(5))  # the same draws: the stream stays aligned


@pytest.mark.parametrize("shape", [(3, 4), (2, 5)])
def test_eye_and_dirac(shape: tuple[int, ...]) -> None:
    _both(lambda lib: (lib.nn.init.eye_(lib.empty(shape)),
                       lib.nn.init.dirac_(lib.empty(*shape, 3)),
                       lib.nn.init.dirac_(lib.empty(4, 2, 3, 3), groups=2)), 0)


@pytest.mark.parametrize("nonlinearity", ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu",
                                          "leaky_relu"])
def test_calculate_gain(nonlinearity: str) -> None:
    assert symgrad.nn.init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(
        nonlinearity)
    assert symgrad.nn.init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain(
        "leaky_relu", 0.2)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("fan_in", "fan_out"), [(1, 1), (3, 2), (15, 16), (16, 17), (784, 256)])
def test_linear_is_initialised_as_pytorchs(seed: int, fan_in: int, fan_out: int) -> None:
    def layers(lib: Any) -> tuple[Any, ...]:
        net = lib.nn.Sequential(lib.nn.Linear(fan_in, fan_out), lib.nn.Tanh(),
                                lib.nn.Linear(fan_out, 2, bias=False))
        return tuple(p for p in net.parameters())
    _both(layers, seed)


def test_linear_without_inputs_warns_and_keeps_bias_zero() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _both(lambda lib: (lib.nn.Linear(0, 3).bias, lib.rand(2)), 5)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        symgrad.nn.Linear(0, 3)


# -- errors ---------------------------------------------------------------------------------------
ERRORS: dict[str, Callable[[Any], Any]] = {
    "uniform_ from > to": lambda lib: lib.empty(3).uniform_(1, 0),
    "normal_ negative std": lambda lib: lib.empty(3).normal_(0, -1),
    "bernoulli_ p > 1": lambda lib: lib.empty(3).bernoulli_(1.5),
    "bernoulli p tensor > 1": lambda lib: lib.bernoulli(lib.tensor([0.5, 1.5])),
    "bernoulli of integers": lambda lib: lib.bernoulli(lib.tensor([1, 0])),
    "randint empty range": lambda lib: lib.randint(5, 3, (2,)),
    "randint above uint8": lambda lib: lib.randint(0, 300, (2,), dtype=lib.uint8),
    "randint below uint8": lambda lib: lib.randint(-1, 3, (2,), dtype=lib.uint8),
    "randperm negative": lambda lib: lib.randperm(-1),
    "randn of integers": lambda lib: lib.randn(2, dtype=lib.int64),
    "rand of integers": lambda lib: lib.rand(2, dtype=lib.int64),
    "normal_ of integers": lambda lib: lib.empty(3, dtype=lib.int64).normal_(),
    "fill a leaf that requires grad": lambda lib: lib.ones(3, requires_grad=True).normal_(),
    "seed too large": lambda lib: lib.manual_seed(2**64),
    "seed too small": lambda lib: lib.manual_seed(-2**63 - 1),
    "state of floats": lambda lib: lib.set_rng_state(lib.zeros(5056)),
    "state too short": lambda lib: lib.set_rng_state(lib.zeros(10, dtype=lib.uint8)),
    "fan of a vector": lambda lib: lib.nn.init.xavier_uniform_(lib.empty(3)),
    "unknown fan mode": lambda lib: lib.nn.init.kaiming_normal_(lib.empty(3, 3), mode="fan"),
    "unknown nonlinearity": lambda lib: lib.nn.init.calculate_gain("swish"),
    "eye_ of 3 dims": lambda lib: lib.nn.init.eye_(lib.empty(2, 2, 2)),
    "sparse_ of 3 dims": lambda lib: lib.nn.init.sparse_(lib.empty(2, 2, 2), 0.5),
    "orthogonal_ of a vector": lambda lib: lib.nn.init.orthogonal_(lib.empty(3)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_are_pytorchs(name: str) -> None:
    with pytest.raises(Exception) as theirs:
        ERRORS[name](torch)
    with pytest.raises(type(theirs.value)) as ours:
        ERRORS[name](symgrad)
    assert str(theirs.value).startswith(str(ours.value))


def test_unrepresentable_state_is_refused() -> None:
    raw = bytearray(_state_after(torch, 3, lambda lib: lib.rand(5)).numpy().tobytes())
    struct.pack_into("<i", raw, 8, 10)  # left=10 with next=5: PyTorch accepts it
    state = symgrad.tensor(np.frombuffer(bytes(raw), dtype=np.uint8), dtype=symgrad.uint8)
    with pytest.raises(RuntimeError, match="left=10 and next=5"):
        symgrad.set_rng_state(state)
