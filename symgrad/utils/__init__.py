"""PyTorch's ``torch.utils``: what programs import from it (``symgrad.utils.data``)."""

from symgrad.utils import checkpoint, data

__all__ = ["checkpoint", "data"]
