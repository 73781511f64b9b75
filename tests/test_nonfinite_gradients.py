"""Gradients when infinities and NaNs flow through a backward, against torch 2.13.

Two situations per op, in float64: finite inputs receiving infinite (and huge) incoming
gradients, and non-finite inputs (+-inf, NaN) receiving finite ones. symgrad must give
torch's values (NaN where torch gives NaN, whatever its sign bit) except where it is knowingly
right where torch is not: those cases assert symgrad's own value, from the mathematics.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

inf, nan = math.inf, math.nan
SITUATIONS = {
    "infinite gradients": ([-2.0, -0.5, 0.0, 0.5, 3.0, 1.0], [inf, -inf, 2.0, inf, -inf, 1e308]),
    "non-finite inputs": ([-2.0, inf, 0.0, nan, -inf, 1.0], [1.0, 2.0, -3.0, 0.5, -1.0, 2.0]),
}
OPS = {
    "relu": lambda L, x: L.nn.functional.relu(x),
    "leaky_relu": lambda L, x: L.nn.functional.leaky_relu(x, 0.1),
    "hardtanh": lambda L, x: L.nn.functional.hardtanh(x),
    "relu6": lambda L, x: L.nn.functional.relu6(x),
    "elu": lambda L, x: L.nn.functional.elu(x),
    "gelu": lambda L, x: L.nn.functional.gelu(x),
    "silu": lambda L, x: L.nn.functional.silu(x),
    "softplus": lambda L, x: L.nn.functional.softplus(x),
    "hardswish": lambda L, x: L.nn.functional.hardswish(x),
    "hardshrink": lambda L, x: L.nn.functional.hardshrink(x, 0.6),
    "softshrink": lambda L, x: L.nn.functional.softshrink(x, 0.6),
    "threshold": lambda L, x: L.nn.functional.threshold(x, 0.4, -1.0),
    "clamp": lambda L, x: x.clamp(-1, 1),
    "clamp_min": lambda L, x: x.clamp(min=0.2),
    "abs": lambda L, x: x.abs(),
    "sign": lambda L, x: x.sign(),
    "floor": lambda L, x: x.floor(),
    "maximum": lambda L, x: L.maximum(x, L.zeros_like(x)),
    "where": lambda L, x: L.where(x > 0, x, x * 2),
    "masked_fill": lambda L, x: x.masked_fill(x > 0, 1.0),
    "slice": lambda L, x: x[1:3],
    "index": lambda L, x: x[L.tensor([0, 2])],
    "gather": lambda L, x: x.gather(0, L.tensor([0, 2])),
    "index_select": lambda L, x: x.index_select(0, L.tensor([4, 2])),
    "sort": lambda L, x: x.sort().values[:2],
    "topk": lambda L, x: x.topk(2).values,
    "cumsum": lambda L, x: x.cumsum(0),
    "cumprod": lambda L, x: x.cumprod(0),
    "tril": lambda L, x: x.reshape(2, 3).tril().reshape(-1),
    "pad": lambda L, x: L.nn.functional.pad(x, (1, 1)),
    "max_pool1d": lambda L, x: L.nn.functional.max_pool1d(x.reshape(1, 1, 6), 2).reshape(-1),
    "avg_pool1d": lambda L, x: L.nn.functional.avg_pool1d(x.reshape(1, 1, 6), 2).reshape(-1),
    "embedding": lambda L, x: L.nn.functional.embedding(L.tensor([1, 1]),
                                                        x.reshape(3, 2)).reshape(-1),
    "nan_to_num": lambda L, x: L.nan_to_num(x),
    "std": lambda L, x: x.std().reshape(1),
    "norm": lambda L, x: x.norm().reshape(1),
    "softmax": lambda L, x: L.softmax(x, 0),
    "log_softmax": lambda L, x: L.log_softmax(x, 0),
    "l1_loss": lambda L, x: L.nn.functional.l1_loss(x, L.zeros_like(x), reduction="none"),
    "smooth_l1_loss": lambda L, x: L.nn.functional.smooth_l1_loss(x, L.zeros_like(x),
                                                                  reduction="none"),
    "huber_loss": lambda L, x: L.nn.functional.huber_loss(x, L.zeros_like(x),
                                                          reduction="none"),
    "mse_loss": lambda L, x: L.nn.functional.mse_loss(x, L.zeros_like(x), reduction="none"),
    "prod": lambda L, x: x.prod().reshape(1),
    "roll": lambda L, x: x.roll(1),
    "repeat_interleave": lambda L, x: x.repeat_interleave(2),
    "scatter": lambda L, x: L.zeros(6, dtype=x.dtype).scatter(0, L.tensor([1, 1, 2]), x[:3]),
    "index_add": lambda L, x: L.zeros(6, dtype=x.dtype).index_add(0, L.tensor([1, 1, 2]), x[:3]),
    "max": lambda L, x: x.max().reshape(1),
    "max(dim)": lambda L, x: x.reshape(2, 3).max(1).values,
    "amax": lambda L, x: x.reshape(2, 3).amax(1),
}
# symgrad's own value where torch's is not the mathematics' (x, g as in SITUATIONS).
DELIBERATE: dict[tuple[str, str], tuple[list[float], str]] = {
    # g * sigmoid(1) for g = 1e308 is 7.3e307: torch forms g * exp(x) first and overflows.
    ("softplus", "infinite gradients"): (
        [inf, -inf, 1.0, inf, -inf, 1e308 / (1 + math.exp(-1.0))], "finite, torch overflows"),
    # A cumulative product through a 0, with g = +-inf after it: 0 * inf terms are nan in
    # IEEE arithmetic; torch's formula for zeros drops them.
    ("cumprod", "infinite gradients"): ([nan] * 5 + [0.0], "0 * inf terms are nan"),
    # gelu' and silu' at +inf are 1, at -inf 0 (their limits); torch's formulas give nan.
    ("gelu", "non-finite inputs"): (None, "limits at +-inf"),  # type: ignore[dict-item]
    ("silu", "non-finite inputs"): (None, "limits at +-inf"),  # type: ignore[dict-item]
    # hardswish' of NaN is NaN; torch's branches all fail on NaN and give g (0.5).
    ("hardswish", "non-finite inputs"): (None, "NaN in, NaN out"),  # type: ignore[dict-item]
    # The gradient of amax goes to the selected elements only (+0 elsewhere); torch multiplies
    # the infinite gradient by a 0/1 mask and gives nan there.
    ("amax", "infinite gradients"): ([0.0, 0.0, inf, 0.0, -inf, 0.0], "selected only"),
    # With an infinite input, cumprod's zero-aware formula in torch gives inf where the
    # products hold inf * 0 terms.
    ("cumprod", "non-finite inputs"): ([nan] * 6, "inf * 0 terms are nan"),
}


def _gradient(lib: Any, op: Any, x: list[float], g: list[float]) -> Any:
    t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    y = op(lib, t)
    weights = lib.tensor((g * 10)[:y.numel()], dtype=lib.float64).reshape(y.shape)
    (grad,) = lib.autograd.grad(y, t, weights)
    return np.array(grad.tolist())


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal, NaN to NaN, and the sign of every zero too."""
    return bool(np.array_equal(a, b, equal_nan=True)
                and (np.signbit(a) == np.signbit(b))[~np.isnan(a)].all())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("name", OPS)
def test_gradient_as_torch_or_as_the_mathematics(name: str, situation: str) -> None:
    x, g = SITUATIONS[situation]
    ours = _gradient(symgrad, OPS[name], x, g)
    theirs = _gradient(torch, OPS[name], x, g)
    deliberate = DELIBERATE.get((name, situation))
    if deliberate is None:
        assert _same(ours, theirs), (ours, theirs)
        return
    expected, _why = deliberate
    assert not _same(ours, theirs)  # still a difference: else this entry is stale
    if expected is None:  # the limits at +-inf, NaN at NaN; elsewhere torch's values
        finite = np.isfinite(x)
        # (symgrad's silu' is correctly rounded where torch's is an ULP off.)
        np.testing.assert_allclose(ours[finite], theirs[finite], rtol=4e-16)
        slope = {"gelu": (1.0, 0.0), "silu": (1.0, 0.0)}.get(name)
        for i, v in enumerate(x):
            if math.isnan(v):
                assert math.isnan(ours[i])
            elif math.isinf(v) and slope is not None:
                assert ours[i] == g[i] * (slope[0] if v > 0 else slope[1])
        return
    assert _same(ours, np.array(expected)), ours


@pytest.mark.parametrize("p", [2, 0.5, 1, 1.5, 3, inf])
@pytest.mark.parametrize("incoming", [nan, inf, 1.0])
@pytest.mark.parametrize("call", ["vector_norm", "dist"])
def test_a_zero_norm_receiving_a_nan_or_infinite_gradient(call: str, incoming: float,
                                                          p: float) -> None:
    # The norm has no derivative at a zero vector, where its gradient is 0 by convention and
    # the mathematics leaves a NaN or infinite incoming gradient undecided: PyTorch's is NaN for
    # p = 2 and p < 1 (it multiplies by the 0) and 0 for the other p (it masks the quotient),
    # and so is symgrad's, which gave 0 for every p (the fuzzer, seed 85 program 1166:
    # dist(x, x) under float_power(-1, .)'s NaN gradient).
    grads = []
    for lib in (symgrad, torch):
        x = lib.tensor([0.0, 0.0], dtype=lib.float64, requires_grad=True)
        if call == "dist":
            y = lib.dist(x, lib.zeros(2, dtype=lib.float64), p)
        else:
            y = lib.linalg.vector_norm(x, p)
        y.backward(lib.tensor(incoming, dtype=lib.float64))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)
