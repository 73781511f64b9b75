"""``torch.nn.utils.parametrize``, ``parametrizations.weight_norm`` / ``spectral_norm`` and the
legacy ``nn.utils.weight_norm`` / ``spectral_norm``: programs written for PyTorch, run on PyTorch
and on symgrad (``as_torch``), print the same: class names, parameter and ``state_dict`` names,
reprs, errors and their messages, warnings, values, gradients and ``grad_fn`` names.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
import warnings

import pytest

from symgrad import _warnings
from symgrad.testing.as_torch import as_torch

torch = pytest.importorskip("torch")


def _run(program: str) -> str:
    """What ``program`` prints (its warnings too, by category and message)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # NumPy's floating-point warnings from symgrad's modules, silenced as symgrad's own
        # filter does (which "always" above would take precedence over: symgrad/_warnings.py).
        warnings.filterwarnings("ignore", _warnings.MESSAGE, RuntimeWarning, _warnings.MODULE)
        exec(compile(textwrap.dedent(program), "<program>", "exec"), {"__name__": "__main__"})
    for w in caught:
        out.write(f"warning {w.category.__name__}: {w.message}\n")
    return out.getvalue()


def _both(program: str) -> tuple[str, str]:
    """The program's output on PyTorch, then on symgrad."""
    expected = _run(program)
    with as_torch():
        got = _run(program)
    return expected, got


def _same(program: str) -> None:
    expected, got = _both(program)
    assert got == expected


PARAMETRIZE = """
import torch, torch.nn as nn
import torch.nn.utils.parametrize as P
class Sym(nn.Module):
    def forward(self, X): return X.triu() + X.triu(1).T
class Pos(nn.Module):
    def forward(self, X): return X.exp()
    def right_inverse(self, Y): return Y.log()
class Split(nn.Module):
    def forward(self, a, b): return a + b
    def right_inverse(self, W): return W * 0.25, W * 0.75
def tryit(f):
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
torch.manual_seed(0)
m = nn.Linear(3,3)
P.register_parametrization(m, "weight", Sym())
print(m); print(type(m).__name__)
print([n for n,_ in m.named_parameters()], list(m.state_dict()))
tryit(lambda: setattr(m, "weight", nn.Parameter(torch.zeros(3,3))))
tryit(lambda: setattr(m, "weight", torch.zeros(3,3)))
tryit(lambda: P.register_parametrization(m, "nope", Sym()))
tryit(lambda: P.remove_parametrizations(m, "bias"))
x = torch.randn(2,3)
out = m(x).sum(); out.backward()
print(m.weight, m.parametrizations.weight.original.grad)
print(P.is_parametrized(m), P.is_parametrized(m,'weight'), P.is_parametrized(m,'bias'))
print(P.type_before_parametrizations(m).__name__)
orig = m.parametrizations.weight.original
P.remove_parametrizations(m,"weight")
print(type(m).__name__, m.weight is orig, m.weight, list(m.state_dict()))
# chained + right_inverse
m2 = nn.Linear(2,3)
P.register_parametrization(m2, "weight", Pos())
P.register_parametrization(m2, "weight", Sym(), unsafe=True) if False else None
m2.weight = torch.tensor([[1.,2.],[3.,4.],[5.,6.]])
print(m2.weight, m2.parametrizations.weight.original)
tryit(lambda: P.register_parametrization(m2, "weight", Sym()))
# multi originals
m3 = nn.Linear(2,2)
P.register_parametrization(m3, "weight", Split())
print([ (n, p.shape) for n,p in m3.named_parameters()], m3.weight.grad_fn.name())
m3.weight = torch.ones(2,2)
print(m3.parametrizations.weight.original0, m3.parametrizations.weight.original1)
tryit(lambda: P.remove_parametrizations(m3, "weight", leave_parametrized=False))
P.remove_parametrizations(m3, "weight"); print(type(m3).__name__, m3.weight)
# buffer
bn = nn.BatchNorm1d(2)
P.register_parametrization(bn, "running_mean", Pos())
print([n for n,_ in bn.named_buffers()], bn.running_mean)
# cache
m4 = nn.Linear(2,2); P.register_parametrization(m4, "weight", Sym())
with P.cached():
    print(m4.weight is m4.weight)
print(m4.weight is m4.weight)
# bad parametrizations
class Bad(nn.Module):
    def forward(self, X): return X[0]
tryit(lambda: P.register_parametrization(nn.Linear(2,2), "weight", Bad()))
class BadT(nn.Module):
    def forward(self, X): return X.double()
tryit(lambda: P.register_parametrization(nn.Linear(2,2), "weight", BadT()))
class NotT(nn.Module):
    def forward(self, X): return 3
tryit(lambda: P.register_parametrization(nn.Linear(2,2), "weight", NotT()))
class RI(nn.Module):
    def forward(self, X): return X
    def right_inverse(self, X): return 3
tryit(lambda: P.register_parametrization(nn.Linear(2,2), "weight", RI()))
m5 = nn.Linear(2,2); P.register_parametrization(m5,"weight",Sym())
tryit(lambda: P.register_parametrization(m5, "weight", Bad()))
print(P.register_parametrization(m5, "weight", Bad(), unsafe=True).weight.shape)
import copy; print(copy.deepcopy(m4).weight.shape)
import pickle; tryit(lambda: pickle.dumps(m4))
print(m5.parametrizations.weight.unsafe)
tryit(lambda: P.ParametrizationList([], torch.zeros(2)))
m6 = nn.Linear(2,2)
P.register_parametrization(m6,"weight",Sym()); P.register_parametrization(m6,"bias",Pos())
P.remove_parametrizations(m6,"weight"); print(type(m6).__name__)
P.remove_parametrizations(m6,"bias", leave_parametrized=False)
print(type(m6).__name__, hasattr(m6,"parametrizations"))
"""


def test_parametrize_registers_chains_assigns_and_removes_as_pytorch() -> None:
    _same(PARAMETRIZE)
