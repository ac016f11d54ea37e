"""Graded tests for kata 08_layers: each layer class, built, called and run backward.

Used as a learner uses them: build a layer, call it, put a random upstream
gradient on its output (`out.g = upstream`), call `backward()`, then check every
`.g` against `torch.autograd` in float64 (dojo.grads), and once more after a
second `backward()` (it replaces `.g`, it does not add to it). The model's
gradients are checked the same way, and the guard's record of the calls shows
the order in which `Model.backward` ran its layers' `backward()`. Tolerances
are rounding-error bounds carried through every step in float64, with
absolute values.
"""


import torch
import torch.nn.functional as F
from hypothesis import assume, given

from dojo import checks, graded, grads, guard
from dojo import strategies as ds
from dojo.backprop import (
    BOOK_MODEL,
    LIN_GRAD_HINTS,
    LIN_HINT,
    LIN_STEPS,
    MODEL_HINT,
    MODEL_NAMES,
    MODEL_STEPS,
    MSE_HINT,
    MSE_STEPS,
    RELU_HINT,
    RELU_STEPS,
    assert_grads_reach_given,
    assert_refuses_backward,
    assert_reverse_order,
    backward_again,
    cpu64,
    hidden_is_decided,
    lin_bound,
    lin_operands,
    model_bounds,
    model_expected,
    model_operands,
    mse_grad_bound,
    mse_loss_bound,
    mse_operands,
    relu_expected,
    relu_operands,
    showing,
)
from dojo.i18n import N_, _

F64 = torch.float64


# --- showing the input ----------------------------------------------------------


# --- backward() before the forward pass ----------------------------------------------

REFUSAL_HINT = N_(
    "backward() works from what the forward pass stored (the input, the output and its "
    ".g). Before any call there is nothing: check that first and raise an exception "
    "whose message tells what to do, for example RuntimeError('Lin.backward() was called "
    "before the forward pass: call the layer first'). The tests look for 'forward', "
    "'call' or 'before' in the message. Python's own \"object has no attribute\" does "
    "not say what went wrong."
)


# --- Relu -------------------------------------------------------------------------

RELU_GRAD_HINT = N_(
    "inp.g is out.g where inp > 0 and 0 where inp < 0 (at exactly 0 either is "
    "accepted): the mask (inp > 0) times out.g, element by element."
)
KEEP_INPUT = N_(
    "the layer must remember the very tensor it is called on: `self.inp = inp` in "
    "__call__, not a copy or a reshaped view of it (inp.clone(), inp.detach(), "
    "inp.contiguous(), inp.squeeze(-1)): backward() sets self.inp.g, and the caller reads "
    "the .g of its own tensor. Make any reshaped copy a separate variable."
)


@graded("Relu")
@given(xu=relu_operands())
@ds.pinned(
    "xu",
    # Negatives, zeros, values above 1; an upstream gradient that is not all ones, so
    # a backward that ignores out.g (the mask alone) shows.
    (torch.tensor([[-2.0, 0.0, 3.0], [0.5, -0.5, 1.0]]),
     torch.tensor([[1.0, 2.0, -3.0], [4.0, -5.0, 6.0]])),
    (torch.tensor([[-1.0, 2.0], [3.0, -4.0]], dtype=F64).t(),  # float64, transposed
     torch.tensor([[0.5, -2.0], [1.5, 3.0]], dtype=F64)),
    (torch.tensor(-3.0), torch.tensor(2.0)),  # a 0-dim tensor
    (torch.zeros(0, 3), torch.zeros(0, 3)),  # an empty batch
)
def test_relu_forward_and_backward(kata, device, xu):
    x, up = ds.on(device, *xu)
    steps = list(RELU_STEPS)
    with showing(steps, device, x=xu[0], upstream=xu[1]):
        layer = kata.Relu()
        out = layer(x)
        checks.assert_tensor(
            out, F.relu(cpu64(x)[0]), dtype=x.dtype, device=x.device, name="out", hint=_(RELU_HINT)
        )
        steps += ["out.g = upstream", "layer.backward()"]
        out.g = up
        layer.backward()
        assert_grads_reach_given(
            layer, "layer", {"inp": x}, function="Relu.backward", hints={"inp": _(KEEP_INPUT)},
            exclude=(out,),
        )
        expected = relu_expected(x, up)

        def check(again=None):
            grads.assert_grads(
                {"inp": x}, expected, function="Relu.backward",
                hints={"inp": again or _(RELU_GRAD_HINT)},
            )

        check()
        backward_again(layer.backward, check, "layer.backward()", steps)


@graded("Relu")
def test_relu_backward_before_any_call_says_so(kata, device):
    assert_refuses_backward(
        kata.Relu().backward,
        _("{call} before any call").format(call="Relu().backward()"),
        _(REFUSAL_HINT),
    )


# --- Lin --------------------------------------------------------------------------


def keep_parameter(name):
    return _(
        "Lin(w, b) must keep the very tensors it is given: `self.w, self.b = w, b`. "
        "{name}.clone(), {name}.detach(), {name}.contiguous() (a copy when {name} is not "
        "contiguous) and {name}.t() each make another tensor, and the .g that backward() "
        "sets on it never reaches the {name} the caller holds (an optimizer reads "
        "{name}.g)."
    ).format(name=name)


def lin_keep_hints():
    return {"inp": _(KEEP_INPUT), "w": keep_parameter("w"), "b": keep_parameter("b")}


SQUARE = torch.tensor([[1.0, 2.0], [3.0, 4.0]])


@graded("Lin")
@given(operands=lin_operands())
@ds.pinned(
    "operands",
    # All sizes 2 and w not symmetric: a transposed w.g or inp.g keeps its shape, and
    # b.g summed over the outputs instead of the batch has b's shape too.
    (SQUARE, SQUARE + 1, torch.tensor([10.0, -10.0]), torch.tensor([[1.0, -2.0], [0.5, 3.0]])),
    # The book's sizes, scaled down: the batch is summed for b.g (not averaged).
    (torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [-1.0, 0.0, 2.0]]),
     torch.tensor([[1.0], [-2.0], [0.5]]), torch.tensor([1.0]),
     torch.tensor([[1.0], [2.0], [-4.0]])),
    (torch.zeros(0, 3), torch.ones(3, 2), torch.ones(2), torch.zeros(0, 2)),  # an empty batch
    (torch.ones(2, 0), torch.zeros(0, 3), torch.tensor([1.0, 2.0, 3.0]),  # n_in = 0
     torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 2.0]])),
    # float64, and x and w transposed views: a copy of w (w.contiguous()) is not w.
    (SQUARE.to(F64).t(), torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=F64).t(),
     torch.tensor([1.0, -1.0], dtype=F64), torch.tensor([[2.0, 1.0], [-1.0, 3.0]], dtype=F64)),
)
def test_lin_forward_and_backward(kata, device, operands):
    x, w, b, up = ds.on(device, *operands)
    shown = dict(zip(("x", "w", "b", "upstream"), operands, strict=True))
    steps = list(LIN_STEPS)
    with showing(steps, device, **shown):
        layer = kata.Lin(w, b)
        out = layer(x)
        xd, wd, bd = cpu64(x, w, b)
        checks.assert_tensor(
            out, F.linear(xd, wd.t(), bd), dtype=x.dtype, device=x.device,
            bound=lin_bound(x, w, b), name="out", hint=_(LIN_HINT),
        )
        steps += ["out.g = upstream", "layer.backward()"]
        out.g = up
        layer.backward()
        assert_grads_reach_given(
            layer, "layer", {"inp": x, "w": w, "b": b}, function="Lin.backward",
            hints=lin_keep_hints(), exclude=(out,),
        )
        _loss, expected = grads.autograd(
            lambda inp, w, b: F.linear(inp, w.t(), b), upstream=up, inp=x, w=w, b=b
        )
        (upd,) = cpu64(up)
        bounds = {
            "inp": checks.matmul_bound(up, w.t()),
            "w": checks.matmul_bound(x.t(), up),
            "b": checks.sum_bound(x.dtype, x.shape[0], upd.abs().sum(0)),
        }

        def check(again=None):
            grads.assert_grads(
                {"inp": x, "w": w, "b": b}, expected, bounds=bounds, function="Lin.backward",
                hints={k: again or _(hint) for k, hint in LIN_GRAD_HINTS.items()},
            )

        check()
        backward_again(layer.backward, check, "layer.backward()", steps)


@graded("Lin")
def test_lin_backward_before_any_call_says_so(kata, device):
    w, b = torch.ones(3, 2, device=device), torch.zeros(2, device=device)
    assert_refuses_backward(
        kata.Lin(w, b).backward,
        _("{call} before any call").format(call="Lin(w, b).backward()"),
        _(REFUSAL_HINT),
    )


# --- Mse --------------------------------------------------------------------------

MSE_GRAD_HINT = N_(
    "the derivative of mean((inp[i, 0] - targ[i]) ** 2) with respect to inp[i, 0] is "
    "2 * (inp[i, 0] - targ[i]) / N: the 2 from the square, the 1/N from the mean. inp.g "
    "has inp's shape (N, 1): unsqueeze(-1) the (N,) difference."
)


@graded("Mse")
@given(it=mse_operands())
@ds.pinned(
    "it",
    # N = 1: a bare inp.squeeze() is 0-dim here, and the gradient must still be (1, 1).
    (torch.tensor([[3.0]]), torch.tensor([1.0])),
    # Errors +2 and -2: the 2 of the square and the 1/N of the mean both show.
    (torch.tensor([[2.0], [2.0]]), torch.tensor([0.0, 4.0])),
    # Perfect predictions: without the squeeze the (N, N) broadcast gives 0.5, not 0.
    (torch.tensor([[1.0], [2.0]]), torch.tensor([1.0, 2.0])),
    (torch.tensor([[1.0], [-2.0], [0.5]], dtype=F64), torch.tensor([0.0, 1.0, 2.5], dtype=F64)),
    (torch.tensor([[1.0, 2.0, 3.0]]).t(), torch.tensor([0.5, 2.0, -1.0])),  # a transposed view
)
def test_mse_forward_and_backward(kata, device, it):
    inp, targ = ds.on(device, *it)
    steps = list(MSE_STEPS)
    with showing(steps, device, inp=it[0], targ=it[1]):
        layer = kata.Mse()
        loss = layer(inp, targ)
        od, td = cpu64(inp, targ)
        checks.assert_tensor(
            loss, F.mse_loss(od.squeeze(-1), td), dtype=inp.dtype, device=inp.device,
            bound=mse_loss_bound(inp, targ), name="loss", hint=_(MSE_HINT),
        )
        steps.append("layer.backward()")
        layer.backward()
        assert_grads_reach_given(
            layer, "layer", {"inp": inp}, function="Mse.backward", hints={"inp": _(KEEP_INPUT)},
            exclude=(loss, targ),
        )
        _loss, expected = grads.autograd(
            lambda inp, targ: F.mse_loss(inp.squeeze(-1), targ), inp=inp, targ=targ
        )
        bounds = {"inp": mse_grad_bound(inp, targ)}

        def check(again=None):
            grads.assert_grads(
                {"inp": inp}, expected, bounds=bounds, function="Mse.backward",
                hints={"inp": again or _(MSE_GRAD_HINT)},
            )

        check()
        backward_again(layer.backward, check, "layer.backward()", steps)


@graded("Mse")
def test_mse_backward_before_any_call_says_so(kata, device):
    assert_refuses_backward(
        kata.Mse().backward,
        _("{call} before any call").format(call="Mse().backward()"),
        _(REFUSAL_HINT),
    )


# --- Model ------------------------------------------------------------------------

MODEL_GRAD_HINT = N_(
    "Model.backward() calls the loss's backward(), then each layer's backward() in reverse "
    "order; each layer sets .g on its own input and parameters."
)
MODEL_KEEP_HINT = N_(
    "Model(w1, b1, w2, b2) must hand its layers the very tensors it is given: "
    "Lin(w1, b1), not Lin(w1.clone(), b1.clone()) (nor .detach(), .contiguous() or .t()), "
    "and model(x, targ) must pass x itself to the first layer: the .g that backward() "
    "sets on a copy never reaches the caller's tensor."
)
def layers_run_backward(calls, model):
    """The layers whose backward() ran, in order, from the guard's record of calls."""
    return [
        call.arguments.get("self") for call in calls
        if call.function.endswith(".backward") and call.arguments.get("self") is not model
    ]


@graded("Model")
@given(params=model_operands())
@ds.pinned(
    "params",
    BOOK_MODEL,
    tuple(t.to(F64) for t in BOOK_MODEL),
    # N = 1, one input and one hidden unit: Lin(w2, b2) first would run too.
    (torch.tensor([[2.0]]), torch.tensor([[-1.5]]), torch.tensor([4.0]),
     torch.tensor([[3.0]]), torch.tensor([-1.0]), torch.tensor([2.0])),
    # Hidden size 0: the model predicts b2 for every row; w1.g and b1.g are empty.
    (torch.ones(2, 3), torch.zeros(3, 0), torch.zeros(0), torch.zeros(0, 1),
     torch.tensor([1.0]), torch.tensor([0.0, 3.0])),
)
def test_model_loss_and_gradients(kata, device, params):
    x, w1, b1, w2, b2, targ = ds.on(device, *params)
    assume(hidden_is_decided(x, w1, b1))
    steps = list(MODEL_STEPS)
    with showing(steps, device, **dict(zip(MODEL_NAMES, params, strict=True))):
        model = kata.Model(w1, b1, w2, b2)
        loss = model(x, targ)
        expected_loss, expected = model_expected(x, w1, b1, w2, b2, targ)
        loss_bound, bounds = model_bounds(x, w1, b1, w2, b2, targ)
        checks.assert_tensor(
            loss, expected_loss, dtype=x.dtype, device=x.device, bound=loss_bound,
            name="loss", hint=_(MODEL_HINT),
        )
        state = guard.current()
        start = len(state.calls)
        steps.append("model.backward()")
        try:
            model.backward()
        except Exception:
            # Running the layers in the wrong order is what often makes it crash: say so.
            ran = layers_run_backward(state.calls[start:], model)
            assert_reverse_order(kata, ran, w1, w2, complete=False)
            raise
        ran = layers_run_backward(state.calls[start:], model)
        assert_reverse_order(kata, ran, w1, w2, complete=True)
        tensors = dict(zip(MODEL_NAMES[:5], (x, w1, b1, w2, b2), strict=True))
        assert_grads_reach_given(
            model, "model", tensors, function="Model.backward",
            hints=dict.fromkeys(tensors, _(MODEL_KEEP_HINT)), exclude=(loss, targ),
        )

        def check(again=None):
            grads.assert_grads(
                tensors, expected, bounds=bounds, function="Model.backward",
                hints={name: again or _(MODEL_GRAD_HINT) for name in tensors},
            )

        check()
        backward_again(model.backward, check, "model.backward()", steps)


@graded("Model")
def test_model_backward_before_any_call_says_so(kata, device):
    w1, b1 = torch.ones(3, 2, device=device), torch.zeros(2, device=device)
    w2, b2 = torch.ones(2, 1, device=device), torch.zeros(1, device=device)
    assert_refuses_backward(
        kata.Model(w1, b1, w2, b2).backward,
        _("{call} before model(x, targ)").format(call="Model(w1, b1, w2, b2).backward()"),
        _(REFUSAL_HINT),
    )
