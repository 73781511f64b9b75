"""Verdict records: what the judges found, as plain JSON-serialisable data.

This is the only thing ``reports/`` knows about. A results file is
``{"schema": SCHEMA, "run": {...}, "verdicts": [Verdict.to_json(), ...]}``; files from several
CI shards merge by concatenating their ``verdicts``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

SCHEMA = "symgrad-results/1"

Status = Literal[
    "ok",
    "engine-wrong",
    "fd-unreliable",
    "oracle-suspect",
    "kink",
    "nonfinite",
    "unsupported",
    "oracle-gave-up",
    "error",
]

# Statuses that fail a run: a wrong gradient, or a check that could not say it is right.
FAILING: frozenset[str] = frozenset({"engine-wrong", "oracle-suspect", "error"})
# Statuses that pass: the engine is right, or right by its declared convention.
PASSING: frozenset[str] = frozenset({"ok", "kink", "fd-unreliable"})

# Worst first: what a reader must look at comes before what merely could not be judged.
SEVERITY: tuple[str, ...] = (
    "error",
    "engine-wrong",
    "oracle-suspect",
    "nonfinite",
    "oracle-gave-up",
    "unsupported",
    "fd-unreliable",
    "kink",
    "ok",
)

WHO_IS_WRONG: dict[str, str | None] = {
    "ok": None,
    "engine-wrong": "engine",
    "fd-unreliable": "fd",
    "oracle-suspect": "oracle",
    "kink": None,
    "nonfinite": None,
    "unsupported": None,
    "oracle-gave-up": None,
    "error": "engine",
}


@dataclass
class Element:
    """One gradient element judged three ways.

    ``exact`` is a decimal string (the oracle's high-precision value); the floats are what each
    judge produced; errors are of the engine against the exact value unless named otherwise.

    The derivative of ``exp`` at 0 is exactly 1, which float64 holds:

    >>> import symgrad
    >>> from oracle.crosscheck import crosscheck
    >>> x = symgrad.tensor([0.0], dtype=symgrad.float64, requires_grad=True)
    >>> (e,) = crosscheck(lambda x: x.exp().sum(), [x], op="exp").elements
    >>> e.input, e.index, e.engine, e.exact[:8], e.ulp_error, e.status
    ('self', [0], 1.0, '1.000000', 0.0, 'ok')
    >>> abs(e.fd - 1.0) < 1e-6
    True
    """

    input: str
    index: list[int]
    engine: float
    exact: str | None
    fd: float | None
    fd_error_estimate: float | None
    abs_error: float | None
    rel_error: float | None
    ulp_error: float | None
    fd_ulp_error: float | None
    tolerance_ulps: float | None
    status: str


@dataclass
class Verdict:
    """The judgement of one check: one op or program, one dtype, one order of derivative.

    >>> v = Verdict("mul/float64/sample0", "mul", "float64", "grad", "engine-wrong",
    ...             "self[0]: 3 ULP off")
    >>> v.passed, v.wrong, v.order, v.elements
    (False, 'engine', 1, [])
    """

    id: str
    op: str
    dtype: str
    check: str
    status: str
    message: str = ""
    order: int = 1
    elements: list[Element] = field(default_factory=list)
    max_ulp_error: float | None = None
    max_fd_ulp_error: float | None = None
    tolerance: dict[str, Any] = field(default_factory=dict)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    graph: dict[str, Any] | None = None
    derivative: dict[str, str] | None = None
    reproducer: str | None = None
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Not failing; a status this version does not know fails rather than passes.

        >>> [Verdict("a", "mul", "float64", "grad", status).passed
        ...  for status in ("ok", "kink", "unsupported", "oracle-suspect", "no-such-status")]
        [True, True, True, False, False]
        """
        return self.status not in FAILING and self.status in SEVERITY

    @property
    def wrong(self) -> str | None:
        """Who the verdict blames: "engine", "fd", "oracle", or None when no one is.

        >>> [Verdict("a", "mul", "float64", "grad", status).wrong
        ...  for status in ("ok", "engine-wrong", "fd-unreliable", "oracle-suspect", "error")]
        [None, 'engine', 'fd', 'oracle', 'engine']
        """
        return WHO_IS_WRONG.get(self.status)

    def to_json(self) -> dict[str, Any]:
        """The record written to a results file: the fields plus ``passed`` and ``wrong``, with
        nan and infinities as strings so the file stays standard JSON.

        >>> import json
        >>> v = Verdict("a", "mul", "float64", "grad", "nonfinite", max_ulp_error=float("inf"))
        >>> data = v.to_json()
        >>> data["passed"], data["wrong"], data["max_ulp_error"]
        (True, None, 'inf')
        >>> Verdict.from_json(json.loads(json.dumps(data, allow_nan=False))).status
        'nonfinite'
        """
        data = asdict(self)
        data["passed"] = self.passed
        data["wrong"] = self.wrong
        return _finite(data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        """A verdict from its record; a record of another shape is a ``ValueError`` naming it.

        >>> Verdict.from_json({"id": "a", "op": "mul", "dtype": "float32", "check": "grad",
        ...                    "status": "ok", "passed": True}).status
        'ok'
        >>> Verdict.from_json({"id": "a", "op": "mul", "dtype": "float32", "status": "ok",
        ...                    "colour": "red"})
        Traceback (most recent call last):
        ...
        ValueError: verdict record 'a': unknown fields ['colour'], missing fields ['check']
        """
        fields = {k: v for k, v in data.items() if k not in ("passed", "wrong")}
        _check_record(cls, fields, f"verdict record {data.get('id')!r}")
        elements = fields.get("elements") or []
        for e in elements:
            _check_record(Element, e, f"verdict record {data.get('id')!r}, element")
        fields["elements"] = [Element(**e) for e in elements]
        return cls(**fields)


def _check_record(cls: type, record: Any, what: str) -> None:
    if not isinstance(record, dict):
        raise ValueError(f"{what}: not an object: {record!r}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    required = [n for n, f in known.items()
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    unknown = sorted(set(record) - set(known))
    missing = [n for n in required if n not in record]
    if unknown or missing:
        raise ValueError(f"{what}: unknown fields {unknown}, missing fields {missing}")


def _finite(value: Any) -> Any:
    """JSON has no nan or inf: write them as strings so a results file stays standard JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half a file.

    Missing parent directories are made; no temporary file is left behind:

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = Path(d) / "out" / "report.txt"
    ...     write_atomic(path, "first")
    ...     write_atomic(path, "second")
    ...     path.read_text(), os.listdir(path.parent)
    ('second', ['report.txt'])
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            # Flushed to disk before the rename, so a crash cannot leave an empty file in place.
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private; a report is for publishing, so use the usual mode.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_results(path: Path, verdicts: list[Verdict], run: dict[str, Any]) -> None:
    """Write a results file (``results.json``).

    >>> import json, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = Path(d) / "results.json"
    ...     write_results(path, [Verdict("a", "exp", "float64", "grad", "ok")], {"seed": 0})
    ...     doc = json.loads(path.read_text())
    >>> doc["schema"] == SCHEMA, doc["run"], [v["id"] for v in doc["verdicts"]]
    (True, {'seed': 0}, ['a'])
    """
    doc = {"schema": SCHEMA, "run": run, "verdicts": [v.to_json() for v in verdicts]}
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=False))


def read_results(*paths: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read and merge results files (CI shards): the first file's run info, all verdicts.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     one, two, other = Path(d) / "1.json", Path(d) / "2.json", Path(d) / "other.json"
    ...     write_results(one, [Verdict("a", "exp", "float64", "grad", "ok")], {"shard": 1})
    ...     write_results(two, [Verdict("b", "log", "float64", "grad", "ok")], {"shard": 2})
    ...     _ = other.write_text('{"schema": "something-else/1"}')
    ...     run, verdicts = read_results(one, two)
    ...     read_results(other)
    Traceback (most recent call last):
    ...
    ValueError: .../other.json: not a symgrad results file (schema 'something-else/1')
    >>> run, [v["id"] for v in verdicts]
    ({'shard': 1}, ['a', 'b'])
    """
    run: dict[str, Any] = {}
    verdicts: list[dict[str, Any]] = []
    for p in paths:
        doc = json.loads(Path(p).read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            schema = doc.get("schema") if isinstance(doc, dict) else None
            raise ValueError(f"{p}: not a symgrad results file (schema {schema!r})")
        run = run or doc.get("run", {})
        verdicts.extend(doc["verdicts"])
    return run, verdicts
