"""What a tensor says about its memory and where it lives, as PyTorch's ``Tensor`` says it:
strides and the storage offset in elements, contiguity, the element size and byte count, a data
pointer, and the device questions (``is_cuda``, ``is_cpu``, ``get_device``). A tensor is a NumPy
array, and a view shares its base array's memory, so these read the array: a view's strides and
offset are PyTorch's wherever symgrad's view is the same view.
"""

from __future__ import annotations

import weakref

import numpy as np

from symgrad.ops.registry import wrap_dim
from symgrad.tensor import Tensor

__all__: list[str] = []


def _base(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``array`` is a view of (``array`` itself if it owns)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _steps(data: np.ndarray) -> tuple[int, ...]:
    """The strides in elements, as PyTorch reports them where NumPy's differ only by
    convention: an empty tensor's are the row-major ones over sizes of at least 1 (NumPy's
    are 0; ``zeros(2, 0)``'s are PyTorch's ``(1, 1)``), and a dim of size 1 that NumPy
    inserted with stride 0 (``x[None]``, ``unsqueeze``) gets PyTorch's ``unsqueeze`` stride,
    the next dim's stride times its size (1 for the last dim)."""
    shape = data.shape
    if data.size == 0:
        return tuple(int(np.prod([max(n, 1) for n in shape[i + 1:]])) for i in range(len(shape)))
    steps = [s // data.itemsize for s in data.strides]
    for i in range(len(shape) - 1, -1, -1):
        if shape[i] == 1 and steps[i] == 0:
            steps[i] = steps[i + 1] * shape[i + 1] if i + 1 < len(shape) else 1
    return tuple(steps)


def stride(self: Tensor, dim: int | None = None) -> tuple[int, ...] | int:
    """The step in elements between neighbours along each dim (or along ``dim``).

    Args:
        dim: one dim; None (the default) for all of them.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> x.stride(), x.t().stride(), x.stride(-1)
    ((3, 1), (1, 3), 1)
    """
    data = self._data
    steps = _steps(data)
    if dim is None:
        return steps
    if not data.ndim:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return steps[wrap_dim(dim, data.ndim)]


def storage_offset(self: Tensor) -> int:
    """Where this tensor starts in the memory it shares with its base, in elements.

    >>> import symgrad
    >>> x = symgrad.arange(6.0).reshape(2, 3)
    >>> x.storage_offset(), x[1].storage_offset(), x[:, 2].storage_offset()
    (0, 3, 2)
    """
    data = self._data
    start = data.__array_interface__["data"][0]
    return (start - _base(data).__array_interface__["data"][0]) // data.itemsize


def is_contiguous(self: Tensor, memory_format: object = None) -> bool:
    """Whether the elements lie in memory in row-major order with no gaps (dims of size 1
    ignored, as PyTorch ignores them).

    Args:
        memory_format: accepted for PyTorch's signature; only the row-major format is known.

    >>> import symgrad
    >>> x = symgrad.zeros(2, 3)
    >>> x.is_contiguous(), x.t().is_contiguous(), x.t().contiguous().is_contiguous()
    (True, False, True)
    """
    return bool(self._data.flags.c_contiguous)


def data_ptr(self: Tensor) -> int:
    """The address of the first element (equal for tensors that start at the same place in
    the same memory).

    >>> import symgrad
    >>> x = symgrad.zeros(3)
    >>> x.data_ptr() == x.view(3).data_ptr(), x.data_ptr() == x.clone().data_ptr()
    (True, False)
    """
    return int(self._data.__array_interface__["data"][0])


def element_size(self: Tensor) -> int:
    """The size of one element in bytes.

    >>> import symgrad
    >>> symgrad.zeros(2, dtype=symgrad.float64).element_size()
    8
    """
    return int(self._data.itemsize)


def is_signed(self: Tensor) -> bool:
    """Whether the dtype holds negative numbers (False for uint8 and bool).

    >>> import symgrad
    >>> symgrad.tensor([1]).is_signed(), symgrad.tensor([1], dtype=symgrad.uint8).is_signed()
    (True, False)
    """
    return self.dtype.name not in ("uint8", "bool")


def is_complex(self: Tensor) -> bool:
    """Whether the dtype is complex: never, symgrad has real dtypes only.

    >>> import symgrad
    >>> symgrad.zeros(2).is_complex()
    False
    """
    return False


def is_same_size(self: Tensor, other: Tensor) -> bool:
    """Whether ``other`` has this tensor's shape.

    Args:
        other: the tensor to compare with.

    >>> import symgrad
    >>> symgrad.zeros(2, 3).is_same_size(symgrad.ones(2, 3))
    True
    """
    if not isinstance(other, Tensor):
        raise TypeError("is_same_size(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")
    return self._data.shape == other._data.shape


def get_device(self: Tensor) -> int:
    """The CUDA device's index, or -1 for the CPU (always, here).

    >>> import symgrad
    >>> symgrad.zeros(2).get_device()
    -1
    """
    return -1


def is_nonzero(self: Tensor) -> bool:
    """Whether the tensor's one element is not zero; PyTorch's errors for another count.

    >>> import symgrad
    >>> symgrad.tensor([0.0]).is_nonzero(), symgrad.tensor(3).is_nonzero()
    (False, True)
    """
    if self._data.size != 1:
        count = "more than one value" if self._data.size else "no values"
        raise RuntimeError(f"Boolean value of Tensor with {count} is ambiguous")
    return bool(self._data.reshape(()) != 0)


def _nbytes(self: Tensor) -> int:
    """The bytes the elements take: the element count times the element size (an expanded
    tensor counts every element, as in PyTorch).

    >>> import symgrad
    >>> symgrad.zeros(2, 3).nbytes
    24
    """
    return int(self._data.size * self._data.itemsize)


def _itemsize(self: Tensor) -> int:
    """The size of one element in bytes (``element_size()``).

    >>> import symgrad
    >>> symgrad.zeros(2, dtype=symgrad.float16).itemsize
    2
    """
    return int(self._data.itemsize)


def _is_cuda(self: Tensor) -> bool:
    """Whether the tensor is on a CUDA device: never.

    >>> import symgrad
    >>> symgrad.zeros(1).is_cuda
    False
    """
    return False


def _is_cpu(self: Tensor) -> bool:
    """Whether the tensor is on the CPU: always.

    >>> import symgrad
    >>> symgrad.zeros(1).is_cpu
    True
    """
    return True


def pin_memory(self: Tensor, device: object = None) -> Tensor:
    """Copy into page-locked memory for an accelerator: there is none, so PyTorch's CPU build
    raises its RuntimeError.

    Args:
        device: The accelerator (unused: there is none).

    >>> import symgrad
    >>> symgrad.zeros(1).pin_memory()
    Traceback (most recent call last):
    RuntimeError: Cannot access accelerator device when none is available.
    """
    raise RuntimeError("Cannot access accelerator device when none is available.")


def is_pinned(self: Tensor, device: object = None) -> bool:
    """Whether the tensor is in page-locked memory: never (there is no accelerator).

    Args:
        device: The accelerator (unused).

    >>> import symgrad
    >>> symgrad.zeros(1).is_pinned()
    False
    """
    return False


def share_memory_(self: Tensor) -> Tensor:
    """Move the storage to shared memory, for other processes: symgrad runs in one process
    (a DataLoader's workers included), so the tensor stays where it is and is marked shared,
    as ``is_shared`` then reports.

    >>> import symgrad
    >>> t = symgrad.zeros(2)
    >>> t.is_shared(), t.share_memory_() is t, t.is_shared()
    (False, True, True)
    """
    base = _memory(self)
    _SHARED[id(base)] = base
    return self


def is_shared(self: Tensor) -> bool:
    """Whether ``share_memory_`` was called on this tensor or a tensor sharing its memory.

    >>> import symgrad
    >>> symgrad.ones(1).is_shared()
    False
    """
    base = _memory(self)
    return _SHARED.get(id(base)) is base


def _memory(t: Tensor) -> np.ndarray:
    """The array that owns ``t``'s memory (views share their base's)."""
    a = t._data
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


# The memories ``share_memory_`` marked, by the id of the array owning them, held weakly: an
# entry goes with its memory.
_SHARED: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()

for _name, _method in (("pin_memory", pin_memory), ("is_pinned", is_pinned),
                       ("share_memory_", share_memory_), ("is_shared", is_shared),
                       ("stride", stride), ("storage_offset", storage_offset),
                       ("is_contiguous", is_contiguous), ("data_ptr", data_ptr),
                       ("element_size", element_size), ("is_signed", is_signed),
                       ("is_complex", is_complex), ("is_same_size", is_same_size),
                       ("get_device", get_device), ("is_nonzero", is_nonzero)):
    setattr(Tensor, _name, _method)
for _name, _getter in (("nbytes", _nbytes), ("itemsize", _itemsize), ("is_cuda", _is_cuda),
                       ("is_cpu", _is_cpu)):
    setattr(Tensor, _name, property(_getter))
# The properties are not module attributes: listed so that doctest runs their examples.
__test__ = {"nbytes": _nbytes, "itemsize": _itemsize, "is_cuda": _is_cuda, "is_cpu": _is_cpu}
