"""Programs written for PyTorch (``examples/pytorch_style``) print the same under symgrad.

Each program is run twice in a fresh interpreter: with PyTorch, and with symgrad standing in
for ``torch`` (``symgrad.testing.as_torch``). Both seed PyTorch's random stream, so the data,
the initial weights and the dropout masks are the same, and everything printed must be too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

PROGRAMS = sorted((Path(__file__).parent.parent / "examples" / "pytorch_style").glob("*.py"))


def _run(*command: str) -> str:
    done = subprocess.run([sys.executable, *command], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_there_are_programs_and_they_import_torch_only() -> None:
    assert len(PROGRAMS) >= 6
    for program in PROGRAMS:
        text = program.read_text()
        assert "import torch" in text, program.name
        assert "import symgrad" not in text and "from symgrad" not in text, program.name


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_program_prints_what_it_prints_under_pytorch(program: Path) -> None:
    with_torch = _run(str(program))
    with_symgrad = _run("-m", "symgrad.testing.as_torch", str(program))
    assert with_torch.strip(), "the program prints nothing to compare"
    assert with_symgrad == with_torch
