"""logspace, range, scalar_tensor and unravel_index (symgrad/ops/creation_more.py) against
PyTorch 2.13: values to the bit, dtypes, leaves, the deprecation warning and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")


def _same(a, b) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
        return
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    assert a.requires_grad == b.requires_grad and a.is_leaf == b.is_leaf
    a, b = a.detach(), b.detach()
    mine = np.asarray(a.double().tolist() if a.is_floating_point() else a.tolist())
    np.testing.assert_array_equal(mine, b.double().numpy() if b.is_floating_point()
                                  else b.numpy())


def _both(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(symgrad), fn(torch)


def _logspace(d, args):
    return lambda lib: lib.logspace(*args, dtype=getattr(lib, d))


CALLS = {
    **{f"logspace {d} {args}": _logspace(d, args)
       for d in ("float16", "bfloat16", "float32", "float64", "int64", "int32")
       for args in ((0, 2, 5), (-1, 1, 4), (0, 3, 7, 2.0), (1.5, 2.5, 11), (0, 1, 1), (0, 1, 0),
                    (2, -2, 9), (-3.25, 4.75, 33, 3.0))},
    # (uint8 with a negative end is C++'s undefined conversion in PyTorch's kernel)
    "logspace uint8": lambda lib: lib.logspace(0, 2, 7, dtype=lib.uint8),
    "logspace default": lambda lib: lib.logspace(0, 2, 5),
    "logspace base keyword": lambda lib: lib.logspace(0, 1, 4, base=0.5),
    "logspace tensor ends": lambda lib: lib.logspace(lib.tensor(0.5), lib.tensor(1.5), 3),
    "logspace requires_grad": lambda lib: lib.logspace(0, 1, 3, requires_grad=True),
    "range": lambda lib: lib.range(1, 4),
    "range step": lambda lib: lib.range(0, 1, 0.25),
    "range inexact": lambda lib: lib.range(0, 1, 0.3),
    "range down": lambda lib: lib.range(3, -1, -0.5),
    "range one": lambda lib: lib.range(2, 2),
    "range int64": lambda lib: lib.range(1, 7, 2, dtype=lib.int64),
    "range float64": lambda lib: lib.range(0.1, 0.9, 0.1, dtype=lib.float64),
    "range requires_grad": lambda lib: lib.range(0, 2, requires_grad=True),
    "scalar_tensor int": lambda lib: lib.scalar_tensor(3),
    "scalar_tensor bool": lambda lib: lib.scalar_tensor(True),
    "scalar_tensor float": lambda lib: lib.scalar_tensor(1.1),
    "scalar_tensor int32": lambda lib: lib.scalar_tensor(2.5, dtype=lib.int32),
    "scalar_tensor float64": lambda lib: lib.scalar_tensor(1.1, dtype=lib.float64),
    "scalar_tensor bool dtype": lambda lib: lib.scalar_tensor(0.5, dtype=lib.bool),
    "scalar_tensor tensor": lambda lib: lib.scalar_tensor(lib.tensor(2.0)),
    "scalar_tensor requires_grad": lambda lib: lib.scalar_tensor(1.5, requires_grad=True),
    "scalar_tensor exact int64": lambda lib: lib.scalar_tensor(2**53 + 1, dtype=lib.int64),
    "scalar_tensor wraps uint8": lambda lib: lib.scalar_tensor(-1, dtype=lib.uint8),
    "unravel_index": lambda lib: lib.unravel_index(lib.tensor([4, 1, 5, 0]), (2, 3)),
    "unravel_index zero-dim": lambda lib: lib.unravel_index(lib.tensor(5), (2, 3)),
    "unravel_index int": lambda lib: lib.unravel_index(lib.tensor([3, 1]), 4),
    "unravel_index 2-d": lambda lib: lib.unravel_index(lib.tensor([[1234], [5678]]),
                                                       (10, 10, 10, 10)),
    "unravel_index Size": lambda lib: lib.unravel_index(lib.tensor([1, 7]), lib.Size([2, 2, 2])),
    "unravel_index wraps": lambda lib: lib.unravel_index(lib.tensor([6, -1, -7]), (2, 3)),
    "unravel_index int32": lambda lib: lib.unravel_index(lib.tensor([5], dtype=lib.int32),
                                                         [2, 3]),
    "unravel_index no dims": lambda lib: lib.unravel_index(lib.tensor([0]), ()),
}


@pytest.mark.parametrize("name", CALLS)
def test_values_and_dtypes_are_pytorchs(name: str) -> None:
    _same(*_both(CALLS[name]))


def test_default_dtype_is_followed() -> None:
    symgrad.set_default_dtype(symgrad.float64)
    try:
        assert symgrad.logspace(0, 1, 2).dtype == symgrad.float64
        assert symgrad.scalar_tensor(1).dtype == symgrad.float64
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert symgrad.range(0, 1).dtype == symgrad.float64
    finally:
        symgrad.set_default_dtype(symgrad.float32)


def test_range_warns_as_pytorch_at_the_callers_line() -> None:
    messages = []
    for lib in (symgrad, torch):
        with pytest.warns(UserWarning) as record:
            lib.range(0, 1)
        assert record[0].filename == __file__
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]


ERRORS = {
    "logspace negative": lambda lib: lib.logspace(0, 1, -1),
    "logspace bool": lambda lib: lib.logspace(0, 1, 3, dtype=lib.bool),
    "range zero step": lambda lib: lib.range(0, 1, 0),
    "range backwards": lambda lib: lib.range(1, 0),
    "range wrong sign": lambda lib: lib.range(0, 1, -1),
    "scalar_tensor str": lambda lib: lib.scalar_tensor("a"),
    "unravel_index float": lambda lib: lib.unravel_index(lib.tensor([1.0]), (2, 3)),
    "unravel_index bool": lambda lib: lib.unravel_index(lib.tensor([True]), (2,)),
    "unravel_index negative shape": lambda lib: lib.unravel_index(lib.tensor([1]), (2, -3)),
    "unravel_index float shape": lambda lib: lib.unravel_index(lib.tensor([1]), (2, 1.5)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    outcomes = []
    for lib in (symgrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                ERRORS[name](lib)
        outcomes.append((type(info.value).__name__,
                         str(info.value).replace("symgrad.", "torch.")))
    assert outcomes[0] == outcomes[1]
