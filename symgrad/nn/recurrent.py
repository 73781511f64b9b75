"""Recurrent layers as in ``torch.nn``: the cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``, and
the multi-layer, optionally bidirectional ``RNN``, ``LSTM`` and ``GRU``.

A cell is composed of symgrad's recorded ops (``linear``, ``sigmoid``, ``tanh``, ``chunk``), in
the order PyTorch's CPU kernels compute a step (``linear(h, w_hh, b_hh) + linear(x, w_ih,
b_ih)``), so gradients of any order come from autograd. A sequence layer projects every step's
input at once (one ``linear``, as PyTorch's CPU layers do), then runs the recurrence of each
layer and direction as one node (``symgrad/nn/_recurrent_fused.py``): forward and backward
through time on NumPy arrays, with the cells' expressions, so values and first-order gradients
are the composed cells' bit for bit (NaN payloads and the signs of zeros aside); a recorded
backward (``create_graph=True``) differentiates the composed cells. The parameters have
PyTorch's names, shapes and registration order, and are drawn as PyTorch draws them (each
uniform in ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` in registration order), so a seed
gives PyTorch's layer element for element. PyTorch's fused kernels (oneDNN for float32 LSTMs) round
differently from a composition, so outputs agree with PyTorch's to rounding, not bit for bit.

The sequence layers also take a ``PackedSequence`` (``symgrad.nn.utils.rnn``) and give one,
with each sequence's final states taken at its own last step, as PyTorch's do.

>>> import symgrad
>>> _ = symgrad.manual_seed(0)
>>> lstm = symgrad.nn.LSTM(3, 4, num_layers=2, batch_first=True)
>>> out, (h, c) = lstm(symgrad.randn(2, 5, 3))
>>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
((2, 5, 4), (2, 2, 4), (2, 2, 4))
>>> packed = symgrad.nn.utils.rnn.pack_sequence([symgrad.randn(4, 3), symgrad.randn(2, 3)])
>>> out, (h, c) = lstm(packed)
>>> tuple(out.data.shape), out.batch_sizes, tuple(h.shape)
((6, 4), tensor([2, 2, 1, 1]), (2, 2, 4))
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import symgrad
from symgrad.creation import empty
from symgrad.nn import _recurrent_fused, _recurrent_proj, init
from symgrad.nn import functional as F
from symgrad.nn.modules import Module
from symgrad.nn.parameter import Parameter
from symgrad.nn.utils.rnn import PackedSequence
from symgrad.tensor import Tensor

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU"]


# -- one step of each cell, as PyTorch's CPU cells compute it (aten/src/ATen/native/RNN.cpp) -----
def _tanh_step(x_proj: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    return symgrad.tanh(F.linear(h, w_hh, b_hh) + x_proj)


def _relu_step(x_proj: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    return symgrad.relu(F.linear(h, w_hh, b_hh) + x_proj)


def _lstm_step(x_proj: Tensor, hc: tuple[Tensor, Tensor], w_hh: Tensor, b_hh: Tensor | None
               ) -> tuple[Tensor, Tensor]:
    h, c = hc
    i, f, g, o = (F.linear(h, w_hh, b_hh) + x_proj).chunk(4, 1)
    c = symgrad.sigmoid(f) * c + symgrad.sigmoid(i) * symgrad.tanh(g)
    return symgrad.sigmoid(o) * symgrad.tanh(c), c


def _gru_step(x_proj: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    x_r, x_z, x_n = x_proj.chunk(3, 1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
    reset = symgrad.sigmoid(h_r + x_r)
    update = symgrad.sigmoid(h_z + x_z)
    new = symgrad.tanh(x_n + h_n * reset)
    # PyTorch's form of (1 - z) * n + z * h.
    return (h - new) * update + new


_STEPS = {"RNN_TANH": _tanh_step, "RNN_RELU": _relu_step, "LSTM": _lstm_step, "GRU": _gru_step}


def _check_cell_input(input: Tensor, input_size: int) -> None:
    if input.shape[1] != input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected "
                           f"{input_size}")


def _check_cell_hidden(input: Tensor, hx: Tensor, hidden_size: int, label: int) -> None:
    if input.shape[0] != hx.shape[0]:
        raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{label} batch "
                           f"size {hx.shape[0]}")
    if hx.shape[1] != hidden_size:
        raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got {hx.shape[1]}, "
                           f"expected {hidden_size}")


class RNNCellBase(Module):
    """What the three cells share: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` of
    ``num_chunks * hidden_size`` rows, drawn uniformly in ``[-1/sqrt(hidden_size),
    1/sqrt(hidden_size))`` in that order, as PyTorch draws them.

    Args:
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden state.
        bias: Whether the cell has ``bias_ih`` and ``bias_hh``.
        num_chunks: The number of gates stacked in the weights (1, 4 or 3).
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> [(n, tuple(p.shape)) for n, p in symgrad.nn.GRUCell(2, 3).named_parameters()]
    [('weight_ih', (9, 2)), ('weight_hh', (9, 3)), ('bias_ih', (9,)), ('bias_hh', (9,))]
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(empty((rows, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((rows, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(rows, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(rows, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        """The sizes, and the options that differ from the defaults, as PyTorch prints them.

        >>> import symgrad
        >>> symgrad.nn.RNNCell(3, 4, bias=False, nonlinearity="relu").extra_repr()
        '3, 4, bias=False, nonlinearity=relu'
        """
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Draw every parameter afresh, uniformly in ``[-1/sqrt(hidden_size),
        1/sqrt(hidden_size))``, in registration order, as the constructor does.

        >>> import symgrad
        >>> cell = symgrad.nn.RNNCell(2, 4)
        >>> _ = symgrad.manual_seed(1); cell.reset_parameters(); w = cell.weight_ih.tolist()
        >>> _ = symgrad.manual_seed(1); w == symgrad.nn.RNNCell(2, 4).weight_ih.tolist()
        True
        """
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batched(self, name: str, input: Tensor, hx: Tensor | None) -> tuple[Tensor, bool]:
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if hx is not None and hx.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.ndim}D instead")
        return (input, True) if input.ndim == 2 else (input.unsqueeze(0), False)

    def _zeros(self, input: Tensor) -> Tensor:
        return symgrad.zeros(input.shape[0], self.hidden_size, dtype=input.dtype)

    def _project(self, input: Tensor) -> Tensor:
        _check_cell_input(input, self.input_size)
        return F.linear(input, self.weight_ih, self.bias_ih)


class RNNCell(RNNCellBase):
    """An Elman cell: ``h' = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)`` (or ``relu``).

    Args:
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden state.
        bias: Whether to add ``bias_ih`` and ``bias_hh``. Defaults to True.
        nonlinearity: ``"tanh"`` or ``"relu"``. Defaults to ``"tanh"``.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> cell = symgrad.nn.RNNCell(3, 2)
    >>> h = cell(symgrad.ones(4, 3))
    >>> tuple(cell(symgrad.ones(4, 3), h).shape), tuple(cell(symgrad.ones(3)).shape)
    ((4, 2), (2,))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state.

        Args:
            input: ``(batch, input_size)`` or unbatched ``(input_size,)``.
            hx: The hidden state, shaped as the output. Defaults to None: zeros.

        >>> import symgrad
        >>> cell = symgrad.nn.RNNCell(1, 1, bias=False)
        >>> with symgrad.no_grad():
        ...     _ = cell.weight_ih.fill_(1.0); _ = cell.weight_hh.fill_(0.0)
        >>> cell(symgrad.tensor([0.0]))
        tensor([0.], grad_fn=<SqueezeBackward1>)
        """
        input, batched = self._batched("RNNCell", input, hx)
        hx = self._zeros(input) if hx is None else hx if batched else hx.unsqueeze(0)
        if self.nonlinearity == "tanh":
            step = _tanh_step
        elif self.nonlinearity == "relu":
            step = _relu_step
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        x_proj = self._project(input)
        _check_cell_hidden(input, hx, self.hidden_size, 0)
        out = step(x_proj, hx, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """A long short-term memory cell: gates ``i, f, g, o`` from ``x`` and ``h``, then
    ``c' = f * c + i * g`` and ``h' = o * tanh(c')``.

    Args:
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden and cell states.
        bias: Whether to add ``bias_ih`` and ``bias_hh``. Defaults to True.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> cell = symgrad.nn.LSTMCell(3, 2)
    >>> h, c = cell(symgrad.ones(4, 3))
    >>> h, c = cell(symgrad.ones(4, 3), (h, c))
    >>> tuple(h.shape), tuple(c.shape)
    ((4, 2), (4, 2))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        """The next hidden and cell states ``(h', c')``.

        Args:
            input: ``(batch, input_size)`` or unbatched ``(input_size,)``.
            hx: ``(h, c)``, each shaped as the outputs. Defaults to None: zeros.

        >>> import symgrad
        >>> h, c = symgrad.nn.LSTMCell(2, 3)(symgrad.ones(2))
        >>> tuple(h.shape), tuple(c.shape)
        ((3,), (3,))
        """
        if input.ndim not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.ndim}D "
                             "instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.ndim not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got "
                                     f"{value.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = self._zeros(input)
            hx = (zeros, zeros)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        x_proj = self._project(input)
        _check_cell_hidden(input, hx[0], self.hidden_size, 0)
        _check_cell_hidden(input, hx[1], self.hidden_size, 1)
        h, c = _lstm_step(x_proj, (hx[0], hx[1]), self.weight_hh, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """A gated recurrent unit: reset and update gates ``r, z`` and the candidate
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, then ``h' = (1 - z) * n + z * h``.

    Args:
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden state.
        bias: Whether to add ``bias_ih`` and ``bias_hh``. Defaults to True.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> cell = symgrad.nn.GRUCell(3, 2)
    >>> tuple(cell(symgrad.ones(4, 3), cell(symgrad.ones(4, 3))).shape)
    (4, 2)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state.

        Args:
            input: ``(batch, input_size)`` or unbatched ``(input_size,)``.
            hx: The hidden state, shaped as the output. Defaults to None: zeros.

        >>> import symgrad
        >>> tuple(symgrad.nn.GRUCell(2, 3)(symgrad.ones(2)).shape)
        (3,)
        """
        input, batched = self._batched("GRUCell", input, hx)
        hx = self._zeros(input) if hx is None else hx if batched else hx.unsqueeze(0)
        x_proj = self._project(input)
        _check_cell_hidden(input, hx, self.hidden_size, 0)
        out = _gru_step(x_proj, hx, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)


# -- the multi-layer modules ----------------------------------------------------------------------
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: PyTorch's arguments and checks, the parameters
    ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` (and
    ``..._reverse`` for the second direction) registered layer by layer, direction by
    direction, and the run over the layers, with dropout on every layer's output but the last's
    in training (masks drawn from the random stream as PyTorch draws them, on the time-major
    output).

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden state.
        num_layers: The number of stacked layers. Defaults to 1.
        bias: Whether the layers have biases. Defaults to True.
        batch_first: Inputs and outputs are ``(batch, seq, feature)``, not
            ``(seq, batch, feature)`` (the hidden states stay ``(layers, batch, hidden)``).
            Defaults to False.
        dropout: The probability of dropping an element of every layer's output but the last's
            in training. Defaults to 0.
        bidirectional: Run every layer forwards and backwards and concatenate the two outputs.
            Defaults to False.
        proj_size: An LSTM's projections: if positive, each step's hidden state is
            ``weight_hr_l{k} @ (o * tanh(c))``, of this size (below ``hidden_size``).
            Defaults to 0 (none).
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> gru = symgrad.nn.GRU(2, 3, bidirectional=True)
    >>> [name for name, _ in gru.named_parameters()][4:6]
    ['weight_ih_l0_reverse', 'weight_hh_l0_reverse']
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: "
                                f"{type(value).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        # With projections (an LSTM's proj_size), h has proj_size elements, c hidden_size.
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:  # last, as PyTorch's _flat_weights_names (and its draws)
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(name)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in order, as lists.

        >>> import symgrad
        >>> [[tuple(p.shape) for p in ps] for ps in symgrad.nn.RNN(2, 3, bias=False).all_weights]
        [[(3, 2), (3, 3)]]
        """
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def reset_parameters(self) -> None:
        """Draw every parameter afresh, uniformly in ``[-1/sqrt(hidden_size),
        1/sqrt(hidden_size))``, in registration order, as the constructor does.

        >>> import symgrad
        >>> rnn = symgrad.nn.RNN(2, 4)
        >>> _ = symgrad.manual_seed(1); rnn.reset_parameters(); w = rnn.weight_hh_l0.tolist()
        >>> _ = symgrad.manual_seed(1); w == symgrad.nn.RNN(2, 4).weight_hh_l0.tolist()
        True
        """
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """Nothing to do: the parameters are used as they are (PyTorch compacts them for cuDNN).

        >>> import symgrad
        >>> symgrad.nn.LSTM(2, 3).flatten_parameters()
        """

    def extra_repr(self) -> str:
        """The sizes, and the options that differ from the defaults, as PyTorch prints them.

        >>> import symgrad
        >>> symgrad.nn.LSTM(3, 4, 2, batch_first=True, dropout=0.5).extra_repr()
        '3, 4, num_layers=2, batch_first=True, dropout=0.5'
        """
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- checks, as PyTorch's RNNBase makes them ------------------------------------------------
    def _check_input(self, input: Tensor, dims: int = 3) -> None:
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), or "
                             f"convert model: model.to({input.dtype})")
        if input.ndim != dims:
            raise RuntimeError(f"input must have {dims} dimensions, got {input.ndim}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _expected_hidden(self, input: Tensor, cell: bool = False) -> tuple[int, int, int]:
        """The shape of ``h_0`` (of ``c_0`` with ``cell``): ``proj_size`` wide when set."""
        batch = input.shape[0] if self.batch_first else input.shape[1]
        size = self.proj_size if self.proj_size > 0 and not cell else self.hidden_size
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    @staticmethod
    def _check_hidden(hx: Tensor, expected: tuple[int, int, int],
                      msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _batched_input(self, input: Tensor, name: str) -> tuple[Tensor, bool]:
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D "
                             f"{'tensor ' if name == 'RNN' else ''}instead")
        if input.ndim == 3:
            return input, True
        return input.unsqueeze(0 if self.batch_first else 1), False

    def _zeros(self, input: Tensor, cell: bool = False) -> Tensor:
        return symgrad.zeros(self._expected_hidden(input, cell), dtype=input.dtype)

    # -- the computation --------------------------------------------------------------------------
    def _run(self, input: Tensor, hx: Any, batch_sizes: tuple[int, ...] | None = None
             ) -> tuple[Tensor, list[Any]]:
        """All layers over the batched ``input`` (a packed sequence's data with
        ``batch_sizes``); ``hx`` is one state per layer and direction (an ``(h, c)`` pair for
        an LSTM). Returns the output and the final states."""
        packed = batch_sizes is not None
        x = input.transpose(0, 1) if self.batch_first and not packed else input
        directions = 2 if self.bidirectional else 1
        finals: list[Any] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                names = self._all_weights[layer * directions + direction]
                w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
                b_ih = getattr(self, names[2]) if self.bias else None
                b_hh = getattr(self, names[3]) if self.bias else None
                state = hx[layer * directions + direction]
                if self.proj_size > 0:
                    w_hr = getattr(self, names[-1])
                    out, state = (
                        _recurrent_proj.packed_layer(x, w_ih, w_hh, b_ih, b_hh, w_hr, state,
                                                     batch_sizes, direction == 1) if packed
                        else _recurrent_proj.layer(x, w_ih, w_hh, b_ih, b_hh, w_hr, state,
                                                   direction == 1))
                elif packed:
                    out, state = _recurrent_fused.packed_layer(
                        self.mode, x, w_ih, w_hh, b_ih, b_hh, state, batch_sizes, direction == 1)
                else:
                    out, state = _recurrent_fused.layer(self.mode, x, w_ih, w_hh, b_ih, b_hh,
                                                        state, direction == 1)
                outputs.append(out)
                finals.append(state)
            x = outputs[0] if directions == 1 else symgrad.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return (x.transpose(0, 1) if self.batch_first and not packed else x), finals

    def _packed_forward(self, input: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """``forward`` of a packed batch, as PyTorch's: ``hx`` given in the original batch
        order (sorted here as the batch was), each sequence's final states (at its last step
        in the forward direction, its first in the reverse) in that order again."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        sizes = tuple(batch_sizes.tolist())
        lstm = self.mode == "LSTM"
        layers = self.num_layers * (2 if self.bidirectional else 1)
        expected = [(layers, sizes[0], self.proj_size or self.hidden_size),
                    (layers, sizes[0], self.hidden_size)][:2 if lstm else 1]
        if hx is None:
            hx = tuple(symgrad.zeros(shape, dtype=data.dtype) for shape in expected)
        else:
            hx = _permute(hx if lstm else (hx,), sorted_indices)
        self._check_input(data, dims=2)
        for k, (state, shape) in enumerate(zip(hx, expected, strict=False)):
            self._check_hidden(state, shape, f"Expected hidden[{k}] size {{}}, got {{}}"
                               if lstm else "Expected hidden size {}, got {}")
        states = list(zip(*(state.unbind(0) for state in hx), strict=True))
        output, finals = self._run(data, [s if lstm else s[0] for s in states], sizes)
        finals = [f if lstm else (f,) for f in finals]
        hidden = _permute(tuple(symgrad.stack(list(f), 0) for f in zip(*finals, strict=True)),
                          unsorted_indices)
        return (PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices),
                hidden if lstm else hidden[0])

    def _one_state_forward(self, input: Tensor | PackedSequence, hx: Tensor | None, name: str
                           ) -> tuple[Any, Tensor]:
        """``forward`` of a layer with one state (RNN, GRU): PyTorch's checks of ``input`` and
        ``hx`` (unbatched inputs given a batch of one), the layers run, the output and the
        stacked final states."""
        if isinstance(input, PackedSequence):
            return self._packed_forward(input, hx)
        input, batched = self._batched_input(input, name)
        if not batched and hx is not None:
            if hx.ndim != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                   f"{hx.ndim}-D tensor")
            hx = hx.unsqueeze(1)
        elif batched and hx is not None and hx.ndim != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.ndim}-D tensor")
        if hx is None:
            hx = self._zeros(input)
        self._check_input(input)
        self._check_hidden(hx, self._expected_hidden(input))
        output, finals = self._run(input, hx.unbind(0))
        hidden = symgrad.stack(finals, 0)
        if not batched:
            return output.squeeze(0 if self.batch_first else 1), hidden.squeeze(1)
        return output, hidden


def _permute(states: tuple[Tensor, ...], permutation: Tensor | None) -> tuple[Tensor, ...]:
    # The batch dim of (layers * directions, batch, hidden) states, as PyTorch's permute_hidden.
    if permutation is None:
        return states
    return tuple(state.index_select(1, permutation) for state in states)


def _refuse_proj_size(kwargs: dict[str, Any]) -> None:
    # PyTorch's RNN and GRU take any keyword their base takes, but refuse proj_size.
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNN(RNNBase):
    """A multi-layer Elman RNN: ``h_t = tanh(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)``
    (or ``relu``) in every layer, over a whole sequence.

    Args:
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden state.
        num_layers: The number of stacked layers. Defaults to 1.
        nonlinearity: ``"tanh"`` or ``"relu"``. Defaults to ``"tanh"``.
        bias: Whether the layers have biases. Defaults to True.
        batch_first: Inputs and outputs are ``(batch, seq, feature)``. Defaults to False.
        dropout: Dropout on every layer's output but the last's, in training. Defaults to 0.
        bidirectional: Run every layer both ways. Defaults to False.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.
        **kwargs: Refused: ``proj_size`` with PyTorch's ValueError, others with a TypeError.

    >>> import symgrad
    >>> rnn = symgrad.nn.RNN(3, 4, 2, nonlinearity="relu")
    >>> rnn
    RNN(3, 4, num_layers=2)
    >>> out, h = rnn(symgrad.ones(5, 2, 3))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 2, 4), (2, 2, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        _refuse_proj_size(kwargs)
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None
                ) -> tuple[Any, Tensor]:
        """The last layer's output at every step, and every layer's final hidden state.

        Args:
            input: ``(seq, batch, input_size)`` (``(batch, seq, input_size)`` with
                ``batch_first``) or unbatched ``(seq, input_size)``; or a ``PackedSequence``,
                and the output is one too (the final states are then each sequence's own,
                in the original batch order).
            hx: ``(num_layers * directions, batch, hidden_size)`` (unbatched: without the
                batch dim). Defaults to None: zeros.

        >>> import symgrad
        >>> out, h = symgrad.nn.RNN(2, 3)(symgrad.ones(4, 2))
        >>> tuple(out.shape), tuple(h.shape)
        ((4, 3), (1, 3))
        """
        return self._one_state_forward(input, hx, "RNN")


class LSTM(RNNBase):
    """A multi-layer long short-term memory network over a whole sequence (see ``LSTMCell``
    for one step).

    Args:
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden and cell states.
        num_layers: The number of stacked layers. Defaults to 1.
        bias: Whether the layers have biases. Defaults to True.
        batch_first: Inputs and outputs are ``(batch, seq, feature)``. Defaults to False.
        dropout: Dropout on every layer's output but the last's, in training. Defaults to 0.
        bidirectional: Run every layer both ways. Defaults to False.
        proj_size: If positive, projections: ``h`` (the output, ``h_0`` and ``h_n``) has
            this size, ``weight_hr_l{k}`` mapping ``o * tanh(c)`` to it. Defaults to 0.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.

    >>> import symgrad
    >>> lstm = symgrad.nn.LSTM(3, 4, bidirectional=True)
    >>> out, (h, c) = lstm(symgrad.ones(5, 2, 3))
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((5, 2, 8), (2, 2, 4), (2, 2, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Any, tuple[Tensor, Tensor]]:
        """The last layer's output at every step, and every layer's final ``(h, c)``.

        Args:
            input: ``(seq, batch, input_size)`` (``(batch, seq, input_size)`` with
                ``batch_first``) or unbatched ``(seq, input_size)``; or a ``PackedSequence``,
                and the output is one too (the final states are then each sequence's own,
                in the original batch order).
            hx: ``(h_0, c_0)``, each ``(num_layers * directions, batch, hidden_size)``
                (unbatched: without the batch dim). Defaults to None: zeros.

        >>> import symgrad
        >>> out, (h, c) = symgrad.nn.LSTM(2, 3)(symgrad.ones(4, 2))
        >>> tuple(out.shape), tuple(h.shape)
        ((4, 3), (1, 3))
        """
        if isinstance(input, PackedSequence):
            return self._packed_forward(input, hx)
        input, batched = self._batched_input(input, "LSTM")
        expected = self._expected_hidden(input)
        if hx is None:
            hx = (self._zeros(input), self._zeros(input, cell=True))
        else:
            h0, c0 = hx
            if batched and (h0.ndim != 3 or c0.ndim != 3):
                raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({h0.ndim}-D, {c0.ndim}-D) tensors")
            if not batched:
                if h0.ndim != 2 or c0.ndim != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D "
                                       f"but got ({h0.ndim}-D, {c0.ndim}-D) tensors")
                hx = (h0.unsqueeze(1), c0.unsqueeze(1))
        self._check_input(input)
        self._check_hidden(hx[0], expected, "Expected hidden[0] size {}, got {}")
        self._check_hidden(hx[1], self._expected_hidden(input, cell=True),
                           "Expected hidden[1] size {}, got {}")
        output, finals = self._run(input, list(zip(hx[0].unbind(0), hx[1].unbind(0),
                                                   strict=True)))
        h = symgrad.stack([f[0] for f in finals], 0)
        c = symgrad.stack([f[1] for f in finals], 0)
        if not batched:
            return output.squeeze(0 if self.batch_first else 1), (h.squeeze(1), c.squeeze(1))
        return output, (h, c)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit network over a whole sequence (see ``GRUCell`` for
    one step).

    Args:
        input_size: The size of each input's last dimension.
        hidden_size: The size of the hidden state.
        num_layers: The number of stacked layers. Defaults to 1.
        bias: Whether the layers have biases. Defaults to True.
        batch_first: Inputs and outputs are ``(batch, seq, feature)``. Defaults to False.
        dropout: Dropout on every layer's output but the last's, in training. Defaults to 0.
        bidirectional: Run every layer both ways. Defaults to False.
        device: Only the CPU (``"cpu"``, a device, or None).
        dtype: The parameters' dtype. Defaults to None: the default dtype.
        **kwargs: Refused: ``proj_size`` with PyTorch's ValueError, others with a TypeError.

    >>> import symgrad
    >>> out, h = symgrad.nn.GRU(3, 4, batch_first=True)(symgrad.ones(2, 5, 3))
    >>> tuple(out.shape), tuple(h.shape)
    ((2, 5, 4), (1, 2, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        _refuse_proj_size(kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype, **kwargs)

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None
                ) -> tuple[Any, Tensor]:
        """The last layer's output at every step, and every layer's final hidden state.

        Args:
            input: ``(seq, batch, input_size)`` (``(batch, seq, input_size)`` with
                ``batch_first``) or unbatched ``(seq, input_size)``; or a ``PackedSequence``,
                and the output is one too (the final states are then each sequence's own,
                in the original batch order).
            hx: ``(num_layers * directions, batch, hidden_size)`` (unbatched: without the
                batch dim). Defaults to None: zeros.

        >>> import symgrad
        >>> out, h = symgrad.nn.GRU(2, 3)(symgrad.ones(4, 2))
        >>> tuple(out.shape), tuple(h.shape)
        ((4, 3), (1, 3))
        """
        return self._one_state_forward(input, hx, "GRU")
