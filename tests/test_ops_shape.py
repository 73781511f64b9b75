"""Shape, index and in-place ops of the registry: values, node names and gradients.

Every op here is affine in its inputs, so its Jacobian is read off exactly, column by column,
by moving one input element by one (integer-valued float64 inputs keep this exact): the
gradient the engine returns must equal ``sum(g * (f(x + e_i) - f(x)))`` for every ``i``.
When PyTorch is installed, each op's ``torch=`` expression is run too and must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import symgrad
from oracle.samples import samples_of
from oracle.torch_calls import TORCH
from symgrad.ops.registry import REGISTRY, apply

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None

MODULES = {"symgrad.ops.shape", "symgrad.ops.indexing", "symgrad.ops.inplace"}
OPS = sorted(name for name, op in REGISTRY.items() if op.forward.__module__ in MODULES)
CASES = [(name, i) for name in OPS for i in range(len(samples_of(name)))]


def _inputs(name: str, index: int) -> tuple[list[np.ndarray], dict]:
    op = REGISTRY[name]
    sample = samples_of(op.name)[index]
    rng = np.random.default_rng(index)
    arrays = [rng.integers(-4, 5, size=s).astype(np.float64) for s in sample.shapes]
    return arrays, dict(sample.attrs)


def _one_hot_vjp(name: str, arrays: list[np.ndarray], attrs: dict, g: np.ndarray,
                 k: int) -> np.ndarray:
    forward = REGISTRY[name].forward
    base = np.asarray(forward(*arrays, **attrs), dtype=np.float64)
    grad = np.zeros_like(arrays[k])
    for i in np.ndindex(arrays[k].shape):
        moved = [a.copy() for a in arrays]
        moved[k][i] += 1.0
        column = np.asarray(forward(*moved, **attrs), dtype=np.float64) - base
        grad[i] = np.sum(g * column)
    return grad


def test_the_catalog_has_the_ops_of_this_area() -> None:
    expected = {"reshape", "unsafe_view", "expand", "to_copy", "squeeze", "squeeze_dim",
                "squeeze_dims", "unsqueeze", "transpose", "permute", "t", "flip", "repeat",
                "clone", "alias", "cat", "stack", "split", "split_with_sizes", "unbind", "select",
                "slice", "index", "index_put", "copy_slices", "gather", "scatter_add",
                "index_select", "masked_fill", "zero", "fill", "fill_tensor", "copy"}
    assert expected <= set(OPS)
    for name in OPS:
        assert TORCH.get(name), name


@pytest.mark.parametrize(("name", "index"), CASES)
def test_gradient_equals_one_hot_columns(name: str, index: int) -> None:
    arrays, attrs = _inputs(name, index)
    inputs = [symgrad.tensor(a, requires_grad=True) for a in arrays]
    out = apply(REGISTRY[name], *inputs, **attrs)
    np.testing.assert_array_equal(out._data, REGISTRY[name].forward(*arrays, **attrs))
    g = np.random.default_rng(100 + index).integers(-3, 4, size=out.shape).astype(np.float64)
    grads = symgrad.autograd.grad(out, inputs, symgrad.tensor(g), allow_unused=True,
                                  materialize_grads=True)
    for k, grad in enumerate(grads):
        expected = _one_hot_vjp(name, arrays, attrs, g, k)
        np.testing.assert_array_equal(grad._data, expected, err_msg=f"{name} input {k}")


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize(("name", "index"), CASES)
def test_agrees_with_torch(name: str, index: int) -> None:
    op = REGISTRY[name]
    arrays, attrs = _inputs(name, index)
    inputs = [symgrad.tensor(a, requires_grad=True) for a in arrays]
    out = apply(op, *inputs, **attrs)
    t_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    scope = {"torch": torch, **attrs, **dict(zip(op.args, t_inputs, strict=True))}
    t_out = eval(TORCH[op.name], scope)  # noqa: S307 - the registry's own expression
    np.testing.assert_array_equal(out._data, t_out.detach().numpy())
    assert out.grad_fn.name() == t_out.grad_fn.name()
    # Quarters are exact in every float dtype, so casts of g do not round.
    g = (np.arange(out.numel()) / 4 - 1).reshape(out.shape)
    mine = symgrad.autograd.grad(out, inputs, symgrad.tensor(g), materialize_grads=True,
                                 allow_unused=True)
    theirs = torch.autograd.grad(t_out, t_inputs, torch.tensor(g), allow_unused=True,
                                 materialize_grads=True)
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(a._data, b.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["select", "slice", "index", "gather", "cat", "split",
                                  "permute", "repeat", "copy_slices", "index_put"])
def test_second_derivative_through_the_vjp(name: str) -> None:
    # Each VJP is built from symgrad ops, so d/dx <v, d<g, f(x)>/dx> is the zero a linear op's
    # second derivative is; and d/dg of the VJP is the VJP again (its transpose's transpose).
    arrays, attrs = _inputs(name, 0)
    inputs = [symgrad.tensor(a, requires_grad=True) for a in arrays]
    out = apply(REGISTRY[name], *inputs, **attrs)
    g = symgrad.tensor(np.ones(out.shape), requires_grad=True)
    first = symgrad.autograd.grad(out, inputs, g, create_graph=True, allow_unused=True,
                                  materialize_grads=True)
    total = sum((f * f).sum() for f in first)
    (gg,) = symgrad.autograd.grad(total, [g])
    # d/dg sum_k |J_k^T g|^2 = 2 sum_k J_k J_k^T g, computed here from one-hot columns.
    expected = np.zeros(out.shape)
    for k, f in enumerate(first):
        jt_g = f._data
        for i in np.ndindex(arrays[k].shape):
            moved = [a.copy() for a in arrays]
            moved[k][i] += 1.0
            column = REGISTRY[name].forward(*moved, **attrs) - REGISTRY[name].forward(
                *arrays, **attrs)
            expected += 2 * jt_g[i] * column
    np.testing.assert_array_equal(gg._data, expected)


def _named(fn):
    x = symgrad.arange(24.0).reshape(2, 3, 4).requires_grad_()
    y = symgrad.arange(6.0).reshape(2, 1, 3).requires_grad_()
    out = fn(x, y, symgrad)
    return [o.grad_fn.name() for o in out] if isinstance(out, tuple) else out.grad_fn.name()


# Node names as PyTorch 2.13 gives them for the same calls (read off torch by hand).
NAMES = [
    (lambda x, y, m: x.flatten(), "ViewBackward0"),
    (lambda x, y, m: x.flatten(1), "ViewBackward0"),
    (lambda x, y, m: x.view(6, 4), "ViewBackward0"),
    (lambda x, y, m: x.transpose(0, 1).reshape(-1), "UnsafeViewBackward0"),
    (lambda x, y, m: y.squeeze(), "SqueezeBackward0"),
    (lambda x, y, m: y.squeeze(1), "SqueezeBackward1"),
    (lambda x, y, m: y.squeeze((0, 1)), "SqueezeBackward2"),
    (lambda x, y, m: x.squeeze(0), "SqueezeBackward1"),
    (lambda x, y, m: x.unsqueeze(0), "UnsqueezeBackward0"),
    (lambda x, y, m: x.transpose(0, 1), "TransposeBackward0"),
    (lambda x, y, m: x.swapaxes(0, 1), "TransposeBackward0"),
    (lambda x, y, m: x[0].T, "PermuteBackward0"),
    (lambda x, y, m: x.mT, "TransposeBackward0"),
    (lambda x, y, m: x[0].t(), "TBackward0"),
    (lambda x, y, m: x.permute(2, 0, 1), "PermuteBackward0"),
    (lambda x, y, m: m.cat([x, x]), "CatBackward0"),
    (lambda x, y, m: m.stack([x, x]), "StackBackward0"),
    (lambda x, y, m: x.split(1, dim=1), ("SplitBackward0",) * 3),
    (lambda x, y, m: x.split([1, 2], dim=1), ("SplitWithSizesBackward0",) * 2),
    (lambda x, y, m: x.chunk(2, dim=2), ("SplitBackward0",) * 2),
    (lambda x, y, m: x.unbind(1), ("UnbindBackward0",) * 3),
    (lambda x, y, m: m.unbind(x, dim=-1), ("UnbindBackward0",) * 4),
    (lambda x, y, m: x.flip(0), "FlipBackward0"),
    (lambda x, y, m: x.repeat(2, 1, 1), "RepeatBackward0"),
    (lambda x, y, m: x.clone(), "CloneBackward0"),
    (lambda x, y, m: x.transpose(0, 1).contiguous(), "CloneBackward0"),
    (lambda x, y, m: x.double(), "ToCopyBackward0"),
    (lambda x, y, m: x.to(m.float16), "ToCopyBackward0"),
    (lambda x, y, m: y.expand(2, 4, 3), "ExpandBackward0"),
    (lambda x, y, m: m.broadcast_to(y, (2, 4, 3)), "ExpandBackward0"),
    (lambda x, y, m: x.select(1, -1), "SelectBackward0"),
    (lambda x, y, m: x.narrow(2, 1, 2), "SliceBackward0"),
]


@pytest.mark.parametrize(("fn", "expected"), NAMES)
def test_node_names(fn, expected) -> None:
    got = _named(fn)
    assert got == (list(expected) if isinstance(expected, tuple) else expected)
    if torch is not None:
        assert got == _named_torch(fn)


def _named_torch(fn):
    x = torch.arange(24.0).reshape(2, 3, 4).requires_grad_()
    y = torch.arange(6.0).reshape(2, 1, 3).requires_grad_()
    out = fn(x, y, torch)
    return [o.grad_fn.name() for o in out] if isinstance(out, tuple) else out.grad_fn.name()


def test_contiguous_tensor_is_returned_as_it_is() -> None:
    x = symgrad.zeros(2, 3, requires_grad=True)
    assert x.contiguous() is x


def test_integer_and_bool_casts_leave_the_graph() -> None:
    x = symgrad.tensor([1.5, -2.5], requires_grad=True)
    for cast in (x.int(), x.long(), x.bool(), x.to(symgrad.int8)):
        assert cast.grad_fn is None and not cast.requires_grad
    assert x.int().tolist() == [1, -2]
    assert x.bool().tolist() == [True, True]


def test_unbind_pieces_their_gradients_and_errors() -> None:
    x = symgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    pieces = x.unbind(1)
    assert [p.tolist() for p in pieces] == [[1, 4], [2, 5], [3, 6]]
    assert [p.grad_fn.attrs["index"] for p in pieces] == [0, 1, 2]
    (pieces[0] * 3 + pieces[2]).sum().backward()
    assert x.grad.tolist() == [[3, 0, 1], [3, 0, 1]]
    assert symgrad.tensor([7.0, 8.0]).unbind()[1].shape == ()
    assert symgrad.zeros(0, 2).unbind(0) == ()
    with pytest.raises(IndexError, match="^Dimension specified as 0 but tensor has no dimensions$"):
        symgrad.tensor(1.0).unbind()
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)$"):
        x.unbind(2)


def test_split_and_chunk_pieces_and_their_gradients() -> None:
    x = symgrad.tensor(np.arange(10.0), requires_grad=True)
    pieces = x.split(4)
    assert [p.tolist() for p in pieces] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [p.grad_fn.attrs["index"] for p in pieces] == [0, 1, 2]
    (pieces[1] * 2 + pieces[2].sum()).sum().backward()
    assert x.grad.tolist() == [0, 0, 0, 0, 2, 2, 2, 2, 4, 4]
    assert [c.shape[0] for c in symgrad.zeros(6).chunk(4)] == [2, 2, 2]


def test_repeat_sums_the_copies() -> None:
    x = symgrad.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.repeat(3, 1, 2)
    assert y.shape == (3, 1, 4)
    (y * symgrad.tensor(np.arange(12.0).reshape(3, 1, 4))).sum().backward()
    # Element (0, j) lands at columns j and j + 2 of each of the 3 copies.
    cols = np.arange(12.0).reshape(3, 4)
    assert x.grad.tolist() == [[cols[:, [0, 2]].sum(), cols[:, [1, 3]].sum()]]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: symgrad.zeros(2, 3).t().view(6), RuntimeError,
     "view size is not compatible with input tensor's size and stride (at least one dimension "
     "spans across two contiguous subspaces). Use .reshape(...) instead."),
    (lambda: symgrad.zeros(2, 3).reshape(4), RuntimeError,
     "shape '[4]' is invalid for input of size 6"),
    (lambda: symgrad.zeros(2, 3).transpose(0, 2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: symgrad.cat([symgrad.zeros(2, 3), symgrad.zeros(2, 2)]), RuntimeError,
     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for "
     "tensor number 1 in the list."),
    (lambda: symgrad.stack([symgrad.zeros(2), symgrad.zeros(3)]), RuntimeError,
     "stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1"),
    (lambda: symgrad.zeros(3).split([1, 1]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at "
     "dimension 0), but got split_sizes=[1, 1]"),
    (lambda: symgrad.zeros(2, 3, 4).t(), RuntimeError,
     "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda: symgrad.zeros(3, 4).select(1, 5), IndexError,
     "select(): index 5 out of range for tensor of size [3, 4] at dimension 1"),
    (lambda: symgrad.zeros(3, 4).narrow(0, 2, 2), RuntimeError,
     "start (2) + length (2) exceeds dimension size (3)."),
])
def test_errors_match_pytorch(call, error, message) -> None:
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message
