"""Plausible wrong solutions of kata 11_nn_linear; each must be caught.

A definition named `<Class>__<what>` replaces `<Class>` of the reference: a class
overriding one method (`__init__` or `forward`) of the reference's.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

# This file is appended to the reference module (tests/katarun.py): LinearLayer,
# Model and mse are the reference's.

import math

import torch
import torch.nn.functional as F
from torch import nn

EXPECTED = {
    "LinearLayer__bias_trick_with_cpu_ones": "wrong",
    "LinearLayer__weight_n_in_by_n_out": "wrong",
    "LinearLayer__xavier_std": "wrong",
    "LinearLayer__plain_randn": "wrong",
    "LinearLayer__fan_out_std": "wrong",
    "LinearLayer__nn_linear_default_init": "wrong",
    "LinearLayer__uniform_with_the_std_as_bound": "wrong",
    "LinearLayer__random_bias": "wrong",
    "LinearLayer__bias_plain_tensor": "wrong",
    "LinearLayer__bias_buffer": "wrong",
    "LinearLayer__weight_plain_tensor_requiring_grad": "wrong",
    "LinearLayer__named_w_and_b": "wrong",
    "LinearLayer__subclasses_nn_linear": "rule broken",
    "LinearLayer__forward_without_transpose": "wrong",
    "LinearLayer__forward_calls_f_linear": "rule broken",
    "LinearLayer__forward_without_bias": "wrong",
    "LinearLayer__forward_detaches_the_weight": "wrong",
    "LinearLayer__forward_uses_weight_data": "wrong",
    "LinearLayer__forward_in_float32": "wrong",
    "Model__no_relu": "wrong",
    "Model__relu_after_the_output": "wrong",
    "Model__layers_in_a_plain_list": "wrong",
    "Model__one_layer": "wrong",
    "Model__layer_sizes_swapped": "wrong",
    "Model__weights_in_n_in_by_n_out_layout": "wrong",
    "Model__layers_in_a_dict": "wrong",
    "Model__target_not_squeezed": "wrong",
    "Model__returns_the_predictions": "wrong",
    "Model__sum_instead_of_mean": "wrong",
    "Model__mean_absolute_error": "wrong",
}


def _kaiming(n_out, n_in):
    return torch.randn(n_out, n_in) * math.sqrt(2 / n_in)


# --- LinearLayer.__init__ -------------------------------------------------------------


class LinearLayer__weight_n_in_by_n_out(LinearLayer):
    """The book's forward-pass layout, (n_in, n_out) and x @ w: not nn.Linear's."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * math.sqrt(2 / n_in))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


class LinearLayer__xavier_std(LinearLayer):
    """std 1 / sqrt(n_in): Xavier's, not Kaiming's."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.randn(n_out, n_in) / math.sqrt(n_in))
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__plain_randn(LinearLayer):
    """std 1: forgets the scale."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.randn(n_out, n_in))
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__fan_out_std(LinearLayer):
    """sqrt(2 / n_out): the fan-in read from the wrong dimension."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.randn(n_out, n_in) * math.sqrt(2 / n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__nn_linear_default_init(LinearLayer):
    """nn.Linear's own init, kaiming_uniform_ with a=sqrt(5): std 1 / sqrt(3 n_in)."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.empty(n_out, n_in))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__uniform_with_the_std_as_bound(LinearLayer):
    """Uniform on [-std, std]: its std is std / sqrt(3)."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        std = math.sqrt(2 / n_in)
        self.weight = nn.Parameter((torch.rand(n_out, n_in) * 2 - 1) * std)
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__random_bias(LinearLayer):
    """A random bias: the book's starts at zero."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(_kaiming(n_out, n_in))
        self.bias = nn.Parameter(torch.randn(n_out))


class LinearLayer__bias_plain_tensor(LinearLayer):
    """The bias as a plain tensor attribute: not a parameter, never trained."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(_kaiming(n_out, n_in))
        self.bias = torch.zeros(n_out)


class LinearLayer__bias_buffer(LinearLayer):
    """The bias as a buffer: in state_dict and moved by .to(), but not a parameter."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(_kaiming(n_out, n_in))
        self.register_buffer("bias", torch.zeros(n_out))


class LinearLayer__weight_plain_tensor_requiring_grad(LinearLayer):
    """A tensor with requires_grad=True is not an nn.Parameter: nn.Module does not see it."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight = _kaiming(n_out, n_in).requires_grad_()
        self.bias = nn.Parameter(torch.zeros(n_out))


class LinearLayer__named_w_and_b(LinearLayer):
    """The book's w and b names: the state_dict does not fit nn.Linear's."""

    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.w = nn.Parameter(_kaiming(n_out, n_in))
        self.b = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.w.t() + self.b


class LinearLayer__subclasses_nn_linear(nn.Linear):
    """Inherits nn.Linear (its forward calls F.linear), re-initialising the weight."""

    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        with torch.no_grad():
            self.weight.copy_(_kaiming(n_out, n_in))
            self.bias.zero_()


# --- LinearLayer.forward --------------------------------------------------------------


class LinearLayer__forward_without_transpose(LinearLayer):
    """x @ weight: runs when the weight is square."""

    def forward(self, x):
        return x @ self.weight + self.bias


class LinearLayer__forward_calls_f_linear(LinearLayer):
    """The very function the layer stands for."""

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class LinearLayer__forward_without_bias(LinearLayer):
    """Forgets the bias."""

    def forward(self, x):
        return x @ self.weight.t()


class LinearLayer__forward_detaches_the_weight(LinearLayer):
    """Right values, but no gradient reaches the weight."""

    def forward(self, x):
        return x @ self.weight.detach().t() + self.bias


class LinearLayer__forward_uses_weight_data(LinearLayer):
    """.data: right values, no gradient for the weight."""

    def forward(self, x):
        return x @ self.weight.data.t() + self.bias


class LinearLayer__forward_in_float32(LinearLayer):
    """Casts the result to float32."""

    def forward(self, x):
        return (x @ self.weight.t() + self.bias).float()


# --- Model.__init__ -------------------------------------------------------------------


class Model__no_relu(Model):
    """Two linear layers with nothing between them."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.layers = nn.Sequential(LinearLayer(n_in, nh), LinearLayer(nh, n_out))


class Model__relu_after_the_output(Model):
    """A ReLU after the second layer too: the model cannot predict a negative number."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.layers = nn.Sequential(
            LinearLayer(n_in, nh), nn.ReLU(), LinearLayer(nh, n_out), nn.ReLU()
        )


class Model__layers_in_a_plain_list(Model):
    """A Python list hides the layers from nn.Module: no parameters, .to() moves nothing."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.stack = [LinearLayer(n_in, nh), nn.ReLU(), LinearLayer(nh, n_out)]

    def forward(self, x, targ):
        for layer in self.stack:
            x = layer(x)
        return mse(x, targ)


class Model__one_layer(Model):
    """A single linear layer n_in -> n_out."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.layers = nn.Sequential(LinearLayer(n_in, n_out))


class Model__layer_sizes_swapped(Model):
    """LinearLayer(nh, n_in) and LinearLayer(n_out, nh): each layer's sizes the wrong way."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.layers = nn.Sequential(LinearLayer(nh, n_in), nn.ReLU(), LinearLayer(n_out, nh))


class _InByOutLinear(nn.Module):
    """A linear layer with the book's forward-pass layout: weight (n_in, n_out), x @ w."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * math.sqrt(2 / n_in))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


class Model__weights_in_n_in_by_n_out_layout(Model):
    """Its layers keep the weight (n_in, n_out), not nn.Linear's (n_out, n_in)."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.layers = nn.Sequential(_InByOutLinear(n_in, nh), nn.ReLU(), _InByOutLinear(nh, n_out))


class Model__layers_in_a_dict(Model):
    """A plain dict of layers: as hidden from nn.Module as a list."""

    def __init__(self, n_in, nh, n_out):
        nn.Module.__init__(self)
        self.parts = {"first": LinearLayer(n_in, nh), "second": LinearLayer(nh, n_out)}

    def forward(self, x, targ):
        return mse(self.parts["second"](torch.relu(self.parts["first"](x))), targ)


# --- Model.forward --------------------------------------------------------------------


class Model__target_not_squeezed(Model):
    """(N, 1) - (N,) broadcasts to (N, N): every prediction against every target."""

    def forward(self, x, targ):
        return (self.layers(x) - targ).pow(2).mean()


class Model__returns_the_predictions(Model):
    """Returns the output of the stack, not the loss."""

    def forward(self, x, targ):
        return self.layers(x)


class Model__sum_instead_of_mean(Model):
    """The sum of the squared errors."""

    def forward(self, x, targ):
        out = self.layers(x)
        out = out.squeeze(-1) if targ.dim() == 1 else out
        return (out - targ).pow(2).sum()


class Model__mean_absolute_error(Model):
    """abs instead of the square."""

    def forward(self, x, targ):
        out = self.layers(x)
        out = out.squeeze(-1) if targ.dim() == 1 else out
        return (out - targ).abs().mean()


# --- device readiness: caught on any machine (see dojo.readiness) ------------------


class LinearLayer__bias_trick_with_cpu_ones(LinearLayer):
    """The bias trick (a column of ones on x, the bias as one more weight column),
    with the ones made without device=: on a GPU, torch.cat mixes devices."""

    def forward(self, x):
        ones = torch.ones(x.shape[0], 1, dtype=x.dtype)
        x1 = torch.cat([x, ones], dim=1)
        w1 = torch.cat([self.weight, self.bias[:, None]], dim=1)
        return x1 @ w1.t()
