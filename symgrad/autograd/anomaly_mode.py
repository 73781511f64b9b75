"""Anomaly detection, as ``torch.autograd.detect_anomaly``: each node remembers where the
forward made it, and a backward that meets a NaN says which node made it and where.

Anomaly mode is one process-wide switch, as PyTorch's (not per thread, as grad mode is). While
it is on, every node recorded keeps the traceback of the forward call that made it, and a
backward raises RuntimeError as soon as a node's gradient holds a NaN (with ``check_nan``),
after warning with that node's forward traceback; any other error a node's backward raises is
preceded by the same warning.

>>> import warnings
>>> import symgrad
>>> x = symgrad.tensor([0.0, 1.0], requires_grad=True)
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     with symgrad.autograd.detect_anomaly():
...         y = (x.sqrt() * 0).sum()
...         y.backward()
Traceback (most recent call last):
...
RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.
"""

from __future__ import annotations

import os
import traceback
import warnings
import weakref
from typing import Any

import numpy as np

from symgrad import _dtypes

__all__ = ["detect_anomaly", "set_detect_anomaly"]


class _State:
    """The switch: whether anomaly mode is on and whether it checks for NaN (read and set by
    ``symgrad.is_anomaly_enabled`` and the others in ``switches.py``)."""

    enabled = False
    check_nan = True


_state = _State()
# The forward traceback of each node recorded while anomaly mode was on (nodes hash by
# identity; the entry goes with its node).
_TRACEBACKS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class set_detect_anomaly:
    """Turn anomaly detection on or off now; as a context manager, the setting before it comes
    back on exit.

    Args:
        mode: On (True) or off (False).
        check_nan: Whether a NaN in a node's gradient raises. Defaults to True.

    >>> import symgrad
    >>> with symgrad.autograd.set_detect_anomaly(True):
    ...     symgrad.is_anomaly_enabled()
    True
    >>> symgrad.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        from symgrad.switches import set_anomaly_enabled  # PyTorch's checks of the arguments

        self._prev = (_state.enabled, _state.check_nan)
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _state.enabled, _state.check_nan = self._prev


class detect_anomaly:
    """A context manager that turns anomaly detection on inside it, warning (as PyTorch does)
    that it slows everything down.

    Args:
        check_nan: Whether a NaN in a node's gradient raises. Defaults to True.

    >>> import warnings
    >>> import symgrad
    >>> with warnings.catch_warnings(record=True):
    ...     with symgrad.autograd.detect_anomaly():
    ...         symgrad.is_anomaly_enabled()
    True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self._prev = (_state.enabled, _state.check_nan)
        self._check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        _state.enabled, _state.check_nan = True, self._check_nan

    def __exit__(self, *exc: object) -> None:
        _state.enabled, _state.check_nan = self._prev


def remember(node: Any) -> None:
    """Keep the traceback of the forward call making ``node`` (called while anomaly mode is
    on): the user's frames, the engine's own left out."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not os.path.abspath(f.filename).startswith(_PACKAGE + os.sep)]
    _TRACEBACKS[node] = "".join(traceback.format_list(frames))


def warn_error_in(node: Any) -> None:
    """PyTorch's warning before an error in ``node``'s backward: its name and the traceback of
    the forward call that made it."""
    from symgrad.autograd.graph import dressed  # the graph imports this module

    name = dressed(node).name()
    made = _TRACEBACKS.get(node)
    if made is None:
        warnings.warn(f"Error detected in {name}. No forward pass information available. "
                      "Enable detect anomaly during forward pass for more information.",
                      stacklevel=3)
    else:
        warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the "
                      f"error:\n{made}", stacklevel=3)


def check_nan(node: Any, grads: Any, keep: Any) -> None:
    """PyTorch's RuntimeError when a gradient ``node``'s backward returned holds a NaN. Only
    the gradients PyTorch would compute count: those of inputs that require grad (a node), and
    that lead to a gradient asked for (in ``keep``, when the backward is restricted).

    Args:
        node: The node that ran.
        grads: Its gradients, one per input (arrays, tensors or None).
        keep: The nodes the backward runs (``autograd.grad``'s), or None for all.
    """
    from symgrad.autograd.graph import Node, dressed

    for i, (x, g) in enumerate(zip(node.inputs, grads, strict=False)):
        if g is None or not isinstance(x, Node) or keep is not None and x not in keep:
            continue
        a = getattr(g, "_data", None)
        a = getattr(g, "values", g) if a is None else a  # a SliceGradient's stored values
        if isinstance(a, np.ndarray) and a.dtype in _dtypes._FLOAT_NP and np.isnan(a).any():
            raise RuntimeError(f"Function '{dressed(node).name()}' returned nan values in its "
                               f"{i}th output.")
