"""The benchmarks' turn-taking: what runs just before a timed call decides what is still in
the caches (in one fixed order the MLP step's ratio to NumPy by hand was 1.21-1.23, in the
reverse 1.33-1.42), so ``interleaved_medians`` goes through every order and each library
follows each other as often; ``looped_medians`` times each library's calls back to back, in
blocks that take turns, leaving out the first calls of a block."""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import _timing  # noqa: E402 - from benchmarks/, put on the path above


def _recorder(calls: list[str]) -> dict[str, object]:
    return {name: (lambda name=name: calls.append(name)) for name in "abc"}


def test_interleaved_rounds_go_through_every_order() -> None:
    calls: list[str] = []
    figures = _timing.interleaved_medians(_recorder(calls), repeat=12, warmup=1)
    timed = calls[3:]  # after one warm-up call each
    rounds = [tuple(timed[i:i + 3]) for i in range(0, len(timed), 3)]
    assert Counter(rounds) == {order: 2 for order in itertools.permutations("abc")}
    # Each library comes right after each other one about as often, across rounds too.
    pairs = Counter((p, q) for p, q in zip(timed, timed[1:], strict=False) if p != q)
    assert set(pairs) == set(itertools.permutations("abc", 2))
    assert max(pairs.values()) - min(pairs.values()) <= 2
    assert set(figures) == set("abc") and all(f >= 0 for f in figures.values())


def test_looped_blocks_run_one_library_back_to_back() -> None:
    calls: list[str] = []
    fns = _recorder(calls)
    fns["d"] = None
    figures = _timing.looped_medians(fns, blocks=6, steps=4, settle=1)
    blocks = [calls[i:i + 4] for i in range(0, len(calls), 4)]
    assert len(blocks) == 18 and all(len(set(block)) == 1 for block in blocks)
    assert Counter(block[0] for block in blocks) == {"a": 6, "b": 6, "c": 6}
    assert figures["d"] is None and all(figures[n] >= 0 for n in "abc")
