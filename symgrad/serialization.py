"""``symgrad.save`` and ``symgrad.load``: tensors and state dicts to a file and back.

The file is a zip archive: ``symgrad/index.json`` describes the saved object (nested dicts,
lists and tuples, numbers, strings, None, dtypes, devices, and tensors by number), and each
tensor's bytes are one entry (``symgrad/data/<n>``), with its dtype, shape, byte order and
``requires_grad`` in the index. Loading reads JSON and raw bytes only, so a file from
anywhere runs no code when loaded. Objects of other types (a whole ``Module``, a custom class)
are pickled into the archive by ``save``; ``load`` refuses them unless ``weights_only=False``
(unpickling can run arbitrary code), as PyTorch's ``weights_only`` loading does.

These files are symgrad's own: PyTorch cannot read them, and symgrad cannot read PyTorch's.

>>> import io
>>> import symgrad
>>> buffer = io.BytesIO()
>>> symgrad.save({"w": symgrad.tensor([1.5, -2.0]), "step": 3}, buffer)
>>> _ = buffer.seek(0)
>>> symgrad.load(buffer)
{'w': tensor([ 1.5000, -2.0000]), 'step': 3}
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import sys
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from symgrad import _dtypes
from symgrad.devices import check_device, device
from symgrad.tensor import Tensor

__all__ = ["save", "load"]

_INDEX = "symgrad/index.json"
_FORMAT = 1
_DTYPES = {d.name: d for d in _dtypes.ALL}
_WEIGHTS_ONLY = (
    "Weights only load failed. {what} Re-running `symgrad.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only "
    "if you got the file from a trusted source.")

FileLike = str | os.PathLike | IO[bytes]


# -- writing ------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, archive: zipfile.ZipFile, pickle_module: Any, protocol: int) -> None:
        self.archive = archive
        self.pickle_module = pickle_module
        self.protocol = protocol
        self.tensors: list[dict[str, Any]] = []
        self.seen: dict[int, int] = {}  # id of a tensor saved -> its number (shared once)
        self.keep: list[Any] = []  # keeps the ids above unique while writing
        self.pickles = 0

    def encode(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, bool | str):
            return obj
        if isinstance(obj, int | np.integer) and not isinstance(obj, np.bool_):
            return int(obj)
        if isinstance(obj, float | np.floating):
            f = float(obj)
            return f if math.isfinite(f) else {"float": repr(f)}
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, Tensor):
            return {"tensor": self.tensor(obj)}
        if type(obj) in (dict, OrderedDict):
            return {"dict" if type(obj) is dict else "odict":
                    [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if type(obj) in (list, tuple):
            return {type(obj).__name__: [self.encode(v) for v in obj]}
        if isinstance(obj, _dtypes.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, device):
            return {"device": str(obj)}
        return self.pickled(obj)

    def tensor(self, t: Tensor) -> int:
        from symgrad.nn import Parameter

        if id(t) in self.seen:
            return self.seen[id(t)]
        n = len(self.tensors)
        self.seen[id(t)] = n
        self.keep.append(t)
        data = t._data if t._data.flags.c_contiguous else t._data.copy(order="C")
        self.archive.writestr(f"symgrad/data/{n}", data.tobytes())
        self.tensors.append({"dtype": t.dtype.name, "shape": list(data.shape),
                             "requires_grad": bool(t.requires_grad),
                             "parameter": isinstance(t, Parameter)})
        return n

    def pickled(self, obj: Any) -> dict[str, Any]:
        n = self.pickles
        self.pickles += 1
        blob = io.BytesIO()
        self.pickle_module.dump(obj, blob, protocol=self.protocol)
        self.archive.writestr(f"symgrad/pickles/{n}", blob.getvalue())
        return {"pickle": n, "type": f"{type(obj).__module__}.{type(obj).__qualname__}"}


def save(obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = 2) -> None:
    """Write ``obj`` to ``f``: a tensor, or nested dicts, lists and tuples of tensors, numbers,
    strings and None (a model's or an optimizer's state dict), in symgrad's own format.

    Each tensor keeps its dtype (bfloat16 too), shape, values bit for bit and
    ``requires_grad``; a ``Parameter`` comes back a ``Parameter``; a tensor held twice is
    written once and loads as one tensor. Views do not share memory after loading. Other
    objects are pickled, and ``load`` reads them only with ``weights_only=False``. PyTorch
    cannot read the file (see the module docstring).

    Args:
        obj: What to save.
        f: A path, or a binary file object open for writing.
        pickle_module: The module pickling the objects the format does not hold. Defaults
            to ``pickle``.
        pickle_protocol: The protocol for those. Defaults to 2, as PyTorch's.

    >>> import os, tempfile
    >>> import symgrad
    >>> model = symgrad.nn.Linear(3, 2)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
    >>> symgrad.save(model.state_dict(), path)
    >>> again = symgrad.nn.Linear(3, 2)
    >>> again.load_state_dict(symgrad.load(path))
    <All keys matched successfully>
    >>> bool((again.weight == model.weight).all())
    True
    """
    with zipfile.ZipFile(_opened(f), "w", zipfile.ZIP_STORED) as archive:
        writer = _Writer(archive, pickle_module, pickle_protocol)
        root = writer.encode(obj)
        index = {"format": _FORMAT, "byteorder": sys.byteorder, "tensors": writer.tensors,
                 "object": root}
        archive.writestr(_INDEX, json.dumps(index))


def _opened(f: FileLike) -> Any:
    """A path as the name zipfile opens; a file object as it is."""
    return os.fspath(f) if isinstance(f, str | os.PathLike) else f


# -- reading ------------------------------------------------------------------------------------
def _location(map_location: Any) -> Callable[[Tensor], Tensor]:
    """What ``map_location`` does to each loaded (CPU) tensor, or PyTorch's error for a
    device this build cannot hold tensors on."""
    if map_location is None:
        return lambda t: t
    if callable(map_location) and not isinstance(map_location, str | device):
        def call(t: Tensor) -> Tensor:
            out = map_location(t, "cpu")
            return t if out is None else out
        return call
    if isinstance(map_location, dict):
        target = map_location.get("cpu", "cpu")
        return _location(target)
    where = device(map_location) if isinstance(map_location, str) else map_location
    if isinstance(where, device) and where.type == "cuda":
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but symgrad.cuda.is_available() "
            "is False. If you are running on a CPU-only machine, please use symgrad.load with "
            "map_location=symgrad.device('cpu') to map your storages to the CPU.")
    check_device(where)
    return lambda t: t


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, index: dict[str, Any], weights_only: bool,
                 pickle_module: Any, place: Callable[[Tensor], Tensor],
                 pickle_load_args: dict[str, Any]) -> None:
        self.archive = archive
        self.index = index
        self.weights_only = weights_only
        self.pickle_module = pickle_module
        self.place = place
        self.pickle_load_args = pickle_load_args
        self.loaded: dict[int, Tensor] = {}

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if not isinstance(node, dict) or len(node) not in (1, 2):
            raise RuntimeError(f"symgrad.load: not a file written by symgrad.save ({node!r:.60})")
        if "pickle" in node:
            return self.unpickle(node)
        ((kind, value),) = node.items()
        if kind == "tensor":
            return self.tensor(int(value))
        if kind in ("dict", "odict"):
            pairs = ((self.decode(k), self.decode(v)) for k, v in value)
            return dict(pairs) if kind == "dict" else OrderedDict(pairs)
        if kind == "list":
            return [self.decode(v) for v in value]
        if kind == "tuple":
            return tuple(self.decode(v) for v in value)
        if kind == "float":
            return float(value)  # "nan", "inf", "-inf"
        if kind == "dtype":
            return _DTYPES[value]
        if kind == "device":
            return device(value)
        raise RuntimeError(f"symgrad.load: not a file written by symgrad.save ({kind!r})")

    def tensor(self, n: int) -> Tensor:
        from symgrad.nn import Parameter

        if n in self.loaded:
            return self.loaded[n]
        meta = self.index["tensors"][n]
        d = _DTYPES[meta["dtype"]]
        data = np.frombuffer(self.archive.read(f"symgrad/data/{n}"), dtype=d.np)
        if self.index.get("byteorder", sys.byteorder) != sys.byteorder:
            data = data.byteswap()
        data = data.reshape(tuple(int(s) for s in meta["shape"])).copy()
        t = Tensor._make(data, False, None)
        if meta["parameter"]:
            t = Parameter(t, requires_grad=bool(meta["requires_grad"]))
        elif meta["requires_grad"]:
            t.requires_grad_(True)
        t = self.place(t)
        self.loaded[n] = t
        return t

    def unpickle(self, node: dict[str, Any]) -> Any:
        if self.weights_only:
            raise pickle.UnpicklingError(_WEIGHTS_ONLY.format(
                what=f"The file holds a pickled object of type {node.get('type')!s:.200}, "
                     "which symgrad.load with weights_only=True does not unpickle."))
        blob = self.archive.read(f"symgrad/pickles/{int(node['pickle'])}")
        return self.pickle_module.load(io.BytesIO(blob), **self.pickle_load_args)


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, **pickle_load_args: Any) -> Any:
    """Read what ``save`` wrote to ``f``.

    With ``weights_only`` (the default, as in PyTorch since 2.6) only tensors, containers,
    numbers, strings, None, dtypes and devices are read, and no code runs: a pickled object
    in the file, or a file that is a pickle, raises ``pickle.UnpicklingError``. With
    ``weights_only=False`` those are unpickled, which can run arbitrary code: only for
    files from a trusted source.

    Args:
        f: A path, or a binary file object open for reading (seekable).
        map_location: Where the tensors go: None or ``"cpu"`` (a ``symgrad.device``, or a dict
            whose ``"cpu"`` entry names it) keeps them on the CPU, another device raises
            PyTorch's error; a callable is called with each tensor and ``"cpu"`` and its
            result used (None: the tensor). Defaults to None.
        pickle_module: The module unpickling, with ``weights_only=False``. Defaults to None:
            ``pickle``.
        weights_only: Refuse pickled objects. Defaults to None: True.
        **pickle_load_args: Passed on to ``pickle_module.load`` (``weights_only=False``).

    >>> import io
    >>> import symgrad
    >>> buffer = io.BytesIO()
    >>> x = symgrad.tensor([1.0, 2.0], dtype=symgrad.bfloat16, requires_grad=True)
    >>> symgrad.save(x, buffer)
    >>> _ = buffer.seek(0)
    >>> symgrad.load(buffer, map_location="cpu")
    tensor([1., 2.], dtype=symgrad.bfloat16, requires_grad=True)
    """
    weights_only = True if weights_only is None else bool(weights_only)
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    pickle_module = pickle if pickle_module is None else pickle_module
    place = _location(map_location)
    source = _opened(f)
    if isinstance(source, str):
        with open(source, "rb") as opened:
            return _load(opened, weights_only, pickle_module, place, pickle_load_args)
    return _load(source, weights_only, pickle_module, place, pickle_load_args)


def _load(file: IO[bytes], weights_only: bool, pickle_module: Any,
          place: Callable[[Tensor], Tensor], pickle_load_args: dict[str, Any]) -> Any:
    start = file.tell()
    if not zipfile.is_zipfile(file):
        file.seek(start)
        if weights_only:
            raise pickle.UnpicklingError(_WEIGHTS_ONLY.format(
                what="The file is not in symgrad's format (a zip archive with an index): "
                     "symgrad.load with weights_only=True does not unpickle it."))
        return pickle_module.load(file, **pickle_load_args)
    file.seek(start)
    with zipfile.ZipFile(file) as archive:
        if _INDEX not in archive.namelist():
            raise RuntimeError("symgrad.load: not a file written by symgrad.save (PyTorch's "
                               "files, and other zip archives, are not read)")
        index = json.loads(archive.read(_INDEX))
        if index.get("format") != _FORMAT:
            raise RuntimeError(f"symgrad.load: format {index.get('format')!r} is not one this "
                               f"symgrad reads ({_FORMAT})")
        reader = _Reader(archive, index, weights_only, pickle_module, place, pickle_load_args)
        return reader.decode(index["object"])
