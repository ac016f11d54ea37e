"""Graded tests for kata 02_matmul: each function against PyTorch itself."""

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import strategies as ds

F64 = torch.float64
SQUARE = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # not symmetric: a transpose shows

# Pitfalls pinned for every matmul: an empty matrix, 1x1, a square non-symmetric
# pair (where a forgotten transpose keeps the shape), float64 (the book's
# torch.zeros(ar, bc) loses it) and a non-contiguous (transposed) operand.
MATMUL_PITFALLS = [
    (torch.zeros(0, 3), torch.zeros(3, 2)),
    (torch.zeros(2, 0), torch.zeros(0, 3)),
    (torch.tensor([[3.0]]), torch.tensor([[-2.0]])),
    (SQUARE, SQUARE + 1),
    (SQUARE.to(F64), torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=F64)),
    (torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).t(), torch.tensor([[1.0, -1.0], [2.0, 0.0]])),
]


def pinned(*cases):
    """Apply @example for each (a, b) pair, as the `ab` argument."""

    def decorate(test):
        for case in reversed(cases):
            test = example(ab=case)(test)
        return test

    return decorate


def check_matmul(got, a, b):
    __tracebackhide__ = True
    expected = torch.matmul(a.double(), b.double())
    checks.assert_tensor(
        got, expected, dtype=a.dtype, device=a.device, bound=checks.matmul_bound(a, b)
    )


@graded("dense_layer")
@given(
    shapes=st.tuples(*(st.integers(0, ds.MAX_SIDE) for _ in range(3))),
    dtype=ds.float_dtypes(),
    data=st.data(),
)
@example(shapes=(2, 2, 2), dtype=torch.float32, data=None)
def test_dense_layer_matches_f_linear(kata, device, shapes, dtype, data):
    batch, n_in, n_out = shapes
    if data is None:  # the pinned square case: w is not symmetric
        x, w, b = SQUARE, SQUARE + 1, torch.tensor([10.0, -10.0])
    else:
        x = data.draw(ds.tensors((batch, n_in), dtype=dtype), label="x")
        w = data.draw(ds.tensors((n_out, n_in), dtype=dtype), label="w")
        b = data.draw(ds.tensors((n_out,), dtype=dtype), label="b")
    x, w, b = ds.on(device, x, w, b)
    got = kata.dense_layer(x, w, b)
    expected = F.linear(x.double(), w.double(), b.double())
    magnitude = x.double().abs() @ w.double().abs().t() + b.double().abs()
    checks.assert_tensor(
        got, expected, dtype=x.dtype, device=x.device,
        bound=checks.sum_bound(x.dtype, n_in + 1, magnitude.cpu()),
    )


@graded("matmul_loops")
@given(ab=ds.matmul_operands())
@pinned(*MATMUL_PITFALLS)
def test_matmul_loops_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    check_matmul(kata.matmul_loops(a, b), a, b)


@graded("matmul_loops")
@given(ab=ds.incompatible_matmul_operands())
@pinned((torch.zeros(2, 3), torch.zeros(2, 3)), (torch.zeros(1, 0), torch.zeros(2, 1)))
def test_matmul_loops_rejects_incompatible_shapes(kata, device, ab):
    a, b = ds.on(device, *ab)
    call = f"matmul_loops(a, b) with a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}"
    with checks.raises(call, shapes=(a.shape, b.shape), why="a's columns must match b's rows"):
        kata.matmul_loops(a, b)


@graded("matmul_elementwise")
@given(ab=ds.matmul_operands())
@pinned(*MATMUL_PITFALLS)
def test_matmul_elementwise_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    check_matmul(kata.matmul_elementwise(a, b), a, b)


@graded("matmul_elementwise")
@given(ab=ds.incompatible_matmul_operands())
@pinned((torch.zeros(2, 3), torch.zeros(2, 3)), (torch.zeros(1, 0), torch.zeros(2, 1)))
def test_matmul_elementwise_rejects_incompatible_shapes(kata, device, ab):
    a, b = ds.on(device, *ab)
    call = f"matmul_elementwise(a, b) with a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}"
    with checks.raises(call, shapes=(a.shape, b.shape), why="a's columns must match b's rows"):
        kata.matmul_elementwise(a, b)
