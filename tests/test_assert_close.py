"""``symgrad.testing.assert_close`` as ``torch.testing.assert_close``: on a grid of inputs
(tensors of each dtype, numbers, None, sequences, mappings; NaN, infinities, mismatched shapes,
dtypes and kinds; given tolerances and messages), the same outcome, exception class and
message. Each case runs under torch and under symgrad."""

from __future__ import annotations

from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")

INF, NAN = float("inf"), float("nan")

CASES: dict[str, Any] = {
    "equal float32": lambda t: ((t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0])), {}),
    "within float32 tolerance": lambda t: ((t.tensor([1.0, 2.0]), t.tensor([1.0, 2.000001])),
                                           {}),
    "beyond float32 tolerance": lambda t: ((t.tensor([1.0, 2.0, 3.0]),
                                            t.tensor([1.0, 2.5, 3.25])), {}),
    "float64": lambda t: ((t.tensor([1.0, 2.0], dtype=t.float64),
                           t.tensor([1.0, 2.0 + 1e-6], dtype=t.float64)), {}),
    "float16": lambda t: ((t.tensor([1.0, 2.0], dtype=t.float16),
                           t.tensor([1.0, 2.01], dtype=t.float16)), {}),
    "bfloat16": lambda t: ((t.tensor([1.0, 2.0], dtype=t.bfloat16),
                            t.tensor([1.0, 2.03125], dtype=t.bfloat16)), {}),
    "integers": lambda t: ((t.tensor([1, 2, 3]), t.tensor([1, 2, 4])), {}),
    "bools": lambda t: ((t.tensor([True, False]), t.tensor([True, True])), {}),
    "0-d": lambda t: ((t.tensor(1.0), t.tensor(1.5)), {}),
    "2-d": lambda t: ((t.tensor([[1.0, 2.0], [3.0, 4.0]]), t.tensor([[1.0, 2.0], [3.5, 4.0]])),
                      {}),
    "shapes": lambda t: ((t.zeros(2), t.zeros(3)), {}),
    "dtypes": lambda t: ((t.zeros(2), t.zeros(2, dtype=t.float64)), {}),
    "dtypes unchecked": lambda t: ((t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0],
                                                                    dtype=t.float64)),
                                   {"check_dtype": False}),
    "NaN": lambda t: ((t.tensor([NAN, 1.0]), t.tensor([NAN, 1.0])), {}),
    "NaN equal": lambda t: ((t.tensor([NAN, 1.0]), t.tensor([NAN, 1.0])),
                            {"equal_nan": True}),
    "NaN against a number": lambda t: ((t.tensor([NAN, 1.0]), t.tensor([0.0, 1.0])), {}),
    "infinities": lambda t: ((t.tensor([INF, -INF]), t.tensor([INF, -INF])), {}),
    "infinity against a number": lambda t: ((t.tensor([INF, 1.0]), t.tensor([1e30, 1.0])), {}),
    "expected zero": lambda t: ((t.tensor([0.5, 0.0]), t.tensor([0.0, 0.0])), {}),
    "given tolerances": lambda t: ((t.tensor([1.0, 2.0]), t.tensor([1.0, 2.5])),
                                   {"rtol": 0.3, "atol": 0.0}),
    "given zero tolerances": lambda t: ((t.tensor([1.0, 2.0]), t.tensor([1.0, 2.5])),
                                        {"rtol": 0.0, "atol": 0.0}),
    "one tolerance": lambda t: ((t.tensor([1.0]), t.tensor([1.0])), {"rtol": 0.1}),
    "a message": lambda t: ((t.tensor([1.0]), t.tensor([2.0])), {"msg": "wrong"}),
    "a message function": lambda t: ((t.tensor([1.0]), t.tensor([2.0])),
                                     {"msg": lambda m: m.upper()}),
    "numbers": lambda t: ((1.0, 1.0 + 1e-9), {}),
    "numbers apart": lambda t: ((1.0, 1.5), {}),
    "an int and a float": lambda t: ((1, 1.0), {}),
    "ints": lambda t: ((3, 4), {}),
    "booleans": lambda t: ((True, False), {}),
    "None": lambda t: ((None, None), {}),
    "None and a number": lambda t: ((None, 1.0), {}),
    "a tensor and a number": lambda t: ((t.tensor(1.0), 1.0), {}),
    "a tensor and a list": lambda t: ((t.tensor([1.0]), [1.0]), {}),
    "lists": lambda t: (([t.tensor([1.0]), 2.0], [t.tensor([1.0]), 2.5]), {}),
    "lists of other lengths": lambda t: (([1.0, 2.0], [1.0]), {}),
    "mappings": lambda t: (({"a": t.tensor([1.0]), "b": 1}, {"a": t.tensor([1.5]), "b": 1}),
                           {}),
    "mappings with other keys": lambda t: (({"a": 1, "b": 2}, {"a": 1, "c": 2}), {}),
    "strings": lambda t: (("x", "y"), {}),
    "a parameter and its tensor": lambda t: ((t.nn.Parameter(t.tensor([1.0])), t.tensor([1.0])),
                                             {}),
    "a parameter, no subclasses": lambda t: ((t.nn.Parameter(t.tensor([1.0])),
                                              t.tensor([1.0])), {"allow_subclasses": False}),
    "a tensor that requires grad": lambda t: ((t.tensor([1.0], requires_grad=True) * 2,
                                               t.tensor([2.0])), {}),
    "strides": lambda t: ((t.zeros(2, 3).t(), t.zeros(3, 2)), {"check_stride": True}),
}


def _outcome(lib: Any, case: str) -> Any:
    (actual, expected), options = CASES[case](lib)
    try:
        lib.testing.assert_close(actual, expected, **options)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)
    return "close"


@pytest.mark.parametrize("case", sorted(CASES))
def test_as_torch(case: str) -> None:
    theirs = _outcome(torch, case)
    ours = _outcome(symgrad, case)
    assert str(ours).replace("symgrad", "torch") == str(theirs)
