"""torch.special.erfcx and torch.special.log_ndtr (symgrad/ops/normal_tail.py) against PyTorch
2.13 and mpmath: grad_fn names, values, first and second order gradients in float32 and
float64, integer and bool inputs, float16/bfloat16 refusals, in-place writes to the saved
result, and errors.

Where PyTorch is less accurate, the tests hold symgrad to mpmath and say so: PyTorch's erfcx is
445 ULP off at -23 (exp of the rounded x**2), its log_ndtr 1500 ULP off at 36 (erfc of the
rounded x / sqrt 2), and its derivative formulas cancel (erfcx' 38 ULP off at 7.9, log_ndtr'
136 at 12).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from unary_orders import as_float64, ulps, value_and_two_orders

import symgrad

torch = pytest.importorskip("torch")

mpmath.mp.prec = 300

FUNCTIONS = {
    "erfcx": (lambda lib, x: lib.special.erfcx(x), "SpecialErfcxBackward0"),
    "log_ndtr": (lambda lib, x: lib.special.log_ndtr(x), "SpecialLogNdtrBackward0"),
}


def _erfcx(t):
    if t > 1e6:  # mpmath's erfc overflows its own series test far out
        u = 1 / (2 * t * t)
        return (1 - u + 3 * u * u - 15 * u**3) / (t * mpmath.sqrt(mpmath.pi))
    return mpmath.exp(t * t) * mpmath.erfc(t)


def _log_ndtr(t):
    if t > 1e6:
        return mpmath.mpf(0)
    if t > 0:
        return mpmath.log1p(-mpmath.ncdf(-t))
    if t < -1e6:
        return mpmath.log(_erfcx(-t / mpmath.sqrt(2)) / 2) - t * t / 2
    return mpmath.log(mpmath.ncdf(t))


EXACT = {"erfcx": _erfcx, "log_ndtr": _log_ndtr}


# exact in float32; where PyTorch's float64 formulas are accurate
POINTS = [-3.25, -1.5, -0.625, 0.0, 0.375, 1.0, 2.75, -0.0625]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_grad_fn_names_are_pytorchs(name):
    fn, node = FUNCTIONS[name]
    for lib in (symgrad, torch):
        assert type(fn(lib, lib.tensor([0.5], requires_grad=True)).grad_fn).__name__ == node


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_values_and_two_orders_of_gradients_are_pytorchs(name, dtype):
    fn, _ = FUNCTIONS[name]
    mine = value_and_two_orders(symgrad, fn, POINTS, dtype)
    # float32 computes in float64 and rounds once: against PyTorch's float64 values, and its
    # float32 values (less accurate) more loosely
    theirs = value_and_two_orders(torch, fn, POINTS, "float64")
    theirs32 = value_and_two_orders(torch, fn, POINTS, dtype)
    rtol = 2e-6 if dtype == "float32" else 1e-12
    for a, b, c in zip(mine, theirs, theirs32, strict=True):
        assert a.dtype is getattr(symgrad, dtype) and str(c.dtype) == f"torch.{dtype}"
        np.testing.assert_allclose(as_float64(a), as_float64(b), rtol=rtol, atol=1e-300)
        np.testing.assert_allclose(as_float64(a), as_float64(c), rtol=10 * rtol, atol=1e-300)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_float64_values_are_within_4_ulp_of_mpmath(name):
    fn, _ = FUNCTIONS[name]
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.uniform(-26.5, 40, 500), rng.uniform(-3, 3, 200),
                         rng.uniform(0, 1, 400),  # log_ndtr's log1p(-ndtr(-x)) right of 0
                         10.0 ** rng.uniform(-300, 150, 200) * rng.choice([-1, 1], 200),
                         [0.0, -1.0, 1.0, 8.0, 7.999999999999999, -26.6, 36.0, 38.5, 1e300]])
    got = as_float64(fn(symgrad, symgrad.tensor(xs, dtype=symgrad.float64)))
    worst = max(ulps(g, float(EXACT[name](mpmath.mpf(x))))
                for g, x in zip(got, xs, strict=True))
    assert worst <= (3 if name == "erfcx" else 4)


def test_pytorch_is_less_accurate_where_the_tails_need_care():
    x = torch.tensor([-23.339777073205113, 35.819844610670685], dtype=torch.float64)
    theirs = [torch.special.erfcx(x[:1]).item(), torch.special.log_ndtr(x[1:]).item()]
    mine = [symgrad.special.erfcx(symgrad.tensor(x[:1].tolist(), dtype=symgrad.float64)).item(),
            symgrad.special.log_ndtr(symgrad.tensor(x[1:].tolist(),
                                                    dtype=symgrad.float64)).item()]
    want = [float(_erfcx(mpmath.mpf(x[0].item()))), float(_log_ndtr(mpmath.mpf(x[1].item())))]
    for m, t, w in zip(mine, theirs, want, strict=True):
        assert ulps(m, w) <= 3 < 100 < ulps(t, w)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_float64_gradients_of_two_orders_agree_with_mpmath(name):
    fn, _ = FUNCTIONS[name]
    exact = EXACT[name]
    xs = [-20.0, -5.0, -1.5, -0.5, 0.0, 0.5, 0.99, 1.0, 1.5, 3.0, 7.9, 8.0, 12.0, 30.0]
    x = symgrad.tensor(xs, dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(fn(symgrad, x).sum(), x, create_graph=True)
    (h,) = symgrad.autograd.grad(g.sum(), x)
    for v, d1, d2 in zip(xs, g.tolist(), h.tolist(), strict=True):
        t = mpmath.mpf(v)
        assert ulps(d1, float(mpmath.diff(exact, t, 1))) <= 3, (v, d1)
        # erfcx's second order follows PyTorch's formula, whose terms cancel x**2-fold (as
        # log_ndtr's through erfcx left of 0)
        bound = 8 + 4 * v * v
        assert ulps(d2, float(mpmath.diff(exact, t, 2))) <= bound, (v, d2)


def test_edges_as_pytorch():
    special = [math.inf, -math.inf, math.nan, -0.0, 0.0, -30.0, 1e300, -1e300]
    for fn, _ in FUNCTIONS.values():
        mine = as_float64(fn(symgrad, symgrad.tensor(special, dtype=symgrad.float64)))
        theirs = as_float64(fn(torch, torch.tensor(special, dtype=torch.float64)))
        np.testing.assert_allclose(mine, theirs, rtol=3e-16, atol=0)  # erfcx(1e300): 1 ULP
        numbers = ~np.isnan(theirs)
        np.testing.assert_array_equal(np.signbit(mine[numbers]), np.signbit(theirs[numbers]))
    # the derivative far left and far right
    x = symgrad.tensor([-1e4, 1e4, 40.0], dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.special.log_ndtr(x).sum(), x)
    assert g.tolist()[0] == pytest.approx(1e4, rel=1e-7) and g.tolist()[1:] == [0.0, 0.0]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_integers_and_bools_compute_in_the_default_float_dtype(name, dtype):
    fn, _ = FUNCTIONS[name]
    values = [True, False] if dtype == "bool" else [0, 1, 3]
    mine = fn(symgrad, symgrad.tensor(values, dtype=getattr(symgrad, dtype)))
    theirs = fn(torch, torch.tensor(values, dtype=getattr(torch, dtype)))
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "symgrad.")
    np.testing.assert_allclose(as_float64(mine), as_float64(theirs), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_half_precision_is_refused_as_pytorch(name, dtype):
    fn, _ = FUNCTIONS[name]
    errors = []
    for lib in (symgrad, torch):
        with pytest.raises(NotImplementedError) as info:
            fn(lib, lib.tensor([0.5], dtype=getattr(lib, dtype)))
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_number_is_refused_with_pytorchs_error(name):
    fn, _ = FUNCTIONS[name]
    errors = []
    for lib in (symgrad, torch):
        with pytest.raises(TypeError) as info:
            fn(lib, 1.5)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_writing_into_the_result_refuses_backward_as_pytorch(name):
    fn, _ = FUNCTIONS[name]
    messages = []
    for lib in (symgrad, torch):
        x = lib.tensor([0.5, -1.5], requires_grad=True)
        y = fn(lib, x)
        y.add_(1)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        messages.append(str(info.value).split(", which is output")[0].replace("torch.", ""))
    assert messages[0].replace("symgrad.", "") == messages[1]


def test_erfcx_derivatives_far_right_are_its_asymptotic_series_to_every_order():
    # erfcx(x) ~ 1/(x sqrt(pi)) sum_k (-1)**k (2k-1)!! / (2 x**2)**k; PyTorch's second order
    # 2 erfcx + 2 x erfcx' cancels to noise (1e-200 at 1e200, where it is 1e-600)
    xs = [8.5, 50.0, 1e4, 1e10]
    x = symgrad.tensor(xs, dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.special.erfcx(x).sum(), x, create_graph=True)
    (h,) = symgrad.autograd.grad(g.sum(), x)

    def series(t):
        u = 1 / (2 * t * t)
        total, term = mpmath.mpf(0), mpmath.mpf(1)
        for k in range(60):
            total += term
            term *= -(2 * k + 1) * u
        return total / (t * mpmath.sqrt(mpmath.pi))

    for v, d1, d2 in zip(xs, g.tolist(), h.tolist(), strict=True):
        t = mpmath.mpf(v)
        assert ulps(d1, float(mpmath.diff(series, t, 1))) <= 2, (v, d1)
        assert ulps(d2, float(mpmath.diff(series, t, 2))) <= 4, (v, d2)


@pytest.mark.parametrize("order", [1, 2])
def test_the_judge_settles_log_ndtr_far_left(order):
    # its meaning keeps erfc(-x / sqrt 2) as written (SymPy's 2 - erfc(x / sqrt 2) cancels to
    # NaN there)
    from oracle.crosscheck import crosscheck

    for v in (-30.0, -1e4, 0.5):
        x = symgrad.tensor([v], dtype=symgrad.float64, requires_grad=True)
        verdict = crosscheck(lambda a: symgrad.special.log_ndtr(a), [x], order=order)
        assert verdict.status == "ok", (v, verdict.message)


def test_derivatives_at_infinities_are_their_limits():
    # erfcx' -> 0 at +inf and -inf at -inf, erfcx'' -> 0 and inf; log_ndtr' -> 0 and inf (about
    # -x), log_ndtr'' -> 0 and -1 (the formulas met inf * 0 or 0 / 0 there: NaN)
    want = {"erfcx": ([0.0, -math.inf], [0.0, math.inf]),
            "log_ndtr": ([0.0, math.inf], [0.0, -1.0])}
    for name, (d1, d2) in want.items():
        fn, _ = FUNCTIONS[name]
        x = symgrad.tensor([math.inf, -math.inf], dtype=symgrad.float64, requires_grad=True)
        (g,) = symgrad.autograd.grad(fn(symgrad, x).sum(), x, create_graph=True)
        (h,) = symgrad.autograd.grad(g.sum(), x)
        assert (g.tolist(), h.tolist()) == (d1, d2), name


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_judge_reads_the_limits_at_infinities(name, order):
    # the limits are read at +-2**1000 and 2**1020: mpmath's erfc raised an OverflowError there
    # (no limit: the engine's right values judged wrong), and log_ndtr's derivatives need 620
    # digits there (at 20, -inf for the limit -1)
    from oracle.crosscheck import crosscheck

    fn, _ = FUNCTIONS[name]
    x = symgrad.tensor([math.inf, -math.inf, 0.5], dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(lambda a: fn(symgrad, a), [x], order=order)
    assert verdict.status == "ok", verdict.message
