"""PyTorch's argument parser's errors for the public API: a Python number (or None, a list...)
where a tensor must be, raised as PyTorch raises it (its TypeError, its text) instead of an
AttributeError from inside a function, or a result computed where PyTorch refuses.

``registry.expose`` publishes each function through ``checked``, which checks the parameters
annotated ``Tensor``; functions call ``tensor_args`` and ``invalid_combination`` for the checks
of their own.
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from symgrad.tensor import Tensor


def tensor_args(fn: str, **args: Any) -> None:
    """PyTorch's TypeError for an argument that must be a tensor and is not (a Python number
    given to ``matmul``), where the function would otherwise fail on its first attribute.

    Args:
        fn: The function's name, as PyTorch's message gives it.
        **args: The tensor arguments, by name, in the function's order (from position 1).

    >>> import symgrad
    >>> tensor_args("mm", input=symgrad.ones(2, 2), mat2=2)
    Traceback (most recent call last):
    ...
    TypeError: mm(): argument 'mat2' (position 2) must be Tensor, not int
    """
    for position, (name, value) in enumerate(args.items(), 1):
        if not isinstance(value, Tensor):
            raise _not_a_tensor(fn, name, position, value)


def _not_a_tensor(fn: str, name: str, position: int | None, value: Any) -> TypeError:
    """PyTorch's error for one argument that is not a tensor; a keyword-only one has no
    position."""
    at = "" if position is None else f" (position {position})"
    return TypeError(f"{fn}(): argument '{name}'{at} must be Tensor, not {type(value).__name__}")


# The argument counts (fewest, most) of each signature PyTorch's argument parser shows for the
# functions it has several of. Given an argument of a wrong type, the parser names the argument
# only when one of them takes as many arguments as were given (``torch.max(2.5)``: "argument
# 'input' (position 1) must be Tensor"); otherwise it lists them (``torch.max(2.5, t)``:
# "received an invalid combination of arguments"). Read from torch 2.13's listings;
# ``tests/test_argument_types.py`` compares the messages with torch's for each count.
_OVERLOADS: dict[str, tuple[tuple[int, int], ...]] = {
    "addmm": ((3, 6), (4, 7)),
    "all": ((1, 2), (1, 4), (2, 4)),
    "any": ((1, 2), (1, 4), (2, 4)),
    "argsort": ((2, 5), (1, 3)),
    "bmm": ((2, 3), (3, 4)),
    "clamp": ((1, 4), (1, 4)),
    "clamp_max": ((2, 3), (2, 3)),
    "clamp_min": ((2, 3), (2, 3)),
    "clip": ((1, 4), (1, 4)),
    # more elementwise functions and numerical routines (helper red): copysign's other a
    # tensor or a number; trapezoid's sample points x or a spacing dx
    "copysign": ((2, 3), (2, 3)),
    "trapezoid": ((2, 3), (1, 3)),
    "trapz": ((2, 3), (1, 3)),
    "cumulative_trapezoid": ((2, 3), (1, 3)),
    "eq": ((2, 3), (2, 3)),
    "fmod": ((2, 3), (2, 3)),
    "ge": ((2, 3), (2, 3)),
    "gt": ((2, 3), (2, 3)),
    # the comparisons' other names (symgrad/ops/aliases.py)
    **dict.fromkeys(("greater", "greater_equal", "less", "less_equal", "not_equal"),
                    ((2, 3), (2, 3))),
    "le": ((2, 3), (2, 3)),
    "lt": ((2, 3), (2, 3)),
    "masked_fill": ((3, 3), (3, 3)),
    "max": ((1, 2), (2, 3), (2, 4)),
    "mean": ((1, 3), (2, 5)),
    "min": ((1, 2), (2, 3), (2, 4)),
    "mm": ((2, 3), (3, 4)),
    "narrow": ((4, 4), (4, 4)),
    "ne": ((2, 3), (2, 3)),
    "prod": ((1, 2), (2, 5)),
    "round": ((1, 2), (2, 3)),
    "rsub": ((2, 3), (2, 3)),
    "sort": ((2, 5), (1, 4)),
    "squeeze": ((1, 1), (2, 2), (2, 2)),
    "std": ((2, 5), (1, 5), (1, 2)),
    "sum": ((1, 2), (2, 5)),
    "var": ((2, 5), (1, 5), (1, 2)),
    "where": ((1, 1), (3, 4), (3, 3), (3, 3), (3, 3)),
    # convolutions: padding as ints, or as a string
    "conv1d": ((2, 7), (2, 7)),
    "conv2d": ((2, 7), (2, 7)),
    # more convolutions (symgrad/ops/convolution_transposed.py)
    "conv3d": ((2, 7), (2, 7)),
    # tensor functions (symgrad/ops/tensor_functions.py)
    "count_nonzero": ((1, 2), (2, 2)),
    "movedim": ((3, 3), (3, 3)),
    "moveaxis": ((3, 3), (3, 3)),
    "repeat_interleave": ((2, 4), (1, 2), (2, 4)),
    "scatter": ((4, 5), (5, 6), (4, 5), (5, 6)),
    "lerp": ((3, 4), (3, 4)),
    # order statistics (symgrad/ops/order_statistics.py): q a tensor or a float; the moments
    # with their mean as std and var, without out=
    "quantile": ((2, 6), (2, 6)),
    "nanquantile": ((2, 6), (2, 6)),
    # the deprecated nuclear norm (symgrad/ops/functional_top_level.py): dims, or keepdim only
    "nuclear_norm": ((2, 4), (1, 3)),
    "std_mean": ((2, 4), (1, 4), (1, 2)),
    "var_mean": ((2, 4), (1, 4), (1, 2)),
    # counting (symgrad/ops/counting.py): the values a tensor or a number
    "searchsorted": ((2, 7), (2, 6)),
    "bucketize": ((2, 5), (2, 4)),
    # top-level in-place functions and fill (symgrad/ops/top_level_aliases.py): a bound or a
    # value a tensor or a number
    "clamp_": ((1, 3), (1, 3)),
    "clip_": ((1, 3), (1, 3)),
    "clamp_min_": ((2, 2), (2, 2)),
    "clamp_max_": ((2, 2), (2, 2)),
    "xlogy_": ((2, 2), (2, 2)),
    "fill": ((2, 2), (2, 2)),
    "fill_": ((2, 2), (2, 2)),
}

# PyTorch's own listings of the signatures of functions whose symgrad signature is one (and
# takes ``**unexpected``: the keywords none of PyTorch's signatures takes, which the wrapper
# refuses with this listing), as torch 2.13's "invalid combination" errors list them for the
# function; the method's drop ``Tensor input, ``.
_LISTINGS: dict[str, tuple[str, ...]] = {
    "count_nonzero": ("Tensor input, int dim = None", "Tensor input, tuple of ints dim"),
    # and of the functions that raise ``ParserError`` (the method's drop ``out`` too)
    **dict.fromkeys(("max", "min"), (
        "Tensor input, *, Tensor out = None", "Tensor input, Tensor other, *, Tensor out = None",
        "Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None")),
    **dict.fromkeys(("quantile", "nanquantile"), tuple(
        f"Tensor input, {q} q, int dim = None, bool keepdim = False, *, "
        'str interpolation = "linear", Tensor out = None' for q in ("Tensor", "float"))),
}

# Published without the check, though its signature says ``input: Tensor``: ``torch.norm`` is
# Python code that reads ``input.layout`` before any check, an AttributeError, as symgrad's norm
# raises on its own first read of an attribute.
# tensordot too: ``torch.tensordot`` is Python code that reads ``a.dim()`` first (symgrad's
# reads it in the same order).
_UNCHECKED = frozenset({"norm", "tensordot"})


class _Source(str):
    """Text that ``inspect.Signature`` prints as it is: a default, as the name that holds it."""

    def __repr__(self) -> str:
        return str(self)


def checked(fn: Callable[..., Any], name: str, method: bool) -> Callable[..., Any]:
    """``fn`` published as ``name``, which first checks that the arguments PyTorch's argument
    parser wants as tensors are (its parameters annotated ``Tensor``; not a method's own tensor)
    and, published as a function, also takes PyTorch's keyword ``out=`` (``_into_out``); a
    method with nothing to check is ``fn`` itself. A warning given inside ``fn`` finds its
    caller with ``caller_level``, past the wrapper.

    The wrapper is written with ``fn``'s own signature, as ``dataclasses`` writes ``__init__``:
    it costs a call and an ``isinstance`` per tensor, 0.05 us on ``symgrad.tanh`` of one element
    (1.7 us), where a wrapper taking ``*args, **kwargs`` costs 0.15 us. So it cannot tell an
    argument left at its default from one given, nor one given by keyword from one given by
    position: errors show the arguments as far as the last one not at its default, and name
    them by position (PyTorch: ``argument 'other' must be Tensor`` for ``other=2.5``).
    """
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    tensors = [p.name for p in params[method:] if p.annotation in ("Tensor", Tensor)]
    takes_out = not method and "out" not in signature.parameters
    refused = "unexpected" in signature.parameters  # keywords PyTorch takes in no signature
    if (not tensors and not takes_out and not refused) or name in _UNCHECKED:
        return fn
    header = [p.replace(annotation=p.empty,
                        default=p.empty if p.default is p.empty else _Source(f"_defaults[{i}]"))
              for i, p in enumerate(params)]
    if takes_out:  # PyTorch's functions write into ``out=`` (keyword-only, before ``**``)
        at = len(header) - (header and header[-1].kind is inspect.Parameter.VAR_KEYWORD)
        header.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY,
                                            default=None))
    call = ", ".join(_forwarded(p) for p in params)
    checks = " and ".join(["not unexpected"] * refused
                          + [f"isinstance({t}, _Tensor)" for t in tensors]) or "True"
    written = signature.replace(return_annotation=signature.empty, parameters=header)
    source = (f"def {name}{written}:\n"
              + (f"    if out is not None:\n"
                 f"        return _into_out({name}({call}), out)\n" if takes_out else "")
              + f"    if {checks}:\n"
              f"        return _fn({call})\n"
              f"    _refuse({call})\n")
    namespace = {"_Tensor": Tensor, "_fn": fn, "_defaults": [p.default for p in params],
                 "_refuse": functools.partial(_refuse, name, signature, method),
                 "_into_out": functools.partial(_into_out, name)}
    # From fn's own parameter names; the file name shows in tracebacks.
    exec(compile(source, f"<symgrad.{name} checks its tensors>", "exec"), namespace)  # noqa: S102
    wrapper = functools.wraps(fn)(namespace[name])
    # Where pickle finds it again: where it is published (``fn``'s module holds ``fn``).
    wrapper.__module__, wrapper.__qualname__ = (
        ("symgrad.tensor", f"Tensor.{name}") if method else ("symgrad", name))
    return wrapper


def _into_out(name: str, result: Any, out: Any) -> Any:
    """``result`` written into ``out`` (a tuple of them for a result of several tensors), as
    PyTorch's ``out=`` writes it: cast to ``out``'s dtype where that is allowed, ``out``
    resized (with PyTorch's warning unless it was empty) to the result's shape; refused when
    autograd would have to record it."""
    if isinstance(result, tuple):
        from symgrad.return_types import out_type

        written = [_into_one_out(name, r, o) for r, o in zip(result, out, strict=True)]
        return out_type(type(result))(*written) if hasattr(result, "_fields") else tuple(written)
    return _into_one_out(name, result, out)


def _into_one_out(name: str, result: Tensor, out: Any) -> Tensor:
    from symgrad import _dtypes
    from symgrad.autograd.grad_mode import _state
    from symgrad.ops.inplace import _written  # which imports this module

    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if _state.enabled and (result._rg or out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if result.dtype is not out.dtype and not _dtypes.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_dtypes._TORCH_NAMES[result.dtype.name]} can't be "
                           "cast to the desired output type "
                           f"{_dtypes._TORCH_NAMES[out.dtype.name]}")
    data = result._data.astype(out._data.dtype, copy=False)
    if out._data.shape == data.shape:
        out._data[...] = data
    elif out._data.flags.c_contiguous and 0 < data.size <= out._data.size:
        # Shrunk in place, as PyTorch's resize keeps a storage large enough: views of ``out``
        # see the result.
        _resize_warning(out, result)
        out._data = out._data.reshape(-1)[:data.size].reshape(data.shape)
        out._data[...] = data
    else:
        _resize_warning(out, result)
        out._data = data.copy()
    _written(out)
    return out


def _resize_warning(out: Tensor, result: Tensor) -> None:
    if out._data.size:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape "
            f"{list(out.shape)}, which does not match the required output shape "
            f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
            "release outputs will not be resized unless they have zero elements. You can "
            "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
            "with t.resize_(0).", UserWarning, stacklevel=5)


def caller_level() -> int:
    """The ``stacklevel`` of the first frame outside the op modules (and the wrappers that
    publish their functions), counted from the function calling this one: the user's call,
    where a warning should point (or a module's, as PyTorch's warning points at its own).

    >>> def op():  # (a doctest here runs in this module's namespace, so it counts as inside)
    ...     return caller_level()
    >>> op() >= 1
    True
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and internal_frame(frame):
        frame, level = frame.f_back, level + 1
    return level


def internal_frame(frame: Any) -> bool:
    """Whether a stack frame is the engine's publishing machinery or an op module's: the op
    modules, the generated wrappers that check arguments (``<symgrad. ...>``) and autocast's
    (``autocast_policy``), which a warning's ``stacklevel`` steps over to the user's call.

    Args:
        frame: A frame (``sys._getframe()``).

    >>> import sys
    >>> internal_frame(sys._getframe())  # a doctest runs in this module's namespace
    True
    """
    name = frame.f_globals.get("__name__", "")
    return (name.startswith("symgrad.ops") or name == "symgrad.autocast_policy"
            or frame.f_code.co_filename.startswith("<symgrad."))


def _forwarded(p: inspect.Parameter) -> str:
    """How a wrapper passes its parameter ``p`` on, in a call."""
    if p.kind is p.VAR_POSITIONAL:
        return f"*{p.name}"
    if p.kind is p.VAR_KEYWORD:
        return f"**{p.name}"
    if p.kind is p.KEYWORD_ONLY:
        return f"{p.name}={p.name}"
    return p.name


def _refuse(name: str, signature: inspect.Signature, method: bool, /, *args: Any,
            **kwargs: Any) -> NoReturn:
    """PyTorch's TypeError for a call of ``name`` with an argument that is not a tensor where
    one must be: the argument named, or, for a function PyTorch overloads, the types given."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()  # an empty ``*args``, ``**kwargs``: the wrapper passes all the others
    values = bound.arguments
    params = list(signature.parameters.values())[method:]
    positional, keywords = _given(params, values)
    count = len(positional) + len(keywords) + method  # PyTorch's functions count ``self``
    overloads = _OVERLOADS.get(name)
    if overloads and sum(low <= count <= high for low, high in overloads) != 1:
        raise _combination_error(name, params, positional, keywords, method)
    for key in values.get("unexpected", {}):
        raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
    for position, p in enumerate(params, 1):
        if p.annotation in ("Tensor", Tensor) and not isinstance(values[p.name], Tensor):
            at = None if p.kind is p.KEYWORD_ONLY else position
            raise _not_a_tensor(name, p.name, at, values[p.name])
    raise AssertionError(f"{name}: every tensor argument is a tensor")  # not reached


def invalid_combination(name: str, /, *args: Any, **kwargs: Any) -> TypeError:
    """PyTorch's TypeError for a call of ``symgrad.<name>`` that none of PyTorch's signatures
    of it takes, for a function's own checks of its arguments that are not tensors. The
    arguments are those of the call; those at their defaults at the end are not shown.

    Args:
        name: The function's public name.
        *args: The arguments, by position.
        **kwargs: The arguments, by keyword.

    >>> import symgrad
    >>> print(invalid_combination("max", symgrad.ones(2), 2.5))
    max() received an invalid combination of arguments - got (Tensor, float), but expected one of:
     * (Tensor input, *, Tensor out = None)
     * (Tensor input, Tensor other, *, Tensor out = None)
     * (Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)
    <BLANKLINE>
    """
    from symgrad.ops.registry import FUNCTIONS  # which imports this module

    signature = inspect.signature(FUNCTIONS[name])
    params = list(signature.parameters.values())
    values = signature.bind(*args, **kwargs)
    values.apply_defaults()
    return _combination_error(name, params, *_given(params, values.arguments))


def _given(params: list[inspect.Parameter], values: dict[str, Any]
           ) -> tuple[list[tuple[Any, Any]], list[tuple[str, Any]]]:
    """The arguments of a call as PyTorch shows them: by position, as (default, value) pairs,
    as far as the last one not at its default; then by keyword, those not at their defaults."""
    positional: list[tuple[Any, Any]] = []  # the default is unset for ``*args``
    keywords: list[tuple[str, Any]] = []
    for p in params:
        value = values[p.name]
        if p.kind is p.VAR_POSITIONAL:
            positional += [(p.empty, v) for v in value]
        elif p.kind is p.VAR_KEYWORD:
            keywords += value.items()
        elif p.kind is p.KEYWORD_ONLY:
            if value is not p.default:
                keywords.append((p.name, value))
        else:
            positional.append((p.default, value))
    while positional and positional[-1][1] is positional[-1][0]:
        positional.pop()
    return positional, keywords


def _combination_error(name: str, params: list[inspect.Parameter],
                       positional: list[tuple[Any, Any]], keywords: list[tuple[str, Any]],
                       method: bool = False) -> TypeError:
    """PyTorch's "invalid combination" error, listing PyTorch's signatures (``_LISTINGS``) or
    else our signature as the one expected."""
    if name in _LISTINGS:
        return TypeError(_invalid_combination(name, _signatures(name, method),
                                              [v for _, v in positional], keywords))
    got = [type(v).__name__ for _, v in positional] + [f"{k}={type(v).__name__}"
                                                        for k, v in keywords]
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"({', '.join(got)}), but expected one of:\n * ({_listed(params)})\n")


def _signatures(name: str, method: bool) -> list[list[str]]:
    """PyTorch's signatures of ``name`` (``_LISTINGS``), each as its parts (``"*"`` one of
    them); a method's without the tensor and ``out``, and without a ``*`` left last."""
    listing = [s.split(", ") for s in _LISTINGS[name]]
    if not method:
        return listing
    parts = [[p for p in s[1:] if not p.endswith(" out = None")] for s in listing]
    # PyTorch's message splits an empty listing, "()", into one empty part
    return [(s[:-1] if s[-1:] == ["*"] else s) or [""] for s in parts]


def _invalid_combination(name: str, listing: list[list[str]], args: list[Any],
                         keywords: list[tuple[str, Any]]) -> str:
    """PyTorch's (``format_invalid_args``) message. Its keywords come out of a hash map: for a
    few, in the reverse of their order. A signature of as many parts (each default and the
    ``*`` counted, not ``out``) as arguments given says why it did not match: a keyword's name
    is compared with the last word of the last parts (a default's value, which never matches),
    and a part with a default takes no type."""
    keywords = keywords[::-1]
    got = [_typename(v) for v in args] + [f"{k}={_typename(v)}" for k, v in keywords]
    text = (f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), "
            "but expected one of:\n")
    for parts in listing:
        text += f" * ({', '.join(parts)})\n"
        if len(parts) != len(args) + len(keywords):
            continue
        names = [p.rsplit(" ", 1)[-1] for p in parts[max(len(parts) - len(keywords), 0):]]
        wrong = [k for k, _ in keywords if k not in names]
        if wrong:
            text += f"      didn't match because some of the keywords were incorrect: " \
                    f"{', '.join(wrong)}\n"
            continue
        marked = [v if _takes(p, v) else f"!{v}!" for p, v in zip(
            parts, [_described(v) for v in args], strict=False)]
        text += ("      didn't match because some of the arguments have invalid types: "
                 f"({', '.join(marked)})\n")
    return text


def _typename(value: Any) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def _described(value: Any) -> str:
    """An argument as PyTorch's "invalid types" line shows it (a tuple's items' types too)."""
    if isinstance(value, tuple):
        items = ", ".join(_typename(v) for v in value)
        return f"tuple of ({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, list):
        return f"list of [{', '.join(_typename(v) for v in value)}]"
    return _typename(value)


def _takes(part: str, value: Any) -> bool:
    """Whether PyTorch's listing's ``part`` takes ``value`` in its message: by the type's name
    (float takes int, a part with a default or ``tuple of ints`` nothing)."""
    kind = part.rsplit(" ", 1)[0]
    names = {"float": ("float", "int"), "int": ("int",)}.get(kind, (kind,))
    return part != "*" and _typename(value) in names


def parser_error(name: str, args: list[Any], keywords: list[tuple[str, Any]],
                 argument: str, method: bool = False) -> TypeError:
    """PyTorch's argument parser's TypeError for a call of ``name`` whose ``argument`` has a
    type no signature (``_LISTINGS``) takes: named, as the one signature taking as many
    arguments as given names it, or the invalid combination. Raised by the function, which
    cannot tell a method's call: its ``for_method()`` gives the ``Tensor`` method's error
    (``as_method`` raises it).

    Args:
        name: The function's name.
        args: The arguments given by position, the tensor first.
        keywords: Those given by keyword, in order.
        argument: The argument of the wrong type.
        method: Whether the call was the method's. Defaults to False.

    >>> import symgrad
    >>> print(parser_error("max", [symgrad.ones(2), (0,), True], [], "dim").for_method())
    max(): argument 'dim' (position 1) must be int, not tuple
    """
    error = TypeError(_parser_message(name, args[method:], keywords, argument, method))
    error.for_method = functools.partial(  # type: ignore[attr-defined]
        parser_error, name, args, keywords, argument, True)
    return error


def _arity(parts: list[str]) -> tuple[int, int]:
    """The fewest and most arguments a signature of PyTorch's listing takes."""
    taken = [p for p in parts if p not in ("*", "")]
    return sum(" = " not in p for p in taken), len(taken)


def _parser_message(name: str, args: list[Any], keywords: list[tuple[str, Any]],
                    argument: str, method: bool) -> str:
    listing = _signatures(name, method)
    count = len(args) + len(keywords)
    plausible = [s for s in listing if _arity(s)[0] <= count <= _arity(s)[1]]
    if len(plausible) != 1:
        return _invalid_combination(name, listing, args, keywords)
    parts = plausible[0]
    at = next(i for i, p in enumerate(parts) if p.split(" = ")[0].endswith(f" {argument}"))
    given = dict(keywords)
    value = given[argument] if argument in given else args[at]
    kind = parts[at].split(" = ")[0].rsplit(" ", 1)[0]
    position = "" if argument in given else f" (position {at + 1})"
    return f"{name}(): argument '{argument}'{position} must be {kind}, not {_typename(value)}"


def _listed(params: list[inspect.Parameter]) -> str:
    """A signature as PyTorch lists it (``Tensor input, int dim = 0, *, dtype out = None``)."""
    out = []
    for p in params:
        if p.kind is p.KEYWORD_ONLY and "*" not in out and not any(
                q.kind is q.VAR_POSITIONAL for q in params):
            out.append("*")
        text = p.name if p.annotation is p.empty else f"{p.annotation} {p.name}"
        if p.kind is p.VAR_POSITIONAL:
            text = f"*{text}"
        elif p.kind is p.VAR_KEYWORD:
            text = f"**{text}"
        out.append(text if p.default is p.empty else f"{text} = {p.default!r}")
    return ", ".join(out)
