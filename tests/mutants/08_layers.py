"""Plausible wrong solutions of kata 08_layers; each must be caught.

A definition named `<Class>__<what>` replaces `<Class>` of the reference: most
subclass the reference class and override one method, named first in <what>
(`Lin__backward_...` overrides `Lin.backward`). `EXPECTED` names the verdict a
mutant must get when the reason matters.
"""

# This file is appended to the reference module (tests/katarun.py): Relu, Lin, Mse,
# Model and the helper _called_first are the reference's.

import torch

EXPECTED = {
    "Lin__backward_bias_grad_from_cpu_zeros": "wrong",
    "Relu__call_clamp_max": "wrong",
    "Relu__call_abs": "wrong",
    "Relu__call_clamp_min_in_place": "rule broken",
    "Relu__call_returns_a_copy": "crashed",
    "Relu__backward_ignores_upstream": "wrong",
    "Relu__backward_builds_float32": "wrong",
    "Relu__backward_inverted_mask": "wrong",
    "Relu__backward_accumulates": "wrong",
    "Relu__backward_no_check_before_call": "wrong",
    "Relu__backward_with_autograd": "rule broken",
    "Lin__init_clones_weights": "wrong",
    "Lin__init_detaches_weights": "wrong",
    "Lin__init_contiguous_weights": "wrong",
    "Lin__init_stores_nn_linear_layout": "wrong",
    "Lin__call_transposes_w": "wrong",
    "Lin__call_no_bias": "wrong",
    "Lin__call_stores_a_copy_of_inp": "wrong",
    "Lin__call_result_in_float32": "wrong",
    "Lin__backward_transposed_wg": "wrong",
    "Lin__backward_bias_over_outputs": "wrong",
    "Lin__backward_bias_mean": "wrong",
    "Lin__backward_forgets_bias": "wrong",
    "Lin__backward_accumulates": "wrong",
    "Lin__backward_no_check_before_call": "wrong",
    "Lin__backward_with_autograd": "rule broken",
    "Mse__call_no_squeeze": "wrong",
    "Mse__call_sum_instead_of_mean": "wrong",
    "Mse__call_item_returns_float": "wrong",
    "Mse__call_stores_squeezed_inp": "wrong",
    "Mse__backward_missing_2": "wrong",
    "Mse__backward_missing_mean": "wrong",
    "Mse__backward_shape_n": "wrong",
    "Mse__backward_sign_flipped": "wrong",
    "Mse__backward_accumulates": "wrong",
    "Mse__backward_no_check_before_call": "wrong",
    "Mse__backward_with_autograd": "rule broken",
    "Model__init_no_relu": "wrong",
    "Model__init_copies_weights": "wrong",
    "Model__init_relu_after_output": "wrong",
    "Model__call_returns_predictions": "wrong",
    "Model__call_squeezes_output": "crashed",
    "Model__call_layers_reversed": "crashed",
    "Model__backward_forward_order": "wrong",
    "Model__backward_skips_loss": "wrong",
    "Model__backward_skips_relu": "wrong",
    "Model__backward_with_autograd": "rule broken",
}


# --- Relu -----------------------------------------------------------------------


class Relu__call_clamp_max(Relu):
    """clamp_max instead of clamp_min: keeps the negatives, zeroes the positives."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp.clamp_max(0.0)
        return self.out


class Relu__call_abs(Relu):
    """Makes negatives positive instead of zero."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp.abs()
        return self.out


class Relu__call_clamp_min_in_place(Relu):
    """clamp_min_ writes into the caller's tensor."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp.clamp_min_(0.0)
        return self.out


class Relu__call_returns_a_copy(Relu):
    """Returns a copy of what it stores: out.g, set on the copy, never reaches backward()."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp.clamp_min(0.0)
        return self.out.clone()


class Relu__backward_ignores_upstream(Relu):
    """The mask alone: the local derivative, not times out.g."""

    def backward(self):
        _called_first(self, "Relu")
        self.inp.g = (self.inp > 0).to(self.inp.dtype)


class Relu__backward_builds_float32(Relu):
    """torch.zeros(shape) is float32: float64 gradients come back float32."""

    def backward(self):
        _called_first(self, "Relu")
        g = torch.zeros(self.inp.shape, device=self.inp.device)
        mask = self.inp > 0
        g[mask] = self.out.g[mask].float()
        self.inp.g = g


class Relu__backward_inverted_mask(Relu):
    """Lets the gradient through where inp < 0 instead of inp > 0."""

    def backward(self):
        _called_first(self, "Relu")
        self.inp.g = (self.inp < 0) * self.out.g


class Relu__backward_accumulates(Relu):
    """Adds to an earlier inp.g instead of replacing it."""

    def backward(self):
        _called_first(self, "Relu")
        g = (self.inp > 0) * self.out.g
        self.inp.g = self.inp.g + g if hasattr(self.inp, "g") else g


class Relu__backward_no_check_before_call(Relu):
    """The book's backward: before any call, Python's own AttributeError."""

    def backward(self):
        self.inp.g = (self.inp > 0).float() * self.out.g


class Relu__backward_with_autograd(Relu):
    """Lets autograd find the derivative."""

    def backward(self):
        _called_first(self, "Relu")
        inp = self.inp.detach().requires_grad_()
        (self.inp.g,) = torch.autograd.grad(inp.clamp_min(0.0), inp, self.out.g)


# --- Lin ------------------------------------------------------------------------


class Lin__init_clones_weights(Lin):
    """Keeps copies of w and b: w.g and b.g land on the copies, not the caller's tensors."""

    def __init__(self, w, b):
        self.w, self.b = w.clone(), b.clone()


class Lin__init_detaches_weights(Lin):
    """w.detach() is a new tensor object: w.g set on it is not on w."""

    def __init__(self, w, b):
        self.w, self.b = w.detach(), b.detach()


class Lin__init_contiguous_weights(Lin):
    """w.contiguous() copies a non-contiguous w: then w.g is set on the copy."""

    def __init__(self, w, b):
        self.w, self.b = w.contiguous(), b


class Lin__init_stores_nn_linear_layout(Lin):
    """Stores w.t() as nn.Linear's (n_out, n_in) weight: w.g lands on the view."""

    def __init__(self, w, b):
        self.w, self.b = w.t(), b

    def __call__(self, inp):
        self.inp = inp
        self.out = inp @ self.w.t() + self.b
        return self.out

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w
        self.w.g = self.out.g.t() @ self.inp
        self.b.g = self.out.g.sum(0)


class Lin__call_transposes_w(Lin):
    """Takes w as (n_out, n_in): inp @ w.t() (runs when w is square)."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp @ self.w.t() + self.b
        return self.out


class Lin__call_no_bias(Lin):
    """Forgets the bias."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp @ self.w
        return self.out


class Lin__call_stores_a_copy_of_inp(Lin):
    """Remembers a copy of inp: inp.g lands on the copy."""

    def __call__(self, inp):
        self.inp = inp.clone()
        self.out = inp @ self.w + self.b
        return self.out


class Lin__call_result_in_float32(Lin):
    """Casts the output to float32."""

    def __call__(self, inp):
        self.inp = inp
        self.out = (inp @ self.w + self.b).float()
        return self.out


class Lin__backward_transposed_wg(Lin):
    """w.g as out.g.t() @ inp: (n_out, n_in), the transpose of w's shape."""

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.out.g.t() @ self.inp
        self.b.g = self.out.g.sum(0)


class Lin__backward_bias_over_outputs(Lin):
    """Sums out.g over the outputs (dim 1) instead of the batch."""

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = self.out.g.sum(1)


class Lin__backward_bias_mean(Lin):
    """Averages out.g over the batch: b was added to every row, so its gradient is the sum."""

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = self.out.g.mean(0)


class Lin__backward_forgets_bias(Lin):
    """Sets inp.g and w.g only."""

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g


class Lin__backward_accumulates(Lin):
    """Adds to earlier gradients, as autograd's .grad does: here .g is replaced."""

    def backward(self):
        _called_first(self, "Lin")
        new = {
            "inp": self.out.g @ self.w.t(),
            "w": self.inp.t() @ self.out.g,
            "b": self.out.g.sum(0),
        }
        for name, g in new.items():
            t = getattr(self, name)
            t.g = t.g + g if hasattr(t, "g") else g


class Lin__backward_no_check_before_call(Lin):
    """The book's backward: before any call, Python's own AttributeError."""

    def backward(self):
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = self.out.g.sum(0)


class Lin__backward_with_autograd(Lin):
    """Recomputes the layer on copies that require grad and calls .backward()."""

    def backward(self):
        _called_first(self, "Lin")
        inp, w, b = (t.detach().clone() for t in (self.inp, self.w, self.b))
        for t in (inp, w, b):
            t.requires_grad = True
        (inp @ w + b).backward(self.out.g)
        self.inp.g, self.w.g, self.b.g = inp.grad, w.grad, b.grad


# --- Mse ------------------------------------------------------------------------


class Mse__call_no_squeeze(Mse):
    """(N, 1) - (N,) broadcasts to (N, N)."""

    def __call__(self, inp, targ):
        self.inp, self.targ = inp, targ
        self.out = (inp - targ).pow(2).mean()
        return self.out


class Mse__call_sum_instead_of_mean(Mse):
    """Sums the squared errors: N times too large."""

    def __call__(self, inp, targ):
        self.inp, self.targ = inp, targ
        self.out = (inp.squeeze(-1) - targ).pow(2).sum()
        return self.out


class Mse__call_item_returns_float(Mse):
    """.item() turns the loss into a Python float."""

    def __call__(self, inp, targ):
        self.inp, self.targ = inp, targ
        self.out = (inp.squeeze(-1) - targ).pow(2).mean().item()
        return self.out


class Mse__call_stores_squeezed_inp(Mse):
    """Remembers inp.squeeze(-1), a new tensor object: inp.g lands on it, not on inp."""

    def __call__(self, inp, targ):
        self.inp, self.targ = inp.squeeze(-1), targ
        self.out = (self.inp - targ).pow(2).mean()
        return self.out

    def backward(self):
        _called_first(self, "Mse")
        self.inp.g = 2.0 * (self.inp - self.targ) / self.targ.shape[0]


class Mse__backward_missing_2(Mse):
    """Forgets the 2 that the square brings down."""

    def backward(self):
        _called_first(self, "Mse")
        self.inp.g = (self.inp.squeeze(-1) - self.targ).unsqueeze(-1) / self.targ.shape[0]


class Mse__backward_missing_mean(Mse):
    """Forgets the 1/N of the mean."""

    def backward(self):
        _called_first(self, "Mse")
        self.inp.g = 2.0 * (self.inp.squeeze(-1) - self.targ).unsqueeze(-1)


class Mse__backward_shape_n(Mse):
    """Leaves the gradient (N,): inp is (N, 1)."""

    def backward(self):
        _called_first(self, "Mse")
        self.inp.g = 2.0 * (self.inp.squeeze(-1) - self.targ) / self.targ.shape[0]


class Mse__backward_sign_flipped(Mse):
    """targ - inp: the derivative of (inp - targ)**2 with respect to targ, not inp."""

    def backward(self):
        _called_first(self, "Mse")
        self.inp.g = 2.0 * (self.targ - self.inp.squeeze(-1)).unsqueeze(-1) / self.targ.shape[0]


class Mse__backward_accumulates(Mse):
    """Adds to an earlier inp.g."""

    def backward(self):
        _called_first(self, "Mse")
        g = 2.0 * (self.inp.squeeze(-1) - self.targ).unsqueeze(-1) / self.targ.shape[0]
        self.inp.g = self.inp.g + g if hasattr(self.inp, "g") else g


class Mse__backward_no_check_before_call(Mse):
    """The book's backward: before any call, Python's own AttributeError."""

    def backward(self):
        x = (self.inp.squeeze() - self.targ).unsqueeze(-1)
        self.inp.g = 2.0 * x / self.targ.shape[0]


class Mse__backward_with_autograd(Mse):
    """torch.autograd.grad of the loss, recomputed."""

    def backward(self):
        _called_first(self, "Mse")
        inp = self.inp.detach().requires_grad_()
        loss = (inp.squeeze(-1) - self.targ).pow(2).mean()
        (self.inp.g,) = torch.autograd.grad(loss, inp)


# --- Model ----------------------------------------------------------------------


class Model__init_no_relu(Model):
    """Two linear layers and nothing between them."""

    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1, b1), Lin(w2, b2)]
        self.loss = Mse()


class Model__init_copies_weights(Model):
    """Gives the layers copies of the weights: the gradients land on the copies."""

    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1.clone(), b1.clone()), Relu(), Lin(w2.clone(), b2.clone())]
        self.loss = Mse()


class Model__init_relu_after_output(Model):
    """A ReLU after the last layer too: the model can no longer predict a negative number."""

    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1, b1), Relu(), Lin(w2, b2), Relu()]
        self.loss = Mse()


class Model__call_returns_predictions(Model):
    """Returns the model's output, not the loss."""

    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x)
        self.loss(x, targ)
        return x


class Model__call_squeezes_output(Model):
    """Hands the loss output.squeeze(-1), a new tensor: its .g never reaches the last Lin."""

    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x)
        return self.loss(x.squeeze(-1), targ)


class Model__call_layers_reversed(Model):
    """Runs the layers from the last to the first."""

    def __call__(self, x, targ):
        for layer in reversed(self.layers):
            x = layer(x)
        return self.loss(x, targ)


class Model__backward_forward_order(Model):
    """Runs the layers' backward in forward order."""

    def backward(self):
        for layer in self.layers:
            layer.backward()
        self.loss.backward()


class Model__backward_skips_loss(Model):
    """Starts from the last layer: nobody set its out.g."""

    def backward(self):
        for layer in reversed(self.layers):
            layer.backward()


class Model__backward_skips_relu(Model):
    """Runs the Lin layers' backward only."""

    def backward(self):
        self.loss.backward()
        for layer in reversed(self.layers):
            if isinstance(layer, Lin):
                layer.backward()


class Model__backward_with_autograd(Model):
    """Recomputes the model on copies that require grad, and lets autograd do the work."""

    def __call__(self, x, targ):
        self.x, self.targ = x, targ
        return super().__call__(x, targ)

    def backward(self):
        lin1, _, lin2 = self.layers
        tensors = [self.x, lin1.w, lin1.b, lin2.w, lin2.b]
        leaves = [t.detach().requires_grad_() for t in tensors]
        x, w1, b1, w2, b2 = leaves
        out = (x @ w1 + b1).clamp_min(0.0) @ w2 + b2
        loss = (out.squeeze(-1) - self.targ).pow(2).mean()
        loss.backward()
        for t, leaf in zip(tensors, leaves):
            t.g = leaf.grad


# --- device readiness: caught on any machine (see dojo.readiness) ------------------


class Lin__backward_bias_grad_from_cpu_zeros(Lin):
    """b.g summed onto zeros made without device=: on a GPU, the sum mixes devices."""

    def backward(self):
        _called_first(self, "Lin")
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = torch.zeros(self.b.shape, dtype=self.b.dtype) + self.out.g.sum(0)
