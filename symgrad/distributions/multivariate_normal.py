"""``MultivariateNormal``: the Gaussian over vectors of mean ``loc`` and covariance
``L @ L.mT``, given by its covariance matrix, its precision matrix or the lower-triangular
factor ``L`` (``scale_tril``), as PyTorch's.

Every computation goes through ``L`` (``_unbroadcasted_scale_tril``, not expanded over the
batch): ``log_prob`` solves with it, ``rsample`` multiplies a standard normal draw by it.

>>> import symgrad
>>> from symgrad.distributions import MultivariateNormal
>>> d = MultivariateNormal(symgrad.zeros(2), covariance_matrix=symgrad.eye(2))
>>> d.log_prob(symgrad.zeros(2))
tensor(-1.8379)
"""

from __future__ import annotations

import math
from typing import Any

import symgrad
from symgrad.distributions import constraints
from symgrad.distributions.distribution import Distribution
from symgrad.distributions.utils import _EMPTY_SHAPE, _standard_normal, lazy_property
from symgrad.tensor import Size, Tensor

__all__ = ["MultivariateNormal"]


def _batch_mv(bmat: Tensor, bvec: Tensor) -> Tensor:
    """Matrices times vectors, over batch shapes that broadcast."""
    return symgrad.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(bL: Tensor, bx: Tensor) -> Tensor:  # noqa: N803 - PyTorch's names
    """``x^T (L L^T)^-1 x`` for each vector of ``bx`` and the ``L`` of its batch: one
    triangular solve per distinct ``L`` (``bx``'s batch is regrouped so the vectors that share
    an ``L`` are the columns of one right-hand side, as PyTorch's)."""
    n = bx.size(-1)
    bx_batch_shape = bx.shape[:-1]
    bx_batch_dims = len(bx_batch_shape)
    bl_batch_dims = bL.dim() - 2
    outer_batch_dims = bx_batch_dims - bl_batch_dims
    old_batch_dims = outer_batch_dims + bl_batch_dims
    new_batch_dims = outer_batch_dims + 2 * bl_batch_dims
    # bx of shape (..., 1, i, j, 1, n) then (..., 1, j, i, 1, n) for bL of shape (i, 1, n, n)
    bx_new_shape = tuple(bx.shape[:outer_batch_dims])
    for s_l, s_x in zip(bL.shape[:-2], bx.shape[outer_batch_dims:-1], strict=True):
        bx_new_shape += (s_x // s_l, s_l)
    bx = bx.reshape(bx_new_shape + (n,))
    permute_dims = (list(range(outer_batch_dims))
                    + list(range(outer_batch_dims, new_batch_dims, 2))
                    + list(range(outer_batch_dims + 1, new_batch_dims, 2))
                    + [new_batch_dims])
    bx = bx.permute(permute_dims)

    flat_l = bL.reshape(-1, n, n)
    flat_x = bx.reshape(-1, flat_l.size(0), n)
    flat_x_swap = flat_x.permute(1, 2, 0)
    m_swap = symgrad.linalg.solve_triangular(flat_l, flat_x_swap, upper=False).pow(2).sum(-2)
    permuted_m = m_swap.t().reshape(bx.shape[:-1])
    permute_inv_dims = list(range(outer_batch_dims))
    for i in range(bl_batch_dims):
        permute_inv_dims += [outer_batch_dims + i, old_batch_dims + i]
    return permuted_m.permute(permute_inv_dims).reshape(bx_batch_shape)


def _batch_trace_xxt(bmat: Tensor) -> Tensor:
    """The trace of ``X @ X.mT`` for each matrix ``X`` of the batch."""
    m, n = bmat.shape[-2:]
    return bmat.reshape(-1, m * n).pow(2).sum(-1).reshape(bmat.shape[:-2])


def _precision_to_scale_tril(precision: Tensor) -> Tensor:
    """The lower Cholesky factor of the inverse of ``precision`` without inverting it: the
    Cholesky factor of ``precision`` flipped both ways is upper-triangular after flipping back,
    its transpose is ``L^-1``, and one triangular solve gives ``L`` (PyTorch's route)."""
    lf = symgrad.linalg.cholesky(symgrad.flip(precision, (-2, -1)))
    l_inv = symgrad.transpose(symgrad.flip(lf, (-2, -1)), -2, -1)
    eye = symgrad.eye(precision.shape[-1], dtype=precision.dtype)
    return symgrad.linalg.solve_triangular(l_inv, eye, upper=False)


class MultivariateNormal(Distribution):
    """The multivariate normal distribution, given exactly one of ``covariance_matrix``,
    ``precision_matrix`` or ``scale_tril``; ``rsample`` is ``loc + scale_tril @ eps`` with
    ``eps`` a standard normal draw (PyTorch's numbers for the same seed), differentiable in
    every parameter.

    Args:
        loc: the mean, at least one-dimensional (its last dim is the event).
        covariance_matrix: a positive-definite covariance (``(..., n, n)``).
        precision_matrix: a positive-definite inverse covariance.
        scale_tril: the lower Cholesky factor of the covariance (positive diagonal).
        validate_args: check the parameters and ``log_prob``'s values.

    Raises:
        ValueError: ``loc`` is a scalar, not exactly one matrix is given, or the matrix has
            fewer than two dims (PyTorch's messages); with validation, a matrix that breaks
            its constraint.

    >>> import symgrad
    >>> from symgrad.distributions import MultivariateNormal
    >>> _ = symgrad.manual_seed(0)
    >>> tril = symgrad.tensor([[1.0, 0.0], [0.5, 2.0]])
    >>> d = MultivariateNormal(symgrad.zeros(2), scale_tril=tril)
    >>> d.batch_shape, d.event_shape
    (symgrad.Size([]), symgrad.Size([2]))
    >>> d.rsample()
    tensor([1.5410, 0.1836])
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m is not None for m in (covariance_matrix, scale_tril, precision_matrix)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        name, matrix = next((n, m) for n, m in (("scale_tril", scale_tril),
                                                ("covariance_matrix", covariance_matrix),
                                                ("precision_matrix", precision_matrix))
                            if m is not None)
        if matrix.dim() < 2:
            label = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{label} must be at least two-dimensional, with optional leading "
                             "batch dimensions")
        batch_shape = symgrad.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = symgrad.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        cov_shape = batch_shape + self.event_shape + self.event_shape
        new.loc = self.loc.expand(batch_shape + self.event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(cov_shape))
        super(MultivariateNormal, new).__init__(batch_shape, self.event_shape,
                                                validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self) -> Size:
        return self._batch_shape + self._event_shape + self._event_shape

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor ``L`` of the covariance, over the batch.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> cov = symgrad.tensor([[4.0, 2.0], [2.0, 2.0]])
        >>> MultivariateNormal(symgrad.zeros(2), cov).scale_tril
        tensor([[2., 0.],
                [1., 1.]])
        """
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """``L @ L.mT``, over the batch.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> tril = symgrad.tensor([[2.0, 0.0], [1.0, 1.0]])
        >>> MultivariateNormal(symgrad.zeros(2), scale_tril=tril).covariance_matrix
        tensor([[4., 2.],
                [2., 2.]])
        """
        tril = self._unbroadcasted_scale_tril
        return symgrad.matmul(tril, tril.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The inverse covariance, ``cholesky_inverse(L)``, over the batch.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> tril = symgrad.tensor([[2.0, 0.0], [0.0, 0.5]])
        >>> MultivariateNormal(symgrad.zeros(2), scale_tril=tril).precision_matrix
        tensor([[0.2500, 0.0000],
                [0.0000, 4.0000]])
        """
        return symgrad.cholesky_inverse(self._unbroadcasted_scale_tril).expand(
            self._matrix_shape())

    @property
    def mean(self) -> Tensor:
        """``loc``.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> MultivariateNormal(symgrad.tensor([1.0, 2.0]), symgrad.eye(2)).mean
        tensor([1., 2.])
        """
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> MultivariateNormal(symgrad.tensor([1.0, 2.0]), symgrad.eye(2)).mode
        tensor([1., 2.])
        """
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The covariance's diagonal: the squares of ``L``'s rows summed.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> cov = symgrad.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> MultivariateNormal(symgrad.zeros(2), cov).variance
        tensor([4., 3.])
        """
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Any = _EMPTY_SHAPE) -> Tensor:
        """A reparameterised draw: ``loc + L @ eps`` with ``eps`` a standard normal draw of
        the full sample shape (PyTorch's numbers for the same seed).

        Args:
            sample_shape: the shape of independent draws.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> _ = symgrad.manual_seed(0)
        >>> loc = symgrad.zeros(2, requires_grad=True)
        >>> MultivariateNormal(loc, 4 * symgrad.eye(2)).rsample((2,))
        tensor([[ 3.0820, -0.5869],
                [-4.3576,  1.1369]], grad_fn=<AddBackward0>)
        """
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """The log-density at ``value``: ``-(n log(2 pi) + M) / 2 - log det L`` with ``M``
        the squared Mahalanobis distance to ``loc``.

        Args:
            value: a tensor whose last dim is the event, broadcastable to the batch.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> d = MultivariateNormal(symgrad.zeros(2), 4 * symgrad.eye(2))
        >>> d.log_prob(symgrad.tensor([[0.0, 0.0], [2.0, 0.0]]))
        tensor([-3.2242, -3.7242])
        """
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        m = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        return (-0.5 * (self._event_shape[0] * math.log(2 * math.pi) + m)
                - self._half_log_det())

    def entropy(self) -> Tensor:
        """The entropy, in nats: ``n (1 + log(2 pi)) / 2 + log det L``.

        >>> import symgrad
        >>> from symgrad.distributions import MultivariateNormal
        >>> MultivariateNormal(symgrad.zeros(2), symgrad.eye(2)).entropy()
        tensor(2.8379)
        """
        h = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        if len(self._batch_shape) == 0:
            return h
        return h.expand(self._batch_shape)
