"""What training programs call beside the ops, against PyTorch: ``torch.utils.checkpoint``
(reentrant and not, random state preserved for the rerun, its warnings and errors),
``nn.utils.parameters_to_vector`` / ``vector_to_parameters`` and ``nn.utils.rnn``'s
``pad_sequence`` / ``unpad_sequence``. Each program runs under torch and under symgrad."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "detach"):
        return np.asarray(value.detach().numpy(), dtype=np.float64)
    return value


def _outcome(lib: Any, program: Any) -> Any:
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            out = program(lib)
        return "returned", _plain(out), [str(w.message) for w in seen]
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e).replace("symgrad", "torch")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        # Last bits differ between NumPy's and PyTorch's kernels (tanh, matmul sums).
        return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-13, atol=1e-15)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _agree(program: Any) -> Any:
    theirs, ours = _outcome(torch, program), _outcome(symgrad, program)
    assert _same(ours, theirs), (ours, theirs)
    return ours


def _checkpoint(lib: Any) -> Any:
    return importlib.import_module(lib.__name__ + ".utils.checkpoint").checkpoint


def _layer(lib: Any) -> Any:
    lin = lib.nn.Linear(2, 2).double()
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=lib.float64))
        lin.bias.zero_()
    return lin


@pytest.mark.parametrize("use_reentrant", [True, False, None])
def test_checkpoint_gives_the_gradients_with_the_same_dropout(use_reentrant: Any) -> None:
    def program(lib):
        lin, drop = _layer(lib), lib.nn.Dropout(0.5)
        lib.manual_seed(1)
        x = lib.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=lib.float64, requires_grad=True)
        y = _checkpoint(lib)(lambda t: drop(lin(t).tanh()), x, use_reentrant=use_reentrant)
        (y * y).sum().backward()
        return y.grad_fn.name(), x.grad, lin.weight.grad

    # The same gradients as PyTorch's only if the rerun drew the forward's dropout mask.
    assert _agree(program)[0] == "returned"


def test_reentrant_checkpoint_without_an_input_requiring_grad() -> None:
    def program(lib):
        y = _checkpoint(lib)(_layer(lib), lib.ones(1, 2, dtype=lib.float64), use_reentrant=True)
        return y.requires_grad

    assert _agree(program)[1] is False


def test_reentrant_checkpoint_refuses_autograd_grad() -> None:
    def program(lib):
        x = lib.ones(1, 2, dtype=lib.float64, requires_grad=True)
        y = _checkpoint(lib)(_layer(lib), x, use_reentrant=True)
        return lib.autograd.grad(y.sum(), x)

    assert "incompatible with .grad()" in _agree(program)[1]


def test_non_reentrant_checkpoint_with_autograd_grad() -> None:
    def program(lib):
        x = lib.ones(1, 2, dtype=lib.float64, requires_grad=True)
        y = _checkpoint(lib)(_layer(lib), x, use_reentrant=False)
        return lib.autograd.grad(y.sum(), x)

    assert _agree(program)[0] == "returned"


@pytest.mark.parametrize("options", [{"foo": 1}, {"debug": True}])
def test_checkpoint_refuses_what_the_reentrant_variant_takes_not(options: Any) -> None:
    def program(lib):
        return _checkpoint(lib)(_layer(lib), lib.ones(1, 2, dtype=lib.float64),
                                use_reentrant=True, **options)

    assert _agree(program)[0] == "ValueError"


@pytest.mark.parametrize("segments", [1, 2, 3, 6, 0])
@pytest.mark.parametrize("use_reentrant", [True, False, None])
def test_checkpoint_sequential_as_pytorch(segments: int, use_reentrant: Any) -> None:
    def program(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(_layer(lib), lib.nn.Tanh(), lib.nn.Dropout(0.3), _layer(lib),
                                lib.nn.Sigmoid())
        x = lib.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=lib.float64, requires_grad=True)
        module = importlib.import_module(lib.__name__ + ".utils.checkpoint")
        y = module.checkpoint_sequential(net, segments, x, use_reentrant=use_reentrant)
        (y * y).sum().backward()
        return y.grad_fn.name(), y, x.grad, net[0].weight.grad

    # Segments of len // segments modules, all but the last checkpointed; too many segments
    # and none fail as PyTorch's (range()'s step of 0, a division by 0). The dropout's mask
    # is drawn again in each rerun: the gradients are PyTorch's only if it is the same.
    _agree(program)


def test_parameters_to_vector_and_back() -> None:
    def program(lib):
        lin = _layer(lib)
        vec = lib.nn.utils.parameters_to_vector(lin.parameters())
        (vec * lib.arange(6.0, dtype=lib.float64)).sum().backward()
        lib.nn.utils.vector_to_parameters(lib.arange(6.0, dtype=lib.float64) * 2,
                                          lin.parameters())
        return vec, lin.weight.grad, lin.weight, lin.bias

    got = _agree(program)
    assert got[1][3].tolist() == [8.0, 10.0]


def test_vector_to_parameters_refuses_what_is_no_tensor() -> None:
    def program(lib):
        lib.nn.utils.vector_to_parameters([1.0, 2.0], _layer(lib).parameters())

    assert _agree(program)[0] == "TypeError"


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_and_its_gradients(batch_first: bool, side: str) -> None:
    def program(lib):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
        b = lib.tensor([[7.0, 8.0]], requires_grad=True)
        out = lib.nn.utils.rnn.pad_sequence([a, b], batch_first=batch_first,
                                            padding_value=-1.0, padding_side=side)
        (out * lib.arange(12.0).reshape(out.shape)).sum().backward()
        return out, a.grad, b.grad, out.grad_fn.name()

    _agree(program)


@pytest.mark.parametrize("sequences", ["empty", "trailing", "zero-d", "number", "side"])
def test_pad_sequence_errors(sequences: str) -> None:
    def program(lib):
        pad = lib.nn.utils.rnn.pad_sequence
        if sequences == "empty":
            return pad([])
        if sequences == "trailing":
            return pad([lib.ones(2, 3), lib.ones(1, 4)])
        if sequences == "zero-d":
            return pad([lib.ones(()), lib.ones(())])
        if sequences == "number":
            return pad(5)
        return pad([lib.ones(2)], padding_side="up")

    assert _agree(program)[0] == "RuntimeError"


def test_unpad_sequence() -> None:
    def program(lib):
        padded = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
        return (lib.nn.utils.rnn.unpad_sequence(padded, lib.tensor([3, 2]), batch_first=True),
                lib.nn.utils.rnn.unpad_sequence(padded.t(), lib.tensor([3, 2])))

    _agree(program)
