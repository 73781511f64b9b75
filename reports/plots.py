"""ULP-error histograms as inline SVG, byte-for-byte the same on every run."""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - after choosing the non-interactive backend
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator  # noqa: E402

from reports._status import dtype_key, number  # noqa: E402

# Bins in decades of ULPs: exact (0), then 10^-1 .. 10^6 and beyond.
_EDGES = [-1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]
_LABELS = ["0", "<1", "1–10", "10–100", "10²–10³", "10³–10⁴", "10⁴–10⁵", "10⁵–10⁶", ">10⁶"]
_RC = {"svg.hashsalt": "symgrad", "svg.fonttype": "path", "font.size": 8}


def _decade(ulps: float) -> float:
    if ulps == 0:
        return -1.0
    if ulps < 1:
        return 0.0
    return min(1.0 + math.floor(math.log10(ulps)), 7.0)


def ulp_histograms(verdicts: list[dict[str, Any]]) -> str:
    """One SVG with a histogram of engine ULP errors per dtype ("" when there are none).

    >>> svg = ulp_histograms([{"dtype": "float32", "elements": [{"ulp_error": 0.5}]}])
    >>> svg.startswith("<svg") and svg == ulp_histograms(
    ...     [{"dtype": "float32", "elements": [{"ulp_error": 0.5}]}])
    True
    >>> ulp_histograms([{"dtype": "$x^{$", "elements": [{"ulp_error": 2}]}])[:4]
    '<svg'
    """
    by_dtype: dict[str, list[float]] = {}
    for v in verdicts:
        for e in v.get("elements") or []:
            u = number(e.get("ulp_error"))
            if u is not None and math.isfinite(u):
                by_dtype.setdefault(str(v.get("dtype")), []).append(_decade(abs(u)))
    if not by_dtype:
        return ""
    names = sorted(by_dtype, key=dtype_key)
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(1, len(names), figsize=(2.6 * len(names) + 0.4, 2.3),
                                 squeeze=False, sharey=False)
        for ax, name in zip(axes[0], names, strict=True):
            ax.hist(by_dtype[name], bins=_EDGES, color="#3f6fb5", rwidth=0.85)
            # The dtype comes from a results file: plain text, never mathtext ("$" would parse).
            ax.set_title(f"{name}  ({len(by_dtype[name])} elements)", parse_math=False)
            ax.set_xticks(range(-1, 8), _LABELS, rotation=60)
            # Log counts so a handful of large errors stays visible next to thousands of exact.
            ax.set_yscale("log")
            ax.set_ylim(bottom=0.7)
            ax.yaxis.set_major_locator(LogLocator(base=10))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_xlabel("engine error, ULPs")
            ax.spines[["top", "right"]].set_visible(False)
        axes[0][0].set_ylabel("elements")
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]

