"""sinc (symgrad/ops/sinc.py) and the modified Bessel functions i0, i0e, i1, i1e
(symgrad/ops/bessel.py) against PyTorch 2.13 and mpmath: grad_fn names, values, first and
second order gradients in float32 and float64, integer and bool inputs, in-place writes to a
saved result, and errors.

Where PyTorch is less accurate, the tests hold symgrad to mpmath and say so: PyTorch's sinc
rounds ``pi * x`` (``sinc(1e10)`` is -7e-17, not 0) and its second order at 0 is NaN (the
exact value is ``-pi**2 / 3``); its i0 and i1 overflow at 709.8, where the functions are finite
to 713.98; its i1 is NaN at +-inf.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from unary_orders import as_float64, ulps, value_and_two_orders

import symgrad

torch = pytest.importorskip("torch")

mpmath.mp.prec = 200

FUNCTIONS = {
    "sinc": (lambda lib, x: lib.sinc(x), "SincBackward0"),
    "Tensor.sinc": (lambda lib, x: x.sinc(), "SincBackward0"),
    "special.sinc": (lambda lib, x: lib.special.sinc(x), "SincBackward0"),
    "i0": (lambda lib, x: lib.i0(x), "I0Backward0"),
    "Tensor.i0": (lambda lib, x: x.i0(), "I0Backward0"),
    "special.i0": (lambda lib, x: lib.special.i0(x), "I0Backward0"),
    "special.i0e": (lambda lib, x: lib.special.i0e(x), "SpecialI0EBackward0"),
    "special.i1": (lambda lib, x: lib.special.i1(x), "SpecialI1Backward0"),
    "special.i1e": (lambda lib, x: lib.special.i1e(x), "SpecialI1EBackward0"),
}


def _exact(name: str):
    """The function as mpmath computes it, by the name's last part."""
    nu = 1 if name.endswith(("i1", "i1e")) else 0
    if name.endswith("sinc"):
        return lambda t: mpmath.sincpi(t)
    if name.endswith("e"):
        return lambda t: mpmath.besseli(nu, t) * mpmath.exp(-abs(t))
    return lambda t: mpmath.besseli(nu, t)


# Points where PyTorch's formulas are accurate (no integers: there its sinc is not 0), both
# branches of every kernel; exact in float32.
POINTS = [0.3125, -0.6875, 1.125, 1.5, -2.25, 3.75, 7.1875, -12.5, 19.5, 21.25, -35.0625]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_grad_fn_names_are_pytorchs(name):
    fn, node = FUNCTIONS[name]
    for lib in (symgrad, torch):
        y = fn(lib, lib.tensor([0.5, -1.0], requires_grad=True))
        assert type(y.grad_fn).__name__ == node


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_values_and_two_orders_of_gradients_are_pytorchs(name, dtype):
    fn, _ = FUNCTIONS[name]
    mine = value_and_two_orders(symgrad, fn, POINTS, dtype)
    # symgrad computes float32 in float64 and rounds once: against PyTorch's float64 values
    # (its float32 ones are up to 1e-4 off: sinc rounds pi x in float32, and the scaled
    # functions' derivatives cancel), as against its float32 ones where they are accurate
    theirs = value_and_two_orders(torch, fn, POINTS, "float64")
    theirs32 = value_and_two_orders(torch, fn, POINTS, dtype)
    rtol = 2e-6 if dtype == "float32" else 1e-11
    for a, b, c in zip(mine, theirs, theirs32, strict=True):
        assert a.dtype is getattr(symgrad, dtype) and str(c.dtype) == f"torch.{dtype}"
        np.testing.assert_allclose(as_float64(a), as_float64(b), rtol=rtol, atol=1e-300)
    np.testing.assert_allclose(as_float64(mine[0]), as_float64(theirs32[0]), rtol=10 * rtol)


@pytest.mark.parametrize("name", ["sinc", "i0", "special.i0e", "special.i1", "special.i1e"])
def test_float64_values_are_within_3_ulp_of_mpmath(name):
    fn, _ = FUNCTIONS[name]
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.uniform(-30, 30, 400),
                         10.0 ** rng.uniform(-300, 2.85, 300) * rng.choice([-1, 1], 300),
                         [0.0, 5e-324, 0.25, -0.25, 19.999999999999996, 20.0, 1e3, -1e3]])
    if name != "sinc":  # the asymptotic series' range densely: 4-6 ULP summed from 1
        xs = np.concatenate([xs, rng.uniform(700, 713.9, 40), rng.uniform(20, 40, 600)])
    else:
        xs = np.concatenate([xs, rng.uniform(-1e15, 1e15, 100), np.arange(-6.0, 6.5, 0.5)])
    got = as_float64(fn(symgrad, symgrad.tensor(xs, dtype=symgrad.float64)))
    exact = _exact(name)
    worst = max(ulps(g, float(exact(mpmath.mpf(x)))) for g, x in zip(got, xs, strict=True))
    assert worst <= (2 if name == "sinc" else 3)


def test_float32_values_are_correctly_rounded_from_float64():
    xs = np.array([0.1, -3.7, 12.0, 25.5, 80.0, 1e-30], dtype=np.float32)
    for name in ("sinc", "i0", "special.i0e", "special.i1", "special.i1e"):
        fn, _ = FUNCTIONS[name]
        got = as_float64(fn(symgrad, symgrad.tensor(xs)))
        exact = _exact(name)
        want = [float(np.float32(float(exact(mpmath.mpf(float(x)))))) for x in xs]
        assert got.tolist() == want, name


@pytest.mark.parametrize("name", ["sinc", "i0", "special.i1", "special.i0e", "special.i1e"])
def test_float64_gradients_of_two_orders_agree_with_mpmath(name):
    fn, _ = FUNCTIONS[name]
    exact = _exact(name)
    xs = [1e-8, -1e-3, 0.2, 0.25, 0.3, -0.9, 1.0, 1.1, 2.5, -3.0, -7.0, 12.3, 15.0, 19.75,
          19.9, 20.0, -20.25, 25.0, -60.0, 99.5, 100.0, 300.0]
    if name == "sinc":
        xs += [1e10 + 0.5, -123456.25, 0.75]
    else:
        xs += [-1e5] if name.endswith("e") else [710.0]
    x = symgrad.tensor(xs, dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(fn(symgrad, x).sum(), x, create_graph=True)
    (h,) = symgrad.autograd.grad(g.sum(), x)
    for v, d1, d2 in zip(xs, g.tolist(), h.tolist(), strict=True):
        t = mpmath.mpf(v)
        assert ulps(d1, float(mpmath.diff(exact, t, 1))) <= 4, (v, d1)
        # the scaled functions' second order too: PyTorch's formulas cancel about x**2-fold
        # there (i0e'' ~ x**-5/2 from terms of x**-1/2), symgrad's integrals do not
        assert ulps(d2, float(mpmath.diff(exact, t, 2))) <= 8, (v, d2)


def test_sinc_is_exact_at_the_integers_and_its_second_order_at_0():
    x = symgrad.tensor([0.0, 1.0, -3.0, 1e10, 2.0**60], dtype=symgrad.float64,
                       requires_grad=True)
    y = symgrad.sinc(x)
    assert y.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert torch.sinc(torch.tensor(1e10, dtype=torch.float64)).item() != 0  # PyTorch's -7e-17
    (g,) = symgrad.autograd.grad(y.sum(), x, create_graph=True)
    assert g.tolist()[:3] == [0.0, -1.0, 1 / 3]  # (-1)**n / n
    assert math.copysign(1, g.tolist()[0]) == 1  # +0, as PyTorch's
    (h,) = symgrad.autograd.grad(g[0], x)
    assert h.tolist()[0] == pytest.approx(-math.pi**2 / 3, rel=1e-15)  # PyTorch's is NaN
    t = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.sinc(t).sum(), t, create_graph=True)
    assert math.isnan(torch.autograd.grad(tg.sum(), t)[0].item())


def test_edges_as_pytorch_and_beyond_its_overflow():
    special = [math.inf, -math.inf, math.nan, -0.0, 0.0]
    for name in ("sinc", "special.i0e", "special.i1e"):
        fn, _ = FUNCTIONS[name]
        mine = as_float64(fn(symgrad, symgrad.tensor(special, dtype=symgrad.float64)))
        theirs = as_float64(fn(torch, torch.tensor(special, dtype=torch.float64)))
        np.testing.assert_array_equal(mine, theirs)
        numbers = ~np.isnan(theirs)
        np.testing.assert_array_equal(np.signbit(mine[numbers]), np.signbit(theirs[numbers]))
    # i0 and i1 at +-inf are their limits, inf and +-inf (PyTorch's NaN); both are finite up
    # to 713.98 (PyTorch's inf from 709.8)
    i0 = symgrad.i0(symgrad.tensor(special, dtype=symgrad.float64)).tolist()
    assert i0[:2] == [math.inf, math.inf] and math.isnan(i0[2]) and i0[3:] == [1.0, 1.0]
    assert math.isnan(torch.i0(torch.tensor(math.inf)).item())
    i1 = symgrad.special.i1(symgrad.tensor(special, dtype=symgrad.float64)).tolist()
    assert i1[:2] == [math.inf, -math.inf] and math.isnan(i1[2]) and i1[3:] == [0.0, 0.0]
    big = [712.0, -713.5, 714.0]
    want = [float(mpmath.besseli(0, v)) for v in big]
    assert symgrad.i0(symgrad.tensor(big, dtype=symgrad.float64)).tolist() == pytest.approx(
        want, rel=1e-15)
    assert math.isinf(torch.i0(torch.tensor(712.0, dtype=torch.float64)).item())
    assert math.isinf(want[2]) and math.isinf(symgrad.special.i1(
        symgrad.tensor(714.0, dtype=symgrad.float64)).item())


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16", "bfloat16"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_other_dtypes_promote_as_pytorchs(name, dtype):
    fn, _ = FUNCTIONS[name]
    values = [True, False] if dtype == "bool" else [0, 1, 3]
    mine = fn(symgrad, symgrad.tensor(values, dtype=getattr(symgrad, dtype)))
    theirs = fn(torch, torch.tensor(values, dtype=getattr(torch, dtype)))
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "symgrad.")
    rtol = 1e-2 if dtype in ("float16", "bfloat16") else 1e-6
    # atol: PyTorch's float32 sinc(3) is -2.5e-9, not 0
    np.testing.assert_allclose(as_float64(mine), as_float64(theirs.float()), rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_number_is_refused_with_pytorchs_error(name):
    fn, _ = FUNCTIONS[name]
    if name.startswith("Tensor."):
        return
    errors = []
    for lib in (symgrad, torch):
        with pytest.raises(TypeError) as info:
            fn(lib, 1.5)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", ["special.i0e", "special.i1", "special.i1e", "i0", "sinc"])
def test_writing_into_the_result_refuses_backward_where_pytorch_saves_it(name):
    fn, _ = FUNCTIONS[name]
    outcomes = []
    for lib in (symgrad, torch):
        x = lib.tensor([0.5, -1.5], requires_grad=True)
        y = fn(lib, x)
        y.add_(1)
        try:
            y.sum().backward()
            outcomes.append(("ran", x.grad.tolist()))
        except RuntimeError as e:
            outcomes.append(("raised", str(e).split(", which is output")[0]
                             .replace("torch.FloatTensor", "symgrad.FloatTensor")))
    assert outcomes[0][0] == outcomes[1][0]
    if outcomes[0][0] == "ran":
        assert outcomes[0][1] == pytest.approx(outcomes[1][1], rel=1e-6)


@pytest.mark.parametrize("method", ["sinc_", "i0_"])
def test_in_place_forms_are_pytorchs(method):
    values = [0.5, -2.0, 0.0, 3.25]
    mine = symgrad.tensor(values)
    theirs = torch.tensor(values)
    assert getattr(mine, method)() is mine
    getattr(theirs, method)()
    np.testing.assert_allclose(as_float64(mine), as_float64(theirs), rtol=1e-6, atol=1e-7)
    with pytest.raises(RuntimeError) as a:
        getattr(symgrad.tensor([1, 2]), method)()
    with pytest.raises(RuntimeError) as b:
        getattr(torch.tensor([1, 2]), method)()
    assert str(a.value) == str(b.value)


def test_derivatives_at_0_are_the_limits_from_both_sides():
    # i0e: slopes 1 and -1 (0, their mean, as PyTorch's), second order 3/2 on both sides
    # (PyTorch's 1/2); i1e: 1/2, then 1 and -1 (0); i1: 1/2, then 0
    want = {"special.i0e": (0.0, 1.5), "special.i1e": (0.5, 0.0), "special.i1": (0.5, 0.0),
            "i0": (0.0, 0.5), "sinc": (0.0, -math.pi**2 / 3)}
    for name, (d1, d2) in want.items():
        fn, _ = FUNCTIONS[name]
        x = symgrad.tensor([0.0], dtype=symgrad.float64, requires_grad=True)
        (g,) = symgrad.autograd.grad(fn(symgrad, x).sum(), x, create_graph=True)
        (h,) = symgrad.autograd.grad(g.sum(), x)
        assert (g.item(), h.item()) == pytest.approx((d1, d2), rel=1e-15, abs=0), name
    t = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.special.i0e(t).sum(), t, create_graph=True)
    assert (tg.item(), torch.autograd.grad(tg.sum(), t)[0].item()) == (0.0, 0.5)


def test_derivatives_at_the_smallest_subnormal_are_those_beside_0():
    # i1e(5e-324) rounds to 0 (half the smallest subnormal): i1e' formed as i1e(x) / x was 1
    tiny = 5e-324
    want = {"special.i0e": (-1.0, 1.5), "special.i1e": (0.5, -1.0)}
    for name, (d1, d2) in want.items():
        fn, _ = FUNCTIONS[name]
        x = symgrad.tensor([tiny], dtype=symgrad.float64, requires_grad=True)
        (g,) = symgrad.autograd.grad(fn(symgrad, x).sum(), x, create_graph=True)
        (h,) = symgrad.autograd.grad(g.sum(), x)
        assert (g.item(), h.item()) == pytest.approx((d1, d2), rel=1e-15, abs=0), name


def test_derivatives_at_infinities_are_their_limits():
    # sinc' and sinc'' fall to 0; i1' = i0 - i1 / x grows to inf on both sides (inf / inf made
    # it NaN), so i0'' = i1' does, and i1'' = +-inf as i1 (PyTorch's are NaN)
    want = {"sinc": ([0.0, 0.0], [0.0, 0.0]), "special.i1": ([math.inf] * 2, [math.inf, -math.inf]),
            "i0": ([math.inf, -math.inf], [math.inf] * 2)}
    for name, (d1, d2) in want.items():
        fn, _ = FUNCTIONS[name]
        x = symgrad.tensor([math.inf, -math.inf], dtype=symgrad.float64, requires_grad=True)
        (g,) = symgrad.autograd.grad(fn(symgrad, x).sum(), x, create_graph=True)
        (h,) = symgrad.autograd.grad(g.sum(), x)
        assert (g.tolist(), h.tolist()) == (d1, d2), name


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ["special.i1", "special.i1e"])
def test_half_precision_gradients_where_pytorch_has_no_backward_kernel(name, dtype):
    # PyTorch refuses at backward; symgrad's gradient is the float64 one rounded once
    fn, _ = FUNCTIONS[name]
    t = torch.tensor([0.5, -1.5], dtype=getattr(torch, dtype), requires_grad=True)
    kernel = name.split(".")[1]
    with pytest.raises(NotImplementedError, match=f'"{kernel}_backward" not implemented'):
        fn(torch, t).sum().backward()
    x = symgrad.tensor([0.5, -1.5], dtype=getattr(symgrad, dtype), requires_grad=True)
    fn(symgrad, x).sum().backward()
    exact = _exact(name)
    want = [float(mpmath.diff(exact, mpmath.mpf(v))) for v in (0.5, -1.5)]
    rounded = symgrad.tensor(want, dtype=symgrad.float64).to(getattr(symgrad, dtype))
    assert x.grad.tolist() == rounded.tolist()
