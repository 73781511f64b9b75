"""Parity with PyTorch 2.13 of the linalg functions added after the LU batch (helper linalg2):
``linalg.matmul``, ``linalg.diagonal``, ``linalg.solve_ex``, ``linalg.cond`` (and the 2, -2
and nuclear matrix norms it needs), ``linalg.householder_product`` / ``orgqr``, ``ormqr``,
``geqrf`` and ``linalg.ldl_factor`` / ``ldl_factor_ex`` / ``ldl_solve``: values, dtypes,
grad_fn names (the whole graph for compositions), gradients to first and second order, and
errors (class and message). Expected values come from torch, never from symgrad."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from call_outcomes import conditioned, graph_names, raised

import symgrad

torch = pytest.importorskip("torch")


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-10) -> None:
    np.testing.assert_allclose(_np(a).astype(np.float64), _np(b).astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)



def _parity(fn: Any, *arrays: np.ndarray, rng: np.random.Generator, dtype: str = "float64",
            second: bool = True, graph: bool = True) -> None:
    """``fn(lib, *tensors)``, a tensor, in symgrad and torch: its value, dtype, graph, the
    gradients of its random-weighted sum and the gradients of those gradients' weighted sum
    (the weights drawn from ``rng``)."""
    ours_in = [symgrad.tensor(a, dtype=getattr(symgrad, dtype), requires_grad=True)
               for a in arrays]
    theirs_in = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays]
    ours, theirs = fn(symgrad, *ours_in), fn(torch, *theirs_in)
    tol = (1e-9, 1e-10) if dtype == "float64" else (2e-4, 2e-4)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs, *tol)
    if graph:
        assert graph_names(ours) == graph_names(theirs)
    else:
        assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    w = rng.standard_normal(tuple(theirs.shape))
    g_ours = symgrad.autograd.grad((ours * symgrad.tensor(w, dtype=ours.dtype)).sum(), ours_in,
                                   create_graph=True, allow_unused=True)
    g_theirs = torch.autograd.grad((theirs * torch.tensor(w, dtype=theirs.dtype)).sum(),
                                   theirs_in, create_graph=True, allow_unused=True)
    for a, b in zip(g_ours, g_theirs, strict=True):
        if b is None:
            assert a is None or not np.any(_np(a))
        else:
            _close(a, b, *tol)
    if not second:
        return
    pairs = [(a, b) for a, b in zip(g_ours, g_theirs, strict=True)
             if a is not None and b is not None and b.requires_grad]
    if not pairs:  # gradients that are constants (a linear op): no second derivative
        assert all(a is None or not a.requires_grad for a in g_ours)
        return
    v = [rng.standard_normal(tuple(b.shape)) for _, b in pairs]
    ss_ours = sum((a * symgrad.tensor(x, dtype=a.dtype)).sum()
                  for (a, _), x in zip(pairs, v, strict=True))
    ss_theirs = sum((b * torch.tensor(x, dtype=b.dtype)).sum()
                    for (_, b), x in zip(pairs, v, strict=True))
    gg_ours = symgrad.autograd.grad(ss_ours, ours_in, allow_unused=True)
    gg_theirs = torch.autograd.grad(ss_theirs, theirs_in, allow_unused=True)
    for a, b in zip(gg_ours, gg_theirs, strict=True):
        if b is None or a is None:
            assert (a is None or not np.any(_np(a))) and (b is None or not np.any(_np(b)))
        else:
            _close(a, b, tol[0] * 100, tol[1] * 100)


def _same_error(call: Any) -> None:
    """``call(lib)`` raises the same class with the same message in symgrad and torch."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = raised(call, symgrad), raised(call, torch)
    assert ours[1] == theirs[1]
    assert ours[0] == theirs[0].removeprefix("_")  # torch's _LinAlgError is LinAlgError


def _t(lib: Any, shape: tuple[int, ...], dtype: str = "float64", seed: int = 0) -> Any:
    x = np.random.default_rng(seed).standard_normal(shape)
    return lib.tensor(x, dtype=getattr(lib, dtype))


# -- matmul and diagonal ----------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (3,)], [(2, 3), (3, 4)],
                                    [(2, 2, 3), (3, 1)], [(3,), (2, 3, 2)]], ids=str)
def test_linalg_matmul_is_matmul(shapes: list[tuple[int, ...]],
                                 rng: np.random.Generator) -> None:
    # (the root node only: symgrad's batched matmul records one node where PyTorch's has a view
    # and an mm under its UnsafeViewBackward0, as symgrad.matmul does for all callers)
    _parity(lambda lib, a, b: lib.linalg.matmul(a, b), *[rng.standard_normal(s) for s in shapes],
            rng=rng, graph=False)


@pytest.mark.parametrize("kw", [{}, {"offset": 1}, {"offset": -1}, {"dim1": 0, "dim2": 2},
                                {"offset": 2, "dim1": -1, "dim2": 0}], ids=str)
def test_linalg_diagonal_defaults_to_the_last_two_dims(kw: dict[str, int],
                                                        rng: np.random.Generator) -> None:
    _parity(lambda lib, a: lib.linalg.diagonal(a, **kw), rng.standard_normal((2, 3, 4)),
            rng=rng)


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.matmul(_t(lib, ()), _t(lib, (3,))),
    lambda lib: lib.linalg.matmul(2.0, _t(lib, (3,))),
    lambda lib: lib.linalg.matmul(_t(lib, (3,)), 2.0),
    lambda lib: lib.linalg.matmul(_t(lib, (2, 3)), _t(lib, (2, 3))),
    lambda lib: lib.linalg.diagonal(_t(lib, (3,))),
    lambda lib: lib.linalg.diagonal(_t(lib, (3, 3)), dim1=0, dim2=0),
    lambda lib: lib.linalg.diagonal(_t(lib, (3, 3)), dim1=5),
    lambda lib: lib.linalg.diagonal(_t(lib, (3, 3)), 1),
    lambda lib: lib.linalg.diagonal(_t(lib, (3, 3)), offset=1.5),
    lambda lib: lib.linalg.diagonal(2.0),
])
def test_matmul_and_diagonal_errors(call: Any) -> None:
    _same_error(call)


# -- solve_ex ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes,left", [
    (((3, 3), (3,)), True), (((3, 3), (3, 2)), True), (((2, 3, 3), (3, 1)), True),
    (((2, 3, 3), (2, 3)), True), (((3, 3), (2, 3)), False), (((2, 2, 2), (1, 2, 2)), False),
], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_solve_ex_values_gradients_and_info(shapes: tuple[tuple[int, ...], ...], left: bool,
                                            dtype: str, rng: np.random.Generator) -> None:
    a = conditioned(lambda: rng.standard_normal(shapes[0]) + 3 * np.eye(shapes[0][-1]))
    b = rng.standard_normal(shapes[1])
    _parity(lambda lib, x, y: lib.linalg.solve_ex(x, y, left=left).result, a, b, rng=rng,
            dtype=dtype)
    for check_errors in (False, True):
        ours = symgrad.linalg.solve_ex(symgrad.tensor(a), symgrad.tensor(b), left=left,
                                       check_errors=check_errors)
        theirs = torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b), left=left,
                                       check_errors=check_errors)
        assert type(ours).__name__ == type(theirs).__name__ == "linalg_solve_ex"
        assert ours.info.dtype == symgrad.int32
        assert ours.info.tolist() == theirs.info.tolist()


def test_solve_ex_of_singular_matrices_gives_info_and_lapacks_values() -> None:
    a = np.stack([np.eye(2), np.zeros((2, 2)), [[1.0, 2.0], [2.0, 4.0]]])
    b = np.array([[[1.0], [2.0]], [[1.0], [-2.0]], [[1.0], [1.0]]])
    ours = symgrad.linalg.solve_ex(symgrad.tensor(a, requires_grad=True), symgrad.tensor(b))
    theirs = torch.linalg.solve_ex(torch.tensor(a, requires_grad=True), torch.tensor(b))
    assert ours.info.tolist() == theirs.info.tolist() == [0, 1, 2]
    _close(ours.result[0], theirs.result[0])
    # a zero matrix: getrs divides by the zero pivots (inf, then inf - inf)
    _close(ours.result[1], theirs.result[1])
    assert type(ours.result.grad_fn).__name__ == type(theirs.result.grad_fn).__name__


@pytest.mark.parametrize(("a", "b", "left"), [
    ([[1.0, 2.0], [2.0, 4.0]], [1.0, 1.0], True),
    ([[0.0, 0.0], [0.0, 0.0]], [1.0, 1.0], True),
    ([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]], [1.0, -1.0, 2.0], True),
    ([[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [2.0, -1.0]], True),
    ([[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [2.0, -1.0]], False),
    ([[[2.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]]], [[[1.0], [2.0]], [[1.0], [1.0]]],
     True),
], ids=str)
def test_solve_ex_gradients_at_singular_matrices(a: list[Any], b: list[Any], left: bool) -> None:
    # At a singular A the solution holds getrs's inf and NaN and has no derivative: PyTorch's
    # backward solves with the adjoint through A's factors (inf and NaN again), where
    # symgrad's solve of A^T raised LinAlgError. A nonsingular matrix of the batch keeps its
    # gradient.
    grads = []
    for lib in (symgrad, torch):
        x = lib.tensor(a, dtype=lib.float64, requires_grad=True)
        y = lib.tensor(b, dtype=lib.float64, requires_grad=True)
        result = lib.linalg.solve_ex(x, y, left=left).result
        weights = np.linspace(0.5, 1.5, result.numel()).reshape(tuple(result.shape))
        (result * lib.tensor(weights, dtype=lib.float64)).sum().backward()
        grads.append((_np(x.grad), _np(y.grad)))
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.solve_ex(lib.zeros(2, 2, dtype=lib.float64), _t(lib, (2,)),
                                    check_errors=True),
    lambda lib: lib.linalg.solve_ex(lib.stack([lib.eye(2, dtype=lib.float64),
                                               lib.zeros(2, 2, dtype=lib.float64)]),
                                    _t(lib, (2, 2, 1)), check_errors=True),
    lambda lib: lib.linalg.solve_ex(lib.ones(2, 2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)),
    lambda lib: lib.linalg.solve_ex(_t(lib, (2, 3)), _t(lib, (2,))),
    lambda lib: lib.linalg.solve_ex(_t(lib, (2, 2)), _t(lib, (3,))),
    lambda lib: lib.linalg.solve_ex(_t(lib, (2, 2), "float16"), _t(lib, (2,), "float16")),
    lambda lib: lib.linalg.solve_ex(_t(lib, (2, 2)), _t(lib, (2,), "float32")),
    lambda lib: lib.linalg.solve_ex(_t(lib, (2, 2)), 2.0),
])
def test_solve_ex_errors(call: Any) -> None:
    _same_error(call)


# -- cond and the spectral matrix norms -------------------------------------------------------
@pytest.mark.parametrize("ord", [2, -2, "nuc"], ids=str)
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), False), ((2, 0), True),
                                         ((-1, -2), True)], ids=str)
def test_spectral_matrix_norms(ord: Any, dim: tuple[int, int], keepdim: bool,
                               rng: np.random.Generator) -> None:
    # the second derivatives of singular values divide by their gaps: apart, in each matrix
    a = conditioned(lambda: rng.standard_normal((2, 3, 4)), min_gap=0.1,
                    matrix=lambda t: np.moveaxis(t, dim, (-2, -1)))
    _parity(lambda lib, x: lib.linalg.matrix_norm(x, ord, dim, keepdim), a, rng=rng)


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.matrix_norm(lib.ones(2, 2, dtype=lib.int64), "nuc"),
    lambda lib: lib.linalg.matrix_norm(_t(lib, (2, 2), "float16"), "nuc"),
    lambda lib: lib.linalg.matrix_norm(_t(lib, (2, 2), "bfloat16"), 2),
    lambda lib: lib.linalg.matrix_norm(_t(lib, (2, 0)), -2),
    lambda lib: lib.linalg.matrix_norm(_t(lib, (2, 2)), 3),
    lambda lib: lib.linalg.matrix_norm(_t(lib, (2, 2)), "abc"),
])
def test_matrix_norm_errors(call: Any) -> None:
    _same_error(call)


def test_spectral_norm_of_no_singular_values_is_zero() -> None:
    for ord in (2, "nuc"):
        ours = symgrad.linalg.matrix_norm(_t(symgrad, (0, 2)), ord)
        theirs = torch.linalg.matrix_norm(_t(torch, (0, 2)), ord)
        assert ours.item() == theirs.item() == 0.0


@pytest.mark.parametrize("p", [None, 2, -2, "nuc"], ids=str)
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (3, 2), (2, 4)], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cond_through_singular_values(p: Any, shape: tuple[int, ...], dtype: str,
                                      rng: np.random.Generator) -> None:
    if p == "nuc" and shape[-1] != shape[-2]:
        pytest.skip("nuc needs square matrices (tested with the errors)")
    a = conditioned(lambda: rng.standard_normal(shape), min_gap=0.1)
    _parity(lambda lib, x: lib.linalg.cond(x, p), a, rng=rng, dtype=dtype)


@pytest.mark.parametrize("p", ["fro", 1, -1, math.inf, -math.inf, 1.0], ids=str)
@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 2)], ids=str)
def test_cond_through_the_inverse_and_its_backward_error(p: Any, shape: tuple[int, ...],
                                                         rng: np.random.Generator) -> None:
    a = conditioned(lambda: rng.standard_normal(shape))
    results = []
    for lib in (symgrad, torch):
        x = lib.tensor(a, requires_grad=True)
        out = lib.linalg.cond(x, p)
        results.append((out, graph_names(out)))
    (ours, ours_graph), (theirs, theirs_graph) = results
    _close(ours, theirs)
    assert ours_graph == theirs_graph
    # PyTorch fills the inverse with inf in place, after its node saved it: backward raises
    # that it was modified, and so does symgrad's
    _same_error(lambda lib: _cond_backward(lib, a, p))


def _cond_backward(lib: Any, a: np.ndarray, p: Any) -> Any:
    x = lib.tensor(a, requires_grad=True)
    return lib.autograd.grad(lib.linalg.cond(x, p).sum(), x)


@pytest.mark.parametrize("matrix", [np.zeros((2, 2)), np.array([[1.0, 2.0], [2.0, 4.0]]),
                                    np.stack([np.eye(2), np.zeros((2, 2))])], ids=str)
@pytest.mark.parametrize("p", [None, -2, "fro", 1, math.inf, -1], ids=str)
def test_cond_of_singular_matrices(matrix: np.ndarray, p: Any) -> None:
    ours = symgrad.linalg.cond(symgrad.tensor(matrix), p)
    theirs = torch.linalg.cond(torch.tensor(matrix), p)
    _close(ours, theirs)


@pytest.mark.parametrize("p", [None, "nuc", 1, "fro"], ids=str)
@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (2, 0, 3)], ids=str)
def test_cond_of_empty_matrices_is_zero(p: Any, shape: tuple[int, ...]) -> None:
    if p in ("nuc", 1, "fro") and shape[-1] != shape[-2]:
        pytest.skip("square only")
    ours = symgrad.linalg.cond(_t(symgrad, shape), p)
    theirs = torch.linalg.cond(_t(torch, shape), p)
    assert ours.tolist() == theirs.tolist()
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.cond(_t(lib, (3,))),
    lambda lib: lib.linalg.cond(_t(lib, (2, 3)), 1),
    lambda lib: lib.linalg.cond(_t(lib, (2, 3)), 1.0),
    lambda lib: lib.linalg.cond(_t(lib, (2, 3)), -1.0),
    lambda lib: lib.linalg.cond(_t(lib, (2, 3)), math.inf),
    lambda lib: lib.linalg.cond(_t(lib, (2, 3)), "fro"),
    lambda lib: lib.linalg.cond(_t(lib, (2, 3)), "nuc"),
    lambda lib: lib.linalg.cond(_t(lib, (2, 2)), 3),
    lambda lib: lib.linalg.cond(_t(lib, (2, 2)), 2.5),
    lambda lib: lib.linalg.cond(_t(lib, (2, 2)), "abc"),
    lambda lib: lib.linalg.cond(lib.ones(2, 2, dtype=lib.int64)),
    lambda lib: lib.linalg.cond(lib.ones(2, 2, dtype=lib.int64), 1),
    lambda lib: lib.linalg.cond(_t(lib, (2, 2), "float16")),
    lambda lib: lib.linalg.cond(_t(lib, (2, 2), "float16"), 1),
    lambda lib: lib.linalg.cond(2.0),
])
def test_cond_errors(call: Any) -> None:
    _same_error(call)


# -- householder_product, orgqr, ormqr, geqrf -------------------------------------------------
@pytest.mark.parametrize("shapes", [((3, 2), (2,)), ((3, 2), (1,)), ((4, 4), (3,)),
                                    ((3, 3), (3,)), ((2, 3, 2), (2, 2)), ((2, 2), (0,)),
                                    ((3, 0), (0,))], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_householder_product(shapes: tuple[tuple[int, ...], ...], dtype: str,
                             rng: np.random.Generator) -> None:
    a, tau = (rng.standard_normal(s) for s in shapes)
    _parity(lambda lib, x, t: lib.linalg.householder_product(x, t), a, tau, rng=rng, dtype=dtype)
    _parity(lambda lib, x, t: lib.orgqr(x, t), a, tau, rng=rng, dtype=dtype)
    _parity(lambda lib, x, t: x.orgqr(t), a, tau, rng=rng, dtype=dtype)


@pytest.mark.parametrize("shapes,left,transpose", [
    (((3, 2), (2,), (3, 4)), True, False), (((3, 2), (2,), (3, 1)), True, True),
    (((3, 3), (3,), (2, 3)), False, False), (((4, 2), (2,), (1, 4)), False, True),
    (((2, 3), (2,), (2, 2)), True, False), (((2, 3, 2), (2, 2), (2, 3, 2)), True, True),
    (((2, 3, 2), (2, 2), (2, 2, 3)), False, False),
], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_ormqr(shapes: tuple[tuple[int, ...], ...], left: bool, transpose: bool,
               dtype: str, rng: np.random.Generator) -> None:
    a, tau, c = (rng.standard_normal(s) for s in shapes)
    _parity(lambda lib, x, t, y: lib.ormqr(x, t, y, left, transpose), a, tau, c, rng=rng,
            dtype=dtype)
    _parity(lambda lib, x, t, y: x.ormqr(t, y, left=left, transpose=transpose), a, tau, c,
            rng=rng, dtype=dtype, second=False)


@pytest.mark.parametrize("shape", [(3, 2), (4, 4), (2, 3), (2, 4, 3), (1, 1), (0, 3),
                                   (3, 1)], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_geqrf_values_and_its_missing_derivative(shape: tuple[int, ...], dtype: str,
                                                 rng: np.random.Generator) -> None:
    # (well-conditioned: Q's columns are compared with linalg.qr's, which a nearly dependent
    # column leaves loosely determined)
    x = conditioned(lambda: rng.standard_normal(shape))
    ours = symgrad.geqrf(symgrad.tensor(x, dtype=getattr(symgrad, dtype), requires_grad=True))
    theirs = torch.geqrf(torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True))
    assert type(ours).__name__ == type(theirs).__name__ == "geqrf"
    tol = (1e-12, 1e-12) if dtype == "float64" else (1e-5, 1e-5)
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype.name == dtype and tuple(a.shape) == tuple(b.shape)
        _close(a, b, *tol)
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__ == "GeqrfBackward0"
    # the reflectors give Q: householder_product(a, tau) is linalg.qr's Q (signed as LAPACK's)
    if shape[-2] >= shape[-1]:
        q = symgrad.linalg.householder_product(ours.a.detach(), ours.tau.detach())
        _close(q, torch.linalg.qr(torch.tensor(x, dtype=getattr(torch, dtype))).Q, *tol)
    if x.size:
        _same_error(lambda lib: lib.geqrf(lib.tensor(x, requires_grad=True)).a.sum().backward())


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.householder_product(_t(lib, (3,)), _t(lib, (1,))),
    lambda lib: lib.linalg.householder_product(_t(lib, (3, 2)), _t(lib, ())),
    lambda lib: lib.linalg.householder_product(_t(lib, (2, 3)), _t(lib, (1,))),
    lambda lib: lib.linalg.householder_product(_t(lib, (3, 2)), _t(lib, (3,))),
    lambda lib: lib.linalg.householder_product(_t(lib, (2, 3, 2)), _t(lib, (3, 1))),
    lambda lib: lib.linalg.householder_product(_t(lib, (2, 3, 2)), _t(lib, (1, 2))),
    lambda lib: lib.linalg.householder_product(_t(lib, (3, 2)), _t(lib, (1,), "float32")),
    lambda lib: lib.linalg.householder_product(lib.ones(3, 2, dtype=lib.int64),
                                               lib.ones(1, dtype=lib.int64)),
    lambda lib: lib.linalg.householder_product(_t(lib, (3, 2), "float16"),
                                               _t(lib, (1,), "float16")),
    lambda lib: lib.linalg.householder_product(_t(lib, (3, 2), "bfloat16"),
                                               _t(lib, (1,), "bfloat16")),
    lambda lib: lib.linalg.householder_product(_t(lib, (3, 2)), 2.0),
    lambda lib: lib.orgqr(_t(lib, (3,)), _t(lib, (1,))),
    lambda lib: lib.orgqr(_t(lib, (3, 2)), 2.0),
    lambda lib: lib.ormqr(_t(lib, (3,)), _t(lib, (1,)), _t(lib, (3, 2))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (1,)), _t(lib, (3,))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (3,)), _t(lib, (3, 2))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (1,)), _t(lib, (3, 2))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (1,)), _t(lib, (2, 3)), left=False),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (2,)), _t(lib, (4, 2))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (2,)), _t(lib, (4, 2)), left=False),
    lambda lib: lib.ormqr(_t(lib, (2, 3)), _t(lib, (3,)), _t(lib, (2, 2))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (2,), "float32"), _t(lib, (3, 2))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, (2,)), _t(lib, (3, 2), "float32")),
    lambda lib: lib.ormqr(lib.ones(3, 2, dtype=lib.int64), lib.ones(2, dtype=lib.int64),
                          lib.ones(3, 2, dtype=lib.int64)),
    lambda lib: lib.ormqr(_t(lib, (3, 2), "float16"), _t(lib, (2,), "float16"),
                          _t(lib, (3, 2), "float16")),
    lambda lib: lib.ormqr(_t(lib, (2, 3, 2)), _t(lib, (2, 2)), _t(lib, (3, 2))),
    lambda lib: lib.ormqr(_t(lib, (2, 3, 2)), _t(lib, (2,)), _t(lib, (2, 3, 2))),
    lambda lib: lib.ormqr(_t(lib, (2, 3, 2)), _t(lib, (2, 2)), _t(lib, (3, 3, 2))),
    lambda lib: lib.ormqr(_t(lib, (2, 3, 2)), _t(lib, (3, 2)), _t(lib, (2, 3, 2))),
    lambda lib: lib.ormqr(_t(lib, (3, 2)), _t(lib, ()), _t(lib, (3, 2))),
    lambda lib: lib.geqrf(_t(lib, (3,))),
    lambda lib: lib.geqrf(lib.ones(2, 2, dtype=lib.int64)),
    lambda lib: lib.geqrf(_t(lib, (2, 2), "float16")),
])
def test_householder_errors(call: Any) -> None:
    _same_error(call)


# -- LDL --------------------------------------------------------------------------------------
def _symmetric(n: int, kind: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.standard_normal((n, n))
    if kind == 1:  # sparse: zero diagonals, 2 x 2 pivots, swaps
        a = a * (np.abs(a) > 1)
    elif kind == 2:  # a small diagonal: 2 x 2 pivots
        np.fill_diagonal(a, rng.standard_normal(n) * 0.01)
    return a + a.T


def test_ldl_factor_pivots_as_lapacks_sytrf_element_for_element() -> None:
    """Bunch-Kaufman's choices (1 x 1 and 2 x 2 blocks, swaps) as PyTorch's LAPACK makes them,
    on 300 symmetric matrices of up to 8 x 8 whose pivots are not zero."""
    rng = np.random.default_rng(7)
    blocks = compared = 0
    for trial in range(300):
        a = _symmetric(int(rng.integers(1, 9)), trial % 3, rng)
        theirs = torch.linalg.ldl_factor_ex(torch.tensor(a))
        if theirs.info.item():
            continue
        ours = symgrad.linalg.ldl_factor_ex(symgrad.tensor(a))
        assert ours.info.item() == 0
        assert ours.pivots.dtype == symgrad.int32
        assert ours.pivots.tolist() == theirs.pivots.tolist(), a
        _close(ours.LD, theirs.LD, 1e-10, 1e-12 * np.abs(a).max())
        blocks += int((theirs.pivots < 0).any())
        compared += 1
    assert compared > 250 and blocks > 100  # the 2 x 2 pivots were exercised


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1), (2, 0, 0)], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hermitian", [False, True])
def test_ldl_factor_and_solve(shape: tuple[int, ...], dtype: str, hermitian: bool,
                              rng: np.random.Generator) -> None:
    def draw() -> np.ndarray:
        r = rng.standard_normal(shape)
        return r + np.swapaxes(r, -2, -1)

    x = conditioned(draw)  # (the solution is compared)
    b = rng.standard_normal(shape[:-1] + (2,))
    results = []
    for lib in (symgrad, torch):
        a = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        rhs = lib.tensor(b, dtype=getattr(lib, dtype))
        LD, pivots = lib.linalg.ldl_factor(a, hermitian=hermitian)
        ex = lib.linalg.ldl_factor_ex(a, hermitian=hermitian)
        solution = lib.linalg.ldl_solve(LD.detach(), pivots, rhs, hermitian=hermitian)
        results.append((LD, pivots, ex, solution, type(ex).__name__, LD.grad_fn.name(),
                        str(LD.dtype), str(solution.dtype)))
    ours, theirs = results
    tol = (1e-10, 1e-12) if dtype == "float64" else (1e-4, 1e-5)
    _close(ours[0], theirs[0], *tol)
    assert ours[1].tolist() == theirs[1].tolist()
    _close(ours[2].LD, theirs[2].LD, *tol)
    assert ours[2].info.tolist() == theirs[2].info.tolist()
    _close(ours[3], theirs[3], *tol)
    assert ours[4:6] == theirs[4:6]
    assert [s.split(".")[-1] for s in ours[6:]] == [s.split(".")[-1] for s in theirs[6:]]


def test_ldl_solve_broadcasts_batches_and_solves_2x2_blocks(rng: np.random.Generator) -> None:
    a = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])
    out = []
    for lib in (symgrad, torch):
        LD, pivots = lib.linalg.ldl_factor(lib.tensor(a))
        b = lib.tensor(rng.standard_normal((2, 3, 2)) if lib is symgrad else out[0][1])
        out.append((lib.linalg.ldl_solve(LD, pivots, b), _np(b), pivots.tolist()))
    assert out[0][2] == out[1][2] and min(out[0][2]) < 0  # a 2 x 2 block
    _close(out[0][0], out[1][0])
    _close(np.matmul(a, _np(out[0][0])), out[0][1])


def test_ldl_has_no_derivative() -> None:
    x = np.array([[2.0, 1.0], [1.0, 3.0]])
    _same_error(lambda lib: lib.linalg.ldl_factor(lib.tensor(x, requires_grad=True))
                .LD.sum().backward())
    _same_error(lambda lib: lib.linalg.ldl_factor_ex(lib.tensor(x, requires_grad=True))
                .LD.sum().backward())

    def solve(lib: Any) -> None:
        LD, pivots = lib.linalg.ldl_factor(lib.tensor(x))
        lib.linalg.ldl_solve(LD, pivots, lib.ones(2, 1, dtype=lib.float64, requires_grad=True)
                             ).sum().backward()

    _same_error(solve)
    for lib in (symgrad, torch):
        LD = lib.linalg.ldl_factor(lib.tensor(x, requires_grad=True)).LD
        assert LD.requires_grad and LD.grad_fn.name() == "torch::autograd::NotImplemented"


def _ldl(lib: Any) -> tuple[Any, Any]:
    s = _t(lib, (3, 3))
    return lib.linalg.ldl_factor(s + s.mT)


@pytest.mark.parametrize("call", [
    lambda lib: lib.linalg.ldl_factor(_t(lib, (3,))),
    lambda lib: lib.linalg.ldl_factor(_t(lib, (2, 3))),
    lambda lib: lib.linalg.ldl_factor(lib.ones(2, 2, dtype=lib.int64)),
    lambda lib: lib.linalg.ldl_factor(_t(lib, (2, 2), "float16")),
    lambda lib: lib.linalg.ldl_factor(lib.zeros(2, 3, 3, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_factor_ex(lib.zeros(2, 3, 3, dtype=lib.float64),
                                         check_errors=True),
    lambda lib: lib.linalg.ldl_factor_ex(lib.zeros(3, 3, dtype=lib.float64), check_errors=True),
    lambda lib: lib.linalg.ldl_factor(2.0),
    lambda lib: lib.linalg.ldl_solve(*_ldl(lib), _t(lib, (3,))),
    lambda lib: lib.linalg.ldl_solve(*_ldl(lib), _t(lib, (2, 1))),
    lambda lib: lib.linalg.ldl_solve(*_ldl(lib), _t(lib, (3, 1), "float32")),
    lambda lib: lib.linalg.ldl_solve(_ldl(lib)[0], _ldl(lib)[1][:2], _t(lib, (3, 1))),
    lambda lib: lib.linalg.ldl_solve(_ldl(lib)[0].long(), _ldl(lib)[1], _t(lib, (3, 1)).long()),
    lambda lib: lib.linalg.ldl_solve(_t(lib, (3, 2)), _ldl(lib)[1], _t(lib, (3, 1))),
    lambda lib: lib.linalg.ldl_solve(_t(lib, (3,)), _ldl(lib)[1], _t(lib, (3, 1))),
])
def test_ldl_errors(call: Any) -> None:
    _same_error(call)


def test_ldl_zero_pivots_give_info_as_lapack() -> None:
    for a in ([[0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]],
              [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]):
        ours = symgrad.linalg.ldl_factor_ex(symgrad.tensor(a))
        theirs = torch.linalg.ldl_factor_ex(torch.tensor(a))
        assert ours.info.item() == theirs.info.item()
        assert ours.pivots.tolist() == theirs.pivots.tolist()
        _close(ours.LD, theirs.LD)
