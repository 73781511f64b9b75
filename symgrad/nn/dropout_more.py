"""Channel-wise and self-normalising dropouts, as PyTorch computes them: ``dropout1d``,
``dropout2d``, ``dropout3d``, ``alpha_dropout``, ``feature_alpha_dropout`` and their modules
``Dropout1d/2d/3d``, ``AlphaDropout``, ``FeatureAlphaDropout``.

Each draws its mask as PyTorch's ``_dropout_impl`` does, from the same random stream
(``bernoulli_(1 - p)`` of a tensor of the input's shape, or of ``(N, C, 1, ...)`` for the
channel-wise ones), so one seed gives PyTorch's masks; the mask is a constant and the result
``input * mask`` (MulBackward0), or for the alpha dropouts ``input * a mask + b`` with PyTorch's
affine constants (AddBackward0 over MulBackward0), which keep a SELU network's mean 0 and
variance 1.

>>> import symgrad
>>> F = symgrad.nn.functional
>>> _ = symgrad.manual_seed(0)
>>> F.dropout2d(symgrad.ones(1, 4, 1, 2), 0.5)[0, :, 0]
tensor([[0., 0.],
        [0., 0.],
        [2., 2.],
        [0., 0.]])
"""

from __future__ import annotations

import math
import warnings

import symgrad
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
           "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]

# SELU's negative saturation, -scale * alpha (PyTorch's ``alpha`` in _dropout_impl).
_SELU_SATURATION = 1.7580993408473766


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(input: Tensor, p: float, train: bool, feature: bool, alpha: bool,
                  inplace: bool) -> Tensor:
    """PyTorch's ``_dropout_impl``: the same draws, constants and recorded ops."""
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = symgrad.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
        noise = symgrad.empty(shape, dtype=input.dtype)
    else:
        # empty_like keeps a transposed input's strides, and the draws fill memory in order
        noise = symgrad.empty_like(input)
    noise.bernoulli_(1 - p)
    if not alpha:
        noise.div_(1 - p)
        return input.mul_(noise) if inplace else input * noise
    a = 1.0 / math.sqrt((_SELU_SATURATION * _SELU_SATURATION * p + 1) * (1 - p))
    b = noise.add(-1).mul_(_SELU_SATURATION * a).add_(_SELU_SATURATION * a * p)
    noise.mul_(a)
    return (input.mul_(noise) if inplace else input * noise).add_(b)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool,
                     batched: bool) -> Tensor:
    """``feature_dropout`` of ``input``, given a batch dim first where it has none."""
    if batched:
        return _dropout_impl(input, p, training, True, False, inplace)
    # PyTorch unsqueezes and squeezes back, in place for inplace (so a leaf that requires grad
    # is refused before anything else): SqueezeBackward1 on top, or SqueezeBackward4
    if inplace:
        return _dropout_impl(input.unsqueeze_(0), p, training, True, False, True).squeeze_(0)
    return _dropout_impl(input.unsqueeze(0), p, training, True, False, False).squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Whole channels of a ``(N, C, L)`` or ``(C, L)`` input zeroed with probability ``p``, the
    rest scaled by ``1 / (1 - p)``, in training; ``input`` itself otherwise.

    Args:
        input: The tensor, 2-D or 3-D.
        p: The probability of zeroing a channel, in [0, 1]. Defaults to 0.5.
        training: Drop only when true. Defaults to True.
        inplace: Multiply ``input`` by the mask in place. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.ones(2, 3, 4)
    >>> symgrad.nn.functional.dropout1d(x, 0.5, training=False) is x
    True
    """
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    return _feature_dropout(input, p, training, inplace, input.dim() == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Whole channels (dim 1) zeroed with probability ``p``, the rest scaled by ``1 / (1 - p)``,
    in training. As in PyTorch, a 3-D input is read as ``(N, C, L)`` (with a warning), and
    other ranks than 3 and 4 are deprecated (a warning).

    Args:
        input: The tensor, ``(N, C, H, W)``.
        p: The probability of zeroing a channel, in [0, 1]. Defaults to 0.5.
        training: Drop only when true. Defaults to True.
        inplace: Multiply ``input`` by the mask in place. Defaults to False.

    >>> import symgrad
    >>> symgrad.nn.functional.dropout2d(symgrad.ones(1, 2, 2, 2), 0.0).shape
    symgrad.Size([1, 2, 2, 2])
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _dropout_impl(input, p, training, True, False, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Whole channels of a ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input zeroed with
    probability ``p``, the rest scaled by ``1 / (1 - p)``, in training.

    Args:
        input: The tensor, 4-D or 5-D (other ranks are deprecated: a warning, and read as
            unbatched).
        p: The probability of zeroing a channel, in [0, 1]. Defaults to 0.5.
        training: Drop only when true. Defaults to True.
        inplace: Multiply ``input`` by the mask in place. Defaults to False.

    >>> import symgrad
    >>> symgrad.nn.functional.dropout3d(symgrad.ones(2, 1, 1, 1), 1.0)
    tensor([[[[0.]]],
    <BLANKLINE>
    <BLANKLINE>
            [[[0.]]]])
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, ndim == 5)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Alpha dropout (for SELU networks): each element set, with probability ``p``, to SELU's
    negative saturation ``-1.7581``, then all shifted and scaled (PyTorch's ``a`` and ``b``) to
    keep mean 0 and variance 1; in training only.

    Args:
        input: The tensor.
        p: The probability of dropping an element, in [0, 1]. Defaults to 0.5.
        training: Drop only when true. Defaults to False, as in PyTorch.
        inplace: Work in place. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.ones(3)
    >>> symgrad.nn.functional.alpha_dropout(x, 0.5) is x
    True
    """
    _check_p(p)
    return _dropout_impl(input, p, training, False, True, inplace)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (dim 1): the mask of ``alpha_dropout`` drawn per
    ``(N, C)`` channel.

    Args:
        input: The tensor, at least 2-D in training.
        p: The probability of dropping a channel, in [0, 1]. Defaults to 0.5.
        training: Drop only when true. Defaults to False, as in PyTorch.
        inplace: Work in place. Defaults to False.

    >>> import symgrad
    >>> symgrad.nn.functional.feature_alpha_dropout(symgrad.ones(2, 2), 0.5, True).shape
    symgrad.Size([2, 2])
    """
    _check_p(p)
    return _dropout_impl(input, p, training, True, True, inplace)


# -- the modules ---------------------------------------------------------------------------------
class _DropoutNd(Module):
    """What the dropout layers share: ``p`` and ``inplace``, checked and printed as PyTorch's
    ``_DropoutNd``; ``fn`` is the function a layer applies."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        """The layer's dropout of ``input`` with ``p``, in training mode only.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> layer = symgrad.nn.Dropout2d(0.5).eval()
        >>> x = symgrad.ones(1, 2, 1, 1)
        >>> layer.forward(x) is x
        True
        """
        return type(self).fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The probability and whether in place.

        >>> import symgrad
        >>> symgrad.nn.AlphaDropout(0.2)
        AlphaDropout(p=0.2, inplace=False)
        """
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """``dropout1d``: whole channels of ``(N, C, L)`` or ``(C, L)`` inputs dropped in training.

    Parameters:
        p: the probability of zeroing a channel. Default: 0.5.
        inplace: work in place. Default: False.

    >>> import symgrad
    >>> symgrad.nn.Dropout1d(0.25)
    Dropout1d(p=0.25, inplace=False)
    """

    fn = staticmethod(dropout1d)


class Dropout2d(_DropoutNd):
    """``dropout2d``: whole channels of ``(N, C, H, W)`` inputs dropped in training.

    Parameters:
        p: the probability of zeroing a channel. Default: 0.5.
        inplace: work in place. Default: False.

    >>> import symgrad
    >>> symgrad.nn.Dropout2d()
    Dropout2d(p=0.5, inplace=False)
    """

    fn = staticmethod(dropout2d)


class Dropout3d(_DropoutNd):
    """``dropout3d``: whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs dropped
    in training.

    Parameters:
        p: the probability of zeroing a channel. Default: 0.5.
        inplace: work in place. Default: False.

    >>> import symgrad
    >>> symgrad.nn.Dropout3d(0.1, True)
    Dropout3d(p=0.1, inplace=True)
    """

    fn = staticmethod(dropout3d)


class AlphaDropout(_DropoutNd):
    """``alpha_dropout`` in training mode, for SELU networks.

    Parameters:
        p: the probability of dropping an element. Default: 0.5.
        inplace: work in place. Default: False.

    >>> import symgrad
    >>> symgrad.nn.AlphaDropout(0.5).eval()(symgrad.ones(2)).tolist()
    [1.0, 1.0]
    """

    fn = staticmethod(alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """``feature_alpha_dropout`` in training mode: alpha dropout of whole channels.

    Parameters:
        p: the probability of dropping a channel. Default: 0.5.
        inplace: work in place. Default: False.

    >>> import symgrad
    >>> symgrad.nn.FeatureAlphaDropout(0.3, True)
    FeatureAlphaDropout(p=0.3, inplace=True)
    """

    fn = staticmethod(feature_alpha_dropout)
