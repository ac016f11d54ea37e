"""Graded tests for kata 05_forward_pass: each function against PyTorch itself.

Expected values come from `F.linear` (given the book's `(n_in, n_out)` weight as
`w.t()`), `F.relu` and `F.mse_loss`, computed in float64. Tolerances are
rounding-error bounds that a correct implementation stays within whatever order
it sums in. Inputs reach the learner as copies (`ds.on`): the pinned tensors
below are module constants, and a function that wrote into its input would
change them.
"""

import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import strategies as ds
from dojo.checks import cpu64
from dojo.i18n import N_, _

F64 = torch.float64
SQUARE = ds.SQUARE
SIDE = st.integers(0, ds.MAX_SIDE)


def lin_bound(x, w, b):
    """Largest error of a correct `x @ w + b` in x's dtype, elementwise (float64, CPU).

    Each output is a sum of n_in products plus the bias: n_in + 1 terms whose
    absolute values add up to (|x| @ |w| + |b|).
    """
    xd, wd, bd = cpu64(x, w, b)
    return checks.sum_bound(x.dtype, x.shape[1] + 1, xd.abs() @ wd.abs() + bd.abs())


# --- lin ----------------------------------------------------------------------

LIN_HINT = N_(
    "here w is (n_in, n_out), one column per output, as the book's forward pass "
    "stores it: x @ w, with no transpose (that is nn.Linear's (n_out, n_in) weight), "
    "then + b, one value per output, which broadcasts over the rows."
)


@st.composite
def lin_operands(draw):
    n, n_in, n_out = draw(SIDE, label="N"), draw(SIDE, label="n_in"), draw(SIDE, label="n_out")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return (
        draw(ds.tensors((n, n_in), dtype=dtype), label="x"),
        draw(ds.tensors((n_in, n_out), dtype=dtype), label="w"),
        draw(ds.tensors((n_out,), dtype=dtype), label="b"),
    )


@graded("lin")
@given(xwb=lin_operands())
@ds.pinned(
    "xwb",
    # Square and not symmetric: x @ w.t() keeps the shape and changes the values;
    # N == n_out, so a bias added per row instead of per output shows too.
    (SQUARE, SQUARE + 1, torch.tensor([10.0, -10.0])),
    # w is (3, 2): x @ w.t() cannot even run.
    (torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
     torch.tensor([0.0, 100.0])),
    (torch.zeros(0, 3), torch.zeros(3, 2), torch.tensor([1.0, 2.0])),  # an empty batch
    (torch.zeros(2, 0), torch.zeros(0, 3), torch.tensor([1.0, 2.0, 3.0])),  # n_in = 0: just b
    (SQUARE.to(F64), torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=F64),
     torch.tensor([1.0, -1.0], dtype=F64)),
    (torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).t(), SQUARE, torch.tensor([0.5, -0.5])),
)
def test_lin_matches_f_linear(kata, device, xwb):
    x, w, b = ds.on(device, *xwb)
    got = kata.lin(x, w, b)
    xd, wd, bd = cpu64(x, w, b)
    expected = F.linear(xd, wd.t(), bd)  # F.linear wants (n_out, n_in): the book's w.t()
    checks.assert_tensor(
        got, expected, dtype=x.dtype, device=x.device, bound=lin_bound(x, w, b), hint=_(LIN_HINT)
    )


# --- relu ---------------------------------------------------------------------

RELU_HINT = N_(
    "ReLU keeps every element >= 0 as it is and replaces every negative one by 0, "
    "element by element: x.clamp_min(0.)."
)


@st.composite
def any_tensor(draw):
    shape = draw(ds.shapes(), label="shape")
    return draw(ds.tensors(shape, dtype=draw(ds.float_dtypes(), label="dtype")), label="x")


@graded("relu")
@given(x=any_tensor())
@ds.pinned(
    "x",
    torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0]),  # negatives, zero, and values above 1
    torch.tensor(-3.0),  # a 0-dim tensor
    torch.tensor(2.5, dtype=F64),
    torch.zeros(0, 3),
    torch.tensor([[-1.0, 2.0], [3.0, -4.0]], dtype=F64).t(),  # float64, transposed
)
def test_relu_matches_f_relu(kata, device, x):
    x = ds.on(device, x)
    got = kata.relu(x)
    # ReLU is exact: no rounding, so no tolerance. At exactly 0 any zero is right
    # (-0.0 == 0.0), so x * (x > 0) passes as well as clamp_min.
    expected = F.relu(x.detach().cpu().double())
    checks.assert_tensor(got, expected, dtype=x.dtype, device=x.device, hint=_(RELU_HINT))


# --- mse ----------------------------------------------------------------------
#
# N >= 1 only. The mean of no numbers is not defined: torch gives nan for an
# empty batch (F.mse_loss and .mean() alike, 0/0), and a learner who returns 0
# there has made a choice, not a mistake. The tests do not grade it.


def squeeze_hint(n):
    return _(
        "(N, 1) - (N,) broadcasts to (N, N): squeeze the last dimension of output. "
        "Here output is ({n}, 1) and targ ({n},), so output - targ is ({n}, {n}): every "
        "prediction against every target. output.squeeze(-1) (or output[:, 0]) is "
        "({n},) and lines up with targ."
    ).format(n=n)


ZERO_DIM_HINT = N_(
    "the loss is one number: a 0-dim tensor, shape (), which is what .mean() of the "
    "squared errors returns. No keepdim=True, reshape(1), [None] or unsqueeze; and keep "
    "it a tensor (no .item() or float())."
)
MSE_HINT = N_(
    "mse is the mean over the N rows of (output[i, 0] - targ[i]) ** 2: squeeze the "
    "last dimension of output, subtract targ, square, then take the mean."
)


def mse_hint(got, output, targ, expected, bound):
    """A hint for the mistake `got` looks like, or the general one."""
    n = targ.shape[0]
    if got is None:
        return _(MSE_HINT)
    if not isinstance(got, torch.Tensor):
        return _(ZERO_DIM_HINT)
    if n > 1 and tuple(got.shape) == (n, n):
        return _("{hint} Then take the mean, a single number.").format(hint=squeeze_hint(n))
    if tuple(got.shape) in ((1,), (1, 1)):
        return _(ZERO_DIM_HINT)
    if n > 1 and tuple(got.shape) in ((n,), (n, 1)):
        return _("these are the N squared errors, one per row: mse is their mean, one number.")
    if got.dim() != 0:
        return _(MSE_HINT)
    value, expected, bound = float(got.detach().cpu().double()), float(expected), float(bound)
    od, td = cpu64(output, targ)
    broadcast = float(((od - td) ** 2).mean())  # what forgetting the squeeze gives
    right = abs(value - expected) <= bound
    if n > 1 and not right and abs(value - broadcast) <= 1e-3 * (1 + abs(broadcast)):
        return squeeze_hint(n)
    if n > 1 and abs(value - n * expected) <= 1e-3 * (1 + n * abs(expected)):
        return _("that is the sum of the squared errors: the mean divides it by N (.mean()).")
    return _(MSE_HINT)


@st.composite
def mse_operands(draw):
    n = draw(st.integers(1, ds.MAX_SIDE), label="N")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return (
        draw(ds.tensors((n, 1), dtype=dtype), label="output"),
        draw(ds.tensors((n,), dtype=dtype), label="targ"),
    )


@graded("mse")
@given(ot=mse_operands())
@ds.pinned(
    "ot",
    # Perfect predictions: 0. Without the squeeze, (2, 1) - (2,) is (2, 2) and the
    # mean of [[0, 1], [1, 0]] is 0.5.
    (torch.tensor([[1.0], [2.0]]), torch.tensor([1.0, 2.0])),
    # N = 1: 4.0 as a 0-dim tensor, not shape (1,).
    (torch.tensor([[3.0]]), torch.tensor([1.0])),
    # Errors +2 and -2: mse 4 (not the sum 8, the mean error 0 or the mean |error| 2).
    (torch.tensor([[2.0], [2.0]]), torch.tensor([0.0, 4.0])),
    (torch.tensor([[1.0], [-2.0], [0.5]], dtype=F64), torch.tensor([0.0, 1.0, 2.5], dtype=F64)),
    (torch.tensor([[1.0, 2.0, 3.0]]).t(), torch.tensor([0.5, 2.0, -1.0])),  # a transposed view
)
def test_mse_matches_f_mse_loss(kata, device, ot):
    output, targ = ds.on(device, *ot)
    got = kata.mse(output, targ)
    od, td = cpu64(output, targ)
    n = targ.shape[0]
    expected = F.mse_loss(od.squeeze(-1), td)  # shape (): a 0-dim tensor
    # Bound: each squared error (o - t)**2 is computed with a few roundings (the
    # subtraction, the square; a few more for o*o - 2*o*t + t*t), each at most u
    # times (|o| + |t|)**2. Adding the N of them in any order adds at most N - 1
    # roundings of the sum of those magnitudes, and the division by N one more of
    # the result. So |error| <= (N + 4) u sum((|o| + |t|)**2) / N, and sum_bound
    # over N + 2 terms, divided by N, is twice that.
    magnitude = ((od.squeeze(-1).abs() + td.abs()) ** 2).sum()
    bound = checks.sum_bound(output.dtype, n + 2, magnitude) / n
    checks.assert_tensor(
        got, expected, dtype=output.dtype, device=output.device, bound=bound,
        hint=mse_hint(got, output, targ, expected, bound),
    )


# --- model --------------------------------------------------------------------

MODEL_HINT = N_(
    "model is lin(relu(lin(x, w1, b1)), w2, b2): the first layer with w1 and b1, ReLU "
    "on its output only, then the second layer with w2 and b2 (no ReLU after it)."
)


def model_bound(x, w1, b1, w2, b2):
    """Largest error of a correct lin -> relu -> lin in x's dtype, elementwise.

    The first layer's computed output h^ is within e1 = lin_bound(x, w1, b1) of
    the exact h, elementwise. ReLU rounds nothing and moves no two numbers further
    apart (|relu(a) - relu(b)| <= |a - b|), so r^ = relu(h^) is within e1 of
    r = relu(h), and |r^| <= r + e1. The second layer then errs twice:
      - its own rounding on the input r^ it was actually given:
        sum_bound over nh + 1 terms of |r^| @ |w2| + |b2| <= (r + e1) @ |w2| + |b2|;
      - the first layer's error carried through the weights: |(r^ - r) @ w2| <= e1 @ |w2|.
    The sum of the two holds for any summation order in either layer. sum_bound's
    factor 2 also covers the float64 reference's own rounding, as in lin_bound.
    """
    xd, w1d, b1d, w2d, b2d = cpu64(x, w1, b1, w2, b2)
    e1 = lin_bound(x, w1, b1)
    r = (xd @ w1d + b1d).clamp_min(0.0)
    own = checks.sum_bound(x.dtype, w2.shape[0] + 1, (r + e1) @ w2d.abs() + b2d.abs())
    return own + e1 @ w2d.abs()


@st.composite
def model_operands(draw):
    n, n_in, nh, n_out = (draw(SIDE, label=name) for name in ("N", "n_in", "nh", "n_out"))
    dtype = draw(ds.float_dtypes(), label="dtype")
    shapes = {"x": (n, n_in), "w1": (n_in, nh), "b1": (nh,), "w2": (nh, n_out), "b2": (n_out,)}
    return tuple(
        draw(ds.tensors(shape, dtype=dtype), label=name) for name, shape in shapes.items()
    )


# All sizes 2: swapped layers still run. The hidden layer has a negative value in
# every row (ReLU matters) and the outputs are negative (a ReLU after the second
# layer would show); x has a negative element (ReLU on x first would show).
SQUARE_MODEL = (
    torch.tensor([[1.0, -2.0], [3.0, 4.0]]),
    torch.tensor([[1.0, -1.0], [-2.0, 1.0]]), torch.tensor([0.5, 1.0]),
    torch.tensor([[1.0, 2.0], [-1.0, 3.0]]), torch.tensor([1.0, -20.0]),
)
BOOK_MODEL = (  # the book's shapes, scaled down: n_out = 1
    torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]]),
    torch.tensor([[1.0, -1.0, 0.5, 2.0], [0.0, 1.0, -1.0, 1.0]]), torch.zeros(4),
    torch.tensor([[1.0], [-2.0], [0.5], [1.0]]), torch.zeros(1),
)


@graded("model")
@given(params=model_operands())
@ds.pinned(
    "params",
    SQUARE_MODEL,
    BOOK_MODEL,
    # Hidden size 0: the first layer is (N, 0), the second gives b2 for every row.
    (torch.ones(2, 3), torch.zeros(3, 0), torch.zeros(0), torch.zeros(0, 2),
     torch.tensor([1.0, -1.0])),
    (torch.zeros(0, 3), torch.ones(3, 2), torch.ones(2), torch.ones(2, 1), torch.ones(1)),
    (SQUARE_MODEL[0].t().to(F64), *(t.to(F64) for t in SQUARE_MODEL[1:])),  # float64, x.t()
)
def test_model_matches_torch(kata, device, params):
    x, w1, b1, w2, b2 = ds.on(device, *params)
    got = kata.model(x, w1, b1, w2, b2)
    xd, w1d, b1d, w2d, b2d = cpu64(x, w1, b1, w2, b2)
    expected = F.linear(F.relu(F.linear(xd, w1d.t(), b1d)), w2d.t(), b2d)
    checks.assert_tensor(
        got, expected, dtype=x.dtype, device=x.device,
        bound=model_bound(x, w1, b1, w2, b2), hint=_(MODEL_HINT),
    )
