"""Graded tests for kata 06_initialization.

`init_scale` is arithmetic: it is compared with the exact value (50 decimal
digits, rounded once) within 4 ulps, which every formula in doubles stays
within (sqrt(2 / n), sqrt(2) / sqrt(n), n ** -0.5 * sqrt(2), ...).

`xavier_init` and `kaiming_init` are random, so their values cannot be compared
with PyTorch's. Every random number comes from a generator seeded with a value
Hypothesis draws, so every example can be replayed, and the tests check:

- the shape, dtype and device (on a GPU when there is one; and with "cuda" as
  torch's default device, so that a CPU-only machine sees an ignored `device` too);
- that `generator` is honoured (the same seed gives the same weights, another
  seed or a second call other weights), and that without one torch's global
  generator is used (torch's global generators are saved and restored around
  every call: the tests never disturb them, and stay reproducible);
- the mean and the standard deviation of 4096 to 16384 weights, within ranges
  from their sampling distribution (`dojo.stats`) that a correct init leaves in
  fewer than one run of a test in a million, normal and uniform weights alike;
- what the book shows: through 50 layers of width 100, Kaiming weights keep
  ReLU activations alive, and Xavier weights keep linear ones at scale 1.
"""

import contextlib
import decimal
import math
import unicodedata

import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dojo import checks, graded, stats
from dojo import strategies as ds
from dojo.checks import type_name
from dojo.i18n import N_, _
from dojo.outcomes import WrongAnswer

F32, F64 = torch.float32, torch.float64
SEEDS = st.integers(0, 2**32 - 1)

# The variance of a weight, times n_in: torch.nn.init.calculate_gain gives the
# gains 1 ("linear") and sqrt(2) ("relu"), whose squares these are.
VARIANCE_GAIN = {"linear": 1, "relu": 2}
FORMULA = {"linear": "1 / sqrt(n_in)", "relu": "sqrt(2 / n_in)"}
ULPS = 4  # allowed error of init_scale, in units in the last place of the answer


def exact_scale(n_in, activation):
    """sqrt(gain / n_in) to 50 digits, rounded once to the nearest float."""
    with decimal.localcontext() as context:
        context.prec = 50
        return float((decimal.Decimal(VARIANCE_GAIN[activation]) / n_in).sqrt())


def seeded(device, seed):
    """A generator on the device that `device=device` means, seeded with `seed`."""
    return torch.Generator(device=landing_device(device)).manual_seed(seed)


# --- init_scale ---------------------------------------------------------------

SCALE_HINTS = {
    "linear": N_("Xavier's std is 1 / sqrt(n_in): math.sqrt(n_in) from the math module."),
    "relu": N_(
        "Kaiming's std is sqrt(2 / n_in): ReLU zeroes half of a layer's outputs, "
        "which halves their variance, and the 2 doubles it back."
    ),
}


@graded("init_scale")
@given(n_in=st.integers(1, 10**6), activation=st.sampled_from(("linear", "relu")))
@example(n_in=1, activation="linear")
@example(n_in=2, activation="relu")  # exactly 1.0
@example(n_in=100, activation="relu")  # the book's width
@example(n_in=784, activation="linear")  # MNIST's 28 x 28 inputs
@example(n_in=3, activation="relu")
def test_init_scale_is_the_std_that_keeps_activations_at_scale_1(kata, n_in, activation):
    got = kata.init_scale(n_in, activation)
    checks.assert_exact_type(
        got, float, hint=_("math.sqrt gives a Python float; return it as it is.")
    )
    expected = exact_scale(n_in, activation)
    checks.assert_number(
        got, expected, bound=ULPS * math.ulp(expected), hint=_(SCALE_HINTS[activation])
    )


OTHER_ACTIVATIONS = st.text(max_size=12).filter(lambda s: s not in ("linear", "relu"))


@graded("init_scale")
@given(n_in=st.integers(1, 1000), activation=OTHER_ACTIVATIONS)
@ds.pinned(
    "activation", "ReLU", "Linear", "RELU", "tanh", "sigmoid", "leaky_relu", "relu ", "",
    n_in=100,
)
def test_init_scale_rejects_other_activations(kata, n_in, activation):
    call = f"init_scale({n_in}, {activation!r})"
    why = _("only 'linear' and 'relu' are known, exactly as written (lower case)")
    with checks.raises(call, ValueError, why=why):
        kata.init_scale(n_in, activation)


# --- xavier_init and kaiming_init: shape, dtype, device -------------------------

DTYPES = (None, F32, F64)  # None: torch's default, float32
DEVICE_FORMS = ("str", "torch.device", "None")


def landing_device(device):
    """The device a tensor made with `device=device` lands on ("cuda" -> cuda:0)."""
    return torch.empty(0, device=device).device


def device_argument(device, form):
    if form == "None":
        return None
    return torch.device(device) if form == "torch.device" else device


def seed_global_generators(device, seed):
    """torch.manual_seed for the CPU and `device` only (torch.manual_seed itself also
    queues a seed for CUDA when it is not started, which costs a millisecond a call)."""
    torch.default_generator.manual_seed(seed)
    if landing_device(device).type == "cuda":
        torch.cuda.manual_seed(seed)


@contextlib.contextmanager
def global_generators_kept(device):
    """Save torch's global generators and seed them with 0; restore them afterwards.

    The tests never draw from them, but an init that ignores `generator` does:
    this keeps every example reproducible (Hypothesis replays it) and the rest
    of the run undisturbed.
    """
    cuda = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=cuda):
        seed_global_generators(device, 0)
        yield


def assert_weights_layout(got, shape, dtype, device):
    """A tensor of `shape`, `dtype` (None: torch's default) on `device`."""
    __tracebackhide__ = True
    dtype = torch.get_default_dtype() if dtype is None else dtype
    device = landing_device(device)
    if not isinstance(got, torch.Tensor):
        raise WrongAnswer(
            _("{name} is {what}, but should be a torch.Tensor of shape {shape}").format(
                name="result", what=type_name(got, returned=True), shape=shape
            )
        )
    if tuple(got.shape) != shape:
        hint = _("the weights are (n_in, n_out): one row per input, so that x @ w works.")
        if tuple(got.shape) == shape[::-1]:
            hint = _(
                "{hint} (n_out, n_in) is how nn.Linear stores them, for x @ w.t(): not here."
            ).format(hint=hint)
        raise checks.fail(
            _("{name}.shape={got}, but should be {want}").format(
                name="result", got=tuple(got.shape), want=shape
            ),
            hint,
        )
    if got.dtype != dtype:
        raise checks.fail(
            _("{name}.dtype={got}, but should be {want}").format(
                name="result", got=got.dtype, want=dtype
            ),
            _(
                "pass dtype=dtype on to torch.randn; dtype=None means torch's default "
                "(float32), as in torch.randn."
            ),
        )
    if got.device != device:
        raise checks.fail(
            _("{name}.device={got}, but should be {want}").format(
                name="result", got=got.device, want=device
            ),
            _(
                "pass device=device on to torch.randn, so that the weights are made where "
                "they will live."
            ),
        )


def check_layout(init, n_in, n_out, dtype, device, seed):
    generator = seeded(device, seed)
    with global_generators_kept(device):
        got = init(n_in, n_out, generator=generator, device=device, dtype=dtype)
    assert_weights_layout(got, (n_in, n_out), dtype, device)


LAYOUT_CASES = dict(
    n_in=st.integers(1, 8), n_out=st.integers(0, 8), dtype=st.sampled_from(DTYPES),
    form=st.sampled_from(DEVICE_FORMS), seed=SEEDS,
)


def layout_pitfalls(test):
    """Known traps: non-square shapes (a transpose shows), dtype=None, float64, n_out = 0."""
    test = example(n_in=3, n_out=0, dtype=F64, form="str", seed=3)(test)
    test = example(n_in=1, n_out=1, dtype=F32, form="None", seed=2)(test)
    test = example(n_in=3, n_out=2, dtype=F64, form="torch.device", seed=1)(test)
    return example(n_in=2, n_out=3, dtype=None, form="str", seed=0)(test)


@graded("xavier_init")
@given(**LAYOUT_CASES)
@layout_pitfalls
def test_xavier_init_gives_n_in_by_n_out_weights_of_the_requested_dtype(
    kata, device, n_in, n_out, dtype, form, seed
):
    check_layout(kata.xavier_init, n_in, n_out, dtype, device_argument(device, form), seed)


@graded("kaiming_init")
@given(**LAYOUT_CASES)
@layout_pitfalls
def test_kaiming_init_gives_n_in_by_n_out_weights_of_the_requested_dtype(
    kata, device, n_in, n_out, dtype, form, seed
):
    check_layout(kata.kaiming_init, n_in, n_out, dtype, device_argument(device, form), seed)


# While the init runs, the test makes "cuda" torch's default device and asks for CPU
# weights: a tensor made without `device=` lands on the GPU, or, on a machine
# without one, cannot be made at all. Either way a `device` that is not passed on
# shows, GPU or not.
OTHER_DEVICE = "cuda"


def check_device_passed_on(init, name, n_in, n_out, dtype, seed):
    generator = seeded("cpu", seed)
    failure = None
    with global_generators_kept(OTHER_DEVICE if torch.cuda.is_available() else "cpu"):
        init(n_in, n_out, generator=generator, device="cpu", dtype=dtype)  # must work as it is
        with torch.device(OTHER_DEVICE):
            try:
                got = init(n_in, n_out, generator=generator, device="cpu", dtype=dtype)
            except Exception as exc:  # the same call worked with the CPU as the default
                got, failure = None, exc
    if failure is not None or (isinstance(got, torch.Tensor) and got.device.type != "cpu"):
        what = (
            _("failed with {exception}: {message}").format(
                exception=type(failure).__name__, message=failure
            )
            if failure is not None
            else _("gave weights on {device}").format(device=got.device)
        )
        raise checks.fail(
            _(
                "{function}(..., device='cpu') {what}, once the test made {device!r} torch's "
                "default device: some tensor is made without device="
            ).format(function=name, what=what, device=OTHER_DEVICE),
            _(
                "pass device=device to every tensor you make: torch.randn(..., "
                "device=device). (math.sqrt gives a Python float, which needs no device.)"
            ),
        )
    assert_weights_layout(got, (n_in, n_out), dtype, "cpu")


@graded("xavier_init")
@given(n_in=st.integers(1, 8), n_out=st.integers(0, 8), dtype=st.sampled_from(DTYPES), seed=SEEDS)
@example(n_in=2, n_out=3, dtype=None, seed=0)
def test_xavier_init_makes_the_weights_on_the_device_it_is_given(
    kata, n_in, n_out, dtype, seed
):
    check_device_passed_on(kata.xavier_init, "xavier_init", n_in, n_out, dtype, seed)


@graded("kaiming_init")
@given(n_in=st.integers(1, 8), n_out=st.integers(0, 8), dtype=st.sampled_from(DTYPES), seed=SEEDS)
@example(n_in=2, n_out=3, dtype=None, seed=0)
def test_kaiming_init_makes_the_weights_on_the_device_it_is_given(
    kata, n_in, n_out, dtype, seed
):
    check_device_passed_on(kata.kaiming_init, "kaiming_init", n_in, n_out, dtype, seed)


# --- xavier_init and kaiming_init: the generator ---------------------------------

SMALL = st.integers(2, 8)  # at least 4 weights: two different draws never all agree
SEED_PAIRS = st.lists(SEEDS, min_size=2, max_size=2, unique=True)


def check_generator(init, name, n_in, n_out, dtype, device, seeds):
    seed, other = seeds

    def weights(generator):
        got = init(n_in, n_out, generator=generator, device=device, dtype=dtype)
        assert_weights_layout(got, (n_in, n_out), dtype, device)
        return got

    def generator(s):
        return seeded(device, s)

    with global_generators_kept(device):
        first, again = weights(generator(seed)), weights(generator(seed))
        if not torch.equal(first, again):
            raise checks.fail(
                _(
                    "two calls of {function} with generators seeded alike "
                    "(torch.Generator().manual_seed({seed})) gave different weights"
                ).format(function=name, seed=seed),
                _(
                    "draw every random number from `generator`: "
                    "torch.randn(..., generator=generator). Without it, torch's global "
                    "generator is used, and every call gives other weights."
                ),
            )
        if torch.equal(first, weights(generator(other))):
            raise checks.fail(
                _(
                    "{function} gave the same weights with generators seeded {seed} and {other}"
                ).format(function=name, seed=seed, other=other),
                _(
                    "the numbers must come from the generator you are given, "
                    "not from a generator of your own."
                ),
            )
        shared = generator(seed)
        if torch.equal(weights(shared), weights(shared)):
            raise checks.fail(
                _("two calls of {function} with the same generator gave the same weights").format(
                    function=name
                ),
                _(
                    "a generator is a stream: each call must go on drawing from it "
                    "(two layers made with it must differ), not start again from its seed."
                ),
            )


@graded("xavier_init")
@given(n_in=SMALL, n_out=SMALL, dtype=st.sampled_from(DTYPES), seeds=SEED_PAIRS)
@example(n_in=2, n_out=3, dtype=None, seeds=[0, 1])
def test_xavier_init_draws_from_the_generator_it_is_given(kata, device, n_in, n_out, dtype, seeds):
    check_generator(kata.xavier_init, "xavier_init", n_in, n_out, dtype, device, seeds)


@graded("kaiming_init")
@given(n_in=SMALL, n_out=SMALL, dtype=st.sampled_from(DTYPES), seeds=SEED_PAIRS)
@example(n_in=2, n_out=3, dtype=None, seeds=[0, 1])
def test_kaiming_init_draws_from_the_generator_it_is_given(
    kata, device, n_in, n_out, dtype, seeds
):
    check_generator(kata.kaiming_init, "kaiming_init", n_in, n_out, dtype, device, seeds)


def check_global_generator(init, name, n_in, n_out, dtype, device, seeds):
    seed, other = seeds

    def weights(global_seed):
        seed_global_generators(device, global_seed)
        got = init(n_in, n_out, device=device, dtype=dtype)
        assert_weights_layout(got, (n_in, n_out), dtype, device)
        return got

    with global_generators_kept(device):
        first, again, different = weights(seed), weights(seed), weights(other)
    if not torch.equal(first, again):
        raise checks.fail(
            _(
                "{function} with generator=None gave different weights after the same "
                "torch.manual_seed({seed})"
            ).format(function=name, seed=seed),
            _(
                "without a generator, draw from torch's global one: "
                "torch.randn(..., generator=None) does."
            ),
        )
    if torch.equal(first, different):
        raise checks.fail(
            _(
                "{function} with generator=None gave the same weights after "
                "torch.manual_seed({seed}) and after torch.manual_seed({other})"
            ).format(function=name, seed=seed, other=other),
            _(
                "without a generator, draw from torch's global one (torch.randn(..., "
                "generator=None) does), not from a generator of your own."
            ),
        )


@graded("xavier_init")
@given(n_in=SMALL, n_out=SMALL, dtype=st.sampled_from(DTYPES), seeds=SEED_PAIRS)
@example(n_in=2, n_out=3, dtype=None, seeds=[0, 1])
def test_xavier_init_without_a_generator_uses_torchs_global_one(
    kata, device, n_in, n_out, dtype, seeds
):
    check_global_generator(kata.xavier_init, "xavier_init", n_in, n_out, dtype, device, seeds)


@graded("kaiming_init")
@given(n_in=SMALL, n_out=SMALL, dtype=st.sampled_from(DTYPES), seeds=SEED_PAIRS)
@example(n_in=2, n_out=3, dtype=None, seeds=[0, 1])
def test_kaiming_init_without_a_generator_uses_torchs_global_one(
    kata, device, n_in, n_out, dtype, seeds
):
    check_global_generator(kata.kaiming_init, "kaiming_init", n_in, n_out, dtype, device, seeds)


# --- xavier_init and kaiming_init: mean and standard deviation --------------------

# n_in * n_out >= 64 * 64 = 4096 weights. With that many, the ranges of dojo.stats
# hold a correct std within about 7% (and the mean within 0.1 std) at the rates
# below, and a std 10% off fails in more than 99% of the examples
# (tests/test_stats.py). Non-square pins: a fan-in read from n_out shows.
FAN = st.integers(64, 128)  # up to 16384 weights: torch runs these on one thread
STAT_PINS = 2  # the @example cases of each test


def weights_rate():
    """The false-failure rate of one example: the test's rate (dojo.stats), shared by
    every example it may run (a union bound over the profile's max_examples and the pins)."""
    examples = settings().max_examples + STAT_PINS
    return stats.per_check_rate(stats.FALSE_FAILURE_RATE, examples)


def diagnose(activation, n_in, n_out, mean, std):
    """What to look at, from the std the weights have (the classic mistakes)."""
    suspects = [
        (1.0, _("torch.randn has std 1: multiply it by the std you want")),
        (1 / n_in, _("that is 1 / n_in: the std has a square root, 1 / sqrt(n_in)")),
        (2 / n_in, _("that is 2 / n_in: the std is the square root, sqrt(2 / n_in)")),
        (math.sqrt(VARIANCE_GAIN[activation] / n_out),
         _("that is the formula with n_out: the fan-in is n_in, the first dimension here")),
        (math.sqrt(2 / (n_in + n_out)),
         _("that is sqrt(2 / (n_in + n_out)), what torch.nn.init.xavier_normal_ uses; the "
           "book's (and this kata's) Xavier std is 1 / sqrt(n_in)")),
        (exact_scale(n_in, activation) / math.sqrt(3),
         _("a uniform on [-b, b] has std b / sqrt(3): take b = sqrt(3) * std")),
    ]
    if activation == "relu":
        suspects.append((exact_scale(n_in, "linear"),
                         _("that is Xavier's std, 1 / sqrt(n_in): Kaiming's has a 2 in it")))
    else:
        suspects.append((exact_scale(n_in, "relu"),
                         _("that is Kaiming's std, sqrt(2 / n_in): Xavier's has no 2")))
    if abs(mean) > std:
        return _("torch.rand is uniform on [0, 1), all positive: torch.randn is normal "
                 "with mean 0")
    for value, advice in suspects:
        if value != exact_scale(n_in, activation) and abs(std / value - 1) < 0.03:
            return advice
    return _("the std must be {formula}: torch.randn(n_in, n_out) times "
             "init_scale(n_in, {activation!r})").format(
        formula=FORMULA[activation], activation=activation
    )


def check_statistics(init, activation, n_in, n_out, dtype, device, seed):
    generator = seeded(device, seed)
    with global_generators_kept(device):
        got = init(n_in, n_out, generator=generator, device=device, dtype=dtype)
    assert_weights_layout(got, (n_in, n_out), dtype, device)
    expected = exact_scale(n_in, activation)
    mean, std = stats.sample_mean_std(got)
    stats.assert_mean_std(
        got, expected, rate=weights_rate(),
        name=_("your weights (n_in={n_in}, n_out={n_out}, generator seeded {seed})").format(
            n_in=n_in, n_out=n_out, seed=seed
        ),
        hint=diagnose(activation, n_in, n_out, mean, std),
    )


@graded("xavier_init")
@given(n_in=FAN, n_out=FAN, dtype=ds.float_dtypes(), seed=SEEDS)
@example(n_in=64, n_out=128, dtype=F32, seed=0)
@example(n_in=128, n_out=64, dtype=F64, seed=1)
def test_xavier_init_weights_have_mean_0_and_std_1_over_sqrt_n_in(
    kata, device, n_in, n_out, dtype, seed
):
    check_statistics(kata.xavier_init, "linear", n_in, n_out, dtype, device, seed)


@graded("kaiming_init")
@given(n_in=FAN, n_out=FAN, dtype=ds.float_dtypes(), seed=SEEDS)
@example(n_in=64, n_out=128, dtype=F32, seed=0)
@example(n_in=128, n_out=64, dtype=F64, seed=1)
def test_kaiming_init_weights_have_mean_0_and_std_sqrt_2_over_n_in(
    kata, device, n_in, n_out, dtype, seed
):
    check_statistics(kata.kaiming_init, "relu", n_in, n_out, dtype, device, seed)


# --- 50 layers: why initialisation matters -----------------------------------------

# The book's experiment: x, a batch of 200 rows of width 100 with std 1, goes
# through 50 layers x = x @ w (followed by ReLU, or not). The std of the
# activations after layers 1, 10, 25 and 50 must stay within a band.
#
# The bands come from simulation: 10,000 seeds each of normal and of uniform
# weights with the right std (float32). log10 of the std after layer 50 is close to
# normal (skewness -0.02, kurtosis 2.97 with ReLU), and the earlier checkpoints spread less:
#   Kaiming + ReLU:   mean -0.31, sd 0.32 (observed 0.029 to 7.5 over the 20,000)
#   Xavier, linear:   mean -0.03, sd 0.10 (observed 0.40 to 2.9 over 8,000)
# RELU_BAND is 8.5 sd below and 10 sd above the mean, LINEAR_BAND 9 sd either
# side: a correct init leaves them far less often than once in 10^9 examples. The
# mistakes land many decades outside: Xavier weights through ReLU halve the
# variance at every layer (std about 3e-8 after 50), std 1 multiplies it by 50
# (float32 overflows), Kaiming weights without ReLU double it (std about 3e7).
WIDTH, BATCH, DEPTH = 100, 200, 50
CHECKPOINTS = (1, 10, 25, 50)
RELU_BAND = (1e-3, 1e3)
LINEAR_BAND = (1e-1, 1e1)
DEEP_SEEDS = st.integers(0, 1)  # two seeds, two dtypes: each example runs 50 layers


def activation_stds(next_weights, x, relu):
    """The std of the activations after each checkpoint layer."""
    stds = []
    for layer in range(1, DEPTH + 1):
        x = x @ next_weights()
        if relu:
            x = x.clamp_min(0.0)
        if layer in CHECKPOINTS:
            stds.append(float(x.double().std()))
    return stds


def torch_stds(std, seed, relu):
    """The same experiment with torch.randn * std weights, in float64 on the CPU."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(BATCH, WIDTH, generator=generator, dtype=F64)
    return activation_stds(
        lambda: torch.randn(WIDTH, WIDTH, generator=generator, dtype=F64) * std, x, relu
    )


def _width(text):
    """How many terminal columns `text` takes (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _row(label, values):
    overflow = _("overflow")
    overflow = " " * max(0, 11 - _width(overflow)) + overflow
    cells = "".join(f"{v:>11.3g}" if math.isfinite(v) else overflow for v in values)
    return "  " + label + " " * max(0, 34 - _width(label)) + cells


def check_deep(init, name, relu, band, dtype, device, seed):
    generator = seeded(device, seed)
    inputs = torch.Generator().manual_seed(seed)
    x = ds.on(device, torch.randn(BATCH, WIDTH, generator=inputs, dtype=F64).to(dtype))

    def next_weights():
        w = init(WIDTH, WIDTH, generator=generator, device=device, dtype=dtype)
        assert_weights_layout(w, (WIDTH, WIDTH), dtype, device)
        return w

    with global_generators_kept(device):
        got = activation_stds(next_weights, x, relu)
    low, high = band
    if all(low <= s <= high for s in got):
        return
    kaiming, xavier = exact_scale(WIDTH, "relu"), exact_scale(WIDTH, "linear")
    after = _("followed by ReLU") if relu else _("with no activation")
    yours = _("your {function}, ReLU") if relu else _("your {function}, no ReLU")
    lines = [
        _(
            "through {depth} layers x = x @ w {after} (x: {batch} rows of width {width}, "
            "std 1), the std of the activations should stay between {low:g} and {high:g}; "
            "with weights from your {function} it does not (generator seeded {seed}, {dtype})"
        ).format(
            depth=DEPTH, after=after, batch=BATCH, width=WIDTH, low=low, high=high,
            function=name, seed=seed, dtype=dtype,
        ),
        "",
        _row(_("std after layer:"), CHECKPOINTS),
        _row(yours.format(function=name), got),
        _row(_("Kaiming sqrt(2 / n_in), ReLU"), torch_stds(kaiming, seed, relu=True)),
        _row(_("Xavier 1 / sqrt(n_in), ReLU"), torch_stds(xavier, seed, relu=True)),
        _row(_("Xavier 1 / sqrt(n_in), no ReLU"), torch_stds(xavier, seed, relu=False)),
        "",
        _("Look at: {hint}").format(
            hint=_(
                "each layer multiplies the variance of the activations by n_in * std**2 "
                "(and ReLU halves it). Xavier's std, 1 / sqrt(n_in), makes that 1 without "
                "ReLU; with ReLU the variance halves at every layer and the activations "
                "vanish. Kaiming's 2 doubles it back. With std 1 (plain torch.randn) it "
                "grows by n_in / 2 = {half} a layer and overflows."
            ).format(half=WIDTH // 2)
        ),
    ]
    raise WrongAnswer("\n".join(lines))


@graded("xavier_init")
@given(seed=DEEP_SEEDS, dtype=ds.float_dtypes())
@example(seed=0, dtype=F32)
def test_xavier_init_keeps_linear_activations_at_scale_1_through_50_layers(
    kata, device, seed, dtype
):
    check_deep(kata.xavier_init, "xavier_init", False, LINEAR_BAND, dtype, device, seed)


@graded("kaiming_init")
@given(seed=DEEP_SEEDS, dtype=ds.float_dtypes())
@example(seed=0, dtype=F32)
def test_kaiming_init_keeps_relu_activations_alive_through_50_layers(kata, device, seed, dtype):
    check_deep(kata.kaiming_init, "kaiming_init", True, RELU_BAND, dtype, device, seed)
