"""Draws ``torch.distributions`` needs: ``multinomial``, ``exponential_`` and ``normal``, giving
PyTorch's CPU numbers after the same seed.

What PyTorch 2.13's CPU kernels do, and so what these do:

- ``exponential_(lambd)``: one float64 uniform ``u`` per element (53 bits), then
  ``(-1 / lambd) * log1p(-u)`` in float64 with the C library's ``log1p``, rounded to the
  tensor's dtype; elements in memory order.
- ``multinomial`` without replacement, or with ``num_samples == 1``: ``q`` is an
  ``exponential_`` draw of the probabilities' shape and dtype, and the samples are the indices
  of the ``num_samples`` largest ``p / q`` in each row (``argmax`` for one sample; the Gumbel
  trick: ``argmax p / q`` with ``q ~ Exp(1)`` is a draw from ``p``). ``topk`` picks them with
  libstdc++'s ``nth_element`` and ``sort`` (``partial_sort`` when ``64 * k <= n``), whose order
  among tied values is its own: rows with ties are selected by the same algorithms here.
- ``multinomial`` with replacement: per row, the cumulative sum of the probabilities in their
  dtype (float32 for half and bfloat16), divided by the total, the last set to 1; each sample
  is the first index whose cumulative value is not below a float64 uniform.
- ``normal(mean, std)`` with tensors: a standard normal fill of the result (``randn``'s path),
  then ``* std`` and ``+ mean`` as two roundings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _distributions, _dtypes
from symgrad.creation import _drawn_like, _fill, _gen, _leaf, _size
from symgrad.libstdcxx_sort import _heap_select, _nth_element, _sort_heap, _std_sort
from symgrad.random import Generator
from symgrad.tensor import Tensor

__all__ = ["multinomial", "exponential_", "normal"]

_MAX_CATEGORIES = 2**24  # PyTorch keeps category indices exact in a float32


# -- exponential ----------------------------------------------------------------------------------
def _exponential(gen: Generator, n: int, lambd: float) -> np.ndarray:
    """``n`` float64 exponential samples of rate ``lambd`` as PyTorch's CPU kernel draws them."""
    u = _distributions.uniform(gen, n, np.float64)
    # glibc's log1p (Python's math.log1p calls it); NumPy's differs in 7% of last bits.
    logs = np.fromiter(map(math.log1p, (-u).tolist()), np.float64, n)
    return (-1.0 / lambd) * logs


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None
                 ) -> Tensor:
    """Fill with samples of the exponential distribution of rate ``lambd``, in place:
    PyTorch's numbers for the same seed (``-log1p(-u) / lambd``, ``u`` uniform).

    Args:
        lambd: the rate, above 0 (``inf`` gives zeros).
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.empty(3).exponential_()
    tensor([3.5083, 1.2304, 0.6150])
    """
    # PyTorch checks the rate, then (in the kernel, which an empty tensor never reaches) the
    # dtype.
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    if self.dtype.category != _dtypes._FLOAT and self._data.size:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_dtypes._TORCH_NAMES[self.dtype.name]}")
    dtype = self._data.dtype
    return _fill(self, lambda n, _: _exponential(_gen(generator), n, lambd).astype(dtype))


# -- topk's order among ties ---------------------------------------------------------------------
# PyTorch's topk sorts (value, index) pairs with std::nth_element / std::sort / std::partial_sort
# and a "larger first" comparison; among equal values their order is the algorithms'
# (``symgrad.libstdcxx_sort``).
def _larger(x: tuple[float, int], y: tuple[float, int]) -> bool:
    return (math.isnan(x[0]) and not math.isnan(y[0])) or x[0] > y[0]


def _topk_row_as_torch(row: np.ndarray, k: int) -> list[int]:
    """The indices PyTorch's CPU ``topk(k)`` returns for one row, ties in its order."""
    pairs = list(zip(row.astype(np.float64).tolist(), range(len(row)), strict=True))
    if k * 64 <= len(pairs):
        _heap_select(pairs, 0, k, len(pairs), _larger)
        _sort_heap(pairs, 0, k, _larger)
    else:
        _nth_element(pairs, k - 1, _larger)
        _std_sort(pairs, 0, k - 1, _larger)
    return [index for _, index in pairs[:k]]


def _topk_indices(values: np.ndarray, k: int) -> np.ndarray:
    """PyTorch's ``topk(k).indices`` along the last dim of a 2-d array of values."""
    wide = values.astype(np.float32) if values.dtype.itemsize < 4 else values
    order = np.argsort(-wide, axis=-1, kind="stable")[:, :k + 1]
    top = np.take_along_axis(wide, order, axis=-1)
    # Where the k + 1 largest values are all different, the k largest and their order are
    # determined whatever the algorithm; rows with a tie there go through libstdc++'s.
    tied = (top[:, 1:] == top[:, :-1]).any(axis=-1)
    out = order[:, :k].astype(np.int64)
    for r in np.flatnonzero(tied):
        out[r] = _topk_row_as_torch(values[r], k)
    return out


# -- multinomial ----------------------------------------------------------------------------------
def _with_replacement(gen: Generator, p: np.ndarray, n_sample: int) -> np.ndarray:
    work = np.float64 if p.dtype == np.float64 else np.float32
    rows = p.astype(work)
    # PyTorch checks each row element by element (negative or NaN, then infinite), drawing a
    # row's samples before checking the next row; a sum of non-negative finite values is
    # positive exactly when one of them is.
    broken = ~(rows >= 0) | ~np.isfinite(rows)
    first = (np.take_along_axis(rows, broken.argmax(axis=-1)[:, None], axis=-1)[:, 0]
             if rows.size else np.zeros(len(rows), work))
    problems = np.select(
        [broken.any(axis=-1) & ~(first >= 0), broken.any(axis=-1), ~(rows > 0).any(axis=-1)],
        ["encountering probability entry < 0", "encountering probability entry = infinity or NaN",
         "sum of probabilities <= 0"], "")
    bad = np.flatnonzero(problems != "")
    if len(bad):
        _distributions.uniform(gen, int(bad[0]) * n_sample, np.float64)
        raise RuntimeError(f"invalid multinomial distribution ({problems[bad[0]]})")
    with np.errstate(over="ignore", invalid="ignore"):
        cum = np.cumsum(rows, axis=-1, dtype=work)  # sequential, in the dtype, as PyTorch sums
        cum = (cum / cum[:, -1:]).astype(np.float64)
    cum[:, -1] = 1.0
    u = _distributions.uniform(gen, rows.shape[0] * n_sample, np.float64).reshape(-1, n_sample)
    out = np.empty(u.shape, np.int64)
    for r in range(rows.shape[0]):
        out[r] = np.searchsorted(cum[r], u[r], side="left")
    return out


def _by_exponentials(gen: Generator, probs: Tensor, p: np.ndarray, n_sample: int) -> np.ndarray:
    wide = p.astype(np.float32) if p.dtype.itemsize < 4 else p
    if p.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    if not (wide.max() < np.inf and wide.min() >= 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    with np.errstate(over="ignore"):
        sums = p.sum(axis=-1, dtype=p.dtype)
    if (sums == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    q = _drawn_like(probs, None, lambda n, _: _exponential(gen, n, 1.0).astype(p.dtype))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (p / q.reshape(p.shape)).astype(p.dtype)
    if n_sample == 1:
        return np.argmax(ratio, axis=-1).astype(np.int64)[:, None]
    return _topk_indices(ratio, n_sample)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn from the categories of each row of ``input`` with probabilities
    proportional to its (non-negative) values: PyTorch's numbers for the same seed.

    Without replacement (or for one sample) PyTorch draws ``q ~ Exp(1)`` per category and
    takes the largest ``input / q``; with replacement it searches the cumulative distribution
    for a uniform per sample.

    Args:
        input: probabilities (need not sum to 1), 1-d (categories) or 2-d (rows of them).
        num_samples: how many samples per row, at least 1 (at most the categories without
            replacement).
        replacement: whether a category may be drawn more than once.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(1)
    >>> symgrad.multinomial(symgrad.tensor([0.3, 0.2, 0.5]), 6, replacement=True)
    tensor([0, 0, 0, 0, 2, 0])
    """
    if not isinstance(num_samples, (int, np.integer)) or isinstance(num_samples, bool):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, "
                        f"not {type(num_samples).__name__}")
    if not 1 <= input.ndim <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype.category != _dtypes._FLOAT:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtypes._TORCH_NAMES[input.dtype.name]}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_categories = input.shape[-1]
    if not replacement and num_samples > n_categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if n_categories > _MAX_CATEGORIES:
        raise RuntimeError("number of categories cannot exceed 2^24")
    shape = (num_samples,) if input.ndim == 1 else (input.shape[0], num_samples)
    if math.prod(shape) == 0:
        return _leaf(np.zeros(shape, np.int64), False)
    gen = _gen(generator)
    p = input._data.reshape(1 if input.ndim == 1 else input.shape[0], n_categories)
    if not replacement or num_samples == 1:
        out = _by_exponentials(gen, input, p, num_samples)
    else:
        out = _with_replacement(gen, p, num_samples)
    return _leaf(out.reshape(shape), False)


# -- normal with tensor parameters ----------------------------------------------------------------
def _std_error(std: Any) -> None:
    if isinstance(std, Tensor):
        if (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples of means ``mean`` and standard deviations ``std`` (tensors broadcast
    together, or numbers with a ``size``): PyTorch's numbers for the same seed (a standard
    normal draw of the result's shape, times ``std``, plus ``mean``). The result records no
    autograd.

    Args:
        mean: the means: a tensor, or a number.
        std: the standard deviations, not negative: a tensor, or a number.
        size: the shape, when ``mean`` and ``std`` are both numbers.
        generator: the ``Generator`` to draw from (the default one if None).
        dtype: the dtype when both are numbers (the default float if None).
        requires_grad: whether the result (of numbers) records operations.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.normal(symgrad.tensor([0.0, 10.0]), symgrad.tensor([1.0, 0.1]))
    tensor([1.5410, 9.9707])
    """
    gen = _gen(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            "(float, float), but expected (float mean, float std, tuple of "
                            "ints size)")
        _std_error(std)
        d = dtype or _dtypes.get_default_dtype()
        shape = _size((size,))
        data = _distributions.normal(gen, math.prod(shape), d.np, float(mean), float(std))
        return _leaf(data.reshape(shape), requires_grad)
    _std_error(std)
    like = mean if isinstance(mean, Tensor) else std
    m = mean._data if isinstance(mean, Tensor) else np.asarray(mean, like._data.dtype)
    s = std._data if isinstance(std, Tensor) else None
    shape = np.broadcast_shapes(m.shape, () if s is None else s.shape)
    d = like._data.dtype
    if s is None:  # normal_(0, std), then + mean
        draw = _distributions.normal(gen, math.prod(shape), d, 0.0, float(std))
        out = draw.reshape(shape) + m
    else:
        draw = _distributions.normal(gen, math.prod(shape), d, 0.0, 1.0).reshape(shape)
        out = (draw * s).astype(d) + m
    return _leaf(np.asarray(out, d), False)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                        generator: Generator | None = None) -> Tensor:
    """``multinomial(self, num_samples, replacement)``: category indices drawn from this
    tensor's rows of probabilities, PyTorch's numbers for the same seed.

    Args:
        num_samples: how many samples per row.
        replacement: whether a category may be drawn more than once.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.tensor([[0.0, 1.0], [1.0, 0.0]]).multinomial(1)
    tensor([[1],
            [0]])
    """
    return multinomial(self, num_samples, replacement, generator=generator)


_multinomial_method.__name__ = "multinomial"
Tensor.multinomial = _multinomial_method  # type: ignore[attr-defined]
Tensor.exponential_ = exponential_  # type: ignore[attr-defined]
__test__ = {"Tensor.multinomial": _multinomial_method}
