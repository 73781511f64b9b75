"""PyTorch's legacy spectral normalisation, ``torch.nn.utils.spectral_norm`` (PyTorch points to
``parametrizations.spectral_norm`` instead): the parameter ``<name>_orig``, buffers
``<name>_u`` and ``<name>_v`` (the estimated singular vectors) and a forward pre-hook that sets
``<name> = <name>_orig / sigma``, ``sigma = u @ W @ v``, after a power iteration while training.

>>> import symgrad
>>> layer = symgrad.nn.utils.spectral_norm(symgrad.nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()], list(layer.state_dict())
(['bias', 'weight_orig'], ['bias', 'weight_orig', 'weight_u', 'weight_v'])
"""

from __future__ import annotations

from typing import Any

import symgrad
from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.tensor import Tensor

__all__ = ["SpectralNorm", "SpectralNormLoadStateDictPreHook", "SpectralNormStateDictHook",
           "remove_spectral_norm", "spectral_norm"]


def _check_iterations(n_power_iterations: int) -> None:
    if n_power_iterations <= 0:
        raise ValueError("Expected n_power_iterations to be positive, but "
                         f"got n_power_iterations={n_power_iterations}")


def _output_dim(module: Module, dim: int | None) -> int:
    """The dim of the outputs: ``dim`` if given, else 1 for a transposed convolution (whose
    weight is ``(in, out, ...)``), else 0: PyTorch's default."""
    if dim is not None:
        return dim
    transposed = (symgrad.nn.ConvTranspose1d, symgrad.nn.ConvTranspose2d,
                  symgrad.nn.ConvTranspose3d)
    return 1 if isinstance(module, transposed) else 0


class SpectralNorm:
    """The forward pre-hook: ``module.<name> = <name>_orig / sigma``. Between calls
    ``u = normalize(W @ v)`` holds once a training forward has run.

    Args:
        name: The parameter's name. Defaults to ``"weight"``.
        n_power_iterations: Power iterations per training forward. Defaults to 1.
        dim: The dim of the outputs, moved first before the weight is flattened to a matrix.
            Defaults to 0.
        eps: The least norm divided by when normalising ``u`` and ``v``. Defaults to 1e-12.
    """

    # The version of the saved layout, in a state dict's _metadata: at 1, ``W`` is no longer
    # saved, ``v`` is, and evaluation uses ``u @ W_orig @ v`` rather than the saved ``W``.
    _version: int = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        _check_iterations(n_power_iterations)
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """``weight`` as a matrix: ``dim`` first, the other dims flattened into columns.

        Args:
            weight: The weight.
        """
        if self.dim != 0:
            weight = weight.permute(self.dim, *[d for d in range(weight.dim()) if d != self.dim])
        return weight.reshape(weight.size(0), -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """``<name>_orig / (u @ W @ v)``, after ``n_power_iterations`` updating ``u`` and ``v``
        in place (outside the graph) if ``do_power_iteration``.

        Args:
            module: The module holding ``<name>_orig``, ``<name>_u`` and ``<name>_v``.
            do_power_iteration: Whether to iterate first (PyTorch: while training).
        """
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with symgrad.no_grad():
                # In place, so the buffers (state_dict, DataParallel replicas) see the update;
                # v from u first, then u from v: PyTorch's order, which the values depend on.
                for _ in range(self.n_power_iterations):
                    v = F.normalize(symgrad.mv(weight_mat.t(), u), dim=0, eps=self.eps, out=v)
                    u = F.normalize(symgrad.mv(weight_mat, v), dim=0, eps=self.eps, out=u)
                # Copies for the graph: the next forward's iteration writes the buffers, which
                # would break a backward through both forwards (a GAN's D(real) - D(fake)).
                u = u.clone()
                v = v.clone()
        sigma = symgrad.dot(u, symgrad.mv(weight_mat, v))
        return weight / sigma

    def _solve_v_and_rescale(self, weight_mat: Tensor, u: Tensor, target_sigma: Tensor
                             ) -> Tensor:
        """A ``v`` with ``u = normalize(W @ v)`` and ``u @ W @ v = target_sigma``: the least
        squares solution of ``W @ x = u`` (a pseudo-inverse, as ``W^T W`` may be singular),
        rescaled."""
        v = symgrad.linalg.multi_dot([weight_mat.t().mm(weight_mat).pinverse(), weight_mat.t(),
                                      u.unsqueeze(1)]).squeeze(1)
        return v.mul_(target_sigma / symgrad.dot(u, symgrad.mv(weight_mat, v)))

    def remove(self, module: Module) -> None:
        """Put ``module.<name>`` back as one parameter: the normalised weight, from the stored
        ``u`` and ``v`` (no iteration).

        Args:
            module: The module.
        """
        with symgrad.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name,
                self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float
              ) -> SpectralNorm:
        """Replace ``module.<name>`` by ``<name>_orig``, the buffers ``<name>_u`` and
        ``<name>_v`` (normalised draws of ``normal_(0, 1)``, ``u`` first) and the hook.

        Args:
            module: The module.
            name: The parameter's name.
            n_power_iterations: Power iterations per training forward.
            dim: The dim of the outputs.
            eps: The least norm divided by.
        """
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError("Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with symgrad.no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).size()
            u = F.normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = F.normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        # Code that initialises weights reads module.<name>: a plain attribute until the first
        # forward (as a Parameter it would be registered again).
        setattr(module, fn.name, weight.data)
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        module._register_state_dict_hook(SpectralNormStateDictHook(fn))
        module._register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(fn))
        return fn


class SpectralNormLoadStateDictPreHook:
    """``load_state_dict``'s pre-hook for a state dict saved before version 1 (the weight
    saved, no ``v``): ``v`` is solved from the saved weight, ``<name>_orig`` and ``u``.

    Args:
        fn: The module's ``SpectralNorm`` hook.
    """

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, state_dict: dict[str, Any], prefix: str, local_metadata: dict[str, Any],
                 strict: bool, missing_keys: list[str], *_: Any) -> None:
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version")
        if version is not None and version >= 1:
            return
        weight_key = prefix + fn.name
        if version is None and weight_key not in state_dict and all(
                weight_key + s in state_dict for s in ("_orig", "_u", "_v")):
            return  # today's layout without its metadata (a state dict made by hand)
        absent = [weight_key + s for s in ("_orig", "", "_u") if weight_key + s not in state_dict]
        if absent:
            if strict:
                missing_keys.extend(absent)
            return
        with symgrad.no_grad():
            weight_orig = state_dict[weight_key + "_orig"]
            sigma = (weight_orig / state_dict.pop(weight_key)).mean()
            weight_mat = fn.reshape_weight_to_matrix(weight_orig)
            u = state_dict[weight_key + "_u"]
            state_dict[weight_key + "_v"] = fn._solve_v_and_rescale(weight_mat, u, sigma)


class SpectralNormStateDictHook:
    """``state_dict``'s post-hook: records the layout's version in the module's metadata,
    as ``metadata["spectral_norm"]["<name>.version"]``.

    Args:
        fn: The module's ``SpectralNorm`` hook.
    """

    def __init__(self, fn: SpectralNorm) -> None:
        self.fn = fn

    def __call__(self, module: Module, state_dict: dict[str, Any], prefix: str,
                 local_metadata: dict[str, Any]) -> None:
        versions = local_metadata.setdefault("spectral_norm", {})
        key = self.fn.name + ".version"
        if key in versions:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        versions[key] = self.fn._version


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Any:
    """Spectrally normalise ``module.<name>`` the legacy way: before each forward it becomes
    ``<name>_orig / sigma``, ``sigma`` (its largest singular value, the weight flattened to a
    matrix) estimated by power iteration, one step per training forward.

    Args:
        module: The module.
        name: The parameter's name. Defaults to ``"weight"``.
        n_power_iterations: Power iterations per training forward. Defaults to 1.
        eps: The least norm divided by when normalising ``u`` and ``v``. Defaults to 1e-12.
        dim: The dim of the outputs. Defaults to None: 1 for ``ConvTranspose1d/2d/3d``, else 0.

    Returns:
        ``module``.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> layer = symgrad.nn.utils.spectral_norm(symgrad.nn.Linear(20, 40))
    >>> layer.weight_u.size(), layer.weight_v.size()
    (symgrad.Size([40]), symgrad.Size([20]))
    >>> for _ in range(50):
    ...     _ = layer(symgrad.ones(1, 20))
    >>> round(symgrad.linalg.matrix_norm(layer.weight, 2).item(), 4)
    1.0
    """
    SpectralNorm.apply(module, name, n_power_iterations, _output_dim(module, dim), eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Any:
    """Undo ``spectral_norm``: ``<name>`` is one parameter again, holding the normalised
    weight (the stored ``u`` and ``v``, no iteration).

    Args:
        module: The module.
        name: The parameter's name. Defaults to ``"weight"``.

    Returns:
        ``module``.

    >>> import symgrad
    >>> layer = symgrad.nn.utils.spectral_norm(symgrad.nn.Linear(2, 3))
    >>> layer = symgrad.nn.utils.remove_spectral_norm(layer)
    >>> [n for n, _ in layer.named_parameters()], [n for n, _ in layer.named_buffers()]
    (['bias', 'weight'], [])
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            break
    else:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    _drop_hook(module._state_dict_hooks, SpectralNormStateDictHook, name)
    # PyTorch looks for its load pre-hook among wrapped hooks, so never finds it: it stays,
    # and asks for <name>_orig when the module is loaded again (kept, for the same errors).
    _drop_hook(module._load_state_dict_pre_hooks, SpectralNormLoadStateDictPreHook, name)
    return module


def _drop_hook(hooks: dict[int, Any], kind: type, name: str) -> None:
    """Remove the first hook of class ``kind`` for the parameter ``name`` from ``hooks``."""
    for k, hook in hooks.items():
        if isinstance(hook, kind) and hook.fn.name == name:
            del hooks[k]
            return
