"""A differential fuzzer: random sequences of API calls run in symgrad and in torch, compared
value by value, gradient by gradient and exception class by class.

A program is a few leaf tensors and a list of steps, each a tuple of small integers that the
interpreter reads against the current pool of tensors (which call, which operands, which
dim, under ``no_grad`` or not), so hypothesis can draw and shrink programs as plain data. The
calls grow with the API: every public function of symgrad that torch also has is tried with
the argument patterns torch accepts for it (one tensor, two, a tensor and a dim, a list, and a
Python number in place of a tensor in the first two), next to operators, methods, indexing and
in-place writes. The program ends with a backward from the last tensor that requires grad, and
every leaf's ``.grad`` is compared.

Run ``python tests/torch_fuzz.py [programs] [seed]`` for the agreement rate over random
programs and the first disagreements.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import symgrad
from symgrad.ops.registry import FUNCTIONS

VALUES = (0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 0.25, -0.75, 2.0, 1.5, -0.125, 4.0)
SHAPES = ((), (3,), (2, 3), (3, 1), (1, 3), (2, 1, 3), (0,), (2, 0))
DTYPES = ("float32", "float64")


def _probe_patterns() -> dict[str, tuple[str, ...]]:
    """Which argument patterns torch accepts for each public symgrad function it also has."""
    x, y = torch.ones(2, 3), torch.ones(2, 3)
    square = torch.eye(3) + 1
    tries: dict[str, Callable[[Callable[..., Any]], Any]] = {
        "unary": lambda f: f(x),
        "binary": lambda f: f(x, y),
        "dim": lambda f: f(x, 1),
        "list": lambda f: f([x, y]),
        "list_dim": lambda f: f([x, y], 1),
        # three operands (addcmul, lerp), a square matrix (det), positions (take, index_*)
        "ternary": lambda f: f(x, y, y),
        "square": lambda f: f(square),
        "index": lambda f: f(x, torch.tensor([0, 1])),
        "dim_index": lambda f: f(x, 1, torch.tensor([0, 2])),
        "dim_index_source": lambda f: f(x, 1, torch.tensor([0, 2, 1]), y),
        # a probability and a training flag, out of training (the dropouts' ATen forms): only
        # for functions no other pattern reaches (``add(x, 0.5, False)`` is an alpha)
        "p_eval": lambda f: f(x, 0.5, False),
    }
    patterns = {}
    for name in sorted(FUNCTIONS):
        f = getattr(torch, name, None)
        if f is None:
            continue
        ok = []
        for pattern, call in tries.items():
            try:
                call(f)
            except Exception:  # noqa: BLE001 - an argument pattern torch does not accept
                continue
            ok.append(pattern)
        if "unary" in ok and "square" in ok:  # the same call: any tensor will do
            ok.remove("square")
        if "ternary" in ok and "dim_index_source" in ok:  # addcmul's deprecated overload
            ok.remove("dim_index_source")
        if "p_eval" in ok and len(ok) > 1:
            ok.remove("p_eval")
        if ok:
            patterns[name] = tuple(ok)
    return patterns


PATTERNS = _probe_patterns()
# (the dropouts' calls out of training last: the others keep their places among the calls)
FUNCTION_CALLS = sorted(((name, pattern) for name, ps in PATTERNS.items() for pattern in ps),
                        key=lambda call: call[1] == "p_eval")
# A Python number in place of a tensor of the calls torch takes with one tensor or two: torch's
# TypeError, or a result where it takes a number (add, mul and the like).
NUMBER_CALLS = [(name, number) for name, ps in PATTERNS.items()
                for number, pattern in (("number", "unary"), ("number_first", "binary"),
                                        ("number_second", "binary")) if pattern in ps]


def _call_function(lib: Any, name: str, pattern: str, ts: list[Any], dim: int,
                   number: float) -> Any:
    f = getattr(lib, name)
    a, b = ts[0], ts[1]
    index = lib.tensor([0, 2, 1][:a.shape[dim]] if a.ndim else [0], dtype=lib.int64)
    return {"unary": lambda: f(a), "binary": lambda: f(a, b), "dim": lambda: f(a, dim),
            "list": lambda: f([a, b]), "list_dim": lambda: f([a, b], dim),
            "ternary": lambda: f(a, b, b), "square": lambda: f(a),
            "index": lambda: f(a, index), "dim_index": lambda: f(a, dim, index),
            "dim_index_source": lambda: f(a, dim, index, b), "p_eval": lambda: f(a, 0.5, False),
            "number": lambda: f(number), "number_first": lambda: f(number, b),
            "number_second": lambda: f(a, number)}[pattern]()


def _set(t: Any, key: Any, value: Any) -> Any:
    t[key] = value
    return t


# Calls that are not plain functions: operators, methods, indexing, in-place writes.
# Each takes the library, two operands (the second may go unused), a dim and a small integer.
OTHER_CALLS: dict[str, Callable[[Any, Any, Any, int, int], Any]] = {
    "add": lambda lib, a, b, d, k: a + b,
    "sub_scalar": lambda lib, a, b, d, k: a - VALUES[k],
    "rmul_scalar": lambda lib, a, b, d, k: VALUES[k] * a,
    "truediv": lambda lib, a, b, d, k: a / b,
    "rtruediv": lambda lib, a, b, d, k: VALUES[k] / a,
    "pow_scalar": lambda lib, a, b, d, k: a ** (k % 4),
    "neg": lambda lib, a, b, d, k: -a,
    "matmul": lambda lib, a, b, d, k: a @ b,
    "lt": lambda lib, a, b, d, k: a < b,
    "getitem_int": lambda lib, a, b, d, k: a[k % 3 - 1],
    "getitem_slice": lambda lib, a, b, d, k: a[k % 2:],
    "getitem_mask": lambda lib, a, b, d, k: a[a > VALUES[k]],
    "getitem_index": lambda lib, a, b, d, k: a[lib.tensor([k % 2, 0])],
    "getitem_none": lambda lib, a, b, d, k: a[None, ...],
    "reshape_flat": lambda lib, a, b, d, k: a.reshape(-1),
    "view_flat": lambda lib, a, b, d, k: a.view(-1),
    "expand": lambda lib, a, b, d, k: a.expand(2, *a.shape),
    "transpose": lambda lib, a, b, d, k: a.transpose(0, d),
    "t": lambda lib, a, b, d, k: a.t(),
    "unsqueeze": lambda lib, a, b, d, k: a.unsqueeze(d),
    "squeeze_dim": lambda lib, a, b, d, k: a.squeeze(d),
    "flip": lambda lib, a, b, d, k: a.flip(d),
    "sum_dim": lambda lib, a, b, d, k: a.sum(d, keepdim=bool(k % 2)),
    "mean_dim": lambda lib, a, b, d, k: a.mean(d),
    "max_dim": lambda lib, a, b, d, k: a.max(d).values,
    "std_dim": lambda lib, a, b, d, k: a.std(d),
    "softmax": lambda lib, a, b, d, k: a.softmax(d),
    "clamp": lambda lib, a, b, d, k: a.clamp(min=VALUES[k]),
    "to_double": lambda lib, a, b, d, k: a.double(),
    "to_float": lambda lib, a, b, d, k: a.float(),
    "to_long": lambda lib, a, b, d, k: a.long(),
    "detach": lambda lib, a, b, d, k: a.detach(),
    "clone": lambda lib, a, b, d, k: a.clone(),
    "contiguous": lambda lib, a, b, d, k: a.contiguous(),
    "masked_fill": lambda lib, a, b, d, k: a.masked_fill(a > 0, VALUES[k]),
    "where": lambda lib, a, b, d, k: lib.where(a > 0, a, b),
    "gather": lambda lib, a, b, d, k: a.gather(0, lib.zeros(a.shape, dtype=lib.int64)),
    "add_": lambda lib, a, b, d, k: a.add_(b),
    "mul_scalar_": lambda lib, a, b, d, k: a.mul_(VALUES[k]),
    "sub_": lambda lib, a, b, d, k: a.sub_(b, alpha=2),
    "exp_": lambda lib, a, b, d, k: a.exp_(),
    "zero_": lambda lib, a, b, d, k: a.zero_(),
    "copy_": lambda lib, a, b, d, k: a.copy_(b),
    "clamp_": lambda lib, a, b, d, k: a.clamp_(max=VALUES[k]),
    "setitem": lambda lib, a, b, d, k: _set(a, k % 2, VALUES[k]),
    "setitem_tensor": lambda lib, a, b, d, k: _set(a, ..., b),
    "requires_grad_": lambda lib, a, b, d, k: a.requires_grad_(),
    "retain_grad": lambda lib, a, b, d, k: (a.retain_grad(), a)[1],
    "t_": lambda lib, a, b, d, k: a.t_(),
    "transpose_": lambda lib, a, b, d, k: a.transpose_(0, d),
    "unsqueeze_": lambda lib, a, b, d, k: a.unsqueeze_(d),
    "squeeze_": lambda lib, a, b, d, k: a.squeeze_() if k % 2 else a.squeeze_(d),
    # The transforms and modes programs wrap their ops in: autocast, torch.func, forward AD.
    "autocast_matmul": lambda lib, a, b, d, k: _autocast(lib, lambda: a @ b),
    "autocast_mse": lambda lib, a, b, d, k: _autocast(
        lib, lambda: lib.nn.functional.mse_loss(a, b)),
    "func_grad": lambda lib, a, b, d, k: lib.func.grad(lambda t: (t * t).sin().sum())(a),
    # (times 1: the last node both libraries' results have; vmap's own graph is symgrad's
    # loop's, a stack of the samples, where PyTorch's is the batched op's.)
    "func_vmap": lambda lib, a, b, d, k: lib.vmap(lambda t: t.softmax(0))(a) * 1,
    # (Tangents in their primal's dtype: symgrad carries a tangent of another in the primal's,
    # where PyTorch keeps the tangent's: a documented difference, not drawn again and again.)
    "func_jvp": lambda lib, a, b, d, k: lib.func.jvp(lambda t: t.exp() * t, (a,),
                                                     (b.to(a.dtype),))[1],
    "forward_ad": lambda lib, a, b, d, k: _tangent(lib, a, b.to(a.dtype),
                                                   lambda t: (t * VALUES[k]).sin()),
}


def _autocast(lib: Any, call: Callable[[], Any]) -> Any:
    with lib.autocast("cpu"):
        return call()


def _tangent(lib: Any, a: Any, b: Any, f: Callable[[Any], Any]) -> Any:
    """The tangent of ``f`` at ``a`` along ``b`` by forward AD."""
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        tangent = fw.unpack_dual(f(fw.make_dual(a, b))).tangent
    # Its values: its own graph is the double reverse sweep's in symgrad, not PyTorch's formula.
    return tangent.detach()

CALLS = [("function", name, pattern) for name, pattern in FUNCTION_CALLS] + [
    ("other", name, "") for name in OTHER_CALLS] + [
    ("function", name, pattern) for name, pattern in NUMBER_CALLS]


@dataclass(frozen=True)
class Program:
    """Leaves as (shape index, dtype index, first value index, requires_grad); steps as
    (call, first operand, second operand, dim, small integer, under no_grad)."""

    leaves: tuple[tuple[int, int, int, bool], ...]
    steps: tuple[tuple[int, int, int, int, int, bool], ...]


def _leaf(lib: Any, spec: tuple[int, int, int, bool]) -> Any:
    shape_i, dtype_i, value_i, rg = spec
    shape = SHAPES[shape_i % len(SHAPES)]
    n = int(np.prod(shape))
    values = np.array([VALUES[(value_i + 5 * i) % len(VALUES)] for i in range(n)]).reshape(shape)
    dtype = getattr(lib, DTYPES[dtype_i % len(DTYPES)])
    return lib.tensor(values.tolist(), dtype=dtype, requires_grad=rg)


def _plain(value: Any) -> Any:
    """What is compared of a result: tensors by dtype, shape, values, requires_grad, is_leaf
    and grad_fn class; containers element by element."""
    if isinstance(value, (symgrad.Tensor, torch.Tensor)):
        try:
            fn, leaf = value.grad_fn, value.is_leaf
        except RuntimeError:  # torch refuses to say, for views made in no_grad then written
            fn, leaf = "refused", None
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape),
                # (PyTorch's gradient of sgn is a ZeroTensor, which numpy() refuses unforced;
                # bfloat16, from autocast, has no NumPy type in torch: widened first.)
                np.array(_widened(value.detach()).numpy(force=True)
                         if isinstance(value, torch.Tensor)
                         else value.detach().numpy(), dtype=np.float64, copy=True),
                value.requires_grad, leaf, fn if fn in (None, "refused") else type(fn).__name__)
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    return value


def _widened(t: Any) -> Any:
    """A torch tensor NumPy can hold: bfloat16 in float32 (exactly)."""
    return t.float() if t.dtype == torch.bfloat16 else t


def _agree(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_agree(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6,
                                                       equal_nan=True))
    return bool(a == b) if not isinstance(a, np.ndarray) else False


def _run_step(lib: Any, pool: list[Any], step: tuple[int, ...]) -> Any:
    call, i, j, dim, k, quiet = step
    kind, name, pattern = CALLS[call % len(CALLS)]
    a, b = pool[i % len(pool)], pool[j % len(pool)]
    d = dim % 3 - 1
    with lib.no_grad() if quiet else lib.enable_grad():
        if kind == "function":
            return _call_function(lib, name, pattern, [a, b], d, VALUES[k % len(VALUES)])
        return OTHER_CALLS[name](lib, a, b, d, k % len(VALUES))


class Raised(str):
    """An exception's class name, which is what is compared, with its message beside it
    (``message``), which ``TORCH_WRONG_ERRORS`` reads."""

    message = ""


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        # torch.linalg.LinAlgError is torch._C._LinAlgError: its class is named so.
        raised = Raised(type(e).__name__.lstrip("_"))
        raised.message = str(e)
        return "raises", raised


def _tensors(value: Any, lib: Any) -> list[Any]:
    if isinstance(value, lib.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [v for v in value if isinstance(v, lib.Tensor)][:2]
    return []


def _mirror(t: Any) -> Any:
    """A torch tensor holding exactly symgrad's values of ``t``: its dtype, requires_grad, and
    a leaf where ``t`` is one (a clone of a leaf where not, so in-place writes meet the same
    rules)."""
    m = torch.tensor(t.detach().numpy().tolist(), dtype=getattr(torch, t.dtype.name))
    if t.requires_grad:
        m.requires_grad_()
        if not _is_leaf(t):
            m = m.clone()
    return m


def _is_leaf(t: Any) -> bool:
    """``t.is_leaf``; False for a view made under no_grad whose base was written since, whose
    graph refuses every question (PyTorch's RuntimeError; seed 388 program 235, helper h2)."""
    try:
        return bool(t.is_leaf)
    except RuntimeError:
        return False


def _mirrors(pool: list[Any]) -> list[Any]:
    """``_mirror`` of each tensor of a pool, one per tensor: a tensor the pool holds twice (an
    in-place op's result is its operand) has one mirror, which a write changes in both places;
    tensors that share memory (views of one base) have mirrors that share it as theirs do
    (``_shared_mirrors``), so a write through one shows in the others (seed 2143 program 329:
    xlogy_ into one of atleast_3d's two views of a tensor)."""
    made: dict[int, Any] = {}
    distinct = [t for t in {id(t): t for t in pool}.values()]
    groups: dict[int, list[Any]] = {}
    for t in distinct:
        groups.setdefault(id(_memory(t._data)), []).append(t)
    for group in groups.values():
        shared = _shared_mirrors(group) if len(group) > 1 else None
        for t, m in zip(group, shared or [_mirror(t) for t in group], strict=True):
            made[id(t)] = m
    return [made[id(t)] for t in pool]


def _memory(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _shared_mirrors(group: list[Any]) -> list[Any] | None:
    """Mirrors of tensors sharing one block of memory, as views (``as_strided``) of one torch
    tensor holding its values: a clone of a leaf that requires grad, the views of tensors that
    require grad and are not leaves made of it, the others of its detached alias (a leaf among
    them requires grad again). None where a view cannot be put so (another dtype, a negative
    or fractional stride, an empty tensor)."""
    memory = _memory(group[0]._data)
    if not memory.flags.c_contiguous or memory.dtype.kind != "f":
        return None
    start = memory.__array_interface__["data"][0]
    base_leaf = torch.tensor(memory.reshape(-1).tolist(), dtype=getattr(torch, str(memory.dtype)),
                             requires_grad=True)
    base = base_leaf.clone()
    mirrors = []
    for t in group:
        a = t._data
        offset = a.__array_interface__["data"][0] - start
        size = memory.itemsize
        if (a.dtype != memory.dtype or a.size == 0 or offset % size
                or any(st < 0 or st % size for st in a.strides)):
            return None
        shape, strides = tuple(a.shape), tuple(st // size for st in a.strides)
        if t.requires_grad and not _is_leaf(t):
            mirrors.append(base.as_strided(shape, strides, offset // size))
            continue
        m = base.detach().as_strided(shape, strides, offset // size)
        mirrors.append(m.requires_grad_() if t.requires_grad else m)
    return mirrors


def _exactly_equal(pools: dict[Any, list[Any]]) -> bool:
    return all(np.array_equal(_plain(a)[3], _plain(b)[3], equal_nan=True)
               for a, b in zip(pools[symgrad], pools[torch], strict=True))


def _unrecorded(plain: Any) -> Any:
    """``_plain``'s picture without what only a graph tells (is_leaf, grad_fn), for an
    in-place step's result, which is its operand: a mirror's tensors are leaves or clones of
    them, so one written under no_grad stays CloneBackward0 where symgrad's keeps its node
    (seed 382, helper h2). A new result's node is the step's own, and is compared."""
    if isinstance(plain, tuple) and len(plain) == 7 and plain[0] == "tensor":
        return plain[:5]
    if isinstance(plain, tuple):
        return tuple(_unrecorded(p) for p in plain)
    return plain


def _inherited(step: tuple[int, ...], mirror: list[Any] | None, s_val: Any,
               pool: list[Any]) -> bool:
    """Whether a step's disagreement comes from the operands it was given: torch, run on
    symgrad's own values of them (``mirror``, made before the step), gives symgrad's result
    and pool. Earlier results that agreed to the tolerance only (symgrad's i0(0) is 1, torch's
    float32 one 1 - 2**-24) can part at a step that magnifies a last bit (erfinv of them: inf
    and 3.83); neither library's step is then at fault."""
    if mirror is None:
        return False
    kind, t_val = _outcome(lambda: _run_step(torch, mirror, step))
    if kind != "ok":
        return False
    ours, theirs = _plain(s_val), _plain(t_val)
    if any(t is t_val for t in mirror):  # an in-place step: its result is a mirror tensor
        ours, theirs = _unrecorded(ours), _unrecorded(theirs)
    if not _agree(ours, theirs):
        return False
    mirror.extend(_tensors(t_val, torch))
    # The pools' values (the mirror's tensors have no graph behind them to compare).
    return len(mirror) == len(pool) and all(
        _agree(_plain(a)[:5], _plain(b)[:5]) for a, b in zip(pool, mirror, strict=True))


# Functions whose order of tied elements PyTorch leaves unspecified (``stable=False``, the
# default): on 100 zeros its argsort begins 62, 74, 73, ...; symgrad's is the stable order.
TIE_ORDER_UNSPECIFIED = {"argsort", "sort"}


def _tie_order(step: tuple[int, ...], operand: Any) -> bool:
    """Whether a step sorts an operand that holds tied elements, where either order is right."""
    name = CALLS[step[0] % len(CALLS)][1]
    if name not in TIE_ORDER_UNSPECIFIED or not isinstance(operand, symgrad.Tensor):
        return False
    values = operand.detach().numpy().reshape(-1)
    return len(np.unique(values)) < values.size


def _svd_arbitrary(step: tuple[int, ...], operand: Any, ours: Any, theirs: Any) -> bool:
    """Whether a step is svd and its results differ only where an SVD leaves the singular
    vectors open: symgrad's is an SVD of the operand (U and V of orthonormal columns, U S V^T
    the operand) with PyTorch's singular values, and for each positive singular value the
    pairs' product U_g V_g^T over the singular values equal to it (``_svd_groups``) is
    PyTorch's. That leaves a pair of a simple singular value its sign, negated in u and v
    together (LAPACK picks PyTorch's; symgrad's makes its own, tests/test_decompositions.py
    compares them signed alike), a repeated one any rotation shared by its u's and v's, and
    a zero one, or the columns past the singular values, any orthonormal completion (seeds
    2020, 2086, 2110: rank-deficient matrices)."""
    if CALLS[step[0] % len(CALLS)][1] != "svd" or len(ours) != 3 or len(theirs) != 3:
        return False
    if any(a[:3] != b[:3] or a[4:] != b[4:] for a, b in zip(ours, theirs, strict=True)):
        return False
    (u, s, v), (tu, ts, tv) = (tuple(t[3] for t in r) for r in (ours, theirs))
    a = np.asarray(operand.detach().numpy(), dtype=np.float64)
    if u.size == 0 or not all(np.isfinite(x).all() for x in (u, s, v, tu, ts, tv, a)):
        return False
    if not _agree(s, ts) or not _is_svd(a, u, s, v):
        return False
    for at in np.ndindex(s.shape[:-1]):
        for group in _svd_groups(s[at]):
            if not _agree(u[at][:, group] @ v[at][:, group].T,
                          tu[at][:, group] @ tv[at][:, group].T):
                return False
    return True


def _is_svd(a: np.ndarray, u: np.ndarray, s: np.ndarray, v: np.ndarray) -> bool:
    """Whether ``u``, ``s``, ``v`` (torch.svd's, V not transposed) factor ``a`` to float32's
    rounding: orthonormal columns, and U S V^T = A over the singular values."""
    k = s.shape[-1]
    scale = max(float(np.abs(a).max(initial=0.0)), 1.0)
    product = (u[..., :k] * s[..., None, :]) @ np.swapaxes(v[..., :k], -1, -2)
    return all(np.allclose(np.swapaxes(q, -1, -2) @ q, np.eye(q.shape[-1]), atol=1e-5)
               for q in (u, v)) and np.allclose(product, a, rtol=0, atol=1e-5 * scale)


def _svd_groups(s: np.ndarray) -> list[list[int]]:
    """The places of each positive singular value of descending ``s``, those equal (to the
    fuzzer's tolerance, relative to the largest) together; zero ones in none."""
    tol = 1e-5 * float(s[0]) if s.size else 0.0
    groups: list[list[int]] = []
    for i, value in enumerate(s):
        if value <= tol:
            break
        if groups and s[groups[-1][-1]] - value <= tol:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


# Functions whose result PyTorch forms from a float32 factorization: at a matrix of lower rank
# in exact arithmetic its rounding leaves a singular value ~1e-8 of the largest, which
# pinverse's rcond (1e-15) keeps and inverts (1.5e6 where the pseudo-inverse is 0.03); symgrad's
# factorization in float64 finds the rank (tests/test_decompositions.py compares them at full
# rank). geqrf's reflectors past the rank are made of rounding noise (the column left below
# the diagonal is 0 in exact arithmetic): LAPACK's and symgrad's geqr2 round differently, so a
# tau of 1 in one is 0 in the other, both factorizations to 1e-15 (tests/test_fuzz_leftovers.py,
# test_geqrf_past_the_rank_reflects_rounding_noise).
# inverse of a matrix singular in exact arithmetic: whether LU meets an exact zero pivot is
# the rounding's (b_i - a_j for a = (0, 3, -0.125), b = (-0.125, 0.5, 2), rank 2: symgrad's
# getrf rounds l * u and the difference apart and finds U_33 = 0, LinAlgError, PyTorch's MKL
# fuses them, -6e-18, and inverts it to 1e17; seed 2108 program 948, helper h1;
# tests/test_fuzz_leftovers.py). The error is the mathematics', the values noise.
# logdet of a singular matrix: -inf where LU meets an exact zero pivot (symgrad's, of the rank
# 2 matrix addcmul made, seed 2409 program 1042), the log of a pivot's rounding in PyTorch's
# (-33.8); the same values as inverse's.
RANK_SENSITIVE = {"pinverse", "geqrf", "inverse", "logdet"}


def _rank_deficient(step: tuple[int, ...], operand: Any) -> bool:
    """Whether a step takes the pseudo-inverse (the QR factorization, the inverse) of matrices
    not of full rank."""
    name = CALLS[step[0] % len(CALLS)][1]
    if name not in RANK_SENSITIVE or not isinstance(operand, symgrad.Tensor) or operand.ndim < 2:
        return False
    a = operand.detach().numpy().astype(np.float64)
    if a.size == 0 or not np.isfinite(a).all():
        return False
    return bool(np.any(np.linalg.matrix_rank(a) < min(a.shape[-2:])))


# Calls that read the sign bit of an operand (which of the two): of a NaN that an invalid
# operation made, IEEE 754 leaves the bit unspecified and the kernels differ. NumPy's log, sqrt,
# power and var of an empty tensor give x86's default NaN, sign bit set; PyTorch 2.13's log,
# log2, sqrt, logit, pow, var and std (both float dtypes), log1p and xlogy (float64) and erfinv
# (float32) give it clear, and their 0 / 0, acos(2) and inf - inf set. The bit follows each
# kernel's code path (and CPU), so a program whose signbit or copysign differs only where that
# operand is NaN tells nothing of either library (seed 85 program 538: logit of 4; seed 86
# program 1456: std of an empty tensor).
NAN_SIGN_READERS = {("signbit", "unary"): 1, ("copysign", "binary"): 2,
                    ("copysign", "number_first"): 2}


def _nan_sign(step: tuple[int, ...], pool: list[Any], ours: Any, theirs: Any) -> bool:
    """Whether a step reads an operand's sign bit and its results differ only in elements
    where that operand (symgrad's, before the step) is NaN."""
    _, name, pattern = CALLS[step[0] % len(CALLS)]
    place = NAN_SIGN_READERS.get((name, pattern))
    if place is None or ours[:3] != theirs[:3] or ours[4:] != theirs[4:]:
        return False
    source = pool[step[place] % len(pool)]
    differ = ~np.isclose(ours[3], theirs[3], rtol=1e-5, atol=1e-6, equal_nan=True)
    try:
        nan = np.broadcast_to(np.isnan(source.detach().numpy()), differ.shape)
    except ValueError:
        return False
    return bool(np.all(nan[differ]))


# PyTorch 2.13's CPU cross computes a_j b_k - a_k b_j with a fused multiply-add: one product
# is not rounded, so the result carries the other's rounding error, up to half an ULP of
# |a_k b_j|: cross(a, a) in float32 is not 0 (-2.1e-4 for a = rad2deg([3, -0.125, 0.5]),
# seed 2275 program 1431). symgrad's is the difference correctly rounded (0 there, the
# mathematics'). A step whose values differ only within the products' rounding
# (``_fused_cross``) tells nothing of either library beyond it (tests/test_fuzz_leftovers.py,
# test_cross_of_a_vector_with_itself_is_zero states both).
FUSED_PRODUCT_DIFFERENCES = {("cross", "binary")}


def _fused_cross(step: tuple[int, ...], pool: list[Any], ours: Any, theirs: Any) -> bool:
    """Whether a cross product's two results differ only by the rounding of its products:
    each element by at most the dtype's epsilon times ``|a_j b_k| + |a_k b_j|`` (symgrad's
    operands, before the step; the dim PyTorch takes without one, the first of size 3)."""
    _, name, pattern = CALLS[step[0] % len(CALLS)]
    if ((name, pattern) not in FUSED_PRODUCT_DIFFERENCES or ours[:3] != theirs[:3]
            or ours[4:] != theirs[4:] or ours[1] not in DTYPES):
        return False
    a, b = (pool[step[k] % len(pool)].detach().numpy().astype(np.float64) for k in (1, 2))
    try:
        a, b = np.broadcast_arrays(a, b)
        dim = list(a.shape).index(3)
    except ValueError:
        return False
    terms = (np.abs(np.roll(a, -1, dim) * np.roll(b, -2, dim))
             + np.abs(np.roll(a, -2, dim) * np.roll(b, -1, dim)))
    if terms.shape != ours[3].shape:
        return False
    eps = float(np.finfo(np.dtype(ours[1])).eps)
    with np.errstate(invalid="ignore"):
        close = np.abs(ours[3] - theirs[3]) <= eps * terms
    return bool(np.all(close | (np.isnan(ours[3]) & np.isnan(theirs[3]))
                       | (ours[3] == theirs[3])))


# Functions whose backward crashes PyTorch 2.13's process (a segmentation fault, which no
# except clause catches) at an input the predicate names: pdist's of an input with no rows
# (tests/test_torch_parity.py, test_pdist_backward_of_no_rows, runs it in a subprocess).
# symgrad's gradient there is empty; a program that calls one so is not run backward.
CRASHES_TORCH_BACKWARD: dict[str, Callable[[Any, Any], bool]] = {
    "pdist": lambda x, _: x.ndim == 2 and x.shape[0] == 0 and x.requires_grad,
}


# Functions whose forward crashes PyTorch 2.13's process at operands (first, second) the
# predicate names: _weight_norm of an empty v (a division by zero in its fused kernel:
# SIGFPE), or of an empty g beside a non-empty v (its kernel reads g's missing elements:
# SIGSEGV; seed 523 program 637, helper h5; symgrad refuses any g not of one element per
# slice, ``SYMGRAD_REFUSES``). Any g of fewer elements than v's slices along dim 0 does: a
# 0-d g beside a (4, 1, 9) v corrupted the heap (glibc's "invalid fastbin entry (free)",
# aborting the fuzzer's process a hundred programs later; seed 2288 program 736, helper h1).
# A step that would is not run.
CRASHES_TORCH_FORWARD: dict[str, Callable[[Any, Any], bool]] = {
    "_weight_norm": lambda v, g: v.numel() == 0 or g.numel() < (v.shape[0] if v.ndim else 1),
}


def _crashes_torch(step: tuple[int, ...], operand: Any, second: Any,
                   crashing: dict[str, Callable[[Any, Any], bool]] = CRASHES_TORCH_BACKWARD
                   ) -> bool:
    """Whether a step of operands ``operand`` and ``second`` would crash PyTorch: its backward
    (``CRASHES_TORCH_BACKWARD``) or, given ``CRASHES_TORCH_FORWARD``, its forward."""
    name = CALLS[step[0] % len(CALLS)][1]
    return (name in crashing and isinstance(operand, symgrad.Tensor)
            and crashing[name](operand, second))


def run(program: Program) -> list[tuple[str, Any, Any]]:
    """Run the program in both libraries; the disagreements as (where, symgrad's, torch's).

    A program whose values agree only to the tolerance at some step, and part later at a step
    that gives symgrad's result on symgrad's operands (``_inherited``), that sorts tied
    elements in another order (``_tie_order``), gives other singular vectors
    where the SVD leaves them open (``_svd_arbitrary``), takes the pseudo-inverse, the QR
    factorization or the inverse of a matrix not of full rank (``_rank_deficient``: also where
    one library alone raises), reads the sign bit of
    a NaN (``_nan_sign``) or takes a cross product PyTorch rounds otherwise
    (``_fused_cross``), is compared no further: its rest tells nothing about either library.
    One whose backward would crash PyTorch (``_crashes_torch``) is compared forward only; a
    step whose forward would is skipped.
    """
    pools = {lib: [_leaf(lib, spec) for spec in program.leaves] for lib in (symgrad, torch)}
    leaves = {lib: list(pool) for lib, pool in pools.items()}
    crashes = False
    for n, step in enumerate(program.steps):
        mirror = None if _exactly_equal(pools) else _mirrors(pools[symgrad])
        operand = pools[symgrad][step[1] % len(pools[symgrad])]
        second = pools[symgrad][step[2] % len(pools[symgrad])]
        if _crashes_torch(step, operand, second, CRASHES_TORCH_FORWARD):
            continue  # not run in either library: the pools stay alike
        crashes = crashes or _crashes_torch(step, operand, second)
        s_kind, s_val = _outcome(lambda: _run_step(symgrad, pools[symgrad], step))  # noqa: B023
        t_kind, t_val = _outcome(lambda: _run_step(torch, pools[torch], step))  # noqa: B023
        where = f"step {n} {CALLS[step[0] % len(CALLS)][1:]}"
        if s_kind != t_kind or (s_kind == "raises" and s_val != t_val):
            if _rank_deficient(step, operand):
                return []
            return [(where, s_val if s_kind == "raises" else "ok",
                     t_val if t_kind == "raises" else "ok")]
        if s_kind == "raises":
            continue
        sym, tor = _plain(s_val), _plain(t_val)
        before = list(pools[symgrad])
        pools[symgrad].extend(_tensors(s_val, symgrad))
        if not _agree(sym, tor):
            if (_tie_order(step, operand) or _rank_deficient(step, operand)
                    or _svd_arbitrary(step, operand, sym, tor) or _nan_sign(step, before, sym, tor)
                    or _fused_cross(step, before, sym, tor)
                    or _inherited(step, mirror, s_val, pools[symgrad])):
                return []
            return [(where, sym, tor)]
        pools[torch].extend(_tensors(t_val, torch))
        # The pools' tensors after the step: an in-place write shows up in its operands.
        for a, b in zip(pools[symgrad], pools[torch], strict=True):
            if not _agree(_plain(a), _plain(b)):
                if _inherited(step, mirror, s_val, pools[symgrad]):
                    return []
                return [(f"pool after {where}", _plain(a), _plain(b))]
    return [] if crashes else _backward(pools, leaves, program)


# PyTorch's engine runs an AccumulateGrad node and a NotImplemented node as soon as it is ready
# (both have sequence_nr UINT64_MAX, above every other node), and two made ready by one node in
# the order of that node's inputs; symgrad numbers accumulators by creation (a leaf's at its
# first use) and runs the highest number first. So a backward that stops at a NotImplemented
# node may have reached another set of leaves first: ``floor_divide(-1, a) + b`` leaves
# PyTorch's b.grad None, symgrad's set (tests/test_fuzz_leftovers.py,
# test_leaves_reached_before_a_not_implemented_node). After such a raise in both, a leaf with a
# gradient in one library and None in the other is not compared; the gradients both have are.
# A backward node of its own whose formula PyTorch leaves unwritten says so in another form,
# "the derivative for '_unique2' is not implemented." (Unique2Backward0; seed 373, helper h2):
# the leaves' accumulators still run first in PyTorch.
NOT_IMPLEMENTED = re.compile(r"(the )?derivative for .+ is not implemented\.?")


def _backward_outcome(lib: Any, root: Any) -> tuple[str, Any, str]:
    weights = lib.tensor(np.linspace(0.5, 1.5, root.numel()).reshape(tuple(root.shape)),
                         dtype=root.dtype)
    try:
        (root * weights).sum().backward()
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return "raises", type(e).__name__.lstrip("_"), str(e)
    return "ok", None, ""


# Functions whose backward reads their input where PyTorch's saves only the result: symgrad's
# VJP forms the tail from the input (sigmoid's 1 - s, which rounds to 0 from the result once
# s rounds to 1), so a write into the input before backward is refused there, never a wrong
# number: a backward of a program calling one may raise the in-place error where PyTorch's runs
# (tests/test_fuzz_leftovers.py states both).
# hypot's VJP reads other for self's gradient (hypot recomputed in float64) where PyTorch's
# reads the result and saves other only for other's gradient: its second derivative in self
# from the float32 result is 1.5e7 ULP off at (1000, 0.01), symgrad's 13 ULP.
# svd's and nuclear_norm's VJPs form the singular vectors again from the input (a graph of
# their own, for a double backward), where PyTorch's node saves U, S and Vh: a write into the
# input before backward is refused there, PyTorch's gradient is the derivative at the matrix
# the SVD was taken of (seed 2116 program 281, helper h1).
READS_ITS_INPUT = {"sigmoid", "tanh", "expm1", "exp2", "hypot", "svd", "nuclear_norm"}
# Functions whose PyTorch backward reads an input through an _unsafe_view, which keeps a version
# counter of its own: a later write into the input goes unseen, and the backward computes with
# the written values (kron(a, b) then a.mul_(10): b's gradient 60 for sum(a) = 6). symgrad's
# backward refuses, as PyTorch's own mul does (tests/test_torch_parity.py,
# test_kron_after_its_input_is_written; seed 331, helper h2).
SAVES_UNTRACKED = {"kron"}
_MODIFIED = "one of the variables needed for gradient computation has been modified"


def _stricter(program: Program, outcomes: dict[Any, tuple[str, Any, str]]) -> bool:
    """Whether symgrad's backward alone raised the in-place error, in a program calling a
    function of ``READS_ITS_INPUT`` or ``SAVES_UNTRACKED``."""
    called = {CALLS[step[0] % len(CALLS)][1] for step in program.steps}
    return (outcomes[torch][0] == "ok" and outcomes[symgrad][2].startswith(_MODIFIED)
            and bool(called & (READS_ITS_INPUT | SAVES_UNTRACKED)))


def _backward(pools: dict[Any, list[Any]], leaves: dict[Any, list[Any]], program: Program
              ) -> list[tuple[str, Any, Any]]:
    roots = {lib: next((t for t in reversed(pool) if t.requires_grad), None)
             for lib, pool in pools.items()}
    if roots[symgrad] is None:
        return []
    outcomes = {lib: _backward_outcome(lib, root) for lib, root in roots.items()}
    if outcomes[symgrad][:2] != outcomes[torch][:2]:
        if _stricter(program, outcomes):
            return []
        return [("backward", outcomes[symgrad][1], outcomes[torch][1])]
    stopped = all(NOT_IMPLEMENTED.fullmatch(outcome[2]) for outcome in outcomes.values())
    for n, (a, b) in enumerate(zip(leaves[symgrad], leaves[torch], strict=True)):
        if stopped and (a.grad is None) != (b.grad is None):
            continue  # reached before the NotImplemented node in one engine's order only
        ga, gb = _plain(a.grad), _plain(b.grad)
        if not _agree(ga, gb):
            return [(f"grad of leaf {n}", ga, gb)]
    return []


# Functions whose gradients PyTorch 2.13 gets wrong where the fuzzer reaches them; symgrad's are
# the mathematics' (each checked against it in the test named).
TORCH_WRONG_GRADIENTS = {
    # trigamma (digamma's derivative, lgamma's second) at a pole is +inf; PyTorch's is finite
    # (6.6e32): tests/test_special_functions.py.
    "digamma": "trigamma finite at poles", "lgamma": "trigamma finite at poles",
    "polygamma": "trigamma finite at poles", "mvlgamma": "trigamma finite at poles",
    # After an empty 1-D input, PyTorch's backward reads each later block one row too high (its
    # own gradcheck fails): tests/test_block_diag_gradient.py.
    "block_diag": "backward misplaces blocks after an empty 1-D input",
    # At input == other PyTorch's gradient is 0; the derivative is 1 there as everywhere (the
    # result is the input to within one step): tests/test_next_float.py.
    "nextafter": "0 at input == other, where the derivative is 1",
    # A NaN gradient reaching logcumsumexp: PyTorch's backward splits it by sign in log space
    # and loses it (x[0]'s gradient finite for g = [nan, 1, 1]; over a dim of one element,
    # the identity, a NaN gradient comes out 0 or finite): tests/test_fuzz_leftovers.py.
    "logcumsumexp": "a NaN gradient is lost",
    # pinverse's float32 gradient: PyTorch's works in float32 and is off by 3.5e-6 relative
    # (1.9e-6 absolute, past the fuzzer's tolerance) where symgrad's, from float64, is within
    # 1.5e-7 of PyTorch's float64 gradient: tests/test_fuzz_leftovers.py.
    "pinverse": "float32 gradient off by a few 1e-6",
    # sinc' at +-inf is its limit, 0 (PyTorch's NaN): tests/test_sinc_bessel.py.
    "sinc": "sinc' at +-inf is NaN, where its limit is 0",
    # cholesky_inverse reads one triangle of its factor; PyTorch's gradient multiplies by the
    # whole factor and is not masked to the triangle: wrong on both triangles of a factor that
    # is not triangular (a matmul's), where symgrad's is 0 on the unread one
    # (tests/test_decompositions.py; cholesky_solve alike, which no pattern here reaches).
    "cholesky_inverse": "gradient not masked to the triangle it reads",
    # det's derivative at a singular matrix is its cofactor matrix (det is a polynomial);
    # PyTorch's backward without create_graph gives zeros there (det(diagflat([0.25, 0, -2.5])):
    # -0.625 in the zero's place): tests/test_torch_parity.py, test_det_at_a_singular_matrix.
    "det": "zeros at a singular matrix, where the derivative is the cofactor matrix",
}


# Functions whose values PyTorch 2.13 gets wrong where the fuzzer reaches them: where
# symgrad's value is infinite and PyTorch's NaN, symgrad's is the mathematics'.
TORCH_WRONG_VALUES = {
    # PyTorch's var_mean/std_mean update the mean as Welford does, mean + (x - mean) / n:
    # after an infinite element inf + (x - inf) / n is inf - inf = nan (mean([inf, 1]) is
    # nan, mean([1, inf]) inf; torch.mean gives inf): tests/test_fuzz_leftovers.py.
    "var_mean": "the mean after an infinite element is nan",
    "std_mean": "the mean after an infinite element is nan",
    # i0(+-inf) is its limit, inf (PyTorch's NaN): tests/test_sinc_bessel.py.
    "i0": "i0 at +-inf is nan",
}


# Functions whose values PyTorch 2.13 gives as a number where the mathematics' is NaN, as
# symgrad's is: geqrf of a column led by NaN, whose R diagonal element (-+ the column's norm)
# MKL's reflector makes a number (seed 307 program 1266, helper h5; tests/test_torch_parity.py,
# test_qr_of_a_column_led_by_nan).
TORCH_NUMBER_FOR_NAN_VALUES = {"geqrf": "R's diagonal element of a column led by NaN"}


# Functions whose values PyTorch 2.13 loses beside a pole, where both libraries' are beyond
# 1e13 in size, with one sign: its float64 digamma of x < 0 reflects by pi / tan(pi x), and
# the rounding of pi x is as large as x's distance to the pole within 1e-15 of it.
# digamma(-1 + 2**-53) is -9.007199254740992e15 (mpmath), symgrad's; PyTorch's -5.5e15 (seed
# 2384 program 534; tests/test_torch_parity.py, test_digamma_beside_a_pole).
TORCH_POLE_VALUES = {"digamma": "values within 1e-13 of a pole"}


# Functions whose singular vectors PyTorch 2.13 gives as numbers where the matrix holds an
# infinity and has no SVD: its singular values are NaN in both libraries, symgrad's vectors
# NaN with them; PyTorch's are what LAPACK left (V = 1 of a column of -inf; seed 2081 program
# 1054, helper h1; tests/test_torch_parity.py, test_svd_of_a_matrix_holding_an_infinity).
TORCH_LEFTOVER_VECTORS = {"svd": "singular vectors of a matrix whose singular values are NaN"}
# ... and the gradients made of those vectors (U V^T): nuclear_norm's, NaN in symgrad beside
# its NaN value, a number in PyTorch's ([1, 0, 0] at (-inf, 1, 2), where x / |x| tends to
# (-1, 0, 0); seed 2097 program 625).
TORCH_NUMBER_FOR_NAN_GRADIENTS = {
    "nuclear_norm": "U V^T of the vectors LAPACK left where the singular values are NaN"}


def _leftover_vectors(ours: Any, theirs: Any) -> bool:
    """Whether two svd results differ only in singular vectors that are NaN in symgrad's, of
    matrices whose singular values are NaN in both."""
    if not (isinstance(ours, tuple) and isinstance(theirs, tuple) and len(ours) == 3
            and len(theirs) == 3 and ours[1][:3] == theirs[1][:3]
            and np.array_equal(ours[1][3], theirs[1][3], equal_nan=True)):
        return False
    undefined = np.isnan(ours[1][3]).all(axis=-1)[..., None, None]
    for a, b in ((ours[0], theirs[0]), (ours[2], theirs[2])):
        if a[:3] != b[:3] or a[4:] != b[4:]:
            return False
        differ = ~np.isclose(a[3], b[3], rtol=1e-5, atol=1e-6, equal_nan=True)
        if not np.all((np.isnan(a[3]) & np.broadcast_to(undefined, differ.shape))[differ]):
            return False
    return True


# Calls symgrad refuses by design where PyTorch gives a value, with a part of its message:
# vmap calls the function once per sample, so a mapped dim of size 0 has none to call it on
# (PyTorch's batching rules run it on the empty batch); _weight_norm's g must hold one
# element per slice, where PyTorch's fused kernel reads past a smaller g's memory and more of a
# larger one's (tests/test_parametrize.py).
SYMGRAD_REFUSES = {"func_vmap": "symgrad maps by calling the function once per sample",
                   "_weight_norm": "weight_norm: expected g to hold"}

# Functions PyTorch 2.13 refuses to compute where the fuzzer reaches them, with the start of
# its message; symgrad's value is the mathematics'.
TORCH_WRONG_ERRORS = {
    # isin's CPU kernel for few test elements (fewer than 10 * numel(elements) ** 0.145) flattens
    # them with view(-1), which refuses a non-contiguous tensor (nonzero's result): the
    # membership is defined all the same (tests/test_torch_parity.py,
    # test_isin_of_non_contiguous_test_elements).
    "isin": "view size is not compatible with input tensor's size and stride",
    # kron and take_along_dim without a dim view their input flat, which a transposed or
    # expanded one refuses (kron(ones(2, 3).t(), ones(1, 2)) raises in PyTorch 2.13):
    # tests/test_fuzz_leftovers.py.
    **{name: "view size is not compatible with input tensor's size and stride"
       for name in ("kron", "take_along_dim")},
}


def _differ_only_where(ours: np.ndarray, theirs: np.ndarray,
                       symgrad_may_be: Callable[[np.ndarray], np.ndarray],
                       torch_is: Callable[[np.ndarray], np.ndarray] = np.isnan) -> bool:
    """Whether two arrays of one shape agree (to ``_agree``'s tolerance) except where
    PyTorch's element passes ``torch_is`` (is NaN, unless told) and symgrad's passes
    ``symgrad_may_be``."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if a.shape != b.shape:
        return False
    differ = ~np.isclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    return bool(np.all(symgrad_may_be(a[differ]) & torch_is(b[differ])))


def _only_inf_for_nan(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """Symgrad's element infinite where PyTorch's is NaN, and agreement elsewhere."""
    return _differ_only_where(ours, theirs, np.isinf)


def _only_where_torch_nan(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """Symgrad's element a number or an infinity where PyTorch's is NaN, and agreement
    elsewhere."""
    return _differ_only_where(ours, theirs, lambda a: ~np.isnan(a))


def _only_nan_for_number(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """Symgrad's element NaN where PyTorch's is not, and agreement elsewhere."""
    return _differ_only_where(ours, theirs, np.isnan, lambda b: ~np.isnan(b))


def _only_beside_a_pole(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """Where the two differ, both beyond 1e13 in size with one sign (``TORCH_POLE_VALUES``),
    and agreement elsewhere."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if a.shape != b.shape:
        return False
    differ = ~np.isclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    a, b = a[differ], b[differ]
    return bool(np.all((np.abs(a) > 1e13) & (np.abs(b) > 1e13) & (np.sign(a) == np.sign(b))))


def _inf_for_nan(ours: Any, theirs: Any,
                 differ_only: Callable[[np.ndarray, np.ndarray], bool] = _only_inf_for_nan
                 ) -> bool:
    """Whether two compared values differ only where symgrad's is infinite and PyTorch's NaN
    (or, given, only as ``differ_only`` allows)."""
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        if len(ours) != len(theirs) or (ours and ours[0] == "tensor") != (
                bool(theirs) and theirs[0] == "tensor"):
            return False
        if ours and ours[0] == "tensor":
            return ours[:3] == theirs[:3] and ours[4:] == theirs[4:] and differ_only(
                ours[3], theirs[3])
        return all(_inf_for_nan(x, y, differ_only) for x, y in zip(ours, theirs, strict=True))
    return _agree(ours, theirs)


# Functions whose gradient PyTorch 2.13 gives as NaN where the mathematics' is a number or an
# infinity, as symgrad's is: a program calling one may differ from PyTorch only so.
TORCH_NAN_GRADIENTS = {
    # A divisor broadcast over terms of both signs that overflow: PyTorch sums +inf and -inf to
    # NaN, symgrad takes the divisor out of the sum and gives the exact sum's infinity
    # (``arithmetic._refactored``; tests/test_arithmetic_edges.py).
    **{name: "a sum of overflowing terms of both signs" for name in (
        "div", "divide", "true_divide", "truediv", "rtruediv")},
    # The gradient in a target of 0 is log t + 1 - x's limit, -inf; PyTorch's xlogy(t, t) sums
    # its partials to 0 + 0 / 0 (tests/test_torch_parity.py, test_kl_div_at_a_zero_target).
    "kl_div": "NaN in a target of 0, where the derivative is -inf",
    # copysign's gradient at an infinite self is +-1 (copysign(x, s) is +-x there); PyTorch's
    # is result / self = inf / inf = NaN (tests/test_fuzz_leftovers.py).
    "copysign": "NaN at an infinite self, where the derivative is +-1",
    # amax/amin share the gradient among the extrema by multiplying it with a mask: a NaN
    # gradient makes every element's NaN, where those that are not extrema have derivative 0
    # (max and min select, as symgrad's amax does): tests/test_fuzz_leftovers.py.
    **{name: "a NaN gradient reaches every element" for name in ("amax", "amin")},
    # prod's gradient in x_i is the product of the others; PyTorch's divides the result by x_i,
    # inf / inf = NaN at an infinite x_i (tests/test_torch_parity.py,
    # test_prod_gradient_at_an_infinite_element).
    "prod": "the result divided by an infinite element",
    # quantile at a position that falls on one element (q = 0 of any, 0.5 of three) is that
    # element, derivative 1; PyTorch's backward scatters the gradient times the interpolation
    # weights 1 and 0 to it twice, inf * 0 = NaN under an infinite gradient (seed 444, helper
    # h2; tests/test_torch_parity.py, test_quantile_at_an_element_under_an_infinite_grad).
    **{name: "0 * inf from an interpolation weight of 0"
       for name in ("quantile", "nanquantile")},
    # atan2's partials, other / r**2 and -self / r**2, fall to 0 as an input grows without
    # bound (|.| <= 1 / r); PyTorch's are inf / inf = NaN at an infinite input (seeds 2134 #467
    # and 2251 #513, helper h1; tests/test_torch_parity.py, test_atan2_at_an_infinite_input).
    **{name: "NaN at an infinite input, where the partials' limits are 0"
       for name in ("atan2", "arctan2")},
    # cumprod's gradient in x_i sums g_j times the products of the others, finite at an
    # infinite x_i when those are; PyTorch's, without a zero among the inputs, divides its sums
    # of g_j c_j by x_i, inf / inf = NaN (rsqrt(0) before it: seed 2156 #471, helper h1;
    # tests/test_torch_parity.py, test_cumprod_at_an_infinite_element).
    "cumprod": "sums of g c divided by an infinite element",
    # softmax's gradient is J^T g, J_ij = y_i (delta_ij - y_j): under an infinite g its element
    # j is a sum of infinite terms, the sum's infinity where they share one sign. PyTorch's
    # y (g - sum(g y)) sums g y over the slice first, +inf and -inf to NaN for every element;
    # symgrad's (y_m sum'(g) ... at the largest element, ``activations._softmax_vjp``) keeps
    # the terms' own sum there (softmax, std, then xlogy(std, 0): seed 2274 #630, helper h1;
    # tests/test_torch_parity.py, test_softmax_under_infinite_gradients).
    "softmax": "NaN for every element under infinite gradients of both signs",
}


# Functions whose backward gives 0 where a zero partial derivative meets an infinite factor,
# whose product the chain rule leaves NaN (as symgrad's does): a program calling one may differ
# from PyTorch only where symgrad's gradient is NaN and PyTorch's 0.
TORCH_ZERO_TIMES_INF_GRADIENTS = {
    # PyTorch's sgn gives a structural zero (an efficient ZeroTensor), which its mul and div
    # kernels keep whatever they meet: an infinite local derivative further back (log2 at 0, a
    # pole of x ** -1) then gives 0. Neither is the derivative in general: sgn(log2 x) is
    # constant on (0, 1), but sgn(x ** -1) jumps at 0, and the chain rule's factors (0 and an
    # infinity) are the same in both (tests/test_torch_parity.py,
    # test_sgn_of_an_infinite_slope).
    "sgn": "a structural zero times an infinite local derivative",
    # cumprod's c_j = x_0 ... x_j after a zero x_0 has derivative 0 in each later x_i: an
    # infinite gradient of c_j (1 / c_j's) times it is 0 in PyTorch's cumprod, NaN in its prod
    # and its mul (tests/test_torch_parity.py, test_cumprod_at_a_zero_under_an_infinite_grad).
    # x_i's gradient sums such terms over j: PyTorch's is the sum of the others, any number
    # (seed 323, helper h2: 4 / cumprod([-1, -0.75, 0]) gives x_0 -2 + 3.73 + 0 = 1.73).
    "cumprod": "0 for a zero derivative times an infinite gradient",
    # prod's gradient in x_i is the product of the others; of two zeros or more PyTorch's
    # backward gives zeros without multiplying, also where the others hold an infinity and
    # the product is 0 * inf = NaN, as symgrad's (seed 326, helper h2; tests/
    # test_torch_parity.py, test_prod_gradient_at_an_infinite_element).
    "prod": "zeros at two zero elements, also beside an infinite one",
}
# Functions whose float32 values PyTorch 2.13 rounds an ULP off, where symgrad's are correctly
# rounded: i0(0) is 1 - 2**-24 there, exactly 1, so a power of 0 by it has slope
# 0 ** -6e-8 = inf where x ** 1's is 1 (seed 2173 #664, helper h1; tests/test_torch_parity.py,
# test_i0_at_zero). An ULP moves a gradient past the fuzzer's tolerance only across a
# singularity: a program calling one may differ in gradients only where PyTorch's is infinite
# or NaN and symgrad's finite.
TORCH_ROUNDED_VALUES = {"i0": "float32 values an ULP off, 1 - 2**-24 at 0"}


# Functions whose half-precision gradient PyTorch 2.13 forms from the rounded result (tanh's
# 1 - y**2, sigmoid's y (1 - y), expm1's y + 1): 0 where tanh(4) rounds to 1 in bfloat16,
# up to 256 ULP off, where symgrad's, from the input, is correctly rounded (seed 2054 program
# 88, helper h1: tanh of an autocast product; tests/test_fuzz_leftovers.py). The fuzzer's
# tensors are half only from an autocast call: a program calling one of these and one of
# ``AUTOCAST_CALLS`` may differ from PyTorch in gradients by half precision's rounding,
# ``HALF_TOLERANCE`` of the largest element.
TORCH_HALF_GRADIENTS = {name: "the half-precision derivative from the rounded result"
                        for name in ("tanh", "sigmoid", "expm1")}
AUTOCAST_CALLS = {"autocast_matmul", "autocast_mse"}
HALF_TOLERANCE = 2.0**-5


def _half_rounding(ours: np.ndarray, theirs: np.ndarray) -> bool:
    """Whether two gradients agree to ``HALF_TOLERANCE`` of their largest element, NaN where
    the other is."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if a.shape != b.shape:
        return False
    finite = np.isfinite(a) & np.isfinite(b)
    if not np.array_equal(a[~finite], b[~finite], equal_nan=True):
        return False
    if not finite.any():
        return True
    scale = max(np.abs(a[finite]).max(), np.abs(b[finite]).max())
    return bool(np.all(np.abs(a[finite] - b[finite]) <= HALF_TOLERANCE * scale))


# Functions whose gradient PyTorch 2.13 gives as an infinity where the input is NaN, as is
# symgrad's gradient: var of a zero-dim NaN (with a dim or without, and var_mean's), where a
# (1,) one gives NaN in both (seed 412, helper h2; tests/test_torch_parity.py,
# test_var_of_a_zero_dim_nan).
TORCH_INF_FOR_NAN_GRADIENTS = {name: "inf at a zero-dim NaN input" for name in ("var", "var_mean")}


# What PyTorch's element may be where symgrad's is NaN: sgn's structural zero and prod's
# shortcut give 0 themselves; cumprod's backward drops the term from a sum, which keeps the
# other terms.
_TORCH_WHERE_ZERO_TIMES_INF: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sgn": lambda b: b == 0, "cumprod": lambda b: ~np.isnan(b), "prod": lambda b: b == 0}


_INTEGRAL = {"bool", "uint8", "int8", "int16", "int32", "int64"}


def _grad_on_integers(ours: Any, theirs: Any) -> bool:
    """Whether a step's two results are one integer tensor, which PyTorch's alone records
    (requires grad): its fill_ (setitem's too) of a float value that requires grad into an
    integer tensor records FillBackward3 or CopySlices there, which its own later ops refuse
    ("Autograd not support dtype") and its backward trips an internal assert on, while its
    out-of-place fill and masked_fill refuse the value. Rounding to integers has derivative 0:
    symgrad's result does not require grad (tests/test_torch_parity.py,
    test_fill_of_an_integer_tensor_by_a_value_that_requires_grad)."""
    return (isinstance(ours, tuple) and isinstance(theirs, tuple) and len(ours) == 7
            and len(theirs) == 7 and ours[0] == theirs[0] == "tensor" and ours[1] in _INTEGRAL
            and ours[1:3] == theirs[1:3] and np.array_equal(ours[3], theirs[3])
            and ours[4:] == (False, True, None) and theirs[4] is True)


# A float32 gradient element that sums terms which cancel (c / c in addcdiv, x dx in
# cumulative_trapezoid) keeps their rounding, up to an ULP of the terms: past the fuzzer's
# absolute tolerance once the terms exceed 10 or so, though the exact sum is 0. Then the
# nearer of the two is the better: PyTorch's gradient of the program run in float64, at the
# same leaf values (exact in float64), stands for the exact value, and a float32 gradient
# that differs only where symgrad's is at least as near it is PyTorch's rounding. Seeds
# 2125 #1061 (addcdiv(a, c, c)'s gradient in c: symgrad's 0, PyTorch's 3.8e-6, from its
# value / tensor2 rounded to float32 before the float64 gradient multiplies it) and 2138 #1343
# (cumulative_trapezoid(x, x): symgrad's -7.6e-6, PyTorch's 1.5e-5 for an exact 0, the same
# four float32 terms of up to 129 summed in two orders), helper h1.
def _float64_gradient(program: Program, n: int) -> np.ndarray | None:
    """Leaf ``n``'s gradient in PyTorch with every leaf in float64, or None where that
    program runs otherwise (a step raises, the backward raises, or the leaf gets none)."""
    pool = [_leaf(torch, spec).double().detach().requires_grad_(spec[3])
            for spec in program.leaves]
    leaves = list(pool)
    for step in program.steps:
        operand, second = pool[step[1] % len(pool)], pool[step[2] % len(pool)]
        if _crashes_torch(step, operand, second):
            return None
        if _crashes_torch(step, operand, second, CRASHES_TORCH_FORWARD):
            continue
        kind, value = _outcome(lambda: _run_step(torch, pool, step))  # noqa: B023
        if kind == "ok":
            pool.extend(_tensors(value, torch))
    root = next((t for t in reversed(pool) if t.requires_grad), None)
    if root is None or _backward_outcome(torch, root)[0] != "ok" or leaves[n].grad is None:
        return None
    return leaves[n].grad.detach().numpy(force=True)  # (force: sgn gives a ZeroTensor)


def _nearer_in_float64(program: Program, where: str, ours: Any, theirs: Any) -> bool:
    """Whether a float32 gradient of symgrad's differs from PyTorch's only where it is at
    least as near PyTorch's float64 gradient (``_float64_gradient``)."""
    if not (isinstance(ours, tuple) and isinstance(theirs, tuple) and ours[:3] == theirs[:3]
            and ours[1] == "float32"):
        return False
    exact = _float64_gradient(program, int(where.split()[-1]))
    a, b = np.asarray(ours[3], dtype=float), np.asarray(theirs[3], dtype=float)
    if exact is None or exact.shape != a.shape:
        return False
    differ = ~np.isclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
    return bool(np.all(np.abs(a - exact)[differ] <= np.abs(b - exact)[differ]))


def torch_is_wrong(program: Program, found: list[tuple[str, Any, Any]]) -> bool:
    """Whether a disagreement ``run`` found is a leaf's gradient that PyTorch gets wrong: in a
    program that calls a function of ``TORCH_WRONG_GRADIENTS``, or one of
    ``TORCH_NAN_GRADIENTS`` whose gradient differs only where PyTorch's is NaN and symgrad's
    not, or of ``TORCH_ZERO_TIMES_INF_GRADIENTS`` only where symgrad's is NaN and PyTorch's
    0 (sgn, prod) or a number (cumprod), or of ``TORCH_INF_FOR_NAN_GRADIENTS`` only where
    symgrad's is NaN and PyTorch's infinite, or of ``TORCH_NUMBER_FOR_NAN_GRADIENTS`` only
    where symgrad's is NaN and PyTorch's not, or of ``TORCH_HALF_GRADIENTS`` beside an autocast
    call to half precision's rounding (``_half_rounding``), or of ``TORCH_ROUNDED_VALUES``
    only where PyTorch's is not finite and symgrad's is; or a float32 gradient that differs
    only where symgrad's is at least as near PyTorch's float64 one (``_nearer_in_float64``); or a
    step's value of a function of ``TORCH_WRONG_VALUES`` that differs only where symgrad's is
    infinite and PyTorch's NaN, or of ``TORCH_NUMBER_FOR_NAN_VALUES`` only where symgrad's is
    NaN and PyTorch's not, or of ``TORCH_LEFTOVER_VECTORS`` only in singular vectors NaN in
    symgrad's where the singular values are NaN (``_leftover_vectors``), or of
    ``TORCH_POLE_VALUES`` only beside a pole (``_only_beside_a_pole``); or a step of a
    function of ``TORCH_WRONG_ERRORS`` that PyTorch refuses with its message, where symgrad
    gives a value; or an integer result PyTorch's alone records (``_grad_on_integers``)."""
    where, ours, theirs = found[0]
    if where.startswith("step ") and not where.startswith("pool"):
        name = CALLS[program.steps[int(where.split()[1])][0] % len(CALLS)][1]
        if theirs == "ok" and isinstance(ours, Raised):
            return name in SYMGRAD_REFUSES and SYMGRAD_REFUSES[name] in ours.message
        if ours == "ok" and isinstance(theirs, Raised):
            return name in TORCH_WRONG_ERRORS and theirs.message.startswith(
                TORCH_WRONG_ERRORS[name])
        return (name in TORCH_WRONG_VALUES and _inf_for_nan(ours, theirs)
                or name in TORCH_NUMBER_FOR_NAN_VALUES
                and _inf_for_nan(ours, theirs, _only_nan_for_number)
                or name in TORCH_LEFTOVER_VECTORS and _leftover_vectors(ours, theirs)
                or name in TORCH_POLE_VALUES and _inf_for_nan(ours, theirs, _only_beside_a_pole)
                or _grad_on_integers(ours, theirs))
    if not where.startswith("grad of leaf"):
        return False
    called = {CALLS[step[0] % len(CALLS)][1] for step in program.steps}
    if called & set(TORCH_WRONG_GRADIENTS):
        return True
    if ours is None or theirs is None:
        return False
    if any(_differ_only_where(ours[3], theirs[3], np.isnan, _TORCH_WHERE_ZERO_TIMES_INF[name])
           for name in called & set(TORCH_ZERO_TIMES_INF_GRADIENTS)):
        return True
    if called & set(TORCH_NUMBER_FOR_NAN_GRADIENTS) and _only_nan_for_number(ours[3], theirs[3]):
        return True
    if (called & set(TORCH_HALF_GRADIENTS) and called & AUTOCAST_CALLS
            and _half_rounding(ours[3], theirs[3])):
        return True
    if called & set(TORCH_ROUNDED_VALUES) and _differ_only_where(
            ours[3], theirs[3], np.isfinite, lambda b: ~np.isfinite(b)):
        return True
    if called & set(TORCH_INF_FOR_NAN_GRADIENTS) and _differ_only_where(
            ours[3], theirs[3], np.isnan, np.isinf):
        return True
    if called & set(TORCH_NAN_GRADIENTS) and _only_where_torch_nan(ours[3], theirs[3]):
        return True
    return _nearer_in_float64(program, where, ours, theirs)


def random_program(rng: random.Random, n_steps: int = 6) -> Program:
    leaves = tuple((rng.randrange(len(SHAPES)), rng.randrange(2), rng.randrange(12),
                    rng.random() < 0.7) for _ in range(rng.randint(1, 3)))
    steps = tuple((rng.randrange(len(CALLS)), rng.randrange(8), rng.randrange(8),
                   rng.randrange(3), rng.randrange(12), rng.random() < 0.15)
                  for _ in range(rng.randint(1, n_steps)))
    return Program(leaves, steps)


def main(programs: int = 2000, seed: int = 0) -> None:
    import collections
    import warnings

    warnings.simplefilter("ignore")
    rng = random.Random(seed)
    failures: collections.Counter[str] = collections.Counter()
    examples: dict[str, Any] = {}
    for _ in range(programs):
        program = random_program(rng)
        found = run(program)
        if found and torch_is_wrong(program, found):
            found = [("PyTorch known wrong (TORCH_WRONG_*)", None, None)]
        if found:
            key = found[0][0].split(" ", 2)[-1] if found[0][0].startswith("step") else found[0][0]
            failures[key] += 1
            examples.setdefault(key, (program, found[0]))
    agree = programs - sum(failures.values())
    print(f"{agree} of {programs} programs agree completely ({100 * agree / programs:.1f}%), "
          f"{len(CALLS)} calls")
    for key, count in failures.most_common(25):
        print(f"{count:5d}  {key}  {examples[key][1][1:]!r:.300}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
