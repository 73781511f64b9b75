"""requires_grad propagates through y = w * x + b (b broadcast), and grad_fn records each op."""

import symgrad

# Define tensors: x (input), w (weight), b (bias)
x = symgrad.tensor([1.0, 2.0])  # Input data, gradients not needed
w = symgrad.tensor([0.5, -1.0], requires_grad=True)  # Weight parameter, track gradients
b = symgrad.tensor([0.1], requires_grad=True)  # Bias parameter, track gradients
print(f"x requires_grad: {x.requires_grad}")
print(f"w requires_grad: {w.requires_grad}")
print(f"b requires_grad: {b.requires_grad}")

# Perform an operation: y = w * x + b (b is broadcast)
intermediate = w * x
print(f"\nintermediate (w * x) requires_grad: {intermediate.requires_grad}")
y = intermediate + b
print(f"y requires_grad: {y.requires_grad}")

# Leaves have no grad_fn; results of tracked operations do.
print(f"\nx.grad_fn: {x.grad_fn}")
print(f"w.grad_fn: {w.grad_fn}")
print(f"b.grad_fn: {b.grad_fn}")
print(f"intermediate.grad_fn: {intermediate.grad_fn}")  # Result of multiplication
print(f"y.grad_fn: {y.grad_fn}")  # Result of addition
print(f"y: {y}")
