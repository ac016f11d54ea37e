"""Correct solutions of kata 06_initialization written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
The random ones draw other numbers than the reference (normal_, torch.normal,
uniform draws with the same std): the tests accept any of them.
"""

import math

import torch

# --- init_scale ---------------------------------------------------------------


def init_scale__sqrt_2_over_sqrt_n(n_in, activation):
    """The book's forms: 1 / math.sqrt(n_in), and math.sqrt(2) / math.sqrt(n_in)."""
    if activation == "linear":
        return 1 / math.sqrt(n_in)
    if activation == "relu":
        return math.sqrt(2) / math.sqrt(n_in)
    raise ValueError(f"unknown activation {activation!r}")


def init_scale__power_one_half(n_in, activation):
    """(gain / n_in) ** 0.5, the gain looked up in a dict."""
    gains = {"linear": 1, "relu": 2}
    if activation not in gains:
        raise ValueError(f"activation must be one of {sorted(gains)}")
    return (gains[activation] / n_in) ** 0.5


def init_scale__negative_power(n_in, activation):
    """n_in ** -0.5, times math.sqrt(2) for ReLU (four roundings: still within the bound)."""
    if activation not in ("linear", "relu"):
        raise ValueError(activation)
    scale = n_in ** -0.5
    return scale * math.sqrt(2) if activation == "relu" else scale


def init_scale__match_statement(n_in, activation):
    """A match statement, math.pow for the root."""
    match activation:
        case "linear":
            variance = 1 / n_in
        case "relu":
            variance = 2 / n_in
        case _:
            raise ValueError(f"{activation!r} is neither 'linear' nor 'relu'")
    return math.pow(variance, 0.5)


# --- xavier_init --------------------------------------------------------------


def xavier_init__book_divides_by_sqrt(n_in, n_out, *, generator=None, device=None, dtype=None):
    """The book's form: torch.randn(m, nh) / math.sqrt(m)."""
    w = torch.randn(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w / math.sqrt(n_in)


def xavier_init__normal_in_place(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.empty(...).normal_(0, std, generator=generator)."""
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return w.normal_(0.0, init_scale(n_in, "linear"), generator=generator)


def xavier_init__torch_normal(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.normal(0, std, size) with every keyword passed on."""
    return torch.normal(
        0.0, 1 / math.sqrt(n_in), size=(n_in, n_out), generator=generator,
        device=device, dtype=dtype,
    )


def xavier_init__uniform_same_std(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Uniform on [-b, b] with b = sqrt(3) * std: the same std, lighter tails."""
    bound = math.sqrt(3) * init_scale(n_in, "linear")
    w = torch.rand(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return (w * 2 - 1) * bound


def xavier_init__uniform_in_place(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.empty(...).uniform_(-b, b) with b = sqrt(3 / n_in)."""
    bound = math.sqrt(3 / n_in)
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return w.uniform_(-bound, bound, generator=generator)


def xavier_init__float64_draws_then_cast(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Draws in float64, scales, then casts to the dtype asked for (torch's default for None)."""
    w = torch.randn(n_in, n_out, generator=generator, device=device, dtype=torch.float64)
    return (w / math.sqrt(n_in)).to(dtype or torch.get_default_dtype())


def xavier_init__mul_in_place(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Scales the fresh tensor in place with mul_."""
    w = torch.randn(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w.mul_(init_scale(n_in, "linear"))


# --- kaiming_init -------------------------------------------------------------


def kaiming_init__book_times_sqrt(n_in, n_out, *, generator=None, device=None, dtype=None):
    """The book's form: torch.randn(m, nh) * math.sqrt(2 / m)."""
    w = torch.randn(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w * math.sqrt(2 / n_in)


def kaiming_init__normal_in_place(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.empty(...).normal_(0, std, generator=generator), std from init_scale."""
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return w.normal_(0.0, init_scale(n_in, "relu"), generator=generator)


def kaiming_init__torch_normal(n_in, n_out, *, generator=None, device=None, dtype=None):
    """torch.normal(0, sqrt(2) / sqrt(n_in), size)."""
    return torch.normal(
        0.0, math.sqrt(2) / math.sqrt(n_in), size=(n_in, n_out), generator=generator,
        device=device, dtype=dtype,
    )


def kaiming_init__uniform_same_std(n_in, n_out, *, generator=None, device=None, dtype=None):
    """He's uniform variant: uniform on [-b, b], b = sqrt(6 / n_in), so std sqrt(2 / n_in)."""
    bound = math.sqrt(6 / n_in)
    w = torch.empty(n_in, n_out, device=device, dtype=dtype)
    return w.uniform_(-bound, bound, generator=generator)


def kaiming_init__xavier_times_sqrt_2(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Xavier's draw times math.sqrt(2)."""
    w = torch.randn(n_in, n_out, generator=generator, device=device, dtype=dtype)
    return w / math.sqrt(n_in) * math.sqrt(2)


def kaiming_init__transposed_draw(n_in, n_out, *, generator=None, device=None, dtype=None):
    """Draws (n_out, n_in) like nn.Linear and returns the transpose: (n_in, n_out), a view."""
    w = torch.randn(n_out, n_in, generator=generator, device=device, dtype=dtype)
    return w.t() * math.sqrt(2 / n_in)
