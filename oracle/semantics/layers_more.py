"""``channel_shuffle`` (moves channels), randomized leaky ReLU's ``rrelu_with_noise`` with
its backward operator, and adaptive max pooling with its backward operator (helper misc).

``channel_shuffle(self, groups)``: output channel ``j`` of ``C`` is input channel
``(j mod groups) C / groups + floor(j / groups)``, written here element by element from that
rule. ``rrelu_with_noise(self, noise)`` is ``self * noise``: the noise holds the drawn slopes
where ``self <= 0`` and 1 elsewhere, a constant; its backward operator is
``grad_output * noise``.

>>> import numpy as np
>>> MEANINGS["channel_shuffle"].fn(np.arange(6).reshape(1, 6, 1), groups=3).ravel().tolist()
[0, 2, 4, 1, 3, 5]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import MEANINGS, defmeaning, kink  # noqa: F401 - the doctest: MEANINGS
from oracle.semantics.backward import _first_max
from oracle.semantics.elementwise import elementwise
from oracle.semantics.pooling import TIE, _adaptive_windows, _planes

__all__: list[str] = []


def _channel_shuffle(self: Any, *, groups: int) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    c = x.shape[1]
    out = np.empty_like(x)
    for j in range(c):
        out[:, j] = x[:, (j % groups) * (c // groups) + j // groups]
    return out


defmeaning("channel_shuffle", "index", _channel_shuffle)
elementwise("rrelu_with_noise", lambda self, noise: self * noise)
elementwise("rrelu_with_noise_backward", lambda grad_output, self, noise: grad_output * noise)


# -- adaptive max pooling: the maximum of each adaptive window ------------------------------------
def _adaptive_candidates(self: Any, *, output_size: Any, **_: Any) -> np.ndarray:
    """Per output element, the tuple of its window's elements, in row-major order: rows
    ``floor(i H / oh)`` to ``ceil((i + 1) H / oh)``, the columns likewise."""
    h, w = np.shape(self)[-2:]
    rows, cols = _adaptive_windows(h, output_size[0]), _adaptive_windows(w, output_size[1])

    def plane(p: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), len(cols)), dtype=object)
        for i, rs in enumerate(rows):
            for j, cs in enumerate(cols):
                out[i, j] = tuple(p[r, c] for r in rs for c in cs)
        return out

    return _planes(self, plane)


def _adaptive_ties(self: Any, **attrs: Any) -> list[Any]:
    found = []
    for cands in np.asarray(_adaptive_candidates(self, **attrs), dtype=object).flat:
        top = sympy.Max(*cands)
        found += [kink("self", sympy.Abs(top - a) + sympy.Abs(top - b), TIE)
                  for n, a in enumerate(cands) for b in cands[n + 1:]]
    return found


def _adaptive_max_pool2d_backward(grad_output: Any, self: Any, **attrs: Any) -> np.ndarray:
    """The VJP of the ``adaptive_max_pool2d`` meaning in ``self``: each window's
    ``grad_output`` times the derivative of its maximum in each element, summed over the
    windows sharing it."""
    shape = np.shape(self)
    n = int(np.prod(shape, dtype=np.int64))
    flat = np.asarray(self, dtype=object).reshape(-1)
    positions = np.array([sympy.Integer(i) for i in range(n)] + [None],
                         dtype=object)[:-1].reshape(shape)
    windows = np.asarray(_adaptive_candidates(positions, **attrs), dtype=object)
    g = np.broadcast_to(np.asarray(grad_output, dtype=object), windows.shape)
    terms: list[list[Any]] = [[] for _ in range(n)]
    for gi, ps in zip(g.flat, windows.flat, strict=True):
        cands = tuple(flat[int(p)] for p in ps)
        for j, p in enumerate(ps):
            terms[int(p)].append(gi * _first_max(cands, j))
    return np.array([sympy.Add(*t) for t in terms] + [None], dtype=object)[:-1].reshape(shape)


defmeaning("adaptive_max_pool2d", "select", _adaptive_candidates, select="max",
           labels=_adaptive_ties)
defmeaning("adaptive_max_pool2d_backward", "structural", _adaptive_max_pool2d_backward,
           labels=lambda grad_output, self, **attrs: _adaptive_ties(self, **attrs))


# -- max unpooling: each element put back at its index, zeros elsewhere ----------------------------
def _max_unpool2d(self: Any, *, indices: Any, output_size: Any, **_: Any) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    lead = x.shape[:-2]
    planes = int(np.prod(lead, dtype=np.int64))
    area = output_size[0] * output_size[1]
    out = np.full((planes, area), sympy.Integer(0), dtype=object)
    flat, idx = x.reshape(planes, -1), np.asarray(indices).reshape(planes, -1)
    for p in range(planes):
        for j in range(flat.shape[1]):  # in order: the last written to a place stays
            out[p, int(idx[p, j])] = flat[p, j]
    return out.reshape(lead + tuple(output_size))


defmeaning("max_unpool2d", "structural", _max_unpool2d)
