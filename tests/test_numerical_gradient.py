"""gradient (symgrad/ops/numerical_gradient.py) against PyTorch 2.13: values to the bit, dtypes,
CatBackward0, first and second order gradients through it, and errors."""

from __future__ import annotations

import numpy as np
import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")

V = [1.0, 4.0, 9.5, 16.0, 25.25, 30.0]
M = [[1.0, 2.5, 4.0, 8.0], [3.0, -1.0, 0.5, 2.0], [5.0, 7.0, 6.5, 1.0]]


def _x(lib, values=V, dtype="float32", requires_grad=True):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=requires_grad)


CALLS = {
    "default": lambda lib: lib.gradient(_x(lib)),
    "edge 2": lambda lib: lib.gradient(_x(lib), edge_order=2),
    "spacing": lambda lib: lib.gradient(_x(lib), spacing=0.3),
    "spacing int": lambda lib: lib.gradient(_x(lib), spacing=3, edge_order=2),
    "spacing zero-dim tensor": lambda lib: lib.gradient(_x(lib), spacing=lib.tensor(2.0)),
    "coordinates": lambda lib: lib.gradient(
        _x(lib), spacing=(lib.tensor([0.0, 1.0, 3.0, 4.0, 7.0, 7.5]),)),
    "coordinates edge 2": lambda lib: lib.gradient(
        _x(lib), spacing=[lib.tensor([0.0, 1.0, 3.0, 4.0, 7.0, 7.5])], edge_order=2),
    "float64": lambda lib: lib.gradient(_x(lib, dtype="float64"), edge_order=2),
    "float16": lambda lib: lib.gradient(_x(lib, dtype="float16"), spacing=0.5, edge_order=2),
    "int": lambda lib: lib.gradient(lib.tensor([1, 4, 9, 16])),
    "int spacing": lambda lib: lib.gradient(lib.tensor([1, 4, 9, 16]), spacing=2),
    "matrix": lambda lib: lib.gradient(_x(lib, M)),
    "matrix dim": lambda lib: lib.gradient(_x(lib, M), dim=1, edge_order=2),
    "matrix dims": lambda lib: lib.gradient(_x(lib, M), dim=[-1, 0], spacing=[2.0, 0.5]),
    "matrix spacings": lambda lib: lib.gradient(_x(lib, M), spacing=[2.0, 3.0]),
    "matrix coordinates": lambda lib: lib.gradient(
        _x(lib, M, "float64"), spacing=[lib.tensor([0.0, 1.0, 3.0], dtype=lib.float64),
                                        lib.tensor([0.0, 0.5, 1.0, 4.0], dtype=lib.float64)],
        edge_order=2),
    "zero-dim": lambda lib: lib.gradient(lib.tensor(2.0)),
    "short dim not taken": lambda lib: lib.gradient(_x(lib, [[1.0], [2.0], [5.0]]), dim=0),
}


@pytest.mark.parametrize("name", CALLS)
def test_values_dtypes_and_nodes_are_pytorchs(name: str) -> None:
    mine, theirs = CALLS[name](symgrad), CALLS[name](torch)
    assert isinstance(mine, tuple) and len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        assert a.requires_grad == b.requires_grad
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__
        np.testing.assert_array_equal(np.asarray(a.detach().double().tolist()),
                                      b.detach().double().numpy())


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("coordinates", [False, True])
def test_gradients_through_it_are_pytorchs(edge_order: int, coordinates: bool) -> None:
    results = []
    for lib in (symgrad, torch):
        x = _x(lib, M, "float64")
        h = lib.tensor([0.0, 0.5, 1.0, 4.0], dtype=lib.float64, requires_grad=True)
        spacing = [lib.tensor([0.0, 1.0, 3.0], dtype=lib.float64), h] if coordinates else 1.0
        gs = lib.gradient(x * x, spacing=spacing, edge_order=edge_order)
        loss = sum((g * lib.linspace(-1.0, 1.0, g.numel(), dtype=lib.float64).reshape(g.shape)
                    ).sum() for g in gs)
        inputs = (x, h) if coordinates else (x,)
        first = lib.autograd.grad(loss, inputs, create_graph=True)
        second = lib.autograd.grad(sum((f * f).sum() for f in first), inputs)
        results.append([t.tolist() for t in (*first, *second)])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


ERRORS = {
    "edge order 3": lambda lib: lib.gradient(lib.ones(4), edge_order=3),
    "too short": lambda lib: lib.gradient(lib.ones(2), edge_order=2),
    "short dim": lambda lib: lib.gradient(lib.ones(4, 1), dim=1),
    "short dim of all": lambda lib: lib.gradient(lib.ones(4, 1)),
    "spacings without dim": lambda lib: lib.gradient(lib.ones(3, 4), spacing=[1.0, 2.0, 3.0]),
    "one spacing for two dims": lambda lib: lib.gradient(lib.ones(3, 4), spacing=[2.0]),
    "spacings and dim": lambda lib: lib.gradient(lib.ones(3, 4), spacing=[1.0, 2.0], dim=0),
    "dim out of range": lambda lib: lib.gradient(lib.ones(3, 4), dim=2),
    "dim twice": lambda lib: lib.gradient(lib.ones(3, 4), dim=[0, 0]),
    "2-d coordinates": lambda lib: lib.gradient(lib.ones(3), spacing=(lib.ones(2, 2),)),
    "bool": lambda lib: lib.gradient(lib.tensor([True, False, True])),
    "number": lambda lib: lib.gradient([1.0, 2.0]),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    assert raised(ERRORS[name], symgrad) == raised(ERRORS[name], torch)
