"""``i0`` (``torch.i0``, ``Tensor.i0``, ``torch.special.i0``), ``torch.special.i1`` and ``sinc``
(``torch.sinc``, ``Tensor.sinc``, ``torch.special.sinc``) against PyTorch 2.13: grad_fn names,
values, first and second order gradients, result dtypes, in-place forms and errors; and against
the mathematics (mpmath) where PyTorch's are off: sinc at the integers and far from 0, its
second derivative at 0, i1's second derivative near 0, i0 past 709.8.
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

# name -> (symgrad function, torch function, the mathematics)
FUNCTIONS = {
    "i0": (symgrad.i0, torch.i0, lambda x: mpmath.besseli(0, x)),
    "special.i0": (symgrad.special.i0, torch.special.i0, lambda x: mpmath.besseli(0, x)),
    "i0 method": (lambda x: x.i0(), lambda x: x.i0(), lambda x: mpmath.besseli(0, x)),
    "special.i1": (symgrad.special.i1, torch.special.i1, lambda x: mpmath.besseli(1, x)),
    "sinc": (symgrad.sinc, torch.sinc, lambda x: mpmath.sinc(mpmath.pi * x)),
    "special.sinc": (symgrad.special.sinc, torch.special.sinc,
                     lambda x: mpmath.sinc(mpmath.pi * x)),
    "sinc method": (lambda x: x.sinc(), lambda x: x.sinc(), lambda x: mpmath.sinc(mpmath.pi * x)),
}
GRAD_FN = {"i0": "I0Backward0", "special.i0": "I0Backward0", "i0 method": "I0Backward0",
           "special.i1": "SpecialI1Backward0", "sinc": "SincBackward0",
           "special.sinc": "SincBackward0", "sinc method": "SincBackward0"}
POINTS = [0.375, -1.25, 2.5, -4.0625, 7.75, 0.0625, 13.5, -0.6875]


def ulps(got, exact, dtype=np.float64):
    exact = float(exact)
    return abs(float(got) - exact) / float(np.spacing(np.abs(np.array(exact, dtype=dtype))))


def both(values, dtype="float64", requires_grad=True):
    return (symgrad.tensor(values, dtype=getattr(symgrad, dtype), requires_grad=requires_grad),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_names_values_and_gradients_as_torch(name):
    mine, theirs, _ = FUNCTIONS[name]
    # PyTorch's float32 sinc rounds pi x in float32: 3.8e-7 off at 7.75 (symgrad's is the
    # correctly rounded value), its slope 8.5e-5 off at 13.5 (cos(13.5 pi) = 0 there)
    f32 = 5e-6 if "sinc" in name else 1e-6  # PyTorch's i1(7.75): 6 float32 ULP off
    for dtype, rtol in (("float64", 1e-14), ("float32", f32)):
        x, tx = both(POINTS, dtype)
        y, ty = mine(x), theirs(tx)
        assert type(y.grad_fn).__name__ == GRAD_FN[name] == type(ty.grad_fn).__name__
        np.testing.assert_allclose(y.tolist(), ty.tolist(), rtol=rtol, atol=1e-30)
        w = [0.5, -1.0, 2.0, 1.5, -0.25, 1.0, 0.75, -2.0]
        (g,) = symgrad.autograd.grad(y, x, symgrad.tensor(w, dtype=getattr(symgrad, dtype)),
                                     create_graph=True)
        (tg,) = torch.autograd.grad(ty, tx, torch.tensor(w, dtype=getattr(torch, dtype)),
                                    create_graph=True)
        np.testing.assert_allclose(g.tolist(), tg.tolist(), rtol=(
            1e-4 if "sinc" in name and dtype == "float32" else 20 * rtol))
        (g2,) = symgrad.autograd.grad(g.sum(), x)
        (tg2,) = torch.autograd.grad(tg.sum(), tx)
        # PyTorch's second orders cancel near 0 (i1: 0 - i1'/x + ...); away from it they agree
        away = np.abs(np.array(POINTS)) > 1
        np.testing.assert_allclose(np.array(g2.tolist())[away], tg2.numpy()[away],
                                   rtol=1e3 * rtol)


@pytest.mark.parametrize("name", ["i0", "special.i1", "sinc"])
def test_values_within_a_few_ulp_of_the_mathematics(name):
    mine, theirs, exact = FUNCTIONS[name]
    rng = np.random.default_rng(5)
    xs = np.concatenate([rng.uniform(-40, 40, 400), rng.uniform(-1, 1, 100),
                         np.exp(rng.uniform(-30, 6.5, 100))])
    got = mine(symgrad.tensor(xs, dtype=symgrad.float64)).tolist()
    for g, x in zip(got, xs, strict=True):
        e = exact(mpmath.mpf(x))
        assert ulps(g, e) <= 4, (name, x, g)
    got32 = mine(symgrad.tensor(xs[np.abs(xs) < 80], dtype=symgrad.float32)).tolist()
    for g, x in zip(got32, xs[np.abs(xs) < 80].astype(np.float32), strict=True):
        e = exact(mpmath.mpf(float(x)))
        assert ulps(g, e, np.float32) <= 0.5 + 1e-6 or abs(float(e)) < 1e-30, (name, x, g)


def test_sinc_is_zero_at_the_integers_and_keeps_its_digits_far_out():
    # PyTorch's sin(pi x) / (pi x) with pi x rounded: -3.9e-17 at -2, 2.8e-8 at 2 in float32,
    # 9,000 ULP off on (-40, 40)
    xs = [-2.0, 3.0, 1e6, -12345.0, 2.0**52]
    assert symgrad.sinc(symgrad.tensor(xs, dtype=symgrad.float64)).tolist() == [0.0] * 5
    assert symgrad.sinc(symgrad.tensor([2.0, -7.0])).tolist() == [0.0, 0.0]
    assert torch.sinc(torch.tensor([-2.0], dtype=torch.float64)).item() != 0
    for x in (1e6 + 0.5, 12345.25, -33.3):
        got = symgrad.sinc(symgrad.tensor([x], dtype=symgrad.float64)).item()
        assert ulps(got, mpmath.sinc(mpmath.pi * mpmath.mpf(x))) <= 2, x


def test_sinc_derivatives_at_and_near_zero():
    # sinc''(0) = -pi**2 / 3 (PyTorch: NaN); sinc''''(0) = pi**4 / 5; the slope near 0 from its
    # series, where (cos(pi x) - sinc(x)) / x cancels (85 ULP at 1/64)
    x = symgrad.tensor([0.0], dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.sinc(x).sum(), x, create_graph=True)
    (g2,) = symgrad.autograd.grad(g.sum(), x, create_graph=True)
    (g3,) = symgrad.autograd.grad(g2.sum(), x, create_graph=True)
    (g4,) = symgrad.autograd.grad(g3.sum(), x)
    assert g.item() == 0 and g3.item() == 0
    assert ulps(g2.item(), -mpmath.pi**2 / 3) <= 1
    assert ulps(g4.item(), mpmath.pi**4 / 5) <= 2
    tx = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.sinc(tx).sum(), tx, create_graph=True)
    assert tg.item() == 0 and math.isnan(torch.autograd.grad(tg.sum(), tx)[0].item())
    f = lambda v: mpmath.sinc(mpmath.pi * v)  # noqa: E731
    for v in (1 / 64, -0.3, 0.4999, 0.5, 3.46875, 1.875):
        x = symgrad.tensor([v], dtype=symgrad.float64, requires_grad=True)
        (g,) = symgrad.autograd.grad(symgrad.sinc(x).sum(), x, create_graph=True)
        (g2,) = symgrad.autograd.grad(g.sum(), x)
        assert ulps(g.item(), mpmath.diff(f, mpmath.mpf(v))) <= 12, v
        assert ulps(g2.item(), mpmath.diff(f, mpmath.mpf(v), 2)) <= 24, v


def test_i1_second_order_near_zero():
    # i1'' from PyTorch's i1' = i0 - i1/x cancels as 1/x**2 (318 ULP at -1/16); symgrad's
    # (I0 + I2) / 2 differentiates to a sum of terms of one sign
    f = lambda v: mpmath.besseli(1, v)  # noqa: E731
    for v in (-0.0625, 1e-3, 0.2, -2.3125, 4.96875, 0.0):
        x = symgrad.tensor([v], dtype=symgrad.float64, requires_grad=True)
        (g,) = symgrad.autograd.grad(symgrad.special.i1(x).sum(), x, create_graph=True)
        (g2,) = symgrad.autograd.grad(g.sum(), x, create_graph=True)
        (g3,) = symgrad.autograd.grad(g2.sum(), x)
        assert ulps(g.item(), mpmath.diff(f, mpmath.mpf(v))) <= 2, v
        if v:
            assert ulps(g2.item(), mpmath.diff(f, mpmath.mpf(v), 2)) <= 3, v
        else:
            assert g2.item() == 0
        assert ulps(g3.item(), mpmath.diff(f, mpmath.mpf(v), 3)) <= 4, v


def test_i0_past_pytorchs_overflow_and_at_the_ends():
    # I0(710) = 3.3e306 (PyTorch: inf, exp(710) first); the limits +inf at +-inf (PyTorch NaN)
    got = symgrad.i0(symgrad.tensor([710.0, 713.9, 714.0, -math.inf, math.nan],
                                    dtype=symgrad.float64)).tolist()
    assert ulps(got[0], mpmath.besseli(0, 710)) <= 4
    assert ulps(got[1], mpmath.besseli(0, mpmath.mpf(713.9))) <= 4
    assert got[2] == math.inf and got[3] == math.inf and math.isnan(got[4])
    got = symgrad.special.i1(symgrad.tensor([-math.inf, -0.0, 0.0], dtype=symgrad.float64))
    assert got.tolist()[0] == -math.inf
    # i1(-0) is +0, as PyTorch's
    assert [math.copysign(1, v) for v in got.tolist()[1:]] == [1.0, 1.0]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float16", "bfloat16",
                                   "float32", "float64"])
def test_result_dtypes_as_torch(dtype):
    for name in ("i0", "special.i1", "sinc"):
        mine, theirs, _ = FUNCTIONS[name]
        values = [1, 0, 1] if dtype == "bool" else [1, 2, 3]
        x = symgrad.tensor(values, dtype=getattr(symgrad, dtype))
        tx = torch.tensor(values, dtype=getattr(torch, dtype))
        y, ty = mine(x), theirs(tx)
        assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1], (name, dtype)
        np.testing.assert_allclose(np.asarray(y.to(symgrad.float64).tolist()),
                                   ty.double().numpy(), rtol=1e-2, atol=1e-7)


def test_in_place_forms_as_torch():
    for name in ("i0_", "sinc_"):
        x, tx = both([0.5, 2.0, -1.25], "float32", requires_grad=False)
        got, want = getattr(x, name)(), getattr(tx, name)()
        assert got is x
        np.testing.assert_allclose(x.tolist(), want.tolist(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("fn", "message"), [
    (symgrad.i0, "i0(): argument 'input' (position 1) must be Tensor, not float"),
    (symgrad.special.i0, "special_i0(): argument 'input' (position 1) must be Tensor, not float"),
    (symgrad.special.i1, "special_i1(): argument 'input' (position 1) must be Tensor, not float"),
    (symgrad.sinc, "sinc(): argument 'input' (position 1) must be Tensor, not float"),
    (symgrad.special.sinc,
     "special_sinc(): argument 'input' (position 1) must be Tensor, not float"),
])
def test_errors_as_torch(fn, message):
    with pytest.raises(TypeError) as mine:
        fn(1.0)
    assert str(mine.value) == message
