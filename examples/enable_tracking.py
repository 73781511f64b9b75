"""Two ways to ask for gradients: at creation, or in place with requires_grad_()."""

import symgrad

# Enable gradient tracking at creation time
w = symgrad.tensor([0.5, -1.0], requires_grad=True)
print(f"Tensor w: {w}")
print(f"w.requires_grad: {w.requires_grad}")

b = symgrad.tensor([0.1])
print(f"Tensor b (before): {b}")
print(f"b.requires_grad (before): {b.requires_grad}")
# Enable gradient tracking after creation
b.requires_grad_(True)
print(f"\nTensor b (after): {b}")
print(f"b.requires_grad (after): {b.requires_grad}")

# fast.ai's one-liner: requires_grad_() returns the tensor itself
xt = symgrad.tensor(3.).requires_grad_()
print(xt)
