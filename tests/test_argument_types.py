"""A Python number (or None, a list) where PyTorch's argument parser wants a tensor: PyTorch's
TypeError, under the name called, from every public function symgrad and torch share.

The calls are generated from ``FUNCTIONS`` and torch: each function is called with a number in
place of a tensor where torch takes the call with tensors, and the outcome compared with torch
2.13's: a result (its dtype, shape and values), or the exception's class and text. PyTorch's
"received an invalid combination of arguments" lists its own signatures after the first line;
symgrad lists its own, so only that line is compared there.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from test_torch_divergences import plain

import symgrad
from symgrad.ops.arguments import _UNCHECKED
from symgrad.ops.registry import FUNCTIONS

torch = pytest.importorskip("torch")
# ``torch.add(m, 0, 1)``, a call tried, takes its deprecated ``add(input, alpha, other)``.
pytestmark = pytest.mark.filterwarnings("ignore:This overload of add is deprecated")

# What takes the place of a tensor: a float, an int, a bool, None and a list of numbers.
NOT_TENSORS = (2.5, 2, True, None, [0.5, 1.5])
# The calls tried where torch takes them: tensors by letter (a vector, a matrix, a batch of
# matrices, an index, a mask), and ints and floats as they are.
CALLS = (("v",), ("v", "v"), ("m",), ("m", "m"), ("m", "v"), ("b", "b"), ("v", 0), ("m", 0, 1),
         ("v", 0, "i"), ("v", "k", 0.0), ("m", "m", "m"), ("v", 0, 0, 1), ("v", "v", "v"),
         ("k",), ("k", "k"),
         # pooling: a (C, H, W) or (N, C, L) input and a window of 1
         ("b", 1))
# Not compared: the functions published without the check (``arguments._UNCHECKED``): norm,
# whose AttributeError in PyTorch names another attribute.
SKIPPED = _UNCHECKED

# Functions no call in CALLS fits: they take a list of tensors, a shape or dims (cat's and
# stack's arguments that are not tensors are compared in tests/test_torch_divergences.py).
NOT_TRIED = frozenset({"broadcast_to", "cat", "chunk", "concat", "concatenate",
                       "flip", "permute", "reshape", "split", "stack",
                       # an index with a source, a norm's order, dim and bound (their argument
                       # errors are compared in tests/test_renorm_put.py)
                       "put", "renorm",
                       # a list of tensors, shapes, a dim and sizes (tests/test_combining.py)
                       "hstack", "vstack", "row_stack", "dstack", "column_stack",
                       "broadcast_shapes", "unflatten",
                       # a 4-d kernel (tests/test_convolution.py compares its errors)
                       "conv2d",
                       # an equation, an index with a src, a tuple, ints (their errors are
                       # compared in tests/test_tensor_functions.py)
                       "einsum", "scatter", "scatter_add", "take_along_dim", "tile",
                       "triu_indices", "tril_indices", "index_add",
                       # more shape, indexing and products (tests/test_shape_index_more.py
                       # compares their errors): an index, a mask or indices with a tensor,
                       # three matrices or batches; and the splits, which PyTorch overloads
                       # (int sections or a list of indices: "invalid combination" errors)
                       "take", "index_copy", "index_fill", "index_put", "masked_scatter",
                       "select_scatter", "addmv", "baddbmm", "addbmm",
                       "tensor_split", "hsplit", "vsplit", "dsplit",
                       # 3-vectors (tests/test_linalg.py compares cross's errors)
                       "cross",
                       # special functions: an order before the tensor; a float32 xlogy of a
                       # number, rounded once where PyTorch rounds log(y) and the product (its
                       # calls and errors: tests/test_special_functions.py)
                       "polygamma", "xlogy",
                       # reflectors, their scales and a matrix of linked shapes (ormqr's
                       # argument errors: tests/test_linalg_extra.py)
                       "ormqr",
                       # counting (tests/test_order_statistics.py): bincount takes only 1-d
                       # non-negative ints; torch.unique is Python code whose parser error
                       # names the op it calls, _unique2
                       "bincount", "unique",
                       # a 5-d kernel, and transposed convolutions: a kernel whose first dim
                       # is the input's channels (tests/test_conv_transposed.py compares errors)
                       "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                       # reducing scatters: an index and a reduce string with the tensors
                       # (tests/test_scatter_reduce.py compares their errors)
                       "scatter_reduce", "index_reduce",
                       # a positive-definite matrix (helper lin; tests/test_decompositions.py
                       # compares cholesky's calls and errors)
                       "cholesky",
                       # two integer tensors (helper names: tests/test_integer_bits.py
                       # compares their errors for numbers)
                       "gcd", "lcm", "gcd_", "lcm_", "bitwise_left_shift",
                       "bitwise_right_shift",
                       # sizes, lengths, numbers, indices and sample spacings, and addmv's and
                       # index_put's in-place forms (helper names: their errors are compared
                       # in tests/test_windows.py, test_creation_more.py, test_asarray_strided.py
                       # and test_top_level_aliases.py)
                       "hann_window", "hamming_window", "blackman_window", "bartlett_window",
                       "kaiser_window", "empty_strided", "logspace", "range", "scalar_tensor",
                       "unravel_index", "split_with_sizes", "unsafe_split_with_sizes",
                       "addmv_", "index_put_",
                       # ATen's forms of nn.functional's functions: a probability and a flag,
                       # shapes, windows, pads, many tensors (helper names2: their errors for
                       # numbers are compared in tests/test_functional_top_level.py)
                       "dropout", "dropout_", "alpha_dropout", "alpha_dropout_",
                       "feature_dropout", "feature_dropout_", "feature_alpha_dropout",
                       "feature_alpha_dropout_", "layer_norm", "batch_norm", "instance_norm",
                       "rms_norm", "embedding", "bilinear", "cosine_embedding_loss",
                       "poisson_nll_loss", "max_pool3d", "constant_pad_nd",
                       # raises for every real tensor (tests/test_tensor_extras.py)
                       "imag",
                       # a 2-d table, indices, a bound and an order (its argument errors are
                       # compared in tests/test_lstm_proj_embedding_renorm.py)
                       "embedding_renorm_"})
SHARED = sorted(n for n in FUNCTIONS if callable(getattr(torch, n, None))
                and n not in SKIPPED | NOT_TRIED)


def _made(lib: Any, args: tuple[Any, ...]) -> list[Any]:
    tensors = {"v": lambda: lib.tensor([0.5, 1.5]), "m": lambda: lib.tensor([[0.5, 1.5],
                                                                             [2.0, 1.0]]),
               "b": lambda: lib.ones(1, 2, 2), "i": lambda: lib.tensor([1, 0]),
               "k": lambda: lib.tensor([True, False])}
    return [tensors[a]() if isinstance(a, str) else a for a in args]


def outcome(call: Callable[[], Any]) -> Any:
    """A result as ``plain`` compares it, or the exception's class and text (only the first
    line of PyTorch's "invalid combination" error, whose listing of signatures is its own)."""
    try:
        return ("ok", plain(call()))
    except Exception as e:  # noqa: BLE001 - the class and text are what is compared
        text = str(e)
        if "received an invalid combination of arguments" in text:
            text = text.split("\n")[0]
        return ("raises", type(e).__name__, text)


def _tensor_parameters(fn: Callable[..., Any]) -> list[int]:
    """The positions of the parameters annotated ``Tensor``: those the parser checks."""
    return [i for i, p in enumerate(inspect.signature(fn).parameters.values())
            if p.annotation == "Tensor"]


@pytest.mark.parametrize("name", SHARED)
def test_a_number_where_a_tensor_goes(name: str) -> None:
    checked = _tensor_parameters(FUNCTIONS[name])
    compared = 0
    for args in CALLS:
        if any(outcome(lambda lib=lib: getattr(lib, name)(*_made(lib, args)))[0] != "ok"  # noqa: B023
               for lib in (torch, symgrad)):
            continue
        for where in [i for i, a in enumerate(args) if isinstance(a, str)]:
            # Where symgrad's signature says a tensor goes, each value; elsewhere (a parameter
            # taking a tensor or a number) 2.5 in calls of one or two arguments.
            values = NOT_TENSORS if where in checked else NOT_TENSORS[:len(args) <= 2]
            for value in values:
                def call(lib: Any, value: Any = value, where: int = where,
                         args: tuple[Any, ...] = args) -> Callable[[], Any]:
                    made = _made(lib, args)
                    made[where] = value
                    return lambda: getattr(lib, name)(*made)

                assert outcome(call(symgrad)) == outcome(call(torch)), (args, where, value)
                compared += 1
    assert compared, f"no call tried is taken by torch and symgrad for {name}: see NOT_TRIED"


# The methods that check a tensor besides their own: PyTorch counts positions from 1 after it.
METHODS = sorted(n for n in FUNCTIONS if hasattr(torch.Tensor, n)
                 and getattr(symgrad.Tensor, n, None) is not None
                 and [i for i in _tensor_parameters(FUNCTIONS[n]) if i > 0]
                 and n not in ("cross",  # 3-vectors: tests/test_linalg.py
                               # two integer tensors (tests/test_integer_bits.py)
                               "gcd", "lcm", "gcd_", "lcm_",
                               # an index and a reduce string (tests/test_scatter_reduce.py)
                               "scatter_reduce", "index_reduce",
                               # reflectors and a matrix of linked shapes
                               # (tests/test_linalg_extra.py)
                               "ormqr"))


@pytest.mark.parametrize("name", METHODS)
def test_a_number_where_a_method_wants_a_tensor(name: str) -> None:
    checked = [i for i in _tensor_parameters(FUNCTIONS[name]) if i > 0]
    compared = 0
    for args in CALLS:
        def method(lib: Any, args: tuple[Any, ...] = args, at: int = -1, value: Any = None
                   ) -> Callable[[], Any]:
            self, *rest = _made(lib, args)
            if at >= 0:
                rest[at - 1] = value
            return lambda: getattr(self, name)(*rest)

        if any(outcome(method(lib))[0] != "ok" for lib in (torch, symgrad)):
            continue
        for at in [i for i in checked if i < len(args)]:
            for value in NOT_TENSORS:
                expected = outcome(method(torch, at=at, value=value))
                assert outcome(method(symgrad, at=at, value=value)) == expected, (args, value)
                compared += 1
    assert compared, f"no call tried is taken by torch and symgrad for Tensor.{name}"


# Calls whose types PyTorch lists (an overloaded function), or whose argument it names, with
# trailing arguments, a keyword and a dim of the wrong type.
LISTED = [
    lambda lib: lib.eq(2.5, lib.ones(2)),
    lambda lib: lib.round(2.5, decimals=1),
    lambda lib: lib.sum(2.5, 0),
    lambda lib: lib.sum(2.5, 0, True),
    lambda lib: lib.std(2.5),
    lambda lib: lib.where(2.5),
    lambda lib: lib.where(2.5, lib.ones(2), lib.ones(2)),
    lambda lib: lib.max(lib.ones(2), 2.5, True),
    lambda lib: lib.max(lib.ones(2), (0,)),
    lambda lib: lib.min(lib.ones(2), "a"),
    # a dim of a type no signature takes: listed (with the "didn't match" lines of the
    # signatures taking as many arguments), or named by the one signature that could take it
    lambda lib: lib.max(lib.ones(2), None),
    lambda lib: lib.max(lib.ones(2), (0,), keepdim=False),
    lambda lib: lib.ones(2).max(None),
    lambda lib: lib.ones(2).min((0,), keepdim=True),
    lambda lib: lib.max(lib.ones(2), keepdim=True),
    lambda lib: lib.quantile(lib.ones(2), 0.5, (0,), keepdim=True, interpolation="linear"),
    lambda lib: lib.ones(2).nanquantile(0.5, [0], True, interpolation="lower"),
    lambda lib: lib.median(lib.ones(2), None),
    lambda lib: lib.ones(2).nanmedian((0,)),
    lambda lib: lib.argmax(lib.ones(2, dtype=lib.bool), (0,)),
    lambda lib: lib.ones(2).argmin((0,)),
    lambda lib: lib.aminmax(lib.ones(2), dim=(0,)),
    lambda lib: lib.remainder(2.5, 2),
    lambda lib: lib.masked_fill(lib.ones(2), [True, False], 0.0),
]


@pytest.mark.parametrize("scenario", LISTED, ids=range(len(LISTED)))
def test_the_arguments_as_the_parser_shows_them(scenario: Callable[[Any], Any]) -> None:
    assert outcome(lambda: scenario(symgrad)) == outcome(lambda: scenario(torch))


# Arguments for a probe of the parser: a float for every argument, so that the first tensor
# argument is wrong, and as many as each of symgrad's signatures takes.
def _counts(fn: Callable[..., Any]) -> range:
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in params)
    return range(max(required, 1), len(params) + 1)


CHECKED = sorted(n for n in SHARED if _tensor_parameters(FUNCTIONS[n]))


@pytest.mark.parametrize("name", CHECKED)
def test_when_the_parser_names_the_argument_and_when_it_lists_the_types(name: str) -> None:
    """PyTorch names the wrong argument only when one of its signatures takes as many arguments
    as were given; otherwise "invalid combination" (``arguments._OVERLOADS``)."""
    for count in _counts(FUNCTIONS[name]):
        expected = outcome(lambda: getattr(torch, name)(*[2.5] * count))  # noqa: B023
        if expected[0] == "ok" or "must be Tensor" not in expected[2] and (
                "invalid combination" not in expected[2]):
            continue  # a float taken, or too many arguments: not the parser's type check
        assert outcome(lambda: getattr(symgrad, name)(*[2.5] * count)) == expected, count  # noqa: B023
