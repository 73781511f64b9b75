"""Parameters held in a list or a dict: ``ParameterList`` and ``ParameterDict``, each a module
whose entries are registered as its parameters (named by position or key), as in PyTorch.

>>> import symgrad
>>> class Mixture(symgrad.nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.weights = symgrad.nn.ParameterList([symgrad.ones(2), symgrad.zeros(3)])
>>> [name for name, _ in Mixture().named_parameters()]
['weights.0', 'weights.1']
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["ParameterList", "ParameterDict"]


def _entry(key: object, value: Any, legacy_type: bool) -> str:
    """One line of the containers' ``extra_repr``: a tensor's kind, type and size."""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    size = "x".join(str(n) for n in value.shape)
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    # ParameterDict prints the legacy type name (torch.FloatTensor), ParameterList the dtype.
    of = value.type() if legacy_type else value.dtype
    return f"  ({key}): {kind} containing: [{of} of size {size}]"


def _as_parameter(value: Any) -> Any:
    """A tensor entry becomes a Parameter (requiring grad); other objects stay as they are."""
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(
        value, Parameter) else value


class ParameterList(Module):
    """Parameters in a list, registered as this module's (named ``"0"``, ``"1"``, ...): index,
    slice, iterate, append, extend. A tensor added becomes a Parameter.

    Parameters:
        values: the entries to start with.

    >>> import symgrad
    >>> params = symgrad.nn.ParameterList([symgrad.ones(2)])
    >>> _ = params.append(symgrad.zeros(1)); params[1].requires_grad, len(params)
    (True, 2)
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _name(self, index: int) -> str:
        index = operator.index(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range")
        return str(index % len(self))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(self[i] for i in range(*index.indices(len(self))))
        return getattr(self, self._name(index))

    def __setitem__(self, index: int, value: Any) -> None:
        setattr(self, self._name(index), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a tensor as a Parameter); returns the list.

        Args:
            value: The entry added.

        >>> import symgrad
        >>> len(symgrad.nn.ParameterList().append(symgrad.ones(1)))
        1
        """
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Add each of ``values`` at the end; returns the list.

        Args:
            values: An iterable of entries (not a tensor, which would be unpacked).

        >>> import symgrad
        >>> len(symgrad.nn.ParameterList().extend([symgrad.ones(1), symgrad.ones(2)]))
        2
        """
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """A line per entry: its kind, dtype and size.

        >>> import symgrad
        >>> print(symgrad.nn.ParameterList([symgrad.ones(2, 3)]).extra_repr())
          (0): Parameter containing: [symgrad.float32 of size 2x3]
        """
        return "\n".join(_entry(i, p, legacy_type=False) for i, p in enumerate(self))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """Parameters by name, registered as this module's under their keys, in insertion order (a
    plain dict given at once is taken in sorted order, as PyTorch takes it). A tensor added
    becomes a Parameter.

    Parameters:
        parameters: ``key -> value`` pairs to start with (a mapping or an iterable of pairs).

    >>> import symgrad
    >>> params = symgrad.nn.ParameterDict({"scale": symgrad.ones(1)})
    >>> params["shift"] = symgrad.zeros(1)
    >>> list(params), "scale" in params, params["shift"].requires_grad
    (['scale', 'shift'], True, True)
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _checked(key: object) -> str:
        if not isinstance(key, str):
            raise TypeError("Index given to ParameterDict cannot be used as a key as it is not a "
                            f"string (type is '{type(key).__name__}'). Open an issue on github if "
                            "you need non-string keys.")
        return key

    def __getitem__(self, key: str) -> Any:
        return getattr(self, self._checked(key))

    def __setitem__(self, key: str, value: Any) -> None:
        self._keys[key] = None
        setattr(self, self._checked(key), _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        for table in (self._parameters, self.__dict__):
            table.pop(key, None)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        """The keys, in order.

        >>> import symgrad
        >>> list(symgrad.nn.ParameterDict({"b": symgrad.ones(1), "a": symgrad.ones(1)}).keys())
        ['a', 'b']
        """
        return self._keys.keys()

    def values(self) -> Iterator[Any]:
        """The entries, in the keys' order.

        >>> import symgrad
        >>> [p.shape for p in symgrad.nn.ParameterDict({"w": symgrad.ones(2)}).values()]
        [symgrad.Size([2])]
        """
        return (self[k] for k in self._keys)

    def items(self) -> Iterator[tuple[str, Any]]:
        """``(key, entry)`` pairs, in order.

        >>> import symgrad
        >>> [k for k, _ in symgrad.nn.ParameterDict({"w": symgrad.ones(2)}).items()]
        ['w']
        """
        return ((k, self[k]) for k in self._keys)

    def get(self, key: str, default: Any = None) -> Any:
        """The entry under ``key``, or ``default`` when there is none.

        Args:
            key: The name looked up.
            default: What to return without such an entry. Defaults to None.

        >>> import symgrad
        >>> symgrad.nn.ParameterDict().get("w", 0)
        0
        """
        return self[key] if key in self else default  # noqa: SIM401 - this is get

    def pop(self, key: str) -> Any:
        """Remove the entry under ``key`` and return it.

        Args:
            key: The name removed.

        >>> import symgrad
        >>> params = symgrad.nn.ParameterDict({"w": symgrad.ones(1)})
        >>> params.pop("w").shape, len(params)
        (symgrad.Size([1]), 0)
        """
        value = self[key]
        del self[key]
        return value

    def update(self, parameters: Any) -> None:
        """Add or replace entries: from a ParameterDict or an ordered mapping in its order,
        from a plain dict in sorted key order (as PyTorch), or from ``(key, value)`` pairs.

        Args:
            parameters: The entries.

        >>> import symgrad
        >>> params = symgrad.nn.ParameterDict()
        >>> params.update([("b", symgrad.ones(1)), ("a", symgrad.ones(1))]); list(params)
        ['b', 'a']
        """
        if not isinstance(parameters, Iterable):
            raise TypeError("ParametersDict.update should be called with an iterable of key/value "
                            "pairs, but got " + type(parameters).__name__)
        if isinstance(parameters, ParameterDict) or type(parameters).__name__ == "OrderedDict":
            pairs: Iterable[Any] = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = list(parameters)
            for j, pair in enumerate(pairs):
                if not isinstance(pair, Iterable):
                    raise TypeError(f"ParameterDict update sequence element #{j} should be "
                                    f"Iterable; is{type(pair).__name__}")
                if len(pair) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{j} has length "
                                     f"{len(pair)}; 2 is required")
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        """A line per entry: its kind, legacy type name and size.

        >>> import symgrad
        >>> print(symgrad.nn.ParameterDict({"w": symgrad.ones(2)}).extra_repr())
          (w): Parameter containing: [torch.FloatTensor of size 2]
        """
        return "\n".join(_entry(k, p, legacy_type=True) for k, p in self.items())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called.")
