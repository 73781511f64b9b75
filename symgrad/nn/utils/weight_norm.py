"""PyTorch's legacy weight normalisation, ``torch.nn.utils.weight_norm`` (deprecated there for
``parametrizations.weight_norm``): parameters ``<name>_g`` and ``<name>_v`` and a forward
pre-hook that recomputes ``<name>`` from them before each call.

>>> import symgrad, warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     layer = symgrad.nn.utils.weight_norm(symgrad.nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()]
['bias', 'weight_g', 'weight_v']
"""

from __future__ import annotations

import warnings
from typing import Any

import symgrad
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]


class WeightNorm:
    """The forward pre-hook: ``module.<name> = _weight_norm(<name>_v, <name>_g, dim)``.

    Args:
        name: The parameter's name.
        dim: The dim whose slices each get a norm; None for -1 (one norm).
    """

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        """The weight from ``<name>_g`` and ``<name>_v``.

        Args:
            module: The module holding them.
        """
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return symgrad._weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        """Replace ``module.<name>`` by ``<name>_g`` and ``<name>_v`` and the hook.

        Args:
            module: The module.
            name: The parameter's name.
            dim: The dim whose slices each get a norm.
        """
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=2)  # at weight_norm(), as PyTorch points at its own file
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(symgrad.norm_except_dim(weight, 2, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Put ``module.<name>`` back as one parameter holding the current weight.

        Args:
            module: The module.
        """
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Any:
    """Weight-normalise ``module.<name>`` the legacy way (PyTorch warns FutureWarning):
    parameters ``<name>_g`` (the norms) and ``<name>_v``, the weight recomputed before each
    forward.

    Args:
        module: The module.
        name: The parameter's name. Defaults to ``"weight"``.
        dim: The dim whose slices each get a norm; None for one norm. Defaults to 0.

    Returns:
        ``module``.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = symgrad.nn.utils.weight_norm(symgrad.nn.Linear(2, 3))
    >>> tuple(layer.weight_g.shape), layer.weight.grad_fn.name()
    ((3, 1), 'WeightNormInterfaceBackward0')
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Any:
    """Undo ``weight_norm``: ``<name>`` is one parameter again, with the current weight.

    Args:
        module: The module.
        name: The parameter's name. Defaults to ``"weight"``.

    Returns:
        ``module``.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = symgrad.nn.utils.weight_norm(symgrad.nn.Linear(2, 3))
    >>> [n for n, _ in symgrad.nn.utils.remove_weight_norm(layer).named_parameters()]
    ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
