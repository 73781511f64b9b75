"""Learning-rate schedules as in ``torch.optim.lr_scheduler``: the base ``LRScheduler``,
``StepLR``, ``ExponentialLR`` and ``CosineAnnealingLR`` here, the others (``LambdaLR``,
``MultiStepLR``, ``OneCycleLR``, ``ReduceLROnPlateau``, ...) in ``lr_scheduler_more``, all
importable from this module.

A scheduler sets each parameter group's ``"lr"`` when made (epoch 0) and at each ``step()``,
with PyTorch's recursive formulas (each new rate computed from the current one), so the rates
are PyTorch's exactly.

>>> import symgrad
>>> w = symgrad.nn.Parameter(symgrad.ones(1))
>>> opt = symgrad.optim.SGD([w], lr=1.0)
>>> sched = symgrad.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
>>> rates = []
>>> for _ in range(5):
...     opt.step(); sched.step(); rates.append(sched.get_last_lr()[0])
>>> rates
[1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import math
import warnings
from functools import wraps
from typing import Any
from weakref import ref

from symgrad.optim.optimizer import Optimizer
from symgrad.tensor import Tensor

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR"]

# PyTorch's words, as its schedulers warn them.
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available. Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose.")
_OVERRIDDEN_STEP_WARNING = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
    "initialization. Please, make sure to call `optimizer.step()` before `lr_scheduler.step()`. "
    "See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")
_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and "
    "later, you should call them in the opposite order: `optimizer.step()` before "
    "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value "
    "of the learning rate schedule. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")
_GET_LR_WARNING = ("To get the last learning rate computed by the scheduler, please use "
                   "`get_last_lr()`.")


def _param_groups_val_list(optimizer: Optimizer, key: str) -> list[Any]:
    """Each group's ``key``; a tensor rate as a copy, as PyTorch's."""
    return [group[key].clone() if isinstance(group[key], Tensor) else group[key]
            for group in optimizer.param_groups]


def _update_param_group_val(group: dict[str, Any], key: str, value: Any) -> None:
    """Set a group's ``key``: a tensor rate stays the same tensor (filled with the value, so
    rounded to its dtype), as PyTorch's schedulers keep it."""
    if isinstance(group[key], Tensor):
        group[key].fill_(float(value))
    else:
        group[key] = value


def _format_param(name: str, optimizer: Optimizer, param: Any) -> list[Any]:
    """One value per parameter group: a list or tuple as given (checked), a number repeated."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(param)} values, param_groups has "
                             f"{len(optimizer.param_groups)}.")
        return list(param)
    return [param] * len(optimizer.param_groups)


class _enable_get_lr_call:  # noqa: N801 (PyTorch's names, as state_dict shows their flags)
    def __init__(self, o: LRScheduler) -> None:
        self.o = o

    def __enter__(self) -> _enable_get_lr_call:
        self.o._get_lr_called_within_step = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.o._get_lr_called_within_step = False


class _initial_mode:  # noqa: N801
    def __init__(self, o: LRScheduler) -> None:
        self.o = o

    def __enter__(self) -> None:
        self.o._is_initial = True

    def __exit__(self, *exc: object) -> None:
        self.o._is_initial = False


def _warn_get_lr_called_within_step(scheduler: LRScheduler) -> None:
    if not scheduler._get_lr_called_within_step:
        warnings.warn(_GET_LR_WARNING, UserWarning, stacklevel=3)


class LRScheduler:
    """The base of the schedules: remembers each group's initial rate and the epoch.

    As PyTorch's: construction runs epoch 0 (sets each group's ``"initial_lr"``, or resumes from
    it when ``last_epoch`` is given); ``step()`` advances by the schedule's recursive ("chained")
    formula, ``step(epoch)`` jumps by its closed form (with PyTorch's deprecation warning);
    calling ``step()`` before the optimizer's first ``step()`` warns as PyTorch does; and
    ``state_dict`` is every attribute but the optimizer.

    Args:
        optimizer: The optimizer whose groups' ``"lr"`` this sets.
        last_epoch: The index of the last epoch run: -1 (the default) starts the schedule; a
            resumed one needs each group's ``"initial_lr"`` (a ``KeyError`` otherwise).

    A schedule is a subclass writing ``get_lr``; construction runs epoch 0:

    >>> import symgrad
    >>> class Halving(symgrad.optim.lr_scheduler.LRScheduler):
    ...     def get_lr(self):
    ...         return [base / 2 ** self.last_epoch for base in self.base_lrs]
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = Halving(opt)
    >>> opt.step(); sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "scheduler with last_epoch >= 0.\nThis typically happens when:\n1. You're "
                        "trying to resume training from a checkpoint but haven't properly loaded "
                        "the optimizer state\n2. You're using last_epoch >= 0 for a fresh "
                        "training run (not recommended)")
        self.base_lrs: list[float] = _param_groups_val_list(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        _track_step_called(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        with _initial_mode(self):
            self.step()

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state: every attribute but the optimizer, as PyTorch's.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sd = symgrad.optim.lr_scheduler.StepLR(opt, step_size=2).state_dict()
        >>> sd["last_epoch"], sd["base_lrs"], sd["step_size"]
        (0, [1.0], 2)
        """
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state ``state_dict`` gave (the group's rates stay as they are).

        Args:
            state_dict: The schedule's state, from ``state_dict``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.StepLR(opt, step_size=2)
        >>> sched.load_state_dict({"last_epoch": 7}); sched.last_epoch
        7
        """
        self.__dict__.update(state_dict)

    def get_lr(self) -> list[float]:
        """The rates of the current epoch (``last_epoch``), one per group; ``step`` sets them.

        Subclasses write it; the base class has no schedule:

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> symgrad.optim.lr_scheduler.LRScheduler(opt)
        Traceback (most recent call last):
        ...
        NotImplementedError
        """
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set every group's rate for it.

        Args:
            epoch: Deprecated (as in PyTorch, with its warning): jump to this epoch, by the
                closed form where the schedule has one. Defaults to None (the next epoch).

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> opt.step(); sched.step(); opt.param_groups[0]["lr"]
        0.5
        """
        if self._step_count == 1:
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(_OVERRIDDEN_STEP_WARNING, UserWarning, stacklevel=2)
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        with _enable_get_lr_call(self):
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            _update_param_group_val(group, "lr", lr)
        self._last_lr = _param_groups_val_list(self.optimizer, "lr")

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` set, one per parameter group.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=0.1)
        >>> symgrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5).get_last_lr()
        [0.1]
        """
        return self._last_lr

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


def _track_step_called(optimizer: Optimizer) -> None:
    """Wrap ``optimizer.step`` (once) to note that it ran, as PyTorch does, so that a schedule
    stepped first can warn."""
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return
    opt_ref = ref(optimizer)
    func = optimizer.step.__func__

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opt = opt_ref()
        opt._opt_called = True
        return func.__get__(opt, opt.__class__)(*args, **kwargs)

    wrapper._wrapped_by_lr_sched = True  # type: ignore[attr-defined]
    optimizer.step = wrapper  # type: ignore[method-assign]


class StepLR(LRScheduler):
    """The rate times ``gamma`` every ``step_size`` epochs.

    Parameters:
        optimizer: the optimizer whose rates this sets.
        step_size: the number of epochs between decays.
        gamma: the factor of each decay.
        last_epoch: -1 to start the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.1)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.1]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma`` at each multiple of ``step_size``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [0.5]
        """
        _warn_get_lr_called_within_step(self)
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """The rate times ``gamma`` every epoch.

    Parameters:
        optimizer: the optimizer whose rates this sets.
        gamma: the factor of each epoch.
        last_epoch: -1 to start the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    >>> opt.step(); sched.step(); sched.step(); sched.get_last_lr()
    [0.81]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma`` after epoch 0.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [0.9]
        """
        _warn_get_lr_called_within_step(self)
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """The rate follows half a cosine from its initial value down to ``eta_min`` over ``T_max``
    epochs (and back up after, as in PyTorch).

    Parameters:
        optimizer: the optimizer whose rates this sets.
        T_max: the number of epochs of the descent.
        eta_min: the lowest rate.
        last_epoch: -1 to start the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    >>> opt.step(); sched.step(); round(sched.get_last_lr()[0], 6)
    0.5
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The next rates from the current ones, by PyTorch's recursive formula.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [0.5]
        """
        _warn_get_lr_called_within_step(self)
        t, lo = self.last_epoch, self.eta_min
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and t > 0:  # resumed: the closed form
            return [lo + (base - lo) * (1 + math.cos(t * math.pi / self.T_max)) / 2
                    for base in self.base_lrs]
        if (t - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base, lr in zip(self.base_lrs, self._current(), strict=True)]
        return [(1 + math.cos(math.pi * t / self.T_max))
                / (1 + math.cos(math.pi * (t - 1) / self.T_max)) * (lr - lo) + lo
                for lr in self._current()]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


# The other schedules, importable from here as from torch.optim.lr_scheduler (imported last:
# they subclass LRScheduler).
from symgrad.optim.lr_scheduler_more import (  # noqa: E402
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
)

__all__ += ["LambdaLR", "MultiplicativeLR", "MultiStepLR", "ConstantLR", "LinearLR",
            "PolynomialLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
            "CosineAnnealingWarmRestarts", "OneCycleLR"]
