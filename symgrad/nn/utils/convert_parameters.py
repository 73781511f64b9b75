"""A model's parameters as one vector and back, as ``torch.nn.utils``'s
``parameters_to_vector`` and ``vector_to_parameters``."""

from __future__ import annotations

from collections.abc import Iterable

from symgrad.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined into one vector, in order (differentiable: the
    vector's gradient reaches each parameter).

    Args:
        parameters: The tensors, e.g. ``model.parameters()``.

    >>> import symgrad
    >>> lin = symgrad.nn.Linear(3, 2)
    >>> parameters_to_vector(lin.parameters()).shape
    symgrad.Size([8])
    """
    from symgrad import cat

    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Put consecutive slices of ``vec`` into the parameters' ``data``, in order, each
    reshaped to its parameter (the parameters then view ``vec``'s memory, as in PyTorch).

    Args:
        vec: One vector with at least as many elements as the parameters together.
        parameters: The tensors to fill, e.g. ``model.parameters()``.

    >>> import symgrad
    >>> lin = symgrad.nn.Linear(2, 1)
    >>> vector_to_parameters(symgrad.tensor([1.0, 2.0, 3.0]), lin.parameters())
    >>> lin.weight, lin.bias
    (Parameter containing:
    tensor([[1., 2.]], requires_grad=True), Parameter containing:
    tensor([3.], requires_grad=True))
    """
    from symgrad.nn.module_tree import _typename

    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
