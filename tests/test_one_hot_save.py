"""nn.functional.one_hot, and symgrad.save/symgrad.load, against torch 2.13: values, dtypes,
PyTorch's errors, and round trips of tensors, state dicts and optimizer states."""

from __future__ import annotations

import io
import pickle
from typing import Any

import pytest

import symgrad
import symgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def outcome(call: Any, lib: Any) -> Any:
    try:
        out = call(lib, TF if lib is torch else F)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return ("raises", type(e).__name__, str(e))
    return (str(out.dtype).split(".")[-1], tuple(out.shape), out.tolist(), out.requires_grad)


def same(call: Any) -> None:
    assert outcome(call, symgrad) == outcome(call, torch)


# -- one_hot ------------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[0, 2, 1], [[1], [0]], 3, [[0, 4], [2, 2]], [5]])
@pytest.mark.parametrize("num_classes", [-1, 6, 7])
def test_one_hot_matches_torch(values: Any, num_classes: int) -> None:
    same(lambda lib, f: f.one_hot(lib.tensor(values), num_classes))
    same(lambda lib, f: f.one_hot(lib.tensor(values), num_classes=num_classes))
    same(lambda lib, f: f.one_hot(input=lib.tensor(values)))


def test_one_hot_empty_and_errors_match_torch() -> None:
    for call in (
        lambda lib, f: f.one_hot(lib.tensor([0, 2], dtype=lib.int32)),
        lambda lib, f: f.one_hot(lib.tensor([0.0, 2.0])),
        lambda lib, f: f.one_hot(lib.tensor([True])),
        lambda lib, f: f.one_hot(lib.tensor([0, -1])),
        lambda lib, f: f.one_hot(lib.tensor([0, -1]), 3),
        lambda lib, f: f.one_hot(lib.tensor([0, 3]), 3),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), -2),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), 0),
        lambda lib, f: f.one_hot(lib.tensor([], dtype=lib.int64)),
        lambda lib, f: f.one_hot(lib.tensor([], dtype=lib.int64), 0),
        lambda lib, f: f.one_hot(lib.tensor([], dtype=lib.int64), 4),
        lambda lib, f: f.one_hot(lib.zeros(2, 0, dtype=lib.int64), 3),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), 1.5),
        lambda lib, f: f.one_hot(lib.tensor([0, 1]), num_classes=None),
        lambda lib, f: f.one_hot([0, 1]),
    ):
        same(call)


def test_one_hot_is_not_differentiable() -> None:
    # An int64 result: no grad_fn, nothing requires grad, as in PyTorch.
    out = F.one_hot(symgrad.tensor([1, 0]))
    assert out.dtype is symgrad.int64 and out.grad_fn is None and not out.requires_grad
    assert "one_hot" in F.__all__


# -- save and load ------------------------------------------------------------------------------
def round_trip(obj: Any, **load_args: Any) -> Any:
    buffer = io.BytesIO()
    symgrad.save(obj, buffer)
    buffer.seek(0)
    return symgrad.load(buffer, **load_args)


def _bits(t: Any) -> tuple[Any, ...]:
    """dtype, shape, values (floats widened to float64, exactly), requires_grad, type."""
    a = t.detach()
    a = (a.double() if a.is_floating_point() else a).numpy()
    return (str(t.dtype).split(".")[-1], tuple(t.shape), a.tobytes(), t.requires_grad,
            type(t).__name__)


SPECIAL = [0.0, -0.0, 1.0 / 3.0, -2.5e-8, 6.5e4, float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64",
                                   "float16", "bfloat16", "float32", "float64"])
def test_a_tensor_round_trips_bit_for_bit(dtype: str) -> None:
    # The same tensor through torch.save/torch.load: dtype, shape, bits, requires_grad, type.
    values = [[v, -v] for v in SPECIAL] if dtype not in ("bool", "uint8") else [[1, 0], [0, 1]]
    for shape_of in (lambda t: t, lambda t: t[0, 0], lambda t: t[:0], lambda t: t.t()):
        made = {lib: shape_of(lib.tensor(values, dtype=lib.float64).to(
            getattr(lib, dtype))) for lib in (symgrad, torch)}
        got = round_trip(made[symgrad])
        buffer = io.BytesIO()
        torch.save(made[torch], buffer)
        buffer.seek(0)
        want = torch.load(buffer)
        # PyTorch's round trip keeps what it saved; so does symgrad's (the creation of NaN's
        # sign in bfloat16 is not compared here)
        assert _bits(want) == _bits(made[torch])
        assert _bits(got) == _bits(made[symgrad])
        assert _bits(got)[:2] + _bits(got)[3:] == _bits(want)[:2] + _bits(want)[3:]
        assert got.numpy().tobytes() == made[symgrad].numpy().tobytes()  # the raw bits


def test_requires_grad_and_parameters_come_back_as_in_torch() -> None:
    for lib in (symgrad, torch):
        x = lib.ones(2, requires_grad=True)
        leaf = lib.tensor([1.0, 2.0], requires_grad=True)
        p = lib.nn.Parameter(lib.ones(2))
        frozen = lib.nn.Parameter(lib.ones(2), requires_grad=False)
        buffer = io.BytesIO()
        lib.save({"x": x, "again": x, "nonleaf": leaf * 2, "p": p, "frozen": frozen}, buffer)
        buffer.seek(0)
        out = lib.load(buffer)
        assert out["again"] is out["x"] and out["x"].requires_grad
        assert out["nonleaf"].requires_grad and out["nonleaf"].grad_fn is None
        assert out["nonleaf"].tolist() == [2.0, 4.0]
        assert type(out["p"]).__name__ == "Parameter" and out["p"].requires_grad
        assert type(out["frozen"]).__name__ == "Parameter" and not out["frozen"].requires_grad


def test_nested_containers_numbers_strings_round_trip() -> None:
    obj = {"a": [1, 2.5, True, None, "s", float("inf")], 3: (symgrad.zeros(2), {"k": -7}),
           (1, "t"): [], "big": 2**70, "dtype": symgrad.bfloat16, "device": symgrad.device("cpu")}
    out = round_trip(obj)
    assert list(out) == list(obj) and type(out[3]) is tuple and type(out["a"]) is list
    assert out["a"] == obj["a"] and out[(1, "t")] == [] and out["big"] == 2**70
    assert out["dtype"] is symgrad.bfloat16 and out["device"] == symgrad.device("cpu")
    assert type(out["a"][2]) is bool and type(out["a"][0]) is int and type(out["a"][1]) is float
    nan = round_trip([float("nan")])[0]
    assert nan != nan


def test_a_state_dict_round_trip_gives_equal_outputs(tmp_path: Any) -> None:
    symgrad.manual_seed(0)
    model = symgrad.nn.Sequential(symgrad.nn.Linear(4, 8), symgrad.nn.ReLU(),
                                  symgrad.nn.LayerNorm(8), symgrad.nn.Linear(8, 3))
    path = tmp_path / "model.pt"
    symgrad.save(model.state_dict(), path)
    symgrad.manual_seed(1)
    again = symgrad.nn.Sequential(symgrad.nn.Linear(4, 8), symgrad.nn.ReLU(),
                                  symgrad.nn.LayerNorm(8), symgrad.nn.Linear(8, 3))
    x = symgrad.randn(5, 4)
    assert not (again(x) == model(x)).all()
    again.load_state_dict(symgrad.load(str(path), map_location="cpu", weights_only=True))
    assert again(x).detach().numpy().tobytes() == model(x).detach().numpy().tobytes()
    with open(path, "rb") as f:
        assert list(symgrad.load(f)) == list(model.state_dict())


def test_an_optimizer_state_dict_round_trips() -> None:
    # torch's Adam state_dict, as symgrad tensors: int keys, tensors, a tuple, None, bools.
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    model(torch.ones(1, 2)).sum().backward()
    opt.step()
    state = opt.state_dict()

    def mirror(x: Any) -> Any:
        if isinstance(x, torch.Tensor):
            return symgrad.tensor(x.numpy())
        if isinstance(x, dict):
            return {k: mirror(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return type(x)(mirror(v) for v in x)
        return x

    mine = mirror(state)
    out = round_trip(mine)
    assert list(out["state"]) == [0, 1] and out["param_groups"][0]["betas"] == (0.8, 0.99)
    assert out["param_groups"] == mine["param_groups"]
    for k, entry in mine["state"].items():
        for name, value in entry.items():
            assert _bits(out["state"][k][name]) == _bits(value)


class _Evil:
    def __reduce__(self) -> Any:
        return (exec, ("raise SystemExit('code ran while loading')",))


def test_a_malicious_pickle_is_refused_with_weights_only(tmp_path: Any) -> None:
    # A plain pickle file (what torch's legacy files are), and one inside symgrad's archive.
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": _Evil()}))
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        symgrad.load(path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        symgrad.load(path, weights_only=True)
    inside = tmp_path / "inside.pt"
    symgrad.save({"ok": symgrad.ones(1), "evil": _Evil()}, inside)
    with pytest.raises(pickle.UnpicklingError, match="_Evil"):
        symgrad.load(inside)
    # weights_only=False unpickles, as torch.load does: here the code runs.
    with pytest.raises(SystemExit, match="code ran"):
        symgrad.load(inside, weights_only=False)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        symgrad.load(inside, pickle_module=pickle)


def test_weights_only_false_loads_pickled_objects() -> None:
    model = symgrad.nn.Linear(2, 1)
    out = round_trip({"model": model, "set": {1, 2}}, weights_only=False)
    assert type(out["model"]).__name__ == "Linear" and out["set"] == {1, 2}
    assert out["model"].weight.tolist() == model.weight.tolist()


def test_map_location_and_devices_as_torch() -> None:
    x = symgrad.ones(2)
    for where in (None, "cpu", symgrad.device("cpu"), {"cpu": "cpu"}, {"cuda:0": "cpu"}):
        assert round_trip(x, map_location=where).tolist() == [1.0, 1.0]
    assert round_trip(x, map_location=lambda t, loc: t * 2).tolist() == [2.0, 2.0]
    for where in ("cuda", "cuda:0", "mps"):
        buffer = io.BytesIO()
        torch.save(torch.ones(2), buffer)
        buffer.seek(0)
        with pytest.raises(RuntimeError) as want:
            torch.load(buffer, map_location=where)
        with pytest.raises(RuntimeError) as got:
            round_trip(x, map_location=where)
        if where.startswith("cuda"):
            assert str(got.value) == str(want.value).replace("torch.", "symgrad.")
        else:
            assert "mps" in str(got.value)


def test_other_files_are_refused() -> None:
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buffer)
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="not a file written by symgrad.save"):
        symgrad.load(buffer)
