"""Dtypes an op refuses: the same outcome as PyTorch for every op x dtype, never a wrong number.

``REFUSALS`` is written from PyTorch's error texts (the tests with torch installed check it
against PyTorch on the same inputs); the tests without torch check that the engine raises
each of them. The sweep runs every ``REGISTRY`` op in every dtype on its samples through the
engine (``apply``) and through its ``torch=`` expression: both succeed with equal values and
result dtypes, or both raise the same class with the same message.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from test_registry import draw_inputs

import symgrad
from oracle.samples import samples_of
from oracle.torch_calls import TORCH
from symgrad import _dtypes
from symgrad.ops.registry import REGISTRY, apply

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
# Integer samples reach poles (log of 0) where both libraries give inf or nan.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

ALL_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
              "float32", "float64")
NOT_FLOAT = ALL_DTYPES[:6]
FLOAT = ALL_DTYPES[6:]
BOOL = ("bool",)
# PyTorch's names of its scalar types in its messages.
TORCH_NAME = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
              "int64": "Long", "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
              "float64": "Double"}


def kernel(name: str | tuple[str, ...], dtypes: tuple[str, ...]) -> tuple[Any, ...]:
    """PyTorch's NotImplementedError of a kernel (one name per sample where they differ)."""
    names = (name,) if isinstance(name, str) else name
    return ("NotImplementedError",
            tuple(f'"{n}" not implemented for \'{{}}\'' for n in names), dtypes)


def runtime(message: str, dtypes: tuple[str, ...]) -> tuple[Any, ...]:
    return ("RuntimeError", (message,), dtypes)


# op -> (class, message per sample (one for all when alike; {} is PyTorch's dtype name), dtypes)
REFUSALS: dict[str, tuple[Any, ...]] = {
    # sgn, dist, frexp (helper names: symgrad/ops/sgn_dist_frexp.py)
    # (two bool tensors refuse the subtraction first: sub's message, compared in the sweep)
    "dist": runtime("norm(): input dtype should be either floating point or complex. Got {} "
                    "instead.", NOT_FLOAT[1:]),
    "frexp": runtime("torch.frexp() only supports floating-point dtypes", NOT_FLOAT),
    # integer functions and nextafter (helper names)
    "gcd": kernel("gcd_cpu", BOOL + FLOAT),
    "lcm": kernel("lcm_cpu", BOOL + FLOAT),
    "bitwise_left_shift": kernel("lshift_cpu", BOOL + FLOAT),
    "bitwise_right_shift": kernel("rshift_cpu", BOOL + FLOAT),
    "nextafter": kernel("nextafter_cpu", NOT_FLOAT),
    "relu": runtime("Boolean inputs not supported for relu", BOOL),
    "leaky_relu": kernel("leaky_relu_cpu", NOT_FLOAT),
    "elu": kernel("elu_cpu", NOT_FLOAT),
    "hardtanh": runtime("Bool inputs not supported for hardtanh", BOOL),
    # shrinking activations
    "softshrink": kernel("softshrink_check", NOT_FLOAT),
    "hardshrink": kernel("hardshrink_cpu", NOT_FLOAT),
    # smooth and piecewise activations
    "logsigmoid": kernel("log_sigmoid_cpu", NOT_FLOAT),
    "mish": kernel("mish_cpu", NOT_FLOAT),
    "hardsigmoid": kernel("hardsigmoid_cpu", NOT_FLOAT),
    "hardswish": kernel("hardswish_cpu", NOT_FLOAT),
    "celu": kernel("elu_cpu", NOT_FLOAT),
    "selu": kernel("elu_cpu", NOT_FLOAT),
    "threshold": kernel("threshold_cpu", BOOL),
    "gelu": kernel("GeluKernelImpl", NOT_FLOAT),
    "silu": kernel("silu_cpu", NOT_FLOAT),
    "softplus": kernel("softplus_cpu", NOT_FLOAT),
    # samples: dim 1 of (2, 3), dim 0 of (2, 3), dim 0 of (4,): the last dim has its own kernel
    "softmax": kernel(("softmax_lastdim_kernel_impl", "softmax_kernel_impl",
                       "softmax_lastdim_kernel_impl"), NOT_FLOAT),
    "log_softmax": kernel(("log_softmax_lastdim_kernel_impl", "log_softmax_kernel_impl",
                           "log_softmax_lastdim_kernel_impl"), NOT_FLOAT),
    "nll_loss": kernel("nll_loss_out_frame", NOT_FLOAT),
    "nll_loss_weighted": kernel("nll_loss_out_frame", NOT_FLOAT),
    # backward formulas as ops (symgrad.ops.backward_ops)
    "threshold_backward": kernel("threshold_cpu", BOOL),
    "hardtanh_backward": kernel("hardshrink_backward_cpu", NOT_FLOAT),
    "leaky_relu_backward": kernel("leaky_relu_backward_cpu", NOT_FLOAT),
    "nll_loss_backward": kernel("nll_loss_backward_out_frame", NOT_FLOAT),
    "nll_loss_weighted_backward": kernel("nll_loss_backward_out_frame", NOT_FLOAT),
    "max_pool2d_backward": kernel("max_pool2d_backward", NOT_FLOAT),
    "mse_loss": kernel("mse_cpu", NOT_FLOAT),
    "smooth_l1_loss": kernel("smooth_l1_cpu", NOT_FLOAT),
    "huber_loss": kernel("huber_cpu", NOT_FLOAT),
    "binary_cross_entropy": kernel("binary_cross_entropy", NOT_FLOAT),
    # more elementwise functions (helper red)
    "frac": kernel("frac_cpu", NOT_FLOAT),
    "ndtri": kernel("ndtri_cpu", ("float16", "bfloat16")),
    # erfcx and log_ndtr (helper special)
    "special_erfcx": kernel("erfcx_cpu", ("float16", "bfloat16")),
    "special_log_ndtr": kernel("log_ndtr_cpu", ("float16", "bfloat16")),
    # soft margin loss
    "soft_margin_loss": runtime("result type Float can't be cast to the desired output "
                                "type {}", tuple(d for d in NOT_FLOAT if d != "bool")),
    "binary_cross_entropy_with_logits": kernel("log_sigmoid_cpu", NOT_FLOAT),
    "layer_norm": kernel("LayerNormKernelImpl", NOT_FLOAT),
    "batch_norm": kernel("batch_norm", NOT_FLOAT),
    # group normalisation
    "group_norm": kernel("GroupNormKernelImpl", NOT_FLOAT),
    # pooling: max_pool2d computes integers too; avg_pool2d int64 alone (dividing toward 0)
    "max_pool2d": kernel("max_pool2d", BOOL),
    "avg_pool2d": kernel("avg_pool2d", ("bool", "uint8", "int8", "int16", "int32")),
    "adaptive_avg_pool2d": kernel("adaptive_avg_pool2d", NOT_FLOAT),
    # convolutions: samples 2 and 6 are dilated (the integers but int64 are refused there too,
    # by the forward, as PyTorch's dilated kernel refuses them: the sweep compares those)
    "convolution": kernel(("slow_conv2d_cpu", "slow_conv2d_cpu", "slow_conv_dilated<>",
                           "slow_conv2d_cpu", "slow_conv2d_cpu", "slow_conv2d_cpu",
                           "slow_conv_dilated<>"), BOOL),
    # unfold and fold: the floats and bool
    "im2col": kernel("im2col_out_cpu", NOT_FLOAT[1:]),
    "col2im": kernel("col2im_out_cpu", NOT_FLOAT[1:]),
    # 3-d pooling: avg_pool3d computes float32, float64 and int64 alone
    "max_pool3d": kernel("max_pool3d", BOOL),
    "avg_pool3d": kernel("avg_pool3d_out_frame", NOT_FLOAT[:5] + ("float16", "bfloat16")),
    "adaptive_avg_pool3d": kernel("adaptive_avg_pool3d_cpu", NOT_FLOAT),
    "adaptive_max_pool3d": kernel("adaptive_max_pool3d_cpu", NOT_FLOAT),
    # spatial transformers' sampling: the floats alone
    "grid_sampler_2d": kernel("grid_sampler_2d_cpu_kernel_impl", NOT_FLOAT),
    "affine_grid_generator": kernel("linspace_cpu", BOOL),
    # transposed convolutions: of the integers torch computes int64 only
    "conv_transpose": kernel("slow_conv_transpose2d_out_cpu", NOT_FLOAT[:5]),
    "sub": runtime("Subtraction, the `-` operator, with two bool tensors is not supported. "
                   "Use the `^` or `logical_xor()` operator instead.", BOOL),
    "rsub": runtime("Subtraction, the `-` operator, with two bool tensors is not supported. "
                    "Use the `^` or `logical_xor()` operator instead.", BOOL),
    "neg": runtime("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                   "trying to invert a mask, use the `~` or `logical_not()` operator instead.",
                   BOOL),
    "div_mode": kernel(("div_floor_cpu", "div_trunc_cpu"), BOOL),
    "floor_divide": kernel("div_floor_cpu", BOOL),
    "pow_tensor": kernel("pow", BOOL),
    "abs": kernel("abs_cpu", BOOL),
    "clamp_tensor": kernel("clamp_cpu", BOOL),
    "floor": kernel("floor_vml_cpu", BOOL),
    "ceil": kernel("ceil_vml_cpu", BOOL),
    "trunc": kernel("trunc_vml_cpu", BOOL),
    "round": kernel("round_vml_cpu", BOOL),
    "round_decimals": kernel("round_cpu", NOT_FLOAT),
    "remainder_tensor": kernel("remainder_cpu", BOOL),
    "remainder_scalar": kernel("remainder_cpu", BOOL),
    "fmod_tensor": kernel("fmod_cpu", BOOL),
    "dot": kernel("dot", BOOL),
    "mv": kernel("addmv_impl_cpu", BOOL),
    "mm": kernel("addmm_impl_cpu_", BOOL),
    "bmm": kernel("bmm", BOOL),
    "addmm": kernel("addmm_impl_cpu_", BOOL),
    "trace": kernel("trace", BOOL),
    # matmul folds its operands into one of PyTorch's products, named after the shapes
    "matmul": kernel(("bmm", "addmm_impl_cpu_", "bmm", "addmv_impl_cpu", "bmm"), BOOL),
    "matmul_clone": kernel("bmm", BOOL),
    "matmul_vm": kernel("addmm_impl_cpu_", BOOL),
    "bitwise_and": kernel("bitwise_and_cpu", FLOAT),
    "bitwise_or": kernel("bitwise_or_cpu", FLOAT),
    "bitwise_xor": kernel("bitwise_xor_cpu", FLOAT),
    "bitwise_not": kernel("bitwise_not_cpu", FLOAT),
    "rsub_scalar": runtime("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.", BOOL),
    "mean": runtime("mean(): could not infer output dtype. Input dtype must be either a floating "
                    "point or complex dtype. Got: {}", NOT_FLOAT),
    "mean_all": runtime("mean(): could not infer output dtype. Input dtype must be either a "
                        "floating point or complex dtype. Got: {}", NOT_FLOAT),
    "var": runtime("std and var only support floating point and complex dtypes", NOT_FLOAT),
    "std": runtime("std and var only support floating point and complex dtypes", NOT_FLOAT),
    "norm": runtime("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                    "Got {}", NOT_FLOAT),
    # sorting
    "topk": runtime("topk does not support bool dtypes on CPU", BOOL),
    # order statistics (symgrad/ops/order_statistics.py)
    "median_all": kernel("median_cpu", BOOL),
    "nanmedian_all": kernel("median_cpu", BOOL),
    "median_dim": kernel("median_out", BOOL),
    "nanmedian_dim": kernel("median_out", BOOL),
    "kthvalue": kernel("kthvalue_cpu", BOOL),
    "logcumsumexp": kernel("logcumsumexp_out_cpu", NOT_FLOAT),
    "std_mean_std": runtime("std_mean only support floating point and complex dtypes", NOT_FLOAT),
    "std_mean_mean": runtime("std_mean only support floating point and complex dtypes",
                             NOT_FLOAT),
    "var_mean_var": runtime("var_mean only support floating point and complex dtypes", NOT_FLOAT),
    "var_mean_mean": runtime("var_mean only support floating point and complex dtypes",
                             NOT_FLOAT),
    "quantile": runtime("quantile() input tensor must be either float or double dtype",
                        NOT_FLOAT + ("float16", "bfloat16")),
    # tensor functions
    "addcmul": kernel("addcmul_cpu_out", BOOL),
    "addcdiv": runtime(
        "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
        "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
        "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
        "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
        "addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
        "tensor2), for all dtypes.", NOT_FLOAT),
    "lerp": kernel("lerp_kernel_scalar", NOT_FLOAT),
    "lerp_tensor": kernel("lerp_kernel_tensor", NOT_FLOAT),
    # more products (symgrad/ops/products.py)
    "addmv": kernel("addmv_impl_cpu", BOOL),
    "baddbmm": kernel("baddbmm", BOOL),
    "addbmm": kernel("addmm_impl_cpu_", BOOL),
    "vdot": kernel("dot", BOOL),
    # determinants, inverses and solves (symgrad.ops.linalg_solve): integers and bool are not
    # floating; the half types are refused by LU's kernel (det, solve) or as low precision
    # (inverse, slogdet), in MORE_REFUSALS below
    "det": runtime("linalg.det: Expected a floating point or complex tensor as input. Got {}",
                   NOT_FLOAT),
    "inverse": runtime("linalg.inv: Expected a floating point or complex tensor as input. "
                       "Got {}", NOT_FLOAT),
    "solve": runtime("linalg.solve: Expected a floating point or complex tensor as input. "
                     "Got {}", NOT_FLOAT),
    "slogdet": runtime("linalg.slogdet: Expected a floating point or complex tensor as input. "
                       "Got {}", NOT_FLOAT),
    "slogdet_sign": runtime("linalg.slogdet: Expected a floating point or complex tensor as "
                            "input. Got {}", NOT_FLOAT),
    "cross": kernel("cross", BOOL),
    # matrix decompositions (symgrad.ops.decompositions; helper lin): cholesky's integers are
    # not floating (its half types in MORE_REFUSALS below); the solves' kernels refuse the rest
    "cholesky": runtime("linalg.cholesky: Expected a floating point or complex tensor as input. "
                        "Got {}", NOT_FLOAT),
    "solve_triangular": kernel("triangular_solve_cpu", NOT_FLOAT + ("float16", "bfloat16")),
    "cholesky_solve": kernel("cholesky_solve_cpu", NOT_FLOAT + ("float16", "bfloat16")),
    "cholesky_inverse": kernel("cholesky_inverse_out_cpu", NOT_FLOAT + ("float16", "bfloat16")),
    "eigvalsh": kernel("linalg_eigh_cpu", NOT_FLOAT + ("float16", "bfloat16")),
    "eigh_vectors": kernel("linalg_eigh_cpu", NOT_FLOAT + ("float16", "bfloat16")),
    **{name: runtime("linalg.svd: Expected a floating point or complex tensor as input. "
                     "Got {}", NOT_FLOAT) for name in ("svdvals", "svd_u", "svd_vh")},
    **{name: runtime("linalg.qr: Expected a floating point or complex tensor as input. "
                     "Got {}", NOT_FLOAT) for name in ("qr_q", "qr_r")},
    "pinv": ("RuntimeError", tuple(f"linalg.pinv({{}}{{{{[{shape}]}}}}): expected a tensor with 2 "
                                   "or more dimensions of float, double, cfloat or cdouble types"
                                   for shape in ("3, 2", "2, 3", "2, 2, 2")),
             NOT_FLOAT + ("float16", "bfloat16")),
    # more elementwise ops and gates (helper nnm)
    "logaddexp": kernel("logaddexp_cpu", NOT_FLOAT),
    "logaddexp2": kernel("logaddexp2_cpu", NOT_FLOAT),
    "hypot": kernel("hypot_cpu", NOT_FLOAT),
    "prelu": kernel("prelu_cpu", NOT_FLOAT),
    "glu": kernel("glu_cpu", NOT_FLOAT),
    # resampling (helper nnm): uint8 is computed; the 2-d samples' outputs are small enough for
    # PyTorch's channels-last kernel, which names the refusal
    "upsample_nearest1d": kernel("compute_indices_weights_nearest", NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    "upsample_nearest2d": kernel("upsample_nearest2d_channels_last",
                                 NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    "upsample_linear1d": kernel("compute_indices_weights_linear", NOT_FLOAT),
    "upsample_bilinear2d": kernel("upsample_bilinear2d_channels_last",
                                  NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    # interpolate's other modes (helper h2): uint8 is computed but by trilinear
    "upsample_nearest3d": kernel("compute_indices_weights_nearest", NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    "upsample_nearest_exact1d": kernel("compute_indices_weights_nearest",
                                       NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    "upsample_nearest_exact2d": kernel("upsample_nearest2d_channels_last",
                                       NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    "upsample_nearest_exact3d": kernel("compute_indices_weights_nearest",
                                       NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    "upsample_trilinear3d": kernel("compute_indices_weights_linear", NOT_FLOAT),
    "upsample_bicubic2d": kernel("compute_indices_weights_cubic", NOT_FLOAT[:1] + NOT_FLOAT[2:]),
    # adaptive max pooling and its backward operator (helper misc): floating dtypes alone
    "adaptive_max_pool2d": kernel("adaptive_max_pool2d", NOT_FLOAT),
    "adaptive_max_pool2d_backward": kernel("adaptive_max_pool2d_backward", NOT_FLOAT),
    "max_unpool2d": kernel("max_unpool2d", NOT_FLOAT),
    # reflection and replication pads (helper misc): every dtype but bool; their backward
    # operators floating dtypes alone
    **{f"{m}_pad{k}d": kernel(f"{m}_pad{k}d", BOOL)
       for m in ("reflection", "replication") for k in (1, 2, 3)},
    **{f"{m}_pad{k}d_backward": kernel(f"{m}_pad{k}d_backward", NOT_FLOAT)
       for m in ("reflection", "replication") for k in (1, 2, 3)},
    # rrelu's kernel: float32, float64 and bfloat16 alone
    "rrelu_with_noise": kernel("rrelu_with_noise_out_cpu", NOT_FLOAT + ("float16",)),
    # distances (symgrad/ops/distances.py): float32 and float64 alone; the matrix-product
    # form's integer sums cannot take its square root
    "cdist": runtime("cdist only supports floating-point dtypes, X1 got: {}", NOT_FLOAT),
    "pdist": runtime("pdist only supports floating-point dtypes", NOT_FLOAT),
    "euclidean_dist": runtime("result type Float can't be cast to the desired output type Long",
                              NOT_FLOAT),
    "cdist_backward": kernel("cdist_backward", NOT_FLOAT + ("float16", "bfloat16")),
    "pdist_backward": kernel("pdist_backward", NOT_FLOAT + ("float16", "bfloat16")),
    # renorm (symgrad/ops/renorm.py)
    "renorm": runtime("linalg.vector_norm: Expected a floating point or complex tensor as "
                      "input. Got {}", NOT_FLOAT),
    # weight normalisation's fused op (symgrad/ops/weight_norm.py)
    "weight_norm": kernel("weight_norm_kernel", NOT_FLOAT),
    # linalg functions (helper linalg)
    "matrix_exp": runtime("linalg.matrix_exp: Expected a floating point or complex tensor as "
                          "input. Got {}", NOT_FLOAT),
    **{name: runtime("This function doesn't handle types other than float and double",
                     NOT_FLOAT + ("float16", "bfloat16"))
       for name in ("lstsq", "lstsq_residuals")},
    **{name: kernel("lu_cpu", NOT_FLOAT + ("float16", "bfloat16"))
       for name in ("lu_factor", "lu_l", "lu_u")},
    "lu_solve": runtime("torch.linalg.lu_solve: Expected a floating point or complex tensor as "
                        "input. Got {}", NOT_FLOAT),
    # Householder products (helper linalg2)
    "householder_product": kernel("orgqr_cpu", NOT_FLOAT + ("float16", "bfloat16")),
    "ormqr": kernel("ormqr_cpu", NOT_FLOAT + ("float16", "bfloat16")),
    # multi-class margin losses (helper loss): float32 and float64 alone
    "multi_margin_loss": kernel("multi_margin_loss_cpu_kernel",
                                NOT_FLOAT + ("float16", "bfloat16")),
    "multilabel_margin_loss": kernel("multilabel_margin_loss_forward_out_frame",
                                     NOT_FLOAT + ("float16", "bfloat16")),
    # embedding bags (helper loss): a floating table (bool's refusal in MORE_REFUSALS)
    **{name: runtime("Expected tensor for argument #1 'weight' to have one of the following "
                     "scalar types: Half, BFloat16, Float, Double; but got torch.{}Tensor "
                     "instead (while checking arguments for embedding_bag)", NOT_FLOAT[1:])
       for name in ("embedding_bag", "embedding_bag_max", "embedding_bag_weighted")},
}

# An op's refusals of other dtypes with another class or message than its REFUSALS entry.
MORE_REFUSALS: dict[str, tuple[Any, ...]] = {
    # dist of two bool tensors refuses their subtraction (helper names)
    "dist": runtime("Subtraction, the `-` operator, with two bool tensors is not supported. "
                    "Use the `^` or `logical_xor()` operator instead.", BOOL),
    "det": kernel("lu_cpu", ("float16", "bfloat16")),
    "inverse": runtime("linalg.inv: Low precision dtypes not supported. Got {}",
                       ("float16", "bfloat16")),
    "solve": kernel("lu_cpu", ("float16", "bfloat16")),
    "slogdet": runtime("linalg.slogdet: Low precision dtypes not supported. Got {}",
                       ("float16", "bfloat16")),
    "slogdet_sign": runtime("linalg.slogdet: Low precision dtypes not supported. Got {}",
                            ("float16", "bfloat16")),
    # matrix decompositions (helper lin)
    "cholesky": kernel("cholesky_cpu", ("float16", "bfloat16")),
    **{name: kernel("linalg_svd_cpu", ("float16", "bfloat16"))
       for name in ("svdvals", "svd_u", "svd_vh")},
    **{name: kernel("geqrf_cpu", ("float16", "bfloat16")) for name in ("qr_q", "qr_r")},
    # distances (helper dist)
    "cdist": kernel("cdist", ("float16", "bfloat16")),
    "pdist": kernel("pdist", ("float16", "bfloat16")),
    "lu_solve": kernel("linalg.lu_solve_cpu", ("float16", "bfloat16")),  # (helper linalg)
    # embedding bags (helper loss): PyTorch names a bool table by its C++ type
    **{name: runtime("Expected tensor for argument #1 'weight' to have one of the following "
                     "scalar types: Half, BFloat16, Float, Double; but got CPUBoolType instead "
                     "(while checking arguments for embedding_bag)", BOOL)
       for name in ("embedding_bag", "embedding_bag_max", "embedding_bag_weighted")},
}


def _refusal_entries() -> list[tuple[str, tuple[Any, ...]]]:
    return [*REFUSALS.items(), *MORE_REFUSALS.items()]

# (op, dtype) cases where the engine still differs from PyTorch, each with what differs; a
# listed case is an expected failure (strict: fixing it fails the run until it is removed).
KNOWN: dict[str, str] = {
    # special functions (symgrad/ops/special.py): symgrad is exact where PyTorch is not
    "polygamma-float64": "PyTorch's float64 trigamma is 4e-10 off (12.2453645449 at 0.3 for "
                         "12.2453645461; pi**2/6 + 8e-10 at 1); symgrad's within 4 ULP",
    "mvlgamma-bool": "PyTorch's mvlgamma refuses a bool tensor before promoting it; symgrad's "
                     "public function does (tests/test_special_functions.py), its op computes",
    # resampling (helper nnm)
    "upsample_bilinear2d-uint8": "PyTorch's uint8 bilinear weighs in 16-bit fixed point: the "
                                 "engine's exact sum rounded half up is 1 off on 2 of 40",
    "upsample_bicubic2d-uint8": "PyTorch's uint8 bicubic weighs in 16-bit fixed point on "
                                "windows cut at the border; symgrad raises NotImplementedError",
    # linalg functions (helper linalg)
    # spatial transformers' grids (symgrad/ops/grid_sample.py)
    **{f"affine_grid_generator-{d}": "PyTorch's op computes an integer theta's grid by an "
                                     "integer linspace (the pixel positions truncated to -1, "
                                     "0, 1), symgrad's in floats; F.affine_grid refuses an "
                                     "integer theta in both"
       for d in NOT_FLOAT[1:]},
    **{f"affine_grid_generator-{d}": "PyTorch 2.13's half affine grid of a one-pixel side "
                                     "raises \"tensor_cpu\" not implemented; symgrad computes it"
       for d in ("float16", "bfloat16")},
    **{f"matrix_exp-{d}": "PyTorch 2.13's half matrix_exp is wrong (the identity's exp has "
                          "-20896 on its diagonal in float16); symgrad's is exp rounded"
       for d in ("float16", "bfloat16")},
}


def expected_error(name: str, d: str, sample_index: int) -> tuple[str, str]:
    error, messages, _ = next(entry for key, entry in _refusal_entries()
                              if key == name and d in entry[2])
    message = messages[sample_index] if len(messages) > 1 else messages[0]
    return error, message.format(TORCH_NAME[d])


def refused_cases() -> list[Any]:
    return [pytest.param(name, d, i, id=f"{name}-{d}-{i}")
            for name, (_, _, dtypes) in sorted(_refusal_entries()) for d in dtypes
            for i in range(len(samples_of(name)))]


def outcome(call: Any) -> tuple[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", call()
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return "raises", (type(e).__name__, str(e))


def engine_outcome(name: str, d: str, sample_index: int) -> tuple[str, Any]:
    op = REGISTRY[name]
    arrays = draw_inputs(op, sample_index, getattr(symgrad, d))
    inputs = [symgrad.Tensor._make(a.copy(), False, None) for a in arrays]
    return outcome(lambda: apply(op, *inputs, **samples_of(op.name)[sample_index].attrs))


# -- without PyTorch: each declared refusal raises -----------------------------------------------
@pytest.mark.parametrize(("name", "d", "sample_index"), refused_cases())
def test_refused_dtype_raises(name: str, d: str, sample_index: int) -> None:
    assert engine_outcome(name, d, sample_index) == (
        "raises", expected_error(name, d, sample_index))


def test_every_refusal_the_engine_declares_is_in_the_table() -> None:
    declared = {(name, _dtypes._FROM_NP[d].name) for name, op in REGISTRY.items()
                for d in op.refuses}
    written = {(name, d) for name, (_, _, dtypes) in _refusal_entries() for d in dtypes}
    assert declared == written


def test_no_op_declares_a_dtype_it_refuses() -> None:
    # generated tests run an op in its declared dtypes, so a refused one would fail there
    assert {name: sorted(d.name for d in op.dtypes if d.np in op.refuses)
            for name, op in REGISTRY.items() if any(d.np in op.refuses for d in op.dtypes)} == {}


def test_public_functions_refuse_integers() -> None:
    with pytest.raises(NotImplementedError) as info:
        symgrad.softmax(symgrad.tensor([1, 2]), 0)
    assert str(info.value) == '"softmax_lastdim_kernel_impl" not implemented for \'Long\''
    with pytest.raises(NotImplementedError) as info:
        symgrad.nn.functional.gelu(symgrad.tensor([1, 2]))
    assert str(info.value) == '"GeluKernelImpl" not implemented for \'Long\''


def test_refusal_is_of_the_computation_dtype() -> None:
    # bool - bool is refused, and so is bool - int (torch 2.13 raises "with a bool tensor" for
    # any subtraction with a bool operand); an int64 tensor with a float scalar computes
    # softmax-free float math, so only the promoted dtype decides
    x = symgrad.tensor([True, False])
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        x - 1
    with pytest.raises(RuntimeError, match="with two bool tensors"):
        x - x
    assert symgrad.tensor([1, 2]).exp().dtype is symgrad.float32


def test_refused_dtype_does_not_slow_or_change_floats() -> None:
    out = symgrad.softmax(symgrad.tensor([0.0, 0.0]), 0)
    assert out.tolist() == [0.5, 0.5]


# -- with PyTorch: the table is PyTorch's, and every op x dtype has PyTorch's outcome -------------
def to_torch(a: np.ndarray) -> Any:
    if a.dtype == symgrad.bfloat16.np:
        return torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16)
    return torch.from_numpy(np.array(a))


def torch_outcome(name: str, d: str, sample_index: int) -> tuple[str, Any]:
    op = REGISTRY[name]
    arrays = draw_inputs(op, sample_index, getattr(symgrad, d))
    scope = {"torch": torch, **dict(zip(op.args, map(to_torch, arrays), strict=True)),
             **samples_of(op.name)[sample_index].attrs}
    return outcome(lambda: eval(TORCH[op.name], scope))


@needs_torch
@pytest.mark.parametrize(("name", "d", "sample_index"), refused_cases())
def test_refusal_table_is_pytorchs(name: str, d: str, sample_index: int) -> None:
    assert torch_outcome(name, d, sample_index) == (
        "raises", expected_error(name, d, sample_index))


VALUE_RTOL = {"float64": 1e-12, "float32": 2e-6, "float16": 2e-3, "bfloat16": 1.6e-2}


def _sweep_cases() -> list[Any]:
    cases = []
    for name in sorted(REGISTRY):
        for d in ALL_DTYPES:
            marks = ([pytest.mark.xfail(reason=KNOWN[f"{name}-{d}"], strict=True)]
                     if f"{name}-{d}" in KNOWN else [])
            cases.append(pytest.param(name, d, marks=marks, id=f"{name}-{d}"))
    return cases


@needs_torch
@pytest.mark.parametrize(("name", "d"), _sweep_cases())
def test_same_outcome_as_torch(name: str, d: str) -> None:
    for i in range(len(samples_of(name))):
        mine, theirs = engine_outcome(name, d, i), torch_outcome(name, d, i)
        assert mine[0] == theirs[0], f"sample {i}: symgrad {mine}, torch {theirs}"
        if mine[0] == "raises":
            assert mine == theirs, f"sample {i}"
            continue
        out, t_out = mine[1], theirs[1]
        assert f"torch.{out.dtype.name}" == str(t_out.dtype), f"sample {i}: result dtype"
        expected = (t_out.to(torch.float64) if t_out.dtype.is_floating_point else t_out).numpy()
        assert out.shape == tuple(expected.shape), f"sample {i}: shape"
        rtol = VALUE_RTOL.get(out.dtype.name)
        if rtol is None:
            np.testing.assert_array_equal(out._data, expected, err_msg=f"sample {i}")
        else:
            scale = max(1.0, float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0)))
            np.testing.assert_allclose(out._data.astype(np.float64), expected, rtol=rtol,
                                       atol=rtol * scale, equal_nan=True, err_msg=f"sample {i}")
