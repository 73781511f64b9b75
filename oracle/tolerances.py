"""Tolerances that explain themselves: how far each judge may be from the exact value.

**Engine against exact.** A gradient computed in a float dtype with unit roundoff ``u`` (half
the machine epsilon ``eps``) through a graph whose longest path has ``depth`` ops makes, on that
path, one rounding per op forward (the saved values the VJP reads) and one per op backward, each
relative to the terms then in play. The classical bound for such a computation is

    |engine - exact|  <=  c · (depth + 1) · (eps · S + tiny)

where ``S`` is the sum of the absolute values of the terms that make up the gradient element
(not ``|exact|``: when terms cancel, their rounding errors do not), ``tiny`` is the dtype's
smallest subnormal (gradual underflow loses absolute, not relative, accuracy) and ``c = 4``
covers the forward and backward rounding of each op with a factor 2 to spare. The bound is the
element's own, in ULPs of its own exact value: no other element of the tensor and no size of
the function widens it, so a tail gradient of ``3e-17`` (sigmoid at 38) given as 0, or 44%
off, fails however large its neighbours are.

``crosscheck`` first takes ``S = |exact|``. Only an element beyond that bound costs more:
``oracle.error_terms`` runs the exact chain rule with every term in absolute value, the
*mathematics'* terms (the chain rule through the ops of the graph, at first order and, for a
Hessian-vector product, forward over reverse with the second partials), not the terms a VJP's
own formula happens to sum. A formula that cancels where the mathematics does not is the
engine's error, and the bound is meant to catch it: sigmoid's VJP written ``out·(1 - out)``, or
tanh's ``1 - out²``, gives 0 in the tail where the exact value is representable; atanh's VJP
``g / ((1 - x)(1 + x))`` differentiates to ``(1 - x) - (1 + x)``. The same pass gives the exact
derivative at the engine's rounded forward values (its distance from the exact derivative is the
forward's rounding carried through it, which no backward can undo: ``slack``), and the most
terms one op sums into one element, ``n``, whose ``log2(n)`` roundings join ``depth``. Where the
terms cannot be had (an op without a meaning, a spent budget) ``S`` falls back to an estimated
scale (``floor``) and the verdict says so.

The bound is recorded in ULPs of the engine dtype at the exact value (``ulp``), which is how
float16 and bfloat16 stay meaningful: their ``eps`` (2⁻¹⁰, 2⁻⁷) sets the ULP, not float64's.

**Finite differences against exact.** A central difference with step ``h`` errs by truncation
``h²|f'''|/6`` plus rounding ``eps|f|/h`` (float64 ``eps``, ``|f|`` the size of the values
differenced). When the exact third derivative is known that bound is used; otherwise the
Richardson table's own error estimate (the change between neighbouring extrapolants, plus
rounding) stands in, doubled for safety.

>>> import numpy as np
>>> tol = engine_tolerance(np.array([1.0, 3.0]), "float32", depth=2)
>>> tol.ulps.tolist()
[12.0, 18.0]
>>> tol.reason
'c·(depth+1)·(eps·S + tiny) with c=4, depth=2, eps=2^-23 (float32), S=|exact|'
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
    slack: np.ndarray | None = None,
    c: float = C_ENGINE,
) -> EngineTolerance:
    """The bound of the module docstring for gradients ``exact`` (float64) of one input.

    ``S`` is each element's own ``|exact|`` unless ``terms`` gives the sum of the absolute
    values of its terms (``oracle.error_terms``); ``floor`` raises ``S`` to an estimated scale
    where the terms could not be had; ``slack`` (absolute, per element) is added: the forward's
    rounding carried through the exact derivative.

    Args:
        exact: The exact gradient of one input, in float64.
        dtype: The dtype the engine computed it in.
        depth: The graph's longest path, in ops (times the order of the derivative).
        terms: Per element, the sum of the absolute values of its terms. Defaults to None:
            ``|exact|``.
        floor: A lower bound for ``S``, per element or for all. Defaults to 0.
        slack: An absolute amount added per element. Defaults to None.
        c: The constant of the bound. Defaults to ``C_ENGINE``.

    Returns:
        The bound per element, absolute and in ULPs of the element's exact value.

    >>> tol = engine_tolerance(np.array([1e-6, 1.0]), "bfloat16", depth=1)
    >>> tol.ulps.tolist()  # each element in its own ULPs: no other element widens it
    [8.388608, 8.0]
    >>> float(engine_tolerance(np.array([0.0]), "float64", depth=0, terms=np.array([2.0])).abs[0])
    1.7763568394002505e-15
    """
    name = _name(dtype)
    info = finfo(dtype)
    exact = np.asarray(exact, dtype=np.float64)
    finite = np.where(np.isfinite(exact), np.abs(exact), 0.0)
    if terms is not None:
        s = np.maximum(np.abs(np.asarray(terms, dtype=np.float64)), finite)
        how, which = "S=sum of |terms| (oracle)", "terms"
    elif np.any(np.asarray(floor) > 0):
        s = np.maximum(finite, floor)
        how, which = "S=max(|exact|, estimated scale)", "estimated"
    else:
        s = finite
        how, which = "S=|exact|", "own"
    eps = float(info.eps)
    tiny = float(info.smallest_subnormal)
    factor = c * (depth + 1)
    tol_abs = factor * (eps * s + tiny)
    if slack is not None:
        tol_abs = tol_abs + np.asarray(slack, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ulps = tol_abs / ulp(exact, dtype)
    reason = (f"c·(depth+1)·(eps·S + tiny) with c={c:g}, depth={depth}, "
              f"eps=2^{int(np.log2(eps))} ({name}), {how}"
              + (", + the forward's rounding through the exact derivative"
                 if slack is not None else ""))
    params = {"kind": "engine-ulp", "formula": "c*(depth+1)*(eps*S + tiny)" + (
                  " + forward rounding" if slack is not None else ""), "c": c,
              "depth": depth, "eps": eps, "tiny": tiny, "dtype": name, "S": which}
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
