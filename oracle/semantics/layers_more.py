"""``channel_shuffle`` (moves channels) and randomized leaky ReLU's ``rrelu_with_noise`` with
its backward operator (helper misc).

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

from oracle.semantics import MEANINGS, defmeaning  # noqa: F401 - the doctest reads MEANINGS
from oracle.semantics.elementwise import elementwise

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
