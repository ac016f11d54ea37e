"""Reference solutions for kata 08_layers."""

import torch


def _called_first(layer: object, name: str) -> None:
    """Refuse a backward pass that has no forward pass to work from."""
    if "out" not in vars(layer):
        raise RuntimeError(
            f"{name}.backward() was called before the forward pass: call the layer on its "
            "input first, so that it has an input and an output to work from"
        )


class Relu:
    """ReLU as a layer: remembers its input and output for backward()."""

    def __call__(self, inp: torch.Tensor) -> torch.Tensor:
        self.inp = inp
        self.out = inp.clamp_min(0.0)
        return self.out

    def backward(self) -> None:
        _called_first(self, "Relu")
        # The book writes (inp > 0).float() * out.g; a bool mask times out.g keeps
        # out.g's dtype without a cast.
        self.inp.g = (self.inp > 0) * self.out.g


class Lin:
    """A linear layer `inp @ w + b`, w is (n_in, n_out)."""

    def __init__(self, w: torch.Tensor, b: torch.Tensor) -> None:
        self.w, self.b = w, b

    def __call__(self, inp: torch.Tensor) -> torch.Tensor:
        self.inp = inp
        self.out = inp @ self.w + self.b
        return self.out

    def backward(self) -> None:
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = self.out.g.sum(0)


class Mse:
    """The mean squared error of inp (N, 1) against targ (N,), as a layer."""

    def __call__(self, inp: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        self.inp, self.targ = inp, targ
        self.out = (inp.squeeze(-1) - targ).pow(2).mean()
        return self.out

    def backward(self) -> None:
        _called_first(self, "Mse")
        diff = (self.inp.squeeze(-1) - self.targ).unsqueeze(-1)
        self.inp.g = 2.0 * diff / self.targ.shape[0]


class Model:
    """Lin, Relu, Lin and the Mse loss; backward() runs the layers in reverse order."""

    def __init__(
        self, w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor
    ) -> None:
        self.layers = [Lin(w1, b1), Relu(), Lin(w2, b2)]
        self.loss = Mse()

    def __call__(self, x: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return self.loss(x, targ)

    def backward(self) -> None:
        self.loss.backward()
        for layer in reversed(self.layers):
            layer.backward()
