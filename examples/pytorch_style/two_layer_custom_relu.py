"""A two-layer network trained by hand, its ReLU a custom autograd Function.

In the style of PyTorch's example "two_layer_net_custom_function". Run it with symgrad by
``python -m symgrad.testing.as_torch <this file>``.
"""

import torch


class MyReLU(torch.autograd.Function):
    """max(x, 0), with a backward that passes the gradient where the input was positive."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


torch.manual_seed(1)
N, D_in, H, D_out = 32, 20, 16, 4
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)
w1 = torch.randn(D_in, H, requires_grad=True)
w2 = torch.randn(H, D_out, requires_grad=True)

learning_rate = 1e-4
for t in range(300):
    y_pred = MyReLU.apply(x.mm(w1)).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    if t % 50 == 49:
        print(f"{t:3d} {loss.item():.2f}")
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()

print("first hidden unit:", [round(v, 3) for v in w1[:3, 0].tolist()])
