"""Graded tests for kata 09_layer_function: LayerFunction and the layers built on it.

LayerFunction is tested with small layers defined here (one, two and three
arguments) that record what they are given: `__call__` must pass its arguments
on to `forward` and return its result, `backward()` must call `bwd(out, *args)`.
Relu, Lin and Mse are used as a learner uses them: build, call, put a random
upstream gradient on the output (`out.g = upstream`), `backward()`, then every
`.g` is checked against `torch.autograd` in float64 (dojo.grads), and again after
a second `backward()` (it replaces `.g`). They must subclass LayerFunction and
define forward and bwd only (Lin also __init__). The model is checked as in
08_layers, with the guard's record of the `bwd` calls for their order.
"""


import torch
import torch.nn.functional as F
from hypothesis import assume, given

from dojo import checks, graded, grads, guard, outcomes
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
    assert_refuses_backward,
    assert_reverse_order,
    backward_again,
    cpu64,
    fail,
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
from dojo.i18n import N_, _, ngettext

F64 = torch.float64


# --- showing the input ----------------------------------------------------------


# --- backward() before the forward pass ----------------------------------------------

REFUSAL_HINT = N_(
    "LayerFunction.backward() passes bwd what __call__ stored (the output and the "
    "arguments). Before any call there is nothing: check that first and raise an exception "
    "whose message tells what to do, for example RuntimeError('backward() was called "
    "before the forward pass: call the layer first'). The tests look for 'forward', "
    "'call' or 'before' in the message. Python's own \"object has no attribute\" does "
    "not say what went wrong."
)


# --- LayerFunction -------------------------------------------------------------------

NOT_IMPLEMENTED_HINT = N_(
    "the book's base class raises a bare Exception() and takes no arguments. Here "
    "forward(self, *args) and bwd(self, out, *args) take any arguments and raise "
    "NotImplementedError, Python's exception for 'a subclass must define this'."
)
CALL_HINT = N_(
    "__call__(self, *args) stores the arguments (self.args = args), runs "
    "self.out = self.forward(*args) and returns self.out: the arguments passed on as they "
    "came, each as its own argument and in order, and forward's result itself."
)
BACKWARD_HINT = N_(
    "backward(self) calls self.bwd(self.out, *self.args): the output of the latest call "
    "first, then that call's arguments, each as its own argument and in order."
)
ARG_NAMES = ("x", "y", "z")


def assert_not_implemented(run, call, why):
    """`run()` must raise NotImplementedError; the stub's own placeholder reads
    "not started" (the guard already turns it into NotStarted: this is a second line)."""
    __tracebackhide__ = True
    try:
        run()
    except NotImplementedError as exc:
        if outcomes.is_placeholder(exc):
            raise outcomes.NotStarted(
                _("{call} still raises the stub's NotImplementedError").format(call=call)
            ) from None
        return
    except Exception as exc:
        raise fail(
            _(
                "{call} raised {exception}({message!r}), but should raise "
                "NotImplementedError: {why}"
            ).format(call=call, exception=type(exc).__name__, message=str(exc), why=why),
            _(NOT_IMPLEMENTED_HINT),
        ) from None
    raise fail(
        _("{call} {what}, but should raise {wanted}: {why}").format(
            call=call, what=_("returned normally"), wanted="NotImplementedError", why=why
        ),
        _(NOT_IMPLEMENTED_HINT),
    )


def describe(value, known):
    """The name of `value` among `known` (name, object) pairs, by identity, or what it is."""
    for name, obj in known:
        if value is obj:
            return name
    if isinstance(value, tuple):
        return ngettext("a tuple of {n} item", "a tuple of {n} items", len(value)).format(
            n=len(value)
        )
    if isinstance(value, torch.Tensor):
        return _("another tensor")
    return "None" if value is None else _("a {type}").format(type=type(value).__name__)


def recording_layer(base, log, device):
    """A LayerFunction subclass whose forward and bwd take any arguments and only
    record them in `log`; forward returns a new tensor each time."""

    class Recorder(base):
        def forward(self, *args):
            result = torch.full((2,), float(len(log)), device=device)
            log.append(("forward", args, result))
            return result

        def bwd(self, *args):
            log.append(("bwd", args, None))

    return Recorder


RECORDER = N_(
    "(layer is a LayerFunction subclass, made by the test, whose forward and bwd take any "
    "arguments and only record them; forward returns a new tensor)"
)


@graded("LayerFunction")
def test_layer_function_runs_forward_and_bwd(kata, device):
    log = []
    recorder = recording_layer(kata.LayerFunction, log, device)
    for arity in (1, 2, 3):
        layer = recorder()
        names = ARG_NAMES[:arity]
        before = []  # (name, object) of the previous call: backward() must not use them
        for number in (1, 2):  # called twice: backward() uses the latest call
            given = tuple(torch.full((2,), 10.0 * number + i, device=device) for i in range(arity))
            known = [*zip(names, given, strict=True), *before]
            call = f"out = layer({', '.join(names)})"
            if number == 2:
                call = _("a second {call}").format(call=call)

            def wrong(message, hint):
                return fail(f"{message}\n{_(RECORDER)}", _(hint))

            log.clear()
            out = layer(*given)
            forwards = [entry for entry in log if entry[0] == "forward"]
            if len(forwards) != 1:
                raise wrong(
                    _("{call} ran forward {count} times, but should run it once").format(
                        call=call, count=len(forwards)
                    ),
                    CALL_HINT,
                )
            _kind, args, result = forwards[0]
            if len(args) != arity or any(a is not g for a, g in zip(args, given, strict=True)):
                shown = ", ".join(describe(a, known) for a in args)
                raise wrong(
                    _("{call} called forward({shown}), but should call forward({names})").format(
                        call=call, shown=shown, names=", ".join(names)
                    ),
                    CALL_HINT,
                )
            if out is not result:
                raise wrong(
                    _(
                        "{call} returned {what}, but should return the very tensor "
                        "that forward returned"
                    ).format(call=call, what=describe(out, [])),
                    CALL_HINT,
                )
            out.g = torch.ones_like(out)
            log.clear()
            layer.backward()
            bwds = [entry for entry in log if entry[0] == "bwd"]
            after = _("layer.backward() after {call}").format(call=call)
            if len(bwds) != 1:
                raise wrong(
                    _("{call} ran bwd {count} times, but should run it once").format(
                        call=after, count=len(bwds)
                    ),
                    BACKWARD_HINT,
                )
            args = bwds[0][1]
            want = (out, *given)
            if len(args) != len(want) or any(a is not w for a, w in zip(args, want, strict=True)):
                shown = ", ".join(describe(a, [("out", out), *known]) for a in args)
                raise wrong(
                    _("{call} called bwd({shown}), but should call bwd(out, {names})").format(
                        call=after, shown=shown, names=", ".join(names)
                    ),
                    BACKWARD_HINT,
                )
            before = [
                (_("the first call's {name}").format(name=name), t)
                for name, t in zip(names, given, strict=True)
            ]
            before.append((_("the first call's {name}").format(name="out"), out))


@graded("LayerFunction")
def test_layer_function_backward_before_any_call_says_so(kata, device):
    layer = recording_layer(kata.LayerFunction, [], device)()
    assert_refuses_backward(
        layer.backward, _("backward() before any call, on a subclass of LayerFunction,"),
        _(REFUSAL_HINT),
    )


@graded("LayerFunction")
def test_layer_function_forward_and_bwd_raise_not_implemented_error(kata, device):
    x, y = torch.ones(2, device=device), torch.zeros(2, device=device)
    out = torch.ones(2, device=device)
    forward_why = _("the base class has no forward of its own: each subclass defines it")
    bwd_why = _("the base class has no bwd of its own: each subclass defines it")
    # Through the learner's __call__ first: while it is a stub this reads "not started"
    # (the stub gives forward and bwd, which raise NotImplementedError already).
    assert_not_implemented(
        lambda: kata.LayerFunction()(x), "LayerFunction()(x)",
        _("calling the base class itself runs its forward, which a subclass must define"),
    )
    base = kata.LayerFunction()
    assert_not_implemented(lambda: base.forward(x), "LayerFunction().forward(x)", forward_why)
    assert_not_implemented(
        lambda: base.forward(x, y), "LayerFunction().forward(x, y)", forward_why
    )
    assert_not_implemented(lambda: base.bwd(out, x), "LayerFunction().bwd(out, x)", bwd_why)
    assert_not_implemented(
        lambda: base.bwd(out, x, y), "LayerFunction().bwd(out, x, y)", bwd_why
    )


# --- what a subclass defines -----------------------------------------------------------

LAYER_FUNCTION_HINT = N_(
    "LayerFunction's __call__ and backward do the bookkeeping for every layer: a subclass "
    "defines forward and bwd only (Lin also __init__, to keep w and b), and inherits the "
    "rest. Helpers whose names start with one underscore are fine."
)


def assert_defines_only(kata, name, allowed):
    """kata.<name> subclasses LayerFunction and defines the methods `allowed` and
    private helpers only (looked up in every class of its MRO below LayerFunction)."""
    __tracebackhide__ = True
    cls, base = getattr(kata, name), kata.LayerFunction
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise fail(
            _("{name} does not subclass LayerFunction").format(name=name),
            _(LAYER_FUNCTION_HINT),
        )
    defined = []
    for klass in cls.__mro__[: cls.__mro__.index(base)]:
        for attr, value in vars(klass).items():
            method = isinstance(value, (staticmethod, classmethod, property)) or callable(value)
            if method and attr not in defined:
                defined.append(attr)
    private = [a for a in defined if a.startswith("_") and not a.startswith("__")]
    extra = [a for a in defined if a not in allowed and a not in private]
    if extra:
        raise fail(
            _("{name} defines {extra}, but should define only {allowed}").format(
                name=name, extra=", ".join(extra), allowed=_(" and ").join(allowed)
            ),
            _(LAYER_FUNCTION_HINT),
        )
    missing = [a for a in allowed if a not in defined and a != "__init__"]
    if missing:
        raise fail(
            _("{name} does not define {missing}").format(
                name=name, missing=_(" or ").join(missing)
            ),
            _(LAYER_FUNCTION_HINT),
        )


# --- Relu -------------------------------------------------------------------------

RELU_GRAD_HINT = N_(
    "Relu.bwd(out, inp) sets inp.g: out.g where inp > 0 and 0 where inp < 0 (at exactly "
    "0 either is accepted), the mask (inp > 0) times out.g, element by element."
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
    assert_defines_only(kata, "Relu", ("forward", "bwd"))
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
        expected = relu_expected(x, up)

        def check(again=None):
            grads.assert_grads(
                {"inp": x}, expected, function="Relu.bwd",
                hints={"inp": again or _(RELU_GRAD_HINT)},
            )

        check()
        backward_again(layer.backward, check, "layer.backward()", steps)


# --- Lin --------------------------------------------------------------------------


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
    assert_defines_only(kata, "Lin", ("__init__", "forward", "bwd"))
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
                {"inp": x, "w": w, "b": b}, expected, bounds=bounds, function="Lin.bwd",
                hints={k: again or _(hint) for k, hint in LIN_GRAD_HINTS.items()},
            )

        check()
        backward_again(layer.backward, check, "layer.backward()", steps)


# --- Mse --------------------------------------------------------------------------

MSE_GRAD_HINT = N_(
    "the derivative of mean((inp[i, 0] - targ[i]) ** 2) with respect to inp[i, 0] is "
    "2 * (inp[i, 0] - targ[i]) / N: the 2 from the square, the 1/N from the mean. inp.g "
    "has inp's shape (N, 1): unsqueeze(-1) the (N,) difference. Mse.bwd(out, inp, targ) "
    "sets it; out is the loss, whose own gradient is 1 (no out.g to read)."
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
    assert_defines_only(kata, "Mse", ("forward", "bwd"))
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
        _loss, expected = grads.autograd(
            lambda inp, targ: F.mse_loss(inp.squeeze(-1), targ), inp=inp, targ=targ
        )
        bounds = {"inp": mse_grad_bound(inp, targ)}

        def check(again=None):
            grads.assert_grads(
                {"inp": inp}, expected, bounds=bounds, function="Mse.bwd",
                hints={"inp": again or _(MSE_GRAD_HINT)},
            )

        check()
        backward_again(layer.backward, check, "layer.backward()", steps)


# --- Model ------------------------------------------------------------------------

MODEL_GRAD_HINT = N_(
    "Model.backward() calls the loss's backward(), then each layer's backward() in reverse "
    "order; each layer's bwd sets .g on its own input and parameters."
)
def layers_run_backward(calls, model):
    """The layers whose backward() or bwd ran, in order, from the guard's record: a
    layer's backward() calling its own bwd counts once."""
    layers = []
    for call in calls:
        layer = call.arguments.get("self")
        ran = call.function.endswith((".backward", ".bwd")) and layer is not model
        if ran and (not layers or layers[-1] is not layer):
            layers.append(layer)
    return layers


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
