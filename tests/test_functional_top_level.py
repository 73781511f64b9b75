"""PyTorch's top-level forms of nn.functional's functions (symgrad/ops/functional_top_level.py)
against PyTorch 2.13: values, dtypes, grad_fn names, random draws under one seed, gradients to
the second order, and errors (class and message)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from call_outcomes import assert_two_orders_agree, raised

import symgrad

torch = pytest.importorskip("torch")


def _flat(out):
    return out if isinstance(out, tuple) else (out,)


def _same(a, b) -> None:
    """One result of each library: equal values, dtypes, shapes, requires_grad, grad_fn names."""
    assert type(a) is tuple and type(b) is tuple or not isinstance(a, tuple)
    a, b = _flat(a), _flat(b)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
        assert tuple(x.shape) == tuple(y.shape)
        rtol = 2e-6 if "32" in str(x.dtype) else 1e-12
        np.testing.assert_allclose(np.asarray(x.detach().tolist(), dtype=float),
                                   np.asarray(y.detach().tolist(), dtype=float),
                                   rtol=rtol, atol=1e-7 if "32" in str(x.dtype) else 1e-14)
        assert x.requires_grad == y.requires_grad
        assert type(x.grad_fn).__name__ == type(y.grad_fn).__name__


A = [[[0.5, -1.25, 2.0, 0.0], [1.5, 0.25, -0.75, 3.0], [-2.0, 0.5, 1.0, -0.5]],
     [[0.75, 1.25, -1.5, 2.5], [0.0, -0.25, 0.5, -3.0], [1.0, 2.0, -1.0, 0.25]]]


def _x(lib, dtype="float32", values=A):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)


def _v(lib, values, dtype="float32"):
    return lib.tensor(values, dtype=getattr(lib, dtype))


CALLS = {
    "dropout eval": lambda lib: lib.dropout(_x(lib), 0.3, False),
    "dropout p0": lambda lib: lib.dropout(_x(lib), 0.0, True),
    "dropout p1": lambda lib: lib.dropout(_x(lib), 1.0, True),
    "dropout_ eval": lambda lib: lib.dropout_(_x(lib) * 1, 0.3, False),
    "alpha_dropout eval": lambda lib: lib.alpha_dropout(_x(lib), 0.3, False),
    "feature_dropout eval": lambda lib: lib.feature_dropout(_x(lib), 0.3, False),
    "layer_norm": lambda lib: lib.layer_norm(_x(lib), [4]),
    "layer_norm affine": lambda lib: lib.layer_norm(
        _x(lib), [3, 4], _v(lib, 1.5) * lib.ones(3, 4), lib.ones(3, 4) * 0.5, 1e-3, False),
    "batch_norm train": lambda lib: lib.batch_norm(
        _x(lib), None, None, None, None, True, 0.1, 1e-5, False),
    "batch_norm one per channel": lambda lib: lib.batch_norm(
        _x(lib)[:1, :, 0], None, None, None, None, True, 0.1, 1e-5, False),
    "batch_norm eval": lambda lib: lib.batch_norm(
        _x(lib), _v(lib, [1.0, 2.0, 0.5]), _v(lib, [0.5, -1.0, 0.0]),
        _v(lib, [0.1, 0.2, 0.3]), _v(lib, [1.0, 2.0, 3.0]), False, 0.1, 1e-5, True),
    "group_norm": lambda lib: lib.group_norm(_x(lib), 3),
    "group_norm one per group": lambda lib: lib.group_norm(_x(lib)[:1, :, 0], 3),
    "group_norm affine": lambda lib: lib.group_norm(
        _x(lib), 1, _v(lib, [1.0, 2.0, 0.5]), _v(lib, [0.5, -1.0, 0.0]), 1e-3),
    "instance_norm": lambda lib: lib.instance_norm(
        _x(lib), None, None, None, None, True, 0.1, 1e-5, False),
    # (eps 0.25: 1 / sqrt(eps) exact, so that PyTorch's kernel's x * a - mean * a is exact too)
    "instance_norm one spatial": lambda lib: lib.instance_norm(
        _x(lib)[:, :, :1], None, None, None, None, True, 0.1, 0.25, False),
    "rms_norm": lambda lib: lib.rms_norm(_x(lib), [4]),
    "rms_norm weight": lambda lib: lib.rms_norm(_x(lib), [3, 4], lib.ones(3, 4) * 2, 1e-3),
    "embedding": lambda lib: lib.embedding(_x(lib).reshape(6, 4), lib.tensor([[0, 5], [2, 2]])),
    "embedding padding": lambda lib: lib.embedding(_x(lib).reshape(6, 4), lib.tensor([0, 5]), 5),
    "kl_div": lambda lib: lib.kl_div(_x(lib), _x(lib).detach().abs()),
    "kl_div mean": lambda lib: lib.kl_div(_x(lib), _x(lib).detach().abs(), 1),
    "kl_div sum": lambda lib: lib.kl_div(_x(lib), _x(lib).detach().abs(), 2),
    "kl_div none": lambda lib: lib.kl_div(_x(lib), _x(lib).detach(), 0, log_target=True),
    "kl_div other int": lambda lib: lib.kl_div(_x(lib), _x(lib).detach().abs(), 7),
    "bilinear": lambda lib: lib.bilinear(_x(lib)[0], _x(lib)[1], _x(lib).reshape(-1)[:16]
                                         .reshape(1, 4, 4), _v(lib, [0.5])),
    "bilinear no bias": lambda lib: lib.bilinear(_x(lib)[0], _x(lib)[1].detach(),
                                                 -_x(lib).reshape(-1)[8:].reshape(1, 4, 4)),
    "cosine_embedding_loss": lambda lib: lib.cosine_embedding_loss(
        _x(lib)[0], _x(lib)[1], lib.tensor([1, -1, 1])),
    "cosine_embedding_loss none": lambda lib: lib.cosine_embedding_loss(
        _x(lib)[0], _x(lib)[1], lib.tensor([1, -1, -1]), 0.1, 0),
    "hinge_embedding_loss": lambda lib: lib.hinge_embedding_loss(
        _x(lib), lib.ones(2, 3, 4) - 2 * (lib.arange(24).reshape(2, 3, 4) % 2)),
    "hinge_embedding_loss mean": lambda lib: lib.hinge_embedding_loss(
        _x(lib), lib.ones(2, 3, 4) - 2 * (lib.arange(24).reshape(2, 3, 4) % 2), 0.5, 1),
    "hinge_embedding_loss sum": lambda lib: lib.hinge_embedding_loss(
        _x(lib), lib.ones(2, 3, 4) - 2 * (lib.arange(24).reshape(2, 3, 4) % 2), 0.5, 2),
    "margin_ranking_loss": lambda lib: lib.margin_ranking_loss(
        _x(lib)[0, 0], _x(lib)[1, 0], _v(lib, [1.0, -1.0, 1.0, -1.0])),
    "margin_ranking_loss broadcast ranks": lambda lib: lib.margin_ranking_loss(
        _x(lib)[0, 0], _x(lib)[1, 0], _v(lib, [[1.0, -1.0, 1.0, -1.0]]), 0.25, 0),
    "poisson_nll_loss": lambda lib: lib.poisson_nll_loss(
        _x(lib), _x(lib).detach().abs(), True, False, 1e-8, 1),
    "poisson_nll_loss full": lambda lib: lib.poisson_nll_loss(
        _x(lib).abs() + 0.5, _x(lib).detach().abs() * 2, False, True, 1e-8, 2),
    "triplet_margin_loss": lambda lib: lib.triplet_margin_loss(_x(lib)[0], _x(lib)[1],
                                                               _x(lib)[0].flip(0)),
    "triplet_margin_loss swap": lambda lib: lib.triplet_margin_loss(
        _x(lib)[0], _x(lib)[1], _x(lib)[0].flip(0), 0.5, 1.0, 1e-6, True, 0),
    "triplet_margin_loss margin": lambda lib: lib.triplet_margin_loss(
        _x(lib)[0], _x(lib)[1], _x(lib)[0].flip(0), -1.0),
    "max_pool3d": lambda lib: lib.max_pool3d(_x(lib).reshape(1, 1, 2, 3, 4), 2),
    "max_pool3d stride": lambda lib: lib.max_pool3d(_x(lib).reshape(1, 2, 3, 4), [1, 2, 2],
                                                    [1, 1, 2], [0, 1, 1], 1, True),
    "adaptive_max_pool1d": lambda lib: lib.adaptive_max_pool1d(_x(lib), 3),
    "adaptive_max_pool1d 2-d": lambda lib: lib.adaptive_max_pool1d(_x(lib)[0], (2,)),
    "max_pool1d_with_indices": lambda lib: lib.max_pool1d_with_indices(_x(lib), 2),
    "max_pool1d_with_indices all": lambda lib: lib.max_pool1d_with_indices(
        _x(lib)[0], 2, 1, 1, 2, True),
    "rrelu eval": lambda lib: lib.rrelu(_x(lib)),
    "rrelu eval bounds": lambda lib: lib.rrelu(_x(lib, "float64"), 0.2, 0.4),
    "rrelu_ eval": lambda lib: lib.rrelu_(_x(lib) * 1, 0.2, 0.4),
    "channel_shuffle": lambda lib: lib.channel_shuffle(_x(lib).reshape(1, 6, 4), 3),
    "constant_pad_nd": lambda lib: lib.constant_pad_nd(_x(lib), [1, 2]),
    "constant_pad_nd value": lambda lib: lib.constant_pad_nd(_x(lib), (1, 0, -1, 1), 3.5),
    "constant_pad_nd int": lambda lib: lib.constant_pad_nd(lib.tensor([1, 2]), [1, 1], 2.5),
    "frobenius_norm": lambda lib: lib.frobenius_norm(_x(lib), [0, 1]),
    "frobenius_norm int dim": lambda lib: lib.frobenius_norm(_x(lib), -1),
    "frobenius_norm keepdim": lambda lib: lib.frobenius_norm(_x(lib), (1,), True),
    "frobenius_norm all": lambda lib: lib.frobenius_norm(_x(lib, "float64"), []),
    "nuclear_norm": lambda lib: lib.nuclear_norm(_x(lib)[0]),
    "nuclear_norm batch": lambda lib: lib.nuclear_norm(_x(lib, "float64")),
    "nuclear_norm dims": lambda lib: lib.nuclear_norm(_x(lib), (0, 2)),
    "nuclear_norm keepdim": lambda lib: lib.nuclear_norm(_x(lib), True),
    "nuclear_norm dims keepdim": lambda lib: lib.nuclear_norm(_x(lib), (2, 0), keepdim=True),
}


@pytest.mark.parametrize("name", CALLS)
def test_values_dtypes_and_nodes_are_pytorchs(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # frobenius_norm's and nuclear_norm's deprecations
        _same(CALLS[name](symgrad), CALLS[name](torch))


def test_dropout_returns_its_input_where_nothing_is_dropped() -> None:
    for lib in (symgrad, torch):
        x = _x(lib)
        assert lib.dropout(x, 0.5, False) is x and lib.dropout(x, 0.0, True) is x
        assert lib.feature_alpha_dropout(x, 0.5, False) is x
        y = x * 1
        assert lib.dropout_(y, 0.5, True) is y and lib.alpha_dropout_(y, 0.5, True) is y


# Draws from the random stream: the same values under one seed, the stream left where
# PyTorch leaves it (the draw after agrees too).
RANDOM = {
    "dropout": lambda lib: lib.dropout(_x(lib), 0.4, True),
    "dropout float64": lambda lib: lib.dropout(_x(lib, "float64"), 0.7, True),
    "dropout_": lambda lib: lib.dropout_(_x(lib) * 1, 0.4, True),
    "alpha_dropout": lambda lib: lib.alpha_dropout(_x(lib), 0.4, True),
    "alpha_dropout_": lambda lib: lib.alpha_dropout_(_x(lib) * 1, 0.4, True),
    "feature_dropout": lambda lib: lib.feature_dropout(_x(lib), 0.5, True),
    "feature_dropout_": lambda lib: lib.feature_dropout_(_x(lib) * 1, 0.5, True),
    "feature_alpha_dropout": lambda lib: lib.feature_alpha_dropout(_x(lib), 0.5, True),
    "feature_alpha_dropout_": lambda lib: lib.feature_alpha_dropout_(_x(lib) * 1, 0.5, True),
    "rrelu": lambda lib: lib.rrelu(_x(lib), 0.1, 0.3, True),
    "rrelu float64": lambda lib: lib.rrelu(_x(lib, "float64"), 0.1, 0.3, True),
    "rrelu_": lambda lib: lib.rrelu_(_x(lib) * 1, 0.1, 0.3, True),
}


@pytest.mark.parametrize("name", RANDOM)
def test_random_draws_are_pytorchs_under_one_seed(name: str) -> None:
    outs = []
    for lib in (symgrad, torch):
        lib.manual_seed(1234)
        outs.append((RANDOM[name](lib), lib.rand(3)))
    _same(outs[0][0], outs[1][0])
    _same(outs[0][1], outs[1][1])


def test_rrelu_draws_from_the_generator_given() -> None:
    outs = []
    for lib in (symgrad, torch):
        lib.manual_seed(0)
        g = lib.Generator().manual_seed(7)
        outs.append((lib.rrelu(_x(lib), 0.1, 0.3, True, g), lib.rand(2)))
    _same(outs[0][0], outs[1][0])
    _same(outs[0][1], outs[1][1])


def test_batch_norm_moves_the_running_statistics_as_pytorch() -> None:
    stats = []
    for lib in (symgrad, torch):
        mean, var = lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
        lib.batch_norm(_x(lib, "float64"), None, None, mean, var, True, 0.3, 1e-5, False)
        lib.instance_norm(_x(lib, "float64"), None, None, mean, var, True, 0.2, 1e-5, False)
        stats.append((mean.tolist(), var.tolist()))
    np.testing.assert_allclose(stats[0], stats[1], rtol=1e-14)


def test_deprecated_norms_warn_as_pytorch() -> None:
    # once per process in both (TORCH_WARN_ONCE): each library's first call may warn, so the
    # message is compared where it is given
    for name, call in (("frobenius_norm", lambda lib: lib.frobenius_norm(_x(lib), [1])),
                       ("nuclear_norm", lambda lib: lib.nuclear_norm(_x(lib)))):
        messages = []
        for lib in (symgrad, torch):
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                call(lib)
            messages.append([str(w.message).split(" (Triggered")[0] for w in seen])
        if messages[0] and messages[1]:
            assert messages[0] == messages[1], name


GRADIENTS = {
    "layer_norm": lambda lib, x, v: lib.layer_norm(x * v, [4]),
    "batch_norm": lambda lib, x, v: lib.batch_norm(x * v, None, None, None, None, True, 0.1,
                                                   1e-5, False),
    "group_norm": lambda lib, x, v: lib.group_norm(x, 3, v.expand(3), v.expand(3) * 2),
    "instance_norm": lambda lib, x, v: lib.instance_norm(x * v, None, None, None, None, True,
                                                         0.1, 1e-5, False),
    "rms_norm": lambda lib, x, v: lib.rms_norm(x, [4], v.expand(4)),
    "embedding": lambda lib, x, v: lib.embedding(x.reshape(6, 4) * v,
                                                 lib.tensor([0, 5, 2, 0]), 2),
    "kl_div": lambda lib, x, v: lib.kl_div(x * v, x.detach().abs(), 2),
    "bilinear": lambda lib, x, v: lib.bilinear(x[0] * v, x[1], x.reshape(-1)[:16].reshape(
        1, 4, 4)),
    "cosine_embedding_loss": lambda lib, x, v: lib.cosine_embedding_loss(
        x[0] * v, x[1], lib.tensor([1, -1, 1]), -0.5),
    "hinge_embedding_loss": lambda lib, x, v: lib.hinge_embedding_loss(
        x * v, lib.ones(2, 3, 4) - 2 * (lib.arange(24).reshape(2, 3, 4) % 2), 1.5),
    "margin_ranking_loss": lambda lib, x, v: lib.margin_ranking_loss(
        x[0, 0] * v, x[1, 0], lib.tensor([1.0, -1.0, 1.0, -1.0], dtype=lib.float64), 0.3),
    "poisson_nll_loss": lambda lib, x, v: lib.poisson_nll_loss(
        x * v, x.detach().abs(), True, True, 1e-8, 1),
    "triplet_margin_loss": lambda lib, x, v: lib.triplet_margin_loss(
        x[0] * v, x[1], x[0].flip(0), 2.0, 2, 1e-6, True),
    "max_pool3d": lambda lib, x, v: lib.max_pool3d((x * v).reshape(1, 2, 3, 4), 2, 1),
    "adaptive_max_pool1d": lambda lib, x, v: lib.adaptive_max_pool1d(x * v * x, 3)[0],
    "max_pool1d_with_indices": lambda lib, x, v: lib.max_pool1d_with_indices(x * v * x, 2)[0],
    "rrelu": lambda lib, x, v: lib.rrelu(x * v, 0.2, 0.4),
    "channel_shuffle": lambda lib, x, v: lib.channel_shuffle((x * v * x).reshape(1, 6, 4), 2),
    "constant_pad_nd": lambda lib, x, v: lib.constant_pad_nd(x * v * x, [1, -1, 0, 2], 2.0),
    "frobenius_norm": lambda lib, x, v: lib.frobenius_norm(x * v, [0, 2]),
    "nuclear_norm": lambda lib, x, v: lib.nuclear_norm(x * v, (0, 2), True),
}


@pytest.mark.parametrize("name", GRADIENTS)
def test_first_and_second_order_gradients_are_pytorchs(name: str) -> None:
    assert_two_orders_agree(GRADIENTS[name], A, (symgrad, torch), rtol=1e-10, atol=1e-12)


ERRORS = {
    "dropout p": lambda lib: lib.dropout(_x(lib), 1.5, True),
    "dropout p eval": lambda lib: lib.dropout(_x(lib), -0.1, False),
    "dropout p digits": lambda lib: lib.dropout(_x(lib), 1.23456789, False),
    "alpha_dropout p": lambda lib: lib.alpha_dropout(_x(lib), 2.0, False),
    "feature_dropout p": lambda lib: lib.feature_dropout_(_x(lib), -1.0, True),
    "dropout int": lambda lib: lib.dropout(lib.tensor([1, 2]), 0.5, True),
    "dropout_ leaf": lambda lib: lib.dropout_(_x(lib), 0.5, True),
    "feature_dropout 1-d": lambda lib: lib.feature_dropout(_x(lib)[0, 0], 0.5, True),
    "feature_alpha_dropout 1-d": lambda lib: lib.feature_alpha_dropout(_x(lib)[0, 0], 0.5, True),
    "dropout not tensor": lambda lib: lib.dropout([1.0], 0.5, True),
    "alpha_dropout_ not tensor": lambda lib: lib.alpha_dropout_(2.5, 0.5, True),
    "layer_norm not tensor": lambda lib: lib.layer_norm(2.5, [1]),
    "layer_norm weight not tensor": lambda lib: lib.layer_norm(lib.ones(2), [2], 2.5),
    "batch_norm stats not tensor": lambda lib: lib.batch_norm(lib.ones(2, 2), None, None, 0.0,
                                                              None, True, 0.1, 1e-5, False),
    "group_norm bias not tensor": lambda lib: lib.group_norm(lib.ones(2, 2), 1, None, [1.0]),
    "bilinear bias not tensor": lambda lib: lib.bilinear(lib.ones(2, 3), lib.ones(2, 3),
                                                         lib.ones(1, 3, 3), 0.5),
    "batch_norm not tensor": lambda lib: lib.batch_norm(None, None, None, None, None, True,
                                                        0.1, 1e-5, False),
    "instance_norm not tensor": lambda lib: lib.instance_norm(2, None, None, None, None, True,
                                                              0.1, 1e-5, False),
    "rms_norm not tensor": lambda lib: lib.rms_norm(2.5, [1]),
    "embedding indices not tensor": lambda lib: lib.embedding(lib.ones(5, 2), [0, 1]),
    "bilinear not tensor": lambda lib: lib.bilinear(lib.ones(2, 3), 2.5, lib.ones(1, 3, 3)),
    "cosine_embedding_loss not tensor": lambda lib: lib.cosine_embedding_loss(
        lib.ones(2, 3), lib.ones(2, 3), 1),
    "poisson_nll_loss not tensor": lambda lib: lib.poisson_nll_loss(
        lib.ones(3), 1.0, True, False, 1e-8, 1),
    "max_pool3d not tensor": lambda lib: lib.max_pool3d(2.5, 2),
    "constant_pad_nd not tensor": lambda lib: lib.constant_pad_nd([1.0], [1, 1]),
    "nuclear_norm not tensor": lambda lib: lib.nuclear_norm(2.5),
    "layer_norm shape": lambda lib: lib.layer_norm(_x(lib), [3]),
    "batch_norm eval no stats": lambda lib: lib.batch_norm(_x(lib), None, None, None, None,
                                                           False, 0.1, 1e-5, False),
    "batch_norm weight size": lambda lib: lib.batch_norm(_x(lib), lib.ones(2), None, None,
                                                         None, True, 0.1, 1e-5, False),
    "group_norm groups": lambda lib: lib.group_norm(_x(lib), 2),
    "group_norm 1-d": lambda lib: lib.group_norm(_x(lib)[0, 0], 1),
    "group_norm 0-d": lambda lib: lib.group_norm(_x(lib)[0, 0, 0], 1),
    "instance_norm no stats": lambda lib: lib.instance_norm(_x(lib), None, None, None, None,
                                                            False, 0.1, 1e-5, False),
    "rms_norm empty shape": lambda lib: lib.rms_norm(_x(lib), []),
    "embedding index": lambda lib: lib.embedding(lib.ones(5, 2), lib.tensor([0, 5])),
    "embedding float indices": lambda lib: lib.embedding(lib.ones(5, 2), lib.tensor([0.0])),
    "kl_div ints": lambda lib: lib.kl_div(lib.tensor([1, 2]), lib.tensor([1, 2])),
    "kl_div reduction str": lambda lib: lib.kl_div(_x(lib), _x(lib), "mean"),
    "bilinear sizes": lambda lib: lib.bilinear(lib.ones(2, 3), lib.ones(2, 4),
                                               lib.ones(5, 3, 5)),
    "cosine_embedding_loss target": lambda lib: lib.cosine_embedding_loss(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 1)),
    "hinge_embedding_loss reduction": lambda lib: lib.hinge_embedding_loss(
        lib.ones(3), lib.ones(3), 1.0, "sum"),
    "margin_ranking_loss shapes": lambda lib: lib.margin_ranking_loss(
        lib.ones(3), lib.ones(2), lib.ones(3)),
    "poisson_nll_loss reduction": lambda lib: lib.poisson_nll_loss(
        lib.ones(3), lib.ones(3), True, False, 1e-8, "mean"),
    "triplet_margin_loss ranks": lambda lib: lib.triplet_margin_loss(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(3)),
    "max_pool3d 3-d": lambda lib: lib.max_pool3d(lib.ones(4, 4, 4), 2),
    "adaptive_max_pool1d 1-d": lambda lib: lib.adaptive_max_pool1d(lib.ones(5), 2),
    "adaptive_max_pool1d size": lambda lib: lib.adaptive_max_pool1d(lib.ones(2, 5), (3, 2)),
    "max_pool1d_with_indices 1-d": lambda lib: lib.max_pool1d_with_indices(lib.ones(5), 2),
    "rrelu bounds": lambda lib: lib.rrelu(lib.ones(3), 0.5, 0.1),
    "rrelu int": lambda lib: lib.rrelu(lib.tensor([1, 2]), 0.1, 0.3, True),
    "channel_shuffle groups": lambda lib: lib.channel_shuffle(lib.ones(2, 3, 4), 2),
    "channel_shuffle 2-d": lambda lib: lib.channel_shuffle(lib.ones(2, 4), 2),
    "constant_pad_nd odd": lambda lib: lib.constant_pad_nd(lib.ones(2, 3), [1, 2, 3]),
    "constant_pad_nd long": lambda lib: lib.constant_pad_nd(lib.ones(2), [1, 1, 1, 1]),
    "constant_pad_nd negative size": lambda lib: lib.constant_pad_nd(lib.ones(2, 4),
                                                                     [-3, -2]),
    "constant_pad_nd negative before": lambda lib: lib.constant_pad_nd(lib.ones(2, 4),
                                                                       [-5, 2]),
    "constant_pad_nd negative after": lambda lib: lib.constant_pad_nd(lib.ones(2, 4),
                                                                      [0, 0, 1, -3]),
    "frobenius_norm dims": lambda lib: lib.frobenius_norm(lib.ones(2, 2, 2), [0, 1, 2]),
    "frobenius_norm int": lambda lib: lib.frobenius_norm(lib.tensor([1, 2]), [0]),
    "nuclear_norm 1-d": lambda lib: lib.nuclear_norm(lib.ones(3)),
    "nuclear_norm int": lambda lib: lib.nuclear_norm(lib.tensor([[1, 2], [3, 4]])),
    "nuclear_norm half": lambda lib: lib.nuclear_norm(lib.ones(2, 2, dtype=lib.float16)),
    "nuclear_norm dims": lambda lib: lib.nuclear_norm(lib.ones(2, 2, 2), (0, 1, 2)),
    "nuclear_norm same dims": lambda lib: lib.nuclear_norm(lib.ones(2, 2, 2), (1, 1)),
    "nuclear_norm one dim": lambda lib: lib.nuclear_norm(lib.ones(2, 2, 2), (0,)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error, message = raised(ERRORS[name], symgrad)
        # (symgrad's messages name symgrad's tensor types where PyTorch's name torch's)
        assert (error, message.replace("symgrad.", "torch.")) == raised(ERRORS[name], torch)
