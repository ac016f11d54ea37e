"""Kata 01_neuron: a neuron, ReLU and a dense layer in plain Python.

Book: chapter 17, "Building a Neural Net Layer from Scratch: Modeling a Neuron".
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/01_neuron`. Read README.md beside this file for the rules.

Rule for every function here: plain Python only. No torch and no numpy: lists,
numbers, loops, `zip`, `sum` and `max` are all you need.
"""


def neuron(inputs: list[float], weights: list[float], bias: float) -> float:
    """One neuron: the sum of inputs[i] * weights[i] over every i, plus bias.

    inputs and weights: lists of the same length n (n may be 0); bias: a float.
    Returns a Python float. Example: neuron([1.0, 2.0], [3.0, -1.0], 0.5) == 1.5
    Rule: plain Python only, no torch and no numpy.
    """
    # TODO: your code here
    raise NotImplementedError("kata 01_neuron: implement neuron")


def relu(x: float) -> float:
    """The rectified linear unit: x if x >= 0, else 0.

    x: a Python int or float. Returns a Python number: x itself when x is
    positive (relu(3) is 3, relu(2.5) is 2.5), zero otherwise (relu(-1.5) == 0).
    Rule: plain Python only, no torch and no numpy.
    """
    # TODO: your code here
    raise NotImplementedError("kata 01_neuron: implement relu")


def dense_layer_plain(
    x: list[list[float]], w: list[list[float]], b: list[float]
) -> list[list[float]]:
    """A dense layer on lists: y[i][j] = sum over k of x[i][k] * w[j][k], plus b[j].

    x: batch rows of n_in numbers; w: n_out rows of n_in numbers (one row per
    output); b: n_out numbers. Returns a new list of batch rows, each a new list of
    n_out floats. An empty batch (x == []) gives []; n_in == 0 gives the biases.
    Rule: plain Python only, no torch and no numpy; do not change x, w or b.
    """
    # TODO: your code here
    raise NotImplementedError("kata 01_neuron: implement dense_layer_plain")
