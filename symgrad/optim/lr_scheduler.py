"""Learning-rate schedules as in ``torch.optim.lr_scheduler``: ``StepLR``, ``ExponentialLR`` and
``CosineAnnealingLR``.

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

from symgrad.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR"]


class LRScheduler:
    """The base of the schedules: remembers each group's initial rate and the epoch.

    Parameters:
        optimizer: the optimizer whose groups' ``"lr"`` this sets.
        last_epoch: -1 to start a schedule (resuming one is not supported).

    A schedule is a subclass writing ``get_lr``; construction runs epoch 0:

    >>> import symgrad
    >>> class Halving(symgrad.optim.lr_scheduler.LRScheduler):
    ...     def get_lr(self):
    ...         return [base / 2 ** self.last_epoch for base in self.base_lrs]
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = Halving(opt)
    >>> sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if last_epoch != -1:
            raise NotImplementedError("resuming a schedule (last_epoch != -1) is not supported")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

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

    def step(self) -> None:
        """Advance one epoch and set every group's rate for it.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
        >>> sched = symgrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> sched.step(); opt.param_groups[0]["lr"]
        0.5
        """
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` set, one per parameter group.

        >>> import symgrad
        >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=0.1)
        >>> symgrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5).get_last_lr()
        [0.1]
        """
        return list(self._last_lr)

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


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
    >>> sched.step(); sched.get_last_lr()
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
        >>> sched.last_epoch = 1; sched.get_lr()  # what step() would set at epoch 1
        [0.5]
        """
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class ExponentialLR(LRScheduler):
    """The rate times ``gamma`` every epoch.

    Parameters:
        optimizer: the optimizer whose rates this sets.
        gamma: the factor of each epoch.
        last_epoch: -1 to start the schedule.

    >>> import symgrad
    >>> opt = symgrad.optim.SGD([symgrad.nn.Parameter(symgrad.ones(1))], lr=1.0)
    >>> sched = symgrad.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    >>> sched.step(); sched.step(); sched.get_last_lr()
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
        >>> sched.last_epoch = 1; sched.get_lr()  # what step() would set at epoch 1
        [0.9]
        """
        if self.last_epoch == 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


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
    >>> sched.step(); round(sched.get_last_lr()[0], 6)
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
        >>> sched.last_epoch = 1; sched.get_lr()  # what step() would set at epoch 1
        [0.5]
        """
        t, lo = self.last_epoch, self.eta_min
        if t == 0:
            return self._current()
        if (t - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base, lr in zip(self.base_lrs, self._current(), strict=True)]
        return [(1 + math.cos(math.pi * t / self.T_max))
                / (1 + math.cos(math.pi * (t - 1) / self.T_max)) * (lr - lo) + lo
                for lr in self._current()]
