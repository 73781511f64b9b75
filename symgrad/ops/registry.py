"""The op registry: each op declared once, with everything the engine and its checkers need.

An op is a NumPy forward and a VJP written in symgrad ops (so ``create_graph=True`` works),
declared with ``defop``. The forward's positional parameters name its tensor inputs and its
keyword-only parameters its attributes; the VJP's parameters after ``g`` name what it saves
(inputs by name, and ``out`` for the result), and it takes the same keyword-only attributes,
plus ``<input>_shape`` for the shape an input had (saved as metadata, not as a tensor)::

    defop("mul", "MulBackward0", lambda self, other: self * other,
          vjp=lambda g, self, other: (g * other, g * self))

A VJP that also takes the keyword-only ``needs`` is told which inputs need a gradient (a bool
per input, PyTorch's ``needs_input_grad``) and may return None for the others, skipping work
for constants such as the Python scalar of ``x * 0.5``.

Tests, hypothesis strategies and ``symgrad-check`` are generated from ``REGISTRY``; the oracle
reads ``node.op.name`` and ``node.attrs`` and gives each name its own meaning. Where an op is
sampled, how tests call it and what other engines call it are the judge's knowledge, kept in
the oracle by the op's name (``oracle/samples.py``, ``oracle/torch_calls.py``), not here.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import dtype
from symgrad.autocast_policy import autocasts
from symgrad.autograd import anomaly_mode as _anomaly
from symgrad.autograd import forward_ad as _forward_ad
from symgrad.autograd import grad_mode
from symgrad.autograd import graph as _graph
from symgrad.autograd.graph import JointNode, Node, OutputSlot
from symgrad.autograd.saved_tensors import ACTIVE as _SAVED_HOOKS
from symgrad.autograd.saved_tensors import pack_saved as _pack_saved
from symgrad.ops.arguments import checked, tensor_args
from symgrad.tensor import Tensor

_make = Tensor._make
# ``_record`` fills in a new node's and a new tensor's slots itself (as ``Node.__init__`` and
# ``Tensor._make`` do), a call less each on the hottest path.
_new_node = _new_tensor = object.__new__
_ANOMALY = _anomaly._state  # anomaly mode's switch, read as each node is recorded
_DUAL_LEVEL = _forward_ad.LEVEL  # forward AD's level (None outside one), read by each op
# A node's creation number (``Node._seq``), drawn without looking up the counter each time.
_next_seq = _graph._SEQ.__next__
_NDARRAY = np.ndarray
_FROM_NP = _dtypes._FROM_NP
_FLOAT = _dtypes._FLOAT
_FLOAT_NP = _dtypes._FLOAT_NP
_HALF_NP = frozenset({_dtypes.float16.np, _dtypes.bfloat16.np})
_grad_state = grad_mode._state

__all__ = [
    "OpDef",
    "Kink",
    "REGISTRY",
    "defop",
    "defoutputs",
    "apply",
    "apply_outputs",
    "expose",
    "wrap_dim",
    "FLOATING",
    "ALL",
    "refuse",
    "not_implemented",
    "node_class",
    "broadcast_shapes",
]

FLOATING = frozenset(_dtypes.FLOATING)
ALL = frozenset(_dtypes.ALL)

# PyTorch's names of its scalar types, as its error messages spell them (read from here by the
# ops' modules).
_TORCH_NAMES = _dtypes._TORCH_NAMES
# PyTorch's refusal of ``-x`` for a bool x, which neg and the ops negating an input give.
BOOL_NEGATION = ("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                 "trying to invert a mask, use the `~` or `logical_not()` operator instead.")

# A refused dtype's error: its class, and its message or what writes the message from the
# values and attrs of the call (a kernel named after the shapes, the dim or a mode).
Refusals = dict[np.dtype, tuple[type[Exception], "str | Callable[..., str]"]]


def refuse(dtypes: Iterable[dtype], message: str | Callable[..., str],
           error: type[Exception] = RuntimeError) -> Refusals:
    """The dtypes an op refuses to compute in, each with the error PyTorch raises there.

    ``{dtype}`` in ``message`` becomes PyTorch's name of the dtype (``Long``, ``Half``); a
    callable ``message`` is called with that name, then the call's values and attrs. Give the
    result to ``defop(..., refuses=...)``; join several with ``|``.

    Args:
        dtypes: The computation dtypes refused.
        message: PyTorch's message, or a callable writing it (see above).
        error: The exception class raised. Defaults to RuntimeError.

    >>> refuse({_dtypes.bool}, "Boolean inputs not supported for {dtype}s")
    {dtype('bool'): (<class 'RuntimeError'>, 'Boolean inputs not supported for Bools')}
    """
    if isinstance(message, str):
        return {d.np: (error, message.replace("{dtype}", _TORCH_NAMES[d.name])) for d in dtypes}
    return {d.np: (error, functools.partial(message, _TORCH_NAMES[d.name])) for d in dtypes}


def not_implemented(kernel: str | Callable[..., str], dtypes: Iterable[dtype]) -> Refusals:
    """PyTorch's refusal of a dtype its kernel has no code for, as ``refuse`` declares it.

    ``kernel`` names the kernel, or is called with the values and attrs of the call to name it.

    Args:
        kernel: The kernel's name, or a callable naming it.
        dtypes: The computation dtypes refused.

    >>> error, message = not_implemented("gelu_cpu", (_dtypes.int64,))[np.dtype("int64")]
    >>> print(error.__name__, message)
    NotImplementedError "gelu_cpu" not implemented for 'Long'
    """
    if isinstance(kernel, str):
        return refuse(dtypes, f'"{kernel}" not implemented for \'{{dtype}}\'', NotImplementedError)

    def message(name: str, *values: Any, **attrs: Any) -> str:
        return f'"{kernel(*values, **attrs)}" not implemented for \'{name}\''

    return refuse(dtypes, message, NotImplementedError)


# How the result dtype is found from the tensor inputs:
#   "promote"       PyTorch's promotion over all tensor inputs (arithmetic);
#   "promote_float" promotion, then integral or bool results become the default float (exp, div);
#   "same"          the first input's dtype (shape ops, reductions of floats);
#   "bool"          comparisons.
DtypeRule = Literal["promote", "promote_float", "same", "bool"]


@dataclass(frozen=True)
class Kink:
    """A point where the op is not differentiable, and what the engine returns there.

    A convention, so the engine's to declare (as PyTorch writes "the gradient at the boundary
    is 1" beside clamp's formula): the judge finds the same kink in the op's meaning under the
    label ``where`` (``oracle.semantics``) and holds the engine's gradient there to
    ``convention``; ``at`` is where the convention applies, in the engine's own values.

    Attributes:
        arg: The input whose partial has the kink.
        where: The kink as people read it (``"self == 0"``).
        at: Called with the inputs' values (and attrs), returns where the kink is, as a mask.
        convention: The engine's choice among the one-sided derivatives: ``"left"``,
            ``"right"``, ``"mean"`` (ties split evenly), ``"zero"`` or ``"one"``; or, for an op
            that orders its input, ``"stable"``: tied elements listed in the order of their
            positions (the first first), the one-sided derivative along the direction that
            breaks the tie so (each element moved by eps times its position, negated for a
            descending order; the judge's meaning names it); or, for an op that selects one
            element of a line, ``"one_of_tied"``: the whole partial to any one of the
            elements tied with the selected value and 0 to the others, the one a kernel's
            selection happens to find (PyTorch's quickselect), which no rule predicts. For a
            selection ``"left"`` and ``"right"`` name the first and the last tied element.

    >>> (kink,) = REGISTRY["abs"].kinks
    >>> kink.where, kink.convention, kink.at(np.array([-1.0, 0.0, 2.0])).tolist()
    ('self == 0', 'zero', [False, True, False])
    """

    arg: str
    where: str
    at: Callable[..., np.ndarray]
    convention: Literal["left", "right", "mean", "zero", "one", "stable", "one_of_tied"]


@dataclass(frozen=True, eq=False)
class OpDef:
    """One op of the catalog. See the module docstring for how ``defop`` reads its arguments.

    Attributes:
        name: The op's name in ``REGISTRY``.
        grad_fn: The name PyTorch gives its backward node.
        forward: The NumPy computation.
        vjp: The backward in symgrad ops, or None.
        args: The names of the tensor inputs, from the forward's positional parameters.
        attrs: The names of the attributes, from its keyword-only parameters.
        saves: The positions of the inputs the VJP reads (saved at record time).
        saves_out: Whether the VJP reads the result (``out``).
        checks_out: Whether the node checks its result for in-place writes though its VJP
            does not read it (PyTorch's saves it).
        shape_args: The ``<input>_shape`` arguments the VJP takes, with the input's position.
        differentiable: The inputs a gradient flows to.
        dtype_rule: How the result dtype is found.
        dtypes: The dtypes generated tests run it in.
        kinks: Where it is not differentiable, with the engine's convention there.
        double_backward: Whether its VJP can be differentiated.
        kind: What kind of op it is (``"elementwise"``, ``"reduction"``, ...).
        doc: The forward's docstring.
        extra: Anything else ``defop`` was given (a custom Function's class).
        refuses: The dtypes it raises on, with the error.
        promotes: The attrs that take part in type promotion.
        saves_attrs: The attrs freed with the saved tensors.
        grad_refused: The inputs that raise when they require grad.
        scalar_opmath: Whether a float16/bfloat16 result with a one-element ``other`` is
            computed in float32 from ``other``'s own value, as PyTorch's CPU kernels do.
        array_vjp: The VJP it was declared with and the same VJP on NumPy arrays, or None.
        needed_by: Per saved input, the positions of the inputs whose gradients read it, or
            None (all of them).
        node_inputs: The inputs PyTorch's node has (``next_functions``, a node hook's
            ``grad_inputs``), or None: the differentiable ones when only some are, else all.
        outputs: For an op of several outputs (``defoutputs``), the ops standing for each
            output (in ``REGISTRY``, under the names the judge gives meanings); else empty.
        saves_results: For an op of several outputs, the outputs its VJP reads.
        output_of: For one of ``outputs``, the op of several outputs and the output's index:
            ``apply`` gives that output of that op. None for any other op.

    >>> op = REGISTRY["mul"]
    >>> op.grad_fn, op.args, op.saves, op.double_backward
    ('MulBackward0', ('self', 'other'), (0, 1), True)
    """

    name: str
    grad_fn: str
    forward: Callable[..., np.ndarray]
    vjp: Callable[..., Any] | None
    args: tuple[str, ...]
    attrs: tuple[str, ...]
    saves: tuple[int, ...]
    saves_out: bool
    shape_args: tuple[tuple[str, int], ...]
    differentiable: tuple[str, ...]
    dtype_rule: DtypeRule
    dtypes: frozenset[dtype]
    kinks: tuple[Kink, ...]
    double_backward: bool
    kind: str
    doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    refuses: Refusals = field(default_factory=dict)
    promotes: tuple[str, ...] = ()
    saves_attrs: tuple[str, ...] = ()
    # The NumPy dtypes ``apply`` cannot run on its common path: refused ones, and integral ones
    # of a ``promote_float`` op (computed in the default float) or of an op whose scalar attrs
    # take part in promotion (an integer tensor clamped to 0.5 is float); one set, one lookup.
    _slow: frozenset[np.dtype] = field(default=frozenset(), init=False, repr=False)
    # What backward reads of the op on every node, gathered once (``graph._Plan``); not copied
    # by ``dataclasses.replace``, so an op with another VJP gets its own.
    _plan: Any = field(default=None, init=False, repr=False)
    # The class of the nodes this op records, named as PyTorch names it (``MulBackward0``).
    node_class: type[Node] = field(default=Node, init=False, repr=False)
    # The inputs PyTorch refuses to see requiring grad (a loss's weight): refused on recording.
    grad_refused: tuple[str, ...] = ()
    _fixed: tuple[int, ...] = field(default=(), init=False, repr=False)
    scalar_opmath: bool = False
    # The VJP on NumPy arrays, for backward passes that record nothing, with the ``vjp`` it
    # stands for (``Node.apply_arrays``): a swapped ``vjp`` leaves it unused.
    array_vjp: tuple[Callable[..., Any], Callable[..., Any]] | None = None
    # Per saved input (``saves``), the inputs whose gradients read it: a saved input that no
    # input requiring grad reads may change in place (``graph._unread``). None: all read all.
    needed_by: tuple[tuple[int, ...], ...] | None = None
    checks_out: bool = False
    # The inputs PyTorch's node has, when not all of them; None: derived (``_shown``).
    node_inputs: tuple[str, ...] | None = None
    # Their positions among ``args``: PyTorch's node has an input per argument of its
    # signature that has a derivative formula, so not a where's condition or a loss's class
    # indices; None when it has them all.
    _shown: tuple[int, ...] | None = field(default=None, init=False, repr=False)
    outputs: tuple[OpDef, ...] = ()
    saves_results: tuple[int, ...] = ()
    # Set by ``defoutputs``; not copied by ``dataclasses.replace``, so that an output op with
    # another VJP (a test's, a mutant's) records a node of its own that runs it.
    output_of: tuple[OpDef, int] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        slow = set(self.refuses)
        if self.dtype_rule == "promote_float" or self.promotes:
            slow.update(d.np for d in _dtypes.ALL if d.np not in _FLOAT_NP)
        if self.scalar_opmath:
            slow.update(_HALF_NP)
        object.__setattr__(self, "_slow", frozenset(slow))  # frozen: derived once, here
        object.__setattr__(self, "node_class", _joint_class(self.grad_fn) if self.outputs
                           else node_class(self.grad_fn))
        object.__setattr__(self, "_fixed", tuple(self.args.index(a) for a in self.grad_refused))
        object.__setattr__(self, "_shown", self._node_positions())

    def _node_positions(self) -> tuple[int, ...] | None:
        """``_shown``: the positions of ``node_inputs``, else of the differentiable inputs when
        only some inputs are (an op none of whose inputs is keeps them all: PyTorch's node of a
        backward operator has each, with a formula that raises)."""
        shown = self.node_inputs
        if shown is None and self.differentiable and set(self.differentiable) < set(self.args):
            shown = self.differentiable
        if shown is None:
            return None
        if not set(shown) <= set(self.args):
            raise TypeError(f"{self.name}: node_inputs names inputs of the op, not {shown!r}")
        return tuple(i for i, a in enumerate(self.args) if a in shown)

    def __repr__(self) -> str:
        return f"OpDef({self.name!r}, {self.grad_fn!r})"


_NODE_CLASSES: dict[str, type[Node]] = {}


def node_class(grad_fn: str) -> type[Node]:
    """The ``Node`` subclass for nodes named ``grad_fn``, made once per name and shared by the
    ops that PyTorch gives one backward class (C++-only nodes drop their namespace).

    Args:
        grad_fn: The node's name as PyTorch gives it.

    >>> import symgrad
    >>> y = symgrad.tensor([1.0], requires_grad=True) * 2
    >>> type(y.grad_fn).__name__, type(y.grad_fn) is node_class("MulBackward0")
    ('MulBackward0', True)
    >>> node_class("torch::autograd::CopySlices").__name__
    'CopySlices'
    """
    cls = _NODE_CLASSES.get(grad_fn)
    if cls is None:
        name = grad_fn.rpartition("::")[2]
        cls = type(name, (Node,), {"__slots__": (), "__module__": __name__,
                                   "__qualname__": name})
        _NODE_CLASSES[grad_fn] = cls
    return cls


@functools.cache
def _joint_class(grad_fn: str) -> type[Node]:
    """The ``JointNode`` subclass for the nodes of ops of several outputs named ``grad_fn``."""
    return type(grad_fn, (JointNode,), {"__slots__": (), "__module__": __name__,
                                        "__qualname__": grad_fn})


@functools.cache
def renamed_node_class(cls: type[Node], grad_fn: str) -> type[Node]:
    """A subclass of ``cls`` named ``grad_fn``: a node that computes as ``cls``'s op (the judge
    reads its op) under the name PyTorch gives the node at that place (``EqBackward0`` for a
    comparison written in place, which sends back zeros as ``ZeroBackward0`` does).

    Args:
        cls: The node class of the op that computes.
        grad_fn: The name users see (``type(node).__name__`` and ``node.name()``).

    >>> import symgrad
    >>> named = renamed_node_class(node_class("ZeroBackward0"), "EqBackward0")
    >>> named.__name__, issubclass(named, node_class("ZeroBackward0"))
    ('EqBackward0', True)
    """
    def name(self: Node) -> str:
        return grad_fn

    return type(grad_fn, (cls,), {"__slots__": (), "__module__": cls.__module__,
                                  "__qualname__": grad_fn, "name": name})


REGISTRY: dict[str, OpDef] = {}
# Keywords naming the judge's knowledge (see the module docstring): given to ``defop``, they would
# otherwise sink into ``extra`` unread.
_JUDGED = frozenset({"domain", "samples", "torch"})
_graph._made["REGISTRY"] = REGISTRY


def _params(fn: Callable[..., Any]) -> tuple[list[str], list[str]]:
    positional, keyword = [], []
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.KEYWORD_ONLY:
            keyword.append(p.name)
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional.append(p.name)
    return positional, keyword


def defop(
    name: str,
    grad_fn: str,
    forward: Callable[..., np.ndarray],
    *,
    vjp: Callable[..., Any] | None,
    dtype_rule: DtypeRule = "promote",
    dtypes: frozenset[dtype] = FLOATING,
    differentiable: tuple[str, ...] | None = None,
    kinks: tuple[Kink, ...] = (),
    double_backward: bool = True,
    kind: str = "elementwise",
    refuses: Refusals | None = None,
    promotes: tuple[str, ...] = (),
    grad_refused: tuple[str, ...] = (),
    saves_attrs: tuple[str, ...] = (),
    scalar_opmath: bool = False,
    array_vjp: Callable[..., Any] | None = None,
    saved_for: dict[str, tuple[str, ...]] | None = None,
    checks_out: bool = False,
    node_inputs: tuple[str, ...] | None = None,
    **extra: Any,
) -> OpDef:
    """Declare an op once; it becomes ``REGISTRY[name]`` and is returned for ``apply``.

    ``refuses`` (from ``refuse`` or ``not_implemented``) names the computation dtypes the op
    raises on, as PyTorch does, instead of computing a wrong value (softmax of integers).
    ``promotes`` names the attrs that are Python scalars taking part in type promotion as
    PyTorch's wrapped numbers do (``clamp``'s bounds, ``pow``'s exponent). ``saves_attrs``
    names the attrs (index arrays, masks) PyTorch's node saves as tensors: backward frees them
    too, so a second backward through the node raises unless ``retain_graph``.
    ``grad_refused`` names the inputs PyTorch raises on when they require grad (a loss's
    ``weight``). ``scalar_opmath`` marks the ops whose PyTorch CPU kernel takes a one-element
    ``other`` of a float16/bfloat16 op as a float32 number (its wrapped-number path): ``half *
    1.3`` is ``float16(float32(x) * float32(1.3))``, not a product with ``float16(1.3)``.

    Args:
        name: The op's name in ``REGISTRY``, and the name the oracle gives a meaning to.
        grad_fn: The name PyTorch gives the op's backward node (``"MulBackward0"``).
        forward: The NumPy computation: positional parameters are the tensor inputs,
            keyword-only ones the attributes.
        vjp: The backward, written in symgrad ops: ``g``, then the saved inputs by name (and
            ``out``), then keyword attributes, ``<input>_shape`` and ``needs`` as it wants them.
            None for an op with no gradient (comparisons).
        dtype_rule: How the result dtype is found: ``"promote"``, ``"promote_float"``,
            ``"same"`` or ``"bool"``. Defaults to ``"promote"``.
        dtypes: The dtypes the generated tests run the op in. Defaults to the floating ones.
        differentiable: The inputs a gradient flows to. Defaults to None: all of them.
        kinks: Where the op is not differentiable, and the engine's convention there
            (``Kink``). Defaults to none.
        double_backward: Whether the VJP can itself be differentiated; if False, a second
            derivative raises. Defaults to True.
        kind: What kind of op it is (``"elementwise"``, ``"reduction"``, ``"shape"``, ``"index"``,
            ``"linalg"``, ...): steers broadcasting checks and the generated tests.
            Defaults to ``"elementwise"``.
        refuses: The dtypes it raises on and with what error. Defaults to None.
        promotes: The attrs that take part in type promotion. Defaults to none.
        grad_refused: The inputs that raise when they require grad. Defaults to none.
        saves_attrs: The attrs freed with the saved tensors after backward. Defaults to none.
        scalar_opmath: Whether a float16/bfloat16 result with a one-element ``other`` is
            computed in float32 from ``other``'s own value. Defaults to False.
        array_vjp: ``vjp`` again, on NumPy arrays (same parameters; float32 or float64 arrays
            of one dtype), bit for bit its results: a backward that records nothing runs it
            and skips a tensor per value. Only for the ops most graphs are made of. Defaults
            to None.
        saved_for: Per input, the saved inputs its gradient reads (``mul``: ``{"self":
            ("other",), "other": ("self",)}``), for a VJP that reads a saved input only for
            the inputs that need it (``needs``). A saved input that no input requiring grad
            reads is then not checked for in-place changes, as PyTorch saves it only when
            needed: ``y = x * 2; x.add_(1); y.sum().backward()`` runs. Defaults to None:
            every gradient reads every saved input.
        checks_out: PyTorch's backward reads the result, which this VJP computes again
            (tanh's derivative from the input, exactly): the node still refuses to run once
            the result was written in place, as PyTorch's does. Defaults to False.
        node_inputs: The inputs PyTorch's node has, its ``next_functions`` and a node hook's
            ``grad_inputs``: those of its ATen signature with a derivative formula. The
            engine's node keeps every input; these are what users see. Defaults to None: the
            ``differentiable`` inputs when only some are (a where's condition is no input of
            PyTorch's node), else all.
        **extra: Anything else kept on ``OpDef.extra``, but for the judge's knowledge (see
            the module docstring): ``domain``, ``samples`` or ``torch`` raise a TypeError.

    >>> import symgrad
    >>> cube = defop("cube_example", "PowBackward0", lambda self: self ** 3,
    ...              vjp=lambda g, self: g * 3 * self * self)
    >>> x = symgrad.tensor([2.0], requires_grad=True)
    >>> apply(cube, x).sum().backward(); x.grad
    tensor([12.])
    >>> del REGISTRY["cube_example"]  # generated tests would otherwise want its meaning
    """
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is declared twice")
    misplaced = sorted(_JUDGED & set(extra))
    if misplaced:
        raise TypeError(f"{name}: defop() was given the judge's knowledge ({', '.join(misplaced)})"
                        ": declare it by the op's name in oracle/samples.py (domains, samples) "
                        "or oracle/torch_calls.py (PyTorch's call)")
    args, attrs = _params(forward)
    saves: list[int] = []
    saves_out = False
    shape_args: tuple[tuple[str, int], ...] = ()
    if vjp is not None:
        saved_names, shape_args = _vjp_params(name, vjp, args, attrs, "g")
        for saved in saved_names:
            if saved == "out":
                saves_out = True
            else:
                saves.append(args.index(saved))
        if saves_out and saved_names[-1] != "out":
            raise TypeError(f"{name}: out comes last among what a VJP saves")
        if array_vjp is not None and _params(array_vjp) != _params(vjp):
            raise TypeError(f"{name}: an array VJP takes what its VJP takes")
    needed_by = None if saved_for is None else _needed_by(name, args, saves, saved_for)
    op = OpDef(
        name=name,
        grad_fn=grad_fn,
        forward=forward,
        vjp=vjp,
        args=tuple(args),
        attrs=tuple(attrs),
        saves=tuple(saves),
        saves_out=saves_out,
        shape_args=tuple(shape_args),
        differentiable=tuple(args) if differentiable is None else differentiable,
        dtype_rule=dtype_rule,
        dtypes=dtypes,
        kinks=kinks,
        double_backward=double_backward,
        kind=kind,
        doc=forward.__doc__ or "",
        extra=extra,
        refuses=refuses or {},
        promotes=promotes,
        grad_refused=grad_refused,
        saves_attrs=saves_attrs,
        scalar_opmath=scalar_opmath,
        array_vjp=None if array_vjp is None else (vjp, array_vjp),
        needed_by=needed_by,
        checks_out=checks_out and not saves_out,
        node_inputs=node_inputs,
    )
    REGISTRY[name] = op
    return op


def _vjp_params(name: str, vjp: Callable[..., Any], args: list[str], attrs: list[str],
                first: str) -> tuple[list[str], tuple[tuple[str, int], ...]]:
    """What a VJP saves, by name (its positional parameters after ``first``), and the
    ``<input>_shape`` keywords it takes with the input's position; a TypeError if it takes
    keywords that are no attrs of the op."""
    vjp_args, vjp_attrs = _params(vjp)
    shape_args = tuple((kw, args.index(kw[: -len("_shape")])) for kw in vjp_attrs
                       if kw.endswith("_shape") and kw[: -len("_shape")] in args)
    plain = {kw for kw in vjp_attrs if kw not in dict(shape_args)} - {"needs"}
    if vjp_args[:1] != [first] or not plain <= set(attrs):
        raise TypeError(f"{name}: a VJP takes {first}, saved inputs or out, then keyword attrs")
    return vjp_args[1:], shape_args


def defoutputs(name: str, outputs: Sequence[OpDef], *, vjp: Callable[..., Any],
               forward: Callable[..., tuple[np.ndarray, ...]] | None = None) -> OpDef:
    """Declare an op of several outputs, computed once and recorded as one node, as PyTorch's
    (std_mean's ``StdMeanBackward0``): each output is an op already declared with ``defop``
    (its own forward and one-output VJP, under the name the judge gives its meaning, sharing
    the node's name and inputs). ``apply_outputs`` runs the op; ``apply`` of one of
    ``outputs`` gives that output of it. The op is not in ``REGISTRY``: its outputs are.

    ``vjp`` takes ``grads`` (the tuple of the outputs' gradients, None for an output none
    reached), then what it saves: inputs by name and outputs as ``result0``, ``result1``...;
    then keyword attrs, ``<input>_shape`` and ``needs`` as ``defop``'s VJPs do.

    Args:
        name: The op's name (``std_mean``).
        outputs: The ops standing for its outputs, in order.
        vjp: The VJP, written in symgrad ops.
        forward: The NumPy computation of all the outputs at once. Defaults to None: each
            output's own forward.

    >>> import symgrad
    >>> both = defoutputs("twice_thrice", (
    ...     defop("twice", "TwiceThriceBackward0", lambda self: 2 * self,
    ...           vjp=lambda g: 2 * g),
    ...     defop("thrice", "TwiceThriceBackward0", lambda self: 3 * self,
    ...           vjp=lambda g: 3 * g)),
    ...     vjp=lambda grads: sum(k * g for k, g in zip((2, 3), grads) if g is not None))
    >>> x = symgrad.tensor([1.0], requires_grad=True)
    >>> a, b = apply_outputs(both, x)
    >>> a.grad_fn is b.grad_fn, a.grad_fn.name()
    (True, 'TwiceThriceBackward0')
    >>> (a + b).sum().backward(); x.grad
    tensor([5.])
    >>> apply(REGISTRY["twice"], x).grad_fn is not None
    True
    >>> del REGISTRY["twice"], REGISTRY["thrice"]  # generated tests would want meanings
    """
    first = outputs[0]
    if any((o.grad_fn, o.args) != (first.grad_fn, first.args) for o in outputs):
        raise TypeError(f"{name}: its outputs share one node's name and inputs")
    attrs = tuple(dict.fromkeys(a for o in outputs for a in o.attrs))
    saved_names, shape_args = _vjp_params(name, vjp, list(first.args), list(attrs), "grads")
    results = [n for n in saved_names if n.startswith("result")]
    if saved_names[len(saved_names) - len(results):] != results:
        raise TypeError(f"{name}: the outputs come last among what a VJP saves")
    op = OpDef(
        name=name, grad_fn=first.grad_fn,
        forward=forward or (lambda *a, **k: tuple(o.forward(*a, **k) for o in outputs)),
        vjp=vjp, args=first.args, attrs=attrs,
        saves=tuple(first.args.index(n) for n in saved_names[:len(saved_names) - len(results)]),
        saves_out=False, shape_args=shape_args, differentiable=first.differentiable,
        dtype_rule=first.dtype_rule, dtypes=first.dtypes, kinks=(),
        double_backward=all(o.double_backward for o in outputs), kind=first.kind,
        doc=first.doc, refuses=first.refuses, outputs=tuple(outputs),
        saves_results=tuple(int(n.removeprefix("result")) for n in results))
    for k, o in enumerate(outputs):
        # frozen: tied once, here. Every dtype takes ``apply``'s general path, which gives
        # the output of the op (``_apply_promoted``); the common path costs nothing more.
        object.__setattr__(o, "output_of", (op, k))
        object.__setattr__(o, "_slow", frozenset(d.np for d in _dtypes.ALL))
    return op


def each_for_the_other(first: str = "self", second: str = "other") -> dict[str, tuple[str, ...]]:
    """``defop``'s ``saved_for`` for a product: each factor's gradient reads the other factor.

    Args:
        first: The first factor's name. Defaults to ``"self"``.
        second: The second's. Defaults to ``"other"``.

    >>> each_for_the_other("mat1", "mat2")
    {'mat1': ('mat2',), 'mat2': ('mat1',)}
    """
    return {first: (second,), second: (first,)}


def _needed_by(name: str, args: list[str], saves: list[int],
               saved_for: dict[str, tuple[str, ...]]) -> tuple[tuple[int, ...], ...]:
    """``OpDef.needed_by`` from ``defop``'s ``saved_for``, checked against the inputs and what
    the VJP saves."""
    saved_names = {args[i] for i in saves}
    for input_name, reads in saved_for.items():
        if input_name not in args or not set(reads) <= saved_names:
            raise TypeError(f"{name}: saved_for maps inputs to the saved inputs their gradients "
                            f"read, not {input_name!r}: {reads!r}")
    return tuple(tuple(args.index(i) for i, reads in saved_for.items() if args[s] in reads)
                 for s in saves)


# -- applying an op ----------------------------------------------------------------------------
def _result_dtype(rule: DtypeRule, values: tuple[Any, ...]) -> dtype:
    from symgrad.tensor import Tensor

    if rule == "same":
        return values[0].dtype
    common = _common_dtype(rule, values)
    if common is not None:
        return common
    dim = zero = scalar = None
    for v in values:
        if isinstance(v, Tensor):
            d = v.dtype
            if v._data.ndim:
                dim = d if dim is None else _dtypes.promote_types(dim, d)
            else:
                zero = d if zero is None else _dtypes.promote_types(zero, d)
        else:
            d = _dtypes._scalar_dtype(v)
            scalar = d if scalar is None else _dtypes.promote_types(scalar, d)
    out = _dtypes.result_dtype(dim, zero, scalar)
    if rule == "promote_float" and out.category != _dtypes._FLOAT:
        return _dtypes.get_default_dtype()
    return out


def apply(op: OpDef, *values: Any, **attrs: Any) -> Any:
    """Run ``op`` forward on tensors (or Python scalars) and record it when grad mode asks.

    Python scalars become zero-dim constants of the computation dtype, as PyTorch's wrapped
    numbers do, so the recorded graph holds every value the forward used. A floating result
    has the promoted dtype even where NumPy would widen it (bfloat16 * 2.5 is bfloat16).

    Args:
        op: The op to run.
        *values: Its tensor inputs (or Python scalars), in the forward's order.
        **attrs: Its attributes, as the forward's keyword-only parameters.

    >>> import symgrad
    >>> out = apply(REGISTRY["mul"], symgrad.tensor([2.0], requires_grad=True), 3)
    >>> out, out.grad_fn.inputs[1]
    (tensor([6.], grad_fn=<MulBackward0>), tensor(3.))
    """
    if _DUAL_LEVEL[0] is not None:  # forward AD: the result's tangent too
        return _forward_ad.apply_dual(op, values, attrs, apply)
    # One or two tensors of one dtype, most of any graph, spelt out; the rest is
    # ``_same_dtype_arrays``'s, or ``_apply_promoted``'s.
    arrays = None
    scalars = False
    if len(values) == 2:
        a, b = values
        if isinstance(a, Tensor):
            da = a._data
            rg = a._rg
            if isinstance(b, Tensor):
                # A "same" op computes in its first input's dtype whatever the other's (a
                # loss's class indices, a mask): there is nothing to promote.
                if da.dtype is b._data.dtype or op.dtype_rule == "same":
                    arrays = (da, b._data)
                    rg = rg or b._rg
            elif _SCALAR_CATEGORY.get(type(b), _FLOAT + 1) <= _FROM_NP[da.dtype].category:
                # ``x * 0.5``: a Python number PyTorch's rules give the tensor's dtype.
                arrays = (da, np.asarray(b, dtype=da.dtype))
                scalars = True
    elif len(values) == 1:
        a = values[0]
        if isinstance(a, Tensor):
            arrays = (a._data,)
            rg = a._rg
    if arrays is None:
        found = _same_dtype_arrays(op, values)
        if found is None:
            return _apply_promoted(op, values, attrs)
        arrays, rg, scalars = found
    np_dtype = arrays[0].dtype
    if np_dtype in op._slow:
        return _apply_promoted(op, values, attrs)
    data = _forward(op, arrays, attrs, np_dtype)
    if not rg or not _grad_state.enabled or op.vjp is None or data.dtype not in _FLOAT_NP:
        return _make(data, False, None)
    return _record(op, attrs, _constants(values, arrays) if scalars else values, data)


def _forward(op: OpDef, arrays: Sequence[Any], attrs: dict[str, Any], np_dtype: np.dtype
             ) -> np.ndarray:
    """The op's forward on the arrays, as an array; a floating result in ``np_dtype`` (see
    ``_rounded``), and PyTorch's error where NumPy could not broadcast the inputs."""
    try:
        data = op.forward(*arrays, **attrs)
    except ValueError:
        _check_broadcast(op, arrays)
        raise
    if type(data) is not _NDARRAY:
        data = np.asarray(data)
    if data.dtype is not np_dtype:
        data = _rounded(data, np_dtype, op.dtype_rule)
    return data


def _same_dtype_arrays(op: OpDef, values: tuple[Any, ...]
                       ) -> tuple[list[np.ndarray], bool, bool] | None:
    """``apply``'s common case, and the whole of a backward's work: tensors of one dtype, with
    Python scalars of no higher category (bool < integer < floating), which PyTorch's rules
    give that dtype. Their arrays (a scalar's in that dtype), whether a tensor requires grad and
    whether there were scalars; None for anything else (mixed dtypes, promotion)."""
    arrays: list[Any] = []
    np_dtype = None
    rg = False
    scalar = -1
    for v in values:
        if isinstance(v, Tensor):
            a = v._data
            if a.dtype is not np_dtype:
                if np_dtype is not None:
                    return None
                np_dtype = a.dtype
            arrays.append(a)
            if v._rg:
                rg = True
        else:
            category = _SCALAR_CATEGORY.get(type(v))
            if category is None:
                return None
            if category > scalar:
                scalar = category
            arrays.append(v)
    if np_dtype is None:
        return None
    if scalar >= 0:
        if scalar > _FROM_NP[np_dtype].category and op.dtype_rule != "same":
            return None
        arrays = [a if type(a) is np.ndarray else np.asarray(a, dtype=np_dtype) for a in arrays]
    return arrays, rg, scalar >= 0


def _apply_promoted(op: OpDef, values: tuple[Any, ...], attrs: dict[str, Any]) -> Any:
    """``apply`` where PyTorch's promotion has work to do: Python scalars, mixed dtypes; and
    ``apply`` of an output of an op of several outputs (``defoutputs``)."""
    if op.output_of is not None:
        joint, index = op.output_of
        return apply_outputs(joint, *values, **attrs)[index]
    if len(values) == 1 and not isinstance(values[0], Tensor):  # ``symgrad.exp(2)``
        tensor_args(op.name, input=values[0])
    arrays, compute = _promoted_arrays(op, values, attrs)
    if op.scalar_opmath and compute.np in _HALF_NP and _one_element(values[1]):
        arrays = _opmath_arrays(values, arrays)
    data = _forward(op, arrays, attrs, compute.np)
    if not _grad_state.enabled or op.vjp is None or data.dtype not in _FLOAT_NP:
        return _make(data, False, None)
    for v in values:
        if isinstance(v, Tensor) and v._rg:
            break
    else:
        return _make(data, False, None)
    return _record(op, attrs, _constants(values, arrays), data)


def _promoted_arrays(op: OpDef, values: tuple[Any, ...], attrs: dict[str, Any]
                     ) -> tuple[list[np.ndarray], dtype]:
    """The values as the arrays the forward computes with, in the computation dtype PyTorch's
    promotion gives (returned too), or the op's error for a dtype it refuses."""
    rule = op.dtype_rule
    typed = values
    if op.promotes:
        typed += tuple([attrs[a] for a in op.promotes if attrs.get(a) is not None])
    compute = _result_dtype("promote" if rule == "bool" else rule, typed)
    refused = op.refuses.get(compute.np)
    if refused is not None:
        error, message = refused
        raise error(message if isinstance(message, str) else message(*values, **attrs))
    arrays = []
    for v in values:
        if isinstance(v, Tensor):
            a = v._data
            if rule != "same" and a.dtype != compute.np:
                a = a.astype(compute.np)
        else:
            a = np.asarray(v, dtype=compute.np)
        arrays.append(a)
    return arrays, compute


def apply_outputs(op: OpDef, *values: Any, **attrs: Any) -> tuple[Tensor, ...]:
    """Run an op of several outputs (``defoutputs``) forward and record it, when grad mode
    asks, as one node that its floating outputs share (each through an ``OutputSlot``).

    Args:
        op: The op.
        *values: Its tensor inputs (or Python scalars), in the forward's order.
        **attrs: Its attributes.

    >>> import symgrad
    >>> x = symgrad.tensor([1.0, 5.0], requires_grad=True)
    >>> mins, maxs = apply_outputs(REGISTRY["aminmax_min"].output_of[0], x, dim=None,
    ...                            keepdim=False)
    >>> mins.grad_fn is maxs.grad_fn, mins.grad_fn.next_functions
    (True, ((<AccumulateGrad object at ...>, 0),))
    """
    if _DUAL_LEVEL[0] is not None:  # forward AD: each output with its own tangent
        return tuple(apply(o, *values, **attrs) for o in op.outputs)
    arrays, compute = _promoted_arrays(op, values, attrs)
    results = tuple(_rounded(np.asarray(a), compute.np, op.dtype_rule)
                    for a in op.forward(*arrays, **attrs))
    if (not _grad_state.enabled or op.vjp is None
            or not any(isinstance(v, Tensor) and v._rg for v in values)
            or not any(a.dtype in _FLOAT_NP for a in results)):
        return tuple(_make(a, False, None) for a in results)
    return _record_outputs(op, attrs, _constants(values, arrays), results)


def _record_outputs(op: OpDef, attrs: dict[str, Any], tensors: tuple[Tensor, ...],
                    results: tuple[np.ndarray, ...]) -> tuple[Tensor, ...]:
    """The outputs of an op of several outputs, its floating ones made by one new node (each
    through a slot of it), which saves what its VJP reads: inputs, attrs' entries (as
    ``_record``'s) and outputs, each output as a detached alias sharing its version counter
    (PyTorch's saved output: no reference back to its node)."""
    if op._fixed:
        _refuse_grad(op, tensors)
    inputs = tuple([_edge(t) for t in tensors])  # made before the node: numbered before it
    node = op.node_class(op, attrs, inputs,
                         tuple([(t._data.shape, t._data.dtype) for t in tensors]),
                         tuple([(a.shape, a.dtype) for a in results]))
    outs = tuple(_make(a, True, OutputSlot(node, k)) if a.dtype in _FLOAT_NP
                 else _make(a, False, None) for k, a in enumerate(results))
    node._saved = ((_SAVED_ATTR,) * len(op.saves_attrs)
                   + tuple([(tensors[i], tensors[i]._version) for i in op.saves])
                   + tuple([(outs[k].detach(), outs[k]._version) for k in op.saves_results]))
    if _SAVED_HOOKS.count:
        _pack_saved(node, None)
    return outs


def _one_element(v: Any) -> bool:
    return not isinstance(v, Tensor) or v._data.size == 1


def _opmath_arrays(values: tuple[Any, ...], arrays: list[Any]) -> list[Any]:
    """The arrays of a float16/bfloat16 ``scalar_opmath`` op in float32, its one-element
    ``other`` converted from its own value (a Python number, or a tensor of any dtype) and not
    from its rounding to the result dtype, as PyTorch's ``original_scalar_value<opmath_t>``.
    The node records that float32 ``other``: the value the forward and the VJP compute with."""
    other = values[1]
    wide = np.asarray(other._data if isinstance(other, Tensor) else other, dtype=np.float32)
    return [arrays[0].astype(np.float32), wide, *arrays[2:]]


# The kinds of op whose tensor inputs broadcast against each other elementwise.
_BROADCASTING = frozenset({"elementwise", "comparison", "bitwise"})


def _check_broadcast(op: OpDef, arrays: Sequence[Any]) -> None:
    """Raise PyTorch's RuntimeError when an elementwise op's inputs cannot broadcast (NumPy
    raised a ValueError)."""
    if op.kind in _BROADCASTING:
        broadcast_shapes(*(np.shape(a) for a in arrays))


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape ``shapes`` broadcast to, or PyTorch's RuntimeError: shapes are met pairwise
    in order, and the rightmost mismatching dim is named, as PyTorch's ``infer_size`` does.

    Args:
        *shapes: The shapes, each a tuple of ints.

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    >>> broadcast_shapes((2, 2), (2, 3))
    Traceback (most recent call last):
    ...
    RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton ...
    """
    shape: tuple[int, ...] = ()
    for other in shapes:
        ndim = max(len(shape), len(other))
        padded_a = (1,) * (ndim - len(shape)) + tuple(shape)
        padded_b = (1,) * (ndim - len(other)) + tuple(other)
        for i in range(ndim - 1, -1, -1):
            x, y = padded_a[i], padded_b[i]
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                                   f"({y}) at non-singleton dimension {i}")
        shape = tuple(x if y == 1 else y for x, y in zip(padded_a, padded_b, strict=True))
    return shape


def _rounded(data: np.ndarray, compute: np.dtype, rule: DtypeRule) -> np.ndarray:
    """A floating result in the computation dtype even where NumPy widened it (bfloat16 * 2.5
    is bfloat16); other results as the forward made them."""
    if rule != "same" and compute in _FLOAT_NP and data.dtype in _FLOAT_NP and (
            data.dtype != compute):
        return data.astype(compute)
    return data


def _constants(values: tuple[Any, ...], arrays: list[np.ndarray]) -> tuple[Tensor, ...]:
    """The values as a node keeps them: Python scalars become constant tensors of the arrays
    the forward computed with (only a recorded node needs them as tensors). One array per
    value: no ``strict=``, which sends ``zip`` down a slow path (0.12 us a call). A tensor and
    a number (``x * 0.5``), most of them, spelt out: a comprehension is a call in Python 3.11."""
    if len(values) == 2 and isinstance(values[0], Tensor):
        b = values[1]
        return values[0], b if isinstance(b, Tensor) else _make(arrays[1], False, None)
    return tuple([v if isinstance(v, Tensor) else _make(a, False, None)
                  for v, a in zip(values, arrays)])  # noqa: B905


def _record(op: OpDef, attrs: dict[str, Any], tensors: tuple[Tensor, ...], data: Any) -> Tensor:
    """The result of ``op`` as a tensor made by a new node, which saves what its VJP reads.

    Recording is most of a small op's time, so one and two inputs, most of any graph, are
    spelt out: no loop, no list, and the node and the tensor filled in here (``_new_node``,
    ``_new_tensor``) rather than by their constructors, each a call more."""
    if op._fixed:
        _refuse_grad(op, tensors)
    if len(tensors) == 2:
        a, b = tensors
        da, db = a._data, b._data
        # A computed input's edge is its node; a leaf's, its accumulator; a constant's, itself.
        inputs = (a._fn or (a._accumulator() if a._rg else a),
                  b._fn or (b._accumulator() if b._rg else b))
        meta = ((da.shape, da.dtype), (db.shape, db.dtype))
    elif len(tensors) == 1:
        a = tensors[0]
        da = a._data
        inputs = (a._fn or (a._accumulator() if a._rg else a),)
        meta = ((da.shape, da.dtype),)
    else:
        inputs = tuple([_edge(t) for t in tensors])
        meta = tuple([(t._data.shape, t._data.dtype) for t in tensors])
    saves = op.saves
    if not saves:
        saved = ()
    elif len(saves) == 1:
        t = tensors[saves[0]]
        saved = ((t, t._version),)
    elif len(saves) == 2:
        t, u = tensors[saves[0]], tensors[saves[1]]
        saved = ((t, t._version), (u, u._version))
    else:
        saved = tuple([(tensors[i], tensors[i]._version) for i in saves])
    if op.saves_attrs:
        # Entries first, one per saved attr, which ``Node.apply`` skips (the VJP reads the attr
        # itself): what backward frees, so that a second backward raises as in PyTorch.
        saved = (_SAVED_ATTR,) * len(op.saves_attrs) + saved
    node = _new_node(Node)  # of its op's class when a user reaches it (``graph.dressed``)
    node.op = op
    node.attrs = attrs
    node.inputs = inputs
    node._in_meta = meta
    node._saved = saved
    node._out_data = node._out_ref = node._hooks = node._retained = None
    node._out_version = 0
    node._seq = _next_seq()
    if _ANOMALY.enabled:
        _anomaly.remember(node)
    out = _new_tensor(Tensor)
    out._data = data
    out._rg = True
    out._fn = node
    out._grad = out._acc = out._view = None
    out._version = 0
    if op.saves_out:
        node._out_data = data
        node._out_ref = weakref.ref(out)
    elif op.checks_out:
        node._out_ref = weakref.ref(out)  # checked, not read: ``_out_data`` stays None
    if _SAVED_HOOKS.count:  # a ``saved_tensors_hooks`` block is open (in some thread)
        _pack_saved(node, out)
    return out


def refuse_integral_result(result: dtype, *values: Any) -> None:
    """PyTorch's check as it records an op whose result takes ``self``'s dtype (a fill or a
    scatter of a float value into an integer or bool tensor): a value that requires grad,
    with grad mode on, cannot give a result of a dtype autograd does not support.

    Args:
        result: The result's dtype.
        *values: The op's other inputs (tensors or numbers).

    >>> import symgrad
    >>> refuse_integral_result(symgrad.int64, symgrad.tensor(1.0, requires_grad=True))
    Traceback (most recent call last):
    ...
    RuntimeError: Autograd not support dtype: Long
    """
    from symgrad.tensor import Tensor

    if result.category != _FLOAT and _grad_state.enabled and any(
            isinstance(v, Tensor) and v._rg for v in values):
        raise RuntimeError(f"Autograd not support dtype: {_TORCH_NAMES[result.name]}")


def _refuse_grad(op: OpDef, tensors: tuple[Tensor, ...]) -> None:
    """PyTorch's error for an input that may not require grad (``grad_refused``) and does."""
    for i in op._fixed:
        if tensors[i]._rg:
            raise RuntimeError(f"The function '{op.name}' is not differentiable with respect to "
                               f"argument '{op.args[i]}'. This input cannot have requires_grad "
                               "True.")


# What a node's saved entries hold for an attr PyTorch saves as a tensor (``saves_attrs``).
_SAVED_ATTR = (_make(np.zeros(0), False, None), 0)


def _edge(t: Any) -> Any:
    """What a node keeps of an input: its producer, its leaf accumulator, or the constant (an
    ``InvalidViewNode`` raises, as it does in ``_record``'s ``or``)."""
    if t._fn:
        return t._fn
    if t._rg:
        return t._accumulator()
    return t


# A Python scalar's category (bool < integer < floating); other scalars take the general way.
_SCALAR_CATEGORY = {bool: _dtypes._BOOL, int: _dtypes._INT, float: _dtypes._FLOAT}


def _common_dtype(rule: DtypeRule, values: tuple[Any, ...]) -> dtype | None:
    """The computation dtype when the tensors share one dtype no Python scalar outranks, else
    None: the common case, which needs no promotion table (PyTorch's rules give the tensors'
    dtype whenever the scalars' category is not higher)."""
    np_dtype = None
    scalar = -1
    for v in values:
        if isinstance(v, Tensor):
            if np_dtype is None:
                np_dtype = v._data.dtype
            elif v._data.dtype is not np_dtype:
                return None
        else:
            category = _SCALAR_CATEGORY.get(type(v))
            if category is None:
                return None
            scalar = max(scalar, category)
    if np_dtype is None:
        return None
    out = _FROM_NP[np_dtype]
    if rule != "same" and (
            scalar > out.category or (rule == "promote_float" and out.category != _FLOAT)):
        return None
    return out


# -- dims ----------------------------------------------------------------------------------------
def wrap_dim(dim: int, ndim: int) -> int:
    """One dim as a non-negative int (negative dims count from the end), with PyTorch's error.

    A zero-dim tensor accepts dims 0 and -1, as in PyTorch.

    Args:
        dim: The dim, negative counting from the end.
        ndim: The number of dims of the tensor.

    >>> wrap_dim(-1, 3)
    2
    >>> wrap_dim(3, 3)
    Traceback (most recent call last):
    ...
    IndexError: Dimension out of range (expected to be in range of [-3, 2], but got 3)
    """
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


# -- exposing ops as functions and methods -------------------------------------------------------
FUNCTIONS: dict[str, Callable[..., Any]] = {}

def expose(
    *names: str, method: bool = True, function: bool = True, autocast: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Publish a Python wrapper as ``symgrad.<name>`` and, with ``method``, ``Tensor.<name>``.

    Each published name checks the arguments annotated ``Tensor`` are tensors, raising
    PyTorch's TypeError under that name (a method does not check its own tensor), and a
    function also takes PyTorch's ``out=`` (``arguments.checked``). The decorated function is
    returned unchanged, so that the op modules call each other without the check.

    Args:
        *names: The public names. Defaults to the wrapper's own name.
        method: Also publish it as a ``Tensor`` method. Defaults to True.
        function: Publish it as ``symgrad.<name>``. Defaults to True.
        autocast: The published names' policy under CPU autocast (``"lower"``, ``"fp32"``,
            ``"promote"``, ``"unsupported"``; ``autocast_policy``): the op modules' own calls
            of each other are not cast, as PyTorch's kernels call each other below its
            autocast layer. Defaults to None.

    >>> import symgrad
    >>> FUNCTIONS["mul"] is symgrad.mul, symgrad.mul(symgrad.ones(2), 3, out=symgrad.empty(2))
    (True, tensor([3., 3.]))
    >>> symgrad.arccos(0.5)
    Traceback (most recent call last):
    ...
    TypeError: arccos(): argument 'input' (position 1) must be Tensor, not float
    >>> symgrad.ones(2).maximum(0.5)
    Traceback (most recent call last):
    ...
    TypeError: maximum(): argument 'other' (position 1) must be Tensor, not float
    """

    cast = (lambda f: f) if autocast is None else autocasts(autocast)

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        for name in names or (fn.__name__,):
            if function:
                FUNCTIONS[name] = cast(checked(fn, name, method=False))
            if method:
                setattr(Tensor, name, cast(checked(fn, name, method=True)))
        return fn

    return wrap
