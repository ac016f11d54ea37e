"""Plausible wrong solutions of kata 10_autograd_function; each must be caught.

A definition named `<name>__<what>` replaces `<name>` of the reference. The class
variants subclass the reference's class and override one method, so the other
one stays right.
`EXPECTED` names the verdict a mutant must get when the reason matters.
"""

# This file is appended to the reference module (tests/katarun.py): MyRelu, MyLinear,
# math and torch below are the reference's.

import torch
import torch.nn.functional as F

EXPECTED = {
    "MyLinear__backward_bias_grad_on_the_cpu": "wrong",
    "MyRelu__forward_where_with_cpu_zeros": "wrong",
    "fit_with_my_relu__bias_on_the_cpu": "wrong",
    "MyRelu__ignores_grad_output": "wrong",
    "MyRelu__passes_grad_output_through": "wrong",
    "MyRelu__mask_inverted": "wrong",
    "MyRelu__gradient_in_float32": "wrong",
    "MyRelu__forward_clamps_input_in_place": "rule broken",
    "MyRelu__backward_masks_grad_output_in_place": "rule broken",
    "MyRelu__backward_asks_autograd": "rule broken",
    "MyRelu__backward_calls_backward": "rule broken",
    "MyRelu__forward_uses_f_relu": "rule broken",
    "MyRelu__two_gradients": "wrong",
    "MyLinear__grad_w_transposed": "wrong",
    "MyLinear__grad_b_summed_over_outputs": "wrong",
    "MyLinear__grad_x_uses_w_t": "wrong",
    "MyLinear__no_bias_gradient": "wrong",
    "MyLinear__grad_b_not_summed": "wrong",
    "MyLinear__two_gradients": "wrong",
    "MyLinear__returns_a_list": "wrong",
    "MyLinear__forward_uses_w_not_w_t": "wrong",
    "MyLinear__forward_uses_f_linear": "rule broken",
    "MyLinear__backward_asks_autograd": "rule broken",
    "fit_with_my_relu__clamp_min_instead_of_my_relu": "wrong",
    "fit_with_my_relu__calls_forward_directly": "wrong",
    "fit_with_my_relu__uses_f_relu": "rule broken",
    "fit_with_my_relu__climbs_the_gradient": "wrong",
    "fit_with_my_relu__returns_tensors": "wrong",
    "fit_with_my_relu__global_rng": "wrong",
    "fit_with_my_relu__manual_seed": "wrong",
    "fit_with_my_relu__ignores_seed": "wrong",
    "fit_with_my_relu__ignores_hidden": "wrong",
    "fit_with_my_relu__ignores_lr": "wrong",
    "fit_with_my_relu__sum_of_squares": "wrong",
    "fit_with_my_relu__no_squeeze": "wrong",
    "fit_with_my_relu__float32_weights": "crashed",
}


# --- MyRelu ---------------------------------------------------------------------------


class MyRelu__ignores_grad_output(MyRelu):
    """Returns ReLU's derivative alone, forgetting the chain rule's grad_output."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return (i > 0).to(grad_output.dtype)


class MyRelu__passes_grad_output_through(MyRelu):
    """Treats ReLU as the identity on the way back."""

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.clone()


class MyRelu__mask_inverted(MyRelu):
    """Lets the gradient through where the input was negative."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * (i < 0)


class MyRelu__gradient_in_float32(MyRelu):
    """Casts the gradient to float32: autograd would cast it back, without the lost digits."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return (grad_output * (i > 0)).float()


class MyRelu__forward_clamps_input_in_place(MyRelu):
    """clamp_min_ writes ReLU into the caller's tensor."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i.clamp_min_(0.0)


class MyRelu__backward_masks_grad_output_in_place(MyRelu):
    """Zeroes grad_output itself: the caller's gradient changes."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        grad_output[i <= 0] = 0
        return grad_output


class MyRelu__backward_asks_autograd(MyRelu):
    """Recomputes ReLU and asks autograd for its gradient, inside backward."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        with torch.enable_grad():
            j = i.detach().requires_grad_()
            return torch.autograd.grad(j.clamp_min(0.0), j, grad_output)[0]


class MyRelu__backward_calls_backward(MyRelu):
    """Recomputes ReLU and calls .backward() on it, inside backward."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        with torch.enable_grad():
            j = i.detach().requires_grad_()
            j.clamp_min(0.0).backward(grad_output)
        return j.grad


class MyRelu__forward_uses_f_relu(MyRelu):
    """The ready-made ReLU in forward."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return F.relu(i)


class MyRelu__two_gradients(MyRelu):
    """Returns a gradient for ctx as well: one too many."""

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return None, grad_output * (i > 0)


# --- MyLinear -------------------------------------------------------------------------


class MyLinear__grad_w_transposed(MyLinear):
    """x.t() @ grad_output is (n_in, n_out): the transpose of w's gradient."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, x.t() @ grad_output, grad_output.sum(0)


class MyLinear__grad_b_summed_over_outputs(MyLinear):
    """Sums grad_output over the outputs instead of the rows (runs when N == n_out)."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, grad_output.t() @ x, grad_output.sum(1)


class MyLinear__grad_x_uses_w_t(MyLinear):
    """grad_output @ w.t(): runs only when w is square, and is wrong there."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w.t(), grad_output.t() @ x, grad_output.sum(0)


class MyLinear__no_bias_gradient(MyLinear):
    """None for b: autograd accepts it and leaves b.grad None."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, grad_output.t() @ x, None


class MyLinear__grad_b_not_summed(MyLinear):
    """grad_output itself for b, (N, n_out): autograd would sum it, the kata asks for b's shape."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, grad_output.t() @ x, grad_output


class MyLinear__two_gradients(MyLinear):
    """Forgets the bias altogether: two gradients for three inputs."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, grad_output.t() @ x


class MyLinear__returns_a_list(MyLinear):
    """A list of gradients: autograd counts it as one."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return [grad_output @ w, grad_output.t() @ x, grad_output.sum(0)]


class MyLinear__forward_uses_w_not_w_t(MyLinear):
    """x @ w + b: the book's forward-pass layout, not nn.Linear's (runs when w is square)."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w + b


class MyLinear__forward_uses_f_linear(MyLinear):
    """Calls the layer it is asked to write."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return F.linear(x, w, b)


class MyLinear__backward_asks_autograd(MyLinear):
    """Redoes the forward with autograd on, and lets autograd compute the gradients."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        b = grad_output.new_zeros(w.shape[0])
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_() for t in (x, w, b)]
            out = leaves[0] @ leaves[1].t() + leaves[2]
            return torch.autograd.grad(out, leaves, grad_output)


# --- fit_with_my_relu -------------------------------------------------------------------


def _init(x, hidden, gen):
    n_in = x.shape[1]
    w1 = torch.randn(n_in, hidden, generator=gen, dtype=x.dtype) * math.sqrt(2 / n_in)
    w2 = torch.randn(hidden, 1, generator=gen, dtype=x.dtype) / math.sqrt(hidden)
    b1 = torch.zeros(hidden, dtype=x.dtype)
    b2 = torch.zeros(1, dtype=x.dtype)
    return [p.to(x.device).requires_grad_() for p in (w1, b1, w2, b2)]


def _train(x, y, params, *, epochs, lr, relu, loss_fn=None, step=1.0, item=True):
    w1, b1, w2, b2 = params
    losses = []
    for _ in range(epochs):
        out = relu(x @ w1 + b1) @ w2 + b2
        loss = loss_fn(out, y) if loss_fn else (out.squeeze(-1) - y).pow(2).mean()
        losses.append(loss.item() if item else loss.detach())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= step * lr * p.grad
                p.grad = None
    return losses


def fit_with_my_relu__clamp_min_instead_of_my_relu(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Trains fine, but with the book's relu: MyRelu never runs."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=lambda t: t.clamp_min(0.0))


def fit_with_my_relu__calls_forward_directly(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """MyRelu.forward(ctx, ...) by hand, not MyRelu.apply: autograd never calls backward
    (clamp_min's own gradient is used)."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))

    class Ctx:
        def save_for_backward(self, *tensors):
            self.saved_tensors = tensors

    relu = lambda t: MyRelu.forward(Ctx(), t)  # noqa: E731
    return _train(x, y, params, epochs=epochs, lr=lr, relu=relu)


def fit_with_my_relu__uses_f_relu(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """The ready-made ReLU."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=F.relu)


def fit_with_my_relu__climbs_the_gradient(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """p += lr * p.grad: the loss goes up."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply, step=-1.0)


def fit_with_my_relu__returns_tensors(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Keeps the 0-dim loss tensors instead of Python floats."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply, item=False)


def fit_with_my_relu__global_rng(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """torch.randn without a generator: every call another model, whatever the seed."""
    n_in = x.shape[1]
    w1 = torch.randn(n_in, hidden, dtype=x.dtype) * math.sqrt(2 / n_in)
    w2 = torch.randn(hidden, 1, dtype=x.dtype) / math.sqrt(hidden)
    params = [p.to(x.device).requires_grad_() for p in
              (w1, torch.zeros(hidden, dtype=x.dtype), w2, torch.zeros(1, dtype=x.dtype))]
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply)


def fit_with_my_relu__manual_seed(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Seeds torch's global generator: reproducible, but it resets everyone's random numbers."""
    torch.manual_seed(seed)
    return fit_with_my_relu__global_rng(x, y, hidden=hidden, epochs=epochs, lr=lr, seed=seed)


def fit_with_my_relu__ignores_seed(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """A generator of its own, always seeded with 0."""
    params = _init(x, hidden, torch.Generator().manual_seed(0))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply)


def fit_with_my_relu__ignores_hidden(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Always 50 hidden units."""
    params = _init(x, 50, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply)


def fit_with_my_relu__ignores_lr(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Always steps with 0.1."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=0.1, relu=MyRelu.apply)


def fit_with_my_relu__sum_of_squares(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """Sums the squared errors: 64 times the mean's gradient, and the steps blow up."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply,
                  loss_fn=lambda out, y: (out.squeeze(-1) - y).pow(2).sum())


def fit_with_my_relu__no_squeeze(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """(N, 1) - (N,) broadcasts to (N, N): the loss falls, but only to var(y)."""
    params = _init(x, hidden, torch.Generator().manual_seed(seed))
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply,
                  loss_fn=lambda out, y: (out - y).pow(2).mean())


def fit_with_my_relu__float32_weights(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """torch.randn without dtype=: float32 weights meet a float64 x."""
    gen = torch.Generator().manual_seed(seed)
    n_in = x.shape[1]
    w1 = torch.randn(n_in, hidden, generator=gen) * math.sqrt(2 / n_in)
    w2 = torch.randn(hidden, 1, generator=gen) / math.sqrt(hidden)
    params = (w1, torch.zeros(hidden), w2, torch.zeros(1))
    params = [p.to(x.device).requires_grad_() for p in params]
    return _train(x, y, params, epochs=epochs, lr=lr, relu=MyRelu.apply)


# --- device readiness: caught on any machine (see dojo.readiness) ------------------


def fit_with_my_relu__bias_on_the_cpu(x, y, *, hidden=50, epochs=100, lr=0.1, seed=0):
    """The reference, with b1 made without device=: on a GPU, x @ w1 + b1 mixes devices."""
    gen = torch.Generator().manual_seed(seed)
    n_in = x.shape[1]

    def weights(n_rows, n_cols, std):
        w = torch.randn(n_rows, n_cols, generator=gen, dtype=x.dtype) * std
        return w.to(x.device).requires_grad_()

    w1 = weights(n_in, hidden, math.sqrt(2 / n_in))
    b1 = torch.zeros(hidden, dtype=x.dtype, requires_grad=True)
    w2 = weights(hidden, 1, 1 / math.sqrt(hidden))
    b2 = torch.zeros(1, dtype=x.dtype, device=x.device, requires_grad=True)
    params = (w1, b1, w2, b2)
    losses = []
    for _ in range(epochs):
        out = MyRelu.apply(x @ w1 + b1) @ w2 + b2
        loss = (out.squeeze(-1) - y).pow(2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return losses


class MyRelu__forward_where_with_cpu_zeros(MyRelu):
    """torch.where against zeros made without device=: on a GPU, forward mixes
    devices."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x > 0, x, torch.zeros(x.shape, dtype=x.dtype))


class MyLinear__backward_bias_grad_on_the_cpu(MyLinear):
    """The bias gradient summed onto zeros made without device=: on a GPU, it mixes
    devices."""

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        b_grad = torch.zeros(w.shape[0], dtype=grad_output.dtype) + grad_output.sum(0)
        return grad_output @ w, grad_output.t() @ x, b_grad
