"""``repr`` of tensors, laid out as PyTorch lays them out (by default precision 4, width 80),
and ``set_printoptions`` to change that as PyTorch's does."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from symgrad import _dtypes
from symgrad.autograd import forward_ad as _forward_ad
from symgrad.autograd.graph import InvalidViewNode

if TYPE_CHECKING:
    from symgrad.tensor import Tensor



@dataclass
class _Options:
    """How tensors print: digits after the point, the element count above which only the
    first and last ``edgeitems`` of each dimension show, the line width, and scientific
    notation forced on (True), off (False) or chosen by the values (None)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


OPTIONS = _Options()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Change how tensors print, for the rest of the process, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (4 by default).
        threshold: the element count above which a tensor is summarized (1000).
        edgeitems: how many leading and trailing items of each dimension a summary shows (3).
        linewidth: the characters per line before a line breaks (80).
        profile: a preset applied first, then overridden by the arguments given: ``"default"``,
            ``"short"`` (precision 2, 2 edge items) or ``"full"`` (never summarized). Another
            name is ignored, as in PyTorch.
        sci_mode: True or False forces scientific notation on or off; None (the default, and
            what each call sets unless it says otherwise) lets the values decide.

    >>> import symgrad
    >>> symgrad.set_printoptions(precision=2)
    >>> symgrad.tensor([1.12345])
    tensor([1.12])
    >>> symgrad.set_printoptions(profile="default")
    >>> symgrad.tensor([1.12345])
    tensor([1.1235])
    """
    if profile in _PROFILES:
        (OPTIONS.precision, OPTIONS.threshold, OPTIONS.edgeitems,
         OPTIONS.linewidth) = _PROFILES[profile]
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


class _Formatter:
    """Chooses integer, fixed or scientific notation and one width for every element."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        absolute = np.abs(finite)
        lo, hi = float(absolute.min()), float(absolute.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
                         if OPTIONS.sci_mode is None else OPTIONS.sci_mode)
        # A float tensor of whole numbers prints "3." where it is not scientific: one more.
        extra = 1 if self.int_mode and not self.sci_mode else 0
        for v in finite.tolist():
            self.max_width = max(self.max_width, len(self._plain(v)) + extra)

    def _plain(self, v: float) -> str:
        if self.sci_mode:
            return f"{v:.{OPTIONS.precision}e}"
        if self.int_mode:
            return f"{v:.0f}"
        return f"{v:.{OPTIONS.precision}f}"

    def format(self, v: float | int | bool) -> str:
        if self.floating:
            if self.sci_mode:
                s = f"{v:{self.max_width}.{OPTIONS.precision}e}"
            elif self.int_mode:
                s = f"{v:.0f}"
                if not (math.isinf(v) or math.isnan(v)):
                    s += "."
            else:
                s = f"{v:.{OPTIONS.precision}f}"
        else:
            s = str(v)
        return (self.max_width - len(s)) * " " + s


def _summarized(values: np.ndarray) -> np.ndarray:
    if values.ndim == 0:
        return values
    if values.shape[0] > 2 * OPTIONS.edgeitems:
        values = np.concatenate([values[:OPTIONS.edgeitems], values[-OPTIONS.edgeitems:]])
    return np.stack([_summarized(v) for v in values]) if values.ndim > 1 else values


def _vector(values: np.ndarray, indent: int, fmt: _Formatter, summarize: bool) -> str:
    per_line = max(1, math.floor((OPTIONS.linewidth - indent) / (fmt.max_width + 2)))
    items = values.tolist()
    if summarize and len(items) > 2 * OPTIONS.edgeitems:
        strs = [fmt.format(v) for v in items[:OPTIONS.edgeitems]] + [" ..."] + [
            fmt.format(v) for v in items[-OPTIONS.edgeitems:]
        ]
    else:
        strs = [fmt.format(v) for v in items]
    lines = [", ".join(strs[i : i + per_line]) for i in range(0, len(strs), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(values: np.ndarray, indent: int, fmt: _Formatter, summarize: bool) -> str:
    if values.ndim == 0:
        return fmt.format(values.item())
    if values.ndim == 1:
        return _vector(values, indent, fmt, summarize)
    n = values.shape[0]
    if summarize and n > 2 * OPTIONS.edgeitems:
        edge = OPTIONS.edgeitems
        shown = [*range(edge), None, *range(n - edge, n)]
        parts = ["..." if i is None else _nested(values[i], indent + 1, fmt, summarize)
                 for i in shown]
    else:
        parts = [_nested(values[i], indent + 1, fmt, summarize) for i in range(n)]
    sep = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def _add_suffixes(body: str, suffixes: list[str], indent: int) -> str:
    parts = [body]
    last = len(body) - body.rfind("\n") + 1
    for suffix in suffixes:
        # Measured as PyTorch's "torch.float64" so lines break where PyTorch breaks them.
        size = len(suffix.replace("symgrad.", "torch."))
        if last + size + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + size
        else:
            parts.append(", " + suffix)
            last += size + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t: Tensor) -> str:
    """``tensor([...], dtype=..., grad_fn=<...>)`` as PyTorch prints the same tensor."""
    prefix = "tensor("
    indent = len(prefix)
    d = t.dtype
    values = t._data
    floating = d.category == _dtypes._FLOAT
    if floating and values.dtype != np.float64:
        values = values.astype(np.float64)
    suffixes: list[str] = []
    default = d in (_dtypes.get_default_dtype(), _dtypes.int64, _dtypes.bool)
    if values.size == 0:
        # An empty tensor cannot show its dtype through its values: only the default is implied.
        default = d is _dtypes.get_default_dtype()
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        body = "[]"
    else:
        summarize = values.size > OPTIONS.threshold
        fmt = _Formatter(_summarized(values) if summarize else values, floating)
        body = _nested(values, indent, fmt, summarize)
    if not default:
        suffixes.append(f"dtype={d!r}")
    if t._fn is not None:
        # PyTorch prints C++-only nodes (CopySlices) without their namespace; an invalid
        # view's node, which raises when read as ``grad_fn``, as ``Invalid``.
        node = t._fn if isinstance(t._fn, InvalidViewNode) else t.grad_fn
        suffixes.append(f"grad_fn=<{node.name().removeprefix('torch::autograd::')}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    tangent = _forward_ad.tangent_of(t) if _forward_ad.LEVEL[0] is not None else None
    if tangent is not None:
        suffixes.append(f"tangent={tensor_repr(tangent)}")
    return _add_suffixes(prefix + body, suffixes, indent)
