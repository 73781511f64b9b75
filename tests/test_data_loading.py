"""``symgrad.utils.data`` against ``torch.utils.data`` 2.13: each scenario runs the same code on
both libraries (the module passed in as ``lib``) after the same seed, and what it yields is
compared: batches (dtype, shape, values), their order, lengths, the numbers drawn after a pass
(the loader's share of the default stream), and the class and message of every error. Every
expected value is torch's, run here."""

from __future__ import annotations

import collections
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.utils.data  # noqa: E402, F811 - the submodule, imported for torch.utils.data.X

import symgrad  # noqa: E402
import symgrad.utils.data  # noqa: E402

Point = collections.namedtuple("Point", "x y")


def _plain(value: Any) -> Any:
    """A batch of either library as plain Python: tensors as (dtype, shape, values)."""
    if isinstance(value, torch.Tensor | symgrad.Tensor):
        return str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist()
    if isinstance(value, np.ndarray):
        return "ndarray", value.dtype.str, value.tolist()
    if isinstance(value, dict):
        return type(value).__name__, {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value).__name__, [_plain(v) for v in value]
    return value


def _run(scenario: Callable[[Any, Any], Any], lib: Any) -> Any:
    """``scenario(lib, lib.utils.data)`` after seed 0, as plain Python; an error as its class
    and message; the warnings' messages beside."""
    lib.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _plain(scenario(lib, lib.utils.data))
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            result = type(e).__name__, str(e)
    # PyTorch warns when it would start more worker processes than the machine has cores;
    # symgrad starts none, and says nothing.
    return result, [str(w.message) for w in caught
                    if not str(w.message).startswith("This DataLoader will create")]


def _same(scenario: Callable[[Any, Any], Any]) -> None:
    assert _run(scenario, symgrad) == _run(scenario, torch)


def _rows(lib: Any, n: int = 10) -> Any:
    return lib.utils.data.TensorDataset(lib.arange(float(n)).reshape(n, 1), lib.arange(n))


def _epochs(loader: Any, lib: Any, epochs: int = 3) -> list[Any]:
    """Every batch of a few passes, then the next numbers of the default stream."""
    return [[batch for batch in loader] for _ in range(epochs)] + [lib.rand(3)]


LOADERS = {
    "in order": lambda lib, d: _epochs(d.DataLoader(_rows(lib), batch_size=4), lib),
    "shuffled": lambda lib, d: _epochs(d.DataLoader(_rows(lib), batch_size=3, shuffle=True),
                                       lib),
    "shuffled, last dropped": lambda lib, d: _epochs(
        d.DataLoader(_rows(lib, 11), batch_size=4, shuffle=True, drop_last=True), lib),
    "one at a time": lambda lib, d: _epochs(d.DataLoader(_rows(lib, 4), batch_size=None), lib),
    "own generator": lambda lib, d: _epochs(d.DataLoader(
        _rows(lib), batch_size=4, shuffle=True, generator=lib.Generator().manual_seed(5)), lib),
    "sampler with replacement": lambda lib, d: _epochs(d.DataLoader(
        _rows(lib), batch_size=7, sampler=d.RandomSampler(_rows(lib), replacement=True,
                                                          num_samples=75)), lib, 2),
    "more samples than rows": lambda lib, d: _epochs(d.DataLoader(
        _rows(lib, 4), batch_size=3, sampler=d.RandomSampler(range(4), num_samples=10)), lib),
    "subset sampler": lambda lib, d: _epochs(d.DataLoader(
        _rows(lib), batch_size=2, sampler=d.SubsetRandomSampler([1, 3, 5, 7])), lib),
    "batch sampler": lambda lib, d: _epochs(d.DataLoader(_rows(lib), batch_sampler=d.BatchSampler(
        d.SequentialSampler(range(10)), 4, drop_last=False)), lib),
    "custom collate": lambda lib, d: _epochs(d.DataLoader(
        list(range(7)), batch_size=3, shuffle=True, collate_fn=lambda b: sum(b)), lib),
    "a list as the dataset": lambda lib, d: _epochs(d.DataLoader(
        [(1.5, 2), (2.5, 3), (3.5, 4)], batch_size=2), lib, 1),
    "lengths": lambda lib, d: [len(d.DataLoader(_rows(lib), batch_size=b, drop_last=drop))
                               for b in (1, 3, 4, 10, 11) for drop in (False, True)],
    "split, then loaded": lambda lib, d: _epochs(d.DataLoader(
        d.random_split(_rows(lib, 9), [0.5, 0.5])[1], batch_size=2, shuffle=True), lib, 2),
}


@pytest.mark.parametrize("scenario", LOADERS.values(), ids=LOADERS.keys())
def test_loader_yields_pytorchs_batches_and_leaves_its_stream(scenario: Any) -> None:
    _same(scenario)


def _sample_of(kind: str) -> Callable[[Any, int], Any]:
    """Samples of one kind, built with either library, for ``default_collate``."""
    return {
        "tensors": lambda lib, i: lib.full((2, 3), float(i)),
        "arrays": lambda lib, i: np.arange(3, dtype=np.int32) * i,
        "numpy scalars": lambda lib, i: np.float32(i) / 3,
        "floats": lambda lib, i: i / 3,
        "ints": lambda lib, i: i,
        "bools": lambda lib, i: i % 2 == 0,
        "strings": lambda lib, i: f"s{i}",
        "dicts": lambda lib, i: {"x": lib.tensor([i, i + 1.0]), "label": i, "name": "n"},
        "named tuples": lambda lib, i: Point(lib.tensor(i), [i, float(i)]),
        "tuples": lambda lib, i: (lib.tensor([i]), i * 1.0),
        "lists": lambda lib, i: [i, [i, i]],
        "ordered dicts": lambda lib, i: collections.OrderedDict(a=i, b=np.float64(i)),
        "ragged lists": lambda lib, i: list(range(i + 1)),
        "ragged tensors": lambda lib, i: lib.zeros(i + 1),
        "string arrays": lambda lib, i: np.array(["a", "b"]),
        "None": lambda lib, i: None,
        "objects": lambda lib, i: object,
    }[kind]


KINDS = ("tensors", "arrays", "numpy scalars", "floats", "ints", "bools", "strings", "dicts",
         "named tuples", "tuples", "lists", "ordered dicts", "ragged lists", "ragged tensors",
         "string arrays", "None", "objects")


@pytest.mark.parametrize("kind", KINDS)
def test_default_collate_batches_as_pytorch(kind: str) -> None:
    sample = _sample_of(kind)
    _same(lambda lib, d: d.default_collate([sample(lib, i) for i in range(3)]))


@pytest.mark.parametrize("kind", KINDS)
def test_default_convert_converts_as_pytorch(kind: str) -> None:
    sample = _sample_of(kind)
    _same(lambda lib, d: [d.default_convert(sample(lib, i)) for i in range(2)])


DATASETS = {
    "tensor dataset": lambda lib, d: [len(_rows(lib, 3)), _rows(lib, 3)[1], _rows(lib, 3)[-1]],
    "tensor dataset, mismatched": lambda lib, d: d.TensorDataset(lib.zeros(2), lib.zeros(3)),
    "subset": lambda lib, d: [list(d.Subset("abcdef", [5, 1, 3])), len(d.Subset("ab", [0]))],
    "concat": lambda lib, d: [(c := d.ConcatDataset([[1, 2], [3], [4, 5, 6]]))[3], c[-1],
                              len(c), c.cumulative_sizes, list(c)],
    "concat, index too negative": lambda lib, d: d.ConcatDataset([[1, 2]])[-3],
    "concat, empty": lambda lib, d: d.ConcatDataset([]),
    "stack, tuple": lambda lib, d: [d.StackDataset([1, 2], "ab")[1], len(d.StackDataset("ab"))],
    "stack, dict": lambda lib, d: d.StackDataset(x=[1, 2], y=[3, 4])[0],
    "stack, mismatched": lambda lib, d: d.StackDataset([1], [1, 2]),
    "stack, both forms": lambda lib, d: d.StackDataset([1], y=[1]),
    "random split": lambda lib, d: [list(p) for p in d.random_split(range(10), [3, 7])],
    "random split, fractions": lambda lib, d: [
        list(p) for p in d.random_split(range(11), [0.3, 0.3, 0.4])],
    "random split, an empty part": lambda lib, d: [
        list(p) for p in d.random_split(range(2), [0.1, 0.1, 0.8])],
    "random split, generator": lambda lib, d: [list(p) for p in d.random_split(
        range(8), [4, 4], generator=lib.Generator().manual_seed(42))] + [lib.rand(2)],
    "random split, wrong sum": lambda lib, d: d.random_split(range(5), [2, 2]),
    "random split, bad fraction": lambda lib, d: d.random_split(range(5), [1.5, -0.5]),
    "random sampler, passes": lambda lib, d: [list(s := d.RandomSampler(range(6))), list(s),
                                              len(s)],
    "random sampler, bad count": lambda lib, d: d.RandomSampler(range(3), num_samples=0),
    "random sampler, bad replacement": lambda lib, d: d.RandomSampler(range(3), replacement=1),
    "batch sampler": lambda lib, d: [list(d.BatchSampler(range(7), 3, drop_last=True)),
                                     len(d.BatchSampler(range(7), 3, False))],
    "batch sampler, bad size": lambda lib, d: d.BatchSampler(range(7), 0, False),
    "batch sampler, bad drop_last": lambda lib, d: d.BatchSampler(range(7), 2, 1),
    "sequential sampler": lambda lib, d: [list(d.SequentialSampler("abc")),
                                          len(d.SequentialSampler("abc"))],
    "weighted sampler, passes": lambda lib, d: [
        list(s := d.WeightedRandomSampler([0.1, 0.9, 0.0, 2.0], 6)), list(s), len(s)],
    "weighted sampler, no replacement": lambda lib, d: list(d.WeightedRandomSampler(
        lib.tensor([3.0, 1.0, 2.0, 5.0, 4.0]), 4, replacement=False,
        generator=lib.Generator().manual_seed(5))),
    "weighted sampler, too many": lambda lib, d: list(d.WeightedRandomSampler(
        [1.0, 2.0], 3, replacement=False)),
    "weighted sampler, bad count": lambda lib, d: d.WeightedRandomSampler([1.0], 0),
    "weighted sampler, bad replacement": lambda lib, d: d.WeightedRandomSampler([1.0], 1, 0),
    "weighted sampler, 2-d weights": lambda lib, d: d.WeightedRandomSampler([[1.0]], 1),
}


@pytest.mark.parametrize("scenario", DATASETS.values(), ids=DATASETS.keys())
def test_datasets_and_samplers_as_pytorch(scenario: Any) -> None:
    _same(scenario)


REFUSED = {
    "negative workers": dict(num_workers=-1),
    "negative timeout": dict(timeout=-1),
    "prefetch without workers": dict(prefetch_factor=2),
    "persistent without workers": dict(persistent_workers=True),
    "sampler and shuffle": dict(sampler=[0, 1], shuffle=True),
    "batch sampler and batch size": dict(batch_sampler=[[0, 1]], batch_size=2),
    "batch sampler and drop_last": dict(batch_sampler=[[0, 1]], drop_last=True),
    "no batches, drop_last": dict(batch_size=None, drop_last=True),
}


@pytest.mark.parametrize("options", REFUSED.values(), ids=REFUSED.keys())
def test_loader_refuses_what_pytorch_refuses(options: dict[str, Any]) -> None:
    _same(lambda lib, d: d.DataLoader(_rows(lib), **options))


def test_loader_options_are_fixed_after_construction() -> None:
    def change(lib: Any, d: Any) -> Any:
        loader = d.DataLoader(_rows(lib))
        loader.num_workers = 2  # allowed
        loader.batch_size = 3
    _same(change)


class _Stream:
    """An iterable dataset of either library: ``n`` numbers, split between workers as
    PyTorch's documentation shows, each with a random draw made while fetching."""

    def __new__(cls, lib: Any, n: int, split: bool) -> Any:
        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self) -> Any:
                info = lib.utils.data.get_worker_info()
                start, step = (info.id, info.num_workers) if info and split else (0, 1)
                for i in range(start, n, step):
                    yield lib.tensor([float(i)]) + lib.rand(1)

            def __len__(self) -> int:
                return n
        return Stream()


class _Noisy:
    """A map-style dataset of either library whose samples draw from the default stream."""

    def __new__(cls, lib: Any, n: int) -> Any:
        class Noisy(lib.utils.data.Dataset):
            def __getitem__(self, i: int) -> Any:
                info = lib.utils.data.get_worker_info()
                return lib.randn(2) + i, -1 if info is None else info.id

            def __len__(self) -> int:
                return n
        return Noisy()


STREAMS = {
    "iterable, batches": lambda lib, d: _epochs(d.DataLoader(_Stream(lib, 7, False),
                                                             batch_size=3), lib),
    "iterable, last dropped": lambda lib, d: _epochs(d.DataLoader(
        _Stream(lib, 7, False), batch_size=3, drop_last=True), lib, 1),
    "iterable, one at a time": lambda lib, d: _epochs(d.DataLoader(
        _Stream(lib, 3, False), batch_size=None), lib, 1),
    "iterable, lengths": lambda lib, d: [len(d.DataLoader(_Stream(lib, 7, False), batch_size=b,
                                                          drop_last=drop))
                                         for b in (2, 3, 7) for drop in (False, True)],
    "iterable, shuffled": lambda lib, d: d.DataLoader(_Stream(lib, 3, False), shuffle=True),
    "iterable, sampler": lambda lib, d: d.DataLoader(_Stream(lib, 3, False), sampler=[0]),
    "workers, map-style": lambda lib, d: _epochs(d.DataLoader(
        _Noisy(lib, 9), batch_size=2, shuffle=True, num_workers=3), lib, 2),
    "workers, iterable, split": lambda lib, d: _epochs(d.DataLoader(
        _Stream(lib, 9, True), batch_size=2, num_workers=2), lib, 2),
    "workers, iterable, each whole": lambda lib, d: _epochs(d.DataLoader(
        _Stream(lib, 3, False), batch_size=2, num_workers=2), lib, 1),
    "workers, init function": lambda lib, d: _epochs(d.DataLoader(
        _Noisy(lib, 4), batch_size=1, num_workers=2,
        worker_init_fn=lambda i: lib.manual_seed(100 + i)), lib, 1),
}


@pytest.mark.parametrize("scenario", STREAMS.values(), ids=STREAMS.keys())
def test_iterable_datasets_and_workers_as_pytorch(scenario: Any) -> None:
    _same(scenario)


def test_pin_memory_warns_on_each_pass_as_pytorch_without_an_accelerator() -> None:
    def passes(lib: Any) -> list[Any]:
        data = lib.utils.data.TensorDataset(lib.arange(6.0).reshape(3, 2))
        loader = lib.utils.data.DataLoader(data, batch_size=2, pin_memory=True)
        out = []
        for _ in range(2):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                batches = [b[0].tolist() for b in loader]
            out.append((batches, [(w.category, str(w.message)) for w in caught]))
        return out
    assert passes(symgrad) == passes(torch)


def test_tensor_memory_questions_as_pytorch_on_a_cpu() -> None:
    def answers(lib: Any) -> list[Any]:
        t = lib.ones(2, 3)
        view = t[0]
        out: list[Any] = [t.is_pinned(), t.is_shared(), view.is_shared()]
        out += [t.share_memory_() is t, t.is_shared(), view.is_shared(),
                lib.ones(2).is_shared()]
        try:
            t.pin_memory()
        except RuntimeError as e:
            out.append(str(e))
        return out
    assert answers(symgrad) == answers(torch)
