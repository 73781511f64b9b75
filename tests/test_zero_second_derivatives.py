"""Second derivatives through piecewise-linear ops, as PyTorch gives them.

After ``g, = grad(f(x).sum(), x, create_graph=True)`` PyTorch's ``g`` requires grad whenever
``x`` does: its backward formulas (``threshold_backward``, ``hardtanh_backward``,
``nll_loss_backward``, ``max_pool2d_with_indices_backward``...) are operators with derivatives
of their own, zero in the forward's input. So ``grad(g.sum(), x)`` gives zeros, and Hessians,
Hessian-vector products and gradient penalties of ReLU networks run. symgrad's first-order
gradients of these ops used to be constants there, and the second ``grad`` raised "element 0
of tensors does not require grad and does not have a grad_fn".

Expected values come from torch 2.13 (run here on the same inputs) or from the mathematics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402
from oracle import crosscheck, exact_grad  # noqa: E402
from symgrad.ops.registry import REGISTRY, apply  # noqa: E402

torch.set_num_threads(1)

X = [[0.75, -1.25, 0.0, 2.5], [-0.5, 1.5, -2.0, 0.25], [3.0, -0.125, 0.5, -1.0]]
TARGET = [2, 0, 3]
WEIGHT = [0.5, 2.0, 1.25, 0.75]
POOL = [[[1.0, 3.0, -2.0, 0.5, 4.0], [2.0, -1.0, 3.0, 3.0, 0.0],
         [-3.0, 0.25, 1.5, -0.5, 2.0], [0.75, 2.5, -1.25, 1.0, -2.5]]]


def _f(lib: Any) -> Any:
    return lib.nn.functional


# name: (input, f(lib, x) -> output). Each first-order gradient is a function of x whose
# derivative is zero (or, through log_softmax or a square, not).
CASES: dict[str, tuple[Any, Callable[[Any, Any], Any]]] = {
    "relu": (X, lambda lib, x: lib.relu(x)),
    "relu_method": (X, lambda lib, x: (x * 2).relu()),
    "relu_inplace": (X, lambda lib, x: _f(lib).relu_(x * 1)),
    "relu_squared": (X, lambda lib, x: lib.relu(x) ** 2),
    "relu6": (X, lambda lib, x: _f(lib).relu6(x)),
    "hardtanh": (X, lambda lib, x: _f(lib).hardtanh(x)),
    "hardtanh_bounds": (X, lambda lib, x: _f(lib).hardtanh(x, -0.3, 0.45)),
    "leaky_relu": (X, lambda lib, x: _f(lib).leaky_relu(x)),
    "leaky_relu_slope": (X, lambda lib, x: _f(lib).leaky_relu(x, 0.2)),
    "max_pool2d": (POOL, lambda lib, x: _f(lib).max_pool2d(x, 2, 1)),
    "max_pool2d_padded": (POOL, lambda lib, x: _f(lib).max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    "max_pool1d": (POOL, lambda lib, x: _f(lib).max_pool1d(x, 2)),
    "nll_loss_mean": (X, lambda lib, x: _f(lib).nll_loss(x, lib.tensor(TARGET))),
    "nll_loss_sum": (X, lambda lib, x: _f(lib).nll_loss(x, lib.tensor(TARGET), reduction="sum",
                                                        ignore_index=0)),
    "nll_loss_none": (X, lambda lib, x: _f(lib).nll_loss(x, lib.tensor(TARGET),
                                                         reduction="none")),
    "nll_loss_weighted": (X, lambda lib, x: _f(lib).nll_loss(
        x, lib.tensor(TARGET), lib.tensor(WEIGHT, dtype=x.dtype))),
    "nll_loss_one_sample": (X, lambda lib, x: _f(lib).nll_loss(x[0], lib.tensor(TARGET[0]))),
}


# Cases whose gradient's last node is not one of these ops' backward (another op's, whose name
# symgrad does not give yet): values and requires_grad are compared, not the name.
OTHER_LAST_NODE = {
    "nll_loss_one_sample": "select's backward (PyTorch's SelectBackwardBackward0)",
}


def _run(lib: Any, name: str, dtype: str) -> dict[str, Any]:
    """The first-order gradient (create_graph) of a weighted sum of the case's output, its
    node, and the second-order gradient of a weighted sum of it (None where unused)."""
    values, f = CASES[name]
    x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
    out = f(lib, x)
    w = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)),
                   dtype=out.dtype)
    (g,) = lib.autograd.grad(out, x, w, create_graph=True)
    v = lib.tensor(np.linspace(-1.0, 2.0, g.numel()).reshape(tuple(g.shape)), dtype=g.dtype)
    (h,) = lib.autograd.grad((g * v).sum(), x, allow_unused=True)
    return {"g": g.detach().double().numpy() if lib is torch else g._data.astype(np.float64),
            "requires_grad": g.requires_grad,
            "node": type(g.grad_fn).__name__,
            "h": None if h is None else (h.double().numpy() if lib is torch
                                         else h._data.astype(np.float64))}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivative_is_pytorchs(name: str, dtype: str) -> None:
    want, got = _run(torch, name, dtype), _run(symgrad, name, dtype)
    assert got["requires_grad"] and want["requires_grad"]
    if name not in OTHER_LAST_NODE:
        assert got["node"] == want["node"]
    # First order as before (weighted nll_loss and log_softmax round once where PyTorch
    # rounds twice: 1 ULP apart in places)
    np.testing.assert_allclose(got["g"], want["g"], rtol=1e-15 if dtype == "float64" else 1e-6)
    assert (got["h"] is None) == (want["h"] is None)
    if want["h"] is not None:
        np.testing.assert_allclose(got["h"], want["h"], rtol=1e-6, atol=0)


@pytest.mark.parametrize(("name", "node"), [
    ("relu", "ThresholdBackwardBackward0"), ("hardtanh", "HardtanhBackwardBackward0"),
    ("leaky_relu", "LeakyReluBackwardBackward0"),
    ("max_pool2d", "MaxPool2DWithIndicesBackwardBackward0"),
    ("nll_loss_mean", "NllLossBackwardBackward0"),
    ("nll_loss_weighted", "NllLossBackwardBackward0")])
def test_the_second_derivative_of_a_piecewise_linear_op_is_zero(name: str, node: str) -> None:
    # The mathematics: these are linear in x off their kinks (no case sits on one), so the
    # gradient is locally constant and its derivative an exact zero (torch: the same node).
    got = _run(symgrad, name, "float64")
    assert got["node"] == node
    assert got["h"] is not None and not got["h"].any()


# -- what real programs do ------------------------------------------------------------------------
W1 = [[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]]
B1 = [0.125, -0.25, 0.5]
W2 = [[1.0], [-2.0], [0.5]]


def _mlp(lib: Any, x: Any, activation: str = "relu") -> Any:
    f = getattr(lib.nn.functional, activation)
    w1, b1, w2 = (lib.tensor(a, dtype=lib.float64) for a in (W1, B1, W2))
    return (f(x @ w1 + b1) @ w2).sum()


def _hessian_rows(lib: Any, x: Any, fn: Callable[[Any], Any]) -> np.ndarray:
    """The Hessian a row at a time, as ``torch.autograd.functional.hessian`` computes it."""
    (g,) = lib.autograd.grad(fn(x), x, create_graph=True)
    flat = g.reshape(-1)
    rows = []
    for i in range(flat.numel()):
        (row,) = lib.autograd.grad(flat[i], x, retain_graph=True, allow_unused=True)
        rows.append(np.zeros(x.numel()) if row is None else np.asarray(
            row.detach().numpy() if lib is torch else row._data, dtype=np.float64).reshape(-1))
    return np.array(rows)


@pytest.mark.parametrize("activation", ["relu", "relu6", "leaky_relu", "hardtanh"])
def test_hessian_of_a_relu_network_is_pytorchs(activation: str) -> None:
    x0 = [[0.5, -1.5], [2.0, 0.25]]

    def of(lib: Any) -> Callable[[Any], Any]:
        return lambda x: _mlp(lib, x, activation)

    want = torch.autograd.functional.hessian(of(torch), torch.tensor(x0, dtype=torch.float64))
    got = _hessian_rows(symgrad, symgrad.tensor(x0, dtype=symgrad.float64, requires_grad=True),
                        of(symgrad))
    np.testing.assert_array_equal(got, want.reshape(4, 4).numpy())
    np.testing.assert_array_equal(got, np.zeros((4, 4)))  # piecewise linear in x


@pytest.mark.parametrize("head", ["cross_entropy", "sum"])
def test_hessian_through_relu_and_pooling_is_pytorchs(head: str) -> None:
    # Through cross_entropy, log_softmax's curvature comes back through the backward operators'
    # derivatives in their grad_output; through a sum, there is none (zeros, as in PyTorch).
    def loss(lib: Any, x: Any) -> Any:
        f = lib.nn.functional
        h = f.max_pool2d(f.relu(x), 2, 1).reshape(1, -1)
        return f.cross_entropy(h, lib.tensor([3])) if head == "cross_entropy" else h.sum()

    x0 = [[[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 1.0, 0.125]]]
    want = torch.autograd.functional.hessian(lambda x: loss(torch, x),
                                             torch.tensor(x0, dtype=torch.float64))
    got = _hessian_rows(symgrad, symgrad.tensor(x0, dtype=symgrad.float64, requires_grad=True),
                        lambda x: loss(symgrad, x))
    np.testing.assert_allclose(got, want.reshape(9, 9).numpy(), rtol=1e-12, atol=1e-15)
    assert (np.abs(got).max() > 0.01) == (head == "cross_entropy")


def test_gradient_penalty_trains_as_in_pytorch() -> None:
    # A WGAN-GP style penalty: the squared norm of the input gradient, differentiated in the
    # weights (the penalty's own gradient is through the first-order gradient's graph).
    def step(lib: Any) -> list[np.ndarray]:
        w1 = lib.tensor(W1, dtype=lib.float64, requires_grad=True)
        w2 = lib.tensor(W2, dtype=lib.float64, requires_grad=True)
        x = lib.tensor([[0.5, -1.5], [2.0, 0.25], [-1.0, 1.0]], dtype=lib.float64,
                       requires_grad=True)
        out = lib.nn.functional.leaky_relu(x @ w1, 0.2) @ w2
        (gx,) = lib.autograd.grad(out.sum(), x, create_graph=True)
        penalty = ((gx * gx).sum(1) - 1) ** 2
        # x too: the penalty depends on it only through leaky_relu's slopes (zero, in torch)
        grads = lib.autograd.grad(penalty.mean(), [w1, w2, x])
        return [np.asarray(g.detach().numpy() if lib is torch else g._data) for g in grads]

    for got, want in zip(step(symgrad), step(torch), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_hessian_vector_product_through_nll_loss() -> None:
    def hvp(lib: Any) -> np.ndarray:
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        loss = lib.nn.functional.nll_loss(lib.relu(x) * 2, lib.tensor(TARGET))
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        (h,) = lib.autograd.grad(g, x, lib.ones_like(g))
        return np.asarray(h.detach().numpy() if lib is torch else h._data)

    np.testing.assert_array_equal(hvp(symgrad), hvp(torch))


# -- the backward operators themselves -----------------------------------------------------------
def test_backward_operators_of_gradients_record_pytorchs_nodes_to_third_order() -> None:
    def third(lib: Any) -> tuple[list[str], np.ndarray]:
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(lib.relu(x).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * x).sum(), x, create_graph=True)
        (k,) = lib.autograd.grad((h * x).sum(), x, allow_unused=True)
        names = [type(t.grad_fn).__name__ for t in (g, h)]
        return names, np.asarray(k.detach().numpy() if lib is torch else k._data)

    (s_names, s_k), (t_names, t_k) = third(symgrad), third(torch)
    assert s_names[0] == t_names[0] == "ThresholdBackwardBackward0"
    np.testing.assert_array_equal(s_k, t_k)


def _mp_grads(result: Any) -> list[list[Any]]:
    return [list(np.asarray(g, dtype=object).reshape(-1)) for g in result.grads]


def test_nll_loss_backward_closed_form() -> None:
    # d/d grad_output <v, nll_backward(g)> is nll_loss(v) (the map is linear in g): for a mean
    # over 3 targets, -(v[0, 2] + v[1, 0] + v[2, 3]) / 3; d/d self is 0.
    g = symgrad.tensor(1.25, dtype=symgrad.float64, requires_grad=True)
    x = symgrad.tensor(X, dtype=symgrad.float64, requires_grad=True)
    out = apply(REGISTRY["nll_loss_backward"], g, x, symgrad.tensor(TARGET),
                reduction="mean", ignore_index=-100)
    v = np.arange(12, dtype=np.float64).reshape(3, 4) / 8
    r = exact_grad(out, [g, x], symgrad.tensor(v), digits=40)
    assert r.status == "ok", r.reason
    (dg,), dx = _mp_grads(r)
    with mpmath.workdps(50):  # v[0, 2] + v[1, 0] + v[2, 3] = (2 + 4 + 11) / 8
        assert abs(dg - mpmath.mpf(-17) / 24) < mpmath.mpf(10) ** -35
    assert all(d == 0 for d in dx)
    # with class weights, a sum ignoring class 0: -(w[2] v[0, 2] + w[3] v[2, 3])
    w = symgrad.tensor(WEIGHT, dtype=symgrad.float64)
    out = apply(REGISTRY["nll_loss_weighted_backward"], g, x, symgrad.tensor(TARGET), w,
                reduction="sum", ignore_index=0)
    r = exact_grad(out, [g, x], symgrad.tensor(v), digits=40)
    assert r.status == "ok", r.reason
    (dg,), dx = _mp_grads(r)
    assert dg == -(mpmath.mpf(1.25) * v[0, 2] + mpmath.mpf(0.75) * v[2, 3])
    assert all(d == 0 for d in dx)


def test_max_pool2d_backward_closed_form() -> None:
    # d/d grad_output <v, scatter(g)> reads v at each window's maximum; d/d self is 0.
    x = symgrad.tensor([[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]]], dtype=symgrad.float64,
                       requires_grad=True)
    g = symgrad.tensor([[[0.5, -1.5]]], dtype=symgrad.float64, requires_grad=True)
    out = apply(REGISTRY["max_pool2d_backward"], g, x, kernel_size=(2, 2), stride=(1, 1),
                padding=(0, 0), dilation=(1, 1), ceil_mode=False)
    v = np.array([[[0.25, 0.75, -2.0], [1.5, -0.5, 3.0]]])
    r = exact_grad(out, [g, x], symgrad.tensor(v), digits=40)
    assert r.status == "ok", r.reason
    dg, dx = _mp_grads(r)
    assert dg == [0.75, 0.75]  # both windows' maximum is the 5.0 at (0, 1)
    assert all(d == 0 for d in dx)


# -- the judge -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["relu", "hardtanh_bounds", "leaky_relu_slope",
                                  "max_pool2d_padded", "nll_loss_weighted", "nll_loss_none"])
def test_the_judge_passes_symgrads_second_order(name: str) -> None:
    values, f = CASES[name]
    # Off the kinks (0 for relu, ties for pooling), where the judge holds a convention instead
    values = np.where(np.asarray(values) == 0, 0.375, values)
    if values.ndim == 3:
        values = values + np.arange(values.size).reshape(values.shape) / 64
    x = symgrad.tensor(values, dtype=symgrad.float64, requires_grad=True)
    # The first-order gradient is on the graph (the judge reads its nodes at order 2) ...
    (g,) = symgrad.autograd.grad(f(symgrad, x).sum(), x, create_graph=True)
    assert g.requires_grad
    # ... and the Hessian-vector products through it are right.
    verdict = crosscheck(lambda x: f(symgrad, x) * x.sum(), [x], order=2)
    assert verdict.status == "ok", verdict.status
