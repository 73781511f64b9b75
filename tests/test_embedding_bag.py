"""Parity with PyTorch 2.13 for ``embedding_bag`` and ``nn.EmbeddingBag`` (helper loss):
values, grad_fn names, gradients in the table and the per-sample weights, the second order's
errors, the errors of bad input (class and message), and the layer's initial table under a
seed. Expected values come from torch, never from the code under test.
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
RTOL = {"float32": 2e-6, "float64": 1e-14, "float16": 2e-3, "bfloat16": 1.6e-2}


def outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return e


def _text(e: Exception) -> str:
    # symgrad names its own types where PyTorch names its (a Size, the Tensor class)
    return str(e).replace("symgrad.tensor.Tensor", "torch.Tensor").replace("symgrad.", "torch.")


def same_error(got, want) -> None:
    assert isinstance(want, Exception), f"PyTorch gave {want!r}"
    assert isinstance(got, Exception), f"PyTorch raised {want!r}, symgrad gave {got!r}"
    assert (type(got).__name__, _text(got)) == (type(want).__name__, _text(want))


def close(got, want, dtype: str) -> None:
    want = want.detach().to(torch.float64).numpy()
    got = got.detach().to(symgrad.float64).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=RTOL[dtype])


def both(values, dtype="float64", requires_grad=True):
    a = np.asarray(values, dtype=np.float64)
    s = symgrad.tensor(a, requires_grad=requires_grad).to(getattr(symgrad, dtype)).detach()
    t = torch.tensor(a).to(getattr(torch, dtype))
    return s.requires_grad_(requires_grad), t.requires_grad_(requires_grad)


def ints(values, dtype="int64"):
    a = np.asarray(values, dtype=dtype)
    return symgrad.tensor(a), torch.tensor(a)


TABLE = np.random.default_rng(7).standard_normal((7, 4)).round(3)
# (indices, offsets, include_last_offset): an empty bag, one bag, include_last_offset with an
# empty last bag, repeated rows, fixed-length bags of a 2-d input
LAYOUTS = {
    "offsets": ([1, 2, 4, 5, 4, 3, 6, 0], [0, 2, 2, 5], False),
    "one bag": ([3, 3, 1], [0], False),
    "last offset": ([1, 2, 4, 5, 4, 3], [0, 4, 6, 6], True),
    "2-d": ([[1, 2, 6], [4, 4, 0]], None, False),
}


def _call(lib, layout, weight, psw=None, **kwargs):
    indices, offsets, last = LAYOUTS[layout]
    index = lib.tensor(np.asarray(indices, dtype=np.int64))
    offs = None if offsets is None else lib.tensor(np.asarray(offsets, dtype=np.int64))
    return lib.nn.functional.embedding_bag(index, weight, offs, include_last_offset=last,
                                           per_sample_weights=psw, **kwargs)


def _psw(layout, dtype):
    n = int(np.prod(np.shape(LAYOUTS[layout][0])))
    return both(np.linspace(-1.5, 2.0, n).reshape(np.shape(LAYOUTS[layout][0])), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["sum", "mean", "max", "weighted"])
@pytest.mark.parametrize("padding_idx", [None, 4, -1])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_embedding_bag_matches_torch(dtype, mode, padding_idx, layout):
    sw, tw = both(TABLE, dtype)
    (sp, tp) = _psw(layout, dtype) if mode == "weighted" else (None, None)
    kwargs = {"mode": "sum" if mode == "weighted" else mode, "padding_idx": padding_idx}
    sy, ty = _call(symgrad, layout, sw, sp, **kwargs), _call(torch, layout, tw, tp, **kwargs)
    close(sy, ty, dtype)
    assert str(sy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    assert type(sy.grad_fn).__name__ == type(ty.grad_fn).__name__ == "EmbeddingBagBackward0"
    # first order under a cotangent that requires grad, then the second order's errors
    v = np.random.default_rng(1).uniform(-1, 1, tuple(ty.shape))
    sv, tv = both(v, dtype)
    leaves = [(sw, tw)] + ([(sp, tp)] if sp is not None else [])
    sg = symgrad.autograd.grad(sy, [s for s, _ in leaves], sv, create_graph=True)
    tg = torch.autograd.grad(ty, [t for _, t in leaves], tv, create_graph=True)
    for a, b in zip(sg, tg, strict=True):
        close(a, b, dtype)
        assert a.grad_fn.name() == b.grad_fn.name()
        same_error(outcome(lambda a=a: symgrad.autograd.grad(a.sum(), [sv, sw])),
                   outcome(lambda b=b: torch.autograd.grad(b.sum(), [tv, tw])))


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_a_constant_cotangent_gives_a_constant_gradient_as_torch(mode):
    # PyTorch's gradient of the table reads no value of it: with a constant cotangent it is a
    # constant (no grad_fn), its own gradient refused as of any constant
    sw, tw = both(TABLE)
    sy, ty = _call(symgrad, "offsets", sw, mode=mode), _call(torch, "offsets", tw, mode=mode)
    (sg,) = symgrad.autograd.grad(sy.sum(), sw, create_graph=True)
    (tg,) = torch.autograd.grad(ty.sum(), tw, create_graph=True)
    close(sg, tg, "float64")
    assert sg.grad_fn is None and tg.grad_fn is None and not sg.requires_grad


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_half_types_as_torch(dtype, mode):
    sw, tw = both(TABLE, dtype)
    sy, ty = _call(symgrad, "offsets", sw, mode=mode), _call(torch, "offsets", tw, mode=mode)
    close(sy, ty, dtype)
    assert str(sy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    (sg,), (tg,) = symgrad.autograd.grad(sy.sum(), sw), torch.autograd.grad(ty.sum(), tw)
    close(sg, tg, dtype)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_no_bags(mode):
    # no offsets: no bags, a (0, dim) result, and a zero gradient. Not compared with PyTorch:
    # its kernel crashes the process there (a float64 table, one requiring grad, or max)
    sw = symgrad.tensor(TABLE, requires_grad=True)
    sy = SF.embedding_bag(symgrad.tensor([1, 2]), sw, symgrad.tensor(np.zeros(0, np.int64)),
                          mode=mode)
    assert sy.shape == (0, 4) and sy.dtype is symgrad.float64
    (g,) = symgrad.autograd.grad(sy, sw, symgrad.zeros(0, 4, dtype=symgrad.float64))
    assert g.shape == TABLE.shape and not g.numpy().any()


def test_max_ties_go_to_the_first_row_as_torch():
    # column 0: rows 0 and 1 tie (1.0); column 1: all three rows tie (2.0); repeated row 1
    table = [[1.0, 2.0], [1.0, 2.0], [0.0, 2.0]]
    sw, tw = both(table)
    si, ti = ints([2, 1, 0, 1, 1])
    so, to = ints([0])
    sy = SF.embedding_bag(si, sw, so, mode="max")
    ty = TF.embedding_bag(ti, tw, to, mode="max")
    close(sy, ty, "float64")
    (sg,), (tg,) = symgrad.autograd.grad(sy.sum(), sw), torch.autograd.grad(ty.sum(), tw)
    np.testing.assert_array_equal(sg.numpy(), tg.numpy())


def test_int32_indices_and_offsets_as_torch():
    # one of them int64 or int32 is enough for PyTorch (int16 indices with int64 offsets run)
    sw, tw = both(TABLE)
    for idx_dtype, off_dtype in (("int32", "int32"), ("int32", "int64"), ("int64", "int32"),
                                 ("int16", "int64"), ("int64", "uint8")):
        (si, ti), (so, to) = ints([1, 2, 4, 5], idx_dtype), ints([0, 1], off_dtype)
        close(SF.embedding_bag(si, sw, so), TF.embedding_bag(ti, tw, to), "float64")


def _bag(lib, indices=(1, 2, 4, 5), offsets=(0, 2), weight=None, idx="int64", off="int64",
         wdtype="float32", psw=None, **kwargs):
    weight = np.ones((6, 3)) if weight is None else weight
    index = lib.tensor(np.asarray(indices, dtype=idx))
    offs = None if offsets is None else lib.tensor(np.asarray(offsets, dtype=off))
    w = lib.tensor(np.asarray(weight, dtype=np.float64)).to(getattr(lib, wdtype))
    if psw is not None:
        psw = lib.tensor(np.asarray(psw[0], dtype=np.float64)).to(getattr(lib, psw[1]))
    return lib.nn.functional.embedding_bag(index, w, offs, per_sample_weights=psw, **kwargs)


ERRORS = {
    "mode": lambda lib: _bag(lib, mode="min"),
    "max and scale_grad_by_freq": lambda lib: _bag(lib, mode="max", scale_grad_by_freq=True),
    "max and sparse": lambda lib: _bag(lib, mode="max", sparse=True),
    "per_sample_weights with mean": lambda lib: _bag(lib, psw=(np.ones(4), "float32")),
    "per_sample_weights with max": lambda lib: _bag(lib, mode="max",
                                                    psw=(np.ones(4), "float32")),
    "per_sample_weights shape": lambda lib: _bag(lib, mode="sum", psw=(np.ones(3), "float32")),
    "per_sample_weights 2-d": lambda lib: _bag(lib, mode="sum",
                                               psw=(np.ones((4, 1)), "float32")),
    "per_sample_weights dtype": lambda lib: _bag(lib, mode="sum",
                                                 psw=(np.ones(4), "float64")),
    "1-d weight": lambda lib: _bag(lib, weight=np.ones(6)),
    "3-d input": lambda lib: _bag(lib, indices=np.zeros((1, 2, 2)), offsets=None),
    "2-d input with offsets": lambda lib: _bag(lib, indices=[[1, 2]], offsets=[0]),
    "2-d input of empty bags": lambda lib: _bag(lib, indices=np.zeros((2, 0)), offsets=None),
    "1-d input without offsets": lambda lib: _bag(lib, offsets=None),
    "2-d offsets": lambda lib: _bag(lib, offsets=[[0, 2]]),
    "float indices": lambda lib: _bag(lib, idx="float32"),
    "int16 indices and offsets": lambda lib: _bag(lib, idx="int16", off="int16"),
    "2-d int16 indices": lambda lib: _bag(lib, indices=[[1, 2]], offsets=None, idx="int16"),
    "float offsets": lambda lib: _bag(lib, off="float32"),
    "int64 table": lambda lib: _bag(lib, wdtype="int64"),
    "int32 table": lambda lib: _bag(lib, wdtype="int32"),
    "bool table": lambda lib: _bag(lib, wdtype="bool"),
    "first offset": lambda lib: _bag(lib, offsets=[1, 2]),
    "last offset past the input": lambda lib: _bag(lib, offsets=[0, 5]),
    "negative offset": lambda lib: _bag(lib, offsets=[0, -1, 2]),
    "include_last_offset without offsets": lambda lib: _bag(lib, offsets=[],
                                                            include_last_offset=True),
    # (PyTorch names the first bad index when the first bag holds it; else an internal
    # assertion's text, which symgrad does not copy)
    "index above": lambda lib: _bag(lib, indices=[1, 6, 0, 9], offsets=[0]),
    "index below": lambda lib: _bag(lib, indices=[1, 2, -1, 0], offsets=[0]),
    "index above in the first bag": lambda lib: _bag(lib, indices=[6, 1, 0, 0]),
    "first offset before the index range": lambda lib: _bag(lib, indices=[1, 9], offsets=[1]),
    "padding_idx above": lambda lib: _bag(lib, padding_idx=6),
    "padding_idx below": lambda lib: _bag(lib, padding_idx=-7),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_embedding_bag_errors_as_torch(case):
    same_error(outcome(lambda: ERRORS[case](symgrad)), outcome(lambda: ERRORS[case](torch)))


@pytest.mark.parametrize(("last", "message"), [
    (False, "Expected i < index_size to be true, but got false.  (Could this error message be "
            "improved?  If so, please report an enhancement request to PyTorch.)"),
    (True, "Your input appears to be incorrect: the last offset value should be the size of the "
           "indices tensor, but it seems not to be the case.")])
def test_decreasing_offsets_are_refused(last, message):
    # PyTorch's outcome here varies from run to run (this message, or bags of zeros): symgrad
    # always raises the message PyTorch gives when it raises
    with pytest.raises(RuntimeError) as info:
        _bag(symgrad, offsets=[0, 3, 2], include_last_offset=last)
    assert str(info.value) == message


def test_include_last_offset_short_of_the_input_is_refused():
    # PyTorch documents the last offset as the input's size; below it its kernels disagree
    # (float32's sum stops at the last offset, float64's reads on to the end): symgrad raises
    # the message PyTorch gives a decreasing last offset there
    def call(lib, dtype):
        return _bag(lib, offsets=[0, 2, 3], include_last_offset=True, mode="sum",
                    weight=np.arange(18.0).reshape(6, 3), wdtype=dtype)

    assert call(torch, "float32")[1, 0] != call(torch, "float64")[1, 0]
    with pytest.raises(RuntimeError, match="^Your input appears to be incorrect: the last "
                                           "offset value should be the size of the indices"):
        call(symgrad, "float32")


# max_norm is computed (tests/test_lstm_proj_embedding_renorm.py).
@pytest.mark.parametrize("option", [{"sparse": True}, {"scale_grad_by_freq": True}])
def test_what_symgrad_does_not_do_is_refused_clearly(option):
    # as symgrad's F.embedding refuses them (PyTorch computes: a sparse gradient, gradients
    # scaled by the frequency)
    for call in (lambda: _bag(symgrad, **option),
                 lambda: SF.embedding(symgrad.tensor([1]), symgrad.ones(3, 2), **option)):
        with pytest.raises(NotImplementedError, match="is not supported"):
            call()
    with pytest.raises(NotImplementedError, match="is not supported"):
        symgrad.nn.EmbeddingBag(3, 2, **option)


def test_the_old_argument_order_warns_and_swaps_as_torch():
    w, idx = np.arange(12.0).reshape(4, 3), np.array([[1, 3]])
    with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag"):
        sy = SF.embedding_bag(symgrad.tensor(w), symgrad.tensor(idx))
    with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag"):
        ty = TF.embedding_bag(torch.tensor(w), torch.tensor(idx))
    close(sy, ty, "float64")


# -- nn.EmbeddingBag -------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"mode": "sum", "padding_idx": -2},
                                    {"mode": "max", "include_last_offset": True},
                                    {"dtype": "float64", "norm_type": 1.0}])
def test_embedding_bag_layer_as_torch(kwargs):
    def make(lib):
        options = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
        lib.manual_seed(11)
        return lib.nn.EmbeddingBag(9, 4, **options)

    sm, tm = make(symgrad), make(torch)
    assert repr(sm) == repr(tm)
    assert sorted(sm.state_dict()) == sorted(tm.state_dict())
    assert str(sm.weight.dtype).split(".")[-1] == str(tm.weight.dtype).split(".")[-1]
    np.testing.assert_array_equal(sm.weight.detach().numpy(), tm.weight.detach().numpy())
    assert (sm.mode, sm.padding_idx, sm.include_last_offset) == (
        tm.mode, tm.padding_idx, tm.include_last_offset)
    si, ti = ints([1, 2, 7, 8, 7, 0])
    so, to = ints([0, 2, 6] if kwargs.get("include_last_offset") else [0, 2])
    sy, ty = sm(si, so), tm(ti, to)
    close(sy, ty, "float64" if "dtype" in kwargs else "float32")
    sy.sum().backward()
    ty.sum().backward()
    close(sm.weight.grad, tm.weight.grad, "float32")


def test_embedding_bag_layer_per_sample_weights_and_2d_input_as_torch():
    symgrad.manual_seed(2)
    torch.manual_seed(2)
    sm, tm = symgrad.nn.EmbeddingBag(5, 3, mode="sum"), torch.nn.EmbeddingBag(5, 3, mode="sum")
    sp, tp = both([[0.5, -1.0], [2.0, 1.5]], "float32")
    si, ti = ints([[0, 4], [3, 3]])
    close(sm(si, per_sample_weights=sp), tm(ti, per_sample_weights=tp), "float32")


@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained_as_torch(freeze):
    table = np.arange(12.0).reshape(4, 3)
    sm = symgrad.nn.EmbeddingBag.from_pretrained(symgrad.tensor(table), freeze=freeze,
                                                 mode="max", padding_idx=1)
    tm = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), freeze=freeze, mode="max",
                                               padding_idx=1)
    assert repr(sm) == repr(tm)
    assert sm.weight.requires_grad is tm.weight.requires_grad is (not freeze)
    np.testing.assert_array_equal(sm.weight.detach().numpy(), table)  # padding row kept
    si, ti = ints([[0, 1], [1, 3]])
    close(sm(si), tm(ti), "float64")


def test_layer_errors_as_torch():
    for make in (lambda lib: lib.nn.EmbeddingBag(3, 2, padding_idx=3),
                 lambda lib: lib.nn.EmbeddingBag(3, 2, padding_idx=-4),
                 lambda lib: lib.nn.EmbeddingBag(3, 2, _weight=lib.ones(2, 2)),
                 lambda lib: lib.nn.EmbeddingBag.from_pretrained(lib.ones(3))):
        same_error(outcome(lambda: make(symgrad)), outcome(lambda: make(torch)))  # noqa: B023
