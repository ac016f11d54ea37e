"""Graded tests for kata 01_neuron: plain-Python results against PyTorch itself.

The learner's functions take and return plain Python numbers and lists, so
there is no device to vary: these tests do not take the `device` fixture. Each
test builds float64 tensors from the same lists only to compute what the
answer should be (`torch.dot`, `torch.relu`, `F.linear`); the learner's code
never sees a tensor.

Inputs are whole numbers in [-4, 4] (Python ints: exact products) mixed with
floats in [-10, 10]. Biases are always floats, so Python's own arithmetic
gives a float for `neuron` and for every value of `dense_layer_plain`.
"""

import copy

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo.i18n import N_, _

F64 = torch.float64  # Python floats are IEEE doubles
MAX_LEN = 6  # longest input row, most outputs
MAX_BATCH = 5
# A product of two tiny floats can underflow below the normal range, where the
# relative bound of `checks.sum_bound` does not hold (and torch may fuse a
# multiply-add there). Allowing this much per term is far below any real mistake.
UNDERFLOW = 2.0**-1022

FLOATS = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False)
NUMBERS = st.one_of(st.integers(-4, 4), FLOATS)  # shrinks to small whole numbers

NEURON_HINT = N_(
    "a neuron multiplies each input by its own weight (inputs[i] * weights[i]), "
    "adds all those products up, then adds the bias once."
)
FLOAT_HINT = N_(
    "the bias is a float, so the sum of the products plus the bias is already a Python "
    "float: return it as it is (an int means the bias was not added, or int() was used)."
)
RELU_HINT = N_("relu(x) is x when x >= 0 and 0 when x < 0.")
DENSE_HINT = N_(
    "y[i][j] is a neuron: row i of x against row j of w (w has one row per output), plus b[j]."
)
DENSE_SHAPE_HINT = N_(
    "the result has one row per row of x (the batch), and each row has one value "
    "per row of w (the outputs)."
)


def allowed_error(terms, magnitude):
    """The most a correct float64 sum of `terms` terms may be off, in any order."""
    return checks.sum_bound(F64, terms, magnitude) + terms * UNDERFLOW


def vector(values):
    return torch.tensor(values, dtype=F64).reshape(len(values))


def matrix(rows, n_cols):
    return torch.tensor(rows, dtype=F64).reshape(len(rows), n_cols)


# --- neuron -----------------------------------------------------------------


@st.composite
def neuron_cases(draw):
    """(inputs, weights, bias): two lists of one length (0 to 6), a float bias."""
    n = draw(st.integers(0, MAX_LEN), label="n")
    inputs = draw(st.lists(NUMBERS, min_size=n, max_size=n), label="inputs")
    weights = draw(st.lists(NUMBERS, min_size=n, max_size=n), label="weights")
    bias = draw(FLOATS, label="bias")
    return inputs, weights, bias


@graded("neuron")
@given(case=neuron_cases())
@example(case=([], [], 0.5))  # no inputs at all: just the bias
@example(case=([2.0], [-3.0], 1.0))  # a single input
@example(case=([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], 0.5))  # sum of products, bias once
@example(case=([-1.0, -2.0], [-3.0, 4.0], -1.0))  # negative result: no ReLU here
@example(case=([1, 2.5, -3], [4, -2, 0.5], -0.25))  # Python ints mixed with floats
def test_neuron_matches_torch_dot(kata, case):
    inputs, weights, bias = case
    xs, ws = vector(inputs), vector(weights)
    expected = (torch.dot(xs, ws) + bias).item()
    magnitude = float(torch.dot(xs.abs(), ws.abs())) + abs(bias)
    inputs, weights = copy.deepcopy((inputs, weights))  # the learner's own copies
    got = kata.neuron(inputs, weights, bias)
    # The value first: an int here most often means the bias was never added, and
    # "should be 0.5" says so better than "should be a float".
    checks.assert_number(
        got, expected, bound=allowed_error(len(inputs) + 1, magnitude), hint=_(NEURON_HINT)
    )
    checks.assert_exact_type(got, float, hint=_(FLOAT_HINT))


# --- relu -------------------------------------------------------------------


@graded("relu")
@given(x=NUMBERS)
@example(x=-1.5)
@example(x=2.5)
@example(x=3)  # a positive int comes back as that int
@example(x=-2)
@example(x=0)  # zero: 0 or 0.0 are both fine
@example(x=0.0)
@example(x=-0.0)
@example(x=5e-324)  # the smallest positive float is still positive
@example(x=-5e-324)
def test_relu_matches_torch_relu(kata, x):
    expected = torch.relu(torch.tensor(x, dtype=F64)).item()
    got = kata.relu(x)
    checks.assert_number(got, expected, hint=_(RELU_HINT))  # exact: no rounding
    if x > 0:
        checks.assert_exact_type(
            got,
            type(x),
            hint=_(
                "for a positive x, return x itself: relu({x!r}) is {x!r}. "
                "Only a negative x is replaced (by 0)."
            ).format(x=x),
        )


# --- dense_layer_plain ------------------------------------------------------


@st.composite
def dense_cases(draw):
    """(x, w, b): x is batch x n_in, w is n_out x n_in, b has n_out floats."""
    batch = draw(st.integers(0, MAX_BATCH), label="batch")
    n_in = draw(st.integers(0, MAX_LEN), label="n_in")
    n_out = draw(st.integers(0, MAX_LEN), label="n_out")
    row = st.lists(NUMBERS, min_size=n_in, max_size=n_in)
    x = draw(st.lists(row, min_size=batch, max_size=batch), label="x")
    w = draw(st.lists(row, min_size=n_out, max_size=n_out), label="w")
    b = draw(st.lists(FLOATS, min_size=n_out, max_size=n_out), label="b")
    return x, w, b


def _table(rows):
    if not isinstance(rows, list) or not rows:
        return f"    {rows!r}"
    return "\n".join(f"    {row!r}" for row in rows)


def check_table(got, expected, bound, inputs):
    """`got` is a new list of new lists of floats, shaped and valued like `expected`.

    `inputs` names every list the learner was given: no row may be one of them.
    """
    __tracebackhide__ = True
    want = expected.tolist()
    allow = bound.tolist()
    rows, cols = expected.shape
    checks.assert_exact_type(got, list, hint=_(DENSE_SHAPE_HINT))
    checks.assert_equal(len(got), rows, name="len(result)", hint=_(DENSE_SHAPE_HINT))
    seen = {}
    for i, row in enumerate(got):
        checks.assert_exact_type(row, list, name=f"result[{i}]", hint=_(DENSE_SHAPE_HINT))
        checks.assert_equal(len(row), cols, name=f"len(result[{i}])", hint=_(DENSE_SHAPE_HINT))
        for name, value in inputs.items():
            if row is value:
                raise checks.fail(
                    _("result[{i}] is the input list {name} itself, not a new list").format(
                        i=i, name=name
                    ),
                    _(
                        "changing the result would change your input. Build each row as "
                        "a new list (a list comprehension, or list(b) for a copy)."
                    ),
                )
        if id(row) in seen:
            raise checks.fail(
                _(
                    "result[{i}] is the same list object as result[{other}]: changing "
                    "one row changes the other"
                ).format(i=i, other=seen[id(row)]),
                _(
                    "build a new list for each row: [[0.0] * n_out for _ in x], "
                    "not [[0.0] * n_out] * len(x)."
                ),
            )
        seen[id(row)] = i
    # Values first, then types: a wrong value is the mistake to fix first (a missing
    # bias also leaves an int where inputs and weights are whole numbers).
    for i, row in enumerate(got):
        for j, value in enumerate(row):
            checks.assert_number(
                value,
                want[i][j],
                bound=allow[i][j],
                name=f"result[{i}][{j}]",
                hint=_("{hint}\nexpected:\n{expected}\ngot:\n{got}").format(
                    hint=_(DENSE_HINT), expected=_table(want), got=_table(got)
                ),
            )
    for i, row in enumerate(got):
        for j, value in enumerate(row):
            checks.assert_exact_type(value, float, name=f"result[{i}][{j}]", hint=_(FLOAT_HINT))


@graded("dense_layer_plain")
@given(case=dense_cases())
@example(case=([], [[1.0, 2.0]], [0.5]))  # an empty batch gives []
@example(case=([[], []], [[], [], []], [1.0, -2.0, 0.5]))  # n_in = 0: just the biases
@example(case=([[1.0, 2.0]], [], []))  # no outputs: one empty row per input row
@example(case=([[2.0]], [[-3.0]], [1.0]))  # a single value
@example(  # square, not symmetric: w[k][j] instead of w[j][k], or b[i], shows
    case=([[1, 2], [3, 4]], [[1.0, -1.0], [0.5, 2.0]], [10.0, -10.0])
)
@example(  # 1 x 3 input, 2 outputs: swapped indices run off the end
    case=([[1.0, 2.0, 3.0]], [[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]], [0.5, -0.5])
)
@example(case=([[-1, 2.5, 0]], [[4, -2, 7], [-0.5, 0, 1]], [0.25, -0.75]))  # ints mixed in
def test_dense_layer_plain_matches_f_linear(kata, case):
    x, w, b = case
    n_in = len(x[0]) if x else len(w[0]) if w else 0
    xt, wt, bt = matrix(x, n_in), matrix(w, n_in), vector(b)
    expected = F.linear(xt, wt, bt)
    magnitude = F.linear(xt.abs(), wt.abs(), bt.abs())
    x, w, b = copy.deepcopy((x, w, b))  # the learner's own copies
    got = kata.dense_layer_plain(x, w, b)
    inputs = {"x": x, "w": w, "b": b}
    inputs |= {f"x[{i}]": row for i, row in enumerate(x)}
    inputs |= {f"w[{j}]": row for j, row in enumerate(w)}
    check_table(got, expected, allowed_error(n_in + 1, magnitude), inputs)
