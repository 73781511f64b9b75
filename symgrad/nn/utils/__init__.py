"""PyTorch's ``torch.nn.utils``: gradient clipping (``clip_grad``), a model's parameters as
one vector and back (``convert_parameters``), padding of variable-length sequences
(``rnn``), and weight and spectral normalisation (legacy hooks, and ``parametrizations``)."""

from symgrad.nn.utils import parametrizations, parametrize, rnn
from symgrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from symgrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from symgrad.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm
from symgrad.nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "parametrizations",
           "parametrize", "remove_spectral_norm", "remove_weight_norm", "rnn", "spectral_norm",
           "vector_to_parameters", "weight_norm"]
