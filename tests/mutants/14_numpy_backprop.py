"""Plausible wrong solutions of kata 14_numpy_backprop; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

import math

import numpy as np

EXPECTED = {
    "lin__no_bias": "wrong",
    "lin__loop_over_rows": "rule broken",
    "relu__float64_zeros": "wrong",
    "relu__abs": "wrong",
    "relu__clips_at_one": "wrong",
    "mse__no_squeeze_broadcasts": "wrong",
    "mse__sum_not_mean": "wrong",
    "mse__python_float": "wrong",
    "xavier_init__std_one": "wrong",
    "xavier_init__global_rng": "rule broken",
    "xavier_init__float64_always": "wrong",
    "xavier_init__fan_out": "wrong",
    "kaiming_init__xavier_std": "wrong",
    "kaiming_init__variance_not_std": "wrong",
    "kaiming_init__new_rng_each_call": "wrong",
    "kaiming_init__rng_normal_float64": "wrong",
    "mse_grad__forgets_two": "wrong",
    "mse_grad__flat_result": "wrong",
    "mse_grad__no_mean": "wrong",
    "relu_grad__mask_only": "wrong",
    "relu_grad__mask_of_out_g": "wrong",
    "relu_grad__loop_over_elements": "rule broken",
    "lin_grad__bias_grad_mean": "wrong",
    "lin_grad__wrong_order": "wrong",
    "forward_and_backward__skips_relu_grad": "wrong",
    "forward_and_backward__mask_without_upstream": "wrong",
    "forward_and_backward__returns_tuple_of_grads": "wrong",
    "Relu__mask_only": "wrong",
    "Relu__forgets_input": "crashed",
    "Relu__grad_of_output_mask": "wrong",
    "Lin__w_g_transposed_product": "wrong",
    "Lin__forgets_b_g": "wrong",
    "Lin__returns_w_g": "wrong",
    "Mse__no_division": "wrong",
    "Mse__uses_torch": "rule broken",
    "Mse__flat_grad": "wrong",
    "Model__forgets_relu": "wrong",
    "Model__backward_skips_first_layer": "wrong",
    "train__gradient_ascent": "wrong",
    "train__never_updates": "wrong",
    "train__ignores_seed": "wrong",
    "train__returns_last_loss": "wrong",
}


def lin__transposed_weight(x, w, b):
    """kata 02's layout: x @ w.T + b (w here is (n_in, n_out))."""
    return x @ w.T + b


def lin__no_bias(x, w, b):
    """Forgets the bias."""
    return x @ w


def lin__loop_over_rows(x, w, b):
    """One row at a time."""
    out = np.zeros((x.shape[0], w.shape[1]), dtype=x.dtype)
    for i in range(x.shape[0]):
        out[i] = x[i] @ w + b
    return out


def relu__float64_zeros(x):
    """np.maximum against np.zeros(x.shape): float64 zeros turn float32 into float64."""
    return np.maximum(x, np.zeros(x.shape))


def relu__abs(x):
    """abs instead of max(x, 0)."""
    return np.abs(x)


def relu__clips_at_one(x):
    """np.clip with the bounds the wrong way: also caps the values at 1."""
    return np.clip(x, 0, 1)


def mse__no_squeeze_broadcasts(output, targ):
    """(N, 1) - (N,) broadcasts to (N, N)."""
    return ((output - targ) ** 2).mean()


def mse__sum_not_mean(output, targ):
    """The sum of the squares."""
    return ((output[:, 0] - targ) ** 2).sum()


def mse__python_float(output, targ):
    """float() of the mean: a Python float, not a NumPy scalar of the inputs' dtype."""
    return float(((output[:, 0] - targ) ** 2).mean())


def xavier_init__std_one(n_in, n_out, rng, *, dtype=np.float32):
    """Forgets the scale."""
    return rng.standard_normal((n_in, n_out), dtype=dtype)


def xavier_init__global_rng(n_in, n_out, rng, *, dtype=np.float32):
    """NumPy's global generator, as old tutorials do."""
    return (np.random.randn(n_in, n_out) / math.sqrt(n_in)).astype(dtype)


def xavier_init__float64_always(n_in, n_out, rng, *, dtype=np.float32):
    """rng.normal has no dtype: float64 whatever was asked."""
    return rng.normal(0, 1 / math.sqrt(n_in), (n_in, n_out))


def xavier_init__fan_out(n_in, n_out, rng, *, dtype=np.float32):
    """Divides by sqrt(n_out)."""
    return rng.standard_normal((n_in, n_out), dtype=dtype) / dtype(math.sqrt(n_out))


def kaiming_init__xavier_std(n_in, n_out, rng, *, dtype=np.float32):
    """Forgets the 2."""
    return rng.standard_normal((n_in, n_out), dtype=dtype) / dtype(math.sqrt(n_in))


def kaiming_init__variance_not_std(n_in, n_out, rng, *, dtype=np.float32):
    """2 / n_in is the variance: the std is its square root."""
    return rng.standard_normal((n_in, n_out), dtype=dtype) * dtype(2 / n_in)


def kaiming_init__new_rng_each_call(n_in, n_out, rng, *, dtype=np.float32):
    """A fresh, unseeded generator instead of the one given."""
    own = np.random.default_rng()
    return own.standard_normal((n_in, n_out), dtype=dtype) * dtype(math.sqrt(2 / n_in))


def mse_grad__forgets_two(inp, targ):
    """The derivative of d ** 2 without its 2."""
    return (inp[:, 0] - targ)[:, None] / inp.shape[0]


def mse_grad__flat_result(inp, targ):
    """(N,) instead of the column (N, 1)."""
    return 2 * (inp[:, 0] - targ) / inp.shape[0]


def mse_grad__no_mean(inp, targ):
    """Forgets to divide by N."""
    return 2 * (inp[:, 0] - targ)[:, None]


def relu_grad__mask_only(inp, out_g):
    """ReLU's derivative alone, without the chain rule."""
    return (inp > 0).astype(inp.dtype)


def relu_grad__mask_of_out_g(inp, out_g):
    """Masks on the upstream gradient's sign instead of the input's."""
    return (out_g > 0) * out_g


def relu_grad__loop_over_elements(inp, out_g):
    """An element at a time."""
    g = np.zeros_like(out_g)
    for idx in np.ndindex(inp.shape):
        if inp[idx] > 0:
            g[idx] = out_g[idx]
    return g


def lin_grad__no_transpose_for_inp(inp, w, out_g):
    """out_g @ w: runs only when w is square."""
    return out_g @ w, inp.T @ out_g, out_g.sum(axis=0)


def lin_grad__bias_grad_mean(inp, w, out_g):
    """The mean over the rows instead of the sum."""
    b_g = out_g.mean(axis=0) if out_g.shape[0] else out_g.sum(axis=0)
    return out_g @ w.T, inp.T @ out_g, b_g


def lin_grad__wrong_order(inp, w, out_g):
    """w_g first."""
    return inp.T @ out_g, out_g @ w.T, out_g.sum(axis=0)


def forward_and_backward__skips_relu_grad(inp, targ, w1, b1, w2, b2):
    """Goes straight from the last layer's input gradient to the first layer."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    l2_g, w2_g, b2_g = lin_grad(l2, w2, mse_grad(out, targ))
    inp_g, w1_g, b1_g = lin_grad(inp, w1, l2_g)
    return loss, {"inp": inp_g, "w1": w1_g, "b1": b1_g, "w2": w2_g, "b2": b2_g}


def forward_and_backward__mask_without_upstream(inp, targ, w1, b1, w2, b2):
    """relu_grad on ones: the chain rule stops at the ReLU."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    l2_g, w2_g, b2_g = lin_grad(l2, w2, mse_grad(out, targ))
    l1_g = relu_grad(l1, np.ones_like(l2_g))
    inp_g, w1_g, b1_g = lin_grad(inp, w1, l1_g)
    return loss, {"inp": inp_g, "w1": w1_g, "b1": b1_g, "w2": w2_g, "b2": b2_g}


def forward_and_backward__returns_tuple_of_grads(inp, targ, w1, b1, w2, b2):
    """The gradients as a tuple, not a dict."""
    loss, grads = _forward_and_backward_reference(inp, targ, w1, b1, w2, b2)
    return loss, tuple(grads.values())


_forward_and_backward_reference = forward_and_backward


class Relu__mask_only(Relu):
    """backward returns the mask, without out_g."""

    def backward(self, out_g):
        return (self.inp > 0).astype(out_g.dtype)


class Relu__forgets_input(Relu):
    """__call__ never stores its input."""

    def __call__(self, inp):
        return np.maximum(inp, 0)


class Relu__grad_of_output_mask(Relu):
    """Masks with out_g > 0."""

    def backward(self, out_g):
        return (out_g > 0) * out_g


class Lin__w_g_transposed_product(Lin):
    """w_g = out_g.T @ inp: w's shape transposed."""

    def backward(self, out_g):
        self.w_g = out_g.T @ self.inp
        self.b_g = out_g.sum(axis=0)
        return out_g @ self.w.T


class Lin__forgets_b_g(Lin):
    """b_g never set."""

    def backward(self, out_g):
        self.w_g = self.inp.T @ out_g
        return out_g @ self.w.T


class Lin__returns_w_g(Lin):
    """Returns the weights' gradient instead of the input's."""

    def backward(self, out_g):
        self.w_g = self.inp.T @ out_g
        self.b_g = out_g.sum(axis=0)
        return self.w_g


class Mse__no_division(Mse):
    """backward forgets / N."""

    def backward(self):
        return 2 * (self.inp[:, 0] - self.targ)[:, None]


class Mse__uses_torch(Mse):
    """The loss from PyTorch."""

    def __call__(self, inp, targ):
        import torch

        self.inp, self.targ = inp, targ
        diff = torch.from_numpy(np.array(inp[:, 0] - targ))
        return (diff**2).mean().numpy()


class Mse__flat_grad(Mse):
    """(N,) instead of (N, 1)."""

    def backward(self):
        return 2 * (self.inp[:, 0] - self.targ) / self.targ.shape[0]


class Model__forward_order_backward(Model):
    """Runs backward through the layers in forward order."""

    def backward(self):
        g = self.loss.backward()
        for layer in self.layers:
            g = layer.backward(g)
        return g


class Model__forgets_relu(Model):
    """Two linear layers and no ReLU between them."""

    def __init__(self, w1, b1, w2, b2):
        super().__init__(w1, b1, w2, b2)
        self.layers = [self.layers[0], _Identity(), self.layers[2]]


class _Identity:
    def __call__(self, inp):
        return inp

    def backward(self, out_g):
        return out_g


class Model__backward_skips_first_layer(Model):
    """Stops before the first layer: its gradients are left at zero."""

    def backward(self):
        g = self.loss.backward()
        for layer in reversed(self.layers[1:]):
            g = layer.backward(g)
        self.layers[0].w_g = np.zeros_like(self.layers[0].w)
        self.layers[0].b_g = np.zeros_like(self.layers[0].b)
        return g


def train__gradient_ascent(x, y, *, n_hidden=32, lr=0.05, epochs=200, seed=0):
    """w = w + lr * g: climbs the loss."""
    rng = np.random.default_rng(seed)
    params = [kaiming_init(x.shape[1], n_hidden, rng, dtype=x.dtype.type),
              np.zeros(n_hidden, dtype=x.dtype), kaiming_init(n_hidden, 1, rng, dtype=x.dtype.type),
              np.zeros(1, dtype=x.dtype)]
    losses = []
    for _ in range(epochs):
        loss, grads = forward_and_backward(x, y, *params)
        losses.append(float(loss))
        params = [p + 0.001 * grads[k] for p, k in zip(params, ("w1", "b1", "w2", "b2"))]
    return losses


def train__never_updates(x, y, *, n_hidden=32, lr=0.05, epochs=200, seed=0):
    """Computes the gradients and forgets to step."""
    rng = np.random.default_rng(seed)
    w1 = kaiming_init(x.shape[1], n_hidden, rng, dtype=x.dtype.type)
    w2 = kaiming_init(n_hidden, 1, rng, dtype=x.dtype.type)
    b1, b2 = np.zeros(n_hidden, dtype=x.dtype), np.zeros(1, dtype=x.dtype)
    losses = []
    for _ in range(epochs):
        loss, _grads = forward_and_backward(x, y, w1, b1, w2, b2)
        losses.append(float(loss))
    return losses


def train__ignores_seed(x, y, *, n_hidden=32, lr=0.05, epochs=200, seed=0):
    """np.random.default_rng() without the seed: another run, other losses."""
    return _train_reference(x, y, n_hidden=n_hidden, lr=lr, epochs=epochs,
                            seed=int(np.random.default_rng().integers(1 << 30)))


_train_reference = train


def train__returns_last_loss(x, y, *, n_hidden=32, lr=0.05, epochs=200, seed=0):
    """Only the final loss."""
    return _train_reference(x, y, n_hidden=n_hidden, lr=lr, epochs=epochs, seed=seed)[-1]


def kaiming_init__rng_normal_float64(n_in, n_out, rng, *, dtype=np.float32):
    """rng.normal with the right std, but float64 whatever dtype was asked for."""
    return rng.normal(0.0, math.sqrt(2 / n_in), size=(n_in, n_out))
