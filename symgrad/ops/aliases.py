"""PyTorch's other names for existing ops (``greater`` for ``gt``, ...), the tests for signed
infinities, and what a real tensor answers for complex and sparse questions (``conj`` is the
tensor itself, ``is_sparse`` is False): names programs use that add no mathematics."""

from __future__ import annotations

import warnings

import numpy as np

from symgrad.ops import elementwise as E
from symgrad.ops import inplace  # noqa: F401 - the in-place forms aliased here
from symgrad.ops.discrete import _test
from symgrad.ops.registry import expose
from symgrad.tensor import Tensor

# (``greater``, ``greater_equal``, ``less``, ``less_equal``, ``not_equal``: made by ``_alias``.)
__all__ = ["isposinf", "isneginf", "positive", "conj", "resolve_conj", "resolve_neg"]


def _alias(name: str, of: str) -> None:
    """Publish ``symgrad.<of>`` also as ``symgrad.<name>`` and ``Tensor.<name>`` (the same
    function, so its argument checks name it as PyTorch's do), and ``Tensor.<of>_`` as
    ``Tensor.<name>_``."""
    globals()[name] = expose(name)(getattr(E, of))
    setattr(Tensor, name + "_", getattr(Tensor, of + "_"))


for _name, _of in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                   ("less_equal", "le"), ("not_equal", "ne")):
    _alias(_name, _of)


@expose()
def isposinf(input: Tensor) -> Tensor:
    """Whether each element is +inf, as a bool tensor (never, for integers and bools).

    Args:
        input: The tensor.

    >>> import math, symgrad
    >>> symgrad.isposinf(symgrad.tensor([1.0, math.inf, -math.inf]))
    tensor([False,  True, False])
    """
    return _test(lambda a: np.isposinf(a.astype(np.float64)), input)


@expose()
def isneginf(input: Tensor) -> Tensor:
    """Whether each element is -inf, as a bool tensor (never, for integers and bools).

    Args:
        input: The tensor.

    >>> import math, symgrad
    >>> symgrad.isneginf(symgrad.tensor([1.0, math.inf, -math.inf]))
    tensor([False, False,  True])
    """
    return _test(lambda a: np.isneginf(a.astype(np.float64)), input)


@expose()
def positive(input: Tensor) -> Tensor:
    """The tensor itself (unary ``+``); refused for bool, as in PyTorch.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, -2.0])
    >>> symgrad.positive(x) is x
    True
    """
    if input.dtype.name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


@expose()
def conj(input: Tensor) -> Tensor:
    """The complex conjugate: a real tensor is its own, the tensor itself (symgrad's tensors
    are real).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0])
    >>> x.conj() is x
    True
    """
    return input


@expose()
def resolve_conj(input: Tensor) -> Tensor:
    """The tensor with a pending conjugation done: for a real tensor, the tensor itself.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0])
    >>> symgrad.resolve_conj(x) is x
    True
    """
    return input


@expose()
def resolve_neg(input: Tensor) -> Tensor:
    """The tensor with a pending negation done: symgrad has none, the tensor itself.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0])
    >>> symgrad.resolve_neg(x) is x
    True
    """
    return input


def _false(self: Tensor) -> bool:
    """False: a real, dense, unquantized tensor (symgrad has no other kind).

    >>> import symgrad
    >>> symgrad.zeros(1).is_conj(), symgrad.zeros(1).is_neg()
    (False, False)
    """
    return False


Tensor.is_conj = _false  # type: ignore[attr-defined]
Tensor.is_neg = _false  # type: ignore[attr-defined]
for _flag in ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_mkldnn",
              "is_nested", "is_xpu", "is_mps"):
    setattr(Tensor, _flag, property(_false))


# The 0-dim deprecations already said: PyTorch's TORCH_WARN_ONCE says each once per process.
_WARNED: set[str] = set()


def warn_once(message: str, stacklevel: int) -> None:
    """``message`` as a UserWarning the first time only (every time under
    ``set_warn_always(True)``), as PyTorch's TORCH_WARN_ONCE.

    Args:
        message: The warning's text.
        stacklevel: As ``warnings.warn``'s, counted from the caller of this function.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warn_once("a doc example's deprecation", 2)
    ...     warn_once("a doc example's deprecation", 2)
    >>> len(seen)
    1
    """
    from symgrad.switches import is_warn_always_enabled

    if message not in _WARNED or is_warn_always_enabled():
        _WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def _conjugate_transpose(self: Tensor, name: str) -> Tensor:
    if self.dim() == 0:  # PyTorch's identity, deprecated
        what = "adjoint()" if name == "adjoint()" else f"Tensor.{name}"
        warn_once(f"{what} is deprecated on 0-D tensors. Consider using x.conj().", 3)
        return self
    if self.dim() < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           f"Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _H(self: Tensor) -> Tensor:
    """The conjugate transpose of a matrix: for a real one, its transpose.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 2.0]]).H
    tensor([[1.],
            [2.]])
    """
    if self.dim() == 0:
        warn_once("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", 2)
        return self
    if self.dim() != 2:
        more = (" For batches of matrices, consider using tensor.mH" if self.dim() > 2 else "")
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.dim()}-D tensor.{more}")
    return self.transpose(0, 1)


def _mH(self: Tensor) -> Tensor:
    """The conjugate transpose of each matrix (the last two dims): for real ones, ``mT``.

    >>> import symgrad
    >>> symgrad.zeros(4, 2, 3).mH.shape
    symgrad.Size([4, 3, 2])
    """
    return _conjugate_transpose(self, "mH")


def adjoint(self: Tensor) -> Tensor:
    """The conjugate transpose of each matrix (the last two dims), as ``mH``.

    >>> import symgrad
    >>> symgrad.zeros(2, 3).adjoint().shape
    symgrad.Size([3, 2])
    """
    return _conjugate_transpose(self, "adjoint()")


Tensor.H = property(_H)  # type: ignore[attr-defined]
Tensor.mH = property(_mH)  # type: ignore[attr-defined]
Tensor.adjoint = adjoint  # type: ignore[attr-defined]
