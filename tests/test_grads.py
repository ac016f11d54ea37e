"""dojo.grads: the gradient oracle of the backward-pass katas."""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dojo import grads
from dojo.outcomes import WrongAnswer

BOUNDS = dict.fromkeys(("inp", "w", "b"), 1e-5)


def lin(inp, w, b):
    return inp @ w + b


def operands():
    g = torch.Generator().manual_seed(0)
    return tuple(torch.randn(*shape, generator=g) for shape in ((3, 4), (4, 2), (2,), (3, 2)))


def set_correct(x, w, b, up):
    x.g, w.g, b.g = up @ w.t(), x.t() @ up, up.sum(0)


def test_autograd_gives_the_vector_jacobian_product_in_float64():
    x, w, b, up = operands()
    out, expected = grads.autograd(lin, upstream=up, inp=x, w=w, b=b)
    xd, wd, ud = x.double(), w.double(), up.double()
    assert out.dtype == torch.float64 and torch.allclose(out, lin(xd, wd, b.double()))
    assert torch.allclose(expected["inp"], ud @ wd.t())
    assert torch.allclose(expected["w"], xd.t() @ ud)
    assert torch.allclose(expected["b"], ud.sum(0))


def test_autograd_skips_integer_inputs_and_fills_unused_gradients_with_zeros():
    x = torch.randn(3)
    _, expected = grads.autograd(
        lambda x, y, k: (x * 2).sum() + 0 * k.sum(), x=x, y=torch.ones(2), k=torch.arange(3)
    )
    assert set(expected) == {"x", "y"}
    assert torch.equal(expected["y"], torch.zeros(2, dtype=torch.float64))


def test_correct_gradients_pass():
    x, w, b, up = operands()
    _, expected = grads.autograd(lin, upstream=up, inp=x, w=w, b=b)
    set_correct(x, w, b, up)
    grads.assert_grads({"inp": x, "w": w, "b": b}, expected, bounds=BOUNDS)


def failure(tensors, expected, **kwargs):
    with pytest.raises(WrongAnswer) as info:
        grads.assert_grads(tensors, expected, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    ("name", "bad", "pattern"),
    [
        ("w", lambda x, w, b, up: up.t() @ x,
         r"^`w\.g` differs: expected shape \(4, 2\), got \(2, 4\)\nLook at: `w\.g` looks transp"),
        ("b", lambda x, w, b, up: up.sum(1),
         r"^`b\.g` differs: expected shape \(2,\), got \(3,\)"),
        ("b", lambda x, w, b, up: up,
         r"^`b\.g` differs: expected shape \(2,\), got \(3, 2\)\nLook at: .*summed away"),
        ("inp", lambda x, w, b, up: (up @ w.t()).double(),
         r"^`inp\.g` differs: expected dtype torch\.float32"),
        ("b", lambda x, w, b, up: [1.0, 2.0],
         r"^`b\.g` is a list, but should be a torch\.Tensor"),
        ("b", lambda x, w, b, up: 2 * up.sum(0),
         r"^`b\.g` differs: b\.g\[0\]=.*2 of 2 values differ\ngot:"),
    ],
)
def test_each_wrong_gradient_is_named_with_what_differs(name, bad, pattern):
    x, w, b, up = operands()
    _, expected = grads.autograd(lin, upstream=up, inp=x, w=w, b=b)
    set_correct(x, w, b, up)
    {"inp": x, "w": w, "b": b}[name].g = bad(x, w, b, up)
    message = failure({"inp": x, "w": w, "b": b}, expected, bounds=BOUNDS)
    assert re.search(pattern, message, re.S), message


def test_a_missing_gradient_says_it_was_not_set():
    x, w, b, up = operands()
    _, expected = grads.autograd(lin, upstream=up, inp=x, w=w, b=b)
    set_correct(x, w, b, up)
    del x.g
    message = failure({"inp": x, "w": w, "b": b}, expected, function="lin_grad")
    assert message.startswith("lin_grad did not set `inp.g`\nLook at: ")


def test_small_inputs_are_shown_on_a_value_mismatch():
    x = torch.tensor([1.0, -2.0])
    x.g = torch.tensor([1.0, 1.0])
    message = failure({"x": x}, {"x": torch.tensor([1.0, 0.0], dtype=torch.float64)},
                      inputs={"x": x, "big": torch.zeros(100)})
    assert "On these inputs:\n  x = torch.tensor([1.0, -2.0], dtype=torch.float32)" in message
    assert "big" not in message


def test_any_one_of_several_right_answers_is_accepted_but_not_a_mix():
    x = torch.tensor([0.0, 0.0])
    at_zero_0 = {"x": torch.tensor([0.0, 0.0], dtype=torch.float64)}
    at_zero_1 = {"x": torch.tensor([1.0, 1.0], dtype=torch.float64)}
    for g in ([0.0, 0.0], [1.0, 1.0]):
        x.g = torch.tensor(g)
        grads.assert_grads({"x": x}, [at_zero_0, at_zero_1])
    x.g = torch.tensor([0.0, 1.0])
    assert failure({"x": x}, [at_zero_0, at_zero_1]).startswith("`x.g` differs: x.g[1]=1.0")


@given(st.data())
def test_upstream_gradients_are_never_one_repeated_value(data):
    shape = data.draw(st.lists(st.integers(0, 3), max_size=3).map(tuple))
    up = data.draw(grads.upstream_gradients(shape, dtype=torch.float64))
    assert up.shape == shape and up.dtype == torch.float64
    if up.numel() >= 2:
        assert not bool((up == up.flatten()[0]).all())


# --- a .g read before anything set it -------------------------------------------------


def relu_grad(inp, out):
    inp.g = (inp > 0) * out.g


def backward_in_the_wrong_order(inp):
    l1 = inp * 2
    l2 = l1.clamp_min(0.0)
    relu_grad(l1, l2)  # l2.g is not set yet


def test_missing_g_names_the_reader_and_each_callers_name_for_the_tensor():
    with pytest.raises(AttributeError) as info:
        backward_in_the_wrong_order(torch.ones(2))
    here = (__file__,)
    found = grads.missing_g(info.value, files=here)
    assert found == [("relu_grad", "out"), ("backward_in_the_wrong_order", "l2")]
    assert grads.where_g_was_read(found) == (
        "relu_grad read `out.g` (`l2.g` in backward_in_the_wrong_order)"
    )
    assert grads.where_g_was_read([("lin_grad", "out"), ("f", "out")]) == "lin_grad read `out.g`"


def test_missing_g_ignores_other_exceptions_and_frames_outside_the_files():
    with pytest.raises(AttributeError) as info:
        backward_in_the_wrong_order(torch.ones(2))
    assert grads.missing_g(info.value, files=("elsewhere.py",)) == []
    assert grads.missing_g(AttributeError("no attribute 'g'"), files=()) == []
    with pytest.raises(AttributeError) as other:
        torch.ones(1).gg  # noqa: B018
    assert grads.missing_g(other.value, files=()) == []


def test_explaining_missing_g_adds_a_look_at_note_to_the_learners_exception():
    def explain(where):
        return f"{where} before anything set it."

    with pytest.raises(AttributeError) as info, grads.explaining_missing_g(explain):
        backward_in_the_wrong_order(torch.ones(2))
    assert info.value.__notes__ == [
        "Look at: relu_grad read `out.g` (`l2.g` in backward_in_the_wrong_order) before "
        "anything set it."
    ]
    with pytest.raises(ValueError) as unrelated, grads.explaining_missing_g(explain):
        raise ValueError("not about .g")
    assert not getattr(unrelated.value, "__notes__", [])
