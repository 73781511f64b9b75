"""Initialising weights in place, as ``torch.nn.init`` does: the same bounds and standard
deviations computed the same way, drawn from the same random stream, so a seed gives PyTorch's
weights. None of them records autograd.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from symgrad import _distributions
from symgrad.autograd.grad_mode import no_grad
from symgrad.random import Generator, default_generator
from symgrad.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_",
           # deprecated, as in PyTorch
           "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
           "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for ``nonlinearity`` (``param``: leaky_relu's slope).

    Args:
        nonlinearity: ``"linear"``, a convolution's name, ``"sigmoid"``, ``"tanh"``,
            ``"relu"``, ``"leaky_relu"`` or ``"selu"``.
        param: the negative slope of ``leaky_relu`` (0.01 if None).

    >>> from symgrad.nn import init
    >>> init.calculate_gain("tanh"), init.calculate_gain("leaky_relu", 5 ** 0.5)
    (1.6666666666666667, 0.5773502691896257)
    """
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples uniform in ``[a, b)``.

    Args:
        tensor: the tensor to fill.
        a: the lower bound.
        b: the upper bound.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.nn.init.uniform_(symgrad.empty(3), -1, 1)
    tensor([-0.0075,  0.5364, -0.8230])
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with normal samples of ``mean`` and ``std``.

    Args:
        tensor: the tensor to fill.
        mean: the mean.
        std: the standard deviation.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.nn.init.normal_(symgrad.empty(3), 0, 2)
    tensor([ 3.0820, -0.5869, -4.3576])
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def _normal_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with normal samples of ``mean`` and ``std`` restricted to ``[a, b]``, by
    PyTorch's two samplers: when ``[a, b]`` holds more than 30% of the mass, normals redrawn
    (the whole tensor's worth each round) where they fell outside; otherwise uniform candidates
    accepted by comparing a uniform's log with the log-density.

    Args:
        tensor: the tensor to fill.
        mean: the mean of the normal before truncation.
        std: its standard deviation.
        a: the lower bound.
        b: the upper bound.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.nn.init.trunc_normal_(symgrad.empty(3), std=0.02)
    tensor([ 0.0308, -0.0059, -0.0436])
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    with no_grad():
        if _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std) > 0.3:
            values = _redraw_outside(tensor, mean, std, a, b, generator)
        else:
            values = _accept_by_density(tensor, mean, std, a, b, generator)
        return tensor.copy_(Tensor._make(values, False, None))


def _redraw_outside(tensor: Tensor, mean: float, std: float, a: float, b: float,
                    generator: Generator | None) -> np.ndarray:
    dtype = tensor._data.dtype
    low, high = np.asarray(a).astype(dtype), np.asarray(b).astype(dtype)
    values = tensor.normal_(mean, std, generator=generator)._data.copy()
    outside = (values < low) | (values > high)
    while outside.any():
        fresh = Tensor._make(np.empty_like(values), False, None)
        values = np.where(outside, fresh.normal_(mean, std, generator=generator)._data, values)
        outside = (values < low) | (values > high)
    return values


def _accept_by_density(tensor: Tensor, mean: float, std: float, a: float, b: float,
                       generator: Generator | None) -> np.ndarray:
    dtype = tensor._data.dtype
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2

    def rejected(x: np.ndarray) -> np.ndarray:
        z = (x - np.asarray(mean).astype(dtype)) / np.asarray(std).astype(dtype)
        log_density = (z * z) * np.asarray(-0.5).astype(dtype) - np.asarray(log_peak).astype(dtype)
        u = Tensor._make(np.empty_like(x), False, None).uniform_(generator=generator)._data
        return np.log(u) > log_density

    values = tensor.uniform_(a, b, generator=generator)._data.copy()
    pending = rejected(values)
    while pending.any():
        candidates = Tensor._make(np.empty_like(values), False, None)
        candidates = candidates.uniform_(a, b, generator=generator)._data
        values = np.where(pending, candidates, values)
        pending = np.where(pending, rejected(candidates), pending)
    return values


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``.

    Args:
        tensor: the tensor to fill.
        val: the value.

    >>> import symgrad
    >>> symgrad.nn.init.constant_(symgrad.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones.

    Args:
        tensor: the tensor to fill.

    >>> import symgrad
    >>> symgrad.nn.init.ones_(symgrad.empty(2))
    tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros.

    Args:
        tensor: the tensor to fill.

    >>> import symgrad
    >>> symgrad.nn.init.zeros_(symgrad.ones(2))
    tensor([0., 0.])
    """
    with no_grad():
        return tensor.zero_()


def _copy_from(tensor: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        return tensor.copy_(Tensor._make(values.astype(tensor._data.dtype), False, None))


def eye_(tensor: Tensor) -> Tensor:
    """Fill a matrix with the identity (ones on the diagonal of a non-square one).

    Args:
        tensor: a 2-dimensional tensor.

    >>> import symgrad
    >>> symgrad.nn.init.eye_(symgrad.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _copy_from(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a convolution weight with the Dirac delta: the convolution passes its input's
    channels through, per group.

    Args:
        tensor: a 3, 4 or 5-dimensional tensor ``(out_channels, in_channels, *kernel)``.
        groups: how many groups of output channels.

    >>> import symgrad
    >>> symgrad.nn.init.dirac_(symgrad.empty(2, 2, 3))[0]
    tensor([[0., 1., 0.],
            [0., 0., 0.]])
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    shape = tuple(tensor.shape)
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = shape[0] // groups
    values = np.zeros(shape)
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            values[(g * per_group + d, d, *centre)] = 1
    return _copy_from(tensor, values)


def _fans(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _fans(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """Glorot's uniform initialisation: bound ``gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        tensor: the tensor to fill, of 2 or more dimensions.
        gain: the scaling factor.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.nn.init.xavier_uniform_(symgrad.empty(2, 2))
    tensor([[-0.0092,  0.6570],
            [-1.0080, -0.9013]])
    """
    fan_in, fan_out = _fans(tensor)
    bound = math.sqrt(3.0) * (gain * math.sqrt(2.0 / float(fan_in + fan_out)))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """Glorot's normal initialisation: std ``gain * sqrt(2 / (fan_in + fan_out))``.

    Args:
        tensor: the tensor to fill, of 2 or more dimensions.
        gain: the scaling factor.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.nn.init.xavier_normal_(symgrad.empty(2, 2))
    tensor([[ 1.0896, -0.2075],
            [-1.5406,  0.4019]])
    """
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He's uniform initialisation: bound ``gain * sqrt(3 / fan)``.

    Args:
        tensor: the tensor to fill, of 2 or more dimensions.
        a: the negative slope of the rectifier after this layer (``leaky_relu``).
        mode: ``"fan_in"`` keeps the forward pass's variance, ``"fan_out"`` the backward's.
        nonlinearity: the function after this layer (see ``calculate_gain``).
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.nn.init.kaiming_uniform_(symgrad.empty(2, 2), nonlinearity="relu")
    tensor([[-0.0130,  0.9291],
            [-1.4256, -1.2747]])
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He's normal initialisation: std ``gain / sqrt(fan)``.

    Args:
        tensor: the tensor to fill, of 2 or more dimensions.
        a: the negative slope of the rectifier after this layer (``leaky_relu``).
        mode: ``"fan_in"`` keeps the forward pass's variance, ``"fan_out"`` the backward's.
        nonlinearity: the function after this layer (see ``calculate_gain``).
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.nn.init.kaiming_normal_(symgrad.empty(2, 2), nonlinearity="relu")
    tensor([[ 1.5410, -0.2934],
            [-2.1788,  0.5684]])
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` (seen as a matrix of its first dimension by the rest) with a random
    orthogonal matrix times ``gain``: the Q of a normal matrix's QR, its columns' signs those of
    R's diagonal. The normal matrix is PyTorch's; the QR is NumPy's LAPACK, whose last bits
    can differ from PyTorch's.

    Args:
        tensor: the tensor to fill, of 2 or more dimensions.
        gain: the scaling factor.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import numpy as np, symgrad
    >>> w = symgrad.nn.init.orthogonal_(symgrad.empty(3, 5))
    >>> np.allclose(w._data @ w._data.T, np.eye(3), atol=1e-6)
    True
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = Tensor._make(np.empty((rows, cols), tensor._data.dtype), False, None)
        flat = flat.normal_(0, 1, generator=generator)._data
        tall = flat.T if rows < cols else flat
        q, r = np.linalg.qr(tall)
        q = q * np.sign(np.diag(r))
        q = (q.T if rows < cols else q).astype(tensor._data.dtype)
        tensor.copy_(Tensor._make(q.reshape(tensor.shape), False, None))
        return tensor.mul_(gain)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: Generator | None = None) -> Tensor:
    """Fill a matrix with normal samples of ``std`` and zero ``ceil(sparsity * rows)`` random
    entries of each column. As in PyTorch, the zeroed rows come from the default generator
    even when ``generator`` is given.

    Args:
        tensor: a 2-dimensional tensor.
        sparsity: the fraction of each column to zero.
        std: the standard deviation of the non-zero values.
        generator: the ``Generator`` the values are drawn from (the default one if None).

    >>> import symgrad
    >>> w = symgrad.nn.init.sparse_(symgrad.empty(4, 3), sparsity=0.5)
    >>> [sum(v == 0 for v in column) for column in w.t().tolist()]
    [2, 2, 2]
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    zeros = math.ceil(sparsity * rows)
    with no_grad():
        values = tensor.normal_(0, std, generator=generator)._data.copy()
        for column in range(cols):
            values[_distributions.permutation(default_generator, rows)[:zeros], column] = 0
        return tensor.copy_(Tensor._make(values, False, None))


# -- the names without the underscore, deprecated ------------------------------------------------
_DEPRECATED_DOC = """Deprecated: ``{new}`` (PyTorch's FutureWarning, then ``{new}``'s result).

    Args:
        *args: ``{new}``'s arguments.
        **kwargs: ``{new}``'s keyword arguments.

    >>> import symgrad, warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     _ = symgrad.nn.init.{old}({example})
    >>> seen[0].category.__name__, str(seen[0].message)
    ('FutureWarning', '`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.')
    """
# a tensor (and the arguments) each one takes, for its example
_EXAMPLES = {"constant": "symgrad.zeros(2), 2.0", "sparse": "symgrad.zeros(2, 2), 0.5",
             "dirac": "symgrad.zeros(2, 2, 1)"}


def _deprecated(new: Any) -> Any:
    """PyTorch's ``_make_deprecate``: ``new``'s name without its underscore, which warns (a
    FutureWarning, every call) and calls ``new``."""
    old = new.__name__[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.",
                      FutureWarning, stacklevel=2)
        return new(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old
    deprecated_init.__doc__ = _DEPRECATED_DOC.format(
        new=new.__name__, old=old, example=_EXAMPLES.get(old, "symgrad.zeros(2, 2)"))
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
