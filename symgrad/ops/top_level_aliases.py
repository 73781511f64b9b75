"""PyTorch's top-level functions that are other forms of existing methods or functions:
``torch.detach``, ``torch.fill``, ``torch.zero_``, the in-place elementwise functions
(``torch.exp_(x)`` is ``x.exp_()``), ``torch.hardshrink``, ``torch.split_with_sizes``,
``torch.binary_cross_entropy_with_logits`` and ``torch.pinverse``: names programs use that add
no mathematics; and ``torch.unsafe_split``/``unsafe_chunk``/``unsafe_split_with_sizes``. Each
computes through the op it names, so it records the node PyTorch's does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from symgrad.ops import inplace as _inplace
from symgrad.ops import shape as _shape
from symgrad.ops.registry import (
    apply,
    expose,
    refuse_integral_result,
    renamed_node_class,
    wrap_dim,
)
from symgrad.tensor import Tensor

__all__ = ["detach", "detach_", "fill", "zero_", "hardshrink", "split_with_sizes",
           "binary_cross_entropy_with_logits", "pinverse", "unsafe_split", "unsafe_chunk",
           "unsafe_split_with_sizes"]

# Out of place, PyTorch's fill records FillBackward0 (a number) and FillBackward1 (a zero-dim
# tensor); written in place, FillBackward2 and FillBackward3. The same ops compute both.
_FILL_NODES = {_inplace.FILL: renamed_node_class(_inplace.FILL.node_class, "FillBackward0"),
               _inplace.FILL_TENSOR: renamed_node_class(_inplace.FILL_TENSOR.node_class,
                                                        "FillBackward1")}


@expose(method=False)
def detach(input: Tensor) -> Tensor:
    """``input.detach()``: the same values, sharing memory, outside any graph.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> symgrad.detach(x * 2).requires_grad
    False
    """
    return input.detach()


@expose(method=False)
def detach_(input: Tensor) -> Tensor:
    """``input.detach_()``: ``input`` itself, taken out of its graph.

    Args:
        input: The tensor detached in place.

    >>> import symgrad
    >>> y = symgrad.tensor([1.0], requires_grad=True) * 2
    >>> symgrad.detach_(y) is y, y.grad_fn
    (True, None)
    """
    return input.detach_()


@expose(method=False)
def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor of ``input``'s shape and dtype holding ``value`` everywhere; a zero-dim
    tensor ``value`` that requires grad receives the sum of the incoming gradient
    (FillBackward1; FillBackward0 for a number).

    Args:
        input: The tensor whose shape and dtype the result takes.
        value: A Python number or a zero-dim tensor.

    >>> import symgrad
    >>> x = symgrad.zeros(3, requires_grad=True)
    >>> symgrad.fill(x, 2.5)
    tensor([2.5000, 2.5000, 2.5000], grad_fn=<FillBackward0>)
    """
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        # an integer result cannot take the gradient of a value that requires grad (fill_
        # in place records it all the same, as PyTorch's: tests/test_torch_parity.py)
        refuse_integral_result(input.dtype, value)
        out = apply(_inplace.FILL_TENSOR, input, value)
    else:
        out = apply(_inplace.FILL, input, value=value)
    node = out.grad_fn
    if node is not None:
        node.__class__ = _FILL_NODES[node.op]
    return out


@expose(method=False)
def zero_(input: Tensor) -> Tensor:
    """``input.zero_()``: ``input`` filled with zeros in place, and returned.

    Args:
        input: The tensor written into.

    >>> import symgrad
    >>> x = symgrad.ones(2)
    >>> symgrad.zero_(x) is x, x
    (True, tensor([0., 0.]))
    """
    return _inplace.zero_(input)


# The in-place elementwise methods PyTorch also publishes as functions (``torch.exp_(x)``).
# Not acosh_, asinh_, atanh_ (and their arc- names): symgrad's methods knowingly differ from
# PyTorch's there (they give the derivative, where PyTorch records ...Backward1, which raises;
# tests/test_inplace_more.py), and a function form would spread the difference.
_INPLACE = ("abs_", "acos_", "addmv_", "arccos_", "arcsin_", "arctan_", "asin_", "atan_",
            "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_",
            "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_",
            "index_put_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_",
            "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "round_", "rsqrt_",
            "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_",
            "xlogy_")
# Arguments after the tensor for each example that needs some.
_EXAMPLE_ARGS = {"addmv_": "symgrad.ones(2, 2), symgrad.ones(2)", "clamp_": "0.3, 0.6",
                 "clamp_max_": "0.3", "clamp_min_": "0.3", "clip_": "0.3, 0.6", "fill_": "2.0",
                 "index_put_": "(symgrad.tensor([0]),), symgrad.tensor(1.0)",
                 "ldexp_": "symgrad.tensor([1, 2])", "xlogy_": "2.0"}


# The functions whose arguments PyTorch's parser checks by name (the others take ``*args``):
# each parameter after ``input``, with its default if it has one.
_PARAMETERS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "ldexp_": (("other", "Tensor", inspect.Parameter.empty),),
    "xlogy_": (("other", "Any", inspect.Parameter.empty),),
    "clamp_": (("min", "Any", None), ("max", "Any", None)),
    "clip_": (("min", "Any", None), ("max", "Any", None)),
    "clamp_min_": (("min", "Any", inspect.Parameter.empty),),
    "clamp_max_": (("max", "Any", inspect.Parameter.empty),),
    "fill_": (("value", "Any", inspect.Parameter.empty),),
}


def _inplace_function(name: str) -> Callable[..., Tensor]:
    method = getattr(Tensor, name)

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return method(input, *args, **kwargs)

    args = _EXAMPLE_ARGS.get(name, "")
    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    named = _PARAMETERS.get(name)
    if named is None:
        described = (f"*args: ``Tensor.{name}``'s arguments.\n"
                     f"        **kwargs: ``Tensor.{name}``'s keyword arguments.")
    else:
        P = inspect.Parameter
        function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [P("input", P.POSITIONAL_OR_KEYWORD, annotation="Tensor")]
            + [P(n, P.POSITIONAL_OR_KEYWORD, annotation=a, default=d) for n, a, d in named],
            return_annotation="Tensor")
        described = "\n        ".join(f"{n}: ``Tensor.{name}``'s ``{n}``." for n, _, _ in named)
    function.__doc__ = f"""``input.{name}({args and '...'})``: ``{name[:-1]}`` written into
    ``input`` (in its dtype, with PyTorch's autograd rules for in-place writes), which is
    returned.

    Args:
        input: The tensor written into.
        {described}

    >>> import symgrad
    >>> x = symgrad.tensor([0.25, 0.5])
    >>> expected = x.clone().{name}({args})
    >>> symgrad.{name}(x{args and ', ' + args}) is x, x.tolist() == expected.tolist()
    (True, True)
    """
    return function


for _name in _INPLACE:
    # ldexp_'s method checks its tensor too, naming itself as PyTorch's does
    globals()[_name] = expose(_name, method=_name == "ldexp_")(_inplace_function(_name))
__all__ += list(_INPLACE)


@expose()
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``nn.functional.hardshrink``: 0 within ``[-lambd, lambd]``, ``input`` outside it
    (HardshrinkBackward0).

    Args:
        input: A floating-point tensor.
        lambd: The band's half-width. Defaults to 0.5.

    >>> import symgrad
    >>> symgrad.hardshrink(symgrad.tensor([-2.0, 0.25, 1.0]))
    tensor([-2.,  0.,  1.])
    """
    from symgrad.nn import functional

    return functional.hardshrink(input, lambd)


@expose()
def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0
                     ) -> tuple[Tensor, ...]:
    """Pieces of the listed sizes along ``dim``, views of ``input`` (SplitWithSizesBackward0).

    Args:
        input: The tensor.
        split_sizes: The size of each piece; they add up to the size of ``dim``.
        dim: The dim to split. Defaults to 0.

    >>> import symgrad
    >>> [p.tolist() for p in symgrad.split_with_sizes(symgrad.tensor([1, 2, 3]), [1, 2])]
    [[1], [2, 3]]
    """
    if not isinstance(split_sizes, (list, tuple)) or not all(
            isinstance(s, int) for s in split_sizes):
        raise TypeError("split_with_sizes(): argument 'split_sizes' (position 2) must be tuple "
                        f"of ints, not {type(split_sizes).__name__}")
    return _shape.split(input, list(split_sizes), dim)


# PyTorch's at::Reduction: 1 the mean, 2 the sum, any other int no reduction.
_REDUCTIONS = {1: "mean", 2: "sum"}


@expose(method=False, autocast="fp32")
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None, reduction: int = 0
                                     ) -> Tensor:
    """``nn.functional.binary_cross_entropy_with_logits`` with ATen's arguments: ``reduction``
    an int (1 the mean, 2 the sum, any other none; none by default, as torch's binding has it),
    and no check that the shapes are equal: ``input`` broadcasts into ``target``, whose shape
    and dtype the loss has, as ATen's kernel writes it.

    Args:
        input: The logits.
        target: The probabilities, a floating tensor ``input`` broadcasts to.
        weight: A rescaling of each element's loss, or None. Defaults to None.
        pos_weight: A weight of the positive term per class, or None. Defaults to None.
        reduction: 1 for the mean, 2 for the sum, any other int for none. Defaults to 0.

    >>> import symgrad
    >>> symgrad.binary_cross_entropy_with_logits(symgrad.zeros(2), symgrad.ones(2), reduction=2)
    tensor(1.3863)
    """
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError("binary_cross_entropy_with_logits(): argument 'reduction' must be int, "
                        f"not {type(reduction).__name__}")
    from symgrad.nn import functional

    return functional._bce_with_logits_aten(input, target, weight, pos_weight,
                                           _REDUCTIONS.get(reduction, "none"))


@expose(autocast="fp32")
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``linalg.pinv(input, rtol=rcond)``: the pseudo-inverse of each matrix (the last two
    dims), singular values below ``rcond`` times the largest taken as zero
    (LinalgPinvBackward0).

    Args:
        input: A matrix or a batch of them.
        rcond: The relative cutoff for small singular values. Defaults to 1e-15.

    >>> import symgrad
    >>> symgrad.pinverse(symgrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    from symgrad.ops.decompositions import pinv

    # pinv itself, below autocast's layer (its policy refuses the call; this op's is fp32).
    return pinv.__wrapped__(input, rtol=rcond)


# -- unsafe splits ---------------------------------------------------------------------------------
# PyTorch's unsafe_split and unsafe_chunk: the pieces share the input's memory but are not views
# for autograd (an in-place write into one is not checked against the input), recorded as
# UnsafeSplitBackward0 / UnsafeSplitWithSizesBackward0; their checks are split's and chunk's.
_UNSAFE_NODES = {_shape.SPLIT: renamed_node_class(_shape.SPLIT.node_class,
                                                  "UnsafeSplitBackward0"),
                 _shape.SPLIT_WITH_SIZES: renamed_node_class(
                     _shape.SPLIT_WITH_SIZES.node_class, "UnsafeSplitWithSizesBackward0")}


def _pieces(input: Tensor, op: Any, count: int, **attrs: Any) -> tuple[Tensor, ...]:
    out = tuple(apply(op, input, index=i, **attrs) for i in range(count))
    for piece in out:
        if piece.grad_fn is not None:
            piece.grad_fn.__class__ = _UNSAFE_NODES[op]
    return out


@expose()
def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0
                            ) -> tuple[Tensor, ...]:
    """``split_with_sizes`` whose pieces are not views for autograd
    (UnsafeSplitWithSizesBackward0): they share ``input``'s memory, and writing into one in
    place is not checked.

    Args:
        input: The tensor.
        split_sizes: The size of each piece; they add up to the size of ``dim``.
        dim: The dim to split. Defaults to 0.

    >>> import symgrad
    >>> [p.tolist() for p in symgrad.unsafe_split_with_sizes(symgrad.tensor([1, 2, 3]), [2, 1])]
    [[1, 2], [3]]
    """
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input.ndim)
    sizes = tuple(int(s) for s in split_sizes)
    if sum(sizes) != input.shape[d]:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[d]} (input "
            f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
    return _pieces(input, _shape.SPLIT_WITH_SIZES, len(sizes), dim=d, split_sizes=sizes)


@expose()
def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``split`` into pieces of ``split_size`` (the last may be smaller) that are not views
    for autograd (UnsafeSplitBackward0): they share ``input``'s memory, and writing into one in
    place is not checked.

    Args:
        input: The tensor.
        split_size: The size of each piece.
        dim: The dim to split. Defaults to 0.

    >>> import symgrad
    >>> [p.tolist() for p in symgrad.unsafe_split(symgrad.tensor([1, 2, 3]), 2)]
    [[1, 2], [3]]
    """
    if isinstance(split_size, bool) or not isinstance(split_size, int):
        raise TypeError(f"unsafe_split(): argument 'split_size' (position 2) must be int, not "
                        f"{type(split_size).__name__}")
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input.ndim)
    length = input.shape[d]
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    if split_size == 0 and length:
        raise RuntimeError("split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {length}")
    count = max(1, -(-length // split_size)) if split_size else 1
    return _pieces(input, _shape.SPLIT, count, dim=d, split_size=split_size)


@expose()
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``chunk`` whose pieces are not views for autograd (as ``unsafe_split``'s).

    Args:
        input: The tensor.
        chunks: The number of pieces wanted, at least 1.
        dim: The dim to split. Defaults to 0.

    >>> import symgrad
    >>> [p.tolist() for p in symgrad.unsafe_chunk(symgrad.tensor([1, 2, 3, 4, 5]), 3)]
    [[1, 2], [3, 4], [5]]
    """
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = input.shape[wrap_dim(dim, input.ndim)]
    if length == 0:
        return unsafe_split_with_sizes(input, [0] * chunks, dim)
    return unsafe_split(input, max(1, -(-length // chunks)), dim)
