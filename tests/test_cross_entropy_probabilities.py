"""``cross_entropy`` with class probabilities (a floating target of the input's shape: soft
labels, distillation, mixup), and the class-index checks' order, against PyTorch.

Values, both gradients (the input's and the target's), the dtype and the top node of each
call are PyTorch's; errors by class and message.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(5)
_LOGITS = {shape: _RNG.standard_normal(shape) for shape in ((4,), (3, 4), (2, 4, 3))}
# Each position's probabilities over the class dim (0 for a vector, else 1).
_PROBS = {(4,): _RNG.dirichlet(np.ones(4)), (3, 4): _RNG.dirichlet(np.ones(4), size=3),
          (2, 4, 3): np.moveaxis(_RNG.dirichlet(np.ones(4), size=(2, 3)), -1, 1)}
_WEIGHT = np.array([0.5, 2.0, 1.0, 0.25])


def _run(lib: Any, shape: tuple[int, ...], dtypes: tuple[str, str], **kw: Any) -> tuple[Any, ...]:
    x = lib.tensor(_LOGITS[shape], dtype=getattr(lib, dtypes[0]), requires_grad=True)
    t = lib.tensor(_PROBS[shape], dtype=getattr(lib, dtypes[1]), requires_grad=True)
    if "weight" in kw:
        kw["weight"] = lib.tensor(_WEIGHT, dtype=getattr(lib, dtypes[0]))
    loss = lib.nn.functional.cross_entropy(x, t, **kw)
    gx, gt = lib.autograd.grad(loss.sum(), (x, t))
    return (str(loss.dtype).split(".")[-1], loss.grad_fn.name(), loss.detach().double().numpy(),
            gx.double().numpy(), gt.double().numpy())


_KW = ({}, {"reduction": "sum"}, {"reduction": "none"}, {"weight": True},
       {"weight": True, "reduction": "none"}, {"label_smoothing": 0.2},
       {"label_smoothing": 0.3, "weight": True, "reduction": "sum"}, {"label_smoothing": -0.5})


@pytest.mark.parametrize(("shape", "dtypes", "kw"), list(itertools.product(
    _LOGITS, (("float64", "float64"), ("float32", "float32"), ("float32", "float64")), _KW)))
def test_probabilities_as_pytorch(shape: tuple[int, ...], dtypes: tuple[str, str],
                                  kw: dict[str, Any]) -> None:
    ours, theirs = _run(symgrad, shape, dtypes, **dict(kw)), _run(torch, shape, dtypes, **kw)
    assert ours[:2] == theirs[:2]
    tol = 1e-12 if dtypes == ("float64", "float64") else 1e-6
    for a, b in zip(ours[2:], theirs[2:], strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _outcome(lib: Any, call: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = call(lib)
    except Exception as e:  # noqa: BLE001 - the outcome compared
        return type(e).__name__, str(e)
    return str(r.dtype).split(".")[-1], repr(round(float(r.sum()), 6))  # NaN equal to NaN


_CALLS = {
    "integer target of the input's shape": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.zeros(2, 3, dtype=lib.int64)),
    "ignore_index with probabilities": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.ones(2, 3) / 3, ignore_index=1),
    "label_smoothing above 1": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.ones(2, 3) / 3, label_smoothing=1.5),
    "a weight of the wrong size": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.ones(2, 3) / 3, weight=lib.ones(2)),
    "an empty batch's mean": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(0, 3), lib.ones(0, 3)),
    "a 0-dim input and target": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(()), lib.ones(())),
    "a 0-dim input, class indices": lambda lib: lib.nn.functional.nll_loss(
        lib.ones(()), lib.zeros((), dtype=lib.int64)),
    "a float target of another batch": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.zeros(3)),
    "a 0-dim target against a batch": lambda lib: lib.nn.functional.nll_loss(
        lib.ones(2, 3), lib.zeros((), dtype=lib.int64)),
    "a float target of the batch's size": lambda lib: lib.nn.functional.nll_loss(
        lib.ones(2, 3), lib.zeros(2)),
}


@pytest.mark.parametrize("name", list(_CALLS))
def test_checks_as_pytorch(name: str) -> None:
    assert _outcome(symgrad, _CALLS[name]) == _outcome(torch, _CALLS[name])
