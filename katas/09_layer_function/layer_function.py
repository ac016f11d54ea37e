"""Kata 09_layer_function: one base class for every layer, subclasses write forward and bwd.

Book: chapter 17, "The Forward and Backward Passes" ("Refactoring the Model", the
LayerFunction class). Replace each `raise NotImplementedError(...)` with your
implementation, then run `pytest katas/09_layer_function`. Read README.md beside
this file for the rules.

Rule for every class: no autograd (no .backward() on a tensor, torch.autograd.grad,
torch.func or requires_grad). The layers compute their own gradients and store them
on the tensors as `.g`. Every result keeps its tensor's dtype and device.
"""

import torch


class LayerFunction:
    """The base class of every layer: it does the bookkeeping, subclasses do the math.

    `layer = SomeLayer(); out = layer(*args); ...; layer.backward()`.

    Book: "Refactoring the Model", `class LayerFunction`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def __call__(self, *args: torch.Tensor) -> torch.Tensor:
        """Store the arguments, run self.forward(*args), store its result as the
        output and return that very tensor (the next layer puts its gradient on it)."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement LayerFunction.__call__")

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        """The forward pass, which each subclass defines. Given, keep it: the base class
        has none, so it raises NotImplementedError, Python's way to say "a subclass must
        define this" (the book raises a bare Exception and takes no arguments)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(*args)")

    def bwd(self, out: torch.Tensor, *args: torch.Tensor) -> None:
        """The backward pass, which each subclass defines: set .g on the args from out.g.
        Given, keep it: in the base class it raises NotImplementedError, as forward does."""
        raise NotImplementedError(f"{type(self).__name__} must define bwd(out, *args)")

    def backward(self) -> None:
        """Call self.bwd(out, *args) with the output and the arguments of the latest call.

        Called before the layer was ever called, raise an exception whose message says
        so (the tests look for "forward", "call" or "before" in it).
        Book: `class LayerFunction`, `def backward(self)`.
        """
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement LayerFunction.backward")


class Relu(LayerFunction):
    """ReLU. Defines forward and bwd only: LayerFunction does the rest.

    Book: "Refactoring the Model", `class Relu`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        """inp (any shape) -> inp.clamp_min(0.)."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Relu.forward")

    def bwd(self, out: torch.Tensor, inp: torch.Tensor) -> None:
        """Set inp.g from out.g: out.g where inp > 0, 0 where inp < 0 (at exactly 0
        either is accepted). Assign it (no +=); keep inp's dtype."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Relu.bwd")


class Lin(LayerFunction):
    """A linear layer `inp @ w + b`, w (n_in, n_out), b (n_out,). Defines __init__,
    forward and bwd only.

    Book: "Refactoring the Model", `class Lin`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def __init__(self, w: torch.Tensor, b: torch.Tensor) -> None:
        """Keep w and b themselves (not copies): bwd sets w.g and b.g on them."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Lin.__init__")

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        """inp (N, n_in) -> inp @ w + b, (N, n_out)."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Lin.forward")

    def bwd(self, out: torch.Tensor, inp: torch.Tensor) -> None:
        """From out.g (N, n_out), set inp.g (N, n_in), w.g (n_in, n_out) and b.g (n_out,).
        Each has its tensor's shape, dtype and device; assign them (no +=)."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Lin.bwd")


class Mse(LayerFunction):
    """The mean squared error. Defines forward and bwd only.

    Book: "Refactoring the Model", `class Mse`.
    Rule: no autograd (.backward() on a tensor, torch.autograd.grad, torch.func, requires_grad).
    """

    def forward(self, inp: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        """inp (N, 1), targ (N,), N >= 1 -> the mean over the rows of
        (inp[i, 0] - targ[i]) ** 2, a 0-dim tensor. Squeeze the last dimension of inp
        first ((N, 1) - (N,) broadcasts to (N, N))."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Mse.forward")

    def bwd(self, out: torch.Tensor, inp: torch.Tensor, targ: torch.Tensor) -> None:
        """Set inp.g, (N, 1), the gradient of the loss with respect to inp. out is the
        loss: the end of the model, whose own gradient is 1 (there is no out.g to read)."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Mse.bwd")


class Model:
    """The book's model from these layers: Lin(w1, b1), Relu(), Lin(w2, b2), then Mse.

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
        raise NotImplementedError("kata 09_layer_function: implement Model.__init__")

    def __call__(self, x: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        """Run x through the layers in order, and return the loss against targ (0-dim)."""
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Model.__call__")

    def backward(self) -> None:
        """The loss's backward(), then each layer's backward(), in reverse order.

        Book: `class Model`. The tests check the order of the calls.
        """
        # TODO: your code here
        raise NotImplementedError("kata 09_layer_function: implement Model.backward")
