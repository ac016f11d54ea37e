"""Kata 14_numpy_backprop: the forward pass, initialisation, the backward pass by hand,
layer classes and a training loop, in NumPy.

Book: chapter 17, "Further Research": implement everything in this chapter using NumPy.
Replace each `raise NotImplementedError(...)` with your implementation, then run
`pytest katas/14_numpy_backprop`. Read README.md beside this file for the rules.

No torch here: the tests compare your arrays with what PyTorch's autograd computes.
A NumPy array cannot carry a `.g` as the PyTorch katas' tensors do, so here every
backward function *returns* its gradients. Every result keeps the inputs' dtype.
"""

import math  # noqa: F401  (for the initialisations)

import numpy as np

# --- the forward pass (kata 05) -----------------------------------------------------


def lin(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A linear layer: `x @ w + b`, with w (n_in, n_out) as in kata 05, b (n_out,).

    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement lin")


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU: negative elements become 0, the others stay. Any shape; x's dtype.

    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement relu")


def mse(output: np.ndarray, targ: np.ndarray) -> np.floating:
    """Mean squared error of output (N, 1) against targ (N,): a NumPy scalar of their dtype.

    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement mse")


# --- initialisation (kata 06) -------------------------------------------------------


def xavier_init(
    n_in: int, n_out: int, rng: np.random.Generator, *, dtype: type = np.float32
) -> np.ndarray:
    """(n_in, n_out) normal weights with mean 0 and standard deviation 1 / sqrt(n_in),
    drawn from `rng`, of `dtype` (np.float32 or np.float64).

    Rule: draw from rng only (not np.random.randn or other global functions); no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement xavier_init")


def kaiming_init(
    n_in: int, n_out: int, rng: np.random.Generator, *, dtype: type = np.float32
) -> np.ndarray:
    """(n_in, n_out) normal weights with mean 0 and standard deviation sqrt(2 / n_in),
    drawn from `rng`, of `dtype` (np.float32 or np.float64).

    Rule: draw from rng only (not np.random.randn or other global functions); no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement kaiming_init")


# --- the backward pass by hand (kata 07): each function returns its gradients --------


def mse_grad(inp: np.ndarray, targ: np.ndarray) -> np.ndarray:
    """The gradient of mse(inp, targ) at inp: 2 * (inp - targ) / N, as a column (N, 1).

    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement mse_grad")


def relu_grad(inp: np.ndarray, out_g: np.ndarray) -> np.ndarray:
    """The gradient at relu's input, from out_g, the gradient at its output: out_g
    where inp > 0, 0 where inp < 0 (at exactly 0 either is accepted).

    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement relu_grad")


def lin_grad(
    inp: np.ndarray, w: np.ndarray, out_g: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of out = inp @ w + b from out_g (N, n_out), the gradient at out:
    returns (inp_g, w_g, b_g), shaped like inp, w and b.

    Rule: NumPy only, no torch, and no Python loop.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement lin_grad")


def forward_and_backward(
    inp: np.ndarray,
    targ: np.ndarray,
    w1: np.ndarray,
    b1: np.ndarray,
    w2: np.ndarray,
    b2: np.ndarray,
) -> tuple[np.floating, dict[str, np.ndarray]]:
    """The loss of lin, relu, lin against targ, and its gradients: returns
    (loss, {"inp": ..., "w1": ..., "b1": ..., "w2": ..., "b2": ...}).

    Rule: NumPy only, no torch, and no Python loop (call your functions above).
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement forward_and_backward")


# --- layer classes (kata 08): backward(out_g) returns the gradient at the input --------


class Relu:
    """ReLU as a layer: `layer = Relu(); out = layer(inp); inp_g = layer.backward(out_g)`.

    Rule: NumPy only, no torch, and no Python loop.
    """

    def __call__(self, inp: np.ndarray) -> np.ndarray:
        """The forward pass: remember inp (on self) for backward(), return relu(inp)."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Relu.__call__")

    def backward(self, out_g: np.ndarray) -> np.ndarray:
        """Return the gradient at the input, from out_g, the gradient at the output."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Relu.backward")


class Lin:
    """A linear layer `inp @ w + b`, w (n_in, n_out), b (n_out,).

    `layer = Lin(w, b); out = layer(inp); inp_g = layer.backward(out_g)`; backward also
    keeps the gradients of the weights on the layer: `layer.w_g`, `layer.b_g`.
    Rule: NumPy only, no torch, and no Python loop.
    """

    def __init__(self, w: np.ndarray, b: np.ndarray) -> None:
        """Keep w and b."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Lin.__init__")

    def __call__(self, inp: np.ndarray) -> np.ndarray:
        """The forward pass: remember inp, return inp @ w + b."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Lin.__call__")

    def backward(self, out_g: np.ndarray) -> np.ndarray:
        """Set self.w_g and self.b_g from out_g (N, n_out); return the gradient at inp."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Lin.backward")


class Mse:
    """The mean squared error as a layer: `loss = Mse()(inp, targ); inp_g = layer.backward()`.

    Rule: NumPy only, no torch, and no Python loop.
    """

    def __call__(self, inp: np.ndarray, targ: np.ndarray) -> np.floating:
        """Remember inp (N, 1) and targ (N,); return their mean squared error."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Mse.__call__")

    def backward(self) -> np.ndarray:
        """Return the gradient of the loss at inp, (N, 1): the backward pass starts here."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Mse.backward")


class Model:
    """Lin(w1, b1), Relu, Lin(w2, b2) and the Mse loss, as kata 08's Model.

    `model = Model(w1, b1, w2, b2); loss = model(x, targ); x_g = model.backward()`;
    then `model.layers[0].w_g` and the others hold the weights' gradients.
    Rule: NumPy only, no torch; loops over the layers only.
    """

    def __init__(self, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray) -> None:
        """self.layers = [Lin(w1, b1), Relu(), Lin(w2, b2)]; self.loss = Mse()."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Model.__init__")

    def __call__(self, x: np.ndarray, targ: np.ndarray) -> np.floating:
        """Run x through the layers, return the loss against targ."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Model.__call__")

    def backward(self) -> np.ndarray:
        """The backward pass through the loss and the layers, in reverse order; return the
        gradient at x."""
        # TODO: your code here
        raise NotImplementedError("kata 14_numpy_backprop: implement Model.backward")


# --- training -------------------------------------------------------------------------


def train(
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_hidden: int = 32,
    lr: float = 0.05,
    epochs: int = 200,
    seed: int = 0,
) -> list[float]:
    """Train lin, relu, lin on x (N, n_in) against y (N,) by full-batch gradient descent,
    from kaiming_init weights drawn from np.random.default_rng(seed) and zero biases.

    Returns the loss of every epoch (a list of floats, the loss before that epoch's
    update). Rule: NumPy only, no torch.
    """
    # TODO: your code here
    raise NotImplementedError("kata 14_numpy_backprop: implement train")
