"""The exact oracle against derivatives known in closed form, to >= 30 digits.

Closed forms are written here in mpmath from the mathematics; linear ops that move or add
elements (shape, indexing, sum, cumsum, trace) are checked by labelling: each input element gets
a distinct power of two, so every output value of the engine's forward says exactly which input
elements it holds, and the gradient is the sum of the output weights over those places.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import oracle
import symgrad
from oracle.samples import samples_of
from oracle.semantics import MEANINGS
from symgrad.ops.registry import REGISTRY, apply

mp = mpmath.mpf
DIGITS = 32


@pytest.fixture(autouse=True)
def _precision():
    with mpmath.workdps(60):
        yield


def t(values, requires_grad=True):
    return symgrad.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def agree(got, want, digits=DIGITS):
    """Agreement to ``digits`` significant digits (absolute near zero)."""
    got = np.asarray(got, dtype=object).reshape(-1)
    want = np.asarray(want, dtype=object).reshape(-1)
    assert got.shape == want.shape
    for g, w in zip(got, want, strict=True):
        w = mp(w)
        assert abs(g - w) <= mp(10) ** (-digits) * max(abs(w), 1), (g, w)


def differentiable(name):
    op = REGISTRY[name]
    return op.vjp is not None and op.kind != "comparison" and bool(op.differentiable)


# -- every op has a meaning -----------------------------------------------------------------------
def test_every_differentiable_op_has_a_meaning():
    missing = sorted(n for n, op in REGISTRY.items() if op.vjp is not None and n not in MEANINGS)
    assert not missing, f"ops with no SymPy meaning in oracle/semantics: {missing}"


def test_every_meaning_is_of_a_recorded_op():
    # A meaning whose name no node can carry is dead: composites (linear, l1_loss, outer,
    # flatten) are recorded as the ops they are made of, which have meanings of their own.
    # PyTorch's fused backward operators have meanings that only the torch adapter uses.
    from oracle.engines.aten_ops import TORCH_ONLY

    stale = sorted(set(MEANINGS) - set(REGISTRY) - TORCH_ONLY)
    assert not stale, f"meanings in oracle/semantics of no registry op: {stale}"


# -- elementwise ops: partial derivatives in closed form -----------------------------------------
X = [0.375, -1.25, 0.8125]
POS = [0.375, 1.5, 2.25]
UNIT = [0.375, -0.5, 0.8125]
Y = [1.5, 0.6875, -2.75]
W = [0.5, -1.25, 3.0]


def sig(x):
    return 1 / (1 + mpmath.exp(-x))


def phi(x):
    return mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)


def gelu_tanh(x):
    k = mpmath.sqrt(2 / mpmath.pi)
    u = k * (x + mp("0.044715") * x**3)
    return (1 + mpmath.tanh(u)) / 2 + x / 2 * mpmath.sech(u) ** 2 * k * (1 + 3 * mp("0.044715")
                                                                          * x**2)


ZERO = lambda *a: [0] * len(a)  # noqa: E731
# name: (points per tensor arg, attrs, partials in closed form)
UNARY_AND_BINARY = {
    "neg": ([X], {}, lambda x: [-1]),
    "reciprocal": ([X], {}, lambda x: [-1 / x**2]),
    "exp": ([X], {}, lambda x: [mpmath.exp(x)]),
    "exp2": ([X], {}, lambda x: [2**x * mpmath.log(2)]),
    "expm1": ([X], {}, lambda x: [mpmath.exp(x)]),
    "log": ([POS], {}, lambda x: [1 / x]),
    "log2": ([POS], {}, lambda x: [1 / (x * mpmath.log(2))]),
    "log10": ([POS], {}, lambda x: [1 / (x * mpmath.log(10))]),
    "log1p": ([POS], {}, lambda x: [1 / (1 + x)]),
    "sqrt": ([POS], {}, lambda x: [1 / (2 * mpmath.sqrt(x))]),
    "rsqrt": ([POS], {}, lambda x: [-x ** mp(-1.5) / 2]),
    "sin": ([X], {}, lambda x: [mpmath.cos(x)]),
    "cos": ([X], {}, lambda x: [-mpmath.sin(x)]),
    "tan": ([X], {}, lambda x: [mpmath.sec(x) ** 2]),
    "asin": ([UNIT], {}, lambda x: [1 / mpmath.sqrt(1 - x * x)]),
    "acos": ([UNIT], {}, lambda x: [-1 / mpmath.sqrt(1 - x * x)]),
    "atan": ([X], {}, lambda x: [1 / (1 + x * x)]),
    "sinh": ([X], {}, lambda x: [mpmath.cosh(x)]),
    "cosh": ([X], {}, lambda x: [mpmath.sinh(x)]),
    "tanh": ([X], {}, lambda x: [mpmath.sech(x) ** 2]),
    "tanh_backward": ([X, Y], {}, lambda g, x: [mpmath.sech(x) ** 2,
                                                -2 * g * mpmath.sech(x) ** 2 * mpmath.tanh(x)]),
    # backward formulas as ops (symgrad.ops.backward_ops): the step's value in grad_output, 0
    # in self (off the steps)
    "threshold_backward": ([Y, X], {"threshold": 0.0}, lambda g, x: [int(x > 0), 0]),
    "hardtanh_backward": ([Y, X], {"min_val": -1.0, "max_val": 0.5},
                          lambda g, x: [int(-1 < x < mp(0.5)), 0]),
    "leaky_relu_backward": ([Y, X], {"negative_slope": 0.2},
                            lambda g, x: [1 if x > 0 else mp(0.2), 0]),
    "asinh": ([X], {}, lambda x: [1 / mpmath.sqrt(x * x + 1)]),
    "acosh": ([[1.5, 2.25, 3.0]], {}, lambda x: [1 / mpmath.sqrt(x * x - 1)]),
    "atanh": ([UNIT], {}, lambda x: [1 / (1 - x * x)]),
    "sigmoid": ([X], {}, lambda x: [sig(x) * (1 - sig(x))]),
    "erf": ([X], {}, lambda x: [2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-x * x)]),
    "erfc": ([X], {}, lambda x: [-2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-x * x)]),
    "abs": ([X], {}, lambda x: [mpmath.sign(x)]),
    "nan_to_num": ([X], {"nan": 0.0, "posinf": None, "neginf": None}, lambda x: [1]),
    "sign": ([X], {}, ZERO),
    "floor": ([X], {}, ZERO),
    "ceil": ([X], {}, ZERO),
    "trunc": ([X], {}, ZERO),
    "round": ([X], {}, ZERO),
    "round_decimals": ([X], {"decimals": 1}, ZERO),
    "relu": ([X], {}, lambda x: [1 if x > 0 else 0]),
    "leaky_relu": ([X], {"negative_slope": 0.2}, lambda x: [1 if x > 0 else mp(0.2)]),
    "elu": ([X], {"alpha": 0.5}, lambda x: [1 if x > 0 else mp(0.5) * mpmath.exp(x)]),
    "hardtanh": ([X], {"min_val": -0.5, "max_val": 0.75}, lambda x: [1 if -0.5 < x < 0.75 else 0]),
    # shrinking activations: slope 1 outside the band, 0 within
    "softshrink": ([X], {"lambd": 0.25}, lambda x: [1 if abs(x) > 0.25 else 0]),
    "hardshrink": ([X], {"lambd": 0.25}, lambda x: [1 if abs(x) > 0.25 else 0]),
    # smooth and piecewise activations
    "logsigmoid": ([X], {}, lambda x: [sig(-x)]),
    "mish": ([X], {}, lambda x: [mpmath.tanh(mpmath.log1p(mpmath.exp(x))) + x * sig(x)
                                 * mpmath.sech(mpmath.log1p(mpmath.exp(x))) ** 2]),
    "hardsigmoid": ([[-3.5, -1.25, 3.25]], {}, lambda x: [mp(1) / 6 if -3 < x < 3 else 0]),
    "hardswish": ([[-3.5, -1.25, 3.25]], {},
                  lambda x: [0 if x < -3 else (1 if x > 3 else x / 3 + mp(0.5))]),
    "celu": ([X], {"alpha": 0.5}, lambda x: [1 if x > 0 else mpmath.exp(x / mp(0.5))]),
    "selu": ([X], {}, lambda x: [mp("1.0507009873554804934193349852946")
                                 * (1 if x > 0 else mp("1.6732632423543772848170429916717")
                                    * mpmath.exp(x))]),
    "threshold": ([X], {"threshold": 0.5, "value": -2.0}, lambda x: [1 if x > 0.5 else 0]),
    "gelu": ([X], {"approximate": "none"}, lambda x: [mpmath.ncdf(x) + x * phi(x)]),
    "silu": ([X], {}, lambda x: [sig(x) + x * sig(x) * (1 - sig(x))]),
    "softplus": ([X], {"beta": 2.0, "threshold": 20.0}, lambda x: [sig(2 * x)]),
    "pow": ([POS], {"exponent": 2.5}, lambda x: [mp(2.5) * x ** mp(1.5)]),
    "pow_scalar": ([X], {"base": 0.5}, lambda x: [mp(0.5) ** x * mpmath.log(0.5)]),
    "clamp": ([X], {"min": -0.5, "max": 0.5}, lambda x: [1 if -0.5 < x < 0.5 else 0]),
    "clamp_min": ([X], {"min": 0.5}, lambda x: [1 if x > 0.5 else 0]),
    "clamp_max": ([X], {"max": 0.5}, lambda x: [1 if x < 0.5 else 0]),
    "remainder": ([X], {"other": 0.75}, lambda x: [1]),
    "fmod": ([X], {"other": 0.75}, lambda x: [1]),
    "add": ([X, Y], {"alpha": 2.5}, lambda x, y: [1, mp(2.5)]),
    "sub": ([X, Y], {"alpha": 2.5}, lambda x, y: [1, mp(-2.5)]),
    "rsub": ([X, Y], {}, lambda x, y: [-1, 1]),
    "mul": ([X, Y], {}, lambda x, y: [y, x]),
    "div": ([X, Y], {}, lambda x, y: [1 / y, -x / y**2]),
    "div_mode": ([X, Y], {"rounding_mode": "floor"}, ZERO),
    "floor_divide": ([X, Y], {}, ZERO),
    "pow_tensor": ([POS, Y], {}, lambda x, y: [y * x ** (y - 1), x**y * mpmath.log(x)]),
    "atan2": ([X, Y], {}, lambda x, y: [y / (x * x + y * y), -x / (x * x + y * y)]),
    # more elementwise ops (helper nnm)
    "logaddexp": ([X, Y], {}, lambda x, y: [sig(x - y), sig(y - x)]),
    "logaddexp2": ([X, Y], {}, lambda x, y: [1 / (1 + 2 ** (y - x)), 1 / (1 + 2 ** (x - y))]),
    "hypot": ([X, Y], {}, lambda x, y: [x / mpmath.hypot(x, y), y / mpmath.hypot(x, y)]),
    "maximum": ([X, Y], {}, lambda x, y: [1 if x > y else 0, 1 if y > x else 0]),
    "minimum": ([X, Y], {}, lambda x, y: [1 if x < y else 0, 1 if y < x else 0]),
    "remainder_tensor": ([X, Y], {}, lambda x, y: [1, -mpmath.floor(x / y)]),
    "fmod_tensor": ([X, Y], {}, lambda x, y: [1, -(mpmath.floor(x / y) if x / y > 0
                                                  else mpmath.ceil(x / y))]),
    "clamp_min_tensor": ([X, [0.5] * 3], {}, lambda x, lo: [1 if x > lo else 0,
                                                            1 if x < lo else 0]),
    "clamp_max_tensor": ([X, [0.5] * 3], {}, lambda x, hi: [1 if x < hi else 0,
                                                            1 if x > hi else 0]),
    "clamp_tensor": ([X, [-0.5] * 3, [0.5] * 3], {}, lambda x, lo, hi: [
        1 if lo < x < hi else 0, 1 if x < lo else 0, 1 if x > hi else 0]),
    # tensor functions
    "addcmul": ([X, Y, POS], {"value": 2.5}, lambda x, y, z: [1, mp(2.5) * z, mp(2.5) * y]),
    "addcdiv": ([X, Y, POS], {"value": 2.5}, lambda x, y, z: [1, mp(2.5) / z,
                                                               -mp(2.5) * y / z**2]),
    "lerp": ([X, Y], {"weight": 0.25}, lambda x, y: [mp(0.75), mp(0.25)]),
    "lerp_tensor": ([X, Y, UNIT], {}, lambda x, y, w: [1 - w, w, y - x]),
    # special functions (symgrad/ops/special.py)
    "lgamma": ([X], {}, lambda x: [mpmath.digamma(x)]),
    "digamma": ([X], {}, lambda x: [mpmath.psi(1, x)]),
    "polygamma": ([X], {"n": 2}, lambda x: [mpmath.psi(3, x)]),
    "mvlgamma": ([[2.375, 1.5, 3.8125]], {"p": 3}, lambda x: [
        mpmath.digamma(x) + mpmath.digamma(x - 0.5) + mpmath.digamma(x - 1)]),
    "erfinv": ([UNIT], {}, lambda x: [mpmath.sqrt(mpmath.pi) / 2
                                      * mpmath.exp(mpmath.erfinv(x) ** 2)]),
    "logit": ([[0.375, 0.125, 0.8125]], {"eps": None}, lambda x: [1 / (x * (1 - x))]),
    "xlogy": ([X, POS], {}, lambda x, y: [mpmath.log(y), x / y]),
    "xlog1py": ([X, POS], {}, lambda x, y: [mpmath.log1p(y), x / (1 + y)]),
    "entr": ([POS], {}, lambda x: [-(1 + mpmath.log(x))]),
    # more elementwise functions (helper red: symgrad/ops/elementwise_extra.py)
    "frac": ([X], {}, lambda x: [1]),
    "deg2rad": ([X], {}, lambda x: [mpmath.pi / 180]),
    "rad2deg": ([X], {}, lambda x: [180 / mpmath.pi]),
    "copysign": ([X, Y], {}, lambda x, y: [mpmath.sign(x) * mpmath.sign(y), 0]),
    "copysign_scalar": ([X], {"other": -0.0}, lambda x: [-mpmath.sign(x)]),
    "fmax": ([X, Y], {}, lambda x, y: [1 if x > y else 0, 1 if y > x else 0]),
    "fmin": ([X, Y], {}, lambda x, y: [1 if x < y else 0, 1 if y < x else 0]),
    "ldexp": ([X, Y], {}, lambda x, y: [2 ** y, x * 2 ** y * mpmath.log(2)]),
    "ndtri": ([[0.375, 0.0625, 0.96875]], {}, lambda p: [
        mpmath.sqrt(2 * mpmath.pi) * mpmath.exp(mpmath.erfinv(2 * p - 1) ** 2)]),
    # sinc and the modified Bessel functions (helper special)
    "sinc": ([X], {}, lambda x: [(mpmath.cospi(x) - mpmath.sincpi(x)) / x]),
    "i0": ([X], {}, lambda x: [mpmath.besseli(1, x)]),
    "special_i0e": ([X], {}, lambda x: [
        mpmath.exp(-abs(x)) * (mpmath.besseli(1, x) - mpmath.sign(x) * mpmath.besseli(0, x))]),
    "special_i1": ([X], {}, lambda x: [(mpmath.besseli(0, x) + mpmath.besseli(2, x)) / 2]),
    "special_i1e": ([X], {}, lambda x: [mpmath.exp(-abs(x)) * (
        (mpmath.besseli(0, x) + mpmath.besseli(2, x)) / 2
        - mpmath.sign(x) * mpmath.besseli(1, x))]),
    "special_erfcx": ([X], {}, lambda x: [
        2 * x * mpmath.exp(x * x) * mpmath.erfc(x) - 2 / mpmath.sqrt(mpmath.pi)]),
    "special_log_ndtr": ([X], {}, lambda x: [mpmath.npdf(x) / mpmath.ncdf(x)]),
}


@pytest.mark.parametrize("name", sorted(UNARY_AND_BINARY))
def test_elementwise_closed_form(name):
    points, attrs, partials = UNARY_AND_BINARY[name]
    xs = [t(p) for p in points]
    out = apply(REGISTRY[name], *xs, **attrs)
    r = oracle.exact_grad(out, xs, t(W, False), digits=40)
    assert r.status == "ok", r.reason
    for j in range(len(xs)):
        want = [mp(w) * mp(partials(*[mp(p[k]) for p in points])[j]) for k, w in enumerate(W)]
        agree(r.grads[j], want)
        assert np.array_equal(r.float64[j], np.array([float(v) for v in want]))
    agree(r.forward, [mp(v) for v in out._data], digits=14)


def test_gelu_tanh_closed_form():
    x = t(X)
    r = oracle.exact_grad(apply(REGISTRY["gelu"], x, approximate="tanh"), x, t(W, False))
    agree(r.grads[0], [mp(w) * gelu_tanh(mp(v)) for v, w in zip(X, W, strict=True)])


def test_softplus_above_threshold_is_identity():
    x = t([3.0])
    r = oracle.exact_grad(apply(REGISTRY["softplus"], x, beta=1.0, threshold=1.0), x,
                          t([1.0], False))
    assert r.grads[0][0] == 1


def test_where_and_rsub_scalar():
    c = symgrad.tensor([True, False, True])
    a, b = t(X), t(Y)
    r = oracle.exact_grad(apply(REGISTRY["where"], c, a, b), [a, b], t(W, False))
    agree(r.grads[0], [W[0], 0, W[2]])
    agree(r.grads[1], [0, W[1], 0])
    r = oracle.exact_grad(apply(REGISTRY["rsub_scalar"], a, t(2.0, False)), a, t(W, False))
    agree(r.grads[0], [-w for w in W])


# -- linear moves: labelled inputs ----------------------------------------------------------------
LINEAR_MOVES = sorted(n for n, op in REGISTRY.items()
                      if differentiable(n) and (op.kind in ("shape", "index", "inplace")
                                                or n in ("sum", "sum_all", "nansum", "cumsum",
                                                         "trace"))
                      and n not in ("index_put", "scatter_add") or n in ("index_put",
                                                                          "scatter_add"))


def _labelled(name, sample):
    """Inputs whose elements are distinct powers of two, and each label's (input, index)."""
    op = REGISTRY[name]
    rng = np.random.default_rng(0)
    inputs, labels, bit = [], {}, 0
    for arg, shape in zip(op.args, sample.shapes, strict=True):
        if arg in sample.make:
            inputs.append(symgrad.tensor(sample.make[arg](rng)))
            continue
        n = int(np.prod(shape, dtype=np.int64))
        values = np.array([2.0**(bit + i) for i in range(n)]).reshape(shape)
        for i, idx in enumerate(np.ndindex(shape)):
            labels[bit + i] = (len(inputs), idx)
        bit += n
        inputs.append(t(values))
    return inputs, labels


@pytest.mark.parametrize("name", LINEAR_MOVES)
def test_linear_moves_by_labels(name):
    op = REGISTRY[name]
    for sample in samples_of(op.name):
        inputs, labels = _labelled(name, sample)
        if len(labels) > 50:
            continue
        out = apply(op, *inputs, **sample.attrs)
        rng = np.random.default_rng(1)
        w = rng.integers(-8, 8, out.shape) / 4.0
        want = [np.zeros(x.shape) for x in inputs]
        for value, wk in zip(out._data.reshape(-1), w.reshape(-1), strict=True):
            v = float(value)
            if v < 1 or v != int(v):
                continue
            for b in range(len(labels)):
                if int(v) >> b & 1:
                    slot, idx = labels[b]
                    want[slot][idx] += wk
        diff = [x for x in inputs if x.requires_grad]
        r = oracle.exact_grad(out, diff, t(w, False))
        assert r.status == "ok", (name, r.reason)
        for g, x in zip(r.float64, diff, strict=True):
            slot = next(i for i, y in enumerate(inputs) if y is x)
            np.testing.assert_array_equal(g, want[slot], err_msg=f"{name} {sample.attrs}")


# -- reductions, softmax, products, losses: closed forms ------------------------------------------
A = [[0.5, -1.25, 2.0], [0.75, 1.5, -0.375]]
WA = [[1.0, -0.5, 0.25], [2.0, 0.125, -1.5]]


def m(a):
    return np.vectorize(mp, otypes=[object])(np.asarray(a, dtype=np.float64))


def grad_of(name, inputs, w, **attrs):
    out = apply(REGISTRY[name], *inputs, **attrs)
    r = oracle.exact_grad(out, [x for x in inputs if x.requires_grad],
                          t(w, False) if w is not None else None)
    assert r.status == "ok", r.reason
    return r.grads, out


def test_mean_prod_var_std_closed_form():
    a, x = t(A), m(A)
    (g,), _ = grad_of("mean", [a], [1.0, -2.0], dim=(1,), keepdim=False)
    agree(g, np.array([[1 / mp(3)] * 3, [-2 / mp(3)] * 3], dtype=object))
    (g,), _ = grad_of("prod_all", [a], None)
    total = np.prod(x)
    agree(g, total / x)
    for name, root in (("var", False), ("std", True)):
        (g,), _ = grad_of(name, [a], [1.0, 1.0], dim=(1,), correction=1, keepdim=False)
        want = np.empty((2, 3), dtype=object)
        for i in range(2):
            row = x[i]
            mean = sum(row) / 3
            var = sum((v - mean) ** 2 for v in row) / 2
            for j in range(3):
                d = (row[j] - mean)
                want[i, j] = d / (2 * mpmath.sqrt(var)) if root else d
        agree(g, want)


def test_logsumexp_softmax_log_softmax_closed_form():
    a, x = t(A), m(A)
    wa = m(WA)
    soft = np.empty((2, 3), dtype=object)
    for i in range(2):
        e = [mpmath.exp(v) for v in x[i]]
        soft[i] = [v / sum(e) for v in e]
    (g,), _ = grad_of("logsumexp", [a], [1.0, -3.0], dim=(1,), keepdim=False)
    agree(g, soft * np.array([[1], [-3]], dtype=object))
    (g,), _ = grad_of("softmax", [a], WA, dim=1)
    agree(g, soft * (wa - (wa * soft).sum(axis=1, keepdims=True)))
    (g,), _ = grad_of("log_softmax", [a], WA, dim=1)
    agree(g, wa - soft * wa.sum(axis=1, keepdims=True))


def test_norm_and_cumprod_closed_form():
    a, x = t(A), m(A)
    (g,), _ = grad_of("norm", [a], None, p=2.0, dim=None, keepdim=False)
    agree(g, x / mpmath.sqrt(sum(v * v for v in x.flat)))
    (g,), _ = grad_of("norm", [a], None, p=3.0, dim=None, keepdim=False)
    n3 = sum(abs(v) ** 3 for v in x.flat) ** (mp(1) / 3)
    agree(g, np.vectorize(lambda v: v * abs(v) / n3**2, otypes=[object])(x))
    (g,), _ = grad_of("cumprod", [a], WA, dim=1)
    wa = m(WA)
    want = np.empty((2, 3), dtype=object)
    for i in range(2):
        for j in range(3):
            want[i, j] = sum(wa[i, k] * mpmath.fprod(x[i, q] for q in range(k + 1) if q != j)
                             for k in range(j, 3))
    agree(g, want)


def test_cumprod_with_a_zero():
    x = t([2.0, 0.0, 3.0])
    (g,), _ = grad_of("cumprod", [x], [1.0, 1.0, 1.0], dim=0)
    agree(g, [1, 2 + 6, 0])


def test_extrema_route_to_the_unique_argmax():
    a = t(A)
    for name, attrs, want in (
            ("max_all", {}, [[0, 0, 1], [0, 0, 0]]),
            ("min_all", {}, [[0, 1, 0], [0, 0, 0]]),
            ("amax", {"dim": (1,), "keepdim": False}, [[0, 0, 1], [0, 1, 0]]),
            ("min_dim", {"dim": 1, "keepdim": False}, [[0, 1, 0], [0, 0, 1]])):
        (g,), _ = grad_of(name, [a], None, **attrs)
        agree(g, want)


def test_products_closed_form():
    a, b = t(A), t([[0.25, 1.0], [-2.0, 0.5], [1.5, -0.75]])
    g = np.array([[1.0, -1.0], [0.5, 2.0]])
    (ga, gb), _ = grad_of("mm", [a, b], g)
    agree(ga, m(g) @ m(b._data).T)
    agree(gb, m(A).T @ m(g))
    v = t([0.5, -1.5, 2.0])
    (ga, gv), _ = grad_of("mv", [a, v], [1.0, -2.0])
    agree(ga, np.outer(m([1.0, -2.0]), m(v._data)))
    agree(gv, m(A).T @ m([1.0, -2.0]))
    (gx, gy), _ = grad_of("dot", [v, t(X)], None)
    agree(gx, m(X))
    agree(gy, m(v._data))
    sq = t([[1.5, 2.0], [-0.5, 4.0]])
    (gs,), _ = grad_of("trace", [sq], None)
    agree(gs, [[1, 0], [0, 1]])
    wt, bias = t([[0.5, 1.0], [-1.0, 0.25], [2.0, -0.5]]), t([0.125, -0.25])
    (gb2, gi, gw), _ = grad_of("addmm", [bias, a, wt], g)
    agree(gi, m(g) @ m(wt._data).T)
    agree(gw, m(A).T @ m(g))
    agree(gb2, m(g).sum(axis=0))


def test_losses_closed_form():
    a, target = t(A), t([[0.0, 1.0, 0.5], [1.0, 1.0, 1.0]], False)
    (g,), _ = grad_of("mse_loss", [a, target], None, reduction="mean")
    agree(g, 2 * (m(A) - m(target._data)) / 6)
    labels = symgrad.tensor(np.array([2, 0]))
    (g,), _ = grad_of("nll_loss", [a, labels], None, reduction="mean", ignore_index=-100)
    agree(g, [[0, 0, -mp(1) / 2], [-mp(1) / 2, 0, 0]])
    labels = symgrad.tensor(np.array([2, -100]))
    (g,), _ = grad_of("nll_loss", [a, labels], None, reduction="mean", ignore_index=-100)
    agree(g, [[0, 0, -1], [0, 0, 0]])
    # class weights: -w[c] / (sum of the targets' weights) at each target, for a mean
    labels, w = symgrad.tensor(np.array([2, 0])), t([0.5, 2.0, 1.25], False)
    (g,), _ = grad_of("nll_loss_weighted", [a, labels, w], None, reduction="mean",
                      ignore_index=-100)
    agree(g, [[0, 0, -mp(1.25) / mp(1.75)], [-mp(0.5) / mp(1.75), 0, 0]])
    (g,), _ = grad_of("nll_loss_weighted", [a, labels, w], [3.0, -1.0], reduction="none",
                      ignore_index=0)
    agree(g, [[0, 0, -3 * mp(1.25)], [0, 0, 0]])


def test_pytorch_style_losses_closed_form():
    a, y = t([0.25, 2.0, -1.5]), t([0.0, 0.5, 0.0], False)
    beta = mp(0.7)
    # |d| < beta: d / beta; beyond: sign(d); "mean" divides by the count
    (g,), _ = grad_of("smooth_l1_loss", [a, y], None, reduction="mean", beta=0.7)
    agree(g, [mp(0.25) / beta / 3, mp(1) / 3, -mp(1) / 3])
    (g,), _ = grad_of("huber_loss", [a, y], None, reduction="sum", delta=0.7)
    agree(g, [0.25, beta, -beta])
    # BCE: d/dx -w (y log x + (1 - y) log(1 - x)) = w (x - y) / (x (1 - x));
    # d/dy = w (log(1 - x) - log x)
    x, p, w = t([0.25, 0.5]), t([1.0, 0.25]), t([1.0, 2.0], False)
    (gx, gp), _ = grad_of("binary_cross_entropy", [x, p, w], None, reduction="sum")
    agree(gx, [-4, 2])
    agree(gp, [mpmath.log(3), 0])
    # with logits: d/dx w ((1 - y) x + (1 + (q - 1) y) log(1 + e^-x))
    #   = w ((1 - y) - (1 + (q - 1) y) (1 - sigmoid(x)));  d/dy = w (-x - (q - 1) log sigmoid(x))
    x, p, q = t([0.0, 1.0]), t([0.5, 1.0]), t([2.0, 2.0], False)
    sig1 = 1 / (1 + mpmath.exp(-1))
    (gx, gp), _ = grad_of("binary_cross_entropy_with_logits", [x, p, t([1.0, 1.0], False), q],
                          None, reduction="sum")
    agree(gx, [mp(-0.25), -2 * (1 - sig1)])
    agree(gp, [mpmath.log(2), -1 - mpmath.log(sig1)])


def test_embedding_sums_each_rows_lookups():
    weight = t(np.arange(6.0).reshape(3, 2))
    (g,), _ = grad_of("embedding", [weight], np.ones((2, 2, 2)), indices=np.array([[0, 2], [2, 2]]))
    agree(g, [[1, 1], [0, 0], [3, 3]])


def test_layer_norm_against_mpmath_differentiation():
    xs, gs = [1.0, 2.0, 3.0, 6.0], [1.0, -0.5, 0.25, 2.0]
    wts, eps = [0.5, 1.5, -1.0, 2.0], mp(0.25)

    def normed(values, k):
        mean = mpmath.fsum(values) / 4
        var = mpmath.fsum((v - mean) ** 2 for v in values) / 4
        return (values[k] - mean) / mpmath.sqrt(var + eps)

    def loss(*values):
        return mpmath.fsum(gs[k] * wts[k] * normed(values, k) for k in range(4))

    (gx, gw, gb), _ = grad_of("layer_norm", [t(xs), t(wts), t([0.0] * 4)], gs,
                              normalized_ndim=1, eps=0.25)
    want = [mpmath.diff(loss, [mp(v) for v in xs], tuple(int(i == j) for i in range(4)))
            for j in range(4)]
    agree(gx, want, digits=25)
    agree(gw, [gs[k] * normed([mp(v) for v in xs], k) for k in range(4)])
    agree(gb, gs)


def test_batch_norm_against_mpmath_differentiation():
    # (3, 2): each column a channel, normalised by its own batch statistics in training.
    xs = [[1.0, -2.0], [2.0, 0.5], [6.0, 0.25]]
    gs = [[1.0, 0.75], [-0.5, 2.0], [0.25, -1.0]]
    wts, eps = [0.5, -1.5], mp(0.25)

    def normed(column, k):
        mean = mpmath.fsum(column) / 3
        var = mpmath.fsum((v - mean) ** 2 for v in column) / 3
        return (column[k] - mean) / mpmath.sqrt(var + eps)

    def loss(*flat):
        columns = [flat[0::2], flat[1::2]]
        return mpmath.fsum(gs[k][c] * wts[c] * normed(columns[c], k)
                           for k in range(3) for c in range(2))

    (gx, gw, gb), _ = grad_of("batch_norm", [t(xs), t(wts), t([0.0, 0.0])], gs, training=True,
                              running_mean=None, running_var=None, eps=0.25)
    point = [mp(v) for row in xs for v in row]
    want = [mpmath.diff(loss, point, tuple(int(i == j) for i in range(6))) for j in range(6)]
    agree(gx, want, digits=25)
    columns = [[mp(r[c]) for r in xs] for c in range(2)]
    agree(gw, [mpmath.fsum(gs[k][c] * normed(columns[c], k) for k in range(3)) for c in range(2)])
    agree(gb, [mpmath.fsum(gs[k][c] for k in range(3)) for c in range(2)])
    # evaluation: the running statistics are constants, each element an affine map
    mean, var = np.array([0.25, -0.5]), np.array([0.75, 1.5])
    (gx, gw), _ = grad_of("batch_norm", [t(xs), t(wts), t([0.0, 0.0], False)], gs,
                          training=False, running_mean=mean, running_var=var, eps=0.25)
    scale = [1 / mpmath.sqrt(mp(var[c]) + eps) for c in range(2)]
    agree(gx, [[gs[k][c] * wts[c] * scale[c] for c in range(2)] for k in range(3)])
    agree(gw, [mpmath.fsum(gs[k][c] * (xs[k][c] - mp(mean[c])) * scale[c] for k in range(3))
               for c in range(2)])


def test_constant_pad_moves_each_gradient_back_to_its_source():
    # (2, 3) padded (-1, 1) in columns, (1, 0) in rows: g's rows 1.. and columns ..2 come back
    # to x's columns 1..; x's cropped column 0 gets 0.
    x = t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    g = np.arange(9.0).reshape(3, 3)
    (gx,), out = grad_of("constant_pad_nd", [x], g, pad=(-1, 1, 1, 0), value=-1.5)
    agree(out._data, [[-1.5, -1.5, -1.5], [2, 3, -1.5], [5, 6, -1.5]])
    agree(gx, [[0, 3, 4], [0, 6, 7]])
# -- pooling ---------------------------------------------------------------------------------------
def test_max_pool2d_gradient_goes_to_each_windows_maximum():
    # 2x2 windows of stride 1 overlap: the maximum 5 at (0, 1) is two windows' maximum and
    # takes both weights; 6 and 4 take one each.
    x = t([[[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0], [6.0, 1.0, 1.0]]]])
    attrs = {"kernel_size": (2, 2), "stride": (1, 1), "padding": (0, 0), "dilation": (1, 1),
             "ceil_mode": False}
    (g,), out = grad_of("max_pool2d", [x], [[[[0.5, -1.25], [3.0, 2.0]]]], **attrs)
    assert out.tolist() == [[[[5.0, 5.0], [6.0, 4.0]]]]
    agree(g, [[0, mp(0.5) - mp(1.25), 0], [0, 0, 2], [3, 0, 0]])
    # padding takes no part: a 3x3 window with padding 1 over a 2x2 input is its maximum
    x = t([[[-3.0, -1.0], [-2.0, -4.0]]])
    (g,), out = grad_of("max_pool2d", [x], [[[1.5]]], kernel_size=(3, 3), stride=(2, 2),
                        padding=(1, 1), dilation=(1, 1), ceil_mode=False)
    assert out.tolist() == [[[-1.0]]]
    agree(g, [[0, mp(1.5)], [0, 0]])


def test_avg_pool2d_gradient_is_each_windows_weight_over_its_divisor():
    x = t(np.arange(9.0).reshape(1, 1, 3, 3))
    w = np.array([[0.5, -1.0, 2.0, 0.25], [1.0, 3.0, -2.0, 0.5], [0.75, 1.5, -0.5, 2.5],
                  [1.25, -0.75, 0.5, 1.0]])
    for count_include_pad in (False, True):
        (g,), _ = grad_of("avg_pool2d", [x], w.reshape(1, 1, 4, 4), kernel_size=(2, 2),
                          stride=(1, 1), padding=(1, 1), ceil_mode=False,
                          count_include_pad=count_include_pad, divisor_override=None)
        # output (i, j) averages rows i-1..i and columns j-1..j: 4 with the padding counted,
        # else the elements inside the 3x3 input
        want = np.full((3, 3), mp(0), dtype=object)
        for i in range(4):
            for j in range(4):
                cells = [(r, c) for r in (i - 1, i) for c in (j - 1, j)
                         if 0 <= r < 3 and 0 <= c < 3]
                for r, c in cells:
                    want[r, c] += mp(w[i, j]) / (4 if count_include_pad else len(cells))
        agree(g, want)
    (g,), _ = grad_of("avg_pool2d", [x], [[[[2.0]]]], kernel_size=(3, 3), stride=(3, 3),
                      padding=(0, 0), ceil_mode=False, count_include_pad=True,
                      divisor_override=5)
    agree(g, [[mp(2) / 5] * 3] * 3)


def test_adaptive_avg_pool2d_gradient_over_overlapping_windows():
    # 3 rows into 2: rows [0, 2) and [1, 3), each with both columns: a divisor of 4
    x = t(np.arange(6.0).reshape(1, 1, 3, 2))
    (g,), out = grad_of("adaptive_avg_pool2d", [x], [[[[1.0], [-3.0]]]], output_size=(2, 1))
    assert out.tolist() == [[[[1.5], [3.5]]]]
    agree(g, [[mp(1) / 4] * 2, [mp(-2) / 4] * 2, [mp(-3) / 4] * 2])
# -- gates (helper nnm) -----------------------------------------------------------------------
def test_prelu_and_glu_closed_form():
    # prelu: d/dx is 1 for x > 0, else the channel's slope; d/dw[c] sums x over x <= 0 there
    x, w = t([[[-1.0, 2.0], [0.5, -3.0]]]), t([0.25, -1.5])
    (gx, gw), _ = grad_of("prelu", [x, w], [[[1.0, 1.0], [2.0, 1.0]]])
    agree(gx, [[[mp(0.25), 1], [2, mp(-1.5)]]])
    agree(gw, [-1, -3])
    # glu over the last dim: a * sig(b), d/da = sig(b), d/db = a sig(b) sig(-b)
    (g,), _ = grad_of("glu", [t([[0.5, -2.0]])], [[3.0]], dim=1)
    agree(g, [[3 * sig(mp(-2.0)), 3 * mp(0.5) * sig(mp(-2.0)) * sig(mp(2.0))]])


# -- resampling (helper nnm) ------------------------------------------------------------------
def test_resampling_gradients_are_the_weights_summed_per_input():
    # linear, 3 -> 7 without align_corners: output o sits at r = (3o - 2) / 7 (0 below 0, the
    # last clamped to input 2), so with g = 1 the inputs get 1 + 6/7 + 3/7, 1/7 + 4/7 + 1 +
    # 4/7 + 1/7 and 3/7 + 6/7 + 1
    x = t([[[0.5, -1.0, 2.0]]])
    (g,), _ = grad_of("upsample_linear1d", [x], [[[1.0] * 7]], output_size=(7,),
                      align_corners=False, scales=(None,))
    agree(g, [[[mp(16) / 7, mp(17) / 7, mp(16) / 7]]])
    # aligned, 2 -> 3: the middle output is the mean of the two
    (g,), out = grad_of("upsample_linear1d", [t([[[1.0, 3.0]]])], [[[1.0, 2.0, 3.0]]],
                        output_size=(3,), align_corners=True, scales=(None,))
    assert out.tolist() == [[[1.0, 2.0, 3.0]]]
    agree(g, [[[2, 4]]])
    # bilinear, 2x2 -> 3x3 aligned: each corner weighs (1 + 1/2) twice over
    (g,), _ = grad_of("upsample_bilinear2d", [t(np.ones((1, 1, 2, 2)))], np.ones((1, 1, 3, 3)),
                      output_size=(3, 3), align_corners=True, scales=(None, None))
    agree(g, [[[[mp(9) / 4] * 2] * 2]])
    # nearest, 3 -> 7 reads [0, 0, 0, 1, 1, 2, 2]; 2x3 -> 5x4 at scales (2.5, 1.5) reads rows
    # floor(o * 0.4) = [0, 0, 0, 1, 1] and columns floor(o / 1.5) = [0, 0, 1, 2]
    (g,), _ = grad_of("upsample_nearest1d", [t([[[1.0, 2.0, 3.0]]])], [[[1.0] * 7]],
                      output_size=(7,), scales=(None,))
    agree(g, [[[3, 2, 2]]])
    (g,), _ = grad_of("upsample_nearest2d", [t(np.ones((1, 1, 2, 3)))], np.ones((1, 1, 5, 4)),
                      output_size=(5, 4), scales=(2.5, 1.5))
    agree(g, [[[[6, 3, 3], [4, 2, 2]]]])



def test_more_resampling_closed_forms():
    # nearest-exact reads the input nearest each output's centre, floor((o + 1/2) * in / out):
    # 3 -> 7 reads [0, 0, 1, 1, 1, 2, 2] (nearest's floor(o * 3/7) reads [0, 0, 0, 1, 1, 2, 2]);
    # 2x3 -> 5x4 reads rows [0, 0, 1, 1, 1] and columns [0, 1, 1, 2]
    (g,), _ = grad_of("upsample_nearest_exact1d", [t([[[1.0, 2.0, 3.0]]])], [[[1.0] * 7]],
                      output_size=(7,), scales=(None,))
    agree(g, [[[2, 3, 2]]])
    (g,), _ = grad_of("upsample_nearest_exact2d", [t(np.ones((1, 1, 2, 3)))],
                      np.ones((1, 1, 5, 4)), output_size=(5, 4), scales=(None, None))
    agree(g, [[[[2, 4, 2], [3, 6, 3]]]])
    # 3-d, a depth of 1 read twice and a width of 2 read as [0, 1, 1] (nearest-exact) or
    # [0, 0, 1] (nearest)
    ones = t(np.ones((1, 1, 1, 1, 2)))
    for name, want in (("upsample_nearest_exact3d", [2, 4]), ("upsample_nearest3d", [4, 2])):
        (g,), _ = grad_of(name, [ones], np.ones((1, 1, 2, 1, 3)), output_size=(2, 1, 3),
                          scales=(None, None, None))
        agree(g.reshape(-1), want)
    # trilinear, a width of 2 -> 3 aligned: the middle output is the mean of the two, so
    # g = [1, 2, 3] gives 1 + 2/2 and 2/2 + 3
    (g,), _ = grad_of("upsample_trilinear3d", [t(np.ones((1, 1, 1, 1, 2)))],
                      [[[[[1.0, 2.0, 3.0]]]]], output_size=(1, 1, 3), align_corners=True,
                      scales=(None, None, None))
    agree(g.reshape(-1), [2, 4])
    # bicubic, a width of 4 -> 7 aligned: output 1 sits at 1/2, between inputs 0 and 1; Keys'
    # weights (A = -3/4) at distances 3/2, 1/2, 1/2, 3/2 are -3/32, 19/32, 19/32, -3/32, the
    # tap at -1 clamped to input 0 (a height of 1 reads its one row four times over, weights
    # summing to 1)
    w = np.zeros((1, 1, 1, 7))
    w[0, 0, 0, 1] = 1.0
    (g,), _ = grad_of("upsample_bicubic2d", [t(np.ones((1, 1, 1, 4)))], w, output_size=(1, 7),
                      align_corners=True, scales=(None, None))
    agree(g.reshape(-1), [mp(1) / 2, mp(19) / 32, -mp(3) / 32, 0])


# -- convolution ------------------------------------------------------------------------------
def test_convolution_closed_form():
    # 1-d, stride 3 over [0, 1, 2, 3, 4, 5, 0] (padding 1) with a kernel of 2: the windows are
    # places (0, 1) and (3, 4), so x[1] = 2 and x[4] = 5 are read by none (gradient 0);
    # d/dx[i] = sum of g[j] * w[k] over j*3 + k - 1 == i, d/dw[k] = sum of g[j] * x[j*3 + k - 1].
    x, w, b = t([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), t([[[0.5, -1.0]]]), t([0.25])
    (gx, gw, gb), out = grad_of("convolution", [x, w, b], [[[1.0, -2.0]]], stride=(3,),
                                padding=((1, 1),), dilation=(1,), groups=1)
    assert out.tolist() == [[[-0.75, -2.25]]]
    agree(gx, [-1, 0, -1, 2, 0])
    agree(gw, [-6, -7])
    agree(gb, [-1])
    # 2-d, two groups of one channel, dilation 2: out[0, o, 0, 0] = sum over k, l of
    # x[0, o, 2k, 2l] * w[o, 0, k, l], so d/dx is w at the even places of channel o, 0 elsewhere
    xs = np.arange(18.0).reshape(1, 2, 3, 3) / 8
    ws = np.array([[[[1.0, -0.5], [0.25, 2.0]]], [[[-1.5, 0.75], [3.0, -0.125]]]])
    (gx, gw), _ = grad_of("convolution", [t(xs), t(ws), t(np.zeros(0), False)],
                          [[[[2.0]], [[-1.0]]]], stride=(1, 1), padding=((0, 0), (0, 0)),
                          dilation=(2, 2), groups=2)
    want_x = np.zeros((1, 2, 3, 3), dtype=object)
    want_w = np.zeros((2, 1, 2, 2), dtype=object)
    for o, g in ((0, 2), (1, -1)):
        for k in range(2):
            for m in range(2):
                want_x[0, o, 2 * k, 2 * m] = g * mp(ws[o, 0, k, m])
                want_w[o, 0, k, m] = g * mp(xs[0, o, 2 * k, 2 * m])
    agree(gx, want_x)
    agree(gw, want_w)


# -- transposed convolution ------------------------------------------------------------------
def test_conv_transpose_closed_form():
    # 1-d, stride 2, padding 1, output_padding 1 over x = [1, 2, 3] with w = [0.5, -1, 2]:
    # x[i] * w[k] lands at 2i + k - 1, kept in [0, 6): out[o] = sum over 2i + k - 1 == o,
    # so d/dx[i] = sum over k of g[2i + k - 1] * w[k] and d/dw[k] = sum over i of
    # g[2i + k - 1] * x[i] (places outside the output dropped), d/db = sum of g.
    x, w, b = t([[[1.0, 2.0, 3.0]]]), t([[[0.5, -1.0, 2.0]]]), t([0.25])
    g = [1.0, -2.0, 0.5, 3.0, -1.0, 4.0]
    (gx, gw, gb), out = grad_of("conv_transpose", [x, w, b], [[g]], stride=(2,), padding=(1,),
                                output_padding=(1,), dilation=(1,), groups=1)
    # out[0] = x0*w1, out[1] = x0*w2 + x1*w0, out[2] = x1*w1, out[3] = x1*w2 + x2*w0,
    # out[4] = x2*w1, out[5] = x2*w2: plus the bias
    assert out.tolist() == [[[-0.75, 3.25, -1.75, 5.75, -2.75, 6.25]]]
    # x0 lands at -1 (dropped), 0, 1; x1 at 1, 2, 3; x2 at 3, 4, 5
    agree(gx, [1.0 * -1.0 + -2.0 * 2.0, -2.0 * 0.5 + 0.5 * -1.0 + 3.0 * 2.0,
               3.0 * 0.5 + -1.0 * -1.0 + 4.0 * 2.0])
    agree(gw, [2 * -2.0 + 3 * 3.0, 1 * 1.0 + 2 * 0.5 + 3 * -1.0, 1 * -2.0 + 2 * 3.0 + 3 * 4.0])
    agree(gb, [sum(g)])


# -- 3-d pooling ------------------------------------------------------------------------------
def test_pooling3d_closed_forms():
    # max over 2x2x2 windows of stride 1 along the depth (3 deep): the maximum 9 at (1, 0, 1)
    # is both windows' maximum and takes both weights
    xs = np.array([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 9.0], [0.0, 1.0]], [[2.0, 3.0], [4.0, 8.0]]])
    attrs = {"kernel_size": (2, 2, 2), "stride": (1, 1, 1), "padding": (0, 0, 0),
             "dilation": (1, 1, 1), "ceil_mode": False}
    (g,), out = grad_of("max_pool3d", [t(xs.reshape(1, 1, 3, 2, 2))], [[[[[0.5]], [[-2.0]]]]],
                        **attrs)
    assert out.tolist() == [[[[[9.0]], [[9.0]]]]]
    want = np.zeros((3, 2, 2), dtype=object)
    want[1, 0, 1] = mp(-1.5)
    agree(g, want)
    # avg with the padding counted: each of the 2 outputs (depth 1 padded to 3, kernel 2) sees
    # the input once over 2 * 2 * 2 = 8
    (g,), out = grad_of("avg_pool3d", [t(xs[:1].reshape(1, 1, 1, 2, 2))], [[[[[1.0]], [[3.0]]]]],
                        kernel_size=(2, 2, 2), stride=(1, 1, 1), padding=(1, 0, 0),
                        ceil_mode=False, count_include_pad=True, divisor_override=None)
    agree(out._data, [[[[[mp(10) / 8]], [[mp(10) / 8]]]]])
    agree(g, [[[[mp(4) / 8] * 2] * 2]])
    # adaptive, depth 3 into 2: windows [0, 2) and [1, 3) overlap at depth 1
    (g,), _ = grad_of("adaptive_avg_pool3d", [t(xs.reshape(1, 3, 2, 2))], [[[[1.0]], [[-2.0]]]],
                      output_size=(2, 1, 1))
    agree(g, [[[mp(1) / 8] * 2] * 2, [[mp(-1) / 8] * 2] * 2, [[mp(-2) / 8] * 2] * 2])
    # adaptive max, depth 3 into 2: both windows' maximum is the 9 at (1, 0, 1), which takes
    # both weights
    (g,), out = grad_of("adaptive_max_pool3d", [t(xs.reshape(1, 3, 2, 2))],
                        [[[[1.0]], [[-2.0]]]], output_size=(2, 1, 1))
    assert out.tolist() == [[[[9.0]], [[9.0]]]]
    want = np.zeros((1, 3, 2, 2), dtype=object)
    want[0, 1, 0, 1] = mp(-1)
    agree(g, want)


# -- unfold and fold ---------------------------------------------------------------------------
def test_im2col_and_col2im_closed_forms():
    # 2x2 blocks of a 3x3 image: the centre is in all four blocks, an edge's middle in two, a
    # corner in one, so with every column's weight 1 the image's gradient counts its blocks
    x = t(np.arange(9.0).reshape(1, 1, 3, 3))
    attrs = {"kernel_size": (2, 2), "dilation": (1, 1), "padding": (0, 0), "stride": (1, 1)}
    (g,), out = grad_of("im2col", [x], np.ones((1, 4, 4)), **attrs)
    assert out.tolist() == [[[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]]
    agree(g, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    # col2im adds: each column element's gradient is the image's weight at its place
    w = np.arange(9.0).reshape(1, 1, 3, 3) - 4
    (g,), out = grad_of("col2im", [t(np.ones((1, 4, 4)))], w, output_size=(3, 3), **attrs)
    assert out.tolist() == [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
    agree(g, [[-4, -3, -1, 0], [-3, -2, 0, 1], [-1, 0, 2, 3], [0, 1, 3, 4]])



# -- spatial transformers' sampling (symgrad/ops/grid_sample.py) -----------------------------------
def test_grid_sample_and_affine_grid_closed_forms():
    # A 2x2 image [[a, b], [c, d]] with align_corners: grid x, y in [-1, 1] are the pixel
    # positions u = (x + 1) / 2, v = (y + 1) / 2; bilinear sampling is
    # (1-u)(1-v) a + u(1-v) b + (1-u) v c + u v d, so d/dimage is those weights and d/dx is
    # ((1-v)(b - a) + v (d - c)) / 2, d/dy ((1-u)(c - a) + u (d - b)) / 2.
    image = np.array([[1.0, 2.0], [4.0, 8.0]])
    point = (0.5, -0.25)  # u = 3/4, v = 3/8
    (gi, gg), out = grad_of("grid_sampler_2d", [t(image.reshape(1, 1, 2, 2)),
                                                t(np.array(point).reshape(1, 1, 1, 2))],
                            [[[[3.0]]]], mode="bilinear", padding_mode="zeros",
                            align_corners=True)
    a, b, c, d = (mp(v) for v in image.reshape(-1))
    u, v = mp(3) / 4, mp(3) / 8
    agree(out._data.reshape(-1), [(1 - u) * (1 - v) * a + u * (1 - v) * b + (1 - u) * v * c
                                  + u * v * d])
    agree(gi.reshape(-1), [3 * (1 - u) * (1 - v), 3 * u * (1 - v), 3 * (1 - u) * v, 3 * u * v])
    agree(gg.reshape(-1), [3 * ((1 - v) * (b - a) + v * (d - c)) / 2,
                           3 * ((1 - u) * (c - a) + u * (d - b)) / 2])
    # affine_grid is linear in theta: output pixel (x, y) of a 1x2 grid without align_corners
    # (x = -1/2, 1/2; y = 0) is theta @ (x, y, 1), so d/dtheta[r] is w[r] times (x, y, 1) summed
    (g,), out = grad_of("affine_grid_generator", [t(np.arange(6.0).reshape(1, 2, 3))],
                        [[[[1.0, -2.0], [3.0, 0.5]]]], size=(1, 1, 1, 2), align_corners=False)
    agree(out._data.reshape(-1), [-mp(1) / 2 * 0 + 2, -mp(1) / 2 * 3 + 5, mp(1) / 2 * 0 + 2,
                                  mp(1) / 2 * 3 + 5])
    agree(g.reshape(-1), [-mp(1) / 2 * 1 + mp(1) / 2 * 3, 0, 1 + 3,
                          -mp(1) / 2 * -2 + mp(1) / 2 * mp(1) / 2, 0, -2 + mp(1) / 2])

CLOSED_FORM_ELSEWHERE = {
    # sgn, dist, frexp (tests/test_sgn_dist_frexp.py) and nextafter (tests/test_next_float.py)
    "sgn", "dist", "frexp", "nextafter",
    # angle of a real tensor (tests/test_tensor_extras.py)
    "angle",
    "mean", "mean_all", "prod", "prod_all", "var", "std", "logsumexp", "softmax", "log_softmax",
    "norm", "cumprod", "max_all", "min_all", "amax", "amin", "max_dim", "min_dim", "mm", "mv",
    "dot", "trace", "addmm", "mse_loss", "nll_loss", "nll_loss_weighted", "bmm", "matmul",
    "matmul_clone",
    "matmul_vm", "where", "rsub_scalar", "gelu", "softplus", "remainder_scalar",
    "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "embedding", "layer_norm", "batch_norm", "constant_pad_nd",
    # pooling (closed forms above)
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
    # convolutions
    "convolution",
    # transposed convolutions (closed form above)
    "conv_transpose",
    # 3-d pooling (closed forms above)
    "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
    # grid sampling (closed form above)
    "grid_sampler_2d", "affine_grid_generator",
    # unfold and fold (closed form above)
    "im2col", "col2im",
    # tensor functions (closed form below)
    "index_add",
    # more products (closed form below)
    "addmv", "addr", "baddbmm", "addbmm", "vdot",
    # distances (closed form below)
    "cdist", "euclidean_dist", "pdist", "renorm",
    # weight normalisation's fused op (closed form below)
    "weight_norm",
    # group normalisation (tests/test_norms_more.py)
    "group_norm",
    # soft margin loss (tests/test_losses_more.py)
    "soft_margin_loss",
    # order statistics (closed forms below)
    "median_all", "nanmedian_all", "median_dim", "nanmedian_dim", "kthvalue", "mode", "cummax",
    "cummin", "logcumsumexp", "aminmax_min", "aminmax_max", "std_mean_std", "std_mean_mean",
    "var_mean_var", "var_mean_mean", "quantile",
    # backward formulas as ops (tests/test_zero_second_derivatives.py)
    "nll_loss_backward", "nll_loss_weighted_backward", "max_pool2d_backward",
    # determinants, inverses and solves (closed forms below)
    "det", "inverse", "solve", "slogdet", "cross",
    # matrix decompositions (helper lin; closed forms below)
    "cholesky", "solve_triangular", "cholesky_solve", "cholesky_inverse", "eigvalsh",
    "eigh_vectors", "svdvals", "svd_u", "svd_vh", "qr_q", "qr_r", "pinv",
    # linalg functions (helper linalg; tests/test_linalg_more.py)
    "matrix_exp", "lstsq", "lstsq_residuals", "lu_factor", "lu_l", "lu_u", "lu_solve",
    # Householder products (helper linalg2; tests/test_linalg_extra.py)
    "householder_product", "ormqr",
    # gates (helper nnm; closed forms above)
    "prelu", "glu",
    # resampling (helper nnm; closed forms above)
    "upsample_nearest1d", "upsample_nearest2d", "upsample_linear1d", "upsample_bilinear2d",
    "upsample_nearest3d", "upsample_nearest_exact1d", "upsample_nearest_exact2d",
    "upsample_nearest_exact3d", "upsample_trilinear3d", "upsample_bicubic2d",
    # reducing scatters (helper red; tests/test_scatter_reduce.py)
    "scatter_reduce", "index_reduce",
    # channel shuffles, randomized leaky ReLU (helper misc; tests/test_nn_layers_more.py)
    "channel_shuffle", "rrelu_with_noise", "rrelu_with_noise_backward", "adaptive_max_pool2d",
    "adaptive_max_pool2d_backward", "max_unpool2d",
    # reflection and replication pads and their backward operators (helper misc;
    # tests/test_nn_layers_more.py)
    *(f"{m}_pad{k}d{b}" for m in ("reflection", "replication") for k in (1, 2, 3)
      for b in ("", "_backward")),
    # multi-class margin losses (helper loss; closed forms below)
    "multi_margin_loss", "multilabel_margin_loss",
    # embedding bags (helper loss; closed form below)
    "embedding_bag", "embedding_bag_max", "embedding_bag_weighted",
}


def test_matmul_family_agrees_with_mm():
    a = np.arange(12.0).reshape(2, 2, 3) / 4
    b = np.arange(6.0).reshape(3, 2) / 8 - 0.5
    for name, x, y in (("bmm", a, np.stack([b, b])), ("matmul", a, b),
                       ("matmul_clone", b.T, a.transpose(0, 2, 1)), ("matmul_vm", a[0, 0], b)):
        xt, yt = t(x), t(y)
        out = apply(REGISTRY[name], xt, yt)
        g = np.ones(out.shape)
        r = oracle.exact_grad(out, [xt, yt], t(g, False))
        gx = np.matmul(g, np.swapaxes(y, -1, -2)) if y.ndim > 1 else np.outer(g, y)
        gx = gx.reshape((-1,) + x.shape).sum(axis=0) if gx.ndim > x.ndim else gx
        np.testing.assert_array_equal(r.float64[0], gx.reshape(x.shape))


# -- tensor functions ------------------------------------------------------------------------------
def test_index_add_closed_form():
    # out[index[k]] += alpha * source[k] along dim 0: d/dself is w, d/dsource[k] is
    # alpha * w[index[k]] (a repeated place sends w to each source slice added there).
    x, src = t(A), t([[0.5, 1.5, -2.0], [1.0, 0.25, 3.0], [2.0, -1.0, 0.5]])
    index = np.array([1, 0, 1])
    (gx, gs), _ = grad_of("index_add", [x, src], WA, dim=0, index=index, alpha=2.5)
    agree(gx, m(WA))
    agree(gs, mp(2.5) * m(WA)[index])


# -- more products (symgrad/ops/products.py) -------------------------------------------------------
def test_beta_alpha_products_closed_form():
    # out = beta * self + alpha * P: d/dself is beta * w (0 when beta is 0, whatever self
    # holds), d/d(each factor) is alpha times w contracted with the other factor.
    mat, vec, w = np.array(A), np.array([1.0, -2.0, 0.5]), np.array([3.0, -1.0])
    (gs, gm, gv), _ = grad_of("addmv", [t([0.5, 1.5]), t(mat), t(vec)], w, beta=0.5, alpha=-2)
    agree(gs, mp(0.5) * m(w))
    agree(gm, -2 * np.outer(m(w), m(vec)))
    agree(gv, -2 * m(mat).T.dot(m(w)))
    (gs, _, _), out = grad_of("addmv", [t([np.nan, 1.0]), t(mat), t(vec)], w, beta=0, alpha=1)
    agree(gs, [0, 0])
    assert np.isfinite(out._data).all()
    a, b = np.array([1.0, -0.5]), np.array([2.0, 0.25, -1.0])
    (gs, ga, gb), _ = grad_of("addr", [t(A), t(a), t(b)], WA, beta=2, alpha=1.5)
    agree(gs, 2 * m(WA))
    agree(ga, mp(1.5) * m(WA).dot(m(b)))
    agree(gb, mp(1.5) * m(WA).T.dot(m(a)))
    b1 = np.arange(8.0).reshape(2, 2, 2) / 4 - 0.5
    b2 = np.arange(12.0).reshape(2, 2, 3) / 8 - 0.25
    wb = np.arange(12.0).reshape(2, 2, 3) / 2 - 2
    (gs, g1, g2), _ = grad_of("baddbmm", [t(np.ones(3)), t(b1), t(b2)], wb, beta=-1, alpha=3)
    agree(gs, -m(wb).sum(axis=(0, 1)))
    agree(g1, 3 * np.stack([m(wb[k]).dot(m(b2[k]).T) for k in range(2)]))
    agree(g2, 3 * np.stack([m(b1[k]).T.dot(m(wb[k])) for k in range(2)]))
    (gs, g1, g2), _ = grad_of("addbmm", [t(A), t(b1), t(b2)], WA, beta=1, alpha=0.5)
    agree(gs, m(WA))
    agree(g1, mp(0.5) * np.stack([m(WA).dot(m(b2[k]).T) for k in range(2)]))
    agree(g2, mp(0.5) * np.stack([m(b1[k]).T.dot(m(WA)) for k in range(2)]))
    (gx, gy), _ = grad_of("vdot", [t(a), t([3.0, 4.0])], 2.0)
    agree(gx, [6, 8])
    agree(gy, [2, -1])
# -- determinants, inverses and solves (symgrad.ops.linalg_solve) --------------------------------
# M = [[2, 1, 0], [1, 3, 1], [0, 1, 1]]: det M = 2 (3 - 1) - 1 (1 - 0) = 3; its cofactors, by hand,
# C[i, j] = (-1)^(i + j) det(minor ij), are symmetric as M is; inv M = C^T / det M.
M3 = [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 1.0]]
C3 = mpmath.matrix([[2, -1, 1], [-1, 2, -2], [1, -2, 5]])


def _mat(a):
    return np.array(a.tolist(), dtype=object)


def test_det_inverse_solve_closed_form():
    a = t(M3)
    (g,), out = grad_of("det", [a], None)
    agree(g, _mat(C3))  # d det / dM = the cofactor matrix
    (g,), _ = grad_of("det", [t([[1.0, 2.0], [2.0, 4.0]])], 2.0)
    agree(g, [[8, -4], [-4, 2]])  # singular: still 2 * cofactors (adj^T), not 0
    (g,), _ = grad_of("slogdet", [a], None)
    agree(g, _mat(C3 / 3))  # d log|det| / dM = inv(M)^T
    inv = C3.T / 3
    w = mpmath.matrix([[1, 0, -2], [0.5, 1, 0], [0, 3, 1]])
    (g,), _ = grad_of("inverse", [a], w.tolist())
    agree(g, _mat(-inv.T * w * inv.T))  # d <W, inv M> / dM = -inv^T W inv^T
    b = mpmath.matrix([[1, 2], [0, -1], [3, 0.5]])
    x = inv * b
    wx = mpmath.matrix([[1, -1], [0.5, 2], [0, 1]])
    (ga, gb), out = grad_of("solve", [a, t(b.tolist())], wx.tolist(), left=True, vector=False)
    agree(out._data, _mat(x), digits=15)
    agree(gb, _mat(inv.T * wx))  # d <W, X> / dB = A^-T W
    agree(ga, _mat(-(inv.T * wx) * x.T))  # d <W, X> / dA = -A^-T W X^T


# -- matrix decompositions (symgrad.ops.decompositions; helper lin) ------------------------------
# S = [[4, 2], [2, 5]] = L L^T with L = [[2, 0], [1, 2]], inv S = [[5, -2], [-2, 4]] / 16, by hand.
def test_decompositions_closed_form():
    # L22 = sqrt(d - b^2 / a) of the symmetric part (a, b, d): d/da = b^2 / a^2 / (2 L22) = 1/16,
    # d/dd = 1 / (2 L22) = 1/4, d/db = -b / (a L22) = -1/4, half of it to each of A12 and A21
    (g,), out = grad_of("cholesky", [t([[4.0, 2.0], [2.0, 5.0]])], [[0.0, 0.0], [0.0, 1.0]],
                        upper=False)
    assert out.tolist() == [[2.0, 0.0], [1.0, 2.0]]
    agree(g, [mp(1) / 16, -mp(1) / 8, -mp(1) / 8, mp(1) / 4])
    # T X = B, T = [[2, 0], [1, 4]], B = (2, 5): X = (1, 1); for <e1, X>: gB = T^-T e1 = (1/2, 0),
    # gT = -gB X^T on the lower triangle = [[-1/2, 0], [0, 0]]
    (ga, gb), out = grad_of("solve_triangular", [t([[2.0, 0.0], [1.0, 4.0]]), t([[2.0], [5.0]])],
                            [[1.0], [0.0]], upper=False, left=True, unitriangular=False)
    assert out.tolist() == [[1.0], [1.0]]
    agree(ga, [-mp(1) / 2, 0, 0, 0])
    agree(gb, [mp(1) / 2, 0])
    # X = inv(S) (6, 7) = (1, 1); for <e1, X>: gB = inv S e1 = (5, -2) / 16,
    # gL = -(gB X^T + X gB^T) L = -[[23, 6], [2, -8]] / 16 on the lower triangle, 0 above it
    # (L[0, 1] is never read)
    low = [[2.0, 0.0], [1.0, 2.0]]
    (gb, gl), out = grad_of("cholesky_solve", [t([[6.0], [7.0]]), t(low)], [[1.0], [0.0]],
                            upper=False)
    agree(out._data, [1, 1], digits=15)
    agree(gb, [mp(5) / 16, -mp(2) / 16])
    agree(gl, [-mp(23) / 16, 0, -mp(2) / 16, mp(8) / 16])
    # Y = inv S; for <e1 e1^T, Y>: gL = -Y (W + W^T) Y L = -[[10, -5], [-4, 2]] / 32 on the
    # lower triangle, 0 above it
    (gl,), _ = grad_of("cholesky_inverse", [t(low)], [[1.0, 0.0], [0.0, 0.0]], upper=False)
    agree(gl, [-mp(10) / 32, 0, mp(4) / 32, -mp(2) / 32])
    # S = [[2, 1], [1, 2]]: eigenvalues 1, 3 with unit eigenvectors (-1, 1) / sqrt 2 and
    # (1, 1) / sqrt 2 (last element positive); d l_k / dS = v_k v_k^T
    s = t([[2.0, 1.0], [1.0, 2.0]])
    (g,), out = grad_of("eigvalsh", [s], [1.0, 0.0])
    assert out.tolist() == [1.0, 3.0]
    agree(g, [mp(1) / 2, -mp(1) / 2, -mp(1) / 2, mp(1) / 2])
    # d v_1 / dS along <e_2, v_1>: first-order perturbation v_1' = v_2 v_2^T dS v_1 / (l_1 - l_2),
    # so the gradient of v_1[1] is sym(v_2 v_1^T) v_2[1] / (1 - 3) = -[[-1, 0], [0, 1]] / (4 sqrt 2)
    (g,), out = grad_of("eigh_vectors", [s], [[0.0, 0.0], [1.0, 0.0]])
    r = 1 / (4 * mpmath.sqrt(2))
    agree(g, [r, 0, 0, -r])
    # A = [[3, 0], [4, 5]]: A^T A = [[25, 20], [20, 25]], eigenvalues 45, 5, so s = (3 sqrt 5,
    # sqrt 5), v_1 = (1, 1) / sqrt 2, v_2 = (-1, 1) / sqrt 2 (last element positive),
    # u_i = A v_i / s_i = (1, 3) / sqrt 10, (-3, 1) / sqrt 10; d s_1 / dA = u_1 v_1^T
    a = t([[3.0, 0.0], [4.0, 5.0]])
    (g,), out = grad_of("svdvals", [a], [1.0, 0.0])
    agree(g, [1 / mpmath.sqrt(20), 1 / mpmath.sqrt(20), 3 / mpmath.sqrt(20), 3 / mpmath.sqrt(20)])
    # first-order perturbation of v_1: dv_1 = v_2 (s_1 u_1^T dA v_2 + s_2 u_2^T dA v_1) / (s_1^2 -
    # s_2^2), and of u_1 = A v_1 / s_1: du_1 = (dA v_1 + A dv_1 - u_1 u_1^T dA v_1) / s_1
    s1, s2 = 3 * mpmath.sqrt(5), mpmath.sqrt(5)
    v1 = mpmath.matrix([1, 1]) / mpmath.sqrt(2)
    v2 = mpmath.matrix([-1, 1]) / mpmath.sqrt(2)
    u1 = mpmath.matrix([1, 3]) / mpmath.sqrt(10)
    u2 = mpmath.matrix([-3, 1]) / mpmath.sqrt(10)
    am = mpmath.matrix([[3, 0], [4, 5]])
    want_v, want_u = [], []
    for i in range(2):
        for j in range(2):
            d = mpmath.zeros(2, 2)
            d[i, j] = 1
            dv1 = v2 * ((s1 * (u1.T * d * v2)[0] + s2 * (u2.T * d * v1)[0]) / (s1 ** 2 - s2 ** 2))
            du1 = (d * v1 + am * dv1 - u1 * (u1.T * d * v1)[0]) / s1
            want_v.append(dv1[1])
            want_u.append(du1[0])
    (g,), _ = grad_of("svd_vh", [a], [[0.0, 1.0], [0.0, 0.0]], full_matrices=False)
    agree(g, want_v)
    (g,), _ = grad_of("svd_u", [a], [[1.0, 0.0], [0.0, 0.0]], full_matrices=False)
    agree(g, want_u)
    # QR of A = [[3, 1], [4, 2]]: one reflection, q_1 = -(3, 4) / 5, R = [[-5, -11/5], [0, 2/5]],
    # q_2 = (-4, 3) / 5. R_11 = -|a_1|, so d R_11 / dA = [-a_1 / 5, 0]; R_12 = q_1^T a_2, so
    # d R_12 / d a_2 = q_1 and d R_12 / d a_1 = (dq_1)^T a_2 = -(I - q_1 q_1^T) a_2 / 5
    # = -(q_2^T a_2) q_2 / 5 = -(2/5)(-4, 3) / 25
    a = t([[3.0, 1.0], [4.0, 2.0]])
    (g,), out = grad_of("qr_r", [a], [[1.0, 0.0], [0.0, 0.0]], mode="reduced")
    agree(out._data, [-5, -mp(11) / 5, 0, mp(2) / 5], digits=15)
    agree(g, [-mp(3) / 5, 0, -mp(4) / 5, 0])
    (g,), _ = grad_of("qr_r", [a], [[0.0, 1.0], [0.0, 0.0]], mode="reduced")
    agree(g, [mp(8) / 125, -mp(3) / 5, -mp(6) / 125, -mp(4) / 5])
    # Q_11 = -a_11 / |a_1|: d / d a_1 = -(I - q_1 q_1^T) e_1 / 5 = -(q_2 . e_1) q_2 / 5
    (g,), _ = grad_of("qr_q", [a], [[1.0, 0.0], [0.0, 0.0]], mode="reduced")
    agree(g, [-mp(16) / 125, 0, mp(12) / 125, 0])
    # pinv of a column a = (1, 2): a^T / |a|^2 = (1, 2) / 5; d pinv_0 / d a_i = delta_i0 / 5
    # - 2 a_0 a_i / 25 = (3, -4) / 25
    (g,), out = grad_of("pinv", [t([[1.0], [2.0]])], [[1.0, 0.0]], atol=None, rtol=None,
                        hermitian=False)
    agree(out._data, [mp(1) / 5, mp(2) / 5], digits=15)
    agree(g, [mp(3) / 25, -mp(4) / 25])


def test_cross_closed_form():
    # d <w, a x b> / da = b x w, d / db = w x a; by hand for a = (1, 2, 3), b = (4, 5, 6),
    # w = (1, 0, 0): b x w = (0, 6, -5), w x a = (0, -3, 2)
    (ga, gb), out = grad_of("cross", [t([1.0, 2.0, 3.0]), t([4.0, 5.0, 6.0])], [1.0, 0.0, 0.0],
                            dim=0)
    assert out.tolist() == [-3.0, 6.0, -3.0]
    agree(ga, [0, 6, -5])
    agree(gb, [0, -3, 2])


# -- distances (symgrad/ops/distances.py) ----------------------------------------------------------
def test_distances_closed_form():
    # d = |x1 - x2|_p: d/dx1 = sign(diff) |diff|^(p-1) / d^(p-1), d/dx2 its negative; the
    # 3-4-5 triangle and a row of x2 against two rows of x1.
    x1, x2 = [[0.0, 0.0], [3.0, 1.0]], [[3.0, 4.0]]
    (g1, g2), out = grad_of("cdist", [t(x1), t(x2)], [[2.0], [1.0]], p=2.0)
    agree(out._data, [[5], [3]])
    agree(g1, [[-mp(6) / 5, -mp(8) / 5], [0, -1]])
    agree(g2, [[mp(6) / 5, mp(8) / 5 + 1]])
    (g1, g2), _ = grad_of("euclidean_dist", [t(x1), t(x2)], [[2.0], [1.0]])
    agree(g1, [[-mp(6) / 5, -mp(8) / 5], [0, -1]])
    (g1, g2), out = grad_of("cdist", [t([[0.0, 0.0], [2.0, 1.0]]), t(x2)], [[1.0], [1.0]], p=1.0)
    agree(out._data, [[7], [4]])
    agree(g1, [[-1, -1], [-1, -1]])
    agree(g2, [[2, 2]])
    # p = 3 between (0, 0) and (1, 2): d = 9^(1/3), d/dx1 = -(1, 4) / 9^(2/3)
    (g1, _), _ = grad_of("cdist", [t([[0.0, 0.0]]), t([[1.0, 2.0]])], [[1.0]], p=3.0)
    agree(g1, [[-1 / mp(9) ** (mp(2) / 3), -4 / mp(9) ** (mp(2) / 3)]])
    # pdist's pairs (0, 1), (0, 2), (1, 2): each row gets + its pairs with later rows, - earlier
    rows = [[0.0, 0.0], [3.0, 4.0], [3.0, 0.0]]
    (g,), out = grad_of("pdist", [t(rows)], [1.0, 2.0, 3.0], p=2.0)
    agree(out._data, [5, 3, 4])
    agree(g, [[-mp(3) / 5 - 2, -mp(4) / 5], [mp(3) / 5, mp(4) / 5 + 3], [2, -3]])


def test_renorm_closed_form():
    # Row 0 (norm 5 > 1) is x / (5 + 1e-7): d/dx = w / (5 + e) - x (x . w) / (5 (5 + e)^2);
    # row 1 (norm 1/2) is kept: d/dx = w.
    e = mp(1e-7)
    (g,), out = grad_of("renorm", [t([[3.0, 4.0], [0.3, 0.4]])], [[1.0, 2.0], [3.0, 4.0]],
                        p=2.0, dim=0, maxnorm=1.0)
    agree(out._data[1], [mp(0.3), mp(0.4)])
    dot = 3 * 1 + 4 * 2
    agree(g, [[1 / (5 + e) - 3 * dot / (5 * (5 + e) ** 2),
               2 / (5 + e) - 4 * dot / (5 * (5 + e) ** 2)], [3, 4]])


def test_weight_norm_closed_form():
    # w = g v / ||v|| per row: s = v . w_bar, d/dv = (g / n) (w_bar - v s / n^2), d/dg = s / n.
    # Row 0: n = 5, g = 10, s = 11; row 1: n = 2, g = 1, s = 8.
    (gv, gg), out = grad_of("weight_norm", [t([[3.0, 4.0], [0.0, 2.0]]), t([[10.0], [1.0]])],
                            [[1.0, 2.0], [3.0, 4.0]], dim=0)
    agree(out._data, [[6, 8], [0, 1]])
    agree(gv, [[-mp(16) / 25, mp(12) / 25], [mp(3) / 2, 0]])
    agree(gg, [[mp(11) / 5], [4]])


def test_every_op_has_a_closed_form_check():
    covered = set(UNARY_AND_BINARY) | set(LINEAR_MOVES) | CLOSED_FORM_ELSEWHERE
    missing = sorted(n for n in REGISTRY if differentiable(n) and n not in covered)
    assert not missing, f"ops with no closed-form check in this file: {missing}"


# -- order statistics (symgrad/ops/order_statistics.py) --------------------------------------------
# A's rows: [0.5, -1.25, 2.0] (sorted: -1.25, 0.5, 2.0) and [0.75, 1.5, -0.375] (-0.375, 0.75,
# 1.5): a selected element's partial is 1, the others' 0.
def one_hot_rows(columns, weights):
    want = np.zeros((2, 3), dtype=object)
    for row, (col, w) in enumerate(zip(columns, weights, strict=True)):
        want[row, col] = mp(w)
    return want


@pytest.mark.parametrize(("name", "attrs", "columns"), [
    ("median_dim", {}, (0, 0)), ("nanmedian_dim", {}, (0, 0)), ("kthvalue", {"k": 3}, (2, 1)),
    ("kthvalue", {"k": 1}, (1, 2)), ("mode", {}, (1, 2))])
def test_selected_order_statistic_closed_form(name, attrs, columns):
    (g,), _ = grad_of(name, [t(A)], [1.5, -2.0], dim=1, keepdim=False, **attrs)
    agree(g, one_hot_rows(columns, (1.5, -2.0)))


@pytest.mark.parametrize("name", ["median_all", "nanmedian_all"])
def test_whole_median_closed_form(name):
    # [0.5, -1.25, 2.0, 0.75, 1.5, -0.375] sorted: the lower median (third) is 0.5
    (g,), _ = grad_of(name, [t(A)], None)
    agree(g, one_hot_rows((0, 0), (1, 0)))


def test_cummax_cummin_closed_form():
    # cummax of row 0: 0.5, 0.5, 2.0 (from 0, 0, 2); row 1: 0.75, 1.5, 1.5 (from 0, 1, 1)
    (g,), _ = grad_of("cummax", [t(A)], WA, dim=1)
    agree(g, np.array([[mp(1) - mp(0.5), 0, mp(0.25)], [2, mp(0.125) - mp(1.5), 0]],
                      dtype=object))
    # cummin of row 0: 0.5, -1.25, -1.25 (0, 1, 1); row 1: 0.75, 0.75, -0.375 (0, 0, 2)
    (g,), _ = grad_of("cummin", [t(A)], WA, dim=1)
    agree(g, np.array([[1, mp(-0.5) + mp(0.25), 0], [mp(2) + mp(0.125), 0, mp(-1.5)]],
                      dtype=object))


def test_logcumsumexp_closed_form():
    # d out[j] / d x[i] = exp(x[i]) / sum over l <= j of exp(x[l]), for i <= j
    x, wa = m(A), m(WA)
    (g,), _ = grad_of("logcumsumexp", [t(A)], WA, dim=1)
    want = np.zeros((2, 3), dtype=object)
    for r in range(2):
        e = [mpmath.exp(v) for v in x[r]]
        for i in range(3):
            want[r, i] = sum(wa[r, j] * e[i] / sum(e[:j + 1]) for j in range(i, 3))
    agree(g, want)


def test_aminmax_quantile_closed_form():
    (g,), _ = grad_of("aminmax_max", [t(A)], [1.5, -2.0], dim=(1,), keepdim=False)
    agree(g, one_hot_rows((2, 1), (1.5, -2.0)))
    (g,), _ = grad_of("aminmax_min", [t(A)], None, dim=None, keepdim=False)
    agree(g, one_hot_rows((1, 0), (1, 0)))
    # q = 0.25 of 3: rank 0.5, halfway between the two smallest
    (g,), _ = grad_of("quantile", [t(A)], [1.0, -2.0], q=0.25, dim=1, keepdim=False,
                      interpolation="linear", ignore_nan=False)
    agree(g, np.array([[mp(0.5), mp(0.5), 0], [mp(-1), 0, mp(-1)]], dtype=object))


def test_moments_with_their_mean_closed_form():
    x = m(A)
    for name in ("std_mean_mean", "var_mean_mean"):
        (g,), _ = grad_of(name, [t(A)], [1.0, -2.0], dim=(1,), correction=1, keepdim=False)
        agree(g, np.array([[1 / mp(3)] * 3, [-2 / mp(3)] * 3], dtype=object))
    for name, root in (("var_mean_var", False), ("std_mean_std", True)):
        (g,), _ = grad_of(name, [t(A)], [1.0, 1.0], dim=(1,), correction=1, keepdim=False)
        want = np.empty((2, 3), dtype=object)
        for i in range(2):
            mean = sum(x[i]) / 3
            var = sum((v - mean) ** 2 for v in x[i]) / 2
            for j in range(3):
                d = x[i, j] - mean
                want[i, j] = d / (2 * mpmath.sqrt(var)) if root else d
        agree(g, want)


# -- multi-class margin losses (symgrad/ops/losses_margin.py) -------------------------------------
def test_multi_class_margin_losses_closed_form():
    # multi_margin_loss, p = 2: each active hinge z = margin - x[y] + x[d] sends 2 z w[y] / C
    # to x[d] and its negation to x[y]; an inactive one (z < 0) sends nothing.
    x = [[0.5, 1.0, -0.25], [0.25, 0.0, 2.0]]
    weight = t([1.0, 2.0, 0.5], False)
    (g,), out = grad_of("multi_margin_loss", [t(x), symgrad.tensor([1, 0]), weight], 2.0, p=2,
                        margin=1.0, reduction="sum")
    assert out.item() == pytest.approx((2 * 0.25 + 0.75**2 + 2.75**2) / 3, rel=1e-15)
    agree(g, 2 * np.array([[mp(2) / 3, -mp(2) / 3, 0],
                           [-(mp(0.5) + mp(11) / 6), mp(0.5), mp(11) / 6]], dtype=object))
    # multilabel_margin_loss: targets {3, 0} (before the -1), others {1, 2}; each active hinge
    # 1 - (x[j] - x[i]) sends 1 / C to x[i] and -1 / C to x[j]; x[3] = 2 leaves its inactive.
    (g,), _ = grad_of("multilabel_margin_loss", [t([[0.1, 0.2, 0.4, 2.0]]),
                                                 symgrad.tensor([[3, 0, -1, 1]])], 1.0,
                      reduction="mean")
    agree(g, [[-mp(0.5), mp(0.25), mp(0.25), 0]])


# -- embedding bags (symgrad/ops/embedding_bag.py) ------------------------------------------------
def test_embedding_bag_closed_form():
    # bags [0, 2], [], [4, 2, 1] of rows of a 5 x 2 table: a row's gradient is the sum over
    # the places that hold it of its bag's cotangent (over the bag's size for a mean, times
    # the place's weight for a weighted sum); an empty bag is 0 and sends nothing; the
    # weight of a place is the dot product of its row and its bag's cotangent.
    table = np.array([[0.5, -1.0], [2.0, 0.25], [-0.5, 1.5], [3.0, 3.0], [1.0, -2.0]])
    w = np.array([[1.0, 2.0], [5.0, 7.0], [-1.0, 0.5]])
    attrs = {"indices": np.array([0, 2, 4, 2, 1]), "offsets": np.array([0, 2, 2]),
             "include_last_offset": False, "padding_idx": None}
    (g,), out = grad_of("embedding_bag", [t(table)], w, mode="sum", **attrs)
    assert out.tolist()[1] == [0.0, 0.0]
    agree(g, [[1, 2], [-1, mp(0.5)], [0, mp(2.5)], [0, 0], [-1, mp(0.5)]])
    (g,), _ = grad_of("embedding_bag", [t(table)], w, mode="mean", **attrs)
    third = [-1 / mp(3), mp(0.5) / 3]
    agree(g, [[mp(0.5), 1], third, [mp(0.5) - 1 / mp(3), 1 + mp(0.5) / 3], [0, 0], third])
    # max per column: bag [4, 2, 1] takes column 0 from row 1 (2.0), column 1 from row 2 (1.5)
    (g,), _ = grad_of("embedding_bag_max", [t(table)], w, mode="max", **attrs)
    agree(g, [[1, 0], [-1, 0], [0, mp(2.5)], [0, 0], [0, 0]])
    psw = np.array([2.0, -1.0, 0.5, 3.0, 4.0])
    (g, gp), _ = grad_of("embedding_bag_weighted", [t(table), t(psw)], w, mode="sum",
                         padding_idx=2, **{k: v for k, v in attrs.items() if k != "padding_idx"})
    agree(g, [[2, 4], [-4, 2], [0, 0], [0, 0], [mp(-0.5), mp(0.25)]])
    agree(gp, [mp(0.5) - 2, 0, -1 - 1, 0, -2 + mp(0.125)])

