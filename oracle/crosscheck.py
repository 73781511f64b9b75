"""Three judges, one verdict: the engine's gradient against the exact one and against FD.

``crosscheck`` records a function of an engine's tensors through the engine's adapter
(``oracle.engines``: the IR, and the engine's gradients from its own backward), takes the
oracle's exact gradients of that IR (``oracle.exact``) and float64 finite differences
(``oracle.fd``), and triages every element (tolerances from ``oracle.tolerances``; E engine,
X exact, F FD):

- ``ok``: E within its bound of X, and F within its own bound of X with a bound small enough to
  have confirmed it;
- ``fd-unreliable``: E within its bound of X, F not (or F's bound too wide to say anything);
- ``engine-wrong``: E beyond its bound of X, unless F sides with E against X;
- ``oracle-suspect``: E and F agree with each other, X differs from both;
- ``kink``: the oracle found a kink and E equals the value the op's convention declares there
  (otherwise ``engine-wrong``);
- ``nonfinite``: E or X is not finite and the other does not settle it;
- ``unsupported`` / ``oracle-gave-up``: the oracle could not judge; ``error``: the engine raised.

>>> import symgrad
>>> x = symgrad.tensor([0.5, -1.0], requires_grad=True)
>>> v = crosscheck(lambda x: (x * x).sum(), [x])
>>> v.status, [e.status for e in v.elements]
('ok', ['ok', 'ok'])
"""

from __future__ import annotations

import inspect
import keyword
import math
import re
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from oracle import fd as fdm
from oracle import ieee
from oracle.ball_terms import sized_terms
from oracle.balls import relative_radius
from oracle.engines import Unsupported, engine_for
from oracle.error_terms import Terms, TermsUnavailable
from oracle.tolerances import engine_tolerance, fd_tolerance, np_dtype, ulp_error
from oracle.verdict import FAILING, SEVERITY, Element, Verdict

__all__ = ["crosscheck", "MAX_ELEMENTS"]

# Verdicts keep every element up to this many, and the worst this many beyond.
MAX_ELEMENTS = 64
# FD confirms a value only when its own bound is below this fraction of the gradient's scale
# (the largest of |exact|, the input's gradients, and |f|/max(|x|, 1), FD's natural unit).
FD_CONCLUSIVE = 1e-3


def _hex_list(a: np.ndarray) -> list[str]:
    return [float(v).hex() for v in np.ravel(np.asarray(a, dtype=np.float64))]


def _decimal(v: Any, digits: int) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    # An mpf prints with its own digits; mpf(v) would first round it to mpmath's global
    # precision, which other code may have left anywhere (a verdict's exact value came out
    # right to 40 digits in one process and to 17 in another).
    return mpmath.nstr(v if isinstance(v, mpmath.mpf) else mpmath.mpf(v), digits,
                       strip_zeros=False)


def _source(fn: Callable[..., Any]) -> tuple[str, str]:
    """A definition of ``fn`` for the reproducer and the name to call it by."""
    try:
        src = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        src = ""
    defined = re.match(r"def (\w+)\(", src)
    if defined and fn.__name__ != "<lambda>":
        # The name as the source defines it: ``__name__`` and ``__qualname__`` can be any string.
        return src, defined.group(1)
    if src and fn.__name__ == "<lambda>":
        start = src.find("lambda")
        body = src[start:].strip()
        # A lambda read from its line may carry the rest of the call; keep it balanced.
        depth, end = 0, len(body)
        for i, ch in enumerate(body):
            depth += ch in "([{"
            depth -= ch in ")]}"
            if depth < 0 or (depth == 0 and ch == "," and i > body.find(":")):
                end = i
                break
        return f"fn = {body[:end].strip()}\n", "fn"
    return f"fn = None  # source not available for {str(getattr(fn, '__qualname__', fn))!r}\n", \
        "fn"


def _identifiers(names: Sequence[str]) -> list[str]:
    """``names`` as the reproducer writes them: a name that is not a plain identifier would
    become code there, so it is replaced (``x<i>``), never pasted."""
    return [n if n.isidentifier() and not keyword.iskeyword(n) else f"x{i}"
            for i, n in enumerate(map(str, names))]


def _in_dtype(x: np.ndarray, dtype: str) -> np.ndarray:
    """``x`` (float64) rounded to ``dtype``, back in float64: ``±inf`` past the largest finite
    value, as the correctly rounded result is."""
    with np.errstate(over="ignore"):
        return np.asarray(x, np.float64).astype(np_dtype(dtype)).astype(np.float64)


def _rounded(result: Any, k: int, x: np.ndarray, dtype: str) -> np.ndarray:
    """The exact gradient of input k in ``dtype``: the proven rounding of its Arb balls where
    the oracle certified them, else the float64 value rounded again."""
    certified = getattr(result, "certified", None)
    if certified is not None and certified.balls[k] is not None:
        return certified.rounded(k, dtype)[0]
    return _in_dtype(x, dtype)


def _ulps_from_rounded(computed: np.ndarray, rounded: np.ndarray, exact: np.ndarray,
                       dtype: str) -> np.ndarray:
    """The engine's error in ULPs of its dtype from the exact value rounded to that dtype
    (0 for the correctly rounded value, an infinity included); from the exact float64 value
    where the rounding overflowed and the engine did not."""
    c = np.asarray(computed, np.float64).reshape(rounded.shape)
    with np.errstate(invalid="ignore"):
        err = np.where(np.isfinite(rounded), ulp_error(c, rounded, dtype),
                       ulp_error(c, exact, dtype))
    return np.where(c == rounded, 0.0, err)


def _certification(result: Any) -> dict[str, Any]:
    """What the verdict's exact values rest on: Arb balls at a precision, with every rounding
    proven (and the widest ball's relative radius), or 40-digit values of the general path."""
    certified = getattr(result, "certified", None)
    if certified is None:
        return {"certified": False, "why": getattr(result, "uncertified", "") or getattr(
            result, "reason", "")}
    proven = certified.proven()
    radius = max((relative_radius(b) for b in certified.balls if b is not None), default=0.0)
    return {"certified": proven, "precision_bits": certified.precision,
            "relative_radius": radius, "notes": certified.notes}


def _status(e: float, x: float | None, f: float | None, te: float, tf: float | None,
            scale: float, rounded: float | None = None, overflowed: bool = False) -> str:
    """One element's status: the engine's ``e`` against the exact ``x`` (float64) rounded to
    its dtype (``rounded``) within ``te``, the finite differences' ``f`` against ``x`` within
    ``tf`` (``scale``: the gradient's scale, for whether FD could have confirmed it)."""
    if x is None:
        return "oracle-gave-up"
    if math.isinf(e) and (math.isfinite(x) or overflowed) and e == rounded:
        # The exact value overflows the engine's dtype (``overflowed``: float64 too, the
        # exact value being finite): its infinity is the right answer.
        return "ok"
    if math.isinf(x) and e == x:
        # An infinite exact value (a pole: d/dx x**-1 at 0) is judged by IEEE rules: the
        # engine's infinity of the same sign is the correctly rounded value.
        return "ok"
    if not (math.isfinite(e) and math.isfinite(x)):
        if math.isfinite(x) and f is not None and math.isfinite(f) and tf is not None \
                and abs(f - x) <= tf:
            return "engine-wrong"
        return "nonfinite"
    target = rounded if rounded is not None and math.isfinite(rounded) else x
    e_ok = abs(e - target) <= te
    have_f = f is not None and tf is not None and math.isfinite(f) and math.isfinite(tf)
    f_ok = have_f and abs(f - x) <= tf
    conclusive = have_f and tf <= max(te, FD_CONCLUSIVE * max(abs(x), scale))
    f_with_e = have_f and abs(f - e) <= tf + te
    if e_ok:
        return "ok" if f_ok and conclusive else "fd-unreliable"
    if f_with_e and not f_ok and conclusive:
        return "oracle-suspect"
    return "engine-wrong"


def _judge_nodes(verdict: Verdict, graph: Any) -> None:
    """Judge each node of the engine's backward alone (``oracle.localize``): the nodes go into
    ``extra["nodes"]``, the first wrong one becomes the verdict's culprit, and a wrong node
    fails a verdict whose end-to-end gradient passed (its error hidden downstream)."""
    from oracle.localize import blame

    nodes = blame(graph)
    verdict.extra["nodes"] = [{"grad_fn": b.name, "op": b.op, "node": b.node,
                               "ulp_error": b.ulps, "bound_ulps": b.bound_ulps,
                               "wrong": b.wrong} for b in nodes]
    wrong = next((b for b in nodes if b.wrong), None)
    if wrong is None:
        return
    verdict.culprit = wrong.record()
    verdict.message += f"\n{wrong.record()['message']}"
    if verdict.status in ("ok", "fd-unreliable", "kink"):
        verdict.status = "engine-wrong"
        verdict.message += " (hidden downstream: the end-to-end gradient is within its bound)"


def _mismatched(k: int, n: int) -> str:
    return f"Mismatched elements: {k} / {n} ({100 * k / n:.1f}%)"


def _not_close(counts: str, rows: Sequence[Element], engine: str) -> str:
    """A failing verdict's message, as ``torch.testing.assert_close`` words one, in ULPs:
    how many elements are off, and the one furthest off with the engine's, the exact and the
    finite differences' values (the node to blame is added after)."""
    off = [r for r in rows if r.status in FAILING]
    worst = max(off, key=lambda r: (r.ulp_error if r.ulp_error == r.ulp_error else math.inf))
    index = tuple(worst.index)
    return "\n".join([
        f"Gradients are not close! ({counts})", "",
        _mismatched(len(off), len(rows)),
        f"Greatest ULP error: {worst.ulp_error:.3g} at index {index} of {worst.input} "
        f"(up to {worst.tolerance_ulps:.3g} allowed)",
        f"  {engine}: {worst.engine!r}",
        f"  exact: {worst.exact}",
        f"  fd:    {worst.fd!r} ± {worst.fd_error_estimate:.3g}"])


def _foreign_dtypes(grads: Sequence[Any], dtypes: Sequence[str], names: Sequence[str]) -> str:
    """The gradients whose dtype is not their input's, said in words ("" when none): PyTorch's
    autograd gives every input's gradient that input's dtype, and a gradient in another one
    has skipped (or added) the rounding to it that its values are judged by.

    >>> _foreign_dtypes([np.zeros(2, np.float64)], ["float16"], ["x"])
    "the engine's gradient of x is float64 where x is float16"
    >>> _foreign_dtypes([np.zeros(2, np.float16)], ["float16"], ["x"])
    ''
    """
    return "; ".join(f"the engine's gradient of {n} is {np.asarray(g).dtype} where {n} is {d}"
                     for g, d, n in zip(grads, dtypes, names, strict=True)
                     if str(np.asarray(g).dtype) != d)


def _worst(statuses: Sequence[str]) -> str:
    return min(statuses, key=SEVERITY.index) if statuses else "ok"


@dataclass
class _Elements:
    """What the per-element judging reads: the oracle's result, the engine's and the finite
    differences' values, and the graph."""

    result: Any
    x64: list[np.ndarray]
    diff_idx: list[int]
    dtypes: list[str]
    names: list[str]
    computed: list[np.ndarray]
    fd_est: list[Any]
    kinks: dict[tuple[int, tuple[int, ...]], Any]
    depth: int
    order: int
    graph: Any
    digits: int


def _sized_terms(graph: Any, grad_outputs: Any, v: Any, forward: bool) -> Terms | str:
    """The chain rule's terms in absolute value and (with ``forward``) the exact derivative
    at the engine's forward values (``oracle.ball_terms.sized_terms``), or why they cannot be
    had."""
    try:
        terms = sized_terms(graph, grad_outputs, v)
    except TermsUnavailable as e:
        return str(e) or "the oracle could not size the terms"
    if not forward:
        terms.at_engine = [None] * len(terms.at_engine)
    return terms


def _engine_bound(el: _Elements, k: int, bounds: Terms | str | None) -> Any:
    """Input k's bound: each element's own ``|exact|`` (``bounds`` None); the sum of its terms'
    absolute values plus the forward's rounding (``Terms``); or, where those could not be had
    (``bounds`` the reason), the scale of the gradient as an estimate."""
    x = np.asarray(el.result.float64[k] if el.result.float64[k] is not None else
                   np.zeros(el.x64[k].shape), dtype=np.float64)
    dt = el.dtypes[el.diff_idx[k]]
    depth = el.depth * el.order
    if bounds is None:
        return engine_tolerance(x, dt, depth=depth)
    if isinstance(bounds, Terms):
        # Terms without their conditioning (neither way had the third derivatives): the
        # gradient's scale stands in for it.
        floor = None if bounds.conditioned else _estimated_scale(el, k)
        return bounds.tolerance(k, x, dt, depth, floor)
    return engine_tolerance(x, dt, depth=depth, floor=_estimated_scale(el, k))


def _estimated_scale(el: _Elements, k: int) -> np.ndarray:
    """The gradient's scale, where its terms cannot be sized: the largest exact element over
    all inputs, and the weighted outputs an element moves (FD's natural unit; at the second
    order only when a VJP reads a rounded result, or acos's pi/2 hides a cancelling formula)."""
    exact64 = [np.zeros(a.shape) if g is None else np.asarray(g, dtype=np.float64)
               for g, a in zip(el.result.float64, el.x64, strict=True)]
    floor = max((float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for a in exact64),
                default=0.0)
    outputs_count = el.order == 1 or el.graph.reads_results()
    scale = np.abs(el.fd_est[k].scale)
    moved = scale if el.order == 1 else scale / np.maximum(np.abs(el.x64[k]), 1.0) * (
        outputs_count)
    return np.maximum(floor, np.where(np.isfinite(moved), moved, 0.0))


def _judge_elements(el: _Elements, bounds: Terms | str | None
                    ) -> tuple[list[Element], list[str], dict[str, Any]]:
    """Each element's row and status, within the bound ``bounds`` sizes (``_engine_bound``)."""
    result, x64, diff_idx, dtypes, names = el.result, el.x64, el.diff_idx, el.dtypes, el.names
    computed, fd_est, kinks, digits = el.computed, el.fd_est, el.kinks, el.digits
    rows: list[Element] = []
    all_status: list[str] = []
    tol_info: dict[str, Any] = {}
    # A leaf that does not reach the outputs has no exact gradient (``None``): it is zero,
    # which the engine may give as ``None`` (read as zeros above) or as zeros.
    exact_mp = [np.full(x.shape, mpmath.mpf(0), dtype=object) if g is None else g
                for g, x in zip(result.grads or [None] * len(x64), x64, strict=True)]
    exact64 = [np.zeros(x.shape) if a is None else np.asarray(a, dtype=np.float64)
               for a, x in zip(result.float64, x64, strict=True)]
    for k in range(len(diff_idx)):
        dt = dtypes[diff_idx[k]]
        x = exact64[k]
        te = _engine_bound(el, k, bounds)
        tf = fd_tolerance(fd_est[k])
        tol_info.setdefault("engine", {"reason": te.reason, **te.params})
        tol_info.setdefault("fd", {"reason": tf.reason, **tf.params})
        scale = float(np.max(np.abs(np.where(np.isfinite(x), x, 0.0)), initial=0.0))
        natural = np.abs(fd_est[k].scale) / np.maximum(np.abs(x64[k]), 1.0)
        te_abs = te.abs.reshape(-1)
        te_ulps = te.ulps.reshape(-1)
        rounded = _rounded(result, k, x, dt)
        e_ulp = _ulps_from_rounded(computed[k], rounded, x, dt)
        f_ulp = ulp_error(fd_est[k].value, x, dt)
        shape = x64[k].shape
        for j in range(x64[k].size):
            idx = tuple(int(i) for i in np.unravel_index(j, shape)) if shape else ()
            e = float(computed[k].flat[j])
            xv = float(x.flat[j])
            f = float(fd_est[k].value.flat[j])
            fe = float(fd_est[k].error.flat[j])
            kink = kinks.get((k, idx)) or (kinks.get((k, (0,))) if not idx else None)
            if kink is not None:
                expected = float(kink.expected)
                # An infinity is judged by whether it is the convention's value rounded (a
                # float16 jump's -g * floor(x / y) overflows to -inf), never as a distance.
                on_it = e == float(_in_dtype(np.array(expected), dt)) or (
                    abs(e - expected) <= te_abs[j])
                status = "kink" if on_it else "engine-wrong"
            else:
                status = _status(e, xv, f, te_abs[j], float(tf.abs.flat[j]),
                                 max(scale, float(natural.flat[j])), float(rounded.flat[j]),
                                 math.isinf(xv) and bool(mpmath.isfinite(exact_mp[k].flat[j])))
            all_status.append(status)
            abs_err = abs(e - xv)
            rows.append(Element(
                input=names[diff_idx[k]], index=list(idx), engine=e,
                exact=_decimal(exact_mp[k].flat[j], digits),
                fd=f, fd_error_estimate=fe, abs_error=abs_err,
                rel_error=abs_err / abs(xv) if xv != 0 else (0.0 if abs_err == 0 else math.inf),
                ulp_error=float(e_ulp.flat[j]), fd_ulp_error=float(f_ulp.flat[j]),
                tolerance_ulps=float(te_ulps[j]), status=status, bound=te.params["S"]))
    return rows, all_status, tol_info


def _fd_alone(verdict: Verdict, fd_est: list[Any], computed: list[np.ndarray],
              dtypes: list[str], names: list[str], depth: int) -> None:
    """Where the exact oracle cannot judge, finite differences still can find the engine wrong:
    an element whose FD estimate is conclusive (its error bound under ``FD_CONCLUSIVE`` of the
    gradient's scale) and farther from the engine than that bound plus the engine's own bound
    fails the verdict. Agreement proves nothing exactly, so the verdict stays unjudged."""
    wrong = []
    for k, est in enumerate(fd_est):
        f = np.asarray(est.value, dtype=np.float64)
        tf = fd_tolerance(est).abs
        finite = np.isfinite(f) & np.isfinite(tf)
        scale = float(np.max(np.abs(np.where(finite, f, 0.0)), initial=0.0))
        te = engine_tolerance(np.where(finite, f, 0.0), dtypes[k], depth=depth,
                              floor=scale).abs
        e = computed[k].reshape(f.shape)
        with np.errstate(invalid="ignore"):
            off = finite & (tf <= FD_CONCLUSIVE * max(scale, np.finfo(float).tiny)) & ~(
                np.abs(e - f) <= tf + te)
        wrong += [(names[k], np.unravel_index(j, f.shape), float(e.flat[j]), float(f.flat[j]))
                  for j in np.flatnonzero(off)]
    if wrong:
        name, idx, e, f = wrong[0]
        total = sum(np.size(est.value) for est in fd_est)
        verdict.message = (f"{verdict.message}; finite differences alone find {len(wrong)} "
                           f"element(s) wrong\n{_mismatched(len(wrong), total)}\n"
                           f"First at index {tuple(map(int, idx))} of {name}: engine {e!r}, "
                           f"fd {f!r}")
        verdict.status = "engine-wrong"
    else:
        verdict.message += "; finite differences find nothing wrong (not a proof: unjudged)"


def crosscheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    order: int = 1,
    grad_outputs: Sequence[Any] | None = None,
    v: Sequence[Any] | None = None,
    digits: int = 40,
    op: Any = None,
    attrs: dict[str, Any] | None = None,
    check_id: str | None = None,
    seed: int = 0,
    names: Sequence[str] | None = None,
    max_elements: int = MAX_ELEMENTS,
    exact_grad: Callable[..., Any] | None = None,
    exact_hvp: Callable[..., Any] | None = None,
    **exact_options: Any,
) -> Verdict:
    """Judge the gradients (``order=1``) or the Hessian-vector products through
    ``create_graph`` (``order=2``, direction ``v``) of ``fn(*inputs)`` three ways.

    ``inputs`` are tensors of one engine (its adapter in ``oracle.engines`` is picked by their
    type); those with ``requires_grad`` are differentiated. ``grad_outputs`` default to ones
    for a scalar output and to seeded random values (exactly representable in the output's
    dtype) otherwise. ``op`` (the engine's op or its name, with ``attrs``) names the op being
    checked: its domains steer FD to one-sided differences at their edges, and the reproducer
    calls it. ``exact_grad``/``exact_hvp`` replace the oracle (tests, mutants of the oracle):
    they get the recorded graph, the grad outputs (and ``v``) as arrays, and
    ``exact_options``.

    Args:
        fn: The function judged, called as ``fn(*inputs)``; it returns a tensor or a tuple.
        inputs: The tensors it is called with, all of one engine (its adapter in
            ``oracle.engines`` is picked by their type); those that require grad are
            differentiated.
        order: 1 to judge the gradients, 2 the Hessian-vector products through
            ``create_graph``. Defaults to 1.
        grad_outputs: The weight of each output. Defaults to None: ones for a one-element
            output, else seeded random values exactly representable in its dtype.
        v: For ``order=2``, the direction: one tensor per differentiated input. Defaults to None.
        digits: The significant digits of the exact values. Defaults to 40.
        op: The op checked, the engine's op or its name: its domains steer finite
            differences to one-sided ones at their edges, and the reproducer calls it.
            Defaults to None.
        attrs: The attributes ``op`` is called with, for the reproducer. Defaults to None.
        check_id: The verdict's id. Defaults to None: ``"<op>/<dtype>/<grad|gradgrad>"``.
        seed: Seeds the random ``grad_outputs``. Defaults to 0.
        names: The inputs' names in the verdict and the reproducer. Defaults to None: the
            op's argument names, else ``x0, x1, ...``.
        max_elements: How many elements the verdict lists, the worst first. Defaults to 64.
        exact_grad: Replaces the oracle's exact gradient (tests, mutants of the oracle).
            Defaults to None.
        exact_hvp: Replaces the oracle's exact Hessian-vector product. Defaults to None.
        **exact_options: Passed on to the exact gradient (``mode``, ``time_budget``, ...).

    Returns:
        The verdict: its status, the error of each element in ULPs, the triage of who is wrong,
        and a reproducer.

    >>> import symgrad
    >>> x = symgrad.tensor([2.0], dtype=symgrad.float16, requires_grad=True)
    >>> v = crosscheck(lambda x: (x * x * x).sum(), [x], order=2, v=[symgrad.ones_like(x)])
    >>> v.status, v.check, v.elements[0].exact[:6]
    ('ok', 'gradgrad', '12.000')
    """
    t0 = time.perf_counter()
    inputs = list(inputs)
    engine = engine_for(inputs)
    info = engine.op_info(op) if op is not None else None
    op_name = info.name if info is not None else getattr(fn, "__name__", "fn")
    if names is None:
        names = list(info.args) if info is not None and len(info.args) == len(inputs) \
            else [f"x{i}" for i in range(len(inputs))]
    names = list(names)
    needs = [engine.requires_grad(t) for t in inputs]
    diff_idx = [i for i, rg in enumerate(needs) if rg]
    arrays = [engine.to_numpy(t) for t in inputs]
    dtypes = [engine.dtype_name(t) for t in inputs]
    if ieee.has_nonfinite(arrays):
        # NaN and +-inf are judged by IEEE rules, never as numbers (oracle.ieee).
        return ieee.judge(crosscheck, fn, inputs, engine, order, dict(
            grad_outputs=grad_outputs, v=v, digits=digits, op=op, attrs=attrs,
            check_id=check_id, seed=seed, names=names, exact_grad=exact_grad,
            exact_hvp=exact_hvp, **exact_options))
    dtype = dtypes[diff_idx[0]] if diff_idx else dtypes[0]
    verdict = Verdict(id=check_id or f"{op_name}/{dtype}/{'grad' if order == 1 else 'gradgrad'}",
                      op=op_name, dtype=dtype, check="grad" if order == 1 else "gradgrad",
                      status="ok", order=order)
    verdict.inputs = [{"name": n, "shape": list(a.shape), "dtype": d, "requires_grad": rg,
                       "values": _hex_list(a) if a.size <= 256 else None}
                      for n, a, d, rg in zip(names, arrays, dtypes, needs, strict=True)]
    defs, call = _source(fn)
    # The op alone rebuilds the call only when every one of its inputs is given.
    by_op = info is not None and names == list(info.args)
    if by_op:
        defs = engine.op_source(info, attrs or {})
    reproducible = info is None or by_op
    code_names = _identifiers(names)

    # -- the engine -------------------------------------------------------------------------
    try:
        rec = engine.record(fn, inputs, order=order, grad_outputs=grad_outputs, v=v, seed=seed)
    except Unsupported as exc:
        verdict.status = "unsupported"
        verdict.message = str(exc)
        verdict.duration_s = time.perf_counter() - t0
        return verdict
    except Exception as exc:  # noqa: BLE001 - any engine failure is the verdict
        verdict.status = "error"
        verdict.message = f"the engine raised {type(exc).__name__}: {exc}"
        if reproducible:
            verdict.reproducer = engine.reproducer(inputs, code_names, needs, call, defs, [],
                                                   order, None)
        verdict.duration_s = time.perf_counter() - t0
        return verdict
    graph = rec.graph
    depth = graph.depth()
    verdict.graph = graph.drawing({pos: names[i] for pos, i in enumerate(diff_idx)})
    go64 = [np.asarray(g, dtype=np.float64) for g in rec.grad_outputs]
    v64 = [np.asarray(a, dtype=np.float64) for a in rec.v or ()] if order == 2 else None
    computed = [np.asarray(g, dtype=np.float64)
                for g in (rec.grads if order == 1 else rec.hvp or ())]
    if reproducible:
        verdict.reproducer = engine.reproducer(inputs, code_names, needs, call, defs, go64, order,
                                               v64)
    given = rec.grads if order == 1 else rec.hvp
    foreign = _foreign_dtypes(given, [dtypes[i] for i in diff_idx],
                              [names[i] for i in diff_idx]) if given else ""
    if foreign:
        verdict.status, verdict.message = "engine-wrong", foreign
        verdict.duration_s = time.perf_counter() - t0
        return verdict

    # -- finite differences in float64 (they judge alone where the exact oracle cannot) -------
    def f64_fn(points: list[np.ndarray]) -> list[np.ndarray]:
        return engine.evaluate64(fn, inputs, diff_idx, points)

    domains = None
    if info is not None:
        domains = [info.domains.get(names[i]) for i in diff_idx]
    x64 = [np.asarray(arrays[i], dtype=np.float64) for i in diff_idx]

    def fd_estimates() -> list[Any]:
        if order == 1:
            return fdm.vjp(f64_fn, x64, go64, domains=domains)
        return fdm.hvp(f64_fn, x64, go64, v64)

    def unjudged(status: str, why: str) -> Verdict:
        verdict.status, verdict.message = status, why
        try:
            _fd_alone(verdict, fd_estimates(), computed, [dtypes[i] for i in diff_idx],
                      [names[i] for i in diff_idx], depth * order)
        except Exception as exc:  # noqa: BLE001 - FD failing leaves the check unjudged
            verdict.message += f"; finite differences failed too ({type(exc).__name__})"
        verdict.duration_s = time.perf_counter() - t0
        return verdict

    # -- the exact oracle ---------------------------------------------------------------------
    own_oracle = (exact_grad if order == 1 else exact_hvp) is None
    try:
        if order == 1:
            if exact_grad is None:
                from oracle.exact import exact_grad
            result = exact_grad(graph, None, rec.grad_outputs, digits=digits, **exact_options)
        else:
            if exact_hvp is None:
                from oracle.exact import exact_hvp
            result = exact_hvp(graph, None, rec.v, grad_outputs=rec.grad_outputs,
                               digits=digits, **exact_options)
    except Exception as exc:  # noqa: BLE001 - an oracle crash judges nothing about the engine
        return unjudged("oracle-gave-up", f"the oracle raised {type(exc).__name__}: {exc}")
    expression = getattr(result, "expression", None)
    if expression is not None:
        from sympy.printing.mathml import mathml

        verdict.derivative = {"text": str(expression),
                              "mathml": mathml(expression, printer="presentation")}
    if result.status in ("unsupported", "oracle-gave-up"):
        return unjudged(result.status, result.reason)
    kinks: dict[tuple[int, tuple[int, ...]], Any] = {}
    for k in getattr(result, "kinks", ()) or ():
        # ``input`` counts the differentiated inputs (as passed to the oracle), or is a name.
        which = k.input if isinstance(k.input, int) else diff_idx.index(names.index(k.input))
        kinks[(which, tuple(int(i) for i in np.atleast_1d(k.index)))] = k

    fd_est = fd_estimates()
    elements = _Elements(result, x64, diff_idx, dtypes, names, computed, fd_est, kinks, depth,
                         order, graph, digits)
    rows, all_status, tol_info = _judge_elements(elements, None)
    if "engine-wrong" in all_status or "oracle-suspect" in all_status:
        # Past its own |exact|: size the bound by the terms the element is made of (the
        # forward's rounding only against the oracle's own exact values: a replaced oracle's
        # error is not the forward's).
        bounds = _sized_terms(graph, rec.grad_outputs, rec.v if order == 2 else None,
                              forward=own_oracle)
        rows, all_status, tol_info = _judge_elements(elements, bounds)
        if isinstance(bounds, str):
            tol_info["terms_unavailable"] = bounds
    verdict.status = _worst(all_status)
    if kinks:
        tol_info["kinks"] = [{"input": names[diff_idx[i]], "index": list(ix),
                              "op": getattr(kk, "op", None), "where": getattr(kk, "where", None),
                              "convention": getattr(kk, "convention", None),
                              "one_sided": repr(getattr(kk, "one_sided", None))}
                             for (i, ix), kk in kinks.items()]
    tol_info["depth"] = depth
    verdict.tolerance = tol_info
    if rows:
        finite_ulps = [r.ulp_error for r in rows if r.ulp_error is not None]
        verdict.max_ulp_error = max(finite_ulps, default=None)
        verdict.max_fd_ulp_error = max((r.fd_ulp_error for r in rows
                                        if r.fd_ulp_error is not None), default=None)
    counts: dict[str, int] = {}
    for s in all_status:
        counts[s] = counts.get(s, 0) + 1
    worst = sorted(rows, key=lambda r: (SEVERITY.index(r.status),
                                         -(r.ulp_error if r.ulp_error == r.ulp_error else 0)))
    verdict.elements = rows if len(rows) <= max_elements else worst[:max_elements]
    if len(rows) > max_elements:
        # Only the worst are listed: every judged element's error, counted by value, keeps the
        # median over all of them (``reports.records.ulp_summary``) from leaning to the worst.
        verdict.extra["ulp_errors"] = dict(Counter(
            repr(r.ulp_error) for r in rows if r.status != "kink" and r.ulp_error is not None
            and math.isfinite(r.ulp_error)))
    bad = worst[0] if worst else None
    verdict.message = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    if verdict.status in FAILING:
        verdict.message = _not_close(verdict.message, rows, engine.name)
    elif bad is not None and bad.status != "ok":
        verdict.message += (f"; worst {bad.input}{bad.index}: engine {bad.engine!r}, exact "
                            f"{bad.exact}, fd {bad.fd!r} ± {bad.fd_error_estimate:.3g}, "
                            f"{bad.ulp_error:.3g} ulp (bound {bad.tolerance_ulps:.3g})")
    if order == 1:
        _judge_nodes(verdict, graph)
    verdict.extra["counts"] = counts
    verdict.extra["certified"] = _certification(result)
    verdict.duration_s = time.perf_counter() - t0
    return verdict
