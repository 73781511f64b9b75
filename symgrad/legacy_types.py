"""PyTorch's legacy tensor types: ``FloatTensor``, ``LongTensor`` and the eight others.

Each is a class of the metaclass ``tensortype`` (PyTorch's ``torch.tensortype``): calling it
builds a CPU tensor of its dtype (from data, from sizes, from a ``Size``, or empty), and
``isinstance(x, symgrad.FloatTensor)`` asks whether ``x`` is a CPU float32 tensor. No tensor's
class is one of them (``type(symgrad.FloatTensor([1.0]))`` is ``Tensor``), as in PyTorch.
``set_default_tensor_type``, deprecated since PyTorch 2.1, sets the default dtype from one.

A type called with sizes makes zeros: PyTorch's memory is left uninitialised, so its values are
whatever was there; the shape and dtype are PyTorch's.

>>> import symgrad
>>> symgrad.LongTensor([1, 2]), symgrad.FloatTensor(2, 3).shape, symgrad.DoubleTensor()
(tensor([1, 2]), symgrad.Size([2, 3]), tensor([], dtype=symgrad.float64))
>>> isinstance(symgrad.tensor([1.0]), symgrad.FloatTensor)
True
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._from_data import c_name, is_sequence, torch_type_name
from symgrad.devices import device as _device
from symgrad.tensor import Size, Tensor, tensor

__all__ = ["BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor",
           "FloatTensor", "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
           "set_default_tensor_type", "tensortype"]

_SIGNATURES = ("(*, torch.device device = None)", "(torch.Storage storage)", "(Tensor other)",
               "(tuple of ints size, *, torch.device device = None)",
               "(object data, *, torch.device device = None)")
_DEPRECATED = ("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
               "torch.set_default_dtype() and torch.set_default_device() as alternatives.")
_warned: list[bool] = []


def _is_size(value: Any) -> bool:
    """An entry PyTorch's parser takes in a tuple of ints: a Python or NumPy integer (a bool
    too, except as the only argument, where it is data)."""
    return isinstance(value, builtins.int | np.integer)


def _options(name: str) -> str:
    return (f"TensorOptions(dtype={name}, device=cpu, layout=Strided, requires_grad=false "
            "(default), pinned_memory=false (default), memory_format=(nullopt))")


class tensortype(type):  # noqa: N801 - PyTorch's name, ``torch.tensortype``
    """The metaclass of the legacy tensor types: what a type knows, how it builds tensors, and
    which tensors are instances of it.

    >>> import symgrad
    >>> type(symgrad.FloatTensor).__name__, symgrad.FloatTensor.dtype
    ('tensortype', symgrad.float32)
    """

    dtype: _dtypes.dtype
    is_cuda = False
    is_sparse = False

    def __instancecheck__(cls, instance: Any) -> bool:
        # PyTorch compares the tensor's type (dtype and CPU) with the class, not its class.
        return isinstance(instance, Tensor) and instance.dtype is cls.dtype

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:
        """A tensor of this type, as PyTorch's legacy constructor ``torch.FloatTensor(...)``.

        Args:
            *args: Nothing (an empty tensor), sizes or one ``Size`` (zeros; PyTorch's are
                uninitialised), one sequence or array of numbers (converted to this dtype),
                or one tensor of this dtype (shared).
            **kwargs: ``device=``: only the CPU.
        """
        return construct(cls.dtype, args, kwargs, any_tensor=False)

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def construct(dtype: _dtypes.dtype, args: tuple, kwargs: dict[str, Any], *,
              any_tensor: bool) -> Tensor:
    """PyTorch's legacy constructor (``legacy_tensor_new``) for tensors of ``dtype``: the
    legacy types' and ``Tensor(...)``'s, which shares a tensor of any dtype (``any_tensor``).

    Args:
        dtype: The dtype of what it makes from data or sizes.
        args: The arguments by position.
        kwargs: The keywords: only ``device``.
        any_tensor: Whether a tensor of another dtype is shared rather than refused.

    >>> construct(_dtypes.int64, ([1.5, 2],), {}, any_tensor=False)
    tensor([1, 2])
    >>> construct(_dtypes.float32, (2, 3.0), {}, any_tensor=True)
    Traceback (most recent call last):
    ...
    TypeError: new(): argument 'size' failed to unpack the object at pos 2 with error "type \
must be tuple of ints,but got float"
    """
    if set(kwargs) - {"device"}:
        raise _invalid(args, kwargs)
    device = kwargs.get("device")
    if device is not None and _device(device).type != "cpu":
        raise RuntimeError("legacy constructor expects device type: cpu but device type: "
                           f"{_device(device).type} was passed")
    if len(args) == 1:
        if device is not None and isinstance(args[0], Tensor):
            raise RuntimeError("Legacy tensor constructor of the form torch.Tensor(tensor, "
                               "device=device) is not supported.  Use torch.tensor(...) or "
                               "torch.as_tensor(...) instead.")
        return _from_one(dtype, args[0], any_tensor)
    if not args:
        return _from_sizes(dtype, (0,))
    # PyTorch's parser reads a bool as a size, except in first place
    first_is_size = _is_size(args[0]) and not isinstance(args[0], builtins.bool)
    if first_is_size and all(_is_size(a) for a in args):
        return _from_sizes(dtype, args)
    if first_is_size:
        pos, bad = next((i, a) for i, a in enumerate(args) if not _is_size(a))
        raise TypeError(f"new(): argument 'size' failed to unpack the object at pos "
                        f"{pos + 1} with error \"type must be tuple of ints,but got "
                        f"{c_name(type(bad))}\"")
    raise _invalid(args, kwargs)


def _invalid(args: tuple, kwargs: dict[str, Any]) -> TypeError:
    got = [torch_type_name(a) for a in args] + [f"{k}={torch_type_name(v)}"
                                                for k, v in kwargs.items()]
    # PyTorch ends a list of keywords alone with ", " (``got (dtype=torch.dtype, )``)
    shown = ", ".join(got) + (", " if kwargs and not args else "")
    return TypeError(f"new() received an invalid combination of arguments - got ({shown}), "
                     "but expected one of:\n" + "".join(f" * {s}\n" for s in _SIGNATURES))


def _from_sizes(dtype: _dtypes.dtype, sizes: Sequence[Any]) -> Tensor:
    from symgrad import creation

    return Tensor._make(creation.zeros(tuple(builtins.int(s) for s in sizes),
                                       dtype=dtype)._data, False, None)


def _from_one(dtype: _dtypes.dtype, arg: Any, any_tensor: bool) -> Tensor:
    if isinstance(arg, Tensor):
        return _alias(dtype, arg, any_tensor)
    if isinstance(arg, Size):
        return _from_sizes(dtype, arg)
    if _is_size(arg) and not isinstance(arg, builtins.bool):
        return _from_sizes(dtype, (arg,))
    if not is_sequence(arg):
        raise TypeError(f"new(): data must be a sequence (got {c_name(type(arg))})")
    return tensor(arg, dtype=dtype)  # without inference: each value read as ``dtype``


def _alias(dtype: _dtypes.dtype, other: Tensor, any_tensor: bool) -> Tensor:
    """``other`` itself as a new tensor (PyTorch's ``alias``, recorded), if it has the dtype
    (``Tensor(other)`` takes any)."""
    if not any_tensor and other.dtype is not dtype:
        raise TypeError(f"expected {_options(_dtypes._CPP_NAMES[dtype.name])} (got "
                        f"{_options(_dtypes._CPP_NAMES[other.dtype.name])})")
    from symgrad.ops.shape import ALIAS, view_apply

    return view_apply(ALIAS, other)


_TYPE_DOC = """PyTorch's legacy type of CPU {dtype} tensors: ``{name}(data)``, ``{name}(*sizes)``
    (zeros: PyTorch's memory is uninitialised), ``{name}()``; ``isinstance(x, {name})`` asks
    whether ``x`` is a {dtype} tensor.

    >>> import symgrad
    >>> symgrad.{name}([1, 0]), symgrad.{name}(2, 3).shape
    ({value}, symgrad.Size([2, 3]))
    >>> isinstance(symgrad.zeros(2, dtype=symgrad.{dtype}), symgrad.{name})
    True
    """


def _legacy_type(name: str, dtype: _dtypes.dtype) -> tensortype:
    values = Tensor._make(np.array([1, 0], dtype.np), False, None)
    doc = _TYPE_DOC.format(name=name, dtype=dtype.name, value=repr(values))
    return tensortype(name, (), {"dtype": dtype, "__doc__": doc, "__module__": __name__,
                                 "__slots__": ()})


FloatTensor = _legacy_type("FloatTensor", _dtypes.float32)
DoubleTensor = _legacy_type("DoubleTensor", _dtypes.float64)
HalfTensor = _legacy_type("HalfTensor", _dtypes.float16)
BFloat16Tensor = _legacy_type("BFloat16Tensor", _dtypes.bfloat16)
LongTensor = _legacy_type("LongTensor", _dtypes.int64)
IntTensor = _legacy_type("IntTensor", _dtypes.int32)
ShortTensor = _legacy_type("ShortTensor", _dtypes.int16)
CharTensor = _legacy_type("CharTensor", _dtypes.int8)
ByteTensor = _legacy_type("ByteTensor", _dtypes.uint8)
BoolTensor = _legacy_type("BoolTensor", _dtypes.bool)
_BY_NAME = {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor,
                                    LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor,
                                    BoolTensor)}


def by_name(name: str) -> tensortype | None:
    """The legacy type named ``"torch.FloatTensor"`` (or ``"symgrad.FloatTensor"``), else None.

    Args:
        name: The dotted name.

    >>> by_name("torch.LongTensor").dtype, by_name("torch.float64")
    (symgrad.int64, None)
    """
    module, _, short = name.rpartition(".")
    return _BY_NAME.get(short) if module in ("torch", "symgrad") else None


def set_default_tensor_type(t: tensortype | str, /) -> None:
    """Make ``t``'s dtype the default floating dtype (deprecated in PyTorch 2.1, warned once
    per process as PyTorch does: use ``set_default_dtype``).

    Args:
        t: A floating legacy type, or its name (``"torch.DoubleTensor"``).

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     symgrad.set_default_tensor_type(symgrad.DoubleTensor)
    >>> symgrad.tensor([1.5]).dtype
    symgrad.float64
    >>> symgrad.set_default_tensor_type("torch.FloatTensor"); symgrad.get_default_dtype()
    symgrad.float32
    """
    if isinstance(t, str):
        t = _resolve(t)
    if isinstance(t, tensortype) and t.dtype.category != _dtypes._FLOAT:
        raise TypeError("only floating-point types are supported as the default type")
    if not isinstance(t, tensortype):
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    from symgrad.switches import is_warn_always_enabled

    if not _warned or is_warn_always_enabled():
        _warned.append(True)
        warnings.warn(_DEPRECATED, UserWarning, stacklevel=2)
    _dtypes.set_default_dtype(t.dtype)


def _resolve(name: str) -> Any:
    """What PyTorch's ``_import_dotted_name`` finds for ``name`` (``torch`` being symgrad)."""
    import symgrad

    found = by_name(name)
    if found is not None:
        return found
    if name.startswith("torch.cuda.") and name.rpartition(".")[2] in _BY_NAME:
        raise TypeError(f"type {name} not available. Torch not compiled with CUDA enabled.")
    module, *path = name.split(".")
    obj: Any = symgrad
    for i, part in enumerate(path):
        if not hasattr(obj, part):
            where = ".".join([module, *path[:i]])
            raise AttributeError(f"module '{where}' has no attribute '{part}'")
        obj = getattr(obj, part)
    return obj
