"""Dtypes and PyTorch's type promotion.

A ``symgrad.dtype`` wraps a NumPy dtype (bfloat16 comes from ml_dtypes). Promotion follows
PyTorch: categories bool < integer < floating, and within one operation dimensioned tensors
outrank zero-dim tensors, which outrank Python scalars -- but only when their category is at
least as high (``int64 tensor * 2.5`` is float32, float32 ``[2]`` + float64 zero-dim is float32).
"""

from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np

__all__ = [
    "dtype",
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "can_cast",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


class dtype:
    """A tensor element type, printed as PyTorch prints its own (``symgrad.float32``).

    Made once per type by this module (``symgrad.float32``, ...); not by users.

    Args:
        name: PyTorch's name of the type (``"float32"``).
        np_dtype: The NumPy dtype holding the values.
        category: Bool, integer or floating, in the order type promotion ranks them.
        aliases: PyTorch's other names for it (``"float"``).

    >>> import symgrad
    >>> symgrad.float16.is_floating_point, symgrad.int64.itemsize
    (True, 8)
    """

    __slots__ = ("name", "np", "category", "itemsize", "is_signed", "_aliases")

    def __init__(self, name: str, np_dtype: np.dtype, category: int, aliases: tuple[str, ...]):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = name not in ("bool", "uint8")
        self._aliases = aliases

    @property
    def is_floating_point(self) -> bool:
        """Whether the type is a floating-point one (only those can require grad).

        >>> import symgrad
        >>> symgrad.bfloat16.is_floating_point, symgrad.int64.is_floating_point
        (True, False)
        """
        return self.category == _FLOAT

    @property
    def is_complex(self) -> bool:
        """Always False: symgrad has no complex dtypes.

        >>> import symgrad
        >>> symgrad.float64.is_complex
        False
        """
        return False

    def __repr__(self) -> str:
        return f"{NAMESPACE[0]}.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


# The module name reprs print (``symgrad.float32``, ``symgrad.Size([2])``): "torch" while a
# program written for PyTorch runs on symgrad (``symgrad.testing.as_torch``), which is what that
# program calls the library and what it prints under PyTorch.
NAMESPACE = ["symgrad"]

bool = dtype("bool", np.bool_, _BOOL, ())  # noqa: A001 - PyTorch's name
uint8 = dtype("uint8", np.uint8, _INT, ())
int8 = dtype("int8", np.int8, _INT, ())
int16 = dtype("int16", np.int16, _INT, ("short",))
int32 = dtype("int32", np.int32, _INT, ("int",))
int64 = dtype("int64", np.int64, _INT, ("long",))
float16 = dtype("float16", np.float16, _FLOAT, ("half",))
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT, ())
float32 = dtype("float32", np.float32, _FLOAT, ("float",))
float64 = dtype("float64", np.float64, _FLOAT, ("double",))

ALL: tuple[dtype, ...] = (
    bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64
)
FLOATING: tuple[dtype, ...] = (float16, bfloat16, float32, float64)
INTEGRAL: tuple[dtype, ...] = (uint8, int8, int16, int32, int64)
# What PyTorch refuses where it needs a floating dtype (means, norms, activations).
NOT_FLOATING: tuple[dtype, ...] = (bool, *INTEGRAL)

_NAMES = {d.name: d for d in ALL} | {a: d for d in ALL for a in d._aliases}
_FROM_NP: dict[np.dtype, dtype] = {d.np: d for d in ALL}
# The NumPy dtypes of the floating dtypes: the only results a graph records.
_FLOAT_NP: frozenset[np.dtype] = frozenset(d.np for d in FLOATING)


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The symgrad dtype of a NumPy dtype; TypeError for one symgrad has no equivalent of."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, bfloat16, int64, int32, int16, int8, uint8, and bool."
        ) from None


_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of floating tensors made from Python floats (float32 unless changed).

    >>> import symgrad
    >>> symgrad.get_default_dtype()
    symgrad.float32
    """
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; like PyTorch, only floating dtypes are accepted.

    Args:
        d: The floating dtype Python floats (and ``zeros`` and the other factories) make.

    >>> import symgrad
    >>> symgrad.set_default_dtype(symgrad.float64); symgrad.tensor([1.5]).dtype
    symgrad.float64
    >>> symgrad.set_default_dtype(symgrad.float32)
    """
    global _default_float
    if not isinstance(d, dtype) or d.category != _FLOAT:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


# PyTorch's table for two distinct types of one category.
def _promote_ints(a: dtype, b: dtype) -> dtype:
    if uint8 in (a, b):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize >= b.itemsize else b


def _promote_floats(a: dtype, b: dtype) -> dtype:
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a.itemsize >= b.itemsize else b


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be cast to without losing category, as ``torch.promote_types``.

    Args:
        type1: One dtype.
        type2: The other dtype.

    >>> import symgrad
    >>> symgrad.promote_types(symgrad.uint8, symgrad.int8)
    symgrad.int16
    >>> symgrad.promote_types(symgrad.float16, symgrad.bfloat16)
    symgrad.float32
    """
    if type1 is type2:
        return type1
    if type1.category != type2.category:
        return type1 if type1.category > type2.category else type2
    if type1.category == _INT:
        return _promote_ints(type1, type2)
    return _promote_floats(type1, type2)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether ``from_`` may be cast to ``to`` without lowering its category, as ``torch.can_cast``.

    Args:
        from_: The dtype cast from.
        to: The dtype cast to.

    >>> import symgrad
    >>> symgrad.can_cast(symgrad.float64, symgrad.int32)
    False
    >>> symgrad.can_cast(symgrad.int8, symgrad.float16)
    True
    """
    return from_.category <= to.category


def _scalar_dtype(value: object) -> dtype:
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (float, np.floating)):
        return _default_float
    raise TypeError(f"unsupported scalar type {type(value).__name__}")



def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.category == _FLOAT:
        return higher
    if higher is bool or lower.category == _FLOAT:
        return promote_types(higher, lower)
    return higher


def result_dtype(dim: dtype | None, zero_dim: dtype | None, scalar: dtype | None) -> dtype:
    """Combine the promoted dtypes of dimensioned tensors, zero-dim tensors and scalars."""
    out = _combine(dim, _combine(zero_dim, scalar))
    assert out is not None
    return out


# PyTorch's names of its scalar types, as its error messages and legacy tensor types
# (torch.FloatTensor) spell them.
_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                "int64": "Long", "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
                "float64": "Double"}
# The C++ type names other PyTorch messages print (a dtype mismatch in ``mm``, a cast refused by
# ``clamp_``).
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}
# PyTorch's C type names, as its overflow error prints them.
_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "float32": "float"}


def scalar_as(value: object, np_dtype: np.dtype) -> np.ndarray:
    """A Python number as a zero-dim array of ``np_dtype``, by PyTorch's rules for a fill value
    (``full``, ``fill_``, ``masked_fill``, ``pad``): a float truncated toward 0 for an integer
    dtype, a negative int wrapped into an unsigned one down to ``-max``; PyTorch's error where
    it overflows (an integer dtype given NaN, an infinity or a value beyond its range; float16,
    bfloat16 or float32 given a finite value beyond theirs), not a value NumPy wraps or makes up.

    Args:
        value: A Python (or NumPy) bool, int or float.
        np_dtype: The NumPy dtype of the tensor filled.

    >>> scalar_as(2.7, np.dtype(np.int64)), scalar_as(-1, np.dtype(np.uint8))
    (array(2), array(255, dtype=uint8))
    >>> scalar_as(float("nan"), np.dtype(np.int64))
    Traceback (most recent call last):
    ...
    RuntimeError: value cannot be converted to type int64_t without overflow
    """
    kind = np_dtype.kind
    # ``bool`` here is PyTorch's dtype of that name: Python's is ``builtins.bool``.
    if kind in "bc" or isinstance(value, builtins.bool | np.bool_):
        return np.asarray(value).astype(np_dtype)
    name = _FROM_NP[np_dtype].name
    if kind in "iu":
        info = np.iinfo(np_dtype)
        top = int(info.max)
        if isinstance(value, int | np.integer):
            fits = info.min <= value <= top or (kind == "u" and -top <= value < 0)
            whole = int(value) % (top + 1) if kind == "u" else int(value)
        else:
            f = float(value)
            fits = f == f and float(info.min) <= f <= float(top)
            whole = int(f) if fits else 0
        if not fits:
            raise RuntimeError(f"value cannot be converted to type {_C_TYPES[name]} without "
                               "overflow")
        return np.asarray(whole, dtype=np_dtype)
    f = float(value)
    if name in _C_TYPES and abs(f) != float("inf") and abs(f) > float(ml_dtypes.finfo(
            np_dtype).max):
        raise RuntimeError(f"value cannot be converted to type {_C_TYPES[name]} without overflow")
    return np.asarray(f).astype(np_dtype)
