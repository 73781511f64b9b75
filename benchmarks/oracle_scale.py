"""How the exact oracle scales: a 31-node elementwise graph over 100 to 1,000,000 elements, an
MLP 784-256-256-10 step (float32, ReLU, cross-entropy) and random scalar DAGs, each beside the
float64 engine's forward + backward of the same graph, in one run.

Every exact gradient is checked, not only timed: the elementwise graph's on sampled elements
against mpmath at 50 digits (the recurrence written out by hand), the MLP's against a float64
gradient written by hand in NumPy (it must agree to float64's rounding of the exact values),
the DAGs' against finite differences.

    python benchmarks/oracle_scale.py            # up to 100,000 elements
    python benchmarks/oracle_scale.py --large    # also 1,000,000 elements (about two minutes)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _timing  # noqa: E402, F401, I001 - first: pins BLAS threads

import mpmath  # noqa: E402
import numpy as np  # noqa: E402

import oracle  # noqa: E402
import symgrad  # noqa: E402
import symgrad.nn.functional as F  # noqa: E402
from oracle_dag import random_dag  # noqa: E402

RNG = np.random.default_rng(0)


def timed(fn):  # type: ignore[no-untyped-def]
    """``fn()`` and the CPU seconds it took (the machines are shared: wall time is not ours)."""
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


# -- the 31-node elementwise graph ----------------------------------------------------------------
def chain(h, w, x):  # type: ignore[no-untyped-def]
    for _ in range(10):
        h = (h * w + 0.1).tanh()
    return (h * x).sum()


def chain_by_hand(h0: float, w: float, x: float) -> mpmath.mpf:
    """d/dh0 of chain at one element, in mpmath at 50 digits (the recurrence by hand)."""
    with mpmath.workdps(50):
        h, dh = mpmath.mpf(h0), mpmath.mpf(1)
        for _ in range(10):
            t = mpmath.tanh(h * w + mpmath.mpf(0.1))
            h, dh = t, dh * w * (1 - t * t)
        return dh * x


def elementwise_row(n: int) -> list[str]:
    arrays = [RNG.uniform(-1, 1, n) for _ in range(3)]
    h, w, x = (symgrad.tensor(a, dtype=symgrad.float64, requires_grad=True) for a in arrays)

    def engine() -> None:
        chain(h, w, x).backward()

    _, t_engine = timed(engine)
    r, t_oracle = timed(lambda: oracle.exact_grad(chain(h, w, x), [h], time_budget=600))
    assert r.status == "ok" and r.certified is not None, r.reason
    for i in RNG.choice(n, size=min(n, 20), replace=False):
        want = chain_by_hand(arrays[0][i], arrays[1][i], arrays[2][i])
        with mpmath.workdps(50):
            assert abs(r.grads[0][i] - want) <= abs(want) * mpmath.mpf(10) ** -35, (i, want)
    return [f"31-node elementwise, {n:,} float64", f"{t_oracle:.3f} s", f"{t_engine:.4f} s",
            f"{t_oracle / t_engine:,.0f}", f"{r.certified.precision} bits, 20 elements = mpmath"]


# -- the MLP ---------------------------------------------------------------------------------------
SIZES = (784, 256, 256, 10)
BATCH = 64


def mlp_arrays() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    x = RNG.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = RNG.integers(0, SIZES[-1], BATCH)
    params = []
    for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False):
        params.append((RNG.uniform(-1, 1, (fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32))
        params.append(RNG.uniform(-0.1, 0.1, fan_out).astype(np.float32))
    return x, y, params


def mlp_loss(x, y, params):  # type: ignore[no-untyped-def]
    h = x
    for k in range(0, len(params) - 2, 2):
        h = F.relu(h @ params[k] + params[k + 1])
    return F.cross_entropy(h @ params[-2] + params[-1], y)


def mlp_grad_by_hand(x: np.ndarray, y: np.ndarray, params: list[np.ndarray]) -> list[np.ndarray]:
    """The gradient in float64, written out: what the exact gradient must round close to."""
    p = [a.astype(np.float64) for a in params]
    acts, pre = [x.astype(np.float64)], []
    for k in range(0, 4, 2):
        pre.append(acts[-1] @ p[k] + p[k + 1])
        acts.append(np.maximum(pre[-1], 0))
    z = acts[-1] @ p[4] + p[5]
    s = np.exp(z - z.max(1, keepdims=True))
    s /= s.sum(1, keepdims=True)
    s[np.arange(BATCH), y] -= 1
    d = s / BATCH
    grads = [acts[2].T @ d, d.sum(0)]
    for k in (2, 0):
        d = (d @ p[k + 2].T) * (pre[k // 2] > 0)
        grads[:0] = [acts[k // 2].T @ d, d.sum(0)]
    return grads


def mlp_hvp_by_hand(x: np.ndarray, y: np.ndarray, params: list[np.ndarray],
                    v: list[np.ndarray]) -> list[np.ndarray]:
    """The Hessian-vector product in float64, written out (Pearlmutter's R-operator: each
    forward value's tangent along v, then the backward pass and its tangent)."""
    p = [a.astype(np.float64) for a in params]
    acts, masks, tangents = [x.astype(np.float64)], [], [np.zeros((BATCH, SIZES[0]))]
    for k in (0, 2):
        z = acts[-1] @ p[k] + p[k + 1]
        dz = tangents[-1] @ p[k] + acts[-1] @ v[k] + v[k + 1]
        masks.append(z > 0)
        acts.append(z * masks[-1])
        tangents.append(dz * masks[-1])
    z = acts[-1] @ p[4] + p[5]
    dz = tangents[-1] @ p[4] + acts[-1] @ v[4] + v[5]
    s = np.exp(z - z.max(1, keepdims=True))
    s /= s.sum(1, keepdims=True)
    ds = s * dz - s * (s * dz).sum(1, keepdims=True)
    d = s.copy()
    d[np.arange(BATCH), y] -= 1
    d, dd = d / BATCH, ds / BATCH
    out: list[np.ndarray] = []
    for k in (4, 2, 0):
        layer = k // 2
        out[:0] = [tangents[layer].T @ d + acts[layer].T @ dd, dd.sum(0)]
        if k:
            d, dd = (d @ p[k].T) * masks[layer - 1], (dd @ p[k].T + d @ v[k].T) * masks[layer - 1]
    return out


def mlp_row() -> list[str]:
    xa, ya, pa = mlp_arrays()
    x, y = symgrad.tensor(xa), symgrad.tensor(ya)
    params = [symgrad.tensor(a, requires_grad=True) for a in pa]
    _, t_engine = timed(lambda: mlp_loss(x, y, params).backward())
    r, t_oracle = timed(lambda: oracle.exact_grad(mlp_loss(x, y, params), params,
                                                  time_budget=600))
    assert r.status == "ok" and r.certified is not None, r.reason
    worst = 0.0  # float64 by hand sums 64 to 784 terms: its error is relative to the largest
    for got, want in zip(r.float64, mlp_grad_by_hand(xa, ya, pa), strict=True):
        worst = max(worst, float(np.max(np.abs(got - want)) / np.max(np.abs(want))))
    assert worst < 1e-12, worst
    return ["MLP 784-256-256-10, batch 64, float32", f"{t_oracle:.3f} s", f"{t_engine:.4f} s",
            f"{t_oracle / t_engine:,.0f}", f"269,322 parameters, by hand within {worst:.0e}"]


def mlp_hvp_row() -> list[str]:
    xa, ya, pa = mlp_arrays()
    x, y = symgrad.tensor(xa), symgrad.tensor(ya)
    params = [symgrad.tensor(a, requires_grad=True) for a in pa]
    v = [RNG.standard_normal(a.shape) for a in pa]

    def engine() -> None:
        grads = symgrad.autograd.grad(mlp_loss(x, y, params), params, create_graph=True)
        dot = sum((g * symgrad.tensor(d, dtype=symgrad.float32)).sum()
                  for g, d in zip(grads, v, strict=True))
        symgrad.autograd.grad(dot, params)

    _, t_engine = timed(engine)
    r, t_oracle = timed(lambda: oracle.exact_hvp(mlp_loss(x, y, params), params, v,
                                                 time_budget=600))
    assert r.status == "ok" and r.certified is not None, r.reason
    worst = 0.0
    for got, want in zip(r.float64, mlp_hvp_by_hand(xa, ya, pa, v), strict=True):
        worst = max(worst, float(np.max(np.abs(got - want)) / np.max(np.abs(want))))
    assert worst < 1e-12, worst
    return ["MLP Hessian-vector product", f"{t_oracle:.3f} s", f"{t_engine:.4f} s",
            f"{t_oracle / t_engine:,.0f}", f"by hand within {worst:.0e}"]


# -- random scalar DAGs ----------------------------------------------------------------------------
def dag_row(n: int) -> list[str]:
    out, leaves = random_dag(n)
    oracle.exact_grad(out, leaves)  # the first run derives and caches each op's partials
    r, t_oracle = timed(lambda: oracle.exact_grad(out, leaves, time_budget=600))
    _, t_engine = timed(lambda: symgrad.autograd.grad(out, leaves, retain_graph=True))
    assert r.status in ("ok", "kink"), r.reason
    how = f"{r.certified.precision} bits" if r.certified is not None else "general path"
    return [f"random DAG, {n:,} nodes", f"{t_oracle:.3f} s", f"{t_engine:.4f} s",
            f"{t_oracle / t_engine:,.0f}", how]


def main() -> None:
    large = "--large" in sys.argv
    rows = [elementwise_row(n) for n in (100, 1_000, 10_000, 100_000)
            + ((1_000_000,) if large else ())]
    rows.append(mlp_row())
    rows.append(mlp_hvp_row())
    rows += [dag_row(n) for n in (1_000, 10_000, 100_000)]
    header = ["graph", "oracle", "engine f+b", "ratio", "checked"]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(v.ljust(w) if c in (0, 4) else v.rjust(w)
                        for c, (v, w) in enumerate(zip(r, widths, strict=True))))


if __name__ == "__main__":
    main()
