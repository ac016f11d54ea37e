"""Reference solutions for kata 09_layer_function."""

import torch


class LayerFunction:
    """The base class of every layer: subclasses write forward and bwd only."""

    def __call__(self, *args: torch.Tensor) -> torch.Tensor:
        self.args = args
        self.out = self.forward(*args)
        return self.out

    def forward(self, *args: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define forward(*args)")

    def bwd(self, out: torch.Tensor, *args: torch.Tensor) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define bwd(out, *args)")

    def backward(self) -> None:
        if "out" not in vars(self):
            raise RuntimeError(
                f"{type(self).__name__}.backward() was called before the forward pass: "
                "call the layer on its input first"
            )
        self.bwd(self.out, *self.args)


class Relu(LayerFunction):
    """ReLU: forward and bwd only."""

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        return inp.clamp_min(0.0)

    def bwd(self, out: torch.Tensor, inp: torch.Tensor) -> None:
        inp.g = (inp > 0) * out.g


class Lin(LayerFunction):
    """A linear layer `inp @ w + b`, w is (n_in, n_out)."""

    def __init__(self, w: torch.Tensor, b: torch.Tensor) -> None:
        self.w, self.b = w, b

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        return inp @ self.w + self.b

    def bwd(self, out: torch.Tensor, inp: torch.Tensor) -> None:
        inp.g = out.g @ self.w.t()
        self.w.g = inp.t() @ out.g
        self.b.g = out.g.sum(0)


class Mse(LayerFunction):
    """The mean squared error of inp (N, 1) against targ (N,)."""

    def forward(self, inp: torch.Tensor, targ: torch.Tensor) -> torch.Tensor:
        return (inp.squeeze(-1) - targ).pow(2).mean()

    def bwd(self, out: torch.Tensor, inp: torch.Tensor, targ: torch.Tensor) -> None:
        inp.g = 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1) / targ.shape[0]


class Model:
    """Lin, Relu, Lin and the Mse loss, built from the LayerFunction subclasses."""

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
