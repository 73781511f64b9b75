"""nll_loss's shortcuts and its array VJP on inputs the catalog's samples do not reach.

The catalog samples ``nll_loss`` with ``ignore_index=-100``, which no class equals: its forward
and weights take their no-row-ignored shortcut there. Here rows are ignored too (some, all,
none), and the array VJP a backward that records nothing runs is held to the VJP on tensors,
bit for bit. ``test_array_vjps`` runs every array VJP on the catalog's samples and special
values.
"""

from __future__ import annotations

import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as F
from symgrad.autograd import graph

TARGETS = {"none ignored": [0, 2, 1, 2], "some ignored": [1, 2, 1, 0],
           "all ignored": [1, 1, 1, 1]}


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint64 if a.dtype == np.float64 else np.uint32)


def _no_fallback(self: graph.Node, g: np.ndarray) -> None:
    raise AssertionError(f"{self.name()} fell back to its VJP on tensors")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("targets", TARGETS)
def test_nll_array_vjp_gives_the_vjps_bits_with_ignored_rows(targets: str, reduction: str,
                                                             dtype: str) -> None:
    rng = np.random.default_rng(3)
    logp = symgrad.tensor(rng.standard_normal((4, 3)), dtype=getattr(symgrad, dtype),
                          requires_grad=True)
    loss = F.nll_loss(logp, symgrad.tensor(TARGETS[targets]), reduction=reduction, ignore_index=1)
    g = rng.standard_normal(tuple(loss.shape)).astype(dtype)
    with symgrad.no_grad():
        on_tensors, _ = loss.grad_fn.apply(symgrad.tensor(g))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(graph.Node, "_apply_as_tensors", _no_fallback)
        on_arrays, none = loss.grad_fn.apply_arrays(g.copy())
    assert none is None
    assert on_arrays.dtype == on_tensors._data.dtype and on_arrays.shape == (4, 3)
    assert np.array_equal(_bits(on_arrays), _bits(on_tensors._data))


@pytest.mark.parametrize("targets", TARGETS)
def test_nll_loss_ignores_rows_as_pytorch(targets: str) -> None:
    # The forward's shortcut (no row ignored) and its masked way, against PyTorch's values.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    t = np.array(TARGETS[targets])
    for reduction in ("mean", "sum", "none"):
        ours = F.nll_loss(symgrad.tensor(x), symgrad.tensor(t), reduction=reduction, ignore_index=1)
        theirs = torch.nn.functional.nll_loss(torch.tensor(x), torch.tensor(t),
                                              reduction=reduction, ignore_index=1)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, equal_nan=True)


def test_a_saved_integer_input_that_takes_a_gradient_keeps_the_vjp_on_tensors() -> None:
    # Only saved inputs no gradient flows to (nll_loss's classes) reach an array VJP in their
    # own dtype. mul's int64 operand takes part in the product: PyTorch converts it to float32
    # first (2**24 + 1 becomes 2**24), where NumPy's float32 * int64 would compute in float64.
    x = symgrad.tensor([1.0], requires_grad=True)
    (x * symgrad.tensor([2**24 + 1])).backward(symgrad.tensor([3.0]))
    assert x.grad.tolist() == [float(np.float32(2**24) * np.float32(3))]


def _same_bits(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """Equal values, zeros of the same sign, NaNs at the same places."""
    return (ours.shape == theirs.shape and np.array_equal(np.isnan(ours), np.isnan(theirs))
            and np.array_equal(np.signbit(ours), np.signbit(theirs))
            and np.array_equal(np.nan_to_num(ours), np.nan_to_num(theirs)))


@pytest.mark.parametrize("create_graph", [False, True], ids=["on arrays", "on tensors"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("targets", TARGETS)
@pytest.mark.parametrize("seed", [[np.inf, -2.0, np.nan, -0.0], [-1.0, -3.0, 0.5, np.inf]],
                         ids=["inf nan", "negative"])
def test_nll_loss_gradient_is_zero_off_the_targets_whatever_it_meets(
        seed: list[float], targets: str, reduction: str, create_graph: bool) -> None:
    # d loss / d logp is an exact zero off the target classes: PyTorch writes the gradient
    # into zeros there, so an infinite, NaN or negative gradient leaves +0, not NaN or -0 (a
    # product with zeros gave both).
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32)
    t = np.array(TARGETS[targets])
    g = np.array(seed if reduction == "none" else seed[:1], np.float32).reshape(
        (4,) if reduction == "none" else ())
    grads = []
    for lib in (symgrad, torch):
        logp = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.nll_loss(logp, lib.tensor(t), reduction=reduction,
                                          ignore_index=1)
        (grad,) = lib.autograd.grad(loss, logp, lib.tensor(g), create_graph=create_graph)
        grads.append(grad.detach().numpy())
    assert _same_bits(*grads), grads


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_of_one_sample_gradient_is_zero_off_its_target(reduction: str) -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (symgrad, torch):
        logp = lib.tensor([0.1, 0.2, 0.3], requires_grad=True)
        loss = lib.nn.functional.nll_loss(logp, lib.tensor(1), reduction=reduction)
        loss.backward(lib.tensor(-3.0))
        grads.append(logp.grad.numpy())
    assert _same_bits(*grads), grads
