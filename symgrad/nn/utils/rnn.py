"""Padding variable-length sequences into one tensor and back, as ``torch.nn.utils.rnn``'s
``pad_sequence`` and ``unpad_sequence``. (Packed sequences, ``pack_padded_sequence``, are not
in symgrad.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from symgrad.tensor import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack tensors of different lengths (their first dim) into one, padded with
    ``padding_value`` to the longest: shape ``(longest, batch, *rest)``, or
    ``(batch, longest, *rest)`` with ``batch_first``. Differentiable in each sequence.

    Args:
        sequences: The tensors (a list or tuple; a tensor is taken as its rows), of equal
            trailing dims; their values are converted to the first one's dtype.
        batch_first: Put the batch dim first. Defaults to False.
        padding_value: The value of the padding. Defaults to 0.0.
        padding_side: ``"right"`` pads after each sequence, ``"left"`` before. Defaults to
            ``"right"``.

    >>> import symgrad
    >>> pad_sequence([symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0])], batch_first=True)
    tensor([[1., 2.],
            [3., 0.]])
    """
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    elif not isinstance(sequences, Iterable) or isinstance(sequences, str):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError("Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    first = sequences[0]
    if first.dim() == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    longest = max(s.size(0) for s in sequences)
    rest = tuple(first.shape[1:])
    shape = (len(sequences), longest, *rest) if batch_first else (longest, len(sequences), *rest)
    out = first.new_full(shape, padding_value)
    for i, seq in enumerate(sequences):
        n = seq.size(0)
        rows = slice(longest - n, longest) if padding_side == "left" else slice(0, n)
        out[(i, rows) if batch_first else (rows, i)].copy_(seq)
    return out


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """The sequences ``pad_sequence`` padded (on the right), each cut to its length.

    (PyTorch's, without ``batch_first``, also transposes ``padded_sequences`` in place;
    symgrad has no in-place transpose and leaves it as it is.)

    Args:
        padded_sequences: The padded tensor.
        lengths: Each sequence's length (a tensor of ints).
        batch_first: Whether the batch dim comes first. Defaults to False.

    >>> import symgrad
    >>> padded = symgrad.tensor([[1.0, 2.0], [3.0, 0.0]])
    >>> unpad_sequence(padded, symgrad.tensor([2, 1]), batch_first=True)
    [tensor([1., 2.]), tensor([3.])]
    """
    from symgrad import arange

    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    positions = arange(padded_sequences.shape[1])
    return [seq[positions < length] for seq, length in zip(padded_sequences, lengths,
                                                             strict=False)]
