"""Grad mode: whether operations record the graph (``no_grad``, ``enable_grad``, ...).

Grad mode belongs to a thread, as in PyTorch: switching it in one thread leaves the others
recording, and a new thread starts with grad enabled. Each switch is a context manager (the
mode before it is restored on exit, even after an exception) and a decorator.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """Grad mode, one per thread as in PyTorch: a thread starts with grad enabled, whatever
    the mode of the thread that started it (the class attribute is every thread's default).

    Beside it, the pending gradients of the backward the thread is running (``graph.
    run_backward``'s), which a custom Function's backward runs beside, and whether that
    backward was asked for some inputs' gradients only (``autograd.grad``, ``backward(inputs=
    ...)``; a reentrant checkpoint refuses those): kept here, where ``run_backward`` already
    reads the mode, not in a second per-thread object."""

    enabled = True
    inference = False  # inside ``inference_mode()`` (``torch.is_inference_mode_enabled``)
    pending: dict[Any, Any] | None = None
    capturing = False
    # ``saved_tensors_hooks`` (``saved_tensors.py``): the thread's pairs of pack and unpack
    # hooks, the innermost (the one applied; None without any), and the message
    # ``disable_saved_tensors_hooks`` refuses them with.
    saved_hooks_stack: tuple[tuple[Callable[..., Any], Callable[..., Any]], ...] = ()
    saved_hooks: tuple[Callable[..., Any], Callable[..., Any]] | None = None
    saved_hooks_disabled: str | None = None


_state = _State()


def is_grad_enabled() -> bool:
    """Whether operations record the graph right now.

    >>> import symgrad
    >>> with symgrad.no_grad():
    ...     symgrad.is_grad_enabled()
    False
    """
    return _state.enabled


class _GradMode:
    """A grad-mode switch usable as a context manager and as a decorator."""

    def __init__(self, mode: bool) -> None:
        self._mode = mode
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(_state.enabled)
        _state.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self._prev.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(self._mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Disable graph recording, as a context manager or decorator.

    Inside, results of operations do not require grad even when their inputs do: use it for
    evaluation and for updating parameters in place. Takes no arguments.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> with symgrad.no_grad():
    ...     (x * 2).requires_grad
    False
    >>> @symgrad.no_grad()
    ... def doubled(t):
    ...     return t * 2
    >>> doubled(x).requires_grad, (x * 2).requires_grad
    (False, True)
    """

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """Enable graph recording inside a ``no_grad`` region. Takes no arguments.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> with symgrad.no_grad(), symgrad.enable_grad():
    ...     (x * 2).requires_grad
    True
    """

    def __init__(self) -> None:
        super().__init__(True)


class set_grad_enabled(_GradMode):
    """Set grad mode: a plain call takes effect at once; also a context manager or decorator.

    Args:
        mode: True to record operations, False not to.

    >>> import symgrad
    >>> _ = symgrad.set_grad_enabled(False); symgrad.is_grad_enabled()
    False
    >>> _ = symgrad.set_grad_enabled(True)
    >>> with symgrad.set_grad_enabled(False):
    ...     symgrad.is_grad_enabled()
    False
    >>> symgrad.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        super().__init__(bool(mode))
        self._prev.append(_state.enabled)
        _state.enabled = self._mode

    def __enter__(self) -> None:
        pass


class inference_mode(_GradMode):
    """Like ``no_grad`` (symgrad has no separate inference tensors), as a context manager or
    decorator; ``mode=False`` leaves inference mode and enables grad, as PyTorch's does.
    ``is_inference_mode_enabled`` says whether one is active.

    Args:
        mode: True to stop recording, as ``no_grad``; False to record (inside an
            ``inference_mode()``, to leave it). Defaults to True.

    >>> import symgrad
    >>> with symgrad.inference_mode():
    ...     symgrad.is_grad_enabled(), symgrad.is_inference_mode_enabled()
    (False, True)
    >>> with symgrad.no_grad(), symgrad.inference_mode(mode=False):
    ...     symgrad.is_grad_enabled(), symgrad.is_inference_mode_enabled()
    (True, False)
    """

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)
        self._inference = bool(mode)
        self._prev_inference: list[bool] = []

    def __enter__(self) -> None:
        self._prev_inference.append(_state.inference)
        _state.inference = self._inference
        super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        _state.inference = self._prev_inference.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(self._inference):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode()`` is active in this thread.

    >>> import symgrad
    >>> symgrad.is_inference_mode_enabled()
    False
    """
    return _state.inference
