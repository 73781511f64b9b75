"""Recurrent layers (``symgrad.nn.RNNCell``, ``LSTMCell``, ``GRUCell``, ``RNN``, ``LSTM``,
``GRU``) against torch 2.13 under the same seed: parameter names, shapes, order and values
(bitwise), reprs, errors and messages, outputs and first-order gradients of every parameter,
of the input and of the initial states.

Tolerances: symgrad composes the layers of its ops, while PyTorch runs fused kernels (oneDNN
for a float32 LSTM), which round differently. Measured differences on these sizes are below
6e-15 (float64) and 2e-6 (float32) for outputs and gradients; the tests allow 1e-12 absolute
(float64) and 2e-5 (float32), far below a wrong gate or a wrong direction (differences of order
0.1).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

TOL = {"float64": 1e-12, "float32": 2e-5}


def _make(lib: Any, cls: str, args: tuple, kwargs: dict, dtype: str) -> Any:
    lib.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = getattr(lib.nn, cls)(*args, **kwargs)
    return module.to(getattr(lib, dtype))


def _flat(out: Any) -> list:
    return [y for z in out for y in _flat(z)] if isinstance(out, tuple | list) else [out]


def _compare(cls: str, args: tuple, kwargs: dict, x: np.ndarray, dtype: str,
             hx: Any = None, train: bool = True) -> None:
    mods = {lib: _make(lib, cls, args, kwargs, dtype) for lib in (torch, symgrad)}
    t_params = list(mods[torch].named_parameters())
    s_params = list(mods[symgrad].named_parameters())
    assert [n for n, _ in s_params] == [n for n, _ in t_params]
    for (name, tp), (_, sp) in zip(t_params, s_params, strict=True):
        assert tuple(sp.shape) == tuple(tp.shape), name
        assert np.array_equal(sp.detach().numpy(), tp.detach().numpy()), name
    results = {}
    for lib, mod in mods.items():
        mod.train(train)
        xt = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        states = [] if hx is None else [
            lib.tensor(h, dtype=getattr(lib, dtype), requires_grad=True)
            for h in (hx if isinstance(hx, tuple) else (hx,))]
        state = None if hx is None else tuple(states) if isinstance(hx, tuple) else states[0]
        lib.manual_seed(7)
        out = _flat(mod(xt) if state is None else mod(xt, state))
        # Weight each output differently so that a swapped h and c would show.
        sum(o.sum() * (i + 1) for i, o in enumerate(out)).backward()
        results[lib] = ([o.detach().numpy() for o in out],
                        [p.grad.numpy() for p in mod.parameters()] + [xt.grad.numpy()]
                        + [h.grad.numpy() for h in states])
    (t_out, t_grads), (s_out, s_grads) = results[torch], results[symgrad]
    assert [o.shape for o in s_out] == [o.shape for o in t_out]
    for s, t in zip(s_out + s_grads, t_out + t_grads, strict=True):
        np.testing.assert_allclose(s, t, rtol=0, atol=TOL[dtype])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls,kwargs", [
    ("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("RNNCell", {"bias": False}),
    ("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}), ("GRUCell", {"bias": False}),
])
def test_cells_match_torch(cls: str, kwargs: dict, dtype: str, rng: np.random.Generator) -> None:
    x = rng.standard_normal((4, 3))
    _compare(cls, (3, 5), kwargs, x, dtype)
    _compare(cls, (3, 5), kwargs, x[0], dtype)  # unbatched
    hx = (rng.standard_normal((4, 5)), rng.standard_normal((4, 5))) if cls == "LSTMCell" \
        else rng.standard_normal((4, 5))
    _compare(cls, (3, 5), kwargs, x, dtype, hx=hx)


CONFIGS = [
    {},
    {"num_layers": 2},
    {"bias": False},
    {"batch_first": True},
    {"bidirectional": True},
    {"num_layers": 3, "bidirectional": True, "batch_first": True},
    {"num_layers": 3, "dropout": 0.4, "bidirectional": True},
    {"num_layers": 2, "dropout": 0.3, "batch_first": True},
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kwargs", CONFIGS, ids=lambda k: "-".join(f"{a}={b}" for a, b in
                                                                   k.items()) or "default")
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_sequence_layers_match_torch(cls: str, kwargs: dict, dtype: str,
                                     rng: np.random.Generator) -> None:
    # Dropout masks are drawn from the seeded stream as PyTorch draws them, so training with
    # dropout matches too.
    _compare(cls, (3, 4), kwargs, rng.standard_normal((5, 2, 3)), dtype)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_sequence_layers_with_initial_state_unbatched_eval_relu(cls: str,
                                                                rng: np.random.Generator) -> None:
    layers, directions = 2, 2
    kwargs = {"num_layers": layers, "bidirectional": True, "dropout": 0.5}
    shape = (layers * directions, 2, 4)
    hx = (rng.standard_normal(shape), rng.standard_normal(shape)) if cls == "LSTM" \
        else rng.standard_normal(shape)
    _compare(cls, (3, 4), kwargs, rng.standard_normal((5, 2, 3)), "float64", hx=hx, train=False)
    hx1 = (rng.standard_normal(shape[::2]), rng.standard_normal(shape[::2])) if cls == "LSTM" \
        else rng.standard_normal(shape[::2])
    _compare(cls, (3, 4), kwargs, rng.standard_normal((5, 3)), "float64", hx=hx1, train=False)
    _compare(cls, (3, 4), {"batch_first": True}, rng.standard_normal((5, 3)), "float64")
    if cls == "RNN":
        _compare(cls, (3, 4, 2, "relu"), {}, rng.standard_normal((5, 2, 3)), "float64")


def _outcome(call: Any, lib: Any) -> Any:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e).replace("torch.", "symgrad."))
    shapes = repr(out) if isinstance(out, symgrad.nn.Module | torch.nn.Module) else [
        tuple(o.shape) for o in _flat(out)]
    return ("ok", shapes, [str(w.message) for w in caught])


def _x(lib: Any, *shape: int, dtype: str = "float32") -> Any:
    return lib.zeros(*shape, dtype=getattr(lib, dtype))


BAD_CALLS = [
    # cells
    lambda L: L.nn.RNNCell(10, 20)(_x(L, 3, 5)),
    lambda L: L.nn.RNNCell(10, 20)(_x(L, 3, 10), _x(L, 4, 20)),
    lambda L: L.nn.RNNCell(10, 20)(_x(L, 3, 10), _x(L, 3, 7)),
    lambda L: L.nn.RNNCell(10, 20)(_x(L, 10), _x(L, 3, 20)),
    lambda L: L.nn.RNNCell(10, 20)(_x(L, 3, 10), _x(L, 20)),
    lambda L: L.nn.RNNCell(10, 20)(_x(L, 3, 10, 2)),
    lambda L: L.nn.RNNCell(10, 20)(_x(L, 3, 10), _x(L, 1, 3, 20)),
    lambda L: L.nn.RNNCell(3, 4, nonlinearity="foo")(_x(L, 2, 3)),
    lambda L: L.nn.GRUCell(10, 20)(_x(L, 3, 5)),
    lambda L: L.nn.GRUCell(10, 20)(_x(L, 3, 10, 1)),
    lambda L: L.nn.GRUCell(10, 20)(_x(L, 3, 10), _x(L, 3, 7)),
    lambda L: L.nn.LSTMCell(10, 20)(_x(L, 3, 5)),
    lambda L: L.nn.LSTMCell(10, 20)(_x(L, 1, 3, 5)),
    lambda L: L.nn.LSTMCell(10, 20)(_x(L, 3, 10), (_x(L, 3, 20), _x(L, 1, 3, 20))),
    lambda L: L.nn.LSTMCell(10, 20)(_x(L, 3, 10), (_x(L, 4, 20), _x(L, 4, 20))),
    lambda L: L.nn.LSTMCell(10, 20)(_x(L, 3, 10), (_x(L, 3, 7), _x(L, 3, 20))),
    lambda L: L.nn.LSTMCell(10, 20)(_x(L, 3, 10), (_x(L, 3, 20), _x(L, 3, 7))),
    lambda L: L.nn.LSTMCell(10, 20)(_x(L, 3, 10), (_x(L, 3, 20), _x(L, 4, 20))),
    # constructors
    lambda L: L.nn.LSTM(3, 4, dropout=1.5),
    lambda L: L.nn.LSTM(3, 4, dropout=True),
    lambda L: L.nn.LSTM(3, 4, dropout=0.5),
    lambda L: L.nn.GRU(3, 4, bias=1),
    lambda L: L.nn.GRU(3, 4, batch_first=None),
    lambda L: L.nn.GRU(3.0, 4),
    lambda L: L.nn.GRU(0, 4),
    lambda L: L.nn.GRU(3, 4.0),
    lambda L: L.nn.GRU(3, 0),
    lambda L: L.nn.GRU(3, 4, 0),
    lambda L: L.nn.GRU(3, 4, proj_size=2),
    lambda L: L.nn.RNN(3, 4, proj_size=2),
    lambda L: L.nn.RNN(3, 4, nonlinearity="sigmoid"),
    lambda L: L.nn.RNN(3, 4, 1, "gelu"),
    lambda L: L.nn.LSTM(3, 4, proj_size=-1),
    lambda L: L.nn.LSTM(3, 4, proj_size=4),
    # forward
    lambda L: L.nn.RNN(3, 4)(_x(L, 5)),
    lambda L: L.nn.LSTM(3, 4)(_x(L, 1, 2, 5, 3)),
    lambda L: L.nn.GRU(3, 4)(_x(L, 1, 2, 5, 3)),
    lambda L: L.nn.RNN(3, 4)(_x(L, 5, 2, 2)),
    lambda L: L.nn.LSTM(3, 4)(_x(L, 5, 2, 2)),
    lambda L: L.nn.GRU(3, 4)(_x(L, 5, 2, 3, dtype="float64")),
    lambda L: L.nn.RNN(3, 4)(_x(L, 5, 2, 3), _x(L, 1, 3, 4)),
    lambda L: L.nn.RNN(3, 4, 2)(_x(L, 5, 2, 3), _x(L, 1, 2, 4)),
    lambda L: L.nn.RNN(3, 4, batch_first=True)(_x(L, 5, 2, 3), _x(L, 1, 2, 4)),
    lambda L: L.nn.RNN(3, 4)(_x(L, 5, 2, 3), _x(L, 2, 4)),
    lambda L: L.nn.GRU(3, 4)(_x(L, 5, 3), _x(L, 1, 1, 4)),
    lambda L: L.nn.GRU(3, 4, bidirectional=True)(_x(L, 5, 3), _x(L, 1, 4)),
    lambda L: L.nn.LSTM(3, 4)(_x(L, 5, 2, 3), (_x(L, 1, 2, 4), _x(L, 2, 4))),
    lambda L: L.nn.LSTM(3, 4)(_x(L, 5, 3), (_x(L, 1, 4), _x(L, 1, 1, 4))),
    lambda L: L.nn.LSTM(3, 4)(_x(L, 5, 2, 3), (_x(L, 1, 3, 4), _x(L, 1, 2, 4))),
    lambda L: L.nn.LSTM(3, 4)(_x(L, 5, 2, 3), (_x(L, 1, 2, 4), _x(L, 1, 2, 5))),
    lambda L: L.nn.LSTM(3, 4, 2, bidirectional=True)(_x(L, 5, 2, 3),
                                                     (_x(L, 4, 2, 4), _x(L, 4, 2, 4))),
]


@pytest.mark.parametrize("index", range(len(BAD_CALLS)))
def test_errors_and_warnings_match_torch(index: int) -> None:
    call = BAD_CALLS[index]
    assert _outcome(call, symgrad) == _outcome(call, torch)


# LSTM(proj_size=) is computed: tests/test_lstm_proj_embedding_renorm.py.


MODULES = [
    lambda L: L.nn.RNNCell(3, 4), lambda L: L.nn.RNNCell(3, 4, False, "relu"),
    lambda L: L.nn.LSTMCell(3, 4, bias=False), lambda L: L.nn.GRUCell(2, 7),
    lambda L: L.nn.RNN(3, 4), lambda L: L.nn.RNN(3, 4, 2, "relu", False, True, 0.25, True),
    lambda L: L.nn.LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True),
    lambda L: L.nn.GRU(5, 6, bias=False),
    lambda L: L.nn.Sequential(L.nn.LSTM(3, 4), L.nn.Linear(4, 1)),
]


@pytest.mark.parametrize("index", range(len(MODULES)))
def test_reprs_state_dicts_and_attributes_match_torch(index: int) -> None:
    made = {lib: MODULES[index](lib) for lib in (torch, symgrad)}
    assert repr(made[symgrad]) == repr(made[torch])
    assert list(made[symgrad].state_dict()) == list(made[torch].state_dict())
    for attr in ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                 "bidirectional", "nonlinearity", "mode", "proj_size"):
        if hasattr(made[torch], attr):
            assert getattr(made[symgrad], attr) == getattr(made[torch], attr), attr
    if hasattr(made[torch], "all_weights"):
        assert ([[tuple(p.shape) for p in ps] for ps in made[symgrad].all_weights]
                == [[tuple(p.shape) for p in ps] for ps in made[torch].all_weights])


def test_a_torch_state_dict_loads_and_gives_torch_outputs(rng: np.random.Generator) -> None:
    torch.manual_seed(3)
    t = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True).double()
    s = symgrad.nn.GRU(3, 4, num_layers=2, bidirectional=True).double()
    s.load_state_dict({k: symgrad.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((6, 2, 3))
    t_out, t_h = t(torch.tensor(x))
    s_out, s_h = s(symgrad.tensor(x))
    np.testing.assert_allclose(s_out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(s_h.detach().numpy(), t_h.detach().numpy(), atol=1e-12)


def test_second_order_gradients_flow() -> None:
    # Composed of differentiable ops, the layers differentiate twice: the gradient of the
    # squared gradient norm of the input matches torch's.
    results = {}
    for lib in (torch, symgrad):
        lib.manual_seed(0)
        lstm = lib.nn.LSTM(2, 3).double()
        x = lib.tensor(np.linspace(-1, 1, 8).reshape(4, 1, 2), dtype=lib.float64,
                       requires_grad=True)
        (g,) = lib.autograd.grad(lstm(x)[0].sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), lstm.weight_hh_l0)
        results[lib] = gg.detach().numpy()
    np.testing.assert_allclose(results[symgrad], results[torch], atol=1e-12)
