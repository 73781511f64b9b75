"""The pytest plugin in a throwaway project: its own test file, run by pytest in a subprocess,
once with a right and once with a wrong custom backward; the report it writes; the dtype
marker; and that loading the plugin imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT = '''
import pytest
import torch
import symgrad


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return FACTOR * g * x * x


@pytest.mark.symgrad_dtypes("float32", "float64")
def test_cube(gradcheck, dtype):
    x = torch.tensor([0.5, -1.25, 2.0], dtype=getattr(torch, dtype), requires_grad=True)
    gradcheck(lambda x: Cube.apply(x).sum(), x)


def test_symgrad_tanh(gradcheck):
    x = symgrad.tensor([0.5, -2.0], requires_grad=True)
    verdict = gradcheck(lambda x: x.tanh().sum(), x)
    assert verdict.status == "ok"
'''


def _project(tmp_path: Path, factor: int) -> Path:
    (tmp_path / "test_mine.py").write_text(PROJECT.replace("FACTOR", str(factor)))
    return tmp_path


def _pytest(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-o", "addopts=", *args], cwd=where, capture_output=True, text=True,
                          timeout=600)


def test_right_backward_passes_and_the_report_is_written_under_xdist(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("xdist")
    run = _pytest(_project(tmp_path, 3), "-n", "2", "--symgrad-report", "report")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    assert sorted(v["dtype"] for v in results["verdicts"]) == ["float32", "float32", "float64"]
    assert {v["status"] for v in results["verdicts"]} == {"ok"}
    assert (tmp_path / "report" / "index.html").exists()
    assert (tmp_path / "report" / "junit.xml").exists()
    assert not (tmp_path / "report" / ".symgrad-parts").exists()


def test_wrong_backward_fails_naming_the_node(tmp_path):
    pytest.importorskip("torch")
    run = _pytest(_project(tmp_path, 6))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 failed, 1 passed" in run.stdout
    assert "gradient engine-wrong" in run.stdout
    assert "node CubeBackward alone" in run.stdout


def test_loading_the_plugin_imports_nothing_heavy():
    code = textwrap.dedent("""
        import sys
        import pytest_symgrad
        heavy = [m for m in ("numpy", "sympy", "torch", "oracle", "symgrad", "mpmath")
                 if m in sys.modules]
        print(heavy)
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip() == "[]"


def test_the_marker_refuses_a_dtype_that_is_not_a_float(tmp_path):
    (tmp_path / "test_bad.py").write_text(
        "import pytest\n\n@pytest.mark.symgrad_dtypes('int8')\ndef test_x(dtype):\n    pass\n")
    run = _pytest(tmp_path)
    assert run.returncode != 0
    assert "'int8' (float dtypes: float16, bfloat16, float32, float64)" in run.stdout + run.stderr
