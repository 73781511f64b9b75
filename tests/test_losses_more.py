"""kl_div, poisson_nll_loss, gaussian_nll_loss, margin_ranking_loss, hinge_embedding_loss,
soft_margin_loss, cosine_embedding_loss, triplet_margin_loss and their layers against torch
2.13: values, grad_fn names, gradients to the second order in each reduction and floating dtype,
the deprecated size_average/reduce and kl_div's 'mean' warnings, PyTorch's errors and reprs;
soft_margin_loss's gradient against mpmath."""

from __future__ import annotations

import warnings
from typing import Any

import mpmath
import numpy as np
import pytest
from call_outcomes import shape_outcome

import symgrad

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4))
SIGNS = np.sign(RNG.standard_normal((3, 4)))
PROBS = np.abs(Y) + 0.1
PROBS[0, 0] = 0.0  # a zero probability: its term is 0 (xlogy)
TOL = {"float64": 1e-13, "float32": 2e-6, "float16": 4e-3, "bfloat16": 3e-2}


def numpy_of(t: Any) -> np.ndarray:
    if t is None:
        return np.zeros(())
    if isinstance(t, np.ndarray):
        return t.astype(np.float64)
    t = t.detach()
    if str(t.dtype).endswith("bfloat16"):
        t = t.float()
    return np.asarray(t.numpy(), dtype=np.float64)


def close(a: Any, b: Any, dtype: str) -> None:
    a, b = numpy_of(a), numpy_of(b)
    assert a.shape == b.shape
    top = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL[dtype] * top)


def _t(lib: Any, a: np.ndarray, dtype: str) -> Any:
    return lib.tensor(a, dtype=getattr(lib, dtype))


CASES = {
    "kl_div": (lambda lib, F, a, b, r, d: F.kl_div(a, F.softmax(b, 1), reduction=r), [X, Y]),
    "kl_div log_target": (lambda lib, F, a, b, r, d: F.kl_div(a, b, reduction=r,
                                                              log_target=True), [X, Y]),
    "kl_div zero target": (lambda lib, F, a, r, d: F.kl_div(a, _t(lib, PROBS, d), reduction=r),
                           [X]),
    "poisson_nll_loss": (lambda lib, F, a, b, r, d: F.poisson_nll_loss(a, b.abs() * 3,
                                                                      reduction=r), [X, Y]),
    "poisson_nll_loss full": (lambda lib, F, a, b, r, d: F.poisson_nll_loss(
        a.abs() + 0.1, b.abs() * 3, log_input=False, full=True, reduction=r), [X, Y]),
    "gaussian_nll_loss": (lambda lib, F, a, b, v, r, d: F.gaussian_nll_loss(
        a, b, v.abs() + 0.1, reduction=r), [X, Y, Y[:, 0]]),
    "gaussian_nll_loss full": (lambda lib, F, a, b, v, r, d: F.gaussian_nll_loss(
        a, b, v.abs() + 0.1, full=True, eps=0.2, reduction=r), [X, Y, Y[:, :1]]),
    "margin_ranking_loss": (lambda lib, F, a, b, r, d: F.margin_ranking_loss(
        a, b, _t(lib, SIGNS, d), 0.3, reduction=r), [X, Y]),
    "hinge_embedding_loss": (lambda lib, F, a, r, d: F.hinge_embedding_loss(
        a, _t(lib, SIGNS, d), 0.7, reduction=r), [X]),
    "soft_margin_loss": (lambda lib, F, a, r, d: F.soft_margin_loss(
        a, _t(lib, SIGNS, d), reduction=r), [X]),
    "cosine_embedding_loss": (lambda lib, F, a, b, r, d: F.cosine_embedding_loss(
        a, b, _t(lib, SIGNS[:, 0], d), 0.1, reduction=r), [X, Y]),
    "cosine_embedding_loss 1-d": (lambda lib, F, a, b, r, d: F.cosine_embedding_loss(
        a[0], b[0], _t(lib, -1.0, d), -0.5, reduction=r), [X, Y]),
    "triplet_margin_loss": (lambda lib, F, a, b, c, r, d: F.triplet_margin_loss(
        a, b, c, reduction=r), [X, Y, X / 2 + Y]),
    "triplet_margin_loss swap p=1": (lambda lib, F, a, b, c, r, d: F.triplet_margin_loss(
        a, b, c, 0.5, 1.5, swap=True, reduction=r), [X, Y, X / 2 + Y]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_names_and_gradients_to_second_order(case, reduction, dtype):
    fn, arrays = CASES[case]
    results = []
    for lib in (symgrad, torch):
        xs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib, lib.nn.functional, *xs, reduction, dtype)
        g = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)),
                       dtype=out.dtype)
        first = lib.autograd.grad(out, xs, g, create_graph=True)
        second = lib.autograd.grad((first[0] * first[0]).sum(), xs, allow_unused=True) if (
            first[0].requires_grad) else [None] * len(xs)
        results.append((type(out.grad_fn).__name__, str(out.dtype).split(".")[-1],
                        [out, *first, *second]))
    (name_a, dt_a, va), (name_b, dt_b, vb) = results
    assert (name_a, dt_a) == (name_b, dt_b)
    for k, (p, q) in enumerate(zip(va, vb, strict=True)):
        # a second order of the half types compounds PyTorch's per-step roundings
        close(p, q, dtype if k <= len(arrays) or dtype in ("float64", "float32") else "bfloat16")


@pytest.mark.parametrize(("size_average", "reduce"), [(False, None), (None, False), (True, True)])
@pytest.mark.parametrize("name", ["kl_div", "poisson_nll_loss", "margin_ranking_loss",
                                  "hinge_embedding_loss", "soft_margin_loss",
                                  "cosine_embedding_loss", "triplet_margin_loss"])
def test_deprecated_reduction_arguments_warn_and_reduce_as_pytorchs(name, size_average, reduce):
    args = {"kl_div": 2, "poisson_nll_loss": 2, "margin_ranking_loss": 3,
            "hinge_embedding_loss": 2, "soft_margin_loss": 2, "cosine_embedding_loss": 3,
            "triplet_margin_loss": 3}[name]
    outcomes = []
    for lib in (symgrad, torch):
        data = [lib.tensor(X), lib.tensor(SIGNS)] if args == 2 else [
            lib.tensor(X), lib.tensor(Y), lib.tensor(SIGNS[:, 0] if "cosine" in name else
                                                      SIGNS if "ranking" in name else X / 2)]
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            out = getattr(lib.nn.functional, name)(*data, size_average=size_average,
                                                   reduce=reduce)
        outcomes.append(([str(w.message) for w in seen if w.category is UserWarning],
                         numpy_of(out)))
    assert outcomes[0][0] == outcomes[1][0]
    close(outcomes[0][1], outcomes[1][1], "float64")


def test_kl_div_mean_warns_as_pytorch():
    for lib in (symgrad, torch):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            lib.nn.functional.kl_div(lib.tensor(X), lib.tensor(PROBS))
        assert [str(w.message) for w in seen if w.category is UserWarning] == [
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release."]


@pytest.mark.parametrize("shape", [(3, 4), (4,), ()])
def test_kl_div_batchmean_divides_by_the_batch_size(shape):
    outs = []
    for lib in (symgrad, torch):
        x = lib.tensor(X.reshape(-1)[:int(np.prod(shape))].reshape(shape), requires_grad=True)
        out = lib.nn.functional.kl_div(x, x.detach().exp(), reduction="batchmean")
        (g,) = lib.autograd.grad(out, x)
        outs.append((type(out.grad_fn).__name__, numpy_of(out), numpy_of(g)))
    assert outs[0][0] == outs[1][0]
    close(outs[0][1], outs[1][1], "float64")
    close(outs[0][2], outs[1][2], "float64")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_kl_div_below_the_domain_under_a_zero_gradient(dtype):
    # A negative target makes the loss NaN whatever its value near there: nanmean ignores it,
    # so the gradient in it is 0, as PyTorch's xlogy(t, t) gives (xlogy(0, t) + 0 * t / t);
    # symgrad's entr'(t) * 0 was NaN. Under a nonzero gradient it is NaN in both; the second
    # order is PyTorch's there too (its xlogy's, finite).
    outs = []
    for lib in (symgrad, torch):
        t = lib.tensor([3.0, -0.125, 0.5, -1.0], dtype=getattr(lib, dtype), requires_grad=True)
        x = lib.tensor([1.0, 2.0, 0.3, 1.0], dtype=getattr(lib, dtype), requires_grad=True)
        loss = lib.nn.functional.kl_div(x, t, reduction="none")
        (ignored,) = lib.autograd.grad(lib.nanmean(loss), t, retain_graph=True)
        (first,) = lib.autograd.grad(loss, t, lib.full_like(t, 2.0), create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), t)
        outs.append([numpy_of(a) for a in (ignored, first, second)])
    for ours, theirs in zip(outs[0], outs[1], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=TOL[dtype], equal_nan=True)
    # nanmean: (log t + 1 - x) / 2 in the two positive targets, 0 in the negative ones
    np.testing.assert_allclose(outs[1][0], [(np.log(3.0) + 1 - 1.0) / 2, 0.0,
                                            (np.log(0.5) + 1 - 0.3) / 2, 0.0],
                               rtol=TOL[dtype], atol=TOL[dtype])
    assert np.isnan(outs[0][1][[1, 3]]).all()


ERRORS = {
    "kl_div reduction": lambda lib: lib.nn.functional.kl_div(lib.ones(2), lib.ones(2),
                                                             reduction="bad"),
    "kl_div integers": lambda lib: lib.nn.functional.kl_div(
        lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64), reduction="sum"),
    # either one integral or bool is refused (the fuzzer, seed 28)
    "kl_div integer input": lambda lib: lib.nn.functional.kl_div(
        lib.ones(2, dtype=lib.int64), lib.ones(2), reduction="sum"),
    "kl_div bool target": lambda lib: lib.kl_div(lib.ones(2), lib.tensor([True, False])),
    "kl_div broadcast": lambda lib: lib.nn.functional.kl_div(lib.ones(2, 3), lib.ones(3),
                                                             reduction="sum"),
    "kl_div mixed": lambda lib: lib.nn.functional.kl_div(
        lib.ones(2, 3), lib.ones(2, 3, dtype=lib.float64), reduction="sum"),
    "poisson reduction": lambda lib: lib.nn.functional.poisson_nll_loss(lib.ones(2), lib.ones(2),
                                                                        reduction="x"),
    "gaussian var size": lambda lib: lib.nn.functional.gaussian_nll_loss(
        lib.ones(3, 2), lib.ones(3, 2), lib.ones(3, 3)),
    "gaussian negative float": lambda lib: lib.nn.functional.gaussian_nll_loss(
        lib.ones(3, 2), lib.ones(3, 2), -1.0),
    "gaussian negative tensor": lambda lib: lib.nn.functional.gaussian_nll_loss(
        lib.ones(3, 2), lib.ones(3, 2), -lib.ones(3)),
    "gaussian reduction": lambda lib: lib.nn.functional.gaussian_nll_loss(
        lib.ones(3, 2), lib.ones(3, 2), lib.ones(3), reduction="x"),
    "gaussian float var": lambda lib: lib.nn.functional.gaussian_nll_loss(
        lib.ones(3, 2), lib.zeros(3, 2), 2.0, reduction="none"),
    "gaussian var one dim": lambda lib: lib.nn.functional.gaussian_nll_loss(
        lib.ones(3, 2), lib.zeros(3, 2), lib.ones(1, 2), reduction="none"),
    "ranking dims": lambda lib: lib.nn.functional.margin_ranking_loss(
        lib.ones(3), lib.ones(3), lib.ones(2, 3)),
    "ranking broadcast": lambda lib: lib.nn.functional.margin_ranking_loss(
        lib.ones(3), lib.ones(3), lib.ones(2)),
    "ranking reduction": lambda lib: lib.nn.functional.margin_ranking_loss(
        lib.ones(3), lib.ones(3), lib.ones(3), reduction="x"),
    "hinge odd targets": lambda lib: lib.nn.functional.hinge_embedding_loss(
        lib.ones(3), lib.tensor([1.0, -1.0, 0.0]), reduction="none"),
    "soft margin target grad": lambda lib: lib.nn.functional.soft_margin_loss(
        lib.ones(3), lib.ones(3, requires_grad=True)),
    "soft margin broadcast": lambda lib: lib.nn.functional.soft_margin_loss(lib.ones(3),
                                                                            lib.ones(2)),
    "soft margin one target": lambda lib: lib.nn.functional.soft_margin_loss(lib.ones(3),
                                                                             lib.ones(1)),
    "soft margin integers": lambda lib: lib.nn.functional.soft_margin_loss(
        lib.ones(3, dtype=lib.int64), lib.ones(3, dtype=lib.int64)),
    "soft margin bools": lambda lib: lib.nn.functional.soft_margin_loss(
        lib.ones(3, dtype=lib.bool), lib.ones(3, dtype=lib.bool)),
    "soft margin mixed": lambda lib: lib.nn.functional.soft_margin_loss(
        lib.ones(3, dtype=lib.float64), lib.ones(3)),
    "cosine 2-d target": lambda lib: lib.nn.functional.cosine_embedding_loss(
        lib.ones(3, 2), lib.ones(3, 2), lib.ones(3, 1)),
    "cosine 0-d target": lambda lib: lib.nn.functional.cosine_embedding_loss(
        lib.ones(3, 2), lib.ones(3, 2), lib.ones(())),
    "cosine 1-d target": lambda lib: lib.nn.functional.cosine_embedding_loss(
        lib.ones(2), lib.ones(2), lib.ones(3)),
    "triplet dims": lambda lib: lib.nn.functional.triplet_margin_loss(
        lib.ones(3, 2), lib.ones(3, 2), lib.ones(2)),
    "triplet margin": lambda lib: lib.nn.functional.triplet_margin_loss(
        lib.ones(3, 2), lib.ones(3, 2), lib.ones(3, 2), margin=0),
    "TripletMarginLoss margin": lambda lib: lib.nn.TripletMarginLoss(margin=-1.0),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_and_shapes_as_pytorchs(case):
    theirs = shape_outcome(ERRORS[case], torch)
    theirs = tuple(p.replace("torch.Size", "symgrad.Size") if isinstance(p, str) else p
                   for p in theirs)
    assert shape_outcome(ERRORS[case], symgrad) == theirs


LAYERS = {
    "KLDivLoss": (lambda lib: lib.nn.KLDivLoss(reduction="batchmean", log_target=True), 2),
    "KLDivLoss legacy": (lambda lib: lib.nn.KLDivLoss(size_average=False), 2),
    "PoissonNLLLoss": (lambda lib: lib.nn.PoissonNLLLoss(full=True, reduction="sum"), 2),
    "GaussianNLLLoss": (lambda lib: lib.nn.GaussianNLLLoss(full=True, eps=0.5), 3),
    "MarginRankingLoss": (lambda lib: lib.nn.MarginRankingLoss(0.2), 3),
    "HingeEmbeddingLoss": (lambda lib: lib.nn.HingeEmbeddingLoss(0.5, reduction="none"), 2),
    "SoftMarginLoss": (lambda lib: lib.nn.SoftMarginLoss(reduce=False), 2),
    "CosineEmbeddingLoss": (lambda lib: lib.nn.CosineEmbeddingLoss(margin=0.25), 3),
    "TripletMarginLoss": (lambda lib: lib.nn.TripletMarginLoss(0.5, 1.0, swap=True), 3),
}


@pytest.mark.parametrize("case", sorted(LAYERS))
def test_layers_reprs_options_and_values(case):
    make, args = LAYERS[case]
    results = []
    for lib in (symgrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = make(lib)
            if args == 2:
                data = [lib.tensor(X), lib.tensor(SIGNS if "Margin" in case or "Hinge" in case
                                                  else np.abs(Y))]
            elif "Cosine" in case:
                data = [lib.tensor(X), lib.tensor(Y), lib.tensor(SIGNS[:, 0])]
            elif "Gaussian" in case:
                data = [lib.tensor(X), lib.tensor(Y), lib.tensor(np.abs(Y))]
            else:
                data = [lib.tensor(X), lib.tensor(Y), lib.tensor(SIGNS if "Ranking" in case
                                                                 else X / 2)]
            out = layer(*data)
        options = {k: v for k, v in vars(layer).items()
                   if k in ("reduction", "log_target", "log_input", "full", "eps", "margin",
                            "p", "swap")}
        results.append((repr(layer), options, numpy_of(out)))
    assert results[0][:2] == results[1][:2]
    close(results[0][2], results[1][2], "float64")


def test_soft_margin_loss_gradient_against_mpmath():
    xs, ys = [0.5, -2.0, 3.0, -0.25], [1.0, 1.0, -1.0, -1.0]
    x = symgrad.tensor(xs, dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.nn.functional.soft_margin_loss(
        x, symgrad.tensor(ys, dtype=symgrad.float64)), x)
    with mpmath.workdps(40):
        want = [float(mpmath.diff(lambda v, y=y: mpmath.log1p(mpmath.exp(-y * v)) / 4, v))
                for v, y in zip(xs, ys, strict=True)]
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-15)


def _sum_to(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` summed over the dims a broadcast to it added or stretched from ``shape``."""
    a = a.sum(axis=tuple(range(a.ndim - len(shape))))
    return a.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


@pytest.mark.parametrize("shapes", [((3, 1), (3,)), ((1, 3), (2, 3)), ((0,), (3, 1)),
                                    ((2, 3), (2, 3))])
def test_mse_loss_mean_is_over_the_broadcast_pair(shapes: tuple[tuple[int, ...], ...]) -> None:
    # mean((x_i - y_j)^2) over the broadcast pair's n terms: d/dx = (2 / n) times the
    # differences, summed back to x's shape (a (3, 1) input against a (3,) target has 9
    # terms; symgrad divided by the input's 3: three times PyTorch's gradient and the
    # mathematics'). With no term the gradients are empty (symgrad divided by zero).
    rng = np.random.default_rng(len(shapes[0]) + 10 * len(shapes[1]))
    x, y = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    a = symgrad.tensor(x, requires_grad=True)
    b = symgrad.tensor(y, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcast's warning
        symgrad.nn.functional.mse_loss(a, b).backward()
    d = x - y
    scale = 2 / d.size if d.size else 0.0
    np.testing.assert_allclose(a.grad.numpy(), _sum_to(scale * d, x.shape), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), _sum_to(-scale * d, y.shape), rtol=1e-12)
