"""dojo.plugin: options, usage errors, devices, profiles, the report header, each verdict
as a learner reads it, and the summary per kata. Each test builds a tiny kata tree laid
out like the real one and runs pytest on it."""

from __future__ import annotations

import re
import textwrap
import time

import pytest
import torch
from dojoproject import TOY_REFERENCE as REFERENCE
from dojoproject import TOY_TESTS as TESTS
from hypothesis import settings

REGISTRY = """\
format_version = 1

[[kata]]
id = "01_toy"
module = "toy"
title = "A toy kata"
grade = 1
book = "nowhere"

[[kata.function]]
name = "double"
rule = "no matrix product"
forbid = ["matmul-family"]

[[kata.function]]
name = "halve"
"""

STUB = '''\
"""Kata 01_toy."""


def double(t):
    """Twice t."""
    raise NotImplementedError("kata 01_toy: implement double")


def halve(x):
    """Half of x."""
    raise NotImplementedError("kata 01_toy: implement halve")
'''


PROBE = '''\
from hypothesis import settings


def test_probe():
    print(f"PROFILE={settings.get_current_profile_name()} "
          f"MAX_EXAMPLES={settings.default.max_examples}")
'''

# One body for `double` per verdict; `halve` stays correct in every one.
DOUBLES = {
    "wrong": "def double(t):\n    return t * 3\n",
    "crashed": (
        "import torch\n\n\n"
        "def shape_of(t):\n"
        "    return torch.broadcast_shapes(t.shape, (t.shape[0] + 1,))\n\n\n"
        "def double(t):\n"
        "    shape_of(t)\n"
        "    return t * 2\n"
    ),
    "rule broken": (
        "import torch\n\n\n"
        "def double(t):\n"
        "    return torch.matmul(t[None], 2 * torch.eye(3, dtype=t.dtype))[0]\n"
    ),
    "too slow": "def double(t):\n    while True:\n        pass\n",
    "mutated": "def double(t):\n    t.mul_(2)\n    return t\n",
}
HALVE = "\n\ndef halve(x):\n    return x / 2\n"

CUDA = torch.cuda.is_available()


# As a kata run loads them (pyproject.toml, `dojo init`'s pytest.ini): by name only.
PLUGINS = ("--disable-plugin-autoload", "-p", "hypothesispytest", "-p", "timeout")


class Toy:
    """A kata tree in pytester.path and ways to run pytest on it."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        root = pytester.path
        (root / "katas" / "01_toy").mkdir(parents=True)
        (root / "reference" / "01_toy").mkdir(parents=True)
        (root / "katas" / "curriculum.toml").write_text(REGISTRY)
        (root / "katas" / "01_toy" / "toy.py").write_text(STUB)
        (root / "katas" / "01_toy" / "test_toy.py").write_text(TESTS)
        (root / "katas" / "01_toy" / "README.md").write_text("# 01_toy\n")
        (root / "reference" / "01_toy" / "toy.py").write_text(REFERENCE)

    def impl(self, name: str, source: str) -> str:
        """A directory laid out like katas/ whose toy.py is `source`; its path."""
        folder = self.pytester.path / "impls" / name.replace(" ", "_")
        (folder / "01_toy").mkdir(parents=True)
        (folder / "01_toy" / "toy.py").write_text(source)
        return f"impls/{name.replace(' ', '_')}"

    def variant(self, verdict: str) -> str:
        return self.impl(verdict, DOUBLES[verdict] + HALVE)

    def run(self, *args: str, profile: str | None = "ci") -> pytest.RunResult:
        extra = ["--hypothesis-profile", profile] if profile else []
        return self.pytester.runpytest_inprocess(
            "katas", "-p", "dojo.plugin", "-p", "no:cacheprovider", *PLUGINS, *extra, *args
        )


@pytest.fixture
def toy(pytester, monkeypatch):
    # The runs below choose with options; tox and CI set some of these for the outer run.
    for name in ("DOJO_IMPL", "DOJO_DEVICES", "HYPOTHESIS_PROFILE", "CI"):
        monkeypatch.delenv(name, raising=False)
    return Toy(pytester)


def text(result: pytest.RunResult) -> str:
    return "\n".join(result.outlines + result.errlines)


def verdicts(result: pytest.RunResult) -> dict[str, str]:
    """Test name -> dojo verdict, for every graded test that got one."""
    found = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):
        props = dict(report.user_properties)
        if "dojo_verdict" in props:
            found[report.nodeid.split("::")[-1]] = props["dojo_verdict"]
    return found


def failure_of(result: pytest.RunResult, test: str) -> list[str]:
    """The lines pytest printed for the failure (or error) of `test`."""
    lines = result.outlines
    start = next(
        i for i, line in enumerate(lines) if re.match(rf"^_+ .*{re.escape(test)} _+$", line)
    )
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^(_{3,} |={3,} )", lines[i])),
        len(lines),
    )
    return lines[start + 1 : end]


def usage_error(result: pytest.RunResult) -> str:
    """The one `ERROR:` line of a run that stopped with pytest's usage-error exit code (4)."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text(result)
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, text(result)
    return errors[0]


# --- choosing the implementation ----------------------------------------------------------


def test_impl_reference_grades_the_reference(toy):
    result = toy.run("--impl", "reference", "--device", "cpu")
    result.assert_outcomes(passed=2)
    assert set(verdicts(result).values()) == {"passed"}


def test_impl_defaults_to_the_learners_stubs(toy):
    result = toy.run("--device", "cpu")
    result.assert_outcomes(failed=2)
    assert set(verdicts(result).values()) == {"not started"}
    assert "impl=learner (katas/)" in text(result)


def test_impl_learner_is_the_stubs(toy):
    result = toy.run("--impl", "learner", "--device", "cpu")
    assert set(verdicts(result).values()) == {"not started"}


def test_impl_accepts_a_directory_laid_out_like_katas(toy):
    impl = toy.impl("solved", REFERENCE)
    result = toy.run("--impl", impl, "--device", "cpu")
    result.assert_outcomes(passed=2)
    assert f"impl={toy.pytester.path / impl}," in text(result)


def test_dojo_impl_environment_variable_chooses_the_implementation(toy, monkeypatch):
    monkeypatch.setenv("DOJO_IMPL", "reference")
    result = toy.run("--device", "cpu")
    result.assert_outcomes(passed=2)


def test_impl_option_wins_over_dojo_impl(toy, monkeypatch):
    monkeypatch.setenv("DOJO_IMPL", "reference")
    result = toy.run("--impl", "learner", "--device", "cpu")
    assert set(verdicts(result).values()) == {"not started"}


def test_a_bad_impl_option_is_a_one_line_usage_error_naming_it(toy):
    line = usage_error(toy.run("--impl", "no/such/dir"))
    assert line.startswith("ERROR: invalid --impl 'no/such/dir' from --impl:")
    assert "'learner', 'reference' or a directory" in line


def test_a_bad_dojo_impl_is_a_usage_error_naming_the_variable(toy, monkeypatch):
    monkeypatch.setenv("DOJO_IMPL", "refrence")
    line = usage_error(toy.run())
    assert line.startswith("ERROR: invalid --impl 'refrence' from DOJO_IMPL environment variable")


# --- devices ---------------------------------------------------------------------------------


def test_a_bad_device_is_a_usage_error_naming_it(toy):
    line = usage_error(toy.run("--device", "bogus"))
    assert line == "ERROR: invalid device 'bogus' from --device: expected cpu or cuda"


def test_a_bad_dojo_devices_is_a_usage_error_naming_the_variable(toy, monkeypatch):
    monkeypatch.setenv("DOJO_DEVICES", "cpu,tpu")
    line = usage_error(toy.run())
    assert line == (
        "ERROR: invalid device 'tpu' from DOJO_DEVICES environment variable: expected cpu or cuda"
    )


def test_requested_cuda_fails_at_start_when_missing_and_runs_when_present(toy):
    result = toy.run("--impl", "reference", "--device", "cuda")
    if CUDA:
        result.assert_outcomes(passed=2)
        assert "test_double_doubles[cuda]" in "\n".join(
            r.nodeid for r in result.reprec.getreports("pytest_runtest_logreport")
        )
    else:
        line = usage_error(result)
        assert line.startswith("ERROR: CUDA was requested (--device) but is not available")
        assert "--device cpu" in line


def test_without_a_device_request_cuda_is_skipped_when_missing(toy):
    result = toy.run("--impl", "reference", "-rs")
    if CUDA:
        result.assert_outcomes(passed=3)
    else:
        result.assert_outcomes(passed=2, skipped=1)
        result.stdout.fnmatch_lines(["SKIPPED *test_toy.py*: CUDA is not available"])


def test_device_cpu_runs_only_the_cpu_parameter(toy):
    result = toy.run("--impl", "reference", "--device", "cpu", "-v")
    result.assert_outcomes(passed=2)
    assert "[cuda]" not in text(result)


# --- the header and the Hypothesis profile -------------------------------------------------------


def test_the_header_shows_impl_devices_profile_and_torch(toy):
    result = toy.run("--impl", "reference", "--device", "cpu")
    result.stdout.fnmatch_lines([
        f"dojo: impl=reference (reference/), devices=cpu, hypothesis profile=ci, "
        f"torch {torch.__version__}"
    ])


def test_the_header_says_when_the_impl_came_from_the_environment(toy, monkeypatch):
    monkeypatch.setenv("DOJO_IMPL", "reference")
    result = toy.run("--device", "cpu")
    result.stdout.fnmatch_lines(
        ["dojo: impl=reference (reference/) from DOJO_IMPL environment variable, devices=cpu,*"]
    )


def test_the_header_says_when_cuda_is_skipped(toy):
    result = toy.run("--impl", "reference", profile=None)
    cuda = "cuda" if CUDA else "cuda (not available: skipped)"
    result.stdout.fnmatch_lines(
        [f"dojo: impl=*, devices=cpu, {cuda}, hypothesis profile=learner,*"]
    )


def probe(toy: Toy, *args: str) -> str:
    (toy.pytester.path / "probe").mkdir(exist_ok=True)
    (toy.pytester.path / "probe" / "test_probe.py").write_text(PROBE)
    result = toy.pytester.runpytest_inprocess(
        "probe", "-s", "-p", "dojo.plugin", "-p", "no:cacheprovider", *args
    )
    result.assert_outcomes(passed=1)
    return next(line for line in result.outlines if "PROFILE=" in line)


def test_hypothesis_profile_option_selects_the_profile(toy):
    assert probe(toy, "--hypothesis-profile", "thorough").endswith(
        "PROFILE=thorough MAX_EXAMPLES=1000"
    )


def test_hypothesis_profile_environment_variable_selects_the_profile(toy, monkeypatch):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ci")
    assert probe(toy).endswith("PROFILE=ci MAX_EXAMPLES=100")


def test_the_learner_profile_is_the_default(toy):
    assert probe(toy).endswith("PROFILE=learner MAX_EXAMPLES=50")


def test_on_ci_the_ci_profile_is_the_default(toy, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert probe(toy).endswith("PROFILE=ci MAX_EXAMPLES=100")


def test_the_profile_option_wins_over_the_environment(toy, monkeypatch):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "thorough")
    assert probe(toy, "--hypothesis-profile", "ci").endswith("PROFILE=ci MAX_EXAMPLES=100")


def test_a_bad_hypothesis_profile_variable_is_a_usage_error(toy, monkeypatch):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "fast")
    line = usage_error(toy.run(profile=None))
    assert line == (
        "ERROR: invalid Hypothesis profile 'fast' from HYPOTHESIS_PROFILE environment "
        "variable: expected one of learner, ci, thorough"
    )


def test_a_bad_hypothesis_profile_option_is_a_usage_error(toy):
    line = usage_error(toy.run(profile="fast"))
    assert line == (
        "ERROR: invalid Hypothesis profile 'fast' from --hypothesis-profile: expected one of "
        "learner, ci, thorough"
    )


def test_hypothesis_own_default_profile_is_refused_with_the_reason(toy):
    # Its 200 ms deadline fails correct code on torch's first call.
    line = usage_error(toy.run(profile="default"))
    assert line == (
        "ERROR: invalid Hypothesis profile 'default' from --hypothesis-profile: expected one "
        "of learner, ci, thorough ('default' is Hypothesis' own: its deadline fails correct "
        "code)"
    )


@pytest.mark.parametrize(
    "functions", [["nope"], ["double", "nope"]], ids=["alone", "beside-a-valid-name"]
)
def test_an_unknown_function_is_a_usage_error_naming_the_katas_functions(toy, functions):
    args = [arg for name in functions for arg in ("--function", name)]
    line = usage_error(toy.run("--impl", "reference", "--device", "cpu", *args))
    assert line == (
        "ERROR: invalid --function 'nope': no such function or class in the kata collected "
        "(01_toy: double, halve)"
    )


@pytest.mark.parametrize("source", ["option", "environment"])
def test_the_previous_hypothesis_profile_is_restored_after_the_run(toy, monkeypatch, source):
    before = settings.get_current_profile_name()
    max_examples = settings.default.max_examples
    assert before != "thorough"
    if source == "option":
        assert probe(toy, "--hypothesis-profile", "thorough").endswith(
            "PROFILE=thorough MAX_EXAMPLES=1000"
        )
    else:
        monkeypatch.setenv("HYPOTHESIS_PROFILE", "thorough")
        assert probe(toy).endswith("PROFILE=thorough MAX_EXAMPLES=1000")
    assert settings.get_current_profile_name() == before
    assert settings.default.max_examples == max_examples


def test_a_bad_profile_leaves_the_current_profile_alone(toy):
    before = settings.get_current_profile_name()
    usage_error(toy.run(profile="fast"))
    assert settings.get_current_profile_name() == before


# --- verdicts as a learner reads them ----------------------------------------------------------


def test_not_started_is_one_line_without_a_traceback(toy):
    result = toy.run("--device", "cpu")
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert failure == [
        "not started: double still raises NotImplementedError (katas/01_toy/toy.py:6)"
    ]
    assert "Traceback" not in text(result)
    assert any(
        line.startswith("FAILED katas/01_toy/test_toy.py::test_double_doubles[cpu] - not started")
        for line in result.outlines
    )


def test_wrong_shows_the_message_and_the_smallest_input_as_pasteable_code(toy):
    result = toy.run("--impl", toy.variant("wrong"), "--device", "cpu")
    assert verdicts(result) == {"test_double_doubles[cpu]": "wrong", "test_halve_halves": "passed"}
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert re.match(r"wrong: result\[\d\]=.*, but should be .*values differ$", failure[0])
    label = failure.index("The smallest failing input Hypothesis found:")
    code = textwrap.dedent("\n".join(failure[label + 1 :]))
    assert code.startswith("t = torch.tensor([") and code.endswith("double(t)")
    namespace = {"torch": torch, "double": lambda t: t * 3}
    exec(compile(code.replace("double(t)", "got = double(t)"), "<pasted>", "exec"), namespace)
    assert not torch.equal(namespace["got"], namespace["t"] * 2)  # the example still fails
    assert "Traceback" not in "\n".join(failure)


def test_a_failing_pinned_example_is_labelled_as_a_known_pitfall(toy):
    pinned = TESTS.replace(
        '@given(t=ds.tensors((3,), dtype=torch.float64))',
        '@given(t=ds.tensors((3,), dtype=torch.float64))\n'
        '@example(t=torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64))',
    ).replace("from hypothesis import given", "from hypothesis import example, given")
    (toy.pytester.path / "katas" / "01_toy" / "test_toy.py").write_text(pinned)
    result = toy.run("--impl", toy.variant("wrong"), "--device", "cpu")
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert "A known pitfall the tests always try:" in failure
    assert "    t = torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64)" in failure


def test_crashed_shows_only_the_learners_frames(toy):
    impl = toy.variant("crashed")
    result = toy.run("--impl", impl, "--device", "cpu")
    assert verdicts(result)["test_double_doubles[cpu]"] == "crashed"
    failure = "\n".join(failure_of(result, "test_double_doubles[cpu]"))
    assert failure.startswith("crashed: double raised RuntimeError\nOn this input:\n")
    assert "Traceback (your code only):" in failure
    assert f"{impl}/01_toy/toy.py:9, in double\n    shape_of(t)" in failure
    assert f"{impl}/01_toy/toy.py:5, in shape_of" in failure
    assert failure.splitlines()[-1].startswith("RuntimeError: ")
    for noise in ("dojo", "ypothesis", "site-packages", "torch/", "test_toy.py", "Failing test"):
        assert noise not in failure.split("Traceback (your code only):")[1], noise


@pytest.mark.parametrize("verdict", ["wrong", "crashed", "rule broken"])
def test_pytest_never_formats_the_traceback_of_a_failure_the_dojo_explains(
    toy, monkeypatch, verdict
):
    """pytest parses the source of every frame to format a traceback (about 80 ms for a
    failure through Hypothesis and torch), and Hypothesis asks for it twice more: wasted
    where the dojo replaces the report."""
    formatted = []
    original = pytest.Item._repr_failure_py

    def spy(self, excinfo, style=None):
        formatted.append(excinfo.type)
        return original(self, excinfo, style)

    monkeypatch.setattr(pytest.Item, "_repr_failure_py", spy)
    result = toy.run("--impl", toy.variant(verdict), "--device", "cpu")
    assert verdicts(result)["test_double_doubles[cpu]"] == verdict
    assert failure_of(result, "test_double_doubles[cpu]")[0].startswith(f"{verdict}: ")
    assert formatted == [], "pytest formatted a traceback the dojo replaces"


def test_rule_broken_names_the_operation_and_the_learners_line(toy):
    impl = toy.variant("rule broken")
    result = toy.run("--impl", impl, "--device", "cpu")
    assert verdicts(result)["test_double_doubles[cpu]"] == "rule broken"
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert failure[:3] == [
        "rule broken: double called torch.matmul, which this kata forbids",
        f"  at {impl}/01_toy/toy.py:5: "
        "return torch.matmul(t[None], 2 * torch.eye(3, dtype=t.dtype))[0]",
        "The rule of double: no matrix product",
    ]
    assert failure[3] == "On this input:"


def test_an_endless_loop_is_too_slow_and_the_next_test_still_runs(toy):
    start = time.monotonic()
    result = toy.run("--impl", toy.variant("too slow"), "--device", "cpu")
    assert time.monotonic() - start < 15
    assert verdicts(result) == {
        "test_double_doubles[cpu]": "too slow", "test_halve_halves": "passed",
    }
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert failure[0] == (
        "too slow: double used more than 1 s of CPU time on one input and was stopped."
    )


def test_a_changed_input_is_named_with_the_line(toy):
    impl = toy.variant("mutated")
    result = toy.run("--impl", impl, "--device", "cpu")
    assert verdicts(result)["test_double_doubles[cpu]"] == "rule broken"
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert failure[:2] == [
        "rule broken: double changed its input `t` in place",
        f"  at {impl}/01_toy/toy.py:2: t.mul_(2)",
    ]


def test_a_module_that_does_not_import_gives_one_short_message(toy):
    impl = toy.impl("syntax", "def double(t):\n    return t *\n" + HALVE)
    result = toy.run("--impl", impl, "--device", "cpu")
    assert set(verdicts(result).values()) == {"crashed"}
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert len(failure) == 1
    assert failure[0].startswith(f"crashed: {impl}/01_toy/toy.py does not import (line 2): ")
    assert "SyntaxError" in failure[0]


def test_a_test_that_fails_for_its_own_reasons_keeps_pytests_report(toy):
    (toy.pytester.path / "katas" / "01_toy" / "test_toy.py").write_text(
        TESTS + '\n\n@graded("halve")\ndef test_broken_test(kata):\n    return {}["missing"]\n'
    )
    result = toy.run("--impl", "reference", "--device", "cpu")
    assert verdicts(result)["test_broken_test"] == "error"
    assert "KeyError" in "\n".join(failure_of(result, "test_broken_test"))


# --- messages that stay readable -----------------------------------------------------------------


def test_a_torch_warning_from_learner_code_names_the_learners_line(toy):
    impl = toy.impl(
        "warns", "import torch\n\n\ndef double(t):\n    u = torch.tensor(t)\n    return u * 2\n"
        + HALVE,
    )
    result = toy.run("--impl", impl, "--device", "cpu")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines([
        "*warnings summary*",
        "katas/01_toy/test_toy.py::test_double_doubles[cpu]",
        f"  {impl}/01_toy/toy.py:5: UserWarning: To copy construct from a tensor, *",
        "    u = torch.tensor(t)",
    ])
    assert "rules.py" not in text(result)


FIXED_DATA_TEST = """

from dojo import show
from dojo.outcomes import Blocked


@graded("double")
def test_double_on_a_ramp(kata):
    ramp = torch.arange(1000, dtype=torch.float64) / 8
    t = show.fixed_data(ramp, "the test's ramp, torch.arange(1000, dtype=torch.float64) / 8")
    checks.assert_tensor(kata.double(t), t * 2)


@graded("halve")
def test_halve_once_double_works(kata):
    kata.halve(4.0)
    raise Blocked("halve cannot be graded until double is right\\nLook at: double's tests.")
"""


def test_a_plain_tests_input_is_labelled_fixed_and_fixed_data_is_described(toy):
    (toy.pytester.path / "katas" / "01_toy" / "test_toy.py").write_text(TESTS + FIXED_DATA_TEST)
    result = toy.run("--impl", toy.variant("wrong"), "--device", "cpu")
    failure = failure_of(result, "test_double_on_a_ramp")
    assert failure[0].startswith("wrong: result[1]=0.375, but should be 0.25")
    label = failure.index("The test's fixed input (the same on every run):")
    assert failure[label + 1 :] == [
        "    t = <tensor of shape (1000,), torch.float64: min 0, max 124.9, mean 62.44; "
        "first 0, 0.125, 0.25, 0.375, 0.5, ...; "
        "the test's ramp, torch.arange(1000, dtype=torch.float64) / 8>",
        "    double(t)",
    ]
    assert "Hypothesis" not in "\n".join(failure)
    # A Hypothesis test's input is still the one Hypothesis found.
    assert "The smallest failing input Hypothesis found:" in failure_of(
        result, "test_double_doubles[cpu]"
    )


def test_a_blocked_test_shows_its_message_alone(toy):
    (toy.pytester.path / "katas" / "01_toy" / "test_toy.py").write_text(TESTS + FIXED_DATA_TEST)
    result = toy.run("--impl", "reference", "--device", "cpu")
    assert verdicts(result)["test_halve_once_double_works"] == "wrong"
    assert failure_of(result, "test_halve_once_double_works") == [
        "wrong: halve cannot be graded until double is right",
        "Look at: double's tests.",
    ]


@pytest.mark.parametrize(("source", "note"), [
    ("def double(t):\n    return double(t)\n", "  [Previous line repeated * more times]"),
    ("def double(t):\n    return twice(t)\n\n\ndef twice(t):\n    return double(t)\n",
     "  [Previous 2 frames repeated * more times]"),
], ids=["recursion", "mutual recursion"])
def test_endless_recursion_is_collapsed_as_python_does(toy, source, note):
    impl = toy.impl("recursion", source + HALVE)
    result = toy.run("--impl", impl, "--device", "cpu")
    assert verdicts(result)["test_double_doubles[cpu]"] == "crashed"
    failure = failure_of(result, "test_double_doubles[cpu]")
    assert len(failure) < 20, "\n".join(failure)
    assert failure[-1].startswith("RecursionError: maximum recursion depth exceeded")
    assert any(re.fullmatch(re.escape(note).replace(r"\*", r"\d+"), line) for line in failure)


def test_printed_output_is_cut_to_a_readable_size(toy):
    impl = toy.impl(
        "chatty",
        'def double(t):\n    print("x" * 100_000)\n    for k in range(1000):\n'
        '        print("step", k)\n    return t * 3\n' + HALVE,
    )
    result = toy.run("--impl", impl, "--device", "cpu")
    assert verdicts(result)["test_double_doubles[cpu]"] == "wrong"
    output = text(result)
    assert len(output) < 50_000
    assert "characters cut ...]" in output
    assert re.search(r"\[\.\.\. [\d,]+ lines \([\d,]+ characters\) of the output cut", output)
    assert "step 999" in output  # the end: what the last, smallest example printed


def test_a_huge_value_in_a_message_is_cut_and_keeps_its_end(toy):
    (toy.pytester.path / "katas" / "01_toy" / "test_toy.py").write_text(
        TESTS + '\n\n@graded("halve")\ndef test_halve_of_a_list(kata):\n'
        "    checks.assert_equal(kata.halve([2.0, 4.0]), [1.0, 2.0])\n"
    )
    impl = toy.impl(
        "huge", "def double(t):\n    return t * 2\n\n\ndef halve(x):\n"
        "    return list(range(10**6)) if isinstance(x, list) else x / 2\n",
    )
    result = toy.run("--impl", impl, "--device", "cpu")
    assert verdicts(result)["test_halve_of_a_list"] == "wrong"
    failure = failure_of(result, "test_halve_of_a_list")
    assert failure[0].startswith("wrong: result=[0, 1, 2, 3")
    assert failure[0].endswith("but should be [1.0, 2.0]")
    assert "characters cut ...]" in failure[0]
    assert failure[-2:] == ["    x = [2.0, 4.0]", "    halve(x)"]
    assert len(text(result)) < 20_000


# --- summary and selection ------------------------------------------------------------------------


def test_the_summary_has_one_line_per_kata(toy):
    result = toy.run("--impl", toy.variant("wrong"), "--device", "cpu")
    result.stdout.fnmatch_lines([
        "*dojo: functions passed per kata*",
        "01_toy  1/2  double: wrong",
    ])


def test_the_summary_says_all_passed(toy):
    result = toy.run("--impl", "reference", "--device", "cpu")
    result.stdout.fnmatch_lines(["01_toy  2/2  all passed"])


def test_the_summary_gives_a_function_its_worst_verdict(toy):
    tests = TESTS + (
        '\n\n@graded("double")\ndef test_double_of_none(kata):\n'
        "    assert kata.double(None) is None\n"
    )
    (toy.pytester.path / "katas" / "01_toy" / "test_toy.py").write_text(tests)
    result = toy.run("--impl", "reference", "--device", "cpu")
    assert verdicts(result)["test_double_of_none"] == "crashed"
    result.stdout.fnmatch_lines(["01_toy  1/2  double: crashed"])


def test_function_option_selects_the_tests_of_one_function(toy):
    result = toy.run("--impl", "reference", "--function", "halve")
    result.assert_outcomes(passed=1, deselected=2)
    assert list(verdicts(result)) == ["test_halve_halves"]
    # one function, not the whole kata: the summary says so
    result.stdout.fnmatch_lines(["01_toy  1/1  all passed (graded halve only: --function)"])


def test_function_option_may_be_repeated(toy):
    result = toy.run("--impl", "reference", "--device", "cpu",
                     "--function", "halve", "--function", "double")
    result.assert_outcomes(passed=2)
