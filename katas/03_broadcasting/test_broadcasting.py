"""Graded tests for kata 03_broadcasting: each function against PyTorch itself.

Inputs reach the learner as copies (`ds.on`): the pinned tensors below are
module constants, and a function that wrote into its input would change them.
"""


import torch
from hypothesis import given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import strategies as ds
from dojo.i18n import N_, _

F64 = torch.float64
SQUARE = ds.SQUARE


# --- broadcast_shape ----------------------------------------------------------

SHAPE_HINT = N_(
    "line the shapes up from their last dimension; a missing dimension counts as 1. "
    "Two sizes fit when they are equal or one of them is 1, and the result takes the "
    "other one (0 is a size like any other: 0 with 1 gives 0)."
)


ORACLE = "torch.broadcast_shapes"


def torch_broadcast_shape(shape_a, shape_b):
    """torch.broadcast_shapes, computed by broadcasting two meta tensors (no memory):
    torch.broadcast_shapes itself imports sympy on its first call, half a second."""
    a, b = torch.empty(shape_a, device="meta"), torch.empty(shape_b, device="meta")
    return tuple(torch.broadcast_tensors(a, b)[0].shape)


def torch_broadcast_error(shape_a, shape_b):
    """What torch says about two shapes that do not broadcast: its error message."""
    try:
        torch_broadcast_shape(shape_a, shape_b)
    except RuntimeError as exc:
        return str(exc).strip().splitlines()[0]
    raise AssertionError(f"{shape_a} and {shape_b} broadcast")  # a bug in the strategy


@graded("broadcast_shape")
@given(shapes=ds.broadcastable_shapes())
@ds.pinned(
    "shapes",
    ((2, 1, 4), (3, 1)),  # aligned from the right, not from the left
    ((8, 1, 6, 1), (7, 1, 5)),  # the book's example
    ((0,), (1,)),  # 0 with 1 gives 0, not 1
    ((1, 3), (0, 1)),
    ((), ()),
    ((3,), ()),
    ((), (2, 1)),
)
def test_broadcast_shape_matches_torch(kata, shapes):
    shape_a, shape_b = shapes
    expected = torch_broadcast_shape(shape_a, shape_b)
    call = f"broadcast_shape({shape_a}, {shape_b})"
    with checks.returns_broadcast_shape(call, expected, ORACLE, _(SHAPE_HINT)):
        got = kata.broadcast_shape(shape_a, shape_b)
    checks.assert_broadcast_shape(got, expected, call, ORACLE, _(SHAPE_HINT))


@graded("broadcast_shape")
@given(shapes=ds.incompatible_shapes())
@ds.pinned("shapes", ((0,), (3,)), ((2, 3), (2,)), ((4, 1), (3, 2)), ((2, 1), (8, 4, 3)))
def test_broadcast_shape_rejects_incompatible_shapes(kata, shapes):
    shape_a, shape_b = shapes
    call = f"broadcast_shape({shape_a}, {shape_b})"
    why = _(
        "two aligned sizes differ and neither is 1 (torch.broadcast_shapes raises "
        "RuntimeError: {error})"
    ).format(error=torch_broadcast_error(shape_a, shape_b))
    with checks.raises(
        call, ValueError, shapes=(shape_a, shape_b), why=why, hint=_(SHAPE_HINT)
    ) as returned:
        returned.append(kata.broadcast_shape(shape_a, shape_b))


# --- all_greater --------------------------------------------------------------

# "apart" makes every a > b; "touching" too, except where both are 0 (a tie).
SHIFTS = ("free", "apart", "touching")


@graded("all_greater")
@given(ab=ds.broadcastable_operands(), shift=st.sampled_from(SHIFTS))
@ds.pinned(
    "ab",
    (torch.tensor([2.0, 3.0]), torch.tensor([1.0, 3.0])),  # one tie: not greater
    (torch.tensor(1.0), torch.tensor(1.0)),
    (torch.tensor([1.0, 5.0]), torch.tensor([0.0, 4.0])),  # min(a) < max(b), still True
    (torch.tensor([[1.0], [2.0]]), torch.tensor([0.0, 0.5, -1.0])),  # (2, 1) vs (3,): True
    (torch.tensor([[1.0], [2.0]]), torch.tensor([0.0, 1.5, -1.0])),  # False
    (torch.zeros(0, 3), torch.zeros(3)),  # no elements: True, like torch.all
    (torch.zeros(1), torch.zeros(0)),
    (torch.tensor([[2.0, 1.0], [3.0, 4.0]], dtype=F64).t(), torch.tensor([0.5, -1.0], dtype=F64)),
    shift="free",
)
def test_all_greater_matches_torch(kata, device, ab, shift):
    a, b = ab
    if shift == "apart":  # in place on fresh tensors: keeps their layout
        a, b = a.abs_().add_(0.5), b.abs_().neg_()
    elif shift == "touching":
        a, b = a.abs_(), b.abs_().neg_()
    a, b = ds.on(device, a, b)
    expected = bool((a > b).all())
    got = kata.all_greater(a, b)
    checks.assert_equal(
        got, expected,
        hint=_(
            "every element must be strictly greater (a tie is not), after broadcasting; "
            "bool(...) turns a one-element tensor into a Python bool."
        ),
    )


# --- add_column_vector --------------------------------------------------------


@st.composite
def matrix_and_column(draw):
    rows, cols = draw(st.integers(0, ds.MAX_SIDE)), draw(st.integers(0, ds.MAX_SIDE))
    dtype = draw(ds.float_dtypes(), label="dtype")
    return draw(ds.tensors((rows, cols), dtype=dtype), label="m"), draw(
        ds.tensors((rows,), dtype=dtype), label="c"
    )


@graded("add_column_vector")
@given(mc=matrix_and_column())
@ds.pinned(
    "mc",
    (SQUARE, torch.tensor([10.0, -20.0])),  # square: adding c as a row keeps the shape
    (torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), torch.tensor([10.0, -20.0])),
    (torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).t(), torch.tensor([1.0, 2.0, 3.0])),
    (torch.zeros(0, 3), torch.zeros(0)),
    (torch.zeros(3, 0), torch.zeros(3)),
    (SQUARE.to(F64), torch.tensor([0.5, -1.0], dtype=F64)),
)
def test_add_column_vector_matches_torch(kata, device, mc):
    m, c = ds.on(device, *mc)
    got = kata.add_column_vector(m, c)
    expected = m.double() + c.double()[:, None]
    magnitude = (m.double().abs() + c.double().abs()[:, None]).cpu()
    checks.assert_tensor(
        got, expected, dtype=m.dtype, device=m.device,
        bound=checks.sum_bound(m.dtype, 2, magnitude),
        hint=_(
            "c[i] belongs to row i: c[:, None] has shape (rows, 1) and is added to every column."
        ),
    )


# --- normalize_channels -------------------------------------------------------

IMAGE_SIDE = 4


@st.composite
def images_mean_std(draw):
    n, c, h, w = (draw(st.integers(0, IMAGE_SIDE), label=d) for d in "NCHW")
    dtype = draw(ds.float_dtypes(), label="dtype")
    images = draw(ds.tensors((n, c, h, w), dtype=dtype), label="images")
    mean = draw(ds.tensors((c,), dtype=dtype), label="mean")
    std = draw(ds.tensors((c,), dtype=dtype), label="std").abs_().add_(0.5)  # >= 0.5
    return images, mean, std


NCHW_333 = torch.arange(27.0).reshape(1, 3, 3, 3)  # H == W == C: a wrong axis keeps the shape
TWO_MEANS, TWO_STDS = torch.tensor([1.0, -1.0]), torch.tensor([0.5, 4.0])


@graded("normalize_channels")
@given(ims=images_mean_std())
@ds.pinned(
    "ims",
    (NCHW_333, torch.tensor([1.0, -2.0, 3.0]), torch.tensor([0.5, 2.0, 4.0])),
    (torch.arange(24.0).reshape(2, 2, 2, 3), TWO_MEANS, TWO_STDS),  # H == C
    (torch.arange(24.0).reshape(2, 2, 3, 2), TWO_MEANS, TWO_STDS),  # W == C
    (torch.zeros(0, 3, 2, 2), torch.zeros(3), torch.ones(3)),
    (
        NCHW_333.to(F64).contiguous(memory_format=torch.channels_last),
        torch.tensor([1.0, -2.0, 3.0]).to(F64),
        torch.tensor([0.5, 2.0, 4.0]).to(F64),
    ),
)
def test_normalize_channels_matches_torch(kata, device, ims):
    images, mean, std = ds.on(device, *ims)
    got = kata.normalize_channels(images, mean, std)
    x, mu, sigma = images.double(), mean.double()[:, None, None], std.double()[:, None, None]
    expected = (x - mu) / sigma
    # Any correct order (subtract then divide, multiply by 1/std, x/std - mean/std)
    # rounds a few times per element: within a few ulps of (|x| + |mean|) / std.
    magnitude = ((x.abs() + mu.abs()) / sigma).cpu()
    checks.assert_tensor(
        got, expected, dtype=images.dtype, device=images.device,
        bound=checks.sum_bound(images.dtype, 2, magnitude),
        hint=_(
            "mean and std have one value per channel, and channels are dimension 1 of "
            "(N, C, H, W): mean[:, None, None] has shape (C, 1, 1) and lines up with it."
        ),
    )


# --- expand_like --------------------------------------------------------------


@graded("expand_like")
@given(case=ds.expand_cases())
@ds.pinned(
    "case",
    (torch.arange(6.0).reshape(2, 3), 1, (4, 3)),  # v = base[1] starts at offset 3
    (torch.arange(3.0).reshape(3, 1), None, (3, 4)),  # a size-1 dimension is repeated
    (torch.arange(12.0).reshape(2, 3, 2), 1, (3, 3, 2)),  # (3, 2) -> (3, 3, 2)
    (torch.arange(6.0).reshape(2, 3, 1), 1, (2, 3, 5)),  # offset and a size-1 dimension
    (torch.arange(6.0).reshape(3, 2).t(), None, (4, 2, 3)),  # v is transposed
    (torch.tensor([5.0, 7.0], dtype=F64), 1, (2, 3)),  # a 0-dim v
    (torch.tensor([2.0]), None, (0,)),  # (1,) -> (0,)
)
def test_expand_like_matches_expand_as(kata, device, case):
    base, index, target = case
    base = ds.on(device, base)
    v = base if index is None else base[index]  # sliced on the device: keeps the offset
    m = torch.zeros(target, dtype=v.dtype, device=v.device)
    expected = v.expand_as(m)
    got = kata.expand_like(v, m)
    hint = _(
        "here v has shape {shape}, strides {strides} and storage_offset "
        "{offset}: as_strided counts in v's memory, so keep v's own strides "
        "and offset, and use stride 0 where v is repeated (new leading dimensions, and "
        "size-1 dimensions of v that m makes larger)."
    ).format(shape=tuple(v.shape), strides=tuple(v.stride()), offset=v.storage_offset())
    checks.assert_tensor(got, expected, hint=hint)
    checks.assert_view_of(got, v, expected, source_name="v", hint=hint)


# --- matmul_broadcast and matmul_no_loops -------------------------------------

# 3 x 3, b not symmetric, no zero in the result: a loop over the rows that stops one
# short leaves a pattern the failure message can name (a zero row). Tried after the
# empty pitfalls, before the 1 x 1 one (where such a slip gives a plain 0).
LOOP_PITFALL = (
    torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]),
    torch.tensor([[1.0, -1.0, 2.0], [2.0, 0.0, 1.0], [0.5, 3.0, -1.0]]),
)
MATMUL_PITFALLS = (*ds.MATMUL_PITFALLS[:2], LOOP_PITFALL, *ds.MATMUL_PITFALLS[2:])


@graded("matmul_broadcast")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *MATMUL_PITFALLS)
def test_matmul_broadcast_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    checks.assert_matmul(kata.matmul_broadcast(a, b), a, b)


@graded("matmul_broadcast")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_broadcast_rejects_incompatible_shapes(kata, device, shapes, dtype):
    checks.assert_matmul_rejects(kata.matmul_broadcast, shapes, dtype=dtype, device=device)


@graded("matmul_no_loops")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *MATMUL_PITFALLS)
def test_matmul_no_loops_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    checks.assert_matmul(kata.matmul_no_loops(a, b), a, b)


@graded("matmul_no_loops")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_no_loops_rejects_incompatible_shapes(kata, device, shapes, dtype):
    checks.assert_matmul_rejects(kata.matmul_no_loops, shapes, dtype=dtype, device=device)


# --- pairwise_sq_distances ----------------------------------------------------


@st.composite
def point_sets(draw):
    n, m, d = (draw(st.integers(0, ds.MAX_SIDE), label=s) for s in "NMD")
    dtype = draw(ds.float_dtypes(), label="dtype")
    return draw(ds.tensors((n, d), dtype=dtype), label="x"), draw(
        ds.tensors((m, d), dtype=dtype), label="y"
    )


POINTS = torch.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])


@graded("pairwise_sq_distances")
@given(xy=point_sets())
@ds.pinned(
    "xy",
    (torch.tensor([[3.0]]), torch.tensor([[-2.0]])),  # 25: squared, not 5
    (torch.tensor([[0.0, 0.0], [1.0, 0.0]]), torch.tensor([[0.0, 1.0], [3.0, 0.0]])),  # square
    (POINTS, POINTS[:2]),  # N != M
    (POINTS, POINTS),  # zero on the diagonal
    (torch.zeros(0, 3), torch.zeros(2, 3)),
    (torch.zeros(2, 0), torch.zeros(3, 0)),  # D = 0: every distance is 0
    (POINTS.t().to(F64).contiguous().t(), torch.tensor([[0.5, -1.0]], dtype=F64)),
)
def test_pairwise_sq_distances_matches_torch(kata, device, xy):
    x, y = ds.on(device, *xy)
    got = kata.pairwise_sq_distances(x, y)
    xd, yd = x.double()[:, None, :], y.double()[None, :, :]
    expected = ((xd - yd) ** 2).sum(dim=-1)
    # Both the direct sum of (x - y)**2 and the expanded |x|^2 + |y|^2 - 2 x.y are
    # accepted: the bound is a sum bound over D + 2 terms of (|x| + |y|)**2.
    magnitude = ((xd.abs() + yd.abs()) ** 2).sum(dim=-1).cpu()
    checks.assert_tensor(
        got, expected, dtype=x.dtype, device=x.device,
        bound=checks.sum_bound(x.dtype, x.shape[1] + 2, magnitude),
        hint=_("x[:, None, :] - y[None, :, :] is (N, M, D): square it, then sum over D."),
    )
