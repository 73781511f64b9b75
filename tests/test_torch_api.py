"""The PyTorch API that programs use, against torch 2.13: devices, the legacy constructor,
formatting, the ``*_as`` views, losses as modules and functions, layers, containers, state
dicts, train/eval, and PyTorch's exception classes and messages for misuse."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

X = [[0.25, -1.5, 2.0], [0.75, 0.5, -0.125]]
NAN, INF = float("nan"), float("inf")
# Pairs near each tolerance's edge, and the special values.
CLOSE_A = [1.0, 1.0, 1.0, 100.0, 0.0, 0.0, INF, INF, -INF, NAN, NAN, 1e-9, -2.5]
CLOSE_B = [1.0 + 9e-6, 1.0 + 2e-5, 1.0005, 100.002, 1e-8, 3e-8, INF, -INF, -INF, NAN, 1.0,
           0.0, -2.4]
P = [[0.2, 0.7, 0.4], [0.9, 0.1, 0.55]]
Y = [[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]]


def outcome(call: Any, lib: Any) -> Any:
    """What a call gives, as plain data comparable across the two libraries."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e).replace("torch.", "symgrad."))
    return plain(out)


def plain(x: Any) -> Any:
    if isinstance(x, torch.Tensor | symgrad.Tensor):
        node = x.grad_fn
        values = x.detach().tolist()
        if x.is_floating_point():
            values = np.round(np.asarray(values, dtype=np.float64), 5).tolist()
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), values, x.requires_grad,
                None if node is None else type(node).__name__)
    if isinstance(x, tuple | list):
        return [plain(v) for v in x]
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    return x if isinstance(x, str | int | float | bool | type(None)) else repr(x)


def same(call: Any) -> None:
    assert outcome(call, symgrad) == outcome(call, torch)


def _w(lib: Any, dtype: str = "float64", **kwargs: Any) -> Any:
    """A class weight for three classes."""
    return lib.tensor([0.5, 2.0, 1.25], dtype=getattr(lib, dtype), **kwargs)


def _backward(lib: Any, make: Any, data: Any) -> Any:
    """The loss and its float32 gradient by ``backward()``, which records nothing (symgrad's
    array VJPs; ``_grads`` runs the VJPs on tensors)."""
    leaf = lib.tensor(data, requires_grad=True)
    out = make(lib, leaf)
    out.backward()
    return [out, leaf.grad]


def _quiet(call: Any) -> Any:
    """``call()`` with warnings ignored (``outcome`` compares a warning as an error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def _grads(lib: Any, make: Any, *data: Any) -> Any:
    leaves = [lib.tensor(d, dtype=lib.float64, requires_grad=True) for d in data]
    out = make(lib, *leaves)
    gs = lib.autograd.grad(out.sum() if out.ndim else out, leaves, create_graph=True)
    second = lib.autograd.grad(sum((g * g).sum() for g in gs), leaves[0], allow_unused=True)
    # Gradients are compared by value: their own nodes are symgrad's VJP in engine ops, where
    # PyTorch has one backward-of-backward node.
    return [out, *(g.detach().clone() for g in gs), *(g.detach().clone() for g in second)]


# -- devices ---------------------------------------------------------------------------------
DEVICE_CALLS = {
    "device cpu": lambda lib: (repr(lib.device("cpu")), str(lib.device("cuda", 1)),
                               lib.device("cpu:0").index, lib.device("cuda").type),
    "device equality": lambda lib: (lib.ones(1).device == lib.device("cpu"),
                                    lib.ones(1).device == "cpu"),
    "bad device string": lambda lib: lib.device("gpu"),
    "cuda tensor": lambda lib: lib.ones(2, device="cuda"),
    "mps tensor": lambda lib: lib.tensor([1.0], device="mps"),
    "to cuda": lambda lib: lib.ones(2).to("cuda"),
    "to device kwarg": lambda lib: lib.ones(2).to(device="cuda"),
    "to device and dtype": lambda lib: lib.ones(2).to(lib.device("cpu"), lib.float64),
    "cpu": lambda lib: lib.ones(2).cpu(),
    "cuda()": lambda lib: lib.ones(2).cuda(),
    "availability": lambda lib: (lib.cuda.is_available(), lib.cuda.device_count(),
                                 lib.accelerator.is_available(),
                                 lib.accelerator.current_accelerator()),
    "default device": lambda lib: repr(lib.get_default_device()),
    "set bad default device": lambda lib: lib.set_default_device("foo"),
    "module to cuda": lambda lib: lib.nn.Linear(2, 1).to("cuda"),
    "module to int": lambda lib: lib.nn.Linear(2, 1).to(lib.int64),
}


@pytest.mark.parametrize("name", sorted(DEVICE_CALLS))
def test_devices(name: str) -> None:
    same(DEVICE_CALLS[name])


def test_a_default_device_that_is_not_there_raises_when_a_tensor_is_made() -> None:
    for lib in (symgrad, torch):
        lib.set_default_device("cuda")
    try:
        same(lambda lib: lib.ones(2))
    finally:
        for lib in (symgrad, torch):
            # None, not "cpu": PyTorch's "cpu" leaves its device mode on, which moves where
            # the warnings of later tests in this process point (into torch/utils/_device.py).
            lib.set_default_device(None)
    same(lambda lib: lib.ones(2))


# -- tensors -----------------------------------------------------------------------------------
TENSOR_CALLS = {
    "legacy list": lambda lib: lib.Tensor([1, 2]),
    "legacy sizes": lambda lib: lib.Tensor(2, 3).shape == (2, 3),
    "legacy empty": lambda lib: lib.Tensor(),
    "legacy tensor keeps dtype": lambda lib: lib.Tensor(lib.tensor([1, 2])),
    "legacy float": lambda lib: lib.Tensor(1.5),
    "legacy negative size": lambda lib: lib.Tensor(-1),
    "format scalar": lambda lib: f"{lib.tensor(1.5):+.2f} {lib.tensor(3):04d}",
    "format requires grad": lambda lib: f"{lib.tensor(3.5, requires_grad=True):.1f}",
    "format vector": lambda lib: f"{lib.tensor([1.5]):.2f}",
    "format vector empty spec": lambda lib: f"{lib.tensor([1.5])}",
    "format parameter": lambda lib: f"{lib.nn.Parameter(lib.tensor(1.5)):.2f}",
    "view_as": lambda lib: lib.arange(6.0, requires_grad=True).view_as(lib.zeros(2, 3)),
    "view_as wrong size": lambda lib: lib.zeros(2).view_as(lib.zeros(3)),
    "reshape_as": lambda lib: lib.arange(4).reshape_as(lib.zeros(2, 2)),
    "reshape_as wrong size": lambda lib: lib.zeros(2).reshape_as(lib.zeros(3)),
    "expand_as": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).expand_as(
        lib.zeros(3, 2)),
    "expand_as wrong size": lambda lib: lib.zeros(2).expand_as(lib.zeros(3)),
    "argmax": lambda lib: (lib.tensor(X).argmax(), lib.tensor(X).argmax(1),
                           lib.tensor(X).argmin(0, keepdim=True)),
    "argmax empty": lambda lib: lib.tensor([]).argmax(),
    "all any": lambda lib: (lib.tensor(X).all(), (lib.tensor(X) > 0).any(1),
                            lib.tensor([[1, 0]], dtype=lib.uint8).all()),
    "isnan isinf isfinite": lambda lib: [
        (f(t), getattr(t, f.__name__)()) for f in (lib.isnan, lib.isinf, lib.isfinite)
        for t in (lib.tensor([1.0, NAN, INF, -INF, -0.0]), lib.tensor([[NAN]], dtype=lib.float16),
                  lib.tensor([NAN, -INF], dtype=lib.bfloat16), lib.tensor([3, -1]),
                  lib.tensor(True), lib.zeros(0, 2))],
    "isnan of a number": lambda lib: lib.isnan(1.0),
    "isclose": lambda lib: [
        lib.isclose(lib.tensor(CLOSE_A, dtype=d), lib.tensor(CLOSE_B, dtype=d), **kw)
        for d in (lib.float32, lib.float64, lib.float16, lib.bfloat16)
        for kw in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 1e-3},
                   {"atol": 0.5, "rtol": 0.0})],
    # Found by a search: computed in bfloat16 with the tolerances rounded first it is True;
    # PyTorch forms atol + |rtol * b| in float32 and rounds each step.
    "isclose bfloat16 in float32 steps": lambda lib: lib.isclose(
        lib.tensor([-0.28515625], dtype=lib.bfloat16), lib.tensor([-0.2890625], dtype=lib.bfloat16),
        rtol=0.01, atol=0.001),
    "isclose integers and bools": lambda lib: [
        lib.isclose(lib.tensor([1, 2, 3]), lib.tensor([1, 3, 3]), atol=1.0),
        lib.tensor([1, 2]).isclose(lib.tensor([1, 3])),
        lib.isclose(lib.tensor([True, False]), lib.tensor([True, True]))],
    "isclose broadcast": lambda lib: lib.isclose(lib.tensor(X), lib.tensor([0.25, -1.5, 0.0])),
    "isclose dtypes": lambda lib: lib.isclose(lib.ones(2), lib.ones(2, dtype=lib.float64)),
    "isclose negative rtol": lambda lib: lib.isclose(lib.ones(2), lib.ones(2), rtol=-1),
    "isclose negative atol": lambda lib: lib.isclose(lib.ones(2), lib.ones(2), atol=-0.5),
    "isclose shapes": lambda lib: lib.isclose(lib.ones(2), lib.ones(3)),
    "isclose of a number": lambda lib: lib.isclose(lib.ones(2), 1.0),
    "allclose": lambda lib: [
        lib.allclose(lib.tensor(X), lib.tensor(X) * (1 + 1e-6)),
        lib.allclose(lib.tensor(X), lib.tensor(X) + 1e-3),
        lib.tensor([1.0, NAN]).allclose(lib.tensor([1.0, NAN])),
        lib.allclose(lib.tensor([1.0, NAN]), lib.tensor([1.0, NAN]), equal_nan=True),
        lib.allclose(lib.tensor([INF]), lib.tensor([INF]))],
    "numel nelement ndimension type_as": lambda lib: [
        lib.numel(lib.ones(2, 3)), lib.ones(2, 3).nelement(), lib.ones(2, 3).ndimension(),
        lib.tensor([1, 2]).type_as(lib.ones(1, dtype=lib.float64)),
        lib.tensor([1.5], requires_grad=True).type_as(lib.ones(1, dtype=lib.float64))],
    "isfinite of a list": lambda lib: lib.isfinite([1.0]),
}


@pytest.mark.parametrize("name", sorted(TENSOR_CALLS))
def test_tensor_api(name: str) -> None:
    same(TENSOR_CALLS[name])


# -- losses --------------------------------------------------------------------------------------
LOSS_CALLS: dict[str, Any] = {}
for r in ("mean", "sum", "none"):
    LOSS_CALLS |= {
        f"mse {r}": lambda lib, r=r: _grads(lib, lambda lib, x, y: lib.nn.MSELoss(
            reduction=r)(x, y), X, Y),
        f"l1 {r}": lambda lib, r=r: _grads(lib, lambda lib, x, y: lib.nn.L1Loss(
            reduction=r)(x, y), X, Y),
        f"smooth l1 {r}": lambda lib, r=r: _grads(lib, lambda lib, x, y: lib.nn.SmoothL1Loss(
            reduction=r, beta=0.5)(x, y), X, Y),
        f"huber {r}": lambda lib, r=r: _grads(lib, lambda lib, x, y: lib.nn.HuberLoss(
            reduction=r, delta=0.6)(x, y), X, Y),
        f"bce {r}": lambda lib, r=r: _grads(lib, lambda lib, x, y: lib.nn.BCELoss(
            weight=lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64), reduction=r)(x, y), P, Y),
        f"bce logits {r}": lambda lib, r=r: _grads(lib, lambda lib, x, y: lib.nn.BCEWithLogitsLoss(
            reduction=r, pos_weight=lib.tensor([1.0, 2.0, 0.5], dtype=lib.float64))(x, y), X, Y),
        f"cross entropy {r}": lambda lib, r=r: _grads(lib, lambda lib, x: lib.nn.CrossEntropyLoss(
            reduction=r, ignore_index=2, label_smoothing=0.2)(x, lib.tensor([0, 2])), X),
        f"nll {r}": lambda lib, r=r: _grads(lib, lambda lib, x: lib.nn.NLLLoss(reduction=r)(
            x.log_softmax(1), lib.tensor([1, 0])), X),
        f"nll weighted {r}": lambda lib, r=r: _grads(lib, lambda lib, x: lib.nn.NLLLoss(
            _w(lib), reduction=r)(x.log_softmax(1), lib.tensor([1, 0])), X),
        f"nll weighted ignore {r}": lambda lib, r=r: _grads(lib, lambda lib, x: lib.nn.NLLLoss(
            _w(lib), ignore_index=0, reduction=r)(x.log_softmax(1), lib.tensor([2, 0])), X),
        f"cross entropy weighted {r}": lambda lib, r=r: _grads(
            lib, lambda lib, x: lib.nn.CrossEntropyLoss(_w(lib), reduction=r)(
                x, lib.tensor([2, 1])), X),
        f"cross entropy weighted smoothing {r}": lambda lib, r=r: _grads(
            lib, lambda lib, x: lib.nn.CrossEntropyLoss(_w(lib), ignore_index=1, reduction=r,
                                                       label_smoothing=0.3)(
                x, lib.tensor([0, 1])), X),
        f"nll weighted backward {r}": lambda lib, r=r: _backward(
            lib, lambda lib, x: lib.nn.functional.nll_loss(
                x.log_softmax(1), lib.tensor([1, 0]), _w(lib, "float32"),
                reduction=r).sum(), X),
        f"legacy size_average False {r}": lambda lib, r=r: _quiet(lambda: _grads(
            lib, lambda lib, x, y: lib.nn.functional.mse_loss(x, y, size_average=False,
                                                             reduction=r), X, Y)),
        f"legacy reduce False {r}": lambda lib, r=r: _quiet(lambda: _grads(
            lib, lambda lib, x: lib.nn.NLLLoss(reduce=False, reduction=r)(
                x.log_softmax(1), lib.tensor([1, 0])), X)),
    }
LOSS_CALLS |= {
    "smooth l1 beta 0": lambda lib: _grads(lib, lambda lib, x, y: lib.nn.functional.smooth_l1_loss(
        x, y, beta=0.0), X, Y),
    "cross entropy 1-d": lambda lib: _grads(lib, lambda lib, x: lib.nn.functional.cross_entropy(
        x[0], lib.tensor(1), label_smoothing=0.1), X),
    "bce logits plain": lambda lib: _grads(
        lib, lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(x, y), X, Y),
    "bce out of range": lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.tensor([1.5]), lib.tensor([1.0])),
    "bce target size": lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.tensor([0.5]), lib.tensor([1.0, 0.0])),
    "bce dtypes": lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.tensor([0.5], dtype=lib.float64), lib.tensor([1.0])),
    "bce weight requires grad": lambda lib: lib.nn.functional.binary_cross_entropy(
        lib.tensor([0.5]), lib.tensor([1.0]), weight=lib.tensor([2.0], requires_grad=True)),
    "bce logits target size": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.tensor([0.5]), lib.tensor([1.0, 0.0])),
    "huber delta 0": lambda lib: lib.nn.functional.huber_loss(
        lib.tensor([0.5]), lib.tensor([1.0]), delta=0.0),
    "smooth l1 negative beta": lambda lib: lib.nn.functional.smooth_l1_loss(
        lib.tensor([0.5]), lib.tensor([1.0]), beta=-1.0),
    "smooth l1 integers": lambda lib: lib.nn.functional.smooth_l1_loss(
        lib.tensor([1, 2]), lib.tensor([1, 3])),
    "label smoothing 1.5": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.tensor([0, 1]), label_smoothing=1.5),
    "bad reduction": lambda lib: lib.nn.MSELoss(reduction="average")(lib.ones(2), lib.ones(2)),
    # Class weights, PyTorch's positional order, and the deprecated size_average and reduce.
    "nll weighted 1-d": lambda lib: _grads(lib, lambda lib, x: lib.nn.functional.nll_loss(
        x[0].log_softmax(0), lib.tensor(2), _w(lib)), X),
    "cross entropy weighted 1-d smoothing": lambda lib: _grads(
        lib, lambda lib, x: lib.nn.functional.cross_entropy(x[0], lib.tensor(1), _w(lib),
                                                           label_smoothing=0.1), X),
    "nll weighted positional": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X, dtype=lib.float64), lib.tensor([1, 2]), _w(lib), None, 2, None, "sum"),
    "cross entropy weighted positional": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X, dtype=lib.float64), lib.tensor([1, 2]), _w(lib), None, -100, None, "none",
        0.25),
    "cross entropy module weight": lambda lib: lib.nn.CrossEntropyLoss(_w(lib), None, 1).weight,
    "nll weighted all ignored": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([1, 1]), _w(lib, "float32"), ignore_index=1).isnan(),
    "nll weights summing to 0": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([0, 1]), lib.tensor([1.0, -1.0, 0.0])),
    "nll weight shape": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([0, 1]), lib.ones(2, dtype=lib.float64)),
    "nll weight 2-d": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([0, 1]), lib.ones(1, 3)),
    "nll weight dtype": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([0, 1]), lib.ones(3, dtype=lib.float64)),
    "nll weight integers": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([0, 1]), lib.tensor([1, 2, 3])),
    "nll weight requires grad": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([0, 1]), _w(lib, "float64", requires_grad=True)),
    "nll weight requires grad no grad": lambda lib: _no_grad(lib, lambda: lib.nn.NLLLoss(
        _w(lib, "float32", requires_grad=True))(lib.tensor(X), lib.tensor([0, 1]))),
    "nll weight a list": lambda lib: lib.nn.functional.nll_loss(
        lib.tensor(X), lib.tensor([0, 1]), [1.0, 2.0, 3.0]),
    "cross entropy weight a list": lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor(X), lib.tensor([0, 1]), [1.0, 2.0, 3.0]),
    "cross entropy weight dtype": lambda lib: lib.nn.CrossEntropyLoss(_w(lib))(
        lib.tensor(X), lib.tensor([0, 1])),
    "legacy warning function": lambda lib: lib.nn.functional.l1_loss(
        lib.ones(2), lib.zeros(2), size_average=False),
    "legacy warning module": lambda lib: lib.nn.BCELoss(None, True, False),
    "legacy modules": lambda lib: _quiet(lambda: [
        lib.nn.MSELoss(False).reduction, lib.nn.L1Loss(None, False).reduction,
        lib.nn.SmoothL1Loss(True, True).reduction, lib.nn.NLLLoss(None, False).reduction,
        lib.nn.CrossEntropyLoss(None, None, -100, 0).reduction,
        lib.nn.BCEWithLogitsLoss(None, False, True).reduction, lib.nn.MSELoss(0, 1).reduction]),
    "modules positional": lambda lib: [
        lib.nn.MSELoss(None, None, "sum").reduction,
        lib.nn.SmoothL1Loss(None, None, "none", 0.5).beta, lib.nn.HuberLoss("sum", 2.0).delta,
        lib.nn.BCEWithLogitsLoss(None, None, None, "sum", _w(lib)).pos_weight,
        lib.nn.NLLLoss(None, None, 3).ignore_index,
        lib.nn.CrossEntropyLoss(None, None, -1, None, "sum", 0.5).label_smoothing],
}


def _no_grad(lib: Any, call: Any) -> Any:
    with lib.no_grad():
        return call()


@pytest.mark.parametrize("name", sorted(LOSS_CALLS))
def test_losses(name: str) -> None:
    same(LOSS_CALLS[name])


# -- layers --------------------------------------------------------------------------------------
def _layer(make: Any, data: Any = X, eval_mode: bool = False) -> Any:
    def call(lib: Any) -> Any:
        lib.manual_seed(0)
        layer = make(lib)
        if eval_mode:
            layer.eval()
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        out = layer(x)
        params = [p for p in layer.parameters()]
        grads = lib.autograd.grad((out * out).sum(), [x, *params]) if out.requires_grad else ()
        return [repr(layer), out, *grads]
    return call


LAYER_CALLS = {
    "flatten": _layer(lambda lib: lib.nn.Flatten(), [[[1.0, 2.0], [3.0, 4.0]]]),
    "flatten 0": _layer(lambda lib: lib.nn.Flatten(0, 1)),
    "unflatten": _layer(lambda lib: lib.nn.Unflatten(1, (3, 1))),
    "relu": _layer(lambda lib: lib.nn.ReLU()),
    "tanh": _layer(lambda lib: lib.nn.Tanh()),
    "sigmoid": _layer(lambda lib: lib.nn.Sigmoid()),
    "gelu": _layer(lambda lib: lib.nn.GELU()),
    "gelu tanh": _layer(lambda lib: lib.nn.GELU("tanh")),
    "silu": _layer(lambda lib: lib.nn.SiLU()),
    "softmax": _layer(lambda lib: lib.nn.Softmax(dim=1)),
    "log softmax": _layer(lambda lib: lib.nn.LogSoftmax(dim=0)),
    "softmax implicit dim": _layer(lambda lib: lib.nn.Softmax()),
    "identity": _layer(lambda lib: lib.nn.Identity(3, bias=False)),
    "dropout train": _layer(lambda lib: lib.nn.Dropout(0.5), [[1.0] * 8] * 4),
    "dropout eval": _layer(lambda lib: lib.nn.Dropout(0.5), eval_mode=True),
    "dropout p 1": _layer(lambda lib: lib.nn.Dropout(1.0)),
    "layer norm": _layer(lambda lib: lib.nn.LayerNorm(3).double()),
    "layer norm no affine": _layer(lambda lib: lib.nn.LayerNorm((2, 3), eps=0.1,
                                                               elementwise_affine=False)),
    "layer norm no bias": _layer(lambda lib: lib.nn.LayerNorm(3, bias=False).double()),
}


@pytest.mark.parametrize("name", sorted(LAYER_CALLS))
def test_layers(name: str) -> None:
    same(LAYER_CALLS[name])


def _embedding(lib: Any) -> Any:
    lib.manual_seed(0)
    table = lib.nn.Embedding(5, 3)
    out = table(lib.tensor([[0, 4], [4, 4]]))
    (g,) = lib.autograd.grad((out * out).sum(), table.weight)
    return [repr(table), out, g]


LAYER_ERRORS = {
    "embedding": _embedding,
    "embedding out of range": lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([3])),
    "embedding negative": lambda lib: lib.nn.functional.embedding(lib.tensor([-1]),
                                                                  lib.ones(3, 2)),
    "embedding float indices": lambda lib: lib.nn.functional.embedding(lib.tensor([0.0]),
                                                                       lib.ones(3, 2)),
    "dropout p": lambda lib: lib.nn.Dropout(1.5),
    "functional dropout p": lambda lib: lib.nn.functional.dropout(lib.ones(3), -0.5),
    "layer norm shape": lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 3), (2,)),
    "layer norm integers": lambda lib: lib.nn.functional.layer_norm(lib.tensor([[1, 0]]), (2,)),
}


@pytest.mark.parametrize("name", sorted(LAYER_ERRORS))
def test_layer_misuse_and_embedding(name: str) -> None:
    same(LAYER_ERRORS[name])


# -- modules: containers, state dicts, modes -----------------------------------------------------
def _net(lib: Any) -> Any:
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ModuleList([lib.nn.Tanh(),
                             lib.nn.Linear(4, 2)]),
                             lib.nn.ModuleDict({"norm": lib.nn.LayerNorm(2),
                                                "drop": lib.nn.Dropout(0.25)}))


MODULE_CALLS = {
    "repr": lambda lib: repr(_net(lib)),
    "named parameters": lambda lib: [(n, tuple(p.shape)) for n, p in
                                     _net(lib).named_parameters()],
    "state dict": lambda lib: _net(lib).state_dict(),
    "load state dict": lambda lib: repr(_net(lib).load_state_dict(_net(lib).state_dict())),
    "load missing": lambda lib: _net(lib).load_state_dict({"0.weight": lib.zeros(4, 3)}),
    "load unexpected": lambda lib: _net(lib).load_state_dict(
        {**_net(lib).state_dict(), "extra": lib.zeros(1)}),
    "load wrong shape": lambda lib: _net(lib).load_state_dict(
        {**_net(lib).state_dict(), "0.bias": lib.zeros(5)}),
    "load not strict": lambda lib: repr(_net(lib).load_state_dict(
        {"0.bias": lib.ones(4), "extra": lib.zeros(1)}, strict=False)),
    "train eval": lambda lib: [m.training for m in _net(lib).eval().modules()]
    + [m.training for m in _net(lib).eval().train().modules()],
    "module list": lambda lib: (len(lib.nn.ModuleList([lib.nn.ReLU()]).append(lib.nn.Tanh())),
                                repr(lib.nn.ModuleList([lib.nn.ReLU()])[-1])),
    "module dict": lambda lib: (list(lib.nn.ModuleDict({"b": lib.nn.ReLU(),
                                                        "a": lib.nn.Tanh()}).keys()),
                                "a" in lib.nn.ModuleDict({"a": lib.nn.Tanh()})),
}


def _buffered(lib: Any) -> Any:
    """A module with buffers of each kind around a submodule (PyTorch's running statistics,
    masks and counters are kept so)."""
    lib.manual_seed(0)
    m = lib.nn.Module()
    m.register_buffer("steps", lib.tensor(3))
    m.lin = lib.nn.Linear(2, 1)
    m.register_buffer("mask", lib.ones(2))
    m.register_buffer("scratch", lib.zeros(1), persistent=False)
    m.register_buffer("later", None)
    return m


def _assign_buffer(lib: Any, value: Any) -> Any:
    m = _buffered(lib)
    m.mask = value
    return [list(m.state_dict()), [n for n, _ in m.named_buffers()],
            [n for n, _ in m.named_parameters()]]


MODULE_CALLS |= {
    "buffers": lambda lib: [_buffered(lib).state_dict(), list(_buffered(lib).named_buffers()),
                            list(_buffered(lib).buffers(recurse=False)),
                            _buffered(lib).steps, _buffered(lib).later],
    "buffers to double": lambda lib: [(n, str(t.dtype).split(".")[-1]) for n, t in
                                      _buffered(lib).double().named_buffers()],
    "buffers loaded": lambda lib: [repr(_buffered(lib).load_state_dict(
        {"steps": lib.tensor(7), "mask": lib.tensor([0.5, 2.0]), "lin.weight": lib.ones(1, 2),
         "lin.bias": lib.zeros(1)})), (m := _buffered(lib)).load_state_dict(
        {**m.state_dict(), "steps": lib.tensor(9)}) and m.steps],
    "buffer missing": lambda lib: _buffered(lib).load_state_dict(
        {"lin.weight": lib.ones(1, 2), "lin.bias": lib.zeros(1)}),
    "buffer wrong shape": lambda lib: _buffered(lib).load_state_dict(
        {**_buffered(lib).state_dict(), "mask": lib.ones(3)}),
    "buffer assigned a tensor": lambda lib: _assign_buffer(lib, lib.zeros(2)),
    "buffer assigned none": lambda lib: _assign_buffer(lib, None),
    "buffer assigned a parameter": lambda lib: _assign_buffer(lib, lib.nn.Parameter(lib.ones(2))),
    "buffer assigned a list": lambda lib: _assign_buffer(lib, [1.0]),
    "buffer named by a number": lambda lib: lib.nn.Module().register_buffer(1, None),
    "buffer named with a dot": lambda lib: lib.nn.Module().register_buffer("a.b", None),
    "buffer named empty": lambda lib: lib.nn.Module().register_buffer("", None),
    "buffer named as an attribute": lambda lib: _buffered(lib).register_buffer("training", None),
    "buffer named as a parameter": lambda lib: _buffered(lib).register_buffer("lin", None),
    "buffer of a list": lambda lib: lib.nn.Module().register_buffer("x", [1.0]),
    "shared module state dict": lambda lib: list(
        lib.nn.Sequential(lin := lib.nn.Linear(2, 2), lib.nn.ReLU(), lin).state_dict()),
    "state dict keep vars": lambda lib: [t.requires_grad for t in
                                         _net(lib).state_dict(keep_vars=True).values()],
    "weighted loss buffers": lambda lib: [
        lib.nn.CrossEntropyLoss(lib.tensor([1.0, 2.0])).state_dict(),
        lib.nn.NLLLoss().state_dict(),
        str(lib.nn.BCELoss(lib.ones(2)).double().weight.dtype).split(".")[-1],
        lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(2)).state_dict()],
}


def _clipped(lib: Any, clip: Any, grads: Any = ((3.0, -4.0), (12.0,)), none: bool = True,
             generator: bool = False) -> Any:
    """``clip`` run on parameters holding ``grads`` (and one without a gradient): what it
    returns and the gradients after."""
    params = [lib.nn.Parameter(lib.zeros(len(g))) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = lib.tensor(g)
    if none:
        params.append(lib.nn.Parameter(lib.zeros(2)))
    out = clip(lib, (p for p in params) if generator else params)
    return [out, *(p.grad for p in params)]


CLIP_CALLS = {
    "clip norm": lambda lib: _clipped(lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 6.5)),
    "clip norm not reached": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, max_norm=100)),
    "clip norm 1": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 2.0, norm_type=1)),
    "clip norm inf": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 2.0, float("inf"))),
    "clip norm one tensor": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps[0], 1.0)),
    "clip norm generator": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0), generator=True),
    "clip norm no gradients": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0), grads=()),
    "clip norm empty generator": lambda lib: lib.nn.utils.clip_grad_norm_(
        (p for p in []), 1.0),
    "clip norm nan": lambda lib: [repr(t) for t in _clipped(  # printed: nan != nan
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0), grads=((NAN, 1.0),))],
    "clip norm infinite raises": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True),
        grads=((INF, 1.0),)),
    "clip value": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_value_(ps, 3.5)),
    "clip value generator": lambda lib: _clipped(
        lib, lambda lib, ps: lib.nn.utils.clip_grad_value_(ps, 1), generator=True),
}


@pytest.mark.parametrize("name", sorted(CLIP_CALLS))
def test_gradient_clipping(name: str) -> None:
    same(CLIP_CALLS[name])


def test_gradient_clipping_in_a_training_step_matches_torch() -> None:
    steps = []
    for lib in (symgrad, torch):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
        opt = lib.optim.SGD(net.parameters(), lr=0.5)
        x = lib.tensor(X)
        for _ in range(3):
            opt.zero_grad()
            lib.nn.functional.cross_entropy(net(x), lib.tensor([0, 1])).backward()
            norm = lib.nn.utils.clip_grad_norm_(net.parameters(), 0.25)
            opt.step()
        steps.append([norm.item(), *(p.detach().numpy().tolist() for p in net.parameters())])
    np.testing.assert_allclose(np.concatenate([np.ravel(v) for v in steps[0]]),
                               np.concatenate([np.ravel(v) for v in steps[1]]), rtol=1e-5)


@pytest.mark.parametrize("name", sorted(MODULE_CALLS))
def test_modules(name: str) -> None:
    same(MODULE_CALLS[name])


def test_zero_grad_to_none_or_zeros() -> None:
    def call(lib: Any) -> Any:
        net = _net(lib)
        net[0](lib.ones(1, 3)).sum().backward()
        net.zero_grad(set_to_none=False)
        zeros = net[0].weight.grad
        net.zero_grad()
        return [zeros, net[0].weight.grad]
    same(call)


def test_load_state_dict_copies_values_into_the_same_parameters() -> None:
    a, b = _net(symgrad), symgrad.nn.Linear(3, 4)
    weight = b.weight
    b.load_state_dict({"weight": a[0].weight, "bias": a[0].bias})
    assert b.weight is weight and b.weight.tolist() == a[0].weight.tolist()
    assert b.weight.requires_grad and b.weight.grad_fn is None


EQUAL = {
    "same": lambda lib: lib.equal(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0])),
    "dtypes promoted": lambda lib: lib.equal(lib.tensor([1, 2]), lib.tensor([1.0, 2.0])),
    "bool and int": lambda lib: lib.equal(lib.tensor(True), lib.tensor(1)),
    "shapes differ": lambda lib: lib.equal(lib.ones(2, 1), lib.ones(2)),
    "sizes differ": lambda lib: lib.equal(lib.ones(2), lib.ones(3)),
    "nan": lambda lib: lib.equal(lib.tensor([NAN]), lib.tensor([NAN])),
    "signed zeros": lambda lib: lib.equal(lib.tensor([0.0]), lib.tensor([-0.0])),
    "empty": lambda lib: lib.equal(lib.ones(0), lib.ones(0)),
    "one differs": lambda lib: lib.equal(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.5])),
    "method": lambda lib: lib.ones(2, 3).equal(lib.ones(2, 3)),
    "a number": lambda lib: lib.equal(lib.ones(2), 1),
    "a number first": lambda lib: lib.equal(1.5, lib.ones(2)),
}


@pytest.mark.parametrize("name", sorted(EQUAL))
def test_equal(name):
    same(EQUAL[name])
