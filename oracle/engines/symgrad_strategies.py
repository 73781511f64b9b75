"""Hypothesis strategies for symgrad: dtypes, shapes, tensors, per-op samples, random programs.

Per-op inputs are drawn from the judge's samples and domains (``oracle.samples``) and land on
the engine's declared kinks (``Kink.at``).

Built on ``hypothesis.extra.numpy``. Hypothesis has no bfloat16: its values are drawn as
float32 and rounded through ml_dtypes, then kept only if still inside the domain.

>>> from hypothesis import given
>>> import symgrad
>>> from oracle.engines import symgrad_strategies as sgst
>>> @given(sgst.tensors(symgrad.float32, (2, 3)))
... def check(t):
...     assert t.shape == (2, 3) and t.dtype is symgrad.float32
>>> check()
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import ml_dtypes
import numpy as np
from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from oracle.samples import REAL, Domain, Sample, domain_of, samples_of
from symgrad import _dtypes
from symgrad._dtypes import dtype
from symgrad.ops.registry import REGISTRY, OpDef, apply
from symgrad.tensor import Tensor

__all__ = [
    "dtypes",
    "float_dtypes",
    "integral_dtypes",
    "shapes",
    "broadcastable_shapes",
    "tensors",
    "edge_values",
    "kink_candidates",
    "op_inputs",
    "kinked_inputs",
    "OpCase",
    "op_cases",
    "keyed",
    "programs",
    "Program",
]

# Magnitudes kept moderate so that float16 neither overflows nor flushes in a few ops.
_LIMIT = {"float16": 8.0, "bfloat16": 8.0, "float32": 16.0, "float64": 16.0}
_WIDTH = {"float16": 16, "bfloat16": 32, "float32": 32, "float64": 64}
# "Huge" edge values: large, yet a product or a square of two of them stays finite.
_HUGE = {"float16": 2.0**7, "bfloat16": 2.0**60, "float32": 2.0**60, "float64": 2.0**500}

Edges = Literal["none", "edges", "kinks"]


def dtypes() -> st.SearchStrategy[dtype]:
    """Every symgrad dtype, bool and integers included.

    >>> from hypothesis import given
    >>> import symgrad
    >>> @given(dtypes())
    ... def check(d):
    ...     assert isinstance(d, symgrad.dtype)
    >>> check()
    """
    return st.sampled_from(_dtypes.ALL)


def float_dtypes() -> st.SearchStrategy[dtype]:
    """float16, bfloat16, float32, float64.

    >>> from hypothesis import given
    >>> @given(float_dtypes())
    ... def check(d):
    ...     assert d.is_floating_point and d.name in ("float16", "bfloat16", "float32", "float64")
    >>> check()
    """
    return st.sampled_from(_dtypes.FLOATING)


def integral_dtypes() -> st.SearchStrategy[dtype]:
    """bool and the integer dtypes: the ones that may not require gradients.

    >>> from hypothesis import given
    >>> import symgrad
    >>> @given(integral_dtypes())
    ... def check(d):
    ...     assert not d.is_floating_point
    ...     assert not symgrad.zeros(2, dtype=d).requires_grad
    >>> check()
    """
    return st.sampled_from((_dtypes.bool, *_dtypes.INTEGRAL))


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    """Tensor shapes (zero-dim included by default), each side from 1 to ``max_side``.

    >>> from hypothesis import given
    >>> @given(shapes(min_dims=1, max_dims=2, max_side=3))
    ... def check(s):
    ...     assert 1 <= len(s) <= 2 and all(1 <= n <= 3 for n in s)
    >>> check()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, max_dims: int = 3) -> st.SearchStrategy:
    """Tuples of shapes that broadcast together (``BroadcastableShapes.input_shapes``).

    >>> from hypothesis import given
    >>> import numpy as np
    >>> @given(broadcastable_shapes(3))
    ... def check(s):
    ...     np.broadcast_shapes(*s)
    >>> check()
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, max_dims=max_dims, max_side=4
    ).map(lambda b: b.input_shapes)


def _exact_in(v: float, d: dtype) -> bool:
    """``v`` is a value of dtype ``d`` (a cast would not move it)."""
    with np.errstate(over="ignore", under="ignore"):
        return bool(float(np.asarray(v, dtype=np.float64).astype(d.np)) == v)


def _inside_value(v: float, domain: Domain) -> bool:
    if not domain.low < v < domain.high and (math.isfinite(domain.low)
                                              or math.isfinite(domain.high)):
        return False
    if domain.nonzero and v == 0:
        return False
    return not domain.integer or float(v).is_integer()


def edge_values(d: dtype, domain: Domain = REAL) -> list[float]:
    """Edge values of ``d`` inside ``domain``: signed zeros, ±1, ±0.5, the smallest subnormal
    and normal, huge magnitudes and the values next to the domain's ends, all exact in ``d``.

    >>> import symgrad
    >>> vals = edge_values(symgrad.float16)
    >>> 0.0 in vals and 2.0**-24 in vals and 128.0 in vals
    True
    >>> min(edge_values(symgrad.float32, Domain(low=0.0))) > 0
    True
    """
    info = ml_dtypes.finfo(d.np)
    tiny, sub = float(info.smallest_normal), float(info.smallest_subnormal)
    huge = _HUGE[d.name]
    base = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, sub, -sub, tiny, -tiny, huge, -huge, 3.0, -3.0]
    for end, toward in ((domain.low, math.inf), (domain.high, -math.inf)):
        if math.isfinite(end):
            # The nearest representable value strictly inside the domain, and one a bit further.
            near = float(np.nextafter(np.asarray(end, dtype=d.np),
                                      np.asarray(toward, dtype=d.np)))
            base += [near, end + math.copysign(1 / 64, toward)]
    out: list[float] = []
    for v in base:
        if _inside_value(v, domain) and _exact_in(v, d) and not any(
                v == o and math.copysign(1, v) == math.copysign(1, o) for o in out):
            out.append(v)
    return out


def kink_candidates(op: OpDef, attrs: dict[str, Any], d: dtype) -> list[float]:
    """Values where ``op``'s declared kinks may sit: zero, whole and half numbers, the numeric
    attributes (``clamp`` bounds) and their ratios, quarters (half-integers once scaled by
    10, for ``round(decimals=1)``) (``softplus`` threshold / beta), in ``d``.

    >>> import symgrad
    >>> from symgrad import REGISTRY
    >>> 0.75 in kink_candidates(REGISTRY["clamp"], {"min": -0.5, "max": 0.75}, symgrad.float32)
    True
    """
    numbers = [float(v) for v in attrs.values()
               if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]
    base = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0, 0.25, -0.75, 0.05,
            3.0, -3.0, *numbers]  # +-3: hardsigmoid's and hardswish's kinks
    base += [a / b for a, b in itertools.permutations(numbers, 2) if b]
    base += [10.0**-n * k for n in range(1, 3) for k in (0.5, 1.5)]
    out: list[float] = []
    for v in base:
        if _exact_in(v, d) and v not in out:
            out.append(v)
    return out


def _representable(v: float, width: int, *, up: bool) -> float:
    """``v`` rounded inward to a float of ``width`` bits (hypothesis requires exact bounds)."""
    t = {16: np.float16, 32: np.float32, 64: np.float64}[width]
    r = t(v)
    if (float(r) < v and up) or (float(r) > v and not up):
        r = np.nextafter(r, t(np.inf) if up else t(-np.inf))
    return float(r)


def _elements(d: dtype, domain: Domain, edges: bool) -> st.SearchStrategy[float]:
    low, high = max(domain.low, -_LIMIT[d.name]), min(domain.high, _LIMIT[d.name])
    # Stay a relative margin inside an open domain edge, where derivatives blow up.
    margin = 1e-2 * max(1.0, abs(low), abs(high))
    lo = low + margin if math.isfinite(domain.low) else low
    hi = high - margin if math.isfinite(domain.high) else high
    width = _WIDTH[d.name]
    lo, hi = _representable(lo, width, up=True), _representable(hi, width, up=False)
    values = st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False,
                       allow_subnormal=edges and lo <= 0 <= hi)
    if domain.integer:
        values = st.integers(math.ceil(lo), math.floor(hi)).map(float)
    if domain.nonzero:
        values = values.filter(lambda v: abs(v) > margin)
    if edges:
        special = edge_values(d, domain)
        if special:
            values = st.one_of(values, st.sampled_from(special))
    return values


def _inside(a: np.ndarray, domain: Domain) -> bool:
    return all(_inside_value(float(v), domain) for v in np.asarray(a, np.float64).reshape(-1))


def tensors(
    d: dtype,
    shape: Sequence[int],
    domain: Domain = REAL,
    *,
    edges: bool = False,
    requires_grad: bool = False,
    elements: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[Tensor]:
    """Tensors of dtype ``d`` and ``shape`` with values inside ``domain``.

    ``edges`` mixes in ``edge_values`` (signed zeros, ±1, subnormals, tiny and huge magnitudes,
    the domain's ends); leave it off to stay in moderate magnitudes. ``elements`` replaces the
    value strategy (values are rounded to ``d``). Integer and bool dtypes draw whole numbers and
    truth values.

    >>> from hypothesis import given
    >>> import symgrad
    >>> @given(tensors(symgrad.bfloat16, (3,), Domain(low=0.0), edges=True))
    ... def check(t):
    ...     assert t.dtype is symgrad.bfloat16 and bool((t._data > 0).all())
    >>> check()
    """
    shape = tuple(shape)
    if d is _dtypes.bool:
        arrays = hnp.arrays(np.bool_, shape)
    elif d.category == _dtypes._INT:
        info = np.iinfo(d.np)
        arrays = hnp.arrays(d.np, shape, elements=st.integers(max(info.min, -100),
                                                              min(info.max, 100)))
    else:
        values = elements if elements is not None else _elements(d, domain, edges)
        # Values drawn as float64 then rounded: bfloat16 has no hypothesis strategy, and a
        # custom ``elements`` may not be exact in ``d``; rounding may leave the domain.
        arrays = hnp.arrays(np.float64, shape, elements=values).map(
            lambda a: a.astype(d.np))
        if d is _dtypes.bfloat16 or elements is not None:
            arrays = arrays.filter(lambda a: _inside(a, domain))
    return arrays.map(lambda a: Tensor._make(np.array(a, dtype=d.np), requires_grad, None))


def _draw_inputs(draw: st.DrawFn, op: OpDef, d: dtype, sample: Sample,
                 elements: Any) -> list[Tensor]:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    inputs = []
    for name, shape in zip(op.args, sample.shapes, strict=True):
        if name in sample.make:
            inputs.append(Tensor._make(np.asarray(sample.make[name](rng)), False, None))
            continue
        domain = domain_of(op.name, name)
        rg = name in op.differentiable
        inputs.append(draw(elements(name, shape, domain, rg)))
    return inputs


@st.composite
def op_inputs(draw: st.DrawFn, op: OpDef, d: dtype, *, edges: bool = False
              ) -> tuple[Sample, list[Tensor]]:
    """A sample of ``op`` (one of its declared ``samples``) with inputs drawn for dtype ``d``.

    Differentiable floating inputs require grad; the rest are built by the sample's ``make``.
    ``edges`` mixes ``edge_values`` into the drawn inputs.

    >>> from hypothesis import given, settings
    >>> import symgrad
    >>> @settings(max_examples=5)
    ... @given(op_inputs(symgrad.REGISTRY["log"], symgrad.float16, edges=True))
    ... def check(drawn):
    ...     sample, (x,) = drawn
    ...     assert x.requires_grad and bool((x._data > 0).all())
    >>> check()
    """
    sample = draw(st.sampled_from(samples_of(op.name)))
    inputs = _draw_inputs(draw, op, d, sample, lambda name, shape, domain, rg: tensors(
        d, shape, domain, edges=edges, requires_grad=rg))
    return sample, inputs


def kink_hits(op: OpDef, sample: Sample, inputs: Sequence[Tensor]) -> bool:
    """Whether some declared kink of ``op`` sits at the inputs' values (``Kink.at``).

    >>> import symgrad
    >>> from symgrad import REGISTRY
    >>> op, sample = REGISTRY["maximum"], samples_of("maximum")[0]
    >>> kink_hits(op, sample, [symgrad.tensor([1.0, 2.0]), symgrad.tensor([0.0, 2.0])])
    True
    >>> kink_hits(op, sample, [symgrad.tensor([1.0, 2.0]), symgrad.tensor([0.0, 3.0])])
    False
    """
    arrays = [np.asarray(t._data, dtype=np.float64) if t.dtype.is_floating_point else t._data
              for t in inputs]
    for kink in op.kinks:
        # Some ``at`` take no attributes (relu's ``self == 0`` whatever the slope).
        params = inspect.signature(kink.at).parameters.values()
        attrs = sample.attrs if any(p.kind is p.VAR_KEYWORD for p in params) else {
            k: v for k, v in sample.attrs.items() if k in {p.name for p in params}}
        with np.errstate(all="ignore"):
            hit = kink.at(*arrays, **attrs)
        if np.any(hit):
            return True
    return False


@st.composite
def kinked_inputs(draw: st.DrawFn, op: OpDef, d: dtype) -> tuple[Sample, list[Tensor]]:
    """Inputs of ``op`` in dtype ``d`` with at least one element on a declared kink.

    Values come from ``kink_candidates`` (ties arise as every input draws from the same small
    set); when none is on a kink (``Kink.at``), one element is moved onto a candidate that is.

    >>> from hypothesis import given, settings
    >>> import numpy as np, symgrad
    >>> @settings(max_examples=5)
    ... @given(kinked_inputs(symgrad.REGISTRY["abs"], symgrad.float32))
    ... def check(drawn):
    ...     sample, (x,) = drawn
    ...     assert bool((x._data == 0).any())
    >>> check()
    """
    sample = draw(st.sampled_from(samples_of(op.name)))
    points = kink_candidates(op, sample.attrs, d)

    def elements(name: str, shape: tuple[int, ...], domain: Domain, rg: bool) -> Any:
        inside = [p for p in points if _inside_value(p, domain)] or [1.0]
        return tensors(d, shape, domain, requires_grad=rg, elements=st.sampled_from(inside))

    inputs = _draw_inputs(draw, op, d, sample, elements)
    if not kink_hits(op, sample, inputs):
        # Move one element of a kink's input onto a candidate that puts it on the kink.
        kink = draw(st.sampled_from(op.kinks))
        t = inputs[op.args.index(kink.arg)]
        j = draw(st.integers(0, t._data.size - 1))
        for p in points:
            flat = t._data.reshape(-1)
            old = flat[j]
            flat[j] = p
            if _inside(t._data, domain_of(op.name, kink.arg)) and kink_hits(op, sample, inputs):
                break
            flat[j] = old
        else:
            if not _tie_onto(op, sample, inputs, t, j, points):
                reject()
    return sample, inputs


def _tie_onto(op: OpDef, sample: Sample, inputs: list[Tensor], t: Tensor, j: int,
              points: list[float]) -> bool:
    """Put element ``j`` of every input shaped as ``t`` on one candidate, for a kink where
    the inputs meet (atan2's origin, where the domain's pole is the declared kink): whether
    that hits a kink."""
    same = [x for x in inputs if x._data.shape == t._data.shape and x.dtype.is_floating_point]
    saved = [x._data.reshape(-1)[j] for x in same]
    for p in points:
        for x in same:
            x._data.reshape(-1)[j] = p
        if kink_hits(op, sample, inputs):
            return True
    for x, v in zip(same, saved, strict=True):
        x._data.reshape(-1)[j] = v
    return False


def _literal(a: np.ndarray) -> str:
    """``a`` as Python source: nested lists of exact values (``repr`` of a float round-trips,
    and a float16/bfloat16/float32 value is a float64 value), non-floats with their dtype."""
    def text(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(text(x) for x in v) + "]"
        return repr(v) if not isinstance(v, float) or math.isfinite(v) else f"float({str(v)!r})"

    if a.dtype.kind in "fV":
        return text(np.asarray(a, np.float64).tolist())
    return f"np.array({text(a.tolist())}, {a.dtype.name!r})"


@dataclass(frozen=True, eq=False)
class OpCase:
    """One call of a registry op, all a property test needs: the op's name, the dtype's name,
    the input arrays in the op's argument order, which inputs require grad, and the attributes.

    Its ``repr`` is the ``OpCase.of`` call that rebuilds it, so a counterexample hypothesis
    prints can be pasted into ``@example(case=...)``.

    >>> import symgrad
    >>> case = OpCase.of("div", "float16", [0.0, 0.0], [6e-08, 1.0])
    >>> case
    OpCase.of('div', 'float16', [0.0, 0.0], [5.960464477539063e-08, 1.0])
    >>> x, y = case.inputs()
    >>> x.dtype is symgrad.float16 and x.requires_grad and y.requires_grad
    True
    >>> OpCase.of("std", "float64", [[0.05] * 3], attrs={"dim": (1,), "correction": 1,
    ...                                                  "keepdim": False}).attrs["dim"]
    (1,)
    """

    op: str
    dtype: str
    arrays: tuple[np.ndarray, ...]
    requires_grad: tuple[bool, ...]
    attrs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, op: str, dtype: str, /, *values: Any, attrs: dict[str, Any] | None = None,
           requires_grad: Sequence[bool] | None = None) -> OpCase:
        """The case of ``op`` on ``values`` (one per input; nested lists of numbers are arrays
        of ``dtype``, NumPy arrays keep theirs). By default the op's differentiable floating
        inputs require grad, as ``op_inputs`` draws them.

        >>> import numpy as np
        >>> OpCase.of("mul", "float32", [1.0], np.array([2])).requires_grad
        (True, False)
        >>> OpCase.of("mul", "float32", [1.0], [2.0], requires_grad=[False, True]).requires_grad
        (False, True)
        """
        d = _dtypes._by_name(dtype)
        arrays = tuple(np.array(v) if isinstance(v, np.ndarray) else np.array(v, dtype=d.np)
                       for v in values)
        if requires_grad is None:
            requires_grad = [name in REGISTRY[op].differentiable and a.dtype == d.np
                             for name, a in zip(REGISTRY[op].args, arrays, strict=True)]
        return cls(op, dtype, arrays, tuple(requires_grad), dict(attrs or {}))

    def inputs(self) -> list[Tensor]:
        """Fresh tensors of the case (a test may accumulate gradients into them).

        >>> case = OpCase.of("mul", "float64", [1.0, 2.0], [3.0, 4.0])
        >>> x, y = case.inputs()
        >>> (x * y).sum().backward(); x.grad
        tensor([3., 4.], dtype=symgrad.float64)
        >>> case.inputs()[0].grad is None
        True
        """
        return [Tensor._make(a.copy(), rg, None)
                for a, rg in zip(self.arrays, self.requires_grad, strict=True)]

    def __repr__(self) -> str:
        default = OpCase.of(self.op, self.dtype, *self.arrays).requires_grad
        parts = [repr(self.op), repr(self.dtype), *(_literal(a) for a in self.arrays)]
        if self.attrs:
            parts.append(f"attrs={self.attrs!r}")
        if self.requires_grad != default:
            parts.append(f"requires_grad={self.requires_grad!r}")
        return f"OpCase.of({', '.join(parts)})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        # Hypothesis prints a falsifying case with its pretty printer, which honours this.
        p.text(repr(self))


@st.composite
def op_cases(draw: st.DrawFn, op: OpDef, d: dtype | st.SearchStrategy[dtype], *,
             edges: bool = False, kinks: bool = False) -> OpCase:
    """An ``OpCase`` of ``op`` in dtype ``d`` (or one drawn from the strategy ``d``): inputs
    as ``op_inputs`` draws them (``edges`` mixes in edge values), or on a declared kink as
    ``kinked_inputs`` does (``kinks``).

    >>> from hypothesis import given, settings
    >>> import symgrad
    >>> @settings(max_examples=5)
    ... @given(op_cases(symgrad.REGISTRY["abs"], symgrad.float32, kinks=True))
    ... def check(case):
    ...     (x,) = case.inputs()
    ...     assert case.op == "abs" and bool((x._data == 0).any()) and x.requires_grad
    >>> check()
    """
    if isinstance(d, st.SearchStrategy):
        d = draw(d)
    drawn = kinked_inputs(op, d) if kinks else op_inputs(op, d, edges=edges)
    sample, inputs = draw(drawn)
    return OpCase(op.name, d.name, tuple(t._data for t in inputs),
                  tuple(t.requires_grad for t in inputs), dict(sample.attrs))


def keyed(key: str) -> Any:
    """Key a hypothesis test built inside a parametrized test (its strategy depends on the
    parameters) by ``key``, as hypothesis's pytest plugin keys a parametrized test: the
    derandomized seed and the example database then differ per parameter. Apply it before
    ``given``.

    >>> from hypothesis import given, settings
    >>> def build(key, seen):
    ...     @settings(derandomize=True, max_examples=5)
    ...     @given(st.integers())
    ...     @keyed(key)
    ...     def check(n):
    ...         seen.append(n)
    ...     return check
    >>> a, b, c = [], [], []
    >>> build("mul-float32", a)(); build("mul-float32", b)(); build("add-float32", c)()
    >>> a == b, a == c
    (True, False)
    """
    def decorate(test: Any) -> Any:
        # The attribute hypothesis's pytest plugin sets; it is hashed into the test's digest,
        # which seeds a derandomized run and names its database entries. Hypothesis has no
        # public equivalent: ``hypothesis.seed`` pins the seed under every profile (not only
        # the derandomized one) and leaves the database key shared, and ``settings`` cannot be
        # applied twice. tests/test_keyed.py fails if hypothesis stops reading it.
        test._hypothesis_internal_add_digest = key.encode()
        return test

    return decorate


# -- random programs ---------------------------------------------------------------------------
_DIM_ATTRS = ("dim", "dims", "dim0", "dim1")


def program_ops(d: dtype) -> list[str]:
    """The registry ops a random program may use in dtype ``d``: recorded ops (elementwise,
    reductions, linear algebra, shape ops) whose inputs are all drawn floats, defined on all
    reals, with a floating result and a gradient for every input.

    >>> import symgrad
    >>> {"mul", "sum", "matmul", "transpose"} <= set(program_ops(symgrad.float32))
    True
    >>> "log" in program_ops(symgrad.float32)
    False
    """
    return sorted(
        name for name, op in REGISTRY.items()
        if op.kind in ("elementwise", "reduction", "linalg", "shape")
        and op.vjp is not None
        and d in op.dtypes
        and op.dtype_rule != "bool"
        and not any(s.make for s in samples_of(name))
        and all(domain_of(name, a) == REAL for a in op.args)
        and set(op.args) <= set(op.differentiable)
        and not _casts(op)
    )


def _casts(op: OpDef) -> bool:
    """Whether ``op`` needs a ``dtype`` to run (a cast, ``to_copy``): a program keeps to one
    dtype. A reduction's optional ``dtype=`` (None unless given) does not count."""
    if "dtype" not in op.attrs:
        return False
    param = inspect.signature(op.forward).parameters.get("dtype")
    return param is None or param.default is not None


def _adapt(attrs: dict[str, Any], shape: tuple[int, ...]) -> dict[str, Any]:
    """A sample's attributes moved onto a value of ``shape``: dims wrapped into its rank."""
    n = max(len(shape), 1)
    out = {}
    for key, v in attrs.items():
        if key in _DIM_ATTRS and isinstance(v, int) and not isinstance(v, bool):
            v = v % n
        elif key in _DIM_ATTRS and isinstance(v, tuple):
            v = tuple(sorted({x % n for x in v})) if key == "dim" else tuple(x % n for x in v)
        out[key] = v
    return out


def _shape_choices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Target shapes for ``shape`` attributes (reshape, expand): flat, reversed, a new axis."""
    return [(-1,) if shape else (1,), tuple(reversed(shape)), (2, *shape)]


def _out_shape(op: OpDef, shapes: Sequence[tuple[int, ...]], attrs: dict[str, Any]
               ) -> tuple[int, ...] | None:
    """The result's shape, found by running the op and its backward on ones in the engine
    (None: these shapes and attributes do not fit it, or the result is not a small finite
    float)."""
    from symgrad.autograd import grad

    ones = [Tensor._make(np.ones(s), True, None) for s in shapes]
    try:
        with np.errstate(all="ignore"):
            out = apply(op, *ones, **attrs)
            if not out.dtype.is_floating_point or not 0 < out._data.size <= 64:
                return None
            grads = grad([apply(REGISTRY["sum_all"], out)], ones, allow_unused=True)
    except Exception:  # noqa: BLE001 - any refusal means these shapes and attrs do not fit
        return None
    # Degenerate cases (a variance over one element) are nan already at ones.
    if not all(np.isfinite(v._data).all() for v in (out, *grads) if v is not None):
        return None
    return tuple(out._data.shape)


def _attr_literal(val: Any) -> str:
    """``val`` as Python source: ``repr``, but ``float('inf')`` for an infinite float (``repr``
    writes ``inf``, a NameError when the snippet runs: ``norm``'s ``p=inf``)."""
    if isinstance(val, float) and not math.isfinite(val):
        return f"float({str(val)!r})"
    return repr(val)


@dataclass
class Program:
    """A random DAG over the catalog: leaves, then steps ``(op name, input ids, attrs)``.

    Values ``0 .. len(leaves)-1`` are the leaves; step ``k`` makes value ``len(leaves) + k``;
    the last value, summed to a scalar, is the output.

    >>> import numpy as np, symgrad
    >>> p = Program([np.array([1.0, -2.0]), np.array([3.0, 0.5])], [("mul", (0, 1), {})])
    >>> x, y = p.make_leaves()
    >>> p.run([x, y]).item()
    2.0
    >>> ns = {}
    >>> exec(p.source(), ns)
    >>> ns["v0"].grad.tolist()
    [3.0, 0.5]
    """

    leaves: list[np.ndarray]
    steps: list[tuple[str, tuple[int, ...], dict[str, Any]]] = field(default_factory=list)

    def run(self, leaves: Sequence[Tensor]) -> Tensor:
        """Execute with the engine on the given leaf tensors; returns the scalar output.

        >>> import numpy as np
        >>> p = Program([np.array([1.0, -2.0]), np.array([3.0, 0.5])], [("mul", (0, 1), {})])
        >>> p.run(p.make_leaves())
        tensor(2., dtype=symgrad.float64, grad_fn=<SumBackward0>)
        """
        values: list[Tensor] = list(leaves)
        for name, ids, attrs in self.steps:
            values.append(apply(REGISTRY[name], *(values[i] for i in ids), **attrs))
        return apply(REGISTRY["sum_all"], values[-1])

    def make_leaves(self, requires_grad: bool = True) -> list[Tensor]:
        """Fresh leaf tensors holding the program's leaf values.

        >>> import numpy as np
        >>> p = Program([np.array([1.0, -2.0])])
        >>> (x,) = p.make_leaves(requires_grad=False)
        >>> x.requires_grad, x.is_leaf
        (False, True)
        >>> _ = x.zero_(); p.leaves[0].tolist()
        [1.0, -2.0]
        """
        return [Tensor._make(a.copy(), requires_grad, None) for a in self.leaves]

    def ops(self) -> list[str]:
        """The op names the program uses, in order.

        >>> import numpy as np
        >>> Program([np.ones(2), np.ones(2)], [("mul", (0, 1), {}), ("exp", (2,), {})]).ops()
        ['mul', 'exp']
        """
        return [name for name, _, _ in self.steps]

    def source(self) -> str:
        """A runnable Python snippet that rebuilds the program exactly (the shrunk reproducer):
        leaf values are written in hexadecimal, so no digit is lost.

        >>> import numpy as np
        >>> p = Program([np.array([1.0, -2.0]), np.array([3.0, 0.5])], [("mul", (0, 1), {})])
        >>> print(p.source())
        import numpy as np
        import symgrad
        from symgrad.ops.registry import REGISTRY, apply
        <BLANKLINE>
        v0 = symgrad.tensor(...['0x1.0000000000000p+0', '-0x1.0000000000000p+1']]).reshape(...)
        v1 = symgrad.tensor(...['0x1.8000000000000p+1', '0x1.0000000000000p-1']]).reshape(...)
        v2 = apply(REGISTRY['mul'], v0, v1)
        out = v2.sum()
        out.backward()
        <BLANKLINE>
        """
        lines = ["import numpy as np", "import symgrad",
                 "from symgrad.ops.registry import REGISTRY, apply", ""]
        for i, a in enumerate(self.leaves):
            vals = [float(v).hex() for v in a.astype(np.float64).reshape(-1)]
            lines.append(
                f"v{i} = symgrad.tensor(np.array([float.fromhex(h) for h in {vals!r}])"
                f".reshape({a.shape!r}), dtype=symgrad.{_dtypes._FROM_NP[a.dtype].name}, "
                "requires_grad=True)")
        n = len(self.leaves)
        for k, (name, ids, attrs) in enumerate(self.steps):
            args = ", ".join(f"v{i}" for i in ids)
            kw = "".join(f", {key}={_attr_literal(val)}" for key, val in attrs.items())
            lines.append(f"v{n + k} = apply(REGISTRY[{name!r}], {args}{kw})")
        lines.append(f"out = v{n + len(self.steps) - 1}.sum()")
        lines.append("out.backward()")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.source()


@st.composite
def programs(draw: st.DrawFn, d: dtype | None = None, max_steps: int = 6,
             max_leaves: int = 3) -> Program:
    """Random executable programs over ``program_ops(d)``: elementwise ops (broadcasting two
    values), reductions, matmul and friends, and shape ops, with consistent shapes.

    Each step picks an op, inputs among the values so far (or a fresh leaf shaped to fit:
    the same shape, the reversed one for matmul, one with a dim of 1 for broadcasting) and one
    of the op's sample attributes moved onto the input's rank; the NumPy forward run on ones
    decides whether the shapes fit and the result's shape. Ops come from ``REGISTRY``, so new
    ops join automatically. Leaves hold moderate values (|x| < 2).

    >>> from hypothesis import given, settings
    >>> import symgrad
    >>> @settings(max_examples=10)
    ... @given(programs(symgrad.float64))
    ... def check(p):
    ...     p.run(p.make_leaves()).backward()
    ...     ns = {}
    ...     exec(p.source(), ns)
    >>> check()
    """
    d = d or draw(float_dtypes())
    names = program_ops(d)
    leaf_values = Domain(low=-2.0, high=2.0)
    base = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    leaves: list[np.ndarray] = []
    value_shapes: list[tuple[int, ...]] = []

    def new_leaf(shape: tuple[int, ...]) -> int:
        leaves.append(draw(tensors(d, shape, leaf_values))._data)
        value_shapes.insert(len(leaves) - 1, shape)
        # A leaf is inserted among the leaves: later ids shift by one.
        for k, (name, ids, attrs) in enumerate(steps):
            steps[k] = (name, tuple(i + (i >= len(leaves) - 1) for i in ids), attrs)
        return len(leaves) - 1

    steps: list[tuple[str, tuple[int, ...], dict[str, Any]]] = []
    for _ in range(draw(st.integers(1, max_leaves))):
        new_leaf(tuple(draw(st.sampled_from([s, 1])) for s in base))
    target = draw(st.integers(1, max_steps))
    for _ in range(4 * target):
        if len(steps) == target:
            break
        name = draw(st.sampled_from(names))
        op = REGISTRY[name]
        first = draw(st.integers(0, len(value_shapes) - 1))
        shape = value_shapes[first]
        ids = [first]
        for _ in op.args[1:]:
            choice = draw(st.sampled_from(["value", "same", "reversed", "broadcast"]))
            if choice == "value":
                ids.append(draw(st.integers(0, len(value_shapes) - 1)))
                continue
            other = {"same": shape, "reversed": tuple(reversed(shape)),
                     "broadcast": tuple(draw(st.sampled_from([s, 1])) for s in shape)}[choice]
            if len(leaves) >= max_leaves + 2:
                ids.append(draw(st.integers(0, len(value_shapes) - 1)))
                continue
            leaf = new_leaf(other)
            ids = [i + (i >= leaf) for i in ids]
            ids.append(leaf)
        sample = draw(st.sampled_from(samples_of(name)))
        attrs = _adapt(dict(sample.attrs), value_shapes[ids[0]])
        if "shape" in attrs:
            attrs["shape"] = draw(st.sampled_from(_shape_choices(value_shapes[ids[0]])))
        if "sizes" in attrs and isinstance(attrs.get("dim"), int):
            # Recorded metadata: each input's extent along the joined dim.
            attrs["sizes"] = tuple(value_shapes[i][attrs["dim"]] if value_shapes[i] else 1
                                   for i in ids)
        out = _out_shape(op, [value_shapes[i] for i in ids], attrs)
        if out is None:
            continue
        steps.append((name, tuple(ids), attrs))
        value_shapes.append(out)
    if not steps:
        steps.append(("sum", (0,), {"dim": (0,), "keepdim": True}))
    return Program(leaves, steps)
