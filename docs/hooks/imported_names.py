"""A griffe extension: a module's page shows what the module defines or exports, not what it
imports (``Tensor`` appears in nearly every module of symgrad, but belongs to ``Tensor``'s page).

Inspected modules list imported names as aliases; those a module does not export in its
``__all__`` are dropped from it (class members are left alone: ``Tensor``'s methods are
defined across the op modules).
"""

from __future__ import annotations

from typing import Any

import griffe


def _drop_imported(module: griffe.Module) -> None:
    for name, member in list(module.members.items()):
        if member.is_alias and not member.is_exported:
            del module.members[name]
        elif not member.is_alias and member.is_module:
            _drop_imported(member)  # type: ignore[arg-type]


class ImportedNames(griffe.Extension):
    """Drop the names each loaded module imports without exporting them."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _drop_imported(pkg)
