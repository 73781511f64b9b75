"""Only floating-point tensors can require gradients; integer ones raise a RuntimeError."""

import symgrad

# Attempting requires_grad on an integer tensor
try:
    int_tensor = symgrad.tensor([1, 2], dtype=symgrad.int64, requires_grad=True)
    print(f"Integer tensor created with requires_grad=True: {int_tensor.requires_grad}")
    result = int_tensor * 2.0
    print(f"Result requires_grad: {result.requires_grad}")
except RuntimeError as e:
    print(f"\nError setting requires_grad on integer tensor: {e}")

# Best practice: Use float tensors for parameters/computations needing gradients
float_tensor = symgrad.tensor([1.0, 2.0], requires_grad=True)
print(f"\nFloat tensor created with requires_grad=True: {float_tensor.requires_grad}")
