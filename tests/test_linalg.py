"""``symgrad.linalg`` (``torch.linalg``) and the determinants, inverses and solves against
PyTorch 2.13: values, grad_fn names, first and second derivatives, errors for bad input."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.testing.as_torch import as_torch

torch = pytest.importorskip("torch")

# Drawn once, at import, for the parametrize lists (the same in any order); the tests draw from
# their own generator (the ``rng`` fixture). Well-conditioned: random entries plus a dominant
# diagonal.
RNG = np.random.default_rng(20261206)
SQUARE = RNG.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)
BATCH = RNG.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)
RECT = RNG.uniform(-2, 2, (2, 3, 4))
DTYPES = {"float64": (symgrad.float64, torch.float64, 1e-12),
          "float32": (symgrad.float32, torch.float32, 2e-5)}


def _both(array: np.ndarray, dtype: str, requires_grad: bool = True) -> tuple[Any, Any]:
    mine, theirs, _ = DTYPES[dtype]
    a = np.asarray(array, dtype=np.float64)
    return (symgrad.tensor(a, dtype=mine, requires_grad=requires_grad),
            torch.tensor(a, dtype=theirs, requires_grad=requires_grad))


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().to(torch.float64).numpy() if isinstance(t, torch.Tensor)
                      else t.detach().numpy().astype(np.float64))


def _close(mine: Any, theirs: Any, rtol: float) -> None:
    a, b = _np(mine), _np(theirs)
    assert a.shape == b.shape
    scale = max(1.0, float(np.max(np.abs(b), initial=0)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale)


def _name(t: Any) -> str:
    return type(t.grad_fn).__name__


def _parity(fn_mine: Any, fn_theirs: Any, arrays: list[np.ndarray], dtype: str,
            rng: np.random.Generator, second: bool = True, first: bool = True) -> None:
    """Values, grad_fn, gradients of a weighted sum (``first``, the weights drawn from ``rng``)
    and (``second``) the gradient of the gradients' squared sum, against torch."""
    rtol = DTYPES[dtype][2]
    mine = [_both(a, dtype)[0] for a in arrays]
    theirs = [_both(a, dtype)[1] for a in arrays]
    y, ty = fn_mine(*mine), fn_theirs(*theirs)
    _close(y, ty, rtol)
    assert _name(y) == _name(ty)
    if not first:
        return
    w = rng.uniform(0.5, 1.5, tuple(ty.shape))
    g = symgrad.autograd.grad((y * symgrad.tensor(w, dtype=y.dtype)).sum(), mine,
                              create_graph=second)
    tg = torch.autograd.grad((ty * torch.tensor(w, dtype=ty.dtype)).sum(), theirs,
                             create_graph=second)
    for a, b in zip(g, tg, strict=True):
        _close(a, b, rtol)
    if second:
        gg = symgrad.autograd.grad(sum((a * a).sum() for a in g), mine)
        tgg = torch.autograd.grad(sum((b * b).sum() for b in tg), theirs)
        for a, b in zip(gg, tgg, strict=True):
            _close(a, b, 10 * rtol)


def _raises(fn_mine: Any, fn_theirs: Any) -> None:
    """The same exception class name (torch's _LinAlgError is our LinAlgError) and message."""
    with pytest.raises(Exception) as theirs:
        fn_theirs()
    with pytest.raises(Exception) as mine:
        fn_mine()
    assert (type(mine.value).__name__.lstrip("_"), str(mine.value)) == (
        type(theirs.value).__name__.lstrip("_"), str(theirs.value))


# -- norms -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("ord", "dim", "keepdim"), [
    (2, None, False), (1, 1, True), (math.inf, (0, 2), False), (-math.inf, -1, False),
    (3.0, (1, 2), True), (0.5, 0, False), (0, None, False)])
def test_vector_norm(dtype: str, ord: float, dim: Any, keepdim: bool,
                     rng: np.random.Generator) -> None:
    _parity(lambda x: symgrad.linalg.vector_norm(x, ord, dim, keepdim),
            lambda x: torch.linalg.vector_norm(x, ord, dim, keepdim), [RECT], dtype, rng,
            # the 0-"norm" has no gradient, the 1- and inf-norms' are constants
            second=ord not in (0, 1, math.inf, -math.inf), first=ord != 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("ord", "dim", "keepdim"), [
    ("fro", (-2, -1), False), (1, (-2, -1), False), (-1, (1, 2), True),
    (math.inf, (2, 0), False), (-math.inf, (0, 1), True), (1, (2, 1), False)])
def test_matrix_norm(dtype: str, ord: Any, dim: Any, keepdim: bool,
                     rng: np.random.Generator) -> None:
    _parity(lambda x: symgrad.linalg.matrix_norm(x, ord, dim, keepdim),
            lambda x: torch.linalg.matrix_norm(x, ord, dim, keepdim), [RECT], dtype, rng,
            second=ord == "fro")


@pytest.mark.parametrize(("shape", "ord", "dim"), [
    ((2, 3, 4), None, None), ((4,), None, None), ((4,), 1, None), ((4,), math.inf, None),
    ((3, 4), None, None), ((3, 4), "fro", None), ((3, 4), 1, None), ((3, 4), -math.inf, None),
    ((2, 3, 4), 1, 2), ((2, 3, 4), None, (0, 2)), ((2, 3, 4), math.inf, (0, 2)),
    ((2, 3, 4), "fro", (1, 2)), ((3, 4), 2, 0)])
def test_norm_dispatches_as_torch(shape: tuple[int, ...], ord: Any, dim: Any,
                                  rng: np.random.Generator) -> None:
    a = rng.uniform(-2, 2, shape)
    _parity(lambda x: symgrad.linalg.norm(x, ord, dim),
            lambda x: torch.linalg.norm(x, ord, dim), [a], "float64", rng, second=False)


def test_norm_graphs_are_torchs() -> None:
    # matrix 1-norm: amax over the columns' vector 1-norms; the cast by dtype= a ToCopy node
    x, tx = _both(SQUARE, "float32")
    for fn in (lambda m, a: m.linalg.matrix_norm(a, 1, dtype=m.float64),
               lambda m, a: m.linalg.norm(a, -math.inf)):
        y, ty = fn(symgrad, x), fn(torch, tx)
        names = [_name(y), type(y.grad_fn.next_functions[0][0]).__name__]
        assert names == [_name(ty), type(ty.grad_fn.next_functions[0][0]).__name__]
        assert y.dtype.name == str(ty.dtype)[len("torch."):]


def test_norm_gradient_at_zero_and_without_overflow() -> None:
    z, tz = _both(np.zeros(3), "float64")
    for m, a in ((symgrad, z), (torch, tz)):
        m.linalg.norm(a).backward()
    assert z.grad.tolist() == tz.grad.tolist() == [0.0, 0.0, 0.0]
    zm, tzm = _both(np.zeros((2, 2)), "float64")
    for m, a in ((symgrad, zm), (torch, tzm)):
        m.linalg.matrix_norm(a).backward()
    assert zm.grad.tolist() == tzm.grad.tolist()
    # PyTorch 2.13 gives inf here (its squares overflow); the norm is 1.4142e200
    big = symgrad.tensor([1e200, 1e200], dtype=symgrad.float64, requires_grad=True)
    y = symgrad.linalg.vector_norm(big)
    y.backward()
    assert y.item() == pytest.approx(math.sqrt(2) * 1e200, rel=1e-15)
    assert big.grad.tolist() == pytest.approx([1 / math.sqrt(2)] * 2, rel=1e-15)


def test_empty_matrix_norms() -> None:
    for shape, ord in (((0, 3), -1), ((0, 3), 1), ((3, 0), 1), ((3, 0), math.inf)):
        mine = symgrad.linalg.matrix_norm(symgrad.zeros(*shape), ord)
        assert mine.tolist() == torch.linalg.matrix_norm(torch.zeros(*shape), ord).tolist()
    _raises(lambda: symgrad.linalg.matrix_norm(symgrad.zeros(3, 0), -1),
            lambda: torch.linalg.matrix_norm(torch.zeros(3, 0), -1))


@pytest.mark.parametrize(("shape", "call"), [
    ((), lambda m, x: m.norm(x, math.inf, 0)),  # symgrad: "tuple index out of range"
    ((), lambda m, x: m.norm(x, math.inf, (0, -1))),
    ((), lambda m, x: m.linalg.vector_norm(x, 1, -1, True)),
    ((2, 3), lambda m, x: m.norm(x, 2, ())),  # every dim, as linalg.vector_norm's
    ((2, 3), lambda m, x: m.norm(x, 1, (), True)),
    ((2, 3), lambda m, x: x.norm("fro", ())),
    ((0, 3), lambda m, x: m.norm(x, math.inf, ())),
    ((2, 3, 4), lambda m, x: m.norm(x, "fro", (0, 1, 2))),  # matrix_norm's error
    ((2, 3, 4), lambda m, x: m.norm(x, "nuc", ())),
    ((3, 0), lambda m, x: m.linalg.matrix_norm(x, 2)),  # zeros outside the graph
    ((3, 0), lambda m, x: m.linalg.matrix_norm(x, 1, keepdim=True)),
    ((0, 3), lambda m, x: m.linalg.norm(x, math.inf)),
])
def test_norm_dims_and_empty_inputs_as_torchs(shape: tuple[int, ...], call: Any) -> None:
    """dim=() (every dim), a 0-dim input's dims, "fro" over three dims and the largest of no
    sums or singular values (a tensor of zeros without grad_fn): results and errors."""
    seen = []
    for m in (symgrad, torch):
        x = m.arange(math.prod(shape), dtype=m.float64).reshape(shape).sub(2.5)
        x.requires_grad_()
        try:
            y = call(m, x)
        except Exception as e:  # noqa: BLE001 - the class and message are compared
            seen.append((type(e).__name__, str(e)))
            continue
        node = None if y.grad_fn is None else type(y.grad_fn).__name__
        grad = m.autograd.grad(y.sum(), x)[0] if y.requires_grad else None
        rounded = [None if t is None else np.round(np.asarray(t.detach().numpy()), 12).tolist()
                   for t in (y, grad)]
        seen.append((tuple(y.shape), y.requires_grad, node, *rounded))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("call", [
    lambda m, x: m.linalg.norm(x[0, 0], "fro"),
    lambda m, x: m.linalg.norm(x, 2),
    lambda m, x: m.linalg.norm(x, None, (0, 1, 2)),
    lambda m, x: m.linalg.norm(x, "fro", 1),
    lambda m, x: m.linalg.norm(x[0, 0].long()),
    lambda m, x: m.linalg.norm(x[0].long(), 1),
    lambda m, x: m.linalg.matrix_norm(x[0, 0]),
    lambda m, x: m.linalg.matrix_norm(x, 3),
    lambda m, x: m.linalg.matrix_norm(x, 3.5),
    lambda m, x: m.linalg.matrix_norm(x, 0),
    lambda m, x: m.linalg.matrix_norm(x, "abc"),
    lambda m, x: m.linalg.matrix_norm(x, dim=(0, 0)),
    lambda m, x: m.linalg.matrix_norm(x, dim=(-3, 0)),
    lambda m, x: m.linalg.matrix_norm(x, dim=(0, 1, 2)),
    lambda m, x: m.linalg.matrix_norm(x, dim=(5, 1)),
    lambda m, x: m.linalg.matrix_norm(x, 1, dtype=m.float32),
    lambda m, x: m.linalg.matrix_norm(x.long()),
    lambda m, x: m.linalg.vector_norm(x, ord="fro"),
    lambda m, x: m.linalg.vector_norm(x, dtype=m.float32),
    lambda m, x: m.linalg.vector_norm(x, dtype=m.int64),
    lambda m, x: m.linalg.vector_norm(x.long(), dtype=m.float64),
    lambda m, x: m.linalg.vector_norm(x.half(), dtype=m.bfloat16),
])
def test_norm_errors_are_torchs(call: Any) -> None:
    x, tx = _both(RECT, "float64", requires_grad=False)
    _raises(lambda: call(symgrad, x), lambda: call(torch, tx))


def test_matrix_norms_from_singular_values() -> None:
    # (helper linalg2: tests/test_linalg_extra.py compares their graphs and gradients)
    for ord in (2, -2, "nuc"):
        mine = symgrad.linalg.matrix_norm(symgrad.tensor(SQUARE), ord)
        theirs = torch.linalg.matrix_norm(torch.tensor(SQUARE), ord)
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_norms(dtype: str) -> None:
    a = np.array([[1.0, -2.0], [3.0, 4.5]])
    for call in (lambda m, x: m.linalg.matrix_norm(x, 1), lambda m, x: m.linalg.norm(x),
                 lambda m, x: m.linalg.matrix_norm(x, -math.inf)):
        mine = call(symgrad, symgrad.tensor(a, dtype=getattr(symgrad, dtype)))
        theirs = call(torch, torch.tensor(a, dtype=getattr(torch, dtype)))
        assert (mine.item(), mine.dtype.name) == (theirs.item(), dtype)


# -- determinants, inverses, solves --------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("array", [SQUARE, BATCH, SQUARE[:1, :1]], ids=["3x3", "batch", "1x1"])
@pytest.mark.parametrize("name", ["det", "inverse", "logdet", "slogdet", "linalg.det",
                                  "linalg.inv", "linalg.slogdet"])
def test_determinants_and_inverses(dtype: str, array: np.ndarray, name: str,
                                   rng: np.random.Generator) -> None:
    def call(m: Any) -> Any:
        fn = m.linalg if name.startswith("linalg.") else m
        f = getattr(fn, name.rpartition(".")[2])
        if "slogdet" in name:
            return lambda a: f(a).logabsdet
        return f

    # a 1 x 1 determinant's gradient is the constant 1: torch refuses its second derivative
    _parity(call(symgrad), call(torch), [array], dtype, rng,
            second=array.shape[-1] > 1 or "det" not in name or "slog" in name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("a", "b", "left"), [
    (SQUARE, RNG.uniform(-1, 1, (3, 2)), True),
    (SQUARE, RNG.uniform(-1, 1, (3,)), True),
    (BATCH, RNG.uniform(-1, 1, (3,)), True),
    (BATCH, RNG.uniform(-1, 1, (2, 3)), True),
    (BATCH, RNG.uniform(-1, 1, (3, 1)), True),
    (SQUARE, RNG.uniform(-1, 1, (4, 2, 3, 2)), True),
    (SQUARE, RNG.uniform(-1, 1, (2, 3)), False),
    (BATCH, RNG.uniform(-1, 1, (4, 3)), False)])
def test_solve(dtype: str, a: np.ndarray, b: np.ndarray, left: bool,
               rng: np.random.Generator) -> None:
    _parity(lambda x, y: symgrad.linalg.solve(x, y, left=left),
            lambda x, y: torch.linalg.solve(x, y, left=left), [a, b], dtype, rng)


def test_slogdet_and_logdet_values_and_types() -> None:
    a = np.array([[0.0, 2.0], [3.0, 0.0]])
    for m, kind in ((symgrad, "slogdet"), (symgrad.linalg, "linalg_slogdet")):
        result = m.slogdet(symgrad.tensor(a))
        theirs = (torch if m is symgrad else torch.linalg).slogdet(torch.tensor(a))
        assert type(result).__name__ == type(theirs).__name__ == kind
        assert result.sign.item() == theirs.sign.item() == -1
        assert result.logabsdet.item() == pytest.approx(theirs.logabsdet.item(), rel=1e-15)
    for rows in ([[0.0, 2.0], [3.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]]):  # nan, -inf
        y = symgrad.logdet(symgrad.tensor(rows))
        ty = torch.logdet(torch.tensor(rows))
        assert str(y.item()) == str(ty.item())
    assert _name(symgrad.logdet(symgrad.tensor(a, requires_grad=True))) == "WhereBackward0"


def test_det_at_singular_matrices() -> None:
    # PyTorch 2.13's gradient is the cofactor matrix under create_graph=True and zeros without
    # it; the mathematics' (and symgrad's, both ways) is the cofactor matrix: for [[1, 2],
    # [2, 4]], [[4, -2], [-2, 1]]
    for rows in ([[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
                 [[0.0, 0.0], [0.0, 1.0]]):
        x, tx = _both(np.array(rows), "float64")
        (g,) = symgrad.autograd.grad(symgrad.det(x), x)
        (tg,) = torch.autograd.grad(torch.det(tx), tx, create_graph=True)
        assert symgrad.det(x).item() == 0
        np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), atol=1e-12)
    z = symgrad.zeros(3, 3, dtype=symgrad.float64, requires_grad=True)
    symgrad.det(z).backward()
    assert z.grad.tolist() == [[0.0] * 3] * 3


def _bareiss_det(rows: list[list[int]]) -> int:
    """The exact determinant of an integer matrix (Bareiss' fraction-free elimination)."""
    m = [list(r) for r in rows]
    n, sign, previous = len(m), 1, 1
    for k in range(n - 1):
        if m[k][k] == 0:
            swap = next((i for i in range(k + 1, n) if m[i][k]), None)
            if swap is None:
                return 0
            m[k], m[swap], sign = m[swap], m[k], -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                m[i][j] = (m[i][j] * m[k][k] - m[i][k] * m[k][j]) // previous
        previous = m[k][k]
    return sign * m[-1][-1]


@pytest.mark.parametrize("n", [33, 70, 130])
def test_determinants_past_one_panel(n: int) -> None:
    # Past 32 columns the LU that det and (at a non-finite entry) slogdet read is blocked, as
    # LAPACK's: the rows below a panel are brought up to date by one product per panel. The
    # exact determinant of an integer matrix (Bareiss) against det, slogdet, and LU's row
    # swaps through the sign; a batch holds the matrix, its negation (the sign of an odd n
    # changes) and a copy with a repeated row (0: getrf's zero pivot past the first panel).
    rng = np.random.default_rng(n)
    rows = rng.integers(-9, 10, (n, n))
    exact = _bareiss_det(rows.tolist())
    singular = rows.copy()
    singular[n - 1] = singular[40 % n]
    a = symgrad.tensor(np.stack([rows, -rows, singular]).astype(np.float64))
    det = symgrad.det(a).numpy()
    expected = np.array([exact, (-1) ** n * exact, 0], dtype=float)
    np.testing.assert_allclose(det[:2], expected[:2], rtol=1e-11)
    assert abs(det[2]) < 1e-9 * abs(det[0])
    sign, logabsdet = symgrad.linalg.slogdet(a[:2])
    assert sign.tolist() == np.sign(expected[:2]).tolist()
    log_exact = math.log(abs(exact))
    np.testing.assert_allclose(logabsdet.numpy(), [log_exact, log_exact], rtol=1e-13)
    # A NaN elsewhere in the batch sends slogdet through symgrad's own LU for all of it.
    with_nan = np.stack([rows, np.full((n, n), np.nan)]).astype(np.float64)
    sign, logabsdet = symgrad.linalg.slogdet(symgrad.tensor(with_nan))
    assert sign[0].item() == np.sign(exact)
    assert logabsdet[0].item() == pytest.approx(log_exact, rel=1e-13)
    assert math.isnan(logabsdet[1].item())


# Singular matrices, and batches that hold one beside nonsingular ones.
SINGULAR = [[[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]],
            [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, -1.0]],
            [[0.0, 1.0, 2.0], [0.0, 3.0, 1.0], [0.0, -1.0, 4.0]],
            [[[2.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]]],
            [[[0.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]], [[3.0, 6.0], [1.0, 2.0]]]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows", SINGULAR, ids=str)
@pytest.mark.parametrize("name", ["logdet", "slogdet", "linalg.slogdet"])
def test_log_determinant_gradients_at_singular_matrices(dtype: str, rows: list[Any],
                                                        name: str) -> None:
    # log |det A| is -inf at a singular A, with no derivative there: PyTorch's gradient is its
    # solve of A^T X = diag(g), inf and NaN from the zero pivot's divisions, where symgrad's
    # inverse of A raised LinAlgError (the fuzzer, seed 55). The nonsingular matrices of a
    # batch keep their gradient, inv(A)^T.
    def value(m: Any, a: Any) -> Any:
        f = getattr(m.linalg if name.startswith("linalg.") else m, name.rpartition(".")[2])
        return f(a) if name == "logdet" else f(a).logabsdet

    x, tx = _both(np.array(rows), dtype)
    y, ty = value(symgrad, x), value(torch, tx)
    np.testing.assert_allclose(_np(y), _np(ty), rtol=DTYPES[dtype][2])
    weights = np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape))
    (y * symgrad.tensor(weights, dtype=y.dtype)).sum().backward()
    (ty * torch.tensor(weights, dtype=ty.dtype)).sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(tx.grad), rtol=DTYPES[dtype][2], atol=1e-12)


def test_log_determinant_second_derivative_beside_a_singular_matrix() -> None:
    # The batch's nonsingular matrix keeps its differentiable gradient: its second derivative
    # is PyTorch's for that matrix alone (PyTorch's own second derivative of the batch raises
    # LinAlgError; the singular matrix's gradient is a constant, inf and NaN).
    rows = [[[2.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]]]
    x = symgrad.tensor(rows, dtype=symgrad.float64, requires_grad=True)
    tx = torch.tensor(rows[0], dtype=torch.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.logdet(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(torch.logdet(tx), tx, create_graph=True)
    (gg,) = symgrad.autograd.grad((g[0] ** 2).sum(), x)
    (tgg,) = torch.autograd.grad((tg ** 2).sum(), tx)
    np.testing.assert_allclose(_np(gg[0]), _np(tgg), rtol=1e-12, atol=1e-12)
    assert _np(gg[1]).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_inverse_of_a_singular_matrix_raises_torchs_error() -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    cases = [lambda m, a: m.linalg.inv(a), lambda m, a: m.inverse(a),
             lambda m, a: m.linalg.inv(a.new_zeros((3, 3)) if m is torch else symgrad.zeros(3, 3)),
             lambda m, a: m.linalg.inv(m.stack([a * 0 + m.eye(2, dtype=a.dtype), a])),
             lambda m, a: m.linalg.solve(a, a[:, :1]),
             lambda m, a: m.linalg.solve(m.stack([a * 0 + m.eye(2, dtype=a.dtype), a]), a[0])]
    for call in cases:
        _raises(lambda call=call: call(symgrad, symgrad.tensor(singular)),
                lambda call=call: call(torch, torch.tensor(singular)))
    with pytest.raises(RuntimeError):  # LinAlgError is a RuntimeError, as torch's
        symgrad.linalg.inv(symgrad.tensor(singular))
    info = symgrad.linalg.inv_ex(symgrad.tensor(singular)).info
    assert info.item() == torch.linalg.inv_ex(torch.tensor(singular)).info.item() == 2


@pytest.mark.parametrize("name", ["linalg.det", "det", "linalg.inv", "inverse",
                                  "linalg.slogdet", "slogdet", "logdet"])
@pytest.mark.parametrize("bad", ["2x3", "vector", "float16", "bfloat16", "int64", "int32",
                                 "bool"])
def test_square_matrix_errors(name: str, bad: str) -> None:
    def call(m: Any) -> Any:
        fn = getattr(m.linalg if name.startswith("linalg.") else m, name.rpartition(".")[2])
        if bad == "2x3":
            return lambda: fn(m.ones(2, 3))
        if bad == "vector":
            return lambda: fn(m.ones(3))
        return lambda: fn(m.eye(2, dtype=getattr(m, bad)))

    _raises(call(symgrad), call(torch))


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2, 1)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.float64), m.ones(3, 1, dtype=m.float64)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.float64), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.float64), m.ones(2, 1)),
    lambda m: m.linalg.solve(m.eye(2), m.ones(2, 1, dtype=m.float64)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.float16), m.ones(2, 1, dtype=m.float16)),
    lambda m: m.linalg.solve(m.eye(2, dtype=m.int64), m.ones(2, 1, dtype=m.int64)),
])
def test_solve_errors(call: Any) -> None:
    _raises(lambda: call(symgrad), lambda: call(torch))


def test_empty_matrices() -> None:
    for shape in ((0, 0), (2, 0, 0)):
        for name in ("det", "inverse", "logdet"):
            mine = getattr(symgrad, name)(symgrad.zeros(*shape, dtype=symgrad.float64))
            theirs = getattr(torch, name)(torch.zeros(*shape, dtype=torch.float64))
            assert mine.tolist() == theirs.tolist()


def test_methods() -> None:
    x, tx = _both(SQUARE, "float64")
    for name in ("det", "inverse", "logdet"):
        _close(getattr(x, name)(), getattr(tx, name)(), 1e-12)
    assert x.slogdet().logabsdet.item() == pytest.approx(tx.slogdet().logabsdet.item())


# -- as torch -------------------------------------------------------------------------------------
def test_torch_linalg_under_as_torch() -> None:
    with as_torch():
        import torch as standin
        import torch.linalg as linalg

        x = standin.tensor([[3.0, 0.0], [4.0, 2.0]], requires_grad=True)
        y = standin.linalg.norm(x) + linalg.det(x) + standin.linalg.solve(x, x[:, 0]).sum()
        y.backward()
        assert linalg is symgrad.linalg
        assert isinstance(y, symgrad.Tensor)
    assert torch.linalg is not symgrad.linalg
    tx = torch.tensor([[3.0, 0.0], [4.0, 2.0]], requires_grad=True)
    ty = torch.linalg.norm(tx) + torch.linalg.det(tx) + torch.linalg.solve(tx, tx[:, 0]).sum()
    ty.backward()
    assert y.item() == pytest.approx(ty.item())
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


# -- cross products, vector dot products, matrix powers -------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("a", "b", "dim"), [
    ((2, 3), (2, 3), -1), ((3, 2), (3, 1), 0), ((2, 1, 3), (1, 4, 3), 2), ((3,), (3,), 0)])
def test_cross(dtype: str, a: tuple[int, ...], b: tuple[int, ...], dim: int,
               rng: np.random.Generator) -> None:
    x, y = rng.uniform(-2, 2, a), rng.uniform(-2, 2, b)
    _parity(lambda p, q: symgrad.linalg.cross(p, q, dim=dim),
            lambda p, q: torch.linalg.cross(p, q, dim=dim), [x, y], dtype, rng)
    _parity(lambda p, q: symgrad.cross(p, q, dim), lambda p, q: torch.cross(p, q, dim),
            [x, y], dtype, rng)


def test_cross_without_dim_warns_and_takes_the_first_dim_of_3(rng: np.random.Generator) -> None:
    a, b = rng.uniform(-2, 2, (3, 3)), rng.uniform(-2, 2, (3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        mine = symgrad.cross(symgrad.tensor(a), symgrad.tensor(b))
    with warnings.catch_warnings():  # torch warns once a process
        warnings.simplefilter("ignore")
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    _close(mine, theirs, 1e-12)
    _close(symgrad.tensor(a).cross(symgrad.tensor(b), dim=1),
           torch.tensor(a).cross(torch.tensor(b), dim=1), 1e-12)


@pytest.mark.parametrize("dtype", ["int64", "float16", "bfloat16"])
def test_cross_other_dtypes(dtype: str) -> None:
    a, b = [[1, -2, 3], [4, 0, -1]], [[2, 5, -3], [1, 1, 1]]
    mine = symgrad.linalg.cross(symgrad.tensor(a, dtype=getattr(symgrad, dtype)),
                                symgrad.tensor(b, dtype=getattr(symgrad, dtype)))
    theirs = torch.linalg.cross(torch.tensor(a, dtype=getattr(torch, dtype)),
                                torch.tensor(b, dtype=getattr(torch, dtype)))
    assert mine.tolist() == theirs.tolist() and mine.dtype.name == dtype


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.cross(m.ones(2, 2), m.ones(2, 2)),
    lambda m: m.linalg.cross(m.ones(2, 3), m.ones(2, 3), dim=0),
    lambda m: m.linalg.cross(m.ones(2, 3), m.ones(3)),
    lambda m: m.linalg.cross(m.ones(2, 3), m.ones(2, 3), dim=5),
    lambda m: m.linalg.cross(m.ones(2, 3, dtype=m.float64), m.ones(2, 3)),
    lambda m: m.linalg.cross(m.ones(2, 3, dtype=m.bool), m.ones(2, 3, dtype=m.bool)),
])
def test_cross_errors(call: Any) -> None:
    _raises(lambda: call(symgrad), lambda: call(torch))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("a", "b", "dim"), [((2, 3), (2, 3), -1), ((2, 3), (3,), -1),
                                             ((4, 1, 3), (2, 3), 0), ((2, 3), (2, 3), 0)])
def test_vecdot(dtype: str, a: tuple[int, ...], b: tuple[int, ...], dim: int,
                rng: np.random.Generator) -> None:
    x, y = rng.uniform(-2, 2, a), rng.uniform(-2, 2, b)
    _parity(lambda p, q: symgrad.linalg.vecdot(p, q, dim=dim),
            lambda p, q: torch.linalg.vecdot(p, q, dim=dim), [x, y], dtype, rng)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.vecdot(m.ones(2, 3, dtype=m.float64), m.ones(2, 3)),
    lambda m: m.linalg.vecdot(m.ones(2, 3, dtype=m.int64), m.ones(2, 3, dtype=m.int64)),
    lambda m: m.linalg.vecdot(m.ones(2, 3, dtype=m.bool), m.ones(2, 3, dtype=m.bool)),
    lambda m: m.linalg.vecdot(m.ones(2, 3), m.ones(2, 2)),
])
def test_vecdot_errors(call: Any) -> None:
    _raises(lambda: call(symgrad), lambda: call(torch))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 6, -1, -2, -3])
@pytest.mark.parametrize("array", [SQUARE / 2, BATCH / 2], ids=["3x3", "batch"])
def test_matrix_power(dtype: str, n: int, array: np.ndarray, rng: np.random.Generator) -> None:
    def call(m: Any) -> Any:
        return lambda a: m.linalg.matrix_power(a, n)

    # the identity's gradient is 0, and A's (power 1) the constant 1: torch refuses both
    # second derivatives; so does it the first of power 0 under torch.autograd.grad
    _parity(call(symgrad), call(torch), [array], dtype, rng, second=n not in (0, 1),
            first=n != 0)
    x, tx = _both(array, dtype)
    assert _name(symgrad.matrix_power(x, n)) == _name(tx.matrix_power(n))


def test_matrix_power_of_integers_and_errors() -> None:
    a = [[1, 2], [3, 4]]
    assert (symgrad.linalg.matrix_power(symgrad.tensor(a), 5).tolist()
            == torch.linalg.matrix_power(torch.tensor(a), 5).tolist())
    for call in (lambda m: m.linalg.matrix_power(m.ones(2, 3), 2),
                 lambda m: m.linalg.matrix_power(m.ones(3), 2),
                 lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.int64), -1),
                 lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.float16), -1),
                 lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.bool), 2),
                 lambda m: m.linalg.matrix_power(m.ones(2, 2), 2.0)):
        _raises(lambda call=call: call(symgrad), lambda call=call: call(torch))


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.det(2.5), lambda m: m.linalg.inv(2.5), lambda m: m.linalg.slogdet(2.5),
    lambda m: m.linalg.inv_ex(2.5), lambda m: m.linalg.norm(2.5),
    lambda m: m.linalg.matrix_norm(2.5), lambda m: m.linalg.matrix_power(2.5, 2),
    lambda m: m.linalg.solve(2.5, m.ones(2)), lambda m: m.linalg.cross(2.5, m.ones(3)),
    lambda m: m.det(2.5), lambda m: m.inverse(2.5), lambda m: m.logdet(2.5),
    lambda m: m.matrix_power(2.5, 2),
])
def test_a_number_where_a_matrix_goes(call: Any) -> None:
    _raises(lambda: call(symgrad), lambda: call(torch))
