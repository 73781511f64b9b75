"""Reflection and replication padding (``nn.functional.pad``'s ``"reflect"`` and
``"replicate"`` modes), as PyTorch's ``reflection_pad{1,2,3}d`` and
``replication_pad{1,2,3}d``: one op per mode and number of padded dims, each recording the node
PyTorch records (``ReflectionPad2DBackward0``), whose VJP is PyTorch's
``reflection_pad2d_backward`` as an op of its own (``ReflectionPad2DBackwardBackward0``), so a
gradient stays on the graph to any order: the backward op sums ``grad_output`` into the input
place each output place was read from, and its own VJP is the forward pad again (zero in
``self``, as PyTorch declares).

Output place ``j`` along a padded dim of size ``n`` with ``before`` places added in front reads
input place ``p = j - before``, taken back into ``[0, n)``: reflected about the end places
(``-p``, ``2 (n - 1) - p``) or clamped to them. A negative width crops, as in PyTorch.

>>> import symgrad
>>> x = symgrad.tensor([[0.0, 1.0, 2.0]], requires_grad=True)
>>> y = reflection_pad1d(x, (2, 1))
>>> y, replication_pad1d(x, (2, -1))
(tensor([[2., 1., 0., 1., 2., 1.]], grad_fn=<ReflectionPad1DBackward0>), \
tensor([[0., 0., 0., 1.]], grad_fn=<ReplicationPad1DBackward0>))
"""

from __future__ import annotations

import math

import numpy as np

from symgrad import _dtypes
from symgrad.autocast_policy import autocasts
from symgrad.ops.registry import ALL, apply, defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["reflection_pad1d", "reflection_pad2d", "reflection_pad3d", "replication_pad1d",
           "replication_pad2d", "replication_pad3d"]

_NO_BOOL = ALL - {_dtypes.bool}


def _positions(mode: str, size: int, before: int, after: int) -> np.ndarray:
    """The input place each output place reads along one dim (see the module docstring)."""
    p = np.arange(-before, size + after, dtype=np.int64)
    if mode == "reflection":
        p = np.abs(p)
        return np.where(p > size - 1, 2 * (size - 1) - p, p)
    return np.clip(p, 0, size - 1)


def _grids(mode: str, shape: tuple[int, ...], padding: tuple[int, ...]) -> list[np.ndarray]:
    """Per padded dim, the last dim's last: the input places read (``padding`` pairs the last
    dim's first, as ``pad`` takes them)."""
    k = len(padding) // 2
    return [_positions(mode, shape[len(shape) - k + i], padding[2 * (k - 1 - i)],
                       padding[2 * (k - 1 - i) + 1]) for i in range(k)]


def _pad(mode: str, x: np.ndarray, padding: tuple[int, ...]) -> np.ndarray:
    # A gather: every output value is an input value, bit for bit.
    return x[(Ellipsis, *np.ix_(*_grids(mode, x.shape, padding)))]


def _pad_backward(mode: str, grad_output: np.ndarray, self: np.ndarray,
                  padding: tuple[int, ...]) -> np.ndarray:
    # PyTorch's CPU kernel adds each output place's gradient into its input place in the
    # output's row-major order, in the tensor's dtype; ``np.add.at`` adds in the order given,
    # so the sums of up to 3**k terms round as PyTorch's do (bit for bit, float16 included).
    k = len(padding) // 2
    lead, spatial = self.shape[:self.ndim - k], self.shape[self.ndim - k:]
    grids = np.meshgrid(*_grids(mode, self.shape, padding), indexing="ij")
    flat = np.ravel_multi_index(tuple(grids), spatial).reshape(-1)
    rows = math.prod(lead)
    out = np.zeros((rows, math.prod(spatial)), dtype=self.dtype)
    g = grad_output.astype(self.dtype, copy=False).reshape(rows, flat.size)
    if out.size and flat.size:
        np.add.at(out, (slice(None), flat), g)
    return out.reshape(self.shape)


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._make(np.zeros(t.shape, t._data.dtype), False, None)


# -- the ops: one pad and one backward per mode and number of dims -----------------------------
PAD_OPS: dict[tuple[str, int], object] = {}
PAD_BACKWARD_OPS: dict[tuple[str, int], object] = {}


def _declare(mode: str, dims: int) -> None:
    name = f"{mode}_pad{dims}d"
    node = f"{mode.capitalize()}Pad{dims}D"

    def forward(self: np.ndarray, *, padding: tuple[int, ...]) -> np.ndarray:
        return _pad(mode, self, padding)

    def backward(grad_output: np.ndarray, self: np.ndarray, *, padding: tuple[int, ...]
                 ) -> np.ndarray:
        return _pad_backward(mode, grad_output, self, padding)

    forward.__doc__ = (f"``self`` padded by {mode} of its end places over its last {dims} "
                       "dim(s), ``padding`` pairs (before, after) the last dim's first.")
    backward.__doc__ = (f"{name}'s gradient in ``self``: each place of ``grad_output`` summed "
                        "into the input place it was read from.")

    def vjp(g: Tensor, self: Tensor, *, padding: tuple[int, ...]) -> Tensor:
        return apply(PAD_BACKWARD_OPS[mode, dims], g, self, padding=padding)

    def backward_vjp(g: Tensor, self: Tensor, *, padding: tuple[int, ...]
                     ) -> tuple[Tensor, Tensor]:
        return apply(PAD_OPS[mode, dims], g, padding=padding), _zeros_like(self)

    PAD_OPS[mode, dims] = defop(
        name, f"{node}Backward0", forward, vjp=vjp, dtype_rule="same", dtypes=_NO_BOOL,
        kind="shape", differentiable=("self",),
        refuses=not_implemented(name, (_dtypes.bool,)))
    PAD_BACKWARD_OPS[mode, dims] = defop(
        f"{name}_backward", f"{node}BackwardBackward0", backward, vjp=backward_vjp,
        dtype_rule="same", kind="shape", differentiable=("grad_output", "self"),
        refuses=not_implemented(f"{name}_backward", _dtypes.NOT_FLOATING))


for _mode in ("reflection", "replication"):
    for _dims in (1, 2, 3):
        _declare(_mode, _dims)


# -- PyTorch's checks ----------------------------------------------------------------------------
_LETTERS = "DHW"


def _check(mode: str, input: Tensor, padding: tuple[int, ...]) -> None:
    """PyTorch's checks of ``reflection_pad{k}d`` / ``replication_pad{k}d``, in its order."""
    k = len(padding) // 2
    shape = tuple(input.shape)
    ndim = len(shape)
    if ndim not in (k + 1, k + 2) or any(s == 0 for s in shape[ndim - k - 1:]) or (
            ndim == k + 1 and shape[0] == 0):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                           "batch size and other non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    sizes = shape[ndim - k:]
    pairs = [(padding[2 * (k - 1 - i)], padding[2 * (k - 1 - i) + 1]) for i in range(k)]
    if mode == "reflection":
        # the last dim's pair first (PyTorch's argument #4, then #6, #8)
        for i in reversed(range(k)):
            before, after = pairs[i]
            if not (before < sizes[i] and after < sizes[i]):
                raise RuntimeError(
                    f"Argument #{4 + 2 * (k - 1 - i)}: Padding size should be less than the "
                    "corresponding input dimension, but got: padding "
                    f"({before}, {after}) at dimension {ndim - k + i} of input {list(shape)}")
    out = [s + b + a for s, (b, a) in zip(sizes, pairs, strict=True)]
    if all(o < 1 for o in out):
        letters = _LETTERS[3 - k:]
        if k == 1:
            sizes_text, out_text = f"W: {sizes[0]}", f"W: {out[0]}"
        elif k == 2:
            space = "" if mode == "reflection" else " "  # PyTorch's replication message has one
            sizes_text = f"H: {sizes[0]}, W: {sizes[1]}{space}"
            out_text = f"H: {out[0]} W: {out[1]}"
        else:
            sizes_text = f"D: {sizes[0]} H: {sizes[1]}, W: {sizes[2]}"
            out_text = " ".join(f"{c}: {o}" for c, o in zip(letters, out, strict=True))
        raise RuntimeError(f"input ({sizes_text}) is too small. Calculated output {out_text}")
    if any(o < 0 for o in out):
        if mode == "reflection" and k == 2:
            raise RuntimeError("numel: integer multiplication overflow")
        full = list(shape[:ndim - k]) + out
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(o for o in full if o < 0)}: {full}")


@autocasts("fp32")  # reflection and replication pads: PyTorch's autocast lists them
def _padded(mode: str, dims: int, input: Tensor, padding: tuple[int, ...]) -> Tensor:
    padding = tuple(int(p) for p in padding)
    if len(padding) != 2 * dims:
        raise RuntimeError(f"padding size is expected to be {2 * dims}, but got: "
                           f"{len(padding)}")
    _check(mode, input, padding)
    return apply(PAD_OPS[mode, dims], input, padding=padding)


def reflection_pad1d(input: Tensor, padding: tuple[int, int]) -> Tensor:
    """``input`` (``(C, W)`` or ``(N, C, W)``) padded by reflection of its last dim.

    Args:
        input: The tensor.
        padding: ``(left, right)``, each less than the width; negative widths crop.

    >>> import symgrad
    >>> reflection_pad1d(symgrad.tensor([[1.0, 2.0, 3.0]]), (1, 2))
    tensor([[2., 1., 2., 3., 2., 1.]])
    """
    return _padded("reflection", 1, input, padding)


def reflection_pad2d(input: Tensor, padding: tuple[int, int, int, int]) -> Tensor:
    """``input`` (``(C, H, W)`` or ``(N, C, H, W)``) padded by reflection of its last two dims.

    Args:
        input: The tensor.
        padding: ``(left, right, top, bottom)``, each less than its dim's size.

    >>> import symgrad
    >>> reflection_pad2d(symgrad.tensor([[[1.0, 2.0], [3.0, 4.0]]]), (1, 0, 0, 1))
    tensor([[[2., 1., 2.],
             [4., 3., 4.],
             [2., 1., 2.]]])
    """
    return _padded("reflection", 2, input, padding)


def reflection_pad3d(input: Tensor, padding: tuple[int, ...]) -> Tensor:
    """``input`` (``(C, D, H, W)`` or ``(N, C, D, H, W)``) padded by reflection of its last three
    dims.

    Args:
        input: The tensor.
        padding: ``(left, right, top, bottom, front, back)``, each less than its dim's size.

    >>> import symgrad
    >>> reflection_pad3d(symgrad.ones(1, 2, 2, 2), (1, 1, 1, 1, 1, 1)).shape
    symgrad.Size([1, 4, 4, 4])
    """
    return _padded("reflection", 3, input, padding)


def replication_pad1d(input: Tensor, padding: tuple[int, int]) -> Tensor:
    """``input`` (``(C, W)`` or ``(N, C, W)``) padded with copies of its last dim's end places.

    Args:
        input: The tensor.
        padding: ``(left, right)``; negative widths crop.

    >>> import symgrad
    >>> replication_pad1d(symgrad.tensor([[1.0, 2.0]]), (2, 1))
    tensor([[1., 1., 1., 2., 2.]])
    """
    return _padded("replication", 1, input, padding)


def replication_pad2d(input: Tensor, padding: tuple[int, int, int, int]) -> Tensor:
    """``input`` (``(C, H, W)`` or ``(N, C, H, W)``) padded with copies of its edges.

    Args:
        input: The tensor.
        padding: ``(left, right, top, bottom)``.

    >>> import symgrad
    >>> replication_pad2d(symgrad.tensor([[[1.0, 2.0]]]), (0, 1, 1, 0))
    tensor([[[1., 2., 2.],
             [1., 2., 2.]]])
    """
    return _padded("replication", 2, input, padding)


def replication_pad3d(input: Tensor, padding: tuple[int, ...]) -> Tensor:
    """``input`` (``(C, D, H, W)`` or ``(N, C, D, H, W)``) padded with copies of its faces.

    Args:
        input: The tensor.
        padding: ``(left, right, top, bottom, front, back)``.

    >>> import symgrad
    >>> replication_pad3d(symgrad.ones(1, 1, 1, 1), (1, 1, 0, 0, 2, 0)).shape
    symgrad.Size([1, 3, 1, 3])
    """
    return _padded("replication", 3, input, padding)


# -- circular padding: PyTorch's composite, in the same in-place copies -------------------------
def pad_circular(input: Tensor, padding: tuple[int, ...]) -> Tensor:
    """``input`` padded circularly over its last ``len(padding) // 2`` dims: PyTorch's
    ``_pad_circular``, which writes the cropped input into a new tensor and then copies its own
    slices into the pads, one dim after another (so the node users see is ``CopySlices``).

    Args:
        input: The tensor, with one or two dims before the padded ones.
        padding: Pairs ``(before, after)``, the last dim's first; each at most its dim's size
            (negative widths crop, and the wrap reads the cropped tensor).

    >>> import symgrad
    >>> pad_circular(symgrad.tensor([[1.0, 2.0, 3.0]], requires_grad=True), (1, 2))
    tensor([[3., 1., 2., 3., 1., 2.]], grad_fn=<CopySlices>)
    """
    padding = tuple(int(p) for p in padding)
    shape = tuple(input.shape)
    ndim = len(shape)
    k = len(padding) // 2
    if ndim - k not in (1, 2):
        raise RuntimeError("Invalid padding size, expected 1 or 2 non-padded dimensions, which "
                           f"would be equivalent to padding of length {(ndim - 1) * 2} or "
                           f"{(ndim - 2) * 2} respectively but got {len(padding)}")
    out_shape = list(shape)
    for i in range(k):
        before, after = padding[2 * (k - i - 1)], padding[2 * (k - i - 1) + 1]
        size = shape[ndim - k + i]
        out_shape[ndim - k + i] = size + before + after
        if not (before <= size and after <= size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out_shape[ndim - k + i] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    # PyTorch's new_empty leaves the places no copy writes (a wrap reading the cropped-away
    # side, as with (4, -2) on a width of 4) uninitialised: here they are 0.
    out = input.new_zeros(out_shape)
    out_key: list[slice] = [slice(None)] * ndim
    in_key: list[slice] = [slice(None)] * ndim
    for i in range(k):
        dim = ndim - i - 1
        before, after = padding[2 * i], padding[2 * i + 1]
        # slices, as PyTorch's slice_symint, which clamp where a crop leaves nothing
        out_key[dim] = slice(max(before, 0), out_shape[dim] - max(after, 0))
        in_key[dim] = slice(max(-before, 0), shape[dim] - max(-after, 0))
    out_slice, in_slice = out[tuple(out_key)], input[tuple(in_key)]
    out_slice.copy_(in_slice)
    # Then the pads, one dim after another (corners written more than once), each a copy of
    # the far side of what is written so far; slices clamp, as PyTorch's do.
    for i in range(k):
        dim = ndim - i - 1
        before, after = padding[2 * i], padding[2 * i + 1]
        size = out_shape[dim]
        if before > 0:
            _copy_within(out, out_shape, dim, slice(0, before),
                         slice(size - before - max(after, 0), size - max(after, 0)))
        if after > 0:
            _copy_within(out, out_shape, dim, slice(size - after, size),
                         slice(max(before, 0), max(before, 0) + after))
    return out


def _copy_within(out: Tensor, shape: list[int], dim: int, target: slice, source: slice
                 ) -> None:
    """``out[..., target, ...].copy_(out[..., source, ...])`` along ``dim``, refused as PyTorch's
    ``copy_`` refuses a source partly overlapping its destination, which it can only tell for
    slices dense in memory: those of a tensor whose dims before ``dim`` hold one row (a
    ``(1, W)`` tensor padded along W, not a ``(3, W)`` one)."""
    t0, t1, _ = target.indices(shape[dim])
    s0, s1, _ = source.indices(shape[dim])
    if (math.prod(shape[:dim]) == 1 and math.prod(shape) and t1 > t0 and s1 > s0
            and t0 != s0 and max(t0, s0) < min(t1, s1)):
        raise RuntimeError("unsupported operation: some elements of the input tensor and the "
                           "written-to tensor refer to a single memory location. Please clone() "
                           "the tensor before performing the operation.")
    lead = (slice(None),) * dim
    out[(*lead, target)].copy_(out[(*lead, source)])


# -- nn.functional.pad's other modes -------------------------------------------------------------
_MODE_NAMES = {"reflect": "reflection", "replicate": "replication", "circular": "circular"}


def pad_mode(input: Tensor, pad: tuple[int, ...], mode: str, value: float | None) -> Tensor:
    """``nn.functional.pad`` in a mode other than ``"constant"``, after its length checks:
    PyTorch's refusal of a fill, then of a number of widths the mode has no kernel for
    (two per padded dim, for one or two dims before them), then the mode's op.

    Args:
        input: The tensor.
        pad: The widths, an even number of them, at most two per dim of ``input``.
        mode: ``"reflect"``, ``"replicate"`` or ``"circular"``.
        value: The fill, which these modes refuse unless None or 0.

    >>> import symgrad
    >>> pad_mode(symgrad.tensor([[1.0, 2.0, 3.0]]), (1, 1), "circular", None)
    tensor([[3., 1., 2., 3., 1.]])
    """
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if k not in (1, 2, 3) or input.dim() not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    name = _MODE_NAMES[mode]
    if name == "circular":
        return pad_circular(input, pad)
    return _padded(name, k, input, pad)
