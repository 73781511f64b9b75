"""Optimizers: ``SGD`` (momentum, Nesterov, weight decay) and ``Adam``, as in ``torch.optim``.

``step()`` updates the parameters in place under ``no_grad``; ``zero_grad()`` sets their
gradients to None (or to zeros with ``set_to_none=False``).

>>> import symgrad
>>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
>>> opt = symgrad.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step(); w
Parameter containing:
tensor([0.8000], requires_grad=True)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from symgrad.autograd import grad_mode
from symgrad.tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Holds the parameters and per-parameter state; subclasses write ``_update``."""

    def __init__(self, params: Iterable[Tensor], defaults: dict[str, Any]) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        self.defaults = defaults
        self.state: dict[int, dict[str, Any]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient."""
        for p in self.params:
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor._make(np.zeros_like(p._data), False, None)

    def step(self) -> None:
        """Update each parameter that has a gradient, in place, without recording."""
        with grad_mode.no_grad():
            for p in self.params:
                if p.grad is not None:
                    new = self._update(p._data, p.grad._data, self.state.setdefault(id(p), {}))
                    p._data[...] = new
                    p._version += 1

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with PyTorch's momentum, dampening and Nesterov rules.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.SGD([w], lr=0.5, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 4)
    -0.9
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        d = grad + self.weight_decay * param if self.weight_decay else grad
        if self.momentum:
            buf = state.get("momentum_buffer")
            # The first step starts the buffer at the gradient itself, undamped, as PyTorch does.
            buf = d.copy() if buf is None else self.momentum * buf + (1 - self.dampening) * d
            state["momentum_buffer"] = buf
            d = d + self.momentum * buf if self.nesterov else buf
        return param - self.lr * d


class Adam(Optimizer):
    """Adam with bias correction (``betas``, ``eps``, L2 ``weight_decay``).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay})
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        b1, b2 = self.betas
        d = grad + self.weight_decay * param if self.weight_decay else grad
        t = state["step"] = state.get("step", 0) + 1
        m = state["exp_avg"] = b1 * state.get("exp_avg", 0) + (1 - b1) * d
        v = state["exp_avg_sq"] = b2 * state.get("exp_avg_sq", 0) + (1 - b2) * d * d
        denom = np.sqrt(v / (1 - b2 ** t)) + self.eps
        return param - (self.lr / (1 - b1 ** t)) * m / denom

