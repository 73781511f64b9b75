"""``Module``, ``Linear`` and the containers ``Sequential``, ``ModuleList`` and ``ModuleDict``.

A module registers every ``Parameter`` and sub-``Module`` assigned to one of its attributes, so
``parameters()`` finds them all, in assignment order, as PyTorch does; ``register_buffer``
registers a tensor that is state but not a parameter (saved in ``state_dict``, converted by
``to``, never trained).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.creation import empty
from symgrad.nn import functional as F
from symgrad.nn import init
from symgrad.nn.module_hooks import ModuleHooks
from symgrad.nn.module_state import ModuleState
from symgrad.nn.module_tree import ModuleTree, _typename
from symgrad.nn.parameter import Buffer, Parameter, buffer_persistent
from symgrad.tensor import Tensor

__all__ = ["Module", "Linear", "Sequential", "ModuleList", "ModuleDict"]


class Module(ModuleTree, ModuleHooks, ModuleState):
    """Base class of layers: subclass it, assign parameters and submodules, write ``forward``.

    >>> import symgrad
    >>> class Scale(symgrad.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = symgrad.nn.Parameter(symgrad.tensor([2.0]))
    ...     def forward(self, x):
    ...         return self.w * x
    >>> m = Scale()
    >>> m(symgrad.tensor([3.0])).sum().backward()
    >>> [(name, p.grad) for name, p in m.named_parameters()]
    [('w', tensor([3.]))]
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "training", True)
        self._init_hooks()
        self._init_state_hooks()

    def __setattr__(self, name: str, value: Any) -> None:
        # PyTorch's rules: a Parameter, Module or nn.Buffer is registered (leaving any other
        # table it was in); a name already registered takes only its own kind or None
        # (a buffer any tensor); anything else is a plain attribute.
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, "__dict__", "_buffers", "_modules", "_non_persistent_buffers_set")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, "__dict__", "_parameters", "_buffers",
                         "_non_persistent_buffers_set")
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            self._modules[name] = value
        elif isinstance(value, Buffer) or (params is not None and name in self._buffers):
            self._set_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, *tables: str) -> None:
        """Take ``name`` out of each of these tables (dicts, or the set of non-persistent
        buffers) of this module."""
        for table in tables:
            found = self.__dict__.get(table) if table != "__dict__" else self.__dict__
            if isinstance(found, set):
                found.discard(name)
            elif found is not None:
                found.pop(name, None)

    def _set_buffer(self, name: str, value: Any) -> None:
        """``module.name = value`` where ``value`` is an ``nn.Buffer`` or ``name`` a buffer:
        registered with the buffer's own persistence, else the name's."""
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                            "(torch.nn.Buffer, torch.Tensor or None expected)")
        persistent = (buffer_persistent(value) if isinstance(value, Buffer)
                      else name not in self._non_persistent_buffers_set)
        self.register_buffer(name, value, persistent)

    def __getattr__(self, name: str) -> Any:
        for table in ("_parameters", "_modules", "_buffers"):
            found = self.__dict__.get(table, {})
            if name in found:
                return found[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        """``del module.name``: a parameter, buffer or submodule leaves its table (PyTorch's
        ``Module.__delattr__``); any other attribute is deleted as usual."""
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True
                        ) -> None:
        """Register ``tensor`` as state of this module that is not a parameter: an attribute
        ``buffers()`` lists, ``state_dict`` saves (if ``persistent``), ``load_state_dict``
        fills and ``to`` converts, which no optimizer trains.

        Args:
            name: The attribute's name: not empty, without a dot, not another attribute's.
            tensor: The buffer, or None (listed nowhere until a tensor is assigned to it).
            persistent: Whether ``state_dict`` includes it. Defaults to True.

        >>> import symgrad
        >>> m = symgrad.nn.Module()
        >>> m.register_buffer("steps", symgrad.tensor(0))
        >>> m.register_buffer("scratch", symgrad.zeros(2), persistent=False)
        >>> m.steps, [n for n, _ in m.named_buffers()], list(m.state_dict())
        (tensor(0), ['steps', 'scratch'], ['steps'])
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if name not in self._buffers and (name in self.__dict__ or name in self._parameters
                                          or name in self._modules
                                          or hasattr(type(self), name)):
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs, each buffer once, None ones left out.

        Args:
            prefix: Put before every name, with a dot. Defaults to ``""``.
            recurse: Include the buffers of submodules. Defaults to True.
            remove_duplicate: Name a buffer (and a module) held in several places once, at
                its first place. Defaults to True.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Module())
        >>> net[0].register_buffer("mask", symgrad.ones(2))
        >>> [(name, b.tolist()) for name, b in net.named_buffers()]
        [('0.mask', [1.0, 1.0])]
        """
        yield from self._named("_buffers", prefix, recurse, remove_duplicate)

    def _named(self, table: str, prefix: str, recurse: bool, remove_duplicate: bool = True
               ) -> Iterator[tuple[str, Any]]:
        """The entries of ``table`` (``_parameters`` or ``_buffers``) of this module and (with
        ``recurse``) its submodules, by dotted name, None ones left out; with
        ``remove_duplicate`` each module and each tensor once."""
        seen: set[int] = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for mod_prefix, mod in modules:
            for name, t in getattr(mod, table).items():
                if t is not None and (not remove_duplicate or id(t) not in seen):
                    seen.add(id(t))
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module and (with ``recurse``) of its submodules.

        Args:
            recurse: Include the buffers of submodules. Defaults to True.

        >>> import symgrad
        >>> m = symgrad.nn.Module(); m.register_buffer("mask", symgrad.ones(2))
        >>> list(m.buffers())
        [tensor([1., 1.])]
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def forward(self, *args: Any) -> Any:
        """The module's computation; every subclass defines it (call the module, not this).

        Args:
            *args: What the module is called with.

        >>> import symgrad
        >>> symgrad.nn.Module()(symgrad.tensor([1.0]))
        Traceback (most recent call last):
        ...
        NotImplementedError: Module [Module] is missing the required "forward" function
        """
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the arguments.

        >>> import symgrad
        >>> symgrad.nn.Sigmoid()(symgrad.tensor([0.0]))
        tensor([0.5000])
        """
        if self._has_hooks():
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, each parameter once (a shared layer too).

        Args:
            prefix: Put before every name, with a dot. Defaults to ``""``.
            recurse: Include the parameters of submodules. Defaults to True.
            remove_duplicate: Name a parameter (and a module) held in several places once, at
                its first place. Defaults to True.

        >>> import symgrad
        >>> lin = symgrad.nn.Linear(2, 3)
        >>> net = symgrad.nn.Sequential(lin, symgrad.nn.ReLU(), lin)
        >>> [(name, tuple(p.shape)) for name, p in net.named_parameters()]
        [('0.weight', (3, 2)), ('0.bias', (3,))]
        >>> [name for name, _ in net.named_parameters(prefix="net")]
        ['net.0.weight', 'net.0.bias']
        """
        yield from self._named("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and (with ``recurse``) of its submodules.

        Args:
            recurse: Include the parameters of submodules. Defaults to True.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 3), symgrad.nn.Linear(3, 1))
        >>> sum(p.numel() for p in net.parameters())
        13
        >>> list(net.parameters(recurse=False))
        []
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_modules(self, memo: set[Module] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (named ``prefix``) and all below it,
        depth first; a module held in several places is named once, at its first place.

        Args:
            memo: Modules already named, left out (and added to as they are named); a new
                set when None. Defaults to None.
            prefix: The name of this module, put before every name. Defaults to ``""``.
            remove_duplicate: Name a module held in several places once. Defaults to True.

        >>> import symgrad
        >>> lin = symgrad.nn.Linear(2, 3)
        >>> net = symgrad.nn.Sequential(lin, symgrad.nn.Sequential(symgrad.nn.Tanh()), lin)
        >>> [name for name, _ in net.named_modules()]
        ['', '0', '1', '1.0']
        >>> [name for name, _ in net.named_modules(remove_duplicate=False)]
        ['', '0', '1', '1.0', '2']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def children(self) -> Iterator[Module]:
        """The direct submodules, in assignment order, each once.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 3),
        ...                             symgrad.nn.Sequential(symgrad.nn.Tanh()))
        >>> [type(m).__name__ for m in net.children()]
        ['Linear', 'Sequential']
        """
        for _, m in self.named_children():
            yield m

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, depth first.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 3),
        ...                             symgrad.nn.Sequential(symgrad.nn.Tanh()))
        >>> [type(m).__name__ for m in net.modules()]
        ['Sequential', 'Linear', 'Sequential', 'Tanh']
        """
        for _, m in self.named_modules():
            yield m

    def train(self, mode: bool = True) -> Module:
        """Set training mode here and in every submodule; returns self.

        Args:
            mode: True for training mode, False for evaluation mode. Defaults to True.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Sequential(symgrad.nn.Tanh()))
        >>> net.train(False) is net, net[0][0].training
        (True, False)
        >>> net.train()[0][0].training
        True
        """
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """``train(False)``: evaluation mode here and in every submodule; returns self.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.Linear(2, 2))
        >>> net.eval().training, net[0].training
        (False, False)
        """
        return self.train(False)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move the parameters and buffers to a device (only the CPU) or convert the floating
        ones to a floating dtype: each ``Parameter`` object kept, its values converted in place,
        each buffer replaced by its conversion; returns self.

        Parameters:
            args: a device, a dtype, or both, as ``Tensor.to`` takes them.
            kwargs: ``device=`` and ``dtype=``.

        >>> import symgrad
        >>> layer = symgrad.nn.Linear(2, 1).to("cpu").to(symgrad.float64)
        >>> layer.weight.dtype
        symgrad.float64
        >>> layer.to("cuda")
        Traceback (most recent call last):
        ...
        AssertionError: Torch not compiled with CUDA enabled
        """
        for p in self.parameters():
            converted = p.data.to(*args, **kwargs)
            if converted.dtype is not p.dtype:
                if not converted.is_floating_point():
                    raise TypeError("nn.Module.to only accepts floating point or complex dtypes, "
                                    f"but got desired dtype={converted.dtype}")
                p.data = converted
        # Buffers are replaced by their conversions; integer and bool ones keep their dtype.
        for mod in self.modules():
            for name, b in mod._buffers.items():
                if b is not None and b.is_floating_point():
                    mod._buffers[name] = b.to(*args, **kwargs)
        return self

    def double(self) -> Module:
        """Convert the floating parameters to float64, in place; returns self.

        >>> import symgrad
        >>> symgrad.nn.Linear(2, 1).double().weight.dtype
        symgrad.float64
        """
        return self.to(_dtypes.float64)

    def float(self) -> Module:
        """Convert the floating parameters to float32, in place; returns self.

        >>> import symgrad
        >>> symgrad.nn.Linear(2, 1).double().float().weight.dtype
        symgrad.float32
        """
        return self.to(_dtypes.float32)

    def cpu(self) -> Module:
        """This module, already on the CPU.

        >>> import symgrad
        >>> layer = symgrad.nn.Linear(2, 1)
        >>> layer.cpu() is layer
        True
        """
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the parameters' gradients (to None, or to zeros).

        Args:
            set_to_none: Set each ``.grad`` to None (True) or fill it with zeros (False).
                Defaults to True.

        >>> import symgrad
        >>> layer = symgrad.nn.Linear(2, 1)
        >>> layer(symgrad.tensor([[1.0, 2.0]])).sum().backward()
        >>> layer.weight.grad
        tensor([[1., 2.]])
        >>> layer.zero_grad(set_to_none=False); layer.weight.grad, layer.bias.grad
        (tensor([[0., 0.]]), tensor([0.]))
        >>> layer.zero_grad(); layer.weight.grad is None
        True
        """
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    # PyTorch zeroes .grad in place: its dtype (a grad_dtype's) and shape stay.
                    p._grad = Tensor._make(np.zeros_like(p._grad._data), False, None)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (``False`` freezes them); returns self.

        Args:
            requires_grad: Whether the parameters record operations. Defaults to True.

        >>> import symgrad
        >>> layer = symgrad.nn.Linear(2, 1).requires_grad_(False)
        >>> [p.requires_grad for p in layer.parameters()]
        [False, False]
        >>> layer(symgrad.ones(1, 2)).requires_grad
        False
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def extra_repr(self) -> str:
        """What ``repr`` prints between the parentheses; subclasses override it.

        >>> import symgrad
        >>> symgrad.nn.Module().extra_repr(), repr(symgrad.nn.Module())
        ('', 'Module()')
        """
        return ""

    def __repr__(self) -> str:
        # PyTorch's layout: a one-line extra_repr of a module without children inside the
        # parentheses, else one line per extra_repr line and per child, indented.
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        children = [f"({name}): " + repr(m).replace("\n", "\n  ")
                    for name, m in self._modules.items()]
        head = f"{type(self).__name__}("
        if len(extra_lines) == 1 and not children:
            return head + extra_lines[0] + ")"
        lines = extra_lines + children
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class Linear(Module):
    """``y = x @ weight.T + bias``, initialised as PyTorch does, from the same random stream.

    ``weight`` is drawn by ``init.kaiming_uniform_`` with ``a = sqrt(5)`` and ``bias`` uniformly
    in ``[-1/sqrt(in_features), 1/sqrt(in_features))``, so a seed gives PyTorch's layer.

    Args:
        in_features: the size of each input's last dimension.
        out_features: the size of each output's last dimension.
        bias: whether to add a learnable bias.
        device: where the parameters live: only the CPU (``"cpu"``, a device, or None); any
            other device raises PyTorch's error.
        dtype: the parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> layer = symgrad.nn.Linear(3, 2)
    >>> layer.weight
    Parameter containing:
    tensor([[-0.0043,  0.3097, -0.4752],
            [-0.4249, -0.2224,  0.1548]], requires_grad=True)
    >>> tuple(layer(symgrad.tensor([[1.0, 2.0, 3.0]])).shape)
    (1, 2)
    >>> symgrad.nn.Linear(3, 2, device="cpu", dtype=symgrad.float64).bias.dtype
    symgrad.float64
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` afresh, as the constructor does.

        >>> import symgrad
        >>> layer = symgrad.nn.Linear(2, 2)
        >>> _ = symgrad.manual_seed(1); layer.reset_parameters(); w = layer.weight.tolist()
        >>> _ = symgrad.manual_seed(1); w == symgrad.nn.Linear(2, 2).weight.tolist()
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """``input @ weight.T + bias`` over the last dim of ``input``.

        Args:
            input: The features, ``(*, in_features)``.

        >>> import symgrad
        >>> layer = symgrad.nn.Linear(2, 1)
        >>> with symgrad.no_grad():
        ...     _ = layer.weight.copy_(symgrad.tensor([[1.0, -1.0]]))
        ...     _ = layer.bias.fill_(0.5)
        >>> layer(symgrad.tensor([[3.0, 1.0]]))
        tensor([[2.5000]], grad_fn=<AddmmBackward0>)
        """
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The sizes and whether there is a bias.

        >>> import symgrad
        >>> symgrad.nn.Linear(3, 2, bias=False).extra_repr()
        'in_features=3, out_features=2, bias=False'
        """
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied one after the other; indexable, iterable, sized.

    Args:
        *modules: The modules, in the order they are applied; named ``"0"``, ``"1"``, ...

    >>> import symgrad
    >>> symgrad.nn.Sequential(symgrad.nn.Linear(2, 2), symgrad.nn.Tanh())
    Sequential(
      (0): Linear(in_features=2, out_features=2, bias=True)
      (1): Tanh()
    )
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m

    def forward(self, input: Any) -> Any:
        """Each module applied to the previous one's result.

        Args:
            input: What the first module is called with.

        >>> import symgrad
        >>> net = symgrad.nn.Sequential(symgrad.nn.ReLU(), symgrad.nn.Sigmoid())
        >>> net(symgrad.tensor([-3.0, 0.0]))
        tensor([0.5000, 0.5000])
        """
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """Modules in a list, registered (their parameters are the list's): index, iterate, append.

    Parameters:
        modules: the modules to start with.

    >>> import symgrad
    >>> layers = symgrad.nn.ModuleList([symgrad.nn.Linear(2, 2) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters())), type(layers[-1]).__name__
    (3, 6, 'Linear')
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns the list.

        Args:
            module: The module added.

        >>> import symgrad
        >>> len(symgrad.nn.ModuleList().append(symgrad.nn.Tanh()))
        1
        """
        self._modules[str(len(self._modules))] = module
        return self

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __repr__(self) -> str:
        # PyTorch's layout: a run of modules that print alike is one entry, "(0-2): 3 x ...".
        runs: list[tuple[int, int, str]] = []  # (first index, last index, repr)
        for i, module in enumerate(self):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1] = (runs[-1][0], i, text)
            else:
                runs.append((i, i, text))
        if not runs:
            return f"{type(self).__name__}()"
        lines = [(f"({first}): " if first == last else
                  f"({first}-{last}): {last - first + 1} x ") + text.replace("\n", "\n  ")
                 for first, last, text in runs]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """Modules by name, registered (their parameters are the dict's), in insertion order.

    Parameters:
        modules: ``name -> module`` pairs to start with (a dict or an iterable of pairs).

    >>> import symgrad
    >>> heads = symgrad.nn.ModuleDict({"a": symgrad.nn.Linear(2, 1), "b": symgrad.nn.ReLU()})
    >>> list(heads), [name for name, _ in heads.named_parameters()], "a" in heads
    (['a', 'b'], ['a.weight', 'a.bias'], True)
    """

    def __init__(self, modules: dict[str, Module] | Iterable[tuple[str, Module]] = ()) -> None:
        super().__init__()
        for name, m in dict(modules).items():
            self[name] = m

    def __getitem__(self, name: str) -> Module:
        return self._modules[name]

    def __setitem__(self, name: str, module: Module) -> None:
        self._modules[name] = module

    def __delitem__(self, name: str) -> None:
        del self._modules[name]

    def __contains__(self, name: object) -> bool:
        return name in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        """The names, in insertion order.

        >>> import symgrad
        >>> list(symgrad.nn.ModuleDict({"x": symgrad.nn.ReLU()}).keys())
        ['x']
        """
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order.

        >>> import symgrad
        >>> [type(m).__name__ for m in symgrad.nn.ModuleDict({"x": symgrad.nn.ReLU()}).values()]
        ['ReLU']
        """
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(name, module)`` pairs, in insertion order.

        >>> import symgrad
        >>> [name for name, _ in symgrad.nn.ModuleDict({"x": symgrad.nn.ReLU()}).items()]
        ['x']
        """
        return self._modules.items()
