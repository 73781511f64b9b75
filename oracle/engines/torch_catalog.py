"""PyTorch's own operators for the sweep (``symgrad-check --engine torch``): what each is
called with, where finite differences may go, and the samples it is judged on.

Every op is judged in float16, bfloat16, float32 and float64: on seeded values in its domain,
then on the judge's catalog of where to look (``oracle.catalog``: signed zeros, saturation
tails, overflow thresholds, domain edges, subnormals, NaN and infinities), the samples of the
judge's op of the same meaning that take no attribute the call fixes. An op the catalog has
nothing for keeps its own points: where PyTorch's backward formulas lose the most.

>>> sorted(catalog())[:3]
['abs', 'acos', 'asin']
>>> case("sigmoid", "float64", 1).fn(*case("sigmoid", "float64", 1).inputs).dtype
torch.float64
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from oracle import catalog as where_to_look
from oracle.engines.base import Case, OpInfo
from oracle.engines.torch_engine import ADAPTER
from oracle.samples import DOMAINS

__all__ = ["catalog", "case", "op_info", "source", "SPECS"]

_DTYPES = ("float16", "bfloat16", "float32", "float64")


@dataclass(frozen=True)
class Spec:
    """One op: ``call`` (Python calling torch on the names in ``args``), the interval its
    seeded sample is drawn from, the points of its own second sample (for an op the catalog
    has nothing for), whether its gradient has a gradient PyTorch computes, and the judge's
    op whose catalog samples and domains it takes (``judge``: its own name by default)."""

    call: str
    args: tuple[str, ...] = ("self",)
    low: float = -3.0
    high: float = 3.0
    points: tuple[float, ...] = (0.5, -1.5, 2.0)
    double: bool = True
    judge: str = ""


SPECS: dict[str, Spec] = {
    "sigmoid": Spec("torch.sigmoid(self)", points=(38.0, -38.0, 20.0, 12.0, -0.25, 8.0)),
    "tanh": Spec("torch.tanh(self)", points=(20.0, -20.0, 9.0, 4.5, 0.125, -3.0)),
    "exp": Spec("torch.exp(self)", points=(10.0, -10.0, 0.0)),
    "expm1": Spec("torch.expm1(self)", points=(1e-5, -20.0, 3.0)),
    "log": Spec("torch.log(self)", low=0.1, high=5.0, points=(1.0, 1e-3, 1000.0)),
    "log1p": Spec("torch.log1p(self)", low=-0.5, high=3.0, points=(-0.99, 1e-6, 100.0)),
    "sqrt": Spec("torch.sqrt(self)", low=0.1, high=5.0, points=(1e-4, 2.0, 400.0)),
    "rsqrt": Spec("torch.rsqrt(self)", low=0.1, high=5.0, points=(1e-4, 2.0, 400.0)),
    "sin": Spec("torch.sin(self)", points=(3.140625, 100.0, 1e-3)),
    "cos": Spec("torch.cos(self)", points=(1.5703125, 100.0, 1e-3)),
    "tan": Spec("torch.tan(self)", low=-1.2, high=1.2, points=(1.5, -1.25, 0.25)),
    "asin": Spec("torch.asin(self)", low=-0.9, high=0.9, points=(0.99, -0.5, 0.0625)),
    "acos": Spec("torch.acos(self)", low=-0.9, high=0.9, points=(0.99, -0.5, 0.0625)),
    "atan": Spec("torch.atan(self)", points=(100.0, -0.5, 1e4)),
    "sinh": Spec("torch.sinh(self)", points=(10.0, -0.5, 1e-3)),
    "cosh": Spec("torch.cosh(self)", points=(10.0, -0.5, 1e-3)),
    "asinh": Spec("torch.asinh(self)", points=(100.0, -0.5, 1e-3)),
    "atanh": Spec("torch.atanh(self)", low=-0.9, high=0.9, points=(0.99, -0.5, 1e-3)),
    "erf": Spec("torch.erf(self)", points=(3.0, -0.5, 5.0)),
    "erfc": Spec("torch.erfc(self)", points=(3.0, -0.5, 5.0)),
    "abs": Spec("torch.abs(self)", double=False),
    "relu": Spec("torch.relu(self)", double=False),
    "silu": Spec("torch.nn.functional.silu(self)", points=(20.0, -20.0, 0.5)),
    "gelu": Spec("torch.nn.functional.gelu(self)", points=(5.0, -5.0, 0.5)),
    "gelu_tanh": Spec("torch.nn.functional.gelu(self, approximate='tanh')",
                      points=(5.0, -5.0, 0.5), judge="gelu"),
    "softplus": Spec("torch.nn.functional.softplus(self)", points=(15.0, -15.0, 0.5)),
    "mul": Spec("self * other", args=("self", "other")),
    "div": Spec("self / other", args=("self", "other"), low=0.5, high=3.0),
    "pow": Spec("torch.pow(self, 3)", points=(1e3, -0.5, 1e-3)),
    "pow_tensor": Spec("torch.pow(self, other)", args=("self", "other"), low=0.5, high=2.0,
                       points=(0.5, 1.5, 2.0)),
    "sum": Spec("self.sum(dim=-1)"),
    "mean": Spec("self.mean(dim=-1)"),
    "softmax": Spec("torch.softmax(self, dim=-1)"),
    "log_softmax": Spec("torch.log_softmax(self, dim=-1)"),
    "logsumexp": Spec("torch.logsumexp(self, dim=-1)"),
    "layer_norm": Spec("torch.nn.functional.layer_norm(self, self.shape[-1:])"),
    "mm": Spec("self @ other.T", args=("self", "other")),
    "norm": Spec("torch.linalg.vector_norm(self, dim=-1)"),
    # helper nnm: native_group_norm, through the adapter's rule
    "group_norm": Spec("torch.nn.functional.group_norm(self, 1)"),
}


def _where_to_look(name: str) -> list[int]:
    """Which of the catalog's samples of ``name``'s judge op fit its call: the same inputs,
    no attributes (the call fixes its own)."""
    spec = SPECS[name]
    return [i for i, at in enumerate(where_to_look.cases(spec.judge or name))
            if set(at.values) == set(spec.args) and not at.attrs]


def catalog() -> dict[str, tuple[tuple[str, ...], int, bool]]:
    """Per op: its dtypes, its number of samples and whether its double backward is checked.

    >>> catalog()["relu"]
    (('float16', 'bfloat16', 'float32', 'float64'), 3, False)
    """
    return {name: (_DTYPES, 1 + (len(_where_to_look(name)) or 1), spec.double)
            for name, spec in SPECS.items()}


def op_info(name: str) -> OpInfo:
    """The sweep's declaration of op ``name``: its inputs, and the domains the judge's op of
    the same meaning gives them (``oracle.samples``), which finite differences keep to.

    >>> op_info("log").domains
    {'self': Domain(low=0.0, high=inf, nonzero=False, integer=False)}
    """
    spec = SPECS[name]
    domains = DOMAINS.get(spec.judge or name, {})
    return OpInfo(name, spec.args, {a: domains[a] for a in spec.args if a in domains})


def source(name: str, attrs: dict[str, Any]) -> str:
    """Python defining ``fn`` that calls op ``name`` (torch only).

    >>> source("mul", {})
    'fn = lambda self, other: self * other\\n'
    """
    spec = SPECS[name]
    return f"fn = lambda {', '.join(spec.args)}: {spec.call}\n"


def _values(name: str, dtype: str, sample: int) -> list[np.ndarray]:
    spec = SPECS[name]
    if sample == 0:
        return [np.random.default_rng(7 + k).uniform(spec.low, spec.high, (2, 3))
                for k in range(len(spec.args))]
    fits = _where_to_look(name)
    if fits:
        arrays, _ = where_to_look.arrays(spec.judge or name, fits[sample - 1], dtype)
        return [np.asarray(arrays[a], dtype=np.float64) for a in spec.args]
    if sample != 1:
        raise IndexError(f"{name} has 2 samples")
    pts = np.array(spec.points, dtype=np.float64)
    if dtype in ("float16", "bfloat16"):
        pts = np.clip(pts, -60000.0, 60000.0)
    return [np.resize(pts, (2, 3)) if k == 0 else np.resize(pts[::-1], (2, 3)) * 0.5 + 1.0
            for k in range(len(spec.args))]


def case(op: str, dtype: str, sample: int) -> Case:
    """Sample ``sample`` of ``op`` in ``dtype``, ready for ``crosscheck``.

    >>> c = case("mul", "float32", 0)
    >>> c.names, c.inputs[0].dtype, c.inputs[0].requires_grad
    (['self', 'other'], torch.float32, True)
    """
    spec = SPECS[op]
    inputs = [ADAPTER.tensor(a, dtype, requires_grad=True) for a in _values(op, dtype, sample)]
    scope: dict[str, Any] = {"torch": torch}
    exec(source(op, {}), scope)  # noqa: S102 - the catalog's own source, as the reproducer runs it
    fn = scope["fn"]

    def reproducer(order: int) -> str:
        # The weights the verdict's check draws (TorchEngine.record's), so that the script
        # prints the gradients the verdict judged, as crosscheck's reproducer does.
        try:
            outs = [o for o in (fn(*inputs),) if isinstance(o, torch.Tensor)]
            gos, vs = ADAPTER.weights(outs, inputs, order)
        except Exception:  # noqa: BLE001 - the script then shows the call that raises
            gos, vs = [], None
        return ADAPTER.reproducer(inputs, list(spec.args), [True] * len(inputs), "fn",
                                  source(op, {}), [np.asarray(g, np.float64) for g in gos],
                                  order, None if vs is None else
                                  [np.asarray(a, np.float64) for a in vs])

    described = [{"name": n, "shape": list(t.shape), "dtype": dtype,
                  "values": np.array2string(t.detach().double().numpy(), precision=6)}
                 for n, t in zip(spec.args, inputs, strict=True)]
    return Case(fn, inputs, list(spec.args), {}, reproducer, described)
