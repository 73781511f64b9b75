"""``torch.backends.cpu``: the vector instructions PyTorch's CPU kernels were chosen for;
symgrad's arithmetic is NumPy's, whose own dispatch is not reported.

>>> import symgrad
>>> symgrad.backends.cpu.get_cpu_capability()
'DEFAULT'
"""

from __future__ import annotations


def get_cpu_capability() -> str:
    """``"DEFAULT"``: symgrad chooses no kernels by instruction set.

    >>> import symgrad
    >>> symgrad.backends.cpu.get_cpu_capability()
    'DEFAULT'
    """
    return "DEFAULT"
