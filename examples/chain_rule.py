"""First and second derivatives of a chain of functions at x = 2, by autograd.grad."""

import symgrad


class ChainRuleDifferentiator:
    def __init__(self, *funcs):
        """A chain of functions, applied left to right."""
        self.funcs = funcs

    def derivative(self, x, order=1):
        """The derivative of the given order of the chain at ``x``."""
        x = symgrad.tensor([x], requires_grad=True)
        result = x

        for func in self.funcs:
            result = func(result)

        # Compute derivatives
        for _ in range(order):
            result = symgrad.autograd.grad(result, x, create_graph=True)[0]

        return result.item()


# Define the functions for the chain
f1 = lambda x: 24 * x ** 2  # noqa: E731 - y = 24*x**2
f2 = lambda x: 8 * x ** 3  # noqa: E731 - z = 8*y**3
f3 = lambda x: 2 * x ** 4  # noqa: E731 - func = 2*z**4

differentiator = ChainRuleDifferentiator(f1, f2, f3)

# Calculate the first and second derivatives at x = 2
x_value = 2.0  # grad requires float values so '2.0'
first_derivative = differentiator.derivative(x_value, order=1)
second_derivative = differentiator.derivative(x_value, order=2)

print("First Derivative at x =", x_value, ":", first_derivative)
print("Second Derivative at x =", x_value, ":", second_derivative)
