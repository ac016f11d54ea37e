"""dojo.checks: one message format, exact comparisons, tolerances that are neither
too tight for a correct answer nor too loose to catch a wrong one."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dojo import checks
from dojo import strategies as ds
from dojo.outcomes import NotStarted, WrongAnswer

F32, F64 = torch.float32, torch.float64


def failure(fn, *args, **kwargs) -> str:
    """The message of the WrongAnswer that `fn(*args, **kwargs)` raises."""
    with pytest.raises(WrongAnswer) as info:
        fn(*args, **kwargs)
    return str(info.value)


# --- assert_tensor: type, shape, dtype, device --------------------------------


def test_none_is_reported_as_a_forgotten_return():
    message = failure(checks.assert_tensor, None, torch.zeros(2, 3))
    assert message.startswith("result is None (did the function forget to return?)")
    assert "should be a torch.Tensor of shape (2, 3)" in message


@pytest.mark.parametrize(
    ("got", "named"),
    [([[1.0, 2.0]], "a list"), (3.0, "a float"), (np.zeros((1, 2)), "a numpy.ndarray")],
)
def test_a_non_tensor_result_is_named_by_its_type(got, named):
    message = failure(checks.assert_tensor, got, torch.zeros(1, 2))
    assert message.startswith(f"result is {named}, but should be a torch.Tensor")


def test_wrong_answer_is_an_assertion_error():
    assert issubclass(WrongAnswer, AssertionError)


def test_a_transposed_result_gets_the_transposed_hint():
    message = failure(checks.assert_tensor, torch.zeros(3, 2), torch.zeros(2, 3))
    first, hint = message.splitlines()
    assert first == "result.shape=(3, 2), but should be (2, 3)"
    assert hint.startswith("Look at: ") and "transposed" in hint


def test_a_result_with_too_many_dimensions_gets_a_hint_about_reductions():
    message = failure(checks.assert_tensor, torch.zeros(2, 3, 1), torch.zeros(2, 3))
    assert message.startswith("result.shape=(2, 3, 1), but should be (2, 3)")
    assert "3 dimensions instead of 2" in message


@pytest.mark.parametrize(
    ("got_shape", "want_shape"),
    [((3, 1), (3,)), ((1, 3), (3,)), ((3,), (3, 1)), ((), (1,)), ((1,), ()), ((1, 1), ())],
)
def test_shapes_are_never_broadcast_or_squeezed(got_shape, want_shape):
    got = torch.ones(got_shape)
    message = failure(checks.assert_tensor, got, torch.ones(want_shape))
    assert message.startswith(f"result.shape={got_shape}, but should be {want_shape}")


def test_a_wrong_dtype_teaches_torch_zeros_and_dtype():
    message = failure(checks.assert_tensor, torch.zeros(2, 2), torch.zeros(2, 2, dtype=F64))
    assert message.startswith("result.dtype=torch.float32, but should be torch.float64")
    assert "torch.zeros" in message and "dtype=" in message


def test_the_expected_dtype_can_differ_from_the_float64_reference():
    expected = torch.ones(2, dtype=F64)
    checks.assert_tensor(torch.ones(2), expected, dtype=F32)
    message = failure(checks.assert_tensor, torch.ones(2, dtype=F64), expected, dtype=F32)
    assert "result.dtype=torch.float64, but should be torch.float32" in message


def test_the_dtype_is_never_cast():
    ints = torch.ones(2, dtype=torch.int64)
    assert "result.dtype=torch.int64" in failure(checks.assert_tensor, ints, torch.ones(2))


def test_a_wrong_device_is_reported_with_a_hint():
    on_meta = torch.zeros(2, 2, device="meta")  # another device, no GPU needed
    message = failure(checks.assert_tensor, on_meta, torch.zeros(2, 2))
    assert message.startswith("result.device=meta, but should be cpu")
    assert "device=a.device" in message


def test_the_expected_device_can_be_given():
    message = failure(checks.assert_tensor, torch.zeros(2), torch.zeros(2), device="meta")
    assert message.startswith("result.device=cpu, but should be meta")


def test_type_is_checked_before_shape_and_shape_before_dtype():
    message = failure(checks.assert_tensor, torch.zeros(3, dtype=F64), torch.zeros(2))
    assert message.startswith("result.shape=")


def test_the_name_and_hint_appear_in_the_message():
    message = failure(
        checks.assert_tensor, torch.zeros(2), torch.ones(2), name="out", hint="the bias"
    )
    assert message.startswith("out[0]=0.0, but should be 1.0")
    assert message.endswith("Look at: the bias")


# --- assert_tensor: values -----------------------------------------------------


def test_a_value_mismatch_names_the_first_index_both_values_and_the_count():
    expected = torch.arange(12.0).reshape(3, 4)
    got = expected.clone()
    got[1, 2] = 99.0
    got[2, 0] = -1.0
    message = failure(checks.assert_tensor, got, expected)
    first = message.splitlines()[0]
    assert first == (
        "result[1, 2]=99.0, but should be 6.0 (allowed error 0); 2 of 12 values differ"
    )


def test_small_tensors_are_shown_in_full_on_a_mismatch():
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    got = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
    message = failure(checks.assert_tensor, got, expected)
    assert "got:\n" in message and "expected:\n" in message
    assert "5." in message.split("expected:")[0]
    assert "4." in message.split("expected:")[1]


def test_large_tensors_are_not_printed():
    expected = torch.zeros(10, 10)
    message = failure(checks.assert_tensor, torch.ones(10, 10), expected)
    assert "100 of 100 values differ" in message
    assert "got:" not in message
    assert len(message.splitlines()) == 1


def test_a_0_dim_mismatch_has_no_index():
    message = failure(checks.assert_tensor, torch.tensor(2.0), torch.tensor(3.0))
    assert message.startswith("result=2.0, but should be 3.0")


def test_the_bound_is_inclusive_and_an_error_just_over_it_fails():
    expected = torch.tensor([1.0, 2.0], dtype=F64)
    checks.assert_tensor(expected + 0.5, expected, bound=0.5)
    just_over = expected + torch.tensor([0.0, 0.5 + 2.0**-40], dtype=F64)
    message = failure(checks.assert_tensor, just_over, expected, bound=0.5)
    assert message.startswith("result[1]=")
    assert "allowed error 0.5" in message and "1 of 2 values differ" in message


def test_a_per_element_bound_applies_to_each_element():
    expected = torch.zeros(2, dtype=F64)
    bound = torch.tensor([0.1, 1.0], dtype=F64)
    checks.assert_tensor(torch.tensor([0.1, 1.0], dtype=F64), expected, bound=bound)
    message = failure(
        checks.assert_tensor, torch.tensor([0.2, 0.0], dtype=F64), expected, bound=bound
    )
    assert message.startswith("result[0]=0.2") and "allowed error 0.1" in message


def test_without_a_bound_values_must_be_exact():
    expected = torch.tensor([1.0], dtype=F64)
    failure(checks.assert_tensor, expected + 1e-12, expected)


@pytest.mark.parametrize(
    ("got", "want", "ok"),
    [
        (float("nan"), float("nan"), True),
        (float("inf"), float("inf"), True),
        (float("nan"), 1.0, False),
        (1.0, float("nan"), False),
        (float("inf"), float("-inf"), False),
    ],
)
def test_nan_matches_only_nan_and_infinity_only_itself(got, want, ok):
    got_t, want_t = torch.tensor([got]), torch.tensor([want])
    if ok:
        checks.assert_tensor(got_t, want_t, bound=1.0)
    else:
        failure(checks.assert_tensor, got_t, want_t, bound=1.0)


def test_a_float32_result_is_compared_with_a_float64_expectation_without_rounding_it():
    third = torch.tensor([1.0], dtype=F64) / 3
    failure(checks.assert_tensor, third.float(), third, dtype=F32)
    checks.assert_tensor(third.float(), third, dtype=F32, bound=1e-7)


# --- views ---------------------------------------------------------------------


def test_assert_view_of_accepts_a_view_laid_out_like_the_expected_one():
    v = torch.arange(3.0)
    checks.assert_view_of(torch.as_strided(v, (2, 3), (0, 1)), v, v.expand(2, 3))


def test_assert_view_of_refuses_a_copy():
    v = torch.arange(3.0)
    message = failure(checks.assert_view_of, v.expand(2, 3).clone(), v, v.expand(2, 3))
    assert message.startswith("result does not share the memory of the input: it is a copy")


def test_assert_view_of_refuses_other_strides_and_offsets():
    v = torch.arange(6.0)
    message = failure(checks.assert_view_of, v[:3].expand(2, 3).t().t(), v,
                      torch.as_strided(v, (2, 3), (3, 1)))
    assert message.startswith("result.stride()=(0, 1), but should be (3, 1) (dimension 0")
    message = failure(checks.assert_view_of, v[:3], v, v[3:])
    assert message.startswith("result.storage_offset()=0, but should be 3")


# --- tolerances ----------------------------------------------------------------


def sequential(a: torch.Tensor, b: torch.Tensor, order) -> torch.Tensor:
    """a @ b summed in `a.dtype`, one k at a time, in the given order of k."""
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype)
    for k in order:
        c = c + a[:, k, None] * b[None, k, :]
    return c


def pairwise(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a @ b summed in `a.dtype` as a balanced tree over k."""
    terms = a[:, :, None] * b[None, :, :]  # (n, k, m), each product rounded once
    if terms.shape[1] == 0:
        return terms.sum(1)
    while terms.shape[1] > 1:
        if terms.shape[1] % 2:
            terms = torch.cat([terms, torch.zeros_like(terms[:, :1])], dim=1)
        terms = terms[:, 0::2] + terms[:, 1::2]
    return terms[:, 0]


SUMMATION_ORDERS = {
    "forward": lambda a, b: sequential(a, b, range(a.shape[1])),
    "reversed": lambda a, b: sequential(a, b, reversed(range(a.shape[1]))),
    "pairwise": pairwise,
    "torch": torch.matmul,
    "elementwise-sum": lambda a, b: (a[:, :, None] * b[None, :, :]).sum(1),
}


@st.composite
def long_matmul_operands(draw):
    """Float32 operands with a long contraction, where rounding errors add up."""
    n, m = draw(st.integers(1, 3), label="n"), draw(st.integers(1, 3), label="m")
    k = draw(st.integers(0, 96), label="k")
    kinds = ["normal", "uniform"]
    a = draw(ds.tensors((n, k), kinds=kinds), label="a")
    b = draw(ds.tensors((k, m), kinds=kinds), label="b")
    return a, b


@pytest.mark.parametrize("order", list(SUMMATION_ORDERS))
@given(ab=long_matmul_operands())
def test_a_correct_float32_matmul_in_any_summation_order_is_within_matmul_bound(order, ab):
    a, b = ab
    got = SUMMATION_ORDERS[order](a, b)
    assert got.dtype == F32
    checks.assert_tensor(
        got, a.double() @ b.double(), dtype=F32, bound=checks.matmul_bound(a, b)
    )


@given(ab=long_matmul_operands(), data=st.data())
def test_matmul_bound_catches_a_relative_error_of_1e_3(ab, data):
    a, b = ab
    a, b = a.abs(), b.abs()  # no cancellation: each result is as large as its bound allows
    expected = a.double() @ b.double()
    got = (a @ b).clone()
    flat = got.view(-1)
    candidates = [i for i in range(flat.numel()) if float(expected.view(-1)[i]) > 0]
    if not candidates:
        return
    i = data.draw(st.sampled_from(candidates), label="index")
    flat[i] = float(expected.view(-1)[i]) * (1 + 1e-3)
    failure(checks.assert_tensor, got, expected, dtype=F32, bound=checks.matmul_bound(a, b))


def test_sum_bound_grows_with_terms_and_magnitude_and_shrinks_with_precision():
    assert checks.sum_bound(F32, 10, 1.0) < checks.sum_bound(F32, 100, 1.0)
    assert checks.sum_bound(F32, 10, 1.0) < checks.sum_bound(F32, 10, 2.0)
    assert checks.sum_bound(F64, 10, 1.0) < checks.sum_bound(F32, 10, 1.0) * 1e-8
    assert checks.sum_bound(F32, 0, 1.0) > 0  # an empty sum still rounds once
    assert checks.sum_bound(F32, 1000, 1.0) < 1e-3  # not vacuous for long sums


def test_matmul_bound_is_elementwise_and_follows_the_dtype():
    a32 = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    b32 = torch.eye(2)
    bound = checks.matmul_bound(a32, b32)
    assert bound.shape == (2, 2) and bound.dtype == F64
    assert bool((bound[0] > 0).all()) and bool((bound[1] == 0).all())
    bound64 = checks.matmul_bound(a32.double(), b32.double())
    assert bool((bound64[0] > 0).all())
    assert bool((bound64 <= bound * 1e-8).all())


def test_unit_roundoff_matches_the_dtypes():
    assert checks.unit_roundoff(F32) == torch.finfo(F32).eps / 2
    assert checks.unit_roundoff(F64) == torch.finfo(F64).eps / 2


# --- raises ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "cannot multiply (2, 3) by (4, 5)",
        "cannot multiply [2, 3] by [4, 5]",
        "cannot multiply torch.Size([2, 3]) by torch.Size([4, 5])",
        "cannot multiply 2x3 by 4x5",
        "a is 2 x 3, b is (4, 5)",
    ],
)
def test_raises_passes_when_both_shapes_are_named_in_any_form(message):
    with checks.raises("f(a, b)", shapes=[(2, 3), (4, 5)], why="shapes differ"):
        raise ValueError(message)


def test_raises_accepts_torch_size_shapes():
    with checks.raises("f(a, b)", shapes=[torch.Size([2, 3])], why="shapes differ"):
        raise RuntimeError(f"bad {torch.zeros(2, 3).shape}")


def test_raises_fails_when_a_shape_is_missing():
    def call():
        with checks.raises("f(a, b)", shapes=[(2, 3), (4, 5)], why="shapes differ"):
            raise ValueError("cannot multiply (2, 3) by that")

    message = failure(call)
    assert message.startswith(
        "f(a, b) raised ValueError('cannot multiply (2, 3) by that'), but the message should "
        "name the shape (4, 5)"
    )


def test_raises_checks_the_message_against_match():
    def call(message):
        with checks.raises(
            "g(e)", ValueError, match=r"\bj\b", names="the letter 'j'", why="j clashes"
        ):
            raise ValueError(message)

    call("sizes of j differ: 2 and 3")
    assert failure(call, "sizes do not fit") == (
        "g(e) raised ValueError('sizes do not fit'), but the message should name the letter 'j'"
        "\nLook at: j clashes; say which in the message."
    )


def test_raises_fails_when_nothing_is_raised():
    def call():
        with checks.raises("f(a, b)", shapes=[(2, 3)], why="a's columns must match b's rows"):
            pass

    message = failure(call)
    assert message == (
        "f(a, b) returned normally, but should raise Exception: a's columns must match b's rows"
    )


def test_raises_fails_when_the_wrong_type_is_raised():
    def call():
        with checks.raises("f(x)", ValueError, why="x is negative"):
            raise TypeError("nope")

    message = failure(call)
    assert message == "f(x) raised TypeError, but should raise ValueError: x is negative"


def test_raises_lets_a_not_started_stub_through():
    with pytest.raises(NotStarted), checks.raises("f(x)", why="x is negative"):
        raise NotStarted("f still raises NotImplementedError")


def test_raises_accepts_a_subclass_of_the_expected_type():
    with checks.raises("f(x)", ValueError, shapes=[(3,)], why="x is wrong"):
        raise UnicodeError("x has shape (3,)")  # a ValueError


# --- numbers and exact types ------------------------------------------------------


@pytest.mark.parametrize(
    ("got", "named"),
    [
        (np.float64(1.0), "numpy.float64"),
        (True, "bool"),
        (torch.tensor(1.0), "torch.Tensor"),
        ("1.0", "str"),
        (None, "None"),
    ],
)
def test_assert_number_refuses_what_is_not_a_python_int_or_float(got, named):
    message = failure(checks.assert_number, got, 1.0)
    assert message.startswith("result is ") and named in message
    assert "should be a Python number" in message


def test_assert_number_accepts_ints_and_floats_within_the_bound():
    checks.assert_number(1, 1.0)
    checks.assert_number(1.25, 1.0, bound=0.25)
    checks.assert_number(float("nan"), float("nan"))
    message = failure(checks.assert_number, 1.5, 1.0, bound=0.25)
    assert message == "result=1.5, but should be 1.0 (allowed error 0.25)"


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        ([2, 3], (2, 3)),
        (torch.Size([2, 3]), (2, 3)),
        ((2, 3), torch.Size([2, 3])),
        (True, 1),
        (1, True),
        (1.0, 1),
        (np.int64(3), 3),
    ],
)
def test_assert_equal_is_strict_about_types(got, expected):
    message = failure(checks.assert_equal, got, expected)
    assert message.startswith("result is ")
    assert f"but should be a {type(expected).__name__}: {expected!r}" in message


def test_assert_equal_compares_values_of_the_same_type():
    checks.assert_equal((2, 3), (2, 3))
    checks.assert_equal(True, True)
    assert failure(checks.assert_equal, (2, 4), (2, 3)) == "result=(2, 4), but should be (2, 3)"


@pytest.mark.parametrize(
    ("got", "expected_type"),
    [
        (np.float64(1.0), float),
        (torch.tensor(1.0), float),
        (True, int),
        (1, float),
        (np.bool_(True), bool),
        (torch.tensor(True), bool),
    ],
)
def test_assert_exact_type_refuses_lookalikes(got, expected_type):
    message = failure(checks.assert_exact_type, got, expected_type)
    assert message.endswith(f"but should be a Python {expected_type.__name__}")


def test_assert_exact_type_accepts_the_type_itself():
    checks.assert_exact_type(1.0, float)
    checks.assert_exact_type(False, bool)
    checks.assert_exact_type([], list)


def test_shape_forms_cover_the_documented_spellings():
    forms = checks.shape_forms((2, 3))
    for form in ("(2, 3)", "[2, 3]", "2x3"):
        assert form in forms
    assert "torch.Size([2, 3])".find(forms[1]) >= 0
    assert checks.shape_forms((3,))[:2] == ("(3,)", "[3]")


# --- what a wrong matrix product looks like ------------------------------------------

A23 = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
B32 = torch.tensor([[1.0, -1.0], [2.0, 0.0], [0.5, 3.0]])


def loops(a, b, rows, cols, ks):
    """a @ b by three loops over the given ranges: an off-by-one where a range is short."""
    c = torch.zeros(a.shape[0], b.shape[1], dtype=a.dtype)
    for i in rows:
        for j in cols:
            for k in ks:
                c[i, j] += a[i, k] * b[k, j]
    return c


@pytest.mark.parametrize(
    ("ranges", "says"),
    [
        ((range(2), range(2), range(2)), "every value misses its last term, a[i, 2] * b[2, j]"),
        ((range(2), range(2), range(1, 3)), "every value misses its first term, a[i, 0] * b[0, j]"),
        ((range(1), range(2), range(3)), "row 1 of the result is still all 0"),
        ((range(1, 2), range(2), range(3)), "row 0 of the result is still all 0"),
        ((range(2), range(1), range(3)), "column 1 of the result is still all 0"),
        ((range(0), range(2), range(3)), "the result is still all 0: nothing was added"),
    ],
)
def test_matmul_hint_names_the_loop_that_is_off_by_one(ranges, says):
    hint = checks.matmul_hint(loops(A23, B32, *ranges), A23, B32)
    assert hint.startswith(says), hint
    assert "range(" in hint


def test_matmul_hint_names_a_transposed_operand_and_a_swapped_product():
    a, b = ds.SQUARE, ds.SQUARE + 1
    assert checks.matmul_hint(a @ b.t(), a, b).startswith("the result is a @ b.t()")
    assert checks.matmul_hint(a.t() @ b, a, b).startswith("the result is a.t() @ b")
    assert checks.matmul_hint(b @ a, a, b).startswith("the result is b @ a")


def test_matmul_hint_otherwise_says_where_the_wrong_values_are():
    got = A23 @ B32
    got[1, 0] += 1
    hint = checks.matmul_hint(got, A23, B32)
    assert hint.startswith("the wrong values are in row 1 and column 0; the others are right")
    assert checks.matmul_hint(A23 @ B32 + 1, A23, B32).startswith("every value is wrong")


def test_matmul_hint_works_for_batched_operands():
    a, b = torch.ones(2, 2, 3), torch.ones(2, 3, 2)
    assert checks.matmul_hint(torch.full((2, 2, 2), 2.0), a, b).startswith(
        "every value misses its last term"
    )
    assert checks.matmul_hint(torch.full((2, 2, 2), 7.0), a, b).startswith("c[i, j] is the sum")


def test_assert_matmul_ends_every_wrong_value_with_what_to_look_at():
    message = failure(checks.assert_matmul, loops(A23, B32, range(1), range(2), range(3)), A23, B32)
    first, *_, last = message.splitlines()
    assert first.startswith("result[1, 0]=0.0, but should be 17.0")
    assert last.startswith("Look at: row 1 of the result is still all 0")


def test_assert_matmul_checks_the_shape_before_any_value_hint():
    message = failure(checks.assert_matmul, torch.zeros(2, 3), A23, B32)
    assert message.startswith("result.shape=(2, 3), but should be (2, 2)")


def test_a_lazy_hint_is_only_worked_out_on_a_mismatch():
    def hint():
        raise AssertionError("called")

    checks.assert_values(torch.ones(2), torch.ones(2), hint=hint)
    message = failure(checks.assert_values, torch.zeros(2), torch.ones(2), hint=lambda: "zeros")
    assert message.endswith("\nLook at: zeros")


# --- raises: what came back; notes on a learner's exception ------------------------------


def test_raises_shows_what_the_call_returned_and_the_hint():
    def call():
        with checks.raises("f(x)", ValueError, why="x is negative", hint="check x") as returned:
            returned.append((2, 3))

    assert failure(call) == (
        "f(x) returned (2, 3), but should raise ValueError: x is negative\nLook at: check x"
    )


def test_hinting_adds_a_look_at_note_and_lets_the_exception_through():
    with pytest.raises(IndexError) as info, checks.hinting("the loop over k"):
        raise IndexError("out of range")
    assert info.value.__notes__ == ["Look at: the loop over k"]
    with pytest.raises(KeyError) as info, checks.hinting(lambda exc: f"{type(exc).__name__}!"):
        raise KeyError("k")
    assert info.value.__notes__ == ["Look at: KeyError!"]


def test_hinting_adds_no_empty_note_and_leaves_verdicts_alone():
    with pytest.raises(IndexError) as info, checks.hinting(lambda exc: ""):
        raise IndexError("out of range")
    assert not getattr(info.value, "__notes__", [])
    with pytest.raises(NotStarted) as started, checks.hinting("never"):
        raise NotStarted("f still raises NotImplementedError")
    assert not getattr(started.value, "__notes__", [])


def test_a_hint_that_fails_to_work_itself_out_leaves_the_message_without_one():
    def broken():
        raise IndexError("a bug in the hint")

    message = failure(checks.assert_values, torch.zeros(2), torch.ones(2), hint=broken)
    assert "Look at:" not in message
    with pytest.raises(KeyError) as info, checks.hinting(lambda exc: broken()):
        raise KeyError("k")
    assert not getattr(info.value, "__notes__", [])
