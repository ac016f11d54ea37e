"""Plausible wrong solutions of kata 09_layer_function; each must be caught.

A definition named `<Class>__<what>` replaces `<Class>` of the reference: most
subclass the reference class and override one method, named first in <what>
(`Lin__bwd_...` overrides `Lin.bwd`). A LayerFunction mutant replaces the name
LayerFunction only, which is what its tests subclass; the reference layers keep
the reference base. `EXPECTED` names the verdict a mutant must get when the
reason matters.
"""

# This file is appended to the reference module (tests/katarun.py): LayerFunction,
# Relu, Lin, Mse and Model are the reference's.

import torch

EXPECTED = {
    "LayerFunction__call_does_not_store_args": "crashed",
    "LayerFunction__call_passes_args_as_a_tuple": "wrong",
    "LayerFunction__call_returns_nothing": "wrong",
    "LayerFunction__call_runs_forward_twice": "wrong",
    "LayerFunction__backward_args_reversed": "wrong",
    "LayerFunction__backward_out_last": "wrong",
    "LayerFunction__backward_without_out": "wrong",
    "LayerFunction__backward_args_as_a_tuple": "wrong",
    "LayerFunction__backward_no_check_before_call": "wrong",
    "LayerFunction__backward_first_call_only": "wrong",
    "LayerFunction__forward_raises_bare_exception": "wrong",
    "LayerFunction__forward_takes_no_arguments": "wrong",
    "LayerFunction__forward_returns_none": "wrong",
    "LayerFunction__bwd_raises_bare_exception": "wrong",
    "LayerFunction__bwd_takes_no_arguments": "wrong",
    "LayerFunction__bwd_does_nothing": "wrong",
    "Relu__structure_overrides_call": "wrong",
    "Relu__structure_defines_backward": "wrong",
    "Relu__structure_standalone_class": "wrong",
    "Relu__forward_clamp_max": "wrong",
    "Relu__forward_abs": "wrong",
    "Relu__forward_in_place": "rule broken",
    "Relu__bwd_ignores_upstream": "wrong",
    "Relu__bwd_builds_float32": "wrong",
    "Relu__bwd_inverted_mask": "wrong",
    "Relu__bwd_accumulates": "wrong",
    "Relu__bwd_with_autograd": "rule broken",
    "Lin__structure_overrides_call": "wrong",
    "Lin__init_clones_weights": "wrong",
    "Lin__init_detaches_weights": "wrong",
    "Lin__init_contiguous_weights": "wrong",
    "Lin__forward_transposes_w": "wrong",
    "Lin__forward_no_bias": "wrong",
    "Lin__forward_result_in_float32": "wrong",
    "Lin__bwd_transposed_wg": "wrong",
    "Lin__bwd_bias_over_outputs": "wrong",
    "Lin__bwd_bias_mean": "wrong",
    "Lin__bwd_forgets_bias": "wrong",
    "Lin__bwd_with_autograd": "rule broken",
    "Mse__structure_defines_backward": "wrong",
    "Mse__forward_no_squeeze": "wrong",
    "Mse__forward_sum_instead_of_mean": "wrong",
    "Mse__forward_item_returns_float": "wrong",
    "Mse__bwd_missing_2": "wrong",
    "Mse__bwd_missing_mean": "wrong",
    "Mse__bwd_shape_n": "wrong",
    "Mse__bwd_sign_flipped": "wrong",
    "Mse__bwd_with_autograd": "rule broken",
    "Model__init_no_relu": "wrong",
    "Model__init_copies_weights": "wrong",
    "Model__init_relu_after_output": "wrong",
    "Model__call_returns_predictions": "wrong",
    "Model__call_runs_forward_directly": "crashed",
    "Model__call_loss_forward_directly": "crashed",
    "Model__backward_forward_order": "wrong",
    "Model__backward_skips_loss": "wrong",
    "Model__backward_calls_bwd_in_forward_order": "wrong",
    "Model__backward_with_autograd": "rule broken",
}


# --- LayerFunction --------------------------------------------------------------


class LayerFunction__call_does_not_store_args(LayerFunction):
    """Keeps the output only: backward() has no arguments to give bwd."""

    def __call__(self, *args):
        self.out = self.forward(*args)
        return self.out


class LayerFunction__call_passes_args_as_a_tuple(LayerFunction):
    """forward(args) instead of forward(*args): one tuple instead of the arguments."""

    def __call__(self, *args):
        self.args = args
        self.out = self.forward(args)
        return self.out


class LayerFunction__call_returns_nothing(LayerFunction):
    """Stores the output but forgets to return it."""

    def __call__(self, *args):
        self.args = args
        self.out = self.forward(*args)


class LayerFunction__call_runs_forward_twice(LayerFunction):
    """Returns a second forward's result: not the tensor it stored as out."""

    def __call__(self, *args):
        self.args = args
        self.out = self.forward(*args)
        return self.forward(*args)


class LayerFunction__backward_args_reversed(LayerFunction):
    """Passes the arguments in reverse order."""

    def backward(self):
        if "out" not in vars(self):
            raise RuntimeError("backward() before the forward pass")
        self.bwd(self.out, *reversed(self.args))


class LayerFunction__backward_out_last(LayerFunction):
    """Puts the output after the arguments."""

    def backward(self):
        if "out" not in vars(self):
            raise RuntimeError("backward() before the forward pass")
        self.bwd(*self.args, self.out)


class LayerFunction__backward_without_out(LayerFunction):
    """Forgets the output: bwd(*args), as if bwd read self.out itself."""

    def backward(self):
        if "out" not in vars(self):
            raise RuntimeError("backward() before the forward pass")
        self.bwd(*self.args)


class LayerFunction__backward_args_as_a_tuple(LayerFunction):
    """bwd(out, args): the arguments as one tuple."""

    def backward(self):
        if "out" not in vars(self):
            raise RuntimeError("backward() before the forward pass")
        self.bwd(self.out, self.args)


class LayerFunction__backward_no_check_before_call(LayerFunction):
    """The book's backward: before any call, Python's own AttributeError."""

    def backward(self):
        self.bwd(self.out, *self.args)


class LayerFunction__backward_first_call_only(LayerFunction):
    """Keeps the first call's output and arguments: a layer called again uses stale ones."""

    def __call__(self, *args):
        if "args" not in vars(self):
            self.args = args
            self.out = self.forward(*args)
            return self.out
        return self.forward(*args)


class LayerFunction__forward_raises_bare_exception(LayerFunction):
    """The book's base class: a bare Exception."""

    def forward(self, *args):
        raise Exception()


class LayerFunction__forward_takes_no_arguments(LayerFunction):
    """The book's signature, forward(self): called with arguments, a TypeError."""

    def forward(self):
        raise NotImplementedError


class LayerFunction__forward_returns_none(LayerFunction):
    """An empty base method: a subclass that forgets forward gets None silently."""

    def forward(self, *args):
        pass


class LayerFunction__bwd_raises_bare_exception(LayerFunction):
    """The book's base class: a bare Exception."""

    def bwd(self, out, *args):
        raise Exception()


class LayerFunction__bwd_takes_no_arguments(LayerFunction):
    """The book's signature, bwd(self): called with arguments, a TypeError."""

    def bwd(self):
        raise NotImplementedError


class LayerFunction__bwd_does_nothing(LayerFunction):
    """An empty base method: a subclass that forgets bwd sets no gradient, silently."""

    def bwd(self, out, *args):
        return None


# --- Relu -----------------------------------------------------------------------


class Relu__structure_overrides_call(Relu):
    """Writes its own __call__ (as in 08) instead of inheriting LayerFunction's."""

    def __call__(self, inp):
        self.args = (inp,)
        self.out = inp.clamp_min(0.0)
        return self.out


class Relu__structure_defines_backward(Relu):
    """Writes its own backward() instead of inheriting LayerFunction's."""

    def backward(self):
        self.bwd(self.out, *self.args)


class Relu__structure_standalone_class:
    """08's Relu, not a LayerFunction at all."""

    def __call__(self, inp):
        self.inp = inp
        self.out = inp.clamp_min(0.0)
        return self.out

    def backward(self):
        self.inp.g = (self.inp > 0) * self.out.g


class Relu__forward_clamp_max(Relu):
    """clamp_max instead of clamp_min."""

    def forward(self, inp):
        return inp.clamp_max(0.0)


class Relu__forward_abs(Relu):
    """Makes negatives positive instead of zero."""

    def forward(self, inp):
        return inp.abs()


class Relu__forward_in_place(Relu):
    """clamp_min_ writes into the caller's tensor."""

    def forward(self, inp):
        return inp.clamp_min_(0.0)


class Relu__bwd_ignores_upstream(Relu):
    """The mask alone, not times out.g."""

    def bwd(self, out, inp):
        inp.g = (inp > 0).to(inp.dtype)


class Relu__bwd_builds_float32(Relu):
    """torch.zeros(shape) is float32: float64 gradients come back float32."""

    def bwd(self, out, inp):
        g = torch.zeros(inp.shape, device=inp.device)
        mask = inp > 0
        g[mask] = out.g[mask].float()
        inp.g = g


class Relu__bwd_inverted_mask(Relu):
    """Lets the gradient through where inp < 0."""

    def bwd(self, out, inp):
        inp.g = (inp < 0) * out.g


class Relu__bwd_accumulates(Relu):
    """Adds to an earlier inp.g."""

    def bwd(self, out, inp):
        g = (inp > 0) * out.g
        inp.g = inp.g + g if hasattr(inp, "g") else g


class Relu__bwd_with_autograd(Relu):
    """Lets autograd find the derivative."""

    def bwd(self, out, inp):
        leaf = inp.detach().requires_grad_()
        (inp.g,) = torch.autograd.grad(leaf.clamp_min(0.0), leaf, out.g)


# --- Lin ------------------------------------------------------------------------


class Lin__structure_overrides_call(Lin):
    """Writes its own __call__ instead of inheriting LayerFunction's."""

    def __call__(self, inp):
        self.args = (inp,)
        self.out = inp @ self.w + self.b
        return self.out


class Lin__init_clones_weights(Lin):
    """Keeps copies of w and b: their .g land on the copies."""

    def __init__(self, w, b):
        self.w, self.b = w.clone(), b.clone()


class Lin__init_detaches_weights(Lin):
    """w.detach() is a new tensor object."""

    def __init__(self, w, b):
        self.w, self.b = w.detach(), b.detach()


class Lin__init_contiguous_weights(Lin):
    """w.contiguous() copies a non-contiguous w."""

    def __init__(self, w, b):
        self.w, self.b = w.contiguous(), b


class Lin__forward_transposes_w(Lin):
    """inp @ w.t() (runs when w is square)."""

    def forward(self, inp):
        return inp @ self.w.t() + self.b


class Lin__forward_no_bias(Lin):
    """Forgets the bias."""

    def forward(self, inp):
        return inp @ self.w


class Lin__forward_result_in_float32(Lin):
    """Casts the output to float32."""

    def forward(self, inp):
        return (inp @ self.w + self.b).float()


class Lin__bwd_transposed_wg(Lin):
    """w.g as out.g.t() @ inp: the transpose of w's shape."""

    def bwd(self, out, inp):
        inp.g = out.g @ self.w.t()
        self.w.g = out.g.t() @ inp
        self.b.g = out.g.sum(0)


class Lin__bwd_bias_over_outputs(Lin):
    """Sums out.g over the outputs instead of the batch."""

    def bwd(self, out, inp):
        inp.g = out.g @ self.w.t()
        self.w.g = inp.t() @ out.g
        self.b.g = out.g.sum(1)


class Lin__bwd_bias_mean(Lin):
    """Averages out.g over the batch."""

    def bwd(self, out, inp):
        inp.g = out.g @ self.w.t()
        self.w.g = inp.t() @ out.g
        self.b.g = out.g.mean(0)


class Lin__bwd_forgets_bias(Lin):
    """Sets inp.g and w.g only."""

    def bwd(self, out, inp):
        inp.g = out.g @ self.w.t()
        self.w.g = inp.t() @ out.g


class Lin__bwd_with_autograd(Lin):
    """Recomputes the layer on copies that require grad and calls .backward()."""

    def bwd(self, out, inp):
        x, w, b = (t.detach().clone() for t in (inp, self.w, self.b))
        for t in (x, w, b):
            t.requires_grad = True
        (x @ w + b).backward(out.g)
        inp.g, self.w.g, self.b.g = x.grad, w.grad, b.grad


# --- Mse ------------------------------------------------------------------------


class Mse__structure_defines_backward(Mse):
    """Writes its own backward() (the loss needs no out.g, so it skips bwd)."""

    def backward(self):
        inp, targ = self.args
        inp.g = 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1) / targ.shape[0]


class Mse__forward_no_squeeze(Mse):
    """(N, 1) - (N,) broadcasts to (N, N)."""

    def forward(self, inp, targ):
        return (inp - targ).pow(2).mean()


class Mse__forward_sum_instead_of_mean(Mse):
    """N times too large."""

    def forward(self, inp, targ):
        return (inp.squeeze(-1) - targ).pow(2).sum()


class Mse__forward_item_returns_float(Mse):
    """.item() turns the loss into a Python float."""

    def forward(self, inp, targ):
        return (inp.squeeze(-1) - targ).pow(2).mean().item()


class Mse__bwd_missing_2(Mse):
    """Forgets the 2 of the square."""

    def bwd(self, out, inp, targ):
        inp.g = (inp.squeeze(-1) - targ).unsqueeze(-1) / targ.shape[0]


class Mse__bwd_missing_mean(Mse):
    """Forgets the 1/N of the mean."""

    def bwd(self, out, inp, targ):
        inp.g = 2.0 * (inp.squeeze(-1) - targ).unsqueeze(-1)


class Mse__bwd_shape_n(Mse):
    """Leaves the gradient (N,): inp is (N, 1)."""

    def bwd(self, out, inp, targ):
        inp.g = 2.0 * (inp.squeeze(-1) - targ) / targ.shape[0]


class Mse__bwd_sign_flipped(Mse):
    """targ - inp."""

    def bwd(self, out, inp, targ):
        inp.g = 2.0 * (targ - inp.squeeze(-1)).unsqueeze(-1) / targ.shape[0]


class Mse__bwd_with_autograd(Mse):
    """torch.autograd.grad of the loss, recomputed."""

    def bwd(self, out, inp, targ):
        leaf = inp.detach().requires_grad_()
        (inp.g,) = torch.autograd.grad((leaf.squeeze(-1) - targ).pow(2).mean(), leaf)


# --- Model ----------------------------------------------------------------------


class Model__init_no_relu(Model):
    """Two linear layers and nothing between them."""

    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1, b1), Lin(w2, b2)]
        self.loss = Mse()


class Model__init_copies_weights(Model):
    """Gives the layers copies of the weights."""

    def __init__(self, w1, b1, w2, b2):
        self.layers = [Lin(w1.clone(), b1.clone()), Relu(), Lin(w2.clone(), b2.clone())]
        self.loss = Mse()


class Model__init_relu_after_output(Model):
    """A ReLU after the last layer too."""

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


class Model__call_runs_forward_directly(Model):
    """layer.forward(x) instead of layer(x): nothing is stored for backward()."""

    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer.forward(x)
        return self.loss(x, targ)


class Model__call_loss_forward_directly(Model):
    """self.loss.forward(x, targ): the loss stores nothing, its backward() cannot run."""

    def __call__(self, x, targ):
        for layer in self.layers:
            x = layer(x)
        return self.loss.forward(x, targ)


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


class Model__backward_calls_bwd_in_forward_order(Model):
    """Calls bwd itself, with the stored arguments, in forward order."""

    def backward(self):
        for layer in [*self.layers, self.loss]:
            layer.bwd(layer.out, *layer.args)


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
        (out.squeeze(-1) - self.targ).pow(2).mean().backward()
        for t, leaf in zip(tensors, leaves, strict=True):
            t.g = leaf.grad
