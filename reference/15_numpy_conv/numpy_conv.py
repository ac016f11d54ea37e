"""Reference solutions for kata 15_numpy_conv."""

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """(value, value) for an int, the two ints of a pair as they are."""
    if isinstance(value, int):
        return value, value
    first, second = value
    return first, second


def unfold(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """F.unfold: one column per window position, one row per (channel, i, j)."""
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    n, c, h, w = x.shape
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    sn, sc, sy, sx = padded.strides
    # windows[n, c, i, j, r, s] = padded[n, c, r * sh + i, s * sw + j]: no copy yet.
    windows = as_strided(
        padded,
        shape=(n, c, kh, kw, out_h, out_w),
        strides=(sn, sc, sy, sx, sy * sh, sx * sw),
        writeable=False,
    )
    return windows.reshape(n, c * kh * kw, out_h * out_w)  # the copy: (C, kh, kw) x (r, s)


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """F.conv2d as unfold, then one matrix product broadcast over the batch."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    columns = unfold(x, (kh, kw), stride=(sh, sw), padding=(ph, pw))  # (N, C*kh*kw, L)
    out = weight.reshape(c_out, -1) @ columns  # (N, C_out, L)
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, out_h, out_w)


def conv2d_backward(
    x: np.ndarray,
    weight: np.ndarray,
    out_g: np.ndarray,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of (conv2d(x, weight, bias) * out_g).sum() for x, weight and bias."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    out_h, out_w = out_g.shape[2:]
    g = out_g.reshape(n, c_out, out_h * out_w)  # (N, C_out, L)
    columns = unfold(x, (kh, kw), stride=(sh, sw), padding=(ph, pw))  # (N, K, L)
    # out[n, o, l] = sum over k of w2[o, k] * columns[n, k, l] (+ bias[o]):
    weight_g = np.tensordot(g, columns, axes=([0, 2], [0, 2])).reshape(weight.shape)
    bias_g = g.sum(axis=(0, 2))
    columns_g = weight.reshape(c_out, -1).T @ g  # (N, K, L)
    # The adjoint of unfold (col2im): each kernel element (i, j) adds what it saw at
    # every position back where it saw it; overlapping windows add up. (A loop body on
    # one line each: the loop count also counts a statement that steps back a line.)
    columns_g = columns_g.reshape(n, c, kh, kw, out_h, out_w)
    padded_g = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    for i, j in np.ndindex(kh, kw):
        rows, cols = slice(i, i + sh * (out_h - 1) + 1, sh), slice(j, j + sw * (out_w - 1) + 1, sw)
        padded_g[:, :, rows, cols] += columns_g[:, :, i, j]
    x_g = padded_g[:, :, ph : ph + h, pw : pw + w]
    return x_g, weight_g, bias_g


def train_cnn(
    images: np.ndarray, labels: np.ndarray, *, epochs: int = 8, seed: int = 0
) -> Callable[[np.ndarray], np.ndarray]:
    """A small all-convolutional CNN, trained with Adam on minibatches of 64."""
    h, w = images.shape[-2:]
    rng = np.random.default_rng(seed)
    dtype = images.dtype
    # Each stride-2 layer (kernel 3, padding 1) halves a side, rounding up: 8x8 digits
    # become 4x4, then 2x2, and the last layer's kernel covers what is left.
    last = (-(-h // 4), -(-w // 4))
    shapes = [(16, 1, 3, 3), (32, 16, 3, 3), (10, 32, *last)]
    geometry = [(2, 1), (2, 1), (1, 0)]  # (stride, padding) of each layer
    params = []
    for shape in shapes:
        fan_in = shape[1] * shape[2] * shape[3]
        weight = (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(dtype)
        params += [weight, np.zeros(shape[0], dtype=dtype)]

    def forward(x):
        """The logits, and each layer's input (what its backward pass needs)."""
        inputs = []
        for k, (stride, padding) in enumerate(geometry):
            if k:
                x = np.maximum(x, 0)
            inputs.append(x)
            x = conv2d(x, params[2 * k], params[2 * k + 1], stride=stride, padding=padding)
        return x.reshape(len(x), -1), inputs

    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    lr, beta1, beta2, eps = 1e-2, 0.9, 0.999, 1e-8
    step = 0
    for _ in range(epochs):
        for idx in np.array_split(rng.permutation(len(images)), -(-len(images) // 64)):
            logits, inputs = forward(images[idx])
            # Softmax cross-entropy, averaged over the minibatch: its gradient.
            shifted = logits - logits.max(axis=1, keepdims=True)
            probs = np.exp(shifted)
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(len(idx)), labels[idx]] -= 1
            out_g = (probs / len(idx)).reshape(len(idx), -1, 1, 1)
            grads = [None] * len(params)
            for k in reversed(range(len(geometry))):
                stride, padding = geometry[k]
                x_g, grads[2 * k], grads[2 * k + 1] = conv2d_backward(
                    inputs[k], params[2 * k], out_g, stride=stride, padding=padding
                )
                out_g = x_g * (inputs[k] > 0)  # through the ReLU before this layer
            step += 1
            for p, g, (m, v) in zip(params, grads, moments, strict=True):
                m *= beta1
                m += (1 - beta1) * g
                v *= beta2
                v += (1 - beta2) * g * g
                m_hat = m / (1 - beta1**step)
                v_hat = v / (1 - beta2**step)
                p -= (lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype)

    def predict(x):
        return forward(x)[0]

    return predict
