"""Order statistics against PyTorch 2.13: median, nanmedian, kthvalue, mode, quantile,
nanquantile, cummax, cummin, logcumsumexp, aminmax, std_mean and var_mean.

Values, indices (which of tied elements), dtypes, grad_fn names, first and second order
gradients and the errors for bad input are PyTorch's; logcumsumexp's gradient is held to the
mathematics where PyTorch's loses digits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

NAN = math.nan
INF = math.inf
DTYPES = ("float32", "float64")

# lines with ties, NaNs and -0.0 (the second and third rows are tied at every order statistic)
TIED = [[3.0, 1.0, 2.0, 5.0, 2.0, 1.0],
        [2.0, 1.0, 2.0, 1.0, 2.0, 1.0],
        [0.0, -0.0, 0.0, 0.0, -0.0, 0.0],
        [NAN, 1.0, NAN, 0.0, 1.0, 4.0],
        [NAN, NAN, NAN, NAN, NAN, NAN],
        [4.0, 4.0, 4.0, 1.0, 1.0, 1.0]]


def pair(values, dtype="float64", requires_grad=True):
    a = np.asarray(values, dtype=dtype)
    return (symgrad.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def same(mine, theirs, exact=True):
    """Equal values (NaN where PyTorch has NaN, signs of zeros too when ``exact``) and dtype."""
    got = np.asarray(mine.detach().numpy() if isinstance(mine, symgrad.Tensor) else mine)
    want = theirs.detach().numpy()
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert got.shape == want.shape, (got.shape, want.shape)
    if exact:
        np.testing.assert_array_equal(got, want)
        numbers = ~np.isnan(want.astype(np.float64)) if want.dtype.kind == "f" else ...
        np.testing.assert_array_equal(np.signbit(got)[numbers], np.signbit(want)[numbers])
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6 if got.dtype == np.float32 else 1e-13,
                                   atol=1e-30)


def grad_name(t):
    return type(t.grad_fn).__name__


def both_grads(s_out, t_out, sx, tx, seed=0):
    w = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
    (sg,) = symgrad.autograd.grad(s_out, sx, symgrad.tensor(w, dtype=sx.dtype), retain_graph=True)
    (tg,) = torch.autograd.grad(t_out, tx, torch.tensor(w, dtype=tx.dtype), retain_graph=True)
    return sg, tg


# -- selections: values, which index among ties, gradients to that index --------------------------
SELECTIONS = {
    "median": lambda m, x, d, k: m.median(x, d, k),
    "nanmedian": lambda m, x, d, k: m.nanmedian(x, d, k),
    "kthvalue2": lambda m, x, d, k: m.kthvalue(x, 2, d, k),
    "kthvalue4": lambda m, x, d, k: m.kthvalue(x, 4, d, k),
    "mode": lambda m, x, d, k: m.mode(x, d, k),
    "cummax": lambda m, x, d, k: m.cummax(x, d),
    "cummin": lambda m, x, d, k: m.cummin(x, d),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(SELECTIONS))
@pytest.mark.parametrize(("dim", "keepdim"), [(1, False), (0, True), (-1, True)])
def test_selections_match_torch_on_ties_and_nans(name, dtype, dim, keepdim):
    sx, tx = pair(TIED, dtype)
    mine, theirs = SELECTIONS[name](symgrad, sx, dim, keepdim), SELECTIONS[name](torch, tx, dim,
                                                                                  keepdim)
    assert type(mine).__name__ == type(theirs).__name__ and mine._fields == ("values", "indices")
    same(mine.values, theirs.values)
    same(mine.indices, theirs.indices)
    assert grad_name(mine.values) == grad_name(theirs.values)
    sg, tg = both_grads(mine.values, theirs.values, sx, tx)
    same(sg, tg)


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_selections_on_random_tied_lines(name):
    # kthvalue's quick select and median's order pick among ties as PyTorch's kernels do
    rng = np.random.default_rng(7)
    for n in (3, 5, 8, 16, 17, 33, 100):
        a = rng.integers(0, 3, (40, n)).astype(np.float64)
        a[rng.random(a.shape) < 0.1] = NAN
        sx, tx = pair(a)
        fn = SELECTIONS[name]
        if name.startswith("kthvalue") and n < 4:
            continue
        mine, theirs = fn(symgrad, sx, 1, False), fn(torch, tx, 1, False)
        same(mine.values, theirs.values)
        same(mine.indices, theirs.indices)


@pytest.mark.parametrize("n", [17, 100, 1000])
def test_mode_of_a_long_tied_line_is_at_pytorchs_index(n):
    # PyTorch's std::sort of more than 16 (value, index) pairs is libstdc++'s introsort, which
    # is not stable: of 100 zeros it leaves 26 last (symgrad's stable order gave 99, the
    # fuzzer's seed 88), and the gradient goes there.
    sx = symgrad.zeros(n, dtype=symgrad.float64, requires_grad=True)
    tx = torch.zeros(n, dtype=torch.float64, requires_grad=True)
    mine, theirs = sx.mode(), tx.mode()
    same(mine.indices, theirs.indices)
    mine.values.backward()
    theirs.values.backward()
    same(sx.grad, tx.grad)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float16", "bfloat16", "bool"])
@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_selections_keep_the_dtype(name, dtype):
    a = np.array([[1, 0, 1, 1], [0, 0, 1, 0]])
    s = symgrad.tensor(a).to(getattr(symgrad, dtype))
    t = torch.tensor(a).to(getattr(torch, dtype))
    fn = SELECTIONS[name]
    try:
        theirs = fn(torch, t, 1, False)
    except NotImplementedError as e:
        with pytest.raises(NotImplementedError, match=f"^{e}$".replace('"', '.')):
            fn(symgrad, s, 1, False)
        return
    mine = fn(symgrad, s, 1, False)
    assert str(mine.values.dtype) == str(theirs.values.dtype).replace("torch", "symgrad")
    np.testing.assert_array_equal(mine.values.float().numpy(), theirs.values.float().numpy())
    np.testing.assert_array_equal(mine.indices.numpy(), theirs.indices.numpy())


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("dtype", ["int64", "float32", "bool"])
@pytest.mark.parametrize("name", sorted(SELECTIONS) + ["kthvalue1"])
def test_selections_of_a_zero_dim_tensor(name, dtype, dim):
    """PyTorch's kthvalue returns a zero-dim input before it dispatches on the dtype: a bool
    one too, which its kernel refuses otherwise (the fuzzer, seed 40)."""
    def outcome(lib):
        x = lib.tensor(1).to(getattr(lib, dtype))
        try:
            select = SELECTIONS.get(name, lambda m, x, d, k: m.kthvalue(x, 1, d, k))
            out = select(lib, x, dim, False)
        except Exception as e:  # noqa: BLE001 - class and message compared
            return type(e).__name__, str(e)
        return str(out.values.dtype).split(".")[-1], out.values.tolist(), out.indices.tolist()
    assert outcome(symgrad) == outcome(torch)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("values", [TIED, TIED[3], TIED[4], [2.0, 5.0, 2.0, 1.0], [[7.0]]])
def test_whole_median_shares_its_gradient_evenly(name, dtype, values):
    sx, tx = pair(values, dtype)
    mine, theirs = getattr(symgrad, name)(sx), getattr(torch, name)(tx)
    same(mine, theirs)
    assert grad_name(mine) == grad_name(theirs)
    sg, tg = both_grads(mine, theirs, sx, tx)
    same(sg, tg, exact=False)


def test_zero_dim_and_empty_inputs():
    for s, t in (pair(2.5), pair([]), pair(np.zeros((0, 3)))):
        for name in ("median", "nanmedian"):
            same(getattr(symgrad, name)(s), getattr(torch, name)(t))
    s, t = pair(2.5)
    for fn in (lambda m, x: m.median(x, 0), lambda m, x: m.kthvalue(x, 1),
               lambda m, x: m.mode(x), lambda m, x: m.cummax(x, 0),
               lambda m, x: m.cummin(x, -1)):
        mine, theirs = fn(symgrad, s), fn(torch, t)
        same(mine.values, theirs.values)
        same(mine.indices, theirs.indices)
        assert grad_name(mine.values) == grad_name(theirs.values)
    s, t = pair(np.zeros((0, 3)))
    mine, theirs = symgrad.median(s, 1), torch.median(t, 1)
    same(mine.values, theirs.values)
    same(symgrad.cummax(s, 0).indices, torch.cummax(t, 0).indices)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_the_median_of_an_empty_integer_tensor_is_torchs(name, dtype):
    # NaN converted to the dtype as C converts it (NumPy's ValueError escaped before).
    a = np.zeros((2, 0), dtype=dtype)
    mine, theirs = getattr(symgrad, name)(symgrad.tensor(a)), getattr(torch, name)(torch.tensor(a))
    assert mine.tolist() == theirs.tolist()
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


# -- second order: the selections' gradients are scatters, zero at the second order ----------------
@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_selections_second_order(name):
    sx, tx = pair(TIED[:2])
    mine = SELECTIONS[name](symgrad, sx, 1, False).values
    theirs = SELECTIONS[name](torch, tx, 1, False).values
    (sg,) = symgrad.autograd.grad((mine * mine).sum(), sx, create_graph=True)
    (tg,) = torch.autograd.grad((theirs * theirs).sum(), tx, create_graph=True)
    same(sg, tg)
    (sh,) = symgrad.autograd.grad((sg * sg).sum(), sx)
    (th,) = torch.autograd.grad((tg * tg).sum(), tx)
    same(sh, th)


# -- quantile ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize(("q", "dim", "keepdim"), [
    (0.3, None, False), (0.5, 1, False), (0.125, 0, True), ([0.0, 0.25, 0.7, 1.0], 1, True),
    ([0.5], None, True), (0.875, -1, False)])
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_matches_torch(name, q, dim, keepdim, interpolation, dtype):
    # 16 elements: PyTorch sorts longer lines unstably, and which NaN is last is its own
    rows = [[3.0, 1.0, 2.0, 2.0], [0.5, NAN, -1.0, 4.0], [NAN, NAN, NAN, NAN],
            [1.0, 2.0, 3.0, 4.0]]
    sx, tx = pair(rows, dtype)
    sq = symgrad.tensor(q, dtype=sx.dtype) if isinstance(q, list) else q
    tq = torch.tensor(q, dtype=tx.dtype) if isinstance(q, list) else q
    mine = getattr(symgrad, name)(sx, sq, dim, keepdim, interpolation=interpolation)
    theirs = getattr(torch, name)(tx, tq, dim, keepdim, interpolation=interpolation)
    same(mine, theirs, exact=False)
    assert grad_name(mine) == grad_name(theirs) == "SqueezeBackward4"
    sg, tg = both_grads(mine, theirs, sx, tx)
    same(sg, tg, exact=False)
    same(getattr(sx, name)(sq, dim, keepdim, interpolation=interpolation), theirs, exact=False)


def test_quantile_second_order_is_zero_as_torch():
    sx, tx = pair([[3.0, 1.0, 2.0, 5.0], [0.5, 2.0, -1.0, 4.0]])
    mine, theirs = symgrad.quantile(sx, 0.4, 1), torch.quantile(tx, 0.4, 1)
    (sg,) = symgrad.autograd.grad((mine ** 2).sum(), sx, create_graph=True)
    (tg,) = torch.autograd.grad((theirs ** 2).sum(), tx, create_graph=True)
    same(sg, tg, exact=False)
    (sh,) = symgrad.autograd.grad(sg.sum(), sx)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    same(sh, th, exact=False)


# -- logcumsumexp ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_values_and_gradients(dtype, dim):
    a = np.random.default_rng(3).standard_normal((4, 5)) * 3
    sx, tx = pair(a, dtype)
    mine, theirs = symgrad.logcumsumexp(sx, dim), torch.logcumsumexp(tx, dim)
    same(mine, theirs, exact=False)
    assert grad_name(mine) == grad_name(theirs) == "LogcumsumexpBackward0"
    sg, tg = both_grads(mine, theirs, sx, tx)
    # PyTorch's float32 gradient carries |out| * eps of absolute error (5e-9 at 1e-4 here)
    np.testing.assert_allclose(sg.numpy(), tg.numpy(), rtol=2e-5 if dtype == "float32" else 1e-12,
                               atol=1e-7 if dtype == "float32" else 0)
    # second order, through the softmax weights
    w = np.random.default_rng(4).standard_normal((4, 5))
    (sg,) = symgrad.autograd.grad((mine * symgrad.tensor(w, dtype=sx.dtype)).sum(), sx,
                                  create_graph=True)
    (tg,) = torch.autograd.grad((theirs * torch.tensor(w, dtype=tx.dtype)).sum(), tx,
                                create_graph=True)
    (sh,) = symgrad.autograd.grad((sg * sg).sum(), sx)
    (th,) = torch.autograd.grad((tg * tg).sum(), tx)
    np.testing.assert_allclose(sh.numpy(), th.numpy(), rtol=1e-4 if dtype == "float32" else 1e-10,
                               atol=1e-6)


def test_logcumsumexp_does_not_overflow_and_its_gradient_is_exact():
    # out = [1000, 1000, 1000, 1000 + log 2]; d(sum out)/dx0 = 1 + 1 + 1 + 1/2 exactly, where
    # PyTorch's exp(log g - out + x) gives 3.4999 in float32
    sx, tx = pair([1000.0, 1.0, -1000.0, 1000.0], "float32")
    mine, theirs = symgrad.logcumsumexp(sx, 0), torch.logcumsumexp(tx, 0)
    same(mine, theirs, exact=False)
    (g,) = symgrad.autograd.grad(mine.sum(), sx)
    assert g.tolist() == [3.5, 0.0, 0.0, 0.5]
    for dtype in ("float16", "bfloat16"):
        s = symgrad.tensor([60000.0, 60000.0, -60000.0], dtype=getattr(symgrad, dtype))
        t = torch.tensor([60000.0, 60000.0, -60000.0], dtype=getattr(torch, dtype))
        np.testing.assert_array_equal(s.logcumsumexp(0).float().numpy(),
                                      t.logcumsumexp(0).float().numpy())


def test_logcumsumexp_at_infinities_and_nan():
    # a prefix of -inf: out -inf and PyTorch's NaN gradient there; later -inf elements get 0
    sx, tx = pair([-INF, -INF, 1.0, -INF, 2.0])
    mine, theirs = symgrad.logcumsumexp(sx, 0), torch.logcumsumexp(tx, 0)
    same(mine, theirs, exact=False)
    sg, tg = both_grads(mine, theirs, sx, tx)
    same(sg, tg, exact=False)
    for values in ([INF, 1.0, NAN, 0.0], [1.0, INF, 1.0], [NAN, 1.0]):
        sx, tx = pair(values)
        same(symgrad.logcumsumexp(sx, 0), torch.logcumsumexp(tx, 0))


# -- aminmax, std_mean, var_mean -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (None, True), (1, False), (0, True)])
def test_aminmax_matches_torch(dtype, dim, keepdim):
    sx, tx = pair([[1.0, 4.0, 4.0, 0.5], [NAN, 1.0, 2.0, 3.0], [2.0, 2.0, 2.0, 2.0]], dtype)
    mine = symgrad.aminmax(sx, dim=dim, keepdim=keepdim)
    theirs = torch.aminmax(tx, dim=dim, keepdim=keepdim)
    assert type(mine).__name__ == "aminmax" and mine._fields == ("min", "max")
    for m, t in zip(mine, theirs, strict=True):
        same(m, t)
        assert grad_name(m) == grad_name(t) == "AminmaxBackward0"
        sg, tg = both_grads(m, t, sx, tx)
        same(sg, tg, exact=False)
    same(sx.aminmax(dim=dim, keepdim=keepdim).max, theirs.max)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@pytest.mark.parametrize(("args", "kwargs"), [
    ((), {}), ((1,), {}), ((1, False), {}), ((True,), {}), (((0, 1),), {"keepdim": True}),
    ((0,), {"correction": 0, "keepdim": True}), ((None,), {"correction": 2})])
def test_moments_with_their_mean(name, dtype, args, kwargs):
    sx, tx = pair([[1.0, 4.0, 4.0, 0.5], [2.0, 1.0, 2.0, 3.0], [2.5, -2.0, 0.0, 2.0]], dtype)
    mine = getattr(symgrad, name)(sx, *args, **kwargs)
    theirs = getattr(torch, name)(tx, *args, **kwargs)
    assert type(mine) is tuple and len(mine) == 2
    for m, t in zip(mine, theirs, strict=True):
        same(m, t, exact=False)
        assert grad_name(m) == grad_name(t)
        (sg,) = symgrad.autograd.grad((m * m).sum(), sx, create_graph=True, retain_graph=True)
        (tg,) = torch.autograd.grad((t * t).sum(), tx, create_graph=True, retain_graph=True)
        same(sg, tg, exact=False)
        (sh,) = symgrad.autograd.grad(sg.sum(), sx, retain_graph=True)
        (th,) = torch.autograd.grad(tg.sum(), tx, retain_graph=True)
        np.testing.assert_allclose(sh.numpy(), th.numpy(), rtol=1e-4, atol=1e-5)


# -- errors ---------------------------------------------------------------------------------------
ERRORS = [
    lambda m, x: m.median(x, 2),
    lambda m, x: m.median(x, 1.5),
    lambda m, x: m.median(m.zeros(0, 3), 0),
    lambda m, x: m.nanmedian(x, (0,)),
    lambda m, x: m.kthvalue(x, 0),
    lambda m, x: m.kthvalue(x, 5),
    lambda m, x: m.kthvalue(x, 3, 0),
    lambda m, x: m.kthvalue(x, 1.5),
    lambda m, x: m.kthvalue(m.tensor(2.0), 2),
    lambda m, x: m.mode(m.zeros(0)),
    lambda m, x: m.cummax(x, 2),
    lambda m, x: m.cummin(x, -3),
    lambda m, x: m.logcumsumexp(x, 2),
    lambda m, x: m.logcumsumexp(m.tensor([1, 2]), 0),
    lambda m, x: m.logcumsumexp(m.tensor([True]), 0),
    lambda m, x: m.median(m.tensor([True, False])),
    lambda m, x: m.median(m.tensor([True, False]), 0),
    lambda m, x: m.kthvalue(m.tensor([True, False]), 1),
    lambda m, x: m.aminmax(m.zeros(0)),
    lambda m, x: m.aminmax(m.zeros(0, 2), dim=0),
    lambda m, x: m.quantile(x, 1.5),
    lambda m, x: m.quantile(x, m.tensor([0.5, -1.0])),
    lambda m, x: m.quantile(x, m.tensor([[0.5]])),
    lambda m, x: m.quantile(x, m.tensor([0.5], dtype=m.float64)),
    lambda m, x: m.quantile(m.zeros(0), 0.5),
    lambda m, x: m.quantile(x, 0.5, interpolation="cubic"),
    lambda m, x: m.quantile(x.half(), 0.5),
    lambda m, x: m.nanquantile(m.tensor([1, 2]), 0.5),
    lambda m, x: m.quantile(x, m.tensor([2.0]), dim=5),
    lambda m, x: m.quantile(x, 0.5, dim=2),
    lambda m, x: m.std_mean(m.tensor([1, 2])),
    lambda m, x: m.var_mean(m.tensor([1, 2])),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_are_torchs(index):
    fn = ERRORS[index]
    with pytest.raises(Exception) as theirs:
        fn(torch, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(type(theirs.value)) as mine:
        fn(symgrad, symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert str(mine.value) == str(theirs.value)


def test_methods_and_return_types():
    a = [[2.0, 1.0, 2.0], [0.0, 5.0, 5.0]]
    x, t = symgrad.tensor(a), torch.tensor(a)
    r = x.kthvalue(2, dim=1, keepdim=True)
    assert repr(r).startswith("symgrad.return_types.kthvalue(\nvalues=")
    expected = t.kthvalue(2, dim=1, keepdim=True)
    same(r.values, expected.values)
    same(r.indices, expected.indices)
    same(x.mode().indices, t.mode().indices)
    same(x.median(0).indices, t.median(0).indices)
    assert isinstance(symgrad.cummin(x, 1), symgrad.return_types.cummin)


# -- counting and searching (symgrad/ops/counting.py) ----------------------------------------------
def _outcome(lib, call):
    """The results' dtypes, shapes and values (NaN as a marker), or the error's class and text."""
    try:
        out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and text are what is compared
        return ("raises", type(e).__name__, str(e))
    parts = out if isinstance(out, tuple) else (out,)
    return ("ok", [(str(p.dtype).split(".")[-1], tuple(p.shape),
                    np.nan_to_num(np.asarray(p.float().numpy(), dtype=np.float64),
                                  nan=-999.0).tolist()) for p in parts])


X3 = [[3.0, 1.0, 3.0], [NAN, 1.0, NAN], [3.0, 1.0, 3.0]]
SEQ = [1.0, 3.0, 5.0, 7.0, 9.0]
COUNTING = {
    "unique": lambda m: m.unique(m.tensor(X3)),
    "unique_all": lambda m: m.unique(m.tensor(X3), return_inverse=True, return_counts=True),
    "unique_unsorted": lambda m: m.unique(m.tensor([3, 1, 2, 1]), sorted=False),
    "unique_dim1": lambda m: m.unique(m.tensor([[1, 2, 1], [0, 5, 0]]), return_inverse=True,
                                      return_counts=True, dim=1),
    "unique_dim0": lambda m: m.unique(m.tensor([[1, 2, 1], [0, 5, 0], [1, 2, 1]]),
                                      return_inverse=True, return_counts=True, dim=-2),
    "unique_bool": lambda m: m.unique(m.tensor([True, False, True]), return_counts=True),
    "unique_0d": lambda m: m.unique(m.tensor(2.0), return_inverse=True),
    "unique_empty": lambda m: m.unique(m.zeros(0), return_inverse=True, return_counts=True),
    "unique_empty_dim": lambda m: m.unique(m.zeros(0, 3), return_inverse=True,
                                           return_counts=True, dim=0),
    "unique_unselected_empty": lambda m: m.unique(m.zeros(2, 0), dim=0),
    "unique_bfloat16": lambda m: m.unique(m.tensor([2.0, 1.0, 2.0], dtype=m.bfloat16),
                                          return_counts=True),
    "unique_method": lambda m: m.tensor([2, 1, 2]).unique(return_counts=True),
    "unique_consecutive": lambda m: m.unique_consecutive(m.tensor([1, 1, 2, 2, 3, 1, 1, 2]),
                                                         return_inverse=True,
                                                         return_counts=True),
    "unique_consecutive_2d": lambda m: m.unique_consecutive(m.tensor([[1, 1], [1, 2]]),
                                                            return_inverse=True,
                                                            return_counts=True),
    "unique_consecutive_dim0": lambda m: m.unique_consecutive(
        m.tensor([[1, 1], [1, 1], [2, 3]]), return_inverse=True, return_counts=True, dim=0),
    "unique_consecutive_dim1": lambda m: m.unique_consecutive(
        m.tensor([[1, 1, 2], [1, 1, 3]]), return_inverse=True, return_counts=True, dim=1),
    "unique_consecutive_nan": lambda m: m.unique_consecutive(m.tensor([NAN, NAN, 1.0])),
    "unique_consecutive_empty": lambda m: m.unique_consecutive(m.zeros(0), return_counts=True),
    "unique_consecutive_0d": lambda m: m.unique_consecutive(m.tensor(3), return_inverse=True,
                                                            return_counts=True),
    "bincount": lambda m: m.bincount(m.tensor([0, 1, 1, 3])),
    "bincount_weights": lambda m: m.bincount(m.tensor([0, 1, 1, 3]),
                                             m.tensor([0.5, 1.0, 2.0, 3.0]), 6),
    "bincount_float64_weights": lambda m: m.bincount(
        m.tensor([0, 1, 1]), m.tensor([0.1, 0.2, 0.3], dtype=m.float64)),
    "bincount_int_weights": lambda m: m.bincount(m.tensor([0, 1]), m.tensor([2, 3])),
    "bincount_half_weights": lambda m: m.bincount(m.tensor([0, 1]),
                                                  m.tensor([2, 3], dtype=m.float16)),
    "bincount_negative": lambda m: m.bincount(m.tensor([0, -1])),
    "bincount_float": lambda m: m.bincount(m.tensor([0.0, 1.0])),
    "bincount_bool": lambda m: m.bincount(m.tensor([True])),
    "bincount_2d": lambda m: m.bincount(m.tensor([[0, 1]])),
    "bincount_empty": lambda m: m.bincount(m.tensor([], dtype=m.int64), minlength=3),
    "bincount_empty_weights": lambda m: m.bincount(m.tensor([], dtype=m.int64), m.tensor([])),
    "bincount_weights_length": lambda m: m.bincount(m.tensor([0, 1]), m.tensor([1.0])),
    "bincount_minlength": lambda m: m.bincount(m.tensor([0, 1]), minlength=-1),
    "bincount_minlength_first": lambda m: m.bincount(m.tensor([0, -1]), minlength=-1),
    "bincount_uint8_method": lambda m: m.tensor([0, 2], dtype=m.uint8).bincount(),
    "histc": lambda m: m.histc(m.tensor([1.0, 2.0, 1.0, 4.0, 2.5]), bins=4, min=0, max=3),
    "histc_own_range": lambda m: m.histc(m.tensor([1.0, 2.0, 1.0, 4.0, 2.5]), bins=4),
    "histc_one_value": lambda m: m.histc(m.tensor([2.0, 2.0]), bins=4),
    "histc_empty": lambda m: m.histc(m.zeros(0), bins=4),
    "histc_int": lambda m: m.histc(m.tensor([1, 2]), bins=4),
    "histc_min_above_max": lambda m: m.histc(m.tensor([1.0, 2.0]), bins=4, min=3, max=1),
    "histc_no_bins": lambda m: m.histc(m.tensor([1.0, 2.0]), bins=0),
    "histc_nan": lambda m: m.histc(m.tensor([1.0, NAN]), bins=2),
    "histc_inf": lambda m: m.histc(m.tensor([1.0, INF]), bins=2),
    "histc_float64": lambda m: m.histc(m.tensor([1.0, 2.0, 0.3, 0.7, 0.1], dtype=m.float64),
                                       bins=7),
    "histc_float16": lambda m: m.histc(m.tensor([1.0, 2.0], dtype=m.float16), bins=2),
    "histc_random": lambda m: m.histc(m.tensor(np.random.default_rng(0).standard_normal(
        1000).astype(np.float32)), bins=17, min=-2, max=2.5),
    "histc_random_method": lambda m: m.tensor(np.random.default_rng(1).standard_normal(
        1000).astype(np.float32)).histc(13),
    "searchsorted": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([[3.0, 6.0, 9.0],
                                                                      [0.0, 10.0, 5.0]])),
    "searchsorted_right": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([3.0, 6.0, 9.0]),
                                                   right=True),
    "searchsorted_side": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([3.0, 6.0, 9.0]),
                                                  side="right"),
    "searchsorted_bad_side": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([3.0]),
                                                      side="middle"),
    "searchsorted_side_wins": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([3.0]),
                                                       right=False, side="right"),
    "searchsorted_opposites": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([3.0]),
                                                       right=True, side="left"),
    "searchsorted_int32": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([3.0]),
                                                   out_int32=True),
    "searchsorted_number": lambda m: m.searchsorted(m.tensor(SEQ), 3.0),
    "searchsorted_sorter": lambda m: m.searchsorted(m.tensor([5.0, 1.0, 3.0]),
                                                    m.tensor([2.0, 4.0, 6.0, 0.0]),
                                                    sorter=m.tensor([1, 2, 0])),
    "searchsorted_rows": lambda m: m.searchsorted(m.tensor([[1.0, 2.0], [3.0, 4.0]]),
                                                  m.tensor([[1.5, 5.0], [3.5, 3.0]])),
    "searchsorted_rows_mismatch": lambda m: m.searchsorted(m.tensor([[1.0, 2.0], [3.0, 4.0]]),
                                                           m.tensor([[1.5]])),
    "searchsorted_mixed_dtypes": lambda m: m.searchsorted(m.tensor(SEQ), m.tensor([3, 4])),
    "searchsorted_nan": lambda m: m.searchsorted(m.tensor([1.0, 2.0, NAN]),
                                                 m.tensor([NAN, 1.5, 3.0])),
    "searchsorted_nan_right": lambda m: m.searchsorted(m.tensor([1.0, NAN, 2.0, NAN]),
                                                       m.tensor([NAN, 1.5, 3.0, 0.0]),
                                                       right=True),
    "searchsorted_0d": lambda m: m.searchsorted(m.tensor(1.0), m.tensor([1.0])),
    "searchsorted_ties": lambda m: m.searchsorted(m.tensor([1, 2, 2, 2, 3]), m.tensor([2, 2]),
                                                  right=True),
    "searchsorted_empty": lambda m: m.searchsorted(m.tensor([]), m.tensor([2.0])),
    "bucketize": lambda m: m.bucketize(m.tensor([[3.0, 6.0], [9.0, 0.0]]), m.tensor(SEQ)),
    "bucketize_right": lambda m: m.bucketize(m.tensor([3.0, 6.0, 9.0]), m.tensor(SEQ),
                                             right=True, out_int32=True),
    "bucketize_number": lambda m: m.bucketize(3.0, m.tensor(SEQ)),
    "bucketize_2d": lambda m: m.bucketize(m.tensor([3.0]), m.tensor([[1.0, 2.0]])),
}


@pytest.mark.parametrize("name", sorted(COUNTING))
def test_counting_and_searching_match_torch(name):
    assert _outcome(symgrad, COUNTING[name]) == _outcome(torch, COUNTING[name])


def test_counting_results_need_no_gradient():
    # unique's values require grad through a node that raises at backward, as in PyTorch
    # (tests/test_index_errors_grid.py); its counts do not. PyTorch's bincount of weights that
    # require grad records a NotImplemented node; symgrad's records none.
    x = symgrad.tensor([2.0, 1.0, 2.0], requires_grad=True)
    assert x.unique().requires_grad
    assert not symgrad.unique_consecutive(x, return_counts=True)[1].requires_grad
    assert not symgrad.bincount(symgrad.tensor([0, 1, 1]), x).requires_grad


@pytest.mark.parametrize(("q", "dim", "values"), [
    (0.5, None, [[3.0, 0.0], [3.0, 3.0]]), ((0.25, 0.75), None, [[3.0, 0.0], [3.0, 3.0]]),
    (0.75, 1, [[3.0, 0.0, 3.0, 3.0], [1.0, 1.0, 2.0, 1.0]]),
    ((0.5, 1.0), 0, [[3.0, 0.0], [3.0, 1.0], [3.0, 0.0]])])
def test_the_judge_holds_quantiles_ties_to_the_stable_order(q, dim, values, monkeypatch):
    """quantile reads tied elements in the stable order (a stable argsort, as PyTorch's): the
    "stable" convention, the one-sided derivative along x + eps * position, which the judge now
    holds it to (its "left" had each tied element take its own one-sided partial: engine-wrong
    on three tied). An engine reading ties last first is still wrong."""
    import oracle
    import symgrad.ops.order_statistics as stats

    # (lines of 30: tests/test_sort_ties_at_scale.py)
    x = symgrad.tensor(values, dtype=symgrad.float64, requires_grad=True)
    qs = symgrad.tensor(q, dtype=symgrad.float64) if isinstance(q, tuple) else q

    def loss(t):
        out = symgrad.quantile(t, qs, dim=dim)
        w = symgrad.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape),
                           dtype=symgrad.float64)
        return (out * w).sum()

    assert oracle.crosscheck(loss, [x]).status == "kink"
    plan = stats._quantile_plan

    def last_first(*args, **kwargs):
        lines, order, *rest = plan(*args, **kwargs)
        n = lines.shape[-1]
        flipped = np.argsort(np.flip(lines, -1), axis=-1, kind="stable")
        return (lines, np.flip(n - 1 - flipped, -1), *rest)  # ties in reverse input order

    monkeypatch.setattr(stats, "_quantile_plan", last_first)
    assert oracle.crosscheck(loss, [x]).status == "engine-wrong"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("q", [0.7, 0.9, 0.1, (0.3, 0.7)])
def test_the_judge_takes_quantiles_rank_in_the_inputs_dtype(q, dtype):
    """quantile's rank q * (n - 1) is a constant of the op, computed in the input's dtype by
    PyTorch and symgrad alike (q = 0.7 over 4 elements: 2.0999999999999996, weight
    0.09999999999999964). The judge took it exactly (weight 0.0999999999999999867), so it
    called the engine's value and gradient 16 ULP off: engine-wrong; its meaning now rounds
    the rank as the op does."""
    import oracle

    torch = pytest.importorskip("torch")
    x = symgrad.tensor([1.0, 3.0, 4.0, 2.0], dtype=getattr(symgrad, dtype), requires_grad=True)
    def qs_of(t):  # the judge also runs the function in float64
        return symgrad.tensor(q, dtype=t.dtype) if isinstance(q, tuple) else q

    verdict = oracle.crosscheck(lambda t: symgrad.quantile(t.reshape(2, 2), qs_of(t)).sum(),
                                [x])
    assert verdict.status in ("ok", "fd-unreliable"), verdict.message
    # the engine's gradient is PyTorch's, bit for bit
    t = torch.tensor([1.0, 3.0, 4.0, 2.0], dtype=getattr(torch, dtype), requires_grad=True)
    tq = torch.tensor(q, dtype=t.dtype) if isinstance(q, tuple) else q
    torch.quantile(t.reshape(2, 2), tq).sum().backward()
    (g,) = symgrad.autograd.grad(symgrad.quantile(x.reshape(2, 2), qs_of(x)).sum(), x)
    assert g.tolist() == t.grad.tolist()
