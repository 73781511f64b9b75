"""Train a small convolutional classifier: Conv2d, BatchNorm2d, ReLU6, max and adaptive
average pooling, Dropout, cross entropy, Adam with a step schedule; then evaluation mode
(running statistics), the top-2 classes, sorted scores, a one-hot target and a triangular mask.

Run it with symgrad by ``python -m symgrad.testing.as_torch <this file>``.
"""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)

# 8 x 8 images of three kinds: a bright row, a bright column, a bright diagonal, with noise.
images = torch.randn(48, 1, 8, 8) * 0.3
labels = torch.arange(48) % 3
for i in range(48):
    k = int(labels[i])
    if k == 0:
        images[i, 0, 3, :] += 2.0
    elif k == 1:
        images[i, 0, :, 4] += 2.0
    else:
        images[i, 0] += 2.0 * torch.eye(8)


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU6(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(8, 3))

    def forward(self, x):
        return self.classifier(self.features(x))


model = ConvNet()
print(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)

for epoch in range(6):
    model.train()
    for batch in range(3):
        x, y = images[batch * 16:(batch + 1) * 16], labels[batch * 16:(batch + 1) * 16]
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
    print(f"epoch {epoch}: loss {loss.item():.5f}, lr {scheduler.get_last_lr()[0]:.4f}")

bn = model.features[1]
print("running mean", [f"{v:.4f}" for v in bn.running_mean.tolist()])
print("running var", [f"{v:.4f}" for v in bn.running_var.tolist()])
print("batches tracked", int(bn.num_batches_tracked))

model.eval()
with torch.no_grad():
    scores = model(images)
    accuracy = (scores.argmax(1) == labels).float().mean().item()
    print(f"accuracy {accuracy:.3f}")
    top = scores.topk(2, dim=1)
    print(top.indices[:6].tolist())
    values, order = scores[0].sort(descending=True)
    print([f"{v:.3f}" for v in values.tolist()], order.tolist())
    print(F.one_hot(labels[:5], num_classes=3).tolist())
    print(torch.tril(torch.ones(3, 3)).tolist())
