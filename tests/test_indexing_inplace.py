"""Indexing, assignment and in-place ops: values, recorded nodes, gradients, version counters.

Expected gradients come from NumPy (``np.add.at`` of the incoming gradient at the read
positions, which counts repeats) or from PyTorch when it is installed; error texts are
PyTorch 2.13's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import symgrad

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

BASE = np.arange(24.0).reshape(2, 3, 4) - 11.5
MASK = BASE[:, :, 0] > -6

# Keys and the nodes PyTorch records for them, last node first (read off torch 2.13).
KEYS = [
    (0, ["SelectBackward0"]),
    (-1, ["SelectBackward0"]),
    (slice(1, 3), ["SliceBackward0"]),
    (slice(None), ["SliceBackward0"]),
    ((slice(None), slice(None, None, 2)), ["SliceBackward0"]),
    ((slice(None), slice(None)), ["AliasBackward0"]),
    (None, ["UnsqueezeBackward0"]),
    ((Ellipsis, 0), ["SelectBackward0"]),
    ((slice(None), None, 0), ["SelectBackward0", "UnsqueezeBackward0"]),
    ((1, slice(0, 3, 2), -1), ["SelectBackward0", "SliceBackward0", "SelectBackward0"]),
    ([0, 0, 1], ["IndexBackward0"]),
    ((0, [1, 1, 2]), ["IndexBackward0", "SelectBackward0"]),
    ((0, slice(None), [1, 2]), ["IndexBackward0", "SelectBackward0"]),
    ((slice(None), [2, 0, 2], [3, 3, 0]), ["IndexBackward0"]),
    (([[0], [1]], slice(None), [[1, 2]]), ["IndexBackward0"]),
    (MASK, ["IndexBackward0"]),
    ((MASK, 0), ["IndexBackward0", "SelectBackward0"]),
    ((Ellipsis, BASE[0, 0] > 0), ["IndexBackward0"]),
    ((None, 1, [0, 0]), ["IndexBackward0", "SelectBackward0", "UnsqueezeBackward0"]),
]


def _chain(t) -> list[str]:
    names, node = [], t.grad_fn
    while node is not None and node.name() != "torch::autograd::AccumulateGrad":
        names.append(node.name())
        node = node.next_functions[0][0]
    return names


def _torch_key(key):
    if not isinstance(key, tuple):
        return torch.as_tensor(key) if isinstance(key, (list, np.ndarray)) else key
    return tuple(torch.as_tensor(k) if isinstance(k, (list, np.ndarray)) else k for k in key)


@pytest.mark.parametrize(("key", "nodes"), KEYS)
def test_getitem_values_nodes_and_gradient(key, nodes) -> None:
    x = symgrad.tensor(BASE, requires_grad=True)
    out = x[key]
    assert _chain(out) == nodes
    g = np.arange(out.numel(), dtype=np.float64).reshape(out.shape) + 1
    out.backward(symgrad.tensor(g))
    # NumPy reads the same elements through an index array of positions: scattering g back
    # through it with np.add.at is the gradient, repeats counted.
    positions = np.arange(BASE.size).reshape(BASE.shape)
    read = _torch_order(positions, key)
    np.testing.assert_array_equal(out._data, BASE.reshape(-1)[read])
    expected = np.zeros(BASE.size)
    np.add.at(expected, read, g)
    np.testing.assert_array_equal(x.grad._data, expected.reshape(BASE.shape))


def _torch_order(a: np.ndarray, key) -> np.ndarray:
    # NumPy's rule differs from PyTorch's in one place: an int next to index arrays is an
    # advanced index for NumPy but a select for PyTorch. Selecting the ints first, as PyTorch
    # does, makes the two agree.
    items = list(key) if isinstance(key, tuple) else [key]
    if not any(isinstance(k, (list, np.ndarray)) for k in items):
        return a[key]
    dim = 0
    for i, k in enumerate(items):
        if k is Ellipsis:
            dim += a.ndim - sum(1 for j in items if j is not None and j is not Ellipsis)
        elif isinstance(k, int):
            a = np.take(a, k, axis=dim)
            items[i] = "gone"
        elif k is None:
            a = np.expand_dims(a, dim)
            items[i] = slice(None)
            dim += 1
        else:
            dim += np.asarray(k).ndim if np.asarray(k).dtype == bool else 1
    return a[tuple(k for k in items if not isinstance(k, str))]


def _key_items(size: int):
    return st.one_of(
        st.integers(-size, size - 1),
        st.builds(slice, st.none() | st.integers(-size - 1, size + 1),
                  st.none() | st.integers(-size - 1, size + 1), st.none() | st.integers(1, 3)),
        st.lists(st.integers(-size, size - 1), min_size=1, max_size=4),
    )


@given(st.tuples(_key_items(2), _key_items(3), _key_items(4)), st.integers(0, 3),
       st.sampled_from([None, Ellipsis]))
def test_random_keys_read_and_scatter_back(items, cut, extra) -> None:
    # Up to one index list, so the keys stay within what NumPy and PyTorch read alike.
    lists = [i for i, k in enumerate(items) if isinstance(k, list)]
    key = tuple(k if not isinstance(k, list) or i == lists[0] else 0
                for i, k in enumerate(items))[:cut]
    if extra is not None:
        key = (extra,) + key
    x = symgrad.tensor(BASE, requires_grad=True)
    out = x[key]
    positions = np.arange(BASE.size).reshape(BASE.shape)
    read = _torch_order(positions, key)
    np.testing.assert_array_equal(out._data, BASE.reshape(-1)[read])
    g = np.arange(out.numel(), dtype=np.float64).reshape(out.shape)
    out.backward(symgrad.tensor(g))
    expected = np.zeros(BASE.size)
    np.add.at(expected, read, g)
    np.testing.assert_array_equal(x.grad._data, expected.reshape(BASE.shape))


@needs_torch
@pytest.mark.parametrize(("key", "nodes"), KEYS)
def test_getitem_agrees_with_torch(key, nodes) -> None:
    x = symgrad.tensor(BASE, requires_grad=True)
    t = torch.tensor(BASE, requires_grad=True)
    out, t_out = x[key], t[_torch_key(key)]
    np.testing.assert_array_equal(out._data, t_out.detach().numpy())
    assert _chain(out) == _chain(t_out)
    (out * out).sum().backward()
    (t_out * t_out).sum().backward()
    np.testing.assert_array_equal(x.grad._data, t.grad.numpy())


def test_repeated_indices_accumulate() -> None:
    x = symgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 2, 0, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y.index_select(1, symgrad.tensor([1, 1, 0])).sum().backward()
    assert y.grad.tolist() == [[1.0, 2.0], [1.0, 2.0]]


def test_gather_and_masked_fill_gradients() -> None:
    x = symgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = x.gather(1, symgrad.tensor([[2, 2], [0, 1]]))
    assert out.tolist() == [[3.0, 3.0], [4.0, 5.0]] and out.grad_fn.name() == "GatherBackward0"
    (out * symgrad.tensor([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 11.0], [100.0, 1000.0, 0.0]]
    z = symgrad.tensor([1.0, -2.0, 3.0], requires_grad=True)
    filled = z.masked_fill(z < 0, 7.0)
    assert filled.tolist() == [1.0, 7.0, 3.0]
    assert filled.grad_fn.name() == "MaskedFillBackward0"
    filled.sum().backward()
    assert z.grad.tolist() == [1.0, 0.0, 1.0]
    v = symgrad.tensor(3.0, requires_grad=True)
    by_tensor = z.masked_fill(symgrad.tensor([True, True, False]), v)
    assert by_tensor.grad_fn.name() == "MaskedFillBackward1"
    (by_tensor * symgrad.tensor([2.0, 5.0, 7.0])).sum().backward()
    assert v.grad.tolist() == 7.0 and z.grad.tolist() == [1.0, 0.0, 8.0]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda x: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
    (lambda x: x[0, 0, 0, 0], IndexError, "too many indices for tensor of dimension 3"),
    (lambda x: x[np.array([True, False, True])], IndexError,
     "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor "
     "[2, 3, 4] at index 0"),
    (lambda x: x[::-1], ValueError, "step must be greater than zero"),
])
def test_index_errors_match_pytorch(call, error, message) -> None:
    with pytest.raises(error) as info:
        call(symgrad.tensor(BASE))
    assert str(info.value) == message


# -- assignment -------------------------------------------------------------------------------
def test_setitem_records_copy_slices_and_routes_gradients() -> None:
    x = symgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    v = symgrad.tensor([10.0], requires_grad=True)
    y = x * 2
    y[0, 1:] = v
    assert y.tolist() == [[2.0, 10.0, 10.0], [8.0, 10.0, 12.0]]
    assert y.grad_fn.name() == "torch::autograd::CopySlices"
    assert repr(y).endswith("grad_fn=<CopySlices>)")
    assert repr(y.grad_fn).startswith("<CopySlices object at 0x")
    assert y._version == 1
    (y * symgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    # Written positions pass nothing to the old value; v was broadcast to two places.
    assert x.grad.tolist() == [[2.0, 0.0, 0.0], [8.0, 10.0, 12.0]]
    assert v.grad.tolist() == [5.0]


def test_setitem_with_index_arrays_is_index_put() -> None:
    x = symgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y[[0, 2]] = symgrad.tensor(0.0)
    assert y.grad_fn.name() == "IndexPutBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_setitem_on_leaf_that_requires_grad() -> None:
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        x[0] = 5.0
    assert str(info.value) == (
        "a view of a leaf Variable that requires grad is being used in an in-place operation.")
    with symgrad.no_grad():
        x[0] = 5.0
    assert x.tolist() == [5.0, 2.0] and x.is_leaf


# -- in-place ops -----------------------------------------------------------------------------
INPLACE = [
    ("add_", lambda t, o: t.add_(o), "AddBackward0"),
    ("add_alpha", lambda t, o: t.add_(o, alpha=2), "AddBackward0"),
    ("sub_", lambda t, o: t.sub_(o), "SubBackward0"),
    ("mul_", lambda t, o: t.mul_(o), "MulBackward0"),
    ("div_", lambda t, o: t.div_(o), "DivBackward0"),
    ("pow_", lambda t, o: t.pow_(2), "PowBackward0"),
    ("zero_", lambda t, o: t.zero_(), "ZeroBackward0"),
    ("fill_", lambda t, o: t.fill_(1.5), "FillBackward2"),
    ("copy_", lambda t, o: t.copy_(o), "torch::autograd::CopyBackwards"),
    ("clamp_", lambda t, o: t.clamp_(-0.5, 0.5), "ClampBackward1"),
]


@pytest.mark.parametrize(("label", "fn", "node"), INPLACE)
def test_inplace_on_a_computed_tensor(label, fn, node) -> None:
    a = np.array([[0.25, -1.5, 2.0], [1.0, 0.75, -0.125]])
    b = np.array([0.5, 2.0, -4.0])
    x = symgrad.tensor(a, requires_grad=True)
    other = symgrad.tensor(b, requires_grad=True)
    y = x * 1
    same = fn(y, other)
    assert same is y and y._version == 1 and y.grad_fn.name() == node
    (y * y).sum().backward()
    if torch is not None:
        tx = torch.tensor(a, requires_grad=True)
        to = torch.tensor(b, requires_grad=True)
        ty = tx * 1
        fn(ty, to)
        assert ty.grad_fn.name() == node and ty._version == 1
        np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=1e-15)
        (ty * ty).sum().backward()
        np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-15)
        if to.grad is not None:
            np.testing.assert_allclose(other.grad._data, to.grad.numpy(), rtol=1e-15)


def test_inplace_gradient_sees_the_old_value() -> None:
    # y = x * 1; y *= y_old... d/dx sum((x * 3)^2) = 18 x, through the old value of y.
    x = symgrad.tensor([1.0, -2.0], requires_grad=True)
    y = x * 1
    y.mul_(3)
    (y * y).sum().backward()
    assert x.grad.tolist() == [18.0, -36.0]


def test_inplace_into_a_constant_makes_it_part_of_the_graph() -> None:
    w = symgrad.tensor([1.0, 2.0], requires_grad=True)
    acc = symgrad.zeros(2)
    acc.add_(w * w)
    assert not acc.is_leaf and acc.grad_fn.name() == "AddBackward0"
    assert acc.grad_fn.next_functions[0][0] is None
    acc.sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_inplace_on_a_leaf_that_requires_grad() -> None:
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    for call in (lambda: x.add_(1), lambda: x.zero_(), lambda: x.mul_(2)):
        with pytest.raises(RuntimeError) as info:
            call()
        assert str(info.value) == (
            "a leaf Variable that requires grad is being used in an in-place operation.")
    with symgrad.no_grad():
        x.sub_(x * 0.5)
    assert x.tolist() == [0.5, 1.0] and x.is_leaf and x.requires_grad and x._version == 1


MODIFIED = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation: [torch.FloatTensor [2, 3]]{which} is at version 1; expected version 0 "
    "instead. Hint: enable anomaly detection to find the operation that failed to compute its "
    "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)


def _saved_input(m):
    y = m.ones(2, 3, requires_grad=True) * 1
    z = y * y
    y.add_(1)
    return z


def _saved_output(m):
    y = m.ones(2, 3, requires_grad=True).exp()
    y.mul_(2)
    return y


def _saved_leaf(m):
    x = m.ones(2, 3, requires_grad=True)
    z = x * x
    with m.no_grad():
        x.add_(1)
    return z


@pytest.mark.parametrize(("build", "which"), [
    (_saved_input, ", which is output 0 of Add,"),
    (_saved_output, ", which is output 0 of Exp,"),
    (_saved_leaf, ""),
])
def test_modified_saved_tensor_error(build, which) -> None:
    with pytest.raises(RuntimeError) as info:
        build(symgrad).sum().backward()
    assert str(info.value) == MODIFIED.format(which=which)
    if torch is not None:
        with pytest.raises(RuntimeError) as t_info:
            build(torch).sum().backward()
        assert str(info.value) == str(t_info.value)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: symgrad.tensor([1, 2]).add_(1.5),
     "result type Float can't be cast to the desired output type Long"),
    (lambda: symgrad.tensor([1, 2]).mul_(symgrad.tensor([1.5, 2.0])),
     "result type Float can't be cast to the desired output type Long"),
    (lambda: symgrad.tensor([True]).add_(1),
     "result type Long can't be cast to the desired output type Bool"),
    (lambda: symgrad.zeros(3).add_(symgrad.ones(2, 3)),
     "output with shape [3] doesn't match the broadcast shape [2, 3]"),
])
def test_inplace_errors_match_pytorch(call, message) -> None:
    with pytest.raises(RuntimeError) as info:
        call()
    assert str(info.value) == message


def test_inplace_casts_into_a_lower_precision_of_the_same_kind() -> None:
    h = symgrad.zeros(3, dtype=symgrad.float16)
    h.add_(symgrad.ones(3, dtype=symgrad.float64))
    assert h.dtype is symgrad.float16 and h.tolist() == [1.0, 1.0, 1.0]


def test_version_counts_every_write() -> None:
    c = symgrad.zeros(3)
    c.add_(1)
    c.mul_(2)
    c[0] = 1.0
    c += 1
    assert c._version == 4 and c.tolist() == [2.0, 3.0, 3.0]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", ["add_", "sub_", "__iadd__", "__isub__"])
def test_an_update_under_no_grad_is_a_write_into_the_tensor(method, dtype) -> None:
    # Nothing records: the sum is written straight into the tensor's memory (inplace._into).
    # What a user can see is PyTorch's: values, versions, a view that shares the memory, and
    # the error of a node that saved the tensor before the write.
    seen = {}
    for lib in (symgrad, torch):
        p = lib.tensor([[0.5, -1.25, 3.0], [2.0, 0.1, -0.3]], dtype=getattr(lib, dtype),
                       requires_grad=True)
        loss = (p * p).sum()
        row = p[1]
        step = lib.tensor([[1 / 3, 0.7, -2.5], [1e-3, 1e8, 0.25]], dtype=getattr(lib, dtype))
        with lib.no_grad():
            out = getattr(p, method)(step)
        with pytest.raises(RuntimeError) as info:
            loss.backward()
        seen[lib.__name__] = (out is p, p.tolist(), row.tolist(), p._version, row._version,
                              str(info.value).split(":")[0])
    assert seen["symgrad"] == seen["torch"]


# -- writes through views ---------------------------------------------------------------------
C = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def _through_view(m):
    a = m.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)
    x = a * 1
    x[1].mul_(10)
    x.t()[2].add_(a[0, :2])
    return a, x


def _base_then_view(m):
    a = m.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)
    x = a * 1
    v = x[:, 1:]
    x.mul_(3)
    return a, v * v


@pytest.mark.parametrize("build", [_through_view, _base_then_view])
def test_writes_through_views_reach_base_and_views(build) -> None:
    a, out = build(symgrad)
    (out * symgrad.tensor(C[:, : out.shape[1]])).sum().backward()
    a0 = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    if build is _through_view:
        # x = a with row 1 times 10, then column 2 plus the first two entries of row 0:
        # x[:, 2] gains (a00, a01): x02 += a00, x12 += a01.
        expected_x = a0.copy()
        expected_x[1] *= 10
        expected_x[0, 2] += a0[0, 0]
        expected_x[1, 2] += a0[0, 1]
        expected_grad = C * np.array([[1.0], [10.0]])
        expected_grad[0, 0] += C[0, 2]
        expected_grad[0, 1] += C[1, 2]
    else:
        expected_x = (3 * a0[:, 1:]) ** 2
        expected_grad = np.zeros_like(a0)
        expected_grad[:, 1:] = 18 * a0[:, 1:] * C[:, :2]
    np.testing.assert_allclose(out._data, expected_x)
    np.testing.assert_allclose(a.grad._data, expected_grad)
    if torch is not None:
        ta, t_out = build(torch)
        (t_out * torch.tensor(C[:, : t_out.shape[1]])).sum().backward()
        np.testing.assert_allclose(ta.grad.numpy(), a.grad._data)


def test_views_share_the_version_counter() -> None:
    x = symgrad.ones(2, 3, requires_grad=True) * 1
    v = x[0]
    w = v * v
    x.add_(1)
    assert v._version == x._version == 1
    assert v.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


def test_views_of_a_leaf_and_expanded_views_cannot_be_written() -> None:
    leaf = symgrad.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        leaf[0].add_(1)
    assert str(info.value) == (
        "a view of a leaf Variable that requires grad is being used in an in-place operation.")
    with pytest.raises(RuntimeError) as info:
        symgrad.zeros(3).expand(2, 3).add_(1)
    assert str(info.value).startswith(
        "unsupported operation: more than one element of the written-to tensor refers to a "
        "single memory location.")


# Copies into an expanded view e = x.expand(2, 3) (written, then the value): PyTorch's copy_
# returns at once where its source is the destination's own elements in the same layout (its
# is_same_data), before refusing the overlap (fuzzer seed 2053 program 1207: ``e[...] = x``).
SAME_DATA_WRITES = {
    "setitem-whole": lambda lib, x, e: e.__setitem__(Ellipsis, x),
    "setitem-slice": lambda lib, x, e: e.__setitem__(slice(None), x),
    "setitem-row": lambda lib, x, e: e.__setitem__(0, x),
    "setitem-itself": lambda lib, x, e: e.__setitem__(Ellipsis, e),
    "setitem-expanded": lambda lib, x, e: e.__setitem__(Ellipsis, x.expand(2, 3)),
    "setitem-leading-one": lambda lib, x, e: e.__setitem__(Ellipsis, x[None]),
    "setitem-columns": lambda lib, x, e: e.__setitem__((slice(None), slice(1, None)), x[1:]),
    "copy_-itself": lambda lib, x, e: e.copy_(e),
    # refused: other memory, or x not expanded first (copy_'s own check), or other strides
    "setitem-other": lambda lib, x, e: e.__setitem__(Ellipsis, x.clone()),
    "copy_-unexpanded": lambda lib, x, e: e.copy_(x),
    "setitem-last-row": lambda lib, x, e: e.__setitem__(slice(1, None), x),
    "setitem-shifted": lambda lib, x, e: e.__setitem__((slice(None), slice(None, 2)), x[1:]),
}


@needs_torch
@pytest.mark.parametrize("write", SAME_DATA_WRITES.values(), ids=SAME_DATA_WRITES.keys())
def test_a_copy_of_an_expanded_views_own_elements_is_pytorchs(write) -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0])
        e = x.expand(2, 3)
        try:
            write(lib, x, e)
        except RuntimeError as exc:
            return str(exc)
        return e.tolist(), x._version
    assert run(symgrad) == run(torch)


@needs_torch
@pytest.mark.parametrize("write", ["whole", "itself"])
def test_a_recorded_copy_of_an_expanded_views_own_elements_is_pytorchs(write) -> None:
    # Recorded through the view, PyTorch's forward runs and its CopySlices backward writes the
    # gradient through the expanded view, which it refuses; symgrad's forward leaked NumPy's
    # ValueError ("assignment destination is read-only") once the copy was let through.
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        e = y.expand(2, 3)
        if write == "whole":
            e[...] = y
        else:
            e.copy_(e)
        recorded = (e._version, y._version, e.grad_fn.name(), y.grad_fn.name())
        try:
            e.sum().backward()
        except RuntimeError as exc:
            return recorded, str(exc)
        return recorded, x.grad.tolist()
    assert run(symgrad) == run(torch)


# Writes into an expand e = x.expand(2, 3) (fuzzer seed 2146 #566): PyTorch refuses a write
# into elements that share memory, except fill_ and zero_, which write their one value there
# (nn.init.zeros_ of an expanded tensor); a view of e whose elements do not share memory
# (e[0]) is written as any view, by an op or by setitem. Recorded, a fill through e is
# forward only: its CopySlices backward writes through e and is refused.
def _expand_write(lib, write, requires_grad=False):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=requires_grad)
    y = x * 2 if requires_grad else x
    e = y.expand(2, 3)
    try:
        write(lib, e)
        if requires_grad:
            y.sum().backward()
            return y.tolist(), e.grad_fn.name(), y.grad_fn.name(), x.grad.tolist()
    except RuntimeError as exc:
        return type(exc).__name__, str(exc)
    return y.tolist(), x._version


EXPAND_WRITES = {
    "zero_": lambda lib, e: e.zero_(),
    "fill_ by a number": lambda lib, e: e.fill_(2.5),
    "fill_ by a tensor (refused)": lambda lib, e: e.fill_(lib.tensor(2.0)),
    "add_ (refused)": lambda lib, e: e.add_(1),
    "add_ of a row": lambda lib, e: e[0].add_(1),
    "mul_ of an element": lambda lib, e: e[1, 2].mul_(3),
    "zero_ of a column": lambda lib, e: e[:, 1].zero_(),
    "setitem of a row by a number": lambda lib, e: e.__setitem__(0, 7.0),
    "setitem of a row by a tensor": lambda lib, e: e.__setitem__(0, lib.tensor([4.0, 5, 6])),
    "setitem of an element": lambda lib, e: e.__setitem__((0, 1), 5.0),
    "setitem of the last row": lambda lib, e: e.__setitem__(slice(1, None), 2.0),
    "setitem of a column (refused)": lambda lib, e: e.__setitem__((slice(None), 1), 2.0),
    "setitem of everything (refused)": lambda lib, e: e.__setitem__(Ellipsis, 2.0),
    "init.zeros_": lambda lib, e: lib.nn.init.zeros_(e),
    "init.constant_": lambda lib, e: lib.nn.init.constant_(e, 4.0),
}


@needs_torch
@pytest.mark.parametrize("write", EXPAND_WRITES.values(), ids=EXPAND_WRITES.keys())
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain", "recorded"])
def test_writes_into_an_expand_are_pytorchs(write, requires_grad) -> None:
    assert _expand_write(symgrad, write, requires_grad) == _expand_write(torch, write,
                                                                          requires_grad)


@needs_torch
def test_a_fill_through_an_expand_is_refused_in_backward_as_pytorchs() -> None:
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        e = (x * 2).expand(2, 3)
        e.zero_()
        try:
            e.exp().sum().backward()
        except RuntimeError as exc:
            return str(exc)
        return x.grad.tolist()
    assert run(symgrad) == run(torch)


def _graph(fn: object) -> object:
    """A node's name and its next functions', recursively (None for no node)."""
    if fn is None:
        return None
    return (fn.name(), [_graph(n) for n, _ in fn.next_functions])


# Keys of each kind setitem writes through (copy_/fill_ of the whole tensor, CopySlices of a
# view, index_put_ at arrays or a mask, CopySlices of index_put_ into a view), values of each
# shape PyTorch reshapes (leading ones it views away, dims it expands) and a float32 value
# into tensors of other dtypes, which PyTorch's copy_ and index_put_ cast unrecorded.
SET_KEYS = [Ellipsis, 0, slice(1, None), (slice(None), 0), "mask", [0, 2],
            (slice(None), [1]), ([0, 1], slice(None)), (slice(1, None), [1, 0]), (None, 0)]


@needs_torch
@pytest.mark.parametrize("shape", [(), (1,), (2,), (1, 2), (1, 1, 2), (3, 1)])
@pytest.mark.parametrize("key", SET_KEYS, ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_setitem_records_pytorchs_graph(shape, key, dtype) -> None:
    """``x[key] = v`` records PyTorch's nodes, all the way down (a ViewBackward0 dropping the
    value's leading ones, an ExpandBackward0 to the written shape, no ToCopyBackward0 for a
    value of another dtype), raises PyTorch's errors (its shape mismatch, not NumPy's) and
    gives PyTorch's gradient in the value's dtype (a (1, 2) value at x[0] failed its
    backward: the gradient came back as (2,))."""
    def run(lib):
        v = lib.full(shape, 2.5, requires_grad=True)
        x = lib.zeros(3, 2, dtype=getattr(lib, dtype))
        k = lib.tensor([[True, False], [False, False], [True, True]]) if key == "mask" else key
        try:
            x[k] = v
        except RuntimeError as e:
            return str(e).split("\n")[0]
        (x.double() * lib.arange(1.0, 7.0, dtype=lib.float64).reshape(3, 2)).sum().backward()
        return _graph(x.grad_fn), x.tolist(), str(v.grad.dtype)[-7:], v.grad.tolist()
    assert run(symgrad) == run(torch)
