"""How a ``DataLoader`` turns a list of samples into a batch (``default_collate``), and what it
does to samples it does not batch (``default_convert``), by PyTorch's rules: tensors are
stacked, NumPy arrays and numbers become tensors, and dicts, named tuples and sequences are
collated field by field."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.creation import as_tensor
from symgrad.ops.shape import stack
from symgrad.tensor import Tensor, tensor

__all__ = ["default_collate", "default_convert"]

# NumPy dtypes that hold strings or Python objects (``dtype.str`` such as '<U3', '|O'): no
# tensor can hold them.
_STRINGS_OR_OBJECTS = re.compile(r"[SaUO]")
_FOUND = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")


def _rebuilt(like: Any, parts: Callable[[], Any], items: Sequence[Any] | Mapping[Any, Any]
             ) -> Any:
    """A container of ``like``'s type holding ``items`` (a mutable one copied then filled,
    so a subclass keeps its extra attributes); a plain list or dict where the type allows
    neither."""
    try:
        if isinstance(like, MutableMapping):
            clone = copy.copy(like)
            clone.update(items)
            return clone
        if isinstance(like, MutableSequence):
            clone = copy.copy(like)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(like)(items)
    except TypeError:
        return parts()


def _is_numpy(value: Any) -> bool:
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ not in ("str_", "string_")


def default_convert(data: Any) -> Any:
    """``data`` with every NumPy array and NumPy number in it made a tensor (inside dicts,
    named tuples and sequences too); everything else left as it is. A tuple comes back as a
    list, as in PyTorch.

    Args:
        data: one sample, as a dataset returned it.

    >>> import numpy as np
    >>> default_convert({"x": np.array([1.0, 2.0]), "n": 3})
    {'x': tensor([1., 2.], dtype=symgrad.float64), 'n': 3}
    """
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if isinstance(data, np.ndarray) and _STRINGS_OR_OBJECTS.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        return _rebuilt(data, lambda: converted, converted)
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        converted_items = [default_convert(d) for d in data]
        return _rebuilt(data, lambda: converted_items, converted_items)
    return data


def _collate_leaf(batch: list[Any]) -> Any:
    """A batch of tensors, arrays, numbers or strings as PyTorch batches it; None for a batch
    of containers (or of anything else)."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch, 0)
    if isinstance(first, np.ndarray):
        if _STRINGS_OR_OBJECTS.search(first.dtype.str):
            raise TypeError(_FOUND.format(first.dtype))
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(first, np.bool_ | np.number | np.object_):
        return as_tensor(np.array(batch))
    if isinstance(first, float):
        return tensor(batch, dtype=_dtypes.float64)
    if isinstance(first, int):  # bool too: a bool tensor
        return tensor(batch)
    if isinstance(first, str | bytes):
        return batch
    return None


def default_collate(batch: list[Any]) -> Any:
    """A list of samples as one batch: tensors stacked along a new first dimension, NumPy
    arrays and numbers made tensors (Python floats float64, ints int64), strings kept as a
    list, and dicts, named tuples and sequences collated field by field (a tuple's fields come
    back as a list, as in PyTorch).

    Args:
        batch: the samples, as the dataset returned them.

    >>> import symgrad
    >>> default_collate([(symgrad.tensor([1.0, 2.0]), 0), (symgrad.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    """
    first = batch[0]
    leaf = _collate_leaf(batch)
    if leaf is not None:
        return leaf
    if isinstance(first, Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in first}
        return _rebuilt(first, lambda: fields, fields)
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
        return type(first)(*(default_collate(list(f)) for f in zip(*batch, strict=False)))
    if isinstance(first, Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(f)) for f in zip(*batch, strict=True)]
        if isinstance(first, tuple):
            return columns
        return _rebuilt(first, lambda: columns, columns)
    raise TypeError(_FOUND.format(type(first)))
