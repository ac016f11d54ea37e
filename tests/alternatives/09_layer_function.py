"""Correct solutions of kata 09_layer_function written differently; each must pass.

A definition named `<Class>__<what>` replaces `<Class>` of the reference.
"""

# This file is appended to the reference module (tests/katarun.py): LayerFunction,
# Relu, Lin, Mse and Model are the reference's.

import torch
import torch.nn.functional as F

# --- LayerFunction --------------------------------------------------------------


class LayerFunction__book_fixed:
    """The book's class, with forward and bwd taking *args and raising
    NotImplementedError, and a check before backward."""

    def __call__(self, *args):
        self.args = args
        self.out = self.forward(*args)
        return self.out

    def forward(self, *args):
        raise NotImplementedError("not implemented")

    def bwd(self, out, *args):
        raise NotImplementedError("not implemented")

    def backward(self):
        if not hasattr(self, "args"):
            raise AttributeError("call the layer before its backward()")
        self.bwd(self.out, *self.args)


class LayerFunction__none_until_called:
    """Class attributes out = args = None, checked in backward; bare NotImplementedError."""

    out = None
    args = None

    def __call__(self, *args):
        self.args, self.out = args, self.forward(*args)
        return self.out

    def forward(self, *args):
        raise NotImplementedError

    def bwd(self, out, *args):
        raise NotImplementedError

    def backward(self):
        assert self.out is not None, "backward() needs a forward pass first"
        return self.bwd(self.out, *self.args)


# --- Relu -----------------------------------------------------------------------


class Relu__book(Relu):
    """The book's bwd: a float32 mask times out.g is out.g's dtype (float64 stays float64)."""

    def forward(self, inp):
        return inp.clamp_min(0.)

    def bwd(self, out, inp):
        inp.g = (inp > 0).float() * out.g


class Relu__where_and_f_relu(Relu):
    """F.relu forward (allowed here), torch.where backward."""

    def forward(self, inp):
        return F.relu(inp)

    def bwd(self, out, inp):
        inp.g = torch.where(inp > 0, out.g, 0.0)


class Relu__private_helper(Relu):
    """A private helper method next to forward and bwd; derivative 1 at exactly 0."""

    def _mask(self, inp):
        return (inp >= 0).to(inp.dtype)

    def bwd(self, out, inp):
        inp.g = self._mask(inp) * out.g


# --- Lin ------------------------------------------------------------------------


class Lin__book(Lin):
    """The book's code: bwd reads self.out.g for w.g (the same tensor as out)."""

    def forward(self, inp):
        return inp @ self.w + self.b

    def bwd(self, out, inp):
        inp.g = out.g @ self.w.t()
        self.w.g = inp.t() @ self.out.g
        self.b.g = out.g.sum(0)


class Lin__einsum(Lin):
    """einsum for the gradients, the bias gradient as ones @ out.g."""

    def bwd(self, out, inp):
        g = out.g
        inp.g = torch.einsum("no,io->ni", g, self.w)
        self.w.g = torch.einsum("ni,no->io", inp, g)
        self.b.g = g.new_ones(g.shape[0]) @ g


class Lin__addmm_and_super_init(Lin):
    """addmm forward; __init__ calls the base class's (object's) __init__ first."""

    def __init__(self, w, b):
        super().__init__(w, b)

    def forward(self, inp):
        return torch.addmm(self.b, inp, self.w)


# --- Mse ------------------------------------------------------------------------


class Mse__book(Mse):
    """The book's bare squeeze(): for N = 1 a 0-dim tensor, which still broadcasts right."""

    def forward(self, inp, targ):
        return (inp.squeeze() - targ).pow(2).mean()

    def bwd(self, out, inp, targ):
        inp.g = 2 * (inp.squeeze() - targ).unsqueeze(-1) / targ.shape[0]


class Mse__f_mse_loss_and_column_targ(Mse):
    """F.mse_loss forward; backward with targ as a column."""

    def forward(self, inp, targ):
        return F.mse_loss(inp[:, 0], targ)

    def bwd(self, out, inp, targ):
        inp.g = (inp - targ[:, None]) * (2 / len(targ))


# --- Model ----------------------------------------------------------------------


class Model__named_layers(Model):
    """One attribute per layer, the calls written out."""

    def __init__(self, w1, b1, w2, b2):
        self.lin1, self.relu, self.lin2, self.mse = Lin(w1, b1), Relu(), Lin(w2, b2), Mse()

    def __call__(self, x, targ):
        return self.mse(self.lin2(self.relu(self.lin1(x))), targ)

    def backward(self):
        for layer in (self.mse, self.lin2, self.relu, self.lin1):
            layer.backward()


class Model__calls_bwd_itself(Model):
    """Calls each layer's bwd with its stored output and arguments, in reverse order
    (so it checks for itself that the model was called)."""

    def backward(self):
        if not hasattr(self.loss, "out"):
            raise RuntimeError("Model.backward() before the forward pass: call the model first")
        for layer in [self.loss, *reversed(self.layers)]:
            layer.bwd(layer.out, *layer.args)
