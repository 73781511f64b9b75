"""The rest of ``torch.optim.lr_scheduler``: ``LambdaLR``, ``MultiplicativeLR``, ``MultiStepLR``,
``ConstantLR``, ``LinearLR``, ``PolynomialLR``, ``SequentialLR``, ``ChainedScheduler``,
``OneCycleLR``, ``CyclicLR``, ``CosineAnnealingWarmRestarts`` and ``ReduceLROnPlateau``
(importable from ``symgrad.optim.lr_scheduler`` too).

Each computes its rates as PyTorch 2.13 does, operation for operation in Python floats: the
recursive ("chainable") formula at ``step()``, the closed form at ``step(epoch)`` and when a
``SequentialLR`` restarts a schedule, so the rates are PyTorch's bit for bit; ``OneCycleLR``
and ``CyclicLR`` cycle the momentum (or Adam's first beta) as PyTorch's do. Their
``state_dict`` holds the attributes PyTorch's holds, under its names, and the warnings and
errors are PyTorch's (class and message).

>>> import symgrad
>>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
>>> sched = symgrad.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
>>> rates = []
>>> for _ in range(5):
...     opt.step(); sched.step(); rates.append(sched.get_last_lr()[0])
>>> rates
[1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, SupportsFloat

from symgrad.optim.lr_scheduler import (
    EPOCH_DEPRECATION_WARNING,
    LRScheduler,
    _enable_get_lr_call,
    _format_param,
    _param_groups_val_list,
    _update_param_group_val,
    _warn_get_lr_called_within_step,
)
from symgrad.optim.optimizer import Optimizer

__all__ = ["LambdaLR", "MultiplicativeLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "PolynomialLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
           "CosineAnnealingWarmRestarts", "OneCycleLR"]


def _lambdas(optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    if not isinstance(lr_lambda, (list, tuple)):
        return [lr_lambda] * len(optimizer.param_groups)
    if len(lr_lambda) != len(optimizer.param_groups):
        raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got "
                         f"{len(lr_lambda)}")
    return list(lr_lambda)


class _LambdaState:
    """``state_dict`` for schedules of functions: a plain function is saved as None (it cannot
    be), a callable object as a copy of its ``__dict__``, as PyTorch does."""

    lr_lambdas: list[Callable[[int], float]]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state, each function as None and each callable object as its
        attributes (PyTorch's layout).

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.LambdaLR(opt, lambda e: 0.5 ** e)
        >>> sched.state_dict()["lr_lambdas"]
        [None]
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state ``state_dict`` gave; callable objects take their saved attributes.

        Args:
            state_dict: The schedule's state, from ``state_dict``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.LambdaLR(opt, lambda e: 0.5 ** e)
        >>> sched.load_state_dict({"last_epoch": 3, "lr_lambdas": [None]}); sched.last_epoch
        3
        """
        lr_lambdas = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        state_dict["lr_lambdas"] = lr_lambdas
        for fn, saved in zip(self.lr_lambdas, lr_lambdas, strict=False):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_LambdaState, LRScheduler):
    """Each group's rate is its initial rate times ``lr_lambda(epoch)``.

    Args:
        optimizer: The optimizer whose rates this sets.
        lr_lambda: A function of the epoch, or a list of them (one per parameter group).
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.5 ** epoch)
    >>> opt.step(); sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The initial rates times each group's ``lr_lambda(last_epoch)``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.LambdaLR(opt, lambda epoch: epoch + 1)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [2.0]
        """
        _warn_get_lr_called_within_step(self)
        return [base * fn(self.last_epoch)
                for fn, base in zip(self.lr_lambdas, self.base_lrs, strict=True)]


class MultiplicativeLR(_LambdaState, LRScheduler):
    """Each epoch multiplies each group's rate by ``lr_lambda(epoch)``.

    Args:
        optimizer: The optimizer whose rates this sets.
        lr_lambda: A function of the epoch, or a list of them (one per parameter group).
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.5)
    >>> opt.step(); sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times each group's ``lr_lambda(last_epoch)`` (unchanged at the
        start).

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.9)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [0.9]
        """
        _warn_get_lr_called_within_step(self)
        if self._is_initial:
            return _param_groups_val_list(self.optimizer, "lr")
        return [group["lr"] * fn(self.last_epoch)
                for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups, strict=True)]


class MultiStepLR(LRScheduler):
    """The rate times ``gamma`` at each milestone (a milestone given twice, ``gamma`` twice).

    Args:
        optimizer: The optimizer whose rates this sets.
        milestones: The epochs at which the rate decays.
        gamma: The factor of each decay. Defaults to 0.1.
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 1], gamma=0.5)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma`` (to the milestone's count) at a milestone.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.MultiStepLR(opt, milestones=[1], gamma=0.5)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [0.5]
        """
        _warn_get_lr_called_within_step(self)
        if self.last_epoch not in self.milestones:
            return _param_groups_val_list(self.optimizer, "lr")
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch]
                for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """The rate times ``factor`` until epoch ``total_iters``, then the initial rate again.

    Args:
        optimizer: The optimizer whose rates this sets.
        factor: The factor, in [0, 1]. Defaults to 1/3.
        total_iters: The number of epochs it lasts. Defaults to 5.
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=1)
    >>> before = sched.get_last_lr(); opt.step(); sched.step(); before, sched.get_last_lr()
    ([0.5], [1.0])
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates at ``last_epoch``: scaled down at 0, back up at ``total_iters``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [0.5]
        """
        _warn_get_lr_called_within_step(self)
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return _param_groups_val_list(self.optimizer, "lr")
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """The rate's factor goes linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs.

    Args:
        optimizer: The optimizer whose rates this sets.
        start_factor: The factor at epoch 0, in (0, 1]. Defaults to 1/3.
        end_factor: The factor from epoch ``total_iters`` on, in [0, 1]. Defaults to 1.
        total_iters: The number of epochs of the ramp. Defaults to 5.
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.75]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and "
                             "less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times the ratio of this epoch's factor to the last one's.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=1)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [1.0]
        """
        _warn_get_lr_called_within_step(self)
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _param_groups_val_list(self.optimizer, "lr")
        span = self.end_factor - self.start_factor
        ratio = 1.0 + span / (self.total_iters * self.start_factor + (self.last_epoch - 1) * span)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.start_factor + (self.end_factor - self.start_factor)
                        * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """The rate decays as ``(1 - epoch / total_iters) ** power`` to zero at ``total_iters``.

    Args:
        optimizer: The optimizer whose rates this sets.
        total_iters: The number of epochs of the decay. Defaults to 5.
        power: The polynomial's power. Defaults to 1.
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.PolynomialLR(opt, total_iters=4, power=2.0)
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.5625]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times the ratio of this epoch's polynomial to the last one's.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.PolynomialLR(opt, total_iters=2)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [0.5]
        """
        _warn_get_lr_called_within_step(self)
        if self._is_initial or self.last_epoch > self.total_iters:
            return _param_groups_val_list(self.optimizer, "lr")
        decay = ((1.0 - self.last_epoch / self.total_iters)
                 / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [group["lr"] * decay for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters)
                ** self.power for base in self.base_lrs]


def _check_schedulers(owner: str, optimizer: Optimizer, schedulers: Sequence[Any]) -> None:
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{i} in the given schedulers sequence.")
        if optimizer != scheduler.optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {scheduler.__class__.__name__} at index {i} has "
                f"{scheduler.optimizer}, which is different from "
                f"{optimizer.__class__.__name__}.")


class _Composite:
    """``state_dict`` of a schedule of schedules: its own attributes, and each schedule's
    ``state_dict`` under ``"_schedulers"``."""

    _schedulers: Sequence[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        """The state: this schedule's attributes and each inner schedule's ``state_dict``.

        >>> import symgrad
        >>> lrs = symgrad.optim.lr_scheduler
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.9)])
        >>> sched.state_dict()["_schedulers"][0]["gamma"]
        0.9
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state ``state_dict`` gave, each inner schedule its own.

        Args:
            state_dict: The state, from ``state_dict``.

        >>> import symgrad
        >>> lrs = symgrad.optim.lr_scheduler
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.9)])
        >>> sched.load_state_dict({"_schedulers": [{"gamma": 0.5}]})
        >>> sched._schedulers[0].gamma
        0.5
        """
        schedulers = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        state_dict["_schedulers"] = schedulers
        for scheduler, saved in zip(self._schedulers, schedulers, strict=False):
            scheduler.load_state_dict(saved)


class SequentialLR(_Composite, LRScheduler):
    """One schedule after another: ``schedulers[i]`` runs from ``milestones[i - 1]``, restarted
    there (at its epoch 0, by its closed form).

    Args:
        optimizer: The optimizer all the schedules set.
        schedulers: The schedules, in order.
        milestones: The epochs at which the next schedule takes over (one fewer than them).
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> lrs = symgrad.optim.lr_scheduler
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> warmup = lrs.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = lrs.ExponentialLR(opt, gamma=0.5)
    >>> sched = lrs.SequentialLR(opt, [warmup, decay], milestones=[2])
    >>> rates = sched.get_last_lr()
    >>> for _ in range(4):
    ...     opt.step(); sched.step(); rates += sched.get_last_lr()
    >>> rates
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler],
                 milestones: list[int], last_epoch: int = -1) -> None:
        if len(schedulers) < 1:
            raise ValueError(f"{self.__class__.__name__} expects at least one scheduler, but got "
                             "no scheduler.")
        _check_schedulers(self.__class__.__name__, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than "
                "the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # The schedules made before this one each stepped the rates once: start over.
        for group in self.optimizer.param_groups:
            _update_param_group_val(group, "lr", group["initial_lr"])
        self.recursive_undo()
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Take one epoch back from each schedule (inner ones of composites included), undoing
        the initial step each made when constructed.

        Args:
            sched: The schedule to undo; None (the default) for this one's.

        >>> import symgrad
        >>> lrs = symgrad.optim.lr_scheduler
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> inner = lrs.ExponentialLR(opt, gamma=0.5)
        >>> sched = lrs.SequentialLR(opt, [inner], milestones=[])
        >>> sched.recursive_undo(); inner.last_epoch
        -1
        """
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch: the current schedule steps, or the next one starts at a milestone.

        >>> import symgrad
        >>> lrs = symgrad.optim.lr_scheduler
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = lrs.SequentialLR(opt, [lrs.ConstantLR(opt, factor=0.5),
        ...                                lrs.ExponentialLR(opt, gamma=0.9)], milestones=[1])
        >>> opt.step(); sched.step(); sched.get_last_lr()
        [1.0]
        """
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite, LRScheduler):
    """Several schedules stepped together, each on the rates the one before it set.

    Args:
        schedulers: The schedules (of one optimizer).
        optimizer: Their optimizer; None (the default) for the first schedule's.

    >>> import symgrad
    >>> lrs = symgrad.optim.lr_scheduler
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = lrs.ChainedScheduler([lrs.ConstantLR(opt, factor=0.5, total_iters=2),
    ...                               lrs.ExponentialLR(opt, gamma=0.5)])
    >>> opt.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(f"{self.__class__.__name__} expects at least one scheduler to be "
                             "chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(self.__class__.__name__, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _param_groups_val_list(self._schedulers[-1].optimizer, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step each schedule, in order.

        >>> import symgrad
        >>> lrs = symgrad.optim.lr_scheduler
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.5), lrs.ExponentialLR(opt, 0.5)])
        >>> opt.step(); sched.step(); sched.get_last_lr()
        [0.25]
        """
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _param_groups_val_list(self._schedulers[-1].optimizer, "lr")


class ReduceLROnPlateau(LRScheduler):
    """The rate times ``factor`` when a metric has stopped improving for ``patience`` epochs.

    Args:
        optimizer: The optimizer whose rates this sets.
        mode: ``"min"`` (the default): the metric should fall; ``"max"``: rise.
        factor: The factor of each reduction, below 1. Defaults to 0.1.
        patience: The number of epochs without improvement it allows. Defaults to 10.
        threshold: The least change counted as an improvement. Defaults to 1e-4.
        threshold_mode: ``"rel"`` (the default): relative to the best so far; ``"abs"``: in
            the metric's units.
        cooldown: The number of epochs after a reduction before it counts bad epochs again.
            Defaults to 0.
        min_lr: The lowest rate, or a list of them (one per group). Defaults to 0.
        eps: A reduction smaller than this is not made. Defaults to 1e-8.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> for loss in [1.0, 1.0, 1.0]:
    ...     opt.step(); sched.step(loss)
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: list[float] | float = 0, eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got "
                                 f"{len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _param_groups_val_list(self.optimizer, "lr")
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Count the epoch as good or bad by ``metrics``, and reduce the rates after more than
        ``patience`` bad ones (then wait ``cooldown`` epochs).

        Args:
            metrics: The metric of the epoch (a number, or a one-element tensor).
            epoch: Deprecated (with PyTorch's warning): the epoch's index. Defaults to None.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
        >>> opt.step(); sched.step(1.0); sched.step(2.0); sched.get_last_lr()
        [0.1]
        """
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # ignore any bad epochs in cooldown
        if self.num_bad_epochs > self.patience:
            self._reduce_lr(epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _param_groups_val_list(self.optimizer, "lr")

    def _reduce_lr(self, epoch: int) -> None:
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    "The number of param groups in the `optimizer` "
                    f"({len(self.optimizer.param_groups)}) differs from when `ReduceLROnPlateau` "
                    f"was initialized ({len(self.min_lrs)}), usually due to a new param group "
                    "being added to the optimizer. Please modify the `min_lrs` field to match "
                    "the length of the `optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for i, group in enumerate(self.optimizer.param_groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                _update_param_group_val(group, "lr", new_lr)

    @property
    def in_cooldown(self) -> bool:
        """Whether a reduction was made fewer than ``cooldown`` epochs ago.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, cooldown=2)
        >>> opt.step(); sched.step(1.0); sched.step(2.0); sched.in_cooldown
        True
        """
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state ``state_dict`` gave.

        Args:
            state_dict: The schedule's state, from ``state_dict``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.ReduceLROnPlateau(opt)
        >>> sched.load_state_dict({"mode": "max", "best": 3.0}); sched.mode_worse
        -inf
        """
        self.__dict__.update(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold,
                             threshold_mode=self.threshold_mode)


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _start_momentum(scheduler: Any, optimizer: Optimizer, base_momentum: Any,
                    max_momentum: Any, last_epoch: int,
                    base_first: bool) -> tuple[list[Any], list[Any]]:
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                         "option enabled")
    scheduler.use_beta1 = "betas" in optimizer.defaults
    # Checked in PyTorch's order (CyclicLR's base first, OneCycleLR's max), for its message.
    if base_first:
        base_momentums = _format_param("base_momentum", optimizer, base_momentum)
    max_momentums = _format_param("max_momentum", optimizer, max_momentum)
    if not base_first:
        base_momentums = _format_param("base_momentum", optimizer, base_momentum)
    if last_epoch == -1:
        for top, bottom, group in zip(max_momentums, base_momentums, optimizer.param_groups,
                                      strict=True):
            _set_momentum(group, top, scheduler.use_beta1)
            group["max_momentum"] = top
            group["base_momentum"] = bottom
    return base_momentums, max_momentums


class CyclicLR(LRScheduler):
    """The rate cycles between ``base_lr`` and ``max_lr`` (triangles, halving triangles, or an
    exponentially shrinking range), and the momentum the other way; one ``step()`` per batch.

    Args:
        optimizer: The optimizer whose rates (and momentum) this sets.
        base_lr: The lower rate, or one per group.
        max_lr: The upper rate, or one per group.
        step_size_up: The number of steps of the rising half. Defaults to 2000.
        step_size_down: The number of steps of the falling half; None (the default) for
            ``step_size_up``.
        mode: ``"triangular"`` (the default), ``"triangular2"`` or ``"exp_range"``.
        gamma: The factor of ``"exp_range"``, to the power of the step. Defaults to 1.
        scale_fn: A scaling function of one argument, replacing ``mode``'s. Defaults to None.
        scale_mode: What ``scale_fn`` takes: ``"cycle"`` (the default) or ``"iterations"``.
        cycle_momentum: Cycle the momentum (or Adam's first beta) inversely. Defaults to True.
        base_momentum: The lower momentum, or one per group. Defaults to 0.8.
        max_momentum: The upper momentum, or one per group. Defaults to 0.9.
        last_epoch: The index of the last step: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0, momentum=0.9)
    >>> sched = symgrad.optim.lr_scheduler.CyclicLR(opt, 0.1, 0.5, step_size_up=2)
    >>> opt.step(); sched.step(); sched.get_last_lr(), opt.param_groups[0]["momentum"]
    ([0.30000000000000004], 0.8500000000000001)
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float],
                 max_lr: float | list[float], step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float = 0.8,
                 max_momentum: float = 0.9, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        base_lrs = _format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                _update_param_group_val(group, "lr", lr)
        self.max_lrs = _format_param("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ["triangular", "triangular2", "exp_range"] and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _start_momentum(
                self, optimizer, base_momentum, max_momentum, last_epoch, True)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref: Callable[[float], float] = _triangular_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref = _triangular2_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "exp_range":
            self._scale_fn_ref = partial(_exp_range_scale_fn, self.gamma)
            self.scale_mode = "iterations"

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at cycle (or step) ``x``: the custom ``scale_fn``, or the
        mode's.

        Args:
            x: The cycle (from 1) or the step, as ``scale_mode`` says.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0, momentum=0.9)
        >>> sched = symgrad.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, mode="triangular2")
        >>> sched.scale_fn(3)
        0.25
        """
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return self._scale_fn_ref(x)

    def get_lr(self) -> list[float]:
        """The rates at step ``last_epoch`` (and, cycling momentum, the groups' momentum set).

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.CyclicLR(opt, 0.0, 1.0, step_size_up=1,
        ...                                             cycle_momentum=False)
        >>> opt.step(); sched.step(); sched.get_last_lr()  # what get_lr gave step()
        [1.0]
        """
        _warn_get_lr_called_within_step(self)
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        lrs = []
        for base_lr, max_lr in zip(self.base_lrs, self.max_lrs, strict=True):
            base_height = (max_lr - base_lr) * scale_factor
            lrs.append(base_lr + base_height * self.scale_fn(at))
        if self.cycle_momentum:
            momentums = []
            for base_m, max_m in zip(self.base_momentums, self.max_momentums, strict=True):
                base_height = (max_m - base_m) * scale_factor
                momentums.append(max_m - base_height * self.scale_fn(at))
            for group, momentum in zip(self.optimizer.param_groups, momentums, strict=True):
                _set_momentum(group, momentum, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state; the scaling function left out (a callable object's attributes
        kept), as PyTorch does.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0, momentum=0.9)
        >>> sd = symgrad.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0).state_dict()
        >>> sd["_scale_fn_custom"], sd["total_size"]
        (None, 4000.0)
        """
        state = super().state_dict()
        state.pop("_scale_fn_ref", None)
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state ``state_dict`` gave (a callable ``scale_fn`` its saved attributes).

        Args:
            state_dict: The schedule's state, from ``state_dict``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0, momentum=0.9)
        >>> sched = symgrad.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0)
        >>> sched.load_state_dict({"_scale_fn_custom": None, "last_epoch": 9}); sched.last_epoch
        9
        """
        fn = state_dict.pop("_scale_fn_custom")  # and not put back, as PyTorch's
        super().load_state_dict(state_dict)
        if fn is not None:
            self._scale_fn_custom.__dict__.update(fn)  # type: ignore[union-attr]
        self._init_scale_fn()


def _triangular_scale_fn(x: float) -> float:
    return 1.0


def _triangular2_scale_fn(x: float) -> float:
    return 1 / (2.0 ** (x - 1))


def _exp_range_scale_fn(gamma: float, x: float) -> float:
    return gamma**x


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from the initial rate to ``eta_min`` over ``T_0`` epochs, restarted,
    each period ``T_mult`` times the last (SGDR).

    Args:
        optimizer: The optimizer whose rates this sets.
        T_0: The number of epochs of the first period (a positive integer).
        T_mult: The factor by which each period is longer than the last (an integer >= 1).
            Defaults to 1.
        eta_min: The lowest rate. Defaults to 0.
        last_epoch: The index of the last epoch: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    >>> rates = []
    >>> for _ in range(3):
    ...     opt.step(); sched.step(); rates += [round(r, 6) for r in sched.get_last_lr()]
    >>> rates
    [0.5, 1.0, 0.5]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1,  # noqa: N803
                 eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type "
                             f"{type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates at ``T_cur`` epochs into a period of ``T_i``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3)
        >>> sched.get_last_lr()  # what get_lr gave at epoch 0
        [1.0]
        """
        _warn_get_lr_called_within_step(self)
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch, or go to ``epoch`` (which may be fractional: a step per batch,
        ``epoch + i / iters``), restarting the period where it ends.

        Args:
            epoch: The epoch to go to; None (the default) for the next.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
        >>> opt.step(); sched.step(0.5); round(sched.get_last_lr()[0], 6)
        0.853553
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        with _enable_get_lr_call(self):
            for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
                _update_param_group_val(group, "lr", lr)
        self._last_lr = _param_groups_val_list(self.optimizer, "lr")


class OneCycleLR(LRScheduler):
    """The 1cycle policy: the rate rises from ``max_lr / div_factor`` to ``max_lr``, then
    anneals far below the start, over ``total_steps``; the momentum the other way. One
    ``step()`` per batch.

    Args:
        optimizer: The optimizer whose rates (and momentum) this sets.
        max_lr: The highest rate, or one per group.
        total_steps: The number of steps; None (the default) for ``epochs * steps_per_epoch``.
        epochs: The number of epochs, with ``steps_per_epoch``. Defaults to None.
        steps_per_epoch: The number of steps per epoch. Defaults to None.
        pct_start: The fraction of the steps spent rising (a float). Defaults to 0.3.
        anneal_strategy: ``"cos"`` (the default) or ``"linear"``.
        cycle_momentum: Cycle the momentum (or Adam's first beta) inversely. Defaults to True.
        base_momentum: The lower momentum, or one per group. Defaults to 0.85.
        max_momentum: The upper momentum, or one per group. Defaults to 0.95.
        div_factor: The initial rate is ``max_lr / div_factor``. Defaults to 25.
        final_div_factor: The last rate is the initial one over this. Defaults to 1e4.
        three_phase: Fall back to the initial rate symmetrically before the final anneal.
            Defaults to False.
        last_epoch: The index of the last step: -1 (the default) starts the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0, momentum=0.9)
    >>> sched = symgrad.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> for _ in range(2):
    ...     opt.step(); sched.step()
    >>> round(sched.get_last_lr()[0], 6), round(opt.param_groups[0]["momentum"], 6)
    (1.0, 0.85)
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError("Expected positive integer steps_per_epoch, but got "
                                 f"{steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        rise_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                       "base_momentum", "max_momentum"),
                _phase(self.total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                       "max_momentum")]
        else:
            self._schedule_phases = [
                _phase(rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(self.total_steps - 1, "max_lr", "min_lr", "base_momentum",
                       "max_momentum")]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        max_lrs = _format_param("max_lr", self.optimizer, max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, self.optimizer.param_groups, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if self.cycle_momentum:
            _start_momentum(self, optimizer, base_momentum, max_momentum, last_epoch, False)
        super().__init__(optimizer, last_epoch)

    def _anneal_func(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The rates at step ``last_epoch`` (and, cycling momentum, the groups' momentum set);
        a ``ValueError`` past ``total_steps``.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=1,
        ...                                               cycle_momentum=False)
        >>> opt.step(); sched.step(); sched.step()
        Traceback (most recent call last):
        ...
        ValueError: Tried to step 2 times. The specified number of total steps is 1
        """
        _warn_get_lr_called_within_step(self)
        lrs = []
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"Tried to step {step_num} times. The specified number of total "
                             f"steps is {self.total_steps}")
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    computed_lr = self._anneal_func(group[phase["start_lr"]],
                                                    group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        computed_momentum = self._anneal_func(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(computed_lr)
            if self.cycle_momentum:
                _set_momentum(group, computed_momentum, self.use_beta1)
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str,
           end_momentum: str) -> dict[str, Any]:
    return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr,
            "start_momentum": start_momentum, "end_momentum": end_momentum}
