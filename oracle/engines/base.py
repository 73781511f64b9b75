"""What an engine adapter gives the judges: the protocol, and the plain data it returns.

An adapter is the only code that imports its engine. It turns ``fn`` and its inputs into the
oracle's IR (``oracle.ir``) and runs the engine's backward (``record``), evaluates ``fn`` in
float64 for finite differences (``evaluate64``), converts the engine's tensors to NumPy, and
runs the engine's own ``autograd.grad`` for ``gradcheck``. The judges read nothing else of an
engine. An engine's ops and samples for the sweep (``catalog``) come through it too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oracle.ir import Graph

__all__ = ["Engine", "Recording", "OpInfo", "Case", "MutantCase", "BugCase", "Unsupported"]


class Unsupported(Exception):
    """The graph holds something the oracle cannot judge; the message says what.

    >>> import symgrad
    >>> from oracle.engines import engine_for
    >>> x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> c = symgrad.tensor([3.0, 4.0])
    >>> y = (x * c).sum()
    >>> _ = c.add_(1.0)
    >>> engine_for([x]).read([y], [x])
    Traceback (most recent call last):
    ...
    oracle.engines.base.Unsupported: MulBackward0: a tensor it saved was modified in place ...
    """


@dataclass
class Recording:
    """One run of ``fn`` and of the engine's backward, as plain data.

    ``graph`` is the IR (values and per-node cotangents included); ``outputs`` the outputs'
    values and ``grad_outputs`` the weights the backward started from (each in its output's
    dtype); ``grads`` the engine's gradient for each differentiated input (zeros where the
    engine gave none), in the input's dtype. At the second order ``v`` holds the direction and
    ``hvp`` the engine's Hessian-vector product (the derivative of the first gradients, weighted
    by ``v``, through the engine's ``create_graph``).
    """

    graph: Graph
    outputs: list[np.ndarray]
    grad_outputs: list[np.ndarray]
    grads: list[np.ndarray]
    v: list[np.ndarray] | None = None
    hvp: list[np.ndarray] | None = None


@dataclass(frozen=True)
class OpInfo:
    """What the judges use of an engine's op declaration: its name in the judge's vocabulary,
    its input names, and per input the domain (``oracle.samples.Domain``) finite differences
    keep to."""

    name: str
    args: tuple[str, ...]
    domains: dict[str, Any] = field(default_factory=dict)


@dataclass
class Case:
    """One sample of an op from an engine's catalog, ready for ``crosscheck``: ``fn`` takes the
    differentiated ``inputs`` (named ``names``); ``reproducer`` reruns it from scratch and
    ``described`` says what each input holds, for a verdict on a case that raised."""

    fn: Callable[..., Any]
    inputs: list[Any]
    names: list[str]
    attrs: dict[str, Any]
    reproducer: Callable[[int], str]
    described: list[dict[str, Any]]


@dataclass
class MutantCase:
    """One sample for mutation testing: ``fn`` (a weighted sum of the op's output, so its
    gradient is a VJP) of ``inputs``; ``grads()`` runs the engine's backward now, as float64
    arrays (None where it gave none); ``mutations`` describes each bug by name;
    ``install(mutation)``, for each of them, is
    a context manager that puts that bug into the op's VJP for the block and yields whether it
    has changed anything so far."""

    op: str
    dtype: str
    sample: str
    fn: Callable[..., Any]
    inputs: list[Any]
    grads: Callable[[], list[np.ndarray | None]]
    mutations: dict[str, str]
    install: Callable[[str], AbstractContextManager[Callable[[], bool]]]


@dataclass
class BugCase:
    """A real engine's gradient bug re-enacted in one op's backward: ``category`` says where it
    lives, ``issue`` where it was reported; ``install()`` is a context manager that puts it into
    the engine for the block; ``witness_ulps()``, where the adapter has one, the most ULPs (of
    the witness's dtype) the bug moves any gradient element at its witness, the input its
    author chose to show it."""

    name: str
    category: str
    op: str
    issue: str
    what: str
    install: Callable[[], AbstractContextManager[None]]
    witness_ulps: Callable[[], float] | None = None


class Engine(ABC):
    """An engine adapter. ``name`` names the engine; ``roots`` are the top-level modules whose
    tensor types it serves (so the lookup needs no import of the engine)."""

    name: str
    roots: tuple[str, ...]

    def serves(self, x: Any) -> bool:
        """Whether ``x`` is one of this engine's tensors. Asked only of an adapter already
        imported: the lookup (``oracle.engines.engine_for``) picks adapters by the package of
        ``x``'s type, or among engines already imported, and never imports one to ask.

        >>> from oracle.engines import get
        >>> import numpy as np
        >>> get("symgrad").serves(np.zeros(1))
        False
        """
        return self.is_tensor(x)

    # -- tensors --------------------------------------------------------------------------
    @abstractmethod
    def is_tensor(self, x: Any) -> bool:
        """Whether ``x`` is a tensor of this engine."""

    @abstractmethod
    def to_numpy(self, t: Any) -> np.ndarray:
        """A copy of ``t``'s values in its own dtype (bfloat16 as ``ml_dtypes.bfloat16``)."""

    @abstractmethod
    def dtype_name(self, t: Any) -> str:
        """``t``'s dtype by name (``"float32"``, ``"bfloat16"``, ``"int64"``...)."""

    @abstractmethod
    def requires_grad(self, t: Any) -> bool:
        """Whether ``t`` requires grad."""

    @abstractmethod
    def tensor(self, a: Any, dtype: str, requires_grad: bool = False) -> Any:
        """A new tensor of ``dtype`` holding ``a``."""

    # -- running --------------------------------------------------------------------------
    @abstractmethod
    def record(self, fn: Callable[..., Any], inputs: Sequence[Any], *, order: int = 1,
               grad_outputs: Sequence[Any] | None = None, v: Sequence[Any] | None = None,
               seed: int = 0) -> Recording:
        """Run ``fn(*inputs)`` and the engine's backward (to the second order with ``order=2``
        along ``v``); ``grad_outputs`` default to ones for a one-element output and to seeded
        normal values otherwise, ``v`` to seeded normal values."""

    @abstractmethod
    def read(self, outputs: Sequence[Any], inputs: Sequence[Any]) -> Graph:
        """The IR of what ``outputs`` (already computed) depend on, without cotangents
        (``exact_grad`` of an engine's tensors reads them so). An engine whose values can only
        be recorded while ``fn`` runs raises ``Unsupported`` saying to ``record``."""

    @abstractmethod
    def evaluate64(self, fn: Callable[..., Any], inputs: Sequence[Any], diff: Sequence[int],
                   arrays: Sequence[np.ndarray], *, grad: bool = False) -> list[np.ndarray]:
        """``fn`` with the inputs at positions ``diff`` replaced by float64 tensors of
        ``arrays`` (requiring grad with ``grad``, and with grad mode on), the other floating
        inputs by float64 copies; the tensor outputs in float64."""

    @abstractmethod
    def grad(self, outputs: Sequence[Any], inputs: Sequence[Any],
             grad_outputs: Sequence[Any], *, create_graph: bool = False) -> list[Any]:
        """The engine's ``autograd.grad`` (graph retained, unused inputs giving None);
        ``grad_outputs`` may be arrays, made tensors of their output's dtype."""

    # -- the engine's declarations ----------------------------------------------------------
    @abstractmethod
    def op_info(self, op: Any) -> OpInfo:
        """The declaration of ``op`` (the engine's op object or its name)."""

    @abstractmethod
    def op_source(self, op: OpInfo, attrs: dict[str, Any]) -> str:
        """Python defining ``fn`` that calls ``op`` with ``attrs`` on its inputs, for a
        reproducer."""

    @abstractmethod
    def reproducer(self, inputs: Sequence[Any], names: Sequence[str], diff: Sequence[bool],
                   call: str, defs: str, grad_outputs: Sequence[np.ndarray], order: int,
                   v: Sequence[np.ndarray] | None) -> str:
        """A script that rebuilds the inputs bit for bit and reruns ``crosscheck``."""

    @abstractmethod
    def catalog(self) -> dict[str, tuple[tuple[str, ...], int, bool]]:
        """The sweep's catalog: per op with a gradient to check, its floating dtypes, its
        number of samples and whether it has a double backward."""

    @abstractmethod
    def case(self, op: str, dtype: str, sample: int) -> Case:
        """Sample ``sample`` of ``op`` in ``dtype``, ready to judge."""

    def vjp_source(self, op: str) -> str | None:
        """Where ``op``'s backward is written (``path:line (function)``), for a report to
        point at; None where the engine cannot say.

        Args:
            op: An op of the catalog.
        """
        return None

    def mutation_cases(self, ops: list[str] | None, dtypes: list[str],
                       seed: Callable[[str, str], int]) -> Iterator[MutantCase]:
        """Mutation testing's cases (``oracle.mutants``): each sample of ``ops`` (every op
        with a backward when None) in each of ``dtypes``, weights seeded by ``seed(op,
        sample)``. Raises KeyError for an unknown op, ValueError for a dtype that is not a
        float dtype; an engine whose backward the adapter cannot mutate raises
        NotImplementedError."""
        raise NotImplementedError(f"no mutation testing for {self.name}")

    def bug_cases(self, ops: list[str] | None) -> Iterator[BugCase]:
        """Re-enactments of real gradient bugs (``oracle.mutants.run_bugs``), those of ``ops``
        or all; an engine whose backward the adapter cannot mutate raises NotImplementedError.

        Args:
            ops: Op names of the catalog, or None for every bug.
        """
        raise NotImplementedError(f"no mutation testing for {self.name}")
