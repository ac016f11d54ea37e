"""Graded tests for kata 11_nn_linear: LinearLayer and Model against PyTorch itself.

LinearLayer draws its weights from torch's global random generator (it takes no
generator, like nn.Linear). Every layer is therefore built inside
`torch.random.fork_rng`, with the CPU generator seeded from a value Hypothesis
draws: examples replay exactly, and the rest of the run is undisturbed.

- Structure: an nn.Module (not an nn.Linear), exactly two nn.Parameters named
  `weight` (n_out, n_in) and `bias` (n_out,), bias zeros, a state_dict with
  nn.Linear's keys and shapes.
- Initialisation: the mean and std of 4096 to 16384 weights fall in the range
  a Kaiming init (std sqrt(2 / n_in), normal or uniform) falls in but for one
  run of the test in a million (dojo.stats, as in 06_initialization).
- Outputs: nn.Linear's state_dict, with drawn values, loads into the layer,
  moved to the device and dtype under test with `.to()`, and the layer gives
  F.linear's outputs (computed in float64, within rounding bounds); its own
  state_dict loads back into nn.Linear.
- Gradients: autograd through the layer gives F.linear's gradients for the
  weight, the bias and the input, with a random upstream gradient.
- Model: drawn values are copied into its parameters (found by shape: two
  matrices in nn.Linear's layout and two vectors, in the order of the layers);
  the loss must be F.mse_loss(F.linear(F.relu(F.linear(x, w1, b1)), w2, b2), targ)
  in float64, within rounding bounds.

On CUDA, the dojo plugin turns TF32 off for the whole run
(torch.backends.cuda.matmul.allow_tf32 = False), so float32 products on a GPU
are full float32, and the rounding bounds below hold there too.
"""

import math

import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn

from dojo import checks, graded, stats
from dojo import strategies as ds
from dojo.checks import cpu64, fail, type_name
from dojo.i18n import N_, _, ngettext
from dojo.outcomes import RuleBroken, WrongAnswer

F32, F64 = torch.float32, torch.float64
SEEDS = st.integers(0, 2**32 - 1)
SIZE = st.integers(1, ds.MAX_SIDE)


def build(factory, *args, seed, **kwargs):
    """`factory(*args, **kwargs)` with torch's CPU generator seeded with `seed`, and
    restored afterwards. (The CPU generator only: layers are made on the CPU.)"""
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        return factory(*args, **kwargs)


def landing(device):
    """The device a tensor made with `device=device` lands on ("cuda" -> cuda:0)."""
    return torch.empty(0, device=device).device


def linear_bound(x, w, b):
    """Largest error of a correct x @ w.t() + b in x's dtype, elementwise (float64, CPU):
    n_in products and the bias per output, summed in any order."""
    xd, wd, bd = cpu64(x, w, b)
    return checks.sum_bound(x.dtype, x.shape[-1] + 1, xd.abs() @ wd.abs().t() + bd.abs())


# --- LinearLayer: what it is --------------------------------------------------------

RULE = N_(
    "The rule of LinearLayer: from scratch: subclass nn.Module (not nn.Linear), and no "
    "torch.nn.functional.linear"
)
NOT_A_PARAMETER = N_(
    "a plain tensor attribute (or a buffer) is not a parameter: model.parameters() "
    "leaves it out, so no optimizer ever trains it, and it does not get a gradient of its "
    "own. Wrap it: self.{name} = nn.Parameter(torch.zeros(n_out))."
)


def assert_module_from_scratch(cls, name, forbidden_base):
    """`cls` subclasses nn.Module and not `forbidden_base` (a RuleBroken otherwise)."""
    __tracebackhide__ = True
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise fail(
            _("{name} is {what}, but should be a subclass of nn.Module").format(
                name=name, what=type_name(cls)
            ),
            _(
                "class {name}(nn.Module): nn.Module finds the parameters you assign as "
                "attributes, moves them with .to(), and saves them in state_dict()."
            ).format(name=name),
        )
    if issubclass(cls, forbidden_base):
        raise RuleBroken(
            _(
                "{name} subclasses torch.nn.{base}: it inherits what this kata asks you "
                "to write"
            ).format(name=name, base=forbidden_base.__name__)
            + "\n"
            + _(RULE)
        )


def assert_parameters(layer, name, shapes, dtype=F32, device="cpu"):
    """`layer` has exactly the nn.Parameters `shapes` ({name: shape}), of `dtype` on
    `device`, each requiring a gradient. Returns them by name."""
    __tracebackhide__ = True
    found = dict(layer.named_parameters())
    for key, shape in shapes.items():
        value = getattr(layer, key, None)
        if key not in found:
            buffers = dict(layer.named_buffers())
            if key in buffers:
                what = _("a buffer (register_buffer)")
            elif isinstance(value, torch.Tensor):
                what = _("a plain tensor attribute")
            else:
                what = _("missing ({name}.{key} is {what})").format(
                    name=name, key=key, what=type_name(value)
                )
            raise fail(
                _(
                    "{name}.{key} should be an nn.Parameter of shape {shape}, but is {what}; "
                    "the parameters are {parameters}"
                ).format(name=name, key=key, shape=shape, what=what, parameters=sorted(found)),
                _(NOT_A_PARAMETER).format(name=key)
                if isinstance(value, torch.Tensor)
                else _(
                    "assign it in __init__: self.{key} = nn.Parameter(...). nn.Linear "
                    "names its parameters weight and bias, and state_dict() uses those names."
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
    extra = sorted(set(found) - set(shapes))
    if extra:
        raise fail(
            _("{name} has the parameters {got}, but should have exactly {want}").format(
                name=name, got=sorted(found), want=sorted(shapes)
            ),
            _(
                "nn.Linear has two parameters, weight and bias: keep anything else a plain "
                "Python attribute (an int, a float), not an nn.Parameter."
            ),
        )
    for key, shape in shapes.items():
        value = found[key]
        if tuple(value.shape) != tuple(shape):
            hint = (
                _(
                    "{key} is {shape}, the transpose: nn.Linear stores "
                    "(n_out, n_in), one row per output, and computes x @ weight.t() + bias."
                ).format(key=key, shape=tuple(value.shape))
                if len(shape) == 2 and tuple(value.shape) == tuple(shape)[::-1]
                else _(
                    "check the sizes you create it with: (n_out, n_in) for the weight, "
                    "(n_out,) for the bias."
                )
            )
            raise fail(
                _("{name}.shape={got}, but should be {want}").format(
                    name=f"{name}.{key}", got=tuple(value.shape), want=shape
                ),
                hint,
            )
        if value.dtype != dtype or value.device != torch.device(device):
            raise fail(
                _(
                    "{name}.{key} is {got_dtype} on {got_device}, but should be {dtype} on "
                    "{device}"
                ).format(
                    name=name, key=key, got_dtype=value.dtype, got_device=value.device,
                    dtype=dtype, device=torch.device(device),
                ),
                _(
                    "make the parameters with torch's defaults (torch.randn(...), "
                    "torch.zeros(...)): whoever uses the layer changes them with .to()."
                ),
            )
        if not value.requires_grad:
            raise fail(
                _("{name}.{key}.requires_grad is False, but should be True").format(
                    name=name, key=key
                ),
                _(
                    "nn.Parameter(t) requires a gradient unless told otherwise: do not pass "
                    "requires_grad=False."
                ),
            )
    return found


def assert_state_dict_keys(layer, name, keys):
    """state_dict() has exactly `keys`: what nn.Linear (or nn.Conv2d) saves."""
    __tracebackhide__ = True
    got = sorted(layer.state_dict())
    if got != sorted(keys):
        raise fail(
            _(
                "{name}.state_dict() has the keys {got}, but should have {want}, as "
                "nn.Linear's does"
            ).format(name=name, got=got, want=sorted(keys)),
            _(
                "state_dict() saves every parameter and buffer under its attribute name: "
                "name them weight and bias, and register nothing else."
            ),
        )


@graded("LinearLayer")
@given(n_in=SIZE, n_out=SIZE, seed=SEEDS)
@example(n_in=3, n_out=2, seed=0)  # not square: a transposed weight shows
@example(n_in=1, n_out=1, seed=1)
def test_linear_layer_is_a_module_with_a_weight_and_a_bias_parameter(kata, n_in, n_out, seed):
    assert_module_from_scratch(kata.LinearLayer, "LinearLayer", nn.Linear)
    layer = build(kata.LinearLayer, n_in, n_out, seed=seed)
    name = f"LinearLayer({n_in}, {n_out})"
    params = assert_parameters(layer, name, {"weight": (n_out, n_in), "bias": (n_out,)})
    assert_state_dict_keys(layer, name, ["weight", "bias"])
    bias = params["bias"].detach()
    if not bool((bias == 0).all()):
        raise fail(
            _("{name}.bias={bias}, but should start at zeros").format(name=name, bias=bias),
            _(
                "the book's bias starts at zero: nn.Parameter(torch.zeros(n_out)). Only the "
                "weight is random."
            ),
        )
    weight = params["weight"].detach()
    if n_in * n_out >= 4 and bool((weight == weight.flatten()[0]).all()):
        raise fail(
            _("{name}.weight has every value equal to {value}, but should be random").format(
                name=name, value=weight.flatten()[0].item()
            ),
            _("torch.randn(n_out, n_in) draws the numbers; multiply by the Kaiming scale."),
        )


# --- LinearLayer: Kaiming initialisation -------------------------------------------

FAN = st.integers(64, 128)  # 4096 to 16384 weights (see 06_initialization)
STAT_PINS = 2


def weights_rate():
    """The false-failure rate of one example: the test's rate shared by every example
    it may run (a union bound over the profile's max_examples and the pins)."""
    return stats.per_check_rate(stats.FALSE_FAILURE_RATE, settings().max_examples + STAT_PINS)


def diagnose(n_in, n_out, mean, std):
    """What to look at, from the statistics the weights have (the classic slips)."""
    right = math.sqrt(2 / n_in)
    if abs(mean) > std:
        return _("torch.rand is uniform on [0, 1), all positive: torch.randn has mean 0.")
    suspects = [
        (1.0, N_("torch.randn has std 1: multiply it by math.sqrt(2 / n_in)")),
        (math.sqrt(1 / n_in), N_("that is 1 / sqrt(n_in), Xavier's std: Kaiming's has a 2 "
         "in it, sqrt(2 / n_in), for the half of the outputs that ReLU zeroes")),
        (1 / math.sqrt(3 * n_in), N_("that is 1 / sqrt(3 * n_in), nn.Linear's own "
         "initialisation (kaiming_uniform_ with a=sqrt(5)): this layer uses the book's "
         "Kaiming std, sqrt(2 / n_in)")),
        (math.sqrt(2 / n_out), N_("that is sqrt(2 / n_out): the fan-in is n_in, the second "
         "dimension of the (n_out, n_in) weight")),
        (2 / n_in, N_("that is 2 / n_in, the variance: the std is its square root")),
        (right / math.sqrt(3), N_("a uniform on [-b, b] has std b / sqrt(3): take "
         "b = sqrt(3) * sqrt(2 / n_in)")),
    ]
    for value, advice in suspects:
        if abs(std / value - 1) < 0.03:
            return _(advice)
    return _(
        "the std must be sqrt(2 / n_in): torch.randn(n_out, n_in) * math.sqrt(2 / n_in)."
    )


@graded("LinearLayer")
@given(n_in=FAN, n_out=FAN, seed=SEEDS)
@example(n_in=64, n_out=128, seed=0)  # n_in != n_out: a fan-in read from n_out shows
@example(n_in=128, n_out=64, seed=1)
def test_linear_layer_weight_has_kaiming_statistics(kata, n_in, n_out, seed):
    layer = build(kata.LinearLayer, n_in, n_out, seed=seed)
    name = f"LinearLayer({n_in}, {n_out})"
    weight = assert_parameters(layer, name, {"weight": (n_out, n_in), "bias": (n_out,)})["weight"]
    mean, std = stats.sample_mean_std(weight)
    stats.assert_mean_std(
        weight, math.sqrt(2 / n_in), rate=weights_rate(),
        name=_("the weights of {name} (torch's generator seeded {seed})").format(
            name=name, seed=seed
        ),
        hint=diagnose(n_in, n_out, mean, std),
    )


# --- LinearLayer: outputs, state_dict, .to() --------------------------------------------

SQUARE = ds.SQUARE


@st.composite
def linear_cases(draw):
    """(x, weight, bias): x (N, n_in), weight (n_out, n_in), bias (n_out,), one dtype."""
    n, n_in, n_out = (
        draw(st.integers(0, ds.MAX_SIDE), label="N"), draw(SIZE, label="n_in"),
        draw(SIZE, label="n_out"),
    )
    dtype = draw(ds.float_dtypes(), label="dtype")
    return (
        draw(ds.tensors((n, n_in), dtype=dtype), label="x"),
        draw(ds.tensors((n_out, n_in), dtype=dtype), label="weight"),
        draw(ds.tensors((n_out,), dtype=dtype), label="bias"),
    )


LINEAR_PITFALLS = (
    # Square and not symmetric: x @ weight (no .t()) keeps the shape, not the values;
    # N == n_out, so a bias added per row instead of per output shows too.
    (SQUARE, SQUARE - 2, torch.tensor([10.0, -10.0])),
    # weight (2, 3): x @ weight cannot even run.
    (torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]]),
     torch.tensor([0.0, 100.0])),
    (torch.zeros(0, 3), torch.ones(2, 3), torch.tensor([1.0, 2.0])),  # an empty batch
    (SQUARE.t().to(F64), torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=F64),
     torch.tensor([1.0, -1.0], dtype=F64)),  # float64, a transposed x
)

LINEAR_HINT = N_(
    "forward is x @ self.weight.t() + self.bias: the weight is (n_out, n_in), one row per "
    "output, so x (N, n_in) meets its transpose; the bias, one value per output, broadcasts "
    "over the rows."
)


STATE_DICT_HINT = N_(
    "the two must have the same keys (weight, bias) and shapes ((n_out, n_in) and "
    "(n_out,)): name your parameters as nn.Linear does."
)


def loaded_layer(kata, device, w, b, seed):
    """The learner's layer, moved to `device` and w's dtype with .to(), holding w and b
    (loaded from an nn.Linear that holds them)."""
    __tracebackhide__ = True
    n_out, n_in = w.shape
    dtype = w.dtype
    name = f"LinearLayer({n_in}, {n_out})"
    layer = build(kata.LinearLayer, n_in, n_out, seed=seed)
    layer.to(device=device, dtype=dtype)  # nn.Module.to moves and casts every parameter
    assert_parameters(
        layer, f"{name}.to({device!r}, {dtype})", {"weight": (n_out, n_in), "bias": (n_out,)},
        dtype=dtype, device=landing(device),
    )
    reference = build(nn.Linear, n_in, n_out, dtype=dtype, seed=seed)
    with torch.no_grad():
        reference.weight.copy_(w)
        reference.bias.copy_(b)
    checks.load_state(layer, reference, name, f"nn.Linear({n_in}, {n_out})", _(STATE_DICT_HINT))
    return layer, name


@graded("LinearLayer")
@given(xwb=linear_cases(), seed=SEEDS)
@ds.pinned("xwb", *LINEAR_PITFALLS, seed=0)
def test_linear_layer_loads_nn_linears_state_and_gives_f_linears_outputs(
    kata, device, xwb, seed
):
    x, w, b = xwb
    n_out, n_in = w.shape
    layer, name = loaded_layer(kata, device, w, b, seed)
    x = ds.on(device, x)
    with torch.no_grad():
        got = layer(x)
    xd, wd, bd = cpu64(x, w, b)
    checks.assert_tensor(
        got, F.linear(xd, wd, bd), dtype=x.dtype, device=x.device,
        bound=linear_bound(x, w, b), name=f"{name}(x)",
        hint=_(
            "here x is {shape}, {dtype}, and the layer holds nn.Linear's weight "
            "and bias (loaded with load_state_dict). {hint}"
        ).format(shape=tuple(x.shape), dtype=x.dtype, hint=_(LINEAR_HINT)),
    )
    # And back: nn.Linear takes the layer's state and holds the same numbers.
    back = build(nn.Linear, n_in, n_out, dtype=x.dtype, seed=seed + 1)
    checks.load_state(back, layer, f"nn.Linear({n_in}, {n_out})", name, _(STATE_DICT_HINT))
    checks.assert_tensor(back.weight, wd, dtype=x.dtype, device="cpu", name=_("nn.Linear's weight"))
    checks.assert_tensor(back.bias, bd, dtype=x.dtype, device="cpu", name=_("nn.Linear's bias"))


# --- LinearLayer: gradients -----------------------------------------------------------


@st.composite
def gradient_cases(draw):
    x, w, b = draw(linear_cases(), label="x, weight, bias")
    up = draw(ds.tensors((x.shape[0], w.shape[0]), dtype=x.dtype), label="upstream")
    return x, w, b, up


def assert_grad(got, expected, bound, name, dtype, device):
    """A parameter's (or the input's) .grad after backward, against autograd's."""
    __tracebackhide__ = True
    if got is None:
        raise fail(
            _(
                "{name} is None after backward: the output does not depend on it through "
                "autograd"
            ).format(name=name),
            _(
                "use the parameter itself in forward (self.weight), not a copy made in "
                "__init__, self.weight.data, .detach(), or a tensor rebuilt with "
                "torch.tensor(...)."
            ),
        )
    checks.assert_tensor(got, expected, dtype=dtype, device=device, bound=bound, name=name,
                         hint=_(GRAD_HINT))


@graded("LinearLayer")
@given(case=gradient_cases(), seed=SEEDS)
@example(
    case=(SQUARE, SQUARE - 2, torch.tensor([1.0, -1.0]), torch.tensor([[1.0, -2.0], [0.5, 3.0]])),
    seed=0,
)
def test_linear_layer_gradients_flow_to_weight_bias_and_input(kata, device, case, seed):
    x, w, b, up = case
    n_out = w.shape[0]
    dtype = x.dtype
    layer, name = loaded_layer(kata, device, w, b, seed)
    x, up = ds.on(device, x, up)
    x.requires_grad_()
    out = layer(x)
    if not isinstance(out, torch.Tensor) or out.shape != up.shape or not out.requires_grad:
        checks.assert_tensor(out, F.linear(*cpu64(x, w, b)), dtype=dtype, device=x.device,
                             bound=linear_bound(x, w, b), name=f"{name}(x)",
                             hint=_(LINEAR_HINT))
        raise fail(
            _("the output does not require a gradient: autograd cannot reach the parameters"),
            _("compute forward with torch operations on self.weight and self.bias themselves."),
        )
    # (out * up).sum() has the gradient up with respect to out. (Not out.backward(up):
    # its first call imports half a second of torch.fx machinery.)
    (out * up).sum().backward()
    xd, wd, upd = cpu64(x, w, up)
    params = dict(layer.named_parameters())
    # weight.grad = up.t() @ x and bias.grad = up.sum(0): N terms each;
    # x.grad = up @ weight: n_out terms.
    bounds = {
        "weight": checks.sum_bound(dtype, xd.shape[0], upd.abs().t() @ xd.abs()),
        "bias": checks.sum_bound(dtype, xd.shape[0], upd.abs().sum(0)),
        "x": checks.sum_bound(dtype, n_out, upd.abs() @ wd.abs()),
    }
    expected = {"weight": upd.t() @ xd, "bias": upd.sum(0), "x": upd @ wd}
    for key in ("weight", "bias"):
        assert_grad(params[key].grad, expected[key], bounds[key], f"layer.{key}.grad", dtype,
                    x.device)
    assert_grad(x.grad, expected["x"], bounds["x"], "x.grad", dtype, x.device)


GRAD_HINT = N_(
    "after (out * g).sum().backward() with out = layer(x) and a random g, autograd gives "
    "weight.grad = g.t() @ x, bias.grad = g.sum(0) and x.grad = g @ weight, if forward "
    "computes x @ self.weight.t() + self.bias with the parameters themselves."
)


# --- Model ----------------------------------------------------------------------------


@st.composite
def model_cases(draw):
    """(x, targ, w1, b1, w2, b2) in nn.Linear's layout, one dtype; targ is (N,) when
    n_out == 1 and (N, n_out) otherwise."""
    n = draw(SIZE, label="N")
    n_in, nh, n_out = (draw(SIZE, label=label) for label in ("n_in", "nh", "n_out"))
    dtype = draw(ds.float_dtypes(), label="dtype")
    targ_shape = (n,) if n_out == 1 else (n, n_out)
    shapes = {
        "x": (n, n_in), "targ": targ_shape, "w1": (nh, n_in), "b1": (nh,),
        "w2": (n_out, nh), "b2": (n_out,),
    }
    return tuple(draw(ds.tensors(s, dtype=dtype), label=k) for k, s in shapes.items())


# The book's case, n_out = 1 with N > 1: without the squeeze (N, 1) - (N,) is (N, N).
# The hidden layer has negatives (ReLU matters), the output too (a ReLU after the second
# layer shows), and the predictions are not all equal (a broadcast mean differs).
BOOK_MODEL = (
    torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]]),
    torch.tensor([1.0, -2.0, 0.5]),
    torch.tensor([[1.0, 0.0], [-1.0, 1.0], [0.5, -1.0], [2.0, 1.0]]), torch.zeros(4),
    torch.tensor([[1.0, -2.0, 0.5, 1.0]]), torch.tensor([-1.0]),
)
# n_out = 2: targ (N, 2), nothing to squeeze; all sizes 2, so swapped layers run.
SQUARE_MODEL = (
    torch.tensor([[1.0, -2.0], [3.0, 4.0]]),
    torch.tensor([[0.5, -1.0], [2.0, 0.0]]),
    torch.tensor([[1.0, -2.0], [-1.0, 1.0]]), torch.tensor([0.5, 1.0]),
    torch.tensor([[1.0, -1.0], [2.0, 3.0]]), torch.tensor([1.0, -20.0]),
)
ONE_ROW = (  # N = 1, n_out = 1: a bare .squeeze() gives a 0-dim output, still right
    torch.tensor([[2.0, -1.0]]), torch.tensor([3.0]),
    torch.tensor([[1.0, 1.0], [-1.0, 2.0]]), torch.tensor([0.0, 1.0]),
    torch.tensor([[1.0, -1.0]]), torch.tensor([0.5]),
)

MODEL_HINT = N_(
    "forward computes layer 2 of ReLU of layer 1 of x, then the mean squared error against "
    "targ: one number, a 0-dim tensor. When n_out == 1 the output is (N, 1) and targ (N,): "
    "squeeze the output's last dimension first."
)


MODEL_LAYERS = N_(
    "build two linear layers, LinearLayer(n_in, nh) and LinearLayer(nh, n_out) (or "
    "nn.Linear), with a ReLU between them. ReLU has no parameters."
)


MODULE_INTERNALS = frozenset(vars(nn.Module()))  # _parameters, _modules, ...


def hidden_layers(model):
    """(attribute, container type) of each plain list, tuple or dict of `model` that
    holds layers: nn.Module does not look inside them."""
    found = []
    for key, value in vars(model).items():
        if key in MODULE_INTERNALS:
            continue
        items = value.values() if isinstance(value, dict) else value
        if isinstance(value, (list, tuple, dict)) and any(isinstance(v, nn.Module) for v in items):
            found.append((key, type(value).__name__))
    return found


def layer_sizes(weight, bias):
    """`(n_in, n_out, layout)` of a layer from its weight and bias: layout "nn.Linear" for
    a weight (n_out, n_in), "transposed" for (n_in, n_out), None when square (either)."""
    rows, cols = weight.shape
    if rows == cols:
        return cols, rows, None
    if bias.shape[0] == rows:
        return cols, rows, "nn.Linear"
    if bias.shape[0] == cols:
        return rows, cols, "transposed"
    return cols, rows, None


def layer_orders(model, want_w, want_b):
    """Every way to read the model's parameters as (w1, b1, w2, b2) that fits the
    wanted shapes. A weight goes with the bias of its own module (`layers.0.weight`
    with `layers.0.bias`), else with the bias registered in the same place; the two
    layers may be registered in either order (`self.out` before `self.hidden` is as
    correct), and when both orders fit (square layers) each is a candidate."""
    named = list(model.named_parameters())
    groups = {}
    for name, p in named:
        groups.setdefault(name.rpartition(".")[0], []).append(p)
    layers = []
    if len(groups) == 2 and all(len(ps) == 2 for ps in groups.values()):
        for ps in groups.values():
            w = [p for p in ps if p.dim() == 2]
            b = [p for p in ps if p.dim() == 1]
            if len(w) == 1 and len(b) == 1:
                layers.append((w[0], b[0]))
    if len(layers) != 2:
        weights = [p for _name, p in named if p.dim() == 2]
        biases = [p for _name, p in named if p.dim() == 1]
        layers = list(zip(weights, biases, strict=False)) if len(named) == 4 else []
    orders = []
    for first, second in ((0, 1), (1, 0))[: len(layers)]:
        (w1, b1), (w2, b2) = layers[first], layers[second]
        shapes_w = [tuple(w1.shape), tuple(w2.shape)]
        shapes_b = [tuple(b1.shape), tuple(b2.shape)]
        if shapes_w == want_w and shapes_b == want_b:
            orders.append((w1, b1, w2, b2))
    return orders


def maps(pairs):
    """[(3, 4), (4, 1)] -> "3 -> 4, then 4 -> 1": what a model's layers map."""
    return _(", then ").join(f"{a} -> {b}" for a, b in pairs)


def model_parameters(model, n_in, nh, n_out, dtype, device):
    """The model's (w1, b1, w2, b2), found by shape: its matrices are the layers'
    weights and its vectors their biases (see `layer_orders`): a list of the ways
    that fit, for the test to try in turn.

    Each way of getting them wrong has its own message: layers nn.Module cannot see (a
    plain list), a weight in the (n_in, n_out) layout, layers of the wrong sizes, the
    wrong number of layers, other parameters."""
    __tracebackhide__ = True
    name = f"Model({n_in}, {nh}, {n_out})"
    params = list(model.parameters())
    weights = [p for p in params if p.dim() == 2]
    biases = [p for p in params if p.dim() == 1]
    want_w, want_b = [(nh, n_in), (n_out, nh)], [(nh,), (n_out,)]
    got_w = [tuple(p.shape) for p in weights]
    shapes = [tuple(p.shape) for p in params]
    orders = layer_orders(model, want_w, want_b) if len(params) == 4 else []
    if not orders:
        hidden = hidden_layers(model)
        if hidden:
            key, kind = hidden[0]
            holder = "ModuleDict" if kind == "dict" else "ModuleList"
            raise fail(
                _(
                    "{name} keeps layers in model.{key}, a plain Python {kind}: nn.Module does "
                    "not look inside it, so their parameters are not the model's (it has "
                    "{shapes})"
                ).format(name=name, key=key, kind=kind, shapes=shapes),
                _(
                    "hold the layers in an nn.Sequential or an nn.{holder} (self.{key} = "
                    "nn.{holder}(...)), or as attributes of their own (self.lin1 = ...): then "
                    "model.parameters(), .to() and state_dict() find them."
                ).format(holder=holder, key=key),
            )
        if not params:
            raise fail(
                _("{name} has no parameters").format(name=name),
                _(
                    "{layers} Assign them as attributes in __init__, after "
                    "super().__init__(): nn.Module then finds their parameters."
                ).format(layers=_(MODEL_LAYERS)),
            )
        pairs = list(zip(weights, biases, strict=False))
        sizes = [layer_sizes(w, b) for w, b in pairs]
        if any(layout == "transposed" for _n_in, _n_out, layout in sizes):
            raise fail(
                _(
                    "{name} has the weights {got}, but should have {want}: its layers keep "
                    "the weight as (n_in, n_out), the transpose of nn.Linear's layout"
                ).format(name=name, got=got_w, want=want_w),
                _(
                    "a linear layer's weight is (n_out, n_in), one row per output, and forward "
                    "computes x @ weight.t() + bias. Fix LinearLayer first: its own tests check "
                    "the weight's shape."
                ),
            )
        want = maps([(n_in, nh), (nh, n_out)])
        got = maps((a, b) for a, b, _layout in sizes)
        if len(weights) == len(biases) == 2 and got != want:
            raise fail(
                _(
                    "{name} has layers that map {got}, but should map n_in -> nh, then "
                    "nh -> n_out: {want} (weights {weights})"
                ).format(name=name, got=got, want=want, weights=want_w),
                _(
                    "check the sizes you pass to each layer: LinearLayer(n_in, nh), then "
                    "LinearLayer(nh, n_out); each takes its input size first."
                ),
            )
        if len(weights) != 2 and len(weights) == len(biases):
            count = ngettext("one linear layer", "{n} linear layers", len(weights)).format(
                n=len(weights)
            )
            raise fail(
                _("{name} has {count} ({got}), but should have two: {want}").format(
                    name=name, count=count, got=got, want=want
                ),
                _(MODEL_LAYERS),
            )
        raise fail(
            _(
                "{name} has the parameters {shapes}, but should have exactly four: weights "
                "{weights} and biases {biases}, in nn.Linear's layout"
            ).format(name=name, shapes=shapes, weights=want_w, biases=want_b),
            _(
                "{layers} Anything else the model keeps is a plain attribute, not an "
                "nn.Parameter."
            ).format(layers=_(MODEL_LAYERS)),
        )
    for p in params:
        if p.dtype != dtype or p.device != device:
            raise fail(
                _(
                    "after model.to({device!r}, {dtype}), the parameter of shape "
                    "{shape} is {got_dtype} on {got_device}"
                ).format(
                    device=str(device), dtype=dtype, shape=tuple(p.shape), got_dtype=p.dtype,
                    got_device=p.device,
                ),
                _(
                    ".to() casts and moves every parameter nn.Module knows of, when it is "
                    "called: one left behind was replaced afterwards (in forward?), or .to() "
                    "is overridden."
                ),
            )
    return orders


def model_output_bound(x, w1, b1, w2, b2):
    """Elementwise error bound of a correct Linear-ReLU-Linear output (see 05_forward_pass):
    the second layer's own rounding plus the first layer's error carried through |w2|.
    ReLU rounds nothing and moves no two numbers further apart."""
    xd, w1d, b1d, w2d, b2d = cpu64(x, w1, b1, w2, b2)
    e1 = linear_bound(x, w1, b1)
    r = F.relu(F.linear(xd, w1d, b1d))
    own = checks.sum_bound(x.dtype, w2.shape[1] + 1, (r + e1) @ w2d.abs().t() + b2d.abs())
    return own + e1 @ w2d.abs().t()


def model_hint(got, expected_output, targ):
    """A hint for the mistake `got` looks like, or the general one."""
    if not isinstance(got, torch.Tensor):
        return _("return the loss as a tensor, 0-dim (no .item(), no float()).")
    if got.dim() != 0:
        return _("the loss is one number, a 0-dim tensor: the mean of the squared errors "
                 "(no keepdim, and not the predictions themselves).")
    output, td = expected_output, targ.detach().cpu().double()
    n = td.shape[0]
    if output.shape[-1] == 1 and td.dim() == 1 and n > 1:
        broadcast = float(((output - td) ** 2).mean())
        if abs(float(got.detach().cpu().double()) - broadcast) <= 1e-3 * (1 + abs(broadcast)):
            return _("(N, 1) - (N,) broadcasts to (N, N): here ({n}, 1) - ({n},) is ({n}, {n}), "
                     "every prediction against every target. Squeeze the output's last "
                     "dimension first: output.squeeze(-1) is (N,).").format(n=n)
    return _(MODEL_HINT)


@graded("Model")
@given(case=model_cases(), seed=SEEDS)
@ds.pinned("case", BOOK_MODEL, SQUARE_MODEL, ONE_ROW,
           tuple(t.to(F64) for t in BOOK_MODEL), seed=0)
def test_model_returns_the_mse_loss_of_linear_relu_linear(kata, device, case, seed):
    x, targ, w1, b1, w2, b2 = case
    (nh, n_in), n_out = w1.shape, w2.shape[0]
    dtype = x.dtype
    model = build(kata.Model, n_in, nh, n_out, seed=seed)
    if not isinstance(model, nn.Module):
        raise fail(
            _("{name} is {what}, but should be an nn.Module").format(
                name=f"Model({n_in}, {nh}, {n_out})", what=type_name(model)
            ),
            _("class Model(nn.Module): and call super().__init__() first."),
        )
    model.to(device=device, dtype=dtype)
    x, targ = ds.on(device, x, targ)
    orders = model_parameters(model, n_in, nh, n_out, dtype, x.device)
    xd, td, w1d, b1d, w2d, b2d = cpu64(x, targ, w1, b1, w2, b2)
    output = F.linear(F.relu(F.linear(xd, w1d, b1d)), w2d, b2d)  # (N, n_out)
    expected = F.mse_loss(output.squeeze(-1) if n_out == 1 else output, td)
    # Bound: each output is within e of the exact one, so each squared error
    # (o + d - t)**2 is within e * (2 |o - t| + e) of (o - t)**2; averaging adds
    # that mean. Then the squares and the mean themselves round: as for mse in 05.
    e = model_output_bound(x, w1, b1, w2, b2).reshape(td.shape)
    o = output.reshape(td.shape)
    m = td.numel()
    carried = (e * (2 * (o - td).abs() + e)).mean()
    own = checks.sum_bound(dtype, m + 2, ((o.abs() + e + td.abs()) ** 2).sum()) / m
    for attempt, params in enumerate(orders, 1):
        with torch.no_grad():
            for p, value in zip(params, (w1, b1, w2, b2), strict=True):
                p.copy_(value)
            got = model(x, targ)
        try:
            checks.assert_tensor(
                got, expected, dtype=dtype, device=x.device, bound=carried + own,
                name="loss", hint=model_hint(got, output, targ),
            )
        except WrongAnswer:
            if attempt == len(orders):  # square layers: the other order may be the first
                raise
            continue
        break
