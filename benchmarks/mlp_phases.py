"""Where the MLP step's time goes: ``mlp_step.py``'s step split into phases, symgrad beside
NumPy by hand, taking turns with PyTorch's step as in ``mlp_step.py``.

Phases: the layers' forward (products, bias adds, ReLUs), the loss (symgrad: cross-entropy's
forward; NumPy: the loss's forward and its gradient, which NumPy by hand forms there), and the
rest (backward and update). A fourth step is symgrad's with NumPy's loss by hand in place of
cross-entropy (its gradient fed to ``logits.backward``): how much of the gap the loss is.

    python benchmarks/mlp_phases.py            # 300 rounds
    python benchmarks/mlp_phases.py 1000
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import numpy as np  # noqa: E402

import mlp_step  # noqa: E402
import symgrad  # noqa: E402
import symgrad.nn.functional as F  # noqa: E402

Phases = dict[str, float]


def symgrad_step(numpy_loss: bool = False) -> Callable[[], Phases]:
    """symgrad's step, timed by phase; with ``numpy_loss``, the loss is NumPy's by hand."""
    params = [symgrad.tensor(p.copy(), requires_grad=True) for p in mlp_step.PARAMS]
    x, y = symgrad.tensor(mlp_step.INPUTS), symgrad.tensor(mlp_step.TARGETS)
    onehot = np.eye(mlp_step.SIZES[-1], dtype=np.float32)[mlp_step.TARGETS]

    def step() -> Phases:
        t0 = time.perf_counter()
        h = x
        for k in range(0, len(params) - 2, 2):
            h = F.relu(h @ params[k] + params[k + 1])
        logits = h @ params[-2] + params[-1]
        t1 = time.perf_counter()
        if numpy_loss:
            grad = symgrad.tensor(mlp_step._loss_gradient(logits.detach().numpy(), onehot))
            t2 = time.perf_counter()
            logits.backward(grad)
        else:
            loss = F.cross_entropy(logits, y)
            t2 = time.perf_counter()
            loss.backward()
        with symgrad.no_grad():
            for p in params:
                p -= mlp_step.LR * p.grad
                p.grad = None
        t3 = time.perf_counter()
        return {"layers": t1 - t0, "loss": t2 - t1, "backward + update": t3 - t2,
                "step": t3 - t0}

    return step


def numpy_step() -> Callable[[], Phases]:
    """mlp_step's NumPy step by hand, timed by phase."""
    params = [p.copy() for p in mlp_step.PARAMS]
    onehot = np.eye(mlp_step.SIZES[-1], dtype=np.float32)[mlp_step.TARGETS]

    def step() -> Phases:
        t0 = time.perf_counter()
        acts = [mlp_step.INPUTS]
        for k in range(0, len(params) - 2, 2):
            acts.append(np.maximum(acts[-1] @ params[k] + params[k + 1], 0))
        logits = acts[-1] @ params[-2] + params[-1]
        t1 = time.perf_counter()
        g = mlp_step._loss_gradient(logits, onehot)
        t2 = time.perf_counter()
        for k in range(len(params) - 2, -1, -2):
            a = acts[k // 2]
            gw, gb = a.T @ g, g.sum(axis=0)
            if k:
                g = (g @ params[k].T) * (a > 0)
            params[k] -= mlp_step.LR * gw
            params[k + 1] -= mlp_step.LR * gb
        t3 = time.perf_counter()
        return {"layers": t1 - t0, "loss": t2 - t1, "backward + update": t3 - t2,
                "step": t3 - t0}

    return step


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    torch = torch_or_none()
    steps = {"symgrad": symgrad_step(), "numpy": numpy_step(),
             "symgrad, numpy's loss": symgrad_step(numpy_loss=True)}
    others = [mlp_step.make_step(torch, torch.nn.functional)] if torch is not None else []
    times: dict[str, dict[str, list[float]]] = {name: {} for name in steps}
    gc.disable()
    try:
        for _ in range(rounds):
            for name, step in steps.items():
                for phase, seconds in step().items():
                    times[name].setdefault(phase, []).append(seconds)
                for other in others:  # PyTorch's step between, as in mlp_step.py
                    other()
    finally:
        gc.enable()
    print(f"MLP step by phase, medians of {rounds} rounds in turn"
          f"{' with PyTorch' if others else ''}, us:")
    print(f"  {'phase':20s}" + "".join(f"{name:>24s}" for name in steps))
    for phase in times["symgrad"]:
        print(f"  {phase:20s}" + "".join(
            f"{statistics.median(times[name][phase]) * 1e6:24.1f}" for name in steps))
    step = [statistics.median(times[name]["step"]) for name in steps]
    print(f"  step / numpy's: symgrad {step[0] / step[1]:.3f}, with numpy's loss "
          f"{step[2] / step[1]:.3f}")


if __name__ == "__main__":
    main()
