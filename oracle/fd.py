"""Finite differences in float64, with an error estimate for every derivative they give.

The function is always evaluated on float64 copies of the inputs, whatever the engine's dtype,
so the differences measure the mathematics and not the engine's rounding. Four tools:

- ``directional``: the derivative of every output along one direction, by central differences
  (or one-sided ones near the edge of a domain) on a sequence of halving steps, improved by
  Richardson extrapolation (numdifftools' idea): each extrapolation level removes one term of
  the error series, and the change between neighbouring estimates is the error estimate.
- ``jacobian`` / ``vjp``: one direction per input element (a Jacobian column, or ``gᵀJ``).
- ``projection``: ``vᵀJu`` for seeded random ``u`` and ``v``, as PyTorch's fast gradcheck.
- ``hvp``: second derivatives from mixed differences of function values alone.

Functions here take and return NumPy arrays; ``numpy_fn`` wraps an engine's function that way.

>>> import numpy as np
>>> est = jacobian(lambda xs: [np.sin(xs[0])], [np.array([0.5, 1.0])])[0]
>>> bool(np.allclose(est.value, np.diag(np.cos([0.5, 1.0])), atol=1e-12))
True
>>> bool((est.error < 1e-9).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "EPS64",
    "FDEstimate",
    "NumpyFn",
    "numpy_fn",
    "base_step",
    "directional",
    "jacobian",
    "vjp",
    "projection",
    "hvp",
    "random_unit",
]

EPS64 = float(np.finfo(np.float64).eps)
NumpyFn = Callable[[list[np.ndarray]], list[np.ndarray]]
# Steps per Richardson table: h0, h0/2, ..., h0/2**(STEPS-1).
STEPS = 5


@dataclass
class FDEstimate:
    """A finite-difference derivative and what is known of its error (arrays of one shape).

    ``value`` is the best estimate; ``error`` its estimated absolute error (truncation, read
    off the Richardson table, plus rounding); ``step`` the step of the estimate chosen;
    ``third`` an estimate of the third derivative along the direction (for the textbook bound
    ``h²|f'''|/6``); ``scale`` the magnitude ``|f|`` behind the rounding term ``eps|f|/h``;
    ``method`` is ``"central"``, ``"forward"`` or ``"backward"``.

    ``sin``'s derivative at 0 is 1 and its third derivative -1:

    >>> est = directional(lambda xs: [np.sin(xs[0])], [np.array([0.0])], [np.array([1.0])],
    ...                   h0=1e-3)
    >>> round(float(est.value[0]), 12), bool(est.error[0] < 1e-12), str(est.method[0])
    (1.0, True, 'central')
    >>> bool(abs(est.third[0] + 1) < 1e-6)
    True
    """

    value: np.ndarray
    error: np.ndarray
    step: np.ndarray
    third: np.ndarray
    scale: np.ndarray
    method: np.ndarray


_FIELDS = ("value", "error", "step", "third", "scale", "method")


def numpy_fn(fn: Callable[..., Any], engine: str = "symgrad") -> NumpyFn:
    """Wrap a function of one engine's tensors (``engine`` names its adapter in
    ``oracle.engines``) as a float64 NumPy function: inputs become float64 tensors, tensor
    outputs float64 arrays.

    >>> f = numpy_fn(lambda x: x * x)
    >>> f([np.array([3.0])])
    [array([9.])]
    """
    from oracle.engines import get

    adapter = get(engine)

    def f(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return adapter.evaluate64(fn, list(arrays), range(len(arrays)), arrays)

    return f


def base_step(x: np.ndarray, eps: float = EPS64, richardson: bool = True) -> np.ndarray:
    """The first step for each element: ``eps**(1/3)`` (plain central differences, which
    balances truncation ``h²|f'''|/6`` against rounding ``eps|f|/h``) or ``eps**(1/4)`` (the
    top of a Richardson table, which is then halved), scaled by ``max(|x|, 1)``.

    >>> base_step(np.array([0.0, 1e6]), richardson=False)
    array([6.05545445e-06, 6.05545445e+00])
    """
    power = 0.25 if richardson else 1.0 / 3.0
    return eps**power * np.maximum(np.abs(np.asarray(x, dtype=np.float64)), 1.0)


def _flat(outs: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(o, dtype=np.float64)) for o in outs]) if outs \
        else np.zeros(0)


# The differences' own arithmetic meets inf and NaN where the function's values do (such an
# estimate is then not finite, and the judge says so): NumPy's warnings for it are noise in the
# user's terminal. The function itself is evaluated outside these, with the user's settings.
_QUIET = np.errstate(all="ignore")


@_QUIET
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


@_QUIET
def _shift(x: list[np.ndarray], u: list[np.ndarray], t: float) -> list[np.ndarray]:
    return [xi + t * ui for xi, ui in zip(x, u, strict=True)]


@_QUIET
def _richardson(d: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Richardson table over steps halving down ``d`` (axis 0), for an error series in powers
    ``order, 2*order, ...`` of h. Returns every extrapolated estimate with its error estimate
    (the change from the same level at the previous step) and its (step index, level)."""
    n = d.shape[0]
    table = [[d[k]] for k in range(n)]
    for k in range(1, n):
        for lev in range(1, k + 1):
            factor = 2.0 ** (order * lev) - 1.0
            prev = table[k][lev - 1]
            table[k].append(prev + (prev - table[k - 1][lev - 1]) / factor)
    values, errors, where = [], [], []
    for k in range(1, n):
        for lev in range(0, k):
            values.append(table[k][lev])
            errors.append(np.abs(table[k][lev] - table[k - 1][lev]))
            where.append((k, lev))
    return np.array(values), np.array(errors), np.array(where)


def directional(
    f: NumpyFn,
    x: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    *,
    h0: float,
    side: str = "central",
    richardson: bool = True,
    eps: float = EPS64,
    weights: np.ndarray | None = None,
) -> FDEstimate:
    """The derivative of ``f``'s flattened outputs along ``u`` at ``x`` (``weights``: of
    ``Σ weights·f`` instead, with the rounding scale ``Σ|weights·f|``).

    ``side`` is ``"central"``, ``"forward"`` or ``"backward"``; a central difference whose
    evaluations are not finite where ``f(x)`` is falls back to one side. ``richardson=False``
    gives one plain central difference with step ``h0`` (gradcheck's numerics).

    >>> est = directional(lambda xs: [np.exp(xs[0])], [np.array([0.0])], [np.array([1.0])],
    ...                   h0=1e-3)
    >>> round(float(est.value[0]), 12), bool(est.error[0] < 1e-10)
    (1.0, True)
    """
    x = [np.asarray(a, dtype=np.float64) for a in x]
    u = [np.asarray(a, dtype=np.float64) for a in u]
    f0_raw = _flat(f(x))
    if not richardson:
        return _plain(f, x, u, f0_raw, h0, weights)
    table = _differences(f, x, u, f0_raw, h0=h0, side=side, weights=weights)
    est = _extrapolated([table], eps)
    return FDEstimate(*(getattr(est, k)[..., 0] for k in _FIELDS))


def _plain(f: NumpyFn, x: list[np.ndarray], u: list[np.ndarray], f0_raw: np.ndarray, h0: float,
           weights: np.ndarray | None) -> FDEstimate:
    """One central difference with step ``h0``."""
    changed = np.zeros(f0_raw.shape, dtype=bool)
    up, down = (_evaluate(f, x, u, t, f0_raw, changed, weights) for t in (h0, -h0))
    scale = np.abs(f0_raw) if weights is None else _weighted_scale(weights, f0_raw, changed)
    value = (up - down) / (2 * h0)
    third = np.full_like(value, np.nan)
    err = EPS64 * scale / h0 + np.abs(value) * EPS64
    return FDEstimate(value, err, np.full_like(value, h0), third, scale,
                      np.full(value.shape, "central"))


def _evaluate(f: NumpyFn, x: list[np.ndarray], u: list[np.ndarray], t: float,
              f0_raw: np.ndarray, changed: np.ndarray, weights: np.ndarray | None
              ) -> np.ndarray:
    """``f`` at ``x + t u``, flattened (``weights``: their sum of it); marks in ``changed`` the
    outputs that moved from ``f0_raw``."""
    out = _flat(f(_shift(x, u, t)))
    changed[:] |= out != f0_raw
    return out if weights is None else _weighted(weights, out)


def _weighted(weights: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The outputs' sum weighted by a cotangent: an infinite or NaN output gives its infinity
    or NaN, which the differences then handle, without the warning NumPy's dot raises."""
    with np.errstate(all="ignore"):
        return np.atleast_1d(np.dot(weights, out))


def _weighted_scale(weights: np.ndarray, f0_raw: np.ndarray, changed: np.ndarray
                    ) -> np.ndarray:
    # The outputs the direction moves: only their values round into a weighted difference.
    return np.atleast_1d(np.abs(weights * f0_raw)[changed].sum())


@dataclass
class _Differences:
    """One direction's differences before extrapolation: ``d`` on halving ``steps`` (axis 0),
    the function values they ``used``, the power of h the error series starts at (``order``),
    the rounding ``scale`` and the ``method``."""

    d: np.ndarray
    used: np.ndarray
    steps: np.ndarray
    order: int
    scale: np.ndarray
    method: str


def _differences(f: NumpyFn, x: list[np.ndarray], u: list[np.ndarray], f0_raw: np.ndarray, *,
                 h0: float, side: str, weights: np.ndarray | None) -> _Differences:
    """The table of differences along ``u`` at ``x`` (``f0_raw``: ``f(x)`` flattened)."""
    moved = [np.abs(xi[ui != 0]) for xi, ui in zip(x, u, strict=True)]
    xm = max((float(m.max()) for m in moved if m.size), default=0.0)

    def snap(t: float) -> float:
        # A step exactly representable next to the perturbed values: x + t - x is t.
        return (xm + t) - xm if xm + t != xm else t

    changed = np.zeros(f0_raw.shape, dtype=bool)

    def phi(t: float) -> np.ndarray:
        return _evaluate(f, x, u, t, f0_raw, changed, weights)

    f0 = f0_raw if weights is None else _weighted(weights, f0_raw)
    methods = [side] if side != "central" else ["central", "forward", "backward"]
    for method in methods:
        d, used, steps, order = _table(phi, f0, h0, method, snap)
        if np.isfinite(d).all() or not np.isfinite(f0).all():
            break
    scale = np.abs(f0_raw) if weights is None else _weighted_scale(weights, f0_raw, changed)
    return _Differences(d, used, steps, order, scale, method)


@_QUIET
def _extrapolated(tables: list[_Differences], eps: float) -> FDEstimate:
    """Tables of one order extrapolated side by side (a last axis, one entry per table, so
    NumPy does every table's arithmetic at once): each element's estimate of least error."""
    d = np.stack([t.d for t in tables], axis=-1)
    used = np.stack([t.used for t in tables], axis=-1)
    steps = np.stack([t.steps for t in tables], axis=-1)[:, None, :]
    values, errors, where = _richardson(d, tables[0].order)
    # Rounding: each difference carries eps·max|f|/h (the extrapolation weights add at most
    # 3x), and the result itself one rounding of its own size.
    scale = np.maximum(np.stack([t.scale for t in tables], axis=-1),
                       np.max(np.abs(np.where(np.isfinite(used), used, 0.0)), axis=0))
    rounding = np.array([3.0 * eps * scale / steps[k] for k, _ in where])
    total = errors + rounding + eps * np.abs(values)
    total = np.where(np.isfinite(total), total, np.inf)
    best = np.argmin(total, axis=0)[None]
    value = np.take_along_axis(values, best, axis=0)[0]
    err = np.take_along_axis(total, best, axis=0)[0]
    step = np.take_along_axis(np.broadcast_to(steps, d.shape), where[:, 0][best], axis=0)[0]
    if tables[0].order == 2:
        # D(h) = f' + h²f'''/6 + ...: two neighbouring steps give f'''.
        third = 6.0 * (d[0] - d[1]) / (steps[0] ** 2 - steps[1] ** 2)
    else:
        third = np.full_like(value, np.nan)
    method = np.broadcast_to(np.array([t.method for t in tables]), value.shape).copy()
    return FDEstimate(value, err, step, third, scale, method)


def _table(phi: Callable[[float], np.ndarray], f0: np.ndarray, h0: float, method: str,
           snap: Callable[[float], float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Differences on halving steps from ``h0`` (their error series has powers of ``order``),
    the function values they used, and the steps. A step that leaves the function's domain
    (non-finite values) is shrunk by 8 until the values are finite, then by 4 more for room."""
    sgn = -1.0 if method == "backward" else 1.0

    def run(h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        steps = np.array([snap(t) for t in h / 2.0 ** np.arange(STEPS)])
        if method == "central":
            up = [phi(t) for t in steps]
            down = [phi(-t) for t in steps]
            with np.errstate(all="ignore"):  # as _QUIET (an instance is entered once)
                d = np.array([(a - b) / (2 * t) for a, b, t in zip(up, down, steps,
                                                                    strict=True)])
            return d, np.array(up + down), steps
        up = [phi(sgn * t) for t in steps]
        with np.errstate(all="ignore"):
            d = np.array([(a - f0) / (sgn * t) for a, t in zip(up, steps, strict=True)])
        return d, np.array(up), steps

    h = h0
    d, used, steps = run(h)
    tries = 0
    while not np.isfinite(d).all() and np.isfinite(f0).all() and tries < 12:
        h /= 8
        tries += 1
        d, used, steps = run(h)
    if tries and np.isfinite(d).all():
        d, used, steps = run(h / 4)
    return d, used, steps, 2 if method == "central" else 1


def _side(xj: float, h: float, domain: Any) -> tuple[str, float]:
    """Which differences stay inside ``domain`` (an ``oracle.samples.Domain`` or None) at ``xj``,
    and a step that fits: central ones inside, one-sided ones away from an edge at ``xj``."""
    if domain is None:
        return "central", h
    low, high = float(getattr(domain, "low", -math.inf)), float(getattr(domain, "high", math.inf))
    pole = bool(getattr(domain, "nonzero", False))
    if xj <= low or (pole and xj == 0):
        return "forward", h
    if xj >= high:
        return "backward", h
    near = min(xj - low, high - xj, abs(xj) if pole else math.inf)
    # Inside: central differences, with steps that stay at least half-way from the edge.
    return "central", min(h, near / 2)


def _columns(
    f: NumpyFn,
    inputs: Sequence[np.ndarray],
    weights: np.ndarray | None,
    *,
    domains: Sequence[Any] | None,
    eps: float,
    step: float | None,
) -> list[FDEstimate]:
    x = [np.asarray(a, dtype=np.float64) for a in inputs]
    f0_raw = _flat(f(x))
    results = []
    for i, xi in enumerate(x):
        tables: list[_Differences] = []
        plain: list[FDEstimate] = []
        for j in range(xi.size):
            u = [np.zeros_like(a) for a in x]
            u[i].flat[j] = 1.0
            xj = float(xi.flat[j])
            if step is not None:
                plain.append(_plain(f, x, u, f0_raw, step, weights))
                continue
            h = float(base_step(np.array(xj), eps))
            side, h = _side(xj, h, domains[i] if domains else None)
            # A step exactly representable next to x, so the perturbation is the step used.
            h = (xj + h) - xj if xj + h != xj else h
            tables.append(_differences(f, x, u, f0_raw, h0=h, side=side, weights=weights))
        if not xi.size:
            rows = 1 if weights is not None else f0_raw.size
            results.append(FDEstimate(*(np.zeros((rows, 0)) for _ in range(6))))
        elif plain:
            results.append(FDEstimate(*(np.stack([getattr(c, k) for c in plain], axis=-1)
                                        for k in _FIELDS)))
        else:
            results.append(_by_order(tables, eps))
    return results


def _by_order(tables: list[_Differences], eps: float) -> FDEstimate:
    """Each column's table extrapolated, the tables of one order together, in column order."""
    groups = {order: [j for j, t in enumerate(tables) if t.order == order]
              for order in sorted({t.order for t in tables})}
    found = [_extrapolated([tables[j] for j in cols], eps) for cols in groups.values()]
    back = np.argsort(np.concatenate(list(groups.values())), kind="stable")
    return FDEstimate(*(np.concatenate([getattr(e, k) for e in found], axis=-1)[..., back]
                        for k in _FIELDS))


def jacobian(
    f: NumpyFn,
    inputs: Sequence[np.ndarray],
    *,
    domains: Sequence[Any] | None = None,
    eps: float = EPS64,
    step: float | None = None,
) -> list[FDEstimate]:
    """One estimate per input, each of shape ``(outputs' total size, input size)``.

    ``step`` fixes one plain central difference with that step (PyTorch's ``eps``); without
    it, each element gets its own step and a Richardson table. ``domains`` (one ``Domain`` or
    None per input) switches to one-sided differences near a domain's edge.

    >>> est = jacobian(lambda xs: [xs[0] * xs[1]], [np.array([2.0]), np.array([3.0])])
    >>> [float(e.value[0, 0]) for e in est]
    [3.0, 2.0]
    """
    return _columns(f, inputs, None, domains=domains, eps=eps, step=step)


def vjp(
    f: NumpyFn,
    inputs: Sequence[np.ndarray],
    grad_outputs: Sequence[np.ndarray],
    *,
    domains: Sequence[Any] | None = None,
    eps: float = EPS64,
    step: float | None = None,
) -> list[FDEstimate]:
    """``Σ_outputs grad_outputs·∂f/∂x`` per input element, each estimate shaped like its input.

    >>> est = vjp(lambda xs: [xs[0] ** 2], [np.array([1.0, 3.0])], [np.array([1.0, 0.5])])
    >>> est[0].value.round(9).tolist()
    [2.0, 3.0]
    """
    weights = _flat([np.asarray(g, dtype=np.float64) for g in grad_outputs])
    cols = _columns(f, inputs, weights, domains=domains, eps=eps, step=step)
    return [FDEstimate(*(np.reshape(getattr(c, k)[0], np.shape(x))
                         for k in _FIELDS))
            for c, x in zip(cols, inputs, strict=True)]


def random_unit(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Uniform [0, 1) entries normalised to unit length, as PyTorch's fast gradcheck draws them.

    >>> v = random_unit((3,), np.random.default_rng(0))
    >>> round(float(np.linalg.norm(v)), 12)
    1.0
    """
    v = rng.random(shape)
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def projection(
    f: NumpyFn,
    inputs: Sequence[np.ndarray],
    u: Sequence[np.ndarray],
    v: Sequence[np.ndarray],
    *,
    step: float | None = None,
    eps: float = EPS64,
) -> list[FDEstimate]:
    """``vᵀ J_i u_i`` for each input ``i`` (one scalar estimate each): gradcheck's fast mode.

    >>> rng = np.random.default_rng(0)
    >>> x = [np.array([1.0, 2.0])]
    >>> u, v = [random_unit((2,), rng)], [random_unit((2,), rng)]
    >>> est = projection(lambda xs: [xs[0] ** 2], x, u, v)[0]
    >>> bool(abs(est.value[0] - float(v[0] @ (2 * x[0] * u[0]))) < 1e-10)
    True
    """
    x = [np.asarray(a, dtype=np.float64) for a in inputs]
    weights = _flat([np.asarray(a, dtype=np.float64) for a in v])
    out = []
    for i, ui in enumerate(u):
        dirs = [np.zeros_like(a) for a in x]
        dirs[i] = np.asarray(ui, dtype=np.float64)
        mag = float(np.max(np.abs(x[i]), initial=1.0))
        if step is not None:
            out.append(directional(f, x, dirs, h0=step, richardson=False, weights=weights))
        else:
            h = float(base_step(np.array(mag), eps)) / max(float(np.max(np.abs(ui))), 1e-300)
            out.append(directional(f, x, dirs, h0=h, eps=eps, weights=weights))
    return out


def hvp(
    f: NumpyFn,
    inputs: Sequence[np.ndarray],
    grad_outputs: Sequence[np.ndarray],
    v: Sequence[np.ndarray],
    *,
    eps: float = EPS64,
) -> list[FDEstimate]:
    """The Hessian of ``L = Σ grad_outputs·f`` times ``v``, per input element, from mixed
    central differences of ``L`` alone (no gradient code is trusted):
    ``[L(x+h e_j+k v) - L(x+h e_j-k v) - L(x-h e_j+k v) + L(x-h e_j-k v)] / 4hk``, at two
    step sizes; their difference plus rounding ``eps|L|/(hk)`` is the error estimate.

    >>> est = hvp(lambda xs: [xs[0] ** 3], [np.array([2.0])], [np.array([1.0])],
    ...           [np.array([1.0])])
    >>> round(float(est[0].value[0]), 6), bool(est[0].error[0] < 1e-3)
    (12.0, True)
    """
    x = [np.asarray(a, dtype=np.float64) for a in inputs]
    w = _flat([np.asarray(g, dtype=np.float64) for g in grad_outputs])
    vv = [np.asarray(a, dtype=np.float64) for a in v]

    def loss(xs: list[np.ndarray]) -> float:
        return _dot(w, _flat(f(xs)))

    scale = abs(_dot(np.abs(w), np.abs(_flat(f(x)))))
    vmax = max((float(np.max(np.abs(a), initial=0.0)) for a in vv), default=0.0) or 1.0
    xmag = max((float(np.max(np.abs(a), initial=1.0)) for a in x), default=1.0)
    results = []
    for i, xi in enumerate(x):
        vals, errs, steps = [], [], []
        for j in range(xi.size):
            h = eps**0.25 * max(abs(float(xi.flat[j])), 1.0)
            k = eps**0.25 * xmag / vmax
            est = []
            for s in (1.0, 0.5):
                e = [np.zeros_like(a) for a in x]
                e[i].flat[j] = 1.0
                hs, ks = h * s, k * s
                total = 0.0
                for a, b, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                    total += sign * loss(_shift(_shift(x, e, a * hs), vv, b * ks))
                est.append(total / (4 * hs * ks))
            vals.append(est[1] + (est[1] - est[0]) / 3.0)
            errs.append(abs(est[1] - est[0]) + 4 * eps * scale / (h * k / 4))
            steps.append(h / 2)
        shape = xi.shape
        results.append(FDEstimate(
            np.reshape(vals, shape), np.reshape(errs, shape), np.reshape(steps, shape),
            np.full(shape, np.nan), np.full(shape, scale), np.full(shape, "central")))
    return results
