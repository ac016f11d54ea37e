"""Correct solutions of kata 07_backward written differently; each must pass.

A definition named `<function>__<what>` replaces `<function>` of the reference.
"""

# This file is appended to the reference module (tests/katarun.py): lin, relu, mse,
# mse_grad, relu_grad and lin_grad below are the reference's.

import torch

# --- mse_grad -------------------------------------------------------------------


def mse_grad__book(inp, targ):
    """The book's line: inp.squeeze() with no dim is 0-dim for N = 1, and () - (1,)
    broadcasts to (1,), so unsqueeze(-1) still gives (1, 1)."""
    inp.g = 2.0 * (inp.squeeze() - targ).unsqueeze(-1) / inp.shape[0]


def mse_grad__targ_as_column(inp, targ):
    """Makes targ a column instead of squeezing inp."""
    inp.g = (inp - targ[:, None]) * (2 / targ.shape[0])


def mse_grad__first_column_and_index(inp, targ):
    """inp[:, 0] and [:, None]; divides by len(targ)."""
    inp.g = (2 * (inp[:, 0] - targ) / len(targ))[:, None]


def mse_grad__view_as(inp, targ):
    """Flattens inp, then views the result as inp (a contiguous copy: view_as is safe)."""
    diff = inp.reshape(-1) - targ
    inp.g = (diff + diff).div(inp.shape[0]).view_as(inp)


def mse_grad__fresh_zeros_then_add(inp, targ):
    """A new zeros tensor on every call, added into: the gradient is replaced each time."""
    g = torch.zeros_like(inp)
    g += 2.0 * (inp - targ[:, None]) / inp.shape[0]
    inp.g = g


# --- relu_grad ------------------------------------------------------------------


def relu_grad__book(inp, out):
    """The book's line: (inp > 0).float() * out.g (float32 mask, promoted by out.g)."""
    inp.g = (inp > 0).float() * out.g


def relu_grad__mask_from_out(inp, out):
    """out > 0 exactly where inp > 0, since out = relu(inp)."""
    inp.g = out.g * (out > 0)


def relu_grad__one_at_zero(inp, out):
    """Derivative 1 at exactly 0 (clamp_min's convention)."""
    inp.g = torch.where(inp >= 0, out.g, torch.zeros_like(out.g))


def relu_grad__where_with_python_zero(inp, out):
    """torch.where with a Python 0.0: keeps out.g's dtype."""
    inp.g = torch.where(inp > 0, out.g, 0.0)


def relu_grad__clone_then_zero(inp, out):
    """Copies out.g first, then zeroes the copy where inp <= 0."""
    g = out.g.clone()
    g[inp <= 0] = 0
    inp.g = g


def relu_grad__masked_fill(inp, out):
    """masked_fill (not masked_fill_): a new tensor."""
    inp.g = out.g.masked_fill(inp <= 0, 0.0)


def relu_grad__fresh_zeros_then_add(inp, out):
    """inp.g = zeros on every call, then += in place: replaced, not accumulated."""
    inp.g = torch.zeros_like(out.g)
    inp.g += (inp > 0) * out.g


# --- lin_grad -------------------------------------------------------------------


def lin_grad__book(inp, out, w, b):
    """The book's lin_grad, line for line: each .g assigned, so a second call replaces it."""
    # grad of matmul with respect to input
    inp.g = out.g @ w.t()
    w.g = inp.t() @ out.g
    b.g = out.g.sum(0)


def lin_grad__fresh_zeros_then_add(inp, out, w, b):
    """Every .g set to new zeros on every call, then added into in place."""
    inp.g, w.g, b.g = torch.zeros_like(inp), torch.zeros_like(w), torch.zeros_like(b)
    inp.g += out.g @ w.t()
    w.g += inp.t() @ out.g
    b.g += out.g.sum(0)


def lin_grad__book_print(inp, out, w, b):
    """The book's printed version: w.g by broadcasting and a sum over the batch."""
    inp.g = out.g @ w.t()
    w.g = (inp.unsqueeze(-1) * out.g.unsqueeze(1)).sum(0)
    b.g = out.g.sum(0)


def lin_grad__transpose_of_transpose(inp, out, w, b):
    """w.g as (out.g.t() @ inp).t(), inp.g as (w @ out.g.t()).t()."""
    inp.g = (w @ out.g.t()).t()
    w.g = (out.g.t() @ inp).t()
    b.g = out.g.sum(dim=0)


def lin_grad__einsum(inp, out, w, b):
    """Each gradient as an einsum."""
    inp.g = torch.einsum("nj,ij->ni", out.g, w)
    w.g = torch.einsum("ni,nj->ij", inp, out.g)
    b.g = torch.einsum("nj->j", out.g)


def lin_grad__mm_and_ones(inp, out, w, b):
    """torch.mm, and b.g as a ones vector times out.g."""
    inp.g = torch.mm(out.g, w.T)
    w.g = torch.mm(inp.T, out.g)
    b.g = out.g.new_ones(out.g.shape[0]) @ out.g


# --- forward_and_backward --------------------------------------------------------


def forward_and_backward__book(inp, targ, w1, b1, w2, b2):
    """The book's function with the weights passed in and the loss returned."""
    # forward pass:
    l1 = inp @ w1 + b1
    l2 = relu(l1)
    out = l2 @ w2 + b2
    # we don't actually need the loss in backward!
    loss = mse(out, targ)
    # backward pass:
    mse_grad(out, targ)
    lin_grad(l2, out, w2, b2)
    relu_grad(l1, l2)
    lin_grad(inp, l1, w1, b1)
    return loss


def forward_and_backward__inline(inp, targ, w1, b1, w2, b2):
    """Everything written out, no helper calls, mask >= 0 (1 at exactly 0)."""
    n = inp.shape[0]
    l1 = torch.addmm(b1, inp, w1)
    l2 = torch.where(l1 > 0, l1, 0.0)
    out = torch.addmm(b2, l2, w2)
    diff = out[:, 0] - targ
    loss = (diff * diff).sum() / n
    out_g = (2 * diff / n)[:, None]
    w2.g = l2.t() @ out_g
    b2.g = out_g.sum(0)
    l2_g = out_g @ w2.t()
    l1_g = l2_g * (l1 >= 0)
    w1.g = torch.einsum("ni,nj->ij", inp, l1_g)
    b1.g = l1_g.sum(0)
    inp.g = l1_g @ w1.t()
    return loss


def relu_grad__zeros_like_then_mask(inp, out):
    """zeros_like keeps the device (and the dtype of out.g); the mask copies out.g."""
    g = torch.zeros_like(out.g)
    g[inp > 0] = out.g[inp > 0]
    inp.g = g
