"""Graded tests for kata 02_matmul: each function against PyTorch itself."""

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import strategies as ds
from dojo.i18n import N_, _

DENSE_RULE = N_(
    "y[i, j] is row i of x times row j of w, summed, plus b[j]: w is (n_out, n_in), one "
    "row per output (nn.Linear's layout), so y = x @ w.t() + b, and b, one value per "
    "output, is added to every row."
)


def dense_hint(got, x, w, b, bound):
    """What a wrong dense layer (of the right shape) looks like, for "Look at:"."""
    g, xd, wd, bd = checks.cpu64(got, x, w, b)
    n, n_out = g.shape

    def like(candidate):
        return candidate.shape == g.shape and bool(checks.within(g, candidate, bound).all())

    if wd.shape[0] == wd.shape[1] and like(xd @ wd + bd):
        return _(
            "the result is x @ w + b: w is (n_out, n_in), one row per output, so it must "
            "be transposed: x @ w.t() + b. (x @ w only runs here because w is square.)"
        )
    if like(xd @ wd.t()):
        return _("the bias is missing: y = x @ w.t() + b.")
    if n <= n_out and like(xd @ wd.t() + bd[:n, None]):
        return _(
            "b[i] is added to row i: b has one value per output, a column of the result, "
            "so x @ w.t() + b adds b[j] to column j of every row."
        )
    return _(DENSE_RULE)


@graded("dense_layer")
@given(
    shapes=st.tuples(*(st.integers(0, ds.MAX_SIDE) for _side in range(3))),
    dtype=ds.float_dtypes(),
    data=st.data(),
)
@example(shapes=(2, 2, 2), dtype=torch.float32, data=None)
def test_dense_layer_matches_f_linear(kata, device, shapes, dtype, data):
    batch, n_in, n_out = shapes
    if data is None:  # the pinned square case: w is not symmetric
        x, w, b = ds.SQUARE, ds.SQUARE + 1, torch.tensor([10.0, -10.0])
    else:
        x = data.draw(ds.tensors((batch, n_in), dtype=dtype), label="x")
        w = data.draw(ds.tensors((n_out, n_in), dtype=dtype), label="w")
        b = data.draw(ds.tensors((n_out,), dtype=dtype), label="b")
    x, w, b = ds.on(device, x, w, b)
    with checks.hinting(_(DENSE_RULE)):  # x @ w with a non-square w raises
        got = kata.dense_layer(x, w, b)
    expected = F.linear(x.double(), w.double(), b.double())
    magnitude = x.double().abs() @ w.double().abs().t() + b.double().abs()
    bound = checks.sum_bound(x.dtype, w.shape[1] + 1, magnitude.cpu())
    checks.assert_like(got, expected, dtype=x.dtype, device=x.device)
    checks.assert_values(got, expected, bound=bound, hint=lambda: dense_hint(got, x, w, b, bound))


# 3 x 3, b not symmetric, no zero in the result: a loop that stops one short, or starts
# at 1, leaves a pattern the failure message can name (a zero row, a missing last term),
# and b[j, k] for b[k, j] runs (square) and reads as a @ b.t(). Tried after the empty
# pitfalls, before the 1 x 1 one (where every such slip gives a plain 0).
LOOP_PITFALL = (
    torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]),
    torch.tensor([[1.0, -1.0, 2.0], [2.0, 0.0, 1.0], [0.5, 3.0, -1.0]]),
)
PITFALLS = (*ds.MATMUL_PITFALLS[:2], LOOP_PITFALL, *ds.MATMUL_PITFALLS[2:])


@graded("matmul_loops")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *PITFALLS)
def test_matmul_loops_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    checks.assert_matmul(kata.matmul_loops(a, b), a, b)


@graded("matmul_loops")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_loops_rejects_incompatible_shapes(kata, device, shapes, dtype):
    checks.assert_matmul_rejects(kata.matmul_loops, shapes, dtype=dtype, device=device)


@graded("matmul_elementwise")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *PITFALLS)
def test_matmul_elementwise_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    checks.assert_matmul(kata.matmul_elementwise(a, b), a, b)


@graded("matmul_elementwise")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_elementwise_rejects_incompatible_shapes(kata, device, shapes, dtype):
    checks.assert_matmul_rejects(kata.matmul_elementwise, shapes, dtype=dtype, device=device)
