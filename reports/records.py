"""Verdict records: the plain data the judges write and every report reads.

A results file is ``{"schema": SCHEMA, "run": {...}, "verdicts": [record, ...]}``. This module
holds the record's vocabulary (statuses, their order, who each blames, what each means for the
exit code) and reads results files, checking every field; it imports only the standard
library, so the judges take their vocabulary from here and ``reports`` never imports a judge.

>>> outcome("engine-wrong"), outcome("oracle-gave-up"), outcome("kink")
('fail', 'unjudged', 'pass')
>>> exit_code([{"status": "ok"}, {"status": "unjudged"}])
3
"""

from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA", "SEVERITY", "FAILING", "UNJUDGED", "PASSING", "WHO_IS_WRONG",
           "EXIT_CODES", "RecordError", "Results", "outcome", "passed", "exit_code",
           "check_record", "read_results", "dump_results", "ulp_summary", "json_safe",
           "write_atomic", "left_out_of", "counted_ulps"]

SCHEMA = "symgrad-results/1"

# Worst first: what a reader must look at comes before what merely could not be judged.
SEVERITY: tuple[str, ...] = (
    "error",
    "engine-wrong",
    "oracle-suspect",
    "unjudged",
    "nonfinite",
    "oracle-gave-up",
    "unsupported",
    "fd-unreliable",
    "kink",
    "ok",
)
# A wrong gradient, or a judge that contradicts itself: the run fails. A status this version
# does not know fails too (see ``outcome``).
FAILING: frozenset[str] = frozenset({"engine-wrong", "oracle-suspect", "error"})
# Nothing is shown wrong, but nothing is shown right either: never a pass.
UNJUDGED: frozenset[str] = frozenset({"unjudged", "nonfinite", "oracle-gave-up",
                                      "unsupported"})
# The engine is right, or right by its declared convention.
PASSING: frozenset[str] = frozenset({"ok", "kink", "fd-unreliable"})

WHO_IS_WRONG: dict[str, str | None] = {
    "engine-wrong": "engine",
    "fd-unreliable": "fd",
    "oracle-suspect": "oracle",
    "error": "engine",
}

# The exit codes of ``symgrad-check``, one meaning each.
EXIT_CODES: dict[int, str] = {
    0: "every check judged, every gradient right",
    1: "a gradient is wrong (or a check raised, or the judges disagree)",
    2: "usage or input error, found before any work: nothing was run or written",
    3: "nothing wrong, but some checks are unjudged",
    130: "interrupted: the previous outputs are left as they were",
    143: "terminated (SIGTERM): the previous outputs are left as they were",
}


def outcome(status: Any) -> str:
    """``"fail"``, ``"unjudged"`` or ``"pass"`` for a status; an unknown status fails.

    Args:
        status: A verdict record's ``status`` (any value: a record may come from anywhere).

    >>> [outcome(s) for s in ("ok", "fd-unreliable", "nonfinite", "error", "no-such-status")]
    ['pass', 'pass', 'unjudged', 'fail', 'fail']
    """
    if status in PASSING:
        return "pass"
    return "unjudged" if status in UNJUDGED else "fail"


def passed(record: dict[str, Any]) -> bool:
    """Whether a record passes; its status decides, whatever ``passed`` a file claims.

    Args:
        record: One verdict record.

    >>> passed({"status": "kink"}), passed({"status": "engine-wrong", "passed": True})
    (True, False)
    >>> passed({"status": "unsupported"}), passed({"status": "no-such-status"})
    (False, False)
    """
    return outcome(record.get("status")) == "pass"


def exit_code(records: Iterable[dict[str, Any]]) -> int:
    """1 when any record fails, else 3 when any is unjudged, else 0 (see ``EXIT_CODES``).

    Args:
        records: The verdict records of a run.

    >>> exit_code([]), exit_code([{"status": "kink"}, {"status": "error"}])
    (0, 1)
    """
    outcomes = {outcome(r.get("status")) for r in records}
    return 1 if "fail" in outcomes else 3 if "unjudged" in outcomes else 0


# -- the record's shape ---------------------------------------------------------------------

class RecordError(ValueError):
    """A results file or record that is not what this version reads: names file and field."""


def _is_number(x: Any) -> bool:
    if isinstance(x, str):
        return x in ("nan", "inf", "-inf")
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    try:
        float(x)
    except OverflowError:
        return False
    return True


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda x: x is None or check(x)


def _list_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda x: isinstance(x, list) and all(check(i) for i in x)


def _is_str(x: Any) -> bool:
    return isinstance(x, str)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and abs(x) < 2**63


def _is_dict(x: Any) -> bool:
    return isinstance(x, dict)


def _is_graph(x: Any) -> bool:
    if not isinstance(x, dict):
        return False
    if "dot" in x:
        return isinstance(x["dot"], str)
    node_id = lambda i: _is_str(i) or _is_int(i)  # noqa: E731 - a one-line predicate
    nodes = x.get("nodes", [])
    edges = x.get("edges", [])
    return (isinstance(nodes, list) and all(isinstance(n, dict) and node_id(n.get("id"))
                                            for n in nodes)
            and isinstance(edges, list)
            and all(isinstance(e, list) and len(e) == 2 and all(map(node_id, e))
                    for e in edges))


# Each field and what it must hold; ``None`` marks the required ones' absence as an error.
ELEMENT_FIELDS: dict[str, tuple[bool, str, Callable[[Any], bool]]] = {
    "input": (True, "a string", _is_str),
    "index": (True, "a list of integers", _list_of(_is_int)),
    "engine": (True, "a number", _is_number),
    "exact": (True, "a decimal string or null", _optional(_is_str)),
    "fd": (True, "a number or null", _optional(_is_number)),
    "fd_error_estimate": (True, "a number or null", _optional(_is_number)),
    "abs_error": (True, "a number or null", _optional(_is_number)),
    "rel_error": (True, "a number or null", _optional(_is_number)),
    "ulp_error": (True, "a number or null", _optional(_is_number)),
    "fd_ulp_error": (True, "a number or null", _optional(_is_number)),
    "tolerance_ulps": (True, "a number or null", _optional(_is_number)),
    "status": (True, "a string", _is_str),
    "bound": (False, "a string or null", _optional(_is_str)),
}
# ``culprit``: the first wrong node of the graph, when a judge names one.
CULPRIT_FIELDS: dict[str, tuple[bool, str, Callable[[Any], bool]]] = {
    "op": (False, "a string", _is_str),
    "grad_fn": (False, "a string", _is_str),
    "node": (False, "a node id", lambda x: _is_str(x) or _is_int(x)),
    "input": (False, "a string", _is_str),
    "index": (False, "a list of integers", _list_of(_is_int)),
    "source": (False, "a string", _is_str),
    "message": (False, "a string", _is_str),
}
VERDICT_FIELDS: dict[str, tuple[bool, str, Callable[[Any], bool]]] = {
    "id": (True, "a non-empty string", lambda x: _is_str(x) and bool(x)),
    "op": (True, "a string", _is_str),
    "dtype": (True, "a string", _is_str),
    "check": (True, "a string", _is_str),
    "status": (True, "a string", _is_str),
    "message": (False, "a string", _is_str),
    "order": (False, "1 or 2", lambda x: _is_int(x) and x in (1, 2)),
    "elements": (False, "a list of element records", lambda x: isinstance(x, list)),
    "max_ulp_error": (False, "a number or null", _optional(_is_number)),
    "max_fd_ulp_error": (False, "a number or null", _optional(_is_number)),
    "tolerance": (False, "an object", _is_dict),
    "inputs": (False, "a list of objects", _list_of(_is_dict)),
    "graph": (False, "a graph ({nodes, edges} or {dot}) or null", _optional(_is_graph)),
    "derivative": (False, "an object of strings or null",
                   _optional(lambda x: _is_dict(x) and all(map(_is_str, x.values())))),
    "culprit": (False, "a culprit record or null", _optional(_is_dict)),
    "reproducer": (False, "a string or null", _optional(_is_str)),
    "duration_s": (False, "a number", _is_number),
    "extra": (False, "an object", _is_dict),
    "passed": (False, "true or false", lambda x: isinstance(x, bool)),
    "wrong": (False, "a string or null", _optional(_is_str)),
}


def _check_fields(record: Any, spec: dict[str, tuple[bool, str, Callable[[Any], bool]]],
                  where: str) -> None:
    if not isinstance(record, dict):
        raise RecordError(f"{where}: expected an object, got {_show(record)}")
    for name in record:
        if name not in spec:
            raise RecordError(f"{where}: unknown field {name!r}")
    for name, (required, what, ok) in spec.items():
        if name not in record:
            if required:
                raise RecordError(f"{where}: missing field {name!r}")
        elif not ok(record[name]):
            raise RecordError(f"{where}.{name}: expected {what}, got {_show(record[name])}")


def _show(value: Any) -> str:
    text = f"{type(value).__name__} {value!r}" if not isinstance(value, int) else (
        f"an integer of {len(str(abs(value)))} digits" if abs(value) >= 10**20 else repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def check_record(record: Any, where: str = "record") -> None:
    """Raise ``RecordError`` naming the first field of ``record`` that is not as written.

    Args:
        record: A verdict record, as read from JSON.
        where: What the message calls the record (a file and an index).

    >>> check_record({"id": "a", "op": "mul", "dtype": "float32", "check": "grad",
    ...               "status": "ok", "max_ulp_error": "inf"})
    >>> check_record({"id": "a", "op": "mul", "dtype": "float32", "check": "grad",
    ...               "status": "ok", "order": 10**400}, "r.json: verdicts[0]")
    Traceback (most recent call last):
    ...
    reports.records.RecordError: r.json: verdicts[0].order: expected 1 or 2, got an integer
    of 401 digits
    """
    _check_fields(record, VERDICT_FIELDS, where)
    for i, element in enumerate(record.get("elements") or []):
        _check_fields(element, ELEMENT_FIELDS, f"{where}.elements[{i}]")
    if record.get("culprit") is not None:
        _check_fields(record["culprit"], CULPRIT_FIELDS, f"{where}.culprit")


# -- results files --------------------------------------------------------------------------

@dataclass
class Results:
    """Results files read and merged: each file's run information, the verdict records (exact
    duplicates dropped), and notes on what merging did."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def run(self, paths: list[Path]) -> dict[str, Any]:
        """The run information of a merged report: the files, and every shard's own.

        Args:
            paths: The results files merged, in the order given.

        >>> Results([{"shard": "1/2"}]).run([Path("a.json")])
        {'merged from': 'a.json', 'shards': [{'shard': '1/2'}]}
        """
        return {"merged from": ", ".join(str(p) for p in paths), "shards": self.runs}



def left_out_of(run: dict[str, Any]) -> list[Any]:
    """The catalog samples a run left out of its sweep, each with its defect (``"left out"``);
    a merged run's from its shards, each once.

    Args:
        run: A results file's ``run``, or a merged report's (``Results.run``).

    >>> shard = {"left out": [{"op": "div", "sample": "self=(1.0,)", "defect": "d"}]}
    >>> left_out_of({"shards": [shard, shard]}) == shard["left out"]
    True
    """
    found = list(run.get("left out") or [])
    for shard in run.get("shards") or []:
        for item in shard.get("left out") or [] if isinstance(shard, dict) else []:
            if item not in found:
                found.append(item)
    return found

def _load(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path}: cannot read: {exc}") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise RecordError(f"{path}: not a results file: JSON nested too deeply") from None
    except ValueError as exc:
        raise RecordError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        schema = doc.get("schema") if isinstance(doc, dict) else None
        raise RecordError(f"{path}: not a symgrad results file (schema {_show(schema)}; "
                          f"expected {SCHEMA!r})")
    for name in doc:
        if name not in ("schema", "run", "verdicts", "summary"):
            raise RecordError(f"{path}: unknown field {name!r}")
    if not isinstance(doc.get("run", {}), dict):
        raise RecordError(f"{path}: run: expected an object, got {_show(doc['run'])}")
    if not isinstance(doc.get("verdicts"), list):
        raise RecordError(f"{path}: verdicts: expected a list of verdict records, got "
                          f"{_show(doc.get('verdicts'))}")
    return doc


def read_results(*paths: Path) -> Results:
    """Read results files (CI shards), checking every field, and merge them.

    Args:
        *paths: The results files, in the order their verdicts are kept.

    Raises:
        RecordError: A file cannot be read, is not JSON or not a results file, or a field of
            it is not as written; the message names the file and the field.

    A record whose id another file already holds is dropped when the two are the same
    (a shard given twice) and refused when they differ:

    >>> import tempfile
    >>> record = {"id": "a", "op": "exp", "dtype": "float64", "check": "grad", "status": "ok"}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     one, two = Path(d) / "1.json", Path(d) / "2.json"
    ...     _ = one.write_text(dump_results({"shard": 1}, [record]))
    ...     _ = two.write_text(dump_results({"shard": 2}, [{**record, "status": "error"}]))
    ...     merged = read_results(one, one)
    ...     read_results(one, two)
    Traceback (most recent call last):
    ...
    reports.records.RecordError: .../2.json: verdicts[0]: id 'a' is also in .../1.json, with a
    different record
    >>> merged.runs, [v["id"] for v in merged.verdicts], merged.notes
    ([{'shard': 1}, {'shard': 1}], ['a'],
     ['dropped 1 exact duplicate record (a shard given twice?)'])
    """
    results = Results()
    seen: dict[str, tuple[Path, dict[str, Any]]] = {}
    dropped = 0
    for path in paths:
        doc = _load(path)
        results.runs.append(doc.get("run", {}))
        for i, record in enumerate(doc["verdicts"]):
            where = f"{path}: verdicts[{i}]"
            check_record(record, where)
            if record["id"] in seen:
                first, kept = seen[record["id"]]
                if kept != record:
                    raise RecordError(f"{where}: id {record['id']!r} is also in {first}, with a "
                                      "different record")
                dropped += 1
                continue
            seen[record["id"]] = (path, record)
            results.verdicts.append(record)
    if dropped:
        results.notes.append(f"dropped {dropped} exact duplicate record"
                             f"{'s' if dropped > 1 else ''} (a shard given twice?)")
    return results


def json_safe(value: Any) -> Any:
    """``value`` with nan and infinities as strings: JSON has neither, and a results file stays
    standard JSON.

    Args:
        value: JSON-like data: dicts, lists, tuples, numbers, strings.

    >>> json_safe({"a": [float("inf"), 1.5], "b": float("nan")})
    {'a': ['inf', 1.5], 'b': 'nan'}
    """
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _ulps_of(element: Any) -> float | None:
    u = element.get("ulp_error") if isinstance(element, dict) else None
    if isinstance(u, str):
        u = float(u) if u in ("inf", "nan") else None
    return float(u) if isinstance(u, int | float) and not isinstance(u, bool) and not (
        math.isnan(u)) else None


def ulp_summary(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The engine's error per op, dtype and order: the median and the worst ULP error over
    every judged element of those checks (a check that lists only its worst elements counts
    all of them by value: ``counted_ulps``), and the check holding the worst.

    Args:
        records: Verdict records (as in ``results.json``).

    Returns:
        One row per op, dtype and order, sorted by them: ``op``, ``dtype``, ``order``,
        ``elements``, ``median_ulp``, ``worst_ulp``, ``worst_check``.

    >>> ulp_summary([{"id": "a", "op": "exp", "dtype": "float32", "order": 1,
    ...               "elements": [{"ulp_error": 0}, {"ulp_error": 1}, {"ulp_error": 3}]}])
    [{'op': 'exp', 'dtype': 'float32', 'order': 1, 'elements': 3, 'median_ulp': 1.0, \
'worst_ulp': 3.0, 'worst_check': 'a'}]
    """
    cells: dict[tuple[str, str, int], list[tuple[float, str]]] = {}
    every: dict[tuple[str, str, int], list[float]] = {}
    for r in records:
        key = (str(r.get("op")), str(r.get("dtype")), int(r.get("order") or 1))
        listed = [u for u in (_ulps_of(e) for e in r.get("elements") or []) if u is not None]
        cells.setdefault(key, []).extend((u, str(r.get("id"))) for u in listed)
        every.setdefault(key, []).extend(counted_ulps(r) or listed)
    rows = []
    for (op, dtype, order), found in sorted(cells.items()):
        if not found:
            continue
        worst = max(found)
        judged = every[(op, dtype, order)]
        rows.append({"op": op, "dtype": dtype, "order": order, "elements": len(judged),
                     "median_ulp": float(statistics.median(judged)),
                     "worst_ulp": worst[0], "worst_check": worst[1]})
    return rows


def counted_ulps(record: dict[str, Any]) -> list[float]:
    """Every judged element's ULP error of a check that lists only its worst elements, from
    the counts it keeps (``extra["ulp_errors"]``: error -> count; kinks and non-finite errors
    left out); empty for a check that lists them all.

    Args:
        record: A verdict record.

    >>> counted_ulps({"extra": {"ulp_errors": {"0.0": 2, "3.0": 1}}})
    [0.0, 0.0, 3.0]
    """
    counts = (record.get("extra") or {}).get("ulp_errors") if isinstance(
        record.get("extra"), dict) else None
    if not isinstance(counts, dict):
        return []
    found: list[float] = []
    for text, n in counts.items():
        try:
            u = float(text)
        except (TypeError, ValueError):
            continue
        if math.isfinite(u) and isinstance(n, int) and 0 < n <= 10**7:
            found.extend([u] * n)
    return sorted(found)


def dump_results(run: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """A results file's text: standard JSON, nan and infinities as strings, with the
    ``summary`` of the engine's error per op, dtype and order (``ulp_summary``), which a
    merge computes again from the verdicts.

    Args:
        run: What the run was (command, versions, options, shard).
        records: The verdict records.

    >>> dump_results({}, [{"id": "a", "max_ulp_error": float("nan")}]).count('"nan"')
    1
    """
    doc = {"schema": SCHEMA, "run": run, "verdicts": records,
           "summary": {"ulp_error": ulp_summary(records)}}
    return json.dumps(json_safe(doc), indent=1, allow_nan=False)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half a file.

    Args:
        path: The file written.
        text: Its whole content (UTF-8).

    Missing parent directories are made; no temporary file is left behind:

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
