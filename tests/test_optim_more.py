"""The learning-rate schedules of ``symgrad.optim.lr_scheduler_more`` (and the base class's
resume, ``step(epoch)`` and warnings) and the optimizers of ``symgrad.optim.optimizer_more``
against torch 2.13.

Schedules: the same rates, bit for bit, over hundreds of steps (and the momentum or Adam beta
that OneCycleLR and CyclicLR cycle), the same ``state_dict`` keys and values, a schedule
restored from its ``state_dict`` or resumed with ``last_epoch`` going on as torch's, and
torch's warnings and errors (class and message).

Optimizers: the same float32 and float64 parameters after every step, bit for bit, over 6
elements (torch's scalar kernels) and 1031 (its vectorised ones), with infinite, NaN, huge and
tiny gradients too; the state_dict as torch lays it out; a checkpoint training on as torch's;
``step(closure)``; torch's signatures, defaults and errors."""

from __future__ import annotations

import inspect
import io
import math
import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

STEPS = 300


def _optimizer(lib: Any, name: str = "SGD") -> Any:
    """Two groups with their own rates; SGD with momentum (for momentum cycling) or Adam."""
    a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(1))
    kw = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.01}
    return getattr(lib.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.05}], **kw)


SCHEDULES: dict[str, Any] = {
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 0.97 ** e),
    "LambdaLR per group": lambda s, o: s.LambdaLR(
        o, [lambda e: 1 / (e + 1), lambda e: math.cos(e / 10)]),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.99 - e / 1e4),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, [10, 30, 30, 80], gamma=0.3),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.3, total_iters=17),
    "ConstantLR default": lambda s, o: s.ConstantLR(o),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.1, end_factor=0.7, total_iters=37),
    "LinearLR default": lambda s, o: s.LinearLR(o),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=150, power=1.7),
    "PolynomialLR default": lambda s, o: s.PolynomialLR(o),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, 0.01, total_iters=20), s.CosineAnnealingLR(o, T_max=50, eta_min=1e-4),
            s.StepLR(o, 7, 0.7)], milestones=[20, 90]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, 0.1, total_iters=13), s.ExponentialLR(o, gamma=0.99),
         s.CosineAnnealingWarmRestarts(o, 11, 2)]),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=[0.3, 0.7], total_steps=STEPS),
    "OneCycleLR three phases, linear": lambda s, o: s.OneCycleLR(
        o, max_lr=0.3, epochs=10, steps_per_epoch=30, three_phase=True,
        anneal_strategy="linear", pct_start=0.25, div_factor=10.0, final_div_factor=1e3),
    "OneCycleLR without momentum": lambda s, o: s.OneCycleLR(
        o, max_lr=0.3, total_steps=STEPS, cycle_momentum=False),
    "CyclicLR": lambda s, o: s.CyclicLR(o, 0.001, [0.1, 0.2], step_size_up=23,
                                        step_size_down=41),
    "CyclicLR triangular2": lambda s, o: s.CyclicLR(o, 0.001, 0.1, step_size_up=17,
                                                    mode="triangular2", base_momentum=0.7),
    "CyclicLR exp_range": lambda s, o: s.CyclicLR(o, 0.001, 0.1, step_size_up=17,
                                                  mode="exp_range", gamma=0.995),
    "CyclicLR scale_fn": lambda s, o: s.CyclicLR(o, 0.001, 0.1, step_size_up=9,
                                                 scale_fn=lambda x: 1 / (1 + x / 50),
                                                 scale_mode="iterations"),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(
        o, 10, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts T_mult 1": lambda s, o: s.CosineAnnealingWarmRestarts(o, 7),
}
CYCLING = [name for name in SCHEDULES if name.startswith(("OneCycleLR", "CyclicLR"))]


def _groups(opt: Any) -> list[dict[str, Any]]:
    return [{k: g[k] for k in ("lr", "momentum", "betas") if k in g} for g in opt.param_groups]


def _trajectory(lib: Any, name: str, optimizer: str = "SGD") -> list[Any]:
    opt = _optimizer(lib, optimizer)
    sched = SCHEDULES[name](lib.optim.lr_scheduler, opt)
    seen = [(list(sched.get_last_lr()), _groups(opt))]
    for _ in range(STEPS):
        opt.step()
        sched.step()
        seen.append((list(sched.get_last_lr()), _groups(opt)))
    return seen


def _first_difference(mine: list[Any], theirs: list[Any]) -> Any:
    assert len(mine) == len(theirs)
    for step, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        if a != b:
            return step, a, b
    return None


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_rates_are_torchs_bit_for_bit(name: str) -> None:
    assert _first_difference(_trajectory(symgrad, name), _trajectory(torch, name)) is None


@pytest.mark.parametrize("name", CYCLING)
def test_adams_first_beta_cycles_as_torchs(name: str) -> None:
    mine, theirs = _trajectory(symgrad, name, "Adam"), _trajectory(torch, name, "Adam")
    assert _first_difference(mine, theirs) is None


def _plain(value: Any) -> Any:
    """A state_dict value compared across the libraries (functions by kind only)."""
    if callable(value) and not isinstance(value, type):
        return "<callable>"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_state_dict_holds_torchs_keys_and_values(name: str) -> None:
    def state(lib: Any) -> dict[str, Any]:
        opt = _optimizer(lib)
        sched = SCHEDULES[name](lib.optim.lr_scheduler, opt)
        for _ in range(25):
            opt.step()
            sched.step()
        return _plain(sched.state_dict())

    assert state(symgrad) == state(torch)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_a_schedule_restored_from_its_state_dict_goes_on_as_torchs(name: str) -> None:
    def run(lib: Any) -> list[Any]:
        opt = _optimizer(lib)
        sched = SCHEDULES[name](lib.optim.lr_scheduler, opt)
        for _ in range(40):
            opt.step()
            sched.step()
        again = _optimizer(lib)
        resumed = SCHEDULES[name](lib.optim.lr_scheduler, again)
        again.load_state_dict(opt.state_dict())
        resumed.load_state_dict(sched.state_dict())
        seen = []
        for _ in range(60):
            again.step()
            resumed.step()
            seen.append((list(resumed.get_last_lr()), _groups(again)))
        return seen

    assert _first_difference(run(symgrad), run(torch)) is None


RESUMABLE = {
    "StepLR": lambda s, o, e: s.StepLR(o, 4, 0.5, last_epoch=e),
    "MultiStepLR": lambda s, o, e: s.MultiStepLR(o, [3, 9, 12], 0.5, last_epoch=e),
    "LinearLR": lambda s, o, e: s.LinearLR(o, 0.2, 0.9, 11, last_epoch=e),
    "PolynomialLR": lambda s, o, e: s.PolynomialLR(o, 13, 2.0, last_epoch=e),
    "CosineAnnealingLR": lambda s, o, e: s.CosineAnnealingLR(o, 6, 0.01, last_epoch=e),
    "OneCycleLR": lambda s, o, e: s.OneCycleLR(o, 0.5, total_steps=40, last_epoch=e),
    "CyclicLR": lambda s, o, e: s.CyclicLR(o, 0.01, 0.5, 5, last_epoch=e),
    "CosineAnnealingWarmRestarts": lambda s, o, e: s.CosineAnnealingWarmRestarts(
        o, 3, 2, last_epoch=e),
}


@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_resuming_with_last_epoch_gives_torchs_rates(name: str) -> None:
    def run(lib: Any) -> list[Any]:
        opt = _optimizer(lib)
        sched = RESUMABLE[name](lib.optim.lr_scheduler, opt, -1)
        for _ in range(7):
            opt.step()
            sched.step()
        again = _optimizer(lib)
        again.load_state_dict(opt.state_dict())
        resumed = RESUMABLE[name](lib.optim.lr_scheduler, again, 7)
        seen = [(list(resumed.get_last_lr()), _groups(again))]
        for _ in range(20):
            again.step()
            resumed.step()
            seen.append((list(resumed.get_last_lr()), _groups(again)))
        return seen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _first_difference(run(symgrad), run(torch)) is None


EPOCHS = [3, 7, 7, 2, 15, 40, 0, 1, 90]
BY_EPOCH = {
    "StepLR": lambda s, o: s.StepLR(o, 4, 0.5),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, 0.9),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, 12, 0.01),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, [3, 9, 9, 30], 0.5),
    "ConstantLR": lambda s, o: s.ConstantLR(o, 0.25, 7),
    "LinearLR": lambda s, o: s.LinearLR(o, 0.2, 0.9, 11),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, 13, 2.0),
    "LambdaLR (no closed form)": lambda s, o: s.LambdaLR(o, lambda e: 1 / (1 + e)),
    "CyclicLR (no closed form)": lambda s, o: s.CyclicLR(o, 0.01, 0.5, 5),
}


@pytest.mark.parametrize("name", sorted(BY_EPOCH))
def test_step_with_an_epoch_takes_the_closed_form_and_warns(name: str) -> None:
    def run(lib: Any) -> list[Any]:
        opt = _optimizer(lib)
        sched = BY_EPOCH[name](lib.optim.lr_scheduler, opt)
        seen = []
        for epoch in EPOCHS:
            opt.step()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sched.step(epoch)
            seen.append((list(sched.get_last_lr()), _groups(opt),
                         [(w.category, str(w.message)) for w in caught]))
        return seen

    mine, theirs = run(symgrad), run(torch)
    assert "deprecated" in theirs[0][2][0][1]
    assert _first_difference(mine, theirs) is None


def test_warm_restarts_at_fractional_epochs_as_torchs() -> None:
    def run(lib: Any) -> list[Any]:
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 5, 3, eta_min=0.002)
        seen = []
        for epoch in [0.5, 1.25, 4.99, 5.0, 7.3, 19.9, 20.0, 64.5, 2.0, 100.0]:
            opt.step()
            sched.step(epoch)
            seen.append((list(sched.get_last_lr()), sched.T_cur, sched.T_i, sched.last_epoch))
        return seen

    assert _first_difference(run(symgrad), run(torch)) is None


PLATEAUS = {
    "min rel": {"patience": 3},
    "min abs cooldown": {"threshold_mode": "abs", "threshold": 0.01, "cooldown": 4,
                         "patience": 2, "factor": 0.5},
    "max rel": {"mode": "max", "patience": 1, "factor": 0.7, "threshold": 0.05},
    "max abs min_lr list": {"mode": "max", "threshold_mode": "abs", "patience": 0,
                            "min_lr": [0.02, 0.001], "factor": 0.5},
    "eps": {"patience": 0, "factor": 0.5, "eps": 0.004},
}


@pytest.mark.parametrize("name", sorted(PLATEAUS))
def test_reduce_on_plateau_as_torchs(name: str) -> None:
    def run(lib: Any) -> list[Any]:
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **PLATEAUS[name])
        seen = [list(sched.get_last_lr())]
        for epoch in range(STEPS):
            metric = 1 / (1 + epoch / 20) + 0.02 * math.sin(epoch * 1.3)
            opt.step()
            sched.step(lib.tensor(metric) if epoch % 7 == 0 else metric)
            seen.append((list(sched.get_last_lr()), sched.best, sched.num_bad_epochs,
                         sched.cooldown_counter, sched.in_cooldown, sched.last_epoch))
        state = sched.state_dict()
        return seen + [sorted(state), [state[k] for k in sorted(state)]]

    assert _first_difference(run(symgrad), run(torch)) is None


def test_reduce_on_plateau_restored_goes_on_and_takes_an_epoch_with_a_warning() -> None:
    def run(lib: Any) -> list[Any]:
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, "max", patience=1, cooldown=1)
        for metric in [1.0, 2.0, 1.0, 1.0, 1.0]:
            sched.step(metric)
        again = lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib))
        again.load_state_dict(sched.state_dict())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched.step(0.5, epoch=20)
        seen = [(again.mode, again.mode_worse, again.patience, again.best), sched.last_epoch,
                [(w.category, str(w.message)) for w in caught]]
        for metric in [1.0, 1.0, 1.0, 3.0]:
            again.step(metric)
            seen.append((again.num_bad_epochs, again.cooldown_counter))
        return seen

    assert _first_difference(run(symgrad), run(torch)) is None


def _warnings(lib: Any, act: Any) -> list[tuple[type, str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        act(lib)
    return [(w.category, str(w.message)) for w in caught]


def _step_before_optimizer(lib: Any) -> None:
    opt = _optimizer(lib)
    sched = lib.optim.lr_scheduler.LinearLR(opt)
    sched.step()


def _get_lr_outside_step(lib: Any) -> None:
    opt = _optimizer(lib)
    sched = lib.optim.lr_scheduler.MultiStepLR(opt, [2])
    sched.get_lr()


def _optimizer_step_replaced(lib: Any) -> None:
    opt = _optimizer(lib)
    sched = lib.optim.lr_scheduler.PolynomialLR(opt)
    opt.step = lambda: None
    opt.step()
    sched.step()


def _in_order(lib: Any) -> None:
    opt = _optimizer(lib)
    sched = lib.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=10)
    for _ in range(3):
        opt.step()
        sched.step()


@pytest.mark.parametrize("act", [_step_before_optimizer, _get_lr_outside_step,
                                 _optimizer_step_replaced, _in_order], ids=lambda f: f.__name__)
def test_warnings_are_torchs(act: Any) -> None:
    assert _warnings(symgrad, act) == _warnings(torch, act)


ERRORS: dict[str, Any] = {
    "ConstantLR factor": lambda lib, s, o: s.ConstantLR(o, factor=1.5),
    "LinearLR start": lambda lib, s, o: s.LinearLR(o, start_factor=0.0),
    "LinearLR end": lambda lib, s, o: s.LinearLR(o, end_factor=1.5),
    "LambdaLR count": lambda lib, s, o: s.LambdaLR(o, [lambda e: 1.0]),
    "MultiplicativeLR count": lambda lib, s, o: s.MultiplicativeLR(o, [lambda e: 1.0]),
    "MultiplicativeLR not callable": lambda lib, s, o: s.MultiplicativeLR(o, 0.5),
    "not an optimizer": lambda lib, s, o: s.PolynomialLR("sgd"),
    "resumed without initial_lr": lambda lib, s, o: s.StepLR(o, 3, last_epoch=4),
    "SequentialLR none": lambda lib, s, o: s.SequentialLR(o, [], []),
    "SequentialLR milestones": lambda lib, s, o: s.SequentialLR(
        o, [s.StepLR(o, 2), s.StepLR(o, 3)], milestones=[]),
    "SequentialLR plateau": lambda lib, s, o: s.SequentialLR(
        o, [s.StepLR(o, 2), s.ReduceLROnPlateau(o)], milestones=[3]),
    "SequentialLR no optimizer": lambda lib, s, o: s.SequentialLR(o, [object()], []),
    "ChainedScheduler none": lambda lib, s, o: s.ChainedScheduler([]),
    "ChainedScheduler plateau": lambda lib, s, o: s.ChainedScheduler(
        [s.StepLR(o, 2), s.ReduceLROnPlateau(o)]),
    "ReduceLROnPlateau factor": lambda lib, s, o: s.ReduceLROnPlateau(o, factor=1.0),
    "ReduceLROnPlateau mode": lambda lib, s, o: s.ReduceLROnPlateau(o, mode="least"),
    "ReduceLROnPlateau threshold mode": lambda lib, s, o: s.ReduceLROnPlateau(
        o, threshold_mode="ratio"),
    "ReduceLROnPlateau min_lr count": lambda lib, s, o: s.ReduceLROnPlateau(o, min_lr=[0.1]),
    "ReduceLROnPlateau a group added": lambda lib, s, o: _plateau_with_a_new_group(lib, s, o),
    "ReduceLROnPlateau not an optimizer": lambda lib, s, o: s.ReduceLROnPlateau(None),
    "CyclicLR mode": lambda lib, s, o: s.CyclicLR(o, 0.1, 1.0, mode="sine"),
    "CyclicLR base_lr count": lambda lib, s, o: s.CyclicLR(o, [0.1], 1.0),
    "CyclicLR momentums count": lambda lib, s, o: s.CyclicLR(
        o, 0.1, 1.0, base_momentum=[0.8], max_momentum=[0.9]),
    "CyclicLR no momentum": lambda lib, s, o: s.CyclicLR(
        lib.optim.Adagrad([lib.nn.Parameter(lib.ones(1))]), 0.1, 1.0),
    "OneCycleLR no length": lambda lib, s, o: s.OneCycleLR(o, 1.0),
    "OneCycleLR total_steps": lambda lib, s, o: s.OneCycleLR(o, 1.0, total_steps=0),
    "OneCycleLR epochs": lambda lib, s, o: s.OneCycleLR(o, 1.0, epochs=2.0, steps_per_epoch=3),
    "OneCycleLR steps_per_epoch": lambda lib, s, o: s.OneCycleLR(o, 1.0, epochs=2,
                                                                 steps_per_epoch=-3),
    "OneCycleLR pct_start": lambda lib, s, o: s.OneCycleLR(o, 1.0, 10, pct_start=1),
    "OneCycleLR anneal": lambda lib, s, o: s.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"),
    "OneCycleLR momentums count": lambda lib, s, o: s.OneCycleLR(
        o, 1.0, 10, base_momentum=[0.8], max_momentum=[0.9]),
    "OneCycleLR past the end": lambda lib, s, o: _steps(s.OneCycleLR(o, 1.0, 2), 3),
    # torch's SequentialLR restarts the next schedule by its closed form, which a chain has not
    "SequentialLR restarting a chain": lambda lib, s, o: _steps(s.SequentialLR(
        o, [s.ConstantLR(o, 0.5), s.ChainedScheduler([s.ExponentialLR(o, 0.9)])], [3]), 5),
    "OneCycleLR no momentum": lambda lib, s, o: s.OneCycleLR(
        lib.optim.Adagrad([lib.nn.Parameter(lib.ones(1))]), 0.1, 10),
    "warm restarts T_0": lambda lib, s, o: s.CosineAnnealingWarmRestarts(o, 0),
    "warm restarts T_0 float": lambda lib, s, o: s.CosineAnnealingWarmRestarts(o, 2.0),
    "warm restarts T_mult": lambda lib, s, o: s.CosineAnnealingWarmRestarts(o, 2, 0),
    "warm restarts eta_min": lambda lib, s, o: s.CosineAnnealingWarmRestarts(o, 2, 1, "0"),
    "warm restarts epoch": lambda lib, s, o: s.CosineAnnealingWarmRestarts(o, 2).step(-1),
}


def _steps(sched: Any, n: int) -> None:
    for _ in range(n):
        sched.step()


def _plateau_with_a_new_group(lib: Any, s: Any, o: Any) -> None:
    sched = s.ReduceLROnPlateau(o, patience=0, min_lr=[0.0, 0.0])
    o.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))]})
    sched.step(1.0)
    sched.step(2.0)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_are_torchs(name: str) -> None:
    def outcome(lib: Any) -> tuple[str, str]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ERRORS[name](lib, lib.optim.lr_scheduler, _optimizer(lib))
        except Exception as e:  # noqa: BLE001 (the class is what is compared)
            return type(e).__name__, str(e)
        return "no error", ""

    mine, theirs = outcome(symgrad), outcome(torch)
    assert theirs[0] != "no error"
    assert mine == theirs


def test_sequential_lr_refuses_another_optimizers_schedule_as_torch_does() -> None:
    # The message shows the optimizers' reprs, which differ between the libraries.
    def outcome(lib: Any) -> tuple[type, str]:
        a, b = _optimizer(lib), _optimizer(lib)
        s = lib.optim.lr_scheduler
        with pytest.raises(ValueError) as info:
            s.SequentialLR(a, [s.StepLR(a, 2), s.StepLR(b, 2)], milestones=[3])
        return str(info.value).split(" has ")[0]

    assert outcome(symgrad) == outcome(torch)


@pytest.mark.parametrize("name", ["LambdaLR", "MultiplicativeLR", "CyclicLR"])
def test_callable_objects_keep_their_attributes_in_the_state_dict(name: str) -> None:
    class Decay:
        def __init__(self, rate: float) -> None:
            self.rate = rate

        def __call__(self, epoch: int) -> float:
            return self.rate ** epoch

    def run(lib: Any) -> list[Any]:
        s = lib.optim.lr_scheduler

        def make(opt: Any, rate: float) -> Any:
            if name == "CyclicLR":
                return s.CyclicLR(opt, 0.01, 0.1, 3, scale_fn=Decay(rate))
            return getattr(s, name)(opt, Decay(rate))

        opt = _optimizer(lib)
        sched = make(opt, 0.9)
        opt.step()
        sched.step()
        saved = sched.state_dict()
        key = "_scale_fn_custom" if name == "CyclicLR" else "lr_lambdas"
        kept = _plain(saved[key])
        again = make(_optimizer(lib), 0.5)
        again.load_state_dict(saved)
        again.step()
        fns = again._scale_fn_custom if name == "CyclicLR" else again.lr_lambdas[0]
        # torch's CyclicLR takes the function's entry out of the dict it loads; LambdaLR not
        return [kept, key in saved, fns.rate, list(again.get_last_lr())]

    assert run(symgrad) == run(torch)


# -- optimizers ---------------------------------------------------------------------------------
# The gradients are NumPy's, the same array given to both libraries at each step, so that what
# is compared is each optimizer's update alone. PyTorch's tensors take NumPy's correctly rounded
# square root here: this host's torch CPU sqrt is off by an ulp on some inputs (see
# tests/test_optim_parity.py), and symgrad's is NumPy's.
OPTIMIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "Adamax": ("Adamax", {"lr": 0.05}),
    "Adamax decay, maximize": ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "betas": (0.8, 0.99),
                                          "maximize": True, "eps": 1e-3}),
    "NAdam": ("NAdam", {"lr": 0.05}),
    "NAdam decay": ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    "NAdamW, maximize": ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True,
                                   "decoupled_weight_decay": True, "betas": (0.8, 0.9)}),
    "RAdam": ("RAdam", {"lr": 0.05}),
    "RAdam decay, short memory": ("RAdam", {"lr": 0.05, "weight_decay": 0.1,
                                            "betas": (0.9, 0.9), "eps": 1e-4}),
    "RAdamW, maximize": ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True,
                                   "decoupled_weight_decay": True}),
    "Adadelta": ("Adadelta", {}),
    "Adadelta decay": ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1}),
    "Adadelta maximize": ("Adadelta", {"maximize": True, "rho": 0.95}),
    "Rprop": ("Rprop", {"lr": 0.01}),
    "Rprop bounds, maximize": ("Rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2),
                                         "maximize": True}),
    "ASGD": ("ASGD", {"lr": 0.01}),
    "ASGD averaging": ("ASGD", {"lr": 0.02, "t0": 5, "lambd": 0.01, "alpha": 0.6,
                                "weight_decay": 0.1}),
    "ASGD maximize": ("ASGD", {"lr": 0.01, "t0": 3, "maximize": True}),
}


def _correctly_rounded_sqrt(monkeypatch: pytest.MonkeyPatch) -> None:
    def sqrt(t: Any) -> Any:
        return torch.from_numpy(np.sqrt(t.detach().numpy()))

    monkeypatch.setattr(torch.Tensor, "sqrt", sqrt)
    monkeypatch.setattr(torch.Tensor, "sqrt_", lambda t: t.copy_(sqrt(t)))


def _gradient(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """A bounded, nonlinear gradient field with its minimum near ``target``."""
    return 2 * (x - target) * (1.5 + np.tanh(x)) + 0.3 * np.sin(3 * x)


def _optimize(lib: Any, name: str, dtype: str, size: int, steps: int) -> list[np.ndarray]:
    make, kw = OPTIMIZERS[name]
    start = np.linspace(-1.5, 2.0, size).astype(dtype)
    target = np.linspace(0.5, -0.75, size)
    w = lib.nn.Parameter(lib.tensor(start.tolist(), dtype=getattr(lib, dtype)))
    opt = getattr(lib.optim, make)([w], **kw)
    seen = []
    for _ in range(steps):
        x = np.array(w.detach().tolist(), dtype=dtype)
        w.grad = lib.tensor(_gradient(x, target).astype(dtype).tolist(), dtype=getattr(lib, dtype))
        opt.step()
        seen.append(np.array(w.detach().tolist(), dtype=dtype))
    return seen


@pytest.mark.parametrize("size", [6, 1031], ids=["6 elements", "1031 elements"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_parameters_are_torchs_bit_for_bit(name: str, dtype: str, size: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    steps = 100 if size < 100 else 30
    mine = _optimize(symgrad, name, dtype, size, steps)
    _correctly_rounded_sqrt(monkeypatch)
    theirs = _optimize(torch, name, dtype, size, steps)
    for step, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"step {step}")


SPECIAL_PARAMS = [1.0, -2.0, 0.0, 1e30, -1e-30, 3.0, 5e-324, 2.0, -0.0, 1.5]
SPECIAL_GRADS = [np.inf, -np.inf, np.nan, 1e30, 1e-40, 0.0, 1.0, -1e-30, -0.0, 2.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_infinite_nan_huge_and_tiny_gradients_step_as_torchs(
        name: str, dtype: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(lib: Any) -> list[np.ndarray]:
        make, kw = OPTIMIZERS[name]
        w = lib.nn.Parameter(lib.tensor(SPECIAL_PARAMS, dtype=getattr(lib, dtype)))
        opt = getattr(lib.optim, make)([w], **kw)
        seen = []
        for shift in range(3):
            grad = np.roll(np.array(SPECIAL_GRADS, dtype=dtype), shift)
            w.grad = lib.tensor(grad.tolist(), dtype=getattr(lib, dtype))
            with np.errstate(all="ignore"):
                opt.step()
            seen.append(np.array(w.detach().tolist(), dtype=dtype))
        return seen

    mine = run(symgrad)
    _correctly_rounded_sqrt(monkeypatch)
    for a, b in zip(mine, run(torch), strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


def _two_groups(lib: Any, name: str) -> tuple[Any, list[Any]]:
    make, kw = OPTIMIZERS[name]
    a = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
    b = lib.nn.Parameter(lib.tensor([[0.25, -0.5]], dtype=lib.float64))
    frozen = lib.nn.Parameter(lib.tensor([3.0]))  # never has a gradient: no state
    opt = getattr(lib.optim, make)([{"params": [a, frozen]},
                                    {"params": [b], "lr": 0.003, "maximize": True}], **kw)
    return opt, [a, b, frozen]


def _train(lib: Any, params: list[Any], opt: Any, steps: int) -> None:
    a, b, _ = params
    for _ in range(steps):
        opt.zero_grad()
        ((a * a * a).sum() + (b * b).sum() * a[0] - a[1]).backward()
        opt.step()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_is_laid_out_as_torchs(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def layout(lib: Any) -> tuple[Any, ...]:
        opt, params = _two_groups(lib, name)
        _train(lib, params, opt, 3)
        sd = opt.state_dict()
        state = {i: [(k, str(v.dtype).split(".")[-1], tuple(v.shape), v.tolist())
                     for k, v in buffers.items()] for i, buffers in sd["state"].items()}
        return state, sd["param_groups"], [p.detach().tolist() for p in params]

    mine = layout(symgrad)
    _correctly_rounded_sqrt(monkeypatch)
    assert mine == layout(torch)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_checkpoint_trains_on_as_torch_does(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(lib: Any) -> list[Any]:
        opt, params = _two_groups(lib, name)
        _train(lib, params, opt, 4)
        buffer = io.BytesIO()
        lib.save({"params": [p.detach() for p in params], "opt": opt.state_dict()}, buffer)
        buffer.seek(0)
        saved = lib.load(buffer)
        again, fresh = _two_groups(lib, name)
        for p, value in zip(fresh, saved["params"], strict=True):
            with lib.no_grad():
                p.copy_(value)
        again.load_state_dict(saved["opt"])
        _train(lib, fresh, again, 4)
        return [p.detach().tolist() for p in fresh]

    mine = run(symgrad)
    _correctly_rounded_sqrt(monkeypatch)
    assert mine == run(torch)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_step_takes_a_closure_and_returns_its_loss(name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def run(lib: Any) -> list[Any]:
        make, kw = OPTIMIZERS[name]
        w = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5]))
        opt = getattr(lib.optim, make)([w], **kw)

        def closure() -> Any:
            opt.zero_grad()
            loss = ((w - 0.25) ** 2).sum()
            loss.backward()
            return loss

        seen = []
        for _ in range(5):
            with lib.no_grad():  # the closure runs with gradients on all the same
                loss = opt.step(closure)
            seen.append((loss.item(), w.detach().tolist()))
        return seen

    mine = run(symgrad)
    _correctly_rounded_sqrt(monkeypatch)
    assert mine == run(torch)


BAD_HYPERPARAMETERS = [
    ("Adamax", {"lr": -0.1}), ("Adamax", {"eps": -1.0}), ("Adamax", {"betas": (1.0, 0.9)}),
    ("Adamax", {"betas": (0.9, -0.1)}), ("Adamax", {"weight_decay": -1.0}),
    ("NAdam", {"momentum_decay": -0.1}), ("NAdam", {"betas": (0.5, 1.5)}),
    ("NAdam", {"weight_decay": -0.5}), ("RAdam", {"lr": -1.0}), ("RAdam", {"eps": -1e-8}),
    ("RAdam", {"betas": (-0.1, 0.9)}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"lr": -1.0}),
    ("Adadelta", {"eps": -1.0}), ("Adadelta", {"weight_decay": -1.0}),
    ("Rprop", {"etas": (1.5, 2.0)}), ("Rprop", {"etas": (0.5, 0.9)}), ("Rprop", {"lr": -0.1}),
    ("ASGD", {"lr": -0.1}), ("ASGD", {"weight_decay": -0.1}),
]


@pytest.mark.parametrize(("make", "kw"), BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_raise_torchs_error(make: str, kw: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as want:
        getattr(torch.optim, make)([torch.nn.Parameter(torch.ones(1))], **kw)
    with pytest.raises(ValueError) as got:
        getattr(symgrad.optim, make)([symgrad.nn.Parameter(symgrad.ones(1))], **kw)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("make", ["Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD"])
def test_signatures_and_defaults_are_torchs(make: str) -> None:
    def signature(cls: Any) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]

    assert signature(getattr(symgrad.optim, make)) == signature(getattr(torch.optim, make))
    mine = getattr(symgrad.optim, make)([symgrad.nn.Parameter(symgrad.ones(1))]).defaults
    assert mine == getattr(torch.optim, make)([torch.nn.Parameter(torch.ones(1))]).defaults


@pytest.mark.parametrize("flag", ["capturable", "differentiable"])
def test_cuda_graph_and_differentiable_updates_are_refused_at_the_step_as_torchs(
        flag: str) -> None:
    def error(lib: Any) -> tuple[type, str]:
        w = lib.nn.Parameter(lib.ones(1))
        opt = lib.optim.NAdam([w], **{flag: True})  # accepted, as torch's
        (w * w).sum().backward()
        with pytest.raises(Exception) as info:  # noqa: PT011 (the class is compared)
            opt.step()
        return type(info.value), str(info.value)

    assert error(symgrad) == error(torch)


def test_one_cycle_cycles_nadams_first_beta_as_torchs() -> None:
    def run(lib: Any) -> list[Any]:
        w = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.NAdam([w], lr=0.01)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=50)
        seen = []
        for _ in range(50):
            w.grad = lib.tensor([0.5, -1.0, 2.0])
            opt.step()
            sched.step()
            seen.append((opt.param_groups[0]["betas"], w.detach().tolist()))
        return seen

    assert run(symgrad) == run(torch)


# -- LBFGS: PyTorch's algorithm, decision for decision; its dot products are MKL's, whose order of
# summation NumPy's does not follow, so float64 parameters agree to rounding, not bit for bit.
def _lbfgs(lib: Any, dtype: str, steps: int, **kw: Any) -> tuple[list[Any], dict[str, Any]]:
    w = lib.nn.Parameter(lib.tensor([-1.2, 1.0, 0.5, -0.3, 2.0], dtype=getattr(lib, dtype)))
    opt = lib.optim.LBFGS([w], **kw)

    def closure() -> Any:
        opt.zero_grad()
        a, b = w[:-1], w[1:]
        loss = (100 * (b - a * a) ** 2 + (1 - a) ** 2).sum()  # Rosenbrock's
        loss.backward()
        return loss

    seen = []
    for _ in range(steps):
        loss = opt.step(closure)
        state = opt.state_dict()["state"][0]
        seen.append((loss.item(), w.detach().tolist(), state["func_evals"], state["n_iter"]))
    return seen, opt.state_dict()


LBFGS_OPTIONS = {
    "fixed step": {},
    "fixed step, short history": {"history_size": 3, "max_iter": 7, "lr": 0.5},
    "strong wolfe": {"line_search_fn": "strong_wolfe"},
    "strong wolfe, few evaluations": {"line_search_fn": "strong_wolfe", "max_iter": 10,
                                      "max_eval": 12, "history_size": 5},
    "tolerances": {"tolerance_grad": 1e-3, "tolerance_change": 1e-4},
}


@pytest.mark.parametrize("name", sorted(LBFGS_OPTIONS))
def test_lbfgs_follows_torchs_iterations(name: str) -> None:
    mine, _ = _lbfgs(symgrad, "float64", 6, **LBFGS_OPTIONS[name])
    theirs, _ = _lbfgs(torch, "float64", 6, **LBFGS_OPTIONS[name])
    for (loss, w, evals, iters), (loss_t, w_t, evals_t, iters_t) in zip(mine, theirs,
                                                                       strict=True):
        assert (evals, iters) == (evals_t, iters_t)
        np.testing.assert_allclose(w, w_t, rtol=1e-9, atol=1e-12)
        assert loss == pytest.approx(loss_t, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("name", ["fixed step", "strong wolfe"])
def test_lbfgs_state_dict_is_laid_out_as_torchs_and_trains_on(name: str) -> None:
    def layout(value: Any) -> Any:
        if isinstance(value, list):
            return ("list", len(value), layout(value[0]) if value else None)
        if hasattr(value, "dtype"):
            return (str(value.dtype).split(".")[-1], tuple(value.shape))
        return type(value).__name__

    def run(lib: Any) -> tuple[Any, ...]:
        _, sd = _lbfgs(lib, "float64", 1, max_iter=4, **LBFGS_OPTIONS[name])
        w = lib.nn.Parameter(lib.tensor([-1.2, 1.0, 0.5, -0.3, 2.0], dtype=lib.float64))
        opt = lib.optim.LBFGS([w], max_iter=4, **LBFGS_OPTIONS[name])
        state = {k: layout(v) for k, v in sd["state"][0].items()}
        opt.load_state_dict(sd)
        return list(state.items()), sd["param_groups"], opt.param_groups[0]["max_iter"]

    assert run(symgrad) == run(torch)


def test_lbfgs_converges_in_float32_near_torch() -> None:
    mine, _ = _lbfgs(symgrad, "float32", 4, line_search_fn="strong_wolfe")
    theirs, _ = _lbfgs(torch, "float32", 4, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(mine[-1][1], theirs[-1][1], atol=2e-3)


LBFGS_ERRORS = {
    "groups": lambda lib, w: lib.optim.LBFGS([{"params": [w]}, {"params": [lib.nn.Parameter(
        lib.ones(1))]}]),
    "lr": lambda lib, w: lib.optim.LBFGS([w], lr=-1.0),
    "line search": lambda lib, w: lib.optim.LBFGS([w], line_search_fn="armijo").step(
        lambda: (w * w).sum().backward() or (w * w).sum()),
}


@pytest.mark.parametrize("name", sorted(LBFGS_ERRORS))
def test_lbfgs_errors_are_torchs(name: str) -> None:
    def outcome(lib: Any) -> tuple[str, str]:
        w = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        try:
            LBFGS_ERRORS[name](lib, w)
        except Exception as e:  # noqa: BLE001 (the class is what is compared)
            return type(e).__name__, str(e)
        return "no error", ""

    assert outcome(symgrad) == outcome(torch) != ("no error", "")


def test_lbfgs_stops_at_once_where_the_gradient_is_flat() -> None:
    def run(lib: Any) -> Any:
        w = lib.nn.Parameter(lib.tensor([1.0, 1.0]))
        opt = lib.optim.LBFGS([w])

        def closure() -> Any:
            opt.zero_grad()
            loss = ((w - 1) ** 2).sum()
            loss.backward()
            return loss

        loss = opt.step(closure)
        return loss.item(), w.detach().tolist(), sorted(opt.state_dict()["state"][0].items())

    assert run(symgrad) == run(torch)
