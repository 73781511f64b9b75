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

import sys
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from reduction_cases import CALLS, DTYPES, _values, cases, make_input, outcome  # noqa: E402

import symgrad  # noqa: E402

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# Differences still open, by function, each with what differs (the whole matrix's counts:
# ``python tests/test_reduction_audit.py``); such a function's cases are skipped.
LEFT: dict[str, str] = {
    "var_mean": "correction >= N (DELIBERATE: var_with_no_degrees_of_freedom)",
    **dict.fromkeys(("quantile", "nanquantile"),
                    "the nodes after SqueezeBackward4 (PyTorch's composite: LerpBackward1, "
                    "TransposeBackward1, GatherBackward0); lerp's rounding (8.9e-08 for 0); "
                    "the gradient at a NaN line's ties"),
}

# Differences listed as DELIBERATE in tests/test_torch_parity.py (each entry's test states both
# behaviours), by entry: these cases are not counted.
DELIBERATE_HERE = ("logsumexp_over_no_dims", "logsumexp_gradient_rounding",
                   "logcumsumexp_gradient_rounding", "cumprod_gradient_at_a_nan",
                   "vector_norm_gradient_rounding", "moment_and_mean_gradient_rounding")
# The functions whose values and gradients, where they differ, are compared with what they
# round: symgrad's must be the nearer at every element.
_NEARER = ("logsumexp", "logcumsumexp", "cumprod", "norm", "linalg.vector_norm", "linalg.norm",
           "std_mean", "var_mean")


def _known(case: tuple[Any, ...], theirs: Any, ours: Any) -> bool:
    """Whether a difference is one this file does not count: PyTorch's gradient of std and var
    over ``dim=()`` (DELIBERATE: its value is the moment over every dim, but its backward
    reduces no dim, so each element is its own slice of N = 1: inf, or for correction=2 three
    times the derivative with the opposite sign; symgrad's is the derivative of the value, as
    ``dim=None``'s and NumPy's ``(x - mean) / (std (N - correction))``), and the cases of
    ``DELIBERATE_HERE``."""
    fname, dtype, layout, dim, keepdim, extra = case
    fname = fname.removeprefix("Tensor.")
    torch_case = case
    if _logsumexp_over_no_dims(case, theirs, ours):
        # PyTorch's own outcome with keepdim=True stands for the one it cannot give
        torch_case = (case[0], dtype, layout, dim, True, extra)
        kept = outcome(torch, torch_case)
        theirs = (tuple((d, (), v, n) for d, _, v, n in kept[0]), kept[1])
        if theirs == ours:
            return True
    if theirs[0] == "raises" or ours[0] == "raises":
        return False
    if fname in ("std", "var", "std_mean", "var_mean") and dim == () and theirs[0] == ours[0]:
        return True
    if fname in _NEARER and _same_but_values(theirs, ours):
        return _nearer_exact(case, torch_case)
    if theirs[0] != ours[0]:
        return False
    # Half-precision results rounded in other steps (PyTorch rounds its std and var backward's
    # steps in the half dtype): symgrad's must be the nearer.
    return dtype in ("float16", "bfloat16") and _nearer_exact(case, torch_case)


def _logsumexp_over_no_dims(case: tuple[Any, ...], theirs: Any, ours: Any) -> bool:
    """Whether ``case`` meets PyTorch 2.13's bug: its logsumexp over ``dim=()`` (every dim) of
    a nonempty input without keepdim raises "output with shape [] doesn't match the broadcast
    shape", where symgrad's gives the value."""
    fname, _, _, dim, keepdim, _ = case
    return (fname.removeprefix("Tensor.") == "logsumexp" and dim == () and not keepdim
            and theirs[0] == "raises" and ours[0] != "raises"
            and theirs[2].startswith("output with shape [] doesn't match the broadcast"))


def _same_but_values(theirs: Any, ours: Any) -> bool:
    """Whether two outcomes have the same outputs' dtypes and nodes and gradients' dtypes."""
    def frame(o: Any) -> Any:
        return [(d, n) for d, _, _, n in o[0]], None if o[1] is None else o[1][0]
    return frame(theirs) == frame(ours)


def _run_full(lib: Any, case: tuple[Any, ...], at: np.ndarray | None = None) -> np.ndarray:
    """The outputs' values then the leaf's gradient of them (weighted as ``outcome``'s) in
    ``case``, unrounded, in float64; the input's values replaced by ``at`` (float64) if given."""
    fname, dtype, layout, dim, keepdim, extra = case
    base, x = make_input(lib, layout, dtype)
    if at is not None:
        base = lib.tensor(at.tolist(), dtype=lib.float64, requires_grad=True)
        x = base.permute(2, 1, 0) if layout == "perm" else base
    out = CALLS[fname](lib, x, dim, keepdim, dict(extra))
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o.is_floating_point()]
    weights = [((lib.arange(o.numel()) % 3) + 1).reshape(o.shape).to(o.dtype) for o in outs]
    (g,) = lib.autograd.grad(outs, base, weights)
    values = [v for o in outs for v in o.detach().to(lib.float64).reshape(-1).tolist()]
    return np.array(values + g.to(lib.float64).reshape(-1).tolist())


def _exact(case: tuple[Any, ...]) -> np.ndarray:
    """What ``case``'s values and gradient round: PyTorch's in float64 at the same input values
    (exact in every floating dtype), but for cumprod's gradient at a NaN element the product of
    the others, which does not depend on the element: PyTorch's with it replaced by 1."""
    at = _values(case[2], case[1])
    exact = _run_full(torch, case, at)
    if case[0].removeprefix("Tensor.") == "cumprod":
        gradient = exact.size - at.size
        for i in np.flatnonzero(np.isnan(at)):
            one = at.copy()
            one.flat[i] = 1.0
            exact[gradient + i] = _run_full(torch, case, one)[gradient + i]
    return exact


def _nearer_exact(case: tuple[Any, ...], torch_case: tuple[Any, ...]) -> bool:
    """Whether symgrad's values and gradient in ``case`` are, at every element, at least as
    near what they round (``_exact``) as PyTorch's in ``torch_case`` (NaN only where that is)."""
    exact = _exact(torch_case)
    ours, theirs = _run_full(symgrad, case), _run_full(torch, torch_case)
    if not np.array_equal(np.isnan(ours), np.isnan(exact)):
        return False
    finite = ~np.isnan(exact)
    err_ours = np.abs(ours - exact)[finite]
    err_theirs = np.where(np.isnan(theirs), np.inf, np.abs(theirs - exact))[finite]
    return bool(np.all(err_ours <= err_theirs))


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


def test_uncounted_differences_are_deliberate() -> None:
    from test_torch_parity import DELIBERATE

    assert set(DELIBERATE_HERE) <= set(DELIBERATE)


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
