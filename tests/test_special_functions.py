"""The special functions (``symgrad/ops/special.py``, ``symgrad.special``) against PyTorch 2.13:
values, grad_fn names, first and second order gradients in float32 and float64, PyTorch's
values at the poles and ends, errors and dtypes; and against the mathematics (mpmath) where
PyTorch's own kernels are off: digamma (lgamma's derivative) near its root, erfinv's derivative
near +-1.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import symgrad
import symgrad.special

torch = pytest.importorskip("torch")

mpmath.mp.prec = 120
F64 = (symgrad.float64, torch.float64)
F32 = (symgrad.float32, torch.float32)


def both(values, dtypes=F64, requires_grad=True):
    return (symgrad.tensor(values, dtype=dtypes[0], requires_grad=requires_grad),
            torch.tensor(values, dtype=dtypes[1], requires_grad=requires_grad))


def same(a, b, rtol=None, atol=None):
    got = np.asarray(a.detach().tolist(), dtype=np.float64)
    want = b.detach().double().numpy()
    if rtol is None:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol or 0, equal_nan=True)


def ulps(got, exact):
    exact = float(exact)
    return abs(got - exact) / np.spacing(abs(exact))


# name -> (symgrad function, torch function, points inside the domain)
MODERATE = [0.3, 1.7, 2.5, 4.25, 11.5, -0.3, -1.7, -2.4]
FUNCTIONS = {
    "lgamma": (symgrad.lgamma, torch.lgamma, MODERATE),
    "digamma": (symgrad.digamma, torch.digamma, MODERATE),
    "polygamma1": (lambda x: symgrad.polygamma(1, x), lambda x: torch.polygamma(1, x), MODERATE),
    "polygamma2": (lambda x: symgrad.polygamma(2, x), lambda x: torch.polygamma(2, x),
                   MODERATE[:5]),
    "polygamma3": (lambda x: x.polygamma(3), lambda x: x.polygamma(3), MODERATE[:5]),
    "mvlgamma": (lambda x: symgrad.mvlgamma(x, 3), lambda x: torch.mvlgamma(x, 3),
                 [1.2, 1.7, 2.5, 4.25, 11.5]),
    "erfinv": (symgrad.erfinv, torch.erfinv, [0.3, -0.7, 0.95, -0.999, 0.01]),
    "logit": (symgrad.logit, torch.logit, [0.3, 0.7, 0.95, 0.001, 0.45]),
    "logit_eps": (lambda x: symgrad.logit(x, 0.1), lambda x: torch.logit(x, 0.1),
                  [0.3, 0.7, 0.95, 0.001, 0.45]),
    "xlogy": (lambda x: symgrad.xlogy(x, x * 2), lambda x: torch.xlogy(x, x * 2),
              [0.3, 0.7, 2.5, 11.5]),
    "xlog1py": (lambda x: symgrad.special.xlog1py(x, x * 2),
                lambda x: torch.special.xlog1py(x, x * 2), [0.3, 0.7, 2.5, -0.4]),
    "entr": (symgrad.special.entr, torch.special.entr, [0.3, 0.7, 2.5, 11.5]),
    "gammaln": (symgrad.special.gammaln, torch.special.gammaln, MODERATE),
    "psi": (symgrad.special.psi, torch.special.psi, MODERATE),
    "multigammaln": (lambda x: symgrad.special.multigammaln(x, 2),
                     lambda x: torch.special.multigammaln(x, 2), [1.2, 2.5]),
    "expit": (symgrad.special.expit, torch.special.expit, [0.3, 1.7, -0.3, -1.7]),
    "special_erfinv": (symgrad.special.erfinv, torch.special.erfinv, [0.3, -0.7]),
    "special_logit": (symgrad.special.logit, torch.special.logit, [0.3, 0.7]),
    "special_xlogy": (lambda x: symgrad.special.xlogy(x, 3.0),
                      lambda x: torch.special.xlogy(x, 3.0), [0.3, 0.7]),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("dtypes", [F64, F32], ids=["float64", "float32"])
def test_values_names_and_gradients_as_torch(name, dtypes):
    ours, theirs, points = FUNCTIONS[name]
    x, tx = both(points, dtypes)
    y, ty = ours(x), theirs(tx)
    assert y.dtype.name == str(ty.dtype).split(".")[1]
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__
    rtol = 1e-12 if dtypes is F64 else 2e-6
    # PyTorch's float64 trigamma: see below (symgrad's values: test_polygamma_1_at_its_poles...)
    same(y, ty, 1e-8 if name == "polygamma1" and dtypes is F64 else rtol, 1e-300)
    # PyTorch's float64 trigamma (digamma's derivative) is 4e-10 off (2e6 ULP: 12.2453645449 at
    # 0.3 for 12.2453645461): gradients that reach it are held to the mathematics below.
    rtol = 1e-8 if dtypes is F64 else rtol
    w = [1.0 + 0.25 * i for i in range(len(points))]
    (g,) = symgrad.autograd.grad(y, x, symgrad.tensor(w, dtype=dtypes[0]), create_graph=True)
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(w, dtype=dtypes[1]), create_graph=True)
    same(g, tg, rtol * 10, 1e-300)
    if tg.grad_fn is None:
        return
    (g2,) = symgrad.autograd.grad(g.sum(), x)
    (tg2,) = torch.autograd.grad(tg.sum(), tx)
    same(g2, tg2, rtol * 100, 1e-12)


def test_derivatives_of_digamma_are_exact_where_torchs_trigamma_is_not():
    points = [0.3, 1.7, 2.5, -0.3, -1.7, 11.5]
    x = symgrad.tensor(points, dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.digamma(x).sum(), x, create_graph=True)
    (g2,) = symgrad.autograd.grad(g.sum(), x)
    for got, got2, v in zip(g.tolist(), g2.tolist(), points, strict=True):
        assert ulps(got, mpmath.psi(1, v)) <= 4, v
        assert ulps(got2, mpmath.psi(2, v)) <= 8, v


def test_polygamma_1_at_its_poles_and_its_values():
    # +inf on both sides of 0 and the negative integers (PyTorch: 6.6e32 at -1, from
    # sin(pi x) not being 0); pi**2/6 at 1, pi**2/2 at 1/2 (PyTorch: 8e-10 and 1.5e-9 off).
    got = symgrad.polygamma(1, symgrad.tensor([0.0, -1.0, -2.0, 1.0, 0.5],
                                              dtype=symgrad.float64)).tolist()
    assert got[:3] == [math.inf] * 3
    assert ulps(got[3], mpmath.pi**2 / 6) <= 1 and ulps(got[4], mpmath.pi**2 / 2) <= 1


def test_third_order_of_lgamma_is_polygamma_2():
    x = symgrad.tensor([0.75, 3.5], dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.lgamma(x).sum(), x, create_graph=True)
    (g2,) = symgrad.autograd.grad(g.sum(), x, create_graph=True)
    (g3,) = symgrad.autograd.grad(g2.sum(), x)
    for got, v in zip(g3.tolist(), (0.75, 3.5), strict=True):
        assert ulps(got, mpmath.psi(2, v)) <= 4


# -- PyTorch's values at poles, ends and special inputs -----------------------------------------
EDGE_INPUTS = {
    "lgamma": [0.0, -0.0, -1.0, -2.0, math.inf, -math.inf, math.nan, 5e-324, 1e300],
    "digamma": [0.0, -0.0, -1.0, -2.0, math.inf, -math.inf, math.nan, 5e-324, 1e300, -0.5],
    "polygamma1": [0.0, -0.0, math.inf, 5e-324, 1e300],
    "polygamma3": [0.0, -0.0, -1.0, -3.0, 1e300, -0.5, 0.5],
    "erfinv": [1.0, -1.0, 1.5, -0.0, 0.0, math.nan, 1 - 2**-53, 5e-324],
    "logit": [0.0, 1.0, -0.5, 1.5, 0.5, math.nan, 5e-324],
    "logit_eps": [0.0, 1.0, -0.5, 1.5, 0.5, math.nan, 0.1, 0.9],
    "entr": [0.0, -0.0, -1.0, math.inf, math.nan, 5e-324],
}


@pytest.mark.parametrize("name", sorted(EDGE_INPUTS))
def test_edge_values_as_torch(name):
    ours, theirs, _ = FUNCTIONS[name]
    x, tx = both(EDGE_INPUTS[name], requires_grad=False)
    same(ours(x), theirs(tx), 1e-13, 0)


def test_edge_gradients_as_torch():
    # logit's clamp: both ends of [eps, 1 - eps] get the slope, outside 0; without eps NaN
    # outside [0, 1]; entr's -(1 + log x): inf at 0, NaN below.
    for ours, theirs, values in (
            (lambda x: symgrad.logit(x, 0.1), lambda x: torch.logit(x, 0.1),
             [0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0, -0.1, 1.1]),
            (symgrad.logit, torch.logit, [0.0, 0.05, 0.5, 1.0, -0.1, 1.1]),
            (symgrad.special.entr, torch.special.entr, [0.0, -0.0, -1.0, 1.0])):
        x, tx = both(values)
        ours(x).sum().backward()
        theirs(tx).sum().backward()
        same(x.grad, tx.grad, 1e-13, 0)


def test_xlogy_zeros_and_numbers_as_torch():
    # d/dx x log y = log y, 0 where x == 0 and y <= 0 (no derivative there); d/dy = x / y.
    for ours, theirs, shift in ((symgrad.xlogy, torch.xlogy, 0.0),
                                (symgrad.special.xlog1py, torch.special.xlog1py, -1.0)):
        xs, ys = [0.0, 0.0, 0.0, 1.0, 0.0, 2.0], [0.0, 2.0, -1.0, 0.0, math.inf, math.nan]
        x, tx = both(xs)
        y, ty = both([v + shift for v in ys])
        out, tout = ours(x, y), theirs(tx, ty)
        same(out, tout, 1e-15, 0)
        tout.sum().backward()
        out.sum().backward()
        same(x.grad, tx.grad, 1e-15, 0)
        same(y.grad, ty.grad, 1e-15, 0)
        # a number on either side: XlogyBackward2 (other), XlogyBackward1 (self)
        a, ta = both([0.5, 2.0])
        for left, right in ((a, 3.0), (3.0, a)):
            tleft = ta if left is a else left
            tright = ta if right is a else right
            got, want = ours(left, right), theirs(tleft, tright)
            assert type(got.grad_fn).__name__ == type(want.grad_fn).__name__
            same(got, want, 1e-15, 0)


# -- the mathematics where PyTorch's kernels are off ---------------------------------------------
def test_digamma_keeps_its_digits_at_its_root():
    # lgamma's derivative at lgamma's minimum: PyTorch's recurrence cancels (218 ULP at 94/64,
    # no right digit at the float64 nearest the root); symgrad's series keeps them.
    for v in (94 / 64, 1.4616321449683622, 1.453125, 1.5, -1.609375):
        x = symgrad.tensor([v], dtype=symgrad.float64, requires_grad=True)
        symgrad.lgamma(x).backward()
        assert ulps(x.grad.item(), mpmath.digamma(v)) <= 2, v


def test_digamma_polygamma_erfinv_accuracy_on_grids():
    rng = np.random.default_rng(7)
    grid = np.concatenate([rng.uniform(0, 3, 300), np.exp(rng.uniform(-30, 600, 100)),
                           rng.uniform(3, 12, 100)])
    got = symgrad.digamma(symgrad.tensor(grid, dtype=symgrad.float64)).tolist()
    assert max(ulps(g, mpmath.digamma(v)) for g, v in zip(got, grid, strict=True)) <= 6
    for n in (1, 2, 5):
        got = symgrad.polygamma(n, symgrad.tensor(grid[:300], dtype=symgrad.float64)).tolist()
        assert max(ulps(g, mpmath.psi(n, v)) for g, v in zip(got, grid, strict=False)) <= 8
    ys = np.concatenate([rng.uniform(-1, 1, 300), 1 - np.exp(rng.uniform(-36, 0, 100)),
                         [1 - 2**-53, -1 + 2**-53, 5e-324]])
    got = symgrad.erfinv(symgrad.tensor(ys, dtype=symgrad.float64)).tolist()
    assert max(ulps(g, mpmath.erfinv(v)) for g, v in zip(got, ys, strict=True) if v) <= 2


def test_erfinv_derivative_near_one():
    # sqrt(pi)/2 exp(erfinv(x)**2): PyTorch's is 31 ULP off at 1 - 2**-53 (the square of a
    # rounded 5.86); symgrad's within 3.
    for v in (1 - 2**-53, 1 - 2**-30, -(1 - 2**-40), 0.999):
        x = symgrad.tensor([v], dtype=symgrad.float64, requires_grad=True)
        symgrad.erfinv(x).backward()
        exact = mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(mpmath.erfinv(mpmath.mpf(v)) ** 2)
        assert ulps(x.grad.item(), exact) <= 3, v


def test_logit_keeps_its_digits_near_one_half():
    for v in (0.5 + 2**-30, 0.5 - 2**-40, 0.25, 0.75 + 2**-20):
        got = symgrad.logit(symgrad.tensor([v], dtype=symgrad.float64)).item()
        assert ulps(got, mpmath.log(mpmath.mpf(v) / (1 - mpmath.mpf(v)))) <= 2, v


# -- dtypes, errors, in-place forms ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["bool", "int64", "uint8", "float16", "bfloat16"])
def test_result_dtypes_as_torch(dtype):
    for name in ("lgamma", "digamma", "polygamma1", "erfinv", "logit", "entr"):
        ours, theirs, _ = FUNCTIONS[name]
        x = symgrad.tensor([1, 0]).to(getattr(symgrad, dtype))
        tx = torch.tensor([1, 0]).to(getattr(torch, dtype))
        want = theirs(tx)
        got = ours(x)
        assert got.dtype.name == str(want.dtype).split(".")[1]
        same(got, want, 1e-2, 0)


def test_errors_as_torch():
    cases = (
        (lambda m, t: m.polygamma(-1, t([0.5]))),
        (lambda m, t: m.polygamma(1.5, t([0.5]))),
        (lambda m, t: m.mvlgamma(t([2.5]), 0)),
        (lambda m, t: m.mvlgamma(t([True]), 1)),
    )
    for case in cases:
        with pytest.raises(Exception) as want:
            case(torch, torch.tensor)
        with pytest.raises(type(want.value)) as got:
            case(symgrad, symgrad.tensor)
        assert str(got.value) == str(want.value)


def test_in_place_forms_as_torch():
    for name, args in (("lgamma", ()), ("digamma", ()), ("erfinv", ()), ("logit", ()),
                       ("logit", (0.2,)), ("xlogy", (2.0,)), ("polygamma", (2,)),
                       ("mvlgamma", (1,))):
        x, tx = both([0.25, 0.5, 0.75], requires_grad=False)
        a, ta = x * 1, tx * 1
        assert getattr(a, name + "_")(*args) is a
        getattr(ta, name + "_")(*args)
        same(a, ta, 1e-13, 0)
