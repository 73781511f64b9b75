"""Packed sequences (``symgrad.nn.utils.rnn``: ``PackedSequence``, ``pack_padded_sequence``,
``pad_packed_sequence``, ``pack_sequence``, ``unpack_sequence``) and the recurrent layers run
on them, against torch 2.13: the packed data, batch sizes and permutations, the padded
tensors and lengths, the nodes' names, gradients, errors and their messages.

Packing and padding move values without arithmetic, so they are compared exactly. The
layers: same seed, so the same parameters (bitwise), then outputs, final states and the
gradients of every parameter, of the input and of the initial states, to 1e-6 in float32
(PyTorch's fused kernels round otherwise than symgrad's composed steps; differences measured
on these sizes are below 5e-7) and 1e-12 in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")


def _rnn(lib: Any) -> Any:
    return lib.nn.utils.rnn


def _array(t: Any) -> np.ndarray | None:
    return None if t is None else t.detach().numpy()


# -- packing and padding ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [
    ([4, 2, 1], True), ([4, 4, 4], True), ([2, 4, 1], False), ([3, 3, 1], False),
    ([1, 3, 3], False), ([4, 2, 1], False),
])
@pytest.mark.parametrize("total_length", [None, 6])
def test_pack_then_pad_match_torch(batch_first: bool, lengths: list[int], enforce_sorted: bool,
                                   total_length: int | None, rng: np.random.Generator) -> None:
    x = rng.standard_normal((4, 3, 2))
    x = x.transpose(1, 0, 2) if batch_first else x
    results = {}
    for lib in (torch, symgrad):
        t = lib.tensor(x, requires_grad=True)
        packed = _rnn(lib).pack_padded_sequence(t, lib.tensor(lengths), batch_first=batch_first,
                                                enforce_sorted=enforce_sorted)
        padded, out_lengths = _rnn(lib).pad_packed_sequence(
            packed, batch_first=batch_first, padding_value=-2.5, total_length=total_length)
        # Each element weighted differently, so that a misplaced gradient shows.
        weights = lib.tensor(np.arange(padded.numel()).reshape(tuple(padded.shape)) * 1.0)
        (padded * weights).sum().backward()
        results[lib] = ([_array(a) for a in (*packed, padded, out_lengths, t.grad)],
                        [type(packed.data.grad_fn).__name__, type(padded.grad_fn).__name__,
                         str(packed.batch_sizes.dtype).split(".")[-1],
                         str(out_lengths.dtype).split(".")[-1]])
    (t_arrays, t_names), (s_arrays, s_names) = results[torch], results[symgrad]
    assert s_names == t_names
    for s, t in zip(s_arrays, t_arrays, strict=True):
        assert (s is None and t is None) or np.array_equal(s, t)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_sequence_match_torch(enforce_sorted: bool,
                                                       rng: np.random.Generator) -> None:
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    arrays = [rng.standard_normal((n, 2)) for n in lengths]
    results = {}
    for lib in (torch, symgrad):
        seqs = [lib.tensor(a, requires_grad=True) for a in arrays]
        packed = _rnn(lib).pack_sequence(seqs, enforce_sorted=enforce_sorted)
        unpacked = _rnn(lib).unpack_sequence(packed)
        sum(((u * (i + 1)) ** 2).sum() for i, u in enumerate(unpacked)).backward()
        results[lib] = [_array(a) for a in (*packed, *unpacked, *(s.grad for s in seqs))]
    for s, t in zip(results[symgrad], results[torch], strict=True):
        assert (s is None and t is None) or np.array_equal(s, t)


def test_integer_sequences_and_conversions_match_torch() -> None:
    results = {}
    for lib in (torch, symgrad):
        packed = _rnn(lib).pack_sequence([lib.tensor([1, 2]), lib.tensor([3, 4, 5])],
                                         enforce_sorted=False)
        same = (packed.long() is packed, packed.to(lib.int64) is packed, packed.cpu() is packed)
        converted = [packed.double(), packed.float(), packed.int(), packed.short(),
                     packed.char(), packed.byte(), packed.half(), packed.to(dtype=lib.float64)]
        results[lib] = (repr(packed).replace("torch.", "symgrad."), same, packed.is_cuda,
                        [str(p.data.dtype).split(".")[-1] for p in converted],
                        [p.data.tolist() for p in converted],
                        [(p.batch_sizes.tolist(), p.sorted_indices.tolist(),
                          p.unsorted_indices.tolist()) for p in converted],
                        _rnn(lib).invert_permutation(lib.tensor([2, 0, 3, 1])).tolist())
    assert results[symgrad] == results[torch]


def test_a_packed_sequence_is_a_named_tuple_as_torch_s() -> None:
    results = {}
    for lib in (torch, symgrad):
        cls = _rnn(lib).PackedSequence
        made = cls(lib.tensor([1.0, 2.0, 3.0]), lib.tensor([2, 1]), lib.tensor([1, 0]))
        pair = cls((lib.tensor([1.0]), lib.tensor([1])))
        data, batch_sizes, sorted_indices, unsorted_indices = made
        results[lib] = (made._fields, data.tolist(), batch_sizes.tolist(),
                        sorted_indices.tolist(), unsorted_indices.tolist(),
                        made.unsorted_indices.tolist(), pair.batch_sizes.tolist(),
                        pair.sorted_indices,
                        raised(lambda L: _rnn(L).PackedSequence(L.tensor([1.0])), lib))
    assert results[symgrad] == results[torch]


BAD_CALLS = [
    # lengths not in decreasing order with enforce_sorted
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 2), [2, 3]),
    lambda L: _rnn(L).pack_sequence([L.zeros(1), L.zeros(2)]),
    # a zero (or negative) length, sorted or not
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 2), [3, 0]),
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 2), [0, 3], enforce_sorted=False),
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 2), L.tensor([3, -1]),
                                           enforce_sorted=False),
    lambda L: _rnn(L).pack_sequence([L.zeros(2), L.zeros(0)], enforce_sorted=False),
    # a zero length in an unsorted batch, enforce_sorted: PyTorch checks the last one first
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 3), [0, 3, 1]),
    # lengths and batch of different sizes, 2-D lengths, empty input
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 2), [3, 2, 1]),
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 2, 4), [3, 2], batch_first=True),
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3, 2), [[3, 2]]),
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(0, 2), [1, 1]),
    lambda L: _rnn(L).pack_sequence([]),
    # a total length below the longest sequence's
    lambda L: _rnn(L).pad_packed_sequence(_rnn(L).pack_sequence([L.zeros(3)]), total_length=2),
]


@pytest.mark.parametrize("index", range(len(BAD_CALLS)))
def test_errors_match_torch(index: int) -> None:
    call = BAD_CALLS[index]
    assert raised(call, symgrad) == raised(call, torch)


def test_a_length_beyond_the_padding_is_refused() -> None:
    # PyTorch packs the rows it has and counts the ones it lacks: data of 5 rows for batch
    # sizes summing to 6, which its padding then reads past. symgrad refuses.
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(3, 2), [4, 2])
    assert (packed.data.shape[0], int(packed.batch_sizes.sum())) == (5, 6)
    with pytest.raises(RuntimeError, match=r"A length \(4\) is greater than the padded "
                                           r"sequences' length \(3\)"):
        symgrad.nn.utils.rnn.pack_padded_sequence(symgrad.zeros(3, 2), [4, 2])
