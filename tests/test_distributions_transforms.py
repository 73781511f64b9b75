"""``symgrad.distributions``' transforms, ``TransformedDistribution`` and the distributions
built on them or on ``cauchy_``, ``uniform_``, ``poisson`` and ``binomial`` (``LogNormal``,
``HalfNormal``, ``Cauchy``, ``HalfCauchy``, ``Gumbel``, ``Geometric``, ``Poisson``,
``Binomial``, ``Multinomial``, ``RelaxedBernoulli``, ``RelaxedOneHotCategorical``,
``MixtureSameFamily``) against ``torch.distributions`` (PyTorch 2.13): samples after one seed,
values and gradients, KL pairs, validation errors, transforms' inverses and log-determinants,
``biject_to`` / ``transform_to``. Every expected value is PyTorch's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.distributions as TD  # noqa: E402
import torch.distributions.transforms as TT  # noqa: E402

import symgrad  # noqa: E402
import symgrad.distributions as SD  # noqa: E402
import symgrad.distributions.transforms as ST  # noqa: E402

LIBS = ((torch, TD), (symgrad, SD))
DTYPES = ("float32", "float64")
RNG = np.random.default_rng(99)
LOC = RNG.normal(size=(2, 3))
SCALE = RNG.uniform(0.5, 2.0, size=(2, 3))
PROBS = RNG.uniform(0.05, 0.95, size=(2, 3))
RATE = np.array([[0.3, 4.0, 9.5], [10.0, 25.0, 300.0]])
COUNT = np.array([[0.0, 5.0, 40.0], [7.0, 100.0, 1000.0]])
WEIGHTS = RNG.uniform(0.1, 1.0, size=(2, 4))
OTHER = [False]  # build the second distribution of a KL pair from other numbers


def _np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t._data)


def _same(a: Any, b: Any, exact: bool = True) -> None:
    """Equal shapes, dtypes and bits (``exact``), or values within 16 ULP of the larger
    magnitude (about 2e-6 in float32, 4e-15 in float64): symgrad's elementwise log, exp, log1p,
    lgamma are NumPy's, PyTorch's its vectorised ones, which differ in the last bit."""
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    x, y = _np(a), _np(b)
    if exact:
        np.testing.assert_array_equal(x, y)
        return
    eps = np.finfo(x.dtype).eps if x.dtype.kind == "f" else 0
    finite = np.isfinite(x)
    np.testing.assert_array_equal(finite, np.isfinite(y))
    np.testing.assert_array_equal(x[~finite], y[~finite])
    scale = max(1.0, float(np.abs(x[finite]).max())) if finite.any() else 1.0
    np.testing.assert_allclose(y[finite], x[finite], rtol=16 * eps, atol=16 * eps * scale)


def _leaf(lib: Any, x: Any, dtype: str) -> Any:
    if OTHER[0]:
        x = 0.8 * x + 0.05
    return lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)


def _const(lib: Any, x: Any, dtype: str) -> Any:
    return lib.tensor(x, dtype=getattr(lib, dtype))


# name -> build(lib, D, dtype) -> (distribution, leaves)
def _loc_scale(cls: str) -> Callable[..., Any]:
    def build(lib: Any, D: Any, dtype: str) -> Any:
        loc, scale = _leaf(lib, LOC, dtype), _leaf(lib, SCALE, dtype)
        return getattr(D, cls)(loc, scale), (loc, scale)
    return build


def _scale_only(cls: str) -> Callable[..., Any]:
    def build(lib: Any, D: Any, dtype: str) -> Any:
        scale = _leaf(lib, SCALE, dtype)
        return getattr(D, cls)(scale), (scale,)
    return build


def _geometric(key: str) -> Callable[..., Any]:
    def build(lib: Any, D: Any, dtype: str) -> Any:
        p = _leaf(lib, PROBS if key == "probs" else LOC, dtype)
        return D.Geometric(**{key: p}), (p,)
    return build


def _poisson(lib: Any, D: Any, dtype: str) -> Any:
    rate = _leaf(lib, RATE, dtype)
    return D.Poisson(rate), (rate,)


def _binomial(key: str) -> Callable[..., Any]:
    def build(lib: Any, D: Any, dtype: str) -> Any:
        p = _leaf(lib, PROBS if key == "probs" else LOC, dtype)
        return D.Binomial(_const(lib, COUNT, dtype), **{key: p}), (p,)
    return build


def _binomial_homogeneous(lib: Any, D: Any, dtype: str) -> Any:
    p = _leaf(lib, PROBS, dtype)
    return D.Binomial(12, p), (p,)


def _multinomial(lib: Any, D: Any, dtype: str) -> Any:
    p = _leaf(lib, WEIGHTS, dtype)
    return D.Multinomial(9, p), (p,)


def _relaxed_bernoulli(lib: Any, D: Any, dtype: str) -> Any:
    t, p = _leaf(lib, 0.7, dtype), _leaf(lib, PROBS, dtype)
    return D.RelaxedBernoulli(t, probs=p), (t, p)


def _relaxed_categorical(lib: Any, D: Any, dtype: str) -> Any:
    t, logits = _leaf(lib, 0.7, dtype), _leaf(lib, np.log(WEIGHTS), dtype)
    return D.RelaxedOneHotCategorical(t, logits=logits), (t, logits)


def _mixture(lib: Any, D: Any, dtype: str) -> Any:
    w, loc, scale = _leaf(lib, WEIGHTS[:, :3], dtype), _leaf(lib, LOC, dtype), _leaf(
        lib, SCALE, dtype)
    return D.MixtureSameFamily(D.Categorical(probs=w), D.Normal(loc, scale)), (w, loc, scale)


def _mixture_of_vectors(lib: Any, D: Any, dtype: str) -> Any:
    w, loc = _leaf(lib, WEIGHTS[0, :2], dtype), _leaf(lib, LOC, dtype)
    comp = D.Independent(D.Normal(loc, _const(lib, SCALE, dtype)), 1)
    return D.MixtureSameFamily(D.Categorical(probs=w), comp), (w, loc)


def _transformed(lib: Any, D: Any, dtype: str) -> Any:
    loc, scale = _leaf(lib, LOC, dtype), _leaf(lib, SCALE, dtype)
    T = TT if lib is torch else ST
    ts = [T.AffineTransform(loc, scale), T.SigmoidTransform(), T.AffineTransform(-1.0, 3.0)]
    return D.TransformedDistribution(D.Normal(_const(lib, LOC * 0, dtype), 1.0), ts), (loc,
                                                                                      scale)


def _logistic_decreasing(lib: Any, D: Any, dtype: str) -> Any:
    scale = _leaf(lib, SCALE, dtype)
    T = TT if lib is torch else ST
    ts = [T.SigmoidTransform().inv, T.AffineTransform(0.0, -scale)]
    low, high = _const(lib, np.zeros((2, 3)), dtype), _const(lib, np.ones((2, 3)), dtype)
    return D.TransformedDistribution(D.Uniform(low, high), ts), (scale,)


def _continuous(lib: Any, dtype: str) -> Any:
    return _const(lib, LOC + 0.3 * SCALE, dtype)


def _positive(lib: Any, dtype: str) -> Any:
    return _const(lib, np.abs(LOC) + 0.1, dtype)


def _counts(lib: Any, dtype: str) -> Any:
    return _const(lib, [[0.0, 3.0, 12.0], [1.0, 20.0, 290.0]], dtype)


def _binomial_counts(lib: Any, dtype: str) -> Any:
    return _const(lib, [[0.0, 3.0, 12.0], [1.0, 20.0, 700.0]], dtype)


def _few(lib: Any, dtype: str) -> Any:
    return _const(lib, [[0.0, 3.0, 12.0], [1.0, 5.0, 9.0]], dtype)


def _multinomial_counts(lib: Any, dtype: str) -> Any:
    return _const(lib, [[2.0, 0.0, 4.0, 3.0], [9.0, 0.0, 0.0, 0.0]], dtype)


def _unit(lib: Any, dtype: str) -> Any:
    return _const(lib, PROBS * 0.9 + 0.02, dtype)


def _simplex(lib: Any, dtype: str) -> Any:
    return _const(lib, WEIGHTS / WEIGHTS.sum(-1, keepdims=True), dtype)


def _mixture_value(lib: Any, dtype: str) -> Any:
    return _const(lib, [[0.3], [-1.2]], dtype)


def _vector_value(lib: Any, dtype: str) -> Any:
    return _const(lib, [[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]], dtype)


def _inside_transformed(lib: Any, dtype: str) -> Any:
    return _const(lib, PROBS * 2.8 - 0.9, dtype)


# name -> (build, value, has cdf/icdf, samples bit for bit)
CASES: dict[str, tuple[Callable, Callable, bool, bool]] = {
    "Cauchy": (_loc_scale("Cauchy"), _continuous, True, True),
    "LogNormal": (_loc_scale("LogNormal"), _positive, True, False),
    "Gumbel": (_loc_scale("Gumbel"), _continuous, True, False),
    "HalfNormal": (_scale_only("HalfNormal"), _positive, True, True),
    "HalfCauchy": (_scale_only("HalfCauchy"), _positive, True, True),
    "Geometric(probs)": (_geometric("probs"), _counts, False, True),
    "Geometric(logits)": (_geometric("logits"), _counts, False, False),
    "Poisson": (_poisson, _counts, False, True),
    "Binomial(probs)": (_binomial("probs"), _few, False, True),
    "Binomial(logits)": (_binomial("logits"), _few, False, True),
    "Binomial(12)": (_binomial_homogeneous, _few, False, True),
    "Multinomial": (_multinomial, _multinomial_counts, False, True),
    "RelaxedBernoulli": (_relaxed_bernoulli, _unit, False, False),
    "RelaxedOneHotCategorical": (_relaxed_categorical, _simplex, False, False),
    "MixtureSameFamily": (_mixture, _mixture_value, True, True),
    "MixtureSameFamily(vectors)": (_mixture_of_vectors, _vector_value, False, True),
    "TransformedDistribution": (_transformed, _inside_transformed, True, False),
    "TransformedDistribution(decreasing)": (_logistic_decreasing, _continuous, True, False),
}
NO_ENTROPY = ("Poisson", "Binomial(probs)", "Binomial(logits)", "RelaxedBernoulli",
              "RelaxedOneHotCategorical", "MixtureSameFamily", "MixtureSameFamily(vectors)",
              "TransformedDistribution", "TransformedDistribution(decreasing)")
NO_ICDF = ("MixtureSameFamily", "TransformedDistribution(decreasing)")


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 17)])
def test_samples_are_torchs(name: str, dtype: str, sample_shape: tuple[int, ...]) -> None:
    build, _, _, exact = CASES[name]
    drawn = []
    for lib, D in LIBS:
        dist, _ = build(lib, D, dtype)
        lib.manual_seed(7)
        x = dist.sample(sample_shape)
        r = dist.rsample(sample_shape) if dist.has_rsample else None
        drawn.append((x, r, lib.rand(2), dist.batch_shape, dist.event_shape, dist.has_rsample))
    (tx, tr, ta, tb, te, th), (sx, sr, sa, sb, se, sh) = drawn
    # Transforms through exp, log, sigmoid may differ from PyTorch's in the last bit (_same).
    _same(tx, sx, exact=exact)
    assert not sx.requires_grad and th == sh
    if tr is not None:
        _same(tr, sr, exact=exact)
        assert sr.requires_grad
    _same(ta, sa)  # the stream is in step
    assert (tuple(tb), tuple(te)) == (tuple(sb), tuple(se))


def _values(dist: Any, name: str, value: Any) -> dict[str, Any]:
    out = {"log_prob": dist.log_prob(value)}
    if name not in NO_ENTROPY:
        out["entropy"] = dist.entropy()
    for attr in ("mean", "variance", "stddev", "mode"):
        with contextlib.suppress(NotImplementedError):
            out[attr] = getattr(dist, attr)
    if CASES[name][2]:
        out["cdf"] = dist.cdf(value)
        if name not in NO_ICDF:
            out["icdf"] = dist.icdf(out["cdf"].detach())
    return out


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", DTYPES)
def test_values_and_gradients_are_torchs(name: str, dtype: str) -> None:
    build, value = CASES[name][:2]
    results = []
    for lib, D in LIBS:
        dist, leaves = build(lib, D, dtype)
        values = _values(dist, name, value(lib, dtype))
        grads = {}
        for key, v in values.items():
            if v.requires_grad and bool(lib.isfinite(v).all()):
                grads[key] = lib.autograd.grad(v.sum(), leaves, retain_graph=True,
                                               allow_unused=True)
        if dist.has_rsample:
            lib.manual_seed(3)
            grads["rsample"] = lib.autograd.grad((dist.rsample((4,)) ** 2).sum(), leaves,
                                                 allow_unused=True)
        results.append((values, grads))
    (tv, tg), (sv, sg) = results
    assert set(tv) == set(sv)
    for key in tv:
        _same(tv[key], sv[key], exact=False)
    assert set(tg) == set(sg)
    for key in tg:
        for a, b in zip(tg[key], sg[key], strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                _same(a, b, exact=False)


def _gumbel(lib: Any, D: Any, dtype: str) -> Any:
    return _loc_scale("Gumbel")(lib, D, dtype)


def _normal(lib: Any, D: Any, dtype: str) -> Any:
    return _loc_scale("Normal")(lib, D, dtype)


def _uniform(lib: Any, D: Any, dtype: str) -> Any:
    low, high = _leaf(lib, LOC, dtype), _leaf(lib, LOC + SCALE, dtype)
    return D.Uniform(low, high), (low, high)


def _exponential(lib: Any, D: Any, dtype: str) -> Any:
    rate = _leaf(lib, SCALE, dtype)
    return D.Exponential(rate), (rate,)


def _bernoulli(lib: Any, D: Any, dtype: str) -> Any:
    p = _leaf(lib, PROBS, dtype)
    return D.Bernoulli(p), (p,)


def _binomial_full(lib: Any, D: Any, dtype: str) -> Any:
    p = _leaf(lib, PROBS, dtype)
    # p's counts are at least q's; where larger the divergence is infinite
    return D.Binomial(_const(lib, COUNT if not OTHER[0] else np.minimum(COUNT, 40), dtype),
                      probs=p), (p,)


BUILDERS = {**{k: v[0] for k, v in CASES.items()}, "Gumbel": _gumbel, "Normal": _normal,
            "Uniform": _uniform, "Exponential": _exponential, "Bernoulli": _bernoulli,
            "Binomial": _binomial_full}
KL_PAIRS = [("Cauchy", "Cauchy"), ("Gumbel", "Gumbel"), ("HalfNormal", "HalfNormal"),
            ("Geometric(probs)", "Geometric(logits)"), ("Poisson", "Poisson"),
            ("Binomial", "Binomial"), ("LogNormal", "LogNormal"),
            ("HalfCauchy", "HalfCauchy"),
            ("Bernoulli", "Poisson"), ("Exponential", "Gumbel"), ("Gumbel", "Normal"),
            ("Normal", "Gumbel"), ("Uniform", "Gumbel"), ("Gumbel", "Exponential"),
            ("Gumbel", "Uniform"), ("Poisson", "Bernoulli"), ("Poisson", "Binomial")]


@pytest.mark.parametrize("pair", KL_PAIRS, ids="-".join)
@pytest.mark.parametrize("dtype", DTYPES)
def test_kl_divergence_values_and_gradients_are_torchs(pair: tuple[str, str],
                                                       dtype: str) -> None:
    results = []
    for lib, D in LIBS:
        p, p_leaves = BUILDERS[pair[0]](lib, D, dtype)
        OTHER[0] = True
        try:
            q, q_leaves = BUILDERS[pair[1]](lib, D, dtype)
        finally:
            OTHER[0] = False
        kl = D.kl_divergence(p, q)
        leaves = [t for t in (*p_leaves, *q_leaves) if t.requires_grad]
        grads = lib.autograd.grad(kl.sum(), leaves, allow_unused=True) if (
            kl.requires_grad and bool(lib.isfinite(kl).all())) else ()
        results.append((kl, grads))
    (tk, tg), (sk, sg) = results
    _same(tk, sk, exact=False)
    assert len(tg) == len(sg)
    for a, b in zip(tg, sg, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            _same(a, b, exact=False)


def _outcome(fn: Callable[[Any, Any], Any]) -> list[tuple[str, str]]:
    outcomes = []
    for lib, D in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib, D)
        outcomes.append((type(info.value).__name__,
                         str(info.value).replace("symgrad.", "torch.")))
    return outcomes


BAD = {
    "Cauchy scale": lambda lib, D: D.Cauchy(0.0, -1.0),
    "LogNormal scale": lambda lib, D: D.LogNormal(lib.zeros(2), lib.tensor([1.0, 0.0])),
    "LogNormal value": lambda lib, D: D.LogNormal(0.0, 1.0).log_prob(lib.tensor(-1.0)),
    "HalfNormal scale": lambda lib, D: D.HalfNormal(lib.tensor([-1.0])),
    "HalfNormal value": lambda lib, D: D.HalfNormal(1.0).log_prob(lib.tensor(-1.0)),
    "HalfCauchy scale": lambda lib, D: D.HalfCauchy(0.0),
    "Gumbel scale": lambda lib, D: D.Gumbel(0.0, lib.tensor([1.0, -2.0])),
    "Geometric probs 0": lambda lib, D: D.Geometric(lib.tensor([0.5, 0.0])),
    "Geometric probs > 1": lambda lib, D: D.Geometric(lib.tensor([1.5])),
    "Geometric both": lambda lib, D: D.Geometric(0.5, 0.0),
    "Geometric value": lambda lib, D: D.Geometric(0.5).log_prob(lib.tensor(1.5)),
    "Poisson rate": lambda lib, D: D.Poisson(lib.tensor([-1.0])),
    "Poisson entropy": lambda lib, D: D.Poisson(1.0).entropy(),
    "Poisson value": lambda lib, D: D.Poisson(1.0).log_prob(lib.tensor(-1.0)),
    "Binomial count": lambda lib, D: D.Binomial(lib.tensor([2.5]), lib.tensor([0.5])),
    "Binomial probs": lambda lib, D: D.Binomial(3, lib.tensor([1.5])),
    "Binomial neither": lambda lib, D: D.Binomial(3),
    "Binomial value": lambda lib, D: D.Binomial(3, lib.tensor(0.5)).log_prob(lib.tensor(4.0)),
    "Binomial entropy": lambda lib, D: D.Binomial(lib.tensor([2.0, 3.0]),
                                                  lib.tensor([0.5, 0.5])).entropy(),
    "Multinomial count": lambda lib, D: D.Multinomial(lib.tensor(3), lib.ones(2)),
    "Multinomial probs": lambda lib, D: D.Multinomial(3, lib.tensor([0.5, -0.5])),
    "Multinomial value": lambda lib, D: D.Multinomial(3, lib.ones(2)).log_prob(
        lib.tensor([3.0, 1.0])),
    "RelaxedBernoulli probs": lambda lib, D: D.RelaxedBernoulli(lib.tensor(1.0),
                                                                lib.tensor([2.0])),
    "RelaxedOneHotCategorical value": lambda lib, D: D.RelaxedOneHotCategorical(
        lib.tensor(1.0), lib.ones(2)).log_prob(lib.tensor([0.5, 0.6])),
    "Mixture not categorical": lambda lib, D: D.MixtureSameFamily(D.Normal(0.0, 1.0),
                                                                  D.Normal(lib.zeros(2), 1.0)),
    "Mixture components": lambda lib, D: D.MixtureSameFamily(D.Categorical(lib.ones(3)),
                                                             D.Normal(lib.zeros(2), 1.0)),
    "Mixture batch": lambda lib, D: D.MixtureSameFamily(D.Categorical(lib.ones(3, 2)),
                                                        D.Normal(lib.zeros(4, 2), 1.0)),
    "Transformed not transforms": lambda lib, D: D.TransformedDistribution(
        D.Normal(0.0, 1.0), [1]),
    "Transformed event dims": lambda lib, D: D.TransformedDistribution(
        D.Normal(0.0, 1.0), D.StickBreakingTransform()),
    "Transformed value": lambda lib, D: D.TransformedDistribution(
        D.Normal(0.0, 1.0), D.ExpTransform()).log_prob(lib.tensor(-1.0)),
    "cache_size": lambda lib, D: D.ExpTransform(cache_size=2),
    "Reshape sizes": lambda lib, D: D.ReshapeTransform((2,), (3,)),
    "Transform event_dim": lambda lib, D: D.ComposeTransform(
        [D.SoftmaxTransform(), D.ReshapeTransform((3,), (3, 1))]).event_dim,
    "biject_to unknown": lambda lib, D: D.biject_to(D.constraints.boolean),
    "biject_to register": lambda lib, D: D.biject_to.register(int, lambda c: c),
    "kl Binomial counts": lambda lib, D: D.kl_divergence(D.Binomial(2, lib.tensor(0.5)),
                                                         D.Binomial(3, lib.tensor(0.5))),
    "kl transforms differ": lambda lib, D: D.kl_divergence(
        D.LogNormal(0.0, 1.0), D.HalfNormal(1.0)),
    "kl Poisson Normal": lambda lib, D: D.kl_divergence(D.Poisson(1.0), D.Normal(0.0, 1.0)),
}


@pytest.mark.parametrize("name", list(BAD))
def test_argument_errors_are_torchs(name: str) -> None:
    torch_outcome, symgrad_outcome = _outcome(BAD[name])
    assert torch_outcome == symgrad_outcome


@pytest.mark.parametrize("name", list(CASES))
def test_expand_shapes_samples_and_repr(name: str) -> None:
    drawn = []
    for lib, D in LIBS:
        dist, _ = CASES[name][0](lib, D, "float64")
        big = dist.expand((4,) + tuple(dist.batch_shape))
        lib.manual_seed(11)
        drawn.append((big.batch_shape, big.event_shape, big.sample((2,)), type(big).__name__,
                      big._validate_args, repr(dist).replace("symgrad.", "torch.")))
    (tb, te, tx, tn, tv, tr), (sb, se, sx, sn, sv, sr) = drawn
    assert (tuple(tb), tuple(te), tn, tv) == (tuple(sb), tuple(se), sn, sv)
    assert isinstance(sb, symgrad.Size)
    _same(tx, sx, exact=CASES[name][3])
    if not name.startswith("Mixture"):  # its repr holds the components' reprs, as PyTorch's
        assert tr == sr


@pytest.mark.parametrize("dtype", DTYPES)
def test_poisson_and_binomial_draw_torchs_counts(dtype: str) -> None:
    rng = np.random.default_rng(5)
    rates = np.concatenate([rng.uniform(0, 3, 200), rng.uniform(9.5, 11, 100),
                            rng.uniform(10, 2000, 200), [0.0, 10.0]]).reshape(-1, 2)
    count = np.round(np.concatenate([rng.uniform(0, 30, 300), rng.uniform(0, 5000, 300)]))
    prob = np.concatenate([rng.uniform(0, 1, 540), [0.0, 1.0, 0.5, 1e-4, 0.9999] * 12])
    # float32 pairs whose product rounds up to 10 in float32 but not in float64: PyTorch's
    # kernel takes count * prob in float32 there, and so draws by BTRS, not by inversion
    count = np.concatenate([count, [22.0, 23.0, 24.0, 27.0, 31.0] * 4])
    prob = np.concatenate([prob, [0.45454543828964233, 0.43478259444236755, 0.4166666567325592,
                                  0.37037035822868347, 0.32258063554763794] * 4])
    drawn = []
    for lib in (torch, symgrad):
        lib.manual_seed(21)
        d = getattr(lib, dtype)
        a = lib.poisson(lib.tensor(rates, dtype=d))
        b = lib.binomial(lib.tensor(count, dtype=d), lib.tensor(prob, dtype=d))
        drawn.append((a, b, lib.rand(3)))
    for t, s in zip(*drawn, strict=True):
        _same(t, s)


def test_poisson_and_binomial_refuse_as_torch() -> None:
    for fn in (lambda lib: lib.poisson(lib.tensor([1.0, -1.0])),
               lambda lib: lib.poisson(lib.tensor([1, 2])),
               lambda lib: lib.binomial(lib.tensor([1, 2]), lib.tensor([0.5, 0.5])),
               lambda lib: lib.binomial(lib.tensor([1.0]), lib.tensor([1])),
               lambda lib: lib.binomial(lib.tensor([1.0]), lib.tensor([0.5], dtype=lib.float64))):
        assert _outcome(lambda lib, D, fn=fn: fn(lib))[0] == _outcome(
            lambda lib, D, fn=fn: fn(lib))[1]


# -- transforms -----------------------------------------------------------------------------------
def _transforms(T: Any, lib: Any, dtype: str) -> dict[str, Any]:
    scale = lib.tensor(SCALE[0] * np.array([1.0, -1.0, 1.0]), dtype=getattr(lib, dtype))
    return {
        "Exp": T.ExpTransform(), "Sigmoid": T.SigmoidTransform(), "Tanh": T.TanhTransform(),
        "Softplus": T.SoftplusTransform(), "Abs": T.AbsTransform(),
        "Affine": T.AffineTransform(0.5, scale), "Affine(number)": T.AffineTransform(0.5, -2.0),
        "Affine(event_dim=1)": T.AffineTransform(0.5, scale, event_dim=1),
        "Power": T.PowerTransform(lib.tensor(1.7, dtype=getattr(lib, dtype))),
        "Softmax": T.SoftmaxTransform(), "StickBreaking": T.StickBreakingTransform(),
        "Compose": T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, scale)]),
        "Independent": T.IndependentTransform(T.SigmoidTransform(), 1),
        "Reshape": T.ReshapeTransform((3,), (3, 1)),
        "Inverse(Sigmoid)": T.SigmoidTransform().inv,
        "Cumulative": T.CumulativeDistributionTransform(
            (TD if lib is torch else SD).Normal(0.0, 1.0)),
    }


def _input(name: str, lib: Any, dtype: str) -> Any:
    x = RNG_INPUTS.get(name, LOC)
    return lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)


RNG_INPUTS = {"Power": SCALE, "Inverse(Sigmoid)": PROBS}
TRANSFORMS = list(_transforms(TT, torch, "float64"))


@pytest.mark.parametrize("name", TRANSFORMS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_transform_values_inverses_jacobians_are_torchs(name: str, dtype: str) -> None:
    out = []
    for (lib, _), T in zip(LIBS, (TT, ST), strict=True):
        t = _transforms(T, lib, dtype)[name]
        x = _input(name, lib, dtype)
        y = t(x)
        back = t.inv(y)
        got = {"y": y, "inv": back}
        if t.bijective or name == "Softmax":
            with np.errstate(all="ignore"):
                got["ladj"] = t.log_abs_det_jacobian(x, y) if name != "Softmax" else y
        grads = lib.autograd.grad(sum(v.sum() for v in got.values()), x)
        sign = t.sign if t.bijective and name not in ("StickBreaking", "Reshape") else None
        out.append((got, grads, str(t.domain), str(t.codomain), t.bijective,
                    tuple(t.forward_shape((4, 3))), tuple(t.inverse_shape(t.forward_shape((4, 3)))),
                    sign if not hasattr(sign, "shape") else _np(sign).tolist(), repr(t)))
    (tg, tgr, *tmeta), (sg, sgr, *smeta) = out
    assert tmeta == smeta
    for key in tg:
        _same(tg[key], sg[key], exact=False)
    _same(tgr[0], sgr[0], exact=False)


@pytest.mark.parametrize("name", ["Exp", "Sigmoid", "Tanh", "Affine", "Power", "Compose",
                                  "StickBreaking", "Independent", "Reshape"])
def test_bijections_invert_and_their_jacobians_are_derivatives(name: str) -> None:
    """``t.inv(t(x)) == x``, and ``log_abs_det_jacobian`` is ``log |det dy/dx|`` of the
    Jacobian by central differences (float64, to 1e-7)."""
    t = _transforms(ST, symgrad, "float64")[name]
    x = RNG_INPUTS.get(name, LOC)[0]
    y = t(symgrad.tensor(x, dtype=symgrad.float64))
    np.testing.assert_allclose(_np(t.inv(y)), x, rtol=1e-12, atol=1e-12)
    ladj = float(t.log_abs_det_jacobian(symgrad.tensor(x, dtype=symgrad.float64), y).sum())
    h = 1e-6

    def f(v: np.ndarray) -> np.ndarray:
        return _np(t(symgrad.tensor(v, dtype=symgrad.float64))).ravel()

    jac = np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)], 1)
    if name == "StickBreaking":
        jac = jac[:-1]  # the simplex's last coordinate is fixed by the others
    expected = (np.sum(np.log(np.abs(np.diag(jac)))) if name not in ("StickBreaking",)
                else np.linalg.slogdet(jac)[1])
    if name in ("Reshape",):
        expected = 0.0
    assert abs(ladj - expected) < 1e-7


def test_cache_returns_the_input_it_mapped() -> None:
    for T in (TT, ST):
        lib = torch if T is TT else symgrad
        t = T.ExpTransform(cache_size=1)
        x = lib.tensor([0.5])
        y = t(x)
        assert t.inv(y) is x and t(x) is y
        assert T.ExpTransform().inv(y) is not x
        c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], cache_size=1)
        z = c(x)
        assert c.inv(z) is x and c.parts[0]._cache_size == 1
        assert t.with_cache(1) is t and t.with_cache(0)._cache_size == 0
        assert t.inv.inv is t and T.ExpTransform() == T.ExpTransform()
        assert T.AffineTransform(0.0, 2.0) == T.AffineTransform(0.0, 2.0)
        assert T.AffineTransform(0.0, 2.0) != T.AffineTransform(0.0, 3.0)
        assert T.ExpTransform().inv == T.ExpTransform().inv
        assert T.ExpTransform() != T.SigmoidTransform()


CONSTRAINTS = {
    "real": lambda C: C.real, "positive": lambda C: C.positive,
    "nonnegative": lambda C: C.nonnegative, "greater_than": lambda C: C.greater_than(-2.0),
    "greater_than_eq": lambda C: C.greater_than_eq(1.5), "less_than": lambda C: C.less_than(3.0),
    "unit_interval": lambda C: C.unit_interval, "interval": lambda C: C.interval(-1.0, 4.0),
    "half_open_interval": lambda C: C.half_open_interval(0.0, 2.0),
    "simplex": lambda C: C.simplex, "real_vector": lambda C: C.real_vector,
    "independent": lambda C: C.independent(C.positive, 1),
}


@pytest.mark.parametrize("name", list(CONSTRAINTS))
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_biject_to_and_transform_to_are_torchs(name: str, registry: str) -> None:
    out = []
    for lib, D in LIBS:
        t = getattr(D, registry)(CONSTRAINTS[name](D.constraints))
        x = lib.tensor(LOC, dtype=lib.float64, requires_grad=True)
        y = t(x)
        # SoftmaxTransform (transform_to's simplex) is not bijective: no log-determinant
        ladj = t.log_abs_det_jacobian(x, y) if t.bijective else y.new_zeros(())
        grad = lib.autograd.grad((y.sum() + ladj.sum()), x)[0]
        out.append((repr(t), y, ladj, grad, bool(t.codomain.check(y).all())))
    (tr, ty, tl, tg, tin), (sr, sy, sl, sg, sin) = out
    assert (tr, tin) == (sr, sin) and tin
    for a, b in ((ty, sy), (tl, sl), (tg, sg)):
        _same(a, b, exact=False)


def test_new_constraints_check_as_torchs() -> None:
    values = [[-1.0, 0.0, 0.5, 1.0, 2.0, 3.0], [2.0, 1.0, 0.0, 0.0, 0.0, 0.0]]
    out = []
    for lib, D in LIBS:
        C = D.constraints
        v = lib.tensor(values)
        out.append([(repr(c), _np(c.check(v)).tolist(), c.is_discrete, c.event_dim) for c in (
            C.nonnegative_integer, C.positive_integer, C.half_open_interval(0.0, 1.0),
            C.multinomial(3), C.MixtureSameFamilyConstraint(C.positive))])
    assert out[0] == out[1]


def test_multinomial_and_mixture_draws_are_torchs_in_distribution_too() -> None:
    """Beyond the bits: a thousand draws' frequencies are the probabilities (a fixed seed,
    within 4 standard errors), for the counts and the mixture's choices."""
    symgrad.manual_seed(0)
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    counts = _np(SD.Multinomial(1000, symgrad.tensor(probs)).sample())
    assert np.all(np.abs(counts / 1000 - probs) < 4 * np.sqrt(probs * (1 - probs) / 1000))
    draws = _np(SD.Poisson(symgrad.tensor(25.0)).sample((4000,)))
    assert abs(draws.mean() - 25.0) < 4 * np.sqrt(25.0 / 4000)
    draws = _np(SD.Binomial(50, symgrad.tensor(0.3)).sample((4000,)))
    assert abs(draws.mean() - 15.0) < 4 * np.sqrt(50 * 0.21 / 4000)
