"""Graded tests for kata 02_matmul: each function against PyTorch itself."""

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from dojo import checks, graded
from dojo import strategies as ds


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
        x, w, b = ds.SQUARE, ds.SQUARE + 1, torch.tensor([10.0, -10.0])
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
@ds.pinned("ab", *ds.MATMUL_PITFALLS)
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
@ds.pinned("ab", *ds.MATMUL_PITFALLS)
def test_matmul_elementwise_matches_torch_matmul(kata, device, ab):
    a, b = ds.on(device, *ab)
    checks.assert_matmul(kata.matmul_elementwise(a, b), a, b)


@graded("matmul_elementwise")
@given(shapes=ds.incompatible_matmul_shapes(), dtype=ds.float_dtypes())
@ds.pinned("shapes", *ds.INCOMPATIBLE_MATMUL_PITFALLS, dtype=torch.float32)
def test_matmul_elementwise_rejects_incompatible_shapes(kata, device, shapes, dtype):
    checks.assert_matmul_rejects(kata.matmul_elementwise, shapes, dtype=dtype, device=device)
