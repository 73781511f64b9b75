"""Score token sequences with an Embedding, heads in a ModuleDict, binary and smooth-L1 losses,
Adagrad with an exponential schedule.

In the style of PyTorch's nn tutorials. Run it with symgrad by
``python -m symgrad.testing.as_torch <this file>``.
"""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(3)
vocab, width, length = 12, 6, 5
tokens = torch.randint(0, vocab, (40, length))
positive = (tokens < 4).float().sum(1).gt(1).float()
strength = (tokens % 3).float().mean(1)


class BagOfWords(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(vocab, width)
        self.hidden = nn.ModuleList([nn.Linear(width, width), nn.Tanh()])
        self.heads = nn.ModuleDict({"positive": nn.Linear(width, 1),
                                    "strength": nn.Linear(width, 1)})

    def forward(self, tokens):
        h = self.embedding(tokens).mean(1)
        for layer in self.hidden:
            h = layer(h)
        return {name: head(h).squeeze(-1) for name, head in self.heads.items()}


model = BagOfWords()
optimizer = torch.optim.Adagrad(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(1.5))
smooth = nn.SmoothL1Loss(beta=0.5)

for step in range(60):
    out = model(tokens)
    loss = bce(out["positive"], positive) + smooth(out["strength"], strength)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    if step % 10 == 9:
        probs = torch.sigmoid(out["positive"])
        extra = F.binary_cross_entropy(probs, positive) + F.huber_loss(out["strength"], strength)
        print(f"{step:2d} loss {loss.item():.4f} check {extra.item():.4f} "
              f"lr {scheduler.get_last_lr()[0]:.4f}")

used = (model.embedding.weight.grad.abs().sum(1) > 0).sum().item()
print("embedding rows with a gradient:", used)
