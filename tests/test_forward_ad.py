"""Forward-mode AD (``autograd.forward_ad``): dual tensors' tangents through ops, in place and
under ``no_grad``, their reverse-mode graph, the level's rules and errors, against the
mathematics and, where torch is installed, PyTorch 2.13 running the same programs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad

try:
    import torch
except ImportError:
    torch = None

LIBS = [symgrad] + ([torch] if torch is not None else [])


def _fw(lib: Any) -> Any:
    return lib.autograd.forward_ad


def _tangent(lib: Any, fn: Callable[[Any], Any], primal: list[float], tangent: list[float]
             ) -> Any:
    fw = _fw(lib)
    with fw.dual_level():
        out = fn(fw.make_dual(lib.tensor(primal, dtype=lib.float64),
                              lib.tensor(tangent, dtype=lib.float64)))
        t = fw.unpack_dual(out).tangent
        return None if t is None else t.tolist()


PROGRAMS: dict[str, Callable[[Any, Any], Any]] = {
    "sin times itself": lambda lib, d: (d.sin() * d).sum(),
    "by a constant": lambda lib, d: d * lib.tensor([3.0, 4.0], dtype=lib.float64),
    "softmax": lambda lib, d: lib.nn.functional.softmax(d, 0),
    "chain": lambda lib, d: d.exp().log1p().pow(2).mean(),
    "stack": lambda lib, d: lib.stack([d, d * 2]),
    "matmul": lambda lib, d: d.reshape(2, 1).T @ d.reshape(2, 1),
    "index": lambda lib, d: d[1],
    "max over a dim": lambda lib, d: lib.max(d, 0).values,
    "argmax": lambda lib, d: d.argmax(),
    "comparison": lambda lib, d: d > 1,
    "in place": lambda lib, d: d.clone().mul_(3).add_(d),
    "norm": lambda lib, d: lib.linalg.vector_norm(d),
    "where": lambda lib, d: lib.where(d > 1.5, d ** 3, -d),
}


@pytest.mark.skipif(torch is None, reason="the comparison needs torch")
@pytest.mark.parametrize("name", PROGRAMS)
def test_tangents_are_pytorchs(name: str) -> None:
    program = PROGRAMS[name]
    mine, theirs = (_tangent(lib, lambda d, lib=lib: program(lib, d), [1.0, 2.0], [1.0, 0.5])
                    for lib in (symgrad, torch))
    if theirs is None:
        assert mine is None
    else:
        np.testing.assert_allclose(mine, theirs, rtol=1e-15, atol=1e-300)


def test_tangents_are_the_mathematics() -> None:
    # d/dt of f(x + t v) at t = 0: the directional derivative, here in closed form.
    x, v = [0.3, -1.2, 2.0], [1.0, -2.0, 0.5]
    got = _tangent(symgrad, lambda d: (d.sin() * d.exp()).sum() / d.cosh().prod(), x, v)
    a = np.array(x)
    f = np.sum(np.sin(a) * np.exp(a))
    g = np.prod(np.cosh(a))
    df = (np.cos(a) + np.sin(a)) * np.exp(a)
    dg = g * np.tanh(a)
    expected = float(np.dot((df * g - f * dg) / g ** 2, v))
    assert got == pytest.approx(expected, rel=1e-14)
    # The same through symgrad.func.jvp, the other forward mode.
    _, jvp_out = symgrad.func.jvp(lambda t: (t.sin() * t.exp()).sum() / t.cosh().prod(),
                                  (symgrad.tensor(x, dtype=symgrad.float64),),
                                  (symgrad.tensor(v, dtype=symgrad.float64),))
    assert jvp_out.item() == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_dual_tensors_and_the_level(lib: Any) -> None:
    fw = _fw(lib)
    x = lib.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level"):
        fw.make_dual(x, lib.ones(2))
    with fw.dual_level() as level:
        assert level == 0
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fw.enter_dual_level()
        with pytest.raises(RuntimeError, match="is of size \\[2\\] while the given forward "
                                               "gradient is of size \\[3\\]"):
            fw.make_dual(x, lib.ones(3))
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex, "
                                             "but got: .*int64"):
            fw.make_dual(lib.tensor([1, 2]), lib.ones(2))
        d = fw.make_dual(x, lib.tensor([1.0, 0.5]))
        assert d._is_view() and d._base is x and not d.requires_grad
        assert repr(d).endswith("tangent=tensor([1.0000, 0.5000]))")
        assert fw.unpack_dual(x).tangent is None
        with lib.no_grad():  # forward AD does not need grad mode
            kept = d.clone()
            kept.mul_(lib.tensor([2.0, 5.0]))
        assert fw.unpack_dual(kept).tangent.tolist() == [2.0, 2.5]
        y = (d * d).sum()
    assert fw.unpack_dual(y).tangent is None  # leaving the level drops every tangent


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_a_tangent_is_differentiable_in_reverse_mode(lib: Any) -> None:
    fw = _fw(lib)
    p = lib.tensor([1.0, 2.0], requires_grad=True)
    with fw.dual_level():
        q = (fw.make_dual(p, lib.ones(2)) ** 2).sum()  # q = |p|^2, tangent 2 p . 1
        tangent = fw.unpack_dual(q).tangent
        assert tangent.item() == 6.0 and tangent.requires_grad
        q.backward(retain_graph=True)
        assert p.grad.tolist() == [2.0, 4.0]
        p.grad = None
        tangent.backward()  # d/dp of 2 (p1 + p2)
    assert p.grad.tolist() == [2.0, 2.0]
