"""Fit sin(x) with a Linear layer over (x, x^2, x^3), an optimizer and a learning-rate schedule.

In the style of PyTorch's tutorials "Learning PyTorch with Examples: nn and optim". Run it with
symgrad by ``python -m symgrad.testing.as_torch <this file>``.
"""

import math

import torch

torch.manual_seed(0)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=500, gamma=0.5)

for t in range(2000):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(f"{t:4d} {loss.item():.4g} lr={scheduler.get_last_lr()[0]:.2e}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()

linear_layer = model[0]
# The even terms of sin's fit are zero up to roundings: printed by size, not sign.
even = max(abs(linear_layer.bias.item()), abs(linear_layer.weight[:, 1].item()))
print(f"Result: y = {linear_layer.weight[:, 0].item():.3f} x + "
      f"{linear_layer.weight[:, 2].item():.3f} x^3 (even terms below 1e-3: {even < 1e-3})")
for name, param in model.named_parameters():
    print(name, tuple(param.shape), param.requires_grad)
