"""What a call gives, as plain data the parity tests compare across symgrad and torch."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import pytest


def shape_outcome(call: Any, lib: Any) -> Any:
    """``call(lib)``'s error (class and message), or its result's shape and dtype name; its
    warnings are silenced (the tests that check warnings do so themselves)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e))
    return ("ok", tuple(out.shape), str(out.dtype).split(".")[-1])


def raised(call: Any, lib: Any) -> tuple[str, str]:
    """The class name and message of the error ``call(lib)`` raises (a test fails if it
    raises none)."""
    with pytest.raises(Exception) as info:
        call(lib)
    return type(info.value).__name__, str(info.value)


@contextlib.contextmanager
def native_kernels(lib: Any) -> Iterator[None]:
    """PyTorch's own CPU kernels, which symgrad follows, when ``lib`` is torch: on a CPU with
    AVX512-FP16, float16 convolutions go to oneDNN instead, which sums in another order and
    checks dtypes with other messages (on other CPUs oneDNN is not used for float16)."""
    if lib.__name__ != "torch":
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # oneDNN's flags warn of TF32 on Intel GPUs
        with lib.backends.mkldnn.flags(enabled=False):
            yield
