"""What the convolution katas (12_unfold_conv, 15_numpy_conv) share in their tests.

Kata 15 is kata 12 in NumPy: its tests draw the same inputs as tensors and hand them
over as arrays. Both grade `unfold` against F.unfold and `conv2d` against F.conv2d,
and train a CNN on scikit-learn's 8x8 digits, so both share the geometry of a
convolution (a kernel size, stride and padding are each an int or a (height, width)
pair; every kernel fits the padded image) and the arithmetic of its output size, the
draws of unfold's and conv2d's inputs, their pinned pitfalls (tried first, in order),
the rounding bound of a correct convolution, the hints that recognise the classic
mistakes (the kata passes its own kind of result and its own words), and the digits,
split the same way. Kata modules never import each other; their tests share this
instead.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

from dojo import checks
from dojo import strategies as ds
from dojo.checks import cpu64, fail
from dojo.i18n import _

Size = int | Sequence[int]  # a kernel size, stride or padding: an int, or (height, width)
F32, F64 = torch.float32, torch.float64

MAX_HW = 6  # image sides
MAX_BATCH = 3
MAX_CHANNELS = 3


def pair(value: Size) -> tuple[int, ...]:
    """(value, value) for an int; a pair as a tuple."""
    return (value, value) if isinstance(value, int) else tuple(value)


def out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def out_shape(
    x_shape: Sequence[int], c_out: int, kernel: Size, stride: Size, padding: Size
) -> tuple[int, int, int, int]:
    """The shape of the convolution's output, (N, C_out, out_h, out_w)."""
    n, h, w = x_shape[0], x_shape[2], x_shape[3]
    (kh, kw), (sh, sw), (ph, pw) = pair(kernel), pair(stride), pair(padding)
    return n, c_out, out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)


def arange(*shape: int, dtype: torch.dtype = F32) -> torch.Tensor:
    """1, 2, 3, ... in `shape`: every value different, so a misplaced one shows."""
    return torch.arange(1, math.prod(shape) + 1, dtype=dtype).reshape(shape)


def right(
    got: Any,
    expected: torch.Tensor,
    bound: Any,
    *,
    kind: type[Any],
    double: Callable[[Any], torch.Tensor],
    **same: Any,
) -> bool:
    """Whether `got` passes: a hint is worked out only when it does not.

    `kind` is the type of a right result (a tensor, an array), `double(got)` its values
    as a float64 tensor on the CPU; `same` are the attributes it must have
    (dtype=..., device=...)."""
    return (
        isinstance(got, kind) and tuple(got.shape) == tuple(expected.shape)
        and all(getattr(got, name) == value for name, value in same.items())
        and bool(((double(got) - expected).abs() <= bound).all())
    )


# --- the geometry of a convolution ---------------------------------------------------


@st.composite
def int_or_pair(draw: st.DrawFn, low: int, high: int, label: str) -> int | tuple[int, int]:
    """An int, or a pair of ints (height, width), each in [low, high]."""
    if draw(st.booleans(), label=f"{label} as a pair"):
        return (draw(st.integers(low, high), label=f"{label}[0]"),
                draw(st.integers(low, high), label=f"{label}[1]"))
    return draw(st.integers(low, high), label=label)


@st.composite
def geometries(draw: st.DrawFn, *, min_batch: int = 0) -> tuple[Any, ...]:
    """(N, C, H, W, kernel_size, stride, padding): every kernel fits the padded image,
    so that every output has at least one position."""
    n = draw(st.integers(min_batch, MAX_BATCH), label="N")
    c = draw(st.integers(1, MAX_CHANNELS), label="C")
    h, w = draw(st.integers(1, MAX_HW), label="H"), draw(st.integers(1, MAX_HW), label="W")
    padding = draw(int_or_pair(0, 2, "padding"), label="padding")
    ph, pw = pair(padding)
    kernel: Size
    if draw(st.booleans(), label="kernel_size as a pair"):
        kernel = (draw(st.integers(1, h + 2 * ph), label="kh"),
                  draw(st.integers(1, w + 2 * pw), label="kw"))
    else:
        kernel = draw(st.integers(1, min(h + 2 * ph, w + 2 * pw)), label="kernel_size")
    stride = draw(int_or_pair(1, 3, "stride"), label="stride")
    return n, c, h, w, kernel, stride, padding


def describe(x_shape: Sequence[int], kernel: Size, stride: Size, padding: Size) -> str:
    """The arithmetic of the output size, with the numbers of this call."""
    h, w = x_shape[2], x_shape[3]
    (kh, kw), (sh, sw), (ph, pw) = pair(kernel), pair(stride), pair(padding)
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    return _(
        "With x of shape {shape}, kernel_size={kernel!r}, stride={stride!r}, "
        "padding={padding!r}: out_h = (H + 2*ph - kh) // sh + 1 = ({h} + {ph2} - {kh}) "
        "// {sh} + 1 = {oh}, out_w = (W + 2*pw - kw) // sw + 1 = ({w} + {pw2} - {kw}) "
        "// {sw} + 1 = {ow}. An int means the same value for height and width; a pair "
        "is (height, width)."
    ).format(
        shape=tuple(x_shape), kernel=kernel, stride=stride, padding=padding,
        h=h, ph2=2 * ph, kh=kh, sh=sh, oh=oh, w=w, pw2=2 * pw, kw=kw, sw=sw, ow=ow,
    )


# --- unfold ---------------------------------------------------------------------------


@st.composite
def unfold_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    """(x, kernel_size, stride, padding), x a tensor."""
    n, c, h, w, kernel, stride, padding = draw(geometries(), label="geometry")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return draw(ds.tensors((n, c, h, w), dtype=dtype), label="x"), kernel, stride, padding


def unfold_pitfalls(*more: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    """unfold's pinned cases (x, kernel_size, stride, padding), fresh tensors, in the
    order they are tried; a kata's own, `more`, go before the last, an empty batch."""
    return (
        # Two channels, a 2x2 kernel, a 3x4 image: the (channel, kernel) order of the rows
        # and the row-major order of the positions both show, and out_h != out_w.
        (arange(1, 2, 3, 4), 2, 1, 0),
        (arange(1, 1, 3, 3), 3, 1, 1),  # padding: 9 positions, 1 without it
        (arange(1, 1, 5, 6), 2, (1, 2), 0),  # a stride pair: 1 down, 2 across
        (arange(1, 1, 5, 5), 2, 2, 0),  # an int stride: both axes
        (arange(1, 2, 3, 4), (2, 3), 1, (1, 0)),  # a kernel pair and a padding pair
        (arange(2, 1, 2, 3), (4, 5), 1, 1),  # the kernel covers the padded image: 1 position
        (arange(1, 1, 2, 3), 1, 3, 2),  # padding wider than the kernel, stride 3
        # float64, a view
        (arange(1, 2, 4, 3, dtype=F64).transpose(2, 3), (2, 3), (2, 1), (0, 1)),
        # a view, no padding: its own strides count
        (arange(1, 2, 4, 3).transpose(2, 3), 2, 1, 0),
        *more,
        (torch.zeros(0, 2, 3, 3), 2, 1, 0),  # an empty batch
    )


def unfold_hint(
    got: Any,
    x_shape: Sequence[int],
    kernel: Size,
    stride: Size,
    padding: Size,
    expected: torch.Tensor,
    *,
    kind: type[Any],
    double: Callable[[Any], torch.Tensor],
    view: str,
    channels_first: str,
) -> str:
    """Which classic mistake `got` looks like, or the general hint.

    `kind` and `double` as in `right`; `view`, appended to the general hint, is what
    to say about a non-contiguous x ("" for a contiguous one); `channels_first`, how to
    put the channel before the kernel position, in the kata's words."""
    arithmetic = describe(x_shape, kernel, stride, padding)
    general = _(
        "column p = r * out_w + s of image n holds the window at position (r, s) (row-major: "
        "across first, then down), and its row c * kh * kw + i * kw + j is the element (i, j) "
        "of the window in channel c: channels first, then kernel rows, then kernel columns. "
        "{arithmetic}"
    ).format(arithmetic=arithmetic) + view
    if not isinstance(got, kind) or tuple(got.shape) != tuple(expected.shape):
        return _(
            "the result is (N, C * kh * kw, L), one column per window position, L = out_h * "
            "out_w. {arithmetic}"
        ).format(arithmetic=arithmetic)
    if not expected.numel():
        return general
    n, c = x_shape[0], x_shape[1]
    (kh, kw) = pair(kernel)
    oh, ow = out_shape(x_shape, 0, kernel, stride, padding)[2:]
    g = double(got)
    kernel_first = expected.reshape(n, c, kh * kw, -1).transpose(1, 2).reshape(expected.shape)
    if c > 1 and kh * kw > 1 and torch.equal(g, kernel_first):
        return _(
            "the rows are ordered kernel position first, then channel: F.unfold orders them "
            "channel first (row c * kh * kw + i * kw + j). {advice}"
        ).format(advice=channels_first)
    column_major = expected.reshape(n, -1, oh, ow).transpose(2, 3).reshape(expected.shape)
    if oh > 1 and ow > 1 and torch.equal(g, column_major):
        return _(
            "the positions run down first, then across: F.unfold runs across first "
            "(column r * out_w + s for the window at (r, s)), as reshape flattens "
            "(out_h, out_w)."
        )
    return general


# --- conv2d ---------------------------------------------------------------------------


@st.composite
def conv_cases(
    draw: st.DrawFn, *, min_batch: int = 0, bias: bool | None = None
) -> tuple[Any, ...]:
    """(x, weight, bias, kernel_size, stride, padding) tensors of one dtype; bias may be
    None."""
    n, c, h, w, kernel, stride, padding = draw(geometries(min_batch=min_batch), label="geometry")
    c_out = draw(st.integers(1, MAX_CHANNELS), label="C_out")
    dtype = draw(ds.float_dtypes(), label="dtype")
    kh, kw = pair(kernel)
    x = draw(ds.tensors((n, c, h, w), dtype=dtype), label="x")
    weight = draw(ds.tensors((c_out, c, kh, kw), dtype=dtype), label="weight")
    with_bias = draw(st.booleans(), label="with bias") if bias is None else bias
    b = draw(ds.tensors((c_out,), dtype=dtype), label="bias") if with_bias else None
    return x, weight, b, kernel, stride, padding


def conv_bound(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, stride: Size,
    padding: Size,
) -> Any:
    """Largest error of a correct convolution in x's dtype, elementwise: each output is
    a sum of C*kh*kw products and the bias, whose absolute values F.conv2d of the
    absolute values adds up."""
    xd, wd, bd = cpu64(x, weight, bias)
    magnitude = F.conv2d(xd.abs(), wd.abs(), None if bd is None else bd.abs(),
                         stride=stride, padding=padding)
    terms = weight[0].numel() + 1
    return checks.sum_bound(x.dtype, terms, magnitude)


def conv_pitfalls(*more: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    """conv2d's pinned cases (x, weight, bias, kernel_size, stride, padding), fresh
    tensors, in the order they are tried; a kata's own, `more`, go before the last, an
    empty batch."""
    return (
        # Two channels and a 2x2 kernel: flattening the weight in another order than
        # unfold's rows shows; three output channels, a 2x3 output: the bias axis shows.
        (arange(1, 2, 3, 4), arange(3, 2, 2, 2) - 12, torch.tensor([1.0, -1.0, 100.0]), 2, 1, 0),
        (arange(2, 1, 3, 3), torch.ones(1, 1, 2, 2), None, 2, 1, 0),  # no bias
        # A rectangular kernel, a stride pair and a padding pair on a rectangular image.
        (arange(1, 1, 4, 5), arange(2, 1, 2, 3) - 6, torch.tensor([0.5, -0.5]),
         (2, 3), (1, 2), (1, 0)),
        (arange(1, 1, 5, 5), torch.ones(1, 1, 2, 2), None, 2, 2, 0),  # an int stride: both axes
        # 1x1
        (arange(1, 2, 2, 3), arange(2, 2, 4, 5) - 40, torch.tensor([1.0, 2.0]), (4, 5), 1, 1),
        (arange(1, 2, 4, 3, dtype=F64).transpose(2, 3), arange(2, 2, 2, 3, dtype=F64) - 10,
         torch.tensor([0.25, -2.0], dtype=F64), (2, 3), 1, (0, 1)),  # float64, a view
        *more,
        (torch.zeros(0, 2, 3, 3), torch.ones(2, 2, 2, 2), torch.ones(2), 2, 1, 0),  # empty batch
    )


def conv_hint(
    got: Any,
    x: Any,
    weight: Any,
    bias: Any,
    kernel: Size,
    stride: Size,
    padding: Size,
    *,
    kind: type[Any],
    double: Callable[[Any], torch.Tensor],
    multiply: str,
    bias_axis: bool = False,
) -> str:
    """Which classic mistake `got` looks like, or the general hint.

    `kind` and `double` as in `right` (x, weight and bias are of that kind too);
    `multiply`, how to multiply the columns by the weight, in the kata's words;
    `bias_axis`, whether to look for a bias added along the positions."""
    arithmetic = describe(x.shape, kernel, stride, padding)
    general = _(
        "unfold x into (N, C * kh * kw, L), {multiply}, add the bias of each output channel "
        "(bias[:, None] against (N, C_out, L)), and reshape to (N, C_out, out_h, out_w). "
        "{arithmetic}"
    ).format(multiply=multiply, arithmetic=arithmetic)
    if not isinstance(got, kind) or got.ndim != 4:
        return general
    xd, wd, bd = double(x), double(weight), None if bias is None else double(bias)
    expected = F.conv2d(xd, wd, bd, stride=stride, padding=padding)
    if tuple(got.shape) != tuple(expected.shape):
        if tuple(got.shape[2:]) == tuple(expected.shape[2:])[::-1]:
            return _(
                "height and width are swapped: the result is (N, C_out, out_h, out_w), "
                "out_h from H and out_w from W. {arithmetic}"
            ).format(arithmetic=arithmetic)
        return general
    g = double(got)
    if bd is not None and torch.allclose(
        g, F.conv2d(xd, wd, None, stride=stride, padding=padding), atol=1e-3
    ):
        return _("the bias is missing: add bias[o] to every position of output channel o.")
    if bias_axis and bd is not None and g.shape[1] > 1 and g.shape[2] * g.shape[3] == g.shape[1]:
        plain = F.conv2d(xd, wd, None, stride=stride, padding=padding).reshape(g.shape[0], -1)
        wrong_axis = (plain.reshape(g.shape[0], g.shape[1], -1) + bd).reshape(g.shape)
        if torch.allclose(g, wrong_axis, atol=1e-3):
            return _(
                "the bias is added along the positions, not the channels: bias[o] goes "
                "to every position of output channel o, bias[:, None] against (N, C_out, L)."
            )
    if weight.shape[1] > 1 and math.prod(weight.shape[2:]) > 1:
        swapped = wd.permute(0, 2, 3, 1).reshape(wd.shape)  # (kh, kw, C) order read as (C, kh, kw)
        if torch.allclose(g, F.conv2d(xd, swapped, bd, stride=stride, padding=padding), atol=1e-3):
            return _(
                "the weight is flattened in another order than unfold's rows: "
                "weight.reshape(C_out, -1) keeps (C, kh, kw), the order F.unfold uses."
            )
    return general


# --- train_cnn ------------------------------------------------------------------------

TRAIN_SIZE = 1437  # of scikit-learn's 1797 digits: 80% to train, 360 held out
MIN_ACCURACY = 0.90
SPLIT_SEED = 0


def digits(rebuilt_by: str) -> tuple[tuple[torch.Tensor, str], ...]:
    """scikit-learn's 8x8 digits as (N, 1, 8, 8) float32 images in [0, 1] and int64
    labels, split at random, always the same way: the training images and labels, then
    the held-out ones, each with its description as fixed data, which names
    `rebuilt_by`, the test file whose digits() rebuilds them.

    The data is the file that sklearn.datasets.load_digits() reads, bundled with
    scikit-learn (no download), read here directly: importing scikit-learn (and
    scipy) would cost a second, and the suite's own tests run the katas in one
    process, where numpy.fft's extension module, which scipy loads, cannot be
    loaded a second time.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    path = None if spec is None or not spec.submodule_search_locations else Path(
        spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if path is None or not path.is_file():
        raise RuntimeError(
            _("this test needs scikit-learn, for its bundled 8x8 digits "
              "(sklearn/datasets/data/digits.csv.gz): pip install scikit-learn")
        )
    data = torch.from_numpy(np.loadtxt(path, delimiter=","))  # 1797 rows: 64 pixels, label
    images = data[:, :-1].to(F32).div(16).reshape(-1, 1, 8, 8)  # pixels are 0 to 16
    labels = data[:, -1].to(torch.int64)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(SPLIT_SEED))
    train, held_out = order[:TRAIN_SIZE], order[TRAIN_SIZE:]
    source = _("scikit-learn's 8x8 digits (sklearn.datasets.load_digits())")
    rebuilt = _(
        "rebuilt by digits() from {file}, which splits the {total} digits at random "
        "(seed {seed}): {train} to train, {held_out} held out"
    ).format(
        file=rebuilt_by, total=len(labels), seed=SPLIT_SEED, train=TRAIN_SIZE,
        held_out=len(labels) - TRAIN_SIZE,
    )
    return (
        (images[train], _("the training images of {source}, pixels / 16, {rebuilt}").format(
            source=source, rebuilt=rebuilt)),
        (labels[train], _("the training labels of {source}, {rebuilt}").format(
            source=source, rebuilt=rebuilt)),
        (images[held_out], _("the held-out images of {source}, pixels / 16, {rebuilt}").format(
            source=source, rebuilt=rebuilt)),
        (labels[held_out], _("the held-out labels of {source}, {rebuilt}").format(
            source=source, rebuilt=rebuilt)),
    )


def assert_accuracy(correct: int, total: int, seconds: float, *, what: str, hint: str) -> None:
    """The trained `what` ("model", "network") classified `correct` of the `total`
    held-out digits: at least MIN_ACCURACY, or a wrong answer that says how far it is
    and how long training took; `hint`, how a CNN that reaches it is built."""
    __tracebackhide__ = True
    accuracy = correct / total
    if accuracy < MIN_ACCURACY:
        raise fail(
            _("the trained {what} classifies {correct} of the {total} held-out digits "
              "correctly ({accuracy:.1%}), but should reach {minimum:.0%} (training took "
              "{seconds:.1f} s of CPU time)").format(
                what=_(what) if what else what, correct=correct, total=total,
                accuracy=accuracy, minimum=MIN_ACCURACY, seconds=seconds,
            ),
            hint,
        )
