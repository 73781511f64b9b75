"""``interpolate`` and its layers against torch 2.13: values and gradients bit for bit in
float32 and float64 (nearest, linear, bilinear; sizes and scale factors, up and down, with and
without align_corners, both of PyTorch's 2-d kernels), grad_fn names, second derivatives,
the half types, the deprecated functions' warnings, and PyTorch's errors for bad arguments."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# (input shape, interpolate's keywords): 1-d and 2-d, sizes and factors, up and down, small
# 2-d outputs (PyTorch's channels-last kernel) and large ones (its generic kernel).
CASES = [
    ((2, 3, 5), {"size": 7, "mode": "nearest"}),
    ((2, 3, 4), {"scale_factor": 2.0, "mode": "nearest"}),
    ((2, 3, 3), {"scale_factor": 3.3, "mode": "nearest"}),
    ((2, 3, 7), {"size": 3, "mode": "nearest"}),
    ((2, 3, 5, 6), {"size": (7, 13), "mode": "nearest"}),
    ((2, 3, 4, 5), {"scale_factor": (2.5, 1.5), "mode": "nearest"}),
    ((1, 2, 6, 7), {"scale_factor": 0.7, "mode": "nearest"}),
    ((1, 2, 20, 21), {"size": (90, 91), "mode": "nearest"}),
    *[((2, 3, n), {"size": m, "mode": "linear", "align_corners": a})
      for n, m in ((5, 7), (5, 13), (30, 90), (7, 3), (5, 21)) for a in (False, True)],
    *[((2, 3, 4), {"scale_factor": f, "mode": "linear", "align_corners": a})
      for f in (2.0, 3.3, 0.7) for a in (False, True)],
    *[((2, 3, n, n + 1), {"size": size, "mode": "bilinear", "align_corners": a})
      for n, size in ((5, (7, 8)), (5, (21, 16)), (5, (39, 28)), (17, (40, 41)),
                      (30, (90, 91)), (30, (270, 182)), (7, (3, 5)))
      for a in (False, True)],
    # channels filling 32-byte vectors (8 float32, 4 float64), and some left over
    *[((2, c, 5, 6), {"size": (7, 9), "mode": "bilinear"}) for c in (4, 8, 9, 17)],
    *[((1, 2, 6, 7), {"scale_factor": f, "mode": "bilinear", "align_corners": a})
      for f in (2.0, (3.3, 1.5), 0.7) for a in (False, True)],
]
IDS = [f"{shape}-{kw}" for shape, kw in CASES]


def both(shape: tuple[int, ...], dtype: str, seed: int = 0) -> tuple[Any, Any]:
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (symgrad.tensor(x, requires_grad=True),
            torch.tensor(x, requires_grad=True))


@pytest.fixture
def threads():
    """symgrad's thread count set to torch's (some test modules set torch's to 1, and with
    one thread PyTorch's bilinear kernel for 3 channels is another); both put back after."""
    before = (torch.get_num_threads(), symgrad.get_num_threads())
    symgrad.set_num_threads(before[0])
    yield
    torch.set_num_threads(before[0])
    symgrad.set_num_threads(before[1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("shape", "kw"), CASES, ids=IDS)
def test_values_and_gradients_are_torchs_bits(shape, kw, dtype, threads):
    s, t = both(shape, dtype)
    ys, yt = F.interpolate(s, **kw), TF.interpolate(t, **kw)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_array_equal(ys.detach().numpy(), yt.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    ys.backward(symgrad.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(s.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_thread_bilinear_of_three_channels(n, dtype, threads):
    # PyTorch's 3-channel images take its channels-last kernel when one thread computes.
    torch.set_num_threads(n)
    symgrad.set_num_threads(n)
    s, t = both((2, 3, 30, 31), dtype)
    kw = {"size": (90, 91), "mode": "bilinear"}
    ys, yt = F.interpolate(s, **kw), TF.interpolate(t, **kw)
    np.testing.assert_array_equal(ys.detach().numpy(), yt.detach().numpy())


@pytest.mark.parametrize(("shape", "kw", "name"), [
    ((1, 2, 3), {"scale_factor": 2}, "UpsampleNearest1DBackward0"),
    ((1, 2, 3, 4), {"size": (5, 7)}, "UpsampleNearest2DBackward0"),
    ((1, 2, 3), {"scale_factor": 2, "mode": "linear"}, "UpsampleLinear1DBackward0"),
    ((1, 2, 3, 4), {"scale_factor": 2, "mode": "bilinear", "align_corners": True},
     "UpsampleBilinear2DBackward0"),
    ((1, 2, 4, 4), {"size": (2, 3), "mode": "area"}, "AdaptiveAvgPool2DBackward0"),
    ((1, 2, 5), {"size": 2, "mode": "area"}, "SqueezeBackward1"),
])
def test_grad_fn_names(shape, kw, name):
    s, t = both(shape, "float64")
    assert type(TF.interpolate(t, **kw).grad_fn).__name__ == name
    ys = F.interpolate(s, **kw)
    assert type(ys.grad_fn).__name__ == name
    np.testing.assert_allclose(ys.detach().numpy(), TF.interpolate(t, **kw).detach().numpy(),
                               rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize(("shape", "kw"), [
    ((1, 2, 5), {"size": 13, "mode": "linear"}),
    ((1, 2, 5, 6), {"size": (7, 9), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 5, 6), {"size": (70, 80), "mode": "bilinear"}),
    ((1, 2, 5, 6), {"scale_factor": 3, "mode": "nearest"}),
])
def test_half_types(shape, kw, dtype):
    x = np.random.default_rng(0).standard_normal(shape)
    s = symgrad.tensor(x).to(getattr(symgrad, dtype)).requires_grad_()
    t = torch.tensor(x).to(getattr(torch, dtype)).requires_grad_()
    ys, yt = F.interpolate(s, **kw), TF.interpolate(t, **kw)
    assert str(ys.dtype) == str(yt.dtype).replace("torch", "symgrad")
    ys.float().sum().backward()
    yt.float().sum().backward()
    # Gradients bit for bit; values within an ULP of the half type at 1 (PyTorch's linear
    # kernels keep their weights in the half type, which the engine does not replay: about a
    # fifth of the values are 1 ULP apart).
    np.testing.assert_array_equal(s.grad.float().numpy(), t.grad.float().numpy())
    ulp = 2.0 ** -10 if dtype == "float16" else 2.0 ** -7
    got, want = ys.detach().float().numpy(), yt.detach().float().numpy()
    assert np.all(np.abs(got - want) <= ulp * np.maximum(np.abs(want), 1)), (got, want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("shape", "kw"), [
    ((1, 2, 5), {"size": 13, "mode": "linear"}),
    ((1, 2, 4, 5), {"size": (7, 9), "mode": "bilinear"}),
    ((1, 2, 4, 5), {"scale_factor": 2.5, "mode": "nearest"}),
])
def test_second_order(shape, kw, dtype):
    # d/dx of <grad of sum(interp(x)^3), v>: the first gradient is 3 W^T (Wx)^2, the second
    # 6 W^T diag(Wx) W v: both on the graph through the op's VJP.
    s, t = both(shape, dtype)
    v = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    (gs,) = symgrad.autograd.grad((F.interpolate(s, **kw) ** 3).sum(), s, create_graph=True)
    (gt,) = torch.autograd.grad((TF.interpolate(t, **kw) ** 3).sum(), t, create_graph=True)
    rtol = 1e-5 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(gs.detach().numpy(), gt.detach().numpy(), rtol=rtol)
    (hs,) = symgrad.autograd.grad((gs * symgrad.tensor(v)).sum(), s)
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(hs.numpy(), ht.numpy(), rtol=rtol, atol=rtol)


def test_empty_batch_and_uint8_nearest():
    ys = F.interpolate(symgrad.zeros(0, 2, 3), size=5)
    assert tuple(ys.shape) == (0, 2, 5)
    x = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)
    got = F.interpolate(symgrad.tensor(x), scale_factor=(1.5, 2))
    want = TF.interpolate(torch.tensor(x), scale_factor=(1.5, 2))
    assert got.dtype == symgrad.uint8
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def outcome(call: Any, lib: Any) -> tuple[str, ...]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(lib)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)
    return ("ok",)


def _lib(lib: Any) -> tuple[Any, Any]:
    return (F, symgrad) if lib == "symgrad" else (TF, torch)


BAD = {
    "size-and-factor": lambda f, m: f.interpolate(m.zeros(1, 2, 3), size=4, scale_factor=2),
    "neither": lambda f, m: f.interpolate(m.zeros(1, 2, 3)),
    "align-nearest": lambda f, m: f.interpolate(m.zeros(1, 2, 3), size=4, align_corners=True),
    "size-length": lambda f, m: f.interpolate(m.zeros(1, 2, 3, 4), size=(4, 5, 6)),
    "factor-length": lambda f, m: f.interpolate(m.zeros(1, 2, 3, 4), scale_factor=(2,)),
    "float-size": lambda f, m: f.interpolate(m.zeros(1, 2, 3, 4), size=(4, 2.0)),
    "zero-output": lambda f, m: f.interpolate(m.zeros(1, 2, 3), scale_factor=0.1),
    "negative-output": lambda f, m: f.interpolate(m.zeros(1, 2, 3), scale_factor=-2.0),
    "zero-output-2d": lambda f, m: f.interpolate(m.zeros(1, 2, 3, 4), size=(0, 2),
                                                 mode="bilinear"),
    "empty-input": lambda f, m: f.interpolate(m.zeros(1, 2, 0), size=5),
    "empty-channels": lambda f, m: f.interpolate(m.zeros(1, 0, 3), size=5, mode="linear"),
    "recompute-with-size": lambda f, m: f.interpolate(m.zeros(1, 2, 3), size=5,
                                                      recompute_scale_factor=True),
    "unknown-mode": lambda f, m: f.interpolate(m.zeros(1, 2, 3), size=5, mode="foo"),
    "2d-input": lambda f, m: f.interpolate(m.zeros(2, 3), size=5),
    "bilinear-3d": lambda f, m: f.interpolate(m.zeros(1, 2, 3), size=5, mode="bilinear"),
    "linear-4d": lambda f, m: f.interpolate(m.zeros(1, 2, 3, 3), size=5, mode="linear"),
    "antialias-linear": lambda f, m: f.interpolate(m.zeros(1, 2, 3), size=5, mode="linear",
                                                   antialias=True),
    "long": lambda f, m: f.interpolate(m.zeros(1, 2, 3, dtype=m.int64), size=5),
    "long-bilinear": lambda f, m: f.interpolate(m.zeros(1, 2, 3, 3, dtype=m.int64), size=5,
                                                mode="bilinear"),
    "bool-linear": lambda f, m: f.interpolate(m.zeros(1, 2, 3, dtype=m.bool), size=5,
                                              mode="linear"),
    "recompute": lambda f, m: f.interpolate(m.zeros(1, 2, 3), scale_factor=2.5,
                                            recompute_scale_factor=True),
    "area-factor": lambda f, m: f.interpolate(m.zeros(1, 2, 6, 4), scale_factor=0.5,
                                              mode="area"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_errors_are_torchs(case):
    call = BAD[case]
    want = outcome(lambda lib: call(*_lib(lib)), "torch")
    got = outcome(lambda lib: call(*_lib(lib)), "symgrad")
    assert got == want


@pytest.mark.parametrize(("name", "kw"), [
    ("upsample", {"size": 5}),
    ("upsample_nearest", {"scale_factor": 2}),
    ("upsample_bilinear", {"size": (3, 5)}),
])
def test_deprecated_functions_warn_and_resize(name, kw):
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    with pytest.warns(UserWarning) as ws:
        got = getattr(F, name)(symgrad.tensor(x), **kw)
    with pytest.warns(UserWarning) as wt:
        want = getattr(TF, name)(torch.tensor(x), **kw)
    assert [str(w.message) for w in ws] == [str(w.message) for w in wt]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize(("make", "shape"), [
    (lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 4)),
    (lambda nn: nn.Upsample(size=7, mode="linear", align_corners=True), (1, 2, 3)),
    (lambda nn: nn.Upsample(scale_factor=(2.0, 1.5)), (1, 2, 3, 4)),
    (lambda nn: nn.Upsample(size=(3, 4)), (1, 2, 5, 5)),
    (lambda nn: nn.UpsamplingNearest2d(scale_factor=2), (1, 2, 3, 4)),
    (lambda nn: nn.UpsamplingBilinear2d(size=(5, 6)), (1, 2, 3, 4)),
])
def test_modules(make, shape):
    ms, mt = make(symgrad.nn), make(torch.nn)
    assert repr(ms) == repr(mt)
    s, t = both(shape, "float64")
    ys, yt = ms(s), mt(t)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_array_equal(ys.detach().numpy(), yt.detach().numpy())


def test_the_judges_exact_gradient_agrees():
    # The judge's meaning (exact weights in rationals) differentiated exactly, against the
    # engine's gradient: within float64's rounding.
    import oracle

    x = symgrad.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)),
                       requires_grad=True)
    for kw in ({"size": (5, 7), "mode": "bilinear"}, {"scale_factor": 1.5, "mode": "nearest"},
               {"size": (2, 9), "mode": "bilinear", "align_corners": True}):
        loss = (F.interpolate(x, **kw) ** 2).sum()
        result = oracle.exact_grad(loss, [x])
        assert result.status == "ok", result.reason
        (g,) = symgrad.autograd.grad(loss, x)
        want = np.array([float(v) for v in np.asarray(result.grads[0], dtype=object).flat])
        np.testing.assert_allclose(g.numpy().reshape(-1), want, rtol=1e-13, atol=1e-15)


# -- logaddexp, logaddexp2, hypot, prelu, glu -------------------------------------------------
def _pair(lib: Any, name: str) -> Any:
    if name in ("prelu", "glu"):
        return getattr(F if lib is symgrad else TF, name)
    return getattr(lib, name)


BINARY = ["logaddexp", "logaddexp2", "hypot"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BINARY)
def test_binary_values_gradients_and_second_order(name, dtype):
    rng = np.random.default_rng(5)
    a, b = (rng.standard_normal(s).astype(dtype) * 3 for s in ((3, 4), (4,)))
    sa, sb = (symgrad.tensor(v, requires_grad=True) for v in (a, b))
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    ys, yt = getattr(symgrad, name)(sa, sb), getattr(torch, name)(ta, tb)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__
    rtol = 2e-7 if dtype == "float32" else 4e-16
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=rtol)
    gs = symgrad.autograd.grad((ys ** 2).sum(), [sa, sb], create_graph=True)
    gt = torch.autograd.grad((yt ** 2).sum(), [ta, tb], create_graph=True)
    for s, t in zip(gs, gt, strict=True):
        np.testing.assert_allclose(s.detach().numpy(), t.detach().numpy(), rtol=8 * rtol)
    hs = symgrad.autograd.grad(sum(g.sum() for g in gs), [sa, sb])
    ht = torch.autograd.grad(sum(g.sum() for g in gt), [ta, tb])
    for s, t in zip(hs, ht, strict=True):
        np.testing.assert_allclose(s.numpy(), t.numpy(), rtol=64 * rtol, atol=64 * rtol)


def test_tails():
    f64 = symgrad.float64
    # log(e^a + e^a) = a + log 2 at 1e300 (e^a overflows), and each half of the gradient 1/2
    big = symgrad.tensor([1e300, -1e300, 700.0], dtype=f64, requires_grad=True)
    y = symgrad.logaddexp(big, big.detach())
    assert y.tolist() == [1e300, -1e300, 700.0 + float(np.log(2.0))]
    y.sum().backward()
    assert big.grad.tolist() == [0.5, 0.5, 0.5]
    y2 = symgrad.logaddexp2(symgrad.tensor([1e300], dtype=f64), symgrad.tensor([1e300],
                                                                               dtype=f64))
    assert y2.tolist() == [1e300]
    # far apart: the smaller argument's weight e^-(1000) underflows to an exact 0
    a = symgrad.tensor([0.0], dtype=f64, requires_grad=True)
    symgrad.logaddexp(a, symgrad.tensor([1000.0], dtype=f64)).backward()
    assert a.grad.tolist() == [0.0]
    # hypot squares nothing: 1e200 (float64) and 1e30 (float32) neither overflow
    for v, d in ((1e200, f64), (1e30, symgrad.float32)):
        x = symgrad.tensor([v], dtype=d, requires_grad=True)
        h = symgrad.hypot(x, symgrad.tensor([v], dtype=d))
        assert np.isclose(h.item(), v * 2 ** 0.5, rtol=1e-7)
        h.backward()
        assert np.isclose(x.grad.item(), 2 ** -0.5, rtol=1e-7)


def test_glu_gradient_is_accurate_where_sigmoid_rounds_to_one():
    # d/db of a * sigmoid(b) is a * sigmoid(b) * sigmoid(-b) = 2 e^-40 (1 + e^-40)^-2 at
    # a = 2, b = 40; PyTorch's 1 - sigmoid(b) cancels to 0 there (float64), this keeps it.
    x = symgrad.tensor([2.0, 40.0], dtype=symgrad.float64, requires_grad=True)
    F.glu(x).backward()
    want = 2 * np.exp(-40.0) / (1 + np.exp(-40.0)) ** 2
    assert x.grad.tolist()[0] == 1 / (1 + np.exp(-40.0))
    np.testing.assert_allclose(x.grad.tolist()[1], want, rtol=1e-15)
    t = torch.tensor([2.0, 40.0], dtype=torch.float64, requires_grad=True)
    TF.glu(t).backward()
    assert t.grad.tolist()[1] == 0.0  # PyTorch's value there


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("shape", "wshape"), [((2, 3, 4), (3,)), ((2, 3), (1,)), ((5,), (1,)),
                                                ((2, 3, 2, 2), (3,))])
def test_prelu(shape, wshape, dtype):
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal(shape).astype(dtype), rng.standard_normal(wshape).astype(dtype)
    x.flat[0] = 0.0  # the kink: PyTorch's derivative there is the slope
    sx, sw = symgrad.tensor(x, requires_grad=True), symgrad.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ys, yt = F.prelu(sx, sw), TF.prelu(tx, tw)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__ == "PreluKernelBackward0"
    np.testing.assert_array_equal(ys.detach().numpy(), yt.detach().numpy())
    gs = symgrad.autograd.grad((ys ** 3).sum(), [sx, sw], create_graph=True)
    gt = torch.autograd.grad((yt ** 3).sum(), [tx, tw], create_graph=True)
    rtol = 1e-6 if dtype == "float32" else 1e-15
    for s, t in zip(gs, gt, strict=True):
        np.testing.assert_allclose(s.detach().numpy(), t.detach().numpy(), rtol=rtol)
    hs = symgrad.autograd.grad(sum(g.sum() for g in gs), [sx, sw])
    ht = torch.autograd.grad(sum(g.sum() for g in gt), [tx, tw])
    for s, t in zip(hs, ht, strict=True):
        np.testing.assert_allclose(s.numpy(), t.numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("shape", "dim"), [((2, 4), -1), ((4, 3), 0), ((2, 2, 6), 2)])
def test_glu(shape, dim, dtype):
    x = np.random.default_rng(7).standard_normal(shape).astype(dtype)
    sx, tx = symgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = F.glu(sx, dim), TF.glu(tx, dim)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__ == "GluBackward0"
    rtol = 2e-7 if dtype == "float32" else 4e-16
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=rtol)
    (gs,) = symgrad.autograd.grad((ys ** 2).sum(), sx, create_graph=True)
    (gt,) = torch.autograd.grad((yt ** 2).sum(), tx, create_graph=True)
    np.testing.assert_allclose(gs.detach().numpy(), gt.detach().numpy(), rtol=8 * rtol,
                               atol=8 * rtol)
    (hs,) = symgrad.autograd.grad(gs.sum(), sx)
    (ht,) = torch.autograd.grad(gt.sum(), tx)
    np.testing.assert_allclose(hs.numpy(), ht.numpy(), rtol=64 * rtol, atol=64 * rtol)


GATE_ERRORS = {
    "glu-odd": lambda f, m: f.glu(m.ones(2, 3)),
    "glu-odd-dim0": lambda f, m: f.glu(m.ones(3), 0),
    "glu-scalar": lambda f, m: f.glu(m.tensor(1.0)),
    "glu-long": lambda f, m: f.glu(m.ones(2, 4, dtype=m.int64)),
    "prelu-count": lambda f, m: f.prelu(m.ones(2, 3), m.ones(2)),
    "prelu-1d-input": lambda f, m: f.prelu(m.ones(3), m.ones(3)),
    "prelu-2d-weight": lambda f, m: f.prelu(m.ones(2, 3), m.ones(1, 3)),
    "prelu-dtypes": lambda f, m: f.prelu(m.ones(2, 3), m.ones(3, dtype=m.float64)),
    "prelu-long": lambda f, m: f.prelu(m.ones(2, 3, dtype=m.int64), m.ones(1, dtype=m.int64)),
    "logaddexp-long": lambda f, m: m.logaddexp(m.ones(2, dtype=m.int64), m.ones(2,
                                                                               dtype=m.int64)),
    "logaddexp2-bool": lambda f, m: m.logaddexp2(m.ones(2, dtype=m.bool), m.ones(2,
                                                                                dtype=m.bool)),
    "hypot-long": lambda f, m: m.hypot(m.ones(2, dtype=m.int64), m.ones(2, dtype=m.int64)),
}


@pytest.mark.parametrize("case", sorted(GATE_ERRORS))
def test_gate_errors_are_torchs(case):
    call = GATE_ERRORS[case]
    want = outcome(lambda lib: call(*_lib(lib)), "torch")
    got = outcome(lambda lib: call(*_lib(lib)), "symgrad")
    assert want[0] != "ok"
    assert got == want


def test_mixed_dtypes_promote_as_torch():
    for name in BINARY:
        s = getattr(symgrad, name)(symgrad.ones(2), symgrad.ones(2, dtype=symgrad.float64))
        t = getattr(torch, name)(torch.ones(2), torch.ones(2, dtype=torch.float64))
        assert str(s.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        s = symgrad.ones(2).__getattribute__(name)(symgrad.ones(2))  # the Tensor method
        assert s.shape == (2,)


@pytest.mark.parametrize("make", [lambda nn: nn.PReLU(), lambda nn: nn.PReLU(3, 0.1),
                                  lambda nn: nn.GLU(), lambda nn: nn.GLU(1)])
def test_gate_modules(make):
    ms, mt = make(symgrad.nn), make(torch.nn)
    assert repr(ms) == repr(mt)
    x = np.random.default_rng(8).standard_normal((2, 3, 4))
    if isinstance(mt, torch.nn.GLU) and mt.dim == 1:
        x = np.random.default_rng(8).standard_normal((2, 4, 3))
    ys, yt = ms(symgrad.tensor(x, dtype=symgrad.float32)), mt(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    assert [n for n, _ in ms.named_parameters()] == [n for n, _ in mt.named_parameters()]


# -- pixel shuffles, InstanceNorm3d -----------------------------------------------------------
@pytest.mark.parametrize(("name", "shape", "r"), [
    ("pixel_shuffle", (1, 8, 2, 3), 2), ("pixel_shuffle", (9, 1, 2), 3),
    ("pixel_shuffle", (2, 3, 4, 1, 2), 2), ("pixel_unshuffle", (1, 2, 4, 6), 2),
    ("pixel_unshuffle", (2, 1, 3, 3), 3), ("pixel_unshuffle", (3, 2, 2, 4, 2), 2),
])
def test_pixel_shuffles(name, shape, r):
    x = np.random.default_rng(9).standard_normal(shape)
    sx, tx = symgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = getattr(F, name)(sx, r), getattr(TF, name)(tx, r)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_array_equal(ys.detach().numpy(), yt.detach().numpy())
    g = np.random.default_rng(10).standard_normal(tuple(yt.shape))
    (gs,) = symgrad.autograd.grad((ys * symgrad.tensor(g)).sum(), sx, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(g)).sum(), tx, create_graph=True)
    np.testing.assert_array_equal(gs.detach().numpy(), gt.detach().numpy())
    # second order through the squared gradient: 2 * g^2 moved back
    (hs,) = symgrad.autograd.grad((getattr(F, name)(sx, r) ** 2).sum(), sx, create_graph=True)
    (h2,) = symgrad.autograd.grad(hs.sum(), sx)
    np.testing.assert_array_equal(h2.numpy(), np.full(shape, 2.0))
    # integers and bools move too, as in PyTorch
    ints = np.arange(int(np.prod(shape))).reshape(shape)
    np.testing.assert_array_equal(getattr(symgrad, name)(symgrad.tensor(ints), r).numpy(),
                                  getattr(torch, name)(torch.tensor(ints), r).numpy())


SHUFFLE_ERRORS = {
    "2d": lambda f, m: f.pixel_shuffle(m.ones(2, 3), 2),
    "channels": lambda f, m: f.pixel_shuffle(m.ones(1, 5, 2, 2), 2),
    "zero": lambda f, m: f.pixel_shuffle(m.ones(1, 4, 2, 2), 0),
    "negative": lambda f, m: f.pixel_shuffle(m.ones(1, 4, 2, 2), -1),
    "float": lambda f, m: f.pixel_shuffle(m.ones(1, 4, 2, 2), 2.0),
    "bool": lambda f, m: f.pixel_shuffle(m.ones(1, 4, 2, 2), True),
    "un-height": lambda f, m: f.pixel_unshuffle(m.ones(1, 1, 5, 4), 2),
    "un-width": lambda f, m: f.pixel_unshuffle(m.ones(1, 1, 4, 5), 2),
    "un-2d": lambda f, m: f.pixel_unshuffle(m.ones(4, 4), 2),
    "un-zero": lambda f, m: f.pixel_unshuffle(m.ones(1, 4, 4), 0),
    "instance-norm-3d": lambda f, m: m.nn.InstanceNorm3d(2)(m.ones(2, 3, 3)),
}


@pytest.mark.parametrize("case", sorted(SHUFFLE_ERRORS))
def test_shuffle_errors_are_torchs(case):
    call = SHUFFLE_ERRORS[case]
    want = outcome(lambda lib: call(*_lib(lib)), "torch")
    got = outcome(lambda lib: call(*_lib(lib)), "symgrad")
    assert want[0] != "ok"
    assert got == want


@pytest.mark.parametrize("make", [lambda nn: nn.PixelShuffle(2), lambda nn: nn.PixelUnshuffle(2)])
def test_shuffle_modules(make):
    ms, mt = make(symgrad.nn), make(torch.nn)
    assert repr(ms) == repr(mt)
    x = np.random.default_rng(11).standard_normal((2, 4, 4, 6))
    np.testing.assert_array_equal(ms(symgrad.tensor(x)).numpy(), mt(torch.tensor(x)).numpy())


@pytest.mark.parametrize("kw", [{}, {"affine": True}, {"track_running_stats": True},
                                {"affine": True, "track_running_stats": True}])
@pytest.mark.parametrize("shape", [(2, 3, 2, 3, 4), (3, 2, 3, 4)])
def test_instance_norm_3d(shape, kw):
    ms, mt = symgrad.nn.InstanceNorm3d(3, **kw).double(), torch.nn.InstanceNorm3d(3, **kw).double()
    assert repr(ms) == repr(mt)
    x = np.random.default_rng(12).standard_normal(shape)
    sx, tx = symgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ys, yt = ms(sx), mt(tx)
    assert type(ys.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_allclose(ys.detach().numpy(), yt.detach().numpy(), rtol=1e-12,
                               atol=1e-13)
    g = np.random.default_rng(13).standard_normal(shape)
    ys.backward(symgrad.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    if kw.get("track_running_stats"):
        np.testing.assert_allclose(ms.running_mean.numpy(), mt.running_mean.numpy(),
                                   rtol=1e-12)
        ms.eval()
        mt.eval()
        np.testing.assert_allclose(ms(sx).detach().numpy(), mt(tx).detach().numpy(),
                                   rtol=1e-12, atol=1e-13)


# -- the torch adapter judges PyTorch's own ops ------------------------------------------------
def _t(seed: int, *shape: int) -> Any:
    values = np.random.default_rng(seed).standard_normal(shape)
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


JUDGED = {
    # small groups: the exact judge's work grows fast with a group's size (2 x 4 x 3 in 2
    # groups took 134 s)
    "group_norm": (lambda x, w, b: TF.group_norm(x, 2, w, b),
                   lambda: [_t(0, 1, 4, 2), _t(1, 4), _t(2, 4)]),
    "group_norm without affine": (lambda x: TF.group_norm(x, 1), lambda: [_t(3, 1, 2, 2)]),
    "linear": (lambda x: TF.interpolate(x, scale_factor=2.5, mode="linear"),
               lambda: [_t(4, 1, 2, 4)]),
    "bilinear aligned": (lambda x: TF.interpolate(x, size=(5, 3), mode="bilinear",
                                                  align_corners=True),
                         lambda: [_t(5, 1, 2, 3, 4)]),
    "nearest 2d": (lambda x: TF.interpolate(x, size=(5, 7)), lambda: [_t(6, 1, 2, 3, 4)]),
    "nearest 1d": (lambda x: TF.interpolate(x, scale_factor=1.5), lambda: [_t(7, 1, 2, 4)]),
    "prelu": (lambda x, w: TF.prelu(x, w), lambda: [_t(8, 2, 3, 4), _t(9, 3)]),
    "glu": (lambda x: TF.glu(x, 1), lambda: [_t(10, 2, 4)]),
    "pixel_shuffle": (lambda x: TF.pixel_shuffle(x, 2), lambda: [_t(11, 1, 8, 2, 3)]),
    "pixel_unshuffle": (lambda x: TF.pixel_unshuffle(x, 2), lambda: [_t(12, 1, 2, 4, 6)]),
    "logaddexp": (torch.logaddexp, lambda: [_t(13, 2, 3), _t(14, 2, 3)]),
    "logaddexp2": (torch.logaddexp2, lambda: [_t(13, 2, 3), _t(14, 2, 3)]),
    "hypot": (torch.hypot, lambda: [_t(13, 2, 3), _t(14, 2, 3)]),
}


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(JUDGED))
def test_the_torch_adapter_judges_pytorchs_gradients(name, order):
    # Before the adapter's rules the verdict was "unsupported" (no meaning for
    # aten.native_group_norm.default, aten.upsample_linear1d.default, ...).
    from oracle.crosscheck import crosscheck

    fn, inputs = JUDGED[name]
    verdict = crosscheck(fn, inputs(), order=order)
    assert verdict.status == "ok", verdict.message


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pytorchs_group_norm_gradient_in_groups_of_two_is_off_and_symgrads_is_not(dtype):
    # Groups of two elements (2 x 4 in 2 groups): the input's gradient is the eps term alone
    # (2.67e-5 here), which PyTorch's native_group_norm_backward forms by cancellation: the
    # judge finds it 3.3e4 ULP off in float64 (1.8e4 in float32, a relative error of 1.2e-3);
    # symgrad's passes.
    from oracle.crosscheck import crosscheck

    vals = [np.random.default_rng(k).standard_normal(s).astype(dtype)
            for k, s in ((0, (2, 4)), (1, (4,)), (2, (4,)))]
    theirs = crosscheck(lambda x, w, b: TF.group_norm(x, 2, w, b),
                        [torch.tensor(v, requires_grad=True) for v in vals])
    assert theirs.status == "engine-wrong", theirs.message
    assert "NativeGroupNormBackward0" in theirs.message
    ours = crosscheck(lambda x, w, b: F.group_norm(x, 2, w, b),
                      [symgrad.tensor(v, requires_grad=True) for v in vals])
    assert ours.status == "ok", ours.message
