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

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from symgrad.autograd import grad_mode
from symgrad.tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Holds the parameters and per-parameter state; subclasses write ``_update``.

    Parameters are leaf tensors given as an iterable; a tensor itself, a non-leaf or a bad
    hyperparameter is refused with PyTorch's error rather than stepped into a wrong value.

    >>> import symgrad
    >>> symgrad.optim.SGD(symgrad.ones(2, requires_grad=True), lr=0.1)
    Traceback (most recent call last):
    ...
    TypeError: params argument given to the optimizer should be an iterable of Tensors or dicts, \
but got symgrad.Tensor
    """

    def __init__(self, params: Iterable[Tensor], defaults: dict[str, Any]) -> None:
        # A tensor is iterable (by rows): taken as the list it would optimise views, not itself.
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got symgrad.{type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in self.params}) != len(self.params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each copy is stepped, as in PyTorch", stacklevel=3)
        self.defaults = defaults
        self.state: dict[int, dict[str, Any]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
        >>> opt = symgrad.optim.SGD([w], lr=0.1)
        >>> (w * 3).sum().backward(); opt.zero_grad(set_to_none=False); w.grad
        tensor([0.])
        >>> opt.zero_grad(); w.grad is None
        True
        """
        for p in self.params:
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor._make(np.zeros_like(p._data), False, None)

    def step(self) -> None:
        """Update each parameter that has a gradient, in place, without recording; one
        without a gradient is left alone (weight decay included).

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([2.0]))
        >>> b = symgrad.nn.Parameter(symgrad.tensor([1.0]))
        >>> opt = symgrad.optim.SGD([w, b], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward(); opt.step()
        >>> w.item(), b.item(), b.grad is None
        (1.5, 1.0, True)
        """
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
        _check_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
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
        _check_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            # beta = 1 divides by zero in the bias correction: nan weights, not an error.
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
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


def _check_non_negative(**values: float) -> None:
    names = {"lr": "learning rate", "eps": "epsilon value"}
    for key, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {names.get(key, key + ' value')}: {value}")
