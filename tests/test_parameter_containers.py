"""ParameterList and ParameterDict, Tensor.type, and Module's repr of a multi-line extra_repr,
against torch 2.13: entries, names, order, slices, errors, reprs and state dicts."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")


def _tried(call: Any) -> Any:
    try:
        return call()
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        return type(e).__name__, str(e)


def _list_story(lib: Any) -> list[Any]:
    nn = lib.nn
    pl = nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(2), "x"])
    story: list[Any] = [repr(pl), [type(p).__name__ for p in pl], len(pl), repr(pl[1:]), pl[-1]]
    pl += [lib.ones(1, dtype=lib.float64)]
    pl[0] = lib.zeros(1)
    story += [len(pl), type(pl[0]).__name__, pl[0].requires_grad, repr(pl)]
    story += [_tried(lambda: pl[7]), _tried(lambda: pl.extend(lib.ones(2))), _tried(lambda: pl(1))]
    return story


def _dict_story(lib: Any) -> list[Any]:
    nn = lib.nn
    pd = nn.ParameterDict({"b": lib.ones(2), "a": nn.Parameter(lib.zeros(3, dtype=lib.float64))})
    story: list[Any] = [repr(pd), list(pd), list(pd.keys())]
    pd["c"] = lib.ones(1)
    story += ["c" in pd, tuple(pd.pop("b").shape), list(pd), pd.get("zz", 5)]
    pd.update(OrderedDict([("z", lib.ones(1)), ("y", lib.ones(1))]))
    pd.update([("k", lib.ones(1))])
    story += [list(pd), [type(v).__name__ for v in pd.values()], [k for k, _ in pd.items()]]
    story += [_tried(lambda: pd[1]), _tried(lambda: pd.update(3)),
              _tried(lambda: pd.update([("a",)])), _tried(lambda: pd.update([1])),
              _tried(lambda: pd(1))]
    return story


def _module_story(lib: Any) -> list[Any]:
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ps = nn.ParameterList([lib.ones(1)])
            self.pd = nn.ParameterDict({"w": lib.ones(2)})
            self.many = nn.ParameterList([lib.ones(1), lib.ones(2)])
            self.lin = nn.Linear(1, 1)

    net = Net()
    return [[n for n, _ in net.named_parameters()], repr(net), list(net.state_dict()),
            len(list(net.parameters()))]


@pytest.mark.parametrize("story", [_list_story, _dict_story, _module_story])
def test_containers_as_in_torch(story):
    mine = [s.replace("symgrad.", "torch.") if isinstance(s, str) else s
            for s in story(symgrad)]
    assert mine == story(torch)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32",
                                   "int16", "int8", "uint8", "bool"])
def test_tensor_type_names_and_casts(dtype):
    def story(lib):
        x = lib.ones(2, dtype=getattr(lib, dtype))
        name = x.type()
        back = x.type(torch.float32 if lib is torch else lib.float32)
        return name, str(x.type(name).dtype).split(".")[-1], str(back.dtype).split(".")[-1]

    assert story(symgrad) == story(torch)


def test_tensor_type_refuses_other_strings_and_records_the_cast():
    for lib in (symgrad, torch):
        x = lib.ones(2, requires_grad=True)
        assert type(x.type(lib.float64).grad_fn).__name__ == "ToCopyBackward0"
        assert x.type(lib.float32) is x
        with pytest.raises(ValueError, match="invalid type: 'float64'"):
            x.type("float64")
