"""Correct solutions of kata 08_layers written differently; each must pass.

A definition named `<Class>__<what>` replaces `<Class>` of the reference.
"""

# This file is appended to the reference module (tests/katarun.py): Relu, Lin, Mse,
# Model and the helper _called_first are the reference's.

import torch
import torch.nn.functional as F

# --- Relu -----------------------------------------------------------------------


class Relu__book(Relu):
    """The book's code, plus the check before backward. (inp > 0).float() is float32,
    but float32 times a float64 out.g is float64: the gradient keeps its dtype."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp.clamp_min(0.)
        return self.out

    def backward(self):
        _called_first(self, "Relu")
        self.inp.g = (self.inp > 0).float() * self.out.g


class Relu__where(Relu):
    """torch.where picks out.g or 0; F.relu for the forward pass (allowed here)."""

    def __call__(self, inp):
        self.inp = inp
        self.out = F.relu(inp)
        return self.out

    def backward(self):
        _called_first(self, "Relu")
        self.inp.g = torch.where(self.inp > 0, self.out.g, 0.0)


class Relu__mask_from_output(Relu):
    """out > 0 exactly where inp > 0; the mask cast to out.g's dtype."""

    def backward(self):
        _called_first(self, "Relu")
        self.inp.g = (self.out > 0).to(self.out.g.dtype) * self.out.g


class Relu__one_at_zero(Relu):
    """clamp_min's convention: derivative 1 at exactly 0 (also a subgradient)."""

    def backward(self):
        _called_first(self, "Relu")
        self.inp.g = torch.where(self.inp >= 0, self.out.g, torch.zeros_like(self.out.g))


class Relu__masked_copy_and_assert(Relu):
    """Copies out.g and zeroes it where inp <= 0; refuses an early backward with assert."""

    def __init__(self):
        self.inp = None

    def backward(self):
        assert self.inp is not None, "call the layer before backward()"
        g = self.out.g.clone()
        g[self.inp <= 0] = 0
        self.inp.g = g


# --- Lin ------------------------------------------------------------------------


class Lin__einsum(Lin):
    """einsum for the three gradients; the bias gradient as ones @ out.g."""

    def backward(self):
        _called_first(self, "Lin")
        g = self.out.g
        self.inp.g = torch.einsum("no,io->ni", g, self.w)
        self.w.g = torch.einsum("ni,no->io", self.inp, g)
        self.b.g = g.new_ones(g.shape[0]) @ g


class Lin__addmm_and_mm(Lin):
    """torch.addmm forward, torch.mm and sum(dim=0) backward."""

    def __call__(self, inp):
        self.inp = inp
        self.out = torch.addmm(self.b, inp, self.w)
        return self.out

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = torch.mm(self.out.g, self.w.T)
        self.w.g = torch.mm(self.inp.T, self.out.g)
        self.b.g = self.out.g.sum(dim=0)


class Lin__none_until_called(Lin):
    """Starts with inp and out None and checks that; broadcasting and sums, no matmul."""

    def __init__(self, w, b):
        self.w, self.b = w, b
        self.inp = self.out = None

    def __call__(self, inp):
        self.inp = inp
        self.out = (inp[:, :, None] * self.w).sum(1) + self.b
        return self.out

    def backward(self):
        if self.out is None:
            raise ValueError("Lin.backward(): the layer has not been called yet")
        g = self.out.g
        self.inp.g = (g[:, None, :] * self.w).sum(2)
        self.w.g = (self.inp[:, :, None] * g[:, None, :]).sum(0)
        self.b.g = g.sum(0)


# --- Mse ------------------------------------------------------------------------


class Mse__book_bare_squeeze(Mse):
    """The book's inp.squeeze() with no dim: for N = 1 it is 0-dim, and () - (1,) is (1,),
    so the loss and the (1, 1) gradient still come out right."""

    def __call__(self, inp, targ):
        self.inp, self.targ = inp, targ
        self.out = (inp.squeeze() - targ).pow(2).mean()
        return self.out

    def backward(self):
        _called_first(self, "Mse")
        x = (self.inp.squeeze() - self.targ).unsqueeze(-1)
        self.inp.g = 2. * x / self.targ.shape[0]


class Mse__f_mse_loss_and_column_targ(Mse):
    """F.mse_loss forward; backward with targ made a column, times 2/N."""

    def __call__(self, inp, targ):
        self.inp, self.targ = inp, targ
        self.out = F.mse_loss(inp[:, 0], targ)
        return self.out

    def backward(self):
        _called_first(self, "Mse")
        self.inp.g = (self.inp - self.targ[:, None]) * (2 / len(self.targ))


class Mse__reshape(Mse):
    """view(-1) and reshape: the difference d, then 2 * d / N as a column."""

    def __call__(self, inp, targ):
        self.inp, self.targ = inp, targ
        d = inp.reshape(-1) - targ
        self.out = (d * d).sum() / targ.numel()
        return self.out

    def backward(self):
        _called_first(self, "Mse")
        d = self.inp.reshape(-1) - self.targ
        self.inp.g = (2 * d / self.targ.numel()).reshape(self.inp.shape)


# --- Model ----------------------------------------------------------------------


class Model__named_layers(Model):
    """One attribute per layer, the backward calls written out."""

    def __init__(self, w1, b1, w2, b2):
        self.lin1, self.relu, self.lin2 = Lin(w1, b1), Relu(), Lin(w2, b2)
        self.mse = Mse()

    def __call__(self, x, targ):
        return self.mse(self.lin2(self.relu(self.lin1(x))), targ)

    def backward(self):
        self.mse.backward()
        self.lin2.backward()
        self.relu.backward()
        self.lin1.backward()


class Model__loss_in_the_list(Model):
    """The loss kept with the layers; backward walks the whole list backwards."""

    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1, b1), Relu(), Lin(w2, b2)]
        self.loss = Mse()
        self.everything = [*self.layers, self.loss]

    def backward(self):
        for layer in self.everything[::-1]:
            layer.backward()


# --- device readiness: correct on every device (see dojo.readiness) ----------------


class Lin__backward_bias_grad_from_new_zeros(Lin):
    """b.g summed onto zeros made like out.g (its device and dtype)."""

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = self.out.g.new_zeros(self.b.shape) + self.out.g.sum(0)
