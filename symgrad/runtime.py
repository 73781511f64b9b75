"""The process-wide switches PyTorch programs set and read, and the small questions they ask
of values: thread counts, deterministic algorithms, float32 matmul precision,
``torch.compile``, ``is_tensor``, ``result_type``.

symgrad computes with NumPy in one thread and always deterministically, so the switches are
remembered and reported back, as programs expect, without changing how anything computes.
``compile`` returns the model itself behind PyTorch's wrapper: the results are the eager ones,
which a compiled PyTorch model also promises (up to rounding).
"""

from __future__ import annotations

import builtins
import functools
import os
from collections.abc import Callable
from typing import Any

from symgrad import _dtypes
from symgrad.nn.modules import Module
from symgrad.ops.registry import _result_dtype
from symgrad.tensor import Tensor

__all__ = ["are_deterministic_algorithms_enabled", "compile", "get_float32_matmul_precision",
           "get_num_interop_threads", "get_num_threads",
           "is_deterministic_algorithms_warn_only_enabled", "is_floating_point", "is_nonzero",
           "is_storage", "is_tensor", "result_type", "set_float32_matmul_precision",
           "set_num_interop_threads", "set_num_threads", "typename",
           "use_deterministic_algorithms"]

_settings: dict[str, Any] = {"threads": os.cpu_count() or 1, "interop": os.cpu_count() or 1,
                             "deterministic": False, "warn_only": False, "matmul": "highest"}


def set_num_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Remember the intra-op thread count ``get_num_threads`` reports (symgrad computes in
    one thread whatever it is).

    Args:
        int: a positive count.

    >>> import symgrad
    >>> symgrad.set_num_threads(1); symgrad.get_num_threads()
    1
    """
    if not isinstance(int, builtins.int) or int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _settings["threads"] = int


def get_num_threads() -> int:
    """The intra-op thread count last set (the CPU count at first).

    >>> import symgrad
    >>> symgrad.get_num_threads() >= 1
    True
    """
    return _settings["threads"]


def set_num_interop_threads(int: int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Remember the inter-op thread count ``get_num_interop_threads`` reports.

    Args:
        int: a positive count.

    >>> import symgrad
    >>> symgrad.set_num_interop_threads(2); symgrad.get_num_interop_threads()
    2
    """
    if not isinstance(int, builtins.int) or int <= 0:
        raise RuntimeError("Number of inter-op threads must be positive")
    _settings["interop"] = int


def get_num_interop_threads() -> int:
    """The inter-op thread count last set (the CPU count at first).

    >>> import symgrad
    >>> symgrad.get_num_interop_threads() >= 1
    True
    """
    return _settings["interop"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Remember whether deterministic algorithms are asked for: symgrad's always are.

    Args:
        mode: whether to ask for them.
        warn_only: whether a non-deterministic op would only warn (there is none here).

    >>> import symgrad
    >>> symgrad.use_deterministic_algorithms(True)
    >>> symgrad.are_deterministic_algorithms_enabled()
    True
    >>> symgrad.use_deterministic_algorithms(False)
    """
    _settings["deterministic"] = bool(mode)
    _settings["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in force.

    >>> import symgrad
    >>> symgrad.are_deterministic_algorithms_enabled()
    False
    """
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether ``use_deterministic_algorithms`` was last called with ``warn_only=True``.

    >>> import symgrad
    >>> symgrad.is_deterministic_algorithms_warn_only_enabled()
    False
    """
    return _settings["warn_only"]


_PRECISIONS = ("highest", "high", "medium")


def set_float32_matmul_precision(precision: str) -> None:
    """Remember the float32 matmul precision asked for; symgrad's float32 products are always
    float32's ("highest"). Another name warns and changes nothing, as in PyTorch.

    Args:
        precision: ``"highest"``, ``"high"`` or ``"medium"``.

    >>> import symgrad
    >>> symgrad.set_float32_matmul_precision("high"); symgrad.get_float32_matmul_precision()
    'high'
    >>> symgrad.set_float32_matmul_precision("highest")
    """
    if precision not in _PRECISIONS:
        import warnings

        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the "
                      "currentsetFloat32MatmulPrecision call has no effect.", UserWarning,
                      stacklevel=2)
        return
    _settings["matmul"] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision last set (``"highest"`` at first).

    >>> import symgrad
    >>> symgrad.get_float32_matmul_precision()
    'highest'
    """
    return _settings["matmul"]


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a tensor.

    Args:
        obj: anything.

    >>> import symgrad
    >>> symgrad.is_tensor(symgrad.zeros(1)), symgrad.is_tensor([0.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def is_storage(obj: Any) -> bool:
    """Whether ``obj`` is a storage: never (symgrad's tensors hold NumPy arrays).

    Args:
        obj: anything.

    >>> import symgrad
    >>> symgrad.is_storage(symgrad.zeros(1))
    False
    """
    return False


def is_floating_point(input: Tensor) -> bool:  # noqa: A002 - PyTorch's parameter name
    """Whether ``input``'s dtype is floating.

    Args:
        input: a tensor.

    >>> import symgrad
    >>> symgrad.is_floating_point(symgrad.zeros(1)), symgrad.is_floating_point(symgrad.tensor(1))
    (True, False)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    return input.is_floating_point()


def is_nonzero(input: Tensor) -> bool:  # noqa: A002 - PyTorch's parameter name
    """Whether ``input``'s one element is not zero (``Tensor.is_nonzero``).

    Args:
        input: a tensor of one element.

    >>> import symgrad
    >>> symgrad.is_nonzero(symgrad.tensor([3]))
    True
    """
    return input.is_nonzero()


def typename(obj: Any) -> str:
    """PyTorch's name for ``obj``'s type: ``"torch.FloatTensor"`` for a float32 tensor, the
    class's qualified name otherwise.

    Args:
        obj: anything.

    >>> import symgrad
    >>> symgrad.typename(symgrad.zeros(1)), symgrad.typename(3)
    ('torch.FloatTensor', 'int')
    """
    if isinstance(obj, Tensor):
        return obj.type()
    kind = type(obj)
    module = "" if kind.__module__ in ("builtins", "__builtin__") else kind.__module__ + "."
    return module + kind.__qualname__


def result_type(tensor1: Tensor | float | bool, tensor2: Tensor | float | bool
                ) -> _dtypes.dtype:
    """The dtype an arithmetic op on the two would compute in, by PyTorch's promotion rules
    (tensors with dims over zero-dim ones over Python numbers, within a category).

    Args:
        tensor1: a tensor or a Python number.
        tensor2: a tensor or a Python number.

    >>> import symgrad
    >>> symgrad.result_type(symgrad.tensor([1]), 2.5), symgrad.result_type(2, 3)
    (symgrad.float32, symgrad.int64)
    """
    return _result_dtype("promote", (tensor1, tensor2))


class OptimizedModule(Module):
    """What ``compile`` makes of a module: the module itself as the child ``_orig_mod``
    (so ``state_dict`` keys start ``_orig_mod.``, as PyTorch's do), calling it unchanged.

    Args:
        mod: the module compiled.

    >>> import symgrad
    >>> m = symgrad.compile(symgrad.nn.Linear(2, 1))
    >>> type(m).__name__, list(m.state_dict()), m.in_features
    ('OptimizedModule', ['_orig_mod.weight', '_orig_mod.bias'], 2)
    """

    def __init__(self, mod: Module) -> None:
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The original module's forward, called as the module (hooks included).

        Args:
            *args: its positional inputs.
            **kwargs: its keyword inputs.

        >>> import symgrad
        >>> symgrad.compile(symgrad.nn.Identity())(symgrad.tensor([1.0]))
        tensor([1.])
        """
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__.get("_modules", {})["_orig_mod"], name)


def compile(model: Callable[..., Any] | None = None, *, fullgraph: bool = False,  # noqa: A001
            dynamic: bool | None = None, backend: str | Callable[..., Any] = "inductor",
            mode: str | None = None, options: dict[str, Any] | None = None,
            disable: bool = False) -> Any:
    """``torch.compile`` without a compiler: a module comes back wrapped as PyTorch wraps it
    (``OptimizedModule``), a function as a wrapper that calls it, both computing exactly what
    the eager code computes. Without ``model``, a decorator.

    Args:
        model: the module or function to compile; None to get a decorator.
        fullgraph: accepted; nothing is traced.
        dynamic: accepted; nothing is traced.
        backend: accepted; there is no backend.
        mode: accepted; there is no backend.
        options: accepted; there is no backend.
        disable: accepted; the result is the eager code either way.

    >>> import symgrad
    >>> @symgrad.compile
    ... def double(x):
    ...     return x * 2
    >>> double(symgrad.tensor([1.5]))
    tensor([3.])
    """
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                  mode=mode, options=options, disable=disable)
    if isinstance(model, Module):
        return OptimizedModule(model)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is "
                             "provided.")
    return functools.wraps(model)(lambda *args, **kwargs: model(*args, **kwargs))
