"""Graded tests for kata 13_numpy_matmul: each NumPy function against PyTorch itself.

Inputs are drawn as tensors (`dojo.strategies`) and handed over as fresh NumPy
arrays (`nparrays.from_tensor`): same values, shapes, strides and pitfalls as the
PyTorch katas, and a pinned example is never the learner's to change. Expected
values come from PyTorch in float64 (`torch.from_numpy`).
"""

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import nparrays as na
from dojo import strategies as ds
from dojo.checks import fail
from dojo.i18n import N_, _

F64 = torch.float64
SIDE = ds.MAX_SIDE  # a loop over SIDE items runs more often than a "no loop" budget allows

# --- neuron and dense_layer ---------------------------------------------------


@graded("neuron")
@given(
    n=st.integers(0, SIDE),
    dtype=ds.float_dtypes(),
    bias=st.integers(-10, 10).map(float) | st.floats(-10, 10, width=32),
    data=st.data(),
)
@example(n=SIDE, dtype=torch.float32, bias=0.5, data=None)  # six inputs: a loop shows
def test_neuron_matches_a_dot_product(kata, n, dtype, bias, data):
    if data is None:
        inputs = na.from_tensor(torch.arange(1.0, n + 1))
        weights = na.from_tensor(torch.linspace(-1.0, 1.0, n))
    else:
        inputs = data.draw(na.arrays((n,), dtype=dtype), label="inputs")
        weights = data.draw(na.arrays((n,), dtype=dtype), label="weights")
    got = kata.neuron(inputs, weights, bias)
    x, w = na.tensor(inputs).double(), na.tensor(weights).double()
    expected = torch.dot(x, w) + bias
    bound = checks.sum_bound(na.tensor(inputs).dtype, n + 1, float(x.abs() @ w.abs()) + abs(bias))
    na.assert_array(
        got, expected, dtype=inputs.dtype, bound=bound, scalar=True,
        hint=_(
            "inputs @ weights is the weighted sum (a NumPy scalar of the inputs' dtype); "
            "add the bias to it."
        ),
    )


DENSE_RULE = N_(
    "y[i, j] is row i of x times row j of w, summed, plus b[j]: w is (n_out, n_in), one "
    "row per output (nn.Linear's layout), so y = x @ w.T + b, and b, one value per "
    "output, is added to every row."
)


def dense_hint(got, x, w, b, bound):
    """What a wrong dense layer (of the right shape) looks like, for "Look at:"."""
    g, xd, wd, bd = (na.tensor(v).double() for v in (got, x, w, b))

    def like(candidate):
        return candidate.shape == g.shape and bool(checks.within(g, candidate, bound).all())

    if wd.shape[0] == wd.shape[1] and like(xd @ wd + bd):
        return _(
            "the result is x @ w + b: w is (n_out, n_in), one row per output, so it must "
            "be transposed: x @ w.T + b. (x @ w only runs here because w is square.)"
        )
    if like(xd @ wd.t()):
        return _("the bias is missing: y = x @ w.T + b.")
    return _(DENSE_RULE)


@graded("dense_layer")
@given(
    shapes=st.tuples(*(st.integers(0, SIDE) for _side in range(3))),
    dtype=ds.float_dtypes(),
    data=st.data(),
)
@example(shapes=(2, 2, 2), dtype=torch.float32, data=None)  # w square, not symmetric
@example(shapes=(SIDE, 1, 1), dtype=torch.float32, data=None)  # six rows: a loop shows
def test_dense_layer_matches_f_linear(kata, shapes, dtype, data):
    batch, n_in, n_out = shapes
    if data is None:
        if n_in == 2:
            x, w, b = ds.SQUARE, ds.SQUARE + 1, torch.tensor([10.0, -10.0])
        else:
            x, w, b = torch.arange(1.0, batch + 1)[:, None], torch.ones(1, 1), torch.ones(1)
        x, w, b = na.from_tensor(x), na.from_tensor(w), na.from_tensor(b)
    else:
        x = data.draw(na.arrays((batch, n_in), dtype=dtype), label="x")
        w = data.draw(na.arrays((n_out, n_in), dtype=dtype), label="w")
        b = data.draw(na.arrays((n_out,), dtype=dtype), label="b")
    with checks.hinting(_(DENSE_RULE)):  # x @ w with a non-square w raises
        got = kata.dense_layer(x, w, b)
    tx, tw, tb = (na.tensor(v) for v in (x, w, b))
    expected = F.linear(tx.double(), tw.double(), tb.double())
    magnitude = tx.double().abs() @ tw.double().abs().t() + tb.double().abs()
    bound = checks.sum_bound(tx.dtype, w.shape[1] + 1, magnitude)
    na.assert_array(
        got, expected, dtype=x.dtype, bound=bound, hint=lambda: dense_hint(got, x, w, b, bound)
    )


# --- the matmul ladder ----------------------------------------------------------

# 3 x 3, b not symmetric, no zero in the result: a loop that stops one short, or starts
# at 1, leaves a pattern the failure message can name. Then 6 x 6 x 6: every loop runs
# more often than a "no loop" or "one loop" budget allows.
LOOP_PITFALL = (
    torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]),
    torch.tensor([[1.0, -1.0, 2.0], [2.0, 0.0, 1.0], [0.5, 3.0, -1.0]]),
)
BIG = (torch.arange(SIDE * SIDE, dtype=F64).reshape(SIDE, SIDE) % 5 - 2, torch.eye(SIDE) + 1)
PITFALLS = (*ds.MATMUL_PITFALLS[:2], LOOP_PITFALL, *ds.MATMUL_PITFALLS[2:], BIG)


def check_matmul(fn, ab):
    a, b = (na.from_tensor(t) for t in ab)
    na.assert_matmul(fn(a, b), a, b)


@graded("matmul_loops")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *PITFALLS)
def test_matmul_loops_matches_torch_matmul(kata, ab):
    check_matmul(kata.matmul_loops, ab)


@graded("matmul_loops")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_loops_rejects_incompatible_shapes(kata, shapes, dtype):
    na.assert_matmul_rejects(kata.matmul_loops, shapes, dtype=dtype)


@graded("matmul_elementwise")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *PITFALLS)
def test_matmul_elementwise_matches_torch_matmul(kata, ab):
    check_matmul(kata.matmul_elementwise, ab)


@graded("matmul_elementwise")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_elementwise_rejects_incompatible_shapes(kata, shapes, dtype):
    na.assert_matmul_rejects(kata.matmul_elementwise, shapes, dtype=dtype)


@graded("matmul_broadcast")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *PITFALLS)
def test_matmul_broadcast_matches_torch_matmul(kata, ab):
    check_matmul(kata.matmul_broadcast, ab)


@graded("matmul_broadcast")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_broadcast_rejects_incompatible_shapes(kata, shapes, dtype):
    na.assert_matmul_rejects(kata.matmul_broadcast, shapes, dtype=dtype)


@graded("matmul_no_loops")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *PITFALLS)
def test_matmul_no_loops_matches_torch_matmul(kata, ab):
    check_matmul(kata.matmul_no_loops, ab)


@graded("matmul_no_loops")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_no_loops_rejects_incompatible_shapes(kata, shapes, dtype):
    na.assert_matmul_rejects(kata.matmul_no_loops, shapes, dtype=dtype)


@graded("matmul_einsum")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *PITFALLS)
def test_matmul_einsum_matches_torch_matmul(kata, ab):
    check_matmul(kata.matmul_einsum, ab)


@graded("matmul_einsum")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_einsum_rejects_incompatible_shapes(kata, shapes, dtype):
    na.assert_matmul_rejects(kata.matmul_einsum, shapes, dtype=dtype)


# --- broadcast_shapes -----------------------------------------------------------

SHAPE_HINT = N_(
    "line the shapes up from their last dimension; a missing dimension counts as 1. "
    "Sizes fit when they are equal or 1, and the result takes the one that is not 1 "
    "(0 is a size like any other: 0 with 1 gives 0). With three shapes, every one "
    "must fit the result of the others."
)


def oracle_shapes(shapes):
    """np.broadcast_shapes, cross-checked against PyTorch's broadcasting of meta tensors
    (no memory); None when they do not broadcast."""
    try:
        expected = np.broadcast_shapes(*shapes)
    except ValueError:
        expected = None
    try:
        torch_shape = tuple(
            torch.broadcast_tensors(*(torch.empty(s, device="meta") for s in shapes))[0].shape
        ) if shapes else ()
    except RuntimeError:
        torch_shape = None
    assert expected == torch_shape, f"NumPy and PyTorch disagree on {shapes}"  # a dojo bug
    return expected


@st.composite
def shape_lists(draw, *, broadcast):
    """One to three shapes that broadcast together (or, with broadcast=False, do not)."""
    if broadcast:
        a, b = draw(ds.broadcastable_shapes(), label="shapes")
    else:
        a, b = draw(ds.incompatible_shapes(), label="shapes")
    count = draw(st.integers(1 if broadcast else 2, 3), label="count")
    shapes = [a, b][:count]
    if count == 3:  # a third that fits the first two together, or a copy of the first
        c = draw(st.sampled_from([a, b, tuple(1 for _size in a)]), label="third")
        shapes.append(c)
    return tuple(shapes)


@graded("broadcast_shapes")
@given(shapes=shape_lists(broadcast=True))
@ds.pinned(
    "shapes",
    ((2, 1, 4), (3, 1)),  # aligned from the right, not from the left
    ((8, 1, 6, 1), (7, 1, 5)),  # the book's example
    ((0,), (1,)),  # 0 with 1 gives 0, not 1
    ((1, 3), (0, 1)),
    ((), ()),
    ((3,), ()),
    ((5, 4),),  # one shape: itself
    (),  # no shape at all: (), as np.broadcast_shapes() says
    ((1,), (3, 1), (1, 4)),  # three shapes
)
def test_broadcast_shapes_matches_numpy(kata, shapes):
    expected = oracle_shapes(shapes)
    call = f"broadcast_shapes({', '.join(map(str, shapes))})"
    with checks.returns_broadcast_shape(call, expected, "np.broadcast_shapes", _(SHAPE_HINT)):
        got = kata.broadcast_shapes(*shapes)
    checks.assert_broadcast_shape(got, expected, call, "np.broadcast_shapes", _(SHAPE_HINT))


@graded("broadcast_shapes")
@given(shapes=shape_lists(broadcast=False))
@ds.pinned("shapes", ((0,), (3,)), ((2, 3), (2,)), ((4, 1), (3, 2)), ((3,), (1,), (4,)))
def test_broadcast_shapes_rejects_incompatible_shapes(kata, shapes):
    assert oracle_shapes(shapes) is None
    call = f"broadcast_shapes({', '.join(map(str, shapes))})"
    with checks.raises(
        call, ValueError, why=_(
            "two aligned sizes differ and neither is 1 "
            "(np.broadcast_shapes raises ValueError too)"
        ), hint=_(SHAPE_HINT),
    ) as returned:
        returned.append(kata.broadcast_shapes(*shapes))


# --- expand_like ----------------------------------------------------------------


@graded("expand_like")
@given(case=ds.expand_cases())
@ds.pinned(
    "case",
    (torch.arange(6.0).reshape(2, 3), 1, (4, 3)),  # v = base[1] starts partway in
    (torch.arange(3.0).reshape(3, 1), None, (3, 4)),  # a size-1 dimension is repeated
    (torch.arange(12.0).reshape(2, 3, 2), 1, (3, 3, 2)),  # (3, 2) -> (3, 3, 2)
    (torch.arange(6.0).reshape(3, 2).t(), None, (4, 2, 3)),  # v is transposed
    (torch.tensor([5.0, 7.0], dtype=F64), 1, (2, 3)),  # a 0-dim v
    (torch.tensor([2.0]), None, (0,)),  # (1,) -> (0,)
)
def test_expand_like_matches_broadcast_to(kata, case):
    base, index, target = case
    base = na.from_tensor(base)
    v = base if index is None else base[index, ...]  # a view, even of one element
    m = np.zeros(target, dtype=v.dtype)
    expected = np.broadcast_to(v, target)
    got = kata.expand_like(v, m)
    hint = _(
        "here v has shape {shape} and strides {strides} (in bytes): as_strided reads "
        "v's memory from where v starts, so keep v's own strides and use stride 0 where "
        "v is repeated (new leading dimensions, and size-1 dimensions of v that m makes "
        "larger)."
    ).format(shape=v.shape, strides=v.strides)
    na.assert_array(got, torch.from_numpy(expected.copy()), dtype=v.dtype, hint=hint)
    if got.size and not np.shares_memory(got, v):
        raise fail(
            _("the result does not share the memory of v: it is a copy, but should be a view"),
            _(
                "build the result from v's own memory (np.lib.stride_tricks.as_strided), "
                "without any operation that copies values."
            ),
        )
    if got.size and got.__array_interface__["data"][0] != v.__array_interface__["data"][0]:
        raise fail(
            _("the result starts at a different place in memory than v"),
            _("as_strided(v, ...) starts where v starts: do not index v first."),
        )
    for dim, size in enumerate(got.shape):
        if size > 1 and got.size and got.strides[dim] != expected.strides[dim]:
            raise fail(
                _(
                    "result.strides={got}, but should be {want} (dimension {dim}, of size "
                    "{size})"
                ).format(got=got.strides, want=expected.strides, dim=dim, size=size),
                hint,
            )
