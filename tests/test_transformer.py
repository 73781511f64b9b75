"""``symgrad.nn.TransformerEncoderLayer`` and ``TransformerEncoder`` against torch 2.13 under the
same seed: parameters (names, order, values bitwise), reprs, outputs and first-order gradients in
training with dropout (PyTorch's masks), evaluation (PyTorch's padding dropped and zeroed
by its nested tensors), masks, ``norm_first``, gelu, ``batch_first``, errors and warnings.

Tolerances: PyTorch's attention and its evaluation fast path are fused kernels that round
differently from symgrad's composition. Measured differences are below 3e-15 (float64) and 4e-7
(float32) for outputs, and the tests allow rtol 1e-10 / atol 1e-12 (float64), rtol 2e-4 /
atol 2e-5 (float32).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

TOL = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 2e-4, "atol": 2e-5}}
RNG = np.random.RandomState(0)  # import-time draws (a parametrized mask) only
PADDING = np.zeros((3, 5), bool)
PADDING[0, 3:] = True
PADDING[2, 4] = True
CAUSAL = np.triu(np.full((5, 5), -np.inf), 1)


def _mask(lib: Any, a: np.ndarray, dtype: str) -> Any:
    return lib.tensor(a) if a.dtype == bool else lib.tensor(a, dtype=getattr(lib, dtype))


def _compare(kwargs: dict, shape: tuple, dtype: str, rng: np.random.Generator,
             layers: int | None = None, train: bool = True, grad: bool = True,
             norm: bool = False, masks: dict | None = None) -> None:
    x = rng.standard_normal(shape)
    results = {}
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        kw = dict(kwargs)
        if kw.get("activation") == "gelu-function":
            kw["activation"] = lib.nn.functional.gelu
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = lib.nn.TransformerEncoderLayer(**kw)
            module = layer if layers is None else lib.nn.TransformerEncoder(
                layer, layers, norm=lib.nn.LayerNorm(kw["d_model"]) if norm else None)
        module = module.to(getattr(lib, dtype)).train(train)
        params = list(module.named_parameters())
        xt = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=grad)
        lib.manual_seed(3)
        with lib.set_grad_enabled(grad), warnings.catch_warnings():
            # PyTorch warns once that its nested tensors (its evaluation path) are a prototype.
            warnings.simplefilter("ignore")
            out = module(xt, **{k: _mask(lib, v, dtype) for k, v in (masks or {}).items()})
        values = [out.detach().numpy()]
        if grad:
            upstream = lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape)),
                                  dtype=out.dtype)
            (out * upstream).sum().backward()
            values += [p.grad.numpy() for _, p in params] + [xt.grad.numpy()]
        results[lib] = ([n for n, _ in params], [p.detach().numpy().copy() for _, p in params],
                        values, repr(layer))
    (t_names, t_params, t_values, t_repr), (s_names, s_params, s_values, s_repr) = (
        results[torch], results[symgrad])
    assert s_names == t_names
    assert s_repr == t_repr
    for name, s, t in zip(t_names, s_params, t_params, strict=True):
        assert np.array_equal(s, t), name
    assert [v.shape for v in s_values] == [v.shape for v in t_values]
    for s, t in zip(s_values, t_values, strict=True):
        np.testing.assert_allclose(s, t, **TOL[dtype])


BASE = {"d_model": 8, "nhead": 2, "dim_feedforward": 16}
CASES = [
    (BASE, (5, 3, 8), {}),
    ({**BASE, "activation": "gelu", "norm_first": True, "batch_first": True}, (3, 5, 8),
     {"masks": {"src_key_padding_mask": PADDING}}),
    ({**BASE, "dropout": 0.0, "bias": False}, (5, 8), {}),
    ({**BASE, "dropout": 0.3, "batch_first": True}, (3, 5, 8), {}),
    (BASE, (5, 3, 8), {"layers": 2, "norm": True, "masks": {"mask": CAUSAL}}),
    ({**BASE, "batch_first": True}, (3, 5, 8),
     {"layers": 2, "masks": {"src_key_padding_mask": PADDING}}),
    ({**BASE, "batch_first": True}, (3, 5, 8),
     {"layers": 2, "train": False, "grad": False, "norm": True,
      "masks": {"src_key_padding_mask": PADDING}}),
    ({**BASE, "batch_first": True}, (3, 5, 8),
     {"layers": 2, "train": False, "masks": {"src_key_padding_mask": PADDING}}),
    ({**BASE, "batch_first": True, "activation": "gelu-function"}, (3, 5, 8),
     {"layers": 2, "train": False, "grad": False}),
    ({**BASE, "norm_first": True}, (5, 3, 8),
     {"layers": 3, "masks": {"mask": RNG.rand(5, 5) > 0.7}}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_encoder_matches_torch(case: int, dtype: str, rng: np.random.Generator) -> None:
    kwargs, shape, options = CASES[case]
    _compare(kwargs, shape, dtype, rng, **options)


def _outcome(call: Any, lib: Any) -> Any:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e))
    shape = tuple(out.shape) if hasattr(out, "shape") else None
    return ("ok", shape, [str(w.message) for w in caught])


def _layer(lib: Any, **kwargs: Any) -> Any:
    return lib.nn.TransformerEncoderLayer(8, 2, 16, **kwargs)


CALLS = [
    lambda L: _layer(L, activation="tanh"),
    lambda L: L.nn.TransformerEncoder(_layer(L), 2),
    lambda L: L.nn.TransformerEncoder(_layer(L, batch_first=True), 2),
    lambda L: L.nn.TransformerEncoder(_layer(L, batch_first=True, norm_first=True), 2),
    lambda L: L.nn.TransformerEncoder(_layer(L, batch_first=True, bias=False), 2),
    lambda L: L.nn.TransformerEncoder(_layer(L, batch_first=True, activation=L.tanh), 2),
    lambda L: L.nn.TransformerEncoder(L.nn.TransformerEncoderLayer(9, 3, 4, batch_first=True),
                                      1),
    lambda L: L.nn.TransformerEncoder(_layer(L), 2, enable_nested_tensor=False),
    lambda L: _layer(L)(L.zeros(5, 3, 8), src_mask=L.zeros(5, 5, dtype=L.int64)),
    lambda L: _layer(L)(L.zeros(5, 3, 8), src_key_padding_mask=L.zeros(3, 5, dtype=L.bool),
                        src_mask=L.zeros(5, 5)),
    lambda L: _layer(L)(L.zeros(5, 3, 7)),
]


@pytest.mark.parametrize("index", range(len(CALLS)))
def test_errors_and_warnings_match_torch(index: int) -> None:
    assert _outcome(CALLS[index], symgrad) == _outcome(CALLS[index], torch)


def test_encoder_copies_the_layer() -> None:
    layer = symgrad.nn.TransformerEncoderLayer(4, 2, 8)
    encoder = symgrad.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    copies = [m.linear1.weight for m in encoder.layers]
    assert copies[0] is not copies[1] and copies[0] is not layer.linear1.weight
    assert copies[0].tolist() == copies[1].tolist() == layer.linear1.weight.tolist()
    t_layer = torch.nn.TransformerEncoderLayer(4, 2, 8)
    t_encoder = torch.nn.TransformerEncoder(t_layer, 2, enable_nested_tensor=False)
    assert list(encoder.state_dict()) == list(t_encoder.state_dict())
