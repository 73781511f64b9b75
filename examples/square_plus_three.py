"""y = x * x + 3, summed, then backward: x.grad is 2x."""

import symgrad

# Create a tensor with requires_grad=True to track computation
x = symgrad.tensor([2.0, 3.0], requires_grad=True)
# Perform a simple operation
y = x * x + 3
# Compute the sum to get a scalar output
z = y.sum()
# Backpropagate to compute gradients
z.backward()
# Print gradients of x
gradients = x.grad
print(gradients)
