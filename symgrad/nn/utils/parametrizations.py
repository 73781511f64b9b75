"""Parametrizations of a module's tensor, as PyTorch's ``torch.nn.utils.parametrizations``:
``weight_norm`` (registered with ``nn.utils.parametrize``).

>>> import symgrad
>>> layer = symgrad.nn.utils.parametrizations.weight_norm(symgrad.nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()]
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.nn.modules import Module
from symgrad.nn.utils import parametrize
from symgrad.tensor import Tensor

__all__ = ["weight_norm"]


class _WeightNorm(Module):
    """``weight = g * v / ||v||``, the norm over every dim but ``dim``: PyTorch's module,
    whose ``right_inverse`` gives ``(g, v)`` (``original0``, ``original1``)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return symgrad._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return symgrad.norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Any:
    """Weight-normalise ``module.<name>``: it becomes ``g * v / ||v||``, trained as
    ``parametrizations.<name>.original0`` (``g``, the norms) and ``original1`` (``v``).

    Args:
        module: The module.
        name: The parameter's name. Defaults to ``"weight"``.
        dim: The dim whose slices each get a norm; None (or -1) for one norm of the whole
            tensor. Defaults to 0.

    Returns:
        ``module``, parametrized.

    >>> import symgrad
    >>> layer = symgrad.nn.Linear(2, 1)
    >>> with symgrad.no_grad():
    ...     _ = layer.weight.copy_(symgrad.tensor([[3.0, 4.0]]))
    >>> layer = symgrad.nn.utils.parametrizations.weight_norm(layer)
    >>> layer.parametrizations.weight.original0
    Parameter containing:
    tensor([[5.]], requires_grad=True)
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module
