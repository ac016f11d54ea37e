"""Kata 06_initialization: initialisation that keeps activations at scale 1.

Book: chapter 17, "The Forward and Backward Passes: Defining and Initializing a
Layer" (Xavier and Kaiming initialisation).
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/06_initialization`. Read README.md beside this file for the rules.

The weights here are (n_in, n_out), as in the book's forward pass `x @ w + b`.
"""

import math  # noqa: F401  (math.sqrt is all init_scale needs)

import torch


def init_scale(n_in: int, activation: str) -> float:
    """The standard deviation of weights that keeps activations at scale 1.

    n_in: the number of inputs of the layer (its fan-in), a positive int.
    activation: "linear" (Xavier/Glorot: 1 / sqrt(n_in)) or "relu"
    (Kaiming/He: sqrt(2 / n_in)), exactly as written, lower case.
    Returns a Python float. Any other activation ("tanh", "ReLU", ...) raises
    ValueError. Example: init_scale(100, "relu") is 0.1414... (sqrt(0.02)).
    Book: "Defining and Initializing a Layer".
    Rule: plain Python and the math module: no torch, no numpy.
    """
    # TODO: your code here
    raise NotImplementedError("kata 06_initialization: implement init_scale")


def xavier_init(
    n_in: int,
    n_out: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Random (n_in, n_out) weights with mean 0 and standard deviation 1 / sqrt(n_in).

    Normal draws, as in the book (torch.randn times the scale); uniform draws
    with the same standard deviation are accepted too.
    generator: draw every random number from it (None: torch's global random
    generator). It must live on `device`: torch.Generator(device="cuda")
    fills CUDA tensors only, so create the tensor on `device` directly.
    device, dtype: where the weights live and their type (None: torch's
    defaults, the CPU and float32), like the same arguments of torch.randn.
    Book: "Defining and Initializing a Layer" (w1 = torch.randn(m, nh) / math.sqrt(m)).
    Rule: draw the numbers yourself: no nn.Linear, no torch.nn.init.kaiming_uniform_.
    """
    # TODO: your code here
    raise NotImplementedError("kata 06_initialization: implement xavier_init")


def kaiming_init(
    n_in: int,
    n_out: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Random (n_in, n_out) weights with mean 0 and standard deviation sqrt(2 / n_in).

    The initialisation for layers followed by ReLU, which zeroes half of their
    outputs: the 2 makes up for it. Normal or uniform draws, as for xavier_init;
    generator, device and dtype work the same way.
    Book: "Defining and Initializing a Layer" (w1 = torch.randn(m, nh) * math.sqrt(2 / m)).
    Rule: draw the numbers yourself: no nn.Linear, no torch.nn.init.kaiming_uniform_.
    """
    # TODO: your code here
    raise NotImplementedError("kata 06_initialization: implement kaiming_init")
