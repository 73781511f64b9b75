"""A new tensor does not track gradients unless asked to (seed: "requires_grad" attribute)."""

import symgrad

# Default behavior: requires_grad is False
x = symgrad.tensor([1.0, 2.0, 3.0])
print(f"Tensor x: {x}")
print(f"x.requires_grad: {x.requires_grad}")

# Create another tensor explicitly setting requires_grad to False
y = symgrad.tensor([4.0, 5.0, 6.0], requires_grad=False)
print(f"\nTensor y: {y}")
print(f"y.requires_grad: {y.requires_grad}")
