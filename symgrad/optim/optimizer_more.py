"""More optimizers as in ``torch.optim``: ``Adamax``, ``NAdam``, ``RAdam``, ``Adadelta``,
``Rprop`` and ``ASGD`` (importable from ``symgrad.optim``).

Each update is PyTorch 2.13's single-tensor CPU formula (its default for CPU tensors, with
``foreach`` unset), operation for operation in the parameter's dtype and rounded as its
kernels round: a Python number meeting a tensor is first rounded to the tensor's dtype, ``add``
with ``alpha`` and ``addcmul`` end in one fused multiply-add, a number divided by a tensor is
the tensor's reciprocal times the number (``Tensor.__rtruediv__``). The per-parameter numbers
PyTorch keeps as float32 zero-dim tensors (``step``, NAdam's ``mu_product``, ASGD's ``eta`` and
``mu``) are float32 here too (zero-dim arrays; a loaded state casts them to the parameter's
dtype, as PyTorch's ``load_state_dict`` does, ``step`` apart), so float32 and float64 runs
give PyTorch's parameters bit for bit, before and after a checkpoint (over the scalar and
the vectorised kernels, with infinite, NaN and signed-zero gradients too). ``state_dict`` uses
PyTorch's state names and group keys (``foreach``, ``maximize``, ``differentiable`` and
``capturable`` included); ``step(closure)`` re-evaluates the loss with gradients on, as
PyTorch's.

``capturable=True`` (CUDA graphs) is refused at the step with PyTorch's error for CPU tensors,
and ``differentiable=True`` (updates recorded for autograd) with PyTorch's error for a leaf
parameter (``NotImplementedError`` for any other); ``foreach`` is accepted and changes nothing
(PyTorch's multi-tensor kernels give the same values to rounding).

>>> import symgrad
>>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
>>> opt = symgrad.optim.Adamax([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
0.9
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from symgrad.autograd import grad_mode
from symgrad.ops.inplace import mark_written
from symgrad.optim import optimizer as _base
from symgrad.optim.optimizer import Optimizer, _addcdiv, _scalar
from symgrad.tensor import Tensor

__all__ = ["Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD", "LBFGS"]


def _zero_dim(x: float, dtype: Any = np.float32) -> np.ndarray:
    """A number as PyTorch's zero-dim state tensor of ``dtype`` holds it."""
    return np.asarray(x, dtype=dtype)


# PyTorch's kernels' roundings, as optimizer.py replays them (fused multiply-adds).
_fma, _add, _addcmul, _lerp = _base._fma, _base._add, _base._addcmul, _base._lerp


def _sign(x: np.ndarray) -> np.ndarray:
    """``torch.sign``: 0 for NaN (NumPy's gives NaN) and +0 for -0."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_betas(betas: tuple[float, float]) -> None:
    for i in range(2):
        _check(0.0 <= betas[i] < 1.0, f"Invalid beta parameter at index {i}: {betas[i]}")


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm, each step divided by a decaying maximum of the
    gradient's magnitude.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate. Defaults to 2e-3.
        betas: The decay rates of the running mean of the gradient and of the running maximum.
            Defaults to (0.9, 0.999).
        eps: Added to the gradient's magnitude, for stability. Defaults to 1e-8.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0, -2.0]))
    >>> opt = symgrad.optim.Adamax([w], lr=0.1, maximize=True)
    >>> (w * w).sum().backward(); opt.step(); w
    Parameter containing:
    tensor([ 1.1000, -2.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        (beta1, beta2), decay = group["betas"], group["weight_decay"]
        if not state:
            state.update(step=0.0, exp_avg=np.zeros_like(param), exp_inf=np.zeros_like(param))
        grad = -grad if group["maximize"] else grad
        step = state["step"] = state["step"] + 1
        if decay != 0:
            grad = _add(grad, param, decay)
        exp_avg = state["exp_avg"] = _lerp(state["exp_avg"], grad, 1 - beta1)
        exp_inf = state["exp_inf"] = np.maximum(state["exp_inf"] * _scalar(beta2, param),
                                                np.abs(grad) + _scalar(group["eps"], param))
        clr = group["lr"] / (1 - beta1**step)
        return _addcdiv(param, exp_avg, exp_inf, -clr)


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum, the momentum's warm-up by ``momentum_decay``.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate. Defaults to 2e-3.
        betas: The decay rates of the running mean of the gradient and of its square.
            Defaults to (0.9, 0.999).
        eps: Added to the denominator, for stability. Defaults to 1e-8.
        weight_decay: The weight decay (an L2 penalty, or decoupled). Defaults to 0.
        momentum_decay: The momentum's decay, psi in the paper. Defaults to 4e-3.
        decoupled_weight_decay: Decay the weights apart from the gradient (as AdamW; NAdamW).
            Defaults to False.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.8944
    """

    _capturable_error = ("If capturable=True, params, mu_products and state_steps must be on "
                         "supported devices: ['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'].")

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(momentum_decay >= 0.0, f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize, "foreach": foreach,
                                  "capturable": capturable, "differentiable": differentiable})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        (beta1, beta2), lr, decay = group["betas"], group["lr"], group["weight_decay"]
        if not state:
            state.update(step=0.0, mu_product=_zero_dim(1.0), exp_avg=np.zeros_like(param),
                         exp_avg_sq=np.zeros_like(param))
        grad = -grad if group["maximize"] else grad
        step = state["step"] = state["step"] + 1
        bias_correction2 = 1 - beta2**step
        if decay != 0:
            if group["decoupled_weight_decay"]:
                param = param * _scalar(1 - lr * decay, param)
            else:
                grad = _add(grad, param, decay)
        psi = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        # mu_product is a zero-dim tensor in PyTorch (float32 until a load casts it): the
        # product is in its dtype.
        held = state["mu_product"]
        held = state["mu_product"] = _zero_dim(held * held.dtype.type(mu), held.dtype)
        mu_product = float(held)
        exp_avg = state["exp_avg"] = _lerp(state["exp_avg"], grad, 1 - beta1)
        sq = state["exp_avg_sq"] * _scalar(beta2, param)
        sq = state["exp_avg_sq"] = _addcmul(sq, grad, grad, 1 - beta2)
        denom = np.sqrt(sq / _scalar(bias_correction2, param)) + _scalar(group["eps"], param)
        mu_product_next = mu_product * mu_next
        param = _addcdiv(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product))
        return _addcdiv(param, exp_avg, denom, -lr * mu_next / (1.0 - mu_product_next))


class RAdam(Optimizer):
    """RAdam: Adam with its adaptive step rectified (plain momentum SGD while the variance
    estimate is unreliable, rho_t <= 5).

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate. Defaults to 1e-3.
        betas: The decay rates of the running mean of the gradient and of its square.
            Defaults to (0.9, 0.999).
        eps: Added to the denominator, for stability. Defaults to 1e-8.
        weight_decay: The weight decay (an L2 penalty, or decoupled). Defaults to 0.
        decoupled_weight_decay: Decay the weights apart from the gradient (as AdamW).
            Defaults to False.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.8
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize,
                                  "foreach": foreach, "capturable": capturable,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "differentiable": differentiable})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        (beta1, beta2), lr, decay = group["betas"], group["lr"], group["weight_decay"]
        if not state:
            state.update(step=0.0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        grad = -grad if group["maximize"] else grad
        step = state["step"] = state["step"] + 1
        if decay != 0:
            if group["decoupled_weight_decay"]:
                param = param * _scalar(1 - lr * decay, param)
            else:
                grad = _add(grad, param, decay)
        exp_avg = state["exp_avg"] = _lerp(state["exp_avg"], grad, 1 - beta1)
        sq = state["exp_avg_sq"] * _scalar(beta2, param)
        sq = state["exp_avg_sq"] = _addcmul(sq, grad, grad, 1 - beta2)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        corrected = exp_avg / _scalar(bias_correction1, param)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
        update = corrected * _scalar(lr, param)
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            # ``number / tensor`` is the tensor's reciprocal times the number in PyTorch.
            adaptive = (np.reciprocal(np.sqrt(sq) + _scalar(group["eps"], param))
                        * _scalar(bias_correction2**0.5, param))
            update = update * adaptive * _scalar(rect, param)
        return param - update


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running root mean squares of past updates and
    of gradients (no learning rate needed; ``lr`` scales the result).

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The factor of each update. Defaults to 1.
        rho: The decay rate of the running averages, in [0, 1]. Defaults to 0.9.
        eps: Added inside the square roots, for stability. Defaults to 1e-6.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.Adadelta([w])
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9968
    """

    _capturable_error = ("If capturable=True, params and state_steps must be on supported "
                         "devices: ['cuda', 'xpu', 'hpu', 'privateuseone'].")

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, "capturable": capturable,
                                  "foreach": foreach, "differentiable": differentiable})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        rho, eps = _scalar(group["rho"], param), _scalar(group["eps"], param)
        if not state:
            state.update(step=0.0, square_avg=np.zeros_like(param),
                         acc_delta=np.zeros_like(param))
        state["step"] += 1
        grad = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            grad = _add(grad, param, group["weight_decay"])
        sq = state["square_avg"] = _addcmul(state["square_avg"] * rho, grad, grad,
                                            1 - group["rho"])
        std = np.sqrt(sq + eps)
        delta = np.sqrt(state["acc_delta"] + eps) / std * grad
        state["acc_delta"] = _addcmul(state["acc_delta"] * rho, delta, delta, 1 - group["rho"])
        return _add(param, delta, -group["lr"])


class Rprop(Optimizer):
    """Rprop: each weight's own step size, grown by ``etas[1]`` while its gradient keeps its
    sign and shrunk by ``etas[0]`` when it flips (the step then skipped); only signs are used.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The initial step size. Defaults to 1e-2.
        etas: The factors (decrease, increase), with 0 < decrease < 1 < increase. Defaults
            to (0.5, 1.2).
        step_sizes: The least and greatest step sizes. Defaults to (1e-6, 50).
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0, -1.0]))
    >>> opt = symgrad.optim.Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w
    Parameter containing:
    tensor([ 0.7800, -0.7800], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, {"lr": lr, "etas": etas, "step_sizes": step_sizes,
                                  "foreach": foreach, "maximize": maximize,
                                  "differentiable": differentiable, "capturable": capturable})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        etaminus, etaplus = (_scalar(eta, param) for eta in group["etas"])
        low, high = (_scalar(size, param) for size in group["step_sizes"])
        if not state:
            state.update(step=0.0, prev=np.zeros_like(param),
                         step_size=np.full_like(param, group["lr"]))
        grad = -grad if group["maximize"] else grad
        state["step"] += 1
        sign = _sign(grad * state["prev"])
        sign = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus,
                                                    np.where(sign == 0, param.dtype.type(1), sign)))
        # clamp as PyTorch's: the lower bound first, then the upper (NaN kept).
        size = state["step_size"] = np.minimum(np.maximum(state["step_size"] * sign, low), high)
        grad = np.where(sign == etaminus, param.dtype.type(0), grad)
        state["prev"] = grad
        return _addcmul(param, _sign(grad), size, -1)


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying rate ``eta``, keeping in ``ax`` the running average
    of the parameters from step ``t0`` on.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The learning rate. Defaults to 1e-2.
        lambd: The decay term. Defaults to 1e-4.
        alpha: The power of the rate's decay. Defaults to 0.75.
        t0: The step from which the average is taken. Defaults to 1e6.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Refused at the step (PyTorch's error for a leaf parameter).
        capturable: Refused at the step, as PyTorch refuses it for CPU tensors.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.ASGD([w], lr=0.1, t0=0)
    >>> for _ in range(3):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 4), round(opt.state[id(w)]["ax"].item(), 4)
    (0.512, 0.576)
    """

    _capturable_error = ("If capturable=True, params, mus, etas, and state_steps must be on "
                         "supported devices: ['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'].")

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                                  "weight_decay": weight_decay, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state.update(step=0.0, eta=_zero_dim(lr), mu=_zero_dim(1.0), ax=np.zeros_like(param))
        grad = -grad if group["maximize"] else grad
        step = state["step"] = state["step"] + 1
        if group["foreach"]:
            return self._update_foreach(param, grad, state, group)
        if group["weight_decay"] != 0:
            grad = _add(grad, param, group["weight_decay"])
        eta = float(state["eta"])
        param = _add(param * _scalar(1 - lambd * eta, param), grad, -eta)
        if state["mu"] != 1:
            state["ax"] = state["ax"] + (param - state["ax"]) * _scalar(state["mu"], param)
        else:
            state["ax"] = param.copy()
        # PyTorch makes each new value a tensor of the default dtype (float32), then copies it
        # into the state's (float32, or the parameter's after a load).
        new_eta = np.float32(lr / (1 + lambd * lr * step) ** group["alpha"])
        state["eta"] = _zero_dim(new_eta, state["eta"].dtype)
        state["mu"] = _zero_dim(np.float32(1 / max(1, step - group["t0"])), state["mu"].dtype)
        return param

    @staticmethod
    def _update_foreach(param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                        group: dict[str, Any]) -> np.ndarray:
        """PyTorch's multi-tensor ASGD rounds otherwise: ``param - eta * (grad + lambd *
        param)`` in one step, the average always by ``addcmul``, and the new rate from the
        step count as a float32 tensor (``number / tensor`` the reciprocal times the number)."""
        lr, lambd = group["lr"], group["lambd"]
        if group["weight_decay"] != 0:
            grad = _add(grad, param, group["weight_decay"])
        param = _addcmul(param, _add(grad, param, lambd), state["eta"].astype(param.dtype), -1)
        state["ax"] = _addcmul(state["ax"], param - state["ax"], state["mu"].astype(param.dtype),
                               1)
        scaled = (1 + lambd * lr * np.float32(state["step"])) ** group["alpha"]
        state["eta"] = _zero_dim(np.reciprocal(scaled) * lr, state["eta"].dtype)
        state["mu"] = _zero_dim(np.float32(1 / max(1, state["step"] - group["t0"])),
                                state["mu"].dtype)
        return param



def _cubic_interpolate(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                       bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimiser of the cubic through two points with their slopes, kept within
    ``bounds`` (PyTorch's, after Nocedal and Wright's (2.4.2) and (3.59))."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func: Callable[..., tuple[float, np.ndarray]], x: list[np.ndarray],
                  t: Any, d: np.ndarray, f: float, g: np.ndarray, gtd: Any, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, np.ndarray, Any, int]:
    """PyTorch's strong-Wolfe line search (a bracketing phase, then zoom by cubic
    interpolation), step for step."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = np.dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # interpolate between the last two points, beyond the current one
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = np.dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    # zoom: shrink the bracket until a point satisfies the strong Wolfe conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1],
                               bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = np.dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS, PyTorch's: up to ``max_iter`` quasi-Newton iterations per ``step(closure)``,
    with a fixed step ``lr`` or a strong-Wolfe line search. One parameter group only.

    The algorithm and its stopping tests are PyTorch's, decision for decision; the dot products
    and sums are NumPy's, whose order of summation differs from PyTorch's, so the parameters
    agree with PyTorch's to rounding (not bit for bit).

    Args:
        params: The parameters to optimise (one group).
        lr: The step length (the line search's first trial). Defaults to 1.
        max_iter: The most iterations per ``step``. Defaults to 20.
        max_eval: The most closure calls per ``step``; None (the default) for
            ``max_iter * 5 // 4``.
        tolerance_grad: Stop when the gradient's largest magnitude is at most this. Defaults
            to 1e-7.
        tolerance_change: Stop when the step or the loss changes by less than this. Defaults
            to 1e-9.
        history_size: The number of past updates kept. Defaults to 100.
        line_search_fn: None (the default) or ``"strong_wolfe"``.

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([3.0, -1.0], dtype=symgrad.float64))
    >>> opt = symgrad.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1) ** 2 * symgrad.tensor([1.0, 10.0], dtype=symgrad.float64)).sum()
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure).item(); [round(v, 6) for v in w.tolist()]
    44.0
    [1.0, 1.0]
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad,
                                  "tolerance_change": tolerance_change,
                                  "history_size": history_size,
                                  "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def state_dict(self) -> dict[str, Any]:
        """The state as PyTorch lays it out: the first parameter's entry holds the history
        (arrays and NumPy numbers as tensors, lists of them as lists), the counts as ints and
        ``prev_loss`` as a float.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([2.0]))
        >>> opt = symgrad.optim.LBFGS([w], max_iter=3)
        >>> def closure():
        ...     opt.zero_grad(); loss = (w * w).sum(); loss.backward(); return loss
        >>> _ = opt.step(closure); sorted(opt.state_dict()["state"][0])[:4]
        ['H_diag', 'al', 'd', 'func_evals']
        """
        sd = super().state_dict()
        positions = {id(p): i for i, p in enumerate(self.params)}
        sd["state"] = {positions[key]: {name: _as_saved(value) for name, value in state.items()}
                       for key, state in self.state.items() if key in positions}
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state and hyperparameters ``state_dict`` holds (copies of its arrays).

        Args:
            state_dict: ``"state"`` and ``"param_groups"`` as ``state_dict`` gives them.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([2.0]))
        >>> opt = symgrad.optim.LBFGS([w], max_iter=3)
        >>> def closure():
        ...     opt.zero_grad(); loss = (w * w).sum(); loss.backward(); return loss
        >>> _ = opt.step(closure)
        >>> again = symgrad.optim.LBFGS([w]); again.load_state_dict(opt.state_dict())
        >>> again.state[id(w)]["n_iter"], again.param_groups[0]["max_iter"]
        (2, 3)
        """
        super().load_state_dict({"state": {}, "param_groups": state_dict["param_groups"]})
        params = self.params
        self.state = {id(params[i]): {name: _as_loaded(value) for name, value in state.items()}
                      for i, state in state_dict["state"].items() if i < len(params)}

    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data.reshape(-1) for p in self._params])

    def _add_grad(self, step_size: Any, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data[...] = _add(p._data, update[offset:offset + n].reshape(p._data.shape),
                                step_size)
            mark_written(p)
            offset += n

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        for p, data in zip(self._params, params_data, strict=True):
            p._data[...] = data
            mark_written(p)

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[np.ndarray], t: Any,
                              d: np.ndarray) -> tuple[float, np.ndarray]:
        self._add_grad(t, d)
        with grad_mode.enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` iterations, calling ``closure`` for each loss and gradient;
        return the loss before them (the first call's).

        Args:
            closure: A function that clears the gradients, computes the loss, calls
                ``backward`` and returns the loss (it is called with gradients on).

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([2.0], dtype=symgrad.float64))
        >>> opt = symgrad.optim.LBFGS([w])
        >>> def closure():
        ...     opt.zero_grad(); loss = (w * w).sum(); loss.backward(); return loss
        >>> opt.step(closure).item(), w.item(), opt.state[id(w)]["n_iter"]
        (4.0, 0.0, 2)
        """
        with grad_mode.no_grad():
            return self._step(closure)

    def _step(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        state = self.state.setdefault(id(self._params[0]), {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with grad_mode.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                # the L-BFGS two-loop recursion over the last history_size updates
                y = flat_grad - prev_flat_grad
                s = d * _scalar(t, d)
                ys = np.dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / np.dot(y, y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = np.dot(old_stps[i], q) * ro[i]
                    q = _add(q, old_dirs[i], -al[i])
                d = r = q * _scalar(h_diag, q)
                for i in range(len(old_dirs)):
                    be_i = np.dot(old_dirs[i], r) * ro[i]
                    r = _add(r, old_stps[i], al[i] - be_i)
                d = r
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            # the first iteration's step is scaled down to a unit length at most
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = np.dot(flat_grad, d)
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p._data.copy() for p in self._params]

                def obj_func(x: list[np.ndarray], t: Any, d: np.ndarray) -> Any:
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    with grad_mode.enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * _scalar(t, d)).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss


def _as_saved(value: Any) -> Any:
    """An LBFGS state entry as PyTorch's ``state_dict`` holds it."""
    if isinstance(value, list):
        return [_as_saved(v) for v in value]
    if isinstance(value, (np.ndarray, np.floating)):
        return Tensor._make(np.asarray(value), False, None)
    return value


def _as_loaded(value: Any) -> Any:
    """An LBFGS state entry as ``step`` uses it: a copied array, or a NumPy number for a
    zero-dim tensor."""
    if isinstance(value, list):
        return [_as_loaded(v) for v in value]
    if isinstance(value, Tensor):
        data = np.array(value._data)
        return data[()] if data.ndim == 0 else data
    return value
