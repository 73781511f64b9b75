"""Meanings of the multi-class hinge losses of ``symgrad/ops/losses_margin.py``, written from
their definitions in PyTorch's documentation (never the engine's slopes).

``multi_margin_loss``: per sample ``x`` with target class ``y`` among ``C``,
``sum over d != y of w[y] max(0, margin - x[y] + x[d]) ** p / C``. ``multilabel_margin_loss``:
per sample, with targets ``J`` (the target's entries before its first -1, repeats counted),
``sum over j in J, i not in J of max(0, 1 - (x[j] - x[i])) / C``. Both reduced over the
samples. A hinge ``max(0, z)`` is written ``Piecewise((z, z > 0), (0, True))``: its derivative
at the kink ``z = 0`` is 0, as PyTorch's backward has it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from sympy import Piecewise

from oracle.semantics import defmeaning, num
from oracle.semantics.nn import _reduced

__all__: list[str] = []


def _hinge(z: Any, p: int = 1) -> Any:
    return Piecewise((z if p == 1 else z**2, z > 0), (0, True))


def _samples(self: Any) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    return x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)


def _multi_margin_loss(self: Any, target: Any, weight: Any, *, p: int, margin: Any,
                       reduction: str, **_: Any) -> np.ndarray:
    x = _samples(self)
    ys = np.asarray(target, dtype=np.int64).reshape(-1)
    w = np.asarray(weight, dtype=object)
    classes = x.shape[1]
    losses = np.empty(len(ys), dtype=object)
    for n, y in enumerate(ys):
        terms = [_hinge(num(margin) - x[n, y] + x[n, d], p) for d in range(classes) if d != y]
        losses[n] = w[y] * sympy.Add(*terms) / classes
    shape = (len(ys),) if np.ndim(self) == 2 else np.shape(target)
    return _reduced(losses.reshape(shape), reduction)


def _multilabel_margin_loss(self: Any, target: Any, *, reduction: str, **_: Any) -> np.ndarray:
    x = _samples(self)
    classes = x.shape[1]
    labels = np.asarray(target, dtype=np.int64).reshape(-1, classes)
    losses = np.empty(len(labels), dtype=object)
    for n, row in enumerate(labels):
        targets = []
        for c in row:
            if c == -1:
                break
            targets.append(int(c))
        others = [i for i in range(classes) if i not in targets]
        terms = [_hinge(1 - (x[n, j] - x[n, i])) for j in targets for i in others]
        losses[n] = sympy.Add(*terms) / classes
    return _reduced(losses.reshape((len(labels),) if np.ndim(self) == 2 else ()), reduction)


defmeaning("multi_margin_loss", "structural", _multi_margin_loss, index_args=("target",))
defmeaning("multilabel_margin_loss", "structural", _multilabel_margin_loss,
           index_args=("target",))
