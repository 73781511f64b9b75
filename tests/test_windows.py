"""Window functions (symgrad/ops/windows.py) against PyTorch 2.13: values in every floating
dtype, periodic and symmetric, lengths 0 to 513; dtypes, leaves and errors."""

from __future__ import annotations

import numpy as np
import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")

WINDOWS = ("hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window")
LENGTHS = (0, 1, 2, 3, 7, 16, 33, 100, 513)
# float16 and bfloat16 windows are PyTorch's to the bit (each step rounds as PyTorch's does).
# float32 and float64 ones are within two ULP of 1 of PyTorch's (its cos is SLEEF's, an ULP
# from NumPy's); kaiser's I0 is computed here in float64 where PyTorch's is in float32.
ATOL = {"float16": 0.0, "bfloat16": 0.0, "float32": 2 * 2.0**-23, "float64": 2 * 2.0**-52}


def _values(t):
    return np.asarray(t.double().tolist())


@pytest.mark.parametrize("dtype", list(ATOL))
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("name", WINDOWS)
def test_values_are_pytorchs(name: str, periodic: bool, dtype: str) -> None:
    atol = ATOL[dtype] * (8 if name == "kaiser_window" else 1)
    for n in LENGTHS:
        mine = getattr(symgrad, name)(n, periodic, dtype=getattr(symgrad, dtype))
        theirs = getattr(torch, name)(n, periodic, dtype=getattr(torch, dtype))
        assert mine.dtype.name == dtype and tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(_values(mine), theirs.double().numpy(), rtol=0, atol=atol,
                                   err_msg=f"{name}({n}, {periodic})")


CALLS = {
    "hamming alpha beta": lambda lib: lib.hamming_window(9, True, 0.6, 0.3),
    "hamming symmetric keywords": lambda lib: lib.hamming_window(8, periodic=False, alpha=0.5,
                                                                 beta=0.25),
    "kaiser beta": lambda lib: lib.kaiser_window(9, False, 5.0, dtype=lib.float64),
    "kaiser periodic beta": lambda lib: lib.kaiser_window(6, True, 0.5),
    "hann default": lambda lib: lib.hann_window(8),
    "blackman float64": lambda lib: lib.blackman_window(10, dtype=lib.float64),
}


@pytest.mark.parametrize("name", CALLS)
def test_arguments_are_pytorchs(name: str) -> None:
    mine, theirs = CALLS[name](symgrad), CALLS[name](torch)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(_values(mine), theirs.double().numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", WINDOWS)
def test_default_dtype_and_requires_grad_make_a_leaf(name: str) -> None:
    symgrad.set_default_dtype(symgrad.float64)
    try:
        assert getattr(symgrad, name)(4).dtype == symgrad.float64
    finally:
        symgrad.set_default_dtype(symgrad.float32)
    w = getattr(symgrad, name)(4, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None and w.dtype == symgrad.float32
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0] * 4


def _calling(name, call):
    return lambda lib: call(getattr(lib, name), lib)


ERRORS = {
    **{f"{name} {what}": _calling(name, call)
       for name in WINDOWS for what, call in (
           ("negative", lambda fn, lib: fn(-1)),
           ("int64", lambda fn, lib: fn(3, dtype=lib.int64)),
           ("int32", lambda fn, lib: fn(3, dtype=lib.int32)),
           ("uint8", lambda fn, lib: fn(3, dtype=lib.uint8)),
           ("bool", lambda fn, lib: fn(3, dtype=lib.bool)),
           ("float length", lambda fn, lib: fn(2.5)))},
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    assert raised(ERRORS[name], symgrad) == raised(ERRORS[name], torch)
