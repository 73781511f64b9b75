"""group_norm, rms_norm, normalize, instance_norm, cosine_similarity, pairwise_distance and
their layers (GroupNorm, RMSNorm, InstanceNorm1d/2d, CosineSimilarity, PairwiseDistance)
against torch 2.13: values in each floating dtype, grad_fn names, gradients to the second
order, PyTorch's errors, reprs, parameters and buffers; group_norm's gradient against mpmath."""

from __future__ import annotations

import warnings
from typing import Any

import mpmath
import numpy as np
import pytest
from call_outcomes import shape_outcome

import symgrad

torch = pytest.importorskip("torch")

DTYPES = ["float64", "float32", "float16", "bfloat16"]
# How close a value of each dtype must be to torch's, relative to the largest magnitude: a few
# units in the last place (symgrad rounds float64 work once; PyTorch rounds each step).
TOL = {"float64": 1e-12, "float32": 2e-6, "float16": 4e-3, "bfloat16": 3e-2}


def numpy_of(t: Any) -> np.ndarray:
    if t is None:
        return np.zeros(())
    t = t.detach()
    if str(t.dtype).endswith("bfloat16"):
        t = t.float()
    return np.asarray(t.numpy(), dtype=np.float64)


def close(a: Any, b: Any, dtype: str) -> None:
    a, b = numpy_of(a), numpy_of(b)
    assert a.shape == b.shape
    scale = max(1.0, float(np.nanmax(np.abs(b), initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL[dtype] * scale, equal_nan=True)


def graph(lib: Any, fn: Any, arrays: list[np.ndarray], dtype: str, seed: int = 0) -> list[Any]:
    """The output, first-order gradients of ``<g, out>`` and the gradient of the squared norm
    of the first input's gradient (a second order), for inputs made from ``arrays``."""
    xs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    g = np.random.default_rng(seed).standard_normal(tuple(out.shape))
    first = lib.autograd.grad(out, xs, lib.tensor(g, dtype=out.dtype), create_graph=True)
    second = lib.autograd.grad((first[0] * first[0]).sum(), xs, allow_unused=True)
    return [out, type(out.grad_fn).__name__, str(out.dtype).split(".")[-1], *first, *second]


def parity(fn: Any, arrays: list[np.ndarray], dtype: str) -> None:
    mine, theirs = graph(symgrad, fn, arrays, dtype), graph(torch, fn, arrays, dtype)
    assert mine[1:3] == theirs[1:3]
    close(mine[0], theirs[0], dtype)
    for a, b in zip(mine[3:], theirs[3:], strict=True):
        # Second-order gradients of float16/bfloat16 compound PyTorch's per-step roundings.
        close(a, b, dtype if dtype in ("float64", "float32") else "bfloat16")


RNG = np.random.default_rng(7)  # import-time draws only; the tests draw from ``rng``
X = RNG.standard_normal((2, 4, 3)) * 2 + 0.5
W, B = RNG.standard_normal(4), RNG.standard_normal(4)
Y = RNG.standard_normal((4, 1))

CASES = {
    "group_norm affine": (lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b),
                          [X, W, B]),
    "group_norm one group": (lambda lib, x: lib.nn.functional.group_norm(x, 1, eps=0.25), [X]),
    "group_norm 4-d": (lambda lib, x, w: lib.nn.functional.group_norm(x.reshape(2, 4, 3, 1), 4,
                                                                       w), [X, W]),
    "rms_norm": (lambda lib, x: lib.nn.functional.rms_norm(x, (3,)), [X]),
    "rms_norm weight": (lambda lib, x, w: lib.nn.functional.rms_norm(x, (4, 3), w, 1e-3),
                        [X, RNG.standard_normal((4, 3))]),
    "normalize": (lambda lib, x: lib.nn.functional.normalize(x), [X]),
    "normalize p=1 last": (lambda lib, x: lib.nn.functional.normalize(x, 1.0, -1), [X]),
    "normalize dims": (lambda lib, x: lib.nn.functional.normalize(x, 3.0, (1, 2)), [X]),
    "cosine_similarity": (lambda lib, x, y: lib.nn.functional.cosine_similarity(x, y), [X, Y]),
    "cosine_similarity dim -1": (lambda lib, x, y: lib.cosine_similarity(x, y, -1),
                                 [X, X[::-1].copy()]),
    "pairwise_distance": (lambda lib, x, y: lib.nn.functional.pairwise_distance(x, y),
                          [X, Y[:3, 0]]),
    "pairwise_distance p=3 keepdim": (
        lambda lib, x, y: lib.nn.functional.pairwise_distance(x, y, 3.0, 1e-3, True), [X, X / 2]),
    "pairwise_distance p=1.5": (
        lambda lib, x, y: lib.nn.functional.pairwise_distance(x, y, 1.5), [X[0], X[1]]),
    "instance_norm": (lambda lib, x: lib.nn.functional.instance_norm(x), [X]),
    "instance_norm affine": (lambda lib, x, w, b: lib.nn.functional.instance_norm(
        x, weight=w, bias=b, eps=0.5), [X, W, B]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_names_and_gradients_to_second_order(case, dtype):
    fn, arrays = CASES[case]
    parity(fn, arrays, dtype)


def test_rms_norm_half_inputs_computed_in_float32_with_float32_eps():
    # 1e-4 squared is below float16's epsilon: float32's eps (1.2e-7) is added, not float16's.
    for lib in (symgrad, torch):
        x = lib.full((1, 3), 1e-4, dtype=lib.float16)
        out = lib.nn.functional.rms_norm(x, (3,))
        assert out.dtype == lib.float16
    mine = symgrad.nn.functional.rms_norm(symgrad.full((1, 3), 1e-4, dtype=symgrad.float16), (3,))
    theirs = torch.nn.functional.rms_norm(torch.full((1, 3), 1e-4, dtype=torch.float16), (3,))
    assert numpy_of(mine).tolist() == numpy_of(theirs).tolist()


@pytest.mark.parametrize(("x", "w"), [("float16", "float32"), ("float32", "float64"),
                                      ("float64", "float32"), ("bfloat16", "bfloat16")])
def test_rms_norm_mixed_weight_dtypes(x, w):
    def call(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lib.nn.functional.rms_norm(lib.tensor(X, dtype=getattr(lib, x)), (3,),
                                              lib.tensor(X[0, 0], dtype=getattr(lib, w)))
    assert shape_outcome(call, symgrad) == shape_outcome(call, torch)


def test_cosine_similarity_of_a_zero_vector_clamps_its_norm_only_in_value():
    # The norm is clamped in place outside the graph: the value is 0 and the gradient the
    # unclamped quotient's (0 for the zero vector, finite for the other).
    for lib in (symgrad, torch):
        a = lib.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
        b = lib.tensor([[1.0, 1.0], [3.0, -1.0]], requires_grad=True)
        out = lib.nn.functional.cosine_similarity(a, b)
        out.sum().backward()
    mine = [symgrad.nn.functional.cosine_similarity(symgrad.tensor([[0.0, 0.0]]),
                                                    symgrad.tensor([[1.0, 1.0]])).item()]
    assert mine == [0.0]
    sa = symgrad.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    ta = torch.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    for lib, a in ((symgrad, sa), (torch, ta)):
        lib.nn.functional.cosine_similarity(a, lib.tensor([[1.0, 1.0], [3.0, -1.0]])).sum(
            ).backward()
    close(sa.grad, ta.grad, "float32")


ERRORS = {
    "group_norm groups": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 3),
    "group_norm weight": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 2,
                                                                  lib.ones(3)),
    "group_norm bias": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 2,
                                                                lib.ones(4), lib.ones(3)),
    "group_norm bias alone": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 2,
                                                                      None, lib.ones(3)),
    "group_norm weight 2-d": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, 3), 2,
                                                                      lib.ones(2, 2)),
    "group_norm integers": lambda lib: lib.nn.functional.group_norm(
        lib.ones(2, 4, 3, dtype=lib.int64), 2),
    "group_norm bool": lambda lib: lib.nn.functional.group_norm(
        lib.ones(2, 4, dtype=lib.bool), 2),
    "group_norm 1-d": lambda lib: lib.nn.functional.group_norm(lib.ones(4), 2),
    "group_norm one value": lambda lib: lib.nn.functional.group_norm(lib.ones(1, 2), 2),
    "group_norm one value 3-d": lambda lib: lib.nn.functional.group_norm(lib.ones(1, 2, 1), 2),
    "group_norm zero groups": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4), 0),
    "group_norm negative groups": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4), -2),
    "group_norm mixed half": lambda lib: lib.nn.functional.group_norm(
        lib.ones(2, 4, dtype=lib.float16), 2, lib.ones(4), lib.zeros(4)),
    "group_norm mixed bias": lambda lib: lib.nn.functional.group_norm(
        lib.ones(2, 4, dtype=lib.float16), 2, None, lib.zeros(4)),
    "group_norm double weight": lambda lib: lib.nn.functional.group_norm(
        lib.ones(2, 4), 2, lib.ones(4, dtype=lib.float64)),
    "group_norm double bias": lambda lib: lib.nn.functional.group_norm(
        lib.ones(2, 4), 2, lib.ones(4), lib.ones(4, dtype=lib.float64)),
    "group_norm half half weight": lambda lib: lib.nn.functional.group_norm(
        lib.ones(2, 4, dtype=lib.float16), 2, lib.ones(4, dtype=lib.float16), lib.ones(4)),
    "group_norm empty batch": lambda lib: lib.nn.functional.group_norm(lib.ones(0, 4, 3), 2),
    "rms_norm shape": lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (2,)),
    "rms_norm long shape": lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (2, 2, 3)),
    "rms_norm no shape": lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), ()),
    "rms_norm two dims": lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (4, 3)),
    "rms_norm weight": lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (3,), lib.ones(2)),
    "normalize integers": lambda lib: lib.nn.functional.normalize(lib.ones(2, 3,
                                                                           dtype=lib.int64)),
    "cosine integers": lambda lib: lib.nn.functional.cosine_similarity(
        lib.ones(2, 3, dtype=lib.int64), lib.ones(2, 3, dtype=lib.int64)),
    "cosine int and float": lambda lib: lib.nn.functional.cosine_similarity(
        lib.ones(2, 3, dtype=lib.int64), lib.ones(2, 3)),
    "cosine bool and double": lambda lib: lib.nn.functional.cosine_similarity(
        lib.ones(2, 3, dtype=lib.bool), lib.ones(2, 3, dtype=lib.float64)),
    "cosine broadcast": lambda lib: lib.nn.functional.cosine_similarity(lib.ones(2, 3),
                                                                        lib.ones(4, 3)),
    "pairwise broadcast": lambda lib: lib.nn.functional.pairwise_distance(lib.ones(2, 3),
                                                                          lib.ones(4, 3)),
    "pairwise integers": lambda lib: lib.nn.functional.pairwise_distance(
        lib.ones(2, 3, dtype=lib.int64), lib.ones(2, 3, dtype=lib.int64)),
    "instance_norm one element": lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 1)),
    "instance_norm weight": lambda lib: lib.nn.functional.instance_norm(
        lib.ones(2, 3, 4), weight=lib.ones(2)),
    "GroupNorm channels": lambda lib: lib.nn.GroupNorm(3, 4),
    "InstanceNorm1d 1-d": lambda lib: lib.nn.InstanceNorm1d(3)(lib.ones(3)),
    "InstanceNorm2d 2-d": lambda lib: lib.nn.InstanceNorm2d(3)(lib.ones(3, 4)),
    "InstanceNorm1d affine size": lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(
        lib.ones(2, 4, 5)),
    "InstanceNorm1d unbatched": lambda lib: lib.nn.InstanceNorm1d(3)(lib.ones(3, 5)),
    "RMSNorm shape": lambda lib: lib.nn.RMSNorm(4)(lib.ones(2, 3)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_and_shapes_as_pytorchs(case):
    theirs = shape_outcome(ERRORS[case], torch)
    # a size in a message is the library's own Size
    theirs = tuple(part.replace("torch.Size", "symgrad.Size") if isinstance(part, str) else part
                   for part in theirs)
    assert shape_outcome(ERRORS[case], symgrad) == theirs


def test_instance_norm_warns_of_a_feature_count_it_does_not_use():
    for lib in (symgrad, torch):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            lib.nn.InstanceNorm1d(3)(lib.ones(2, 4, 5))
        assert [str(w.message) for w in seen] == [
            "input's size at dim=1 does not match num_features. You can silence this warning "
            "by not passing in num_features, which is not used because affine=False"]


MODULES = {
    "GroupNorm": lambda lib: lib.nn.GroupNorm(2, 4),
    "GroupNorm plain": lambda lib: lib.nn.GroupNorm(1, 3, eps=1e-3, affine=False),
    "GroupNorm no bias": lambda lib: lib.nn.GroupNorm(2, 2, bias=False),
    "RMSNorm": lambda lib: lib.nn.RMSNorm(3),
    "RMSNorm shape": lambda lib: lib.nn.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False),
    "InstanceNorm1d": lambda lib: lib.nn.InstanceNorm1d(3),
    "InstanceNorm2d": lambda lib: lib.nn.InstanceNorm2d(2, affine=True, track_running_stats=True),
    "InstanceNorm2d momentum": lambda lib: lib.nn.InstanceNorm2d(2, momentum=None, bias=False,
                                                                 affine=True),
    "CosineSimilarity": lambda lib: lib.nn.CosineSimilarity(0, 1e-3),
    "PairwiseDistance": lambda lib: lib.nn.PairwiseDistance(1.0, keepdim=True),
}


def described(module: Any) -> Any:
    return (repr(module), [(n, tuple(p.shape), numpy_of(p).tolist())
                           for n, p in module.named_parameters()],
            [(n, numpy_of(b).tolist()) for n, b in module.named_buffers()])


@pytest.mark.parametrize("case", sorted(MODULES))
def test_module_reprs_parameters_and_buffers(case):
    torch.manual_seed(0)
    symgrad.manual_seed(0)
    assert described(MODULES[case](symgrad)) == described(MODULES[case](torch))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layers_forward_and_train_as_pytorchs(dtype, rng):
    x = rng.standard_normal((3, 4, 5))
    x2 = rng.standard_normal((2, 2, 3, 3))
    for make, data in ((lambda lib: lib.nn.GroupNorm(2, 4), x),
                       (lambda lib: lib.nn.RMSNorm(5), x),
                       (lambda lib: lib.nn.InstanceNorm1d(4, affine=True,
                                                          track_running_stats=True), x),
                       (lambda lib: lib.nn.InstanceNorm2d(2, track_running_stats=True), x2),
                       (lambda lib: lib.nn.InstanceNorm1d(4, momentum=None,
                                                          track_running_stats=True), x[0])):
        results = []
        for lib in (symgrad, torch):
            m = make(lib).to(getattr(lib, dtype))
            t = lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=True)
            out = m(t)
            out.backward(lib.ones_like(out))
            m.eval()
            results.append((out, t.grad, m(t), type(out.grad_fn).__name__,
                            [b for _, b in m.named_buffers()]))
        (a, ga, ea, na, ba), (b, gb, eb, nb, bb) = results
        assert na == nb
        for p, q in ((a, b), (ga, gb), (ea, eb), *zip(ba, bb, strict=True)):
            close(p, q, dtype)


def test_distance_layers_match_the_functions(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for make in (lambda lib: lib.nn.CosineSimilarity(), lambda lib: lib.nn.CosineSimilarity(0),
                 lambda lib: lib.nn.PairwiseDistance(), lambda lib: lib.nn.PairwiseDistance(
                     3.0, 0.0, True)):
        mine = make(symgrad)(symgrad.tensor(a), symgrad.tensor(b))
        theirs = make(torch)(torch.tensor(a), torch.tensor(b))
        close(mine, theirs, "float64")


def test_group_norm_gradient_against_mpmath():
    # (1, 4, 2) in two groups of two channels: each group's four values normalised together.
    xs = [[1.0, -2.0], [0.5, 3.0], [2.0, 2.5], [-1.0, 0.25]]
    gs = [[1.0, 0.75], [-0.5, 2.0], [0.25, -1.0], [1.5, 0.5]]
    wts, eps = [0.5, -1.5, 2.0, 1.0], mpmath.mpf(0.25)

    def normed(flat, c, k):
        group = flat[(c // 2) * 4:(c // 2) * 4 + 4]
        mean = mpmath.fsum(group) / 4
        var = mpmath.fsum((v - mean) ** 2 for v in group) / 4
        return (flat[c * 2 + k] - mean) / mpmath.sqrt(var + eps)

    def loss(*flat):
        return mpmath.fsum(gs[c][k] * wts[c] * normed(flat, c, k)
                           for c in range(4) for k in range(2))

    x = symgrad.tensor([xs], dtype=symgrad.float64, requires_grad=True)
    w = symgrad.tensor(wts, dtype=symgrad.float64, requires_grad=True)
    b = symgrad.zeros(4, dtype=symgrad.float64, requires_grad=True)
    out = symgrad.nn.functional.group_norm(x, 2, w, b, 0.25)
    gx, gw, gb = symgrad.autograd.grad(out, (x, w, b), symgrad.tensor([gs], dtype=symgrad.float64))
    point = [mpmath.mpf(v) for row in xs for v in row]
    with mpmath.workdps(40):
        want = [mpmath.diff(loss, point, tuple(int(i == j) for i in range(8)))
                for j in range(8)]
        want_w = [mpmath.fsum(gs[c][k] * normed(point, c, k) for k in range(2))
                  for c in range(4)]
    np.testing.assert_allclose(gx.numpy().reshape(-1), [float(v) for v in want], rtol=1e-14,
                               atol=1e-15)
    np.testing.assert_allclose(gw.numpy(), [float(v) for v in want_w], rtol=1e-15)
    np.testing.assert_allclose(gb.numpy(), [sum(r) for r in gs], rtol=1e-15)
