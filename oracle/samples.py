"""Per op: where its inputs are defined (``DOMAINS``) and how generated tests call it
(``SAMPLES``), keyed by the op's name in the engine's registry.

The judge's knowledge, as PyTorch's OpInfo keeps an op's sample inputs apart from its kernel:
the engine's op declarations hold forward, VJP, dtypes, refusals and conventions. The property
tests, the sweep's seeded samples (before the catalog's, ``oracle.catalog``), the mutants and
finite differences (one-sided near a domain's edge) all read these tables; every op the engine
declares has an entry in ``SAMPLES`` (``samples_of`` raises for one that has none, and a test
holds the tables to the registry), and an op without one in ``DOMAINS`` is defined everywhere.

>>> samples_of("add")[2]
Sample(shapes=((2, 1), (1, 3)), attrs={'alpha': 2}, make={})
>>> domain_of("log", "self"), domain_of("log", "out") == REAL
(Domain(low=0.0, high=inf, nonzero=False, integer=False), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Domain", "REAL", "Sample", "DOMAINS", "SAMPLES", "domain_of", "samples_of"]


@dataclass(frozen=True)
class Domain:
    """Where an input is sampled: the op is defined and smooth on the open interval.

    Attributes:
        low: The lower end of the interval (excluded).
        high: The upper end (excluded).
        nonzero: Exclude zero (a pole).
        integer: Sample whole numbers only (exponents that keep a negative base real).

    >>> Domain(low=0.0)
    Domain(low=0.0, high=inf, nonzero=False, integer=False)
    """

    low: float = -math.inf
    high: float = math.inf
    nonzero: bool = False
    integer: bool = False


REAL = Domain()


@dataclass(frozen=True)
class Sample:
    """One way to call an op in a generated test (PyTorch's OpInfo ``sample_inputs``).

    Attributes:
        shapes: One shape per tensor input, in the op's argument order; floating inputs are
            drawn from the op's domain (``domain_of``).
        attrs: The attributes, as the forward takes them (already normalised: dims as sorted
            tuples), so ``apply(op, *inputs, **attrs)`` runs it.
        make: Per input name, what builds an input that is not drawn that way (a ``where``
            condition, an ``nll_loss`` target) from a NumPy generator.

    >>> sample = samples_of("sum")[0]
    >>> sample.shapes, sample.attrs
    (((2, 3),), {'dim': (0,), 'keepdim': False})
    """

    shapes: tuple[tuple[int, ...], ...]
    attrs: dict[str, Any] = field(default_factory=dict)
    make: dict[str, Callable[[np.random.Generator], np.ndarray]] = field(default_factory=dict)


def samples_of(op: str) -> tuple[Sample, ...]:
    """How generated tests and the sweep call ``op``.

    Args:
        op: The op's name in the engine's registry.

    Raises:
        KeyError: The op has no entry in ``SAMPLES``: the judge would not know how to call it.

    >>> len(samples_of("mul"))
    3
    >>> samples_of("no_such_op")
    Traceback (most recent call last):
    ...
    KeyError: "op 'no_such_op' has no samples: declare how to call it in oracle/samples.py"
    """
    try:
        return SAMPLES[op]
    except KeyError:
        raise KeyError(f"op {op!r} has no samples: declare how to call it in "
                       "oracle/samples.py") from None


def domain_of(op: str, arg: str) -> Domain:
    """Where input ``arg`` of ``op`` is sampled (``REAL`` unless ``DOMAINS`` narrows it).

    Args:
        op: The op's name in the engine's registry.
        arg: One of its input names.

    >>> domain_of("acos", "self").high, domain_of("mul", "self") == REAL
    (1.0, True)
    """
    return DOMAINS.get(op, {}).get(arg, REAL)


# -- domains ---------------------------------------------------------------------------------
_NONZERO = Domain(nonzero=True)
_POSITIVE = Domain(low=0.0)
_UNIT = Domain(low=-1.0, high=1.0)
# Where exp-like functions stay finite in every float dtype (float16 overflows past e**11).
_MODERATE = Domain(low=-5.0, high=5.0)
# Inputs of a probability (BCE's input and target): inside (0, 1), where the logs are finite.
_PROBABILITY = Domain(0.0, 1.0)
# Weights (not differentiated, as in PyTorch): positive, drawn in the sample's dtype.
_WEIGHT = Domain(0.0, 2.0)

DOMAINS: dict[str, dict[str, Domain]] = {
    # matrix decompositions (helper lin): a triangle's diagonal away from 0; cholesky's drawn
    # positive (see its samples)
    "solve_triangular": {"A": _NONZERO},
    "cholesky": {"self": _POSITIVE},
    # weight normalisation: every slice's norm away from 0 (0/0 there) and from overflow
    "weight_norm": {"weight_v": Domain(low=-5.0, high=5.0, nonzero=True)},
    "lu_solve": {"LU": _NONZERO},  # the diagonal of U (helper linalg)
    # arithmetic
    "div": {"other": _NONZERO},
    "addcdiv": {"tensor2": _NONZERO},  # tensor functions
    "div_mode": {"other": _NONZERO},
    "reciprocal": {"self": _NONZERO},
    "pow": {"self": _POSITIVE},
    "pow_tensor": {"self": _POSITIVE},
    "pow_scalar": {"exponent": Domain(low=-3.0, high=3.0)},
    "remainder_tensor": {"other": _NONZERO},
    "remainder_scalar": {"other": _NONZERO},
    "fmod_tensor": {"other": _NONZERO},
    "floor_divide": {"other": _NONZERO},
    # elementwise
    "exp": {"self": _MODERATE},
    "exp2": {"self": _MODERATE},
    "expm1": {"self": _MODERATE},
    "log": {"self": _POSITIVE},
    "log2": {"self": _POSITIVE},
    "log10": {"self": _POSITIVE},
    "log1p": {"self": Domain(low=-1.0)},
    "sqrt": {"self": _POSITIVE},
    "rsqrt": {"self": _POSITIVE},
    # Inside the poles at +-pi/2.
    "tan": {"self": Domain(low=-1.4, high=1.4)},
    "asin": {"self": _UNIT},
    "acos": {"self": _UNIT},
    "atan2": {"other": _NONZERO},
    "sinh": {"self": _MODERATE},
    "cosh": {"self": _MODERATE},
    "acosh": {"self": Domain(low=1.0)},
    "atanh": {"self": _UNIT},
    # losses
    "binary_cross_entropy": {"self": _PROBABILITY, "target": _PROBABILITY, "weight": _WEIGHT},
    "nll_loss_weighted": {"weight": _WEIGHT},
    "nll_loss_weighted_backward": {"weight": _WEIGHT},
    "multi_margin_loss": {"weight": _WEIGHT},
    # scores less than 1 apart: no hinge 1 - (x[j] - x[i]) at its kink (margin 1 is fixed)
    "multilabel_margin_loss": {"self": Domain(-0.5, 0.5)},
    "binary_cross_entropy_with_logits": {"target": _PROBABILITY, "weight": _WEIGHT,
                                         "pos_weight": _WEIGHT},
    # special functions (symgrad/ops/special.py); lgamma and digamma are sampled on both sides
    # of 0 (the lattice keeps 0.1 from the poles at the integers)
    "mvlgamma": {"self": Domain(low=1.0)},  # above (p - 1) / 2 for p <= 3
    # polygamma(n + 1), its derivative, is 24 / x**5 near a pole for n = 3: past float16's
    # range from 0.3 in (the catalog has its negative points and poles)
    "polygamma": {"self": Domain(low=0.5)},
    "erfinv": {"self": _UNIT},
    "logit": {"self": _PROBABILITY},
    "xlogy": {"other": _POSITIVE},
    "xlog1py": {"other": Domain(low=-1.0)},
    "entr": {"self": _POSITIVE},
    # hypot (helper nnm): away from the origin, where it has no derivative
    "hypot": {"other": _NONZERO},
    # copysign (helper red): other off 0, whose sign bit no real number shows
    "copysign": {"other": _NONZERO},
    # ldexp (helper red): 2**other within float16's range; ndtri of probabilities
    "ldexp": {"other": _MODERATE},
    "ndtri": {"self": _PROBABILITY},
    # grid_sample's points: inside [-1, 1] and up to a pixel or two beyond it
    "grid_sampler_2d": {"grid": Domain(low=-1.5, high=1.5)},
    # distances (helper dist): the distance a backward operator takes is positive
    "cdist_backward": {"cdist": _POSITIVE},
    "pdist_backward": {"pdist": _POSITIVE},
}


# -- samples ---------------------------------------------------------------------------------
_UNARY = (Sample(((2, 3),)), Sample(((),)))
_BINARY = (Sample(((2, 3), (2, 3))), Sample(((2, 3), (3,))), Sample(((2, 1), (1, 3))))
_ALPHA = (Sample(((2, 3), (2, 3)), {"alpha": 1}), Sample(((2, 3), (3,)), {"alpha": 1}),
          Sample(((2, 1), (1, 3)), {"alpha": 2}))
_ONE = (Sample(((2, 3),)), Sample(((),)), Sample(((4,),)))
_DIM = (Sample(((2, 3),), {"dim": 1}), Sample(((2, 3),), {"dim": 0}), Sample(((4,),), {"dim": 0}))
_LOSS_REDUCTIONS = ("mean", "sum", "none")
_REDUCTIONS = tuple(Sample(((2, 3), (2, 3)), {"reduction": r}) for r in _LOSS_REDUCTIONS)
_SHAPES_1 = (Sample(((2, 3),), {"dim": (0,), "keepdim": False}),
             Sample(((2, 3),), {"dim": (1,), "keepdim": True}),
             Sample(((2, 3, 2),), {"dim": (0, 2), "keepdim": False}))
_SHAPES_INT = (Sample(((2, 3),), {"dim": 1, "keepdim": False}),
               Sample(((2, 3),), {"dim": 0, "keepdim": True}),
               Sample(((4,),), {"dim": 0, "keepdim": False}))
_WHOLE = (Sample(((2, 3),)), Sample(((5,),)), Sample(((),)))
_MOMENTS = (Sample(((2, 3),), {"dim": (1,), "correction": 1, "keepdim": False}),
            Sample(((2, 3),), {"dim": None, "correction": 0, "keepdim": False}),
            Sample(((3, 2, 2),), {"dim": (0, 2), "correction": 1, "keepdim": True}))
_SCANS = (Sample(((2, 3),), {"dim": 1}), Sample(((4,),), {"dim": 0}),
          Sample(((3, 2),), {"dim": 0}))


def _condition(rng: np.random.Generator) -> np.ndarray:
    return rng.random((2, 3)) > 0.5


def _class_indices(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 3, size=(4,))


def _multilabel_targets(rng: np.random.Generator) -> np.ndarray:
    """Per row of 4 classes, some of them (a repeat now and then) then -1, then anything."""
    rows = [np.concatenate([rng.choice(4, size=k), [-1], rng.integers(-1, 4, size=3 - k)])
            for k in rng.integers(0, 4, size=3)]
    return np.asarray(rows, dtype=np.int64)[:, :4]


def _exponents(rng: np.random.Generator) -> np.ndarray:
    """frexp's exponents (helper names): small powers of two, either way."""
    return rng.integers(-3, 4, size=(2, 3)).astype(np.int32)


def _no_bias(rng: np.random.Generator) -> np.ndarray:
    """A convolution's bias of no element: none (PyTorch's None; nothing to differentiate)."""
    return np.zeros((0,))


def _rrelu_noise(rng: np.random.Generator) -> np.ndarray:
    """rrelu's noise (helper misc): slopes on the 1/64 lattice in [1/8, 1/3], or 1."""
    slopes = rng.integers(8, 22, size=(2, 3)) / 64
    return np.where(rng.random((2, 3)) < 0.5, slopes, 1.0)


SAMPLES: dict[str, tuple[Sample, ...]] = {
    # arithmetic
    "add": _ALPHA,
    "sub": _ALPHA,
    "rsub": _BINARY,
    "rsub_scalar": (Sample(((2, 3), ())), Sample(((), ()))),
    "neg": _UNARY,
    "mul": _BINARY,
    "div": _BINARY,
    "div_mode": (Sample(((2, 3), (2, 3)), {"rounding_mode": "floor"}),
                 Sample(((2, 3), (3,)), {"rounding_mode": "trunc"})),
    "reciprocal": _UNARY,
    "pow": tuple(Sample(((2, 3),), {"exponent": e}) for e in (2, 3, 0.5, -1.5, 0)),
    "pow_tensor": _BINARY,
    "pow_scalar": tuple(Sample(((2, 3),), {"base": b}) for b in (2.0, 0.5)),
    "abs": _UNARY,
    "sign": _UNARY,
    "maximum": _BINARY,
    "minimum": _BINARY,
    "clamp": (Sample(((2, 3),), {"min": -0.5, "max": 0.75}),
              Sample(((2, 3),), {"min": 0.25, "max": None}),
              Sample(((),), {"min": None, "max": 0.25})),
    "clamp_min": (Sample(((2, 3),), {"min": 0.25}), Sample(((),), {"min": -0.5})),
    "clamp_max": (Sample(((2, 3),), {"max": 0.25}), Sample(((),), {"max": -0.5})),
    "clamp_min_tensor": _BINARY,
    "clamp_max_tensor": _BINARY,
    "clamp_tensor": (Sample(((2, 3), (2, 3), (2, 3))), Sample(((2, 3), (3,), ())),
                     Sample(((), (), ()))),
    "floor": _UNARY,
    "ceil": _UNARY,
    "trunc": _UNARY,
    "round": _UNARY,
    "round_decimals": (Sample(((2, 3),), {"decimals": 1}), Sample(((),), {"decimals": 2})),
    "remainder": (Sample(((2, 3),), {"other": 1.5}), Sample(((),), {"other": -0.75})),
    "remainder_tensor": _BINARY,
    "remainder_scalar": (Sample(((), (2, 3))),),
    "fmod": (Sample(((2, 3),), {"other": 1.5}), Sample(((),), {"other": -0.75})),
    "fmod_tensor": _BINARY,
    "floor_divide": _BINARY,
    # elementwise
    **dict.fromkeys(("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
                     "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                     "asinh", "acosh", "atanh", "sigmoid", "erf", "erfc"), _UNARY),
    "atan2": _BINARY,
    "tanh_backward": _BINARY,
    "where": (Sample(((2, 3), (2, 3), (3,)), make={"condition": _condition}),),
    **dict.fromkeys(("eq", "ne", "lt", "le", "gt", "ge", "bitwise_and", "bitwise_or",
                     "bitwise_xor"), _BINARY),
    "bitwise_not": _UNARY,
    "nan_to_num": (Sample(((2, 3),), {"nan": 0.0, "posinf": None, "neginf": None}),
                   Sample(((),), {"nan": 1.5, "posinf": 2.0, "neginf": -2.0})),
    **dict.fromkeys(("logical_and", "logical_or", "logical_xor"), _BINARY),
    "logical_not": _UNARY,
    # activations
    "relu": _ONE,
    "leaky_relu": (Sample(((2, 3),), {"negative_slope": 0.01}),
                   Sample(((4,),), {"negative_slope": 0.2})),
    "elu": (Sample(((2, 3),), {"alpha": 1.0}), Sample(((4,),), {"alpha": 0.5})),
    "hardtanh": (Sample(((2, 3),), {"min_val": -1.0, "max_val": 1.0}),
                 Sample(((4,),), {"min_val": -0.3, "max_val": 0.45})),
    "gelu": (Sample(((2, 3),), {"approximate": "none"}),
             Sample(((2, 3),), {"approximate": "tanh"})),
    "silu": _ONE,
    "softplus": (Sample(((2, 3),), {"beta": 1.0, "threshold": 20.0}),
                 Sample(((4,),), {"beta": 2.0, "threshold": 1.0})),
    # shrinking activations (symgrad/ops/activations_more.py)
    "softshrink": (Sample(((2, 3),), {"lambd": 0.5}), Sample(((4,),), {"lambd": 0.2})),
    "hardshrink": (Sample(((2, 3),), {"lambd": 0.5}), Sample(((4,),), {"lambd": 0.2})),
    # smooth and piecewise activations (symgrad/ops/activations_more.py)
    "logsigmoid": _ONE,
    "mish": _ONE,
    "hardsigmoid": _ONE,
    "hardswish": _ONE,
    "celu": (Sample(((2, 3),), {"alpha": 1.0}), Sample(((4,),), {"alpha": 0.5}),
             Sample(((),), {"alpha": -2.0})),
    "selu": _ONE,
    "threshold": (Sample(((2, 3),), {"threshold": 0.1, "value": 20.0}),
                  Sample(((4,),), {"threshold": -0.5, "value": -0.5})),
    "softmax": _DIM,
    "log_softmax": _DIM,
    # losses
    "nll_loss": tuple(Sample(((4, 3), (4,)), {"reduction": r, "ignore_index": -100},
                             make={"target": _class_indices}) for r in _LOSS_REDUCTIONS),
    "nll_loss_weighted": tuple(Sample(((4, 3), (4,), (3,)), {"reduction": r, "ignore_index": i},
                                      make={"target": _class_indices})
                               for r, i in (("mean", -100), ("sum", 1), ("none", -100),
                                            ("mean", 2))),
    # A target broadcast against the input: the mean is over the pair's 9 terms, not the
    # input's 3 (symgrad's gradient was three times the mathematics').
    "mse_loss": _REDUCTIONS + (Sample(((3, 1), (3,)), {"reduction": "mean"}),),
    # Thresholds off the 1/64 lattice the samples live on, so no difference lands on one.
    "smooth_l1_loss": tuple(Sample(((2, 3), (2, 3)), {"reduction": r, "beta": b})
                            for r, b in (("mean", 0.7), ("sum", 1.3), ("none", 0.7))),
    "huber_loss": tuple(Sample(((2, 3), (2, 3)), {"reduction": r, "delta": d})
                        for r, d in (("mean", 0.7), ("sum", 1.3), ("none", 0.7))),
    "binary_cross_entropy": tuple(Sample(((2, 3), (2, 3), (2, 3)), {"reduction": r})
                                  for r in _LOSS_REDUCTIONS),
    "binary_cross_entropy_with_logits": tuple(
        Sample(((2, 3), (2, 3), (2, 3), (3,)), {"reduction": r}) for r in _LOSS_REDUCTIONS),
    # soft margin loss (symgrad/ops/losses_more.py): each reduction, and a 1-d input
    "soft_margin_loss": (*(Sample(((2, 3), (2, 3)), {"reduction": r}) for r in _LOSS_REDUCTIONS),
                         Sample(((4,), (4,)), {"reduction": "mean"})),
    # reductions
    "sum": _SHAPES_1,
    "nansum": (*_SHAPES_1, Sample(((2, 3),), {"dim": None, "keepdim": False})),
    "sum_all": _WHOLE,
    "mean": _SHAPES_1,
    "mean_all": _WHOLE,
    "prod": _SHAPES_INT,
    "prod_all": _WHOLE,
    "max_all": _WHOLE,
    "min_all": _WHOLE,
    "amax": _SHAPES_1,
    "amin": _SHAPES_1,
    "max_dim": _SHAPES_INT,
    "min_dim": _SHAPES_INT,
    "var": _MOMENTS,
    "std": _MOMENTS,
    "logsumexp": _SHAPES_1,
    "norm": (Sample(((2, 3),), {"p": 2.0, "dim": None, "keepdim": False}),
             Sample(((2, 3),), {"p": 2.0, "dim": (1,), "keepdim": True}),
             Sample(((2, 3),), {"p": 1.0, "dim": (0,), "keepdim": False}),
             Sample(((2, 3),), {"p": math.inf, "dim": (1,), "keepdim": False}),
             Sample(((2, 3),), {"p": -math.inf, "dim": (0,), "keepdim": False}),
             Sample(((2, 3),), {"p": 3.0, "dim": None, "keepdim": False}),
             Sample(((2, 3),), {"p": 1.5, "dim": (1,), "keepdim": True}),
             Sample(((2, 3),), {"p": 0.5, "dim": (1,), "keepdim": False}),
             Sample(((2, 3),), {"p": -1.0, "dim": (0,), "keepdim": False})),
    "cumsum": _SCANS,
    "cumprod": _SCANS,
    # linear algebra
    "dot": (Sample(((3,), (3,))), Sample(((1,), (1,)))),
    "mv": (Sample(((2, 3), (3,))),),
    "mm": (Sample(((2, 3), (3, 4))), Sample(((1, 1), (1, 2)))),
    "bmm": (Sample(((2, 2, 3), (2, 3, 4))),),
    "matmul": (Sample(((2, 2, 3), (2, 3, 4))), Sample(((2, 2, 3), (3, 4))),
               Sample(((3, 1, 2, 3), (2, 3, 2))), Sample(((2, 2, 3), (3,))),
               Sample(((3,), (2, 3, 4)))),
    "matmul_clone": (Sample(((2, 3), (2, 3, 4))), Sample(((1, 2, 3), (2, 3, 4)))),
    "matmul_vm": (Sample(((3,), (3, 4))),),
    "addmm": (Sample(((2,), (4, 3), (3, 2))), Sample(((4, 2), (4, 3), (3, 2))),
              Sample(((4, 1), (4, 3), (3, 2)))),
    "trace": (Sample(((3, 3),)), Sample(((2, 4),))),
    # determinants, inverses and solves (symgrad.ops.linalg_solve): batches, a 1 x 1 matrix,
    # right-hand sides as matrices and as vectors (broadcast over A's batch), X A = B
    "det": (Sample(((3, 3),)), Sample(((2, 2, 2),)), Sample(((1, 1),))),
    "inverse": (Sample(((3, 3),)), Sample(((2, 2, 2),))),
    "solve": (Sample(((3, 3), (3, 2)), {"left": True, "vector": False}),
              Sample(((2, 2), (2,)), {"left": True, "vector": True}),
              Sample(((2, 2, 2), (2,)), {"left": True, "vector": True}),
              Sample(((2, 2), (3, 2)), {"left": False, "vector": False})),
    "slogdet": (Sample(((2, 2),)), Sample(((2, 3, 3),))),
    "slogdet_sign": (Sample(((2, 2),)), Sample(((2, 3, 3),))),
    # matrix decompositions (symgrad.ops.decompositions; helper lin): batches, both triangles,
    # X T = B, unit diagonals, broadcast batch dims. cholesky's op factors the symmetric part of
    # its input, drawn here: these shapes at these places in the tuple draw positive-definite
    # ones (tests/test_decompositions.py holds them to it)
    "cholesky": (Sample(((1, 1),), {"upper": False}), Sample(((2, 2, 2),), {"upper": False}),
                 Sample(((1, 1),), {"upper": True}), Sample(((3, 3),), {"upper": True})),
    "solve_triangular": (
        Sample(((3, 3), (3, 2)), {"upper": False, "left": True, "unitriangular": False}),
        Sample(((2, 2, 2), (1, 2, 3)), {"upper": True, "left": True, "unitriangular": False}),
        Sample(((3, 3), (2, 3)), {"upper": True, "left": False, "unitriangular": True})),
    # (2 x 2 factors: the exact inverse of a 3 x 3 L L^T took the judge 2 minutes)
    "cholesky_solve": (Sample(((2, 3), (2, 2)), {"upper": False}),
                       Sample(((2, 2, 1), (2, 2)), {"upper": True})),
    "cholesky_inverse": (Sample(((2, 2),), {"upper": False}),
                         Sample(((2, 2, 2),), {"upper": True})),
    # (eigenvectors of 2 x 2 matrices: the judge's closed form of a 3 x 3's is slow)
    "eigvalsh": (Sample(((2, 2),)), Sample(((2, 2, 2),)), Sample(((3, 3),)), Sample(((1, 1),))),
    "eigh_vectors": (Sample(((2, 2),)), Sample(((2, 2, 2),))),
    "svdvals": (Sample(((3, 2),)), Sample(((2, 2, 2),)), Sample(((2, 3),))),
    "svd_u": (Sample(((3, 2),), {"full_matrices": False}),
              Sample(((2, 2, 2),), {"full_matrices": True}),
              Sample(((1, 2),), {"full_matrices": False})),
    "svd_vh": (Sample(((3, 2),), {"full_matrices": False}),
               Sample(((2, 2, 2),), {"full_matrices": True}),
               Sample(((1, 2),), {"full_matrices": False})),
    # QR: tall, square batches, wide (complete is differentiable only there); Q of a 3 x 2
    # matrix took the judge over a minute to second order
    "qr_q": (Sample(((3, 1),), {"mode": "reduced"}), Sample(((2, 2, 2),), {"mode": "reduced"}),
             Sample(((2, 3),), {"mode": "complete"})),
    "qr_r": (Sample(((3, 2),), {"mode": "reduced"}), Sample(((2, 2, 2),), {"mode": "reduced"}),
             Sample(((2, 3),), {"mode": "complete"})),
    # pseudoinverses of full rank: tall, wide, a batch; the tolerances drop nothing there
    "pinv": tuple(Sample((shape,), {"atol": None, "rtol": r, "hermitian": False})
                  for shape, r in (((3, 2), None), ((2, 3), None), ((2, 2, 2), 1e-3))),
    # cross products (symgrad.ops.cross_product): along the last dim, the first, broadcast
    "cross": (Sample(((2, 3), (2, 3)), {"dim": 1}), Sample(((3, 2), (3, 1)), {"dim": 0}),
              Sample(((2, 1, 3), (1, 2, 3)), {"dim": 2})),
    # shape
    "reshape": (Sample(((2, 3),), {"shape": (3, 2)}), Sample(((2, 3),), {"shape": (6,)})),
    "expand": (Sample(((2, 1),), {"shape": (2, 3)}), Sample(((3,),), {"shape": (2, 3)})),
    "to_copy": (Sample(((2, 3),), {"dtype": "float64"}), Sample(((2, 3),), {"dtype": "float32"})),
    "unsafe_view": (Sample(((2, 3),), {"shape": (3, 2)}),),
    "squeeze": (Sample(((2, 1, 3, 1),)), Sample(((1,),))),
    "squeeze_dims": (Sample(((2, 1, 3, 1),), {"dim": (1, 3)}),
                     Sample(((2, 1, 3),), {"dim": (0, 1)})),
    "squeeze_dim": (Sample(((2, 1, 3),), {"dim": 1}), Sample(((2, 3),), {"dim": 0})),
    "unsqueeze": (Sample(((2, 3),), {"dim": 1}), Sample(((),), {"dim": 0})),
    "transpose": (Sample(((2, 3),), {"dim0": 0, "dim1": 1}),
                  Sample(((2, 3, 4),), {"dim0": 0, "dim1": 2})),
    "permute": (Sample(((2, 3, 4),), {"dims": (2, 0, 1)}), Sample(((2, 3),), {"dims": (1, 0)})),
    "t": (Sample(((2, 3),)), Sample(((3,),))),
    "flip": (Sample(((2, 3),), {"dims": (0,)}), Sample(((2, 3, 2),), {"dims": (0, 2)})),
    "repeat": (Sample(((2, 3),), {"repeats": (2, 1)}), Sample(((3,),), {"repeats": (2, 2)})),
    "clone": _UNARY,
    "alias": (Sample(((2, 3),)),),
    "cat": (Sample(((2, 3), (1, 3)), {"dim": 0, "sizes": (2, 1)}),
            Sample(((2, 3), (2, 2)), {"dim": 1, "sizes": (3, 2)}),
            # a 1-D empty tensor beside 2-D ones (PyTorch's legacy case): it adds nothing
            Sample(((2, 3), (0,)), {"dim": 1, "sizes": (3, 0), "legacy": (1,)})),
    "stack": (Sample(((2, 3), (2, 3)), {"dim": 0}), Sample(((2, 3), (2, 3)), {"dim": 2})),
    "split": (Sample(((4, 3),), {"dim": 0, "split_size": 3, "index": 1}),
              Sample(((2, 5),), {"dim": 1, "split_size": 2, "index": 0})),
    "split_with_sizes": (Sample(((4, 3),), {"dim": 0, "split_sizes": (1, 3), "index": 1}),),
    "unbind": (Sample(((2, 3),), {"dim": 1, "index": 2}), Sample(((4,),), {"dim": 0, "index": 1})),
    # indexing
    "select": (Sample(((2, 3),), {"dim": 0, "index": 1}),
               Sample(((2, 3),), {"dim": 1, "index": 2})),
    "slice": (Sample(((4, 3),), {"dim": 0, "start": 1, "stop": 3, "step": 1}),
              Sample(((2, 5),), {"dim": 1, "start": 0, "stop": 5, "step": 2})),
    "index": (Sample(((4, 3),), {"indices": (np.array([0, 2, 2, 3]),)}),
              Sample(((2, 3),), {"indices": (np.array([1, 1]), np.array([0, 0]))}),
              Sample(((2, 3),), {"indices": (None, np.array([[2, 0], [2, 2]]))})),
    "index_put": (Sample(((4, 3), (3, 3)), {"indices": (np.array([0, 2, 2]),), "accumulate": True}),
                  Sample(((4, 3), (3,)), {"indices": (np.array([0, 2, 1]),),
                                          "accumulate": False})),
    "copy_slices": (Sample(((4, 3), (3,)), {"key": (1,)}),
                    Sample(((4, 3), (2,)), {"key": (slice(0, 4, 2), 1)}),
                    Sample(((4, 3), (1, 3)), {"key": (slice(1, None, 2),)}),
                    Sample(((4, 3), (3, 2)), {"key": (slice(0, 3), np.array([2, 0]))})),
    "gather": (Sample(((3, 4),), {"dim": 1, "index": np.array([[0, 0], [3, 1], [2, 2]])}),
               Sample(((3, 2),), {"dim": 0, "index": np.array([[2, 0], [2, 2]])})),
    "scatter_add": (Sample(((3, 2), (2, 2)), {"dim": 0, "index": np.array([[2, 0], [2, 2]])}),),
    "index_select": (Sample(((3, 4),), {"dim": 1, "index": np.array([3, 0, 3])}),
                     Sample(((3, 2),), {"dim": 0, "index": np.array([1, 1])})),
    "masked_fill": (Sample(((2, 3),), {"mask": np.array([True, False, True]), "value": -1.5}),),
    "masked_fill_tensor": (Sample(((2, 3), ()), {"mask": np.array([True, False, True])}),),
    # in-place and views
    "view_scatter": (Sample(((2, 3), (3,)), {"chain": (("select", {"dim": 0, "index": 1}),)}),
                     Sample(((2, 3), (3, 2)), {"chain": (("t", {}),)}),
                     Sample(((2, 3, 2), (3, 1)), {"chain": (
                         ("select", {"dim": 2, "index": 0}), ("transpose", {"dim0": 0, "dim1": 1}),
                         ("slice", {"dim": 1, "start": 1, "stop": 2, "step": 1}))})),
    "zero": _UNARY,
    "fill": (Sample(((2, 3),), {"value": 1.5}),),
    "fill_tensor": (Sample(((2, 3), ())),),
    "copy": (Sample(((2, 3), (2, 3))), Sample(((2, 3), (3,)))),
    # layers
    "embedding": (Sample(((4, 3),), {"indices": np.array([[0, 2], [2, 3]])}),
                  Sample(((3, 2),), {"indices": np.array([1, 1, 0])})),
    "layer_norm": (Sample(((2, 3), (3,), (3,)), {"normalized_ndim": 1, "eps": 1e-5}),
                   Sample(((2, 2, 2), (2, 2), (2, 2)), {"normalized_ndim": 2, "eps": 1e-5}),
                   Sample(((4,), (4,), (4,)), {"normalized_ndim": 1, "eps": 0.25})),
    # group normalisation (symgrad/ops/norms.py): two groups of two channels over a length,
    # one group of all channels without one, a group a channel (instance-like)
    "group_norm": (Sample(((2, 4, 3), (4,), (4,)), {"num_groups": 2, "eps": 1e-5}),
                   Sample(((3, 2), (2,), (2,)), {"num_groups": 1, "eps": 0.25}),
                   Sample(((1, 2, 2, 2), (2,), (2,)), {"num_groups": 2, "eps": 1e-5})),
    # widths before and after the last dims; negative ones crop
    "constant_pad_nd": (Sample(((2, 3),), {"pad": (1, 2), "value": 0.0}),
                        Sample(((2, 3),), {"pad": (-1, 1, 1, 0), "value": -1.5}),
                        Sample(((2, 2, 3),), {"pad": (0, -2, 2, 1), "value": 0.25})),
    # training: the batch's statistics over (N, L); evaluation: running ones, constants
    "batch_norm": (Sample(((4, 2), (2,), (2,)), {"training": True, "running_mean": None,
                                                  "running_var": None, "eps": 1e-5}),
                   Sample(((2, 2, 3), (2,), (2,)), {"training": True, "running_mean": None,
                                                     "running_var": None, "eps": 0.25}),
                   Sample(((3, 2), (2,), (2,)), {"training": False,
                                                 "running_mean": np.array([0.25, -0.5]),
                                                 "running_var": np.array([0.75, 1.5]),
                                                 "eps": 1e-5})),
    # pooling: the attributes as the engine's public functions normalise them (pairs); windows
    # that overlap (stride < kernel), padding, ceil mode, dilation, unbatched (C, H, W) inputs,
    # and the (N, C, 1, L) inputs the 1-d functions pass on
    "max_pool2d": tuple(Sample((shape,), {"kernel_size": k, "stride": s, "padding": p,
                                          "dilation": d, "ceil_mode": c})
                        for shape, k, s, p, d, c in (
                            ((1, 2, 4, 4), (2, 2), (2, 2), (0, 0), (1, 1), False),
                            ((2, 3, 3), (2, 2), (1, 1), (0, 0), (1, 1), False),
                            ((1, 1, 5, 4), (3, 2), (2, 1), (1, 1), (1, 1), True),
                            ((1, 1, 5, 5), (2, 2), (2, 2), (0, 0), (2, 2), False),
                            ((1, 2, 1, 6), (1, 3), (1, 2), (0, 1), (1, 1), True))),
    "avg_pool2d": tuple(Sample((shape,), {"kernel_size": k, "stride": s, "padding": p,
                                          "ceil_mode": c, "count_include_pad": i,
                                          "divisor_override": o})
                        for shape, k, s, p, c, i, o in (
                            ((1, 2, 4, 4), (2, 2), (2, 2), (0, 0), False, True, None),
                            ((2, 3, 3), (2, 2), (1, 1), (0, 0), False, True, None),
                            ((1, 1, 5, 4), (3, 2), (2, 1), (1, 1), True, False, None),
                            ((1, 1, 4, 5), (3, 3), (2, 2), (1, 1), True, True, None),
                            ((1, 1, 4, 4), (2, 2), (1, 1), (1, 1), False, True, 3),
                            ((1, 2, 1, 5), (1, 2), (1, 2), (0, 1), False, False, None))),
    "adaptive_avg_pool2d": (Sample(((1, 2, 5, 7),), {"output_size": (2, 3)}),
                            Sample(((2, 4, 4),), {"output_size": (3, 2)}),
                            Sample(((1, 1, 3, 2),), {"output_size": (5, 2)})),
    # convolutions: padding as (low, high) per dim; a bias of no element is none
    "convolution": (
        Sample(((1, 2, 4), (2, 2, 3), (2,)),
               {"stride": (1,), "padding": ((0, 0),), "dilation": (1,), "groups": 1}),
        # stride 2 over 7 places with a kernel of 2: the last place is read by no window
        Sample(((2, 1, 7), (1, 1, 2), (0,)),
               {"stride": (2,), "padding": ((0, 0),), "dilation": (1,), "groups": 1},
               make={"bias": _no_bias}),
        Sample(((1, 1, 4), (2, 1, 2), (2,)),
               {"stride": (1,), "padding": ((1, 1),), "dilation": (2,), "groups": 1}),
        Sample(((1, 2, 3, 3), (2, 1, 2, 2), (2,)),
               {"stride": (1, 1), "padding": ((0, 0), (0, 0)), "dilation": (1, 1), "groups": 2}),
        Sample(((1, 1, 4, 3), (2, 1, 2, 2), (0,)),
               {"stride": (2, 1), "padding": ((1, 1), (0, 0)), "dilation": (1, 1), "groups": 1},
               make={"bias": _no_bias}),
        # padding="same" with an even kernel: the extra zero at the high end
        Sample(((1, 1, 3, 3), (1, 1, 2, 2), (1,)),
               {"stride": (1, 1), "padding": ((0, 1), (0, 1)), "dilation": (1, 1), "groups": 1}),
        Sample(((1, 1, 4, 4), (1, 1, 2, 2), (0,)),
               {"stride": (1, 1), "padding": ((0, 0), (0, 0)), "dilation": (2, 2), "groups": 1},
               make={"bias": _no_bias}),
    ),
    # unfold and fold (symgrad/ops/fold.py): blocks that overlap, padding, dilation, strides,
    # unbatched inputs
    "im2col": tuple(Sample((shape,), {"kernel_size": k, "dilation": d, "padding": p,
                                      "stride": s})
                    for shape, k, d, p, s in (
                        ((1, 2, 3, 3), (2, 2), (1, 1), (0, 0), (1, 1)),
                        ((2, 3, 4), (2, 3), (1, 1), (1, 0), (2, 1)),
                        ((1, 1, 4, 4), (2, 2), (2, 2), (1, 1), (1, 3)))),
    "col2im": tuple(Sample((shape,), {"output_size": o, "kernel_size": k, "dilation": d,
                                      "padding": p, "stride": s})
                    for shape, o, k, d, p, s in (
                        ((1, 8, 4), (3, 3), (2, 2), (1, 1), (0, 0), (1, 1)),
                        ((12, 4), (3, 4), (2, 3), (1, 1), (1, 0), (2, 1)),
                        ((1, 4, 8), (4, 4), (2, 2), (2, 2), (1, 1), (1, 3)))),
    # 3-d pooling (symgrad/ops/pooling3d.py): the attributes as triples; windows that overlap,
    # padding, ceil mode, dilation and unbatched (C, D, H, W) inputs
    "max_pool3d": tuple(Sample((shape,), {"kernel_size": k, "stride": s, "padding": p,
                                          "dilation": d, "ceil_mode": c})
                        for shape, k, s, p, d, c in (
                            ((1, 1, 2, 2, 4), (2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), False),
                            ((2, 2, 3, 2), (2, 2, 2), (1, 1, 1), (0, 0, 0), (1, 1, 1), False),
                            ((1, 1, 2, 3, 3), (1, 3, 2), (1, 2, 1), (0, 1, 1), (1, 1, 1), True),
                            ((1, 1, 3, 3, 1), (2, 2, 1), (1, 1, 1), (0, 0, 0), (2, 2, 1),
                             False))),
    "avg_pool3d": tuple(Sample((shape,), {"kernel_size": k, "stride": s, "padding": p,
                                          "ceil_mode": c, "count_include_pad": i,
                                          "divisor_override": o})
                        for shape, k, s, p, c, i, o in (
                            ((1, 1, 2, 2, 4), (2, 2, 2), (2, 2, 2), (0, 0, 0), False, True, None),
                            ((2, 2, 3, 2), (2, 2, 2), (1, 1, 1), (0, 0, 0), False, True, None),
                            ((1, 1, 2, 3, 3), (2, 3, 2), (1, 2, 1), (1, 1, 1), True, False, None),
                            ((1, 1, 2, 2, 3), (2, 2, 2), (1, 1, 1), (1, 0, 1), False, True, 3))),
    "adaptive_avg_pool3d": (Sample(((1, 1, 2, 3, 4),), {"output_size": (1, 2, 3)}),
                            Sample(((2, 3, 2, 2),), {"output_size": (2, 2, 1)}),
                            Sample(((1, 1, 2, 3, 2),), {"output_size": (3, 2, 2)})),
    # adaptive max pooling over three dims: windows that overlap (5 -> 2, 3 -> 2), grow
    # (2 -> 3), and an unbatched (C, D, H, W) input
    "adaptive_max_pool3d": (Sample(((1, 1, 3, 5, 2),), {"output_size": (2, 2, 1)}),
                            Sample(((2, 2, 3, 2),), {"output_size": (3, 2, 2)}),
                            Sample(((1, 2, 2, 3, 4),), {"output_size": (1, 2, 3)})),
    # transposed convolutions (symgrad/ops/convolution_transposed.py): weight (C_in, C_out /
    # groups, *kernel); a bias of no element is none
    "conv_transpose": tuple(
        Sample((x, w, b), {"stride": s, "padding": p, "output_padding": q, "dilation": d,
                           "groups": g}, make={} if b[0] else {"bias": _no_bias})
        for x, w, b, s, p, q, d, g in (
            ((1, 2, 3), (2, 2, 2), (2,), (2,), (0,), (1,), (1,), 1),
            ((1, 2, 3), (2, 1, 2), (0,), (1,), (1,), (0,), (2,), 2),
            # output_padding 2 below the dilation 3: the last places read no input
            ((1, 1, 2), (1, 1, 2), (0,), (1,), (0,), (2,), (3,), 1),
            ((1, 1, 2, 2), (1, 2, 2, 2), (2,), (2, 1), (0, 0), (1, 0), (1, 1), 1),
            ((1, 2, 2, 3), (2, 1, 3, 2), (2,), (1, 2), (1, 0), (0, 1), (1, 1), 2))),
    # backward formulas as ops (``symgrad.ops.backward_ops``): grad_output first, then what
    # the formula reads; the pooling ones' grad_output of the pooled shape
    "threshold_backward": (Sample(((2, 3), (2, 3)), {"threshold": 0.0}),
                           Sample(((4,), (4,)), {"threshold": 0.3})),
    "hardtanh_backward": (Sample(((2, 3), (2, 3)), {"min_val": -1.0, "max_val": 1.0}),
                          Sample(((4,), (4,)), {"min_val": -0.3, "max_val": 0.45})),
    "leaky_relu_backward": (Sample(((2, 3), (2, 3)), {"negative_slope": 0.01}),
                            Sample(((4,), (4,)), {"negative_slope": 0.2})),
    "nll_loss_backward": tuple(
        Sample(((4,) if r == "none" else (), (4, 3), (4,)), {"reduction": r, "ignore_index": i},
               make={"target": _class_indices})
        for r, i in (("mean", -100), ("sum", 1), ("none", -100))),
    "nll_loss_weighted_backward": tuple(
        Sample(((4,) if r == "none" else (), (4, 3), (4,), (3,)),
               {"reduction": r, "ignore_index": i}, make={"target": _class_indices})
        for r, i in (("mean", -100), ("sum", 1), ("none", -100), ("mean", 2))),
    "max_pool2d_backward": tuple(
        Sample((out, shape), {"kernel_size": k, "stride": s, "padding": p, "dilation": d,
                              "ceil_mode": c})
        for out, shape, k, s, p, d, c in (
            ((1, 2, 2, 2), (1, 2, 4, 4), (2, 2), (2, 2), (0, 0), (1, 1), False),
            ((2, 2, 2), (2, 3, 3), (2, 2), (1, 1), (0, 0), (1, 1), False),
            ((1, 1, 3, 5), (1, 1, 5, 4), (3, 2), (2, 1), (1, 1), (1, 1), True),
            ((1, 2, 1, 4), (1, 2, 1, 6), (1, 3), (1, 2), (0, 1), (1, 1), True))),
    # triangular parts
    "tril": (Sample(((3, 4),), {"diagonal": 0}), Sample(((2, 3, 3),), {"diagonal": -1}),
             Sample(((3, 2),), {"diagonal": 1})),
    "triu": (Sample(((3, 4),), {"diagonal": 0}), Sample(((2, 3, 3),), {"diagonal": 1}),
             Sample(((3, 2),), {"diagonal": -1})),
    # sorting
    "sort": (Sample(((2, 3),), {"dim": 1, "descending": False}),
             Sample(((3, 2),), {"dim": 0, "descending": True}),
             Sample(((4,),), {"dim": 0, "descending": False})),
    "topk": (Sample(((2, 3),), {"k": 2, "dim": 1, "largest": True, "sorted": True}),
             Sample(((4,),), {"k": 3, "dim": 0, "largest": False, "sorted": True}),
             Sample(((3, 2),), {"k": 1, "dim": 0, "largest": True, "sorted": False})),
    # order statistics (symgrad/ops/order_statistics.py); at most 4 elements a line: the k-th
    # of n is a Max of C(n, k) Mins, whose second derivatives outgrew the judge's time budget
    # at 6 (60 s)
    "median_all": (Sample(((2, 2),)), Sample(((3,),)), Sample(((),))),
    "nanmedian_all": (Sample(((2, 2),)), Sample(((3,),)), Sample(((),))),
    "median_dim": _SHAPES_INT,
    "nanmedian_dim": _SHAPES_INT,
    "mode": _SHAPES_INT,
    "kthvalue": (Sample(((2, 3),), {"k": 2, "dim": 1, "keepdim": False}),
                 Sample(((4,),), {"k": 4, "dim": 0, "keepdim": False}),
                 Sample(((3, 2),), {"k": 1, "dim": 0, "keepdim": True})),
    "cummax": _SCANS,
    "cummin": _SCANS,
    "logcumsumexp": _SCANS,
    "aminmax_min": (Sample(((2, 3),), {"dim": (1,), "keepdim": False}),
                    Sample(((2, 3),), {"dim": None, "keepdim": False}),
                    Sample(((2, 3),), {"dim": (0,), "keepdim": True})),
    "aminmax_max": (Sample(((2, 3),), {"dim": (1,), "keepdim": False}),
                    Sample(((2, 3),), {"dim": None, "keepdim": True}),
                    Sample(((2, 3),), {"dim": (0,), "keepdim": True})),
    "std_mean_std": _MOMENTS,
    "std_mean_mean": _MOMENTS,
    "var_mean_var": _MOMENTS,
    "var_mean_mean": _MOMENTS,
    "quantile": tuple(Sample((shape,), {"q": q, "dim": d, "keepdim": k, "interpolation": i,
                                        "ignore_nan": n})
                      for shape, q, d, k, i, n in (
                          ((2, 3), 0.25, 1, False, "linear", False),
                          ((4,), (0.0, 0.375, 1.0), None, False, "linear", False),
                          ((3, 2), 0.75, 0, True, "midpoint", False),
                          ((2, 4), (0.5,), 1, False, "nearest", True),
                          ((4,), 0.625, 0, False, "lower", False),
                          ((2, 2), 0.3, None, True, "higher", True))),
    # tensor functions (symgrad/ops/tensor_functions.py); no index written twice: PyTorch's
    # scatter leaves unspecified which write wins there
    "scatter": (Sample(((3, 4), (2, 4)), {"dim": 0, "index": np.array([[2, 0, 1, 0],
                                                                      [0, 1, 0, 2]])}),
                Sample(((2, 3), (2, 2)), {"dim": 1, "index": np.array([[2, 0], [1, 2]])})),
    "scatter_value": (Sample(((3, 4),), {"dim": 1, "index": np.array([[3], [0], [1]]),
                                         "value": -1.5}),
                      Sample(((3, 2),), {"dim": 0, "index": np.array([[2, 0]]), "value": 0.0})),
    "masked_select": (Sample(((2, 3),), {"mask": np.array([[True, False, True],
                                                           [False, False, True]])}),
                      Sample(((4,),), {"mask": np.array([False, True, True, True])}),
                      # self broadcast to the mask's shape: its elements read more than once
                      Sample(((3,),), {"mask": np.array([[True, False, True],
                                                         [True, True, False]])})),
    "roll": (Sample(((2, 3),), {"shifts": (1,), "dims": (1,)}),
             Sample(((2, 3),), {"shifts": (-1, 4), "dims": (0, 1)}),
             Sample(((2, 3),), {"shifts": (2,), "dims": ()})),
    "diag_embed": (Sample(((3,),), {"offset": 0}), Sample(((2,),), {"offset": -1}),
                   Sample(((2,),), {"offset": 2})),
    "diagonal_copy": (Sample(((3, 3),), {"offset": 0}), Sample(((3, 4),), {"offset": 1}),
                      Sample(((3, 2),), {"offset": -1})),
    "index_add": (Sample(((3, 2), (4, 2)), {"dim": 0, "index": np.array([2, 0, 2, 1]),
                                            "alpha": 1}),
                  Sample(((2, 3), (2, 2)), {"dim": 1, "index": np.array([1, 1]), "alpha": 2.5})),
    "addcmul": (Sample(((2, 3), (2, 3), (2, 3)), {"value": 1}),
                Sample(((2, 3), (3,), (2, 1)), {"value": -0.5})),
    "addcdiv": (Sample(((2, 3), (2, 3), (2, 3)), {"value": 1}),
                Sample(((2, 3), (2, 1), (3,)), {"value": 2.5})),
    "lerp": (Sample(((2, 3), (2, 3)), {"weight": 0.25}), Sample(((2, 3), (3,)), {"weight": 1.5})),
    "lerp_tensor": (Sample(((2, 3), (2, 3), (2, 3))), Sample(((2, 3), (3,), ()))),
    # more shape and indexing ops (symgrad/ops/shape_more.py)
    "diagonal": (Sample(((3, 4),), {"offset": 1, "dim1": 0, "dim2": 1}),
                 Sample(((2, 3, 3),), {"offset": -1, "dim1": 2, "dim2": 1}),
                 Sample(((3, 2),), {"offset": 0, "dim1": 1, "dim2": 0})),
    "diagonal_scatter": (Sample(((3, 4), (3,)), {"offset": 1, "dim1": 0, "dim2": 1}),
                         Sample(((2, 3, 3), (2, 2)), {"offset": -1, "dim1": 2, "dim2": 1})),
    "diag_embed_dims": (Sample(((2, 3),), {"offset": 0, "dim1": 1, "dim2": 2}),
                        Sample(((3,),), {"offset": -1, "dim1": 0, "dim2": 1}),
                        Sample(((2, 2),), {"offset": 1, "dim1": 0, "dim2": 2})),
    "unfold": (Sample(((7,),), {"dim": 0, "size": 3, "step": 2}),
               Sample(((2, 5),), {"dim": 1, "size": 2, "step": 1}),
               Sample(((4, 3),), {"dim": 0, "size": 2, "step": 3})),
    "unfold_backward": (Sample(((3, 3),), {"input_sizes": (7,), "dim": 0, "size": 3, "step": 2}),
                        Sample(((2, 4, 2),), {"input_sizes": (2, 5), "dim": 1, "size": 2,
                                              "step": 1})),
    "take": (Sample(((2, 3),), {"index": np.array([[0, 5], [3, 1]])}),
             Sample(((4,),), {"index": np.array([2, 2, 0])})),
    "index_copy": (Sample(((3, 2), (2, 2)), {"dim": 0, "index": np.array([2, 0])}),
                   Sample(((2, 4), (2, 2)), {"dim": 1, "index": np.array([3, 1])})),
    "index_fill": (Sample(((3, 2),), {"dim": 0, "index": np.array([2, 0]), "value": -1.5}),
                   Sample(((2, 4),), {"dim": 1, "index": np.array([1, 1]), "value": 0.0})),
    "index_fill_tensor": (Sample(((3, 2), ()), {"dim": 0, "index": np.array([2, 0])}),
                          Sample(((2, 4), ()), {"dim": 1, "index": np.array([3])})),
    "masked_scatter": (Sample(((2, 3), (5,)), {"mask": np.array([[True, False, True],
                                                                 [False, True, True]])}),
                       Sample(((4,), (2, 2)), {"mask": np.array([False, True, True, False])})),
    "select_scatter": (Sample(((3, 4), (4,)), {"dim": 0, "index": 1}),
                       Sample(((2, 3), (2,)), {"dim": 1, "index": 2})),
    "slice_scatter": (Sample(((4, 3), (2, 3)), {"dim": 0, "start": 1, "end": 4, "step": 2}),
                      Sample(((2, 5), (2, 2)), {"dim": 1, "start": 0, "end": 2, "step": 1})),
    "block_diag": (Sample(((2, 3), (2,)), {"shapes": ((2, 3), (2,))}),
                   Sample(((), (2, 1)), {"shapes": ((), (2, 1))})),
    "rot90": (Sample(((2, 3),), {"k": 1, "dims": (0, 1)}),
              Sample(((2, 3, 2),), {"k": 3, "dims": (2, 0)}),
              Sample(((2, 3),), {"k": 2, "dims": (1, 0)})),
    # more products (symgrad/ops/products.py): beta = 0 drops ``self``
    "addmv": (Sample(((2,), (2, 3), (3,)), {"beta": 1, "alpha": 1}),
              Sample(((1,), (2, 3), (3,)), {"beta": 2, "alpha": -3}),
              Sample(((2,), (2, 3), (3,)), {"beta": 0, "alpha": 2}),
              Sample(((2,), (2, 3), (3,)), {"beta": 0.5, "alpha": -1.5})),
    "addr": (Sample(((2, 3), (2,), (3,)), {"beta": 1, "alpha": 1}),
             Sample(((3,), (2,), (3,)), {"beta": -2, "alpha": 3}),
             Sample(((2, 3), (2,), (3,)), {"beta": 0, "alpha": 1}),
             Sample(((2, 1), (2,), (3,)), {"beta": 0.5, "alpha": 1.5})),
    "baddbmm": (Sample(((2, 2, 3), (2, 2, 2), (2, 2, 3)), {"beta": 1, "alpha": 1}),
                Sample(((3,), (2, 2, 2), (2, 2, 3)), {"beta": 2, "alpha": -1}),
                Sample(((2, 2, 3), (2, 2, 2), (2, 2, 3)), {"beta": 0, "alpha": 1}),
                Sample(((1, 2, 1), (2, 2, 2), (2, 2, 3)), {"beta": -0.5, "alpha": 2.5})),
    "addbmm": (Sample(((2, 3), (2, 2, 2), (2, 2, 3)), {"beta": 1, "alpha": 1}),
               Sample(((3,), (3, 2, 1), (3, 1, 3)), {"beta": 3, "alpha": 2}),
               Sample(((2, 3), (2, 2, 2), (2, 2, 3)), {"beta": 0, "alpha": -1}),
               Sample(((2, 3), (2, 2, 2), (2, 2, 3)), {"beta": 0.25, "alpha": 0.5})),
    "vdot": (Sample(((3,), (3,))), Sample(((1,), (1,)))),
    # special functions (symgrad/ops/special.py)
    **dict.fromkeys(("lgamma", "digamma", "erfinv", "entr"), _UNARY),
    "polygamma": (Sample(((2, 3),), {"n": 1}), Sample(((),), {"n": 0}),
                  Sample(((4,),), {"n": 2}), Sample(((2, 2),), {"n": 3})),
    "mvlgamma": (Sample(((2, 3),), {"p": 1}), Sample(((4,),), {"p": 3})),
    "logit": (Sample(((2, 3),), {"eps": None}), Sample(((4,),), {"eps": 0.2})),
    "xlogy": _BINARY,
    "xlog1py": _BINARY,
    # more elementwise ops and gates (helper nnm)
    "logaddexp": _BINARY,
    "logaddexp2": _BINARY,
    "hypot": _BINARY,
    "prelu": (Sample(((2, 3, 4), (3,))), Sample(((2, 3), (1,))), Sample(((5,), (1,)))),
    "glu": (Sample(((2, 4),), {"dim": 1}), Sample(((4, 3),), {"dim": 0}),
            Sample(((2, 2, 6),), {"dim": 2})),
    # pixel shuffles (helper nnm)
    "pixel_shuffle": (Sample(((1, 8, 2, 3),), {"upscale_factor": 2}),
                      Sample(((9, 1, 2),), {"upscale_factor": 3})),
    "pixel_unshuffle": (Sample(((1, 2, 4, 6),), {"downscale_factor": 2}),
                        Sample(((2, 1, 3, 3),), {"downscale_factor": 3})),
    # resampling (interpolate's nearest, linear and bilinear; helper nnm): sizes given or a
    # scale factor, up and down, with and without align_corners
    "upsample_nearest1d": (
        Sample(((2, 2, 3),), {"output_size": (7,), "scales": (None,)}),
        Sample(((1, 2, 4),), {"output_size": (8,), "scales": (2.0,)}),
        Sample(((1, 1, 7),), {"output_size": (3,), "scales": (None,)})),
    "upsample_nearest2d": (
        Sample(((1, 2, 3, 2),), {"output_size": (6, 5), "scales": (None, None)}),
        Sample(((1, 1, 2, 3),), {"output_size": (5, 4), "scales": (2.5, 1.5)}),
        Sample(((2, 1, 5, 4),), {"output_size": (2, 3), "scales": (None, None)})),
    "upsample_linear1d": tuple(
        Sample((shape,), {"output_size": size, "align_corners": a, "scales": s})
        # 5 -> 3: PyTorch's weight r - floor(r) keeps the bits of the position r = 11/3 below
        # 4 (2 fewer than a weight's own: 7 -> 3, at 16/3, left 14 ULP, past the tolerance)
        for shape, size, s in (((2, 2, 3), (7,), (None,)), ((1, 2, 4), (10,), (2.5,)),
                               ((1, 1, 5), (3,), (None,)))
        for a in (False, True)),
    "upsample_bilinear2d": tuple(
        Sample((shape,), {"output_size": size, "align_corners": a, "scales": s})
        for shape, size, s in (((1, 2, 3, 2), (5, 4), (None, None)),
                               ((1, 1, 2, 3), (5, 4), (2.5, 1.5)),
                               ((2, 1, 5, 4), (2, 3), (None, None)))
        for a in (False, True)),
    # interpolate's other modes (nearest-exact, 5-d nearest and trilinear, bicubic; helper
    # h2): sizes given or a scale factor, up and down, with and without align_corners
    **{f"upsample_nearest_exact{k}d": tuple(
        Sample(((1, 2) + shape,), {"output_size": size, "scales": s})
        for shape, size, s in cases)
       for k, cases in (
           (1, (((3,), (7,), (None,)), ((4,), (6,), (1.7,)), ((7,), (3,), (None,)))),
           (2, (((3, 2), (5, 4), (None, None)), ((2, 3), (5, 4), (2.5, 1.5)),
                ((5, 4), (2, 3), (None, None)))),
           (3, (((2, 3, 2), (3, 5, 4), (None, None, None)),
                ((3, 2, 2), (2, 3, 4), (0.6, 1.7, 2.0)))))},
    "upsample_nearest3d": (
        Sample(((1, 2, 2, 3, 2),), {"output_size": (3, 5, 4), "scales": (None, None, None)}),
        Sample(((1, 1, 3, 2, 2),), {"output_size": (2, 3, 4), "scales": (0.6, 1.7, 2.0)})),
    "upsample_trilinear3d": tuple(
        Sample((shape,), {"output_size": size, "align_corners": a, "scales": s})
        for shape, size, s in (((1, 2, 2, 3, 2), (3, 5, 4), (None, None, None)),
                               ((1, 1, 3, 2, 2), (2, 3, 4), (0.75, 1.5, 2.0)))
        for a in (False, True)),
    "upsample_bicubic2d": tuple(
        Sample((shape,), {"output_size": size, "align_corners": a, "scales": s})
        for shape, size, s in (((1, 2, 3, 2), (5, 4), (None, None)),
                               ((1, 1, 2, 3), (5, 4), (2.5, 1.5)),
                               ((2, 1, 5, 4), (2, 3), (None, None)),
                               ((2, 1, 5, 4), (3, 3), (None, None)))
        for a in (False, True)),
    # spatial transformers' sampling (symgrad/ops/grid_sample.py): each mode, padding mode
    # and align_corners; grid points inside and outside [-1, 1] (``DOMAINS``); affine grids of
    # one pixel, of sizes whose centres are binary fractions and of sizes whose are not
    "grid_sampler_2d": tuple(
        Sample(((1, 2, 2, 3), (1, 1, 3, 2)), {"mode": m, "padding_mode": p, "align_corners": a})
        for m in ("bilinear", "nearest") for p in ("zeros", "border", "reflection")
        for a in (False, True)),
    "affine_grid_generator": tuple(
        Sample(((n, 2, 3),), {"size": size, "align_corners": a})
        for n, size in ((2, (2, 1, 3, 4)), (1, (1, 3, 1, 5)), (1, (1, 1, 4, 2)))
        for a in (False, True)),
    # reducing scatters (helper red: symgrad/ops/scatter_reduce.py): each reduction with
    # input's elements in and out, a group of 3 (input and two src)
    "scatter_reduce": tuple(
        Sample(shapes, {"dim": d, "index": i, "reduce": r, "include_self": inc})
        for r in ("sum", "prod", "mean", "amax", "amin")
        for shapes, d, i, inc in (
            (((3, 4), (2, 4)), 0, np.array([[2, 0, 1, 0], [0, 0, 1, 2]]), True),
            # src as large as index: PyTorch's backward fails for a larger one (tested apart)
            (((2, 3), (2, 2)), 1, np.array([[2, 2], [0, 1]]), False))),
    "index_reduce": tuple(
        Sample(shapes, {"dim": d, "index": i, "reduce": r, "include_self": inc})
        for r in ("prod", "mean", "amax", "amin")
        for shapes, d, i, inc in (
            (((3, 2), (4, 2)), 0, np.array([2, 0, 2, 1]), True),
            (((2, 3), (2, 2)), 1, np.array([1, 1]), False))),
    "scatter_reduce_legacy": tuple(
        Sample(((3, 2), (2, 2)), {"dim": 0, "index": np.array([[2, 0], [2, 2]]), "reduce": r})
        for r in ("add", "multiply")),
    # more elementwise functions (helper red: symgrad/ops/elementwise_extra.py)
    **dict.fromkeys(("frac", "deg2rad", "rad2deg"), _UNARY),
    **dict.fromkeys(("copysign", "fmax", "fmin", "ldexp", "heaviside"), _BINARY),
    "copysign_scalar": (Sample(((2, 3),), {"other": -1.5}), Sample(((),), {"other": 2.0}),
                        Sample(((4,),), {"other": -0.0})),
    "ndtri": _UNARY,
    # sinc (helper special: symgrad/ops/sinc.py)
    "sinc": _UNARY,
    **dict.fromkeys(("i0", "special_i0e", "special_i1", "special_i1e", "special_erfcx",
                     "special_log_ndtr"), _UNARY),
    # channel shuffles and randomized leaky ReLU (helper misc): its noise the drawn slopes
    # (multiples of 1/64 in [1/8, 1/3], exact in every float dtype) or 1
    "channel_shuffle": (Sample(((2, 6, 3),), {"groups": 2}), Sample(((1, 6, 2, 2),), {"groups": 3}),
                        Sample(((1, 4, 1, 2, 1),), {"groups": 4})),
    "rrelu_with_noise": (Sample(((2, 3), (2, 3)), make={"noise": _rrelu_noise}),),
    "rrelu_with_noise_backward": (Sample(((2, 3), (2, 3), (2, 3)),
                                         make={"noise": _rrelu_noise}),),
    # adaptive max pooling (helper misc): windows that overlap (5 -> 2 and 3), grow (3 -> 5),
    # and the (N, C, 1, L) inputs of the 1-d function
    "adaptive_max_pool2d": (Sample(((1, 2, 5, 7),), {"output_size": (2, 3)}),
                            Sample(((2, 3, 4),), {"output_size": (5, 2)}),
                            Sample(((1, 2, 1, 6),), {"output_size": (1, 4)})),
    "adaptive_max_pool2d_backward": (
        Sample(((1, 2, 2, 3), (1, 2, 5, 7)), {"output_size": (2, 3)}),
        Sample(((2, 5, 2), (2, 3, 4)), {"output_size": (5, 2)})),
    # max unpooling (helper misc): the indices of a 2x2 pooling, and of a (1, 3) one into a
    # larger output
    "max_unpool2d": (Sample(((1, 2, 2, 2),), {"indices": np.array(
        [[[[0, 3], [9, 14]], [[5, 2], [12, 15]]]]), "output_size": (4, 4)}),
                     Sample(((2, 1, 3),), {"indices": np.array([[[1, 5, 6]], [[0, 3, 8]]]),
                                           "output_size": (1, 9)})),
    # reflection and replication pads and their backward operators (helper misc): batched and
    # unbatched, widths up to one less than the size (reflection's limit), crops
    **{f"{mode}_pad{k}d": tuple(Sample((shape,), {"padding": p}) for shape, p in cases)
       for mode in ("reflection", "replication") for k, cases in (
           (1, (((2, 2, 4), (2, 3)), ((3, 5), (-1, 2)), ((1, 2, 3), (2, 0)))),
           (2, (((1, 2, 3, 4), (1, 2, 2, 1)), ((2, 3, 3), (2, -1, 0, 2)))),
           (3, (((1, 1, 2, 3, 3), (1, 2, 0, 1, 1, 1)), ((2, 3, 2, 2), (-1, 1, 1, 0, 1, 0)))))},
    **{f"{mode}_pad{k}d_backward": tuple(
        Sample((tuple(s[:len(s) - k]) + tuple(
            n + p[2 * (k - 1 - i)] + p[2 * (k - 1 - i) + 1]
            for i, n in enumerate(s[len(s) - k:])), s), {"padding": p}) for s, p in cases)
       for mode in ("reflection", "replication") for k, cases in (
           (1, (((2, 2, 4), (2, 3)), ((3, 5), (-1, 2)))),
           (2, (((1, 2, 3, 4), (1, 2, 2, 1)), ((2, 3, 3), (2, -1, 0, 2)))),
           (3, (((1, 1, 2, 3, 3), (1, 2, 0, 1, 1, 1)),)))},
    # distances (helper dist): every p's own formula (0, 1, between, 2, above), batch dims that
    # broadcast; the backward operators at distances of their own (a positive domain). Not p =
    # inf: at a tie PyTorch gives each tied difference the side that grows |difference|, a
    # choice per partial no kink convention names (tests/test_distances.py checks it)
    "cdist": (Sample(((3, 2), (4, 2)), {"p": 2.0}),
              Sample(((2, 3, 2), (1, 4, 2)), {"p": 1.0}),
              Sample(((3, 3), (2, 3)), {"p": 3.0}),
              Sample(((2, 2), (2, 3, 2)), {"p": 1.5}),
              Sample(((2, 3), (2, 3)), {"p": 0.5}),
              Sample(((2, 2), (3, 2)), {"p": 0.0})),
    "euclidean_dist": (Sample(((3, 2), (4, 2))), Sample(((2, 3, 2), (2, 4, 2)))),
    "pdist": (Sample(((4, 3),), {"p": 2.0}), Sample(((3, 2),), {"p": 1.0}),
              Sample(((3, 3),), {"p": 1.5}), Sample(((3, 2),), {"p": 0.5})),
    "cdist_backward": (Sample(((3, 4), (3, 2), (4, 2), (3, 4)), {"p": 2.0}),
                       Sample(((2, 2, 3), (2, 2, 2), (1, 3, 2), (2, 2, 3)), {"p": 3.0}),
                       Sample(((2, 3), (2, 2), (3, 2), (2, 3)), {"p": 1.0}),
                       Sample(((2, 3), (2, 2), (3, 2), (2, 3)), {"p": 0.5})),
    "pdist_backward": (Sample(((3,), (3, 2), (3,)), {"p": 2.0}),
                       Sample(((6,), (4, 3), (6,)), {"p": 3.0})),
    # renorm (helper dist): slices scaled and kept (maxnorm between the drawn norms), each p's
    # own norm, a last dim and a first one
    "renorm": (Sample(((3, 2),), {"p": 2.0, "dim": 0, "maxnorm": 0.75}),
               Sample(((2, 3, 2),), {"p": 1.0, "dim": 1, "maxnorm": 1.25}),
               Sample(((2, 3),), {"p": 3.0, "dim": 1, "maxnorm": 0.5}),
               Sample(((3, 2),), {"p": 0.5, "dim": 0, "maxnorm": 2.5}),
               Sample(((2, 2, 2),), {"p": float("inf"), "dim": 2, "maxnorm": 0.625})),
    # weight_norm (symgrad/ops/weight_norm.py): PyTorch's fused dims, 0 and the last, g in the
    # norms' shape and flat, a vector (each element its own slice)
    "weight_norm": (Sample(((3, 2), (3, 1)), {"dim": 0}),
                    Sample(((2, 3, 2), (2,)), {"dim": 2}),
                    Sample(((2, 3), (1, 3)), {"dim": 1}),
                    Sample(((3,), (3,)), {"dim": 0})),
    # put (helper dist): negative positions, a source of another shape than the index,
    # repeated positions adding up
    "put": (Sample(((2, 3), (3,)), {"index": np.array([0, -1, 2]), "accumulate": False}),
            Sample(((2, 3), (2, 2)), {"index": np.array([[1, 1], [4, -5]]), "accumulate": True}),
            Sample(((4,), (1, 2)), {"index": np.array([3, 0]), "accumulate": False})),
    # the matrix exponential (symgrad/ops/matrix_exp.py; helper linalg): 1 x 1, 2 x 2, a batch
    # (the judge's closed form stops at 2 x 2)
    "matrix_exp": (Sample(((1, 1),)), Sample(((2, 2),)), Sample(((2, 2, 2),))),
    # least squares (symgrad/ops/least_squares.py; helper linalg): tall, wide, vectors per
    # matrix of a batch; the residuals of tall matrices (full rank: the drivers agree there)
    "lstsq": (Sample(((3, 2), (3, 1)), {"rcond": None, "vector": False}),
              Sample(((2, 3), (2, 2)), {"rcond": None, "vector": False}),
              Sample(((2, 3, 2), (2, 3)), {"rcond": None, "vector": True})),
    "lstsq_residuals": (Sample(((3, 2), (3, 2)), {"rcond": None, "vector": False, "empty": False}),
                        Sample(((3, 1), (3,)), {"rcond": None, "vector": True, "empty": False})),
    # LU (symgrad/ops/lu.py; helper linalg): square matrices (the gradient's domain), a batch;
    # lu_solve's packed factors with fixed pivots, each case of left and adjoint
    **{name: (Sample(((2, 2),)), Sample(((2, 2, 2),)), Sample(((3, 3),)))
       for name in ("lu_factor", "lu_l", "lu_u")},
    "lu_solve": (
        Sample(((2, 2), (2, 1)), {"pivots": np.array([2, 2], np.int32), "left": True,
                                  "adjoint": False}),
        Sample(((2, 2), (2, 3)), {"pivots": np.array([1, 2], np.int32), "left": True,
                                  "adjoint": True}),
        Sample(((2, 2, 2), (1, 2)), {"pivots": np.array([[2, 2], [1, 2]], np.int32),
                                     "left": False, "adjoint": False}),
        Sample(((2, 2), (2, 2)), {"pivots": np.array([2, 2], np.int32), "left": False,
                                  "adjoint": True})),
    # multi-class margin losses (helper loss): margins off the 1/64 lattice the samples live
    # on, so no hinge sits at its kink; (N, C), (C,) and 0-d inputs
    "multi_margin_loss": tuple(
        Sample((shape, tshape, (c,)), {"p": p, "margin": m, "reduction": r},
               make={"target": lambda rng, tshape=tshape, c=c: rng.integers(0, c, size=tshape)})
        for shape, tshape, c, p, m, r in (
            ((4, 3), (4,), 3, 1, 1.0 + 1 / 3, "mean"), ((4, 3), (4,), 3, 2, 0.7, "sum"),
            ((4, 3), (4,), 3, 1, 0.7, "none"), ((5,), (), 5, 2, 1.0 + 1 / 3, "none"),
            ((5,), (1,), 5, 1, 2.3, "mean"))),
    "multilabel_margin_loss": (
        *(Sample(((3, 4), (3, 4)), {"reduction": r}, make={"target": _multilabel_targets})
          for r in _LOSS_REDUCTIONS),
        Sample(((4,), (4,)), {"reduction": "none"},
               make={"target": lambda rng: _multilabel_targets(rng)[0]})),
    # embedding bags (helper loss): an empty bag, padding left out, include_last_offset, a 2-d
    # input's fixed-length bags
    "embedding_bag": tuple(Sample(((5, 3),), {
        "indices": np.array(i), "offsets": np.array(o), "include_last_offset": last,
        "padding_idx": pad, "mode": mode}) for i, o, last, pad, mode in (
            ([0, 2, 4, 2, 1, 3], [0, 2, 2, 5], False, None, "sum"),
            ([0, 2, 4, 2, 1, 3], [0, 3], False, 2, "mean"),
            ([0, 2, 4, 2, 1, 3], [0, 1, 6], True, None, "sum"),
            ([1, 1, 0, 4], [0, 2], False, 1, "sum"),
            ([0, 2, 4, 2, 1, 3], [0, 1, 1, 6], True, 3, "mean"))),
    "embedding_bag_max": tuple(Sample(((5, 3),), {
        "indices": np.array(i), "offsets": np.array(o), "include_last_offset": last,
        "padding_idx": pad, "mode": "max"}) for i, o, last, pad in (
            ([0, 2, 4, 2, 1, 3], [0, 2, 2, 5], False, None),
            ([0, 2, 4, 2, 1, 3], [0, 3, 6], True, 4))),
    "embedding_bag_weighted": tuple(Sample(((5, 3), (6,)), {
        "indices": np.array(i), "offsets": np.array(o), "include_last_offset": last,
        "padding_idx": pad, "mode": "sum"}) for i, o, last, pad in (
            ([0, 2, 4, 2, 1, 3], [0, 2, 2, 5], False, None),
            ([0, 2, 4, 2, 1, 3], [0, 3, 6], True, 2))),
    # sgn, dist and frexp's mantissa (helper names: symgrad/ops/sgn_dist_frexp.py)
    "sgn": _UNARY,
    # angle of a real tensor, 0 or pi (helper names2: symgrad/ops/tensor_extras.py)
    "angle": _UNARY,
    "dist": (Sample(((2, 3), (2, 3)), {"p": 2.0}), Sample(((2, 3), (3,)), {"p": 1.0}),
             Sample(((4,), (4,)), {"p": 3.0}), Sample(((2, 3), (2, 3)), {"p": math.inf})),
    "frexp": (Sample(((2, 3), (2, 3)), make={"exponent": _exponents}),),
    # integer functions (helper names: symgrad/ops/integer_bits.py)
    **dict.fromkeys(("gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift"), _BINARY),
    "nextafter": _BINARY,
    # Householder products (symgrad/ops/householder.py; helper linalg2): tall and square, fewer
    # reflectors than columns, a batch (no reflectors, where neither input has a gradient:
    # tests/test_linalg_extra.py); ormqr from each side, with and without transpose
    "householder_product": (Sample(((3, 2), (2,))), Sample(((3, 3), (2,))),
                            Sample(((2, 2, 1), (2, 1))), Sample(((2, 2), (1,)))),
    "ormqr": (Sample(((3, 2), (2,), (3, 2)), {"left": True, "transpose": False}),
              Sample(((2, 2), (2,), (2, 3)), {"left": True, "transpose": True}),
              Sample(((3, 2), (2,), (1, 3)), {"left": False, "transpose": False}),
              Sample(((2, 3, 1), (2, 1), (2, 2, 3)), {"left": False, "transpose": True})),
}
