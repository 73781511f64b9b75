"""``diagonal``, ``diag_embed``, ``diagflat``, ``unfold``, ``tensor_split`` (and h/v/dsplit),
``fliplr``/``flipud``/``rot90``, ``take``, ``index_copy``, ``index_fill``, ``index_put``,
``masked_scatter``, ``select_scatter``, ``slice_scatter``, ``diagonal_scatter`` and
``fill_diagonal_`` against torch 2.13: values, grad_fn names, views sharing memory and
versions, first and second order gradients in float32 and float64, and PyTorch's exceptions."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")


def outcome(call: Any, lib: Any) -> Any:
    """What a call gives, as plain data comparable across the two libraries."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e).replace("torch.", "symgrad."))
    return plain(out)


def plain(x: Any) -> Any:
    if isinstance(x, torch.Tensor | symgrad.Tensor):
        node = x.grad_fn
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), x.detach().tolist(),
                None if node is None else type(node).__name__)
    if isinstance(x, tuple | list):
        return [plain(v) for v in x]
    return x


def same(call: Any) -> None:
    assert outcome(call, symgrad) == outcome(call, torch)


def _m(lib: Any, dtype: str = "float64", rg: bool = True, shape: tuple[int, ...] = (3, 4)
       ) -> Any:
    n = int(np.prod(shape))
    values = (np.arange(n, dtype=np.float64).reshape(shape) * 0.375 - 1.25).tolist()
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=rg)


# One call per op, on a leaf ``x`` (3 x 4, or 2 x 3 x 4) that requires grad; each result is
# differentiated against torch, to the second order through a product with ``x`` itself.
CALLS: dict[str, Any] = {
    "diagonal": lambda L, x: L.diagonal(x, 1),
    "diagonal_dims": lambda L, x: x.diagonal(-1, 2, 0),
    "diag_embed": lambda L, x: L.diag_embed(x, 1, 0, 2),
    "diagflat": lambda L, x: L.diagflat(x, -1),
    "unfold": lambda L, x: x.unfold(1, 2, 1),
    "unfold_gap": lambda L, x: x.unfold(0, 1, 2),
    "tensor_split": lambda L, x: L.tensor_split(x, 3, 1),
    "tensor_split_indices": lambda L, x: x.tensor_split([1, 3]),
    "hsplit": lambda L, x: L.hsplit(x, 2),
    "vsplit": lambda L, x: L.vsplit(x, [2]),
    "fliplr": lambda L, x: L.fliplr(x),
    "flipud": lambda L, x: L.flipud(x),
    "rot90": lambda L, x: L.rot90(x),
    "rot90_back": lambda L, x: L.rot90(x, -3, [1, 0]),
    "rot90_twice": lambda L, x: x.rot90(2),
    "take": lambda L, x: L.take(x, L.tensor([[0, -1], [5, 5]])),
    "index_copy": lambda L, x: L.index_copy(x, 1, L.tensor([3, 0]), x[:, :2] * 2),
    "index_fill": lambda L, x: x.index_fill(1, L.tensor([2, -4]), -0.5),
    "index_fill_tensor": lambda L, x: L.index_fill(x, 0, L.tensor([1]), (x[0, 0] * 3)),
    "index_put": lambda L, x: L.index_put(x, (L.tensor([2, 0]), L.tensor([1, 1])),
                                          x[0, :2] * 2),
    "index_put_accumulate": lambda L, x: x.index_put((L.tensor([1, 1, 0]),), x[:1] * 2,
                                                     accumulate=True),
    "index_put_mask": lambda L, x: L.index_put(x, (x > 0,), (x[0, 0] * 3)),
    "masked_scatter": lambda L, x: L.masked_scatter(x, x > 0.1, x.flip(0) * 2),
    "select_scatter": lambda L, x: L.select_scatter(x, x[0] * 2, 0, -1),
    "slice_scatter": lambda L, x: L.slice_scatter(x, x[:, :2] * 3, 1, 1, None, 2),
    "diagonal_scatter": lambda L, x: L.diagonal_scatter(x, x[0, :3] * 2, 1),
}
THREE_D = {"diagonal_dims"}


def _run(lib: Any, name: str, dtype: str) -> Any:
    x = _m(lib, dtype, shape=(2, 3, 4) if name in THREE_D else (3, 4))
    out = CALLS[name](lib, x)
    outs = list(out) if isinstance(out, tuple) else [out]
    names = [type(o.grad_fn).__name__ for o in outs]
    loss = sum(((o * o).sum() * (k + 1) for k, o in enumerate(outs)), lib.zeros((),
                                                                           dtype=x.dtype))
    (g,) = lib.autograd.grad(loss, [x], create_graph=True)
    (gg,) = lib.autograd.grad((g * g).sum(), [x])
    return ([o.detach().tolist() for o in outs], names, g.detach().tolist(), gg.tolist())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_values_names_and_two_orders_of_gradients(name: str, dtype: str) -> None:
    mine, theirs = _run(symgrad, name, dtype), _run(torch, name, dtype)
    assert mine[1] == theirs[1]
    tol = 1e-5 if dtype == "float32" else 1e-12
    for a, b in zip(mine[:1] + mine[2:], theirs[:1] + theirs[2:], strict=True):
        if isinstance(a, list) and a and isinstance(a[0], list) and name in (
                "tensor_split", "tensor_split_indices", "hsplit", "vsplit") and a is mine[0]:
            for p, q in zip(a, b, strict=True):
                np.testing.assert_allclose(np.asarray(p), np.asarray(q), rtol=tol, atol=tol)
            continue
        np.testing.assert_allclose(np.asarray(a, dtype=np.float64),
                                   np.asarray(b, dtype=np.float64), rtol=tol, atol=tol)


def test_unfold_backward_has_its_own_node_and_double_backward():
    # d/dx of sum(unfold(x)^2) is 2 x times how many windows read each element.
    for lib in (symgrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad((x.unfold(0, 3, 1) ** 2).sum(), [x], create_graph=True)
        assert type(g.grad_fn).__name__ in ("UnfoldBackwardBackward0", "MulBackward0")
        assert g.tolist() == [2.0, 8.0, 18.0, 16.0, 10.0]
        (gg,) = lib.autograd.grad(g.sum(), [x])
        assert gg.tolist() == [2.0, 4.0, 6.0, 4.0, 2.0]


@pytest.mark.parametrize("make", [
    lambda L, x: x.diagonal(),
    lambda L, x: L.diagonal(x, -1, 1, 0),
    lambda L, x: x.unfold(1, 2, 2),
    lambda L, x: L.tensor_split(x, 2, 1)[1],
    lambda L, x: L.vsplit(x, [1])[1],
])
def test_views_share_memory_and_version(make):
    for lib in (symgrad, torch):
        base = _m(lib, rg=False)
        v = make(lib, base)
        assert v._version == base._version == 0
        v.mul_(0.0)
        assert v._version == base._version == 1
        assert v.abs().sum().item() == 0.0
        assert (base == 0).sum().item() == v.numel()
        base.add_(1.0)
        assert v._version == 2 and v.abs().sum().item() == v.numel()


def test_writes_through_views_are_copyslices_with_torchs_gradient():
    def run(lib):
        x = _m(lib)
        y = x * 1
        y.diagonal(1).mul_(3.0)
        y.unfold(0, 1, 2).add_(x[:2, :, None] * 0 + 1)
        (g,) = lib.autograd.grad((y * y).sum(), [x])
        return type(y.grad_fn).__name__, y.tolist(), g.tolist()
    assert run(symgrad) == run(torch)


def test_not_views():
    for lib in (symgrad, torch):
        x = _m(lib, rg=False)
        for out in (lib.fliplr(x), lib.rot90(x), lib.diag_embed(x), lib.take(x, lib.tensor([0])),
                    lib.index_fill(x, 0, lib.tensor([0]), 1.0)):
            out.mul_(0.0)
        assert x._version == 0 and x.abs().sum().item() > 0


def test_overlapping_unfold_refuses_in_place_write():
    # A deliberate difference: PyTorch writes each window in turn (an element read by three
    # windows is doubled three times, in an unspecified order); symgrad refuses, with the
    # message PyTorch gives for a written-to tensor whose elements share memory (expand's).
    x = _m(symgrad, rg=False)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.unfold(1, 3, 1).mul_(2.0)
    assert x._version == 0
    x.unfold(1, 2, 2).mul_(2.0)  # windows that do not overlap are written
    assert x._version == 1


def test_in_place_forms():
    def run(lib):
        x = _m(lib)
        y = x * 1
        y.index_fill_(1, lib.tensor([0]), 2.0)
        y.index_copy_(0, lib.tensor([2]), x[:1] * 5)
        y.index_put_((lib.tensor([0, 0]), lib.tensor([1, 1])), x[1, :2], accumulate=True)
        y.masked_scatter_(x > 2, x.flip(1))
        y.fill_diagonal_(-1.0)
        (g,) = lib.autograd.grad((y * y).sum(), [x])
        return type(y.grad_fn).__name__, y._version, y.tolist(), g.tolist()
    mine, theirs = run(symgrad), run(torch)
    assert mine[:2] == theirs[:2]
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-12)
    np.testing.assert_allclose(mine[3], theirs[3], rtol=1e-12)


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 2), False), ((7, 2), True),
                                         ((8, 3), True), ((2, 5), True), ((3, 3, 3), False)])
def test_fill_diagonal_(shape, wrap):
    same(lambda L: L.zeros(shape).fill_diagonal_(2.5, wrap))


@pytest.mark.parametrize("call", [
    lambda L: L.diagonal(L.zeros(3, 4), 0, 0, -2),
    lambda L: L.diagonal(L.zeros(3), 0),
    lambda L: L.diag_embed(L.zeros(3), 0, 0, 0),
    lambda L: L.diag_embed(L.tensor(2.0)),
    lambda L: L.diagonal_scatter(L.zeros(3, 4), L.ones(2)),
    lambda L: L.zeros(3, 4).unfold(1, 5, 1),
    lambda L: L.zeros(3, 4).unfold(1, 2, 0),
    lambda L: L.zeros(3, 4).unfold(2, 1, 1),
    lambda L: L.tensor_split(L.zeros(5), 0),
    lambda L: L.tensor_split(L.tensor(1.0), 2),
    lambda L: L.tensor_split(L.zeros(5), L.tensor([1.0])),
    lambda L: L.tensor_split(L.zeros(5), L.tensor([[1]])),
    lambda L: L.hsplit(L.zeros(3, 4), 3),
    lambda L: L.hsplit(L.zeros(3, 4), 0),
    lambda L: L.vsplit(L.zeros(4), 2),
    lambda L: L.dsplit(L.zeros(2, 2), 2),
    lambda L: L.fliplr(L.zeros(3)),
    lambda L: L.flipud(L.tensor(1.0)),
    lambda L: L.rot90(L.zeros(2, 2), 1, (0,)),
    lambda L: L.rot90(L.zeros(2, 2), 1, (0, 0)),
    lambda L: L.rot90(L.zeros(2, 2), 1, (0, 2)),
    lambda L: L.rot90(L.zeros(2, 2, 2), 1, (0, -3)),
    lambda L: L.rot90(L.zeros(3)),
    lambda L: L.take(L.zeros(3, 4), L.tensor([12])),
    lambda L: L.take(L.zeros(3, 4), L.tensor([-13])),
    lambda L: L.take(L.zeros(3, 4), L.tensor([1], dtype=L.int32)),
    lambda L: L.index_copy(L.zeros(3, 4), 0, L.tensor([0, 1]), L.ones(3, 4)),
    lambda L: L.index_copy(L.zeros(3, 4), 0, L.tensor([0]), L.ones(1, 3)),
    lambda L: L.index_copy(L.zeros(3, 4), 0, L.tensor([0]), L.ones(1, 4, dtype=L.float64)),
    lambda L: L.index_copy(L.zeros(3, 4), 0, L.tensor([5]), L.ones(1, 4)),
    lambda L: L.index_copy(L.zeros(3, 4), 0, L.tensor([-1]), L.ones(1, 4)),
    lambda L: L.index_copy(L.zeros(3, 4), 0, L.tensor([[1]]), L.ones(1, 4)),
    lambda L: L.index_copy(L.zeros(3, 4), 0, L.tensor([1.0]), L.ones(1, 4)),
    lambda L: L.index_fill(L.zeros(3, 4), 1, L.tensor([4]), 2),
    lambda L: L.index_fill(L.zeros(3, 4), 1, L.tensor([-5]), 2),
    lambda L: L.index_fill(L.zeros(3, 4), 1, L.tensor([1.0]), 2),
    lambda L: L.index_fill(L.zeros(3, 4), 1, L.tensor([[1]]), 2),
    lambda L: L.index_fill(L.zeros(3, 4), 1, L.tensor([1]), L.tensor([7.0])),
    lambda L: L.index_put(L.zeros(3, 4), (L.tensor([0]),), L.ones(1, 4, dtype=L.float64)),
    lambda L: L.index_put(L.zeros(3, 4), (L.tensor([5]),), L.tensor(1.0)),
    lambda L: L.index_put(L.zeros(3, 4), (L.tensor([0]),), L.ones(2)),
    lambda L: L.index_put(L.zeros(3, 4), (L.tensor([0]),), 1.0),
    lambda L: L.index_put(L.zeros(3, 4), (None, L.tensor([0])), L.tensor(1.0)),
    lambda L: L.index_put(L.zeros(3, 4), (L.tensor([True, False]),), L.tensor(1.0)),
    lambda L: L.masked_scatter(L.zeros(3, 4), L.ones(3, 4) > 0, L.ones(3)),
    lambda L: L.masked_scatter(L.zeros(3, 4), L.ones(3, 4) > 0, L.ones(12, dtype=L.int64)),
    lambda L: L.masked_scatter(L.zeros(3, 4), L.ones(3, 4).long(), L.ones(12)),
    lambda L: L.select_scatter(L.zeros(3, 4), L.ones(3), 1, 4),
    lambda L: L.select_scatter(L.zeros(3, 4), L.ones(4), 1, 0),
    lambda L: L.slice_scatter(L.zeros(3, 4), L.ones(3, 2), 1, 0, 4, 0),
    lambda L: L.slice_scatter(L.zeros(3, 4), L.ones(3, 3), 1, 0, 4, 2),
])
def test_errors_as_torch(call):
    mine = outcome(call, symgrad)
    assert mine[0] == "raises"
    assert mine == outcome(call, torch)


@pytest.mark.parametrize("call", [
    lambda L: L.diagonal(L.arange(24).reshape(2, 3, 4), 5, 2, 1),
    lambda L: L.diagflat(L.arange(6).reshape(2, 3), 2),
    lambda L: L.tensor_split(L.arange(5), [4, 1]),
    lambda L: L.tensor_split(L.arange(5), [-2, 9]),
    lambda L: L.tensor_split(L.arange(5), L.tensor(2)),
    lambda L: L.tensor_split(L.arange(4), 7),
    lambda L: L.hsplit(L.arange(6), [2]),
    lambda L: L.dsplit(L.arange(8).reshape(1, 2, 4), [1, 3]),
    lambda L: L.rot90(L.arange(24).reshape(2, 3, 4), 5, [1, 2]),
    lambda L: L.take(L.tensor(3), L.tensor([0, 0])),
    lambda L: L.index_fill(L.arange(6).reshape(2, 3), 1, L.tensor(1), 2.5),
    lambda L: L.index_fill(L.tensor([True, False]), 0, L.tensor([1]), True),
    lambda L: L.select_scatter(L.zeros(2, 2), L.ones(2, dtype=L.float64), 0, 0),
    lambda L: L.slice_scatter(L.zeros(3, 4), L.ones(1, 4), 0, -1),
    lambda L: L.masked_scatter(L.zeros(5), L.ones(2, 5, dtype=L.bool), L.arange(10.0)),
    lambda L: L.tensor(2.0).unfold(0, 1, 1),
])
def test_values_as_torch(call):
    mine = outcome(call, symgrad)
    assert mine[0] != "raises"
    assert mine == outcome(call, torch)


# -- products (symgrad/ops/products.py) ----------------------------------------------------------
def _leaves(lib: Any, dtype: str, *shapes: tuple[int, ...]) -> list[Any]:
    out = []
    for k, shape in enumerate(shapes):
        n = int(np.prod(shape))
        values = (np.arange(n, dtype=np.float64).reshape(shape) * (0.25 + 0.125 * k)
                  - 0.5 * k - 0.75)
        out.append(lib.tensor(values.tolist(), dtype=getattr(lib, dtype), requires_grad=True))
    return out


PRODUCTS: dict[str, tuple[tuple[tuple[int, ...], ...], Any]] = {
    "addmv": (((2,), (2, 3), (3,)), lambda L, a, b, c: L.addmv(a, b, c, beta=0.5, alpha=-2)),
    "addmv_beta0": (((1,), (2, 3), (3,)), lambda L, a, b, c: a.addmv(b, c, beta=0)),
    "addr": (((2, 3), (2,), (3,)), lambda L, a, b, c: L.addr(a, b, c, beta=2, alpha=1.5)),
    "addr_broadcast": (((3,), (2,), (3,)), lambda L, a, b, c: a.addr(b, c)),
    "baddbmm": (((2, 2, 3), (2, 2, 4), (2, 4, 3)),
                lambda L, a, b, c: L.baddbmm(a, b, c, beta=-1, alpha=0.5)),
    "baddbmm_broadcast": (((3,), (2, 2, 4), (2, 4, 3)), lambda L, a, b, c: a.baddbmm(b, c)),
    "addbmm": (((2, 3), (3, 2, 4), (3, 4, 3)),
               lambda L, a, b, c: L.addbmm(a, b, c, beta=0.25, alpha=3)),
    "vdot": (((3,), (3,)), lambda L, a, b: L.vdot(a, b)),
    "ger": (((2,), (3,)), lambda L, a, b: L.ger(a, b)),
    "inner": (((2, 3), (4, 3)), lambda L, a, b: L.inner(a, b)),
    "inner_vectors": (((3,), (3,)), lambda L, a, b: a.inner(b)),
    "inner_scalar": (((2, 3), ()), lambda L, a, b: L.inner(a, b)),
    "chain_matmul3": (((2, 3), (3, 4), (4, 1)), lambda L, a, b, c: L.chain_matmul(a, b, c)),
    "chain_matmul3_right": (((5, 1), (1, 4), (4, 3)),
                            lambda L, a, b, c: L.chain_matmul(a, b, c)),
    "chain_matmul4": (((2, 3), (3, 4), (4, 5), (5, 2)), lambda L, *m: L.chain_matmul(*m)),
    "chain_matmul2": (((2, 3), (3, 2)), lambda L, a, b: L.chain_matmul(a, b)),
    "cartesian_prod": (((2,), (3,)), lambda L, a, b: L.cartesian_prod(a, b)),
    "cartesian_prod3": (((2,), (1,), (2,)), lambda L, *v: L.cartesian_prod(*v)),
    "combinations": (((4,),), lambda L, a: L.combinations(a)),
    "combinations3": (((4,),), lambda L, a: L.combinations(a, 3)),
    "combinations_replacement": (((3,),), lambda L, a: L.combinations(a, 2, True)),
    "block_diag": (((2, 3), (2,), ()), lambda L, *t: L.block_diag(*t)),
    "block_diag_one": (((2, 1),), lambda L, a: L.block_diag(a)),
}


def _run_product(lib: Any, name: str, dtype: str) -> Any:
    shapes, call = PRODUCTS[name]
    xs = _leaves(lib, dtype, *shapes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # chain_matmul's deprecation
        out = call(lib, *xs)
    node = type(out.grad_fn).__name__
    (gs) = lib.autograd.grad((out * out).sum(), xs, create_graph=True)
    (ggs) = lib.autograd.grad(sum((g * g).sum() for g in gs), xs, allow_unused=True)
    return (out.detach().tolist(), node, [g.tolist() for g in gs],
            [None if g is None else g.tolist() for g in ggs])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_values_names_and_two_orders(name: str, dtype: str) -> None:
    mine, theirs = _run_product(symgrad, name, dtype), _run_product(torch, name, dtype)
    assert mine[1] == theirs[1]
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(mine[0], theirs[0], rtol=tol, atol=tol)
    for a, b in zip(mine[2] + mine[3], theirs[2] + theirs[3], strict=True):
        if a is None or b is None:  # an unused input: torch gives None, symgrad zeros
            assert np.all(np.asarray(a if b is None else b) == 0) or a is b
            continue
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_beta_zero_ignores_nan_and_inf():
    # PyTorch's documented rule: with beta = 0, input is not read (0 * nan would be nan).
    for lib in (symgrad, torch):
        m, v = lib.ones(2, 3), lib.ones(3)
        assert lib.addmv(lib.tensor([float("nan"), float("inf")]), m, v, beta=0).tolist() == [
            3.0, 3.0]
        assert lib.addr(lib.full((2, 3), float("nan")), lib.ones(2), v, beta=0).sum().item() == 6
        assert lib.baddbmm(lib.tensor(float("nan")), lib.ones(1, 2, 3), lib.ones(1, 3, 1),
                           beta=0).tolist() == [[[3.0], [3.0]]]
        assert lib.addbmm(lib.tensor(float("nan")), lib.ones(2, 1, 3), lib.ones(2, 3, 1),
                          beta=0).tolist() == [[6.0]]


def test_integer_products():
    same(lambda L: L.addmv(L.tensor([1, 2]), L.tensor([[1, 2], [3, 4]]), L.tensor([5, 6]),
                           beta=2, alpha=-3))
    same(lambda L: L.addr(L.tensor([[1]], dtype=L.uint8), L.tensor([2], dtype=L.uint8),
                          L.tensor([3], dtype=L.uint8), beta=-3))
    same(lambda L: L.addr(L.ones(2, 2).long(), L.ones(2).long(), L.ones(2).long(), beta=0.5))
    same(lambda L: L.baddbmm(L.ones(1).int(), L.ones(2, 1, 3).int(), L.ones(2, 3, 1).int(),
                             alpha=2))


def test_chain_matmul_warns_once_as_torch(monkeypatch):
    # PyTorch's TORCH_WARN_ONCE: the first call of the process warns (its text, read from
    # torch 2.13 without the "Triggered internally at" source position), later calls do not.
    from symgrad.ops import products

    monkeypatch.setattr(products, "_chain_warned", [])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        symgrad.chain_matmul(symgrad.ones(2, 2), symgrad.ones(2, 2))
        symgrad.chain_matmul(symgrad.ones(2, 2), symgrad.ones(2, 2))
    assert [(w.category, str(w.message)) for w in seen] == [(UserWarning, (
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
        "multiple parameters."))]


@pytest.mark.parametrize("call", [
    lambda L: L.addmv(L.zeros(3), L.zeros(2, 3), L.zeros(3)),
    lambda L: L.addmv(L.zeros(2), L.zeros(2, 3), L.zeros(4)),
    lambda L: L.addmv(L.zeros(2), L.zeros(2, 3), L.zeros(3, dtype=L.float64)),
    lambda L: L.addmv(L.zeros(2), L.zeros(3), L.zeros(3)),
    lambda L: L.addr(L.zeros(2, 2), L.zeros(2), L.zeros(3)),
    lambda L: L.addr(L.zeros(2, 3), L.zeros(2, 1), L.zeros(3)),
    lambda L: L.addr(L.ones(2, 3).long(), L.ones(2).long(), L.ones(3).long(), alpha=0.5),
    lambda L: L.baddbmm(L.zeros(3), L.zeros(2, 2, 4), L.zeros(3, 4, 3)),
    lambda L: L.baddbmm(L.zeros(3), L.zeros(2, 2, 4), L.zeros(2, 3, 3)),
    lambda L: L.baddbmm(L.zeros(3), L.zeros(2, 4), L.zeros(2, 4, 3)),
    lambda L: L.baddbmm(L.zeros(4), L.zeros(2, 2, 4), L.zeros(2, 4, 3)),
    lambda L: L.addbmm(L.zeros(2, 3), L.zeros(2, 2, 4), L.zeros(3, 4, 3)),
    lambda L: L.addbmm(L.zeros(2, 3), L.zeros(2, 2, 4), L.zeros(2, 3, 3)),
    lambda L: L.baddbmm(L.zeros(1, dtype=L.bool), L.zeros(1, 1, 1, dtype=L.bool),
                        L.zeros(1, 1, 1, dtype=L.bool)),
    lambda L: L.vdot(L.zeros(3), L.zeros(2)),
    lambda L: L.vdot(L.zeros(3), L.zeros(3, dtype=L.float64)),
    lambda L: L.vdot(L.zeros(3, 1), L.zeros(3)),
    lambda L: L.inner(L.zeros(2, 3), L.zeros(2)),
    lambda L: L.chain_matmul(L.zeros(2, 3), L.zeros(2, 3)),
    lambda L: L.chain_matmul(L.zeros(3)),
    lambda L: L.chain_matmul(),
    lambda L: L.cartesian_prod(L.zeros(2, 2)),
    lambda L: L.combinations(L.zeros(3), -1),
    lambda L: L.combinations(L.zeros(2, 2)),
    # a number where a tensor goes
    lambda L: L.addmv(L.zeros(2), 2.5, L.zeros(3)),
    lambda L: L.baddbmm(L.zeros(2), L.zeros(1, 1, 1), None),
    lambda L: L.cartesian_prod(L.zeros(2), 2.5),
    lambda L: L.chain_matmul(L.zeros(2, 2), None),
    lambda L: L.take(L.zeros(2), 2.5),
    lambda L: L.index_copy(L.zeros(2), 0, L.tensor([0]), 2.5),
    lambda L: L.masked_scatter(L.zeros(2), L.tensor([True, False]), [1.0]),
    lambda L: L.select_scatter(L.zeros(2, 2), 1.0, 0, 0),
    lambda L: L.index_put(L.zeros(2), (L.tensor([0]),), 1.0),
])
def test_product_errors_as_torch(call):
    mine = outcome(call, symgrad)
    assert mine[0] == "raises"
    assert mine == outcome(call, torch)


@pytest.mark.parametrize("call", [
    lambda L: L.combinations(L.arange(3), 0),
    lambda L: L.combinations(L.arange(3), 5),
    lambda L: L.combinations(L.arange(3), 1),
    lambda L: L.cartesian_prod(L.arange(2)),
    lambda L: L.chain_matmul(L.ones(2, 3)),
    lambda L: L.block_diag(),
    lambda L: L.block_diag(L.tensor([1, 2]), L.tensor([[0.5]], dtype=L.float64)),
    lambda L: L.block_diag(L.zeros(2, 2), L.zeros(1, 1, 1)),
    lambda L: L.block_diag(L.zeros(2, 2), 2.5),
])
def test_product_edges_as_torch(call):
    assert outcome(call, symgrad) == outcome(call, torch)
