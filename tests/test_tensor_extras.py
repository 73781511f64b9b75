"""More tensor methods and their top-level forms (symgrad/ops/tensor_extras.py) against
PyTorch 2.13: angle (values, dtypes, node, zero gradient), real/imag/isreal, the predicates,
output_nr, is_set_to, new_empty_strided, resize_/resize_as_, apply_/map_, and the random fills
cauchy_/geometric_/log_normal_ under one seed; errors by class and message."""

from __future__ import annotations

import math

import numpy as np
import pytest
from call_outcomes import raised

import symgrad

torch = pytest.importorskip("torch")

SPECIAL = [-1.5, 0.0, 2.0, math.nan, -0.0, -math.inf, math.inf, 5e-324, -5e-324]


def _values(t) -> np.ndarray:
    return np.asarray(t.detach().tolist(), dtype=float)


def _same(a, b) -> None:
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(_values(a), _values(b))
    assert a.requires_grad == b.requires_grad
    assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__


ANGLE = {
    "float32": lambda lib: lib.angle(lib.tensor(SPECIAL[:7], requires_grad=True)),
    "float64 method": lambda lib: lib.tensor(SPECIAL, dtype=lib.float64,
                                             requires_grad=True).angle(),
    "float16": lambda lib: lib.angle(lib.tensor(SPECIAL[:7], dtype=lib.float16,
                                                requires_grad=True)),
    "bfloat16": lambda lib: lib.angle(lib.tensor(SPECIAL[:7], dtype=lib.bfloat16)),
    "int64": lambda lib: lib.angle(lib.tensor([-2, 0, 3])),
    "int8": lambda lib: lib.angle(lib.tensor([-2, 0, 3], dtype=lib.int8)),
    "uint8": lambda lib: lib.angle(lib.tensor([0, 200], dtype=lib.uint8)),
    "bool": lambda lib: lib.angle(lib.tensor([True, False])),
    "zero-dim": lambda lib: lib.angle(lib.tensor(-3.0, requires_grad=True)),
    "isreal": lambda lib: lib.isreal(lib.tensor(SPECIAL)),
    "isreal method int": lambda lib: lib.tensor([[1, 2]]).isreal(),
    "real": lambda lib: lib.real(lib.tensor(SPECIAL, requires_grad=True)),
    "real property": lambda lib: (lib.tensor(SPECIAL, requires_grad=True) * 2).real,
}


@pytest.mark.parametrize("name", ANGLE)
def test_angle_real_isreal_are_pytorchs(name: str) -> None:
    _same(ANGLE[name](symgrad), ANGLE[name](torch))


def test_real_is_the_tensor_itself() -> None:
    for lib in (symgrad, torch):
        x = lib.ones(2)
        assert lib.real(x) is x and x.real is x


def test_angle_gradient_is_zero_to_the_second_order() -> None:
    seen = []
    for lib in (symgrad, torch):
        x = lib.tensor(SPECIAL, dtype=lib.float64, requires_grad=True)
        y = lib.angle(x * 3)
        w = lib.linspace(-1.0, 2.0, y.numel(), dtype=lib.float64)
        (g,) = lib.autograd.grad(y, x, w, create_graph=True)
        seen.append((g.tolist(), g.requires_grad))
        y.sum().backward()
        seen.append(x.grad.tolist())
    assert seen[:2] == seen[2:]
    assert seen[0] == ([0.0] * len(SPECIAL), False)


def test_the_judge_gives_angle_a_zero_gradient_off_its_jump() -> None:
    import oracle
    from symgrad.ops.tensor_extras import ANGLE

    x = symgrad.tensor([0.375, -1.25, 2.5, -0.5], dtype=symgrad.float64, requires_grad=True)
    out = symgrad.ops.registry.apply(ANGLE, x)
    assert out.tolist() == [0.0, math.pi, 0.0, math.pi]
    r = oracle.exact_grad(out, [x], symgrad.tensor([1.0, -2.0, 0.5, 3.0],
                                                   dtype=symgrad.float64))
    assert r.status == "ok", r.reason
    np.testing.assert_array_equal(np.asarray(r.float64[0], dtype=np.float64), np.zeros(4))


PREDICATES = {
    "is_complex": lambda lib: lib.is_complex(lib.ones(2)),
    "is_conj": lambda lib: lib.is_conj(lib.ones(2)),
    "is_neg": lambda lib: lib.is_neg(lib.ones(2)),
    "is_signed float": lambda lib: lib.is_signed(lib.ones(2)),
    "is_signed uint8": lambda lib: lib.is_signed(lib.ones(2, dtype=lib.uint8)),
    "is_signed bool": lambda lib: lib.is_signed(lib.ones(2, dtype=lib.bool)),
    "is_signed int8": lambda lib: lib.is_signed(lib.ones(2, dtype=lib.int8)),
    "is_same_size": lambda lib: lib.is_same_size(lib.ones(2, 3), lib.zeros(2, 3)),
    "is_same_size no": lambda lib: lib.is_same_size(lib.ones(2, 3), lib.zeros(3, 2)),
    "is_inference": lambda lib: lib.is_inference(lib.ones(2)),
    "is_inference method": lambda lib: lib.ones(2, requires_grad=True).is_inference(),
    "get_device": lambda lib: lib.get_device(lib.ones(2)),
    "output_nr leaf": lambda lib: lib.ones(2, requires_grad=True).output_nr,
    "output_nr result": lambda lib: (lib.ones(2, requires_grad=True) * 2).output_nr,
    "output_nr split": lambda lib: [p.output_nr for p in lib.ones(5, requires_grad=True)
                                    .split(2)],
    "output_nr split sizes": lambda lib: [p.output_nr for p in lib.ones(5, requires_grad=True)
                                          .split([1, 4])],
    "output_nr unbind": lambda lib: [p.output_nr for p in lib.ones(3, 2, requires_grad=True)
                                     .unbind(0)],
    "output_nr chunk": lambda lib: [p.output_nr for p in lib.ones(4, requires_grad=True)
                                    .chunk(2)],
    "output_nr max": lambda lib: [t.output_nr for t in lib.ones(2, 2, requires_grad=True)
                                  .max(0)],
    "output_nr no grad": lambda lib: [p.output_nr for p in lib.ones(4).split(2)],
    "is_set_to itself": lambda lib: (lambda x: x.is_set_to(x))(lib.ones(4)),
    "is_set_to detach": lambda lib: (lambda x: x.is_set_to(x.detach()))(lib.ones(4)),
    "is_set_to full slice": lambda lib: (lambda x: x.is_set_to(x[:]))(lib.ones(4)),
    "is_set_to slice": lambda lib: (lambda x: x[:2].is_set_to(x))(lib.ones(4)),
    "is_set_to offset": lambda lib: (lambda x: x[1:].is_set_to(x[1:]))(lib.ones(4)),
    "is_set_to transpose": lambda lib: (lambda x: x.t().is_set_to(x))(lib.ones(2, 2)),
    "is_set_to view": lambda lib: (lambda x: x.view(4).is_set_to(x))(lib.ones(4)),
    "is_set_to reshape": lambda lib: (lambda x: x.view(2, 2).is_set_to(x))(lib.ones(4)),
    "is_set_to copy": lambda lib: (lambda x: x.clone().is_set_to(x))(lib.ones(4)),
}


@pytest.mark.parametrize("name", PREDICATES)
def test_predicates_are_pytorchs(name: str) -> None:
    assert PREDICATES[name](symgrad) == PREDICATES[name](torch)


def test_output_nr_of_a_function_with_several_outputs() -> None:
    seen = []
    for lib in (symgrad, torch):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 1, a * 2

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 + 2 * g2

        seen.append([t.output_nr for t in Two.apply(lib.ones(2, requires_grad=True))])
    assert seen[0] == seen[1] == [0, 1]


NEW_EMPTY_STRIDED = {
    "plain": lambda lib: lib.ones(2, dtype=lib.float64).new_empty_strided((2, 3), (3, 1)),
    "strides": lambda lib: lib.ones(2).new_empty_strided((2, 3), (1, 2)),
    "dtype": lambda lib: lib.ones(2).new_empty_strided([2, 3], [1, 2], dtype=lib.int64),
    "requires_grad": lambda lib: lib.ones(2).new_empty_strided((2,), (1,), requires_grad=True),
    "from int": lambda lib: lib.tensor([1]).new_empty_strided((3,), (0,)),
}


@pytest.mark.parametrize("name", NEW_EMPTY_STRIDED)
def test_new_empty_strided_is_pytorchs(name: str) -> None:
    a, b = NEW_EMPTY_STRIDED[name](symgrad), NEW_EMPTY_STRIDED[name](torch)
    assert (str(a.dtype).split(".")[-1], tuple(a.shape), a.stride(), a.requires_grad,
            a.grad_fn) == (str(b.dtype).split(".")[-1], tuple(b.shape), b.stride(),
                           b.requires_grad, b.grad_fn)


def _layout(t) -> tuple:
    return (tuple(t.shape), t.stride(), t.storage_offset(), t._version)


RESIZE = {
    "shrink": lambda lib, x: x.resize_(2, 2),
    "same numel": lambda lib, x: x.view(6).resize_((3, 2)),
    "list": lambda lib, x: x.resize_([1, 3]),
    "size": lambda lib, x: x.resize_(lib.Size([2])),
    "same shape": lambda lib, x: x.resize_(6),
    "zero": lambda lib, x: x.resize_(0),
    "scalar shape": lambda lib, x: x.resize_(()),
    "view shrink": lambda lib, x: x[2:].resize_(2),
    "view across": lambda lib, x: x[2:].resize_(2, 2),
    "transposed same shape": lambda lib, x: x.view(2, 3).t().resize_(3, 2),
    "transposed other shape": lambda lib, x: x.view(2, 3).t().resize_(2, 3),
    "as": lambda lib, x: x.resize_as_(lib.ones(3, 1)),
    "as int": lambda lib, x: x.long().resize_as_(lib.ones(1, 2)),
}


@pytest.mark.parametrize("name", RESIZE)
def test_resize_is_pytorchs(name: str) -> None:
    seen = []
    for lib in (symgrad, torch):
        x = lib.arange(6.0)
        out = RESIZE[name](lib, x)
        seen.append((_layout(out), out.tolist(), x.tolist(), out.dtype.is_floating_point))
    assert seen[0] == seen[1]


def test_resize_grows_keeping_the_elements_and_shares_memory_while_shrunk() -> None:
    seen = []
    for lib in (symgrad, torch):
        x = lib.arange(6.0)
        y = x[2:]
        y.resize_(2)
        y[0] = 100.0  # still the same memory as x
        shrunk = x.tolist()
        x.resize_(3, 4)
        seen.append((shrunk, x[:1].tolist(), x.flatten()[:6].tolist(), _layout(x)))
    assert seen[0] == seen[1]


def test_resize_of_a_tensor_that_requires_no_grad_after_detach() -> None:
    seen = []
    for lib in (symgrad, torch):
        x = lib.ones(3, requires_grad=True)
        d = x.detach()
        d.resize_(2)
        seen.append((tuple(d.shape), d.requires_grad, tuple(x.shape)))
    assert seen[0] == seen[1]


APPLY = {
    "apply_": lambda lib: lib.tensor([0.5, -1.5, 2.0]).apply_(lambda v: v * 2 + 1),
    "apply_ int": lambda lib: lib.tensor([0, 1, 5]).apply_(lambda v: v / 2),
    "apply_ int float": lambda lib: lib.tensor([0, 1, 5]).apply_(lambda v: 2.7),
    "apply_ bool": lambda lib: lib.tensor([True, False]).apply_(lambda v: not v),
    "apply_ float16": lambda lib: lib.tensor([0.1, 0.2], dtype=lib.float16).apply_(
        lambda v: v * 3),
    "apply_ transposed": lambda lib: lib.arange(6.0).view(2, 3).t().apply_(lambda v: v + 1),
    "apply_ int result": lambda lib: lib.tensor([0.5, 1.5]).apply_(lambda v: int(v)),
    "map_": lambda lib: lib.tensor([1.0, 2.0, 3.0]).map_(lib.tensor([10.0, 20.0, 30.0]),
                                                         lambda a, b: a * b - 1),
    "map_ broadcast": lambda lib: lib.arange(6.0).view(2, 3).map_(lib.tensor([[1.0], [2.0]]),
                                                                  lambda a, b: a + 10 * b),
    "map_ transposed": lambda lib: lib.arange(6.0).view(2, 3).t().map_(
        lib.arange(3.0).view(3, 1), lambda a, b: a * 10 + b),
}


@pytest.mark.parametrize("name", APPLY)
def test_apply_and_map_are_pytorchs(name: str) -> None:
    a, b = APPLY[name](symgrad), APPLY[name](torch)
    assert (a.tolist(), str(a.dtype).split(".")[-1], a._version) == (
        b.tolist(), str(b.dtype).split(".")[-1], b._version)


def test_apply_writes_into_the_tensor_and_its_views() -> None:
    for lib in (symgrad, torch):
        x = lib.arange(4.0)
        v = x[1:3]
        assert v.apply_(lambda e: -e) is v
        assert x.tolist() == [0.0, -1.0, -2.0, 3.0]


DRAWS = {
    "cauchy_": lambda lib, t: t.cauchy_(),
    "cauchy_ median sigma": lambda lib, t: t.cauchy_(-1.5, 0.25),
    "geometric_": lambda lib, t: t.geometric_(0.3),
    "geometric_ small p": lambda lib, t: t.geometric_(1e-3),
    "log_normal_": lambda lib, t: t.log_normal_(),
    "log_normal_ mean std": lambda lib, t: t.log_normal_(-0.5, 0.25),
    "log_normal_ overflowing": lambda lib, t: t.log_normal_(0.0, 300.0),
}
DTYPES = ("float32", "float64", "float16", "bfloat16")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", DRAWS)
def test_random_fills_are_pytorchs_under_one_seed(name: str, dtype: str) -> None:
    seen = []
    for lib in (symgrad, torch):
        lib.manual_seed(2024)
        t = lib.empty(1001, dtype=getattr(lib, dtype))
        out = DRAWS[name](lib, t)
        assert out is t
        # a transposed tensor is written in memory order; the stream goes on where PyTorch's
        m = DRAWS[name](lib, lib.empty(3, 5, dtype=lib.float64).t())
        seen.append((_values(out), _values(m), _values(lib.randn(3, dtype=lib.float64)),
                     _values(lib.rand(2))))
    for a, b in zip(*seen, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ("int64", "int32", "int16", "int8", "uint8"))
def test_geometric_fills_integers_as_pytorch(dtype: str) -> None:
    seen = []
    for lib in (symgrad, torch):
        lib.manual_seed(7)
        t = lib.empty(500, dtype=getattr(lib, dtype)).geometric_(0.2)
        seen.append((t.tolist(), str(t.dtype).split(".")[-1]))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("name", ("cauchy_", "geometric_", "log_normal_"))
def test_random_fills_draw_from_the_generator_given(name: str) -> None:
    seen = []
    args = {"geometric_": (0.4,)}.get(name, ())
    for lib in (symgrad, torch):
        lib.manual_seed(0)
        g = lib.Generator().manual_seed(11)
        t = getattr(lib.empty(9, dtype=lib.float64), name)(*args, generator=g)
        seen.append((t.tolist(), lib.rand(2).tolist()))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("name", ("cauchy_", "geometric_", "log_normal_"))
def test_random_fills_record_pytorchs_node_and_a_zero_gradient(name: str) -> None:
    seen = []
    args = {"geometric_": (0.4,)}.get(name, ())
    for lib in (symgrad, torch):
        leaf = lib.ones(3, requires_grad=True)
        y = getattr(leaf * 2, name)(*args)
        node = type(y.grad_fn).__name__
        y.sum().backward()
        seen.append((node, leaf.grad.tolist()))
    assert seen[0] == seen[1]


ERRORS = {
    "imag": lambda lib: lib.imag(lib.ones(2)),
    "imag property": lambda lib: lib.ones(2).imag,
    "angle not tensor": lambda lib: lib.angle(2.5),
    "isreal not tensor": lambda lib: lib.isreal([1.0]),
    "real not tensor": lambda lib: lib.real(2.5),
    "is_complex not tensor": lambda lib: lib.is_complex(2),
    "is_same_size not tensor": lambda lib: lib.is_same_size(lib.ones(2), 2),
    "get_device not tensor": lambda lib: lib.get_device(2),
    "is_set_to not tensor": lambda lib: lib.ones(2).is_set_to(2),
    "new_empty_strided dims": lambda lib: lib.ones(2).new_empty_strided((2, 3), (1,)),
    "new_empty_strided negative": lambda lib: lib.ones(2).new_empty_strided((-2,), (1,)),
    "resize_ requires grad": lambda lib: lib.ones(2, requires_grad=True).resize_(3),
    "resize_ result requires grad": lambda lib: (lib.ones(2, requires_grad=True) * 1).resize_(3),
    "resize_as_ requires grad": lambda lib: (lib.ones(2, requires_grad=True) * 1).resize_as_(
        lib.ones(3)),
    "resize_as_ not tensor": lambda lib: lib.ones(2).resize_as_(2),
    "resize_ negative": lambda lib: lib.ones(2).resize_(-1, 2),
    "resize_ float": lambda lib: lib.ones(2).resize_(2.5),
    "resize_ nothing": lambda lib: lib.ones(2).resize_(),
    "apply_ requires grad": lambda lib: lib.ones(2, requires_grad=True).apply_(lambda v: v),
    "apply_ str": lambda lib: lib.ones(2).apply_(lambda v: "a"),
    "apply_ None": lambda lib: lib.ones(2).apply_(lambda v: None),
    "map_ requires grad": lambda lib: lib.ones(2).map_(lib.ones(2, requires_grad=True),
                                                       lambda a, b: a),
    "map_ not tensor": lambda lib: lib.ones(2).map_(2, lambda a, b: a),
    "map_ dtype": lambda lib: lib.ones(2).map_(lib.ones(2, dtype=lib.int64), lambda a, b: a),
    "map_ shape": lambda lib: lib.ones(4).map_(lib.ones(2), lambda a, b: a),
    "cauchy_ int": lambda lib: lib.ones(2, dtype=lib.int64).cauchy_(),
    "cauchy_ uint8": lambda lib: lib.ones(2, dtype=lib.uint8).cauchy_(),
    "cauchy_ sigma": lambda lib: lib.ones(2).cauchy_(0.0, 0.0),
    "cauchy_ leaf": lambda lib: lib.ones(2, requires_grad=True).cauchy_(),
    "geometric_ p": lambda lib: lib.ones(2).geometric_(1.5),
    "geometric_ p one": lambda lib: lib.ones(2).geometric_(1),
    "geometric_ bool": lambda lib: lib.ones(2, dtype=lib.bool).geometric_(0.5),
    "log_normal_ int": lambda lib: lib.ones(2, dtype=lib.int32).log_normal_(),
    "log_normal_ std": lambda lib: lib.ones(2).log_normal_(0.0, -1.0),
    # The parameter is checked first; the dtype in the kernel, which an empty tensor skips.
    "log_normal_ int std": lambda lib: lib.ones(2, dtype=lib.int32).log_normal_(0.0, -1.0),
    "normal_ int std": lambda lib: lib.ones(2, dtype=lib.int64).normal_(0.0, -1.0),
    "exponential_ int lambd": lambda lib: lib.ones(2, dtype=lib.int64).exponential_(-1.0),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_pytorchs(name: str) -> None:
    error, message = raised(ERRORS[name], symgrad)
    # (symgrad's messages name symgrad's tensor types where PyTorch's name torch's)
    assert (error, message.replace("symgrad.", "torch.")) == raised(ERRORS[name], torch)


@pytest.mark.parametrize("name", ("log_normal_", "normal_", "exponential_"))
@pytest.mark.parametrize("dtype", ("int32", "bool"))
def test_an_empty_tensor_of_any_dtype_is_filled_as_pytorch(name: str, dtype: str) -> None:
    """PyTorch checks a random fill's dtype in the kernel, which an empty tensor never reaches:
    the fill returns the tensor, where a non-empty one of that dtype raises."""
    for lib in (symgrad, torch):
        t = lib.empty(0, 2, dtype=getattr(lib, dtype))
        assert getattr(t, name)() is t
        with pytest.raises((RuntimeError, NotImplementedError)):
            getattr(lib.empty(1, 2, dtype=getattr(lib, dtype)), name)()
