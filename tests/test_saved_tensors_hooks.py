"""``autograd.graph.saved_tensors_hooks``, ``save_on_cpu`` and ``disable_saved_tensors_hooks``
against torch 2.13: which tensors are packed as ops record and unpacked in backward (counted),
gradients when unpack changes the values, nesting, threads, retained and second-order graphs,
and the errors (class and message)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("torch")

import torch  # noqa: E402

import symgrad  # noqa: E402

LIBS = pytest.mark.parametrize("lib", [symgrad, torch], ids=["symgrad", "torch"])


def _hooks(lib: Any) -> Any:
    return lib.autograd.graph


def _leaves(lib: Any) -> tuple[Any, Any, Any]:
    x = lib.tensor([0.5, -1.25, 2.0], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([[1.5, -0.5], [0.25, -2.0], [1.0, 0.75]], dtype=lib.float64,
                   requires_grad=True)
    c = lib.tensor([3.0, 0.5, -2.0], dtype=lib.float64)
    return x, w, c


# Programs of a few ops from the leaves to a scalar: each op saves inputs, its result, or
# nothing, for some inputs' gradients only (``x * c`` saves only ``c``).
PROGRAMS: dict[str, Callable[[Any, Any, Any, Any], Any]] = {
    "product": lambda lib, x, w, c: (x * x.sin()).sum(),
    "constant_factor": lambda lib, x, w, c: (x * c).sum(),
    "constant_divisor": lambda lib, x, w, c: (c / x).sum(),
    "exp_saves_result": lambda lib, x, w, c: x.exp().sum(),
    "tanh": lambda lib, x, w, c: x.tanh().sum(),
    "sigmoid": lambda lib, x, w, c: x.sigmoid().sum(),
    "matmul_layer": lambda lib, x, w, c: (x @ w).relu().sum(),
    "nothing_saved": lambda lib, x, w, c: (x + c).sum() - x.sum(),
    "where": lambda lib, x, w, c: lib.where(c > 0, x, c).sum(),
    "log_softmax": lambda lib, x, w, c: lib.log_softmax(x, 0)[1],
}


def _counting(lib: Any, log: list[str], transform: Callable[[Any], Any]) -> Any:
    def pack(t: Any) -> Any:
        log.append("pack")
        return t

    def unpack(t: Any) -> Any:
        log.append("unpack")
        return transform(t)

    return _hooks(lib).saved_tensors_hooks(pack, unpack)


def _run_program(lib: Any, name: str, transform: Callable[[Any], Any]) -> Any:
    x, w, c = _leaves(lib)
    log: list[str] = []
    with _counting(lib, log, transform):
        y = PROGRAMS[name](lib, x, w, c)
    packed = log.count("pack")
    y.backward()
    grads = [t.grad.reshape(-1).tolist() for t in (x, w) if t.grad is not None]
    return packed, log.count("unpack"), sum(grads, [])


def _doubled(t: Any) -> Any:
    return t * 2 if t.is_floating_point() else t  # (a where's condition stays bool)


# Ops whose gradient symgrad computes from the input, where PyTorch's reads the result alone:
# the packs and unpacks symgrad's node makes, and PyTorch's. tanh saves one tensor in both,
# but not the same one (``OpDef.checks_out``); sigmoid's VJP reads the input and the result.
SAVES_THE_INPUT = {"tanh": ((1, 1), (1, 1)), "sigmoid": ((2, 2), (1, 1))}


@pytest.mark.parametrize("transform", ["identity", "doubled"])
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_packed_and_unpacked_as_in_torch(name: str, transform: str) -> None:
    # Unpack returning twice the saved tensor changes exactly the gradients that read it.
    change = (lambda t: t) if transform == "identity" else _doubled
    ours, theirs = _run_program(symgrad, name, change), _run_program(torch, name, change)
    if name in SAVES_THE_INPUT:
        assert (ours[:2], theirs[:2]) == SAVES_THE_INPUT[name]
        if transform == "doubled":
            assert ours[2] != pytest.approx(theirs[2], rel=1e-12)
            return
    else:
        assert ours[:2] == theirs[:2]
    assert ours[2] == pytest.approx(theirs[2], rel=1e-12)


def test_unpack_replaces_the_values() -> None:
    # What pack keeps need not be a tensor; backward uses what unpack gives, whatever it is.
    grads = []
    for lib in (symgrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with _hooks(lib).saved_tensors_hooks(lambda t: "packed",
                                             lambda p, lib=lib: lib.tensor([10.0, 10.0])):
            y = x * x
        grads.append(lib.autograd.grad(y.sum(), x)[0].tolist())
    assert grads[0] == grads[1] == [20.0, 20.0]


def test_a_python_number_is_packed_in_symgrad_alone() -> None:
    # PyTorch saves the wrapped number of ``x * 2.0`` without hooks; symgrad's node saves it as
    # a constant tensor, which its hooks pack (a doubling unpack doubles x's gradient there).
    seen = {}
    for lib in (symgrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        log: list[str] = []
        with _counting(lib, log, lambda t: t * 2):
            y = x * 2.0
        y.sum().backward()
        seen[lib] = (log, x.grad.tolist())
    assert seen[torch] == ([], [2.0, 2.0])
    assert seen[symgrad] == (["pack", "unpack"], [4.0, 4.0])


@LIBS
def test_nested_hooks_the_innermost_applies(lib: Any) -> None:
    log: list[str] = []

    def logging(name: str) -> Any:
        return _hooks(lib).saved_tensors_hooks(
            lambda t: (log.append(f"{name} pack"), t)[1],
            lambda t: (log.append(f"{name} unpack"), t)[1])

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with logging("outer"):
        with logging("inner"):
            y = x.sin()
        z = x.cos()
    (y + z).sum().backward()
    # z's node, made later, runs first
    assert log == ["inner pack", "outer pack", "outer unpack", "inner unpack"]


@LIBS
def test_hooks_are_the_threads_own(lib: Any) -> None:
    log: list[str] = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with _counting(lib, log, lambda t: t):
        thread = threading.Thread(target=lambda: x.sin().sum().backward())
        thread.start()
        thread.join()
    assert log == []


@LIBS
def test_pack_runs_without_grad_and_unpack_in_the_backwards_mode(lib: Any) -> None:
    modes: list[tuple[str, bool]] = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with _hooks(lib).saved_tensors_hooks(
            lambda t: (modes.append(("pack", lib.is_grad_enabled())), t)[1],
            lambda t: (modes.append(("unpack", lib.is_grad_enabled())), t)[1]):
        y = x.sin()
    lib.autograd.grad(y.sum(), x, create_graph=True)
    lib.autograd.grad(x.cos().sum(), x)
    assert modes == [("pack", False), ("unpack", True)]


@LIBS
def test_retained_graph_unpacks_on_each_backward_then_frees(lib: Any) -> None:
    log: list[str] = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with _counting(lib, log, lambda t: t):
        y = x.sin().sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.backward()
    assert log == ["pack", "unpack", "unpack"]


@LIBS
def test_second_order_graph_packs_what_backward_records(lib: Any) -> None:
    log: list[str] = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with _counting(lib, log, lambda t: t):
        (g,) = lib.autograd.grad(x.sin().sum(), x, create_graph=True)
        packed = log.count("pack")
        (gg,) = lib.autograd.grad(g.sum(), x)
    assert (packed, log.count("unpack")) == (3, 1 + 2)
    assert gg.tolist() == pytest.approx((-x.detach().sin()).tolist())


@LIBS
def test_nothing_packed_without_grad(lib: Any) -> None:
    log: list[str] = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with _counting(lib, log, lambda t: t), lib.no_grad():
        x.sin()
    assert log == []


@LIBS
def test_no_version_check_on_a_packed_tensor(lib: Any) -> None:
    # The node keeps what pack returned: an in-place change of the tensor after it was saved
    # is not refused (the gradient reads the changed values when pack kept the tensor).
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    with _hooks(lib).saved_tensors_hooks(lambda t: t, lambda t: t):
        y = a.sin()
    with lib.no_grad():
        a.mul_(2)
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([float(v) for v in (2 * x.detach()).cos()])


@LIBS
@pytest.mark.parametrize("pin_memory", [False, True])
def test_save_on_cpu(lib: Any, pin_memory: bool) -> None:
    # pin_memory copies the saved tensor (PyTorch's copy into a new tensor): a later in-place
    # change of it does not reach the gradient; without, the tensor itself is kept.
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    with _hooks(lib).save_on_cpu(pin_memory=pin_memory):
        y = (a.sin() * a).sum()
    with lib.no_grad():
        a.add_(1)
    y.backward()
    # (mul saves a, read back as it is now without a copy, and sin's result, never written)
    read = x.detach() + (0 if pin_memory else 1)
    assert x.grad.tolist() == pytest.approx((read.cos() * read + x.detach().sin()).tolist())


class _Saves(symgrad.autograd.Function):
    @staticmethod
    def forward(ctx: Any, a: Any) -> Any:
        ctx.save_for_backward(a)
        return a * 2

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (a,) = ctx.saved_tensors
        return g * a


class _TorchSaves(torch.autograd.Function):
    forward = _Saves.forward
    backward = _Saves.backward


@pytest.mark.parametrize("lib", [symgrad, torch], ids=["symgrad", "torch"])
def test_a_custom_functions_saved_tensors(lib: Any) -> None:
    fn = _Saves if lib is symgrad else _TorchSaves
    log: list[str] = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with _counting(lib, log, lambda t: t * 2):
        y = fn.apply(x)
    (g,) = lib.autograd.grad(y.sum(), x)
    assert (log, g.tolist()) == (["pack", "unpack"], [2.0, 4.0])


# -- errors -------------------------------------------------------------------------------------
def _raised(call: Callable[[], Any]) -> tuple[str, str] | None:
    try:
        call()
    except Exception as e:  # noqa: BLE001 - class and message are what is compared
        return type(e).__name__, str(e)
    return None


def _hooks_in_disabled(lib: Any) -> Any:
    with (_hooks(lib).disable_saved_tensors_hooks("no hooks here"),
          _hooks(lib).saved_tensors_hooks(lambda t: t, lambda t: t)):
        pass


def _disabled_in_hooks(lib: Any) -> Any:
    with (_hooks(lib).saved_tensors_hooks(lambda t: t, lambda t: t),
          _hooks(lib).disable_saved_tensors_hooks("no hooks here")):
        pass


def _outer_message_restored(lib: Any) -> Any:
    with _hooks(lib).disable_saved_tensors_hooks("outer"):
        with _hooks(lib).disable_saved_tensors_hooks("inner"):
            pass
        with _hooks(lib).save_on_cpu():
            pass


def _usable_after_disabled(lib: Any) -> Any:
    for _ in range(2):  # also after the refusal, which leaves nothing set
        _raised(lambda: _hooks_in_disabled(lib))
    x = lib.tensor([1.0], requires_grad=True)
    with _hooks(lib).saved_tensors_hooks(lambda t: t, lambda t: t * 3):
        y = x * x
    return y.backward()


def _pack_writes(lib: Any) -> Any:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with _hooks(lib).saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t):
        (x * 1).sin()


def _unpack_gives(value: Any) -> Callable[[Any], Any]:
    def call(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with _hooks(lib).saved_tensors_hooks(lambda t: t, lambda t: value):
            y = x.sin()
        y.sum().backward()

    return call


ERRORS: dict[str, Callable[[Any], Any]] = {
    "hooks_in_disabled": _hooks_in_disabled,
    "disabled_in_hooks": _disabled_in_hooks,
    "outer_message_restored": _outer_message_restored,
    "usable_after_disabled": _usable_after_disabled,
    "pack_writes_in_place": _pack_writes,
    "unpack_gives_an_int": _unpack_gives(3),
    "unpack_gives_none": _unpack_gives(None),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_as_torch(case: str) -> None:
    ours = _raised(lambda: ERRORS[case](symgrad))
    assert ours == _raised(lambda: ERRORS[case](torch))
    assert (ours is None) == (case == "usable_after_disabled")
