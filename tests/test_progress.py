"""dojo.progress: the record of each function's last verdict that the plugin keeps for the
learner's own runs, read back for `dojo status`, `next`, `hint` and `solution`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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
        '{"format_version": 1, "katas": {"01_toy": {"notebook": {"double": 1}}}}',
        '{"format_version": 1, "katas": {"01_toy": {"file_sha1": []}}}',
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
    assert sorted(p.name for p in home.iterdir()) == [progress.FILE_NAME, progress.LOCK_NAME]
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


# --- the file's verdicts and a notebook's, kept apart (issue 12) ----------------------------


def test_a_function_counts_as_far_as_it_got_in_the_file_or_a_notebook(tmp_path, home):
    root = dojoproject.toy(tmp_path / "clone")
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)

    def toy(file, notebook):
        progress.write(root, progress.Record())
        progress.record_run(root, {"01_toy": file}, {})
        progress.record_run(root, {"01_toy": notebook}, {}, source=progress.NOTEBOOK)
        status = progress.statuses(course, progress.read(root))[0]
        return status.verdicts, status.state, set(status.in_notebook)

    passed = {"double": "passed", "halve": "passed"}
    # a notebook that defines one function, wrongly, takes nothing from the file
    assert toy(passed, {"double": "wrong", "halve": "not started"}) == (passed, "done", set())
    # a notebook's pass counts where the file's does not
    assert toy({"double": "wrong", "halve": "passed"}, {"double": "passed"}) == (
        passed, "done", {"double"})
    # started beats not started, whichever place it comes from; equal: the file's
    assert toy({"double": "not started"}, {"double": "crashed", "halve": "not started"}) == (
        {"double": "crashed", "halve": "not started"}, "in progress", {"double", "halve"})
    assert toy({"double": "wrong"}, {"double": "crashed"})[0]["double"] == "wrong"
    record = progress.read(root).katas["01_toy"]
    assert record.functions == {"double": "wrong"} and record.notebook == {"double": "crashed"}


def test_each_file_verdict_remembers_the_file_it_came_from(tmp_path, home):
    root = dojoproject.toy(tmp_path / "clone")
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
    stub = root / "katas" / "01_toy" / "toy.py"
    stubs = {"01_toy": stub}
    progress.record_run(root, {"01_toy": {"double": "wrong", "halve": "wrong"}}, stubs)
    first = progress.file_digest(stub)
    stub.write_text(dojoproject.TOY_WRONG_DOUBLE)
    progress.record_run(root, {"01_toy": {"halve": "passed"}}, stubs)  # --function halve
    record = progress.read(root).katas["01_toy"]
    assert record.file_sha1 == {"double": first, "halve": progress.file_digest(stub)}
    status = progress.statuses(course, progress.read(root))[0]
    assert status.changed == {"double"} and status.edited
    # a notebook's verdict does not depend on the file: a pass there is never stale
    progress.record_run(root, {"01_toy": {"double": "wrong"}}, {}, source=progress.NOTEBOOK)
    status = progress.statuses(course, progress.read(root))[0]
    assert status.verdicts["double"] == "wrong"
    assert status.in_notebook == {"double"} and not status.changed  # the fresher of equals


def test_a_record_written_before_per_function_digests_still_notices_edits(tmp_path, home):
    root = dojoproject.toy(tmp_path / "clone")
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
    home.mkdir()
    (home / progress.FILE_NAME).write_text(json.dumps({
        "format_version": 1,
        "katas": {"01_toy": {"updated": "", "stub_sha1": "0" * 40,
                             "functions": {"double": "wrong"}}},
    }))
    record = progress.read(root)
    assert record.problem is None
    assert record.katas["01_toy"].file_sha1 == {"double": "0" * 40}
    assert record.katas["01_toy"].notebook == {}
    [status, _] = progress.statuses(course, record)
    assert status.changed == {"double"}


def test_the_file_version_is_the_one_the_run_collected(pytester, toy, home):
    """An edit saved while the tests run: the verdicts are for the file as collected."""
    stub = toy / "katas" / "01_toy" / "toy.py"
    log = progress.RunLog()
    tests = toy / "katas" / "01_toy" / "test_toy.py"
    log.collect("01_toy", "halve", "t::halve", tests)
    collected = progress.file_digest(stub)
    stub.write_text(dojoproject.TOY_DONE)  # saved mid-run
    log.report("01_toy", "halve", "not started", "t::halve")
    log.finish("t::halve")
    log.save(toy, collection_known=True, trust_passes=True)
    record = progress.read(toy).katas["01_toy"]
    assert record.file_sha1 == {"halve": collected} and record.stub_sha1 == collected
    assert collected != progress.file_digest(stub)


def test_a_record_for_functions_the_registry_no_longer_has_is_ignored(tmp_path, home):
    root = dojoproject.toy(tmp_path / "clone")
    course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
    progress.record_run(root, {"01_toy": {"old_name": "passed"}, "99_gone": {"x": "passed"}}, {})
    found = progress.statuses(course, progress.read(root))
    assert [s.passed for s in found] == [0, 0]


# --- a corrupted record: moved aside, said once, rebuilt; never fatal -----------------------

DEEP = "[" * 100_000 + "]" * 100_000

CORRUPTED = {
    "bad bytes": b'\xff\xfe{"format_version": 1}',
    "bad JSON": b"{not json",
    "too deep": DEEP.encode(),
    "wrong structure": b'{"format_version": 1, "katas": [1, 2]}',
    "wrong types": b'{"format_version": 1, "katas": {"01_toy": {"updated": 3}}}',
    "a count that is a boolean": b'{"format_version": 1, "hints": {"01_toy": {"double": true}}}',
}


def corrupt(home: Path, data: bytes) -> Path:
    home.mkdir(exist_ok=True)
    path = home / progress.FILE_NAME
    path.write_bytes(data)
    return path


def set_aside(home: Path) -> list[Path]:
    return sorted(home.glob(f"{progress.FILE_NAME}.corrupted-*"))


@pytest.mark.parametrize("what", list(CORRUPTED))
def test_any_unreadable_record_reads_as_corrupted_once_and_is_kept_aside(tmp_path, home, what):
    corrupt(home, CORRUPTED[what])
    record = progress.read(tmp_path)
    assert record.corrupted and record.katas == {} and record.hints == {}
    line = progress.notice(tmp_path, record, "rebuilt")
    assert line is not None and "\n" not in line and "is corrupted (" in line
    [aside] = set_aside(home)
    assert record.aside == aside
    assert aside.read_bytes() == CORRUPTED[what]  # nothing the file held is lost
    assert progress.read(tmp_path).problem == "missing"  # said once: it is gone now
    progress.set_hints_shown(tmp_path, "01_toy", "double", 1)
    assert progress.read(tmp_path).hints == {"01_toy": {"double": 1}}


@pytest.mark.parametrize("what", ["bad bytes", "too deep"])
def test_a_graded_run_rebuilds_a_corrupted_record_and_says_so_in_one_line(
    pytester, toy, home, what
):
    corrupt(home, CORRUPTED[what])
    result = run(pytester, where="katas/02_toy_more")
    result.assert_outcomes(failed=1)
    output = result.outlines + result.errlines
    assert "02_toy_more  0/1  triple: not started" in output
    said = [line for line in output if "progress record" in line]
    assert len(said) == 1, output
    assert said[0].startswith("dojo: your progress record ") and "is corrupted (" in said[0]
    assert "it is rebuilt from this run" in said[0]
    assert not any("Traceback" in line or "INTERNALERROR" in line for line in output)
    assert recorded(home) == {"02_toy_more": {"triple": "not started"}}
    [aside] = set_aside(home)
    assert aside.read_bytes() == CORRUPTED[what]


# --- two writers at once ---------------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from dojo import progress

who, times = int(sys.argv[1]), int(sys.argv[2])
for n in range(times):
    name = f"w{who}_{n}"
    progress.record_run(Path("."), {"01_toy": {name: "passed"}}, {})
    progress.set_hints_shown(Path("."), "01_toy", name, n + 1)
"""


def test_processes_recording_at_once_lose_no_update(tmp_path, home):
    writers, times = 4, 40
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(who), str(times)], cwd=tmp_path,
                         env=dojoproject.dojo_env(home), stderr=subprocess.PIPE, text=True)
        for who in range(writers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    record = progress.read(tmp_path)
    assert record.problem is None
    names = {f"w{who}_{n}" for who in range(writers) for n in range(times)}
    assert set(record.katas["01_toy"].functions) == names
    assert record.hints["01_toy"] == {f"w{w}_{n}": n + 1 for w in range(writers)
                                      for n in range(times)}
    assert not list(home.glob(".progress-*.tmp"))


KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from dojo import progress

def hang(src, dst):  # the temporary file is written: now the writer dies
    print("writing", flush=True)
    time.sleep(600)

os.replace = hang
progress.set_hints_shown(Path("."), "01_toy", "double", 1)
"""


def test_a_writer_killed_mid_write_leaves_nothing_behind_after_the_next_write(tmp_path, home):
    root = dojoproject.toy(tmp_path / "clone")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER], cwd=root,
                              env=dojoproject.dojo_env(home), stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    finally:
        writer.kill()  # kill -9, holding the lock, its temporary file written
        writer.wait()
    assert len(list(home.glob(".progress-*.tmp"))) == 1  # the dead writer's
    old = home / f".progress-{os.getpid()}-old.tmp"  # a live pid, but two minutes old
    old.write_text("{}")
    os.utime(old, (time.time() - 120, time.time() - 120))
    fresh = home / f".progress-{os.getpid()}-fresh.tmp"  # a live writer's: kept
    fresh.write_text("{}")

    result = dojoproject.dojo(root, home, "hint", "01_toy", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "hint 1 of 2" in result.stdout
    assert sorted(p.name for p in home.glob(".progress-*.tmp")) == [fresh.name]
    assert progress.read(root).hints == {"01_toy": {"double": 1}}
