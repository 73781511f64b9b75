"""batch_norm and the BatchNorm1d/BatchNorm2d layers against torch 2.13 (values, gradients to
the second order, running statistics, the layers' modes and buffers, PyTorch's errors), and
the judge on both: symgrad's gradients exact, PyTorch's input gradient tens of thousands of
ULP off where a channel has two values in the batch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import symgrad
from oracle.crosscheck import crosscheck

torch = pytest.importorskip("torch")

# float64 to 1e-12 (symgrad computes in float64 and rounds once; PyTorch's sums round on the
# way); float32 to a few of its ULP.
RTOL = {"float64": 1e-12, "float32": 2e-6}


def _close(mine: Any, theirs: Any, dtype: str) -> None:
    # Absolute to the array's scale as well: PyTorch's float32 gradients cancel (terms of
    # order 1 leaving 1e-3) and lose relative accuracy on small elements.
    mine, theirs = np.asarray(mine, np.float64), np.asarray(theirs, np.float64)
    scale = float(np.max(np.abs(theirs), initial=0.0))
    np.testing.assert_allclose(mine, theirs, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


def _data(shape: tuple[int, ...], rng: np.random.Generator) -> dict[str, np.ndarray]:
    c = shape[1]
    return {"x": rng.standard_normal(shape), "w": rng.uniform(0.5, 2.0, c),
            "b": rng.standard_normal(c), "mean": rng.standard_normal(c),
            "var": rng.uniform(0.5, 2.0, c), "g": rng.standard_normal(shape),
            "h": rng.standard_normal(shape)}


def _run(lib: Any, data: dict[str, np.ndarray], dtype: str, training: bool) -> list[Any]:
    """Output, first-order gradients, a second-order gradient, and the running statistics."""
    d = getattr(lib, dtype)
    x, w, b = (lib.tensor(data[k], dtype=d, requires_grad=True) for k in "xwb")
    mean, var = lib.tensor(data["mean"], dtype=d), lib.tensor(data["var"], dtype=d)
    y = lib.nn.functional.batch_norm(x, mean, var, w, b, training=training, momentum=0.3)
    gx, gw, gb = lib.autograd.grad(y, (x, w, b), lib.tensor(data["g"], dtype=d),
                                   create_graph=True)
    again = (gx * lib.tensor(data["h"], dtype=d)).sum() + gw.sum() * 0.5
    hx, hw = lib.autograd.grad(again, (x, w))
    return [type(y.grad_fn).__name__] + [t.detach().numpy() for t in
                                         (y, gx, gw, gb, hx, hw, mean, var)]


@pytest.mark.parametrize("shape", [(4, 3), (5, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("training", [True, False])
def test_values_gradients_and_running_statistics(shape, dtype, training, rng):
    data = _data(shape, rng)
    mine, theirs = _run(symgrad, data, dtype, training), _run(torch, data, dtype, training)
    assert mine[0] == theirs[0] == "NativeBatchNormBackward0"
    for a, b in zip(mine[1:], theirs[1:], strict=True):
        _close(a, b, dtype)


def test_half_input_with_float32_parameters():
    # PyTorch's mixed mode: a float16 input, float32 parameters and statistics.
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]], dtype=lib.float16,
                       requires_grad=True)
        w = lib.tensor([1.5, 0.5], requires_grad=True)
        mean, var = lib.zeros(2), lib.ones(2)
        y = lib.nn.functional.batch_norm(x, mean, var, w, None, True)
        y.backward(lib.ones(3, 2, dtype=lib.float16))
        return y.dtype, w.grad.dtype, y.detach().float().numpy(), mean.numpy()

    mine, theirs = run(symgrad), run(torch)
    assert str(mine[0]).split(".")[-1] == str(theirs[0]).split(".")[-1] == "float16"
    assert str(mine[1]).split(".")[-1] == "float32"
    np.testing.assert_array_equal(mine[2], theirs[2])
    np.testing.assert_allclose(mine[3], theirs[3], rtol=1e-6)


def test_running_statistics_are_updated_in_place_without_a_version_bump():
    for lib in (symgrad, torch):
        mean, var = lib.zeros(2), lib.ones(2)
        versions = mean._version, var._version
        lib.nn.functional.batch_norm(lib.tensor([[1.0, 10.0], [3.0, 30.0]]), mean, var,
                                     training=True)
        assert (mean._version, var._version) == versions
        # (1 - 0.1) * old + 0.1 * batch, the batch's variance unbiased: (2 - 1)^2 * 2 / 1 = 2
        np.testing.assert_allclose(mean.numpy(), [0.2, 2.0], rtol=1e-6)
        np.testing.assert_allclose(var.numpy(), [0.9 + 0.2, 0.9 + 20.0], rtol=1e-6)


ERRORS = {
    "eval without stats": lambda lib: lib.nn.functional.batch_norm(lib.ones(2, 3), None, None),
    "eval without var": lambda lib: lib.nn.functional.batch_norm(lib.ones(2, 3), lib.zeros(3),
                                                                 None),
    "one value per channel": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(1, 3, 1), lib.zeros(3), lib.ones(3), training=True),
    "weight size": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3), lib.zeros(3), lib.ones(3), lib.ones(4), training=True),
    "bias size": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3), lib.zeros(3), lib.ones(3), None, lib.ones(4), training=True),
    "stats size": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3), lib.zeros(4), lib.ones(4), training=True),
    "one dim": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2), lib.zeros(2), lib.ones(2), training=True),
    "integers": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3, dtype=lib.int64), lib.zeros(3), lib.ones(3), training=True),
    "stats need no grad": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3), lib.zeros(3, requires_grad=True), lib.ones(3), training=True),
    "float64 with a float32 weight": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3, dtype=lib.float64), lib.zeros(3, dtype=lib.float64),
        lib.ones(3, dtype=lib.float64), lib.ones(3), training=True),
    "float64 with float32 stats": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3, dtype=lib.float64), lib.zeros(3), lib.ones(3), training=False),
    "float64 weight, float32 stats": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3, dtype=lib.float64), lib.zeros(3), lib.ones(3),
        lib.ones(3, dtype=lib.float64), training=True),
    "half with mixed stats": lambda lib: lib.nn.functional.batch_norm(
        lib.ones(2, 3, dtype=lib.float16), lib.zeros(3), lib.ones(3, dtype=lib.float16),
        training=True),
    "1d layer, 4d input": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 5)),
    "2d layer, 3d input": lambda lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
    def outcome(lib):
        try:
            ERRORS[name](lib)
        except Exception as e:  # noqa: BLE001 - the class and message are compared
            return type(e).__name__, str(e).replace("torch.", "symgrad.")
        return "no error"

    assert outcome(symgrad) == outcome(torch)


LAYERS = {
    "1d": lambda nn: nn.BatchNorm1d(3),
    "1d momentum None": lambda nn: nn.BatchNorm1d(3, momentum=None),
    "1d not affine": lambda nn: nn.BatchNorm1d(3, affine=False),
    "1d no bias": lambda nn: nn.BatchNorm1d(3, bias=False),
    "1d untracked": lambda nn: nn.BatchNorm1d(3, track_running_stats=False),
    "2d eps": lambda nn: nn.BatchNorm2d(3, 1e-3, 0.25),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_in_training_then_evaluation(name, rng):
    shape = (4, 3) if name.startswith("1d") else (2, 3, 2, 2)
    batches = [rng.standard_normal(shape) for _ in range(3)]

    def run(lib):
        layer = LAYERS[name](lib.nn)
        outs = []
        for a in batches[:2]:
            outs.append(layer(lib.tensor(a, dtype=lib.float32)).detach().numpy())
        layer.eval()
        outs.append(layer(lib.tensor(batches[2], dtype=lib.float32)).detach().numpy())
        state = {k: v.numpy() for k, v in layer.state_dict().items()}
        params = [n for n, _ in layer.named_parameters()]
        return repr(layer), params, list(state), state, outs

    mine, theirs = run(symgrad), run(torch)
    assert mine[:3] == theirs[:3]
    for key in mine[3]:
        # float32 statistics of values near 1: a running mean near 0 differs from PyTorch's
        # by its sum's rounding, up to 2.4e-7 absolute over 150 draws (rtol alone failed 33
        # of 1,050 comparisons)
        np.testing.assert_allclose(mine[3][key], theirs[3][key], rtol=1e-6, atol=1e-6)
    for a, b in zip(mine[4], theirs[4], strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_a_tutorial_style_convnet_block_trains_as_in_torch():
    # Linear -> BatchNorm1d -> ReLU -> Linear, three SGD steps: same losses, same statistics.
    def run(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.BatchNorm1d(6), lib.nn.ReLU(),
                                lib.nn.Linear(6, 2))
        opt = lib.optim.SGD(net.parameters(), lr=0.1)
        x, y = lib.randn(8, 4), lib.randn(8, 2)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        net.eval()
        return losses, net[1].running_var.numpy(), net(x).detach().numpy()

    mine, theirs = run(symgrad), run(torch)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-5)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-5)
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-4, atol=1e-5)


def _judged(lib: Any, shape: tuple[int, ...], training: bool, rng: np.random.Generator) -> str:
    data = _data(shape, rng)
    x, w, b = (lib.tensor(data[k], dtype=lib.float64, requires_grad=True) for k in "xwb")
    mean = lib.tensor(data["mean"], dtype=lib.float64)
    var = lib.tensor(data["var"], dtype=lib.float64)
    return crosscheck(lambda x, w, b: lib.nn.functional.batch_norm(
        x, mean, var, w, b, training=training), [x, w, b]).status


# The 4-D case holds 4 values per channel: the judge's conditioning differentiates the
# node's partials symbolically, which took 2.5 s for 4 values per channel, 49 s for 8 and
# 2 x its 60 s budget for 12 ((3, 2, 2, 2), in training).
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(2, 3, 1), (4, 3), (2, 2, 1, 2)])
def test_the_judge_passes_symgrads_batch_norm(shape, training, rng):
    assert _judged(symgrad, shape, training, rng) == "ok"


@pytest.mark.parametrize("seed", [5, 13, 14, 18, 26])
def test_two_values_per_channel_judged_exact(seed):
    """Two values per channel, +-c, have c**2 as their variance: the input gradient is
    spread * eps * rstd**3, where the difference of terms of order 1 (corrected by the long
    double's 11 more bits) left up to 699 ULP in float64 at these draws (bound 159)."""
    assert _judged(symgrad, (2, 3, 1), True, np.random.default_rng(seed)) == "ok"


def test_the_judge_finds_pytorchs_input_gradient_wrong_on_two_values_per_channel(rng):
    # Normalised, two values are +-d / sqrt(d^2 + eps): their gradient in x is of order eps,
    # which PyTorch's backward forms as a difference of terms of order 1 (6e4 ULP off in
    # float64 here). With more values per channel the same formula is fine.
    assert _judged(torch, (2, 3, 1), True, rng) == "engine-wrong"
    assert _judged(torch, (4, 3), True, rng) == "ok"
