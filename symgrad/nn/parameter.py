"""``Parameter``: a leaf tensor that requires grad and that a ``Module`` registers; the
uninitialised parameters and buffers of lazy modules; ``Buffer``, a tensor marked as a buffer."""

from __future__ import annotations

import weakref
from typing import Any

from symgrad.tensor import Tensor

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter",
           "UninitializedTensorMixin", "buffer_persistent", "is_lazy"]


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: a leaf requiring grad by default.

    Args:
        data: The values, shared with this tensor (not copied). Defaults to None: an empty
            tensor of the default dtype.
        requires_grad: Whether the parameter records operations. Defaults to True.

    >>> import symgrad
    >>> symgrad.nn.Parameter(symgrad.tensor([1.0, 2.0]))
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        import numpy as np

        from symgrad import _dtypes

        arr = np.empty(0, _dtypes.get_default_dtype().np) if data is None else data._data
        if requires_grad and _dtypes._FROM_NP[arr.dtype].category != _dtypes._FLOAT:
            # PyTorch's constructor says it with a capital, unlike ``requires_grad_``.
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        p = cls._make(arr, False, None)
        p.requires_grad = requires_grad
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # ``__new__`` made it; this signature is the one ``help`` and the docs show

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


# -- what a lazy module holds before its first call ----------------------------------------------
_UNUSABLE = ("Attempted to use an uninitialized parameter in {}. This error happens when you are "
             "using a `LazyModule` or explicitly manipulating `torch.nn.parameter.{}` objects. "
             "When using LazyModules Call `forward` with a dummy batch to initialize the "
             "parameters before calling torch functions")
_NO_SHAPE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually "
             "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
             "initialized one. Call `forward` to initialize the parameters before accessing their "
             "attributes.")
# Tensor's own storage slot: the mixin's ``_data`` property hides it from every op, and the few
# methods PyTorch allows read the empty array through it.
_SLOT = Tensor._data


class UninitializedTensorMixin:
    """What ``UninitializedParameter`` and ``UninitializedBuffer`` share: no shape yet, so every
    operation refuses except PyTorch's few (``size``, ``dtype``, ``to`` and the dtype
    conversions, ``is_floating_point``, ``copy_`` between two uninitialised ones), until
    ``materialize`` gives it a shape and makes it a ``Parameter`` (or a plain tensor).

    An operation reaching the values raises PyTorch's ValueError; PyTorch names the function
    there, symgrad names it only for ``numel``, ``dim`` and ``len`` (its ops share one path to
    the values).

    >>> import symgrad
    >>> p = symgrad.nn.UninitializedParameter()
    >>> p, p.dtype, p.size()
    (<UninitializedParameter>, symgrad.float32, symgrad.Size([0]))
    >>> p.materialize((2, 3)); type(p).__name__, p.shape
    ('Parameter', symgrad.Size([2, 3]))
    """

    __slots__ = ()
    cls_to_become: type

    @property
    def _data(self) -> Any:
        raise ValueError(_UNUSABLE.format("an operation", type(self).__name__))

    @_data.setter
    def _data(self, value: Any) -> None:
        _SLOT.__set__(self, value)

    def _refuse(self, method: str) -> ValueError:
        where = f"<method '{method}' of 'torch._C.TensorBase' objects>"
        if method == "__len__":
            where = "<function Tensor.__len__>"
        return ValueError(_UNUSABLE.format(where, type(self).__name__))

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give it ``shape`` (uninitialised memory in PyTorch, zeros here) and make it what it
        stands for: a ``Parameter``, or a plain tensor for a buffer.

        Args:
            shape: The shape.
            device: Only the CPU. Defaults to None.
            dtype: The dtype. Defaults to None: its own.

        >>> import symgrad
        >>> b = symgrad.nn.UninitializedBuffer(); b.materialize((2,)); b
        tensor([0., 0.])
        """
        from symgrad.creation import zeros

        made = zeros(tuple(shape), dtype=self.dtype if dtype is None else dtype, device=device)
        _SLOT.__set__(self, made._data)
        self.__class__ = self.cls_to_become

    @property
    def shape(self) -> Any:
        """Refused: there is none yet (PyTorch's RuntimeError)."""
        raise RuntimeError(_NO_SHAPE)

    @property
    def dtype(self) -> Any:
        """The dtype it will have."""
        from symgrad import _dtypes

        return _dtypes._FROM_NP[_SLOT.__get__(self).dtype]

    @property
    def ndim(self) -> int:
        """1, as PyTorch's (the empty placeholder's)."""
        return 1

    @property
    def data(self) -> Tensor:
        """The empty placeholder, as a plain tensor."""
        return Tensor._make(_SLOT.__get__(self), False, None)

    @data.setter
    def data(self, value: Tensor) -> None:
        _SLOT.__set__(self, value.data._data)

    def size(self, dim: int | None = None) -> Any:
        """The placeholder's size: ``Size([0])``."""
        return self.data.size(dim)

    def is_floating_point(self) -> bool:
        """Whether its dtype is a floating one."""
        return self.data.is_floating_point()

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """The placeholder converted (a plain tensor, as PyTorch's)."""
        return self.data.to(*args, **kwargs)

    def copy_(self, src: Tensor, non_blocking: bool = False) -> Any:
        """Only from another uninitialised one (nothing to copy); else PyTorch's error."""
        if isinstance(src, UninitializedTensorMixin):
            return self
        raise RuntimeError(f"The size of tensor a (0) must match the size of tensor b "
                           f"({src.numel()}) at non-singleton dimension 0")

    def numel(self) -> int:
        raise self._refuse("numel")

    def dim(self) -> int:
        raise self._refuse("dim")

    def __len__(self) -> int:
        raise self._refuse("__len__")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self.dtype)
        return memo[id(self)]


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``.

    Args:
        param: Anything.

    >>> import symgrad
    >>> is_lazy(symgrad.nn.UninitializedParameter()), is_lazy(symgrad.zeros(1))
    (True, False)
    """
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape a lazy module learns at its first call (``materialize``).

    Args:
        requires_grad: Whether it will record operations. Defaults to True.
        device: Only the CPU. Defaults to None.
        dtype: Its dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> symgrad.nn.UninitializedParameter().numel()
    Traceback (most recent call last):
    ...
    ValueError: Attempted to use an uninitialized parameter in <method 'numel' of ...
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device: Any = None, dtype: Any = None
                ) -> UninitializedParameter:
        from symgrad.creation import empty

        return super().__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None
                 ) -> None:
        pass  # ``__new__`` made it


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape a lazy module learns at its first call (``materialize``).

    Args:
        requires_grad: Whether it will record operations. Defaults to False.
        device: Only the CPU. Defaults to None.
        dtype: Its dtype. Defaults to None: the default dtype.
        persistent: Whether a module's ``state_dict`` saves it. Defaults to True.

    >>> import symgrad
    >>> b = symgrad.nn.UninitializedBuffer(dtype=symgrad.float64)
    >>> b, b.dtype, isinstance(b, symgrad.nn.Buffer)
    (<UninitializedBuffer>, symgrad.float64, True)
    """

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                persistent: bool = True) -> UninitializedBuffer:
        from symgrad.creation import empty

        made = cls._make(empty(0, device=device, dtype=dtype)._data, False, None)
        made.requires_grad_(requires_grad)
        _mark_buffer(made, persistent)
        return made

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                 persistent: bool = True) -> None:
        pass  # ``__new__`` made it

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Itself converted, still uninitialised (as PyTorch's buffer: it keeps its class).

        Args:
            *args: A device, a dtype, or both, as ``Tensor.to`` takes them.
            **kwargs: ``device=`` and ``dtype=``.

        >>> import symgrad
        >>> symgrad.nn.UninitializedBuffer().to(symgrad.float64).dtype
        symgrad.float64
        """
        converted = self.data.to(*args, **kwargs)
        if converted.dtype is self.dtype:
            return self
        return type(self)(self.requires_grad, dtype=converted.dtype,
                          persistent=buffer_persistent(self))


# -- nn.Buffer ------------------------------------------------------------------------------------
# The tensors made by ``Buffer`` (and uninitialised buffers), by id while they live, and whether
# a module's state_dict saves them: PyTorch marks the tensor itself (``_is_buffer``), which a
# symgrad tensor (slotted) cannot carry.
_BUFFERS: dict[int, tuple[weakref.ref[Tensor], bool]] = {}


def _mark_buffer(t: Tensor, persistent: bool) -> None:
    key = id(t)
    _BUFFERS[key] = (weakref.ref(t, lambda _: _BUFFERS.pop(key, None)), persistent)


def buffer_persistent(t: Tensor) -> bool:
    """Whether the buffer ``t`` (made by ``Buffer``) asks to be saved by ``state_dict``.

    Args:
        t: A tensor made by ``Buffer``.

    >>> import symgrad
    >>> buffer_persistent(symgrad.nn.Buffer(symgrad.ones(1), persistent=False))
    False
    """
    return _BUFFERS[id(t)][1]


class _BufferMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        found = _BUFFERS.get(id(instance))
        return found is not None and found[0]() is instance


class Buffer(Tensor, metaclass=_BufferMeta):
    """A tensor marked as a module's buffer: assigned to a module's attribute it is registered
    (``register_buffer``), as PyTorch 2.5's ``nn.Buffer``. The tensor made is a plain
    ``Tensor`` (PyTorch's too), sharing ``data``'s memory, detached; PyTorch's ``persistent``
    attribute is asked of ``buffer_persistent`` here.

    Args:
        data: The values. Defaults to None: an empty tensor.
        persistent: Whether the module's ``state_dict`` saves it. Defaults to True.

    >>> import symgrad
    >>> m = symgrad.nn.Module()
    >>> m.steps = symgrad.nn.Buffer(symgrad.tensor(0))
    >>> m.scratch = symgrad.nn.Buffer(symgrad.zeros(2), persistent=False)
    >>> [n for n, _ in m.named_buffers()], list(m.state_dict()), type(m.steps).__name__
    (['steps', 'scratch'], ['steps'], 'Tensor')
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:
        if data is None:
            from symgrad.creation import empty

            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        _mark_buffer(t, persistent)
        return t

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass  # ``__new__`` made it
