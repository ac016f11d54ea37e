"""Kata 02_matmul: matrix multiplication from three loops down.

Book: chapter 17, "Matrix Multiplication from Scratch".
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/02_matmul`. Read README.md beside this file for the rules.
"""

import torch


def dense_layer(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """A dense (linear) layer: `x @ w.t() + b`.

    x: (batch, n_in); w: (n_out, n_in), one row per output; b: (n_out,).
    Returns (batch, n_out), with x's dtype and device.
    Rule: no torch.nn.functional.linear (that is the layer itself).
    """
    # TODO: your code here
    raise NotImplementedError("kata 02_matmul: implement dense_layer")


def matmul_loops(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` with three nested Python loops: c[i, j] = sum over k of a[i, k] * b[k, j].

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype and device.
    Incompatible shapes raise an exception whose message names both shapes.
    Rule: loops and scalar indexing only; no matrix product, einsum, numpy or tolist.
    """
    # TODO: your code here
    raise NotImplementedError("kata 02_matmul: implement matmul_loops")


def matmul_elementwise(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` with two Python loops; torch sums row i of a times column j of b.

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype and device.
    Incompatible shapes raise an exception whose message names both shapes.
    Rule: two loops (over i and j), the sum over k done by torch; no matrix product or einsum.
    """
    # TODO: your code here
    raise NotImplementedError("kata 02_matmul: implement matmul_elementwise")
