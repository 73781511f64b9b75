"""Hooks on the tensors a node saves for backward, as ``torch.autograd.graph``'s.

Inside ``saved_tensors_hooks(pack, unpack)``, each tensor an op saves as it is recorded goes
through ``pack`` (under ``no_grad``), and the node keeps what ``pack`` returns instead of the
tensor; backward hands it to ``unpack`` (in the backward's grad mode) each time it reads it and
uses the tensor that returns. The hooks are per thread; nested, the innermost pair alone
applies. ``disable_saved_tensors_hooks(message)`` makes any use of them raise
``RuntimeError(message)``.

As in PyTorch, a saved tensor with hooks is not checked for in-place changes (the node no
longer holds it), and an input whose saved value no gradient reads (``x * c`` for a constant
``c`` reads ``x`` only for ``c``'s gradient: ``OpDef.needed_by``) is not saved, so not packed.
What is packed is what symgrad's node saves, which is PyTorch's but for these: the constant a
Python number becomes (``x * 2.0``: PyTorch saves its wrapped number without hooks); an op's
saved attrs (index arrays), which are not tensors; and the input symgrad's VJP computes an
exact gradient from where PyTorch's reads the result alone (tanh, sigmoid), so
an unpack that changes values changes the gradient otherwise there.

The engine's cost when no hooks are set: one test in ``registry._record`` as it records a
node, of a process-wide count (``ACTIVE``): a per-thread flag costs 45 ns a read, 9 times as
much.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from symgrad.autograd import grad_mode

if TYPE_CHECKING:
    from symgrad.autograd.graph import Node
    from symgrad.tensor import Tensor

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]

_state = grad_mode._state


class _Active:
    """How many ``saved_tensors_hooks`` blocks are open, in all threads: nodes are recorded
    past one test of it while there are none, and ``pack_saved`` looks for its own thread's
    hooks (``grad_mode._State.saved_hooks``) otherwise."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def add(self, n: int) -> None:
        with self.lock:
            self.count += n


ACTIVE = _Active()

_PACK_WRITES = ("A saved tensor pack hook is modifying its input in place. Tensors provided as "
                "input to pack hook cannot be modified by in-place operations as this can lead "
                "to unexpected side-effects. Please open an issue if you need to perform "
                "in-place operations on the input to a pack hook.")


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Pack each tensor an op saves for backward while the block runs, and unpack it when
    backward reads it, as PyTorch's ``torch.autograd.graph.saved_tensors_hooks``.

    ``pack(tensor)`` runs as the op is recorded, under ``no_grad``, and returns anything; the
    node keeps that instead of the tensor. ``unpack(packed)`` runs each time backward reads
    it (in the backward's grad mode), and returns the tensor backward uses. The hooks are the
    thread's own; nested, only the innermost pair applies.

    Args:
        pack_hook: Called with each saved tensor; its result is kept.
        unpack_hook: Called with what ``pack_hook`` returned; returns a tensor.

    >>> import symgrad
    >>> from symgrad.autograd.graph import saved_tensors_hooks
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> with saved_tensors_hooks(lambda t: t.tolist(), lambda v: symgrad.tensor(v) * 10):
    ...     y = x * x
    >>> y.sum().backward(); x.grad  # each factor read back as 10 times itself
    tensor([20., 40.])
    """

    def __init__(self, pack_hook: Callable[[Tensor], Any],
                 unpack_hook: Callable[[Any], Tensor]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if _state.saved_hooks_disabled is not None:
            raise RuntimeError(_state.saved_hooks_disabled)
        _state.saved_hooks_stack += ((self.pack_hook, self.unpack_hook),)
        _state.saved_hooks = _state.saved_hooks_stack[-1]
        ACTIVE.add(1)

    def __exit__(self, *exc: object) -> None:
        _state.saved_hooks_stack = _state.saved_hooks_stack[:-1]
        _state.saved_hooks = _state.saved_hooks_stack[-1] if _state.saved_hooks_stack else None
        ACTIVE.add(-1)


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Keep saved tensors on the CPU until backward, as PyTorch's
    ``torch.autograd.graph.save_on_cpu``. symgrad's tensors are all on the CPU: the node
    keeps each tensor as it is (``tensor.cpu()``), or a copy with ``pin_memory`` (PyTorch
    copies into a new tensor there, pinned where CUDA is available).

    Args:
        pin_memory: Copy each saved tensor. Defaults to False.
        device_type: The accelerator's name (PyTorch's; unused). Defaults to ``"cuda"``.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> with symgrad.autograd.graph.save_on_cpu():
    ...     y = (x * x).sum()
    >>> y.backward(); x.grad
    tensor([2., 4.])
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor: Tensor) -> tuple[Any, Tensor]:
            return tensor.device, tensor.clone() if pin_memory else tensor.cpu()

        def unpack_from_cpu(packed: tuple[Any, Tensor]) -> Tensor:
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    """Refuse saved tensors hooks while the block runs, as PyTorch's
    ``torch.autograd.graph.disable_saved_tensors_hooks``: setting hooks inside it, or entering
    it while hooks are set, raises ``RuntimeError(error_message)``.

    Args:
        error_message: The message of the RuntimeError.

    >>> import symgrad
    >>> from symgrad.autograd.graph import disable_saved_tensors_hooks, save_on_cpu
    >>> with disable_saved_tensors_hooks("no hooks here"):
    ...     with save_on_cpu():
    ...         pass
    Traceback (most recent call last):
    ...
    RuntimeError: no hooks here
    """
    previous = _state.saved_hooks_disabled
    try:
        if _state.saved_hooks_stack:
            raise RuntimeError(error_message)
        _state.saved_hooks_disabled = error_message
        yield
    finally:
        _state.saved_hooks_disabled = previous


class _Packed:
    """What ``pack`` returned for one saved tensor, with the ``unpack`` that reads it back."""

    __slots__ = ("packed", "unpack_hook")

    def __init__(self, packed: Any, unpack_hook: Callable[[Any], Tensor]) -> None:
        self.packed = packed
        self.unpack_hook = unpack_hook

    def unpacked(self) -> Tensor:
        from symgrad.tensor import Tensor

        t = self.unpack_hook(self.packed)
        if not isinstance(t, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(t).__name__}")
        return t


class PackedSaved(tuple):
    """A node's saved entries (``Node._saved``: pairs of a tensor and its version) where some
    tensors were packed: iterating unpacks them, as backward reads them (``Node.unpack``), each
    with its own version, which passes the check for in-place changes (PyTorch checks none
    with hooks).

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> with saved_tensors_hooks(lambda t: t.tolist(), symgrad.tensor):
    ...     y = x.exp()
    >>> type(y.grad_fn._saved).__name__, y.grad_fn._saved[0].packed
    ('PackedSaved', [2.7182817459106445])
    """

    def __iter__(self) -> Iterator[Any]:
        for entry in tuple.__iter__(self):
            if type(entry) is _Packed:
                t = entry.unpacked()
                yield t, t._version
            else:
                yield entry


def pack_saved(node: Node, out: Tensor | None) -> None:
    """Pack what ``node``, just recorded with result ``out``, saved, if the thread has hooks
    set: its saved inputs that a gradient reads, and its result if the VJP reads it. The
    result of an op whose VJP computes it again from the input (``OpDef.checks_out``: tanh)
    is not saved, so not packed, and no longer checked for in-place changes, as PyTorch's
    saved result with hooks is not.

    Args:
        node: The new node.
        out: Its result (None for a custom Function's node, which saves its tensors itself).

    >>> import symgrad
    >>> x, c = symgrad.tensor([2.0], requires_grad=True), symgrad.tensor([3.0])
    >>> packed = []
    >>> with saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: t):
    ...     y = x * c  # x's gradient reads c; c, a constant, needs none, so x is not saved
    >>> packed
    [tensor([3.])]
    """
    from symgrad.autograd.graph import _unread

    hooks = _state.saved_hooks
    if hooks is None or not node._saved and node._out_ref is None:
        return  # (another thread's hooks, or nothing saved)
    pack, unpack = hooks
    first = len(node.op.saves_attrs)  # the attrs' entries, not tensors (``registry._record``)
    entries = [entry if k < first or _unread(node, k) else _pack(entry[0], pack, unpack)
               for k, entry in enumerate(node._saved)]
    if node._out_data is not None:
        entries.append(_pack(out, pack, unpack))
    node._out_data = node._out_ref = None
    node._saved = PackedSaved(entries)


def _pack(t: Tensor, pack: Callable[[Tensor], Any], unpack: Callable[[Any], Tensor]) -> _Packed:
    """``pack(t)`` under ``no_grad``, refused if it wrote into ``t``."""
    version = t._version
    with grad_mode.no_grad():
        packed = pack(t)
    if t._version != version:
        raise RuntimeError(_PACK_WRITES)
    return _Packed(packed, unpack)
