"""Correct solutions of kata 10_autograd_function written differently; each must pass.

A definition named `<name>__<what>` replaces `<name>` of the reference.
"""

# This file is appended to the reference module (tests/katarun.py): MyRelu, MyLinear,
# math and torch below are the reference's.

import torch

# --- MyRelu ---------------------------------------------------------------------------


class MyRelu__book(torch.autograd.Function):
    """The book's code exactly. `(i > 0).float()` is float32, but grad_output * it is
    promoted back to grad_output's dtype, float64 included, and a mask of 0s and 1s
    loses nothing: it is right for float32 and float64 (not for float16)."""

    @staticmethod
    def forward(ctx, i):
        result = i.clamp_min(0.)
        ctx.save_for_backward(i)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        i, = ctx.saved_tensors
        return grad_output * (i > 0).float()


class MyRelu__mask_includes_zero(MyRelu):
    """i >= 0: the derivative 1 at exactly 0 (clamp_min's own choice), also a subgradient."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * (i >= 0)


class MyRelu__saves_the_output(torch.autograd.Function):
    """Saves the result instead of the input: result > 0 exactly where i > 0."""

    @staticmethod
    def forward(ctx, i):
        result = i.clamp_min(0.0)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * (result > 0)


class MyRelu__where(torch.autograd.Function):
    """torch.where in both directions, and a 1-tuple from backward."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return torch.where(i > 0, i, torch.zeros_like(i))

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return (torch.where(i > 0, grad_output, torch.zeros_like(grad_output)),)


class MyRelu__mask_on_ctx(torch.autograd.Function):
    """Keeps only the mask, as an attribute of ctx (an intermediate, not an input)."""

    @staticmethod
    def forward(ctx, i):
        ctx.mask = i > 0
        return i * ctx.mask

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.mask


class MyRelu__zeroes_a_copy(MyRelu):
    """Clones grad_output, then zeroes the copy where i <= 0."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        grad = grad_output.clone()
        grad[i <= 0] = 0
        return grad


class MyRelu__detached_backward(MyRelu):
    """Computed on detached tensors: a right first derivative that autograd cannot
    differentiate again, so gradgradcheck is not graded for it."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output.detach() * (i.detach() > 0)


# --- MyLinear -------------------------------------------------------------------------


class MyLinear__einsum(torch.autograd.Function):
    """einsum in both directions, saving b as well."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w, b)
        return torch.einsum("ni,oi->no", x, w) + b

    @staticmethod
    def backward(ctx, grad_output):
        x, w, _ = ctx.saved_tensors
        return (
            torch.einsum("no,oi->ni", grad_output, w),
            torch.einsum("no,ni->oi", grad_output, x),
            torch.einsum("no->o", grad_output),
        )


class MyLinear__needs_input_grad(MyLinear):
    """Computes only the gradients autograd asks for (ctx.needs_input_grad)."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_output.mm(w)
        if ctx.needs_input_grad[1]:
            grad_w = grad_output.t().mm(x)
        if ctx.needs_input_grad[2]:
            grad_b = grad_output.sum(dim=0)
        return grad_x, grad_w, grad_b


class MyLinear__transposed_products(MyLinear):
    """(x.t() @ grad_output).t() for w, and addmm in forward."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return torch.addmm(b, x, w.t())

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return (w.t() @ grad_output.t()).t(), (x.t() @ grad_output).t(), grad_output.sum(0)


class MyLinear__detached_saved_tensors(MyLinear):
    """Detaches what it saved: the gradients are right, but their graph does not reach
    x and w, so gradgradcheck is not graded for it."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = (t.detach() for t in ctx.saved_tensors)
        return grad_output @ w, grad_output.t() @ x, grad_output.sum(0)


class MyLinear__broadcast_and_sum(MyLinear):
    """No matrix products: broadcasting and sums (kata 03's way)."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return (x[:, None, :] * w[None, :, :]).sum(-1) + b

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        grad_x = (grad_output[:, :, None] * w[None, :, :]).sum(1)
        grad_w = (grad_output[:, :, None] * x[:, None, :]).sum(0)
        return grad_x, grad_w, grad_output.sum(0)


# --- fit_with_my_relu -------------------------------------------------------------------


def fit_with_my_relu__optim_sgd_and_my_linear(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """(n_out, n_in) weights through MyLinear.apply, uniform init like nn.Linear's, the
    generator on x's device for the weights, and torch.optim.SGD for the steps."""
    gen = torch.Generator().manual_seed(seed)
    n_in = x.shape[1]

    def uniform(*shape, fan_in):
        bound = 1 / math.sqrt(fan_in)
        u = torch.rand(*shape, generator=gen, dtype=x.dtype) * 2 - 1
        return (u * bound).to(x.device).requires_grad_()

    w1, b1 = uniform(hidden, n_in, fan_in=n_in), uniform(hidden, fan_in=n_in)
    w2, b2 = uniform(1, hidden, fan_in=hidden), uniform(1, fan_in=hidden)
    opt = torch.optim.SGD([w1, b1, w2, b2], lr=lr)
    losses = []
    for _ in range(epochs):
        hidden_out = MyRelu.apply(MyLinear.apply(x, w1, b1))
        out = MyLinear.apply(hidden_out, w2, b2)
        loss = torch.nn.functional.mse_loss(out[:, 0], y)
        losses.append(float(loss))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return losses


def fit_with_my_relu__book_init_zero_grad(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """The book's init, both layers scaled by sqrt(2 / fan_in), and grad.zero_()."""
    gen = torch.Generator().manual_seed(seed)
    n_in = x.shape[1]
    kw = {"generator": gen, "dtype": x.dtype}
    w1 = (torch.randn(n_in, hidden, **kw) * math.sqrt(2 / n_in)).to(x.device)
    w2 = (torch.randn(hidden, 1, **kw) * math.sqrt(2 / hidden)).to(x.device)
    b1 = x.new_zeros(hidden)
    b2 = x.new_zeros(1)
    params = [w1, b1, w2, b2]
    for p in params:
        p.requires_grad_()
    losses = []
    for _ in range(epochs):
        l1 = x @ w1 + b1
        l2 = MyRelu.apply(l1)
        l3 = l2 @ w2 + b2
        loss = (l3.squeeze(-1) - y).pow(2).mean()
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            for p in params:
                p.sub_(lr * p.grad)
                p.grad.zero_()
    return losses


def fit_with_my_relu__small_init(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Small normal weights (std 0.1) and w2 drawn first: slower, still learns."""
    gen = torch.Generator().manual_seed(seed)
    w2 = torch.randn(hidden, 1, generator=gen, dtype=x.dtype).mul(0.1).to(x.device)
    w1 = torch.randn(x.shape[1], hidden, generator=gen, dtype=x.dtype).mul(0.1).to(x.device)
    params = [w1, torch.zeros_like(w1[0]), w2, torch.zeros_like(w2[0])]
    for p in params:
        p.requires_grad_()
    losses = []
    for _ in range(epochs):
        out = MyRelu.apply(x @ params[0] + params[1]) @ params[2] + params[3]
        loss = ((out[:, 0] - y) ** 2).mean()
        losses.append(loss.item())
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
    return losses


class MyRelu__tutorial_names(torch.autograd.Function):
    """PyTorch's own tutorial spells forward's input `input`; fit_with_my_relu counts
    forward calls by the contract's name `i`, whatever the learner wrote."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


# --- device readiness: correct on every device (see dojo.readiness) ----------------


class MyRelu__forward_where_with_zeros_like(MyRelu):
    """torch.where against zeros made like x (its device and dtype)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x > 0, x, torch.zeros_like(x))
