"""tril/triu and sort/argsort/topk/msort against torch 2.13: values, indices, dtypes, grad_fn
names, first and second order gradients, in-place forms, and PyTorch's errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import oracle
import symgrad

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")
DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64")


def plain(x: Any) -> Any:
    """A result as plain data: floats by repr (NaN equals NaN, -0.0 differs from 0.0)."""
    if isinstance(x, torch.Tensor | symgrad.Tensor):
        node = x.grad_fn
        values = x.detach().double().tolist() if x.is_floating_point() else x.detach().tolist()
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), repr(values),
                x.requires_grad, None if node is None else type(node).__name__)
    if isinstance(x, tuple | list):
        return (type(x).__name__ if type(x).__module__.endswith("return_types") else "seq",
                [plain(v) for v in x])
    return x if isinstance(x, str | int | float | bool | type(None)) else repr(x)


def outcome(call: Any, lib: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e).replace("torch.", "symgrad."))
    return plain(out)


def same(call: Any) -> None:
    assert outcome(call, symgrad) == outcome(call, torch)


def grads(call: Any, lib: Any, x: Any, dtype: str = "float64") -> Any:
    """First and second order gradients of ``sum(w * call(x))`` in ``x`` (weights fixed)."""
    x = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
    y = call(lib, x)
    y = y.values if hasattr(y, "values") and not callable(y.values) else y
    w = lib.arange(1, y.numel() + 1, dtype=y.dtype).reshape(y.shape)
    (g,) = lib.autograd.grad((w * y * y).sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad((g * g).sum(), x)
    return plain(g), plain(gg)


M = [[0.25, -1.5, 2.0, 3.0], [0.75, 0.5, -0.125, 4.0], [1.0, -2.0, 8.0, -0.5]]


# -- tril and triu ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [0, 1, -1, 2, -3, 10, -10])
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3), (2, 1, 3, 2), (0, 3), (2, 0, 4)])
def test_tril_triu_values_match_torch(name: str, diagonal: int, shape: tuple[int, ...]) -> None:
    data = np.arange(np.prod(shape, dtype=int), dtype=np.float64).reshape(shape) - 3.5
    same(lambda lib: getattr(lib, name)(lib.tensor(data), diagonal))
    same(lambda lib: getattr(lib.tensor(data), name)(diagonal=diagonal))


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_tril_triu_keep_every_dtype(name: str, dtype: str) -> None:
    data = [[1, 0, 3], [2, 5, 1], [7, 1, 1]]
    same(lambda lib: getattr(lib, name)(lib.tensor(data).to(getattr(lib, dtype)), -1))
    same(lambda lib: getattr(lib.tensor(data).to(getattr(lib, dtype)), name + "_")(1))


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu_special_values_and_signed_zero(name: str) -> None:
    data = [[NAN, INF, -0.0], [-INF, NAN, 2.0], [-0.0, 1.0, NAN]]
    same(lambda lib: getattr(lib, name)(lib.tensor(data)))


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [0, 1, -2])
def test_tril_triu_gradients_to_second_order(name: str, diagonal: int) -> None:
    batched = [M, [[2 * v for v in row] for row in M]]
    call = lambda lib, x: getattr(lib, name)(x, diagonal)  # noqa: E731
    assert grads(call, symgrad, batched) == grads(call, torch, batched)
    assert grads(call, symgrad, M, "float32") == grads(call, torch, M, "float32")


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu_in_place_record_as_torch(name: str) -> None:
    def call(lib: Any) -> Any:
        x = lib.tensor(M, requires_grad=True)
        y = x * 2
        out = getattr(y, name + "_")(-1)
        assert out is y
        out.sum().backward()
        return [y, x.grad, y._version]

    same(call)


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu_errors_match_torch(name: str) -> None:
    for data in ([1.0, 2.0], 3.0, []):
        same(lambda lib, data=data: getattr(lib, name)(lib.tensor(data)))
        same(lambda lib, data=data: getattr(lib.tensor(data), name + "_")())
    same(lambda lib: getattr(lib, name)(lib.ones(2, 2), 1.5))
    same(lambda lib: getattr(lib.ones(2, 2, requires_grad=True), name + "_")())


def test_tril_triu_judged_exact() -> None:
    # The judge's own meaning: each kept element moves with slope 1, the others are 0.
    x = symgrad.tensor(M, dtype=symgrad.float64, requires_grad=True)
    w = symgrad.tensor(np.arange(12.0).reshape(3, 4) - 5, dtype=symgrad.float64)
    for name, diagonal, keep in (("tril", 0, lambda r, c: c - r <= 0),
                                 ("triu", -1, lambda r, c: c - r >= -1)):
        r = oracle.exact_grad(getattr(x, name)(diagonal), x, w)
        assert r.status == "ok", r.reason
        want = np.where(np.fromfunction(keep, (3, 4)), w.numpy(), 0.0)
        np.testing.assert_array_equal(r.float64[0], want)
