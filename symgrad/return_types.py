"""Named tuples returned by functions with several results, as ``torch.return_types``.

Each is a tuple (it unpacks and indexes as one) with named fields, printed as PyTorch prints
its structseqs: the qualified type name, then one ``field=value`` per line.

>>> import symgrad
>>> symgrad.tensor([[1.0, 4.0], [5.0, 2.0]]).max(1)
symgrad.return_types.max(
    values=tensor([4., 5.]),
    indices=tensor([1, 0]))
"""

from __future__ import annotations

from typing import NamedTuple

from symgrad import _dtypes
from symgrad.tensor import Tensor

__all__ = ["max", "min", "sort", "topk", "slogdet", "linalg_slogdet", "linalg_inv_ex",
           # order statistics (symgrad/ops/order_statistics.py)
           "median", "nanmedian", "kthvalue", "mode", "cummax", "cummin", "aminmax",
           "frexp"]


def _repr(self: tuple) -> str:
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self,
                                                                     strict=True))
    return f"{_dtypes.NAMESPACE[0]}.return_types.{type(self).__name__}(\n{fields})"


class max(NamedTuple):  # noqa: A001 - PyTorch's name for it
    """``(values, indices)`` of ``max`` along a dim.

    >>> import symgrad
    >>> values, indices = symgrad.tensor([[1.0, 4.0], [5.0, 2.0]]).max(0)
    >>> values, indices
    (tensor([5., 4.]), tensor([1, 0]))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class min(NamedTuple):  # noqa: A001 - PyTorch's name for it
    """``(values, indices)`` of ``min`` along a dim.

    >>> import symgrad
    >>> result = symgrad.tensor([[1.0, 4.0], [5.0, 2.0]]).min(1)
    >>> result
    symgrad.return_types.min(
    values=tensor([1., 2.]),
    indices=tensor([0, 1]))
    >>> result.indices is result[1]
    True
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


# -- sorting ------------------------------------------------------------------------------------
class sort(NamedTuple):
    """``(values, indices)`` of ``sort``.

    >>> import symgrad
    >>> symgrad.tensor([2.0, 1.0]).sort()
    symgrad.return_types.sort(
    values=tensor([1., 2.]),
    indices=tensor([1, 0]))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class topk(NamedTuple):
    """``(values, indices)`` of ``topk``.

    >>> import symgrad
    >>> symgrad.tensor([2.0, 1.0, 3.0]).topk(1).indices
    tensor([2])
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


# -- determinants and inverses (symgrad.linalg) ---------------------------------------------------
class slogdet(NamedTuple):
    """``(sign, logabsdet)`` of ``symgrad.slogdet``.

    >>> import symgrad
    >>> symgrad.slogdet(symgrad.tensor([[0.0, 2.0], [1.0, 0.0]]))
    symgrad.return_types.slogdet(
    sign=tensor(-1.),
    logabsdet=tensor(0.6931))
    """

    sign: Tensor
    logabsdet: Tensor

    __repr__ = _repr


class linalg_slogdet(NamedTuple):
    """``(sign, logabsdet)`` of ``symgrad.linalg.slogdet``.

    >>> import symgrad
    >>> symgrad.linalg.slogdet(symgrad.tensor([[2.0, 0.0], [0.0, 3.0]])).logabsdet
    tensor(1.7918)
    """

    sign: Tensor
    logabsdet: Tensor

    __repr__ = _repr


class linalg_inv_ex(NamedTuple):
    """``(inverse, info)`` of ``symgrad.linalg.inv_ex``.

    >>> import symgrad
    >>> symgrad.linalg.inv_ex(symgrad.tensor([[2.0, 0.0], [0.0, 4.0]])).inverse
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """

    inverse: Tensor
    info: Tensor

    __repr__ = _repr


def out_type(kind: type) -> type:
    """The named tuple PyTorch returns when the results were written into ``out=``: the same
    fields under the name with ``_out`` added (``max_out``), made once per kind.

    Args:
        kind: One of the named tuples above.

    >>> out_type(max)._fields, out_type(max) is out_type(max)
    (('values', 'indices'), True)
    """
    name = kind.__name__ + "_out"
    made = _OUT_TYPES.get(name)
    if made is None:
        made = NamedTuple(name, [(f, Tensor) for f in kind._fields])  # type: ignore[misc]
        made.__repr__ = _repr
        made.__module__ = __name__
        _OUT_TYPES[name] = made
    return made


_OUT_TYPES: dict[str, type] = {}


# -- order statistics (symgrad/ops/order_statistics.py) ------------------------------------------
class median(NamedTuple):
    """``(values, indices)`` of ``median`` along a dim.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 4.0], [5.0, 2.0]]).median(1)
    symgrad.return_types.median(
    values=tensor([1., 2.]),
    indices=tensor([0, 1]))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class nanmedian(NamedTuple):
    """``(values, indices)`` of ``nanmedian`` along a dim.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 4.0], [5.0, 2.0]]).nanmedian(0)
    symgrad.return_types.nanmedian(
    values=tensor([1., 2.]),
    indices=tensor([0, 1]))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class kthvalue(NamedTuple):
    """``(values, indices)`` of ``kthvalue``.

    >>> import symgrad
    >>> symgrad.tensor([3.0, 1.0, 2.0]).kthvalue(2)
    symgrad.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class mode(NamedTuple):
    """``(values, indices)`` of ``mode``.

    >>> import symgrad
    >>> symgrad.tensor([3.0, 1.0, 3.0]).mode()
    symgrad.return_types.mode(
    values=tensor(3.),
    indices=tensor(2))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class cummax(NamedTuple):
    """``(values, indices)`` of ``cummax``.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 3.0, 2.0]).cummax(0)
    symgrad.return_types.cummax(
    values=tensor([1., 3., 3.]),
    indices=tensor([0, 1, 1]))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class cummin(NamedTuple):
    """``(values, indices)`` of ``cummin``.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 3.0, 0.0]).cummin(0)
    symgrad.return_types.cummin(
    values=tensor([1., 1., 0.]),
    indices=tensor([0, 0, 2]))
    """

    values: Tensor
    indices: Tensor

    __repr__ = _repr


class aminmax(NamedTuple):
    """``(min, max)`` of ``aminmax``.

    >>> import symgrad
    >>> symgrad.tensor([2.0, 1.0, 3.0]).aminmax()
    symgrad.return_types.aminmax(
    min=tensor(1.),
    max=tensor(3.))
    """

    min: Tensor
    max: Tensor

    __repr__ = _repr


class frexp(NamedTuple):
    """``(mantissa, exponent)`` of ``frexp`` (symgrad/ops/sgn_dist_frexp.py).

    >>> import symgrad
    >>> mantissa, exponent = symgrad.frexp(symgrad.tensor([3.0]))
    >>> mantissa, exponent
    (tensor([0.7500]), tensor([2], dtype=symgrad.int32))
    """

    mantissa: Tensor
    exponent: Tensor

    __repr__ = _repr
