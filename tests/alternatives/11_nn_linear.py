"""Correct solutions of kata 11_nn_linear written differently; each must pass.

A definition named `<Class>__<what>` replaces `<Class>` of the reference. The
initialisations draw other numbers than the reference (torch.nn.init's Kaiming
functions with their defaults, uniform draws with the same std): the tests accept
any of them. torch.nn.init is allowed here: kaiming_normal_ and kaiming_uniform_
read the fan-in from dimension 1 of an (n_out, n_in) weight, which is n_in.
"""

# This file is appended to the reference module (tests/katarun.py): LinearLayer,
# Model and mse are the reference's.

import math

import torch
import torch.nn.functional as F
from torch import nn

# --- LinearLayer ----------------------------------------------------------------------


class LinearLayer__kaiming_normal_(LinearLayer):
    """torch.nn.init.kaiming_normal_ with nonlinearity='relu': std sqrt(2 / fan_in)."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.empty(n_out, n_in))
        nn.init.kaiming_normal_(self.weight, nonlinearity="relu")
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__kaiming_uniform_with_its_defaults(LinearLayer):
    """kaiming_uniform_ with a=0 (its default, unlike nn.Linear's a=sqrt(5)): bound
    sqrt(6 / n_in), std sqrt(2 / n_in)."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(nn.init.kaiming_uniform_(torch.empty(n_out, n_in)))
        self.bias = nn.Parameter(nn.init.zeros_(torch.empty(n_out)))


class LinearLayer__uniform_by_hand(LinearLayer):
    """Uniform on [-b, b] with b = sqrt(3) * std."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        bound = math.sqrt(3) * math.sqrt(2 / n_in)
        self.weight = nn.Parameter((torch.rand(n_out, n_in) * 2 - 1) * bound)
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__register_parameter_bias_first(LinearLayer):
    """register_parameter, the bias before the weight, normal_ in place."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.register_parameter("bias", nn.Parameter(torch.zeros(n_out)))
        self.register_parameter(
            "weight", nn.Parameter(torch.empty(n_out, n_in).normal_(0, math.sqrt(2 / n_in)))
        )


class LinearLayer__addmm_forward(LinearLayer):
    """One fused call: bias + x @ weight.t()."""

    def forward(self, x):
        return torch.addmm(self.bias, x, self.weight.t())


class LinearLayer__broadcast_sum_forward(LinearLayer):
    """No matrix product: (N, 1, n_in) * (n_out, n_in) summed over n_in."""

    def forward(self, x):
        return (x[:, None, :] * self.weight).sum(-1) + self.bias


class LinearLayer__einsum_forward(LinearLayer):
    """einsum: 'ni,oi->no'."""

    def forward(self, x):
        return torch.einsum("ni,oi->no", x, self.weight) + self.bias


# --- Model ----------------------------------------------------------------------------


def book_mse(output, targ):
    return (output.squeeze(-1) - targ).pow(2).mean()


class Model__the_books_code(Model):
    """The book's Model: nn.Linear layers, `.squeeze()` on the output, then its mse.
    With n_out > 1 and N == 1 the squeezed (n_out,) output broadcasts against the
    (1, n_out) target to (1, n_out): the same mean."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.layers = nn.Sequential(nn.Linear(n_in, nh), nn.ReLU(), nn.Linear(nh, n_out))
        self.loss = book_mse

    def forward(self, x, targ):
        return self.loss(self.layers(x).squeeze(), targ)


class Model__attributes_f_relu_and_f_mse_loss(Model):
    """Two attributes, F.relu between them, F.mse_loss on shapes that match."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.first = LinearLayer(n_in, nh)
        self.second = LinearLayer(nh, n_out)

    def forward(self, x, targ):
        out = self.second(F.relu(self.first(x)))
        return F.mse_loss(out.reshape(targ.shape), targ)


class Model__target_as_a_column(Model):
    """Makes a (N,) target (N, 1) instead of squeezing the output."""

    def forward(self, x, targ):
        out = self.layers(x)
        if targ.dim() == 1:
            targ = targ[:, None]
        return ((out - targ) ** 2).mean()


class Model__own_parameters_bias_first(Model):
    """Its own four parameters, each bias registered before its weight, clamp_min ReLU."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.b1 = nn.Parameter(torch.zeros(nh))
        self.w1 = nn.Parameter(torch.randn(nh, n_in) * math.sqrt(2 / n_in))
        self.b2 = nn.Parameter(torch.zeros(n_out))
        self.w2 = nn.Parameter(torch.randn(n_out, nh) * math.sqrt(2 / nh))

    def forward(self, x, targ):
        out = (x @ self.w1.t() + self.b1).clamp_min(0.0) @ self.w2.t() + self.b2
        return (out.view(targ.shape) - targ).pow(2).mean()


class Model__output_layer_registered_first(Model):
    """Registers the output layer before the hidden one (parameters() lists w2, b2
    first) and uses them in the right order: as correct as any other naming."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.output = LinearLayer(nh, n_out)
        self.hidden = LinearLayer(n_in, nh)

    def forward(self, x, targ):
        out = self.output(F.relu(self.hidden(x)))
        return (out.reshape(targ.shape) - targ).pow(2).mean()


# --- device readiness: correct on every device (see dojo.readiness) ----------------


class LinearLayer__bias_trick_with_new_ones(LinearLayer):
    """The bias trick, with the column of ones made like x (its device and dtype)."""

    def forward(self, x):
        x1 = torch.cat([x, x.new_ones(x.shape[0], 1)], dim=1)
        w1 = torch.cat([self.weight, self.bias[:, None]], dim=1)
        return x1 @ w1.t()
