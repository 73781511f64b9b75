"""The judges: the exact derivative (``exact``), finite differences, verdicts."""

from oracle.crosscheck import crosscheck
from oracle.exact import (
    ExactResult,
    KinkElement,
    exact_forward,
    exact_grad,
    exact_hessian,
    exact_hvp,
)
from oracle.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "ExactResult",
    "KinkElement",
    "exact_forward",
    "exact_grad",
    "exact_hessian",
    "exact_hvp",
    "crosscheck",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
]
