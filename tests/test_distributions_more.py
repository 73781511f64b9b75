"""``MultivariateNormal``, ``Gamma``, ``Beta`` and ``Dirichlet`` against ``torch.distributions``
(PyTorch 2.13, run alongside): draws after one seed (gamma, beta and Dirichlet bit for bit,
the multivariate normal's to the rounding of its matrix product), ``log_prob`` / ``entropy`` /
moments / ``kl_divergence`` and their gradients, ``expand``, and argument validation (error
classes and messages). Expected values are PyTorch's, except the reparameterised gradient of
gamma, beta and Dirichlet draws: symgrad's is the exact implicit gradient, checked against
mpmath, and PyTorch's approximation of it is compared at its own accuracy (the difference is
listed as deliberate in ``tests/test_torch_parity.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.distributions as TD  # noqa: E402

import symgrad  # noqa: E402
import symgrad.distributions as SD  # noqa: E402

LIBS = ((torch, TD), (symgrad, SD))
DTYPES = ("float32", "float64")
RNG = np.random.default_rng(4321)
LOC = RNG.normal(size=(2, 3))
_A = RNG.normal(size=(2, 3, 3))
COV = _A @ _A.transpose(0, 2, 1) + np.eye(3)
_B = RNG.normal(size=(3, 3))
COV_Q = _B @ _B.T + 0.5 * np.eye(3)
CONC = RNG.uniform(0.3, 4.0, size=(2, 3))
CONC0 = RNG.uniform(0.3, 4.0, size=(2, 3))
RATE = RNG.uniform(0.5, 2.0, size=(2, 3))
POINTS = LOC[None] + RNG.normal(size=(4, 2, 3))


def _np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.detach().numpy())


def _close(a: Any, b: Any, ulps: float = 16) -> None:
    """Equal shapes and dtypes and values within ``ulps`` ULP of the larger magnitude (the
    libraries' elementwise kernels and reductions round differently in the last bit)."""
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    x, y = _np(a), _np(b)
    eps = np.finfo(x.dtype).eps
    np.testing.assert_array_equal(np.isfinite(x), np.isfinite(y))
    finite = np.isfinite(x)
    np.testing.assert_array_equal(x[~finite], y[~finite])
    scale = max(1.0, float(np.abs(x[finite]).max())) if finite.any() else 1.0
    np.testing.assert_allclose(y[finite], x[finite], rtol=ulps * eps, atol=ulps * eps * scale)


def _leaf(lib: Any, x: Any, dtype: str) -> Any:
    return lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)


# name -> build(lib, D, dtype, other) -> (distribution, leaves); `other` gives a second
# distribution (for KL) from other numbers.
def _mvn(kind: str) -> Callable[..., Any]:
    def build(lib: Any, D: Any, dtype: str, other: bool = False) -> Any:
        cov = COV_Q if other else COV
        matrix = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
                  "scale_tril": np.linalg.cholesky(cov)}[kind]
        loc, m = _leaf(lib, 0.5 * LOC if other else LOC, dtype), _leaf(lib, matrix, dtype)
        return D.MultivariateNormal(loc, **{kind: m}), (loc, m)
    return build


def _gamma(lib: Any, D: Any, dtype: str, other: bool = False) -> Any:
    c, r = _leaf(lib, CONC0 if other else CONC, dtype), _leaf(lib, RATE, dtype)
    return D.Gamma(c, r), (c, r)


def _beta(lib: Any, D: Any, dtype: str, other: bool = False) -> Any:
    c1, c0 = _leaf(lib, CONC0 if other else CONC, dtype), _leaf(lib, RATE, dtype)
    return D.Beta(c1, c0), (c1, c0)


def _dirichlet(lib: Any, D: Any, dtype: str, other: bool = False) -> Any:
    c = _leaf(lib, CONC0 if other else CONC, dtype)
    return D.Dirichlet(c), (c,)


def _normal(lib: Any, D: Any, dtype: str, other: bool = False) -> Any:
    loc, scale = _leaf(lib, 0.3 * LOC, dtype), _leaf(lib, RATE, dtype)
    return D.Normal(loc, scale), (loc, scale)


def _exponential(lib: Any, D: Any, dtype: str, other: bool = False) -> Any:
    rate = _leaf(lib, RATE, dtype)
    return D.Exponential(rate), (rate,)


def _uniform(lib: Any, D: Any, dtype: str, other: bool = False) -> Any:
    low, high = _leaf(lib, 0.1 * CONC / 4, dtype), _leaf(lib, 0.2 + 0.1 * CONC0 / 4, dtype)
    return D.Uniform(low, high), (low, high)


CASES: dict[str, tuple[Callable[..., Any], Callable[[Any, str], Any]]] = {
    "MVN(covariance)": (_mvn("covariance_matrix"), lambda lib, d: lib.tensor(
        POINTS, dtype=getattr(lib, d))),
    "MVN(precision)": (_mvn("precision_matrix"), lambda lib, d: lib.tensor(
        LOC + 0.3, dtype=getattr(lib, d))),
    "MVN(scale_tril)": (_mvn("scale_tril"), lambda lib, d: lib.tensor(
        LOC - 0.2, dtype=getattr(lib, d))),
    "Gamma": (_gamma, lambda lib, d: lib.tensor(CONC0, dtype=getattr(lib, d))),
    "Beta": (_beta, lambda lib, d: lib.tensor(RATE / 2.5, dtype=getattr(lib, d))),
    "Dirichlet": (_dirichlet, lambda lib, d: lib.tensor(
        CONC0 / CONC0.sum(-1, keepdims=True), dtype=getattr(lib, d))),
}


def _properties(dist: Any, value: Any) -> dict[str, Any]:
    out = {"log_prob": dist.log_prob(value), "entropy": dist.entropy()}
    for attr in ("mean", "variance", "stddev", "mode", "covariance_matrix", "precision_matrix",
                 "scale_tril"):
        with contextlib.suppress(NotImplementedError, AttributeError):
            out[attr] = getattr(dist, attr)
    return out


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", DTYPES)
def test_values_and_gradients_are_torchs(name: str, dtype: str) -> None:
    build, value = CASES[name]
    results = []
    for lib, D in LIBS:
        dist, leaves = build(lib, D, dtype)
        props = _properties(dist, value(lib, dtype))
        grads = {}
        for key, out in props.items():
            # PyTorch's cholesky_inverse gradient is not masked to the triangle it reads, a
            # deliberate difference (tests/test_torch_parity.py): scale_tril's gradient
            # through the precision matrix is compared in test_decompositions
            if out.requires_grad and not (key == "precision_matrix" and "tril" in name):
                grads[key] = lib.autograd.grad(out.sum(), leaves, retain_graph=True,
                                               allow_unused=True)
        results.append((props, grads))
    (tv, tg), (sv, sg) = results
    assert set(tv) == set(sv)
    for key in tv:
        _close(tv[key], sv[key])
    assert set(tg) == set(sg)
    for key in tg:
        for a, b in zip(tg[key], sg[key], strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                _close(a, b, ulps=_gradient_ulps(name, dtype))


def _gradient_ulps(name: str, dtype: str) -> float:
    """PyTorch's float64 trigamma (digamma's derivative) is 4e-10 off, symgrad's within 4 ULP
    of mpmath (a deliberate difference: tests/test_torch_parity.py, tests/test_special_
    functions.py): gradients through digamma agree to 2e-8 relative in float64."""
    uses_trigamma = any(k in name for k in ("Gamma", "Beta", "Dirichlet"))
    return 1e8 if dtype == "float64" and uses_trigamma else 64


KL_PAIRS = [("MVN(covariance)", "MVN(covariance)"), ("MVN(scale_tril)", "MVN(precision)"),
            ("Gamma", "Gamma"), ("Beta", "Beta"), ("Dirichlet", "Dirichlet"),
            ("Beta", "Exponential"), ("Beta", "Gamma"), ("Beta", "Normal"),
            ("Beta", "Uniform"), ("Exponential", "Gamma"), ("Gamma", "Exponential"),
            ("Gamma", "Normal"), ("Uniform", "Beta"), ("Uniform", "Gamma"),
            ("Gamma", "Beta"), ("Gamma", "Uniform"), ("Normal", "Gamma"), ("Normal", "Beta"),
            ("Exponential", "Beta")]
BUILDERS = {**{k: v[0] for k, v in CASES.items()}, "Normal": _normal,
            "Exponential": _exponential, "Uniform": _uniform}


@pytest.mark.parametrize("pair", KL_PAIRS, ids="-".join)
@pytest.mark.parametrize("dtype", DTYPES)
def test_kl_divergence_and_gradients_are_torchs(pair: tuple[str, str], dtype: str) -> None:
    results = []
    for lib, D in LIBS:
        p, p_leaves = BUILDERS[pair[0]](lib, D, dtype)
        q, q_leaves = BUILDERS[pair[1]](lib, D, dtype, other=True)
        kl = D.kl_divergence(p, q)
        leaves = (*p_leaves, *q_leaves)
        grads = lib.autograd.grad(kl.sum(), leaves, allow_unused=True) if kl.requires_grad \
            else ()
        results.append((kl, grads))
    (tk, tg), (sk, sg) = results
    _close(tk, sk, ulps=64)
    assert len(tg) == len(sg)
    for a, b in zip(tg, sg, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            _close(a, b, ulps=_gradient_ulps(pair[0], dtype))


@pytest.mark.parametrize("name", ["Gamma", "Beta", "Dirichlet"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sample_shape", [(), (7,), (3, 5)])
def test_gamma_family_draws_are_torchs_bits(name: str, dtype: str,
                                            sample_shape: tuple[int, ...]) -> None:
    drawn = []
    for lib, D in LIBS:
        dist, _ = CASES[name][0](lib, D, dtype)
        lib.manual_seed(11)
        x = dist.sample(sample_shape)
        r = dist.rsample(sample_shape)
        drawn.append((x, r, lib.randn(5), lib.rand(3)))
    for a, b in zip(*drawn, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(_np(a), _np(b))
    assert drawn[1][1].requires_grad and not drawn[1][0].requires_grad


@pytest.mark.parametrize("alpha", [1e-3, 0.2, 1.0, 2.5, 40.0, 1e4])
@pytest.mark.parametrize("dtype", DTYPES)
def test_standard_gamma_draws_are_torchs_bits_over_concentrations(alpha: float,
                                                                  dtype: str) -> None:
    drawn = []
    for lib, D in LIBS:
        lib.manual_seed(2)
        # a normal drawn first leaves its pair's second in the generator for the gamma loop
        head = lib.randn(3)
        x = D.Gamma(lib.full((50,), alpha, dtype=getattr(lib, dtype)), 1.0).sample()
        drawn.append((head, x, lib.randn(3)))
    for a, b in zip(*drawn, strict=True):
        np.testing.assert_array_equal(_np(a), _np(b))


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_mvn_rsample_is_torchs_after_one_seed(kind: str, dtype: str) -> None:
    drawn = []
    for lib, D in LIBS:
        dist, leaves = _mvn(kind)(lib, D, dtype)
        lib.manual_seed(5)
        r = dist.rsample((4,))
        grads = lib.autograd.grad((r**2).sum(), leaves)
        unit = D.MultivariateNormal(leaves[0], scale_tril=lib.eye(3, dtype=leaves[0].dtype))
        lib.manual_seed(5)
        drawn.append((r, *grads, unit.sample((4,)), lib.rand(2)))
    (tr, *tg, tu, ta), (sr, *sg, su, sa) = drawn
    _close(tr, sr, ulps=4)  # the matrix product's rounding
    for a, b in zip(tg, sg, strict=True):
        _close(a, b, ulps=64)
    np.testing.assert_array_equal(_np(tu), _np(su))  # L = I: the normal draws themselves
    np.testing.assert_array_equal(_np(ta), _np(sa))


def _gamma_grad_mpmath(alpha: float, x: float) -> float:
    mp = pytest.importorskip("mpmath")
    with mp.workdps(40):
        a, xm = mp.mpf(alpha), mp.mpf(x)
        d_cdf = mp.diff(lambda t: mp.gammainc(t, 0, xm, regularized=True), a)
        pdf = xm ** (a - 1) * mp.exp(-xm) / mp.gamma(a)
        return float(-d_cdf / pdf)


def _beta_grad_mpmath(x: float, a: float, b: float) -> float:
    mp = pytest.importorskip("mpmath")
    with mp.workdps(40):
        xm, am, bm = mp.mpf(x), mp.mpf(a), mp.mpf(b)
        d_cdf = mp.diff(lambda t: mp.betainc(t, bm, 0, xm, regularized=True), am)
        pdf = xm ** (am - 1) * (1 - xm) ** (bm - 1) / mp.beta(am, bm)
        return float(-d_cdf / pdf)


@pytest.mark.parametrize("alpha", [1e-3, 0.3, 1.0, 2.5, 9.0, 200.0])
def test_gamma_rsample_gradient_is_the_exact_implicit_gradient(alpha: float) -> None:
    conc = symgrad.full((4,), alpha, dtype=symgrad.float64, requires_grad=True)
    symgrad.manual_seed(1)
    x = SD.Gamma(conc, 1.0).rsample()
    (grad,) = symgrad.autograd.grad(x.sum(), conc)
    # at alpha = 1e-3 some draws are below float64's smallest normal, and kept there: the
    # gradient is the one at that value
    exact = [_gamma_grad_mpmath(alpha, v) for v in _np(x)]
    np.testing.assert_allclose(_np(grad), exact, rtol=1e-12)
    # PyTorch's approximation (_standard_gamma_grad) on the same draws, at its accuracy
    torch.manual_seed(1)
    tconc = torch.full((4,), alpha, dtype=torch.float64, requires_grad=True)
    tx = TD.Gamma(tconc, 1.0).rsample()
    np.testing.assert_array_equal(_np(tx), _np(x))
    np.testing.assert_allclose(_np(torch.autograd.grad(tx.sum(), tconc)[0]), exact, rtol=2e-3)


@pytest.mark.parametrize(("a", "b"), [(0.3, 0.5), (1.0, 1.0), (2.0, 5.0), (7.0, 9.0),
                                      (40.0, 2.0)])
def test_dirichlet_rsample_gradient_is_exact_in_pytorchs_form(a: float, b: float) -> None:
    """A two-component Dirichlet's first component is a Beta(a, b) draw; its gradient in
    ``a`` (``b`` held) is ``-(dI_x/da) / pdf``, and in ``b`` minus that of ``1 - x`` in ``b``:
    PyTorch's form ``D * (g - sum(x g))`` with symgrad's exact ``D``."""
    conc = symgrad.tensor([[a, b]] * 3, dtype=symgrad.float64, requires_grad=True)
    symgrad.manual_seed(4)
    x = SD.Dirichlet(conc).rsample()
    (grad,) = symgrad.autograd.grad(x[:, 0].sum(), conc)
    first = _np(x)[:, 0]
    exact_a = [_beta_grad_mpmath(v, a, b) for v in first]
    exact_b = [-_beta_grad_mpmath(1 - v, b, a) for v in first]
    np.testing.assert_allclose(_np(grad)[:, 0], exact_a, rtol=1e-11)
    np.testing.assert_allclose(_np(grad)[:, 1], exact_b, rtol=1e-11)
    torch.manual_seed(4)
    tconc = torch.tensor([[a, b]] * 3, dtype=torch.float64, requires_grad=True)
    tx = TD.Dirichlet(tconc).rsample()
    np.testing.assert_array_equal(_np(tx), _np(x))
    tgrad = _np(torch.autograd.grad(tx[:, 0].sum(), tconc)[0])
    np.testing.assert_allclose(tgrad[:, 0], exact_a, rtol=2e-3)


def _outcome(fn: Callable[[Any, Any], Any]) -> list[tuple[str, str]]:
    outcomes = []
    for lib, D in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib, D)
        outcomes.append((type(info.value).__name__,
                         str(info.value).replace("symgrad.", "torch.")))
    return outcomes


BAD = {
    "MVN scalar loc": lambda lib, D: D.MultivariateNormal(lib.tensor(0.0), lib.eye(1)),
    "MVN no matrix": lambda lib, D: D.MultivariateNormal(lib.zeros(2)),
    "MVN two matrices": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), lib.eye(2), scale_tril=lib.eye(2)),
    "MVN 1-d covariance": lambda lib, D: D.MultivariateNormal(lib.zeros(2), lib.ones(2)),
    "MVN 1-d precision": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), precision_matrix=lib.ones(2)),
    "MVN 1-d scale_tril": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.ones(2)),
    "MVN not positive definite": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "MVN not symmetric": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
    "MVN scale_tril upper": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
    "MVN scale_tril diagonal": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.0], [0.5, -1.0]])),
    "MVN loc nan": lambda lib, D: D.MultivariateNormal(
        lib.tensor([float("nan"), 0.0]), lib.eye(2)),
    "MVN log_prob event": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), lib.eye(2)).log_prob(lib.zeros(3)),
    "MVN kl event shapes": lambda lib, D: D.kl_divergence(
        D.MultivariateNormal(lib.zeros(2), lib.eye(2)),
        D.MultivariateNormal(lib.zeros(3), lib.eye(3))),
    "Gamma concentration": lambda lib, D: D.Gamma(lib.tensor([1.0, -1.0]), 1.0),
    "Gamma rate": lambda lib, D: D.Gamma(1.0, 0.0),
    "Gamma log_prob negative": lambda lib, D: D.Gamma(1.0, 1.0).log_prob(lib.tensor(-1.0)),
    "Beta concentration0": lambda lib, D: D.Beta(1.0, 0.0),
    "Beta tensors": lambda lib, D: D.Beta(lib.tensor([1.0, 2.0]), lib.tensor([-1.0, 1.0])),
    "Beta log_prob above 1": lambda lib, D: D.Beta(2.0, 2.0).log_prob(lib.tensor(1.5)),
    "Dirichlet scalar": lambda lib, D: D.Dirichlet(lib.tensor(1.0)),
    "Dirichlet negative": lambda lib, D: D.Dirichlet(lib.tensor([[1.0, -1.0], [1.0, 1.0]])),
    "Dirichlet off the simplex": lambda lib, D: D.Dirichlet(
        lib.ones(3)).log_prob(lib.tensor([0.5, 0.5, 0.5])),
    "kl gamma laplace": lambda lib, D: D.kl_divergence(D.Gamma(1.0, 1.0),
                                                       D.Laplace(0.0, 1.0)),
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
        lib.manual_seed(13)
        drawn.append((tuple(big.batch_shape), tuple(big.event_shape), big.sample((2,)),
                      repr(big).replace("symgrad.", "torch."), big.has_rsample,
                      repr(big.support)))
    (tb, te, tx, tr, th, ts), (sb, se, sx, sr, sh, ss) = drawn
    assert (tb, te, tr, th, ts) == (sb, se, sr, sh, ss)
    _close(tx, sx, ulps=4)


def test_mvn_batch_shapes_broadcast_loc_and_matrix() -> None:
    shapes = []
    for lib, D in LIBS:
        d = D.MultivariateNormal(lib.zeros(5, 1, 3), scale_tril=lib.eye(3).expand(4, 3, 3))
        lib.manual_seed(0)
        x = d.sample((2,))
        shapes.append((tuple(d.batch_shape), tuple(d.event_shape), tuple(x.shape),
                       tuple(d.log_prob(x).shape), tuple(d.entropy().shape),
                       tuple(d.variance.shape), "scale_tril" in vars(d)))
    assert shapes[0] == shapes[1]


# -- the draws' nodes: the derivative of a draw has none (PyTorch raises on a second) ----------
def _run(fn: Callable[[Any], Any], lib: Any) -> Any:
    """``fn(lib)``'s result, or the class and message of what it raised."""
    try:
        return fn(lib)
    except Exception as error:  # noqa: BLE001 - the outcome compared is any error
        return type(error).__name__, str(error)


def _gamma_first(lib: Any, create_graph: bool = True) -> tuple[Any, Any, Any]:
    alpha = lib.tensor([0.3, 2.5, 40.0], dtype=lib.float64, requires_grad=True)
    lib.manual_seed(3)
    x = lib.distributions.Gamma(alpha, 2.0).rsample()
    (g,) = lib.autograd.grad(x.sum(), alpha, create_graph=create_graph)
    return alpha, x, g


def _dirichlet_first(lib: Any, beta: bool = False) -> tuple[Any, Any, Any]:
    c = lib.tensor([[0.5, 3.0], [2.0, 7.0]], requires_grad=True)
    lib.manual_seed(5)
    x = lib.distributions.Beta(c[:, 0], c[:, 1]).rsample() if beta \
        else lib.distributions.Dirichlet(c).rsample()
    (g,) = lib.autograd.grad((x * c[:, :1 if beta else 2].squeeze(-1)).sum(), c,
                             create_graph=True)
    return c, x, g


SECOND = {
    # PyTorch's StandardGammaGradBackward0 raises not_implemented("_standard_gamma_grad")
    "gamma autograd.grad": lambda lib: (lambda a, _, g: lib.autograd.grad(g.sum(), a))(
        *_gamma_first(lib)),
    "gamma backward": lambda lib: _gamma_first(lib)[2].sum().backward(),
    # 2 x dx/da: d/da would be 2 (dx/da)^2 + 2 x d2x/da2, with no second term to give
    "gamma squared": lambda lib: lib.autograd.grad(
        lib.autograd.grad((lib.distributions.Gamma(
            a := lib.tensor([1.5, 4.0], requires_grad=True), 1.0).rsample()).pow(2).sum(),
            a, create_graph=True)[0].sum(), a),
    # _DirichletBackward's backward is @once_differentiable: differentiating a gradient that
    # depends on the incoming one raises its error
    "dirichlet backward": lambda lib: _dirichlet_first(lib)[2].sum().backward(),
    "beta backward": lambda lib: _dirichlet_first(lib, beta=True)[2].sum().backward(),
    # the ops without a derivative at all: PyTorch's NotImplemented node
    "_sample_dirichlet": lambda lib: lib._sample_dirichlet(
        lib.tensor([0.5, 3.0], requires_grad=True)).sum().backward(),
    "_standard_gamma_grad": lambda lib: lib._standard_gamma_grad(
        lib.tensor([0.5, 3.0], requires_grad=True), lib.tensor([0.25, 2.0])).sum().backward(),
    "_dirichlet_grad": lambda lib: lib._dirichlet_grad(
        lib.tensor([0.25]), lib.tensor([1.5], requires_grad=True),
        lib.tensor([2.0])).sum().backward(),
}


@pytest.mark.parametrize("name", list(SECOND))
def test_a_second_derivative_through_a_draw_raises_pytorchs_error(name: str) -> None:
    def raised(lib: Any) -> Any:
        SECOND[name](lib)
        return "no error"

    theirs, ours = _run(raised, torch), _run(raised, symgrad)
    assert theirs[1].startswith(("the derivative for '_", "trying to differentiate twice",
                                 "derivative for aten::_"))
    assert ours == theirs


def _names(node: Any, depth: int) -> list[Any]:
    """The graph under ``node`` to ``depth`` levels, by PyTorch's node names."""
    if node is None or depth == 0:
        return []
    return [node.name(), [_names(n, depth - 1) for n, _ in node.next_functions]]


NODES = {
    "gamma draw": lambda lib: _gamma_first(lib)[1],
    "gamma gradient": lambda lib: _gamma_first(lib)[2],
    "_standard_gamma": lambda lib: lib._standard_gamma(lib.tensor([1.5], requires_grad=True)),
    "dirichlet draw": lambda lib: _dirichlet_first(lib)[1],
    "beta draw": lambda lib: _dirichlet_first(lib, beta=True)[1],
    "_sample_dirichlet": lambda lib: lib._sample_dirichlet(
        lib.tensor([0.5, 3.0], requires_grad=True)),
    "_standard_gamma_grad": lambda lib: lib._standard_gamma_grad(
        lib.tensor([0.5, 3.0], requires_grad=True), lib.tensor([0.25, 2.0])),
    "_standard_gamma_grad in the draws": lambda lib: lib._standard_gamma_grad(
        lib.tensor([0.5, 3.0]), lib.tensor([0.25, 2.0], requires_grad=True)),
    "_dirichlet_grad": lambda lib: lib._dirichlet_grad(
        lib.tensor([0.25]), lib.tensor([1.5], requires_grad=True), lib.tensor([2.0])),
}


@pytest.mark.parametrize("name", list(NODES))
def test_draws_record_pytorchs_nodes(name: str) -> None:
    seen = []
    for lib in (torch, symgrad):
        out = NODES[name](lib)
        seen.append((out.requires_grad, _names(out.grad_fn, 4),
                     repr(out.grad_fn).split(" object")[0].replace("torch.", "symgrad.")))
    assert seen[0] == seen[1]


def test_the_first_derivative_of_a_draw_is_the_same_under_create_graph() -> None:
    # the gradient recorded for a second derivative is the exact one, as without recording
    _, x, recorded = _gamma_first(symgrad)
    _, x_plain, plain = _gamma_first(symgrad, create_graph=False)
    np.testing.assert_array_equal(_np(x), _np(x_plain))
    np.testing.assert_array_equal(_np(recorded), _np(plain))
    # d(x / 2)/dalpha: the exact implicit gradient of the standard draw, halved
    standard = 2 * _np(x)
    exact = [_gamma_grad_mpmath(a, v) / 2 for a, v in zip([0.3, 2.5, 40.0], standard,
                                                         strict=True)]
    np.testing.assert_allclose(_np(recorded), exact, rtol=1e-12)


def test_dirichlet_first_derivative_under_create_graph_is_pytorchs_at_its_accuracy() -> None:
    (_, tx, tg), (_, sx, sg) = (_dirichlet_first(lib) for lib in (torch, symgrad))
    np.testing.assert_array_equal(_np(tx), _np(sx))
    np.testing.assert_allclose(_np(sg), _np(tg), rtol=2e-3, atol=1e-6)


def test_dirichlet_second_derivative_raises_where_pytorch_leaves_a_term_out() -> None:
    """PyTorch's once_differentiable hangs its error on detached copies: a gradient in the
    concentration alone is detached ("does not require grad"), and ``autograd.grad`` in the
    concentration of one that depends on the incoming gradient leaves the Dirichlet's unknown
    second derivative out, silently. symgrad's raises in both (a deliberate difference,
    ``tests/test_torch_parity.py``)."""
    twice = ("RuntimeError", "trying to differentiate twice a function that was marked with "
             "@once_differentiable")

    def alone(lib: Any) -> Any:
        c = lib.tensor([0.5, 3.0], requires_grad=True)
        lib.manual_seed(5)
        x = lib.distributions.Dirichlet(c).rsample()
        (g,) = lib.autograd.grad((x * lib.tensor([1.0, 2.0])).sum(), c, create_graph=True)
        return g.requires_grad, _run(lambda lib: lib.autograd.grad(g.sum(), c), lib)

    def partial(lib: Any) -> Any:
        c, _, g = _dirichlet_first(lib)
        return _run(lambda lib: lib.autograd.grad(g.sum(), c)[0], lib)

    assert alone(torch) == (False, ("RuntimeError", "element 0 of tensors does not require "
                                    "grad and does not have a grad_fn"))
    assert alone(symgrad) == (True, twice)
    assert isinstance(partial(torch), torch.Tensor)  # the term through the draw left out
    assert partial(symgrad) == twice


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64"])
def test_draws_refuse_pytorchs_dtypes(dtype: str) -> None:
    for fn in (lambda lib: lib._standard_gamma(lib.tensor([1.0, 2.0]).to(getattr(lib, dtype))),
               lambda lib: lib._sample_dirichlet(lib.tensor([1.0, 2.0]).to(getattr(lib, dtype))),
               lambda lib: lib._standard_gamma_grad(*[lib.tensor([1.0, 2.0]).to(
                   getattr(lib, dtype))] * 2)):
        assert _run(fn, symgrad) == _run(fn, torch)


def test_top_level_draws_are_pytorchs() -> None:
    seen = []
    for lib in (torch, symgrad):
        lib.manual_seed(9)
        conc = lib.tensor([[0.5, 3.0, 1.0], [2.0, 7.0, 0.1]], dtype=lib.float64)
        x = lib._standard_gamma(conc)
        y = lib._sample_dirichlet(conc)
        seen.append((x, y))
    for t, s in zip(*seen, strict=True):
        np.testing.assert_array_equal(_np(t), _np(s))


# -- poisson and binomial: PoissonBackward0 (a zero gradient), binomial's NotImplemented -------
def _poisson(lib: Any, dtype: str = "float32") -> Any:
    rates = lib.tensor([0.5, 4.0, 30.0], dtype=getattr(lib, dtype), requires_grad=True)
    lib.manual_seed(2)
    counts = lib.poisson(rates)
    (g,) = lib.autograd.grad((counts * rates).sum(), rates, create_graph=True)
    counts.sum().backward()
    return (counts, _names(counts.grad_fn, 2), rates.grad, g, g.requires_grad,
            _names(g.grad_fn, 3))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_poisson_records_pytorchs_zero_gradient(dtype: str) -> None:
    (tc, tn, tgrad, tg, trg, tgn), (sc, sn, sgrad, sg, srg, sgn) = (
        _poisson(lib, dtype) for lib in (torch, symgrad))
    assert (tn, trg, tgn) == (sn, srg, sgn)
    assert tn[0] == "PoissonBackward0"
    for t, s in ((tc, sc), (tgrad, sgrad), (tg, sg)):
        _close(t, s, ulps=0)


def test_poisson_records_nothing_without_grad() -> None:
    for lib in (torch, symgrad):
        rates = lib.tensor([0.5, 4.0], requires_grad=True)
        with lib.no_grad():
            assert lib.poisson(rates).grad_fn is None
        assert not lib.poisson(rates.detach()).requires_grad


BINOMIAL = {
    "both": (True, True), "count": (True, False), "prob": (False, True), "neither": (False, False),
}


@pytest.mark.parametrize("name", list(BINOMIAL))
def test_binomial_records_a_node_that_refuses(name: str) -> None:
    def run(lib: Any) -> Any:
        n_grad, p_grad = BINOMIAL[name]
        count = lib.tensor([10.0, 20.0], requires_grad=n_grad)
        prob = lib.tensor([0.3, 0.5], requires_grad=p_grad)
        lib.manual_seed(1)
        out = lib.binomial(count, prob)
        with lib.no_grad():
            quiet = lib.binomial(count, prob).requires_grad
        wanted = [t for t in (count, prob) if t.requires_grad]
        return (_np(out).tolist(), out.requires_grad, quiet, _names(out.grad_fn, 2),
                _run(lambda lib: lib.autograd.grad(out.sum(), wanted), lib) if wanted else None)

    assert run(symgrad) == run(torch)
