"""Reference solutions for kata 11_nn_linear."""

import math

import torch
from torch import nn


class LinearLayer(nn.Module):
    """The book's LinearLayer: nn.Linear written from scratch."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) * math.sqrt(2 / n_in))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.t() + self.bias


def mse(output: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
    """Mean squared error; output (N, 1) is squeezed to (N,) when targ is (N,)."""
    if output.dim() == targ.dim() + 1:
        output = output.squeeze(-1)
    return (output - targ).pow(2).mean()


class Model(nn.Module):
    """Linear, ReLU, Linear, and the MSE loss."""

    def __init__(self, n_in: int, nh: int, n_out: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(LinearLayer(n_in, nh), nn.ReLU(), LinearLayer(nh, n_out))

    def forward(self, x: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        return mse(self.layers(x), targ)
