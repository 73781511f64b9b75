"""Losses as layers, as in ``torch.nn``: each holds its options and calls its function of
``symgrad.nn.functional`` on ``(input, target)``.

>>> import symgrad
>>> loss_fn = symgrad.nn.MSELoss(reduction="sum")
>>> loss_fn, loss_fn(symgrad.tensor([1.0, 2.0]), symgrad.tensor([0.0, 0.0]))
(MSELoss(), tensor(5.))
"""

from __future__ import annotations

from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.tensor import Tensor

__all__ = ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "NLLLoss"]


class _Loss(Module):
    """A loss layer: its reduction (``"mean"``, ``"sum"`` or ``"none"``), or what PyTorch
    reads from the deprecated ``size_average`` and ``reduce`` when either is given (with its
    warning, pointing at the user's call)."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        # Checked when the loss is computed, as in PyTorch.
        self.reduction = reduction if size_average is None and reduce is None else (
            F._legacy_reduction(size_average, reduce))


class _WeightedLoss(_Loss):
    """A loss layer with a ``weight`` (per element or per class, as its function takes it), a
    buffer, as in PyTorch: in ``state_dict``, converted by ``to``."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """``mse_loss``: the squared differences, reduced.

    Parameters:
        size_average: deprecated, as in PyTorch: False sums instead of averaging.
        reduce: deprecated, as in PyTorch: False returns the losses unreduced.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.MSELoss()(symgrad.tensor([1.0, 3.0]), symgrad.tensor([0.0, 0.0]))
    tensor(5.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``mse_loss(input, target, reduction)``.

        Args:
            input: The predictions, of ``target``'s shape.
            target: The values wanted.

        >>> import symgrad
        >>> symgrad.nn.MSELoss(reduction="none").forward(symgrad.tensor([2.0]),
        ...                                              symgrad.tensor([0.0]))
        tensor([4.])
        """
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """``l1_loss``: the absolute differences, reduced.

    Parameters:
        size_average: deprecated, as in PyTorch: False sums instead of averaging.
        reduce: deprecated, as in PyTorch: False returns the losses unreduced.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.L1Loss()(symgrad.tensor([1.0, -3.0]), symgrad.tensor([0.0, 0.0]))
    tensor(2.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``l1_loss(input, target, reduction)``.

        Args:
            input: The predictions, of ``target``'s shape.
            target: The values wanted.

        >>> import symgrad
        >>> symgrad.nn.L1Loss(reduction="sum").forward(symgrad.tensor([2.0]),
        ...                                           symgrad.tensor([0.0]))
        tensor(2.)
        """
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``smooth_l1_loss``: squared below ``beta``, absolute above.

    Parameters:
        size_average: deprecated, as in PyTorch: False sums instead of averaging.
        reduce: deprecated, as in PyTorch: False returns the losses unreduced.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        beta: where the square turns into the absolute value.

    >>> import symgrad
    >>> symgrad.nn.SmoothL1Loss()(symgrad.tensor([0.5, 3.0]), symgrad.zeros(2))
    tensor(1.3125)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``smooth_l1_loss(input, target, reduction, beta)``.

        Args:
            input: The predictions, of ``target``'s shape.
            target: The values wanted.

        >>> import symgrad
        >>> symgrad.nn.SmoothL1Loss(beta=2.0).forward(symgrad.tensor([1.0]), symgrad.zeros(1))
        tensor(0.2500)
        """
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``huber_loss``: squared below ``delta``, linear above.

    Parameters:
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        delta: where the square turns linear.

    >>> import symgrad
    >>> symgrad.nn.HuberLoss(delta=2.0)(symgrad.tensor([0.5, 3.0]), symgrad.zeros(2))
    tensor(2.0625)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``huber_loss(input, target, reduction, delta)``.

        Args:
            input: The predictions, of ``target``'s shape.
            target: The values wanted.

        >>> import symgrad
        >>> symgrad.nn.HuberLoss().forward(symgrad.tensor([3.0]), symgrad.zeros(1))
        tensor(2.5000)
        """
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """``binary_cross_entropy`` of probabilities.

    Parameters:
        weight: a rescaling of each element's loss.
        size_average: deprecated, as in PyTorch: False sums instead of averaging.
        reduce: deprecated, as in PyTorch: False returns the losses unreduced.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.BCELoss()(symgrad.tensor([0.5, 0.9]), symgrad.tensor([1.0, 1.0]))
    tensor(0.3993)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``binary_cross_entropy(input, target, weight, reduction)``.

        Args:
            input: Probabilities in [0, 1].
            target: Probabilities of the same shape and dtype.

        >>> import symgrad
        >>> symgrad.nn.BCELoss().forward(symgrad.tensor([0.5]), symgrad.tensor([0.0]))
        tensor(0.6931)
        """
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """``binary_cross_entropy_with_logits``: a sigmoid and the binary cross entropy in one.

    Parameters:
        weight: a rescaling of each element's loss.
        size_average: deprecated, as in PyTorch: False sums instead of averaging.
        reduce: deprecated, as in PyTorch: False returns the losses unreduced.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        pos_weight: a weight of the positive term per class.

    >>> import symgrad
    >>> symgrad.nn.BCEWithLogitsLoss()(symgrad.tensor([0.0]), symgrad.tensor([1.0]))
    tensor(0.6931)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)``.

        Args:
            input: Logits.
            target: Probabilities of the same shape.

        >>> import symgrad
        >>> symgrad.nn.BCEWithLogitsLoss().forward(symgrad.tensor([0.0]), symgrad.tensor([0.0]))
        tensor(0.6931)
        """
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """``cross_entropy`` of logits and class indices.

    Parameters:
        weight: one weight per class, ``(C,)``, not differentiated.
        size_average: deprecated, as in PyTorch: False sums instead of averaging.
        ignore_index: a target value that contributes nothing.
        reduce: deprecated, as in PyTorch: False returns the losses unreduced.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        label_smoothing: the share of the target spread over all classes, in [0, 1].

    >>> import symgrad
    >>> symgrad.nn.CrossEntropyLoss()(symgrad.tensor([[0.0, 0.0]]), symgrad.tensor([1]))
    tensor(0.6931)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)``.

        Args:
            input: Logits, ``(C,)`` or ``(N, C)``.
            target: Class indices, ``()`` or ``(N,)``, int64.

        >>> import symgrad
        >>> symgrad.nn.CrossEntropyLoss().forward(symgrad.tensor([0.0, 0.0]), symgrad.tensor(0))
        tensor(0.6931)
        """
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """``nll_loss`` of log-probabilities and class indices.

    Parameters:
        weight: one weight per class, ``(C,)``, not differentiated.
        size_average: deprecated, as in PyTorch: False sums instead of averaging.
        ignore_index: a target value that contributes nothing.
        reduce: deprecated, as in PyTorch: False returns the losses unreduced.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import symgrad
    >>> symgrad.nn.NLLLoss()(symgrad.tensor([[-0.5, -1.0]]), symgrad.tensor([1]))
    tensor(1.)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``nll_loss(input, target, weight, ignore_index, reduction)``.

        Args:
            input: Log-probabilities, ``(C,)`` or ``(N, C)``.
            target: Class indices, ``()`` or ``(N,)``, int64.

        >>> import symgrad
        >>> symgrad.nn.NLLLoss().forward(symgrad.tensor([-0.5, -1.0]), symgrad.tensor(0))
        tensor(0.5000)
        """
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)
