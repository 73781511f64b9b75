"""Integer and bool tensors in autograd: they never require grad (PyTorch's errors on every
path), mixed with floats they promote as PyTorch does, and only float leaves get gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symgrad
from symgrad import _dtypes
from symgrad.ops.registry import REGISTRY, apply
from symgrad.testing.strategies import float_dtypes, integral_dtypes, op_inputs, tensors

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
                  and op.dtype_rule != "bool" and "torch" in op.extra
                  and all(d in op.dtypes for d in _dtypes.FLOATING)
                  and not op.domain and not any(s.make for s in op.samples))


@pytest.mark.parametrize("name", _binary_float_ops())
@settings(max_examples=max(2, settings().max_examples // 10))
@given(data=st.data(), fd=float_dtypes(), idt=integral_dtypes(), swap=st.booleans())
def test_mixed_integer_float_promote_as_torch_and_grad_only_floats(name, data, fd, idt, swap):
    op = REGISTRY[name]
    sample = data.draw(st.sampled_from(op.samples), label="sample")
    shapes = sample.shapes[::-1] if swap else sample.shapes
    x = data.draw(tensors(fd, shapes[0], requires_grad=True), label="float")
    k = data.draw(tensors(idt, shapes[1]), label="integral")
    args = (k, x) if swap else (x, k)
    targs = [torch.tensor(np.asarray(a._data, np.float64), dtype=getattr(torch, a.dtype.name))
             if a.dtype.is_floating_point else torch.from_numpy(np.array(a._data)) for a in args]
    try:
        expected = eval(op.extra["torch"], {"torch": torch,  # noqa: S307
                                            **dict(zip(op.args, targs, strict=True))})
    except RuntimeError:
        # PyTorch refuses the mix (bool - float): not a promotion case.
        assume(False)
    out = apply(op, *args)
    assert out.dtype.name == str(expected.dtype).removeprefix("torch.")
    assert out.requires_grad and out.shape == tuple(expected.shape)
    out.backward(symgrad.ones_like(out))
    assert x.grad is not None and x.grad.dtype is fd and x.grad.shape == x.shape
    assert k.grad is None and not k.requires_grad and k.is_leaf


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items()
                                        if any(not d.is_floating_point for d in op.dtypes)
                                        and op.kind != "inplace"))
@settings(max_examples=max(2, settings().max_examples // 10))
@given(data=st.data())
def test_integer_only_results_never_require_grad(name, data):
    op = REGISTRY[name]
    d = data.draw(st.sampled_from([d for d in op.dtypes if not d.is_floating_point]),
                  label="dtype")
    sample, inputs = data.draw(op_inputs(op, d), label="inputs")
    with np.errstate(all="ignore"):
        try:
            out = apply(op, *inputs, **sample.attrs)
        except (RuntimeError, ValueError, TypeError, ZeroDivisionError, FloatingPointError):
            return
    if not out.dtype.is_floating_point:
        assert not out.requires_grad and out.grad_fn is None
