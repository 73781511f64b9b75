"""Temporaries taken over: ``x * w + b`` adds into the array of ``x * w``, as NumPy does.

NumPy elides temporaries: in ``x * w + b`` on arrays, the product is an array nothing else
can see, and the sum is written into it instead of a new array (``temp_elide.c``: at least
256 KiB, reference count 1, called from the interpreter's operator instruction). On 1e5
float64 values a new array costs more than the pass that fills it, and symgrad, whose tensors
hold their arrays, never got that for free: the elementwise chain's forward took 80 us more
than NumPy's for ``x * w + b``.

The same rule for tensors: the ``+`` or ``-`` operator's left operand is taken over when it is
a temporary, which only the interpreter's stack holds (the reference count of a temporary,
measured once on a probe, ``_TEMPORARY``), whose array only it holds (no view, no saved
result, not the other operand's), and which no recorded graph holds as itself (a computed
tensor's node is its edge; a leaf's accumulator and a constant input would keep the tensor,
whose values would change). The operator's instruction is checked too: only under it is the
reference counted the stack's own, where a call from C code (``operator.add``,
``functools.partial``) may pass references it borrows from elsewhere.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from symgrad.autograd import grad_mode
from symgrad.autograd.graph import _ONE_VARIABLE
from symgrad.ops.registry import OpDef, _record
from symgrad.tensor import Tensor

__all__ = ["takes_over", "into_left"]

# NumPy's threshold (NPY_MIN_ELIDE_BYTES): below it a new array costs less than the checks.
_MIN_BYTES = 1 << 18
# The dtypes whose ``+`` and ``-`` NumPy computes in the dtype itself, as the ops' forwards do.
_IN_DTYPE = frozenset({np.dtype(np.float32), np.dtype(np.float64)})
_grad_state = grad_mode._state


def _seen(operand: Any) -> tuple[int, int]:
    """The references to an operator's left operand, seen two calls below the operator's
    function (``add``, then ``takes_over``), and the opcode the code applying it is running."""
    frame = sys._getframe(3)
    return sys.getrefcount(operand), frame.f_code.co_code[frame.f_lasti]


def _through(operand: Any) -> tuple[int, int]:
    return _seen(operand)  # one call, as ``takes_over`` is for ``add``


class _Probe:
    def __add__(self, other: Any) -> tuple[int, int]:
        return _through(self)


# What a temporary left operand of ``+`` looks like from ``takes_over``: its references (the
# stack's and the calls' parameters) and the operator's opcode (BINARY_OP).
_TEMPORARY = _Probe() + None


def _named() -> tuple[int, int]:
    operand = _Probe()
    return operand + None


# Python 3.14 borrows the references of local variables it pushes on the stack, so a named
# operand can show a temporary's count (NumPy turned its elision off there): taken over only
# where a variable is seen to add a reference.
_ENABLED = sys.version_info < (3, 14) and _named()[0] > _TEMPORARY[0]


def takes_over(input: Any, other: Any) -> bool:
    """Whether ``input + other`` (or ``-``) may be computed into ``input``'s array: called by
    the operator's function (``add``, ``sub``) with its own arguments, no other call between.

    Args:
        input: The operator's left operand.
        other: Its right operand.

    >>> import symgrad
    >>> x = symgrad.ones(2)
    >>> takes_over(x, x)  # small, and held by a variable
    False
    """
    # ``input`` a plain tensor (a subclass may carry state of its own); ``other`` any tensor, a
    # Parameter's bias included.
    if type(input) is not Tensor or not isinstance(other, Tensor) or not _ENABLED:
        return False
    a, b = input._data, other._data
    if a.nbytes < _MIN_BYTES or a.dtype is not b.dtype or a.dtype not in _IN_DTYPE:
        return False
    if input._fn is None and (input._rg or other._rg) and _grad_state.enabled:
        return False  # the recorded node would hold it: a leaf's accumulator, or a constant
    # Held by the tensor and ``a`` alone: no view of it, no node keeping it as a result.
    if a.base is not None or not a.flags.writeable or sys.getrefcount(a) > _ONE_VARIABLE + 1:
        return False
    if b.shape != a.shape:
        try:
            if np.broadcast_shapes(a.shape, b.shape) != a.shape:
                return False
        except ValueError:
            return False  # ``apply`` raises PyTorch's error
    return _seen(input) == _TEMPORARY


def into_left(op: OpDef, ufunc: np.ufunc, input: Tensor, other: Tensor, alpha: Any) -> Tensor:
    """``op`` (add or sub, ``alpha`` 1) computed by ``ufunc`` into ``input``'s array, which the
    result takes over, recorded as ``apply`` would (``takes_over`` said it may be).

    Args:
        op: The op.
        ufunc: Its forward without ``alpha``: ``np.add`` or ``np.subtract``.
        input: The temporary left operand.
        other: The right operand.
        alpha: The caller's ``alpha``, equal to 1, recorded as given.

    >>> import symgrad
    >>> from symgrad.ops.arithmetic import ADD
    >>> into_left(ADD, np.add, symgrad.ones(2), symgrad.ones(2), 1)
    tensor([2., 2.])
    """
    data = ufunc(input._data, other._data, out=input._data)
    if (input._rg or other._rg) and _grad_state.enabled:
        return _record(op, {"alpha": alpha}, (input, other), data)
    return Tensor._make(data, False, None)
