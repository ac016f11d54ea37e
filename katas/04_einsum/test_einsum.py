"""Graded tests for kata 04_einsum: each function against PyTorch itself.

Inputs reach the learner as copies (`ds.on`): the pinned tensors below are
module constants, and a function that wrote into its input would change them.
"""

import math
import re

import torch
from hypothesis import given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import strategies as ds
from dojo.i18n import N_, _

F64 = torch.float64
SQUARE = ds.SQUARE
WIDE = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


# --- matmul_einsum ------------------------------------------------------------


@graded("matmul_einsum")
@given(ab=ds.matmul_operands())
@ds.pinned("ab", *ds.MATMUL_PITFALLS)
def test_matmul_einsum_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    checks.assert_matmul(kata.matmul_einsum(a, b), a, b)


# --- transpose_einsum ---------------------------------------------------------


@st.composite
def matrices(draw):
    shape = (draw(st.integers(0, ds.MAX_SIDE), label="rows"), draw(st.integers(0, ds.MAX_SIDE)))
    return draw(ds.tensors(shape, dtype=draw(ds.float_dtypes(), label="dtype")), label="a")


@graded("transpose_einsum")
@given(a=matrices())
@ds.pinned("a", SQUARE, WIDE, torch.zeros(0, 3), WIDE.t().to(F64), torch.tensor([[5.0]]))
def test_transpose_einsum_matches_t(kata, device, a):
    a = ds.on(device, a)
    checks.assert_tensor(
        kata.transpose_einsum(a), a.t(),
        hint=_("'ij->ji': the output names the same letters in the other order."),
    )


# --- batch_matmul_einsum ------------------------------------------------------


@st.composite
def batch_operands(draw):
    n, i, k, j = (draw(st.integers(0, ds.MAX_SIDE), label=d) for d in "bikj")
    dtype = draw(ds.float_dtypes(), label="dtype")
    a = draw(ds.tensors((n, i, k), dtype=dtype), label="a")
    return a, draw(ds.tensors((n, k, j), dtype=dtype), label="b")


SQUARES = torch.stack([SQUARE, SQUARE + 1, -SQUARE])  # three different non-symmetric matrices


@graded("batch_matmul_einsum")
@given(ab=batch_operands())
@ds.pinned(
    "ab",
    (SQUARES, SQUARES.flip(0)),  # summing over the batch, or pairing a[n] with b[m], shows
    (WIDE[None], WIDE.t()[None]),  # i != j: a transposed operand changes the shape
    (torch.zeros(0, 2, 3), torch.zeros(0, 3, 2)),  # an empty batch
    (torch.zeros(2, 2, 0), torch.zeros(2, 0, 3)),  # k = 0: every sum is empty
    (SQUARES.to(F64).transpose(1, 2), SQUARES.to(F64)),  # float64, a non-contiguous view
)
def test_batch_matmul_einsum_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    checks.assert_matmul(kata.batch_matmul_einsum(a, b), a, b)


# --- bilinear_einsum ----------------------------------------------------------


@st.composite
def bilinear_operands(draw):
    n, i, j = (draw(st.integers(0, ds.MAX_SIDE), label=d) for d in "bij")
    dtype = draw(ds.float_dtypes(), label="dtype")
    a = draw(ds.tensors((n, i), dtype=dtype), label="a")
    w = draw(ds.tensors((i, j), dtype=dtype), label="w")
    return a, w, draw(ds.tensors((n, j), dtype=dtype), label="c")


@graded("bilinear_einsum")
@given(awc=bilinear_operands())
@ds.pinned(
    "awc",
    (SQUARE, SQUARE + 1, -SQUARE),  # w is not symmetric: a transposed w shows
    (WIDE, WIDE.t(), torch.tensor([[1.0, -1.0], [0.5, 2.0]])),  # i != j
    (torch.tensor([[1.0, 2.0]]), SQUARE, torch.tensor([[3.0, -1.0]])),  # one row
    (torch.zeros(0, 2), SQUARE, torch.zeros(0, 2)),  # no rows
    (torch.zeros(3, 0), torch.zeros(0, 2), torch.ones(3, 2)),  # i = 0: every sum is empty
    (SQUARE.to(F64).t(), (SQUARE + 1).to(F64), SQUARE.to(F64)),
)
def test_bilinear_einsum_matches_matmul_then_sum(kata, device, awc):
    a, w, c = ds.on(device, *awc)
    got = kata.bilinear_einsum(a, w, c)
    ad, wd, cd = a.double(), w.double(), c.double()
    expected = ((ad @ wd) * cd).sum(dim=-1)
    magnitude = ((ad.abs() @ wd.abs()) * cd.abs()).sum(dim=-1).cpu()
    checks.assert_tensor(
        got, expected, dtype=a.dtype, device=a.device,
        bound=checks.sum_bound(a.dtype, w.shape[0] * w.shape[1], magnitude),
        hint=_(
            "one value per row b: the sum over i and j of a[b, i] * w[i, j] * c[b, j]. "
            "Only b is in the output; i and j are summed."
        ),
    )


# --- einsum2: values ----------------------------------------------------------


def letter_sizes(equation, x_shape, y_shape):
    """Each letter's size after broadcasting (a size-1 side takes the other's size)."""
    x, y, _output = ds.einsum_parts(equation)
    sizes = dict(zip(x, x_shape, strict=True))
    for c, size in zip(y, y_shape, strict=True):
        if sizes.get(c, 1) == 1:
            sizes[c] = size
    return sizes


def letters_hint(equation, x_shape, y_shape):
    """What each letter of this example does, in words."""
    x, y, output = ds.einsum_parts(equation)
    roles = []
    for c, size in letter_sizes(equation, x_shape, y_shape).items():
        where = _("x and y") if c in x and c in y else _("x only") if c in x else _("y only")
        role = _("kept") if c in output else _("summed")
        roles.append(
            _("{letter} ({where}, size {size}): {role}").format(
                letter=c, where=where, size=size, role=role
            )
        )
    detail = _("; ").join(roles) if roles else _("no letters: x times y")
    return _(
        "in {equation!r}, {detail}. The output is {output!r}: its letters in that order. "
        "A letter of size 1 in one operand broadcasts against the other's size."
    ).format(equation=equation, detail=detail, output=output)


EINSUM_PITFALLS = (
    ("ij,jk->ik", SQUARE, SQUARE + 1),  # the matrix product
    ("ij,jk->ki", WIDE, torch.arange(12.0).reshape(3, 4) - 5),  # the transpose of x @ y
    ("ij,k->k", WIDE, torch.tensor([1.0, -2.0])),  # i and j are summed, in x only
    ("ijk,->j", torch.arange(24.0).reshape(2, 3, 4), torch.tensor(0.5)),  # all but one, 0-dim y
    ("ij,ji->", SQUARE, SQUARE + 1),  # y's letters in the other order; a 0-dim result
    ("i,j->ij", torch.arange(6.0), torch.arange(5.0) - 2),  # nothing summed: an outer product
    ("ij,ij->ij", SQUARE, SQUARE + 1),  # nothing summed, nothing moved
    (",->", torch.tensor(2.0), torch.tensor(-3.0)),  # two 0-dim operands
    (",i->i", torch.tensor(2.0), torch.tensor([1.0, -1.0, 3.0])),
    ("i,->", torch.tensor([1.0, -1.0, 3.0]), torch.tensor(2.0)),
    ("ij,jk->ik", torch.zeros(2, 0), torch.zeros(0, 3)),  # j has size 0: every sum is empty
    ("ij,jk->ik", torch.zeros(0, 2), torch.ones(2, 3)),  # i has size 0: an empty result
    ("ij,jk->ik", torch.tensor([[1.0], [2.0]]), WIDE),  # j: size 1 in x broadcasts against 2
    ("i,i->i", torch.tensor([2.0]), torch.tensor([1.0, -1.0, 3.0])),  # a kept size-1 letter
    ("ij,j->ij", torch.ones(2, 1), torch.zeros(0)),  # size 1 against size 0 gives 0
    ("abcd,dcba->ad", torch.arange(24.0).reshape(1, 2, 3, 4) / 8,
     torch.arange(24.0).reshape(4, 3, 2, 1) - 12),
    ("bij,bjk->kbi", torch.arange(12.0, dtype=F64).reshape(2, 3, 2),
     torch.arange(8.0, dtype=F64).reshape(2, 2, 2).transpose(1, 2)),  # float64, a view
)


@graded("einsum2")
@given(case=ds.einsum_operands(max_side=4))
@ds.pinned("case", *EINSUM_PITFALLS)
def test_einsum2_matches_torch_einsum(kata, device, case):
    equation, x, y = case
    x, y = ds.on(device, x, y)
    got = kata.einsum2(equation, x, y)
    expected = torch.einsum(equation, x.double(), y.double())
    magnitude = torch.einsum(equation, x.double().abs(), y.double().abs()).cpu()
    sizes = letter_sizes(equation, x.shape, y.shape)
    output = ds.einsum_parts(equation)[2]
    terms = math.prod(size for c, size in sizes.items() if c not in output)
    checks.assert_tensor(
        got, expected, dtype=x.dtype, device=x.device,
        bound=checks.sum_bound(x.dtype, terms, magnitude),
        hint=letters_hint(equation, x.shape, y.shape),
    )


# --- einsum2: errors ----------------------------------------------------------


def zeros(shape, device):
    return torch.zeros(shape, device=device)


SIZE_PITFALLS = (
    ("ij,jk->ik", (2, 3), (4, 5), "j"),  # the matrix product with the wrong inner size
    ("i,i->i", (0,), (2,), "i"),  # 0 is a size like any other: 0 and 2 do not fit
    ("ab,cb->ac", (2, 3), (2, 2), "b"),  # both have two rows: the clash is in b
    ("pq,qp->", (2, 1), (3, 3), "p"),  # q broadcasts (1 against 3); p does not (2 against 3)
)


@graded("einsum2")
@given(case=ds.mismatched_einsum_shapes(max_side=4))
@ds.pinned("case", *SIZE_PITFALLS)
def test_einsum2_rejects_sizes_that_do_not_fit(kata, device, case):
    equation, x_shape, y_shape, letter = case
    x, y = zeros(x_shape, device), zeros(y_shape, device)
    call = _("einsum2({equation!r}, x, y) with x.shape={x_shape}, y.shape={y_shape}").format(
        equation=equation, x_shape=x_shape, y_shape=y_shape
    )
    with checks.raises(
        call, ValueError,
        why=_("letter {letter!r} has two different sizes and neither is 1").format(letter=letter),
        match=rf"(?<![A-Za-z]){letter}(?![A-Za-z])",
        names=_("the letter {letter!r} (on its own, not inside a word)").format(letter=letter),
    ):
        kata.einsum2(equation, x, y)


MALFORMED_PITFALLS = (
    ("ij,jk", (2, 3), (3, 4), "arrow"),  # torch's implicit form: not in this contract
    ("ij,jk->ik->ik", (2, 3), (3, 4), "arrow"),
    ("Ij,jk->Ik", (2, 3), (3, 4), "character"),  # torch takes upper case too
    ("...ij,jk->...ik", (2, 3), (3, 4), "character"),  # torch's ellipsis
    ("i1,1j->ij", (2, 3), (3, 4), "character"),
    ("ii,ij->j", (3, 3), (3, 4), "repeated letter"),  # torch would take the diagonal
    ("ij,jk->iz", (2, 3), (3, 4), "unknown output letter"),
    ("ij,jk->ii", (2, 3), (3, 4), "repeated output letter"),
    ("ij,jk->ik", (2, 3, 1), (3, 4), "dimensions"),
    ("ij,jk->ik", (), (3, 4), "dimensions"),
    ("ij->ji", (2, 3), (3, 2), "operands"),
    ("i,j,k->ijk", (2,), (3,), "operands"),
)

DEFECTS = {
    "arrow": N_("an equation needs exactly one '->'"),
    "character": N_("only lower-case letters a-z, one ',' and one '->' may appear"),
    "repeated letter": N_("a letter may appear at most once in each operand"),
    "unknown output letter": N_("every output letter must be in x or in y"),
    "repeated output letter": N_("a letter may appear at most once in the output"),
    "dimensions": N_("each operand needs one dimension per letter of its subscripts"),
    "operands": N_("einsum2 takes two operands: one ',' before the '->'"),
}


@graded("einsum2")
@given(case=ds.malformed_einsum_cases(max_side=4))
@ds.pinned("case", *MALFORMED_PITFALLS)
def test_einsum2_rejects_malformed_calls(kata, device, case):
    equation, x_shape, y_shape, defect = case
    x, y = zeros(x_shape, device), zeros(y_shape, device)
    call = _("einsum2({equation!r}, x, y) with x.shape={x_shape}, y.shape={y_shape}").format(
        equation=equation, x_shape=x_shape, y_shape=y_shape
    )
    with checks.raises(
        call, ValueError,
        why=_(DEFECTS[defect]),
        match=re.escape(equation),
        names=_("the equation {equation!r}").format(equation=equation),
    ):
        kata.einsum2(equation, x, y)
