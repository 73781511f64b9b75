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
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from symgrad.nn.activation_more import (
    CELU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    LogSigmoid,
    Mish,
    Softmin,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)

# attention (symgrad/nn/attention.py)
from symgrad.nn.attention import MultiheadAttention
from symgrad.nn.batchnorm import BatchNorm1d, BatchNorm2d
from symgrad.nn.conv import Conv1d, Conv2d
from symgrad.nn.distance import CosineSimilarity, PairwiseDistance
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
from symgrad.nn.loss_more import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    KLDivLoss,
    MarginRankingLoss,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from symgrad.nn.modules import Linear, Module, ModuleDict, ModuleList, Sequential
from symgrad.nn.normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d, RMSNorm
from symgrad.nn.padding import (
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from symgrad.nn.parameter import (
    Buffer,
    Parameter,
    UninitializedBuffer,
    UninitializedParameter,
)
from symgrad.nn.parameter_containers import ParameterDict, ParameterList
from symgrad.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)

# recurrent layers (symgrad/nn/recurrent.py)
from symgrad.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase

# transformer encoder (symgrad/nn/transformer.py)
from symgrad.nn.transformer import TransformerEncoder, TransformerEncoderLayer

# transformer decoder and encoder-decoder (symgrad/nn/transformer_decoder.py)
from symgrad.nn.transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer

# gates, InstanceNorm3d, pixel shuffles, resampling
# isort: off
from symgrad.nn.gates import GLU, PReLU
from symgrad.nn.normalization_more import InstanceNorm3d
from symgrad.nn.pixel_shuffle import PixelShuffle, PixelUnshuffle
from symgrad.nn.resampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

# more convolutions: Conv3d, ConvTranspose1d/2d/3d (symgrad/nn/conv_more.py), BatchNorm3d,
# MaxPool3d, AvgPool3d, AdaptiveAvgPool3d (symgrad/nn/pooling3d.py), Unfold, Fold
from symgrad.nn.batchnorm3d import BatchNorm3d
from symgrad.nn.pooling3d import AdaptiveAvgPool3d, AvgPool3d, MaxPool3d
from symgrad.nn.fold import Fold, Unfold
from symgrad.nn.conv_more import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
# isort: on

# reflection, replication and circular pads, dropouts, RReLU, Softmax2d, ChannelShuffle
# (helper misc)
# isort: off
from symgrad.nn.dropout_more import (
    AlphaDropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from symgrad.nn.layers_more import Bilinear, ChannelShuffle, LocalResponseNorm, RReLU, Softmax2d
from symgrad.nn.layers_bag import EmbeddingBag
from symgrad.nn.loss_margin import MultiLabelMarginLoss, MultiMarginLoss
from symgrad.nn.loss_misc import MultiLabelSoftMarginLoss, TripletMarginWithDistanceLoss
from symgrad.nn.pooling_more import (
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    LPPool1d,
    LPPool2d,
    MaxUnpool1d,
    MaxUnpool2d,
)
from symgrad.nn.padding_more import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
)
# isort: on

# lazy modules (symgrad/nn/lazy.py), also where PyTorch has them: nn.modules.lazy
# isort: off
from symgrad.nn import lazy, modules
from symgrad.nn.lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
)

modules.lazy = lazy  # type: ignore[attr-defined]
# isort: on

__all__ = ["functional", "init", "utils", "Module", "Parameter", "Linear", "Sequential",
           "ModuleList", "ModuleDict", "ReLU", "LeakyReLU", "ELU", "Hardtanh", "ReLU6",
           "Softplus", "Tanh", "Sigmoid", "GELU", "SiLU", "Softmax", "LogSoftmax", "Identity",
           "Flatten", "Unflatten", "Dropout", "Embedding", "LayerNorm", "BatchNorm1d",
           "BatchNorm2d", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
           "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "ConstantPad1d",
           "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ParameterList", "ParameterDict",
           # pooling
           "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d",
           # convolutions
           "Conv1d", "Conv2d",
           # attention
           "MultiheadAttention",
           # recurrent layers
           "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU",
           # transformer encoder
           "TransformerEncoderLayer", "TransformerEncoder",
           # transformer decoder and encoder-decoder
           "TransformerDecoderLayer", "TransformerDecoder", "Transformer",
           # normalisations and distances
           "GroupNorm", "RMSNorm", "InstanceNorm1d", "InstanceNorm2d", "CosineSimilarity",
           "PairwiseDistance",
           # more activations
           "Softshrink", "Hardshrink", "Softsign", "Tanhshrink", "Softmin", "LogSigmoid", "Mish",
           "SELU", "CELU", "Hardsigmoid", "Hardswish", "Threshold",
           # more losses
           "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MarginRankingLoss",
           "HingeEmbeddingLoss", "SoftMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
           # gates, InstanceNorm3d, pixel shuffles, resampling
           "PReLU", "GLU", "InstanceNorm3d", "PixelShuffle", "PixelUnshuffle", "Upsample",
           "UpsamplingNearest2d", "UpsamplingBilinear2d",
           # more convolutions
           "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "BatchNorm3d",
           "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "Unfold", "Fold",
           # reflection, replication and circular pads, dropouts, RReLU, Softmax2d,
           # ChannelShuffle (helper misc)
           "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
           "RReLU", "Softmax2d", "ChannelShuffle", "LocalResponseNorm", "Bilinear", "LPPool1d",
           "LPPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "MultiLabelSoftMarginLoss",
           "TripletMarginWithDistanceLoss", "MaxUnpool1d", "MaxUnpool2d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
           "CircularPad3d",
           # multi-class margin losses and embedding bags (helper loss)
           "MultiMarginLoss", "MultiLabelMarginLoss", "EmbeddingBag",
           # buffers, and lazy modules with their uninitialised parameters and buffers
           "Buffer", "UninitializedParameter", "UninitializedBuffer", "LazyLinear",
           "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]
