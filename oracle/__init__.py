"""The judges: the exact derivative (``exact``), finite differences, verdicts."""

from oracle.exact import (
    ExactResult,
    KinkElement,
    exact_forward,
    exact_grad,
    exact_hessian,
    exact_hvp,
)

__all__ = [
    "ExactResult",
    "KinkElement",
    "exact_forward",
    "exact_grad",
    "exact_hessian",
    "exact_hvp",
]
