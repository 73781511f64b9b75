"""JUnit XML for CI: one testcase per verdict, grouped in one suite per op.

Failing verdicts are failures (``error``: errors), ``unsupported`` and ``oracle-gave-up`` are
skipped with their reason, everything else passes.

>>> xml = render_junit([{"id": "op/mul/float32/sample0/grad", "op": "mul", "dtype": "float32",
...                      "status": "engine-wrong", "message": "off by 2"}])
>>> 'failures="1"' in xml
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from oracle.verdict import WHO_IS_WRONG, write_atomic
from reports._status import number, passed

SKIPPED = frozenset({"unsupported", "oracle-gave-up"})


def _details(v: dict[str, Any]) -> str:
    wrong = v.get("wrong") or WHO_IS_WRONG.get(str(v.get("status")))
    lines = [f"status: {v.get('status')}", f"who is wrong: {wrong}",
             f"max ULP error: {v.get('max_ulp_error')}"]
    for e in v.get("elements") or []:
        if e.get("status") not in ("ok", "kink"):
            lines.append(f"{e.get('input')}{e.get('index')}: engine {e.get('engine')} exact "
                         f"{e.get('exact')} fd {e.get('fd')} ulp {e.get('ulp_error')} "
                         f"[{e.get('status')}]")
    if v.get("reproducer"):
        lines += ["", "reproducer:", str(v["reproducer"])]
    return "\n".join(lines)


def render_junit(verdicts: list[dict[str, Any]]) -> str:
    """The JUnit XML document for ``verdicts``, as a string.

    >>> import xml.etree.ElementTree as ET
    >>> verdicts = [
    ...     {"id": "mul/0", "op": "mul", "dtype": "float32", "status": "ok"},
    ...     {"id": "mul/1", "op": "mul", "dtype": "float32", "status": "engine-wrong",
    ...      "message": "2 ULP off"},
    ...     {"id": "exp/0", "op": "exp", "dtype": "float64", "status": "unsupported"},
    ...     {"id": "exp/1", "op": "exp", "dtype": "float64", "status": "error"},
    ... ]
    >>> root = ET.fromstring(render_junit(verdicts))
    >>> [(s.get("name"), s.get("tests")) for s in root]
    [('symgrad-check.exp', '2'), ('symgrad-check.mul', '2')]
    >>> [(c.get("name"), [(r.tag, r.get("message")) for r in c]) for c in root.iter("testcase")]
    [('exp/0', [('skipped', 'unsupported')]), ('exp/1', [('error', 'error')]),
     ('mul/0', []), ('mul/1', [('failure', 'engine-wrong: 2 ULP off')])]
    """
    suites: dict[str, TestSuite] = {}
    for v in verdicts:
        op = str(v.get("op"))
        suite = suites.setdefault(op, TestSuite(f"symgrad-check.{op}"))
        case = TestCase(str(v.get("id")), classname=f"symgrad.{op}.{v.get('dtype')}",
                        time=number(v.get("duration_s")) or 0.0)
        status = str(v.get("status"))
        message = f"{status}: {v['message']}" if v.get("message") else status
        if not passed(v):
            result = Error(message) if status == "error" else Failure(message)
            result.text = _details(v)
            case.result = [result]
        elif status in SKIPPED:
            case.result = [Skipped(message)]
        suite.add_testcase(case)
    xml = JUnitXml("symgrad-check")
    for name in sorted(suites):
        suites[name].update_statistics()
        xml.add_testsuite(suites[name])
    xml.update_statistics()
    return xml.tostring().decode("utf-8")


def write_junit(path: Path, verdicts: list[dict[str, Any]]) -> None:
    """Write ``junit.xml`` atomically.

    Args:
        path: The XML file to write.
        verdicts: The verdict records, as dicts from ``results.json`` (``id``, ``op``, ``dtype``,
            ``check``, ``status``, ...).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "junit.xml"
    >>> write_junit(path, [{"id": "op/mul/float32/sample0/grad", "op": "mul", "status": "ok"}])
    >>> 'tests="1"' in path.read_text(encoding="utf-8")
    True
    """
    write_atomic(Path(path), render_junit(verdicts))
