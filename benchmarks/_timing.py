"""Shared timing helpers for the benchmark scripts: medians of repeated runs, one table.

Importing this module pins NumPy's BLAS to one thread (before NumPy loads), as PyTorch is
pinned by ``torch_or_none``: every figure is for one thread.
"""

from __future__ import annotations

import gc
import itertools
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def median_seconds(fn: Callable[[], Any], repeat: int, warmup: int = 3, number: int = 1) -> float:
    """The median CPU time of one ``fn()`` call over ``repeat`` runs of ``number`` calls each
    (garbage collector paused).

    CPU time, not wall time: the machines these run on are shared, and CPU time of one
    thread is what other processes disturb least. ``number`` > 1 times calls too short for
    the clock's resolution in batches.
    """
    for _ in range(warmup):
        fn()
    times = []
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.process_time()
            for _ in range(number):
                fn()
            times.append((time.process_time() - start) / number)
    finally:
        gc.enable()
    return statistics.median(times)


def interleaved_medians(fns: dict[str, Callable[[], Any] | None], repeat: int, warmup: int = 3,
                        number: int = 1) -> dict[str, float | None]:
    """Per name, the median CPU time of one call, the libraries taking turns: each round runs
    every function once (``number`` calls), so all see the same machine load and the same
    state of the memory allocator. (Run one after the other, the last to run inherits a heap
    the others grew: on 1e5-element arrays, freshly mapped pages cost more than the arithmetic,
    and the order alone moved a figure threefold.) A None function gives None.

    The order changes from round to round, through every permutation of the names, so that
    each library follows each other as often: what runs just before a step decides which of
    its code and data are still in the caches. In one fixed order (symgrad, PyTorch, NumPy)
    the MLP step's ratio to NumPy by hand was 1.21-1.23; with NumPy then PyTorch then symgrad,
    1.33-1.42.
    """
    live = {name: fn for name, fn in fns.items() if fn is not None}
    for fn in live.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in live}
    orders = list(itertools.permutations(live))
    gc.disable()
    try:
        for round_ in range(repeat):
            for name in orders[round_ % len(orders)]:
                fn = live[name]
                start = time.process_time()
                for _ in range(number):
                    fn()
                times[name].append((time.process_time() - start) / number)
    finally:
        gc.enable()
    return {name: statistics.median(times[name]) if name in times else None for name in fns}


def looped_medians(fns: dict[str, Callable[[], Any] | None], blocks: int, steps: int = 10,
                   settle: int = 2) -> dict[str, float | None]:
    """Per name, the median CPU time of one call inside a loop of that function alone: each
    block runs one function ``steps`` times back to back and keeps the times after the first
    ``settle`` (a training loop's steady state, where each step follows its own kind); the
    blocks take turns through every order of the names, as ``interleaved_medians``'s rounds
    do. A None function gives None."""
    live = {name: fn for name, fn in fns.items() if fn is not None}
    times: dict[str, list[float]] = {name: [] for name in live}
    orders = list(itertools.permutations(live))
    gc.disable()
    try:
        for block in range(blocks):
            for name in orders[block % len(orders)]:
                fn = live[name]
                for i in range(steps):
                    start = time.process_time()
                    fn()
                    if i >= settle:
                        times[name].append(time.process_time() - start)
    finally:
        gc.enable()
    return {name: statistics.median(times[name]) if name in times else None for name in fns}


def fastest_seconds(fn: Callable[[], Any], repeat: int, warmup: int = 3, number: int = 1
                    ) -> float:
    """The fastest batch instead of the median (else as ``median_seconds``): on a loaded
    machine, the figure other processes disturb least, for comparing two engines run in turn."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.thread_time()
            for _ in range(number):
                fn()
            best = min(best, (time.thread_time() - start) / number)
    finally:
        gc.enable()
    return best


def torch_or_none() -> Any:
    """PyTorch on one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def print_table(title: str, unit: str, rows: list[tuple[str, float | None]],
                reference: str, also: str | None = None) -> None:
    """One line per library: its figure and its ratio to ``reference``'s (and to ``also``'s,
    when given: a target set against another library)."""
    figures = dict(rows)
    print(title)
    for name, value in rows:
        if value is None:
            print(f"  {name:<12} {'not run':>12}")
            continue
        ratios = [f"{value / figures[ref]:6.2f} x {ref}" for ref in (reference, also)
                  if ref is not None and figures.get(ref)]
        print(f"  {name:<12} {value:10.2f} {unit}  " + "  ".join(ratios))
