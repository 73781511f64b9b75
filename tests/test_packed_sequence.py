"""Packed sequences (``symgrad.nn.utils.rnn``: ``PackedSequence``, ``pack_padded_sequence``,
``pad_packed_sequence``, ``pack_sequence``, ``unpack_sequence``) and the recurrent layers run
on them, against torch 2.13: the packed data, batch sizes and permutations, the padded
tensors and lengths, the nodes' names, gradients, errors and their messages.

Packing and padding move values without arithmetic, so they are compared exactly. The
layers: same seed, so the same parameters (bitwise), then outputs, final states and the
gradients of every parameter, of the input and of the initial states, to 1e-6 * (1 + |torch's|)
in float32 and 1e-12 * (1 + |torch's|) in float64: PyTorch's fused kernels round otherwise than
symgrad's steps; the differences measured on these sizes are at most 7.3e-7 and 1.9e-15 of
(1 + |torch's|), far below a wrong gate, step or sequence (order 0.1).
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
    lambda L: _rnn(L).pack_padded_sequence(L.zeros(3), [3]),
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


# -- the recurrent layers on packed batches --------------------------------------------------------
TOL = {"float64": 1e-12, "float32": 1e-6}
CONFIGS = [{}, {"bidirectional": True, "num_layers": 2}, {"batch_first": True, "num_layers": 2},
           {"bidirectional": True, "batch_first": True}]


def _packed_run(lib: Any, cls: str, kwargs: dict, x: np.ndarray, lengths: list[int],
                enforce_sorted: bool, dtype: str, states: list[np.ndarray] | None,
                train: bool = False) -> tuple[list[Any], list[np.ndarray], list[str]]:
    """The layer's parameters, and its outputs (packed data, h_n, c_n) and the gradients of a
    weighted sum of them (parameters, input, initial states), with the outputs' node names."""
    lib.manual_seed(0)
    module = getattr(lib.nn, cls)(3, 4, **kwargs).to(getattr(lib, dtype))
    module.train(train)
    xt = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
    hs = [lib.tensor(h, dtype=getattr(lib, dtype), requires_grad=True) for h in states or []]
    packed = _rnn(lib).pack_padded_sequence(xt, lengths, batch_first=kwargs.get("batch_first",
                                                                                 False),
                                            enforce_sorted=enforce_sorted)
    lib.manual_seed(7)
    hx = None if not hs else tuple(hs) if cls == "LSTM" else hs[0]
    out, hidden = module(packed, hx)
    assert type(out).__name__ == "PackedSequence"
    assert out.batch_sizes is packed.batch_sizes and out.sorted_indices is packed.sorted_indices
    outs = [out.data, *(hidden if cls == "LSTM" else (hidden,))]
    # Each output weighted differently, so that a swapped state or sequence would show.
    weights = [np.random.default_rng(i).standard_normal(tuple(o.shape)) for i, o in
               enumerate(outs)]
    sum((o * lib.tensor(w, dtype=getattr(lib, dtype))).sum()
        for o, w in zip(outs, weights, strict=True)).backward()
    return ([p.detach().numpy() for p in module.parameters()],
            [_array(o) for o in outs] + [p.grad.numpy() for p in module.parameters()]
            + [xt.grad.numpy()] + [h.grad.numpy() for h in hs],
            [type(o.grad_fn).__name__ for o in outs])


def _compare_packed(cls: str, kwargs: dict, lengths: list[int], enforce_sorted: bool,
                    dtype: str, rng: np.random.Generator, with_states: bool,
                    train: bool = False) -> None:
    steps, batch = max(lengths), len(lengths)
    x = rng.standard_normal((batch, steps, 3) if kwargs.get("batch_first") else
                            (steps, batch, 3))
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    states = [rng.standard_normal((layers, batch, 4)) for _ in range(2 if cls == "LSTM" else 1)]
    results = {lib: _packed_run(lib, cls, kwargs, x, lengths, enforce_sorted, dtype,
                                states if with_states else None, train)
               for lib in (torch, symgrad)}
    (t_params, t_values, t_names), (s_params, s_values, s_names) = (results[torch],
                                                                    results[symgrad])
    for s, t in zip(s_params, t_params, strict=True):
        assert np.array_equal(s, t)
    assert s_names == t_names
    for s, t in zip(s_values, t_values, strict=True):
        np.testing.assert_allclose(s, t, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([2, 5, 1, 3], False)])
@pytest.mark.parametrize("kwargs", CONFIGS, ids=["plain", "bidirectional-2", "batch_first-2",
                                                 "bidirectional-batch_first"])
@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_layers_on_packed_batches_match_torch(cls: str, kwargs: dict, lengths: list[int],
                                              enforce_sorted: bool, dtype: str,
                                              rng: np.random.Generator) -> None:
    _compare_packed(cls, kwargs, lengths, enforce_sorted, dtype, rng, with_states=False)
    _compare_packed(cls, kwargs, lengths, enforce_sorted, dtype, rng, with_states=True)


def test_relu_without_bias_and_dropout_in_training_match_torch(
        rng: np.random.Generator) -> None:
    # Dropout between the layers draws its masks on the packed data, as PyTorch's.
    _compare_packed("RNN", {"nonlinearity": "relu", "bias": False}, [2, 5, 1, 3], False,
                    "float64", rng, with_states=True)
    _compare_packed("LSTM", {"num_layers": 2, "dropout": 0.5, "bidirectional": True},
                    [2, 5, 1, 3], False, "float64", rng, with_states=True, train=True)


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_second_order_and_float16_match_torch(cls: str) -> None:
    # create_graph differentiates the layer composed of symgrad's ops, which also runs float16
    # (the fused steps run float32 and float64 only).
    results = {}
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        module = getattr(lib.nn, cls)(2, 3, bidirectional=True)
        values = []
        for dtype in (lib.float64, lib.float16):
            module = module.to(dtype)
            x = lib.tensor(np.linspace(-1, 1, 24).reshape(4, 3, 2), dtype=dtype,
                           requires_grad=True)
            packed = _rnn(lib).pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
            out, hidden = module(packed)
            h = hidden[0] if cls == "LSTM" else hidden
            loss = (out.data.double() ** 2).sum() + (h.double() * 3).sum()
            if dtype is lib.float64:
                (g,) = lib.autograd.grad(loss, x, create_graph=True)
                (gg,) = lib.autograd.grad((g * g).sum(), module.weight_hh_l0_reverse)
                values.append(gg.numpy())
            else:
                loss.backward()
                values += [out.data.detach().double().numpy(), x.grad.double().numpy()]
        results[lib] = values
    second, out16, grad16 = results[symgrad]
    np.testing.assert_allclose(second, results[torch][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(out16, results[torch][1])
    # float16 rounds the gradients' sums differently: a few units in the last place.
    np.testing.assert_allclose(grad16, results[torch][2], rtol=0, atol=4e-3)


def _packed(L: Any, *shape: int, dtype: str = "float32") -> Any:
    return _rnn(L).pack_padded_sequence(L.zeros(*shape, dtype=getattr(L, dtype)),
                                        [shape[0], 1])


BAD_LAYER_CALLS = [
    lambda L: L.nn.GRU(3, 4)(_packed(L, 3, 2, 3, dtype="float64")),
    lambda L: L.nn.RNN(3, 4)(_packed(L, 3, 2, 5)),
    lambda L: L.nn.RNN(3, 4)(_packed(L, 3, 2, 3), L.zeros(1, 3, 4)),
    lambda L: L.nn.RNN(3, 4)(_packed(L, 3, 2, 3), L.zeros(2, 2, 4)),
    lambda L: L.nn.GRU(3, 4, bidirectional=True)(_packed(L, 3, 2, 3), L.zeros(1, 2, 4)),
    lambda L: L.nn.RNN(3, 4)(_rnn(L).PackedSequence(L.zeros(3, 1, 3), L.tensor([2, 1]))),
]


@pytest.mark.parametrize("index", range(len(BAD_LAYER_CALLS)))
def test_layer_errors_on_packed_batches_match_torch(index: int) -> None:
    call = BAD_LAYER_CALLS[index]
    t_class, t_message = raised(call, torch)
    assert raised(call, symgrad) == (t_class, t_message.replace("torch.", "symgrad."))


def test_lstm_checks_a_packed_batch_as_the_other_layers_do() -> None:
    # PyTorch's LSTM skips RNNBase's checks for a packed batch (its RNN and GRU make them): a
    # wrong size fails inside its kernel, a cell state for two layers runs. symgrad's LSTM
    # makes the checks it makes for a padded batch.
    bad = [
        (lambda L: L.nn.LSTM(3, 4)(_packed(L, 3, 2, 5)),
         "mat1 and mat2 shapes cannot be multiplied (4x5 and 3x16)",
         "input.size(-1) must be equal to input_size. Expected 3, got 5"),
        (lambda L: L.nn.LSTM(3, 4)(_packed(L, 3, 2, 3), (L.zeros(1, 2, 5), L.zeros(1, 2, 4))),
         "got an incorrect number of RNN parameters",
         "Expected hidden[0] size (1, 2, 4), got [1, 2, 5]"),
        (lambda L: L.nn.LSTM(3, 4)(_packed(L, 3, 2, 3), (L.zeros(1, 2, 4), L.zeros(2, 2, 4))),
         None, "Expected hidden[1] size (1, 2, 4), got [2, 2, 4]"),
        (lambda L: L.nn.LSTM(3, 4)(_rnn(L).PackedSequence(L.zeros(3, 1, 3), L.tensor([2, 1]))),
         "output with shape [2, 16] doesn't match the broadcast shape [2, 2, 16]",
         "input must have 2 dimensions, got 3"),
    ]
    for call, torch_message, symgrad_message in bad:
        if torch_message is None:
            call(torch)
        else:
            assert raised(call, torch) == ("RuntimeError", torch_message)
        assert raised(call, symgrad) == ("RuntimeError", symgrad_message)
