"""Random programs over the catalog (``oracle.engines.symgrad_strategies.programs``): the engine,
the exact oracle and FD agree on their gradients, or the verdict names why; the printed
reproducer reruns them."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from test_properties import KNOWN

import symgrad
from oracle.crosscheck import crosscheck
from oracle.engines.symgrad_strategies import Program, programs
from oracle.verdict import FAILING

# Verdicts that explain a disagreement without blaming the engine: an overflow or nan along
# the way, or an oracle out of its depth. Anything else must be right.
EXPLAINED = {"ok", "kink", "fd-unreliable", "nonfinite", "unsupported", "oracle-gave-up"}


# clamp(x, m, m): min == max is a kink of both bounds (left out of this test until the oracle
# applied the engine's convention there).
CLAMP_TIED = Program([np.array([0.5, 1.0, 1.5]), np.array([1.0, 1.0, 1.0])],
                     [("clamp_tensor", (0, 1, 1), {})])


# Ops that give a tie's whole gradient to an element the judge has no convention for yet
# (test_properties' KNOWN, "ties: ..."): a verdict the judge localises to one of them is that
# open gap, not the engine's error (their tie choices are held to PyTorch's in their tests).
TIE_CHOOSERS = {op for (_, op), why in KNOWN.items() if why.startswith("ties")}
# kthvalue(k=2) of two tied zeros: PyTorch's index 1 takes the gradient (the judge once said 0
# for both; now "one_of_tied": whole to either)
KTHVALUE_TIED = Program([np.array([0.0, 0.0], np.float16)],
                        [("kthvalue", (0,), {"k": 2, "dim": 0, "keepdim": False})])


@settings(max_examples=max(10, settings().max_examples))
@given(prog=programs())
@example(prog=CLAMP_TIED)
@example(prog=KTHVALUE_TIED)
def test_random_programs_engine_exact_and_fd_agree(prog):
    # Every leaf requires grad, including leaves the output does not depend on (exactly 0).
    leaves = prog.make_leaves()
    with np.errstate(all="ignore"):
        v = crosscheck(lambda *xs: prog.run(xs), leaves)
    if v.status == "engine-wrong" and (v.culprit or {}).get("op") in TIE_CHOOSERS:
        return  # the judge's open gap at ties, above
    assert v.status in EXPLAINED, f"{v.status}: {v.message}\n{prog.source()}"
    assert v.status not in FAILING  # right, or unjudged (overflow, an oracle out of its depth)


# An infinite attribute is written float('inf') in the reproducer (repr's inf was a NameError).
NORM_INF = Program([np.array([0.0])], [("norm", (0,), {"p": float("inf"), "dim": (0,),
                                                       "keepdim": False})])


@settings(max_examples=max(5, settings().max_examples // 3))
@given(prog=programs(symgrad.float64))
@example(prog=NORM_INF)
def test_program_source_reruns_the_same_gradients(prog):
    leaves = prog.make_leaves()
    with np.errstate(all="ignore"):
        prog.run(leaves).backward()
        ns: dict = {}
        exec(prog.source(), ns)
    for i, t in enumerate(leaves):
        again = ns[f"v{i}"]
        assert again.dtype is t.dtype and again.shape == t.shape
        np.testing.assert_array_equal(again._data, t._data)
        if t.grad is None:
            assert again.grad is None
        else:
            np.testing.assert_array_equal(again.grad._data, t.grad._data)
