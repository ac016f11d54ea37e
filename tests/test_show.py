"""dojo.show: inputs as code a learner can paste, only where that code rebuilds them
exactly; large tensors and fixed data sets described honestly; long messages and
printed output cut to a readable size, saying what was cut."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dojo import show

F32, F64 = torch.float32, torch.float64


def rebuilt(code: str) -> torch.Tensor:
    value = eval(code, {"torch": torch})  # the code under test
    assert isinstance(value, torch.Tensor)
    return value


def not_code(text: str) -> None:
    """`text` cannot be run: pasting it is an error, never different data."""
    with pytest.raises(SyntaxError):
        compile(f"x = {text}", "<pasted>", "exec")


# --- code for small tensors ---------------------------------------------------------------


@pytest.mark.parametrize("t", [
    torch.tensor([[1.5, -2.0], [0.1, 3.0]]),
    torch.tensor([0.1, 1 / 3], dtype=F64),
    torch.tensor(7, dtype=torch.int64),
    torch.tensor([True, False]),
    torch.arange(200, dtype=F32),
], ids=["float32", "float64", "int 0-dim", "bool", "200 values"])
def test_a_small_tensor_is_code_that_rebuilds_it_exactly(t):
    code = show.tensor_code(t)
    assert code.startswith("torch.tensor(")
    got = rebuilt(code)
    assert got.dtype == t.dtype and torch.equal(got, t)


def test_nan_and_infinities_are_written_as_code_that_runs():
    t = torch.tensor([math.nan, math.inf, -math.inf, 1.0])
    got = rebuilt(show.tensor_code(t))
    assert torch.equal(got.isnan(), t.isnan())
    assert torch.equal(got[1:], t[1:])


def test_an_empty_tensor_is_code_for_its_shape():
    t = torch.zeros(0, 3, dtype=F64)
    got = rebuilt(show.tensor_code(t))
    assert got.shape == (0, 3) and got.dtype == F64


# --- large tensors: never code that builds other data ------------------------------------------


def test_a_large_tensor_is_described_not_printed_as_zeros():
    t = torch.linspace(-1.0, 3.0, 900).reshape(30, 30)
    text = show.tensor_code(t)
    assert "zeros" not in text
    not_code(text)
    assert text.startswith(
        "<tensor of shape (30, 30), torch.float32, 900 values (too many to print)"
    )
    assert "min -1, max 3, mean 1;" in text
    assert "first -1, -0.9956, -0.9911, -0.9867, -0.9822, ...>" in text


def test_a_large_constant_tensor_is_code_that_rebuilds_it():
    large = (torch.zeros(30, 30), torch.full((500,), -2.5, dtype=F64), torch.ones(300).long())
    for t in large:
        code = show.tensor_code(t)
        assert code.startswith("torch.full(")
        got = rebuilt(code)
        assert got.dtype == t.dtype and torch.equal(got, t)


def test_a_description_counts_values_that_are_not_finite():
    t = torch.arange(400, dtype=F32)
    t[3], t[5] = math.nan, math.inf
    text = show.tensor_code(t)
    not_code(text)
    assert "min 0, max 399" in text and "1 NaN, 1 infinite" in text


def test_a_description_of_integers_and_bools():
    assert "min 0, max 9, mean 4.5; first 0, 1, 2, 3, 4, ..." in show.tensor_code(
        torch.arange(1000) % 10
    )
    assert "250 True" in show.tensor_code(torch.arange(1000) % 4 == 0)


def test_code_longer_than_max_code_is_a_description_so_no_line_is_ever_cut():
    t = torch.full((200,), 1 / 3, dtype=F64) + torch.arange(200, dtype=F64) * 1e-9
    text = show.tensor_code(t)
    assert len(text) <= show.MAX_CODE < show.MAX_LINE
    not_code(text)


# --- fixed data sets ----------------------------------------------------------------------------


def test_fixed_data_is_described_with_how_the_test_builds_it():
    gen = torch.Generator().manual_seed(0)
    x = show.fixed_data(torch.rand(64, 2, generator=gen), "x of regression() in test_fit.py")
    copy = x.detach().clone()  # the harness shows a copy of what the learner was given
    text = show.tensor_code(copy)
    not_code(text)
    assert text.startswith("<tensor of shape (64, 2), torch.float32: min ")
    assert text.endswith("; x of regression() in test_fit.py>")
    assert "too many to print" not in text  # fixed data is described even when small enough


def test_fixed_data_is_matched_by_value_only():
    show.fixed_data(torch.arange(300.0), "the ramp of test_ramp.py")
    assert "test_ramp.py" in show.tensor_code(torch.arange(300.0))
    assert "test_ramp.py" not in show.tensor_code(torch.arange(300.0) + 1)
    assert "test_ramp.py" not in show.tensor_code(torch.arange(300.0, dtype=F64))


# --- reprs, messages and printed output ---------------------------------------------------


def test_a_short_repr_is_the_repr():
    assert show.short_repr([1, 2, 3]) == "[1, 2, 3]"
    assert show.value_code("abc") == "'abc'"


def test_a_huge_value_is_described_with_its_size():
    text = show.value_code(list(range(10**6)))
    assert len(text) < show.MAX_REPR + 100
    assert text.startswith(
        "<list of 1,000,000 items, 7,888,890 characters of repr, too long to print:"
    )
    assert "starts [0, 1, 2, 3" in text
    not_code(text)


def test_clip_leaves_a_short_text_alone():
    text = "wrong: result=1, but should be 2\nLook at: the sign"
    assert show.clip(text) == text


def test_clip_cuts_a_long_line_in_the_middle_and_says_how_much():
    line = "result=[" + "0, " * 10**6 + "0], but should be (2, 3)"
    text = show.clip("wrong: see below\n" + line)
    first, cut = text.split("\n")
    assert first == "wrong: see below"
    assert len(cut) < show.MAX_LINE + 60
    assert cut.startswith("result=[0, 0, ") and cut.endswith("0], but should be (2, 3)")
    assert f"[... {len(line) - show.MAX_LINE:,} characters cut ...]" in cut


def test_clip_keeps_the_first_and_last_lines_and_counts_the_rest():
    lines = [f"line {k}" for k in range(10_000)]
    text = show.clip("\n".join(lines), max_lines=100, keep_tail=0.75, what="the output")
    kept = text.split("\n")
    assert len(kept) == 101
    assert kept[:25] == lines[:25] and kept[-75:] == lines[-75:]
    assert kept[25].startswith("[... 9,900 lines (")
    assert "of the output cut: the first 25 and the last 75 are shown ...]" in kept[25]


def test_a_numpy_array_is_code_that_rebuilds_it_with_its_dtype_and_layout():
    a = np.arange(6, dtype=np.float32).reshape(2, 3).T
    code = show.array_code(a)
    assert code.startswith("np.array([[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], dtype=np.float32)")
    assert "non-contiguous view, strides (4, 12) (bytes)" in code
    rebuilt = eval(code.partition("  #")[0], {"np": np})
    assert rebuilt.dtype == a.dtype and np.array_equal(rebuilt, a)
    assert show.value_code(np.zeros((0, 3))) == "np.zeros((0, 3), dtype=np.float64)"
    assert show.array_code(np.ones((30, 30))) == "np.full((30, 30), 1.0, dtype=np.float64)"
    large = show.array_code(np.arange(900.0))
    assert large.startswith("<array of shape (900,), np.float64, 900 values")
