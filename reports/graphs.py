"""Graph drawings: a verdict's recorded graph as inline SVG (pygraphviz), or DOT text.

A verdict's ``graph`` is ``{"nodes": [{"id", "label", "kind"?, "wrong"?}], "edges": [[from,
to], ...]}`` (``kind``: ``"leaf"``, ``"constant"``, ``"op"`` or ``"output"``), or ``{"dot":
"digraph ..."}``. Labels are untrusted text: they reach Graphviz as quoted strings, its SVG
escapes them, and an SVG holding anything but shapes and text is not used.
"""

from __future__ import annotations

import functools
import os
import re
import xml.etree.ElementTree as ET
from typing import Any

_STYLE = {
    "leaf": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e3f2fd"},
    "constant": {"shape": "box", "style": "dashed"},
    "op": {"shape": "ellipse", "style": "filled", "fillcolor": "#f5f5f5"},
    "output": {"shape": "ellipse", "style": "filled,bold", "fillcolor": "#fff8e1"},
}
# What Graphviz draws for the DOT ``to_dot`` writes. A ``dot`` record from a results file is
# untrusted: anything else it makes Graphviz emit (links, images, whose URLs Graphviz passes
# through with character references intact) drops the drawing, an allow-list, not a block-list.
_SVG_TAGS = frozenset(("svg", "g", "title", "ellipse", "polygon", "polyline", "path", "text"))


def _quote(text: Any) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: dict[str, Any]) -> str:
    """DOT text for a graph record (what is shown when pygraphviz cannot load).

    >>> print(to_dot({"nodes": [{"id": "x", "label": "x", "kind": "leaf"},
    ...                         {"id": "n1", "label": "MulBackward0"}], "edges": [["x", "n1"]]}))
    digraph G {
      rankdir=BT;
      "x" [label="x", shape="box", style="rounded,filled", fillcolor="#e3f2fd"];
      "n1" [label="MulBackward0", shape="ellipse", style="filled", fillcolor="#f5f5f5"];
      "x" -> "n1";
    }
    """
    if "dot" in graph:
        return str(graph["dot"])
    lines = ["digraph G {", "  rankdir=BT;"]
    for node in graph.get("nodes", []):
        attrs = {"label": node.get("label", node.get("id")),
                 **_STYLE.get(node.get("kind", "op"), _STYLE["op"])}
        if node.get("wrong"):
            attrs.update(color="#c62828", penwidth="2.5", fontcolor="#c62828")
        body = ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items())
        lines.append(f"  {_quote(node.get('id'))} [{body}];")
    for edge in graph.get("edges", []):
        lines.append(f"  {_quote(edge[0])} -> {_quote(edge[1])};")
    lines.append("}")
    return "\n".join(lines)


def to_svg(graph: dict[str, Any]) -> str | None:
    """An inline SVG drawing of the graph, or None (no pygraphviz, bad DOT, or unsafe output).

    >>> svg = to_svg({"nodes": [{"id": "a", "label": "<script>"}], "edges": []})
    >>> svg is None or ("<script>" not in svg and svg.startswith("<svg"))
    True
    """
    try:
        import pygraphviz
    except ImportError:
        return None
    try:
        _load_fonts(pygraphviz)
        drawing = pygraphviz.AGraph(string=to_dot(graph))
        drawing.graph_attr.update(fontname="Helvetica", fontsize="10", bgcolor="transparent")
        drawing.node_attr.update(fontname="Helvetica", fontsize="10")
        raw = drawing.draw(format="svg", prog="dot")
    except Exception:
        return None
    svg = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    start = svg.find("<svg")
    if start < 0:
        return None
    svg = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S)
    return svg if _only_drawing(svg) else None


@functools.cache
def _load_fonts(pygraphviz: Any) -> None:
    """Lay out one trivial graph with stderr closed, once per process.

    The fontconfig inside pygraphviz's wheel (2.13) reads the system's font configuration at
    the first layout and warns about every element newer than itself, on every run, whatever
    ``FONTCONFIG_FILE`` says; nothing of this graph can fail, so nothing else is hidden.
    """
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            pygraphviz.AGraph(string="digraph { a }").draw(format="svg", prog="dot")
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _only_drawing(svg: str) -> bool:
    """Whether ``svg`` holds only shapes and text: no links, images, scripts or handlers.

    >>> _only_drawing('<svg xmlns="http://www.w3.org/2000/svg"><text x="1">a</text></svg>')
    True
    >>> _only_drawing('<svg xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="x"/></svg>')
    False
    """
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return False
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag.rsplit("}", 1)[-1] not in _SVG_TAGS:
            return False
        for name in element.attrib:
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or local in ("href", "style"):
                return False
    return True
