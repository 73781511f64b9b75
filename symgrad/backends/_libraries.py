"""The CPU libraries PyTorch asks about (``torch.backends.mkl``, ``mkldnn``, ``openmp``,
``opt_einsum``): symgrad uses none of them."""

from __future__ import annotations


class _Library:
    """A library symgrad does not use: not available, and its ``enabled`` flag kept as set."""

    def __init__(self, name: str) -> None:
        """Args:
            name: Its name in ``torch.backends``.
        """
        self.__name__ = f"symgrad.backends.{name}"
        self.enabled = False

    def is_available(self) -> bool:
        """False: symgrad does not run on this library.

        >>> import symgrad
        >>> symgrad.backends.mkl.is_available()
        False
        """
        return False


mkl = _Library("mkl")
mkldnn = _Library("mkldnn")
openmp = _Library("openmp")
opt_einsum = _Library("opt_einsum")
