"""PyTorch's ``torch.utils``: what programs import from it (``symgrad.utils.data``)."""

from symgrad.utils import data

__all__ = ["data"]
