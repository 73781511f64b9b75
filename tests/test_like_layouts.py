"""``*_like`` results laid out as PyTorch's ``preserve_format`` lays them out (a transposed
input gives a transposed result), so the random ones, and dropout's mask, draw their values
in the same memory order as PyTorch's: the same numbers at the same places after the same
seed. Expected values are torch's, run here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

CASES = {
    "rand_like, transposed": lambda lib: lib.rand_like(lib.zeros(4, 5).t()),
    "randn_like, transposed (serial path)": lambda lib: lib.randn_like(lib.zeros(6, 5).t()),
    "randn_like, contiguous (vector path)": lambda lib: lib.randn_like(lib.zeros(6, 5)),
    "randn_like, permuted 3-d": lambda lib: lib.randn_like(lib.zeros(2, 3, 4).permute(2, 0, 1)),
    "randint_like, transposed": lambda lib: lib.randint_like(lib.zeros(3, 4).t(), 10),
    "zeros_like, transposed": lambda lib: lib.zeros_like(lib.zeros(3, 4).t()),
    "ones_like, permuted": lambda lib: lib.ones_like(lib.zeros(2, 3, 4).permute(2, 0, 1)),
    "full_like, transposed": lambda lib: lib.full_like(lib.zeros(3, 4).t(), 2.5),
    "rand_like, with gaps": lambda lib: lib.rand_like(lib.zeros(3, 4)[:, ::2]),
    "rand_like, expanded": lambda lib: lib.rand_like(lib.ones(2).expand(3, 2)),
    "dropout of a transposed tensor": lambda lib: lib.nn.functional.dropout(
        lib.ones(5, 4).t(), 0.5),
    "dropout of a permuted tensor, then a draw": lambda lib: [
        lib.nn.functional.dropout(lib.ones(2, 3, 4).permute(1, 2, 0), 0.3), lib.rand(2)],
    "bernoulli_ of empty_like, transposed": lambda lib: lib.empty_like(
        lib.zeros(4, 3).t()).bernoulli_(0.5),
}


def _outcome(case: Callable[[Any], Any], lib: Any) -> Any:
    lib.manual_seed(3)
    result = case(lib)
    results = result if isinstance(result, list) else [result]
    return [(r.tolist(), str(r.dtype).split(".")[-1], r.is_contiguous(),
             r.t().is_contiguous() if r.ndim == 2 else None) for r in results]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_like_results_draw_where_pytorch_draws(case: Callable[[Any], Any]) -> None:
    assert _outcome(case, symgrad) == _outcome(case, torch)


def test_module_list_prints_runs_of_alike_modules_as_one_entry() -> None:
    def printed(lib: Any) -> list[str]:
        nn = lib.nn
        lib.manual_seed(0)
        return [repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Linear(2, 2), nn.Tanh(), nn.Tanh(),
                                    nn.Tanh(), nn.Sequential(nn.ReLU(), nn.ReLU())])),
                repr(nn.ModuleList()), repr(nn.Sequential(nn.ModuleList([nn.ReLU()] * 2))),
                repr(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)]))]
    assert printed(symgrad) == printed(torch)
