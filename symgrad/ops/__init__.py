"""The op catalog. Importing this package declares every op in ``REGISTRY``."""

from symgrad.ops import (  # noqa: F401
    activations,
    activations_more,
    arithmetic,
    channel_shuffle,  # (helper misc)
    combining,
    convolution,
    counting,  # unique, bincount, histc, searchsorted, bucketize
    cross_product,  # cross (symgrad.linalg)
    discrete,
    elementwise,
    elementwise_more,
    indexing,
    inplace,
    layers,
    linalg,
    linalg_solve,  # det, inverse, solve, slogdet (symgrad.linalg)
    losses,
    losses_more,
    nan_handling,
    norms,
    operators,
    order_statistics,  # median, kthvalue, mode, quantile, cummax, logcumsumexp, ...
    padding,
    padding_modes,  # reflection and replication pads (helper misc)
    pixel_shuffle,
    pooling,
    pooling_more,  # adaptive max pooling (helper misc)
    products,
    reductions,
    resampling,
    rrelu,  # randomized leaky ReLU (helper misc)
    shape,
    shape_more,
    sorting,
    special,  # special functions (lgamma, digamma, erfinv, logit, xlogy, ...)
    tensor_functions,
    triangular,
)
from symgrad.ops.registry import FUNCTIONS, REGISTRY, OpDef

__all__ = ["REGISTRY", "FUNCTIONS", "OpDef"]
