"""Parametrizations of a module's tensor, as PyTorch's ``torch.nn.utils.parametrizations``:
``weight_norm``, ``spectral_norm`` and ``orthogonal`` (registered with ``nn.utils.parametrize``).

>>> import symgrad
>>> layer = symgrad.nn.utils.parametrizations.weight_norm(symgrad.nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()]
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""

from __future__ import annotations

from enum import Enum, auto
from typing import Any

import symgrad
from symgrad.autograd import grad_mode
from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.nn.utils import parametrize
from symgrad.nn.utils.spectral_norm import _check_iterations, _output_dim
from symgrad.tensor import Tensor

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    """``weight = g * v / ||v||``, the norm over every dim but ``dim``: PyTorch's module,
    whose ``right_inverse`` gives ``(g, v)`` (``original0``, ``original1``)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return symgrad._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return symgrad.norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Any:
    """Weight-normalise ``module.<name>``: it becomes ``g * v / ||v||``, trained as
    ``parametrizations.<name>.original0`` (``g``, the norms) and ``original1`` (``v``).

    Args:
        module: The module.
        name: The parameter's name. Defaults to ``"weight"``.
        dim: The dim whose slices each get a norm; None (or -1) for one norm of the whole
            tensor. Defaults to 0.

    Returns:
        ``module``, parametrized.

    >>> import symgrad
    >>> layer = symgrad.nn.Linear(2, 1)
    >>> with symgrad.no_grad():
    ...     _ = layer.weight.copy_(symgrad.tensor([[3.0, 4.0]]))
    >>> layer = symgrad.nn.utils.parametrizations.weight_norm(layer)
    >>> layer.parametrizations.weight.original0
    Parameter containing:
    tensor([[5.]], requires_grad=True)

    A checkpoint of the legacy ``nn.utils.weight_norm`` (``weight_g``, ``weight_v``) loads:

    >>> old = symgrad.nn.utils.weight_norm(symgrad.nn.Linear(2, 1))
    >>> layer.load_state_dict(old.state_dict())
    <All keys matched successfully>
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict: dict[str, Any], prefix: str, *_: Any) -> None:
        # the legacy weight_norm's names for the same two tensors
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


def _tensor_of(module: Module, name: str) -> Tensor:
    """``module.<name>``, which the parametrizations below require to be a tensor."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    return weight


class _SpectralNorm(Module):
    """``weight / sigma``, ``sigma = u @ W @ v`` estimating the largest singular value of the
    weight as a matrix (``dim`` first, the rest flattened); a vector is simply normalised.
    ``u`` and ``v`` are the buffers ``_u`` and ``_v``: drawn with ``normal_(0, 1)`` (``u``
    first), normalised, then 15 power iterations; while training, each access iterates
    ``n_power_iterations`` more times.

    Args:
        weight: The tensor to be normalised (its shape and values start ``u`` and ``v``).
        n_power_iterations: Power iterations per access while training. Defaults to 1.
        dim: The dim of the outputs. Defaults to 0.
        eps: The least norm divided by when normalising. Defaults to 1e-12.
    """

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        _check_iterations(n_power_iterations)
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:  # a vector's norm is exact: no u, v (forward)
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.size()
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        """Update ``_u`` and ``_v`` in place, outside the graph: ``u`` from ``v`` first, then
        ``v`` from ``u`` (the legacy hook's order is the reverse).

        In place so that the buffers seen by ``state_dict`` (and by PyTorch's DataParallel
        replicas) are the updated ones.
        """
        with grad_mode.no_grad():
            for _ in range(n_power_iterations):
                F.normalize(symgrad.mv(weight_mat, self._v), dim=0, eps=self.eps, out=self._u)
                F.normalize(symgrad.mv(weight_mat.H, self._u), dim=0, eps=self.eps, out=self._v)

    def forward(self, weight: Tensor) -> Tensor:
        """The normalised weight, after ``n_power_iterations`` if training.

        Args:
            weight: The original tensor.
        """
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # Copies for the graph: the next access writes the buffers, which would break a
        # backward through both results (a GAN's D(real) - D(fake)).
        u = self._u.clone()
        v = self._v.clone()
        sigma = symgrad.vdot(u, symgrad.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        """``value`` itself: assigning a weight stores it unnormalised, as PyTorch does.

        Args:
            value: The tensor assigned.
        """
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Any:
    """Spectrally normalise ``module.<name>``: it reads as ``original / sigma``, ``sigma`` the
    largest singular value of the tensor as a matrix, estimated by power iteration (15 steps
    at registration, ``n_power_iterations`` more at each access while training; in eval mode
    the stored ``u`` and ``v``). A vector is divided by its norm.

    Args:
        module: The module.
        name: The parameter's (or buffer's) name. Defaults to ``"weight"``.
        n_power_iterations: Power iterations per access while training. Defaults to 1.
        eps: The least norm divided by when normalising. Defaults to 1e-12.
        dim: The dim of the outputs. Defaults to None: 1 for ``ConvTranspose1d/2d/3d``, else 0.

    Returns:
        ``module``, parametrized (``parametrizations.<name>.original`` is the tensor trained).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> sn = symgrad.nn.utils.parametrizations.spectral_norm(symgrad.nn.Linear(20, 40))
    >>> sn
    ParametrizedLinear(
      in_features=20, out_features=40, bias=True
      (parametrizations): ModuleDict(
        (weight): ParametrizationList(
          (0): _SpectralNorm()
        )
      )
    )
    >>> round(symgrad.linalg.matrix_norm(sn.weight, 2).item(), 2)
    1.0
    """
    weight = _tensor_of(module, name)
    normalise = _SpectralNorm(weight, n_power_iterations, _output_dim(module, dim), eps)
    parametrize.register_parametrization(module, name, normalise)
    return module


def _is_orthogonal(Q: Tensor) -> bool:
    """Whether ``Q``'s columns are orthonormal within ``10 n`` machine epsilons."""
    n, k = Q.size(-2), Q.size(-1)
    Id = symgrad.eye(k, dtype=Q.dtype, device=Q.device)
    eps = 10.0 * n * symgrad.finfo(Q.dtype).eps
    return symgrad.allclose(Q.mH @ Q, Id, atol=eps)


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of ``A = QR`` (``A`` tall) with ``diag(R)`` real and non-negative."""
    X, tau = symgrad.geqrf(A)
    Q = symgrad.linalg.householder_product(X, tau)
    # X's diagonal is R's: its signs make R's diagonal non-negative.
    Q *= X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)
    return Q


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    """A matrix (or batch) with orthonormal columns, or rows if it is wide: ``matrix_exp`` or
    ``cayley`` of a skew-symmetric matrix made from the lower triangle of the original, or the
    product of the Householder reflectors below its diagonal; with ``use_trivialization`` the
    buffer ``base`` (the orthogonal matrix assigned) multiplies it on the left.

    Args:
        weight: The tensor parametrized (its shape is the one assignments must have).
        orthogonal_map: The map.
        use_trivialization: Keep ``base`` (PyTorch's dynamic trivialization). Defaults to True.
    """

    base: Tensor

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        # Complex reflectors cannot give every unitary matrix from their n(n-1) real numbers.
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        """The orthogonal matrix of ``X``.

        Args:
            X: The original tensor, ``(..., n, k)``.
        """
        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map == _OrthMaps.householder:
            Q = self._householder(X)
        else:
            Q = self._skew_map(X, n, k)
        if hasattr(self, "base"):
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def _skew_map(self, X: Tensor, n: int, k: int) -> Tensor:
        """``exp(A)`` or ``(I + A/2)(I - A/2)^-1``, ``A`` skew from ``X``'s lower triangle (the
        n k - k(k-1)/2 numbers that reach every orthogonal matrix), first ``k`` columns."""
        X = X.tril()
        if n != k:
            X = symgrad.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
        A = X - X.mH
        if self.orthogonal_map == _OrthMaps.matrix_exp:
            Q = symgrad.matrix_exp(A)
        else:
            Id = symgrad.eye(n, dtype=A.dtype, device=A.device)
            Q = symgrad.linalg.solve(symgrad.add(Id, A, alpha=-0.5),
                                     symgrad.add(Id, A, alpha=0.5))
        return Q[..., :k] if n != k else Q

    @staticmethod
    def _householder(X: Tensor) -> Tensor:
        """The reflectors below ``X``'s diagonal, times the signs on it (±1, cast to int so
        that the diagonal is neither differentiated nor trained)."""
        A = X.tril(diagonal=-1)
        tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
        Q = symgrad.linalg.householder_product(A, tau)
        return Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)

    def right_inverse(self, Q: Tensor) -> Tensor:
        """The original for ``Q``: with ``base``, ``Q`` (orthogonalised by QR if it is not
        orthogonal, completed by random columns if it is not square) becomes ``base`` and the
        original ``-I``; without, the Householder reflectors of ``Q``'s QR.

        Args:
            Q: A tensor of the parametrized tensor's shape.
        """
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        with grad_mode.no_grad():
            if not hasattr(self, "base"):
                return self._reflectors_of(Q)
            return self._set_base(Q)

    def _reflectors_of(self, Q: Tensor) -> Tensor:
        if self.orthogonal_map != _OrthMaps.householder:
            # No known inverse of the Cayley map, nor of the exponential, restricted to the
            # skew matrices made from a tall matrix's lower triangle.
            raise NotImplementedError("It is not possible to assign to the matrix exponential "
                                      "or the Cayley parametrizations when "
                                      "use_trivialization=False.")
        transpose = Q.size(-2) < Q.size(-1)
        if transpose:
            Q = Q.mT
        A, tau = symgrad.geqrf(Q)
        # The signs of R's diagonal (X = QR with diag(R) > 0, not (-Q)(-R)) on A's diagonal;
        # LAPACK's tau is exactly 0 where it did not reflect, which flips that sign.
        A.diagonal(dim1=-2, dim2=-1).sign_()
        A.diagonal(dim1=-2, dim2=-1)[tau == 0.0] *= -1
        return A.mT if transpose else A

    def _set_base(self, Q: Tensor) -> Tensor:
        Q_init = Q
        n, k = Q.size(-2), Q.size(-1)
        if n < k:
            Q = Q.mT
            n, k = k, n
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:
            N = symgrad.randn(*(Q.size()[:-2] + (n, n - k)), dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(symgrad.cat([Q, N], dim=-1))
        self.base = Q
        # -I: the Householder map of zeros below the diagonal and -1 on it is the identity.
        neg_Id = symgrad.zeros_like(Q_init)
        neg_Id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return neg_Id


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Make ``module.<name>`` (a matrix, or a batch of them) orthogonal: orthonormal columns
    if it is tall or square, orthonormal rows if wide.

    With ``use_trivialization`` (the default) the tensor's value at registration becomes the
    buffer ``parametrizations.<name>[0].base`` (orthogonalised by QR if it is not orthogonal)
    and the original trained is ``-I``; so does the ``"householder"`` map without it.

    Args:
        module: The module.
        name: The tensor's name. Defaults to ``"weight"``.
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``. Defaults to None:
            ``"matrix_exp"`` for a square or complex matrix, else ``"householder"``.
        use_trivialization: Keep ``base`` and multiply by it. Defaults to True.

    Returns:
        ``module``, parametrized.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> layer = symgrad.nn.utils.parametrizations.orthogonal(symgrad.nn.Linear(3, 5))
    >>> type(layer.parametrizations.weight[0]).__name__
    '_Orthogonal'
    >>> Q = layer.weight
    >>> bool(symgrad.dist(Q.T @ Q, symgrad.eye(3)) < 1e-6)
    True
    """
    weight = _tensor_of(module, name)
    if weight.ndim < 2:  # the sphere's maps would be a surprise to more people than a help
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.size(-2) == weight.size(-1)
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
