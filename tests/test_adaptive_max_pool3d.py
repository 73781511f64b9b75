"""``adaptive_max_pool3d`` (``nn.functional.adaptive_max_pool3d``, ``..._with_indices``,
``nn.AdaptiveMaxPool3d``) against torch 2.13: values, indices, gradients (first and second
order), grad_fn names and errors with class and message. Windows overlap (5 -> 2), grow
(2 -> 3) and tie; NaNs take a window. Tolerances: 1e-6 (float32), 1e-12 (float64).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

ENGINES = (symgrad, torch)
TOL = {"float32": 1e-6, "float64": 1e-12}


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy()


def _input(shape: tuple[int, ...], ties: bool, nan: bool) -> np.ndarray:
    x = np.sin(np.arange(float(np.prod(shape))) * 1.7).reshape(shape)
    if ties:
        x = np.round(x * 2) / 2  # many equal maxima: the first in window order is chosen
    if nan:
        x.reshape(-1)[[3, 7]] = np.nan
    return x


CASES = [((1, 2, 3, 5, 4), (2, 2, 3)), ((2, 3, 2, 4), (3, 2, 2)), ((1, 1, 4, 4, 4), 2),
         ((2, 1, 3, 3, 3), (None, 1, 2)), ((1, 2, 5, 3, 2), (1, 1, 1)),
         ((0, 2, 3, 3, 3), 2)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize(("shape", "size"), CASES, ids=str)
def test_adaptive_max_pool3d_matches_torch(shape: tuple, size: Any, ties: bool,
                                           dtype: str) -> None:
    x = _input(shape, ties, nan=False)
    upstream = None
    results = []
    for lib in ENGINES:
        t = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        out, index = lib.nn.functional.adaptive_max_pool3d(t, size, return_indices=True)
        if upstream is None:
            upstream = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
        g, = lib.autograd.grad((out * lib.tensor(upstream, dtype=getattr(lib, dtype))).sum(),
                               t, create_graph=True)
        second = lib.autograd.grad((g * g).sum(), t, allow_unused=True)[0]
        results.append((_np(out), _np(index), index.dtype == lib.int64, _np(g),
                        None if second is None else _np(second),
                        type(out.grad_fn).__name__ if out.grad_fn else None,
                        type(g.grad_fn).__name__))
    for got, want in zip(*results, strict=True):
        if isinstance(want, np.ndarray):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL[dtype])
        else:
            assert got == want


def test_adaptive_max_pool3d_nan_and_module_match_torch() -> None:
    x = _input((1, 2, 3, 4, 4), ties=False, nan=True)
    results = []
    for lib in ENGINES:
        t = lib.tensor(x, requires_grad=True)
        module = lib.nn.AdaptiveMaxPool3d((2, None, 3), return_indices=True)
        out, index = module(t)
        out.sum().backward()
        plain = lib.nn.functional.adaptive_max_pool3d_with_indices(t.detach(), 2)
        results.append((_np(out), _np(index), _np(t.grad), repr(module), _np(plain[0]),
                        _np(plain[1])))
    for got, want in zip(*results, strict=True):
        if isinstance(want, np.ndarray):
            np.testing.assert_array_equal(got, want)
        else:
            assert got == want


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(2, 3, 5, 4, 6), (2, 3)),
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(2, 3, 5, 4, 6), (2, 3, 4, 5)),
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(5, 4, 6), 2),
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(2, 3, 5, 4, 6), -1),
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(2, 0, 3, 3, 3), 2),
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(2, 3, 3, 3, 3, dtype=L.int32), 2),
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(2, 3, 3, 3, 3), 2.5),
    lambda L: L.nn.functional.adaptive_max_pool3d(L.ones(3, 3, 3), (1, 1, 1)),
], ids=["two sizes", "four sizes", "3-D", "negative", "empty channels", "int32", "float size",
        "sizes as long as the input"])
def test_adaptive_max_pool3d_errors_match_torch(call: Any) -> None:
    caught = []
    for lib in ENGINES:
        with pytest.raises(Exception) as info:  # noqa: PT011 (class compared below)
            call(lib)
        caught.append((type(info.value).__name__, str(info.value).replace("torch", "symgrad")))
    assert caught[0] == caught[1]


def test_adaptive_max_pool3d_empty_output_forward_and_backward_match_torch() -> None:
    # An output with a dim of size 0: the forward gives it, the backward refuses it.
    results = []
    for lib in ENGINES:
        t = lib.ones(1, 1, 2, 2, 2, requires_grad=True)
        out, index = lib.nn.functional.adaptive_max_pool3d(t, (0, 1, 1), True)
        with pytest.raises(RuntimeError) as info:
            out.sum().backward()
        results.append((tuple(out.shape), tuple(index.shape), str(info.value)))
    assert results[0] == results[1]
