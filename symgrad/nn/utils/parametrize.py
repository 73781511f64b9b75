"""Parametrized tensors, as PyTorch's ``torch.nn.utils.parametrize``: ``module.weight`` computed
on each access from the tensors it is parametrized by, through modules.

``register_parametrization(module, "weight", P)`` moves the parameter (or buffer) into
``module.parametrizations.weight`` (a ``ParametrizationList``) as ``original`` (or ``original0``,
``original1``, ... when ``P.right_inverse`` returns several tensors), changes the module's class
to ``Parametrized<Class>`` and gives that class a property ``weight`` returning ``P(original)``;
assigning ``module.weight = X`` stores ``P.right_inverse(X)``. The names in
``named_parameters()`` and ``state_dict()``, the reprs, the checks and their messages are
PyTorch's.

>>> import symgrad
>>> from symgrad.nn.utils import parametrize
>>> class Symmetric(symgrad.nn.Module):
...     def forward(self, X):
...         return X.triu() + X.triu(1).T
>>> layer = parametrize.register_parametrization(symgrad.nn.Linear(2, 2), "weight", Symmetric())
>>> type(layer).__name__, [name for name, _ in layer.named_parameters()]
('ParametrizedLinear', ['bias', 'parametrizations.weight.original'])
>>> bool((layer.weight == layer.weight.T).all())
True
"""

from __future__ import annotations

import collections.abc
import contextlib
import copy
import copyreg
from collections.abc import Iterator, Sequence
from typing import Any

from symgrad.autograd import grad_mode
from symgrad.nn.modules import Module, ModuleDict, ModuleList
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations",
           "transfer_parametrizations_and_params"]

# ``cached()``'s depth, and the tensors it holds by (id(module), name) while it is above 0.
_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor | None] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Within the block, each parametrized tensor is computed once, at its first access, and
    that tensor returned after (one graph however often a forward reads ``module.weight``).

    >>> import symgrad
    >>> from symgrad.nn.utils import parametrize
    >>> class Double(symgrad.nn.Module):
    ...     def forward(self, X):
    ...         return 2 * X
    >>> layer = parametrize.register_parametrization(symgrad.nn.Linear(2, 2), "weight", Double())
    >>> with parametrize.cached():
    ...     layer.weight is layer.weight
    True
    >>> layer.weight is layer.weight
    False
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, X: Tensor) -> None:
    if isinstance(X, Parameter):
        module.register_parameter(name, X)
    else:
        module.register_buffer(name, X)


def _maybe_set(dest: Tensor, src: Tensor) -> None:
    """PyTorch's ``dest.set_(src)``: ``dest`` (the same object, so an optimizer holding it keeps
    it) takes ``src``'s values, sharing its memory."""
    dest._data = src._data
    dest._version += 1


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor and the tensors it is computed from: the type of
    ``module.parametrizations[name]``. ``register_parametrization`` makes it; it holds
    ``original`` when the first parametrization's ``right_inverse`` returns one tensor (or
    there is none: the identity), else ``original0``, ``original1``, ...

    Args:
        modules: The parametrizations, applied in order.
        original: The parameter or buffer parametrized.
        unsafe: Skip the checks that the parametrization keeps the dtype and shape. Defaults
            to False.

    >>> import symgrad
    >>> from symgrad.nn.utils import parametrize
    >>> layer = parametrize.register_parametrization(symgrad.nn.Linear(2, 2), "weight",
    ...                                             symgrad.nn.Identity())
    >>> layer.parametrizations.weight
    ParametrizationList(
      (0): Identity()
    )
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False
                 ) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        with grad_mode.no_grad():
            new: Any = original
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    with contextlib.suppress(NotImplementedError):
                        new = module.right_inverse(new)
        if not isinstance(new, Tensor | Sequence):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            self._hold_one(original, new)
        else:
            self._hold_several(original, new)
        if not self.unsafe:
            self._check(original_shape, original_dtype)

    def _hold_one(self, original: Tensor, new: Tensor) -> None:
        """``original``, given ``right_inverse``'s one tensor's values, as ``original``."""
        if original.dtype != new.dtype:
            raise ValueError("When `right_inverse` outputs one tensor, it may not change the "
                             f"dtype.\noriginal.dtype: {original.dtype}\n"
                             f"right_inverse(original).dtype: {new.dtype}")
        if original.device != new.device:
            raise ValueError("When `right_inverse` outputs one tensor, it may not change the "
                             f"device.\noriginal.device: {original.device}\n"
                             f"right_inverse(original).device: {new.device}")
        with grad_mode.no_grad():
            _maybe_set(original, new)
        _register_parameter_or_buffer(self, "original", original)

    def _hold_several(self, original: Tensor, new: Sequence[Any]) -> None:
        """``right_inverse``'s tensors as ``original0``, ``original1``, ...: parameters if
        ``original`` is one, requiring grad as it does."""
        for i, originali in enumerate(new):
            if not isinstance(originali, Tensor):
                raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                                 f"(list, tuple...). Got element {i} of the sequence with type "
                                 f"{type(originali).__name__}.")
            if isinstance(original, Parameter):
                originali = Parameter(originali, original.requires_grad)
            originali.requires_grad_(original.requires_grad)
            _register_parameter_or_buffer(self, f"original{i}", originali)

    def _check(self, shape: Any, dtype: Any) -> None:
        """PyTorch's checks that the parametrized tensor keeps the original's dtype and shape."""
        Z = self()
        if not isinstance(Z, Tensor):
            raise ValueError(f"A parametrization must return a tensor. Got {type(Z).__name__}.")
        if Z.dtype != dtype:
            raise ValueError("Registering a parametrization may not change the dtype of the "
                             "tensor, unless `unsafe` flag is enabled.\n"
                             f"unparametrized dtype: {dtype}\nparametrized dtype: {Z.dtype}")
        if Z.shape != shape:
            raise ValueError("Registering a parametrization may not change the shape of the "
                             "tensor, unless `unsafe` flag is enabled.\n"
                             f"unparametrized shape: {shape}\nparametrized shape: {Z.shape}")

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` as the tensors it is computed from: the parametrizations'
        ``right_inverse`` in reverse order, written into ``original`` (or ``original0``, ...)
        without recording.

        Args:
            value: The value the parametrized tensor is to take.

        >>> import symgrad
        >>> from symgrad.nn.utils import parametrize
        >>> class Double(symgrad.nn.Module):
        ...     def forward(self, X):
        ...         return 2 * X
        ...     def right_inverse(self, Y):
        ...         return Y / 2
        >>> layer = parametrize.register_parametrization(symgrad.nn.Linear(2, 1), "weight",
        ...                                             Double())
        >>> layer.weight = symgrad.tensor([[1.0, 2.0]]); layer.parametrizations.weight.original
        Parameter containing:
        tensor([[0.5000, 1.0000]], requires_grad=True)
        """
        with grad_mode.no_grad():
            for module in reversed(self):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                self._set_one(value)
            else:
                self._set_several(value)

    def _set_one(self, value: Any) -> None:
        if not isinstance(value, Tensor):
            raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
        if value.dtype != self.original.dtype:
            raise ValueError(f"The tensor returned by `right_inverse` has dtype {value.dtype} "
                             f"while `original` has dtype {self.original.dtype}")
        _maybe_set(self.original, value)

    def _set_several(self, value: Any) -> None:
        if not isinstance(value, collections.abc.Sequence):
            raise ValueError("'right_inverse' must return a sequence of tensors. "
                             f"Got {type(value).__name__}.")
        if len(value) != self.ntensors:
            raise ValueError("'right_inverse' must return a sequence of tensors of length "
                             f"{self.ntensors}. Got a sequence of length {len(value)}.")
        for i, tensor in enumerate(value):
            original_i = getattr(self, f"original{i}")
            if not isinstance(tensor, Tensor):
                raise ValueError("'right_inverse' must return a sequence of tensors or "
                                 f"reference-type opaques. Got element {i} of type "
                                 f"{type(tensor).__name__}.")
            if original_i.dtype != tensor.dtype:
                raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype "
                                 f"{tensor.dtype} while `original{i}` has dtype "
                                 f"{original_i.dtype}")
            _maybe_set(original_i, tensor)

    def forward(self) -> Tensor:
        """The parametrized tensor: the first parametrization applied to the originals, each
        next one to the previous one's result.

        >>> import symgrad
        >>> from symgrad.nn.utils import parametrize
        >>> layer = parametrize.register_parametrization(symgrad.nn.Linear(2, 1), "weight",
        ...                                             symgrad.nn.Identity())
        >>> layer.parametrizations.weight() is layer.parametrizations.weight.original
        True
        """
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        index = 1
        while hasattr(self, str(index)):
            x = self[index](x)
            index += 1
        return x


def _default_deepcopy(self: Module, memo: dict[int, Any]) -> Module:
    """PyTorch's deepcopy of a parametrized module (its class refuses to pickle)."""
    found = memo.get(id(self))
    if found is not None:
        return found
    replica = self.__new__(self.__class__)
    memo[id(self)] = replica
    object.__setattr__(replica, "__dict__", copy.deepcopy(self.__dict__, memo))
    for slot in copyreg._slotnames(self.__class__):  # type: ignore[attr-defined]
        if hasattr(self, slot):
            setattr(replica, slot, copy.deepcopy(getattr(self, slot), memo))
    return replica


def _getstate(self: Module) -> Any:
    raise RuntimeError(
        "Serialization of parametrized modules is only supported through state_dict(). See:\n"
        "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
        "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training")


def _inject_new_class(module: Module) -> None:
    """Give ``module`` a class of its own, ``Parametrized<Class>``, to hold the properties."""
    cls = module.__class__
    namespace: dict[str, Any] = {"__getstate__": _getstate}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = _default_deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _inject_property(module: Module, tensor_name: str) -> None:
    """The property ``tensor_name`` of ``module``'s own class: its parametrizations' result on
    reading (once per ``cached()`` block), their ``right_inverse`` on assignment."""
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self: Module) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(module), tensor_name)
        tensor = _cache.get(key)
        if tensor is None:
            tensor = _cache[key] = parametrization()
        return tensor

    def set_original(self: Module, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def _check_added(module: Module, tensor_name: str, parametrization: Module) -> None:
    """PyTorch's checks of a parametrization added to an already parametrized tensor: that it
    and its ``right_inverse`` keep the tensor's dtype and shape."""
    Y = getattr(module, tensor_name)
    X = parametrization(Y)
    if not isinstance(X, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
    _same("Registering a parametrization may not change the {} of the tensor, unless the "
          "`unsafe` flag is enabled.\n", tensor_name, Y, X,
          f"parametrization(module.{tensor_name})" + ".{}: {}")
    if not hasattr(parametrization, "right_inverse"):
        return  # the identity
    try:
        Z = parametrization.right_inverse(X)
    except NotImplementedError:
        return
    if not isinstance(Z, Tensor):
        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: "
                         f"{type(Z).__name__}")
    _same("The tensor returned by parametrization.right_inverse must have the same {} as "
          f"module.{tensor_name}, unless the `unsafe` flag is enabled.\n", tensor_name, Y, Z,
          "returned {}: {}")


def _same(head: str, tensor_name: str, Y: Tensor, X: Tensor, last: str) -> None:
    """Raise PyTorch's ValueError if ``X``'s dtype, then shape, differs from ``Y``'s."""
    for attr in ("dtype", "shape"):
        if getattr(X, attr) != getattr(Y, attr):
            raise ValueError(head.format(attr) + f"module.{tensor_name}.{attr}: "
                             f"{getattr(Y, attr)}\n" + last.format(attr, getattr(X, attr)))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Parametrize ``module.<tensor_name>``: reading it returns ``parametrization(original)``,
    where ``original`` (``module.parametrizations[tensor_name].original``) is what the optimizer
    trains; assigning it stores ``parametrization.right_inverse(value)``. Registering on an
    already parametrized tensor chains the new parametrization after the others.

    Args:
        module: The module holding the parameter or buffer.
        tensor_name: The parameter's (or buffer's) name.
        parametrization: A module whose ``forward`` maps the originals to the tensor; it may
            have ``right_inverse`` (one tensor, or a sequence: ``original0``, ...).
        unsafe: Skip the checks that the dtype and shape are kept. Defaults to False.

    Returns:
        ``module``, whose class is now ``Parametrized<Class>``.

    >>> import symgrad
    >>> from symgrad.nn.utils import parametrize
    >>> class Positive(symgrad.nn.Module):
    ...     def forward(self, X):
    ...         return X.exp()
    ...     def right_inverse(self, Y):
    ...         return Y.log()
    >>> layer = parametrize.register_parametrization(symgrad.nn.Linear(2, 1), "weight",
    ...                                             Positive())
    >>> layer.weight = symgrad.tensor([[1.0, 2.0]]); layer.weight
    tensor([[1., 2.]], grad_fn=<ExpBackward0>)
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_added(module, tensor_name, parametrization)
        chain = module.parametrizations[tensor_name]
        chain.append(parametrization)
        chain.unsafe |= unsafe  # an unsafe parametrization keeps the chain unchecked
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        # Made first: its checks raise before the module changes.
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrized tensor (named ``tensor_name``, if given).

    Args:
        module: The module.
        tensor_name: The tensor's name. Defaults to None: any.

    >>> import symgrad
    >>> from symgrad.nn.utils import parametrize
    >>> parametrize.is_parametrized(symgrad.nn.Linear(2, 1))
    False
    """
    parametrizations = getattr(module, "parametrizations", None)
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True
                            ) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``: it becomes a parameter (or buffer)
    again, holding its current parametrized value (or, with ``leave_parametrized=False``, its
    ``original``); the module takes back its class when nothing else is parametrized.

    Args:
        module: The module.
        tensor_name: The parametrized tensor's name.
        leave_parametrized: Keep the parametrized value (written into ``original``, the same
            object, so an optimizer holding it keeps it). Defaults to True.

    Returns:
        ``module``.

    >>> import symgrad
    >>> from symgrad.nn.utils import parametrize
    >>> class Double(symgrad.nn.Module):
    ...     def forward(self, X):
    ...         return 2 * X
    >>> layer = symgrad.nn.Linear(2, 1)
    >>> with symgrad.no_grad():
    ...     _ = layer.weight.fill_(1.0)
    >>> layer = parametrize.register_parametrization(layer, "weight", Double())
    >>> layer = parametrize.remove_parametrizations(layer, "weight")
    >>> type(layer).__name__, layer.weight
    ('Linear', Parameter containing:
    tensor([[2., 2.]], requires_grad=True))
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with grad_mode.no_grad():
                t = getattr(module, tensor_name)
                _maybe_set(original, t)
    elif leave_parametrized:
        # Not under no_grad: whether the originals require grad decides a parameter.
        t = getattr(module, tensor_name)
        original = Parameter(t) if t.requires_grad else t
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that "
                         "is parametrized in terms of a sequence of tensors.")
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before it was parametrized (its class if it is not).

    Args:
        module: The module.

    >>> import symgrad
    >>> from symgrad.nn.utils import parametrize
    >>> layer = parametrize.register_parametrization(symgrad.nn.Linear(2, 1), "weight",
    ...                                             symgrad.nn.Identity())
    >>> parametrize.type_before_parametrizations(layer).__name__
    'Linear'
    """
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(from_module: Module, to_module: Module,
                                         tensor_name: str | None = None) -> Module:
    """Register ``from_module``'s parametrizations (of ``tensor_name``, or all) on
    ``to_module`` too, the originals shared.

    Args:
        from_module: The parametrized module.
        to_module: The module given the same parametrizations.
        tensor_name: The tensor whose parametrizations are transferred. Defaults to None: all.

    Returns:
        ``to_module``.

    >>> import symgrad
    >>> from symgrad.nn.utils import parametrize
    >>> a = parametrize.register_parametrization(symgrad.nn.Linear(2, 1), "weight",
    ...                                         symgrad.nn.Identity())
    >>> b = parametrize.transfer_parametrizations_and_params(a, symgrad.nn.Linear(2, 1))
    >>> b.parametrizations.weight.original is a.parametrizations.weight.original
    True
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)))
        for param_func in from_module.parametrizations[name]:
            register_parametrization(to_module, name, param_func)
        source, target = from_module.parametrizations[name], to_module.parametrizations[name]
        if hasattr(source, "original"):
            target.original = source.original
        else:
            i = 0
            while hasattr(source, f"original{i}"):
                setattr(target, f"original{i}", getattr(source, f"original{i}"))
                i += 1
    return to_module
