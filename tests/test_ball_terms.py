"""The terms' size from Arb balls (``oracle.ball_terms``): as the term-by-term path sizes them,
and judging graphs past its reach (600-element softmaxes, cumsums) on their own terms instead of
the gradient's estimated scale."""

from __future__ import annotations

import numpy as np
import pytest

import symgrad
from oracle import crosscheck
from oracle.ball_terms import ball_terms, sized_terms
from oracle.engines import engine_for
from oracle.error_terms import error_terms

GRAPHS = {
    "softmax": lambda t: t.softmax(1),
    "log_softmax": lambda t: t.log_softmax(1),
    "var": lambda t: t.var(1),
    "sin_times_x": lambda t: (t.sin() * t).sum(1),
    "logsumexp": lambda t: t.logsumexp(1),
    "matmul": lambda t: t @ t.T,
}


def _recorded(fn, shape=(2, 6), seed=1):
    rng = np.random.default_rng(seed)
    x = symgrad.tensor(rng.standard_normal(shape), dtype=symgrad.float64, requires_grad=True)
    rec = engine_for([x]).record(fn, [x])
    out = rec.graph.nodes[rec.graph.outputs[0]].value
    return rec.graph, [rng.standard_normal(out.shape)]


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_balls_size_the_first_order_terms_as_term_by_term(name):
    graph, g = _recorded(GRAPHS[name])
    by_terms = error_terms(graph, g).magnitudes[0]
    by_balls = ball_terms(graph, g).magnitudes[0]
    ratio = by_balls / by_terms
    # Interval arithmetic counts a value entering twice twice: it may only err wide, and not
    # by much (measured: 0.85 to 2.5 over these graphs).
    assert ratio.min() > 0.5 and ratio.max() < 4, ratio


def test_a_linear_maps_terms_are_its_weights_summed_in_absolute_value():
    graph, g = _recorded(lambda t: t.cumsum(1), shape=(2, 300))
    # d cumsum / dx has entries 0 and 1, and no conditioning: the terms of element j are
    # |g_j| + ... + |g_last| (Arb keeps radii in 30 bits, rounded up at each of the 300 sums).
    expected = np.flip(np.cumsum(np.flip(np.abs(g[0]), 1), 1), 1)
    found = ball_terms(graph, g).magnitudes[0]
    assert np.all(found >= expected * (1 - 1e-12))
    np.testing.assert_allclose(found, expected, rtol=1e-6)


def test_second_order_through_a_softmax_carries_its_third_derivatives():
    graph, g = _recorded(GRAPHS["softmax"])
    v = [np.random.default_rng(7).standard_normal((2, 6))]
    terms = sized_terms(graph, g, v)
    assert terms.conditioned
    # The term-by-term path stops at second partials; the balls' measure is never below it.
    assert np.all(terms.magnitudes[0] >= error_terms(graph, g, v).magnitudes[0])


class _LogSoftmaxOff(symgrad.autograd.Function):
    """log_softmax with its gradient 2^-42 (about 1000 ULP of float64) too large."""

    @staticmethod
    def forward(ctx, x):
        y = x.log_softmax(1)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return (g - y.exp() * g.sum(1, keepdim=True)) * (1 + 2.0 ** -42)


def _tie_of_600():
    x = symgrad.tensor(np.full((2, 300), 1.5), dtype=symgrad.float64, requires_grad=True)
    g = symgrad.tensor(np.random.default_rng(3).standard_normal((2, 300)),
                       dtype=symgrad.float64)
    return x, g


def test_a_600_element_log_softmax_is_judged_on_its_terms():
    x, g = _tie_of_600()
    right = crosscheck(lambda t: t.log_softmax(1), [x], grad_outputs=[g])
    assert right.passed and "terms_unavailable" not in right.tolerance
    wrong = crosscheck(_LogSoftmaxOff.apply, [x], grad_outputs=[g])
    # The gradient's estimated scale (the largest element) let this pass: 1000 ULP of elements
    # a thousand times smaller than the largest.
    assert wrong.status == "engine-wrong"
    assert "terms_unavailable" not in wrong.tolerance
    assert {e.bound for e in wrong.elements} == {"terms"}


class _SoftmaxBentSecond(symgrad.autograd.Function):
    """softmax whose gradient is exact and whose second derivative is off by 2^-40 of a term:
    ``bent`` is 1 in value, its slope 2^-40 reaches only the second order."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.softmax(1)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        y = x.softmax(1)
        bent = 1 + 2.0 ** -40 * (x - x.detach())
        return y * (g - (y * g).sum(1, keepdim=True)) * bent


def test_second_order_softmax_judged_on_terms_with_their_conditioning():
    rng = np.random.default_rng(4)
    x = symgrad.tensor(rng.standard_normal((2, 8)) * 3, dtype=symgrad.float64,
                       requires_grad=True)
    g, v = (symgrad.tensor(rng.standard_normal((2, 8)), dtype=symgrad.float64)
            for _ in range(2))
    for fn, status in ((lambda t: t.softmax(1), "ok"), (_SoftmaxBentSecond.apply,
                                                        "engine-wrong")):
        verdict = crosscheck(fn, [x], grad_outputs=[g], v=[v], order=2)
        assert verdict.status == status
        assert verdict.tolerance["engine"]["S"] in ("own", "terms")


def test_an_integer_input_is_not_widened():
    # An integer tensor is exact in any engine: d(x * k)/dx = k has the terms |k| (g's
    # rounding); a widened k would count them twice.
    x = symgrad.tensor([1.5, -2.0, 0.25], dtype=symgrad.float64, requires_grad=True)
    k = symgrad.tensor([3, -7, 1])
    rec = engine_for([x]).record(lambda t: (t * k).sum(), [x])
    np.testing.assert_allclose(ball_terms(rec.graph).magnitudes[0], [3.0, 7.0, 1.0],
                               rtol=1e-6)


def test_a_check_listing_its_worst_elements_keeps_every_error_counted():
    import mpmath

    from reports.records import ulp_summary

    x, g = _tie_of_600()
    verdict = crosscheck(lambda t: t.log_softmax(1), [x], grad_outputs=[g])
    assert len(verdict.elements) == 64
    assert sum(verdict.extra["ulp_errors"].values()) == 600
    # All 600 errors, from the engine's gradient and the exact g_j - sum(g) / 300 (ties).
    ours = symgrad.tensor(x.detach().numpy(), dtype=symgrad.float64, requires_grad=True)
    ours.log_softmax(1).backward(g)
    with mpmath.workdps(40):
        exact = [float(mpmath.mpf(float(v)) - mpmath.fsum(map(float, row)) / 300)
                 for row in g.numpy() for v in row]
    errors = [abs(a - e) / float(np.spacing(abs(e)))
              for a, e in zip(ours.grad.numpy().ravel().tolist(), exact, strict=True)]
    (row,) = ulp_summary([verdict.to_json()])
    assert row["elements"] == 600
    assert row["median_ulp"] == float(np.median(errors))
