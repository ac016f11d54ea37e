"""Kata 07_backward: the backward pass by hand, from the loss back to the inputs.

Book: chapter 17, "The Forward and Backward Passes" ("Gradients and the Backward
Pass"). Replace each `raise NotImplementedError(...)` with your implementation,
then run `pytest katas/07_backward`. Read README.md beside this file for the rules.

The gradient of a tensor `x` goes into `x.g`, a plain attribute you set
yourself (`x.g = ...`), as in the book: it has x's shape, dtype and device.
No autograd: no .backward(), torch.autograd, torch.func or requires_grad.
"""

import torch

# --- given: the forward pass of kata 05 (already written, not graded) ----------------
# Use them in forward_and_backward. They are the book's; change them if you like.


def lin(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Given. A linear layer: `x @ w + b`, w is (n_in, n_out)."""
    return x @ w + b


def relu(x: torch.Tensor) -> torch.Tensor:
    """Given. ReLU: negative elements become 0."""
    return x.clamp_min(0.0)


def mse(output: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
    """Given. Mean squared error of output (N, 1) against targ (N,), a 0-dim tensor."""
    return (output.squeeze(-1) - targ).pow(2).mean()


# --- your work: the backward pass -----------------------------------------------------


def mse_grad(inp: torch.Tensor, targ: torch.Tensor) -> None:
    """Set `inp.g` to the gradient of `mse(inp, targ)` with respect to inp.

    inp: (N, 1), the model's output, one prediction per row; targ: (N,), N >= 1.
    inp.g: (N, 1) like inp, with inp's dtype and device:
    d/d inp[i, 0] of mean_i (inp[i, 0] - targ[i]) ** 2 is 2 (inp[i, 0] - targ[i]) / N.
    Returns nothing: the result is the attribute `inp.g`.
    Book: "Gradients and the Backward Pass", `def mse_grad(inp, targ)`.
    Rule: no autograd (.backward(), torch.autograd, torch.func, requires_grad).
    """
    # TODO: your code here
    raise NotImplementedError("kata 07_backward: implement mse_grad")


def relu_grad(inp: torch.Tensor, out: torch.Tensor) -> None:
    """Set `inp.g` from `out.g`, for out = relu(inp).

    inp: any shape; out: relu(inp), same shape, and out.g (same shape) is the
    gradient of the loss with respect to out, set before this call.
    inp.g = out.g where inp > 0, and 0 where inp < 0 (at exactly 0 either
    0 or out.g is accepted). Same shape, dtype and device as inp.
    Book: `def relu_grad(inp, out)`.
    Rule: no autograd (.backward(), torch.autograd, torch.func, requires_grad).
    """
    # TODO: your code here
    raise NotImplementedError("kata 07_backward: implement relu_grad")


def lin_grad(inp: torch.Tensor, out: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> None:
    """Set `inp.g`, `w.g` and `b.g` from `out.g`, for out = inp @ w + b.

    inp: (N, n_in); w: (n_in, n_out), the book's forward-pass layout (no
    transpose in the forward pass); b: (n_out,); out: (N, n_out), and out.g
    (N, n_out) was set before this call. Each gradient has the shape, dtype and
    device of its tensor: inp.g (N, n_in), w.g (n_in, n_out), b.g (n_out,).
    Book: `def lin_grad(inp, out, w, b)`.
    Rule: no autograd (.backward(), torch.autograd, torch.func, requires_grad).
    """
    # TODO: your code here
    raise NotImplementedError("kata 07_backward: implement lin_grad")


def forward_and_backward(
    inp: torch.Tensor,
    targ: torch.Tensor,
    w1: torch.Tensor,
    b1: torch.Tensor,
    w2: torch.Tensor,
    b2: torch.Tensor,
) -> torch.Tensor:
    """Run the model of kata 05 and the loss, then the backward pass; return the loss.

    inp: (N, n_in), N >= 1; targ: (N,); w1: (n_in, nh); b1: (nh,); w2: (nh, 1);
    b2: (1,). Forward: l1 = lin(inp, w1, b1), l2 = relu(l1), out = lin(l2, w2, b2),
    loss = mse(out, targ). Backward, from the loss back: mse_grad, lin_grad for
    the second layer, relu_grad, lin_grad for the first layer.
    Returns the loss, a 0-dim tensor with inp's dtype and device, and leaves
    `.g` on inp, w1, b1, w2 and b2.
    Book: `def forward_and_backward(inp, targ)`, with the weights passed in.
    Rule: no autograd (.backward(), torch.autograd, torch.func, requires_grad).
    """
    # TODO: your code here
    raise NotImplementedError("kata 07_backward: implement forward_and_backward")
