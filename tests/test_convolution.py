"""Convolutions against torch 2.13: ``conv1d``/``conv2d`` values, grad_fn names, first, second
and third order gradients, narrow and integer dtypes, PyTorch's errors and messages, the
``Conv1d``/``Conv2d`` modules (initialisation under a seed, attributes, repr), and a training
step of the tutorial's LeNet without its pooling."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest
from call_outcomes import native_kernels, shape_outcome

import symgrad
from symgrad.ops import convolution as convolution_ops

torch = pytest.importorskip("torch")


def _both(arrays: list[np.ndarray | None], requires_grad: bool = True) -> tuple[list, list]:
    """The same arrays as symgrad and torch tensors (None stays None)."""
    mine = [None if a is None else symgrad.tensor(a, requires_grad=requires_grad)
            for a in arrays]
    theirs = [None if a is None else torch.tensor(a, requires_grad=requires_grad)
              for a in arrays]
    return mine, theirs


def _close(mine: Any, theirs: Any, rtol: float) -> None:
    if mine is None or theirs is None:
        assert mine is None and theirs is None
        return
    expected = theirs.detach().numpy()
    assert tuple(mine.shape) == expected.shape
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(mine._data, expected, rtol=rtol, atol=rtol * scale)


# (dims, input shape, weight shape, bias, keyword arguments)
CASES = [
    (2, (1, 1, 6, 6), (2, 1, 3, 3), True, {}),
    (2, (2, 4, 7, 6), (6, 2, 3, 2), True, {"stride": 2, "padding": 1, "groups": 2}),
    (2, (2, 3, 9, 8), (4, 3, 3, 3), False, {"stride": (3, 2), "padding": (2, 0),
                                            "dilation": (1, 2)}),
    (2, (1, 2, 5, 5), (2, 2, 2, 2), True, {"padding": "same"}),
    (2, (1, 2, 5, 6), (4, 1, 3, 2), True, {"padding": "same", "dilation": 2, "groups": 2}),
    (2, (1, 2, 5, 5), (3, 2, 3, 3), True, {"padding": "valid", "dilation": (2, 1)}),
    (2, (3, 6, 6), (4, 3, 2, 2), True, {"stride": 2}),  # unbatched
    (2, (1, 6, 5, 5), (6, 1, 3, 3), True, {"groups": 6, "padding": 1}),  # depthwise
    (1, (2, 3, 10), (4, 3, 3), True, {}),
    (1, (2, 4, 11), (4, 2, 3), False, {"stride": 3, "padding": 2, "dilation": 2,
                                       "groups": 2}),
    (1, (3, 7), (2, 3, 4), True, {"padding": "same"}),  # unbatched, even kernel
    (1, (1, 2, 8), (2, 2, 1), True, {"stride": (2,), "padding": (1,)}),
]
IDS = [f"conv{c[0]}d-{i}" for i, c in enumerate(CASES)]


def _run(lib: Any, dims: int, x: Any, w: Any, b: Any, kwargs: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on 'same' with an even kernel
        return getattr(lib.nn.functional, f"conv{dims}d")(x, w, b, **kwargs)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("dims", "x_shape", "w_shape", "bias", "kwargs"), CASES, ids=IDS)
def test_values_and_gradients_to_second_order(dims, x_shape, w_shape, bias, kwargs, dtype):
    rng = np.random.default_rng(len(x_shape) * 10 + sum(x_shape))
    arrays = [rng.standard_normal(x_shape).astype(dtype),
              rng.standard_normal(w_shape).astype(dtype),
              rng.standard_normal(w_shape[0]).astype(dtype) if bias else None]
    mine, theirs = _both(arrays)
    out, t_out = _run(symgrad, dims, *mine, kwargs), _run(torch, dims, *theirs, kwargs)
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
    arrays = [rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 1, 2, 2))]
    (x, w), (tx, tw) = _both(arrays)
    values = []
    for lib, a, b in ((symgrad, x, w), (torch, tx, tw)):
        y = lib.nn.functional.conv2d(a, b, stride=2, padding=1, groups=2)
        (gx,) = lib.autograd.grad((y * y).sum(), [a], create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), [b], create_graph=True)
        (gxx,) = lib.autograd.grad((gw * gw * gw).sum(), [a])
        values.append(gxx)
    _close(*values, 1e-12)


def test_stride_that_does_not_divide_drops_the_last_rows():
    # 7 rows, a kernel of 2, stride 3: windows at rows 0-1 and 3-4; rows 2, 5 and 6 are read
    # by none, so their gradient is zero (the mathematics, and torch's too).
    x = symgrad.ones(1, 1, 7, 1, requires_grad=True)
    symgrad.nn.functional.conv2d(x, symgrad.ones(1, 1, 2, 1), stride=3).sum().backward()
    assert x.grad.flatten().tolist() == [1, 1, 0, 1, 1, 0, 0]


def test_unbatched_and_biasless_graphs_are_pytorchs():
    def names(lib: Any, x_shape: tuple[int, ...], bias: bool) -> Any:
        x = lib.ones(x_shape, requires_grad=True)
        w = lib.ones(2, 2, 3, requires_grad=True)
        b = lib.ones(2, requires_grad=True) if bias else None
        y = lib.nn.functional.conv1d(x, w, b)
        chain = [type(y.grad_fn).__name__]
        node = y.grad_fn
        while node.next_functions and type(node).__name__ != "ConvolutionBackward0":
            node = node.next_functions[0][0]
            chain.append(type(node).__name__)
        chain.append([None if f is None else type(f).__name__ for f, _ in node.next_functions])
        return chain

    for shape, bias in (((2, 5), True), ((1, 2, 5), False)):
        assert names(symgrad, shape, bias) == names(torch, shape, bias)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_narrow_dtypes_round_once(dtype):
    # symgrad sums in float64 and rounds once (correctly rounded); torch's CPU kernel sums in
    # float32: the two may differ by one unit in the last place, rarely (5 of 15,540 float16
    # outputs of random 3x3 convolutions).
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((4, 2, 3, 3)),
              rng.standard_normal(4)]
    theirs = [torch.tensor(a).to(getattr(torch, dtype)) for a in arrays]
    mine = [symgrad.tensor(t.float().numpy()).to(getattr(symgrad, dtype)) for t in theirs]
    out = symgrad.nn.functional.conv2d(*mine, stride=2, padding=1, groups=2)
    expected = torch.nn.functional.conv2d(*theirs, stride=2, padding=1, groups=2)
    assert out.dtype is getattr(symgrad, dtype)
    exact = torch.nn.functional.conv2d(*(t.double() for t in theirs), stride=2, padding=1,
                                       groups=2).numpy()
    eps = 2.0 ** -10 if dtype == "float16" else 2.0 ** -7
    got = out.to(symgrad.float64)._data
    np.testing.assert_allclose(got, expected.double().numpy(), rtol=eps, atol=eps * 1e-3)
    # correctly rounded: within half a unit of the exact sum
    np.testing.assert_array_less(np.abs(got - exact), np.abs(exact) * eps / 2 + 1e-7)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_integers_compute_as_pytorch(dtype):
    # int8 sums wrap around as PyTorch's do
    rng = np.random.default_rng(5)
    arrays = [rng.integers(0, 100, (2, 4, 6, 6)), rng.integers(0, 100, (4, 2, 3, 3)),
              rng.integers(0, 100, 4)]
    mine = [symgrad.tensor(a, dtype=getattr(symgrad, dtype)) for a in arrays]
    theirs = [torch.tensor(a, dtype=getattr(torch, dtype)) for a in arrays]
    out = symgrad.nn.functional.conv2d(*mine, stride=2, padding=1, groups=2)
    expected = torch.nn.functional.conv2d(*theirs, stride=2, padding=1, groups=2)
    assert out.dtype is getattr(symgrad, dtype)
    np.testing.assert_array_equal(out._data, expected.numpy())


# -- errors ---------------------------------------------------------------------------------------
outcome = shape_outcome


def _t(lib: Any, *shape: int, dtype: str = "float32") -> Any:
    return lib.ones(shape, dtype=getattr(lib, dtype))


def _conv2d(x: tuple[int, ...], w: tuple[int, ...], b: tuple[int, ...] | None = None,
            x_dtype: str = "float32", w_dtype: str = "float32", b_dtype: str = "float32",
            **kwargs: Any) -> Any:
    def call(lib: Any) -> Any:
        bias = None if b is None else _t(lib, *b, dtype=b_dtype)
        return lib.nn.functional.conv2d(_t(lib, *x, dtype=x_dtype), _t(lib, *w, dtype=w_dtype),
                                        bias, **kwargs)
    return call


def _conv1d(x: tuple[int, ...], w: tuple[int, ...], b: tuple[int, ...] | None = None,
            dtype: str = "float32", **kwargs: Any) -> Any:
    def call(lib: Any) -> Any:
        bias = None if b is None else _t(lib, *b, dtype=dtype)
        return lib.conv1d(_t(lib, *x, dtype=dtype), _t(lib, *w, dtype=dtype), bias, **kwargs)
    return call


ERRORS = {
    "input 2-d": _conv2d((5, 5), (2, 1, 3, 3)),
    "input 5-d": _conv2d((1, 1, 1, 5, 5), (2, 1, 3, 3)),
    "conv1d input 4-d": _conv1d((1, 1, 5, 5), (2, 1, 3)),
    "conv1d input 1-d": _conv1d((5,), (2, 1, 3)),
    "weight 3-d": _conv2d((1, 1, 5, 5), (2, 1, 3)),
    "weight 5-d": _conv2d((1, 1, 5, 5), (2, 1, 3, 3, 3)),
    "weight 2-d": _conv1d((1, 1, 5), (2, 1)),
    "weight 4-d in conv1d": _conv1d((1, 1, 5), (2, 1, 3, 3)),
    "channels": _conv2d((1, 3, 5, 5), (2, 2, 3, 3)),
    "channels unbatched": _conv2d((3, 5, 5), (2, 2, 3, 3)),
    "groups and channels": _conv2d((1, 3, 5, 5), (2, 1, 3, 3), groups=2),
    "groups and weight": _conv2d((1, 4, 5, 5), (3, 2, 3, 3), groups=2),
    "groups 0": _conv2d((1, 4, 5, 5), (4, 2, 3, 3), groups=0),
    "no output channel": _conv2d((1, 1, 4, 4), (0, 1, 3, 3)),
    "kernel larger": _conv2d((1, 1, 2, 2), (1, 1, 3, 3)),
    "kernel larger, padded": _conv2d((1, 1, 2, 2), (1, 1, 3, 3), padding=(1, 0)),
    "kernel larger, dilated": _conv1d((1, 1, 4), (1, 1, 3), dilation=2),
    "no elements": _conv1d((2, 2, 0), (2, 2, 1)),
    "stride 0": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), stride=0),
    "padding -1": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), padding=-1, stride=0),
    "dilation 0": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), dilation=0),
    "dilation 0 in conv1d": _conv1d((1, 1, 5), (2, 1, 3), dilation=0),
    "dilation (0, 1)": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), dilation=(0, 1)),
    "dilation -1": _conv2d((1, 3, 5, 5), (2, 1, 3, 3), dilation=-1),
    "stride of 3": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), stride=(1, 1, 1)),
    "padding of 3": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), padding=(1, 1, 1)),
    "one padding for two dims": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), padding=(1,)),
    "one stride for two dims": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), stride=[2]),
    "padding string": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), padding="foo"),
    "same and strided": _conv2d((1, 1, 4, 4), (1, 1, 3, 3), padding="same", stride=(1, 2)),
    "same and stride of 3": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), stride=(1, 1, 1),
                                    padding="same"),
    "same and dilation of 3": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), padding="same",
                                      dilation=(1, 1, 1)),
    "same, weight 5-d": _conv2d((1, 1, 5, 5), (2, 1, 3, 3, 3), padding="same", stride=(1,),
                                dilation=(1,)),
    "same, kernel larger": _conv2d((1, 1, 2, 2), (2, 1, 3, 3), padding="same"),
    "same, groups 0": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), (2,), b_dtype="float64",
                              padding="same", groups=0),
    "bias size": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), (3,)),
    "bias 2-d": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), (2, 1)),
    "bias dtype before all": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), (3,), b_dtype="float64",
                                     groups=0),
    "bias int64": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), (2,), b_dtype="int64"),
    "weight dtype": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), w_dtype="float64"),
    "input dtype": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), x_dtype="float64"),
    "integer input": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), x_dtype="int64"),
    "half input": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), x_dtype="float16"),
    "weight dtype after channels": _conv2d((1, 3, 5, 5), (2, 2, 3, 3), w_dtype="float64"),
    "bool": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), x_dtype="bool", w_dtype="bool"),
    "bool, dilated": _conv1d((1, 1, 5), (2, 1, 3), dtype="bool", dilation=2),
    "bool input, float weight": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), x_dtype="bool"),
    "float input, bool weight": _conv2d((1, 1, 4, 4), (2, 1, 3, 3), w_dtype="bool"),
    "int32, dilated": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), x_dtype="int32", w_dtype="int32",
                              dilation=2),
    "int32, dilated, int64 weight": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), x_dtype="int32",
                                            w_dtype="int64", dilation=2),
    "int8, same and dilated": _conv1d((1, 1, 4), (1, 1, 2), dtype="int8", padding="same",
                                      dilation=2),
    "int64, dilated": _conv2d((1, 1, 5, 5), (2, 1, 3, 3), x_dtype="int64", w_dtype="int64",
                              dilation=2),
    "uint8, same": _conv1d((1, 1, 4), (1, 1, 2), dtype="uint8", padding="same"),
    "empty batch": _conv2d((0, 1, 4, 4), (1, 1, 3, 3)),
    "padding larger than the kernel": _conv2d((1, 1, 4, 4), (1, 1, 1, 1), padding=3),
    "same, kernel larger than the input": _conv2d((1, 1, 2, 2), (2, 1, 3, 3), padding="same"),
    "valid": _conv2d((1, 1, 4, 4), (1, 1, 2, 2), padding="valid"),
}


@pytest.mark.parametrize("call", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_and_shapes_are_pytorchs(call):
    with native_kernels(torch):
        assert outcome(call, symgrad) == outcome(call, torch)


def test_same_padding_with_an_even_kernel_warns_once_as_pytorch(monkeypatch):
    # torch warns once per process (TORCH_WARN_ONCE): its warning is read in a fresh one.
    script = ("import warnings, torch\n"
              "warnings.simplefilter('always')\n"
              "with warnings.catch_warnings(record=True) as caught:\n"
              "    for _ in range(2):\n"
              "        torch.nn.functional.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2),"
              " padding='same')\n"
              "print(repr([(w.category.__name__, str(w.message)) for w in caught]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    theirs = [(name, message.split(" (Triggered internally")[0])
              for name, message in ast.literal_eval(done.stdout.strip())]
    monkeypatch.setattr(convolution_ops, "_warned_same", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            symgrad.nn.functional.conv2d(symgrad.ones(1, 1, 4, 4), symgrad.ones(1, 1, 2, 2),
                                         padding="same")
    assert [(w.category.__name__, str(w.message)) for w in caught] == theirs
    assert len(theirs) == 1 and caught[0].filename == __file__


def test_no_input_channels_give_the_bias():
    # The sum over no channel is zero, then the bias: torch 2.13 instead returns no output
    # channel at all here (shape (1, 0, 2, 2)), a divergence kept for the mathematics.
    out = symgrad.nn.functional.conv2d(symgrad.ones(1, 0, 4, 4), symgrad.ones(2, 0, 3, 3),
                                       symgrad.tensor([0.5, -1.0]))
    assert out.tolist() == [[[[0.5, 0.5], [0.5, 0.5]], [[-1.0, -1.0], [-1.0, -1.0]]]]


@pytest.mark.parametrize("call", [
    lambda lib: lib.conv2d(2.5, lib.ones(1, 1, 2, 2)),
    lambda lib: lib.nn.functional.conv2d(lib.ones(1, 1, 3, 3), [[[[1.0]]]]),
    lambda lib: lib.conv1d(lib.ones(1, 1, 3), None, lib.ones(1), 2),
])
def test_a_number_for_a_tensor_is_an_invalid_combination(call):
    # PyTorch has two signatures of each (padding as ints, or a string): it lists them, and
    # symgrad its own, so the first line is compared (arguments given as far as the last one
    # not at its default: the check cannot tell a default given from one left out).
    lines = []
    for lib in (symgrad, torch):
        with pytest.raises(TypeError) as info:
            call(lib)
        lines.append(str(info.value).split("\n")[0])
    assert lines[0] == lines[1]


def test_functional_is_the_top_level_function():
    assert symgrad.nn.functional.conv2d is symgrad.conv2d
    assert symgrad.nn.functional.conv1d is symgrad.conv1d


# -- modules --------------------------------------------------------------------------------------
MODULES = [
    ("Conv2d", (1, 6, 5), {}),
    ("Conv2d", (6, 16, 5), {}),
    ("Conv2d", (2, 4, (3, 2)), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2,
                                "bias": False}),
    ("Conv2d", (4, 8, 3), {"padding": "same", "dilation": (1, 2)}),
    ("Conv2d", (3, 5, [3, 1]), {"stride": [2, 1], "padding": "valid"}),
    ("Conv1d", (2, 3, 2), {"padding": 1}),
    ("Conv1d", (4, 4, 3), {"groups": 4, "padding": "same", "dtype": "float64"}),
    ("Conv1d", (1, 2, (5,)), {"stride": (2,), "bias": False}),
]


def _module(lib: Any, cls: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    if "dtype" in kwargs:
        kwargs["dtype"] = getattr(lib, kwargs["dtype"])
    lib.manual_seed(0)
    return getattr(lib.nn, cls)(*args, **kwargs)


@pytest.mark.parametrize(("cls", "args", "kwargs"), MODULES)
def test_module_under_a_seed_is_pytorchs(cls, args, kwargs):
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
    # and the same draws again
    symgrad.manual_seed(7)
    torch.manual_seed(7)
    mine.reset_parameters()
    theirs.reset_parameters()
    np.testing.assert_array_equal(mine.weight._data, theirs.weight.detach().numpy())
    # and the same forward
    shape = (2, args[0]) + (6,) * (2 if cls == "Conv2d" else 1)
    x = np.random.default_rng(0).standard_normal(shape).astype(str(mine.weight.dtype)[8:])
    _close(mine(symgrad.tensor(x)), theirs(torch.tensor(x)), 2e-6)


MODULE_ERRORS = {
    "groups 0": (2, 2, 3, {"groups": 0}),
    "in_channels": (3, 2, 3, {"groups": 2}),
    "out_channels": (2, 3, 3, {"groups": 2}),
    "padding string": (2, 3, 3, {"padding": "foo"}),
    "same and strided": (2, 3, 3, {"padding": "same", "stride": 2}),
}


@pytest.mark.parametrize("args", list(MODULE_ERRORS.values()), ids=list(MODULE_ERRORS))
def test_module_errors_are_pytorchs(args):
    *positional, kwargs = args

    def call(lib: Any) -> Any:
        return lib.nn.Conv2d(*positional, **kwargs)(lib.ones(1, positional[0], 4, 4))

    assert outcome(call, symgrad) == outcome(call, torch)


def test_module_padding_mode_error_is_pytorchs():
    # The message shows a set of strings, whose order varies with the process's hash seed
    # (and how its literal was compiled): the modes are compared as a set.
    def parts(lib: Any) -> Any:
        with pytest.raises(ValueError) as info:
            lib.nn.Conv2d(2, 3, 3, padding_mode="foo")
        head, _, rest = str(info.value).partition("{")
        modes, _, tail = rest.partition("}")
        return head, set(modes.split(", ")), tail

    assert parts(symgrad) == parts(torch)


PADDED = [
    ("Conv2d", (2, 1, 4, 5), {"padding": 1}),
    ("Conv2d", (1, 4, 4), {"padding": (1, 2)}),  # unbatched
    ("Conv1d", (2, 1, 5), {"padding": 2, "stride": 2}),
    ("Conv2d", (1, 1, 3, 3), {"padding": 3}),  # reflect refuses: as large as the input
    ("Conv2d", (1, 1, 3, 3), {"padding": 4}),  # circular refuses: wraps around twice
    ("Conv2d", (1, 1, 3, 5), {"padding": (3, 1)}),  # reflect refuses the height
    ("Conv1d", (1, 1, 3), {"padding": "same", "kernel_size": 4}),
    ("Conv2d", (1, 1, 3, 3), {"padding": "valid"}),
    ("Conv2d", (4, 4), {"padding": 1}),  # F.pad's rank error
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(("cls", "shape", "kwargs"), PADDED)
def test_padding_modes_are_pytorchs(mode, cls, shape, kwargs):
    kwargs = dict(kwargs)
    kernel_size = kwargs.pop("kernel_size", 3)
    x = np.random.default_rng(6).standard_normal(shape)
    results = []
    for lib in (symgrad, torch):
        lib.manual_seed(0)
        layer = getattr(lib.nn, cls)(1, 2, kernel_size, padding_mode=mode,
                                     dtype=lib.float64, **kwargs)
        xt = lib.tensor(x, requires_grad=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = layer(xt)
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            results.append((type(e).__name__, str(e)))
            continue
        (gx,) = lib.autograd.grad((y * y).sum(), [xt], create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), [layer.weight])
        results.append((repr(layer), y, gx, gw))
    mine, theirs = results
    if isinstance(theirs[0], str) and theirs[0].endswith("Error"):
        assert mine == theirs
        return
    assert mine[0] == theirs[0]
    for a, b in zip(mine[1:], theirs[1:], strict=True):
        _close(a, b, 1e-12)


# -- a program: the "Neural Networks" tutorial's LeNet, without its pooling -----------------------
def _lenet(lib: Any) -> Any:
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 8 * 8, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            c2 = F.relu(self.conv2(c1))
            s4 = lib.flatten(c2, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            return self.fc3(f6)

    return Net()


def test_lenet_without_pooling_trains_as_in_pytorch():
    results = []
    for lib in (symgrad, torch):
        lib.manual_seed(0)
        net = _lenet(lib)
        optimizer = lib.optim.SGD(net.parameters(), lr=0.01)
        x = lib.randn(1, 1, 16, 16)
        target = lib.randn(10).view(1, -1)
        criterion = lib.nn.MSELoss()
        losses = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = criterion(net(x), target)
            loss.backward()
            if not losses:
                bias_grad = net.conv1.bias.grad.detach().numpy().copy()
            optimizer.step()
            losses.append(loss.item())
        results.append((losses, bias_grad, net.conv1.weight.detach().numpy(),
                        type(net.conv1(x).grad_fn).__name__))
    (losses, bias_grad, weight, name), (t_losses, t_bias_grad, t_weight, t_name) = results
    assert name == t_name == "ConvolutionBackward0"
    np.testing.assert_allclose(losses, t_losses, rtol=1e-5)
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(bias_grad, t_bias_grad, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(weight, t_weight, rtol=1e-5, atol=1e-7)
    assert math.isfinite(losses[-1])
