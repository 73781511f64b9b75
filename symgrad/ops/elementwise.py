"""Elementwise functions (exp, log, tanh, ...), ``where`` and comparisons.

Each op is a forward beside its VJP; ``out`` is the result, which several VJPs reuse because
it is cheaper and more accurate than recomputing from the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import Domain, Sample, apply, defop, expose
from symgrad.tensor import Tensor

POSITIVE = Domain(low=0.0)

# -- exponentials and logarithms ------------------------------------------------------------------
EXP = defop("exp", "ExpBackward0", lambda self: np.exp(self),
            vjp=lambda g, out: g * out, dtype_rule="promote_float")
LOG = defop("log", "LogBackward0", lambda self: np.log(self),
            vjp=lambda g, self: g / self, dtype_rule="promote_float",
            domain={"self": POSITIVE})

# -- hyperbolic -----------------------------------------------------------------------------------
# tanh' = 1 - tanh^2, from the saved result: no second tanh in backward.
TANH = defop("tanh", "TanhBackward0", lambda self: np.tanh(self),
             vjp=lambda g, out: g * (1 - out * out), dtype_rule="promote_float")

# -- selection ------------------------------------------------------------------------------------
WHERE = defop("where", "WhereBackward0",
              lambda condition, self, other: np.where(condition, self, other),
              vjp=lambda g, condition: (None, where(condition, g, 0.0), where(condition, 0.0, g)),
              differentiable=("self", "other"), dtypes=frozenset(_dtypes.ALL),
              samples=(Sample(((2, 3), (2, 3), (3,)),
                              make={"condition": lambda rng: rng.random((2, 3)) > 0.5}),))


@expose()
def exp(input: Tensor) -> Tensor:
    """``e ** input``.

    >>> import symgrad
    >>> symgrad.exp(symgrad.tensor([0.0]))
    tensor([1.])
    """
    return apply(EXP, input)


@expose()
def log(input: Tensor) -> Tensor:
    """Natural logarithm."""
    return apply(LOG, input)


@expose()
def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return apply(TANH, input)


@expose(method=False)
def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``, broadcasting all three.

    >>> import symgrad
    >>> x = symgrad.tensor([-1.0, 2.0])
    >>> symgrad.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    from symgrad.ops.registry import _result_dtype

    d = _result_dtype("promote", (input, other))
    cond = condition if isinstance(condition, Tensor) else Tensor._make(
        np.asarray(condition, dtype=bool), False, None)
    if cond.dtype is not _dtypes.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {cond.dtype.name.capitalize()}")
    return apply(WHERE, cond, _as(input, d), _as(other, d))


def _as(x: Any, d: _dtypes.dtype) -> Tensor:
    if isinstance(x, Tensor):
        return x if x.dtype is d else x.to(d)
    return Tensor._make(np.asarray(x, dtype=d.np), False, None)


# -- comparisons (never differentiable) ----------------------------------------------------------
def _compare(name: str, fn: Any) -> Any:
    op = defop(name, "", lambda self, other: fn(self, other), vjp=None, dtype_rule="bool",
               dtypes=frozenset(_dtypes.ALL), kind="comparison")

    def compare(input: Tensor, other: Any) -> Tensor:
        return apply(op, input, other)

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{name}``, a bool tensor; no gradient flows through it."
    return expose(name)(compare)


eq = _compare("eq", np.equal)
ne = _compare("ne", np.not_equal)
lt = _compare("lt", np.less)
le = _compare("le", np.less_equal)
gt = _compare("gt", np.greater)
ge = _compare("ge", np.greater_equal)
