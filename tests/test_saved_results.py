"""A result PyTorch saves for its backward (exp's, tanh's, hypot's...) may not be written in
place before that backward runs: PyTorch raises, naming the op whose output it was. symgrad
computes some of these derivatives again from the input rather than reading the result
(tanh's, exactly), and then it let the write pass; such ops declare ``checks_out``. Each
scenario runs under both libraries; the gradient, or the error's class and message, must be
equal. Ops whose backward reads no result are here too: both must let the write pass.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

B = [0.5, 0.25, 2.0]

# Each op, on x (a non-leaf of 3 float64 values in (0, 1) that requires grad).
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "exp (reads its result)": lambda lib, x: x.exp(),
    "exp2": lambda lib, x: x.exp2(),
    "expm1": lambda lib, x: x.expm1(),
    "tanh": lambda lib, x: x.tanh(),
    "sigmoid (reads its result)": lambda lib, x: x.sigmoid(),
    "sqrt (reads its result)": lambda lib, x: x.sqrt(),
    "ndtri": lambda lib, x: lib.special.ndtri(x),
    "logcumsumexp": lambda lib, x: x.logcumsumexp(0),
    "hypot": lambda lib, x: lib.hypot(x + 1.5, lib.tensor(B, dtype=lib.float64)),
    "log (reads its input only)": lambda lib, x: x.log(),
    "sin (reads its input only)": lambda lib, x: x.sin(),
}

# How the result is written between the op and the backward.
WRITES: dict[str, Callable[[Any, Any], Any]] = {
    "mul_ under no_grad": lambda lib, y: _no_grad(lib, lambda: y.mul_(1.0)),
    "add_ recorded": lambda lib, y: y.add_(1.0),
    "a write through a view": lambda lib, y: _no_grad(lib, lambda: y[:1].zero_()),
    "none": lambda lib, y: y,
}


def _no_grad(lib: Any, write: Callable[[], Any]) -> None:
    with lib.no_grad():
        write()


def run(lib: Any, op: Callable[[Any, Any], Any], write: Callable[[Any, Any], Any],
        create_graph: bool) -> Any:
    leaf = lib.tensor([0.3, 0.6, 0.9], dtype=lib.float64, requires_grad=True)
    y = op(lib, leaf * 1)
    write(lib, y)
    try:
        (grad,) = lib.autograd.grad((y * lib.tensor(B, dtype=lib.float64)).sum(), leaf,
                                    create_graph=create_graph)
    except RuntimeError as exc:
        return type(exc).__name__, str(exc)
    return [round(v, 12) for v in grad.tolist()]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("name", sorted(OPS))
def test_a_write_to_a_saved_result_raises_where_torch_raises(name: str, write: str,
                                                             create_graph: bool) -> None:
    expected = run(torch, OPS[name], WRITES[write], create_graph)
    assert run(symgrad, OPS[name], WRITES[write], create_graph) == expected
    # Both kinds of op are here: torch raises after a write exactly where it saves the result.
    saves_result = "reads its input only" not in name
    assert isinstance(expected, tuple) == (saves_result and write != "none")


def test_the_error_names_the_op_that_made_the_result() -> None:
    x = symgrad.tensor([0.5, 1.0], requires_grad=True)
    y = x.tanh()
    with symgrad.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"\[torch\.FloatTensor \[2\]\], which is output 0 of "
                                           r"Tanh, is at version 1; expected version 0"):
        y.sum().backward()


def test_a_result_nothing_holds_any_more_is_not_checked() -> None:
    # The node keeps no strong reference to its result: once the result is gone, nothing can
    # write to it, and the backward through the node runs.
    x = symgrad.tensor([0.5, 1.0], dtype=symgrad.float64, requires_grad=True)
    y = x.tanh()
    alive = weakref.ref(y)
    z = y + 1  # add saves nothing
    del y
    assert alive() is None
    z.sum().backward()
    assert x.grad.tolist() == pytest.approx([1 - math.tanh(0.5) ** 2, 1 - math.tanh(1.0) ** 2],
                                            rel=1e-15)
