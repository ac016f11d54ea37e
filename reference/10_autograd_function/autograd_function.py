"""Reference solutions for kata 10_autograd_function."""

import math

import torch


class MyRelu(torch.autograd.Function):
    """ReLU as an autograd.Function: forward clamps, backward masks grad_output."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i.clamp_min(0.0)

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * (i > 0)  # a bool mask keeps grad_output's dtype


class MyLinear(torch.autograd.Function):
    """`x @ w.t() + b` (w is (n_out, n_in)) and its three gradients."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w.t() + b

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, grad_output.t() @ x, grad_output.sum(0)


def fit_with_my_relu(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Linear -> MyRelu -> Linear, trained by plain gradient descent on the MSE loss."""
    gen = torch.Generator().manual_seed(seed)
    n_in = x.shape[1]

    def weights(n_rows, n_cols, std):
        w = torch.randn(n_rows, n_cols, generator=gen, dtype=x.dtype) * std
        return w.to(x.device).requires_grad_()

    w1 = weights(n_in, hidden, math.sqrt(2 / n_in))  # Kaiming: a ReLU follows
    b1 = torch.zeros(hidden, dtype=x.dtype, device=x.device, requires_grad=True)
    w2 = weights(hidden, 1, 1 / math.sqrt(hidden))
    b2 = torch.zeros(1, dtype=x.dtype, device=x.device, requires_grad=True)
    params = (w1, b1, w2, b2)
    losses = []
    for _ in range(epochs):
        out = MyRelu.apply(x @ w1 + b1) @ w2 + b2
        loss = (out.squeeze(-1) - y).pow(2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return losses
