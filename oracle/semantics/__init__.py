"""What each op means, in SymPy: the oracle's own table, written from the mathematics.

Four kinds of meaning:

- ``elementwise``: a function of scalar symbols (``real=True``) and the op's attributes; the
  oracle broadcasts it over the inputs. ``kinks`` gives ``(arg, expr)`` pairs whose zero set is
  a kink or branch of the function (``relu``: ``("self", x)``), each labelled (``kink``) with
  the engine's name for that kink (``"self == 0"``): the label is how the oracle finds the
  engine's declared convention there, its ``where``. ``labels`` gives more labelled zero sets
  used only for that lookup: where one kink of the meaning is several of the engine's, or where
  the oracle finds the nonsmooth points otherwise (the jumps of step functions, ties of a
  selection).
- ``structural``: a function of NumPy object arrays of SymPy expressions (one per tensor input;
  integer index inputs named in ``index_args`` arrive as plain integer arrays) returning the
  output's object array: reductions, matmul, softmax, losses. ``broadcast=True`` says the
  meaning first broadcasts its tensor inputs against each other (``dist``: the norm of the
  broadcast difference): the oracle then hands it each input already broadcast, a symbol of
  its own for each copy of an element, so that a kink's convention holds per term (one row's
  difference at 0 takes the convention, another row's, through the same element of a
  broadcast input, its own derivative), and adds the copies' partials into the element's.
- ``index``: a structural meaning that only moves values (reshape, cat, gather, ...): applied to
  arrays of element numbers it tells the oracle where each output element came from.
- ``select``: an op whose output is one of its input's elements (max and min reductions, max
  pooling, the median, kthvalue, mode, running extrema, sort and topk), or weighs two of them
  (quantile): the function returns, for each output element, the tuple of candidate input
  elements (a ``selection.Candidates`` where the pick has parameters of its own, a sorted
  position's rank); ``select`` names how the output picks among them
  (``oracle.semantics.selection.PICKS``: ``"max"``, ``"min"``, ``"kth"``, ``"rank"``,
  ``"interpolated"``, ``"lower median"``, ``"mode"``). Candidates equal to the one picked tie
  for it, and the engine's declared convention shares the output's partial among them as one
  (``oracle.exact``).

A custom ``autograd.Function`` gets its meaning from a ``sympy`` static method taking the
Function's arguments in order (tensors as NumPy object arrays of SymPy expressions, other
arguments as given) and returning the output (an array of expressions, or one expression). A
method written for one element is applied element by element when it fails on whole arrays:

    class SoftPlus(symgrad.autograd.Function):
        ...
        @staticmethod
        def sympy(x):
            return sympy.log(1 + sympy.exp(x))

A Function without a ``sympy`` method is judged through the ops its own ``forward`` runs.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

__all__ = ["Kink", "Meaning", "MEANINGS", "kink", "labelled_kinks", "meaning_of",
           "meaning_attrs", "num", "defmeaning"]


class Kink(tuple):
    """One kink of a meaning: unpacks as ``(arg, expr)`` (``arg`` moves across the zero set
    of ``expr``) and carries ``where``, the label the engine declares its convention under.

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> k = kink("self", x, "self == 0")
    >>> arg, expr = k
    >>> arg, expr, k.where
    ('self', x, 'self == 0')
    """

    where: str

    def __new__(cls, arg: str, expr: Any, where: str) -> Kink:
        k = super().__new__(cls, (arg, expr))
        k.where = where
        return k

    def __reduce__(self) -> tuple[Any, ...]:
        return (Kink, (self[0], self[1], self.where))


def kink(arg: str, expr: Any, where: str) -> Kink:
    """A labelled kink (see ``Kink``)."""
    return Kink(arg, expr, where)


@dataclass(frozen=True)
class Meaning:
    """The SymPy meaning of one op (see the module docstring for the kinds).

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> relu = MEANINGS["relu"]
    >>> relu.kind, relu.kinks(x)
    ('elementwise', [('self', x)])
    >>> MEANINGS["sum_all"].kind, MEANINGS["amax"].kind, MEANINGS["amax"].select
    ('structural', 'select', 'max')
    """

    name: str
    kind: str
    fn: Callable[..., Any]
    kinks: Callable[..., list[tuple[str, Any]]] | None = None
    labels: Callable[..., list[Kink]] | None = None
    index_args: tuple[str, ...] = ()
    select: str = ""  # a "select" meaning's pick (``oracle.semantics.selection.PICKS``)
    custom: bool = False
    broadcast: bool = False
    # For an op that orders its input (sort, topk, quantile): called as the meaning is, with
    # the input's values, it gives each element of ``self`` the direction in which a tie is
    # broken as the order the op lists tied elements in (each element moved by eps times its
    # number: its position along the dim, negated for a descending order). The engine's
    # "stable" convention is the one-sided derivative along it: a selection picks among the
    # values so moved (``oracle.exact._choose``).
    tie_order: Callable[..., np.ndarray] | None = None
    # Whether the meaning is called with ``dtype``, the name of its first input's dtype: for
    # an op whose definition computes a constant in it (quantile's rank q * (n - 1)).
    takes_dtype: bool = False


MEANINGS: dict[str, Meaning] = {}


def defmeaning(name: str, kind: str, fn: Callable[..., Any], **kw: Any) -> Meaning:
    """Add one op's meaning to ``MEANINGS``.

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> m = defmeaning("doc_cube", "elementwise", lambda self: self**3)
    >>> MEANINGS["doc_cube"].fn(x).diff(x)
    3*x**2
    >>> defmeaning("doc_cube", "elementwise", lambda self: self**3)
    Traceback (most recent call last):
    ...
    ValueError: meaning of 'doc_cube' given twice
    >>> del MEANINGS["doc_cube"]
    """
    if name in MEANINGS:
        raise ValueError(f"meaning of {name!r} given twice")
    m = Meaning(name, kind, fn, **kw)
    MEANINGS[name] = m
    return m


def num(x: Any) -> sympy.Expr:
    """A Python or NumPy number as an exact SymPy number (a binary float is a rational).

    >>> num(0.1)
    3602879701896397/36028797018963968
    >>> num(2), num(True), num(float("inf"))
    (2, 1, oo)
    """
    if isinstance(x, bool | np.bool_):
        return sympy.Integer(int(x))
    if isinstance(x, int | np.integer):
        return sympy.Integer(int(x))
    f = float(x)
    if f != f:
        return sympy.nan
    if f in (float("inf"), float("-inf")):
        return sympy.oo if f > 0 else -sympy.oo
    return sympy.Rational(f)


def labelled_kinks(meaning: Meaning, *args: Any, **attrs: Any) -> list[Kink]:
    """Every labelled zero set of ``meaning`` at ``args`` (symbols or arrays of them): its
    kinks, then its ``labels``.

    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> [(k[0], k[1], k.where) for k in labelled_kinks(MEANINGS["maximum"], x, y)]
    [('self', x - y, 'self == other'), ('other', x - y, 'self == other')]
    """
    found = []
    for part in (meaning.kinks, meaning.labels):
        if part is not None:
            found += [k for k in part(*args, **attrs) if isinstance(k, Kink)]
    return found


def meaning_of(op: str, info: dict[str, Any]) -> Meaning | None:
    """The meaning of an op by name, or of a custom Function through its ``sympy`` method.

    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> meaning_of("tanh", {}).fn(x).diff(x)
    1 - tanh(x)**2
    >>> meaning_of("no_such_op", {}) is None
    True
    """
    fn_cls = info.get("function")
    if fn_cls is not None:
        method = getattr(fn_cls, "sympy", None)
        if method is None:
            return None
        return Meaning(op, "structural", method, custom=True)
    return MEANINGS.get(op)


def call_meaning(meaning: Meaning, node: Any, arrays: list[Any]) -> Any:
    """``meaning`` applied to one array per input of the IR node ``node`` and its attributes
    (a custom Function's ``sympy`` method takes its arguments in their positions).

    >>> import sympy
    >>> from oracle.ir import IRNode
    >>> x = sympy.Symbol("x", real=True)
    >>> call_meaning(MEANINGS["mul"], IRNode(0, "op", op="mul"), [x, 3])
    3*x
    """
    if meaning.custom:
        slots = {int(n[3:]): a for n, a in zip(node.arg_names, arrays, strict=True)}
        slots.update({int(k[3:]): v for k, v in node.attrs.items()})
        args = [slots[i] for i in sorted(slots)]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SymPy's on arrays in Add, before it raises
                out = meaning.fn(*args)
            if isinstance(out, sympy.Basic) and any(
                    isinstance(a, sympy.NDimArray) for a in sympy.preorder_traversal(out)):
                # sympy.exp(array) makes an expression of the array, not an array.
                raise TypeError("a sympy method written for one element")
            return out
        except (TypeError, AttributeError, ValueError) as whole:
            return _element_by_element(meaning.fn, args, node, whole)
    return meaning.fn(*arrays, **meaning_attrs(meaning, node))


def meaning_attrs(meaning: Meaning, node: Any) -> dict[str, Any]:
    """The keywords ``meaning`` and its kinks are called with: the node's attributes, and
    ``dtype`` (its first input's dtype's name) for a meaning that ``takes_dtype``.

    >>> from oracle.ir import IRNode
    >>> meaning_attrs(MEANINGS["mul"], IRNode(0, "op", op="mul", attrs={"a": 1}))
    {'a': 1}
    """
    if meaning.takes_dtype:
        return {**node.attrs, "dtype": node.in_dtypes[0]}
    return node.attrs


def _element_by_element(fn: Callable[..., Any], args: list[Any], node: Any,
                        whole: Exception) -> np.ndarray:
    """A custom Function's ``sympy`` method written for one element (``sympy.log(1 +
    sympy.exp(x))``), applied to each element of its broadcast tensor arguments; ``whole``,
    the error the method raised on whole arrays, is raised again where that cannot be (the
    output's shape is not the arguments' broadcast shape: the method is no elementwise one)."""
    arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
    out_shape = np.broadcast_shapes(*(args[i].shape for i in arrays)) if arrays else ()
    value = getattr(node, "value", None)
    if not arrays or (value is not None and tuple(value.shape) != tuple(out_shape)):
        raise whole
    spread = {i: np.broadcast_to(args[i], out_shape) for i in arrays}
    out = np.empty(out_shape, dtype=object)
    for idx in np.ndindex(*out_shape):
        one = fn(*(spread[i][idx] if i in spread else a for i, a in enumerate(args)))
        if not isinstance(one, sympy.Basic | int | float):
            raise whole
        out[idx] = one
    return out


class Ref:
    """An input element (input ``slot``, flat index ``i``), as index meanings move it."""

    __slots__ = ("slot", "i")

    def __init__(self, slot: int, i: int) -> None:
        self.slot = slot
        self.i = i


def positions(meaning: Meaning, node: Any, shapes: list[tuple[int, ...]],
              index_values: dict[int, np.ndarray]) -> np.ndarray:
    """Where each output element of a moving meaning comes from: the meaning applied to
    arrays of ``Ref`` (index inputs as their values); an element that is no ``Ref`` is a
    constant the meaning wrote.

    >>> from oracle.ir import IRNode
    >>> out = positions(MEANINGS["flip"], IRNode(0, "op", op="flip", attrs={"dims": (0,)}),
    ...                 [(3,)], {})
    >>> [(r.slot, r.i) for r in out]
    [(0, 2), (0, 1), (0, 0)]
    """
    arrays: list[Any] = []
    for slot, dims in enumerate(shapes):
        if slot in index_values:
            arrays.append(index_values[slot])
            continue
        refs = np.empty(int(np.prod(dims, dtype=np.int64)), dtype=object)
        refs[:] = [Ref(slot, i) for i in range(refs.size)]
        arrays.append(refs.reshape(dims))
    return np.asarray(call_meaning(meaning, node, arrays), dtype=object)


def cache_key(x: Any) -> Any:
    """A hashable stand-in for attributes and index values, for caches of compiled forms.

    Numbers are keyed by their type and, for floats, their bits: Python takes ``0.0 == -0.0``,
    ``1 == 1.0 == True`` and ``hash`` agrees, so a meaning compiled for ``other=0.0`` was
    reused for ``other=-0.0`` (copysign's sign, a clamp's signed zero) and a NaN missed its own
    entry every time.

    >>> cache_key({"dim": [0, 1], "index": np.array([2])})[0]
    ('dim', (('int', 0), ('int', 1)))
    >>> cache_key(0.0) == cache_key(-0.0), cache_key(1) == cache_key(1.0) == cache_key(True)
    (False, False)
    >>> cache_key(float("nan")) == cache_key(float("nan"))
    True
    """
    if isinstance(x, dict):
        return tuple(sorted((k, cache_key(v)) for k, v in x.items()))
    if isinstance(x, list | tuple):
        return tuple(cache_key(v) for v in x)
    if isinstance(x, np.ndarray):
        return ("array", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, slice):
        return ("slice", cache_key(x.start), cache_key(x.stop), cache_key(x.step))
    if isinstance(x, bool | np.bool_):
        return ("bool", bool(x))
    if isinstance(x, int | np.integer):
        return ("int", int(x))
    if isinstance(x, float | np.floating):
        return ("float", type(x).__name__, struct.pack("<d", float(x)))
    if isinstance(x, complex | np.complexfloating):
        return ("complex", type(x).__name__, struct.pack("<dd", x.real, x.imag))
    try:
        hash(x)
    except TypeError:
        return repr(x)
    return x


from oracle.semantics import (  # noqa: E402, F401
    backward,
    convolution,
    convolution_transposed,  # conv_transpose
    decompositions,  # cholesky, solve_triangular, eigvalsh, svdvals, qr (helper lin)
    distances,  # cdist, pdist and their backward operators (helper dist)
    elementwise,
    elementwise_extra,  # frac, copysign, fmax, fmin, ldexp, heaviside (helper red)
    elementwise_more,
    embedding_bag,  # embedding_bag, embedding_bag_max, embedding_bag_weighted (helper loss)
    fold,  # im2col and col2im (unfold and fold)
    grid_sample,  # grid_sampler_2d, affine_grid_generator (grid_sample, affine_grid)
    householder,  # linalg.householder_product, orgqr, ormqr (helper linalg2)
    layers_more,  # channel_shuffle, rrelu_with_noise (helper misc)
    least_squares,  # linalg.lstsq (helper linalg)
    linalg,
    linalg_solve,
    losses_margin,  # multi_margin_loss, multilabel_margin_loss (helper loss)
    lu,  # linalg.lu_factor, linalg.lu, linalg.lu_solve (helper linalg)
    matrix_exp,  # linalg.matrix_exp (helper linalg)
    next_float,  # nextafter (helper names)
    nn,
    nn_more,
    order_statistics,  # median, kthvalue, mode, quantile, cummax, logcumsumexp, ...
    padding,
    padding_modes,  # reflection and replication pads (helper misc)
    pixel_shuffle,
    pooling,
    pooling3d,  # max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d
    products,
    put,  # put (helper dist)
    reductions,
    renorm,  # renorm (helper dist)
    resampling,
    scatter_reduce,  # scatter_reduce, index_reduce, scatter(reduce=...) (helper red)
    sgn_dist_frexp,  # sgn, dist, frexp (helper names)
    shape,
    shape_more,
    sinc_bessel,  # sinc, i0, i0e, i1, i1e (helper special)
    special,  # special functions (lgamma, digamma, polygamma, logit, xlogy, ...)
    tensor_extras,  # angle of a real tensor (helper names2)
    tensor_functions,
    triangular_sort,
    weight_norm,  # torch._weight_norm's fused op (weight normalisation)
)
