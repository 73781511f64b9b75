"""More activation layers: ``Softshrink``, ``Hardshrink``, ``Softsign``, ``Tanhshrink``,
``Softmin``, ``LogSigmoid``, ``Mish``, ``SELU``, ``CELU``, ``Hardsigmoid``, ``Hardswish`` and
``Threshold``, as in ``torch.nn``.

>>> import symgrad
>>> symgrad.nn.Softshrink(), symgrad.nn.Softmin(dim=1)
(Softshrink(0.5), Softmin(dim=1))
"""

from __future__ import annotations

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["Softshrink", "Hardshrink", "Softsign", "Tanhshrink", "Softmin", "LogSigmoid", "Mish",
           "SELU", "CELU", "Hardsigmoid", "Hardswish", "Threshold"]


class Softshrink(Module):
    """``softshrink`` as a layer.

    Parameters:
        lambd: the band's half-width, not negative.

    >>> import symgrad
    >>> symgrad.nn.Softshrink(1.0)(symgrad.tensor([-3.0, 0.5]))
    tensor([-2.,  0.])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """``softshrink(input, lambd)``.

        Args:
            input: A floating-point tensor.

        >>> import symgrad
        >>> symgrad.nn.Softshrink().forward(symgrad.tensor([1.0]))
        tensor([0.5000])
        """
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """``lambd``, as PyTorch prints it.

        >>> import symgrad
        >>> symgrad.nn.Softshrink(0.25).extra_repr()
        '0.25'
        """
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``hardshrink`` as a layer.

    Parameters:
        lambd: the band's half-width.

    >>> import symgrad
    >>> symgrad.nn.Hardshrink(1.0)(symgrad.tensor([-3.0, 0.5]))
    tensor([-3.,  0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``hardshrink(input, lambd)``.

        Args:
            input: A floating-point tensor.

        >>> import symgrad
        >>> symgrad.nn.Hardshrink().forward(symgrad.tensor([1.0]))
        tensor([1.])
        """
        return F.hardshrink(input, self.lambd)


class Softsign(Module):
    """``softsign`` as a layer.

    >>> import symgrad
    >>> symgrad.nn.Softsign()(symgrad.tensor([1.0]))
    tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``input / (|input| + 1)``.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.Softsign().forward(symgrad.tensor([-1.0]))
        tensor([-0.5000])
        """
        return F.softsign(input)


class Tanhshrink(Module):
    """``tanhshrink`` as a layer.

    >>> import symgrad
    >>> symgrad.nn.Tanhshrink()(symgrad.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``input - tanh(input)``.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.Tanhshrink().forward(symgrad.tensor([1.0]))
        tensor([0.2384])
        """
        return F.tanhshrink(input)


class Softmin(Module):
    """``softmin`` as a layer.

    Parameters:
        dim: the dim along which the result sums to 1 (None: PyTorch's implicit choice).

    >>> import symgrad
    >>> symgrad.nn.Softmin(0)(symgrad.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``softmin(input, dim)``.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.Softmin(dim=0).forward(symgrad.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
        """
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        """``dim=...``, as PyTorch prints it.

        >>> import symgrad
        >>> symgrad.nn.Softmin(1).extra_repr()
        'dim=1'
        """
        return f"dim={self.dim}"


class LogSigmoid(Module):
    """``logsigmoid`` as a layer.

    >>> import symgrad
    >>> symgrad.nn.LogSigmoid()(symgrad.tensor([0.0]))
    tensor([-0.6931])
    """

    def forward(self, input: Tensor) -> Tensor:
        """``log(sigmoid(input))``.

        Args:
            input: A floating-point tensor.

        >>> import symgrad
        >>> symgrad.nn.LogSigmoid().forward(symgrad.tensor([-50.0]))
        tensor([-50.])
        """
        return F.logsigmoid(input)


class _InPlace(Module):
    """An activation with PyTorch's ``inplace`` option only."""

    _fn = staticmethod(F.mish)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """The activation of ``input`` (written into it with ``inplace``).

        Args:
            input: A floating-point tensor.

        >>> import symgrad
        >>> symgrad.nn.Mish().forward(symgrad.tensor([0.0]))
        tensor([0.])
        """
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when in place, else nothing.

        >>> import symgrad
        >>> symgrad.nn.Mish(inplace=True).extra_repr()
        'inplace=True'
        """
        return "inplace=True" if self.inplace else ""


class Mish(_InPlace):
    """``mish`` as a layer.

    Parameters:
        inplace: write the result into the input and return it.

    >>> import symgrad
    >>> symgrad.nn.Mish()(symgrad.tensor([1.0]))
    tensor([0.8651])
    """

    _fn = staticmethod(F.mish)


class SELU(_InPlace):
    """``selu`` as a layer.

    Parameters:
        inplace: write the result into the input and return it.

    >>> import symgrad
    >>> symgrad.nn.SELU()(symgrad.tensor([1.0]))
    tensor([1.0507])
    """

    _fn = staticmethod(F.selu)


class Hardsigmoid(_InPlace):
    """``hardsigmoid`` as a layer (its repr shows no ``inplace``, as PyTorch's).

    Parameters:
        inplace: write the result into the input and return it.

    >>> import symgrad
    >>> symgrad.nn.Hardsigmoid(inplace=True)
    Hardsigmoid()
    """

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        """Nothing, as PyTorch's.

        >>> import symgrad
        >>> symgrad.nn.Hardsigmoid(True).extra_repr()
        ''
        """
        return ""


class Hardswish(Hardsigmoid):
    """``hardswish`` as a layer (its repr shows no ``inplace``, as PyTorch's).

    Parameters:
        inplace: write the result into the input and return it.

    >>> import symgrad
    >>> symgrad.nn.Hardswish()(symgrad.tensor([1.5]))
    tensor([1.1250])
    """

    _fn = staticmethod(F.hardswish)


class CELU(Module):
    """``celu`` as a layer.

    Parameters:
        alpha: the scale of the negative side, not 0.
        inplace: write the result into the input and return it.

    >>> import symgrad
    >>> symgrad.nn.CELU(0.5, inplace=True)
    CELU(alpha=0.5, inplace=True)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``celu(input, alpha)``.

        Args:
            input: A floating-point tensor.

        >>> import symgrad
        >>> symgrad.nn.CELU().forward(symgrad.tensor([-1.0]))
        tensor([-0.6321])
        """
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """``alpha``, and ``inplace=True`` when in place.

        >>> import symgrad
        >>> symgrad.nn.CELU().extra_repr()
        'alpha=1.0'
        """
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Threshold(Module):
    """``threshold`` as a layer.

    Parameters:
        threshold: the value at and below which ``value`` replaces the input.
        value: the replacement.
        inplace: write the result into the input and return it.

    >>> import symgrad
    >>> symgrad.nn.Threshold(0.1, 20)
    Threshold(threshold=0.1, value=20)
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``threshold(input, threshold, value)``.

        Args:
            input: The tensor.

        >>> import symgrad
        >>> symgrad.nn.Threshold(0.0, -1.0).forward(symgrad.tensor([-2.0, 3.0]))
        tensor([-1.,  3.])
        """
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """The threshold and value, and ``inplace=True`` when in place.

        >>> import symgrad
        >>> symgrad.nn.Threshold(1, 2.5, True).extra_repr()
        'threshold=1, value=2.5, inplace=True'
        """
        tail = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{tail}"
