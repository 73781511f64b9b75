"""gcd, lcm and the bitwise shifts (symgrad/ops/integer_bits.py) against PyTorch 2.13: values
in every integer dtype with PyTorch's wrapping, promotion, the operators and in-place forms,
and errors."""

from __future__ import annotations

import numpy as np
import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")

INTS = ("uint8", "int8", "int16", "int32", "int64")
A = [12, -18, 0, 0, 7, -128, 100, 127]
B = [8, 12, 5, 0, -21, 0, 3, -1]


def _same(a, b) -> None:
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape) and a.requires_grad == b.requires_grad
    assert a.tolist() == b.tolist()


def _t(lib, values, d):
    return lib.tensor(np.asarray(values).astype(getattr(np, d)), dtype=getattr(lib, d))


def _pair(fn, d):
    return lambda lib: getattr(lib, fn)(_t(lib, A, d), _t(lib, B, d))


def _shift(fn, d, k):
    return lambda lib: getattr(lib, fn)(_t(lib, [1, -8, 3, 127, 0, -1], d), k)


def _ones(fn, d):
    return lambda lib: getattr(lib, fn)(lib.ones(2, dtype=getattr(lib, d)),
                                        lib.ones(2, dtype=getattr(lib, d)))


CALLS = {
    **{f"{fn} {d}": _pair(fn, d) for fn in ("gcd", "lcm") for d in INTS},
    **{f"{fn} {d} count {k}": _shift(fn, d, k)
       for fn in ("bitwise_left_shift", "bitwise_right_shift") for d in INTS
       for k in (0, 1, 7, 8, 15, 31, 63, 64, 70, -1) if not (d == "uint8" and k < 0)},
    # (a uint8 tensor with the number -1 raises OverflowError in symgrad's promotion, for every
    # op: PyTorch wraps the number)
    "shift negative count tensor": lambda lib: lib.bitwise_left_shift(
        _t(lib, [1, 3], "uint8"), _t(lib, [1, 200], "uint8")),
    "gcd promotes": lambda lib: lib.gcd(_t(lib, [12], "int8"), _t(lib, [8], "int32")),
    "gcd zero-dim other": lambda lib: lib.gcd(lib.tensor([12, 9]), lib.tensor(6)),
    "gcd broadcast": lambda lib: lib.gcd(lib.tensor([[12], [9]]), lib.tensor([4, 6, 3])),
    "gcd min int64": lambda lib: lib.gcd(lib.tensor([-2**63]), lib.tensor([0])),
    "lcm wraps": lambda lib: lib.lcm(lib.tensor([2**62]), lib.tensor([3])),
    "gcd method": lambda lib: lib.tensor([12, 18]).gcd(lib.tensor([8, 12])),
    "lcm method": lambda lib: lib.tensor([4, 6]).lcm(lib.tensor([6, 4])),
    "shift tensor counts": lambda lib: lib.bitwise_left_shift(
        _t(lib, [1, 1, 1], "int8"), lib.tensor([3, 7, 9])),
    "shift number first": lambda lib: lib.bitwise_left_shift(3, lib.tensor([1, 2])),
    "shift bool by int": lambda lib: lib.bitwise_left_shift(lib.tensor([True, False]), 1),
    "rshift number first": lambda lib: lib.bitwise_right_shift(-64, lib.tensor([1, 2])),
    "<<": lambda lib: lib.tensor([1, -8]) << 2,
    ">>": lambda lib: lib.tensor([1, -8]) >> 1,
    "<< tensors": lambda lib: lib.tensor([1, 2]) << lib.tensor([3, 1]),
    "r<<": lambda lib: 2 << lib.tensor([1, 3]),
    "r>>": lambda lib: 64 >> lib.tensor([1, 3]),
    "shift method": lambda lib: lib.tensor([5]).bitwise_right_shift(1),
}


@pytest.mark.parametrize("name", CALLS)
def test_values_and_dtypes_are_pytorchs(name: str) -> None:
    _same(CALLS[name](symgrad), CALLS[name](torch))


INPLACE = {
    "gcd_": lambda lib, x: x.gcd_(lib.tensor([8, 12])),
    "lcm_": lambda lib, x: x.lcm_(lib.tensor(4)),
    "torch.gcd_": lambda lib, x: lib.gcd_(x, lib.tensor([8, 12])),
    "torch.lcm_": lambda lib, x: lib.lcm_(x, lib.tensor([8, 12])),
    "bitwise_left_shift_": lambda lib, x: x.bitwise_left_shift_(2),
    "bitwise_right_shift_": lambda lib, x: x.bitwise_right_shift_(lib.tensor([1, 2])),
    "__ilshift__": lambda lib, x: x.__ilshift__(3),
    "__irshift__": lambda lib, x: x.__irshift__(1),
    "gcd_ of int64 into int64": lambda lib, x: x.gcd_(lib.tensor([4], dtype=lib.int8)),
}


@pytest.mark.parametrize("name", INPLACE)
def test_in_place_forms_write_into_the_tensor_as_pytorch(name: str) -> None:
    results = []
    for lib in (symgrad, torch):
        x = lib.tensor([12, -18])
        version = x._version
        out = INPLACE[name](lib, x)
        assert out is x and x._version == version + 1
        results.append(x)
    _same(*results)


def test_shift_assignment_operators_keep_the_tensor() -> None:
    for lib in (symgrad, torch):
        x = lib.tensor([1, 2])
        y = x
        y <<= 2
        y >>= 1
        assert y is x and x.tolist() == [2, 4]


ERRORS = {
    **{f"{fn} {d}": _ones(fn, d)
       for fn in ("gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift")
       for d in ("bool", "float16", "bfloat16", "float32", "float64")},
    "gcd int and float": lambda lib: lib.gcd(lib.tensor([1]), lib.tensor([2.0])),
    "gcd number": lambda lib: lib.gcd(lib.tensor([1]), 2),
    "gcd number first": lambda lib: lib.gcd(2, lib.tensor([1])),
    "lcm float number": lambda lib: lib.lcm(lib.tensor([1]), 2.5),
    "gcd method number": lambda lib: lib.tensor([4]).gcd(2),
    "lcm method list": lambda lib: lib.tensor([4]).lcm([2]),
    "gcd_ number": lambda lib: lib.gcd_(lib.tensor([4]), 2),
    "gcd_ method number": lambda lib: lib.tensor([4]).gcd_(2),
    "lcm_ first number": lambda lib: lib.lcm_(4, lib.tensor([2])),
    # (a list or None for a shift's operand: PyTorch's "invalid combination" error, which
    # symgrad's bitwise_and family gives as "unsupported scalar type list": not compared)
    "shift float count": lambda lib: lib.bitwise_left_shift(lib.tensor([1]), 2.0),
    "shift float operator": lambda lib: lib.tensor([1.0]) << 2,
    "shift broadcast": lambda lib: lib.bitwise_left_shift(lib.ones(2, dtype=lib.int64),
                                                          lib.ones(3, dtype=lib.int64)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    assert raised(ERRORS[name], symgrad) == raised(ERRORS[name], torch)
