"""The indexing family over a grid of shapes, dims, index tensors and dtypes, in symgrad and
in torch: each call must give the same outcome, either the same error (class and message) or
a result of the same shape, dtype, values, ``requires_grad`` and ``grad_fn`` name.

The shapes are the differential fuzzer's (``tests/torch_fuzz.py``); the index tensors are in
range, out of range, negative, empty, 0-d, 2-d and of the dtypes torch refuses (int32, float,
bool); sources and values come in the input's dtype and in the other float dtype. Where an
op's grid is larger than ``BUDGET`` cases, a fixed sample of it runs (seeded by the op's
name), so the whole file takes seconds.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import symgrad

torch = pytest.importorskip("torch")

SHAPES = ((), (3,), (2, 3), (3, 1), (1, 3), (2, 1, 3), (0,), (2, 0))
DIMS = (-1, 0, 1, 2)
MIXES = (("float32", "float32"), ("float32", "float64"), ("float64", "float32"))
BUDGET = 700

Call = Callable[[Any], Any]


def _tensor(lib: Any, shape: tuple[int, ...], dtype: str = "float32", grad: bool = False,
            start: int = 1) -> Any:
    """``start, start + 1, ...`` in ``shape`` (a leaf requiring grad when ``grad``)."""
    data = (np.arange(math.prod(shape)) + start).reshape(shape).tolist()
    return lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=grad)


def _index(lib: Any, spec: tuple[Any, str]) -> Any:
    values, dtype = spec
    return lib.tensor(values, dtype=getattr(lib, dtype))


def _filled(shape: tuple[int, ...], value: Any) -> Any:
    return np.full(shape, value).tolist()


def _mask(shape: tuple[int, ...], dtype: str = "bool") -> tuple[Any, str]:
    """True, False, True... in ``shape``."""
    return (np.arange(math.prod(shape)).reshape(shape) % 2 == 0).tolist(), dtype


# Index vectors for index_add/index_copy/index_fill/index_select (positions along one dim).
VECTORS = {
    "three": ([0, 2, 1], "int64"),
    "two": ([1, 0], "int64"),
    "repeat": ([0, 0], "int64"),
    "zero": ([0], "int64"),
    "out": ([3], "int64"),
    "negative": ([-1], "int64"),
    "empty": ([], "int64"),
    "0-d": (0, "int64"),
    "2-d": ([[0]], "int64"),
    "int32": ([0], "int32"),
    "float": ([0.0], "float32"),
    "bool": ([True], "bool"),
}


def _same_shape_indices() -> dict[str, tuple[Any, str]]:
    """Index tensors of every grid shape (all zeros, ones, out of range or negative) and of the
    dtypes torch refuses, for gather/scatter/take/take_along_dim."""
    out = {f"{shape}={v}": (_filled(shape, v), "int64")
           for shape in SHAPES for v in (0, 1, 3, -1)}
    out.update({f"{shape}:{dtype}": (_filled(shape, 0), dtype)
                for shape in ((3,), (2, 3)) for dtype in ("int32", "float32", "bool")})
    return out


GRIDDED = _same_shape_indices()


# -- the calls ---------------------------------------------------------------------------------
def _index_add_like(name: str) -> list[tuple[str, Call]]:
    cases = []
    for s, t, d, (ik, iv), (sd, td) in itertools.product(SHAPES, SHAPES, DIMS, VECTORS.items(),
                                                        MIXES):
        def out_of_place(L, s=s, t=t, d=d, iv=iv, sd=sd, td=td):
            return getattr(L, name)(_tensor(L, s, sd, True), d, _index(L, iv),
                                    _tensor(L, t, td, True, 10))

        def in_place(L, s=s, t=t, d=d, iv=iv, sd=sd, td=td):
            return getattr(_tensor(L, s, sd, True).clone(), name + "_")(
                d, _index(L, iv), _tensor(L, t, td, False, 10))

        cases.append((f"{name}({s}, {d}, {ik}, {t} {sd}/{td})", out_of_place))
        cases.append((f"{name}_({s}, {d}, {ik}, {t} {sd}/{td})", in_place))
    return cases


def _index_fill() -> list[tuple[str, Call]]:
    values: dict[str, Call] = {
        "2.5": lambda L, dt: 2.5,
        "0-d": lambda L, dt: L.tensor(2.5, dtype=getattr(L, dt), requires_grad=True),
        "0-d float64": lambda L, dt: L.tensor(2.5, dtype=L.float64),
        "1-d": lambda L, dt: L.tensor([2.5], dtype=getattr(L, dt)),
    }
    cases = []
    for s, d, (ik, iv), (vk, v), dt in itertools.product(SHAPES, DIMS, VECTORS.items(),
                                                         values.items(), ("float32", "float64")):
        cases.append((f"index_fill({s} {dt}, {d}, {ik}, {vk})",
                      lambda L, s=s, d=d, iv=iv, v=v, dt=dt: L.index_fill(
                          _tensor(L, s, dt, True), d, _index(L, iv), v(L, dt))))
        cases.append((f"index_fill_({s} {dt}, {d}, {ik}, {vk})",
                      lambda L, s=s, d=d, iv=iv, v=v, dt=dt: _tensor(L, s, dt, True).clone()
                      .index_fill_(d, _index(L, iv), v(L, dt))))
    return cases


def _index_select() -> list[tuple[str, Call]]:
    return [(f"index_select({s}, {d}, {ik})",
             lambda L, s=s, d=d, iv=iv: L.index_select(_tensor(L, s, grad=True), d,
                                                       _index(L, iv)))
            for s, d, (ik, iv) in itertools.product(SHAPES, DIMS, VECTORS.items())]


def _gather() -> list[tuple[str, Call]]:
    return [(f"gather({s}, {d}, {ik})",
             lambda L, s=s, d=d, iv=iv: L.gather(_tensor(L, s, grad=True), d, _index(L, iv)))
            for s, d, (ik, iv) in itertools.product(SHAPES, DIMS, GRIDDED.items())]


def _scatter_like(name: str) -> list[tuple[str, Call]]:
    sources: dict[str, Call] = {str(t): (lambda L, dt, t=t: _tensor(L, t, dt, True, 10))
                                for t in SHAPES}
    sources["(2, 3) other dtype"] = lambda L, dt: _tensor(
        L, (2, 3), "float64" if dt == "float32" else "float32", True, 10)
    if name == "scatter":
        sources["2.5"] = lambda L, dt: 2.5
    cases = []
    for s, d, (ik, iv), (sk, src), dt in itertools.product(
            SHAPES, DIMS, GRIDDED.items(), sources.items(), ("float32", "float64")):
        cases.append((f"{name}({s} {dt}, {d}, {ik}, {sk})",
                      lambda L, s=s, d=d, iv=iv, src=src, dt=dt: getattr(L, name)(
                          _tensor(L, s, dt, True), d, _index(L, iv), src(L, dt))))
        cases.append((f"{name}_({s} {dt}, {d}, {ik}, {sk})",
                      lambda L, s=s, d=d, iv=iv, src=src, dt=dt: getattr(
                          _tensor(L, s, dt, True).clone(), name + "_")(
                          d, _index(L, iv), src(L, dt))))
    return cases


def _take() -> list[tuple[str, Call]]:
    indices = dict(GRIDDED)
    indices.update({f"{shape}=6": (_filled(shape, 6), "int64") for shape in ((3,), (2, 3))})
    indices["-7"] = ([-7], "int64")
    return [(f"take({s}, {ik})",
             lambda L, s=s, iv=iv: L.take(_tensor(L, s, grad=True), _index(L, iv)))
            for s, (ik, iv) in itertools.product(SHAPES, indices.items())]


def _take_along_dim() -> list[tuple[str, Call]]:
    return [(f"take_along_dim({s}, {ik}, {d})",
             lambda L, s=s, d=d, iv=iv: L.take_along_dim(_tensor(L, s, grad=True),
                                                         _index(L, iv), d))
            for s, d, (ik, iv) in itertools.product(SHAPES, (None,) + DIMS, GRIDDED.items())]


# ``index_put``'s indices: tuples of index tensors (or None), masks among them.
PUT_INDICES: dict[str, Callable[[tuple[int, ...]], tuple[Any, ...]]] = {
    "[0]": lambda s: (([0], "int64"),),
    "[0, 2, 1]": lambda s: (([0, 2, 1], "int64"),),
    "[-1]": lambda s: (([-1], "int64"),),
    "[3]": lambda s: (([3], "int64"),),
    "[]": lambda s: (([], "int64"),),
    "0-d": lambda s: ((0, "int64"),),
    "[[0, 1]]": lambda s: (([[0, 1]], "int64"),),
    "[0], [0]": lambda s: (([0], "int64"), ([0], "int64")),
    "[1], [0, 1]": lambda s: (([1], "int64"), ([0, 1], "int64")),
    "None, [0]": lambda s: (None, ([0], "int64")),
    "int32": lambda s: (([0], "int32"),),
    "float": lambda s: (([0.0], "float32"),),
    "mask": lambda s: (_mask(s),),
    "mask (3,)": lambda s: (_mask((3,)),),
    "uint8 mask": lambda s: (_mask(s, "uint8"),),
}


def _index_put() -> list[tuple[str, Call]]:
    def indices(L, spec):
        return tuple(None if i is None else _index(L, i) for i in spec)

    values: dict[str, Call] = {str(t): (lambda L, dt, t=t: _tensor(L, t, dt, True, 10))
                               for t in SHAPES}
    values["() other dtype"] = lambda L, dt: _tensor(
        L, (), "float64" if dt == "float32" else "float32", True, 10)
    cases = []
    for s, (ik, make), (vk, v), acc, dt in itertools.product(
            SHAPES, PUT_INDICES.items(), values.items(), (False, True), ("float32", "float64")):
        spec = make(s)
        cases.append((f"index_put({s} {dt}, {ik}, {vk}, {acc})",
                      lambda L, s=s, spec=spec, v=v, acc=acc, dt=dt: L.index_put(
                          _tensor(L, s, dt, True), indices(L, spec), v(L, dt), acc)))
        cases.append((f"index_put_({s} {dt}, {ik}, {vk}, {acc})",
                      lambda L, s=s, spec=spec, v=v, acc=acc, dt=dt: _tensor(
                          L, s, dt, True).clone().index_put_(indices(L, spec), v(L, dt), acc)))
    return cases


# ``t[key]``'s keys: ``index_put``'s indices, and index tensors beside slices and ``...``.
# PyTorch checks an index only where its kernel reads it: an empty result reads none, so
# ``zeros(2, 0)[tensor([3])]`` is empty, not an error.
KEYS: dict[str, Callable[[tuple[int, ...]], tuple[Any, ...]]] = {
    **PUT_INDICES,
    "[3], :": lambda s: (([3], "int64"), slice(None)),
    ":, [3]": lambda s: (slice(None), ([3], "int64")),
    "..., [3]": lambda s: (Ellipsis, ([3], "int64")),
    "[3], []": lambda s: (([3], "int64"), ([], "int64")),
    "[0, 3], [1, 0, 1]": lambda s: (([0, 3], "int64"), ([1, 0, 1], "int64")),
}


def _key(L: Any, spec: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(i if i is None or isinstance(i, slice) or i is Ellipsis else _index(L, i)
                 for i in spec)


def _set(t: Any, key: tuple[Any, ...], value: Any) -> Any:
    t[key] = value
    return t


def _read_grad(L: Any, s: tuple[int, ...], spec: tuple[Any, ...]) -> Any:
    x = _tensor(L, s, "float64", True)
    x[_key(L, spec)].sum().backward()
    return x.grad


def _getitem() -> list[tuple[str, Call]]:
    cases = []
    for s, (ik, make) in itertools.product(SHAPES, KEYS.items()):
        spec = make(s)
        cases += [(f"{s}[{ik}]", lambda L, s=s, spec=spec: _tensor(L, s, "float32", True)[
                      _key(L, spec)]),
                  (f"{s}[{ik}] backward", lambda L, s=s, spec=spec: _read_grad(L, s, spec)),
                  (f"{s}[{ik}] = 2.5", lambda L, s=s, spec=spec: _set(
                      _tensor(L, s, "float32", True).clone(), _key(L, spec), 2.5))]
    return cases


MASKS = {**{str(s): _mask(s) for s in SHAPES}, "(3,) uint8": _mask((3,), "uint8"),
         "(3,) float": ([1.0, 0.0, 1.0], "float32")}


def _masked_fill() -> list[tuple[str, Call]]:
    values: dict[str, Call] = {
        "2.5": lambda L, dt: 2.5,
        "0-d": lambda L, dt: L.tensor(2.5, dtype=getattr(L, dt), requires_grad=True),
        "0-d float64": lambda L, dt: L.tensor(2.5, dtype=L.float64),
        "1-d": lambda L, dt: L.tensor([2.5], dtype=getattr(L, dt)),
    }
    cases = []
    for s, (mk, m), (vk, v), dt in itertools.product(SHAPES, MASKS.items(), values.items(),
                                                     ("float32", "float64")):
        cases.append((f"masked_fill({s} {dt}, {mk}, {vk})",
                      lambda L, s=s, m=m, v=v, dt=dt: L.masked_fill(
                          _tensor(L, s, dt, True), _index(L, m), v(L, dt))))
        cases.append((f"masked_fill_({s} {dt}, {mk}, {vk})",
                      lambda L, s=s, m=m, v=v, dt=dt: _tensor(L, s, dt, True).clone()
                      .masked_fill_(_index(L, m), v(L, dt))))
    return cases


def _masked_scatter() -> list[tuple[str, Call]]:
    sources: dict[str, Call] = {str(t): (lambda L, dt, t=t: _tensor(L, t, dt, True, 10))
                                for t in SHAPES}
    sources["(2, 3) other dtype"] = lambda L, dt: _tensor(
        L, (2, 3), "float64" if dt == "float32" else "float32", True, 10)
    cases = []
    for s, (mk, m), (sk, src), dt in itertools.product(SHAPES, MASKS.items(), sources.items(),
                                                       ("float32", "float64")):
        cases.append((f"masked_scatter({s} {dt}, {mk}, {sk})",
                      lambda L, s=s, m=m, src=src, dt=dt: L.masked_scatter(
                          _tensor(L, s, dt, True), _index(L, m), src(L, dt))))
        cases.append((f"masked_scatter_({s} {dt}, {mk}, {sk})",
                      lambda L, s=s, m=m, src=src, dt=dt: _tensor(L, s, dt, True).clone()
                      .masked_scatter_(_index(L, m), src(L, dt))))
    return cases


def _masked_select() -> list[tuple[str, Call]]:
    return [(f"masked_select({s}, {mk})",
             lambda L, s=s, m=m: L.masked_select(_tensor(L, s, grad=True), _index(L, m)))
            for s, (mk, m) in itertools.product(SHAPES, MASKS.items())]


def _unique_like(name: str) -> list[tuple[str, Call]]:
    cases = []
    for s, d, inverse, counts in itertools.product(SHAPES, (None,) + DIMS, (False, True),
                                                   (False, True)):
        cases.append((f"{name}({s}, {inverse}, {counts}, {d})",
                      lambda L, s=s, d=d, i=inverse, c=counts: getattr(L, name)(
                          (_tensor(L, s, grad=True) * 0.5).floor(), return_inverse=i,
                          return_counts=c, dim=d)))
    return cases


GRIDS: dict[str, Callable[[], list[tuple[str, Call]]]] = {
    "index_add": lambda: _index_add_like("index_add"),
    "index_copy": lambda: _index_add_like("index_copy"),
    "index_fill": _index_fill,
    "index_select": _index_select,
    "gather": _gather,
    "scatter": lambda: _scatter_like("scatter"),
    "scatter_add": lambda: _scatter_like("scatter_add"),
    "take": _take,
    "take_along_dim": _take_along_dim,
    "index_put": _index_put,
    "getitem": _getitem,
    "masked_fill": _masked_fill,
    "masked_scatter": _masked_scatter,
    "masked_select": _masked_select,
    "unique": lambda: _unique_like("unique"),
    "unique_consecutive": lambda: _unique_like("unique_consecutive"),
}


def cases(op: str, budget: int | None = BUDGET) -> list[tuple[str, Call]]:
    """``op``'s grid, or a fixed sample of ``budget`` cases of it (None: all of it)."""
    grid = GRIDS[op]()
    if budget is None or len(grid) <= budget:
        return grid
    return random.Random(op).sample(grid, budget)


# -- the comparison ----------------------------------------------------------------------------
def _describe(out: Any) -> Any:
    if isinstance(out, tuple):
        return tuple(_describe(o) for o in out)
    node = type(out.grad_fn).__name__ if out.grad_fn is not None else None
    return ("ok", tuple(out.shape), str(out.dtype).split(".")[-1], out.tolist(),
            out.requires_grad, node)


def outcome(call: Call, lib: Any) -> Any:
    """``call(lib)``'s error (class and message) or its result described as plain data."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(lib)
        return _describe(out)
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        # (symgrad names its tensor types as PyTorch does, under its own name.)
        return ("raises", type(e).__name__, str(e).replace("torch.", "symgrad."))


def _deliberate(op: str, mine: Any, theirs: Any) -> bool:
    """symgrad's one deliberate difference here: along a dim, PyTorch 2.13's take_along_dim
    reads an index outside [-size, size) modulo the size; symgrad refuses it, as gather does
    (tests/test_tensor_functions.py)."""
    return (op == "take_along_dim" and theirs[0] == "ok" and mine[0] == "raises"
            and re.fullmatch(r"index -?\d+ is out of bounds for dimension \d+ with size \d+",
                             mine[2]) is not None)


def differences(op: str, budget: int | None = BUDGET) -> list[tuple[str, Any, Any]]:
    """The cases of ``op``'s grid whose outcomes differ: (case, symgrad's, torch's)."""
    found = []
    for name, call in cases(op, budget):
        mine, theirs = outcome(call, symgrad), outcome(call, torch)
        if mine != theirs and not _deliberate(op, mine, theirs):
            found.append((name, mine, theirs))
    return found


@pytest.mark.parametrize("op", sorted(GRIDS))
def test_same_outcomes_as_torch(op: str) -> None:
    found = differences(op)
    assert not found, f"{len(found)} of {len(cases(op))} differ, the first: " + "\n".join(
        f"{name}\n  symgrad: {mine}\n  torch:   {theirs}" for name, mine, theirs in found[:3])


def test_unique_backward_raises_as_torch() -> None:
    # torch records a node that refuses backward: NotImplementedError with its message.
    for name, node in (("unique", "_unique2"), ("unique_consecutive", "unique_consecutive")):
        errors = []
        for lib in (symgrad, torch):
            x = lib.tensor([1.0, 2.0, 1.0], requires_grad=True)
            with pytest.raises(NotImplementedError) as e:
                getattr(lib, name)(x).sum().backward()
            errors.append(str(e.value))
        assert errors[0] == errors[1]
        assert f"the derivative for '{node}' is not implemented" in errors[1]


if __name__ == "__main__":  # the whole grid's counts: python tests/test_index_errors_grid.py
    import sys
    import time

    for op in sys.argv[1:] or sorted(GRIDS):
        start = time.perf_counter()
        found = differences(op, None)
        print(f"{op}: {len(found)} of {len(GRIDS[op]())} differ "
              f"({time.perf_counter() - start:.1f} s)")
        for name, mine, theirs in found[:3]:
            print(f"  {name}\n    symgrad: {mine}\n    torch:   {theirs}")
