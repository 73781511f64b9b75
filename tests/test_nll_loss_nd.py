"""``nll_loss`` and ``cross_entropy`` of ``(N, C, d1, ...)`` inputs (a class per pixel or
per step: segmentation, sequence models), against PyTorch: values and input gradients for
each reduction, with weights, ``ignore_index`` and label smoothing; PyTorch's checks in its
order (nll_loss2d's for 4 dims), by exception class and message.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(3)
_SHAPES = ((2, 3, 4), (2, 3, 4, 5), (2, 3, 2, 2, 3))
_WEIGHT = np.array([0.5, 2.0, 1.0])
_KW = ({}, {"reduction": "none"}, {"reduction": "sum"}, {"ignore_index": 1}, {"weight": True},
       {"weight": True, "ignore_index": 2, "reduction": "none"})


def _losses(lib: Any, fn: str, shape: tuple[int, ...], kw: dict[str, Any]) -> list[np.ndarray]:
    rng = np.random.default_rng(sum(shape))
    x = lib.tensor(rng.standard_normal(shape), requires_grad=True)
    t = lib.tensor(rng.integers(0, 3, (shape[0], *shape[2:])))
    kw = dict(kw)
    if "weight" in kw:
        kw["weight"] = lib.tensor(_WEIGHT)
    loss = getattr(lib.nn.functional, fn)(x, t, **kw)
    (g,) = lib.autograd.grad(loss.sum(), x)
    return [loss.detach().numpy(), g.numpy()]


_CASES = [(fn, shape, kw) for fn, shape, kw in itertools.product(
    ("nll_loss", "cross_entropy"), _SHAPES,
    _KW + ({"label_smoothing": 0.1}, {"label_smoothing": 0.2, "weight": True, "ignore_index": 0}))
    if fn == "cross_entropy" or "label_smoothing" not in kw]


@pytest.mark.parametrize(("fn", "shape", "kw"), _CASES)
def test_positions_as_pytorch(fn: str, shape: tuple[int, ...], kw: dict[str, Any]) -> None:
    for ours, theirs in zip(_losses(symgrad, fn, shape, kw), _losses(torch, fn, shape, kw),
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def _outcome(lib: Any, shapes: tuple[tuple[int, ...], tuple[int, ...]], dtype: str) -> Any:
    try:
        r = lib.nn.functional.nll_loss(lib.ones(shapes[0]) * 0.5,
                                       lib.zeros(shapes[1], dtype=getattr(lib, dtype)))
    except Exception as e:  # noqa: BLE001 - the outcome compared
        return type(e).__name__, str(e)
    return repr(r.item())


@pytest.mark.parametrize(("shapes", "dtype"), list(itertools.product(
    (((2, 3, 4, 5), (2, 4, 5)), ((2, 3, 4, 5), (2, 4)), ((2, 3, 4, 5), (2, 4, 6)),
     ((2, 3, 4, 5), (3, 4, 5)), ((2, 3, 4, 5, 2), (2, 4, 5, 2)), ((2, 3, 4, 5, 2), (2, 4, 5)),
     ((2, 3, 4), (2, 4, 1)), ((2, 3, 4), ()), ((0, 3, 4), (0, 4)), ((2, 3, 0), (2, 0))),
    ("int64", "uint8", "float32", "int32"))))
def test_checks_as_pytorch(shapes: tuple[Any, ...], dtype: str) -> None:
    assert _outcome(symgrad, shapes, dtype) == _outcome(torch, shapes, dtype)
