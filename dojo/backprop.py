"""What the layer-class katas (08_layers, 09_layer_function) share in their tests.

Both build the book's model, x -> Lin(w1, b1) -> Relu -> Lin(w2, b2) -> Mse, from
the learner's classes: the draws, the expected loss and gradients from autograd
(both ReLU conventions at exactly 0), rounding bounds carried through every step,
and the checks of how `backward()` behaves (a second call replaces `.g`; a call
before the forward pass says so). Kata modules never import each other; their
tests share this instead.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from dojo import checks, grads, show
from dojo import strategies as ds
from dojo.checks import cpu64, fail
from dojo.i18n import N_, _
from dojo.outcomes import WrongAnswer

SIDE = st.integers(0, ds.MAX_SIDE)


BATCH = st.integers(1, ds.MAX_SIDE)  # the loss needs N >= 1: the mean of no numbers is nan



@contextlib.contextmanager
def showing(steps: Any, device: Any, **tensors: Any) -> Iterator[None]:
    """Add the input, as code a learner can paste, to a wrong answer raised in the block.

    `tensors` are the drawn CPU tensors (never handed to the learner), shown on
    `device` (None: where they are); `steps` are the lines that use them.
    """
    __tracebackhide__ = True
    try:
        yield
    except WrongAnswer as exc:
        lines = [
            f"{name} = {show.tensor_code(t.detach() if device is None else t.to(device))}"
            for name, t in tensors.items()
        ]
        code = "\n".join("    " + line for line in [*lines, *steps])
        label = _("{label}:").format(label=_("On this input"))
        raise WrongAnswer(f"{exc}\n{label}\n{code}") from None


# --- the same in both katas: each layer's hint, the steps a failure shows, the book's model

RELU_HINT = N_("out = Relu()(x) is x.clamp_min(0.): every negative element becomes 0.")
RELU_STEPS = ["layer = Relu()", "out = layer(x)"]
LIN_HINT = N_(
    "out = Lin(w, b)(x) is x @ w + b: here w is (n_in, n_out), one column per output, "
    "so there is no transpose."
)
LIN_GRAD_HINTS = {
    "inp": N_("inp.g = out.g @ w.t(): (N, n_out) @ (n_out, n_in) gives inp's shape (N, n_in)."),
    "w": N_(
        "w.g = inp.t() @ out.g: (n_in, N) @ (N, n_out) gives w's shape (n_in, n_out); "
        "every row of the batch adds its part."
    ),
    "b": N_(
        "b was added to every row, so b.g adds out.g up over the rows (the batch): "
        "out.g.sum(0), not the mean, and not over the outputs."
    ),
}
LIN_STEPS = ["layer = Lin(w, b)", "out = layer(x)"]
MSE_HINT = N_(
    "loss = Mse()(inp, targ) is the mean over the N rows of (inp[i, 0] - targ[i]) ** 2, a "
    "0-dim tensor. Squeeze the last dimension of inp first: (N, 1) - (N,) broadcasts to "
    "(N, N)."
)
MSE_STEPS = ["layer = Mse()", "loss = layer(inp, targ)"]
MODEL_HINT = N_(
    "model(x, targ) runs Lin(w1, b1), Relu(), Lin(w2, b2) on x, then returns "
    "Mse()(output, targ): the loss, a 0-dim tensor."
)
MODEL_STEPS = ["model = Model(w1, b1, w2, b2)", "loss = model(x, targ)"]
BOOK_MODEL = (  # the book's shapes, scaled down; every hidden row has a negative value
    torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]]),
    torch.tensor([[1.0, -1.0, 0.5, 2.0], [0.0, 1.0, -1.0, 1.0]]),
    torch.tensor([0.0, 1.0, 0.0, -1.0]),
    torch.tensor([[1.0], [-2.0], [0.5], [1.0]]), torch.tensor([0.5]),
    torch.tensor([1.0, -2.0, 3.0]),
)


REPLACE_HINT = N_(
    "a second backward() must give the same .g as the first: backward() replaces .g "
    "(`self.inp.g = ...`, as in the book); it does not add to the .g of an earlier call "
    "(`+=`)."
)


def backward_again(backward: Any, check: Any, call: Any, steps: Any) -> Any:
    """Run `backward()` a second time: `check(hint)` must still pass (it replaces .g).
    `steps`, the lines `showing` prints, gain the second call."""
    __tracebackhide__ = True
    steps.append(f"{call}  # " + _("a second time"))
    backward()
    try:
        check(_(REPLACE_HINT))
    except WrongAnswer as exc:
        raise WrongAnswer(
            _("after a second {call}: {failure}").format(call=call, failure=exc)
        ) from None


SAYS_CALL_FIRST = re.compile(r"forward|call|before", re.IGNORECASE)


PYTHONS_OWN = re.compile(r"'\w+' object has no attribute '\w+'")


def assert_refuses_backward(backward: Any, call: Any, hint: Any) -> Any:
    """`backward()`, run before any forward pass, must raise an exception that says so;
    `hint` tells the learner how (it names the kata's own classes)."""
    __tracebackhide__ = True
    try:
        backward()
    except Exception as exc:
        message = str(exc)
        if PYTHONS_OWN.fullmatch(message) or not SAYS_CALL_FIRST.search(message):
            raise fail(
                _("{call} raised {exception}({message!r}), but its message should say "
                  "that the layer must be called (the forward pass) before backward()").format(
                    call=call, exception=type(exc).__name__, message=message
                ),
                hint,
            ) from None
        return
    raise fail(
        _("{call} returned normally, but should raise an exception: there was no forward pass "
          "to take gradients from").format(call=call),
        hint,
    )


def held_tensors(owner: Any, path: str, depth: int = 3) -> Iterator[tuple[str, torch.Tensor]]:
    """Every tensor `owner` keeps in its attributes, in lists, tuples and dicts, and in
    the attributes of the objects it keeps (to `depth` levels), with the path a learner
    would write: `layer.w`, `model.layers[0].w`."""
    seen: set[int] = set()

    def walk(value: Any, where: str, left: int) -> Iterator[tuple[str, torch.Tensor]]:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, torch.Tensor):
            yield where, value
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                yield from walk(item, f"{where}[{i}]", left)
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, f"{where}[{key!r}]", left)
        elif left > 0 and isinstance(getattr(value, "__dict__", None), dict) and not isinstance(
            value, type
        ):
            for name, item in vars(value).items():
                yield from walk(item, f"{where}.{name}", left - 1)

    yield from walk(owner, path, depth)


def _copy_of(held: torch.Tensor, given: torch.Tensor) -> bool:
    """`held` has `given`'s values, as they are, reshaped (a squeeze) or transposed: a
    copy or a view of it."""
    h, g = held.detach().cpu(), given.detach().cpu()
    if h.dtype != g.dtype or h.numel() != g.numel():
        return False
    if torch.equal(h.reshape(-1), g.reshape(-1)):
        return True
    return h.dim() == 2 and h.shape == g.shape[::-1] and torch.equal(h.t(), g)


def assert_grads_reach_given(
    owner: Any,
    path: str,
    given: Any,
    *,
    function: str,
    hints: Any,
    exclude: Any = (),
) -> None:
    """Before `grads.assert_grads`: where one of `given` ({name: tensor}) has no `.g`,
    but a copy of it that `owner` keeps (a clone, a detach, a transpose) has one, say
    that the gradient went to the copy. `exclude`: tensors that carry a `.g` of their
    own (the output, whose .g the test set)."""
    __tracebackhide__ = True
    for name, t in given.items():
        if hasattr(t, "g"):
            continue
        for where, held in held_tensors(owner, path):
            if (
                held is t
                or any(held is e for e in exclude)
                or any(held is other for other in given.values())
                or not hasattr(held, "g")
            ):
                continue
            if _copy_of(held, t):
                raise fail(
                    _("{function} set `{where}.g`, but `{name}.g` is not set: {where} is a copy "
                      "of {name} (another tensor object with {name}'s values), not {name} "
                      "itself").format(function=function, where=where, name=name),
                    hints.get(name, ""),
                )


def relu_expected(x: Any, up: Any) -> Any:
    """inp.g from autograd: F.relu's convention (0 at exactly 0), and, where x has a
    zero, clamp_min's (1 at exactly 0): both are subgradients."""
    _out, at_zero_0 = grads.autograd(lambda inp: F.relu(inp), upstream=up, inp=x)
    if not bool((x == 0).any()):
        return [at_zero_0]
    _out, at_zero_1 = grads.autograd(
        lambda inp: torch.where(inp >= 0, inp, 0.0), upstream=up, inp=x
    )
    return [at_zero_0, at_zero_1]


@st.composite
def relu_operands(draw: st.DrawFn) -> Any:
    shape = draw(ds.shapes(max_dims=3), label="shape")
    dtype = draw(ds.float_dtypes(), label="dtype")
    x = draw(ds.tensors(shape, dtype=dtype), label="x")
    return x, draw(grads.upstream_gradients(shape, dtype=dtype))


def lin_bound(x: Any, w: Any, b: Any) -> Any:
    """Largest error of a correct `x @ w + b` in x's dtype, elementwise (float64, CPU)."""
    xd, wd, bd = cpu64(x, w, b)
    return checks.sum_bound(x.dtype, x.shape[1] + 1, xd.abs() @ wd.abs() + bd.abs())


@st.composite
def lin_operands(draw: st.DrawFn) -> Any:
    n, n_in, n_out = draw(SIDE, label="N"), draw(SIDE, label="n_in"), draw(SIDE, label="n_out")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return (
        draw(ds.tensors((n, n_in), dtype=dtype), label="x"),
        draw(ds.tensors((n_in, n_out), dtype=dtype), label="w"),
        draw(ds.tensors((n_out,), dtype=dtype), label="b"),
        draw(grads.upstream_gradients((n, n_out), dtype=dtype)),
    )


def mse_loss_bound(inp: Any, targ: Any, extra: Any = None) -> Any:
    """Largest error of a correct mean squared error (as in 05_forward_pass).

    `extra`, when given, is an error already in inp (elementwise, float64): the
    loss moves by at most sum(2 |inp - targ| extra + extra**2) / N on top.
    """
    od, td = cpu64(inp, targ)
    od, n = od.squeeze(-1), td.shape[0]
    extra = torch.zeros_like(od) if extra is None else extra.squeeze(-1)
    magnitude = ((od.abs() + extra + td.abs()) ** 2).sum()
    own = checks.sum_bound(inp.dtype, n + 2, magnitude) / n
    return own + (2 * (od - td).abs() * extra + extra**2).sum() / n


def mse_grad_bound(inp: Any, targ: Any) -> Any:
    """Largest error of a correct 2 * (inp - targ) / N, elementwise, shape (N, 1): a few
    roundings (the difference, the product, the division) of 2 (|inp| + |targ|) / N."""
    od, td = cpu64(inp, targ)
    return checks.sum_bound(inp.dtype, 2, 2 * (od.abs() + td[:, None].abs()) / td.shape[0])


@st.composite
def mse_operands(draw: st.DrawFn) -> Any:
    n = draw(BATCH, label="N")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return (
        draw(ds.tensors((n, 1), dtype=dtype), label="inp"),
        draw(ds.tensors((n,), dtype=dtype), label="targ"),
    )


MODEL_NAMES = ("x", "w1", "b1", "w2", "b2", "targ")


def layer_label(kata: Any, layer: Any, w1: Any, w2: Any) -> Any:
    """Which layer of the model `layer` is: a Lin is known by the weight it holds."""
    if isinstance(layer, kata.Mse):
        return "Mse"
    if isinstance(layer, kata.Relu):
        return "Relu"
    if isinstance(layer, kata.Lin):
        held = list(vars(layer).values())
        if any(v is w2 for v in held):
            return "last Lin"
        if any(v is w1 for v in held):
            return "first Lin"
        return "Lin"
    return type(layer).__name__


# The model's backward pass, layer by layer (katas 08 and 09): labels as `layer_label`.
REVERSE_ORDER = ("Mse", "last Lin", "Relu", "first Lin")
BACKWARD_OF = {
    "Mse": N_("Mse's backward"),
    "Relu": N_("Relu's backward"),
    "last Lin": N_("the last Lin's backward (Lin(w2, b2))"),
    "first Lin": N_("the first Lin's backward (Lin(w1, b1))"),
    "Lin": N_("a Lin's backward"),
}
ORDER_WHY = N_(
    "backward goes through the layers in reverse order, from the loss back to the input: "
    "Mse, then Lin(w2, b2), then Relu, then Lin(w1, b1). Each layer's backward() needs "
    "out.g, the gradient of its output, and only the backward() of the layer after it "
    "sets that."
)


def backward_of(label: str) -> str:
    """"Relu's backward", "the last Lin's backward (Lin(w2, b2))": a layer's step."""
    if label in BACKWARD_OF:
        return _(BACKWARD_OF[label])
    return _("{layer}'s backward").format(layer=label)


def assert_reverse_order(
    kata: Any, layers: list[Any], w1: Any, w2: Any, *, complete: bool
) -> None:
    """`layers`, those whose backward ran in Model.backward (in order, the model
    itself left out), are Mse, Lin(w2), Relu, Lin(w1). `complete=False`
    (Model.backward crashed) checks the calls so far only."""
    __tracebackhide__ = True
    ran = [layer_label(kata, layer, w1, w2) for layer in layers]
    for i, want in enumerate(REVERSE_ORDER):
        if i == len(ran):
            if not complete:
                return
            if not ran:
                raise fail(
                    _(
                        "Model.backward ran no layer's backward(): it should call the loss's "
                        "backward(), then each layer's"
                    ),
                    _(
                        "build the model from Lin, Relu and Mse, and let each layer compute "
                        "its own gradients: {why}"
                    ).format(why=_(ORDER_WHY)),
                )
            raise fail(
                _("Model.backward never ran {backward}").format(backward=backward_of(want)),
                _(ORDER_WHY),
            )
        got = ran[i]
        if got != want and not (got == "Lin" and want.endswith("Lin")):
            raise fail(
                _("Model.backward ran {backward} before {expected}").format(
                    backward=backward_of(got), expected=backward_of(want)
                ),
                _(ORDER_WHY),
            )
    if len(ran) > len(REVERSE_ORDER):
        raise fail(
            _(
                "Model.backward ran {backward} after all four "
                "backward() calls: each layer's backward() runs once"
            ).format(backward=backward_of(ran[len(REVERSE_ORDER)])),
            _(ORDER_WHY),
        )


def model_bounds(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, targ: Any) -> Any:
    """Rounding-error bounds of a correct model, carried through every step in float64.

    Each computed value v^ is within e of the exact v, elementwise. A product of two
    computed values a^ @ b^ errs by its own rounding (sum_bound over the inner size of
    (|a| + ea) @ (|b| + eb)) plus what the inputs' errors carry: (|a| + ea) @ (|b| + eb)
    - |a| @ |b|. ReLU rounds nothing and moves no two numbers apart, and its mask is the
    same for the computed and the exact hidden values (the test keeps hidden values away
    from 0 by more than their error, or exactly 0). Returns the bound of the loss and of
    every gradient.
    """
    dtype = x.dtype
    xd, w1d, b1d, w2d, b2d, td = cpu64(x, w1, b1, w2, b2, targ)
    n = td.shape[0]

    def product(a: Any, ea: Any, b: Any, eb: Any) -> Any:
        big = (a.abs() + ea) @ (b.abs() + eb)
        carried = (big - a.abs() @ b.abs()).clamp_min(0.0)
        return checks.sum_bound(dtype, a.shape[-1], big) + carried

    def total(a: Any, ea: Any) -> Any:  # the sum over the batch (dim 0) of a computed a^
        return checks.sum_bound(dtype, a.shape[0], (a.abs() + ea).sum(0)) + ea.sum(0)

    h = xd @ w1d + b1d
    e_h = checks.sum_bound(dtype, x.shape[1] + 1, xd.abs() @ w1d.abs() + b1d.abs())
    r, e_r = h.clamp_min(0.0), e_h
    o = r @ w2d + b2d
    e_o = checks.sum_bound(dtype, w2.shape[0] + 1, (r + e_r) @ w2d.abs() + b2d.abs())
    e_o = e_o + e_r @ w2d.abs()
    g_o = 2 * (o - td[:, None]) / n
    e_go = checks.sum_bound(dtype, 2, 2 * (o.abs() + e_o + td[:, None].abs()) / n) + 2 * e_o / n
    g_r = g_o @ w2d.t()
    e_gr = product(g_o, e_go, w2d.t(), torch.zeros_like(w2d.t()))
    # The mask only zeroes: |g_h| <= |g_r|, and its error is at most e_gr.
    return mse_loss_bound(o.to(dtype), targ.cpu(), extra=e_o), {
        "x": product(g_r, e_gr, w1d.t(), torch.zeros_like(w1d.t())),
        "w1": product(xd.t(), torch.zeros_like(xd.t()), g_r, e_gr),
        "b1": total(g_r, e_gr),
        "w2": product(r.t(), e_r.t(), g_o, e_go),
        "b2": total(g_o, e_go),
    }


def hidden_is_decided(x: Any, w1: Any, b1: Any) -> Any:
    """Every hidden pre-activation is exactly 0 or further from 0 than its rounding
    error: the sign, so ReLU's mask, is then the same in any correct computation."""
    xd, w1d, b1d = cpu64(x, w1, b1)
    h = xd @ w1d + b1d
    ambiguous = (h != 0) & (h.abs() <= lin_bound(x, w1, b1))
    in_dtype = (x.detach().cpu() @ w1.detach().cpu() + b1.detach().cpu()).double()
    return not bool(ambiguous.any()) and bool((in_dtype[h == 0] == 0).all())


def model_expected(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, targ: Any) -> Any:
    """The loss and gradients from autograd, with both ReLU conventions at exactly 0."""
    def model(relu: Any) -> Any:
        def run(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, targ: Any) -> Any:
            out = relu(x @ w1 + b1) @ w2 + b2
            return F.mse_loss(out.squeeze(-1), targ)
        return run

    inputs = dict(zip(MODEL_NAMES, (x, w1, b1, w2, b2, targ), strict=True))
    loss, at_zero_0 = grads.autograd(model(F.relu), **inputs)
    answers = [at_zero_0]
    xd, w1d, b1d = cpu64(x, w1, b1)
    if bool(((xd @ w1d + b1d) == 0).any()):
        step = model(lambda h: torch.where(h >= 0, h, 0.0))
        answers.append(grads.autograd(step, **inputs)[1])
    return loss, answers


@st.composite
def model_operands(draw: st.DrawFn) -> Any:
    n, n_in, nh = draw(BATCH, label="N"), draw(SIDE, label="n_in"), draw(SIDE, label="nh")
    dtype = draw(ds.float_dtypes(), label="dtype")
    shapes = {
        "x": (n, n_in), "w1": (n_in, nh), "b1": (nh,), "w2": (nh, 1), "b2": (1,), "targ": (n,),
    }
    return tuple(
        draw(ds.tensors(shape, dtype=dtype), label=name) for name, shape in shapes.items()
    )
