"""``nn.Module``'s state against PyTorch 2.13: ``state_dict`` (an ``OrderedDict`` with
``_metadata`` versions), ``load_state_dict`` (its result, errors, ``assign``, old checkpoints),
the state-dict hooks and their order, absent parameters registered as None across the layers,
and what assigning to a registered name does. Programs written for PyTorch are run on PyTorch
and on symgrad (``as_torch``) and must print the same; the layouts are compared directly.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest

import symgrad

torch = pytest.importorskip("torch")

from test_parametrize import _both  # noqa: E402

PRELUDE = """
import torch, torch.nn as nn
from collections import OrderedDict
def tryit(f):
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
"""


def _same(program: str) -> None:
    expected, got = _both(PRELUDE + program)
    assert got == expected


def test_state_dict_prints_keys_and_metadata_as_torch() -> None:
    _same("""
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 3, bias=False), nn.BatchNorm1d(3))
        self.head = nn.Linear(3, 1)
        self.register_buffer("steps", torch.tensor(0))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)
net = Net()
sd = net.state_dict()
print(type(sd).__name__, sd.keys())
print(sd._metadata)
print(net.state_dict(prefix="net.").keys(), net.state_dict(prefix="net.")._metadata)
print([v.requires_grad for v in net.state_dict().values()])
print([v.requires_grad for v in net.state_dict(keep_vars=True).values()])
print(net.state_dict(keep_vars=True)["head.weight"] is net.head.weight)
dest = {}
print(net.state_dict(destination=dest) is dest, list(dest), hasattr(dest, "_metadata"))
print(nn.InstanceNorm1d(2).state_dict()._metadata, nn.LayerNorm(2).state_dict()._metadata)
print(list(net.state_dict(None, "p.", True)))
""")


def test_load_errors_and_results_as_torch() -> None:
    _same("""
m = nn.Linear(2, 3)
good = nn.Linear(2, 3).state_dict()
print(m.load_state_dict(good), str(m.load_state_dict(good)))
r = m.load_state_dict({"weight": good["weight"], "extra": good["bias"]}, strict=False)
print(r, r.missing_keys, r.unexpected_keys, type(r).__name__, tuple(r))
tryit(lambda: m.load_state_dict({"weight": good["weight"]}))
tryit(lambda: m.load_state_dict({**good, "extra": torch.ones(1), "sub.x": torch.ones(1)}))
tryit(lambda: m.load_state_dict({"weight": torch.ones(2, 2), "bias": torch.ones(3)}))
tryit(lambda: m.load_state_dict({"weight": torch.ones(3, 2), "bias": 3}))
tryit(lambda: m.load_state_dict([("weight", good["weight"])]))
tryit(lambda: m.load_state_dict({"weight": torch.ones(2, 2)}, strict=False))
nobias = nn.Linear(2, 3, bias=False)
tryit(lambda: nobias.load_state_dict(good))
print(nobias.load_state_dict(good, strict=False))
seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
tryit(lambda: seq.load_state_dict({"0.weight": torch.ones(1, 1), "1.weight": torch.ones(1),
                                   "2.bias": torch.ones(1)}))
b = nn.Module(); b.register_buffer("step", torch.tensor(0))
print(b.load_state_dict({"step": torch.tensor([5])}), b.step)
""")


def test_assign_loads_the_tensors_themselves_as_torch() -> None:
    _same("""
m = nn.Linear(2, 1)
m.weight.requires_grad_(False)
src = OrderedDict(weight=torch.ones(1, 2, dtype=torch.float64),
                  bias=nn.Parameter(torch.zeros(1, dtype=torch.float64)))
src._metadata = OrderedDict({"": {"version": 1}})
print(m.load_state_dict(src, assign=True))
print(type(m.weight).__name__, m.weight.dtype, m.weight.requires_grad, m.bias.requires_grad)
print(m.bias is src["bias"], m.weight is src["weight"], src._metadata)
src["weight"].mul_(5)
print(m.weight)
c = nn.Linear(2, 1)
keep = c.weight
c.load_state_dict(nn.Linear(2, 1).state_dict())
print(c.weight is keep)
bn = nn.BatchNorm1d(2)
bn.load_state_dict({**bn.state_dict(), "running_mean": torch.full((2,), 3.0)}, assign=True)
print(bn.running_mean, [n for n, _ in bn.named_buffers()])
""")


def test_old_checkpoints_upgraded_by_version_as_torch() -> None:
    _same("""
bn = nn.BatchNorm1d(2)
_ = bn(torch.randn(4, 2)); _ = bn(torch.randn(4, 2))
old = OrderedDict((k, v) for k, v in nn.BatchNorm1d(2).state_dict().items()
                  if k != "num_batches_tracked")
old._metadata = OrderedDict({"": {"version": 1}})
print(bn.load_state_dict(old), bn.num_batches_tracked)
print(bn.load_state_dict(dict(old)), bn.num_batches_tracked)
old._metadata = OrderedDict({"": {"version": 2}})
tryit(lambda: bn.load_state_dict(old))
net = nn.Sequential(nn.BatchNorm1d(2, track_running_stats=False))
tryit(lambda: net.load_state_dict({"0." + k: v for k, v in old.items()}))
inorm = nn.InstanceNorm1d(2)
tryit(lambda: inorm.load_state_dict({"running_mean": torch.zeros(2),
                                     "running_var": torch.ones(2)}))
v1 = OrderedDict(running_mean=torch.zeros(2)); v1._metadata = {"": {"version": 1}}
tryit(lambda: inorm.load_state_dict(v1))
""")


def test_state_dict_hooks_run_in_torchs_order() -> None:
    _same("""
log = []
parent = nn.Sequential(nn.Linear(1, 1))
child = parent[0]
for name, m in (("parent", parent), ("child", child)):
    m.register_state_dict_pre_hook(
        lambda mod, prefix, keep, name=name: log.append(("pre", name, prefix, keep)))
    m.register_state_dict_post_hook(
        lambda mod, sd, prefix, meta, name=name: log.append(("post", name, prefix, list(sd),
                                                             dict(meta))))
    m.register_load_state_dict_pre_hook(
        lambda mod, sd, prefix, meta, strict, miss, unexp, errs, name=name:
        log.append(("load-pre", name, type(mod).__name__, prefix, sorted(sd), dict(meta),
                    strict)))
    m._register_load_state_dict_pre_hook(
        lambda sd, prefix, meta, *rest, name=name: log.append(("load-pre-private", name,
                                                               prefix, len(rest))))
    m.register_load_state_dict_post_hook(
        lambda mod, keys, name=name: log.append(("load-post", name, type(keys).__name__,
                                                 list(keys.missing_keys))))
sd = parent.state_dict(keep_vars=True)
print(parent.load_state_dict(sd))
for entry in log: print(entry)
""")


def test_state_dict_hook_returns_as_torch() -> None:
    _same("""
m = nn.Linear(1, 1)
h = m._register_state_dict_hook(lambda mod, sd, prefix, meta: {"only": 1})
print(m.state_dict())
print(nn.Sequential(m).state_dict().keys())
h.remove()
def public(mod, sd, prefix, meta): return sd
m.register_state_dict_post_hook(public)
tryit(lambda: m.state_dict())
tryit(lambda: m._register_state_dict_hook(public))
k = nn.Linear(1, 1)
k.register_load_state_dict_post_hook(lambda mod, keys: keys)
tryit(lambda: k.load_state_dict(nn.Linear(1, 1).state_dict()))
q = nn.Linear(1, 1)
q.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
print(q.load_state_dict({"weight": torch.ones(1, 1)}))
r = nn.Linear(1, 1)
r.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.append("x"))
tryit(lambda: r.load_state_dict(r.state_dict()))
""")


def test_extra_state_and_lazy_modules_as_torch() -> None:
    _same("""
class Counter(nn.Module):
    def __init__(self):
        super().__init__(); self.calls = 0; self.lin = nn.Linear(1, 1)
    def get_extra_state(self): return {"calls": self.calls}
    def set_extra_state(self, state): self.calls = state["calls"]
c = Counter(); c.calls = 4
sd = c.state_dict(); print(sd.keys(), sd["_extra_state"])
d = Counter(); print(d.load_state_dict(sd), d.calls)
tryit(lambda: d.load_state_dict({k: v for k, v in sd.items() if k != "_extra_state"}))
tryit(lambda: nn.Linear(1, 1).load_state_dict({**nn.Linear(1, 1).state_dict(),
                                                "_extra_state": 1}))
lazy = nn.LazyLinear(2)
print(lazy.state_dict(), lazy.state_dict()._metadata)
print(lazy.load_state_dict(nn.Linear(3, 2).state_dict()), lazy.weight.shape)
grown = nn.LazyLinear(2); print(len(grown._load_state_dict_pre_hooks))
_ = grown(torch.ones(1, 3))
print(type(grown).__name__, len(grown._load_state_dict_pre_hooks), hasattr(grown, "_load_hook"))
""")


def test_assigning_to_registered_names_as_torch() -> None:
    _same("""
m = nn.Linear(2, 2)
tryit(lambda: setattr(m, "weight", torch.ones(2, 2)))
tryit(lambda: setattr(m, "weight", torch.ones(2, 2, dtype=torch.int64)))
tryit(lambda: setattr(m, "weight", 3))
m.bias = None
print(list(m._parameters), m.bias, list(m.state_dict()), [n for n, _ in m.named_parameters()])
m.bias = nn.Parameter(torch.zeros(2)); print(list(m._parameters), m.bias)
m.register_buffer("b", torch.zeros(2))
m.b = torch.ones(3); print(m._buffers["b"])
tryit(lambda: setattr(m, "b", 3))
m.b = None; print(m._buffers, list(m.state_dict()))
m.register_buffer("nb", torch.zeros(1), persistent=False)
m.nb = torch.ones(1); print(m._non_persistent_buffers_set, list(m.state_dict()))
m.nb = nn.Parameter(torch.ones(1)); print(m._non_persistent_buffers_set, list(m._parameters))
seq = nn.Sequential(nn.Linear(1, 1))
tryit(lambda: setattr(seq, "0", torch.ones(1)))
setattr(seq, "0", None); print(seq._modules, list(seq.state_dict()))
free = nn.Module(); free.bias = None
print(free._parameters, free.__dict__.get("bias", "absent"))
p = nn.Linear(1, 1)
tryit(lambda: setattr(p, "weight", nn.Buffer(torch.ones(1, 1))))
p.extra = nn.Buffer(torch.ones(1), persistent=False)
print(list(p._parameters), list(p._buffers), list(p.state_dict()))
bare = nn.Module.__new__(nn.Module)
tryit(lambda: setattr(bare, "w", nn.Parameter(torch.ones(1))))
tryit(lambda: setattr(bare, "m", nn.Linear(1, 1)))
tryit(lambda: setattr(bare, "b", nn.Buffer(torch.ones(1))))
""")


def test_module_type_converts_every_tensor_as_torch() -> None:
    _same("""
bn = nn.BatchNorm1d(2)
bn(torch.randn(3, 2)).sum().backward()
bn.type(torch.float64)
print(bn.num_batches_tracked.dtype, bn.weight.dtype, type(bn.weight).__name__,
      bn.weight.grad.dtype, bn.running_mean.dtype)
bn2 = nn.BatchNorm1d(2); bn2.type("torch.DoubleTensor"); print(bn2.num_batches_tracked.dtype)
tryit(lambda: nn.Linear(1, 1).type(torch.int32))
b = nn.Module(); b.register_buffer("n", torch.tensor([1, 2])); b.type(torch.float32)
print(b.n)
""")


# -- absent parameters and buffers, layer by layer ---------------------------------------------
# The base classes torch exports are left out: they take other arguments than their layers.
ABSTRACT = {"Module", "RNNBase", "RNNCellBase"}
ARGS = [(), (2,), (2, 2), (2, 2, 1), (2, 2, 2), (2, 2, 2, 2)]
FLAGS = ("bias", "affine", "elementwise_affine", "track_running_stats", "add_bias_kv")


def _build(lib: Any, name: str, args: tuple[int, ...], kwargs: dict[str, bool]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return getattr(lib.nn, name)(*args, **kwargs)
        except Exception:  # noqa: BLE001 - these arguments do not fit this layer
            return None


def _layout(module: Any) -> list[Any]:
    """Each submodule's class, its parameters and buffers by name (None or not), its
    non-persistent buffers and its state_dict's names."""
    return [(name, type(m).__name__, [(k, v is None) for k, v in m._parameters.items()],
             [(k, v is None) for k, v in m._buffers.items()], sorted(m._non_persistent_buffers_set))
            for name, m in module.named_modules()] + [list(module.state_dict())]


def _layer_cases() -> list[tuple[str, tuple[int, ...], dict[str, bool]]]:
    """Every symgrad layer torch also has, with the first small arguments torch takes, and
    with each flag it has flipped from its default."""
    cases = []
    for name in sorted(dir(symgrad.nn)):
        cls = getattr(symgrad.nn, name)
        if not (inspect.isclass(cls) and issubclass(cls, symgrad.nn.Module)) or (
                name in ABSTRACT or name.startswith("Lazy") or not hasattr(torch.nn, name)):
            continue
        args = next((a for a in ARGS if _build(torch, name, a, {}) is not None), None)
        if args is None:
            continue
        params = inspect.signature(getattr(torch.nn, name)).parameters
        cases.append((name, args, {}))
        cases += [(name, args, {f: not params[f].default}) for f in FLAGS if f in params]
    return cases


def test_absent_parameters_and_buffers_registered_as_torch() -> None:
    cases = _layer_cases()
    assert len(cases) > 150
    differ = []
    for name, args, kwargs in cases:
        mine = _build(symgrad, name, args, kwargs)
        theirs = _layout(_build(torch, name, args, kwargs))
        if mine is None or _layout(mine) != theirs:
            differ.append((name, args, kwargs))
    assert differ == []


def test_absent_bias_is_registered_none() -> None:
    m = symgrad.nn.Conv2d(1, 1, 1, bias=False)
    assert "bias" in m._parameters and m._parameters["bias"] is None and m.bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight"] == list(m.state_dict())


# -- the version hooks of nn.utils.spectral_norm and parametrizations.weight_norm --------------
def test_spectral_norm_versions_its_state_as_torch() -> None:
    # A tall weight: v of an old checkpoint is solved through pinverse(W^T W), which for a
    # wide W is singular, its null-space part then float32 noise (torch's as much as symgrad's).
    _same("""
torch.manual_seed(0)
m = nn.utils.spectral_norm(nn.Linear(2, 3))
_ = m(torch.randn(4, 2))
sd = m.state_dict(); print(sd._metadata, list(sd))
print(nn.Sequential(m).state_dict()._metadata)
fresh = lambda: nn.utils.spectral_norm(nn.Linear(2, 3))
v0 = OrderedDict(bias=sd["bias"], weight_orig=sd["weight_orig"], weight_u=sd["weight_u"],
                 weight=m.weight.detach())
v0._metadata = OrderedDict({"": {"version": 1}})
new = fresh(); print(new.load_state_dict(v0))
print(new.weight_v, new.eval()(torch.ones(1, 2)), m.eval()(torch.ones(1, 2)))
bare = OrderedDict(sd); print(fresh().load_state_dict(bare))
partial = OrderedDict(bias=sd["bias"], weight_orig=sd["weight_orig"])
tryit(lambda: fresh().load_state_dict(partial))
print(fresh().load_state_dict(partial, strict=False))
nn.utils.remove_spectral_norm(m)
print(len(m._state_dict_hooks), len(m._load_state_dict_pre_hooks), m.state_dict()._metadata)
tryit(lambda: m.load_state_dict(m.state_dict()))
""")


def test_weight_norm_loads_legacy_checkpoints_as_torch() -> None:
    _same("""
torch.manual_seed(0)
old = nn.utils.weight_norm(nn.Linear(3, 2))
new = nn.utils.parametrizations.weight_norm(nn.Linear(3, 2))
sd = old.state_dict(); print(list(sd))
print(new.load_state_dict(sd), list(sd))
print(new.weight, new.parametrizations.weight.original0)
tryit(lambda: new.load_state_dict({"bias": sd["bias"], "weight_g": sd["weight_g"]}))
""")
