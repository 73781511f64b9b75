"""``symgrad.autograd.gradcheck`` and ``gradgradcheck`` as PyTorch's: the same verdicts, errors,
messages (the Jacobians printed in them included) and warnings, for programs written for
``torch.autograd.gradcheck``. Each case runs under torch and under symgrad."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")


def _functions(lib: Any) -> dict[str, Any]:
    class Cube(lib.autograd.Function):
        """x^3 with a backward of 2 x^2: wrong."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 2 * a ** 2

    class Constant(lib.autograd.Function):
        """2 x with a backward that ignores the output gradient."""

        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 0 + 2

    class DetachedSecond(lib.autograd.Function):
        """x^3 with a right first derivative whose own derivative is lost (detached)."""

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a ** 3

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * 3 * a.detach() ** 2

    return {"Cube": Cube, "Constant": Constant, "DetachedSecond": DetachedSecond}


def _x(lib: Any) -> Any:
    return lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)


def _y(lib: Any) -> Any:
    return lib.tensor([[1.0, 2.0], [3.0, 0.5]], dtype=lib.float64, requires_grad=True)


CASES = {
    "tanh of a square": lambda lib: lib.autograd.gradcheck(lambda a: (a * a).tanh(), (_x(lib),)),
    "two inputs, two outputs": lambda lib: lib.autograd.gradcheck(
        lambda a, b: (a[:2] @ b, b.sum()), (_x(lib), _y(lib))),
    "a wrong backward": lambda lib: lib.autograd.gradcheck(_functions(lib)["Cube"].apply,
                                                         (_x(lib),)),
    "a wrong backward, no exception": lambda lib: lib.autograd.gradcheck(
        _functions(lib)["Cube"].apply, (_x(lib),), raise_exception=False),
    "no input requires grad": lambda lib: lib.autograd.gradcheck(lambda a: a * 2,
                                                                 (_x(lib).detach(),)),
    "float32": lambda lib: lib.autograd.gradcheck(
        lambda a: a * 2, (lib.tensor([0.5, -1.0], requires_grad=True),), eps=1e-3, atol=1e-2),
    "backward not multiplied by the output gradient": lambda lib: lib.autograd.gradcheck(
        _functions(lib)["Constant"].apply, (_x(lib),)),
    "second order of tanh": lambda lib: lib.autograd.gradgradcheck(lambda a: (a * a).tanh(),
                                                                   (_x(lib),)),
    "first order right, second lost": lambda lib: lib.autograd.gradcheck(
        _functions(lib)["DetachedSecond"].apply, (_x(lib),)),
    "second order lost": lambda lib: lib.autograd.gradgradcheck(
        _functions(lib)["DetachedSecond"].apply, (_x(lib),), raise_exception=False),
    "no differentiable output": lambda lib: lib.autograd.gradcheck(
        lambda a: (a > 0).double(), (_x(lib),)),
    "an input with stride 0": lambda lib: lib.autograd.gradcheck(
        lambda a: a.sum(0), (_x(lib).detach().expand(2, 3).requires_grad_(),)),
}


def _outcome(lib: Any, case: str) -> Any:
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            result = CASES[case](lib)
        return "returned", result, [str(w.message) for w in seen]
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)


@pytest.mark.parametrize("case", sorted(CASES))
def test_as_torch(case: str) -> None:
    theirs = _outcome(torch, case)
    ours = _outcome(symgrad, case)
    assert repr(ours).replace("symgrad", "torch") == repr(theirs)


def test_a_wrong_backward_is_caught_with_both_jacobians() -> None:
    # Imported as from PyTorch: ``from torch.autograd.gradcheck import GradcheckError``.
    from symgrad.autograd.gradcheck import GradcheckError

    x = _x(symgrad)
    with pytest.raises(GradcheckError,
                       match=r"(?s)mismatch for output 0 with respect to input 0.*numerical"):
        symgrad.autograd.gradcheck(_functions(symgrad)["Cube"].apply, (x,))
