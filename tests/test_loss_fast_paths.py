"""Cross-entropy's short ways on a batch of logits, held to the mathematics and to PyTorch.

log_softmax's narrow forward (float32, float16, bfloat16) tests in one count that every row
has one largest element and a finite max (see ``_log_softmax_narrow``): a batch here mixes rows
whose faults could cancel in such a count (ties add zeros, rows with a NaN, an infinity or
only -inf have none), so a count that missed one kind would send a tie down the short way,
which zeroes every largest element. log_softmax's array VJP along the last dim finds each
row's first largest log-probability by ``argmax``: rows here tie after rounding (the first
one is "largest", as in the VJP on tensors), and a confident row's gradient p - 1 at the
target is exp(out) - 1 taken as expm1 (0 in float32 otherwise).

Expected values: mpmath's, rounded once to the dtype's precision; PyTorch's NaN rows.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as F

INF, NAN = math.inf, math.nan
# Three rows with no zero once shifted by their max (+inf - +inf, NaN, -inf - -inf are NaN),
# three ties with one zero too many each: a count of zeros alone finds one per row.
ROWS = [
    [1.0, 2.0, 3.0, 0.5],
    [2.0, 2.0, -1.0, 0.0],  # a tie for the largest
    [INF, 1.0, -INF, 2.0],  # one +inf: every element NaN, as PyTorch's
    [NAN, 0.0, 1.0, 2.0],
    [-INF, -INF, -INF, -INF],
    [-INF, 0.0, -INF, 2.0**-20],
    [0.0, -0.0, -3.0, -5.0],  # zeros of both signs tie
    [3.0, -1.0, 3.0, 0.0],
    [40.0, 0.0, -1.0, 1.0],  # the largest's log-probability is -6.4e-18
]
NAN_ROWS = {2, 3, 4}
# Bits of precision, and the exponent of the smallest normal number.
FORMATS = {"float32": (24, -126), "float16": (11, -14), "bfloat16": (8, -126)}


def _exact_log_softmax(row: list[float], dtype: str) -> list[float]:
    """log_softmax of ``row`` to 60 digits, rounded once to ``dtype`` (nearest, ties to even;
    below the smallest normal number to a multiple of the smallest subnormal)."""
    bits, emin = FORMATS[dtype]
    with mpmath.workdps(60):
        xs = [mpmath.mpf(v) for v in row]
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in xs))
        exact = [v - lse for v in xs]
        tiny = mpmath.ldexp(1, emin - bits + 1)
        subnormal = [float(mpmath.nint(v / tiny) * tiny) for v in exact]
    with mpmath.workprec(bits):
        return [s if abs(v) < mpmath.ldexp(1, emin) else float(+v)
                for v, s in zip(exact, subnormal, strict=True)]


# The rows with one largest element, or one +inf and no NaN: a batch the short way takes.
ONE_EACH = [0, 2, 5, 8]


@pytest.mark.parametrize("layout", ["rows", "columns", "strided"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("batch", ["every kind", "one largest each"])
def test_log_softmax_of_a_batch_with_rows_of_every_kind(batch: str, dtype: str,
                                                        layout: str) -> None:
    kept = range(len(ROWS)) if batch == "every kind" else ONE_EACH
    x = np.array([ROWS[i] for i in kept])
    dim = 1
    if layout == "columns":  # the slices along dim 0 of a C-contiguous array
        x, dim = np.ascontiguousarray(x.T), 0
    elif layout == "strided":  # a Fortran-ordered array, along its last dim
        x = np.asfortranarray(x)
    t = symgrad.tensor(x, dtype=getattr(symgrad, dtype))
    got = symgrad.log_softmax(t, dim).to(symgrad.float64).numpy()
    if dim == 0:
        got = got.T
    for have, i in zip(got, kept, strict=True):
        if i in NAN_ROWS:
            assert np.isnan(have).all(), (i, have)
        else:
            assert have.tolist() == _exact_log_softmax(ROWS[i], dtype), (i, have)


def test_log_softmax_of_the_batch_has_pytorchs_nans_and_infinities() -> None:
    torch = pytest.importorskip("torch")
    ours = symgrad.log_softmax(symgrad.tensor(np.array(ROWS, np.float32)), 1).numpy()
    theirs = torch.log_softmax(torch.tensor(np.array(ROWS, np.float32)), 1).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(theirs))


def _logits() -> tuple[np.ndarray, np.ndarray]:
    """A batch of 64 x 10 float32 logits, with rows whose log-probabilities tie after
    rounding (0 and -2**-30 apart, below a float32 ULP of theirs) and confident rows; and
    targets, the confident rows' their largest class."""
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((64, 10)) * 3).astype(np.float32)
    target = rng.integers(0, 10, 64)
    for i in range(0, 64, 4):  # the first two elements tie after rounding, largest
        x[i, :2] = [5.0, 5.0 - 2.0**-30] if i % 8 else [5.0 - 2.0**-30, 5.0]
    for i in range(1, 64, 8):  # confident: p at the target 1 - 5e-17
        x[i, 3], target[i] = 40.0, 3
    return x, target


@pytest.mark.parametrize("cotangent", ["cross entropy", "dense", "dense, Fortran order"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_softmax_gradient_without_a_graph_is_the_recorded_one(dtype: str,
                                                                  cotangent: str) -> None:
    x, target = _logits()
    leaf = symgrad.tensor(x.astype(dtype), requires_grad=True)
    out = symgrad.log_softmax(leaf, 1)
    assert (out.detach().numpy()[::4, 0] == out.detach().numpy()[::4, 1]).all()  # ties
    if cotangent == "cross entropy":
        g = np.zeros((64, 10), dtype)
        g[np.arange(64), target] = -1 / 64
    else:
        g = np.random.default_rng(5).standard_normal((64, 10)).astype(dtype)
        if "Fortran" in cotangent:
            g = np.asfortranarray(g)
    fast, = symgrad.autograd.grad(out, leaf, symgrad.tensor(g), retain_graph=True)
    recorded, = symgrad.autograd.grad(out, leaf, symgrad.tensor(g), create_graph=True)
    bits = np.uint64 if dtype == "float64" else np.uint32
    np.testing.assert_array_equal(fast.numpy().view(bits), recorded.detach().numpy().view(bits))


def test_cross_entropy_gradient_at_a_confident_right_answer_is_p_minus_1() -> None:
    x, target = _logits()
    leaf = symgrad.tensor(x, requires_grad=True)
    F.cross_entropy(leaf, symgrad.tensor(target)).backward()
    grad = leaf.grad.numpy()
    for i in range(1, 64, 8):
        with mpmath.workdps(40):
            row = [mpmath.mpf(float(v)) for v in x[i]]
            total = mpmath.fsum(mpmath.exp(v) for v in row)
            # (p - 1) / 64 at the target: minus the others' probabilities over 64.
            want = -mpmath.fsum(mpmath.exp(v) for j, v in enumerate(row) if j != 3) / total / 64
        have = grad[i, 3]
        assert have != 0 and abs(have - want) <= 2 * np.spacing(-have), (i, have, want)


# nll_loss's forward sums the picked log-probabilities and negates the sum, where NumPy's sum
# of the negated ones starts from +0: a zero loss must stay +0 (PyTorch's 0 - 0) and the NaN
# of inf - inf keeps the sign of PyTorch's (the sum of the negated values), not its negation.
ZERO_OR_NAN_TOTALS = {
    "zeros": ([[0.0, -1.0], [-0.0, -2.0]], [0, 0]),
    "a negative zero": ([[-0.0, -1.0]], [0]),
    "inf and -inf": ([[np.inf, 0.0], [-np.inf, 0.0]], [0, 0]),
    "-inf and inf": ([[-np.inf, 0.0], [np.inf, 0.0]], [0, 0]),
    "NaNs of both signs": ([[NAN, 0.0], [-NAN, 0.0]], [0, 0]),
    "a finite loss": ([[-0.25, -1.0], [-3.0, -0.5]], [0, 1]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("case", list(ZERO_OR_NAN_TOTALS))
def test_nll_loss_of_zero_and_nan_totals_has_pytorchs_bits(case: str, reduction: str,
                                                           dtype: str) -> None:
    torch = pytest.importorskip("torch")
    rows, target = ZERO_OR_NAN_TOTALS[case]
    x = np.array(rows, dtype)
    ours = F.nll_loss(symgrad.tensor(x), symgrad.tensor(np.array(target)),
                      reduction=reduction).numpy()
    theirs = torch.nn.functional.nll_loss(torch.tensor(x), torch.tensor(target),
                                          reduction=reduction).numpy()
    bits = np.uint64 if dtype == "float64" else np.uint32
    assert ours.view(bits) == theirs.view(bits), (ours, theirs)


# nll_loss's array VJP multiplies a 0-d gradient by the weight (-1 over the count for "mean")
# in Python's float64, the weight first rounded to the dtype as the VJP on tensors rounds it:
# the float32 product of two float32 values is their exact float64 product rounded once. These
# gradients (0.12573022 among them) round differently against the unrounded weight -1/3.
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("gradient", [0.12573022, 0.104900114, -0.5356694, 3e38, 1e-45, -0.0,
                                      INF, NAN, -NAN])
def test_nll_gradient_without_a_graph_is_the_recorded_one(gradient: float, reduction: str,
                                                          dtype: str) -> None:
    leaf = symgrad.tensor(np.array([[-0.5, -1.0], [-2.0, -0.1], [-0.3, -0.7], [-1.0, -1.0]],
                                   dtype), requires_grad=True)
    # Three targets counted, one ignored: the mean's weight -1/3.
    loss = F.nll_loss(leaf, symgrad.tensor([0, 1, 1, 7]), reduction=reduction, ignore_index=7)
    g = symgrad.tensor(np.array(gradient, dtype))
    fast, = symgrad.autograd.grad(loss, leaf, g, retain_graph=True)
    recorded, = symgrad.autograd.grad(loss, leaf, g, create_graph=True)
    bits = np.uint64 if dtype == "float64" else np.uint32
    np.testing.assert_array_equal(fast.numpy().view(bits), recorded.detach().numpy().view(bits))
