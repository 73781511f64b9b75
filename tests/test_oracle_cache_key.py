"""The judge's caches of compiled meanings (``oracle/exact.py``'s and ``oracle/certified.py``'s,
keyed by ``oracle.semantics.cache_key``) keep attributes apart that Python takes as equal:
``0.0 == -0.0`` and ``1 == 1.0 == True`` with equal hashes, so a meaning compiled for
``copysign(x, 0.0)`` (|x|) was reused for ``copysign(x, -0.0)`` (-|x|) in the same process, and
the judge gave the second node the first one's values and gradients.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import oracle
import symgrad
from oracle.semantics import cache_key
from symgrad.ops.registry import REGISTRY, apply


def _judge(values, other):
    x = symgrad.tensor(values, dtype=symgrad.float64, requires_grad=True)
    out = apply(REGISTRY["copysign_scalar"], x, other=other)
    weights = symgrad.tensor([1.0] * len(values), dtype=symgrad.float64)
    return oracle.exact_grad(out, x, weights)


@pytest.mark.parametrize("values", [[1.5, -2.0], [1.5, -2.0, 0.0]],
                         ids=["certified", "sympy-at-a-kink"])
@pytest.mark.parametrize("others", [(0.0, -0.0), (-0.0, 0.0)], ids=["plus-first", "minus-first"])
def test_signed_zero_attributes_get_their_own_meanings(values, others):
    # Without a kink the certified path answers (its cache); with x = 0, where |x| has a kink,
    # the SymPy path does (exact.py's cache). Both judged in one process, one after the other.
    for other in others:
        sign = math.copysign(1.0, other)
        r = _judge(values, other)
        assert r.status in ("ok", "kink"), r.reason
        assert [float(v) for v in r.forward] == [sign * abs(v) for v in values], other
        want = [sign * math.copysign(1.0, v) if v else 0.0 for v in values]
        assert [float(v) for v in r.grads[0]] == want, other


def test_cache_key_tells_numbers_apart_by_type_and_bits():
    assert cache_key(0.0) != cache_key(-0.0)
    assert len({cache_key(1), cache_key(1.0), cache_key(True), cache_key(np.float32(1.0))}) == 4
    assert cache_key({"min": 0.0, "max": None}) != cache_key({"min": -0.0, "max": None})
    assert cache_key((1, [0.0])) != cache_key((1, [-0.0]))
    assert cache_key(slice(0, 2)) != cache_key(slice(0.0, 2))
    # equal where the value is the same: a NaN finds its own entry again
    assert cache_key(math.nan) == cache_key(float("nan"))
    assert cache_key({"eps": 1e-5, "dims": (0, 1)}) == cache_key({"dims": (0, 1), "eps": 1e-5})
    assert cache_key(np.int64(3)) == cache_key(3)
    hash(cache_key({"a": [1.0, -0.0, math.nan], "b": np.array([1.0]), "c": slice(None)}))
