"""The in-place forms of existing methods (``acos_``, ``clamp_min_``, ``masked_fill_``,
``eq_``, ``cumsum_``, ...) against torch 2.13: the values written, the dtype kept, the node
recorded and the gradient through it, and PyTorch's refusals (a float result into an integer
tensor, a leaf that requires grad). Every expected value is torch's, run here."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

UNARY = ("acos", "acosh", "asin", "asinh", "atan", "atanh", "cosh", "sinh", "tan", "erf",
         "erfc", "exp2", "expm1", "log10", "log1p", "log2", "rsqrt", "sign", "square",
         "absolute", "negative", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh",
         "fix", "logical_not")
WITH_ARGS = {"atan2": lambda lib: (lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64),),
             "arctan2": lambda lib: (lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64),),
             "clamp_min": lambda lib: (0.3,), "clamp_max": lambda lib: (0.3,),
             "divide": lambda lib: (4.0,), "multiply": lambda lib: (4.0,),
             "subtract": lambda lib: (1.0,), "true_divide": lambda lib: (3.0,),
             "floor_divide": lambda lib: (0.2,), "fmod": lambda lib: (0.3,),
             "remainder": lambda lib: (0.3,), "eq": lambda lib: (0.5,), "ne": lambda lib: (0.5,),
             "lt": lambda lib: (0.5,), "le": lambda lib: (0.5,), "gt": lambda lib: (0.5,),
             "ge": lambda lib: (0.5,),
             "logical_and": lambda lib: (lib.tensor([1.0, 0.0, 1.0], dtype=lib.float64),),
             "logical_or": lambda lib: (lib.zeros(3, dtype=lib.float64),),
             "logical_xor": lambda lib: (lib.ones(3, dtype=lib.float64),),
             "masked_fill": lambda lib: (lib.tensor([True, False, True]), -1.0),
             "cumsum": lambda lib: (0,), "cumprod": lambda lib: (0,)}
CASES = [(name, lambda lib: ()) for name in UNARY] + list(WITH_ARGS.items())
# Where symgrad knowingly differs from torch 2.13 through the graph:
# - torch records the in-place inverse hyperbolics as ...Backward1 and raises
#   NotImplementedError at backward; symgrad records the op's own node and gives its derivative.
TORCH_CANNOT = {"acosh", "asinh", "atanh", "arccosh", "arcsinh", "arctanh"}
# - a logical op written in place: torch keeps the overwritten value's node (MulBackward0),
#   whose gradient is then that of the old value: 1 where the exact gradient is 0. symgrad
#   records ZeroBackward0, whose gradient is 0. (A comparison written in place is named after
#   the op by both, EqBackward0, and sends back zeros.)
ZERO_NODE = {"logical_not", "logical_and", "logical_or", "logical_xor"}


def _outcome(lib: Any, name: str, args: Any, start: list[float], dtype: str,
             through_graph: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            leaf = lib.tensor(start, dtype=getattr(lib, dtype), requires_grad=through_graph)
            x = leaf * 1 if through_graph else leaf
            y = getattr(x, name + "_")(*args(lib))
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            return type(e).__name__, str(e)
        out: list[Any] = [y is x, str(y.dtype).split(".")[-1], y.tolist(),
                          type(y.grad_fn).__name__]
        if through_graph:
            try:
                y.sum().backward()
                out.append(leaf.grad.tolist())
            except Exception as e:  # noqa: BLE001 - compared
                out.append(type(e).__name__)
        return out


def _close(a: Any, b: Any, eps: float = 2.0**-52) -> bool:
    """Equal to within two ULPs (of a dtype with machine epsilon ``eps``), NaN equal to NaN;
    integers and bools exactly."""
    return all(x == y or (isinstance(y, float) and (math.isnan(x) and math.isnan(y)
                                                    or abs(x - y) <= 2 * eps * abs(y)))
               for x, y in zip(a, b, strict=True))


def _agree(name: str, dtype: str, ours: Any, theirs: Any) -> None:
    if isinstance(theirs, tuple):  # an error
        assert ours == theirs
        return
    # The values written: transcendentals may differ from torch's by an ULP.
    eps = 2.0**-23 if dtype == "float32" else 2.0**-52
    assert ours[:2] == theirs[:2] and _close(ours[2], theirs[2], eps), (ours, theirs)
    if len(theirs) == 4:  # nothing recorded
        assert ours[3] == theirs[3]
    elif name in ZERO_NODE:
        assert ours[3:] == ["ZeroBackward0", [0.0, 0.0, 0.0]]
    elif name in TORCH_CANNOT:
        assert (ours[3].removesuffix("0"), theirs[4]) == (theirs[3].removesuffix("1"),
                                                          "NotImplementedError")
    elif isinstance(theirs[4], str):  # torch raises at backward: so does symgrad
        assert ours[4] == theirs[4]
    else:
        assert ours[3] == theirs[3] and _close(ours[4], theirs[4]), (ours, theirs)


@pytest.mark.parametrize("name, args", CASES, ids=[c[0] for c in CASES])
def test_in_place_form_as_pytorch(name: str, args: Any) -> None:
    for start, dtype, graph in (([0.25, -0.5, 0.75], "float64", True),
                                ([1.25, 1.5, 2.0], "float64", True),
                                ([0.25, -0.5, 0.75], "float32", False),
                                ([1.0, 0.0, 3.0], "int64", False)):
        _agree(name, dtype, _outcome(symgrad, name, args, start, dtype, graph),
               _outcome(torch, name, args, start, dtype, graph))


@pytest.mark.parametrize("name, args", CASES, ids=[c[0] for c in CASES])
def test_in_place_form_refuses_a_leaf_that_requires_grad(name: str, args: Any) -> None:
    def case(lib: Any) -> Any:
        x = lib.tensor([0.25, 0.5, 0.75], dtype=lib.float64, requires_grad=True)
        try:
            getattr(x, name + "_")(*args(lib))
        except RuntimeError as e:
            return str(e)
        return "written"
    # torch writes a logical op's result into the leaf (autograd does not see logical ops), as
    # a write under no_grad would; any other op is refused.
    assert case(symgrad) == case(torch)


@pytest.mark.parametrize("name", ["logical_not", "logical_and", "logical_or", "logical_xor"])
def test_a_logical_op_written_into_a_leaf_or_its_view_leaves_a_leaf(name: str) -> None:
    def case(lib: Any, through_view: bool) -> Any:
        x = lib.tensor([0.5, 0.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x.exp()  # saved its result, not x: still differentiable after the write
        target = x[0:2] if through_view else x
        args = () if name == "logical_not" else (lib.tensor([1.0, 0.0])
                                                   if through_view else lib.ones(3),)
        getattr(target, name + "_")(*args)
        y.sum().backward()
        return x.tolist(), x.is_leaf, x.requires_grad, x._version, x.grad.tolist()
    for through_view in (False, True):
        assert case(symgrad, through_view) == case(torch, through_view)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_a_comparison_written_in_place_is_named_as_torch_names_it(name: str) -> None:
    def names(lib: Any) -> list[str]:
        x = lib.tensor([0.5, 0.0, 2.0], dtype=lib.float64, requires_grad=True)
        out = []
        for other in (1.0, lib.ones(3, dtype=lib.float64), lib.tensor(1.0, dtype=lib.float64)):
            y = x * 2
            getattr(y, name + "_")(other)
            out.append(type(y.grad_fn).__name__)
            out.append(y.grad_fn.name())
            y.sum().backward()
        out.append(x.grad.tolist())
        return out
    assert names(symgrad) == names(torch)


def test_the_inverse_hyperbolics_in_place_give_the_derivative_torch_gives_out_of_place() -> None:
    for name in sorted(TORCH_CANNOT):
        grads = []
        for lib, in_place in ((symgrad, True), (torch, False)):
            leaf = lib.tensor([1.25, 1.5, 2.0] if "cosh" in name else [0.25, -0.5, 0.75],
                              dtype=lib.float64, requires_grad=True)
            x = leaf * 1
            (getattr(x, name + "_")() if in_place else getattr(x, name)()).sum().backward()
            grads.append(leaf.grad.tolist())
        assert _close(*grads), name


def test_a_comparison_written_in_place_sends_back_zeros_not_the_old_values_gradient() -> None:
    leaf = symgrad.tensor([1.25, 1.5, 2.0], dtype=symgrad.float64, requires_grad=True)
    y = leaf * 3
    y.gt_(1.4)
    (y * 2).sum().backward()
    assert leaf.grad.tolist() == [0.0, 0.0, 0.0]
