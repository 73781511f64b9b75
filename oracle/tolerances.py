"""Tolerances that explain themselves: how far each judge may be from the exact value.

**Engine against exact.** A gradient computed in a float dtype with unit roundoff ``u`` (half
the machine epsilon ``eps``) through a graph whose longest path has ``depth`` ops makes, on that
path, one rounding per op forward (the saved values the VJP reads) and one per op backward, each
relative to the terms then in play. The classical bound for such a computation is

    |engine - exact|  <=  c · (depth + 1) · eps · S  +  c · (depth + 1) · tiny

where ``S`` is the sum of the absolute values of the terms that make up the gradient (not
``|exact|``: when terms cancel, their rounding errors do not), ``tiny`` is the dtype's smallest
subnormal (gradual underflow loses absolute, not relative, accuracy) and ``c = 4`` covers the
forward and backward rounding of each op with a factor 2 to spare. ``S`` comes from the oracle
when it reports the absolute terms (``abs_grads``); otherwise it is estimated as
``max(|exact|, max |exact| over the same input, the check's scale, Σ|g·f|)`` so a small
element among large ones (the usual sign of cancellation) is judged on the gradient's scale;
the check's scale is the largest exact element over all inputs; ``Σ|g·f|`` sums the weighted
outputs the element moves (measured by the finite differences), the size of the terms a
chain rule like ``g·(1 - tanh²)`` cancels in: without it, a saturated ``tanh`` would be blamed
for the rounding of its saved result. ``S`` is made of the terms of the mathematics (the
chain rule through the ops of the graph), not of the terms a VJP's own formula happens to
sum: a formula that cancels where the mathematics does not is the engine's error, and the
bound is meant to catch it (atanh's VJP ``g / ((1 - x)(1 + x))`` differentiates to
``(1 - x) - (1 + x)``, terms near 1 that cancel to ``-2x``: its second order was 59 ULP off
at ``x = 2**-7`` in float32 against a bound of 45.6, and up to 261666 ULP nearer 0, where
``1 - x*x`` gives 1 to 3 ULP).

**The second order.** There the judged "output" is the Hessian-vector product ``v·∇(Σ g·f)``
and ``S`` must be the size of the terms the exact second derivative is made of, not of ``f``.
Adding a constant to ``f`` changes no derivative, so ``|f|`` is such a size only when the
engine reads a rounded ``f``: a VJP that saves its result (``out``: ``exp``, ``sigmoid``,
``prod``, ``norm``, ...) computes the first derivative as ``φ(x, out)`` from an ``out``
rounded relative to ``|out|``, and create_graph differentiates through it, adding
``∂φ/∂out · out'`` (``norm``: ``g·x/out`` differentiates to ``g·v/out - g·x(x·v)/out³``,
terms of size ``|g·v|/out`` that cancel where ``x`` is along ``v``; float16's second order of
``norm`` was 35 ULP off against a terms-only bound of 18). Then ``Σ|g·f| / max(|x|, 1)``
(the weighted outputs in a derivative's natural unit) stays in ``S``; when no VJP of the
graph reads its result (``oracle.ir.Graph.reads_results``) every value the VJPs read is an
input or an intermediate input, whose rounding the chain rule's terms already carry, and
``S`` is
``max(|exact|, the input's and the check's largest |exact|)``. With ``|f|`` kept there,
``acos``, whose value is ``π/2`` near 0 while its second derivative is ``-x(1 - x²)^(-3/2)``,
got a bound of 2.3 million ULP at ``x = 2**-9`` in float32 (146500 in float64), and its old
VJP ``-g·rsqrt((1 - x)(1 + x))`` passed though its second order is ``(1 + x) - (1 - x)``
cancelled (250 ULP off there, 465000 at ``1.2e-6``); on the terms it is judged against 692
ULP at ``2**-9`` (43 in float64) and fails, while the current formula is 1 to 4 ULP off.
The first order keeps ``Σ|g·f|`` always: the gradient's own output is ``f``. The bound is
recorded in ULPs of the
engine dtype at the exact value (``ulp``), which is how float16 and bfloat16 stay meaningful:
their ``eps`` (2⁻¹⁰, 2⁻⁷) sets the ULP, not float64's.

**Finite differences against exact.** A central difference with step ``h`` errs by truncation
``h²|f'''|/6`` plus rounding ``eps|f|/h`` (float64 ``eps``, ``|f|`` the size of the values
differenced). When the exact third derivative is known that bound is used; otherwise the
Richardson table's own error estimate (the change between neighbouring extrapolants, plus
rounding) stands in, doubled for safety.

>>> import numpy as np
>>> tol = engine_tolerance(np.array([1.0, 3.0]), "float32", depth=2)
>>> tol.ulps.tolist()
[36.0, 18.0]
>>> tol.reason
'c·(depth+1)·eps·S with c=4, depth=2, eps=2^-23 (float32), S=max(|exact|, input scale)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ml_dtypes
import numpy as np

__all__ = [
    "C_ENGINE",
    "EngineTolerance",
    "FDTolerance",
    "finfo",
    "np_dtype",
    "ulp",
    "ulp_error",
    "engine_tolerance",
    "fd_bound",
    "fd_tolerance",
]

C_ENGINE = 4.0
EPS64 = float(np.finfo(np.float64).eps)


def _name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype))


def np_dtype(dtype: Any) -> Any:
    """The NumPy dtype (``ml_dtypes.bfloat16`` for bfloat16) of a dtype given by name, as a
    NumPy dtype, or as any engine's dtype with a ``name``.

    >>> np_dtype("bfloat16").__name__, np_dtype("float16")
    ('bfloat16', dtype('float16'))
    """
    name = _name(dtype)
    return ml_dtypes.bfloat16 if name == "bfloat16" else np.dtype(name)


def finfo(dtype: Any) -> Any:
    """``ml_dtypes.finfo`` for a dtype given as a name, a NumPy dtype or an engine's dtype.

    >>> finfo("bfloat16").nmant
    7
    """
    return ml_dtypes.finfo(np_dtype(dtype))


def ulp(x: np.ndarray, dtype: Any) -> np.ndarray:
    """The spacing of ``dtype`` at ``|x|`` (``x`` in float64): ``2**(e - nmant)`` for
    ``2**e <= |x| < 2**(e+1)``, the subnormal spacing below the normal range.

    >>> ulp(np.array([1.0, 0.0, 3.0]), "float16").tolist()
    [0.0009765625, 5.960464477539063e-08, 0.001953125]
    """
    info = finfo(dtype)
    ax = np.abs(np.asarray(x, dtype=np.float64))
    with np.errstate(divide="ignore"):
        e = np.floor(np.log2(np.where(ax > 0, ax, 1.0)))
    e = np.where(ax > 0, np.maximum(e, info.minexp), info.minexp)
    return np.ldexp(1.0, (e - info.nmant).astype(int))


def ulp_error(value: np.ndarray, exact: np.ndarray, dtype: Any) -> np.ndarray:
    """``|value - exact|`` in ULPs of ``dtype`` at the exact value.

    >>> ulp_error(np.array([1.0 + 2**-9]), np.array([1.0]), "float16").tolist()
    [2.0]
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return np.abs(np.asarray(value, np.float64) - exact) / ulp(exact, dtype)


@dataclass
class EngineTolerance:
    """The engine's bound per element, absolute and in ULPs, with the formula behind it."""

    abs: np.ndarray
    ulps: np.ndarray
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


def engine_tolerance(
    exact: np.ndarray,
    dtype: Any,
    *,
    depth: int,
    terms: np.ndarray | None = None,
    floor: float | np.ndarray = 0.0,
    c: float = C_ENGINE,
) -> EngineTolerance:
    """The bound of the module docstring for gradients ``exact`` (float64) of one input.

    ``terms`` is ``S`` (the sum of absolute terms per element) when the oracle knows it;
    ``floor`` is a lower bound for the estimated ``S``, per element or for all (the caller's
    scale of the gradient: see the module docstring).

    >>> tol = engine_tolerance(np.array([1e-6, 1.0]), "bfloat16", depth=1)
    >>> bool(tol.abs[0] == tol.abs[1])  # judged on the input's scale: cancellation is allowed
    True
    """
    name = _name(dtype)
    info = finfo(dtype)
    exact = np.asarray(exact, dtype=np.float64)
    finite = np.where(np.isfinite(exact), np.abs(exact), 0.0)
    if terms is not None:
        s = np.maximum(np.abs(np.asarray(terms, dtype=np.float64)), finite)
        how = "S=sum of |terms| (oracle)"
    else:
        s = np.maximum(np.maximum(finite, float(finite.max(initial=0.0))), floor)
        how = "S=max(|exact|, input scale)"
    eps = float(info.eps)
    tiny = float(info.smallest_subnormal)
    factor = c * (depth + 1)
    tol_abs = factor * (eps * s + tiny)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ulps = tol_abs / ulp(exact, dtype)
    reason = (f"c·(depth+1)·eps·S with c={c:g}, depth={depth}, "
              f"eps=2^{int(np.log2(eps))} ({name}), {how}")
    params = {"kind": "engine-ulp", "formula": "c*(depth+1)*(eps*S + tiny)", "c": c,
              "depth": depth, "eps": eps, "tiny": tiny, "dtype": name,
              "S": "oracle" if terms is not None else "max(|exact|, input scale)"}
    return EngineTolerance(tol_abs, ulps, reason, params)


def fd_bound(h: np.ndarray, third: np.ndarray, scale: np.ndarray,
             eps: float = EPS64) -> np.ndarray:
    """Truncation plus rounding of a central difference: ``h²|f'''|/6 + eps|f|/h``.

    >>> float(fd_bound(np.array(1e-3), np.array(6.0), np.array(1.0), eps=0.0))
    1e-06
    """
    h = np.asarray(h, dtype=np.float64)
    return h * h * np.abs(third) / 6.0 + eps * np.asarray(scale, dtype=np.float64) / h


@dataclass
class FDTolerance:
    """The finite differences' bound per element, with the formula behind it."""

    abs: np.ndarray
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


def fd_tolerance(estimate: Any, third_exact: np.ndarray | None = None,
                 safety: float = 2.0) -> FDTolerance:
    """The bound for an ``oracle.fd.FDEstimate``: ``safety ×`` its own error estimate, or,
    with the exact third derivative, the larger of that and ``h²|f'''|/6 + eps|f|/h``.

    >>> from oracle.fd import jacobian
    >>> est = jacobian(lambda xs: [xs[0] ** 3], [np.array([1.0])])[0]
    >>> bool(fd_tolerance(est).abs[0, 0] < 1e-8)
    True
    """
    own = safety * np.asarray(estimate.error, dtype=np.float64)
    if third_exact is None:
        return FDTolerance(own, f"{safety:g}×Richardson error estimate (incl. eps|f|/h)",
                           {"kind": "fd-estimate", "safety": safety})
    bound = fd_bound(estimate.step, third_exact, estimate.scale)
    return FDTolerance(np.maximum(own, bound),
                       f"max({safety:g}×Richardson estimate, h²|f'''|/6 + eps|f|/h), "
                       "exact f'''",
                       {"kind": "fd-exact-third", "safety": safety})
