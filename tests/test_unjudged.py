"""Nothing unjudged passes (issue 12): a check the exact oracle cannot judge is unjudged, never
passed, and finite differences still find what they can (a custom Function's backward 2x off).
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.crosscheck import crosscheck


class TwiceWrong(symgrad.autograd.Function):
    """softplus with a backward 2x the derivative, and no ``sympy`` method."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x.sigmoid()


class Right(symgrad.autograd.Function):
    """softplus with its right backward, and no ``sympy`` method."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

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
