"""Transposed convolutions and 3-d convolutions against torch 2.13: ``conv_transpose1d``/``2d``/
``3d`` and ``conv3d`` values, grad_fn names, first, second and third order gradients, float16
bit for bit, integer dtypes, PyTorch's errors and messages, the ``ConvTranspose1d``/``2d``/``3d``
and ``Conv3d`` modules (initialisation under a seed, attributes, repr, ``output_size=``), and a
training step of a small DCGAN generator."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from call_outcomes import native_kernels, shape_outcome

import symgrad

torch = pytest.importorskip("torch")


def _both(arrays: list[np.ndarray | None]) -> tuple[list, list]:
    mine = [None if a is None else symgrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    return mine, theirs


def _close(mine: Any, theirs: Any, rtol: float) -> None:
    if mine is None or theirs is None:
        assert mine is None and theirs is None
        return
    expected = theirs.detach().numpy()
    assert tuple(mine.shape) == expected.shape
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(mine._data, expected, rtol=rtol, atol=rtol * scale)


# (function, input shape, weight shape, bias, keyword arguments)
CASES = [
    ("conv_transpose2d", (2, 3, 4, 5), (3, 4, 3, 3), True,
     {"stride": 2, "padding": 1, "output_padding": 1}),
    ("conv_transpose2d", (2, 4, 4, 5), (4, 3, 3, 2), True,
     {"stride": (2, 3), "padding": (1, 0), "output_padding": (0, 2), "groups": 2,
      "dilation": (1, 2)}),
    # output_padding beyond the stride, below the dilation: the last places read no input
    ("conv_transpose2d", (1, 2, 3, 3), (2, 1, 2, 2), False,
     {"dilation": 3, "output_padding": 2}),
    ("conv_transpose2d", (1, 4, 3, 3), (4, 2, 4, 4), True, {"stride": 2, "padding": 1}),  # DCGAN
    ("conv_transpose2d", (3, 4, 4), (3, 2, 2, 2), True, {"stride": 2}),  # unbatched
    ("conv_transpose2d", (1, 6, 3, 3), (6, 1, 3, 3), True, {"groups": 6, "padding": 2}),
    ("conv_transpose1d", (2, 3, 7), (3, 2, 4), True,
     {"stride": 3, "padding": 2, "output_padding": 1}),
    ("conv_transpose1d", (3, 7), (3, 2, 4), True, {}),  # unbatched
    ("conv_transpose1d", (2, 4, 5), (4, 1, 3), False, {"groups": 2, "dilation": 2,
                                                       "padding": [3]}),
    ("conv_transpose3d", (1, 2, 3, 2, 3), (2, 2, 2, 2, 2), True,
     {"stride": 2, "padding": 1, "output_padding": (1, 0, 1)}),
    ("conv_transpose3d", (1, 4, 2, 2, 2), (4, 1, 2, 3, 2), True, {"groups": 2, "dilation": 2}),
    ("conv3d", (2, 2, 4, 5, 4), (3, 2, 3, 2, 2), True, {"stride": (1, 2, 1), "padding": 1}),
    ("conv3d", (1, 4, 5, 4, 4), (4, 2, 2, 3, 2), False, {"groups": 2, "dilation": (2, 1, 1),
                                                         "padding": "same"}),
    ("conv3d", (2, 4, 4, 4), (2, 2, 3, 3, 3), True, {"padding": "valid"}),  # unbatched
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _run(lib: Any, name: str, x: Any, w: Any, b: Any, kwargs: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on 'same' with an even kernel
        return getattr(lib.nn.functional, name)(x, w, b, **kwargs)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "x_shape", "w_shape", "bias", "kwargs"), CASES, ids=IDS)
def test_values_and_gradients_to_second_order(name, x_shape, w_shape, bias, kwargs, dtype):
    rng = np.random.default_rng(len(x_shape) * 10 + sum(x_shape))
    out_channels = (w_shape[1] * kwargs.get("groups", 1) if "transpose" in name
                    else w_shape[0])
    arrays = [rng.standard_normal(x_shape).astype(dtype),
              rng.standard_normal(w_shape).astype(dtype),
              rng.standard_normal(out_channels).astype(dtype) if bias else None]
    mine, theirs = _both(arrays)
    out, t_out = _run(symgrad, name, *mine, kwargs), _run(torch, name, *theirs, kwargs)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    _close(out, t_out, rtol)
    assert type(out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    gy = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
    leaves = [t for t in mine if t is not None]
    t_leaves = [t for t in theirs if t is not None]
    grads = symgrad.autograd.grad(out, leaves, symgrad.tensor(gy), create_graph=True)
    t_grads = torch.autograd.grad(t_out, t_leaves, torch.tensor(gy), create_graph=True)
    for g, t_g in zip(grads, t_grads, strict=True):
        _close(g, t_g, rtol)
    directions = [rng.standard_normal(tuple(g.shape)).astype(dtype) for g in t_grads]
    total = sum((g * symgrad.tensor(v)).sum() for g, v in zip(grads, directions, strict=True))
    t_total = sum((g * torch.tensor(v)).sum() for g, v in zip(t_grads, directions, strict=True))
    second = symgrad.autograd.grad(total, leaves, allow_unused=True)
    t_second = torch.autograd.grad(t_total, t_leaves, allow_unused=True)
    for g, t_g in zip(second, t_second, strict=True):
        _close(g, t_g, rtol)


def test_third_order():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 3, 2))]
    (x, w), (tx, tw) = _both(arrays)
    values = []
    for lib, a, b in ((symgrad, x, w), (torch, tx, tw)):
        y = lib.nn.functional.conv_transpose2d(a, b, stride=2, padding=1, dilation=2,
                                               groups=2)
        (gx,) = lib.autograd.grad((y * y).sum(), [a], create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), [b], create_graph=True)
        (gxx,) = lib.autograd.grad((gw * gw * gw).sum(), [a])
        values.append(gxx)
    _close(*values, 1e-12)


def test_transposed_is_the_adjoint_of_the_convolution():
    # <conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for every x, y: the mathematics.
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((2, 4, 7, 6)), rng.standard_normal((6, 2, 3, 2))
    kwargs = {"stride": (2, 3), "padding": (1, 0), "dilation": (1, 2), "groups": 2}
    y = rng.standard_normal(tuple(symgrad.conv2d(symgrad.tensor(x), symgrad.tensor(w),
                                                 **kwargs).shape))
    left = float((symgrad.conv2d(symgrad.tensor(x), symgrad.tensor(w), **kwargs)
                  * symgrad.tensor(y)).sum())
    back = symgrad.conv_transpose2d(symgrad.tensor(y), symgrad.tensor(w),
                                    **kwargs)
    assert tuple(back.shape) == x.shape
    assert left == pytest.approx(float((back * symgrad.tensor(x)).sum()), rel=1e-12)


def test_unbatched_and_biasless_graphs_are_pytorchs():
    def names(lib: Any, x_shape: tuple[int, ...], bias: bool) -> Any:
        x = lib.ones(x_shape, requires_grad=True)
        w = lib.ones(2, 3, 2, requires_grad=True)
        b = lib.ones(3, requires_grad=True) if bias else None
        y = lib.nn.functional.conv_transpose1d(x, w, b, stride=2)
        chain = [type(y.grad_fn).__name__]
        node = y.grad_fn
        while node.next_functions and type(node).__name__ != "ConvolutionBackward0":
            node = node.next_functions[0][0]
            chain.append(type(node).__name__)
        chain.append([None if f is None else type(f).__name__ for f, _ in node.next_functions])
        return chain

    for shape, bias in (((2, 5), True), ((1, 2, 5), False), ((1, 2, 5), True)):
        assert names(symgrad, shape, bias) == names(torch, shape, bias)


@pytest.mark.parametrize(("name", "x_shape", "w_shape", "kwargs"), [
    ("conv_transpose2d", (2, 3, 5, 5), (3, 4, 3, 3), {"stride": 2, "padding": 1,
                                                      "output_padding": 1}),
    ("conv_transpose2d", (2, 64, 4, 4), (64, 4, 2, 2), {"stride": 2}),
    ("conv_transpose2d", (1, 4, 4, 4), (4, 2, 3, 3), {"groups": 2, "dilation": 2}),
    ("conv_transpose1d", (2, 8, 9), (8, 3, 5), {"stride": 3, "padding": 2}),
    ("conv_transpose3d", (1, 3, 3, 3, 3), (3, 2, 3, 3, 3), {"stride": 2, "padding": 1}),
])
def test_float16_is_pytorchs_bit_for_bit(name, x_shape, w_shape, kwargs):
    # PyTorch's CPU kernel: columns summed in float32 and rounded, then added in float16 kernel
    # element by kernel element, then the bias (float64 summed and rounded once differs).
    rng = np.random.default_rng(9)
    out_channels = w_shape[1] * kwargs.get("groups", 1)
    theirs = [torch.tensor(rng.standard_normal(s)).half()
              for s in (x_shape, w_shape, (out_channels,))]
    mine = [symgrad.tensor(t.float().numpy()).half() for t in theirs]
    out = getattr(symgrad.nn.functional, name)(*mine, **kwargs)
    with native_kernels(torch):
        expected = getattr(torch.nn.functional, name)(*theirs, **kwargs)
    assert out.dtype is symgrad.float16
    np.testing.assert_array_equal(out._data, expected.numpy())


def test_bfloat16_rounds_once():
    rng = np.random.default_rng(10)
    theirs = [torch.tensor(rng.standard_normal(s)).bfloat16()
              for s in ((2, 3, 5, 5), (3, 4, 3, 3), (4,))]
    mine = [symgrad.tensor(t.float().numpy()).bfloat16() for t in theirs]
    out = symgrad.conv_transpose2d(*mine, stride=2, padding=1)
    expected = torch.conv_transpose2d(*theirs, stride=2, padding=1)
    assert out.dtype is symgrad.bfloat16
    np.testing.assert_array_equal(out.float()._data, expected.float().numpy())


def test_int64_computes_as_pytorch():
    rng = np.random.default_rng(5)
    arrays = [rng.integers(-50, 50, s) for s in ((2, 4, 3, 4), (4, 2, 3, 3), (4,))]
    mine = [symgrad.tensor(a) for a in arrays]
    theirs = [torch.tensor(a) for a in arrays]
    kwargs = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}
    out = symgrad.conv_transpose2d(*mine, **kwargs)
    assert out.dtype is symgrad.int64
    np.testing.assert_array_equal(out._data, torch.conv_transpose2d(*theirs, **kwargs).numpy())


def test_functional_is_the_top_level_function():
    for name in ("conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        assert getattr(symgrad.nn.functional, name) is getattr(symgrad, name)


# -- errors ---------------------------------------------------------------------------------------
def _t(lib: Any, *shape: int, dtype: str = "float32") -> Any:
    return lib.ones(shape, dtype=getattr(lib, dtype))


def _ct(n: int, x: tuple[int, ...], w: tuple[int, ...], b: tuple[int, ...] | None = None,
        x_dtype: str = "float32", w_dtype: str | None = None, b_dtype: str | None = None,
        **kwargs: Any) -> Any:
    def call(lib: Any) -> Any:
        bias = None if b is None else _t(lib, *b, dtype=b_dtype or x_dtype)
        return getattr(lib.nn.functional, f"conv_transpose{n}d")(
            _t(lib, *x, dtype=x_dtype), _t(lib, *w, dtype=w_dtype or x_dtype), bias, **kwargs)
    return call


def _c3(x: tuple[int, ...], w: tuple[int, ...], b: tuple[int, ...] | None = None,
        dtype: str = "float32", b_dtype: str | None = None, **kwargs: Any) -> Any:
    def call(lib: Any) -> Any:
        bias = None if b is None else _t(lib, *b, dtype=b_dtype or dtype)
        return lib.conv3d(_t(lib, *x, dtype=dtype), _t(lib, *w, dtype=dtype), bias, **kwargs)
    return call


ERRORS = {
    "input 2-d": _ct(2, (5, 5), (2, 1, 3, 3)),
    "input 5-d": _ct(2, (1, 2, 1, 5, 5), (2, 1, 3, 3)),
    "1d, input 4-d": _ct(1, (1, 1, 5, 5), (1, 2, 3)),
    "3d, input 3-d": _ct(3, (4, 4, 4), (1, 1, 3, 3, 3)),
    "3d unbatched": _ct(3, (1, 4, 4, 4), (1, 1, 3, 3, 3)),
    "weight 3-d": _ct(2, (1, 1, 5, 5), (1, 2, 3)),
    "weight 5-d": _ct(2, (1, 1, 5, 5), (1, 2, 3, 3, 3)),
    "weight 2-d": _ct(1, (1, 1, 5), (1, 2)),
    "channels": _ct(2, (1, 3, 5, 5), (2, 2, 3, 3)),
    "channels and groups": _ct(2, (1, 3, 5, 5), (3, 2, 3, 3), groups=2),
    "groups 0": _ct(2, (1, 4, 5, 5), (4, 2, 3, 3), groups=0),
    "bias size": _ct(2, (1, 2, 5, 5), (2, 3, 3, 3), (2,)),
    "bias size, groups": _ct(2, (1, 2, 5, 5), (2, 3, 3, 3), (3,), groups=2),
    "bias 2-d": _ct(2, (1, 2, 5, 5), (2, 3, 3, 3), (3, 1)),
    "stride 0": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), stride=0),
    "padding -1": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), padding=-1, stride=0),
    "output_padding -1": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), output_padding=-1, stride=0),
    "output_padding as the stride": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), output_padding=1),
    "output_padding (1, 2)": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), stride=2,
                                 output_padding=(1, 2)),
    "output_padding, 1d": _ct(1, (1, 1, 4), (1, 1, 3), output_padding=1),
    "output_padding, 3d": _ct(3, (1, 1, 4, 4, 4), (1, 1, 3, 3, 3), output_padding=1),
    "output_padding below the dilation": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), dilation=3,
                                             output_padding=2),
    "dilation 0": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), dilation=0),
    "dilation 0, 1d": _ct(1, (1, 1, 4), (1, 1, 3), dilation=0),
    "dilation 0, 3d": _ct(3, (1, 1, 4, 4, 4), (1, 1, 3, 3, 3), dilation=0),
    "dilation -1": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), dilation=-1),
    "stride of 3": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), stride=(1, 1, 1)),
    "output_padding of 3": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), output_padding=(0, 0, 0)),
    "one padding for two dims": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), padding=(1,)),
    "too small": _ct(2, (1, 1, 1, 1), (1, 1, 2, 2), padding=1),
    "too small, 1d": _ct(1, (1, 1, 1), (1, 1, 2), padding=1),
    "too small, 3d": _ct(3, (1, 1, 1, 1, 1), (1, 1, 2, 2, 2), padding=1),
    "padding beyond": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), padding=3),
    "no spatial element": _ct(2, (1, 1, 0, 4), (1, 1, 2, 2)),
    "empty batch": _ct(2, (0, 1, 3, 4), (1, 1, 2, 2)),
    "no input channel": _ct(2, (1, 0, 3, 4), (0, 1, 2, 2)),
    "no output channel": _ct(2, (1, 1, 3, 4), (1, 0, 2, 2)),
    "no output channel, 1d": _ct(1, (1, 1, 3), (1, 0, 2)),
    "no output channel, 3d": _ct(3, (1, 1, 3, 3, 3), (1, 0, 2, 2, 2)),
    "kernel of 0": _ct(2, (1, 1, 4, 4), (1, 1, 0, 3)),
    "kernel of 0, 1d": _ct(1, (1, 1, 3), (1, 1, 0)),
    "kernel of 0, 3d": _ct(3, (1, 1, 3, 3, 3), (1, 1, 2, 0, 2)),
    "weight dtype": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), w_dtype="float64"),
    "weight int64": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), w_dtype="int64"),
    "input int64": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), x_dtype="int64", w_dtype="float32"),
    "half input": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), x_dtype="float16", w_dtype="float32"),
    "too small before the dtype": _ct(2, (1, 1, 1, 1), (1, 1, 2, 2), w_dtype="float64",
                                      padding=1),
    "int32": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), x_dtype="int32"),
    "int32, float weight": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), x_dtype="int32",
                               w_dtype="float32"),
    "int32, 1d": _ct(1, (1, 1, 4), (1, 1, 3), x_dtype="int32"),
    "int16, 3d": _ct(3, (1, 1, 3, 3, 3), (1, 1, 2, 2, 2), x_dtype="int16"),
    "uint8, output_padding": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), x_dtype="uint8",
                                 output_padding=1),
    "bool": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), x_dtype="bool"),
    "bool, too small": _ct(2, (1, 1, 1, 1), (1, 1, 2, 2), x_dtype="bool", padding=1),
    "bool, 3d": _ct(3, (1, 1, 3, 3, 3), (1, 1, 2, 2, 2), x_dtype="bool"),
    "bias float64": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), (1,), b_dtype="float64"),
    "bias int64": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), (1,), b_dtype="int64"),
    "bias float32 on int64": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), (1,), x_dtype="int64",
                                 b_dtype="float32"),
    "bias float32 on float16": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), (1,), x_dtype="float16",
                                   b_dtype="float32"),
    "bias float64, 3d": _ct(3, (1, 1, 3, 3, 3), (1, 1, 2, 2, 2), (1,), b_dtype="float64"),
    "bias dtype after groups": _ct(2, (1, 1, 4, 4), (1, 1, 3, 3), (1,), b_dtype="float64",
                                   groups=0),
    "3d, groups and dilation": _ct(3, (1, 2, 3, 3, 3), (2, 1, 2, 2, 2), groups=2,
                                   output_padding=2, dilation=3),
    "conv3d, dilation 0": _c3((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), dilation=0),
    "conv3d, bias float64": _c3((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), (1,), b_dtype="float64"),
    "conv3d, input 3-d": _c3((4, 4, 4), (1, 1, 2, 2, 2)),
    "conv3d, unbatched": _c3((1, 4, 4, 4), (1, 1, 2, 2, 2)),
    "conv3d, same": _c3((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), padding="same"),
    "conv3d, kernel larger": _c3((1, 1, 4, 4, 1), (1, 1, 2, 2, 2)),
    "conv3d, int32": _c3((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), dtype="int32"),
    "conv3d, int32 dilated": _c3((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), dtype="int32", dilation=2),
    "conv3d, bool": _c3((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), dtype="bool"),
    "conv3d, stride of 2": _c3((1, 1, 4, 4, 4), (1, 1, 2, 2, 2), stride=(1, 1)),
}


@pytest.mark.parametrize("call", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_and_shapes_are_pytorchs(call):
    with native_kernels(torch):
        assert shape_outcome(call, symgrad) == shape_outcome(call, torch)


def test_a_padding_string_is_refused_as_pytorch():
    messages = []
    for lib in (symgrad, torch):
        with pytest.raises(TypeError) as info:
            lib.nn.functional.conv_transpose2d(lib.ones(1, 1, 3, 3), lib.ones(1, 1, 2, 2),
                                               padding="same")
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# -- modules --------------------------------------------------------------------------------------
MODULES = [
    ("ConvTranspose2d", (100, 64, 4), {"stride": 1, "padding": 0, "bias": False}),
    ("ConvTranspose2d", (4, 6, (3, 2)), {"stride": 2, "padding": 1, "output_padding": 1,
                                         "groups": 2}),
    ("ConvTranspose2d", (2, 3, 3), {"dilation": 2, "output_padding": (1, 0)}),
    ("ConvTranspose1d", (3, 2, 4), {"stride": 3, "padding": 1}),
    ("ConvTranspose1d", (4, 4, 3), {"groups": 4, "dtype": "float64"}),
    ("ConvTranspose3d", (2, 3, 2), {"stride": 2}),
    ("ConvTranspose3d", (2, 2, (2, 3, 1)), {"padding": (1, 0, 0), "bias": False}),
    ("Conv3d", (2, 4, 3), {"padding": 1}),
    ("Conv3d", (4, 2, (3, 1, 2)), {"stride": (2, 1, 1), "groups": 2, "padding": "same"}),
]


def _module(lib: Any, cls: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    if "dtype" in kwargs:
        kwargs["dtype"] = getattr(lib, kwargs["dtype"])
    lib.manual_seed(0)
    return getattr(lib.nn, cls)(*args, **kwargs)


@pytest.mark.parametrize(("cls", "args", "kwargs"), MODULES)
def test_module_under_a_seed_is_pytorchs(cls, args, kwargs):
    if cls == "Conv3d" and kwargs.get("padding") == "same":
        kwargs = {**kwargs, "stride": 1}
    mine, theirs = _module(symgrad, cls, args, kwargs), _module(torch, cls, args, kwargs)
    assert repr(mine) == repr(theirs)
    for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                 "transposed", "output_padding", "groups", "padding_mode",
                 "_reversed_padding_repeated_twice"):
        assert getattr(mine, name) == getattr(theirs, name), name
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for p, q in zip(mine.parameters(), theirs.parameters(), strict=True):
        assert str(p.dtype).split(".")[-1] == str(q.dtype).split(".")[-1]
        np.testing.assert_array_equal(p._data, q.detach().numpy())
    symgrad.manual_seed(7)
    torch.manual_seed(7)
    mine.reset_parameters()
    theirs.reset_parameters()
    np.testing.assert_array_equal(mine.weight._data, theirs.weight.detach().numpy())
    dims = 3 if "3d" in cls else 2 if "2d" in cls else 1
    x = np.random.default_rng(0).standard_normal((2, args[0]) + (4,) * dims)
    x = x.astype(str(mine.weight.dtype)[8:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _close(mine(symgrad.tensor(x)), theirs(torch.tensor(x)), 2e-6)


@pytest.mark.parametrize(("shape", "output_size"), [
    ((1, 2, 4, 4), [9, 10]),
    ((1, 2, 4, 4), (1, 3, 10, 9)),
    ((2, 4, 4), [2, 3, 9, 9]),  # unbatched: the channel and the sizes
    ((2, 4, 4), [3, 9, 9]),
    ((1, 2, 4, 4), [8, 10]),  # below the range
    ((1, 2, 4, 4), [9, 11]),  # above
    ((1, 2, 4, 4), [9]),
    ((1, 2, 4, 4), None),
])
def test_module_output_size_is_pytorchs(shape, output_size):
    def call(lib: Any) -> Any:
        lib.manual_seed(0)
        layer = lib.nn.ConvTranspose2d(2, 3, 3, stride=2, dtype=lib.float64)
        x = lib.tensor(np.linspace(-1, 1, int(np.prod(shape))).reshape(shape))
        return layer(x, output_size=output_size)

    with native_kernels(torch):
        assert shape_outcome(call, symgrad) == shape_outcome(call, torch)
    if shape_outcome(call, torch)[0] == "ok":
        _close(call(symgrad), call(torch), 1e-12)


@pytest.mark.parametrize("cls", ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"])
@pytest.mark.parametrize(("args", "kwargs"), [
    ((2, 2, 3), {"padding_mode": "reflect"}),
    ((2, 2, 3), {"groups": 0}),
    ((3, 2, 3), {"groups": 2}),
    ((2, 3, 3), {"groups": 2}),
])
def test_module_errors_are_pytorchs(cls, args, kwargs):
    def call(lib: Any) -> Any:
        return getattr(lib.nn, cls)(*args, **kwargs).weight

    with native_kernels(torch):
        assert shape_outcome(call, symgrad) == shape_outcome(call, torch)


# -- a program: a DCGAN generator's training step -------------------------------------------------
def _generator(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.ConvTranspose2d(8, 16, 4, 1, 0, bias=False), nn.BatchNorm2d(16), nn.ReLU(True),
        nn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
        nn.ConvTranspose2d(8, 3, 4, 2, 1, bias=False), nn.Tanh())


def test_dcgan_generator_trains_as_in_pytorch():
    results = []
    for lib in (symgrad, torch):
        lib.manual_seed(0)
        net = _generator(lib)
        optimizer = lib.optim.Adam(net.parameters(), lr=2e-4, betas=(0.5, 0.999))
        noise = lib.randn(4, 8, 1, 1)
        for _ in range(3):
            optimizer.zero_grad()
            image = net(noise)
            loss = ((image - 0.5) ** 2).mean()
            loss.backward()
            optimizer.step()
        results.append((tuple(image.shape), float(loss),
                        [p.detach().numpy() if lib is torch else p._data
                         for p in net.parameters()]))
    (shape, loss, params), (t_shape, t_loss, t_params) = results
    assert shape == t_shape == (4, 3, 16, 16)
    assert loss == pytest.approx(t_loss, rel=1e-5)
    for p, q in zip(params, t_params, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)
