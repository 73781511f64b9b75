"""``symgrad.func`` (``torch.func``): grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian,
vmap and functional_call, against the mathematics and, where torch is installed, against
PyTorch 2.13 run on the same programs (values with the sign of each zero, result types, which
results keep a graph, and errors with their messages)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.func import functional_call, grad, hessian, jacfwd, jacrev, jvp, vjp, vmap

try:
    import torch
except ImportError:
    torch = None


def _shown(value: Any) -> Any:
    """A result as comparable data: tensors by their values as float64 (``_same`` compares
    them), shape, dtype name and whether they require grad; trees by their structure."""
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [_shown(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if hasattr(value, "detach"):
        return (np.asarray(value.detach().tolist(), dtype=np.float64), tuple(value.shape),
                str(value.dtype).split(".")[-1], value.requires_grad)
    return repr(value)


def _outcome(program: Callable[[Any], Any], lib: Any) -> Any:
    try:
        return "ok", _shown(program(lib))
    except Exception as e:  # noqa: BLE001 - the class and message are the outcome
        return type(e).__name__, str(e)


def _same(a: Any, b: Any) -> bool:
    """Outcomes alike: the same structure, shapes, dtypes, graphs and errors; values within a
    few float32 ULPs (PyTorch's float32 cos(1) is 0.5403023362, 1 ULP above the correctly
    rounded 0.5403022766 symgrad gives), each zero of the same sign."""
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape
                and np.allclose(a, b, rtol=3e-7, atol=0, equal_nan=True)
                and np.array_equal(np.signbit(a), np.signbit(b)))
    if isinstance(a, (tuple, list)):
        return (isinstance(b, type(a)) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _no_grad_view(lib: Any) -> Any:
    """A view made under no_grad of a leaf that requires grad: it requires grad, but no edge
    leads from it to any leaf (fuzzer seeds 2139 #887, 2288 #1044)."""
    x = lib.tensor([[4.0, -2.5, 1.5]], dtype=lib.float64, requires_grad=True)
    with lib.no_grad():
        return x[0:]


# Programs written once for either library (``lib`` is symgrad or torch).
PROGRAMS: dict[str, Callable[[Any], Any]] = {
    # Their results keep a graph in PyTorch, as of any input that requires grad.
    "grad of a view made under no_grad": lambda lib: lib.func.grad(
        lambda t: (t * t).sin().sum())(_no_grad_view(lib)),
    "jvp of a view made under no_grad": lambda lib: lib.func.jvp(
        lambda t: t.exp() * t, (_no_grad_view(lib),), (lib.ones(1, 3, dtype=lib.float64),)),
    "vjp of a view made under no_grad": lambda lib: lib.func.vjp(
        lambda t: t.exp() * t, _no_grad_view(lib))[1](lib.ones(1, 3, dtype=lib.float64)),
    "grad": lambda lib: lib.func.grad(lambda t: (t ** 3).sum())(lib.tensor([1.0, -2.0])),
    "grad of a vector": lambda lib: lib.func.grad(lambda t: t * 2)(lib.tensor([1.0, 2.0])),
    "grad of a number": lambda lib: lib.func.grad(lambda t: 2.0)(lib.tensor([1.0])),
    "argnums out of range": lambda lib: lib.func.grad(lambda t: t.sum(), argnums=1)(
        lib.tensor([1.0])),
    "argnums tuple": lambda lib: lib.func.grad(lambda t, u: (t * u).sum(), argnums=(0, 1))(
        lib.tensor([1.0, 2.0]), lib.tensor([3.0, -0.0])),
    "argnums tuple of one": lambda lib: lib.func.grad(lambda t: (t * t).sum(), argnums=(0,))(
        lib.tensor([1.0, 2.0])),
    "has_aux": lambda lib: lib.func.grad(lambda t: ((t ** 2).sum(), t * 10), has_aux=True)(
        lib.tensor([1.0, 2.0])),
    "has_aux without a pair": lambda lib: lib.func.grad(lambda t: (t ** 2).sum(),
                                                        has_aux=True)(lib.tensor([1.0])),
    "dict input": lambda lib: lib.func.grad(lambda d: (d["a"] * d["b"]).sum())(
        {"a": lib.tensor([1.0, 2.0]), "b": lib.tensor([3.0, 4.0])}),
    "integer input": lambda lib: lib.func.grad(lambda t: t.sum())(lib.tensor([1, 2])),
    "unused input": lambda lib: lib.func.grad(lambda t, u: (u ** 2).sum())(
        lib.tensor([1.0, 2.0]), lib.tensor([3.0])),
    "constant output": lambda lib: lib.func.grad(lambda t: (t * 0).sum() + 1.0)(
        lib.tensor([1.0, 2.0])),
    "grad_and_value": lambda lib: lib.func.grad_and_value(lambda t: (t ** 2).sum())(
        lib.tensor([1.0, 2.0])),
    "third derivative": lambda lib: lib.func.grad(lib.func.grad(lib.func.grad(
        lambda t: t.sin())))(lib.tensor(2.0, dtype=lib.float64)),
    "vjp": lambda lib: lib.func.vjp(lambda t: t.sin(), lib.tensor([1.0, 2.0]))[1](
        lib.tensor([1.0, -1.0])),
    "jvp": lambda lib: lib.func.jvp(lambda t, u: t * u, (lib.tensor([1.0, 2.0]),
                                                         lib.tensor([3.0, 4.0])),
                                    (lib.ones(2), lib.zeros(2))),
    "jacrev": lambda lib: lib.func.jacrev(lambda t: t.sin())(lib.tensor([1.0, 2.0])),
    "jacrev of two outputs": lambda lib: lib.func.jacrev(lambda t: (t.sin(), t.sum()))(
        lib.tensor([1.0, 2.0])),
    "jacrev argnums": lambda lib: lib.func.jacrev(lambda t, u: t * u, argnums=(0, 1))(
        lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])),
    "jacfwd": lambda lib: lib.func.jacfwd(lambda t: t.sin())(lib.tensor([1.0, 2.0])),
    "jacfwd of a matrix": lambda lib: lib.func.jacfwd(lambda t: t @ t)(
        lib.tensor([[1.0, 2.0], [3.0, 4.0]])),
    "hessian": lambda lib: lib.func.hessian(lambda t: t[0] * t[1] ** 2)(
        lib.tensor([1.0, 2.0])),
    "vmap": lambda lib: lib.vmap(lambda t: t.sum())(lib.ones(3, 2)),
    "vmap in_dims": lambda lib: lib.vmap(lambda t, u: t * u, in_dims=(0, None))(
        lib.ones(3, 2), lib.tensor([1.0, 2.0])),
    "vmap negative in_dim": lambda lib: lib.vmap(lambda t: t * lib.tensor([1.0, 2.0, 3.0]),
                                                 in_dims=-1)(lib.arange(6.0).reshape(3, 2)),
    "vmap out_dims": lambda lib: lib.vmap(lambda t: (t, t.sum()), out_dims=(1, 0))(
        lib.arange(6.0).reshape(3, 2)),
    "nested vmap": lambda lib: lib.vmap(lib.vmap(lambda a, b: a * b))(
        lib.ones(2, 3), lib.arange(6.0).reshape(2, 3)),
    "vmap of a dict": lambda lib: lib.vmap(lambda d: d["a"] - d["b"])(
        {"a": lib.ones(2, 2), "b": lib.arange(4.0).reshape(2, 2)}),
    "vmap of a named tuple": lambda lib: lib.vmap(lambda t: t.max(0))(
        lib.tensor([[1.0, 3.0], [4.0, 2.0]])),
    "vmap of grad": lambda lib: lib.vmap(lib.func.grad(lambda t: (t ** 2).sum()))(
        lib.arange(6.0).reshape(3, 2)),
    "vmap of jacrev": lambda lib: lib.vmap(lib.func.jacrev(lambda t: t.sin()))(
        lib.arange(4.0).reshape(2, 2)),
    "vmap sizes differ": lambda lib: lib.vmap(lambda t, u: t * u)(lib.ones(3, 2),
                                                                   lib.ones(4, 2)),
    "vmap returns a number": lambda lib: lib.vmap(lambda t: 2.0)(lib.ones(3, 2)),
    "vmap of a 0-d tensor": lambda lib: lib.vmap(lambda t: t)(lib.tensor(1.0)),
    "vmap in_dim past the dims": lambda lib: lib.vmap(lambda t: t, in_dims=2)(lib.ones(3, 2)),
    "vmap in_dims None": lambda lib: lib.vmap(lambda t: t, in_dims=None)(lib.ones(3, 2)),
    "vmap over a number": lambda lib: lib.vmap(lambda t, k: t * k, in_dims=(0, 0))(
        lib.ones(2), 3),
    "vmap draws": lambda lib: lib.vmap(lambda t: t + lib.randn(2))(lib.ones(3, 2)),
    "vmap randomness": lambda lib: lib.vmap(lambda t: t, randomness="x")(lib.ones(3, 2)),
}


@pytest.mark.skipif(torch is None, reason="the comparison needs torch")
@pytest.mark.parametrize("name", PROGRAMS)
def test_programs_give_pytorchs_outcome(name: str) -> None:
    program = PROGRAMS[name]
    mine, theirs = _outcome(program, symgrad), _outcome(program, torch)
    assert _same(mine, theirs), (mine, theirs)


@pytest.mark.parametrize("lib", [symgrad] + ([torch] if torch is not None else []),
                         ids=lambda m: m.__name__)
def test_results_keep_a_graph_only_where_it_reaches_outside(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0])
    w = lib.tensor([1.0, 3.0], requires_grad=True)
    g = lib.func.grad(lambda t: (t * w).sum() ** 2)(x)  # 2 (x . w) w, a function of w
    assert g.requires_grad and g.tolist() == [14.0, 42.0]
    g.sum().backward()  # d/dw of 2 (x . w) (w1 + w2) = 2 x (w1 + w2) + 2 (x . w)
    assert w.grad.tolist() == [2 * 1 * 4 + 14, 2 * 2 * 4 + 14]
    plain = lib.func.grad(lambda t: (t ** 2).sum())(x)
    assert not plain.requires_grad
    with lib.no_grad():  # the transform differentiates anyway; its results carry no graph
        inside = lib.func.grad(lambda t: (t * w).sum() ** 2)(x)
    assert not inside.requires_grad and inside.tolist() == [14.0, 42.0]


def test_second_and_third_derivatives_are_the_mathematics() -> None:
    x = symgrad.tensor([0.3, -1.2, 2.0], dtype=symgrad.float64)
    third = vmap(grad(grad(grad(lambda t: t.sin() * t))))(x)
    # (x sin x)''' = -3 sin x - x cos x
    expected = [-3 * math.sin(v) - v * math.cos(v) for v in x.tolist()]
    np.testing.assert_allclose(third.numpy(), expected, rtol=1e-14)
    h = hessian(lambda t: (t ** 3).sum() + t[0] * t[1])(x)
    np.testing.assert_allclose(h.numpy(), np.diag(6 * x.numpy()) + [[0, 1, 0], [1, 0, 0],
                                                                     [0, 0, 0]], rtol=1e-15)
    a = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=symgrad.float64)
    # d(A A)/dA contracted with E_ij: E_ij A + A E_ij
    jf, jr = jacfwd(lambda t: t @ t)(a), jacrev(lambda t: t @ t)(a)
    eye = np.eye(2)
    expected_j = (np.einsum("ik,lj->ijkl", eye, a.numpy())
                  + np.einsum("ik,jl->ijkl", a.numpy(), eye))
    np.testing.assert_array_equal(jf.numpy(), expected_j)
    np.testing.assert_array_equal(jr.numpy(), expected_j)


def test_vjp_and_jvp_agree_with_the_jacobian() -> None:
    x = symgrad.tensor([0.5, 1.5, -2.0], dtype=symgrad.float64)

    def f(t: Any) -> Any:
        return symgrad.stack([t.prod(), (t ** 2).sum(), t[0].exp()])

    j = jacrev(f)(x).numpy()
    out, vjp_fn = vjp(f, x)
    u = symgrad.tensor([1.0, -2.0, 0.5], dtype=symgrad.float64)
    (back,) = vjp_fn(u)
    np.testing.assert_allclose(back.numpy(), u.numpy() @ j, rtol=1e-15)
    np.testing.assert_allclose(vjp_fn(u)[0].numpy(), back.numpy())  # callable again
    v = symgrad.tensor([0.25, 1.0, -1.0], dtype=symgrad.float64)
    value, forward = jvp(f, (x,), (v,))
    np.testing.assert_allclose(forward.numpy(), j @ v.numpy(), rtol=1e-15)
    assert value.tolist() == out.tolist() == f(x).tolist()


def test_vmap_randomness_modes() -> None:
    with pytest.raises(RuntimeError, match="called random operation while in randomness error"):
        vmap(lambda t: t + symgrad.rand(2))(symgrad.ones(3, 2))
    symgrad.manual_seed(0)
    same = vmap(lambda t: t + symgrad.randn(2), randomness="same")(symgrad.zeros(3, 2))
    symgrad.manual_seed(0)
    once = symgrad.randn(2)
    assert same.tolist() == [once.tolist()] * 3
    different = vmap(lambda t: t + symgrad.randn(2), randomness="different")(symgrad.zeros(3, 2))
    assert len({tuple(row) for row in different.tolist()}) == 3
    symgrad.rand(1)  # drawing works again after the error mode's call


def test_functional_call_replaces_for_one_call_and_restores() -> None:
    net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 2), symgrad.nn.ReLU())
    before = [p.detach().clone() for p in net.parameters()]
    weight = symgrad.tensor([[1.0, 0.0], [0.0, -1.0]], requires_grad=True)
    out = functional_call(net, {"0.weight": weight, "0.bias": symgrad.zeros(2)},
                          (symgrad.tensor([[2.0, 3.0]]),))
    assert out.tolist() == [[2.0, 0.0]]
    out.sum().backward()
    assert weight.grad.tolist() == [[2.0, 3.0], [0.0, 0.0]]
    assert all(p.detach().tolist() == b.tolist() for p, b in zip(net.parameters(), before,
                                                                  strict=True))
    with pytest.raises(RuntimeError):  # the call fails: the parameters still come back
        functional_call(net, {"0.weight": symgrad.ones(3, 3)}, (symgrad.ones(1, 2),))
    assert net[0].weight.tolist() == before[0].tolist()
    assert isinstance(net[0].weight, symgrad.nn.Parameter)


@pytest.mark.skipif(torch is None, reason="the comparison needs torch")
def test_functional_call_as_pytorch() -> None:
    def program(lib: Any) -> Any:
        lib.manual_seed(0)
        lin = lib.nn.Linear(2, 2)
        net = lib.nn.Sequential(lin, lib.nn.ReLU(), lin)  # tied: "0" and "2" are one layer
        given = {"0.weight": lib.eye(2), "0.bias": lib.zeros(2)}
        x = lib.tensor([[1.0, -2.0]])
        outcomes = [_outcome(lambda _: lib.func.functional_call(net, given, (x,)), lib),
                    _outcome(lambda _: lib.func.functional_call(net, given, x,
                                                                tie_weights=False), lib),
                    _outcome(lambda _: lib.func.functional_call(net, (given, given), x), lib),
                    _outcome(lambda _: lib.func.functional_call(net, given, x, strict=True), lib),
                    [n for n, _ in net.named_modules()],
                    [n for n, _ in net.named_modules(remove_duplicate=False)],
                    [n for n, _ in net.named_parameters(remove_duplicate=False)],
                    len(list(net.children()))]
        return outcomes

    mine, theirs = program(symgrad), program(torch)
    assert _same(mine, theirs), (mine, theirs)
