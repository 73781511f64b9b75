"""Reducing scatters (symgrad/ops/scatter_reduce.py): ``scatter_reduce``, ``index_reduce`` and
``scatter(..., reduce=)`` against PyTorch 2.13 (values, grad_fn names, first and second order
gradients, errors), and the judge's exact gradients against closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import oracle
import symgrad
from symgrad.ops.registry import REGISTRY, apply

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")

SELF = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
SRC = [[2.0, 0.0, 3.0], [2.0, 7.0, 1.0]]
INDEX = [[0, 1, 0], [0, 0, 0]]
W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _both(values, dtype="float64"):
    return (symgrad.tensor(values, dtype=getattr(symgrad, dtype), requires_grad=True),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True))


def _np(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _grads(lib, fn, xs, w):
    y = fn(lib, *xs)
    gs = lib.autograd.grad(y, xs, lib.tensor(w, dtype=y.dtype), create_graph=True)
    # a second order: the gradient's sum of squares, differentiated
    total = sum((g * g).sum() for g in gs)
    if not total.requires_grad:  # a gradient linear in g alone (sum, mean, amax): none
        return y, gs, ()
    hs = lib.autograd.grad(total, xs, allow_unused=True)
    return y, gs, tuple(h if h is not None else lib.zeros_like(x)
                        for h, x in zip(hs, xs, strict=True))


def _scatter(reduce, include_self, index=INDEX):
    def fn(lib, x, s):
        return lib.scatter_reduce(x, 0, lib.tensor(index), s, reduce, include_self=include_self)

    return fn


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_first_and_second_order_are_pytorchs(reduce, include_self):
    # no tie with input's excluded element (test_amax_leaves_the_excluded_input_out_of_the_ties)
    (x, tx), (s, ts) = _both(SELF), _both([[2.0, 0.5, 3.5], [2.0, 7.0, 1.0]])
    fn = _scatter(reduce, include_self)
    mine, theirs = _grads(symgrad, fn, [x, s], W), _grads(torch, fn, [tx, ts], W)
    assert type(mine[0].grad_fn).__name__ == type(theirs[0].grad_fn).__name__ == (
        "ScatterReduceBackward0")
    np.testing.assert_allclose(_np(mine[0]), _np(theirs[0]), rtol=1e-15)
    for a, b in zip([*mine[1], *mine[2]], [*theirs[1], *theirs[2]], strict=True):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("include_self", [True, False])
def test_prod_with_zeros_is_pytorchs_first_order(include_self):
    # one zero in a group, a zero of input, a group with two zeros
    values = [[0.0, 2.0, 3.0], [4.0, 0.0, 6.0]]
    src = [[0.0, 0.0, 3.0], [2.0, 0.0, 1.0]]
    (x, tx), (s, ts) = _both(values), _both(src)
    fn = _scatter("prod", include_self, [[0, 1, 0], [0, 1, 1]])
    y, ty = fn(symgrad, x, s), fn(torch, tx, ts)
    gs = symgrad.autograd.grad(y, [x, s], symgrad.tensor(W, dtype=symgrad.float64))
    tgs = torch.autograd.grad(ty, [tx, ts], torch.tensor(W, dtype=torch.float64))
    for a, b in zip(gs, tgs, strict=True):
        np.testing.assert_array_equal(_np(a), _np(b))


def test_prod_second_order_with_two_zeros_where_pytorch_raises():
    # group of column 0: input's 5 and src's two zeros; d2 out / d src0 d src1 = 5
    x = symgrad.tensor([5.0], dtype=symgrad.float64, requires_grad=True)
    s = symgrad.tensor([0.0, 0.0], dtype=symgrad.float64, requires_grad=True)
    y = symgrad.scatter_reduce(x, 0, symgrad.tensor([0, 0]), s, "prod")
    (gs,) = symgrad.autograd.grad(y.sum(), [s], create_graph=True)
    assert gs.tolist() == [0.0, 0.0]
    (h,) = symgrad.autograd.grad(gs[0], [s])
    assert h.tolist() == [0.0, 5.0]
    tx = torch.tensor([5.0], dtype=torch.float64, requires_grad=True)
    ts = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.scatter_reduce(tx, 0, torch.tensor([0, 0]), ts, "prod")
                                .sum(), [ts], create_graph=True)
    with pytest.raises(RuntimeError, match="Double backward is unsupported for src"):
        torch.autograd.grad(tg[0], [ts])


def test_amax_ties_split_evenly_as_pytorch():
    (x, tx), (s, ts) = _both([1.0, 3.0]), _both([1.0, 1.0, 3.0, 2.0])
    fn = _scatter("amax", True, [0, 0, 1, 1])
    gs = symgrad.autograd.grad(fn(symgrad, x, s), [x, s], symgrad.tensor([3.0, 2.0]).double())
    tgs = torch.autograd.grad(fn(torch, tx, ts), [tx, ts], torch.tensor([3.0, 2.0]).double())
    assert [g.tolist() for g in gs] == [g.tolist() for g in tgs] == [[1.0, 1.0],
                                                                     [1.0, 1.0, 1.0, 0.0]]


def test_amax_leaves_the_excluded_input_out_of_the_ties():
    # PyTorch 2.13 counts input's 3 among the ties though include_self=False: src's lone 3
    # gets half the gradient there; the derivative of max(3, 1) by the 3 is 1
    x, s = symgrad.tensor([3.0], requires_grad=True), symgrad.tensor([3.0, 1.0],
                                                                     requires_grad=True)
    y = symgrad.scatter_reduce(x, 0, symgrad.tensor([0, 0]), s, "amax", include_self=False)
    y.backward(symgrad.tensor([2.0]))
    assert (x.grad.tolist(), s.grad.tolist()) == ([0.0], [2.0, 0.0])
    tx, ts = torch.tensor([3.0], requires_grad=True), torch.tensor([3.0, 1.0],
                                                                   requires_grad=True)
    torch.scatter_reduce(tx, 0, torch.tensor([0, 0]), ts, "amax",
                         include_self=False).backward(torch.tensor([2.0]))
    assert ts.grad.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float16", "bfloat16"])
@pytest.mark.parametrize("reduce", REDUCES)
def test_values_in_every_dtype_are_pytorchs(reduce, dtype):
    x = np.array([[-1, 2, 3], [4, -5, 6]])
    src = np.array([[-8, 0, 3], [2, 7, -1]])
    for include_self in (True, False):
        def run(lib, include_self=include_self):
            d = getattr(lib, dtype)
            try:
                return "ok", lib.tensor(x).to(d).scatter_reduce(
                    0, lib.tensor(INDEX), lib.tensor(src).to(d), reduce,
                    include_self=include_self).to(lib.float64).tolist()
            except Exception as e:  # noqa: BLE001 - class and message compared
                return type(e).__name__, str(e)

        assert run(symgrad) == run(torch), include_self


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES[1:])
def test_index_reduce_is_pytorchs(reduce, include_self):
    (x, tx), (s, ts) = _both([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), _both(
        [[0.5, 2.5], [7.0, 1.0], [3.0, -1.0]])

    def fn(lib, a, b):
        return a.index_reduce(0, lib.tensor([0, 2, 0]), b, reduce, include_self=include_self)

    w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    mine, theirs = _grads(symgrad, fn, [x, s], w), _grads(torch, fn, [tx, ts], w)
    assert type(mine[0].grad_fn).__name__ == "IndexReduceBackward0"
    for a, b in zip([mine[0], *mine[1], *mine[2]], [theirs[0], *theirs[1], *theirs[2]],
                    strict=True):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-14, atol=1e-14)


def test_in_place_forms():
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.scatter_reduce_(0, symgrad.tensor([0]), symgrad.tensor([3.0]), "sum")
    y = x.clone()
    assert y.scatter_reduce_(0, symgrad.tensor([0]), symgrad.tensor([3.0]), "prod") is y
    assert type(y.grad_fn).__name__ == "ScatterReduceBackward0"
    z = x.clone().index_reduce_(0, symgrad.tensor([1]), symgrad.tensor([5.0]), "amax")
    assert z.tolist() == [1.0, 5.0]
    assert type(z.grad_fn).__name__ == "IndexReduceBackward0"


def test_scatter_with_reduce_has_no_derivative_as_in_pytorch():
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="The reduce argument of torch.scatter with Tensor src"):
        y = x.scatter(0, symgrad.tensor([0, 0]), symgrad.tensor([3.0, 4.0]), reduce="add")
    assert y.tolist() == [8.0, 2.0]
    assert type(y.grad_fn).__name__ == "NotImplemented"
    assert y.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        y.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = x.scatter(0, symgrad.tensor([0, 0]), 2.0, reduce="multiply")
    assert z.tolist() == [4.0, 2.0]
    w = x.detach().clone()
    w.scatter_(0, symgrad.tensor([1]), 3.0, reduce="add")
    assert w.tolist() == [1.0, 5.0]


ERRORS = [
    (lambda lib, x: x.scatter_reduce(0, lib.tensor([0]), lib.tensor([1.0]), "foo")),
    (lambda lib, x: x.scatter_reduce(0, lib.tensor([0]), lib.tensor([1.0]), "add")),
    (lambda lib, x: x.scatter_reduce(0, lib.tensor([0.0]), lib.tensor([1.0]), "sum")),
    (lambda lib, x: x.scatter_reduce(0, lib.tensor([5]), lib.tensor([1.0]), "sum")),
    (lambda lib, x: x.scatter_reduce(2, lib.tensor([0]), lib.tensor([1.0]), "sum")),
    (lambda lib, x: x.scatter_reduce(0, lib.tensor([0]), lib.tensor([1.0]).double(), "sum")),
    (lambda lib, x: x.scatter_reduce(0, lib.tensor([0]), 1.0, "sum")),
    (lambda lib, x: x.scatter(0, lib.tensor([0]), lib.tensor([1.0]), reduce="sum")),
    (lambda lib, x: x.index_reduce(0, lib.tensor([0]), lib.tensor([1.0]), "sum")),
    (lambda lib, x: x.index_reduce(0, lib.tensor([5]), lib.tensor([1.0]), "prod")),
    (lambda lib, x: x.index_reduce(0, lib.tensor([[0]]), lib.tensor([1.0]), "prod")),
    (lambda lib, x: x.index_reduce(0, lib.tensor([0.0]), lib.tensor([1.0]), "prod")),
    (lambda lib, x: x.index_reduce(0, lib.tensor([0, 1]), lib.tensor([1.0]), "prod")),
    (lambda lib, x: x.index_reduce(0, lib.tensor([0]), lib.tensor([1.0]).double(), "prod")),
    (lambda lib, x: x.reshape(2, 1).index_reduce(0, lib.tensor([0]), lib.tensor([[1.0, 2.0]]),
                                                  "prod")),
    (lambda lib, x: lib.tensor([True]).index_reduce(0, lib.tensor([0]), lib.tensor([True]),
                                                    "amax", include_self=False)),
    (lambda lib, x: lib.tensor([True]).scatter_reduce(0, lib.tensor([0]), lib.tensor([True]),
                                                      "mean")),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors_are_pytorchs(call):
    def outcome(lib):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return "ok", call(lib, lib.tensor([1.0, 2.0])).tolist()
        except Exception as e:  # noqa: BLE001 - class and message compared
            return type(e).__name__, str(e)

    assert outcome(symgrad) == outcome(torch)


def test_max_and_min_are_read_as_amax_and_amin():
    x = symgrad.tensor([1.0, 5.0])
    src = symgrad.tensor([3.0, 4.0])
    index = symgrad.tensor([0, 1])
    assert x.scatter_reduce(0, index, src, "max").tolist() == [3.0, 5.0]
    assert x.scatter_reduce(0, index, src, "min").tolist() == [1.0, 4.0]


# -- the judge's exact gradients against closed forms --------------------------------------------
def _exact(name, inputs, w, **attrs):
    out = apply(REGISTRY[name], *inputs, **attrs)
    w = symgrad.tensor(np.asarray(w, dtype=np.float64))
    r = oracle.exact_grad(out, inputs, w)
    assert r.status == "ok", r.reason
    return [np.asarray([float(v) for v in np.asarray(g, dtype=object).reshape(-1)])
            for g in r.grads]


def test_judge_closed_forms():
    # (listed in tests/test_oracle_exact.py's CLOSED_FORM_ELSEWHERE)
    x = symgrad.tensor([2.0, 0.5, 3.0], dtype=symgrad.float64, requires_grad=True)
    s = symgrad.tensor([0.0, 4.0, 0.25, 8.0], dtype=symgrad.float64, requires_grad=True)
    index = np.array([0, 0, 1, 0])
    w = [1.0, 2.0, 3.0]
    # prod: group 0 is x0 * s0 * s1 * s3 (s0 = 0), group 1 x1 * s2
    gx, gs = _exact("scatter_reduce", [x, s], w, dim=0, index=index, reduce="prod",
                    include_self=True)
    np.testing.assert_array_equal(gx, [0.0, 2 * 0.25, 3.0])
    np.testing.assert_array_equal(gs, [2.0 * 4.0 * 8.0, 0.0, 2 * 0.5, 0.0])
    # mean without input: group 0 is (s0 + s1 + s3) / 3
    gx, gs = _exact("scatter_reduce", [x, s], w, dim=0, index=index, reduce="mean",
                    include_self=False)
    np.testing.assert_allclose(gx, [0.0, 0.0, 3.0], rtol=0)
    np.testing.assert_allclose(gs, [1 / 3, 1 / 3, 2.0, 1 / 3], rtol=1e-15)
    # amin: group 0's min is s0 = 0, group 1's is s2
    gx, gs = _exact("scatter_reduce", [x, s], w, dim=0, index=index, reduce="amin",
                    include_self=True)
    np.testing.assert_array_equal(gx, [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(gs, [1.0, 0.0, 2.0, 0.0])
    # index_reduce: slices of (3, 1) into rows 0 and 2 of (3, 1)
    a = symgrad.tensor([[2.0], [5.0], [3.0]], dtype=symgrad.float64, requires_grad=True)
    b = symgrad.tensor([[4.0], [0.5], [7.0]], dtype=symgrad.float64, requires_grad=True)
    ga, gb = _exact("index_reduce", [a, b], [[1.0], [2.0], [3.0]], dim=0,
                    index=np.array([0, 2, 0]), reduce="amax", include_self=True)
    np.testing.assert_array_equal(ga, [0.0, 2.0, 3.0 * 1.0])
    np.testing.assert_array_equal(gb, [0.0, 0.0, 1.0])
