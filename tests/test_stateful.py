"""A hypothesis state machine drives leaves through ops, in-place ops, backward, ``zero_`` of
grads, ``no_grad`` and ``detach``, and checks after every step that each leaf's ``.grad`` is
the sum of the contributions computed independently (by hand, from calculus), that versions
grow on in-place writes, and that leaves stay leaves."""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

import symgrad

# Exact binary fractions: sums of contributions stay exact, so equality is checked exactly.
COEFS = st.sampled_from([1.0, 2.0, -0.5, 0.25, -3.0])
VALUES = st.lists(st.sampled_from([0.5, -1.25, 2.0, 0.75, -0.125]), min_size=3, max_size=3)


class Autograd(RuleBasedStateMachine):
    leaves = Bundle("leaves")

    def __init__(self) -> None:
        super().__init__()
        self.expected: dict[int, np.ndarray | None] = {}
        self.all: list[symgrad.Tensor] = []

    @rule(target=leaves, values=VALUES)
    def create(self, values):
        t = symgrad.tensor(values, dtype=symgrad.float64, requires_grad=True)
        self.expected[id(t)] = None
        self.all.append(t)
        return t

    def _add(self, t, contribution):
        old = self.expected[id(t)]
        self.expected[id(t)] = contribution if old is None else old + contribution

    @rule(t=leaves, c=COEFS)
    def backward_linear(self, t, c):
        (t * c).sum().backward()
        self._add(t, np.full(3, c))

    @rule(t=leaves, u=leaves)
    def backward_product(self, t, u):
        # d/dt sum(t*u) = u, d/du = t; the same leaf twice gets 2t.
        tv, uv = t._data.copy(), u._data.copy()
        (t * u).sum().backward()
        self._add(t, uv)
        self._add(u, tv)

    @rule(t=leaves, c=COEFS)
    def inplace_on_a_copy(self, t, c):
        y = t * 1.0
        before = y._version
        y.add_(c)
        assert y._version > before
        assert y.grad_fn is not None and y.requires_grad
        y.mul_(c)
        (y.sum()).backward()
        self._add(t, np.full(3, c))

    @rule(t=leaves)
    def zero_grad(self, t):
        if t.grad is not None:
            t.grad.zero_()
            self.expected[id(t)] = np.zeros(3)

    @rule(t=leaves, c=COEFS)
    def under_no_grad(self, t, c):
        with symgrad.no_grad():
            out = t * c
            assert not out.requires_grad and out.grad_fn is None
            before = t._version
            t.mul_(1.0)
            assert t._version > before

    @rule(t=leaves)
    def detach(self, t):
        d = t.detach()
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        assert np.shares_memory(d._data, t._data)
        out = d * 2.0
        assert not out.requires_grad

    @invariant()
    def leaves_and_grads(self):
        for t in self.all:
            assert t.is_leaf and t.grad_fn is None and t.requires_grad
            want = self.expected[id(t)]
            if want is None:
                assert t.grad is None
            else:
                np.testing.assert_array_equal(t.grad._data, want)
                assert t.grad.dtype is t.dtype and t.grad.shape == t.shape


Autograd.TestCase.settings = settings(max_examples=max(10, settings().max_examples),
                                      stateful_step_count=15)
TestAutograd = Autograd.TestCase
