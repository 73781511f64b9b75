"""PyTorch's ``torch.nn.utils``: gradient clipping (``clip_grad``), a model's parameters as
one vector and back (``convert_parameters``), and padding of variable-length sequences
(``rnn``)."""

from symgrad.nn.utils import parametrizations, parametrize, rnn
from symgrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from symgrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from symgrad.nn.utils.weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "parametrizations",
           "parametrize", "remove_weight_norm", "rnn", "vector_to_parameters", "weight_norm"]
