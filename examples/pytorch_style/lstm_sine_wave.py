"""Forecast a sine wave with a two-layer LSTM (dropout between the layers) and a linear head,
trained with Adam, then generate the wave on, feeding each prediction back with the LSTM's
state.

In the style of PyTorch's time-series examples. Run it with symgrad by
``python -m symgrad.testing.as_torch <this file>``.
"""

import math

import torch
from torch import nn

torch.manual_seed(0)
t = torch.linspace(0, 8 * math.pi, 201)
wave = torch.sin(t) + 0.05 * torch.randn(201)
inputs = wave[:-1].reshape(8, 25, 1)  # 8 sequences of 25 steps, batch first
targets = wave[1:].reshape(8, 25, 1)


class Forecaster(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 16, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(16, 1)

    def forward(self, x, state=None):
        out, state = self.lstm(x, state)
        return self.head(out), state


model = Forecaster()
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
loss_fn = nn.MSELoss()

for step in range(80):
    prediction, _ = model(inputs)
    loss = loss_fn(prediction, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 9:
        print(f"{step:2d} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    prediction, state = model(inputs[:1])
    value = prediction[:, -1:]
    generated = []
    for _ in range(8):
        generated.append(round(value.item(), 2))
        value, state = model(value, state)
print("generated:", generated)
print("hidden state:", tuple(state[0].shape), tuple(state[1].shape))
