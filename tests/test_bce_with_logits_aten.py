"""``torch.binary_cross_entropy_with_logits`` (ATen's op, which ``nn.functional``'s calls once
it has checked the shapes) as PyTorch 2.13 computes it: the loss is written in place into
``1 - target``, so it has target's shape and dtype, ``input`` and ``weight`` broadcast into it,
and ATen's errors come in its order; where ``input`` is smaller than ``target`` the backward
raises as PyTorch's, which writes ``input``'s gradient in place."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

SHAPES = {"0d": (), "3": (3,), "2x3": (2, 3), "3x1": (3, 1), "1x3": (1, 3), "0": (0,)}


def _t(lib: Any, shape: Any, dtype: str = "float32", rg: bool = False) -> Any:
    n = int(np.prod(shape))
    values = np.linspace(-1.0, 1.5, n).reshape(shape).tolist()
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=rg)


def _outcome(lib: Any, call: Any) -> Any:
    """The call's error (class and message), or its result (dtype, shape, values, grad_fn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = call(lib)
        except Exception as e:  # noqa: BLE001 - the class and message are compared
            return type(e).__name__, str(e)
    return (str(out.dtype).split(".")[-1], tuple(out.shape),
            np.round(out.detach().numpy().astype(np.float64), 5).tolist(),
            type(out.grad_fn).__name__)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(SHAPES, repeat=2)))
def test_input_broadcasts_into_target(a: str, b: str) -> None:
    def call(lib: Any) -> Any:
        return lib.binary_cross_entropy_with_logits(_t(lib, SHAPES[a], rg=True), _t(lib, SHAPES[b]))
    assert _outcome(symgrad, call) == _outcome(torch, call)


@pytest.mark.parametrize(("a", "b"), [("3", "2x3"), ("2x3", "3")])
def test_a_weight_that_requires_grad_is_refused_before_the_shapes(a: str, b: str) -> None:
    def call(lib: Any) -> Any:
        return lib.binary_cross_entropy_with_logits(_t(lib, SHAPES[a]), _t(lib, SHAPES[b]),
                                                    _t(lib, SHAPES[b], rg=True))
    assert _outcome(symgrad, call) == _outcome(torch, call)


CALLS = {
    "float64 target": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,), "float64")),
    "float32 target": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,), "float64"), _t(lib, (3,))),
    "functional, float32 target": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        _t(lib, (3,), "float64"), _t(lib, (3,))),
    "int64 target": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,), "int64")),
    "int32 target": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,), "float64"), _t(lib, (3,), "int32")),
    "bool target": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,), "bool")),
    "int64 input before the shapes": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,), "int64"), _t(lib, (2,), "bool")),
    "weight of another shape": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,)), _t(lib, (2, 3))),
    "weight that does not broadcast": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,)), _t(lib, (2,))),
    "bool weight": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,)), _t(lib, (3,), "bool")),
    "pos_weight larger": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,)), pos_weight=_t(lib, (2, 3))),
    "pos_weight, input larger": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (2, 3)), _t(lib, (3,)), pos_weight=_t(lib, (2, 3))),
    "pos_weight before the target": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,), "int64"), pos_weight=_t(lib, (2,))),
    "bool pos_weight": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,), "bool"), pos_weight=_t(lib, (3,), "bool")),
    "pos_weight that requires grad": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (3,)), _t(lib, (3,)), pos_weight=_t(lib, (3,), rg=True)),
    "mean": lambda lib: lib.binary_cross_entropy_with_logits(
        _t(lib, (1, 3)), _t(lib, (2, 3)), _t(lib, (3,)), reduction=1),
}


@pytest.mark.parametrize("name", CALLS)
def test_dtypes_weights_and_errors_as_aten(name: str) -> None:
    assert _outcome(symgrad, CALLS[name]) == _outcome(torch, CALLS[name])


def _grads(lib: Any, a: tuple[int, ...], b: tuple[int, ...], reduction: int,
           needs: tuple[bool, bool], create_graph: bool = False) -> Any:
    x, t = _t(lib, a, "float64", needs[0]), _t(lib, b, "float64", needs[1]).sigmoid().detach()
    t.requires_grad_(needs[1])
    loss = lib.binary_cross_entropy_with_logits(x, t, _t(lib, b, "float64").exp(),
                                                reduction=reduction)
    try:
        grads = lib.autograd.grad((loss * lib.linspace(0.5, 1.5, loss.numel(), dtype=lib.float64)
                                   .reshape(loss.shape)).sum(),
                                  [v for v, n in zip((x, t), needs, strict=True) if n],
                                  create_graph=create_graph)
    except RuntimeError as e:
        return "RuntimeError", str(e)
    return [np.round(g.detach().numpy(), 10).tolist() for g in grads]


@pytest.mark.parametrize(("a", "b"), [((2, 3), (2, 3)), ((), (3,)), ((3,), (2, 3)),
                                      ((1, 3), (2, 3)), ((3,), (1, 3))])
@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("reduction", [0, 2])
def test_gradients_and_backward_errors_as_pytorch(a: Any, b: Any, needs: Any,
                                                  reduction: int) -> None:
    assert _grads(symgrad, a, b, reduction, needs) == _grads(torch, a, b, reduction, needs)


@pytest.mark.parametrize(("a", "b"), [((), (3,)), ((3,), (2, 3))])
def test_a_broadcast_input_has_its_gradient_under_create_graph(a: Any, b: Any) -> None:
    # PyTorch computes the gradient out of place when recording: it raises no error.
    assert _grads(symgrad, a, b, 2, (True, True), True) == _grads(torch, a, b, 2, (True, True),
                                                                    True)


def test_the_mean_of_a_broadcast_input_is_over_the_loss() -> None:
    # PyTorch's backward divides the mean's gradient by input's numel (1 here), not the loss's
    # (3): its gradient is 3 times the derivative, which finite differences give as symgrad's.
    def loss(lib: Any, x: Any) -> Any:
        return lib.binary_cross_entropy_with_logits(x, lib.tensor([0.0, 1.0, 0.25],
                                                                  dtype=lib.float64), reduction=1)

    x = symgrad.tensor(0.5, dtype=symgrad.float64, requires_grad=True)
    (grad,) = symgrad.autograd.grad(loss(symgrad, x), x, create_graph=True)
    h = 1e-6
    fd = (loss(symgrad, symgrad.tensor(0.5 + h, dtype=symgrad.float64)).item()
          - loss(symgrad, symgrad.tensor(0.5 - h, dtype=symgrad.float64)).item()) / (2 * h)
    assert grad.item() == pytest.approx(fd, rel=1e-7)
    xt = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    (torch_grad,) = torch.autograd.grad(loss(torch, xt), xt, create_graph=True)
    assert torch_grad.item() == pytest.approx(3 * fd, rel=1e-7)


@pytest.mark.parametrize("pos_weight", [None, 1.0, 2.0, 0.5])
def test_a_missing_pos_weight_is_no_factor_at_an_infinite_target(pos_weight: Any) -> None:
    # PyTorch multiplies log(sigmoid(x)) by (pos_weight - 1) target + 1 only where pos_weight is
    # given: without it the loss at target inf is (1 - inf) 3 - log(sigmoid(3)) = -inf, with it
    # 0 * inf is NaN (symgrad took a missing pos_weight for a 1: NaN, the fuzzer's seed 91).
    # Target's gradient at x = -inf is inf (it was inf - (1 - pos_weight) inf, NaN at 1 and
    # with none).
    def call(lib: Any) -> Any:
        f64 = {"dtype": lib.float64}
        pw = None if pos_weight is None else lib.tensor(pos_weight, **f64)
        x = lib.tensor([3.0, -math.inf, 3.0], **f64, requires_grad=True)
        t = lib.tensor([math.inf, 1.0, 0.5], **f64, requires_grad=True)
        loss = lib.binary_cross_entropy_with_logits(x, t, lib.tensor([2.0, 1.0, 1.0], **f64),
                                                    pw)
        (loss * lib.tensor([1.0, 1.0, 0.5], **f64))[1:].sum().backward()
        return [v.detach().numpy().tolist() for v in (loss, x.grad, t.grad)]

    ours, theirs = call(symgrad), call(torch)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-15, equal_nan=True)
    if pos_weight is None:
        assert theirs[0][0] == -math.inf and theirs[2][1] == math.inf


INFINITE = [(x, t) for x in (math.inf, -math.inf, 2.0) for t in (math.inf, -math.inf, 0.0, 2.0)
            if math.isinf(x) or math.isinf(t)]


@pytest.mark.parametrize(("x", "t"), INFINITE)
def test_infinite_input_or_target_without_pos_weight(x: float, t: float) -> None:
    """Without a pos_weight the loss is (1 - t) x + softplus(-x), of derivatives sigmoid(x) - t
    and -x: at infinite arguments each is the infinity (or number) of those forms, as
    PyTorch's, where symgrad's pos_weight of 1 put 0 * inf = NaN in the loss (x = t = inf,
    the fuzzer, seed 110) and its sigmoid(-x) * t or softplus(-x) * 0 in the gradients.
    (At x = -inf, t < 1 both give NaN: -inf + inf.)"""
    def call(lib: Any) -> Any:
        xs = lib.tensor([x], dtype=lib.float64, requires_grad=True)
        ts = lib.tensor([t], dtype=lib.float64, requires_grad=True)
        loss = lib.binary_cross_entropy_with_logits(xs, ts, reduction=0)
        loss.sum().backward()
        return [loss.item(), xs.grad.item(), ts.grad.item()]

    with np.errstate(all="ignore"):
        mine, theirs = call(symgrad), call(torch)
    sig = 1.0 if x == math.inf else 0.0 if x == -math.inf else 1 / (1 + math.exp(-x))
    with np.errstate(all="ignore"):
        expected_grads = [np.float64(sig) - t, -x]
    assert repr(mine) == repr(theirs)
    assert repr(mine[1:]) == repr([float(g) for g in expected_grads])
