"""The differential fuzzer (``tests/torch_fuzz.py``) under hypothesis: random programs of API
calls agree with torch 2.13 value by value, gradient by gradient and exception class by class.

Derandomized under the ``ci`` profile. Programs it found are kept as examples: each failed
before the fix named beside it.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

import torch_fuzz  # noqa: E402 - needs torch, checked above
from torch_fuzz import CALLS, OTHER_CALLS, PATTERNS, SHAPES, VALUES, Program  # noqa: E402


def _call(name: str, pattern: str = "") -> int:
    return CALLS.index(("function", name, pattern) if pattern else ("other", name, ""))


leaves = st.lists(st.tuples(st.integers(0, len(SHAPES) - 1), st.integers(0, 1),
                            st.integers(0, len(VALUES) - 1), st.booleans()),
                  min_size=1, max_size=3).map(tuple)
steps = st.lists(st.tuples(st.integers(0, len(CALLS) - 1), st.integers(0, 7), st.integers(0, 7),
                           st.integers(0, 2), st.integers(0, len(VALUES) - 1), st.booleans()),
                 min_size=1, max_size=6).map(tuple)


@settings(max_examples=max(300, settings.default.max_examples))
@given(st.builds(Program, leaves, steps))
# relu and elu let a NaN input's gradient through, as PyTorch's threshold tests do.
# An in-place view op refuses a leaf that requires grad before it looks at its dims.
@example(Program(((6, 0, 5, True),), ((_call("transpose_"), 0, 0, 2, 0, False),)))
# squeeze_ of a zero-dim tensor at dim 0 keeps it as it is.
@example(Program(((0, 0, 0, False),), ((_call("squeeze_"), 0, 0, 1, 0, False),)))
# A view op in place under no_grad leaves the tensor's node (or a leaf's accumulator a graph
# holds) taking gradients of the old shape: one of the new shape reaching it is refused.
@example(Program(((2, 1, 8, True),), ((_call("diag", "dim"), 0, 0, 2, 0, False),
                                      (_call("t_"), 0, 0, 0, 3, True))))
@example(Program(((3, 1, 8, True),), ((_call("neg"), 0, 0, 0, 0, False),
                                      (_call("squeeze_"), 1, 0, 2, 0, True))))
@example(Program(((6, 0, 0, False),),  # an in-place add into an empty expanded tensor
                 ((_call("abs", "unary"), 0, 0, 0, 0, False), (_call("expand"), 0, 0, 0, 0, False),
                  (_call("add_"), 2, 0, 0, 0, False))))
@example(Program(((1, 1, 5, True),), ((_call("fmod", "dim"), 0, 0, 1, 0, False),
                                       (_call("relu", "unary"), 1, 1, 0, 0, False))))
# cat skips a 1-D empty tensor beside 2-D ones, and keeps its requires_grad.
@example(Program(((3, 0, 4, False), (6, 0, 3, True)),
                 ((_call("cat", "list_dim"), 0, 1, 1, 0, False),)))
# A view made under no_grad of a tensor that requires grad requires grad.
@example(Program(((2, 0, 1, True),), ((_call("neg"), 0, 0, 0, 0, False),
                                      (_call("unsqueeze"), 1, 1, 1, 0, True))))
# A view of an empty tensor counts too.
@example(Program(((7, 0, 1, True),), ((_call("neg"), 0, 0, 0, 0, False),
                                      (_call("t"), 1, 1, 1, 0, True))))
# flip copies: a later write to its input does not show through.
@example(Program(((2, 1, 0, True),), ((_call("neg"), 0, 0, 0, 0, False),
                                      (_call("flip"), 1, 1, 1, 0, False),
                                      (_call("mul_scalar_"), 1, 1, 1, 3, False))))
# clamp with a tensor min and no max gives min the gradient wherever self < min, inf too.
@example(Program(((0, 0, 0, True),), ((_call("reciprocal", "unary"), 0, 0, 0, 0, False),
                                      (_call("clip", "binary"), 0, 1, 0, 0, False))))
# A max given as +inf is a bound: at min == max == +inf neither gets the gradient (seed 88).
@example(Program(((5, 0, 8, True),), ((_call("arctanh", "unary"), 0, 0, 0, 0, False),
                                      (_call("clip", "ternary"), 0, 1, 0, 0, False))))
# geqrf of a matrix of rank 1: the reflectors past the rank are rounding noise (seed 91).
@example(Program(((3, 1, 7, True), (5, 0, 6, True)),
                 ((_call("multiply", "binary"), 0, 1, 0, 0, False),
                  (_call("geqrf", "unary"), 2, 2, 0, 0, False))))
# binary_cross_entropy_with_logits without pos_weight at an infinite target and weight: -inf,
# no NaN from a 1 standing for the missing pos_weight times the target (seed 91).
@example(Program(((0, 1, 5, False),), (
    (_call("true_divide", "dim"), 0, 0, 1, 0, False),
    (_call("binary_cross_entropy_with_logits", "ternary"), 0, 1, 0, 0, False))))
# mode of a line of more than 16 tied elements is at the index PyTorch's introsort leaves
# last (histc's 98 zeros: 26, not 98; seed 88).
@example(Program(((3, 1, 1, False),), ((_call("histc", "unary"), 0, 0, 0, 0, False),
                                       (_call("mode", "dim"), 1, 1, 0, 0, False))))
# flatten checks its dims on a zero-dim tensor too.
@example(Program(((0, 0, 0, False),), ((_call("flatten", "dim"), 0, 0, 2, 0, False),)))
# A bool tensor in a subtraction is refused, as PyTorch does.
@example(Program(((2, 0, 1, True),), ((_call("lt", "binary"), 0, 0, 0, 0, False),
                                      (_call("subtract", "binary"), 1, 0, 0, 0, False))))
# all and any of a zero-dim tensor take dims 0 and -1 only, as in PyTorch.
@example(Program(((0, 0, 0, False),), ((_call("all", "dim"), 0, 0, 2, 0, False),)))
# argmax of a bool tensor is refused, as in PyTorch.
@example(Program(((0, 0, 0, False),), ((_call("all", "unary"), 0, 0, 0, 0, False),
                                       (_call("argmax", "unary"), 1, 0, 0, 0, False))))
# argmax of an empty tensor along a dim of non-zero size is empty, as in PyTorch.
@example(Program(((7, 0, 0, False),), ((_call("argmax", "dim"), 0, 0, 1, 0, False),)))
# trace's gradient of a NaN (acos(-2.5)'s) sits on the diagonal only, zeros elsewhere.
@example(Program(((2, 0, 0, True),), ((_call("trace", "unary"), 0, 0, 0, 0, False),
                                      (_call("acos", "unary"), 1, 0, 0, 0, False))))
# acosh' at -1, outside the domain: +inf as PyTorch gives (the limit from x < -1), not -inf.
@example(Program(((0, 0, 2, True),), ((_call("acosh", "unary"), 0, 0, 0, 0, False),)))
# diag of a matrix records DiagonalBackward0_copy, as PyTorch names it.
@example(Program(((2, 0, 0, True),), ((_call("abs", "unary"), 0, 0, 0, 0, False),
                                      (_call("abs", "unary"), 0, 0, 0, 0, False),
                                      (_call("diag", "unary"), 0, 0, 0, 0, False))))
# tensordot broadcasts a contracted dim of size 1 against the other's, as PyTorch does.
@example(Program(((5, 1, 11, True),), ((_call("tensordot", "binary"), 0, 0, 0, 0, False),)))
# clip of bools by a bool tensor is a logical or, as in PyTorch (was NumPy's ValueError).
@example(Program(((3, 0, 6, True),), ((_call("isfinite", "unary"), 0, 0, 0, 0, False),
                                      (_call("clip", "binary"), 1, 1, 0, 0, False))))
# stack checks its dim before the sizes, as PyTorch does (IndexError first).
@example(Program(((0, 0, 11, True), (7, 1, 9, True)),
                 ((_call("stack", "list_dim"), 0, 1, 2, 0, False),)))
# pow(0, x)'s gradient is 0 where x >= 0, not 0 * log(0) = nan.
@example(Program(((5, 0, 8, True),), ((_call("pow", "number_first"), 0, 0, 0, 0, False),)))
# remainder's zero has the dividend's sign, as PyTorch's (0.0 % -1 is 0.0, NumPy's -0.0):
# 0.25 / it is inf, not -inf.
@example(Program(((1, 0, 2, True),), ((_call("remainder", "dim"), 0, 0, 0, 0, False),
                                      (_call("div", "number_first"), 1, 1, 0, 6, False))))
# A bool or integer tensor to a negative number power: PyTorch's RuntimeError.
@example(Program(((1, 1, 0, True),), ((_call("isfinite", "unary"), 0, 0, 0, 0, False),
                                      (_call("pow", "dim"), 1, 1, 0, 0, False))))
# trace refuses bool before it checks the shape, as PyTorch does.
@example(Program(((1, 1, 0, True),), ((_call("isfinite", "unary"), 0, 0, 0, 0, False),
                                      (_call("trace", "unary"), 1, 1, 0, 0, False))))
# An empty view (a diagonal of a 1 x 3 tensor) is a view too: written through its base, it
# requires grad (NumPy cannot tell that empty arrays share memory).
@example(Program(((0, 0, 0, True), (4, 0, 0, False)),
                 ((_call("abs", "unary"), 0, 0, 0, 0, False),
                  (_call("diagonal", "dim"), 1, 0, 0, 0, False),
                  (_call("setitem_tensor"), 1, 0, 0, 0, False))))
# A view made under no_grad of a tensor that requires grad has no graph once its base is
# written while recording: reading its grad_fn raises, as in PyTorch.
@example(Program(((0, 0, 0, True),), ((_call("abs", "unary"), 0, 0, 0, 0, False),
                                      (_call("atleast_1d", "unary"), 1, 0, 0, 0, True),
                                      (_call("add_"), 1, 0, 0, 0, False))))
# So has one of a tensor without grad once a value that requires grad is written to its base.
@example(Program(((0, 0, 0, True), (0, 0, 0, False)),
                 ((_call("abs", "unary"), 0, 0, 0, 0, False),
                  (_call("atleast_1d", "unary"), 1, 0, 0, 0, True),
                  (_call("setitem_tensor"), 1, 0, 0, 0, False))))
# The mean of std_mean over dim 0 of a 0-d tensor sends back its gradient (was IndexError).
@example(Program(((0, 1, 11, True),), ((_call("std_mean", "dim"), 6, 2, 0, 4, False),
                                       (_call("broadcast_tensors", "binary"), 2, 6, 1, 4, False),
                                       (_call("mean_dim"), 4, 7, 0, 7, False),
                                       (_call("mul", "number_second"), 3, 5, 0, 9, False))))
# cross without dim takes input's first dim of size 3, and fails to broadcast as PyTorch does.
@example(Program(((1, 1, 10, True), (2, 0, 8, False), (7, 0, 10, True)),
                 ((_call("repeat_interleave", "dim"), 4, 0, 1, 0, False),
                  (_call("cross", "binary"), 2, 4, 1, 11, False))))
# An integer remainder by zero of an empty tensor is empty, not an error.
@example(Program(((6, 0, 2, True),), ((_call("isnan", "unary"), 7, 2, 0, 4, False),
                                      (_call("fmod", "dim"), 7, 1, 1, 3, False))))
# d/dx x**0 is 0 whatever the gradient coming in: logit(x ** 0)'s is 0, not inf * 0 = nan.
@example(Program(((4, 0, 4, True),), ((_call("pow", "dim"), 6, 2, 1, 5, False),
                                      (_call("logit", "unary"), 1, 2, 0, 11, False))))
# histc checks its bins before its dtype, as PyTorch does.
@example(Program(((0, 0, 0, False),), ((_call("abs", "unary"), 0, 0, 0, 0, False),
                                       (_call("nanmedian", "dim"), 0, 0, 0, 0, False),
                                       (_call("abs", "unary"), 0, 0, 0, 0, False),
                                       (_call("histc", "dim"), 3, 0, 0, 0, False))))
# block_diag checks every argument's type before any tensor's dims, as PyTorch does.
@example(Program(((5, 0, 0, False),), ((_call("block_diag", "number_second"), 0, 0, 0, 0, False),)))
# adaptive_avg_pool1d of a bool tensor to an empty output is an empty bool tensor (PyTorch's
# kernel returns before it checks the dtype; was NotImplementedError).
@example(Program(((3, 0, 1, True), (7, 0, 11, True)),
                 ((_call("gather"), 0, 0, 0, 5, False),
                  (_call("logical_and", "binary"), 0, 2, 2, 10, True),
                  (_call("adaptive_avg_pool1d", "dim"), 3, 2, 1, 8, False))))
# cumulative_trapezoid of empty samples at float64 points is float64, computed as ATen does
# (DivBackward1; was a float32 clone).
@example(Program(((7, 0, 0, True), (7, 1, 0, True)),
                 ((_call("cumulative_trapezoid", "binary"), 0, 1, 0, 0, False),)))
# cross of a bool input: NotImplementedError before the dtypes are compared, as ATen's kernel.
@example(Program(((1, 0, 0, True),), ((_call("eq", "binary"), 0, 0, 0, 0, False),
                                      (_call("cross", "binary"), 1, 0, 0, 0, False))))
# A view taken before its base was made to require grad requires grad with it, as in PyTorch.
@example(Program(((1, 0, 0, False),), ((_call("getitem_slice"), 0, 0, 0, 0, False),
                                       (_call("requires_grad_"), 0, 0, 0, 0, False),
                                       (_call("neg"), 1, 0, 0, 0, False))))
# atan2 of a bool by a tensor that requires grad: PyTorch's backward negates the bools and
# raises (symgrad computed it).
@example(Program(((0, 0, 9, True),), ((_call("le", "number_second"), 0, 3, 0, 8, False),
                                      (_call("atan2", "binary"), 1, 0, 0, 0, False))))
# ldexp saves its result, as PyTorch's node: a write to it before backward raises.
@example(Program(((1, 1, 2, True),), ((_call("ldexp", "binary"), 0, 0, 0, 0, False),
                                      (_call("add_"), 1, 0, 0, 0, True))))
# A backward that raises (exp's result written) after a leaf's accumulator was reached: the
# leaf has its gradient, as PyTorch runs an accumulator as soon as it is ready.
@example(Program(((1, 0, 0, True), (1, 0, 3, True)),
                 ((_call("exp", "unary"), 1, 0, 0, 0, False),
                  (_call("mul_scalar_"), 2, 0, 0, 3, True),
                  (_call("add"), 2, 0, 0, 0, False))))
# Seed 6: searchsorted of bools in bools and isin of a bool tensor are refused as in PyTorch;
# copysign saves its result (a write to it before backward raises); logaddexp2's backward
# refuses a bool input (PyTorch subtracts the inputs).
@example(Program(((4, 0, 5, True),), ((_call("logical_and", "binary"), 0, 0, 2, 10, False),
                                      (_call("searchsorted", "binary"), 1, 1, 0, 6, False))))
@example(Program(((1, 0, 0, False),), ((_call("logical_and", "binary"), 0, 0, 0, 0, False),
                                       (_call("isin", "binary"), 0, 1, 0, 0, False))))
@example(Program(((7, 0, 5, True),), ((_call("clone", "unary"), 0, 0, 1, 4, False),
                                      (_call("copysign", "number_second"), 1, 1, 1, 10, False),
                                      (_call("clamp_"), 2, 0, 0, 8, False))))
@example(Program(((4, 0, 3, True),), ((_call("isin", "number_first"), 0, 0, 2, 3, False),
                                      (_call("logaddexp2", "binary"), 0, 1, 2, 0, False))))
# Seed 7: copysign of a bool by a tensor that requires grad (its backward took NumPy's sign
# of bools); unique of a view made under no_grad: no gradient reaches such a view, so the
# missing derivative is not asked for (it raised NotImplementedError).
@example(Program(((5, 1, 6, True),), ((_call("ne", "binary"), 0, 0, 0, 4, False),
                                      (_call("copysign", "binary"), 1, 0, 2, 9, False))))
@example(Program(((0, 1, 0, True),), ((_call("atleast_3d", "ternary"), 0, 0, 0, 9, True),
                                      (_call("unique", "unary"), 2, 1, 1, 4, False))))
# slice_scatter of a float tensor that requires grad into an integer one: PyTorch's
# "Autograd not support dtype" (it gave an integer result).
@example(Program(((3, 1, 5, True),), ((_call("cummin", "dim"), 0, 0, 1, 1, False),
                                      (_call("slice_scatter", "binary"), 2, 0, 1, 6, False))))
# var_mean's mean of a row starting with inf (1 / 0): PyTorch's is nan (TORCH_WRONG_VALUES),
# symgrad's the mathematics' inf.
@example(Program(((2, 1, 0, True),), ((_call("reciprocal", "unary"), 0, 0, 0, 0, False),
                                      (_call("var_mean", "dim"), 1, 0, 2, 0, False))))
# Seed 9: d/dx x ** e at a tensor exponent e = 0 is 0 whatever the gradient coming in
# (asin'(1) = inf), as PyTorch's where(exponent == 0, 0, ...): it was inf * 0 = nan.
@example(Program(((3, 1, 4, True), (0, 1, 0, True)),
                 ((_call("pow", "binary"), 0, 1, 0, 0, False),
                  (_call("arcsin", "unary"), 2, 0, 0, 0, False))))
# Seed 7: the median of an empty int64 tensor is NaN converted to int64 as C converts it, as in
# PyTorch (NumPy's ValueError "cannot convert float NaN to integer" escaped).
@example(Program(((7, 1, 7, True),), ((_call("bucketize", "index"), 7, 4, 1, 5, False),
                                      (_call("log10", "unary"), 7, 1, 2, 1, False),
                                      (_call("nanmedian", "unary"), 1, 5, 1, 4, False))))
# Seed 8: tensordot of two bool (1, 3) tensors over both dims is PyTorch's dot, which refuses
# bool; the size-1 dim was summed to int64 first, a dtype mismatch's RuntimeError.
@example(Program(((4, 1, 5, True), (6, 0, 5, False), (4, 0, 4, True)),
                 ((_call("subtract", "binary"), 2, 3, 1, 6, False),
                  (_call("logdet", "square"), 5, 6, 0, 10, False),
                  (_call("ne", "number_second"), 3, 1, 0, 11, False),
                  (_call("true_divide", "number_second"), 2, 4, 1, 0, False),
                  (_call("nanmean", "number"), 2, 2, 1, 6, False),
                  (_call("tensordot", "binary"), 4, 4, 1, 10, False))))
# Seed 12: index_copy into an empty tensor through an index past its end copies nothing; its
# backward is PyTorch's index_select, which refuses the index (NumPy's IndexError escaped).
@example(Program(((2, 1, 6, False), (7, 0, 10, True), (7, 0, 1, True)),
                 ((_call("true_divide", "binary"), 5, 6, 2, 0, True),
                  (_call("nan_to_num", "unary"), 5, 2, 2, 8, False),
                  (_call("index_copy", "dim_index_source"), 7, 5, 1, 11, False),
                  (_call("isinf", "number"), 6, 5, 2, 0, True))))
# Seed 14: lerp to -inf by a weight of -inf is NaN, from the nearer end as PyTorch's kernel
# computes (start + weight (end - start) gave inf).
@example(Program(((1, 1, 2, True), (5, 0, 11, True), (7, 1, 7, True)),
                 ((_call("isneginf", "unary"), 7, 4, 2, 10, False),
                  (_call("log", "unary"), 3, 2, 2, 4, False),
                  (_call("lerp", "ternary"), 1, 4, 2, 10, False))))
# Seed 15: hypot's result, which PyTorch saves, zeroed in place before the backward: PyTorch
# raises, and symgrad, whose VJP computes hypot again, checks it all the same (checks_out).
@example(Program(((0, 1, 3, True), (0, 1, 11, False), (5, 0, 10, True)),
                 ((_call("erfinv", "number"), 7, 6, 2, 3, False),
                  (_call("hypot", "binary"), 3, 4, 1, 4, False),
                  (_call("zero_", ""), 3, 3, 0, 3, False))))
# Seed 17: hypot(atan2(x, x), ...) at x = 0 sends atan2 a NaN gradient at the origin, where
# PyTorch's derivative is NaN times 0 (NaN), not a 0 whatever came in.
@example(Program(((4, 1, 0, True),),
                 ((_call("arctan2", "binary"), 1, 5, 2, 11, False),
                  (_call("hypot", "binary"), 5, 3, 1, 9, False))))
# Seeds 19 and 20: clip_ by tensor bounds is clamp's tensor overload in place (ClampBackward0):
# a bound that requires grad makes the result require grad, a bound that does not broadcast is
# PyTorch's RuntimeError, and bool bounds on both sides are refused (it ran the number clamp).
@example(Program(((0, 0, 1, True), (7, 0, 11, True), (4, 1, 6, False)),
                 ((_call("clip_", "binary"), 2, 6, 0, 4, False),)))
@example(Program(((4, 1, 11, False), (6, 1, 3, True)),
                 ((_call("clip_", "binary"), 4, 3, 0, 11, False),)))
@example(Program(((5, 0, 10, True),), ((_call("lt", "number_second"), 0, 0, 2, 7, False),
                                       (_call("clip_", "ternary"), 1, 1, 0, 9, False))))
# Seeds 18-21: torch.binary_cross_entropy_with_logits is ATen's, which does not compare shapes
# (nn.functional's ValueError): a weight that requires grad is refused first; input broadcasts
# into target's shape, the result has target's dtype, and the backward raises where input is
# smaller than target (PyTorch writes its gradient in place).
@example(Program(((2, 0, 6, True), (0, 0, 9, True)),
                 ((_call("binary_cross_entropy_with_logits", "ternary"), 0, 1, 0, 0, False),)))
@example(Program(((0, 0, 0, True), (1, 0, 3, False)),
                 ((_call("binary_cross_entropy_with_logits", "binary"), 0, 1, 0, 0, False),)))
@example(Program(((1, 1, 2, True), (1, 0, 5, False)),
                 ((_call("binary_cross_entropy_with_logits", "binary"), 0, 1, 0, 0, False),)))
# Seed 18: inner's (tensordot's) result is a view of the matrix product, as in PyTorch: written
# in place it records AsStridedBackward0, not the in-place op's NegBackward0.
@example(Program(((3, 1, 5, True),), ((_call("inner", "binary"), 0, 0, 1, 0, False),
                                      (_call("negative_", "unary"), 1, 0, 0, 0, False))))
# Seed 22: ldexp_ by a slice of itself is not refused as an overlapping write: PyTorch's is
# self.mul_(pow(2, other)), which reads other into a new tensor first.
@example(Program(((5, 0, 10, False),), ((_call("getitem_slice"), 0, 0, 0, 1, False),
                                        (_call("ldexp_", "binary"), 0, 1, 0, 0, True))))
# Seed 23: a leaf detached in place after the graph was made gets no gradient, as PyTorch's
# AccumulateGrad skips a leaf that no longer requires grad.
@example(Program(((0, 0, 3, True),), ((_call("div", "number_first"), 0, 0, 0, 1, False),
                                      (_call("detach_", "unary"), 0, 0, 0, 0, False))))
# Seed 25: sgn's node saves its result (and input), as PyTorch's: a write into it before the
# backward raises, though the gradient is zero.
@example(Program(((0, 1, 0, True),), ((_call("sgn", "unary"), 0, 0, 0, 0, False),
                                      (_call("copy_"), 1, 0, 0, 0, False))))
# Seed 20: svd's U written in place before a backward raises, as PyTorch's one node saves U, S
# and Vh (symgrad's three nodes each check all three).
@example(Program(((3, 0, 0, True),), ((_call("svd", "unary"), 0, 0, 0, 0, False),
                                      (_call("neg_", "unary"), 1, 0, 0, 0, False))))
# seed 28: dist and kl_div of a bool beside a float tensor (PyTorch refuses both); embedding
# from a table with no row (PyTorch's index_select error, not IndexError)
@example(Program(((4, 0, 0, True), (5, 0, 5, True)),
                 ((_call("block_diag", "ternary"), 2, 7, 2, 5, False),
                  (_call("embedding", "index"), 1, 0, 1, 3, False))))
@example(Program(((3, 1, 3, True),), ((_call("less_equal", "dim"), 3, 0, 1, 10, False),
                                      (_call("dist", "binary"), 0, 3, 1, 0, False))))
@example(Program(((3, 0, 7, True), (5, 1, 9, True)),
                 ((_call("isfinite", "unary"), 7, 3, 1, 11, True),
                  (_call("arcsin", "unary"), 3, 2, 1, 3, False),
                  (_call("hstack", "list"), 4, 0, 1, 7, False),
                  (_call("kl_div", "binary"), 5, 7, 0, 4, False))))
# Seed 29: copysign's other passes zeros, not g * 0 (1 / copysign(False, x) gave NaN, where
# the function is constant); embedding of rows of no element names the index out of range in
# PyTorch's RuntimeError, and a 0-D table is refused as not 2-D.
@example(Program(((0, 0, 4, True),), ((_call("isin", "binary"), 1, 3, 2, 1, False),
                                      (_call("greater_equal", "dim"), 6, 5, 0, 9, False),
                                      (_call("copysign", "binary"), 2, 6, 1, 2, False),
                                      (_call("true_divide", "binary"), 5, 3, 2, 8, False))))
@example(Program(((0, 0, 5, True), (7, 1, 10, False)),
                 ((_call("embedding", "index"), 7, 6, 1, 2, False),)))
@example(Program(((0, 0, 5, True),), ((_call("embedding", "index"), 0, 0, 0, 0, False),)))
# Seeds 31, 32: symgrad's i0(0) is 1 and sinc(2) is 0, exactly; PyTorch's float32 i0(0) is
# 1 - 2**-24 and its sinc(2) -3.9e-17, both within the tolerance. erfinv and floor_ of them
# part (inf and 3.83; 0 and -1): torch gives symgrad's results on symgrad's operands.
@example(Program(((4, 0, 2, True),), ((_call("i0", "unary"), 0, 0, 0, 0, False),
                                      (_call("erfinv", "unary"), 1, 0, 0, 0, False))))
@example(Program(((4, 1, 8, True),), ((_call("sinc", "unary"), 0, 0, 0, 0, False),
                                      (_call("floor_", "unary"), 1, 0, 0, 0, False))))
# Seed 32: ldexp of shapes that do not broadcast, bool exponents: the shapes are refused first.
@example(Program(((7, 0, 5, True), (2, 0, 8, False)),
                 ((_call("eq", "number_second"), 1, 0, 0, 3, False),
                  (_call("ldexp", "binary"), 0, 2, 0, 0, False))))
# Seed 32: logcumsumexp's backward passes a NaN gradient on (PyTorch's loses it), and sinc'
# at inf is its limit 0 (PyTorch's NaN): known PyTorch faults.
@example(Program(((5, 0, 10, True),), ((_call("logcumsumexp", "dim"), 0, 0, 0, 0, False),
                                       (_call("logit", "unary"), 1, 0, 0, 0, False))))
@example(Program(((2, 0, 8, True),), ((_call("logit_", "unary"), 0, 0, 1, 9, True),
                                      (_call("log2", "unary"), 0, 0, 1, 8, False),
                                      (_call("sinc", "unary"), 1, 0, 2, 3, False))))
# Seed 28: kl_div's gradient in a target of 0 (here clamp_min(x, 0) at x = 0, and the
# reduced case kl_div(0, 0)) is -inf, log t + 1 - x's limit from the right; PyTorch's is NaN
# (TORCH_NAN_GRADIENTS; was 0, as if log t were 0 near t = 0).
@example(Program(((2, 0, 11, True),), ((_call("unbind", "number"), 5, 2, 1, 0, False),
                                       (_call("clamp_min", "dim"), 1, 6, 1, 11, False),
                                       (_call("kl_div", "binary"), 4, 7, 0, 0, False))))
@example(Program(((0, 0, 0, True),), ((_call("kl_div", "binary"), 0, 0, 0, 0, False),)))
# Seed 34: kl_div's -inf (PyTorch's NaN) beside a gradient one float32 ulp apart elsewhere.
@example(Program(((5, 0, 7, True),), ((_call("kl_div", "binary"), 7, 1, 1, 2, False),
                                      (_call("arcsin_", "unary"), 1, 6, 2, 8, False),
                                      (_call("inner", "binary"), 1, 3, 1, 3, False))))
# Seed 35: embedding's backward from rows of no element (reshape(-1, 0) was ambiguous).
@example(Program(((7, 1, 9, True), (1, 1, 10, True)),
                 ((_call("embedding", "index"), 4, 6, 0, 4, False),)))
# Seed 36: argsort of 100 tied zeros (histc's bins), whose order PyTorch leaves unspecified.
@example(Program(((2, 1, 10, True), (7, 1, 5, True)),
                 ((_call("histc", "unary"), 0, 0, 2, 8, False),
                  (_call("argsort", "dim"), 2, 7, 0, 5, True))))
# Seed 38: x[...] = x.flatten() for an x of (1, 3) writes each element onto itself (setitem
# expands its value before its overlap check). Seed 40: kthvalue of a zero-dim bool tensor.
@example(Program(((4, 1, 11, False),), ((_call("flatten", "unary"), 0, 0, 2, 9, False),
                                        (_call("setitem_tensor"), 0, 1, 1, 7, True))))
@example(Program(((0, 1, 11, True),), ((_call("isfinite", "unary"), 0, 0, 0, 8, False),
                                       (_call("kthvalue", "dim"), 1, 0, 2, 6, False))))
# Seed 38: copysign's gradient at an infinite self (logit(1)) is +-1; PyTorch's is NaN.
@example(Program(((2, 1, 8, True), (3, 1, 8, True), (2, 0, 2, True)),
                 ((_call("logit", "dim"), 7, 0, 0, 5, False),
                  (_call("any", "dim"), 2, 5, 1, 3, False),
                  (_call("nanmedian", "dim"), 2, 3, 2, 4, False),
                  (_call("copysign", "binary"), 3, 4, 0, 5, False))))
# Seeds 45, 47, 48: nanmedian of an empty bool tensor (True), cdist of an empty float32 and
# float64 pair (zeros), a write into addcmul's factor that no gradient reads (no error).
@example(Program(((7, 0, 5, True), (4, 0, 8, True)),
                 ((_call("ge", "number_second"), 0, 2, 0, 6, False),
                  (_call("nanmedian", "unary"), 2, 0, 0, 2, True))))
@example(Program(((7, 0, 4, True), (7, 1, 6, True)),
                 ((_call("cdist", "binary"), 0, 1, 0, 6, False),)))
@example(Program(((5, 0, 1, False), (2, 0, 10, False), (4, 1, 7, True)),
                 ((_call("addcmul", "ternary"), 2, 1, 0, 3, False),
                  (_call("exp_", "unary"), 1, 1, 2, 0, True))))
# Seed 52: logit_'s slope at a remainder's -0.0 is +inf, as PyTorch's (was -inf).
@example(Program(((1, 0, 11, True), (5, 1, 9, False), (1, 0, 10, True)),
                 ((_call("remainder", "binary"), 1, 5, 2, 0, False),
                  (_call("logit_", "unary"), 3, 1, 0, 2, False))))
# Seed 52: a write into aminmax's min stops a backward through its max, as PyTorch's one node
# saves both.
@example(Program(((2, 0, 10, True),), ((_call("float_power", "dim"), 6, 1, 0, 9, False),
                                       (_call("aminmax", "unary"), 1, 1, 1, 4, False),
                                       (_call("clamp_", "ternary"), 2, 3, 0, 7, False),
                                       (_call("nansum", "unary"), 3, 7, 1, 1, False))))
# Seed 47: the trace of kl_div reads no element of its negative target: its gradient there 0.
@example(Program(((6, 0, 10, True), (2, 1, 5, True), (4, 1, 2, False)),
                 ((_call("kl_div", "binary"), 2, 7, 2, 1, False),
                  (_call("trace", "unary"), 3, 4, 0, 7, False))))
# Seed 57: nextafter's node saves its inputs for self's gradient only: ldexp_ into its self
# (a constant) before a backward to other is no error.
@example(Program(((6, 0, 2, True), (0, 1, 8, True), (5, 0, 1, False)),
                 ((_call("nextafter", "binary"), 5, 4, 1, 4, False),
                  (_call("ldexp_", "binary"), 2, 2, 2, 4, False))))
# cholesky_inverse of a matrix that is not triangular (a matmul's; the kind seed 27 reached):
# PyTorch's gradient is wrong on both triangles (TORCH_WRONG_GRADIENTS), symgrad's agrees with
# finite differences
@example(Program(((3, 0, 1, True), (4, 0, 3, True)),
                 ((_call("matmul"), 0, 1, 0, 0, False),
                  (_call("cholesky_inverse", "square"), 2, 0, 0, 0, False))))
# Seed 39: sort's node saves the order, not its input (PyTorch's saves the indices): a write
# to the input under no_grad (log_) before backward is no error (symgrad's raised).
@example(Program(((0, 0, 0, True),), ((_call("sort", "unary"), 0, 0, 0, 0, False),
                                      (_call("log_", "unary"), 0, 0, 0, 0, True),
                                      (_call("neg"), 1, 0, 0, 0, False))))
# Seed 40: nanmean ignores kl_div's NaN in a negative target, and the gradient there is 0, as
# PyTorch's xlogy(t, t) gives under a zero gradient (symgrad's entr'(t) * 0 was NaN).
@example(Program(((3, 0, 5, True),), ((_call("kl_div", "binary"), 0, 0, 0, 0, False),
                                      (_call("nanmean", "unary"), 1, 0, 0, 0, False))))
# Seed 39: copysign(rsqrt(x), 3) at x = 0: copysign's slope in an infinite input is 1, so the
# gradient is rsqrt's -inf; PyTorch's inf / inf makes it NaN (TORCH_NAN_GRADIENTS).
@example(Program(((5, 0, 0, True),), ((_call("rsqrt", "unary"), 0, 0, 0, 0, False),
                                      (_call("copysign", "number_second"), 1, 0, 0, 5, False))))
# Seed 39: floor_divide(-1, a) + b: PyTorch runs floor_divide's NotImplemented node before b's
# accumulator (both as soon as ready, in the add's input order) and raises with b.grad None;
# symgrad's newer accumulator runs first (torch_fuzz.NOT_IMPLEMENTED: such a leaf is not
# compared after the raise).
@example(Program(((5, 0, 9, True), (1, 0, 11, True)),
                 ((_call("floor_divide", "number_first"), 0, 1, 0, 2, False),
                  (_call("add"), 2, 0, 0, 0, False))))
# Seed 41: symgrad's sinc(-1) is -0, PyTorch's -2.8e-8; xlogy_(x, it) parts there (inf, NaN)
# and torch on symgrad's operands gives inf, but x is twice in the pool (mul_ returned it): its
# mirror must be one tensor, which the write changes in both places (it was two).
@example(Program(((1, 0, 9, False),), ((_call("mul_scalar_"), 0, 0, 0, 1, False),
                                       (_call("sinc", "unary"), 0, 0, 0, 0, False),
                                       (_call("xlogy_", "binary"), 1, 2, 0, 0, False))))
# Seed 42: nextafter(c, x) with only x requiring grad saves neither (x's gradient is zeros), so
# clamp_ of c before backward is no error, as in PyTorch (symgrad's node always checked both).
@example(Program(((1, 1, 3, True), (0, 0, 6, False)),
                 ((_call("nextafter", "binary"), 1, 0, 0, 0, False),
                  (_call("clamp_", "number_second"), 1, 0, 0, 6, False))))
# Seed 43: isin of nonzero's result by itself: PyTorch's kernel for few test elements views
# them flat and refuses their non-contiguous layout; symgrad gives the membership
# (TORCH_WRONG_ERRORS).
@example(Program(((3, 0, 4, True),), ((_call("nonzero", "unary"), 0, 0, 0, 0, False),
                                      (_call("isin", "binary"), 1, 1, 0, 0, False))))
# Seeds 40, 43: kthvalue(b, 1) of a zero-dim bool is b, as PyTorch copies a zero-dim input
# before its kernel refuses bool (symgrad refused it).
@example(Program(((0, 0, 0, False),), ((_call("isfinite", "unary"), 0, 0, 0, 0, False),
                                       (_call("kthvalue", "dim"), 1, 0, 2, 0, False))))
# Seed 58: unsqueeze_ under no_grad of atleast_3d's view: its node is re-derived from its
# base (AsStridedBackward0), as PyTorch's.
@example(Program(((1, 0, 5, True), (2, 0, 11, True)),
                 ((_call("atleast_3d", "binary"), 3, 7, 0, 6, False),
                  (_call("amin", "unary"), 5, 3, 2, 4, True),
                  (_call("unsqueeze_"), 7, 5, 1, 7, True))))
# Seed 61: index_copy into an empty tensor at an index past its end, self alone requiring grad.
@example(Program(((7, 1, 8, True), (2, 0, 0, False)),
                 ((_call("detach", "unary"), 2, 3, 2, 5, False),
                  (_call("index_copy", "dim_index_source"), 3, 2, 1, 5, False))))
# Seeds 58, 59: pinverse of a stack of two equal rows (rank 1: PyTorch's float32 noise
# inverted) and PyTorch's float32 pinverse gradient, 3.5e-6 off.
@example(Program(((1, 0, 1, True),), ((_call("stack", "list"), 6, 4, 1, 7, True),
                                      (_call("pinverse", "unary"), 7, 5, 2, 9, False))))
@example(Program(((2, 0, 7, True),), ((_call("pinverse", "unary"), 5, 0, 1, 3, False),
                                      (_call("le", "dim"), 6, 4, 2, 3, False),
                                      (_call("trunc", "unary"), 6, 5, 1, 4, False),
                                      (_call("diff", "unary"), 5, 1, 1, 8, False))))
# Seed 66: erfinv(amax(x)) = erfinv(3) is NaN: PyTorch's amax sends its NaN gradient to every
# element, symgrad's to the largest alone.
@example(Program(((5, 1, 1, True),), ((_call("amax", "unary"), 2, 5, 2, 9, False),
                                      (_call("erfinv", "unary"), 1, 2, 1, 11, False))))
# Seed 73: log10_ of sigmoid's input (through conj's alias) before backward: symgrad's sigmoid
# reads its input and refuses (READS_ITS_INPUT), PyTorch's saves its result alone.
@example(Program(((4, 1, 5, True),), ((_call("sigmoid", "unary"), 2, 6, 2, 7, False),
                                      (_call("conj", "unary"), 4, 0, 2, 4, False),
                                      (_call("log10_", "unary"), 2, 1, 1, 2, True),
                                      (_call("take_along_dim", "index"), 5, 7, 1, 8, False))))
# Seeds 74, 75, 79: take_along_dim of broadcast_tensors' expanded view and kron of rot90's
# result (PyTorch refuses their layout: TORCH_WRONG_ERRORS); acos_ of take's input before
# backward, which PyTorch's node saves (as symgrad's now does).
@example(Program(((3, 1, 1, True), (5, 0, 3, True), (4, 0, 8, True)),
                 ((_call("broadcast_tensors", "ternary"), 3, 5, 0, 2, True),
                  (_call("take_along_dim", "index"), 4, 2, 2, 9, True))))
@example(Program(((7, 1, 10, False), (4, 1, 5, False), (3, 1, 1, True)),
                 ((_call("rot90", "unary"), 4, 3, 0, 7, False),
                  (_call("kron", "binary"), 3, 2, 1, 4, False))))
@example(Program(((0, 1, 10, True),), ((_call("take", "index"), 2, 6, 1, 10, False),
                                       (_call("fmod", "number_first"), 0, 0, 1, 2, False),
                                       (_call("acos_", "unary"), 0, 5, 2, 10, True),
                                       (_call("mean", "unary"), 7, 7, 1, 5, False))))
# Seed 85: adaptive_max_pool1d of atleast_3d's (1, 0, 1): an empty channel dim is refused.
@example(Program(((6, 1, 2, False),), ((_call("atleast_3d", "unary"), 4, 1, 1, 2, False),
                                       (_call("adaptive_max_pool1d", "dim"), 7, 0, 1, 10, True))))
# Seeds 54 and 71: sgn's zero gradient times log2's and pow's infinite slope at 0: PyTorch's
# structural zero gives 0, symgrad's NaN (TORCH_ZERO_TIMES_INF_GRADIENTS;
# test_sgn_of_an_infinite_slope).
@example(Program(((1, 0, 0, True),), ((_call("log2", "unary"), 0, 0, 0, 0, False),
                                      (_call("sgn", "unary"), 1, 0, 0, 0, False))))
@example(Program(((1, 1, 0, True),), ((_call("pow", "binary"), 0, 0, 0, 2, False),
                                      (_call("sgn", "unary"), 1, 0, 0, 0, False))))
# Seed 200 (programs of up to 12 steps): clip's float32 bound of a float64 input, written by
# sigmoid_ before backward: ClampBackward0 saves the bound as given, so the write is refused.
@example(Program(((4, 0, 6, False), (3, 1, 4, True), (2, 1, 7, True)),
                 ((_call("clip", "ternary"), 0, 5, 2, 0, False),
                  (_call("sigmoid_", "unary"), 4, 5, 2, 10, False))))
# Seed 55: logdet of a singular diagflat is -inf; its backward gives PyTorch's inf and NaN,
# where inverting the matrix raised LinAlgError.
@example(Program(((4, 1, 6, True), (3, 1, 2, True)),
                 ((_call("diagflat", "unary"), 5, 7, 1, 4, False),
                  (_call("logdet", "square"), 5, 4, 1, 7, False))))
# Seed 85: dist(x, x) is 0, and float_power(-1, 0)'s gradient in the exponent (log(-1)) is
# NaN: PyTorch's dist (p = 2) passes it on at its zero, as 0 * NaN.
@example(Program(((0, 1, 7, True),), ((_call("dist", "binary"), 5, 1, 2, 0, False),
                                      (_call("float_power", "number_first"), 4, 7, 2, 2, False))))
# Seeds 85 and 86: signbit of a NaN that logit (of 4, -2.5) and std (of an empty tensor) made:
# its sign bit is the kernel's, set in NumPy's, clear in PyTorch's (NAN_SIGN_READERS).
@example(Program(((4, 0, 6, False),), ((_call("lerp", "ternary"), 2, 7, 0, 0, False),
                                       (_call("isin", "binary"), 4, 6, 0, 2, False),
                                       (_call("logit_", "unary"), 7, 4, 2, 8, False),
                                       (_call("pow", "dim"), 5, 7, 2, 8, False),
                                       (_call("all", "dim"), 6, 6, 0, 4, False),
                                       (_call("signbit", "unary"), 4, 6, 2, 0, False))))
@example(Program(((6, 0, 4, False),), ((_call("std_mean", "dim"), 7, 0, 1, 6, False),
                                       (_call("clamp_max", "dim"), 3, 3, 2, 6, False),
                                       (_call("signbit", "unary"), 5, 3, 2, 4, False))))
# det of a singular diagflat: its gradient is the cofactor matrix, PyTorch's zeros
# (TORCH_WRONG_GRADIENTS).
@example(Program(((4, 1, 0, True),), ((_call("diagflat", "unary"), 0, 0, 1, 4, False),
                                      (_call("det", "square"), 1, 0, 1, 7, False))))
# Seed 105: remainder's divisor written before backward, the dividend alone requiring grad:
# PyTorch's node saves both for the divisor's gradient only (symgrad's refused).
@example(Program(((1, 0, 10, False), (2, 0, 0, True)),
                 ((_call("remainder", "binary"), 1, 0, 0, 0, False),
                  (_call("trunc_", "unary"), 0, 0, 0, 0, False))))
# Seed 110: binary_cross_entropy_with_logits of inf (1 / 0) for both input and target: -inf
# (1 - t) x + softplus(-x), as PyTorch's; symgrad's default pos_weight of 1 gave 0 * inf = NaN.
@example(Program(((0, 0, 0, True),), ((_call("reciprocal", "unary"), 0, 0, 0, 0, False),
                                      (_call("binary_cross_entropy_with_logits", "binary"),
                                       1, 1, 0, 0, False))))
# Seed 118: 1 / cumprod(x) with a zero in x: PyTorch's cumprod gives 0 for the zero derivative
# times the infinite gradient, symgrad the chain rule's NaN (TORCH_ZERO_TIMES_INF_GRADIENTS).
@example(Program(((5, 1, 0, True),), ((_call("cumprod", "dim"), 0, 0, 0, 3, False),
                                      (_call("float_power", "dim"), 1, 1, 0, 1, False))))
# Seed 122: relu_ of -0.0 keeps -0.0 (PyTorch's clamp_min keeps self unless it is below the
# bound; NumPy's maximum gave 0.0): rsqrt of it is -inf.
@example(Program(((0, 1, 0, False),), ((_call("neg"), 0, 0, 0, 0, False),
                                       (_call("relu_", "unary"), 1, 0, 0, 0, False),
                                       (_call("rsqrt", "unary"), 1, 0, 0, 0, False))))
# Seed 123: pdist of an input with no rows: PyTorch's backward crashes the process (a
# segmentation fault), so the fuzzer compares such a program forward only.
@example(Program(((6, 1, 0, True),), ((_call("unsqueeze", "dim"), 0, 0, 0, 0, False),
                                      (_call("pdist", "unary"), 1, 0, 0, 0, False))))
# Seed 135: hypot's other written (acos_) before backward, self alone requiring grad: PyTorch's
# node reads the result for self's gradient, symgrad's reads other (READS_ITS_INPUT).
@example(Program(((1, 1, 2, True), (5, 1, 11, False)),
                 ((_call("hypot", "binary"), 0, 1, 0, 0, False),
                  (_call("acos_", "unary"), 1, 0, 0, 0, False))))
# Seed 131: an integer tensor written whole (setitem, so fill_) with a float value that
# requires grad: PyTorch's records FillBackward3 on it, symgrad's takes no gradient
# (torch_fuzz's _grad_on_integers).
@example(Program(((1, 1, 0, False), (0, 0, 4, True)),
                 ((_call("to_long"), 0, 0, 0, 0, False),
                  (_call("mul", "number_second"), 1, 0, 0, 0, False),
                  (_call("setitem_tensor"), 2, 3, 0, 0, False))))
# Seed 145: ldexp_ of a (3, 1) tensor by a (1, 3) bool one: the broadcast shape is refused
# before the bool exponents, as PyTorch's.
@example(Program(((3, 0, 8, False), (4, 1, 11, True)),
                 ((_call("lt", "dim"), 1, 0, 0, 2, False),
                  (_call("ldexp_", "binary"), 0, 2, 0, 0, False))))
# Seed 154: prod of [-inf, inf, inf] (xlogy_(x, 0) under no_grad): its gradient is the
# product of the others, infinite; PyTorch's result / x_i is NaN (TORCH_NAN_GRADIENTS).
@example(Program(((4, 0, 9, True),), ((_call("xlogy_", "dim"), 0, 0, 1, 1, True),
                                      (_call("prod", "unary"), 0, 0, 0, 0, False))))
# Seed 158: inner of two (2, 0) bool tensors sums nothing: bool zeros, as PyTorch's addmm
# kernel returns before its dtype check (symgrad refused bool).
@example(Program(((7, 0, 9, True),), ((_call("logical_xor", "binary"), 0, 0, 0, 0, False),
                                      (_call("inner", "binary"), 1, 1, 0, 0, False))))
# Seed 158: nuclear_norm of a matrix holding inf (reciprocal_ of a 0): NaN, as PyTorch's SVD
# gives for an infinity (symgrad refused every non-finite matrix; a NaN is refused).
@example(Program(((2, 1, 0, False),), ((_call("reciprocal_", "unary"), 0, 0, 0, 0, False),
                                       (_call("nuclear_norm", "unary"), 0, 0, 0, 0, False))))
# Seed 161: a diagonal made under no_grad of a leaf then detached in place no longer requires
# grad (it asks its base, as PyTorch's view does).
@example(Program(((4, 1, 4, True),), ((_call("diagonal", "unary"), 0, 0, 0, 0, True),
                                      (_call("detach_", "unary"), 0, 0, 0, 0, False))))
# Seed 120: an index past the end of a (1, 0) tensor (atleast_2d of an empty one): PyTorch's
# kernel reads no index of an empty result, so it is empty, not an IndexError.
@example(Program(((6, 0, 0, False),), ((_call("atleast_2d", "unary"), 0, 0, 0, 0, False),
                                       (_call("getitem_index"), 1, 0, 0, 1, False))))
# Seeds 168 and 177: pdist with p = 0 counts a NaN difference as NaN, as PyTorch's
# min(ceil(|d|), 1) does (symgrad counted it as a nonzero: 3 where PyTorch gives NaN).
@example(Program(((1, 0, 11, False), (2, 1, 0, True)), (
    (_call("max_dim"), 1, 5, 1, 1, False), (_call("log2", "unary"), 1, 7, 0, 4, True),
    (_call("isreal", "unary"), 1, 0, 0, 6, False), (_call("greater", "dim"), 5, 7, 2, 5, False),
    (_call("pdist", "dim"), 3, 1, 1, 6, False), (_call("diff", "number"), 4, 7, 2, 7, False))))
@example(Program(((5, 0, 0, False), (3, 1, 9, True)), (
    (_call("diagonal", "unary"), 0, 0, 0, 8, False), (_call("sgn", "unary"), 4, 7, 2, 1, False),
    (_call("log_", "unary"), 3, 3, 0, 8, False), (_call("pdist", "dim"), 3, 7, 1, 3, True),
    (_call("le", "dim"), 4, 6, 0, 6, False), (_call("less_equal", "binary"), 3, 4, 1, 1, False))))
# Seeds 188, 214 and 182: a leaf reshaped in place under no_grad while a graph holds its
# accumulator; the old shape's gradient becomes .grad as it is where its strides are the
# leaf's (a scalar's; a (2, 0) for a leaf t_() made (0, 2)), and is refused where they are not
# and it does not broadcast to the leaf (symgrad broadcast it to the leaf, or refused (2, 0)).
@example(Program(((0, 0, 3, True),), (
    (_call("t"), 3, 6, 0, 1, False), (_call("unsqueeze_"), 2, 0, 0, 5, True),
    (_call("argwhere", "unary"), 1, 3, 1, 5, False))))
@example(Program(((7, 0, 2, True), (5, 0, 5, True), (3, 1, 11, True)), (
    (_call("tril", "dim"), 7, 5, 2, 9, False), (_call("unsqueeze_"), 1, 3, 2, 1, True),
    (_call("clamp", "dim"), 3, 0, 2, 3, False))))
@example(Program(((7, 0, 10, True), (7, 0, 11, True)), (
    (_call("true_divide", "number_second"), 3, 0, 2, 0, False),
    (_call("sqrt", "unary"), 6, 5, 0, 3, True), (_call("t_"), 5, 6, 0, 9, True),
    (_call("real", "unary"), 2, 7, 1, 2, True))))
# Seeds 177, 186 and 195: kron's operand written in place after the call (erf_, xlogy_,
# cosh_); PyTorch's product saved _unsafe_views, which the write does not make stale, and reads
# the written values; symgrad's backward refuses, as PyTorch's mul does (SAVES_UNTRACKED).
@example(Program(((4, 1, 2, False), (6, 1, 2, True), (2, 1, 2, False)), (
    (_call("divide", "number_second"), 2, 5, 2, 6, False),
    (_call("kron", "binary"), 0, 1, 0, 5, False), (_call("kron", "binary"), 4, 4, 1, 6, False),
    (_call("reciprocal", "unary"), 2, 4, 1, 4, False),
    (_call("erf_", "unary"), 0, 7, 2, 9, False))))
@example(Program(((1, 1, 3, False), (3, 1, 9, True)), (
    (_call("nan_to_num_", "dim"), 6, 6, 1, 10, False),
    (_call("square_", "unary"), 2, 7, 1, 5, False), (_call("kron", "binary"), 1, 4, 1, 6, False),
    (_call("xlogy_", "number_second"), 2, 5, 1, 6, False))))
@example(Program(((6, 0, 6, False), (2, 0, 2, True)), (
    (_call("kron", "binary"), 7, 6, 0, 11, False), (_call("cosh_", "unary"), 6, 7, 0, 10, False),
    (_call("feature_dropout_", "p_eval"), 0, 1, 1, 2, True))))
# Seed 201: norm with p = 0 gives remainder(number, x) an undefined gradient; PyTorch's engine
# runs remainder's node all the same, which has no derivative and raises (symgrad's engine
# stopped at the undefined gradient, and its backward passed).
@example(Program(((0, 0, 11, True), (5, 1, 2, True), (4, 0, 1, True)), (
    (_call("remainder", "number_first"), 1, 7, 2, 3, False),
    (_call("norm", "dim"), 3, 6, 1, 8, False))))
# Seeds 201 and 211: a view of a tensor written in place (rsqrt_, expm1_), then the tensor made
# to require grad: PyTorch re-derives the view from it (AsStridedBackward0), symgrad kept it a
# leaf.
@example(Program(((6, 1, 9, False),), (
    (_call("atleast_3d", "unary"), 4, 2, 1, 0, False),
    (_call("rsqrt_", "unary"), 7, 4, 1, 8, False), (_call("requires_grad_"), 0, 6, 0, 3, False))))
@example(Program(((5, 1, 8, True), (6, 0, 3, False), (3, 0, 2, True)), (
    (_call("getitem_none"), 7, 2, 0, 10, False), (_call("expm1_", "unary"), 1, 2, 1, 0, False),
    (_call("requires_grad_"), 6, 2, 1, 2, False))))
# Seed 310 (helper h2): a (1, 3) matrix that requires grad times a (1, 3, 3) batch: PyTorch
# folds the batch and returns the product's mT().contiguous(), already contiguous for one row,
# so its node is TransposeBackward0, not CloneBackward0 (seeds 300 and 314 alike: empty, one
# column).
@example(Program(((4, 0, 7, True),), ((_call("diag_embed", "unary"), 0, 0, 2, 11, False),
                                      (_call("matmul"), 0, 1, 1, 5, False))))
# Seed 309 (helper h2): pdist with p = 0 of rows holding NaN (asin of 4) is NaN, as PyTorch's
# kernel sums min(ceil(|d|), 1); symgrad counted a NaN difference as nonzero (cdist alike).
@example(Program(((3, 0, 6, True),), ((_call("asin", "unary"), 0, 0, 0, 0, False),
                                      (_call("pdist", "dim"), 1, 1, 1, 0, False))))
# Seed 323 (helper h2): 4 / cumprod([-1, -0.75, 0]): x_0's gradient sums 0 * inf with finite
# terms; PyTorch's cumprod drops the 0 * inf and gives the rest (1.73), symgrad NaN
# (TORCH_ZERO_TIMES_INF_GRADIENTS, where only a 0 was excused).
@example(Program(((2, 0, 2, True),), ((_call("cumprod", "dim"), 0, 0, 2, 0, False),
                                      (_call("divide", "number_first"), 1, 1, 0, 11, False))))
# Seed 326 (helper h2): prod of [-0.1875, 0, 2, 0.75, 0, inf] (a divide by zero): the others'
# products are 0 * inf, NaN in symgrad; PyTorch's backward gives zeros at two zero elements
# (TORCH_ZERO_TIMES_INF_GRADIENTS).
@example(Program(((4, 0, 7, False), (5, 0, 11, True)),
                 ((_call("divide", "binary"), 0, 1, 0, 4, False),
                  (_call("prod", "unary"), 2, 2, 1, 1, False))))
# Seed 331 (helper h2): kron of a tensor that is written afterward (rad2deg_): symgrad's
# backward refuses, PyTorch's reads the written values unchecked (SAVES_UNTRACKED).
@example(Program(((2, 0, 4, True), (1, 0, 11, False)),
                 ((_call("kron", "binary"), 1, 0, 1, 3, False),
                  (_call("rad2deg_", "unary"), 1, 0, 1, 4, False))))
# Seed 346 (helper h2): pdist saves its input, which detach_ then takes from its node: PyTorch's
# backward refuses to unpack it ("Trying to use a saved tensor that has been detached
# in-place"); symgrad's read it.
@example(Program(((2, 1, 3, True),), ((_call("neg"), 0, 0, 0, 0, False),
                                      (_call("pdist", "unary"), 1, 1, 0, 0, False),
                                      (_call("detach_", "unary"), 1, 1, 0, 0, False))))
# Seed 348 (helper h2): rrelu_'s node (RreluWithNoiseBackward1) saves its result; clip_ then
# writes it, and PyTorch's backward refuses (symgrad's VJP needs only the slope, and ran).
@example(Program(((4, 1, 11, True),), ((_call("to_float"), 0, 0, 0, 0, False),
                                       (_call("rrelu_", "unary"), 1, 1, 0, 0, False),
                                       (_call("clip_", "dim"), 1, 1, 2, 0, False))))
# Seed 373 (helper h2): float_power(b, unique(a)) stops at Unique2Backward0 ("the derivative for
# '_unique2' is not implemented."), after PyTorch ran b's accumulator and before symgrad's (its
# number is older: b was used first): NOT_IMPLEMENTED matches that message too.
@example(Program(((7, 0, 7, True), (6, 0, 10, True)),
                 ((_call("log", "unary"), 1, 1, 0, 0, False),
                  (_call("unique", "unary"), 0, 0, 0, 0, False),
                  (_call("float_power", "binary"), 1, 3, 0, 0, False))))
# Seed 382 (helper h2): sinc(1) is 0 exactly in symgrad, 3.9e-17 in PyTorch (sin of a rounded
# pi); floor_ under no_grad makes those 0 and -1. PyTorch's floor_ of symgrad's values gives
# symgrad's (inherited), but the mirror's node (CloneBackward0) was compared too.
@example(Program(((3, 1, 1, True),), ((_call("sinc", "unary"), 0, 0, 0, 0, False),
                                      (_call("floor_", "unary"), 1, 1, 0, 0, True))))
# Seed 388 (helper h2): max_pool1d of a tensor that needs no gradient is a tensor of its own in
# PyTorch (max_pool2d_with_indices and a squeezed view only where a gradient needs indices), so
# clamp_max_ by a scalar that requires grad records ClampMaxBackward1, not CopySlices'
# AsStridedBackward0.
@example(Program(((0, 1, 4, True), (4, 0, 8, False)),
                 ((_call("max_pool1d", "dim"), 1, 1, 2, 0, False),
                  (_call("clamp_max_", "binary"), 2, 0, 0, 0, False))))
# Seed 388 (helper h2): a view made under no_grad (broadcast_tensors') whose base is written
# refuses is_leaf; the fuzzer's mirror of it asked and crashed.
@example(Program(((1, 1, 10, True), (5, 1, 10, True), (3, 0, 9, True)),
                 ((_call("fmod", "number_second"), 7, 0, 0, 1, True),
                  (_call("ldexp", "binary"), 2, 7, 0, 2, False),
                  (_call("getitem_none"), 4, 5, 0, 1, True),
                  (_call("cos_", "unary"), 4, 2, 1, 1, False),
                  (_call("broadcast_tensors", "ternary"), 2, 4, 1, 4, False))))
# Seed 420 (helper h2): t[...] = v for a view t of the zero-dim v (atleast_2d): PyTorch fills
# with v's value, cloning a value that aliases the tensor filled, where symgrad refused the
# overlap (fill_(x[1]) alike).
@example(Program(((7, 1, 2, True),), ((_call("mean", "unary"), 0, 6, 0, 9, False),
                                      (_call("atleast_2d", "ternary"), 7, 6, 0, 6, False),
                                      (_call("setitem_tensor"), 2, 1, 0, 11, False))))
# Seed 412 (helper h2): var over dim 0 of a zero-dim NaN (acosh(-2.5)): symgrad's gradient is
# NaN, PyTorch's inf (TORCH_INF_FOR_NAN_GRADIENTS).
@example(Program(((3, 0, 6, True), (0, 1, 4, True), (1, 0, 0, False)),
                 ((_call("gt", "dim"), 7, 4, 1, 4, False),
                  (_call("acosh", "unary"), 1, 6, 0, 2, False),
                  (_call("var", "dim"), 4, 0, 0, 10, False))))
# Seed 437 (helper h2): a zero-dim leaf made (1,) by unsqueeze_ under no_grad gets a zero-dim
# gradient, which PyTorch's AccumulateGrad takes as it is (its layout contract holds); symgrad
# broadcast it to the leaf's shape.
@example(Program(((0, 1, 5, True), (2, 0, 7, False), (6, 1, 9, True)),
                 ((_call("arctan2", "binary"), 0, 6, 2, 2, False),
                  (_call("unsqueeze_"), 0, 6, 1, 1, True))))
# Seed 444 (helper h2): atanh(2 * nanquantile(x, 0)) at 1: inf times the derivative 1 of the
# smallest element, NaN in PyTorch (a weight of 0 times inf; TORCH_NAN_GRADIENTS).
@example(Program(((1, 0, 3, True),), ((_call("nanquantile", "dim"), 5, 0, 1, 1, False),
                                      (_call("add_"), 1, 5, 1, 6, False),
                                      (_call("fmax", "binary"), 6, 3, 1, 7, False),
                                      (_call("atanh", "unary"), 6, 2, 0, 1, False))))
# Seed 523 program 637 (helper h5): _weight_norm of a (2, 1, 3) v by an empty g, which crashed
# PyTorch's process (SIGSEGV: its kernel reads g's missing elements) and the fuzzer's with it;
# symgrad refuses such a g (CRASHES_TORCH_FORWARD: the step is not run).
@example(Program(((5, 0, 4, False), (7, 0, 1, True)),
                 ((_call("_weight_norm", "binary"), 0, 1, 0, 0, False),)))
# Seed 307 program 1266 (helper h5): geqrf of pow(x, x), whose first column is led by NaN
# ((-0.125) ** -0.125): PyTorch's R diagonal element is a number (TORCH_NUMBER_FOR_NAN_VALUES).
@example(Program(((2, 0, 10, False),), ((_call("pow", "binary"), 0, 0, 0, 0, False),
                                        (_call("geqrf", "unary"), 1, 0, 0, 0, False))))
# Seed 701 program 385 (helper h5): mse_loss of a float64 input against any()'s bool: PyTorch's
# backward subtracts in the promoted dtype, symgrad's used ``-``, which refuses bool.
@example(Program(((5, 1, 3, True),), ((_call("any", "unary"), 0, 0, 0, 0, False),
                                      (_call("autocast_mse"), 0, 1, 0, 0, False))))
# Seeds 419, 523, 1117 and others (helper h5): svd of a (2, 3) leaf, whose U and V columns
# LAPACK signs otherwise (``_svd_arbitrary``).
@example(Program(((2, 1, 3, True),), ((_call("svd", "unary"), 0, 0, 0, 0, False),)))
# Seeds 2134 #467 and 2251 #513 (helper h1): atan2 of xlogy(x, 0)'s infinities: its partials'
# limits there are 0, PyTorch's NaN (TORCH_NAN_GRADIENTS).
@example(Program(((0, 0, 10, True), (4, 0, 10, True)),
                 ((_call("xlogy", "number_second"), 1, 1, 0, 0, False),
                  (_call("arctan2", "binary"), 2, 0, 1, 10, False))))
# Seed 2156 #471 (helper h1): cumprod of rsqrt(x) at x = 0, inf: its partial there is the
# product of the others, PyTorch's inf / inf = NaN (TORCH_NAN_GRADIENTS).
@example(Program(((5, 1, 9, True),), ((_call("rsqrt", "unary"), 0, 0, 0, 0, False),
                                      (_call("cumprod", "dim"), 1, 1, 1, 0, False))))
# Seed 2274 #630 (helper h1): xlogy(std(softmax(x)), 0), whose gradient of softmax is -inf
# and +inf: J^T g is -inf at the largest element, NaN in PyTorch (TORCH_NAN_GRADIENTS).
@example(Program(((2, 0, 8, True),), ((_call("softmax"), 0, 0, 2, 0, False),
                                      (_call("std_mean", "dim"), 1, 1, 0, 0, False),
                                      (_call("xlogy", "dim"), 2, 2, 1, 0, False))))
# Seed 2173 #664 (helper h1): pow(x, i0(x)) at x = 0: PyTorch's float32 i0(0) is 1 - 2**-24,
# its slope of 0 ** (1 - 2**-24) inf, symgrad's of x ** 1 is 1 (TORCH_ROUNDED_VALUES).
@example(Program(((3, 0, 0, True),), ((_call("i0", "unary"), 0, 0, 0, 0, True),
                                      (_call("pow", "binary"), 0, 1, 0, 0, False))))
# Seeds 2125 #1061 and 2138 #1343 (helper h1): float32 gradients whose exact value is 0, a sum
# of terms that cancel: addcdiv(a, c, c) in c (symgrad's 0, PyTorch's 3.8e-6) and
# rad2deg(cumulative_trapezoid(x, x)) at x = 0 (symgrad's -7.6e-6, PyTorch's 1.5e-5): symgrad's
# is the nearer PyTorch's float64 gradient (``_nearer_in_float64``).
@example(Program(((2, 1, 4, True), (5, 0, 8, True)),
                 ((_call("sigmoid_", "unary"), 1, 1, 0, 0, True),
                  (_call("addcdiv", "ternary"), 0, 1, 0, 0, False))))
@example(Program(((5, 0, 4, True),), ((_call("cumulative_trapezoid", "binary"), 0, 0, 0, 0, False),
                                      (_call("rad2deg", "unary"), 1, 1, 0, 0, False))))
# Seed 2143 program 329: logaddexp2(x, x) at -1 is 0, PyTorch's float32 -1.06e-8; xlogy_ of
# -0.75 into one of atleast_3d's two views of it gives 0 and NaN there. torch on symgrad's
# operands gives symgrad's result only where the mirrors share memory as the views do.
@example(Program(((2, 0, 9, True),), ((_call("logaddexp2", "binary"), 0, 0, 0, 0, False),
                                      (_call("atleast_3d", "binary"), 1, 1, 0, 0, False),
                                      (_call("xlogy_", "number_second"), 3, 0, 0, 7, False))))
# Seed 2420 program 915: logaddexp2 of a bool mask and a view made under no_grad (no edge):
# no gradient is asked, so its formula's bool subtraction is not refused.
@example(Program(((2, 0, 7, True), (3, 0, 7, True)),
                 ((_call("flatten", "unary"), 0, 0, 2, 1, True),
                  (_call("lt", ""), 1, 1, 2, 2, False),
                  (_call("logaddexp2", "binary"), 3, 2, 2, 7, False))))
# Seed 2409 program 1042: logdet of addcmul's rank-2 matrix, -inf in symgrad (an exact zero
# pivot), the log of a pivot's rounding in PyTorch (RANK_SENSITIVE).
@example(Program(((3, 1, 7, True), (4, 1, 10, False), (2, 1, 1, False)),
                 ((_call("addcmul", "ternary"), 1, 0, 0, 4, False),
                  (_call("logdet", "square"), 3, 3, 0, 8, False))))
# Seed 2384 program 534: digamma of nextafter(-1, 0) = -1 + 2**-53 is -9.007e15 (mpmath),
# PyTorch's -5.5e15 (``TORCH_POLE_VALUES``).
@example(Program(((5, 1, 7, True), (5, 0, 9, True)),
                 ((_call("nextafter", "binary"), 1, 0, 0, 0, False),
                  (_call("digamma", "unary"), 2, 0, 0, 0, False))))
# Seed 2275 program 1431: cross(a, a) is 0; PyTorch's float32 fused multiply-add leaves a
# product's rounding error, -2.1e-4 (``_fused_cross``).
@example(Program(((3, 0, 5, False),), ((_call("rad2deg_", "unary"), 0, 0, 0, 0, False),
                                       (_call("cross", "binary"), 0, 0, 1, 0, False))))
# Seed 2295 program 1147 (helper h5): the forward_ad call's tangent, detached, held the tangent
# and its graph (symgrad's double reverse sweep, through the leaf's accumulator), which then
# refused the gradient of the leaf's new shape after t_ under no_grad; PyTorch's detach keeps
# only the memory and the version counter.
@example(Program(((2, 1, 1, True), (6, 0, 3, False), (1, 0, 3, False)),
                 ((_call("forward_ad"), 3, 0, 2, 3, False), (_call("t_"), 4, 3, 2, 11, True))))
def test_programs_agree_with_torch(program: Program) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = torch_fuzz.run(program)
    assert found == [] or torch_fuzz.torch_is_wrong(program, found)


def test_weight_norm_by_too_few_gains_is_not_run() -> None:
    # Seed 2288 program 736: torch._weight_norm of a (4, 1, 9) v by a 0-d g reads and writes
    # past g's one element and corrupts the heap (the process aborted later, in malloc); the
    # previous rule spared only empty operands.
    import symgrad

    step = (_call("_weight_norm", "binary"), 0, 1, 0, 0, False)
    v, g = symgrad.ones(4, 1, 9, dtype=symgrad.float64), symgrad.tensor(0.5, dtype=symgrad.float64)
    assert torch_fuzz._crashes_torch(step, v, g, torch_fuzz.CRASHES_TORCH_FORWARD)
    assert not torch_fuzz._crashes_torch(step, v, symgrad.ones(4, 1, 1),
                                         torch_fuzz.CRASHES_TORCH_FORWARD)


def test_the_calls_grow_with_the_api() -> None:
    # Every public function torch also has is tried, with each argument pattern torch accepts.
    import symgrad
    from symgrad.ops.registry import FUNCTIONS

    shared = {name for name in FUNCTIONS if hasattr(torch_fuzz.torch, name)}
    assert set(PATTERNS) <= shared
    # The rest need operands the probes do not try (matrices that multiply, integers, three
    # operands); most are reached through OTHER_CALLS.
    assert len(PATTERNS) >= 0.75 * len(shared)
    assert {name for name, _ in torch_fuzz.FUNCTION_CALLS} == set(PATTERNS)
    assert all(hasattr(symgrad.Tensor, name.rstrip("_")) or name in OTHER_CALLS
               for name in OTHER_CALLS)


def test_a_drift_does_not_hide_a_wrong_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """After i0's last-bit drift, a step that computes a wrong value is still reported: torch
    on symgrad's operands does not give it."""
    program = Program(((4, 0, 2, True),), ((_call("i0", "unary"), 0, 0, 0, 0, False),
                                           (_call("erfinv", "unary"), 1, 0, 0, 0, False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch_fuzz.run(program) == []
        import symgrad
        real = symgrad.erfinv
        monkeypatch.setattr(symgrad, "erfinv", lambda x: real(x) * 1.5)
        found = torch_fuzz.run(program)
    assert found and found[0][0] == "step 1 ('erfinv', 'unary')"


def test_the_cross_rule_excuses_only_the_products_rounding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``_fused_cross`` excuses PyTorch's fused rounding of cross(a, a) (-2.1e-4 where the
    products are near 4900), not an error past the products' rounding."""
    import symgrad

    program = Program(((3, 0, 5, False),), ((_call("rad2deg_", "unary"), 0, 0, 0, 0, False),
                                            (_call("cross", "binary"), 0, 0, 1, 0, False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch_fuzz.run(program) == []
        real = symgrad.cross
        monkeypatch.setattr(symgrad, "cross", lambda a, b, *r, **k: real(a, b, *r, **k) + 0.01)
        found = torch_fuzz.run(program)
    assert found and found[0][0] == "step 1 ('cross', 'binary')"


def test_views_mirrors_share_memory() -> None:
    """Mirrors of tensors that share memory share it as they do: a write through one mirror
    shows in the other, as in symgrad's pool."""
    import symgrad

    x = symgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True) * 1
    row, col = x[1], x[:, 2]
    plain = symgrad.ones(2)
    mirrors = torch_fuzz._mirrors([x, row, col, plain, row])
    assert mirrors[1] is mirrors[4]
    assert [m.tolist() for m in mirrors[:3]] == [x.tolist(), row.tolist(), col.tolist()]
    assert [m.requires_grad for m in mirrors] == [True, True, True, False, True]
    with torch_fuzz.torch.no_grad():
        mirrors[1].mul_(10)
    assert mirrors[0].tolist() == [[1.0, 2.0, 3.0], [40.0, 50.0, 60.0]]
    assert mirrors[2].tolist() == [3.0, 60.0]


def test_the_sgn_rule_excuses_only_nan_for_zero() -> None:
    """TORCH_ZERO_TIMES_INF_GRADIENTS excuses a gradient that differs only where symgrad's is
    NaN and PyTorch's 0; any other difference in a program calling sgn is still reported."""
    import numpy as np

    program = Program(((1, 0, 0, True),), ((_call("sgn", "unary"), 0, 0, 0, 0, False),))

    def found(ours: list[float], theirs: list[float]) -> list[tuple[str, object, object]]:
        return [("grad of leaf 0", ("tensor", "float32", (2,), np.array(ours), False, True, None),
                 ("tensor", "float32", (2,), np.array(theirs), False, True, None))]

    assert torch_fuzz.torch_is_wrong(program, found([np.nan, 0.5], [0.0, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([np.nan, 1.0], [0.0, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([1.0, 0.5], [0.0, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([np.nan, 0.5], [1.0, 0.5]))


def test_the_cumprod_rule_excuses_nan_for_a_number() -> None:
    """For cumprod the rule excuses symgrad's NaN against any number of PyTorch's (the other
    terms of the sum the 0 * inf was dropped from), and nothing else."""
    import numpy as np

    program = Program(((1, 0, 0, True),), ((_call("cumprod", "dim"), 0, 0, 1, 0, False),))

    def found(ours: list[float], theirs: list[float]) -> list[tuple[str, object, object]]:
        return [("grad of leaf 0", ("tensor", "float32", (2,), np.array(ours), False, True, None),
                 ("tensor", "float32", (2,), np.array(theirs), False, True, None))]

    assert torch_fuzz.torch_is_wrong(program, found([np.nan, 0.5], [1.75, 0.5]))
    assert torch_fuzz.torch_is_wrong(program, found([np.nan, 0.5], [0.0, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([np.nan, 1.0], [1.75, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([1.0, 0.5], [1.75, 0.5]))


def test_the_i0_rule_excuses_only_a_non_finite_torch_gradient() -> None:
    """TORCH_ROUNDED_VALUES excuses a gradient that differs only where PyTorch's is infinite or
    NaN and symgrad's finite (a singularity crossed by PyTorch's ULP), and nothing else."""
    import numpy as np

    program = Program(((1, 0, 0, True),), ((_call("i0", "unary"), 0, 0, 0, 0, False),))

    def found(ours: list[float], theirs: list[float]) -> list[tuple[str, object, object]]:
        return [("grad of leaf 0", ("tensor", "float32", (2,), np.array(ours), False, True, None),
                 ("tensor", "float32", (2,), np.array(theirs), False, True, None))]

    assert torch_fuzz.torch_is_wrong(program, found([0.5, 2.0], [np.inf, 2.0]))
    assert torch_fuzz.torch_is_wrong(program, found([0.5, 2.0], [np.nan, 2.0]))
    assert not torch_fuzz.torch_is_wrong(program, found([0.5, 2.0], [0.75, 2.0]))
    assert not torch_fuzz.torch_is_wrong(program, found([np.inf, 2.0], [0.5, 2.0]))
    assert not torch_fuzz.torch_is_wrong(program, found([0.5, 1.0], [np.inf, 2.0]))


def test_the_float64_rule_excuses_only_the_nearer_gradient() -> None:
    """``_nearer_in_float64`` excuses symgrad's float32 gradient where it is at least as near
    PyTorch's float64 one as PyTorch's float32 one is (here the exact 0 of x dx's cancelling
    terms), and not a gradient farther from it."""
    import numpy as np

    program = Program(((5, 0, 4, True),), (
        (_call("cumulative_trapezoid", "binary"), 0, 0, 0, 0, False),
        (_call("rad2deg", "unary"), 1, 1, 0, 0, False)))
    theirs = np.array([[[190.98593, 42.971832, -47.746483]], [[114.59157, 1.5258789e-05,
                                                                257.83102]]])

    def grads(element: float) -> tuple[object, object]:
        ours = theirs.copy()
        ours[1, 0, 1] = element
        return (("tensor", "float32", (2, 1, 3), ours, False, True, None),
                ("tensor", "float32", (2, 1, 3), theirs, False, True, None))

    assert torch_fuzz._nearer_in_float64(program, "grad of leaf 0", *grads(-7.6293945e-06))
    assert not torch_fuzz._nearer_in_float64(program, "grad of leaf 0", *grads(-3e-05))
    assert not torch_fuzz._nearer_in_float64(program, "grad of leaf 0", *grads(1.0))


def test_the_pole_rule_excuses_only_values_beside_a_pole() -> None:
    """TORCH_POLE_VALUES excuses a digamma value that differs only where both are beyond 1e13
    in size with one sign (beside a pole); any other difference is still reported."""
    import numpy as np

    program = Program(((5, 0, 9, True),), ((_call("digamma", "unary"), 0, 0, 0, 0, False),))

    def found(ours: list[float], theirs: list[float]) -> list[tuple[str, object, object]]:
        def plain(values: list[float]) -> tuple[object, ...]:
            return ("tensor", "float64", (2,), np.array(values), True, False, "DigammaBackward0")
        return [("step 0 ('digamma', 'unary')", plain(ours), plain(theirs))]

    assert torch_fuzz.torch_is_wrong(program, found([-9.007e15, 0.5], [-5.545e15, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([-9.007e15, 0.5], [5.545e15, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([-9.007e15, 0.5], [-5.545e15, 0.6]))
    assert not torch_fuzz.torch_is_wrong(program, found([-9.007e10, 0.5], [-5.545e10, 0.5]))


def test_the_geqrf_rule_excuses_only_nan_for_a_number() -> None:
    """TORCH_NUMBER_FOR_NAN_VALUES excuses a geqrf value that differs only where symgrad's is
    NaN and PyTorch's a number; any other difference of its values is still reported."""
    import numpy as np

    program = Program(((2, 0, 0, False),), ((_call("geqrf", "unary"), 0, 0, 0, 0, False),))

    def found(ours: list[float], theirs: list[float]) -> list[tuple[str, object, object]]:
        def plain(values: list[float]) -> tuple[object, ...]:
            return (("tensor", "float32", (2,), np.array(values), False, True, None),
                    ("tensor", "float32", (1,), np.array([np.nan]), False, True, None))
        return [("step 0 ('geqrf', 'unary')", plain(ours), plain(theirs))]

    assert torch_fuzz.torch_is_wrong(program, found([np.nan, np.nan], [1.5, np.nan]))
    assert not torch_fuzz.torch_is_wrong(program, found([1.5, np.nan], [np.nan, np.nan]))
    assert not torch_fuzz.torch_is_wrong(program, found([np.nan, 1.0], [1.5, 0.5]))
    assert not torch_fuzz.torch_is_wrong(program, found([1.0, np.nan], [1.5, np.nan]))


def test_the_svd_rule_excuses_only_pairs_of_singular_vectors_negated_together() -> None:
    """Seeds 307, 419, 523, 809, 911, 1013, 1117 and 1229 (helper h5): svd's U and V columns
    of other signs than LAPACK's, both right when a column of U and V's same column are
    negated together; a column negated alone, or another singular value, is still reported."""
    import numpy as np

    import symgrad

    step = (_call("svd", "unary"), 0, 0, 0, 0, False)
    u = np.array([[0.6, 0.8], [0.8, -0.6]])
    s = np.array([5.0, 1.0])
    v = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])

    def plain(u: np.ndarray, s: np.ndarray, v: np.ndarray) -> tuple[object, ...]:
        return tuple(("tensor", "float64", a.shape, a, False, True, None) for a in (u, s, v))

    ours = plain(u, s, v)
    a = symgrad.tensor((u * s) @ v.T)
    flip = np.array([-1.0, 1.0])
    assert torch_fuzz._svd_arbitrary(step, a, ours, plain(u * flip, s, v * flip))
    assert torch_fuzz._svd_arbitrary(step, a, ours, plain(-u, s, -v))
    assert not torch_fuzz._svd_arbitrary(step, a, ours, plain(u * flip, s, v))
    assert not torch_fuzz._svd_arbitrary(step, a, ours, plain(u * flip, s * 2, v * flip))
    other = (_call("pinverse", "unary"), 0, 0, 0, 0, False)
    assert not torch_fuzz._svd_arbitrary(other, a, ours, plain(-u, s, -v))


def test_a_nan_sign_bit_does_not_hide_a_wrong_one_elsewhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """signbit and copysign of sqrt(-[0, 3, -0.125]) = [-0, nan, 0.35] may differ in the NaN
    (its sign bit is the kernel's), but a wrong sign bit of -0 beside it is still reported."""
    program = Program(((1, 0, 0, False),), ((_call("neg"), 0, 0, 0, 0, False),
                                            (_call("sqrt", "unary"), 1, 0, 0, 0, False),
                                            (_call("signbit", "unary"), 2, 0, 0, 0, False)))
    copysign = Program(program.leaves, program.steps[:2] + (
        (_call("copysign", "binary"), 0, 2, 0, 0, False),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch_fuzz.run(program) == [] and torch_fuzz.run(copysign) == []
        import symgrad
        real = symgrad.signbit
        monkeypatch.setattr(symgrad, "signbit", lambda x: real(x) & (x != 0))
        found = torch_fuzz.run(program)
    assert found and found[0][0] == "step 2 ('signbit', 'unary')"
    assert (found[0][1][3][0], found[0][2][3][0]) == (0.0, 1.0)  # -0's bit lost
