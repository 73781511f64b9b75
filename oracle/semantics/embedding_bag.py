"""Meanings of the embedding bags of ``symgrad/ops/embedding_bag.py``, from PyTorch's
documentation: bag ``b`` holds the indices from ``offsets[b]`` to the next offset (the end of
the input for the last bag, unless ``include_last_offset`` makes the last offset its end),
less those equal to ``padding_idx``; each output row is, per column, the sum of the bag's
rows (each times its per-sample weight), their mean, or their maximum; an empty bag gives 0.

The maximum is a ``select`` meaning (``oracle.semantics.selection``): each output's candidates
are its bag's rows at that column, in the bag's order, a row that repeats counted once (the
maximum of the same element twice is that element). Where rows tie, the engine's declared
convention shares the partial among them jointly, in that order ("left": the bag's first row
holding the maximum, as PyTorch's kernel).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import Kink, defmeaning, kink

__all__: list[str] = []


def _members(indices: Any, offsets: Any, include_last_offset: bool,
             padding_idx: Any) -> list[list[int]]:
    """The positions in ``indices`` each bag holds."""
    indices, offsets = [int(i) for i in indices], [int(o) for o in offsets]
    ends = offsets[1:] + ([] if include_last_offset else [len(indices)])
    return [[p for p in range(start, end) if indices[p] != padding_idx]
            for start, end in zip(offsets, ends, strict=False)]


def _embedding_bag(weight: Any, per_sample_weights: Any = None, *, indices: Any, offsets: Any,
                   include_last_offset: bool, padding_idx: Any, mode: str,
                   **_: Any) -> np.ndarray:
    w = np.asarray(weight, dtype=object)
    bags = _members(indices, offsets, include_last_offset, padding_idx)
    out = np.empty((len(bags), w.shape[1]), dtype=object)
    for b, members in enumerate(bags):
        for c in range(w.shape[1]):
            terms = [w[int(indices[p]), c] * (1 if per_sample_weights is None
                                              else per_sample_weights[p]) for p in members]
            if not terms:
                out[b, c] = sympy.S(0)
            else:
                out[b, c] = sympy.Add(*terms) / (len(terms) if mode == "mean" else 1)
    return out


def _bag_maxima(weight: Any, *, indices: Any, offsets: Any, include_last_offset: bool,
                padding_idx: Any, **_: Any) -> np.ndarray:
    """Per output (bag, column), the candidates of its maximum: the bag's distinct rows at the
    column, in the order the bag first holds them; none for an empty bag (whose output is 0)."""
    w = np.asarray(weight, dtype=object)
    bags = _members(indices, offsets, include_last_offset, padding_idx)
    out = np.empty((len(bags), w.shape[1]), dtype=object)
    for b, members in enumerate(bags):
        rows = list(dict.fromkeys(int(indices[p]) for p in members))
        for c in range(w.shape[1]):
            out[b, c] = tuple(w[r, c] for r in rows)
    return out


_TIE = "two rows of a bag of weight tie for a column's maximum"


def _ties(weight: Any, *, indices: Any, offsets: Any, include_last_offset: bool,
          padding_idx: Any, **_: Any) -> list[Kink]:
    """A bag's column has a kink where two of its distinct rows tie for the maximum."""
    w = np.asarray(weight, dtype=object)
    found = []
    for members in _members(indices, offsets, include_last_offset, padding_idx):
        rows = sorted({int(indices[p]) for p in members})
        for c in range(w.shape[1]):
            found += [kink("weight", w[a, c] - w[b, c], _TIE)
                      for n, a in enumerate(rows) for b in rows[n + 1:]]
    return found


for _name in ("embedding_bag", "embedding_bag_weighted"):
    defmeaning(_name, "structural", _embedding_bag)
defmeaning("embedding_bag_max", "select", _bag_maxima, select="max", labels=_ties)
