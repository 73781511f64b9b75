"""The op catalog. Importing this package declares every op in ``REGISTRY``."""

from symgrad.ops import (  # noqa: F401
    activations,
    activations_more,
    aliases,  # greater, less, not_equal, isposinf, conj, ... (other names, no mathematics)
    arithmetic,
    asarray_strided,  # asarray, empty_strided (helper names)
    bessel,  # i0, i0e, i1, i1e (helper special)
    channel_shuffle,  # (helper misc)
    combining,
    convolution,
    convolution_transposed,  # conv_transpose1d/2d/3d, conv3d
    counting,  # unique, bincount, histc, searchsorted, bucketize
    creation_more,  # logspace, range, scalar_tensor, unravel_index (helper names)
    cross_product,  # cross (symgrad.linalg)
    discrete,
    distances,  # cdist, pdist (helper dist)
    elementwise,
    elementwise_extra,  # frac, copysign, fmax, fmin, ldexp, heaviside, ... (helper red)
    elementwise_more,
    embedding_bag,  # embedding_bag (helper loss)
    embedding_renorm,  # embedding_renorm_ (embedding's max_norm)
    fold,  # unfold and fold: im2col, col2im
    functional_top_level,  # torch.dropout, torch.layer_norm, torch.kl_div, ... (helper names2)
    grid_sample,  # grid_sampler_2d, affine_grid_generator (grid_sample, affine_grid)
    householder,  # geqrf, linalg.householder_product, orgqr, ormqr (helper linalg2)
    indexing,
    inplace,
    inplace_views,  # t_, transpose_, unsqueeze_, squeeze_
    integer_bits,  # gcd, lcm, bitwise shifts and << >> (helper names)
    layers,
    least_squares,  # linalg.lstsq (helper linalg)
    linalg,
    linalg_solve,  # det, inverse, solve, slogdet (symgrad.linalg)
    losses,
    losses_margin,  # multi_margin_loss, multilabel_margin_loss
    losses_more,
    lu,  # linalg.lu_factor, linalg.lu, linalg.lu_solve (helper linalg)
    matrix_exp,  # linalg.matrix_exp (helper linalg)
    nan_handling,
    next_float,  # nextafter (helper names)
    normal_tail,  # special.erfcx, special.log_ndtr (helper special)
    norms,
    numerical_gradient,  # gradient (helper names)
    numerics,  # trapezoid, cumulative_trapezoid, cov, corrcoef, vander (helper red)
    operators,
    order_statistics,  # median, kthvalue, mode, quantile, cummax, logcumsumexp, ...
    padding,
    padding_modes,  # reflection and replication pads (helper misc)
    pixel_shuffle,
    pooling,
    pooling3d,  # max_pool3d, avg_pool3d, adaptive_avg_pool3d
    pooling3d_max,  # adaptive_max_pool3d
    pooling_more,  # adaptive max pooling (helper misc)
    products,
    put,  # put (helper dist)
    reductions,
    renorm,  # renorm (helper dist)
    resampling,
    rrelu,  # randomized leaky ReLU (helper misc)
    scatter_reduce,  # scatter_reduce, index_reduce, scatter(reduce=...) (helper red)
    sgn_dist_frexp,  # sgn, dist, frexp (helper names)
    shape,
    shape_more,
    sinc,  # sinc (helper special)
    sorting,
    special,  # special functions (lgamma, digamma, erfinv, logit, xlogy, ...)
    special_extra,  # torch.special.ndtri (helper red)
    tensor_extras,  # angle, isreal, resize_, apply_, cauchy_, ... (helper names2)
    tensor_functions,
    top_level_aliases,  # torch.detach, torch.fill, torch.exp_, torch.pinverse, ... (helper names)
    triangular,
    weight_norm,  # torch._weight_norm, norm_except_dim (weight normalisation)
    windows,  # hann_window, hamming_window, blackman_window, ... (helper names)
)
from symgrad.ops.registry import FUNCTIONS, REGISTRY, OpDef

__all__ = ["REGISTRY", "FUNCTIONS", "OpDef"]
