"""Status order and colours shared by every report: worst first."""

from __future__ import annotations

from typing import Any

from reports.records import SEVERITY, passed

__all__ = ["SEVERITY", "COLOURS", "DTYPE_ORDER", "dtype_key", "rank", "worst_status",
           "passed", "number"]

COLOURS: dict[str, str] = {
    "error": "#7b1fa2",
    "unjudged": "#5c6bc0",
    "engine-wrong": "#c62828",
    "oracle-suspect": "#ef6c00",
    "nonfinite": "#f9a825",
    "oracle-gave-up": "#9e9e9e",
    "unsupported": "#bdbdbd",
    "fd-unreliable": "#81c784",
    "kink": "#4db6ac",
    "ok": "#2e7d32",
}


DTYPE_ORDER: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")


def dtype_key(name: str) -> tuple[int, str]:
    """Sort key: narrow float dtypes first, anything else after, by name."""
    return (DTYPE_ORDER.index(name) if name in DTYPE_ORDER else len(DTYPE_ORDER), name)


def rank(status: str) -> int:
    """Position in ``SEVERITY`` (0 is worst); unknown statuses count as errors."""
    return SEVERITY.index(status) if status in SEVERITY else 0


def worst_status(statuses: list[str]) -> str:
    """The worst of ``statuses`` (``"ok"`` for none).

    Args:
        statuses: Verdict statuses (``"ok"``, ``"kink"``, ``"engine-wrong"``, ...).

    >>> worst_status(["ok", "kink", "engine-wrong"])
    'engine-wrong'
    """
    return min(statuses, key=rank, default="ok")


def number(value: Any) -> float | None:
    """A float from a record field (``"nan"``/``"inf"`` strings included), or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
