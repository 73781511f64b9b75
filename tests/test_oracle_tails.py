"""The judge at overflow and at jumps: a correctly rounded infinity is right, and the forward's
own rounding, carried through the exact derivative, is part of the bound (issue 12).

Expected statuses follow from the mathematics stated beside each case: PyTorch computes the
identical value where that is said.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.crosscheck import crosscheck
from oracle.engines import engine_for
from oracle.exact import exact_grad, exact_grad_at_engine_values
from oracle.samples import samples_of

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_remainder_float16_jump_overflowing_to_minus_inf_is_the_convention() -> None:
    """1 / 2**-24 = 2**24 is whole (a jump): d/dother = -floor(x / y) = -2**24, past float16's
    65504, so the correctly rounded value is -inf."""
    x = symgrad.tensor([1.0, 3.0], dtype=symgrad.float16)
    y = symgrad.tensor([2.0**-24, 2.0**-16], dtype=symgrad.float16, requires_grad=True)
    verdict = crosscheck(lambda a, b: symgrad.remainder(a, b), [x, y], op="remainder",
                         grad_outputs=[np.ones(2, dtype=np.float16)])
    assert verdict.passed and verdict.status == "kink", verdict.message
    assert [e.engine for e in verdict.elements] == [-np.inf, -np.inf]


def _pow2(t: symgrad.Tensor) -> symgrad.Tensor:
    return (2 ** (t * 1e6)).sum()


@settings(max_examples=5, deadline=None)
@given(st.sampled_from([0.001, 0.00099, 0.0003, 0.0007, 0.000123]))
@example(0.001)
def test_forward_rounding_is_carried_through_the_exact_derivative(t: float) -> None:
    """t * 1e6 rounds (0.001 * 1e6 is 1000 + 2e-14 exactly, 1000 in float64) and 2**y moves by
    ln 2 * 2e-14 relative: 86 ULP that no backward can undo; PyTorch gives the same value."""
    x = symgrad.tensor([t], dtype=symgrad.float64, requires_grad=True)
    verdict = crosscheck(_pow2, [x])
    assert verdict.passed, verdict.message
    torch = pytest.importorskip("torch")
    tx = torch.tensor([t], dtype=torch.float64, requires_grad=True)
    (2 ** (tx * 1e6)).sum().backward()
    assert verdict.elements[0].engine == float(tx.grad[0])


def test_forward_rounding_bound_is_the_rounding_only() -> None:
    """The slack is what the exact derivative moves by at the engine's forward values: the
    engine's own value here (1e-14 relative), not room for a backward 1e-6 off."""
    x = symgrad.tensor([0.001], dtype=symgrad.float64, requires_grad=True)
    rec = engine_for([x]).record(_pow2, [x])
    exact = exact_grad(rec.graph, None).float64[0][0]
    moved = exact_grad_at_engine_values(rec.graph).float64[0][0]
    assert moved == rec.grads[0][0] != exact
    assert abs(moved / exact - 1) < 1e-13


def test_the_sweep_reaches_the_catalog_points() -> None:
    """Each cataloged op gets one more sample: its catalog points (signed zeros, tails)."""
    from oracle.catalog import cases, points
    from oracle.engines import get

    adapter = get("symgrad")
    declared = len(samples_of("tanh"))
    assert adapter.catalog()["tanh"][1] == declared + len(cases("tanh"))
    case = adapter.case("tanh", "float32", declared)
    values = case.inputs[0]._data
    assert values.tolist() == points("tanh", "float32").tolist()
    assert np.signbit(values[0]) and values[1] == 0 and not np.signbit(values[1])
    assert max(values) > 50  # out where tanh' = 4 e**-2x underflows float32
