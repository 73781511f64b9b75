"""The judge at ties of ops that select one element of a line: kthvalue, median, nanmedian and
mode give the whole partial to any one of the tied elements ("one_of_tied": the one PyTorch's
quickselect or sort finds), the running extrema to the last (cummax's >=), the median of all
and aminmax share it evenly. The judge sees the tied elements of each output together
(``select`` meanings, ``oracle.semantics.selection``): three tied elements have no one-sided
partial of their own that says which takes it, so the judge called correct engines wrong there
(test_properties' KNOWN left these ops out at ties). An engine splitting the partial, giving it
twice, or to an element not tied is still wrong, with its error in ULPs.
"""

from __future__ import annotations

import numpy as np
import pytest

import oracle
import symgrad
import symgrad.ops.order_statistics as stats
from symgrad.tensor import Tensor

RIGHT = {"ok", "kink", "fd-unreliable"}
LINES = [[1.0, 3.0, 3.0, 3.0, 5.0], [0.0, 0.0, 2.0, 0.0, -1.0]]
WEIGHTS = [1.5, -2.0]


def _weighted(out: symgrad.Tensor) -> symgrad.Tensor:
    """A loss whose cotangent differs per output, so an output's partial sent to another
    line's element shows."""
    w = symgrad.tensor(np.resize(WEIGHTS, out.shape), dtype=out.dtype)
    return (out * w).sum()


SELECTING = {
    "kthvalue": lambda t: _weighted(symgrad.kthvalue(t, 3, dim=1).values),
    "median_dim": lambda t: _weighted(symgrad.median(t, dim=1).values),
    "nanmedian_dim": lambda t: _weighted(symgrad.nanmedian(t, dim=1, keepdim=True).values),
    "mode": lambda t: _weighted(symgrad.mode(t, dim=1).values),
}
SHARING = {
    "median_all": lambda t: symgrad.median(t) * 1.5,
    "nanmedian_all": lambda t: symgrad.nanmedian(t) * 1.5,
    "cummax": lambda t: _weighted(symgrad.cummax(t, dim=1).values),
    "cummin": lambda t: _weighted(symgrad.cummin(t, dim=1).values),
    "aminmax": lambda t: _weighted(symgrad.aminmax(t, dim=1).max) + symgrad.aminmax(t).min,
}
# three or more tied at the selected value (or at the running extremum) in some line
TIED = {
    "kthvalue": LINES,
    "median_dim": [[0.0, 0.0, 0.0], [2.0, 0.0, 2.0]],
    "nanmedian_dim": [[2.0, 0.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0]],
    "mode": [[2.0, 1.0, 2.0, 1.0, 2.0], [0.0, 0.0, 0.0, 0.0, 0.0]],
    "median_all": [[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]],
    "nanmedian_all": [[0.0, 1.0, 1.0], [1.0, 2.0, 3.0]],
    "cummax": [[1.0, 1.0, 1.0], [0.0, 2.0, 2.0]],
    "cummin": [[0.0, 2.0, 0.0], [0.0, 0.0, -1.0]],
    "aminmax": [[1.0, 2.0, 2.0, 2.0], [1.0, -1.0, 1.0, 1.0]],
}


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("name", sorted({**SELECTING, **SHARING}))
def test_a_correct_engine_is_right_at_ties(name, dtype):
    x = symgrad.tensor(TIED[name], dtype=getattr(symgrad, dtype), requires_grad=True)
    v = oracle.crosscheck({**SELECTING, **SHARING}[name], [x])
    assert v.status == "kink", v.message
    assert all(e.status in RIGHT for e in v.elements)
    # every tied element is judged by the convention, not by FD (0 for a middle one alone)
    assert sum(e.status == "kink" for e in v.elements) >= 3


def _scatter(weights: list[list[float]]):
    """A wrong engine's VJP of kthvalue, median, nanmedian or mode: each line's cotangent
    times ``weights``."""
    def scattered(g, index, dim, keepdim, self_shape):
        w = Tensor._make(np.array(weights, dtype=g._data.dtype), False, None)
        return (g if keepdim else g.unsqueeze(dim)) * w

    return scattered


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("name", sorted(SELECTING))
@pytest.mark.parametrize(("how", "weights"), [
    ("split between two tied", [[0, 0.5, 0.5, 0, 0], [0.5, 0, 0, 0.5, 0]]),
    ("whole to two tied", [[0, 1, 1, 0, 0], [1, 0, 0, 1, 0]]),
    ("to an element not tied", [[1, 0, 0, 0, 0], [0, 0, 1, 0, 0]]),
    ("twice to one tied", [[0, 2, 0, 0, 0], [2, 0, 0, 0, 0]]),
    ("one line right, the other not", [[0, 0, 1, 0, 0], [0, 0, 0, 0, 1]])])
def test_a_wrong_engine_is_still_wrong_at_ties(name, how, weights, dtype, monkeypatch):
    monkeypatch.setattr(stats, "_scattered", _scatter(weights))
    # each line's third smallest, median and mode: 3 at positions 1-3, 0 at 0, 1 and 3
    x = symgrad.tensor(LINES, dtype=getattr(symgrad, dtype), requires_grad=True)
    v = oracle.crosscheck(SELECTING[name], [x])
    assert v.status == "engine-wrong", (how, v.message)
    assert v.max_ulp_error > max(e.tolerance_ulps for e in v.elements), how
    assert v.culprit["op"] == name  # the node judged alone is wrong too


def test_running_extrema_ties_go_to_the_last(monkeypatch):
    """cummax and cummin take PyTorch's tie, the last of the running extremum's (its >=), a
    rule the judge holds them to per output: the first is wrong."""
    index = stats.cumulative_index

    def first_of_tied(x, dim, largest):
        last = index(x, dim, largest)
        values = np.take_along_axis(x, last, dim)
        # the first position holding each running extremum's value
        return np.argmax(np.expand_dims(x, dim + 1) == np.expand_dims(values, dim), axis=dim)

    x = symgrad.tensor(TIED["cummax"], dtype=symgrad.float64, requires_grad=True)
    monkeypatch.setattr(stats, "cumulative_index", first_of_tied)
    assert oracle.crosscheck(SHARING["cummax"], [x]).status == "engine-wrong"


def test_the_median_of_all_shares_ties_evenly(monkeypatch):
    """median() without dim shares the partial evenly among the elements equal to it, as
    PyTorch's evenly_distribute_backward: the whole to one of them is wrong."""
    x = symgrad.tensor([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]], dtype=symgrad.float64,
                       requires_grad=True)

    def to_the_first(g, self, out, ignore_nan):
        hit = np.zeros(self.shape)
        hit[0, 0] = 1.0
        return g * Tensor._make(hit, False, None)

    monkeypatch.setattr(stats, "_evenly", to_the_first)
    assert oracle.crosscheck(SHARING["median_all"], [x]).status == "engine-wrong"


def test_second_order_through_a_tie():
    """The choice read at the first order decides the second too: kthvalue(x)**2's Hessian
    is 2 at the element that takes the gradient."""
    x = symgrad.tensor(LINES, dtype=symgrad.float64, requires_grad=True)
    v = oracle.crosscheck(lambda t: (symgrad.kthvalue(t, 3, dim=1).values ** 2).sum(), [x],
                          order=2)
    assert v.status in RIGHT, v.message


def test_no_choice_without_the_engines_gradient():
    """The exact gradient of a graph read without the engine's backward has no engine choice
    to take at a tie: unsupported (unjudged), never one of the choices."""
    x = symgrad.tensor(LINES, dtype=symgrad.float64, requires_grad=True)
    r = oracle.exact_grad(symgrad.kthvalue(x, 3, dim=1).values.sum(), x)
    assert r.status == "unsupported" and "tie" in r.reason
    # off a tie it is one value
    y = symgrad.tensor([[1.0, 3.0, 4.0]], dtype=symgrad.float64, requires_grad=True)
    assert oracle.exact_grad(symgrad.kthvalue(y, 2, dim=1).values.sum(), y).status == "ok"


TORCH_CALLS = {
    "kthvalue": lambda t, torch: torch.kthvalue(t, 3, 1)[0],
    "median_dim": lambda t, torch: torch.median(t, 1)[0],
    "nanmedian_dim": lambda t, torch: torch.nanmedian(t, 1, keepdim=True)[0],
    "mode": lambda t, torch: torch.mode(t, 1)[0],
    "median_all": lambda t, torch: torch.median(t),
    "nanmedian_all": lambda t, torch: torch.nanmedian(t),
    "cummax": lambda t, torch: torch.cummax(t, 1)[0],
    "cummin": lambda t, torch: torch.cummin(t, 1)[0],
    "aminmax": lambda t, torch: torch.aminmax(t)[0] * 2 + torch.aminmax(t, dim=1)[1].sum(),
}


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("name", sorted(TORCH_CALLS))
def test_pytorch_is_right_at_ties(name, dtype):
    """PyTorch's ATen operators read as the judge's ops (``oracle.engines.aten_ops``), with
    PyTorch's conventions: its ties are right (they were unsupported)."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(TIED[name], dtype=getattr(torch, dtype), requires_grad=True)
    v = oracle.crosscheck(lambda t: TORCH_CALLS[name](t, torch), [x])
    assert v.status == "kink", v.message
