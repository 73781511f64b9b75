"""The torch sweep's checks and their reproducers (skipped where torch is not installed).

A reproducer is a torch-only script: it runs here in a fresh interpreter that cannot import
the project (``oracle``, ``symgrad``, ``reports``, python-flint), and must print, bit for bit,
the gradients the verdict judged.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from oracle.engines import get  # noqa: E402
from oracle.sweep import Check, run_check  # noqa: E402

TORCH_ALONE = """
import sys


class _ProjectBlocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"oracle", "symgrad", "reports", "pytest_symgrad", "flint"}:
            raise ImportError(f"a torch-only reproducer imported {name}")


sys.meta_path.insert(0, _ProjectBlocked())
"""

CHECKS = [Check("sigmoid", "float64", 1, 1), Check("sigmoid", "bfloat16", 1, 2),
          Check("softmax", "float32", 0, 1), Check("tanh", "float16", 0, 2),
          Check("mul", "float32", 0, 2)]


def _printed(script: str) -> dict[str, list[float]]:
    run = subprocess.run([sys.executable, "-I", "-c", TORCH_ALONE + script],
                         capture_output=True, text=True, check=True)
    out = {}
    for line in run.stdout.splitlines():
        name, values = line.split(" ", 1)
        out[name] = [float.fromhex(h) for h in ast.literal_eval(values)]
    return out


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_sweep_reproducer_prints_the_gradients_the_verdict_judged(check):
    verdict = run_check(check, engine="torch")
    printed = _printed(verdict.reproducer)
    shapes = {i["name"]: i["shape"] for i in verdict.inputs}
    assert verdict.elements
    for e in verdict.elements:
        flat = int(np.ravel_multi_index(e.index, shapes[e.input]))
        assert printed[e.input][flat] == e.engine, (e.input, e.index)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_a_cases_own_reproducer_is_the_verdicts(check):
    # The case's script stands in when a check raises before its verdict has one: it must
    # weigh the outputs as the check does (not with ones).
    case = get("torch").case(check.op, check.dtype, check.sample)
    assert case.reproducer(check.order) == run_check(check, engine="torch").reproducer


def test_the_torch_sweep_looks_where_the_judges_catalog_says():
    from oracle import catalog

    torch_ops = get("torch")
    for op, dtype in [("tanh", "float16"), ("log1p", "float32"), ("sigmoid", "bfloat16")]:
        (x,) = torch_ops.case(op, dtype, 1).inputs
        want = catalog.points(op, dtype)
        got = x.detach().double().numpy()
        assert got.tolist() == want.tolist() and x.dtype == getattr(torch, dtype)
    n = torch_ops.catalog()["mul"][1]
    nan_sample = torch_ops.case("mul", "float64", n - 1).inputs[0].detach().numpy()
    assert np.isnan(nan_sample).any()  # the catalog's NaN and infinities, beside a finite one


def test_the_torch_sweep_keeps_to_the_judges_domains():
    from oracle.crosscheck import crosscheck
    from oracle.samples import DOMAINS

    torch_ops = get("torch")
    assert torch_ops.op_info("log").domains == DOMAINS["log"]
    assert torch_ops.op_info("pow_tensor").domains == {"self": DOMAINS["pow_tensor"]["self"]}
    assert torch_ops.op_info("sigmoid").domains == {}
    # Next to log's edge at 0 (float32's smallest normal and subnormal), differences that
    # straddle it are unreliable; kept inside it (the op's info), they confirm PyTorch's value.
    for op, status in [(None, "fd-unreliable"), ("log", "ok")]:
        x = torch.tensor([2.0**-126, 2.0**-149, 1.0], dtype=torch.float32, requires_grad=True)
        assert crosscheck(torch.log, [x], op=op).status == status
