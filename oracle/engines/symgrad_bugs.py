"""Real gradient bugs, re-enacted in symgrad's VJPs: mutation testing of record.

Part of the symgrad adapter (it imports symgrad). Each ``Bug`` imitates a bug that shipped in a
real engine (PyTorch, JAX, TensorFlow, HIPS autograd, tinygrad, tt-metal, ...), named by the
issue or pull request where it was reported or fixed. The bug replaces one registry op's VJP
while it is installed (``install``); ``oracle.mutants.run_bugs`` runs the default sweep on the
op with it installed and counts which judges notice.

A bug's VJP keeps the original's parameters (the saved tensors it is given are the op's), and
may ask for ``<input>_shape`` too. Each carries a ``Witness``: an input where it changes the
gradient (to the order named), so a test can show it is not an equivalent mutant.

>>> [b.name for b in BUGS if b.op == "sigmoid"][:2]
['sigmoid-exp-overflow', 'sigmoid-out-one-minus-out']
>>> sorted({b.category for b in BUGS}) == sorted(CATEGORIES)
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import symgrad
from oracle.engines.base import BugCase
from oracle.real_bugs import CATEGORIES
from symgrad.autograd.graph import _vjp_info
from symgrad.ops.indexing import index_put
from symgrad.ops.reductions import expand_reduced
from symgrad.ops.registry import REGISTRY, apply
from symgrad.tensor import Tensor

__all__ = ["BUGS", "Bug", "Witness", "cases", "install", "witness_grads", "witness_ulps"]


Factory = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class Witness:
    """Where a bug shows: the op's inputs (float lists or index arrays, by argument name) in
    ``dtype``, its attributes, and the derivative order at which the gradient changes."""

    dtype: str
    inputs: dict[str, Any]
    attrs: dict[str, Any] = field(default_factory=dict)
    order: int = 1


@dataclass(frozen=True)
class Bug:
    """A real bug re-enacted: ``vjp(original)`` is the op's VJP with the bug in it."""

    name: str
    category: str
    op: str
    issue: str
    what: str
    vjp: Factory
    witness: Witness


BUGS: list[Bug] = []


def _bug(name: str, category: str, op: str, issue: str, what: str, witness: Witness
         ) -> Callable[[Factory], Factory]:
    assert category in CATEGORIES, category

    def register(factory: Factory) -> Factory:
        BUGS.append(Bug(name, category, op, issue, what, factory, witness))
        return factory

    return register


# -- small helpers the buggy VJPs are written with -------------------------------------------------
def _const(a: Any, like: Tensor) -> Tensor:
    """A constant (no graph) of ``a`` in ``like``'s dtype."""
    return symgrad.tensor(np.asarray(a, dtype=np.float64), dtype=like.dtype)


def _values(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach().numpy(), dtype=np.float64)


def _f64(t: Tensor) -> Tensor:
    return t.to(symgrad.float64)


def _w(dtype: str, order: int = 1, **inputs: Any) -> Witness:
    return Witness(dtype, inputs, {}, order)


def _wa(dtype: str, attrs: dict[str, Any], order: int = 1, **inputs: Any) -> Witness:
    return Witness(dtype, inputs, attrs, order)


LN2, LN10 = math.log(2.0), math.log(10.0)


# -- edge values: zeros, domain edges, overflow thresholds -----------------------------------------
@_bug("sqrt-zero-guarded", "edge values", "sqrt", "https://github.com/rsokl/MyGrad/pull/379",
      "sqrt's gradient forced to 0 where the result is 0 (the exact one is +inf)",
      _w("float64", self=[0.0, 4.0]))
def _sqrt_zero(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, out: symgrad.where(out == 0, 0.0, g / (2 * out))


@_bug("pow-zero-base-nan", "edge values", "pow", "https://github.com/tinygrad/tinygrad/pull/9075",
      "pow's gradient as exponent * x**e / x: 0/0 = NaN at base 0",
      _wa("float64", {"exponent": 2}, self=[0.0, 1.5]))
def _pow_zero(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, *, exponent: g * exponent * self ** exponent / self


@_bug("exp2-out-times-ln2", "edge values", "exp2", "https://github.com/pytorch/pytorch/issues/193040",
      "exp2's gradient as exp2(x) * ln2: exp2(1024) overflows where the gradient, 1.246e308, "
      "is finite", _w("float64", self=[1024.0, 1.0]))
def _exp2_out(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g * symgrad.exp2(_f64(self)) * LN2


@_bug("cosh-sinh-by-exp", "edge values", "cosh", "https://github.com/tinygrad/tinygrad/pull/3294",
      "cosh's gradient sinh(x) written (exp(x) - exp(-x)) / 2: exp overflows before sinh does",
      _w("float64", self=[710.0, 1.0]))
def _cosh_exp(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g * (symgrad.exp(self) - symgrad.exp(-self)) * 0.5


@_bug("acos-one-minus-square", "edge values", "acos",
      "https://github.com/MikeMcl/decimal.js/issues/249",
      "acos's gradient -1/sqrt(1 - x*x): 1 - x*x cancels near +-1 (400 float32 ULP at 0.9997)",
      _w("float32", self=[0.9997, 0.5]))
def _acos_cancel(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: -g / symgrad.sqrt(1 - self * self)


@_bug("norm-zero-nan", "edge values", "norm", "https://github.com/pytorch/pytorch/issues/2421",
      "the 2-norm's gradient x / norm(x): 0/0 = NaN at the zero vector (PyTorch gives 0)",
      _wa("float64", {"p": 2.0, "dim": None, "keepdim": False}, self=[0.0, 0.0, 0.0]))
def _norm_zero(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, out: Tensor, *, p: float, dim: Any, keepdim: bool,
            self_shape: tuple[int, ...]) -> Tensor | None:
        if p != 2:
            return orig(g, self, out, p=p, dim=dim, keepdim=keepdim, self_shape=self_shape)
        return expand_reduced(g / out, self_shape, dim, keepdim) * self

    return vjp


@_bug("sigmoid-exp-overflow", "edge values", "sigmoid",
      "https://github.com/huggingface/candle/pull/1722",
      "sigmoid's gradient exp(-x) / (1 + exp(-x))**2: inf/inf = NaN once exp(-x) overflows",
      _w("float64", self=[-800.0, 0.5]))
def _sigmoid_exp(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, out: Tensor) -> Tensor:
        e = symgrad.exp(-self)
        return g * e / ((1 + e) * (1 + e))

    return vjp


@_bug("sinh-cosh-by-exp", "edge values", "sinh", "https://github.com/tinygrad/tinygrad/pull/3294",
      "sinh's gradient cosh(x) written (exp(x) + exp(-x)) / 2: exp overflows before cosh does",
      _w("float64", self=[-710.0, 1.0]))
def _sinh_exp(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g * (symgrad.exp(self) + symgrad.exp(-self)) * 0.5


# -- ties and kinks: conventions where the function is not differentiable -------------------------
def _hits(self: Tensor, out: Tensor, dim: Any = None, keepdim: bool = True) -> np.ndarray:
    x, m = _values(self), _values(out)
    if dim is not None and not keepdim:
        m = np.expand_dims(m, tuple(d % x.ndim for d in dim))
    return (x == m).astype(np.float64)


@_bug("max-ties-all-get-g", "ties and kinks", "max_all",
      "https://github.com/microsoft/onnxruntime/pull/7217",
      "max's whole gradient to every tied element (PyTorch splits it evenly)",
      _w("float64", self=[2.0, 2.0, 1.0]))
def _max_all_ties(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, out: g * _const(_hits(self, out), self)


@_bug("max-ties-first-only", "ties and kinks", "max_all",
      "https://github.com/pytorch/pytorch/pull/43519",
      "max's gradient to the first tied element only (PyTorch before 1.7)",
      _w("float64", self=[2.0, 2.0, 1.0]))
def _max_all_first(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, out: Tensor) -> Tensor:
        hit = _hits(self, out).ravel()
        first = np.zeros_like(hit)
        first[int(np.argmax(hit))] = 1.0
        return g * _const(first.reshape(tuple(self.shape)), self)

    return vjp


@_bug("min-ties-all-get-g", "ties and kinks", "min_all",
      "https://github.com/tinygrad/tinygrad/pull/229",
      "min's whole gradient to every tied element", _w("float64", self=[-1.0, 3.0, -1.0]))
def _min_all_ties(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, out: g * _const(_hits(self, out), self)


@_bug("amax-ties-all-get-g", "ties and kinks", "amax",
      "https://github.com/tensorflow/tensorflow/pull/109337",
      "amax's whole gradient to every tied element of its slice",
      _wa("float64", {"dim": (1,), "keepdim": False}, self=[[1.0, 1.0], [0.0, 2.0]]))
def _amax_ties(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, out: Tensor, *, dim: Any, keepdim: bool,
            self_shape: tuple[int, ...]) -> Tensor:
        hit = _hits(self, out, dim, keepdim)
        return expand_reduced(g, self_shape, dim, keepdim) * _const(hit, self)

    return vjp


@_bug("maximum-tie-both-get-g", "ties and kinks", "maximum",
      "https://github.com/pytorch/pytorch/issues/56734",
      "maximum(x, y) at x == y gives g to both inputs (PyTorch gives each g/2)",
      _w("float64", self=[1.0, 2.0], other=[1.0, 0.0]))
def _maximum_tie(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, other: (symgrad.where(self >= other, g, 0.0),
                                   symgrad.where(other >= self, g, 0.0))


@_bug("relu-at-zero-passes", "ties and kinks", "relu",
      "https://github.com/tensorflow/playground/issues/19",
      "relu's gradient 1 at 0 (x < 0 ? 0 : 1; PyTorch gives 0)", _w("float64", self=[0.0, 1.0]))
def _relu_zero(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, out: symgrad.where(out < 0, 0.0, g)


@_bug("abs-at-zero-one", "ties and kinks", "abs", "https://github.com/rsokl/MyGrad/pull/379",
      "abs's gradient +1 at 0 (x >= 0 ? 1 : -1; PyTorch gives sign(0) = 0)",
      _w("float64", self=[0.0, -1.0]))
def _abs_zero(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: symgrad.where(self >= 0, g, -g)


@_bug("clamp-bound-kills-gradient", "ties and kinks", "clamp",
      "https://github.com/pytorch/pytorch/issues/7002",
      "clamp's gradient 0 at a bound hit exactly (PyTorch passes it: subgradient 1)",
      _wa("float64", {"min": 0.0, "max": 1.0}, self=[0.0, 0.5, 1.0]))
def _clamp_bound(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, min: Any, max: Any) -> Tensor:
        inside = np.ones(tuple(self.shape), dtype=bool)
        x = _values(self)
        if min is not None:
            inside &= x > min
        if max is not None:
            inside &= x < max
        return symgrad.where(symgrad.tensor(inside), g, 0.0)

    return vjp


@_bug("leaky-relu-at-zero-passes", "ties and kinks", "leaky_relu",
      "https://github.com/uptake/numpynet/pull/35",
      "leaky_relu's gradient 1 at 0 (x >= 0; PyTorch gives negative_slope)",
      _wa("float64", {"negative_slope": 0.2}, self=[0.0, -1.0]))
def _leaky_zero(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, *, negative_slope: symgrad.where(self >= 0, g, g * negative_slope)


# -- attributes: values people pass, and the edges of attributes ----------------------------------
@_bug("nll-ignore-index-not-honoured", "attributes", "nll_loss",
      "https://github.com/pytorch/xla/pull/896",
      "nll_loss's backward ignores ignore_index: an ignored row's gradient lands on class 0",
      _wa("float64", {"reduction": "sum", "ignore_index": 1},
          self=[[0.1, 0.2], [0.3, 0.4]], target=np.array([1, 0])))
def _nll_ignore(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str, ignore_index: int,
            self_shape: tuple[int, ...]) -> Any:
        t = np.asarray(target.numpy())
        kept = symgrad.tensor(np.where(t == ignore_index, 0, t), dtype=target.dtype)
        unused = int(min(t.min(), 0)) - 1 - abs(int(ignore_index))
        return orig(g, self, kept, reduction=reduction, ignore_index=unused,
                    self_shape=self_shape)

    return vjp


@_bug("nll-mean-counts-ignored-rows", "attributes", "nll_loss",
      "https://github.com/pytorch/xla/pull/896",
      "nll_loss(reduction='mean') divides the gradient by every row, ignored ones included",
      _wa("float64", {"reduction": "mean", "ignore_index": 1},
          self=[[0.1, 0.2], [0.3, 0.4]], target=np.array([1, 0])))
def _nll_mean(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str, ignore_index: int,
            self_shape: tuple[int, ...]) -> Any:
        grad, rest = orig(g, self, target, reduction=reduction, ignore_index=ignore_index,
                          self_shape=self_shape)
        if reduction != "mean":
            return grad, rest
        t = np.asarray(target.numpy())
        return grad * (float(np.sum(t != ignore_index)) / t.size), rest

    return vjp


@_bug("softplus-threshold-on-output", "attributes", "softplus",
      "https://github.com/pytorch/pytorch/issues/55587",
      "softplus's backward tests out * beta > threshold, its forward x * beta > threshold",
      _wa("float64", {"beta": 3.0, "threshold": 1.0}, self=[0.2736, -2.0]))
def _softplus_out(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, beta: float, threshold: float) -> Tensor:
        z = _values(self) * beta
        out_beta = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
        return symgrad.where(symgrad.tensor(out_beta > threshold), g,
                             g * symgrad.sigmoid(self * beta))

    return vjp


@_bug("softplus-beta-dropped", "attributes", "softplus",
      "https://github.com/tenstorrent/tt-metal/issues/6493",
      "softplus's backward without beta: sigmoid(x), not sigmoid(beta * x)",
      _wa("float64", {"beta": 2.0, "threshold": 20.0}, self=[0.5, -1.0]))
def _softplus_beta(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, *, beta, threshold: symgrad.where(
        self * beta > threshold, g, g * symgrad.sigmoid(self))


@_bug("smooth-l1-beta-zero-nan", "attributes", "smooth_l1_loss",
      "https://github.com/pytorch/pytorch/issues/96813",
      "smooth_l1_loss(beta=0) blends its branches by a mask: (d / 0) * 0 = NaN at d == 0",
      _wa("float64", {"reduction": "sum", "beta": 0.0}, self=[0.5, 1.0], target=[0.5, 0.0]))
def _smooth_l1_nan(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, target: Tensor, *, reduction: str, beta: float) -> Any:
        d = self - target
        small = _const(np.abs(_values(d)) < beta, d)
        slope = small * (d / beta) + (1 - small) * symgrad.sign(d)
        scale = g / self.numel() if reduction == "mean" else g
        grad = slope * scale
        return grad, -grad

    return vjp


@_bug("smooth-l1-beta-default", "attributes", "smooth_l1_loss",
      "https://github.com/pytorch/pytorch/pull/45532",
      "smooth_l1_loss's backward uses the default beta = 1 whatever beta was passed",
      _wa("float64", {"reduction": "sum", "beta": 0.25}, self=[0.5, 0.1], target=[0.0, 0.0]))
def _smooth_l1_default(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, target, *, reduction, beta: orig(g, self, target, reduction=reduction,
                                                            beta=1.0)


@_bug("pow-exponent-zero-nan", "attributes", "pow",
      "https://github.com/tenstorrent/tt-metal/issues/5082",
      "pow's gradient e * x**(e - 1) with no case for e == 0: 0 * inf = NaN at x = 0",
      _wa("float64", {"exponent": 0}, self=[0.0, 2.0]))
def _pow_exp_zero(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, *, exponent: g * exponent * self ** (exponent - 1)


@_bug("gelu-approximate-ignored", "attributes", "gelu",
      "https://github.com/harvard-edge/cs249r_book/pull/1399",
      "gelu's backward is the exact (erf) form's whatever approximate says",
      _wa("float64", {"approximate": "tanh"}, self=[1.0, -0.5]))
def _gelu_approx(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, *, approximate: orig(g, self, approximate="none")


@_bug("layer-norm-eps-default", "attributes", "layer_norm",
      "https://github.com/THUDM/SwissArmyTransformer/pull/40",
      "layer_norm's backward uses eps = 1e-5 whatever eps the forward was given",
      _wa("float64", {"normalized_ndim": 1, "eps": 0.25}, self=[0.5, -1.0, 2.0],
          weight=[1.0, 1.0, 1.0], bias=[0.0, 0.0, 0.0]))
def _layer_norm_eps(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, weight, *, normalized_ndim, eps: orig(
        g, self, weight, normalized_ndim=normalized_ndim, eps=1e-5)


# -- indexing: duplicates, masks, reversed order ---------------------------------------------------
@_bug("index-duplicates-overwrite", "indexing", "index",
      "https://github.com/pytorch/pytorch/issues/1528",
      "x[idx]'s backward writes the gradient (last one wins) instead of accumulating it",
      _wa("float64", {"indices": (np.array([0, 0]),)}, self=[1.0, 2.0]))
def _index_dup(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, indices, self_shape: index_put(
        _const(np.zeros(self_shape), g), g, indices, accumulate=False)


@_bug("gather-duplicates-overwrite", "indexing", "gather",
      "https://github.com/pytorch/pytorch/issues/1631",
      "gather's backward scatters (last one wins) instead of scatter-adding",
      _wa("float64", {"dim": 0, "index": np.array([0, 0])}, self=[1.0, 2.0]))
def _gather_dup(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, dim: int, index: Any, self_shape: tuple[int, ...]
            ) -> Tensor:
        out = np.zeros(self_shape)
        np.put_along_axis(out, np.asarray(index), _values(g), axis=dim)
        return _const(out, g)

    return vjp


@_bug("index-select-duplicates-overwrite", "indexing", "index_select",
      "https://github.com/pytorch/pytorch/issues/57006",
      "index_select's backward writes duplicated rows once instead of summing them",
      _wa("float64", {"dim": 0, "index": np.array([1, 1])}, self=[1.0, 2.0]))
def _index_select_dup(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, dim, index, self_shape: index_put(
        _const(np.zeros(self_shape), g), g, (None,) * dim + (index,), accumulate=False)


@_bug("embedding-duplicates-overwrite", "indexing", "embedding",
      "https://github.com/ooples/AiDotNet.Tensors/pull/894",
      "embedding's backward keeps one lookup of a repeated token instead of summing them",
      _wa("float64", {"indices": np.array([1, 1])}, weight=[[1.0, 2.0], [3.0, 4.0]]))
def _embedding_dup(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, *, indices: np.ndarray, weight_shape: tuple[int, ...]) -> Tensor:
        rows = g.reshape(-1, weight_shape[-1])
        zeros = _const(np.zeros(weight_shape), g)
        return index_put(zeros, rows, (np.asarray(indices).reshape(-1),), accumulate=False)

    return vjp


@_bug("masked-fill-gradient-leaks", "indexing", "masked_fill",
      "https://github.com/pytorch/pytorch/issues/66360",
      "masked_fill's backward passes g to the filled positions too",
      _wa("float64", {"mask": np.array([True, False]), "value": 0.0}, self=[1.0, 2.0]))
def _masked_fill_leak(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, mask, value: g * 1.0


@_bug("flip-backward-not-flipped", "indexing", "flip",
      "https://github.com/Oneflow-Inc/oneflow/issues/8194",
      "flip's backward returns g in forward order (the order of the gradient not reversed)",
      _wa("float64", {"dims": (0,)}, self=[1.0, 2.0]))
def _flip_same(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, dims: g * 1.0


@_bug("cumsum-backward-not-reversed", "indexing", "cumsum",
      "https://github.com/pytorch/pytorch/pull/1122",
      "cumsum's backward is a forward cumsum of g, not the reversed one",
      _wa("float64", {"dim": 0}, self=[1.0, 2.0, 3.0]))
def _cumsum_forward(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, dim: g if g.ndim == 0 else symgrad.cumsum(g, dim)


@_bug("index-select-backward-gathers", "indexing", "index_select",
      "https://github.com/pytorch/pytorch/issues/146299",
      "index_select's backward gathers g back by the index instead of scattering it",
      _wa("float64", {"dim": 0, "index": np.array([1, 2, 0])}, self=[1.0, 2.0, 3.0]))
def _index_select_gather(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, *, dim: int, index: Any, self_shape: tuple[int, ...]) -> Tensor:
        if tuple(g.shape) != tuple(self_shape):
            return orig(g, dim=dim, index=index, self_shape=self_shape)
        return symgrad.index_select(g, dim, symgrad.tensor(np.asarray(index)))

    return vjp


# -- shapes: reductions over the wrong dims, counts from the wrong shape ---------------------------
def _count(shape: tuple[int, ...], dim: Any) -> int:
    dims = range(len(shape)) if dim is None else (dim,) if isinstance(dim, int) else dim
    return int(np.prod([shape[d] for d in dims])) if shape else 1


@_bug("mean-dim-divides-by-numel", "shapes", "mean",
      "https://github.com/facebookresearch/shumai/issues/74",
      "mean over some dims divides the gradient by the whole tensor's size",
      _wa("float64", {"dim": (0,), "keepdim": False}, self=[[1.0, 2.0], [3.0, 4.0]]))
def _mean_numel(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, dim, keepdim, self_shape: expand_reduced(
        g / _count(self_shape, None), self_shape, dim, keepdim)


@_bug("mean-multi-dim-first-count", "shapes", "mean",
      "https://github.com/harvard-edge/cs249r_book/pull/1867",
      "mean over several dims divides by the size of the first of them only",
      _wa("float64", {"dim": (0, 1), "keepdim": False}, self=[[1.0, 2.0], [3.0, 4.0]]))
def _mean_first(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, dim, keepdim, self_shape: expand_reduced(
        g / _count(self_shape, dim[:1] if isinstance(dim, tuple) else dim), self_shape, dim,
        keepdim)


@_bug("softmax-sum-last-dim", "shapes", "softmax", "https://github.com/apache/tvm/pull/2465",
      "softmax's backward sums g * out over the last dim whatever dim was passed",
      _wa("float64", {"dim": 0}, self=[[1.0, 2.0], [0.5, -1.0]]))
def _softmax_dim(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, out, *, dim: out * (g - (g * out).sum(dim=-1, keepdim=True))


@_bug("log-softmax-sum-last-dim", "shapes", "log_softmax",
      "https://github.com/apache/tvm/pull/2465",
      "log_softmax's backward sums g over the last dim whatever dim was passed",
      _wa("float64", {"dim": 0}, self=[[1.0, 2.0], [0.5, -1.0]]))
def _log_softmax_dim(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, out, *, dim: g - symgrad.exp(out) * g.sum(dim=-1, keepdim=True)


@_bug("permute-backward-same-dims", "shapes", "permute",
      "https://github.com/improbable-research/keanu/pull/451",
      "permute's backward applies the permutation again instead of its inverse",
      _wa("float64", {"dims": (1, 2, 0)}, self=np.arange(8.0).reshape(2, 2, 2).tolist()))
def _permute_same(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, dims: symgrad.permute(g, dims)


@_bug("var-dims-count-numel", "shapes", "var", "https://github.com/facebookresearch/shumai/pull/79",
      "var over some dims takes the count (minus correction) from the whole tensor",
      _wa("float64", {"dim": (1,), "correction": 1, "keepdim": False},
          self=[[1.0, 2.0], [3.0, 5.0]]))
def _var_numel(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, dim: Any, correction: float, keepdim: bool,
            self_shape: tuple[int, ...]) -> Tensor:
        right = max(_count(self_shape, dim) - correction, 0)
        wrong = max(_count(self_shape, None) - correction, 0)
        grad = orig(g, self, dim=dim, correction=correction, keepdim=keepdim,
                    self_shape=self_shape)
        return grad * (right / wrong) if wrong and right else grad

    return vjp


@_bug("layer-norm-backward-2d", "shapes", "layer_norm",
      "https://github.com/flagos-ai/FlagGems/issues/5392",
      "layer_norm's backward normalizes over every dim but the first (assumes a 2-d input)",
      _wa("float64", {"normalized_ndim": 1, "eps": 1e-5},
          self=[[[0.5, -1.0], [2.0, 0.0]], [[1.0, 3.0], [-2.0, 0.5]]],
          weight=[1.0, 2.0], bias=[0.0, 0.0]))
def _layer_norm_2d(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, weight: Tensor, *, normalized_ndim: int, eps: float
            ) -> Any:
        if self.ndim <= normalized_ndim + 1:
            return orig(g, self, weight, normalized_ndim=normalized_ndim, eps=eps)
        dims = tuple(range(1, self.ndim))
        centred = self - self.mean(dim=dims, keepdim=True)
        rstd = ((centred * centred).mean(dim=dims, keepdim=True) + eps).rsqrt()
        normed = centred * rstd
        d_normed = g * weight
        d_self = rstd * (d_normed - d_normed.mean(dim=dims, keepdim=True)
                         - normed * (d_normed * normed).mean(dim=dims, keepdim=True))
        _, d_weight, d_bias = orig(g, self, weight, normalized_ndim=normalized_ndim, eps=eps)
        return d_self, d_weight, d_bias

    return vjp


@_bug("cumsum-backward-dim-0", "shapes", "cumsum",
      "https://github.com/harvard-edge/cs249r_book/pull/1867",
      "cumsum's backward reverse-accumulates along dim 0 whatever dim was passed",
      _wa("float64", {"dim": 1}, self=[[1.0, 2.0], [3.0, 4.0]]))
def _cumsum_dim0(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, *, dim: orig(g, dim=0)


# -- precision: formulas that cancel or lose the tail ----------------------------------------------
@_bug("sigmoid-out-one-minus-out", "precision", "sigmoid",
      "https://github.com/tenstorrent/tt-metal/issues/55724",
      "sigmoid's gradient out * (1 - out): 1 - out cancels to 0 in the tail (x = 38 in float64)",
      _w("float64", self=[38.0, 0.5]))
def _sigmoid_cancel(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, out: g * out * (1 - out)


@_bug("tanh-one-minus-out-squared", "precision", "tanh",
      "https://github.com/tensorflow/tensorflow/pull/126747",
      "tanh's gradient 1 - tanh(x)**2: 0 once tanh rounds to +-1 (|x| >= 19 in float64)",
      _w("float64", self=[20.0, 0.5]))
def _tanh_cancel(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor) -> Tensor:
        t = symgrad.tanh(self)
        return g * (1 - t * t)

    return vjp


@_bug("expm1-out-plus-one", "precision", "expm1", "https://github.com/pytorch/pytorch/issues/192406",
      "expm1's gradient expm1(x) + 1: 0 at x = -40 in float64 where exp(-40) = 4.2e-18",
      _w("float64", self=[-40.0, 0.5]))
def _expm1_cancel(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g * (symgrad.expm1(self) + 1)


@_bug("gelu-tanh-one-minus-t-squared", "precision", "gelu",
      "https://github.com/karpathy/llm.c/pull/307",
      "gelu(tanh)'s gradient with 0.5 (1 + t) and 1 - t*t, which cancel where t is near +-1",
      _wa("float64", {"approximate": "tanh"}, order=2, self=[4.96, -3.5]))
def _gelu_cancel(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, approximate: str) -> Tensor:
        if approximate != "tanh":
            return orig(g, self, approximate=approximate)
        c = math.sqrt(2 / math.pi)
        u = c * (self + 0.044715 * self ** 3)
        t = symgrad.tanh(u)
        du = c * (1 + 3 * 0.044715 * self * self)
        return g * (0.5 * (1 + t) + 0.5 * self * (1 - t * t) * du)

    return vjp


@_bug("atanh-one-minus-square", "precision", "atanh",
      "https://github.com/MikeMcl/decimal.js/pull/260",
      "atanh's gradient 1 / (1 - x*x) in the input's dtype: 1 - x*x cancels near +-1",
      _w("float32", self=[0.9997, 0.5]))
def _atanh_cancel(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g / (1 - self * self)


@_bug("softplus-from-output", "precision", "softplus",
      "https://github.com/pytorch/pytorch/issues/55587",
      "softplus's gradient (z - 1) / z with z = exp(out * beta): z - 1 cancels for negative x",
      _wa("float64", {"beta": 1.0, "threshold": 20.0}, self=[-30.0, 0.5]))
def _softplus_cancel(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, beta: float, threshold: float) -> Tensor:
        z = self * beta
        out_beta = symgrad.where(z > 0, z, 0.0) + symgrad.log1p(symgrad.exp(-symgrad.abs(z)))
        e = symgrad.exp(out_beta)
        return symgrad.where(z > threshold, g, g * (e - 1) / e)

    return vjp


@_bug("log1p-from-output", "precision", "log1p", "https://github.com/jax-ml/jax/pull/17067",
      "log1p's gradient exp(-log1p(x)): the output's rounding, magnified by exp, for large x",
      _w("float64", self=[1e300, 0.5]))
def _log1p_out(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g * symgrad.exp(-symgrad.log1p(self))


# -- dtype: narrow dtypes computed in themselves --------------------------------------------------
@_bug("exp2-in-half", "dtype", "exp2", "https://github.com/pytorch/pytorch/issues/193040",
      "exp2's gradient exp2(x) * ln2 in the input's dtype: exp2(16) overflows float16 where the "
      "gradient, 45426, does not", _w("float16", self=[16.0, 1.0]))
def _exp2_half(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g * symgrad.exp2(self) * LN2


@_bug("silu-in-half", "dtype", "silu", "https://github.com/tracel-ai/burn/pull/1140",
      "silu's gradient formed in float16/bfloat16 (several roundings, a subnormal sigmoid)",
      _w("bfloat16", self=[-20.0, 3.0, -5.5]))
def _silu_half(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor) -> Tensor:
        s = symgrad.sigmoid(self)
        return g * s * (1 + self * (1 - s))

    return vjp


@_bug("gelu-tanh-in-half", "dtype", "gelu", "https://github.com/ROCm/AMDMIGraphX/pull/2589",
      "gelu(tanh)'s gradient formed in float16 (x**3, the sigmoids and the slope each rounded, "
      "x**3 overflowing past |x| = 40)", _wa("float16", {"approximate": "tanh"},
                                                self=[-3.0, 1.7, -2.2]))
def _gelu_cube(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, approximate: str) -> Tensor:
        if approximate != "tanh":
            return orig(g, self, approximate=approximate)
        c = math.sqrt(2 / math.pi)
        two_u = 2 * c * (self + 0.044715 * self ** 3)
        slope = 2 * c * (1 + 3 * 0.044715 * self * self)
        return g * (symgrad.sigmoid(two_u) * (1 + self * symgrad.sigmoid(-two_u) * slope))

    return vjp


@_bug("div-square-in-half", "dtype", "div", "https://github.com/tenstorrent/tt-metal/issues/52376",
      "div's gradient for the divisor -g * x / (y * y) in float16: y*y underflows to 0",
      _w("float16", self=[0.001, 1.0], other=[0.001, 2.0]))
def _div_half(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, other: Tensor, *, needs: tuple[bool, ...],
            self_shape: tuple[int, ...], other_shape: tuple[int, ...]) -> Any:
        grad_self, _ = orig(g, self, other, needs=needs, self_shape=self_shape,
                            other_shape=other_shape)
        return grad_self, (-g * self / (other * other) if needs[1] else None)

    return vjp


@_bug("log10-product-in-half", "dtype", "log10",
      "https://github.com/tenstorrent/tt-metal/issues/52376",
      "log10's gradient g / (x * ln10) in float16: x * ln10 overflows at the largest value",
      _w("float16", self=[65504.0, 2.0]))
def _log10_half(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g / (self * LN10)


@_bug("max-tie-count-in-bfloat16", "dtype", "max_all",
      "https://github.com/tinygrad/tinygrad/pull/15036",
      "max's tie count rounded to the gradient's dtype: 257 ties are 256 in bfloat16",
      _w("bfloat16", self=[1.0] * 257))
def _max_count(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, out: Tensor) -> Tensor:
        hit = _hits(self, out)
        count = float(np.asarray(hit.sum(), dtype=self.detach().numpy().dtype))
        return g * _const(hit, self) / count

    return vjp


@_bug("logsumexp-exp-ratio", "dtype", "logsumexp", "https://github.com/jax-ml/jax/issues/23842",
      "logsumexp's gradient exp(x) / exp(out) in the input's dtype: inf / inf = NaN once exp "
      "overflows (x > 11 in float16)", _wa("float16", {"dim": (0,), "keepdim": False},
                                           self=[12.0, 11.5]))
def _logsumexp_ratio(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, out: Tensor, *, dim: Any, keepdim: bool,
            self_shape: tuple[int, ...]) -> Tensor:
        return expand_reduced(g / symgrad.exp(out), self_shape, dim, keepdim) * symgrad.exp(self)

    return vjp


# -- second order only: the first derivative right, the second missing a term ---------------------
def _detached(orig: Callable[..., Any]) -> Callable[..., Any]:
    """The original VJP on detached saved tensors: the same first derivative, but the terms of
    the second that run through the saved tensors are lost."""

    @_same_signature(orig)
    def vjp(g: Tensor, *saved: Any, **kwargs: Any) -> Any:
        return orig(g, *(s.detach() if isinstance(s, Tensor) else s for s in saved), **kwargs)

    return vjp


def _same_signature(orig: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    import inspect

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__signature__ = inspect.signature(orig, follow_wrapped=False)  # type: ignore[attr-defined]
        return fn

    return wrap


_SECOND = (
    ("tanh", "https://github.com/pytorch/pytorch/issues/99523",
     _w("float64", 2, self=[0.5, -1.0])),
    ("sigmoid", "https://github.com/pytorch/pytorch/pull/195545",
     _w("float64", 2, self=[0.5, -1.0])),
    ("exp", "https://github.com/pytorch/pytorch/issues/99523", _w("float64", 2, self=[0.5, 1.0])),
    ("mul", "https://github.com/pytorch/pytorch/issues/33999",
     _w("float64", 2, self=[0.5, 1.0], other=[2.0, -1.0])),
    ("log", "https://github.com/chainer/chainer/pull/3096", _w("float64", 2, self=[0.5, 2.0])),
    ("softplus", "https://github.com/Oneflow-Inc/oneflow/pull/7888",
     _wa("float64", {"beta": 1.0, "threshold": 20.0}, 2, self=[0.5, -1.0])),
    ("binary_cross_entropy", "https://github.com/pytorch/pytorch/issues/59477",
     _wa("float64", {"reduction": "sum"}, 2, self=[0.3, 0.6], target=[0.5, 0.1],
         weight=[1.0, 1.0])),
    ("div", "https://github.com/pytorch/pytorch/pull/2106",
     _w("float64", 2, self=[0.5, 1.0], other=[2.0, -1.5])),
    ("norm", "https://github.com/HIPS/autograd/pull/393",
     _wa("float64", {"p": 2.0, "dim": None, "keepdim": False}, 2, self=[0.5, 1.0, -2.0])),
)

for _op, _issue, _witness in _SECOND:
    _bug(f"{_op}-double-backward-detached", "second order only", _op, _issue,
         f"{_op}'s VJP reads its saved tensors detached: the first derivative is right, the "
         "second misses the terms through them", _witness)(_detached)


# -- small relative errors (1e-4 to 1e-8): constants mistyped, a step in the wrong precision -------
@_bug("gelu-inv-sqrt-2pi-7-digits", "small relative errors", "gelu",
      "https://github.com/flagos-ai/FlagGems/pull/159",
      "gelu's 1/sqrt(2 pi) written 0.3989423 (relative error 5e-8 in the pdf term)",
      _wa("float64", {"approximate": "none"}, self=[1.0, -0.5]))
def _gelu_const(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, approximate: str) -> Tensor:
        if approximate != "none":
            return orig(g, self, approximate=approximate)
        cdf = 0.5 * (1 + symgrad.erf(self * math.sqrt(0.5)))
        return g * (cdf + self * symgrad.exp(-0.5 * self * self) * 0.3989423)

    return vjp


@_bug("gelu-tanh-c-7-digits", "small relative errors", "gelu",
      "https://github.com/flagos-ai/FlagGems/pull/159",
      "gelu(tanh)'s sqrt(2/pi) written 0.7978846 (relative error 5e-8)",
      _wa("float64", {"approximate": "tanh"}, self=[1.0, -0.5]))
def _gelu_tanh_const(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, *, approximate: str) -> Tensor:
        if approximate != "tanh":
            return orig(g, self, approximate=approximate)
        x = _f64(self)
        two_u = 2 * 0.7978846 * (x + 0.044715 * x ** 3)
        slope = 2 * 0.7978846 * (1 + 3 * 0.044715 * x * x)
        return _f64(g) * (symgrad.sigmoid(two_u) * (1 + x * symgrad.sigmoid(-two_u) * slope))

    return vjp


@_bug("erf-two-over-sqrt-pi-7-digits", "small relative errors", "erf",
      "https://github.com/flagos-ai/FlagGems/pull/159",
      "erf's 2/sqrt(pi) written 1.128379 (relative error 1.5e-7)", _w("float64", self=[0.5, 1.0]))
def _erf_const(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: g * 1.128379 * symgrad.exp(-(_f64(self) * _f64(self)))


@_bug("log10-inv-ln10-4-digits", "small relative errors", "log10",
      "https://github.com/flagos-ai/FlagGems/pull/159",
      "log10's 1/ln10 written 0.4343 (relative error 1.3e-5)", _w("float64", self=[2.0, 0.5]))
def _log10_const(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: _f64(g) * 0.4343 / _f64(self)


@_bug("log2-inv-ln2-5-digits", "small relative errors", "log2",
      "https://github.com/flagos-ai/FlagGems/pull/159",
      "log2's 1/ln2 written 1.4427 (relative error 3.4e-6)", _w("float64", self=[2.0, 0.5]))
def _log2_const(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: _f64(g) * 1.4427 / _f64(self)


@_bug("exp2-ln2-6-digits", "small relative errors", "exp2",
      "https://github.com/flagos-ai/FlagGems/pull/159",
      "exp2's ln2 written 0.693147 (relative error 2.6e-7)", _w("float64", self=[2.0, 0.5]))
def _exp2_const(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self: _f64(g) * symgrad.exp2(_f64(self)) * 0.693147


@_bug("layer-norm-eps-added-twice", "small relative errors", "layer_norm",
      "https://github.com/pytorch/pytorch/issues/141425",
      "layer_norm's backward adds eps to the variance twice (relative error about eps / var)",
      _wa("float64", {"normalized_ndim": 1, "eps": 1e-5}, self=[0.5, -1.0, 2.0],
          weight=[1.0, 1.0, 1.0], bias=[0.0, 0.0, 0.0]))
def _layer_norm_eps2(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda g, self, weight, *, normalized_ndim, eps: orig(
        g, self, weight, normalized_ndim=normalized_ndim, eps=2 * eps)


@_bug("sigmoid-in-float32", "small relative errors", "sigmoid",
      "https://github.com/marin-community/marin/pull/8241",
      "sigmoid's float64 gradient formed in float32 (relative error about 6e-8)",
      _w("float64", self=[0.3, -1.7]))
def _sigmoid_f32(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, self: Tensor, out: Tensor) -> Tensor:
        if self.dtype != symgrad.float64:
            return orig(g, self, out)
        low = self.to(symgrad.float32)
        return (g.to(symgrad.float32) * symgrad.sigmoid(low) * symgrad.sigmoid(-low)).to(
            symgrad.float64)

    return vjp


@_bug("mean-reciprocal-in-float32", "small relative errors", "mean_all",
      "https://github.com/intel/ipex-llm/issues/833",
      "mean's 1/n rounded to float32 for a float64 input (relative error up to 3e-8)",
      _w("float64", self=[1.0, 2.0, 3.0]))
def _mean_f32(orig: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(g: Tensor, *, self_shape: tuple[int, ...]) -> Tensor:
        n = int(np.prod(self_shape)) if self_shape else 1
        return (g * float(np.float32(1.0 / n))).expand(self_shape)

    return vjp


# -- installing a bug, and where it shows ----------------------------------------------------------
def _opdef_with(name: str, bug: Bug) -> Any:
    op = REGISTRY[name]
    vjp = bug.vjp(op.vjp)
    wanted, _ = _vjp_info(vjp)
    declared = {kw for kw, _ in op.shape_args}
    extra = tuple((f"{a}_shape", i) for i, a in enumerate(op.args)
                  if wanted is not None and f"{a}_shape" in wanted
                  and f"{a}_shape" not in declared)
    return dataclasses.replace(op, vjp=vjp, shape_args=op.shape_args + extra)


@contextlib.contextmanager
def install(bug: Bug) -> Iterator[None]:
    """``REGISTRY[bug.op]`` with the bug in its VJP while the block runs, restored after.

    >>> bug = next(b for b in BUGS if b.name == "relu-at-zero-passes")
    >>> x = symgrad.tensor([0.0], dtype=symgrad.float64, requires_grad=True)
    >>> before = REGISTRY["relu"]
    >>> with install(bug):
    ...     apply(REGISTRY["relu"], x).sum().backward()
    >>> x.grad.tolist(), REGISTRY["relu"] is before
    ([1.0], True)
    """
    original = REGISTRY[bug.op]
    REGISTRY[bug.op] = _opdef_with(bug.op, bug)
    try:
        yield
    finally:
        REGISTRY[bug.op] = original


def witness_grads(bug: Bug) -> list[np.ndarray]:
    """The gradients (first, or second along ones at order 2) of ``sum(op(*inputs) * w)`` at the
    bug's witness, ``w`` a fixed pattern in [0.5, 1.5]: with the bug installed or not, the
    caller decides. Float64 arrays, NaN where the engine gives NaN.

    >>> bug = next(b for b in BUGS if b.name == "relu-at-zero-passes")
    >>> clean = witness_grads(bug)
    >>> with install(bug):
    ...     buggy = witness_grads(bug)
    >>> clean[0].tolist(), buggy[0].tolist()
    ([0.0, 1.0], [0.5, 1.0])
    """
    op = REGISTRY[bug.op]
    w = bug.witness
    dtype = getattr(symgrad, w.dtype)
    tensors, leaves = [], []
    for name in op.args:
        value = np.asarray(w.inputs[name])
        floating = value.dtype.kind == "f"
        t = symgrad.tensor(value, dtype=dtype if floating else None,
                           requires_grad=floating and name in op.differentiable)
        tensors.append(t)
        if t.requires_grad:
            leaves.append(t)
    out = apply(op, *tensors, **w.attrs)
    weights = 0.5 + (np.arange(out.numel()).reshape(tuple(out.shape)) % 3) / 2
    total = (out * symgrad.tensor(weights, dtype=out.dtype)).sum()
    grads = symgrad.autograd.grad(total, leaves, create_graph=w.order == 2, allow_unused=True)
    if w.order == 2:
        used = [g for g in grads if g is not None and g.requires_grad]
        second = symgrad.autograd.grad(sum(g.sum() for g in used), leaves,
                                       allow_unused=True) if used else [None] * len(leaves)
        grads = second
    return [np.zeros(tuple(t.shape)) if g is None else np.asarray(g.detach().numpy(), np.float64)
            for g, t in zip(grads, leaves, strict=True)]


def cases(ops: list[str] | None) -> Iterator[BugCase]:
    """The bugs (of ``ops``, or all), ready for ``oracle.mutants.run_bugs``.

    >>> [c.name for c in cases(["relu"])]
    ['relu-at-zero-passes']
    """
    for bug in BUGS:
        if ops is None or bug.op in ops:
            yield BugCase(bug.name, bug.category, bug.op, bug.issue, bug.what,
                          lambda bug=bug: install(bug), lambda bug=bug: witness_ulps(bug))


def witness_ulps(bug: Bug) -> float:
    """The most ULPs (of the witness's dtype) the bug moves any gradient element at its witness
    (inf where it turns a number into NaN or an infinity).

    >>> witness_ulps(next(b for b in BUGS if b.name == "max-tie-count-in-bfloat16"))
    1.0
    """
    from oracle.tolerances import ulp_error

    clean = witness_grads(bug)
    with install(bug):
        buggy = witness_grads(bug)
    moved = [ulp_error(b, c, bug.witness.dtype) for b, c in zip(buggy, clean, strict=True)]
    with np.errstate(invalid="ignore"):
        return max((float(np.max(np.where(b == c, 0.0, np.nan_to_num(m, nan=np.inf))))
                    for m, b, c in zip(moved, buggy, clean, strict=True) if m.size), default=0.0)
