"""``nn.Module``'s methods for its parts by name (``add_module``, ``register_parameter``,
``get_submodule``, ``set_submodule``, ``get_parameter``, ``get_buffer``, ``named_children``,
``apply``) and its conversions (``half``, ``bfloat16``, ``type``), against PyTorch: one program
per case, run in both, must see the same values, classes and messages."""

from __future__ import annotations

from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")


def _net(lib: Any) -> Any:
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.BatchNorm1d(3)))


def _attempt(lib: Any, action: Any) -> Any:
    try:
        out = action(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)
    if isinstance(out, lib.nn.Module):
        return type(out).__name__
    if isinstance(out, lib.Tensor):
        return str(out.dtype).split(".")[-1], out.tolist()
    return out


CASES = {
    "add a module": lambda lib: [n for n, _ in _with(lib.nn.Module(), "add_module", "head",
                                                     lib.nn.ReLU()).named_children()],
    "add a non-module": lambda lib: lib.nn.Module().add_module("x", 3),
    "add a module named with a dot": lambda lib: lib.nn.Module().add_module("a.b", None),
    "add a module with an empty name": lambda lib: lib.nn.Module().add_module("", None),
    "add a module over an attribute": lambda lib: lib.nn.Linear(2, 2).add_module(
        "weight", lib.nn.ReLU()),
    "add a module named by a number": lambda lib: lib.nn.Module().add_module(1, None),
    "register a parameter": lambda lib: [n for n, _ in _with(
        lib.nn.Module(), "register_parameter", "w",
        lib.nn.Parameter(lib.ones(2))).named_parameters()],
    "register None as a parameter": lambda lib: _with(
        lib.nn.Module(), "register_parameter", "w", None).w,
    "register a tensor as a parameter": lambda lib: lib.nn.Module().register_parameter(
        "w", lib.ones(2)),
    "register a computed parameter": lambda lib: lib.nn.Module().register_parameter(
        "w", lib.nn.Parameter(lib.ones(2)) * 1),
    "register a parameter named with a dot": lambda lib: lib.nn.Module().register_parameter(
        "a.b", None),
    "register a parameter over an attribute": lambda lib: lib.nn.Linear(
        2, 2).register_parameter("training", None),
    "get a submodule": lambda lib: _net(lib).get_submodule("1.0"),
    "get this module": lambda lib: _net(lib).get_submodule(""),
    "get a missing submodule": lambda lib: _net(lib).get_submodule("1.5"),
    "get a parameter as a submodule": lambda lib: _net(lib).get_submodule("0.weight"),
    "get a parameter": lambda lib: _net(lib).get_parameter("0.bias").shape[0],
    "get a buffer as a parameter": lambda lib: _net(lib).get_parameter("1.0.running_mean"),
    "get a missing parameter": lambda lib: _net(lib).get_parameter("0.scale"),
    "get a buffer": lambda lib: _net(lib).get_buffer("1.0.running_var"),
    "get a parameter as a buffer": lambda lib: _net(lib).get_buffer("0.weight"),
    "set a submodule": lambda lib: type(_with(_net(lib), "set_submodule", "1.0",
                                              lib.nn.Tanh())[1][0]).__name__,
    "set a new submodule": lambda lib: type(_with(_net(lib), "set_submodule", "1.act",
                                                  lib.nn.Tanh()).get_submodule(
                                                      "1.act")).__name__,
    "set a missing submodule strictly": lambda lib: _net(lib).set_submodule(
        "1.act", lib.nn.Tanh(), strict=True),
    "set no submodule": lambda lib: _net(lib).set_submodule("", lib.nn.Tanh()),
    "set a non-module": lambda lib: _net(lib).set_submodule("0", 5),
    "set over a parameter": lambda lib: _net(lib).set_submodule("0.weight", lib.nn.Tanh()),
    "children once each": lambda lib: _shared_children(lib),
    "apply, children first": lambda lib: _applied(lib),
    "half": lambda lib: str(_net(lib).half().get_parameter("0.weight").dtype),
    "bfloat16": lambda lib: str(_net(lib).bfloat16().get_buffer("1.0.running_mean").dtype),
    "type": lambda lib: str(_net(lib).type(lib.float64).get_parameter("0.bias").dtype),
    "share memory": lambda lib: _net(lib).share_memory() is not None,
}


def _with(module: Any, method: str, *args: Any) -> Any:
    getattr(module, method)(*args)
    return module


def _shared_children(lib: Any) -> Any:
    lin = lib.nn.Linear(2, 2)
    return [n for n, _ in lib.nn.Sequential(lin, lib.nn.ReLU(), lin).named_children()]


def _applied(lib: Any) -> Any:
    seen: list[str] = []
    _net(lib).apply(lambda m: seen.append(type(m).__name__))
    return seen


@pytest.mark.parametrize("case", sorted(CASES))
def test_as_torch(case: str) -> None:
    theirs = _attempt(torch, CASES[case])
    ours = _attempt(symgrad, CASES[case])
    assert str(ours).replace("symgrad", "torch") == str(theirs)
