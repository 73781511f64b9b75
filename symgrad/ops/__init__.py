"""The op catalog. Importing this package declares every op in ``REGISTRY``."""

from symgrad.ops import arithmetic, elementwise, operators, reductions, shape  # noqa: F401
from symgrad.ops import activations  # noqa: F401
from symgrad.ops import indexing  # noqa: F401
from symgrad.ops import inplace  # noqa: F401
from symgrad.ops import linalg  # noqa: F401
from symgrad.ops.registry import FUNCTIONS, REGISTRY, OpDef

__all__ = ["REGISTRY", "FUNCTIONS", "OpDef"]
