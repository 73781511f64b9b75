"""An mkdocs hook: the pages that list the ops are written from the registry at build time.

The op functions are published by ``expose`` when ``symgrad`` is imported, so a hand-kept
list in Markdown would fall behind each new op. Two markers are replaced:

- ``<!-- ops -->`` by one section per op module (its docstring's first sentence as the
  introduction), one entry per function, its aliases named beside it;
- ``<!-- tensor-methods -->`` by the ``Tensor`` entry, its members being the methods and
  properties that are not also op functions (those are on the ops page).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))  # doctest_blocks, beside this file

OPS_MARKER = "<!-- ops -->"
TENSOR_MARKER = "<!-- tensor-methods -->"


def _op_id(fn: Any) -> int:
    """The op function behind a public name, which may be its own wrapper of it (checking the
    tensor arguments under that name, ``registry.expose``): aliases and methods share it."""
    return id(inspect.unwrap(fn))


def _functions() -> dict[str, list[tuple[str, list[str]]]]:
    """Per defining module: each op function's public name and its aliases, in source order."""
    from symgrad.ops import FUNCTIONS

    names: dict[int, list[str]] = {}
    for name, fn in FUNCTIONS.items():
        names.setdefault(_op_id(fn), []).append(name)
    by_module: dict[str, list[tuple[str, list[str]]]] = {}
    seen: set[int] = set()
    for fn in FUNCTIONS.values():
        if _op_id(fn) in seen:
            continue
        seen.add(_op_id(fn))
        own = [n for n in names[_op_id(fn)] if n == fn.__name__] or names[_op_id(fn)][:1]
        aliases = [n for n in names[_op_id(fn)] if n != own[0]]
        by_module.setdefault(inspect.unwrap(fn).__module__, []).append((own[0], aliases))
    return by_module


def _ops_markdown() -> str:
    parts = []
    for module, functions in sorted(_functions().items()):
        doc = (importlib.import_module(module).__doc__ or "").strip()
        intro = doc.split("\n\n")[0].replace("\n", " ")
        title = module.rsplit(".", 1)[-1]
        parts.append(f"## {title}\n\n{intro} Declared in `{module}`.\n")
        for name, aliases in functions:
            entry = f"::: symgrad.{name}\n    options:\n      heading_level: 3\n"
            if aliases:
                also = ", ".join(f"`symgrad.{a}`" for a in aliases)
                entry += f"\nAlso published as {also}.\n"
            parts.append(entry)
    return "\n".join(parts)


def _generated(value: Any) -> bool:
    """Whether a method was made by a factory (no module global holds it, so griffe cannot)."""
    fn = value.fget if isinstance(value, property) else value
    return "<" in getattr(fn, "__qualname__", "")


def _generated_markdown(name: str, fn: Any) -> str:
    """A factory-made method's entry, written here from its signature and docstring."""
    from doctest_blocks import fence_doctests

    doc = fence_doctests(inspect.cleandoc(fn.__doc__ or ""))
    anchor = f'<a id="symgrad.Tensor.{name}"></a>'
    signature = f"```python\nTensor.{name}{inspect.signature(fn)}\n```"
    return f"{anchor}\n\n### `Tensor.{name}`\n\n{signature}\n\n{doc}\n"


def _tensor_markdown() -> str:
    import symgrad
    from symgrad.ops import FUNCTIONS

    ops = {_op_id(fn) for fn in FUNCTIONS.values()}
    public = {name: value for name, value in vars(symgrad.Tensor).items()
              if not name.startswith("_") and _op_id(value) not in ops}
    listed = "".join(f"\n        - {name}" for name, v in public.items() if not _generated(v))
    made = [_generated_markdown(name, v) for name, v in public.items() if _generated(v)]
    return (f"::: symgrad.Tensor\n    options:\n      members:{listed}\n\n"
            "## Methods made by the op modules\n\nIn-place variants and dtype conversions, "
            "generated one per op or dtype.\n\n" + "\n".join(made))


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    if OPS_MARKER in markdown:
        markdown = markdown.replace(OPS_MARKER, _ops_markdown())
    if TENSOR_MARKER in markdown:
        markdown = markdown.replace(TENSOR_MARKER, _tensor_markdown())
    return markdown
