"""The API reference: every public parameter described, and a site that builds and shows it all.

Docstrings are checked without mkdocs: each public function, class and method describes every
parameter in an ``Args:`` section and carries an example (which ``--doctest-modules`` runs).
The site is ``mkdocs build --strict`` (mkdocs-material + mkdocstrings, the ``docs`` extra) into
a temporary folder. In CI (``CI`` set) it must run; elsewhere it skips, saying so, only when
mkdocs is not installed.
"""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import oracle
import reports
import symgrad
from symgrad import nn, optim, runtime
from symgrad.ops import FUNCTIONS
from symgrad.utils import data

ROOT = Path(__file__).resolve().parent.parent
DOCS_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


# The pages with examples of their own (the API pages show the docstrings' examples).
GUIDES = sorted(p for p in (ROOT / "docs").rglob("*.md") if "```pycon" in p.read_text("utf-8"))


@pytest.mark.parametrize("page", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_examples_written_in_the_pages_run(page: Path) -> None:
    sessions = re.findall(r"```pycon\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    test = doctest.DocTestParser().get_doctest("\n".join(sessions), {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)


def _require_mkdocs() -> None:
    # Imported, not looked up: ``find_spec`` of a dotted name raises when its parent package is
    # missing, which crashed the test instead of skipping it.
    for name in DOCS_PACKAGES:
        if not os.environ.get("CI"):
            pytest.importorskip(name, reason=f"the docs build needs {name}: "
                                "pip install -e '.[docs]'")
            continue
        try:
            importlib.import_module(name)
        except ImportError:
            pytest.fail(f"CI must build the docs, but {name} is not installed")


def test_the_docs_hooks_examples_run() -> None:
    _require_mkdocs()  # the hooks import griffe, which comes with the docs extra
    for path in sorted((ROOT / "docs" / "hooks").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"docs_hooks_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failed == 0, f"{path.name}: {failed} example(s) failed"


def _build(out: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr}"


def _ids(page: Path) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))


def _anchors(namespace: str, name: str, obj: Any) -> set[str]:
    """The ids an entry for ``obj`` may have: its public path, or where it is defined."""
    anchors = {f"{namespace}.{name}"}
    fn = obj.fget if isinstance(obj, property) else obj
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if module and qualname:
        anchors.add(f"{module}.{qualname}")
    return anchors


# The op functions, as defined: each public name (``symgrad.arccos``, ``Tensor.maximum``) may be
# its own wrapper of one, checking its tensor arguments under that name (``registry.expose``).
_OPS = [inspect.unwrap(fn) for fn in FUNCTIONS.values()]


def _public(namespace: str, names: list[str], owner: Any) -> list[tuple[str, str, Any]]:
    return [(namespace, n, getattr(owner, n)) for n in names if callable(getattr(owner, n))]


def _documented() -> dict[str, list[tuple[str, str, Any]]]:
    """Each API page and the public names it must show."""
    tensor_members = [n for n, v in vars(symgrad.Tensor).items()
                      if not n.startswith("_") and inspect.unwrap(v) not in _OPS]
    creation = [n for n in symgrad.__all__ if getattr(getattr(symgrad, n), "__module__", "")
                == "symgrad.creation"]
    return {
        "tensor": [("symgrad", "tensor", symgrad.tensor)]
        + [("symgrad.Tensor", n, vars(symgrad.Tensor)[n]) for n in tensor_members],
        "creation": _public("symgrad", creation, symgrad),
        "autograd": _public("symgrad.autograd", ["backward", "grad", "Function"],
                            symgrad.autograd),
        "grad_mode": _public("symgrad.autograd.grad_mode", symgrad.autograd.grad_mode.__all__,
                             symgrad.autograd.grad_mode),
        "ops": _public("symgrad", sorted({f.__name__ for f in FUNCTIONS.values()}), symgrad),
        "nn": _public("symgrad.nn", nn.__all__, nn),
        "optim": _public("symgrad.optim", optim.__all__, optim),
        "data": _public("symgrad.utils.data", data.__all__, data),
        "runtime": _public("symgrad", runtime.__all__ + ["finfo", "iinfo", "set_printoptions"],
                           symgrad),
        "oracle": _public("oracle", oracle.__all__, oracle),
        "reports": _public("reports", reports.__all__, reports),
    }


# One test, one build: the build takes seconds, and xdist would repeat a fixture per worker.
def test_the_site_builds_strictly_and_shows_the_api_and_the_guide(tmp_path: Path) -> None:
    _require_mkdocs()
    _build(tmp_path)
    missing = [f"api/{page}: {ns}.{name}" for page, entries in _documented().items()
               for ids in [_ids(tmp_path / "api" / page / "index.html")]
               for ns, name, obj in entries if not _anchors(ns, name, obj) & ids]
    assert not missing, f"public names without an entry: {missing}"
    guide = (tmp_path / "guide" / "engine" / "index.html").read_text(encoding="utf-8")
    unnamed = [name for name in ("defop", "apply", "run_backward", "MulBackward0",
                                 "AccumulateGrad") if name not in guide]
    assert not unnamed, f"the reading guide never names {unnamed}"
    autograd = (tmp_path / "api" / "autograd" / "index.html").read_text(encoding="utf-8")
    # Examples render as Python sessions, not as the nested quotes Markdown makes of ">>>".
    assert '<span class="gp">&gt;&gt;&gt; </span>' in autograd
    assert "<blockquote>" not in autograd


# -- every public parameter described, every public docstring with an example -------------------
# The public API, from the packages' own lists: each name in these modules' ``__all__`` (their
# classes with the methods they define), every op function, and Tensor's methods.
PUBLIC_MODULES = ("symgrad", "symgrad.autograd", "symgrad.autograd.functional",
                  "symgrad.autograd.grad_mode", "symgrad.nn", "symgrad.nn.functional",
                  "symgrad.nn.init", "symgrad.nn.utils", "symgrad.optim",
                  "symgrad.optim.lr_scheduler", "symgrad.random", "symgrad.devices",
                  "symgrad.cuda", "symgrad.accelerator", "symgrad.ops.registry", "symgrad.linalg",
                  "symgrad.utils.data", "symgrad.distributions", "symgrad.special",
                  "symgrad.runtime", "symgrad.type_info", "oracle",
                  "reports", "reports.terminal")
SECTION = re.compile(r"^(\s*)(?:Args|Arguments|Parameters|Attributes):[ \t]*\n", re.M)


def _described(doc: str) -> set[str]:
    """The names an ``Args:`` (or ``Parameters:``, ``Attributes:``) section describes."""
    names = set()
    for section in SECTION.finditer(doc):
        entry = None
        for line in doc[section.end():].splitlines():
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            if indent <= len(section.group(1)):
                break
            entry = indent if entry is None else entry
            found = re.match(r"\s*\**(\w+)\s*(\([^)]*\))?:", line)
            if indent == entry and found:
                names.add(found.group(1))
    return names


def _parameters(obj: Any, skip_first: bool) -> list[str]:
    if inspect.isclass(obj):
        if not dataclasses.is_dataclass(obj) and "__init__" not in vars(obj):
            return []  # the base class documents its constructor
        obj = obj if dataclasses.is_dataclass(obj) else obj.__init__
        skip_first = not dataclasses.is_dataclass(obj)
    try:
        names = list(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return []
    names = [n for n in names if n not in ("self", "cls")] if not skip_first else names[1:]
    return names


def _entries() -> dict[str, tuple[Any, bool]]:
    """Public name -> (object, whether its first parameter is the tensor or module itself)."""
    entries: dict[str, tuple[Any, bool]] = {}

    def add(name: str, obj: Any, method: bool = False) -> None:
        obj = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
        if isinstance(obj, property):
            obj = obj.fget
        if callable(obj) and not isinstance(obj, symgrad.dtype) and not inspect.ismodule(obj):
            entries.setdefault(name, (obj, method))

    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        own = [n for n, v in vars(module).items()
               if not n.startswith("_") and getattr(v, "__module__", None) == module_name]
        for name in getattr(module, "__all__", own):
            obj = getattr(module, name)
            add(f"{module_name}.{name}", obj)
            if inspect.isclass(obj) and obj is not symgrad.Tensor:
                for member, value in vars(obj).items():
                    if not member.startswith("_"):
                        add(f"{module_name}.{name}.{member}", value, method=True)
    for name, fn in FUNCTIONS.items():
        add(f"symgrad.{name}", fn)
    for name, value in vars(symgrad.Tensor).items():
        if not name.startswith("_") and inspect.unwrap(value) not in _OPS:
            add(f"symgrad.Tensor.{name}", value, method=True)
    return entries


def test_public_docstrings_describe_every_parameter_and_show_an_example() -> None:
    undescribed, without_example = [], []
    for name, (obj, method) in sorted(_entries().items()):
        doc = inspect.getdoc(obj) or ""
        missing = [p for p in _parameters(obj, method) if p not in _described(doc)]
        if missing:
            undescribed.append(f"{name}: {missing}")
        if ">>>" not in doc:
            without_example.append(name)
    assert not undescribed, "parameters no docstring describes:\n" + "\n".join(undescribed)
    assert not without_example, "public docstrings without an example: " + ", ".join(
        without_example)
