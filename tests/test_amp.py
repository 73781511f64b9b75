"""``symgrad.amp`` (``torch.amp``): CPU autocast casts each op's inputs as PyTorch 2.13's does
(the products and convolutions to bfloat16 or float16, the losses and most of linalg to
float32, the rest left as given), with its graph (ToCopyBackward0 nodes, one cast per weight
in a block); GradScaler scales, unscales, skips and grows as PyTorch's; the CUDA forms switch
themselves off as on a machine without CUDA. Where torch is installed the same programs run on
both."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad

try:
    import torch
except ImportError:
    torch = None

LIBS = [symgrad] + ([torch] if torch is not None else [])


def _ids(m: Any) -> str:
    return m.__name__


# Each op with the dtype PyTorch 2.13's CPU autocast (bfloat16) gives it from float32 inputs and
# from bfloat16 inputs: "bfloat16, bfloat16" casts down, "float32, float32" casts up, and
# "float32, bfloat16" leaves the inputs alone.
OPS: dict[str, tuple[Callable[[Any, Callable[[Any], Any]], Any], str, str]] = {
    "linear": (lambda lib, c: lib.nn.functional.linear(c(lib.ones(2, 3)), c(lib.ones(4, 3)),
                                                       c(lib.ones(4))), "bfloat16", "bfloat16"),
    "@": (lambda lib, c: c(lib.ones(2, 3)) @ c(lib.ones(3, 4)), "bfloat16", "bfloat16"),
    "mm": (lambda lib, c: lib.mm(c(lib.ones(2, 3)), c(lib.ones(3, 4))), "bfloat16", "bfloat16"),
    "baddbmm": (lambda lib, c: lib.baddbmm(c(lib.ones(2, 2, 4)), c(lib.ones(2, 2, 3)),
                                           c(lib.ones(2, 3, 4))), "bfloat16", "bfloat16"),
    "einsum": (lambda lib, c: lib.einsum("ij,jk->ik", c(lib.ones(2, 3)), c(lib.ones(3, 4))),
               "bfloat16", "bfloat16"),
    "conv2d": (lambda lib, c: lib.nn.functional.conv2d(c(lib.ones(1, 2, 4, 4)),
                                                       c(lib.ones(3, 2, 2, 2))),
               "bfloat16", "bfloat16"),
    "cross_entropy": (lambda lib, c: lib.nn.functional.cross_entropy(
        c(lib.ones(2, 3)), lib.tensor([0, 2])), "float32", "float32"),
    "mse_loss": (lambda lib, c: lib.nn.functional.mse_loss(c(lib.ones(3)), c(lib.zeros(3))),
                 "float32", "float32"),
    "prod": (lambda lib, c: lib.prod(c(lib.ones(3))), "float32", "float32"),
    "cdist": (lambda lib, c: lib.cdist(c(lib.ones(2, 3)), c(lib.zeros(4, 3))),
              "float32", "float32"),
    "inverse": (lambda lib, c: lib.inverse(c(lib.eye(3))), "float32", "float32"),
    "reflect pad": (lambda lib, c: lib.nn.functional.pad(c(lib.ones(1, 2, 4)), (1, 1),
                                                         mode="reflect"), "float32", "float32"),
    "circular pad": (lambda lib, c: lib.nn.functional.pad(c(lib.ones(1, 2, 4)), (1, 1),
                                                          mode="circular"),
                     "float32", "bfloat16"),
    "mv": (lambda lib, c: lib.mv(c(lib.ones(2, 3)), c(lib.ones(3))), "float32", "bfloat16"),
    "softmax": (lambda lib, c: lib.softmax(c(lib.ones(3)), 0), "float32", "bfloat16"),
    "exp": (lambda lib, c: lib.exp(c(lib.ones(3))), "float32", "bfloat16"),
    "index_copy": (lambda lib, c: lib.ones(3).index_copy(0, lib.tensor([0]), c(lib.ones(1))),
                   "float32", "float32"),
}


@pytest.mark.parametrize("lib", LIBS, ids=_ids)
@pytest.mark.parametrize("name", OPS)
def test_each_op_computes_in_pytorchs_autocast_dtype(lib: Any, name: str) -> None:
    program, from_float32, from_bfloat16 = OPS[name]
    with lib.autocast("cpu"):
        got = [str(program(lib, cast).dtype).split(".")[-1]
               for cast in (lambda t: t, lambda t: t.to(lib.bfloat16))]
    assert got == [from_float32, from_bfloat16]


@pytest.mark.parametrize("lib", LIBS, ids=_ids)
def test_float64_is_not_cast_and_float16_is_a_lower_dtype(lib: Any) -> None:
    with lib.autocast("cpu"):
        assert (lib.ones(2, 2, dtype=lib.float64) @ lib.ones(2, 2, dtype=lib.float64)).dtype \
            is lib.float64
        assert (lib.ones(2, 2, dtype=lib.float16) @ lib.ones(2, 2)).dtype is lib.bfloat16
    with lib.autocast("cpu", dtype=lib.float16):
        assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype is lib.float16
        with lib.autocast("cpu", enabled=False):
            assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype is lib.float32
        assert lib.get_autocast_dtype("cpu") is lib.float16
    assert not lib.is_autocast_enabled("cpu") and lib.get_autocast_dtype("cpu") is lib.bfloat16


@pytest.mark.parametrize("lib", LIBS, ids=_ids)
def test_casts_are_recorded_and_a_weight_is_cast_once_per_block(lib: Any) -> None:
    w = lib.nn.Parameter(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
    x = lib.tensor([[1.0, -1.0]])
    with lib.autocast("cpu"):
        a, b = x @ w, w @ w
        edges = [f for f, _ in a.grad_fn.next_functions]
        assert edges[0] is None  # x's cast records nothing: x needs no grad
        assert edges[1].name() == "ToCopyBackward0"
        assert edges[1] is b.grad_fn.next_functions[0][0]  # the same cast of w
        (a.sum() + b.sum()).backward()
    # d/dw of sum(x w) + sum(w w): x^T 1 + (1 w^T + w^T 1)
    expected = (np.array([[1.0], [-1.0]]) @ np.ones((1, 2)) + np.ones((2, 2)) @ w.detach().numpy().T
                + w.detach().numpy().T @ np.ones((2, 2)))
    assert w.grad.dtype is lib.float32
    np.testing.assert_array_equal(w.grad.numpy(), expected)
    with lib.autocast("cpu"):  # a new block, a new cast
        assert (w @ w).grad_fn.next_functions[0][0] is not b.grad_fn.next_functions[0][0]


@pytest.mark.parametrize("lib", LIBS, ids=_ids)
def test_a_detached_leaf_is_cast_once_per_block_and_a_view_each_time(lib: Any) -> None:
    # PyTorch's cache takes a leaf that requires grad and is no view: a detached tensor made
    # to require grad is one (symgrad cast it each time, taking it for a view of the tensor it
    # was detached from); a view made under no_grad, a leaf too, is not.
    w = lib.ones(2, 2, requires_grad=True)
    alias = (w * 1).detach().requires_grad_()
    with lib.no_grad():
        view = w[:, :]
    casts = {}
    for name, t in (("alias", alias), ("view", view)):
        assert t.is_leaf and t.requires_grad
        with lib.autocast("cpu"):
            a, b = t @ t, t @ t
        casts[name] = {f for f, _ in a.grad_fn.next_functions + b.grad_fn.next_functions}
    assert len(casts["alias"]) == 1 and len(casts["view"]) == 4


def test_pinv_is_refused_rather_than_computed_otherwise() -> None:
    # PyTorch's pinv is an SVD in float32 and then a product in bfloat16 (its result is
    # bfloat16); symgrad's is one op, so under autocast it raises instead.
    with symgrad.autocast("cpu"), pytest.raises(NotImplementedError, match="pinv under CPU"):
        symgrad.linalg.pinv(symgrad.eye(2))
    assert symgrad.linalg.pinv(symgrad.eye(2)).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    with symgrad.autocast("cpu"):
        assert symgrad.pinverse(symgrad.eye(2)).dtype is symgrad.float32  # fp32 in PyTorch too


@pytest.mark.parametrize("lib", LIBS, ids=_ids)
def test_autocast_arguments_and_forms(lib: Any) -> None:
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        lib.autocast(1)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with lib.autocast("cpu", dtype=lib.float64):
            off = lib.is_autocast_enabled("cpu")
        with lib.autocast("cuda"):
            cuda_off = not lib.is_autocast_enabled("cuda")
        with lib.cpu.amp.autocast():
            on = lib.is_autocast_enabled("cpu")
        lib.cuda.amp.GradScaler()
    texts = [str(w.message) for w in seen]
    assert not off and cuda_off and on
    assert any(t.startswith("In CPU autocast, but the target dtype is not supported.")
               for t in texts)
    assert "CUDA is not available or torch_xla is imported. Disabling autocast." in texts
    assert any("cpu.amp.autocast(args...)` is deprecated" in t for t in texts)
    assert any("GradScaler is enabled, but CUDA is not available.  Disabling." in t for t in texts)

    @lib.autocast("cpu")
    def inside() -> bool:
        return lib.is_autocast_enabled("cpu")

    assert inside() and not lib.is_autocast_enabled("cpu")


def _training(lib: Any) -> list[Any]:
    """Three mixed-precision steps with loss scaling, and what they print."""
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))
    x, y = lib.randn(5, 6), lib.tensor([0, 2, 1, 1, 0])
    opt = lib.optim.SGD(net.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=256.0, growth_interval=2)
    seen = []
    for step in range(3):
        opt.zero_grad()
        with lib.autocast("cpu"):
            logits = net(x)
            loss = lib.nn.functional.cross_entropy(logits, y)
        scale = float("inf") if step == 1 else 1.0  # the second step's gradients overflow
        scaler.scale(loss * scale).backward()
        grad = net[0].weight.grad.clone()
        scaler.step(opt)
        scaler.update()
        seen.append((str(logits.dtype).split(".")[-1], loss.item(), grad.numpy(),
                     scaler.get_scale(), net[0].weight.detach().numpy().copy()))
    return seen


@pytest.mark.skipif(torch is None, reason="the comparison needs torch")
def test_a_mixed_precision_training_loop_as_pytorchs() -> None:
    for mine, theirs in zip(_training(symgrad), _training(torch), strict=True):
        assert mine[0] == theirs[0] == "bfloat16"
        assert mine[1] == pytest.approx(theirs[1], rel=4 * 2.0 ** -23)  # exact log-softmax
        np.testing.assert_allclose(mine[2], theirs[2], rtol=2.0 ** -7)
        assert mine[3] == theirs[3]
        np.testing.assert_allclose(mine[4], theirs[4], rtol=1e-6)


def test_grad_scaler_skips_backs_off_and_grows() -> None:
    w = symgrad.nn.Parameter(symgrad.tensor([1.0, 2.0]))
    opt = symgrad.optim.SGD([w], lr=0.1)
    scaler = symgrad.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
    scales, weights = [], []
    for factor in (3.0, 3.0, float("inf"), 3.0):
        opt.zero_grad()
        scaler.scale((w * factor).sum()).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        weights.append(w.detach().tolist())
    # Two finite steps double the scale; the infinite one is skipped and halves it.
    assert scales == [4.0, 8.0, 4.0, 4.0]
    assert weights[1] == weights[2] and weights[0] == pytest.approx([0.7, 1.7])
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update."):
        scaler.update()
    opt.zero_grad()
    scaler.scale((w * 3).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    scaler.update()  # the second finite step in a row since the skipped one: the scale grows
    assert scaler.get_scale() == 8.0 and scaler.state_dict()["_growth_tracker"] == 0
    off = symgrad.amp.GradScaler("cpu", enabled=False)
    loss = (w * 1).sum()
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        symgrad.amp.GradScaler("cpu").load_state_dict({})
