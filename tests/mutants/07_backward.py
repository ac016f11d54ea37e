"""Plausible wrong solutions of kata 07_backward; each must be caught.

A definition named `<function>__<what>` replaces `<function>` of the reference.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

# This file is appended to the reference module (tests/katarun.py): lin, relu, mse,
# mse_grad, relu_grad and lin_grad below are the reference's.

import torch

EXPECTED = {
    "relu_grad__where_with_zeros_without_device": "wrong",
    "mse_grad__no_factor_2": "wrong",
    "mse_grad__no_division_by_n": "wrong",
    "mse_grad__no_unsqueeze": "wrong",
    "mse_grad__no_squeeze": "wrong",
    "mse_grad__result_in_float32": "wrong",
    "mse_grad__returns_instead_of_setting": "wrong",
    "mse_grad__squeeze_in_place": "rule broken",
    "mse_grad__backward": "rule broken",
    "mse_grad__func_grad": "rule broken",
    "relu_grad__ignores_upstream": "wrong",
    "relu_grad__mask_in_inp_dtype": "wrong",
    "relu_grad__no_mask": "wrong",
    "relu_grad__mask_from_out_ge_0": "wrong",
    "relu_grad__zeroes_upstream_in_place": "rule broken",
    "relu_grad__replaces_upstream": "rule broken",
    "relu_grad__overwrites_inp_with_mask": "rule broken",
    "relu_grad__autograd_grad": "rule broken",
    "relu_grad__requires_grad_attribute": "rule broken",
    "lin_grad__transposed_wg": "wrong",
    "lin_grad__bg_summed_over_wrong_axis": "wrong",
    "lin_grad__bg_mean": "wrong",
    "lin_grad__inpg_without_transpose": "wrong",
    "lin_grad__forgets_bg": "wrong",
    "lin_grad__result_in_float32": "wrong",
    "lin_grad__transposes_w_in_place": "rule broken",
    "lin_grad__func_vjp": "rule broken",
    "mse_grad__accumulates": "wrong",
    "mse_grad__adds_to_unset_g": "crashed",
    "relu_grad__accumulates_into_zeros": "wrong",
    "relu_grad__accumulates": "wrong",
    "lin_grad__accumulates_with_getattr": "wrong",
    "lin_grad__accumulates_into_zeros": "wrong",
    "lin_grad__adds_to_unset_wg": "crashed",
    "forward_and_backward__lin_grad_before_mse_grad": "crashed",
    "forward_and_backward__skips_relu_grad": "wrong",
    "forward_and_backward__relu_grad_too_early": "crashed",
    "forward_and_backward__no_factor_2": "wrong",
    "forward_and_backward__returns_nothing": "wrong",
    "forward_and_backward__loss_as_float": "wrong",
    "forward_and_backward__sgd_step_inside": "rule broken",
    "forward_and_backward__loss_backward": "rule broken",
}


# --- mse_grad -------------------------------------------------------------------


def mse_grad__no_factor_2(inp, targ):
    """Forgets the 2 of d(x ** 2)/dx = 2x."""
    inp.g = (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]


def mse_grad__no_division_by_n(inp, targ):
    """Differentiates the sum, not the mean (right only for N = 1)."""
    inp.g = 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1)


def mse_grad__no_unsqueeze(inp, targ):
    """Leaves the gradient (N,), not inp's (N, 1)."""
    inp.g = 2.0 * (inp.squeeze(-1) - targ) / inp.shape[0]


def mse_grad__no_squeeze(inp, targ):
    """(N, 1) - (N,) broadcasts to (N, N) (right only for N = 1)."""
    inp.g = 2.0 * (inp - targ) / inp.shape[0]


def mse_grad__sign_flipped(inp, targ):
    """targ - inp: the gradient points the wrong way."""
    inp.g = 2.0 * (targ - inp.squeeze(-1)).unsqueeze(-1) / inp.shape[0]


def mse_grad__mean_instead_of_division(inp, targ):
    """.mean() of the errors instead of dividing each by N: one number broadcast."""
    inp.g = (2.0 * (inp.squeeze(-1) - targ)).mean() + 0 * inp


def mse_grad__result_in_float32(inp, targ):
    """.float() loses float64."""
    inp.g = (2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]).float()


def mse_grad__returns_instead_of_setting(inp, targ):
    """Returns the gradient instead of storing it in inp.g."""
    return 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]


def mse_grad__squeeze_in_place(inp, targ):
    """squeeze_ changes the caller's inp to (N,)."""
    inp.g = 2.0 * (inp.squeeze_(-1) - targ).unsqueeze(-1) / inp.shape[0]


def mse_grad__backward(inp, targ):
    """Lets autograd do it: requires_grad_ and .backward()."""
    x = inp.detach().clone().requires_grad_()
    mse(x, targ).backward()
    inp.g = x.grad


def mse_grad__func_grad(inp, targ):
    """torch.func.grad: autograd underneath."""
    inp.g = torch.func.grad(lambda x: mse(x, targ))(inp)


def mse_grad__accumulates(inp, targ):
    """Adds to an earlier inp.g: getattr(inp, "g", 0) + ... (a second call doubles it)."""
    inp.g = getattr(inp, "g", 0) + 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]


def mse_grad__adds_to_unset_g(inp, targ):
    """inp.g += ...: reads inp.g, which nothing has set."""
    inp.g += 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]


# --- relu_grad ------------------------------------------------------------------


def relu_grad__ignores_upstream(inp, out):
    """The derivative of ReLU alone, without the chain rule's out.g (float32 too)."""
    inp.g = (inp > 0).float()


def relu_grad__mask_in_inp_dtype(inp, out):
    """The derivative of ReLU alone, in inp's dtype: only the values are wrong."""
    inp.g = (inp > 0).to(inp.dtype)


def relu_grad__no_mask(inp, out):
    """Passes out.g through unchanged, negatives included."""
    inp.g = out.g.clone()


def relu_grad__mask_from_out_ge_0(inp, out):
    """out >= 0 everywhere (out is a ReLU's output): the mask is all ones."""
    inp.g = (out >= 0).to(out.g.dtype) * out.g


def relu_grad__mask_inverted(inp, out):
    """Keeps the gradient where inp < 0 instead of inp > 0."""
    inp.g = (inp < 0).to(out.g.dtype) * out.g


def relu_grad__result_in_float32(inp, out):
    """.float() on the product: float64 gradients come back float32."""
    inp.g = ((inp > 0) * out.g).float()


def relu_grad__zeroes_upstream_in_place(inp, out):
    """Writes the mask into out.g itself, then hands it on."""
    out.g[inp <= 0] = 0.0
    inp.g = out.g


def relu_grad__replaces_upstream(inp, out):
    """Masks out.g by rebinding the caller's attribute, then hands it on."""
    out.g = out.g * (inp > 0)
    inp.g = out.g


def relu_grad__overwrites_inp_with_mask(inp, out):
    """Builds the mask in inp's own memory."""
    inp[inp > 0] = 1.0
    inp[inp <= 0] = 0.0
    inp.g = inp * out.g


def relu_grad__autograd_grad(inp, out):
    """torch.autograd.grad on a copy that requires grad."""
    x = inp.detach().clone().requires_grad_(True)
    (inp.g,) = torch.autograd.grad(relu(x), x, out.g)


def relu_grad__requires_grad_attribute(inp, out):
    """Sets x.requires_grad = True instead of calling requires_grad_(), then .backward()."""
    x = inp.detach().clone()
    x.requires_grad = True
    relu(x).backward(out.g)
    inp.g = x.grad


def relu_grad__accumulates(inp, out):
    """Adds to an earlier inp.g: getattr(inp, "g", 0) + ..."""
    inp.g = getattr(inp, "g", 0) + (inp > 0).to(out.g.dtype) * out.g


def relu_grad__accumulates_into_zeros(inp, out):
    """Makes inp.g zeros the first time only, then adds in place on every call."""
    if not hasattr(inp, "g"):
        inp.g = torch.zeros_like(out.g)
    inp.g += (inp > 0) * out.g


# --- lin_grad -------------------------------------------------------------------


def lin_grad__transposed_wg(inp, out, w, b):
    """out.g.t() @ inp is (n_out, n_in): w.g transposed (right shape when square)."""
    inp.g = out.g @ w.t()
    w.g = out.g.t() @ inp
    b.g = out.g.sum(0)


def lin_grad__bg_summed_over_wrong_axis(inp, out, w, b):
    """Sums out.g over the outputs instead of the batch: (N,), right shape when N == n_out."""
    inp.g = out.g @ w.t()
    w.g = inp.t() @ out.g
    b.g = out.g.sum(1)


def lin_grad__bg_mean(inp, out, w, b):
    """The mean over the batch instead of the sum (right only for N = 1)."""
    inp.g = out.g @ w.t()
    w.g = inp.t() @ out.g
    b.g = out.g.mean(0)


def lin_grad__inpg_without_transpose(inp, out, w, b):
    """out.g @ w: runs when w is square, values wrong."""
    inp.g = out.g @ w
    w.g = inp.t() @ out.g
    b.g = out.g.sum(0)


def lin_grad__inpg_from_the_wrong_side(inp, out, w, b):
    """w.t() @ out.g: the product the other way round (runs when every size is equal)."""
    inp.g = w.t() @ out.g
    w.g = inp.t() @ out.g
    b.g = out.g.sum(0)


def lin_grad__wg_from_the_wrong_side(inp, out, w, b):
    """out.g @ inp.t()... transposed back: (inp @ out.g.t()) is (N, N), not (n_in, n_out)."""
    inp.g = out.g @ w.t()
    w.g = (out.g @ inp.t()).t()
    b.g = out.g.sum(0)


def lin_grad__forgets_bg(inp, out, w, b):
    """Sets inp.g and w.g only."""
    inp.g = out.g @ w.t()
    w.g = inp.t() @ out.g


def lin_grad__bg_keepdim(inp, out, w, b):
    """sum(0, keepdim=True): (1, n_out), not b's (n_out,)."""
    inp.g = out.g @ w.t()
    w.g = inp.t() @ out.g
    b.g = out.g.sum(0, keepdim=True)


def lin_grad__result_in_float32(inp, out, w, b):
    """.float() on w.g: float64 weights get float32 gradients."""
    inp.g = out.g @ w.t()
    w.g = (inp.t() @ out.g).float()
    b.g = out.g.sum(0)


def lin_grad__transposes_w_in_place(inp, out, w, b):
    """w.t_() transposes the caller's w in place."""
    inp.g = out.g @ w.t_()
    w.g = inp.t() @ out.g
    b.g = out.g.sum(0)


def lin_grad__func_vjp(inp, out, w, b):
    """torch.func.vjp: autograd underneath."""
    _, pullback = torch.func.vjp(lambda x, w, b: x @ w + b, inp, w, b)
    inp.g, w.g, b.g = pullback(out.g)


def lin_grad__accumulates_with_getattr(inp, out, w, b):
    """getattr(t, "g", 0) + ...: adds to the .g of an earlier call."""
    inp.g = getattr(inp, "g", 0) + out.g @ w.t()
    w.g = getattr(w, "g", 0) + inp.t() @ out.g
    b.g = getattr(b, "g", 0) + out.g.sum(0)


def lin_grad__accumulates_into_zeros(inp, out, w, b):
    """Makes each .g zeros the first time only, then adds in place on every call."""
    for t in (inp, w, b):
        if not hasattr(t, "g"):
            t.g = torch.zeros_like(t)
    inp.g += out.g @ w.t()
    w.g += inp.t() @ out.g
    b.g += out.g.sum(0)


def lin_grad__adds_to_unset_wg(inp, out, w, b):
    """w.g += ...: reads w.g, which nothing has set."""
    inp.g = out.g @ w.t()
    w.g += inp.t() @ out.g
    b.g = out.g.sum(0)


# --- forward_and_backward --------------------------------------------------------


def forward_and_backward__lin_grad_before_mse_grad(inp, targ, w1, b1, w2, b2):
    """The second layer's lin_grad before mse_grad: out.g does not exist yet."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    lin_grad(l2, out, w2, b2)
    mse_grad(out, targ)
    relu_grad(l1, l2)
    lin_grad(inp, l1, w1, b1)
    return loss

def forward_and_backward__skips_relu_grad(inp, targ, w1, b1, w2, b2):
    """Hands l2's gradient straight to the first layer: no ReLU mask."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    mse_grad(out, targ)
    lin_grad(l2, out, w2, b2)
    lin_grad(inp, l2, w1, b1)
    return loss


def forward_and_backward__relu_grad_too_early(inp, targ, w1, b1, w2, b2):
    """relu_grad before the second layer's lin_grad: l2.g does not exist yet."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    mse_grad(out, targ)
    relu_grad(l1, l2)
    lin_grad(l2, out, w2, b2)
    lin_grad(inp, l1, w1, b1)
    return loss


def forward_and_backward__layers_in_forward_order(inp, targ, w1, b1, w2, b2):
    """Runs the first layer's lin_grad on out's gradient, as if the layers came in order."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    mse_grad(out, targ)
    lin_grad(l2, out, w2, b2)
    l1.g = l2.g
    lin_grad(inp, l1, w1, b1)
    relu_grad(l1, l2)
    return loss


def forward_and_backward__no_factor_2(inp, targ, w1, b1, w2, b2):
    """Its own mse gradient, without the 2."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    out.g = (out.squeeze(-1) - targ).unsqueeze(-1) / out.shape[0]
    lin_grad(l2, out, w2, b2)
    relu_grad(l1, l2)
    lin_grad(inp, l1, w1, b1)
    return loss


def forward_and_backward__returns_nothing(inp, targ, w1, b1, w2, b2):
    """The book's function returns nothing: here the loss is asked for."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    mse_grad(out, targ)
    lin_grad(l2, out, w2, b2)
    relu_grad(l1, l2)
    lin_grad(inp, l1, w1, b1)


def forward_and_backward__loss_as_float(inp, targ, w1, b1, w2, b2):
    """.item(): a Python float, not a 0-dim tensor."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    mse_grad(out, targ)
    lin_grad(l2, out, w2, b2)
    relu_grad(l1, l2)
    lin_grad(inp, l1, w1, b1)
    return mse(out, targ).item()


def forward_and_backward__no_relu_in_forward(inp, targ, w1, b1, w2, b2):
    """Forgets the ReLU in the forward pass (and so in the backward pass)."""
    l1 = lin(inp, w1, b1)
    out = lin(l1, w2, b2)
    loss = mse(out, targ)
    mse_grad(out, targ)
    lin_grad(l1, out, w2, b2)
    lin_grad(inp, l1, w1, b1)
    return loss


def forward_and_backward__sgd_step_inside(inp, targ, w1, b1, w2, b2):
    """Goes on to update the weights in place: the caller's w1 changes."""
    l1 = lin(inp, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, targ)
    mse_grad(out, targ)
    lin_grad(l2, out, w2, b2)
    relu_grad(l1, l2)
    lin_grad(inp, l1, w1, b1)
    w1 -= 0.1 * w1.g
    return loss


def forward_and_backward__loss_backward(inp, targ, w1, b1, w2, b2):
    """Autograd does the backward pass."""
    leaves = [t.detach().clone().requires_grad_() for t in (inp, w1, b1, w2, b2)]
    x, v1, c1, v2, c2 = leaves
    loss = mse(lin(relu(lin(x, v1, c1)), v2, c2), targ)
    loss.backward()
    for t, leaf in zip((inp, w1, b1, w2, b2), leaves):
        t.g = leaf.grad
    return loss.detach()


# --- device readiness: caught on any machine (see dojo.readiness) ------------------


def relu_grad__where_with_zeros_without_device(inp, out):
    """torch.where against zeros of the right dtype, made on the CPU: on a GPU,
    torch.where mixes devices."""
    inp.g = torch.where(inp > 0, out.g, torch.zeros(inp.shape, dtype=out.g.dtype))
