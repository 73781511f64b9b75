"""``EmbeddingBag``, as PyTorch's layer (helper loss): a table whose bags of rows are summed,
averaged or maxed (``nn.functional.embedding_bag``).

>>> import symgrad
>>> symgrad.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=-1)
EmbeddingBag(10, 3, mode='sum', padding_idx=9)
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.nn import functional as F
from symgrad.nn import init
from symgrad.nn.functional_bag import _refuse_unsupported
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["EmbeddingBag"]


class EmbeddingBag(Module):
    """A table of ``num_embeddings`` vectors of ``embedding_dim`` whose bags of rows are
    reduced by ``mode``, without the intermediate embeddings (``embedding_bag``).

    ``weight`` starts from the standard normal distribution, drawn as PyTorch draws it, with
    the row ``padding_idx`` (if any) then set to zeros.

    Parameters:
        num_embeddings: the number of rows.
        embedding_dim: the length of each row.
        max_norm: if given, the rows each call looks up are first scaled down in place to
            this ``norm_type``-norm, as ``embedding_bag(max_norm=)``.
        norm_type: the p of ``max_norm``'s p-norm.
        scale_grad_by_freq: not supported: only False.
        mode: ``"sum"``, ``"mean"`` or ``"max"``. Default: ``"mean"``.
        sparse: not supported: only False.
        _weight: the table itself, ``(num_embeddings, embedding_dim)`` (``from_pretrained``'s),
            instead of a drawn one. Default: None.
        include_last_offset: the offsets end with the input's size (CSR). Default: False.
        padding_idx: a row (negative: from the end) that starts at zero, is left out of the
            bags and receives no gradient.
        device: where the table lives: only the CPU (``"cpu"``, a device, or None).
        dtype: the table's dtype (None: the default dtype).

    >>> import symgrad
    >>> bag = symgrad.nn.EmbeddingBag(10, 3)
    >>> bag(symgrad.tensor([1, 2, 4, 5, 4]), symgrad.tensor([0, 2])).shape
    symgrad.Size([2, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        _refuse_unsupported(max_norm, scale_grad_by_freq, sparse)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("padding_idx must be within num_embeddings")
            padding_idx = padding_idx + num_embeddings if padding_idx < 0 else padding_idx
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(symgrad.empty(num_embeddings, embedding_dim, device=device,
                                                  dtype=dtype))
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight)
        self.mode, self.sparse = mode, sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        """Draw ``weight`` afresh from the standard normal distribution, as the constructor
        does, and zero the row ``padding_idx``.

        >>> import symgrad
        >>> bag = symgrad.nn.EmbeddingBag(3, 2, padding_idx=0)
        >>> _ = symgrad.manual_seed(1); bag.reset_parameters(); bag.weight[0].tolist()
        [0.0, 0.0]
        """
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with symgrad.no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        """``embedding_bag`` of ``input`` with the layer's table and options.

        Args:
            input: Indices: ``(B, N)`` for ``B`` bags of ``N``, or ``(n,)`` with ``offsets``.
            offsets: Where each bag of a 1-D ``input`` starts. Defaults to None.
            per_sample_weights: A weight per index (``mode="sum"`` only). Defaults to None.

        >>> import symgrad
        >>> bag = symgrad.nn.EmbeddingBag.from_pretrained(symgrad.tensor([[1.0, 2.0],
        ...                                                               [3.0, 5.0]]))
        >>> bag.forward(symgrad.tensor([[0, 1]]))
        tensor([[2.0000, 3.5000]])
        """
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        """The table's size, its mode, and ``padding_idx`` if any, as PyTorch's.

        >>> import symgrad
        >>> symgrad.nn.EmbeddingBag(4, 2).extra_repr()
        "4, 2, mode='mean'"
        """
        s = f"{self.num_embeddings!r}, {self.embedding_dim!r}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """A layer whose table is ``embeddings`` itself (a parameter made of it).

        Args:
            embeddings: The table, ``(num_embeddings, embedding_dim)``.
            freeze: Whether the table stays fixed (requires no grad). Defaults to True.
            max_norm: The norm looked-up rows are scaled down to in place. Defaults to None.
            norm_type: The p of ``max_norm``'s p-norm. Defaults to 2.
            scale_grad_by_freq: Only False is supported. Defaults to False.
            mode: ``"sum"``, ``"mean"`` or ``"max"``. Defaults to ``"mean"``.
            sparse: Only False is supported. Defaults to False.
            include_last_offset: The offsets end with the input's size. Defaults to False.
            padding_idx: A row left out of the bags. Defaults to None.

        >>> import symgrad
        >>> bag = symgrad.nn.EmbeddingBag.from_pretrained(symgrad.eye(2), freeze=False)
        >>> bag, bag.weight.requires_grad
        (EmbeddingBag(2, 2, mode='mean'), True)
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings,
                  max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
