"""A gradient that is zero but for one slice: what reading part of a tensor sends back.

``x[t]``, ``x.unbind()`` and ``x.split()`` send back, for each piece read, a gradient of
``x``'s whole shape that is zero outside the piece. Made dense, T pieces cost T arrays of
``x``'s size and T sums over them: a recurrence over the 800 rows of a (800, 32, 64) input
took 539 ms a step where PyTorch's took 15; now 28 (``python benchmarks/slice_loop.py``). In a
backward that records nothing the select, slice, split and unbind nodes' array VJPs instead
give a ``SliceGradient``, and ``run_backward`` adds each into the input's pending gradient in
place, at the slice alone. Anything that reads it as an array (a node's VJP, a hook, ``.grad``)
gets ``dense()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SliceGradient"]


class SliceGradient:
    """Zeros of ``shape`` holding ``values`` at ``key``, not yet made.

    Args:
        shape: The shape of the whole gradient (the input's).
        key: A NumPy basic index (ints and slices, no element read twice) selecting where
            ``values`` go.
        values: The gradient at ``key``: an array of ``dense()[key]``'s shape, in the dtype
            of the whole.

    >>> import numpy as np
    >>> g = SliceGradient((2, 3), (1,), np.array([1.0, 2.0, 3.0]))
    >>> g.dense()
    array([[0., 0., 0.],
           [1., 2., 3.]])
    >>> total = np.ones((2, 3))
    >>> g.add_into(total); total
    array([[1., 1., 1.],
           [2., 3., 4.]])
    """

    __slots__ = ("shape", "key", "values")

    def __init__(self, shape: tuple[int, ...], key: tuple[Any, ...], values: np.ndarray) -> None:
        self.shape = shape
        self.key = key
        self.values = values

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the whole gradient."""
        return self.values.dtype

    def dense(self) -> np.ndarray:
        """The whole gradient as a new array, which nothing else holds."""
        out = np.zeros(self.shape, self.values.dtype)
        out[self.key] = self.values
        return out

    def add_into(self, total: np.ndarray) -> None:
        """Add this gradient into ``total`` (an array of the whole shape and dtype, which the
        caller owns), touching the slice alone: ``total + self.dense()`` but for the sign of
        zeros outside the slice, which a dense sum would make +0."""
        total[self.key] += self.values


def combined(pending: Any, new: Any, owned: bool) -> np.ndarray:
    """``pending + new`` where either is a ``SliceGradient``: one dense array, in place where
    the engine may write (``owned``: it made ``pending`` and nothing else holds it).

    Args:
        pending: The gradient pending before, an array or a ``SliceGradient``.
        new: The gradient a node has just computed, an array or a ``SliceGradient``.
        owned: Whether ``pending`` is the engine's own array.

    >>> import numpy as np
    >>> combined(np.ones(3), SliceGradient((3,), (slice(0, 2),), np.array([1.0, 2.0])), False)
    array([2., 3., 1.])
    """
    if type(pending) is SliceGradient:
        total = pending.dense()
    elif owned:
        total = pending
    else:
        total = np.array(pending, copy=True)
    if type(new) is SliceGradient:
        new.add_into(total)
    else:
        total += new
    return total
