"""``device``: where a tensor lives. symgrad computes with NumPy, so the only device is the CPU.

Programs written for PyTorch name devices everywhere (``device=``, ``.to(device)``,
``torch.device("cuda" if torch.cuda.is_available() else "cpu")``); they run unchanged. Asking
for another device raises the error a CPU-only PyTorch raises, rather than computing on the CPU
anyway and hiding the mistake.

>>> import symgrad
>>> dev = symgrad.device("cuda" if symgrad.cuda.is_available() else "cpu")
>>> dev, symgrad.ones(2, device=dev).device == dev
(device(type='cpu'), True)
"""

from __future__ import annotations

from typing import Any

__all__ = ["device", "check_device", "set_default_device", "get_default_device"]

# PyTorch's device types, in the order its parse error lists them.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:  # noqa: N801 - PyTorch's name
    """A device type and optional index: ``device("cpu")``, ``device("cuda", 0)``, ``"cuda:1"``.

    Parameters:
        type (str | device): a device type (``"cpu"``, ``"cuda"``, ...), optionally with
            ``":index"``; or a device, copied.
        index (int | None): the device's ordinal, when ``type`` has none.

    Making a device of another type works, as in PyTorch; putting a tensor there raises.

    >>> import symgrad
    >>> symgrad.device("cpu"), str(symgrad.device("cuda", 1)), symgrad.device("cuda:0").index
    (device(type='cpu'), 'cuda:1', 0)
    >>> symgrad.device("gpu")
    Traceback (most recent call last):
    ...
    RuntimeError: Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, \
fpga, maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device \
string: gpu
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index  # noqa: A001
        name, _, number = str(type).partition(":")
        if name not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                               f"device string: {type}")
        if number:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")
_default = CPU


def check_device(where: Any) -> device:
    """The device a tensor is asked to live on (the default for None), or PyTorch's error.

    Parameters:
        where: a device, a device string, or None for the default device.

    >>> check_device("cpu:0"), check_device(None)
    (device(type='cpu', index=0), device(type='cpu'))
    >>> check_device("cuda")
    Traceback (most recent call last):
    ...
    AssertionError: Torch not compiled with CUDA enabled
    >>> check_device("mps")
    Traceback (most recent call last):
    ...
    RuntimeError: PyTorch is not linked with support for mps devices
    """
    if where is None and _default is CPU:  # the common call: every creation function's
        return CPU
    dev = _default if where is None else device(where)
    if dev.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if dev.type != "cpu":
        raise RuntimeError(f"PyTorch is not linked with support for {dev.type} devices")
    return dev


def set_default_device(where: Any) -> None:
    """Set the device that creation functions use when given none (only the CPU works).

    Parameters:
        where: a device or device string; None restores the CPU.

    As in PyTorch, naming an unavailable device is accepted here and raises when a tensor is
    made there.

    >>> import symgrad
    >>> symgrad.set_default_device("cpu"); symgrad.get_default_device()
    device(type='cpu')
    """
    global _default
    _default = CPU if where is None else device(where)


def get_default_device() -> device:
    """The device creation functions use when given none.

    >>> import symgrad
    >>> symgrad.get_default_device()
    device(type='cpu')
    """
    return _default
