"""Hypothesis strategies for symgrad: dtypes, shapes, tensors, per-op samples, random programs.

Built on ``hypothesis.extra.numpy``. Hypothesis has no bfloat16: its values are drawn as
float32 and rounded through ml_dtypes, then kept only if still inside the domain.

>>> from hypothesis import given
>>> import symgrad
>>> from symgrad.testing import strategies as sgst
>>> @given(sgst.tensors(symgrad.float32, (2, 3)))
... def check(t):
...     assert t.shape == (2, 3) and t.dtype is symgrad.float32
>>> check()
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from symgrad import _dtypes
from symgrad._dtypes import dtype
from symgrad.ops.registry import REAL, REGISTRY, Domain, OpDef, Sample, apply
from symgrad.tensor import Tensor

__all__ = [
    "dtypes",
    "float_dtypes",
    "integral_dtypes",
    "shapes",
    "broadcastable_shapes",
    "tensors",
    "op_inputs",
    "programs",
    "Program",
]

# Magnitudes kept moderate so that float16 neither overflows nor flushes in a few ops.
_LIMIT = {"float16": 8.0, "bfloat16": 8.0, "float32": 16.0, "float64": 16.0}
_WIDTH = {"float16": 16, "bfloat16": 32, "float32": 32, "float64": 64}


def dtypes() -> st.SearchStrategy[dtype]:
    """Every symgrad dtype, bool and integers included."""
    return st.sampled_from(_dtypes.ALL)


def float_dtypes() -> st.SearchStrategy[dtype]:
    """float16, bfloat16, float32, float64."""
    return st.sampled_from(_dtypes.FLOATING)


def integral_dtypes() -> st.SearchStrategy[dtype]:
    """bool and the integer dtypes: the ones that may not require gradients."""
    return st.sampled_from((_dtypes.bool, *_dtypes.INTEGRAL))


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    """Tensor shapes (zero-dim included by default)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, max_dims: int = 3) -> st.SearchStrategy:
    """Tuples of shapes that broadcast together (``BroadcastableShapes.input_shapes``)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, max_dims=max_dims, max_side=4
    ).map(lambda b: b.input_shapes)


def _bounds(d: dtype, domain: Domain) -> tuple[float, float]:
    limit = _LIMIT[d.name]
    low = max(domain.low, -limit)
    high = min(domain.high, limit)
    return low, high


def _representable(v: float, width: int, *, up: bool) -> float:
    """``v`` rounded inward to a float of ``width`` bits (hypothesis requires exact bounds)."""
    t = {16: np.float16, 32: np.float32, 64: np.float64}[width]
    r = t(v)
    if (float(r) < v and up) or (float(r) > v and not up):
        r = np.nextafter(r, t(np.inf) if up else t(-np.inf))
    return float(r)


def _elements(d: dtype, domain: Domain, edges: bool) -> st.SearchStrategy[float]:
    low, high = _bounds(d, domain)
    # Stay a relative margin inside an open domain edge, where derivatives blow up.
    margin = 1e-2 * max(1.0, abs(low), abs(high))
    lo = low + margin if math.isfinite(domain.low) else low
    hi = high - margin if math.isfinite(domain.high) else high
    width = _WIDTH[d.name]
    lo, hi = _representable(lo, width, up=True), _representable(hi, width, up=False)
    values = st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False,
                       allow_subnormal=edges)
    if domain.integer:
        values = st.integers(math.ceil(lo), math.floor(hi)).map(float)
    if domain.nonzero:
        values = values.filter(lambda v: abs(v) > margin)
    if edges:
        special = [v for v in (0.0, -0.0, 1.0, -1.0, 0.5, lo, hi) if lo <= v <= hi]
        if domain.nonzero:
            special = [v for v in special if v != 0]
        if special:
            values = st.one_of(values, st.sampled_from(special))
    return values


def tensors(
    d: dtype,
    shape: Sequence[int],
    domain: Domain = REAL,
    *,
    edges: bool = False,
    requires_grad: bool = False,
) -> st.SearchStrategy[Tensor]:
    """Tensors of dtype ``d`` and ``shape`` with values inside ``domain``.

    ``edges`` mixes in edge values (signed zeros, ±1, the domain's ends, subnormals); leave it
    off to stay away from kinks. Integer and bool dtypes draw whole numbers and truth values.
    """
    shape = tuple(shape)
    if d is _dtypes.bool:
        arrays = hnp.arrays(np.bool_, shape)
    elif d.category == _dtypes._INT:
        info = np.iinfo(d.np)
        arrays = hnp.arrays(d.np, shape, elements=st.integers(max(info.min, -100),
                                                              min(info.max, 100)))
    elif d is _dtypes.bfloat16:
        arrays = hnp.arrays(np.float32, shape, elements=_elements(d, domain, edges)).map(
            lambda a: a.astype(d.np)).filter(lambda a: _inside(a, domain))
    else:
        arrays = hnp.arrays(d.np, shape, elements=_elements(d, domain, edges))
    return arrays.map(lambda a: Tensor._make(np.array(a, dtype=d.np), requires_grad, None))


def _inside(a: np.ndarray, domain: Domain) -> bool:
    v = a.astype(np.float64)
    ok = (v > domain.low) & (v < domain.high) if math.isfinite(domain.low) or math.isfinite(
        domain.high) else np.ones(v.shape, bool)
    if domain.nonzero:
        ok &= v != 0
    return bool(np.all(ok))


@st.composite
def op_inputs(draw: st.DrawFn, op: OpDef, d: dtype, *, edges: bool = False
              ) -> tuple[Sample, list[Tensor]]:
    """A sample of ``op`` (one of its declared ``samples``) with inputs drawn for dtype ``d``.

    Differentiable floating inputs require grad; the rest are built by the sample's ``make``.
    """
    sample = draw(st.sampled_from(op.samples))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    inputs = []
    for name, shape in zip(op.args, sample.shapes, strict=True):
        if name in sample.make:
            inputs.append(Tensor._make(np.asarray(sample.make[name](rng)), False, None))
            continue
        domain = op.domain.get(name, REAL)
        rg = name in op.differentiable
        inputs.append(draw(tensors(d, shape, domain, edges=edges, requires_grad=rg)))
    return sample, inputs


# -- random programs ---------------------------------------------------------------------------
def _smooth_total(op: OpDef) -> bool:
    """Ops safe anywhere in a random program: elementwise, defined and smooth on all reals."""
    return (
        op.kind == "elementwise"
        and op.vjp is not None
        and not op.kinks
        and op.dtype_rule != "bool"
        and all(not op.attrs or s.attrs for s in op.samples)
        and all(op.domain.get(a, REAL) == REAL for a in op.args)
        and all(a in op.differentiable for a in op.args)
        and not op.extra.get("unbounded", False)
    )


@dataclass
class Program:
    """A random DAG over the catalog: leaves, then steps ``(op name, input ids, attrs)``.

    Values ``0 .. len(leaves)-1`` are the leaves; step ``k`` makes value ``len(leaves) + k``;
    the last value, summed to a scalar, is the output.
    """

    leaves: list[np.ndarray]
    steps: list[tuple[str, tuple[int, ...], dict[str, Any]]] = field(default_factory=list)

    def run(self, leaves: Sequence[Tensor]) -> Tensor:
        """Execute with the engine on the given leaf tensors; returns the scalar output."""
        values: list[Tensor] = list(leaves)
        for name, ids, attrs in self.steps:
            values.append(apply(REGISTRY[name], *(values[i] for i in ids), **attrs))
        return apply(REGISTRY["sum_all"], values[-1])

    def make_leaves(self, requires_grad: bool = True) -> list[Tensor]:
        return [Tensor._make(a.copy(), requires_grad, None) for a in self.leaves]

    def source(self) -> str:
        """A runnable Python snippet that rebuilds the program exactly (the shrunk reproducer)."""
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
            kw = "".join(f", {key}={val!r}" for key, val in attrs.items())
            lines.append(f"v{n + k} = apply(REGISTRY[{name!r}], {args}{kw})")
        lines.append(f"out = v{n + len(self.steps) - 1}.sum()")
        lines.append("out.backward()")
        return "\n".join(lines) + "\n"


@st.composite
def programs(draw: st.DrawFn, d: dtype | None = None, max_steps: int = 6,
             max_leaves: int = 3) -> Program:
    """Random executable programs over the smooth elementwise ops, reductions and reshapes.

    Shapes stay consistent: binary ops broadcast two existing values; ``sum`` reduces a dim;
    ``reshape`` flattens. Ops come from ``REGISTRY`` so new ops join automatically.
    """
    d = d or draw(float_dtypes())
    unary = sorted(n for n, op in REGISTRY.items() if _smooth_total(op) and len(op.args) == 1
                   and d in op.dtypes)
    binary = sorted(n for n, op in REGISTRY.items() if _smooth_total(op) and len(op.args) == 2
                    and d in op.dtypes)
    n_leaves = draw(st.integers(1, max_leaves))
    base = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    leaves = []
    for _ in range(n_leaves):
        shape = tuple(draw(st.sampled_from([s, 1])) for s in base)
        t = draw(tensors(d, shape, Domain(low=-2.0, high=2.0)))
        leaves.append(t._data)
    prog = Program(leaves)
    value_shapes = [a.shape for a in leaves]
    for _ in range(draw(st.integers(1, max_steps))):
        choices = ["unary"] * bool(unary) + ["binary"] * bool(binary) + ["sum"]
        kind = draw(st.sampled_from(choices))
        if kind == "unary":
            name = draw(st.sampled_from(unary))
            i = draw(st.integers(0, len(value_shapes) - 1))
            attrs = dict(draw(st.sampled_from(REGISTRY[name].samples)).attrs)
            prog.steps.append((name, (i,), attrs))
            value_shapes.append(value_shapes[i])
        elif kind == "binary":
            name = draw(st.sampled_from(binary))
            i = draw(st.integers(0, len(value_shapes) - 1))
            j = draw(st.integers(0, len(value_shapes) - 1))
            try:
                shape = np.broadcast_shapes(value_shapes[i], value_shapes[j])
            except ValueError:
                continue
            attrs = dict(draw(st.sampled_from(REGISTRY[name].samples)).attrs)
            prog.steps.append((name, (i, j), attrs))
            value_shapes.append(shape)
        else:
            i = draw(st.integers(0, len(value_shapes) - 1))
            shape = value_shapes[i]
            if not shape:
                continue
            dim = draw(st.integers(0, len(shape) - 1))
            prog.steps.append(("sum", (i,), {"dim": (dim,), "keepdim": True}))
            value_shapes.append(shape[:dim] + (1,) + shape[dim + 1:])
    if not prog.steps:
        prog.steps.append(("sum", (0,), {"dim": (0,), "keepdim": True}))
    return prog
