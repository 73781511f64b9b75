"""Gamma and Dirichlet draws recorded as PyTorch records them: ``_standard_gamma`` and
``_sample_dirichlet``, and the derivatives of a draw in its concentration,
``_standard_gamma_grad`` and ``_dirichlet_grad``.

A draw's derivative is the implicit reparameterisation gradient (exact here, PyTorch's
approximates it: ``symgrad.distributions._implicit_grads``), and that gradient has no
derivative in PyTorch: a second derivative through a draw raises there. So it does here, with
PyTorch's error, rather than coming out 0 as it would if the derivative entered the graph as a
constant:

- ``_standard_gamma(alpha)`` records ``StandardGammaBackward0``, whose backward is
  ``g * _standard_gamma_grad(alpha, x)``; that records ``StandardGammaGradBackward0``, whose
  backward raises NotImplementedError (PyTorch's ``not_implemented("_standard_gamma_grad")``).
- ``Dirichlet.rsample`` records ``_DirichletBackward`` (PyTorch's ``_Dirichlet`` Function), a
  once-differentiable backward (``symgrad.autograd.function.once_differentiable``).
- ``_sample_dirichlet`` itself, ``_dirichlet_grad`` and a ``_standard_gamma_grad`` in the draws
  have no derivative: PyTorch's ``NotImplemented`` node, or none for the draws.

These are draws, so the judge (``oracle/``) cannot give them a meaning as functions of their
inputs: like the fused recurrent layers they are ``autograd.Function`` nodes, outside
``REGISTRY``; tests/test_distributions_more.py checks them against PyTorch and mpmath.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _distributions, _dtypes
from symgrad.autograd import grad_mode
from symgrad.autograd.function import Function, once_differentiable
from symgrad.autograd.graph import Node, NotImplementedNode
from symgrad.creation import _gen
from symgrad.distributions._implicit_grads import beta_grad, gamma_grad
from symgrad.random import Generator
from symgrad.tensor import Tensor

__all__ = ["_dirichlet_grad", "_sample_dirichlet", "_standard_gamma", "_standard_gamma_grad"]

_STANDARD_GAMMA_GRAD_MESSAGE = "the derivative for '_standard_gamma_grad' is not implemented."


def named_node(function: type[Function], name: str) -> None:
    """Give a Function's node PyTorch's name for the node of the op it stands for, printed as
    PyTorch prints that node (``<StandardGammaBackward0 object at ...>``)."""
    cls = function._backward_cls
    cls.__name__ = cls.__qualname__ = name
    cls.__repr__ = Node.__repr__  # type: ignore[method-assign]


def _refuse(t: Tensor, kernel: str) -> None:
    # PyTorch's CPU gamma and Dirichlet kernels exist for float and double only.
    if t._data.dtype not in (np.float32, np.float64):
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{_dtypes._TORCH_NAMES[t.dtype.name]}\'')


def _records(*tensors: Tensor) -> bool:
    return grad_mode.is_grad_enabled() and any(t.requires_grad for t in tensors)


def _not_implemented(data: np.ndarray, operator: str, *inputs: Tensor) -> Tensor:
    """``data`` as a tensor; if an input records, under PyTorch's ``NotImplemented`` node for
    an op without a derivative (``operator``, as PyTorch's message names it)."""
    if not _records(*inputs):
        return Tensor._make(data, False, None)
    edges = tuple(t.grad_fn if t.grad_fn is not None else t._accumulator()
                  for t in inputs if t.requires_grad)
    node = NotImplementedNode(f"derivative for {operator} is not implemented", inputs=edges)
    return Tensor._make(data, True, node)


# -- gamma ----------------------------------------------------------------------------------------
def _gamma_slope(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dalpha`` in ``alpha``'s dtype; a non-finite one is 0, as PyTorch's where its series
    gives NaN."""
    slope = np.nan_to_num(gamma_grad(alpha, x), nan=0.0, posinf=0.0, neginf=0.0)
    return slope.astype(np.result_type(alpha.dtype, x.dtype))


class _StandardGammaGrad(Function):
    """``_standard_gamma_grad(alpha, x)`` in ``alpha``, whose derivative PyTorch does not
    implement (``x`` is no input of the node: PyTorch's has no derivative in it)."""

    @staticmethod
    def forward(ctx: Any, alpha: Tensor, x: np.ndarray) -> Tensor:
        return Tensor._make(_gamma_slope(alpha._data, x), False, None)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        raise NotImplementedError(_STANDARD_GAMMA_GRAD_MESSAGE)


named_node(_StandardGammaGrad, "StandardGammaGradBackward0")


class _StandardGamma(Function):
    """A ``Gamma(alpha, 1)`` draw; its backward is ``g * _standard_gamma_grad(alpha, x)``."""

    @staticmethod
    def forward(ctx: Any, alpha: Tensor, generator: Generator | None) -> Tensor:
        draws = _distributions.standard_gamma(_gen(generator), alpha._data)
        x = Tensor._make(draws.astype(alpha._data.dtype), False, None)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor, None]:
        alpha, x = ctx.saved_tensors
        return g * _standard_gamma_grad(alpha, x), None


named_node(_StandardGamma, "StandardGammaBackward0")


def _standard_gamma(input: Tensor, generator: Generator | None = None) -> Tensor:
    """``Gamma(input, 1)`` draws: PyTorch's numbers for the same seed (``torch._standard_gamma``),
    differentiable in ``input`` by the exact implicit gradient, once (a second derivative
    raises PyTorch's NotImplementedError).

    Args:
        input: the concentrations, positive (float32 or float64).
        generator: the ``Generator`` to draw from (the default one if None).

    Returns:
        The draws, of ``input``'s shape and dtype.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad._standard_gamma(symgrad.tensor([0.5, 3.0], requires_grad=True))
    tensor([7.8936e-04, 1.2728e+00], grad_fn=<StandardGammaBackward0>)
    """
    _refuse(input, "gamma_cpu")
    return _StandardGamma.apply(input, generator)


def _standard_gamma_grad(self: Tensor, output: Tensor) -> Tensor:
    """The derivative of a ``Gamma(self, 1)`` draw ``output`` in ``self`` at fixed quantile
    (``torch._standard_gamma_grad``), exact where PyTorch's approximates. It has no derivative
    in ``self`` (a NotImplementedError when reached) and none in ``output``.

    Args:
        self: the concentrations (float32 or float64).
        output: the draws, of ``self``'s dtype (broadcast against it).

    Returns:
        ``d output / d self``.

    >>> import symgrad
    >>> symgrad._standard_gamma_grad(symgrad.tensor([1.0]), symgrad.tensor([1.0]))
    tensor([1.1736])
    """
    _refuse(self, "_standard_gamma_grad_cpu")
    if output.dtype != self.dtype:
        raise RuntimeError(f"Found dtype {_dtypes._TORCH_NAMES[output.dtype.name]} but expected "
                           f"{_dtypes._TORCH_NAMES[self.dtype.name]}")
    if _records(self):
        return _StandardGammaGrad.apply(self, output._data)
    return Tensor._make(_gamma_slope(self._data, output._data), False, None)


# -- Dirichlet ------------------------------------------------------------------------------------
class _Dirichlet(Function):
    """A Dirichlet draw over the last dim (PyTorch's ``_Dirichlet``): component ``i`` moves
    by ``D_i (1 - x_i)`` in concentration ``i`` and the others shrink in proportion,
    ``-D_i x_j``, with ``D_i`` the exact derivative of the draw's Beta marginal."""

    @staticmethod
    def forward(ctx: Any, concentration: Tensor, generator: Generator | None) -> Tensor:
        draws = _distributions.dirichlet(_gen(generator), concentration._data)
        x = Tensor._make(draws, False, None)
        ctx.save_for_backward(x, concentration)
        return x

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor, None]:
        x, concentration = ctx.saved_tensors
        total = concentration.sum(-1, True).expand_as(concentration)
        slope = _dirichlet_grad(x, concentration, total)
        return slope * (g - (x * g).sum(-1, True)), None


def dirichlet_rsample(concentration: Tensor, generator: Generator | None = None) -> Tensor:
    """Dirichlet draws over the last dim of ``concentration`` (PyTorch's numbers for the same
    seed), differentiable in it once, as ``torch.distributions.Dirichlet.rsample``'s are.

    Args:
        concentration: the concentrations, positive, the last dim the event (float32 or
            float64).
        generator: the ``Generator`` to draw from (the default one if None).

    Returns:
        The draws, of ``concentration``'s shape and dtype.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> dirichlet_rsample(symgrad.tensor([0.5, 3.0], requires_grad=True))
    tensor([6.1977e-04, 9.9938e-01], grad_fn=<_DirichletBackward>)
    """
    _refuse(concentration, "dirichlet")
    return _Dirichlet.apply(concentration, generator)


def _sample_dirichlet(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Dirichlet draws over the last dim of ``input`` (``torch._sample_dirichlet``: PyTorch's
    numbers for the same seed). The op itself has no derivative (PyTorch's NotImplemented
    node); ``distributions.Dirichlet.rsample`` is the differentiable draw.

    Args:
        input: the concentrations, positive (float32 or float64).
        generator: the ``Generator`` to draw from (the default one if None).

    Returns:
        The draws, of ``input``'s shape and dtype.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad._sample_dirichlet(symgrad.tensor([0.5, 3.0], requires_grad=True))
    tensor([6.1977e-04, 9.9938e-01], grad_fn=<NotImplemented>)
    """
    _refuse(input, "dirichlet")
    draws = _distributions.dirichlet(_gen(generator), input._data)
    return _not_implemented(draws, "aten::_sample_dirichlet", input)


def _dirichlet_grad(x: Tensor, alpha: Tensor, total: Tensor) -> Tensor:
    """``D``, the derivative of a ``Beta(alpha, total - alpha)`` draw ``x`` in ``alpha`` (the
    second parameter held) divided by ``1 - x`` (``torch._dirichlet_grad``), exact where
    PyTorch's approximates. It has no derivative (PyTorch's NotImplemented node).

    Args:
        x: the draws, in ``(0, 1)``.
        alpha: the first parameters.
        total: ``alpha`` plus the second parameters.

    Returns:
        ``D``, of the inputs' broadcast shape and ``x``'s dtype.

    >>> import symgrad
    >>> half, one, two = symgrad.tensor([0.5]), symgrad.tensor([1.0]), symgrad.tensor([2.0])
    >>> symgrad._dirichlet_grad(half, one, two)
    tensor([0.6931])
    """
    slope = np.nan_to_num(beta_grad(x._data, alpha._data, total._data),
                          nan=0.0, posinf=0.0, neginf=0.0)
    return _not_implemented(slope.astype(x._data.dtype), "aten::_dirichlet_grad", x, alpha,
                            total)
