"""Plausible wrong solutions of kata 05_forward_pass; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

# The model variants call lin and relu: this file is appended to the reference
# module (tests/katarun.py), whose lin and relu they then use.

import torch
import torch.nn.functional as F

EXPECTED = {
    "lin__transposes_w": "wrong",
    "lin__no_bias": "wrong",
    "lin__result_in_float32": "wrong",
    "lin__uses_f_linear": "rule broken",
    "lin__uses_nn_linear": "rule broken",
    "relu__abs": "wrong",
    "relu__clamp_max": "wrong",
    "relu__clamp_min_in_place": "rule broken",
    "relu__masked_assignment_in_place": "rule broken",
    "relu__uses_torch_relu": "rule broken",
    "relu__uses_nn_relu": "rule broken",
    "mse__no_squeeze": "wrong",
    "mse__f_mse_loss_without_squeeze": "wrong",
    "mse__sum_instead_of_mean": "wrong",
    "mse__keepdim_shape_1": "wrong",
    "mse__item_returns_float": "wrong",
    "mse__rebuilt_with_torch_tensor": "wrong",
    "mse__squeeze_in_place": "rule broken",
    "model__no_relu": "wrong",
    "model__layers_swapped": "wrong",
    "model__relu_after_each_layer": "wrong",
    "model__uses_f_linear": "rule broken",
}


# --- lin ------------------------------------------------------------------------


def lin__transposes_w(x, w, b):
    """Takes w as nn.Linear's (n_out, n_in): x @ w.t() (runs when w is square)."""
    return x @ w.t() + b


def lin__no_bias(x, w, b):
    """Forgets the bias."""
    return x @ w


def lin__bias_per_row(x, w, b):
    """Adds the bias per row of x instead of per output (runs when N == n_out)."""
    return x @ w + b[:, None]


def lin__result_in_float32(x, w, b):
    """Casts the result to float32: float64 inputs come back changed."""
    return (x @ w + b).float()


def lin__uses_f_linear(x, w, b):
    """Calls the layer it is asked to write (with the transpose F.linear needs)."""
    return F.linear(x, w.t(), b)


def lin__uses_nn_linear(x, w, b):
    """Builds an nn.Linear around the weights: F.linear underneath."""
    layer = torch.nn.Linear(w.shape[0], w.shape[1], dtype=x.dtype, device=x.device)
    with torch.no_grad():
        layer.weight.copy_(w.t())
        layer.bias.copy_(b)
        return layer(x)


# --- relu -----------------------------------------------------------------------


def relu__abs(x):
    """Makes negatives positive instead of zero."""
    return x.abs()


def relu__clamp_max(x):
    """clamp_max instead of clamp_min: keeps the negatives, zeroes the positives."""
    return x.clamp_max(0.0)


def relu__clamp_to_one(x):
    """Clamps to [0, 1]: right below 1, wrong above."""
    return x.clamp(0.0, 1.0)


def relu__step(x):
    """The derivative of ReLU (1 where x > 0), not ReLU itself."""
    return (x > 0).to(x.dtype)


def relu__clamp_min_in_place(x):
    """clamp_min_ writes into the caller's tensor."""
    return x.clamp_min_(0.0)


def relu__masked_assignment_in_place(x):
    """Zeroes the negatives of the input itself."""
    x[x < 0] = 0.0
    return x


def relu__uses_torch_relu(x):
    """The ready-made ReLU."""
    return torch.relu(x)


def relu__uses_nn_relu(x):
    """The ready-made ReLU as a module: F.relu underneath."""
    return torch.nn.ReLU()(x)


# --- mse ------------------------------------------------------------------------


def mse__no_squeeze(output, targ):
    """(N, 1) - (N,) broadcasts to (N, N): the mean of every prediction against every target."""
    return (output - targ).pow(2).mean()


def mse__f_mse_loss_without_squeeze(output, targ):
    """F.mse_loss broadcasts (N, 1) against (N,) too (with only a warning)."""
    return F.mse_loss(output, targ)


def mse__no_mean(output, targ):
    """Returns the squared errors, one per row, not their mean."""
    return (output.squeeze(-1) - targ).pow(2)


def mse__sum_instead_of_mean(output, targ):
    """Sums the squared errors: N times too large."""
    return (output.squeeze(-1) - targ).pow(2).sum()


def mse__keepdim_shape_1(output, targ):
    """mean(0, keepdim=True): shape (1,), not a 0-dim tensor."""
    return (output.squeeze(-1) - targ).pow(2).mean(0, keepdim=True)


def mse__item_returns_float(output, targ):
    """.item() turns the loss into a Python float."""
    return (output.squeeze(-1) - targ).pow(2).mean().item()


def mse__rebuilt_with_torch_tensor(output, targ):
    """torch.tensor(a float) is float32 on the CPU, whatever the inputs are."""
    return torch.tensor((output.squeeze(-1) - targ).pow(2).mean().item())


def mse__mean_absolute_error(output, targ):
    """abs instead of the square."""
    return (output.squeeze(-1) - targ).abs().mean()


def mse__square_of_mean_error(output, targ):
    """Squares the mean error: errors of opposite sign cancel."""
    return (output.squeeze(-1) - targ).mean().pow(2)


def mse__squeeze_in_place(output, targ):
    """squeeze_ changes the caller's output tensor to (N,)."""
    return (output.squeeze_(-1) - targ).pow(2).mean()


# --- model ----------------------------------------------------------------------


def model__no_relu(x, w1, b1, w2, b2):
    """Two linear layers with nothing between them: one linear layer in disguise."""
    return lin(lin(x, w1, b1), w2, b2)


def model__layers_swapped(x, w1, b1, w2, b2):
    """Runs the second layer first (runs when every size is the same)."""
    return lin(relu(lin(x, w2, b2)), w1, b1)


def model__relu_after_each_layer(x, w1, b1, w2, b2):
    """A ReLU on the output too: the model can no longer predict a negative number."""
    return relu(lin(relu(lin(x, w1, b1)), w2, b2))


def model__relu_on_input(x, w1, b1, w2, b2):
    """ReLU on x before the first layer instead of between the layers."""
    return lin(lin(relu(x), w1, b1), w2, b2)


def model__first_bias_twice(x, w1, b1, w2, b2):
    """Uses b1 in the second layer as well (runs when nh == n_out)."""
    return lin(relu(lin(x, w1, b1)), w2, b1)


def model__uses_f_linear(x, w1, b1, w2, b2):
    """F.linear for the layers."""
    return F.linear(relu(F.linear(x, w1.t(), b1)), w2.t(), b2)
