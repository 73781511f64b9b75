"""Parity of the matrix decompositions (symgrad.ops.decompositions) with PyTorch 2.13: values
(up to the factorizations' sign freedom, compared invariantly where PyTorch leaves it free),
gradients of gauge-invariant functions of the results to first and second order, grad_fn
names, errors and batch dims. Expected values come from torch."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from call_outcomes import conditioned

import symgrad

torch = pytest.importorskip("torch")


def _spd(rng: np.random.Generator, *batch: int, n: int = 3) -> np.ndarray:
    r = rng.standard_normal(batch + (n, n))
    return r @ np.swapaxes(r, -2, -1) + n * np.eye(n)


def _both(x: np.ndarray, dtype: str = "float64") -> tuple[symgrad.Tensor, torch.Tensor]:
    return (symgrad.tensor(x, dtype=getattr(symgrad, dtype), requires_grad=True),
            torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True))


def _np(t: object) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a: object, b: object, rtol: float = 1e-9, atol: float = 1e-10) -> None:
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, equal_nan=True)


def _parity(fn, *arrays: np.ndarray, rng: np.random.Generator | None = None,
            dtype: str = "float64", second: bool = True, name: str | None = None,
            rtol: float = 1e-9) -> None:
    """``fn(lib, *tensors)`` (a scalar loss of the results) in symgrad and torch: the value, the
    gradients, and the gradients of the gradients' weighted sum (``create_graph=True``; the
    weights drawn from ``rng``, which ``second`` needs)."""
    pairs = [_both(a, dtype) for a in arrays]
    ours = fn(symgrad, *[p[0] for p in pairs])
    theirs = fn(torch, *[p[1] for p in pairs])
    atol = 1e-10 if dtype == "float64" else 1e-4
    rtol = rtol if dtype == "float64" else 1e-4
    _close(ours, theirs, rtol, atol)
    g_ours = symgrad.autograd.grad(ours, [p[0] for p in pairs], create_graph=second)
    g_theirs = torch.autograd.grad(theirs, [p[1] for p in pairs], create_graph=second)
    for a, b in zip(g_ours, g_theirs, strict=True):
        _close(a, b, rtol, atol)
    if not second:
        return
    assert rng is not None, "the second order's weights are drawn from rng"
    w = [rng.standard_normal(g.shape) for g in g_theirs]
    s_ours = sum((g * symgrad.tensor(v, dtype=g.dtype)).sum()
                 for g, v in zip(g_ours, w, strict=True))
    s_theirs = sum((g * torch.tensor(v, dtype=g.dtype)).sum()
                   for g, v in zip(g_theirs, w, strict=True))
    gg_ours = symgrad.autograd.grad(s_ours, [p[0] for p in pairs], allow_unused=True)
    gg_theirs = torch.autograd.grad(s_theirs, [p[1] for p in pairs], allow_unused=True)
    for a, b in zip(gg_ours, gg_theirs, strict=True):
        if b is None:
            assert a is None or np.all(_np(a) == 0)
        else:
            _close(a, b, 1e-7 if dtype == "float64" else 1e-3, atol * 10)


def _raises(fn, *arrays: np.ndarray, dtype: str = "float64", **kw: object) -> None:
    """symgrad raises what torch raises (class name and message) on the same call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as expected:
            fn(torch, *[torch.tensor(a, dtype=getattr(torch, dtype)) for a in arrays], **kw)
    with pytest.raises(Exception) as got:
        fn(symgrad, *[symgrad.tensor(a, dtype=getattr(symgrad, dtype)) for a in arrays], **kw)
    assert str(got.value) == str(expected.value)
    want = type(expected.value).__name__
    assert type(got.value).__name__ == ("LinAlgError" if want == "_LinAlgError" else want)


# -- Cholesky -----------------------------------------------------------------------------------
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cholesky_values_and_gradients(upper, dtype, rng):
    a = _spd(rng, 2)
    w = rng.standard_normal((2, 3, 3))

    def loss(lib, x):
        L = lib.linalg.cholesky(x, upper=upper)
        return (L * lib.tensor(w, dtype=L.dtype)).sum()

    _parity(loss, a, rng=rng, dtype=dtype)


def test_cholesky_reads_one_triangle_and_gives_a_symmetric_gradient(rng):
    # A non-symmetric input: the lower triangle read (the upper one for upper=True), and
    # PyTorch's gradient is the symmetric one of the matrix read.
    a = np.array([[4.0, 100.0, -7.0], [2.0, 5.0, 3.0], [1.0, 0.5, 6.0]])
    for upper in (False, True):
        x = a.T.copy() if upper else a
        w = rng.standard_normal((3, 3))

        def loss(lib, t, upper=upper, w=w):
            L = lib.linalg.cholesky(t, upper=upper)
            return (L * lib.tensor(w, dtype=L.dtype)).sum()

        ours = symgrad.tensor(x, dtype=symgrad.float64, requires_grad=True)
        loss(symgrad, ours).backward()
        theirs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        loss(torch, theirs).backward()
        _close(ours.grad, theirs.grad)
        _close(symgrad.linalg.cholesky(symgrad.tensor(x), upper=upper),
               torch.linalg.cholesky(torch.tensor(x, dtype=torch.float32), upper=upper),
               1e-6, 1e-6)


def test_cholesky_reconstruction_and_grad_fn_names(rng):
    a = _spd(rng, n=4)
    _parity(lambda lib, x: (lib.linalg.cholesky(x) @ lib.linalg.cholesky(x).mT
                            - x).square().sum() + lib.linalg.cholesky(x).diagonal().log().sum(),
            a, rng=rng)
    x = symgrad.tensor(a, requires_grad=True)
    assert type(symgrad.linalg.cholesky(x).grad_fn).__name__ == "LinalgCholeskyExBackward0"
    assert type(symgrad.linalg.cholesky_ex(x).L.grad_fn).__name__ == "LinalgCholeskyExBackward0"
    assert type(symgrad.cholesky(x).grad_fn).__name__ == "CholeskyBackward0"
    assert type(x.cholesky(upper=True).grad_fn).__name__ == "CholeskyBackward0"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.cholesky(torch.tensor(a), upper=True)
    _close(symgrad.cholesky(symgrad.tensor(a, dtype=symgrad.float64), upper=True), want)


def test_cholesky_errors():
    not_pd = np.array([[1.0, 2.0], [2.0, 1.0]])
    batch = np.stack([np.eye(2), not_pd])
    _raises(lambda lib, x: lib.linalg.cholesky(x), not_pd)
    _raises(lambda lib, x: lib.linalg.cholesky(x), np.array([[-1.0, 0.0], [0.0, 1.0]]))
    _raises(lambda lib, x: lib.linalg.cholesky(x), batch)
    _raises(lambda lib, x: lib.cholesky(x), batch)
    _raises(lambda lib, x: lib.linalg.cholesky(x), np.array([[float("nan")]]))
    _raises(lambda lib, x: lib.linalg.cholesky(x, upper=True),
            np.array([[1.0, 5.0], [0.5, 4.0]]))
    _raises(lambda lib, x: lib.linalg.cholesky(x), np.ones((2, 3)))
    _raises(lambda lib, x: lib.linalg.cholesky(x), np.ones(3))
    _raises(lambda lib, x: lib.cholesky(x), np.ones((2, 3)))
    _raises(lambda lib, x: lib.linalg.cholesky_ex(x, check_errors=True), batch)
    _raises(lambda lib, x: lib.linalg.cholesky(x), np.eye(2), dtype="float16")
    _raises(lambda lib, x: lib.linalg.cholesky(x), np.eye(2), dtype="bfloat16")
    _raises(lambda lib, x: lib.linalg.cholesky(x), np.eye(2), dtype="int64")


def test_cholesky_ex_info_and_what_lapack_leaves():
    batch = np.stack([np.eye(2) * 4, [[1.0, 2.0], [2.0, 1.0]], [[-1.0, 0.0], [0.0, 1.0]]])
    ours = symgrad.linalg.cholesky_ex(symgrad.tensor(batch))
    theirs = torch.linalg.cholesky_ex(torch.tensor(batch, dtype=torch.float32))
    _close(ours.L, theirs.L)
    assert ours.info.tolist() == theirs.info.tolist() == [0, 2, 1]
    assert ours.info.dtype is symgrad.int32
    empty = symgrad.linalg.cholesky(symgrad.zeros(0, 0))
    assert tuple(empty.shape) == (0, 0)


# -- triangular solves ----------------------------------------------------------------------------
def _triangle(a: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """The triangle of ``a`` a triangular solve reads (its diagonal ones when ``unit``)."""
    t = np.triu(a) if upper else np.tril(a)
    return np.where(np.eye(a.shape[-1], dtype=bool), 1.0, t) if unit else t


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular(upper, left, unitriangular, rng):
    # both triangles filled: one is read, and that one (with its unit diagonal) is solved with
    a = conditioned(lambda: rng.standard_normal((2, 3, 3)) + 3 * np.eye(3),
                    matrix=lambda t: _triangle(t, upper, unitriangular))
    b = rng.standard_normal((4, 1, 3, 2) if left else (4, 1, 2, 3))  # broadcast batch dims
    w = rng.standard_normal((4, 2, 3, 2) if left else (4, 2, 2, 3))

    def loss(lib, x, y):
        out = lib.linalg.solve_triangular(x, y, upper=upper, left=left,
                                          unitriangular=unitriangular)
        return (out * lib.tensor(w, dtype=out.dtype)).sum()

    _parity(loss, a, b, rng=rng)
    x, y = _both(a)[0], _both(b)[0]
    out = symgrad.linalg.solve_triangular(x, y, upper=upper, left=left)
    assert type(out.grad_fn).__name__ == "LinalgSolveTriangularBackward0"


def test_solve_triangular_zero_diagonal_gives_inf_not_an_error():
    a = np.array([[0.0, 1.0], [0.0, 2.0]])
    b = np.ones((2, 1))
    got = symgrad.linalg.solve_triangular(symgrad.tensor(a), symgrad.tensor(b), upper=True)
    want = torch.linalg.solve_triangular(torch.tensor(a, dtype=torch.float32),
                                         torch.tensor(b, dtype=torch.float32), upper=True)
    _close(got, want)


def test_solve_triangular_errors():
    def st(lib, a, b, **kw):
        return lib.linalg.solve_triangular(a, b, upper=True, **kw)

    _raises(st, np.ones((2, 3)), np.ones((3, 2)))
    _raises(st, np.eye(3), np.ones((2, 2)))
    _raises(st, np.eye(3), np.ones(3))
    _raises(st, np.eye(3), np.ones((3, 2)), left=False)
    _raises(st, np.eye(2), np.ones((2, 2)), dtype="float16")
    _raises(st, np.eye(2), np.ones((2, 2)), dtype="int64")


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve(upper, transpose, rng):
    a = conditioned(lambda: rng.standard_normal((3, 3)) + 3 * np.eye(3),
                    matrix=lambda t: _triangle(t, upper, False))
    b = rng.standard_normal((3, 2))
    w = rng.standard_normal((3, 2))

    def loss(lib, y, x):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = lib.triangular_solve(y, x, upper=upper, transpose=transpose)
        return (out.solution * lib.tensor(w, dtype=x.dtype)).sum()

    _parity(loss, b, a, rng=rng)
    out = symgrad.triangular_solve(_both(b)[0], _both(a)[0], upper=upper, transpose=transpose)
    assert type(out.solution.grad_fn).__name__ == "TriangularSolveBackward0"
    _close(out.cloned_coefficient, a)
    _raises(lambda lib, y, x: lib.triangular_solve(y, x), np.ones((2, 2)), np.eye(3))
    _raises(lambda lib, y, x: lib.triangular_solve(y, x), np.ones((3, 2)), np.ones((2, 3)))


# -- solves and inverses from a Cholesky factor -------------------------------------------------
def _read(f: Any, upper: bool) -> Any:
    """The factor's triangle that cholesky_solve and cholesky_inverse read, given to both
    libraries: PyTorch's own gradient is not masked to it
    (test_factor_gradient_is_zero_on_the_unread_triangle), the gradient of its tril/triu is."""
    return f.triu() if upper else f.tril()


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve(upper, rng):
    low = np.linalg.cholesky(_spd(rng, 2))
    factor = np.swapaxes(low, -2, -1) if upper else low
    b = rng.standard_normal((3, 1, 3, 2))
    w = rng.standard_normal((3, 2, 3, 2))

    def loss(lib, y, f):
        out = lib.cholesky_solve(y, _read(f, upper), upper=upper)
        return (out * lib.tensor(w, dtype=out.dtype)).sum()

    _parity(loss, b, factor, rng=rng)
    _parity(loss, b, factor, dtype="float32", second=False)
    out = symgrad.cholesky_solve(_both(b)[0], _both(factor)[0], upper=upper)
    assert type(out.grad_fn).__name__ == "CholeskySolveBackward0"


def test_cholesky_solve_errors():
    _raises(lambda lib, y, f: lib.cholesky_solve(y, f), np.ones((3, 2)), np.ones((2, 3)))
    _raises(lambda lib, y, f: lib.cholesky_solve(y, f), np.ones((2, 2)), np.eye(3))
    _raises(lambda lib, y, f: lib.cholesky_solve(y, f), np.ones(3), np.eye(3))
    _raises(lambda lib, y, f: lib.cholesky_solve(y, f), np.ones((2, 2)), np.eye(2),
            dtype="int64")


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse(upper, rng):
    low = np.linalg.cholesky(_spd(rng, 2))
    factor = np.swapaxes(low, -2, -1) if upper else low
    w = rng.standard_normal((2, 3, 3))

    def loss(lib, f):
        out = lib.cholesky_inverse(_read(f, upper), upper=upper)
        return (out * lib.tensor(w, dtype=out.dtype)).sum()

    _parity(loss, factor, rng=rng)
    out = symgrad.cholesky_inverse(_both(factor)[0], upper=upper)
    assert type(out.grad_fn).__name__ == "CholeskyInverseBackward0"
    _raises(lambda lib, f: lib.cholesky_inverse(f), np.zeros((2, 2)))
    _raises(lambda lib, f: lib.cholesky_inverse(f), np.ones((2, 3)))
    _raises(lambda lib, f: lib.cholesky_inverse(f), np.ones(3))
    _raises(lambda lib, f: lib.cholesky_inverse(f), np.eye(2), dtype="bfloat16")


def _central(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a float64 NumPy function of ``x``, element by element."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def _factor_losses(b: np.ndarray, w_solve: np.ndarray, w_inverse: np.ndarray, upper: bool
                   ) -> dict[str, tuple[Any, Any]]:
    """Per function, the loss of a factor in a library, and the same loss in NumPy from the
    read triangle alone (``L L^T``, ``U^T U`` for ``upper``), for finite differences."""
    def gram(f: np.ndarray) -> np.ndarray:
        t = np.triu(f) if upper else np.tril(f)
        return t.T @ t if upper else t @ t.T

    def weighted(lib: Any, out: Any, w: np.ndarray) -> Any:
        return (out * lib.tensor(w, dtype=out.dtype)).sum()

    return {
        "cholesky_solve": (
            lambda lib, f: weighted(lib, lib.cholesky_solve(lib.tensor(b, dtype=f.dtype), f,
                                                            upper=upper), w_solve),
            lambda f: float(np.sum(np.linalg.solve(gram(f), b) * w_solve))),
        "cholesky_inverse": (
            lambda lib, f: weighted(lib, lib.cholesky_inverse(f, upper=upper), w_inverse),
            lambda f: float(np.sum(np.linalg.inv(gram(f)) * w_inverse))),
    }


@pytest.mark.parametrize("triangular", [True, False], ids=["triangular", "not-triangular"])
@pytest.mark.parametrize("upper", [False, True])
def test_factor_gradient_is_zero_on_the_unread_triangle(upper, triangular, rng):
    # DELIBERATE (tests/test_torch_parity.py): cholesky_solve and cholesky_inverse read one
    # triangle of the factor, so the derivative on the other is 0 (finite differences give
    # exactly 0: nothing reads it). PyTorch's gradient multiplies by the whole factor, unmasked:
    # nonzero on the unread triangle, and for a factor that is not triangular wrong on the read
    # one too. symgrad's is 0 on the unread triangle and the derivative on the read one, which
    # for a triangular factor is PyTorch's.
    low = np.linalg.cholesky(_spd(rng, n=3))
    factor = low.T.copy() if upper else low.copy()
    read = np.triu(np.ones((3, 3), bool)) if upper else np.tril(np.ones((3, 3), bool))
    if not triangular:
        factor[~read] = [0.75, -1.5, 2.25]
    losses = _factor_losses(rng.standard_normal((3, 2)), rng.standard_normal((3, 2)),
                            rng.standard_normal((3, 3)), upper)
    for name, (loss, exact) in losses.items():
        s, t = _both(factor)
        (ours,) = symgrad.autograd.grad(loss(symgrad, s), [s])
        (theirs,) = torch.autograd.grad(loss(torch, t), [t])
        ours, theirs, fd = _np(ours), _np(theirs), _central(exact, factor)
        assert np.all(fd[~read] == 0) and np.all(ours[~read] == 0), name
        assert np.min(np.abs(theirs[~read])) > 1e-3, name  # PyTorch's
        np.testing.assert_allclose(ours[read], fd[read], rtol=1e-6, atol=1e-7, err_msg=name)
        if triangular:
            _close(ours[read], theirs[read])
        else:  # PyTorch's read triangle holds the unread one's values
            assert np.max(np.abs(theirs[read] - fd[read])) > 1e-2, name


@pytest.mark.parametrize("upper", [False, True])
def test_factors_from_cholesky_give_pytorchs_gradients(upper, rng):
    # cholesky's backward reads one triangle of its factor's gradient (tril(L^T gL)), so the 0
    # on the unread triangle changes nothing through it: first and second order are PyTorch's.
    a, b = _spd(rng, 2), rng.standard_normal((2, 3, 2))
    w_solve, w_inverse = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 3))

    def solve(lib, x, y):
        out = lib.cholesky_solve(y, lib.linalg.cholesky(x, upper=upper), upper=upper)
        return (out * lib.tensor(w_solve, dtype=out.dtype)).sum()

    def inverse(lib, x):
        out = lib.cholesky_inverse(lib.linalg.cholesky(x, upper=upper), upper=upper)
        return (out * lib.tensor(w_inverse, dtype=out.dtype)).sum()

    _parity(solve, a, b, rng=rng)
    _parity(inverse, a, rng=rng)


def test_cholesky_samples_draw_positive_definite_matrices():
    # The judge's samples of cholesky are drawn (oracle/samples.py): at their seeds the
    # symmetric parts are positive-definite, in every dtype the op runs in.
    from oracle.engines.symgrad_samples import make_samples

    for d in ("float32", "float64"):
        for s in make_samples("cholesky", d):
            a = s.arrays["self"].astype(np.float64)
            assert np.linalg.eigvalsh((a + np.swapaxes(a, -2, -1)) / 2).min() > 0.1, s.id


def test_non_symmetric_and_non_triangular_inputs_read_one_triangle(rng):
    # PyTorch reads one triangle: symgrad's cholesky op reads the symmetric part of what the
    # public function gives it (the other triangle mirrored in), so values and the symmetric
    # gradient are PyTorch's. cholesky_solve and cholesky_inverse read one triangle of the
    # factor too (values, PyTorch's); their gradients are not PyTorch's
    # (test_factor_gradient_is_zero_on_the_unread_triangle).
    a = np.array([[4.0, 9.0], [1.0, 5.0]])
    factor = np.array([[2.0, 7.0], [1.0, 3.0]])
    b = np.array([[1.0], [2.0]])
    for upper in (False, True):
        x = a.T.copy() if upper else a
        _parity(lambda lib, x, u=upper: (lib.linalg.cholesky(x, upper=u)
                                         * lib.tensor([[1.0, 2.0], [3.0, 4.0]],
                                                      dtype=x.dtype)).sum(), x, rng=rng)
        f = factor.T.copy() if upper else factor
        _close(symgrad.cholesky_solve(symgrad.tensor(b), symgrad.tensor(f), upper=upper),
               torch.cholesky_solve(torch.tensor(b, dtype=torch.float32),
                                    torch.tensor(f, dtype=torch.float32), upper=upper),
               1e-6, 1e-6)
        _close(symgrad.cholesky_inverse(symgrad.tensor(f), upper=upper),
               torch.cholesky_inverse(torch.tensor(f, dtype=torch.float32), upper=upper),
               1e-6, 1e-6)


# -- eigenvalues and eigenvectors of symmetric matrices ----------------------------------------
def _sym(rng: np.random.Generator, *batch: int, n: int = 3) -> np.ndarray:
    r = rng.standard_normal(batch + (n, n))
    return r + np.swapaxes(r, -2, -1)


@pytest.mark.parametrize("UPLO", ["L", "U"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_eigvalsh_and_eigh(UPLO, dtype, rng):
    # eigenvalues apart: the eigenvectors' derivatives divide by their gaps (|eigenvalues| apart,
    # the singular values of a symmetric matrix, keeps the eigenvalues at least as far apart)
    a = conditioned(lambda: _sym(rng, 2), max_cond=np.inf, min_gap=0.1)
    w = rng.standard_normal((2, 3))
    wm = rng.standard_normal((2, 3, 3))

    def values(lib, x):
        return (lib.linalg.eigvalsh(x, UPLO=UPLO) * lib.tensor(w, dtype=x.dtype)).sum()

    def invariant(lib, x):
        # sum of w_k l_k + a function of V invariant under each column's sign
        values, vectors = lib.linalg.eigh(x, UPLO=UPLO)
        return ((values * lib.tensor(w, dtype=x.dtype)).sum()
                + ((vectors * vectors) * lib.tensor(wm, dtype=x.dtype)).sum()
                + (vectors @ (vectors * values.unsqueeze(-2)).mT).square().sum())

    _parity(values, a, rng=rng, dtype=dtype)
    _parity(invariant, a, rng=rng, dtype=dtype, second=dtype == "float64", rtol=1e-7)
    x = symgrad.tensor(a, requires_grad=True)
    out = symgrad.linalg.eigh(x, UPLO=UPLO)
    assert type(out.eigenvalues.grad_fn).__name__ == "LinalgEighBackward0"
    assert type(out.eigenvectors.grad_fn).__name__ == "LinalgEighBackward0"
    assert type(symgrad.linalg.eigvalsh(x).grad_fn).__name__ == "LinalgEighBackward0"


def test_eigh_reads_one_triangle_and_fixes_the_sign():
    a = np.array([[2.0, 7.0, -1.0], [0.5, 1.0, 3.0], [0.25, -2.0, 4.0]])
    for UPLO in ("L", "U"):
        ours = symgrad.linalg.eigh(symgrad.tensor(a, dtype=symgrad.float64), UPLO=UPLO)
        theirs = torch.linalg.eigh(torch.tensor(a), UPLO=UPLO)
        _close(ours.eigenvalues, theirs.eigenvalues)
        v = theirs.eigenvectors
        _close(ours.eigenvectors, v * torch.where(v[-1:] < 0, -1.0, 1.0).double())
        assert (ours.eigenvectors.numpy()[-1] > 0).all()


def test_eigh_repeated_eigenvalues_as_pytorch():
    # Eigenvalue losses are defined at a repeated eigenvalue; any loss of the eigenvectors
    # (even V V^T, which is constant) divides by the zero gap: NaN, as PyTorch.
    for fn in (lambda lib, x: lib.linalg.eigvalsh(x).sum(),
               lambda lib, x: (lib.linalg.eigvalsh(x) * lib.tensor([1.0, 2.0, 3.0],
                                                                  dtype=x.dtype)).sum()):
        _parity(fn, np.diag([1.0, 1.0, 2.0]), second=False)
    for fn in (lambda lib, x: lib.linalg.eigh(x).eigenvectors.abs().sum(),
               lambda lib, x: (lib.linalg.eigh(x).eigenvectors
                               @ lib.linalg.eigh(x).eigenvectors.mT).sum()):
        ours, theirs = _both(np.eye(2))
        fn(symgrad, ours).backward()
        fn(torch, theirs).backward()
        assert np.isnan(theirs.grad.numpy()).all() and np.isnan(ours.grad.numpy()).all()


def test_eigh_errors():
    _raises(lambda lib, x: lib.linalg.eigh(x), np.ones((2, 3)))
    _raises(lambda lib, x: lib.linalg.eigvalsh(x), np.ones((2, 3)))
    _raises(lambda lib, x: lib.linalg.eigh(x), np.ones(3))
    _raises(lambda lib, x: lib.linalg.eigh(x, UPLO="X"), np.eye(2))
    _raises(lambda lib, x: lib.linalg.eigvalsh(x), np.eye(2), dtype="float16")
    _raises(lambda lib, x: lib.linalg.eigh(x), np.eye(2), dtype="int64")
    got = symgrad.linalg.eigvalsh(symgrad.tensor([[2.0, 1.0], [1.0, 2.0]]), UPLO="u")
    assert got.tolist() == [1.0, 3.0]


# -- singular values and vectors ------------------------------------------------------------------
def _svd_loss(full: bool, a: np.ndarray, w: list[np.ndarray]):
    """sum w_s s + <W, U_k S V_k^T> + sum W_u U_k^2 + sum W_v V_k^2: invariant under each
    pair's sign."""
    def loss(lib, x):
        U, S, Vh = lib.linalg.svd(x, full_matrices=full)
        k = S.shape[-1]
        uk, vk = U[..., :, :k], Vh[..., :k, :]
        return ((S * lib.tensor(w[0], dtype=x.dtype)).sum()
                + (((uk * S.unsqueeze(-2)) @ vk) * lib.tensor(a, dtype=x.dtype)).sum()
                + (uk * uk * lib.tensor(w[1], dtype=x.dtype)).sum()
                + (vk * vk * lib.tensor(w[2], dtype=x.dtype)).sum())
    return loss


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 3), (2, 4, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_svd_values_and_invariant_gradients(shape, full, rng):
    # singular values apart and away from 0: the singular vectors' derivatives divide by both
    a = conditioned(lambda: rng.standard_normal(shape), min_gap=0.1)
    m, n = shape[-2:]
    k = min(m, n)
    w = [rng.standard_normal((*shape[:-2], k)), rng.standard_normal((*shape[:-2], m, k)),
         rng.standard_normal((*shape[:-2], k, n))]
    _parity(_svd_loss(full, a, w), a, rng=rng, rtol=1e-8)
    _parity(_svd_loss(full, a, w), a, dtype="float32", second=False)
    _parity(lambda lib, x: (lib.linalg.svdvals(x) * lib.tensor(w[0], dtype=x.dtype)).sum(), a,
            rng=rng)
    x = symgrad.tensor(a, requires_grad=True)
    U, S, Vh = symgrad.linalg.svd(x, full_matrices=full)
    assert {type(t.grad_fn).__name__ for t in (U, S, Vh)} == {"LinalgSvdBackward0"}
    assert tuple(U.shape[-2:]) == ((m, m) if full else (m, k))
    assert tuple(Vh.shape[-2:]) == ((n, n) if full else (k, n))
    theirs = torch.linalg.svd(torch.tensor(a), full_matrices=full)
    sign = torch.where(theirs.Vh[..., :k, -1] < 0, -1.0, 1.0).double()
    _close(U[..., :k].detach().double(), theirs.U[..., :k] * sign.unsqueeze(-2), 1e-5, 1e-5)
    _close(Vh[..., :k, :].detach().double(), theirs.Vh[..., :k, :] * sign.unsqueeze(-1),
           1e-5, 1e-5)


def test_svd_at_repeated_and_zero_singular_values_as_pytorch():
    # svdvals' gradient U V^T is defined at A = 0 and at repeated singular values (the
    # identity, up to the basis, for a gauge-invariant sum); losses of the singular vectors
    # divide by the zero gaps: NaN, as PyTorch.
    for a in (np.zeros((2, 2)), np.eye(3), np.diag([2.0, 2.0, 1.0])):
        _parity(lambda lib, x: lib.linalg.svdvals(x).sum(), a, second=False)
    for fn in (lambda lib, x: (lib.linalg.svd(x).U @ lib.linalg.svd(x).Vh).sum(),
               lambda lib, x: lib.linalg.svd(x).U.abs().sum()):
        ours, theirs = _both(np.eye(2))
        fn(symgrad, ours).backward()
        fn(torch, theirs).backward()
        assert np.isnan(theirs.grad.numpy()).all() and np.isnan(ours.grad.numpy()).all()


def test_torch_svd(rng):
    a = rng.standard_normal((3, 2))
    for some in (True, False):
        ours = symgrad.svd(symgrad.tensor(a, dtype=symgrad.float64), some=some)
        theirs = torch.svd(torch.tensor(a), some=some)
        assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
        _close(ours.S, theirs.S)
        _close((ours.U[:, :2] * ours.S) @ ours.V[:, :2].mT, a)
    no_uv = symgrad.svd(symgrad.tensor(a), compute_uv=False)
    theirs = torch.svd(torch.tensor(a, dtype=torch.float32), compute_uv=False)
    _close(no_uv.U, theirs.U)
    _close(no_uv.V, theirs.V)
    _close(no_uv.S, theirs.S, 1e-6, 1e-6)
    x = symgrad.tensor(a, requires_grad=True)
    assert type(symgrad.svd(x).V.grad_fn).__name__ == "TransposeBackward0"


def test_svd_errors():
    _raises(lambda lib, x: lib.linalg.svd(x), np.ones(3))
    _raises(lambda lib, x: lib.linalg.svdvals(x), np.ones(3))
    _raises(lambda lib, x: lib.linalg.svd(x), np.array([[np.nan, 0.0], [0.0, 1.0]]))
    _raises(lambda lib, x: lib.linalg.svd(x), np.eye(2), dtype="float16")
    _raises(lambda lib, x: lib.linalg.svdvals(x), np.eye(2), dtype="int64")


# -- QR -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 3), (2, 4, 3), (2, 2, 4)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_qr_values_and_gradients(shape, mode, dtype, rng):
    # LAPACK's Householder signs are PyTorch's: Q and R compared as they are, and the
    # gradients of weighted sums of both, and of ||Q R - A||^2 + sum of R's diagonal. The
    # derivative solves with R's leading square block: that of A's leading columns, which
    # is well-conditioned
    m, n = shape[-2:]
    a = conditioned(lambda: rng.standard_normal(shape), matrix=lambda t: t[..., :min(m, n)])
    if mode == "complete" and m > n:
        return
    q_cols = m if mode == "complete" else min(m, n)
    wq = rng.standard_normal((*shape[:-2], m, q_cols))
    wr = rng.standard_normal((*shape[:-2], q_cols, n))

    def loss(lib, x):
        Q, R = lib.linalg.qr(x, mode=mode)
        return ((Q * lib.tensor(wq, dtype=x.dtype)).sum()
                + (R * lib.tensor(wr, dtype=x.dtype)).sum()
                + (Q @ R - x).square().sum() + R.diagonal(0, -2, -1).sum())

    _parity(loss, a, rng=rng, dtype=dtype, second=dtype == "float64", rtol=1e-8)
    x = symgrad.tensor(a, requires_grad=True)
    Q, R = symgrad.linalg.qr(x, mode=mode)
    assert type(Q.grad_fn).__name__ == type(R.grad_fn).__name__ == "LinalgQrBackward0"


def test_qr_mode_r_and_complete_tall_have_no_gradient(rng):
    a = rng.standard_normal((3, 2))
    ours = symgrad.linalg.qr(symgrad.tensor(a, dtype=symgrad.float64), mode="r")
    theirs = torch.linalg.qr(torch.tensor(a), mode="r")
    assert tuple(ours.Q.shape) == tuple(theirs.Q.shape) == (0,)
    _close(ours.R, theirs.R)
    for mode, part in (("r", 1), ("complete", 0), ("complete", 1)):
        with pytest.raises(RuntimeError) as expected:
            torch.linalg.qr(torch.tensor(a, requires_grad=True), mode=mode)[part].sum().backward()
        with pytest.raises(RuntimeError) as got:
            symgrad.linalg.qr(symgrad.tensor(a, requires_grad=True), mode=mode)[part].sum(
                ).backward()
        assert str(got.value) == str(expected.value)


def test_qr_errors():
    _raises(lambda lib, x: lib.linalg.qr(x), np.ones(3))
    _raises(lambda lib, x: lib.linalg.qr(x, mode="x"), np.ones((3, 2)))
    _raises(lambda lib, x: lib.linalg.qr(x), np.eye(2), dtype="float16")
    _raises(lambda lib, x: lib.linalg.qr(x), np.eye(2), dtype="int64")


# -- pseudoinverse and rank ----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 3), (2, 4, 3)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pinv(shape, dtype, rng):
    a = conditioned(lambda: rng.standard_normal(shape))  # its derivative divides by s**2
    w = rng.standard_normal((*shape[:-2], shape[-1], shape[-2]))

    def loss(lib, x):
        p = lib.linalg.pinv(x)
        return (p * lib.tensor(w, dtype=x.dtype)).sum() + (x @ p @ x - x).square().sum()

    _parity(loss, a, rng=rng, dtype=dtype, second=dtype == "float64", rtol=1e-7)
    x = symgrad.tensor(a, requires_grad=True)
    assert type(symgrad.linalg.pinv(x).grad_fn).__name__ == "LinalgPinvBackward0"


def test_pinv_rank_deficient_tolerances_and_hermitian(rng):
    # A rank-1 matrix: the small singular value dropped (default rtol, or atol), and the
    # gradient at constant rank is PyTorch's; hermitian reads the lower triangle.
    low_rank = np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0])
    w = rng.standard_normal((3, 3))
    _parity(lambda lib, x: (lib.linalg.pinv(x) * lib.tensor(w, dtype=x.dtype)).sum(),
            low_rank, second=False, rtol=1e-6)
    a = np.diag([3.0, 1e-3, 2.0])
    for kw in ({"atol": 0.01}, {"rtol": 0.1}, {"atol": 1e-4, "rtol": 0.0}, {"hermitian": True}):
        _close(symgrad.linalg.pinv(symgrad.tensor(a, dtype=symgrad.float64), **kw),
               torch.linalg.pinv(torch.tensor(a), **kw))
    s = np.array([[2.0, 9.0], [1.0, 3.0]])
    _close(symgrad.linalg.pinv(symgrad.tensor(s, dtype=symgrad.float64), hermitian=True),
           torch.linalg.pinv(torch.tensor(s), hermitian=True))
    _raises(lambda lib, x: lib.linalg.pinv(x), np.ones(3))
    _raises(lambda lib, x: lib.linalg.pinv(x), np.ones((2, 3)), dtype="int64")


def test_matrix_rank(rng):
    cases = [np.outer([1.0, 2.0], [2.0, 4.0]), np.ones((2, 3, 3)), np.eye(3), np.zeros((2, 2)),
             np.diag([1.0, 1e-9, 1e-20]), rng.standard_normal((2, 3, 5))]
    for a in cases:
        for dtype in ("float32", "float64"):
            for kw in ({}, {"hermitian": True}, {"atol": 0.5}, {"rtol": 0.5, "atol": 1e-30},
                       {"atol": symgrad.tensor(0.5)}):
                if kw.get("hermitian") and a.shape[-1] != a.shape[-2]:
                    continue
                tkw = {k: torch.tensor(0.5) if isinstance(v, symgrad.Tensor) else v
                       for k, v in kw.items()}
                ours = symgrad.linalg.matrix_rank(symgrad.tensor(a, dtype=getattr(symgrad,
                                                                                  dtype)), **kw)
                theirs = torch.linalg.matrix_rank(torch.tensor(a, dtype=getattr(torch, dtype)),
                                                  **tkw)
                assert ours.tolist() == theirs.tolist(), (a, dtype, kw)
                assert ours.dtype is symgrad.int64
    _raises(lambda lib, x: lib.linalg.matrix_rank(x), np.ones(3))


@pytest.mark.parametrize("shape", [(2, 0), (0, 0), (3, 2, 0), (0, 3)])
def test_svd_of_empty_matrices_is_pytorchs(shape: tuple[int, ...]) -> None:
    """No singular pair to sign: the factors' shapes and values (identities for the full
    ones), and a gradient of zeros, as PyTorch gives them (a NumPy error came out before)."""
    def factors(lib: Any) -> list[Any]:
        x = lib.ones(shape, dtype=lib.float64, requires_grad=True)
        results = (lib.svd(x), lib.linalg.svd(x), lib.linalg.svd(x, full_matrices=False))
        out = [[(tuple(t.shape), t.tolist()) for t in r] for r in results]
        u, s, vh = results[1]
        (grad,) = lib.autograd.grad(u.sum() + s.sum() + vh.sum(), x, allow_unused=True)
        return [*out, tuple(lib.linalg.svdvals(x).shape), None if grad is None else grad.tolist()]

    assert factors(symgrad) == factors(torch)


@pytest.mark.parametrize("written", [0, 1, 2])
@pytest.mark.parametrize("differentiated", [0, 1, 2])
@pytest.mark.parametrize("function", ["linalg.svd", "svd"])
def test_svd_outputs_are_saved_by_one_node_as_pytorchs(written, differentiated, function):
    # PyTorch's one LinalgSvdBackward0 node saves U, S and Vh: a write into any of them before
    # a backward through any of them raises, naming the output written (torch.svd's V is a
    # view of Vh, output 2). symgrad records three nodes, each checking all three outputs.
    outcomes = []
    for lib in (symgrad, torch):
        a = lib.tensor([[2.0, 1.0, 0.5], [0.5, 3.0, -1.0]], dtype=lib.float64,
                       requires_grad=True)
        outs = (lib.linalg.svd(a, full_matrices=False) if function == "linalg.svd"
                else lib.svd(a))
        outs[written].neg_()
        with pytest.raises(RuntimeError) as info:
            outs[differentiated].sum().backward()
        outcomes.append(str(info.value))
    assert outcomes[0] == outcomes[1]


def test_svd_unwritten_singular_values_differentiate_as_pytorchs():
    grads = []
    for lib in (symgrad, torch):
        a = lib.tensor([[2.0, 1.0, 0.5], [0.5, 3.0, -1.0]], dtype=lib.float64,
                       requires_grad=True)
        _, s, _ = lib.linalg.svd(a)
        s.sum().backward()
        grads.append(np.round(a.grad.numpy(), 12).tolist())
    assert grads[0] == grads[1]
