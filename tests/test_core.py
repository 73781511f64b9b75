"""The engine core: recording, backward, grad, promotion (a first slice; the catalog grows)."""

import numpy as np
import pytest

import symgrad


def test_seed_propagation_and_grad_fn_names():
    x = symgrad.tensor([1.0, 2.0])
    w = symgrad.tensor([0.5, -1.0], requires_grad=True)
    b = symgrad.tensor([0.1], requires_grad=True)
    intermediate = w * x
    y = intermediate + b
    assert (x.requires_grad, intermediate.requires_grad, y.requires_grad) == (False, True, True)
    # PyTorch's class names: one class per op, under the node base class.
    assert type(intermediate.grad_fn).__name__ == "MulBackward0"
    assert isinstance(intermediate.grad_fn, symgrad.autograd.graph.Node)
    assert intermediate.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.name() == "AddBackward0"
    assert w.grad_fn is None and w.is_leaf and not y.is_leaf


def test_backward_broadcast_reduces_to_leaf_shape():
    w = symgrad.tensor([0.5, -1.0], requires_grad=True)
    b = symgrad.tensor([0.1], requires_grad=True)
    (w * symgrad.tensor([1.0, 2.0]) + b).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(b.grad.numpy(), [2.0])
    assert b.grad.shape == b.shape and b.grad.dtype is symgrad.float32


def test_higher_order_chain_rule_seed():
    # y = 2 (8 (24 x^2)^3)^4 = 2 * 8^4 * 24^12 * x^24
    x = symgrad.tensor([2.0], dtype=symgrad.float64, requires_grad=True)
    y = 2 * (8 * (24 * x**2) ** 3) ** 4
    (d1,) = symgrad.autograd.grad(y, x, create_graph=True)
    (d2,) = symgrad.autograd.grad(d1, x)
    c = 2 * 8**4 * 24**12
    assert d1.item() == pytest.approx(24 * c * 2.0**23, rel=1e-12)
    assert d2.item() == pytest.approx(24 * 23 * c * 2.0**22, rel=1e-12)


@pytest.mark.parametrize("dtype", [symgrad.int64, symgrad.int32, symgrad.uint8, symgrad.bool])
def test_integer_tensors_cannot_require_grad(dtype):
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype"):
        symgrad.tensor([1, 0], dtype=dtype, requires_grad=True)
    t = symgrad.tensor([1, 0], dtype=dtype)
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="^only Tensors of floating point and complex dtype"):
        t.requires_grad = True


def test_promotion_rules():
    i = symgrad.tensor([1, 2])
    assert (i * 2.5).dtype is symgrad.float32
    f = symgrad.tensor([1.0, 2.0])
    assert (f + symgrad.tensor(1.0, dtype=symgrad.float64)).dtype is symgrad.float32
    assert (i / i).dtype is symgrad.float32
    assert (i + symgrad.tensor(1.0, dtype=symgrad.float64)).dtype is symgrad.float64


def test_second_backward_through_freed_graph_raises():
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        y.backward()
    z = (x + 1).sum()  # add saves nothing: a second pass is allowed, as in PyTorch
    z.backward()
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 6.0])


def test_detach_shares_the_version_counter():
    # A write through a detached alias changes the saved result: backward must refuse, not
    # return the gradient of a value that no longer exists.
    x = symgrad.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    d.mul_(2)
    assert y._version == d._version == 1
    assert y.grad_fn.name() == "ExpBackward0" and not d.requires_grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_detach_in_place_on_a_view_raises():
    y = symgrad.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="^Can't detach views in-place. Use detach"):
        y[0].detach_()
    z = y * 1
    assert z.detach_() is z and z.grad_fn is None and not z.requires_grad


def test_a_device_other_than_the_cpu_is_refused():
    assert symgrad.tensor([1.0], device="cpu").device == symgrad.device("cpu")
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        symgrad.tensor([1.0], device="cuda")


def test_size_of_a_dim_and_its_errors():
    x = symgrad.zeros(2, 3)
    assert (x.size(0), x.size(-1), x.size(-2)) == (2, 3, 2)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)$"):
        x.size(2)
    with pytest.raises(IndexError, match="^Dimension specified as 0 but tensor has no dimensions$"):
        symgrad.tensor(3.0).size(0)
