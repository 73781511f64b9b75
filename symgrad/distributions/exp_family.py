"""``ExponentialFamily``, where PyTorch keeps it (``torch.distributions.exp_family``).

>>> from symgrad.distributions.exp_family import ExponentialFamily
>>> ExponentialFamily.__name__
'ExponentialFamily'
"""

from symgrad.distributions.distribution import ExponentialFamily

__all__ = ["ExponentialFamily"]
