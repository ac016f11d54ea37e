"""What a learner reads when a test on a fixed data set fails (10_autograd_function's
regression, 12_unfold_conv's digits): the data described and labelled as the test's
own, never printed in full or as code that builds other data; and a fit test that
fails because MyRelu is wrong says so in a line, without the data."""

from __future__ import annotations

import re

from katarun import discover, run_kata

VARIANTS = {variant.id: variant for variant in discover("mutants")}  # "12_unfold_conv::..."


def failures(output: str) -> dict[str, str]:
    """Test name -> the text pytest printed for its failure."""
    found = {}
    parts = re.split(r"^_{3,} (\S+) _{3,}$", output, flags=re.MULTILINE)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        found[name] = re.split(r"^={3,} ", body, flags=re.MULTILINE)[0]
    return found


def run(pytester, mutant: str, *select: str):
    variant = VARIANTS[mutant]
    impl = variant.build(pytester.path / "impl")
    return run_kata(pytester, variant.kata, impl, "--device", "cpu", *select)


def test_a_failing_fit_shows_the_regression_described_as_fixed_data(pytester):
    result = run(
        pytester, "10_autograd_function::fit_with_my_relu__no_squeeze",
        "-k", "learns_a_regression and float32",
    )
    assert result.all_verdicts == ["wrong"], result.output
    failure = failures(result.output)["test_fit_with_my_relu_learns_a_regression[cpu-float32]"]
    assert "The test's fixed input (the same on every run):\n" in failure
    assert "Hypothesis" not in failure
    assert "    x = <tensor of shape (64, 2), torch.float32: min " in failure
    assert "    y = <tensor of shape (64,), torch.float32: min " in failure
    assert "rebuilt by x, y = regression(torch.float32) from " in failure
    assert "torch.zeros" not in failure and "torch.tensor(" not in failure
    assert len(failure.splitlines()) < 12, failure


def test_a_fit_that_fails_because_my_relu_is_wrong_says_so_without_the_data(pytester):
    result = run(
        pytester, "10_autograd_function::MyRelu__ignores_grad_output", "-k", "learns_a_regression"
    )
    assert result.all_verdicts == ["wrong", "wrong"], result.output
    shown = failures(result.output)
    assert len(shown) == 2, result.output  # float32 and float64
    for failure in shown.values():
        lines = failure.strip().splitlines()
        assert lines[0].startswith(
            "wrong: fit_with_my_relu cannot be graded until MyRelu is right: on a small "
            "torch.float32 input, the gradient from MyRelu.backward is wrong"
        ), failure
        assert lines[1].startswith("Look at: the failures of the MyRelu tests"), failure
        assert len(lines) == 2, failure


def test_a_failing_train_cnn_shows_the_digits_described_as_fixed_data(pytester):
    result = run(pytester, "12_unfold_conv::train_cnn__untrained", "-k", "train_cnn")
    assert result.all_verdicts == ["wrong"], result.output
    (failure,) = failures(result.output).values()
    assert "The test's fixed input (the same on every run):\n" in failure
    assert "    images = <tensor of shape (1437, 1, 8, 8), torch.float32: min 0, max 1" in failure
    assert "    labels = <tensor of shape (1437,), torch.int64: min 0, max 9" in failure
    assert "sklearn.datasets.load_digits()" in failure
    assert "torch.zeros" not in failure and "too many to print" not in failure
