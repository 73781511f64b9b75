"""A module's tree of submodules and parameters by name, and its conversions, as PyTorch's
``nn.Module`` gives them: ``add_module``, ``register_parameter``, ``get_submodule``,
``apply``, ``half`` and the rest (``Module`` inherits them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from symgrad import _dtypes
from symgrad.tensor import Tensor

__all__ = ["ModuleTree"]


def _typename(value: Any) -> str:
    """PyTorch's ``torch.typename``: a tensor's type string, else the qualified class name."""
    if isinstance(value, Tensor):
        return value.type()
    cls = type(value)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", "__builtin__") else (
        f"{module}.{cls.__qualname__}")


def _set_data(param: Tensor, data: Tensor) -> None:
    """``param.data = data``, refused as PyTorch refuses it: a tensor that requires grad keeps
    a floating or complex dtype."""
    if param.requires_grad and not (data.is_floating_point() or data.is_complex()):
        raise RuntimeError("data set to a tensor that requires gradients must be floating "
                           "point or complex dtype")
    param.data = data


class ModuleTree:
    """What ``nn.Module`` has for naming its parts and converting them."""

    _parameters: dict[str, Any]
    _modules: dict[str, Any]
    _buffers: dict[str, Any]

    def _get_name(self) -> str:
        return type(self).__name__

    def add_module(self, name: str, module: Any) -> None:
        """Add ``module`` as the submodule ``name`` (an attribute, listed by ``children``).

        Args:
            name: Its name: a string without a dot, not empty, not another attribute's.
            module: A module, or None (a placeholder ``children`` skips).

        >>> import symgrad
        >>> net = symgrad.nn.Module()
        >>> net.add_module("head", symgrad.nn.Linear(2, 1))
        >>> [name for name, _ in net.named_children()]
        ['head']
        """
        from symgrad.nn.modules import Module

        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    def register_module(self, name: str, module: Any) -> None:
        """``add_module`` under another name.

        Args:
            name: The submodule's name.
            module: The submodule, or None.

        >>> import symgrad
        >>> net = symgrad.nn.Module()
        >>> net.register_module("act", symgrad.nn.ReLU())
        >>> net.act
        ReLU()
        """
        self.add_module(name, module)

    def register_parameter(self, name: str, param: Any) -> None:
        """Add ``param`` as the parameter ``name`` (an attribute, listed by ``parameters``).

        Args:
            name: Its name: a string without a dot, not empty, not another attribute's.
            param: A ``Parameter`` that is a leaf, or None (a placeholder ``parameters``
                skips).

        >>> import symgrad
        >>> m = symgrad.nn.Module()
        >>> m.register_parameter("scale", symgrad.nn.Parameter(symgrad.ones(2)))
        >>> m.register_parameter("shift", None)
        >>> [name for name, _ in m.named_parameters()], m.shift
        (['scale'], None)
        """
        from symgrad.nn.parameter import Parameter

        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                             f"parameters must be created explicitly. To express '{name}' as a "
                             "function of another Tensor, compute the value in the forward() "
                             "method.")
        self._parameters[name] = param

    def named_children(self) -> Iterator[tuple[str, Any]]:
        """``(name, module)`` for each direct submodule, each module once.

        >>> import symgrad
        >>> lin = symgrad.nn.Linear(2, 2)
        >>> net = symgrad.nn.Sequential(lin, symgrad.nn.ReLU(), lin)
        >>> [name for name, _ in net.named_children()]
        ['0', '1']
        """
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def apply(self, fn: Callable[[Any], None]) -> Any:
        """Call ``fn`` on every submodule (children first, depth first), then on this one;
        returns self. The usual way to initialise a network's weights.

        Args:
            fn: Called with each module.

        >>> import symgrad
        >>> def init(m):
        ...     if isinstance(m, symgrad.nn.Linear):
        ...         symgrad.nn.init.ones_(m.weight)
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 1), symgrad.nn.Tanh()).apply(init)
        >>> net[0].weight
        Parameter containing:
        tensor([[1., 1.]], requires_grad=True)
        """
        for module in self.children():  # type: ignore[attr-defined]
            module.apply(fn)
        fn(self)
        return self

    def get_submodule(self, target: str) -> Any:
        """The submodule at the dotted path ``target`` (``""``: this module).

        Args:
            target: Names of submodules joined by dots, from this module.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Sequential(symgrad.nn.Linear(2, 1)))
        >>> net.get_submodule("0.0")
        Linear(in_features=2, out_features=1, bias=True)
        >>> net.get_submodule("0.1")
        Traceback (most recent call last):
        ...
        AttributeError: Sequential has no attribute `1`
        """
        from symgrad.nn.modules import Module

        if target == "":
            return self
        module: Any = self
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def set_submodule(self, target: str, module: Any, strict: bool = False) -> None:
        """Put ``module`` at the dotted path ``target``, whose parent must exist.

        Args:
            target: Names of submodules joined by dots, from this module.
            module: The new submodule.
            strict: Only replace an existing submodule (raise when there is none). Defaults
                to False.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 2), symgrad.nn.ReLU())
        >>> net.set_submodule("1", symgrad.nn.Tanh()); net[1]
        Tanh()
        """
        from symgrad.nn.modules import Module

        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Any:
        """The parameter at the dotted path ``target``.

        Args:
            target: Submodule names and the parameter's, joined by dots.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 1))
        >>> net.get_parameter("0.bias").shape
        symgrad.Size([1])
        """
        from symgrad.nn.parameter import Parameter

        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target``.

        Args:
            target: Submodule names and the buffer's, joined by dots.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.BatchNorm1d(3))
        >>> net.get_buffer("0.running_var")
        tensor([1., 1., 1.])
        """
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(module, name)

    def half(self) -> Any:
        """Convert the floating parameters and buffers to float16, in place; returns self.

        >>> import symgrad
        >>> symgrad.nn.Linear(2, 1).half().weight.dtype
        symgrad.float16
        """
        return self.to(_dtypes.float16)  # type: ignore[attr-defined]

    def bfloat16(self) -> Any:
        """Convert the floating parameters and buffers to bfloat16, in place; returns self.

        >>> import symgrad
        >>> symgrad.nn.Linear(2, 1).bfloat16().weight.dtype
        symgrad.bfloat16
        """
        return self.to(_dtypes.bfloat16)  # type: ignore[attr-defined]

    def type(self, dst_type: Any) -> Any:
        """Convert every parameter (and its gradient) and every buffer, integer ones too, to
        ``dst_type``, in place, as ``Tensor.type`` converts; returns self.

        Args:
            dst_type: The dtype, a legacy type (``symgrad.DoubleTensor``) or its name.

        >>> import symgrad
        >>> symgrad.nn.Linear(2, 1).type(symgrad.float64).bias.dtype
        symgrad.float64
        >>> symgrad.nn.BatchNorm1d(2).type("torch.DoubleTensor").num_batches_tracked.dtype
        symgrad.float64
        """
        for module in self.modules():  # type: ignore[attr-defined]
            for param in module._parameters.values():
                if param is not None:
                    _set_data(param, param.data.type(dst_type))
                    if param.grad is not None:
                        param.grad = param.grad.type(dst_type)
            for name, buf in module._buffers.items():
                if buf is not None:
                    module._buffers[name] = buf.type(dst_type)
        return self

    def share_memory(self) -> Any:
        """Returns self: symgrad's tensors live in this process's memory only (PyTorch moves
        them to shared memory for multiprocessing).

        >>> import symgrad
        >>> m = symgrad.nn.ReLU()
        >>> m.share_memory() is m
        True
        """
        return self
