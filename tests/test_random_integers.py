"""``Tensor.random_``, PyTorch's integer fill, against torch 2.13: after the same seed, the same
numbers for every dtype and bound form (the whole range, ``to``, ``from, to``, ranges past 2**32
drawing 64-bit words, float bounds moved inward where the dtype rounds them), and PyTorch's
errors and warnings for bounds a dtype cannot hold. Every expected value is torch's, run here.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
          "uint8", "bool")
BOUNDS = [((), {}), ((5,), {}), ((-3, 4), {}), ((0, 2**33), {}), ((), {"from": 2}),
          ((), {"to": 3}), ((0, 300), {}), ((-1, 2), {}), ((0, 2), {}), ((2**30,), {}),
          ((5, 3), {}), ((1, None), {}), ((-2**40, -2**40 + 5), {}), ((-301, -1), {}),
          ((2**53 - 3, 2**53 + 7), {}), ((), {"from": 3, "to": 9}), ((0,), {}),
          ((2**62, 2**62 + 2**40), {}), ((1.5, 4), {})]


def _outcome(lib: Any, dtype: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The values drawn after seed 7 and the warnings' first words, or the error's class and
    its first line."""
    lib.manual_seed(7)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = lib.empty(6, dtype=getattr(lib, dtype)).random_(*args, **kwargs).tolist()
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e).splitlines()[0][:40]
    return values, [str(w.message)[:60] for w in caught]


@pytest.mark.parametrize("args, kwargs", BOUNDS, ids=lambda b: repr(b))
@pytest.mark.parametrize("dtype", DTYPES)
def test_random_fill_is_pytorchs(dtype: str, args: tuple[Any, ...],
                                 kwargs: dict[str, Any]) -> None:
    assert _outcome(symgrad, dtype, args, kwargs) == _outcome(torch, dtype, args, kwargs)


def test_random_fill_draws_from_the_given_generator_and_moves_the_stream_on() -> None:
    def draws(lib: Any) -> list[Any]:
        lib.manual_seed(3)
        g = lib.Generator().manual_seed(11)
        a = lib.empty(4, dtype=lib.int64).random_(100, generator=g).tolist()
        b = lib.empty(3, dtype=lib.int64).random_().tolist()
        return [a, b, lib.rand(2).tolist()]

    assert draws(symgrad) == draws(torch)


def test_random_fill_on_a_leaf_that_requires_grad_is_refused() -> None:
    x = symgrad.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
        x.random_()


@pytest.mark.parametrize("dtype", ["int16", "bool", "int8", "uint8"])
def test_randint_names_the_c_type_as_pytorch_does(dtype: str) -> None:
    def message(lib: Any) -> str:
        with pytest.raises(RuntimeError) as caught:
            lib.randint(0, 2**40, (2,), dtype=getattr(lib, dtype))
        return str(caught.value).splitlines()[0]

    assert message(symgrad) == message(torch)
