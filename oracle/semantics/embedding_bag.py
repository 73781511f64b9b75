"""Meanings of the embedding bags of ``symgrad/ops/embedding_bag.py``, from PyTorch's
documentation: bag ``b`` holds the indices from ``offsets[b]`` to the next offset (the end of
the input for the last bag, unless ``include_last_offset`` makes the last offset its end),
less those equal to ``padding_idx``; each output row is, per column, the sum of the bag's
rows (each times its per-sample weight), their mean, or their maximum; an empty bag gives 0.
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
            elif mode == "max":
                out[b, c] = sympy.Max(*terms)
            else:
                out[b, c] = sympy.Add(*terms) / (len(terms) if mode == "mean" else 1)
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
defmeaning("embedding_bag_max", "structural", _embedding_bag, kinks=_ties)
