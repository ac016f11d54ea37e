"""Reference solutions for kata 07_backward."""

import torch

# --- given: the forward pass of kata 05 -------------------------------------------


def lin(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """A linear layer: `x @ w + b`, w is (n_in, n_out)."""
    return x @ w + b


def relu(x: torch.Tensor) -> torch.Tensor:
    """ReLU: negative elements become 0."""
    return x.clamp_min(0.0)


def mse(output: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
    """Mean squared error of output (N, 1) against targ (N,), as a 0-dim tensor."""
    return (output.squeeze(-1) - targ).pow(2).mean()


# --- the backward pass --------------------------------------------------------------


def mse_grad(inp: torch.Tensor, targ: torch.Tensor) -> None:
    """inp.g = d mse / d inp = 2 (inp - targ) / N, as a column (N, 1)."""
    inp.g = 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]


def relu_grad(inp: torch.Tensor, out: torch.Tensor) -> None:
    """inp.g = out.g where inp > 0, 0 elsewhere."""
    inp.g = (inp > 0).to(out.g.dtype) * out.g


def lin_grad(inp: torch.Tensor, out: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> None:
    """Gradients of out = inp @ w + b from out.g."""
    inp.g = out.g @ w.t()
    w.g = inp.t() @ out.g
    b.g = out.g.sum(0)


def forward_and_backward(
    inp: torch.Tensor,
    targ: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
) -> torch.Tensor:
    """The forward pass, the loss, then the backward pass from the loss to inp."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    mse_grad(out, targ)
    lin_grad(l2, out, w2, b2)
    relu_grad(l1, l2)
    lin_grad(inp, l1, w1, b1)
    return loss
