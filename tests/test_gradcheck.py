"""``oracle.gradcheck`` against ``torch.autograd.gradcheck``: the same functions, the same
answers, and failures that name the worst elements."""

from __future__ import annotations

import dataclasses
import functools
import warnings

import mpmath
import numpy as np
import pytest

import symgrad
from oracle.gradcheck import GradcheckError, gradcheck, gradgradcheck
from symgrad.ops.registry import REGISTRY

torch = pytest.importorskip("torch")

# Each function is written once, for either library (``m`` is the module).
FUNCTIONS = {
    "tanh_of_square": lambda m, x, y: (x * x).tanh(),
    "product_broadcast": lambda m, x, y: x * y.exp(),
    "quotient": lambda m, x, y: x / (y * y + 1),
    "sum_dim": lambda m, x, y: (x * y).sum(dim=1),
    "where": lambda m, x, y: m.where(x > 0, x * y, y),
    "two_outputs": lambda m, x, y: (x.sum(), (x * y).tanh()),
}
X = [[0.5, -1.25, 2.0], [0.75, 1.5, -0.5]]
Y = [0.25, -0.75, 1.5]


def _pair(dtype_s=symgrad.float64, dtype_t=None):
    dtype_t = dtype_t or torch.float64
    xs = (symgrad.tensor(X, dtype=dtype_s, requires_grad=True),
          symgrad.tensor(Y, dtype=dtype_s, requires_grad=True))
    xt = (torch.tensor(X, dtype=dtype_t, requires_grad=True),
          torch.tensor(Y, dtype=dtype_t, requires_grad=True))
    return xs, xt


@pytest.mark.parametrize("fast", [False, True], ids=["slow", "fast"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_agrees_with_torch_on_correct_functions(name, fast):
    f = FUNCTIONS[name]
    xs, xt = _pair()
    ours = gradcheck(lambda *a: f(symgrad, *a), xs, fast_mode=fast)
    theirs = torch.autograd.gradcheck(lambda *a: f(torch, *a), xt, fast_mode=fast)
    assert ours is theirs is True
    assert gradgradcheck(lambda *a: f(symgrad, *a), xs, fast_mode=fast) is \
        torch.autograd.gradgradcheck(lambda *a: f(torch, *a), xt, fast_mode=fast) is True


class _TorchWrongTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = x.tanh()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return 2 * g * (1 - out * out)


class _TorchDetachedTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        out = x.tanh()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out.detach() * out.detach())


@pytest.fixture
def tanh_vjp():
    saved = REGISTRY["tanh"]

    def use(change):
        """``change(vjp, g, *saved)`` computes the mutant from the op's own VJP."""

        @functools.wraps(saved.vjp)
        def vjp(g, *values):
            return change(saved.vjp, g, *values)

        REGISTRY["tanh"] = dataclasses.replace(saved, vjp=vjp)

    yield use
    REGISTRY["tanh"] = saved


def _apply_tanh(x):
    from symgrad.ops.registry import apply

    return apply(REGISTRY["tanh"], x)


@pytest.mark.parametrize("fast", [False, True], ids=["slow", "fast"])
def test_agrees_with_torch_on_a_wrong_gradient(tanh_vjp, fast):
    tanh_vjp(lambda vjp, g, *saved: 2 * vjp(g, *saved))
    (x, _), (xt, _) = _pair()
    ours = gradcheck(_apply_tanh, (x,), fast_mode=fast, raise_exception=False)
    theirs = torch.autograd.gradcheck(_TorchWrongTanh.apply, (xt,), fast_mode=fast,
                                      raise_exception=False)
    assert ours is theirs is False


def test_wrong_second_derivative_only_fails_gradgradcheck(tanh_vjp):
    # The saved value is used detached: first derivatives right, second ones wrong.
    tanh_vjp(lambda vjp, g, *saved: vjp(g, *[s.detach() for s in saved]))
    (x, _), (xt, _) = _pair()
    assert gradcheck(_apply_tanh, (x,)) is torch.autograd.gradcheck(
        _TorchDetachedTanh.apply, (xt,)) is True
    assert gradgradcheck(_apply_tanh, (x,), raise_exception=False) is \
        torch.autograd.gradgradcheck(_TorchDetachedTanh.apply, (xt,),
                                     raise_exception=False) is False


def test_failure_names_the_worst_element(tanh_vjp):
    # Only the element at 2.0 is wrong: the gradient there is doubled.
    tanh_vjp(lambda vjp, g, *saved: vjp(g, *saved)
             * symgrad.where(vjp(symgrad.ones_like(g), *saved) < 0.1, 2.0, 1.0))
    x = symgrad.tensor([0.5, 2.0, -1.0], dtype=symgrad.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(_apply_tanh, (x,))
    assert isinstance(info.value, RuntimeError)
    msg = str(info.value)
    lines = msg.splitlines()
    first = next(line for line in lines if line.startswith("  d out"))
    true = 1 - np.tanh(2.0) ** 2
    # As torch.testing.assert_close words it, in ULPs, with the node to blame.
    assert lines[1] == "Mismatched elements: 1 / 9 (11.1%)"
    assert lines[2].startswith("Greatest ULP error: ") and " at index (1, 1) " in lines[2]
    with mpmath.workdps(40):
        assert abs(mpmath.mpf(lines[2].split("exact ")[1]) - mpmath.sech(2) ** 2) < 1e-35
    assert lines[3].startswith("node TanhBackward0 alone: gives ")
    assert "d out0[1] / d in0[1]" in first
    engine = float(first.split("engine ")[1].split(",")[0])
    assert abs(engine - 2 * true) <= 1e-12
    fd = float(first.split("fd ")[1].split(",")[0])
    assert abs(fd - true) < 1e-8
    if "exact" in first:
        assert "engine wrong" in first


def test_tolerances_are_torchs(tanh_vjp):
    # A relative error of 1e-4 passes rtol=1e-3 and fails rtol=1e-5, as in torch.
    tanh_vjp(lambda vjp, g, *saved: vjp(g, *saved) * 1.0001)
    x = symgrad.tensor([0.5, 1.0], dtype=symgrad.float64, requires_grad=True)
    assert gradcheck(_apply_tanh, (x,)) is True
    assert gradcheck(_apply_tanh, (x,), rtol=1e-5, atol=0.0, raise_exception=False) is False


def test_low_precision_inputs_warn_and_still_check():
    x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float32, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert gradcheck(lambda x: x.exp(), (x,), atol=1e-4, rtol=1e-4) is True
    assert any("float32" in str(w.message) for w in caught)


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError):
        gradcheck(lambda x: x.exp(), (symgrad.tensor([1.0], dtype=symgrad.float64),))
    with pytest.raises(ValueError):
        torch.autograd.gradcheck(lambda x: x.exp(), (torch.tensor([1.0], dtype=torch.float64),))


def test_nondeterministic_backward_is_caught(tanh_vjp):
    rng = np.random.default_rng(0)
    tanh_vjp(lambda vjp, g, *saved: vjp(g, *saved) * (1 + float(rng.normal()) * 1e-9))
    x = symgrad.tensor([0.5, 1.0], dtype=symgrad.float64, requires_grad=True)
    assert gradcheck(_apply_tanh, (x,), raise_exception=False) is False
    assert gradcheck(_apply_tanh, (x,), nondet_tol=1e-6) is True


def test_gradgradcheck_refuses_batched_grad_as_gradcheck_does():
    x = symgrad.tensor([0.5, 2.0], dtype=symgrad.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="batched"):
        gradgradcheck(lambda x: x * x, (x,), check_batched_grad=True)
