"""The output folder of a run: its files appear together or not at all.

A run writes into a fresh hidden folder beside ``--out`` and swaps it in at the end, in one
``renameat2(RENAME_EXCHANGE)`` where Linux offers it (two renames elsewhere). An interrupted or
killed run leaves the previous run's files whole; what a killed run left behind (its staging
folder, temporary files) is removed by the next run.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "report"
>>> with OutputFolder(out) as folder:
...     _ = (folder.staging / "results.json").write_text("{}")
...     folder.commit()
>>> sorted(p.name for p in out.parent.iterdir()), sorted(p.name for p in out.iterdir())
(['report'], ['results.json'])
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import uuid
from pathlib import Path
from types import TracebackType

__all__ = ["OutputFolder", "OutputError", "OUTPUT_NAMES"]

# What a run of symgrad-check writes; a folder holding anything else is not replaced.
OUTPUT_NAMES = frozenset({"results.json", "index.html", "junit.xml", "mutants.json",
                          "mutants.html"})
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(ValueError):
    """``--out`` cannot take this run's outputs (found before any work is done)."""


class OutputFolder:
    """``path``, to be replaced as a whole by what the run writes into ``staging``.

    Entering checks ``path`` and makes the staging folder (so an unwritable place fails
    first, as ``OutputError``); ``commit`` swaps it in; leaving without a commit removes it.

    Args:
        path: The output folder (``--out``); it may be missing, empty, or hold a previous
            run's files, nothing else.

    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> _ = (base / "notes.txt").write_text("mine")
    >>> OutputFolder(base).__enter__()
    Traceback (most recent call last):
    ...
    reports.output_folder.OutputError: --out ...: holds files symgrad-check does not write
    (notes.txt): give a new or empty folder
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(os.path.abspath(path))
        self.staging = self.path.parent / f".{self.path.name}.new-{os.getpid()}-{_token()}"
        self.committed = False

    def __enter__(self) -> OutputFolder:
        self._check()
        self._remove_stale()
        try:
            self.staging.mkdir()
        except OSError as exc:
            raise OutputError(f"--out {self.path}: cannot write beside it: "
                              f"{exc.strerror or exc}") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self.committed:
            shutil.rmtree(self.staging, ignore_errors=True)

    def _check(self) -> None:
        if self.path == self.path.parent:
            raise OutputError(f"--out {self.path}: the file system root cannot be replaced")
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"--out {self.path}: exists and is not a folder")
        if self.path.is_dir():
            foreign = sorted(p.name for p in self.path.iterdir()
                             if p.name not in OUTPUT_NAMES and not _temporary(p.name))
            if foreign:
                shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
                raise OutputError(f"--out {self.path}/: holds files symgrad-check does not "
                                  f"write ({shown}): give a new or empty folder")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"--out {self.path}: cannot make its parent folder: "
                              f"{exc.strerror or exc}") from None

    def _remove_stale(self) -> None:
        """Remove what killed runs left: staging folders of processes that are gone, and
        temporary files in the folder itself; a previous set caught between two renames
        (no atomic exchange) is put back first."""
        prefix = f".{self.path.name}."
        for p in self.path.parent.iterdir():
            if not p.name.startswith(prefix) or not _dead(p.name[len(prefix):]):
                continue
            if p.name[len(prefix):].startswith("old-") and not self.path.exists():
                os.rename(p, self.path)
            else:
                shutil.rmtree(p, ignore_errors=True)
        if self.path.is_dir():
            for p in self.path.iterdir():
                if _temporary(p.name):
                    p.unlink(missing_ok=True)

    def commit(self) -> None:
        """Put the staged files in place of ``path``'s, as one step; SIGINT and SIGTERM wait for
        it."""
        with _stops_held():
            if not self.path.exists():
                os.rename(self.staging, self.path)
            elif not _exchange(self.staging, self.path):
                old = self.path.parent / f".{self.path.name}.old-{os.getpid()}-{_token()}"
                os.rename(self.path, old)
                os.rename(self.staging, self.path)
                self.staging = old
            self.committed = True
        shutil.rmtree(self.staging, ignore_errors=True)


def _token() -> str:
    return uuid.uuid4().hex[:8]


def _temporary(name: str) -> bool:
    """A temporary file of ``write_atomic`` (``.<name>.<random>.tmp``)."""
    return name.startswith(".") and name.endswith(".tmp")


def _dead(suffix: str) -> bool:
    """Whether the run that named a staging folder ``new-<pid>-<token>`` is gone."""
    parts = suffix.split("-")
    if len(parts) != 3 or parts[0] not in ("new", "old") or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where that is not available."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


# The signals symgrad-check stops on by unwinding (SIGKILL cannot be held).
_STOPS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _stops_held():
    """Hold SIGINT and SIGTERM back while the set is swapped, so a stop cannot split the swap
    from knowing that it happened."""
    held = hasattr(signal, "pthread_sigmask")
    if held:
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
