"""Train a small classifier: a Module with Flatten, LayerNorm, GELU and Dropout, label-smoothed
cross entropy, AdamW with a cosine schedule, train and eval modes, and a state_dict round trip.

In the style of PyTorch's quickstart tutorial. Run it with symgrad by
``python -m symgrad.testing.as_torch <this file>``.
"""

import torch
from torch import nn

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")
torch.manual_seed(0)

# Points in 2 x 4 grids; the class is the quadrant of a fixed projection.
inputs = torch.randn(256, 2, 4)
projection = torch.randn(8, 2)
scores = inputs.flatten(1) @ projection
labels = (scores[:, 0] > 0).long() * 2 + (scores[:, 1] > 0).long()


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.stack = nn.Sequential(
            nn.Linear(8, 32), nn.LayerNorm(32), nn.GELU(), nn.Dropout(0.1), nn.Linear(32, 4),
        )

    def forward(self, x):
        return self.stack(self.flatten(x))


model = NeuralNetwork().to(device)
print(model)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=8)


def train(model, loss_fn, optimizer):
    model.train()
    for batch in range(4):
        X, y = inputs[batch * 64:(batch + 1) * 64].to(device), labels[batch * 64:(batch + 1) * 64]
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return loss


def test(model, loss_fn):
    model.eval()
    with torch.no_grad():
        pred = model(inputs)
        loss = loss_fn(pred, labels).item()
        correct = (pred.argmax(1) == labels).float().sum().item()
    return loss, correct / len(labels)


for epoch in range(8):
    last = train(model, loss_fn, optimizer)
    scheduler.step()
    loss, accuracy = test(model, loss_fn)
    print(f"epoch {epoch + 1}: train loss {last:>7f}  test loss {loss:>7f}  "
          f"accuracy {100 * accuracy:>0.1f}%  lr {scheduler.get_last_lr()[0]:.5f}")

state = model.state_dict()
restored = NeuralNetwork()
restored.load_state_dict(state)
restored.eval()
print("restored model agrees:", bool((restored(inputs) == model(inputs)).all()))
print(sorted(state))
