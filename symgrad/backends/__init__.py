"""``torch.backends``: the questions programs ask of the libraries PyTorch can run on, answered
for symgrad, which runs on NumPy alone (no cuDNN, CUDA, MPS, oneDNN or MKL of its own), and the
flags they set, kept and reported back (none changes what symgrad computes).

>>> import symgrad
>>> symgrad.backends.mps.is_available(), symgrad.backends.cudnn.is_available()
(False, False)
>>> symgrad.backends.cudnn.benchmark = True  # a training script's usual line: accepted
"""

from __future__ import annotations

from symgrad.backends import cpu, cuda, cudnn, mps
from symgrad.backends._libraries import mkl, mkldnn, openmp, opt_einsum

__all__ = ["cpu", "cuda", "cudnn", "mps", "mkl", "mkldnn", "openmp", "opt_einsum"]
