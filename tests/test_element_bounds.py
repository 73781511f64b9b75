"""Each gradient element judged in ULPs of its own value, each node of the backward alone
(issue 12, deliverable 2): a tail gradient given as 0 fails however large its neighbours are,
cancellation the mathematics makes is forgiven by the size of its terms, and a node whose error
the rest of the graph rounds away still fails, named as the first wrong node.

Expected values come from mpmath at 50 digits or from exact rational arithmetic, never from the
judge's own code.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.crosscheck import crosscheck
from oracle.engines import engine_for
from oracle.error_terms import Terms, error_terms


class CancellingSigmoid(symgrad.autograd.Function):
    """sigmoid with the VJP ``g * out * (1 - out)``: it cancels to 0 in the tail (a real bug)."""

    @staticmethod
    def forward(ctx, x):
        out = x.sigmoid()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


def _sigmoid_slope(x: float) -> float:
    with mpmath.workdps(50):
        e = mpmath.exp(-mpmath.mpf(x))
        return float(e / (1 + e) ** 2)


@settings(max_examples=8, deadline=None)
@given(st.floats(37.5, 700.0))
@example(38.0)
def test_a_tail_gradient_given_as_zero_fails_beside_large_neighbours(tail):
    x = symgrad.tensor([tail, 0.5, -2.0], dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(lambda a: CancellingSigmoid.apply(a).sum(), [x])
    assert x.grad is None  # crosscheck runs its own backward
    first = next(e for e in verdict.elements if e.index == [0])
    assert _sigmoid_slope(tail) > 0 and first.engine == 0.0
    assert first.status == "engine-wrong" and verdict.status == "engine-wrong", verdict.message
    # The bound is the element's own: a few ULP per unit of its argument (its terms and their
    # conditioning), never the 0.25 of its neighbours' scale (1e15 ULP and more).
    assert first.tolerance_ulps < 32 * (2 + tail)
    assert [e.status for e in verdict.elements if e.index != [0]] == ["ok", "ok"]


def test_the_engines_own_sigmoid_is_right_in_the_tail():
    x = symgrad.tensor([38.0, 0.5, -2.0], dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(lambda a: a.sigmoid().sum(), [x], op="sigmoid")
    assert verdict.status == "ok", verdict.message
    assert verdict.elements[0].engine == pytest.approx(_sigmoid_slope(38.0), rel=1e-15)


def test_pytorchs_sigmoid_tail_is_wrong_and_named():
    torch = pytest.importorskip("torch")
    x = torch.tensor([38.0, 0.5, -2.0], dtype=torch.float64, requires_grad=True)
    verdict = crosscheck(lambda a: a.sigmoid().sum(), [x])
    assert verdict.status == "engine-wrong", verdict.message
    worst = verdict.elements[0]
    assert worst.engine == 0.0 and float(worst.exact) == pytest.approx(_sigmoid_slope(38.0))
    assert verdict.culprit is not None and verdict.culprit["grad_fn"] == "SigmoidBackward0"


def test_cancellation_in_the_mathematics_is_judged_on_its_terms():
    # d/dx sum(x[:, None] * A) = the row sums of A (the backward sums the broadcast); row 0
    # sums 1e4, 3.3 and -1e4 in float32: its terms are 1e4 in size and its value 3.3, so the
    # rounding of 1e4 + 3.3 (to 2**-10) is hundreds of ULP of the value, and within
    # c·eps·(sum of |terms|).
    a = np.array([[1e4, 3.3, -1e4], [1.0, 2.0, 3.0], [0.5, 0.25, 4.0]], dtype=np.float32)
    A = symgrad.tensor(a, dtype=symgrad.float32)
    x = symgrad.tensor([0.25, 0.5, 0.75], dtype=symgrad.float32, requires_grad=True)
    verdict = crosscheck(lambda v: (v[:, None] * A).sum(), [x])
    exact = [sum(Fraction(float(v)) for v in row) for row in a]
    for e in verdict.elements:
        assert Fraction(e.exact) == pytest.approx(exact[e.index[0]], rel=1e-30)
    worst = max(verdict.elements, key=lambda e: e.ulp_error)
    assert verdict.status in ("ok", "fd-unreliable"), verdict.message
    assert worst.index == [0] and worst.ulp_error > 100 and worst.bound == "terms"


def test_error_terms_are_the_absolute_terms_of_the_chain_rule():
    # (x * y) - (x * 2) at x = 3, y = 2: d/dx = y - 2 = 0 from terms |y| + |2| = 4, and as
    # the products' other inputs round, |y| + |2| = 4 more; d/dy = x: |x| = 3, and 3 more.
    x = symgrad.tensor([3.0], dtype=symgrad.float64, requires_grad=True)
    y = symgrad.tensor([2.0], dtype=symgrad.float64, requires_grad=True)
    rec = engine_for([x, y]).record(lambda x, y: (x * y - x * 2.0).sum(), [x, y])
    terms = error_terms(rec.graph)
    assert terms.magnitudes[0].tolist() == [8.0] and terms.magnitudes[1].tolist() == [6.0]
    assert terms.at_engine[0].tolist() == [0.0] and terms.at_engine[1].tolist() == [3.0]


class HalfWrongCube(symgrad.autograd.Function):
    """x**3 with a backward 2x the derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 6 * g * x * x


def test_a_wrong_node_hidden_downstream_still_fails():
    # In float32, 1e8 + 0.75 and 1e8 + 1.5 (3x² and 6x² at x = 1/2) both round to 1e8: the
    # end-to-end gradient is right to the last bit, and the cube's own node is 2x off.
    x = symgrad.tensor([0.5], dtype=symgrad.float32, requires_grad=True)
    verdict = crosscheck(lambda a: (a * 1e8 + HalfWrongCube.apply(a)).sum(), [x])
    (element,) = verdict.elements
    assert element.engine == 1e8 and element.status == "ok"
    assert verdict.status == "engine-wrong", verdict.message
    assert verdict.culprit is not None and verdict.culprit["grad_fn"].startswith("HalfWrongCube")
    assert "hidden downstream" in verdict.message
    wrong = [n for n in verdict.extra["nodes"] if n["wrong"]]
    assert [n["grad_fn"] for n in wrong] == [verdict.culprit["grad_fn"]]


def test_every_node_of_a_right_backward_passes_alone():
    x = symgrad.tensor([[0.5, -1.5], [2.0, 0.25]], dtype=symgrad.float32, requires_grad=True)
    w = symgrad.tensor([[1.5, -0.5], [0.75, 2.0]], dtype=symgrad.float32, requires_grad=True)
    verdict = crosscheck(lambda x, w: (x @ w).tanh().sum(), [x, w])
    assert verdict.status in ("ok", "fd-unreliable"), verdict.message
    names = [n["grad_fn"] for n in verdict.extra["nodes"]]
    assert names == ["SumBackward0", "TanhBackward0", "MmBackward0"]
    assert not any(n["wrong"] for n in verdict.extra["nodes"])


def test_a_large_structural_op_is_bounded_by_its_terms_from_balls():
    # 600 tied elements: the terms of log_softmax one by one are a dense 600 x 600 Jacobian
    # and its second partials; the balls (oracle.ball_terms) size them in one pass.
    x = symgrad.tensor([0.5] * 600, dtype=symgrad.float32, requires_grad=True)
    verdict = crosscheck(lambda a: a.log_softmax(0), [x])
    assert verdict.status in ("ok", "fd-unreliable"), verdict.message
    assert "terms_unavailable" not in verdict.tolerance
    assert "terms" in {e.bound for e in verdict.elements}


def test_where_neither_way_sizes_the_terms_the_scale_is_estimated(monkeypatch):
    import oracle.ball_terms
    from oracle.error_terms import TermsUnavailable

    def no_balls(*args, **kwargs):
        raise TermsUnavailable("the balls could not be run: a test says so")

    monkeypatch.setattr(oracle.ball_terms, "ball_terms", no_balls)
    x = symgrad.tensor([0.5] * 600, dtype=symgrad.float32, requires_grad=True)
    verdict = crosscheck(lambda a: a.log_softmax(0), [x])
    assert verdict.status in ("ok", "fd-unreliable"), verdict.message
    reason = verdict.tolerance["terms_unavailable"]
    assert "too large to run its terms one by one" in reason and "a test says so" in reason
    assert {e.bound for e in verdict.elements} == {"estimated"}



def test_an_infinite_exact_gradient_sizes_its_bound_without_a_numpy_warning():
    # Both infinite: the forward's rounding carried through them (inf - inf) is no slack, and
    # the finite element's bound is its own: c (depth + 1) eps max(|terms|, |exact|), with
    # c = 4, depth 1, |terms| 1 and |exact| 2.
    terms = Terms([np.array([1.0, np.inf])], [np.array([2.0, np.inf])], 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tol = terms.tolerance(0, np.array([2.0, np.inf]), "float64", depth=1)
    assert tol.abs[0] == pytest.approx(4 * 2 * 2.0**-52 * 2, rel=1e-12, abs=0)
