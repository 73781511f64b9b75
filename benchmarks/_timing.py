"""Shared timing helpers for the benchmark scripts: medians of repeated runs, one table.

Importing this module pins NumPy's BLAS to one thread (before NumPy loads), as PyTorch is
pinned by ``torch_or_none``: every figure is for one thread.
"""

from __future__ import annotations

import gc
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
                reference: str) -> None:
    """One line per library: its figure and its ratio to ``reference``'s."""
    ref = dict(rows).get(reference)
    print(title)
    for name, value in rows:
        if value is None:
            print(f"  {name:<10} {'not run':>12}")
            continue
        ratio = f"{value / ref:6.2f} x {reference}" if ref else ""
        print(f"  {name:<10} {value:10.2f} {unit}  {ratio}")
