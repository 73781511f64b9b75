"""Names older and newer PyTorch programs use: the legacy tensor types (``torch.FloatTensor``
and the nine others, ``set_default_tensor_type``), ``nn.init``'s deprecated names without the
underscore, the lazy modules with ``UninitializedParameter``/``UninitializedBuffer``, and
``nn.Buffer``; each behaviour run on symgrad and on PyTorch 2.13 where it is installed, values
compared with PyTorch's after the same seed."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import symgrad

try:
    import torch
except ImportError:
    torch = None

LIBS = [symgrad] + ([torch] if torch is not None else [])
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
by_lib = pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)

# each legacy type and the dtype it stands for
TYPES = {"FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16",
         "BFloat16Tensor": "bfloat16", "LongTensor": "int64", "IntTensor": "int32",
         "ShortTensor": "int16", "CharTensor": "int8", "ByteTensor": "uint8",
         "BoolTensor": "bool"}


# -- the legacy tensor types ----------------------------------------------------------------------
@by_lib
@pytest.mark.parametrize("name", TYPES)
def test_each_type_builds_its_dtype_from_data_sizes_a_size_and_nothing(lib: Any,
                                                                        name: str) -> None:
    kind, dtype = getattr(lib, name), getattr(lib, TYPES[name])
    data = kind([1, 0, 3])
    assert data.dtype is dtype and data.shape == (3,) and not data.requires_grad
    assert data.tolist() == ([True, False, True] if name == "BoolTensor" else [1, 0, 3])
    for made, shape in ((kind(2, 3), (2, 3)), (kind(lib.Size([4, 1])), (4, 1)),
                        (kind(lib.Size([])), ()), (kind(), (0,)), (kind(0), (0,)),
                        (kind(np.int64(2)), (2,)), (kind(2, True), (2, 1)),
                        (kind(np.zeros((2, 2))), (2, 2)), (kind((5, 6)), (2,))):
        assert made.dtype is dtype and tuple(made.shape) == shape


@needs_torch
@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("data", [[1.5, -2.5, 0.0], [True, False], [[1, 2], [3, 4]], [-1],
                                  np.array([2.75, -0.5]), range(4), (7, 8)])
def test_each_type_converts_data_as_pytorch(name: str, data: Any) -> None:
    assert _outcome(symgrad, name, data) == _outcome(torch, name, data)


def _outcome(lib: Any, name: str, data: Any) -> tuple[Any, ...]:
    """The dtype, shape and values a type makes of ``data``, or its error and message."""
    try:
        t = getattr(lib, name)(data)
    except (TypeError, ValueError, RuntimeError) as e:
        return type(e), str(e)
    return str(t.dtype).split(".")[1], tuple(t.shape), t.float().tolist()


@by_lib
def test_a_tensor_of_the_types_dtype_is_shared_and_recorded(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = lib.FloatTensor(x)
    assert y is not x and y.requires_grad and type(y.grad_fn).__name__ == "AliasBackward0"
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert type(lib.FloatTensor(lib.nn.Parameter(lib.ones(1)))) is lib.Tensor


def _options(cpp: str) -> str:
    return (f"TensorOptions(dtype={cpp}, device=cpu, layout=Strided, requires_grad=false "
            "(default), pinned_memory=false (default), memory_format=(nullopt))")


# what PyTorch 2.13 raises (the text from its start)
REFUSALS = [
    (lambda lib: lib.FloatTensor("a"), TypeError, "new(): invalid data type 'str'"),
    (lambda lib: lib.FloatTensor(1.5), TypeError, "new(): data must be a sequence (got float)"),
    (lambda lib: lib.FloatTensor(None), TypeError,
     "new(): data must be a sequence (got NoneType)"),
    (lambda lib: lib.FloatTensor(True), TypeError, "new(): data must be a sequence (got bool)"),
    (lambda lib: lib.FloatTensor({1: 2}), TypeError, "new(): data must be a sequence (got dict)"),
    (lambda lib: lib.FloatTensor(np.float64(3)), TypeError,
     "new(): data must be a sequence (got numpy.float64)"),
    (lambda lib: lib.FloatTensor(2, 3.0), TypeError,
     "new(): argument 'size' failed to unpack the object at pos 2 with error \"type must be "
     "tuple of ints,but got float\""),
    (lambda lib: lib.LongTensor(2, 3, "a"), TypeError,
     "new(): argument 'size' failed to unpack the object at pos 3 with error \"type must be "
     "tuple of ints,but got str\""),
    (lambda lib: lib.FloatTensor([1.5], [2]), TypeError,
     "new() received an invalid combination of arguments - got (list, list), but expected one "
     "of:"),
    (lambda lib: lib.FloatTensor(True, 2), TypeError,
     "new() received an invalid combination of arguments - got (bool, int), but expected one "
     "of:"),
    (lambda lib: lib.FloatTensor(-1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [-1]"),
    (lambda lib: lib.FloatTensor(2, device="cuda"), RuntimeError,
     "legacy constructor expects device type: cpu but device type: cuda was passed"),
    (lambda lib: lib.FloatTensor(lib.tensor([1, 2])), TypeError,
     f"expected {_options('float')} (got {_options('long int')})"),
    (lambda lib: lib.LongTensor(lib.tensor([1.0], dtype=lib.float64)), TypeError,
     f"expected {_options('long int')} (got {_options('double')})"),
    (lambda lib: lib.ByteTensor([-1, 256]), RuntimeError,
     "value cannot be converted to type uint8 without overflow"),
    (lambda lib: lib.CharTensor([200]), RuntimeError,
     "value cannot be converted to type int8 without overflow"),
    (lambda lib: lib.LongTensor([float("nan")]), RuntimeError,
     "value cannot be converted to type int64 without overflow"),
]


@by_lib
@pytest.mark.parametrize("call, error, text", REFUSALS, ids=[r[2][:40] for r in REFUSALS])
def test_the_types_refuse_as_pytorch(lib: Any, call: Any, error: type, text: str) -> None:
    with pytest.raises(error) as raised:
        call(lib)
    assert str(raised.value).startswith(text)


@by_lib
def test_what_pytorch_does_not_refuse(lib: Any) -> None:
    # a float truncated toward zero, a negative int wrapped into uint8, float16 overflow to inf
    assert lib.LongTensor([1.5, -1.5]).tolist() == [1, -1]
    assert lib.ByteTensor([-1]).tolist() == [255]
    assert lib.HalfTensor([1e5]).tolist() == [float("inf")]
    assert lib.BoolTensor([0, 2]).tolist() == [False, True]


@by_lib
@pytest.mark.parametrize("name", TYPES)
def test_isinstance_is_true_exactly_for_tensors_of_the_types_dtype(lib: Any, name: str) -> None:
    kind = getattr(lib, name)
    for dtype in TYPES.values():
        x = lib.zeros(2, dtype=getattr(lib, dtype))
        assert isinstance(x, kind) is (dtype == TYPES[name]), dtype
    p = lib.nn.Parameter(lib.zeros(1, dtype=getattr(lib, TYPES[name])), requires_grad=False)
    assert isinstance(p, kind)
    assert not isinstance([1.0], kind) and not isinstance(1.0, kind)
    assert not issubclass(kind, lib.Tensor)
    assert kind.dtype is getattr(lib, TYPES[name]) and not kind.is_cuda and not kind.is_sparse
    assert kind.__name__ == name and repr(kind) == f"<class 'torch.{name}'>"


@by_lib
@pytest.mark.parametrize("name", TYPES)
def test_type_converts_to_a_type_and_to_its_name(lib: Any, name: str) -> None:
    x = lib.tensor([1.0, 0.0, 2.5], requires_grad=True)
    for to in (getattr(lib, name), f"torch.{name}"):
        y = x.type(to)
        assert y.dtype is getattr(lib, TYPES[name]) and y.type() == f"torch.{name}"
    assert x.type(lib.FloatTensor) is x and x.type(dtype=lib.DoubleTensor).requires_grad


@by_lib
def test_type_refuses_as_pytorch(lib: Any) -> None:
    x = lib.zeros(1)
    with pytest.raises(ValueError, match=re.escape("invalid type: 'torch.Foo'")):
        x.type("torch.Foo")
    with pytest.raises(ValueError, match=re.escape("invalid type: 'DoubleTensor'")):
        x.type("DoubleTensor")
    with pytest.raises(TypeError, match="dtype must be a type, str, or dtype object"):
        x.type(3)


@pytest.fixture
def warn_always(request: Any) -> Iterator[None]:
    """Each library says its once-per-process warnings every time, and keeps its default
    dtype, for the test."""
    libs = [(lib, lib.is_warn_always_enabled(), lib.get_default_dtype()) for lib in LIBS]
    for lib, _, _ in libs:
        lib.set_warn_always(True)
    yield
    for lib, was, dtype in libs:
        lib.set_warn_always(was)
        lib.set_default_dtype(dtype)


DEPRECATED_TYPE = ("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                   "torch.set_default_dtype() and torch.set_default_device() as alternatives.")


@by_lib
@pytest.mark.parametrize("name, dtype", [("DoubleTensor", "float64"), ("HalfTensor", "float16"),
                                         ("BFloat16Tensor", "bfloat16"),
                                         ("FloatTensor", "float32")])
def test_set_default_tensor_type_sets_the_default_dtype_and_warns(lib: Any, name: str,
                                                                  dtype: str,
                                                                  warn_always: None) -> None:
    for t in (getattr(lib, name), f"torch.{name}"):
        lib.set_default_dtype(lib.float32)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            lib.set_default_tensor_type(t)
        assert [w.category for w in seen] == [UserWarning]
        assert str(seen[0].message).startswith(DEPRECATED_TYPE)
        want = getattr(lib, dtype)
        assert lib.get_default_dtype() is want and lib.tensor([1.5]).dtype is want
        assert lib.zeros(1).dtype is want and lib.Tensor([1]).dtype is want


@by_lib
def test_set_default_tensor_type_refuses_as_pytorch(lib: Any, warn_always: None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in (lib.LongTensor, "torch.LongTensor", "torch.BoolTensor"):
            with pytest.raises(TypeError, match="^only floating-point types are supported as "
                               "the default type$"):
                lib.set_default_tensor_type(t)
        for t in (lib.float64, "torch.float64", 3):
            with pytest.raises(TypeError, match="^invalid type object: only floating-point "
                               "types are supported as the default type$"):
                lib.set_default_tensor_type(t)
        with pytest.raises(AttributeError, match="module 'torch' has no attribute 'Foo'"):
            lib.set_default_tensor_type("torch.Foo")
        with pytest.raises(TypeError, match=re.escape("type torch.cuda.FloatTensor not "
                                                      "available. Torch not compiled with CUDA "
                                                      "enabled.")):
            lib.set_default_tensor_type("torch.cuda.FloatTensor")
    assert lib.get_default_dtype() is lib.float32


# -- nn.init's deprecated names -------------------------------------------------------------------
# each deprecated name, the tensor's shape and the other arguments
DEPRECATED_INIT = [("uniform", (3, 4), (-0.5, 2.0)), ("normal", (3, 4), (1.0, 0.5)),
                   ("constant", (3,), (0.25,)), ("xavier_uniform", (3, 4), (1.5,)),
                   ("xavier_normal", (3, 4), ()), ("kaiming_uniform", (5, 2, 3), (0.1,)),
                   ("kaiming_normal", (5, 2, 3), ()), ("orthogonal", (3, 5), (2.0,)),
                   ("sparse", (6, 4), (0.5,)), ("eye", (3, 4), ()), ("dirac", (4, 2, 3), ())]


@by_lib
@pytest.mark.parametrize("name, shape, args", DEPRECATED_INIT, ids=[d[0] for d in DEPRECATED_INIT])
def test_the_names_without_underscore_warn_and_initialise(lib: Any, name: str,
                                                          shape: tuple[int, ...],
                                                          args: tuple[Any, ...]) -> None:
    init = lib.nn.init
    lib.manual_seed(7)
    want = getattr(init, f"{name}_")(lib.empty(shape), *args).clone()
    lib.manual_seed(7)
    x = lib.empty(shape)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = getattr(init, name)(x, *args)
    assert [w.category for w in seen] == [FutureWarning]
    assert str(seen[0].message) == (f"`nn.init.{name}` is now deprecated in favor of "
                                    f"`nn.init.{name}_`.")
    assert seen[0].filename == __file__  # stacklevel: the caller's line
    assert out is x and lib.equal(x, want)
    assert getattr(init, name).__name__ == name and name in init.__all__


@needs_torch
@pytest.mark.parametrize("name, shape, args", DEPRECATED_INIT, ids=[d[0] for d in DEPRECATED_INIT])
def test_the_deprecated_names_draw_pytorchs_values(name: str, shape: tuple[int, ...],
                                                   args: tuple[Any, ...]) -> None:
    got = []
    for lib in (symgrad, torch):
        lib.manual_seed(3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            got.append(getattr(lib.nn.init, name)(lib.empty(shape), *args).tolist())
    np.testing.assert_allclose(got[0], got[1], rtol=2e-6, atol=1e-7)


# -- lazy modules ---------------------------------------------------------------------------------
# each lazy module's name and arguments, the input's shape, and the class it becomes
LAZY = [("LazyLinear", (3,), (4, 5), "Linear"),
        ("LazyLinear", (2, False), (6,), "Linear"),
        ("LazyConv1d", (4, 3), (2, 6, 9), "Conv1d"),
        ("LazyConv1d", (4, 3, 2, 1, 1, 2), (6, 9), "Conv1d"),
        ("LazyConv2d", (3, 2), (2, 4, 5, 5), "Conv2d"),
        ("LazyConv3d", (2, 2), (1, 3, 4, 4, 3), "Conv3d"),
        ("LazyConvTranspose1d", (4, 3, 2), (2, 6, 5), "ConvTranspose1d"),
        ("LazyConvTranspose2d", (3, 2), (2, 4, 3, 3), "ConvTranspose2d"),
        ("LazyConvTranspose3d", (2, 2), (1, 3, 2, 2, 2), "ConvTranspose3d"),
        ("LazyBatchNorm1d", (), (5, 3), "BatchNorm1d"),
        ("LazyBatchNorm2d", (), (2, 3, 4, 4), "BatchNorm2d"),
        ("LazyBatchNorm3d", (), (2, 3, 2, 2, 2), "BatchNorm3d"),
        ("LazyInstanceNorm1d", (), (2, 3, 7), "InstanceNorm1d"),
        ("LazyInstanceNorm2d", (), (2, 3, 4, 4), "InstanceNorm2d"),
        ("LazyInstanceNorm3d", (), (2, 3, 2, 2, 3), "InstanceNorm3d")]
LAZY_IDS = [f"{name}{args}" for name, args, _, _ in LAZY]


def _run_lazy(lib: Any, name: str, args: tuple[Any, ...], shape: tuple[int, ...]
              ) -> dict[str, Any]:
    """What a lazy module does, from a seed: its state before and after its first call, the
    output and the gradients."""
    lib.manual_seed(5)
    m = getattr(lib.nn, name)(*args)
    before = {"repr": repr(m), "keys": list(m.state_dict()),
              "lazy": m.has_uninitialized_params()}
    x = lib.linspace(-2.0, 3.0, int(np.prod(shape))).reshape(shape) ** 2
    x.requires_grad_(True)
    out = m(x)
    (out * lib.linspace(1.0, 2.0, out.numel()).reshape(out.shape)).sum().backward()
    return {**before, "class": type(m).__name__, "after": repr(m),
            "state": {k: v.tolist() for k, v in m.state_dict().items()},
            "params": {k: p.tolist() for k, p in m.named_parameters()},
            "out": out.tolist(), "x.grad": x.grad.tolist(),
            "grads": {k: p.grad.tolist() for k, p in m.named_parameters()}}


@needs_torch
@pytest.mark.parametrize("name, args, shape, becomes", LAZY, ids=LAZY_IDS)
def test_each_lazy_module_is_pytorchs_after_the_same_seed(name: str, args: tuple[Any, ...],
                                                          shape: tuple[int, ...],
                                                          becomes: str) -> None:
    got, want = _run_lazy(symgrad, name, args, shape), _run_lazy(torch, name, args, shape)
    assert got["class"] == want["class"] == becomes
    assert got["lazy"] and want["lazy"]
    for key in ("repr", "keys", "after"):
        assert got[key] == want[key], key
    assert got["params"] == want["params"]  # the same draws: equal element for element
    assert got["state"].keys() == want["state"].keys()
    for k in want["state"]:
        np.testing.assert_allclose(got["state"][k], want["state"][k], rtol=1e-5, atol=1e-6,
                                   err_msg=k)
    # float32 rounding: an instance norm's weight gradient sums terms of size ~10 to ~1e-3
    for k in want["grads"]:
        np.testing.assert_allclose(got["grads"][k], want["grads"][k], rtol=1e-5, atol=1e-5,
                                   err_msg=k)
    for key in ("out", "x.grad"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-5, err_msg=key)


@by_lib
def test_a_lazy_module_before_its_first_call(lib: Any) -> None:
    m = lib.nn.LazyLinear(3)
    assert isinstance(m, lib.nn.Linear) and isinstance(m, lib.nn.modules.lazy.LazyModuleMixin)
    assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    w = m.weight
    assert type(w) is lib.nn.UninitializedParameter and isinstance(w, lib.nn.Parameter)
    assert repr(w) == "<UninitializedParameter>" and w.requires_grad and w.dtype is lib.float32
    assert tuple(w.size()) == (0,)
    state = m.state_dict()
    assert list(state) == ["weight", "bias"] and all(type(v) is type(w) for v in state.values())
    with pytest.raises(RuntimeError, match="^Can't access the shape of an uninitialized "
                       "parameter or buffer. This error usually happens in `load_state_dict`"):
        _ = w.shape
    uninitialised = ("Attempted to use an uninitialized parameter in {}. This error happens when "
                     "you are using a `LazyModule` or explicitly manipulating "
                     "`torch.nn.parameter.UninitializedParameter` objects.")
    for call, method in ((lambda: sum(p.numel() for p in m.parameters()), "numel"),
                         (w.dim, "dim")):
        where = f"<method '{method}' of 'torch._C.TensorBase' objects>"
        with pytest.raises(ValueError, match="^" + re.escape(uninitialised.format(where))):
            call()
    with pytest.raises(ValueError, match="^Attempted to use an uninitialized parameter in "):
        len(w)
    with pytest.raises(ValueError, match="^Attempted to use an uninitialized parameter in "):
        w + 1
    assert m.double().weight.dtype is lib.float64 and lib.nn.parameter.is_lazy(m.weight)
    assert m(lib.ones(2, 5, dtype=lib.float64)).dtype is lib.float64


@by_lib
def test_a_lazy_module_made_from_an_unbatched_input_and_once_only(lib: Any) -> None:
    m = lib.nn.LazyLinear(3)
    assert tuple(m(lib.ones(4)).shape) == (3,) and m.in_features == 4
    assert not m._forward_pre_hooks and not hasattr(m, "_initialize_hook")
    with pytest.raises(RuntimeError, match=re.escape("Expected 3D (unbatched) or 4D (batched) "
                                                     "input to LazyConv2d, but got input of "
                                                     "size: torch.Size([2, 5])")):
        lib.nn.LazyConv2d(4, 3)(lib.ones(2, 5))
    with pytest.raises(ValueError, match="^in_channels must be divisible by groups$"):
        lib.nn.LazyConv1d(4, 3, groups=2)(lib.ones(1, 3, 5))


@by_lib
def test_a_lazy_module_loads_a_state_and_takes_its_shapes(lib: Any) -> None:
    source = lib.nn.Linear(5, 3)
    m = lib.nn.LazyLinear(3)
    assert repr(m.load_state_dict(source.state_dict())) == "<All keys matched successfully>"
    assert type(m).__name__ == "LazyLinear" and tuple(m.weight.shape) == (3, 5)
    assert lib.equal(m.weight, source.weight) and type(m.weight) is lib.nn.Parameter
    assert lib.equal(m(lib.ones(1, 5)), source(lib.ones(1, 5))) and type(m) is lib.nn.Linear
    lazy = lib.nn.LazyLinear(3)
    lazy.load_state_dict(lib.nn.LazyLinear(3).state_dict())
    assert lib.nn.parameter.is_lazy(lazy.weight)
    with pytest.raises(RuntimeError, match="^Can't access the shape of an uninitialized"):
        lib.nn.Linear(5, 3).load_state_dict(lib.nn.LazyLinear(3).state_dict())


@by_lib
def test_a_lazy_norms_buffers_until_its_first_call(lib: Any) -> None:
    m = lib.nn.LazyBatchNorm1d()
    assert [n for n, _ in m.named_buffers()] == ["running_mean", "running_var",
                                                 "num_batches_tracked"]
    state = m.state_dict()
    assert [type(v).__name__ for v in state.values()] == [
        "UninitializedParameter", "UninitializedParameter", "UninitializedBuffer",
        "UninitializedBuffer", "Tensor"]
    m.double()
    assert lib.nn.parameter.is_lazy(m.running_mean) and m.running_mean.dtype is lib.float64
    m(lib.ones(4, 2, dtype=lib.float64))
    assert type(m.running_mean) is lib.Tensor and m.running_mean.dtype is lib.float64


@by_lib
def test_uninitialised_parameters_and_buffers_materialise(lib: Any) -> None:
    p = lib.nn.UninitializedParameter(requires_grad=False, dtype=lib.float64)
    assert not p.requires_grad and p.dtype is lib.float64
    p.materialize((2, 3))
    assert type(p) is lib.nn.Parameter and tuple(p.shape) == (2, 3) and not p.requires_grad
    b = lib.nn.UninitializedBuffer()
    assert repr(b) == "<UninitializedBuffer>" and not b.requires_grad
    assert isinstance(b, lib.nn.Buffer)
    b.materialize((4,))
    assert type(b) is lib.Tensor and tuple(b.shape) == (4,) and b.dtype is lib.float32
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype "
                       "can require gradients$"):
        lib.nn.UninitializedParameter(dtype=lib.int64)


# -- nn.Buffer ------------------------------------------------------------------------------------
@by_lib
def test_a_buffer_assigned_to_a_module_is_registered(lib: Any) -> None:
    x = lib.ones(2)
    b = lib.nn.Buffer(x)
    assert type(b) is lib.Tensor and b is not x and isinstance(b, lib.nn.Buffer)
    assert not isinstance(x, lib.nn.Buffer) and not isinstance(b * 2, lib.nn.Buffer)
    m = lib.nn.Module()
    m.a = lib.nn.Buffer(lib.zeros(2))
    m.b = lib.nn.Buffer(lib.ones(1), persistent=False)
    m.c = lib.zeros(1)  # a plain tensor is no buffer
    assert [n for n, _ in m.named_buffers()] == ["a", "b"] and list(m.state_dict()) == ["a"]
    assert list(m.parameters()) == [] and m.a.tolist() == [0.0, 0.0]
    m.register_buffer("q", lib.ones(1), persistent=False)
    m.q = lib.nn.Buffer(lib.zeros(1))  # the Buffer's persistence wins
    assert list(m.state_dict()) == ["a", "q"]
    m.q = lib.ones(3)  # a plain tensor keeps it
    assert list(m.state_dict()) == ["a", "q"] and m.q.tolist() == [1.0, 1.0, 1.0]
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.x = lib.nn.Buffer(lib.ones(1))
    assert lib.nn.Buffer().shape == (0,)
    grad = lib.nn.Buffer(lib.ones(2, requires_grad=True))
    assert grad.requires_grad and grad.is_leaf


@by_lib
def test_a_buffer_goes_through_state_dict_and_to(lib: Any) -> None:
    m = lib.nn.Module()
    m.stats = lib.nn.Buffer(lib.tensor([1.0, 2.0]))
    state = m.state_dict()
    other = lib.nn.Module()
    other.stats = lib.nn.Buffer(lib.zeros(2))
    other.load_state_dict(state)
    assert other.stats.tolist() == [1.0, 2.0]
    assert m.double().stats.dtype is lib.float64


@by_lib
def test_a_parameter_replaces_a_plain_attribute_of_its_name(lib: Any) -> None:
    m = lib.nn.BatchNorm1d(2, affine=False)
    assert m.weight is None
    m.weight = lib.nn.Parameter(lib.ones(2))
    assert m.weight is not None and [n for n, _ in m.named_parameters()] == ["weight"]


@by_lib
@pytest.mark.parametrize("to", ["DoubleTensor", "torch.DoubleTensor"])
def test_a_modules_type_takes_a_legacy_type(lib: Any, to: str) -> None:
    layer = lib.nn.Linear(2, 1)
    layer.type(getattr(lib, to) if "." not in to else to)
    assert layer.weight.dtype is lib.float64 and layer.bias.dtype is lib.float64
