"""A module's state: ``state_dict`` and ``load_state_dict`` with their hooks, as PyTorch's
``nn.Module`` has them (``Module`` inherits them).

``state_dict`` fills an ``OrderedDict`` whose ``_metadata`` holds each module's
``{"version": cls._version}`` by dotted prefix; ``load_state_dict`` hands each module its
entry as ``local_metadata``, so a class whose saved layout changed (``BatchNorm`` at version
2) upgrades old checkpoints in its ``_load_from_state_dict``. The hooks run where PyTorch runs
them: state-dict pre-hooks before a module saves its own tensors, post-hooks after its
submodules have; load pre-hooks inside ``_load_from_state_dict``, load post-hooks after a
module's submodules have loaded.
"""

from __future__ import annotations

import functools
import itertools
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from symgrad.autograd import grad_mode
from symgrad.autograd.graph import RemovableHandle
from symgrad.nn.parameter import Parameter, is_lazy
from symgrad.tensor import Tensor

__all__ = ["ModuleState"]

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"
_STATE_HOOK_TABLES = ("_state_dict_hooks", "_state_dict_pre_hooks",
                      "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")
_NEVER_CALLED = ("Reached a code path in Module.{}() that should never be called. Please file "
                 "an issue at https://github.com/pytorch/pytorch/issues/new?template="
                 "bug-report.yml to report this bug.")


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` reports: the names it did not find, and those it did not use."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


class _WrappedHook:
    """A load pre-hook, called with its module first when registered ``with_module``; the
    module is held weakly (a hook must not keep its module alive), as PyTorch holds it."""

    def __init__(self, hook: Callable[..., Any], module: Any = None) -> None:
        self.hook = hook
        functools.update_wrapper(self, hook)
        self.with_module = module is not None
        if module is not None:
            self.module = weakref.ref(module)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.with_module:
            module = self.module()
            if module is None:
                raise RuntimeError("You are trying to call the hook of a dead Module!")
            return self.hook(module, *args, **kwargs)
        return self.hook(*args, **kwargs)

    def __getstate__(self) -> dict[str, Any]:
        # a weak reference cannot be copied or pickled: the module itself is, in its place
        state = {"hook": self.hook, "with_module": self.with_module}
        if self.with_module:
            state["module"] = self.module()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.hook = state["hook"]
        self.with_module = state["with_module"]
        if self.with_module:
            if state["module"] is None:
                raise RuntimeError("You are trying to revive the hook of a dead Module!")
            self.module = weakref.ref(state["module"])


class ModuleState:
    """What ``nn.Module`` has for saving and loading its parameters and buffers."""

    _version: int = 1
    _parameters: dict[str, Any]
    _buffers: dict[str, Any]
    _modules: dict[str, Any]
    _non_persistent_buffers_set: set[str]

    def _init_state_hooks(self) -> None:
        for name in _STATE_HOOK_TABLES:
            object.__setattr__(self, name, OrderedDict())

    def _add_state_hook(self, table: str, hook: Callable[..., Any]) -> RemovableHandle:
        hooks = self.__dict__[table]
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # -- saving ---------------------------------------------------------------------------------
    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` when ``state_dict`` reaches this module,
        before it saves anything of its own.

        Args:
            hook: The hook; what it returns is ignored.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(1, 1))
        >>> _ = net[0].register_state_dict_pre_hook(lambda m, prefix, keep: print(repr(prefix)))
        >>> _ = net.state_dict()
        '0.'
        """
        return self._add_state_hook("_state_dict_pre_hooks", hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` once ``state_dict`` has
        saved this module and its submodules; it may change ``state_dict`` in place and must
        return None.

        Args:
            hook: The hook.

        >>> import symgrad
        >>> m = symgrad.nn.Linear(1, 1)
        >>> _ = m.register_state_dict_post_hook(lambda m, sd, prefix, meta: sd.pop("bias"))
        >>> list(m.state_dict())
        Traceback (most recent call last):
        ...
        RuntimeError: state_dict post-hook must return None
        """
        hook._from_public_api = True  # type: ignore[attr-defined]
        return self._add_state_hook("_state_dict_hooks", hook)

    def _register_state_dict_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's older post-hook: as ``register_state_dict_post_hook``, but what it returns
        (not None) replaces the state dict (of the module ``state_dict`` was called on)."""
        if getattr(hook, "_from_public_api", False):
            raise RuntimeError("Cannot register the same function as the state dict post hook "
                               "that was previously registered via "
                               "register_state_dict_post_hook")
        return self._add_state_hook("_state_dict_hooks", hook)

    def get_extra_state(self) -> Any:
        """What a subclass saves besides its tensors, under ``<prefix>_extra_state``: define
        it with ``set_extra_state`` (``Module``'s own is never called).

        >>> import symgrad
        >>> class Counter(symgrad.nn.Module):
        ...     def get_extra_state(self): return {"calls": 3}
        ...     def set_extra_state(self, state): self.calls = state["calls"]
        >>> Counter().state_dict()
        OrderedDict([('_extra_state', {'calls': 3})])
        """
        raise RuntimeError(_NEVER_CALLED.format("get_extra_state"))

    def set_extra_state(self, state: Any) -> None:
        """Take back what ``get_extra_state`` saved; a subclass defines both.

        Args:
            state: The saved extra state.

        >>> import symgrad
        >>> class Counter(symgrad.nn.Module):
        ...     def get_extra_state(self): return {"calls": 3}
        ...     def set_extra_state(self, state): self.calls = state["calls"]
        >>> m = Counter(); _ = m.load_state_dict({"_extra_state": {"calls": 7}}); m.calls
        7
        """
        raise RuntimeError(_NEVER_CALLED.format("set_extra_state"))

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str,
                            keep_vars: bool) -> None:
        """Put this module's own parameters and persistent buffers (not its submodules') in
        ``destination``; a subclass may override it."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if _overrides(self, "get_extra_state"):
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> Any:
        """Every parameter and persistent buffer by dotted name, in PyTorch's order (a module's
        parameters, its buffers, then each submodule's; a module held under two names saved
        under both), in an ``OrderedDict`` whose ``_metadata`` maps each module's prefix to
        ``{"version": ...}``.

        Args:
            *args: ``destination``, ``prefix``, ``keep_vars`` by position: deprecated, as in
                PyTorch (a FutureWarning).
            destination: A dict filled and returned instead of a new ``OrderedDict``.
                Defaults to None.
            prefix: Put before every name (end it with a dot). Defaults to ``""``.
            keep_vars: Save the tensors themselves; otherwise detached (sharing memory).
                Defaults to False.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 1, bias=False),
        ...                             symgrad.nn.BatchNorm1d(1))
        >>> state = net.state_dict(); state.keys()
        odict_keys(['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var',
                    '1.num_batches_tracked'])
        >>> state._metadata
        OrderedDict([('', {'version': 1}), ('0', {'version': 1}), ('1', {'version': 2})])
        """
        if args:
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.state_dict for details.", FutureWarning,
                          stacklevel=2)
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == "" else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self.__dict__["_state_dict_pre_hooks"].values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in self.__dict__["_state_dict_hooks"].values():
            result = hook(self, destination, prefix, local_metadata)
            if not getattr(hook, "_from_public_api", False):
                if result is not None:
                    destination = result
            elif result is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    # -- loading --------------------------------------------------------------------------------
    def _register_load_state_dict_pre_hook(self, hook: Callable[..., Any],
                                           with_module: bool = False) -> RemovableHandle:
        """A load pre-hook called ``hook(state_dict, prefix, local_metadata, strict,
        missing_keys, unexpected_keys, error_msgs)`` (the module first ``with_module``)."""
        return self._add_state_hook("_load_state_dict_pre_hooks",
                                    _WrappedHook(hook, self if with_module else None))

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module loads its part of a state dict; it
        may change the (copied) ``state_dict`` and the lists in place.

        Args:
            hook: The hook; what it returns is ignored.

        >>> import symgrad
        >>> m = symgrad.nn.Linear(1, 1)
        >>> def rename(module, sd, prefix, *rest):
        ...     if prefix + "w" in sd: sd[prefix + "weight"] = sd.pop(prefix + "w")
        >>> _ = m.register_load_state_dict_pre_hook(rename)
        >>> m.load_state_dict({"w": symgrad.ones(1, 1), "bias": symgrad.zeros(1)})
        <All keys matched successfully>
        """
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` once this module and its submodules have
        loaded; it may change ``incompatible_keys.missing_keys`` / ``unexpected_keys`` in place
        (which ``strict`` then checks) and must return None.

        Args:
            hook: The hook.

        >>> import symgrad
        >>> m = symgrad.nn.Linear(1, 1)
        >>> _ = m.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
        >>> m.load_state_dict({"weight": symgrad.ones(1, 1)})
        <All keys matched successfully>
        """
        return self._add_state_hook("_load_state_dict_post_hooks", hook)

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str,
                              local_metadata: dict[str, Any], strict: bool,
                              missing_keys: list[str], unexpected_keys: list[str],
                              error_msgs: list[str]) -> None:
        """Load this module's own parameters and buffers (not its submodules') from
        ``state_dict``; a subclass overrides it to read older layouts, by
        ``local_metadata.get("version")``. Copies in place, or with
        ``local_metadata["assign_to_params_buffers"]`` assigns the loaded tensors."""
        for hook in self.__dict__["_load_state_dict_pre_hooks"].values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        persistent = ((k, v) for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set)
        local_state = {k: v for k, v in itertools.chain(self._parameters.items(), persistent)
                       if v is not None}
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key in state_dict:
                self._load_one(name, key, param, state_dict[key], assign, error_msgs)
            elif strict:
                missing_keys.append(key)
        extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if _overrides(self, "set_extra_state"):
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            unexpected_keys.extend(self._unexpected(state_dict, prefix, local_state, extra_key))

    def _load_one(self, name: str, key: str, param: Tensor, value: Any, assign: bool,
                  error_msgs: list[str]) -> None:
        """Copy (or assign) the loaded ``value`` into ``param``, or say why not."""
        if not isinstance(value, Tensor):
            error_msgs.append(f'While copying the parameter named "{key}", expected '
                              "torch.Tensor or Tensor-like object from checkpoint but "
                              f"received {type(value)}")
            return
        lazy = is_lazy(param)
        # PyTorch 0.3 saved a 0-dim tensor as a 1-element one
        if not lazy and param.dim() == 0 and value.dim() == 1 and value.shape[0] == 1:
            value = value[0]
        if not lazy and value.shape != param.shape:
            error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape} from checkpoint, the shape in current model is "
                              f"{param.shape}.")
            return
        try:
            with grad_mode.no_grad():
                if not assign:
                    param.copy_(value)
                    return
                if isinstance(param, Parameter):
                    # the module's requires_grad is kept; the rest is the loaded tensor's
                    if isinstance(value, Parameter):
                        value.requires_grad_(param.requires_grad)
                    else:
                        value = Parameter(value, requires_grad=param.requires_grad)
                setattr(self, name, value)
        except Exception as ex:  # noqa: BLE001 - PyTorch reports it among the load's errors
            error_msgs.append(f'While copying the parameter named "{key}", whose dimensions '
                              f"in the model are {param.size()} and whose dimensions in the "
                              f"checkpoint are {value.size()}, an exception occurred : "
                              f"{ex.args}.")

    def _unexpected(self, state_dict: dict[str, Any], prefix: str,
                    local_state: dict[str, Any], extra_key: str) -> list[str]:
        """The keys under ``prefix`` that name neither a tensor here nor a submodule."""
        found = []
        for key in state_dict:
            if key.startswith(prefix) and key != extra_key:
                head, dot, _ = key[len(prefix):].partition(".")
                if (head not in self._modules) if dot else (head not in local_state):
                    found.append(key)
        return found

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy the tensors of ``state_dict`` into the parameters and buffers of the same
        dotted names, here and in every submodule.

        Args:
            state_dict: Tensors by dotted name, as ``state_dict()`` gives them (its
                ``_metadata`` tells each module which version saved it).
            strict: Refuse missing and unexpected names (PyTorch's RuntimeError); otherwise
                load the names that match and report the others. Defaults to True.
            assign: Put the loaded tensors themselves in the module (as Parameters where it
                had Parameters, keeping their ``requires_grad``) instead of copying their
                values into the module's. Defaults to False.

        Returns:
            ``(missing_keys, unexpected_keys)``, a named tuple; a shape mismatch is always an
            error.

        >>> import symgrad
        >>> a, b = symgrad.nn.Linear(2, 1), symgrad.nn.Linear(2, 1)
        >>> b.load_state_dict(a.state_dict())
        <All keys matched successfully>
        >>> b.load_state_dict({"weight": a.weight}, strict=False)
        _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
        >>> b.load_state_dict({"weight": a.weight, "scale": a.bias})
        Traceback (most recent call last):
        ...
        RuntimeError: Error(s) in loading state_dict for Linear:
            Missing key(s) in state_dict: "bias".
            Unexpected key(s) in state_dict: "scale".
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        # a copy, which the modules' _load_from_state_dict may change
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata  # type: ignore[attr-defined]
        self._load_tree(state_dict, "", metadata, assign, missing, unexpected, errors)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    def _load_tree(self, state_dict: dict[str, Any], prefix: str, metadata: Any, assign: bool,
                   missing: list[str], unexpected: list[str], errors: list[str]) -> None:
        """Load this module's part of ``state_dict``, then each submodule's, then run this
        module's load post-hooks."""
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        if assign:
            # PyTorch writes the flag into the caller's metadata entry itself
            local_metadata["assign_to_params_buffers"] = assign
        self._load_from_state_dict(state_dict, prefix, local_metadata, True, missing,
                                   unexpected, errors)
        for name, child in self._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                child_state = {k: v for k, v in state_dict.items()
                               if k.startswith(child_prefix)}
                child._load_tree(child_state, child_prefix, metadata, assign, missing,
                                 unexpected, errors)
        keys = _IncompatibleKeys(missing, unexpected)
        for hook in self.__dict__["_load_state_dict_post_hooks"].values():
            if hook(self, keys) is not None:
                raise AssertionError(
                    "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                    "expected to return new values, if incompatible_keys need to be modified, "
                    "it should be done inplace.")


def _overrides(module: Any, method: str) -> bool:
    """Whether ``module``'s class defines its own ``get_extra_state`` / ``set_extra_state``."""
    return getattr(type(module), method, None) is not getattr(ModuleState, method)
