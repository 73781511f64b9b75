"""Layers that reshape, drop, look up or normalise: ``Identity``, ``Flatten``, ``Unflatten``,
``Dropout``, ``Embedding`` and ``LayerNorm``, as in ``torch.nn``.

>>> import symgrad
>>> net = symgrad.nn.Sequential(symgrad.nn.Flatten(), symgrad.nn.Dropout(0.1))
>>> net.eval()(symgrad.ones(2, 2, 2)).shape
symgrad.Size([2, 4])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import symgrad
from symgrad.nn import functional as F
from symgrad.nn import init
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["Identity", "Flatten", "Unflatten", "Dropout", "Embedding", "LayerNorm"]


class Identity(Module):
    """Its input, unchanged (a placeholder where a layer is optional).

    Parameters:
        args: accepted and ignored, as PyTorch does.
        kwargs: accepted and ignored, as PyTorch does.

    >>> import symgrad
    >>> x = symgrad.ones(2)
    >>> symgrad.nn.Identity(54, unused="x")(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        """``input`` itself.

        Args:
            input: Anything; it is returned as it is.

        >>> import symgrad
        >>> symgrad.nn.Identity().forward(3)
        3
        """
        return input


class Flatten(Module):
    """The dims ``start_dim`` to ``end_dim`` folded into one (by default all but the batch dim).

    Parameters:
        start_dim: the first dim folded.
        end_dim: the last dim folded.

    >>> import symgrad
    >>> symgrad.nn.Flatten()(symgrad.zeros(2, 3, 4)).shape
    symgrad.Size([2, 12])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        """``input.flatten(start_dim, end_dim)``.

        Args:
            input: The tensor whose dims ``start_dim..end_dim`` are merged.

        >>> import symgrad
        >>> symgrad.nn.Flatten(0).forward(symgrad.zeros(2, 3)).shape
        symgrad.Size([6])
        """
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """The dims folded.

        >>> import symgrad
        >>> symgrad.nn.Flatten()
        Flatten(start_dim=1, end_dim=-1)
        """
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Dim ``dim`` split into ``unflattened_size`` (a view).

    Parameters:
        dim: the dim to split.
        unflattened_size: the sizes it becomes; their product is its length.

    >>> import symgrad
    >>> symgrad.nn.Unflatten(1, (2, 3))(symgrad.zeros(4, 6)).shape
    symgrad.Size([4, 2, 3])
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        """``input`` viewed with dim ``dim`` replaced by ``unflattened_size``.

        Args:
            input: The tensor whose dim ``dim`` is split.

        >>> import symgrad
        >>> symgrad.nn.Unflatten(-1, (2, 2)).forward(symgrad.arange(4))
        tensor([[0, 1],
                [2, 3]])
        """
        dim = self.dim % max(input.ndim, 1)
        shape = tuple(input.shape)
        return input.view(shape[:dim] + self.unflattened_size + shape[dim + 1:])

    def extra_repr(self) -> str:
        """The dim and the sizes.

        >>> import symgrad
        >>> symgrad.nn.Unflatten(1, (2, 2))
        Unflatten(dim=1, unflattened_size=(2, 2))
        """
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout(Module):
    """``dropout`` in training mode; the identity after ``eval()``.

    Parameters:
        p: the probability of zeroing each element, in [0, 1].
        inplace: multiply the input by the mask in place and return it, as
            ``dropout(inplace=True)``.

    >>> import symgrad
    >>> layer = symgrad.nn.Dropout(0.5)
    >>> x = symgrad.ones(3)
    >>> layer.eval()(x) is x, layer
    (True, Dropout(p=0.5, inplace=False))
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``dropout(input, p, training)``.

        Args:
            input: The tensor to drop elements of (in training mode).

        >>> import symgrad
        >>> symgrad.nn.Dropout(0.0).forward(symgrad.ones(2))
        tensor([1., 1.])
        """
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """The probability and whether in place.

        >>> import symgrad
        >>> symgrad.nn.Dropout(0.25).extra_repr()
        'p=0.25, inplace=False'
        """
        return f"p={self.p}, inplace={self.inplace}"


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of ``embedding_dim``, looked up by index.

    ``weight`` starts from the standard normal distribution, drawn as PyTorch draws it, with
    the row ``padding_idx`` (if any) then set to zeros.

    Parameters:
        num_embeddings: the number of rows.
        embedding_dim: the length of each row.
        padding_idx: a row (negative: from the end) that starts at zero and receives no
            gradient, as ``embedding(padding_idx=)``.
        max_norm: if given, the rows each call looks up are first scaled down in place to
            this ``norm_type``-norm, as ``embedding(max_norm=)``.
        norm_type: the p of ``max_norm``'s p-norm.
        scale_grad_by_freq: not supported: only False.
        sparse: not supported: only False.
        device: where the table lives: only the CPU (``"cpu"``, a device, or None); any other
            device raises PyTorch's error.
        dtype: the table's dtype (None: the default dtype).

    >>> import symgrad
    >>> table = symgrad.nn.Embedding(10, 3)
    >>> table, table(symgrad.tensor([[1, 2], [4, 9]])).shape
    (Embedding(10, 3), symgrad.Size([2, 2, 3]))
    >>> table = symgrad.nn.Embedding(3, 2, padding_idx=-1, dtype=symgrad.float64)
    >>> table, table.padding_idx, table.weight[2]
    (Embedding(3, 2, padding_idx=2), 2, tensor([0., 0.], dtype=symgrad.float64, \
grad_fn=<SelectBackward0>))
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = F._padding_idx(padding_idx, lambda: num_embeddings)
        F._refuse_embedding_options(max_norm, scale_grad_by_freq, sparse)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.weight = Parameter(symgrad.empty(num_embeddings, embedding_dim, device=device,
                                              dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` afresh from the standard normal distribution, as the constructor
        does, and zero the row ``padding_idx``.

        >>> import symgrad
        >>> table = symgrad.nn.Embedding(3, 2, padding_idx=0)
        >>> _ = symgrad.manual_seed(1); table.reset_parameters(); table.weight[0].tolist()
        [0.0, 0.0]
        """
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with symgrad.no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        """The rows of ``weight`` at the indices ``input``.

        Args:
            input: Integer indices into the rows of ``weight``.

        >>> import symgrad
        >>> symgrad.nn.Embedding(4, 2).forward(symgrad.tensor([3])).shape
        symgrad.Size([1, 2])
        """
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self) -> str:
        """The table's size, and ``padding_idx``, ``max_norm`` and ``norm_type`` if set.

        >>> import symgrad
        >>> symgrad.nn.Embedding(4, 2).extra_repr()
        '4, 2'
        >>> symgrad.nn.Embedding(4, 2, max_norm=1.5, norm_type=1.0).extra_repr()
        '4, 2, max_norm=1.5, norm_type=1.0'
        """
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        return s


class LayerNorm(Module):
    """``layer_norm`` over the trailing ``normalized_shape``, with a learnt scale and shift.

    Parameters:
        normalized_shape: the trailing dims normalised together (an int for one).
        eps: added to the variance, for stability.
        elementwise_affine: learn ``weight`` (from ones) and ``bias`` (from zeros).
        bias: learn the shift too (with ``elementwise_affine``).
        device: where the parameters live: only the CPU (``"cpu"``, a device, or None); any
            other device raises PyTorch's error.
        dtype: the parameters' dtype (None: the default dtype).

    >>> import symgrad
    >>> norm = symgrad.nn.LayerNorm(2)
    >>> norm, norm(symgrad.tensor([[1.0, 3.0]]))
    (LayerNorm((2,), eps=1e-05, elementwise_affine=True, bias=True), tensor([[-1.0000,  1.0000]], \
grad_fn=<NativeLayerNormBackward0>))
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
            normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        made = {"device": device, "dtype": dtype}
        self.register_parameter("weight", Parameter(symgrad.ones(shape, **made))
                                if elementwise_affine else None)
        self.register_parameter("bias", Parameter(symgrad.zeros(shape, **made))
                                if elementwise_affine and bias else None)

    def forward(self, input: Tensor) -> Tensor:
        """``layer_norm(input, normalized_shape, weight, bias, eps)``.

        Args:
            input: A tensor whose trailing dims are ``normalized_shape``.

        >>> import symgrad
        >>> symgrad.nn.LayerNorm(2, elementwise_affine=False).forward(symgrad.tensor([2.0, 4.0]))
        tensor([-1.0000,  1.0000])
        """
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """The shape, eps and whether affine.

        >>> import symgrad
        >>> symgrad.nn.LayerNorm((2, 3), eps=1e-6).extra_repr()
        '(2, 3), eps=1e-06, elementwise_affine=True, bias=True'
        """
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
