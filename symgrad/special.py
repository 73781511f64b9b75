"""``torch.special``: special functions under SciPy's names, as PyTorch publishes them.

Most are aliases of the top-level functions (``gammaln`` is ``lgamma``, ``expit`` is
``sigmoid``, ``sinc`` and ``i0`` are ``symgrad.sinc`` and ``symgrad.i0``) and record the same
nodes; ``xlog1py``, ``entr``, ``i0e``, ``i1`` and ``i1e`` are ops of their own
(SpecialXlog1PyBackward0, SpecialEntrBackward0, SpecialI0EBackward0, ...).

>>> import symgrad
>>> symgrad.special.gammaln(symgrad.tensor([4.0]))
tensor([1.7918])
"""

from __future__ import annotations

from symgrad.ops.elementwise import erf as _erf
from symgrad.ops.elementwise import erfc as _erfc
from symgrad.ops.elementwise import sigmoid as _sigmoid
from symgrad.ops.special import digamma as _digamma
from symgrad.ops.special import entr as _entr
from symgrad.ops.special import erfinv as _erfinv
from symgrad.ops.special import lgamma as _lgamma
from symgrad.ops.special import logit as _logit
from symgrad.ops.special import mvlgamma as _mvlgamma
from symgrad.ops.special import polygamma as _polygamma
from symgrad.ops.special import xlog1py as _xlog1py
from symgrad.ops.special import xlogy as _xlogy
from symgrad.tensor import Tensor

__all__ = ["gammaln", "digamma", "psi", "polygamma", "multigammaln", "erf", "erfc", "erfinv",
           "logit", "expit", "xlogy", "xlog1py", "entr"]
# aliases of top-level functions, and ndtr (helper red: symgrad/_special_aliases.py)
from symgrad._special_aliases import (  # noqa: E402
    exp2,
    expm1,
    log1p,
    log_softmax,
    logsumexp,
    ndtr,
    round,
    softmax,
)
from symgrad.ops.special_extra import ndtri  # noqa: E402

__all__ += ["expm1", "exp2", "log1p", "round", "softmax", "log_softmax", "logsumexp", "ndtr",
            "ndtri"]


def _check(name: str, input: object) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"special_{name}(): argument 'self' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def gammaln(input: Tensor) -> Tensor:
    """``lgamma``: the logarithm of the absolute value of the gamma function.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> gammaln(symgrad.tensor([1.0, 3.0]))
    tensor([0.0000, 0.6931])
    """
    _check("gammaln", input)
    return _lgamma(input)


def digamma(input: Tensor) -> Tensor:
    """``digamma``: the logarithmic derivative of the gamma function.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> digamma(symgrad.tensor([1.0]))
    tensor([-0.5772])
    """
    _check("digamma", input)
    return _digamma(input)


psi = digamma


def polygamma(n: int, input: Tensor) -> Tensor:
    """``polygamma``: the ``n``-th derivative of digamma.

    Args:
        n: The order, at least 0.
        input: The tensor.

    >>> import symgrad
    >>> polygamma(1, symgrad.tensor([1.0]))
    tensor([1.6449])
    """
    return _polygamma(n, input)


def multigammaln(input: Tensor, p: int) -> Tensor:
    """``mvlgamma``: the multivariate log-gamma function of dimension ``p``.

    Args:
        input: The tensor; every element greater than ``(p - 1) / 2``.
        p: The dimension, at least 1.

    >>> import symgrad
    >>> multigammaln(symgrad.tensor([2.5]), 2)
    tensor([0.8570])
    """
    _check("multigammaln", input)
    return _mvlgamma(input, p)


def erf(input: Tensor) -> Tensor:
    """``erf``: the error function.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> erf(symgrad.tensor([0.0]))
    tensor([0.])
    """
    _check("erf", input)
    return _erf(input)


def erfc(input: Tensor) -> Tensor:
    """``erfc``: ``1 - erf(input)``.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> erfc(symgrad.tensor([0.0]))
    tensor([1.])
    """
    _check("erfc", input)
    return _erfc(input)


def erfinv(input: Tensor) -> Tensor:
    """``erfinv``: the inverse error function.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> erfinv(symgrad.tensor([0.0]))
    tensor([0.])
    """
    _check("erfinv", input)
    return _erfinv(input)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``logit``: ``log(input / (1 - input))``, ``input`` first clamped to ``[eps, 1 - eps]``.

    Args:
        input: The tensor.
        eps: The clamp's bound. Defaults to None: no clamp.

    >>> import symgrad
    >>> logit(symgrad.tensor([0.5]))
    tensor([0.])
    """
    _check("logit", input)
    return _logit(input, eps)


def expit(input: Tensor) -> Tensor:
    """``sigmoid``: ``1 / (1 + exp(-input))``.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> expit(symgrad.tensor([0.0]))
    tensor([0.5000])
    """
    _check("expit", input)
    return _sigmoid(input)


def xlogy(input: Tensor | float, other: Tensor | float) -> Tensor:
    """``xlogy``: ``input * log(other)``, 0 where ``input`` is 0.

    Args:
        input: The tensor, or a Python number.
        other: A tensor broadcast against it, or a Python number.

    >>> import symgrad
    >>> xlogy(symgrad.tensor([0.0, 1.0]), symgrad.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    return _xlogy(input, other)


def xlog1py(input: Tensor | float, other: Tensor | float) -> Tensor:
    """``input * log1p(other)``, 0 where ``input`` is 0.

    Args:
        input: The tensor, or a Python number.
        other: A tensor broadcast against it, or a Python number.

    >>> import symgrad
    >>> xlog1py(symgrad.tensor([0.0, 1.0]), symgrad.tensor([-1.0, 0.0]))
    tensor([0., 0.])
    """
    return _xlog1py(input, other)


def entr(input: Tensor) -> Tensor:
    """The elementwise entropy ``-input * log(input)`` (0 at 0, ``-inf`` below 0).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> entr(symgrad.tensor([0.5]))
    tensor([0.3466])
    """
    _check("entr", input)
    return _entr(input)

# sinc (helper special: symgrad/ops/sinc.py)
from symgrad.ops.sinc import special_sinc as sinc  # noqa: E402

__all__ += ["sinc"]
from symgrad.ops.bessel import special_i0 as i0  # noqa: E402
from symgrad.ops.bessel import special_i0e as i0e  # noqa: E402
from symgrad.ops.bessel import special_i1 as i1  # noqa: E402
from symgrad.ops.bessel import special_i1e as i1e  # noqa: E402

__all__ += ["i0", "i0e", "i1", "i1e"]
from symgrad.ops.normal_tail import erfcx, log_ndtr  # noqa: E402

__all__ += ["erfcx", "log_ndtr"]
