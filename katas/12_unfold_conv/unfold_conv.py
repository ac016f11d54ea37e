"""Kata 12_unfold_conv: unfold, a convolution as a matrix product, a Conv2d layer and a CNN.

Book: chapter 17, "Conclusion" and "Further Research" (implementing a
convolution with unfold); the CNN is chapter 13's, trained on real digits.
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/12_unfold_conv`. Read README.md beside this file for the rules.

kernel_size, stride and padding accept an int (the same for height and width)
or a pair of ints (height, width).
"""

import math  # noqa: F401  (math.sqrt for the Kaiming scale)

import torch
import torch.nn.functional as F  # noqa: F401  (F.pad; F.cross_entropy for train_cnn)
from torch import nn


def unfold(
    x: torch.Tensor,
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> torch.Tensor:
    """What F.unfold(x, kernel_size, stride=stride, padding=padding) returns.

    x: (N, C, H, W). Pad H by ph on both sides and W by pw (with zeros), then
    slide a kh x kw window with steps sh (down) and sw (across): out_h =
    (H + 2*ph - kh) // sh + 1 positions down, out_w = (W + 2*pw - kw) // sw + 1
    across (both >= 1 in the tests). Returns (N, C*kh*kw, out_h*out_w) with x's
    dtype and device: column p = r*out_w + s holds the window at position (r, s),
    its row c*kh*kw + i*kw + j the element (i, j) of the window in channel c.
    Book: "Conclusion" (a convolution with unfold).
    Rule: indexing, slicing, F.pad, stack/cat or as_strided: no F.unfold,
    Tensor.unfold, nn.Unfold or convolution.
    """
    # TODO: your code here
    raise NotImplementedError("kata 12_unfold_conv: implement unfold")


def conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> torch.Tensor:
    """What F.conv2d(x, weight, bias, stride=stride, padding=padding) returns.

    x: (N, C, H, W); weight: (C_out, C, kh, kw); bias: (C_out,) or None.
    Returns (N, C_out, out_h, out_w) with x's dtype and device: unfold x, then
    one matrix product with the weight flattened to (C_out, C*kh*kw), plus the
    bias of each output channel.
    Rule: unfold and a matrix product: no F.conv2d or any other convolution
    (F.unfold is allowed).
    """
    # TODO: your code here
    raise NotImplementedError("kata 12_unfold_conv: implement conv2d")


class Conv2dLayer(nn.Module):
    """A convolution layer like nn.Conv2d, built on your conv2d.

    Conv2dLayer(n_in, n_out, kernel_size, *, stride=1, padding=0) has exactly
    two parameters, both nn.Parameter: `weight` (n_out, n_in, kh, kw) and `bias`
    (n_out,), so that its state_dict and nn.Conv2d's load into each other.
    Rule: not a subclass of nn.Conv2d, and no F.conv2d or other convolution.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        kernel_size: int | tuple[int, int],
        *,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        """Create weight (n_out, n_in, kh, kw), Kaiming-initialised (fan-in n_in*kh*kw),
        and bias (n_out,), zeros; remember stride and padding."""
        super().__init__()
        # TODO: your code here
        raise NotImplementedError("kata 12_unfold_conv: implement Conv2dLayer.__init__")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, n_in, H, W). Returns conv2d of x with this layer's weight, bias,
        stride and padding: (N, n_out, out_h, out_w)."""
        # TODO: your code here
        raise NotImplementedError("kata 12_unfold_conv: implement Conv2dLayer.forward")


def train_cnn(
    images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 10, seed: int = 0
) -> nn.Module:
    """Build a small CNN from Conv2dLayer, train it on the images, return it.

    images: (N, 1, H, W) float, values in [0, 1]; labels: (N,) int64 class ids
    0 to 9. Returns the trained nn.Module, on images' device, mapping a batch
    of images (M, 1, H, W) to class logits (M, 10). `seed` makes the run
    reproducible: seed torch before building the model (torch.manual_seed) and
    shuffle with a local torch.Generator. The test trains on 8x8 digits and
    expects at least 90% accuracy on held-out ones.
    Book: chapter 13's simple CNN, with chapter 17's own layers.
    Rule: built from your Conv2dLayer: no nn.Conv2d, F.conv2d or other convolution.
    """
    # TODO: your code here
    raise NotImplementedError("kata 12_unfold_conv: implement train_cnn")
