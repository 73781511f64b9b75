"""Nothing unjudged passes (issue 12): a check the exact oracle cannot judge is unjudged, never
passed, and finite differences still find what they can (a custom Function's backward 2x off,
its forward a detour through NumPy the oracle cannot read). A custom Function whose forward runs
the engine's ops is judged exactly through them, without a ``sympy`` method.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.crosscheck import crosscheck


def _softplus_in_numpy(x):
    # Out of the engine's graph: the oracle has no op to read, only finite differences judge.
    return symgrad.tensor(np.log1p(np.exp(x.detach().numpy())), dtype=x.dtype)


class TwiceWrong(symgrad.autograd.Function):
    """softplus through NumPy with a backward 2x the derivative, and no ``sympy`` method."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _softplus_in_numpy(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x.sigmoid()


class Right(symgrad.autograd.Function):
    """softplus through NumPy with its right backward, and no ``sympy`` method."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _softplus_in_numpy(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sigmoid()


class TwiceWrongInOps(symgrad.autograd.Function):
    """softplus in the engine's ops with a backward 2x the derivative, no ``sympy`` method."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x.sigmoid()


class RightInOps(TwiceWrongInOps):
    """softplus in the engine's ops with its right backward."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sigmoid()


@settings(max_examples=5, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=4))
@example([0.5, -1.0, 2.0])
def test_finite_differences_catch_what_the_oracle_cannot_judge(values):
    x = symgrad.tensor(values, dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(lambda a: TwiceWrong.apply(a).sum(), [x])
    assert verdict.status == "engine-wrong" and not verdict.passed, verdict.message
    assert "finite differences alone" in verdict.message


def test_unjudged_right_gradient_stays_unjudged():
    x = symgrad.tensor([0.5, -1.0, 2.0], dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(lambda a: Right.apply(a).sum(), [x])
    assert verdict.status == "unsupported" and not verdict.passed, verdict.message
    assert "finite differences find nothing wrong" in verdict.message


def test_fd_alone_judges_the_second_order_too():
    x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(lambda a: TwiceWrong.apply(a).sum(), [x], order=2,
                         v=[np.array([1.0, 0.5])])
    assert verdict.status == "engine-wrong", verdict.message


@settings(max_examples=5, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=4))
@example([0.5, -1.0, 2.0])
def test_a_function_without_sympy_is_judged_exactly_through_its_forward(values):
    x = symgrad.tensor(values, dtype=symgrad.float64, requires_grad=True)
    wrong = crosscheck(lambda a: TwiceWrongInOps.apply(a).sum(), [x])
    assert wrong.status == "engine-wrong" and "finite differences alone" not in wrong.message
    assert wrong.culprit["grad_fn"] == "TwiceWrongInOpsBackward"
    for e in wrong.elements:  # the exact value is softplus' = sigmoid, from mpmath
        assert float(e.exact) == pytest.approx(float(1 / (1 + mpmath.exp(-values[e.index[0]]))),
                                               rel=1e-15)
    right = crosscheck(lambda a: RightInOps.apply(a).sum(), [x])
    assert right.status in ("ok", "fd-unreliable") and right.passed, right.message


class ScalarMeaning(RightInOps):
    """softplus with its right backward and a ``sympy`` method written for one element."""

    @staticmethod
    def sympy(x):
        import sympy

        return sympy.log(1 + sympy.exp(x))


class ScalarMeaningTwiceWrong(ScalarMeaning):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x.sigmoid()


def test_a_sympy_method_for_one_element_is_applied_element_by_element():
    x = symgrad.tensor([0.5, -1.0, 2.0], dtype=symgrad.float64, requires_grad=True)
    right = crosscheck(lambda a: ScalarMeaning.apply(a).sum(), [x])
    assert right.status == "ok", right.message
    second = crosscheck(lambda a: ScalarMeaning.apply(a).sum(), [x], order=2,
                        v=[np.array([1.0, -0.5, 2.0])])
    assert second.status == "ok", second.message
    for e in second.elements:  # softplus'' = sigmoid (1 - sigmoid), times v, from mpmath
        s = 1 / (1 + mpmath.exp(-[0.5, -1.0, 2.0][e.index[0]]))
        assert float(e.exact) == pytest.approx(float(s * (1 - s)) * [1.0, -0.5, 2.0][e.index[0]],
                                               rel=1e-15)
    wrong = crosscheck(lambda a: ScalarMeaningTwiceWrong.apply(a).sum(), [x])
    assert wrong.status == "engine-wrong" and "the oracle raised" not in wrong.message
