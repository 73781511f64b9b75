"""What a call gives, as plain data the parity tests compare across symgrad and torch, and the
well-conditioned matrices they draw."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest


def shape_outcome(call: Any, lib: Any) -> Any:
    """``call(lib)``'s error (class and message), or its result's shape and dtype name; its
    warnings are silenced (the tests that check warnings do so themselves)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e))
    return ("ok", tuple(out.shape), str(out.dtype).split(".")[-1])


def raised(call: Any, lib: Any) -> tuple[str, str]:
    """The class name and message of the error ``call(lib)`` raises (a test fails if it
    raises none)."""
    with pytest.raises(Exception) as info:
        call(lib)
    return type(info.value).__name__, str(info.value)


@contextlib.contextmanager
def native_kernels(lib: Any) -> Iterator[None]:
    """PyTorch's own CPU kernels, which symgrad follows, when ``lib`` is torch: on a CPU with
    AVX512-FP16, float16 convolutions go to oneDNN instead, which sums in another order and
    checks dtypes with other messages (on other CPUs oneDNN is not used for float16)."""
    if lib.__name__ != "torch":
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # oneDNN's flags warn of TF32 on Intel GPUs
        with lib.backends.mkldnn.flags(enabled=False):
            yield


def graph_names(t: Any) -> list[str]:
    """The names of the nodes under ``t`` (depth first, inputs in order), indented by depth."""
    names: list[str] = []

    def walk(node: Any, depth: int) -> None:
        if node is None:
            return
        names.append("  " * depth + type(node).__name__)
        for child, _ in node.next_functions:
            walk(child, depth + 1)

    walk(t.grad_fn, 0)
    return names


def assert_two_orders_agree(fn: Any, values: Any, libs: tuple[Any, Any], rtol: float,
                            atol: float) -> None:
    """``fn(lib, x, v)`` (``x`` the float64 ``values``, ``v`` the number 1.5, both requiring
    grad) in both libraries: its value, its gradients weighted by a ramp (with
    ``create_graph``), and the gradients of their squares' sum, compared. A gradient one
    library leaves undefined must be zero in the other."""
    results = []
    for lib in libs:
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        v = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = fn(lib, x, v)
        w = lib.linspace(-1.0, 2.0, y.numel(), dtype=lib.float64).reshape(y.shape)
        gx, gv = lib.autograd.grad(y, (x, v), w, create_graph=True, allow_unused=True)
        gx = lib.zeros_like(x) if gx is None else gx
        gv = lib.zeros_like(v) if gv is None else gv
        second = (gx * gx).sum() + gv * gv
        hs = (lib.autograd.grad(second, (x, v), allow_unused=True) if second.requires_grad
              else (None, None))
        results.append([np.asarray(t.tolist()) if t is not None else None
                        for t in (y, gx, gv, *hs)])
    for a, b in zip(*results, strict=True):
        if a is None or b is None:
            assert a is None and b is None or not np.any(a if b is None else b)
        else:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def conditioned(draw: Callable[[], np.ndarray], max_cond: float = 10.0, min_gap: float = 0.0,
                matrix: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """``draw()``, drawn again until each matrix in it (its last two dims, or those of
    ``matrix(a)``) is well-conditioned: its largest singular value at most ``max_cond`` times
    its smallest, and consecutive singular values at least ``min_gap`` times the largest apart.

    Parity tests compare two libraries' rounding: near a singular matrix (or a repeated
    singular value, where the singular vectors' and the spectral norms' derivatives divide by
    the gap) both are right and still far apart, so the sample, not a looser tolerance, keeps
    the comparison honest. ``draw`` takes its values from the test's own generator, so what is
    drawn again is fixed too.
    """
    for _ in range(1000):
        a = draw()
        m = a if matrix is None else matrix(a)
        if 0 in m.shape[-2:]:
            return a
        s = np.linalg.svd(m, compute_uv=False)  # descending
        largest = s[..., :1]
        if (np.all(largest <= max_cond * s[..., -1:])
                and np.all(-np.diff(s, axis=-1) >= min_gap * largest)):
            return a
    raise AssertionError(f"no draw in 1000 with max_cond={max_cond}, min_gap={min_gap}")
