"""A reduction or scan given ``dtype=`` records PyTorch's node: the node reads the input and
casts it inside (no ToCopyBackward0 under it), and its gradient comes back in the input's
dtype. Expected values and structures come from torch 2.13; the matrix of
``test_reduction_audit.py`` covers widening casts, these the narrowing ones and second orders.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

_VALUES = np.array([[0.5, -1.25, 2.0], [0.0, 3.0, -0.75]])

CALLS = {
    "sum": lambda lib, x, d: x.sum(1, dtype=d),
    "sum_all": lambda lib, x, d: x.sum(dtype=d),
    "nansum": lambda lib, x, d: x.nansum(0, dtype=d),
    "mean": lambda lib, x, d: x.mean(0, dtype=d),
    "prod": lambda lib, x, d: x.prod(1, dtype=d),
    "prod_all": lambda lib, x, d: x.prod(dtype=d),
    "cumsum": lambda lib, x, d: x.cumsum(1, dtype=d),
    "cumprod": lambda lib, x, d: x.cumprod(1, dtype=d),
}
NORMS = {
    "vector_norm": lambda lib, x, d: lib.linalg.vector_norm(x, 3.0, 1, dtype=d),
    "norm": lambda lib, x, d: lib.norm(x, 1, dim=0, dtype=d),
    "matrix_norm_fro": lambda lib, x, d: lib.linalg.matrix_norm(x, dtype=d),
    "matrix_norm_1": lambda lib, x, d: lib.linalg.matrix_norm(x, 1, dtype=d),
    "matrix_norm_nuc": lambda lib, x, d: lib.linalg.matrix_norm(x, "nuc", dtype=d),
}


def _run(lib: Any, call: Any, source: str, target: str) -> tuple[Any, ...]:
    """The nodes two deep, the result, the gradient (dtype and values) and a second order."""
    x = lib.tensor(_VALUES).to(getattr(lib, source)).requires_grad_()
    y = call(lib, x, getattr(lib, target))
    nodes = (y.grad_fn.name(), tuple(n.name() for n, _ in y.grad_fn.next_functions if n))
    w = (lib.arange(y.numel()) % 3 + 1).reshape(y.shape).to(y.dtype)
    (g,) = lib.autograd.grad(y, x, w, create_graph=True)
    h = None
    if g.requires_grad:
        (h,) = lib.autograd.grad(g, x, lib.ones_like(g))
        h = np.asarray(h.double().tolist())
    return (nodes, str(y.dtype).split(".")[-1], np.asarray(y.detach().double().tolist()),
            str(g.dtype).split(".")[-1], np.asarray(g.detach().double().tolist()), h)


def _same(theirs: tuple[Any, ...], ours: tuple[Any, ...]) -> None:
    assert ours[0] == theirs[0] and ours[1] == theirs[1] and ours[3] == theirs[3]
    for a, b in ((theirs[2], ours[2]), (theirs[4], ours[4]), (theirs[5], ours[5])):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=2e-3, atol=1e-6)


@pytest.mark.parametrize(("source", "target"), [("float32", "float16"), ("float32", "bfloat16"),
                                                ("float64", "float32"), ("float16", "float64")])
@pytest.mark.parametrize("name", list(CALLS))
def test_reduction_reads_its_input(name: str, source: str, target: str) -> None:
    _same(_run(torch, CALLS[name], source, target), _run(symgrad, CALLS[name], source, target))


@pytest.mark.parametrize("source", ["float32", "bfloat16"])
@pytest.mark.parametrize("name", list(NORMS))
def test_norm_reads_its_input(name: str, source: str) -> None:
    if name == "matrix_norm_nuc" and source == "bfloat16":
        pytest.skip("PyTorch refuses a low-precision input to the nuclear norm")
    _same(_run(torch, NORMS[name], source, "float64"),
          _run(symgrad, NORMS[name], source, "float64"))


def test_norm_dtype_messages() -> None:
    x = [lib.tensor(_VALUES).float() for lib in (torch, symgrad)]
    for lib, t in zip((torch, symgrad), x, strict=True):
        with pytest.raises(RuntimeError) as narrow:
            lib.norm(t, 2, dtype=lib.float16)
        with pytest.raises(RuntimeError) as integer:
            lib.norm(t, 2, dtype=lib.int64)
        with pytest.raises(RuntimeError) as integral_input:
            lib.norm(t.long(), 2, dtype=lib.float64)
        if lib is torch:
            expected = [str(e.value) for e in (narrow, integer, integral_input)]
        else:
            assert [str(e.value) for e in (narrow, integer, integral_input)] == expected


def test_judge_reads_a_narrowing_cast_as_its_own_node() -> None:
    """The judge's reader gives the fused node's narrowing cast its own ``to_copy`` node: the
    same IR, values and gradients as ``x.to(float16).prod(1)`` records."""
    from oracle.engines.symgrad_engine import ADAPTER

    def read(fn: Any) -> list[tuple[Any, ...]]:
        x = symgrad.tensor(_VALUES, dtype=symgrad.float32, requires_grad=True)
        rec = ADAPTER.record(fn, [x], grad_outputs=[np.array([1.0, 2.0])])
        return [(n.op or n.kind, n.inputs, n.dtype, n.in_dtypes, n.value.tolist(),
                 None if n.cotangent is None else (n.cotangent.dtype, n.cotangent.tolist()),
                 [(g.dtype, g.tolist()) for g in n.grads if g is not None])
                for n in rec.graph.nodes]

    fused = read(lambda x: x.prod(1, dtype=symgrad.float16))
    assert fused == read(lambda x: x.to(symgrad.float16).prod(1))
    assert [n[0] for n in fused] == ["leaf", "to_copy", "prod"]
    widened = read(lambda x: x.prod(1, dtype=symgrad.float64))
    assert [n[0] for n in widened] == ["leaf", "prod"]  # exact: no cast to judge
