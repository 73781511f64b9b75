"""The op catalog. Importing this package declares every op in ``REGISTRY``."""

from symgrad.ops import (  # noqa: F401
    activations,
    activations_more,
    arithmetic,
    combining,
    convolution,
    discrete,
    elementwise,
    elementwise_more,
    indexing,
    inplace,
    layers,
    linalg,
    losses,
    losses_more,
    nan_handling,
    norms,
    operators,
    padding,
    pixel_shuffle,
    pooling,
    reductions,
    resampling,
    shape,
    sorting,
    tensor_functions,
    triangular,
)
from symgrad.ops.registry import FUNCTIONS, REGISTRY, OpDef

__all__ = ["REGISTRY", "FUNCTIONS", "OpDef"]
