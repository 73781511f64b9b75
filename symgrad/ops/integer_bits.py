"""Integer functions: ``gcd`` and ``lcm``, and the shifts ``bitwise_left_shift`` and
``bitwise_right_shift`` (the operators ``<<`` and ``>>``), with their in-place forms. None has a
gradient (PyTorch's integer kernels); floating inputs are refused with PyTorch's kernel errors.
A shift by a negative count or by the width of the dtype or more gives 0 (-1 for a negative
number shifted right), as PyTorch's kernels do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops import inplace as _inplace
from symgrad.ops.registry import ALL, apply, defop, expose, not_implemented
from symgrad.tensor import Tensor

__all__ = ["gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift", "gcd_", "lcm_"]

_INTS = frozenset(_dtypes.INTEGRAL)


def _lcm(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    # PyTorch's |a / gcd * b|, the absolute value taken after the product wraps in the dtype
    # (NumPy's lcm takes it before: lcm(2**62, 3) is -2**62 there).
    g = np.gcd(self, other)
    with np.errstate(all="ignore"):
        out = np.abs((self // np.where(g == 0, 1, g)) * other)
    return np.where(g == 0, 0, out).astype(out.dtype)


GCD = defop("gcd", "", lambda self, other: np.gcd(self, other), vjp=None, dtypes=_INTS,
            kind="bitwise", refuses=not_implemented("gcd_cpu", ALL - _INTS))
LCM = defop("lcm", "", _lcm, vjp=None, dtypes=_INTS, kind="bitwise",
            refuses=not_implemented("lcm_cpu", ALL - _INTS))
# NumPy's shifts give what PyTorch's kernels give for counts out of range (0, or -1).
LSHIFT = defop("bitwise_left_shift", "", lambda self, other: np.left_shift(self, other),
               vjp=None, dtypes=_INTS, kind="bitwise",
               refuses=not_implemented("lshift_cpu", ALL - _INTS))
RSHIFT = defop("bitwise_right_shift", "", lambda self, other: np.right_shift(self, other),
               vjp=None, dtypes=_INTS, kind="bitwise",
               refuses=not_implemented("rshift_cpu", ALL - _INTS))


@expose()
def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of each pair of elements (not negative; ``gcd(0, 0)`` is 0).

    Args:
        input: An integer tensor.
        other: An integer tensor broadcastable with ``input``.

    >>> import symgrad
    >>> symgrad.gcd(symgrad.tensor([12, -18, 0]), symgrad.tensor([8, 12, 5]))
    tensor([4, 6, 5])
    """
    return apply(GCD, input, other)


@expose()
def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple of each pair of elements (not negative; 0 where either is).

    Args:
        input: An integer tensor.
        other: An integer tensor broadcastable with ``input``.

    >>> import symgrad
    >>> symgrad.lcm(symgrad.tensor([4, -6, 0]), symgrad.tensor([6, 4, 5]))
    tensor([12, 12,  0])
    """
    return apply(LCM, input, other)


@expose()
def bitwise_left_shift(input: Tensor | int, other: Tensor | int) -> Tensor:
    """``input << other``: each element's bits moved ``other`` places up (wrapping in the
    dtype); either may be a Python number.

    Args:
        input: An integer tensor, or a Python int shifted by the tensor ``other``.
        other: The counts: an integer tensor broadcastable with ``input``, or a Python int.

    >>> import symgrad
    >>> symgrad.bitwise_left_shift(symgrad.tensor([1, -8, 3]), 2)
    tensor([  4, -32,  12])
    """
    return apply(LSHIFT, input, other)


@expose()
def bitwise_right_shift(input: Tensor | int, other: Tensor | int) -> Tensor:
    """``input >> other``: each element's bits moved ``other`` places down, keeping the sign
    (an arithmetic shift); either may be a Python number.

    Args:
        input: An integer tensor, or a Python int shifted by the tensor ``other``.
        other: The counts: an integer tensor broadcastable with ``input``, or a Python int.

    >>> import symgrad
    >>> symgrad.bitwise_right_shift(symgrad.tensor([1, -8, 3]), 1)
    tensor([ 0, -4,  1])
    """
    return apply(RSHIFT, input, other)


def _shift_operator(op: Any, reflected: bool) -> Any:
    def operator(self: Tensor, other: Any) -> Tensor:
        if not isinstance(other, Tensor | bool | int | float):
            return NotImplemented
        return apply(op, other, self) if reflected else apply(op, self, other)

    return operator


Tensor.__lshift__ = _shift_operator(LSHIFT, False)  # type: ignore[attr-defined]
Tensor.__rlshift__ = _shift_operator(LSHIFT, True)  # type: ignore[attr-defined]
Tensor.__rshift__ = _shift_operator(RSHIFT, False)  # type: ignore[attr-defined]
Tensor.__rrshift__ = _shift_operator(RSHIFT, True)  # type: ignore[attr-defined]
def _tensor_other_(name: str) -> Any:
    """``Tensor.<name>_``, whose ``other`` must be a tensor (PyTorch's error names the method)."""
    write = _inplace._with_args_(name, "symgrad.tensor(4)", "[6, 8, 9]")

    def method(self: Tensor, other: Tensor) -> Tensor:
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}_(): argument 'other' (position 1) must be Tensor, not "
                            f"{type(other).__name__}")
        return write(self, other)

    method.__name__ = write.__name__
    method.__doc__ = f"""``{name}`` in place: the same values as ``{name}(other)``, written
    into self.

    Args:
        other: An integer tensor broadcastable to this tensor's shape.

    >>> import symgrad
    >>> x = symgrad.tensor([6, 8, 9])
    >>> expected = x.{name}(symgrad.tensor(4))
    >>> x.{name}_(symgrad.tensor(4)) is x, x.tolist() == expected.tolist()
    (True, True)
    """
    return method


Tensor.gcd_ = _tensor_other_("gcd")  # type: ignore[attr-defined]
Tensor.lcm_ = _tensor_other_("lcm")  # type: ignore[attr-defined]
for _name in ("bitwise_left_shift", "bitwise_right_shift"):
    setattr(Tensor, _name + "_", _inplace._with_args_(_name, "1", "[6, 8, 9]"))
Tensor.__ilshift__ = Tensor.bitwise_left_shift_  # type: ignore[attr-defined]
Tensor.__irshift__ = Tensor.bitwise_right_shift_  # type: ignore[attr-defined]
# The generated methods are not module attributes: listed here so doctest runs their examples.
__test__ = {_name: getattr(Tensor, _name) for _name in (
    "gcd_", "lcm_", "bitwise_left_shift_", "bitwise_right_shift_")}


@expose(method=False)
def gcd_(input: Tensor, other: Tensor) -> Tensor:
    """``input.gcd_(other)``: the greatest common divisors written into ``input``, returned.

    Args:
        input: The integer tensor written into.
        other: An integer tensor broadcastable to ``input``'s shape.

    >>> import symgrad
    >>> x = symgrad.tensor([12, 18])
    >>> symgrad.gcd_(x, symgrad.tensor([8, 12])) is x, x
    (True, tensor([4, 6]))
    """
    return Tensor.gcd_(input, other)


@expose(method=False)
def lcm_(input: Tensor, other: Tensor) -> Tensor:
    """``input.lcm_(other)``: the least common multiples written into ``input``, returned.

    Args:
        input: The integer tensor written into.
        other: An integer tensor broadcastable to ``input``'s shape.

    >>> import symgrad
    >>> x = symgrad.tensor([4, 6])
    >>> symgrad.lcm_(x, symgrad.tensor([6, 4])) is x, x
    (True, tensor([12, 12]))
    """
    return Tensor.lcm_(input, other)
