"""Activation checkpointing, as ``torch.utils.checkpoint.checkpoint``: a part of a network run
without keeping its graph, and run again during backward to get its gradients.

The reentrant variant (``use_reentrant=True``, PyTorch's default when the argument is not
given, with its warning) is PyTorch's: a custom Function that runs the part under ``no_grad``
and reruns it with grad in its backward (so it needs an input that requires grad, and refuses
``autograd.grad``). The non-reentrant variant (``use_reentrant=False``) gives the same values
and gradients; symgrad records its graph as usual rather than trading compute for memory.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any

from symgrad.autograd import grad_mode
from symgrad.autograd.function import Function
from symgrad.tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn"]


def noop_context_fn() -> tuple[contextlib.AbstractContextManager[Any],
                               contextlib.AbstractContextManager[Any]]:
    """Two contexts that do nothing: ``checkpoint``'s default ``context_fn``.

    >>> noop_context_fn()[0].__class__.__name__
    'nullcontext'
    """
    return contextlib.nullcontext(), contextlib.nullcontext()


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable[[], Any] = noop_context_fn,
               determinism_check: str = "default", debug: bool = False,
               early_stop: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, whose graph is rebuilt in the backward pass.

    Args:
        function: The part of the computation, e.g. a module.
        *args: Its arguments.
        use_reentrant: Which variant (see the module's text); None warns, as PyTorch does,
            and takes the reentrant one. Defaults to None.
        context_fn: Two contexts for the forward and its rerun (non-reentrant variant only).
            Defaults to ``noop_context_fn``.
        determinism_check: Accepted (non-reentrant variant only). Defaults to "default".
        debug: Accepted (non-reentrant variant only). Defaults to False.
        early_stop: Accepted (non-reentrant variant only). Defaults to True.
        **kwargs: Keyword arguments of ``function`` (non-reentrant variant only), and
            ``preserve_rng_state`` (default True): the rerun draws the same random numbers.

    >>> import symgrad
    >>> layer = symgrad.nn.Linear(2, 2)
    >>> x = symgrad.ones(1, 2, requires_grad=True)
    >>> out = checkpoint(layer, x, use_reentrant=True)
    >>> out.grad_fn.name()
    'CheckpointFunctionBackward'
    >>> out.sum().backward(); layer.weight.grad
    tensor([[1., 1.],
            [1., 1.]])
    """
    del determinism_check, early_stop  # see Args
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly. Starting in PyTorch 2.9, calling checkpoint without "
                      "use_reentrant will raise an exception. use_reentrant=False is "
                      "recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    forward_context, _ = context_fn()
    with forward_context:
        return function(*args, **kwargs)


class CheckpointFunction(Function):
    """The reentrant checkpoint: forward without a graph, rerun with one in backward.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> y = CheckpointFunction.apply(lambda t: (t * t).sum(), True, x)
    >>> y.backward(); x.grad
    tensor([2., 4.])
    """

    @staticmethod
    def forward(ctx: Any, run_function: Callable[..., Any], preserve_rng_state: bool,
                *args: Any) -> Any:
        """Run the function (grad mode is off here).

        Args:
            ctx: The call's context.
            run_function: The function.
            preserve_rng_state: Keep the random state to rerun it with.
            *args: Its arguments.
        """
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          stacklevel=4)
        ctx.run_function = run_function
        ctx.random_state = None
        if preserve_rng_state:
            from symgrad.random import get_rng_state

            ctx.random_state = get_rng_state()
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        return run_function(*args)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:
        """Rerun the function with grad, then backward through it: the inputs' gradients
        (the parameters it uses get theirs on the way).

        Args:
            ctx: The call's context.
            *grads: The gradients of the outputs.
        """
        from symgrad import autograd, random

        if grad_mode._state.capturing:
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                "passing an `inputs` parameter to .backward(). To resolve this error, you can "
                "either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument.")
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors, strict=True):
            inputs[i] = t.detach().requires_grad_(t.requires_grad)
        current = random.get_rng_state()
        if ctx.random_state is not None:  # the rerun draws what the forward drew
            random.set_rng_state(ctx.random_state)
        try:
            with grad_mode.enable_grad():
                outputs = ctx.run_function(*inputs)
        finally:
            random.set_rng_state(current)
        outputs = (outputs,) if isinstance(outputs, Tensor) else outputs
        pairs = [(o, g) for o, g in zip(outputs, grads, strict=False)
                 if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not "
                               "necessary")
        autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(x.grad if isinstance(x, Tensor) else None for x in inputs)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """``functions`` applied in turn to ``input``, split into ``segments`` parts of equal
    length, each part but the last checkpointed (``checkpoint``): only the parts' inputs are
    kept for the backward pass, as PyTorch's.

    Args:
        functions: An ``nn.Sequential`` (its children) or a list of functions.
        segments: The number of parts (``len(functions) // segments`` functions each; the last
            part takes what is left).
        input: The first function's input.
        use_reentrant: Which variant of ``checkpoint``; None warns, as PyTorch does, and
            takes the reentrant one. Defaults to None.
        **kwargs: ``preserve_rng_state`` (default True): each rerun draws the same random
            numbers.

    >>> import symgrad
    >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 2), symgrad.nn.Tanh(),
    ...                             symgrad.nn.Linear(2, 1))
    >>> x = symgrad.ones(1, 2, requires_grad=True)
    >>> out = checkpoint_sequential(net, 2, x, use_reentrant=False)
    >>> out.sum().backward(); x.grad.shape
    symgrad.Size([1, 2])
    """
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant "
                      "parameter should be passed explicitly. In version 2.9 we will raise an "
                      "exception if use_reentrant is not passed. use_reentrant=False is "
                      "recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from symgrad.nn.modules import Sequential

    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start: int, end: int) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for f in functions[start:end + 1]:
                x = f(x)
            return x

        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
