"""The judge on PyTorch's own gradients of the activations added in session 14, through the
torch adapter's rules for ATen's ``hardsigmoid``, ``hardswish`` and ``mish``: PyTorch's float64
``hardsigmoid`` gradient multiplies by float32's 1/6 (0.16666667163...), 2.6e8 ULP off in
float64, and the judge says so; symgrad's g / 6 passes, and so does everything else here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402
from oracle import crosscheck  # noqa: E402

INSIDE = np.linspace(-2.9, 2.9, 7)  # hardsigmoid's linear part, its kinks at +-3 left out


def _verdict(lib: Any, name: str, dtype: str) -> Any:
    x = lib.tensor(INSIDE, dtype=getattr(lib, dtype), requires_grad=True)
    return crosscheck(lambda x: getattr(lib.nn.functional, name)(x), [x])


def test_the_judge_finds_pytorchs_float64_hardsigmoid_gradient_wrong() -> None:
    verdict = _verdict(torch, "hardsigmoid", "float64")
    assert verdict.status == "engine-wrong"
    assert verdict.max_ulp_error > 1e8
    assert _verdict(symgrad, "hardsigmoid", "float64").status == "ok"


@pytest.mark.parametrize("lib", [torch, symgrad], ids=["torch", "symgrad"])
@pytest.mark.parametrize("name, dtype", [("hardsigmoid", "float32"), ("hardswish", "float64"),
                                         ("hardswish", "float32"), ("mish", "float64"),
                                         ("mish", "float32")])
def test_the_judge_passes_these_gradients(lib: Any, name: str, dtype: str) -> None:
    assert _verdict(lib, name, dtype).status == "ok"
