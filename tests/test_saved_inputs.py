"""An input a node saved but no gradient it computes reads may change in place before backward:
PyTorch saves each factor of a product only for the other factor's gradient (``x * 2`` does not
save ``x``), so changing it raises no error there; symgrad's ops declare the same
(``defop(saved_for=...)``). Where a wanted gradient reads the changed input, both raise.
Each scenario runs under both libraries; the gradients, or the error class, must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

# What each scenario computes from x (a non-leaf of 3 elements that requires grad) and a
# constant c; x is changed in place after it, then the sum is backpropagated to x's leaf.
PRODUCTS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "x * 2": lambda lib, x, c: x * 2,
    "2 * x": lambda lib, x, c: 2 * x,
    "x * c": lambda lib, x, c: x * c,
    "c * x": lambda lib, x, c: c * x,
    "x / 2": lambda lib, x, c: x / 2,
    "x / c": lambda lib, x, c: x / c,
    "c / x (reads x)": lambda lib, x, c: c / x,
    "x * x (reads x)": lambda lib, x, c: x * x,
    "x @ c": lambda lib, x, c: x @ c,
    "c @ x": lambda lib, x, c: c @ x,
    "dot": lambda lib, x, c: lib.dot(x, c),
    "mv": lambda lib, x, c: lib.mv(c.reshape(1, 3).expand(2, 3), x),
    "mm": lambda lib, x, c: x.reshape(1, 3).mm(c.reshape(3, 1)),
    "bmm": lambda lib, x, c: x.reshape(1, 1, 3).bmm(c.reshape(1, 3, 1)),
    "matmul of a batch": lambda lib, x, c: x.reshape(1, 1, 3).expand(2, 1, 3) @ c.reshape(3, 1),
    "addmm": lambda lib, x, c: lib.addmm(c[:1], x.reshape(1, 3), c.reshape(3, 1)),
    "addmv": lambda lib, x, c: lib.addmv(c[:1], c.reshape(1, 3), x),
    "addr": lambda lib, x, c: lib.addr(c.reshape(3, 1) * c, x, c),
    "baddbmm": lambda lib, x, c: lib.baddbmm(c[:1].reshape(1, 1, 1), x.reshape(1, 1, 3),
                                             c.reshape(1, 3, 1)),
    "addbmm": lambda lib, x, c: lib.addbmm(c[:1].reshape(1, 1), x.reshape(1, 1, 3),
                                           c.reshape(1, 3, 1)),
    "a parameter times x (reads x)": lambda lib, x, c: c.clone().requires_grad_() * x,
    # PyTorch's nodes save the input for its sizes (gather, take) or for nothing (angle): a
    # write into it is refused all the same (the fuzzer, seed 79; symgrad saved none of them)
    "gather (reads x: saved)": lambda lib, x, c: lib.gather(x, 0, lib.tensor([0, 2])),
    "take (reads x: saved)": lambda lib, x, c: lib.take(x, lib.tensor([2, 0])),
    "take_along_dim (reads x: saved)": lambda lib, x, c: lib.take_along_dim(
        x, lib.tensor([1, 1])),
    "angle (reads x: saved)": lambda lib, x, c: lib.angle(x),
    "index_select": lambda lib, x, c: lib.index_select(x, 0, lib.tensor([0, 2])),
    # index_add's and index_copy's nodes save the source for its own gradient alone
    "index_add of x[:2] into c (reads x: saved)": lambda lib, x, c: lib.index_add(
        c, 0, lib.tensor([2, 0]), x[:2]),
    "index_add of x into c (reads x: saved)": lambda lib, x, c: lib.index_add(
        c, 0, lib.tensor([2, 0, 1]), x),
    "index_add of c into x": lambda lib, x, c: lib.index_add(x, 0, lib.tensor([2, 0]), c[:2]),
    "index_copy of x into c (reads x: saved)": lambda lib, x, c: lib.index_copy(
        c, 0, lib.tensor([2, 0, 1]), x),
    "index_copy of c into x": lambda lib, x, c: lib.index_copy(x, 0, lib.tensor([2]), c[:1]),
    # remainder's and fmod's nodes save both inputs for other's gradient alone (self's is g),
    # vdot's each factor for the other's (the fuzzer, seed 105; symgrad saved them always)
    "remainder(x, c)": lambda lib, x, c: lib.remainder(x, c),
    "remainder(c, x) (reads x)": lambda lib, x, c: lib.remainder(c, x),
    "fmod(x, c)": lambda lib, x, c: lib.fmod(x, c),
    "fmod(c, x) (reads x)": lambda lib, x, c: lib.fmod(c, x),
    "vdot": lambda lib, x, c: lib.vdot(x, c),
    "vdot(c, x)": lambda lib, x, c: lib.vdot(c, x),
}


def run(lib: Any, product: Callable[[Any, Any, Any], Any], change: str) -> Any:
    leaf = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = leaf.clone()
    c = lib.tensor([0.5, -1.0, 4.0])
    out = product(lib, x, c)
    if change == "x":
        x.mul_(3)
    else:
        with lib.no_grad():
            c.add_(10)  # the constant: never read for a gradient of x? (x * c reads it)
    try:
        out.sum().backward()
    except RuntimeError as exc:
        return "raised", type(exc).__name__
    return "ok", leaf.grad.tolist()


@pytest.mark.parametrize("change", ["x", "the constant"])
@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_changing_a_saved_input_in_place_raises_only_where_torch_raises(name: str,
                                                                       change: str) -> None:
    expected = run(torch, PRODUCTS[name], change)
    assert run(symgrad, PRODUCTS[name], change) == expected
    if change == "x":
        # The scenarios that read x must raise, the others must not: both kinds are here.
        assert (expected[0] == "raised") == ("reads x" in name)


def test_a_node_still_refuses_when_the_input_it_reads_changed() -> None:
    w = symgrad.tensor([1.0, 2.0], requires_grad=True)
    x = symgrad.tensor([3.0, 4.0], requires_grad=True).clone()
    y = w * x  # w's gradient reads x
    x.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("written", ["input", "other"])
@pytest.mark.parametrize("wanted", ["input", "other", "both"])
def test_nextafter_saves_its_inputs_for_inputs_gradient_only(written: str, wanted: str) -> None:
    # PyTorch's NextafterBackward0 saves input and other for input's gradient (its where reads
    # both); other's is zeros, which reads neither: a write to either raises only when input
    # requires grad (symgrad's node always raised; seed 42).
    def call(lib: Any) -> Any:
        a = lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64, requires_grad=wanted != "other")
        b = lib.tensor([0.5, 3.0, 0.0], dtype=lib.float64, requires_grad=wanted != "input")
        x, y = a * 1, b * 1
        out = lib.nextafter(x, y)
        with lib.no_grad():
            {"input": x, "other": y}[written].mul_(2)
        try:
            out.sum().backward()
        except RuntimeError as exc:
            return "raised", type(exc).__name__
        return "ok", [None if t.grad is None else t.grad.tolist() for t in (a, b)]

    expected = call(torch)
    assert call(symgrad) == expected
    assert (expected[0] == "raised") == (wanted != "other")
