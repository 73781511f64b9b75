"""3-d pooling and ``BatchNorm3d`` against torch 2.13: ``max_pool3d`` (with its indices, ties
and NaNs), ``avg_pool3d`` and ``adaptive_avg_pool3d`` values, grad_fn names, first and second
order gradients, dtypes, PyTorch's errors and messages, the ``MaxPool3d``/``AvgPool3d``/
``AdaptiveAvgPool3d`` and ``BatchNorm3d`` modules, and a small 3-d network's training step."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from call_outcomes import shape_outcome

import symgrad

torch = pytest.importorskip("torch")


def _close(mine: Any, theirs: Any, rtol: float) -> None:
    expected = theirs.detach().numpy()
    assert tuple(mine.shape) == expected.shape
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(mine._data, expected, rtol=rtol, atol=rtol * scale)


# (function, input shape, positional arguments, round the input to ties)
CASES = [
    ("max_pool3d", (2, 2, 4, 5, 6), (2,), False),
    ("max_pool3d", (2, 4, 5, 6), ((2, 3, 2), (1, 2, 1), (1, 1, 0)), True),  # unbatched, ties
    ("max_pool3d", (1, 1, 5, 5, 6), (3, 2, 1, 2, True), False),  # dilated, ceil mode
    ("max_pool3d", (1, 2, 5, 5, 6), (2, 2, 1, 1, True), True),
    ("avg_pool3d", (2, 2, 4, 5, 6), (2,), False),
    ("avg_pool3d", (2, 4, 5, 6), ((3, 2, 3), (2, 1, 2), (1, 1, 1), True, False), False),
    ("avg_pool3d", (1, 1, 4, 5, 6), (2, 1, 1, False, True, 5), False),
    ("adaptive_avg_pool3d", (2, 2, 4, 5, 6), ((2, 3, 4),), False),
    ("adaptive_avg_pool3d", (2, 4, 5, 6), ((None, 7, 4),), False),  # windows overlapping
    ("adaptive_avg_pool3d", (2, 2, 4, 5, 6), (1,), False),  # torch's mean
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "shape", "args", "ties"), CASES, ids=IDS)
def test_values_and_gradients_to_second_order(name, shape, args, ties, dtype):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    x = (np.round(x) if ties else x).astype(dtype)
    mine, theirs = symgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = getattr(symgrad.nn.functional, name)(mine, *args)
    t_out = getattr(torch.nn.functional, name)(theirs, *args)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    _close(out, t_out, rtol)
    assert type(out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    gy = rng.standard_normal(tuple(t_out.shape)).astype(dtype)
    (g,) = symgrad.autograd.grad(out, [mine], symgrad.tensor(gy), create_graph=True)
    (t_g,) = torch.autograd.grad(t_out, [theirs], torch.tensor(gy), create_graph=True)
    _close(g, t_g, rtol)
    # second order: through the incoming gradient (zero in the input, as for torch)
    v = rng.standard_normal(shape).astype(dtype)
    gg = symgrad.tensor(gy, requires_grad=True)
    t_gg = torch.tensor(gy, requires_grad=True)
    (g,) = symgrad.autograd.grad(out, [mine], gg, create_graph=True)
    (t_g,) = torch.autograd.grad(t_out, [theirs], t_gg, create_graph=True)
    (second,) = symgrad.autograd.grad((g * symgrad.tensor(v)).sum(), [gg])
    (t_second,) = torch.autograd.grad((t_g * torch.tensor(v)).sum(), [t_gg])
    _close(second, t_second, rtol)


@pytest.mark.parametrize("values", [
    [np.nan, 1, np.nan, 2, 3, np.inf, -np.inf, 0],
    [-np.inf] * 8,
    [1, 1, 1, 1, 2, 2, 2, 2],
])
def test_max_indices_are_pytorchs(values):
    x = np.array(values, dtype=np.float64).reshape(1, 1, 2, 2, 2)
    x = np.concatenate([x, x[:, :, ::-1]], axis=2)  # (1, 1, 4, 2, 2)
    for args in ((2,), (2, 1, 1), ((3, 2, 2), 2, (1, 1, 0), 1, True)):
        out, index = symgrad.nn.functional.max_pool3d(symgrad.tensor(x), *args,
                                                      return_indices=True)
        t_out, t_index = torch.nn.functional.max_pool3d(torch.tensor(x), *args,
                                                        return_indices=True)
        np.testing.assert_array_equal(out._data, t_out.numpy())
        np.testing.assert_array_equal(index._data, t_index.numpy())
        assert index.dtype is symgrad.int64


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64", "int32", "uint8", "int8"])
def test_max_pool3d_dtypes_are_pytorchs(dtype):
    x = np.random.default_rng(2).integers(-50, 100, (2, 2, 4, 5, 6))
    if dtype == "uint8":
        x = np.abs(x)
    mine = symgrad.tensor(x).to(getattr(symgrad, dtype))
    theirs = torch.tensor(x).to(getattr(torch, dtype))
    out = symgrad.nn.functional.max_pool3d(mine, 3, 2, 1)
    expected = torch.nn.functional.max_pool3d(theirs, 3, 2, 1)
    assert str(out.dtype) == str(expected.dtype).replace("torch", "symgrad")
    np.testing.assert_array_equal(out.double()._data, expected.double().numpy())


def test_avg_pool3d_int64_divides_toward_zero_as_pytorch():
    x = np.random.default_rng(3).integers(-50, 50, (1, 2, 4, 5, 6))
    out = symgrad.nn.functional.avg_pool3d(symgrad.tensor(x), 3, 2, 1, True, False)
    expected = torch.nn.functional.avg_pool3d(torch.tensor(x), 3, 2, 1, True, False)
    np.testing.assert_array_equal(out._data, expected.numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_adaptive_avg_pool3d_narrow_dtypes_are_pytorchs_bit_for_bit(dtype):
    # PyTorch sums a window in the narrow dtype, element by element, then divides
    x = torch.tensor(np.random.default_rng(4).standard_normal((2, 2, 4, 5, 7)))
    x = x.to(getattr(torch, dtype))
    mine = symgrad.tensor(x.float().numpy()).to(getattr(symgrad, dtype))
    for size in ((3, 2, 4), (4, 5, 2), (2, 3, 3)):
        out = symgrad.nn.functional.adaptive_avg_pool3d(mine, size)
        expected = torch.nn.functional.adaptive_avg_pool3d(x, size)
        assert out.dtype is getattr(symgrad, dtype)
        np.testing.assert_array_equal(out.float()._data, expected.float().numpy())


# -- errors ---------------------------------------------------------------------------------------
def _call(name: str, shape: tuple[int, ...], *args: Any, dtype: str = "float32",
          **kwargs: Any) -> Any:
    def call(lib: Any) -> Any:
        return getattr(lib.nn.functional, name)(lib.ones(shape, dtype=getattr(lib, dtype)),
                                                *args, **kwargs)
    return call


MP, AP, AAP = "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d"
ERRORS = {
    "max, 3-d input": _call(MP, (4, 4, 4), 2),
    "max, 6-d input": _call(MP, (1, 1, 1, 4, 4, 4), 2),
    "max, kernel of 2": _call(MP, (1, 1, 4, 4, 4), (2, 2)),
    "max, stride of 2": _call(MP, (1, 1, 4, 4, 4), 2, (2, 2)),
    "max, padding of 2": _call(MP, (1, 1, 4, 4, 4), 2, 2, (1, 1)),
    "max, dilation of 2": _call(MP, (1, 1, 4, 4, 4), 2, 2, 0, (1, 1)),
    "max, kernel 0": _call(MP, (1, 1, 4, 4, 4), (2, 0, 2)),
    "max, stride 0": _call(MP, (1, 1, 4, 4, 4), 2, 0),
    "max, dilation 0": _call(MP, (1, 1, 4, 4, 4), 2, 1, 0, 0),
    "max, padding beyond half": _call(MP, (1, 1, 4, 4, 4), 2, 1, 2),
    "max, padding -1": _call(MP, (1, 1, 4, 4, 4), 2, 1, -1),
    "max, too small": _call(MP, (1, 1, 1, 4, 4), 2),
    "max, no depth": _call(MP, (1, 1, 0, 4, 4), 2),
    "max, empty batch": _call(MP, (0, 1, 4, 4, 4), 2),
    "max, no channel": _call(MP, (1, 0, 4, 4, 4), 2),
    "max, bool": _call(MP, (1, 1, 4, 4, 4), 2, dtype="bool"),
    "max, a float kernel": _call(MP, (1, 1, 4, 4, 4), 2.5),
    "avg, 3-d input": _call(AP, (4, 4, 4), 2),
    "avg, kernel of 2": _call(AP, (1, 1, 4, 4, 4), (2, 2)),
    "avg, stride of 2": _call(AP, (1, 1, 4, 4, 4), 2, (2, 2)),
    "avg, padding of 2": _call(AP, (1, 1, 4, 4, 4), 2, 2, (1, 1)),
    "avg, kernel 0": _call(AP, (1, 1, 4, 4, 4), (2, 0, 2)),
    "avg, stride 0": _call(AP, (1, 1, 4, 4, 4), 2, 0),
    "avg, padding beyond half": _call(AP, (1, 1, 4, 4, 4), 2, 1, 2),
    "avg, smaller than the kernel": _call(AP, (1, 1, 1, 4, 4), 2),
    "avg, smaller than the kernel, padded": _call(AP, (1, 1, 1, 4, 4), 2, 1, 1),
    "avg, no depth": _call(AP, (1, 1, 0, 4, 4), 2),
    "avg, empty batch": _call(AP, (0, 1, 4, 4, 4), 2),
    "avg, divisor 0": _call(AP, (1, 1, 4, 4, 4), 2, divisor_override=0),
    "avg, unbatched": _call(AP, (2, 4, 4, 4), 2),
    "avg, bool": _call(AP, (1, 1, 4, 4, 4), 2, dtype="bool"),
    "avg, int32": _call(AP, (1, 1, 4, 4, 4), 2, dtype="int32"),
    "avg, float16": _call(AP, (1, 1, 4, 4, 4), 2, dtype="float16"),
    "avg, bfloat16": _call(AP, (1, 1, 4, 4, 4), 2, dtype="bfloat16"),
    "adaptive, int": _call(AAP, (1, 2, 4, 5, 6), 2),
    "adaptive, None": _call(AAP, (1, 2, 4, 5, 6), (None, 3, 2)),
    "adaptive, two sizes": _call(AAP, (1, 2, 4, 5, 6), (2, 3)),
    "adaptive, 3-d input": _call(AAP, (4, 5, 6), 2),
    "adaptive, no depth": _call(AAP, (1, 2, 0, 5, 6), 2),
    "adaptive, empty batch": _call(AAP, (0, 2, 4, 5, 6), 2),
    "adaptive, -1": _call(AAP, (1, 2, 4, 5, 6), -1),
    "adaptive, 0": _call(AAP, (1, 2, 4, 5, 6), 0),
    "adaptive, int64": _call(AAP, (1, 2, 4, 5, 6), 2, dtype="int64"),
    "adaptive, bool": _call(AAP, (1, 2, 4, 5, 6), 2, dtype="bool"),
    "adaptive, float16": _call(AAP, (1, 2, 4, 5, 6), 2, dtype="float16"),
}


@pytest.mark.parametrize("call", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_and_shapes_are_pytorchs(call):
    assert shape_outcome(call, symgrad) == shape_outcome(call, torch)


# -- modules --------------------------------------------------------------------------------------
MODULES = [
    ("MaxPool3d", (2,), {}),
    ("MaxPool3d", ((2, 3, 2),), {"stride": 1, "padding": (1, 1, 0), "dilation": 1,
                                 "ceil_mode": True}),
    ("AvgPool3d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AvgPool3d", ((1, 2, 2),), {"divisor_override": 3}),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}),
    ("AdaptiveAvgPool3d", (1,), {}),
]


@pytest.mark.parametrize(("cls", "args", "kwargs"), MODULES)
def test_modules_are_pytorchs(cls, args, kwargs):
    mine, theirs = getattr(symgrad.nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args,
                                                                                      **kwargs)
    assert repr(mine) == repr(theirs)
    x = np.random.default_rng(5).standard_normal((2, 3, 4, 5, 6))
    _close(mine(symgrad.tensor(x)), theirs(torch.tensor(x)), 1e-12)


@pytest.mark.parametrize("shape", [(2, 3, 2, 3, 2), (4, 3, 1, 1, 2), (2, 3, 4, 4), (3, 2)])
def test_batch_norm3d_is_pytorchs(shape):
    x = np.random.default_rng(6).standard_normal(shape)
    results = []
    for lib in (symgrad, torch):
        norm = lib.nn.BatchNorm3d(3, momentum=0.2, dtype=lib.float64)
        xt = lib.tensor(x, requires_grad=True)
        try:
            y = norm(xt)
        except ValueError as e:
            results.append(str(e))
            continue
        (g,) = lib.autograd.grad((y * y * y).sum(), [xt], create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), [xt])
        norm.eval()
        results.append((repr(norm), type(y.grad_fn).__name__, y, g, gg, norm(xt),
                        norm.running_var))
    mine, theirs = results
    if isinstance(theirs, str):
        assert mine == theirs
        return
    assert mine[:2] == theirs[:2]
    for a, b in zip(mine[2:], theirs[2:], strict=True):
        _close(a, b, 1e-10)


# -- a program: a small 3-d network (a video model's block) ---------------------------------------
def _net(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(),
                         nn.MaxPool3d(2), nn.Conv3d(4, 4, (1, 3, 3), padding=(0, 1, 1)),
                         nn.AvgPool3d((1, 2, 2)), nn.ConvTranspose3d(4, 2, 2, stride=2),
                         nn.AdaptiveAvgPool3d((2, 1, 1)), nn.Flatten(), nn.Linear(4, 3))


def test_a_3d_network_trains_as_in_pytorch():
    results = []
    for lib in (symgrad, torch):
        lib.manual_seed(0)
        net = _net(lib)
        optimizer = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        x = lib.randn(3, 2, 4, 8, 8)
        target = lib.tensor([0, 2, 1])
        for _ in range(3):
            optimizer.zero_grad()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loss = lib.nn.functional.cross_entropy(net(x), target)
            loss.backward()
            optimizer.step()
        results.append((float(loss), [p.detach().numpy() if lib is torch else p._data
                                      for p in net.parameters()]))
    (loss, params), (t_loss, t_params) = results
    assert loss == pytest.approx(t_loss, rel=1e-5)
    for p, q in zip(params, t_params, strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)
