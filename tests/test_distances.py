"""``cdist`` and ``pdist`` (``torch.nn.functional.pdist``) against torch 2.13: values, the
graph PyTorch records (``CdistBackward0``, ``PdistBackward0``, or ``_euclidean_dist`` between
views and expansions on the matrix-product path), first order gradients in float32 and float64
with PyTorch's choices at zero distances, zero differences and ties, second order gradients
(or PyTorch's refusal of them), and PyTorch's exceptions."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

INF = math.inf
MM = "use_mm_for_euclid_dist"
NO_MM = "donot_use_mm_for_euclid_dist"


def _values(shape: tuple[int, ...], seed: int) -> Any:
    """Distinct values of no ties: sines of a seeded progression, to 1/64."""
    n = int(np.prod(shape))
    return (np.round(np.sin(np.arange(n) * 1.7 + seed) * 128) / 64).reshape(shape).tolist()


def _graph(node: Any) -> list[Any]:
    """The names of the nodes under ``node``, depth first (leaves' accumulators left out)."""
    if node is None or type(node).__name__ == "AccumulateGrad":
        return []
    return [type(node).__name__, [_graph(n) for n, _ in node.next_functions]]


def _outcome(call: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e))


def _run(lib: Any, make: Any, inputs: list[Any], dtype: str) -> tuple[Any, ...]:
    xs = [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in inputs]
    out = make(lib, *xs)
    w = lib.tensor(np.linspace(0.5, 1.5, out.numel()).tolist(), dtype=out.dtype).reshape(
        tuple(out.shape))
    grads = lib.autograd.grad((out * w).sum(), xs, create_graph=True, allow_unused=True)
    names = [None if g is None or g.grad_fn is None else type(g.grad_fn).__name__
             for g in grads]
    used = [g for g in grads if g is not None and g.requires_grad]

    def second() -> Any:
        total = sum((g * g).sum() for g in used)
        return [None if s is None else s.tolist()
                for s in lib.autograd.grad(total, xs, allow_unused=True)]

    return (out.detach().tolist(), _graph(out.grad_fn),
            [None if g is None else g.detach().tolist() for g in grads], names,
            _outcome(second) if used else None)


def _close(a: Any, b: Any, tol: float) -> None:
    if isinstance(a, tuple) or a is None:
        assert a == b
        return
    assert len(a) == len(b)
    for p, q in zip(a, b, strict=True):
        if p is None or q is None:
            assert p is q
        else:
            np.testing.assert_allclose(np.asarray(p, np.float64), np.asarray(q, np.float64),
                                       rtol=tol, atol=tol)


def _same(make: Any, inputs: list[Any], dtype: str) -> None:
    mine, theirs = _run(symgrad, make, inputs, dtype), _run(torch, make, inputs, dtype)
    tol = 2e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(np.asarray(mine[0]), np.asarray(theirs[0]), rtol=tol, atol=tol)
    assert mine[1] == theirs[1]  # the graph recorded
    _close(mine[2], theirs[2], tol)
    assert mine[3] == theirs[3]  # the gradients' nodes
    if isinstance(theirs[4], tuple):
        assert mine[4] == theirs[4]  # PyTorch refuses the second order: the same error
    else:
        _close(mine[4], theirs[4], 1e-4 if dtype == "float32" else 1e-10)


# (name, call, input values): generic values, then zero distances, zero differences and ties.
_A, _B = _values((3, 4), 0), _values((5, 4), 1)
_SAME = [[1.0, 2.0, 0.5], [0.0, 1.0, -1.0], [3.0, -2.0, 1.0]]
_OTHER = [[1.0, 2.0, 0.5], [1.0, 2.0, 1.5], [2.0, 0.0, 0.0], [4.0, -1.0, 2.0]]
CDIST: list[tuple[str, Any, list[Any]]] = [
    *[(f"p{p}", lambda L, a, b, p=p: L.cdist(a, b, p=p), [_A, _B])
      for p in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, INF)],
    ("p-int", lambda L, a, b: L.cdist(a, b, 1), [_A, _B]),
    ("p-tensor", lambda L, a, b: L.cdist(a, b, L.tensor(3.0)), [_A, _B]),
    ("p2-no-mm", lambda L, a, b: L.cdist(a, b, compute_mode=NO_MM), [_A, _B]),
    ("p3-mm", lambda L, a, b: L.cdist(a, b, 3.0, MM), [_A, _B]),
    ("batched", lambda L, a, b: L.cdist(a, b, 1.5), [_values((2, 3, 4), 2),
                                                    _values((2, 5, 4), 3)]),
    ("broadcast", lambda L, a, b: L.cdist(a, b, 1.0), [_values((2, 1, 3, 2), 4),
                                                       _values((3, 5, 2), 5)]),
    ("mm", lambda L, a, b: L.cdist(a, b, compute_mode=MM), [_A, _B]),
    ("mm-batched", lambda L, a, b: L.cdist(a, b, compute_mode=MM), [_values((2, 3, 4), 2),
                                                                     _values((2, 5, 4), 3)]),
    ("mm-broadcast", lambda L, a, b: L.cdist(a, b, compute_mode=MM),
     [_values((2, 1, 3, 2), 4), _values((3, 5, 2), 5)]),
    ("mm-one-batch", lambda L, a, b: L.cdist(a, b, compute_mode=MM), [_values((1, 3, 2), 6),
                                                                       _values((2, 5, 2), 7)]),
    ("mm-unbatched-x1", lambda L, a, b: L.cdist(a, b, compute_mode=MM),
     [_values((3, 2), 6), _values((2, 4, 2), 7)]),
    ("mm-by-size", lambda L, a, b: L.cdist(a, b), [_values((26, 3), 8), _values((2, 3), 9)]),
    ("no-mm-by-size", lambda L, a, b: L.cdist(a, b), [_values((25, 3), 8),
                                                      _values((25, 3), 9)]),
    *[(f"zero-p{p}", lambda L, a, b, p=p: L.cdist(a, b, p), [_SAME, _OTHER])
      for p in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, INF)],
    ("zero-mm", lambda L, a, b: L.cdist(a, b, compute_mode=MM), [_SAME, _OTHER]),
    ("ties-inf", lambda L, a, b: L.cdist(a, b, INF), [[[0.0, 0.0, 0.0], [1.0, 1.0, 2.0]],
                                                      [[1.0, -1.0, 0.5], [0.0, 0.0, 0.0]]]),
    ("empty-rows", lambda L, a, b: L.cdist(a.reshape(0, 2), b), [[], _values((3, 2), 1)]),
    ("empty-cols", lambda L, a, b: L.cdist(a, b, compute_mode=MM),
     [np.zeros((2, 0)).tolist(), np.zeros((3, 0)).tolist()]),
]
PDIST: list[tuple[str, Any, list[Any]]] = [
    *[(f"p{p}", lambda L, x, p=p: L.pdist(x, p), [_values((4, 3), 0)])
      for p in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, INF)],
    ("functional", lambda L, x: L.nn.functional.pdist(x, p=1.0), [_values((4, 3), 0)]),
    *[(f"zero-p{p}", lambda L, x, p=p: L.pdist(x, p), [_OTHER + [[1.0, 2.0, 0.5]]])
      for p in (0.5, 1.0, 2.0, 3.0, INF)],
    ("one-row", lambda L, x: L.pdist(x), [[[1.0, 2.0]]]),
    ("no-cols", lambda L, x: L.pdist(x), [np.zeros((3, 0)).tolist()]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "make", "inputs"), CDIST, ids=[c[0] for c in CDIST])
def test_cdist(name: str, make: Any, inputs: list[Any], dtype: str) -> None:
    _same(make, inputs, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "make", "inputs"), PDIST, ids=[c[0] for c in PDIST])
def test_pdist(name: str, make: Any, inputs: list[Any], dtype: str) -> None:
    _same(make, inputs, dtype)


def test_the_matrix_product_path_keeps_pytorchs_zero_for_an_exact_zero_distance():
    # Rows of small integers: PyTorch's |a|^2 + |b|^2 - 2 a.b is exactly 0 for equal rows, so
    # both libraries send 0 there; the other rows' gradient is (a - b) / |a - b|.
    for lib in (symgrad, torch):
        a = lib.tensor([[1.0, 2.0], [0.0, 0.0]], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([[1.0, 2.0]], dtype=lib.float64)
        (g,) = lib.autograd.grad(lib.cdist(a, b, compute_mode=MM).sum(), [a])
        np.testing.assert_allclose(g.tolist(), [[0.0, 0.0], [-1 / 5**0.5, -2 / 5**0.5]])


def _error(call: Any) -> None:
    assert _outcome(lambda: call(symgrad)) == _outcome(lambda: call(torch))
    assert _outcome(lambda: call(torch))[0] == "raises"


@pytest.mark.parametrize("call", [
    lambda L: L.cdist(L.ones(4), L.ones(3, 4)),
    lambda L: L.cdist(L.ones(3, 4), L.ones(4)),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 5)),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4), p=-1.0),
    lambda L: L.cdist(L.ones(30, 4), L.ones(3, 4), p=-0.5),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4), p=math.nan),
    lambda L: L.cdist(L.ones(3, 4, dtype=L.int64), L.ones(3, 4, dtype=L.int64)),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4, dtype=L.int32)),
    lambda L: L.cdist(L.ones(3, 4, dtype=L.bool), L.ones(3, 4)),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4), compute_mode="fast"),
    lambda L: L.cdist(L.ones(4), L.ones(3, 4), compute_mode="fast"),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4, dtype=L.float64)),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4, dtype=L.float64), compute_mode=MM),
    lambda L: L.cdist(L.ones(3, 4, dtype=L.float16), L.ones(3, 4, dtype=L.float16)),
    lambda L: L.cdist(L.ones(3, 4, dtype=L.bfloat16), L.ones(3, 4, dtype=L.bfloat16), p=1.0),
    lambda L: L.cdist(L.ones(2, 3, 4), L.ones(3, 3, 4)),
    lambda L: L.cdist(L.ones(2, 3, 4), L.ones(3, 3, 4), compute_mode=MM),
    lambda L: L.pdist(L.ones(4)),
    lambda L: L.pdist(L.ones(2, 3, 4)),
    lambda L: L.pdist(L.ones(3, 4), p=-1.0),
    lambda L: L.pdist(L.ones(3, 4, dtype=L.int64)),
    lambda L: L.pdist(L.ones(3, 4, dtype=L.float16)),
    lambda L: L.nn.functional.pdist(L.ones(3, 4), p=math.nan),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4), p="2"),
    lambda L: L.cdist(L.ones(3, 4), L.ones(3, 4), p=None),
    lambda L: L.pdist(L.ones(3, 4), p="2"),
])
def test_errors(call: Any) -> None:
    _error(call)


def test_half_precision_on_the_matrix_product_path():
    # PyTorch's cdist kernel refuses the half types, its matrix-product path computes them.
    for d in ("float16", "bfloat16"):
        values = [_values((3, 2), 1), _values((4, 2), 2)]
        mine, theirs = (lib.cdist(*(lib.tensor(v, dtype=getattr(lib, d)) for v in values),
                                  compute_mode=MM) for lib in (symgrad, torch))
        assert str(mine.dtype).split(".")[-1] == d
        np.testing.assert_allclose(np.asarray(mine.float().tolist()),
                                   np.asarray(theirs.float().tolist()), rtol=2e-2)


# Rows at a zero distance (row 0 of each), and a pair with one zero difference (column 1).
_AT_ZERO = [[[1.0, 2.0, 0.5], [0.0, 1.0, 3.0]], [[1.0, 2.0, 0.5], [3.0, 1.0, -1.0]]]


def _grads_with(lib: Any, make: Any, inputs: list[Any], dtype: str, bad: float,
                at: int) -> list[Any]:
    xs = [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in inputs]
    out = make(lib, *xs)
    g = [1.0] * out.numel()
    g[at] = bad
    out.backward(lib.tensor(g, dtype=out.dtype).reshape(tuple(out.shape)))
    return [np.array(x.grad.tolist()) for x in xs]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, INF])
def test_a_nan_or_infinite_gradient_at_a_zero_distance_as_pytorchs_kernels(p: float,
                                                                            dtype: str) -> None:
    # PyTorch's kernels mask the term (0) for p = 0, at a zero distance for p > 1 (p != inf)
    # and at a zero difference for p < 1, but multiply the incoming gradient by sign(0) for
    # p = 1 and by the tie mask for p = inf (NaN): neither is a derivative, the norm has none
    # there, so PyTorch's semantics stand. symgrad masked after multiplying (NaN for all).
    calls = [lambda L, a, b: L.cdist(a, b, p, compute_mode=NO_MM),
             lambda L, a, b: L.pdist(L.cat([a, b]), p)]
    for make in calls:
        for bad in (math.nan, INF, -INF):
            for at in range(4):
                ours = _grads_with(symgrad, make, _AT_ZERO, dtype, bad, at)
                theirs = _grads_with(torch, make, _AT_ZERO, dtype, bad, at)
                for a, b in zip(ours, theirs, strict=True):
                    np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("seed", range(4))
def test_float32_ties_of_p_inf_are_the_differences_pytorch_rounds(seed: int) -> None:
    # PyTorch subtracts in float32, so the largest |difference| equals the (float32) distance
    # exactly; symgrad's float64 differences missed it and sent no gradient at all.
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal((3, 4)).astype(np.float32).tolist(),
              (rng.standard_normal((2, 4)) * 3).astype(np.float32).tolist()]
    for make in (lambda L, a, b: L.cdist(a, b, INF), lambda L, a, b: L.pdist(L.cat([a, b]), INF)):
        ours = _grads_with(symgrad, make, inputs, "float32", 1.0, 0)
        theirs = _grads_with(torch, make, inputs, "float32", 1.0, 0)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda L, a, b: L.cdist(a, b, 0.0),
                                  lambda L, a, b: L.pdist(L.cat([a, b]), 0.0)])
def test_p_zero_counts_a_nan_difference_as_nan(make: Any) -> None:
    # PyTorch's count is a sum of min(ceil(|difference|), 1): NaN for a NaN difference
    # (inf - inf, or a NaN input), as the count is undefined there; symgrad counted it as 1.
    inputs = [[[INF, 1.0], [math.nan, 0.0]], [[INF, 0.0], [2.0, 0.0]]]
    for dtype in ("float32", "float64"):
        ours, theirs = (make(L, *[L.tensor(v, dtype=getattr(L, dtype)) for v in inputs])
                        for L in (symgrad, torch))
        np.testing.assert_array_equal(ours.tolist(), theirs.tolist())


def test_p_inf_of_a_nan_difference_is_nan_where_pytorchs_cdist_skips_it():
    # DELIBERATE (tests/test_torch_parity.py): the largest |difference| is undefined when one
    # is NaN (a NaN input, or inf - inf), so symgrad's distance is NaN, as PyTorch's pdist and
    # its cdist for every other p give; PyTorch's cdist kernel takes std::max(agg, NaN) = agg
    # and skips it (cdist([[nan, 1]], [[0, 0]], inf) = 1).
    x1, x2 = [[math.nan, 1.0], [INF, 2.0]], [[0.0, 0.0], [INF, 0.0]]
    ours = symgrad.cdist(symgrad.tensor(x1), symgrad.tensor(x2), INF)
    theirs = torch.cdist(torch.tensor(x1), torch.tensor(x2), INF)
    np.testing.assert_array_equal(ours.tolist(), [[math.nan, math.nan], [INF, math.nan]])
    assert theirs.tolist() == [[1.0, 1.0], [INF, 2.0]]
    assert np.isnan(torch.pdist(torch.tensor([x1[0], x2[0]]), INF).item())
