"""Integer and bool tensors in autograd: they never require grad (PyTorch's errors on every
path), mixed with floats they promote as PyTorch does, and only float leaves get gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.engines.symgrad_strategies import float_dtypes, integral_dtypes, keyed, op_cases
from oracle.samples import DOMAINS, samples_of
from oracle.torch_calls import TORCH
from symgrad import _dtypes
from symgrad.ops.registry import REGISTRY, apply

torch = pytest.importorskip("torch")

INTEGRAL = [d.name for d in (_dtypes.bool, *_dtypes.INTEGRAL)]


def torch_error(fn) -> str:
    with pytest.raises(RuntimeError) as info:
        fn()
    return str(info.value)


@pytest.mark.parametrize("dtype", INTEGRAL)
def test_requires_grad_raises_torch_error_on_every_path(dtype):
    d, td = getattr(symgrad, dtype), getattr(torch, dtype)
    paths = {
        "creation": (lambda: symgrad.tensor([1, 0], dtype=d, requires_grad=True),
                     lambda: torch.tensor([1, 0], dtype=td, requires_grad=True)),
        "factory": (lambda: symgrad.zeros(2, dtype=d, requires_grad=True),
                    lambda: torch.zeros(2, dtype=td, requires_grad=True)),
        "requires_grad_": (lambda: symgrad.tensor([1, 0], dtype=d).requires_grad_(),
                           lambda: torch.tensor([1, 0], dtype=td).requires_grad_()),
        "attribute": (lambda: setattr(symgrad.tensor([1, 0], dtype=d), "requires_grad", True),
                      lambda: setattr(torch.tensor([1, 0], dtype=td), "requires_grad", True)),
    }
    for path, (ours, theirs) in paths.items():
        assert torch_error(ours) == torch_error(theirs), path
    t = symgrad.tensor([1, 0], dtype=d)
    t.requires_grad_(False)
    t.requires_grad = False
    assert not t.requires_grad


def _binary_float_ops() -> list[str]:
    return sorted(n for n, op in REGISTRY.items()
                  if op.kind == "elementwise" and len(op.args) == 2 and op.vjp is not None
                  and not op.attrs and set(op.args) <= set(op.differentiable)
                  and op.dtype_rule != "bool" and op.name in TORCH
                  and all(d in op.dtypes for d in _dtypes.FLOATING)
                  and op.name not in DOMAINS and not any(s.make for s in samples_of(op.name)))


def _integral(a: np.ndarray, d: symgrad.dtype) -> symgrad.Tensor:
    """Whole values of integral dtype ``d`` derived from float values ``a`` (rounded, kept
    inside ``d``'s range; nonzero is True for bool)."""
    if d is symgrad.bool:
        return symgrad.tensor(np.asarray(a, np.float64) != 0)
    info = np.iinfo(d.np)
    whole = np.clip(np.rint(np.asarray(a, np.float64)), info.min, info.max)
    return symgrad.tensor(whole.astype(d.np))


def _torch_backward_refusal(name: str, targs: list[Any], floating: int) -> str | None:
    """The message of PyTorch's backward of ``name`` on ``targs`` with the floating one
    (``targs[floating]``) requiring grad, or None when it runs."""
    targs = list(targs)
    targs[floating] = targs[floating].detach().requires_grad_()
    try:
        out = eval(TORCH[name], {"torch": torch,  # noqa: S307
                                 **dict(zip(REGISTRY[name].args, targs, strict=True))})
        out.backward(torch.ones_like(out))
    except RuntimeError as e:
        return str(e)
    return None


@pytest.mark.parametrize("name", _binary_float_ops())
def test_mixed_integer_float_promote_as_torch_and_grad_only_floats(name):
    op = REGISTRY[name]

    # The float case of the op gives both operands; one of them is made integral.
    @settings(max_examples=max(2, settings().max_examples // 10))
    @given(case=op_cases(op, float_dtypes()), idt=integral_dtypes(), swap=st.booleans())
    @keyed(f"mixed:{name}")
    def prop(case, idt, swap):
        x, y = case.inputs()
        k = _integral(y._data, idt)
        args = (k, x) if swap else (x, k)
        targs = [torch.tensor(np.asarray(a._data, np.float64),
                              dtype=getattr(torch, a.dtype.name))
                 if a.dtype.is_floating_point else torch.from_numpy(np.array(a._data))
                 for a in args]
        try:
            expected = eval(TORCH[op.name], {"torch": torch,  # noqa: S307
                                                **dict(zip(op.args, targs, strict=True))})
        except RuntimeError:
            # PyTorch refuses the mix (bool - float): not a promotion case.
            assume(False)
        out = apply(op, *args)
        assert out.dtype.name == str(expected.dtype).removeprefix("torch.")
        assert out.requires_grad and out.shape == tuple(expected.shape)
        refused = _torch_backward_refusal(op.name, targs, 1 if swap else 0)
        if refused is not None:  # PyTorch's backward refuses the mix (logaddexp of a bool)
            with pytest.raises(RuntimeError) as raised:
                out.backward(symgrad.ones_like(out))
            assert str(raised.value) == refused
            return
        out.backward(symgrad.ones_like(out))
        assert x.grad is not None and x.grad.dtype is x.dtype and x.grad.shape == x.shape
        assert k.grad is None and not k.requires_grad and k.is_leaf

    prop()


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items()
                                        if any(not d.is_floating_point for d in op.dtypes)
                                        and op.kind != "inplace"))
def test_integer_only_results_never_require_grad(name):
    op = REGISTRY[name]

    @settings(max_examples=max(2, settings().max_examples // 10))
    @given(case=op_cases(op, st.sampled_from([d for d in op.dtypes if not d.is_floating_point])))
    @keyed(f"integral:{name}")
    def prop(case):
        with np.errstate(all="ignore"):
            try:
                out = apply(op, *case.inputs(), **case.attrs)
            except (RuntimeError, ValueError, TypeError, ZeroDivisionError, FloatingPointError):
                return
        if not out.dtype.is_floating_point:
            assert not out.requires_grad and out.grad_fn is None

    prop()
