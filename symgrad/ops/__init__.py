"""The op catalog. Importing this package declares every op in ``REGISTRY``."""

from symgrad.ops import (  # noqa: F401
    activations,
    arithmetic,
    combining,
    convolution,
    discrete,
    elementwise,
    indexing,
    inplace,
    layers,
    linalg,
    losses,
    nan_handling,
    operators,
    padding,
    pooling,
    reductions,
    shape,
    sorting,
    tensor_functions,
    triangular,
)
from symgrad.ops.registry import FUNCTIONS, REGISTRY, OpDef

__all__ = ["REGISTRY", "FUNCTIONS", "OpDef"]
