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
import runpy
import sys
from collections.abc import Iterator

__all__ = ["as_torch", "main"]

# torch's module names and the symgrad modules standing in for them.
_ALIASES = {
    "torch": "symgrad", "torch.nn": "symgrad.nn", "torch.nn.functional": "symgrad.nn.functional",
    "torch.nn.init": "symgrad.nn.init", "torch.optim": "symgrad.optim",
    "torch.optim.lr_scheduler": "symgrad.optim.lr_scheduler", "torch.autograd": "symgrad.autograd",
    "torch.cuda": "symgrad.cuda", "torch.accelerator": "symgrad.accelerator",
    "torch.utils": "symgrad.utils", "torch.utils.data": "symgrad.utils.data",
}


@contextlib.contextmanager
def as_torch() -> Iterator[None]:
    """Within the block, importing ``torch`` (or one of its modules above) gives symgrad's.

    The modules torch had before are put back after, so a process can hold both.
    """
    import importlib

    from symgrad import _dtypes

    saved = {name: sys.modules.get(name) for name in _ALIASES}
    for name, target in _ALIASES.items():
        sys.modules[name] = importlib.import_module(target)
    namespace = _dtypes.NAMESPACE[0]
    _dtypes.NAMESPACE[0] = "torch"  # the program calls the library torch: reprs say so
    try:
        yield
    finally:
        _dtypes.NAMESPACE[0] = namespace
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module


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
