"""Meanings of PyTorch's operators beyond the elementwise table: fused backward operators of
structural ops (softmax, log_softmax, layer_norm, nll_loss), erfinv, hardtanh, addmm with
beta and alpha, embedding with padding_idx, rounding and remainders (skipped where torch is
not installed).

Each test runs torch, so that the operator is really called, and takes its expected exact
values from mpmath (derivatives to 40 digits of functions written here from their textbook
definitions) or from rationals, never from the oracle.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from oracle.crosscheck import crosscheck  # noqa: E402
from oracle.engines import engine_for  # noqa: E402

JUDGED = ("ok", "fd-unreliable")
X = [[0.5, -1.0, 2.0], [0.25, 1.5, -0.75]]
W = [[0.3, -0.7, 1.1], [0.2, 0.9, -0.4]]


def _x(values=X, dtype=torch.float64):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


def _ops(fn, inputs):
    return {n.op for n in engine_for(inputs).record(fn, inputs).graph.nodes if n.kind == "op"}


def _mp_grad(f, xs):
    """The gradient of ``f`` (a function of a flat list of mpf) at ``xs``, at the working
    precision (which ``mpmath.diff`` raises inside: a nested call must keep it)."""
    pts = [mpmath.mpf(v) for v in xs]
    return [mpmath.diff(lambda t, j=j: f(pts[:j] + [t] + pts[j + 1:]), pts[j])
            for j in range(len(pts))]


def _rows(flat, n):
    return [flat[i:i + n] for i in range(0, len(flat), n)]


def _mp_softmax(row):
    es = [mpmath.exp(v) for v in row]
    return [e / mpmath.fsum(es) for e in es]


def _mp_log_softmax(row):
    lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in row))
    return [v - lse for v in row]


def _mp_layer_norm(row):
    n, eps = len(row), mpmath.mpf(1e-5)  # torch's default eps, a binary float
    mean = mpmath.fsum(row) / n
    var = mpmath.fsum((v - mean) ** 2 for v in row) / n
    return [(v - mean) / mpmath.sqrt(var + eps) for v in row]


def _squared_vjp(line_fn, w, n=3):
    """F(x) = sum over j of (d/dx_j sum_i w_i f_i(x))**2, f applied row by row."""
    w = [mpmath.mpf(v) for row in w for v in row]

    def weighted(xs):
        return mpmath.fsum(wi * fi for wi, fi in zip(
            w, [v for row in _rows(xs, n) for v in line_fn(row)], strict=True))

    def big_f(xs):
        return mpmath.fsum(g * g for g in _mp_grad(weighted, xs))

    return big_f


def _grad_norm(f, w):
    wt = torch.tensor(w, dtype=torch.float64)

    def fn(x):
        (g,) = torch.autograd.grad(f(x), x, wt, create_graph=True)
        return (g * g).sum()

    return fn


def _assert_exact(verdict, expected, rel=1e-25, name="x0"):
    with mpmath.workdps(40):
        got = {tuple(e.index): mpmath.mpf(e.exact) for e in verdict.elements
               if e.input == name}
        for j, want in enumerate(expected):
            have = got[tuple(int(i) for i in np.unravel_index(j, np.shape(X)))]
            assert abs(have - want) <= rel * max(abs(want), 1), (j, have, want)


@pytest.mark.parametrize(("name", "op", "line"), [
    ("softmax_backward_data", lambda x: torch.softmax(x, -1), _mp_softmax),
    ("log_softmax_backward_data", lambda x: torch.log_softmax(x, -1), _mp_log_softmax),
    ("layer_norm_backward", lambda x: torch.nn.functional.layer_norm(x, (3,)), _mp_layer_norm),
])
def test_fused_backward_of_a_structural_op_is_its_vjp(name, op, line):
    x = _x()
    fn = _grad_norm(op, W)
    assert name in _ops(fn, [x])
    v = crosscheck(fn, [x])
    assert v.status in JUDGED, v.message
    flat = [float(a) for row in X for a in row]
    with mpmath.workdps(40):
        want = _mp_grad(_squared_vjp(line, W), flat)
    _assert_exact(v, want, rel=1e-20)


def test_layer_norm_backward_gives_weight_and_bias_their_gradients():
    x, w, b = _x(), _x([1.5, -0.5, 0.75]), _x([0.1, 0.2, -0.3])

    def fn(x, w, b):
        y = torch.nn.functional.layer_norm(x, (3,), w, b)
        gx, gw, gb = torch.autograd.grad((y * y.detach().exp()).sum(), (x, w, b),
                                         create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum() + (gb * gw).sum()

    assert "layer_norm_backward" in _ops(fn, [x, w, b])
    v = crosscheck(fn, [x, w, b])
    assert v.status in JUDGED, v.message
    torch_grads = [torch.zeros_like(t) if g is None else g for g, t in zip(
        torch.autograd.grad(fn(x, w, b), (x, w, b), allow_unused=True), (x, w, b), strict=True)]
    by_input = {e.input: {} for e in v.elements}
    for e in v.elements:
        by_input[e.input][tuple(e.index)] = float(mpmath.mpf(e.exact))
    for name, g in zip(("x0", "x1", "x2"), torch_grads, strict=True):
        exact = np.array([by_input[name][i] for i in sorted(by_input[name])]).reshape(g.shape)
        np.testing.assert_allclose(exact, g.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_backward_is_the_vjp_of_nll_loss(reduction, weighted):
    x = _x()
    target = torch.tensor([0, 2])
    weight = torch.tensor([0.5, 2.0, 1.5], dtype=torch.float64) if weighted else None

    def fn(x):
        loss = torch.nn.functional.nll_loss(x, target, weight=weight, reduction=reduction)
        (g,) = torch.autograd.grad(loss.sum(), x, create_graph=True)
        return (g * x * x).sum()

    assert "nll_loss_backward" in _ops(fn, [x])
    v = crosscheck(fn, [x])
    assert v.status in JUDGED, v.message
    # d/dx of sum(g * x**2) with g constant: 2 g x, g = -w_t (/ sum of w_t for "mean").
    ws = [0.5, 2.0, 1.5] if weighted else [1.0, 1.0, 1.0]
    picked = [ws[0], ws[2]]
    total = sum(picked) if reduction == "mean" else 1
    want = []
    for i, row in enumerate(X):
        for c, xv in enumerate(row):
            g = -mpmath.mpf(picked[i]) / total if c == (0, 2)[i] else 0
            want.append(2 * g * mpmath.mpf(xv))
    _assert_exact(v, want)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_erfinv_first_and_second_order(dtype):
    x = _x([[0.25, -0.5, 0.875], [0.0625, 0.75, -0.125]], dtype)
    v = crosscheck(lambda x: torch.erfinv(x).sum(), [x])
    assert v.status in JUDGED, v.message
    vals = [float(a) for a in x.detach().double().flatten()]
    with mpmath.workdps(40):
        want = [mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(mpmath.erfinv(a) ** 2) for a in vals]
    _assert_exact(v, want)
    v2 = crosscheck(lambda x: torch.erfinv(x).sum(), [x], order=2, v=[torch.ones_like(x)])
    assert v2.status in JUDGED, v2.message
    with mpmath.workdps(40):
        want2 = [mpmath.diff(mpmath.erfinv, mpmath.mpf(a), 2) for a in vals]
    _assert_exact(v2, want2, rel=1e-20)


def test_hardtanh_is_judged_with_pytorchs_zero_on_its_bounds():
    x = _x([[-1.0, 0.5, 1.0], [2.0, -3.0, -0.25]])
    v = crosscheck(lambda x: torch.nn.functional.hardtanh(x).sum(), [x])
    assert v.status in ("ok", "kink", "fd-unreliable"), v.message
    status = {tuple(e.index): (e.status, e.engine) for e in v.elements}
    assert status[(0, 0)] == ("kink", 0.0) and status[(0, 2)] == ("kink", 0.0)
    assert status[(0, 1)] == ("ok", 1.0) and status[(1, 0)][1] == 0.0


def test_hardtanh_backward_is_judged_through_a_double_backward():
    x = _x([[0.5, -0.75, 2.0], [0.25, 1.5, -0.125]])

    def fn(x):
        (g,) = torch.autograd.grad((torch.nn.functional.hardtanh(x) * x * x).sum(), x,
                                   create_graph=True)
        return (g * g).sum()

    assert "hardtanh_backward" in _ops(fn, [x])
    v = crosscheck(fn, [x])
    assert v.status in JUDGED, v.message
    # g = x**2 * [|x| < 1] + 2 x hardtanh(x); inside: g = 3 x**2, d(g**2)/dx = 36 x**3;
    # outside: g = 2 x sign(x), d(g**2)/dx = 8 x.
    want = [36 * mpmath.mpf(a) ** 3 if abs(a) < 1 else 8 * mpmath.mpf(a)
            for row in x.tolist() for a in row]
    _assert_exact(v, want)


@pytest.mark.parametrize(("beta", "alpha"), [(0.5, 3.0), (0.0, 1.0), (2.0, -1.0)])
def test_addmm_with_beta_and_alpha(beta, alpha):
    s = _x([[0.5, 1.0], [-2.0, 0.25]])
    m1 = _x([[0.5, 1.0], [-2.0, 0.25]])
    m2 = _x([[0.25, -1.0], [0.5, 0.125]])
    v = crosscheck(lambda s, m1, m2: torch.addmm(s, m1, m2, beta=beta, alpha=alpha).exp().sum(),
                   [s, m1, m2])
    assert v.status in JUDGED, v.message
    # d/ds sum(exp(beta s + alpha m1 m2)) = beta exp(...), in rationals then exp.
    a, b, c = (np.array(t.tolist(), dtype=object) for t in (s, m1, m2))
    q = [[mpmath.mpf(beta) * a[i][j] + mpmath.mpf(alpha) * (b[i][0] * c[0][j] + b[i][1] * c[1][j])
          for j in range(2)] for i in range(2)]
    with mpmath.workdps(40):
        want = [mpmath.mpf(beta) * mpmath.exp(q[i][j]) for i in range(2) for j in range(2)]
    with mpmath.workdps(40):
        got = {tuple(e.index): mpmath.mpf(e.exact) for e in v.elements if e.input == "x0"}
        for j, w in enumerate(want):
            assert abs(got[divmod(j, 2)] - w) <= 1e-25 * max(abs(w), 1)


def test_embedding_padding_row_gets_no_gradient():
    w = _x([[0.5, 1.0], [-2.0, 0.25], [3.0, 1.5]])
    idx = torch.tensor([[1, 2], [1, 0], [2, 2]])
    v = crosscheck(lambda w: (torch.nn.functional.embedding(idx, w, padding_idx=1) ** 2).sum(),
                   [w])
    assert v.status in JUDGED, v.message
    # d/dw of sum(w[i]**2) over the picked rows: 2 w times how often the row is picked,
    # except the padding row (1).
    count = {0: 1, 1: 0, 2: 3}
    exact = {tuple(e.index): mpmath.mpf(e.exact) for e in v.elements}
    for (r, c), val in np.ndenumerate(np.array(w.tolist())):
        assert exact[(r, c)] == 2 * count[r] * mpmath.mpf(val)


def test_embedding_scaled_by_frequency_has_no_meaning_and_fd_finds_it_off():
    w = _x([[0.5, 1.0], [-2.0, 0.25]])
    v = crosscheck(lambda w: torch.nn.functional.embedding(
        torch.tensor([0, 0, 1]), w, scale_grad_by_freq=True).sum(), [w])
    # Row 0, picked twice, gets 1 (scaled by 1/2), where the gradient of the sum is 2.
    assert v.status == "engine-wrong"
    assert "aten.embedding.default (embedding.default with scale_grad_by_freq)" in v.message
    assert "finite differences alone find 2 element(s) wrong" in v.message


def test_every_torch_only_meaning_is_produced_by_an_aten_rule():
    import inspect

    from oracle.engines import aten_ops
    from oracle.semantics import MEANINGS

    source = inspect.getsource(aten_ops)
    for op in aten_ops.TORCH_ONLY:
        assert op in MEANINGS and f'"{op}"' in source, op


ROUNDED = {
    # torch function, the gradient of sum(f(x) * x) in x: f(x) itself (f' is 0 off its jumps,
    # and PyTorch's 0 on them), from Python's own rounding of the binary value.
    "floor": (torch.floor, math.floor),
    "ceil": (torch.ceil, math.ceil),
    "trunc": (torch.trunc, math.trunc),
    "round": (torch.round, round),  # both round half to even
}


@pytest.mark.parametrize("name", sorted(ROUNDED))
def test_rounding_steps_have_zero_derivative(name):
    f, exact = ROUNDED[name]
    x = _x([[0.5, -1.0, 2.25], [1.5, -0.75, 3.0]])
    v = crosscheck(lambda x: (f(x) * x).sum(), [x])
    assert v.status in ("ok", "fd-unreliable", "kink"), v.message
    for e in v.elements:
        a = X_ROUNDING[e.index[0]][e.index[1]]
        assert mpmath.mpf(e.exact) == exact(a) and e.engine == exact(a), (e.index, e.exact)


X_ROUNDING = [[0.5, -1.0, 2.25], [1.5, -0.75, 3.0]]


@pytest.mark.parametrize(("fn", "step"), [(torch.remainder, math.floor), (torch.fmod, math.trunc)])
def test_remainders_differentiate_to_one_and_minus_the_quotient(fn, step):
    from fractions import Fraction

    x = _x([[0.5, -1.25, 2.0], [1.75, -0.625, 3.5]])
    y = _x([[0.375, 0.5, -1.5], [1.0, 0.25, 1.5]])
    v = crosscheck(lambda x, y: fn(x, y).sum(), [x, y])
    assert v.status in JUDGED, v.message
    for e in v.elements:
        i, j = e.index
        a, b = Fraction(x.tolist()[i][j]), Fraction(y.tolist()[i][j])
        want = 1 if e.input == "x0" else -step(a / b)
        assert mpmath.mpf(e.exact) == want and e.engine == want, (e.input, e.index)
    s = crosscheck(lambda x: fn(x, 0.75).sum(), [x])
    assert s.status in JUDGED and {e.engine for e in s.elements} == {1.0}, s.message


def test_rms_norm_a_composite_writing_in_place_is_judged():
    # F.rms_norm adds eps in place (add_) into its mean of squares.
    x = _x()
    v = crosscheck(lambda x: (torch.nn.functional.rms_norm(x, (3,)) ** 3).sum(), [x])
    assert v.status in JUDGED, v.message

    def f(xs):
        eps = mpmath.mpf(2) ** -52  # torch.finfo(float64).eps, rms_norm's default
        out = []
        for row in _rows(xs, 3):
            r = mpmath.sqrt(mpmath.fsum(v * v for v in row) / 3 + eps)
            out += [(v / r) ** 3 for v in row]
        return mpmath.fsum(out)

    with mpmath.workdps(40):
        want = _mp_grad(f, [a for row in X for a in row])
    _assert_exact(v, want, rel=1e-20)


ACTIVATIONS = {
    # torch call, its definition in mpmath (away from kinks), the fused backward it runs
    "elu": (torch.nn.functional.elu, lambda v: v if v > 0 else mpmath.exp(v) - 1,
            "elu_backward"),
    "leaky_relu": (lambda x: torch.nn.functional.leaky_relu(x, 0.25),
                   lambda v: v if v > 0 else v / 4, "leaky_relu_backward"),
    "softplus": (lambda x: torch.nn.functional.softplus(x, beta=2.0, threshold=1.0),
                 lambda v: v if 2 * v > 1 else mpmath.log(1 + mpmath.exp(2 * v)) / 2,
                 "softplus_backward"),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_fused_activation_backward_through_a_double_backward(name):
    f, mp_f, fused = ACTIVATIONS[name]
    values = [[0.75, -1.0, 0.25], [0.375, 1.5, -0.625]]
    x = _x(values)

    def fn(x):
        (g,) = torch.autograd.grad((f(x) * f(x)).sum(), x, create_graph=True)
        return (g * g * x).sum()

    assert fused in _ops(fn, [x])
    v = crosscheck(fn, [x])
    assert v.status in JUDGED, v.message

    def big_f(xs):
        gs = _mp_grad(lambda ys: mpmath.fsum(mp_f(y) ** 2 for y in ys), xs)
        return mpmath.fsum(g * g * t for g, t in zip(gs, xs, strict=True))

    with mpmath.workdps(40):
        want = _mp_grad(big_f, [a for row in values for a in row])
    _assert_exact(v, want, rel=1e-20)
