"""Kata 10_autograd_function: your own torch.autograd.Function, and a model trained with it.

Book: chapter 17, "Going to PyTorch" (`class MyRelu(Function)`). Replace each
`raise NotImplementedError(...)` with your implementation, then run
`pytest katas/10_autograd_function`. Read README.md beside this file for the rules.
"""

import torch


class MyRelu(torch.autograd.Function):
    """ReLU that autograd can differentiate through your own backward.

    Use it as `MyRelu.apply(x)`, never `MyRelu()(x)`. forward and backward are
    static methods: autograd calls them, and `ctx` carries what forward saves for
    backward (`ctx.save_for_backward(...)`, then `ctx.saved_tensors`).
    Book: "Going to PyTorch", `class MyRelu(Function)`.
    Rule: no autograd inside (no .backward(), torch.autograd.grad or
    requires_grad), and no ready-made ReLU (torch.relu, x.relu(), F.relu, nn.ReLU).
    """

    @staticmethod
    def forward(ctx, i):
        """ReLU of the tensor `i` (any shape): a new tensor, same shape, dtype, device.

        Save what backward needs, and only that: ctx.save_for_backward(...).
        Do not change `i` itself (no clamp_min_).
        """
        # TODO: your code here
        raise NotImplementedError("kata 10_autograd_function: implement MyRelu.forward")

    @staticmethod
    def backward(ctx, grad_output):
        """The gradient of the loss with respect to `i`, from `grad_output` (its
        gradient with respect to forward's result, same shape as `i`).

        1 where i > 0 and 0 where i < 0, times grad_output (at exactly 0 either is
        fine). Same shape, dtype and device as `i`; do not change grad_output.
        """
        # TODO: your code here
        raise NotImplementedError("kata 10_autograd_function: implement MyRelu.backward")


class MyLinear(torch.autograd.Function):
    """A linear layer, `x @ w.t() + b`, with your own backward.

    x: (N, n_in); w: (n_out, n_in), one row per output (nn.Linear's layout);
    b: (n_out,). Use it as `MyLinear.apply(x, w, b)`.
    Rule: no autograd inside, and no torch.nn.functional.linear (nor nn.Linear).
    """

    @staticmethod
    def forward(ctx, x, w, b):
        """`x @ w.t() + b`: (N, n_out), with x's dtype and device. Save what backward needs."""
        # TODO: your code here
        raise NotImplementedError("kata 10_autograd_function: implement MyLinear.forward")

    @staticmethod
    def backward(ctx, grad_output):
        """From grad_output, (N, n_out), return the three gradients `(grad_x, grad_w,
        grad_b)`, in the order of forward's inputs, each with the shape, dtype and
        device of its input: (N, n_in), (n_out, n_in) and (n_out,).
        """
        # TODO: your code here
        raise NotImplementedError("kata 10_autograd_function: implement MyLinear.backward")


def fit_with_my_relu(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    hidden: int = 50,
    epochs: int = 100,
    lr: float = 0.1,
    seed: int = 0,
) -> list[float]:
    """Train a Linear -> MyRelu -> Linear model on (x, y) with plain gradient descent.

    x: (N, n_in); y: (N,). The model maps x to (N, 1) through `hidden` units with
    `MyRelu.apply` between the two layers; the loss is the mean squared error
    against y. Each epoch: forward pass on all of x, loss, loss.backward(), then
    `p -= lr * p.grad` for every weight and bias (and clear the gradients).
    Weights come from `torch.Generator().manual_seed(seed)` (never torch's global
    random numbers) and live on x's device with x's dtype.
    Returns the `epochs` losses, one per epoch, as Python floats (`loss.item()`).
    Rule: no ready-made ReLU (torch.relu, x.relu(), F.relu, nn.ReLU): use MyRelu.
    """
    # TODO: your code here
    raise NotImplementedError("kata 10_autograd_function: implement fit_with_my_relu")
