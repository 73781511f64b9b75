"""The certified path of the exact oracle: Arb balls, proven roundings, linear maps, tapes."""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy

import oracle
import symgrad
from oracle.balls import FORMATS, round_ball, to_balls
from oracle.expression_tape import build_tape
from oracle.linear import LINEAR
from oracle.semantics import MEANINGS
from symgrad.ops.registry import REGISTRY, apply


def t(values, dtype=symgrad.float64, requires_grad=True):
    return symgrad.tensor(values, dtype=dtype, requires_grad=requires_grad)


# -- a near-tie makes the oracle raise its precision ----------------------------------------------
def test_a_near_tie_raises_the_precision_until_the_rounding_is_proven():
    # d/dx (x + x 2**-53 + x 2**-300) = 1 + 2**-53 + 2**-300: just above the midpoint between
    # 1 and the next float64, so it rounds up. At 167 bits the sum is a ball around the
    # midpoint itself; only a wider precision proves the rounding.
    x = t([3.0])
    y = (x + x * 2.0**-53 + x * 2.0**-300).sum()
    r = oracle.exact_grad(y, x)
    assert r.status == "ok" and r.certified is not None
    assert r.certified.precision > 167
    assert any("not yet proven" in note for note in r.certified.notes)
    assert r.float64[0].tolist() == [1 + 2.0**-52]
    assert r.rounded(0, "float64")[1].all()


def test_the_engine_rounds_that_sum_down_and_the_oracle_says_so():
    x = t([3.0])
    y = (x + x * 2.0**-53 + x * 2.0**-300).sum()
    y.backward()
    assert x.grad.tolist() == [1.0]  # the engine's ties-to-even then a tiny addend
    assert oracle.exact_grad(y, x).float64[0].tolist() == [1 + 2.0**-52]


# -- proven rounding against exact rational arithmetic --------------------------------------------
def _round_fraction(q: Fraction, dtype: str) -> float:
    """Round a rational to ``dtype`` by exact comparison with the two neighbours."""
    p, emin, _ = FORMATS[dtype]
    if q == 0:
        return 0.0
    sign = -1 if q < 0 else 1
    q = abs(q)
    e = q.numerator.bit_length() - q.denominator.bit_length()
    while Fraction(2) ** e > q:
        e -= 1
    while Fraction(2) ** (e + 1) <= q:
        e += 1
    unit = Fraction(2) ** (max(e, emin) - p + 1)
    low = (q // unit) * unit
    high = low + unit
    pick = low if q - low < high - q else high if q - low > high - q else (
        low if (low / unit) % 2 == 0 else high)
    if pick >= Fraction(2) ** (FORMATS[dtype][2] + 1):
        return sign * float("inf")
    return sign * float(pick)


@pytest.mark.parametrize("dtype", sorted(FORMATS))
@pytest.mark.parametrize("q", [Fraction(1, 3), Fraction(-7, 10), Fraction(1, 2**20 * 3),
                               Fraction(10**30, 7), Fraction(1, 10**40)])
def test_round_ball_agrees_with_exact_rationals(dtype, q):
    with oracle.balls.precision(300):
        ball = flint.arb(q.numerator) / q.denominator
        assert round_ball(ball, dtype) == _round_fraction(q, dtype)


def test_to_balls_is_exact_for_every_dtype():
    for dtype in (np.float16, np.float32, np.float64):
        a = np.array([0.1, -3.5, 6e-5], dtype=dtype)
        for v, b in zip(a, to_balls(a), strict=True):
            man, exp = b.man_exp()
            assert b.is_exact() and Fraction(int(man)) * Fraction(2) ** int(exp) == Fraction(
                float(v))


# -- linear maps: their adjoints against the op's own SymPy meaning -------------------------------
def _exact_array(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(-5, 6, shape).astype(object)


_CASES = [
    ("sum", [(2, 3)], {"dim": (1,), "keepdim": False}),
    ("sum", [(2, 3, 2)], {"dim": (0, 2), "keepdim": True}),
    ("sum_all", [(3, 2)], {}),
    ("mean", [(2, 4)], {"dim": (0,), "keepdim": False}),
    ("mean_all", [(2, 2)], {}),
    ("mm", [(2, 3), (3, 4)], {}),
    ("mv", [(2, 3), (3,)], {}),
    ("dot", [(3,), (3,)], {}),
    ("bmm", [(2, 2, 3), (2, 3, 2)], {}),
    ("matmul", [(2, 1, 2, 3), (3, 3, 2)], {}),
    ("matmul_vm", [(3,), (3, 2)], {}),
    ("addmm", [(2,), (3, 2), (2, 2)], {}),
    ("cumsum", [(3, 4)], {"dim": 1}),
    ("cumsum", [(3, 2)], {"dim": -2}),
    ("trace", [(3, 4)], {}),
]


@pytest.mark.parametrize("op,shapes,attrs", _CASES, ids=[f"{c[0]}{c[1]}" for c in _CASES])
def test_linear_adjoint_is_the_transpose_of_the_meaning(op, shapes, attrs):
    # <L x, g> = <x, L* g> for each input, x and g exact integers, L from the SymPy meaning.
    assert op in LINEAR
    xs = [_exact_array(s, n) for n, s in enumerate(shapes)]
    meaning = MEANINGS[op]
    out = np.asarray(meaning.fn(*xs, **attrs), dtype=object)
    g = _exact_array(out.shape, 99)
    balls = [to_balls(np.asarray(x, dtype=np.float64)) for x in xs]
    adjoints = LINEAR[op].adjoint(to_balls(np.asarray(g, dtype=np.float64)), balls, attrs)
    forward = LINEAR[op].forward(balls, attrs)
    assert np.asarray(forward, dtype=object).shape == out.shape
    for j, x in enumerate(xs):
        # The part of the output linear in input j: the meaning with input j zeroed removed.
        zeroed = [np.zeros_like(a) if k == j else a for k, a in enumerate(xs)]
        rest = np.asarray(meaning.fn(*zeroed, **attrs), dtype=object)
        lhs = sum(Fraction(str(sympy.nsimplify(v))) for v in np.asarray(
            (out - rest) * g, dtype=object).reshape(-1))
        rhs = sum(Fraction(int(a)) * _exact(b) for a, b in zip(
            x.reshape(-1), np.asarray(adjoints[j]).reshape(-1), strict=True))
        assert lhs == rhs, (op, j)


def _exact(ball) -> Fraction:
    assert ball.is_exact()
    man, exp = ball.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def test_every_linear_map_has_a_meaning():
    assert set(LINEAR) <= set(MEANINGS)


# -- the expression tape against SymPy's own derivative -------------------------------------------
@pytest.mark.parametrize("op,attrs", [("log_softmax", {"dim": 1}), ("softmax", {"dim": 0}),
                                      ("logsumexp", {"dim": (1,), "keepdim": False}),
                                      ("norm", {"p": 3, "dim": None, "keepdim": False}),
                                      ("var", {"dim": (1,), "correction": 1, "keepdim": False}),
                                      ("prod", {"dim": (0,), "keepdim": True})])
def test_tape_reverse_equals_sympy_diff(op, attrs):
    shape = (2, 3)
    syms = np.array(sympy.symbols("a0:6", real=True), dtype=object).reshape(shape)
    out = np.asarray(MEANINGS[op].fn(syms, **attrs), dtype=object).reshape(-1)
    point = [sympy.Rational(k + 1, 4) * (-1) ** k for k in range(6)]
    weights = [sympy.Rational(2 * k - 3, 5) for k in range(out.size)]
    tape = build_tape(list(out), list(syms.reshape(-1)))
    with oracle.balls.precision(200):
        xs = [flint.arb(p.p) / p.q for p in point]
        vals, _ = tape.forward(xs)
        got = tape.reverse(vals, [flint.arb(w.p) / w.q for w in weights])
    subs = dict(zip(syms.reshape(-1), point, strict=True))
    for k, s in enumerate(syms.reshape(-1)):
        want = sum(w * e.diff(s) for w, e in zip(weights, out, strict=True)).subs(subs)
        want = sympy.N(want, 50)
        assert abs(float(got[k].mid()) - float(want)) <= 1e-14 * max(1.0, abs(float(want)))
        assert got[k].contains(flint.arb(str(want)).mid()) or got[k].overlaps(
            flint.arb(str(want)))


# -- what the certified path leaves to the general one --------------------------------------------
def test_a_kink_goes_to_the_general_path_with_its_convention():
    x = t([0.0, 2.0])
    r = oracle.exact_grad(x.relu().sum(), x)
    assert r.certified is None and r.status == "kink"
    assert r.float64[0].tolist() == [0.0, 1.0]


def test_a_linear_map_at_a_large_size_is_certified_quickly():
    # Integers, so the float64 sums written here are exact.
    a = t(np.arange(200 * 300).reshape(200, 300) % 7 - 3.0)
    b_values = np.arange(300 * 50).reshape(300, 50) % 11 - 5.0
    b = t(b_values)
    y = apply(REGISTRY["mm"], a, b).sum()
    r = oracle.exact_grad(y, [a, b])
    assert r.certified is not None
    np.testing.assert_array_equal(r.float64[0], np.broadcast_to(b_values.sum(1), (200, 300)))


# -- second order: forward over reverse on the certified path -------------------------------------
def test_hvp_of_a_small_mlp_is_certified_and_equals_whole_expression_mode():
    rng = np.random.default_rng(1)
    x = t(rng.standard_normal((2, 3)), requires_grad=False)
    target = symgrad.tensor(rng.integers(0, 2, 2))
    params = [t(rng.standard_normal(s)) for s in ((3, 2), (2,), (2, 2))]

    def loss():
        import symgrad.nn.functional as F

        return F.cross_entropy(F.relu(x @ params[0] + params[1]) @ params[2], target)

    v = [rng.standard_normal(p.shape) for p in params]
    r = oracle.exact_hvp(loss(), params, v)
    whole = oracle.exact_hvp(loss(), params, v, mode="whole")
    assert r.certified is not None and whole.status == "ok"
    for got, want in zip(r.grads, whole.grads, strict=True):
        for a, b in zip(got.reshape(-1), want.reshape(-1), strict=True):
            assert abs(a - b) <= 1e-35 * max(1, abs(b))


@pytest.mark.parametrize("op", ["tanh", "sigmoid", "atan2", "pow_tensor", "logsumexp"])
def test_hvp_of_one_op_equals_whole_expression_mode(op):
    x = t([0.75, -0.5, 1.25])
    w = t([1.5, 0.25, 0.5])
    args = {"atan2": (x, w), "pow_tensor": (w, x)}.get(op, (x,))
    attrs = {"logsumexp": {"dim": (0,), "keepdim": False}}.get(op, {})
    v = [np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, -0.25])][:len(args)]
    out = apply(REGISTRY[op], *args, **attrs).sum()
    r = oracle.exact_hvp(out, list(args), v)
    whole = oracle.exact_hvp(out, list(args), v, mode="whole")
    assert r.certified is not None
    for got, want in zip(r.grads, whole.grads, strict=True):
        for a, b in zip(got.reshape(-1), want.reshape(-1), strict=True):
            assert abs(a - b) <= 1e-35 * max(1, abs(b))


def test_a_verdicts_exact_value_does_not_depend_on_mpmaths_global_precision():
    import mpmath

    x = t([-0.734375])
    saved = mpmath.mp.dps
    try:
        strings = []
        for dps in (15, 60):
            mpmath.mp.dps = dps
            v = oracle.crosscheck(lambda a: a.exp().sum(), [x])
            strings.append(v.elements[0].exact)
    finally:
        mpmath.mp.dps = saved
    # exp(-0.734375) to 40 digits, from mpmath at 60 digits written out here.
    assert strings[0] == strings[1] == "0.4798052435596775304390357660235938813242"


def test_an_integer_constant_under_a_function_is_a_ball_in_the_array_form():
    # gelu's tanh form holds sqrt(2): arb's sqrt of the bare int 2 gave NaN, the certified
    # path gave up, and the general path's 50 digits cancelled 1 + tanh(-113) to an exact 0.
    import mpmath

    from oracle.arb_lambdify import arb_lambdify_arrays

    x = sympy.Symbol("x", real=True)
    f = arb_lambdify_arrays([x], [sympy.sqrt(2) * x])
    (got,) = f(np.array([flint.arb(3)], dtype=object))
    assert got[0].contains(3 * flint.arb(2).sqrt()) and got[0].rad() < 1e-14
    t = symgrad.tensor([-12.0], dtype=symgrad.float64, requires_grad=True)
    r = oracle.exact_grad(symgrad.nn.functional.gelu(t, approximate="tanh").sum(), t)
    with mpmath.workdps(200):
        c = mpmath.sqrt(2 / mpmath.pi)
        k = mpmath.mpf(44715) / 10**6
        two_u = 2 * c * (-12 + k * (-12) ** 3)
        s = 1 / (1 + mpmath.exp(-two_u))
        want = s * (1 - 12 * (1 - s) * 2 * c * (1 + 3 * k * 144))
    assert r.certified is not None
    assert float(r.float64[0][0]) == pytest.approx(float(want), rel=1e-15) and want < 0
