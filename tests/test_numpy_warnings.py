"""NumPy's floating-point RuntimeWarnings stay inside symgrad, as PyTorch gives none.

What a user sees is checked in a fresh interpreter run with ``-W always`` (every warning that
reaches the filters is printed), since pytest swaps the warning filters around each test; the
expected values are the mathematics (exp(1000) and 1 / 0 overflow to inf, 0 / 0 is nan).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import symgrad
from symgrad._warnings import install


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True,
                          text=True, check=True, timeout=60)


SETUP = "import numpy as np, symgrad, symgrad.nn.functional as F; f64 = symgrad.float64\n"
CASES = {
    "forward exp overflow": ("print(symgrad.tensor([1000.0]).exp())", "tensor([inf])"),
    "forward division by zero": ("print(symgrad.tensor([1.0, 0.0]) / symgrad.tensor([0.0, 0.0]))",
                                 "tensor([inf, nan])"),
    # The forwards are finite; only the VJPs overflow: g * exp(700) and -g / x**2 at 1e-200.
    "backward of exp": ("x = symgrad.tensor([700.0], dtype=f64, requires_grad=True)\n"
                        "x.exp().backward(symgrad.tensor([1e300], dtype=f64))\n"
                        "print(x.grad)", "tensor([inf], dtype=symgrad.float64)"),
    "backward of 1 / x": ("x = symgrad.tensor([1e-200], dtype=f64, requires_grad=True)\n"
                          "(1 / x).backward()\n"
                          "print(x.grad)", "tensor([-inf], dtype=symgrad.float64)"),
    "nn.functional.mse_loss": ("x = symgrad.tensor([1e200], dtype=f64)\n"
                               "print(F.mse_loss(x, -x).item())", "inf"),
    "nn.functional.linear": ("x = symgrad.tensor([[1e200]], dtype=f64)\n"
                             "print(F.linear(x, x).item())", "inf"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_no_floating_point_warning_reaches_the_user(case: str) -> None:
    code, expected = CASES[case]
    done = _run(SETUP + code)
    assert done.stdout.strip() == expected
    assert "RuntimeWarning" not in done.stderr, done.stderr


def test_the_users_own_numpy_still_warns() -> None:
    done = _run(SETUP + "symgrad.tensor([1000.0]).exp()\n"
                "np.array([1.0]) / 0\n"
                "def user(a): return np.exp(a)\n"
                "user(np.array([1000.0]))\n")
    assert done.stderr.count("RuntimeWarning") == 2, done.stderr
    assert "divide by zero encountered in divide" in done.stderr
    assert "overflow encountered in exp" in done.stderr
    assert "symgrad" not in done.stderr


def test_numpys_error_state_is_left_alone() -> None:
    done = _run("import numpy as np\nbefore = np.geterr()\nimport symgrad\n"
                "print(before == np.geterr(), before['divide'])")
    assert done.stdout.split() == ["True", "warn"]


def test_install_under_a_users_catch_warnings() -> None:
    # A user's "always" given after the filter is installed keeps symgrad's filter in front.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        install()
        out = symgrad.tensor([1.0, 0.0]) / symgrad.tensor([0.0, 0.0])
        np.exp(np.array([1000.0]))
    assert np.isinf(out[0].item()) and np.isnan(out[1].item())
    assert [(w.category, w.filename) for w in caught] == [(RuntimeWarning, __file__)]


def test_symgrads_own_warnings_are_kept() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        install()
        y = symgrad.tensor([1.0], requires_grad=True) * 2
        assert y.grad is None
    assert [w.category for w in caught] == [UserWarning]
    assert ".grad attribute of a Tensor that is not a leaf" in str(caught[0].message)
