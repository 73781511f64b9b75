"""Attention (``symgrad.nn.functional.scaled_dot_product_attention``,
``multi_head_attention_forward`` and ``symgrad.nn.MultiheadAttention``) against torch 2.13 under
the same seed: parameters (names, order, values bitwise), outputs, attention weights and
first-order gradients of every parameter and input, errors, warnings and reprs.

Tolerances: symgrad composes the attention of its ops, while PyTorch's CPU kernels (a fused
flash-attention kernel for ``scaled_dot_product_attention``) round differently. Measured
relative differences on these sizes are below 1e-13 (float64) and 1e-5 (float32); the tests allow
rtol 1e-10 / atol 1e-12 (float64) and rtol 2e-4 / atol 2e-5 (float32). Dropout on the weights
draws its mask as PyTorch's math path draws it, and matches on these calls.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

TOL = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 2e-4, "atol": 2e-5}}
RNG = np.random.RandomState(0)  # import-time draws (the parametrize lists' masks) only


def _mask(lib: Any, a: np.ndarray | None, dtype: str) -> Any:
    if a is None:
        return None
    return lib.tensor(a) if a.dtype == bool else lib.tensor(a, dtype=getattr(lib, dtype))


def _close(got: list, want: list, dtype: str) -> None:
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, **TOL[dtype])


def _sdpa(shapes: tuple, dtype: str, rng: np.random.Generator, mask: np.ndarray | None = None,
          **kwargs: Any) -> None:
    arrays = [rng.standard_normal(s) for s in shapes]
    results = {}
    for lib in (torch, symgrad):
        qkv = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
        lib.manual_seed(3)
        out = lib.nn.functional.scaled_dot_product_attention(
            *qkv, attn_mask=_mask(lib, mask, dtype), **kwargs)
        weight = lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape)),
                            dtype=out.dtype)
        (out * weight).sum().backward()
        results[lib] = [out.detach().numpy()] + [t.grad.numpy() for t in qkv]
    _close(results[symgrad], results[torch], dtype)


FOUR = ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6))
SQUARE = ((2, 3, 5, 8), (2, 3, 5, 8), (2, 3, 5, 6))
BLOCKED = RNG.rand(4, 5) > 0.4
BLOCKED[1] = False  # a query that may attend no key: weights 0, as PyTorch gives


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shapes,mask,kwargs", [
    (FOUR, None, {}),
    (FOUR, None, {"is_causal": True}),
    (SQUARE, None, {"is_causal": True, "scale": 0.3}),
    (FOUR, BLOCKED, {}),
    (FOUR, RNG.randn(3, 4, 5), {}),
    (((4, 8), (5, 8), (5, 6)), RNG.randn(4, 5), {"dropout_p": 0.3}),
    (FOUR, None, {"dropout_p": 0.5}),
    (((2, 4, 4, 8), (2, 2, 5, 8), (2, 2, 5, 6)), None, {"enable_gqa": True}),
    (((3, 1, 8), (3, 6, 8), (3, 6, 2)), None, {"scale": 2.0}),
], ids=lambda v: None)
def test_scaled_dot_product_attention_matches_torch(shapes: tuple, mask: Any, kwargs: dict,
                                                    dtype: str, rng: np.random.Generator) -> None:
    _sdpa(shapes, dtype, rng, mask, **kwargs)


def _outcome(call: Any, lib: Any) -> Any:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e).replace("torch.", "symgrad."))
    outs = out if isinstance(out, tuple) else (out,)
    return ("ok", [None if o is None else tuple(o.shape) for o in outs],
            [str(w.message) for w in caught])


def _z(lib: Any, *shape: int, dtype: str = "float64") -> Any:
    return lib.zeros(*shape, dtype=getattr(lib, dtype))


def _sd(lib: Any, *args: Any, **kwargs: Any) -> Any:
    return lib.nn.functional.scaled_dot_product_attention(*args, **kwargs)


def _mha(lib: Any, *args: Any, module: tuple = (8, 2), **kwargs: Any) -> Any:
    return lib.nn.MultiheadAttention(*module)(*args, **kwargs)


Q, K, V = (4, 3, 8), (5, 3, 8), (5, 3, 8)
CALLS = [
    # scaled_dot_product_attention
    lambda L: _sd(L, _z(L, 2, 4, 8), _z(L, 2, 5, 8), _z(L, 2, 5, 6),
                  attn_mask=_z(L, 4, 5, dtype="bool"), is_causal=True),
    lambda L: _sd(L, _z(L, 2, 4, 8), _z(L, 2, 5, 8, dtype="float32"), _z(L, 2, 5, 6)),
    lambda L: _sd(L, _z(L, 2, 4, 8), _z(L, 2, 5, 8), _z(L, 2, 5, 6),
                  attn_mask=_z(L, 4, 5, dtype="int64")),
    lambda L: _sd(L, _z(L, 8), _z(L, 8), _z(L, 8)),
    lambda L: _sd(L, _z(L, 2, 4, 8), _z(L, 2, 5, 8), _z(L, 2, 5, 6), dropout_p=1.5),
    lambda L: _sd(L, _z(L, 2, 4, 8), _z(L, 2, 5, 8), _z(L, 2, 5, 6),
                  attn_mask=_z(L, 4, 5, dtype="float32")),
    lambda L: _sd(L, _z(L, 2, 4, 8), _z(L, 2, 5, 8), _z(L, 2, 5, 6), None, 0.0, False, 0.5),
    # MultiheadAttention
    lambda L: L.nn.MultiheadAttention(0, 2),
    lambda L: L.nn.MultiheadAttention(6, 4),
    lambda L: _mha(L, _z(L, *Q), _z(L, 5, 8), _z(L, 5, 8)),
    lambda L: _mha(L, _z(L, 4, 8), _z(L, 5, 3, 8), _z(L, 5, 8)),
    lambda L: _mha(L, _z(L, 4, 3, 7), _z(L, 5, 3, 7), _z(L, 5, 3, 7)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, 6, 3, 8)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), attn_mask=_z(L, 4, 4, dtype="bool")),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), attn_mask=_z(L, 5, 4, 5)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), attn_mask=_z(L, 1, 1, 4, 5)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), attn_mask=_z(L, 4, 4, dtype="int64")),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), key_padding_mask=_z(L, 3, 4,
                                                                          dtype="bool")),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), key_padding_mask=_z(L, 2, 5,
                                                                          dtype="bool")),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), key_padding_mask=_z(L, 3, 5, 1)),
    lambda L: _mha(L, _z(L, 4, 8), _z(L, 5, 8), _z(L, 5, 8), key_padding_mask=_z(L, 1, 5)),
    lambda L: _mha(L, _z(L, 4, 8), _z(L, 5, 8), _z(L, 5, 8), attn_mask=_z(L, 3, 4, 5)),
    lambda L: _mha(L, _z(L, 4, 8), _z(L, 5, 8), _z(L, 5, 8), attn_mask=_z(L, 5)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), attn_mask=_z(L, 5)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V),
                   key_padding_mask=_z(L, 3, 5, dtype="bool"), attn_mask=_z(L, 4, 5)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), is_causal=True),
    lambda L: _mha(L, _z(L, 2, *Q), _z(L, *K), _z(L, *V)),
    lambda L: _mha(L, _z(L, *Q), _z(L, *K), _z(L, *V), need_weights=False),
]


@pytest.mark.parametrize("index", range(len(CALLS)))
def test_errors_warnings_and_shapes_match_torch(index: int) -> None:
    # PyTorch names dtypes by their C++ names in the messages of scaled_dot_product_attention;
    # symgrad does too.
    assert _outcome(CALLS[index], symgrad) == _outcome(CALLS[index], torch)


def _mha_compare(kwargs: dict, shapes: list, dtype: str, rng: np.random.Generator,
                 train: bool = True, call: dict | None = None, masks: dict | None = None,
                 self_attention: bool = False) -> None:
    arrays = [rng.standard_normal(s) for s in shapes]
    results = {}
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        module = lib.nn.MultiheadAttention(**kwargs).to(getattr(lib, dtype)).train(train)
        params = list(module.named_parameters())
        inputs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
        if self_attention:
            inputs = inputs[:1] * 3
        lib.manual_seed(3)
        out, weights = module(*inputs, **{k: _mask(lib, v, dtype)
                                          for k, v in (masks or {}).items()}, **(call or {}))
        upstream = lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape)),
                              dtype=out.dtype)
        (out * upstream).sum().backward()
        results[lib] = (
            [n for n, _ in params], [p.detach().numpy().copy() for _, p in params],
            [out.detach().numpy()] + ([] if weights is None else [weights.detach().numpy()])
            + [p.grad.numpy() for _, p in params] + [t.grad.numpy() for t in inputs[:3]])
    (t_names, t_values, t_rest), (s_names, s_values, s_rest) = results[torch], results[symgrad]
    assert s_names == t_names
    for name, s, t in zip(t_names, s_values, t_values, strict=True):
        assert np.array_equal(s, t), name
    _close(s_rest, t_rest, dtype)


KPM = RNG.rand(3, 5) > 0.7
AM = RNG.rand(4, 5) > 0.8
CAUSAL = np.triu(np.ones((4, 4), bool), 1)
MHA_CASES = [
    ({"embed_dim": 8, "num_heads": 2}, [Q], {}, {}, True),
    ({"embed_dim": 8, "num_heads": 2, "batch_first": True}, [(3, 4, 8), (3, 5, 8), (3, 5, 8)],
     {}, {}, False),
    ({"embed_dim": 8, "num_heads": 4, "kdim": 5, "vdim": 6}, [Q, (5, 3, 5), (5, 3, 6)],
     {"average_attn_weights": False}, {}, False),
    ({"embed_dim": 8, "num_heads": 2, "bias": False}, [(4, 8), (5, 8), (5, 8)],
     {"need_weights": False}, {}, False),
    ({"embed_dim": 8, "num_heads": 2}, [Q, K, V], {}, {"key_padding_mask": KPM, "attn_mask": AM},
     False),
    ({"embed_dim": 8, "num_heads": 2}, [Q, K, V], {"need_weights": False},
     {"key_padding_mask": KPM, "attn_mask": AM}, False),
    ({"embed_dim": 8, "num_heads": 2}, [Q, K, V], {}, {"attn_mask": RNG.randn(6, 4, 5)}, False),
    ({"embed_dim": 8, "num_heads": 2}, [Q, K, V], {"need_weights": False},
     {"key_padding_mask": RNG.randn(3, 5), "attn_mask": RNG.randn(4, 5)}, False),
    ({"embed_dim": 8, "num_heads": 2, "batch_first": True}, [(3, 4, 8)],
     {"is_causal": True, "need_weights": False}, {"attn_mask": CAUSAL}, True),
    ({"embed_dim": 8, "num_heads": 2, "dropout": 0.3}, [Q], {}, {}, True),
    ({"embed_dim": 8, "num_heads": 2, "dropout": 0.3}, [Q], {"need_weights": False}, {}, True),
    ({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True, "add_zero_attn": True}, [Q], {},
     {"key_padding_mask": KPM[:, :4]}, True),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", range(len(MHA_CASES)))
def test_multihead_attention_matches_torch(case: int, dtype: str,
                                           rng: np.random.Generator) -> None:
    kwargs, shapes, call, masks, self_attention = MHA_CASES[case]
    _mha_compare(kwargs, shapes, dtype, rng, call=call, masks=masks,
                 self_attention=self_attention)


def test_multihead_attention_evaluating_matches_torchs_fast_path(
        rng: np.random.Generator) -> None:
    # Evaluating without gradients, PyTorch runs its fused fast path; the values agree.
    results = {}
    x = rng.standard_normal((2, 4, 8))
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        module = lib.nn.MultiheadAttention(8, 2, batch_first=True).eval()
        with lib.no_grad():
            xt = lib.tensor(x, dtype=lib.float32)
            out, weights = module(xt, xt, xt)
        results[lib] = [out.numpy(), weights.numpy()]
    _close(results[symgrad], results[torch], "float32")


MODULES = [
    lambda L: L.nn.MultiheadAttention(8, 2),
    lambda L: L.nn.MultiheadAttention(8, 4, bias=False, kdim=3, vdim=5),
    lambda L: L.nn.MultiheadAttention(6, 3, add_bias_kv=True, batch_first=True, dropout=0.1),
]


@pytest.mark.parametrize("index", range(len(MODULES)))
def test_reprs_state_dicts_and_attributes_match_torch(index: int) -> None:
    made = {lib: MODULES[index](lib) for lib in (torch, symgrad)}
    assert repr(made[symgrad]) == repr(made[torch])
    assert list(made[symgrad].state_dict()) == list(made[torch].state_dict())
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "dropout", "batch_first", "head_dim",
                 "_qkv_same_embed_dim", "add_zero_attn"):
        assert getattr(made[symgrad], attr) == getattr(made[torch], attr), attr
    for attr in ("in_proj_weight", "in_proj_bias", "q_proj_weight", "bias_k"):
        assert (getattr(made[symgrad], attr) is None) == (getattr(made[torch], attr) is None)


def test_multi_head_attention_forward_function_matches_torch(rng: np.random.Generator) -> None:
    arrays = [rng.standard_normal(s) for s in ((4, 2, 6), (18, 6), (18,), (6, 6))]
    results = {}
    for lib in (torch, symgrad):
        x, w_in, b_in, w_out = (lib.tensor(a, requires_grad=True) for a in arrays)
        out, weights = lib.nn.functional.multi_head_attention_forward(
            x, x, x, 6, 3, w_in, b_in, None, None, False, 0.0, w_out, None,
            average_attn_weights=False)
        out.sum().backward()
        results[lib] = [out.detach().numpy(), weights.detach().numpy(), x.grad.numpy(),
                        w_in.grad.numpy(), b_in.grad.numpy(), w_out.grad.numpy()]
    _close(results[symgrad], results[torch], "float64")


def test_second_order_gradients_match_torch() -> None:
    results = {}
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        module = lib.nn.MultiheadAttention(4, 2).double()
        x = lib.tensor(np.linspace(-1, 1, 24).reshape(3, 2, 4), requires_grad=True)
        (g,) = lib.autograd.grad(module(x, x, x)[0].sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), module.in_proj_weight)
        results[lib] = [gg.detach().numpy()]
    _close(results[symgrad], results[torch], "float64")
