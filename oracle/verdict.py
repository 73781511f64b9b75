"""Verdicts: what the judges found, written as plain records for ``reports``.

A ``Verdict`` becomes a record (``to_json``), the only thing ``reports/`` knows about. The
record's vocabulary (statuses, their order, who each blames) and its results files belong to
``reports.records``, which imports nothing of the judges: the import goes one way.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reports.records import (
    FAILING,
    PASSING,
    SCHEMA,
    SEVERITY,
    UNJUDGED,
    WHO_IS_WRONG,
    check_record,
    dump_results,
    json_safe,
    outcome,
    write_atomic,
)

__all__ = ["Element", "Verdict", "write_results", "SCHEMA", "SEVERITY", "FAILING", "UNJUDGED",
           "PASSING", "WHO_IS_WRONG"]


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
    # Which size the bound was taken from: "own" (|exact|), "terms" (the chain rule's terms
    # in absolute value, with the forward's rounding), "estimated" (a scale, the terms being
    # out of reach).
    bound: str | None = None


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
    culprit: dict[str, Any] | None = None
    reproducer: str | None = None
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Judged right: an unjudged check never passes, nor a status this version does not
        know.

        >>> [Verdict("a", "mul", "float64", "grad", status).passed
        ...  for status in ("ok", "kink", "unsupported", "oracle-suspect", "no-such-status")]
        [True, True, False, False, False]
        """
        return outcome(self.status) == "pass"

    @property
    def wrong(self) -> str | None:
        """Who the verdict blames: "engine", "fd", "oracle", or None when no one is.

        >>> [Verdict("a", "mul", "float64", "grad", status).wrong
        ...  for status in ("ok", "engine-wrong", "fd-unreliable", "oracle-suspect", "error")]
        [None, 'engine', 'fd', 'oracle', 'engine']
        """
        return WHO_IS_WRONG.get(self.status)

    def __repr__(self) -> str:
        """One short line: id, status, who is wrong and the worst element; ``to_json`` holds
        the full record.

        >>> e = Element("self", [1], 2.0, "1.5", 1.5, 1e-9, 0.5, 0.33, 4096.0, 0.0, 4.0,
        ...             "engine-wrong")
        >>> Verdict("op/mul/float32/sample0/grad", "mul", "float32", "grad", "engine-wrong",
        ...         "1 engine-wrong", elements=[e], reproducer="x" * 3000)
        <Verdict op/mul/float32/sample0/grad: engine-wrong, engine is wrong; worst self[1]:
         engine 2.0, exact 1.5, 4096 ulp>
        """
        text = f"<Verdict {self.id}: {self.status}"
        if self.wrong:
            text += f", {self.wrong} is wrong"
        bad = [e for e in self.elements if e.status not in PASSING]
        if bad:
            # nan ULPs (a nan gradient) are the worst; an element without ULPs the least bad.
            worst = max(bad, key=lambda e: -1.0 if e.ulp_error is None else
                        math.inf if math.isnan(e.ulp_error) else e.ulp_error)
            exact = worst.exact if worst.exact is None or len(worst.exact) <= 24 \
                else worst.exact[:22] + "…"
            ulps = "" if worst.ulp_error is None else f", {worst.ulp_error:.4g} ulp"
            text += (f"; worst {worst.input}{worst.index}: engine {worst.engine!r}, exact "
                     f"{exact}{ulps}")
        elif self.status not in PASSING and self.message:
            first = self.message.strip().splitlines()[0] if self.message.strip() else ""
            text += f"; {first[:120]}"
        return text + ">"

    __str__ = __repr__

    def to_json(self) -> dict[str, Any]:
        """The record written to a results file: every field plus ``passed`` and ``wrong``,
        nan and infinities as strings so the file stays standard JSON.

        >>> import json
        >>> v = Verdict("a", "mul", "float64", "grad", "nonfinite", max_ulp_error=float("inf"))
        >>> data = v.to_json()
        >>> data["passed"], data["wrong"], data["max_ulp_error"]
        (False, None, 'inf')
        >>> Verdict.from_json(json.loads(json.dumps(data, allow_nan=False))).status
        'nonfinite'
        """
        data = asdict(self)
        data["passed"] = self.passed
        data["wrong"] = self.wrong
        return json_safe(data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        """A verdict from its record; a record of another shape is a ``ValueError`` naming the
        field.

        >>> Verdict.from_json({"id": "a", "op": "mul", "dtype": "float32", "check": "grad",
        ...                    "status": "ok", "passed": True}).status
        'ok'
        >>> Verdict.from_json({"id": "a", "op": "mul", "dtype": "float32", "check": "grad",
        ...                    "status": "ok", "colour": "red"})
        Traceback (most recent call last):
        ...
        reports.records.RecordError: verdict record 'a': unknown field 'colour'
        """
        check_record(data, f"verdict record {data.get('id')!r}")
        fields = {k: v for k, v in data.items() if k not in ("passed", "wrong")}
        fields["elements"] = [Element(**e) for e in fields.get("elements") or []]
        return cls(**fields)


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
    write_atomic(path, dump_results(run, [v.to_json() for v in verdicts]))
