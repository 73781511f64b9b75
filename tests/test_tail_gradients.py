"""Gradients in the tails, at overflow thresholds and at 0**0, where a VJP's formula cancels,
overflows or multiplies 0 by inf while the exact derivative is well behaved (issue 12's
defects).

Expected values are derived independently: from mpmath at 50 digits (closed forms or its own
high-precision numerical differentiation) rounded to the dtype, or from PyTorch run here.
"""

from __future__ import annotations

import math

import ml_dtypes
import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import symgrad
from symgrad import _dtypes
from symgrad.nn import functional as F

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True, scope="module")
def _fifty_digits():
    """mpmath at 50 digits for this module's tests only (a global setting would leak into the
    tests that run after them in the same process)."""
    with mp.workdps(50):
        yield


def _ulps(got: float, exact: mp.mpf, dtype: str) -> float:
    """|got - exact| in ULPs of the exact value in ``dtype`` (its own spacing, no other)."""
    info = ml_dtypes.finfo(_dtypes._by_name(dtype).np)
    e = float(exact)
    spacing = math.ldexp(1.0, max(math.frexp(abs(e))[1] - 1, int(info.minexp)) - info.nmant)
    return float(abs(mp.mpf(got) - exact) / spacing)


def _rounded(exact: mp.mpf, dtype: str) -> float:
    with np.errstate(over="ignore"):
        return float(np.asarray(float(exact)).astype(_dtypes._by_name(dtype).np))


def _derivatives(fn, x: float, dtype: str, **kw) -> tuple[float, float]:
    """The engine's first and second derivative of ``fn`` at the scalar ``x``."""
    t = symgrad.tensor([x], dtype=getattr(symgrad, dtype), requires_grad=True)
    (d1,) = symgrad.autograd.grad(fn(t, **kw).sum(), t, create_graph=True)
    (d2,) = symgrad.autograd.grad(d1.sum(), t)
    return float(d1.detach()._data[0]), float(d2._data[0])


_C = mp.sqrt(2 / mp.pi)


def _gelu_tanh(x: mp.mpf) -> mp.mpf:
    return x / 2 * (1 + mp.tanh(_C * (x + mp.mpf("0.044715") * x ** 3)))


# |x| >= 2.5 keeps clear of the second derivative's roots (near +-1.4), where a relative bound
# means nothing; the tails are where 0.5 (1 + t) and 1 - t*t cancelled (float64: up to 8.8e15
# ULP first order, 2e14 second). The bound is the forward's own conditioning: u = C (x + a x**3)
# is rounded, and e**-2|u| (the negative tail) carries its absolute error as a relative one.
@given(st.floats(2.5, 9.0) | st.floats(-9.0, -2.5))
@example(4.96)
@example(-3.5)
def test_gelu_tanh_second_order_in_the_tails(x: float) -> None:
    d1, d2 = _derivatives(F.gelu, x, "float64", approximate="tanh")
    bound = 8 * (1 + abs(float(_C) * (x + 0.044715 * x ** 3)))
    assert _ulps(d1, mp.diff(_gelu_tanh, mp.mpf(x)), "float64") <= bound
    assert _ulps(d2, mp.diff(_gelu_tanh, mp.mpf(x), 2), "float64") <= bound


@pytest.mark.parametrize("x", [-3.0, -3.5, -4.0])
def test_gelu_tanh_float32_first_order_in_the_negative_tail(x: float) -> None:
    """It was 82 to 282 ULP off here; formed in float64, it is rounded once."""
    d1, _ = _derivatives(F.gelu, x, "float32", approximate="tanh")
    assert _ulps(d1, mp.diff(_gelu_tanh, mp.mpf(x)), "float32") <= 1


@pytest.mark.parametrize("x", [-300.0, 300.0, -60.0])
def test_gelu_tanh_float16_far_tails_are_finite(x: float) -> None:
    """float16's x**3 overflows at 41: the slope is formed in float64 and rounded once."""
    d1, d2 = _derivatives(F.gelu, x, "float16", approximate="tanh")
    assert (d1, d2) == (_rounded(mp.diff(_gelu_tanh, mp.mpf(x)), "float16"), 0.0)


def _sigmoid(z: mp.mpf) -> mp.mpf:
    return 1 / (1 + mp.exp(-z))


@given(st.floats(-16.0, -6.0))
@example(-8.0)
def test_softplus_second_order_float16_saturated(x: float) -> None:
    """softplus(beta=2, threshold=1)'' = 2 sigmoid'(2x): exp(-2x) overflows float16 at -5.6."""
    x = float(np.float16(x))
    z = 2 * mp.mpf(x)
    exact = 2 * _sigmoid(z) * _sigmoid(-z)
    d1, d2 = _derivatives(F.softplus, x, "float16", beta=2.0, threshold=1.0)
    assert _ulps(d2, exact, "float16") <= 1
    assert _ulps(d1, _sigmoid(z), "float16") <= 1


@given(st.floats(-16.0, -12.0))
@example(-12.0)
def test_silu_second_order_float16_saturated(x: float) -> None:
    """silu'' = s(x) s(-x) (2 + x (s(-x) - s(x))): finite where exp(-x) overflows float16."""
    x = float(np.float16(x))
    X = mp.mpf(x)
    exact = _sigmoid(X) * _sigmoid(-X) * (2 + X * (_sigmoid(-X) - _sigmoid(X)))
    _, d2 = _derivatives(F.silu, x, "float16")
    assert _ulps(d2, exact, "float16") <= 1


@pytest.mark.parametrize(("dtype", "x"), [("float64", 1024.0), ("float64", 1023.75),
                                          ("float16", 16.0), ("float16", 16.25),
                                          ("float32", 128.0), ("float64", -1074.0)])
def test_exp2_gradient_finite_past_the_forward_overflow(dtype: str, x: float) -> None:
    """exp2' = 2**x ln 2 is finite half a binade past where 2**x overflows."""
    d1, _ = _derivatives(symgrad.exp2, x, dtype)
    exact = mp.mpf(2) ** mp.mpf(x) * mp.log(2)
    assert d1 == _rounded(exact, dtype)


def test_pow_tensor_at_zero_to_the_zero_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    values = ([0.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 0.5])
    grads = []
    for lib in (symgrad, torch):
        base, exponent = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in values)
        grads.append([g.detach().numpy() if lib is torch else g._data for g in
                      lib.autograd.grad((base ** exponent).sum(), (base, exponent))])
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert grads[0][0][0] == 0.0  # 0 * 0**-1 would be nan


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("base", "exponent"), [
    (math.inf, 1.0), (math.inf, 2.0), (math.inf, 0.5), (math.inf, -1.0), (math.inf, 0.0),
    (1e200, 2.0), (1e-200, 2.0), (1e-300, 1.5), (3e30, 2.0), (1e-30, 2.0)])
def test_pow_tensor_slope_where_the_power_or_the_base_is_not_finite(base, exponent, dtype):
    """d/dx x**e = e x**(e - 1), also where x is infinite (its limit: 1 for e = 1, fuzzer seed
    2022 program 704, where out / x was inf / inf = nan) and where x**e overflows or
    underflows the dtype while the slope does not (out / x was inf or 0)."""
    x = symgrad.tensor([base], dtype=getattr(symgrad, dtype), requires_grad=True)
    e = symgrad.tensor([exponent], dtype=getattr(symgrad, dtype))
    (got,) = symgrad.autograd.grad(symgrad.pow(x, e).sum(), x)
    b = float(x._data[0])  # the base as the dtype holds it
    if math.isinf(b):
        exact = math.inf if exponent > 1 else 1.0 if exponent == 1 else 0.0
    else:
        exact = _rounded(exponent * mp.mpf(b) ** (mp.mpf(exponent) - 1), dtype)
    assert float(got._data[0]) == exact


def test_pow_tensor_slope_at_an_infinite_base_reached_by_erfinv() -> None:
    # The fuzzer's program: float_power(erfinv(x), x) at x = 1, where erfinv is inf and its
    # slope too: d/dx = x erfinv**(x - 1) erfinv' + erfinv**x log(erfinv) = inf, as PyTorch's.
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (symgrad, torch):
        x = lib.tensor([1.0], requires_grad=True)
        lib.float_power(lib.erfinv(x), x).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [math.inf]


def test_pow_tensor_float16_broadcast_sums_overflowing_terms() -> None:
    """Terms g * out * log(self) overflow float16 with both signs; their exact sum does not
    (the bases are chosen so the saved out, 240**2 and 232**2, is exact in float16)."""
    base = symgrad.tensor([240.0, 232.0], dtype=symgrad.float16, requires_grad=True)
    exponent = symgrad.tensor([2.0], dtype=symgrad.float16, requires_grad=True)
    weights = symgrad.tensor([1.0, -1.0], dtype=symgrad.float16)
    _, got = symgrad.autograd.grad((base ** exponent * weights).sum(), (base, exponent))
    exact = mp.mpf(240) ** 2 * mp.log(240) - mp.mpf(232) ** 2 * mp.log(232)
    assert float(got._data[0]) == _rounded(exact, "float16")


def test_pow_tensor_float16_broadcast_base_sums_overflowing_terms() -> None:
    base = symgrad.tensor([2.0], dtype=symgrad.float16, requires_grad=True)
    exponent = symgrad.tensor([15.0, 14.875], dtype=symgrad.float16, requires_grad=True)
    weights = symgrad.tensor([1.0, -1.0], dtype=symgrad.float16)
    got, _ = symgrad.autograd.grad((base ** exponent * weights).sum(), (base, exponent))
    exact = 15 * mp.mpf(2) ** 14 - mp.mpf("14.875") * mp.mpf(2) ** mp.mpf("13.875")
    assert float(got._data[0]) == _rounded(exact, "float16")


@pytest.mark.parametrize("op", ["expm1", "sinh", "cosh"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_gradient_at_the_overflow_threshold_weighted_below_one(op: str, dtype: str) -> None:
    """At the first input whose forward rounds to inf, g * f'(x) with g = 1/4 is finite."""
    big = float(np.finfo(np.float32).max) if dtype != "float16" else 65504.0
    x = float(np.asarray(math.log(2 * big if op in ("sinh", "cosh") else big)).astype(
        _dtypes._by_name(dtype).np))
    t = symgrad.tensor([x], dtype=getattr(symgrad, dtype), requires_grad=True)
    getattr(symgrad, op)(t).backward(symgrad.tensor([0.25], dtype=getattr(symgrad, dtype)))
    f = {"exp": mp.exp, "expm1": mp.exp, "sinh": mp.cosh, "cosh": mp.sinh}[op]
    exact = f(mp.mpf(x)) / 4
    assert math.isfinite(_rounded(exact, dtype))
    assert float(t.grad._data[0]) == _rounded(exact, dtype)


@given(st.sampled_from([1, -1]))
@example(1)
def test_atanh_second_order_one_ulp_inside_one_float16(sign: int) -> None:
    """2x / (1 - x**2)**2 = 2.1e6 at 1 - 2**-11 rounds to inf in float16; the terms of
    -g / q / q * (1 -+ x) overflowed with both signs and summed to nan."""
    x = sign * (1 - 2.0**-11)
    _, d2 = _derivatives(symgrad.atanh, x, "float16")
    exact = 2 * mp.mpf(x) / (1 - mp.mpf(x) ** 2) ** 2
    assert d2 == _rounded(exact, "float16") == sign * math.inf


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_log10_gradient_at_the_largest_finite_value(dtype: str) -> None:
    """1 / (x ln 10) at the dtype's max is a subnormal (or tiny normal), not 0."""
    big = float(np.finfo(np.float64).max) if dtype == "float64" else (
        65504.0 if dtype == "float16" else float(np.asarray(3.3e38).astype(
            _dtypes._by_name(dtype).np)))
    d1, _ = _derivatives(symgrad.log10, big, dtype)
    exact = 1 / (mp.mpf(big) * mp.log(10))
    assert d1 == _rounded(exact, dtype) != 0.0


# -- saturated softmax rows ------------------------------------------------------------------------
def _row_grads(fn, x: list[float], w: list[float], v: list[float], dtype: str
               ) -> tuple[list[float], list[float]]:
    """The engine's gradient of sum(fn(x) * w) and its Hessian times ``v``, in ``dtype``."""
    d = getattr(symgrad, dtype)
    t = symgrad.tensor(x, dtype=d, requires_grad=True)
    (g,) = symgrad.autograd.grad((fn(t) * symgrad.tensor(w, dtype=d)).sum(), t,
                                 create_graph=True)
    (h,) = symgrad.autograd.grad((g * symgrad.tensor(v, dtype=d)).sum(), t)
    return [float(a) for a in g.detach()._data], [float(a) for a in h._data]


def _exact_row_grads(f, x: list[float], w: list[float], v: list[float]
                     ) -> tuple[list[mp.mpf], list[mp.mpf]]:
    """The gradient of sum(f(x) * w) and its Hessian times ``v``, by mpmath's differentiation
    of the closed form ``f`` (a list of mpf in, a list out) at the binary inputs."""
    n = len(x)
    xs = [mp.mpf(a) for a in x]

    def loss(*args: mp.mpf) -> mp.mpf:
        return mp.fsum(wi * yi for wi, yi in zip(w, f(list(args)), strict=True))

    unit = [tuple(int(i == k) for i in range(n)) for k in range(n)]
    grad = [mp.diff(loss, xs, u) for u in unit]
    hvp = [mp.fsum(mp.mpf(v[j]) * mp.diff(loss, xs, tuple(a + b for a, b in zip(
        unit[k], unit[j], strict=True))) for j in range(n)) for k in range(n)]
    return grad, hvp


def _softmax_exact(x: list[mp.mpf]) -> list[mp.mpf]:
    total = mp.fsum(mp.exp(a) for a in x)
    return [mp.exp(a) / total for a in x]


def _log_softmax_exact(x: list[mp.mpf]) -> list[mp.mpf]:
    lse = mp.log(mp.fsum(mp.exp(a) for a in x))
    return [a - lse for a in x]


_FUNCTIONS = {"softmax": (lambda t: symgrad.softmax(t, 0), _softmax_exact),
              "log_softmax": (lambda t: symgrad.log_softmax(t, 0), _log_softmax_exact),
              "logsumexp": (lambda t: symgrad.logsumexp(t, 0).reshape(1),
                            lambda x: [mp.log(mp.fsum(mp.exp(a) for a in x))])}


@pytest.mark.parametrize("op", sorted(_FUNCTIONS))
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@given(gap=st.floats(4.0, 30.0), upstream=st.sampled_from([(0.0, 1.0, 0.0), (0.5, 1.0, -0.25)]))
@example(gap=25.0, upstream=(0.0, 1.0, 0.0))
@example(gap=10.0, upstream=(0.5, 1.0, -0.25))
def test_saturated_row_first_and_second_order(op: str, dtype: str, gap: float,
                                              upstream: tuple[float, ...]) -> None:
    """One element far above the others: its softmax rounds to 1 (float32 from a gap of 17),
    where y (g - sum(g y)) and g - exp(out) sum(g) lost 1 - y_m entirely (0 for the cross
    entropy gradient of a confident right answer). Each element within 2 ULP of its own
    exact value (float64: 4 and 6), first and second order (the upstream weights make no
    term cancel), but
    where log_softmax's VJP reads its rounded result: exp(out) carries out's rounding, up to
    |out| / 2 ULP, as PyTorch's does. The largest element's own first-order gradient is not
    among those: expm1(out_m) of a tiny out_m is as accurate as out_m."""
    x = [float(np.asarray(a).astype(_dtypes._by_name(dtype).np)) for a in (0.0, gap, -1.5)]
    fn, exact_fn = _FUNCTIONS[op]
    w = list(upstream) if op != "logsumexp" else [1.0]
    v = [0.75, -1.0, 0.5]
    got, got_h = _row_grads(fn, x, w, v, dtype)
    exact, exact_h = _exact_row_grads(exact_fn, x, w, v)
    read_out = gap + 1.5 if op == "log_softmax" else 0.0
    # float64 has no wider dtype to work in: the forward's sum, near 1, rounds in the binade
    # above its reciprocal's (1 ULP there is 2 of the result), and each order rounds again.
    first, second = (4, 6) if dtype == "float64" else (2, 2)
    bounds = [first + read_out, first, first + read_out] + [second + read_out] * 3
    for a, e, bound in zip(got + got_h, exact + exact_h, bounds, strict=True):
        assert _ulps(a, e, dtype) <= bound, (a, e)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_gradient_at_a_confident_right_answer(dtype: str) -> None:
    """d/dx_target of cross_entropy = p_target - 1 = -(the others' probability): 4.5e-14 here,
    0 when formed as exp(log p) - 1 in float32."""
    d = getattr(symgrad, dtype)
    x = symgrad.tensor([[0.0, 31.0, -2.0]], dtype=d, requires_grad=True)
    F.cross_entropy(x, symgrad.tensor([1])).backward()
    exact = _softmax_exact([mp.mpf(0), mp.mpf(31), mp.mpf(-2)])
    assert _ulps(float(x.grad._data[0, 1]), exact[1] - 1, dtype) <= 1


@given(st.floats(100.0, 60000.0), st.floats(-3.0, 3.0))
@example(1000.0, 0.5)
def test_logsumexp_gradient_does_not_read_its_rounded_result(base: float, step: float) -> None:
    """exp(self - out) carried out's rounding, ulp(out), into the gradient as a relative error
    (1000 in float32: up to 250 ULP); softmax(self) does not."""
    x = [float(np.float32(base)), float(np.float32(base + step))]
    got, _ = _row_grads(lambda t: symgrad.logsumexp(t, 0).reshape(1), x, [1.0], [0.0, 0.0],
                        "float32")
    exact = _softmax_exact([mp.mpf(a) for a in x])
    for a, e in zip(got, exact, strict=True):
        assert _ulps(a, e, "float32") <= 1


# -- narrow dtypes work in float64 and round once ------------------------------------------------
def _layer_norm_exact(weight: list[float], bias: list[float], eps: float):
    def f(x: list[mp.mpf]) -> list[mp.mpf]:
        n = len(x)
        mean = mp.fsum(x) / n
        rstd = 1 / mp.sqrt(mp.fsum((a - mean) ** 2 for a in x) / n + mp.mpf(eps))
        return [(a - mean) * rstd * w + b for a, w, b in zip(x, weight, bias, strict=True)]
    return f


def _std_exact(x: list[mp.mpf]) -> list[mp.mpf]:
    mean = mp.fsum(x) / len(x)
    return [mp.sqrt(mp.fsum((a - mean) ** 2 for a in x) / (len(x) - 1))]


def _norm3_exact(x: list[mp.mpf]) -> list[mp.mpf]:
    return [mp.fsum(abs(a) ** 3 for a in x) ** (mp.mpf(1) / 3)]


def _bce_exact(target: list[float]):
    def f(x: list[mp.mpf]) -> list[mp.mpf]:
        return [-(t * mp.log(a) + (1 - t) * mp.log(1 - a)) for a, t in zip(x, target, strict=True)]
    return f


_WEIGHT, _BIAS = [1.25, -0.5, 0.75, 1.0], [0.1, 0.2, -0.3, 0.0]
_TARGET = [0.25, 0.75, 0.5, 0.125]


def _narrow_cases(dtype: str) -> dict[str, tuple]:
    d = getattr(symgrad, dtype)
    weight, bias = symgrad.tensor(_WEIGHT, dtype=d), symgrad.tensor(_BIAS, dtype=d)
    target = symgrad.tensor(_TARGET, dtype=d)
    return {
        "layer_norm": (lambda t: F.layer_norm(t, (4,), weight, bias, 1e-5),
                       _layer_norm_exact(_WEIGHT, _BIAS, float(np.float32(1e-5)))),
        "std": (lambda t: symgrad.std(t, 0).reshape(1), _std_exact),
        "norm": (lambda t: symgrad.norm(t, 3).reshape(1), _norm3_exact),
        "binary_cross_entropy": (lambda t: F.binary_cross_entropy(t, target, reduction="none"),
                                 _bce_exact(_TARGET)),
    }


@pytest.mark.parametrize("op", ["layer_norm", "std", "norm", "binary_cross_entropy"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@given(st.lists(st.floats(0.05, 0.95), min_size=4, max_size=4),
       st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=4))
@example([0.5, 0.5625, 0.5, 0.53125], [1.0, 1.0, 1.0, 0.875])
@example([0.25, 0.75, 0.5, 0.875], [0.5, -1.0, 0.25, 1.0])
def test_composite_vjps_round_once_in_narrow_dtypes(op: str, dtype: str, x: list[float],
                                                    v: list[float]) -> None:
    """Gradients and Hessian-vector products of composite ops within 1 ULP of their own exact
    value (mpmath's derivatives of the closed form at the binary inputs): their terms cancel,
    and rounded in the dtype (or read from the rounded result) they were up to 217 ULP off
    (layer_norm, float16), 224 (binary cross entropy's second order), 60 (std's). Where the
    exact value is (near) 0, the terms of size 1 cancel entirely (std's shift invariance, the
    norm's homogeneity): float64's rounding of them, 1e-13, is the bound there."""
    np_dtype = _dtypes._by_name(dtype).np
    x = [float(np.asarray(a).astype(np_dtype)) for a in x]
    v = [float(np.asarray(a).astype(np_dtype)) for a in v]
    assume(op != "std" or len(set(x)) > 1)  # std's kink: all elements equal, std = 0
    fn, exact_fn = _narrow_cases(dtype)[op]
    w = [1.0, -0.75, 0.5, 0.25] if op in ("layer_norm", "binary_cross_entropy") else [1.0]
    got, got_h = _row_grads(fn, x, w, v, dtype)
    exact, exact_h = _exact_row_grads(exact_fn, x, w, v)
    for a, e in zip(got + got_h, exact + exact_h, strict=True):
        assert _ulps(a, e, dtype) <= 1 or abs(a - e) <= 1e-13, (a, e)


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
@pytest.mark.parametrize("x", [1e10, -3.0e4, 7.5])
def test_atan_second_order_rounds_once(dtype: str, x: float) -> None:
    """atan'' = -2x / (1 + x**2)**2, formed from rounded x**2 + 1 and two quotients: 185 ULP
    off in bfloat16 at 1e10."""
    x = float(np.asarray(x).astype(_dtypes._by_name(dtype).np))
    d1, d2 = _derivatives(symgrad.atan, x, dtype)
    X = mp.mpf(x)
    assert _ulps(d1, 1 / (1 + X ** 2), dtype) <= 1
    assert _ulps(d2, -2 * X / (1 + X ** 2) ** 2, dtype) <= 1


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_exp_gradient_at_the_overflow_threshold_is_pytorchs(dtype: str) -> None:
    """At the first input whose exp rounds to inf, g * exp(x) with g = 1/4 is finite, but exp's
    VJP reads its saved result only, as PyTorch's ExpBackward0 does (saving the input too
    would refuse an in-place change of it that PyTorch allows): g * inf = inf in both."""
    torch = pytest.importorskip("torch")
    big = float(ml_dtypes.finfo(_dtypes._by_name(dtype).np).max)
    d = _dtypes._by_name(dtype).np
    x = float(np.asarray(math.log(big)).astype(d))
    if mp.exp(mp.mpf(x)) <= big:
        x = float(np.nextafter(np.asarray(x, d), np.asarray(np.inf, d)))
    assert math.isfinite(_rounded(mp.exp(mp.mpf(x)) / 4, dtype))
    grads = []
    for lib in (symgrad, torch):
        t = lib.tensor([x], dtype=getattr(lib, dtype), requires_grad=True)
        t.exp().backward(lib.tensor([0.25], dtype=getattr(lib, dtype)))
        grads.append(float(t.grad[0]))
    assert grads[0] == grads[1] == math.inf


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_matmul_gradient_sums_the_batch_before_rounding(dtype: str) -> None:
    """d other of a batched (a @ other) is sum over the batch of a_k g_k: here (1 + e)**2 -
    (1 + 2e) = e**2 (e the dtype's epsilon), exact in float32, the half types' accumulator.
    Each batch's product rounded to the half type first lost e**2 entirely: 0."""
    e = float(ml_dtypes.finfo(_dtypes._by_name(dtype).np).eps)
    d = getattr(symgrad, dtype)
    a = symgrad.tensor([[[1 + e]], [[-(1 + 2 * e)]]], dtype=d)
    other = symgrad.tensor([[1.0]], dtype=d, requires_grad=True)
    (a @ other).backward(symgrad.tensor([[[1 + e]], [[1.0]]], dtype=d))
    assert float(other.grad._data[0, 0]) == e * e


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(st.floats(-30.0, -3.0))
@example(-8.0)
@example(-20.0)
@example(-16.984263911123527)
def test_gelu_erf_negative_tail(dtype: str, x: float) -> None:
    """gelu' = Phi(x) + x phi(x) with Phi = erfc(-x / sqrt 2) / 2 (mpmath): Phi written
    (1 + erf(x / sqrt 2)) / 2 cancelled (3e-4 off at -8 in float64, 1% at -10). float64,
    with no wider dtype to work in, rounds each of the VJP's few ops: 4 ULP (the density
    written exp(q) of a rounded q = -x**2 / 2 was 103 ULP off at -17 in the second order)."""
    x = float(np.asarray(x).astype(_dtypes._by_name(dtype).np))
    d1, d2 = _derivatives(F.gelu, x, dtype)
    X = mp.mpf(x)
    phi = mp.npdf(X)
    bound = 4 if dtype == "float64" else 1
    assert _ulps(d1, mp.erfc(-X / mp.sqrt(2)) / 2 + X * phi, dtype) <= bound
    assert _ulps(d2, phi * (2 - X * X), dtype) <= bound


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(st.floats(20.0, 80.0), st.sampled_from([1.0, 0.5, 3.0]))
@example(40.0, 1.0)
def test_bce_with_logits_gradient_of_a_confident_right_answer(dtype: str, x: float,
                                                             pos_weight: float) -> None:
    """Target 1 at a large logit: d/dx = -pos_weight sigmoid(-x) (mpmath), where PyTorch's
    (t + 1 - target) sigmoid(x) - t, with sigmoid(x) rounded to 1, gives 0. float64 forms
    it in float64: a few roundings, 2 ULP."""
    d = getattr(symgrad, dtype)
    x = float(np.asarray(x).astype(_dtypes._by_name(dtype).np))
    t = symgrad.tensor([x], dtype=d, requires_grad=True)
    ones = symgrad.tensor([1.0], dtype=d)
    F.binary_cross_entropy_with_logits(t, ones, pos_weight=ones * pos_weight,
                                       reduction="sum").backward()
    exact = -pos_weight * _sigmoid(-mp.mpf(x))
    assert _ulps(float(t.grad._data[0]), exact, dtype) <= (2 if dtype == "float64" else 1)


_SECOND = {"erf": lambda X: -4 * X * mp.exp(-X * X) / mp.sqrt(mp.pi),
           "erfc": lambda X: 4 * X * mp.exp(-X * X) / mp.sqrt(mp.pi),
           "asinh": lambda X: -X / (1 + X * X) ** mp.mpf(1.5),
           "atan": lambda X: -2 * X / (1 + X * X) ** 2}


@pytest.mark.parametrize("op", sorted(_SECOND))
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@given(st.floats(-4.0, 4.0))
@example(2.5)
def test_elementwise_second_order_rounds_once_in_half_types(op: str, dtype: str,
                                                            x: float) -> None:
    """The second derivative (mpmath's closed form) within 1 ULP: formed in the half type it
    rounded three or four times (erf's 4.3 ULP at float16)."""
    x = float(np.asarray(x).astype(_dtypes._by_name(dtype).np))
    _, d2 = _derivatives(getattr(symgrad, op), x, dtype)
    assert _ulps(d2, _SECOND[op](mp.mpf(x)), dtype) <= 1
