"""What a call gives, as plain data the parity tests compare across symgrad and torch."""

from __future__ import annotations

import warnings
from typing import Any


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
