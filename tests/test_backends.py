"""``symgrad.backends`` (``torch.backends``): the lines training scripts write about cuDNN,
CUDA and MPS run, and say what symgrad is (a CPU library on NumPy alone)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import symgrad

PROGRAM = textwrap.dedent("""
    import torch
    import torch.backends.cudnn as cudnn
    cudnn.benchmark = True
    cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = True
    device = ("cuda" if torch.cuda.is_available() else
              "mps" if torch.backends.mps.is_available() else "cpu")
    with torch.backends.cudnn.flags(enabled=False, deterministic=True):
        inside = (cudnn.enabled, cudnn.deterministic)
    print(device, cudnn.benchmark, cudnn.deterministic, inside, cudnn.enabled,
          torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.is_available())
""")


def test_a_training_scripts_backend_lines_run_under_as_torch(tmp_path: object) -> None:
    path = tmp_path / "program.py"  # type: ignore[operator]
    path.write_text(PROGRAM)
    done = subprocess.run([sys.executable, "-m", "symgrad.testing.as_torch", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # What PyTorch's CPU build prints too: the flags as set, the block's restored after.
    assert done.stdout.split() == ["cpu", "True", "True", "(False,", "True)", "True", "True",
                                   "False"]


def test_nothing_is_reported_available() -> None:
    b = symgrad.backends
    assert not any((b.cudnn.is_available(), b.mps.is_available(), b.mps.is_built(),
                    b.cuda.is_built(), b.mkl.is_available(), b.mkldnn.is_available(),
                    b.openmp.is_available(), b.opt_einsum.is_available()))
    assert b.cudnn.version() is None


def test_cudnn_flags_come_back_after_an_error() -> None:
    cudnn = symgrad.backends.cudnn
    try:
        with cudnn.flags(enabled=False, benchmark=True):
            assert (cudnn.enabled, cudnn.benchmark) == (False, True)
            raise KeyError("inside")
    except KeyError:
        pass
    assert (cudnn.enabled, cudnn.benchmark) == (True, False)
