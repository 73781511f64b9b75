"""Optimizers' state_dict and load_state_dict against torch 2.13: the layout (state by a
parameter's position across the groups, its buffers, ``step`` as a float32 zero-dim tensor,
the groups' params as positions), the values after steps, a checkpoint saved, loaded and
trained on as the original trains, and PyTorch's errors for a state that does not fit."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

CONFIGS = {
    "SGD momentum": lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9),
    "SGD nesterov": lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.5, nesterov=True),
    "Adam, two groups": lambda lib, ps: lib.optim.Adam([{"params": ps[:1]},
                                                        {"params": ps[1:], "lr": 0.01}]),
    "AdamW": lambda lib, ps: lib.optim.AdamW(ps, lr=0.05, weight_decay=0.1),
    "RMSprop centered": lambda lib, ps: lib.optim.RMSprop(ps, momentum=0.5, centered=True),
    "Adagrad": lambda lib, ps: lib.optim.Adagrad(ps, lr=0.1),
}


def _params(lib: Any) -> list[Any]:
    return [lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5])), lib.nn.Parameter(lib.tensor([0.25]))]


def _train(lib: Any, params: list[Any], opt: Any, steps: int) -> None:
    for _ in range(steps):
        opt.zero_grad()
        ((params[0] * params[0]).sum() + (params[1] * params[0][:1]).sum()).backward()
        opt.step()


def _layout(lib: Any, name: str) -> tuple[Any, ...]:
    params = _params(lib)
    opt = CONFIGS[name](lib, params)
    _train(lib, params, opt, 2)
    sd = opt.state_dict()
    state = {i: {k: (str(v.dtype).split(".")[-1], tuple(v.shape), v.tolist())
                 for k, v in buffers.items()} for i, buffers in sd["state"].items()}
    groups = [(g["params"], g["lr"]) for g in sd["param_groups"]]
    return state, groups


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_state_dict_as_torch_lays_it_out(name):
    mine, theirs = _layout(symgrad, name), _layout(torch, name)
    assert mine[1] == theirs[1]
    assert mine[0].keys() == theirs[0].keys()
    for i in mine[0]:
        assert mine[0][i].keys() == theirs[0][i].keys()
        for key, (dtype, shape, values) in mine[0][i].items():
            assert (dtype, shape) == theirs[0][i][key][:2], (i, key)
            np.testing.assert_allclose(values, theirs[0][i][key][2], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_checkpoint_trains_on_as_the_original(name):
    params = _params(symgrad)
    opt = CONFIGS[name](symgrad, params)
    _train(symgrad, params, opt, 2)
    buffer = io.BytesIO()
    symgrad.save({"params": [p.detach() for p in params], "opt": opt.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = symgrad.load(buffer)
    again = [symgrad.nn.Parameter(p.clone()) for p in checkpoint["params"]]
    resumed = CONFIGS[name](symgrad, again)
    resumed.load_state_dict(checkpoint["opt"])
    _train(symgrad, params, opt, 3)
    _train(symgrad, again, resumed, 3)
    for a, b in zip(params, again, strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_loaded_state_is_a_copy_and_takes_the_hyperparameters():
    params = _params(symgrad)
    opt = symgrad.optim.SGD(params, lr=0.1, momentum=0.9)
    _train(symgrad, params, opt, 1)
    other = symgrad.optim.SGD(params, lr=0.5, momentum=0.9)
    saved = opt.state_dict()
    other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == 0.1 and other.param_groups[0]["params"][0] is params[0]
    _train(symgrad, params, other, 1)  # moves other's buffer, not the one saved
    assert saved["state"][0]["momentum_buffer"].tolist() != other.state_dict()["state"][0][
        "momentum_buffer"].tolist()


MISFITS = {
    "groups": lambda lib, ps: (lib.optim.SGD([{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1),
                               lib.optim.SGD(ps, lr=0.1)),
    "group size": lambda lib, ps: (lib.optim.SGD(ps, lr=0.1), lib.optim.SGD(ps[:1], lr=0.1)),
}


@pytest.mark.parametrize("name", sorted(MISFITS))
def test_a_state_that_does_not_fit_raises_pytorchs_error(name):
    def outcome(lib):
        source, target = MISFITS[name](lib, _params(lib))
        try:
            target.load_state_dict(source.state_dict())
        except ValueError as e:
            return str(e)
        return "loaded"

    assert outcome(symgrad) == outcome(torch) != "loaded"
