"""``gradcheck`` and ``gradgradcheck`` with PyTorch's signature and pass/fail semantics.

The engine's Jacobian (one VJP per output element) is compared with a central-difference
Jacobian of step ``eps`` (``oracle.fd``), elementwise, passing when
``|engine - fd| <= atol + rtol·|fd|`` everywhere. Unlike PyTorch, the differences are always
taken in float64 on copies of the inputs, whatever their dtype, and a failure does not print two
Jacobians: ``GradcheckError`` names the worst elements, each with the engine's value, the FD
value and, when the exact oracle can judge the graph, the exact value, so it says who is wrong.

``fast_mode=True`` compares ``vᵀJu`` for seeded random unit ``u`` and ``v`` instead of whole
Jacobians (PyTorch's fast gradcheck, with its ``atol·Σu·Σv`` tolerance).

>>> import symgrad
>>> x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
>>> gradcheck(lambda x: (x * x).tanh(), (x,))
True
>>> gradgradcheck(lambda x: (x * x).tanh(), (x,))
True
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from oracle import fd as fdm
from oracle.engines import Engine, engine_for

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

# How many of the worst elements a failure names.
WORST = 5


class GradcheckError(RuntimeError):
    """A gradient check failed; the message names the worst elements. It is a
    ``RuntimeError``, as PyTorch's is.

    A custom function whose backward gives ``2 x²`` for the derivative ``3 x²`` of ``x³``:

    >>> import symgrad
    >>> class Cube(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 2 * x ** 2
    >>> x = symgrad.tensor([1.0, 2.0], dtype=symgrad.float64, requires_grad=True)
    >>> gradcheck(Cube.apply, (x,))
    Traceback (most recent call last):
    ...
    oracle.gradcheck.GradcheckError: Jacobian mismatch for output 0 with respect to input 0 ...
      d out0[1] / d in0[1]: engine 8.0, fd 12.0...
      d out0[0] / d in0[0]: engine 2.0, fd 2.99999...
    >>> gradcheck(Cube.apply, (x,), raise_exception=False)
    False
    """


def _as_tuple(engine: Engine, x: Any) -> tuple[Any, ...]:
    return (x,) if engine.is_tensor(x) else tuple(x)


def _engine_of(inputs: Any) -> Engine:
    return engine_for(inputs if isinstance(inputs, tuple | list) else [inputs])


def _is_float(engine: Engine, t: Any) -> bool:
    return engine.dtype_name(t) in ("float16", "bfloat16", "float32", "float64")


def _float64_fn(engine: Engine, func: Callable[..., Any], inputs: tuple[Any, ...],
                diff: list[int]) -> fdm.NumpyFn:
    """``func`` on float64 copies of the inputs (grad mode on: gradgradcheck's function
    differentiates inside), outputs as float64 arrays."""

    def f(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return engine.evaluate64(func, inputs, diff, arrays, grad=True)

    return f


def _f64(engine: Engine, t: Any) -> np.ndarray:
    return np.asarray(engine.to_numpy(t), dtype=np.float64)


def _analytical(engine: Engine, outs: tuple[Any, ...], diff_t: list[Any], j: int
                ) -> list[np.ndarray]:
    """Rows of the engine's Jacobian of output ``j``: one VJP per output element."""
    out = outs[j]
    size = engine.to_numpy(out).size
    jac = [np.zeros((size, engine.to_numpy(t).size)) for t in diff_t]
    if not engine.requires_grad(out):
        return jac
    for k in range(size):
        e = np.zeros(tuple(out.shape))
        e.flat[k] = 1.0
        grads = engine.grad([out], diff_t, [e])
        for i, g in enumerate(grads):
            if g is not None:
                jac[i][k] = np.ravel(_f64(engine, g))
    return jac


def _row_verdict(func: Callable[..., Any], inputs: tuple[Any, ...], outs: tuple[Any, ...],
                 diff: list[int], j: int, k: int) -> Any:
    """``crosscheck``'s verdict on row ``k`` of output ``j``'s Jacobian (its exact values,
    ULP errors and the node to blame, on any engine), or None when it cannot be had."""
    from oracle.crosscheck import crosscheck

    weights = [np.zeros(tuple(o.shape)) for o in outs]
    weights[j].flat[k] = 1.0
    names = [f"in{diff.index(p)}" if p in diff else f"arg{p}" for p in range(len(inputs))]
    try:
        return crosscheck(func, list(inputs), grad_outputs=weights, names=names,
                          max_elements=10**6)
    except Exception:  # noqa: BLE001 - the exact column is a bonus, never a reason to fail
        return None


def _exact_of(verdict: Any, i: int, index: tuple[int, ...]) -> Any:
    """The element of ``verdict`` for input ``i`` at ``index`` (None if it has none)."""
    if verdict is None or verdict.status in ("unsupported", "oracle-gave-up", "error"):
        return None
    for e in verdict.elements:
        if e.input == f"in{i}" and tuple(e.index) == index:
            return e
    return None


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _describe(kind: str, j: int, i: int, rows: list[tuple[float, int, int, float, float]],
              mismatched: tuple[int, int], judge: Callable[[int], Any], shapes: tuple[Any, Any],
              atol: float, rtol: float) -> str:
    """The failure, as ``torch.testing.assert_close`` words one: how many elements are off,
    the worst in ULPs against the exact value with the node to blame (when the oracle can
    judge the row), then the worst rows with the engine's, the FD and the exact values."""
    out_shape, in_shape = shapes
    k_off, n = mismatched
    lines = [f"{kind} mismatch for output {j} with respect to input {i} "
             f"(|engine - fd| > atol + rtol·|fd| with atol={atol:g}, rtol={rtol:g})",
             f"Mismatched elements: {k_off} / {n} ({100 * k_off / n:.1f}%)"]
    listed = []
    for _, k, col, a, f in rows:
        out_idx = tuple(int(v) for v in np.unravel_index(k, out_shape))
        in_idx = tuple(int(v) for v in np.unravel_index(col, in_shape))
        verdict = judge(k) if kind == "Jacobian" else None
        e = _exact_of(verdict, i, in_idx)
        where = (f"d out{j}[{', '.join(map(str, out_idx))}] / "
                 f"d in{i}[{', '.join(map(str, in_idx))}]" if kind == "Jacobian" else "vᵀJu")
        judged = ""
        if e is not None:
            x = float(e.exact)
            judged = f", exact {x!r} -> {'engine' if abs(a - x) > abs(f - x) else 'FD'} wrong"
        listed.append(f"  {where}: engine {a!r}, fd {f!r}{judged}")
        if e is not None and len(lines) == 2:
            lines.append(f"Greatest ULP error: {e.ulp_error:.3g} at index {out_idx + in_idx} "
                         f"({where}): engine {a!r}, exact {e.exact}")
            if verdict.culprit:
                lines.append(verdict.culprit["message"])
    return "\n".join(lines + ["worst:"] + listed)


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-06,
    atol: float = 1e-05,
    rtol: float = 0.001,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the engine's gradients of ``func(*inputs)`` against finite differences.

    Returns True, or raises ``GradcheckError`` (False with ``raise_exception=False``).
    ``inputs`` are an engine's tensors (its adapter in ``oracle.engines`` runs them). Batched
    and forward-mode checks are not made here and raise ``NotImplementedError`` when asked
    for; ``masked`` has no meaning without sparse tensors.

    Args:
        func: The function checked, called as ``func(*inputs)``; it returns a tensor or a tuple.
        inputs: A tensor or a tuple of arguments; the tensors that require grad are
            differentiated (float64 ones, for the default tolerances).
        eps: The finite-difference step. Defaults to 1e-6.
        atol: The absolute tolerance between the engine's and the numerical derivative.
            Defaults to 1e-5.
        rtol: The tolerance relative to the numerical derivative. Defaults to 1e-3.
        raise_exception: If True a failure raises ``GradcheckError`` saying where; if False it
            returns False. Defaults to True.
        nondet_tol: How far two backward runs on the same input may differ. Defaults to 0.
        check_undefined_grad: Also check that zero output gradients give zero input
            gradients (symgrad has no undefined tensors, so zeros stand in). Defaults to True.
        check_grad_dtypes: Also check that each gradient has its input's dtype. Defaults to False.
        check_batched_grad: Must be False: symgrad has no batched gradients
            (NotImplementedError). Defaults to False.
        check_batched_forward_grad: Must be False (no forward mode). Defaults to False.
        check_forward_ad: Must be False: symgrad has no forward-mode AD. Defaults to False.
        check_backward_ad: If False, nothing is checked. Defaults to True.
        fast_mode: Compare one random projection ``vᵀ J u`` per input and output instead of
            the whole Jacobian. Defaults to False.
        masked: Accepted for PyTorch's signature; no meaning without sparse tensors.
            Defaults to None.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], dtype=symgrad.float64, requires_grad=True)
    >>> gradcheck(lambda x: x.exp(), (x,), fast_mode=True)
    True
    """
    engine = _engine_of(inputs)
    if check_batched_grad or check_batched_forward_grad or check_forward_ad:
        raise NotImplementedError(f"{engine.name}'s gradcheck here has no batched gradients "
                                  "and no forward-mode AD")
    inputs = _as_tuple(engine, inputs)
    diff = [i for i, t in enumerate(inputs) if engine.requires_grad(t)]
    if not diff:
        raise ValueError("gradcheck needs at least one input tensor with requires_grad=True; "
                         "none of the inputs requires grad.")
    for i in diff:
        if engine.dtype_name(inputs[i]) != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and has dtype {engine.dtype_name(inputs[i])}, "
                "not float64: the engine's gradient carries that dtype's rounding, which atol "
                "and rtol may not allow for (the finite differences here are float64 anyway).",
                stacklevel=2)
    diff_t = [inputs[i] for i in diff]
    outs = tuple(o for o in _as_tuple(engine, func(*inputs)) if engine.is_tensor(o))
    f64 = _float64_fn(engine, func, inputs, diff)
    x64 = [_f64(engine, t) for t in diff_t]
    if not check_backward_ad:
        return True
    if not any(engine.requires_grad(o) for o in outs):
        for est in fdm.jacobian(f64, x64, step=eps):
            if np.any(est.value != 0):
                return _fail("No output requires grad, yet the finite differences of some "
                             "output are not zero.", raise_exception)
        return True
    rng = np.random.default_rng(0)
    for j, out in enumerate(outs):
        if not _is_float(engine, out):
            continue
        shape = tuple(out.shape)
        if fast_mode:
            v = fdm.random_unit(shape, rng)
            us = [fdm.random_unit(x.shape, rng) for x in x64]
            weights = [np.zeros(tuple(o.shape)) for o in outs]
            weights[j] = v
            num = fdm.projection(f64, x64, us, weights, step=eps)
            rg = engine.requires_grad(out)
            grads = engine.grad([out], diff_t, [v]) if rg else [None] * len(us)
            again = engine.grad([out], diff_t, [v]) if rg else grads
            for i, u in enumerate(us):
                a, a2 = (0.0 if g[i] is None else float(np.dot(np.ravel(_f64(engine, g[i])),
                                                               np.ravel(u)))
                         for g in (grads, again))
                n = float(num[i].value[0])
                tol = atol * float(u.sum()) * float(v.sum()) + rtol * abs(n)
                if check_grad_dtypes and grads[i] is not None and \
                        engine.dtype_name(grads[i]) != engine.dtype_name(diff_t[i]):
                    return _fail("Gradient has dtype mismatch", raise_exception)
                if abs(a - n) > tol:
                    return _fail(_describe("vᵀJu", j, i, [(abs(a - n), 0, 0, a, n)], (1, 1),
                                           lambda k: None, ((1,), (1,)), atol, rtol),
                                 raise_exception)
                if abs(a - a2) > nondet_tol:
                    return _fail(_nondet(nondet_tol), raise_exception)
            continue
        num = fdm.jacobian(f64, x64, step=eps)
        size = engine.to_numpy(out).size
        offset = sum(engine.to_numpy(o).size for o in outs[:j])
        analytical = _analytical(engine, outs, diff_t, j)
        again = _analytical(engine, outs, diff_t, j)
        if check_grad_dtypes and engine.requires_grad(out):
            grads = engine.grad([out], diff_t, [np.ones(shape)])
            if any(g is not None and engine.dtype_name(g) != engine.dtype_name(t)
                   for g, t in zip(grads, diff_t, strict=True)):
                return _fail("Gradient has dtype mismatch", raise_exception)
        for i in range(len(diff_t)):
            n = num[i].value[offset:offset + size]
            a = analytical[i]
            excess = np.abs(a - n) - (atol + rtol * np.abs(n))
            if np.any(excess > 0) or np.any(np.isnan(a) != np.isnan(n)):
                order = np.argsort(-np.nan_to_num(excess, nan=np.inf), axis=None)[:WORST]
                rows = [(float(excess.flat[o]), *np.unravel_index(o, a.shape),
                         float(a.flat[o]), float(n.flat[o])) for o in order
                        if not excess.flat[o] <= 0]
                off = int(np.sum(~(excess <= 0)))
                judged = functools.cache(lambda k, j=j: _row_verdict(func, inputs, outs, diff,
                                                                     j, k))
                return _fail(_describe("Jacobian", j, i, [(r[0], int(r[1]), int(r[2]), r[3],
                                                           r[4]) for r in rows],
                                       (off, a.size), judged,
                                       (tuple(out.shape), tuple(diff_t[i].shape)), atol, rtol),
                             raise_exception)
            if np.any(np.abs(a - again[i]) > nondet_tol):
                return _fail(_nondet(nondet_tol), raise_exception)
    if check_undefined_grad:
        return _undefined_grad(engine, outs, diff_t, raise_exception)
    return True


def _nondet(nondet_tol: float) -> str:
    return ("Backward is not reentrant: two backward passes with the same inputs and grad "
            f"outputs gave different values, beyond nondet_tol={nondet_tol}.")


def _undefined_grad(engine: Engine, outs: tuple[Any, ...], diff_t: list[Any],
                    raise_exception: bool) -> bool:
    """The engines judged here have no undefined tensors: zero grad outputs stand in, and must
    give zero."""
    wanted = [o for o in outs if engine.requires_grad(o)]
    try:
        grads = engine.grad(wanted, diff_t, [np.zeros(tuple(o.shape)) for o in wanted])
    except RuntimeError as exc:
        return _fail(f"Backward failed on zero output gradients: {exc}", raise_exception)
    for g in grads:
        if g is not None and np.any(_f64(engine, g) != 0):
            return _fail("Zero output gradients gave nonzero input gradients.", raise_exception)
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-06,
    atol: float = 1e-05,
    rtol: float = 0.001,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the function that maps the inputs and the
    grad outputs to the first gradients (taken with ``create_graph=True``).

    Without ``grad_outputs``, seeded random ones in [-1, 1) are made, requiring grad, so the
    check also covers the first gradients' dependence on them.

    Args:
        func: The function checked, called as ``func(*inputs)``.
        inputs: A tensor or a tuple of arguments; the tensors that require grad are
            differentiated twice.
        grad_outputs: The gradients with respect to the outputs that the first derivatives
            are taken with. Defaults to None: seeded random ones, requiring grad.
        eps: The finite-difference step. Defaults to 1e-6.
        atol: The absolute tolerance between the engine's and the numerical derivative.
            Defaults to 1e-5.
        rtol: The tolerance relative to the numerical derivative. Defaults to 1e-3.
        gen_non_contig_grad_outputs: Accepted for PyTorch's signature (symgrad's tensors
            have no layouts to vary). Defaults to False.
        raise_exception: If True a failure raises ``GradcheckError`` saying where; if False it
            returns False. Defaults to True.
        nondet_tol: How far two backward runs on the same input may differ. Defaults to 0.
        check_undefined_grad: Also check that zero output gradients give zero input
            gradients (symgrad has no undefined tensors, so zeros stand in). Defaults to True.
        check_grad_dtypes: Also check that each gradient has its input's dtype. Defaults to False.
        check_batched_grad: Must be False: symgrad has no batched gradients
            (NotImplementedError). Defaults to False.
        check_fwd_over_rev: Must be False: symgrad has no forward-mode AD. Defaults to False.
        check_rev_over_rev: If False, nothing is checked. Defaults to True.
        fast_mode: Compare one random projection ``vᵀ J u`` per input and output instead of
            the whole Jacobian. Defaults to False.
        masked: Accepted for PyTorch's signature. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([0.5, 2.0], dtype=symgrad.float64, requires_grad=True)
    >>> gradgradcheck(lambda x: x * x * x, (x,), fast_mode=True)
    True
    """
    engine = _engine_of(inputs)
    if check_batched_grad or check_fwd_over_rev:
        raise NotImplementedError(f"{engine.name}'s gradgradcheck here has no batched "
                                  "gradients and no forward-mode AD")
    if not check_rev_over_rev:
        return True
    inputs = _as_tuple(engine, inputs)
    diff = [i for i, t in enumerate(inputs) if engine.requires_grad(t)]
    outs = tuple(o for o in _as_tuple(engine, func(*inputs)) if engine.is_tensor(o))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            engine.tensor(rng.uniform(-1.0, 1.0, tuple(o.shape)), engine.dtype_name(o),
                          requires_grad=True)
            for o in outs if _is_float(engine, o) and engine.requires_grad(o))
    grad_outputs = _as_tuple(engine, grad_outputs)
    n_in = len(inputs)

    def first_grads(*args: Any) -> tuple[Any, ...]:
        xs, gos = args[:n_in], args[n_in:]
        outs = [o for o in _as_tuple(engine, func(*xs))
                if engine.is_tensor(o) and engine.requires_grad(o)]
        grads = engine.grad(outs, [xs[i] for i in diff], list(gos), create_graph=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
