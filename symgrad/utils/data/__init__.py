"""Datasets, samplers and the ``DataLoader``, as ``torch.utils.data`` has them.

A program's data pipeline runs unchanged: the same batches in the same order, and, after the
same ``manual_seed``, the same shuffles and splits as PyTorch's, because every random choice
draws from symgrad's copy of PyTorch's random stream the way PyTorch's code draws from its own.

>>> import symgrad
>>> from symgrad.utils.data import DataLoader, TensorDataset
>>> _ = symgrad.manual_seed(0)
>>> data = TensorDataset(symgrad.arange(6.0), symgrad.arange(6))
>>> [y.tolist() for _, y in DataLoader(data, batch_size=4, shuffle=True)]
[[0, 4, 3, 5], [2, 1]]
"""

from symgrad.utils.data.collate import default_collate, default_convert
from symgrad.utils.data.dataloader import DataLoader, get_worker_info
from symgrad.utils.data.dataset import (
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from symgrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
           "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
           "SubsetRandomSampler", "TensorDataset", "default_collate", "default_convert",
           "WeightedRandomSampler", "get_worker_info", "random_split"]
