"""Every optimizer and learning-rate schedule of ``symgrad.optim`` against torch 2.13's.

For each optimizer and each setting of its options (``lr`` as a number and as a tensor,
``maximize``, ``foreach`` True/False/None, ``amsgrad``, ``nesterov``, ...), in float32 and
float64, with a parameter whose gradient is zero and one with no gradient: five steps give
PyTorch's parameters (to 1e-6 / 1e-12 relative); ``state_dict()`` is PyTorch's (keys and their
order, nesting, values and their types); an optimizer loading symgrad's own state goes on as
the one that saved it; ``zero_grad`` and ``repr`` are PyTorch's. Two parameter groups with
their own options and a group added midway are run too, and each bad argument is refused with
PyTorch's error (class and message), at construction or at the first step as PyTorch refuses
it (``capturable=True`` on CPU tensors, ``differentiable=True`` on leaf parameters).

Each schedule, over SGD with momentum and over Adam (whose momentum or first beta the cyclic
ones cycle), with the rate as a number and as a tensor: 30 steps give PyTorch's rates (values
and types: a tensor rate stays the group's tensor), momenta, ``last_epoch``, warnings and
``state_dict`` keys.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

STEPS = 5


class T:
    """A hyperparameter given as a zero-dim tensor (of the default dtype) in both libraries."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"T({self.value})"


def _resolve(lib: Any, kw: dict[str, Any]) -> dict[str, Any]:
    def one(v: Any) -> Any:
        if isinstance(v, T):
            return lib.tensor(v.value)
        if isinstance(v, tuple):
            return tuple(one(x) for x in v)
        return v
    return {k: one(v) for k, v in kw.items()}


FOREACH = [{"foreach": True}, {"foreach": False}, {"foreach": None}]
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "SGD": [{"lr": 0.1}, {"lr": 0.1, "momentum": 0.9},
            {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1},
            {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05},
            {"lr": 0.1, "momentum": 0.5, "maximize": True}, {"lr": T(0.1), "momentum": 0.9},
            *({"lr": 0.1, "momentum": 0.9, **f} for f in FOREACH)],
    "Adam": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.1, "betas": (0.8, 0.99)},
             {"lr": 0.05, "amsgrad": True}, {"lr": 0.05, "maximize": True, "amsgrad": True},
             {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
             {"lr": T(0.05)}, {"lr": T(0.05), "weight_decay": 0.1,
                               "decoupled_weight_decay": True},
             *({"lr": 0.05, "amsgrad": True, **f} for f in FOREACH)],
    "AdamW": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.3, "eps": 1e-6},
              {"lr": 0.05, "amsgrad": True, "maximize": True}, {"lr": T(0.05)},
              *({"lr": 0.05, **f} for f in FOREACH)],
    "Adamax": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.1, "betas": (0.8, 0.99)},
               {"lr": 0.05, "maximize": True}, {"lr": T(0.05)},
               *({"lr": 0.05, **f} for f in FOREACH)],
    "NAdam": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01},
              {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
              {"lr": 0.05, "maximize": True}, {"lr": T(0.05)},
              *({"lr": 0.05, **f} for f in FOREACH)],
    "RAdam": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.1, "betas": (0.5, 0.6)},
              {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
              {"lr": 0.05, "maximize": True, "betas": (0.5, 0.6)}, {"lr": T(0.05)},
              *({"lr": 0.05, "betas": (0.5, 0.6), **f} for f in FOREACH)],
    "Adagrad": [{"lr": 0.1}, {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                              "initial_accumulator_value": 0.25},
                {"lr": 0.1, "maximize": True}, {"lr": T(0.1)},
                *({"lr": 0.1, **f} for f in FOREACH)],
    "Adadelta": [{}, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "eps": 1e-5},
                 {"maximize": True}, {"lr": T(0.5)}, *FOREACH],
    "RMSprop": [{"lr": 0.01}, {"lr": 0.01, "momentum": 0.5, "centered": True,
                               "weight_decay": 0.1, "alpha": 0.9},
                {"lr": 0.01, "centered": True}, {"lr": 0.01, "maximize": True, "momentum": 0.3},
                {"lr": T(0.01)}, *({"lr": 0.01, "momentum": 0.5, **f} for f in FOREACH)],
    "Rprop": [{"lr": 0.1}, {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.2)},
              {"lr": 0.1, "maximize": True}, {"lr": T(0.1)},
              *({"lr": 0.1, **f} for f in FOREACH)],
    "ASGD": [{"lr": 0.1}, {"lr": 0.1, "lambd": 0.01, "alpha": 0.5, "t0": 2,
                           "weight_decay": 0.1},
             {"lr": 0.1, "t0": 0, "maximize": True}, {"lr": T(0.1)},
             *({"lr": 0.1, "t0": 1, **f} for f in FOREACH)],
}
# A second group's own options (and a third's, added after two steps).
GROUP2: dict[str, dict[str, Any]] = {
    "SGD": {"lr": 0.02, "momentum": 0.0}, "Adam": {"lr": 0.01, "amsgrad": True},
    "AdamW": {"weight_decay": 0.0}, "Adamax": {"betas": (0.5, 0.9)},
    "NAdam": {"momentum_decay": 0.1}, "RAdam": {"lr": 0.2}, "Adagrad": {"lr_decay": 0.1},
    "Adadelta": {"rho": 0.5}, "RMSprop": {"centered": True}, "Rprop": {"etas": (0.4, 1.1)},
    "ASGD": {"lambd": 0.1},
}
DTYPES = ["float32", "float64"]
TOL = {"float32": 1e-6, "float64": 1e-12}


def _cases() -> list[Any]:
    cases = []
    for name, settings in OPTIONS.items():
        for i, kw in enumerate(settings):
            for dtype in DTYPES:
                cases.append(pytest.param(name, kw, dtype, False, id=f"{name}-{i}-{dtype}"))
        for dtype in DTYPES:
            cases.append(pytest.param(name, settings[0], dtype, True,
                                      id=f"{name}-groups-{dtype}"))
    return cases


START = np.linspace(-1.5, 2.0, 6).reshape(2, 3)
TARGET = np.linspace(0.5, -0.75, 6).reshape(2, 3)


class _Run:
    """One library's optimizer over parameters ``a`` (a quadratic loss), ``b`` (a zero gradient),
    ``c`` (no gradient) and, with groups, ``d`` (second group) and ``e`` (added after two
    steps)."""

    def __init__(self, lib: Any, name: str, kw: dict[str, Any], dtype: str,
                 groups: bool) -> None:
        self.lib, self.groups, self.name = lib, groups, name
        dt = getattr(lib, dtype)
        self.dt = dt
        self.a = lib.nn.Parameter(lib.tensor(START.tolist(), dtype=dt))
        self.b = lib.nn.Parameter(lib.tensor([0.5, -1.0, 2.0], dtype=dt))
        self.c = lib.nn.Parameter(lib.tensor([1.0, 2.0], dtype=dt))
        self.d = lib.nn.Parameter(lib.tensor([0.3, -0.7], dtype=dt))
        self.e = lib.nn.Parameter(lib.tensor([1.3, 0.2, -0.4], dtype=dt))
        self.target = lib.tensor(TARGET.tolist(), dtype=dt)
        cls = getattr(lib.optim, name)
        kw = _resolve(lib, kw)
        if groups:
            self.opt = cls([{"params": [self.a, self.b, self.c]},
                            {"params": [self.d], **_resolve(lib, GROUP2[name])}], **kw)
        else:
            self.opt = cls([self.a, self.b, self.c], **kw)

    def params(self) -> list[Any]:
        return [self.a, self.b, self.c, self.d, self.e]

    def loss(self) -> Any:
        # Convex (each element its own curvature), so that no run diverges and amplifies
        # roundings; the fourth power of d reaches pow's backward.
        loss = ((self.a - self.target) ** 2 * (self.target * self.target + 0.5)).sum()
        loss = loss + (self.b * 0).sum()
        return loss + (self.d ** 4).sum() + ((self.e - 1) ** 2).sum()

    def step(self, k: int, opt: Any = None) -> None:
        opt = opt or self.opt
        if self.groups and k == 2 and opt is self.opt:
            opt.add_param_group({"params": [self.e], **_resolve(self.lib, GROUP2[self.name])})
        opt.zero_grad()
        self.loss().backward()
        opt.step()


def _norm(x: Any) -> Any:
    """A library-neutral form of a state_dict, repr-able and comparable."""
    if isinstance(x, (torch.Tensor, symgrad.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape),
                np.array(x.detach().tolist(), dtype=float))
    if isinstance(x, dict):
        return ("dict", [(k, _norm(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_norm(v) for v in x])
    return (type(x).__name__, x)


def _same(a: Any, b: Any, tol: float, where: str, out: list[str]) -> None:
    if a[0] != b[0]:
        out.append(f"{where}: {a[0]} vs {b[0]}")
    elif a[0] == "tensor":
        if a[1:3] != b[1:3]:
            out.append(f"{where}: tensor {a[1:3]} vs {b[1:3]}")
        elif not np.allclose(a[3], b[3], rtol=tol, atol=tol, equal_nan=True):
            out.append(f"{where}: {a[3].tolist()} vs {b[3].tolist()}")
    elif a[0] == "dict":
        if [k for k, _ in a[1]] != [k for k, _ in b[1]]:
            out.append(f"{where}: keys {[k for k, _ in a[1]]} vs {[k for k, _ in b[1]]}")
        else:
            for (k, va), (_, vb) in zip(a[1], b[1], strict=True):
                _same(va, vb, tol, f"{where}.{k}", out)
    elif a[0] in ("list", "tuple"):
        if len(a[1]) != len(b[1]):
            out.append(f"{where}: length {len(a[1])} vs {len(b[1])}")
        else:
            for i, (va, vb) in enumerate(zip(a[1], b[1], strict=True)):
                _same(va, vb, tol, f"{where}[{i}]", out)
    elif a[0] == "float":
        if not np.isclose(a[1], b[1], rtol=tol, atol=0):
            out.append(f"{where}: {a[1]} vs {b[1]}")
    elif a != b:
        out.append(f"{where}: {a[1]!r} vs {b[1]!r}")


def _values(run: _Run) -> list[np.ndarray]:
    return [np.array(p.detach().tolist(), dtype=float) for p in run.params()]


def _close(ours: list[np.ndarray], theirs: list[np.ndarray], tol: float) -> bool:
    return all(np.allclose(x, y, rtol=tol, atol=tol * 1e-3)
               for x, y in zip(ours, theirs, strict=True))


@pytest.mark.parametrize(("name", "kw", "dtype", "groups"), _cases())
def test_optimizer_matches_pytorch(name: str, kw: dict[str, Any], dtype: str,
                                   groups: bool) -> None:
    ours, theirs = _Run(symgrad, name, kw, dtype, groups), _Run(torch, name, kw, dtype, groups)
    tol, problems = TOL[dtype], []
    for k in range(STEPS):
        ours.step(k)
        theirs.step(k)
        if not _close(_values(ours), _values(theirs), tol):
            problems.append(f"step {k}: {_values(ours)} vs {_values(theirs)}")
            break
    _same(_norm(ours.opt.state_dict()), _norm(theirs.opt.state_dict()), tol, "state_dict",
          problems)
    assert not problems, "\n".join(problems)


def _resumed(lib: Any, name: str, kw: dict[str, Any], dtype: str, groups: bool) -> _Run:
    """Three steps, then a new optimizer over copies of the parameters loads the state and
    goes on for three more."""
    run = _Run(lib, name, kw, dtype, groups)
    for k in range(3):
        run.step(k)
    twin = _Run(lib, name, kw, dtype, groups)
    with lib.no_grad():
        for p, q in zip(twin.params(), run.params(), strict=True):
            p.copy_(q)
    if groups:
        twin.opt.add_param_group({"params": [twin.e], **_resolve(lib, GROUP2[name])})
    # A copy, as a checkpoint on disk is: PyTorch's load keeps the saved buffers themselves
    # where no cast is needed, so the two optimizers would then step the same buffers.
    twin.opt.load_state_dict(copy.deepcopy(run.opt.state_dict()))
    for k in range(3, 6):
        run.step(k)
        twin.step(k)
    twin.continued = _values(run)  # type: ignore[attr-defined]
    return twin


@pytest.mark.parametrize(("name", "kw", "dtype", "groups"), _cases())
def test_loaded_state_goes_on_as_pytorchs(name: str, kw: dict[str, Any], dtype: str,
                                          groups: bool) -> None:
    ours, theirs = (_resumed(lib, name, kw, dtype, groups) for lib in (symgrad, torch))
    assert _close(_values(ours), _values(theirs), TOL[dtype])
    # Loading casts some state to the parameter's dtype (as PyTorch's does): the saving
    # optimizer and the loading one agree to that rounding.
    assert _close(_values(ours), ours.continued, TOL["float32"])  # type: ignore[attr-defined]
    problems: list[str] = []
    _same(_norm(ours.opt.state_dict()), _norm(theirs.opt.state_dict()), TOL[dtype], "sd",
          problems)
    assert not problems, problems


@pytest.mark.parametrize("name", list(OPTIONS))
def test_signature_and_defaults(name: str) -> None:
    def signature(cls: Any) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]

    ours, theirs = getattr(symgrad.optim, name), getattr(torch.optim, name)
    assert signature(ours) == signature(theirs)
    assert (ours([symgrad.nn.Parameter(symgrad.ones(1))]).defaults
            == theirs([torch.nn.Parameter(torch.ones(1))]).defaults)


@pytest.mark.parametrize("set_to_none", [True, False])
@pytest.mark.parametrize("name", list(OPTIONS))
def test_zero_grad(name: str, set_to_none: bool) -> None:
    seen = []
    for lib in (symgrad, torch):
        run = _Run(lib, name, OPTIONS[name][0], "float32", False)
        run.loss().backward()
        run.opt.zero_grad(set_to_none=set_to_none)
        seen.append([None if p.grad is None else np.array(p.grad.tolist())
                     for p in run.params()])
    assert [g is None for g in seen[0]] == [g is None for g in seen[1]]
    assert all(g is None or np.allclose(g, h, rtol=1e-6, atol=0)
               for g, h in zip(*seen, strict=True))


@pytest.mark.parametrize("name", list(OPTIONS))
def test_repr(name: str) -> None:
    runs = [_Run(lib, name, OPTIONS[name][-1], "float64", True) for lib in (symgrad, torch)]
    assert repr(runs[0].opt) == repr(runs[1].opt)


def _error(lib: Any, name: str, kw: dict[str, Any]) -> tuple[str, str] | None:
    run = None
    try:
        run = _Run(lib, name, kw, "float32", False)
        run.step(0)
    except Exception as e:  # noqa: BLE001 (the class is what is compared)
        return type(e).__name__, str(e)
    return None


BAD: dict[str, list[dict[str, Any]]] = {
    "SGD": [{"lr": -0.1}, {"lr": 0.1, "momentum": -0.5}, {"lr": 0.1, "weight_decay": -1.0},
            {"lr": 0.1, "nesterov": True}, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1,
                                            "nesterov": True},
            {"lr": 0.1, "differentiable": True}, {"lr": 0.1, "fused": True},
            {"lr": T(0.1), "foreach": True, "momentum": 0.9}],
    "Adam": [{"lr": -0.1}, {"eps": -1.0}, {"betas": (1.0, 0.9)}, {"betas": (0.9, -0.1)},
             {"weight_decay": -1.0}, {"capturable": True}, {"differentiable": True},
             {"lr": T(0.1), "foreach": True}, {"fused": True, "differentiable": True},
             {"betas": (0.9, T(0.9))}],
    "AdamW": [{"lr": -0.1}, {"betas": (0.9, 1.5)}, {"capturable": True},
              {"lr": T(0.1), "foreach": True}],
    "Adamax": [{"lr": -0.1}, {"eps": -1.0}, {"betas": (-0.1, 0.9)}, {"weight_decay": -1.0},
               {"capturable": True}, {"differentiable": True}],
    "NAdam": [{"lr": -0.1}, {"momentum_decay": -1.0}, {"betas": (0.9, 1.0)},
              {"capturable": True}, {"differentiable": True}],
    "RAdam": [{"lr": -0.1}, {"eps": -1.0}, {"betas": (0.9, 1.0)}, {"capturable": True},
              {"differentiable": True}],
    "Adagrad": [{"lr": -0.1}, {"lr_decay": -1.0}, {"weight_decay": -1.0},
                {"initial_accumulator_value": -1.0}, {"eps": -1.0},
                {"differentiable": True}, {"fused": True}],
    "Adadelta": [{"lr": -0.1}, {"rho": 1.5}, {"eps": -1.0}, {"weight_decay": -1.0},
                 {"capturable": True}, {"differentiable": True}],
    "RMSprop": [{"lr": -0.1}, {"eps": -1.0}, {"momentum": -1.0}, {"weight_decay": -1.0},
                {"alpha": -1.0}, {"capturable": True}, {"differentiable": True}],
    "Rprop": [{"lr": -0.1}, {"etas": (1.5, 1.2)}, {"etas": (0.5, 0.9)}, {"capturable": True},
              {"differentiable": True}],
    "ASGD": [{"lr": -0.1}, {"weight_decay": -1.0}, {"capturable": True},
             {"differentiable": True}],
}


@pytest.mark.parametrize(("name", "kw"), [pytest.param(n, kw, id=f"{n}-{i}")
                                          for n, bad in BAD.items()
                                          for i, kw in enumerate(bad)])
def test_bad_arguments_raise_pytorchs_error(name: str, kw: dict[str, Any]) -> None:
    assert _error(symgrad, name, kw) == _error(torch, name, kw)


SCHEDULES: dict[str, Any] = {
    "StepLR": lambda s, o: s.StepLR(o, 3, 0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, [3, 7, 7], 0.5),
    "ConstantLR": lambda s, o: s.ConstantLR(o),
    "LinearLR": lambda s, o: s.LinearLR(o, 0.2, 0.9, 10),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, 0.9),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, 10, 2.0),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, 7, 0.001),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, 5, 2, 0.001),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 0.9 ** e),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.95),
    "CyclicLR": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=4),
    "CyclicLR triangular2": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                    step_size_down=5, mode="triangular2"),
    "CyclicLR exp_range": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                  mode="exp_range", gamma=0.9),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, 0.5, total_steps=31),
    "OneCycleLR linear three_phase": lambda s, o: s.OneCycleLR(
        o, [0.5, 0.3], total_steps=31, anneal_strategy="linear", three_phase=True),
    "SequentialLR": lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, 0.1, total_iters=5), s.ExponentialLR(o, 0.9)], [5]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, 0.5, total_iters=4), s.ExponentialLR(o, 0.9)]),
}


def _schedule(lib: Any, make: Any, name: str, tensor: bool) -> tuple[Any, ...]:
    a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(1))
    lr = lib.tensor(0.1) if tensor else 0.1
    kw = {"lr": lr, "momentum": 0.9} if name == "SGD" else {"lr": lr}
    opt = getattr(lib.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.05}], **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched = make(lib.optim.lr_scheduler, opt)
        seen = []
        for _ in range(30):
            opt.step()
            sched.step()
            seen.append(([(type(x).__name__, float(x)) for x in sched.get_last_lr()],
                         [(type(g["lr"]).__name__, float(g["lr"])) for g in opt.param_groups],
                         [g.get("momentum", g.get("betas")) for g in opt.param_groups],
                         getattr(sched, "last_epoch", None)))  # ChainedScheduler: none
    said = [(w.category.__name__, str(w.message)) for w in caught]
    return seen, said, list(sched.state_dict())


@pytest.mark.parametrize("tensor", [False, True], ids=["lr", "tensor-lr"])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_schedule_matches_pytorch(schedule: str, optimizer: str, tensor: bool) -> None:
    make = SCHEDULES[schedule]
    assert (_schedule(symgrad, make, optimizer, tensor)
            == _schedule(torch, make, optimizer, tensor))
