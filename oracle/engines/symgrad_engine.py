"""The symgrad adapter: the only module of ``oracle`` that imports symgrad (with its mutants).

It reads a recorded graph into the IR: ``node.op`` (symgrad names its ops as the judge does),
``node.attrs``, ``node.inputs`` (another node, a leaf's ``AccumulateGrad`` or a constant
tensor), the op's declared kink conventions as ``(arg, where, convention)`` and whether its VJP
reads its result. symgrad keeps no node's result, so the adapter reruns each node's forward
(symgrad's own kernel, on the input values recorded) to give every node its value, and checks
the outputs it holds against the rerun. ``record`` runs the engine's backward with a hook on
every node (``Node.register_hook``), keeping the cotangent each node received and the gradients
it gave. It never looks at a VJP.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

import symgrad
from oracle import catalog as where_to_look
from oracle.engines.base import BugCase, Case, Engine, MutantCase, OpInfo, Recording, Unsupported
from oracle.ir import Graph, IRNode
from oracle.samples import DOMAINS, samples_of
from symgrad import _dtypes
from symgrad.autograd.graph import (
    AccumulateGrad,
    JointNode,
    Node,
    OutputSlot,
    node_input_positions,
)
from symgrad.ops.registry import REGISTRY, OpDef, apply
from symgrad.tensor import Tensor

__all__ = ["ADAPTER", "SymgradEngine"]


def _tuple(x: Any) -> tuple[Any, ...]:
    if x is None:
        return ()
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _hex_list(a: np.ndarray) -> list[str]:
    return [float(v).hex() for v in np.ravel(np.asarray(a, dtype=np.float64))]


class SymgradEngine(Engine):
    """symgrad behind the adapter protocol (``oracle.engines.base.Engine``).

    >>> x = symgrad.tensor([0.5, -2.0], requires_grad=True)
    >>> rec = ADAPTER.record(lambda x: (x * x).sum(), [x])
    >>> [n.op or n.kind for n in rec.graph.nodes], rec.grads[0].tolist()
    (['leaf', 'mul', 'sum_all'], [1.0, -4.0])
    """

    name = "symgrad"
    roots = ("symgrad",)

    # -- tensors ----------------------------------------------------------------------------
    def is_tensor(self, x: Any) -> bool:
        """Whether ``x`` is a symgrad tensor.

        >>> ADAPTER.is_tensor(symgrad.zeros(1)), ADAPTER.is_tensor(np.zeros(1))
        (True, False)
        """
        return isinstance(x, Tensor)

    def to_numpy(self, t: Any) -> np.ndarray:
        """A copy of the tensor's data (or of an array), in its own dtype.

        >>> ADAPTER.to_numpy(symgrad.tensor([1.5], dtype=symgrad.bfloat16)).dtype.name
        'bfloat16'
        """
        return np.array(t._data if isinstance(t, Tensor) else t, copy=True)

    def dtype_name(self, t: Any) -> str:
        """The tensor's dtype name.

        >>> ADAPTER.dtype_name(symgrad.zeros(1, dtype=symgrad.float16))
        'float16'
        """
        return t.dtype.name

    def requires_grad(self, t: Any) -> bool:
        """Whether the tensor requires grad.

        >>> ADAPTER.requires_grad(symgrad.zeros(1, requires_grad=True))
        True
        """
        return isinstance(t, Tensor) and bool(t.requires_grad)

    def tensor(self, a: Any, dtype: str, requires_grad: bool = False) -> Any:
        """A new symgrad tensor of ``dtype`` holding ``a``.

        >>> ADAPTER.tensor([1.0], "float64", requires_grad=True)
        tensor([1.], dtype=symgrad.float64, requires_grad=True)
        """
        return symgrad.tensor(np.asarray(a), dtype=_dtypes._by_name(dtype),
                              requires_grad=requires_grad)

    # -- reading the graph ------------------------------------------------------------------
    def read(self, outputs: Sequence[Any], inputs: Sequence[Any]) -> Graph:
        """The IR of everything ``outputs`` depend on; ``inputs`` are tensors to
        differentiate by.

        >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
        >>> g = ADAPTER.read([(x * x).sum()], [x])
        >>> [n.op or n.kind for n in g.nodes], g.nodes[1].value.tolist()
        (['leaf', 'mul', 'sum_all'], [1.0, 4.0])
        """
        return _Reader().graph(outputs, inputs)

    def record(self, fn: Callable[..., Any], inputs: Sequence[Any], *, order: int = 1,
               grad_outputs: Sequence[Any] | None = None, v: Sequence[Any] | None = None,
               seed: int = 0) -> Recording:
        """Run ``fn`` and symgrad's backward (see ``Engine.record``), recording each node's
        cotangent with a hook on it.

        >>> x = symgrad.tensor([2.0], requires_grad=True)
        >>> rec = ADAPTER.record(lambda x: x.exp().sum(), [x])
        >>> exp = rec.graph.nodes[1]
        >>> exp.op, exp.cotangent.tolist(), exp.grads[0].tolist()
        ('exp', [1.0], [7.389056205749512])
        """
        rng = np.random.default_rng(seed)
        diff = [t for t in inputs if self.requires_grad(t)]
        outs = _tuple(fn(*inputs))
        gos = self._grad_outputs(outs, grad_outputs, rng)
        reader = _Reader()
        graph = reader.graph(outs, diff)
        handles = [node.register_hook(_keeper(graph.nodes[nid], node, reader.cast_of(node, graph)))
                   for node, nid in reader.op_nodes()]
        handles += [node.register_hook(_joint_keeper(graph, node, read))
                    for node, read in reader.joint_nodes()]
        try:
            first = symgrad.autograd.grad(outs, diff, gos, retain_graph=True,
                                          create_graph=order == 2, allow_unused=True)
        finally:
            for h in handles:
                h.remove()
        rec = Recording(graph, [self.to_numpy(o) for o in outs], [self.to_numpy(g) for g in gos],
                        _filled(first, diff))
        if order == 2:
            vs = [symgrad.tensor(rng.standard_normal(t.shape), dtype=t.dtype) for t in diff] \
                if v is None else [a if isinstance(a, Tensor) else self.tensor(a, t.dtype.name)
                                   for a, t in zip(v, diff, strict=True)]
            used = [(g, a) for g, a in zip(first, vs, strict=True)
                    if g is not None and g.requires_grad]
            second = symgrad.autograd.grad([g for g, _ in used], diff, [a for _, a in used],
                                           retain_graph=True, allow_unused=True) if used \
                else [None] * len(diff)
            rec.v = [self.to_numpy(a) for a in vs]
            rec.hvp = _filled(second, diff)
        return rec

    def _grad_outputs(self, outs: tuple[Any, ...], given: Sequence[Any] | None,
                      rng: np.random.Generator) -> list[Any]:
        if given is None:
            return [symgrad.tensor(np.ones(o.shape), dtype=o.dtype) if o.numel() == 1
                    else symgrad.tensor(rng.standard_normal(o.shape), dtype=o.dtype)
                    for o in outs]
        return [g if isinstance(g, Tensor) else self.tensor(g, o.dtype.name)
                for g, o in zip(given, outs, strict=True)]

    def evaluate64(self, fn: Callable[..., Any], inputs: Sequence[Any], diff: Sequence[int],
                   arrays: Sequence[np.ndarray], *, grad: bool = False) -> list[np.ndarray]:
        """``fn`` on float64 tensors (see ``Engine.evaluate64``).

        >>> x = symgrad.tensor([0.1], requires_grad=True)
        >>> ADAPTER.evaluate64(lambda x: x * 3, [x], [0], [np.array([0.1])])
        [array([0.3])]
        """
        args = list(inputs)
        for i, a in zip(diff, arrays, strict=True):
            args[i] = symgrad.tensor(np.asarray(a, dtype=np.float64), dtype=symgrad.float64,
                                     requires_grad=grad)
        for i, t in enumerate(inputs):
            if i not in diff and isinstance(t, Tensor) and t.dtype.is_floating_point:
                args[i] = symgrad.tensor(np.asarray(t._data, np.float64), dtype=symgrad.float64)
        mode = symgrad.enable_grad() if grad else symgrad.no_grad()
        with mode:
            outs = _tuple(fn(*args))
        return [np.asarray(o._data, dtype=np.float64) for o in outs if isinstance(o, Tensor)]

    def grad(self, outputs: Sequence[Any], inputs: Sequence[Any],
             grad_outputs: Sequence[Any], *, create_graph: bool = False) -> list[Any]:
        """symgrad's ``autograd.grad`` (see ``Engine.grad``).

        >>> x = symgrad.tensor([3.0], requires_grad=True)
        >>> ADAPTER.grad([x * x], [x], [np.ones(1)])
        [tensor([6.])]
        """
        gos = [g if isinstance(g, Tensor) else self.tensor(g, o.dtype.name)
               for g, o in zip(grad_outputs, outputs, strict=True)]
        return list(symgrad.autograd.grad(list(outputs), list(inputs), gos, retain_graph=True,
                                          create_graph=create_graph, allow_unused=True))

    # -- declarations -----------------------------------------------------------------------
    def op_info(self, op: Any) -> OpInfo:
        """A registry op's name, arguments and domains (``oracle.samples``).

        >>> ADAPTER.op_info("log").domains["self"]
        Domain(low=0.0, high=inf, nonzero=False, integer=False)
        """
        opdef: OpDef = REGISTRY[op] if isinstance(op, str) else op
        return OpInfo(opdef.name, tuple(opdef.args), dict(DOMAINS.get(opdef.name, {})))

    def op_source(self, op: OpInfo, attrs: dict[str, Any]) -> str:
        """``fn`` calling the registry op (see ``Engine.op_source``).

        >>> print(ADAPTER.op_source(ADAPTER.op_info("neg"), {}), end="")
        from symgrad.ops.registry import apply
        <BLANKLINE>
        fn = lambda *xs: apply(symgrad.REGISTRY['neg'], *xs, **{})
        """
        return (f"from symgrad.ops.registry import apply\n\n"
                f"fn = lambda *xs: apply(symgrad.REGISTRY[{op.name!r}], *xs, **{attrs!r})\n")

    def reproducer(self, inputs: Sequence[Any], names: Sequence[str], diff: Sequence[bool],
                   call: str, defs: str, grad_outputs: Sequence[np.ndarray], order: int,
                   v: Sequence[np.ndarray] | None) -> str:
        """A script rebuilding the inputs from their hex values and rerunning ``crosscheck``.

        >>> x = symgrad.tensor([0.5])
        >>> print(ADAPTER.reproducer([x], ["x"], [False], "fn", "fn = abs\\n", [], 1, None))
        ... # doctest: +ELLIPSIS
        import numpy as np
        ...
        x = t(['0x1.0000000000000p-1'], (1,), 'float32', requires_grad=False)
        <BLANKLINE>
        fn = abs
        <BLANKLINE>
        verdict = crosscheck(fn, [x], order=1, grad_outputs=[])
        print(verdict.status, verdict.message)
        <BLANKLINE>
        """
        lines = [
            "import numpy as np",
            "import symgrad",
            "from oracle.crosscheck import crosscheck",
            "",
            "",
            "def t(hexes, shape, dtype, requires_grad=False):",
            "    a = np.array([float.fromhex(h) for h in hexes], dtype=np.float64).reshape(shape)",
            "    return symgrad.tensor(a, dtype=getattr(symgrad, dtype), "
            "requires_grad=requires_grad)",
            "",
            "",
        ]
        for t, name, rg in zip(inputs, names, diff, strict=True):
            if t.dtype.is_floating_point:
                lines.append(f"{name} = t({_hex_list(t._data)!r}, {tuple(t.shape)!r}, "
                             f"{t.dtype.name!r}, requires_grad={rg})")
            else:
                lines.append(f"{name} = symgrad.tensor({t._data.tolist()!r}, "
                             f"dtype=symgrad.{t.dtype.name})")
        lines += ["", defs.rstrip(), ""]
        go = ", ".join(f"t({_hex_list(g)!r}, {g.shape!r}, 'float64')" for g in grad_outputs)
        extra = f", grad_outputs=[{go}]"
        if v is not None:
            extra += ", v=[" + ", ".join(f"t({_hex_list(a)!r}, {a.shape!r}, 'float64')"
                                         for a in v) + "]"
        lines.append(f"verdict = crosscheck({call}, [{', '.join(names)}], order={order}{extra})")
        lines.append("print(verdict.status, verdict.message)")
        return "\n".join(lines) + "\n"

    # -- the sweep's catalog ----------------------------------------------------------------
    def catalog(self) -> dict[str, tuple[tuple[str, ...], int, bool]]:
        """Every registry op: its floating dtypes, samples and double backward; ops without
        a gradient to check (no VJP, no differentiable input) have no dtypes.

        >>> cat = ADAPTER.catalog()
        >>> cat["mul"][0], cat["mul"][2], cat["eq"][0]
        (('float16', 'bfloat16', 'float32', 'float64'), True, ())
        """
        floats = ("float16", "bfloat16", "float32", "float64")
        out = {}
        for name, op in REGISTRY.items():
            checkable = op.vjp is not None and bool(op.differentiable)
            dtypes = tuple(d for d in floats if _dtypes._by_name(d) in op.dtypes) \
                if checkable else ()
            out[name] = (dtypes, len(samples_of(name)) + len(where_to_look.cases(name)),
                         bool(op.double_backward))
        return out

    def case(self, op: str, dtype: str, sample: int) -> Case:
        """One sample of a registry op (``oracle.engines.symgrad_samples``), ready to judge.

        >>> case = ADAPTER.case("mul", "float64", 0)
        >>> case.names, case.fn(*case.inputs).shape
        (['self', 'other'], symgrad.Size([2, 3]))
        """
        from oracle.engines.symgrad_samples import make_samples, op_call

        samples = make_samples(op, dtype)
        s = _edge_sample(op, sample - len(samples), dtype) if sample >= len(samples) \
            else samples[sample]
        diff = s.differentiable()
        leaves = s.tensors()

        def fn(*tensors: Any) -> Any:
            return op_call(op, s, dict(zip(diff, tensors, strict=True)))

        described = [_describe(n, a) for n, a in s.arrays.items()]
        return Case(fn, [leaves[n] for n in diff], diff, s.attrs,
                    lambda order: _sample_reproducer(s, order), described)


    def vjp_source(self, op: str) -> str | None:
        """Where the registry op's VJP is written, its path from the package root.

        Args:
            op: A registry op's name.

        >>> ADAPTER.vjp_source("tanh")
        'symgrad/ops/...py:... (...)'
        """
        fn = getattr(REGISTRY.get(op), "vjp", None)
        try:
            fn = inspect.unwrap(fn)
            path, line = inspect.getsourcefile(fn), inspect.getsourcelines(fn)[1]
        except (TypeError, OSError):
            return None
        parts = path.replace("\\", "/").split("/")
        root = len(parts) - 1 - parts[::-1].index("symgrad") if "symgrad" in parts else 0
        return f"{'/'.join(parts[root:])}:{line} ({fn.__qualname__})"

    def mutation_cases(self, ops: list[str] | None, dtypes: list[str],
                       seed: Callable[[str, str], int]) -> Iterator[MutantCase]:
        """symgrad's mutation testing (``oracle.engines.symgrad_mutants``).

        >>> next(ADAPTER.mutation_cases(["neg"], ["float64"], lambda op, sample: 0)).sample
        'sample0'
        """
        from oracle.engines import symgrad_mutants

        return symgrad_mutants.cases(ops, dtypes, seed)

    def bug_cases(self, ops: list[str] | None) -> Iterator[BugCase]:
        """Real gradient bugs re-enacted in symgrad's VJPs (``oracle.engines.symgrad_bugs``).

        Args:
            ops: Op names, or None for every bug.

        >>> next(ADAPTER.bug_cases(["relu"])).category
        'ties and kinks'
        """
        from oracle.engines import symgrad_bugs

        return symgrad_bugs.cases(ops)


def _edge_sample(op: str, index: int, dtype: str) -> Any:
    """A sample after an op's seeded ones (``oracle.samples``): the catalog's
    (``oracle.catalog``), where gradient bugs live (signed zeros, +-1, ties, attribute edges,
    tails, overflow, domain edges)."""
    from oracle.engines.symgrad_samples import SampleInput

    values, attrs = where_to_look.arrays(op, index, dtype)
    arrays = {n: values[n] for n in REGISTRY[op].args}
    return SampleInput(op, f"edges{index}", dtype, arrays, attrs)


def _describe(name: str, a: np.ndarray) -> dict[str, Any]:
    return {"name": name, "shape": list(a.shape), "dtype": _dtypes.from_numpy_dtype(a.dtype).name,
            "values": np.array2string(np.asarray(a, dtype=bool if a.dtype == np.bool_
                                                 else np.float64), precision=6, threshold=40)}


def _sample_reproducer(sample: Any, order: int) -> str:
    """A snippet rerunning one sample of an op from scratch."""
    diff = sample.differentiable()
    lines = ["import symgrad", "from oracle.crosscheck import crosscheck",
             "from symgrad.ops.registry import REGISTRY, apply", ""]
    op = REGISTRY[sample.op]
    for name in op.args:
        a = sample.arrays[name]
        values = np.asarray(a, dtype=bool if a.dtype == np.bool_ else np.float64).tolist()
        d = _dtypes.from_numpy_dtype(a.dtype).name
        grad = ", requires_grad=True" if name in diff else ""
        lines.append(f"{name} = symgrad.tensor({values!r}, dtype=symgrad.{d}{grad})")
    consts = [n for n in op.args if n not in diff]
    params = ", ".join(diff)
    attrs = "".join(f", {k}={v!r}" for k, v in sample.attrs.items())
    lines.append(f"fn = lambda {params}: apply(REGISTRY[{sample.op!r}], "
                 f"{', '.join(op.args)}{attrs})")
    if consts:
        lines.append(f"# {', '.join(consts)}: constant input(s), taken from the enclosing scope")
    lines.append(f"print(crosscheck(fn, [{params}], order={order}, op={sample.op!r}))")
    return "\n".join(lines)


def _filled(grads: Sequence[Any], diff: Sequence[Any]) -> list[np.ndarray]:
    """The engine's gradients as arrays in each input's dtype, zeros where it gave None."""
    return [np.zeros(t.shape, dtype=t._data.dtype) if g is None else np.array(g._data)
            for g, t in zip(grads, diff, strict=True)]


def _keeper(node: IRNode, engine_node: Node, cast: IRNode | None = None
            ) -> Callable[[tuple[Any, ...], tuple[Any, ...]], None]:
    """A node hook keeping, on ``node``, what the engine's backward passed in and out: a
    gradient per input of ``engine_node``, None for those its hooks are not shown (a where's
    condition: ``graph.node_input_positions``), which are constants and get none. ``cast``:
    the ``to_copy`` node read for the node's narrowing cast of its first input
    (``_Reader.narrowed``), which passes on the gradient the op gave in the narrow dtype (the
    engine widened it back: exact)."""
    def keep(grad_inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> None:
        (g,) = grad_outputs
        node.cotangent = None if g is None else np.array(g._data)
        grads = _per_input(engine_node, grad_inputs)
        if cast is not None and grads and grads[0] is not None:
            narrow = grads[0].astype(_dtypes._by_name(cast.dtype).np)
            cast.cotangent, cast.grads = narrow, (grads[0],)
            grads = (narrow, *grads[1:])
        node.grads = grads

    return keep


def _per_input(engine_node: Node, grad_inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """A node hook's ``grad_inputs`` as arrays, one per input of ``engine_node``: None for
    those its hooks are not shown (``graph.node_input_positions``)."""
    grads = tuple(None if x is None else np.array(x._data) for x in grad_inputs)
    positions = node_input_positions(engine_node)
    if positions is None:
        return grads
    spread: list[Any] = [None] * len(engine_node.inputs)
    for i, grad in zip(positions, grads, strict=True):
        spread[i] = grad
    return tuple(spread)


def _joint_keeper(graph: Graph, engine_node: Node, read: dict[int, int]
                  ) -> Callable[[tuple[Any, ...], tuple[Any, ...]], None]:
    """``_keeper`` for the one node of an op of several outputs (``JointNode``), read as one
    IR node per output (``read``: output index -> IR id): each keeps its own cotangent and
    the node's gradients, which answer the cotangents of all the outputs read at once
    (``info["shared_backward"]``, as the torch adapter marks split's)."""
    if len(read) > 1:
        for nid in read.values():
            graph.nodes[nid].info["shared_backward"] = len(read)

    def keep(grad_inputs: tuple[Any, ...], grad_outputs: tuple[Any, ...]) -> None:
        grads = _per_input(engine_node, grad_inputs)
        for k, nid in read.items():
            g = grad_outputs[k]
            graph.nodes[nid].cotangent = None if g is None else np.array(g._data)
            graph.nodes[nid].grads = grads

    return keep


def _producer(t: Tensor) -> Any:
    """What a tensor's gradient reaches first: for an output of an op of several outputs, its
    ``OutputSlot`` (``grad_fn`` is the node they share); else ``grad_fn``, a leaf's
    accumulator, or the constant itself."""
    if isinstance(t._fn, OutputSlot) and isinstance(t._fn.shared, JointNode):
        return t._fn
    return t.grad_fn if t.grad_fn is not None else t._accumulator() if t._rg else t


class _Reader:
    """Reads one recorded graph (iteratively: any depth) into the IR."""

    def __init__(self) -> None:
        self.nodes: list[IRNode] = []
        self.ids: dict[int, int] = {}
        # Every object read stays alive until the reading ends, so no id is reused.
        self.keep: list[Any] = []
        self.engine_nodes: list[tuple[Node, int]] = []
        # A Function call with several outputs, read through its forward: output -> IR id.
        self.outputs_of: dict[int, dict[int, int]] = {}
        # A node casting its input to a narrower dtype inside (``narrowed``) -> the IR id of
        # the ``to_copy`` node standing for the cast.
        self.casts: dict[int, int] = {}
        # The one node of an op of several outputs (``JointNode``), read as one IR node per
        # output: its outputs read, output index -> IR id.
        self.joints: list[tuple[JointNode, dict[int, int]]] = []
        self.outputs_read: dict[int, dict[int, int]] = {}

    def graph(self, outputs: Sequence[Any], inputs: Sequence[Any]) -> Graph:
        outs = _tuple(outputs)
        out_ids = [self.visit(_producer(o)) for o in outs]
        in_ids: list[int | None] = []
        for t in _tuple(inputs):
            acc = t._live_accumulator() if t.grad_fn is None else None
            key = id(_producer(t)) if t.grad_fn is not None else id(acc) if acc is not None \
                else id(t)
            in_ids.append(self.ids.get(key))
        for o, nid in zip(outs, out_ids, strict=True):
            held = self.nodes[nid].value
            assert held is not None
            if held.shape != o._data.shape or not np.array_equal(held, o._data, equal_nan=True):
                raise Unsupported(f"{self.nodes[nid].info.get('grad_fn')}: rerunning its "
                                  "forward does not give the output the engine returned")
        return Graph(self.nodes, out_ids, in_ids, [tuple(t.shape) for t in _tuple(inputs)])

    def cast_of(self, node: Node, graph: Graph) -> IRNode | None:
        """The ``to_copy`` node read for ``node``'s narrowing cast (``narrowed``), or None."""
        nid = self.casts.get(id(node))
        return None if nid is None else graph.nodes[nid]

    def op_nodes(self) -> list[tuple[Node, int]]:
        """The engine's op nodes read, with their IR ids."""
        return self.engine_nodes

    def joint_nodes(self) -> list[tuple[JointNode, dict[int, int]]]:
        """The engine's nodes of ops of several outputs read, with the IR ids of their outputs
        read (by output index)."""
        return self.joints

    def value_node(self, t: Any, kind: str) -> int:
        key = id(t)
        if key not in self.ids:
            data = np.array(t._data, copy=True)
            self.nodes.append(IRNode(len(self.nodes), kind, value=data, dtype=t.dtype.name))
            self.ids[key] = len(self.nodes) - 1
            self.keep.append(t)
        return self.ids[key]

    def visit(self, root: Any) -> int:
        if not isinstance(root, Node):
            return self.value_node(root, "const")
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in self.ids:
                continue
            if isinstance(node, AccumulateGrad):
                self.ids[id(node)] = self.value_node(node.variable, "leaf")
                self.keep.append(node)
                continue
            if isinstance(node, OutputSlot):
                waiting = [x for x in node.shared.inputs
                           if isinstance(x, Node) and id(x) not in self.ids]
                if waiting:
                    stack.append((node, False))
                    stack.extend((x, False) for x in waiting)
                    continue
                self.ids[id(node)] = self.joint_output(node) if isinstance(
                    node.shared, JointNode) else self.output_through_forward(node)
                self.keep.append(node)
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((x, False) for x in node.inputs
                             if isinstance(x, Node) and id(x) not in self.ids)
                continue
            ins = tuple(self.value_node(x, "const") if not isinstance(x, Node)
                        else self.ids[id(x)] for x in node.inputs)
            ins = self.narrowed(node, ins)
            nid = self.through_forward(node, ins) if _opaque_function(node) else None
            if nid is None:
                nid = len(self.nodes)
                self.nodes.append(_op_node(node, nid, ins, [self.nodes[i] for i in ins]))
                if id(node) in self.casts:  # its input is the cast's result
                    op_node = self.nodes[nid]
                    op_node.in_dtypes = (node.attrs["dtype"], *op_node.in_dtypes[1:])
            self.ids[id(node)] = nid
            self.keep.append(node)
            self.engine_nodes.append((node, nid))
        return self.ids[id(root)]


    def narrowed(self, node: Any, ins: tuple[int, ...]) -> tuple[int, ...]:
        """The inputs of a node whose op casts its input to a narrower ``dtype`` first (a
        reduction's ``dtype=``, read inside the node as PyTorch's node reads it): the cast is
        read as a ``to_copy`` node of its own, so that the judge sees the rounding the op
        computes after and judges its gradient in the narrower dtype. (A widening cast is
        exact: the op's meaning on the input is the op's meaning on the cast.) Its gradient
        is the node's, which the engine widened back exactly (``_keeper``)."""
        name = node.attrs.get("dtype") if node.op.kind == "reduction" else None
        if not isinstance(name, str) or not ins:
            return ins
        source = self.nodes[ins[0]]
        target = _dtypes._by_name(name)
        if source.value is None or _dtypes.promote_types(
                _dtypes._by_name(source.dtype), target) is target:
            return ins
        nid = len(self.nodes)
        self.nodes.append(IRNode(nid, "op", op="to_copy", attrs={"dtype": name},
                                 inputs=(ins[0],), arg_names=("self",),
                                 in_dtypes=(source.dtype,),
                                 value=np.asarray(source.value).astype(target.np),
                                 dtype=name, info={"grad_fn": "ToCopyBackward0",
                                                   "inside": node.name()},
                                 kinks=(), reads_out=False))
        self.casts[id(node)] = nid
        return (nid, *ins[1:])

    def joint_output(self, slot: OutputSlot) -> int:
        """One output of an op of several outputs (``JointNode``), read as a node of the op
        standing for that output (``OpDef.outputs``: std_mean's ``std_mean_std``), on the
        shared node's inputs and attrs."""
        shared, k = slot.shared, slot.index
        read = self.outputs_read.get(id(shared))
        if read is None:
            read = self.outputs_read[id(shared)] = {}
            self.joints.append((shared, read))
            self.keep.append(shared)
        if k not in read:
            ins = tuple(self.value_node(x, "const") if not isinstance(x, Node)
                        else self.ids[id(x)] for x in shared.inputs)
            nid = len(self.nodes)
            self.nodes.append(_op_node(shared, nid, ins, [self.nodes[i] for i in ins],
                                       shared.op.outputs[k]))
            read[k] = nid
        return read[k]

    def output_through_forward(self, slot: Any) -> int:
        """One output of a custom Function with several differentiable outputs, read through
        the ops its ``forward`` runs (rerun once for all of them, on fresh leaves standing for
        its inputs): the IR's nodes have one output each. Judged as a whole; its ``backward``
        is not localized (no node of the IR stands for the call)."""
        ctx = slot.shared
        if id(ctx) not in self.ids:
            if not _opaque_function(ctx):
                raise Unsupported(f"{ctx.name()}: a ``sympy`` method for a Function with "
                                  "several differentiable outputs")
            ins = tuple(self.value_node(x, "const") if not isinstance(x, Node)
                        else self.ids[id(x)] for x in ctx.inputs)
            leaves = [Tensor._make(np.array(self.nodes[i].value), True, None) for i in ins]
            outputs = _forward_outputs(ctx, leaves)
            for leaf, i in zip(leaves, ins, strict=True):
                self.ids[id(leaf._accumulator())] = i
                self.keep.append(leaf)
            read: dict[int, int] = {}
            for k, out in enumerate(outputs):
                if isinstance(out, Tensor) and out.grad_fn is not None:
                    self.keep.append(out)
                    read[k] = self.visit(out.grad_fn)
            self.ids[id(ctx)] = -1  # expanded: its outputs are in ``self.outputs_of``
            self.keep.append(ctx)
            self.outputs_of[id(ctx)] = read
        read = self.outputs_of[id(ctx)]
        if slot.index not in read:
            raise Unsupported(f"{ctx.name()}: output {slot.index} of its forward, rerun, "
                              "leaves the graph")
        return read[slot.index]

    def through_forward(self, node: Any, ins: tuple[int, ...]) -> int | None:
        """A custom Function without a ``sympy`` method, recorded through the ops its own
        ``forward`` runs: rerun with grad on fresh leaves standing for its inputs, read into the
        IR, the last op standing for the whole call (``info["grad_wrt"]``: the engine's
        cotangent and the Function's ``backward``'s gradients are judged against the exact
        derivative of what the forward computes). None when the forward leaves the graph (a
        detour through NumPy) or gives another value than the engine recorded."""
        leaves = [Tensor._make(np.array(self.nodes[i].value), True, None) for i in ins]
        try:
            out = _forward_output(node, leaves, grad=True)
        except Exception:  # noqa: BLE001 - a forward that cannot rerun keeps the opaque node
            return None
        if out.grad_fn is None:
            return None
        for leaf, i in zip(leaves, ins, strict=True):
            self.ids[id(leaf._accumulator())] = i  # held by out's graph
            self.keep.append(leaf)
        self.keep.append(out)
        nid = self.visit(out.grad_fn)
        last = self.nodes[nid]
        if last.kind != "op" or nid in ins or not np.array_equal(
                last.value, _rerun(node, [self.nodes[i].value for i in ins]), equal_nan=True):
            return None
        last.info.update(grad_fn=node.name(), grad_wrt=ins, through=node.op.name)
        return nid


def _opaque_function(node: Any) -> bool:
    """A custom Function whose meaning the judge has only through its forward's ops."""
    return node.op.kind == "function" and getattr(
        node.op.extra.get("function"), "sympy", None) is None


def _op_node(node: Any, nid: int, ins: tuple[int, ...], sources: list[IRNode],
             op: OpDef | None = None) -> IRNode:
    """The IR node of an engine node (of ``op``, one output of the node's op when that op has
    several; defaults to the node's op)."""
    op = op or node.op
    for t, version in node._saved or ():
        if t._version != version:
            raise Unsupported(
                f"{node.name()}: a tensor it saved was modified in place after recording "
                f"(version {version} -> {t._version}); its recorded value is gone")
    for x, meta in zip(node.inputs, node._in_meta, strict=True):
        t = getattr(x, "variable", x)  # a leaf behind its AccumulateGrad, or a constant
        if len(meta) > 2 and hasattr(t, "_version") and t._version != meta[2]:
            raise Unsupported(
                f"{node.name()}: a leaf or constant input was modified in place after recording "
                f"(version {meta[2]} -> {t._version}); its recorded value is gone")
    info: dict[str, Any] = {"grad_fn": node.name()}
    if op.kind == "function":
        info["function"] = op.extra.get("function")
    value = _rerun(node, [s.value for s in sources], op)
    in_dtypes = tuple(meta[1].name for meta in node._in_meta)  # NumPy's names are symgrad's
    return IRNode(nid, "op", op=op.name, attrs=dict(node.attrs), inputs=ins,
                  arg_names=tuple(op.args), in_dtypes=in_dtypes, value=value,
                  dtype=_dtypes.from_numpy_dtype(value.dtype).name, info=info,
                  kinks=tuple((k.arg, k.where, k.convention) for k in op.kinks),
                  reads_out=bool(op.saves_out))


def _rerun(node: Any, values: list[Any], op: OpDef | None = None) -> np.ndarray:
    """The node's result (``op``'s, one output of the node's op that has several): its forward
    rerun on the values its inputs had (symgrad's kernels are NumPy's, deterministic), without
    recording."""
    tensors = [Tensor._make(np.array(v), False, None) for v in values]
    with symgrad.no_grad():
        if node.op.kind != "function":
            return np.array(apply(op or node.op, *tensors, **node.attrs)._data)
        return np.array(_forward_output(node, tensors)._data)


def _forward_outputs(node: Any, tensors: list[Tensor], grad: bool = True) -> tuple[Any, ...]:
    """A custom Function node's outputs, its ``forward`` rerun on ``tensors`` (recording its
    ops when ``grad``)."""
    cls = node.op.extra["function"]
    args: list[Any] = []
    tensors_left = iter(tensors)
    for i in range(len(node._positions) + len(node.attrs)):
        args.append(next(tensors_left) if i in node._positions else node.attrs[f"arg{i}"])
    ctx = cls._backward_cls(tuple(i in node._positions for i in range(len(args))))
    with symgrad.enable_grad() if grad else symgrad.no_grad():
        result = cls._call_forward(ctx, tuple(args), {})
    return result if isinstance(result, tuple) else (result,)


def _forward_output(node: Any, tensors: list[Tensor], grad: bool = False) -> Tensor:
    """A custom Function node's differentiable output, its ``forward`` rerun on ``tensors``
    (recording its ops when ``grad``)."""
    return _forward_outputs(node, tensors, grad)[node._differentiable]

ADAPTER = SymgradEngine()
