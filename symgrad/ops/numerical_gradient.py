"""``gradient``: the derivative of sampled values by central differences (one-sided at the two
ends, of first or second order), as PyTorch composes it from slices, arithmetic and ``cat``
(CatBackward0), so it is differentiable to any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symgrad.ops.registry import expose, wrap_dim
from symgrad.ops.shape import cat
from symgrad.tensor import Tensor

__all__ = ["gradient"]


def _slice(t: Tensor, dim: int, start: int, stop: int | None = None) -> Tensor:
    """ATen's ``slice(t, dim, start, stop)``, negative ends counting from the end."""
    n = t.shape[dim]
    a = start + n if start < 0 else start
    b = n if stop is None else (stop + n if stop < 0 else stop)
    return t.narrow(dim, a, b - a)


def _uniform(t: Tensor, d: int, h: Any, edge_order: int) -> Tensor:
    center = (_slice(t, d, 2) - _slice(t, d, 0, -2)) / h
    if edge_order == 1:
        prepend = (_slice(t, d, 1, 2) - _slice(t, d, 0, 1)) / h
        append = (_slice(t, d, -1) - _slice(t, d, -2, -1)) / h
    else:
        prepend = (_slice(t, d, 0, 1) * -1.5 + _slice(t, d, 1, 2) * 2
                   - _slice(t, d, 2, 3) * 0.5) / h
        append = (_slice(t, d, -3, -2) * 0.5 + _slice(t, d, -2, -1) * -2
                  + _slice(t, d, -1) * 1.5) / h
    return cat([prepend, center / 2, append], d)


def _coordinates(t: Tensor, d: int, x: Tensor, edge_order: int) -> Tensor:
    """PyTorch's second-order accurate differences on the sample points ``x`` (1-D)."""
    if x.ndim != 1:
        raise RuntimeError("torch.gradient expected each element of spacing to have one "
                           f"dimension, but got an element with {x.ndim} dimensions!")
    shape = [1] * t.ndim
    shape[d] = -1
    dx = x.diff(1, 0)
    dx1, dx2 = _slice(dx, 0, 0, -1), _slice(dx, 0, 1)
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _slice(t, d, 0, -2) + b * _slice(t, d, 1, -1) + c * _slice(t, d, 2)
    if edge_order == 1:
        prepend = (_slice(t, d, 1, 2) - _slice(t, d, 0, 1)) / dx[0]
        append = (_slice(t, d, -1) - _slice(t, d, -2, -1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        prepend = (-(2.0 * h0 + h1) / (h0 * (h0 + h1)) * _slice(t, d, 0, 1)
                   + (h0 + h1) / (h0 * h1) * _slice(t, d, 1, 2)
                   + (-h0) / (h1 * (h0 + h1)) * _slice(t, d, 2, 3))
        h0, h1 = dx[-1], dx[-2]
        append = (h0 / (h1 * (h0 + h1)) * _slice(t, d, -3, -2)
                  + -(h0 + h1) / (h0 * h1) * _slice(t, d, -2, -1)
                  + (2 * h0 + h1) / (h0 * (h0 + h1)) * _slice(t, d, -1))
    return cat([prepend, center, append], d)


def _spacings(input: Tensor, spacing: Any, dims: list[int], dim_given: bool) -> list[Any]:
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if not isinstance(spacing, Sequence):
        return [spacing] * len(dims)
    items = list(spacing)
    if len(items) != len(dims):
        if not dim_given:
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                f"length equal to 'self.dim() = {input.ndim}', since dim argument was not given,"
                f" but got a list of length {len(items)}")
        raise RuntimeError(
            "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim"
            f" arguments to have the same length, but got a spacing argument of length "
            f"{len(items)} and a dim argument of length {len(dims)}.")
    return items


@expose(method=False)
def gradient(input: Tensor, *, spacing: Any = 1, dim: int | Sequence[int] | None = None,
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of ``input``'s values along each of ``dim``, by central differences
    inside and one-sided differences (of order ``edge_order``) at the ends: one tensor per dim.

    Args:
        input: The sampled values.
        spacing: The distance between samples: a number (for every dim), one number per dim,
            or one 1-D tensor of sample points per dim. Defaults to 1.
        dim: A dim or the dims to differentiate along. Defaults to None: every dim.
        edge_order: 1 or 2, the order of accuracy at the ends. Defaults to 1.

    >>> import symgrad
    >>> symgrad.gradient(symgrad.tensor([1.0, 4.0, 9.0, 16.0, 25.0]))
    (tensor([3., 4., 6., 8., 9.]),)
    >>> symgrad.gradient(symgrad.tensor([1.0, 4.0, 9.0, 16.0, 25.0]), spacing=2.0, edge_order=2)
    (tensor([1., 2., 3., 4., 5.]),)
    """
    if dim is None:
        dims = list(range(input.ndim))
    else:
        dims = [wrap_dim(d, input.ndim) for d in ([dim] if isinstance(dim, int) else dim)]
        for n, d in enumerate(dims):
            if d in dims[:n]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    spacings = _spacings(input, spacing, dims, dim is not None)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least "
                           "edge_order+1")
    return tuple(_coordinates(input, d, h, edge_order) if isinstance(h, Tensor)
                 else _uniform(input, d, h, edge_order) for d, h in zip(dims, spacings,
                                                                        strict=True))
