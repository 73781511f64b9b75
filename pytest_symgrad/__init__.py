"""symgrad's pytest plugin (entry point ``pytest11``): judge your own gradients in your tests.

It imports nothing of the judge, of NumPy or of an engine until a test uses it, so it costs a
pytest run that does not use it nothing.

- the ``gradcheck`` fixture: ``gradcheck(fn, *inputs, order=1, **options)`` judges ``fn``'s
  gradients (symgrad or torch tensors: the engine is picked from their type) with
  ``oracle.crosscheck``, fails the test with the verdict's message when the engine is wrong,
  and returns the verdict;
- the marker ``@pytest.mark.symgrad_dtypes("float32", "float64")``: runs the test once per
  dtype, the dtype's name in its ``dtype`` argument (the four float dtypes when none is given);
- ``--symgrad-report DIR``: writes ``results.json``, ``index.html`` and ``junit.xml`` of every
  verdict the run's tests made (under pytest-xdist too: each worker leaves its verdicts in
  ``DIR``, and the controller writes the report from all of them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

__all__ = ["FAILING", "DTYPES"]

# Verdicts that fail a test: the engine is wrong, or raised.
FAILING = ("engine-wrong", "error")
DTYPES = ("float16", "bfloat16", "float32", "float64")
_VERDICTS = pytest.StashKey[list]()
_PARTS = ".symgrad-parts"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--symgrad-report DIR``."""
    parser.getgroup("symgrad").addoption(
        "--symgrad-report", metavar="DIR", default=None,
        help="write results.json, index.html and junit.xml of the gradcheck fixture's verdicts")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker; start the run's list of verdicts."""
    config.addinivalue_line(
        "markers", "symgrad_dtypes(*dtypes): run the test once per float dtype (its `dtype` "
        "argument); all four when none is given")
    config.stash[_VERDICTS] = []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise a test marked ``symgrad_dtypes`` over its dtypes."""
    marker = metafunc.definition.get_closest_marker("symgrad_dtypes")
    if marker is None:
        return
    if "dtype" not in metafunc.fixturenames:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: symgrad_dtypes needs a "
                                "`dtype` argument")
    dtypes = marker.args or DTYPES
    unknown = [d for d in dtypes if d not in DTYPES]
    if unknown:
        raise pytest.UsageError(f"symgrad_dtypes: {', '.join(map(repr, unknown))} "
                                f"(float dtypes: {', '.join(DTYPES)})")
    metafunc.parametrize("dtype", list(dtypes))


@pytest.fixture
def gradcheck(request: pytest.FixtureRequest) -> Any:
    """A judge of a function's gradients inside a test: ``gradcheck(fn, *inputs, order=1,
    **options)`` returns the ``oracle.crosscheck`` verdict and fails the test when the engine
    is wrong (the message names the node and the worst element in ULPs)."""
    verdicts = request.config.stash[_VERDICTS]

    def check(fn: Any, *inputs: Any, order: int = 1, **options: Any) -> Any:
        from oracle.crosscheck import crosscheck

        options.setdefault("check_id", f"{request.node.nodeid}#{len(verdicts)}")
        verdict = crosscheck(fn, list(inputs), order=order, **options)
        verdicts.append(verdict.to_json())
        if verdict.status in FAILING:
            pytest.fail(f"gradient {verdict.status}: {verdict.message}", pytrace=False)
        return verdict

    return check


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the report (a worker of pytest-xdist leaves its verdicts for the controller)."""
    config = session.config
    out = config.getoption("--symgrad-report")
    if not out:
        return
    out = Path(out)
    parts = out / _PARTS
    parts.mkdir(parents=True, exist_ok=True)
    worker = getattr(config, "workerinput", None)
    name = worker["workerid"] if worker else f"main-{os.getpid()}"
    (parts / f"{name}.json").write_text(json.dumps(config.stash[_VERDICTS]), encoding="utf-8")
    if worker:
        return
    from reports import write_reports
    from reports.records import dump_results, write_atomic

    records = [r for p in sorted(parts.glob("*.json"))
               for r in json.loads(p.read_text(encoding="utf-8"))]
    for p in parts.glob("*.json"):
        p.unlink()
    parts.rmdir()
    run = {"command": "pytest --symgrad-report " + str(out), "engine": "from the inputs"}
    write_atomic(out / "results.json", dump_results(run, records))
    write_reports(out, run, records)
