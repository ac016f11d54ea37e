"""Kata 11_nn_linear: nn.Linear from scratch as an nn.Module, and a model built on it.

Book: chapter 17, "Going to PyTorch" (nn.Module and nn.Parameter).
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/11_nn_linear`. Read README.md beside this file for the rules.

The weights here are (n_out, n_in), as nn.Linear stores them: x @ weight.t() + bias.
"""

import math  # noqa: F401  (math.sqrt for the Kaiming scale)

import torch
from torch import nn


class LinearLayer(nn.Module):
    """nn.Linear written from scratch: a weight, a bias and `x @ weight.t() + bias`.

    LinearLayer(n_in, n_out) has exactly two parameters, both nn.Parameter:
    `weight`, (n_out, n_in), Kaiming-initialised (mean 0, std sqrt(2 / n_in),
    normal draws as in the book, or uniform ones with that std) from torch's
    global random generator, and `bias`, (n_out,), zeros. Its state_dict loads
    into nn.Linear(n_in, n_out) and nn.Linear's loads into it.
    Book: "Going to PyTorch", `class LinearLayer(nn.Module)`.
    Rule: from scratch: subclass nn.Module (not nn.Linear), and no
    torch.nn.functional.linear.
    """

    def __init__(self, n_in: int, n_out: int) -> None:
        """Create the two parameters: weight (n_out, n_in) and bias (n_out,).

        n_in >= 1 and n_out >= 1. Call super().__init__() first: nn.Module
        must set itself up before you can assign parameters to it.
        """
        super().__init__()
        # TODO: your code here
        raise NotImplementedError("kata 11_nn_linear: implement LinearLayer.__init__")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, n_in), the layer's dtype and device. Returns x @ weight.t() + bias, (N, n_out).

        Call the layer, `layer(x)`, not `layer.forward(x)`: nn.Module's
        __call__ runs forward (and any hooks).
        """
        # TODO: your code here
        raise NotImplementedError("kata 11_nn_linear: implement LinearLayer.forward")


class Model(nn.Module):
    """The book's model as an nn.Module: Linear, ReLU, Linear, then the MSE loss.

    Model(n_in, nh, n_out): a first linear layer n_in -> nh, ReLU, a second
    linear layer nh -> n_out (your LinearLayer, or nn.Linear as the book
    does). `model(x, targ)` returns the loss.
    Book: "Going to PyTorch", `class Model(nn.Module)`.
    """

    def __init__(self, n_in: int, nh: int, n_out: int) -> None:
        """Create the layers (and the loss, if you like). n_in, nh, n_out >= 1."""
        super().__init__()
        # TODO: your code here
        raise NotImplementedError("kata 11_nn_linear: implement Model.__init__")

    def forward(self, x: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        """The mean squared error of the stack's output against targ, a 0-dim tensor.

        x: (N, n_in), N >= 1. targ: (N,) when n_out == 1 (the book's case: the
        output (N, 1) must be squeezed to (N,) first, or (N, 1) - (N,)
        broadcasts to (N, N)), and (N, n_out) otherwise.
        """
        # TODO: your code here
        raise NotImplementedError("kata 11_nn_linear: implement Model.forward")
