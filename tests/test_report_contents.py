"""What the report, the JUnit file and the reproducers hold: failures first, grouped by cause
and worst first; well-formed XML from any string; names never become code; ``reports``
imports no judge and no engine."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

import symgrad
from oracle.crosscheck import crosscheck
from oracle.verdict import Element, Verdict
from reports.html import render_html
from reports.junit import render_junit

ROOT = Path(__file__).resolve().parent.parent


def record(status, op="mul", dtype="float32", i=0, ulps=0.0, **kw):
    elements = [Element("self", [0], 2.0, "1.5", 1.5, 1e-9, 0.5, 0.33, ulps, 0.0, 4.0, status)]
    return Verdict(id=f"op/{op}/{dtype}/sample{i}/grad", op=op, dtype=dtype, check="grad",
                   status=status, max_ulp_error=ulps, elements=elements, **kw).to_json()


GRAPH = {"nodes": [{"id": 0, "kind": "leaf", "label": "self"},
                   {"id": 1, "kind": "op", "op": "tanh", "label": "TanhBackward0"},
                   {"id": 2, "kind": "op", "op": "mul", "label": "MulBackward0"}],
         "edges": [[0, 1], [1, 2]]}


def positions(html, *needles):
    return [html.index(n) for n in needles]


def test_the_report_opens_on_failures_then_unjudged_then_the_rest():
    verdicts = [record("ok", op="add", i=k) for k in range(30)]
    verdicts += [record("unjudged", op="exp", message="budget"),
                 record("engine-wrong", op="tanh", ulps=12.0, graph=GRAPH,
                        derivative={"text": "1 - tanh(x)**2",
                                    "mathml": "<mrow><mn>1</mn><mo>-</mo></mrow>"},
                        reproducer="print('again')",
                        extra={"vjp_source": "symgrad/ops/elementwise.py:292 (<lambda>)"})]
    html = render_html({"command": "symgrad-check"}, verdicts)
    failures, unjudged, heat = positions(html, 'id="failures"', 'id="unjudged"',
                                         '<table class="heat">')
    assert failures < unjudged < heat
    first = html[failures:unjudged]
    for needed in ("op/tanh/float32/sample0/grad", "<b>engine</b>", "TanhBackward0",
                   "symgrad/ops/elementwise.py:292", "print(&#39;again&#39;)", "<svg",
                   '<math xmlns="http://www.w3.org/1998/Math/MathML"><mrow><mn>1</mn>'):
        assert needed in first, needed
    # The first failing check is open, and its card comes before the histograms and passes.
    assert re.search(r'<details class="verdict" id="v-op_tanh_float32_sample0_grad" open>',
                     first)
    assert html.index("op/add/float32/sample0/grad") > heat


def test_failures_are_grouped_by_cause_worst_first():
    verdicts = [record("engine-wrong", op="mul", i=k, ulps=3.0) for k in range(3)]
    verdicts += [record("engine-wrong", op="tanh", ulps=900.0),
                 record("error", op="sum", message="boom"),
                 record("engine-wrong", op="exp", ulps=5.0,
                        culprit={"op": "tanh", "grad_fn": "TanhBackward0", "node": 1}),
                 record("oracle-suspect", op="log", ulps=1e6)]
    html = render_html({}, verdicts)
    section = html[html.index('id="failures"'):html.index("<h2>Summary</h2>")]
    heads = re.findall(r'<section class="group".*?<h3>.*?>([\w-]+)</span> <code>(\w+)</code>',
                       section, re.S)
    # error first; then engine-wrong by the largest error (tanh: its own check and exp's,
    # whose first wrong node is tanh, are one cause); then oracle-suspect.
    assert heads == [("error", "sum"), ("engine-wrong", "tanh"), ("engine-wrong", "mul"),
                     ("oracle-suspect", "log")]
    assert "2 checks" in section[section.index("<code>tanh</code>"):]
    assert "3 checks" in section[section.index("<code>mul</code>"):]


def test_the_wrong_node_is_marked_in_red():
    marked = render_html({}, [record("engine-wrong", op="tanh", graph=GRAPH)])
    culprit = render_html({}, [record("engine-wrong", op="exp", graph=GRAPH,
                                      culprit={"node": 2, "grad_fn": "MulBackward0"})])
    for html, label in ((marked, "TanhBackward0"), (culprit, "MulBackward0")):
        nodes = re.findall(r'<g id="node\d+" class="node">(.*?)</g>', html, re.S)
        red = [n for n in nodes if "#c62828" in n]
        assert len(red) == 1 and label in red[0]


def test_a_report_of_10000_checks_is_quick_and_small():
    verdicts = [record("ok", op=f"op{k % 130}", i=k, ulps=0.5, graph=GRAPH)
                for k in range(9_900)]
    verdicts += [record("engine-wrong", op=f"op{k % 7}", i=10_000 + k, ulps=float(k),
                        graph=GRAPH) for k in range(100)]
    start = time.perf_counter()
    html = render_html({}, verdicts)
    took = time.perf_counter() - start
    assert took < 60, f"{took:.1f} s"
    assert len(html) < 20_000_000
    assert html.index('id="failures"') < 5_000  # the first screen is the failures
    assert html.count("<svg") < 200  # drawings are capped; the rest are rows


ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


@given(ANY_TEXT, ANY_TEXT, ANY_TEXT)
@example("\x1b[31mred\x1b[0m", "\x00", "\ud800")
@example("\x0b\x0c\x7f\ufffe", "]]>", "\uffff")
def test_junit_is_well_formed_from_any_string(message, op, id_):
    verdicts = [{"id": id_, "op": op, "dtype": op, "status": "engine-wrong", "message": message,
                 "reproducer": message, "elements": [{"input": op, "status": "bad"}]},
                {"id": id_ + "2", "op": op, "status": message}]
    root = ET.fromstring(render_junit(verdicts))
    assert len(list(root.iter("testcase"))) == 2


def test_names_never_become_code_in_a_reproducer(tmp_path):
    marker = tmp_path / "PWNED"
    evil = f"x = 1\nopen({str(marker)!r}, 'w')\n#"

    def f(t):
        return (t * t).sum()

    f.__name__ = f.__qualname__ = evil
    g = eval("lambda t: (t * t).sum()")  # no source to read
    g.__qualname__ = evil
    x = symgrad.tensor([0.5, 2.0], requires_grad=True)
    for fn in (f, g):
        code = crosscheck(fn, [x], names=[evil]).reproducer
        tree = ast.parse(code)
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert "open" not in names and evil not in code.replace("\\n", "\n").splitlines()
        if fn is f:
            exec(compile(tree, "reproducer", "exec"), {})
        assert not marker.exists()


def test_verdict_str_is_one_short_line():
    v = Verdict.from_json(record("engine-wrong", ulps=4096.0, reproducer="x" * 3000,
                                 message="m" * 3000))
    text = str(v)
    assert text == repr(v) and "\n" not in text and len(text) < 200
    assert "engine-wrong" in text and "engine is wrong" in text and "4096 ulp" in text
    assert len(str(v.to_json())) > 3000  # the full record stays in to_json


def test_reports_import_no_judge_and_no_engine():
    code = ("import sys, reports, reports.html, reports.junit, reports.terminal, "
            "reports.records, reports.progress, reports.output_folder, reports.mutants; "
            "print(sorted(m for m in ('sympy', 'mpmath', 'flint', 'oracle', 'symgrad', "
            "'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_imports_between_oracle_and_reports_go_one_way():
    def imported(path):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                yield from (a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield node.module.split(".")[0]

    for path in (ROOT / "reports").rglob("*.py"):
        assert not {"oracle", "symgrad", "sympy", "mpmath", "flint", "torch"} & set(
            imported(path)), path


def test_graph_drawing_prints_no_fontconfig_warning():
    code = ("from reports.graphs import to_svg; "
            "print(to_svg({'nodes': [{'id': 0, 'label': 'MulBackward0'}], 'edges': []}) "
            "is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() in ("True", "False") and out.stderr == ""


def test_progress_in_a_log_every_tenth_and_every_ten_seconds():
    import io

    from rich.console import Console

    from reports.progress import SweepProgress

    now = [0.0]
    console = Console(file=io.StringIO(), width=200)
    with SweepProgress(1000, console, clock=lambda: now[0]) as progress:
        for k in range(1000):
            now[0] += 0.5 if k < 50 else 0.001  # the first 50 checks are slow
            progress.advance("unjudged" if k == 7 else "ok", f"op/x/{k}")
    lines = console.file.getvalue().splitlines()
    done = [int(line.split()[1].split("/")[0]) for line in lines]
    # Every 10 s while the first checks crawl (20 checks a line), then every 10%.
    assert done[:3] == [20, 40, 100] and done[-1] == 1000
    assert all(d % 100 == 0 for d in done[2:])
    assert "1 unjudged" in lines[-1] and "0 failing" in lines[-1]
