"""Reports: escaping of untrusted text, atomic writes, JUnit counts, determinism."""

from __future__ import annotations

import json
import re

import pytest
from junitparser import JUnitXml

import reports.html
import reports.records as records_mod
from oracle.verdict import Element, Verdict
from reports import write_reports
from reports.html import render_html, sanitize_mathml
from reports.junit import render_junit
from reports.plots import ulp_histograms
from reports.records import dump_results
from reports.terminal import print_summary

EVIL = '<script>alert("x")</script>'


def record(status: str, op: str = "mul", dtype: str = "float32", i: int = 0, **kw) -> dict:
    v = Verdict(id=f"op/{op}/{dtype}/sample{i}/grad", op=op, dtype=dtype, check="grad",
                status=status, **kw)
    return v.to_json()


def element(ulps: float, status: str = "ok") -> Element:
    return Element(input="self", index=[0, 1], engine=1.5, exact="1.5", fd=1.5000001,
                   fd_error_estimate=1e-9, abs_error=0.0, rel_error=0.0, ulp_error=ulps,
                   fd_ulp_error=0.5, tolerance_ulps=4.0, status=status)


def test_untrusted_strings_are_escaped_everywhere():
    v = record("engine-wrong", op=EVIL, message=EVIL, reproducer=EVIL,
               elements=[element(100.0, "engine-wrong")],
               derivative={"latex": EVIL, "mathml": f"<math><mi>x</mi>{EVIL}</math>"},
               graph={"nodes": [{"id": "n", "label": EVIL}], "edges": []},
               inputs=[{"name": EVIL, "values": EVIL}], tolerance={EVIL: EVIL})
    v["id"] = EVIL
    v["elements"][0]["input"] = EVIL
    html = render_html({"command": EVIL}, [v])
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    # every place the text was put shows up escaped: id, op, message, reproducer, ...
    assert html.count("&lt;script&gt;") >= 8


def test_mathml_is_kept_but_sanitised():
    safe = sanitize_mathml('<math display="block"><mfrac><mn>1</mn><mi>x</mi></mfrac></math>')
    assert "<mfrac>" in safe and 'display="block"' in safe
    dirty = sanitize_mathml('<math><mi onmouseover="f()" href="javascript:x">y</mi>'
                            '<mtext>a</mtext><script>z()</script>tail</math>')
    assert "onmouseover" not in dirty and "javascript" not in dirty and "<script" not in dirty
    assert "<mi>y</mi>" in dirty and "tail" in dirty
    assert str(sanitize_mathml("<svg><script>1</script></svg>")).startswith("<code>&lt;svg")


def test_crash_while_rendering_leaves_the_old_report(tmp_path, monkeypatch):
    write_reports(tmp_path, {}, [record("ok")])
    before = (tmp_path / "index.html").read_text()

    def boom(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(reports.plots, "ulp_histograms", boom)
    with pytest.raises(RuntimeError):
        write_reports(tmp_path, {}, [record("engine-wrong", elements=[element(9.0)])])
    assert (tmp_path / "index.html").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "junit.xml"]


def test_crash_while_writing_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    write_reports(tmp_path, {}, [record("ok")])
    before = (tmp_path / "index.html").read_text()

    def crash(src, dst):
        raise KeyboardInterrupt  # killed between writing the temp file and the rename

    monkeypatch.setattr(records_mod.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_reports(tmp_path, {}, [record("engine-wrong")])
    assert (tmp_path / "index.html").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "junit.xml"]


def test_junit_counts_follow_the_statuses(tmp_path):
    statuses = (["ok"] * 3 + ["kink", "fd-unreliable", "nonfinite"] + ["engine-wrong"] * 2
                + ["oracle-suspect", "error", "unsupported", "oracle-gave-up"])
    verdicts = [record(s, op=("mul", "add")[i % 2], i=i) for i, s in enumerate(statuses)]
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(verdicts))
    xml = JUnitXml.fromfile(str(path))
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (12, 3, 1, 3)
    names = {case.name for suite in xml for case in suite}
    assert names == {v["id"] for v in verdicts}
    suites = {suite.name: suite.tests for suite in xml}
    assert suites == {"symgrad-check.mul": 6, "symgrad-check.add": 6}


def test_histograms_are_deterministic_svg_without_dates():
    verdicts = [record("ok", elements=[element(u) for u in (0.0, 0.4, 3.0, 250.0)]),
                record("ok", dtype="float64", elements=[element(1.0)])]
    first, second = ulp_histograms(verdicts), ulp_histograms(verdicts)
    assert first == second and first.startswith("<svg")
    assert "<dc:date>" not in first
    assert ulp_histograms([record("ok")]) == ""


def test_heat_map_cell_shows_the_worst_status_and_largest_error():
    verdicts = [record("ok", max_ulp_error=1.0), record("engine-wrong", i=1, max_ulp_error=512.0),
                record("kink", i=2, max_ulp_error=0.0)]
    html = render_html({}, verdicts)
    table = html[html.index('<table class="heat">'):]
    table = table[:table.index("</table>")]
    cells = re.findall(r'<td class="cell"[^>]*>\s*<a [^>]*>([^<]*)<br>[^<]*<br>worst ([^<]*)</a>',
                       table)
    assert cells == [("engine-wrong", "512 ulp")]


def test_heat_map_and_results_give_the_median_error_per_op_dtype_and_order():
    # Medians of 0, 1, 3, 4 (first order) and of 2 alone (second order), worked by hand.
    first = [record("ok", elements=[element(0.0), element(3.0)]),
             record("ok", i=1, elements=[element(4.0), element(1.0)])]
    second = record("ok", i=2, elements=[element(2.0)])
    second.update(check="gradgrad", order=2)
    other = record("ok", dtype="float64", i=3, elements=[element(7.0)])
    html = render_html({}, [*first, second, other])
    table = html[html.index('<table class="heat">'):]
    medians = re.findall(r"<br>median ([^<]*)<br>", table[:table.index("</table>")])
    assert medians == ["2 / 2", "7"]
    doc = json.loads(dump_results({}, [*first, second, other]))
    rows = {(r["op"], r["dtype"], r["order"]): (r["median_ulp"], r["worst_ulp"], r["elements"])
            for r in doc["summary"]["ulp_error"]}
    assert rows == {("mul", "float32", 1): (2.0, 4.0, 4), ("mul", "float32", 2): (2.0, 2.0, 1),
                    ("mul", "float64", 1): (7.0, 7.0, 1)}


def test_terminal_summary_counts_and_worst(capsys):
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=140, record=True, color_system=None)
    verdicts = [record("ok"), record("ok", i=1),
                record("engine-wrong", i=2, max_ulp_error=4096.0, message="mul is off")]
    print_summary(verdicts, console=console)
    text = console.export_text()
    assert re.search(r"ok\s*│\s*2", text) and re.search(r"engine-wrong\s*│\s*1", text)
    assert "op/mul/float32/sample2/grad" in text and "mul is off" in text
    assert "FAIL: 3 checks, 1 failing" in text


def test_terminal_summary_of_a_pass_lists_its_other_checks_without_calling_them_failures():
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=140, record=True, color_system=None)
    # 14 checks where the finite differences were unreliable but the engine was right: a pass.
    verdicts = [record("fd-unreliable", i=i, max_ulp_error=float(i)) for i in range(14)]
    print_summary(verdicts, console=console)
    text = console.export_text()
    assert "PASS: 14 checks, 0 failing" in text
    assert "... and 2 more in the report" in text and "not ok" not in text
