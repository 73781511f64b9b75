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
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from symgrad._fused_math import fma32, fma64
from symgrad.autograd import grad_mode
from symgrad.ops.inplace import mark_written
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
            # A differentiable update may optimise a tensor computed from others, as PyTorch's.
            if not (p.is_leaf or self.defaults.get("differentiable")):
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each copy is stepped, as in PyTorch", stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        # PyTorch's key order (state_dict and repr show it): the group's own keys, then the
        # defaults it does not set.
        group = {**param_group, "params": params}
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.param_groups.append(group)

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group)
                            if key != "params")
        return text + ")"

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
                    # PyTorch zeroes .grad in place: its dtype (a grad_dtype's) and shape stay.
                    p._grad = Tensor._make(np.zeros_like(p._grad._data), False, None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient, in place, without recording; one
        without a gradient is left alone (weight decay included). With a ``closure``, first
        re-evaluate the loss (with gradients on) and return it.

        Args:
            closure: A function that clears the gradients, computes the loss, calls
                ``backward`` and returns the loss; None (the default) for none.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([2.0]))
        >>> b = symgrad.nn.Parameter(symgrad.tensor([1.0]))
        >>> opt = symgrad.optim.SGD([w, b], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward(); opt.step()
        >>> w.item(), b.item(), b.grad is None
        (1.5, 1.0, True)
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                # Hyperparameters given as tensors enter the update as NumPy scalars of their
                # dtype, whose arithmetic with Python numbers stays in that dtype, as a zero-dim
                # tensor's does in PyTorch.
                hyper = {k: _number(v) for k, v in group.items() if k != "params"}
                for p in group["params"]:
                    if p.grad is not None:
                        self._check_steppable(group, p)
                        state = self.state.get(id(p), {})
                        p._data[...] = self._update(p._data, p.grad._data, state, hyper)
                        mark_written(p)
                        if state:  # SGD without momentum keeps none, as PyTorch's
                            self.state[id(p)] = state
        return loss

    # PyTorch's words when capturable=True meets a CPU tensor (some optimizers name more).
    _capturable_error = ("If capturable=True, params and state_steps must be on supported "
                         "devices: ['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'].")

    def _check_steppable(self, group: dict[str, Any], p: Tensor) -> None:
        """PyTorch's refusals at the step: capturable updates need a GPU (symgrad has none);
        a differentiable one updates a leaf in place, which autograd forbids."""
        if group.get("capturable"):
            raise AssertionError(self._capturable_error)
        if group.get("differentiable"):
            if p.is_leaf and p.requires_grad:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            raise NotImplementedError("differentiable=True (differentiating through the "
                                      "update) is not supported by symgrad")

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
        # In the order the states were made, as PyTorch's dict of them.
        state = {positions[key]: {name: _saved(value) for name, value in buffers.items()}
                 for key, buffers in self.state.items() if key in positions}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [positions[id(p)] for p in g["params"]]} for g in self.param_groups]
        return {"state": state, "param_groups": groups}

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


def _number(value: Any) -> Any:
    """A hyperparameter as an update uses it: a one-element tensor as a NumPy scalar of its
    dtype, a tuple item by item, anything else as it is."""
    if isinstance(value, Tensor):
        return value._data.reshape(())[()]
    if isinstance(value, tuple):
        return tuple(_number(v) for v in value)
    return value


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
        lr: The learning rate, a number or a one-element tensor. Defaults to 1e-3.
        momentum: The momentum factor (0: none). Defaults to 0.
        dampening: How much of the new gradient the momentum buffer leaves out. Defaults
            to 0.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        nesterov: Use Nesterov momentum (needs a momentum and zero dampening). Defaults
            to False.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).
        fused: PyTorch's fused-kernel switch; accepted, the result is the same.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.SGD([w], lr=0.5, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 4)
    -0.9
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0,
                 nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        _check_lr(lr)
        _check_non_negative(momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize, "foreach": foreach,
                                  "differentiable": differentiable, "fused": fused})
        _check_fused(fused, foreach, differentiable)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        momentum, decay = group["momentum"], group["weight_decay"]
        grad = -grad if group["maximize"] else grad
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
    """Adam with bias correction (``betas``, ``eps``, L2 or decoupled ``weight_decay``,
    ``amsgrad``).

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate, a number or a one-element tensor. Defaults to 1e-3.
        betas: The decay rates of the running mean of the gradient and of its square (both
            numbers or both tensors). Defaults to (0.9, 0.999).
        eps: Added to the denominator, for stability. Defaults to 1e-8.
        weight_decay: The weight decay (an L2 penalty, or decoupled). Defaults to 0.
        amsgrad: Divide by the running maximum of the second moment (AMSGrad). Defaults to
            False.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).
        fused: PyTorch's fused-kernel switch; accepted, the result is the same.
        decoupled_weight_decay: Decay the weights apart from the gradient (AdamW). Defaults
            to False.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[Any, Any] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and "
                             "foreach=True")
        _check_lr(lr)
        _check_non_negative(eps=eps)
        for i, beta in enumerate(betas):
            # beta = 1 divides by zero in the bias correction: nan weights, not an error.
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _check_non_negative(weight_decay=weight_decay)
        _check_betas_kind(betas, foreach, capturable)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize, "foreach": foreach,
                                  "capturable": capturable, "differentiable": differentiable,
                                  "fused": fused,
                                  "decoupled_weight_decay": decoupled_weight_decay})
        _check_fused(fused, foreach, differentiable)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        (b1, b2), lr, decay = group["betas"], group["lr"], group["weight_decay"]
        if not state:
            state.update(step=0.0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        grad = -grad if group["maximize"] else grad
        step = state["step"] = state["step"] + 1
        if decay and group["decoupled_weight_decay"]:
            param = param * _scalar(1 - lr * decay, param)
        elif decay:
            grad = _add(grad, param, decay)
        m = state["exp_avg"] = _lerp(state["exp_avg"], grad, 1 - b1)
        v = state["exp_avg_sq"] * _scalar(b2, param)
        v = state["exp_avg_sq"] = _addcmul(v, grad, grad, 1 - b2)
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
        step_size = lr / (1 - b1 ** step)
        denom = np.sqrt(v) / _scalar((1 - b2 ** step) ** 0.5, param) + _scalar(group["eps"], param)
        return _addcdiv(param, m, denom, -step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay: the parameters shrink by ``lr * weight_decay`` each
    step, apart from the gradient's moments.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate, a number or a one-element tensor. Defaults to 1e-3.
        betas: The decay rates of the running mean of the gradient and of its square.
            Defaults to (0.9, 0.999).
        eps: Added to the denominator, for stability. Defaults to 1e-8.
        weight_decay: The decoupled decay rate. Defaults to 1e-2.
        amsgrad: Divide by the running maximum of the second moment. Defaults to False.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).
        fused: PyTorch's fused-kernel switch; accepted, the result is the same.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.85
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[Any, Any] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class RMSprop(Optimizer):
    """RMSprop: each step divided by a running root mean square of the gradient.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate, a number or a one-element tensor. Defaults to 1e-2.
        alpha: The decay rate of the running mean square. Defaults to 0.99.
        eps: Added to the denominator, for stability. Defaults to 1e-8.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        momentum: A momentum over the scaled steps. Defaults to 0.
        centered: Divide by the running variance (the mean square less the squared mean).
            Defaults to False.
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_non_negative(eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                                  "centered": centered, "weight_decay": weight_decay,
                                  "capturable": capturable, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        alpha, lr, momentum = group["alpha"], group["lr"], group["momentum"]
        if not state:
            state.update(step=0.0, square_avg=np.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        grad = -grad if group["maximize"] else grad
        state["step"] += 1
        if group["weight_decay"]:
            grad = _add(grad, param, group["weight_decay"])
        sq = state["square_avg"] * _scalar(alpha, param)
        sq = state["square_avg"] = _addcmul(sq, grad, grad, 1 - alpha)
        if group["centered"]:
            mean = state["grad_avg"] = _lerp(state["grad_avg"], grad, 1 - alpha)
            avg = np.sqrt(_addcmul(sq, mean, mean, -1))
        else:
            avg = np.sqrt(sq)
        avg = avg + _scalar(group["eps"], param)
        if momentum > 0:
            buf = state["momentum_buffer"] * _scalar(momentum, param)
            buf = state["momentum_buffer"] = _addcdiv(buf, grad, avg, 1)
            return _add(param, buf, -lr)
        return _addcdiv(param, grad, avg, -lr)


class Adagrad(Optimizer):
    """Adagrad: each step divided by the root of the sum of the squared gradients so far.

    As PyTorch's, every parameter of the groups given at construction has its state (a zero
    step count and the sum at ``initial_accumulator_value``) from the start; a parameter of a
    group added later starts its sum at the optimizer's default value, not its group's.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate, a number or a one-element tensor. Defaults to 1e-2.
        lr_decay: The learning rate at step t is ``lr / (1 + (t - 1) lr_decay)``. Defaults
            to 0.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        initial_accumulator_value: Where the sum of squares starts. Defaults to 0.
        eps: Added to the denominator, for stability. Defaults to 1e-10.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).
        fused: PyTorch's fused-kernel switch; accepted, the result is the same.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        _check_non_negative(lr_decay=lr_decay, weight_decay=weight_decay,
                            initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "foreach": foreach, "maximize": maximize,
                                  "differentiable": differentiable, "fused": fused})
        _check_fused(fused, foreach, differentiable)
        for p in self.params:
            self._start(self.state.setdefault(id(p), {}), p._data)

    def _start(self, state: dict[str, Any], param: np.ndarray) -> None:
        state.update(step=0.0, sum=np.full_like(param, self.defaults["initial_accumulator_value"]))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        if not state:
            self._start(state, param)
        grad = -grad if group["maximize"] else grad
        step = state["step"] = state["step"] + 1
        if group["weight_decay"]:
            grad = _add(grad, param, group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"] = _addcmul(state["sum"], grad, grad, 1)
        return _addcdiv(param, grad, np.sqrt(total) + _scalar(group["eps"], param), -clr)


def _check_lr(lr: Any) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    _check_non_negative(lr=lr)


def _check_betas_kind(betas: tuple[Any, Any], foreach: bool | None, capturable: bool) -> None:
    """Adam's rule for tensor betas: both or neither, one element each, not for foreach."""
    if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
        raise ValueError("betas must be either both floats or both Tensors")
    for i, beta in enumerate(betas):
        if isinstance(beta, Tensor):
            if not capturable and foreach:
                raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                 "capturable=False and foreach=True")
            if beta.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")


def _check_fused(fused: bool | None, foreach: bool | None, differentiable: bool) -> None:
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _check_non_negative(**values: float) -> None:
    names = {"lr": "learning rate", "eps": "epsilon value", "lr_decay": "lr_decay value",
             "alpha": "alpha value"}
    for key, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {names.get(key, key + ' value')}: {value}")
