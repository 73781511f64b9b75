"""Matrix products against NumPy (einsum) and their closed-form gradients."""

import numpy as np
import pytest

import symgrad
from oracle.samples import samples_of
from oracle.torch_calls import TORCH
from symgrad.ops import REGISTRY


def leaf(a):
    return symgrad.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def sum_to(a, shape):
    """Sum broadcast dims away (the chain rule through broadcasting), by hand."""
    while a.ndim > len(shape):
        a = a.sum(0)
    return a.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1 and a.shape[i] != 1),
                 keepdims=True).reshape(shape)


CASES = [  # (shape a, shape b, PyTorch's grad_fn name)
    ((3,), (3,), "DotBackward0"),
    ((2, 3), (3,), "MvBackward0"),
    ((3,), (3, 4), "SqueezeBackward4"),
    ((2, 3), (3, 4), "MmBackward0"),
    ((5, 2, 3), (5, 3, 4), "UnsafeViewBackward0"),
    ((5, 2, 3), (3, 4), "UnsafeViewBackward0"),
    ((5, 2, 3), (3,), "UnsafeViewBackward0"),
    ((3,), (5, 3, 4), "UnsafeViewBackward0"),
    ((2, 1, 2, 3), (4, 3, 2), "UnsafeViewBackward0"),
    ((2, 3), (5, 3, 4), "CloneBackward0"),
    ((1, 2, 3), (5, 3, 4), "CloneBackward0"),
]


@pytest.mark.parametrize(("sa", "sb", "name"), CASES)
def test_matmul_values_gradients_and_node_names(sa, sb, name, rng):
    a_np, b_np = rng.normal(size=sa), rng.normal(size=sb)
    a, b = leaf(a_np), leaf(b_np)
    out = a @ b
    expected = np.matmul(a_np, b_np)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    assert out.grad_fn.name() == name
    w = rng.normal(size=expected.shape)
    (out * symgrad.tensor(w)).sum().backward()
    # d<W, A B>/dA = W B^T and /dB = A^T W, with 1-D operands as a row / a column.
    a2 = a_np[None, :] if a_np.ndim == 1 else a_np
    b2 = b_np[:, None] if b_np.ndim == 1 else b_np
    w2 = w
    if a_np.ndim == 1:
        w2 = w2[..., None, :] if b_np.ndim > 1 else w2[..., None]
    if b_np.ndim == 1:
        w2 = w2[..., None]
    ga = np.einsum("...ij,...kj->...ik", w2, b2)
    gb = np.einsum("...ji,...jk->...ik", a2, w2)
    ga = ga[..., 0, :] if a_np.ndim == 1 else ga
    gb = gb[..., 0] if b_np.ndim == 1 else gb
    np.testing.assert_allclose(a.grad.numpy(), sum_to(ga, sa).reshape(sa), rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), sum_to(gb, sb).reshape(sb), rtol=1e-10)


@pytest.mark.parametrize(("fn", "sa", "sb", "name"), [
    (symgrad.dot, (3,), (3,), "DotBackward0"), (symgrad.mv, (2, 3), (3,), "MvBackward0"),
    (symgrad.mm, (2, 3), (3, 4), "MmBackward0"), (symgrad.bmm, (2, 2, 3), (2, 3, 4),
                                                  "BmmBackward0")])
def test_named_products(fn, sa, sb, name, rng):
    a_np, b_np = rng.normal(size=sa), rng.normal(size=sb)
    out = fn(leaf(a_np), leaf(b_np))
    assert out.grad_fn.name() == name
    np.testing.assert_allclose(out.detach().numpy(), np.matmul(a_np, b_np), rtol=1e-12)


def test_mm_second_derivative(rng):
    a_np, b_np = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    w, v = rng.normal(size=(2, 4)), rng.normal(size=(2, 3))
    a, b = leaf(a_np), leaf(b_np)
    (ga,) = symgrad.autograd.grad((a @ b * symgrad.tensor(w)).sum(), a, create_graph=True)
    np.testing.assert_allclose(ga.detach().numpy(), w @ b_np.T)
    # sum(W B^T * V) is linear in B with gradient V^T W.
    (gb,) = symgrad.autograd.grad((ga * symgrad.tensor(v)).sum(), b)
    np.testing.assert_allclose(gb.numpy(), v.T @ w, rtol=1e-12)


def test_batched_second_derivative_through_broadcast(rng):
    a_np, b_np = rng.normal(size=(3, 2, 3)), rng.normal(size=(3, 4))
    w, v = rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 2, 3))
    a, b = leaf(a_np), leaf(b_np)
    (ga,) = symgrad.autograd.grad((a @ b * symgrad.tensor(w)).sum(), a, create_graph=True)
    (gb,) = symgrad.autograd.grad((ga * symgrad.tensor(v)).sum(), b)
    np.testing.assert_allclose(gb.numpy(), np.einsum("bij,bik->jk", v, w), rtol=1e-12)


def test_outer_is_recorded_as_view_then_mul(rng):
    u, v = rng.normal(size=3), rng.normal(size=2)
    a, b = leaf(u), leaf(v)
    out = symgrad.outer(a, b)
    np.testing.assert_allclose(out.detach().numpy(), np.outer(u, v))
    assert out.grad_fn.name() == "MulBackward0"
    assert out.grad_fn.next_functions[0][0].name() == "ViewBackward0"
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full(3, v.sum()))
    np.testing.assert_allclose(b.grad.numpy(), np.full(2, u.sum()))


def test_trace_value_and_gradient_is_the_identity(rng):
    m = rng.normal(size=(3, 4))
    x = leaf(m)
    out = x.trace()
    assert out.item() == pytest.approx(np.trace(m)) and out.grad_fn.name() == "TraceBackward0"
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3, 4))
    assert symgrad.tensor([[1, 2], [3, 4]], dtype=symgrad.int32).trace().dtype is symgrad.int64


def test_dtypes_integers_and_half_accumulation():
    i = symgrad.tensor([[1, 2], [3, 4]])
    assert (i @ i).dtype is symgrad.int64 and (i @ i).tolist() == [[7, 10], [15, 22]]
    # 1 + 8 * 2**-11: float16 steps would stay at 1; float32 accumulation reaches 1.00390625.
    row = symgrad.tensor([[1.0] + [2.0**-11] * 8], dtype=symgrad.float16)
    col = symgrad.tensor([[1.0]] * 9, dtype=symgrad.float16)
    assert (row @ col).item() == 1.00390625 and (row @ col).dtype is symgrad.float16


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: symgrad.ones(2) @ symgrad.ones(2, dtype=symgrad.float64), RuntimeError,
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda: symgrad.ones(2, 2) @ symgrad.ones(2, 2, dtype=symgrad.float64), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: symgrad.ones(2, 3) @ symgrad.ones(2, 3), RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    (lambda: symgrad.ones(2) @ symgrad.ones(3), RuntimeError,
     "inconsistent tensor size, expected tensor [2] and src [3] to have the same number of "
     "elements, but got 2 and 3 elements respectively"),
    (lambda: symgrad.ones(2, 3) @ symgrad.ones(2), RuntimeError,
     "size mismatch, got input (2), mat (2x3), vec (2)"),
    (lambda: symgrad.bmm(symgrad.ones(2, 2, 3), symgrad.ones(3, 3, 2)), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."),
    (lambda: symgrad.bmm(symgrad.ones(2, 3), symgrad.ones(3, 2)), RuntimeError,
     "batch1 must be a 3D tensor"),
    (lambda: symgrad.mm(symgrad.ones(3), symgrad.ones(3, 2)), RuntimeError,
     "self must be a matrix"),
    (lambda: symgrad.dot(symgrad.ones(2, 2), symgrad.ones(2, 2)), RuntimeError,
     "1D tensors expected, but got 2D and 2D tensors"),
    (lambda: symgrad.matmul(symgrad.tensor(1.0), symgrad.ones(2)), RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    (lambda: symgrad.trace(symgrad.ones(2, 2, 2)), RuntimeError,
     "trace: expected a matrix, but got tensor with dim 3"),
    (lambda: symgrad.outer(symgrad.ones(2, 2), symgrad.ones(2)), RuntimeError,
     "outer: Expected 1-D argument self, but got 2-D"),
    (lambda: symgrad.ones(2, dtype=symgrad.bool) @ symgrad.ones(2, dtype=symgrad.bool),
     NotImplementedError, "\"dot\" not implemented for 'Bool'"),
])
def test_errors_match_pytorch(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


@pytest.mark.parametrize("name", ["dot", "mv", "mm", "bmm", "matmul", "matmul_clone",
                                  "matmul_vm", "trace"])
def test_declared_with_samples_and_a_torch_expression(name):
    op = REGISTRY[name]
    assert samples_of(op.name) and TORCH[op.name].startswith("torch.") and op.kind == "linalg"
