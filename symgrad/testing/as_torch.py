"""Run a program written for PyTorch with symgrad in its place: ``import torch`` (and
``torch.nn``, ``torch.nn.functional``, ``torch.optim``, ...) gets symgrad's modules, and
reprs name the library as the program does (``torch.float64``, ``torch.Size([2])``).

    python -m symgrad.testing.as_torch program.py

This is how a reader tries their PyTorch code on symgrad unchanged, and how the test suite runs
the programs of ``examples/pytorch_style`` under both libraries to compare what they print.

>>> import sys
>>> with as_torch():
...     import torch
...     print(torch.tensor([1.0, 2.0]).sum(), torch.nn.functional.relu is sys.modules[
...         "symgrad.nn.functional"].relu)
tensor(3.) True
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import runpy
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["as_torch", "main"]

# torch's module names and the symgrad modules standing in for them.
_ALIASES = {
    "torch": "symgrad", "torch.nn": "symgrad.nn", "torch.nn.functional": "symgrad.nn.functional",
    "torch.nn.init": "symgrad.nn.init", "torch.optim": "symgrad.optim",
    "torch.optim.lr_scheduler": "symgrad.optim.lr_scheduler", "torch.autograd": "symgrad.autograd",
    "torch.cuda": "symgrad.cuda", "torch.accelerator": "symgrad.accelerator",
    "torch.utils": "symgrad.utils", "torch.utils.data": "symgrad.utils.data",
}


class _StandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``torch.<name>`` as symgrad's ``symgrad.<name>`` where there is one
    (``torch.utils.data.dataloader``, ``torch.nn.utils``), the very module, not a copy."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not fullname.startswith("torch."):
            return None
        name = "symgrad" + fullname[len("torch"):]
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            return None
        return None if found is None else importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> Any:
        return importlib.import_module("symgrad" + spec.name[len("torch"):])

    def exec_module(self, module: Any) -> None:
        pass  # symgrad's module, already run


@contextlib.contextmanager
def as_torch() -> Iterator[None]:
    """Within the block, importing ``torch`` (or any ``torch.<module>`` symgrad has: the ones
    above, and others found on import) gives symgrad's.

    The modules torch had before are put back after, so a process can hold both.
    """
    from symgrad import _dtypes

    saved = {name: module for name, module in sys.modules.items()
             if name == "torch" or name.startswith("torch.")}
    for name in saved:  # torch's own modules, hidden while the block runs
        del sys.modules[name]
    for name, target in _ALIASES.items():
        sys.modules[name] = importlib.import_module(target)
    finder = _StandIn()
    sys.meta_path.insert(0, finder)
    namespace = _dtypes.NAMESPACE[0]
    _dtypes.NAMESPACE[0] = "torch"  # the program calls the library torch: reprs say so
    try:
        yield
    finally:
        _dtypes.NAMESPACE[0] = namespace
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def main(argv: list[str] | None = None) -> None:
    """Run the program named by the first argument as ``__main__``, under ``as_torch``.

    Parameters:
        argv: the program's path, then its own arguments (default: ``sys.argv[1:]``).
    """
    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m symgrad.testing.as_torch program.py [args...]")
    sys.argv = list(args)
    with as_torch():
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
