"""PyTorch's top-level forms of ``nn.functional``'s functions: ``torch.dropout(input, p,
train)``, ``torch.layer_norm``, ``torch.batch_norm``, ``torch.embedding(weight, indices)``, the
losses with an int ``reduction`` (0 none, 1 the mean, 2 the sum), ``torch.max_pool3d``,
``torch.constant_pad_nd``, ``torch.frobenius_norm``, ``torch.nuclear_norm``, ...

They take ATen's arguments, in ATen's order, and skip the Python checks ``nn.functional``
makes before calling them (``torch.batch_norm`` computes a batch of one value per channel,
``torch.margin_ranking_loss`` broadcasts inputs of different ranks), as PyTorch's do. Each
computes through the op ``nn.functional``'s form records, so it records PyTorch's node and
draws PyTorch's random numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from symgrad.ops import channel_shuffle as _channel_shuffle
from symgrad.ops.arguments import _not_a_tensor
from symgrad.ops.arithmetic import ADD_NUMBER
from symgrad.ops.registry import apply, expose, wrap_dim
from symgrad.tensor import Tensor

__all__ = ["dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout",
           "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_", "layer_norm",
           "batch_norm", "group_norm", "instance_norm", "embedding", "kl_div", "bilinear",
           "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
           "poisson_nll_loss", "triplet_margin_loss", "max_pool3d", "adaptive_max_pool1d",
           "max_pool1d_with_indices", "rrelu", "rrelu_", "channel_shuffle", "constant_pad_nd",
           "rms_norm", "frobenius_norm", "nuclear_norm"]


def _optional(fn: str, **given: tuple[int, Any]) -> None:
    """PyTorch's TypeError for an optional tensor argument (name: (position, value)) that is
    neither a tensor nor None."""
    for name, (position, value) in given.items():
        if value is not None and not isinstance(value, Tensor):
            raise _not_a_tensor(fn, name, position, value)


def _functional() -> Any:
    from symgrad.nn import functional

    return functional


# -- dropouts --------------------------------------------------------------------------------------
def _dropout(input: Tensor, p: float, train: bool, feature: bool, alpha: bool,
             inplace: bool) -> Tensor:
    from symgrad.nn.dropout_more import _dropout_impl

    if not 0.0 <= p <= 1.0:  # ATen's check: a RuntimeError, where nn.functional's is a ValueError
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p:g}")
    return _dropout_impl(input, p, train, feature, alpha, inplace)


@expose(method=False)
def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``nn.functional.dropout`` with ATen's arguments: in ``train``, each element zeroed with
    probability ``p`` (PyTorch's draws under one seed) and the rest scaled by ``1 / (1 - p)``
    (MulBackward0); ``input`` itself otherwise, or when ``p`` is 0.

    Args:
        input: The tensor.
        p: The probability of zeroing an element, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> x = symgrad.ones(3)
    >>> symgrad.dropout(x, 0.5, False) is x, symgrad.dropout(x, 1.0, True)
    (True, tensor([0., 0., 0.]))
    """
    return _dropout(input, p, train, False, False, False)


@expose(method=False)
def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``dropout`` written into ``input`` (``mul_``), which is returned.

    Args:
        input: The tensor, overwritten in ``train``.
        p: The probability of zeroing an element, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> x = symgrad.ones(3)
    >>> symgrad.dropout_(x, 1.0, True) is x, x
    (True, tensor([0., 0., 0.]))
    """
    return _dropout(input, p, train, False, False, True)


@expose(method=False)
def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``nn.functional.alpha_dropout`` with ATen's arguments: dropped elements set to SELU's
    saturation and the result rescaled to keep mean 0 and variance 1 (AddBackward0).

    Args:
        input: The tensor.
        p: The probability of dropping an element, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> x = symgrad.ones(2)
    >>> symgrad.alpha_dropout(x, 0.5, False) is x
    True
    """
    return _dropout(input, p, train, False, True, False)


@expose(method=False)
def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``alpha_dropout`` written into ``input``, which is returned.

    Args:
        input: The tensor, overwritten in ``train``.
        p: The probability of dropping an element, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> x = symgrad.ones(2)
    >>> symgrad.alpha_dropout_(x, 0.5, True) is x
    True
    """
    return _dropout(input, p, train, False, True, True)


@expose(method=False)
def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Whole channels (dim 1 of ``(N, C, ...)``) zeroed with probability ``p`` and the rest
    scaled by ``1 / (1 - p)`` in ``train`` (``nn.functional.dropout2d``'s computation).

    Args:
        input: A tensor of at least 2 dims.
        p: The probability of zeroing a channel, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> symgrad.feature_dropout(symgrad.ones(1, 2, 2), 1.0, True).sum()
    tensor(0.)
    """
    return _dropout(input, p, train, True, False, False)


@expose(method=False)
def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``feature_dropout`` written into ``input``, which is returned.

    Args:
        input: A tensor of at least 2 dims, overwritten in ``train``.
        p: The probability of zeroing a channel, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> x = symgrad.ones(1, 2, 2)
    >>> symgrad.feature_dropout_(x, 1.0, True) is x, x.sum()
    (True, tensor(0.))
    """
    return _dropout(input, p, train, True, False, True)


@expose(method=False)
def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``alpha_dropout`` of whole channels (dim 1 of ``(N, C, ...)``).

    Args:
        input: A tensor of at least 2 dims.
        p: The probability of dropping a channel, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> x = symgrad.ones(1, 2, 2)
    >>> symgrad.feature_alpha_dropout(x, 0.5, False) is x
    True
    """
    return _dropout(input, p, train, True, True, False)


@expose(method=False)
def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """``feature_alpha_dropout`` written into ``input``, which is returned.

    Args:
        input: A tensor of at least 2 dims, overwritten in ``train``.
        p: The probability of dropping a channel, in [0, 1].
        train: Drop only when true.

    >>> import symgrad
    >>> x = symgrad.ones(1, 2, 2)
    >>> symgrad.feature_alpha_dropout_(x, 0.5, True) is x
    True
    """
    return _dropout(input, p, train, True, True, True)


# -- normalisations --------------------------------------------------------------------------------
@expose(method=False)
def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5, cudnn_enable: bool = True
               ) -> Tensor:
    """``nn.functional.layer_norm`` (NativeLayerNormBackward0), with ATen's unused
    ``cudnn_enable``.

    Args:
        input: A tensor whose trailing dims are ``normalized_shape``.
        normalized_shape: The trailing dims normalised together.
        weight: A scale of shape ``normalized_shape``, or None. Defaults to None.
        bias: A shift of shape ``normalized_shape``, or None. Defaults to None.
        eps: Added to the variance. Defaults to 1e-5.
        cudnn_enable: Ignored (a CUDA switch). Defaults to True.

    >>> import symgrad
    >>> symgrad.layer_norm(symgrad.tensor([[1.0, 3.0]]), [2])
    tensor([[-1.0000,  1.0000]])
    """
    _optional("layer_norm", weight=(3, weight), bias=(4, bias))
    return _functional().layer_norm(input, normalized_shape, weight, bias, eps)


@expose(method=False)
def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool) -> Tensor:
    """``nn.functional.batch_norm`` with ATen's arguments and order (NativeBatchNormBackward0),
    without its Python check: a batch of one value per channel is normalised in training.

    Args:
        input: A tensor of shape ``(N, C, ...)``.
        weight: A scale per channel, or None.
        bias: A shift per channel, or None.
        running_mean: The running mean per channel, or None (read in evaluation, updated in
            training).
        running_var: The running variance per channel, or None.
        training: Normalise by the batch's statistics and update the running ones.
        momentum: How far the running statistics move toward the batch's.
        eps: Added to the variance.
        cudnn_enabled: Ignored (a CUDA switch).

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> symgrad.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    """
    _optional("batch_norm", weight=(2, weight), bias=(3, bias), running_mean=(4, running_mean),
              running_var=(5, running_var))
    return _functional().batch_norm(input, running_mean, running_var, weight, bias,
                                    training, momentum, eps, verify=False)


@expose(method=False)
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5, cudnn_enabled: bool = True
               ) -> Tensor:
    """``nn.functional.group_norm`` (NativeGroupNormBackward0) without its Python checks.

    Args:
        input: A tensor of shape ``(N, C, ...)``, ``C`` divisible by ``num_groups``.
        num_groups: How many groups the channels are split into.
        weight: A scale per channel, or None. Defaults to None.
        bias: A shift per channel, or None. Defaults to None.
        eps: Added to the variance. Defaults to 1e-5.
        cudnn_enabled: Ignored (a CUDA switch). Defaults to True.

    >>> import symgrad
    >>> symgrad.group_norm(symgrad.tensor([[1.0, 3.0, 10.0, 30.0]]), 2)
    tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """
    _optional("group_norm", weight=(3, weight), bias=(4, bias))
    input.size(0), input.size(1)  # ATen reads N and C first: PyTorch's IndexError below 2 dims
    return _functional()._group_norm(input, num_groups, weight, bias, eps)


@expose(method=False)
def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                  running_mean: Tensor | None, running_var: Tensor | None,
                  use_input_stats: bool, momentum: float, eps: float, cudnn_enabled: bool
                  ) -> Tensor:
    """``nn.functional.instance_norm`` with ATen's arguments and order (ViewBackward0 over
    NativeBatchNormBackward0), without its Python check of the spatial size.

    Args:
        input: A tensor of shape ``(N, C, ...)``.
        weight: A scale per channel, or None.
        bias: A shift per channel, or None.
        running_mean: The running mean per channel, or None.
        running_var: The running variance per channel, or None.
        use_input_stats: Normalise by each sample's statistics (else the running ones).
        momentum: How far the running statistics move.
        eps: Added to the variance.
        cudnn_enabled: Ignored (a CUDA switch).

    >>> import symgrad
    >>> x = symgrad.tensor([[[1.0, 3.0], [10.0, 30.0]]])
    >>> symgrad.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """
    _optional("instance_norm", weight=(2, weight), bias=(3, bias),
              running_mean=(4, running_mean), running_var=(5, running_var))
    return _functional()._instance_norm(input, running_mean, running_var, weight, bias,
                                        use_input_stats, momentum, eps)


@expose(method=False)
def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``nn.functional.rms_norm``: ``input / sqrt(mean(input ** 2) + eps) * weight`` over the
    trailing ``normalized_shape``.

    Args:
        input: A tensor whose trailing dims are ``normalized_shape``.
        normalized_shape: The trailing dims normalised together.
        weight: A scale of shape ``normalized_shape``, or None. Defaults to None.
        eps: Added to the mean square. Defaults to None: the dtype's machine epsilon.

    >>> import symgrad
    >>> symgrad.rms_norm(symgrad.tensor([[3.0, 4.0]]), [2], eps=0.0)
    tensor([[0.8485, 1.1314]])
    """
    _optional("rms_norm", weight=(3, weight))
    return _functional().rms_norm(input, normalized_shape, weight, eps)


# -- embedding, bilinear ---------------------------------------------------------------------------
@expose(method=False)
def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at ``indices`` (EmbeddingBackward0): ``nn.functional.embedding``
    with ATen's order, the table first. A ``padding_idx`` that is a row (0 to ``rows - 1``)
    receives no gradient; any other value (-1, the default) pads nothing, as in ATen (it is not
    counted from the end).

    Args:
        weight: The table, ``(num_embeddings, embedding_dim)``.
        indices: int64 or int32 indices into its rows.
        padding_idx: The row that receives no gradient. Defaults to -1: none.
        scale_grad_by_freq: Only False is supported. Defaults to False.
        sparse: Only False is supported. Defaults to False.

    >>> import symgrad
    >>> symgrad.embedding(symgrad.tensor([[0.0, 1.0], [2.0, 3.0]]), symgrad.tensor([1, 0]))
    tensor([[2., 3.],
            [0., 1.]])
    """
    rows = weight.shape[0] if weight.ndim else 0
    padding = padding_idx if 0 <= padding_idx < rows else None
    return _functional().embedding(indices, weight, padding, None, 2.0, scale_grad_by_freq,
                                   sparse)


@expose(method=False)
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None
             ) -> Tensor:
    """``nn.functional.bilinear``: ``input1^T weight[k] input2 + bias[k]`` for each output
    feature ``k``.

    Args:
        input1: ``(..., in1)``.
        input2: ``(..., in2)``.
        weight: ``(out, in1, in2)``.
        bias: ``(out,)``, or None. Defaults to None.

    >>> import symgrad
    >>> symgrad.bilinear(symgrad.ones(1, 2), symgrad.ones(1, 2), symgrad.ones(3, 2, 2))
    tensor([[4., 4., 4.]])
    """
    _optional("bilinear", bias=(4, bias))
    return _functional().bilinear(input1, input2, weight, bias)


# -- losses with ATen's int reduction -------------------------------------------------------------
def _reduced(name: str, position: int, loss: Tensor, reduction: Any) -> Tensor:
    """``loss`` reduced as ATen's ``apply_loss_reduction``: 1 the mean, 2 the sum, any other
    int none; ``reduction`` checked as PyTorch's argument parser checks an int."""
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{name}(): argument 'reduction' (position {position}) must be int, "
                        f"not {type(reduction).__name__}")
    return loss.mean() if reduction == 1 else loss.sum() if reduction == 2 else loss


@expose(method=False, autocast="fp32")
def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False
           ) -> Tensor:
    """``nn.functional.kl_div`` with ATen's int ``reduction`` (no ``"batchmean"``, and no
    warning for the mean); unreduced by default.

    Args:
        input: Log-probabilities.
        target: Probabilities (log-probabilities with ``log_target``).
        reduction: 1 the mean, 2 the sum, any other int none. Defaults to 0: none, as
            PyTorch's binding (whose stub shows 1).
        log_target: ``target`` holds log-probabilities. Defaults to False.

    >>> import symgrad
    >>> symgrad.kl_div(symgrad.tensor([0.0, 0.0]), symgrad.tensor([0.5, 0.5]), 2)
    tensor(-0.6931)
    """
    loss = _functional().kl_div(input, target, reduction="none", log_target=log_target)
    return _reduced("kl_div", 3, loss, reduction)


@expose(method=False, autocast="fp32")
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """``nn.functional.cosine_embedding_loss`` with ATen's int ``reduction``.

    Args:
        input1: Vectors, ``(N, D)`` or ``(D,)``.
        input2: Vectors of ``input1``'s shape.
        target: 1 or -1 per pair.
        margin: The cosine the -1 pairs may reach unpunished. Defaults to 0.
        reduction: 1 the mean, 2 the sum, any other int none. Defaults to 0: none, as
            PyTorch's binding (whose stub shows 1).

    >>> import symgrad
    >>> a = symgrad.tensor([[1.0, 0.0]])
    >>> symgrad.cosine_embedding_loss(a, a, symgrad.tensor([1]))
    tensor([0.])
    """
    loss = _functional().cosine_embedding_loss(input1, input2, target, margin, reduction="none")
    return _reduced("cosine_embedding_loss", 5, loss, reduction)


@expose(method=False, autocast="fp32")
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: int = 0) -> Tensor:
    """``nn.functional.hinge_embedding_loss`` with ATen's int ``reduction``.

    Args:
        input: The distances.
        target: 1 or -1 per element.
        margin: The margin of the -1 terms. Defaults to 1.
        reduction: 1 the mean, 2 the sum, any other int none. Defaults to 0: none, as
            PyTorch's binding (whose stub shows 1).

    >>> import symgrad
    >>> symgrad.hinge_embedding_loss(symgrad.tensor([0.5, 0.25]), symgrad.tensor([1, -1]), 1.0, 0)
    tensor([0.5000, 0.7500])
    """
    loss = _functional().hinge_embedding_loss(input, target, margin, reduction="none")
    return _reduced("hinge_embedding_loss", 4, loss, reduction)


@expose(method=False, autocast="fp32")
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``, reduced (ClampMinBackward0 unreduced):
    ``nn.functional.margin_ranking_loss`` with ATen's int ``reduction``, and without its check
    of the ranks (the inputs broadcast).

    Args:
        input1: The first scores.
        input2: The second scores.
        target: 1 or -1 per pair.
        margin: The least difference asked for. Defaults to 0.
        reduction: 1 the mean, 2 the sum, any other int none. Defaults to 0: none, as
            PyTorch's binding (whose stub shows 1).

    >>> import symgrad
    >>> symgrad.margin_ranking_loss(symgrad.tensor([1.0]), symgrad.tensor([2.0]),
    ...                             symgrad.tensor([1.0]), 0.5)
    tensor([1.5000])
    """
    loss = apply(ADD_NUMBER, -target * (input1 - input2), margin, alpha=1).clamp_min(0)
    return _reduced("margin_ranking_loss", 5, loss, reduction)


@expose(method=False, autocast="fp32")
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """``nn.functional.poisson_nll_loss`` with ATen's arguments, all required, and its int
    ``reduction``.

    Args:
        input: The log-rates (rates without ``log_input``).
        target: The counts.
        log_input: ``input`` holds log-rates.
        full: Add the Stirling approximation term.
        eps: Added to the rate inside the log (without ``log_input``).
        reduction: 1 the mean, 2 the sum, any other int none.

    >>> import symgrad
    >>> symgrad.poisson_nll_loss(symgrad.zeros(2), symgrad.ones(2), True, False, 1e-8, 1)
    tensor(1.)
    """
    loss = _functional().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                          reduction="none")
    return _reduced("poisson_nll_loss", 6, loss, reduction)


@expose(method=False, autocast="fp32")
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6, swap: bool = False,
                        reduction: int = 0) -> Tensor:
    """``nn.functional.triplet_margin_loss`` with ATen's int ``reduction`` (and without its
    Python check that ``margin`` is positive).

    Args:
        anchor: Vectors, ``(N, D)`` or ``(D,)``.
        positive: Vectors of the anchor's kind.
        negative: Vectors of the anchor's kind.
        margin: The least gap asked for. Defaults to 1.
        p: The norm's order. Defaults to 2.
        eps: Added to the differences. Defaults to 1e-6.
        swap: Use the distance swap. Defaults to False.
        reduction: 1 the mean, 2 the sum, any other int none. Defaults to 0: none, as
            PyTorch's binding (whose stub shows 1).

    >>> import symgrad
    >>> a = symgrad.tensor([[0.0, 0.0]])
    >>> symgrad.triplet_margin_loss(a, a, symgrad.tensor([[3.0, 4.0]]), reduction=1)
    tensor(0.)
    """
    F = _functional()
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs")
    dist_pos = F.pairwise_distance(anchor, positive, p, eps)
    dist_neg = F.pairwise_distance(anchor, negative, p, eps)
    if swap:
        from symgrad.ops.arithmetic import minimum

        dist_neg = minimum(dist_neg, F.pairwise_distance(positive, negative, p, eps))
    loss = (margin + dist_pos - dist_neg).clamp_min(0)
    return _reduced("triplet_margin_loss", 8, loss, reduction)


# -- pooling, padding ------------------------------------------------------------------------------
@expose(method=False, autocast="fp32")
def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """``nn.functional.max_pool3d`` with ATen's arguments (an empty ``stride`` is the kernel
    size): MaxPool3DWithIndicesBackward0.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        kernel_size: The window, an int or three.
        stride: The step, an int or three. Defaults to (): the kernel size.
        padding: Implicit -inf padding on each side. Defaults to 0.
        dilation: The spacing of the window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.

    >>> import symgrad
    >>> symgrad.max_pool3d(symgrad.arange(8.0).reshape(1, 2, 2, 2), 2).flatten()
    tensor([7.])
    """
    return _functional().max_pool3d(input, kernel_size, _stride(stride), padding, dilation,
                                    ceil_mode)


def _stride(stride: Any) -> Any:
    return None if isinstance(stride, (list, tuple)) and len(stride) == 0 else stride


@expose(method=False)
def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False
                            ) -> tuple[Tensor, Tensor]:
    """``nn.functional.max_pool1d`` with its indices, as ATen's ``max_pool1d_with_indices``:
    a tuple of the maxima and their positions.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        kernel_size: The window.
        stride: The step. Defaults to (): the kernel size.
        padding: Implicit -inf padding on each side. Defaults to 0.
        dilation: The spacing of the window's elements. Defaults to 1.
        ceil_mode: Round the output size up. Defaults to False.

    >>> import symgrad
    >>> symgrad.max_pool1d_with_indices(symgrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    return tuple(_functional().max_pool1d_with_indices(  # type: ignore[return-value]
        input, kernel_size, _stride(stride), padding, dilation, ceil_mode))


@expose(method=False)
def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:
    """``nn.functional.adaptive_max_pool1d`` with its indices, as ATen's: a tuple of the
    maxima and their positions.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        output_size: The output length, an int or a one-int sequence.

    >>> import symgrad
    >>> symgrad.adaptive_max_pool1d(symgrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    return tuple(_functional().adaptive_max_pool1d(  # type: ignore[return-value]
        input, output_size, True))


@expose(method=False)
def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """``input`` padded with ``value`` (ConstantPadNdBackward0): ``pad`` lists the amounts
    before and after each dim from the last backward; negative amounts crop.

    Args:
        input: The tensor.
        pad: ``(before_last, after_last, before_second_last, ...)``.
        value: The fill. Defaults to 0.

    >>> import symgrad
    >>> symgrad.constant_pad_nd(symgrad.tensor([1.0, 2.0]), [1, 2], 9.0)
    tensor([9., 1., 2., 9., 9.])
    """
    from symgrad.ops import padding

    widths = tuple(int(p) for p in pad)
    if len(widths) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(widths)}")
    if len(widths) > 2 * input.ndim:
        # (PyTorch's message runs the numbers into the words)
        raise RuntimeError("Length of pad should be no more than twice the number of dimensions "
                           f"of the input. Pad length is {len(widths)}while the input has "
                           f"{input.ndim}dimensions.")
    for i in range(len(widths) // 2):
        # ATen narrows the input by the negative widths first: narrow's error for too many
        before, after = widths[2 * i], widths[2 * i + 1]
        size = input.shape[input.ndim - 1 - i] + min(before, 0)
        if size < 0 or size + min(after, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return padding.constant_pad_nd(input, widths, value)


# channel_shuffle's checks are ATen's already (symgrad/ops/channel_shuffle.py)
channel_shuffle = expose("channel_shuffle", method=False)(_channel_shuffle.channel_shuffle)


# -- random activations ----------------------------------------------------------------------------
@expose(method=False)
def rrelu(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3, training: bool = False,
          generator: Any = None) -> Tensor:
    """``nn.functional.rrelu`` (RreluWithNoiseBackward0): in ``training``, each element
    ``<= 0`` times a slope drawn uniformly from ``[lower, upper]`` (PyTorch's draws under one
    seed, from ``generator`` if given); otherwise the slope ``(lower + upper) / 2``.

    Args:
        input: A floating-point tensor.
        lower: The least slope. Defaults to 1/8.
        upper: The greatest slope. Defaults to 1/3.
        training: Draw the slopes. Defaults to False.
        generator: The generator drawn from, or None for the default one. Defaults to None.

    >>> import symgrad
    >>> symgrad.rrelu(symgrad.tensor([-1.0, 2.0]), 0.25, 0.75)
    tensor([-0.5000,  2.0000])
    """
    from symgrad.ops import rrelu as _rrelu

    return _rrelu._rrelu(input, lower, upper, training, generator=generator)


@expose(method=False)
def rrelu_(input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3, training: bool = False,
           generator: Any = None) -> Tensor:
    """``rrelu`` written into ``input``, which is returned (RreluWithNoiseBackward1).

    Args:
        input: A floating-point tensor, overwritten.
        lower: The least slope. Defaults to 1/8.
        upper: The greatest slope. Defaults to 1/3.
        training: Draw the slopes. Defaults to False.
        generator: The generator drawn from, or None for the default one. Defaults to None.

    >>> import symgrad
    >>> x = symgrad.tensor([-2.0, 1.0])
    >>> symgrad.rrelu_(x, 0.5, 0.5) is x, x
    (True, tensor([-1.,  1.]))
    """
    from symgrad.ops import rrelu as _rrelu
    from symgrad.ops.inplace import rewrite

    return rewrite(input, lambda old: _rrelu._rrelu(old, lower, upper, training, True,
                                                    generator=generator))


# -- deprecated norms ------------------------------------------------------------------------------
_WARNED: set[str] = set()


def _warn_once(name: str, instead: str) -> None:
    """PyTorch's TORCH_WARN_ONCE: the deprecation said once per process (every time under
    ``set_warn_always(True)``)."""
    from symgrad.switches import is_warn_always_enabled

    if name not in _WARNED or is_warn_always_enabled():
        _WARNED.add(name)
        warnings.warn(f"at::{name} is deprecated and it is just left for JIT compatibility. It "
                      f"will be removed in a future PyTorch release. Please use `{instead}` "
                      "instead", UserWarning, stacklevel=3)


@expose(method=False)
def frobenius_norm(input: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """The 2-norm of the elements over at most two dims (all of them for ``[]``), as ATen's
    deprecated ``frobenius_norm`` computes it (``norm(input, 2, dim)``, NormBackward1), with its
    warning once.

    Args:
        input: A floating-point tensor.
        dim: The dims reduced, at most two; ``[]`` for all.
        keepdim: Keep the reduced dims with size one. Defaults to False.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     symgrad.frobenius_norm(symgrad.tensor([[3.0, 4.0]]), [0, 1])
    tensor(5.)
    """
    from symgrad.nn.functional import _NORM_SCALAR_DIM

    _warn_once("frobenius_norm", "linalg.vector_norm(A, 2., dim, keepdim)")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           "instead.")
    if not input.is_floating_point():
        from symgrad._dtypes import _TORCH_NAMES

        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {_TORCH_NAMES[input.dtype.name]} instead.")
    wrapped = tuple(wrap_dim(d, input.ndim) for d in dims) if dims else tuple(range(input.ndim))
    return apply(_NORM_SCALAR_DIM, input, p=2.0, dim=wrapped, keepdim=bool(keepdim))


@expose(method=False)
def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The sum of the singular values of each matrix over ``dim`` (the last two by default),
    as ATen's deprecated ``nuclear_norm`` computes it (``linalg.matrix_norm(A, 'nuc')``:
    SumBackward1 over LinalgSvdBackward0), with its warning once. As PyTorch's overloads, a
    bool second argument is ``keepdim``.

    Args:
        input: A float32 or float64 tensor of at least 2 dims.
        dim: The two dims of the matrices, or a bool taken as ``keepdim``. Defaults to None:
            the last two.
        keepdim: Keep the reduced dims with size one. Defaults to False.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     symgrad.nuclear_norm(symgrad.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor(7.)
    """
    from symgrad._dtypes import _TORCH_NAMES
    from symgrad.ops.decompositions import svdvals

    if isinstance(dim, bool):
        dim, keepdim = None, dim
    _warn_once("nuclear_norm", "linalg.matrix_norm(A, 'nuc', dim, keepdim)")
    if input.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if not input.is_floating_point():
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_TORCH_NAMES[input.dtype.name]}")
    if input.dtype.name in ("float16", "bfloat16"):
        raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got "
                           f"{_TORCH_NAMES[input.dtype.name]}")
    dims = (-2, -1) if dim is None else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(map(str, dims))}")
    d0, d1 = (wrap_dim(d, input.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    # ATen's backshift: the two dims moved last, in their order, the others kept in theirs
    order = [d for d in range(input.ndim) if d not in (d0, d1)] + [d0, d1]
    result = svdvals(input.permute(order)).sum(-1)
    if keepdim:
        reverse = [order.index(d) for d in range(input.ndim)]
        result = result.unsqueeze(-1).unsqueeze(-1).permute(reverse)
    return result
