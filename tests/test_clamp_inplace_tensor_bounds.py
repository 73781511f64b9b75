"""``clamp_``/``clip_`` by tensor bounds as PyTorch 2.13 does them: ``clamp``'s tensor overload
written in place (``ClampBackward0``; a bound that requires grad makes the result require grad
and gets its share of the gradient; a bound that does not broadcast is PyTorch's RuntimeError;
a cast refused names the dtype as ``Long``, not the number overload's ``long int``)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")


def _t(lib: Any, values: Any, dtype: str = "float64", rg: bool = False) -> Any:
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=rg)


CASES = {
    "min requires grad": lambda lib: _t(lib, [[1.0, 2.0, 3.0]]).clip_(
        _t(lib, 1.5, "float32", rg=True)),
    "min does not broadcast": lambda lib: _t(lib, [[1.0, 2.0, 3.0]]).clip_(_t(lib, [], rg=True)),
    "min and max": lambda lib: (_t(lib, [[1.0, 2.0, 3.0]], rg=True) * 1).clamp_(
        _t(lib, [2.0, 0.0, 1.0], rg=True), _t(lib, [[2.5], [1.0]])[:1]),
    "max only": lambda lib: (_t(lib, [[1.0, 2.0, 3.0]], rg=True) * 1).clamp_(
        max=_t(lib, [2.0, 0.0, 1.0], rg=True)),
    "top-level clip_": lambda lib: lib.clip_(_t(lib, [[1.0, 2.0, 3.0]], "float32"),
                                             _t(lib, [2.0, 0.0, 1.0], rg=True)),
    "float bound into int64": lambda lib: _t(lib, [1, 2, 3], "int64").clip_(
        _t(lib, [2.0, 0.0, 1.0])),
    "int bound into bool": lambda lib: _t(lib, [True, False], "bool").clamp_(
        _t(lib, [2, 0], "int64")),
    "both bounds bool": lambda lib: _t(lib, [True, False], "bool").clamp_(
        _t(lib, [True, False], "bool"), _t(lib, [True, True], "bool")),
}


def _outcome(lib: Any, case: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = case(lib)
        except Exception as e:  # noqa: BLE001 - the class and message are compared
            return type(e).__name__, str(e)
    return (str(out.dtype).split(".")[-1], out.tolist(), out.requires_grad,
            type(out.grad_fn).__name__)


@pytest.mark.parametrize("name", CASES)
def test_inplace_clamp_by_tensors_as_pytorch(name: str) -> None:
    assert _outcome(symgrad, CASES[name]) == _outcome(torch, CASES[name])


@pytest.mark.parametrize("dtypes", [("float32", "float64", "float32"),
                                    ("float64", "float32", "float32"),
                                    ("float32", "float32", "float32")])
def test_inplace_clamp_by_tensors_sends_gradients_as_pytorch(dtypes: tuple[str, ...]) -> None:
    def grads(lib: Any) -> Any:
        x = _t(lib, [[-1.0, 0.5, 2.0], [3.0, -2.0, 0.25]], dtypes[0], rg=True)
        lo = _t(lib, [0.0, 0.5, 1.0], dtypes[1], rg=True)
        hi = _t(lib, [[1.5], [0.0]], dtypes[2], rg=True)
        y = x * 1
        y.clamp_(lo, hi)
        (y * _t(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtypes[0])).sum().backward()
        return [y.tolist(), type(y.grad_fn).__name__] + [
            (str(t.grad.dtype).split(".")[-1], t.grad.tolist()) for t in (x, lo, hi)]

    assert grads(symgrad) == grads(torch)


def _next_names(fn: Any) -> list[str]:
    inputs = [g for g, _ in fn.next_functions] if hasattr(fn, "next_functions") else fn.inputs
    return [type(g).__name__ if type(g).__name__ != "AccumulateGrad" else "AccumulateGrad"
            for g in inputs if g is not None and hasattr(g, "name")]


@pytest.mark.parametrize("bound_dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("written", ["min", "max", "both the same"])
def test_clamp_saves_its_bounds_as_given(bound_dtype: str, written: str) -> None:
    """ClampBackward0 saves the bounds it was given, whatever dtype the op computes in: a
    bound written in place before backward is refused, as PyTorch refuses it, and a bound of
    another dtype that requires grad takes its gradient with no cast node between (seed 200,
    programs of 12 steps: a float32 bound of a float64 clip, then sigmoid_; symgrad saved a
    float64 copy, so the write went unseen)."""
    def run(lib: Any) -> Any:
        x = _t(lib, [[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]], rg=True)
        lo = _t(lib, [[0.0, 0.5, 1.0]], bound_dtype)
        hi = lo if written == "both the same" else _t(lib, [[1.0, 1.0, 2.0]], bound_dtype)
        y = lib.clip(x, lo, hi)
        (hi if written == "max" else lo).add_(1)
        try:
            y.sum().backward()
        except RuntimeError as e:
            return str(e)
        return x.grad.tolist()

    assert run(symgrad) == run(torch)


@pytest.mark.parametrize("dtypes", [("float64", "float32"), ("float32", "float64"),
                                    ("float32", "float32")])
def test_clamp_by_bounds_of_another_dtype_records_no_cast(dtypes: tuple[str, str]) -> None:
    def run(lib: Any) -> Any:
        x = _t(lib, [[0.5, -1.0, 2.0]], dtypes[0], rg=True)
        lo = _t(lib, [[0.0, 0.5, 1.0]], dtypes[1], rg=True)
        hi = _t(lib, [[1.0, 1.0, 1.5]], dtypes[1], rg=True)
        y = lib.clamp(x, lo, hi)
        (y * _t(lib, [[1.0, 2.0, 3.0]], str(y.dtype).split(".")[-1])).sum().backward()
        return (str(y.dtype).split(".")[-1], _next_names(y.grad_fn),
                [(str(t.grad.dtype).split(".")[-1], t.grad.tolist()) for t in (x, lo, hi)])

    assert run(symgrad) == run(torch)
