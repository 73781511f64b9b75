"""Deterministic symgrad inputs for every registry op, drawn from the judge's samples and domains
(``oracle.samples``).

Values sit on a lattice of multiples of 1/64 (exact in every float dtype, bfloat16 included), so
casting never moves a value onto a kink. They stay a margin away from the domain's edges, from
integers and half-integers (where ``floor``, ``round`` and ``abs`` break), from every numeric
attribute (``clamp`` bounds) and from each other (ties of ``max`` and ``maximum``), with moderate
magnitudes (at most 2 unless the domain asks for more).

>>> from oracle.engines.symgrad_samples import make_samples, op_call
>>> s = make_samples("mul", "float32")[0]
>>> s.id, s.shapes, s.dtype
('sample0', ((2, 3), (2, 3)), 'float32')
>>> op_call("mul", s).shape
symgrad.Size([2, 3])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oracle.samples import Domain, domain_of, samples_of
from symgrad import _dtypes
from symgrad.ops import registry
from symgrad.tensor import Tensor

__all__ = ["SampleInput", "make_samples", "op_call", "sample_values", "SEED"]

SEED = 20240613
# Distance kept from kinks, poles and domain edges, and the lattice the values live on.
MARGIN = 0.1
STEP = 1 / 64
# Moderate magnitudes: the interval an unbounded domain is cut to.
SPAN = 2.0


@dataclass
class SampleInput:
    """The inputs of one call of an op: arrays by argument name, attributes, and the dtype.

    >>> import numpy as np
    >>> s = SampleInput("mul", "sample0", "float32",
    ...                 {"self": np.array([1.0, 2.0], np.float32), "other": np.array([3, 4])})
    >>> s.shapes, s.differentiable()
    (((2,), (2,)), ['self'])
    """

    op: str
    id: str
    dtype: str
    arrays: dict[str, np.ndarray]
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The arrays' shapes, in the op's argument order.

        >>> make_samples("add", "float32")[1].shapes
        ((2, 3), (3,))
        """
        return tuple(a.shape for a in self.arrays.values())

    def differentiable(self) -> list[str]:
        """The names of the inputs a gradient is asked for (floating and declared so).

        >>> make_samples("mul", "float64")[0].differentiable()
        ['self', 'other']
        >>> make_samples("where", "float64")[0].differentiable()
        ['self', 'other']
        """
        op = registry.REGISTRY[self.op]
        return [n for n in op.args if n in op.differentiable
                and _dtypes.from_numpy_dtype(self.arrays[n].dtype).is_floating_point]

    def tensors(self, requires_grad: bool = True) -> dict[str, Tensor]:
        """Fresh tensors for the arrays; differentiable ones require grad when asked.

        >>> t = make_samples("where", "float64")[0].tensors()
        >>> [(name, x.dtype.name, x.requires_grad) for name, x in t.items()]
        [('condition', 'bool', False), ('self', 'float64', True), ('other', 'float64', True)]
        >>> [x.requires_grad for x in make_samples("where", "float64")[0].tensors(False).values()]
        [False, False, False]
        """
        grads = set(self.differentiable()) if requires_grad else set()
        return {n: Tensor._make(a.copy(), n in grads, None) for n, a in self.arrays.items()}


def _interval(domain: Domain) -> tuple[float, float]:
    low, high = domain.low, domain.high
    if math.isinf(low) and math.isinf(high):
        return -SPAN, SPAN
    if math.isinf(high):
        return low + MARGIN, max(low, 0.0) + SPAN
    if math.isinf(low):
        return min(high, 0.0) - SPAN, high - MARGIN
    margin = min(MARGIN, (high - low) / 10)
    return low + margin, high - margin


def _lattice(domain: Domain, avoid: list[float]) -> np.ndarray:
    lo, hi = _interval(domain)
    points = np.arange(math.ceil(lo / STEP), math.floor(hi / STEP) + 1) * STEP
    if domain.integer:
        whole = np.arange(math.ceil(lo), math.floor(hi) + 1, dtype=np.float64)
        return whole[whole != 0] if domain.nonzero else whole
    # Kinks of floor/round/abs/sign sit on integers and half-integers; 0 is a pole of many ops.
    half = np.abs(points * 2 - np.round(points * 2)) / 2
    keep = half >= MARGIN
    for a in avoid:
        keep &= np.abs(points - a) >= MARGIN
    return points[keep] if keep.any() else points


def _numbers(attrs: dict[str, Any]) -> list[float]:
    out: list[float] = []
    for v in attrs.values():
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float):
            out.append(float(v))
    return out


def sample_values(op: str, args: Sequence[str], shapes: Sequence[tuple[int, ...]],
                  attrs: dict[str, Any], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Float64 values for inputs ``args`` of ``op``, each inside its domain (``domain_of``),
    pairwise distinct across all of them.

    Args:
        op: The op's name.
        args: The names of the inputs to draw, in order.
        shapes: One shape per name in ``args``.
        attrs: The call's attributes (values stay away from the numeric ones).
        rng: The generator drawn from.

    >>> import numpy as np
    >>> v = sample_values("log", ("self",), ((4,),), {}, np.random.default_rng(0))
    >>> bool((v["self"] > 0.1).all())
    True
    """
    avoid = _numbers(attrs)
    out: dict[str, np.ndarray] = {}
    used: set[float] = set()
    for name, shape in zip(args, shapes, strict=True):
        domain = domain_of(op, name)
        points = _lattice(domain, avoid)
        size = math.prod(shape)
        fresh = points[[p not in used for p in points]]
        if domain.integer or len(fresh) < size:
            values = rng.choice(points, size=size, replace=True)
        else:
            values = rng.choice(fresh, size=size, replace=False)
        used.update(values.tolist())
        out[name] = values.reshape(shape)
    return out


def make_samples(name: str, dtype: str | _dtypes.dtype, seed: int = SEED) -> list[SampleInput]:
    """The op's samples (``oracle.samples``) as concrete inputs in ``dtype``, the same on every
    run.

    Args:
        name: The op's name in ``REGISTRY``.
        dtype: The dtype of the floating inputs, or its name.
        seed: Seeds each sample's generator, with the sample's index and the op's name.

    >>> [s.shapes for s in make_samples("add", "float64")]
    [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3))]
    """
    op = registry.REGISTRY[name]
    d = dtype if isinstance(dtype, _dtypes.dtype) else _dtypes._by_name(dtype)
    samples = []
    for i, sample in enumerate(samples_of(name)):
        rng = np.random.default_rng([seed, i, *name.encode()])
        made = {n: np.asarray(make(rng)) for n, make in sample.make.items()}
        drawn = [(n, s) for n, s in zip(op.args, sample.shapes, strict=True) if n not in made]
        values = sample_values(name, [n for n, _ in drawn], [s for _, s in drawn], sample.attrs,
                               rng)
        arrays = {n: made[n] if n in made else values[n].astype(d.np) for n in op.args}
        samples.append(SampleInput(name, f"sample{i}", d.name, arrays, dict(sample.attrs)))
    return samples


def op_call(name: str, sample: SampleInput, tensors: dict[str, Tensor] | None = None) -> Any:
    """Run ``REGISTRY[name]`` on a sample, looking the op up now (so a swapped entry is used).

    ``tensors`` replaces the sample's arrays by name (a check passes its own leaves).

    >>> import numpy as np, symgrad
    >>> s = SampleInput("mul", "s", "float64", {"self": np.array([1.0, 2.0]),
    ...                                         "other": np.array([3.0, 4.0])})
    >>> x = symgrad.tensor([5.0, 6.0], dtype=symgrad.float64, requires_grad=True)
    >>> out = op_call("mul", s, {"self": x})
    >>> out
    tensor([15., 24.], dtype=symgrad.float64, grad_fn=<MulBackward0>)
    >>> out.sum().backward(); x.grad
    tensor([3., 4.], dtype=symgrad.float64)
    """
    given = sample.tensors() if tensors is None else {**sample.tensors(False), **tensors}
    op = registry.REGISTRY[name]
    return registry.apply(op, *(given[n] for n in op.args), **sample.attrs)
