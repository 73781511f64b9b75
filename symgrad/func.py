"""Function transforms, as ``torch.func``: ``grad``, ``grad_and_value``, ``vjp``, ``jvp``,
``jacrev``, ``jacfwd``, ``hessian``, ``vmap`` and ``functional_call``.

Each is written on the reverse-mode engine, the reference way rather than the fast one:

- The differentiating transforms run the function on inputs made differentiable for that call
  (an alias of an input that already requires grad, so that transforms nest and compose with
  ``backward``; a fresh leaf otherwise), then ask ``autograd.grad`` for the result. A result
  keeps its graph only where something outside the call can still differentiate it (a nested
  transform, or an input that required grad).
- Forward mode (``jvp``, ``jacfwd``) is reverse mode twice: ``J v`` is the gradient, in the
  cotangent ``u``, of ``v . (J^T u)``. The values are forward mode's; the sign of a zero may
  differ where PyTorch's forward-mode formulas multiply in another order, and a tangent of
  another dtype than its primal's is taken in the primal's (PyTorch keeps the tangent's).
- ``vmap`` calls the function once per sample and stacks the results (``select`` and
  ``stack``, both differentiable). Python control flow on values and ``.item()``, which
  PyTorch refuses inside ``vmap``, therefore work here.

Inputs and outputs may be trees of tuples, lists and dicts holding tensors, as in PyTorch.

>>> import symgrad
>>> from symgrad.func import grad, vmap
>>> grad(lambda x: (x ** 3).sum())(symgrad.tensor([1.0, 2.0]))
tensor([ 3., 12.])
>>> vmap(grad(lambda x: (x ** 2).sum()))(symgrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
tensor([[2., 4.],
        [6., 8.]])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from symgrad import random as _random
from symgrad.autograd import grad as _autograd_grad
from symgrad.autograd.forward_ad import check_dual
from symgrad.autograd.grad_mode import enable_grad, is_grad_enabled
from symgrad.creation import zeros_like
from symgrad.ops.shape import stack
from symgrad.tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]


# -- trees ----------------------------------------------------------------------------------------
def _flatten(tree: Any) -> tuple[list[Any], Any]:
    """The leaves of a tree of tuples, lists and dicts, in order, and its structure."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        return [leaf for leaves, _ in parts for leaf in leaves], (type(tree), [s for _, s in parts])
    if isinstance(tree, dict):
        parts = [_flatten(t) for t in tree.values()]
        return ([leaf for leaves, _ in parts for leaf in leaves],
                (dict, list(tree), [s for _, s in parts]))
    return [tree], None


def _unflatten(spec: Any, leaves: Iterator[Any]) -> Any:
    """The tree of structure ``spec`` (``_flatten``'s) holding the next leaves."""
    if spec is None:
        return next(leaves)
    if spec[0] is dict:
        return {k: _unflatten(s, leaves) for k, s in zip(spec[1], spec[2], strict=True)}
    kind, parts = spec
    items = [_unflatten(s, leaves) for s in parts]
    # A named tuple (``max``'s values and indices) takes its fields one by one.
    return kind(*items) if hasattr(kind, "_fields") else kind(items)


def _map(fn: Callable[[Any], Any], tree: Any) -> Any:
    leaves, spec = _flatten(tree)
    return _unflatten(spec, iter([fn(leaf) for leaf in leaves]))


# -- one call of a differentiating transform ------------------------------------------------------
class _Call:
    """One call of a differentiating transform: the grad mode its caller had, and the leaves
    it made (``track``). Its body runs with grad mode on; its gradients get a graph of their
    own where the caller's mode is on, and its results keep their graph only where that graph
    reaches outside the call (``plain``)."""

    def __init__(self) -> None:
        self.enabled = is_grad_enabled()
        self.own: set[int] = set()
        # The alias nodes of the inputs that required grad (``track``), held so their ids stay
        # theirs: a result whose graph reaches one depends on such an input.
        self.aliases: dict[int, Any] = {}

    def track(self, tree: Any) -> Any:
        """``tree`` with each tensor made differentiable for this call: an alias of a tensor
        that requires grad (its graph goes on outside), else a new leaf of the call's own."""
        def tracked(t: Any) -> Any:
            if not isinstance(t, Tensor):
                return t
            if t.requires_grad:
                alias = t.view_as(t)
                self.aliases[id(alias.grad_fn)] = alias.grad_fn
                return alias
            leaf = t.detach().requires_grad_()
            self.own.add(id(leaf))
            return leaf

        return _map(tracked, tree)

    def track_at(self, args: tuple[Any, ...], nums: tuple[int, ...]) -> list[Any]:
        """``args`` with those at ``nums`` tracked (``track``)."""
        tracked = list(args)
        for n in nums:
            tracked[n] = self.track(tracked[n])
        return tracked

    def gradients(self, outputs: list[Tensor], inputs: list[Tensor],
                  cotangents: list[Any] | None, create_graph: bool | None = None
                  ) -> list[Tensor]:
        """``autograd.grad`` of ``outputs`` in ``inputs``, zeros where an input was not used
        (as ``torch.func`` gives), the graph kept for another call."""
        live = [(o, c) for o, c in zip(outputs, cotangents or [None] * len(outputs),
                                       strict=True) if o.requires_grad]
        if not live:
            found: tuple[Any, ...] = (None,) * len(inputs)
        else:
            found = _autograd_grad(
                [o for o, _ in live], inputs,
                grad_outputs=None if cotangents is None else [c for _, c in live],
                retain_graph=True, allow_unused=True,
                create_graph=self.enabled if create_graph is None else create_graph)
        return [zeros_like(x) if g is None else g for g, x in zip(found, inputs, strict=True)]

    def plain(self, tree: Any) -> Any:
        """``tree`` with each tensor detached unless its graph reaches a leaf other than the
        call's own (a tensor the function closed over, an outer transform's input) or an input
        that required grad: only there can something outside differentiate it. (An input made
        under no_grad as a view of a leaf that requires grad has no edge to any leaf, yet
        PyTorch's result keeps its graph: fuzzer seeds 2139 #887, 2288 #1044.)"""
        def plain(t: Any) -> Any:
            if not isinstance(t, Tensor) or self.enabled and self._reaches_outside(t):
                return t
            return t.detach()

        return _map(plain, tree)

    def _reaches_outside(self, t: Tensor) -> bool:
        seen: set[int] = set()
        todo = [t.grad_fn] if t.grad_fn is not None else []
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            if id(node) in self.aliases:
                return True
            seen.add(id(node))
            variable = getattr(node, "variable", None)
            if variable is not None and id(variable) not in self.own:
                return True
            todo.extend(n for n, _ in node.next_functions if n is not None)
        return False


def _argnums(name: str, argnums: int | tuple[int, ...], count: int) -> tuple[int, ...]:
    """``argnums`` checked as PyTorch checks it, as a tuple."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or not all(isinstance(n, int) for n in nums):
        raise RuntimeError(f"{name}: argnums must be int or Tuple[int, ...], got: {argnums}")
    for n in nums:
        if not -count <= n < count:
            raise RuntimeError(f"Got argnum={n}, but only {count} positional inputs")
    return tuple(n % count for n in nums)


def _split_aux(name: str, result: Any, has_aux: bool) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{name}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return result


# -- grad -----------------------------------------------------------------------------------------
def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """``func`` made to return its gradient in the inputs at ``argnums`` and its value.

    Args:
        func: Returns a scalar tensor (with ``has_aux``, a pair: that and anything else).
        argnums: The positional input (int) or inputs (tuple) to differentiate in; each may
            be a tree of tensors. Defaults to 0.
        has_aux: Whether ``func`` returns ``(output, aux)``. Defaults to False.

    Returns:
        A function of ``func``'s arguments returning ``(gradient, value)``, or
        ``(gradient, (value, aux))`` with ``has_aux``; the gradient has the structure of the
        input (a tuple of them for a tuple of argnums).

    >>> import symgrad
    >>> g, v = grad_and_value(lambda x, y: (x * y).sum(), argnums=(0, 1))(
    ...     symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 4.0]))
    >>> g, v
    ((tensor([3., 4.]), tensor([1., 2.])), tensor(11.))
    """
    name = "grad_and_value(f)(*args)"

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(name, argnums, len(args))
        call = _Call()
        with enable_grad():
            args = call.track_at(args, nums)
            output, aux = _split_aux(name, func(*args, **kwargs), has_aux)
            if not isinstance(output, Tensor):
                raise RuntimeError(f"{name}: Expected f(*args) to return a Tensor, got "
                                   f"{type(output)}")
            if output.ndim != 0:
                raise RuntimeError(f"{name}: Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.ndim} dims. Maybe you wanted to use the "
                                   "vjp or jacrev APIs instead?")
            leaves, spec = _flatten(tuple(args[n] for n in nums))
            grads = call.plain(_unflatten(spec, iter(call.gradients([output], leaves, None))))
        grads = grads[0] if isinstance(argnums, int) else grads
        value = call.plain(output)
        return (grads, (value, call.plain(aux))) if has_aux else (grads, value)

    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """``func`` made to return its gradient in the inputs at ``argnums``: ``grad_and_value``
    without the value. Transforms nest (``grad(grad(f))`` is the second derivative).

    Args:
        func: Returns a scalar tensor (with ``has_aux``, a pair: that and anything else).
        argnums: The positional input (int) or inputs (tuple) to differentiate in. Defaults
            to 0.
        has_aux: Whether ``func`` returns ``(output, aux)``; the result is then
            ``(gradient, aux)``. Defaults to False.

    >>> import symgrad
    >>> grad(grad(lambda x: x ** 3))(symgrad.tensor(2.0))
    tensor(12.)
    """
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


# -- vjp and jvp ----------------------------------------------------------------------------------
def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``func``'s value at ``primals`` and its vector-Jacobian product as a function.

    Args:
        func: A function of the primals returning a tensor or a tree of them (with
            ``has_aux``, a pair: that and anything else).
        *primals: Its positional inputs, tensors or trees of them.
        has_aux: Whether ``func`` returns ``(output, aux)``. Defaults to False.

    Returns:
        ``(output, vjp_fn)`` (``(output, vjp_fn, aux)`` with ``has_aux``): ``vjp_fn`` takes
        cotangents shaped as the output and returns a tuple of gradients, one per primal. It
        may be called more than once.

    >>> import symgrad
    >>> out, vjp_fn = vjp(lambda x: x * x, symgrad.tensor([1.0, 3.0]))
    >>> vjp_fn(symgrad.tensor([1.0, 10.0]))
    (tensor([ 2., 60.]),)
    """
    call = _Call()
    with enable_grad():
        tracked = [call.track(p) for p in primals]
        output, aux = _split_aux("vjp(f, *primals)", func(*tracked), has_aux)
    outputs, _ = _flatten(output)
    leaves, spec = _flatten(tuple(tracked))

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        with enable_grad():
            found = call.gradients(outputs, leaves, _flatten(cotangents)[0])
            return call.plain(_unflatten(spec, iter(found)))

    result = (call.plain(output), vjp_fn)
    return result + (call.plain(aux),) if has_aux else result


def _jvp_of(call: _Call, outputs: list[Tensor], leaves: list[Tensor]
            ) -> Callable[[list[Tensor]], list[Tensor]]:
    """The Jacobian-vector product of ``outputs`` in ``leaves``, by reverse mode twice: the
    gradient, in cotangents ``u`` of the call's own, of ``tangents . (J^T u)``."""
    us = [call.track(zeros_like(o.detach())) for o in outputs]
    transposed = call.gradients(outputs, leaves, us, create_graph=True)

    def jvp_fn(tangents: list[Tensor]) -> list[Tensor]:
        return call.gradients(transposed, us, tangents)

    return jvp_fn


def jvp(func: Callable[..., Any], primals: tuple[Any, ...], tangents: tuple[Any, ...], *,
        strict: bool = False, has_aux: bool = False) -> tuple[Any, ...]:
    """``func``'s value at ``primals`` and its Jacobian-vector product with ``tangents``.

    Args:
        func: A function of the primals returning a tensor or a tree of them.
        primals: Its positional inputs (a tuple).
        tangents: One tangent per primal, of the same structure and shapes.
        strict: Accepted for PyTorch's signature; not used. Defaults to False.
        has_aux: Whether ``func`` returns ``(output, aux)``. Defaults to False.

    Returns:
        ``(output, jvp_out)``, with ``aux`` third when ``has_aux``.

    >>> import symgrad
    >>> jvp(lambda x: x ** 2, (symgrad.tensor([1.0, 3.0]),), (symgrad.tensor([1.0, 1.0]),))
    (tensor([1., 9.]), tensor([2., 6.]))
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be "
                           "tuples.")
    for p, t in zip(_flatten(primals)[0], _flatten(tangents)[0], strict=False):
        check_dual(p, t)  # forward AD's errors, as PyTorch's jvp makes dual tensors
    call = _Call()
    with enable_grad():
        tracked = [call.track(p) for p in primals]
        output, aux = _split_aux("jvp(f, primals, tangents)", func(*tracked), has_aux)
        outputs, out_spec = _flatten(output)
        found = _jvp_of(call, outputs, _flatten(tuple(tracked))[0])(_flatten(tangents)[0])
        result = (call.plain(output), call.plain(_unflatten(out_spec, iter(found))))
    return result + (call.plain(aux),) if has_aux else result


# -- Jacobians ------------------------------------------------------------------------------------
def _basis(t: Tensor, k: int) -> Tensor:
    """The ``k``-th unit tensor of ``t``'s shape and dtype."""
    e = zeros_like(t.detach()).reshape(-1)
    e[k] = 1
    return e.reshape(tuple(t.shape))


def _jacobian(func: Callable[..., Any], argnums: int | tuple[int, ...], has_aux: bool,
              by_rows: bool, name: str) -> Callable[..., Any]:
    """``jacrev`` (``by_rows``: one vector-Jacobian product per output element) and
    ``jacfwd`` (one Jacobian-vector product per input element)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(name, argnums, len(args))
        call = _Call()
        with enable_grad():
            args = call.track_at(args, nums)
            output, aux = _split_aux(f"{name}(f, ...)(*args)", func(*args, **kwargs), has_aux)
            outputs, out_spec = _flatten(output)
            leaves, in_spec = _flatten(tuple(args[n] for n in nums))
            blocks = (_rows(call, outputs, leaves) if by_rows
                      else _columns(call, outputs, leaves))
            per_output = [call.plain(_unflatten(in_spec, iter(row))) for row in blocks]
        if isinstance(argnums, int):
            per_output = [p[0] for p in per_output]
        jac = _unflatten(out_spec, iter(per_output))
        return (jac, call.plain(aux)) if has_aux else jac

    return wrapper


def _rows(call: _Call, outputs: list[Tensor], leaves: list[Tensor]) -> list[list[Tensor]]:
    """Per output, per input, the Jacobian block (output shape + input shape), row by row: each
    row one vector-Jacobian product of all the outputs, a unit cotangent in one of them and
    zeros in the others (as PyTorch's, which sums the zeros' terms in too)."""
    zeros = [zeros_like(o.detach()) for o in outputs]
    rows_of: list[list[list[Tensor]]] = [[] for _ in outputs]
    for m, o in enumerate(outputs):
        for k in range(o.numel()):
            cotangents = [_basis(o, k) if j == m else z for j, z in enumerate(zeros)]
            rows_of[m].append(call.gradients(outputs, leaves, cotangents))
    return [[_stacked([r[i] for r in rows], o, x, 0) for i, x in enumerate(leaves)]
            for rows, o in zip(rows_of, outputs, strict=True)]


def _columns(call: _Call, outputs: list[Tensor], leaves: list[Tensor]) -> list[list[Tensor]]:
    """The same blocks, column by column (Jacobian-vector products, ``_jvp_of``)."""
    jvp_fn = _jvp_of(call, outputs, leaves)
    per_input = []
    for i, x in enumerate(leaves):
        cols = [jvp_fn([_basis(x, k) if j == i else zeros_like(y.detach())
                        for j, y in enumerate(leaves)]) for k in range(x.numel())]
        per_input.append([_stacked([c[m] for c in cols], o, x, -1)
                          for m, o in enumerate(outputs)])
    return [[per_input[i][m] for i in range(len(leaves))] for m in range(len(outputs))]


def _stacked(parts: list[Tensor], out: Tensor, x: Tensor, dim: int) -> Tensor:
    """The Jacobian block of ``out`` in ``x`` from its rows (``dim`` 0) or columns (-1)."""
    shape = tuple(out.shape) + tuple(x.shape)
    if not parts:
        return out.detach().new_zeros(shape)
    return stack([p.reshape(-1) for p in parts], dim=dim).reshape(shape)


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None) -> Callable[..., Any]:
    """``func``'s Jacobian by reverse mode: one vector-Jacobian product per output element.

    Args:
        func: A function returning a tensor or a tree of them.
        argnums: The input (int) or inputs (tuple) to differentiate in. Defaults to 0.
        has_aux: Whether ``func`` returns ``(output, aux)``. Defaults to False.
        chunk_size: Accepted for PyTorch's signature; the rows are computed one at a time.

    Returns:
        A function returning, per output, the Jacobian (output shape + input shape; a tuple
        over inputs for a tuple of argnums).

    >>> import symgrad
    >>> jacrev(lambda x: x ** 2)(symgrad.tensor([1.0, 3.0]))
    tensor([[2., 0.],
            [0., 6.]])
    """
    return _jacobian(func, argnums, has_aux, True, "jacrev")


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           has_aux: bool = False, *, randomness: str = "error") -> Callable[..., Any]:
    """``func``'s Jacobian column by column (Jacobian-vector products, the module's forward
    mode), of the same layout as ``jacrev``'s.

    Args:
        func: A function returning a tensor or a tree of them.
        argnums: The input (int) or inputs (tuple) to differentiate in. Defaults to 0.
        has_aux: Whether ``func`` returns ``(output, aux)``. Defaults to False.
        randomness: Accepted for PyTorch's signature (``func`` is called once).

    >>> import symgrad
    >>> jacfwd(lambda x: x.sum() * x)(symgrad.tensor([1.0, 2.0]))
    tensor([[4., 1.],
            [2., 5.]])
    """
    _check_randomness(randomness)
    return _jacobian(func, argnums, has_aux, False, "jacfwd")


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """``func``'s second derivatives: ``jacfwd(jacrev(func, argnums), argnums)``.

    Args:
        func: A function returning a scalar tensor (or a tensor: one Hessian per element).
        argnums: The input (int) or inputs (tuple) to differentiate in. Defaults to 0.

    >>> import symgrad
    >>> hessian(lambda x: (x ** 3).sum())(symgrad.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)


# -- vmap -----------------------------------------------------------------------------------------
def _check_randomness(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


_RANDOM_IN_VMAP = ("vmap: called random operation while in randomness error mode. Please either "
                   "use the 'same' or 'different' randomness flags on vmap or perform the "
                   "randomness operation out of vmap")


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable[..., Any]:
    """``func`` mapped over a dim of its inputs: called once per sample, its results stacked.

    Args:
        func: A function of tensors (or trees of them) returning a tensor or a tree of them.
        in_dims: The mapped dim of each input: an int for all of them, or a tuple with one
            entry per positional input (an int, None for an input not mapped, or a tree
            matching that input). Defaults to 0.
        out_dims: Where the mapped dim goes in each output: an int, or a tuple per output
            (None for an output that does not vary). Defaults to 0.
        randomness: ``"error"`` (a random call inside raises, as PyTorch's), ``"different"``
            (each sample draws its own) or ``"same"`` (every sample draws the same numbers).
            Defaults to ``"error"``.
        chunk_size: Accepted for PyTorch's signature; samples run one at a time.

    >>> import symgrad
    >>> vmap(lambda x, y: x @ y, in_dims=(0, None))(symgrad.ones(3, 2), symgrad.tensor([1.0, 2.0]))
    tensor([3., 3., 3.])
    """
    _check_randomness(randomness)
    name = getattr(func, "__name__", repr(func))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        leaves, spec, dims = _mapped_inputs(name, in_dims, args)
        size = _batch_size(name, in_dims, leaves, dims)
        state = _random.default_generator.get_state() if randomness == "same" else None
        results = []
        for i in range(size):
            sample = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims,
                                                                         strict=True)]
            if state is not None:
                _random.default_generator.set_state(state)
            refused, _random._REFUSAL[0] = _random._REFUSAL[0], (
                _RANDOM_IN_VMAP if randomness == "error" else None)
            try:
                results.append(func(*_unflatten(spec, iter(sample)), **kwargs))
            finally:
                _random._REFUSAL[0] = refused
        return _stacked_outputs(name, results, out_dims)

    return wrapper


def _mapped_inputs(name: str, in_dims: Any, args: tuple[Any, ...]
                   ) -> tuple[list[Any], Any, list[int | None]]:
    """The inputs' leaves, their structure, and each leaf's mapped dim (checked)."""
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` "
                         "to be int or a (potentially nested) tuple matching the structure of "
                         f"inputs, got: {type(in_dims)}.")
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                         "compatible with the structure of `inputs`. in_dims has structure "
                         f"of {len(in_dims)} entries but inputs has {len(args)}.")
    leaves, spec = _flatten(tuple(args))
    per_arg = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    dims: list[int | None] = []
    for arg, d in zip(args, per_arg, strict=True):
        count = len(_flatten(arg)[0])
        arg_dims = _flatten(d)[0] if isinstance(d, (tuple, list, dict)) else [d] * count
        dims.extend(arg_dims)
    for x, d in zip(leaves, dims, strict=True):
        if d is None:
            continue
        if not isinstance(x, Tensor):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             f"for an input but the input is of type {type(x)}. We cannot vmap "
                             "over non-Tensor arguments, please use None as the respective "
                             "in_dim")
        if not -x.ndim <= d < max(x.ndim, 0) or x.ndim == 0:
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                             "for some input, but that input is a Tensor of dimensionality "
                             f"{x.ndim} so expected in_dim to satisfy -{x.ndim} <= in_dim < "
                             f"{x.ndim}.")
    dims = [None if d is None else d % x.ndim for x, d in zip(leaves, dims, strict=True)]
    return leaves, spec, dims


def _batch_size(name: str, in_dims: Any, leaves: list[Any], dims: list[int | None]) -> int:
    sizes = [x.shape[d] for x, d in zip(leaves, dims, strict=True) if d is not None]
    if not sizes:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): at least one "
                         "input must be a Tensor mapped over a dim (in_dims not all None)")
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    if sizes[0] == 0:
        raise ValueError(f"vmap({name}, ...): symgrad maps by calling the function once per "
                         "sample, and the mapped dimension has none")
    return sizes[0]


def _stacked_outputs(name: str, results: list[Any], out_dims: Any) -> Any:
    """The samples' results stacked along ``out_dims``, in their tree's structure."""
    leaves, spec = _flatten(results[0])
    per_sample = [_flatten(r)[0] for r in results]
    dims = _flatten(out_dims)[0] if isinstance(out_dims, (tuple, list)) else [out_dims] * len(
        leaves)
    if len(dims) != len(leaves):
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         "compatible with the structure of `outputs`.")
    stacked = []
    for k, d in enumerate(dims):
        if d is None:
            stacked.append(per_sample[0][k])
            continue
        column = [s[k] for s in per_sample]
        bad = next((c for c in column if not isinstance(c, Tensor)), None)
        if bad is not None:
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(bad)}. Did you mean to set out_dims= to None for output?")
        stacked.append(stack(column, dim=d))
    return _unflatten(spec, iter(stacked))


# -- functional_call ------------------------------------------------------------------------------
def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Call ``module`` with some of its parameters and buffers replaced by the given tensors,
    for this call only (the module is as before afterwards, also after an error).

    Args:
        module: An ``nn.Module``.
        parameter_and_buffer_dicts: A dict from dotted names (``"0.weight"``) to tensors, or
            a tuple of such dicts (a name in two of them is an error).
        args: The call's positional arguments: a tuple, or one argument. Defaults to none.
        kwargs: Its keyword arguments. Defaults to none.
        tie_weights: Whether a tensor given for one name of a parameter the module holds
            under several names (tied weights) replaces it under all of them. Defaults to
            True.
        strict: Whether every parameter and buffer must be given, and only those. Defaults
            to False.

    >>> import symgrad
    >>> m = symgrad.nn.Linear(2, 1)
    >>> functional_call(m, {"weight": symgrad.ones(1, 2), "bias": symgrad.zeros(1)},
    ...                 (symgrad.tensor([[1.0, 2.0]]),))
    tensor([[3.]])
    """
    given = _merged(parameter_and_buffer_dicts)
    names = ([n for n, _ in module.named_parameters(remove_duplicate=False)]
             + [n for n, _ in module.named_buffers(remove_duplicate=False)])
    if tie_weights:
        given = _tied(module, names, given)
    if strict:
        missing = sorted(set(names) - set(given))
        unexpected = sorted(set(given) - set(names))
        errors = ([f"Unexpected key(s): {', '.join(map(repr, unexpected))}."] if unexpected
                  else []) + ([f"Missing key(s): {', '.join(map(repr, missing))}."] if missing
                              else [])
        if errors:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                               + "\n\t".join(errors))
    saved = [(name, _swap(module, name, value)) for name, value in given.items()]
    try:
        call_args = args if isinstance(args, tuple) else () if args is None else (args,)
        return module(*call_args, **(kwargs or {}))
    finally:
        for name, old in reversed(saved):
            _swap(module, name, old)


def _merged(dicts: Any) -> dict[str, Any]:
    if isinstance(dicts, dict):
        return dict(dicts)
    merged: dict[str, Any] = {}
    for d in dicts:
        repeated = [k for k in d if k in merged]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        merged.update(d)
    return merged


def _tied(module: Any, names: list[str], given: dict[str, Any]) -> dict[str, Any]:
    """``given`` extended to every other name of a tensor it replaces (tied weights)."""
    by_object: dict[int, list[str]] = {}
    for n in names:
        by_object.setdefault(id(_get(module, n)), []).append(n)
    out = dict(given)
    for n, value in given.items():
        for other in by_object.get(id(_get(module, n)), []) if n in names else []:
            out.setdefault(other, value)
    return out


def _owner(module: Any, name: str) -> tuple[Any, str]:
    *path, leaf = name.split(".")
    for part in path:
        module = getattr(module, part)
    return module, leaf


def _get(module: Any, name: str) -> Any:
    owner, leaf = _owner(module, name)
    return getattr(owner, leaf)


def _swap(module: Any, name: str, value: Any) -> Any:
    """Put ``value`` in the place of ``name`` (a parameter, a buffer or an attribute) as it
    is, no Parameter made of it; returns what was there."""
    owner, leaf = _owner(module, name)
    for table in (owner._parameters, owner._buffers):
        if leaf in table:
            old, table[leaf] = table[leaf], value
            return old
    old = getattr(owner, leaf, None)
    object.__setattr__(owner, leaf, value)
    return old
