"""Samplers: the order in which a ``DataLoader`` visits a dataset's indices, and how it groups
them into batches. The random ones draw as PyTorch's do (a fresh generator seeded from the
default stream when none is given), so a shuffle after ``manual_seed`` is PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

from symgrad import _dtypes
from symgrad.creation import empty, randint, randperm
from symgrad.random import Generator

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]


class Sampler:
    """The base of samplers: a subclass defines ``__iter__`` over indices (and ``__len__``).

    Args:
        data_source: accepted, and ignored, as PyTorch's base class does.

    >>> class Evens(Sampler):
    ...     def __iter__(self): return iter([0, 2, 4])
    >>> list(Evens())
    [0, 2, 4]
    """

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """The indices ``0, 1, ..., len(data_source) - 1`` in order.

    Args:
        data_source: the dataset (only its length is read).

    >>> list(SequentialSampler(["a", "b", "c"]))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _seeded_generator(generator: Generator | None) -> Generator:
    """``generator``, or a new one seeded from the default stream's next 64-bit draw, as
    PyTorch's random samplers make one each time they start."""
    if generator is not None:
        return generator
    seed = int(empty((), dtype=_dtypes.int64).random_().item())
    return Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """The indices in random order: a fresh permutation each pass (or, with ``replacement``,
    independent draws), PyTorch's for the same seed.

    Args:
        data_source: the dataset (only its length is read).
        replacement: draw each index independently, so some repeat. Defaults to False.
        num_samples: how many indices one pass yields (the dataset's length if None).
        generator: the ``Generator`` to draw from; None draws a seed from the default
            generator each time a pass starts.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> list(RandomSampler(range(5)))
    [1, 3, 4, 2, 0]
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields.

        >>> RandomSampler(range(4)).num_samples, RandomSampler(range(4), num_samples=9).num_samples
        (4, 9)
        """
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        generator = _seeded_generator(self.generator)
        if self.replacement:
            # Drawn 32 at a time, as PyTorch draws them: the blocks decide the numbers.
            for _ in range(self.num_samples // 32):
                yield from randint(n, (32,), generator=generator).tolist()
            yield from randint(n, (self.num_samples % 32,), generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=generator).tolist()
            yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, a fresh one each pass.

    Args:
        indices: the indices to visit.
        generator: the ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> list(SubsetRandomSampler([10, 20, 30]))
    [30, 10, 20]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``
    (``multinomial``, PyTorch's stream), a fresh draw each pass.

    Args:
        weights: One nonnegative weight per index (a 1-d sequence or tensor), not necessarily
            summing to 1; taken in float64.
        num_samples: How many indices a pass yields.
        replacement: Whether an index may be drawn more than once. Defaults to True.
        generator: The ``Generator`` to draw from (the default one if None).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> list(WeightedRandomSampler([0.1, 0.9, 0.0], 5))
    [1, 1, 1, 1, 1]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        from symgrad.creation import as_tensor

        if (not isinstance(num_samples, int) or isinstance(num_samples, bool)
                or num_samples <= 0):
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights_tensor = as_tensor(weights, dtype=_dtypes.float64)
        if weights_tensor.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights_tensor.shape)}")
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        from symgrad.sampling import multinomial

        drawn = multinomial(self.weights, self.num_samples, self.replacement,
                            generator=self.generator)
        yield from drawn.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Another sampler's indices in lists of ``batch_size``; the last one shorter, or left out
    with ``drop_last``.

    Args:
        sampler: the indices (any iterable of them).
        batch_size: how many indices a batch holds, a positive int.
        drop_last: leave out a last batch smaller than ``batch_size``.

    >>> list(BatchSampler(range(5), 2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
