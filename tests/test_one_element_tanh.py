"""tanh and its backward on one float32 element take ``math``'s float64 functions, not NumPy's
(``elementwise._tanh_forward``): the value must be the one NumPy's way gives a batch, and the
exact tanh (or sech^2 times the gradient) rounded once to float32."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import symgrad

FLOAT32 = st.floats(width=32, allow_nan=True, allow_infinity=True)
SHAPES = st.sampled_from([(), (1,), (1, 1), (1, 1, 1)])
EDGES = [0.0, -0.0, 1e-45, -1.4e-45, 1.1754942e-38, 0.5, -0.75, 8.0, 9.01, 19.999998, 20.0,
         -20.0, 20.000002, 87.5, 1e30, math.inf, -math.inf, math.nan]


def _bits(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, np.float32).reshape(-1).view(np.uint32)


def _rounded(value: mpmath.mpf) -> np.float32:
    """An exact value rounded once to float32: of the float32 nearest its double and that
    one's neighbours, the nearest to it (rounding through the double could round twice)."""
    near = np.float32(float(value))
    candidates = [near, np.nextafter(near, np.float32(-np.inf)),
                  np.nextafter(near, np.float32(np.inf))]
    return min(candidates, key=lambda c: abs(mpmath.mpf(float(c)) - value))


def _one(x: float, shape: tuple[int, ...], g: float) -> tuple[np.ndarray, np.ndarray]:
    t = symgrad.tensor(np.full(shape, x, np.float32), requires_grad=True)
    y = t.tanh()
    y.backward(symgrad.tensor(np.full(shape, g, np.float32)))
    return y.detach().numpy(), t.grad.numpy()


def _batched(x: float, g: float) -> tuple[np.ndarray, np.ndarray]:
    # Eight elements: the NumPy way, whatever the one-element way does.
    t = symgrad.tensor(np.full(8, x, np.float32), requires_grad=True)
    y = t.tanh()
    y.backward(symgrad.tensor(np.full(8, g, np.float32)))
    return y.detach().numpy()[:1], t.grad.numpy()[:1]


@pytest.mark.parametrize("x", EDGES)
def test_one_element_matches_the_batch_at_the_edges(x: float) -> None:
    for shape in [(), (1,), (1, 1)]:
        for g in (1.0, -3.5, 0.0, math.inf, math.nan):
            out, grad = _one(x, shape, g)
            ref_out, ref_grad = _batched(x, g)
            assert out.shape == grad.shape == shape
            assert _bits(out).tolist() == _bits(ref_out).tolist()
            assert _bits(grad).tolist() == _bits(ref_grad).tolist()


@given(FLOAT32, SHAPES, st.floats(width=32, min_value=-1e3, max_value=1e3))
@example(0.5, (1,), 1.0)
@example(-2.5, (), 0.25)
def test_one_element_matches_the_batch(x: float, shape: tuple[int, ...], g: float) -> None:
    out, grad = _one(x, shape, g)
    ref_out, ref_grad = _batched(x, g)
    assert out.shape == grad.shape == shape
    assert _bits(out).tolist() == _bits(ref_out).tolist()
    assert _bits(grad).tolist() == _bits(ref_grad).tolist()


@given(st.floats(min_value=-19.5, max_value=19.5, width=32),
       st.floats(width=32, min_value=-1e3, max_value=1e3))
@example(0.5, 1.0)
@example(1e-40, -2.0)
@example(9.5, 1.0)
def test_one_element_is_the_exact_value_rounded_once(x: float, g: float) -> None:
    out, grad = _one(x, (1,), g)
    with mpmath.workdps(60):
        exact_out = mpmath.tanh(mpmath.mpf(x))
        exact_grad = mpmath.mpf(g) / mpmath.cosh(mpmath.mpf(x)) ** 2
    # Values, not bits: mpmath has no -0 (the signs of zeros are the batch's, tested above).
    assert out[0] == _rounded(exact_out)
    assert grad[0] == _rounded(exact_grad)


def test_float64_keeps_numpys_tanh() -> None:
    # math's float64 tanh differs from NumPy's by an ULP on about a third of inputs: float64
    # keeps NumPy's, whatever the size.
    x = np.linspace(-3, 3, 101)
    one = [symgrad.tanh(symgrad.tensor([v], dtype=symgrad.float64)).numpy()[0] for v in x]
    assert np.array_equal(np.array(one), np.tanh(x))


def test_the_c_librarys_tanh_and_cosh_round_to_numpys_float32() -> None:
    # The premise of the one-element way, on this machine's C library and NumPy build: their
    # float64 tanh and cosh differ in the last bit, but not once rounded to float32 (2e5 values
    # over 2**-30 .. 2**4, both signs; 2e7 in the session that chose it).
    rng = np.random.default_rng(11)
    x = (rng.choice([-1.0, 1.0], 200_000) * np.exp2(rng.uniform(-30, 4, 200_000))).astype(
        np.float32).astype(np.float64)
    g = rng.standard_normal(200_000).astype(np.float32).astype(np.float64)
    by_c = np.frompyfunc(math.tanh, 1, 1)(x).astype(np.float64)
    cosh_c = np.frompyfunc(math.cosh, 1, 1)(x).astype(np.float64)
    assert np.array_equal(by_c.astype(np.float32), np.tanh(x).astype(np.float32))
    assert np.array_equal((g / (cosh_c * cosh_c)).astype(np.float32),
                          (g / (np.cosh(x) * np.cosh(x))).astype(np.float32))
