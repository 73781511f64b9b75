"""A module's hooks, run as PyTorch's ``nn.Module`` runs them.

Forward pre-hooks see (and may replace) the arguments before ``forward``; forward hooks see
the arguments and the result (and may replace the result). Full backward hooks see the
gradients with respect to the module's positional tensor arguments and its outputs, and may
replace the former; backward pre-hooks see (and may replace) the gradients with respect to the
outputs. For those, a call wraps its tensor arguments, and then its tensor outputs, in an
identity Function (``BackwardHookFunction``, as PyTorch names it), whose node's hooks catch
the gradients going through: the outputs' first, the arguments' after.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from symgrad.autograd import grad_mode
from symgrad.autograd.function import Function
from symgrad.autograd.graph import RemovableHandle
from symgrad.tensor import Tensor

__all__ = ["BackwardHookFunction", "ModuleHooks"]

_BOTH_KINDS = ("Cannot use both regular backward hooks and full backward hooks on a single "
               "Module. Please use only one of them.")
_NO_INPUT_GRAD = ("Full backward hook is firing when gradients are computed with respect to "
                  "module outputs since no inputs require gradients. See "
                  "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                  "#torch.nn.Module.register_full_backward_hook for more details.")
_HOOK_TABLES = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
                "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
                "_backward_pre_hooks", "_backward_hooks")


class BackwardHookFunction(Function):
    """The identity on tensors, whose node a module's backward hooks watch; the arguments
    that do not require grad come out non-differentiable.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> BackwardHookFunction.apply(x)
    (tensor([1.], grad_fn=<BackwardHookFunctionBackward>),)
    """

    @staticmethod
    def forward(ctx: Any, *args: Tensor) -> tuple[Tensor, ...]:
        """The arguments themselves.

        Args:
            ctx: The call's context.
            *args: Tensors.
        """
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:
        """The gradients themselves.

        Args:
            ctx: The call's context.
            *grads: One gradient per argument.
        """
        return grads


class _CallHooks:
    """The full backward hooks and backward pre-hooks of one call of a module."""

    def __init__(self, module: Any, hooks: list[Callable[..., Any]],
                 pre_hooks: list[Callable[..., Any]]) -> None:
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs: tuple[Any, ...] | None = None
        self.n_inputs = self.n_outputs = 0
        self.input_positions: list[int] | None = None
        self.output_positions: list[int] | None = None

    def around_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The arguments, their tensors through the identity whose node catches their
        gradients (when one requires grad)."""
        self.n_inputs = len(args)
        args, self.input_positions = _through_identity(args, self._on_input_node)
        return args

    def around_outputs(self, result: Any) -> Any:
        """The result, its tensors through the identity whose node catches their gradients."""
        if not isinstance(result, Tensor | tuple):
            warnings.warn("For backward hooks to be called, module output should be a Tensor or "
                          f"a tuple of Tensors but received {type(result)}", stacklevel=3)
        outputs = result if isinstance(result, tuple) else (result,)
        self.n_outputs = len(outputs)
        outputs, self.output_positions = _through_identity(outputs, self._on_output_node)
        return outputs if isinstance(result, tuple) else outputs[0]

    def _on_input_node(self, node: Any) -> None:
        def hook(grad_inputs: tuple[Any, ...], _: Any) -> tuple[Any, ...] | None:
            if self.grad_outputs is None:
                # The gradient reached the inputs without going through the outputs (a
                # second-order gradient): not this call's backward.
                return None
            positions = self.input_positions or []
            grads = _spread(positions, grad_inputs, self.n_inputs)
            for user_hook in self.hooks:
                new = user_hook(self.module, grads, self.grad_outputs)
                if new is None:
                    continue
                if len(new) != len(grads):
                    raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                       f"got {len(new)}, but expected {len(grads)}")
                grads = new
            self.grad_outputs = None
            return tuple(grads[i] for i in positions)

        node.register_hook(hook)

    def _on_output_node(self, node: Any) -> None:
        def hook(_: Any, grad_outputs: tuple[Any, ...]) -> tuple[Any, ...] | None:
            positions = self.output_positions or []
            grads = _spread(positions, grad_outputs, self.n_outputs)
            for user_hook in self.pre_hooks:
                new = user_hook(self.module, grads)
                if new is None:
                    continue
                if len(new) != len(grads):
                    raise RuntimeError("Backward pre hook returned an invalid number of "
                                       f"grad_output, got {len(new)}, but expected {len(grads)}")
                grads = new
            self.grad_outputs = grads
            if self.input_positions is None:
                self._call_without_input_grads()
            return tuple(grads[i] for i in positions)

        node.register_hook(hook)

    def _call_without_input_grads(self) -> None:
        """No argument requires grad: the full backward hooks run on the outputs' gradients,
        with None for every argument's, and may not replace them."""
        warnings.warn(_NO_INPUT_GRAD, stacklevel=5)
        none = (None,) * self.n_inputs
        for user_hook in self.hooks:
            new = user_hook(self.module, none, self.grad_outputs)
            if new is not None and not (isinstance(new, tuple) and all(g is None for g in new)):
                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                   "should always return None or None for all gradients.")
        self.grad_outputs = None


def _through_identity(values: tuple[Any, ...], on_node: Callable[[Any], None]
                      ) -> tuple[tuple[Any, ...], list[int] | None]:
    """``values`` with their tensors passed through ``BackwardHookFunction`` (``on_node``
    given its node), and the tensors' positions; unchanged and None when no tensor requires
    grad or grad mode is off."""
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
    tensors = [values[i] for i in positions]
    if not (grad_mode.is_grad_enabled() and any(t.requires_grad for t in tensors)):
        return values, None
    through = BackwardHookFunction.apply(*tensors)
    on_node(next(t.grad_fn for t in through if t.grad_fn is not None))
    out = list(values)
    for i, t in zip(positions, through, strict=True):
        out[i] = t
    return tuple(out), positions


def _spread(positions: list[int], grads: tuple[Any, ...], size: int) -> tuple[Any, ...]:
    """The gradients of the tensors at ``positions`` among ``size`` values; None elsewhere."""
    out: list[Any] = [None] * size
    for i, g in zip(positions, grads, strict=True):
        out[i] = g
    return tuple(out)


class ModuleHooks:
    """What ``nn.Module`` has for hooks: their registration, and the call that runs them."""

    def _init_hooks(self) -> None:
        for name in _HOOK_TABLES:
            object.__setattr__(self, name, OrderedDict())
        object.__setattr__(self, "_is_full_backward_hook", None)

    def _has_hooks(self) -> bool:
        d = self.__dict__
        return bool(d.get("_forward_pre_hooks") or d.get("_forward_hooks")
                    or d.get("_backward_pre_hooks") or d.get("_backward_hooks"))

    def _add_hook(self, table: str, hook: Callable[..., Any], prepend: bool,
                  marks: tuple[str, ...] = ()) -> RemovableHandle:
        hooks = self.__dict__[table]
        handle = RemovableHandle(hooks, extra_dict=[self.__dict__[m] for m in marks])
        hooks[handle.id] = hook
        for mark in marks:
            self.__dict__[mark][handle.id] = True
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``; what it returns (not None)
        replaces the positional arguments (a tuple, or one argument).

        Args:
            hook: The hook. With ``with_kwargs``, ``hook(module, args, kwargs)``, returning
                None or a pair ``(args, kwargs)``.
            prepend: Run it before the hooks registered so far. Defaults to False.
            with_kwargs: Pass it the keyword arguments too. Defaults to False.

        >>> import symgrad
        >>> lin = symgrad.nn.Identity()
        >>> handle = lin.register_forward_pre_hook(lambda m, args: args[0] * 10)
        >>> lin(symgrad.tensor([1.0]))
        tensor([10.])
        >>> handle.remove(); lin(symgrad.tensor([1.0]))
        tensor([1.])
        """
        marks = ("_forward_pre_hooks_with_kwargs",) if with_kwargs else ()
        return self._add_hook("_forward_pre_hooks", hook, prepend, marks)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``; what it returns (not
        None) replaces the output.

        Args:
            hook: The hook. With ``with_kwargs``, ``hook(module, args, kwargs, output)``.
            prepend: Run it before the hooks registered so far. Defaults to False.
            with_kwargs: Pass it the keyword arguments too. Defaults to False.
            always_call: Run it even when ``forward`` raises (an error of the hook's own is
                then a warning). Defaults to False.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Identity(), symgrad.nn.ReLU())
        >>> seen = {}
        >>> _ = net[1].register_forward_hook(lambda m, args, out: seen.update(relu=out))
        >>> _ = net(symgrad.tensor([-1.0, 2.0])); seen
        {'relu': tensor([0., 2.])}
        """
        marks = tuple(name for name, on in (("_forward_hooks_with_kwargs", with_kwargs),
                                            ("_forward_hooks_always_called", always_call)) if on)
        return self._add_hook("_forward_hooks", hook, prepend, marks)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients with respect to the module's
        outputs are computed; what it returns (not None) replaces them.

        Args:
            hook: The hook; ``grad_output`` is a tuple, one entry per output (None for one
                that is no tensor or got no gradient).
            prepend: Run it before the hooks registered so far. Defaults to False.

        >>> import symgrad
        >>> m = symgrad.nn.Identity()
        >>> _ = m.register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        >>> x = symgrad.tensor([1.0], requires_grad=True)
        >>> m(x).sum().backward(); x.grad
        tensor([3.])
        """
        return self._add_hook("_backward_pre_hooks", hook, prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients with respect to
        the module's positional tensor arguments are computed; what it returns (not None)
        replaces ``grad_input``.

        Args:
            hook: The hook; ``grad_input`` has one entry per positional argument (None for
                one that is no tensor or requires no grad), ``grad_output`` one per output.
            prepend: Run it before the hooks registered so far. Defaults to False.

        >>> import symgrad
        >>> lin = symgrad.nn.Linear(2, 1)
        >>> seen = []
        >>> _ = lin.register_full_backward_hook(
        ...     lambda m, gi, go: seen.append((gi[0].shape, go[0].shape)))
        >>> lin(symgrad.ones(4, 2, requires_grad=True)).sum().backward(); seen
        [(symgrad.Size([4, 2]), symgrad.Size([4, 1]))]
        """
        if self.__dict__["_is_full_backward_hook"] is False:
            raise RuntimeError(_BOTH_KINDS)
        object.__setattr__(self, "_is_full_backward_hook", True)
        return self._add_hook("_backward_hooks", hook, prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's deprecated backward hook: ``hook(module, grad_input, grad_output)`` on the
        node of the module's last op, whose inputs are not always the module's (warned, as
        PyTorch does); ``register_full_backward_hook`` is the documented behaviour.

        Args:
            hook: Called with the module, the last node's gradients for its inputs and the
                gradients of its output; what it returns (not None) replaces the former.

        >>> import symgrad
        >>> m = symgrad.nn.Tanh()
        >>> seen = []
        >>> _ = m.register_backward_hook(lambda m, gi, go: seen.append(gi))
        >>> x = symgrad.tensor([0.0], requires_grad=True) * 2  # tanh's input: no warning
        >>> m(x).sum().backward(); seen
        [(tensor([1.]),)]
        """
        if self.__dict__["_is_full_backward_hook"] is True:
            raise RuntimeError(_BOTH_KINDS)
        object.__setattr__(self, "_is_full_backward_hook", False)
        return self._add_hook("_backward_hooks", hook, False)

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``forward`` with the hooks around it; the forward hooks registered with
        ``always_call`` also when it raises."""
        ran: set[int] = set()
        try:
            return self._hooked_forward(args, kwargs, ran)
        except Exception:
            for hook_id, hook in self.__dict__["_forward_hooks"].items():
                if hook_id in self.__dict__["_forward_hooks_always_called"] and hook_id not in ran:
                    try:
                        self._forward_hook(hook_id, hook, args, kwargs, None)
                    except Exception as e:  # noqa: BLE001 - PyTorch makes it a warning
                        warnings.warn("module forward hook with ``always_call=True`` raised an "
                                      "exception that was silenced as another error was "
                                      f"raised in forward: {e}", stacklevel=2)
            raise

    def _hooked_forward(self, args: tuple[Any, ...], kwargs: dict[str, Any], ran: set[int]
                        ) -> Any:
        d = self.__dict__
        full = d["_is_full_backward_hook"] is True
        backward_hooks = list(d["_backward_hooks"].values())
        for hook_id, hook in d["_forward_pre_hooks"].items():
            args, kwargs = self._forward_pre_hook(hook_id, hook, args, kwargs)
        call = None
        if (full and backward_hooks) or d["_backward_pre_hooks"]:
            call = _CallHooks(self, backward_hooks if full else [],
                              list(d["_backward_pre_hooks"].values()))
            args = call.around_inputs(args)
        result = self.forward(*args, **kwargs)
        for hook_id, hook in d["_forward_hooks"].items():
            ran.add(hook_id)
            new = self._forward_hook(hook_id, hook, args, kwargs, result)
            if new is not None:
                result = new
        if call is not None:
            result = call.around_outputs(result)
        if backward_hooks and not full:
            _old_style_backward_hooks(self, backward_hooks, args, result)
        return result

    def _forward_pre_hook(self, hook_id: int, hook: Callable[..., Any], args: tuple[Any, ...],
                          kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if hook_id in self.__dict__["_forward_pre_hooks_with_kwargs"]:
            new = hook(self, args, kwargs)
            if new is None:
                return args, kwargs
            if isinstance(new, tuple) and len(new) == 2:
                return new
            raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, "
                               f"new_kwargs), but got {new}.")
        new = hook(self, args)
        if new is None:
            return args, kwargs
        return (new if isinstance(new, tuple) else (new,)), kwargs

    def _forward_hook(self, hook_id: int, hook: Callable[..., Any], args: tuple[Any, ...],
                      kwargs: dict[str, Any], result: Any) -> Any:
        if hook_id in self.__dict__["_forward_hooks_with_kwargs"]:
            return hook(self, args, kwargs, result)
        return hook(self, args, result)


def _old_style_backward_hooks(module: Any, hooks: list[Callable[..., Any]],
                              args: tuple[Any, ...], result: Any) -> None:
    """``register_backward_hook``'s hooks, on the node of the first tensor in ``result``."""
    var = result
    while not isinstance(var, Tensor):
        var = next(v for v in var.values() if isinstance(v, Tensor)) if isinstance(
            var, dict) else var[0]
    node = var.grad_fn
    if node is None:
        return
    for hook in hooks:
        node.register_hook(lambda gi, go, hook=hook: hook(module, gi, go))
    _warn_old_style(args, result, node)


def _warn_old_style(args: tuple[Any, ...], result: Any, node: Any) -> None:
    """PyTorch's warnings where a deprecated backward hook misses gradients."""
    ending = " Please use register_full_backward_hook to get the documented behavior."
    outputs = (result,) if isinstance(result, Tensor) else result
    if not (isinstance(outputs, tuple) and all(isinstance(r, Tensor) for r in outputs)):
        warnings.warn("Using non-full backward hooks on a Module that does not return a single "
                      "Tensor or a tuple of Tensors is deprecated and will be removed in future "
                      "versions. This hook will be missing some of the grad_output." + ending,
                      FutureWarning, stacklevel=4)
        return
    if not all(isinstance(a, Tensor) for a in args):
        warnings.warn("Using non-full backward hooks on a Module that does not take as input a "
                      "single Tensor or a tuple of Tensors is deprecated and will be removed in "
                      "future versions. This hook will be missing some of the grad_input."
                      + ending, FutureWarning, stacklevel=4)
        return
    out_nodes = {id(r.grad_fn) for r in outputs if r.grad_fn is not None}
    if not out_nodes or (len(out_nodes) == 1 and id(node) not in out_nodes):
        warnings.warn("Using a non-full backward hook when outputs are nested in python data "
                      "structure is deprecated and will be removed in future versions. This "
                      "hook will be missing some grad_output.", FutureWarning, stacklevel=4)
    elif len(out_nodes) > 1:
        warnings.warn("Using a non-full backward hook when outputs are generated by different "
                      "autograd Nodes is deprecated and will be removed in future versions. This "
                      "hook will be missing some grad_output." + ending, FutureWarning,
                      stacklevel=4)
    elif ({id(a.grad_fn) for a in args if a.grad_fn is not None}
          != {id(n) for n, _ in node.next_functions}):
        warnings.warn("Using a non-full backward hook when the forward contains multiple "
                      "autograd Nodes is deprecated and will be removed in future versions. "
                      "This hook will be missing some grad_input." + ending, FutureWarning,
                      stacklevel=4)
