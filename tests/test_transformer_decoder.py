"""``symgrad.nn.TransformerDecoderLayer``, ``TransformerDecoder`` and ``Transformer`` against
torch 2.13 under the same seed: parameters (names, order, values bitwise, ``state_dict`` keys),
reprs, outputs and the gradients of every parameter and input, in training with dropout
(PyTorch's masks) and in evaluation, with masks (float, bool, causal detected or hinted),
key-padding masks, ``batch_first``, ``norm_first``, gelu, ``bias=False``, unbatched inputs;
PyTorch's errors and warnings.

Tolerances as tests/test_transformer.py: PyTorch's attention is a fused kernel that rounds
differently from symgrad's composition; the tests allow rtol 1e-10 / atol 1e-12 (float64),
rtol 2e-4 / atol 2e-5 (float32).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

TOL = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 2e-4, "atol": 2e-5}}
RNG = np.random.RandomState(1)  # import-time draws (the parametrized masks) only
T, S, N, E = 4, 5, 3, 8
TGT_PADDING = np.zeros((N, T), bool)
TGT_PADDING[0, 3:] = True
MEM_PADDING = np.zeros((N, S), bool)
MEM_PADDING[1, 2:] = True
MEM_PADDING[2, 4] = True
CAUSAL_T = np.triu(np.full((T, T), -np.inf), 1)
CAUSAL_S = np.triu(np.full((S, S), -np.inf), 1)
BOOL_T = np.triu(np.ones((T, T), bool), 1)
MEMORY_MASK = RNG.rand(T, S) > 0.7
MEMORY_FLOAT = RNG.randn(T, S)


def _mask(lib: Any, a: np.ndarray, dtype: str) -> Any:
    return lib.tensor(a) if a.dtype == bool else lib.tensor(a, dtype=getattr(lib, dtype))


def _kwargs(lib: Any, kwargs: dict) -> dict:
    kw = dict(kwargs)
    if kw.get("activation") == "gelu-function":
        kw["activation"] = lib.nn.functional.gelu
    return kw


def _layer(lib: Any, **kwargs: Any) -> Any:
    return lib.nn.TransformerDecoderLayer(E, 2, 16, **_kwargs(lib, kwargs))


def _decoder(lib: Any, layers: int = 2, norm: bool = True, **kwargs: Any) -> Any:
    return lib.nn.TransformerDecoder(_layer(lib, **kwargs), layers,
                                     norm=lib.nn.LayerNorm(E) if norm else None)


def _transformer(lib: Any, **kwargs: Any) -> Any:
    return lib.nn.Transformer(E, 2, 2, 2, 16, **_kwargs(lib, kwargs))


def _compare(build: Callable[[Any], Any], shapes: list[tuple], dtype: str,
             rng: np.random.Generator, train: bool = True, grad: bool = True,
             masks: dict | None = None, flags: dict | None = None) -> None:
    """Build the module in each library under seed 0, run it on the same inputs (drawn from
    ``rng``) under seed 3, and compare parameters, reprs, state_dict keys, the output and every
    gradient."""
    inputs = [rng.standard_normal(shape) for shape in shapes]
    results = {}
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        with warnings.catch_warnings():
            # The encoder's nested-tensor warning (tested below, test_errors_and_warnings).
            warnings.simplefilter("ignore")
            module = build(lib)
        module = module.to(getattr(lib, dtype)).train(train)
        params = list(module.named_parameters())
        xs = [lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=grad) for x in inputs]
        lib.manual_seed(3)
        with lib.set_grad_enabled(grad), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = module(*xs, **{k: _mask(lib, v, dtype) for k, v in (masks or {}).items()},
                         **(flags or {}))
        values = [out.detach().numpy()]
        if grad:
            upstream = lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape)),
                                  dtype=out.dtype)
            (out * upstream).sum().backward()
            values += [p.grad.numpy() for _, p in params] + [x.grad.numpy() for x in xs]
        results[lib] = ([n for n, _ in params], [p.detach().numpy().copy() for _, p in params],
                        values, repr(module), list(module.state_dict()))
    t_names, t_params, t_values, t_repr, t_keys = results[torch]
    s_names, s_params, s_values, s_repr, s_keys = results[symgrad]
    assert s_names == t_names
    assert s_keys == t_keys
    assert s_repr == t_repr
    for name, s, t in zip(t_names, s_params, t_params, strict=True):
        assert np.array_equal(s, t), name
    assert [v.shape for v in s_values] == [v.shape for v in t_values]
    for s, t in zip(s_values, t_values, strict=True):
        np.testing.assert_allclose(s, t, **TOL[dtype])


SEQ = [(T, N, E), (S, N, E)]
BATCH_FIRST = [(N, T, E), (N, S, E)]
UNBATCHED = [(T, E), (S, E)]
ALL_PADDING = {"tgt_key_padding_mask": TGT_PADDING, "memory_key_padding_mask": MEM_PADDING}

LAYER_CASES = [
    ({}, SEQ, {}),
    ({"dropout": 0.3}, SEQ, {"masks": {"tgt_mask": CAUSAL_T}}),
    ({"activation": "gelu", "norm_first": True, "batch_first": True}, BATCH_FIRST,
     {"masks": {"tgt_mask": BOOL_T, "memory_mask": MEMORY_MASK, **ALL_PADDING}}),
    ({"bias": False, "dropout": 0.0}, UNBATCHED, {"masks": {"memory_mask": MEMORY_FLOAT}}),
    ({"batch_first": True, "activation": "gelu-function"}, BATCH_FIRST,
     {"train": False, "masks": {"tgt_mask": CAUSAL_T}, "flags": {"tgt_is_causal": True}}),
    ({"batch_first": True}, BATCH_FIRST, {"train": False, "grad": False,
                                          "masks": ALL_PADDING}),
    ({}, SEQ, {"masks": {"memory_mask": CAUSAL_S[:T]}, "flags": {"memory_is_causal": True}}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", range(len(LAYER_CASES)))
def test_decoder_layer_matches_torch(case: int, dtype: str, rng: np.random.Generator) -> None:
    kwargs, shapes, options = LAYER_CASES[case]
    _compare(lambda lib: _layer(lib, **kwargs), shapes, dtype, rng, **options)


DECODER_CASES = [
    ({}, SEQ, {"masks": {"tgt_mask": CAUSAL_T}}),
    ({"dropout": 0.2, "batch_first": True}, BATCH_FIRST,
     {"masks": {"tgt_mask": BOOL_T, **ALL_PADDING}}),
    ({"norm_first": True, "layers": 3, "norm": False}, SEQ,
     {"masks": {"memory_mask": MEMORY_FLOAT, "tgt_mask": CAUSAL_T},
      "flags": {"tgt_is_causal": False}}),
    ({"batch_first": True}, BATCH_FIRST, {"train": False, "masks": ALL_PADDING}),
    ({}, UNBATCHED, {"masks": {"tgt_key_padding_mask": TGT_PADDING[0],
                               "memory_key_padding_mask": MEM_PADDING[2]}}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", range(len(DECODER_CASES)))
def test_decoder_matches_torch(case: int, dtype: str, rng: np.random.Generator) -> None:
    kwargs, shapes, options = DECODER_CASES[case]
    _compare(lambda lib: _decoder(lib, **kwargs), shapes, dtype, rng, **options)


TRANSFORMER_SEQ = [(S, N, E), (T, N, E)]
TRANSFORMER_BATCH_FIRST = [(N, S, E), (N, T, E)]
TRANSFORMER_CASES = [
    ({}, TRANSFORMER_SEQ, {}),
    ({}, TRANSFORMER_SEQ, {"masks": {"tgt_mask": CAUSAL_T, "src_mask": CAUSAL_S,
                                     "memory_mask": MEMORY_FLOAT}}),
    ({"batch_first": True, "dropout": 0.25}, TRANSFORMER_BATCH_FIRST,
     {"masks": {"tgt_mask": CAUSAL_T, "src_key_padding_mask": MEM_PADDING, **ALL_PADDING}}),
    ({"norm_first": True, "activation": "gelu"}, TRANSFORMER_SEQ,
     {"masks": {"tgt_mask": BOOL_T, "memory_mask": MEMORY_MASK},
      "flags": {"tgt_is_causal": True}}),
    ({"bias": False, "dropout": 0.0}, [(S, E), (T, E)],
     {"masks": {"src_key_padding_mask": MEM_PADDING[1]}}),
    # Evaluation without gradients: PyTorch's encoder drops the padding (nested tensors).
    ({"batch_first": True}, TRANSFORMER_BATCH_FIRST,
     {"train": False, "grad": False,
      "masks": {"src_key_padding_mask": np.array([[0, 0, 0, 1, 1], [0] * 5, [0, 0, 0, 0, 1]],
                                                 bool), "tgt_mask": CAUSAL_T}}),
    ({"batch_first": True, "activation": "gelu-function"}, TRANSFORMER_BATCH_FIRST,
     {"train": False, "masks": {"tgt_mask": CAUSAL_T}}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", range(len(TRANSFORMER_CASES)))
def test_transformer_matches_torch(case: int, dtype: str, rng: np.random.Generator) -> None:
    kwargs, shapes, options = TRANSFORMER_CASES[case]
    _compare(lambda lib: _transformer(lib, **kwargs), shapes, dtype, rng, **options)


def test_transformer_default_parameters_and_state_dict() -> None:
    # PyTorch's defaults (d_model 512, 6 + 6 layers, width 2048): 44 million parameters drawn
    # in PyTorch's order, then re-drawn Glorot-uniform where they are matrices.
    values = {}
    for lib in (torch, symgrad):
        lib.manual_seed(7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = lib.nn.Transformer()
        values[lib] = {k: v.numpy() for k, v in model.state_dict().items()}
        assert (model.d_model, model.nhead, model.batch_first) == (512, 8, False)
    assert list(values[symgrad]) == list(values[torch])
    for key, t in values[torch].items():
        assert np.array_equal(values[symgrad][key], t), key


def test_custom_encoder_and_decoder() -> None:
    # Custom parts are used as given (not re-created), but still re-initialised.
    results = {}
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        encoder = lib.nn.Linear(E, E)
        decoder = _decoder(lib, layers=1)
        model = lib.nn.Transformer(E, 2, custom_encoder=encoder, custom_decoder=decoder)
        assert model.encoder is encoder and model.decoder is decoder
        results[lib] = [p.detach().numpy().copy() for p in model.parameters()]
    for s, t in zip(results[symgrad], results[torch], strict=True):
        assert np.array_equal(s, t)


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "bool", "float16"])
@pytest.mark.parametrize("size", [0, 1, 4])
def test_generate_square_subsequent_mask(size: int, dtype: str | None) -> None:
    masks = [lib.nn.Transformer.generate_square_subsequent_mask(
        size, dtype=None if dtype is None else getattr(lib, dtype)) for lib in (torch, symgrad)]
    assert str(masks[1].dtype).split(".")[-1] == str(masks[0].dtype).split(".")[-1]
    assert np.array_equal(masks[1].numpy(), masks[0].numpy())


def _outcome(call: Callable[[Any], Any], lib: Any) -> Any:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        # Sizes in messages name the library (symgrad.Size, or torch.Size under as_torch).
        return ("raises", type(e).__name__, str(e).replace(f"{lib.__name__}.", "torch."))
    shape = tuple(out.shape) if hasattr(out, "shape") else None
    return ("ok", shape, [str(w.message) for w in caught])


def _run_layer(lib: Any, tgt: tuple = (T, N, E), mem: tuple = (S, N, E), **kw: Any) -> Any:
    return _layer(lib)(lib.zeros(tgt), lib.zeros(mem), **kw)


CALLS = [
    lambda L: _layer(L, activation="tanh"),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16, activation="swish"),
    # The encoder's nested-tensor warnings, as nn.Transformer builds it.
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16, batch_first=True),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16, batch_first=True, norm_first=True),
    lambda L: L.nn.Transformer(E, 1, 1, 1, 16, batch_first=True),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16, batch_first=True, bias=False),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16, batch_first=True, activation=L.tanh),
    lambda L: L.nn.Transformer(E, 3, 1, 1, 16),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16)(L.zeros(S, 2, E), L.zeros(T, 3, E)),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16, batch_first=True)(L.zeros(2, S, E),
                                                                 L.zeros(3, T, E)),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16)(L.zeros(S, N, E), L.zeros(T, N, 6)),
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16)(L.zeros(S, N, 6), L.zeros(T, N, 6)),
    # Unbatched: no batch check, the features still checked.
    lambda L: L.nn.Transformer(E, 2, 1, 1, 16)(L.zeros(S, E), L.zeros(T, E)),
    lambda L: _run_layer(L, memory_is_causal=True),
    lambda L: _run_layer(L, tgt_mask=L.zeros(T, T, dtype=L.int64)),
    lambda L: _run_layer(L, tgt_mask=L.zeros(T, T + 1)),
    lambda L: _run_layer(L, memory_mask=L.zeros(T, T)),
    lambda L: _run_layer(L, tgt_key_padding_mask=L.zeros(N, T, dtype=L.bool),
                         tgt_mask=L.zeros(T, T)),
    lambda L: _run_layer(L, mem=(S, N, E + 1)),
    lambda L: _run_layer(L, mem=(S, N + 1, E)),
    # The decoder detects a causal mask in the mask's own dtype: an integer mask overflows.
    lambda L: _decoder(L)(L.zeros(T, N, E), L.zeros(S, N, E),
                          tgt_mask=L.zeros(T, T, dtype=L.int64)),
    lambda L: _decoder(L)(L.zeros(T, N, E), L.zeros(S, N, E),
                          tgt_mask=L.zeros(T, T, dtype=L.int64), tgt_is_causal=False),
    lambda L: _decoder(L)(L.zeros(T, N, E), L.zeros(S, N, E), tgt_is_causal=True),
]


@pytest.mark.parametrize("index", range(len(CALLS)))
def test_errors_and_warnings_match_torch(index: int) -> None:
    assert _outcome(CALLS[index], symgrad) == _outcome(CALLS[index], torch)


@pytest.mark.parametrize("tgt_mask", ["causal", "bool-causal", "other", "3d"])
def test_decoder_detects_the_causal_mask(tgt_mask: str, monkeypatch: Any) -> None:
    # TransformerDecoder passes its layers tgt_is_causal=True exactly where PyTorch's does.
    masks = {"causal": CAUSAL_T, "bool-causal": BOOL_T, "other": CAUSAL_T.T,
             "3d": np.broadcast_to(CAUSAL_T, (N * 2, T, T)).copy()}
    seen = {}
    for lib in (torch, symgrad):
        calls = []
        layer_class = lib.nn.TransformerDecoderLayer
        original = layer_class.forward

        def spy(self: Any, *args: Any, _calls: list = calls, _orig: Any = original,
                **kwargs: Any) -> Any:
            _calls.append(kwargs["tgt_is_causal"])
            return _orig(self, *args, **kwargs)

        monkeypatch.setattr(layer_class, "forward", spy)
        decoder = _decoder(lib)
        decoder(lib.zeros(T, N, E), lib.zeros(S, N, E),
                tgt_mask=_mask(lib, masks[tgt_mask], "float32"))
        seen[lib] = calls
    assert seen[symgrad] == seen[torch]
    assert seen[torch] == [tgt_mask in ("causal", "bool-causal")] * 2


def test_decoder_copies_the_layer() -> None:
    layer = symgrad.nn.TransformerDecoderLayer(4, 2, 8)
    decoder = symgrad.nn.TransformerDecoder(layer, 2)
    copies = [m.linear1.weight for m in decoder.layers]
    assert copies[0] is not copies[1] and copies[0] is not layer.linear1.weight
    assert copies[0].tolist() == copies[1].tolist() == layer.linear1.weight.tolist()
