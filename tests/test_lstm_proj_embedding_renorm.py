"""Against torch 2.13: ``embedding(max_norm=)`` / ``nn.Embedding(max_norm=)`` and
``embedding_renorm_`` (the table's looked-up rows scaled down in place, under no_grad),
and ``nn.LSTM(proj_size=)`` (the LSTM with projections).

Compared: values, the table after the call, ``_version``, grad_fn names, gradients of every
parameter and input, and errors with class and message. Tolerances: 1e-6 (float32) and 1e-12
(float64), absolute.
"""

from __future__ import annotations

import math
import warnings  # noqa: F401 (the LSTM tests below)
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

ENGINES = (symgrad, torch)
TOL = {"float32": 1e-6, "float64": 1e-12}


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


def _same(got: Any, want: Any, tol: float) -> None:
    """symgrad's outcomes as torch's: arrays within ``tol``, the rest equal."""
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if isinstance(w, np.ndarray):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=0, atol=tol)
        else:
            assert g == w


def _message(e: BaseException) -> tuple[str, str]:
    return type(e).__name__, str(e).replace("torch.", "symgrad.")


def _outcome(fn: Any) -> Any:
    """What ``fn`` (given a library) returns, or the class and message of what it raises."""
    results = []
    for lib in ENGINES:
        try:
            results.append(fn(lib))
        except Exception as e:  # noqa: BLE001 (the error is the result compared)
            results.append(_message(e))
    return results


# -- embedding_renorm_ -------------------------------------------------------------------------
TABLE = np.array([[3.0, 4.0, 0.0], [0.1, -0.2, 0.3], [-6.0, 8.0, 2.0], [0.0, 0.0, 0.0],
                  [1.0, -1.0, 1.0]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.0, 3.5, math.inf, -1.0])
@pytest.mark.parametrize("max_norm", [1.0, 0.25, -1.0])
def test_embedding_renorm_matches_torch(max_norm: float, norm_type: float, dtype: str) -> None:
    indices = [[2, 0], [4, 2], [-5, 1]]  # repeats, and a negative index (row 0 again)
    tables, versions = [], []
    for lib in ENGINES:
        table = lib.tensor(TABLE, dtype=getattr(lib, dtype))
        out = lib.embedding_renorm_(table, lib.tensor(indices), max_norm, norm_type)
        assert out is table
        tables.append(_np(table))
        versions.append(table._version)
    np.testing.assert_allclose(tables[0], tables[1], rtol=0, atol=TOL[dtype])
    assert versions == [1, 1]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_embedding_renorm_of_half_types_is_torch_s_bitwise(dtype: str) -> None:
    # The factor is rounded to the table's dtype before the product (in float32).
    table = np.sin(np.arange(30.0) * 0.9).reshape(10, 3) * 3
    got, want = (_np(lib.embedding_renorm_(lib.tensor(table, dtype=getattr(lib, dtype)),
                                           lib.tensor(list(range(10))), 1.0, 2.0).float())
                 for lib in ENGINES)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("call", [
    lambda L: L.embedding_renorm_(L.ones(5, 3, requires_grad=True), L.tensor([0]), 1.0, 2.0),
    lambda L: L.embedding_renorm_(L.ones(5), L.tensor([0]), 1.0, 2.0),
    lambda L: L.embedding_renorm_(L.ones(5, 3), L.tensor([0.0]), 1.0, 2.0),
    lambda L: L.embedding_renorm_(L.ones(5, 3, dtype=L.int64), L.tensor([0]), 1.0, 2.0),
    lambda L: L.embedding_renorm_(L.ones(5, 3), L.tensor([1, 7]), 1.0, 2.0),
    lambda L: L.embedding_renorm_(L.ones(5, 3), L.tensor([1, -9]), 1.0, 2.0),
    lambda L: L.nn.functional.embedding(L.tensor([5]), L.ones(5, 3), max_norm=1.0),
    lambda L: L.nn.functional.embedding(L.tensor([-1]), L.ones(5, 3), max_norm=1.0),
    lambda L: L.nn.functional.embedding(L.tensor([1.0]), L.ones(5, 3), max_norm=1.0),
    lambda L: L.nn.functional.embedding(L.tensor([1]), L.ones(5), max_norm=1.0),
    lambda L: L.embedding_renorm_(2.5, L.tensor([0]), 1.0, 2.0),
    lambda L: L.embedding_renorm_(L.ones(5, 3), [0], 1.0, 2.0),
], ids=["leaf", "1-D table", "float indices", "int table", "past the end", "before the start",
        "embedding past the end", "embedding negative", "embedding float", "embedding 1-D",
        "a number table", "a list of indices"])
def test_embedding_renorm_errors_match_torch(call: Any) -> None:
    got, want = _outcome(call)
    assert isinstance(want, tuple), want
    assert got == want


def test_embedding_renorm_recorded_has_no_derivative() -> None:
    results = []
    for lib in ENGINES:
        table = lib.tensor(TABLE, requires_grad=True) * 1
        out = lib.embedding_renorm_(table, lib.tensor([0, 2]), 1.0, 2.0)
        with pytest.raises(NotImplementedError) as info:
            out.sum().backward()
        results.append((type(out.grad_fn).__name__, table._version, str(info.value)))
    assert results[0] == results[1]


def test_embedding_renorm_stops_at_a_bad_index_rows_before_it_written() -> None:
    tables = []
    for lib in ENGINES:
        table = lib.tensor(TABLE)
        with pytest.raises(IndexError):
            lib.embedding_renorm_(table, lib.tensor([7, 0, 2]), 1.0, 2.0)
        tables.append((_np(table).tolist(), table._version))
    assert tables[0] == tables[1]


# -- embedding(max_norm=) ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_functional_embedding_max_norm_matches_torch(norm_type: float, padding_idx: int | None,
                                                     dtype: str) -> None:
    indices = [[2, 0, 0], [4, 2, 1]]
    upstream = np.cos(np.arange(18.0)).reshape(2, 3, 3)
    results = []
    for lib in ENGINES:
        leaf = lib.tensor(TABLE, dtype=getattr(lib, dtype), requires_grad=True)
        table = leaf * 1  # a table with a graph: the gradient flows to the leaf
        out = lib.nn.functional.embedding(lib.tensor(indices), table, padding_idx, 1.5,
                                          norm_type)
        (out * lib.tensor(upstream, dtype=getattr(lib, dtype))).sum().backward()
        results.append((_np(out), _np(table), _np(leaf.grad), type(out.grad_fn).__name__,
                        type(table.grad_fn).__name__, table._version, leaf._version))
    _same(*results, TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_module_max_norm_matches_torch(dtype: str) -> None:
    results = []
    for lib in ENGINES:
        lib.manual_seed(0)
        module = lib.nn.Embedding(6, 4, max_norm=1.0, norm_type=3.0, dtype=getattr(lib, dtype))
        before = module.weight._version
        out = module(lib.tensor([[5, 1], [1, 3]]))
        (out * out).sum().backward()
        results.append((_np(out), _np(module.weight), _np(module.weight.grad),
                        type(out.grad_fn).__name__, module.weight._version - before,
                        repr(module)))
    _same(*results, TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_max_norm_matches_torch(mode: str, dtype: str) -> None:
    results = []
    for lib in ENGINES:
        lib.manual_seed(0)
        module = lib.nn.EmbeddingBag(6, 4, max_norm=1.2, mode=mode, dtype=getattr(lib, dtype))
        out = module(lib.tensor([5, 1, 1, 3, 0]), lib.tensor([0, 2]))
        (out * out).sum().backward()
        results.append((_np(out), _np(module.weight), _np(module.weight.grad),
                        type(out.grad_fn).__name__, module.weight._version, repr(module)))
    _same(*results, TOL[dtype])


# -- LSTM(proj_size=) --------------------------------------------------------------------------
def _lstm(lib: Any, kwargs: dict, dtype: str) -> Any:
    lib.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's: projections are not run by oneDNN
        return lib.nn.LSTM(3, 5, proj_size=2, **kwargs).to(getattr(lib, dtype))


def _lstm_run(lib: Any, kwargs: dict, dtype: str, x: np.ndarray, states: bool, packed: bool
              ) -> tuple[list, list, list]:
    """The parameters, then the results and the gradients of input, states and parameters."""
    module = _lstm(lib, kwargs, dtype)
    cast = getattr(lib, dtype)
    inp = lib.tensor(x, dtype=cast, requires_grad=True)
    directions = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1) * directions
    batch = x.shape[0] if kwargs.get("batch_first") else x.shape[1]
    batched = () if x.ndim == 2 else (batch,)
    shapes = [(layers, *batched, 2), (layers, *batched, 5)]
    hx = [lib.tensor(np.sin(np.arange(math.prod(s)) + k).reshape(s), dtype=cast,
                     requires_grad=True) for k, s in enumerate(shapes)] if states else []
    given = inp
    if packed:
        given = lib.nn.utils.rnn.pack_padded_sequence(inp, [4, 2, 1], enforce_sorted=False,
                                                      batch_first=kwargs.get("batch_first",
                                                                             False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, (h, c) = module(given, tuple(hx) if states else None)
    out = out.data if packed else out
    loss = sum((t * lib.tensor(np.cos(np.arange(t.numel())).reshape(tuple(t.shape)),
                               dtype=cast)).sum() for t in (out, h, c))
    loss.backward()
    params = [(name, tuple(p.shape), _np(p)) for name, p in module.named_parameters()]
    results = [_np(out), _np(h), _np(c), type(out.grad_fn).__name__,
               type(h.grad_fn).__name__, type(c.grad_fn).__name__, repr(module)]
    grads = [_np(inp.grad)] + [_np(t.grad) for t in hx] + [
        _np(p.grad) for _, p in module.named_parameters()]
    return params, results, grads


LSTM_CASES = [({}, False, False), ({"num_layers": 2}, True, False),
              ({"bidirectional": True}, True, False),
              ({"num_layers": 2, "bidirectional": True, "bias": False}, False, False),
              ({"batch_first": True, "num_layers": 2}, True, False),
              ({}, True, True), ({"bidirectional": True, "num_layers": 2}, True, True),
              ({"batch_first": True, "bidirectional": True}, False, True)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("kwargs", "states", "packed"), LSTM_CASES, ids=str)
def test_lstm_proj_size_matches_torch(kwargs: dict, states: bool, packed: bool,
                                      dtype: str) -> None:
    x = np.cos(np.arange(36.0) * 0.7).reshape(3, 4, 3) if kwargs.get("batch_first") else \
        np.cos(np.arange(36.0) * 0.7).reshape(4, 3, 3)
    got, want = (_lstm_run(lib, kwargs, dtype, x, states, packed) for lib in ENGINES)
    assert [(n, s) for n, s, _ in got[0]] == [(n, s) for n, s, _ in want[0]]
    for (_, _, g), (_, _, w) in zip(got[0], want[0], strict=True):
        np.testing.assert_array_equal(g, w)  # the same draws, in the same order
    _same(got[1], want[1], TOL[dtype])
    _same(got[2], want[2], TOL[dtype])


@pytest.mark.parametrize("states", [False, True])
def test_lstm_proj_size_unbatched_matches_torch(states: bool) -> None:
    x = np.cos(np.arange(12.0) * 0.7).reshape(4, 3)
    got, want = (_lstm_run(lib, {"num_layers": 2}, "float64", x, states, False)
                 for lib in ENGINES)
    _same(got[1], want[1], TOL["float64"])
    _same(got[2], want[2], TOL["float64"])


@pytest.mark.parametrize("call", [
    lambda L: _lstm(L, {}, "float32")(L.ones(4, 3, 3), (L.zeros(1, 3, 5), L.zeros(1, 3, 5))),
    lambda L: _lstm(L, {}, "float32")(L.ones(4, 3, 3), (L.zeros(1, 3, 2), L.zeros(1, 3, 2))),
    lambda L: L.nn.LSTM(3, 4, proj_size=4),
    lambda L: L.nn.LSTM(3, 4, proj_size=-1),
    lambda L: L.nn.GRU(3, 4, proj_size=2),
    lambda L: L.nn.RNN(3, 4, proj_size=2),
], ids=["h0 of hidden_size", "c0 of proj_size", "proj = hidden",
        "negative", "GRU", "RNN"])
def test_lstm_proj_size_errors_match_torch(call: Any) -> None:
    got, want = _outcome(call)
    assert isinstance(want, tuple), want
    assert got == want


@pytest.mark.parametrize(("shapes", "message"), [
    (((1, 3, 5), (1, 3, 5)), r"Expected hidden\[0\] size \(1, 3, 2\), got \[1, 3, 5\]"),
    (((1, 3, 2), (1, 3, 2)), r"Expected hidden\[1\] size \(1, 3, 5\), got \[1, 3, 2\]")])
def test_lstm_proj_size_packed_states_are_checked(shapes: tuple, message: str) -> None:
    # torch 2.13 does not check the states of a packed input (its Python checks only the
    # padded path's): its kernel then fails with "got an incorrect number of RNN parameters",
    # a shape error from inside, or a segmentation fault. symgrad checks them as the padded
    # path's, with those messages.
    packed = symgrad.nn.utils.rnn.pack_padded_sequence(symgrad.ones(4, 3, 3), [4, 2, 1])
    with pytest.raises(RuntimeError, match=message):
        _lstm(symgrad, {}, "float32")(packed, tuple(symgrad.zeros(s) for s in shapes))
