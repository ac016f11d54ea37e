"""Reference solutions for kata 14_numpy_backprop."""

import math

import numpy as np

# --- the forward pass ---------------------------------------------------------------


def lin(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A linear layer: `x @ w + b`, w is (n_in, n_out)."""
    return x @ w + b


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU: negative elements become 0."""
    return np.maximum(x, 0)


def mse(output: np.ndarray, targ: np.ndarray) -> np.floating:
    """Mean squared error of output (N, 1) against targ (N,), as a NumPy scalar."""
    return ((output[:, 0] - targ) ** 2).mean()


# --- initialisation -----------------------------------------------------------------


def xavier_init(
    n_in: int, n_out: int, rng: np.random.Generator, *, dtype: type = np.float32
) -> np.ndarray:
    """(n_in, n_out) normal weights with standard deviation 1 / sqrt(n_in), from rng."""
    return rng.standard_normal((n_in, n_out), dtype=dtype) * dtype(1 / math.sqrt(n_in))


def kaiming_init(
    n_in: int, n_out: int, rng: np.random.Generator, *, dtype: type = np.float32
) -> np.ndarray:
    """(n_in, n_out) normal weights with standard deviation sqrt(2 / n_in), from rng."""
    return rng.standard_normal((n_in, n_out), dtype=dtype) * dtype(math.sqrt(2 / n_in))


# --- the backward pass, by hand: each function returns the gradients ------------------


def mse_grad(inp: np.ndarray, targ: np.ndarray) -> np.ndarray:
    """d mse / d inp = 2 (inp - targ) / N, as a column (N, 1)."""
    return 2 * (inp[:, 0] - targ)[:, None] / inp.shape[0]


def relu_grad(inp: np.ndarray, out_g: np.ndarray) -> np.ndarray:
    """The gradient at relu's input: out_g where inp > 0, 0 elsewhere."""
    return (inp > 0) * out_g


def lin_grad(
    inp: np.ndarray, w: np.ndarray, out_g: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of out = inp @ w + b at inp, w and b, from out_g."""
    return out_g @ w.T, inp.T @ out_g, out_g.sum(axis=0)


def forward_and_backward(
    inp: np.ndarray,
    targ: np.ndarray,
    w1: np.ndarray,
    b1: np.ndarray,
    w2: np.ndarray,
    b2: np.ndarray,
) -> tuple[np.floating, dict[str, np.ndarray]]:
    """The loss of lin, relu, lin, and its gradients at inp, w1, b1, w2 and b2."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    out_g = mse_grad(out, targ)
    l2_g, w2_g, b2_g = lin_grad(l2, w2, out_g)
    l1_g = relu_grad(l1, l2_g)
    inp_g, w1_g, b1_g = lin_grad(inp, w1, l1_g)
    return loss, {"inp": inp_g, "w1": w1_g, "b1": b1_g, "w2": w2_g, "b2": b2_g}


# --- the same as layer classes ------------------------------------------------------


class Relu:
    """ReLU as a layer: remembers its input for backward()."""

    def __call__(self, inp: np.ndarray) -> np.ndarray:
        self.inp = inp
        return np.maximum(inp, 0)

    def backward(self, out_g: np.ndarray) -> np.ndarray:
        return (self.inp > 0) * out_g


class Lin:
    """A linear layer `inp @ w + b`, w is (n_in, n_out); backward() keeps w_g and b_g."""

    def __init__(self, w: np.ndarray, b: np.ndarray) -> None:
        self.w, self.b = w, b

    def __call__(self, inp: np.ndarray) -> np.ndarray:
        self.inp = inp
        return inp @ self.w + self.b

    def backward(self, out_g: np.ndarray) -> np.ndarray:
        self.w_g = self.inp.T @ out_g
        self.b_g = out_g.sum(axis=0)
        return out_g @ self.w.T


class Mse:
    """The mean squared error of inp (N, 1) against targ (N,), as a layer."""

    def __call__(self, inp: np.ndarray, targ: np.ndarray) -> np.floating:
        self.inp, self.targ = inp, targ
        return ((inp[:, 0] - targ) ** 2).mean()

    def backward(self) -> np.ndarray:
        return 2 * (self.inp[:, 0] - self.targ)[:, None] / self.targ.shape[0]


class Model:
    """Lin, Relu, Lin and the Mse loss; backward() runs the layers in reverse order."""

    def __init__(self, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray) -> None:
        self.layers = [Lin(w1, b1), Relu(), Lin(w2, b2)]
        self.loss = Mse()

    def __call__(self, x: np.ndarray, targ: np.ndarray) -> np.floating:
        for layer in self.layers:
            x = layer(x)
        return self.loss(x, targ)

    def backward(self) -> np.ndarray:
        g = self.loss.backward()
        for layer in reversed(self.layers):
            g = layer.backward(g)
        return g


# --- training -----------------------------------------------------------------------


def train(
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_hidden: int = 32,
    lr: float = 0.05,
    epochs: int = 200,
    seed: int = 0,
) -> list[float]:
    """Full-batch gradient descent on lin, relu, lin from Kaiming weights; the loss of
    every epoch, before its update."""
    rng = np.random.default_rng(seed)
    w1 = kaiming_init(x.shape[1], n_hidden, rng, dtype=x.dtype.type)
    b1 = np.zeros(n_hidden, dtype=x.dtype)
    w2 = kaiming_init(n_hidden, 1, rng, dtype=x.dtype.type)
    b2 = np.zeros(1, dtype=x.dtype)
    losses = []
    for _ in range(epochs):
        loss, grads = forward_and_backward(x, y, w1, b1, w2, b2)
        losses.append(float(loss))
        w1 = w1 - lr * grads["w1"]
        b1 = b1 - lr * grads["b1"]
        w2 = w2 - lr * grads["w2"]
        b2 = b2 - lr * grads["b2"]
    return losses
