"""Reference solutions for kata 06_initialization."""

import math

import torch

# The variance each activation needs from every input: ReLU zeroes half of a
# layer's outputs, so its weights need twice the variance (the gains of
# torch.nn.init.calculate_gain are the square roots: 1 and sqrt(2)).
_VARIANCE_GAINS = {"linear": 1.0, "relu": 2.0}


def init_scale(n_in: int, activation: str) -> float:
    """The standard deviation of weights that keeps activations at scale 1."""
    if activation not in _VARIANCE_GAINS:
        raise ValueError(f"activation must be 'linear' or 'relu', not {activation!r}")
    if n_in < 1:  # not graded: a layer has at least one input
        raise ValueError(f"n_in must be a positive number of inputs, not {n_in!r}")
    return math.sqrt(_VARIANCE_GAINS[activation] / n_in)


def xavier_init(
    n_in: int,
    n_out: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """(n_in, n_out) normal weights with standard deviation 1 / sqrt(n_in)."""
    w = torch.randn(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w * init_scale(n_in, "linear")


def kaiming_init(
    n_in: int,
    n_out: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """(n_in, n_out) normal weights with standard deviation sqrt(2 / n_in)."""
    w = torch.randn(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w * init_scale(n_in, "relu")
