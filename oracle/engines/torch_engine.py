"""The PyTorch adapter: the only module of ``oracle`` that imports torch (installed by the
``torch`` extra).

``record`` runs ``fn`` under a ``TorchDispatchMode`` that sees every ATen operator with its
real inputs and outputs, below autograd: a user's ``autograd.Function`` is recorded through
what its forward computes, operator by operator. Each operator's output becomes an IR node
whose meaning comes from the table in ``oracle.engines.aten_ops``; an operator the table lacks
becomes a node named ``aten.<overload>`` with no meaning, so the verdict is ``unsupported`` and
names it. Then torch's backward runs (outside the mode) with a hook on every autograd node
(``grad_fn.register_hook``) keeping the cotangent the node received and the gradients it gave
out; each IR node carries the name of the autograd node that produced its value
(``SigmoidBackward0``, or a custom Function's ``MyFnBackward``). It never looks at a backward
formula.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ml_dtypes
import numpy as np
import torch
from torch.autograd.function import BackwardCFunction
from torch.utils._python_dispatch import TorchDispatchMode

from oracle.engines import aten_ops
from oracle.engines.base import Case, Engine, OpInfo, Recording, Unsupported
from oracle.ir import Graph, IRNode

__all__ = ["ADAPTER", "TorchEngine", "array_of"]

# Judge ops whose number operands are values, never indices (a wrapped Python int is one).
_ARITHMETIC = frozenset({"add", "sub", "rsub", "mul", "div", "pow_tensor", "maximum",
                         "minimum", "atan2", "where", "remainder_tensor", "fmod_tensor"})


def _name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def array_of(t: Any) -> np.ndarray:
    """A copy of a torch tensor's values as a NumPy array of its own dtype (bfloat16 as
    ``ml_dtypes.bfloat16``).

    >>> array_of(torch.tensor([1.5], dtype=torch.bfloat16)).dtype.name
    'bfloat16'
    """
    # force: a ZeroTensor (sgn's backward gives one) has no memory of its own to share.
    t = t.detach().cpu()
    if t.dtype == torch.bfloat16:
        return t.contiguous().view(torch.int16).numpy(force=True).view(ml_dtypes.bfloat16).copy()
    return t.numpy(force=True).copy()


def _hex_list(a: np.ndarray) -> list[str]:
    return [float(v).hex() for v in np.ravel(np.asarray(a, dtype=np.float64))]


def _tuple(x: Any) -> tuple[Any, ...]:
    if x is None:
        return ()
    return (x,) if isinstance(x, torch.Tensor) else tuple(x)


class _Recorder(TorchDispatchMode):
    """Writes the IR of every ATen call made while it is active."""

    def __init__(self, leaves: Sequence[torch.Tensor]) -> None:
        super().__init__()
        self.nodes: list[IRNode] = []
        self.ids: dict[int, int] = {}
        self.keep: list[Any] = []  # every tensor seen stays alive: no id is reused
        self.produced: list[tuple[torch.Tensor, int]] = []
        self.aliases: dict[tuple[Any, ...], int] = {}  # an op's output by the memory it holds
        self.pending: dict[int, tuple[Any, ...]] = {}  # outputs without a meaning, unused yet
        self.edge_ends: dict[tuple[int, int], int] = {}  # (id(grad_fn), output_nr) -> node id
        self.grad_off: set[int] = set()  # nodes made with grad mode off
        self.fresh: set[int] = set()  # ids of tensors no op of the graph made (detach, zeros)
        # native_layer_norm's eps by its rstd output: its backward takes rstd, not eps.
        self.layer_norm_eps: dict[tuple[Any, ...], float] = {}
        for t in leaves:
            self._value(t, "leaf")

    # -- values ---------------------------------------------------------------------------
    def _value(self, t: Any, kind: str, as_float: bool = False) -> int:
        if isinstance(t, torch.Tensor):
            if id(t) in self.ids:
                return self.ids[id(t)]
            if id(t) not in self.fresh and _alias(t) in self.aliases:
                # A backward's saved result, unpacked as a new tensor on the same memory.
                return self.aliases[_alias(t)]
            if id(t) in self.pending:
                _, overload, op, ins, grad_off = self.pending.pop(id(t))
                return self._node(t, overload, op, ins, {}, grad_off)
            value = array_of(t)
            if as_float and value.dtype.kind in "iub":
                value = value.astype(np.float64)
            self.keep.append(t)
        else:  # a Python number, or an array the table supplies
            value = np.asarray(t, dtype=np.float64)
        name = "bfloat16" if value.dtype == ml_dtypes.bfloat16 else value.dtype.name
        nid = len(self.nodes)
        self.nodes.append(IRNode(nid, kind, value=value, dtype=name))
        if isinstance(t, torch.Tensor):
            self.ids[id(t)] = nid
        return nid

    def _in_graph(self, t: Any) -> bool:
        if not isinstance(t, torch.Tensor):
            return False
        nid = self.ids.get(id(t), None if id(t) in self.fresh else self.aliases.get(_alias(t)))
        return id(t) in self.pending or nid is not None and self.nodes[nid].kind != "const"

    # -- the mode ---------------------------------------------------------------------------
    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (),
                           kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        named = _named(func, args, kwargs)
        tensors = [t for v in named.values() for t in (v if isinstance(v, list | tuple) else [v])
                   if isinstance(t, torch.Tensor)]
        if not any(self._in_graph(t) for t in tensors):
            if func._schema.is_mutable and isinstance(named.get("self"), torch.Tensor):
                # A constant written in place is read anew at its next use.
                self.ids.pop(id(named["self"]), None)
            return func(*args, **kwargs)
        overload = f"{func._opname}.{func._overloadname}"
        if func.namespace not in ("aten", "prims"):
            # A custom operator: its kernel runs with the recorder on, so that what its
            # forward computes is recorded operator by operator.
            overload = f"{func.namespace}::{overload}"
            out = self._kernel(func, tensors, args, kwargs)
            self._outputs(overload, named, [o for o in _tuple(out) if id(o) not in self.ids])
            return out
        if func._schema.is_mutable:
            mutated = [a.name for a in func._schema.arguments
                       if a.alias_info is not None and a.alias_info.is_write]
            target = named.get("self")
            if mutated != ["self"] or self._in_graph(target) and not self._unviewed(target):
                raise Unsupported(f"aten.{overload}: writes in place into a tensor of the "
                                  "graph that is a leaf or has views; the oracle judges such "
                                  "functions without in-place writes")
            # A write into an op's result no other tensor views (PyTorch's composites do
            # that: rms_norm's add_), or into a fresh tensor (a backward's scratch): the
            # out-of-place op on the values it held before, its result the tensor from then.
            named["self"] = self._before_write(target)
            overload = f"{func._opname.removesuffix('_')}.{func._overloadname}"
        out = func(*args, **kwargs)
        self._outputs(overload, named, out)
        return out

    def _unviewed(self, t: torch.Tensor) -> bool:
        """Whether ``t`` is an op's result whose memory no other recorded value holds."""
        nid = self.ids.get(id(t))
        if nid is None or self.nodes[nid].kind != "op":
            return False
        ptr = t.untyped_storage().data_ptr()
        # A view of the same shape has the same key: it owns the entry then.
        return [key for key in self.aliases if key[0] == ptr] == [_alias(t)] \
            and self.aliases[_alias(t)] == nid

    def _before_write(self, t: torch.Tensor) -> torch.Tensor:
        """A copy of ``t``'s values before an in-place write, standing for its node (if any):
        the write's result is a new node, and ``t``'s autograd node is then the write's."""
        before = t.clone()
        nid = self.ids.get(id(t))
        if nid is not None:
            self.ids[id(before)] = nid
            self.keep.append(before)
            self.produced = [(o, n) for o, n in self.produced if n != nid]
        return before

    def _kernel(self, func: Any, tensors: list[torch.Tensor], args: Any, kwargs: Any) -> Any:
        """A custom operator's own kernel for the tensors' device, run with the recorder on."""
        keys = torch.DispatchKeySet("CUDA" if any(t.is_cuda for t in tensors) else "CPU")
        with self:
            return func.redispatch(keys, *args, **kwargs)

    def _outputs(self, overload: str, named: dict[str, Any], out: Any) -> None:
        """Record the outputs of a call of ``overload``."""
        if overload in aten_ops.NO_GRAPH:
            # A constant, read when first used: a detached tensor holds its source's memory,
            # where the alias lookup (meant for a backward's saved results) would find the
            # source, and a fresh one may be filled in place before it is read.
            for o in _tuple(out):
                if isinstance(o, torch.Tensor) and id(o) not in self.ids:
                    self.fresh.add(id(o))
                    self.keep.append(o)
            return
        if overload == "native_layer_norm.default":
            self.layer_norm_eps[_alias(out[2])] = named["eps"]
        elif overload == "native_layer_norm_backward.default":
            named["__eps__"] = self.layer_norm_eps.get(_alias(named["rstd"]))
        for i, o in enumerate(_tuple(out)):
            if isinstance(o, torch.Tensor) and o.dtype.is_floating_point:
                self._op(overload, named, o, i)

    def _op(self, overload: str, named: dict[str, Any], o: torch.Tensor, i: int) -> None:
        grad_off = not torch.is_grad_enabled()
        try:
            op, ins, attrs = aten_ops.convert(overload, {**named, "__out__": o}, i)
        except KeyError as exc:
            # No meaning: a node naming the overload, made only once the value is used (an
            # unused output, such as native_layer_norm's mean, needs none), so that the
            # judge says it cannot judge it.
            why = exc.args[0] if exc.args else overload
            named_op = overload if "::" in overload else f"aten.{overload}"
            op = named_op if why == overload else f"{named_op} ({why})"
            self.keep.append(o)
            self.pending[id(o)] = (o, overload, op, [
                (k, v) for k, v in named.items() if isinstance(v, torch.Tensor)], grad_off)
            return
        self._node(o, overload, op, ins, attrs, grad_off)

    def _node(self, o: torch.Tensor, overload: str, op: str, ins: list[tuple[str, Any]],
              attrs: dict[str, Any], grad_off: bool) -> int:
        as_float = op in _ARITHMETIC
        ids = tuple(self._value(v, "const", as_float) for _, v in ins)
        nid = len(self.nodes)
        self.nodes.append(IRNode(
            nid, "op", op=op, attrs=attrs, inputs=ids, arg_names=tuple(n for n, _ in ins),
            in_dtypes=tuple(self.nodes[j].dtype for j in ids), value=array_of(o),
            dtype=_name(o.dtype), info={"aten": overload},
            kinks=aten_ops.KINKS.get(op, ())))
        self.ids[id(o)] = nid
        self.aliases[_alias(o)] = nid
        self.keep.append(o)
        self.produced.append((o, nid))
        if grad_off:
            self.grad_off.add(nid)
        return nid

    # -- after the run ----------------------------------------------------------------------
    def graph(self, outs: Sequence[Any], diff: Sequence[torch.Tensor]) -> Graph:
        out_ids = [self._value(o, "const") for o in outs]
        self._cut_grad_off()
        in_ids = [self.ids.get(id(t)) for t in diff]
        used = _reaching(self.nodes, out_ids)
        return Graph(self.nodes, out_ids, [i if i in used else None for i in in_ids],
                     [tuple(t.shape) for t in diff])

    def _cut_grad_off(self) -> None:
        """Values made with grad mode off (``torch.no_grad()``) are constants to torch, and
        become constants here, except the forward of a custom Function or custom operator,
        which runs with grad off too: the values that flow, through values made with grad off,
        into one that came out with a ``grad_fn`` (a user's ``no_grad`` value fed straight
        into a custom Function is read as part of its forward)."""
        live = {nid for o, nid in self.produced if nid in self.grad_off and o.requires_grad}
        for node in reversed(self.nodes):
            if node.id in live:
                live.update(i for i in node.inputs if i in self.grad_off)
        for nid in self.grad_off - live:
            node = self.nodes[nid]
            self.nodes[nid] = IRNode(nid, "const", value=node.value, dtype=node.dtype)
        self.produced = [(o, nid) for o, nid in self.produced if self.nodes[nid].kind == "op"]

    def hooks(self) -> list[Any]:
        """A hook on the autograd node behind every recorded value; returns the handles."""
        by_fn: dict[int, tuple[Any, list[tuple[int, int]]]] = {}
        for o, nid in self.produced:
            fn = o.grad_fn
            if fn is None:
                continue
            self.edge_ends[(id(fn), o.output_nr)] = nid
            self.nodes[nid].info["grad_fn"] = fn.name()
            by_fn.setdefault(id(fn), (fn, []))[1].append((nid, o.output_nr))
        return [fn.register_hook(self._keeper(fn, outs)) for fn, outs in by_fn.values()]

    def _keeper(self, fn: Any, outs: list[tuple[int, int]]) -> Callable[..., None]:
        """A hook keeping the cotangent ``fn`` received and the gradients it gave. Its
        gradients go to the values at the ends of its edges: the node's own inputs for an
        ATen operator's node, the Function's inputs for a custom Function (whose node sits on
        the last operator of its forward); ``info["grad_wrt"]`` lists them when they differ."""
        wrt = [self._end(nxt, nr) for nxt, nr in fn.next_functions]
        for nid, _ in outs:
            node = self.nodes[nid]
            if len(outs) > 1:
                # One backward for several outputs (split, unbind): its gradients answer all
                # their cotangents at once, so no one output's node can be judged alone.
                node.info["shared_backward"] = len(outs)
            if isinstance(fn, BackwardCFunction) or not set(wrt) - {None} <= set(node.inputs):
                node.info["grad_wrt"] = tuple(wrt)
        slots = {nid: [wrt.index(i) if i in wrt and "grad_wrt" not in self.nodes[nid].info
                       else None for i in self.nodes[nid].inputs] for nid, _ in outs}

        def keep(grad_inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> None:
            for nid, nr in outs:
                node = self.nodes[nid]
                g = grad_outputs[nr] if nr < len(grad_outputs) else None
                node.cotangent = None if g is None else array_of(g)
                picks = range(len(wrt)) if "grad_wrt" in node.info else slots[nid]
                node.grads = tuple(None if k is None or grad_inputs[k] is None
                                   else array_of(grad_inputs[k]) for k in picks)

        return keep

    def _end(self, nxt: Any, nr: int) -> int | None:
        """The IR id of the value at the end of an autograd edge."""
        if nxt is None:
            return None
        variable = getattr(nxt, "variable", None)
        if variable is not None:
            return self.ids.get(id(variable))
        return self.edge_ends.get((id(nxt), nr))


def _alias(t: torch.Tensor) -> tuple[Any, ...]:
    """What identifies a tensor's values in memory (two tensors with the same are one)."""
    return (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.stride(),
            t.dtype, t.device)


def _reaching(nodes: list[IRNode], outs: list[int]) -> set[int]:
    need = set(outs)
    for node in reversed(nodes):
        if node.id in need:
            need.update(node.inputs)
    return need


def _named(func: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """An ATen call's arguments by their schema names, defaults filled in."""
    named: dict[str, Any] = {}
    for k, a in enumerate(func._schema.arguments):
        if k < len(args) and not a.kwarg_only:
            named[a.name] = args[k]
        elif a.name in kwargs:
            named[a.name] = kwargs[a.name]
        elif a.has_default_value():
            named[a.name] = a.default_value
        else:
            named[a.name] = None
    return named


class TorchEngine(Engine):
    """PyTorch behind the adapter protocol (``oracle.engines.base.Engine``).

    >>> x = torch.tensor([0.5, -2.0], requires_grad=True)
    >>> rec = ADAPTER.record(lambda x: (x * x).sum(), [x])
    >>> [n.op or n.kind for n in rec.graph.nodes], rec.grads[0].tolist()
    (['leaf', 'mul', 'sum_all'], [1.0, -4.0])
    >>> rec.graph.nodes[1].info["grad_fn"], rec.graph.nodes[1].cotangent.tolist()
    ('MulBackward0', [1.0, 1.0])
    """

    name = "torch"
    roots = ("torch",)

    # -- tensors ----------------------------------------------------------------------------
    def is_tensor(self, x: Any) -> bool:
        """Whether ``x`` is a torch tensor.

        >>> ADAPTER.is_tensor(torch.zeros(1)), ADAPTER.is_tensor(np.zeros(1))
        (True, False)
        """
        return isinstance(x, torch.Tensor)

    def to_numpy(self, t: Any) -> np.ndarray:
        """A copy of the tensor's values (or of an array) in its own dtype.

        >>> ADAPTER.to_numpy(torch.tensor([2.0], dtype=torch.float16)).dtype.name
        'float16'
        """
        return array_of(t) if isinstance(t, torch.Tensor) else np.array(t, copy=True)

    def dtype_name(self, t: Any) -> str:
        """The tensor's dtype name.

        >>> ADAPTER.dtype_name(torch.zeros(1, dtype=torch.bfloat16))
        'bfloat16'
        """
        return _name(t.dtype)

    def requires_grad(self, t: Any) -> bool:
        """Whether the tensor requires grad.

        >>> ADAPTER.requires_grad(torch.zeros(1, requires_grad=True))
        True
        """
        return isinstance(t, torch.Tensor) and bool(t.requires_grad)

    def tensor(self, a: Any, dtype: str, requires_grad: bool = False) -> Any:
        """A new tensor of ``dtype`` holding ``a`` (rounded once, from float64).

        >>> ADAPTER.tensor([0.5], "bfloat16", requires_grad=True)
        tensor([0.5000], dtype=torch.bfloat16, requires_grad=True)
        """
        a = np.asarray(a)
        if a.dtype.kind == "f" or a.dtype == ml_dtypes.bfloat16:
            a = a.astype(np.float64)
        t = torch.from_numpy(np.array(a)).to(getattr(torch, dtype))
        return t.requires_grad_(requires_grad)

    # -- running ----------------------------------------------------------------------------
    def read(self, outputs: Sequence[Any], inputs: Sequence[Any]) -> Graph:
        """torch keeps no forward values to read after the fact: its graph is recorded only
        while ``fn`` runs (``record``).

        >>> ADAPTER.read([torch.ones(1)], [])
        Traceback (most recent call last):
        ...
        oracle.engines.base.Unsupported: torch's graph is recorded only while the function runs
        """
        raise Unsupported("torch's graph is recorded only while the function runs")

    def record(self, fn: Callable[..., Any], inputs: Sequence[Any], *, order: int = 1,
               grad_outputs: Sequence[Any] | None = None, v: Sequence[Any] | None = None,
               seed: int = 0) -> Recording:
        """Run ``fn`` under the recorder, then torch's backward with a hook on every autograd
        node (see ``Engine.record``).

        >>> x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
        >>> rec = ADAPTER.record(lambda x: x.exp().sum(), [x])
        >>> exp = rec.graph.nodes[1]
        >>> exp.op, exp.info["aten"], exp.cotangent.tolist(), exp.grads[0].tolist()
        ('exp', 'exp.default', [1.0], [7.38905609893065])
        """
        rng = np.random.default_rng(seed)
        diff = [t for t in inputs if self.requires_grad(t)]
        recorder = _Recorder(diff)
        with recorder:
            outs = tuple(o for o in _tuple(fn(*inputs)) if isinstance(o, torch.Tensor))
        gos = self._grad_outputs(outs, grad_outputs, rng)
        graph = recorder.graph(outs, diff)
        handles = recorder.hooks()
        wanted = [(o, g) for o, g in zip(outs, gos, strict=True) if o.requires_grad]
        try:
            first = torch.autograd.grad([o for o, _ in wanted], diff, [g for _, g in wanted],
                                        retain_graph=True, create_graph=order == 2,
                                        allow_unused=True) if wanted and diff \
                else [None] * len(diff)
        finally:
            for h in handles:
                h.remove()
        rec = Recording(graph, [array_of(o) for o in outs], [array_of(g) for g in gos],
                        _filled(first, diff))
        if order == 2:
            vs = self._directions(diff, v, rng)
            used = [(g, a) for g, a in zip(first, vs, strict=True)
                    if g is not None and g.requires_grad]
            second = torch.autograd.grad([g for g, _ in used], diff, [a for _, a in used],
                                         retain_graph=True, allow_unused=True) if used \
                else [None] * len(diff)
            rec.v = [array_of(a) for a in vs]
            rec.hvp = _filled(second, diff)
        return rec

    def weights(self, outs: Sequence[Any], diff: Sequence[Any], order: int, *, seed: int = 0
                ) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        """The grad outputs and (at the second order) the direction ``record`` draws for
        ``outs`` and the differentiated inputs ``diff`` when it is given none, as arrays.

        >>> x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
        >>> gos, vs = ADAPTER.weights([x.sum()], [x], 2)
        >>> gos[0].tolist(), vs[0].shape
        (1.0, (2,))
        """
        rng = np.random.default_rng(seed)
        gos = self._grad_outputs(tuple(outs), None, rng)
        vs = self._directions(diff, None, rng) if order == 2 else None
        return [array_of(g) for g in gos], None if vs is None else [array_of(a) for a in vs]

    def _directions(self, diff: Sequence[Any], given: Sequence[Any] | None,
                    rng: np.random.Generator) -> list[Any]:
        if given is None:
            return [self.tensor(rng.standard_normal(tuple(t.shape)), _name(t.dtype))
                    for t in diff]
        return [a if isinstance(a, torch.Tensor) else self.tensor(a, _name(t.dtype))
                for a, t in zip(given, diff, strict=True)]

    def _grad_outputs(self, outs: tuple[Any, ...], given: Sequence[Any] | None,
                      rng: np.random.Generator) -> list[Any]:
        if given is None:
            return [torch.ones_like(o) if o.numel() == 1 else
                    self.tensor(rng.standard_normal(tuple(o.shape)), _name(o.dtype))
                    for o in outs]
        return [g if isinstance(g, torch.Tensor) else self.tensor(g, _name(o.dtype))
                for g, o in zip(given, outs, strict=True)]

    def evaluate64(self, fn: Callable[..., Any], inputs: Sequence[Any], diff: Sequence[int],
                   arrays: Sequence[np.ndarray], *, grad: bool = False) -> list[np.ndarray]:
        """``fn`` on float64 tensors (see ``Engine.evaluate64``); whatever ``grad`` says, grad
        mode is on and the inputs at ``diff`` require grad, for an ``fn`` that differentiates
        inside itself.

        >>> x = torch.tensor([0.1], requires_grad=True)
        >>> ADAPTER.evaluate64(lambda x: x * 3, [x], [0], [np.array([0.1])])
        [array([0.3])]
        """
        args = list(inputs)
        # Grad stays on and the inputs require it: ``fn`` may differentiate inside itself.
        for i, a in zip(diff, arrays, strict=True):
            args[i] = torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
        for i, t in enumerate(inputs):
            if i not in diff and isinstance(t, torch.Tensor) and t.dtype.is_floating_point:
                args[i] = t.detach().to(torch.float64)
        with torch.enable_grad():
            outs = _tuple(fn(*args))
        return [array_of(o).astype(np.float64) for o in outs if isinstance(o, torch.Tensor)]

    def grad(self, outputs: Sequence[Any], inputs: Sequence[Any],
             grad_outputs: Sequence[Any], *, create_graph: bool = False) -> list[Any]:
        """torch's ``autograd.grad`` (see ``Engine.grad``).

        >>> x = torch.tensor([3.0], requires_grad=True)
        >>> ADAPTER.grad([x * x], [x], [np.ones(1)])
        [tensor([6.])]
        """
        gos = [g if isinstance(g, torch.Tensor) else self.tensor(g, _name(o.dtype))
               for g, o in zip(grad_outputs, outputs, strict=True)]
        return list(torch.autograd.grad(list(outputs), list(inputs), gos, retain_graph=True,
                                        create_graph=create_graph, allow_unused=True))

    # -- declarations -----------------------------------------------------------------------
    def op_info(self, op: Any) -> OpInfo:
        """The declaration of one of the sweep's torch ops (``oracle.engines.torch_catalog``).

        >>> ADAPTER.op_info("sigmoid").args
        ('self',)
        """
        from oracle.engines import torch_catalog

        return torch_catalog.op_info(op if isinstance(op, str) else op.name)

    def op_source(self, op: OpInfo, attrs: dict[str, Any]) -> str:
        """``fn`` calling the torch op (see ``Engine.op_source``).

        >>> print(ADAPTER.op_source(ADAPTER.op_info("sigmoid"), {}), end="")
        fn = lambda self: torch.sigmoid(self)
        """
        from oracle.engines import torch_catalog

        return torch_catalog.source(op.name, attrs)

    def reproducer(self, inputs: Sequence[Any], names: Sequence[str], diff: Sequence[bool],
                   call: str, defs: str, grad_outputs: Sequence[np.ndarray], order: int,
                   v: Sequence[np.ndarray] | None) -> str:
        """A torch-only script rebuilding the inputs bit for bit, rerunning torch's backward
        and printing its gradients (the verdict holds the exact values they are judged by).

        >>> x = torch.tensor([38.0], dtype=torch.float64, requires_grad=True)
        >>> src = ADAPTER.reproducer([x], ["x"], [True], "fn", "fn = torch.sigmoid\\n",
        ...                          [np.ones(1)], 1, None)
        >>> "oracle" in src, "symgrad" in src
        (False, False)
        >>> exec(src)  # doctest: +ELLIPSIS
        x ['0x0.0p+0']
        """
        lines = ["import torch", "", "",
                 "def t(hexes, shape, dtype, requires_grad=False):",
                 "    a = torch.tensor([float.fromhex(h) for h in hexes], dtype=torch.float64)",
                 "    return a.reshape(shape).to(getattr(torch, dtype))"
                 ".requires_grad_(requires_grad)", "", ""]
        for t, name, rg in zip(inputs, names, diff, strict=True):
            if t.dtype.is_floating_point:
                lines.append(f"{name} = t({_hex_list(array_of(t))!r}, {tuple(t.shape)!r}, "
                             f"{_name(t.dtype)!r}, requires_grad={rg})")
            else:
                lines.append(f"{name} = torch.tensor({array_of(t).tolist()!r}, "
                             f"dtype=torch.{_name(t.dtype)})")
        wrt = [n for n, rg in zip(names, diff, strict=True) if rg]
        lines += ["", defs.rstrip(), "",
                  f"out = {call}({', '.join(names)})",
                  "outs = [out] if isinstance(out, torch.Tensor) else list(out)",
                  "weights = [" + ", ".join(
                      f"t({_hex_list(g)!r}, {g.shape!r}, 'float64').to(o.dtype)"
                      for g in grad_outputs).replace("o.dtype", "outs[{}].dtype") + "]"]
        lines[-1] = lines[-1].format(*range(len(grad_outputs)))
        lines.append(f"grads = torch.autograd.grad(outs, [{', '.join(wrt)}], weights, "
                     f"create_graph={order == 2}, allow_unused=True)")
        if order == 2 and v is not None:
            lines.append("v = [" + ", ".join(
                f"t({_hex_list(a)!r}, {a.shape!r}, 'float64').to({w}.dtype)"
                for a, w in zip(v, wrt, strict=True)) + "]")
            lines.append(f"grads = torch.autograd.grad([g for g in grads if g is not None], "
                         f"[{', '.join(wrt)}], [a for a, g in zip(v, grads) if g is not None], "
                         "allow_unused=True)")
        lines.append(f"for name, g in zip({wrt!r}, grads):")
        lines.append("    print(name, None if g is None else "
                     "[float(e).hex() for e in g.double().flatten()])")
        return "\n".join(lines) + "\n"

    # -- the sweep's catalog ----------------------------------------------------------------
    def catalog(self) -> dict[str, tuple[tuple[str, ...], int, bool]]:
        """PyTorch's ops the sweep checks (``oracle.engines.torch_catalog``).

        >>> ADAPTER.catalog()["sigmoid"][0]
        ('float16', 'bfloat16', 'float32', 'float64')
        """
        from oracle.engines import torch_catalog

        return torch_catalog.catalog()

    def case(self, op: str, dtype: str, sample: int) -> Case:
        """One sample of a torch op, ready to judge (``oracle.engines.torch_catalog``).

        >>> ADAPTER.case("sigmoid", "float64", 0).names
        ['self']
        """
        from oracle.engines import torch_catalog

        return torch_catalog.case(op, dtype, sample)


def _filled(grads: Sequence[Any], diff: Sequence[torch.Tensor]) -> list[np.ndarray]:
    """torch's gradients as arrays in each input's dtype, zeros where it gave None."""
    return [array_of(torch.zeros_like(t)) if g is None else array_of(g)
            for g, t in zip(grads, diff, strict=True)]


ADAPTER = TorchEngine()
