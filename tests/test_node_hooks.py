"""Hooks on autograd nodes (``Node.register_hook``, ``Node.register_prehook``) against PyTorch.

Each scenario is one function run twice, with ``lib`` bound to ``torch`` and to ``symgrad``: it
logs what the hooks see (tensors as lists, missing gradients as None, node names) and what the
backward leaves in ``.grad``, or the error raised; the two logs must be equal. The expected
values are PyTorch's, computed in the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

SCENARIOS: dict[str, Callable[[Any], Any]] = {}


def scenario(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    SCENARIOS[fn.__name__] = fn
    return fn


def plain(x: Any) -> Any:
    """Tensors, tuples and None as plain data both libraries give alike."""
    if x is None:
        return None
    if isinstance(x, tuple | list):
        return [plain(v) for v in x]
    if hasattr(x, "tolist"):
        return x.detach().tolist() if hasattr(x, "detach") else x.tolist()
    return x


def logger(log: list[Any], tag: str) -> Callable[..., None]:
    def hook(*args: Any) -> None:
        log.append((tag, plain(args)))

    return hook


def leaf(lib: Any, values: list[float]) -> Any:
    return lib.tensor(values, requires_grad=True)


@scenario
def post_hook_sees_inputs_and_outputs(lib: Any) -> Any:
    log: list[Any] = []
    x = leaf(lib, [1.0, 2.0])
    y = x * lib.tensor([3.0, 4.0])
    y.grad_fn.register_hook(logger(log, "mul"))
    (y * y).sum().backward()
    return log, plain(x.grad)


@scenario
def post_hook_replaces_grad_inputs(lib: Any) -> Any:
    x, w = leaf(lib, [1.0, 2.0]), leaf(lib, [0.5, -1.0])
    y = x * w
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, None))
    y.sum().backward()
    return plain(x.grad), plain(w.grad)


@scenario
def prehook_replaces_grad_outputs(lib: Any) -> Any:
    log: list[Any] = []
    x = leaf(lib, [1.0, -2.0])
    y = x.exp()
    y.grad_fn.register_prehook(lambda go: (go[0] + 1,))
    y.grad_fn.register_prehook(logger(log, "second prehook"))
    y.grad_fn.register_hook(logger(log, "post"))
    y.sum().backward()
    return log, plain(x.grad)


@scenario
def order_of_tensor_hooks_retained_grad_prehooks_and_hooks(lib: Any) -> Any:
    log: list[Any] = []
    x = leaf(lib, [1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.grad_fn.register_prehook(lambda go: log.append(("pre", plain(go))) or (go[0] * 5,))
    y.register_hook(lambda g: log.append(("tensor", plain(g))) or g * 3)
    y.grad_fn.register_hook(logger(log, "post"))
    y.sum().backward()
    return log, plain(y.grad), plain(x.grad)


@scenario
def accumulate_grad_hooks(lib: Any) -> Any:
    log: list[Any] = []
    x = leaf(lib, [1.0, 2.0])
    y = x * 3
    acc = y.grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: log.append(("pre", plain(go))) or (go[0] * 2,))
    acc.register_hook(logger(log, "post"))
    y.sum().backward()
    return log, plain(x.grad), acc.name()


@scenario
def autograd_grad_skips_hooks_of_nodes_it_does_not_run(lib: Any) -> Any:
    log: list[Any] = []
    x = leaf(lib, [1.0, 2.0])
    a = x * 2
    b = a * 3
    acc = a.grad_fn.next_functions[0][0]
    acc.register_prehook(logger(log, "acc pre"))
    a.grad_fn.register_prehook(logger(log, "a pre"))
    a.grad_fn.register_hook(logger(log, "a post"))
    b.grad_fn.register_hook(logger(log, "b post"))
    (ga,) = lib.autograd.grad(b.sum(), a, retain_graph=True)
    (gx,) = lib.autograd.grad(b.sum(), x)
    return log, plain(ga), plain(gx)


@scenario
def removed_hooks_and_handles_as_context_managers(lib: Any) -> Any:
    log: list[Any] = []
    x = leaf(lib, [1.0])
    y = x * 2
    first = y.grad_fn.register_hook(logger(log, "removed"))
    hook = logger(log, "twice")
    y.grad_fn.register_hook(hook)
    twice = y.grad_fn.register_hook(hook)
    with y.grad_fn.register_prehook(logger(log, "left with the block")):
        pass
    first.remove()
    first.remove()
    twice.remove()
    y.sum().backward()
    return log, plain(x.grad), isinstance(first.id, int)


@scenario
def post_accumulate_grad_hook_steps_inside_backward(lib: Any) -> Any:
    log: list[Any] = []
    w = leaf(lib, [1.0, -2.0])

    def step(p: Any) -> None:
        log.append(("grad", plain(p.grad)))
        with lib.no_grad():
            p.sub_(0.5 * p.grad)
        p.grad = None

    handle = w.register_post_accumulate_grad_hook(step)
    for _ in range(2):
        (w * w).sum().backward()
    handle.remove()
    (w * 3).sum().backward()
    return log, plain(w), plain(w.grad)


@scenario
def post_accumulate_grad_hook_on_a_non_leaf(lib: Any) -> Any:
    return (leaf(lib, [1.0]) * 2).register_post_accumulate_grad_hook(lambda p: None)


@scenario
def post_accumulate_grad_hook_without_grad(lib: Any) -> Any:
    return lib.tensor([1.0]).register_post_accumulate_grad_hook(lambda p: None)


@scenario
def post_accumulate_grad_hook_returns_an_int(lib: Any) -> Any:
    w = leaf(lib, [1.0])
    w.register_post_accumulate_grad_hook(lambda p: 5)
    (w * 2).sum().backward()


def _backward_with(hook_kind: str, hook: Callable[..., Any]) -> Callable[[Any], Any]:
    def run(lib: Any) -> Any:
        x = leaf(lib, [1.0, 2.0])
        y = x * lib.tensor([3.0, 4.0])
        getattr(y.grad_fn, hook_kind)(hook)
        y.sum().backward()
        return plain(x.grad)

    return run


def short_tuple(gi: Any, go: Any) -> Any:
    return (gi[0],)


def two_for_one(go: Any) -> Any:
    return (go[0], go[0])


BAD_HOOKS: dict[str, Callable[[Any], Any]] = {
    "hook_returns_too_few": _backward_with("register_hook", short_tuple),
    "prehook_returns_too_many": _backward_with("register_prehook", two_for_one),
    "prehook_returns_a_tensor": _backward_with("register_prehook", lambda go: go[0]),
    "prehook_returns_a_list": _backward_with("register_prehook", lambda go: [go[0]]),
    "hook_returns_an_int": _backward_with("register_hook", lambda gi, go: 5),
}


def outcome(fn: Callable[[Any], Any], lib: Any) -> Any:
    try:
        return "ok", fn(lib)
    except Exception as exc:  # noqa: BLE001 - the class and message are what is compared
        return "raised", type(exc).__name__, str(exc)


@pytest.mark.parametrize("name", sorted(SCENARIOS) + sorted(BAD_HOOKS))
def test_hooks_match_torch(name: str) -> None:
    fn = SCENARIOS.get(name) or BAD_HOOKS[name]
    expected = outcome(fn, torch)
    assert outcome(fn, symgrad) == expected
    if name in BAD_HOOKS:
        assert expected[0] == "raised"


def test_registering_returns_torch_s_handle_kind() -> None:
    y = symgrad.tensor([1.0], requires_grad=True) * 2
    handles = [y.grad_fn.register_hook(lambda gi, go: None),
               y.grad_fn.register_prehook(lambda go: None), y.register_hook(lambda g: None)]
    assert [type(h).__name__ for h in handles] == ["RemovableHandle"] * 3
    assert len({h.id for h in handles}) == 3
