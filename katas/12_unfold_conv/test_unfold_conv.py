"""Graded tests for kata 12_unfold_conv: unfold, conv2d and Conv2dLayer against PyTorch
itself, and train_cnn on real handwritten digits.

- `unfold` against F.unfold and `conv2d` against F.conv2d. Hypothesis draws the batch
  (0 to 3), the channels (1 to 3), rectangular images (1 to 6 on a side), kernels
  up to the size of the padded image (so outputs of size 1 too), strides and
  paddings, each an int or a pair, float32 and float64, contiguous or not.
  F.unfold only copies values, so `unfold` must match it exactly. F.conv2d is
  computed in float64 on the CPU, and `conv2d` may differ from it by the rounding
  errors of a correct sum of C*kh*kw products and the bias in any order
  (checks.sum_bound).
- `Conv2dLayer`: an nn.Module (not an nn.Conv2d) with exactly two nn.Parameters,
  named and shaped as nn.Conv2d's; nn.Conv2d's state_dict, with drawn values, loads
  into it (moved to the device and dtype under test with `.to()`) and it gives
  F.conv2d's outputs; its own loads back into nn.Conv2d; autograd through it gives
  F.conv2d's gradients for the weight, the bias and the input.
- `train_cnn` trains on scikit-learn's 8x8 digits (the data load_digits() returns,
  bundled with scikit-learn: no download), a fixed split and seed, and must reach
  90% accuracy on the held-out digits, within 30 s of CPU time, with a model that
  runs Conv2dLayer while it trains and while it is evaluated. This one test takes a
  few seconds: leave it out with `-k "not train_cnn"`.

On CUDA, the dojo plugin turns TF32 off for the whole run
(torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32 are
False), so float32 products on a GPU are full float32, and the rounding bounds hold
there too. Expected values are computed in float64 on the CPU either way.
"""

import time

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st
from torch import nn

from dojo import checks, graded, guard, show
from dojo import convolution as cv
from dojo import strategies as ds
from dojo.checks import cpu64, fail, type_name
from dojo.convolution import (
    arange,
    conv_bound,
    conv_cases,
    describe,
    out_shape,
    unfold_cases,
)
from dojo.i18n import N_, _
from dojo.outcomes import RuleBroken

F32 = torch.float32
SEEDS = st.integers(0, 2**32 - 1)


def landing(device):
    """The device a tensor made with `device=device` lands on ("cuda" -> cuda:0)."""
    return torch.empty(0, device=device).device


def build(factory, *args, seed, **kwargs):
    """`factory(*args, **kwargs)` with torch's CPU generator seeded with `seed`, and
    restored afterwards: layers draw their initial weights from it."""
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        return factory(*args, **kwargs)


def double(t):
    """A tensor's values in float64 on the CPU, where they are checked."""
    return t.detach().cpu().double()


def right(got, expected, x, bound):
    """Whether `got` passes: a hint is worked out only when it does not."""
    return cv.right(got, expected, bound, kind=torch.Tensor, double=double, dtype=x.dtype,
                    device=x.device)


# --- unfold ---------------------------------------------------------------------------


UNFOLD_PITFALLS = cv.unfold_pitfalls()


def unfold_hint(got, x, kernel, stride, padding, expected):
    """Which classic mistake `got` looks like, or the general hint."""
    view = "" if x.is_contiguous() else " " + _(
        "Here x is a view that is not contiguous (strides {strides}): "
        "as_strided on x itself must use x.stride() and x.storage_offset(), not the "
        "strides a contiguous tensor would have."
    ).format(strides=tuple(x.stride()))
    return cv.unfold_hint(
        got, x.shape, kernel, stride, padding, expected, kind=torch.Tensor, double=double,
        view=view, channels_first=_(
            "Stack the kernel positions on an axis after the channel "
            "axis, (N, C, kh * kw, L), before reshaping."
        ),
    )


@graded("unfold")
@given(case=unfold_cases())
@ds.pinned("case", *UNFOLD_PITFALLS)
def test_unfold_matches_f_unfold(kata, device, case):
    x, kernel, stride, padding = case
    x = ds.on(device, x)
    got = kata.unfold(x, kernel, stride=stride, padding=padding)
    expected = F.unfold(x.detach().cpu().double(), kernel, stride=stride, padding=padding)
    # Exact: unfolding copies values and adds zeros, it computes nothing.
    checks.assert_tensor(
        got, expected, dtype=x.dtype, device=x.device,
        hint="" if right(got, expected, x, 0.0)
        else unfold_hint(got, x, kernel, stride, padding, expected),
    )


# --- conv2d ---------------------------------------------------------------------------


CONV_PITFALLS = cv.conv_pitfalls()


def conv_hint(got, x, weight, bias, kernel, stride, padding):
    """Which classic mistake `got` looks like, or the general hint."""
    return cv.conv_hint(
        got, x, weight, bias, kernel, stride, padding, kind=torch.Tensor, double=double,
        multiply=_("multiply by weight.reshape(C_out, -1), (C_out, C * kh * kw)"),
    )


@graded("conv2d")
@given(case=conv_cases())
@ds.pinned("case", *CONV_PITFALLS)
def test_conv2d_matches_f_conv2d(kata, device, case):
    x, weight, bias, kernel, stride, padding = case
    x, weight, bias = ds.on(device, x, weight, bias)
    got = kata.conv2d(x, weight, bias, stride=stride, padding=padding)
    xd, wd, bd = cpu64(x, weight, bias)
    expected = F.conv2d(xd, wd, bd, stride=stride, padding=padding)
    bound = conv_bound(x, weight, bias, stride, padding)
    checks.assert_tensor(
        got, expected, dtype=x.dtype, device=x.device, bound=bound,
        hint="" if right(got, expected, x, bound)
        else conv_hint(got, x, weight, bias, kernel, stride, padding),
    )


# --- Conv2dLayer ----------------------------------------------------------------------

RULE = N_(
    "The rule of Conv2dLayer: built on your conv2d: not a subclass of nn.Conv2d, and no "
    "F.conv2d or any other convolution"
)


def layer_name(n_in, n_out, kernel, stride, padding):
    return f"Conv2dLayer({n_in}, {n_out}, {kernel!r}, stride={stride!r}, padding={padding!r})"


def assert_module_from_scratch(cls):
    __tracebackhide__ = True
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise fail(
            _("{name} is {what}, but should be a subclass of nn.Module").format(
                name="Conv2dLayer", what=type_name(cls)
            ),
            _(
                "class {name}(nn.Module): nn.Module finds the parameters you assign as "
                "attributes, moves them with .to(), and saves them in state_dict()."
            ).format(name="Conv2dLayer"),
        )
    if issubclass(cls, nn.modules.conv._ConvNd):
        raise RuleBroken(
            _(
                "{name} subclasses torch.nn.{base}: it inherits what this kata asks you "
                "to write"
            ).format(name="Conv2dLayer", base="Conv2d")
            + "\n"
            + _(RULE)
        )


def assert_parameters(layer, name, shapes, dtype, device):
    """Exactly the nn.Parameters `shapes` ({name: shape}), of `dtype` on `device`."""
    __tracebackhide__ = True
    found = dict(layer.named_parameters())
    for key, shape in shapes.items():
        value = getattr(layer, key, None)
        if key not in found:
            what = (
                _("a buffer (register_buffer)") if key in dict(layer.named_buffers())
                else _("a plain tensor attribute") if isinstance(value, torch.Tensor)
                else _("missing ({name}.{key} is {what})").format(
                    name=name, key=key, what=type_name(value)
                )
            )
            raise fail(
                _(
                    "{name}.{key} should be an nn.Parameter of shape {shape}, but is {what}; "
                    "the parameters are {parameters}"
                ).format(name=name, key=key, shape=shape, what=what, parameters=sorted(found)),
                _(
                    "assign it in __init__: self.{key} = nn.Parameter(...). A plain tensor or "
                    "a buffer is not a parameter: model.parameters() leaves it out, so no "
                    "optimizer trains it. nn.Conv2d names its parameters weight and bias."
                ).format(key=key),
            )
        if not isinstance(value, nn.Parameter):
            raise fail(
                _(
                    "{name}.{key} is {what}, but should be the nn.Parameter that "
                    "named_parameters() lists under {key!r}"
                ).format(name=name, key=key, what=type_name(value)),
                _("assign the parameter itself: self.{key} = nn.Parameter(...).").format(
                    key=key
                ),
            )
    if sorted(found) != sorted(shapes):
        raise fail(
            _("{name} has the parameters {got}, but should have exactly {want}").format(
                name=name, got=sorted(found), want=sorted(shapes)
            ),
            _(
                "nn.Conv2d has two parameters, weight and bias: keep stride and padding plain "
                "Python attributes."
            ),
        )
    for key, shape in shapes.items():
        value = found[key]
        if tuple(value.shape) != tuple(shape):
            raise fail(
                _("{name}.shape={got}, but should be {want}").format(
                    name=f"{name}.{key}", got=tuple(value.shape), want=shape
                ),
                _(
                    "nn.Conv2d's weight is (n_out, n_in, kh, kw), with (kh, kw) the kernel's "
                    "(height, width), and its bias (n_out,)."
                ),
            )
        if value.dtype != dtype or value.device != torch.device(device):
            raise fail(
                _(
                    "after .to({device!r}, {dtype}), {name}.{key} is {got_dtype} on "
                    "{got_device}"
                ).format(
                    device=str(device), dtype=dtype, name=name, key=key,
                    got_dtype=value.dtype, got_device=value.device,
                ),
                _(
                    "make the parameters with torch's defaults: whoever uses the layer changes "
                    "them with .to()."
                ),
            )
    return found


STATE_DICT_HINT = N_(
    "the two must have the same keys (weight, bias) and shapes ((n_out, n_in, kh, "
    "kw) and (n_out,)), and nothing else in state_dict()."
)


def layer_hint(name, x, kernel, stride, padding):
    return _(
        "here x is {shape}, {dtype}, and the layer holds nn.Conv2d's weight and "
        "bias (loaded with load_state_dict). {name}(x) is conv2d(x, self.weight, self.bias, "
        "stride={stride!r}, padding={padding!r}): keep stride and padding from __init__ "
        "and pass them on. {arithmetic}"
    ).format(
        shape=tuple(x.shape), dtype=x.dtype, name=name, stride=stride, padding=padding,
        arithmetic=describe(x.shape, kernel, stride, padding),
    )


def loaded_layer(kata, device, case, seed):
    """The learner's layer, moved to `device` and x's dtype, holding the drawn weight and
    bias (loaded from an nn.Conv2d that holds them)."""
    __tracebackhide__ = True
    x, weight, bias, kernel, stride, padding = case
    n_out, n_in = weight.shape[:2]
    dtype = x.dtype
    assert_module_from_scratch(kata.Conv2dLayer)
    name = layer_name(n_in, n_out, kernel, stride, padding)
    layer = build(kata.Conv2dLayer, n_in, n_out, kernel, stride=stride, padding=padding,
                  seed=seed)
    layer.to(device=device, dtype=dtype)
    assert_parameters(layer, name, {"weight": tuple(weight.shape), "bias": (n_out,)}, dtype,
                      landing(device))
    reference = build(nn.Conv2d, n_in, n_out, kernel, stride=stride, padding=padding,
                      dtype=dtype, seed=seed)
    with torch.no_grad():
        reference.weight.copy_(weight)
        reference.bias.copy_(bias)
    checks.load_state(layer, reference, name, "nn.Conv2d", _(STATE_DICT_HINT))
    return layer, name


LAYER_PITFALLS = (
    CONV_PITFALLS[0],
    CONV_PITFALLS[2],  # a rectangular kernel given as a pair, strides and paddings as pairs
    (arange(1, 1, 5, 5), torch.ones(1, 1, 2, 2), torch.ones(1), 2, 2, 1),  # int stride, padding
    CONV_PITFALLS[5],
)


@graded("Conv2dLayer")
@given(case=conv_cases(bias=True), seed=SEEDS)
@ds.pinned("case", *LAYER_PITFALLS, seed=0)
def test_conv2d_layer_loads_nn_conv2ds_state_and_gives_its_outputs(kata, device, case, seed):
    x, weight, bias, kernel, stride, padding = case
    layer, name = loaded_layer(kata, device, case, seed)
    x = ds.on(device, x)
    with torch.no_grad():
        got = layer(x)
    xd, wd, bd = cpu64(x, weight, bias)
    checks.assert_tensor(
        got, F.conv2d(xd, wd, bd, stride=stride, padding=padding), dtype=x.dtype,
        device=x.device, bound=conv_bound(x, weight, bias, stride, padding),
        name=f"{name}(x)", hint=layer_hint(name, x, kernel, stride, padding),
    )
    # And back: nn.Conv2d takes the layer's state and holds the same numbers.
    n_out, n_in = weight.shape[:2]
    back = build(nn.Conv2d, n_in, n_out, kernel, stride=stride, padding=padding,
                 dtype=x.dtype, seed=seed + 1)
    checks.load_state(back, layer, "nn.Conv2d", name, _(STATE_DICT_HINT))
    checks.assert_tensor(back.weight, wd, dtype=x.dtype, device="cpu", name=_("nn.Conv2d's weight"))
    checks.assert_tensor(back.bias, bd, dtype=x.dtype, device="cpu", name=_("nn.Conv2d's bias"))


def conv_gradients(x, weight, bias, up, stride, padding):
    """Autograd's gradients of (F.conv2d(x, weight, bias) * up).sum() in float64 on the CPU,
    for x, weight and bias (a dict of float64 tensors)."""
    leaves = [t.requires_grad_() for t in cpu64(x, weight, bias)]
    with torch.enable_grad():
        out = F.conv2d(*leaves, stride=stride, padding=padding)
        (out * up.detach().cpu().double()).sum().backward()
    return dict(zip(("x", "weight", "bias"), (t.grad for t in leaves), strict=True))


@st.composite
def gradient_cases(draw):
    case = draw(conv_cases(min_batch=1, bias=True), label="case")
    x, weight, _bias, kernel, stride, padding = case
    shape = out_shape(x.shape, weight.shape[0], kernel, stride, padding)
    return case, draw(ds.tensors(shape, dtype=x.dtype), label="upstream")


@graded("Conv2dLayer")
@given(case_up=gradient_cases(), seed=SEEDS)
@example(case_up=(CONV_PITFALLS[0], arange(1, 3, 2, 3) - 9), seed=0)
def test_conv2d_layer_gradients_flow_to_weight_bias_and_input(kata, device, case_up, seed):
    case, up = case_up
    x, weight, bias, kernel, stride, padding = case
    layer, name = loaded_layer(kata, device, case, seed)
    x, up = ds.on(device, x, up)
    x.requires_grad_()
    out = layer(x)
    xd, wd, bd = cpu64(x, weight, bias)
    if not isinstance(out, torch.Tensor) or out.shape != up.shape or not out.requires_grad:
        checks.assert_tensor(out, F.conv2d(xd, wd, bd, stride=stride, padding=padding),
                             dtype=x.dtype, device=x.device, name=f"{name}(x)",
                             bound=conv_bound(x, weight, bias, stride, padding),
                             hint=layer_hint(name, x, kernel, stride, padding))
        raise fail(
            _(
                "{name}(x) does not require a gradient: autograd cannot reach the parameters"
            ).format(name=name),
            _(
                "compute with torch operations on self.weight and self.bias themselves (no "
                ".data, .detach(), .numpy() or torch.tensor(...) on the way)."
            ),
        )
    (out * up).sum().backward()  # the gradient of this with respect to out is up
    expected = conv_gradients(x, weight, bias, up, stride, padding)
    # The magnitudes: the same gradients of the absolute values, which add up the
    # absolute values of every term of every sum. The weight's and bias's gradients
    # sum over N * L terms, the input's over at most C_out * kh * kw.
    magnitude = conv_gradients(x.abs(), weight.abs(), bias.abs(), up.abs(), stride, padding)
    n, c_out = out.shape[:2]
    terms = {"weight": n * out[0, 0].numel(), "bias": n * out[0, 0].numel(),
             "x": c_out * weight[0, 0].numel()}
    params = dict(layer.named_parameters())
    for key, got in (("weight", params["weight"].grad), ("bias", params["bias"].grad),
                     ("x", x.grad)):
        label = "x.grad" if key == "x" else f"layer.{key}.grad"
        if got is None:
            raise fail(
                _(
                    "{name} is None after backward: the output does not depend on it through "
                    "autograd"
                ).format(name=label),
                _(
                    "use the parameters themselves in forward (self.weight, self.bias), and "
                    "torch operations all the way (no .data, .detach(), .numpy() or "
                    "torch.tensor(...))."
                ),
            )
        checks.assert_tensor(
            got, expected[key], dtype=x.dtype, device=x.device, name=label,
            bound=checks.sum_bound(x.dtype, terms[key], magnitude[key]),
            hint=_(
                "after (out * g).sum().backward() with out = {name}(x), x of shape "
                "{shape} and a random g, {label} should be autograd's for F.conv2d: "
                "compute forward with torch operations on x, self.weight and self.bias "
                "(autograd then does the rest)."
            ).format(name=name, shape=tuple(x.shape), label=label),
        )


# --- train_cnn ------------------------------------------------------------------------

# train_cnn's CPU-time limit, 30 s, is its `time_limit` in katas/curriculum.toml: the
# guard stops it there ("too slow"). The reference takes about 2 s, imports included.


def digits():
    """scikit-learn's 8x8 digits as (N, 1, 8, 8) float32 images in [0, 1] and int64
    labels, split at random, always the same way (dojo.convolution.digits), declared as
    fixed data: a failure describes them and says how to get them."""
    return tuple(
        show.fixed_data(t, how)
        for t, how in cv.digits("katas/12_unfold_conv/test_unfold_conv.py")
    )


def conv_layer_calls(kata):
    """Every recorded call of a Conv2dLayer's forward in this test (the guard records
    each call of a registered class's methods, nested ones included)."""
    return [
        call for call in guard.current().calls
        if call.function.endswith(".forward")
        and isinstance(call.arguments.get("self"), kata.Conv2dLayer)
    ]


@graded("train_cnn")
def test_train_cnn_learns_8x8_digits_with_your_conv2d_layer(kata, device):
    train_x, train_y, test_x, test_y = ds.on(device, *digits())
    # One torch thread while it trains: the CPU time is then the work done, not threads
    # spinning while they wait for a core (on a busy two-core machine, two threads
    # spent 30 times the CPU time of one on this training).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    cuda = [landing(device).index or 0] if landing(device).type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            # Reproducible even if train_cnn forgets to seed. (Not torch.manual_seed: once
            # torch.optim has loaded torch._dynamo, that is a wrapper which imports it.)
            torch.default_generator.manual_seed(0)
            if cuda:
                torch.cuda.manual_seed(0)
            start = time.process_time()
            model = kata.train_cnn(train_x, train_y, seed=0)
            seconds = time.process_time() - start
    finally:
        torch.set_num_threads(threads)
    if not isinstance(model, nn.Module):
        raise fail(
            _("train_cnn returned {what}, but should return the trained nn.Module").format(
                what=type_name(model)
            ),
            _("return the model itself, after training it."),
        )
    layers = [m for m in model.modules() if isinstance(m, kata.Conv2dLayer)]
    if not layers:
        raise fail(
            _("the model train_cnn returned has no Conv2dLayer among its modules"),
            _(
                "build the CNN from your own Conv2dLayer (in an nn.Sequential, or as "
                "attributes of your own nn.Module), not from nn.Linear layers alone."
            ),
        )
    trained = len(conv_layer_calls(kata))
    if trained == 0:
        raise fail(
            _("no Conv2dLayer ran while train_cnn trained"),
            _("the model you train must call your Conv2dLayer in its forward pass."),
        )
    wrong_place = [
        (name, p.device) for name, p in model.named_parameters() if p.device != train_x.device
    ]
    if wrong_place:
        name, where = wrong_place[0]
        raise fail(
            _(
                "the model's parameter {name} is on {got}, but should be on {want}, with the "
                "images"
            ).format(name=name, got=where, want=train_x.device),
            _("move the model to the images' device: model.to(images.device)."),
        )
    model.eval()
    try:
        with torch.no_grad():
            logits = model(test_x)
    except Exception as exc:  # the learner's model fell over: a crash, not a test error
        guard.current().crash = exc
        raise
    if len(conv_layer_calls(kata)) == trained:
        raise fail(
            _("no Conv2dLayer ran when the returned model was evaluated"),
            _("return the model you trained, whose forward pass runs your Conv2dLayer."),
        )
    want = (len(test_y), 10)
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != want:
        what = (
            _("of shape {shape}").format(shape=tuple(logits.shape))
            if isinstance(logits, torch.Tensor) else type_name(logits)
        )
        raise fail(
            _(
                "the trained model gave {what} for {count} images, but should give "
                "a tensor of shape {want}: one logit per class"
            ).format(what=what, count=len(test_y), want=want),
            _(
                "end the model with 10 output channels of size 1x1 and nn.Flatten() (or "
                "with nn.Linear(..., 10))."
            ),
        )
    if logits.dtype != F32 or logits.device != test_x.device:
        raise fail(
            _(
                "the logits are {dtype} on {device}, but should be float32 on {want}, like "
                "the images"
            ).format(dtype=logits.dtype, device=logits.device, want=test_x.device)
        )
    cv.assert_accuracy(
        int((logits.argmax(dim=1) == test_y).sum()), len(test_y), seconds, what="model",
        hint=_(
            "a few Conv2dLayers with ReLU between them, the last one giving 10 channels of "
            "1x1 (or nn.Flatten and nn.Linear), trained with F.cross_entropy and "
            "torch.optim.Adam (lr=1e-2) on minibatches of 64 for the epochs asked, reach "
            "about 97%. Check that each minibatch's labels go with its images."
        ),
    )
