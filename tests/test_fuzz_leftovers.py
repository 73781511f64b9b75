"""PyTorch parity for the differential fuzzer's leftovers (``tests/torch_fuzz.py``): each test
compares symgrad with torch 2.13 on a case the fuzzer reached or its neighbours."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")


def _outcome(fn):
    """What a call gives: ("ok", dtype name, shape, values) or ("raises", class, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - the class and message are compared
            return ("raises", type(e).__name__, str(e))
    if out is None:
        return ("ok", None)
    return ("ok", str(out.dtype).split(".")[-1], tuple(out.shape),
            np.asarray(out.detach().numpy(), dtype=np.float64).tolist())


def _same(call):
    """``call(lib)`` gives the same outcome in symgrad as in torch."""
    assert _outcome(lambda: call(symgrad)) == _outcome(lambda: call(torch))


# -- adaptive pooling to an empty output -----------------------------------------------------
def _backward_to_empty(lib, name, shape, size):
    x = lib.ones(*shape, requires_grad=True)
    y = getattr(lib.nn.functional, name)(x, size)
    y.sum().backward()
    return x.grad


@pytest.mark.parametrize(("name", "shape", "size"), [
    ("adaptive_avg_pool1d", (2, 3), 0), ("adaptive_avg_pool2d", (1, 2, 3), (0, 2)),
    ("adaptive_avg_pool2d", (1, 2, 3), (2, 0)), ("adaptive_avg_pool3d", (1, 2, 3, 2), (0, 2, 1)),
    ("adaptive_max_pool1d", (2, 3), 0), ("adaptive_max_pool2d", (1, 2, 3), (0, 2)),
    # an empty batch is not refused: the gradient is empty
    ("adaptive_avg_pool2d", (0, 1, 3), 2)])
def test_adaptive_pooling_backward_to_an_empty_output_raises(name, shape, size):
    _same(lambda lib: _backward_to_empty(lib, name, shape, size))


@pytest.mark.parametrize("create_graph", [False, True])
def test_adaptive_pooling_grad_to_an_empty_output_raises(create_graph):
    def call(lib):
        x = lib.ones(2, 3, requires_grad=True)
        return lib.autograd.grad(lib.adaptive_avg_pool1d(x, 0).sum(), x,
                                 create_graph=create_graph)[0]
    _same(call)


@pytest.mark.parametrize("dtype", ["bool", "int64", "float16"])
@pytest.mark.parametrize(("shape", "size"), [((3, 1), 0), ((0, 1), 1), ((3, 1), 1), ((3, 1), 2)])
def test_adaptive_avg_pool1d_of_an_empty_output_takes_any_dtype(dtype, shape, size):
    # PyTorch's kernel returns an empty output before it checks the dtype.
    _same(lambda lib: lib.adaptive_avg_pool1d(lib.ones(*shape, dtype=getattr(lib, dtype)), size))


@pytest.mark.parametrize(("name", "shape", "size"), [
    ("adaptive_avg_pool2d", (1, 3, 1), (0, 1)), ("adaptive_avg_pool2d", (2, 1, 3, 1), (1, 0)),
    ("adaptive_avg_pool2d", (0, 1, 3), 2), ("adaptive_avg_pool2d", (1, 1, 3), 2),
    ("adaptive_avg_pool3d", (1, 3, 1, 1), (0, 1, 1)), ("adaptive_max_pool1d", (1, 3, 1), 0)])
def test_adaptive_pooling_of_bools_to_an_empty_output(name, shape, size):
    _same(lambda lib: getattr(lib.nn.functional, name)(lib.ones(*shape, dtype=lib.bool), size))


# -- cumulative_trapezoid and trapezoid: ATen's order of checks --------------------------------
_SAMPLES = [((2, 3), (2, 2)), ((2, 3), (3, 2)), ((2, 3), (5, 1, 3)), ((3,), (2, 3)), ((3,), ()),
            ((3, 1), (1, 3)), ((), ()), ((), (3,)), ((), (2, 2)), ((2, 0), (2, 0)),
            ((2, 0), (1, 0)), ((0,), (0,)), ((2, 0), (0,)), ((2, 0), (3,))]


@pytest.mark.parametrize("fn", ["cumulative_trapezoid", "trapezoid"])
@pytest.mark.parametrize(("y_shape", "x_shape"), _SAMPLES)
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_trapezoid_checks_as_aten(fn, y_shape, x_shape, dim):
    # a float32 y at float64 points: the result's dtype shows the computation ran (empty too)
    _same(lambda lib: getattr(lib, fn)(lib.ones(y_shape), lib.ones(x_shape, dtype=lib.float64),
                                       dim=dim))


@pytest.mark.parametrize("fn", ["cumulative_trapezoid", "trapezoid"])
@pytest.mark.parametrize(("y", "x", "kw"), [
    ("b", None, {}), ("b", "f", {}), ("f", "b", {}), ("z", None, {"dim": 1}),
    ("z", "z", {"dim": 1}), ("z", "f", {"dim": 1}), ("z", None, {"dim": 0}),
    ("zb", None, {}), ("zb", "f", {}), ("z", "b", {}), ("z", None, {"dim": -2}),
    ("eb", None, {}), ("eb", "e", {}), ("e", "eb", {})])
def test_trapezoid_refusals_as_aten(fn, y, x, kw):
    def call(lib):
        made = {"b": lib.ones(3, dtype=lib.bool), "f": lib.ones(3), "z": lib.ones(()),
                "zb": lib.ones((), dtype=lib.bool), "e": lib.ones(2, 0),
                "eb": lib.ones(2, 0, dtype=lib.bool)}
        return getattr(lib, fn)(made[y], *([] if x is None else [made[x]]), **kw)
    _same(call)


@pytest.mark.parametrize("x_dtype", ["float32", "float64", None])
def test_cumulative_trapezoid_of_empty_samples_records_atens_graph(x_dtype):
    def call(lib):
        y = lib.ones(2, 0, requires_grad=True)
        out = (lib.cumulative_trapezoid(y) if x_dtype is None else lib.cumulative_trapezoid(
            y, lib.ones(2, 0, dtype=getattr(lib, x_dtype), requires_grad=True)))
        return str(out.dtype).split(".")[-1], type(out.grad_fn).__name__, out.requires_grad
    assert call(symgrad) == call(torch)


# -- cross: ATen's order of checks ----------------------------------------------------------
_CROSS_SHAPES = [(3,), (2, 3), (3, 1), (1, 3), (0, 3), (3, 0), ()]


@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
@pytest.mark.parametrize("shape", _CROSS_SHAPES)
@pytest.mark.parametrize("other_shape", [(3,), (1, 3), (3, 3), ()])
@pytest.mark.parametrize("fn", ["cross", "linalg.cross"])
@pytest.mark.parametrize("dim", [None, 0, -1])
def test_cross_checks_as_aten(dtype, shape, other_shape, fn, dim):
    def call(lib):
        f = lib.cross if fn == "cross" else lib.linalg.cross
        kw = {} if dim is None else {"dim": dim}
        return f(lib.ones(shape, dtype=getattr(lib, dtype)), lib.ones(other_shape), **kw)
    _same(call)


# -- gradients of linear ops under create_graph: PyTorch's backward reads self ----------------
def _orders(lib, f, x):
    """What the first three orders of ``grad`` give: requires_grad and values, or the error."""
    out = []
    y = f(x).sum()
    for _ in range(3):
        try:
            (y,) = lib.autograd.grad(y, x, create_graph=True)
        except RuntimeError as e:
            out.append(("raises", str(e)))
            break
        # PyTorch's zeros may be a ZeroTensor, which numpy() refuses without force
        values = y.detach().numpy(force=True) if lib is torch else y.detach().numpy()
        out.append((y.requires_grad, np.asarray(values, dtype=np.float64).tolist()))
        y = y.sum()
    return out


_LINEAR = {
    "avg_pool1d": lambda lib, x: lib.nn.functional.avg_pool1d(x, 2),
    "avg_pool2d": lambda lib, x: lib.nn.functional.avg_pool2d(x, 2),
    "avg_pool2d padded": lambda lib, x: lib.nn.functional.avg_pool2d(
        x, 2, padding=1, count_include_pad=False),
    "avg_pool3d": lambda lib, x: lib.nn.functional.avg_pool3d(x.unsqueeze(0), (1, 2, 2)),
    "adaptive_avg_pool1d": lambda lib, x: lib.nn.functional.adaptive_avg_pool1d(x, 3),
    "adaptive_avg_pool2d": lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, (1, 3)),
    "adaptive_avg_pool3d": lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(
        x.unsqueeze(0), (1, 2, 1)),
    # the pooling's gradient times a function of x: the second order requires grad too
    "avg_pool1d times x": lambda lib, x: lib.nn.functional.avg_pool1d(x, 2) * x[..., :2],
    "norm p=1": lambda lib, x: lib.linalg.vector_norm(x, 1),
    "norm p=inf": lambda lib, x: lib.linalg.vector_norm(x, float("inf")),
    "norm p=-inf over a dim": lambda lib, x: lib.linalg.vector_norm(x, float("-inf"), dim=2),
    "norm p=1 times x": lambda lib, x: lib.norm(x, p=1) * x,
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(_LINEAR))
def test_gradients_of_linear_ops_read_self_under_create_graph(name, dtype):
    def call(lib):
        x = lib.tensor([[[1.0, -2.0, 3.0, 0.5], [4.0, 2.0, -1.0, 1.5]]],
                       dtype=getattr(lib, dtype), requires_grad=True)
        return _orders(lib, lambda x: _LINEAR[name](lib, x), x)
    got, want = call(symgrad), call(torch)
    assert [g[0] for g in got] == [w[0] for w in want]
    for g, w in zip(got, want, strict=True):
        if g[0] != "raises":
            np.testing.assert_allclose(g[1], w[1], rtol=1e-6)


_POOLS = {
    "avg_pool1d": lambda lib, y: lib.nn.functional.avg_pool1d(y, 2),
    "avg_pool2d": lambda lib, y: lib.nn.functional.avg_pool2d(y, 2),
    "adaptive_avg_pool1d": lambda lib, y: lib.nn.functional.adaptive_avg_pool1d(y, 3),
    "adaptive_avg_pool2d": lambda lib, y: lib.nn.functional.adaptive_avg_pool2d(y, (1, 2)),
    "avg_pool3d": lambda lib, y: lib.nn.functional.avg_pool3d(y.unsqueeze(0), 1),
    "adaptive_avg_pool3d": lambda lib, y: lib.nn.functional.adaptive_avg_pool3d(
        y.unsqueeze(0), (1, 1, 2)),
}


@pytest.mark.parametrize("name", sorted(_POOLS))
def test_average_pooling_saves_its_input(name):
    # PyTorch's backward reads self: changing it in place before backward raises.
    def call(lib):
        x = lib.ones(1, 2, 4, requires_grad=True)
        y = x * 1
        out = _POOLS[name](lib, y)
        y.add_(1)
        out.sum().backward()
        return x.grad
    got, want = _outcome(lambda: call(symgrad)), _outcome(lambda: call(torch))
    assert got[:2] == want[:2] == ("raises", "RuntimeError")


@pytest.mark.parametrize("p", [1.0, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_gradient_at_a_nan_as_pytorch(p, dim):
    # PyTorch's sgn(nan) is 0; for +-inf a NaN is counted among the maxima (then zeroed).
    def call(lib):
        x = lib.tensor([[float("nan"), 1.0, -2.0], [1.0, -3.0, 3.0]], requires_grad=True)
        lib.linalg.vector_norm(x, p, dim=dim).sum().backward()
        return x.grad
    got, want = _outcome(lambda: call(symgrad)), _outcome(lambda: call(torch))
    assert got == want
    assert np.signbit(call(symgrad).numpy()).tolist() == np.signbit(call(torch).numpy()).tolist()


# -- a view taken before its base was made to require grad ---------------------------------
def _late_base(lib, setter=False):
    x = lib.tensor([1.0, 2.0, 3.0])
    v = x[1:]
    w = x.view(3)[:2]  # a view of a view: its base is x too
    if setter:
        x.requires_grad = True
    else:
        x.requires_grad_()
    return x, v, w


def _flags(t):
    return t.requires_grad, t.is_leaf, None if t.grad_fn is None else type(t.grad_fn).__name__


@pytest.mark.parametrize("setter", [False, True])
def test_a_view_requires_grad_once_its_base_does(setter):
    def call(lib):
        x, v, w = _late_base(lib, setter)
        y = v * 2
        return _flags(v), _flags(w), _flags(y), _flags(v[:1]), _flags(v.detach())
    assert call(symgrad) == call(torch)


def test_gradients_reaching_such_a_view_go_nowhere():
    def call(lib):
        x, v, w = _late_base(lib)
        ((v * 2).sum() + (w * 3).sum() + (v[:1] * 4).sum()).backward()
        return x.grad, v.grad, w.grad
    assert call(symgrad) == call(torch) == (None, None, None)


@pytest.mark.parametrize("wrt", ["view", "base"])
def test_grad_with_respect_to_such_a_view_finds_it_unused(wrt):
    def call(lib):
        x, v, w = _late_base(lib)
        return lib.autograd.grad((v * 2).sum(), v if wrt == "view" else x)
    _same(call)


def test_such_a_view_follows_its_base_back():
    def call(lib):
        x, v, w = _late_base(lib)
        v.requires_grad_(False)  # PyTorch accepts it: the view still asks its base
        kept = v.requires_grad
        x.requires_grad_(False)
        return kept, v.requires_grad, w.requires_grad, (v * 2).requires_grad
    assert call(symgrad) == call(torch)


def test_such_a_view_with_its_own_flag_accumulates():
    def call(lib):
        x, v, w = _late_base(lib)
        v.requires_grad_(True)
        (v * 2).sum().backward()
        return x.grad, None if v.grad is None else v.grad.tolist()
    assert call(symgrad) == call(torch)


@pytest.mark.parametrize("write", ["add_", "setitem"])
def test_writing_such_a_view_is_refused_as_a_view(write):
    def call(lib):
        x, v, w = _late_base(lib)
        if write == "add_":
            v.add_(1)
        else:
            v[0] = 5.0
        return v
    _same(call)


# -- backward refusals the fuzzer found --------------------------------------------------------
@pytest.mark.parametrize(("first", "second"), [("bool", "grad"), ("grad", "bool"),
                                               ("int64", "grad"), ("bool", "float")])
def test_atan2_of_bools_backward_as_pytorch(first, second):
    def call(lib):
        made = {"bool": lib.tensor([True, False]), "int64": lib.tensor([1, 0]),
                "float": lib.tensor([1.0, 2.0]),
                "grad": lib.tensor([1.0, 2.0], requires_grad=True)}
        a, b = made[first], made[second]
        out = lib.atan2(a, b)
        if out.requires_grad:
            out.sum().backward()
        return next((t.grad for t in (a, b) if t.requires_grad), None)
    _same(call)


@pytest.mark.parametrize("which", ["self", "other", "both"])
@pytest.mark.parametrize("write", ["result", "self", "other"])
def test_ldexp_saves_other_and_its_result(which, write):
    def call(lib):
        x = lib.tensor([1.0, 2.0, -3.0], requires_grad=which in ("self", "both")) * 1
        e = lib.tensor([1.0, 0.5, -2.0], requires_grad=which in ("other", "both")) * 1
        y = lib.ldexp(x, e)
        with lib.no_grad():
            {"result": y, "self": x, "other": e}[write].add_(1)
        y.sum().backward()
        return y
    got, want = _outcome(lambda: call(symgrad)), _outcome(lambda: call(torch))
    assert got[:2] == want[:2]


# -- leaf gradients after a backward that raised ------------------------------------------------
def _raising(lib, t):
    """``u * u`` with ``u`` changed in place after: its backward raises."""
    u = t * 1
    out = u * u
    with lib.no_grad():
        u.add_(1)
    return out


_RAISING = {
    "a leaf used after": lambda lib, x, w: _raising(lib, w) + x * 3,
    "a leaf used before": lambda lib, x, w: x * 3 + _raising(lib, w),
    "a leaf used on both sides": lambda lib, x, w: x * 3 + _raising(lib, w) + x * w,
    "a leaf added directly": lambda lib, x, w: _raising(lib, w) + x,
    "a chain after": lambda lib, x, w: (_raising(lib, w) + (x * 3).exp()).sum() * 2,
    # x's accumulator is made (at its first use, exp) before the failing node: PyTorch's runs
    # as soon as the add hands it its gradient, before the node (fuzzer seed 2258 #679)
    "a leaf used earlier, added after": lambda lib, x, w: (x.exp(), _raising(lib, w) + x)[1],
}


@pytest.mark.parametrize("name", sorted(_RAISING))
def test_leaves_reached_before_a_backward_raised_have_their_gradients(name):
    # PyTorch runs an accumulator as soon as every node feeding it has run.
    def call(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        with pytest.raises(RuntimeError):
            _RAISING[name](lib, x, w).sum().backward()
        return [None if t.grad is None else t.grad.tolist() for t in (x, w)]
    assert call(symgrad) == call(torch)


@pytest.mark.parametrize("order", ["not implemented first", "leaf first"])
def test_leaves_reached_before_a_not_implemented_node(order):
    """PyTorch runs an AccumulateGrad node and a NotImplemented node as soon as each is ready:
    both have sequence_nr UINT64_MAX, above every other node's, and two that one node makes
    ready run in the order of its inputs. symgrad numbers an accumulator at the leaf's first
    use and runs the highest number first, so ``floor_divide(-1, a) + b``, whose accumulator
    for b is newer than floor_divide's node, gives b its gradient before the backward raises,
    where PyTorch's gives it none (the fuzzer leaves such a leaf uncompared,
    ``torch_fuzz.NOT_IMPLEMENTED``). With b first both reach it."""
    grads = {}
    for lib in (symgrad, torch):
        a = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        b = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        f = lib.floor_divide(-1.0, a)
        out = f + b if order == "not implemented first" else b + f
        with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not "
                                                "implemented"):
            out.sum().backward()
        assert a.grad is None
        grads[lib] = None if b.grad is None else b.grad.tolist()
        if lib is torch:
            assert f.grad_fn._sequence_nr() == 2**64 - 1
            assert out.grad_fn.next_functions[order == "leaf first"][0]._sequence_nr() == (
                2**64 - 1)  # b's AccumulateGrad
    assert grads[symgrad] == [[1.0] * 3] * 2
    assert grads[torch] == (None if order == "not implemented first" else grads[symgrad])


def test_a_function_runs_before_the_accumulators_it_feeds():
    # A custom Function's node is made before its inputs' accumulators are.
    class Twice(symgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (Twice.apply(x) + x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert seen == [[3.0, 3.0]]  # one gradient, summed: the accumulator ran once


# -- seed 6: searchsorted, isin, copysign, logaddexp ------------------------------------------
@pytest.mark.parametrize("first", ["bool", "int64", "float32"])
@pytest.mark.parametrize("second", ["bool", "int64", "float64", "number", "True"])
@pytest.mark.parametrize(("s1", "s2"), [((3,), (2,)), ((0,), (2,)), ((3,), (0,)), ((), ()),
                                        ((1, 3), (1, 2))])
@pytest.mark.parametrize("fn", ["isin", "searchsorted", "bucketize"])
def test_searching_refuses_as_pytorch(first, second, s1, s2, fn):
    def call(lib):
        a = lib.ones(s1, dtype=getattr(lib, first))
        b = {"number": 1.0, "True": True}.get(second)
        b = lib.ones(s2, dtype=getattr(lib, second)) if b is None else b
        if fn == "bucketize":
            return lib.bucketize(b, a)
        return getattr(lib, fn)(a, b)
    _same(call)


@pytest.mark.parametrize("scalar", [False, True])
@pytest.mark.parametrize("which", ["self", "other", "both"])
@pytest.mark.parametrize("write", ["result", "self", "other"])
def test_copysign_saves_self_and_its_result(scalar, which, write):
    def call(lib):
        x = lib.tensor([1.0, -2.0, 0.0], requires_grad=which != "other") * 1
        o = lib.tensor([-1.0, 1.0, 2.0], requires_grad=which != "self") * 1
        y = lib.copysign(x, -1.5 if scalar else o)
        if not y.requires_grad:
            return y
        with lib.no_grad():
            {"result": y, "self": x, "other": o}[write].add_(1)
        y.sum().backward()
        return y
    got, want = _outcome(lambda: call(symgrad)), _outcome(lambda: call(torch))
    assert got[:2] == want[:2]


@pytest.mark.parametrize("fn", ["logaddexp", "logaddexp2"])
@pytest.mark.parametrize(("first", "second"), [("bool", "grad"), ("grad", "bool"),
                                               ("int64", "grad"), ("grad", "float")])
def test_logaddexp_of_bools_backward_as_pytorch(fn, first, second):
    def call(lib):
        made = {"bool": lib.tensor([True, False]), "int64": lib.tensor([1, 0]),
                "float": lib.tensor([1.0, 2.0]),
                "grad": lib.tensor([1.0, 2.0], requires_grad=True)}
        a, b = made[first], made[second]
        getattr(lib, fn)(a, b).sum().backward()
        return next(t.grad for t in (a, b) if t.requires_grad)
    got, want = _outcome(lambda: call(symgrad)), _outcome(lambda: call(torch))
    assert got[:3] == want[:3]
    if got[0] == "ok":  # symgrad rounds once from float64: within an ulp of PyTorch's float32
        np.testing.assert_allclose(got[3], want[3], rtol=1e-6)


# -- seed 7: views made under no_grad, copysign of bools ------------------------------------
@pytest.mark.parametrize("base_kind", ["leaf", "non-leaf"])
def test_a_view_made_under_no_grad_gets_no_gradient(base_kind):
    def call(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x if base_kind == "leaf" else x * 2
        with lib.no_grad():
            v = y[1:]
        z = v * 3
        z.sum().backward()
        flags = _flags(v), _flags(z)
        outcomes = [_outcome(f)[:3] for f in (
            lambda: lib.autograd.grad((v * 3).sum(), v), lambda: v.backward(lib.ones(2)),
            lambda: lib.unique(v).sum().backward())]
        return flags, x.grad, v.grad, outcomes
    assert call(symgrad) == call(torch)


@pytest.mark.parametrize("other", ["tensor", "number"])
def test_copysign_of_bools(other):
    def call(lib):
        b = lib.tensor([1.0, -2.0], requires_grad=True)
        y = lib.copysign(lib.tensor([True, False]), b if other == "tensor" else -1.0)
        if y.requires_grad:
            y.sum().backward()
        return b.grad if other == "tensor" else y
    _same(call)


# -- seed 29: copysign's other under an infinite gradient ------------------------------------
@pytest.mark.parametrize("magnitude", ["False", "zero", "two"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_copysign_other_passes_no_infinite_gradient(magnitude, create_graph):
    """``1 / copysign(m, x)`` holds only x's sign: constant near x = -2.5 and 3, so its
    derivative is 0 (PyTorch's too); with m = 0 the gradient reaching other is 1 / 0 = inf,
    and ``g * 0`` made x's gradient NaN."""
    def call(lib):
        x = lib.tensor([-2.5, 3.0], requires_grad=True)
        m = {"False": lib.tensor(False), "zero": lib.tensor(0.0), "two": lib.tensor(2.0)}
        y = (1 / lib.copysign(m[magnitude], x)).sum()
        return lib.autograd.grad(y, x, create_graph=create_graph)[0]
    got = _outcome(lambda: call(symgrad))
    assert got == _outcome(lambda: call(torch))
    assert got[3] == [0.0, 0.0]


# -- a fill or scatter of a value that requires grad into an integer or bool tensor ----------
_FILLS = {
    "masked_fill": lambda lib, x, s: x.masked_fill(x > 5, s[0, 0]),
    "index_fill": lambda lib, x, s: x.index_fill(0, lib.tensor([0]), s[0, 0]),
    "slice_scatter": lambda lib, x, s: lib.slice_scatter(x, s),
    "select_scatter": lambda lib, x, s: lib.select_scatter(x, s[0], 0, 0),
    "diagonal_scatter": lambda lib, x, s: lib.diagonal_scatter(x, s[0]),
}


@pytest.mark.parametrize("dtype", ["int64", "bool", "float64"])
@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("name", sorted(_FILLS))
def test_fills_of_values_that_require_grad_into_integers(name, grad, dtype):
    def call(lib):
        x = lib.ones(3, 3, dtype=getattr(lib, dtype))
        s = lib.ones(3, 3, requires_grad=True) * 2
        with lib.enable_grad() if grad else lib.no_grad():
            return _FILLS[name](lib, x, s)
    _same(call)


# -- PyTorch's var_mean/std_mean: its mean after an infinite element is nan ------------------
@pytest.mark.parametrize("fn", ["var_mean", "std_mean"])
@pytest.mark.parametrize(("row", "mean"), [([math.inf, 1.0], math.inf),
                                           ([1.0, math.inf], math.inf),
                                           ([math.inf, math.inf], math.inf),
                                           ([-math.inf, 2.0, 3.0], -math.inf)])
def test_var_mean_of_an_infinite_row_is_the_mathematics(fn, row, mean):
    # The mean of finite numbers and infinities of one sign is that infinity; symgrad's
    # var_mean agrees with its mean() and torch.mean. PyTorch's var_mean updates the mean as
    # Welford does and gives nan once an infinite element comes first (torch_fuzz's
    # TORCH_WRONG_VALUES).
    x = symgrad.tensor([row], dtype=symgrad.float64)
    assert getattr(symgrad, fn)(x, 1)[1].item() == mean == x.mean(1).item()
    t = torch.tensor([row], dtype=torch.float64)
    assert torch.mean(t, 1).item() == mean
    if row[0] == mean:  # PyTorch's var_mean: nan where the infinity comes first
        assert math.isnan(getattr(torch, fn)(t, 1)[1].item())


def test_the_fuzzer_counts_only_inf_for_nan_as_pytorch_wrong():
    import torch_fuzz

    ok = ("tensor", "float64", (2,), np.array([math.inf, 1.0]), False, True, None)
    nan = ("tensor", "float64", (2,), np.array([math.nan, 1.0]), False, True, None)
    other = ("tensor", "float64", (2,), np.array([math.nan, 2.0]), False, True, None)
    assert torch_fuzz._inf_for_nan((ok, ok), (nan, ok))
    assert not torch_fuzz._inf_for_nan((ok, ok), (other, ok))
    assert not torch_fuzz._inf_for_nan((nan, ok), (ok, ok))


# -- the fuzzer's rule for NaN in PyTorch's gradients ---------------------------------------
def test_the_fuzzer_counts_nan_in_torch_gradients_only_there():
    import torch_fuzz

    assert torch_fuzz._only_where_torch_nan(np.array([math.inf, 1.0]), np.array([math.nan, 1.0]))
    assert torch_fuzz._only_where_torch_nan(np.array([-1.0, 1.0]), np.array([math.nan, 1.0]))
    assert not torch_fuzz._only_where_torch_nan(np.array([1.0, 1.0]), np.array([math.nan, 2.0]))
    assert not torch_fuzz._only_where_torch_nan(np.array([math.nan]), np.array([1.0]))


# -- pow with a tensor exponent 0: the base's gradient is 0 whatever comes in ------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_pow_by_a_zero_exponent_tensor_sends_zero(dtype, create_graph):
    def call(lib):
        x = lib.tensor([2.0, 0.0, -1.0, 1.0], dtype=getattr(lib, dtype), requires_grad=True)
        e = lib.tensor([0.0, 0.0, 0.0, 2.0], dtype=getattr(lib, dtype), requires_grad=True)
        g = lib.tensor([math.inf, 1.0, -math.inf, 3.0], dtype=getattr(lib, dtype))
        gx, _ = lib.autograd.grad(lib.pow(x, e), (x, e), g, create_graph=create_graph)
        return gx
    _same(call)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [1, 2, 3])
def test_mvlgamma_of_infinities_is_infinite(p, dtype):
    # lgamma(+-inf) is inf, and so is a sum of them (the exact rest of -inf - i/2 was NaN).
    # (Finite values are held to the mathematics elsewhere: PyTorch's float32 is 1 ULP off.)
    x = [-math.inf, math.inf, math.nan, -math.inf]
    mine = symgrad.mvlgamma(symgrad.tensor(x, dtype=getattr(symgrad, dtype)), p)
    theirs = torch.mvlgamma(torch.tensor(x, dtype=getattr(torch, dtype)), p)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize(("shape", "dim", "index", "source"), [
    ((2, 0), 0, [0, 2], (2, 0)), ((3, 0), 0, [5], (1, 0)), ((2, 3), 1, [0, 2], (2, 2))])
@pytest.mark.parametrize("op", ["index_copy", "index_fill"])
def test_backward_through_an_index_past_an_empty_end_is_refused_as_in_torch(
        op, shape, dim, index, source):
    # The forward writes nothing there; the backward's index_select checks the index.
    def run(lib):
        x = lib.ones(shape, requires_grad=True)
        other = lib.ones(source, requires_grad=True) if op == "index_copy" else lib.tensor(
            2.0, requires_grad=True)
        y = getattr(lib, op)(x * 1, dim, lib.tensor(index), other)
        y.sum().backward()
        return other.grad

    assert _outcome(lambda: run(symgrad)) == _outcome(lambda: run(torch))


@pytest.mark.parametrize("fn", ["slogdet", "linalg.slogdet"])
def test_slogdets_sign_is_made_by_its_node_and_sends_no_gradient(fn):
    # PyTorch's sign is an output of LinalgSlogdetBackward0 (requires grad, prints its node);
    # for a real matrix its backward sends nothing: A.grad stays None.
    outcomes = []
    for lib in (torch, symgrad):
        a = lib.tensor([[2.0, 1.0], [1.0, -3.0]], requires_grad=True)
        call = lib.linalg.slogdet if fn == "linalg.slogdet" else lib.slogdet
        sign, _ = call(a)
        grad_fn = type(sign.grad_fn).__name__
        sign.sum().backward()
        outcomes.append((sign.item(), sign.requires_grad, grad_fn, a.grad))
        with lib.no_grad():
            outcomes.append(call(a).sign.requires_grad)
    assert outcomes[:2] == outcomes[2:]
    assert outcomes[0][1:3] == (True, "LinalgSlogdetBackward0")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_of_a_vector_with_itself_is_zero(dtype):
    # a x a = 0 exactly: each element a_j a_k - a_k a_j is a difference of two equal products,
    # so its correctly rounded value is 0, symgrad's. PyTorch 2.13's CPU kernel fuses one
    # multiply with the subtraction, and its float32 result is the other product's rounding
    # error (seed 2275 program 1431; torch_fuzz's _fused_cross): stated here as PyTorch gives
    # it, fma(a_j, a_k, -round(a_k a_j)), from the exact float64 products.
    values = [171.88734436035156, -7.161972522735596, 28.647890090942383]
    mine = symgrad.cross(symgrad.tensor(values, dtype=getattr(symgrad, dtype)),
                         symgrad.tensor(values, dtype=getattr(symgrad, dtype)), dim=0)
    assert mine.tolist() == [0.0, 0.0, 0.0]
    a = np.array(values, dtype=np.float32).astype(np.float64)
    fused = [float(np.float32(a[(i + 1) % 3] * a[(i + 2) % 3]
                              - np.float64(np.float32(a[(i + 2) % 3] * a[(i + 1) % 3]))))
             for i in range(3)]
    t = torch.tensor(values, dtype=getattr(torch, dtype))
    theirs = torch.cross(t, t.clone(), dim=0).tolist()
    assert theirs == (fused if dtype == "float32" else [0.0, 0.0, 0.0])
    assert dtype == "float64" or all(f != 0 for f in fused)


@pytest.mark.parametrize("matrix", [
    [[math.nan, math.nan], [math.nan, math.nan]], [[math.nan, 1.0], [2.0, 3.0]],
    [[1.0, 2.0], [3.0, math.nan]], [[math.nan]], [[math.inf, math.inf], [1.0, 1.0]]])
@pytest.mark.parametrize("fn", ["slogdet", "linalg.slogdet"])
def test_slogdets_sign_of_a_nan_determinant_is_zero_as_torch(fn, matrix):
    # A NaN pivot's sign is sign(nan), 0 in PyTorch (and symgrad's sign), so the sign of a
    # NaN determinant is +-0 (the permutation's parity times 0), not NaN: fuzzer seeds 2226
    # #272 (slogdet of cov of a (2, 0) tensor, all NaN) and 2289 #1080.
    def run(lib):
        call = lib.linalg.slogdet if fn == "linalg.slogdet" else lib.slogdet
        sign, logabsdet = call(lib.tensor(matrix))
        return lib.stack([sign, lib.signbit(sign).to(sign.dtype), lib.isnan(logabsdet) * 1.0])

    _same(run)
    assert symgrad.linalg.slogdet(symgrad.tensor(matrix)).sign.item() == 0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("tensor_weight", [False, True])
def test_lerp_goes_from_the_nearer_end_as_torch(dtype, tensor_weight):
    # Weight 1 gives the end exactly (1 + (1e-20 - 1) was 0 in float64), and where infinities
    # meet, PyTorch's two formulas decide (|weight| >= 0.5: end - (end - start) (1 - weight)).
    start = [1.0, 1.0, 3.0, 4.0, math.inf, 4.0, -2.5]
    end = [1e-20, 1e-20, 7.0, -math.inf, 1.0, -math.inf, -math.inf]
    weights = [1.0, 0.75, 0.5, -math.inf, 0.25, 0.25, -math.inf]

    def run(lib):
        d = getattr(lib, dtype)
        s, e = lib.tensor(start, dtype=d), lib.tensor(end, dtype=d)
        if tensor_weight:
            return lib.lerp(s, e, lib.tensor(weights, dtype=d))
        return lib.stack([lib.lerp(s, e, w) for w in (1.0, -math.inf)])

    mine, theirs = run(symgrad), run(torch)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("dim", [None, 1, -1, 0, (0, 1), (1, 0), (-1,), (0, 0)])
@pytest.mark.parametrize("shape", [(2, 0), (0,), (0, 3)])
@pytest.mark.parametrize("order", [math.inf, -math.inf, -1, -0.5])
def test_a_norm_without_identity_over_nothing_is_refused_as_in_torch(order, shape, dim):
    # inf's norm of no element was 0 (a max with initial 0); PyTorch refuses it, as every
    # order below 0, naming the first empty dim as given, before any later one out of range.
    kw = {} if dim is None else {"dim": dim}
    for name in ("norm", "linalg.vector_norm"):
        def call(lib, name=name):
            fn = lib.norm if name == "norm" else lib.linalg.vector_norm
            return fn(lib.ones(shape), order, **kw)

        assert _outcome(lambda: call(symgrad)) == _outcome(lambda: call(torch))


@pytest.mark.parametrize("g", [1.0, -1.0, math.nan, math.inf, -0.0])
@pytest.mark.parametrize(("a", "b"), [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0)])
def test_atan2s_derivatives_at_the_origin_are_g_times_zero_as_torchs(a, b, g):
    # A NaN or infinite incoming gradient gives NaN there (it gave 0 whatever came in), and the
    # zeros carry the signs of g * other * 0 and g * -self * 0.
    def grads(lib):
        x = lib.tensor([a], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([b], dtype=lib.float64, requires_grad=True)
        gx, gy = lib.autograd.grad(lib.atan2(x, y), [x, y], lib.tensor([g], dtype=lib.float64))
        return np.array([gx.item(), gy.item()])

    mine, theirs = grads(symgrad), grads(torch)
    np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(np.signbit(mine), np.signbit(theirs))


@pytest.mark.parametrize("pad", [(-1, 1, 1, 0), (1, 2, 3), (0, 0, 0, 0, 1, 1), (-1, 1)])
def test_constant_pad_nd_refuses_pads_past_its_dims_as_torch(pad):
    # The op itself (which random programs apply directly) refused nothing: a pair past the
    # input's dims wrapped round onto its last dim and padded it again.
    from symgrad.ops.padding import constant_pad_nd

    assert _outcome(lambda: constant_pad_nd(symgrad.zeros(2), pad, -1.5)) == _outcome(
        lambda: torch.constant_pad_nd(torch.zeros(2), pad, -1.5))


# -- a leaf that stops requiring grad after the graph was made ---------------------------------
@pytest.mark.parametrize("stop", ["detach_", "requires_grad_(False)"])
def test_a_leaf_that_no_longer_requires_grad_gets_no_gradient(stop):
    # PyTorch's AccumulateGrad returns without accumulating when its leaf no longer requires
    # grad; the leaf's own hooks still see the gradient, and the other leaves get theirs.
    def call(lib):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        w = lib.tensor([0.5, 3.0], requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(g.tolist()))
        y = (x * w).sum()
        x.detach_() if stop == "detach_" else x.requires_grad_(False)
        y.backward()
        return x.grad, w.grad.tolist(), seen, x.requires_grad, x.is_leaf

    assert call(symgrad) == call(torch)


# -- seed 32: logcumsumexp under a gradient that is NaN or infinite --------------------------
def _logcumsumexp_grad_by_definition(x: list[float], g: list[float]) -> list[float]:
    """grad[i] = sum over j >= i of g[j] exp(x[i] - out[j]): g[j] reaches only i <= j."""
    out = np.logaddexp.accumulate(np.array(x))
    with np.errstate(invalid="ignore"):
        return [float(sum(g[j] * math.exp(x[i] - out[j]) for j in range(i, len(x))))
                for i in range(len(x))]


@pytest.mark.parametrize("g", [[math.nan, 1.0, 1.0], [1.0, math.nan, 1.0],
                               [1.0, -math.inf, math.inf], [0.0, 0.0, math.inf]])
def test_logcumsumexp_gradient_reaches_only_the_elements_before(g):
    """A NaN or infinite g[j] reaches x[..j] only; symgrad's VJP multiplied every g[j] by a
    zero weight at the elements after j, which made them NaN too. (PyTorch's backward, which
    splits g by sign in log space, loses a NaN: its x[0] is finite for g = [nan, 1, 1].)"""
    x = [4.0, -2.5, 1.5]
    t = symgrad.tensor(x, dtype=symgrad.float64, requires_grad=True)
    symgrad.logcumsumexp(t, 0).backward(symgrad.tensor(g, dtype=symgrad.float64))
    want = _logcumsumexp_grad_by_definition(x, g)
    np.testing.assert_allclose(t.grad.tolist(), want, rtol=1e-14)
    if math.isnan(g[0]):
        r = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        torch.logcumsumexp(r, 0).backward(torch.tensor(g, dtype=torch.float64))
        assert math.isnan(want[0]) and math.isfinite(r.grad[0].item())


# -- seeds 35-36: reshape's shape rules, tensors of no element -------------------------------
@pytest.mark.parametrize("numel", [6, 0, 1])
@pytest.mark.parametrize("shape", [(-1, -1), (-2, 3), (3, -2, -1), (-1, -1, -3), (0, -1),
                                   (-1, 0), (4, -1), (7,), (2, -1), (1, -1, 1), ()])
@pytest.mark.parametrize("method", ["reshape", "view"])
def test_reshape_infers_its_shape_as_pytorch(method, shape, numel):
    """PyTorch's ``infer_size``: one -1 at most, no dim below -1 (NumPy read -2 as -1 and gave
    a value), a -1 beside a 0 ambiguous for a tensor of no element; no shape at all refused."""
    _same(lambda lib: getattr(lib.ones(numel), method)(*shape))


@pytest.mark.parametrize("case", ["rows of no element", "no index", "linear of no feature",
                                  "linear of no feature, bias"])
def test_backward_through_tensors_of_no_element(case):
    """embedding's and linear's backward folded a gradient with reshape(-1, 0), which is
    ambiguous for no element (the fuzzer, seed 35: a RuntimeError where PyTorch's ran)."""
    def call(lib):
        w = {"rows of no element": lib.ones(2, 0), "no index": lib.ones(2, 3)}.get(
            case, lib.ones(4, 0))
        w.requires_grad_()
        if case.startswith("linear"):
            x = lib.ones(2, 3, 0, requires_grad=True)
            y = lib.nn.functional.linear(x, w, lib.ones(4) if case.endswith("bias") else None)
        else:
            at = lib.tensor([[1], [0]] if case == "rows of no element" else [],
                            dtype=lib.int64)
            y = lib.embedding(w, at)
        (y * 2).sum().backward()
        return w.grad
    _same(call)


# -- seeds 45-48: what addcmul and addcdiv save; empty inputs --------------------------------
@pytest.mark.parametrize("written", ["self", "tensor1", "tensor2"])
@pytest.mark.parametrize("grad", ["self", "tensor1", "tensor2", "self and tensor2"])
@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_save_what_pytorch_saves(name, grad, written):
    """A write before backward into a tensor the node did not save is no error: addcmul's
    node saves each factor for the other's gradient, addcdiv's its divisor always and its
    numerator for the divisor's gradient (symgrad saved both factors whatever needed them)."""
    def call(lib):
        made = {n: lib.full((3,), v, requires_grad=n in grad) * 1 if n in grad
                else lib.full((3,), v) for n, v in (("self", 1.0), ("tensor1", 2.0),
                                                    ("tensor2", 3.0))}
        y = getattr(lib, name)(made["self"], made["tensor1"], made["tensor2"])
        with lib.no_grad():
            made[written].add_(1.0)
        y.sum().backward()
    _same(call)


@pytest.mark.parametrize("case", ["median", "nanmedian", "cdist", "cdist of no row"])
def test_empty_inputs_skip_the_dtype_checks_as_pytorch(case):
    """PyTorch's median of an empty tensor is NaN in its dtype (True for bool, which it
    refuses otherwise), and its cdist of an empty input is zeros of x1's dtype, with no check
    that x2's is the same (the fuzzer, seeds 45 and 47)."""
    def call(lib):
        if case.endswith("median"):
            return getattr(lib, case)(lib.ones(2, 0, dtype=lib.bool))
        x1 = lib.ones((2, 0) if case == "cdist" else (0, 3), requires_grad=True)
        x2 = lib.ones((3, 0) if case == "cdist" else (2, 3), dtype=lib.float64,
                      requires_grad=True)
        out = lib.cdist(x1, x2)
        out.sum().backward()
        assert x2.grad.dtype == lib.float64
        return out
    _same(call)


# -- seed 52: logit's slope at -0.0 -----------------------------------------------------------
@pytest.mark.parametrize("eps", [None, 0.0])
@pytest.mark.parametrize("create_graph", [False, True])
def test_logit_slope_at_negative_zero_is_the_limit_inside(eps, create_graph):
    """-0.0 is 0, where logit's slope is +inf, its limit from inside [0, 1]; 1 / (x (1 - x))
    at -0.0 was -inf. (PyTorch's kernel gives +inf; its differentiable formula, under
    create_graph, -inf.)"""
    x = symgrad.tensor([-0.0, 0.0, 0.5], dtype=symgrad.float64, requires_grad=True)
    (g,) = symgrad.autograd.grad(symgrad.logit(x, eps).sum(), x, create_graph=create_graph)
    assert g.tolist() == [math.inf, math.inf, 4.0]
    t = torch.tensor([-0.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.logit(t, eps).sum(), t, create_graph=create_graph)
    assert tg.item() == (-math.inf if create_graph else math.inf)


# -- seed 2064: logit's slope at NaN under eps ----------------------------------------------
@pytest.mark.parametrize("eps", [0.0, 0.25, 1.0])
@pytest.mark.parametrize("create_graph", [False, True])
def test_logit_slope_at_nan_with_eps_is_nan(eps, create_graph):
    """logit(clamp(x, eps, 1 - eps)) at a NaN x is NaN, and so is its slope, as PyTorch's
    kernel gives it ((x < eps || x > 1 - eps) ? 0 : g / (x (1 - x))); symgrad's mask, x
    inside the bounds, was False at NaN and gave 0 (logit_(fmod(4, 0), 1)). PyTorch's
    differentiable formula, under create_graph, masks x >= eps && x <= 1 - eps and gives 0
    there; symgrad's slope is NaN in both."""
    grads = []
    for lib in (symgrad, torch):
        x = lib.tensor([math.nan, 0.5, 2.0], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(lib.logit(x, eps).sum(), x, create_graph=create_graph)
        grads.append(g.detach().numpy())
    ours, theirs = grads
    assert math.isnan(ours[0])
    assert theirs[0] == 0.0 if create_graph else math.isnan(theirs[0])
    np.testing.assert_array_equal(ours[1:], theirs[1:])


# -- seed 52: outputs one PyTorch node saves for another's backward ----------------------------
@pytest.mark.parametrize("backward_through", [0, 1])
@pytest.mark.parametrize("written", [0, 1])
@pytest.mark.parametrize("fn", ["aminmax", "std_mean", "var_mean"])
def test_outputs_saved_by_one_node_stop_the_others_backward(fn, written, backward_through):
    """PyTorch's AminmaxBackward0 saves min and max, its StdMeanBackward0 the std (VarMean
    neither): a write into a saved one stops a backward through either output, with the
    error naming "output k of Aminmax"; symgrad's two nodes checked only their own."""
    def call(lib):
        x = lib.tensor([[1.0, 3.0, 2.0], [0.0, 5.0, 4.0]], dtype=lib.float64,
                       requires_grad=True)
        out = getattr(lib, fn)(x, dim=1)
        with lib.no_grad():
            out[written].add_(1.0)
        out[backward_through].sum().backward()
        return x.grad
    got, want = _outcome(lambda: call(symgrad)), _outcome(lambda: call(torch))
    assert got[:3] == want[:3]
    if got[0] == "ok":  # the std's gradient: symgrad's rounds once, PyTorch's a few times
        np.testing.assert_allclose(got[3], want[3], rtol=1e-14)


# -- seed 61: index_copy's backward reads the index only for source's gradient ---------------
@pytest.mark.parametrize("grad", ["self", "source", "both"])
def test_index_copy_checks_the_index_in_backward_only_for_source(grad):
    """An index past an empty tensor's end copies nothing; PyTorch's backward refuses it in
    index_select, for source's gradient alone (symgrad refused it for self's too)."""
    def call(lib):
        x = lib.ones(2, 0, dtype=lib.float64, requires_grad=grad != "source")
        src = lib.ones(2, 0, dtype=lib.float64, requires_grad=grad != "self")
        lib.index_copy(x, 0, lib.tensor([0, 2]), src).sum().backward()
        return x.grad if grad == "self" else src.grad
    _same(call)


# -- seeds 58-59: pinverse in float32 ---------------------------------------------------------
def test_pinverse_float32_is_nearer_the_float64_answer_than_pytorchs():
    """symgrad's float32 pinverse and its gradient come from float64 and round once; PyTorch's
    from float32 work, its gradient 3.5e-6 off relative (past the fuzzer's tolerance, which
    torch_fuzz's TORCH_WRONG_GRADIENTS notes). And at a matrix of rank 1 (two equal rows)
    PyTorch's float32 factorization keeps a singular value of rounding noise, which rcond 1e-15
    inverts: 1.5e6 where the pseudo-inverse is 0.03 (RANK_SENSITIVE)."""
    a = [[-0.75, 0.0, 3.0], [-0.125, 0.5, 2.0]]
    w = np.linspace(0.5, 1.5, 6).reshape(3, 2)

    def gradient(lib, dtype):
        x = lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True)
        (lib.pinverse(x) * lib.tensor(w, dtype=getattr(lib, dtype))).sum().backward()
        return np.array(x.grad.tolist())

    exact = gradient(torch, "float64")
    ours = np.abs(gradient(symgrad, "float32") - exact) / np.abs(exact)
    theirs = np.abs(gradient(torch, "float32") - exact) / np.abs(exact)
    assert ours.max() < 3e-7 < 1e-6 < theirs.max()
    rank_one = [[0.25, 1.0, -0.75]] * 2
    exact_pinv = np.linalg.pinv(np.array(rank_one))
    np.testing.assert_allclose(symgrad.pinverse(symgrad.tensor(rank_one)).tolist(), exact_pinv,
                               rtol=1e-6)
    assert np.abs(torch.pinverse(torch.tensor(rank_one)).numpy()).max() > 1e3


# -- seed 91: geqrf of a matrix of rank 1 ------------------------------------------------------
def test_geqrf_past_the_rank_reflects_rounding_noise():
    """At a matrix of rank 1 the column geqrf's second reflector is made from is 0 in exact
    arithmetic (the first step leaves a zero block), so that reflector is rounding noise:
    PyTorch's LAPACK rounds it to 1e-16 and reflects it (tau 1), symgrad's geqr2 here to 0
    (tau 0, no reflection). Both are QR factorizations to 1e-15, with the same first
    reflector and first row of R (torch_fuzz's RANK_SENSITIVE)."""
    u, v = [-0.75, 0.0, 3.0], [0.25, 4.0, -2.5]  # the fuzzer's outer product
    exact = np.outer(u, v)
    seen = {}
    for lib in (symgrad, torch):
        a, tau = lib.geqrf(lib.tensor(exact.tolist(), dtype=lib.float64))
        q = lib.linalg.householder_product(a, tau).numpy()
        r = np.triu(a.numpy())
        np.testing.assert_allclose(q @ r, exact, atol=1e-14)
        np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-15)
        assert np.abs(r[1:, 1:]).max() < 1e-15  # the rank: R's last rows are noise
        seen[lib] = a.numpy(), tau.numpy()
    np.testing.assert_allclose(seen[symgrad][1][0], seen[torch][1][0], rtol=1e-15)
    np.testing.assert_allclose(seen[symgrad][0][0], seen[torch][0][0], rtol=1e-15)
    assert seen[torch][1][1] == 1.0 and seen[symgrad][1][1] == 0.0


# -- seed 66: amax under a NaN gradient -----------------------------------------------------------
@pytest.mark.parametrize("fn", ["amax", "amin"])
def test_amax_sends_a_nan_gradient_to_its_extrema_alone(fn):
    """The elements that are not extrema have derivative 0: symgrad selects, as max does in
    both libraries; PyTorch's amax multiplies the gradient by a mask, making them NaN
    (torch_fuzz's TORCH_NAN_GRADIENTS)."""
    def grad(lib):
        x = lib.tensor([1.0, 3.0, 2.0], dtype=lib.float64, requires_grad=True)
        getattr(lib, fn)(x).backward(lib.tensor(math.nan, dtype=lib.float64))
        return np.array(x.grad.tolist())
    at = 1 if fn == "amax" else 0
    ours, theirs = grad(symgrad), grad(torch)
    assert np.isnan(ours[at]) and (np.delete(ours, at) == 0).all()
    assert np.isnan(theirs).all()


# -- seed 73: sigmoid reads its input in backward -----------------------------------------------
@pytest.mark.parametrize("fn", ["sigmoid", "tanh", "expm1", "exp2"])
def test_a_write_into_the_input_of_a_tail_accurate_backward_is_refused(fn):
    """symgrad's VJP forms these derivatives from the input (sigmoid's 1 - s is 0 from a result
    that rounded to 1, e**-40 from x = 40), so it saves the input and refuses a write into it
    before backward; PyTorch's saves only the result and runs (torch_fuzz's READS_ITS_INPUT).
    Neither gives a wrong number: symgrad's gradient at x = 40 is the tail's."""
    def call(lib):
        x = lib.tensor([40.0, 0.5], dtype=lib.float64, requires_grad=True)
        y = x * 1
        out = getattr(lib, fn)(y)
        with lib.no_grad():
            y.mul_(2.0)
        out.sum().backward()
        return x.grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        call(symgrad)
    assert call(torch) is not None
    if fn == "sigmoid":
        x = symgrad.tensor([40.0], dtype=symgrad.float64, requires_grad=True)
        symgrad.sigmoid(x).backward()
        assert x.grad.item() == pytest.approx(math.exp(-40.0), rel=1e-12)


# -- seed 135: hypot reads other for self's gradient ----------------------------------------
def test_a_write_into_hypots_other_is_refused_for_selfs_gradient():
    """PyTorch's HypotBackward0 forms self's gradient as g self / result and saves other only
    for other's: a write into other before backward runs there. symgrad's recomputes hypot in
    float64 from self and other, so it refuses the write (torch_fuzz's READS_ITS_INPUT): the
    result's float32 rounding puts the second derivative b**2 / h**3, which cancels from
    1 / h - a**2 / h**3, far off (1.5e7 ULP at a = 1000, b = 0.01) where symgrad's is close."""
    def call(lib):
        x = lib.tensor([3.0, 1.0], dtype=lib.float64, requires_grad=True)
        other = lib.tensor([4.0, 2.0], dtype=lib.float64)
        out = lib.hypot(x, other)
        other.mul_(2.0)
        out.sum().backward()
        return x.grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        call(symgrad)
    assert call(torch).tolist() == [0.6, 1 / math.sqrt(5)]

    def second(lib):
        a = lib.tensor([1000.0], requires_grad=True)
        (g,) = lib.autograd.grad(lib.hypot(a, lib.tensor([0.01])).sum(), a, create_graph=True)
        return lib.autograd.grad(g.sum(), a)[0].item()
    a, b = np.float32(1000.0), np.float32(0.01)  # b**2 / h**3, in float64 from the float32 inputs
    exact = float(b) ** 2 / (float(a) ** 2 + float(b) ** 2) ** 1.5
    ulp = float(np.spacing(np.float32(exact)))
    assert abs(second(symgrad) - exact) < 20 * ulp
    assert abs(second(torch) - exact) > 1e6 * ulp


# -- seeds 74-75: kron and take_along_dim of a non-contiguous input -----------------------------
@pytest.mark.parametrize("case", ["kron of a transpose", "kron of rot90",
                                  "take_along_dim of a transpose", "take_along_dim expanded"])
def test_kron_and_take_along_dim_of_non_contiguous_inputs(case):
    """PyTorch 2.13 views these inputs flat and refuses their layout ("view size is not
    compatible"); the values are defined whatever the layout, and symgrad's are those of a
    contiguous copy, as PyTorch gives for one (torch_fuzz's TORCH_WRONG_ERRORS)."""
    def call(lib, contiguous):
        def fix(t):
            return t.contiguous() if contiguous else t
        a = {"kron of a transpose": lambda: lib.ones(2, 3).t(),
             "kron of rot90": lambda: lib.rot90(lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
                                                 1, [0, 1]),
             "take_along_dim of a transpose": lambda: lib.arange(6.0).reshape(2, 3).t(),
             "take_along_dim expanded": lambda: lib.arange(3.0).reshape(3, 1).expand(3, 3),
             }[case]()
        if case.startswith("kron"):
            return lib.kron(fix(a), lib.tensor([[1.0, -2.0]]))
        return lib.take_along_dim(fix(a), lib.tensor([0, 4, 5]))
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        call(torch, contiguous=False)
    assert call(symgrad, contiguous=False).tolist() == call(torch, contiguous=True).tolist()


# -- seed 85: adaptive max pooling of an empty channel dim ---------------------------------------
@pytest.mark.parametrize("output_size", [1, 0])
@pytest.mark.parametrize(("name", "shape"), [
    ("adaptive_max_pool2d", (1, 0, 2, 2)), ("adaptive_max_pool2d", (2, 0, 2)),
    ("adaptive_max_pool2d", (0, 2, 2, 2)), ("adaptive_max_pool2d", (1, 2, 2, 0)),
    ("adaptive_max_pool1d", (1, 0, 1)), ("adaptive_max_pool1d", (3, 0)),
    ("adaptive_max_pool1d", (0, 2, 2)), ("adaptive_max_pool1d", (1, 2, 0))])
def test_adaptive_max_pooling_refuses_an_empty_dim_after_the_first(name, shape, output_size):
    """PyTorch refuses every empty dim after the first, channels included, naming the 1-d
    function for a 1-d pool; symgrad checked the planes only (and named the 2-d one)."""
    def call(lib):
        out, indices = getattr(lib.nn.functional, name)(lib.ones(shape), output_size, True)
        return indices
    _same(call)


# -- seed 122: the sign of a zero kept by a max, a min or a clamp ----------------------------
# PyTorch keeps self where the other operand (or bound) equals it, and elu-like activations
# take expm1(-0.0) = -0.0: 1 / the result (rsqrt(relu_(-0.0)) is -inf) shows the sign.
SIGNED_ZEROS = {
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "max of two": lambda lib, a, b: lib.max(a, b),
    "clamp(min=0.0)": lambda lib, a, b: lib.clamp(a, min=0.0),
    "clamp(min=-0.0)": lambda lib, a, b: lib.clamp(b, min=-0.0),
    "clamp(max=0.0)": lambda lib, a, b: lib.clamp(a, max=0.0),
    "clamp(-0.0, 0.0)": lambda lib, a, b: lib.clamp(b, -0.0, 0.0),
    "clamp_min": lambda lib, a, b: lib.clamp_min(a, 0.0),
    "clamp_max": lambda lib, a, b: lib.clamp_max(b, -0.0),
    "clamp_ (max=-0.0)": lambda lib, a, b: b.clone().clamp_(max=-0.0),
    "clamp, a tensor min": lambda lib, a, b: lib.clamp(a, min=b),
    "clamp, a tensor max": lambda lib, a, b: lib.clamp(a, max=b),
    "clamp, tensor bounds": lambda lib, a, b: lib.clamp(a, b, b),
    "clamp_min of a tensor": lambda lib, a, b: lib.clamp_min(a, b),
    "clamp_max of a tensor": lambda lib, a, b: lib.clamp_max(a, b),
    "relu": lambda lib, a, b: lib.relu(a),
    "relu_": lambda lib, a, b: a.clone().relu_(),
    "elu": lambda lib, a, b: lib.nn.functional.elu(a),
    "selu": lambda lib, a, b: lib.nn.functional.selu(a),
    "celu": lambda lib, a, b: lib.nn.functional.celu(a),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", SIGNED_ZEROS)
def test_signed_zeros_as_pytorch(name: str, dtype: str) -> None:
    def call(lib):
        a = lib.tensor([-0.0, 0.0, -0.0, 0.0, -1.0], dtype=getattr(lib, dtype))
        b = lib.tensor([0.0, -0.0, -0.0, 0.0, 2.0], dtype=getattr(lib, dtype))
        return 1 / SIGNED_ZEROS[name](lib, a, b)
    _same(call)


# -- seed 145: ldexp_'s checks in PyTorch's order ----------------------------------------------
LDEXP_ = {
    "a bool exponent that does not fit": lambda lib: lib.ones(3, 1).ldexp_(
        lib.tensor([[True, False, True]])),
    "an integer self": lambda lib: lib.tensor([[1], [2], [3]]).ldexp_(
        lib.tensor([[1.0, 2.0, 3.0]])),
    "a bool self and exponent": lambda lib: lib.tensor([True, False]).ldexp_(
        lib.tensor([True, False])),
    "a bool exponent": lambda lib: lib.tensor([1.0, 2.0]).ldexp_(lib.tensor([True, False])),
    "a leaf first": lambda lib: lib.ones(3, 1, requires_grad=True).ldexp_(
        lib.tensor([[True, False, True]])),
    "float16 by float64": lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float16).ldexp_(
        lib.tensor([1.0, 2.0], dtype=lib.float64)),
}


@pytest.mark.parametrize("case", LDEXP_)
def test_ldexp_in_place_checks_in_pytorchs_order(case):
    """PyTorch's ldexp_, once the write is allowed, refuses a self that cannot hold the float
    result ("ldexp can't be cast ..."), then an exponent that does not broadcast into self's
    shape, and only then a bool exponent; symgrad computed ldexp first (its bool refusal, and
    "result type Float can't be cast")."""
    _same(LDEXP_[case])


# -- seed 158: bool matrices whose product sums nothing ---------------------------------------
BOOL_PRODUCTS = {
    "mm, no column": lambda lib, b: lib.mm(b(2, 0), b(0, 2)),
    "mm, no row": lambda lib, b: lib.mm(b(0, 3), b(3, 2)),
    "mm, no result column": lambda lib, b: lib.mm(b(2, 3), b(3, 0)),
    "mm, refused": lambda lib, b: lib.mm(b(2, 3), b(3, 2)),
    "mm, shapes first": lambda lib, b: lib.mm(b(2, 0), b(3, 2)),
    "matmul": lambda lib, b: b(2, 0) @ b(0, 2),
    "inner": lambda lib, b: lib.inner(b(2, 0), b(2, 0)),
    "inner of a vector": lambda lib, b: lib.inner(b(2, 0), b(0)),
    "inner, one element (dot)": lambda lib, b: lib.inner(b(1, 0), b(1, 0)),
    "tensordot": lambda lib, b: lib.tensordot(b(3, 0), b(2, 1, 0), dims=([1], [2])),
}


@pytest.mark.parametrize("case", BOOL_PRODUCTS)
def test_bool_products_that_sum_nothing(case):
    """PyTorch's addmm kernel returns before its dtype check where the product has no element
    or sums no term: bool matrices give bool zeros there (inner of two (2, 0) bool tensors),
    and are refused elsewhere; symgrad refused them all."""
    _same(lambda lib: BOOL_PRODUCTS[case](lib, lambda *s: lib.zeros(*s, dtype=lib.bool)))


# -- seed 158: the SVD of a matrix holding an infinity or a NaN --------------------------------
NONFINITE_SVD = {
    "svdvals": lambda lib, m: lib.linalg.svdvals(m),
    "svd's S": lambda lib, m: lib.linalg.svd(m).S,
    "torch.svd's S": lambda lib, m: lib.svd(m).S,
    "nuclear_norm": lambda lib, m: lib.linalg.matrix_norm(m, "nuc"),
    "matrix_norm 2": lambda lib, m: lib.linalg.matrix_norm(m, 2),
    "cond": lambda lib, m: lib.linalg.cond(m),
    "pinv": lambda lib, m: lib.linalg.pinv(m),
}
NONFINITE_MATRICES = {
    "inf": [[1.0, math.inf, 2.0], [-math.inf, 0.5, -8.0]],
    "a batch, one inf": [[[1.0, 2.0], [3.0, 4.0]], [[math.inf, 1.0], [2.0, 3.0]]],
    "nan": [[1.0, math.nan], [2.0, 3.0]],
    "a batch, one nan": [[[1.0, 2.0], [3.0, 4.0]], [[math.nan, 1.0], [2.0, 3.0]]],
}


@pytest.mark.parametrize("matrix", NONFINITE_MATRICES)
@pytest.mark.parametrize("name", NONFINITE_SVD)
def test_svd_of_non_finite_matrices_as_pytorch(name, matrix):
    """PyTorch's LAPACK SVD refuses a NaN (its LinAlgError, naming the batch element) and gives
    NaN singular values for a matrix holding an infinity, which its norms, cond and pinv
    carry; symgrad refused both (and pinv gave NumPy's message for a NaN)."""
    def call(lib):
        try:
            out = NONFINITE_SVD[name](lib, lib.tensor(NONFINITE_MATRICES[matrix],
                                                      dtype=lib.float64))
        except RuntimeError as e:  # torch's class is _LinAlgError, symgrad's LinAlgError
            return str(e)
        return out.detach().numpy()
    ours, theirs = call(symgrad), call(torch)
    if isinstance(theirs, str):
        assert ours == theirs
    else:
        assert not isinstance(ours, str), ours
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, equal_nan=True)


# -- torch.norm of a string order other than "fro" ---------------------------------------------
NORM_ORDERS = {
    "nuc of a matrix": lambda lib: lib.norm(lib.tensor([[1.0, 2.0], [3.0, 4.0]]), "nuc"),
    "nuc over two dims": lambda lib: lib.norm(lib.ones(2, 2, 3), "nuc", dim=(0, 1)),
    "nuc, kept dims": lambda lib: lib.ones(2, 2, 3).norm("nuc", dim=(1, 2), keepdim=True),
    "nuc of three dims": lambda lib: lib.norm(lib.ones(2, 2, 2), "nuc"),
    "nuc of a vector": lambda lib: lib.norm(lib.ones(3), "nuc"),
    "an unknown order": lambda lib: lib.norm(lib.ones(2, 2), "abc"),
}


@pytest.mark.parametrize("case", NORM_ORDERS)
def test_norm_of_a_matrix_order(case):
    """PyTorch's torch.norm hands a string order other than "fro" to linalg.matrix_norm, over
    all dims when none are given (its errors where those are not two); symgrad refused every
    such order as "not a vector norm". (PyTorch's float32 singular values are a few ULP off
    symgrad's, which round the float64 ones.)"""
    ours, theirs = _outcome(lambda: NORM_ORDERS[case](symgrad)), _outcome(
        lambda: NORM_ORDERS[case](torch))
    assert ours[:3] == theirs[:3]
    if ours[0] == "ok":
        np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-6)


# -- seed 161: detach_ of a base whose views were made under no_grad ----------------------------
@pytest.mark.parametrize("made", ["leaf", "requires_grad_ after the view"])
def test_views_made_under_no_grad_follow_their_base_detached_in_place(made):
    """Such a view asks its base whether it requires grad (PyTorch's ``requires_grad_ ||
    base.requires_grad()``): once the base is detached in place, it does not; symgrad's kept
    requiring grad."""
    def call(lib):
        if made == "leaf":
            x = lib.tensor([[-2.5, 1.5, -1.0]], dtype=lib.float64, requires_grad=True)
            with lib.no_grad():
                view = lib.diagonal(x)
        else:
            x = lib.tensor([1.0, 2.0])
            view = x[0:1]
            x.requires_grad_()
        before = view.requires_grad
        x.detach_()
        return lib.tensor([before, view.requires_grad, x.requires_grad])
    _same(call)


# -- x ** 0.5 and x ** -0.5 at -0.0 and -inf: sqrt's and 1 / sqrt's values --------------------
def _bits(t):
    """Values as float64 with their signs: any NaN equal to any NaN, -0.0 apart from 0.0."""
    a = np.asarray(t.detach().double().numpy())
    nan = np.isnan(a)
    return nan.tolist(), np.where(nan, 0.0, a).tolist(), (np.signbit(a) & ~nan).tolist()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("exponent", [0.5, -0.5])
def test_square_root_powers_at_negative_zero_and_infinity_as_torch(dtype, exponent):
    # PyTorch computes these powers as sqrt and 1 / sqrt (float16: IEEE pow), so at -0.0 and
    # -inf they give -0.0, NaN, -inf, NaN where IEEE pow gives +0, +inf, +inf, 0 (fuzzer,
    # session 25). The gradient 0.5 x ** -0.5 follows, and its derivative.
    def run(lib):
        x = lib.tensor([-math.inf, -0.0, 0.0, 4.0, math.inf], dtype=getattr(lib, dtype),
                       requires_grad=True)
        y = x ** exponent
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return [_bits(t) for t in (y, g, gg)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(symgrad) == run(torch)


def test_square_root_powers_of_a_zero_dim_tensor_as_torch():
    # NumPy's power of a 0-d array is a scalar, which the -0.0 patch above first met
    # (vector_norm's ord 0.5 of a 0-d input: the reductions audit).
    def run(lib):
        x = lib.tensor(-0.0, requires_grad=True)
        y = x ** -0.5
        (g,) = lib.autograd.grad(y, x)
        return [_bits(t) for t in (y, g)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run(symgrad) == run(torch)


# -- seeds 2020, 2086, 2110: singular vectors an SVD leaves open --------------------------------
def _svd_step_plain(u, s, v):
    return tuple(("tensor", "float64", np.shape(a), np.asarray(a, dtype=float), False, True, None)
                 for a in (u, s, v))


def test_the_svd_rule_excuses_the_vectors_of_a_zero_or_repeated_singular_value():
    """A = [[-1, -1], [-0.75, -0.75], [0, 0]] has rank 1 (seed 2086 program 553): any unit
    u_2 orthogonal to u_1, and v_2 = +-(1, -1) / sqrt(2), of either sign alone, make an SVD
    with s_2 = 0; the zero matrix (seed 2110 program 325) any pair; I any rotation shared by U
    and V (U V^T = I). The fuzzer compares the product U_g V_g^T over each positive singular
    value and checks symgrad's is an SVD; a simple pair's vector negated alone, a rotation
    not shared, or factors that do not make A are still reported."""
    import torch_fuzz

    step = (torch_fuzz.CALLS.index(("function", "svd", "unary")), 0, 0, 0, 0, False)
    rule = torch_fuzz._svd_arbitrary
    a = symgrad.tensor([[-1.0, -1.0], [-0.75, -0.75], [0.0, 0.0]], dtype=symgrad.float64)
    u = [[-0.8, 0.6], [-0.6, -0.8], [0.0, 0.0]]
    s, r = [1.25 * math.sqrt(2), 0.0], math.sqrt(0.5)
    v = [[r, -r], [r, r]]
    ours = _svd_step_plain(u, s, v)
    u_other = [[-0.8, -0.6], [-0.6, 0.8], [0.0, 0.0]]  # u_2 negated alone: PyTorch's
    assert rule(step, a, ours, _svd_step_plain(u_other, s, v))
    assert rule(step, a, ours, _svd_step_plain([[-0.8, 0.0], [-0.6, 0.0], [0.0, 1.0]], s, v))
    assert not rule(step, a, ours, _svd_step_plain(np.negative(u), s, v))  # u_1 alone
    not_an_svd = _svd_step_plain([[-0.8, 0.8], [-0.6, 0.6], [0.0, 0.0]], s, v)
    assert not rule(step, a, not_an_svd, _svd_step_plain(u_other, s, v))
    zero = symgrad.zeros(1, 3, dtype=symgrad.float64)
    assert rule(step, zero, _svd_step_plain([[-1.0]], [0.0], [[1.0], [0.0], [0.0]]),
                _svd_step_plain([[1.0]], [0.0], [[0.0], [0.0], [1.0]]))
    c, sn = 0.6, 0.8
    rotation = [[c, -sn], [sn, c]]
    eye = symgrad.eye(2, dtype=symgrad.float64)
    ours = _svd_step_plain(np.eye(2), [1.0, 1.0], np.eye(2))
    assert rule(step, eye, ours, _svd_step_plain(rotation, [1.0, 1.0], rotation))
    assert not rule(step, eye, ours, _svd_step_plain(rotation, [1.0, 1.0], np.eye(2)))


# (leaf, the step that makes the matrix, by name): seed 2020 program 1136 (a (2, 2, 3) of
# repeated rows), 2086 program 553 (a (3, 2) of repeated columns), 2110 program 325 (zeros)
_NOT_OF_FULL_RANK = [((5, 0, 8, False), ("concatenate", "list_dim")),
                     ((3, 0, 2, True), ("cat", "list_dim")),
                     ((5, 1, 7, True), ("xlogy_", "dim"))]


@pytest.mark.parametrize(("leaf", "call"), _NOT_OF_FULL_RANK)
def test_svd_of_a_matrix_not_of_full_rank_is_compared_no_further(leaf, call):
    """The programs whose svd step gave singular vectors of a zero singular value other than
    LAPACK's: compared no further, as any orthonormal completion is right."""
    import torch_fuzz

    index = {c[1:]: i for i, c in enumerate(torch_fuzz.CALLS)}
    quiet = call[0] == "xlogy_"  # xlogy_(1) zeroes the leaf in place, which only no_grad lets
    program = torch_fuzz.Program((leaf,), ((index[call], 0, 0, 2, 0, quiet),
                                           (index[("svd", "unary")], 1, 0, 0, 0, False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch_fuzz.run(program) == []


# -- seeds 2081, 2097: the singular vectors of a matrix holding an infinity ----------------------
def test_leftover_singular_vectors_are_pytorchs_only_where_the_values_are_nan():
    """Seed 2081 program 1054 (svd of (-inf, -inf, -inf)^T: V NaN in symgrad, 1 in PyTorch)
    and seed 2097 program 625 (nuclear_norm's gradient at (inf, 0.67, -16): NaN in symgrad,
    PyTorch's U V^T of the vectors LAPACK left) count as PyTorch's (tests/test_torch_parity.py,
    test_svd_of_a_matrix_holding_an_infinity); a NaN vector beside finite singular values,
    or NaN singular values where PyTorch's are numbers, do not."""
    import torch_fuzz

    index = {c[1:]: i for i, c in enumerate(torch_fuzz.CALLS)}
    svd = torch_fuzz.Program(((3, 0, 0, False),), ((index[("svd", "unary")], 0, 0, 0, 0, False),))

    def plain(a):
        a = np.asarray(a, dtype=float)
        return ("tensor", "float32", a.shape, a, False, True, None)

    def found(u, s, v, tu, ts, tv):
        return [("step 0 ('svd', 'unary')", (plain(u), plain(s), plain(v)),
                 (plain(tu), plain(ts), plain(tv)))]

    nan = math.nan
    assert torch_fuzz.torch_is_wrong(svd, found([[nan]] * 3, [nan], [[nan]],
                                                [[nan]] * 3, [nan], [[1.0]]))
    assert not torch_fuzz.torch_is_wrong(svd, found([[1.0], [0.0], [0.0]], [2.0], [[nan]],
                                                    [[1.0], [0.0], [0.0]], [2.0], [[1.0]]))
    assert not torch_fuzz.torch_is_wrong(svd, found([[nan]] * 3, [nan], [[nan]],
                                                    [[nan]] * 3, [2.0], [[1.0]]))
    norm = torch_fuzz.Program(((5, 1, 0, True),), (
        (index[("nuclear_norm", "unary")], 0, 0, 0, 0, False),))

    def grad(ours, theirs):
        return [("grad of leaf 0", plain([ours]), plain([theirs]))]

    assert torch_fuzz.torch_is_wrong(norm, grad([nan, nan, nan], [-math.inf, -0.0, -0.0]))
    assert not torch_fuzz.torch_is_wrong(norm, grad([nan, 1.0, 2.0], [-math.inf, 1.5, 2.0]))
    # the programs, shortened: reciprocal puts inf where a leaf holds 0
    reciprocal = (index[("reciprocal", "unary")], 0, 0, 0, 0, False)
    for leaf, call in (((3, 0, 0, False), ("svd", "unary")),
                       ((5, 1, 0, True), ("nuclear_norm", "unary"))):
        program = torch_fuzz.Program((leaf,), (reciprocal, (index[call], 1, 0, 0, 0, False)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = torch_fuzz.run(program)
        assert report and torch_fuzz.torch_is_wrong(program, report), report


# -- seed 2116: svd's and nuclear_norm's backward read their input --------------------------
@pytest.mark.parametrize("fn", ["nuclear_norm", "svd"])
def test_a_write_into_the_input_of_an_svd_is_refused_before_backward(fn):
    """symgrad's VJP forms the singular vectors again from the input, so it refuses a write
    into the input before backward; PyTorch's node saved U, S and Vh and gives the derivative
    at the matrix the SVD was taken of (torch_fuzz's READS_ITS_INPUT): U V^T, [[0, 1], [1, 0]]
    for [[0, 2], [1, 0]] (singular values 2 and 1)."""
    def call(lib):
        x = lib.tensor([[0.0, 2.0], [1.0, 0.0]], dtype=lib.float64, requires_grad=True)
        y = x * 1
        out = lib.nuclear_norm(y) if fn == "nuclear_norm" else lib.svd(y).S.sum()
        with lib.no_grad():
            y.mul_(3.0)
        out.backward()
        return x.grad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            call(symgrad)
        np.testing.assert_allclose(call(torch).numpy(), [[0.0, 1.0], [1.0, 0.0]], atol=1e-15)
    import torch_fuzz

    index = {c[1:]: i for i, c in enumerate(torch_fuzz.CALLS)}
    # seed 2116 program 281, shortened: nuclear_norm of a leaf, which detach_ frees to be
    # written in place (rad2deg_) before the backward
    program = torch_fuzz.Program(((3, 0, 10, True),), (
        (index[("nuclear_norm", "unary")], 0, 0, 0, 0, False),
        (index[("detach_", "unary")], 0, 0, 0, 0, False),
        (index[("rad2deg_", "unary")], 0, 0, 0, 0, False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch_fuzz.run(program) == []


# -- seed 2108: the inverse of a matrix singular in exact arithmetic ----------------------------
def test_inverse_of_a_matrix_singular_in_exact_arithmetic_is_compared_no_further():
    """b_i - a_j for a = (0, 3, -0.125), b = (-0.125, 0.5, 2) has rank 2 (its determinant is
    0 exactly): symgrad's LU rounds U_33 to 0 and raises, PyTorch's (MKL fusing l * u into the
    difference) leaves -6e-18 and gives an inverse of 1e17. The error is the mathematics', but
    which library meets the zero is the rounding's: such a step is compared no further."""
    from fractions import Fraction

    import torch_fuzz

    a, b = [0.0, 3.0, -0.125], [-0.125, 0.5, 2.0]
    m = [[Fraction(bi) - Fraction(aj) for aj in a] for bi in b]
    det = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
           - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
           + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
    assert det == 0
    matrix = [[float(x) for x in row] for row in m]
    with pytest.raises(RuntimeError, match="singular"):
        symgrad.inverse(symgrad.tensor(matrix, dtype=symgrad.float64))
    assert torch.inverse(torch.tensor(matrix, dtype=torch.float64)).abs().max() > 1e15
    index = {c[1:]: i for i, c in enumerate(torch_fuzz.CALLS)}
    # the program: sub of a (3, 1) float64 leaf and a (3,) float32 one, then inverse
    program = torch_fuzz.Program(((1, 0, 0, True), (3, 1, 10, True)), (
        (index[("sub", "binary")], 1, 0, 0, 0, False),
        (index[("inverse", "square")], 2, 0, 0, 0, False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch_fuzz.run(program) == []


# -- seed 2054: a half-precision gradient from the rounded result -------------------------------
@pytest.mark.parametrize(("fn", "x", "exact"), [
    ("tanh", 4.0, lambda x: 1 - mpmath.tanh(x) ** 2),
    ("sigmoid", 8.0, lambda x: mpmath.exp(-x) / (1 + mpmath.exp(-x)) ** 2),
    ("expm1", -6.0, mpmath.exp)])
def test_a_bfloat16_gradient_from_the_input_is_nearer_the_derivative(fn, x, exact):
    """PyTorch's bfloat16 backward of tanh, sigmoid and expm1 forms the derivative from the
    rounded result: tanh(4) rounds to 1, and 1 - y**2 to 0 where the derivative is 1.3e-3
    (sigmoid(8) alike; expm1(-6) + 1 is 0.0039 for 0.0025); symgrad's, from the input, is
    the derivative correctly rounded (the fuzzer's
    TORCH_HALF_GRADIENTS, beside an autocast call)."""
    def grad(lib):
        t = lib.tensor([x], dtype=lib.bfloat16, requires_grad=True)
        getattr(lib, fn)(t).backward(lib.ones(1, dtype=lib.bfloat16))
        return t.grad.float().item()

    truth = float(exact(mpmath.mpf(x)))
    ulp = np.spacing(np.float32(truth)) * 2.0**16  # bfloat16's, at the derivative
    assert abs(grad(symgrad) - truth) <= ulp / 2
    assert abs(grad(torch) - truth) > 4 * ulp


def test_the_half_rule_excuses_rounding_beside_an_autocast_call():
    """Seed 2054 program 88: tanh of an autocast product, whose leaf gradient differs from
    PyTorch's by 3 bfloat16 ULP (symgrad's 0.16602 against the derivative's 0.16556,
    PyTorch's 0.16309) is PyTorch's; a gradient farther apart, or the same program without
    autocast, is still reported."""
    import torch_fuzz

    index = {c[1:]: i for i, c in enumerate(torch_fuzz.CALLS)}
    program = torch_fuzz.Program(((5, 0, 4, True), (3, 0, 8, False)), (
        (index[("autocast_matmul", "")], 1, 0, 0, 0, False),
        (index[("tanh", "unary")], 2, 0, 0, 0, False)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = torch_fuzz.run(program)
    assert report and report[0][0] == "grad of leaf 0"
    assert torch_fuzz.torch_is_wrong(program, report)
    where, ours, theirs = report[0]
    far = (ours[:3] + (ours[3] * 1.1,) + ours[4:])  # symgrad's 10% off
    assert not torch_fuzz.torch_is_wrong(program, [(where, far, theirs)])
    plain_matmul = torch_fuzz.Program(program.leaves, (
        (index[("matmul", "")], 1, 0, 0, 0, False),) + program.steps[1:])
    # (symgrad's the farther from the float64 gradient, which ``_nearer_in_float64`` excuses)
    assert torch_fuzz.torch_is_wrong(plain_matmul, report)
    assert not torch_fuzz.torch_is_wrong(plain_matmul, [(where, theirs, ours)])


@pytest.mark.parametrize("column", [[np.inf, 0.0, np.nan], [np.nan, np.inf, 2.0],
                                    [-np.inf, np.nan, 1.0], [1.0, np.nan, 2.0]])
def test_geqrf_of_a_column_holding_a_nan_is_nan(column: list[float]) -> None:
    """A column holding a NaN has no norm (NaN, as vector_norm's), also beside an infinity,
    where C's hypot(inf, nan) is inf: geqrf's R and reflector are NaN there, as PyTorch's
    (fuzzer seeds 2377 #201 and 2390 #26 gave symgrad -inf for R)."""
    a = np.array(column).reshape(3, 1)
    ours = [x.numpy() for x in symgrad.geqrf(symgrad.tensor(a))]
    theirs = [x.numpy() for x in torch.geqrf(torch.tensor(a))]
    if not np.isnan(column[0]):  # (a column led by NaN: PyTorch's R is a number, DELIBERATE)
        for x, y in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(x, y)
    assert np.isnan(ours[0]).all() and np.isnan(ours[1]).all()
