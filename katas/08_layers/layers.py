"""Kata 08_layers: layers as classes that remember their inputs and know their backward.

Book: chapter 17, "Refactoring the Model". Replace each
`raise NotImplementedError(...)` with your implementation, then run
`pytest katas/08_layers`. Read README.md beside this file for the rules.

Rule for every class: no autograd (no .backward() on a tensor, torch.autograd.grad,
torch.func or requires_grad). Each layer computes its own gradients and stores them
on the tensors as `.g`, as kata 07 did. Every result keeps its tensor's dtype and device.
"""

import torch


class Relu:
    """ReLU as a layer. `layer = Relu(); out = layer(inp); ...; layer.backward()`.

    Book: "Refactoring the Model", `class Relu`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def __call__(self, inp: torch.Tensor) -> torch.Tensor:
        """The forward pass: return inp.clamp_min(0.) (any shape), and remember inp and
        the output (store them on self), for backward().

        Return the very tensor you store as the output: the layer after this one (or
        the test) puts the output's gradient on it, as `out.g`.
        """
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Relu.__call__")

    def backward(self) -> None:
        """Set inp.g from out.g: out.g where inp > 0, 0 where inp < 0 (at exactly 0
        either is accepted). inp.g has inp's shape and dtype.

        Assign inp.g (do not add to it): a second backward() gives the same inp.g.
        Called before the layer was ever called, raise an exception whose message says
        so (the tests look for "forward", "call" or "before" in it).
        Book: `class Relu`, `def backward(self)`.
        """
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Relu.backward")


class Lin:
    """A linear layer `inp @ w + b`, with w (n_in, n_out) and b (n_out,).

    `layer = Lin(w, b); out = layer(inp); ...; layer.backward()` sets inp.g, w.g and b.g.

    Book: "Refactoring the Model", `class Lin`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def __init__(self, w: torch.Tensor, b: torch.Tensor) -> None:
        """Keep w and b themselves (not copies): backward() sets w.g and b.g on them."""
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Lin.__init__")

    def __call__(self, inp: torch.Tensor) -> torch.Tensor:
        """The forward pass: inp (N, n_in) -> inp @ w + b, (N, n_out). Remember inp and
        the output you return, for backward()."""
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Lin.__call__")

    def backward(self) -> None:
        """From out.g (N, n_out), set inp.g (N, n_in), w.g (n_in, n_out) and b.g (n_out,).

        Each .g has its tensor's shape, dtype and device. Assign them (no +=): a
        second backward() gives the same gradients. Called before the layer was ever
        called, raise an exception whose message says so ("forward", "call" or
        "before" in it).
        Book: `class Lin`, `def backward(self)`.
        """
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Lin.backward")


class Mse:
    """The mean squared error as a layer: `loss = Mse()(inp, targ)`, then `backward()`.

    Book: "Refactoring the Model", `class Mse`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def __call__(self, inp: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        """The forward pass: inp (N, 1), targ (N,), N >= 1 -> the loss, a 0-dim tensor:
        the mean over the rows of (inp[i, 0] - targ[i]) ** 2. Squeeze the last dimension
        of inp first ((N, 1) - (N,) broadcasts to (N, N)). Remember inp and targ."""
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Mse.__call__")

    def backward(self) -> None:
        """Set inp.g, the gradient of the loss with respect to inp, shape (N, 1).

        The loss is the end of the model: its own gradient is 1, so there is no out.g
        to read. Assign inp.g (no +=). Called before the layer was ever called, raise an
        exception whose message says so ("forward", "call" or "before" in it).
        Book: `class Mse`, `def backward(self)`.
        """
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Mse.backward")


class Model:
    """The book's model built from the layers: Lin(w1, b1), Relu(), Lin(w2, b2), then Mse.

    x (N, n_in), w1 (n_in, nh), b1 (nh,), w2 (nh, 1), b2 (1,), targ (N,).
    `loss = model(x, targ)`, then `model.backward()` sets x.g, w1.g, b1.g, w2.g and b2.g.

    Book: "Refactoring the Model", `class Model`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def __init__(
        self, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor
    ) -> None:
        """Build the three layers (with w1, b1, w2, b2 themselves, not copies) and the loss."""
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Model.__init__")

    def __call__(self, x: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        """Run x through the layers in order, and return the loss against targ (0-dim)."""
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Model.__call__")

    def backward(self) -> None:
        """The loss's backward(), then each layer's backward(), in reverse order.

        Book: `class Model`, `def backward(self)`. The tests check the order of the calls.
        """
        # TODO: your code here
        raise NotImplementedError("kata 08_layers: implement Model.backward")
