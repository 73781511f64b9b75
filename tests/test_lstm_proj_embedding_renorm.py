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
    for got, want in zip(*results, strict=True):
        if isinstance(want, np.ndarray):
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL[dtype])
        else:
            assert got == want


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
    for got, want in zip(*results, strict=True):
        if isinstance(want, np.ndarray):
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL[dtype])
        else:
            assert got == want


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
    for got, want in zip(*results, strict=True):
        if isinstance(want, np.ndarray):
            np.testing.assert_allclose(got, want, rtol=0, atol=TOL[dtype])
        else:
            assert got == want
