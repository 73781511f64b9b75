"""Finite differences and tolerances: accurate where they should be, honest about their error,
one-sided at domain edges, and ULPs that match each dtype's real spacing."""

from __future__ import annotations

import warnings
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracle import fd
from oracle.samples import Domain
from oracle.tolerances import engine_tolerance, fd_bound, fd_tolerance, ulp, ulp_error


def _scalar(f):
    return lambda xs: [f(xs[0])]


@given(st.floats(-20, 20), st.sampled_from(["sin", "exp", "tanh", "cube"]))
def test_richardson_error_estimate_is_honest(x, name):
    f, df = {"sin": (np.sin, np.cos), "exp": (np.exp, np.exp),
             "tanh": (np.tanh, lambda t: 1 / np.cosh(t) ** 2),
             "cube": (lambda t: t ** 3, lambda t: 3 * t * t)}[name]
    est = fd.jacobian(_scalar(f), [np.array([x])])[0]
    err = abs(est.value[0, 0] - df(x))
    assert err <= 2 * est.error[0, 0] + 1e-300
    # And useful: within a few million ULPs of float64 at the derivative's scale.
    assert est.error[0, 0] <= 1e-9 * max(abs(df(x)), abs(f(x)), 1.0)


def test_plain_central_difference_with_a_fixed_step():
    x, h = 0.7, 1e-3
    est = fd.jacobian(_scalar(np.sin), [np.array([x])], step=h)[0]
    assert est.value[0, 0] == (np.sin(x + h) - np.sin(x - h)) / (2 * h)
    # The textbook bound with the exact third derivative (-cos) holds.
    assert abs(est.value[0, 0] - np.cos(x)) <= fd_bound(np.array(h), np.array(-np.cos(x)),
                                                        np.array(abs(np.sin(x))))


def test_one_sided_at_a_declared_domain_edge():
    # sqrt(t)**4 is t² but exists only for t >= 0: at 0 its derivative, 0, is reached from
    # the right.
    x = np.array([0.0, 2.0])
    est = fd.jacobian(_scalar(lambda t: np.sqrt(t) ** 4), [x], domains=[Domain(low=0.0)])[0]
    assert est.method[0, 0] == "forward" and est.method[1, 1] == "central"
    assert abs(est.value[0, 0]) <= 1e-12 and abs(est.value[1, 1] - 4.0) <= 1e-9
    est = fd.jacobian(_scalar(lambda t: (1 - t) ** 2), [np.array([1.0])],
                      domains=[Domain(high=1.0)])[0]
    assert est.method[0, 0] == "backward" and abs(est.value[0, 0]) <= 1e-9


def test_steps_shrink_near_an_edge_or_a_pole():
    x = np.array([1e-5])
    est = fd.jacobian(_scalar(np.log), [x], domains=[Domain(low=0.0)])[0]
    assert est.step[0, 0] <= 1e-5 / 2
    assert abs(est.value[0, 0] - 1e5) <= max(2 * est.error[0, 0], 1e-6 * 1e5)
    est = fd.jacobian(_scalar(lambda t: 1 / t), [np.array([-1e-6])],
                      domains=[Domain(nonzero=True)])[0]
    assert abs(est.value[0, 0] + 1e12) <= 1e-6 * 1e12


def test_a_step_that_leaves_the_domain_is_shrunk():
    # No domain given: log(1e-6 - h) is nan, so the steps shrink until every value is finite.
    with np.errstate(invalid="ignore"):
        est = fd.jacobian(_scalar(np.log), [np.array([1e-6])])[0]
    assert est.step[0, 0] < 1e-6
    assert abs(est.value[0, 0] - 1e6) <= 1e-6 * 1e6


def test_vjp_of_several_outputs_and_inputs():
    x, y = np.array([0.5, -1.5]), np.array([2.0])

    def f(xs):
        a, b = xs
        return [a * b, np.sum(a * a)[None]]

    g = [np.array([1.0, -2.0]), np.array([3.0])]
    gx, gy = fd.vjp(f, [x, y], g)
    assert np.allclose(gx.value, g[0] * y + g[1] * 2 * x, atol=1e-10)
    assert np.allclose(gy.value, [np.dot(g[0], x)], atol=1e-10)
    assert gx.value.shape == x.shape and gy.value.shape == y.shape


def test_projection_is_vT_J_u_with_seeded_directions():
    x = np.array([0.3, -0.8, 1.1])
    u1 = [fd.random_unit(x.shape, np.random.default_rng(7))]
    u2 = [fd.random_unit(x.shape, np.random.default_rng(7))]
    assert np.array_equal(u1[0], u2[0]) and (u1[0] >= 0).all()
    v = [fd.random_unit(x.shape, np.random.default_rng(8))]
    est = fd.projection(_scalar(np.exp), [x], u1, v)[0]
    assert abs(est.value[0] - np.dot(v[0], np.exp(x) * u1[0])) <= 1e-10


def test_hvp_from_function_values_only():
    # f = x0² x1 + sin(x1): H = [[2 x1, 2 x0], [2 x0, -sin x1]].
    x = np.array([0.5, 1.25])

    def f(xs):
        a = xs[0]
        return [np.array([a[0] ** 2 * a[1] + np.sin(a[1])])]

    v = np.array([1.0, -2.0])
    hess = np.array([[2 * x[1], 2 * x[0]], [2 * x[0], -np.sin(x[1])]])
    (est,) = fd.hvp(f, [x], [np.array([1.0])], [v])
    assert np.allclose(est.value, hess @ v, atol=1e-6)
    assert (np.abs(est.value - hess @ v) <= 2 * est.error).all()


def test_base_step_grows_with_magnitude_and_is_representable():
    h = fd.base_step(np.array([0.0, 1.0, 1e8]))
    assert h[0] == h[1] and h[2] == pytest.approx(1e8 * h[1])
    est = fd.jacobian(_scalar(lambda t: t * t), [np.array([1e8 + 0.5])])[0]
    assert est.step[0, 0] > 0 and ((1e8 + 0.5) + est.step[0, 0]) - (1e8 + 0.5) == \
        est.step[0, 0]


# -- ULPs and the engine's bound ---------------------------------------------------------------
def _next_up(value, np_dtype):
    """The next representable value above ``value`` in ``np_dtype``, from the bit pattern."""
    a = np.array(value, dtype=np_dtype)
    bits = a.view(np.uint16 if a.itemsize == 2 else np.uint32 if a.itemsize == 4 else np.uint64)
    return float((bits + 1).view(np_dtype))


@pytest.mark.parametrize("name,np_dtype", [("float16", np.float16),
                                           ("bfloat16", ml_dtypes.bfloat16),
                                           ("float32", np.float32), ("float64", np.float64)])
@pytest.mark.parametrize("x", [1.0, 3.0, 0.1, 1e-3, 2.0**-20, 0.0])
def test_ulp_is_the_spacing_of_the_dtype(name, np_dtype, x):
    rounded = float(np.array(x, dtype=np_dtype))
    assert ulp(np.array([rounded]), name)[0] == _next_up(rounded, np_dtype) - rounded


def test_ulp_error_counts_spacings():
    assert ulp_error(np.array([1 + 3 * 2**-7]), np.array([1.0]), "bfloat16")[0] == 3.0


def test_engine_bound_scales_with_depth_and_dtype():
    exact = np.array([1.0, 0.5])
    t1 = engine_tolerance(exact, "float32", depth=1)
    t4 = engine_tolerance(exact, "float32", depth=4)
    half = engine_tolerance(exact, "float16", depth=1)
    assert (t4.ulps / t1.ulps == 2.5).all()
    assert (half.abs / t1.abs > 2**12).all()
    assert "depth=4" in t4.reason and t4.params["dtype"] == "float32"


def test_engine_bound_with_oracle_terms_covers_cancellation():
    # 1e4 - (1e4 - 1) in float16 loses everything: S = 2e4, the value is 1.
    s = engine_tolerance(np.array([1.0]), "float16", depth=1, terms=np.array([2e4 - 1]))
    wrong_by = abs(float(np.float16(1e4) - np.float16(1e4 - 1)) - 1.0)
    assert s.abs[0] >= wrong_by
    assert "oracle" in s.reason


def test_fd_tolerance_records_its_reason():
    est = fd.jacobian(_scalar(np.sin), [np.array([0.3])])[0]
    own = fd_tolerance(est)
    third = fd_tolerance(est, third_exact=np.array([[-np.cos(0.3)]]))
    assert own.params["kind"] == "fd-estimate" and third.params["kind"] == "fd-exact-third"
    assert (third.abs >= own.abs).all()


@pytest.mark.parametrize("weighted", [False, True])
def test_columns_extrapolated_together_are_each_column_alone(weighted):
    # vjp and jacobian extrapolate every column's table at once; each column must come out bit
    # for bit as the one-direction estimate of that column (central and one-sided columns,
    # a column whose central steps leave the domain, a signed zero).
    x = np.array([0.0, 2.0, 1e-6, -0.0, 0.75])
    w = np.array([1.5, -2.0, 0.25, 3.0, -1.0])

    def f(xs):
        with np.errstate(invalid="ignore", divide="ignore"):
            return [np.sqrt(xs[0]) ** 3 + np.log(np.abs(xs[0]) + 1e-300) * xs[0]]

    domains = [Domain(low=0.0)]
    got = (fd.vjp(f, [x], [w], domains=domains)[0] if weighted
           else fd.jacobian(f, [x], domains=domains)[0])
    for j, xj in enumerate(x):
        u = np.zeros_like(x)
        u[j] = 1.0
        h = float(fd.base_step(np.array(xj)))
        side, h = fd._side(float(xj), h, domains[0])
        h = (xj + h) - xj if xj + h != xj else h
        alone = fd.directional(f, [x], [u], h0=h, side=side, weights=w if weighted else None)
        for field in ("value", "error", "step", "third", "scale"):
            a, b = getattr(got, field)[..., j], getattr(alone, field)
            a = a.reshape(b.shape)
            assert np.array_equal(a, b, equal_nan=True), (j, field, a, b)
            assert np.array_equal(np.signbit(a), np.signbit(b)), (j, field)
        assert got.method[..., j].reshape(alone.method.shape).tolist() == alone.method.tolist()
    assert {str(m) for m in np.ravel(got.method)} >= {"forward", "central"}


def _runtime_warnings(call: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in seen if issubclass(w.category, RuntimeWarning)]


def test_the_differences_own_arithmetic_gives_no_numpy_warning() -> None:
    # Outputs infinite on one side of 0 (as at a sweep's IEEE points): the differences meet
    # inf - inf and inf * 0, and their estimates are not finite; nothing reaches the terminal.
    def f(xs: list[np.ndarray]) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            return [np.where(xs[0] > 0, np.inf, xs[0] * 2.0)]

    x, ones = [np.array([1.0, 0.0, -1.0])], [np.ones(3)]
    for name, call in {"vjp": lambda: fd.vjp(f, x, ones), "jacobian": lambda: fd.jacobian(f, x),
                       "hvp": lambda: fd.hvp(f, x, ones, ones),
                       "directional": lambda: fd.directional(f, x, ones, h0=1e-3)}.items():
        assert _runtime_warnings(call) == [], name


def test_the_functions_own_warnings_still_show() -> None:
    found = _runtime_warnings(lambda: fd.vjp(lambda xs: [np.log(xs[0])], [np.array([-1.0])],
                                             [np.ones(1)]))
    assert found and all("log" in m for m in found), found


def test_weighted_outputs_that_are_not_finite_raise_no_warning():
    """A cotangent meeting +inf and -inf outputs sums to NaN, which the differences handle:
    NumPy 2.4's dot warns of it ("invalid value encountered in dot"), which the main job
    printed among its progress lines."""
    def f(xs: list[np.ndarray]) -> list[np.ndarray]:
        return [np.array([np.inf, -np.inf, 1.0]) * (1.0 + xs[0][0])]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = fd.directional(f, [np.array([0.5])], [np.array([1.0])], h0=1e-3,
                             weights=np.ones(3))
    assert not np.isfinite(est.value).all()
