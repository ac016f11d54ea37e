"""Plausible wrong solutions of kata 15_numpy_conv; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

# _pair, unfold, conv2d and conv2d_backward are the reference's, and so are its imports.
import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

EXPECTED = {
    "unfold__kernel_position_first": "wrong",
    "unfold__positions_down_first": "wrong",
    "unfold__forgets_padding": "wrong",
    "unfold__windows_one_step_apart": "wrong",
    "unfold__element_strides_like_pytorch": "wrong",
    "unfold__contiguous_strides_of_x": "wrong",
    "unfold__zeros_loses_dtype": "wrong",
    "unfold__reshape_with_minus_one": "crashed",
    "unfold__kata_12_slices_and_stack": "rule broken",
    "unfold__loop_over_images": "rule broken",
    "unfold__uses_torch": "rule broken",
    "conv2d__weight_flattened_kernel_first": "wrong",
    "conv2d__bias_per_position": "crashed",
    "conv2d__out_h_and_out_w_swapped": "wrong",
    "conv2d__bias_none_forgotten": "crashed",
    "conv2d__zeros_then_add_loses_dtype": "wrong",
    "conv2d__loop_over_images": "rule broken",
    "conv2d__np_correlate_per_row": "rule broken",
    "conv2d_backward__assigns_instead_of_adding": "wrong",
    "conv2d_backward__keeps_the_padding": "wrong",
    "conv2d_backward__weight_g_averaged_over_batch": "wrong",
    "conv2d_backward__bias_g_summed_over_batch_only": "wrong",
    "conv2d_backward__fold_ignores_stride": "wrong",
    "conv2d_backward__zeros_loses_dtype": "wrong",
    "conv2d_backward__ignores_out_g": "wrong",
    "conv2d_backward__loop_over_positions": "rule broken",
    "conv2d_backward__loop_over_images": "rule broken",
    "train_cnn__dense_layers_only": "wrong",
    "train_cnn__float64_weights": "wrong",
    "train_cnn__global_generator": "rule broken",
    "train_cnn__generator_without_seed": "wrong",
    "train_cnn__seed_ignored": "wrong",
    "train_cnn__labels_shuffled_apart_from_images": "wrong",
    "train_cnn__untrained": "wrong",
    "train_cnn__tiny_learning_rate": "wrong",
    "train_cnn__predict_fixed_to_batches_of_64": "crashed",
    "train_cnn__torch_autograd": "rule broken",
}


def _geometry(x, kernel_size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    n, c, h, w = x.shape
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    return n, c, kh, kw, sh, sw, ph, pw, out_h, out_w


# --- unfold -----------------------------------------------------------------------------


def unfold__kernel_position_first(x, kernel_size, *, stride=1, padding=0):
    """Rows ordered (i, j, channel): the kernel axes before the channel axis."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    sn, sc, sy, sx = padded.strides
    windows = as_strided(padded, (n, kh, kw, c, out_h, out_w), (sn, sy, sx, sc, sy * sh, sx * sw))
    return windows.reshape(n, c * kh * kw, out_h * out_w)


def unfold__positions_down_first(x, kernel_size, *, stride=1, padding=0):
    """Columns run down first, then across: (out_w, out_h) flattened."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    sn, sc, sy, sx = padded.strides
    windows = as_strided(padded, (n, c, kh, kw, out_w, out_h), (sn, sc, sy, sx, sx * sw, sy * sh))
    return windows.reshape(n, c * kh * kw, out_h * out_w)


def unfold__forgets_padding(x, kernel_size, *, stride=1, padding=0):
    """Slides the window over x itself: the sizes count the padding, the view does not."""
    n, c, kh, kw, sh, sw, ph, pw, _, _ = _geometry(x, kernel_size, stride, padding)
    h, w = x.shape[2:]
    out_h, out_w = (h - kh) // sh + 1, (w - kw) // sw + 1
    sn, sc, sy, sx = x.strides
    windows = as_strided(x, (n, c, kh, kw, out_h, out_w), (sn, sc, sy, sx, sy * sh, sx * sw))
    return windows.reshape(n, c * kh * kw, out_h * out_w)


def unfold__windows_one_step_apart(x, kernel_size, *, stride=1, padding=0):
    """The positions' strides forget the stride: every window one pixel from the last."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    sn, sc, sy, sx = padded.strides
    windows = as_strided(padded, (n, c, kh, kw, out_h, out_w), (sn, sc, sy, sx, sy, sx))
    return windows.reshape(n, c * kh * kw, out_h * out_w)


def unfold__element_strides_like_pytorch(x, kernel_size, *, stride=1, padding=0):
    """Strides in elements, as PyTorch counts them: NumPy's count bytes."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    sn, sc, sy, sx = (s // padded.itemsize for s in padded.strides)
    windows = as_strided(padded, (n, c, kh, kw, out_h, out_w), (sn, sc, sy, sx, sy * sh, sx * sw))
    return windows.reshape(n, c * kh * kw, out_h * out_w)


def unfold__contiguous_strides_of_x(x, kernel_size, *, stride=1, padding=0):
    """Without padding, a view of x with the strides a contiguous x would have."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    source = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    hp, wp = source.shape[2:]
    sx = source.itemsize
    sy, sc = sx * wp, sx * wp * hp
    strides = (sc * c, sc, sy, sx, sy * sh, sx * sw)
    windows = as_strided(source, (n, c, kh, kw, out_h, out_w), strides)
    return windows.reshape(n, c * kh * kw, out_h * out_w)


def unfold__zeros_loses_dtype(x, kernel_size, *, stride=1, padding=0):
    """Pads by hand into np.zeros(...), which is float64 whatever x is."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    h, w = x.shape[2:]
    padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    padded[:, :, ph : ph + h, pw : pw + w] = x
    sn, sc, sy, sx = padded.strides
    windows = as_strided(padded, (n, c, kh, kw, out_h, out_w), (sn, sc, sy, sx, sy * sh, sx * sw))
    return windows.reshape(n, c * kh * kw, out_h * out_w)


def unfold__reshape_with_minus_one(x, kernel_size, *, stride=1, padding=0):
    """reshape(n, -1, L): NumPy cannot work the -1 out of an empty batch."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    sn, sc, sy, sx = padded.strides
    windows = as_strided(padded, (n, c, kh, kw, out_h, out_w), (sn, sc, sy, sx, sy * sh, sx * sw))
    return windows.reshape(n, -1, out_h * out_w)


def unfold__kata_12_slices_and_stack(x, kernel_size, *, stride=1, padding=0):
    """Kata 12's reference in NumPy: slices stacked, no strided view."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    slices = [
        padded[:, :, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]
    return np.stack(slices, axis=2).reshape(n, c * kh * kw, out_h * out_w)


def unfold__loop_over_images(x, kernel_size, *, stride=1, padding=0):
    """sliding_window_view one image at a time."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, kernel_size, stride, padding)
    out = np.empty((n, c * kh * kw, out_h * out_w), dtype=x.dtype)
    for k in range(n):
        padded = np.pad(x[k], ((0, 0), (ph, ph), (pw, pw)))
        windows = sliding_window_view(padded, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
        out[k] = windows[:, :out_h, :out_w].transpose(0, 3, 4, 1, 2).reshape(out[k].shape)
    return out


def unfold__uses_torch(x, kernel_size, *, stride=1, padding=0):
    """F.unfold itself, and back to NumPy."""
    import torch
    import torch.nn.functional as F

    as_strided(x, x.shape, x.strides)
    t = torch.from_numpy(np.array(x))
    return F.unfold(t, kernel_size, stride=stride, padding=padding).numpy()


# --- conv2d -----------------------------------------------------------------------------


def conv2d__weight_flattened_kernel_first(x, weight, bias=None, *, stride=1, padding=0):
    """The weight flattened as (kh, kw, C): its rows no longer line up with unfold's."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    c_out = weight.shape[0]
    columns = unfold(x, (kh, kw), stride=stride, padding=padding)
    out = weight.transpose(0, 2, 3, 1).reshape(c_out, -1) @ columns
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, out_h, out_w)


def conv2d__bias_per_position(x, weight, bias=None, *, stride=1, padding=0):
    """bias added along the last axis, the positions, not the channels."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    c_out = weight.shape[0]
    out = weight.reshape(c_out, -1) @ unfold(x, (kh, kw), stride=stride, padding=padding)
    if bias is not None:
        out = out + bias
    return out.reshape(n, c_out, out_h, out_w)


def conv2d__out_h_and_out_w_swapped(x, weight, bias=None, *, stride=1, padding=0):
    """Reshapes to (N, C_out, out_w, out_h)."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    c_out = weight.shape[0]
    out = weight.reshape(c_out, -1) @ unfold(x, (kh, kw), stride=stride, padding=padding)
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, out_w, out_h)


def conv2d__bias_none_forgotten(x, weight, bias=None, *, stride=1, padding=0):
    """Adds the bias whether there is one or not."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    c_out = weight.shape[0]
    out = weight.reshape(c_out, -1) @ unfold(x, (kh, kw), stride=stride, padding=padding)
    return (out + bias[:, None]).reshape(n, c_out, out_h, out_w)


def conv2d__zeros_then_add_loses_dtype(x, weight, bias=None, *, stride=1, padding=0):
    """Starts from np.zeros(...), float64, and adds the product to it."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    c_out = weight.shape[0]
    out = np.zeros((n, c_out, out_h * out_w))
    out = out + weight.reshape(c_out, -1) @ unfold(x, (kh, kw), stride=stride, padding=padding)
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, out_h, out_w)


def conv2d__loop_over_images(x, weight, bias=None, *, stride=1, padding=0):
    """One matrix product per image."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    c_out = weight.shape[0]
    columns = unfold(x, (kh, kw), stride=stride, padding=padding)
    out = np.empty((n, c_out, out_h * out_w), dtype=x.dtype)
    for k in range(n):
        out[k] = weight.reshape(c_out, -1) @ columns[k]
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, out_h, out_w)


def conv2d__np_correlate_per_row(x, weight, bias=None, *, stride=1, padding=0):
    """np.correlate for the products: a ready-made (1-D) convolution."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    c_out = weight.shape[0]
    columns = unfold(x, (kh, kw), stride=stride, padding=padding)
    w2 = weight.reshape(c_out, -1)
    out = np.empty((n, c_out, out_h * out_w), dtype=x.dtype)
    for k in range(n):
        for o in range(c_out):
            for p in range(out_h * out_w):
                out[k, o, p] = np.correlate(columns[k, :, p], w2[o])[0]
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, out_h, out_w)


# --- conv2d_backward ----------------------------------------------------------------------


def _backward(x, weight, out_g, stride, padding, *, add=True, cut=True, dtype=None,
              batch_sum=True, bias_axes=(0, 2), strided_fold=True):
    """The reference's steps, each with a switch for one mistake."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    h, w = x.shape[2:]
    c_out = weight.shape[0]
    g = out_g.reshape(n, c_out, out_h * out_w)
    columns = unfold(x, (kh, kw), stride=stride, padding=padding)
    per_image = g @ columns.transpose(0, 2, 1)
    weight_g = (per_image.sum(axis=0) if batch_sum else per_image.mean(axis=0))
    weight_g = weight_g.reshape(weight.shape)
    bias_g = g.sum(axis=bias_axes) if bias_axes == (0, 2) else out_g.sum(axis=bias_axes)
    columns_g = (weight.reshape(c_out, -1).T @ g).reshape(n, c, kh, kw, out_h, out_w)
    padded_g = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dtype or x.dtype)
    step_h, step_w = (sh, sw) if strided_fold else (1, 1)
    for i, j in np.ndindex(kh, kw):
        rows = slice(i, i + step_h * (out_h - 1) + 1, step_h)
        cols = slice(j, j + step_w * (out_w - 1) + 1, step_w)
        if add:
            padded_g[:, :, rows, cols] += columns_g[:, :, i, j]
        else:
            padded_g[:, :, rows, cols] = columns_g[:, :, i, j]
    x_g = padded_g[:, :, ph : ph + h, pw : pw + w] if cut else padded_g
    return x_g, weight_g, bias_g


def conv2d_backward__assigns_instead_of_adding(x, weight, out_g, *, stride=1, padding=0):
    """padded_g[...] = ...: where windows overlap, the last one wins."""
    return _backward(x, weight, out_g, stride, padding, add=False)


def conv2d_backward__keeps_the_padding(x, weight, out_g, *, stride=1, padding=0):
    """Returns the padded image's gradient: the padding is not cut off."""
    return _backward(x, weight, out_g, stride, padding, cut=False)


def conv2d_backward__weight_g_averaged_over_batch(x, weight, out_g, *, stride=1, padding=0):
    """The mean over the images, where the loss adds them up."""
    return _backward(x, weight, out_g, stride, padding, batch_sum=False)


def conv2d_backward__bias_g_summed_over_batch_only(x, weight, out_g, *, stride=1, padding=0):
    """out_g.sum(axis=0), as for a dense layer: (C_out, out_h, out_w)."""
    return _backward(x, weight, out_g, stride, padding, bias_axes=0)


def conv2d_backward__fold_ignores_stride(x, weight, out_g, *, stride=1, padding=0):
    """Folds back as if the stride were 1."""
    return _backward(x, weight, out_g, stride, padding, strided_fold=False)


def conv2d_backward__zeros_loses_dtype(x, weight, out_g, *, stride=1, padding=0):
    """np.zeros(...) without dtype: x_g is float64 whatever x is."""
    return _backward(x, weight, out_g, stride, padding, dtype=np.float64)


def conv2d_backward__ignores_out_g(x, weight, out_g, *, stride=1, padding=0):
    """The gradients of conv2d(...).sum(): out_g taken as all ones."""
    return _backward(x, weight, np.ones_like(out_g), stride, padding)


def conv2d_backward__loop_over_positions(x, weight, out_g, *, stride=1, padding=0):
    """Folds back one output position at a time."""
    n, c, kh, kw, sh, sw, ph, pw, out_h, out_w = _geometry(x, weight.shape[2:], stride, padding)
    h, w = x.shape[2:]
    c_out = weight.shape[0]
    g = out_g.reshape(n, c_out, out_h * out_w)
    columns = unfold(x, (kh, kw), stride=stride, padding=padding)
    weight_g = np.einsum("nol,nkl->ok", g, columns).reshape(weight.shape)
    columns_g = (weight.reshape(c_out, -1).T @ g).reshape(n, c, kh, kw, out_h, out_w)
    padded_g = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    for r in range(out_h):
        for s in range(out_w):
            padded_g[:, :, r * sh : r * sh + kh, s * sw : s * sw + kw] += columns_g[..., r, s]
    return padded_g[:, :, ph : ph + h, pw : pw + w], weight_g, g.sum(axis=(0, 2))


def conv2d_backward__loop_over_images(x, weight, out_g, *, stride=1, padding=0):
    """The reference, one image at a time."""
    parts = [conv2d_backward(x[k : k + 1], weight, out_g[k : k + 1], stride=stride,
                             padding=padding) for k in range(x.shape[0])]
    if not parts:
        return conv2d_backward(x, weight, out_g, stride=stride, padding=padding)
    x_g = np.concatenate([p[0] for p in parts])
    return x_g, sum(p[1] for p in parts), sum(p[2] for p in parts)


# --- train_cnn ------------------------------------------------------------------------------


def _train(images, labels, *, epochs, rng, draw=None, cast=True, lr=1e-2, steps=True,
           shuffle_labels=False, predict_batch=None):
    """The reference's training, each mistake behind a switch: `draw(shape)` for the
    initial weights (default: rng.standard_normal), `cast=False` keeps them float64."""
    h, w = images.shape[-2:]
    dtype = images.dtype
    draw = draw or rng.standard_normal
    last = (-(-h // 4), -(-w // 4))
    shapes = [(16, 1, 3, 3), (32, 16, 3, 3), (10, 32, *last)]
    geometry = [(2, 1), (2, 1), (1, 0)]
    params = []
    for shape in shapes:
        weight = draw(shape) * np.sqrt(2 / (shape[1] * shape[2] * shape[3]))
        params += [weight.astype(dtype) if cast else weight, np.zeros(shape[0], dtype=dtype)]

    def forward(x):
        inputs = []
        for k, (stride, padding) in enumerate(geometry):
            if k:
                x = np.maximum(x, 0)
            inputs.append(x)
            x = conv2d(x, params[2 * k], params[2 * k + 1], stride=stride, padding=padding)
        return x.reshape(predict_batch or len(x), -1), inputs

    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    step = 0
    for _ in range(epochs if steps else 0):
        for idx in np.array_split(rng.permutation(len(images)), -(-len(images) // 64)):
            targets = labels[rng.permutation(idx)] if shuffle_labels else labels[idx]
            logits, inputs = forward(images[idx])
            probs = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(len(idx)), targets] -= 1
            out_g = (probs / len(idx)).reshape(len(idx), -1, 1, 1)
            grads = [None] * len(params)
            for k in reversed(range(len(geometry))):
                stride, padding = geometry[k]
                x_g, grads[2 * k], grads[2 * k + 1] = conv2d_backward(
                    inputs[k], params[2 * k], out_g, stride=stride, padding=padding
                )
                out_g = x_g * (inputs[k] > 0)
            step += 1
            for p, g, (m, v) in zip(params, grads, moments):
                m[...] = 0.9 * m + 0.1 * g
                v[...] = 0.999 * v + 0.001 * g * g
                m_hat, v_hat = m / (1 - 0.9**step), v / (1 - 0.999**step)
                p -= (lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(p.dtype)
    if predict_batch is None:
        forward(images[:2])  # as the reference would, once
    return lambda x: forward(x)[0]


def train_cnn__dense_layers_only(images, labels, *, epochs=8, seed=0):
    """No convolution at all: a two-layer dense network on the flattened pixels (it learns)."""
    rng = np.random.default_rng(seed)
    x = images.reshape(len(images), -1)
    w1 = (rng.standard_normal((x.shape[1], 64)) * np.sqrt(2 / x.shape[1])).astype(x.dtype)
    w2 = (rng.standard_normal((64, 10)) * np.sqrt(2 / 64)).astype(x.dtype)
    b1, b2 = np.zeros(64, dtype=x.dtype), np.zeros(10, dtype=x.dtype)
    for _ in range(epochs * 4):
        for idx in np.array_split(rng.permutation(len(x)), -(-len(x) // 64)):
            hidden = np.maximum(x[idx] @ w1 + b1, 0)
            logits = hidden @ w2 + b2
            probs = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(len(idx)), labels[idx]] -= 1
            g = probs / len(idx)
            hidden_g = (g @ w2.T) * (hidden > 0)
            w2 -= 0.5 * hidden.T @ g
            b2 -= 0.5 * g.sum(axis=0)
            w1 -= 0.5 * x[idx].T @ hidden_g
            b1 -= 0.5 * hidden_g.sum(axis=0)
    return lambda imgs: np.maximum(imgs.reshape(len(imgs), -1) @ w1 + b1, 0) @ w2 + b2


def train_cnn__float64_weights(images, labels, *, epochs=8, seed=0):
    """rng.standard_normal is float64, never cast: the logits come out float64."""
    return _train(images, labels, epochs=epochs, rng=np.random.default_rng(seed), cast=False)


def train_cnn__global_generator(images, labels, *, epochs=8, seed=0):
    """The initial weights from np.random's global generator."""
    rng = np.random.default_rng(seed)
    return _train(images, labels, epochs=epochs, rng=rng, draw=np.random.standard_normal)


def train_cnn__generator_without_seed(images, labels, *, epochs=8, seed=0):
    """np.random.default_rng() with no seed: fresh entropy, a different run each time."""
    return _train(images, labels, epochs=epochs, rng=np.random.default_rng())


def train_cnn__seed_ignored(images, labels, *, epochs=8, seed=0):
    """A generator seeded with 0 whatever seed says."""
    return _train(images, labels, epochs=epochs, rng=np.random.default_rng(0))


def train_cnn__labels_shuffled_apart_from_images(images, labels, *, epochs=8, seed=0):
    """Shuffles each minibatch's labels on their own: they no longer match the images."""
    return _train(images, labels, epochs=epochs, rng=np.random.default_rng(seed),
                  shuffle_labels=True)


def train_cnn__untrained(images, labels, *, epochs=8, seed=0):
    """Builds the network and one forward pass, then returns it untrained."""
    fn = _train(images, labels, epochs=epochs, rng=np.random.default_rng(seed), steps=False)
    conv2d_backward(images[:1], np.ones((1, 1, 1, 1), dtype=images.dtype),
                    np.ones((1, 1, *images.shape[2:]), dtype=images.dtype))
    return fn


def train_cnn__tiny_learning_rate(images, labels, *, epochs=8, seed=0):
    """Adam with lr=1e-5: the weights barely move."""
    return _train(images, labels, epochs=epochs, rng=np.random.default_rng(seed), lr=1e-5)


def train_cnn__predict_fixed_to_batches_of_64(images, labels, *, epochs=8, seed=0):
    """Reshapes the logits to (64, 10) everywhere: trains on whole batches of 64 only,
    then fails on 360 held-out images."""
    keep = len(images) // 64 * 64
    return _train(images[:keep], labels[:keep], epochs=epochs, rng=np.random.default_rng(seed),
                  predict_batch=64)


def train_cnn__torch_autograd(images, labels, *, epochs=8, seed=0):
    """Lets torch's autograd and optimizer do the training."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    x, y = torch.from_numpy(np.array(images)), torch.from_numpy(np.array(labels))
    conv2d(images[:1], np.ones((1, 1, 1, 1), dtype=images.dtype))
    conv2d_backward(images[:1], np.ones((1, 1, 1, 1), dtype=images.dtype),
                    np.ones((1, 1, *images.shape[2:]), dtype=images.dtype))
    w = torch.nn.Parameter(torch.randn(10, 64) * 0.1)
    optimizer = torch.optim.Adam([w], lr=1e-2)
    for _ in range(epochs):
        loss = F.cross_entropy(x.reshape(len(x), -1) @ w.t(), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    weights = w.detach().numpy()
    return lambda imgs: (imgs.reshape(len(imgs), -1) @ weights.T).astype(imgs.dtype)
