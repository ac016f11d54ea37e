"""Reference solutions for kata 12_unfold_conv."""

import math

import torch
import torch.nn.functional as F
from torch import nn


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """(value, value) for an int, the two ints of a pair as they are."""
    if isinstance(value, int):
        return value, value
    first, second = value
    return first, second


def unfold(
    x: torch.Tensor,
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> torch.Tensor:
    """F.unfold: one column per kernel position, one row per (channel, i, j)."""
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    n, c, h, w = x.shape
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    padded = F.pad(x, (pw, pw, ph, ph))
    # One slice per position (i, j) inside the kernel: what that kernel element
    # sees at every output position, (N, C, out_h, out_w).
    slices = [
        padded[:, :, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]
    patches = torch.stack(slices, dim=2)  # (N, C, kh * kw, out_h, out_w)
    return patches.reshape(n, c * kh * kw, out_h * out_w)


def conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> torch.Tensor:
    """F.conv2d as unfold, then one matrix product per image."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    columns = unfold(x, (kh, kw), stride=(sh, sw), padding=(ph, pw))  # (N, C*kh*kw, L)
    out = weight.reshape(c_out, -1) @ columns  # (N, C_out, L)
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, out_h, out_w)


class Conv2dLayer(nn.Module):
    """A convolution layer built on conv2d, with nn.Conv2d's parameters."""

    def __init__(
        self,
        n_in: int,
        n_out: int,
        kernel_size: int | tuple[int, int],
        *,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        super().__init__()
        kh, kw = _pair(kernel_size)
        self.stride, self.padding = stride, padding
        std = math.sqrt(2 / (n_in * kh * kw))  # Kaiming: the fan-in is n_in * kh * kw
        self.weight = nn.Parameter(torch.randn(n_out, n_in, kh, kw) * std)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


def train_cnn(
    images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 10, seed: int = 0
) -> nn.Module:
    """A small all-convolutional CNN, trained with Adam on minibatches of 64."""
    h, w = images.shape[-2:]
    # Each stride-2 layer (kernel 3, padding 1) halves a side, rounding up: 8x8 digits
    # become 4x4, then 2x2, and the last layer's kernel covers what is left.
    last = (-(-h // 4), -(-w // 4))
    torch.manual_seed(seed)
    model = nn.Sequential(
        Conv2dLayer(1, 16, 3, stride=2, padding=1), nn.ReLU(),  # (16, 4, 4) for 8x8 digits
        Conv2dLayer(16, 32, 3, stride=2, padding=1), nn.ReLU(),  # (32, 2, 2)
        Conv2dLayer(32, 10, last),  # (10, 1, 1): one logit per class
        nn.Flatten(),
    ).to(images.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(images), generator=order).split(64):
            idx = idx.to(images.device)
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
