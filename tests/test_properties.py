"""Properties of every registry op x float dtype, drawn by hypothesis
(``oracle.engines.symgrad_strategies``).

The engine's gradient is judged against the exact oracle and float64 finite differences
(``oracle.crosscheck``) on random inputs inside each op's domain, on edge values and on the
declared kinks; the second order through ``create_graph``; then properties that need no oracle:
``requires_grad`` propagation, the gradient's dtype and shape, linearity and accumulation.
Each test is parametrized over op x dtype from ``REGISTRY`` by ``per_op``; the number of
examples follows the hypothesis profile (``ci``: a few per op, ``thorough``: many).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle import catalog
from oracle.crosscheck import crosscheck
from oracle.engines.symgrad_samples import sample_values
from oracle.engines.symgrad_strategies import OpCase, keyed, op_cases
from oracle.sweep import FLOAT_DTYPES, sweepable_ops
from oracle.tolerances import ulp
from oracle.verdict import FAILING
from symgrad import _dtypes
from symgrad.ops.registry import REGISTRY, OpDef, apply

# Statuses that say the engine is right: exactly, by the op's kink convention, or with FD
# unable to confirm it (the exact oracle still did).
RIGHT = {"ok", "kink", "fd-unreliable"}

SWEEPABLE = sweepable_ops()

# Counterexamples found by these properties and reported to the owners of the engine and the
# oracle; each (check, op) is left out until fixed (a committed test never fails).
KNOWN: dict[tuple[str, str], str] = {
    # inverse, solve and slogdet (symgrad.ops.linalg_solve): hypothesis draws singular matrices
    # (all zeros, equal rows), where the inverse does not exist and PyTorch raises (inverse,
    # solve) or gives -inf with no gradient (slogdet); the samples cannot yet say "a
    # nonsingular matrix" (an elementwise Domain cannot). Judged by the sweep's samples and
    # tests/test_linalg.py meanwhile.
    **{(check, op): "singular matrices drawn: the samples have no matrix domain"
       for check in ("grad", "fd", "edges", "gradgrad", "grad_dtype", "linear", "requires_grad")
       for op in ("inverse", "solve", "slogdet")},
    # matrix decompositions (symgrad.ops.decompositions; helper lin): hypothesis draws
    # matrices where they are not defined or not differentiable (not positive-definite, a zero
    # on a triangle's diagonal, repeated eigen- or singular values, rank deficient), which a
    # Domain cannot exclude. Judged by the sweep's samples and tests/test_decompositions.py.
    **{(check, op): "degenerate matrices drawn: the samples have no matrix domain"
       for check in ("grad", "fd", "edges", "gradgrad", "grad_dtype", "linear", "requires_grad",
                     "kinks")
       for op in ("cholesky", "solve_triangular", "cholesky_solve", "cholesky_inverse",
                  "eigvalsh", "eigh_vectors", "svdvals", "svd_u", "svd_vh", "qr_q", "qr_r",
                  "pinv")},
    # least squares and LU (helper linalg): rank-deficient matrices drawn (all zeros), where
    # the solution is not differentiable (and LU's pivots tie); judged by the sweep's samples
    # and tests/test_linalg_more.py
    **{(check, op): "rank-deficient matrices drawn: the samples have no matrix domain"
       for check in ("grad", "fd", "edges", "gradgrad", "grad_dtype", "linear", "requires_grad",
                     "kinks")
       for op in ("lstsq", "lstsq_residuals", "lu_factor", "lu_l", "lu_u", "lu_solve")},
    # std_mean's std: hypothesis draws no point on its kink (equal elements; a health check
    # fails on the filtering); its gradient there is held to PyTorch's in
    # tests/test_order_statistics.py
    ("kinks", "std_mean_std"): "hypothesis draws no equal elements",
}

# Counterexamples these properties found once, fixed since: each runs first, as an explicit
# example, in the test of its (check, op) in its dtype (test_every_example_is_run checks
# that one is collected).
_STD = {"dim": (1,), "correction": 1, "keepdim": False}
_NORM_INF = {"p": math.inf, "dim": (1,), "keepdim": False}
_NORM3 = {"p": 3.0, "dim": None, "keepdim": False}
_TINY = [1e-150, 1e-150, 1e-150, 1.0, 1.0]
_NEAREST_REFLECTION = {"mode": "nearest", "padding_mode": "reflection", "align_corners": False}
_ERFC_TAIL = [OpCase.of("erfc", "float32", [8.3, 8.26, 8.44]),
              OpCase.of("erfc", "float64", [8.56, 8.2, 8.66])]
EXAMPLES: dict[tuple[str, str], list[OpCase]] = {
    # The product 1e-450 underflows float64 to 0; d/dx_i is the product of the others, 1e-300.
    # A subnormal product of the others is rounded once (9.06 ULP off at the zero before); a
    # float32 product multiplied in float32 lost 33% of its value through a subnormal partial.
    ("grad", "prod_all"): [OpCase.of("prod_all", "float64", _TINY),
                           OpCase.of("prod_all", "float32", [[2.0**-149, 0.0, 2.5], [2.5] * 3])],
    ("edges", "prod_all"): [OpCase.of("prod_all", "float64", _TINY),
                            OpCase.of("prod_all", "float32",
                                      [[2.0**-149, 1.5, 1.152921504606847e18], [1.5] * 3])],
    # Half-precision terms rounded before the sum cancelled to 32 ULP (bfloat16) and 232 ULP
    # (float16, from the saved half-rounded running products).
    ("grad", "cumprod"): [OpCase.of("cumprod", "bfloat16", [0.0, 1.0, 1.0, -6.0],
                                    attrs={"dim": 0}),
                          OpCase.of("cumprod", "float16", [[2.0**-24, 1.5, 1.5], [1.5] * 3],
                                    attrs={"dim": 1})],
    # Tiny inputs: pow by the rounded 1/p put p = 3 at 2.8e-34 46 ULP off; x*x underflowed to
    # a zero gradient for p = 2 at subnormals (exact 0.408).
    ("grad", "norm"): [OpCase.of("norm", "float64", [[2.8e-34] * 3] * 2, attrs=_NORM3),
                       OpCase.of("norm", "float32", [[2.0**-149] * 3] * 2,
                                 attrs={"p": 2.0, "dim": None, "keepdim": False})],
    # other tiny: FD's own error estimate is wide (51217 ± 3110 for exact 51546), or plainly
    # wrong (25467 ± 12700 for 500000): crosscheck must call FD unreliable there.
    ("grad", "atan2"): [OpCase.of("atan2", "float64", [0.0, 1e-06], [1.94e-05, 1e-06])],
    # A tiny or subnormal other: x / (x^2 + y^2) must not underflow x^2 + y^2 to 0.
    ("edges", "atan2"): [
        OpCase.of("atan2", "float64", [[1.0], [1e-300]], [[5e-324, 2.5e-308, 1e-300]]),
        OpCase.of("atan2", "float32", [2.0**-126, 0.0], [2.0**-149, 2.0**-149]),
        OpCase.of("atan2", "float16", [0.5, 0.0], [3 * 2.0**-24, 2.0**-24]),
    ],
    # 0.5 / 0.05 is 9.99999999999999944 exactly: fmod subtracted other 9 times, d/dother = -9.
    ("kinks", "fmod_tensor"): [OpCase.of("fmod_tensor", "float64", [0.5, 3.0, -3.0],
                                         [0.05, 1.5, 1.5])],
    # self / other = 65536 (a kink) in float16: -g * floor(self / other) = -41984 is finite,
    # though the quotient overflows float16.
    ("kinks", "remainder_tensor"): [OpCase.of("remainder_tensor", "float16", [[4.0], [0.0]],
                                              [[1.0, 1.0, 2.0**-14]])],
    # A subnormal other broadcast over self of both signs: d/dother's terms -g * self / other**2
    # overflow the dtype one by one (+-inf, summing to nan, as PyTorch's), while their exact
    # sum is finite or one infinity (float16: -7.9e13, which rounds to -inf).
    ("edges", "div"): [OpCase.of("div", d, [[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]], [tiny])
                       for d, tiny in (("float16", 2.0**-24), ("bfloat16", 2.0**-133),
                                       ("float32", 2.0**-149), ("float64", 5e-324))],
    # other tiny: floor(self / other) overflows bfloat16's and float32's range (2**128 for
    # 4 / 2**-126) before the product with g brings it back (exact 2.2e38).
    ("edges", "remainder_tensor"): [
        *(OpCase.of("remainder_tensor", d, [4.0, 4.0, -4.0], [2.0**-126] * 3)
          for d in ("bfloat16", "float32")),
        # self / other = 2**1074: d/dother = -2**1074 is beyond float64, so the engine's
        # infinity of that sign is right (the oracle's one-sided nudge once flipped other's
        # sign and reported 5.6e101).
        OpCase.of("remainder_tensor", "float64", [1.0, -1.0, 1.0], [5e-324, 5e-324, -5e-324])],
    # self = 0, other subnormal: d/dother = -self / other**2 = 0, not 0 / 0 (other**2
    # underflows); d/dself = 1 / other overflows float16, correctly.
    ("grad", "div"): [OpCase.of("div", "float16", [0.0, 0.0], [6e-08, 1.0])],
    # min == max (a kink of each bound) and min > max (the result is max).
    ("kinks", "clamp_tensor"): [OpCase.of("clamp_tensor", "float64",
                                          [0.0, 1.0, 0.5, 0.0, 0.7], [0.5] * 5,
                                          [0.5, 0.5, 0.5, 0.0, 0.25])],
    # Equal values: the variance must be exactly 0 (the kink), not an ulp-off 1e-17.
    ("kinks", "std"): [OpCase.of("std", "float64", [[0.05] * 3, [1.0, 2.0, 4.0]],
                                 attrs=_STD)],
    ("gradgrad", "std"): [OpCase.of("std", "float64", [[0.05] * 3, [1.0, 2.0, 4.0]],
                                    attrs=_STD)],
    # -4 * 0.125**-5 = -131072 rounds to -inf in float16: the engine's -inf is right. Found by
    # the dev profile: at 2**-16 ** -0.142 the slope is -4.5e4, finite in float16, though
    # self ** (exponent - 1) overflows (PyTorch's -inf); and 2**-23 ** 0.25 (slope 3.9e4).
    ("grad", "pow_tensor"): [OpCase.of("pow_tensor", "float16", [0.125], [-4.0]),
                             OpCase.of("pow_tensor", "float16", [2.0**-16, 2.0**-23],
                                       [-0.142333984375, 0.25])],
    # Found by the dev profile: the squares of deviations of 2.25e-297 underflow, so std was 0
    # (PyTorch's is too) and its gradient 0, where the exact gradient is -+1/sqrt(2).
    ("grad", "std"): [OpCase.of("std", "float64", [0.0, 4.5e-297],
                                attrs={"dim": None, "correction": 1, "keepdim": False})],
    # max |x| shared by three elements (and by two of opposite signs): split evenly.
    ("kinks", "norm"): [OpCase.of("norm", d, [[0.25, 0.25, 0.25], [1.5, -1.5, -0.5]],
                                  attrs=_NORM_INF) for d in ("float32", "float64")],
    # other broadcast over self's rows, row 0's difference at the kink 0 and row 1's not: the
    # judge took the convention (0) for the whole of other[0], not row 0's term alone (1).
    # And two terms of two variables each tied for max |d|: 1/2 each, not 1/4.
    ("kinks", "dist"): [OpCase.of("dist", "float32", [[0.5, 0.0, 0.0], [0.0, 0.0, 0.0]],
                                  [0.5, 0.5, 0.5], attrs={"p": 1.0}),
                        OpCase.of("dist", "float64", [1.0, -1.0], [0.0, 0.0],
                                  attrs={"p": math.inf})],
    # atanh's VJP g / ((1 - x)(1 + x)) differentiates to terms near +-1 that cancel to -2x:
    # 59 ULP off at 2**-7 in float32 (bound 45.6), 6637 at 1e-4 in float64. Near |x| = 1 the
    # VJP g / (1 - x*x) cancels instead: 505 ULP (grad) and 1036 (gradgrad) in float32, 215807
    # (grad) in float64. asin shares the denominator (under rsqrt): 234 ULP at 2**-9.
    ("gradgrad", "atanh"): [OpCase.of("atanh", "float32", [[2.0**-7] * 3] * 2),
                            OpCase.of("atanh", "float64", [1e-4, -3e-5, 2e-4]),
                            OpCase.of("atanh", "float32", [0.9998, -0.9995, 0.999])],
    ("grad", "atanh"): [OpCase.of("atanh", "float32", [0.9998, -0.9995, 0.999]),
                        OpCase.of("atanh", "float64", [0.9999999, -0.9999995, 0.999999])],
    ("gradgrad", "asin"): [OpCase.of("asin", d, [[2.0**-9] * 3] * 2)
                           for d in ("float32", "float64")],
    # erfc' = -2/sqrt(pi) exp(-x*x): the rounding of x*x, magnified by x^2 in exp, put it 55 ULP
    # off at 8.3 in float32 (bound 13.8), 41 at 8.56 in float64 (bound 11.0); second order 58
    # (bound 21.6) and 44 (bound 17.8).
    ("grad", "erfc"): _ERFC_TAIL,
    ("gradgrad", "erfc"): _ERFC_TAIL,
    # prod's VJP g * out / self differentiates by self to (out / self) / self - out / self**2,
    # which cancel to 0 exactly: their rounding is 268 ULP of the second order at 2**-8 in
    # float64 (bound 14.3), 60 for prod_all (21.1). cumprod's reverse_cumsum(g * out) / self the
    # same: 187 ULP on all 2**-7 in float64, 110 in float32 (bound 16.2).
    ("gradgrad", "prod"): [OpCase.of("prod", "float64", [[2.0**-8, 1.0, 1.0], [1.0, 1.0, 1.0]],
                                     attrs={"dim": 1, "keepdim": False})],
    ("gradgrad", "prod_all"): [OpCase.of("prod_all", "float64",
                                         [[2.0**-8, 1.0, 1.0], [1.0, 1.0, 1.0]])],
    # p = 1.5 at an all-zero input: the slope of |x| ** 0.5, infinite at 0, times sign(0) = 0
    # made the second order nan (PyTorch's is nan too); the exact value is 0.
    ("gradgrad", "norm"): [*(OpCase.of("norm", d, [[0.0] * 3] * 2,
                                       attrs={"p": 1.5, "dim": (1,), "keepdim": True})
                             for d in ("float32", "float64")),
                           OpCase.of("norm", "float64", [[2.8e-34] * 3] * 2, attrs=_NORM3)],
    ("gradgrad", "cumprod"): [OpCase.of("cumprod", d, [[2.0**-7] * 3] * 2, attrs={"dim": 1})
                              for d in ("float32", "float64")],
    # A slice near an axis: weight_norm's VJP g - u (u . g) left 1 - u_0^2 = 0.005 to
    # cancellation, 221 ULP off at rows [3.5, 0.25] in float64 (bound 209), 207 at a column
    # [1.5, 1e-3] (bound 70). The first is CI's draw; the second slices along the last dim.
    ("grad", "weight_norm"): [OpCase.of("weight_norm", "float64", [[3.5, 0.25]] * 2,
                                        [[1.0], [1.0]], attrs={"dim": 0}),
                              OpCase.of("weight_norm", "float64", [[1.5, -2.0], [1e-3, 0.5]],
                                        [[1.0, 2.0]], attrs={"dim": 1})],
    # Three tied ones beside a gap of 1.7e-285: the judge's step along the stable order, far
    # below the gap, vanished against 1 in its precision, leaving the tie (engine-wrong).
    ("grad", "sort"): [OpCase.of("sort", "float64", [[2.0**-947, 0.0, 1.0], [1.0] * 3],
                                 attrs={"dim": 1, "descending": False})],
    # Nearest with reflection where the kernel's reflection rounds: -1/3 on 3 pixels (float64)
    # is at 0.5000000000000001, whose p + 1/2 = 1 + 2**-53 rounds to 1, folding back to 0.5,
    # pixel 0 (PyTorch 2.13's and the engine's); 1.2857144 on 7 pixels (float32) at
    # 7.5000005 folds to pixel 6. The judge folded the kernel's position exactly: pixels 1, 5.
    ("grad", "grid_sampler_2d"): [
        OpCase.of("grid_sampler_2d", "float64", [[[[0.0] * 3] * 2] * 2],
                  [[[[-1 / 3, -1 / 3]] * 3]], attrs=_NEAREST_REFLECTION),
        OpCase.of("grid_sampler_2d", "float32", [[[[0.0] * 7] * 2] * 2],
                  [[[[1.2857143878936768, 0.0]] * 3]], attrs=_NEAREST_REFLECTION)],
    # Grid 0 on 3 x 3 pixels (align_corners False): both coordinates on whole pixel 1, where the
    # hats have corners. The judge took the second partials at the point (Abs' = sign(0) = 0
    # averages the two cells: 0.034383, central FD 0.034380) where the engine and PyTorch
    # take the declared side, the cell to the right (-0.690426); an all-zero image has no jump
    # of a first partial, so no kink was seen at all.
    ("gradgrad", "grid_sampler_2d"): [
        OpCase.of("grid_sampler_2d", "float64", image, [[[[0.0, 0.0]]]],
                  attrs={"mode": "bilinear", "padding_mode": "zeros", "align_corners": False})
        for image in ([[[[0.0] * 3] * 3]], [[[[1.0, 2.0, -1.0], [0.5, -2.0, 3.0],
                                               [1.5, 0.25, -1.0]]]])],
}

# (name, dtype) pairs each check is parametrized over, filled in by ``per_op``.
PARAMS: dict[str, list[tuple[str, str]]] = {}


def few(n: int) -> settings:
    """``n`` examples per generated test under ``ci`` (30 examples), scaled up with the profile."""
    return settings(max_examples=max(1, n * settings().max_examples // 30))


def unknown(check: str) -> Callable[[OpDef], bool]:
    return lambda op: (check, op.name) not in KNOWN


def per_op(check: str, dtypes: tuple[str, ...] = FLOAT_DTYPES,
           where: Callable[[OpDef], bool] = lambda op: True, ops: list[str] | None = None
           ) -> Any:
    """Parametrize ``name, dtype`` over registry ops (``ops`` or all) x the dtypes they declare,
    leaving out the ``KNOWN`` counterexamples of ``check``."""
    names = sorted(REGISTRY) if ops is None else ops
    pairs = [(n, d) for n in names if where(REGISTRY[n]) and unknown(check)(REGISTRY[n])
             for d in dtypes if _dtypes._by_name(d) in REGISTRY[n].dtypes]
    PARAMS[check] = pairs
    return pytest.mark.parametrize("name,dtype", [pytest.param(n, d, id=f"{n}-{d}")
                                                  for n, d in pairs])


def cases(check: str, name: str, dtype: str | None, n: int, *, edges: bool = False,
          kinks: bool = False, **more: st.SearchStrategy) -> Callable[..., Callable[[], None]]:
    """Turn a property of one ``case`` into a hypothesis test of op ``name``: cases drawn by
    ``op_cases`` in ``dtype`` (None: any floating dtype the op declares), ``n`` of them under
    ``ci``, after the ``EXAMPLES`` of ``(check, name)`` in that dtype. ``more`` are further
    strategies passed to ``given`` by name.

    The strategy depends on the op, so each parametrized test builds its own hypothesis test
    (an ``@example`` then belongs to one op); it is keyed by check, op and dtype for the seed
    and the example database, as hypothesis's pytest plugin keys a parametrized test.
    """
    op = REGISTRY[name]
    d = (_dtypes._by_name(dtype) if dtype is not None
         else st.sampled_from([d for d in _dtypes.FLOATING if d in op.dtypes]))

    def decorate(prop: Callable[..., None]) -> Callable[[], None]:
        test = given(case=op_cases(op, d, edges=edges, kinks=kinks), **more)(
            keyed(f"{check}:{name}:{dtype}")(prop))
        for case in EXAMPLES.get((check, name), []):
            if dtype is None or case.dtype == dtype:
                test = example(case=case)(test)
        return few(n)(test)

    return decorate


def judge(case: OpCase, order: int = 1) -> Any:
    """The crosscheck verdict of the case's op on its inputs (the grad ones are judged)."""
    op = REGISTRY[case.op]
    inputs = case.inputs()
    diff = [i for i, t in enumerate(inputs) if t.requires_grad]

    def fn(*xs: symgrad.Tensor) -> symgrad.Tensor:
        args = list(inputs)
        for i, x in zip(diff, xs, strict=True):
            args[i] = x
        return apply(REGISTRY[case.op], *args, **case.attrs)

    v = crosscheck(fn, [inputs[i] for i in diff], order=order, op=case.op, attrs=case.attrs,
                   names=[op.args[i] for i in diff])
    # for ``right`` (the properties' own sources stay as they were: hypothesis seeds a
    # derandomized run from them, and a changed source draws other examples for every op)
    v.case = case
    return v


def _overflows(e: Any, dtype: str) -> bool:
    """The exact value rounds to ±inf in ``dtype`` and the engine gave that infinity: the
    correctly rounded answer (crosscheck calls it engine-wrong; reported to its owner)."""
    with np.errstate(over="ignore"):
        rounded = float(np.asarray(float(e.exact), np.float64).astype(_dtypes._by_name(dtype).np))
    return np.isinf(rounded) and e.engine == rounded


# log|Gamma|'s family: its poles are where an argument (x - i/2, i < p, for mvlgamma) is a
# whole number <= 0.
_GAMMA_POLES = {"lgamma", "digamma", "polygamma", "mvlgamma"}


def _undefined_at_pole(case: OpCase | None, e: Any) -> bool:
    """An element the judge leaves unjudged at a pole of log|Gamma|'s family: its two sides
    differ there (digamma's -1/(x + m): +inf below, -inf above; NaN exact), so no value is
    right and the engine gives one of the two infinities or NaN (PyTorch: -inf at +0, +inf at
    -0, NaN at the negative integers). A finite engine value there is not excused."""
    if case is None or case.op not in _GAMMA_POLES or e.status != "nonfinite" or (
            e.exact != "nan" or math.isfinite(e.engine)):
        return False
    x = float(case.arrays[REGISTRY[case.op].args.index(e.input)][tuple(e.index)])
    shifts = [i / 2 for i in range(case.attrs.get("p", 1))]
    return any(x - s <= 0 and float(x - s).is_integer() for s in shifts)


def right(v: Any, dtype: str) -> bool:
    """The verdict says the engine is right (``RIGHT``), overflow to infinity and the
    undefined elements at poles of the case's op (``judge`` keeps the case) aside."""
    case = getattr(v, "case", None)
    return v.status in RIGHT or all(
        e.status in RIGHT or _overflows(e, dtype) or _undefined_at_pole(case, e)
        for e in v.elements) and bool(v.elements)


def explain(v: Any) -> str:
    return f"{v.status}: {v.message}\n{v.reproducer or ''}"


# -- engine, exact and FD ---------------------------------------------------------------------
@per_op("grad", ops=SWEEPABLE)
def test_engine_gradient_matches_exact(name, dtype):
    @cases("grad", name, dtype, 2)
    def prop(case):
        v = judge(case)
        assert right(v, dtype), explain(v)

    prop()


@per_op("fd", dtypes=("float64",), ops=SWEEPABLE,
        where=lambda op: not op.kinks and op.name not in _GAMMA_POLES)
def test_fd_within_its_estimate_and_engine_agrees_with_fd(name, dtype):
    @cases("fd", name, dtype, 2)
    def prop(case):
        v = judge(case)
        assert v.status in RIGHT, explain(v)
        for e in v.elements:
            exact = float(e.exact)
            # FD's bound is twice its own Richardson estimate (oracle.tolerances.fd_tolerance).
            fd_bound = 2 * e.fd_error_estimate
            if e.status == "ok":
                assert abs(e.fd - exact) <= fd_bound, explain(v)
                engine_bound = e.tolerance_ulps * float(ulp(np.array(exact), "float64"))
                assert abs(e.engine - e.fd) <= engine_bound + fd_bound, explain(v)

    prop()


@per_op("fd_poles", dtypes=("float64",), ops=sorted(_GAMMA_POLES))
def test_fd_off_the_poles_of_log_gamma(name, dtype):
    # The FD property of log|Gamma|'s family: at a pole the judge leaves an element whose two
    # sides differ unjudged, and FD has nothing to say of an infinite exact value (IEEE rules
    # judge it); elsewhere as every op's.
    @cases("fd_poles", name, dtype, 2)
    def prop(case):
        v = judge(case)
        assert v.status in RIGHT or v.status == "nonfinite" and right(v, dtype), explain(v)
        for e in v.elements:
            exact = float(e.exact)
            fd_bound = 2 * e.fd_error_estimate
            if e.status == "ok" and math.isfinite(exact):
                assert abs(e.fd - exact) <= fd_bound, explain(v)
                engine_bound = e.tolerance_ulps * float(ulp(np.array(exact), "float64"))
                assert abs(e.engine - e.fd) <= engine_bound + fd_bound, explain(v)

    prop()


@per_op("kinks", ops=SWEEPABLE, where=lambda op: bool(op.kinks))
def test_gradient_at_declared_kinks(name, dtype):
    @cases("kinks", name, dtype, 2, kinks=True)
    def prop(case):
        v = judge(case)
        assert right(v, dtype), explain(v)

    prop()


@per_op("edges", ops=SWEEPABLE)
def test_edge_values_never_fail_unexplained(name, dtype):
    @cases("edges", name, dtype, 1, edges=True)
    def prop(case):
        with np.errstate(all="ignore"):
            v = judge(case)
        # Overflow to inf/nan and an oracle out of its depth are explained verdicts: unjudged,
        # not failing.
        assert v.status not in FAILING or right(v, dtype), explain(v)

    prop()


@st.composite
def catalog_cases(draw: st.DrawFn, name: str, dtype: str) -> OpCase:
    """One of the op's catalog samples (``oracle.catalog``: ties, attribute edges, tails,
    NaN and +-inf) with each floating element kept or, at random, replaced by a value drawn in
    the op's domain (``oracle.engines.symgrad_samples``): where bugs live beside ordinary values."""
    op = REGISTRY[name]
    index = draw(st.integers(0, len(catalog.cases(name)) - 1))
    values, attrs = catalog.arrays(name, index, dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    keep = draw(st.floats(0.0, 1.0))
    shapes = tuple(values[n].shape for n in op.args)
    drawn = sample_values(name, op.args, shapes, attrs, rng)
    mixed = []
    for n in op.args:
        a = values[n]
        if a.dtype.kind in "biu":
            mixed.append(a)
            continue
        own = rng.random(a.shape) < keep
        mixed.append(np.where(own, a, drawn[n].astype(a.dtype)).astype(a.dtype))
    return OpCase.of(name, dtype, *mixed, attrs=attrs)


@per_op("catalog", ops=[n for n in SWEEPABLE if catalog.cases(n)])
def test_catalog_points_among_random_values_never_fail(name, dtype):
    @given(case=catalog_cases(name, dtype))
    @keyed(f"catalog:{name}:{dtype}")
    def prop(case):
        with np.errstate(all="ignore"):
            v = judge(case)
        # Unjudged (an overflow, a NaN where a limit exists) is explained, not failing.
        assert v.status not in FAILING or right(v, dtype), explain(v)

    for case in EXAMPLES.get(("catalog", name), []):
        if case.dtype == dtype:
            prop = example(case=case)(prop)
    few(1)(prop)()


@per_op("gradgrad", dtypes=("float32", "float64"), ops=SWEEPABLE,
        where=lambda op: op.double_backward)
def test_second_order_matches_exact(name, dtype):
    @cases("gradgrad", name, dtype, 1)
    def prop(case):
        v = judge(case, order=2)
        assert right(v, dtype), explain(v)

    prop()



@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_derivative_accurate_in_the_tail(name, dtype, order):
    # erf's bound is wide there (the error function is flat near 1), so its properties above
    # would let the x*x rounding that erfc's examples caught (33 ULP at 8.3) through; both
    # share exp(-x^2), which the engine keeps within a few roundings for 1 <= |x| <= 32.
    v = judge(OpCase.of(name, dtype, [[5.3, 6.7, -8.3], [8.56, -8.2, 8.66]]), order)
    assert v.elements and all(e.ulp_error <= 4 for e in v.elements), explain(v)

def test_nearest_at_a_third():
    # Nearest at 1/3 on 3 pixels: the exact position 1.5 - 1.1e-16 rounds to pixel 1, the
    # kernel's float64 position is 1.5, half to even pixel 2 (PyTorch 2.13's too): the judge
    # read the exact position (oracle-suspect: its 0 where the engine and FD gave 0.634).
    case = OpCase.of("grid_sampler_2d", "float64", [[[[0.0] * 3] * 2] * 2],
                     [[[[1 / 3, 1 / 3]] * 3]],
                     attrs={"mode": "nearest", "padding_mode": "zeros", "align_corners": False})
    v = judge(case)
    assert v.status == "ok", explain(v)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_nearest_at_minus_a_third(padding_mode):
    # Nearest at -1/3 on 3 pixels: PyTorch's kernel computes (g + 1) * 1.5 - 0.5 fused, rounded
    # once, 0.5000000000000001: pixel 1 (torch 2.13's, and the exact position's); the engine
    # rounded the product first, 0.5, half to even pixel 0 (the input's gradient at the wrong
    # pixel: oracle-suspect, as float64 FD followed the engine). Reflection then rounds
    # p + 1/2 = 1 + 2**-53 to 1, folding back to 0.5: pixel 0 (torch 2.13's); the judge
    # folded exactly, pixel 1 (engine-wrong, where the engine was right).
    case = OpCase.of("grid_sampler_2d", "float64", [[[[0.0] * 3] * 2] * 2],
                     [[[[-1 / 3, -1 / 3]] * 3]],
                     attrs={"mode": "nearest", "padding_mode": padding_mode,
                            "align_corners": False})
    v = judge(case)
    assert v.status == "ok", explain(v)


def test_every_example_is_run():
    for (check, name), examples in EXAMPLES.items():
        for case in examples:
            assert case.op == name
            assert (name, case.dtype) in PARAMS[check], (check, case)


# -- requires_grad, dtype and shape of gradients ------------------------------------------------
def _float_op(op: OpDef) -> bool:
    return any(d.is_floating_point for d in op.dtypes)


@pytest.mark.parametrize("name", [n for n in sorted(REGISTRY) if _float_op(REGISTRY[n])
                                  and unknown("requires_grad")(REGISTRY[n])])
def test_requires_grad_propagation(name):
    op = REGISTRY[name]

    @cases("requires_grad", name, None, 3,
           flags=st.lists(st.booleans(), min_size=len(op.args), max_size=len(op.args)))
    def prop(case, flags):
        inputs = case.inputs()
        for arg, t, rg in zip(op.args, inputs, flags, strict=True):
            # an input PyTorch refuses to see requiring grad (a loss's weight) is left without
            if t.dtype.is_floating_point and arg not in op.grad_refused:
                t.requires_grad_(rg)
        any_rg = any(t.requires_grad for t in inputs)
        out = apply(op, *inputs, **case.attrs)
        expected = any_rg and op.vjp is not None and out.dtype.is_floating_point
        assert out.requires_grad is expected
        assert (out.grad_fn is not None) is expected
        assert out.is_leaf is not expected
        with symgrad.no_grad():
            quiet = apply(op, *inputs, **case.attrs)
        assert not quiet.requires_grad and quiet.grad_fn is None
        assert all(t.is_leaf and t.grad_fn is None for t in inputs)

    prop()


@per_op("grad_dtype", ops=SWEEPABLE)
def test_gradient_dtype_and_shape_equal_the_leaf(name, dtype):
    @cases("grad_dtype", name, dtype, 1)
    def prop(case):
        inputs = case.inputs()
        out = apply(REGISTRY[name], *inputs, **case.attrs)
        out.backward(symgrad.ones_like(out))
        for t in inputs:
            if t.requires_grad:
                assert t.grad is not None
                assert t.grad.dtype is t.dtype and t.grad.shape == t.shape

    prop()


# -- linearity and accumulation -----------------------------------------------------------------
@per_op("linear", dtypes=("float64",), ops=SWEEPABLE)
def test_gradient_is_linear_and_accumulates(name, dtype):
    @cases("linear", name, dtype, 1, a=st.floats(-3, 3), b=st.floats(-3, 3),
           seed=st.integers(0, 2**16))
    def prop(case, a, b, seed):
        inputs = case.inputs()
        leaves = [t for t in inputs if t.requires_grad]
        out = apply(REGISTRY[name], *inputs, **case.attrs)
        rng = np.random.default_rng(seed)
        w1 = symgrad.tensor(rng.standard_normal(out.shape), dtype=symgrad.float64)
        w2 = symgrad.tensor(rng.standard_normal(out.shape), dtype=symgrad.float64)
        f, g = (out * w1).sum(), (out * w2).sum()
        gf = symgrad.autograd.grad([f], leaves, retain_graph=True, allow_unused=True)
        gg = symgrad.autograd.grad([g], leaves, retain_graph=True, allow_unused=True)
        (a * f + b * g).backward(retain_graph=True)
        first = [t.grad._data.copy() for t in leaves]
        # A result of lower precision (to_copy to float32) rounds each backward's g there.
        eps = max(1e-12, 4 * float(ml_dtypes.finfo(out._data.dtype).eps))
        for t, x, y, got in zip(leaves, gf, gg, first, strict=True):
            want = a * (0 if x is None else x._data) + b * (0 if y is None else y._data)
            scale = abs(a) * np.abs(0 if x is None else x._data) + abs(b) * np.abs(
                0 if y is None else y._data)
            np.testing.assert_allclose(got, want, rtol=0, atol=eps * (1 + scale.max()),
                                       err_msg=f"{name}: {t.shape}")
        # A second backward adds the same contributions again: exactly twice the first.
        (a * f + b * g).backward()
        for t, got in zip(leaves, first, strict=True):
            np.testing.assert_array_equal(t.grad._data, 2 * got)

    prop()
