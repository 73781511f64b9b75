"""Train with a DataLoader: a custom Dataset returning dicts, random_split into training and
validation sets, shuffled batches with the last one dropped, a train loop and a test loop per
epoch, as PyTorch's "Optimizing Model Parameters" tutorial writes them.

Run it with symgrad by ``python -m symgrad.testing.as_torch <this file>``.
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, random_split

torch.manual_seed(0)


class Rings(Dataset):
    """Points in the plane; the label is the ring (distance band) a point falls in."""

    def __init__(self, n):
        self.points = torch.randn(n, 2) * 1.5
        radius = self.points.norm(dim=1)
        self.labels = (radius > 1.0).long() + (radius > 2.0).long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"point": self.points[i], "label": self.labels[i]}


data = Rings(300)
train_data, test_data = random_split(data, [0.8, 0.2])
print(f"train {len(train_data)}, test {len(test_data)}")
train_loader = DataLoader(train_data, batch_size=32, shuffle=True, drop_last=True)
test_loader = DataLoader(test_data, batch_size=25)
print(f"{len(train_loader)} training batches, {len(test_loader)} test batches")

model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                      nn.Linear(16, 3))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)


def train_loop(loader):
    model.train()
    for batch, sample in enumerate(loader):
        loss = loss_fn(model(sample["point"]), sample["label"])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 3 == 0:
            print(f"  loss: {loss.item():>7.4f}  [{(batch + 1) * len(sample['label']):>3d}]")


def test_loop(loader):
    model.eval()
    size, correct, test_loss = 0, 0, 0.0
    with torch.no_grad():
        for sample in loader:
            pred = model(sample["point"])
            test_loss += loss_fn(pred, sample["label"]).item()
            correct += (pred.argmax(1) == sample["label"]).type(torch.float).sum().item()
            size += len(sample["label"])
    print(f"Test: accuracy {100 * correct / size:.1f}%, avg loss {test_loss / len(loader):.4f}")


for epoch in range(4):
    print(f"Epoch {epoch + 1}")
    train_loop(train_loader)
    test_loop(test_loader)
first = next(iter(train_loader))
print("first batch of a new pass:", first["label"][:8].tolist())
print("after training, the stream gives", [round(v, 4) for v in torch.rand(3).tolist()])
