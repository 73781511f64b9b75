"""Variable-length sequences as ``torch.nn.utils.rnn`` has them: padded into one tensor
(``pad_sequence``, ``unpad_sequence``) and packed (``PackedSequence``, ``pack_padded_sequence``,
``pad_packed_sequence``, ``pack_sequence``, ``unpack_sequence``), the form ``RNN``, ``LSTM`` and
``GRU`` run on without computing the padding.

A packed sequence holds the sequences' elements time step by time step: at step ``t`` the first
``batch_sizes[t]`` sequences of the batch sorted by decreasing length (the ones still running),
so every step's batch is a prefix of the previous one's. Packing and padding are differentiable
in the data.

>>> import symgrad
>>> packed = pack_sequence([symgrad.tensor([1.0, 2.0, 3.0]), symgrad.tensor([4.0])])
>>> packed.data, packed.batch_sizes
(tensor([1., 4., 2., 3.]), tensor([2, 1, 1]))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from symgrad.ops.registry import renamed_node_class
from symgrad.tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of sequences packed step by step: ``data`` holds, for each time step ``t``, the
    elements of the ``batch_sizes[t]`` longest sequences (in the sorted order); a named tuple
    ``(data, batch_sizes, sorted_indices, unsorted_indices)``, as PyTorch's. Made by
    ``pack_padded_sequence`` and ``pack_sequence``, taken and given by the recurrent layers.
    Made from its four fields (``unsorted_indices`` left out is computed from
    ``sorted_indices``), or from the pair ``(data, batch_sizes)``.

    Attributes:
        data: The packed elements, ``(sum(batch_sizes), *)``.
        batch_sizes: The number of sequences at each step (int64, non-increasing).
        sorted_indices: The original index of each sorted sequence, or None if the batch was
            given sorted.
        unsorted_indices: Its inverse permutation (None with ``sorted_indices``).

    >>> import symgrad
    >>> PackedSequence(symgrad.tensor([1.0, 4.0, 2.0]), symgrad.tensor([2, 1]))
    PackedSequence(data=tensor([1., 4., 2.]), batch_sizes=tensor([2, 1]),
                   sorted_indices=None, unsorted_indices=None)
    """

    def __new__(cls, data: Any, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None, unsorted_indices: Tensor | None = None
                ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, list | tuple) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data`` converted as ``Tensor.to`` converts it (``batch_sizes`` and the indices stay
        int64); this sequence itself when nothing changes.

        Args:
            *args: What ``Tensor.to`` takes: a dtype, a device, or both.
            **kwargs: ``dtype=``, ``device=`` and the rest of ``Tensor.to``'s keywords.

        >>> import symgrad
        >>> packed = pack_sequence([symgrad.tensor([1.0, 2.0])])
        >>> packed.to(symgrad.float32) is packed, packed.to(symgrad.float64).data.dtype
        (True, symgrad.float64)
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """On the CPU: this sequence (symgrad's tensors are all on the CPU).

        Args:
            *args: ``Tensor.cpu``'s arguments.
            **kwargs: ``Tensor.cpu``'s keywords.

        >>> import symgrad
        >>> packed = pack_sequence([symgrad.tensor([1.0])])
        >>> packed.cpu() is packed
        True
        """
        return self.to(*args, device="cpu", **kwargs)

    def double(self) -> PackedSequence:
        """``data`` as float64 (``to(symgrad.float64)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1, 2])]).double().data
        tensor([1., 2.], dtype=symgrad.float64)
        """
        return self._as("float64")

    def float(self) -> PackedSequence:
        """``data`` as float32 (``to(symgrad.float32)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1, 2])]).float().data
        tensor([1., 2.])
        """
        return self._as("float32")

    def half(self) -> PackedSequence:
        """``data`` as float16 (``to(symgrad.float16)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1, 2])]).half().data
        tensor([1., 2.], dtype=symgrad.float16)
        """
        return self._as("float16")

    def long(self) -> PackedSequence:
        """``data`` as int64 (``to(symgrad.int64)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1.5, 2.0])]).long().data
        tensor([1, 2])
        """
        return self._as("int64")

    def int(self) -> PackedSequence:
        """``data`` as int32 (``to(symgrad.int32)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1.5, 2.0])]).int().data
        tensor([1, 2], dtype=symgrad.int32)
        """
        return self._as("int32")

    def short(self) -> PackedSequence:
        """``data`` as int16 (``to(symgrad.int16)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1.5, 2.0])]).short().data
        tensor([1, 2], dtype=symgrad.int16)
        """
        return self._as("int16")

    def char(self) -> PackedSequence:
        """``data`` as int8 (``to(symgrad.int8)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1.5, 2.0])]).char().data
        tensor([1, 2], dtype=symgrad.int8)
        """
        return self._as("int8")

    def byte(self) -> PackedSequence:
        """``data`` as uint8 (``to(symgrad.uint8)``).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1.5, 2.0])]).byte().data
        tensor([1, 2], dtype=symgrad.uint8)
        """
        return self._as("uint8")

    def _as(self, dtype: str) -> PackedSequence:
        import symgrad

        return self.to(dtype=getattr(symgrad, dtype))

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a GPU: False (symgrad computes on the CPU).

        >>> import symgrad
        >>> pack_sequence([symgrad.tensor([1.0])]).is_cuda
        False
        """
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation (None for None): ``out[permutation[i]] = i``.

    Args:
        permutation: A 1-D int64 tensor holding a permutation of ``0 .. n-1``, or None.

    >>> import symgrad
    >>> invert_permutation(symgrad.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    import symgrad

    if permutation is None:
        return None
    out = symgrad.empty_like(permutation)
    return out.scatter_(0, permutation, symgrad.arange(permutation.numel()))


# -- packing and padding ---------------------------------------------------------------------------
def _lengths_array(lengths: Any) -> np.ndarray:
    """``lengths`` as int64 (a tensor's values truncated, as ``Tensor.to(int64)`` does)."""
    import symgrad

    if isinstance(lengths, Tensor):
        lengths = lengths.to(dtype=symgrad.int64)
    else:
        lengths = symgrad.as_tensor(lengths, dtype=symgrad.int64)
    if lengths.ndim != 1:
        raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lengths.ndim}D cpu Long tensor")
    return lengths.numpy()


def _batch_sizes(input: Tensor, lengths: np.ndarray, batch_first: bool) -> np.ndarray:
    """PyTorch's checks of the sorted ``lengths`` (in its order), then the number of sequences
    running at each step."""
    # size(), not shape[]: a 1-D input gets PyTorch's IndexError.
    batch = input.size(0 if batch_first else 1)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if lengths.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={batch})")
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    steps = input.shape[1 if batch_first else 0]
    # PyTorch packs fewer rows than its batch_sizes count here (a sequence it can't read):
    # symgrad refuses.
    if lengths[0] > steps:
        raise RuntimeError(f"A length ({lengths[0]}) is greater than the padded sequences' "
                           f"length ({steps})")
    return (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)


def _packed_positions(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The step and the batch index of every packed row, in order."""
    steps = np.repeat(np.arange(batch_sizes.shape[0]), batch_sizes)
    starts = np.repeat(np.cumsum(batch_sizes) - batch_sizes, batch_sizes)
    return steps, np.arange(steps.shape[0]) - starts


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch of sequences: each sequence's first ``lengths[i]`` steps, step by
    step. Differentiable in ``input`` (the node is named ``PackPaddedSequenceBackward0``, as
    PyTorch's).

    Args:
        input: ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) padded sequences.
        lengths: Each sequence's length (a list or a 1-D tensor; a tensor's values are
            truncated to integers), each in ``1 .. T``.
        batch_first: Whether the batch dim comes first. Defaults to False.
        enforce_sorted: Require ``lengths`` in decreasing order (else RuntimeError). With
            False the sequences are sorted here, and the permutation kept in the result.
            Defaults to True.

    >>> import symgrad
    >>> padded = symgrad.tensor([[1.0, 2.0, 0.0], [3.0, 4.0, 5.0]])
    >>> packed = pack_padded_sequence(padded, [2, 3], batch_first=True, enforce_sorted=False)
    >>> packed.data, packed.batch_sizes, packed.sorted_indices
    (tensor([3., 1., 4., 2., 5.]), tensor([2, 2, 1]), tensor([1, 0]))
    """
    import symgrad

    lengths_array = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        # symgrad's sort orders equal lengths as PyTorch's does.
        sorted_lengths, sorted_indices = symgrad.sort(symgrad.tensor(lengths_array),
                                                      descending=True)
        lengths_array = sorted_lengths.numpy()
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    batch_sizes = _batch_sizes(input, lengths_array, batch_first)
    steps, rows = _packed_positions(batch_sizes)
    index = (symgrad.tensor(rows), symgrad.tensor(steps))
    data = input[index if batch_first else index[::-1]]
    if data.grad_fn is not None:
        # One gather from input, as PyTorch's node.
        data.grad_fn.__class__ = renamed_node_class(type(data.grad_fn),
                                                    "PackPaddedSequenceBackward0")
    return PackedSequence(data, symgrad.tensor(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Pad a packed batch back into one tensor, in the original batch order: the inverse of
    ``pack_padded_sequence``. Differentiable in ``sequence.data``.

    Args:
        sequence: The packed batch.
        batch_first: Give ``(B, T, *)`` instead of ``(T, B, *)``. Defaults to False.
        padding_value: The value of the padding. Defaults to 0.0.
        total_length: Pad to this many steps (not fewer than the longest sequence's, else
            ValueError). Defaults to None: the longest sequence's length.

    Returns:
        The padded tensor, and each sequence's length (int64).

    >>> import symgrad
    >>> packed = pack_sequence([symgrad.tensor([1.0]), symgrad.tensor([2.0, 3.0])],
    ...                        enforce_sorted=False)
    >>> pad_packed_sequence(packed, batch_first=True, padding_value=-1.0)
    (tensor([[ 1., -1.],
            [ 2.,  3.]]), tensor([1, 2]))
    """
    import symgrad

    batch_sizes = sequence.batch_sizes.numpy()
    steps = batch_sizes.shape[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    data = sequence.data
    batch = int(batch_sizes[0])
    padded = data.new_full((steps, batch, *data.shape[1:]), padding_value)
    # One copy per run of equal batch sizes, as PyTorch's kernel copies.
    start = 0
    for t0, t1 in _runs(batch_sizes):
        size = int(batch_sizes[t0])
        rows = size * (t1 - t0)
        padded[t0:t1, :size].copy_(data[start:start + rows].view(t1 - t0, size,
                                                                  *data.shape[1:]))
        start += rows
    lengths = symgrad.tensor((batch_sizes[:, None] > np.arange(batch)[None, :]).sum(0))
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices]
    return padded, lengths


def _runs(batch_sizes: np.ndarray) -> list[tuple[int, int]]:
    """The ``[t0, t1)`` ranges of steps of equal batch size."""
    cuts = [0, *(np.flatnonzero(np.diff(batch_sizes)) + 1).tolist(), batch_sizes.shape[0]]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of different lengths: ``pad_sequence``, then
    ``pack_padded_sequence``.

    Args:
        sequences: Tensors ``(L_i, *)`` of equal trailing dims.
        enforce_sorted: Require the sequences in decreasing order of length (else
            RuntimeError); with False they are sorted here. Defaults to True.

    >>> import symgrad
    >>> pack_sequence([symgrad.tensor([1, 2, 3]), symgrad.tensor([4, 5]), symgrad.tensor([6])])
    PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]),
                   sorted_indices=None, unsorted_indices=None)
    """
    import symgrad

    lengths = symgrad.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a packed batch holds, in the original order: the inverse of
    ``pack_sequence``.

    Args:
        packed_sequences: The packed batch.

    >>> import symgrad
    >>> unpack_sequence(pack_sequence([symgrad.tensor([1, 2]), symgrad.tensor([3, 4, 5])],
    ...                               enforce_sorted=False))
    [tensor([1, 2]), tensor([3, 4, 5])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


# -- padding ---------------------------------------------------------------------------------------
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
