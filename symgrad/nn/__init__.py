"""Neural-network building blocks with PyTorch's API: ``functional``, modules, ``Parameter``.

>>> import symgrad
>>> net = symgrad.nn.Sequential(symgrad.nn.Linear(3, 4), symgrad.nn.ReLU(), symgrad.nn.Linear(4, 1))
>>> [tuple(p.shape) for p in net.parameters()]
[(4, 3), (4,), (1, 4), (1,)]
"""

from symgrad.nn import functional, init
from symgrad.nn.modules import Linear, Module, ReLU, Sequential, Sigmoid, Tanh
from symgrad.nn.parameter import Parameter

__all__ = ["functional", "init", "Module", "Parameter", "Linear", "Sequential", "ReLU", "Tanh",
           "Sigmoid"]
