"""dojo.progress: the record of each function's last verdict that the plugin keeps for the
learner's own runs, read back for `dojo status`, `next`, `hint` and `solution`."""

from __future__ import annotations

import json
from pathlib import Path

import dojoproject
import pytest

from dojo import curriculum, progress

EXTRA_HALVE_TEST = '''

@graded("halve")
@given(x=st.integers(-100, 0))
def test_halve_halves_negative_numbers(kata, x):
    checks.assert_number(kata.halve(float(x)), x / 2)
'''


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv(progress.HOME_ENV, str(home))
    for name in ("DOJO_IMPL", "DOJO_DEVICES", "HYPOTHESIS_PROFILE", "CI"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def toy(pytester, home) -> Path:
    root = dojoproject.toy(pytester.path)
    tests = root / "katas" / "01_toy" / "test_toy.py"
    tests.write_text(tests.read_text() + EXTRA_HALVE_TEST)
    return root


def run(pytester, *args: str, where: str = "katas") -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        where, "-p", "dojo.plugin", "-p", "no:cacheprovider", "--hypothesis-profile", "ci",
        "--device", "cpu", *args,
    )


def recorded(home: Path) -> dict[str, dict[str, str]]:
    data = json.loads((home / progress.FILE_NAME).read_text())
    return {k: v["functions"] for k, v in data["katas"].items()}


def use(root: Path, source: str) -> None:
    (root / "katas" / "01_toy" / "toy.py").write_text(source)


# --- what the plugin records --------------------------------------------------------------


def test_a_run_of_the_learners_code_records_each_functions_verdict(pytester, toy, home):
    use(toy, dojoproject.TOY_WRONG_DOUBLE)
    run(pytester).assert_outcomes(passed=2, failed=2)
    assert recorded(home) == {
        "01_toy": {"double": "wrong", "halve": "passed"},
        "02_toy_more": {"triple": "not started"},
    }
    data = json.loads((home / progress.FILE_NAME).read_text())
    assert "do not edit" in data["note"]
    assert data["katas"]["01_toy"]["stub_sha1"] == progress.file_digest(
        toy / "katas" / "01_toy" / "toy.py"
    )


def test_runs_of_the_reference_or_another_directory_are_not_recorded(pytester, toy, home):
    run(pytester, "--impl", "reference").assert_outcomes(passed=4)
    run(pytester, "--impl", str(toy / "reference")).assert_outcomes(passed=4)
    assert not (home / progress.FILE_NAME).exists()


def test_without_dojo_home_the_record_lives_in_the_clone(pytester, toy, monkeypatch):
    monkeypatch.delenv(progress.HOME_ENV)
    run(pytester)
    assert (toy / ".dojo" / progress.FILE_NAME).is_file()


def test_a_later_run_of_one_function_keeps_the_others(pytester, toy, home):
    run(pytester)
    use(toy, dojoproject.TOY_DONE)
    run(pytester, "--function", "halve").assert_outcomes(passed=2)
    assert recorded(home)["01_toy"] == {"double": "not started", "halve": "passed"}


def test_a_pass_counts_only_when_all_of_the_functions_tests_ran(pytester, toy, home):
    use(toy, dojoproject.TOY_DONE)
    run(pytester, "-k", "test_halve_halves_negative_numbers").assert_outcomes(passed=1)
    assert not (home / progress.FILE_NAME).exists() or recorded(home) == {}
    use(toy, "def double(t):\n    return t * 2\n\n\ndef halve(x):\n    return x\n")
    run(pytester, "-k", "negative").assert_outcomes(failed=1)
    assert recorded(home)["01_toy"] == {"halve": "wrong"}  # a failure always counts


def test_a_run_stopped_early_records_only_what_it_saw(pytester, toy, home):
    use(toy, dojoproject.TOY_WRONG_DOUBLE)
    run(pytester, "-x", where="katas/01_toy").assert_outcomes(failed=1)
    assert recorded(home) == {"01_toy": {"double": "wrong"}}


def test_a_corrupted_record_is_rebuilt(pytester, toy, home):
    home.mkdir()
    (home / progress.FILE_NAME).write_text("{not json")
    run(pytester, where="katas/02_toy_more")
    assert recorded(home) == {"02_toy_more": {"triple": "not started"}}


def test_parallel_runs_record_from_the_controller(pytester, toy, home):
    use(toy, dojoproject.TOY_WRONG_DOUBLE)
    result = run(pytester, "-n", "1", where="katas/01_toy")
    result.assert_outcomes(passed=2, failed=1)
    assert recorded(home) == {"01_toy": {"double": "wrong", "halve": "passed"}}


# --- reading it back ------------------------------------------------------------------------


def test_a_missing_record_reads_as_empty(tmp_path, home):
    record = progress.read(tmp_path)
    assert record.problem == "missing"
    assert record.katas == {} and record.hints == {}


@pytest.mark.parametrize(
    "text",
    [
        "{", "[]", '{"format_version": 99}', '{"format_version": 1, "katas": []}',
        '{"format_version": 1, "katas": {"01_toy": {"functions": {"double": 1}}}}',
        '{"format_version": 1, "hints": {"01_toy": {"double": -1}}}',
    ],
)
def test_a_corrupted_record_reads_as_empty_and_says_why(tmp_path, home, text):
    home.mkdir()
    (home / progress.FILE_NAME).write_text(text)
    record = progress.read(tmp_path)
    assert record.problem is not None and record.problem.startswith("corrupted")
    assert record.katas == {}


def test_writes_are_atomic_and_leave_nothing_behind(tmp_path, home):
    record = progress.Record()
    record.hints["01_toy"] = {"double": 2}
    path = progress.write(tmp_path, record)
    assert [p.name for p in home.iterdir()] == [progress.FILE_NAME]
    assert progress.read(tmp_path).hints == {"01_toy": {"double": 2}}
    assert path == home / progress.FILE_NAME


def test_states_and_the_next_step(tmp_path, home):
    root = dojoproject.toy(tmp_path / "clone")
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)

    def states(verdicts):
        progress.write(root, progress.Record())
        if verdicts:
            progress.record_run(root, verdicts, {})
        found = progress.statuses(course, progress.read(root))
        step = progress.next_step(found)
        return [s.state for s in found], step and (step[0].kata.id, step[1].name)

    assert states({}) == (["not started", "not started"], ("01_toy", "double"))
    assert states({"01_toy": {"double": "not started", "halve": "not started"}}) == (
        ["not started", "not started"], ("01_toy", "double"))
    assert states({"01_toy": {"double": "passed", "halve": "wrong"}}) == (
        ["in progress", "not started"], ("01_toy", "halve"))
    assert states({"01_toy": {"double": "wrong"}}) == (
        ["in progress", "not started"], ("01_toy", "double"))
    assert states({"01_toy": {"double": "passed", "halve": "passed"}}) == (
        ["done", "not started"], ("02_toy_more", "triple"))
    assert states({"01_toy": {"double": "passed", "halve": "passed"},
                   "02_toy_more": {"triple": "passed"}}) == (["done", "done"], None)


def test_a_record_for_functions_the_registry_no_longer_has_is_ignored(tmp_path, home):
    root = dojoproject.toy(tmp_path / "clone")
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
    progress.record_run(root, {"01_toy": {"old_name": "passed"}, "99_gone": {"x": "passed"}}, {})
    found = progress.statuses(course, progress.read(root))
    assert [s.passed for s in found] == [0, 0]
