"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network).

Every string from a results file is escaped by Jinja2's autoescape; the only markup inserted
unescaped is what this package generates (SVG from matplotlib and Graphviz) and MathML that
passed ``sanitize_mathml``'s allow-list.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from oracle.verdict import WHO_IS_WRONG, Verdict, write_atomic
from reports import graphs, plots
from reports._status import COLOURS, SEVERITY, dtype_key, number, passed, rank, worst_status

# Elements shown per verdict (worst first); the rest are counted, not listed, so a report of a
# whole catalog stays a few megabytes: a passing check shows its few worst elements.
MAX_ELEMENTS = 60
MAX_PASSING_ELEMENTS = 4
# Graph drawings cost a Graphviz layout each: drawn for every non-passing verdict and this many
# passing ones (the rest keep their graph in results.json only).
MAX_PASSING_GRAPHS = 40

_MATHML = "http://www.w3.org/1998/Math/MathML"
_MATHML_TAGS = frozenset((
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd",
    "mfenced", "mstyle", "mpadded", "mphantom", "menclose", "semantics", "annotation",
    "mmultiscripts", "mprescripts", "none",
))
_MATHML_ATTRS = frozenset((
    "display", "mathvariant", "stretchy", "fence", "separator", "form", "lspace", "rspace",
    "linethickness", "columnalign", "open", "close", "separators", "notation", "encoding",
    "accent", "accentunder", "largeop", "movablelimits", "symmetric", "width", "height",
    "depth",
))


def sanitize_mathml(text: str) -> Markup:
    """MathML restricted to presentation elements and harmless attributes; else escaped text.

    >>> str(sanitize_mathml('<math><mi onclick="x()">x</mi><script>1</script></math>'))
    '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math>'
    >>> str(sanitize_mathml("not <xml"))
    '<code>not &lt;xml</code>'
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return Markup("<code>{}</code>").format(text)
    clean = _clean(root)
    if clean is None:
        return Markup("<code>{}</code>").format(text)
    ET.register_namespace("", _MATHML)
    return Markup(ET.tostring(clean, encoding="unicode"))


def _clean(element: ET.Element) -> ET.Element | None:
    tag = element.tag.rsplit("}", 1)[-1]
    if tag not in _MATHML_TAGS:
        return None
    out = ET.Element(f"{{{_MATHML}}}{tag}",
                     {k: v for k, v in element.attrib.items() if k in _MATHML_ATTRS})
    out.text = element.text
    for child in element:
        kept = _clean(child)
        if kept is not None:
            kept.tail = child.tail
            out.append(kept)
        elif len(out):
            out[-1].tail = (out[-1].tail or "") + (child.tail or "")
        else:
            out.text = (out.text or "") + (child.tail or "")
    return out


def fmt(value: Any, digits: int = 6) -> str:
    """A number for a table cell: ``digits`` significant digits, "—" for missing.

    >>> fmt(0.1 + 0.2), fmt(None), fmt("inf"), fmt(3)
    ('0.3', '—', 'inf', '3')
    """
    x = number(value)
    if x is None:
        return "—" if value is None else str(value)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.{digits}g}"


def _exact(value: Any) -> str:
    if value is None:
        return "—"
    text = str(value)
    return text if len(text) <= 24 else text[:22] + "…"


def _heatmap(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    dtypes = sorted({str(v.get("dtype")) for v in verdicts}, key=dtype_key)
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for v in verdicts:
        cell = cells.setdefault(str(v.get("op")), {}).setdefault(
            str(v.get("dtype")), {"statuses": [], "ulp": None, "n": 0, "first": v})
        cell["statuses"].append(str(v.get("status")))
        cell["n"] += 1
        u = number(v.get("max_ulp_error"))
        if u is not None and (cell["ulp"] is None or not u <= cell["ulp"]):
            cell["ulp"] = u
        if rank(str(v.get("status"))) < rank(str(cell["first"].get("status"))):
            cell["first"] = v
    for row in cells.values():
        for cell in row.values():
            cell["status"] = worst_status(cell["statuses"])
    return {"dtypes": dtypes, "rows": sorted(cells.items())}


def _complete(v: dict[str, Any]) -> dict[str, Any]:
    """A record with every Verdict field present (shards may predate a field)."""
    defaults = {f.name: None for f in fields(Verdict)}
    return {**defaults, "wrong": WHO_IS_WRONG.get(str(v.get("status"))), **v}


def _anchor(verdict_id: str) -> str:
    return "v-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in verdict_id)


def _view(v: dict[str, Any], draw: bool) -> dict[str, Any]:
    elements = list(v.get("elements") or [])
    elements.sort(key=lambda e: (rank(str(e.get("status"))), -(number(e.get("ulp_error")) or 0)))
    graph = v.get("graph")
    svg = graphs.to_svg(graph) if graph and draw else None
    derivative = v.get("derivative") or {}
    shown = MAX_PASSING_ELEMENTS if passed(v) else MAX_ELEMENTS
    return {
        "v": v,
        "anchor": _anchor(str(v.get("id"))),
        "passed": passed(v),
        "elements": elements[:shown],
        "hidden": max(0, len(elements) - shown),
        "graph_svg": Markup(svg) if svg else None,
        "graph_dot": graphs.to_dot(graph) if graph and draw and not svg else None,
        "mathml": sanitize_mathml(derivative["mathml"]) if derivative.get("mathml") else None,
        "derivative_text": {k: t for k, t in derivative.items() if k != "mathml"},
    }


def render_html(run: dict[str, Any], verdicts: list[dict[str, Any]]) -> str:
    """The report as one HTML string.

    >>> html = render_html({}, [{"id": "<xss>", "op": "mul", "dtype": "float32", "check": "grad",
    ...                          "status": "ok"}])
    >>> "&lt;xss&gt;" in html and "<xss>" not in html
    True
    """
    verdicts = [_complete(v) for v in verdicts]
    ordered = sorted(verdicts, key=lambda v: (rank(str(v.get("status"))), str(v.get("id"))))
    views, drawn = [], 0
    plain: dict[str, list[dict[str, Any]]] = {}
    for v in ordered:
        if v.get("status") == "ok" and drawn >= MAX_PASSING_GRAPHS:
            # Plain passes beyond the first few become one table row each; results.json keeps
            # their elements, inputs and reproducers.
            plain.setdefault(str(v.get("op")), []).append(v)
            continue
        draw = not passed(v) or drawn < MAX_PASSING_GRAPHS
        drawn += bool(passed(v) and v.get("graph") and draw)
        views.append(_view(v, draw))
    counts = Counter(str(v.get("status")) for v in verdicts)
    failing = sum(not passed(v) for v in verdicts)
    template = _environment().get_template("report.html.j2")
    return template.render(
        run=run,
        total=len(verdicts),
        failing=failing,
        counts=[(s, counts[s]) for s in SEVERITY if counts[s]]
        + sorted((s, n) for s, n in counts.items() if s not in SEVERITY),
        heatmap=_heatmap(verdicts),
        histograms=Markup(plots.ulp_histograms(verdicts)),
        problems=[w for w in views if w["v"].get("status") not in ("ok", "kink")],
        views=views,
        plain=[(op, rows, max((number(r.get("max_ulp_error")) or 0.0) for r in rows))
               for op, rows in sorted(plain.items())],
        colours=COLOURS,
    )


def write_html(path: Path, run: dict[str, Any], verdicts: list[dict[str, Any]]) -> None:
    """Render and write the report atomically: the whole file, or the old one left in place.

    Args:
        path: The HTML file to write.
        run: What the run was: its command, engine, options and timings (shown in the report's
            header); any keys may be missing.
        verdicts: The verdict records, as dicts from ``results.json`` (``id``, ``op``, ``dtype``,
            ``check``, ``status``, ...).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "index.html"
    >>> write_html(path, {}, [{"id": "op/mul/float32/sample0/grad", "status": "ok"}])
    >>> path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    write_atomic(Path(path), render_html(run, verdicts))


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = fmt
    env.filters["exact"] = _exact
    env.filters["anchor"] = _anchor
    env.globals["escape"] = escape
    return env
