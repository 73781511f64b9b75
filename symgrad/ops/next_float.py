"""``nextafter``: the next float after ``input`` toward ``other`` (NextafterBackward0, whose
gradient is PyTorch's: ``g`` to ``input``, the step of one ULP being constant, but 0 where
``input == other`` (the result is ``other`` there); zeros to ``other``).
"""

from __future__ import annotations

import numpy as np

from symgrad import _dtypes
from symgrad.ops import inplace as _inplace
from symgrad.ops.arithmetic import _zeros
from symgrad.ops.elementwise import where
from symgrad.ops.registry import ALL, FLOATING, Kink, apply, defop, expose, not_implemented
from symgrad.tensor import Tensor

__all__ = ["nextafter"]


def _nextafter(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    if self.dtype == _dtypes.bfloat16.np:  # NumPy's nextafter has no bfloat16 loop
        bits = self.view(np.uint16).astype(np.int32)
        step = np.where((other > self) == (self >= 0), 1, -1)
        zero = self == 0
        out = np.where(zero, np.where(other > 0, 1, 0x8001), bits + step)
        out = np.where((self == other) | np.isnan(self) | np.isnan(other),
                       np.where(np.isnan(other), other.view(np.uint16), bits), out)
        return out.astype(np.uint16).view(self.dtype)
    return np.nextafter(self, other)


# NOTE: at self == other PyTorch gives neither input a gradient (its where(self == other, 0,
# grad)); a NaN compares unequal, so it passes g.
NEXTAFTER = defop("nextafter", "NextafterBackward0", _nextafter,
                  vjp=lambda g, self, other: (where(self == other, 0.0, g), _zeros(g)),
                  refuses=not_implemented("nextafter_cpu", ALL - FLOATING),
                  kinks=(Kink("self", "self == other", lambda self, other, **_: self == other,
                              "zero"),))


@expose()
def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The float next to each element of ``input`` in the direction of ``other`` (``input``
    itself where they are equal), in their promoted floating dtype.

    Args:
        input: A floating-point tensor.
        other: A floating-point tensor broadcastable with ``input``: the direction.

    >>> import symgrad
    >>> symgrad.nextafter(symgrad.tensor([1.0, 0.0]), symgrad.tensor([2.0, -1.0]))
    tensor([ 1.0000e+00, -1.4013e-45])
    """
    return apply(NEXTAFTER, input, other)


Tensor.nextafter_ = _inplace._with_args_(  # type: ignore[attr-defined]
    "nextafter", "symgrad.tensor([1.0, 0.0, 1.0])")
__test__ = {"nextafter_": Tensor.nextafter_}
