"""JUnit XML for CI: one testcase per verdict, grouped in one suite per op.

Failing verdicts are failures (``error``: errors), unjudged ones (``unjudged``,
``unsupported``, ``oracle-gave-up``, ``nonfinite``) are skipped with their reason, the rest
pass. Any string becomes well-formed XML: characters XML 1.0 cannot hold (control characters,
lone surrogates) are written as visible escapes such as ``\x1b``.

>>> xml = render_junit([{"id": "op/mul/float32/sample0/grad", "op": "mul", "dtype": "float32",
...                      "status": "engine-wrong", "message": "off by 2"}])
>>> 'failures="1"' in xml
True
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from reports._status import number
from reports.records import WHO_IS_WRONG, outcome, write_atomic

# What XML 1.0 cannot hold, not even as a character reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    r"""``str(value)`` with every character XML 1.0 cannot hold written as a visible escape.

    Args:
        value: Anything; its ``str`` is used.

    >>> xml_text("\x1b[31mred\x1b[0m\ttab"), xml_text(None)
    ('\\x1b[31mred\\x1b[0m\ttab', 'None')
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", str(value))


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
        op = xml_text(v.get("op"))
        suite = suites.setdefault(op, TestSuite(f"symgrad-check.{op}"))
        case = TestCase(xml_text(v.get("id")), classname=f"symgrad.{op}.{xml_text(v.get('dtype'))}",
                        time=number(v.get("duration_s")) or 0.0)
        status = str(v.get("status"))
        message = xml_text(f"{status}: {v['message']}" if v.get("message") else status)
        kind = outcome(status)
        if kind == "fail":
            result = Error(message) if status == "error" else Failure(message)
            result.text = xml_text(_details(v))
            case.result = [result]
        elif kind == "unjudged":
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
