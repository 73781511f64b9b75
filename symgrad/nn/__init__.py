"""Neural-network building blocks with PyTorch's API: ``functional``, modules, ``Parameter``.

>>> import symgrad
>>> net = symgrad.nn.Sequential(symgrad.nn.Linear(3, 4), symgrad.nn.ReLU(), symgrad.nn.Linear(4, 1))
>>> [tuple(p.shape) for p in net.parameters()]
[(4, 3), (4,), (1, 4), (1,)]
"""

from symgrad.nn import functional, init, utils
from symgrad.nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from symgrad.nn.conv import Conv1d, Conv2d
from symgrad.nn.layers import Dropout, Embedding, Flatten, Identity, LayerNorm, Unflatten
from symgrad.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from symgrad.nn.modules import Linear, Module, ModuleDict, ModuleList, Sequential
from symgrad.nn.parameter import Parameter

__all__ = ["functional", "init", "utils", "Module", "Parameter", "Linear", "Sequential",
           "ModuleList", "ModuleDict", "ReLU", "LeakyReLU", "ELU", "Tanh", "Sigmoid", "GELU",
           "SiLU", "Softmax", "LogSoftmax", "Identity", "Flatten", "Unflatten", "Dropout",
           "Embedding", "LayerNorm", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
           "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
           # convolutions
           "Conv1d", "Conv2d"]
