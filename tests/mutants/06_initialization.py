"""Plausible wrong solutions of kata 06_initialization; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

import math

import numpy as np
import torch

EXPECTED = {
    "init_scale__no_square_root": "wrong",
    "init_scale__forgets_the_two": "wrong",
    "init_scale__ignores_case": "wrong",
    "init_scale__returns_none_for_others": "wrong",
    "init_scale__key_error_for_others": "wrong",
    "init_scale__torch_calculate_gain": "rule broken",
    "init_scale__numpy_sqrt": "rule broken",
    "init_scale__rounded": "wrong",
    "xavier_init__plain_randn": "wrong",
    "xavier_init__transposed_shape": "wrong",
    "xavier_init__ignores_generator": "wrong",
    "xavier_init__ignores_device": "wrong",
    "xavier_init__ignores_dtype": "wrong",
    "xavier_init__nn_linear_weight": "rule broken",
    "kaiming_init__forgets_the_two": "wrong",
    "kaiming_init__ignores_generator": "wrong",
    "kaiming_init__ignores_device": "wrong",
    "kaiming_init__ignores_dtype": "wrong",
    "kaiming_init__kaiming_uniform_": "rule broken",
}


def _randn(n_in, n_out, generator, device, dtype):
    return torch.randn(n_in, n_out, generator=generator, device=device, dtype=dtype)


# --- init_scale ---------------------------------------------------------------


def init_scale__no_square_root(n_in, activation):
    """Returns the variance, gain / n_in, instead of its square root."""
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    return (2.0 if activation == "relu" else 1.0) / n_in


def init_scale__forgets_the_two(n_in, activation):
    """1 / sqrt(n_in) for ReLU too: Xavier where Kaiming is asked for."""
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    return 1 / math.sqrt(n_in)


def init_scale__two_for_linear_too(n_in, activation):
    """sqrt(2 / n_in) for both activations."""
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    return math.sqrt(2 / n_in)


def init_scale__ignores_case(n_in, activation):
    """Lower-cases the activation, so "ReLU" and "Linear" are accepted."""
    activation = activation.lower()
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    return math.sqrt((2.0 if activation == "relu" else 1.0) / n_in)


def init_scale__returns_none_for_others(n_in, activation):
    """Falls through for an unknown activation and returns None."""
    if activation == "relu":
        return math.sqrt(2 / n_in)
    if activation == "linear":
        return 1 / math.sqrt(n_in)


def init_scale__key_error_for_others(n_in, activation):
    """A dict lookup: an unknown activation raises KeyError, not ValueError."""
    return math.sqrt({"linear": 1.0, "relu": 2.0}[activation] / n_in)


def init_scale__tanh_too(n_in, activation):
    """Accepts "tanh" as well (torch's gain 5/3), where only linear and relu exist."""
    gains = {"linear": 1.0, "relu": math.sqrt(2.0), "tanh": 5.0 / 3}
    if activation not in gains:
        raise ValueError(activation)
    return gains[activation] / math.sqrt(n_in)


def init_scale__torch_calculate_gain(n_in, activation):
    """Asks torch.nn.init.calculate_gain for the gain."""
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    return torch.nn.init.calculate_gain(activation) / math.sqrt(n_in)


def init_scale__numpy_sqrt(n_in, activation):
    """np.sqrt: a numpy float64, and numpy is not allowed."""
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    return np.sqrt((2.0 if activation == "relu" else 1.0) / n_in)


def init_scale__rounded(n_in, activation):
    """Rounds the scale to 4 decimals."""
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    return round(math.sqrt((2.0 if activation == "relu" else 1.0) / n_in), 4)


# --- xavier_init --------------------------------------------------------------


def xavier_init__plain_randn(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.randn alone: std 1 (activations explode through 50 layers)."""
    return _randn(n_in, n_out, generator, device, dtype)


def xavier_init__divides_by_n_in(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Divides by n_in instead of its square root: std 1 / n_in."""
    return _randn(n_in, n_out, generator, device, dtype) / n_in


def xavier_init__fan_out(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Scales by the number of outputs: std 1 / sqrt(n_out)."""
    return _randn(n_in, n_out, generator, device, dtype) / math.sqrt(n_out)


def xavier_init__glorot_average_of_fans(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.nn.init.xavier_normal_'s std, sqrt(2 / (n_in + n_out)), not the book's."""
    return _randn(n_in, n_out, generator, device, dtype) * math.sqrt(2 / (n_in + n_out))


def xavier_init__kaiming_scale(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Kaiming's std, sqrt(2 / n_in), for Xavier."""
    return _randn(n_in, n_out, generator, device, dtype) * math.sqrt(2 / n_in)


def xavier_init__transposed_shape(n_in, n_out, *, generator=None, device=None, dtype=None):
    """(n_out, n_in), nn.Linear's layout."""
    return _randn(n_out, n_in, generator, device, dtype) / math.sqrt(n_in)


def xavier_init__rand_not_randn(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.rand: uniform on [0, 1), mean 0.5, not normal."""
    w = torch.rand(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w / math.sqrt(n_in)


def xavier_init__uniform_bound_is_the_std(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Uniform on [-s, s]: its std is s / sqrt(3), not s."""
    s = 1 / math.sqrt(n_in)
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return w.uniform_(-s, s, generator=generator)


def xavier_init__ignores_generator(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Never passes the generator on: torch's global generator is used."""
    return torch.randn(n_in, n_out, device=device, dtype=dtype) / math.sqrt(n_in)


def xavier_init__restarts_from_the_seed(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Makes a new generator from the given one's seed: every call repeats the same weights."""
    if generator is not None:
        generator = torch.Generator(device=generator.device).manual_seed(generator.initial_seed())
    return _randn(n_in, n_out, generator, device, dtype) / math.sqrt(n_in)


def xavier_init__own_generator_when_none(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Makes a fresh generator when none is given (always the same default seed)."""
    if generator is None:
        generator = torch.Generator(device=device or "cpu")
    return _randn(n_in, n_out, generator, device, dtype) / math.sqrt(n_in)


def xavier_init__ignores_device(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Never passes device on: the weights are made on torch's default device."""
    return torch.randn(n_in, n_out, generator=generator, dtype=dtype) / math.sqrt(n_in)


def xavier_init__ignores_dtype(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Never passes dtype on: always float32."""
    return torch.randn(n_in, n_out, generator=generator, device=device) / math.sqrt(n_in)


def xavier_init__float64_by_default(n_in, n_out, *, generator=None, device=None, dtype=None):
    """dtype=None gives float64 instead of torch's default."""
    return _randn(n_in, n_out, generator, device, dtype or torch.float64) / math.sqrt(n_in)


def xavier_init__nn_linear_weight(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Takes the transposed weight of a new nn.Linear."""
    layer = torch.nn.Linear(n_in, n_out, device=device, dtype=dtype)
    return layer.weight.detach().t()


def xavier_init__torch_xavier_normal_(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.nn.init.xavier_normal_: averages the fans, std sqrt(2 / (n_in + n_out))."""
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return torch.nn.init.xavier_normal_(w, generator=generator)


# --- kaiming_init -------------------------------------------------------------


def kaiming_init__plain_randn(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.randn alone: std 1 (activations overflow through 50 layers)."""
    return _randn(n_in, n_out, generator, device, dtype)


def kaiming_init__forgets_the_two(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Xavier's std, 1 / sqrt(n_in): ReLU activations vanish through 50 layers."""
    return _randn(n_in, n_out, generator, device, dtype) / math.sqrt(n_in)


def kaiming_init__no_square_root(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Multiplies by the variance, 2 / n_in, instead of its square root."""
    return _randn(n_in, n_out, generator, device, dtype) * (2 / n_in)


def kaiming_init__two_outside_the_root(n_in, n_out, *, generator=None, device=None, dtype=None):
    """2 / sqrt(n_in): the 2 belongs inside the square root."""
    return _randn(n_in, n_out, generator, device, dtype) * (2 / math.sqrt(n_in))


def kaiming_init__fan_out(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Scales by the number of outputs: std sqrt(2 / n_out)."""
    return _randn(n_in, n_out, generator, device, dtype) * math.sqrt(2 / n_out)


def kaiming_init__transposed_shape(n_in, n_out, *, generator=None, device=None, dtype=None):
    """(n_out, n_in), nn.Linear's layout."""
    return _randn(n_out, n_in, generator, device, dtype) * math.sqrt(2 / n_in)


def kaiming_init__rand_not_randn(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.rand: uniform on [0, 1), mean 0.5, not normal."""
    w = torch.rand(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w * math.sqrt(2 / n_in)


def kaiming_init__uniform_bound_is_the_std(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Uniform on [-s, s]: its std is s / sqrt(3), not s."""
    s = math.sqrt(2 / n_in)
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return w.uniform_(-s, s, generator=generator)


def kaiming_init__ignores_generator(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Never passes the generator on: torch's global generator is used."""
    return torch.randn(n_in, n_out, device=device, dtype=dtype) * math.sqrt(2 / n_in)


def kaiming_init__ignores_device(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Makes the weights on torch's default device, then multiplies by a tensor scale."""
    scale = torch.tensor(2.0 / n_in).sqrt()
    return torch.randn(n_in, n_out, generator=generator, dtype=dtype) * scale


def kaiming_init__ignores_dtype(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Never passes dtype on: always float32."""
    return torch.randn(n_in, n_out, generator=generator, device=device) * math.sqrt(2 / n_in)


def kaiming_init__torch_kaiming_normal_(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.nn.init.kaiming_normal_ on (n_in, n_out): torch reads the fan-in from
    dimension 1 (its weights are (n_out, n_in)), so the std is sqrt(2 / n_out)."""
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return torch.nn.init.kaiming_normal_(w, nonlinearity="relu", generator=generator)


def kaiming_init__kaiming_uniform_(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.nn.init.kaiming_uniform_ (what nn.Linear uses), in fan_out mode."""
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return torch.nn.init.kaiming_uniform_(
        w, mode="fan_out", nonlinearity="relu", generator=generator
    )
