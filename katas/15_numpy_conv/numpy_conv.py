"""Kata 15_numpy_conv: unfold as a strided view, a convolution, its backward pass and a CNN,
in NumPy.

Book: chapter 17, "Further Research": implement everything in this chapter using NumPy;
use unfold and matrix multiplication to implement your own 2D convolution, then train a
CNN that uses it. Kata 12_unfold_conv did it in PyTorch; here there is no autograd.
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/15_numpy_conv`. Read README.md beside this file for the rules.
No torch here: the tests compare your arrays with what PyTorch computes.

kernel_size, stride and padding accept an int (the same for height and width)
or a pair of ints (height, width).
"""

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided  # noqa: F401  (for unfold)


def unfold(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """What F.unfold(x, kernel_size, stride=stride, padding=padding) returns, in NumPy.

    x: (N, C, H, W). Pad H by ph on both sides and W by pw (with zeros), then
    slide a kh x kw window with steps sh (down) and sw (across): out_h =
    (H + 2*ph - kh) // sh + 1 positions down, out_w = (W + 2*pw - kw) // sw + 1
    across (both >= 1 in the tests). Returns (N, C*kh*kw, out_h*out_w) with x's
    dtype: column p = r*out_w + s holds the window at position (r, s), its row
    c*kh*kw + i*kw + j the element (i, j) of the window in channel c.
    Rule: NumPy only, no torch or scipy; one strided view (as_strided or
    sliding_window_view) of the padded images, reshaped; no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 15_numpy_conv: implement unfold")


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """What F.conv2d(x, weight, bias, stride=stride, padding=padding) returns, in NumPy.

    x: (N, C, H, W); weight: (C_out, C, kh, kw); bias: (C_out,) or None.
    Returns (N, C_out, out_h, out_w) with x's dtype: unfold x, then one matrix
    product with the weight flattened to (C_out, C*kh*kw), plus the bias of each
    output channel.
    Rule: NumPy only, no torch or scipy; unfold and a matrix product: no
    np.convolve or np.correlate, no Python loop over images or positions.
    """
    # TODO: your code here
    raise NotImplementedError("kata 15_numpy_conv: implement conv2d")


def conv2d_backward(
    x: np.ndarray,
    weight: np.ndarray,
    out_g: np.ndarray,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of (conv2d(x, weight, bias) * out_g).sum(): (x_g, weight_g, bias_g).

    x: (N, C, H, W); weight: (C_out, C, kh, kw); out_g: (N, C_out, out_h, out_w),
    the gradient of the loss at conv2d's output. Returns x_g (N, C, H, W),
    weight_g (C_out, C, kh, kw) and bias_g (C_out,), all with x's dtype (the bias
    does not change them, so it is not an argument).
    Rule: NumPy only, no torch or scipy; matrix products, and unfold's adjoint
    with at most one loop over the kh*kw kernel elements (or np.add.at): no loop
    over images or positions.
    """
    # TODO: your code here
    raise NotImplementedError("kata 15_numpy_conv: implement conv2d_backward")


def train_cnn(
    images: np.ndarray, labels: np.ndarray, *, epochs: int = 8, seed: int = 0
) -> Callable[[np.ndarray], np.ndarray]:
    """Build a small CNN from your conv2d, train it with conv2d_backward, return predict.

    images: (N, 1, H, W) float32, values in [0, 1]; labels: (N,) int64 class ids
    0 to 9. Returns a function predict(images) that maps a batch (M, 1, H, W) to
    class logits (M, 10), float32, with the trained weights. `seed` makes the run
    reproducible: draw every random number from np.random.default_rng(seed).
    The test trains on 8x8 digits and expects at least 90% accuracy on held-out ones.
    Rule: NumPy only, no torch or scipy; the network runs your conv2d forward
    and your conv2d_backward backward; no np.random global functions.
    """
    # TODO: your code here
    raise NotImplementedError("kata 15_numpy_conv: implement train_cnn")
