"""Correct solutions of kata 15_numpy_conv written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

# _pair, unfold, conv2d and conv2d_backward are the reference's, and so are its imports.
import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view


def unfold__sliding_window_view(x, kernel_size, *, stride=1, padding=0):
    """Every window with sliding_window_view, every sh-th and sw-th kept, axes moved."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    n, c = x.shape[:2]
    padded = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)], mode="constant")
    windows = sliding_window_view(padded, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    out_h, out_w = windows.shape[2:4]
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)


def unfold__as_strided_padding_by_hand(inp, ks, *, stride=1, padding=0):
    """Padding written into zeros of inp's dtype, as_strided with positional arguments,
    other names for the positional parameters."""
    (kh, kw), (sh, sw), (ph, pw) = (
        tuple(v) if isinstance(v, tuple) else (v, v) for v in (ks, stride, padding)
    )
    n, c, h, w = inp.shape
    padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=inp.dtype)
    padded[:, :, ph : ph + h, pw : pw + w] = inp
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    b = padded.itemsize
    strides = (c * (h + 2 * ph) * (w + 2 * pw) * b, (h + 2 * ph) * (w + 2 * pw) * b,
               (w + 2 * pw) * b, b)
    view = as_strided(padded, (n, c, kh, kw, out_h, out_w),
                      (*strides, strides[2] * sh, strides[3] * sw))
    return np.reshape(view, (n, c * kh * kw, out_h * out_w))


def conv2d__einsum(x, weight, bias=None, *, stride=1, padding=0):
    """The product as an einsum over the unfolded columns."""
    c_out, _, kh, kw = weight.shape
    cols = unfold(x, (kh, kw), stride=stride, padding=padding)
    out = np.einsum("ok,nkl->nol", weight.reshape(c_out, -1), cols)
    if bias is not None:
        out += bias.reshape(1, -1, 1)
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    out_h = (x.shape[2] + 2 * ph - kh) // sh + 1
    out_w = (x.shape[3] + 2 * pw - kw) // sw + 1
    return out.reshape(x.shape[0], c_out, out_h, out_w)


def conv2d__one_big_product(inp, w, bias=None, *, stride=1, padding=0):
    """Every window of every image as one row of a (N*L, K) matrix: one product."""
    n = inp.shape[0]
    c_out, _, kh, kw = w.shape
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    out_h = (inp.shape[2] + 2 * ph - kh) // sh + 1
    out_w = (inp.shape[3] + 2 * pw - kw) // sw + 1
    rows = unfold(inp, (kh, kw), stride=stride, padding=padding).transpose(0, 2, 1)
    k = w[0].size
    out = rows.reshape(n * out_h * out_w, k) @ w.reshape(c_out, k).T  # (N*L, C_out)
    if bias is not None:
        out = out + bias
    return out.reshape(n, out_h, out_w, c_out).transpose(0, 3, 1, 2)


def conv2d_backward__np_add_at(x, weight, out_g, *, stride=1, padding=0):
    """col2im with np.add.at and index arrays: no Python loop at all."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    out_h, out_w = out_g.shape[2:]
    g = out_g.reshape(n, c_out, out_h * out_w)
    cols = unfold(x, (kh, kw), stride=stride, padding=padding)
    weight_g = np.einsum("nol,nkl->ok", g, cols).reshape(weight.shape)
    bias_g = np.sum(g, axis=(0, 2))
    cols_g = np.einsum("ok,nol->nkl", weight.reshape(c_out, -1), g)
    cols_g = cols_g.reshape(n, c, kh, kw, out_h, out_w)
    # The padded row and column each value of cols_g came from: (kh, out_h) and (kw, out_w).
    rows = np.arange(kh)[:, None] + sh * np.arange(out_h)[None, :]
    columns = np.arange(kw)[:, None] + sw * np.arange(out_w)[None, :]
    padded_g = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    np.add.at(
        padded_g,
        (slice(None), slice(None), rows[:, None, :, None], columns[None, :, None, :]),
        cols_g,
    )
    return padded_g[:, :, ph : ph + h, pw : pw + w], weight_g, bias_g


def conv2d_backward__nested_loops_and_tensordot(inp, w, grad, *, stride=1, padding=0):
    """Two nested loops over the kernel, a multi-line loop body, np.tensordot."""
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    n, c, h, wd = inp.shape
    c_out, _, kh, kw = w.shape
    out_h, out_w = grad.shape[2], grad.shape[3]
    g = grad.reshape(n, c_out, out_h * out_w)
    cols = unfold(inp, (kh, kw), stride=(sh, sw), padding=(ph, pw))
    w_g = np.tensordot(g, cols, axes=((0, 2), (0, 2))).reshape(w.shape)
    b_g = g.sum(axis=2).sum(axis=0)
    cols_g = np.matmul(w.reshape(c_out, -1).T, g).reshape(n, c, kh, kw, out_h, out_w)
    padded_g = np.zeros_like(inp, shape=(n, c, h + 2 * ph, wd + 2 * pw))
    for i in range(kh):
        for j in range(kw):
            padded_g[
                :, :, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw
            ] += cols_g[:, :, i, j]
    return padded_g[:, :, ph : ph + h, pw : pw + wd], w_g, b_g


def train_cnn__conv_layers_dense_head_momentum(images, labels, *, epochs=8, seed=0):
    """Two conv2d layers, then a dense layer for the logits, trained with SGD and
    momentum; the loss written with log-softmax."""
    rng = np.random.default_rng(seed)
    dt = images.dtype

    def kaiming(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(dt)

    w1, b1 = kaiming((8, 1, 3, 3), 9), np.zeros(8, dt)
    w2, b2 = kaiming((16, 8, 3, 3), 72), np.zeros(16, dt)
    n_flat = 16 * (-(-images.shape[2] // 4)) * (-(-images.shape[3] // 4))
    w3, b3 = kaiming((n_flat, 10), n_flat), np.zeros(10, dt)
    params = [w1, b1, w2, b2, w3, b3]
    velocity = [np.zeros_like(p) for p in params]

    def forward(x):
        a1 = np.maximum(conv2d(x, w1, b1, stride=2, padding=1), 0)
        a2 = np.maximum(conv2d(a1, w2, b2, stride=2, padding=1), 0)
        flat = a2.reshape(len(x), -1)
        return flat @ w3 + b3, (a1, a2, flat)

    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(order), 32):
            idx = order[start : start + 32]
            x, y = images[idx], labels[idx]
            logits, (a1, a2, flat) = forward(x)
            log_probs = logits - logits.max(1, keepdims=True)
            log_probs -= np.log(np.exp(log_probs).sum(1, keepdims=True))
            g = np.exp(log_probs)
            g[np.arange(len(y)), y] -= 1
            g /= len(y)
            g3, gb3 = flat.T @ g, g.sum(0)
            a2_g = (g @ w3.T).reshape(a2.shape) * (a2 > 0)
            a1_g, g2, gb2 = conv2d_backward(a1, w2, a2_g, stride=2, padding=1)
            _, g1, gb1 = conv2d_backward(x, w1, a1_g * (a1 > 0), stride=2, padding=1)
            for p, v, grad in zip(params, velocity, (g1, gb1, g2, gb2, g3, gb3)):
                v *= 0.9
                v += grad
                p -= 0.1 * v

    return lambda x: forward(x)[0]
