"""``OneHotCategorical``: a ``Categorical`` whose draws are one-hot vectors.

>>> import symgrad
>>> from symgrad.distributions import OneHotCategorical
>>> OneHotCategorical(probs=symgrad.tensor([0.2, 0.8])).mode
tensor([0., 1.])
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.categorical import Categorical
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import _EMPTY_SHAPE
from symgrad.tensor import Size, Tensor

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]


class OneHotCategorical(Distribution):
    """The categorical distribution with one-hot draws (event shape ``(K,)``): ``sample`` is
    ``one_hot`` of a ``Categorical`` draw (PyTorch's numbers), in the parameter's dtype.

    Args:
        probs: non-negative weights of the categories, last dim ``K``.
        logits: unnormalised log-probabilities (give one of ``probs`` and ``logits``).
        validate_args: check the parameter and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import OneHotCategorical
    >>> _ = symgrad.manual_seed(0)
    >>> OneHotCategorical(probs=symgrad.tensor([0.2, 0.3, 0.5])).sample((2,))
    tensor([[0., 0., 1.],
            [0., 0., 1.]])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        new = self._get_checked_instance(OneHotCategorical, _instance)
        batch_shape = Size(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        super(OneHotCategorical, new).__init__(batch_shape, self.event_shape,
                                               validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities.

        >>> import symgrad
        >>> symgrad.distributions.OneHotCategorical(probs=symgrad.tensor([1.0, 3.0])).probs
        tensor([0.2500, 0.7500])
        """
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities.

        >>> import symgrad
        >>> symgrad.distributions.OneHotCategorical(probs=symgrad.tensor([1.0, 3.0])).logits
        tensor([-1.3863, -0.2877])
        """
        return self._categorical.logits

    @property
    def mean(self) -> Tensor:
        """``probs``.

        >>> import symgrad
        >>> symgrad.distributions.OneHotCategorical(probs=symgrad.tensor([1.0, 3.0])).mean
        tensor([0.2500, 0.7500])
        """
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        """The one-hot vector of the most probable category.

        >>> import symgrad
        >>> probs = symgrad.tensor([0.2, 0.3, 0.5])
        >>> symgrad.distributions.OneHotCategorical(probs=probs).mode
        tensor([0., 0., 1.])
        """
        probs = self._categorical.probs
        mode = probs.argmax(dim=-1)
        return symgrad.nn.functional.one_hot(mode, num_classes=probs.shape[-1]).to(probs)

    @property
    def variance(self) -> Tensor:
        """``probs * (1 - probs)``.

        >>> import symgrad
        >>> symgrad.distributions.OneHotCategorical(probs=symgrad.tensor([1.0, 3.0])).variance
        tensor([0.1875, 0.1875])
        """
        return self._categorical.probs * (1 - self._categorical.probs)

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given.

        >>> import symgrad
        >>> symgrad.distributions.OneHotCategorical(logits=symgrad.zeros(2, 3)).param_shape
        symgrad.Size([2, 3])
        """
        return self._categorical.param_shape

    def sample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        sample_shape = Size(sample_shape)
        probs = self._categorical.probs
        num_events = self._categorical._num_events
        indices = self._categorical.sample(sample_shape)
        return symgrad.nn.functional.one_hot(indices, num_events).to(probs)

    def log_prob(self, value: Any) -> Tensor:
        """The log-probability of the one-hot ``value``: the ``Categorical``'s, at the index
        of its 1.

        Args:
            value: a tensor of one-hot vectors (last dim ``K``), broadcastable to
                ``batch_shape + event_shape``.

        >>> import symgrad
        >>> d = symgrad.distributions.OneHotCategorical(probs=symgrad.tensor([0.25, 0.75]))
        >>> d.log_prob(symgrad.tensor([[1.0, 0.0], [0.0, 1.0]]))
        tensor([-1.3863, -0.2877])
        """
        if self._validate_args:
            self._validate_sample(value)
        indices = value.max(-1)[1]
        return self._categorical.log_prob(indices)

    def entropy(self) -> Tensor:
        """The entropy, in nats: the ``Categorical``'s.

        >>> import symgrad
        >>> probs = symgrad.tensor([[0.1, 0.9], [0.5, 0.5]])
        >>> symgrad.distributions.OneHotCategorical(probs=probs).entropy()
        tensor([0.3251, 0.6931])
        """
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The ``K`` one-hot vectors, along a new first dim, in the parameter's dtype.

        Args:
            expand: broadcast over the batch (else size 1 there).

        >>> import symgrad
        >>> symgrad.distributions.OneHotCategorical(probs=symgrad.ones(3)).enumerate_support()
        tensor([[1., 0., 0.],
                [0., 1., 0.],
                [0., 0., 1.]])
        >>> d = symgrad.distributions.OneHotCategorical(probs=symgrad.ones(2, 3))
        >>> d.enumerate_support().shape, d.enumerate_support(expand=False).shape
        (symgrad.Size([3, 2, 3]), symgrad.Size([3, 1, 3]))
        """
        n = self.event_shape[0]
        values = symgrad.eye(n, dtype=self._param.dtype)
        values = values.view((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n,) + self.batch_shape + (n,))
        return values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """``OneHotCategorical`` with a straight-through ``rsample``: the one-hot draw in the
    forward pass, the gradient of ``probs`` in the backward pass (``sample + probs -
    probs.detach()``).

    Args:
        probs: non-negative weights of the categories, last dim ``K``.
        logits: unnormalised log-probabilities (give one of ``probs`` and ``logits``).
        validate_args: check the parameter and ``log_prob``'s values.

    >>> import symgrad
    >>> from symgrad.distributions import OneHotCategoricalStraightThrough
    >>> _ = symgrad.manual_seed(0)
    >>> logits = symgrad.tensor([0.0, 1.0], requires_grad=True)
    >>> OneHotCategoricalStraightThrough(logits=logits).rsample()
    tensor([0., 1.], grad_fn=<AddBackward0>)
    """

    has_rsample = True

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A one-hot draw whose gradient is that of ``probs``: ``sample + probs -
        probs.detach()``.

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> from symgrad.distributions import OneHotCategoricalStraightThrough
        >>> _ = symgrad.manual_seed(0)
        >>> logits = symgrad.tensor([0.0, 1.0], requires_grad=True)
        >>> draw = OneHotCategoricalStraightThrough(logits=logits).rsample()
        >>> draw
        tensor([0., 1.], grad_fn=<AddBackward0>)
        >>> (draw * symgrad.tensor([1.0, 2.0])).sum().backward()
        >>> logits.grad
        tensor([-0.1966,  0.1966])
        """
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
