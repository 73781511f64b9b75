"""A griffe extension: the doctest examples of a docstring render as Python sessions.

symgrad's docstrings carry their examples as bare doctest blocks (what ``pytest
--doctest-modules`` runs); Markdown would read their ``>>>`` as nested quotes. Each block, from
its first ``>>>`` line to the next blank line, is fenced as ``pycon`` before griffe parses it.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with each doctest block wrapped in a ``pycon`` code fence.

    >>> fence_doctests("Twice.\\n\\n>>> 2 * 2\\n4\\n\\nDone.").splitlines()
    ['Twice.', '', '```pycon', '>>> 2 * 2', '4', '```', '', 'Done.']
    """
    out: list[str] = []
    indent: str | None = None
    for line in text.splitlines():
        stripped = line.lstrip()
        if indent is None and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
        elif indent is not None and not stripped:
            out.append(f"{indent}```")
            indent = None
        out.append(line)
    if indent is not None:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctest blocks of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
