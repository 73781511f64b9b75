"""Spectral normalisation (``nn.utils.spectral_norm``, the legacy hook, and
``nn.utils.parametrizations.spectral_norm``) and ``parametrizations.orthogonal``, against
PyTorch: the same program run with ``lib`` bound to torch and to symgrad, from the same seed,
gives the same random vectors, values, gradients, buffers, names and errors.

Float32 values are compared at rtol 1e-6 where only the random draws and one normalisation
stand between them (u and v at registration), 1e-5 after matrix products (summation order).
``orthogonal`` is compared in float64: PyTorch's float32 ``matrix_exp`` of these skew matrices
is up to 5e-6 off the float64 value where symgrad's is within 3e-8 (tests/test_linalg_more.py
holds symgrad's to mpmath), which a float32 comparison would blame on the parametrization.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad
from symgrad.testing.as_torch import as_torch

torch = pytest.importorskip("torch")

from test_parametrize import _both  # noqa: E402

torch.set_num_threads(1)
LIBS = (torch, symgrad)


def _array(t: Any) -> np.ndarray:
    return t.detach().numpy().copy()


def _close(got: dict[str, np.ndarray], expected: dict[str, np.ndarray], rtol: float,
           exact: tuple[str, ...] = (), exact_rtol: float = 1e-6) -> None:
    """Each entry of ``got`` equal to ``expected``'s: to ``exact_rtol`` for the names in
    ``exact``, else to ``rtol`` (an absolute floor of ``rtol`` times the entry's largest
    element, where a product's rounding leaves a small element less precise)."""
    assert list(got) == list(expected)
    for name, want in expected.items():
        tol = exact_rtol if name in exact else rtol
        atol = 0.0 if name in exact else tol * float(np.abs(want).max(initial=0.0))
        np.testing.assert_allclose(got[name], want, rtol=tol, atol=atol, err_msg=name)


def _errors(lib: Any, calls: list[Callable[[Any], Any]]) -> list[tuple[str, str]]:
    """Each call's exception, by class name and message."""
    caught = []
    for call in calls:
        with pytest.raises(Exception) as info:
            call(lib)
        caught.append((type(info.value).__name__, str(info.value)))
    return caught


# -- the legacy hook ----------------------------------------------------------------------------
LAYERS: dict[str, tuple[Callable[[Any], Any], tuple[int, ...]]] = {
    "linear": (lambda nn: nn.Linear(5, 4), (3, 5)),
    "conv2d": (lambda nn: nn.Conv2d(2, 3, 2), (1, 2, 4, 4)),
    "conv_transpose2d": (lambda nn: nn.ConvTranspose2d(2, 3, 2), (1, 2, 3, 3)),  # dim 1
    "conv1d_dim1": (lambda nn: nn.Conv1d(2, 3, 2), (1, 2, 4)),
}


def _legacy(lib: Any, layer: str, n_power_iterations: int) -> dict[str, np.ndarray]:
    """u and v drawn, three training forwards, a gradient, an eval forward, the removal."""
    make, x_shape = LAYERS[layer]
    lib.manual_seed(0)
    dim = 1 if layer == "conv1d_dim1" else None
    m = lib.nn.utils.spectral_norm(make(lib.nn), n_power_iterations=n_power_iterations,
                                   dim=dim)
    got = {"u0": _array(m.weight_u), "v0": _array(m.weight_v)}
    x = lib.randn(*x_shape)
    for i in range(3):
        y = m(x)
        got |= {f"y{i}": _array(y), f"u{i + 1}": _array(m.weight_u),
                f"v{i + 1}": _array(m.weight_v), f"weight{i}": _array(m.weight)}
    (y ** 2).sum().backward()
    got["weight_orig.grad"] = _array(m.weight_orig.grad)
    m.eval()
    got |= {"eval": _array(m(x)), "eval_u": _array(m.weight_u)}
    lib.nn.utils.remove_spectral_norm(m)
    got["removed"] = _array(m.weight)
    return got


@pytest.mark.parametrize("n_power_iterations", [1, 3])
@pytest.mark.parametrize("layer", list(LAYERS))
def test_legacy_spectral_norm_values_and_gradients_match_pytorch(
        layer: str, n_power_iterations: int) -> None:
    expected, got = (_legacy(lib, layer, n_power_iterations) for lib in LIBS)
    _close(got, expected, 1e-5, exact=("u0", "v0"))


def _legacy_stepped(lib: Any) -> dict[str, np.ndarray]:
    """The random u and v, and both after one training forward."""
    lib.manual_seed(0)
    m = lib.nn.Linear(2, 2, bias=False)
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[2.0, 1.0], [1.0, 3.0]]))
    m = lib.nn.utils.spectral_norm(m)
    got = {"u0": _array(m.weight_u), "v0": _array(m.weight_v)}
    m(lib.ones(1, 2))
    return got | {"u": _array(m.weight_u), "v": _array(m.weight_v), "w": _array(m.weight)}


def test_legacy_power_iteration_updates_v_from_u_first() -> None:
    # One step from the random vectors (far from converged): v from u, then u from v, as
    # PyTorch; the other order gives another u, v and sigma.
    expected, got = (_legacy_stepped(lib) for lib in LIBS)
    _close(got, expected, 1e-6)
    W = np.array([[2.0, 1.0], [1.0, 3.0]])
    v = W.T @ got["u0"]
    v /= np.linalg.norm(v)
    u = W @ v
    u /= np.linalg.norm(u)
    np.testing.assert_allclose(got["v"], v, rtol=1e-6)
    np.testing.assert_allclose(got["u"], u, rtol=1e-6)
    np.testing.assert_allclose(got["w"], W / (u @ W @ v), rtol=1e-6)


def _spectral_norm(lib: Any, form: str) -> Callable[[Any], Any]:
    return (lib.nn.utils.spectral_norm if form == "legacy"
            else lib.nn.utils.parametrizations.spectral_norm)


@pytest.mark.parametrize("form", ["legacy", "parametrized"])
def test_backward_through_two_forwards_as_pytorch(form: str) -> None:
    # A GAN's D(real) - D(fake): the second forward writes u and v in place, which must not
    # reach the first forward's graph (it holds copies).
    def run(lib: Any) -> dict[str, np.ndarray]:
        lib.manual_seed(3)
        d = _spectral_norm(lib, form)(lib.nn.Linear(3, 2))
        loss = d(lib.randn(4, 3)).mean() - d(lib.randn(4, 3)).mean()
        loss.backward()
        return {"loss": _array(loss), "grad": _array(d.weight_orig.grad if form == "legacy"
                                                     else d.parametrizations.weight.original.grad)}

    expected, got = (run(lib) for lib in LIBS)
    _close(got, expected, 1e-5)


def test_legacy_state_dict_keys_and_loading_as_pytorch() -> None:
    def run(lib: Any) -> tuple[list[str], list[str], list[str], np.ndarray]:
        lib.manual_seed(1)
        a = lib.nn.utils.spectral_norm(lib.nn.Linear(3, 2))
        a(lib.randn(2, 3))
        b = lib.nn.utils.spectral_norm(lib.nn.Linear(3, 2)).eval()
        b.load_state_dict(a.state_dict())
        names = [n for n, _ in b.named_parameters()], [n for n, _ in b.named_buffers()]
        return list(a.state_dict()), *names, _array(b(lib.ones(1, 3)))

    (*names, value), (*our_names, ours) = (run(lib) for lib in LIBS)
    assert our_names == names == [["bias", "weight_orig", "weight_u", "weight_v"],
                                  ["bias", "weight_orig"], ["weight_u", "weight_v"]]
    np.testing.assert_allclose(ours, value, rtol=1e-5)


# -- the parametrization ------------------------------------------------------------------------
def _close_singular_values(lib: Any) -> Any:
    """A float32 4x3 weight with singular values 1, 0.97, 0.3: 15 power steps leave u and v
    far from converged (0.97^30 = 0.4), so their values depend on the order of the steps."""
    rng = np.random.default_rng(5)
    U, _ = np.linalg.qr(rng.standard_normal((4, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    return lib.tensor((U * [1.0, 0.97, 0.3]) @ V.T, dtype=lib.float32)


def _parametrized(lib: Any, layer: str, n_power_iterations: int) -> dict[str, np.ndarray]:
    """u, v at registration; three training forwards; the gradient; eval; the removal."""
    make, x_shape = LAYERS[layer]
    lib.manual_seed(0)
    if layer == "linear":
        m, x_shape = lib.nn.Linear(3, 4), (3, 3)
        with lib.no_grad():
            m.weight.copy_(_close_singular_values(lib))
    else:
        m = make(lib.nn)
    dim = 1 if layer == "conv1d_dim1" else None
    lib.nn.utils.parametrizations.spectral_norm(m, n_power_iterations=n_power_iterations,
                                                dim=dim)
    sn = m.parametrizations.weight[0]
    got = {"u0": _array(sn._u), "v0": _array(sn._v)}
    x = lib.randn(*x_shape)
    for i in range(3):
        y = m(x)
        got |= {f"y{i}": _array(y), f"u{i + 1}": _array(sn._u), f"v{i + 1}": _array(sn._v)}
    (y ** 2).sum().backward()
    got["original.grad"] = _array(m.parametrizations.weight.original.grad)
    m.eval()
    got |= {"eval": _array(m(x)), "eval_u": _array(sn._u), "weight": _array(m.weight)}
    lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
    got["removed"] = _array(m.weight)
    return got


@pytest.mark.parametrize("n_power_iterations", [1, 2])
@pytest.mark.parametrize("layer", list(LAYERS))
def test_parametrized_spectral_norm_values_and_gradients_match_pytorch(
        layer: str, n_power_iterations: int) -> None:
    expected, got = (_parametrized(lib, layer, n_power_iterations) for lib in LIBS)
    _close(got, expected, 1e-5)


@pytest.mark.parametrize("size", [5, 20])  # PyTorch draws 16 or more in another way
def test_parametrized_vectors_start_from_pytorchs_draws(size: int) -> None:
    # W = 2 I: each power step gives u = v exactly, so after registration's steps both are
    # the normalised draw of v (drawn after u's): PyTorch's random stream, element for element.
    def drawn(lib: Any) -> dict[str, np.ndarray]:
        m = lib.nn.Linear(size, size)
        with lib.no_grad():
            m.weight.copy_(2 * lib.eye(size))
        lib.manual_seed(7)
        sn = lib.nn.utils.parametrizations.spectral_norm(m).parametrizations.weight[0]
        return {"u": _array(sn._u), "v": _array(sn._v)}

    expected, got = (drawn(lib) for lib in LIBS)
    _close(got, expected, 1e-6, exact=("u", "v"))
    torch.manual_seed(7)
    torch.empty(size).normal_()
    v0 = torch.empty(size).normal_().numpy().astype(np.float64)
    np.testing.assert_allclose(got["v"], v0 / np.linalg.norm(v0), rtol=1e-6)


def test_parametrized_state_dict_keys_and_eval_as_pytorch() -> None:
    def run(lib: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
        lib.manual_seed(2)
        a = lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(3, 2))
        b = lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(3, 2)).eval()
        b.load_state_dict(a.state_dict())
        u = _array(b.parametrizations.weight[0]._u)
        out = _array(b(lib.ones(1, 3)))
        assert (_array(b.parametrizations.weight[0]._u) == u).all()  # eval: no step
        return list(a.state_dict()), u, out

    (keys, *values), (our_keys, *ours) = (run(lib) for lib in LIBS)
    assert our_keys == keys == ["bias", "parametrizations.weight.original",
                                "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
    for mine, theirs in zip(ours, values, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5)


# -- orthogonal ---------------------------------------------------------------------------------
SHAPES = [(4, 4), (5, 3), (3, 5), (2, 3, 3)]
MAPS = [None, "matrix_exp", "cayley", "householder"]


def _orthogonal(lib: Any, shape: tuple[int, ...], orthogonal_map: str | None,
                use_trivialization: bool) -> dict[str, np.ndarray]:
    """The registered tensors, the weight, a gradient, and an assignment (where possible)."""
    lib.manual_seed(0)
    m = lib.nn.Module()
    m.register_parameter("weight", lib.nn.Parameter(lib.randn(*shape, dtype=lib.float64)))
    lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=orthogonal_map,
                                             use_trivialization=use_trivialization)
    chain = m.parametrizations.weight
    got = {"original": _array(chain.original), "weight": _array(m.weight)}
    if use_trivialization:
        got["base"] = _array(chain[0].base)
    c = lib.tensor(np.random.default_rng(1).standard_normal(shape))
    (m.weight ** 3 * c).sum().backward()
    got["original.grad"] = _array(chain.original.grad)
    if use_trivialization or chain[0].orthogonal_map.name == "householder":
        m.weight = lib.tensor(np.random.default_rng(2).standard_normal(shape))  # QR'd
        got |= {"assigned.original": _array(chain.original), "assigned": _array(m.weight)}
    return got


@pytest.mark.parametrize("use_trivialization", [True, False])
@pytest.mark.parametrize("orthogonal_map", MAPS)
@pytest.mark.parametrize("shape", SHAPES)
def test_orthogonal_values_and_gradients_match_pytorch(
        shape: tuple[int, ...], orthogonal_map: str | None, use_trivialization: bool) -> None:
    expected, got = (_orthogonal(lib, shape, orthogonal_map, use_trivialization)
                     for lib in LIBS)
    _close(got, expected, 1e-9)
    Q = got["weight"]  # every map gives orthonormal columns (rows, if wide)
    QQ = Q.swapaxes(-1, -2) @ Q if Q.shape[-2] >= Q.shape[-1] else Q @ Q.swapaxes(-1, -2)
    np.testing.assert_allclose(QQ, np.broadcast_to(np.eye(QQ.shape[-1]), QQ.shape), atol=1e-12)


def test_orthogonal_keeps_an_orthogonal_matrix_assigned_as_it_is() -> None:
    # An orthogonal matrix (to 10 n eps) is copied into base, not orthogonalised again (which
    # would move its last bits), as PyTorch.
    Q = np.linalg.qr(np.random.default_rng(4).standard_normal((3, 3)))[0]
    for lib in LIBS:
        m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3, dtype=lib.float64))
        m.weight = lib.tensor(Q)
        assert (_array(m.parametrizations.weight[0].base) == Q).all()


def test_orthogonal_default_map_and_names_as_pytorch() -> None:
    def run(lib: Any) -> list[Any]:
        square = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3))
        tall = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 5))
        return [square.parametrizations.weight[0].orthogonal_map.name,
                tall.parametrizations.weight[0].orthogonal_map.name, list(tall.state_dict()),
                [n for n, _ in tall.named_parameters()], square.weight.grad_fn.name(),
                tall.weight.grad_fn.name()]

    expected, got = (run(lib) for lib in LIBS)
    assert got == expected


# -- refusals -----------------------------------------------------------------------------------
def _twice(lib: Any) -> Any:
    m = lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))
    return lib.nn.utils.spectral_norm(m)


def _assign(lib: Any, value: Any, **kwargs: Any) -> None:
    m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), **kwargs)
    m.weight = value(lib)


REFUSALS: list[Callable[[Any], Any]] = [
    lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0),
    lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=-2),
    _twice,
    lambda lib: lib.nn.utils.remove_spectral_norm(lib.nn.Linear(2, 2)),
    lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), name="nope"),
    lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2),
                                                            n_power_iterations=0),
    lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=2),
    lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=-3),
    lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), "nope"),
    lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "bias"),
    lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2), "nope"),
    lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2),
                                                         orthogonal_map="svd"),
    lambda lib: _assign(lib, lambda lib: lib.eye(2)),
    lambda lib: _assign(lib, lambda lib: lib.eye(3), use_trivialization=False),
    lambda lib: _assign(lib, lambda lib: lib.eye(3), orthogonal_map="cayley",
                        use_trivialization=False),
]


def test_refusals_as_pytorchs() -> None:
    expected = _errors(torch, REFUSALS)
    with as_torch():  # messages naming a Size say torch.Size, as the program's library
        got = _errors(symgrad, REFUSALS)
    assert got == expected


# -- a program, as printed ----------------------------------------------------------------------
PROGRAM = """
import torch, torch.nn as nn
from torch.nn.utils import parametrizations as PZ, parametrize as P
torch.manual_seed(0)
m = nn.utils.spectral_norm(nn.Linear(5, 4))
print(m, m.weight_u, m.weight_v, m.weight)
out = m(torch.randn(3, 5))
print(out, m.weight.grad_fn.name(), m.weight_u)
nn.utils.remove_spectral_norm(m)
print(m.weight)
p = PZ.spectral_norm(nn.Linear(5, 4))
print(p, p.parametrizations.weight[0]._u, p.weight.grad_fn.name())
P.remove_parametrizations(p, "weight")
print(type(p).__name__, p.weight)
o = PZ.orthogonal(nn.Linear(3, 5))
print(o, o.parametrizations.weight[0].orthogonal_map, o.parametrizations.weight.original)
print(torch.dist(o.weight.T @ o.weight, torch.eye(3)) < 1e-5)
"""


def test_a_program_prints_as_on_pytorch() -> None:
    expected, got = _both(PROGRAM)
    assert got == expected
