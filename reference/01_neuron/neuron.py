"""Reference solutions for kata 01_neuron."""


def neuron(inputs: list[float], weights: list[float], bias: float) -> float:
    """The weighted sum of the inputs, plus the bias."""
    return sum(x * w for x, w in zip(inputs, weights, strict=True)) + bias


def relu(x: float) -> float:
    """x if x >= 0, else 0."""
    return x if x >= 0 else 0


def dense_layer_plain(
    x: list[list[float]], w: list[list[float]], b: list[float]
) -> list[list[float]]:
    """One neuron per output (row of w) for every row of x."""
    return [[neuron(row, w_j, b_j) for w_j, b_j in zip(w, b, strict=True)] for row in x]
