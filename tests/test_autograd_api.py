"""autograd.Function, autograd.functional, hooks, retain_grad and the non-leaf .grad warning.

Expected values come from calculus written out here (and from torch when installed).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.autograd import functional as AF


class Exp(symgrad.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        out = x.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (out,) = ctx.saved_tensors
        return g * out


class ScaleAndFlag(symgrad.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any, k: float, y: Any) -> Any:
        ctx.k = k
        ctx.flags = ctx.needs_input_grad
        return x * k + y

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g * ctx.k, None, g


def test_function_node_name_op_and_gradients() -> None:
    x = symgrad.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    assert repr(y).endswith("grad_fn=<ExpBackward>)")
    assert y.grad_fn.op.name == "Exp" and y.grad_fn.op.extra["function"] is Exp
    assert y.grad_fn.next_functions[0][0].variable is x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.tolist(), np.exp([0.0, 1.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        _ = y.grad_fn.saved_tensors


def test_function_double_backward() -> None:
    x = symgrad.tensor(0.5, requires_grad=True)
    (d1,) = symgrad.autograd.grad(Exp.apply(x * 2), x, create_graph=True)
    (d2,) = symgrad.autograd.grad(d1, x)
    assert d1.item() == pytest.approx(2 * np.exp(1.0), rel=1e-6)
    assert d2.item() == pytest.approx(4 * np.exp(1.0), rel=1e-6)


def test_function_needs_input_grad_and_non_tensor_args() -> None:
    x = symgrad.tensor([1.0], requires_grad=True)
    y = symgrad.tensor([5.0])
    out = ScaleAndFlag.apply(x, 3.0, y)
    assert out.grad_fn.flags == (True, False, False)
    assert out.grad_fn.attrs == {"arg1": 3.0}
    out.sum().backward()
    assert x.grad.tolist() == [3.0]


def test_function_mark_non_differentiable_and_no_grad() -> None:
    class Sort(symgrad.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            idx = symgrad.tensor(np.argsort(x._data))
            ctx.mark_non_differentiable(idx)
            return x * 1, idx

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g

    x = symgrad.tensor([2.0, 1.0], requires_grad=True)
    values, idx = Sort.apply(x)
    assert values.requires_grad and not idx.requires_grad
    with symgrad.no_grad():
        assert Exp.apply(x).grad_fn is None


def test_function_modified_saved_tensor() -> None:
    x = symgrad.tensor([0.0], requires_grad=True)
    y = Exp.apply(x)
    y._version += 1
    with pytest.raises(RuntimeError, match=r"which is output 0 of Exp, is at version 1"):
        y.sum().backward()


def test_jacobian_hessian_vjp_jvp_hvp() -> None:
    x = symgrad.tensor([1.0, 2.0])
    v = symgrad.tensor([1.0, -1.0])

    def cube(t: Any) -> Any:
        return t ** 3

    # d(x^3)/dx = diag(3x^2); the Hessian of sum(x^3) is diag(6x).
    assert AF.jacobian(cube, x).tolist() == [[3.0, 0.0], [0.0, 12.0]]
    assert AF.hessian(lambda t: cube(t).sum(), x).tolist() == [[6.0, 0.0], [0.0, 12.0]]
    out, g = AF.vjp(cube, x, v)
    assert out.tolist() == [1.0, 8.0] and g.tolist() == [3.0, -12.0]
    assert AF.jvp(cube, x, v)[1].tolist() == [3.0, -12.0]
    assert AF.hvp(lambda t: cube(t).sum(), x, v)[1].tolist() == [6.0, -12.0]
    assert AF.vhp(lambda t: cube(t).sum(), x, v)[1].tolist() == [6.0, -12.0]


def test_jacobian_tuples_unused_inputs_and_strict() -> None:
    a, b = symgrad.tensor([2.0]), symgrad.tensor([3.0])
    jac = AF.jacobian(lambda s, t: (s * t, s * 1.0), (a, b))
    assert [[j.tolist() for j in row] for row in jac] == [[[[3.0]], [[2.0]]], [[[1.0]], [[0.0]]]]
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda s, t: s * 2, (a, b), strict=True)


def test_jacobian_create_graph_is_differentiable() -> None:
    x = symgrad.tensor([2.0], requires_grad=True)
    jac = AF.jacobian(lambda t: t ** 3, x, create_graph=True)
    (d,) = symgrad.autograd.grad(jac.sum(), x)
    assert d.tolist() == [12.0]  # d/dx 3x^2 = 6x


def test_hooks_retain_grad_and_non_leaf_warning() -> None:
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    assert seen == [[6.0, 12.0]] and y.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]
    z = x * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert z.grad is None
    assert caught[0].category is UserWarning
    assert str(caught[0].message).startswith(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.")


def test_backward_inputs_and_grad_options() -> None:
    a = symgrad.tensor([1.0], requires_grad=True)
    b = symgrad.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None
    unused = symgrad.tensor([0.0, 0.0], requires_grad=True)
    ga, gu = symgrad.autograd.grad((a * 2).sum(), [a, unused], allow_unused=True)
    assert ga.tolist() == [2.0] and gu is None
    _, gz = symgrad.autograd.grad((a * 2).sum(), [a, unused], materialize_grads=True)
    assert gz.tolist() == [0.0, 0.0]


def test_functional_strategies_symgrad_lacks_are_refused_not_ignored():
    x = symgrad.tensor([1.0, 2.0])
    with pytest.raises(NotImplementedError, match="forward-mode"):
        AF.jacobian(lambda x: x * x, x, strategy="forward-mode")
    with pytest.raises(ValueError, match="Expected strategy"):
        AF.jacobian(lambda x: x * x, x, strategy="backward")
    with pytest.raises(ValueError, match="Expected strategy"):
        AF.hessian(lambda x: (x * x).sum(), x, outer_jacobian_strategy="reverse")
