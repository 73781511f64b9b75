"""``nan_to_num`` (and its in-place form), ``nansum`` and ``nanmean`` against torch 2.13:
values across dtypes and replacement values, ``grad_fn`` classes, gradients (0 where a value
was replaced or left out) to second order, and errors. Every expected value is torch's, run
here."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

INF, NAN = float("inf"), float("nan")
VALUES = [[1.5, NAN, -INF], [INF, -2.0, 0.0]]
DTYPES = ("float16", "bfloat16", "float32", "float64")


def _described(value: Any) -> Any:
    if isinstance(value, torch.Tensor | symgrad.Tensor):
        return (str(value.dtype).split(".")[-1], tuple(value.shape), repr(value.tolist()),
                type(value.grad_fn).__name__)
    if isinstance(value, list | tuple):
        return [_described(v) for v in value]
    return value


def _outcome(case: Callable[[Any], Any], lib: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _described(case(lib))
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            return type(e).__name__, str(e)


def _same(case: Callable[[Any], Any]) -> None:
    assert _outcome(case, symgrad) == _outcome(case, torch)


REPLACEMENTS = [{}, {"nan": 0.5}, {"posinf": 1e6, "neginf": -1e6}, {"nan": 7e4, "posinf": 2.0},
                {"neginf": 3.0}]


@pytest.mark.parametrize("kwargs", REPLACEMENTS, ids=repr)
@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_to_num_values(dtype: str, kwargs: dict[str, float]) -> None:
    _same(lambda lib: lib.nan_to_num(lib.tensor(VALUES, dtype=getattr(lib, dtype)), **kwargs))


@pytest.mark.parametrize("dtype", ("bool", "uint8", "int64"))
def test_nan_to_num_copies_other_dtypes(dtype: str) -> None:
    def case(lib: Any) -> Any:
        x = lib.tensor([1, 0], dtype=getattr(lib, dtype))
        y = lib.nan_to_num(x, nan=3.0)
        y[0] = 0
        return [x, y]
    _same(case)


def _grads(lib: Any, fn: Callable[[Any], Any]) -> Any:
    x = lib.tensor(VALUES, dtype=lib.float64, requires_grad=True)
    y = fn(x)
    (g,) = lib.autograd.grad((y * lib.arange(1.0, y.numel() + 1, dtype=lib.float64
                                             ).reshape(y.shape)).sum(), x, create_graph=True)
    return [y, g, g.requires_grad]


GRADIENTS = {
    "nan_to_num": lambda x: x.nan_to_num(),
    "nan_to_num, in place": lambda x: (x * 1).nan_to_num_(posinf=5.0),
    "nansum": lambda x: x.nansum(),
    "nansum, dim": lambda x: x.nansum(1),
    "nansum, dims kept": lambda x: x.nansum((0, 1), keepdim=True),
    "nanmean": lambda x: x.nan_to_num(posinf=1.0, neginf=1.0).nanmean(),
    "nanmean by column": lambda x: x.nanmean(0),
}


@pytest.mark.parametrize("fn", GRADIENTS.values(), ids=GRADIENTS.keys())
def test_gradients_as_pytorch(fn: Callable[[Any], Any]) -> None:
    _same(lambda lib: _grads(lib, fn))


@pytest.mark.parametrize("dtype", DTYPES + ("bool", "uint8", "int8", "int64"))
def test_nansum_and_nanmean_values(dtype: str) -> None:
    def case(lib: Any) -> Any:
        d = getattr(lib, dtype)
        x = lib.tensor([[1, 0], [3, 4]], dtype=d)
        if x.is_floating_point():
            x[0, 1] = NAN
        out = [lib.nansum(x), lib.nansum(x, 0), x.nansum(-1, keepdim=True),
               lib.nansum(x, dtype=lib.float64)]
        try:
            out.append(lib.nanmean(x, 1))
        except RuntimeError as e:
            out.append(str(e))
        return out
    _same(case)


def test_nanmean_of_nothing_but_nan_is_nan() -> None:
    _same(lambda lib: [lib.nanmean(lib.tensor([NAN, NAN])), lib.nansum(lib.tensor([NAN]))])
