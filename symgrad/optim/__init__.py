"""Optimizers and learning-rate schedules, as in ``torch.optim``.

>>> import symgrad
>>> w = symgrad.nn.Parameter(symgrad.tensor([1.0]))
>>> opt = symgrad.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step(); w
Parameter containing:
tensor([0.8000], requires_grad=True)
"""

from symgrad.optim import lr_scheduler
from symgrad.optim.optimizer import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

# More optimizers (optimizer_more.py)
from symgrad.optim.optimizer_more import ASGD, LBFGS, Adadelta, Adamax, NAdam, RAdam, Rprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler",
           "Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD", "LBFGS"]
