"""symgrad.nn.functional against PyTorch (values, gradients, grad_fn names), modules, optimizers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as F

try:
    import torch
except ImportError:
    torch = None

X = np.array([[-1.5, -0.2, 0.0, 0.7], [2.0, 0.3, -0.9, 1.1], [0.4, -2.2, 1.3, 0.05]])
TARGET = np.array([3, 0, 1])

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.7}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}),
    ("softplus", {"beta": 2.0, "threshold": 1.0}), ("tanh", {}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
]
LOSSES = ["mean", "sum", "none"]


def _sg(data: np.ndarray) -> Any:
    return symgrad.tensor(data, dtype=symgrad.float64, requires_grad=True)


def _th(data: np.ndarray) -> Any:
    return torch.tensor(data, dtype=torch.float64, requires_grad=True)


def _weights(shape: tuple[int, ...]) -> np.ndarray:
    return np.linspace(-1.0, 1.3, int(np.prod(shape))).reshape(shape)


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize(("name", "kw"), CALLS, ids=[f"{n}-{k}" for n, k in CALLS])
def test_activation_matches_pytorch(name: str, kw: dict[str, Any]) -> None:
    a, b = _sg(X), _th(X)
    ya, yb = getattr(F, name)(a, **kw), getattr(torch.nn.functional, name)(b, **kw)
    assert ya.grad_fn.name() == yb.grad_fn.name()
    np.testing.assert_allclose(ya.tolist(), yb.tolist(), rtol=1e-12, atol=1e-14)
    w = _weights(X.shape)
    (ga,) = symgrad.autograd.grad(ya, a, symgrad.tensor(w, dtype=symgrad.float64),
                                  create_graph=True)
    (gb,) = torch.autograd.grad(yb, b, torch.tensor(w), create_graph=True)
    np.testing.assert_allclose(ga.tolist(), gb.tolist(), rtol=1e-10, atol=1e-12)
    # Second order: the gradient of a weighted sum of the first gradient. A piecewise-linear
    # op's first gradient does not depend on the input (symgrad records none; PyTorch records a
    # zero one), and second derivatives at the kink x = 0 are conventions, so compare off it.
    (hb,) = torch.autograd.grad((gb * gb).sum(), b)
    if not ga.requires_grad:
        assert not hb.any()
        return
    (ha,) = symgrad.autograd.grad((ga * ga).sum(), a)
    off_kink = X != 0
    np.testing.assert_allclose(np.array(ha.tolist())[off_kink], hb.numpy()[off_kink],
                               rtol=1e-9, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("reduction", LOSSES)
def test_losses_and_linear_match_pytorch(reduction: str) -> None:
    t = _weights(X.shape)
    cases = [
        ("cross_entropy", lambda lib, x: (x, lib.tensor(TARGET))),
        ("nll_loss", lambda lib, x: (lib.log_softmax(x, 1), lib.tensor(TARGET))),
        ("mse_loss", lambda lib, x: (x, lib.tensor(t, dtype=lib.float64))),
    ]
    for name, make in cases:
        a, b = _sg(X), _th(X)
        ya = getattr(F, name)(*make(symgrad, a), reduction=reduction)
        yb = getattr(torch.nn.functional, name)(*make(torch, b), reduction=reduction)
        assert ya.grad_fn.name() == yb.grad_fn.name(), name
        np.testing.assert_allclose(ya.tolist(), yb.tolist(), rtol=1e-12)
        ya.sum().backward()
        yb.sum().backward()
        np.testing.assert_allclose(a.grad.tolist(), b.grad.tolist(), rtol=1e-10, atol=1e-14)
    w, bias = _weights((2, 4)), np.array([0.5, -0.25])
    a, b = _sg(X), _th(X)
    wa, wb, ba, bb = _sg(w), _th(w), _sg(bias), _th(bias)
    ya, yb = F.linear(a, wa, ba), torch.nn.functional.linear(b, wb, bb)
    assert ya.grad_fn.name() == yb.grad_fn.name() == "AddmmBackward0"
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    for p, q in ((a, b), (wa, wb), (ba, bb)):
        np.testing.assert_allclose(p.grad.tolist(), q.grad.tolist(), rtol=1e-10)


def test_relu_kink_and_cross_entropy_by_hand() -> None:
    x = symgrad.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    F.relu(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]
    logits = symgrad.tensor([[0.0, np.log(3.0)]], dtype=symgrad.float64, requires_grad=True)
    loss = F.cross_entropy(logits, symgrad.tensor([1]))
    loss.backward()
    # softmax = [1/4, 3/4]: loss -log(3/4), gradient softmax - onehot.
    assert loss.item() == pytest.approx(-np.log(0.75))
    np.testing.assert_allclose(logits.grad.tolist(), [[0.25, -0.25]], rtol=1e-12)


def test_module_registration_parameter_and_modes() -> None:
    symgrad.manual_seed(1)
    net = symgrad.nn.Sequential(symgrad.nn.Linear(4, 3), symgrad.nn.Tanh(),
                                symgrad.nn.Linear(3, 2, bias=False))
    names = [n for n, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight"]
    w = net[0].weight
    assert isinstance(w, symgrad.nn.Parameter) and w.is_leaf and w.requires_grad
    assert repr(symgrad.nn.Parameter(symgrad.tensor([1.0]))) == (
        "Parameter containing:\ntensor([1.], requires_grad=True)")
    # Kaiming-uniform with a = sqrt(5): every weight within 1/sqrt(fan_in).
    assert np.abs(w._data).max() <= 0.5 and np.abs(net[2].weight._data).max() <= 3 ** -0.5
    net.eval()
    assert not net.training and not net[0].training
    net.train()
    assert net[1].training
    net(symgrad.tensor(X, dtype=symgrad.float32)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def _quadratic_run(make_opt: Any, lib: Any, steps: int = 3) -> list[float]:
    w = lib.nn.Parameter(lib.tensor([1.0, -2.0], dtype=lib.float64))
    opt = make_opt(lib, [w])
    for _ in range(steps):
        opt.zero_grad()
        ((w * w).sum() * 0.5 + (w * 3).sum()).backward()
        opt.step()
    return w.tolist()


OPTIMIZERS = {
    "sgd": lambda lib, p: lib.optim.SGD(p, lr=0.1),
    "sgd-momentum": lambda lib, p: lib.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01),
    "sgd-nesterov": lambda lib, p: lib.optim.SGD(p, lr=0.1, momentum=0.5, nesterov=True),
    "adam": lambda lib, p: lib.optim.Adam(p, lr=0.1),
    "adam-wd": lambda lib, p: lib.optim.Adam(p, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1),
}


def test_sgd_by_hand() -> None:
    # gradient of 0.5 w^2 + 3 w is w + 3: one step of lr 0.1 from 1 gives 1 - 0.4.
    assert _quadratic_run(OPTIMIZERS["sgd"], symgrad, steps=1) == pytest.approx([0.6, -2.1])


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_matches_pytorch(name: str) -> None:
    np.testing.assert_allclose(_quadratic_run(OPTIMIZERS[name], symgrad),
                               _quadratic_run(OPTIMIZERS[name], torch), rtol=1e-12)


# Misuse of the losses: each raises PyTorch's exception with its text, never a wrong number
# (a negative class indexed from the end, an integer mean rounded down).
BAD_LOSSES: list[tuple[str, Any]] = [
    ("negative class", lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]]), m.tensor([-1]))),
    ("class too large", lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]]), m.tensor([2]))),
    ("float target", lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]]), m.tensor([1.0]))),
    ("int32 target", lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]]),
                                             m.tensor([1], dtype=m.int32))),
    ("2-d target", lambda m, f: f.nll_loss(m.tensor([[-1.0, -2.0]]), m.tensor([[1]]))),
    ("1-d input, 2 targets", lambda m, f: f.nll_loss(m.tensor([-1.0, -2.0]), m.tensor([1, 0]))),
    ("integer mse", lambda m, f: f.mse_loss(m.tensor([1, 2]), m.tensor([1, 3]))),
]


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("case", BAD_LOSSES, ids=[c[0] for c in BAD_LOSSES])
def test_loss_misuse_raises_pytorchs_error(case: tuple[str, Any]) -> None:
    with pytest.raises(Exception) as want:
        case[1](torch, torch.nn.functional)
    with pytest.raises(want.type) as got:
        case[1](symgrad, F)
    assert str(got.value) == str(want.value)


def test_ignored_class_may_be_negative_and_out_of_range_classes_are_ignored_only_then() -> None:
    loss = F.nll_loss(symgrad.tensor([[-1.0, -2.0], [-3.0, -4.0]]), symgrad.tensor([-1, 1]),
                      ignore_index=-1)
    assert loss.item() == 4.0


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss"])
def test_broadcast_target_warns_as_pytorch_does(loss: str) -> None:
    with pytest.warns(UserWarning, match=r"target size \(symgrad.Size\(\[2, 1\]\)\) that is "
                                         r"different to the input size \(symgrad.Size\(\[2\]\)\)"):
        getattr(F, loss)(symgrad.tensor([1.0, 2.0]), symgrad.tensor([[1.0], [3.0]]))


def test_cross_entropy_of_class_probabilities_is_their_expected_negative_log_likelihood() -> None:
    """-(0.25 log p0 + 0.75 log p1) at softmax([1, 2]) (PyTorch's parity:
    tests/test_cross_entropy_probabilities.py)."""
    loss = F.cross_entropy(symgrad.tensor([[1.0, 2.0]]), symgrad.tensor([[0.25, 0.75]]))
    lse = math.log(math.exp(1.0) + math.exp(2.0))
    assert loss.item() == pytest.approx(-(0.25 * (1.0 - lse) + 0.75 * (2.0 - lse)), rel=1e-6)


BAD_OPTIMIZERS: list[tuple[str, Any]] = [
    ("a tensor, not a list", lambda m, w: m.optim.SGD(w, lr=0.1)),
    ("non-leaf", lambda m, w: m.optim.SGD([w * 2], lr=0.1)),
    ("negative lr", lambda m, w: m.optim.Adam([w], lr=-0.1)),
    ("negative momentum", lambda m, w: m.optim.SGD([w], lr=0.1, momentum=-1.0)),
    ("negative weight decay", lambda m, w: m.optim.SGD([w], lr=0.1, weight_decay=-1.0)),
    ("beta1 of 1", lambda m, w: m.optim.Adam([w], betas=(1.0, 0.9))),
    ("beta2 above 1", lambda m, w: m.optim.Adam([w], betas=(0.9, 1.5))),
    ("negative eps", lambda m, w: m.optim.Adam([w], eps=-1.0)),
]


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("case", BAD_OPTIMIZERS, ids=[c[0] for c in BAD_OPTIMIZERS])
def test_optimizer_misuse_raises_pytorchs_error(case: tuple[str, Any]) -> None:
    with pytest.raises(Exception) as want:
        case[1](torch, torch.ones(2, requires_grad=True))
    with pytest.raises(want.type) as got:
        case[1](symgrad, symgrad.ones(2, requires_grad=True))
    # PyTorch names its tensor type; the rest of the text is the same.
    assert str(got.value).replace("symgrad.Tensor", "torch.FloatTensor") == str(want.value)
