"""NaN and +-inf inputs judged by IEEE rules, never as numbers (issue 12).

The exact oracle computes with real numbers: at a NaN it would compare, take a branch and give
a number, and at an infinity it has no derivative to evaluate. So an element of a gradient
whose input is not finite is judged by these rules instead:

- **NaN**: the derivative does not exist, and a NaN must propagate: the engine's NaN passes. A
  number passes only where the op's backward selects a branch by a comparison (which a NaN
  makes false): it must then be the derivative on a piece where that derivative is constant
  (relu's 0 and 1, clamp's 0 and 1), or the engine's declared convention at a kink of the op
  (abs' 0 at 0). Those are found from the exact derivative at probes on both sides of 0.
- **+-inf**: the derivative there is its limit. The exact derivative at two huge values
  (2**1000 and 2**1020) tells it: equal values, or a power law falling to 0 or growing to an
  infinity (``exp'(inf) = inf``, ``tanh'(-inf) = 0``, ``sqrt'(inf) = 0``); the engine must give
  it rounded to its dtype. Where they tell none (``sin``) there is no limit and only NaN
  passes. A NaN where a limit exists (PyTorch's ``silu'(inf)``, computed as inf * 0)
  is IEEE's invalid operation, not a wrong number: the element is ``nonfinite`` (unjudged).

The rules need each gradient element to depend on its own input elements only: an elementwise
graph (every op elementwise, the nonfinite inputs shaped as the outputs). Elsewhere every
element is ``nonfinite``: unjudged, never passed. The elements at finite inputs are judged as
usual, at the inputs with the nonfinite elements replaced by a finite stand-in (an elementwise
graph's other elements do not depend on them); if the oracle cannot judge those, the verdict is
unjudged as it says.

>>> import numpy as np, symgrad
>>> from oracle.crosscheck import crosscheck
>>> x = symgrad.tensor([float("nan"), float("-inf"), 0.5], dtype=symgrad.float64,
...                    requires_grad=True)
>>> v = crosscheck(lambda x: x.exp(), [x], grad_outputs=[np.ones(3)])
>>> v.status, [e.status for e in sorted(v.elements, key=lambda e: e.index)]
('ok', ['ok', 'ok', 'ok'])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from oracle.tolerances import np_dtype
from oracle.verdict import SEVERITY, Element, Verdict

__all__ = ["has_nonfinite", "judge", "PROBES", "HUGE", "STAND_IN"]

# Pairs of points on each side of 0 (and 0, where kinks sit): a NaN's admissible branches.
PROBES: tuple[tuple[float, float], ...] = ((-3.25, -3.0), (-0.375, -0.3125), (0.3125, 0.375),
                                           (3.0, 3.25))
# Where the limit at +-inf is read: past every dtype's range.
HUGE: tuple[float, float] = (2.0 ** 1000, 2.0 ** 1020)
# What replaces a nonfinite element while the other elements are judged, in an input with no
# finite element (otherwise its first finite element does).
STAND_IN = 0.375

Judge = Callable[..., Verdict]


def _floating(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" or a.dtype.name == "bfloat16"


def has_nonfinite(arrays: Sequence[np.ndarray]) -> bool:
    """Whether any floating input holds a NaN or an infinity.

    >>> has_nonfinite([np.array([1.0, np.inf])]), has_nonfinite([np.array([1, 2])])
    (True, False)
    """
    return any(_floating(a) and not np.isfinite(a).all() for a in arrays)


def _elementwise(graph: Any, arrays: Sequence[np.ndarray]) -> bool:
    from oracle.semantics import MEANINGS

    for node in graph.nodes:
        if node.kind == "op":
            meaning = MEANINGS.get(node.op)
            if meaning is None or meaning.kind != "elementwise":
                return False
    shape = graph.nodes[graph.outputs[0]].value.shape if graph.outputs else ()
    return all(a.shape == shape for a in arrays if _floating(a)
               and not np.isfinite(a).all())


def _exact_at(engine: Any, fn: Callable[..., Any], arrays: Sequence[np.ndarray],
              dtypes: Sequence[str], needs: Sequence[bool], order: int, rec: Any,
              digits: int = 20) -> list[np.ndarray] | None:
    """The exact gradients (or HVPs) at ``arrays``, in float64, with the engine's convention's
    value at kinks, computed to ``digits``; None where the oracle cannot give them."""
    from oracle.exact import exact_grad, exact_hvp

    tensors = [engine.tensor(a, d, rg) for a, d, rg in zip(arrays, dtypes, needs, strict=True)]
    gos = [np.asarray(g, np.float64) for g in rec.grad_outputs]
    try:
        r = engine.record(lambda *xs: fn(*xs), tensors, order=order, grad_outputs=gos,
                          v=None if rec.v is None else [np.asarray(a, np.float64)
                                                        for a in rec.v])
        res = exact_grad(r.graph, None, r.grad_outputs, digits=digits) if order == 1 else \
            exact_hvp(r.graph, None, r.v, grad_outputs=r.grad_outputs, digits=digits)
    except Exception:  # noqa: BLE001 - no exact value: the rules below fall back to NaN
        return None
    if res.status in ("unsupported", "oracle-gave-up"):
        return None
    diff = [a for a, rg in zip(arrays, needs, strict=True) if rg]
    out = [np.full(a.shape, math.nan) if g is None else np.array(g, np.float64, copy=True)
           for g, a in zip(res.float64, diff, strict=True)]
    for k in res.kinks or ():
        if isinstance(k.input, int):
            out[k.input][tuple(k.index)] = float(k.expected)
    return out


def _replaced(arrays: Sequence[np.ndarray], where: Callable[[np.ndarray], np.ndarray],
              value: float, dtype: str | None = None) -> list[np.ndarray]:
    out = []
    for a in arrays:
        if not _floating(a):
            out.append(a)
            continue
        b = np.asarray(a, np.float64 if dtype else a.dtype).copy()
        mask = where(a)
        b[mask] = np.copysign(value, b[mask]) if value in HUGE else value
        out.append(b)
    return out


def _stood_in(a: np.ndarray) -> np.ndarray:
    """``a`` with its nonfinite elements replaced by its first finite one (in its domain, as
    the others are), or by ``STAND_IN``."""
    if not _floating(a):
        return a
    bad = ~np.isfinite(a)
    finite = a[~bad]
    out = a.copy()
    out[bad] = finite.flat[0] if finite.size else STAND_IN
    return out


def _branches(engine: Any, fn: Callable[..., Any], arrays: list[np.ndarray], dtypes: list[str],
              needs: list[bool], order: int, rec: Any) -> list[list[set[float]]]:
    """Per differentiated input and element, the values a selecting backward may give at a
    NaN: the derivative where it is constant across a probe pair, and at 0 (kinks)."""
    n = len([rg for rg in needs if rg])
    found: list[list[set[float]]] | None = None
    runs = [(a, b) for a, b in PROBES] + [(0.0, None)]
    finite = _replaced(arrays, np.isinf, STAND_IN)
    for a, b in runs:
        at_a = _exact_at(engine, fn, _replaced(finite, np.isnan, a), dtypes, needs, order, rec)
        at_b = at_a if b is None else _exact_at(engine, fn, _replaced(finite, np.isnan, b),
                                                dtypes, needs, order, rec)
        if at_a is None or at_b is None:
            continue
        if found is None:
            found = [[set() for _ in range(g.size)] for g in at_a]
        for k in range(n):
            for j, (x, y) in enumerate(zip(at_a[k].flat, at_b[k].flat, strict=True)):
                if x == y and math.isfinite(x):
                    found[k][j].add(x)
    sizes = [a.size for a, rg in zip(arrays, needs, strict=True) if rg]
    return found or [[set() for _ in range(size)] for size in sizes]


def _limits(engine: Any, fn: Callable[..., Any], arrays: list[np.ndarray], needs: list[bool],
            order: int, rec: Any) -> list[list[float | None]] | None:
    """Per differentiated input and element at an infinite input, the limit of the exact
    derivative (a float64 value, inf included), or None where there is none."""
    f64 = ["float64"] * len(arrays)
    numbers = _replaced(arrays, np.isnan, STAND_IN)
    big = [_settled_at(engine, fn, _replaced(numbers, np.isinf, h, "float64"), f64, needs,
                       order, rec) for h in HUGE]
    if big[0] is None or big[1] is None:
        return None
    return [[_limit(x, y) for x, y in zip(a.flat, b.flat, strict=True)]
            for a, b in zip(*big, strict=True)]


# The digits the derivative at HUGE is computed to: an irrational constant times the input,
# squared in an exponential (log_ndtr's exp(-x**2 / 2) over erfc(-x / sqrt 2)), carries the
# constant's rounding times x**2 = 2**2040 into the result, so fewer digits than x**2 has
# (614) give any value (log_ndtr' = 0 or inf at -2**1000, where it is 2**1000; two precisions
# below that agreed on 0). Doubled until two agree.
_LIMIT_DIGITS = (640, 1280, 2560)


def _settled_at(engine: Any, fn: Callable[..., Any], arrays: list[np.ndarray],
                dtypes: list[str], needs: list[bool], order: int, rec: Any
                ) -> list[np.ndarray] | None:
    """``_exact_at`` at a huge input, to the first of ``_LIMIT_DIGITS`` that agrees in float64
    with the one before; None if none does."""
    last = None
    for digits in _LIMIT_DIGITS:
        now = _exact_at(engine, fn, arrays, dtypes, needs, order, rec, digits)
        if now is None:
            return None
        if last is not None and all(np.array_equal(a, b, equal_nan=True)
                                    for a, b in zip(last, now, strict=True)):
            return now
        last = now
    return None


def _limit(x: float, y: float) -> float | None:
    """The limit read from the derivative at ``HUGE[0]`` (``x``) and ``HUGE[1]`` (``y``): their
    common value; 0 or an infinity where the second is past the first by a power-law factor
    (2**20 times farther out: 1/sqrt(x) falls by 2**10, x**2 grows by 2**40); else none."""
    if x == y or (math.isnan(x) and math.isnan(y)):
        return x
    if not (math.isfinite(x) and math.isfinite(y)) or x == 0 or (x > 0) != (y > 0):
        return None
    ratio = abs(y / x)
    if ratio <= 2.0 ** -8:
        return 0.0 if x > 0 else -0.0
    return math.copysign(math.inf, x) if ratio >= 2.0 ** 8 else None


def _rule(e: float, nan_in: bool, branches: set[float], limit: float | None, dt: str,
          ) -> tuple[str, str]:
    """One element at a nonfinite input: its status and the rule that decided it."""
    if nan_in:
        if math.isnan(e):
            return "ok", "NaN input: the NaN propagates"
        if any(e == float(np.asarray(b).astype(np_dtype(dt))) for b in branches):
            if len(branches) == 1:
                return "ok", "NaN input: the derivative does not depend on the input"
            return "kink", "NaN input: a selecting backward's branch (or kink convention)"
        return "engine-wrong", "NaN input: a number where the NaN must propagate"
    if limit is None:
        return ("ok", "+-inf input, no limit: NaN") if math.isnan(e) else (
            "engine-wrong", "+-inf input: the derivative has no limit there, NaN expected")
    with np.errstate(over="ignore"):
        rounded = float(np.asarray(limit).astype(np_dtype(dt)))
    if e == rounded or (math.isnan(e) and math.isnan(rounded)):
        return "ok", "+-inf input: the limit of the derivative"
    if math.isnan(e):
        return "nonfinite", (f"+-inf input: NaN where the limit is {rounded!r} (IEEE's "
                             "invalid operation, inf * 0)")
    return "engine-wrong", f"+-inf input: the limit is {rounded!r}"


def judge(crosscheck: Judge, fn: Callable[..., Any], inputs: list[Any], engine: Any,
          order: int, kwargs: dict[str, Any]) -> Verdict:
    """Judge ``fn`` at inputs holding NaN or +-inf (see the module docstring): the elements at
    finite inputs by ``crosscheck`` at a stand-in, the others by the IEEE rules.

    Args:
        crosscheck: The judge of the finite elements (``oracle.crosscheck.crosscheck``).
        fn: The function judged.
        inputs: Its inputs, of one engine.
        engine: Their engine's adapter.
        order: 1 for gradients, 2 for Hessian-vector products.
        kwargs: The rest of ``crosscheck``'s arguments.

    Returns:
        The verdict: every element judged, the nonfinite ones by the rule named in
        ``tolerance["ieee"]``.

    >>> import symgrad
    >>> from oracle.crosscheck import crosscheck
    >>> x = symgrad.tensor([float("nan"), 2.0], dtype=symgrad.float32, requires_grad=True)
    >>> v = crosscheck(lambda x: x.sqrt(), [x], grad_outputs=[np.ones(2)])
    >>> v.status, v.tolerance["ieee"]
    ('ok', {'x0[0]': 'NaN input: the NaN propagates'})
    """
    arrays = [engine.to_numpy(t) for t in inputs]
    dtypes = [engine.dtype_name(t) for t in inputs]
    needs = [engine.requires_grad(t) for t in inputs]
    rec = engine.record(fn, inputs, order=order, grad_outputs=kwargs.get("grad_outputs"),
                        v=kwargs.get("v"), seed=kwargs.get("seed", 0))
    stand_in = [engine.tensor(_stood_in(a), d, rg) for a, d, rg in
                zip(arrays, dtypes, needs, strict=True)]
    given = {**kwargs, "grad_outputs": rec.grad_outputs, "v": rec.v,
             "max_elements": 1 << 30}
    verdict = crosscheck(fn, stand_in, order=order, **given)
    if verdict.status in ("unsupported", "oracle-gave-up", "error"):
        verdict.message += " (at a finite stand-in for the NaN and +-inf inputs)"
        return verdict
    verdict.inputs = [{**d, "values": [float(v).hex() for v in a.reshape(-1)]}
                      for d, a in zip(verdict.inputs, arrays, strict=True)]
    if not _elementwise(rec.graph, arrays):
        verdict.status = "nonfinite"
        verdict.message = ("NaN or +-inf inputs through a graph that is not elementwise: the IEEE "
                           "rules cannot tell which elements they reach (unjudged)")
        return verdict
    diff = [i for i, rg in enumerate(needs) if rg]
    computed = rec.grads if order == 1 else rec.hvp or []
    nan_at = np.logical_or.reduce([np.isnan(arrays[i]) for i in range(len(arrays))
                                   if _floating(arrays[i]) and arrays[i].shape ==
                                   np.shape(computed[0])] or [np.zeros(0, bool)])
    bad_at = np.logical_or.reduce([~np.isfinite(arrays[i]) for i in range(len(arrays))
                                   if _floating(arrays[i]) and arrays[i].shape ==
                                   np.shape(computed[0])] or [np.zeros(0, bool)])
    engine_finite_at_nan = any(np.isfinite(np.asarray(c, np.float64)[nan_at]).any()
                               for c in computed if c.shape == nan_at.shape)
    branches = _branches(engine, fn, arrays, dtypes, needs, order, rec) \
        if engine_finite_at_nan else None
    limits = _limits(engine, fn, arrays, needs, order, rec) \
        if (bad_at & ~nan_at).any() else None
    names = [verdict.inputs[i]["name"] for i in diff]
    rules: dict[str, str] = {}
    rows = {(r.input, tuple(r.index)): r for r in verdict.elements}
    for k, i in enumerate(diff):
        c = np.asarray(computed[k], np.float64)
        for j in np.flatnonzero(bad_at.reshape(-1)) if bad_at.shape == c.shape else ():
            idx = tuple(int(t) for t in np.unravel_index(j, c.shape))
            e = float(c.flat[j])
            limit = None if limits is None else limits[k][j]
            status, why = _rule(e, bool(nan_at.flat[j]),
                                set() if branches is None else branches[k][j], limit, dtypes[i])
            rules[f"{names[k]}{list(idx)}"] = why
            rows[(names[k], idx)] = Element(
                input=names[k], index=list(idx), engine=e, exact=None, fd=None,
                fd_error_estimate=None, abs_error=None, rel_error=None, ulp_error=None,
                fd_ulp_error=None, tolerance_ulps=None, status=status)
    verdict.elements = list(rows.values())
    statuses = [r.status for r in verdict.elements]
    verdict.status = min(statuses, key=SEVERITY.index) if statuses else verdict.status
    verdict.tolerance = {**(verdict.tolerance or {}), "ieee": rules}
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    verdict.extra["counts"] = counts
    worst = [f"{r.input}{r.index}: engine {r.engine!r}, " + rules.get(
        f"{r.input}{r.index}", f"exact {r.exact}") for r in verdict.elements
        if r.status == verdict.status and r.status != "ok"]
    verdict.message = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + (
        f"; worst {worst[0]}" if worst else "")
    return verdict
