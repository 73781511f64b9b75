"""Reductions against closed-form derivatives worked out here in float64 NumPy."""

import math

import numpy as np
import pytest

import symgrad
from oracle.samples import samples_of
from oracle.torch_calls import TORCH
from symgrad.ops import REGISTRY

F64 = symgrad.float64


def leaf(values):
    return symgrad.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def grad_of(fn, values):
    x = leaf(values)
    out = fn(x)
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()


def hessian(fn, values):
    """Rows of d/dx (d fn(x).sum() / dx), built with create_graph."""
    x = leaf(values)
    (g,) = symgrad.autograd.grad(fn(x).sum(), x, create_graph=True)
    rows = []
    for e in np.eye(g.numel()):
        (h,) = symgrad.autograd.grad(g, x, grad_outputs=symgrad.tensor(e.reshape(g.shape)),
                                     retain_graph=True)
        rows.append(h.detach().numpy().reshape(-1))
    return np.array(rows)


RNG = np.random.default_rng(0)  # import-time draws only; the tests draw from ``rng``
X = RNG.normal(size=(3, 4))


# -- means -----------------------------------------------------------------------------------
def test_mean_whole_and_dim_values_gradients_and_nodes():
    value, grad = grad_of(lambda x: x.mean(), X)
    assert value == pytest.approx(X.sum() / 12)
    np.testing.assert_allclose(grad, np.full((3, 4), 1 / 12))
    value, grad = grad_of(lambda x: x.mean(dim=-1, keepdim=True), X)
    np.testing.assert_allclose(value, X.sum(1, keepdims=True) / 4)
    np.testing.assert_allclose(grad, np.full((3, 4), 1 / 4))
    x = leaf(X)
    assert x.mean().grad_fn.name() == "MeanBackward0"
    assert x.mean((0, 1)).grad_fn.name() == "MeanBackward1"
    assert x.mean((1, 0)).grad_fn.attrs == {"dim": (0, 1), "keepdim": False}


def test_mean_of_integers_raises_pytorchs_error():
    with pytest.raises(RuntimeError, match=r"^mean\(\): could not infer output dtype\. Input "
                       r"dtype must be either a floating point or complex dtype\. Got: Long$"):
        symgrad.tensor([1, 2]).mean()
    assert symgrad.tensor([1, 2]).mean(dtype=F64).item() == 1.5


# -- products ----------------------------------------------------------------------------------
def others_product(v):
    return np.array([np.prod(np.delete(v, i)) for i in range(len(v))])


@pytest.mark.parametrize("values", [[2.0, -3.0, 0.5, 4.0], [2.0, 0.0, 0.5, 4.0],
                                    [0.0, 3.0, 0.0, 4.0], [0.0, 0.0, 0.0, 0.0]])
def test_prod_gradient_is_product_of_the_others_with_zeros(values):
    value, grad = grad_of(lambda x: x.prod(), values)
    assert value == np.prod(values)
    np.testing.assert_allclose(grad, others_product(np.array(values)))
    assert np.isfinite(grad).all()


def test_prod_along_dim_with_a_zero_row_and_a_plain_row():
    m = np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 4.0]])
    value, grad = grad_of(lambda x: x.prod(1, keepdim=True), m)
    np.testing.assert_allclose(value, m.prod(1, keepdims=True))
    np.testing.assert_allclose(grad, np.stack([others_product(r) for r in m]))
    assert leaf(m).prod(0).grad_fn.name() == "ProdBackward1"
    assert leaf(m).prod().grad_fn.name() == "ProdBackward0"


@pytest.mark.parametrize("values", [[2.0, -3.0, 0.5], [2.0, 0.0, 0.5], [0.0, 3.0, 0.0]])
def test_prod_second_derivative_with_zeros(values):
    v = np.array(values)
    expected = np.array([[0.0 if i == j else np.prod(np.delete(v, [i, j])) for j in range(3)]
                         for i in range(3)])
    np.testing.assert_allclose(hessian(lambda x: x.prod(), v), expected)


def test_integer_and_bool_products_and_sums_are_int64():
    i32 = symgrad.tensor([2, 3, 4], dtype=symgrad.int32)
    assert i32.prod().dtype is symgrad.int64 and i32.prod().item() == 24
    assert i32.sum().dtype is symgrad.int64
    assert symgrad.tensor([True, True, False]).sum().item() == 2
    assert symgrad.tensor([True, True]).cumsum(0).dtype is symgrad.int64
    assert symgrad.tensor([1, 2], dtype=symgrad.uint8).cumprod(0).dtype is symgrad.int64


# -- extrema -----------------------------------------------------------------------------------
def test_max_and_min_whole_split_ties_evenly():
    v = [1.0, 3.0, 3.0, -2.0, 3.0]
    value, grad = grad_of(lambda x: x.max(), v)
    assert value == 3.0
    np.testing.assert_allclose(grad, [0, 1 / 3, 1 / 3, 0, 1 / 3])
    value, grad = grad_of(lambda x: x.min(), [1.0, -2.0, 3.0, -2.0])
    np.testing.assert_allclose(grad, [0, 0.5, 0, 0.5])
    assert leaf(v).max().grad_fn.name() == "MaxBackward1"
    assert leaf(v).min().grad_fn.name() == "MinBackward1"


def test_max_min_with_dim_give_values_indices_and_route_to_the_first_tie():
    m = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    x = leaf(m)
    values, indices = x.max(1)
    np.testing.assert_array_equal(values.detach().numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert indices.dtype is symgrad.int64 and values.grad_fn.name() == "MaxBackward0"
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])
    result = leaf(m).min(0, keepdim=True)
    assert result.values.shape == (1, 3) and result.indices.tolist() == [[0, 1, 0]]
    assert result.values.grad_fn.name() == "MinBackward0"


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim_print_as_pytorchs_return_types(name):
    torch = pytest.importorskip("torch")
    m = [[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]]
    ours = getattr(symgrad.tensor(m, requires_grad=True), name)(1)
    theirs = getattr(torch.tensor(m, requires_grad=True), name)(1)
    assert repr(ours) == repr(theirs).replace("torch.", "symgrad.", 1)
    assert str(ours) == repr(ours)
    assert type(ours) is getattr(symgrad.return_types, name)
    assert isinstance(ours, tuple) and len(ours) == 2 and ours[0] is ours.values
    assert ours[:1] == (ours.values,)


def test_amax_amin_split_ties_over_each_reduced_slice():
    m = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    _, grad = grad_of(lambda x: x.amax(1), m)
    np.testing.assert_allclose(grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    _, grad = grad_of(lambda x: x.amin((0, 1)), [[2.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(grad, [[0, 1 / 3], [1 / 3, 1 / 3]])
    assert leaf(m).amax(0).grad_fn.name() == "AmaxBackward0"
    assert leaf(m).amin().grad_fn.attrs == {"dim": (0, 1), "keepdim": False}


def test_extrema_of_integers_keep_their_dtype_and_empty_tensors_raise():
    assert symgrad.tensor([1, 4], dtype=symgrad.int32).max().dtype is symgrad.int32
    empty = symgrad.tensor(np.zeros((0,), np.float32))
    with pytest.raises(RuntimeError, match=r"^max\(\): Expected reduction dim to be specified"):
        empty.max()
    with pytest.raises(IndexError, match=r"^max\(\): Expected reduction dim 0 to have non-zero"):
        symgrad.tensor(np.zeros((0, 2), np.float32)).max(0)


# -- moments -----------------------------------------------------------------------------------
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_values_and_gradients(correction, rng):
    v = rng.normal(size=5)
    centred = v - v.mean()
    var = (centred**2).sum() / (5 - correction)
    value, grad = grad_of(lambda x: x.var(correction=correction), v)
    assert value == pytest.approx(var)
    np.testing.assert_allclose(grad, 2 * centred / (5 - correction))
    value, grad = grad_of(lambda x: x.std(correction=correction), v)
    assert value == pytest.approx(math.sqrt(var))
    np.testing.assert_allclose(grad, centred / ((5 - correction) * math.sqrt(var)))


def test_var_legacy_unbiased_flag_dims_and_errors(rng):
    m = rng.normal(size=(3, 4))
    x = symgrad.tensor(m)
    np.testing.assert_allclose(x.var(1, unbiased=False).numpy(), m.var(1), rtol=1e-6)
    np.testing.assert_allclose(x.var(False).item(), m.var(), rtol=1e-6)
    np.testing.assert_allclose(x.std(0, keepdim=True).numpy(), m.std(0, ddof=1, keepdims=True),
                               rtol=1e-6)
    assert leaf(m).var(1).grad_fn.name() == "VarBackward0"
    assert leaf(m).std().grad_fn.name() == "StdBackward0"
    with pytest.raises(RuntimeError, match="^std and var only support floating point and "
                       "complex dtypes$"):
        symgrad.tensor([1, 2]).var()


def test_std_of_equal_elements_has_zero_gradient():
    _, grad = grad_of(lambda x: x.std(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])


def test_var_second_derivative_is_the_centering_matrix(rng):
    n, c = 4, 1
    expected = 2 / (n - c) * (np.eye(n) - np.full((n, n), 1 / n))
    np.testing.assert_allclose(hessian(lambda x: x.var(), rng.normal(size=n)), expected,
                               atol=1e-12)


# -- log-sum-exp and norms ---------------------------------------------------------------------
def test_logsumexp_is_stable_and_its_gradient_is_softmax():
    m = np.array([[1000.0, 1000.0, 990.0], [-1.0, 0.0, 1.0]])
    value, grad = grad_of(lambda x: x.logsumexp(1), m)
    shifted = np.exp(m - m.max(1, keepdims=True))
    np.testing.assert_allclose(value, m.max(1) + np.log(shifted.sum(1)))
    np.testing.assert_allclose(grad, shifted / shifted.sum(1, keepdims=True))
    assert leaf(m).logsumexp(0).grad_fn.name() == "LogsumexpBackward0"
    inf = symgrad.tensor([-math.inf, -math.inf]).logsumexp(0)
    assert inf.item() == -math.inf


@pytest.mark.parametrize("name, reduce", [
    ("max", lambda m: m.max()), ("min", lambda m: m.min()),
    ("max(dim)", lambda m: m.max(1).values), ("min(dim)", lambda m: m.min(0).values),
    ("amax", lambda m: m.amax(1)), ("amin", lambda m: m.amin(0))])
def test_extrema_send_an_infinite_gradient_to_the_selected_elements_only(name, reduce):
    # The elements an extremum did not select get exactly +0, as PyTorch's max, min and
    # max(dim) scatter it; a product by a 0/1 mask gave them 0 * inf = nan (and -0.0 for a
    # negative g). (PyTorch's amax and amin multiply, and give nan there.)
    m = np.array([[4.0, 0.0, 3.0], [0.0, 2.0, -0.125]])
    x = symgrad.tensor(m, requires_grad=True)
    y = reduce(x)
    (g,) = symgrad.autograd.grad(y, x, symgrad.full_like(y, -math.inf))
    (unit,) = symgrad.autograd.grad(reduce(x), x, symgrad.ones_like(y))
    expected = np.where(unit.numpy() != 0, -math.inf, 0.0)
    np.testing.assert_array_equal(g.numpy(), expected)
    assert not np.signbit(g.numpy()[expected == 0]).any()


def test_max_of_all_elements_gives_a_nan_its_gradient_as_pytorch():
    # PyTorch's max() and min() count a NaN as the extremum it returns; their gradient goes
    # there (shared among NaNs), not nan everywhere.
    for values, expected in (([1.0, math.nan, 2.0], [0.0, 1.0, 0.0]),
                             ([math.nan, 1.0, math.nan], [0.5, 0.0, 0.5])):
        for reduce in (symgrad.Tensor.max, symgrad.Tensor.min):
            x = symgrad.tensor(values, requires_grad=True)
            reduce(x).backward()
            assert x.grad.tolist() == expected


def test_logsumexp_gradient_with_infinite_elements_is_the_softmax_limit():
    # A slice with +inf elements: logsumexp is +inf, and the softmax's limit gives its
    # gradient: 0 at the finite elements (PyTorch's exp(self - out) gives those 0s too) and
    # shared evenly by the infinities (PyTorch: nan there, inf - inf). Other slices as before;
    # a slice with a NaN stays NaN.
    m = np.array([[0.25, math.inf, 1.0, math.inf], [1.0, 2.0, 3.0, 4.0],
                  [math.inf, math.nan, 0.0, 0.0]])
    value, grad = grad_of(lambda x: x.logsumexp(1), m)
    assert value[0] == math.inf and math.isnan(value[2])
    np.testing.assert_array_equal(grad[0], [0.0, 0.5, 0.0, 0.5])
    np.testing.assert_allclose(grad[1], np.exp(m[1]) / np.exp(m[1]).sum(), rtol=1e-15)
    assert np.isnan(grad[2]).all()


def test_logsumexp_second_derivative_is_softmax_jacobian(rng):
    v = rng.normal(size=3)
    p = np.exp(v) / np.exp(v).sum()
    np.testing.assert_allclose(hessian(lambda x: x.logsumexp(0), v),
                               np.diag(p) - np.outer(p, p), atol=1e-12)


def test_norms_values_and_gradients(rng):
    v = np.array([3.0, -4.0, 0.0, 1.0])
    r = math.sqrt(26)
    value, grad = grad_of(lambda x: x.norm(), v)
    assert value == pytest.approx(r)
    np.testing.assert_allclose(grad, v / r)
    value, grad = grad_of(lambda x: x.norm(p=1), v)
    assert value == 8.0
    np.testing.assert_array_equal(grad, [1, -1, 0, 1])
    value, grad = grad_of(lambda x: x.norm(p=math.inf), [3.0, -4.0, 4.0])
    assert value == 4.0
    np.testing.assert_allclose(grad, [0, -0.5, 0.5])
    m = rng.normal(size=(2, 3))
    value, grad = grad_of(lambda x: x.norm(dim=1, keepdim=True), m)
    rows = np.sqrt((m**2).sum(1, keepdims=True))
    np.testing.assert_allclose(value, rows)
    np.testing.assert_allclose(grad, m / rows)
    assert leaf(m).norm().grad_fn.name() == "LinalgVectorNormBackward0"


@pytest.mark.parametrize("p", [1, 2, math.inf])
def test_norm_of_the_zero_vector_has_zero_gradient(p):
    value, grad = grad_of(lambda x: x.norm(p=p), [0.0, 0.0, 0.0])
    assert value == 0.0
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])


NORM_ORDERS = [0.5, 1.5, 3.0, -1.0, -0.5, -math.inf, math.inf, 0.0]


@pytest.mark.parametrize("p", NORM_ORDERS)
@pytest.mark.parametrize("values", [[[0.0, 2.0, -3.0], [1.0, -2.0, 0.5]],
                                    [[0.0, 0.0, 0.0], [-3.0, 3.0, 1.0]]])
def test_general_p_norms_match_pytorch_with_zeros_and_ties(p, values):
    torch = pytest.importorskip("torch")
    seen = []
    for lib in (symgrad, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        out = lib.linalg.vector_norm(x, ord=p, dim=1) if lib is torch else x.norm(p=p, dim=1)
        (grad,) = lib.autograd.grad(out, x, grad_outputs=lib.tensor([1.0, -2.0], dtype=lib.float64),
                                    allow_unused=True)
        seen.append((out.detach().numpy(), out.grad_fn.name(),
                     None if grad is None else grad.numpy()))
    (value, node, grad), (t_value, t_node, t_grad) = seen
    np.testing.assert_allclose(value, t_value, rtol=1e-12)
    assert node == t_node == "LinalgVectorNormBackward0"
    assert (grad is None) == (t_grad is None) == (p == 0)
    if grad is not None:
        np.testing.assert_allclose(grad, t_grad, rtol=1e-12, atol=1e-300)


def test_general_p_norm_closed_forms():
    v = [3.0, -4.0, 0.0, 1.0]
    value, grad = grad_of(lambda x: x.norm(p=3), v)
    r = (27 + 64 + 1) ** (1 / 3)
    assert value == pytest.approx(r)
    np.testing.assert_allclose(grad, np.sign(v) * np.abs(v) ** 2 / r**2)
    value, grad = grad_of(lambda x: x.norm(p=0.5), v)
    assert value == pytest.approx((math.sqrt(3) + 2 + 1) ** 2)
    # d/dx_i = sign(x_i) |x_i|^(-1/2) * norm^(1/2): infinite at the zero, taken as 0 there.
    np.testing.assert_allclose(grad, [math.sqrt(value / 3), -math.sqrt(value) / 2, 0.0,
                                      math.sqrt(value)])
    value, grad = grad_of(lambda x: x.norm(p=-math.inf), [-2.0, 5.0, 2.0])
    assert value == 2.0
    np.testing.assert_array_equal(grad, [-0.5, 0.0, 0.5])
    assert leaf(v).norm(p=0).item() == 3.0


@pytest.mark.parametrize("p", [-1, -0.5, -math.inf])
def test_negative_p_norm_of_an_empty_tensor_raises(p):
    shown = "-inf" if p == -math.inf else str(p)
    # PyTorch 2.13's message names the empty dim reduced over (with no space after it).
    with pytest.raises(RuntimeError, match=f"^linalg.vector_norm cannot compute the {shown} "
                       "norm on the dimension 1because this dimension is empty and the "
                       "operation does not have an identity$"):
        symgrad.zeros(2, 0).norm(p=p, dim=1)
    with pytest.raises(RuntimeError, match=f"^linalg.vector_norm cannot compute the {shown} "
                       "norm on an empty tensor because the operation does not have an "
                       "identity$"):
        symgrad.zeros(2, 0).norm(p=p)
    assert symgrad.zeros(0, 2).norm(p=p, dim=1).shape == (0,)


def test_norm_second_derivative():
    v = np.array([1.0, -2.0, 2.0])
    r = 3.0
    np.testing.assert_allclose(hessian(lambda x: x.norm(), v),
                               np.eye(3) / r - np.outer(v, v) / r**3, atol=1e-12)


def test_norm_of_integers_raises():
    with pytest.raises(RuntimeError, match="^linalg.vector_norm: Expected a floating point or "
                       "complex tensor as input. Got Long$"):
        symgrad.tensor([1, 2]).norm()


# -- scans -------------------------------------------------------------------------------------
def cumprod_grad(v):
    """d sum_k cumprod(v)_k / d v_i = sum_{k >= i} prod_{j <= k, j != i} v_j."""
    n = len(v)
    return np.array([sum(np.prod([v[j] for j in range(k + 1) if j != i])
                         for k in range(i, n)) for i in range(n)])


def test_cumsum_gradient_counts_the_later_positions(rng):
    m = rng.normal(size=(2, 4))
    value, grad = grad_of(lambda x: x.cumsum(-1), m)
    np.testing.assert_allclose(value, np.cumsum(m, 1))
    np.testing.assert_array_equal(grad, [[4, 3, 2, 1]] * 2)
    assert leaf(m).cumsum(0).grad_fn.name() == "CumsumBackward0"


@pytest.mark.parametrize("values", [[2.0, -3.0, 0.5, 4.0], [2.0, 0.0, 0.5, 4.0],
                                    [0.0, 3.0, 0.0, 4.0], [1.5, 2.0, 3.0, 0.0]])
def test_cumprod_gradient_with_zeros(values):
    value, grad = grad_of(lambda x: x.cumprod(0), values)
    np.testing.assert_allclose(value, np.cumprod(values))
    np.testing.assert_allclose(grad, cumprod_grad(values))
    assert leaf(values).cumprod(0).grad_fn.name() == "CumprodBackward0"


def test_cumprod_along_dim_1_with_a_zero():
    m = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, -1.0]])
    _, grad = grad_of(lambda x: x.cumprod(1), m)
    np.testing.assert_allclose(grad, np.stack([cumprod_grad(r) for r in m]))


def test_cumprod_second_derivative_with_a_zero():
    v = np.array([2.0, 0.0, 3.0])
    # sum cumprod = a + ab + abc: d2/da db = 1 + c, d2/da dc = b, d2/db dc = a.
    a, b, c = v
    expected = np.array([[0, 1 + c, b], [1 + c, 0, a], [b, a, 0]])
    np.testing.assert_allclose(hessian(lambda x: x.cumprod(0), v), expected)


# -- dtypes and dims ---------------------------------------------------------------------------
def test_half_reductions_accumulate_in_float32():
    # 1 + k * 2**-11 rounds back to 1 in float16 at every step unless sums run in float32.
    v = [1.0] + [2.0**-11] * 8
    h = symgrad.tensor(v, dtype=symgrad.float16)
    assert h.sum().item() == 1.00390625 and h.sum().dtype is symgrad.float16
    np.testing.assert_array_equal(
        h.cumsum(0).numpy().astype(np.float64),
        np.cumsum(np.array(v, np.float32)).astype(np.float16).astype(np.float64))
    assert symgrad.tensor([60000.0, 60000.0], dtype=symgrad.float16).mean().item() == 60000.0
    b = symgrad.tensor([1.0] + [2.0**-8] * 4, dtype=symgrad.bfloat16)
    assert b.sum().item() == float(np.float32(1 + 4 * 2.0**-8))


def test_dims_are_normalised_and_checked():
    x = leaf(np.ones((2, 3, 4)))
    assert x.sum((-1, 0)).grad_fn.attrs["dim"] == (0, 2)
    assert x.cumsum(-1).grad_fn.attrs == {"dim": 2}
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range "
                       r"of \[-3, 2\], but got 3\)$"):
        x.mean(3)
    with pytest.raises(RuntimeError, match="^dim 1 appears multiple times in the list of dims$"):
        x.sum((1, -2))


def test_zero_dim_tensors_reduce_over_dim_0():
    s = leaf(2.5)
    assert s.sum(0).item() == 2.5 and s.prod(0).item() == 2.5 and s.cumprod(0).item() == 2.5
    s.max(0).values.backward()
    assert s.grad.item() == 1.0


@pytest.mark.parametrize("name", ["mean", "mean_all", "prod", "prod_all", "max_all", "min_all",
                                  "max_dim", "min_dim", "amax", "amin", "var", "std",
                                  "logsumexp", "norm", "cumsum", "cumprod"])
def test_declared_with_samples_and_a_torch_expression(name):
    op = REGISTRY[name]
    assert samples_of(op.name) and TORCH[op.name].startswith("torch.")
    assert op.kind == "reduction"


# -- regressions found by tests/test_properties.py --------------------------------------------
@pytest.mark.parametrize("which", ["prod_all", "prod", "cumprod"])
def test_product_gradient_when_the_product_underflows(which):
    # Three leaves of 1e-150: the product 1e-450 underflows float64 to 0, so out / self is 0,
    # but d prod / d x_i is the product of the other two, 1e-300, a normal float64.
    x = symgrad.tensor([1e-150, 1e-150, 1e-150], dtype=symgrad.float64, requires_grad=True)
    if which == "prod_all":
        x.prod().backward()
    elif which == "prod":
        x.prod(0).backward()
    else:
        # d/dx_2 of sum(cumprod) is x_0 x_1 = 1e-300 (only the last running product holds x_2).
        x.cumprod(0)[2].backward()
    np.testing.assert_allclose(x.grad._data, [1e-300] * 3, rtol=1e-15)


def test_product_gradient_when_the_product_overflows():
    # 1e200 * 1e200 * 1e-200 overflows to inf on the way; d/dx_0 = 1e200 * 1e-200 = 1.
    x = symgrad.tensor([1e200, 1e200, 1e-200], dtype=symgrad.float64, requires_grad=True)
    with np.errstate(over="ignore"):
        x.prod().backward()
    np.testing.assert_allclose(x.grad._data[:2], [1.0, 1.0], rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("value", [0.05, 0.1, 1 / 3])
def test_variance_of_equal_values_is_exactly_zero(dtype, value):
    # Equal values have variance 0 exactly; a mean an ulp off would give ~1e-17 and, through
    # the square root, a gradient of -0.4 instead of the declared kink convention (zero).
    x = symgrad.tensor([value] * 7, dtype=getattr(symgrad, dtype), requires_grad=True)
    assert x.var().item() == 0.0
    s = x.std()
    s.backward()
    assert s.item() == 0.0
    assert np.all(x.grad.numpy() == 0.0)
