"""Kata 05_forward_pass: a linear layer, ReLU, the MSE loss and a two-layer model.

Book: chapter 17, "The Forward and Backward Passes" ("Defining and Initializing
a Layer"). Replace each `raise NotImplementedError(...)` with your
implementation, then run `pytest katas/05_forward_pass`. Read README.md beside
this file for the rules.
"""

import torch


def lin(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """A linear layer as the book's forward pass writes it: `x @ w + b`.

    x: (N, n_in); w: (n_in, n_out), one column per output (not nn.Linear's
    (n_out, n_in)); b: (n_out,). Returns (N, n_out) with x's dtype and device.
    Book: "Defining and Initializing a Layer", `def lin(x, w, b)`.
    Rule: no torch.nn.functional.linear (nor nn.Linear): that is the layer itself.
    """
    # TODO: your code here
    raise NotImplementedError("kata 05_forward_pass: implement lin")


def relu(x: torch.Tensor) -> torch.Tensor:
    """ReLU on a tensor: every negative element becomes 0, the others stay.

    x: a float tensor of any shape. Returns a new tensor of the same shape,
    dtype and device; x itself is left unchanged.
    Book: `def relu(x): return x.clamp_min(0.)`.
    Rule: no ready-made ReLU (torch.relu, x.relu(), F.relu, nn.ReLU).
    """
    # TODO: your code here
    raise NotImplementedError("kata 05_forward_pass: implement relu")


def mse(output: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
    """Mean squared error between a model's output and the targets.

    output: (N, 1), one prediction per row; targ: (N,), with N >= 1.
    Returns a 0-dim tensor (shape ()) with output's dtype and device: the mean
    over the N rows of (output[i, 0] - targ[i]) ** 2.
    Squeeze the last dimension of output first: (N, 1) - (N,) broadcasts to (N, N).
    Book: `def mse(output, targ)`.
    """
    # TODO: your code here
    raise NotImplementedError("kata 05_forward_pass: implement mse")


def model(
    x: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor
) -> torch.Tensor:
    """The book's two-layer model: lin, then relu, then lin.

    x: (N, n_in); w1: (n_in, nh); b1: (nh,); w2: (nh, n_out); b2: (n_out,).
    Returns (N, n_out) with x's dtype and device.
    Book: `def model(x)`, here with the weights passed in.
    Rule: the rules of lin and relu (no F.linear, nn.Linear or ready-made ReLU):
    use your own lin and relu, or write them out.
    """
    # TODO: your code here
    raise NotImplementedError("kata 05_forward_pass: implement model")
