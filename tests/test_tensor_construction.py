"""Making tensors from data as PyTorch 2.13 does: ``tensor``/``as_tensor``/``asarray`` from
nested sequences (ragged ones, mixed ones, strings, None, NumPy scalars and arrays, tensors
inside, ints beyond int64), the legacy constructor ``Tensor(...)`` and the legacy types, and
the arguments ``Tensor.to`` takes. Each call is run on symgrad and on PyTorch; the two must
agree on (dtype, shape, values) or on (exception class, first line of the message)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import symgrad

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# -- tensor(), as_tensor(), asarray() from nested data ---------------------------------------------
FROM_DATA = [
    # ragged nests: PyTorch's message names the dim and both lengths
    "T.tensor([[1, 2], [3]])",
    "T.tensor([[1.0, 2.0], [3.0]])",
    "T.tensor([[[1, 2], [3, 4]], [[5, 6], [7]]])",
    "T.tensor([[[1, 2], [3, 4]], [[5, 6]]])",
    "T.tensor([[1, 2], [3, 4, 5]])",
    "T.tensor([[[1]], [[2, 3]]])",
    "T.tensor([[1], []])",
    "T.tensor([[1, 2], (3,)])",
    "T.tensor([np.array([1, 2]), np.array([3])])",
    "T.as_tensor([[1, 2], [3]])",
    "T.asarray([[1, 2], [3]])",
    "T.Tensor([[1, 2], [3]])",
    "T.LongTensor([[1], [2, 3]])",
    # after an empty sequence nothing is read
    "T.tensor([[], [1]])",
    # a number where a sequence was read, and the reverse
    "T.tensor([1, [2]])",
    "T.tensor([[2], 1])",
    "T.tensor([1.0, [2.0]])",
    "T.tensor([[1, 2], 3])",
    "T.tensor([[1, 2], [3, [4]]])",
    "T.tensor([True, [False]])",
    "T.tensor([np.array([1]), 2])",
    "T.as_tensor([1, [2]])",
    "T.Tensor([1, [2]])",
    "T.DoubleTensor([1, [2]])",
    # strings, bytes, None and other objects
    "T.tensor('a')",
    "T.tensor(['a'])",
    "T.tensor([1, 'a'])",
    "T.tensor([[1], ['a']])",
    "T.tensor([[1, 2], ['a']])",
    "T.tensor([b'a'])",
    "T.tensor(['a'], dtype=T.float32)",
    "T.tensor([1, 'a'], dtype=T.float32)",
    "T.as_tensor(['a'])",
    "T.asarray(['a'])",
    "T.Tensor(['a'])",
    "T.Tensor([1, 'a'])",
    "T.LongTensor(['a'])",
    "T.tensor(None)",
    "T.tensor([None])",
    "T.tensor([1, None])",
    "T.tensor([[1, 2], [3, None]])",
    "T.tensor([[1, 2], [None]])",
    "T.tensor([None], dtype=T.float32)",
    "T.tensor([None], dtype=T.int64)",
    "T.tensor([None], dtype=T.bool)",
    "T.Tensor([None])",
    "T.tensor(object())",
    "T.tensor([object()])",
    "T.tensor({1, 2})",
    "T.tensor({1: 2})",
    "T.tensor(np.array([[1, 2], [3]], dtype=object))",
    "T.tensor(np.array(['a']))",
    # tensors inside: each read as a number, as float() or __index__ reads it
    "T.tensor([T.tensor([1.]), T.tensor([2.])])",
    "T.tensor([T.tensor([1., 2.]), T.tensor([2., 3.])])",
    "T.tensor([T.tensor([1., 2.])])",
    "T.tensor([T.tensor([[1.]])])",
    "T.tensor([T.tensor([1.]), 2.5])",
    "T.tensor([1.5, T.tensor([2.0])])",
    "T.tensor([1, T.tensor([2])])",
    "T.tensor([T.tensor([1])])",
    "T.tensor([T.tensor([1, 2]), [3, 4]])",
    "T.tensor([T.tensor(1.5), 2], dtype=T.int64)",
    "T.tensor([T.tensor([1, 2]), T.tensor([3, 4])], dtype=T.int64)",
    "T.tensor([T.tensor(1., dtype=T.float64), 2])",
    "T.tensor([T.tensor(1, dtype=T.int8), T.tensor(1, dtype=T.uint8)])",
    "T.Tensor([T.tensor([1., 2.])])",
    # NumPy scalars and arrays inside keep their dtypes (promoted)
    "T.tensor([np.array([1., 2.]), np.array([3., 4.])])",
    "T.tensor([np.array([1.5])])",
    "T.tensor([[np.array([1.5])]])",
    "T.tensor([np.array(1.), np.array(2.)])",
    "T.tensor([np.array(1), 2])",
    "T.tensor([np.float64(1.5), 2])",
    "T.tensor([[np.float64(2.5)]])",
    "T.tensor([np.int8(1), np.int8(2)])",
    "T.tensor([np.int32(1), np.int32(2)])",
    "T.tensor([np.float16(1), np.float16(2)])",
    "T.tensor([np.float32(1), np.float64(2)])",
    "T.tensor([np.uint8(1), np.int8(2)])",
    "T.tensor([np.bool_(True), 2])",
    "T.tensor([np.float32(1.5)], dtype=T.int64)",
    # ints beyond int64, complex numbers given a real dtype
    "T.tensor([-2**63 - 1])",
    "T.tensor([2**64])",
    "T.tensor([1j], dtype=T.int64)",
    "T.tensor(1j, dtype=T.float32)",
    "T.tensor([1+2j], dtype=T.float32)",
    "T.Tensor([1+2j])",
    # half types from a Python float: through float32, as PyTorch rounds
    "T.tensor([1.0 + 2**-11 + 2**-40], dtype=T.float16)",
    "T.tensor([1.0 + 2**-8 + 2**-40], dtype=T.bfloat16)",
]

# -- the legacy constructor Tensor(...) and the legacy types -------------------------------------
# (values of a tensor made from sizes are PyTorch's uninitialised memory: only dtype and shape)
LEGACY = [
    "T.Tensor(T.Size([2, 3]))",
    "T.Tensor(T.Size([]))",
    "T.Tensor(np.int64(2))",
    "T.Tensor(np.int64(2), np.int32(3))",
    "T.Tensor(2, True)",
    "T.Tensor('a')",
    "T.Tensor(b'ab')",
    "T.Tensor(2, 3.0)",
    "T.Tensor(2, np.float32(1))",
    "T.Tensor(np.float64(2.0))",
    "T.Tensor(True, 2)",
    "T.Tensor(2.0, 3)",
    "T.Tensor([1, 2], [3])",
    "T.Tensor([1], 2)",
    "T.Tensor(T.Size([2, 3]), 4)",
    "T.Tensor(T.tensor([1., 2.]), 2)",
    "T.Tensor(2, device='cuda')",
    "T.Tensor([1.0], device='cuda')",
    "T.Tensor(device='cuda')",
    "T.Tensor(T.tensor([1., 2.]), device='cpu')",
    "T.FloatTensor(T.tensor([1., 2.]), device='cpu')",
    "T.Tensor(dtype=T.float64)",
    "T.Tensor([1, 2], dtype=T.float64)",
    "T.Tensor(T.tensor([1., 2.], requires_grad=True))",
]

# -- Tensor.to's arguments ---------------------------------------------------------------------
TO = [
    "T.tensor([1.5]).to(object())",
    "T.tensor([1.5]).to(int)",
    "T.tensor([1.5]).to(float)",
    "T.tensor([1.5]).to(bool)",
    "T.tensor([1.5]).to(banana=1)",
    "T.tensor([1.5]).to(T.float64, dtype=T.float32)",
    "T.tensor([1.5]).to('cpu', device='cpu')",
    "T.tensor([1.5]).to(T.float64, T.float32)",
    "T.tensor([1.5]).to('cpu', 'cpu')",
    "T.tensor([1.5]).to(T.float64, 'cpu')",
    "T.tensor([1.5]).to(T.tensor([1]), T.float64)",
    "T.tensor([1.5]).to(T.tensor([1]), dtype=T.float64)",
    "T.tensor([1.5]).to(dtype='float64')",
    "T.tensor([1.5]).to(1)",
    "T.tensor([1.5]).to(device=1)",
    "T.tensor([1.5]).to(T.float64, non_blocking=1)",
    "T.tensor([1.5]).to(T.float64, copy=None)",
    "T.tensor([1.5]).to(memory_format=torch.channels_last)",
    "T.tensor([1.5]).to(torch.contiguous_format)",
    "T.tensor([1.5]).to(T.float64, False, True, torch.preserve_format)",
]


def _outcome(lib: Any, source: str, values: bool = True) -> tuple:
    """What ``source`` gives with ``T`` bound to ``lib``: the result's dtype, shape and values
    (and whether it requires grad), or the exception's class and first line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(source, {"T": lib, "np": np, "torch": torch})  # noqa: S307 - our table
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e).__name__, str(e).split("\n")[0]
    shown = repr(r.tolist()) if values else None
    return str(r.dtype).rpartition(".")[2], tuple(r.shape), shown, r.requires_grad


@needs_torch
@pytest.mark.parametrize("source", FROM_DATA + TO)
def test_as_pytorch(source: str) -> None:
    assert _outcome(symgrad, source) == _outcome(torch, source)


@needs_torch
@pytest.mark.parametrize("source", LEGACY)
def test_legacy_constructor_as_pytorch(source: str) -> None:
    # made from sizes, PyTorch's values are whatever its memory held: dtype and shape only
    assert _outcome(symgrad, source, False) == _outcome(torch, source, False)


@needs_torch
def test_legacy_constructor_of_a_tensor_is_a_recorded_alias_of_any_dtype() -> None:
    for lib in (symgrad, torch):
        t = lib.tensor([1.0, 2.0], requires_grad=True)
        u = lib.Tensor(t)
        assert u is not t and type(u.grad_fn).__name__ == "AliasBackward0"
        assert lib.Tensor(lib.tensor([1, 2])).dtype is lib.int64
        u.sum().backward()
        assert t.grad.tolist() == [1.0, 1.0]


@needs_torch
@pytest.mark.parametrize("source", ["T.tensor(1+2j)", "T.tensor([1, 2j])", "T.as_tensor(1+2j)",
                                    "T.asarray([1+2j])", "T.tensor(np.array([1+2j]))",
                                    "T.tensor([np.complex64(1)])"])
def test_complex_data_is_refused_where_pytorch_makes_a_complex_tensor(source: str) -> None:
    # PyTorch makes a complex tensor; symgrad has no complex dtypes and says so, rather than
    # dropping the imaginary part or a NumPy message about dtypes
    assert _outcome(torch, source)[0].startswith("complex")
    with pytest.raises(TypeError, match="symgrad has no complex dtypes"):
        eval(source, {"T": symgrad, "np": np})  # noqa: S307 - our table


@pytest.mark.parametrize("make", [symgrad.tensor, symgrad.as_tensor,
                                  lambda a: symgrad.tensor([a[0]])])
def test_a_uint64_beyond_int64_is_refused_not_wrapped(make: Any) -> None:
    """symgrad has no uint64: NumPy's uint64 values become int64, which 2**63 does not fit
    (it wrapped to -2**63, a wrong number); PyTorch makes a uint64 tensor."""
    with pytest.raises(TypeError, match="no uint64 dtype, and 9223372036854775808 is beyond"):
        make(np.array([2**63], dtype=np.uint64))
    assert make(np.array([2**63 - 1], dtype=np.uint64)).tolist() == [2**63 - 1]
