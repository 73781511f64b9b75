"""Engine adapters: the one place the judges meet an engine (see ``oracle.engines.base``).

An adapter module is imported only when a value of its engine shows up, chosen by the module
its tensor type comes from, so judging symgrad never imports torch and the other way round.

>>> import symgrad
>>> engine_for([symgrad.tensor([1.0])]).name
'symgrad'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from typing import Any

from oracle.engines.base import Case, Engine, MutantCase, OpInfo, Recording, Unsupported

__all__ = ["ADAPTERS", "Case", "Engine", "MutantCase", "OpInfo", "Recording", "Unsupported",
           "engine_for", "get"]

# Engine name -> (the top-level modules its tensor types live in, the adapter's module).
ADAPTERS: dict[str, tuple[tuple[str, ...], str]] = {
    "symgrad": (("symgrad",), "oracle.engines.symgrad_engine"),
    "torch": (("torch",), "oracle.engines.torch_engine"),
}

_LOADED: dict[str, Engine] = {}


def get(name: str) -> Engine:
    """The adapter of the engine called ``name``.

    >>> get("symgrad").name
    'symgrad'
    >>> get("jax")
    Traceback (most recent call last):
    ...
    KeyError: "no engine adapter called 'jax' (adapters: symgrad, torch)"
    """
    if name not in _LOADED:
        if name not in ADAPTERS:
            raise KeyError(f"no engine adapter called {name!r} (adapters: {', '.join(ADAPTERS)})")
        _LOADED[name] = importlib.import_module(ADAPTERS[name][1]).ADAPTER
    return _LOADED[name]


def engine_for(values: Iterable[Any]) -> Engine:
    """The adapter serving the first tensor among ``values`` (NumPy arrays, Python numbers
    and None are no engine's and are passed over). A tensor is known by the package its type
    comes from, or as a subclass of the tensor of an engine already imported.

    >>> import numpy as np
    >>> engine_for([np.ones(2), 3.0])
    Traceback (most recent call last):
    ...
    TypeError: no tensor of an engine among the inputs (got ndarray, float); adapters: ...
    """
    seen = []
    for x in values:
        kind = type(x)
        if x is None or kind.__module__ in ("builtins", "numpy"):
            seen.append(kind.__name__)
            continue
        for adapter in _candidates(kind.__module__.split(".")[0]):
            if adapter.serves(x):
                return adapter
        raise TypeError(
            f"no engine adapter serves {kind.__module__}.{kind.__qualname__} (adapters: "
            f"{', '.join(ADAPTERS)}); an adapter in oracle/engines/ would make it judgeable")
    raise TypeError(f"no tensor of an engine among the inputs (got {', '.join(seen)}); "
                    f"adapters: {', '.join(ADAPTERS)}")


def _candidates(root: str) -> list[Engine]:
    """The adapters that may serve a type from package ``root``: its engine's, else those of
    engines already imported (never importing one to ask)."""
    named = [get(name) for name, (roots, _) in ADAPTERS.items() if root in roots]
    return named or [get(name) for name, (roots, _) in ADAPTERS.items()
                     if any(r in sys.modules for r in roots)]
