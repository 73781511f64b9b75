"""``out=``, which every published function takes as PyTorch's do, against torch 2.13: the
result written into ``out`` and ``out`` returned, cast to its dtype where PyTorch allows it,
resized (with PyTorch's warning unless it was empty), views of it seeing the write, results
of several tensors written into a tuple, and PyTorch's refusals. Expected values are torch's,
run here."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402


def _outcome(case: Callable[[Any], Any], lib: Any) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case(lib)
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            result = type(e).__name__, str(e)
    said = [str(w.message).split(" (Triggered internally")[0] for w in caught]
    return repr(result).replace("torch.", "").replace("symgrad.", ""), said



def _into(fn: str, args: Callable[[Any], tuple[Any, ...]], out: Callable[[Any], Any]) -> Any:
    def case(lib: Any) -> Any:
        target = out(lib)
        view = target[:1] if isinstance(target, lib.Tensor) and target.ndim else None
        result = getattr(lib, fn)(*args(lib), out=target)
        return [result, result is target if not isinstance(target, tuple) else
                [r is t for r, t in zip(result, target, strict=True)], view, target]
    return case


CASES = {
    "matmul": _into("matmul", lambda lib: (lib.ones(2, 2), lib.ones(2, 2)),
                    lambda lib: lib.empty(2, 2)),
    "add, resized": _into("add", lambda lib: (lib.ones(2), 1), lambda lib: lib.empty(3)),
    "add, empty out": _into("add", lambda lib: (lib.ones(2), 1), lambda lib: lib.empty(0)),
    "add, into float64": _into("add", lambda lib: (lib.ones(2), 1),
                               lambda lib: lib.empty(2, dtype=lib.float64)),
    "add, into long": _into("add", lambda lib: (lib.ones(2), 1),
                            lambda lib: lib.empty(2, dtype=lib.long)),
    "exp, a view of out sees it": _into("exp", lambda lib: (lib.zeros(2),),
                                        lambda lib: lib.empty(2)),
    "exp, input requires grad": _into("exp", lambda lib: (lib.ones(2, requires_grad=True),),
                                      lambda lib: lib.empty(2)),
    "exp, out requires grad": _into("exp", lambda lib: (lib.ones(2),),
                                    lambda lib: lib.empty(2, requires_grad=True)),
    "exp, out a number": _into("exp", lambda lib: (lib.ones(2),), lambda lib: 3),
    "max along a dim": _into("max", lambda lib: (lib.tensor([[1.0, 3.0], [4.0, 2.0]]), 1),
                             lambda lib: (lib.empty(2), lib.empty(2, dtype=lib.long))),
    "sum": _into("sum", lambda lib: (lib.tensor([[1.0, 3.0], [4.0, 2.0]]), 0),
                 lambda lib: lib.empty(2)),
    "eq, input requires grad": _into("eq", lambda lib: (lib.ones(2, requires_grad=True), 1.0),
                                     lambda lib: lib.empty(2, dtype=lib.bool)),
    "where": _into("where", lambda lib: (lib.tensor([True, False]), lib.ones(2), lib.zeros(2)),
                   lambda lib: lib.empty(2)),
    "cat": _into("cat", lambda lib: ([lib.ones(2), lib.zeros(1)],), lambda lib: lib.empty(3)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_out_as_pytorch(case: Callable[[Any], Any]) -> None:
    assert _outcome(case, symgrad) == _outcome(case, torch)


def test_out_under_no_grad_is_allowed_for_an_input_that_requires_grad() -> None:
    def case(lib: Any) -> Any:
        x = lib.ones(2, requires_grad=True)
        with lib.no_grad():
            return lib.exp(x, out=lib.empty(2))
    assert _outcome(case, symgrad) == _outcome(case, torch)
