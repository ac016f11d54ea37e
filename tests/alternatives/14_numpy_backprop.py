"""Correct solutions of kata 14_numpy_backprop written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

import math

import numpy as np


def lin__matmul_and_einsum_bias(x, w, b):
    """np.matmul, the bias added with an explicit broadcast."""
    return np.matmul(x, w) + b[np.newaxis, :]


def relu__where(x):
    """np.where against a zero of x's dtype."""
    return np.where(x > 0, x, x.dtype.type(0))


def relu__clip(inp):
    """x.clip(min=0)."""
    return inp.clip(min=0)


def mse__squeeze_and_np_mean(out, target):
    """np.mean of the squared difference, with squeeze(-1) and other names."""
    return np.mean(np.square(out.squeeze(-1) - target))


def xavier_init__normal_then_cast_scale(n_in, n_out, rng, *, dtype=np.float32):
    """Draws in the dtype, scaled by np.sqrt."""
    w = rng.standard_normal(size=(n_in, n_out), dtype=dtype)
    return w / np.sqrt(dtype(n_in))


def kaiming_init__normal_in_float64_cast(n_in, n_out, rng, *, dtype=np.float32):
    """rng.normal with the std, then cast to the dtype asked for."""
    return rng.normal(0.0, math.sqrt(2 / n_in), size=(n_in, n_out)).astype(dtype)


def mse_grad__reshape(inp, targ):
    """A reshape to a column instead of [:, None]."""
    n = targ.shape[0]
    return (2 / n * (inp.reshape(-1) - targ)).reshape(n, 1).astype(inp.dtype)


def relu_grad__where(inp, out_g):
    """np.where on the mask."""
    return np.where(inp > 0, out_g, 0).astype(out_g.dtype)


def lin_grad__einsum(x, weights, grad_out):
    """The three gradients as einsums, other names."""
    return (
        np.einsum("no,io->ni", grad_out, weights),
        np.einsum("ni,no->io", x, grad_out),
        np.einsum("no->o", grad_out),
    )


def forward_and_backward__inline(inp, targ, w1, b1, w2, b2):
    """Everything written out in one function, the book's order."""
    h = inp @ w1 + b1
    r = np.maximum(h, 0)
    out = r @ w2 + b2
    diff = out[:, 0] - targ
    loss = (diff**2).mean()
    g_out = (2 * diff / targ.shape[0])[:, None]
    g_r = g_out @ w2.T
    g_h = g_r * (h > 0)
    return loss, {
        "w2": r.T @ g_out, "b2": g_out.sum(0), "w1": inp.T @ g_h, "b1": g_h.sum(0),
        "inp": g_h @ w1.T,
    }


class Relu__keeps_mask(Relu):
    """Keeps the mask instead of the input."""

    def __call__(self, inp):
        self.mask = inp > 0
        return inp * self.mask

    def backward(self, out_g):
        return out_g * self.mask


class Model__layers_by_hand(Model):
    """Calls the three layers one by one, without a loop."""

    def __call__(self, x, targ):
        first, act, last = self.layers
        return self.loss(last(act(first(x))), targ)

    def backward(self):
        first, act, last = self.layers
        return first.backward(act.backward(last.backward(self.loss.backward())))


def train__params_dict(x, y, *, n_hidden=32, lr=0.05, epochs=200, seed=0):
    """The parameters in a dict, updated in place with -=."""
    rng = np.random.default_rng(seed)
    p = {
        "w1": kaiming_init(x.shape[1], n_hidden, rng, dtype=x.dtype.type),
        "b1": np.zeros(n_hidden, dtype=x.dtype),
        "w2": kaiming_init(n_hidden, 1, rng, dtype=x.dtype.type),
        "b2": np.zeros(1, dtype=x.dtype),
    }
    losses = []
    for _epoch in range(epochs):
        loss, grads = forward_and_backward(x, y, p["w1"], p["b1"], p["w2"], p["b2"])
        losses.append(float(loss))
        for name in p:
            p[name] -= lr * grads[name]
    return losses
