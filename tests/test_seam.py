"""The seam between the judges and the engines (``oracle.engines``).

Only an engine's adapter imports that engine: every other module of ``oracle/`` and
``reports/`` is read (its syntax tree, so imports inside functions count too) and must not
import symgrad or torch. The judges read the IR, which the symgrad adapter fills with every
node's value and the cotangents its backward passed; conventions at kinks are data, and every
kink an engine declares has a kink of the judge's own meaning under the same label. Deep graphs
are read and judged without recursion.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import oracle
import symgrad
from oracle.crosscheck import crosscheck
from oracle.engines import ADAPTERS, engine_for
from oracle.samples import samples_of
from oracle.semantics import Kink, labelled_kinks, meaning_of
from symgrad.ops.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("symgrad", "torch")


def imported_roots(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def allowed_engine(path: Path) -> str | None:
    """The engine a module may import: an adapter module in oracle/engines/ named for it."""
    if path.parent != ROOT / "oracle" / "engines":
        return None
    return next((e for e in ENGINES if path.name.startswith(f"{e}_")), None)


def test_imported_roots_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import torch.nn\n    from symgrad.ops import x\n")
    assert imported_roots(module) == {"torch", "symgrad"}


@pytest.mark.parametrize("path", sorted((ROOT / "oracle").rglob("*.py"))
                         + sorted((ROOT / "reports").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_an_adapter_imports_its_engine(path: Path) -> None:
    engines = imported_roots(path) & set(ENGINES)
    allowed = allowed_engine(path)
    assert engines <= ({allowed} if allowed else set()), (
        f"{path.relative_to(ROOT)} imports {sorted(engines)}: only an engine adapter "
        "(oracle/engines/<engine>_*.py) may")


def test_every_adapter_module_is_named_for_its_engine() -> None:
    for name, (_, module) in ADAPTERS.items():
        assert allowed_engine(ROOT / (module.replace(".", "/") + ".py")) == name


def test_judging_symgrad_never_imports_torch() -> None:
    # A fresh interpreter: other tests import torch into this one.
    code = ("import sys, symgrad, oracle\n"
            "x = symgrad.tensor([0.5], requires_grad=True)\n"
            "assert oracle.crosscheck(lambda x: x.exp().sum(), [x]).status == 'ok'\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_torch_tensors_are_served_and_no_tensor_is_a_clear_error() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert crosscheck(lambda x: (x * x).sum(), [x]).status == "ok"
    with pytest.raises(TypeError, match=r"no tensor of an engine among the inputs"):
        crosscheck(lambda x: x, [np.ones(2)])


# -- the IR ------------------------------------------------------------------------------------
def test_the_ir_holds_each_value_and_cotangent_the_engine_computed() -> None:
    x = symgrad.tensor([0.5, -1.5], requires_grad=True)
    w = symgrad.tensor([3.0, 0.25], requires_grad=True)
    y = None

    def fn(x: symgrad.Tensor, w: symgrad.Tensor) -> symgrad.Tensor:
        nonlocal y
        y = (x * w).tanh()
        y.retain_grad()
        return (y * y).sum()

    rec = engine_for([x]).record(fn, [x, w])
    nodes = rec.graph.nodes
    tanh = next(n for n in nodes if n.op == "tanh")
    assert y is not None and y.grad is not None
    # The value the forward returned and the gradient backward left in a retained tensor.
    assert tanh.value.tobytes() == y.detach().numpy().tobytes()
    assert tanh.cotangent.tobytes() == y.grad.numpy().tobytes()
    assert tanh.value.dtype == np.float32 and tanh.dtype == "float32"
    # The engine's gradients as it returned them, and each node's as its inputs received them.
    mul = nodes[tanh.inputs[0]]
    (g_tanh,) = tanh.grads
    assert mul.cotangent.tobytes() == g_tanh.tobytes()
    gx, gw = mul.grads
    assert [gx.tobytes(), gw.tobytes()] == [g.tobytes() for g in rec.grads]


def test_the_ir_states_conventions_as_data() -> None:
    x = symgrad.tensor([0.0, 1.0], requires_grad=True)
    graph = engine_for([x]).read([x.relu()], [x])
    (relu,) = [n for n in graph.nodes if n.kind == "op"]
    assert relu.kinks == (("self", "self == 0", "zero"),)
    assert all(isinstance(part, str) for k in relu.kinks for part in k)


def test_custom_functions_get_their_values_too() -> None:
    class Cube(symgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x, power):
            return x ** power

        @staticmethod
        def backward(ctx, g):
            return g, None

    x = symgrad.tensor([2.0], requires_grad=True)
    graph = engine_for([x]).read([Cube.apply(x, 3)], [x])
    assert graph.nodes[-1].value.tolist() == [8.0]


# -- kinks: the engine's labels are the judge's -------------------------------------------------
def _symbols(op: str, shapes: tuple[tuple[int, ...], ...]) -> list:
    """Symbols in the op's argument order: scalars for an elementwise op, else arrays of the
    sample's shapes."""
    import sympy

    meaning = meaning_of(op, {})
    args = REGISTRY[op].args
    if meaning.kind == "elementwise":
        return [sympy.Symbol(a, real=True) for a in args]
    # An integer index input (a class target) is a plain array of indices: class 0.
    return [np.zeros(shape, dtype=np.int64) if a in meaning.index_args else
            np.array([sympy.Symbol(f"{a}{i}", real=True) for i in range(int(np.prod(shape)))]
                     + [None], dtype=object)[:-1].reshape(shape)
            for a, shape in zip(args, shapes, strict=True)]


KINKED = sorted(name for name, op in REGISTRY.items() if op.kinks)


@pytest.mark.parametrize("op", KINKED)
def test_every_declared_kink_has_a_judge_kink_with_its_label(op: str) -> None:
    opdef = REGISTRY[op]
    meaning = meaning_of(op, {})
    assert meaning is not None, f"{op} has no meaning"
    labels: set[tuple[str, str]] = set()
    for sample in samples_of(opdef.name):
        found = labelled_kinks(meaning, *_symbols(op, sample.shapes), **sample.attrs)
        labels |= {(k[0], k.where) for k in found if isinstance(k, Kink)}
    for k in opdef.kinks:
        assert (k.arg, k.where) in labels, (
            f"{op}: the engine declares {k.where!r} for {k.arg}; the judge has {sorted(labels)}")


def test_the_judge_decides_which_kink_an_element_sits_on() -> None:
    # clamp_tensor's min: on self == min the engine gives it 0 ("zero"), on min == max the
    # right-hand derivative; the first declared for min is min == max, so taking it for
    # element 0 would give 1.
    s = symgrad.tensor([1.0, 2.0], dtype=symgrad.float64)
    lo = symgrad.tensor([1.0, 3.0], dtype=symgrad.float64, requires_grad=True)
    hi = symgrad.tensor([4.0, 3.0], dtype=symgrad.float64)
    r = oracle.exact_grad(symgrad.clamp(s, lo, hi).sum(), lo)
    assert sorted(k.index for k in r.kinks) == [(0,), (1,)]
    assert r.float64[0].tolist() == [0.0, 0.0]


# -- deep graphs --------------------------------------------------------------------------------
def chain(x: symgrad.Tensor, n: int) -> symgrad.Tensor:
    y = x
    for i in range(n):
        y = y * 1.0000001 if i % 2 else y + 1e-7
    return y.sum()


def test_a_deep_chain_is_read_judged_and_drawn_without_recursion() -> None:
    n = 20_000
    limit = sys.getrecursionlimit()
    x = symgrad.tensor([0.5], dtype=symgrad.float64, requires_grad=True)
    try:
        sys.setrecursionlimit(500)  # a walk that recursed per node would fail at once
        v = crosscheck(lambda x: chain(x, n), [x])
        r = oracle.exact_grad(chain(x, n), x)
    finally:
        sys.setrecursionlimit(limit)
    # Through 20,000 roundings, finite differences may not confirm to the engine's bound.
    assert v.status in ("ok", "fd-unreliable"), v.message
    assert v.tolerance["depth"] == n + 1
    # The drawing keeps the nodes nearest the output, fed by one standing for the rest (the
    # leaf, n ops, their n constants and the sum make 2n + 2).
    assert len(v.graph["nodes"]) == 401
    assert v.graph["nodes"][0]["label"] == f"{2 * n + 2 - 400:,} earlier nodes"
    expected = 1.0000001 ** (n // 2)
    assert r.status == "ok" and abs(r.float64[0][0] - expected) < 1e-12


def test_constant_inputs_are_passed_on_not_differentiated() -> None:
    x = symgrad.tensor([0.5, 2.0], dtype=symgrad.float64, requires_grad=True)
    c = symgrad.tensor([3.0, -1.0], dtype=symgrad.float64)
    rec = engine_for([x, c]).record(lambda x, c: (x * c).sum(), [x, c])
    assert [rec.graph.nodes[i].kind for i in rec.graph.inputs] == ["leaf"]
    v = crosscheck(lambda x, c: (x * c).sum(), [x, c])
    assert v.status == "ok", v.message
    assert [(e.input, e.exact[:4]) for e in v.elements] == [("x0", "3.00"), ("x0", "-1.0")]


def test_a_graph_the_oracle_cannot_read_is_unsupported_not_an_engine_error() -> None:
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    c = symgrad.tensor([3.0, 4.0])

    def fn(x: symgrad.Tensor) -> symgrad.Tensor:
        y = (x * c).sum()
        c.add_(1.0)  # the value mul saved is gone
        return y

    v = crosscheck(fn, [x])
    assert (v.status, v.message.split(":")[0]) == ("unsupported", "MulBackward0")


class _UserTensor(symgrad.Tensor):
    """A tensor type defined outside symgrad's package."""


def test_a_subclass_of_an_engine_s_tensor_is_served_by_its_adapter() -> None:
    y = _UserTensor._make(np.array([1.0, 2.0], dtype=np.float32), True, None)
    assert engine_for([y]).name == "symgrad"
