"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network).

It opens on what is wrong: failing checks, then unjudged ones, grouped by cause (status, the
first wrong node's op) worst first, each with who is wrong, the engine's and the exact
values, the derivative in MathML, the graph with the wrong node marked, where the op's VJP is
written and a reproducer; then the summary, the op x dtype heat map, the histograms and the
passing checks.

Every string from a results file is escaped by Jinja2's autoescape; the only markup inserted
unescaped is what this package generates (SVG from matplotlib and Graphviz) and MathML that
passed ``sanitize_mathml``'s allow-list.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from reports import graphs
from reports._status import COLOURS, SEVERITY, dtype_key, number, passed, rank, worst_status
from reports.records import (
    VERDICT_FIELDS,
    WHO_IS_WRONG,
    left_out_of,
    outcome,
    ulp_summary,
    write_atomic,
)

# Elements shown per verdict (worst first); the rest are counted, not listed, so a report of a
# whole catalog stays a few megabytes: a passing check shows its few worst elements.
MAX_ELEMENTS = 5
MAX_PASSING_ELEMENTS = 4
# Graph drawings cost a Graphviz layout each: a full card (graph, values, reproducer) for this
# many failing or unjudged checks, at most this many per cause, and graphs for this many passing
# ones; the rest are table rows (results.json keeps everything). A report of 10,000 checks so
# stays a few megabytes and renders in seconds.
MAX_CARDS = 60
MAX_CARDS_PER_GROUP = 5
MAX_PASSING_GRAPHS = 20

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
    medians = {(r["op"], r["dtype"], r["order"]): r["median_ulp"]
               for r in ulp_summary(verdicts)}
    for op, row in cells.items():
        for dtype, cell in row.items():
            cell["status"] = worst_status(cell["statuses"])
            cell["median"] = {order: medians.get((op, dtype, order)) for order in (1, 2)}
    return {"dtypes": dtypes, "rows": sorted(cells.items())}


def _complete(v: dict[str, Any]) -> dict[str, Any]:
    """A record with every field present (shards may predate a field)."""
    return {**dict.fromkeys(VERDICT_FIELDS), **v,
            "wrong": v.get("wrong") or WHO_IS_WRONG.get(str(v.get("status")))}


def _anchor(verdict_id: str) -> str:
    return "v-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in verdict_id)


def _ulps(v: dict[str, Any]) -> float:
    """The verdict's largest engine error in ULPs, for ordering (nan and missing count 0)."""
    u = number(v.get("max_ulp_error"))
    return u if u is not None and u == u else 0.0


def _severity(v: dict[str, Any]) -> tuple[int, float, str]:
    return rank(str(v.get("status"))), -_ulps(v), str(v.get("id"))


def _cause(v: dict[str, Any]) -> tuple[str, str]:
    """What a group of failing checks shares: the status, and the op of the first wrong node
    when a judge names it (else the op checked)."""
    culprit = v.get("culprit") or {}
    return str(v.get("status")), str(culprit.get("op") or v.get("op"))


def _marked(graph: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    """The graph with the wrong node marked: the culprit's node, or, when the engine is wrong
    and one node computes the op checked, that node."""
    if "nodes" not in graph:
        return graph
    culprit = v.get("culprit") or {}
    nodes = graph.get("nodes") or []
    if culprit.get("node") is not None:
        wrong = [n for n in nodes if n.get("id") == culprit["node"]]
    elif v.get("wrong") == "engine":
        wrong = [n for n in nodes if n.get("op") == v.get("op")]
        wrong = wrong if len(wrong) == 1 else []
    else:
        wrong = []
    ids = {id(n) for n in wrong}
    return {**graph, "nodes": [{**n, "wrong": True} if id(n) in ids else n for n in nodes]}


def _mathml(text: str) -> Markup:
    """Sanitised MathML inside one ``<math>`` element (SymPy's printer may omit it)."""
    stripped = text.strip()
    if not stripped.startswith("<math"):
        stripped = f"<math>{stripped}</math>"
    return sanitize_mathml(stripped)


def _source(v: dict[str, Any]) -> Any:
    """Where the wrong VJP is written: the culprit's, else the op checked."""
    return (v.get("culprit") or {}).get("source") or (v.get("extra") or {}).get("vjp_source")


def _view(v: dict[str, Any], draw: bool) -> dict[str, Any]:
    elements = list(v.get("elements") or [])
    elements.sort(key=lambda e: (rank(str(e.get("status"))), -(number(e.get("ulp_error")) or 0)))
    graph = v.get("graph")
    svg = graphs.to_svg(_marked(graph, v)) if graph and draw else None
    derivative = v.get("derivative") or {}
    culprit = v.get("culprit") or {}
    shown = MAX_PASSING_ELEMENTS if passed(v) else MAX_ELEMENTS
    return {
        "v": v,
        "anchor": _anchor(str(v.get("id"))),
        "passed": passed(v),
        "elements": elements[:shown],
        "hidden": max(0, len(elements) - shown),
        "graph_svg": Markup(svg) if svg else None,
        "graph_dot": graphs.to_dot(_marked(graph, v)) if graph and draw and not svg else None,
        "mathml": _mathml(derivative["mathml"]) if derivative.get("mathml") else None,
        "derivative_text": {k: t for k, t in derivative.items() if k != "mathml"},
        "source": _source(v),
        "culprit": culprit,
    }


def _groups(verdicts: list[dict[str, Any]], cards: list[int]) -> list[dict[str, Any]]:
    """``verdicts`` grouped by cause, worst group first; each group's worst checks get a full
    card while ``cards[0]`` lasts (a Graphviz layout each), the rest a table row."""
    by_cause: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for v in sorted(verdicts, key=_severity):
        by_cause.setdefault(_cause(v), []).append(v)
    groups = []
    for (status, op), members in sorted(
            by_cause.items(), key=lambda kv: (_severity(kv[1][0])[:2], -len(kv[1]))):
        full = min(len(members), MAX_CARDS_PER_GROUP, cards[0])
        cards[0] -= full
        groups.append({
            "status": status, "op": op, "count": len(members),
            "grad_fn": next((str(m["culprit"]["grad_fn"]) for m in members
                             if (m.get("culprit") or {}).get("grad_fn")), ""),
            "wrong": members[0].get("wrong"),
            "dtypes": sorted({str(m.get("dtype")) for m in members}, key=dtype_key),
            "worst_ulp": members[0].get("max_ulp_error"),
            "source": _source(members[0]),
            "cards": [_view(m, draw=True) for m in members[:full]],
            "rows": members[full:],
        })
    return groups


def render_html(run: dict[str, Any], verdicts: list[dict[str, Any]]) -> str:
    """The report as one HTML string: what is wrong first (failing, then unjudged checks,
    grouped by cause, worst first), then the heat map, the histograms and the rest.

    >>> html = render_html({}, [{"id": "<xss>", "op": "mul", "dtype": "float32", "check": "grad",
    ...                          "status": "ok"}])
    >>> "&lt;xss&gt;" in html and "<xss>" not in html
    True
    """
    from reports import plots  # matplotlib loads only when a report is drawn

    verdicts = [_complete(v) for v in verdicts]
    kinds: dict[str, list[dict[str, Any]]] = {"fail": [], "unjudged": [], "pass": []}
    for v in verdicts:
        kinds[outcome(v.get("status"))].append(v)
    cards = [MAX_CARDS]
    failing, unjudged = _groups(kinds["fail"], cards), _groups(kinds["unjudged"], cards)
    views, plain, drawn = [], {}, 0
    for v in sorted(kinds["pass"], key=_severity):
        if v.get("status") == "ok" and drawn >= MAX_PASSING_GRAPHS:
            # Plain passes beyond the first few become one table row each; results.json keeps
            # their elements, inputs and reproducers.
            plain.setdefault(str(v.get("op")), []).append(v)
            continue
        draw = drawn < MAX_PASSING_GRAPHS
        drawn += bool(v.get("graph") and draw)
        views.append(_view(v, draw))
    counts = Counter(str(v.get("status")) for v in verdicts)
    template = _environment().get_template("report.html.j2")
    return template.render(
        run=run,
        left_out=left_out_of(run),
        total=len(verdicts),
        failing=len(kinds["fail"]),
        unjudged=len(kinds["unjudged"]),
        counts=[(s, counts[s]) for s in SEVERITY if counts[s]]
        + sorted((s, n) for s, n in counts.items() if s not in SEVERITY),
        failing_groups=failing,
        unjudged_groups=unjudged,
        heatmap=_heatmap(verdicts),
        histograms=Markup(plots.ulp_histograms(verdicts)),
        views=views,
        plain=[(op, rows, max(_ulps(r) for r in rows)) for op, rows in sorted(plain.items())],
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
