"""Parity with PyTorch 2.13 for the multi-class margin losses (helper loss):
``multi_margin_loss`` / ``MultiMarginLoss`` and ``multilabel_margin_loss`` /
``MultiLabelMarginLoss``: values, grad_fn names, first-order gradients, the second order's
error, and the errors of bad input (class and message). Expected values come from torch, never
from the code under test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as SF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

DTYPES = ("float32", "float64")
RTOL = {"float32": 2e-6, "float64": 1e-14}


def outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return e


def same_error(got, want) -> None:
    assert isinstance(want, Exception), f"PyTorch gave {want!r}"
    assert isinstance(got, Exception), f"PyTorch raised {want!r}, symgrad gave {got!r}"
    assert (type(got).__name__, str(got)) == (type(want).__name__, str(want))


def pair(x, dtype: str = "float64", requires_grad: bool = True):
    x = np.asarray(x, dtype=dtype)
    return (symgrad.tensor(x, requires_grad=requires_grad),
            torch.tensor(x, requires_grad=requires_grad))


def ints(x):
    return symgrad.tensor(np.asarray(x, dtype=np.int64)), torch.tensor(np.asarray(x, np.int64))


def close(got, want, dtype: str) -> None:
    want = want.detach().numpy()
    assert got.shape == want.shape
    assert str(got.dtype).split(".")[-1] == str(want.dtype)
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=RTOL[dtype],
                               atol=RTOL[dtype] * 1e-2)


def check_both_orders(sy, sx, ty, tx, dtype: str, seed: int = 0) -> None:
    """The loss's value and grad_fn, its gradient under a random cotangent, and its second
    order's error (PyTorch implements none), each as torch gives them."""
    close(sy, ty, dtype)
    assert type(sy.grad_fn).__name__ == type(ty.grad_fn).__name__
    v = np.random.default_rng(seed).uniform(0.5, 1.5, size=tuple(ty.shape)).astype(dtype)
    (sg,) = symgrad.autograd.grad(sy, sx, symgrad.tensor(v), create_graph=True)
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(v), create_graph=True)
    close(sg, tg, dtype)
    assert sg.grad_fn.name() == tg.grad_fn.name() == "torch::autograd::NotImplemented"
    same_error(outcome(lambda: symgrad.autograd.grad(sg.sum(), sx)),
               outcome(lambda: torch.autograd.grad(tg.sum(), tx)))


# -- multi_margin_loss --------------------------------------------------------------------------
# (input shape, target): a batch, one sample with a 0-d and a 1-element target, a 0-d score
MULTI_SHAPES = (((4, 5), [0, 4, 2, 2]), ((5,), 3), ((5,), [1]), ((), 0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", range(len(MULTI_SHAPES)))
def test_multi_margin_loss_matches_torch(dtype, p, weighted, reduction, case):
    shape, target = MULTI_SHAPES[case]
    rng = np.random.default_rng(case)
    sx, tx = pair(rng.standard_normal(shape) * 0.8, dtype)
    classes = shape[-1] if shape else 1
    sw, tw = pair(rng.uniform(0.2, 2.0, classes), dtype, False) if weighted else (None, None)
    st, tt = ints(target)
    sy = SF.multi_margin_loss(sx, st, p=p, margin=0.9, weight=sw, reduction=reduction)
    ty = TF.multi_margin_loss(tx, tt, p=p, margin=0.9, weight=tw, reduction=reduction)
    check_both_orders(sy, sx, ty, tx, dtype, seed=case)


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_kink_and_nan_as_torch(p):
    # z = margin - x[y] + x[d] is 0 at d = 1 (a hinge at its kink: slope 0 in PyTorch); a NaN
    # score makes its hinges' z NaN, which add nothing (z > 0 is false).
    x = [[1.0, 0.0, 0.5], [np.nan, 0.0, 0.5], [1.0, np.nan, 0.5]]
    sx, tx = pair(x)
    st, tt = ints([0, 1, 1])
    sy = SF.multi_margin_loss(sx, st, p=p, reduction="none")
    ty = TF.multi_margin_loss(tx, tt, p=p, reduction="none")
    np.testing.assert_array_equal(sy.detach().numpy(), ty.detach().numpy())
    v = np.array([1.0, 2.0, 3.0])
    (sg,) = symgrad.autograd.grad(sy, sx, symgrad.tensor(v))
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(v))
    np.testing.assert_array_equal(sg.numpy(), tg.numpy())
    assert sg.numpy()[0, 1] == 0


def test_multi_margin_loss_of_no_samples():
    # PyTorch's sum and mean of no samples are uninitialised memory (they vary from run to
    # run): symgrad's sum is 0, its mean NaN (0 / 0); the unreduced losses are PyTorch's
    sx, tx = pair(np.zeros((0, 3)))
    st, tt = ints(np.zeros(0))
    close(SF.multi_margin_loss(sx, st, reduction="none"),
          TF.multi_margin_loss(tx, tt, reduction="none"), "float64")
    assert SF.multi_margin_loss(sx, st, reduction="sum").item() == 0
    sy = SF.multi_margin_loss(sx, st)
    assert np.isnan(sy.item())
    (g,) = symgrad.autograd.grad(sy, sx)
    assert g.shape == (0, 3)


def _multi(lib, x, target, dtype="float32", tdtype="int64", **kwargs):
    F = lib.nn.functional
    return F.multi_margin_loss(lib.tensor(np.asarray(x, dtype=dtype)),
                               lib.tensor(np.asarray(target, dtype=tdtype)), **kwargs)


X = np.arange(6.0).reshape(2, 3) / 4


def _weight(lib, values, dtype="float32", requires_grad=False):
    return lib.tensor(np.asarray(values, dtype=dtype), requires_grad=requires_grad)


MULTI_ERRORS = {
    "p 3": lambda lib: _multi(lib, X, [0, 1], p=3),
    "p 0": lambda lib: _multi(lib, X, [0, 1], p=0),
    "reduction": lambda lib: _multi(lib, X, [0, 1], reduction="bogus"),
    "2-d weight": lambda lib: _multi(lib, X, [0, 1], weight=_weight(lib, np.ones((3, 1)))),
    "weight size": lambda lib: _multi(lib, X, [0, 1], weight=_weight(lib, np.ones(2))),
    "weight dtype": lambda lib: _multi(lib, X, [0, 1], weight=_weight(lib, np.ones(3),
                                                                      "float64")),
    "weight requires grad": lambda lib: _multi(lib, X, [0, 1], weight=_weight(
        lib, np.ones(3), requires_grad=True)),
    "target above": lambda lib: _multi(lib, X, [0, 3]),
    "target below": lambda lib: _multi(lib, X, [-1, 0]),
    "target size": lambda lib: _multi(lib, X, [0, 1, 1]),
    "target 2-d": lambda lib: _multi(lib, X, [[0, 1]]),
    "target of a 0-d input": lambda lib: _multi(lib, 1.5, [0, 0]),
    "0-d target out of range": lambda lib: _multi(lib, 1.5, 1),
    "int32 target": lambda lib: _multi(lib, X, [0, 1], tdtype="int32"),
    "float target": lambda lib: _multi(lib, X, [0, 1], tdtype="float32"),
    "int32 target, float64 weight": lambda lib: _multi(
        lib, X, [0, 1], tdtype="int32", weight=_weight(lib, np.ones(3), "float64")),
    "target out of range, float64 weight": lambda lib: _multi(
        lib, X, [0, 7], weight=_weight(lib, np.ones(3), "float64")),
    "int64 input": lambda lib: _multi(lib, X, [0, 1], dtype="int64"),
    "int64 input, int32 target": lambda lib: _multi(lib, X, [0, 1], dtype="int64",
                                                    tdtype="int32"),
    "bool input": lambda lib: _multi(lib, X, [0, 1], dtype="bool"),
    "float16 input": lambda lib: _multi(lib, X, [0, 7], dtype="float16"),
    "empty classes": lambda lib: _multi(lib, np.zeros((2, 0)), [0, 1]),
    "3-d input": lambda lib: _multi(lib, np.zeros((2, 3, 4)), [0, 1]),
}


@pytest.mark.parametrize("case", sorted(MULTI_ERRORS))
def test_multi_margin_loss_errors_as_torch(case):
    call = MULTI_ERRORS[case]
    if case == "float16 input":  # symgrad has no float16 of its own
        same_error(outcome(lambda: SF.multi_margin_loss(
            symgrad.tensor(X).half(), symgrad.tensor([0, 7]))), outcome(lambda: call(torch)))
        return
    same_error(outcome(lambda: call(symgrad)), outcome(lambda: call(torch)))


def test_multi_margin_loss_module_as_torch():
    w = np.array([0.5, 1.0, 2.0])
    for kwargs in ({}, {"p": 2, "margin": 0.25, "reduction": "sum"}):
        for weighted in (False, True):
            sm = symgrad.nn.MultiMarginLoss(weight=symgrad.tensor(w) if weighted else None,
                                            **kwargs)
            tm = torch.nn.MultiMarginLoss(weight=torch.tensor(w) if weighted else None, **kwargs)
            assert repr(sm) == repr(tm)
            assert sorted(sm.state_dict()) == sorted(tm.state_dict())
            assert (sm.p, sm.margin, sm.reduction) == (tm.p, tm.margin, tm.reduction)
            sx, tx = pair(X)
            st, tt = ints([2, 0])
            check_both_orders(sm(sx, st), sx, tm(tx, tt), tx, "float64")
    for kwargs in ({"p": 3}, {"weight": np.ones((2, 2))}):
        same_error(outcome(lambda: symgrad.nn.MultiMarginLoss(**{  # noqa: B023
            k: symgrad.tensor(v) if k == "weight" else v for k, v in kwargs.items()})),  # noqa: B023
                   outcome(lambda: torch.nn.MultiMarginLoss(**{  # noqa: B023
                       k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()})))  # noqa: B023


def test_multi_margin_loss_deprecated_arguments_as_torch():
    sx, tx = pair(X)
    st, tt = ints([2, 0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        sy = SF.multi_margin_loss(sx, st, size_average=False)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        ty = TF.multi_margin_loss(tx, tt, size_average=False)
    close(sy, ty, "float64")


# -- multilabel_margin_loss ---------------------------------------------------------------------
def _labels(rng, rows: int, classes: int) -> np.ndarray:
    """Per row some targets (repeats now and then), a -1, then anything in range."""
    out = rng.integers(-1, classes, size=(rows, classes))
    for row in out:
        k = rng.integers(0, classes + 1)
        row[:k] = rng.choice(classes, size=k)
        if k < classes:
            row[k] = -1
    return out


MULTILABEL_CASES = (((4, 5), 0), ((5,), 1), ((3, 2), 2), ((), 3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", range(len(MULTILABEL_CASES)))
def test_multilabel_margin_loss_matches_torch(dtype, reduction, case):
    shape, seed = MULTILABEL_CASES[case]
    rng = np.random.default_rng(seed)
    sx, tx = pair(rng.standard_normal(shape) * 0.8, dtype)
    classes = shape[-1] if shape else 1
    target = _labels(rng, 1 if len(shape) < 2 else shape[0], classes).reshape(shape)
    st, tt = ints(target)
    sy = SF.multilabel_margin_loss(sx, st, reduction=reduction)
    ty = TF.multilabel_margin_loss(tx, tt, reduction=reduction)
    check_both_orders(sy, sx, ty, tx, dtype, seed=case)


def test_multilabel_margin_loss_kinks_repeats_and_nan_as_torch():
    # row 0: 1 - (x[0] - x[1]) is 0 (a kink: slope 0); row 1: a repeated target counts twice;
    # row 2: a NaN score adds nothing; row 3: no target before the -1
    x = [[1.0, 0.0, 0.5, 0.25], [0.5, -0.5, 0.75, 0.0], [np.nan, 0.5, 0.0, 1.0],
         [0.5, 1.0, 2.0, 0.0]]
    sx, tx = pair(x)
    st, tt = ints([[0, -1, 2, 1], [1, 1, 3, -1], [0, 2, -1, -1], [-1, 0, 1, 2]])
    sy = SF.multilabel_margin_loss(sx, st, reduction="none")
    ty = TF.multilabel_margin_loss(tx, tt, reduction="none")
    np.testing.assert_allclose(sy.detach().numpy(), ty.detach().numpy(), rtol=1e-15)
    v = np.array([1.0, 2.0, 3.0, 4.0])
    (sg,) = symgrad.autograd.grad(sy, sx, symgrad.tensor(v))
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(v))
    np.testing.assert_allclose(sg.numpy(), tg.numpy(), rtol=1e-15)
    assert sg.numpy()[0, 1] == 0 and not sg.numpy()[3].any()


def test_multilabel_margin_loss_of_no_samples():
    # as multi_margin_loss's: PyTorch's sum and mean of no samples vary from run to run
    sx, tx = pair(np.zeros((0, 3)))
    st, tt = ints(np.zeros((0, 3)))
    close(SF.multilabel_margin_loss(sx, st, reduction="none"),
          TF.multilabel_margin_loss(tx, tt, reduction="none"), "float64")
    assert SF.multilabel_margin_loss(sx, st, reduction="sum").item() == 0
    assert np.isnan(SF.multilabel_margin_loss(sx, st).item())


def _multilabel(lib, x, target, dtype="float32", tdtype="int64", **kwargs):
    F = lib.nn.functional
    return F.multilabel_margin_loss(lib.tensor(np.asarray(x, dtype=dtype)),
                                    lib.tensor(np.asarray(target, dtype=tdtype)), **kwargs)


T = [[0, 2, -1], [1, -1, 0]]
MULTILABEL_ERRORS = {
    "reduction": lambda lib: _multilabel(lib, X, T, reduction="bogus"),
    "target shape": lambda lib: _multilabel(lib, X, [[0, 1], [1, 0]]),
    "1-d target of a batch": lambda lib: _multilabel(lib, X, [0, 1, 2]),
    "2-d target of a sample": lambda lib: _multilabel(lib, X[0], T),
    "target above": lambda lib: _multilabel(lib, X, [[0, 3, -1], [1, -1, 0]]),
    "target below": lambda lib: _multilabel(lib, X, [[0, -2, -1], [1, -1, 0]]),
    "out of range after the -1": lambda lib: _multilabel(lib, X, [[0, -1, 9], [1, -1, 0]]),
    "int32 target": lambda lib: _multilabel(lib, X, T, tdtype="int32"),
    "int32 target out of range": lambda lib: _multilabel(lib, X, [[0, 5, 1], [0, 1, 1]],
                                                         tdtype="int32"),
    "float target": lambda lib: _multilabel(lib, X, T, tdtype="float32"),
    "int64 input": lambda lib: _multilabel(lib, X, T, dtype="int64"),
    "int64 input, int32 target": lambda lib: _multilabel(lib, X, T, dtype="int64",
                                                         tdtype="int32"),
    "bool input": lambda lib: _multilabel(lib, X, T, dtype="bool"),
    "empty classes": lambda lib: _multilabel(lib, np.zeros((2, 0)), np.zeros((2, 0))),
    "3-d input": lambda lib: _multilabel(lib, np.zeros((2, 3, 4)), np.zeros((2, 3, 4))),
}


@pytest.mark.parametrize("case", sorted(MULTILABEL_ERRORS))
def test_multilabel_margin_loss_errors_as_torch(case):
    call = MULTILABEL_ERRORS[case]
    same_error(outcome(lambda: call(symgrad)), outcome(lambda: call(torch)))


def test_multilabel_margin_loss_half_refused_after_the_range_as_torch():
    for target in ([[0, 5, 1], [0, 1, 1]], [[0, 1, -1], [0, 1, 1]]):
        same_error(outcome(lambda: SF.multilabel_margin_loss(  # noqa: B023
            symgrad.tensor(X).half(), symgrad.tensor(target))),  # noqa: B023
            outcome(lambda: TF.multilabel_margin_loss(  # noqa: B023
                torch.tensor(X).half(), torch.tensor(target))))  # noqa: B023


def test_multilabel_margin_loss_module_as_torch():
    for kwargs in ({}, {"reduction": "sum"}, {"reduction": "none"}):
        sm, tm = symgrad.nn.MultiLabelMarginLoss(**kwargs), torch.nn.MultiLabelMarginLoss(**kwargs)
        assert repr(sm) == repr(tm)
        assert sm.reduction == tm.reduction
        sx, tx = pair(X)
        st, tt = ints(T)
        check_both_orders(sm(sx, st), sx, tm(tx, tt), tx, "float64")
    with pytest.warns(UserWarning):
        sm = symgrad.nn.MultiLabelMarginLoss(reduce=False)
    with pytest.warns(UserWarning):
        tm = torch.nn.MultiLabelMarginLoss(reduce=False)
    assert sm.reduction == tm.reduction == "none"
