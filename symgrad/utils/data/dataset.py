"""Datasets: what a ``DataLoader`` indexes (``Dataset``) or iterates (``IterableDataset``), and
the ways to wrap, join and split them, as ``torch.utils.data`` has them."""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from symgrad.creation import randperm
from symgrad.random import Generator, default_generator
from symgrad.tensor import Tensor

__all__ = ["ConcatDataset", "Dataset", "IterableDataset", "StackDataset", "Subset",
           "TensorDataset", "random_split"]


class Dataset:
    """A collection of samples reached by key: a subclass defines ``__getitem__`` (and usually
    ``__len__``, which samplers need).

    >>> class Squares(Dataset):
    ...     def __getitem__(self, i): return i * i
    ...     def __len__(self): return 4
    >>> [Squares()[i] for i in range(4)], len(Squares() + Squares())
    ([0, 1, 4, 9], 8)
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: a subclass defines ``__iter__``. A ``DataLoader`` reads it in
    order (it cannot be shuffled or sampled).

    >>> class Count(IterableDataset):
    ...     def __iter__(self): return iter(range(3))
    >>> list(Count())
    [0, 1, 2]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> Any:
        raise TypeError("IterableDataset does not support + (PyTorch's ChainDataset is "
                        "not provided)")


class TensorDataset(Dataset):
    """Samples as rows: sample ``i`` is the tuple of each tensor's row ``i``.

    Args:
        *tensors: tensors with the same size along their first dimension.

    >>> import symgrad
    >>> data = TensorDataset(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]), symgrad.tensor([0, 1]))
    >>> len(data), data[1]
    (2, (tensor([3., 4.]), tensor(1)))
    """

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    """Datasets side by side: sample ``i`` is the tuple (or, given by name, the dict) of each
    dataset's sample ``i``.

    Args:
        *args: datasets of one length, whose samples come as a tuple.
        **kwargs: datasets of one length, whose samples come as a dict by these names.

    >>> StackDataset(x=[1, 2], y=["a", "b"])[1]
    {'x': 2, 'y': 'b'}
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args or kwargs.values())
        self._length = len(parts[0])
        if any(len(d) != self._length for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets: tuple[Any, ...] | dict[str, Any] = args or kwargs

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {name: d[index] for name, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """Datasets one after another: indices run through the first, then the second, ...

    Args:
        datasets: the datasets, none of them iterable-only.

    >>> data = ConcatDataset([[1, 2], [3, 4, 5]])
    >>> len(data), data[2], data[-1], data.cumulative_sizes
    (5, 3, 5, [2, 5])
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the whole dataset.
        indices: the positions in it that make up the subset.

    >>> part = Subset(["a", "b", "c", "d"], [3, 0])
    >>> len(part), part[0], part[1]
    (2, 'd', 'a')
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(total: int, fractions: Sequence[float]) -> list[int]:
    """Whole lengths for fractions of ``total``: each rounded down, then what is left handed
    out one at a time from the first split on."""
    lengths = []
    for i, fraction in enumerate(fractions):
        if not 0 <= fraction <= 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths.append(math.floor(total * fraction))
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          "dataset.", UserWarning, stacklevel=3)
    return lengths


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: Generator | None = default_generator) -> list[Subset]:
    """Split ``dataset`` at random into subsets of the given lengths: PyTorch's split for the
    same seed (one ``randperm`` of the whole, cut in order).

    Args:
        dataset: the dataset to split (it must have a length).
        lengths: the subsets' lengths, summing to the dataset's; or fractions summing to 1,
            each rounded down with the remainder handed out one at a time from the first.
        generator: the ``Generator`` the permutation draws from (the default one).

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> [list(part) for part in random_split(range(6), [4, 2])]
    [[2, 5, 3, 0], [1, 4]]
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _split_lengths(len(dataset), lengths)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(int(sum(lengths)), generator=generator).tolist()
    ends = list(itertools.accumulate(lengths))
    return [Subset(dataset, order[end - length:end])
            for end, length in zip(ends, lengths, strict=True)]
