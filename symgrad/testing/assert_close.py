"""``assert_close`` as ``torch.testing.assert_close``: tensors, Python numbers, None, and
sequences and mappings of them compared element by element, with PyTorch's default tolerances
per dtype, its checks of shape and dtype, and its messages, so that tests written for PyTorch
run unchanged."""

from __future__ import annotations

import cmath
import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.tensor import Tensor

__all__ = ["assert_close"]

# (rtol, atol) by dtype, PyTorch's; any other dtype compares exactly.
_TOLERANCES = {
    _dtypes.float16: (1e-3, 1e-5),
    _dtypes.bfloat16: (1.6e-2, 1e-5),
    _dtypes.float32: (1.3e-6, 1e-5),
    _dtypes.float64: (1e-7, 1e-7),
}
_NUMBER_DTYPES = {int: _dtypes.int64, float: _dtypes.float64}


class _Mismatch(Exception):
    """Why two inputs differ: the exception class to raise, its message, where (``id``)."""

    def __init__(self, kind: type[Exception], message: str, id: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.id = kind, message, id

    def error(self, msg: str | Callable[[str], str] | None) -> Exception:
        message = self.message
        if msg is not None:
            message = msg(message) if callable(msg) else msg
        elif self.id:
            message += "\n\nThe failure occurred for item " + "".join(f"[{i!r}]" for i in self.id)
        return self.kind(message)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False, msg: str | Callable[[str], str] | None = None
                 ) -> None:
    """Raise an ``AssertionError`` unless ``actual`` and ``expected`` are close:
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise (infinities equal only
    to themselves, NaN to nothing unless ``equal_nan``), after their shapes (and dtypes)
    agree.

    Default tolerances, by dtype (the looser of the two inputs'): float16 ``rtol`` 1e-3,
    ``atol`` 1e-5; bfloat16 1.6e-2, 1e-5; float32 1.3e-6, 1e-5; float64 1e-7, 1e-7; any
    other dtype, and Python ints, exactly equal.

    Args:
        actual: A tensor, a Python number or None, or a sequence or mapping of them.
        expected: What ``actual`` should be, of the same structure.
        allow_subclasses: Compare a tensor with an instance of a subclass (a ``Parameter``).
            Defaults to True.
        rtol: The relative tolerance; given with ``atol`` or not at all. Defaults to None:
            the dtype's.
        atol: The absolute tolerance; given with ``rtol`` or not at all. Defaults to None.
        equal_nan: Take two NaNs as equal. Defaults to False.
        check_device: Compare devices (symgrad's tensors are all on the CPU). Defaults to
            True.
        check_dtype: Compare dtypes (else compare in their promoted dtype). Defaults to True.
        check_layout: Compare layouts (symgrad's are all strided). Defaults to True.
        check_stride: Compare strides. Defaults to False.
        msg: A message to raise instead, or a function of the generated one. Defaults to
            None.

    >>> import symgrad
    >>> assert_close(symgrad.tensor([1.0, 2.0]), symgrad.tensor([1.0, 2.0000001]))
    >>> assert_close(symgrad.tensor([1.0, 2.0]), symgrad.tensor([1.0, 2.5]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
    """
    options = {"allow_subclasses": allow_subclasses, "rtol": rtol, "atol": atol,
               "equal_nan": equal_nan, "check_dtype": check_dtype, "check_stride": check_stride}
    try:
        _compare(actual, expected, (), options)
    except _Mismatch as mismatch:
        raise mismatch.error(msg) from None


def _compare(actual: Any, expected: Any, id: tuple[Any, ...], options: dict[str, Any]) -> None:
    """Compare two inputs of any supported kind, recursing into sequences and mappings."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, "The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", id)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _compare(a, e, (*id, i), options)
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        _compare_mappings(actual, expected, id, options)
        return
    if actual is None or expected is None:
        if not (actual is None and expected is None):
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", id)
        return
    if _is_bool(actual) and _is_bool(expected):
        if bool(actual) != bool(expected):
            raise _Mismatch(AssertionError,
                            f"Booleans mismatch: {bool(actual)} is not {bool(expected)}", id)
        return
    if _is_number(actual) and _is_number(expected):
        _compare_numbers(_number(actual), _number(expected), id, options)
        return
    if isinstance(actual, Tensor) or isinstance(expected, Tensor):
        related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
        if related and (options["allow_subclasses"] or type(actual) is type(expected)):
            _compare_tensors(actual, expected, id, options)
            return
    raise _Mismatch(TypeError, "No comparison pair was able to handle inputs of type "
                    f"{_type_name(actual)} and {_type_name(expected)}.", id)


def _compare_mappings(actual: Mapping[Any, Any], expected: Mapping[Any, Any],
                      id: tuple[Any, ...], options: dict[str, Any]) -> None:
    if set(actual) != set(expected):
        missing = set(expected) - set(actual)
        extra = set(actual) - set(expected)
        raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                        f"Missing keys in the actual mapping: {sorted(missing)}\n"
                        f"Additional keys in the actual mapping: {sorted(extra)}", id)
    keys: Any = list(actual)
    with contextlib.suppress(Exception):  # keys that do not sort keep their order
        keys = sorted(keys)
    for key in keys:
        _compare(actual[key], expected[key], (*id, key), options)


def _compare_numbers(actual: Any, expected: Any, id: tuple[Any, ...],
                     options: dict[str, Any]) -> None:
    rtol, atol = _tolerances([_NUMBER_DTYPES[type(n)] for n in (actual, expected)], options, id)
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, "The (d)types do not match: "
                        f"{type(actual)} != {type(expected)}.", id)
    if actual == expected:
        return
    if options["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
        return
    diff = abs(actual - expected)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_message(actual, expected, rtol, atol), id)


def _compare_tensors(actual: Tensor, expected: Tensor, id: tuple[Any, ...],
                     options: dict[str, Any]) -> None:
    rtol, atol = _tolerances([actual.dtype, expected.dtype], options, id)
    _check_attributes(actual, expected, id, options)
    a, e = actual.detach()._data, expected.detach()._data
    if a.dtype != e.dtype:  # compared in the promoted dtype
        common = _dtypes.promote_types(actual.dtype, expected.dtype).np
        a, e = a.astype(common), e.astype(common)
    floating = _dtypes.from_numpy_dtype(a.dtype).category == _dtypes._FLOAT
    matches = _isclose(a, e, rtol, atol, options["equal_nan"], floating)
    if matches.all():
        return
    if a.ndim == 0:
        message = _scalar_message(a.item(), e.item(), rtol, atol, "Scalars")
    else:
        message = _tensor_message(a, e, matches, rtol, atol, floating)
    raise _Mismatch(AssertionError, message, id)


def _check_attributes(actual: Tensor, expected: Tensor, id: tuple[Any, ...],
                      options: dict[str, Any]) -> None:
    def mismatch(name: str, a: Any, e: Any) -> _Mismatch:
        return _Mismatch(AssertionError,
                         f"The values for attribute '{name}' do not match: {a} != {e}.", id)

    if actual.shape != expected.shape:
        raise mismatch("shape", actual.shape, expected.shape)
    if options["check_stride"] and actual.stride() != expected.stride():
        raise mismatch("stride()", actual.stride(), expected.stride())
    if options["check_dtype"] and actual.dtype is not expected.dtype:
        raise mismatch("dtype", actual.dtype, expected.dtype)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool,
             floating: bool) -> np.ndarray:
    if not floating:
        return a == e
    aw, ew = a.astype(np.float64), e.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = (aw == ew) | (np.isfinite(aw) & np.isfinite(ew)
                              & (np.abs(aw - ew) <= atol + rtol * np.abs(ew)))
    if equal_nan:
        close |= np.isnan(aw) & np.isnan(ew)
    return close


def _tolerances(dtypes: list[Any], options: dict[str, Any], id: tuple[Any, ...]
                ) -> tuple[float, float]:
    rtol, atol = options["rtol"], options["atol"]
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or "
                        f"omitted, but got no {missing}.", id)
    if rtol is not None:
        return rtol, atol
    found = [_TOLERANCES.get(d, (0.0, 0.0)) for d in dtypes]
    return max(r for r, _ in found), max(a for _, a in found)


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float,
                    identifier: str = "Scalars") -> str:
    diff = abs(actual - expected)
    relative = float("inf") if expected == 0 else diff / abs(expected)
    return _message(identifier, f"Expected {expected} but got {actual}.", diff, None, atol,
                    relative, None, rtol)


def _tensor_message(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float,
                    atol: float, floating: bool) -> str:
    total = matches.size
    wrong = total - int(matches.sum())
    extra = f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})"
    if not floating:  # differences of integers (and bools) in int64, as PyTorch's
        a, e = a.astype(np.int64), e.astype(np.int64)
    flat = matches.reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = np.abs(a.reshape(-1) - e.reshape(-1))
        diff[flat] = 0
        relative = diff / np.abs(e.reshape(-1))
    relative[flat] = 0
    at_diff, at_relative = _argmax(diff), _argmax(relative)
    return _message("Tensor-likes", extra, diff[at_diff].item(),
                    np.unravel_index(at_diff, matches.shape), atol,
                    relative[at_relative].item(),
                    np.unravel_index(at_relative, matches.shape), rtol)


def _argmax(values: np.ndarray) -> int:
    """PyTorch's ``max``'s index: a NaN is the greatest."""
    nan = np.isnan(values.astype(np.float64))
    return int(np.argmax(nan)) if nan.any() else int(np.argmax(values))


def _message(identifier: str, extra: str, diff: Any, diff_at: Any, atol: float,
             relative: Any, relative_at: Any, rtol: float) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind: str, value: Any, at: Any, tol: float) -> str:
        if at is None:
            text = f"{kind.title()} difference: {value}"
        else:
            text = f"Greatest {kind} difference: {value} at index {tuple(int(i) for i in at)}"
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    text = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    text += line("absolute", diff, diff_at, atol) + line("relative", relative, relative_at, rtol)
    return text.strip()


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _is_bool(x: Any) -> bool:
    return isinstance(x, bool | np.bool_)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.number) and not isinstance(x, bool)


def _number(x: Any) -> Any:
    return x.item() if isinstance(x, np.number) else x


def _type_name(x: Any) -> str:
    if type(x) is Tensor:
        return f"<class '{_dtypes.NAMESPACE[0]}.Tensor'>"
    return str(type(x))
