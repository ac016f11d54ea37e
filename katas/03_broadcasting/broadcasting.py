"""Kata 03_broadcasting: the broadcasting rules, then a matmul with one loop and with none.

Book: chapter 17, "Broadcasting" (with a scalar, a vector to a matrix, the
broadcasting rules) and "Matrix Multiplication from Scratch".
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/03_broadcasting`. Read README.md beside this file for the rules.
"""

import torch


def broadcast_shape(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that tensors of shapes `shape_a` and `shape_b` broadcast to.

    shape_a, shape_b: tuples of ints, e.g. (8, 1, 3) and (5, 1).
    Returns a tuple of ints, e.g. (8, 5, 3): what torch.broadcast_shapes gives.
    Incompatible shapes raise ValueError whose message names both shapes.
    Book: "Broadcasting Rules".
    Rule: plain Python on the two tuples (no torch): work it out from the rules.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement broadcast_shape")


def all_greater(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when every element of a is greater than the matching element of b.

    a, b: tensors of broadcastable shapes, compared element by element after
    broadcasting. Returns a Python bool (True when there are no elements, like torch.all).
    Book: "Broadcasting with a Scalar" (comparisons broadcast too).
    Rule: no Python loop over the elements.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement all_greater")


def add_column_vector(m: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Add c[i] to every element of row i of m.

    m: (rows, cols); c: (rows,), one value per row.
    Returns (rows, cols) with m's dtype and device.
    Book: "Broadcasting a Vector to a Matrix" (the column case: c[:, None]).
    Rule: no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement add_column_vector")


def normalize_channels(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Normalise each channel: (images - mean[channel]) / std[channel].

    images: (N, C, H, W); mean, std: (C,), one value per channel.
    Returns (N, C, H, W) with images' dtype and device.
    Book: "Broadcasting Rules" (the image-normalisation example).
    Rule: no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement normalize_channels")


def expand_like(v: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """What v.expand_as(m) returns: a view of v's memory with m's shape, no copy.

    v: a tensor whose shape broadcasts to m's shape (v may itself be a view, with
    its own strides and storage offset); m: only its shape is used.
    Returns a tensor of m's shape sharing v's memory: stride 0 along every
    dimension where v is repeated.
    Book: "Broadcasting a Vector to a Matrix" (t.stride() shows the 0).
    Rule: torch.as_strided (or v.as_strided); no expand, expand_as, broadcast_to,
    repeat or any copy.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement expand_like")


def matmul_broadcast(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` with one Python loop over the rows of a; broadcasting does the rest.

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype and device.
    Incompatible shapes raise an exception whose message names both shapes.
    Book: "Broadcasting a Vector to a Matrix" (the book's matmul with one loop).
    Rule: one loop (over i); no matrix product or einsum.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement matmul_broadcast")


def matmul_no_loops(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """`a @ b` with no Python loop: one broadcast product, then one sum.

    a: (n, k); b: (k, m). Returns (n, m) with a's dtype and device.
    Incompatible shapes raise an exception whose message names both shapes.
    Book: "Broadcasting Rules" (unsqueeze and None indexing).
    Rule: no loop; no matrix product or einsum.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement matmul_no_loops")


def pairwise_sq_distances(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distance between every row of x and every row of y.

    x: (N, D); y: (M, D). Returns d of shape (N, M) with
    d[i, j] = sum over k of (x[i, k] - y[j, k]) ** 2, with x's dtype and device.
    Book: "Broadcasting Rules" (a (N, 1, D) against a (1, M, D)).
    Rule: no loop and no torch.cdist: broadcasting and a reduction.
    """
    # TODO: your code here
    raise NotImplementedError("kata 03_broadcasting: implement pairwise_sq_distances")
