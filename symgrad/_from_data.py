"""Python data (numbers and nested sequences) to a NumPy array, as PyTorch's ``torch.tensor``
reads it (``internal_new_from_data`` in torch/csrc/utils/tensor_new.cpp): the shape from the
first element of each level, the dtype from every leaf (promoted as ``promote_types``), then
each leaf stored by the rule of the dtype, with PyTorch's error where one does not fit.

NumPy reads a rectangular nest of Python numbers the same way, in one call: that is the fast
way (``from_python``); anything else (NumPy scalars or arrays inside, tensors inside, ragged
or mixed nests, objects that are not numbers) takes PyTorch's way, step by step.
"""

from __future__ import annotations

import builtins
import operator
import warnings
from itertools import chain
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import dtype

_PYTHON_NUMBERS = frozenset((builtins.float, builtins.int, builtins.bool))
_LONG = 1 << 63
_SCALARS = {builtins.int: _dtypes.int64, builtins.bool: _dtypes.bool}  # and float: the default
_FAST_KINDS = {"b": _dtypes.bool, "i": _dtypes.int64}  # and "f": the default float
_MAX_DIMS = 128  # PyTorch's limit on the dims of a tensor from data
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made by a class statement
_COMPLEX = ("symgrad has no complex dtypes: can't make a tensor from {} (PyTorch's would be "
            "complex)")


def c_name(cls: type) -> str:
    """The name CPython's ``tp_name`` gives a type, which PyTorch's messages print: a class
    written in Python by its bare name, a compiled one (NumPy's scalars) with its module.

    Args:
        cls: The type.

    >>> import numpy as np
    >>> c_name(float), c_name(np.float32)
    ('float', 'numpy.float32')
    """
    if cls.__flags__ & _HEAP_TYPE or cls.__module__ == "builtins":
        return cls.__name__
    return f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def torch_type_name(value: Any) -> str:
    """A value's type as PyTorch's argument parser prints it in its "invalid combination"
    errors (``Tensor``, ``torch.dtype``, ``torch.Size``, ``torch.device``; else ``tp_name``).

    Args:
        value: Anything.

    >>> import symgrad
    >>> torch_type_name(symgrad.float32), torch_type_name(symgrad.ones(1)), torch_type_name(1)
    ('torch.dtype', 'Tensor', 'int')
    """
    from symgrad.devices import device
    from symgrad.tensor import Size, Tensor

    for cls, name in ((Tensor, "Tensor"), (Size, "torch.Size"), (dtype, "torch.dtype"),
                      (device, "torch.device")):
        if isinstance(value, cls):
            return name
    return c_name(type(value))


def is_sequence(obj: Any) -> bool:
    """CPython's ``PySequence_Check`` as PyTorch sees it: a tensor and a NumPy scalar are not
    sequences (their indexing is a mapping's), a dict is not one, a str is.

    Args:
        obj: Anything.

    >>> is_sequence([1]), is_sequence(range(2)), is_sequence({1: 2}), is_sequence(1.5)
    (True, True, False, False)
    """
    from symgrad.tensor import Tensor

    if isinstance(obj, list | tuple | np.ndarray):
        return True
    if isinstance(obj, Tensor | dict | np.generic):
        return False
    return hasattr(type(obj), "__getitem__")


def from_python(data: Any, want: dtype | None) -> np.ndarray:
    """``data`` (a Python number or a nest of sequences, not a tensor nor an array) as an
    array of ``want``, or of PyTorch's inferred dtype when ``want`` is None.

    Args:
        data: The values.
        want: The dtype. None: inferred as PyTorch infers it.

    >>> from_python([[1, 2], [3, 4]], None).dtype, from_python([True, 1.5], None).dtype
    (dtype('int64'), dtype('float32'))
    >>> from_python([[1, 2], [3]], None)
    Traceback (most recent call last):
    ...
    ValueError: expected sequence of length 2 at dim 1 (got 1)
    """
    kind = type(data)
    if kind in _PYTHON_NUMBERS and want is None and -_LONG <= data < _LONG:
        d = _SCALARS.get(kind) or _dtypes.get_default_dtype()
        if kind is float and d.np in _F32_F64 and -_F32_MAX <= data <= _F32_MAX:
            return np.array(data, d.np)  # nothing to overflow: one call, no errstate block
        return _cast(np.array(data), d)
    if isinstance(data, str | bytes):
        raise TypeError(f"new(): invalid data type '{c_name(kind)}'")
    fast = _numpy_read(data) if type(data) in (list, tuple) else None
    if fast is not None:
        arr, kinds = fast
        if want is None:
            want = _FAST_KINDS.get(arr.dtype.kind) or _dtypes.get_default_dtype()
        # Integers from a mix of ints and floats: each int exactly, not through a float64.
        if not (want.category == _dtypes._INT and len(kinds) > 1 and float in kinds):
            return _cast(arr, want)
    sizes = _sizes(data)
    if want is None:
        want = _infer(data)
    if 0 in sizes:  # nothing to store: what follows an empty sequence is not read
        return np.empty(sizes, want.np)
    leaves: list[Any] = []
    _gather(data, sizes, 0, leaves)
    return _store(leaves, want).reshape(sizes)


def _numpy_read(data: list | tuple) -> tuple[np.ndarray, set] | None:
    """NumPy's reading of ``data`` and the types of its leaves, when it is PyTorch's: a
    rectangular nest of Python numbers (no NumPy scalars, arrays or tensors inside, whose
    dtypes and shapes PyTorch reads its own way). Else None."""
    try:
        arr = np.array(data)
    except Exception:  # ragged, or leaves NumPy can't read: PyTorch's way says why
        return None
    if arr.dtype.kind not in "bif":  # big ints (object, uint64), strings, complex
        return None
    if arr.ndim == 1:
        kinds = set(map(type, data))
    else:
        rows = data
        for _ in range(arr.ndim - 2):
            rows = chain.from_iterable(rows)
        kinds = {type(x) for row in rows for x in row}
    return (arr, kinds) if kinds <= _PYTHON_NUMBERS else None


_F32_F64 = (np.dtype(np.float32), np.dtype(np.float64))
_F32_MAX = float(np.finfo(np.float32).max)


def _cast(arr: np.ndarray, want: dtype) -> np.ndarray:
    """``arr`` (read from Python numbers) as ``want``, by PyTorch's rules."""
    if want.category == _dtypes._INT and arr.dtype.kind != "b":
        from symgrad.tensor import _as_integers

        return _as_integers(arr, want)
    if arr.dtype == want.np:
        return arr
    if want.category == _dtypes._FLOAT and want.itemsize < 4 and arr.dtype.kind == "f":
        arr = arr.astype(np.float32)  # PyTorch's half types are made from a float
    with np.errstate(over="ignore"):  # too large for the dtype: inf, as in PyTorch
        return arr.astype(want.np)


def _sizes(data: Any) -> list[int]:
    """The shape PyTorch reads: the length of each level's first element (``compute_sizes``)."""
    sizes: list[int] = []
    seq = data
    while is_sequence(seq):
        length = len(seq)
        sizes.append(length)
        if len(sizes) > _MAX_DIMS:
            raise ValueError(f"too many dimensions '{c_name(type(seq))}'")
        if length == 0:
            break
        seq = seq[0]
    return sizes


def _infer(obj: Any) -> dtype:
    """PyTorch's ``infer_scalar_type``: the dtype of a leaf, the promotion of a sequence's."""
    from symgrad.tensor import Tensor

    if isinstance(obj, np.ndarray | np.generic):
        return numpy_dtype(obj)
    if isinstance(obj, builtins.float):
        return _dtypes.get_default_dtype()
    if isinstance(obj, builtins.bool):
        return _dtypes.bool
    if isinstance(obj, builtins.int):
        return _dtypes.int64
    if isinstance(obj, complex):
        raise TypeError(_COMPLEX.format(f"the complex number {obj!r}"))
    if isinstance(obj, Tensor):
        return obj.dtype
    if isinstance(obj, str | bytes):
        raise TypeError(f"new(): invalid data type '{c_name(type(obj))}'")
    if is_sequence(obj):
        if len(obj) == 0:
            return _dtypes.get_default_dtype()
        found = None
        for item in obj:
            if item is obj:
                raise TypeError("new(): self-referential lists are incompatible")
            d = _infer(item)
            found = d if found is None else _dtypes.promote_types(found, d)
        return found
    raise RuntimeError(f"Could not infer dtype of {c_name(type(obj))}")


_INT64_MAX = np.iinfo(np.int64).max


def numpy_dtype(obj: np.ndarray | np.generic) -> dtype:
    """The dtype of a NumPy array or scalar as a tensor's, or PyTorch's error (symgrad's for
    complex ones: it has no complex dtypes).

    Args:
        obj: The array or scalar.

    >>> import numpy as np
    >>> numpy_dtype(np.zeros(1, np.int8)), numpy_dtype(np.uint16(1))
    (symgrad.int8, symgrad.int64)
    """
    kind = obj.dtype.kind
    if obj.dtype in _dtypes._FROM_NP:
        return _dtypes._FROM_NP[obj.dtype]
    if kind == "c":
        raise TypeError(_COMPLEX.format(f"NumPy's {obj.dtype.name} values"))
    if kind in "iu":  # the unsigned types symgrad lacks: as a NumPy array of them reads
        if obj.dtype == np.uint64 and obj.size and np.max(obj) > _INT64_MAX:
            # int64 would wrap it to a negative number: refused, never a wrong value
            raise TypeError(f"symgrad has no uint64 dtype, and {np.max(obj)} is beyond int64: "
                            "can't convert this NumPy value (PyTorch's would be uint64)")
        return _dtypes.int64
    raise TypeError(f"can't convert np.ndarray of type {c_name(obj.dtype.type)}. The only "
                    "supported types are: float64, float32, float16, complex64, complex128, "
                    "int64, int32, int16, int8, uint64, uint32, uint16, uint8, and bool.")


def _gather(obj: Any, sizes: list[int], dim: int, out: list[Any]) -> None:
    """The leaves of ``obj`` in order, checking each level against ``sizes``
    (``recursive_store``): a sequence where a number was read is stored as one later."""
    if dim == len(sizes):
        out.append(obj)
        return
    if isinstance(obj, list | tuple):
        seq = obj
    else:
        try:
            seq = list(obj)
        except TypeError:
            raise TypeError("not a sequence") from None
    if len(seq) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} "
                         f"(got {len(seq)})")
    for item in seq:
        _gather(item, sizes, dim + 1, out)


def _store(leaves: list[Any], want: dtype) -> np.ndarray:
    """The leaves as a flat array of ``want``, each read as PyTorch's ``store_scalar`` does."""
    from symgrad.tensor import _as_integers

    if want.category == _dtypes._FLOAT:
        return _cast(np.array([_as_float(x) for x in leaves], np.float64), want)
    if want is _dtypes.bool:
        return np.array([_as_bool(x) for x in leaves], np.bool_)
    values = [x if isinstance(x, builtins.float) else _as_long(x) for x in leaves]
    if not any(isinstance(v, builtins.float) for v in values):
        return _as_integers(np.array(values, np.int64), want)
    # each by its own rule (an int exactly, a float truncated), as PyTorch stores them
    out = np.empty(len(values), want.np)
    for i, v in enumerate(values):
        out[i] = _as_integers(np.array([v], np.float64 if isinstance(v, builtins.float)
                                        else np.int64), want)[0]
    return out


def _as_float(x: Any) -> float:
    """CPython's ``PyFloat_AsDouble``, with its message."""
    if isinstance(x, builtins.float):
        return builtins.float(x)
    t = type(x)
    if hasattr(t, "__float__"):
        return t.__float__(x)
    if hasattr(t, "__index__"):
        return builtins.float(operator.index(x))
    raise TypeError(f"must be real number, not {c_name(t)}")


def _as_long(x: Any) -> int:
    """PyTorch's ``THPUtils_unpackLong``: the integer ``__index__`` gives, in int64."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value = operator.index(x)
    if not -(1 << 63) <= value < 1 << 63:
        raise ValueError("Overflow when unpacking long long")
    return value


def _as_bool(x: Any) -> bool:
    """PyTorch's ``THPUtils_unpackNumberAsBool``: a float or complex by its value, anything
    else by its ``__index__`` (an int beyond int64 is True)."""
    if isinstance(x, builtins.float | complex):
        return builtins.bool(x)
    return builtins.bool(operator.index(x))
