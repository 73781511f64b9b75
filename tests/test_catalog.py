"""The catalog of where to look (``oracle.catalog``): its samples run on the engine, the sweep
reaches them, its known defects still show, and the defects its points found stay fixed.

Expected values come from the mathematics stated beside each case.
"""

from __future__ import annotations

import math

import flint
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import symgrad
from oracle.balls import FORMATS, _round_exact
from oracle.catalog import SAMPLES, arrays, cases
from oracle.crosscheck import crosscheck
from oracle.engines import get
from oracle.samples import samples_of
from symgrad.ops.registry import REGISTRY, apply

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

ALL_CASES = [(op, i) for op in sorted(SAMPLES) for i in range(len(cases(op, defects=True)))]
DEFECTS = [(op, i) for op, i in ALL_CASES if cases(op, defects=True)[i].defect]


def _tensors(op, i, dtype):
    values, attrs = arrays(op, i, dtype, defects=True)
    ops = REGISTRY[op]
    floating = {n: values[n].dtype.kind not in "biu" for n in ops.args}
    inputs = [symgrad.tensor(values[n].astype(np.float64) if floating[n] else values[n],
                             dtype=getattr(symgrad, dtype) if floating[n] else None,
                             requires_grad=n in ops.differentiable and floating[n])
              for n in ops.args]
    return inputs, attrs


def test_every_sample_names_the_ops_inputs():
    for op, i in ALL_CASES:
        assert op in REGISTRY, op
        assert set(cases(op, defects=True)[i].values) == set(REGISTRY[op].args), (op, i)


@pytest.mark.parametrize("op,i", ALL_CASES)
def test_every_sample_runs_in_every_float_dtype(op, i):
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        if REGISTRY[op].dtypes and all(d.name != dtype for d in REGISTRY[op].dtypes):
            continue  # a dtype the op refuses, as PyTorch's kernel (ndtri's float16)
        inputs, attrs = _tensors(op, i, dtype)
        with np.errstate(all="ignore"):
            out = apply(REGISTRY[op], *inputs, **attrs)
        assert out.shape is not None


def test_the_sweep_reaches_every_sample_but_the_known_defects():
    adapter = get("symgrad")
    catalog = adapter.catalog()
    for op in SAMPLES:
        declared = len(samples_of(op))
        assert catalog[op][1] == declared + len(cases(op)), op
    case = adapter.case("max_all", "bfloat16", len(samples_of("max_all")))
    assert case.inputs[0].shape == (2, 300)  # more than 256 ties


@pytest.mark.parametrize("op,i", DEFECTS)
def test_each_known_defect_still_shows(op, i):
    """A sample marked with a defect is left out of the sweep; once the defect is fixed this
    fails: remove the mark, and the sweep judges the sample again."""
    failed = []
    for order in (1, 2):
        for dtype in ("float16", "bfloat16", "float32", "float64"):
            inputs, attrs = _tensors(op, i, dtype)
            diff = [t for t in inputs if t.requires_grad]

            def fn(*xs, inputs=inputs, attrs=attrs):
                it = iter(xs)
                return apply(REGISTRY[op], *(next(it) if t.requires_grad else t
                                             for t in inputs), **attrs)

            with np.errstate(all="ignore"):
                v = crosscheck(fn, diff, order=order, op=op if len(diff) == len(inputs)
                               else None)
            failed += [] if v.passed else [v.status]
    assert failed, f"{op} sample {i} passes now: {cases(op, defects=True)[i].defect}"


# -- defects the catalog's points found, fixed ---------------------------------------------------
@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.sampled_from([-40.0, -20.0, -12.0, 12.0, 40.0]))
@example(-40.0)
def test_bce_with_logits_target_gradient_is_finite_in_float16(x):
    """d/dtarget = weight * (-x + (1 - pos_weight) log sigmoid(x)) = -x at pos_weight = 1:
    sigmoid(-40) underflows float16, and log(0) * 0 was NaN."""
    logits = symgrad.tensor([x], dtype=symgrad.float16, requires_grad=True)
    target = symgrad.tensor([0.0], dtype=symgrad.float16, requires_grad=True)
    ones = symgrad.tensor([1.0], dtype=symgrad.float16)
    loss = apply(REGISTRY["binary_cross_entropy_with_logits"], logits, target, ones, ones,
                 reduction="sum")
    d_self, d_target = symgrad.autograd.grad(loss, [logits, target], create_graph=True)
    assert d_target.tolist() == [-x]
    (second,) = symgrad.autograd.grad(d_target.sum(), [logits])
    assert second.tolist() == [-1.0]  # d2/dtarget dx of -x


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.floats(-4, 4, width=16), st.floats(-4, 4, width=16),
       st.sampled_from(["float16", "bfloat16", "float32", "float64"]))
@example(2.0, 0.5, "float64")
@example(0.0, 0.0, "float32")
def test_smooth_l1_with_beta_zero_has_a_zero_second_derivative(self, target, dtype):
    """smooth_l1_loss(beta=0) is |self - target|, piecewise linear: every second derivative is 0
    (the quadratic branch's d / beta put 0/0 = NaN into it through where's backward)."""
    d = getattr(symgrad, dtype)
    x = symgrad.tensor([self], dtype=d, requires_grad=True)
    t = symgrad.tensor([target], dtype=d, requires_grad=True)
    loss = apply(REGISTRY["smooth_l1_loss"], x, t, reduction="sum", beta=0.0)
    d_self, d_target = symgrad.autograd.grad(loss, [x, t], create_graph=True)
    slope = float(np.sign(np.float64(self) - np.float64(target)))
    assert (d_self.tolist(), d_target.tolist()) == ([slope], [-slope])
    second = symgrad.autograd.grad((d_self * 1.5 + d_target * 0.5).sum(), [x, t])
    assert [s.tolist() for s in second] == [[0.0], [0.0]]


@pytest.mark.parametrize("self,other", [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0)])
def test_atan2_at_the_origin_is_the_declared_convention(self, other):
    """atan2 has no derivative at the origin; along either axis its partials are 0 on both
    sides (d/dy atan2(y, 0) = 0 / y**2), which the engine's convention (0, PyTorch's) is."""
    y = symgrad.tensor([self], dtype=symgrad.float64, requires_grad=True)
    x = symgrad.tensor([other], dtype=symgrad.float64, requires_grad=True)
    v = crosscheck(lambda a, b: symgrad.atan2(a, b), [y, x], op="atan2")
    assert v.passed, v.message
    assert [e.engine for e in v.elements] == [0.0, 0.0]


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.integers(1, 1 << 60), st.integers(-(1 << 40), -2000),
       st.sampled_from(sorted(FORMATS)))
@example(1, -(2 ** 1000), "float64")
def test_a_value_far_below_the_smallest_subnormal_rounds_to_zero(man, exp, dtype):
    """man * 2**exp below half the smallest subnormal of every format: rounds to 0 (it raised
    OverflowError shifting by 2**1000 bits), with the sign kept."""
    assert _round_exact(man, exp, FORMATS[dtype]) == 0.0
    assert math.copysign(1, _round_exact(-man, exp, FORMATS[dtype])) == -1


def test_sigmoid_derivative_at_huge_arguments_is_zero():
    """sigmoid'(2**1000) = e**-(2**1000) / (1 + e**-(2**1000))**2: 0 once rounded."""
    from oracle.engines import engine_for
    from oracle.exact import exact_grad

    x = symgrad.tensor([2.0 ** 1000, -(2.0 ** 1000)], dtype=symgrad.float64, requires_grad=True)
    rec = engine_for([x]).record(lambda t: t.sigmoid(), [x], grad_outputs=[np.ones(2)])
    assert exact_grad(rec.graph, None, rec.grad_outputs).float64[0].tolist() == [0.0, 0.0]
    assert flint.arb(2) ** -1  # flint is the oracle's arithmetic here


def test_what_other_engines_call_an_op_is_the_judges_knowledge():
    """Every registry op has its PyTorch call in the oracle's table, and no engine declaration
    names another engine."""
    from oracle.torch_calls import TORCH

    assert sorted(set(REGISTRY) - set(TORCH)) == []
    assert [n for n, op in REGISTRY.items() if "torch" in op.extra] == []
