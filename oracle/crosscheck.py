"""Three judges, one verdict: the engine's gradient against the exact one and against FD.

``crosscheck`` runs a symgrad function, takes the engine's gradients (``autograd.grad``), the
oracle's exact gradients (``oracle.exact``) and float64 finite differences (``oracle.fd``), and
triages every element (tolerances from ``oracle.tolerances``; E engine, X exact, F FD):

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
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np

from oracle import fd as fdm
from oracle.tolerances import engine_tolerance, fd_tolerance, ulp_error
from oracle.verdict import SEVERITY, Element, Verdict

__all__ = ["crosscheck", "MAX_ELEMENTS", "graph_of", "reads_results"]

# Verdicts keep every element up to this many, and the worst this many beyond.
MAX_ELEMENTS = 64
# FD confirms a value only when its own bound is below this fraction of the gradient's scale
# (the largest of |exact|, the input's gradients, and |f|/max(|x|, 1), FD's natural unit).
FD_CONCLUSIVE = 1e-3


def _tuple(x: Any) -> tuple[Any, ...]:
    from symgrad import Tensor

    if x is None:
        return ()
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _f64(t: Any) -> np.ndarray:
    return np.asarray(t._data if hasattr(t, "_data") else t, dtype=np.float64)


def graph_of(outputs: Sequence[Any], inputs: Sequence[Any],
             names: Sequence[str] = ()) -> tuple[dict[str, Any], int]:
    """The recorded graph as nodes and edges for drawing, and its depth (ops on the longest
    path from an input to an output).

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> g, depth = graph_of([(x * x).exp()], [x], ["x"])
    >>> [n["label"] for n in g["nodes"]], depth
    (['x', 'MulBackward0', 'ExpBackward0'], 2)
    """
    from symgrad.autograd.graph import AccumulateGrad, Node

    leaf_names = {id(t): n for t, n in zip(inputs, names, strict=False)}
    nodes: list[dict[str, Any]] = []
    edges: list[list[int]] = []
    ids: dict[int, int] = {}
    depth: dict[int, int] = {}

    def add(obj: Any) -> int:
        key = id(obj)
        if key in ids:
            return ids[key]
        if isinstance(obj, AccumulateGrad):
            t = obj.variable
            entry = {"kind": "leaf", "label": leaf_names.get(id(t), "leaf"),
                     "shape": list(t.shape), "dtype": t.dtype.name}
            d = 0
        elif isinstance(obj, Node):
            srcs = [add(i) for i in obj.inputs]
            entry = {"kind": "op", "op": obj.op.name, "label": obj.name(),
                     "attrs": {k: repr(v) for k, v in obj.attrs.items()}}
            d = 1 + max((depth[s] for s in srcs), default=0)
        else:
            entry = {"kind": "const", "label": "const", "shape": list(obj.shape),
                     "dtype": obj.dtype.name}
            d = 0
        entry["id"] = len(nodes)
        nodes.append(entry)
        ids[key] = entry["id"]
        depth[entry["id"]] = d
        if isinstance(obj, Node) and not isinstance(obj, AccumulateGrad):
            edges.extend([s, entry["id"]] for s in srcs)
        return entry["id"]

    tops = [add(o.grad_fn) for o in outputs if o.grad_fn is not None]
    return {"nodes": nodes, "edges": edges}, max((depth[t] for t in tops), default=0)


def reads_results(outputs: Sequence[Any]) -> bool:
    """Whether a node of the recorded graph has a VJP that reads the node's own result
    (``out``): only then does the second order depend on a rounded result's size (see
    ``oracle.tolerances``). A node of unknown kind counts as one that does.

    >>> import symgrad
    >>> x = symgrad.tensor([0.5], requires_grad=True)
    >>> reads_results([x.acos()]), reads_results([x.acos().exp()])  # exp' is out
    (False, True)
    """
    from symgrad.autograd.graph import AccumulateGrad, Node

    seen: set[int] = set()
    stack = [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen or not isinstance(node, Node) or isinstance(node, AccumulateGrad):
            continue
        seen.add(id(node))
        if getattr(node.op, "saves_out", True):
            return True
        stack.extend(node.inputs)
    return False


def _decimal(v: Any, digits: int) -> str | None:
    if v is None:
        return None
    return mpmath.nstr(mpmath.mpf(v), digits, strip_zeros=False) if not isinstance(v, str) \
        else v


def _hex_list(a: np.ndarray) -> list[str]:
    return [float(v).hex() for v in np.ravel(a)]


def _reproducer(inputs: Sequence[Any], names: Sequence[str], diff: Sequence[bool],
                call: str, defs: str, grad_outputs: Sequence[np.ndarray], order: int,
                v: Sequence[np.ndarray] | None) -> str:
    lines = [
        "import numpy as np",
        "import symgrad",
        "from oracle.crosscheck import crosscheck",
        "",
        "",
        "def t(hexes, shape, dtype, requires_grad=False):",
        "    a = np.array([float.fromhex(h) for h in hexes], dtype=np.float64).reshape(shape)",
        "    return symgrad.tensor(a, dtype=getattr(symgrad, dtype), requires_grad=requires_grad)",
        "",
        "",
    ]
    # Names become code here: one that is not a plain identifier is replaced, never pasted.
    names = [n if n.isidentifier() and not keyword.iskeyword(n) else f"x{i}"
             for i, n in enumerate(map(str, names))]
    for t, name, rg in zip(inputs, names, diff, strict=True):
        if t.dtype.is_floating_point:
            lines.append(f"{name} = t({_hex_list(_f64(t))!r}, {tuple(t.shape)!r}, "
                         f"{t.dtype.name!r}, requires_grad={rg})")
        else:
            lines.append(f"{name} = symgrad.tensor({t._data.tolist()!r}, "
                         f"dtype=symgrad.{t.dtype.name})")
    lines += ["", defs.rstrip(), ""]
    go = ", ".join(f"t({_hex_list(g)!r}, {g.shape!r}, 'float64')" for g in grad_outputs)
    args = ", ".join(names)
    extra = f", grad_outputs=[{go}]"
    if v is not None:
        extra += ", v=[" + ", ".join(f"t({_hex_list(a)!r}, {a.shape!r}, 'float64')"
                                     for a in v) + "]"
    lines.append(f"verdict = crosscheck({call}, [{args}], order={order}{extra})")
    lines.append("print(verdict.status, verdict.message)")
    return "\n".join(lines) + "\n"


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


def _in_dtype(x: np.ndarray, dtype: str) -> np.ndarray:
    """``x`` (float64) rounded to ``dtype``, back in float64: ``±inf`` past the largest finite
    value, as the correctly rounded result is."""
    from symgrad import _dtypes

    with np.errstate(over="ignore"):
        return np.asarray(x, np.float64).astype(_dtypes._by_name(dtype).np).astype(np.float64)


def _status(e: float, x: float | None, f: float | None, te: float, tf: float | None,
            scale: float, rounded: float | None = None, overflowed: bool = False) -> str:
    if x is None:
        return "oracle-gave-up"
    if math.isinf(e) and (math.isfinite(x) or overflowed) and e == rounded:
        # The exact value overflows the engine's dtype (``overflowed``: float64 too, the
        # exact value being finite): its infinity is the right answer.
        return "ok"
    if not (math.isfinite(e) and math.isfinite(x)):
        if math.isfinite(x) and f is not None and math.isfinite(f) and tf is not None \
                and abs(f - x) <= tf:
            return "engine-wrong"
        return "nonfinite"
    e_ok = abs(e - x) <= te
    have_f = f is not None and tf is not None and math.isfinite(f) and math.isfinite(tf)
    f_ok = have_f and abs(f - x) <= tf
    conclusive = have_f and tf <= max(te, FD_CONCLUSIVE * max(abs(x), scale))
    f_with_e = have_f and abs(f - e) <= tf + te
    if e_ok:
        return "ok" if f_ok and conclusive else "fd-unreliable"
    if f_with_e and not f_ok and conclusive:
        return "oracle-suspect"
    return "engine-wrong"


def _worst(statuses: Sequence[str]) -> str:
    return min(statuses, key=SEVERITY.index) if statuses else "ok"


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

    ``inputs`` are symgrad tensors; those with ``requires_grad`` are differentiated.
    ``grad_outputs`` default to ones for a scalar output and to seeded random values (exactly
    representable in the output's dtype) otherwise. ``op`` (an ``OpDef`` or a registry name,
    with ``attrs``) names the op being checked: its domains steer FD to one-sided differences
    at their edges, and the reproducer calls it. ``exact_grad``/``exact_hvp`` replace the
    oracle (tests, mutants of the oracle); ``exact_options`` go to it.

    Args:
        fn: The function judged, called as ``fn(*inputs)``; it returns a tensor or a tuple.
        inputs: The symgrad tensors it is called with; those that require grad are
            differentiated.
        order: 1 to judge the gradients, 2 the Hessian-vector products through
            ``create_graph``. Defaults to 1.
        grad_outputs: The weight of each output. Defaults to None: ones for a one-element
            output, else seeded random values exactly representable in its dtype.
        v: For ``order=2``, the direction: one tensor per differentiated input. Defaults to None.
        digits: The significant digits of the exact values. Defaults to 40.
        op: The op checked, an ``OpDef`` or a registry name: its domains steer finite
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
    import symgrad
    from symgrad import REGISTRY

    t0 = time.perf_counter()
    inputs = list(inputs)
    opdef = REGISTRY[op] if isinstance(op, str) else op
    op_name = opdef.name if opdef is not None else getattr(fn, "__name__", "fn")
    if names is None:
        names = list(opdef.args) if opdef is not None and len(opdef.args) == len(inputs) \
            else [f"x{i}" for i in range(len(inputs))]
    names = list(names)
    diff_idx = [i for i, t in enumerate(inputs) if t.requires_grad]
    diff = [inputs[i] for i in diff_idx]
    dtype = diff[0].dtype.name if diff else inputs[0].dtype.name
    verdict = Verdict(id=check_id or f"{op_name}/{dtype}/{'grad' if order == 1 else 'gradgrad'}",
                      op=op_name, dtype=dtype, check="grad" if order == 1 else "gradgrad",
                      status="ok", order=order)
    verdict.inputs = [{"name": n, "shape": list(t.shape), "dtype": t.dtype.name,
                       "requires_grad": bool(t.requires_grad),
                       "values": _hex_list(_f64(t)) if t.numel() <= 256 else None}
                      for n, t in zip(names, inputs, strict=True)]
    defs, call = _source(fn)
    # The op alone rebuilds the call only when every one of its inputs is given.
    by_op = opdef is not None and names == list(opdef.args)
    if by_op:
        defs = (f"from symgrad.ops.registry import apply\n\n"
                f"fn = lambda *xs: apply(symgrad.REGISTRY[{opdef.name!r}], *xs, "
                f"**{attrs or {}!r})\n")
    reproducible = opdef is None or by_op
    rng = np.random.default_rng(seed)

    # -- the engine -------------------------------------------------------------------------
    try:
        outs = _tuple(fn(*inputs))
        if grad_outputs is None:
            grad_outputs = [symgrad.tensor(np.ones(o.shape), dtype=o.dtype) if o.numel() == 1
                            else symgrad.tensor(rng.standard_normal(o.shape), dtype=o.dtype)
                            for o in outs]
        else:
            grad_outputs = [g if hasattr(g, "_data") else symgrad.tensor(g, dtype=o.dtype)
                            for g, o in zip(grad_outputs, outs, strict=True)]
        go64 = [_f64(g) for g in grad_outputs]
        graph, depth = graph_of(outs, inputs, names)
        verdict.graph = graph
        first = symgrad.autograd.grad(outs, diff, grad_outputs, retain_graph=True,
                                      create_graph=order == 2, allow_unused=True)
        if order == 2:
            if v is None:
                v = [symgrad.tensor(rng.standard_normal(t.shape), dtype=t.dtype) for t in diff]
            else:
                v = [a if hasattr(a, "_data") else symgrad.tensor(a, dtype=t.dtype)
                     for a, t in zip(v, diff, strict=True)]
            used = [(g, a) for g, a in zip(first, v, strict=True)
                    if g is not None and g.requires_grad]
            second = symgrad.autograd.grad([g for g, _ in used], diff, [a for _, a in used],
                                           retain_graph=True, allow_unused=True) if used \
                else [None] * len(diff)
            engine = [np.zeros(t.shape) if g is None else _f64(g)
                      for g, t in zip(second, diff, strict=True)]
        else:
            engine = [np.zeros(t.shape) if g is None else _f64(g)
                      for g, t in zip(first, diff, strict=True)]
    except Exception as exc:  # noqa: BLE001 - any engine failure is the verdict
        verdict.status = "error"
        verdict.message = f"the engine raised {type(exc).__name__}: {exc}"
        if reproducible:
            verdict.reproducer = _reproducer(inputs, names, [t.requires_grad for t in inputs],
                                             call, defs, [], order, None)
        verdict.duration_s = time.perf_counter() - t0
        return verdict
    v64 = [_f64(a) for a in v] if order == 2 else None
    if reproducible:
        verdict.reproducer = _reproducer(inputs, names, [t.requires_grad for t in inputs],
                                         call, defs, go64, order, v64)

    # -- the exact oracle ---------------------------------------------------------------------
    try:
        if order == 1:
            if exact_grad is None:
                from oracle.exact import exact_grad
            result = exact_grad(list(outs), diff, grad_outputs, digits=digits,
                                **exact_options)
        else:
            if exact_hvp is None:
                from oracle.exact import exact_hvp
            result = exact_hvp(list(outs), diff, v, grad_outputs=grad_outputs, digits=digits,
                               **exact_options)
    except Exception as exc:  # noqa: BLE001 - an oracle crash judges nothing about the engine
        verdict.status = "oracle-gave-up"
        verdict.message = f"the oracle raised {type(exc).__name__}: {exc}"
        verdict.duration_s = time.perf_counter() - t0
        return verdict
    expression = getattr(result, "expression", None)
    if expression is not None:
        from sympy.printing.mathml import mathml

        verdict.derivative = {"text": str(expression),
                              "mathml": mathml(expression, printer="presentation")}
    if result.status in ("unsupported", "oracle-gave-up"):
        verdict.status = result.status
        verdict.message = result.reason
        verdict.duration_s = time.perf_counter() - t0
        return verdict
    kinks: dict[tuple[int, tuple[int, ...]], Any] = {}
    for k in getattr(result, "kinks", ()) or ():
        # ``input`` counts the differentiated inputs (as passed to the oracle), or is a name.
        which = k.input if isinstance(k.input, int) else diff_idx.index(names.index(k.input))
        kinks[(which, tuple(int(i) for i in np.atleast_1d(k.index)))] = k

    # -- finite differences in float64 -------------------------------------------------------
    def f64_fn(arrays: list[np.ndarray]) -> list[np.ndarray]:
        args = list(inputs)
        for i, a in zip(diff_idx, arrays, strict=True):
            args[i] = symgrad.tensor(a, dtype=symgrad.float64)
        for i, t in enumerate(inputs):
            if i not in diff_idx and t.dtype.is_floating_point:
                args[i] = symgrad.tensor(_f64(t), dtype=symgrad.float64)
        with symgrad.no_grad():
            return [_f64(o) for o in _tuple(fn(*args))]

    domains = None
    if opdef is not None:
        domains = [opdef.domain.get(names[i]) for i in diff_idx]
    x64 = [_f64(t) for t in diff]
    if order == 1:
        fd_est = fdm.vjp(f64_fn, x64, go64, domains=domains)
    else:
        fd_est = fdm.hvp(f64_fn, x64, go64, v64)

    # -- per element ------------------------------------------------------------------------
    rows: list[Element] = []
    all_status: list[str] = []
    tol_info: dict[str, Any] = {}
    # A leaf that does not reach the outputs has no exact gradient (``None``): it is zero,
    # which the engine may give as ``None`` (read as zeros above) or as zeros.
    exact_mp = [np.full(t.shape, mpmath.mpf(0), dtype=object) if g is None else g
                for g, t in zip(result.grads or [None] * len(diff), diff, strict=True)]
    exact64 = [np.zeros(t.shape) if a is None else np.asarray(a, dtype=np.float64)
               for a, t in zip(result.float64, diff, strict=True)]
    floor = max((float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for a in exact64),
                default=0.0)
    # At the second order the weighted outputs are terms only when a VJP reads a rounded
    # result (oracle.tolerances); acos's pi/2 would otherwise hide a cancelling formula.
    outputs_count = order == 1 or reads_results(outs)
    for k, t in enumerate(diff):
        dt = t.dtype.name
        x = exact64[k]
        moved = (np.abs(fd_est[k].scale) if order == 1 else
                 np.abs(fd_est[k].scale) / np.maximum(np.abs(x64[k]), 1.0) * outputs_count)
        te = engine_tolerance(x, dt, depth=depth * order,
                              floor=np.maximum(floor, np.where(np.isfinite(moved), moved, 0.0)),
                              terms=(getattr(result, "abs_grads", None) or [None] * len(diff))[k])
        tf = fd_tolerance(fd_est[k])
        tol_info.setdefault("engine", {"reason": te.reason, **te.params})
        tol_info.setdefault("fd", {"reason": tf.reason, **tf.params})
        scale = float(np.max(np.abs(np.where(np.isfinite(x), x, 0.0)), initial=0.0))
        natural = np.abs(fd_est[k].scale) / np.maximum(np.abs(x64[k]), 1.0)
        e_ulp = ulp_error(engine[k], x, dt)
        rounded = _in_dtype(x, dt)
        f_ulp = ulp_error(fd_est[k].value, x, dt)
        for j in range(t.numel()):
            idx = tuple(int(i) for i in np.unravel_index(j, t.shape)) if t.shape else ()
            e = float(engine[k].flat[j])
            xv = float(x.flat[j])
            f = float(fd_est[k].value.flat[j])
            fe = float(fd_est[k].error.flat[j])
            kink = kinks.get((k, idx)) or (kinks.get((k, (0,))) if not idx else None)
            if kink is not None:
                expected = float(kink.expected)
                status = "kink" if abs(e - expected) <= float(te.abs.flat[j]) else \
                    "engine-wrong"
            else:
                status = _status(e, xv, f, float(te.abs.flat[j]), float(tf.abs.flat[j]),
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
                tolerance_ulps=float(te.ulps.flat[j]), status=status))
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
    bad = worst[0] if worst else None
    verdict.message = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    if bad is not None and bad.status != "ok":
        verdict.message += (f"; worst {bad.input}{bad.index}: engine {bad.engine!r}, exact "
                            f"{bad.exact}, fd {bad.fd!r} ± {bad.fd_error_estimate:.3g}, "
                            f"{bad.ulp_error:.3g} ulp (bound {bad.tolerance_ulps:.3g})")
    verdict.extra["counts"] = counts
    verdict.duration_s = time.perf_counter() - t0
    return verdict
