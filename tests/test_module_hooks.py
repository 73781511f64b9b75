"""Module hooks as PyTorch runs them: forward pre-hooks and hooks (with kwargs, prepended,
always called), full backward hooks and pre-hooks (through ``BackwardHookFunction``, whose
outputs refuse in-place writes), PyTorch's deprecated backward hooks and their warnings, and the
errors. One program, run under torch and under symgrad, must see the same things.

Values are dyadic, so that the products are exact in either library's matmul.
"""

from __future__ import annotations

import warnings

import pytest

import symgrad

torch = pytest.importorskip("torch")


def _lists(grads):
    return [None if g is None else g.tolist() for g in grads]


def _linear_with_hooks(lib, out):
    lin = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=lib.float64))
        lin.bias.copy_(lib.tensor([0.125, -0.25], dtype=lib.float64))
    handles = [
        lin.register_full_backward_hook(
            lambda m, gi, go: out.append(("full", _lists(gi), _lists(go)))),
        lin.register_full_backward_pre_hook(
            lambda m, go: out.append(("pre", _lists(go))) or (go[0] * 2,)),
        lin.register_forward_hook(lambda m, a, o: out.append(("fwd", o.tolist()))),
        lin.register_forward_pre_hook(lambda m, a: out.append(("fpre", len(a)))),
    ]
    return lin, handles


def _full_hooks(lib, out):
    lin, handles = _linear_with_hooks(lib, out)
    x = lib.tensor([[1.0, -2.0, 0.5], [0.25, 0.5, -1.0]], dtype=lib.float64, requires_grad=True)
    y = lin(x)
    out.append(("y", type(y.grad_fn).__name__, y.is_leaf))
    (y * y).sum().backward()
    out.append(("grads", x.grad.tolist(), lin.weight.grad.tolist()))
    try:
        y.add_(1)
    except RuntimeError as e:
        out.append(("in place", str(e)))
    for handle in handles:
        handle.remove()
    out.append(("removed", type(lin(x).grad_fn).__name__))


def _no_input_requires_grad(lib, out):
    m = lib.nn.Tanh()
    m.register_full_backward_hook(lambda m, gi, go: out.append(("no input", gi, _lists(go))))
    w = lib.tensor([0.5, 1.0], dtype=lib.float64, requires_grad=True)
    c = lib.tensor([1.0, 2.0], dtype=lib.float64)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        (m(c) * w).sum().backward()
    out.append(("warned", [str(w.message) for w in seen]))
    try:
        m.register_backward_hook(lambda *a: None)
    except RuntimeError as e:
        out.append(("both kinds", str(e)))


def _deprecated_backward_hooks(lib, out):
    t = lib.nn.Sigmoid()
    t.register_backward_hook(lambda m, gi, go: out.append(("old", _lists(gi), _lists(go))))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        z = lib.tensor([0.0, 1.0], dtype=lib.float64, requires_grad=True)
        t(z).sum().backward()
        lin = lib.nn.Linear(2, 2).double()
        lin.register_backward_hook(lambda m, gi, go: out.append(("old linear", len(gi))))
        lin(z).sum().backward()
    out.append(("warned", [(w.category.__name__, str(w.message)) for w in seen]))


def _forward_hook_options(lib, out):
    times_three = lib.nn.Identity()
    times_three.register_forward_pre_hook(lambda m, a, k: ((a[0] * 3,), k), with_kwargs=True)
    out.append(("kwargs", times_three(lib.tensor([1.0])).tolist()))
    bad = lib.nn.Identity()
    bad.register_forward_pre_hook(lambda m, a, k: 5, with_kwargs=True)
    try:
        bad(lib.tensor([1.0]))
    except RuntimeError as e:
        out.append(("bad pre-hook", str(e)))

    class Boom(lib.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    boom = Boom()
    boom.register_forward_hook(lambda m, a, o: out.append(("always", o)), always_call=True)
    try:
        boom(lib.tensor([1.0]))
    except ValueError as e:
        out.append(("raised", str(e)))
    order = lib.nn.Identity()
    order.register_forward_hook(lambda m, a, r: out.append("second"))
    order.register_forward_hook(lambda m, a, r: out.append("first"), prepend=True)
    order(lib.tensor([1.0]))


def _backward_hook_errors_and_outputs(lib, out):
    twice = lib.nn.Identity()
    twice.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    try:
        twice(lib.tensor([1.0], requires_grad=True)).sum().backward()
    except RuntimeError as e:
        out.append(("count", str(e)))

    class Two(lib.nn.Module):
        def forward(self, a, k):
            return a * k, a + 1

    two = Two()
    two.register_full_backward_hook(lambda m, gi, go: out.append(("two", _lists(gi), _lists(go))))
    a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    product, _ = two(a, 3.0)
    product.sum().backward()
    out.append(("two, a", a.grad.tolist()))


def _program(lib):
    out = []
    for part in (_full_hooks, _no_input_requires_grad, _deprecated_backward_hooks,
                 _forward_hook_options, _backward_hook_errors_and_outputs):
        lib.manual_seed(0)
        part(lib, out)
    return out


def test_module_hooks_see_what_torch_hooks_see() -> None:
    theirs, ours = _program(torch), _program(symgrad)
    assert len(ours) == len(theirs)
    for mine, torch_s in zip(ours, theirs, strict=True):
        assert repr(mine) == repr(torch_s)


def test_hooks_changed_the_gradients() -> None:
    # Not only seen: the backward pre-hook doubled the output's gradient. (y * y).sum()
    # gives 2 y; doubled, 4 y, and x.grad = 4 y W.
    seen = dict((entry[0], entry[1:]) for entry in _program(symgrad)
                if isinstance(entry, tuple))
    pre = seen["pre"][0][0]
    full_out = seen["full"][1][0]
    assert full_out == [[2 * g for g in row] for row in pre]


def test_a_module_without_hooks_calls_forward_alone() -> None:
    lin = symgrad.nn.Linear(2, 2)
    handle = lin.register_forward_hook(lambda m, a, o: o * 0)
    assert lin(symgrad.ones(1, 2)).abs().sum().item() == 0
    handle.remove()
    assert not lin._has_hooks() and lin(symgrad.ones(1, 2)).grad_fn.name() == "AddmmBackward0"
