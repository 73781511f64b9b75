"""Optimizers and learning-rate schedules against PyTorch, step by step: the same rates, and
the same float32 parameters after every step, bit for bit (PyTorch's fused multiply-adds
included). Six elements run PyTorch's scalar kernel path; its vectorised path over longer
tensors can still differ by an ulp in RMSprop's and Adagrad's division.

PyTorch's ``sqrt`` is not correctly rounded on every host: on an AMD EPYC with AVX-512, torch
2.13.0's CPU sqrt was 1 ulp off on 16.6% of 1e5 float32 inputs and 1.3% of float64 ones
(whatever ``ATEN_CPU_CAPABILITY`` says), where another host's was exact and the hardware's own
square root is. symgrad's is NumPy's, correctly rounded. PyTorch's optimizers run here with
their tensors' ``sqrt`` correctly rounded (NumPy's), so that what is compared is the update
each optimizer computes, not the host's sqrt kernel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

START = np.linspace(-1.5, 2.0, 6, dtype=np.float32).reshape(2, 3)
TARGET = np.linspace(0.5, -0.75, 6, dtype=np.float32).reshape(2, 3)

OPTIMIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd-momentum": ("SGD", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.01}),
    "adam": ("Adam", {"lr": 0.05}),
    "adam-decay": ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    "adamw": ("AdamW", {"lr": 0.05}),
    "adamw-decay": ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "eps": 1e-6}),
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "rmsprop-centred-momentum": ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True,
                                             "weight_decay": 0.1, "alpha": 0.9}),
    "adagrad": ("Adagrad", {"lr": 0.1}),
    "adagrad-decay": ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                                  "initial_accumulator_value": 0.25}),
}
SCHEDULES: dict[str, tuple[str, dict[str, Any]]] = {
    "none": ("", {}),
    "step": ("StepLR", {"step_size": 3, "gamma": 0.5}),
    "exponential": ("ExponentialLR", {"gamma": 0.9}),
    "cosine": ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.001}),
}


def _correctly_rounded_sqrt(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyTorch's tensors take NumPy's square root (correctly rounded) for this test."""
    def sqrt(t: Any) -> Any:
        return torch.from_numpy(np.sqrt(t.detach().numpy()))

    def sqrt_(t: Any) -> Any:
        return t.copy_(sqrt(t))

    monkeypatch.setattr(torch.Tensor, "sqrt", sqrt)
    monkeypatch.setattr(torch.Tensor, "sqrt_", sqrt_)


def test_the_sqrt_the_comparison_gives_pytorch_is_correctly_rounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.linspace(0.01, 9.0, 1001, dtype=np.float32)
    exact = np.sqrt(x.astype(np.float64)).astype(np.float32)  # one rounding of a double's root
    _correctly_rounded_sqrt(monkeypatch)
    np.testing.assert_array_equal(torch.tensor(x).sqrt().numpy(), exact)
    np.testing.assert_array_equal(torch.tensor(x).sqrt_().numpy(), exact)


def _run(lib: Any, optimizer: str, kw: dict[str, Any], schedule: str,
         skw: dict[str, Any]) -> list[tuple[np.ndarray, float]]:
    w = lib.nn.Parameter(lib.tensor(START.tolist()))
    target = lib.tensor(TARGET.tolist())
    opt = getattr(lib.optim, optimizer)([w], **kw)
    sched = getattr(lib.optim.lr_scheduler, schedule)(opt, **skw) if schedule else None
    seen = []
    for _ in range(12):
        opt.zero_grad()
        loss = ((w - target) ** 2 * (w + 2)).sum()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        seen.append((np.array(w.detach().tolist(), dtype=np.float32), opt.param_groups[0]["lr"]))
    return seen


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_steps_match_pytorch(name: str, schedule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    optimizer, kw = OPTIMIZERS[name]
    scheduler, skw = SCHEDULES[schedule]
    ours = _run(symgrad, optimizer, kw, scheduler, skw)
    _correctly_rounded_sqrt(monkeypatch)
    theirs = _run(torch, optimizer, kw, scheduler, skw)
    for step, ((w, lr), (w_t, lr_t)) in enumerate(zip(ours, theirs, strict=True)):
        assert lr == lr_t, f"step {step}: lr"
        np.testing.assert_array_equal(w, w_t, err_msg=f"step {step}")


@pytest.mark.parametrize(("make", "kw"), [
    ("RMSprop", {"lr": -0.1}), ("Adagrad", {"lr_decay": -1.0}), ("AdamW", {"betas": (1.0, 0.9)}),
    ("Adagrad", {"eps": -1.0}), ("RMSprop", {"momentum": -0.5}),
])
def test_bad_hyperparameters_raise_pytorchs_error(make: str, kw: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as want:
        getattr(torch.optim, make)([torch.nn.Parameter(torch.ones(1))], **kw)
    with pytest.raises(ValueError) as got:
        getattr(symgrad.optim, make)([symgrad.nn.Parameter(symgrad.ones(1))], **kw)
    assert str(got.value) == str(want.value)


def test_param_groups_take_their_own_rates_and_the_schedule_scales_each() -> None:
    def run(lib: Any) -> list[float]:
        a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        sched = lib.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
        for _ in range(3):
            (a * a + b * b * b).sum().backward()
            opt.step()
            sched.step()
        return a.detach().tolist() + b.detach().tolist() + sched.get_last_lr()
    assert run(symgrad) == run(torch)
