"""``unfold`` and ``fold`` (im2col and col2im) against torch 2.13: values (float32, float16,
bfloat16 and bool bit for bit), grad_fn names, first and second order gradients, PyTorch's
errors and messages, and the ``Unfold``/``Fold`` modules."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from call_outcomes import shape_outcome

import symgrad

torch = pytest.importorskip("torch")

# (input shape of unfold, arguments after the input: kernel_size, dilation, padding, stride)
CASES = [
    ((2, 3, 5, 6), (2,)),
    ((3, 5, 6), ((2, 3), 2, 1, 2)),  # unbatched
    ((1, 2, 7, 7), (3, 1, 2, 2)),
    ((2, 1, 4, 5), ((1, 2), (1, 2), (0, 1), (3, 1))),
    ((0, 2, 4, 4), (2,)),  # empty batch
]
IDS = [f"unfold-{i}" for i in range(len(CASES))]


def _both(x: np.ndarray) -> tuple[Any, Any]:
    return symgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _same(mine: Any, theirs: Any) -> None:
    expected = theirs.detach().numpy()
    assert tuple(mine.shape) == expected.shape
    np.testing.assert_array_equal(mine._data, expected)


@pytest.mark.parametrize(("shape", "args"), CASES, ids=IDS)
def test_unfold_and_fold_and_their_gradients_are_pytorchs(shape, args):
    # Both copy or add the same float32 elements in the same order: equal bit for bit.
    rng = np.random.default_rng(sum(shape))
    x, tx = _both(rng.standard_normal(shape).astype(np.float32))
    y, ty = symgrad.nn.functional.unfold(x, *args), torch.nn.functional.unfold(tx, *args)
    _same(y, ty)
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__ == "Im2ColBackward0"
    cols = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    c, tc = _both(cols)
    z = symgrad.nn.functional.fold(c, shape[-2:], *args)
    tz = torch.nn.functional.fold(tc, shape[-2:], *args)
    _same(z, tz)
    assert type(z.grad_fn).__name__ == type(tz.grad_fn).__name__ == "Col2ImBackward0"
    # first order: each is the other's VJP; second order through the incoming gradient
    for out, t_out, leaf, t_leaf in ((y, ty, x, tx), (z, tz, c, tc)):
        gy = rng.standard_normal(tuple(t_out.shape)).astype(np.float32)
        g_in, t_g_in = _both(gy)
        (g,) = symgrad.autograd.grad(out, [leaf], g_in, create_graph=True)
        (t_g,) = torch.autograd.grad(t_out, [t_leaf], t_g_in, create_graph=True)
        _same(g, t_g)
        v = rng.standard_normal(tuple(t_g.shape)).astype(np.float32)
        (second,) = symgrad.autograd.grad((g * symgrad.tensor(v)).sum(), [g_in])
        (t_second,) = torch.autograd.grad((t_g * torch.tensor(v)).sum(), [t_g_in])
        np.testing.assert_allclose(second._data, t_second.numpy(), rtol=1e-6, atol=1e-6)


def test_fold_of_unfold_counts_each_place_once_per_block():
    # the mathematics: fold(unfold(x)) is x times the number of blocks covering each place
    x = symgrad.arange(1.0, 13.0, dtype=symgrad.float64).reshape(1, 1, 3, 4)
    out = symgrad.nn.functional.fold(symgrad.nn.functional.unfold(x, 2), (3, 4), 2)
    counts = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [1, 2, 2, 1]])
    np.testing.assert_array_equal(out._data[0, 0], x._data[0, 0] * counts)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "bool", "float64"])
def test_fold_dtypes_are_pytorchs_bit_for_bit(dtype):
    rng = np.random.default_rng(7)
    cols = rng.standard_normal((2, 3 * 9, 30))
    theirs = torch.tensor(cols > 0 if dtype == "bool" else cols).to(getattr(torch, dtype))
    mine = symgrad.tensor(theirs.double().numpy()).to(getattr(symgrad, dtype))
    out = symgrad.nn.functional.fold(mine, (5, 6), 3, 1, 1, (1, 1))
    expected = torch.nn.functional.fold(theirs, (5, 6), 3, 1, 1, (1, 1))
    assert out.dtype is getattr(symgrad, dtype)
    np.testing.assert_array_equal(out.double()._data, expected.double().numpy())
    back = symgrad.nn.functional.unfold(out, 3, 1, 1)
    np.testing.assert_array_equal(back.double()._data,
                                  torch.nn.functional.unfold(expected, 3, 1, 1).double().numpy())


# -- errors ---------------------------------------------------------------------------------------
def _call(name: str, shape: tuple[int, ...], *args: Any, dtype: str = "float32") -> Any:
    def call(lib: Any) -> Any:
        return getattr(lib.nn.functional, name)(lib.ones(shape, dtype=getattr(lib, dtype)),
                                                *args)
    return call


ERRORS = {
    "unfold, 2-d": _call("unfold", (5, 6), 2),
    "unfold, 1-d": _call("unfold", (5,), 2),
    "unfold, 0-d": _call("unfold", (), 2),
    "unfold, 5-d": _call("unfold", (1, 1, 1, 5, 6), 2),
    "unfold, kernel of 3": _call("unfold", (1, 1, 5, 6), (2, 2, 2)),
    "unfold, dilation of 3": _call("unfold", (1, 1, 4, 4), (2, 2), (1, 1, 1)),
    "unfold, kernel 0": _call("unfold", (1, 1, 5, 6), 0),
    "unfold, stride 0": _call("unfold", (1, 1, 5, 6), 2, 1, 0, 0),
    "unfold, dilation 0": _call("unfold", (1, 1, 5, 6), 2, 0),
    "unfold, padding -1": _call("unfold", (1, 1, 5, 6), 2, 1, -1),
    "unfold, padding 3": _call("unfold", (1, 1, 4, 4), 2, 1, 3),
    "unfold, too large": _call("unfold", (1, 1, 2, 6), 3),
    "unfold, no channel": _call("unfold", (1, 0, 5, 6), 2),
    "unfold, no height": _call("unfold", (1, 1, 0, 6), 2),
    "unfold, int64": _call("unfold", (1, 1, 5, 6), 2, dtype="int64"),
    "unfold, int32": _call("unfold", (1, 1, 5, 6), 2, dtype="int32"),
    "unfold, uint8": _call("unfold", (1, 1, 5, 6), 2, dtype="uint8"),
    "unfold, bool": _call("unfold", (1, 1, 5, 6), 2, dtype="bool"),
    "fold, unbatched": _call("fold", (12, 20), (5, 6), 2),
    "fold, 4-d": _call("fold", (1, 2, 12, 20), (5, 6), 2),
    "fold, 1-d": _call("fold", (12,), (5, 6), 2),
    "fold, blocks": _call("fold", (2, 12, 19), (5, 6), 2),
    "fold, channels": _call("fold", (2, 13, 20), (5, 6), 2),
    "fold, output_size of 3": _call("fold", (2, 12, 20), (5, 6, 7), 2),
    "fold, output_size an int": _call("fold", (2, 4, 25), 6, 2),
    "fold, output_size 0": _call("fold", (2, 4, 1), (0, 1), 2),
    "fold, kernel 0": _call("fold", (2, 12, 20), (5, 6), 0),
    "fold, stride 0": _call("fold", (2, 12, 20), (5, 6), 2, 1, 0, 0),
    "fold, dilation 0": _call("fold", (2, 12, 20), (5, 6), 2, 0),
    "fold, padding -1": _call("fold", (2, 12, 20), (5, 6), 2, 1, -1),
    "fold, stride of 3": _call("fold", (1, 4, 9), (4, 4), 2, 1, 0, (1, 1, 1)),
    "fold, too small": _call("fold", (2, 4, 1), (1, 1), 2),
    "fold, padded": _call("fold", (1, 4, 9), (4, 4), 2, 1, 3),
    "fold, empty batch": _call("fold", (0, 12, 20), (5, 6), 2),
    "fold, no row": _call("fold", (2, 0, 20), (5, 6), 2),
    "fold, no column": _call("fold", (2, 4, 0), (1, 1), 2),
    "fold, int64": _call("fold", (2, 12, 20), (5, 6), 2, dtype="int64"),
    "fold, int32": _call("fold", (2, 12, 20), (5, 6), 2, dtype="int32"),
}


@pytest.mark.parametrize("call", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_and_shapes_are_pytorchs(call):
    assert shape_outcome(call, symgrad) == shape_outcome(call, torch)


# -- modules --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "args", "kwargs", "shape"), [
    ("Unfold", (2,), {"padding": 1}, (2, 3, 4, 4)),
    ("Unfold", ((2, 3),), {"dilation": (1, 2), "stride": 2}, (3, 5, 7)),
    ("Fold", ((4, 5), 2), {}, (2, 12, 12)),
    ("Fold", (5, (2, 3)), {"stride": (1, 2), "padding": 1}, (6, 18)),
])
def test_modules_are_pytorchs(cls, args, kwargs, shape):
    mine, theirs = getattr(symgrad.nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args,
                                                                                      **kwargs)
    assert repr(mine) == repr(theirs)
    x = np.random.default_rng(8).standard_normal(shape)
    _same(mine(symgrad.tensor(x)), theirs(torch.tensor(x)))
