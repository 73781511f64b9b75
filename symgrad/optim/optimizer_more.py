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

``capturable=True`` (CUDA graphs) and ``differentiable=True`` (updates recorded for autograd)
are refused with ``NotImplementedError``; ``foreach`` is accepted and changes nothing.

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
from symgrad.optim import optimizer as _base
from symgrad.optim.optimizer import Optimizer, _addcdiv, _scalar

__all__ = ["Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD"]


def _zero_dim(x: float, dtype: Any = np.float32) -> np.ndarray:
    """A number as PyTorch's zero-dim state tensor of ``dtype`` holds it."""
    return np.asarray(x, dtype=dtype)


def _fma(a: np.ndarray, b: Any, c: np.ndarray) -> np.ndarray:
    """``a * b + c`` rounded once, as ``optimizer._fma``, with IEEE's infinities and signed
    zeros: float64's error-free emulation turns an infinite operand (or a product beyond
    ~1e300) into NaN where the fused multiply-add gives inf (PyTorch's Adadelta keeps ``inf`` in
    ``square_avg`` for an infinite gradient), and can lose a zero's sign; there the product and
    sum are taken as they come."""
    out = _base._fma(a, b, c)
    if out.dtype == np.float64:
        # A zero result means a * b == -c exactly, so the plain sum is exact too, and signed
        # as IEEE's fused multiply-add signs it (the emulation can turn -0 into +0).
        off = ~np.isfinite(out) | (out == 0)
        if off.any():
            out = np.where(off, np.asarray(a) * b + c, out)
    return out


def _add(a: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    """``a.add(b, alpha=alpha)``: one fused multiply-add."""
    return _fma(b, alpha, a)


def _addcmul(a: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> np.ndarray:
    """``a.addcmul(t1, t2, value=value)``: ``a + (value * t1) * t2``, the last two fused."""
    return _fma(_scalar(value, a) * t1, t2, a)


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``start.lerp(end, weight)`` with a scalar weight: fused, from the nearer end."""
    if abs(weight) < 0.5:
        return _fma(_scalar(weight, start), end - start, start)
    return _fma(-(end - start), _scalar(1 - weight, start), end)


def _sign(x: np.ndarray) -> np.ndarray:
    """``torch.sign``: 0 for NaN (NumPy's gives NaN) and +0 for -0."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_betas(betas: tuple[float, float]) -> None:
    for i in range(2):
        _check(0.0 <= betas[i] < 1.0, f"Invalid beta parameter at index {i}: {betas[i]}")


class _TorchOptimizer(Optimizer):
    """The common part: ``step(closure)`` and the flags PyTorch's groups carry."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        for flag, what in (("capturable", "CUDA graph capture"),
                           ("differentiable", "differentiating through the update")):
            if defaults.get(flag):
                raise NotImplementedError(f"{flag}=True ({what}) is not supported by symgrad")
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient, in place; with a ``closure``, first
        re-evaluate the loss (with gradients on) and return it.

        Args:
            closure: A function that clears the gradients, computes the loss, calls
                ``backward`` and returns the loss; None (the default) for none.

        >>> import symgrad
        >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
        >>> opt = symgrad.optim.RAdam([w], lr=0.1)
        >>> def closure():
        ...     opt.zero_grad(); loss = (w * w).sum(); loss.backward(); return loss
        >>> opt.step(closure).item(), round(w.item(), 4)
        (1.0, 0.8)
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        super().step()
        return loss


class Adamax(_TorchOptimizer):
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
        differentiable: Must be False (the default).
        capturable: Must be False (the default).

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


class NAdam(_TorchOptimizer):
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
        capturable: Must be False (the default).
        differentiable: Must be False (the default).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.8944
    """

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


class RAdam(_TorchOptimizer):
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
        capturable: Must be False (the default).
        differentiable: Must be False (the default).

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


class Adadelta(_TorchOptimizer):
    """Adadelta: steps scaled by the ratio of running root mean squares of past updates and
    of gradients (no learning rate needed; ``lr`` scales the result).

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The factor of each update. Defaults to 1.
        rho: The decay rate of the running averages, in [0, 1]. Defaults to 0.9.
        eps: Added inside the square roots, for stability. Defaults to 1e-6.
        weight_decay: An L2 penalty added to the gradient. Defaults to 0.
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        capturable: Must be False (the default).
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Must be False (the default).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.Adadelta([w])
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.9968
    """

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


class Rprop(_TorchOptimizer):
    """Rprop: each weight's own step size, grown by ``etas[1]`` while its gradient keeps its
    sign and shrunk by ``etas[0]`` when it flips (the step then skipped); only signs are used.

    Args:
        params: The parameters (or parameter groups) to optimise.
        lr: The initial step size. Defaults to 1e-2.
        etas: The factors (decrease, increase), with 0 < decrease < 1 < increase. Defaults
            to (0.5, 1.2).
        step_sizes: The least and greatest step sizes. Defaults to (1e-6, 50).
        capturable: Must be False (the default).
        foreach: PyTorch's multi-tensor switch; accepted, the result is the same.
        maximize: Maximise the objective (step along the gradient). Defaults to False.
        differentiable: Must be False (the default).

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


class ASGD(_TorchOptimizer):
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
        differentiable: Must be False (the default).
        capturable: Must be False (the default).

    >>> import symgrad
    >>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
    >>> opt = symgrad.optim.ASGD([w], lr=0.1, t0=0)
    >>> for _ in range(3):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 4), round(opt.state[id(w)]["ax"].item(), 4)
    (0.512, 0.576)
    """

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

