"""Optimizers as in ``torch.optim``: ``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``.

``step()`` updates the parameters in place under ``no_grad``; ``zero_grad()`` sets their
gradients to None (or to zeros with ``set_to_none=False``). Hyperparameters live in
``param_groups`` (one dict per group, as in PyTorch), where a learning-rate scheduler changes
them. Each update is PyTorch's single-tensor CPU formula, operation for operation in the
parameter's dtype, rounded as its kernels round (fused multiply-adds where they fuse), so a
float32 run gives PyTorch's parameters bit for bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from symgrad._fused_math import fma32, fma64
from symgrad.autograd import grad_mode
from symgrad.tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


class Optimizer:
    """Holds the parameters and per-parameter state; subclasses write ``_update``.

    Parameters are leaf tensors given as an iterable; a tensor itself, a non-leaf or a bad
    hyperparameter is refused with PyTorch's error rather than stepped into a wrong value.

    Args:
        params: The parameters to optimise: an iterable of leaf tensors, or of parameter
            groups (dicts with ``"params"`` and their own hyperparameters).
        defaults: The hyperparameters of groups that do not set them.

    >>> import symgrad
    >>> symgrad.optim.SGD(symgrad.ones(2, requires_grad=True), lr=0.1)
    Traceback (most recent call last):
    ...
    TypeError: params argument given to the optimizer should be an iterable of Tensors or dicts, \
but got symgrad.Tensor
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        # A tensor is iterable (by rows): taken as the list it would optimise views, not itself.
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got symgrad.{type(params).__name__}")
        given = list(params)
        if not given:
            raise ValueError("optimizer got an empty parameter list")
        groups = given if isinstance(given[0], dict) else [{"params": given}]
        self.defaults = defaults
        self.state: dict[int, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (the defaults fill the rest).

        Parameters:
            param_group: ``{"params": [...], "lr": ..., ...}``.

        >>> import symgrad
        >>> a, b = symgrad.nn.Parameter(symgrad.ones(1)), symgrad.nn.Parameter(symgrad.ones(1))
        >>> opt = symgrad.optim.SGD([a], lr=0.1)
        >>> opt.add_param_group({"params": [b], "lr": 0.5})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
        """
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each copy is stepped, as in PyTorch", stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append({**self.defaults, **param_group, "params": params})

    @property
    def params(self) -> list[Tensor]:
        """Every parameter of every group, in order.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.ones(2))
        >>> symgrad.optim.SGD([w], lr=0.1).params == [w]
        True
        """
        return [p for g in self.param_groups for p in g["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient.

        Args:
            set_to_none: Set each ``.grad`` to None (True) or fill it with zeros (False).
                Defaults to True.

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
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        state = self.state.setdefault(id(p), {})
                        p._data[...] = self._update(p._data, p.grad._data, state, group)
                        p._version += 1

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as PyTorch lays it out: ``"state"``, each parameter's buffers
        by its position across the groups (tensors; ``step`` a float32 zero-dim tensor, as
        PyTorch's), and ``"param_groups"``, the hyperparameters with ``"params"`` as those
        positions. The buffers are the optimizer's own, not copies, as in PyTorch.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
        >>> opt = symgrad.optim.SGD([w], lr=0.5, momentum=0.9)
        >>> (w * w).sum().backward(); opt.step()
        >>> opt.state_dict()["state"], opt.state_dict()["param_groups"][0]["params"]
        ({0: {'momentum_buffer': tensor([2.])}}, [0])
        """
        positions = {id(p): i for i, p in enumerate(self.params)}
        state = {positions[key]: {name: _saved(value) for name, value in buffers.items()}
                 for key, buffers in self.state.items() if key in positions}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [positions[id(p)] for p in g["params"]]} for g in self.param_groups]
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state and hyperparameters ``state_dict`` holds (from ``state_dict``, maybe
        saved and loaded): buffers copied in each parameter's dtype, ``step`` as a number.

        Args:
            state_dict: ``"state"`` and ``"param_groups"`` as ``state_dict`` gives them, for
                as many groups of as many parameters as this optimizer has.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
        >>> opt = symgrad.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
        >>> again = symgrad.optim.Adam([w], lr=0.5)
        >>> again.load_state_dict(opt.state_dict()); again.param_groups[0]["lr"]
        0.1
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"])
               for g, s in zip(self.param_groups, saved_groups, strict=True)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        params = {i: p for s, g in zip(saved_groups, self.param_groups, strict=True)
                  for i, p in zip(s["params"], g["params"], strict=True)}
        self.state = {id(params[i]): {name: _restored(name, value, params[i]._data.dtype)
                                      for name, value in buffers.items()}
                      for i, buffers in state_dict["state"].items() if i in params}
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            group.update({k: v for k, v in saved.items() if k != "params"})


def _saved(value: Any) -> Any:
    """One state entry as ``state_dict`` shows it: an array as a tensor sharing its memory, a
    step count as a float32 zero-dim tensor (PyTorch's)."""
    if isinstance(value, np.ndarray):
        return Tensor._make(value, False, None)
    if isinstance(value, float):
        return Tensor._make(np.asarray(value, np.float32), False, None)
    return value


def _restored(name: str, value: Any, dtype: np.dtype) -> Any:
    """One loaded state entry as ``step`` keeps it: the step count as a float, a buffer as an
    array of the parameter's dtype (a copy)."""
    if isinstance(value, Tensor):
        value = value._data
    if name == "step":
        return float(value)
    return np.array(value, dtype=dtype) if isinstance(value, np.ndarray) else value


class SGD(Optimizer):
    """Stochastic gradient descent with PyTorch's momentum, dampening and Nesterov rules.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate. Defaults to 1e-3.
        momentum: The momentum factor (0: none). Defaults to 0.
        dampening: How much of the new gradient the momentum buffer leaves out. Defaults
            to 0.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        nesterov: Use Nesterov momentum (needs a momentum and zero dampening). Defaults
            to False.

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

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        momentum, decay = group["momentum"], group["weight_decay"]
        d = _add(grad, param, decay) if decay else grad
        if momentum:
            buf = state.get("momentum_buffer")
            # The first step starts the buffer at the gradient itself, undamped, as PyTorch does.
            buf = d.copy() if buf is None else _add(buf * _scalar(momentum, buf), d,
                                                    1 - group["dampening"])
            state["momentum_buffer"] = buf
            d = _add(d, buf, momentum) if group["nesterov"] else buf
        return _add(param, d, -group["lr"])


# PyTorch's CPU kernels, as they round: ``add`` with an ``alpha`` and ``addcmul`` end in one
# fused multiply-add; ``addcdiv`` divides, then adds; ``lerp`` is a fused multiply-add from the
# nearer end. Half precision computes as the parameter's dtype does in NumPy.
def _fma(a: np.ndarray, b: Any, c: np.ndarray) -> np.ndarray:
    """``a * b + c`` rounded once (float32 and float64), as PyTorch's vectorised kernels do."""
    if c.dtype == np.float32:
        return fma32(a, np.float32(b) if np.ndim(b) == 0 else b, c)
    if c.dtype == np.float64:
        return fma64(a, b, c)
    return (a * b + c).astype(c.dtype)


def _add(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """``a.add(b, alpha=alpha)``."""
    return _fma(b, alpha, a)


def _addcmul(a: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> np.ndarray:
    """``a.addcmul(t1, t2, value=value)``: ``a + (value * t1) * t2``."""
    return _fma(_scalar(value, a) * t1, t2, a)


def _addcdiv(a: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> np.ndarray:
    """``a.addcdiv(t1, t2, value=value)``: ``a + (value * t1) / t2``."""
    return a + _scalar(value, a) * t1 / t2


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start.lerp(end, weight)`` with a scalar weight: from the nearer end, for accuracy."""
    if abs(weight) < 0.5:
        return _fma(_scalar(weight, start), end - start, start)
    return _fma(-(end - start), _scalar(1 - weight, start), end)


def _scalar(x: float, like: np.ndarray) -> Any:
    """A Python number as PyTorch's kernels use it on a tensor of ``like``'s dtype."""
    return like.dtype.type(x)


class Adam(Optimizer):
    """Adam with bias correction (``betas``, ``eps``, L2 ``weight_decay``).

    Parameters:
        params: the parameters (or parameter groups) to optimise.
        lr: the learning rate.
        betas: the decay rates of the running mean of the gradient and of its square.
        eps: added to the denominator, for stability.
        weight_decay: an L2 penalty added to the gradient.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9
    """

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        _check_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            # beta = 1 divides by zero in the bias correction: nan weights, not an error.
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        (b1, b2), lr, decay = group["betas"], group["lr"], group["weight_decay"]
        if decay and self._decoupled:
            param = param * _scalar(1 - lr * decay, param)
        elif decay:
            grad = _add(grad, param, decay)
        step = state["step"] = state.get("step", 0.0) + 1
        m = state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(param)), grad, 1 - b1)
        v = state.get("exp_avg_sq", np.zeros_like(param)) * _scalar(b2, param)
        v = state["exp_avg_sq"] = _addcmul(v, grad, grad, 1 - b2)
        step_size = lr / (1 - b1 ** step)
        denom = np.sqrt(v) / _scalar((1 - b2 ** step) ** 0.5, param) + _scalar(group["eps"], param)
        return _addcdiv(param, m, denom, -step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay: the parameters shrink by ``lr * weight_decay`` each
    step, apart from the gradient's moments.

    Parameters:
        params: the parameters (or parameter groups) to optimise.
        lr: the learning rate.
        betas: the decay rates of the running mean of the gradient and of its square.
        eps: added to the denominator, for stability.
        weight_decay: the decoupled decay rate (PyTorch's default 0.01).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.85
    """

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


class RMSprop(Optimizer):
    """RMSprop: each step divided by a running root mean square of the gradient.

    Parameters:
        params: the parameters (or parameter groups) to optimise.
        lr: the learning rate.
        alpha: the decay rate of the running mean square.
        eps: added to the denominator, for stability.
        weight_decay: an L2 penalty added to the gradient.
        momentum: a momentum over the scaled steps.
        centered: divide by the running variance (the mean square less the squared mean).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        _check_non_negative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                            alpha=alpha)
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        alpha, lr, momentum = group["alpha"], group["lr"], group["momentum"]
        if group["weight_decay"]:
            grad = _add(grad, param, group["weight_decay"])
        state["step"] = state.get("step", 0.0) + 1
        sq = state.get("square_avg", np.zeros_like(param)) * _scalar(alpha, param)
        sq = state["square_avg"] = _addcmul(sq, grad, grad, 1 - alpha)
        if group["centered"]:
            mean = state["grad_avg"] = _lerp(state.get("grad_avg", np.zeros_like(param)), grad,
                                             1 - alpha)
            avg = np.sqrt(_addcmul(sq, mean, mean, -1))
        else:
            avg = np.sqrt(sq)
        avg = avg + _scalar(group["eps"], param)
        if momentum > 0:
            buf = state.get("momentum_buffer", np.zeros_like(param)) * _scalar(momentum, param)
            buf = state["momentum_buffer"] = _addcdiv(buf, grad, avg, 1)
            return _add(param, buf, -lr)
        return _addcdiv(param, grad, avg, -lr)


class Adagrad(Optimizer):
    """Adagrad: each step divided by the root of the sum of the squared gradients so far.

    Parameters:
        params: the parameters (or parameter groups) to optimise.
        lr: the learning rate.
        lr_decay: the learning rate at step t is ``lr / (1 + (t - 1) lr_decay)``.
        weight_decay: an L2 penalty added to the gradient.
        initial_accumulator_value: where the sum of squares starts.
        eps: added to the denominator, for stability.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        _check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                            initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        step = state["step"] = state.get("step", 0.0) + 1
        if group["weight_decay"]:
            grad = _add(grad, param, group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        start = state.get("sum")
        if start is None:
            start = np.full_like(param, group["initial_accumulator_value"])
        total = state["sum"] = _addcmul(start, grad, grad, 1)
        return _addcdiv(param, grad, np.sqrt(total) + _scalar(group["eps"], param), -clr)


def _check_non_negative(**values: float) -> None:
    names = {"lr": "learning rate", "eps": "epsilon value", "lr_decay": "lr_decay value",
             "alpha": "alpha value"}
    for key, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {names.get(key, key + ' value')}: {value}")
