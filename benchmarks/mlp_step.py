"""One training step of an MLP 784-256-256-10 on a batch of 64: symgrad vs torch vs NumPy.

A step is forward (two ReLU layers, then cross-entropy over class indices), backward, and a
plain SGD update of the six parameters. symgrad is skipped, with the reason, when an op the
step needs (``matmul``, ``relu``, ``cross_entropy``) is not there yet.

    python benchmarks/mlp_step.py

The target: symgrad at most 1.2 x NumPy by hand. Two figures per library: the three taking
turns step by step, through every order (``_timing.interleaved_medians``: each step follows
another library's, whose work has evicted its code and data from the caches), and in a loop,
each library's steps back to back in blocks that take turns (``_timing.looped_medians``: a
training loop's steady state).

A fourth row, ``numpy, exact``, is NumPy by hand with the loss's gradient computed by symgrad's
own kernels (exact log-softmax; 1 - p at the largest logit by expm1, where softmax - one-hot
gives 0 for a confident right answer): symgrad's arithmetic without its graph. It splits
symgrad's ratio to NumPy by hand into what the exact loss costs and what the engine's
bookkeeping costs.

A fifth, ``featureless``, is the same arithmetic recorded and run backward by
``minimal_engine.py``, the least a reverse-mode engine in Python does (a closure per op, a
topological walk; no dtype rules, version counters, hooks or grad modes): the floor for an
engine written in Python, which the target leaves symgrad's features to share.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, looped_medians, print_table, torch_or_none  # noqa: E402, I001 - first: pins BLAS threads

import minimal_engine  # noqa: E402
import numpy as np  # noqa: E402

import symgrad  # noqa: E402
from symgrad.ops.registry import REGISTRY  # noqa: E402

SIZES = (784, 256, 256, 10)
BATCH = 64
LR = 0.01
# Rounds, each through the next order of the four (``interleaved_medians``), five times through
# the 24: medians of 20 moved by 0.05-0.1 from run to run on a 2-core VM.
REPEAT = 120
# A training loop's steady state: each step follows one of its own kind.
BLOCKS, BLOCK_STEPS, SETTLE = 24, 10, 2
RNG = np.random.default_rng(0)
INPUTS = RNG.standard_normal((BATCH, SIZES[0])).astype(np.float32)
TARGETS = RNG.integers(0, SIZES[-1], BATCH)
PARAMS = [a for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False)
          for a in ((RNG.uniform(-1, 1, (fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32),
                    np.zeros(fan_out, np.float32))]


def make_step(lib: object, functional: object) -> object:
    params = [lib.tensor(p.copy(), requires_grad=True) for p in PARAMS]
    x, y = lib.tensor(INPUTS), lib.tensor(TARGETS)

    def step() -> None:
        h = x
        for k in range(0, len(params) - 2, 2):
            h = functional.relu(h @ params[k] + params[k + 1])
        loss = functional.cross_entropy(h @ params[-2] + params[-1], y)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None

    step.params = params  # type: ignore[attr-defined] - read by tests/test_mlp_benchmark.py
    return step


def _loss_gradient(logits: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """The mean cross-entropy's gradient at the logits, as one writes it: softmax - one-hot."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    return (probs - onehot) / BATCH


def _exact_log_softmax(logits: np.ndarray) -> tuple[np.ndarray, object]:
    """log_softmax over the classes by symgrad's own kernel (exact to the last bit), and its
    VJP (forming 1 - p at the largest logit by expm1), with no graph."""
    out = REGISTRY["log_softmax"].forward(logits, dim=1)
    return out, lambda g: REGISTRY["log_softmax"].array_vjp[1](g, out, dim=1)


def _exact_nll(log_probs: np.ndarray) -> tuple[np.ndarray, object]:
    """The mean negative log-likelihood of ``TARGETS`` by symgrad's kernel, and its VJP."""
    nll = REGISTRY["nll_loss"]
    loss = nll.forward(log_probs, TARGETS, reduction="mean", ignore_index=-100)
    return loss, lambda g: nll.array_vjp[1](g, log_probs, TARGETS, reduction="mean",
                                            ignore_index=-100, self_shape=log_probs.shape)[0]


def _exact_loss_gradient(logits: np.ndarray, _onehot: np.ndarray) -> np.ndarray:
    """The same gradient by symgrad's own kernels, with no graph: the loss's value and its
    gradient as ``cross_entropy`` computes them."""
    out, log_softmax_vjp = _exact_log_softmax(logits)
    loss, nll_vjp = _exact_nll(out)
    return log_softmax_vjp(nll_vjp(np.ones_like(loss)))


def make_numpy_step(exact: bool = False) -> object:
    """NumPy by hand's step; with ``exact``, its loss's gradient by symgrad's kernels (the
    ``numpy, exact`` row: symgrad's arithmetic, the engine's bookkeeping left out)."""
    params = [p.copy() for p in PARAMS]
    onehot = np.eye(SIZES[-1], dtype=np.float32)[TARGETS]
    loss_gradient = _exact_loss_gradient if exact else _loss_gradient

    def step() -> None:
        acts = [INPUTS]
        for k in range(0, len(params) - 2, 2):
            acts.append(np.maximum(acts[-1] @ params[k] + params[k + 1], 0))
        g = loss_gradient(acts[-1] @ params[-2] + params[-1], onehot)
        for k in range(len(params) - 2, -1, -2):
            a = acts[k // 2]
            gw, gb = a.T @ g, g.sum(axis=0)
            if k:
                g = (g @ params[k].T) * (a > 0)
            params[k] -= LR * gw
            params[k + 1] -= LR * gb

    step.params = params  # type: ignore[attr-defined] - read by tests/test_mlp_benchmark.py
    return step


def make_featureless_step() -> object:
    """The step on ``minimal_engine``: symgrad's arithmetic (its loss's kernels, as ``numpy,
    exact`` has them), recorded and run backward with nothing else an engine does."""
    params = [minimal_engine.tensor(p.copy(), requires_grad=True) for p in PARAMS]
    x = minimal_engine.tensor(INPUTS)

    def cross_entropy(logits: minimal_engine.Tensor) -> minimal_engine.Tensor:
        out, log_softmax_vjp = _exact_log_softmax(logits.data)
        log_probs = minimal_engine.node(out, (logits,), lambda g: (log_softmax_vjp(g),))
        loss, nll_vjp = _exact_nll(out)
        return minimal_engine.node(loss, (log_probs,), lambda g: (nll_vjp(g),))

    def step() -> None:
        h = x
        for k in range(0, len(params) - 2, 2):
            h = (h @ params[k] + params[k + 1]).relu()
        cross_entropy(h @ params[-2] + params[-1]).backward()
        for p in params:
            p.data -= LR * p.grad
            p.grad = None

    step.params = [p.data for p in params]  # type: ignore[attr-defined] - read by the tests
    return step


def _symgrad_step() -> tuple[object | None, str]:
    try:
        import symgrad.nn.functional as functional
    except ImportError as e:
        return None, f"symgrad.nn.functional is missing ({e})"
    missing = [n for n in ("relu", "cross_entropy") if not hasattr(functional, n)]
    if missing or not hasattr(symgrad, "matmul"):
        return None, f"symgrad lacks {missing or ['matmul']}"
    step = make_step(symgrad, functional)
    try:
        step()
    except Exception as e:  # noqa: BLE001 - reported, and the other figures still print
        return None, f"symgrad step failed: {type(e).__name__}: {e}"
    return step, ""


def main() -> None:
    torch = torch_or_none()
    sym_step, why = _symgrad_step()
    if sym_step is None:
        print(f"symgrad skipped: {why}")
    torch_step = make_step(torch, torch.nn.functional) if torch is not None else None
    steps = {"symgrad": sym_step, "torch": torch_step, "numpy": make_numpy_step(),
             "numpy, exact": make_numpy_step(exact=True), "featureless": make_featureless_step()}
    title = f"MLP {'-'.join(map(str, SIZES))} step, batch {BATCH}"
    reference, also = ("torch", "numpy") if torch is not None else ("numpy", None)
    for how, figures in (
            (f"median of {REPEAT}, the libraries in turn step by step",
             interleaved_medians(steps, REPEAT)),
            (f"in a loop: {BLOCKS} blocks of {BLOCK_STEPS} steps of one library (the first "
             f"{SETTLE} of each left out), the libraries in turn block by block",
             looped_medians(steps, BLOCKS, BLOCK_STEPS, SETTLE))):
        rows = [(name, None if f is None else f * 1e3) for name, f in figures.items()]
        print_table(f"{title}, {how}:", "ms", rows, reference, also=also)
        if figures["symgrad"] is not None:
            exact, by_hand = figures["numpy, exact"], figures["numpy"]
            print(f"  the exactness: numpy, exact = {exact / by_hand:.2f} x numpy; the engine: "
                  f"symgrad = {figures['symgrad'] / exact:.2f} x numpy, exact; a featureless "
                  f"engine = {figures['featureless'] / exact:.2f} x numpy, exact")


if __name__ == "__main__":
    main()
