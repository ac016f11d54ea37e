"""Every kata: the reference passes, the pristine stub reads "not started",
every mutant is caught and every correct alternative passes."""

from __future__ import annotations

import pytest
from katarun import COURSE, FAILING, KATAS, REFERENCE, discover, run_kata

KATA_IDS = [k.id for k in COURSE.katas]
MUTANTS = discover("mutants")
ALTERNATIVES = discover("alternatives")


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_reference_passes_every_graded_test(pytester, kata_id):
    run = run_kata(pytester, kata_id, REFERENCE)
    assert run.ret == 0, run.output
    assert run.all_verdicts, f"no graded test ran for {kata_id}"
    assert set(run.all_verdicts) == {"passed"}, run.output


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_pristine_stub_reads_not_started_everywhere(pytester, kata_id):
    run = run_kata(pytester, kata_id, KATAS)
    assert run.ret == 1
    assert set(run.all_verdicts) == {"not started"}, run.output
    assert "Traceback" not in run.output
    failures = len(run.verdicts)
    # One line per failing test in FAILURES, one in the short summary, plus headers.
    assert len(run.output.splitlines()) < 4 * failures + 25, run.output


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_is_caught(pytester, mutant):
    impl = mutant.build(pytester.path / "impl")
    run = run_kata(pytester, mutant.kata, impl, "--function", mutant.function)
    assert run.ret == 1, f"{mutant.id} was not caught:\n{run.output}"
    caught = set(run.all_verdicts) & FAILING
    assert caught, f"{mutant.id}: no test failed for a reason a learner can use:\n{run.output}"
    assert "error" not in run.all_verdicts, run.output
    if mutant.expected:
        assert mutant.expected in caught, run.output


@pytest.mark.parametrize("alternative", ALTERNATIVES, ids=lambda a: a.id)
def test_correct_alternative_is_accepted(pytester, alternative):
    impl = alternative.build(pytester.path / "impl")
    run = run_kata(pytester, alternative.kata, impl, "--function", alternative.function)
    assert run.ret == 0, run.output
    assert set(run.all_verdicts) == {"passed"}, run.output
