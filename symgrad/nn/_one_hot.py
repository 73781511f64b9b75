"""``one_hot``: class indices as rows of zeros with a one, as ``torch.nn.functional.one_hot``.

An integer result with no gradient (PyTorch's is not differentiable either), so no registry
op and no meaning for the judge: nothing flows through it.
"""

from __future__ import annotations

import numpy as np

from symgrad.ops.arguments import tensor_args
from symgrad.ops.triangular import int_arg
from symgrad.tensor import Tensor


def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices of any shape ``(*)`` as an int64 tensor of shape ``(*, num_classes)``:
    zeros, and a one where the last index equals the class.

    Not differentiable (the result is an integer tensor, as in PyTorch).

    Args:
        input: An int64 tensor of class values, each ``0 <= value < num_classes``
            (PyTorch's documentation calls it ``tensor``; its keyword is ``input``).
        num_classes: The number of classes. Defaults to -1: one more than the largest value.

    Raises:
        RuntimeError: As PyTorch does, for a tensor that is not int64, a negative class
            value, one not smaller than ``num_classes``, or an empty tensor without
            ``num_classes``.

    >>> import symgrad
    >>> import symgrad.nn.functional as F
    >>> F.one_hot(symgrad.tensor([0, 2, 1]))
    tensor([[1, 0, 0],
            [0, 0, 1],
            [0, 1, 0]])
    >>> F.one_hot(symgrad.tensor([[1], [0]]), num_classes=4).shape
    symgrad.Size([2, 1, 4])
    """
    tensor_args("one_hot", input=input)
    if num_classes is None or isinstance(num_classes, bool) or not hasattr(num_classes,
                                                                          "__index__"):
        # PyTorch names the position of a value given by position only (None: by keyword).
        where = "" if num_classes is None else " (position 2)"
        raise TypeError(f"one_hot(): argument 'num_classes'{where} must be int, not "
                        f"{type(num_classes).__name__}")
    num_classes = int_arg("one_hot", "num_classes", 2, num_classes)
    x = input._data
    if x.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if x.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return Tensor._make(np.zeros(x.shape + (num_classes,), np.int64), False, None)
    if x.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(x.max()) + 1
    elif not num_classes > x.max():
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (x[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._make(out, False, None)

