"""Kata 13_numpy_matmul: a neuron, a dense layer and matrix multiplication, in NumPy.

Book: chapter 17, "Further Research": implement everything in this chapter using NumPy.
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/13_numpy_matmul`. Read README.md beside this file for the rules.
No torch here: the tests compare your arrays with what PyTorch computes.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided  # noqa: F401  (for expand_like)


def neuron(inputs: np.ndarray, weights: np.ndarray, bias: float) -> np.floating:
    """One neuron on arrays: the weighted sum of the inputs plus the bias.

    inputs, weights: (n,) arrays of one float dtype; bias: a Python float.
    Returns a NumPy scalar (or 0-d array) of the inputs' dtype.
    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement neuron")


def dense_layer(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A dense (linear) layer: `x @ w.T + b`.

    x: (batch, n_in); w: (n_out, n_in), one row per output; b: (n_out,).
    Returns (batch, n_out), with x's dtype.
    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement dense_layer")


def matmul_loops(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` with three nested Python loops: c[i, j] = sum over k of a[i, k] * b[k, j].

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype.
    Incompatible shapes raise an exception whose message names both shapes.
    Rule: loops and scalar indexing only; no @, np.matmul, np.dot, np.einsum, no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement matmul_loops")


def matmul_elementwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` with two Python loops; NumPy sums row i of a times column j of b.

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype.
    Incompatible shapes raise an exception whose message names both shapes.
    Rule: two loops (over i and j), the sum over k done by NumPy; no matrix product, no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement matmul_elementwise")


def matmul_broadcast(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` with one Python loop over the rows of a; broadcasting does the rest.

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype.
    Incompatible shapes raise an exception whose message names both shapes.
    Rule: one loop; no matrix product, no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement matmul_broadcast")


def matmul_no_loops(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` with no Python loop: one broadcast product and one sum.

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype.
    Incompatible shapes raise an exception whose message names both shapes.
    Rule: no loop; no matrix product, no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement matmul_no_loops")


def matmul_einsum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` as one np.einsum.

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype.
    Incompatible shapes raise an exception whose message names both shapes.
    Rule: np.einsum, no other matrix product, no loop, no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement matmul_einsum")


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that arrays of these shapes broadcast to, by NumPy's rules.

    shapes: any number of tuples of ints. Returns a tuple of ints; () for no shapes.
    Shapes that do not broadcast raise ValueError.
    Rule: plain Python on the tuples: no numpy (no np.broadcast_shapes), no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement broadcast_shapes")


def expand_like(v: np.ndarray, m: np.ndarray) -> np.ndarray:
    """What np.broadcast_to(v, m.shape) returns, as a view of v's memory.

    v: an array whose shape broadcasts to m.shape; m: an array (only its shape is used).
    Returns an array of m's shape and v's dtype that shares v's memory (stride 0 where
    v is repeated).
    Rule: np.lib.stride_tricks.as_strided; no np.broadcast_to, broadcast_arrays,
    tile, repeat or copies, no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 13_numpy_matmul: implement expand_like")
