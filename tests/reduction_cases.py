"""The reductions and scans as a matrix of calls, run the same way in symgrad and torch.

Each case is a function name, an input dtype, an input layout, a ``dim`` form, ``keepdim`` and
the function's other arguments; :func:`outcome` runs it in one library and gives plain data:
per output its dtype, shape, values (rounded, NaN-aware), node names and the input's gradient,
or the exception's class and message. ``tests/test_reduction_audit.py`` compares the two.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8", "bool")
FLOATS = ("float32", "float64", "float16", "bfloat16")
# Layouts: 0-dim, empty either way, 1-d, 3-d, a permuted (non-contiguous) 3-d, and a 3-d
# holding NaNs (what the nan* functions are for).
LAYOUTS = ("0d", "e03", "e30", "1d", "3d", "perm", "nan")
OMIT = "omit"  # the dim argument left out (the full reduction's overload)
DIMS: tuple[Any, ...] = (OMIT, None, 0, -1, 1, (0, -1), (0, 0), 3, ())

_SHAPES = {"0d": (), "e03": (0, 3), "e30": (3, 0), "1d": (5,), "3d": (2, 3, 4),
           "perm": (4, 3, 2), "nan": (2, 3, 4)}


def _values(layout: str, dtype: str) -> np.ndarray:
    """The input's values, small numbers with a few ties, in float64."""
    n = math.prod(_SHAPES[layout])
    k = (np.arange(n) * 7) % 11
    if dtype == "bool":
        v = (k % 3 != 0).astype(np.float64)
    elif dtype == "uint8":
        v = k.astype(np.float64)
    elif dtype in ("int64", "int32"):
        v = k - 5.0
    else:
        v = (k - 5.0) * 0.75
    if layout == "nan" and dtype in FLOATS:
        v[[1, 6, 7, 13]] = np.nan
    return v.reshape(_SHAPES[layout])


def make_input(lib: Any, layout: str, dtype: str) -> Any:
    """The input tensor of ``layout`` and ``dtype`` in ``lib``; a floating one requires grad
    (a permuted one is a non-leaf view, so its gradient is asked of the leaf)."""
    base = lib.tensor(_values(layout, dtype)).to(getattr(lib, dtype))
    if dtype in FLOATS:
        base.requires_grad_()
    x = base.permute(2, 1, 0) if layout == "perm" else base
    return base, x


def _rounded(v: float, dtype: str) -> Any:
    if math.isnan(v):
        return "nan"
    if math.isinf(v) or v == 0:
        return v
    digits = 2 if dtype in ("float16", "bfloat16") else 5
    return float(f"{v:.{digits}g}")


def _tensor_data(lib: Any, t: Any) -> tuple[Any, ...]:
    dtype = str(t.dtype).split(".")[-1]
    vals = t.detach().to(lib.float64).reshape(-1).tolist()
    node = t.grad_fn
    names = None if node is None else (
        node.name(), tuple(None if n is None else n.name() for n, _ in node.next_functions))
    return dtype, tuple(t.shape), tuple(_rounded(v, dtype) for v in vals), names


def _gradient(lib: Any, base: Any, outs: list[Any]) -> Any:
    """The leaf's gradient of the outputs weighted by 1, 2, 3, 1, 2, ..., or the error."""
    diff = [o for o in outs if o.requires_grad]
    if not diff:
        return None
    ws = [((lib.arange(o.numel()) % 3) + 1).reshape(o.shape).to(o.dtype) for o in diff]
    try:
        (g,) = lib.autograd.grad(diff, (base,), ws, allow_unused=True)
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        return type(e).__name__, str(e)
    if g is None:
        return None
    dtype = str(g.dtype).split(".")[-1]
    return dtype, tuple(_rounded(v, dtype) for v in g.to(lib.float64).reshape(-1).tolist())


def outcome(lib: Any, case: tuple[Any, ...]) -> Any:
    """``case``'s call in ``lib`` as plain data (see the module's docstring)."""
    fname, dtype, layout, dim, keepdim, extra = case
    base, x = make_input(lib, layout, dtype)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = CALLS[fname](lib, x, dim, keepdim, dict(extra))
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        # torch's LinAlgError is torch._C._LinAlgError, symgrad's symgrad.linalg.LinAlgError
        name = type(e).__name__
        return "raises", "LinAlgError" if name == "_LinAlgError" else name, str(e)
    outs = list(out) if isinstance(out, tuple) else [out]
    data = tuple(_tensor_data(lib, o) for o in outs)
    return data, _gradient(lib, base, outs) if dtype in FLOATS else None


def _dim_args(dim: Any, keepdim: bool) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``dim`` by position (PyTorch's argument errors then name its position, as symgrad's
    do: symgrad's wrappers cannot tell a keyword from a position) and ``keepdim`` by keyword."""
    return ((), {}) if dim is OMIT else ((dim,), {"keepdim": keepdim})


def _reducer(path: str, method: bool = False) -> Callable[..., Any]:
    def call(lib: Any, x: Any, dim: Any, keepdim: bool, extra: dict[str, Any]) -> Any:
        for key, value in extra.items():
            if key == "dtype":
                extra[key] = getattr(lib, value)
        f = getattr(x, path) if method else _lookup(lib, path)
        args, kwargs = _dim_args(dim, keepdim)
        if path.startswith("linalg.") or path in ("norm", "aminmax"):
            kwargs.update(dim=args[0]) if args else None  # after ord/p: by keyword
            args = ()
        return f(*(() if method else (x,)), *args, **kwargs, **extra)
    return call


def _lookup(lib: Any, path: str) -> Any:
    obj = lib
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _scan(path: str, method: bool = False) -> Callable[..., Any]:
    """A scan takes one required dim and no keepdim."""
    def call(lib: Any, x: Any, dim: Any, keepdim: bool, extra: dict[str, Any]) -> Any:
        if "dtype" in extra:
            extra["dtype"] = getattr(lib, extra["dtype"])
        f = getattr(x, path) if method else _lookup(lib, path)
        args = () if method else (x,)
        if path == "diff":  # diff(input, n, dim)
            return f(*args, **({} if dim is OMIT else {"dim": dim}), **extra)
        return f(*args, *(() if dim is OMIT else (dim,)), **extra)
    return call


def _quantile(path: str, method: bool = False) -> Callable[..., Any]:
    def call(lib: Any, x: Any, dim: Any, keepdim: bool, extra: dict[str, Any]) -> Any:
        q = extra.pop("q")
        if isinstance(q, list):
            q = lib.tensor(q, dtype=x.dtype if x.is_floating_point() else lib.float32)
        f = getattr(x, path) if method else _lookup(lib, path)
        args, kwargs = _dim_args(dim, keepdim)
        return f(*(() if method else (x,)), q, *args, **kwargs, **extra)
    return call


def _kth(method: bool = False) -> Callable[..., Any]:
    def call(lib: Any, x: Any, dim: Any, keepdim: bool, extra: dict[str, Any]) -> Any:
        f = x.kthvalue if method else lambda *a, **k: lib.kthvalue(x, *a, **k)
        args, kwargs = _dim_args(dim, keepdim)
        return f(extra["k"], *args, **kwargs)
    return call


CALLS: dict[str, Callable[..., Any]] = {}
EXTRAS: dict[str, tuple[dict[str, Any], ...]] = {}
SCANS = {"cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff"}

_DTYPE_ARG = ({}, {"dtype": "float64"}, {"dtype": "int8"}, {"dtype": "bool"})
_REDUCERS = {
    "sum": _DTYPE_ARG, "nansum": _DTYPE_ARG, "mean": _DTYPE_ARG, "nanmean": _DTYPE_ARG,
    "prod": _DTYPE_ARG,
    "std": ({}, {"correction": 0}, {"correction": 2}, {"unbiased": False}),
    "var": ({}, {"correction": 0}, {"unbiased": True}),
    "std_mean": ({}, {"correction": 0}), "var_mean": ({}, {"correction": 3}),
    "norm": ({}, {"p": 1}, {"p": float("inf")}, {"p": 0}, {"p": 3.0}, {"p": "fro"},
             {"p": "nuc"}, {"p": 2, "dtype": "float64"}),
    "linalg.vector_norm": ({}, {"ord": 1}, {"ord": float("-inf")}, {"ord": 0},
                           {"ord": 0.5}, {"dtype": "float64"}),
    "linalg.norm": ({}, {"ord": 2}, {"ord": "fro"}, {"ord": float("inf")}),
    "logsumexp": ({},), "amax": ({},), "amin": ({},), "max": ({},), "min": ({},),
    "argmax": ({},), "argmin": ({},), "aminmax": ({},), "all": ({},), "any": ({},),
    "count_nonzero": ({},), "median": ({},), "nanmedian": ({},), "mode": ({},),
}
_QUANTILES = ({"q": 0.3}, {"q": [0.0, 0.5, 1.0]}, {"q": 0.5, "interpolation": "nearest"},
              {"q": 0.25, "interpolation": "midpoint"}, {"q": 1.5})
_SCANS = {"cumsum": ({}, {"dtype": "float64"}, {"dtype": "int8"}),
          "cumprod": ({}, {"dtype": "float64"}), "cummax": ({},), "cummin": ({},),
          "logcumsumexp": ({},), "diff": ({}, {"n": 2}, {"n": 0})}

for _name, _extras in _REDUCERS.items():
    CALLS[_name] = _reducer(_name)
    EXTRAS[_name] = _extras
    if "." not in _name and _name not in ("std_mean", "var_mean"):  # no such methods
        CALLS[f"Tensor.{_name}"] = _reducer(_name, method=True)
        EXTRAS[f"Tensor.{_name}"] = _extras[:2]
for _name, _extras in _SCANS.items():
    CALLS[_name] = _scan(_name)
    CALLS[f"Tensor.{_name}"] = _scan(_name, method=True)
    EXTRAS[_name] = _extras
    EXTRAS[f"Tensor.{_name}"] = _extras[:2]
for _name in ("quantile", "nanquantile"):
    CALLS[_name] = _quantile(_name)
    CALLS[f"Tensor.{_name}"] = _quantile(_name, method=True)
    EXTRAS[_name] = _QUANTILES
    EXTRAS[f"Tensor.{_name}"] = _QUANTILES[:2]
CALLS["kthvalue"] = _kth()
CALLS["Tensor.kthvalue"] = _kth(method=True)
EXTRAS["kthvalue"] = ({"k": 1}, {"k": 2}, {"k": 0}, {"k": 4})
EXTRAS["Tensor.kthvalue"] = ({"k": 2},)
del _name, _extras


def cases(fname: str, dtype: str) -> Iterator[tuple[Any, ...]]:
    """Every case of ``fname`` on inputs of ``dtype``."""
    dims = (OMIT, 0, -1, 1, 3) if fname.removeprefix("Tensor.") in SCANS else DIMS
    for layout, dim, keepdim, extra in itertools.product(
            LAYOUTS, dims, (False, True), EXTRAS[fname]):
        if keepdim and (dim is OMIT or fname.removeprefix("Tensor.") in SCANS):
            continue
        if layout == "nan" and dtype not in FLOATS:
            continue
        yield fname, dtype, layout, dim, keepdim, tuple(sorted(extra.items()))
