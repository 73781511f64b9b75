"""``DataLoader``: a dataset read in batches, as PyTorch's loader reads it.

The batches, their order and every random draw are PyTorch's: a pass first draws the base
seed PyTorch's loader draws from the default stream (so the numbers after a loop over the data
are PyTorch's too), then the sampler's own seed. Worker processes are not started: with
``num_workers > 0`` each batch is still fetched by the worker PyTorch would send it to (round
robin), in this process, with that worker's own random stream (seeded ``base_seed + id`` as
PyTorch seeds it) put in place while it fetches, ``get_worker_info()`` describing it and
``worker_init_fn`` run first; Python's ``random`` and NumPy's global generators are not
reseeded per worker.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from symgrad import _dtypes
from symgrad import random as _random
from symgrad.creation import empty
from symgrad.random import Generator
from symgrad.utils.data.collate import default_collate, default_convert
from symgrad.utils.data.dataset import IterableDataset
from symgrad.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` tells a dataset about the worker fetching from it."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_current_worker: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The worker fetching now (``id``, ``num_workers``, ``seed``, ``dataset``), or None in
    the main process, as PyTorch's: a dataset reads it to split its work among workers.

    >>> get_worker_info() is None
    True
    """
    return _current_worker


class _Forever(Sampler):
    """An iterable dataset's "indices": None, endlessly (the dataset decides when it ends)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
               "persistent_workers")


class DataLoader:
    """Batches of a dataset, in the order of a sampler, each made by ``collate_fn``.

    Args:
        dataset: a ``Dataset`` (anything indexable with a length) or an ``IterableDataset``.
        batch_size: samples per batch; None yields samples one at a time, uncollated.
            Defaults to 1.
        shuffle: visit the samples in a new random order each pass (PyTorch's for the same
            seed). Defaults to False.
        sampler: the order of indices, instead of ``shuffle``.
        batch_sampler: the batches of indices, instead of ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``.
        num_workers: how many worker processes PyTorch would use; fetched here in this
            process, each batch by the worker PyTorch would send it to (see the module's
            text). Defaults to 0.
        collate_fn: turns a list of samples into a batch (``default_collate``; with
            ``batch_size=None``, ``default_convert``).
        pin_memory: accepted; there is no accelerator memory to pin.
        drop_last: leave out a last batch smaller than ``batch_size``.
        timeout: accepted (must not be negative); nothing waits on workers.
        worker_init_fn: called with each worker's id before its first fetch.
        multiprocessing_context: accepted and unused.
        generator: the ``Generator`` for the base seed and the shuffle (the default one).
        prefetch_factor: accepted only with ``num_workers > 0``, as in PyTorch.
        persistent_workers: accepted only with ``num_workers > 0``, as in PyTorch.
        pin_memory_device: accepted and unused.
        in_order: accepted; batches always come in the sampler's order.

    >>> import symgrad
    >>> from symgrad.utils.data import TensorDataset
    >>> loader = DataLoader(TensorDataset(symgrad.arange(5.0)), batch_size=2)
    >>> len(loader), [batch.tolist() for (batch,) in loader]
    (3, [[0.0, 1.0], [2.0, 3.0], [4.0]])
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[Any], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        sampler, batch_sampler, batch_size, drop_last = _samplers(
            dataset, iterable, batch_size, shuffle, sampler, batch_sampler, drop_last, generator)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None
                                         else default_convert)
        self.persistent_workers = persistent_workers
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_initialized", False) and name in _AFTER_INIT:
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                length = (length // self.batch_size if self.drop_last
                          else math.ceil(length / self.batch_size))
            return length
        return len(self._index_sampler)

    def __iter__(self) -> Iterator[Any]:
        return _Pass(self)


def _check_workers(num_workers: int, timeout: float, prefetch_factor: int | None,
                   persistent_workers: bool) -> None:
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _check_iterable_options(shuffle: bool | None, sampler: Any, batch_sampler: Any) -> None:
    for name, value in (("shuffle", shuffle), ("sampler", sampler),
                        ("batch_sampler", batch_sampler)):
        if value not in (None, False):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} "
                             f"option, but got {name}={value}")


def _samplers(dataset: Any, iterable: bool, batch_size: int | None, shuffle: bool | None,
              sampler: Any, batch_sampler: Any, drop_last: bool, generator: Generator | None
              ) -> tuple[Any, Any, int | None, bool]:
    """The loader's sampler and batch sampler from its options, with PyTorch's errors for
    options that exclude each other; also its batch size and ``drop_last`` as they end up."""
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                             "shuffle, sampler, and drop_last")
        batch_size, drop_last = None, False
    elif batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually "
                         "exclusive with drop_last")
    if sampler is None:
        if iterable:
            sampler = _Forever()
        elif shuffle:
            sampler = RandomSampler(dataset, generator=generator)
        else:
            sampler = SequentialSampler(dataset)
    if batch_size is not None and batch_sampler is None:
        batch_sampler = BatchSampler(sampler, batch_size, drop_last)
    return sampler, batch_sampler, batch_size, drop_last


class _Worker:
    """One of PyTorch's worker processes, played in this one: its random stream, its
    ``WorkerInfo`` and, for an iterable dataset, its own iterator over the dataset."""

    def __init__(self, loader: DataLoader, worker_id: int, base_seed: int) -> None:
        self.info = WorkerInfo(worker_id, loader.num_workers, base_seed + worker_id,
                               loader.dataset)
        self.stream = Generator().manual_seed(self.info.seed)
        self.started = self.ended = False
        self.items: Iterator[Any] | None = None

    def run(self, loader: DataLoader, work: Callable[[], Any]) -> Any:
        """``work()`` as this worker: its stream as the default one and its info current."""
        global _current_worker
        main, saved = _random.default_generator.get_state(), _current_worker
        _random.default_generator.set_state(self.stream.get_state())
        _current_worker = self.info
        try:
            if not self.started:
                self.started = True
                if loader.worker_init_fn is not None:
                    loader.worker_init_fn(self.info.id)
                if isinstance(loader.dataset, IterableDataset):
                    self.items = iter(loader.dataset)
            return work()
        finally:
            self.stream.set_state(_random.default_generator.get_state())
            _random.default_generator.set_state(main)
            _current_worker = saved


class _Pass:
    """One pass over a ``DataLoader``: what ``iter(loader)`` returns."""

    def __init__(self, loader: DataLoader) -> None:
        if loader.pin_memory:
            # PyTorch's warning on every pass: there is no accelerator to pin memory for.
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._loader = loader
        self._indices = iter(loader._index_sampler)
        # PyTorch's loader draws this from the stream on every pass, workers or not.
        self._base_seed = int(empty((), dtype=_dtypes.int64).random_(
            generator=loader.generator).item())
        self._workers = [_Worker(loader, i, self._base_seed) for i in range(loader.num_workers)]
        self._turn = 0
        self._items = (iter(loader.dataset)
                       if isinstance(loader.dataset, IterableDataset) and not self._workers
                       else None)

    def __iter__(self) -> _Pass:
        return self

    def __next__(self) -> Any:
        if not self._workers:
            return self._fetch(next(self._indices), self._items)
        iterable = isinstance(self._loader.dataset, IterableDataset)
        while not all(w.ended for w in self._workers):
            worker = self._workers[self._turn % len(self._workers)]
            self._turn += 1
            if worker.ended:
                continue
            index = next(self._indices)
            try:
                return worker.run(self._loader, lambda w=worker, i=index: self._fetch(i, w.items))
            except StopIteration:
                if not iterable:
                    raise
                worker.ended = True  # its copy of the dataset has run out; the others go on
        raise StopIteration

    def _fetch(self, index: Any, items: Iterator[Any] | None) -> Any:
        """The batch (or sample) at ``index``, collated."""
        loader = self._loader
        batched = loader.batch_sampler is not None
        if items is not None:  # an iterable dataset: the next samples in its order
            if not batched:
                return loader.collate_fn(next(items))
            data = []
            for _ in index:
                try:
                    data.append(next(items))
                except StopIteration:
                    break
            if not data or (loader.drop_last and len(data) < len(index)):
                raise StopIteration
            return loader.collate_fn(data)
        dataset = loader.dataset
        if not batched:
            return loader.collate_fn(dataset[index])
        getitems = getattr(dataset, "__getitems__", None)
        data = getitems(index) if callable(getitems) else [dataset[i] for i in index]
        return loader.collate_fn(data)
