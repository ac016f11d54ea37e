"""dojo.strategies: every strategy draws what its docstring promises."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dojo import grads, nparrays
from dojo import strategies as ds

small_shapes = ds.shapes(max_dims=3, max_side=4)


def first_error(make: Callable[[], st.SearchStrategy]) -> BaseException | None:
    """The exception raised while building or drawing from a strategy, or None."""
    try:
        find(make(), lambda _: True, settings=settings(database=None, max_examples=50))
    except BaseException as exc:
        return exc
    return None


# --- shapes -----------------------------------------------------------------


@given(
    bounds=st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 6), st.integers(0, 6))
    .filter(lambda b: b[0] <= b[1] and b[2] <= b[3]),
    data=st.data(),
)
def test_shapes_stay_within_the_requested_bounds(bounds, data):
    min_dims, max_dims, min_side, max_side = bounds
    shape = data.draw(
        ds.shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    )
    assert isinstance(shape, tuple)
    assert min_dims <= len(shape) <= max_dims
    assert all(isinstance(s, int) and min_side <= s <= max_side for s in shape)


def test_shapes_include_zero_size_dimensions_by_default():
    shape = find(ds.shapes(min_dims=1), lambda s: 0 in s)
    assert 0 in shape


def test_shapes_include_scalars_and_the_largest_side_by_default():
    assert find(ds.shapes(), lambda s: True) == ()
    assert ds.MAX_SIDE in find(ds.shapes(min_dims=1), lambda s: ds.MAX_SIDE in s)
    assert len(find(ds.shapes(), lambda s: len(s) == ds.MAX_DIMS)) == ds.MAX_DIMS


@given(ds.shapes(min_side=1))
def test_shapes_with_min_side_1_have_no_zero_size_dimension(shape):
    assert 0 not in shape


@given(ds.matmul_shapes())
def test_matmul_shapes_have_agreeing_inner_sizes(shapes):
    (n, k), (k2, m) = shapes
    assert k == k2
    assert all(0 <= s <= ds.MAX_SIDE for s in (n, k, m))
    torch.empty(n, k) @ torch.empty(k2, m)  # torch agrees they multiply


@given(ds.matmul_shapes(min_side=2, max_side=3))
def test_matmul_shapes_respect_side_bounds(shapes):
    assert all(2 <= s <= 3 for shape in shapes for s in shape)


def test_matmul_shapes_reach_empty_matrices():
    (_, k), _ = find(ds.matmul_shapes(), lambda s: s[0][1] == 0)
    assert k == 0


@given(ds.incompatible_matmul_shapes())
def test_incompatible_matmul_shapes_have_different_inner_sizes(shapes):
    (n, k), (j, m) = shapes
    assert k != j
    assert all(0 <= s <= ds.MAX_SIDE for s in (n, k, j, m))
    with pytest.raises(RuntimeError):
        torch.empty(n, k) @ torch.empty(j, m)


@given(ds.broadcastable_shapes())
def test_broadcastable_shapes_agree_with_torch_broadcast_shapes(shapes):
    a, b = shapes
    out = torch.broadcast_shapes(a, b)
    assert len(out) == max(len(a), len(b))
    assert len(a) <= ds.MAX_DIMS and len(b) <= ds.MAX_DIMS
    assert all(0 <= s <= ds.MAX_SIDE for s in (*a, *b))


def test_broadcastable_shapes_reach_zero_size_and_size_1_pairs():
    a, b = find(
        ds.broadcastable_shapes(min_dims=1),
        lambda s: any(x == 0 and y == 1 for x, y in zip(s[0][::-1], s[1][::-1], strict=False)),
    )
    assert 0 in torch.broadcast_shapes(a, b)


@given(ds.incompatible_shapes())
def test_incompatible_shapes_make_torch_broadcast_shapes_raise(shapes):
    a, b = shapes
    assert 1 <= len(a) <= ds.MAX_DIMS and 1 <= len(b) <= ds.MAX_DIMS
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes(a, b)


@given(ds.float_dtypes())
def test_float_dtypes_are_float32_or_float64(dtype):
    assert dtype in (torch.float32, torch.float64)


# --- tensors ----------------------------------------------------------------


@given(shape=small_shapes, dtype=ds.float_dtypes(), data=st.data())
def test_tensors_have_the_requested_shape_dtype_and_bounded_values(shape, dtype, data):
    t = data.draw(ds.tensors(shape, dtype=dtype))
    assert isinstance(t, torch.Tensor)
    assert t.shape == shape
    assert t.dtype == dtype
    assert t.device.type == "cpu"
    assert not t.requires_grad
    assert bool(t.isfinite().all())
    assert bool((t.abs() <= ds.MAX_MAGNITUDE).all())


@given(shape=small_shapes, data=st.data())
def test_ints_kind_gives_small_whole_numbers(shape, data):
    t = data.draw(ds.tensors(shape, dtype=torch.float64, kinds=["ints"]))
    assert torch.equal(t, t.round())
    assert bool((t.abs() <= 4).all())


@pytest.mark.parametrize("kind", ds.KINDS)
def test_each_kind_can_be_drawn_alone(kind):
    t = find(ds.tensors((3, 3), kinds=[kind]), lambda t: bool(t.abs().sum() > 0))
    whole = torch.equal(t, t.round())
    assert whole == (kind == "ints")


def test_non_integer_kinds_reach_values_beyond_the_ints_range():
    t = find(ds.tensors((4, 4), kinds=["uniform"]), lambda t: bool(t.abs().max() > 5))
    assert 5 < float(t.abs().max()) <= ds.MAX_MAGNITUDE


@given(shape=small_shapes, data=st.data())
def test_transposed_layout_is_a_non_contiguous_view_when_it_can_be(shape, data):
    t = data.draw(ds.tensors(shape, layouts=["transposed"]))
    assert t.shape == shape
    can_be = t.numel() > 0 and sum(s > 1 for s in shape) >= 2
    if can_be:
        assert not t.is_contiguous(), (shape, t.stride())


@given(shape=small_shapes, data=st.data())
def test_strided_layout_is_non_contiguous_when_it_can_be(shape, data):
    t = data.draw(ds.tensors(shape, layouts=["strided"]))
    assert t.shape == shape
    if t.numel() > 1:
        assert not t.is_contiguous(), (shape, t.stride())


@given(shape=small_shapes, data=st.data())
def test_contiguous_layout_is_contiguous(shape, data):
    assert data.draw(ds.tensors(shape, layouts=["contiguous"])).is_contiguous()


def test_default_layouts_include_non_contiguous_tensors():
    t = find(ds.tensors((3, 4)), lambda t: not t.is_contiguous())
    assert t.shape == (3, 4)


def test_the_same_draw_gives_the_same_values_whatever_torchs_global_seed():
    drawn: list[list[torch.Tensor]] = [[], []]
    run = 0

    @settings(derandomize=True, database=None, max_examples=30,
              suppress_health_check=list(HealthCheck))
    @given(shape=small_shapes, data=st.data())
    def draw_some(shape, data):
        torch.rand(3)  # move the global RNG on between draws, differently in each run
        drawn[run].append(data.draw(ds.tensors(shape, dtype=torch.float64)))

    torch.manual_seed(1)
    draw_some()
    run = 1
    torch.manual_seed(12345)
    draw_some()
    assert len(drawn[0]) == len(drawn[1]) > 10
    assert any(t.numel() > 2 and not torch.equal(t, t.round()) for t in drawn[0])
    for first, second in zip(drawn[0], drawn[1], strict=True):
        assert first.shape == second.shape
        assert first.stride() == second.stride()
        assert torch.equal(first, second)


def test_drawing_tensors_leaves_torchs_global_rng_alone():
    torch.manual_seed(7)
    before = torch.random.get_rng_state()
    find(ds.tensors((5, 5)), lambda t: bool(t.abs().max() > 3))
    assert torch.equal(torch.random.get_rng_state(), before)


def test_the_strategies_drawn_inside_composites_are_built_once_per_argument_set():
    """Hypothesis validates every new strategy object on its first draw (about a third
    of a kata's drawing time when a composite built `tensors(shape)` per example): the
    same arguments, however spelled, give back the same strategy."""
    assert ds.tensors((2, 3)) is ds.tensors([2, 3], dtype=torch.float32, kinds=list(ds.KINDS))
    assert ds.tensors((2, 3)) is not ds.tensors((2, 3), dtype=torch.float64)
    assert ds.shapes(max_dims=2) is ds.shapes(max_dims=2)
    assert ds.broadcastable_shapes() is ds.broadcastable_shapes()
    assert ds.float_dtypes() is ds.float_dtypes()
    assert grads._varied_tensors((2,), torch.float32) is grads._varied_tensors((2,), torch.float32)
    assert nparrays.arrays((2,)) is nparrays.arrays([2], layouts=ds.LAYOUTS)


@given(ds.matmul_operands())
def test_matmul_operands_multiply_and_share_one_float_dtype(ab):
    a, b = ab
    assert a.dim() == b.dim() == 2
    assert a.shape[1] == b.shape[0]
    assert a.dtype == b.dtype and a.dtype in ds.FLOAT_DTYPES


@given(ds.expandable_shapes())
def test_expandable_shapes_broadcast_to_their_target(shapes):
    source, target = shapes
    assert len(source) <= len(target) <= ds.MAX_DIMS
    assert torch.broadcast_shapes(source, target) == target
    assert torch.zeros(source).expand(target).shape == target


def test_expandable_shapes_reach_size_1_dimensions_that_grow():
    source, target = find(
        ds.expandable_shapes(min_dims=1),
        lambda s: any(a == 1 and b > 1 for a, b in zip(s[0][::-1], s[1][::-1], strict=False)),
    )
    assert torch.broadcast_shapes(source, target) == target


@given(ds.broadcastable_operands())
def test_broadcastable_operands_broadcast_and_share_one_float_dtype(ab):
    a, b = ab
    torch.broadcast_shapes(a.shape, b.shape)
    assert a.dtype == b.dtype and a.dtype in ds.FLOAT_DTYPES
    assert bool((a.abs() <= ds.MAX_MAGNITUDE).all()) and bool((b.abs() <= ds.MAX_MAGNITUDE).all())


# --- moving to a device -------------------------------------------------------


@given(t=small_shapes.flatmap(lambda s: ds.tensors(s, dtype=torch.float64)))
def test_to_device_keeps_shape_strides_and_values_on_the_cpu(t):
    moved = ds.to_device(t, "cpu")
    assert moved.device.type == "cpu"
    assert moved.shape == t.shape and moved.stride() == t.stride()
    assert moved.dtype == t.dtype
    assert torch.equal(moved, t)


@given(t=small_shapes.flatmap(ds.tensors))
def test_to_device_keeps_strides_when_the_device_changes(t):
    moved = ds.to_device(t, "meta")  # a real copy to another device, no GPU needed
    assert moved.device.type == "meta"
    assert moved.shape == t.shape and moved.dtype == t.dtype
    if t.numel() > 0:
        assert moved.stride() == t.stride()
        assert moved.is_contiguous() == t.is_contiguous()


def test_on_moves_tensors_and_passes_other_values_through():
    t = torch.ones(2, 3).t()
    moved, number, text = ds.on("cpu", t, 3, "x")
    assert moved.stride() == t.stride() and torch.equal(moved, t)
    assert (number, text) == (3, "x")
    alone = ds.on("cpu", t)  # one value comes back alone, not in a tuple
    assert isinstance(alone, torch.Tensor) and alone is not t and torch.equal(alone, t)


@given(t=small_shapes.flatmap(ds.tensors))
def test_to_device_gives_a_new_tensor_with_the_same_layout_and_offset(t):
    view = t[1:] if t.dim() and t.shape[0] > 1 else t  # a view with a storage offset
    copy = ds.to_device(view, "cpu")
    assert copy is not view
    assert copy.shape == view.shape and copy.dtype == view.dtype
    assert copy.stride() == view.stride() and copy.storage_offset() == view.storage_offset()
    assert torch.equal(copy, view)
    if copy.numel():
        assert copy.untyped_storage().data_ptr() != view.untyped_storage().data_ptr()


def test_writing_into_a_copy_leaves_the_original_alone():
    t = torch.arange(6.0).reshape(2, 3).t()
    copy, number = ds.on("cpu", t, 3)
    copy.add_(1)
    assert torch.equal(t, torch.arange(6.0).reshape(2, 3).t())
    assert number == 3


# --- bad arguments ------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: ds.shapes(min_dims=3, max_dims=1), "min_dims=3"),
        (lambda: ds.shapes(min_side=5, max_side=2), "min_side=5"),
        (lambda: ds.broadcastable_shapes(min_dims=4, max_dims=2), "min_dims=4"),
        (lambda: ds.broadcastable_shapes(min_side=3, max_side=1), "min_side=3"),
        (lambda: ds.matmul_shapes(min_side=5, max_side=2), "min_side=5"),
        (lambda: ds.matmul_operands(min_side=4, max_side=1), "min_side=4"),
        (lambda: ds.incompatible_shapes(max_dims=0), "max_dims=0"),
        (lambda: ds.tensors((2,), kinds=["ints", "bogus"]), "'bogus'"),
        (lambda: ds.tensors((2,), layouts=["diagonal"]), "'diagonal'"),
    ],
    ids=[
        "shapes-dims", "shapes-sides", "broadcastable-dims", "broadcastable-sides",
        "matmul-sides", "matmul-operands-sides", "incompatible-no-dims", "tensors-kind",
        "tensors-layout",
    ],
)
def test_bad_arguments_raise_invalid_argument_naming_the_value(make, named):
    exc = first_error(make)
    assert isinstance(exc, InvalidArgument), f"expected InvalidArgument, got {exc!r}"
    assert named in str(exc)


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: ds.incompatible_matmul_shapes(max_side=0), "max_side=0"),
        (lambda: ds.incompatible_shapes(max_side=1), "max_side=1"),
        (lambda: ds.tensors((2,), kinds=[]), "kinds"),
        (lambda: ds.tensors((2,), layouts=[]), "layouts"),
    ],
    ids=["incompatible-matmul-max-side-0", "incompatible-max-side-1", "no-kinds", "no-layouts"],
)
def test_impossible_requests_raise_invalid_argument_naming_the_argument(make, named):
    exc = first_error(make)
    assert isinstance(exc, InvalidArgument) and named in str(exc), (
        f"dojo/strategies.py should reject this with InvalidArgument naming {named!r}; "
        f"it raised {type(exc).__name__}: {str(exc).splitlines()[0] if exc else ''}"
    )



# --- einsum (04_einsum) ---------------------------------------------------------


def einsum_contract_problems(equation, x_shape, y_shape):
    """The kinds of defect (ds.EINSUM_DEFECTS) of a two-operand einsum call, or none."""
    if equation.count("->") != 1:
        return {"arrow"}
    inputs, output = equation.split("->")
    operands = inputs.split(",")
    problems = set()
    if len(operands) != 2:
        problems.add("operands")
    if set(inputs + output) - set(ds.EINSUM_LETTERS + ","):
        problems.add("character")
    if problems:
        return problems
    x, y = operands
    if len(set(x)) != len(x) or len(set(y)) != len(y):
        problems.add("repeated letter")
    if len(set(output)) != len(output):
        problems.add("repeated output letter")
    if set(output) - set(x + y):
        problems.add("unknown output letter")
    if (len(x_shape), len(y_shape)) != (len(x), len(y)):
        problems.add("dimensions")
    return problems


@given(ds.einsum_equations())
def test_einsum_equations_are_valid_explicit_two_operand_equations(equation):
    x, y, output = ds.einsum_parts(equation)
    assert equation == f"{x},{y}->{output}"
    assert einsum_contract_problems(equation, (0,) * len(x), (0,) * len(y)) == set()
    assert len(x) <= ds.MAX_DIMS and len(y) <= ds.MAX_DIMS
    assert len(set(x + y)) <= ds.EINSUM_MAX_LETTERS


@given(
    bounds=st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 8))
    .filter(lambda b: b[0] <= b[1] and b[0] <= b[2]),
    data=st.data(),
)
def test_einsum_equations_respect_dims_and_letter_bounds(bounds, data):
    min_dims, max_dims, max_letters = bounds
    equation = data.draw(
        ds.einsum_equations(min_dims=min_dims, max_dims=max_dims, max_letters=max_letters)
    )
    x, y, _ = ds.einsum_parts(equation)
    assert all(min_dims <= len(s) <= max_dims for s in (x, y))
    assert len(set(x + y)) <= max_letters


@given(ds.einsum_operands(max_side=4))
def test_einsum_operands_fit_their_equation_and_torch_einsum_agrees(case):
    equation, x, y = case
    x_letters, y_letters, _ = ds.einsum_parts(equation)
    assert x.dtype == y.dtype and x.dtype in ds.FLOAT_DTYPES
    assert (x.dim(), y.dim()) == (len(x_letters), len(y_letters))
    assert all(0 <= s <= 4 for s in (*x.shape, *y.shape))
    for c in set(x_letters) & set(y_letters):
        m, n = x.shape[x_letters.index(c)], y.shape[y_letters.index(c)]
        assert m == n or 1 in (m, n), (equation, c, m, n)
    torch.einsum(equation, x, y)  # torch takes it


@given(equation=ds.einsum_equations(), data=st.data())
def test_einsum_shapes_without_broadcast_give_each_letter_one_size(equation, data):
    x_shape, y_shape = data.draw(
        ds.einsum_shapes(equation, min_side=2, max_side=3, broadcast=False)
    )
    x, y, _ = ds.einsum_parts(equation)
    sizes = {}
    for c, size in (*zip(x, x_shape, strict=True), *zip(y, y_shape, strict=True)):
        assert 2 <= size <= 3
        assert sizes.setdefault(c, size) == size


def _summed_in_one_operand(case):
    x, y, output = ds.einsum_parts(case[0])
    return any(c not in output and (c in x) != (c in y) for c in x + y)


def _output_reordered(case):
    x, y, output = ds.einsum_parts(case[0])
    return list(output) != [c for c in dict.fromkeys(x + y) if c in output]


def _size_1_broadcast(case):
    equation, a, b = case
    x, y, _ = ds.einsum_parts(equation)
    pairs = [(a.shape[x.index(c)], b.shape[y.index(c)]) for c in set(x) & set(y)]
    return any(1 in pair and pair != (1, 1) for pair in pairs)


def _nothing_summed(case):
    x, y, output = ds.einsum_parts(case[0])
    return output != "" and set(output) == set(x + y)


@pytest.mark.parametrize(
    "pitfall",
    [
        _summed_in_one_operand,
        _output_reordered,
        _size_1_broadcast,
        _nothing_summed,
        lambda case: case[1].dim() == 0 or case[2].dim() == 0,
        lambda case: 0 in (*case[1].shape, *case[2].shape),
    ],
    ids=["summed-in-one", "output-reordered", "size-1", "nothing-summed", "0-dim", "size-0"],
)
def test_einsum_operands_reach_each_pitfall(pitfall):
    find(ds.einsum_operands(), pitfall, settings=settings(database=None, max_examples=2000))


@given(ds.mismatched_einsum_shapes())
def test_mismatched_einsum_shapes_clash_only_in_the_named_letter(case):
    equation, x_shape, y_shape, letter = case
    x, y, _ = ds.einsum_parts(equation)
    assert einsum_contract_problems(equation, x_shape, y_shape) == set()
    assert letter in x and letter in y
    for c in set(x) & set(y):
        m, n = x_shape[x.index(c)], y_shape[y.index(c)]
        assert (m == n or 1 in (m, n)) == (c != letter), (equation, c, m, n)
    with pytest.raises(RuntimeError):
        torch.einsum(equation, torch.zeros(x_shape), torch.zeros(y_shape))


@pytest.mark.parametrize("defect", ds.EINSUM_DEFECTS)
@given(data=st.data())
def test_malformed_einsum_cases_have_the_one_defect_they_name(defect, data):
    equation, x_shape, y_shape, named = data.draw(ds.malformed_einsum_cases(defects=[defect]))
    assert named == defect
    problems = einsum_contract_problems(equation, x_shape, y_shape)
    assert defect in problems
    if defect != "arrow":  # '=>' is also a stray character
        assert problems == {defect}, (equation, problems)


def _torch_takes_it(case):
    equation, x_shape, y_shape, _ = case
    try:
        torch.einsum(equation, torch.zeros(x_shape), torch.zeros(y_shape))
    except RuntimeError:
        return False
    return True


@pytest.mark.parametrize("defect", ["arrow", "character", "repeated letter"])
def test_malformed_einsum_cases_include_calls_torch_einsum_accepts(defect):
    """The contract is stricter than torch: its implicit form, upper case, '...', diagonals."""
    find(
        ds.malformed_einsum_cases(defects=[defect]), _torch_takes_it,
        settings=settings(database=None, max_examples=500),
    )


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: ds.einsum_equations(min_dims=3, max_dims=1), "min_dims=3"),
        (lambda: ds.einsum_equations(min_dims=-1), "min_dims=-1"),
        (lambda: ds.einsum_equations(min_dims=2, max_letters=1), "max_letters=1"),
        (lambda: ds.einsum_shapes("ij,jk"), "equation='ij,jk'"),
        (lambda: ds.einsum_shapes("i,i->i", min_side=3, max_side=2), "min_side=3"),
        (lambda: ds.mismatched_einsum_shapes(max_side=1), "max_side=1"),
        (lambda: ds.mismatched_einsum_shapes(max_dims=0), "max_dims=0"),
        (lambda: ds.malformed_einsum_cases(defects=[]), "defects"),
        (lambda: ds.malformed_einsum_cases(defects=["typo"]), "'typo'"),
        (lambda: ds.malformed_einsum_cases(max_dims=0), "max_dims=0"),
    ],
    ids=[
        "equations-dims", "equations-negative", "equations-letters", "shapes-equation",
        "shapes-sides", "mismatched-max-side-1", "mismatched-no-dims", "malformed-none",
        "malformed-unknown", "malformed-no-dims",
    ],
)
def test_einsum_strategies_reject_impossible_requests_by_name(make, named):
    exc = first_error(make)
    assert isinstance(exc, InvalidArgument) and named in str(exc), (
        f"dojo/strategies.py should reject this with InvalidArgument naming {named!r}; "
        f"it raised {type(exc).__name__}: {str(exc).splitlines()[0] if exc else ''}"
    )
