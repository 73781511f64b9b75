"""Train a small MLP on a synthetic 3-class dataset with symgrad.nn and symgrad.optim.

Prints the loss every 20 steps; it falls as the network learns to separate the classes.
"""

import numpy as np

import symgrad
import symgrad.nn.functional as F
from symgrad import nn

np.random.seed(0)

# Three Gaussian blobs in the plane, one per class.
centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
labels = np.repeat(np.arange(3), 50)
points = centres[labels] + 0.6 * np.random.randn(len(labels), 2)
x = symgrad.tensor(points.astype(np.float32))
y = symgrad.tensor(labels)

model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
optimizer = symgrad.optim.Adam(model.parameters(), lr=0.05)

for step in range(101):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 20 == 0:
        print(f"step {step:3d}  loss {loss.item():.4f}")
