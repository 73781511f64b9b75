"""``grid_sample`` and ``affine_grid`` against torch 2.13: values and the gradients of input,
grid and theta in float32 and float64 for every mode, padding mode and align_corners (random
points inside and outside [-1, 1], points on pixel centres, on the borders and halfway between
pixels), second derivatives, grad_fn names, PyTorch's warnings and errors, and a small spatial
transformer trained one step as PyTorch's tutorial does."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad
import symgrad.nn.functional as F
from oracle.catalog import arrays, cases
from oracle.crosscheck import crosscheck
from symgrad.ops.registry import REGISTRY, apply

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MODES = ("bilinear", "nearest")
PADDINGS = ("zeros", "border", "reflection")
TOL = {"float32": 1e-6, "float64": 1e-12}
SHAPE = (2, 3, 4, 5)  # input (N, C, H, W); grids are (N, 3, 4, 2)


def _on_pixels(n: int, align_corners: bool) -> np.ndarray:
    """Grid coordinates whose positions are the pixels 0..n-1 and one past each end."""
    k = np.arange(-1, n + 1, dtype=np.float64)
    return 2 * k / (n - 1) - 1 if align_corners else (2 * k + 1) / n - 1


def _grids(align_corners: bool, seed: int = 0) -> dict[str, np.ndarray]:
    """Grids of random points in [-1.4, 1.4], points on whole pixel positions (the kinks, the
    borders, one pixel beyond them) and points halfway between pixels (nearest's ties)."""
    rng = np.random.default_rng(seed)
    shape = (SHAPE[0], 3, 4, 2)
    xs, ys = _on_pixels(SHAPE[3], align_corners), _on_pixels(SHAPE[2], align_corners)
    on = np.stack([rng.choice(xs, shape[:-1]), rng.choice(ys, shape[:-1])], -1)
    half_x = (xs[:-1] + xs[1:]) / 2
    half = np.stack([rng.choice(half_x, shape[:-1]), rng.uniform(-1, 1, shape[:-1])], -1)
    return {"random": rng.uniform(-1.4, 1.4, shape), "pixels": on, "halfway": half}


def _pair(x: np.ndarray, dtype: str) -> tuple[Any, Any]:
    a = np.asarray(x, dtype=dtype)
    return symgrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(actual: Any, expected: Any, dtype: str, what: str) -> None:
    a = actual.detach().numpy() if hasattr(actual, "detach") else np.asarray(actual)
    e = expected.detach().numpy()
    scale = max(1.0, float(np.abs(e).max(initial=0.0)))
    np.testing.assert_allclose(a, e, rtol=TOL[dtype], atol=TOL[dtype] * scale, err_msg=what)


CASES = [(m, p, a, g) for m in MODES for p in PADDINGS for a in (False, True)
         for g in ("random", "pixels", "halfway")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("mode", "padding", "align", "points"), CASES)
def test_values_and_gradients_match_torch(mode: str, padding: str, align: bool, points: str,
                                          dtype: str) -> None:
    rng = np.random.default_rng(1)
    x, tx = _pair(rng.standard_normal(SHAPE), dtype)
    grid, tgrid = _pair(_grids(align)[points], dtype)
    w = rng.standard_normal((SHAPE[0], SHAPE[1], 3, 4))
    kw = {"mode": mode, "padding_mode": padding, "align_corners": align}
    out = F.grid_sample(x, grid, **kw)
    expected = TF.grid_sample(tx, tgrid, **kw)
    _close(out, expected, dtype, "values")
    (out * symgrad.tensor(w.astype(dtype))).sum().backward()
    (expected * torch.tensor(w.astype(dtype))).sum().backward()
    _close(x.grad, tx.grad, dtype, "input's gradient")
    _close(grid.grad, tgrid.grad, dtype, "grid's gradient")


@pytest.mark.parametrize(("mode", "padding", "align"),
                         [(m, p, a) for m in MODES for p in PADDINGS for a in (False, True)])
def test_second_derivatives_match_torch(mode: str, padding: str, align: bool) -> None:
    rng = np.random.default_rng(2)
    x, tx = _pair(rng.standard_normal(SHAPE), "float64")
    grid, tgrid = _pair(_grids(align, seed=3)["random"], "float64")
    kw = {"mode": mode, "padding_mode": padding, "align_corners": align}
    w = rng.standard_normal((SHAPE[0], SHAPE[1], 3, 4))
    out = F.grid_sample(x, grid, **kw)
    expected = TF.grid_sample(tx, tgrid, **kw)
    # The squared output, so that the first derivatives depend on both inputs.
    gx, gg = symgrad.autograd.grad((out * out * symgrad.tensor(w)).sum(), (x, grid),
                                   create_graph=True)
    tgx, tgg = torch.autograd.grad((expected * expected * torch.tensor(w)).sum(), (tx, tgrid),
                                   create_graph=True)
    v = rng.standard_normal(SHAPE)
    u = rng.standard_normal(grid.shape)
    second = symgrad.autograd.grad((gx * symgrad.tensor(v)).sum() + (gg * symgrad.tensor(u)).sum(),
                                   (x, grid))
    tsecond = torch.autograd.grad((tgx * torch.tensor(v)).sum() + (tgg * torch.tensor(u)).sum(),
                                  (tx, tgrid))
    for a, e, what in zip(second, tsecond, ("input", "grid"), strict=True):
        _close(a, e, "float64", f"second derivative in {what}")


def _near_ties(size: int, align_corners: bool, dtype: str) -> np.ndarray:
    """Grid coordinates whose positions are whole and half pixels (bilinear's kinks, nearest's
    ties) from two pixels before the image to two past it, each with its neighbours 1 and 2
    ULP either side: where one rounding of the position more or less picks another pixel."""
    k = np.arange(-2, size + 2, 0.5)
    g = (2 * k / (size - 1) - 1 if align_corners else (2 * k + 1) / size - 1).astype(dtype)
    lower, upper = np.nextafter(g, -np.inf), np.nextafter(g, np.inf)
    return np.concatenate([g, lower, upper, np.nextafter(lower, -np.inf),
                           np.nextafter(upper, np.inf)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", MODES)
def test_positions_beside_ties_round_as_torchs(mode: str, dtype: str) -> None:
    # PyTorch's kernel rounds g + 1, then (g + 1) * size / 2 - 1/2 once (a fused
    # multiply-subtract): rounded twice, nearest at -1/3 on 3 pixels picked pixel 0 (float64;
    # PyTorch's is 1), and bilinear's floor beside a whole pixel took the other cell, so the
    # grid's gradient was the other side's (float32 and float64).
    rng = np.random.default_rng(4)
    for size in [*range(2, 40), 100, 255]:
        for align in (False, True):
            coords = _near_ties(size, align, dtype)
            other = rng.uniform(-1, 1, coords.size)
            points = np.stack([np.stack([coords, other], -1), np.stack([other, coords], -1)])
            grid, tgrid = _pair(points[:, None], dtype)
            x, tx = _pair(rng.standard_normal((2, 2, size, size)), dtype)
            w = rng.standard_normal((2, 2, 1, coords.size)).astype(dtype)
            for padding in PADDINGS:
                kw = {"mode": mode, "padding_mode": padding, "align_corners": align}
                x.grad = grid.grad = tx.grad = tgrid.grad = None
                out = F.grid_sample(x, grid, **kw)
                expected = TF.grid_sample(tx, tgrid, **kw)
                what = f"size {size}, {kw}"
                _close(out, expected, dtype, f"values, {what}")
                (out * symgrad.tensor(w)).sum().backward()
                (expected * torch.tensor(w)).sum().backward()
                _close(x.grad, tx.grad, dtype, f"input's gradient, {what}")
                _close(grid.grad, tgrid.grad, dtype, f"grid's gradient, {what}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 3, 7), (3, 2, 1, 4)])
def test_affine_grid_matches_torch(size: tuple[int, ...], align: bool, dtype: str) -> None:
    rng = np.random.default_rng(4)
    theta, ttheta = _pair(rng.standard_normal((size[0], 2, 3)), dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size grid's warning (tested apart)
        grid = F.affine_grid(theta, size, align_corners=align)
        expected = TF.affine_grid(ttheta, size, align_corners=align)
    _close(grid, expected, dtype, "values")
    w = rng.standard_normal(tuple(expected.shape)).astype(dtype)
    (grid * symgrad.tensor(w)).sum().backward()
    (expected * torch.tensor(w)).sum().backward()
    _close(theta.grad, ttheta.grad, dtype, "theta's gradient")


def test_grad_fn_names_are_torchs() -> None:
    theta = symgrad.zeros(1, 2, 3, requires_grad=True)
    grid = F.affine_grid(theta, (1, 1, 2, 2), align_corners=False)
    out = F.grid_sample(symgrad.ones(1, 1, 2, 2), grid, align_corners=False)
    ttheta = torch.zeros(1, 2, 3, requires_grad=True)
    tgrid = TF.affine_grid(ttheta, (1, 1, 2, 2), align_corners=False)
    tout = TF.grid_sample(torch.ones(1, 1, 2, 2), tgrid, align_corners=False)
    assert (type(grid.grad_fn).__name__, type(out.grad_fn).__name__) == (
        type(tgrid.grad_fn).__name__, type(tout.grad_fn).__name__) == (
        "AffineGridGeneratorBackward0", "GridSampler2DBackward0")


def _warnings(fn: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [f"{w.category.__name__}: {w.message}" for w in caught]


@pytest.mark.parametrize("call", ["grid_sample", "affine_grid", "affine_grid_unit"])
def test_warnings_are_torchs(call: str) -> None:
    """PyTorch 2.13 still warns when align_corners is not given (and defaults to False), and
    for a unit-size grid with align_corners=True."""
    def run(lib: Any, nn: Any) -> Any:
        if call == "grid_sample":
            return lambda: nn.grid_sample(lib.ones(1, 1, 2, 2), lib.zeros(1, 1, 1, 2))
        if call == "affine_grid":
            return lambda: nn.affine_grid(lib.zeros(1, 2, 3), (1, 1, 2, 2))
        return lambda: nn.affine_grid(lib.zeros(1, 2, 3), (1, 1, 1, 2), align_corners=True)

    ours, theirs = _warnings(run(symgrad, F)), _warnings(run(torch, TF))
    assert ours == theirs and theirs


def test_default_align_corners_is_false() -> None:
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    g = np.array([[[[0.3, -0.7]]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = F.grid_sample(symgrad.tensor(x), symgrad.tensor(g))
        expected = TF.grid_sample(torch.tensor(x), torch.tensor(g))
    _close(out, expected, "float64", "values")
    _close(out, TF.grid_sample(torch.tensor(x), torch.tensor(g), align_corners=False), "float64",
           "values")


def _errors(fn: Any) -> tuple[str, str]:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return type(e).__name__, str(e)
    return "no error", ""


ERRORS = {
    "grid's last dim is not 2": ((1, 2, 3, 4), (1, 2, 2, 3), {}),
    "batch sizes differ": ((1, 2, 3, 4), (2, 2, 2, 2), {}),
    "grid is 3-d": ((1, 2, 3, 4), (1, 2, 2), {}),
    "input is 3-d": ((2, 3, 4), (2, 2, 1), {}),
    "input 4-d, grid 5-d": ((2, 3, 4, 5), (2, 2, 1, 1, 2), {}),
    "empty spatial dim": ((1, 2, 0, 4), (1, 2, 2, 2), {}),
    "unknown mode": ((1, 2, 3, 4), (1, 2, 2, 2), {"mode": "cubic"}),
    "unknown padding": ((1, 2, 3, 4), (1, 2, 2, 2), {"padding_mode": "wrap"}),
    "bicubic of 5-d input": ((1, 2, 3, 4, 5), (1, 2, 2, 2, 3), {"mode": "bicubic"}),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_torchs(case: str) -> None:
    shape, grid_shape, kw = ERRORS[case]
    ours = _errors(lambda: F.grid_sample(symgrad.ones(*shape), symgrad.zeros(*grid_shape),
                                         align_corners=False, **kw))
    theirs = _errors(lambda: TF.grid_sample(torch.ones(*shape), torch.zeros(*grid_shape),
                                            align_corners=False, **kw))
    assert ours == theirs and theirs[0] != "no error"


@pytest.mark.parametrize(("input_dtype", "grid_dtype"),
                         [("float64", "float32"), ("float32", "float64"), ("int32", "int32"),
                          ("int32", "float32"), ("float32", "int32")])
def test_dtype_errors_are_torchs(input_dtype: str, grid_dtype: str) -> None:
    def run(lib: Any, nn: Any) -> Any:
        x = lib.ones(1, 1, 2, 2, dtype=getattr(lib, input_dtype))
        g = lib.zeros(1, 1, 1, 2, dtype=getattr(lib, grid_dtype))
        return lambda: nn.grid_sample(x, g, align_corners=False)

    assert _errors(run(symgrad, F)) == _errors(run(torch, TF))


def test_not_a_tensor_is_torchs_type_error() -> None:
    x = 1.0
    ours = _errors(lambda: F.grid_sample(x, symgrad.zeros(1, 1, 1, 2), align_corners=False))
    theirs = _errors(lambda: TF.grid_sample(x, torch.zeros(1, 1, 1, 2), align_corners=False))
    assert ours == theirs


@pytest.mark.parametrize(("what", "shape", "call"), [
    ("bicubic", (1, 1, 2, 2), {"mode": "bicubic"}),
    ("5-d input", (1, 1, 2, 2, 2), {}),
])
def test_what_symgrad_lacks_raises_not_implemented(what: str, shape: tuple[int, ...],
                                                   call: dict[str, Any]) -> None:
    grid = symgrad.zeros(1, 1, 1, *([1] if len(shape) == 5 else []), len(shape) - 2)
    with pytest.raises(NotImplementedError, match="symgrad: grid_sample"):
        F.grid_sample(symgrad.ones(*shape), grid, align_corners=False, **call)


AFFINE_ERRORS = {
    "theta 3x3 for a 4-d size": ((1, 3, 3), (1, 1, 3, 4)),
    "theta 2-d": ((2, 3), (1, 1, 3, 4)),
    "3-d size": ((1, 2, 3), (1, 1, 3)),
    "empty size": ((1, 2, 3), (1, 1, 0, 4)),
    "batch sizes differ": ((1, 2, 3), (2, 1, 3, 4)),
    "5-d size with a 2x3 theta": ((1, 2, 3), (1, 1, 2, 3, 4)),
}


@pytest.mark.parametrize("case", sorted(AFFINE_ERRORS))
def test_affine_grid_errors_are_torchs(case: str) -> None:
    theta, size = AFFINE_ERRORS[case]
    ours = _errors(lambda: F.affine_grid(symgrad.zeros(*theta), size, align_corners=False))
    theirs = _errors(lambda: TF.affine_grid(torch.zeros(*theta), size, align_corners=False))
    assert ours == theirs and theirs[0] != "no error"


def test_affine_grid_of_integers_is_torchs_value_error() -> None:
    # The dtype named as each library names it.
    ours = _errors(lambda: F.affine_grid(symgrad.zeros(1, 2, 3, dtype=symgrad.int32),
                                         (1, 1, 2, 2), align_corners=False))
    theirs = _errors(lambda: TF.affine_grid(torch.zeros(1, 2, 3, dtype=torch.int32),
                                            (1, 1, 2, 2), align_corners=False))
    assert ours == (theirs[0], theirs[1].replace("torch.", "symgrad."))


# -- a spatial transformer, as PyTorch's tutorial builds one ------------------------------------
def _stn(lib: Any, nn: Any, x: Any, seed: int) -> tuple[Any, list[Any]]:
    """A localisation net (a Linear from the flattened image to theta, started at the
    identity plus noise), the grid it makes, the image sampled on it, a classifier and a loss."""
    lib.manual_seed(seed)
    loc = lib.nn.Linear(x.shape[2] * x.shape[3], 6)
    fc = lib.nn.Linear(x.shape[1] * 4 * 5, 3)
    with lib.no_grad():
        loc.bias.copy_(lib.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))
    theta = loc(x.mean(1).flatten(1)).view(-1, 2, 3)
    grid = nn.affine_grid(theta, (x.shape[0], x.shape[1], 4, 5), align_corners=False)
    warped = nn.grid_sample(x, grid, align_corners=False)
    logits = fc(warped.flatten(1))
    loss = nn.cross_entropy(logits, lib.tensor([0, 2]))
    loss.backward()
    return loss, [loc.weight.grad, loc.bias.grad, fc.weight.grad, fc.bias.grad]


def test_a_spatial_transformer_gets_torchs_parameter_gradients() -> None:
    x = np.random.default_rng(5).standard_normal((2, 2, 6, 7)).astype(np.float32)
    loss, grads = _stn(symgrad, F, symgrad.tensor(x), seed=0)
    tloss, tgrads = _stn(torch, TF, torch.tensor(x), seed=0)
    _close(loss, tloss, "float32", "loss")
    for a, e, name in zip(grads, tgrads, ("loc.weight", "loc.bias", "fc.weight", "fc.bias"),
                          strict=True):
        _close(a, e, "float32", f"{name}'s gradient")


# -- the judge on the kinks ----------------------------------------------------------------------
KINKED = [i for i, at in enumerate(cases("grid_sampler_2d", defects=True))
          if at.attrs["mode"] == "bilinear"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("i", KINKED)
def test_the_judge_holds_first_order_on_the_kinks_to_the_declared_conventions(i: int,
                                                                               dtype: str) -> None:
    """The catalog's bilinear points on whole pixel positions and clamped borders are judged
    at first order: each grid coordinate on a kink takes its declared convention, and passes."""
    values, attrs = arrays("grid_sampler_2d", i, dtype, defects=True)
    inputs = [symgrad.tensor(values[n], requires_grad=True) for n in ("input", "grid")]
    verdict = crosscheck(lambda x, g: apply(REGISTRY["grid_sampler_2d"], x, g, **attrs),
                         inputs, order=1, op="grid_sampler_2d")
    assert verdict.passed and verdict.status == "kink", verdict.message


def _hvps(values: dict[str, np.ndarray], attrs: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The judge's exact Hessian-vector product of a weighted grid_sample and PyTorch's."""
    import oracle

    rng = np.random.default_rng(0)
    names = ("input", "grid")
    vs = [rng.standard_normal(values[n].shape) for n in names]
    xs = [symgrad.tensor(values[n], requires_grad=True) for n in names]
    out = apply(REGISTRY["grid_sampler_2d"], *xs, **attrs)
    w = rng.standard_normal(out.shape)
    exact = oracle.exact_hvp((out * symgrad.tensor(w)).sum(), xs, [symgrad.tensor(v) for v in vs])
    ts = [torch.tensor(values[n], requires_grad=True) for n in names]
    tout = (TF.grid_sample(*ts, **attrs) * torch.tensor(w)).sum()
    firsts = torch.autograd.grad(tout, ts, create_graph=True)
    seconds = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(
        firsts, vs, strict=True)), ts, allow_unused=True)
    return exact, [np.zeros(values[n].shape) if h is None else h.numpy()
                   for n, h in zip(names, seconds, strict=True)]


@pytest.mark.parametrize("i", KINKED)
def test_the_judge_takes_second_order_on_the_kinks_by_the_declared_conventions(i: int) -> None:
    """On whole pixel positions and clamped borders the judge's second partials take each
    kink's declared side (the cell to the right; slope 0 along a coordinate on a clamped
    border), PyTorch's, not the average of the sides that the hats' corners give at the point
    itself (Abs' = sign(0) = 0); its status says the point is on a kink."""
    values, attrs = arrays("grid_sampler_2d", i, "float64", defects=True)
    exact, expected = _hvps(values, attrs)
    assert exact.status == "kink", exact.reason
    for got, want in zip(exact.float64, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("image", ["zeros", "values"])
def test_the_judge_takes_the_right_cell_at_a_whole_pixel_in_second_order(image: str) -> None:
    """Grid 0 on 3 x 3 pixels: both coordinates on pixel 1. With an all-zero image no first
    partial jumps there, yet the second partials (the hats' slopes) do: the judge averaged
    them (input's hvp 0 at pixel (1, 1) where PyTorch's is nonzero)."""
    pixels = np.zeros((1, 1, 3, 3)) if image == "zeros" else np.array(
        [[[[1.0, 2.0, -1.0], [0.5, -2.0, 3.0], [1.5, 0.25, -1.0]]]])
    attrs = {"mode": "bilinear", "padding_mode": "zeros", "align_corners": False}
    exact, expected = _hvps({"input": pixels, "grid": np.zeros((1, 1, 1, 2))}, attrs)
    assert exact.status == "kink", exact.reason
    for got, want in zip(exact.float64, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
