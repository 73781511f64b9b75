"""More of PyTorch's tensor methods and their top-level forms: ``angle`` (an op: 0 or pi for a
real tensor, its gradient zero), ``real``/``imag``/``isreal`` of real tensors, the predicates
``torch.is_complex``/``is_conj``/``is_neg``/``is_signed``/``is_same_size``/``is_inference``/
``get_device``, ``output_nr``, ``is_set_to``, ``new_empty_strided``, ``resize_`` and
``resize_as_``, ``apply_`` and ``map_``, and the random fills ``cauchy_``, ``geometric_`` and
``log_normal_``, which draw PyTorch's CPU numbers after the same seed:

- ``cauchy_(median, sigma)``: one float64 uniform ``u`` per element (53 bits), then
  ``median + sigma * tan(pi * (u - 0.5))`` in float64 with the C library's ``tan``;
- ``geometric_(p)``: one such ``u``, then ``ceil(log(u) / log1p(-p))``;
- ``log_normal_(mean, std)``: ``exp`` of PyTorch's one-at-a-time float64 normal (Box-Muller on
  two uniforms, the second normal of each pair kept for the next draw);

each rounded to the tensor's dtype (through float32 for float16 and bfloat16, as C++'s casts
go), elements in memory order, recorded as PyTorch records them (CauchyBackward0, ...: a zero
gradient).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from symgrad import _distributions, _dtypes
from symgrad._dtypes import dtype as Dtype
from symgrad.autograd.graph import OutputSlot
from symgrad.ops.arithmetic import _zeros
from symgrad.ops.registry import (
    ALL,
    Kink,
    apply,
    defop,
    expose,
    renamed_node_class,
)
from symgrad.random import Generator
from symgrad.tensor import Tensor

__all__ = ["angle", "real", "imag", "isreal", "is_complex", "is_conj", "is_neg", "is_signed",
           "is_same_size", "is_inference", "get_device"]


# -- angle, real, imag, isreal ---------------------------------------------------------------------
def _angle(self: np.ndarray) -> np.ndarray:
    """pi where ``self < 0``, 0 elsewhere, NaN kept (PyTorch's kernel for real numbers)."""
    out = np.where(self < 0, np.pi, 0.0).astype(self.dtype)
    return np.where(np.isnan(self), self, out)


# PyTorch's angle_backward for a real input is zeros_like(self): a constant, so the second
# derivative is zero too. The jump from pi to 0 at 0 is where it is not differentiable.
ANGLE = defop("angle", "AngleBackward0", _angle, vjp=lambda g, self: _zeros(g),
              dtype_rule="promote_float", dtypes=ALL,
              kinks=(Kink("self", "self == 0", lambda self, **_: self == 0, "zero"),))


@expose()
def angle(input: Tensor) -> Tensor:
    """The argument of each element as a complex number: pi for negative numbers, 0 for the
    others (-0 too), NaN for NaN; integers and bools give the default float dtype. Its
    gradient is zero (AngleBackward0).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.angle(symgrad.tensor([-2.0, 0.0, 3.0]))
    tensor([3.1416, 0.0000, 0.0000])
    """
    return apply(ANGLE, input)


@expose(method=False)
def real(input: Tensor) -> Tensor:
    """The real part: ``input`` itself, as PyTorch returns it for a real tensor (also the
    property ``Tensor.real``).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.5])
    >>> symgrad.real(x) is x, x.real is x
    (True, True)
    """
    return input


_NOT_COMPLEX = "imag is not implemented for tensors with non-complex dtypes."


@expose(method=False)
def imag(input: Tensor) -> Tensor:
    """The imaginary part, which PyTorch refuses for real tensors (RuntimeError), as here
    (also the property ``Tensor.imag``).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.imag(symgrad.tensor([1.5]))
    Traceback (most recent call last):
    ...
    RuntimeError: imag is not implemented for tensors with non-complex dtypes.
    """
    raise RuntimeError(_NOT_COMPLEX)


def _real(self: Tensor) -> Tensor:
    """The real part: the tensor itself, for a real tensor.

    >>> import symgrad
    >>> x = symgrad.tensor([1.5])
    >>> x.real is x
    True
    """
    return self


def _imag(self: Tensor) -> Tensor:
    """The imaginary part, refused for a real tensor (PyTorch's RuntimeError).

    >>> import symgrad
    >>> symgrad.tensor([1.5]).imag
    Traceback (most recent call last):
    ...
    RuntimeError: imag is not implemented for tensors with non-complex dtypes.
    """
    raise RuntimeError(_NOT_COMPLEX)


Tensor.real = property(_real)  # type: ignore[attr-defined]
Tensor.imag = property(_imag)  # type: ignore[attr-defined]


@expose()
def isreal(input: Tensor) -> Tensor:
    """Whether each element is real: all True for a real tensor (bool).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.isreal(symgrad.tensor([1.0, -2.0]))
    tensor([True, True])
    """
    return Tensor._make(np.ones(input.shape, dtype=np.bool_), False, None)


# -- predicates ------------------------------------------------------------------------------------
@expose(method=False)
def is_complex(input: Tensor) -> bool:
    """Whether ``input``'s dtype is complex: never, symgrad's dtypes are real.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.is_complex(symgrad.ones(2))
    False
    """
    return input.is_complex()


@expose(method=False)
def is_conj(input: Tensor) -> bool:
    """Whether ``input`` is a lazily conjugated view: never for real tensors.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.is_conj(symgrad.ones(2))
    False
    """
    return input.is_conj()


@expose(method=False)
def is_neg(input: Tensor) -> bool:
    """Whether ``input`` is a lazily negated view: never for real tensors.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.is_neg(symgrad.ones(2))
    False
    """
    return input.is_neg()


@expose(method=False)
def is_signed(input: Tensor) -> bool:
    """Whether ``input``'s dtype holds negative numbers (False for uint8 and bool).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.is_signed(symgrad.ones(2)), symgrad.is_signed(symgrad.tensor([True]))
    (True, False)
    """
    return input.is_signed()


@expose(method=False)
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have one shape.

    Args:
        input: A tensor.
        other: Another.

    >>> import symgrad
    >>> symgrad.is_same_size(symgrad.ones(2, 3), symgrad.zeros(2, 3))
    True
    """
    return input.is_same_size(other)


@expose()
def is_inference(input: Tensor) -> bool:
    """Whether ``input`` is an inference tensor: never, symgrad's ``inference_mode`` is
    ``no_grad`` and makes ordinary tensors (PyTorch's made inside it say True).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.ones(2).is_inference()
    False
    """
    return False


@expose(method=False)
def get_device(input: Tensor) -> int:
    """The CUDA device's index of ``input``, or -1 for the CPU (always, here).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.get_device(symgrad.ones(2))
    -1
    """
    return input.get_device()


# -- output_nr, is_set_to --------------------------------------------------------------------------
# The ops whose results are the outputs of one PyTorch node, each recorded here with its
# position as the attr ``index``; and the ops that are a PyTorch node's second output.
_INDEXED = frozenset({"split", "split_with_sizes", "unbind"})
_SECOND = frozenset({"eigh_vectors"})


def _output_nr(self: Tensor) -> int:
    """Which output of its ``grad_fn`` this tensor is (0 for a leaf, or a node's only output).

    >>> import symgrad
    >>> x = symgrad.ones(4, requires_grad=True)
    >>> [p.output_nr for p in x.split(2)], x.output_nr
    ([0, 1], 0)
    """
    node = self._fn
    if node is None:
        return 0
    if node.__class__ is OutputSlot:
        return int(node.index)
    name = getattr(node.op, "name", None)
    if name in _INDEXED:
        return int(node.attrs.get("index", 0))
    return 1 if name in _SECOND else 0


Tensor.output_nr = property(_output_nr)  # type: ignore[attr-defined]
__test__ = {"output_nr": _output_nr, "real": _real, "imag": _imag}


def _memory(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def is_set_to(self: Tensor, tensor: Tensor) -> bool:
    """Whether ``tensor`` is this tensor over the same memory: the same start, shape and
    strides (``detach()`` is; a slice, a copy or a reshape that moves strides is not).

    Args:
        tensor: The other tensor.

    >>> import symgrad
    >>> x = symgrad.ones(4)
    >>> x.is_set_to(x.detach()), x.is_set_to(x[:2]), x.is_set_to(x.clone())
    (True, False, False)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError("is_set_to(): argument 'tensor' (position 1) must be Tensor, not "
                        f"{type(tensor).__name__}")
    a, b = self._data, tensor._data
    return (_memory(a) is _memory(b) and a.shape == b.shape and a.dtype == b.dtype
            and self.storage_offset() == tensor.storage_offset()
            and self.stride() == tensor.stride())


Tensor.is_set_to = is_set_to  # type: ignore[attr-defined]


def new_empty_strided(self: Tensor, size: Sequence[int], stride: Sequence[int], *,
                      dtype: Dtype | None = None, device: Any = None,
                      requires_grad: bool = False, layout: Any = None,
                      pin_memory: bool = False) -> Tensor:
    """``empty_strided(size, stride)`` of this tensor's dtype (unless given).

    Args:
        size: The shape.
        stride: The step in elements between neighbours along each dim.
        dtype: The element type. Defaults to None: this tensor's.
        device: Only the CPU. Defaults to None.
        requires_grad: Whether the new leaf records operations. Defaults to False.
        layout: Only the strided layout (None). Defaults to None.
        pin_memory: Ignored (a CUDA switch). Defaults to False.

    >>> import symgrad
    >>> y = symgrad.ones(2, dtype=symgrad.float64).new_empty_strided((2, 3), (1, 2))
    >>> y.dtype, y.stride()
    (symgrad.float64, (1, 2))
    """
    from symgrad.ops.asarray_strided import empty_strided

    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=device, requires_grad=requires_grad)


Tensor.new_empty_strided = new_empty_strided  # type: ignore[attr-defined]


# -- resize_, resize_as_ ---------------------------------------------------------------------------
def _sizes(args: tuple[Any, ...]) -> tuple[int, ...]:
    """``resize_``'s sizes from its arguments: ints, or one sequence of them."""
    if not args:
        raise TypeError('resize_() missing 1 required positional arguments: "size"')
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    for a in args:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError("resize_(): argument 'size' (position 1) must be tuple of ints, "
                            f"not {type(a).__name__}")
    return tuple(int(a) for a in args)


def _resize(self: Tensor, shape: tuple[int, ...]) -> Tensor:
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if any(s < 0 for s in shape):
        raise RuntimeError("numel: integer multiplication overflow")
    data = self._data
    if data.shape == shape:
        return self
    count = math.prod(shape)
    memory = _memory(data)
    if memory.flags.c_contiguous:
        flat, offset = memory.reshape(-1), self.storage_offset()
    else:  # (memory symgrad did not make itself) the elements in order, as new memory
        flat, offset = np.ascontiguousarray(data).reshape(-1), 0
    if offset + count > flat.size:
        # PyTorch grows the memory: what was there is kept, the rest is not meaningful (zeros)
        grown = np.zeros(offset + count, dtype=data.dtype)
        grown[:flat.size] = flat
        flat = grown
    from symgrad.ops import inplace

    inplace._written(self)  # the version counter of everything sharing the memory moves on
    info = self._view
    if info is not None and (info.base is not None or not info.has_history):
        # still sharing its base's memory and version counter, but no longer the view autograd
        # knew: an alias without history (as ``detach`` makes)
        self._view = inplace.alias_info(self)
    elif info is not None:
        # a base: its views can no longer be re-derived from it by their view ops
        for ref in info.views:
            view = ref()
            if view is not None and view._view is not None and view._view.base is self:
                view._view = None
        self._view = None
    self._data = flat[offset:offset + count].reshape(shape)
    return self


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """This tensor given the shape ``sizes``, in place: its memory read from where it starts as
    a row-major tensor of that shape, grown if too small (the new elements' values are not
    meaningful: zeros here), as PyTorch's; refused for a tensor that requires grad.

    Args:
        *sizes: The new shape, as ints or one sequence.
        memory_format: Only the row-major format (None or ``contiguous_format``). Defaults to
            None.

    >>> import symgrad
    >>> x = symgrad.arange(6.0)
    >>> x.resize_(2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    >>> x.resize_(6)
    tensor([0., 1., 2., 3., 4., 5.])
    """
    _check_memory_format(memory_format)
    return _resize(self, _sizes(sizes))


def _check_memory_format(memory_format: Any) -> None:
    name = str(memory_format).rpartition(".")[2]
    if memory_format is not None and name != "contiguous_format":
        rank = {"channels_last": 4, "channels_last_3d": 5}.get(name)
        if rank is None:
            raise RuntimeError(f"Unsupported memory format {memory_format}")
        raise RuntimeError(f"required rank {rank} tensor to use {name} format")


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """``resize_`` to ``the_template``'s shape.

    Args:
        the_template: The tensor whose shape this one takes.
        memory_format: Only the row-major format (None or ``contiguous_format``). Defaults to
            None.

    >>> import symgrad
    >>> symgrad.arange(4.0).resize_as_(symgrad.ones(2, 1))
    tensor([[0.],
            [1.]])
    """
    if not isinstance(the_template, Tensor):
        raise TypeError("resize_as_(): argument 'the_template' (position 1) must be Tensor, not "
                        f"{type(the_template).__name__}")
    _check_memory_format(memory_format)
    return _resize(self, tuple(the_template.shape))


Tensor.resize_ = resize_  # type: ignore[attr-defined]
Tensor.resize_as_ = resize_as_  # type: ignore[attr-defined]


# -- apply_, map_ ----------------------------------------------------------------------------------
def _number(value: Any) -> float | int | bool:
    """A Python callable's result as PyTorch reads it: a real number (its ``__float__`` or
    ``__index__``), or PyTorch's TypeError."""
    if isinstance(value, (bool, int, float)):
        return value
    if hasattr(type(value), "__float__") or hasattr(type(value), "__index__"):
        return float(value)
    raise TypeError(f"must be real number, not {type(value).__name__}")


def _write_each(self: Tensor, values: Callable[[list[Any]], list[Any]]) -> Tensor:
    """Each element of ``self`` replaced in place by what ``values`` gives for the list of
    them (the elements as Python numbers); PyTorch bumps no version here."""
    data = self._data
    results = [_number(v) for v in values(data.reshape(-1).tolist())]
    if data.dtype.kind in "iu":  # C++'s cast of a double: truncated
        results = [int(v) for v in results]
    data[...] = np.array(results, dtype=np.float64 if data.dtype.kind == "f" else object
                         ).reshape(data.shape).astype(data.dtype)
    return self


def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:  # noqa: A002 - torch's name
    """Each element replaced in place by ``callable(element)`` (a Python number in, a real
    number out, cast to the dtype); refused for a tensor that requires grad. Slow, as
    PyTorch's: a Python call per element.

    Args:
        callable: A function of one number.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0]).apply_(lambda v: v * 10)
    tensor([10., 20.])
    """
    if self.requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use "
                           "var.detach().apply_() instead.")
    return _write_each(self, lambda items: [callable(v) for v in items])


def map_(self: Tensor, other: Tensor, callable: Callable[[Any, Any], Any]  # noqa: A002
         ) -> Tensor:
    """Each element replaced in place by ``callable(element, other's element)``, ``other``
    broadcast to this tensor's shape and of its dtype; refused when either requires grad.

    Args:
        other: A tensor of this dtype, broadcasting to this shape.
        callable: A function of two numbers.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 2.0]).map_(symgrad.tensor([3.0]), lambda a, b: a * b)
    tensor([3., 6.])
    """
    if not isinstance(other, Tensor):
        raise TypeError("map_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")
    if self.requires_grad or other.requires_grad:
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use "
                           "var.detach().map_() instead.")
    if other.dtype != self.dtype:
        raise TypeError(f"map_: expected {self.type()} for 'other' (got {other.type()})")
    others = other.expand(tuple(self.shape))._data.reshape(-1).tolist()
    return _write_each(self, lambda items: [callable(a, b)
                                            for a, b in zip(items, others, strict=True)])


Tensor.apply_ = apply_  # type: ignore[attr-defined]
Tensor.map_ = map_  # type: ignore[attr-defined]


# -- cauchy_, geometric_, log_normal_ --------------------------------------------------------------
# C++'s names of the dtypes, as PyTorch's message for a distribution of integers writes them.
_CPP_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """float64 samples as C++'s ``static_cast`` rounds them: float16 and bfloat16 through
    float32."""
    if dtype.kind == "f" and dtype.itemsize < 4 or dtype == _dtypes.bfloat16.np:
        values = values.astype(np.float32)
    return values.astype(dtype)


def _random_fill(self: Tensor, draw: Callable[[int], np.ndarray], node: str) -> Tensor:
    from symgrad.creation import _fill
    from symgrad.ops.inplace import COPY

    dtype = self._data.dtype
    out = _fill(self, lambda n, _: _to_dtype(draw(n), dtype))
    if out.grad_fn is not None and type(out.grad_fn) is COPY.node_class:
        out.grad_fn.__class__ = renamed_node_class(COPY.node_class, node)
    return out


def _libm(fn: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    """``fn`` (the C library's, through Python's ``math``) of each element."""
    return np.fromiter(map(fn, x.tolist()), np.float64, x.size)


def _exp(v: float) -> float:
    return math.exp(v) if v < 709.8 else math.inf  # C's exp overflows to inf; Python's raises


def _log(v: float) -> float:
    return math.log(v) if v > 0 else -math.inf  # a uniform of 0 (2**-53 likely): C's -inf


def _generator(generator: Generator | None) -> Generator:
    from symgrad.creation import _gen

    return _gen(generator)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with samples of the Cauchy distribution, in place: PyTorch's numbers for the same
    seed (``median + sigma * tan(pi * (u - 0.5))``, ``u`` uniform).

    Args:
        median: The location. Defaults to 0.
        sigma: The scale, above 0. Defaults to 1.
        generator: The ``Generator`` drawn from. Defaults to None: the default one.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(3).cauchy_()
    tensor([10.5977,  0.7648, -0.1283])
    """
    if self.dtype.category != _dtypes._FLOAT:
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. "
                           "dtype must be a floating point but you specified "
                           f"{_CPP_NAMES[self.dtype.name]}")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")

    def draw(n: int) -> np.ndarray:
        u = _distributions.uniform(_generator(generator), n, np.float64)
        return median + sigma * _libm(math.tan, math.pi * (u - 0.5))

    return _random_fill(self, draw, "CauchyBackward0")


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with samples of the geometric distribution (the number of Bernoulli trials of
    success probability ``p`` up to the first success), in place: PyTorch's numbers for the
    same seed (``ceil(log(u) / log1p(-p))``, ``u`` uniform); integer tensors too.

    Args:
        p: The success probability, in (0, 1).
        generator: The ``Generator`` drawn from. Defaults to None: the default one.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(3, dtype=symgrad.int64).geometric_(0.5)
    tensor([1, 1, 2])
    """
    if self.dtype.name == "bool":
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")

    def draw(n: int) -> np.ndarray:
        u = _distributions.uniform(_generator(generator), n, np.float64)
        return np.ceil(_libm(_log, u) / math.log1p(-p))

    return _random_fill(self, draw, "GeometricBackward0")


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill with samples whose log is normal of ``mean`` and ``std``, in place: PyTorch's
    numbers for the same seed (``exp`` of its one-at-a-time float64 normals).

    Args:
        mean: The mean of the log. Defaults to 1.
        std: The standard deviation of the log, above 0. Defaults to 2.
        generator: The ``Generator`` drawn from. Defaults to None: the default one.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(2, dtype=symgrad.float64).log_normal_(0.0, 1.0)
    tensor([4.6692, 0.7457], dtype=symgrad.float64)
    """
    # The std first; the dtype in the kernel, which an empty tensor never reaches.
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    if self.dtype.category != _dtypes._FLOAT and self._data.size:
        raise NotImplementedError("\"log_normal_cpu\" not implemented for "
                                  f"'{_dtypes._TORCH_NAMES[self.dtype.name]}'")

    def draw(n: int) -> np.ndarray:
        normals = _distributions._normal_pairs(_generator(generator), n, mean, std)
        return _libm(_exp, normals)

    return _random_fill(self, draw, "LogNormalBackward0")


Tensor.cauchy_ = cauchy_  # type: ignore[attr-defined]
Tensor.geometric_ = geometric_  # type: ignore[attr-defined]
Tensor.log_normal_ = log_normal_  # type: ignore[attr-defined]
