"""Large gradients the engine lends instead of computing, and pending sums made in place.

In a backward on arrays, mul's array VJP hands on the other factor's own values (a read-only
view) when its gradient is a sum's broadcast one (``arithmetic._by_one``), and two pending
gradients of one input are summed into whichever only the engine holds (``graph._sum``). These
must give the bits of the plain products and sums, never let a ``.grad`` share memory with a
forward value or another ``.grad``, show a hook, a custom Function or ``autograd.grad``'s
caller a copy of a lent value (``graph._unlent``), as PyTorch's products are new tensors, and
copy every lent gradient still pending before such code runs, which may change a forward value
in place (``graph._unlend_pending``). The scenarios run under torch and symgrad alike and
compare what they print.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

N = 5000  # past the sizes from which the engine lends and sums in place (4096 elements)
SPECIAL = (0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -3e38, 1.5, -2.25, 1e-310, 7e300)


def _values(seed: int, dtype: str, special: bool = False) -> np.ndarray:
    values = np.random.default_rng(seed).uniform(-1.5, 1.5, N)
    if special:
        values[: 4 * len(SPECIAL)] = np.resize(np.roll(SPECIAL, seed), 4 * len(SPECIAL))
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint64 if a.dtype == np.float64 else np.uint32)


PROGRAMS: dict[str, Callable[[Any, Any, Any, Any], Any]] = {
    "sum(tanh(x * w + b) * x)": lambda x, w, b, c: (((x * w + b).tanh()) * x).sum(),
    "sum(x * c)": lambda x, w, b, c: (x * c).sum(),
    "sum(c * x)": lambda x, w, b, c: (c * x).sum(),
    "sum(x * x)": lambda x, w, b, c: (x * x).sum(),
    "sum(x * w) + sum(x * b)": lambda x, w, b, c: (x * w).sum() + (x * b).sum(),
    "sum((x * c) * w) + sum(x.exp() * b)":
        lambda x, w, b, c: ((x * c) * w).sum() + (x.exp() * b).sum(),
    "sum(x * w[0])": lambda x, w, b, c: (x * w[:1]).sum(),
    "sum(x * c) * 3": lambda x, w, b, c: (x * c).sum() * 3,  # a broadcast 3, not 1
    "mean(x * w)": lambda x, w, b, c: (x * w).mean(),
    # x * w's gradient is c, whose first element is 1: not a gradient of ones.
    "sum((x * w) * c)": lambda x, w, b, c: ((x * w) * c).sum(),
}


@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("program", PROGRAMS)
def test_lent_and_summed_gradients_are_the_bits_of_the_products(
        program: str, dtype: str, special: bool) -> None:
    # With create_graph every VJP runs on tensors and multiplies by the ones (the reference);
    # .backward() runs on arrays, lends and sums in place.
    d = getattr(symgrad, dtype)
    with np.errstate(all="ignore"):
        leaves = [symgrad.tensor(_values(k, dtype, special), dtype=d, requires_grad=True)
                  for k in range(3)]
        c = symgrad.tensor(_values(3, dtype, special), dtype=d)
        c._data[0] = 1
        expected = symgrad.autograd.grad(PROGRAMS[program](*leaves, c), leaves,
                                         create_graph=True, allow_unused=True)
        PROGRAMS[program](*leaves, c).backward()
    for leaf, reference in zip(leaves, expected, strict=True):
        assert (leaf.grad is None) == (reference is None)
        if reference is not None:
            assert leaf.grad.dtype == leaf.dtype and leaf.grad.shape == leaf.shape
            assert np.array_equal(_bits(leaf.grad._data), _bits(reference._data)), program


@pytest.mark.parametrize("program", PROGRAMS)
def test_no_grad_shares_memory_with_a_forward_value_or_another_grad(program: str) -> None:
    leaves = [symgrad.tensor(_values(k, "float64"), requires_grad=True) for k in range(3)]
    c = symgrad.tensor(_values(3, "float64"))
    kept: list[symgrad.Tensor] = []
    loss = PROGRAMS[program](*leaves, c)
    # Every value the forward made, found from the loss's graph: each saved tensor.
    stack, seen = [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node, "_saved", None):
            kept.extend(t for t, _ in node._saved)
        stack.extend(n for n, _ in node.next_functions)
    forward = [*leaves, c, *kept]
    loss.backward()
    grads = [leaf.grad for leaf in leaves if leaf.grad is not None]
    for i, grad in enumerate(grads):
        assert grad._data.flags.writeable
        for other in [*forward, *grads[:i]]:
            assert not np.shares_memory(grad._data, other._data), program


# -- what code outside the engine sees: the same as in PyTorch ----------------------------------
def _grad_kept_after_the_factor_changes(lib: Any) -> Any:
    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    c = lib.tensor(_values(1, "float64"))
    (gx,) = lib.autograd.grad((x * c).sum(), [x])
    c.mul_(2)
    gx.add_(1)  # a caller may write into the gradient it was given
    return gx[:3].tolist(), c[:3].tolist()


def _tensor_hook_keeps_its_gradient(lib: Any) -> Any:
    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    c = lib.tensor(_values(1, "float64"))
    seen = []
    t = x * 2
    t.register_hook(seen.append)
    (t * c).sum().backward()
    c.mul_(3)
    seen[0].mul_(2)
    return seen[0][:3].tolist(), c[:3].tolist(), x.grad[:3].tolist()


def _node_hook_keeps_its_gradients(lib: Any) -> Any:
    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    c = lib.tensor(_values(1, "float64"))
    seen = []
    y = (x * 2) * c
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(grad_inputs))
    y.sum().backward()
    c.sub_(1)
    seen[0][0].add_(1)
    return seen[0][0][:3].tolist(), c[:3].tolist(), x.grad[:3].tolist()


def _retained_grad_is_its_own(lib: Any) -> Any:
    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    c = lib.tensor(_values(1, "float64"))
    t = x * 2
    t.retain_grad()
    (t * c).sum().backward()
    c.mul_(-1)
    t.grad.add_(1)
    return t.grad[:3].tolist(), c[:3].tolist(), x.grad[:3].tolist()


def _custom_function_writes_into_its_gradient(lib: Any) -> Any:
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any) -> Any:
            return a * 1

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            g.mul_(2)
            return g

    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    c = lib.tensor(_values(1, "float64"))
    (Twice.apply(x) * c).sum().backward()
    return x.grad[:3].tolist(), c[:3].tolist()


def _a_hooked_gradient_is_not_summed_into(lib: Any) -> Any:
    # x's second gradient, from u's node, is kept by u's node hook: the sum of x's two
    # gradients must not be made in it.
    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    c, d, k = (lib.tensor(_values(s, "float64")) for s in (1, 2, 3))
    seen = []
    u = x * d
    u.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(grad_inputs))
    ((u * k).sum() + (x * c).sum()).backward()
    return seen[0][0][:3].tolist(), x.grad[:3].tolist()


def _a_sums_gradient_refuses_writes(lib: Any) -> Any:
    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    (gx,) = lib.autograd.grad(x.sum(), [x])
    try:
        gx.add_(1)
    except RuntimeError as error:
        return gx[:3].tolist(), str(error)
    return gx[:3].tolist(), None


def _optimizer_step_in_an_accumulator_hook(lib: Any) -> Any:
    # Each leaf's gradient is the other's value: w's is updated in place as soon as w's
    # gradient is accumulated, before or after x's (the order the products name them in).
    log = []
    for w_first in (True, False):
        x = lib.tensor(_values(0, "float64"), requires_grad=True)
        w = lib.tensor(_values(1, "float64"), requires_grad=True)
        y = w * x if w_first else x * w
        accumulator = y.grad_fn.next_functions[0 if w_first else 1][0]

        def step(*args: Any, w: Any = w) -> None:
            with lib.no_grad():
                w.sub_(1.0)

        accumulator.register_hook(step)
        y.sum().backward()
        log.append((x.grad[:3].tolist(), w.grad[:3].tolist(), w[:3].tolist()))
    return log


def _custom_function_changes_a_forward_value(lib: Any) -> Any:
    # a's gradient is c, lent while Twice's backward (which runs first) changes c.
    c = lib.tensor(_values(1, "float64"))

    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, v: Any) -> Any:
            return v * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            with lib.no_grad():
                c.mul_(10)
            return g * 2

    x = lib.tensor(_values(0, "float64"), requires_grad=True)
    a = x * 1
    ((Twice.apply(x) * 3).sum() + (a * c).sum()).backward()
    return x.grad[:3].tolist(), c[:3].tolist()


SCENARIOS = [_grad_kept_after_the_factor_changes, _tensor_hook_keeps_its_gradient,
             _node_hook_keeps_its_gradients, _retained_grad_is_its_own,
             _custom_function_writes_into_its_gradient, _a_hooked_gradient_is_not_summed_into,
             _a_sums_gradient_refuses_writes, _optimizer_step_in_an_accumulator_hook,
             _custom_function_changes_a_forward_value]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__.strip("_"))
def test_what_code_outside_the_engine_sees_is_as_in_pytorch(scenario: Callable) -> None:
    torch.set_default_dtype(torch.float64)
    try:
        expected = scenario(torch)
    finally:
        torch.set_default_dtype(torch.float32)
    assert scenario(symgrad) == expected


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_a_sums_gradient_is_one_everywhere(dtype: str) -> None:
    x = symgrad.tensor(_values(0, "float64"), dtype=getattr(symgrad, dtype), requires_grad=True)
    (x.sum() * 3).backward()
    assert x.grad.dtype == x.dtype and x.grad.tolist() == [3.0] * N
    (gx,) = symgrad.autograd.grad(x.sum(), [x])
    assert gx.tolist() == [1.0] * N and gx._data.strides == (0,)


@pytest.mark.parametrize("n", [10, N])
def test_leaves_reached_before_a_backward_raises_have_their_gradients(n: int) -> None:
    """An add hands its one gradient to a leaf's accumulator and to a node that raises: on
    large arrays the engine puts the accumulator off until the rest has run (its gradient is
    then its own, no copy), and must still run it when the rest raises, as PyTorch's ran first."""
    def program(lib: Any) -> tuple[Any, ...]:
        class Boom(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * 2

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                raise ValueError("boom")

        x, b, c = (lib.tensor(_values(seed, "float64")[:n], requires_grad=True)
                   for seed in range(3))
        z = (Boom.apply(x) + b) * 3 + c
        with pytest.raises(ValueError, match="boom"):
            z.sum().backward()
        return tuple(None if t.grad is None else t.grad.tolist() for t in (x, b, c))

    assert program(symgrad) == program(torch)
