"""The `dojo` command, run as a learner runs it (`python -m dojo ...` in a subprocess) on
small projects built in a temporary folder, each with its own state folder (DOJO_HOME)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dojoproject
import pytest
from dojoproject import dojo
from katarun import COURSE, pristine_katas

from dojo import curriculum, progress

ANSI = re.compile(r"\x1b\[")


HAVE_GIT = shutil.which("git") is not None
needs_git = pytest.mark.skipif(not HAVE_GIT, reason="dojo reset takes stubs from git history")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The two toy katas, committed to git (dojo reset takes the stubs from there)."""
    root = dojoproject.toy(tmp_path / "clone")
    if HAVE_GIT:
        dojoproject.git_commit(root)
    return root


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def write_stub(root: Path, source: str) -> Path:
    path = root / "katas" / "01_toy" / "toy.py"
    path.write_text(source)
    return path


def seed(root: Path, home: Path, verdicts: dict[str, dict[str, str]]) -> None:
    """A record as the plugin writes it (for the commands that only read it)."""
    stubs = {k: root / "katas" / k / ("toy.py" if k == "01_toy" else "toy_more.py")
             for k in verdicts}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOJO_HOME", str(home))
        progress.record_run(root, verdicts, stubs)


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dojo"), lines[0]
    return lines[0]


# --- status ------------------------------------------------------------------------------


def test_status_without_a_record_says_run_the_tests(project, home):
    result = dojo(project, home)  # no command: status
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"01_toy\s+1\s+A toy kata\s+0/2\s+not started", out)
    assert re.search(r"02_toy_more\s+2\s+Another toy kata\s+0/1\s+not started", out)
    assert "0/3 functions, 0 of 2 katas done" in out
    assert "No results recorded yet: run the tests" in out
    assert "Next: katas/01_toy/toy.py, `double`" in out
    assert not ANSI.search(out)


def test_status_follows_the_graded_runs(project, home):
    write_stub(project, dojoproject.TOY_WRONG_DOUBLE)
    check = dojo(project, home, "check", "01_toy")
    assert check.returncode == 1, check.stdout + check.stderr
    result = dojo(project, home, "status")
    out = result.stdout
    assert re.search(r"01_toy\s+1\s+A toy kata\s+1/2\s+in progress", out), out
    assert "1/3 functions, 0 of 2 katas done" in out
    assert "Next: katas/01_toy/toy.py, `double` (last run: wrong)" in out
    assert "No results recorded" not in out

    write_stub(project, dojoproject.TOY_DONE)
    assert dojo(project, home, "check").returncode == 0  # the current kata: 01_toy
    out = dojo(project, home, "status").stdout
    assert re.search(r"01_toy\s+1\s+A toy kata\s+2/2\s+done", out), out
    assert "Next: katas/02_toy_more/toy_more.py, `triple` (last run: not run yet)" in out
    assert "█" * 20 in out and "░" in out  # 2 of 3 functions: two thirds of the bar

    write_stub(project, dojoproject.TOY_DONE + "\n# edited\n")
    out = dojo(project, home, "status").stdout
    assert re.search(r"01_toy\s+1\s+A toy kata\s+2/2\*\s+done", out), out
    assert "* your file changed since these results" in out


def test_status_survives_a_corrupted_record(project, home):
    home.mkdir()
    (home / "progress.json").write_text('{"format_version": 1, "katas": [1, 2')
    result = dojo(project, home, "status")
    assert result.returncode == 0, result.stderr
    assert "is corrupted" in one_error_line(result) and "dojo check" in result.stderr
    assert "0/3 functions" in result.stdout
    # the next graded run rewrites it
    write_stub(project, dojoproject.TOY_DONE)
    assert dojo(project, home, "check", "1").returncode == 0
    record = json.loads((home / "progress.json").read_text())
    assert record["katas"]["01_toy"]["functions"] == {"double": "passed", "halve": "passed"}
    assert "2/3 functions" in dojo(project, home, "status").stdout


def test_status_with_a_record_of_another_shape_is_not_a_crash(project, home):
    home.mkdir()
    (home / "progress.json").write_text(json.dumps({"format_version": 1, "katas": {"01_toy": 3}}))
    result = dojo(project, home, "status")
    assert result.returncode == 0, result.stderr
    assert "is corrupted" in one_error_line(result)


CORRUPTED = {
    "bad bytes": b'\xff\xfe{"format_version": 1}',
    "too deep": ("[" * 100_000 + "]" * 100_000).encode(),
    "wrong types": b'{"format_version": 1, "katas": {"01_toy": {"functions": ["double"]}}}',
}


@pytest.mark.parametrize(
    ("what", "args", "code"),
    [(what, ["status"], 0) for what in CORRUPTED]
    + [("bad bytes", args, code) for args, code in [
        (["next"], 0), (["hint", "01"], 0), (["solution", "01"], 1),
    ]],
)
def test_a_corrupted_record_is_said_once_kept_aside_and_never_fatal(
    project, home, what, args, code
):
    home.mkdir()
    (home / "progress.json").write_bytes(CORRUPTED[what])
    result = dojo(project, home, *args, COLUMNS="200")
    assert result.returncode == code, result.stdout + result.stderr
    if args[0] == "solution":  # its "locked" message goes to stderr too, after the notice
        line, locked = result.stderr.splitlines()
        assert locked.startswith("The solution of 01_toy opens once your code passes")
    else:
        line = one_error_line(result)
    assert re.fullmatch(
        r"dojo: your progress record \S+progress\.json is corrupted \(.+\): the old file "
        r"is kept as \S+progress\.json\.corrupted-\d{8}-\d{6}; your next run rebuilds it "
        r"\(dojo check\)", line,
    ), line
    [aside] = home.glob("progress.json.corrupted-*")
    assert aside.read_bytes() == CORRUPTED[what]  # nothing is lost
    again = dojo(project, home, "status")
    assert again.returncode == 0 and again.stderr == ""  # said once


def test_status_marks_a_kata_whose_folder_is_missing(project, home):
    (project / "katas" / "02_toy_more" / "toy_more.py").unlink()
    (project / "katas" / "02_toy_more" / "test_toy_more.py").unlink()
    (project / "katas" / "02_toy_more").rmdir()
    result = dojo(project, home, "status")
    assert result.returncode == 0, result.stderr
    assert re.search(r"02_toy_more\s+2\s+Another toy kata\s+0/1\s+missing", result.stdout)


def test_status_in_colour_when_asked(project, home):
    result = dojo(project, home, "status", NO_COLOR="", FORCE_COLOR="1")
    assert ANSI.search(result.stdout)


def test_outside_a_clone_one_line_and_exit_1(tmp_path, home):
    result = dojo(tmp_path, home, "status")
    assert result.returncode == 1
    assert "no katas/curriculum.toml here or above" in one_error_line(result)


# --- next -------------------------------------------------------------------------------------


def test_next_shows_the_first_unfinished_function_its_docstring_and_file(project, home):
    result = dojo(project, home, "next")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Next: 01_toy, double (last run: not run yet)" in out
    assert "Open katas/01_toy/toy.py" in out
    assert "def double(t):" in out
    assert "t: a tensor. Returns a tensor of the same shape, dtype and device." in out
    assert "Rule: no matrix product" in out

    seed(project, home, {"01_toy": {"double": "passed", "halve": "wrong"}})
    out = dojo(project, home, "next").stdout
    assert "Next: 01_toy, halve (last run: wrong)" in out
    assert "Half of x." in out

    seed(project, home, {"01_toy": {"halve": "passed"}, "02_toy_more": {"triple": "passed"}})
    out = dojo(project, home, "next").stdout
    assert "Every kata passes" in out


def test_next_from_a_subfolder_names_the_path_from_there(project, home):
    result = dojo(project / "katas" / "01_toy", home, "next")
    assert "Open toy.py" in result.stdout


# --- check ------------------------------------------------------------------------------------


def test_check_grades_the_current_kata_with_the_learner_facing_output(project, home):
    result = dojo(project, home, "check")
    assert result.returncode == 1
    out = result.stdout
    assert "dojo check 01_toy: A toy kata" in out
    assert "not started: double still raises NotImplementedError" in out
    assert "01_toy  0/2  double: not started, halve: not started" in out


def test_check_one_function_and_exit_codes(project, home):
    write_stub(project, dojoproject.TOY_WRONG_DOUBLE)
    result = dojo(project, home, "check", "toy", "--function", "halve")
    assert result.returncode == 0, result.stdout
    assert "01_toy  1/1  all passed" in result.stdout
    result = dojo(project, home, "check", "01_toy", "--function", "double")
    assert result.returncode == 1
    assert "wrong: result[0]=" in result.stdout
    result = dojo(project, home, "check", "01_toy", "--function", "quadruple")
    assert result.returncode == 2
    assert "01_toy has no function 'quadruple': its functions are double, halve" in (
        one_error_line(result)
    )


def test_check_with_the_reference_does_not_count_as_progress(project, home):
    result = dojo(project, home, "check", "01_toy", "--impl", "reference")
    assert result.returncode == 0, result.stdout
    assert not (home / "progress.json").exists()


def test_check_a_missing_file_says_how_to_get_it_back(project, home):
    (project / "katas" / "01_toy" / "toy.py").unlink()
    result = dojo(project, home, "check", "01_toy")
    assert result.returncode == 1
    assert "katas/01_toy/toy.py is missing: `dojo reset 01_toy` restores the stub" in (
        one_error_line(result)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "tyo"], "unknown kata 'tyo': did you mean '01_toy'?"),
        (["hint", "01_toi"], "unknown kata '01_toi': did you mean '01_toy'?"),
        (["reset", "toy_mor"], "unknown kata 'toy_mor': did you mean '02_toy_more'?"),
        (["solution", "xyzzy"], "unknown kata 'xyzzy': the katas are 01_toy, 02_toy_more"),
        (["check", "7"], "no kata number 7: the katas run from 01_toy to 02_toy_more"),
        (["hint", "01", "x"], "argument N: invalid int value: 'x'"),
        (["hint", "01", "9"], "double has 2 hints, numbered 1 to 2, so there is no hint 9"),
        (["hint", "01", "0"], "double has 2 hints, numbered 1 to 2, so there is no hint 0"),
        (["hint", "01", "--function", "double", "x"], "argument N: invalid int value: 'x'"),
        (["hint", "01", "--function", "double", "3"],
         "double has 2 hints, numbered 1 to 2, so there is no hint 3"),
        (["hint", "01", "--function", "double", "1", "2"], "unrecognized arguments: 1 2"),
        (["hint", "01", "--function", "triple"],
         "01_toy has no function 'triple': its functions are double, halve"),
        (["restore", "01", "1", "--list"], "give a BACKUP to restore or --list, not both"),
        (["bench", "--shape", "5,x,10"], "bad --shape '5,x,10': expected three sizes M,K,N"),
        (["watch", "01", "--max-runs", "0"], "--max-runs must be 1 or more, not 0"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_names_and_numbers_get_one_line_and_exit_2(project, home, args, message):
    result = dojo(project, home, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in one_error_line(result)
    assert result.stdout == ""


COMMANDS = [["status"], ["next"], ["list"], ["check"], ["watch"], ["hint", "01"],
            ["reset", "01"], ["restore", "01"], ["solution", "01"], ["bench"]]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_every_command_outside_a_clone_or_with_a_bad_option_is_one_line(tmp_path, home, args):
    outside = dojo(tmp_path, home, *args)
    assert outside.returncode == 1, outside.stdout + outside.stderr
    assert "no katas/curriculum.toml here or above" in one_error_line(outside)
    dojoproject.toy(tmp_path / "clone")
    bad = dojo(tmp_path / "clone", home, *args, "--bogus")
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "unrecognized arguments: --bogus" in one_error_line(bad)
    assert outside.stdout == bad.stdout == ""


def test_check_a_kata_whose_folder_is_missing_or_a_bad_impl_is_one_line(project, home):
    result = dojo(project, home, "check", "01", "--impl", str(project / "nowhere"))
    assert result.returncode == 2
    assert "bad --impl" in one_error_line(result) and result.stdout == ""
    shutil.rmtree(project / "katas" / "02_toy_more")
    result = dojo(project, home, "check", "02", "--impl", "reference")
    assert result.returncode == 1
    assert "katas/02_toy_more is missing, and its graded tests with it" in (
        one_error_line(result)
    )
    assert result.stdout == ""


def test_bench_with_a_shape_too_big_for_memory_is_one_line(project, home):
    result = dojo(project, home, "bench", "--shape", "99999999,99999999,9999999")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "a matrix of more than 100,000,000 numbers" in one_error_line(result)


def test_ctrl_c_during_check_exits_130_without_a_traceback(project, home, tmp_path):
    marker = tmp_path / "running"
    write_stub(project, (
        "import pathlib, time\n\n\ndef double(t):\n"
        f"    pathlib.Path({str(marker)!r}).touch()\n    time.sleep(600)\n"
    ))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dojo", "check", "01"], cwd=project,
        env=dojoproject.dojo_env(home), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the test never ran"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err


# --- hint --------------------------------------------------------------------------------------


def test_hints_come_one_more_each_time_then_no_more(project, home):
    first = dojo(project, home, "hint", "01_toy")
    assert first.returncode == 0
    assert "01_toy, double: hint 1 of 2" in first.stdout
    assert "Twice t is t plus t." in first.stdout
    second = dojo(project, home, "hint", "01")
    assert "01_toy, double: hint 2 of 2" in second.stdout
    assert "t * 2 keeps the dtype and the device." in second.stdout
    assert "Twice t" not in second.stdout
    third = dojo(project, home, "hint", "toy")
    assert third.returncode == 0
    assert "No more hints for double: all 2 shown" in third.stdout
    again = dojo(project, home, "hint", "toy", "1")
    assert "hint 1 of 2" in again.stdout and "Twice t is t plus t." in again.stdout


def test_hints_follow_the_current_function(project, home):
    seed(project, home, {"01_toy": {"double": "passed", "halve": "wrong"}})
    result = dojo(project, home, "hint", "01_toy")
    assert "01_toy, halve: hint 1 of 1" in result.stdout
    assert "Divide by two." in result.stdout
    other = dojo(project, home, "hint", "01_toy", "--function", "double")
    assert "01_toy, double: hint 1 of 2" in other.stdout


def test_a_function_without_hints_and_a_done_kata(project, home):
    result = dojo(project, home, "hint", "02_toy_more")
    assert result.returncode == 0
    assert "triple has no hints yet" in result.stdout
    seed(project, home, {"01_toy": {"double": "passed", "halve": "passed"}})
    result = dojo(project, home, "hint", "01_toy")
    assert result.returncode == 0
    assert "01_toy passes: every function is done" in result.stdout


def run_suggested(root: Path, home: Path, command: str) -> subprocess.CompletedProcess[str]:
    """Run a `dojo ...` command as printed in dojo's output."""
    argv = shlex.split(command)
    assert argv[0] == "dojo", command
    return dojo(root, home, *argv[1:], COLUMNS="200")


def test_hints_of_a_named_function_suggest_commands_that_give_its_hints(project, home):
    seed(project, home, {"01_toy": {"double": "passed", "halve": "passed"}})  # kata done
    done = dojo(project, home, "hint", "01_toy", COLUMNS="200")
    assert "01_toy passes: every function is done" in done.stdout
    command = re.search(r"(dojo hint .*?) shows the hints of one of them", done.stdout).group(1)
    first = run_suggested(project, home, command)
    assert first.returncode == 0, first.stderr
    assert "01_toy, double: hint 1 of 2" in first.stdout

    command = re.search(r"\((dojo hint .*?) again for the next one\)", first.stdout).group(1)
    assert "--function double" in command
    second = run_suggested(project, home, command)
    assert "01_toy, double: hint 2 of 2" in second.stdout, second.stdout
    assert "t * 2 keeps the dtype and the device." in second.stdout

    third = run_suggested(project, home, command)
    assert "No more hints for double: all 2 shown." in third.stdout
    command = re.search(r"(dojo hint .*?) shows hint N again", third.stdout).group(1)
    assert command.endswith(" N")
    again = run_suggested(project, home, command[:-1] + "1")
    assert again.returncode == 0, again.stderr
    assert "01_toy, double: hint 1 of 2" in again.stdout and "Twice t" in again.stdout


@pytest.mark.parametrize("args", [["01", "2", "--function", "double"],
                                  ["01", "--function", "double", "2"],
                                  ["--function", "double", "01", "2"]])
def test_the_hint_number_goes_before_or_after_the_function(project, home, args):
    result = dojo(project, home, "hint", *args)
    assert result.returncode == 0, result.stderr
    assert "01_toy, double: hint 2 of 2" in result.stdout


# --- reset -------------------------------------------------------------------------------------


@needs_git
def test_reset_backs_up_the_learners_file_then_restores_the_stub(project, home):
    mine = "def double(t):\n    return t + t  # my work\n"
    stub = write_stub(project, mine)
    seed(project, home, {"01_toy": {"double": "passed", "halve": "not started"}})
    result = dojo(project, home, "reset", "01_toy")
    assert result.returncode == 0, result.stderr
    match = re.search(r"Saved your file to (\S+)", result.stdout)
    assert match, result.stdout
    backup = project / match.group(1)
    assert backup.read_text() == mine
    assert re.fullmatch(r"toy-\d{8}-\d{6}\.py", backup.name)
    assert backup.resolve().parent == home / "backups" / "01_toy"
    assert stub.read_text() == dojoproject.TOY_STUB
    assert "Restored the pristine stub katas/01_toy/toy.py" in result.stdout
    # the record of the old file goes; the kata starts over
    assert "01_toy" not in json.loads((home / "progress.json").read_text())["katas"]

    # a second reset has nothing to save; a reset after new work keeps both backups
    again = dojo(project, home, "reset", "01_toy")
    assert "already the pristine stub: nothing to do" in again.stdout
    write_stub(project, mine + "# more\n")
    third = dojo(project, home, "reset", "01_toy")
    second_backup = project / re.search(r"Saved your file to (\S+)", third.stdout).group(1)
    assert second_backup != backup
    assert backup.read_text() == mine
    assert second_backup.read_text() == mine + "# more\n"


@needs_git
def test_reset_finds_the_stub_even_when_the_learner_committed_their_work(project, home):
    write_stub(project, dojoproject.TOY_DONE)
    dojoproject.git_commit(project, "my solutions")
    result = dojo(project, home, "reset", "01")
    assert result.returncode == 0, result.stderr
    assert (project / "katas" / "01_toy" / "toy.py").read_text() == dojoproject.TOY_STUB


@needs_git
def test_reset_restores_a_deleted_stub(project, home):
    (project / "katas" / "01_toy" / "toy.py").unlink()
    result = dojo(project, home, "reset", "01_toy")
    assert result.returncode == 0
    assert "Saved your file" not in result.stdout
    assert (project / "katas" / "01_toy" / "toy.py").read_text() == dojoproject.TOY_STUB


@needs_git
def test_reset_refuses_to_touch_anything_outside_katas(project, home, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("precious = True\n")
    stub = project / "katas" / "01_toy" / "toy.py"
    stub.unlink()
    stub.symlink_to(outside)
    result = dojo(project, home, "reset", "01_toy")
    assert result.returncode == 1
    assert "refusing to touch" in one_error_line(result)
    assert outside.read_text() == "precious = True\n"
    assert stub.is_symlink()
    assert not (home / "backups").exists()


NOT_UTF8 = b"def double(t):\n    return t * 2  # caf\xe9, saved as Latin-1\n\xff\n"


@needs_git
def test_reset_of_a_file_that_is_not_utf8_backs_it_up_byte_for_byte(project, home):
    stub = project / "katas" / "01_toy" / "toy.py"
    stub.write_bytes(NOT_UTF8)
    result = dojo(project, home, "reset", "01_toy")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    backup = project / re.search(r"Saved your file to (\S+)", result.stdout).group(1)
    assert backup.read_bytes() == NOT_UTF8
    assert stub.read_text() == dojoproject.TOY_STUB


@needs_git
def test_reset_skips_a_committed_version_that_is_not_utf8(project, home):
    stub = project / "katas" / "01_toy" / "toy.py"
    stub.write_bytes(NOT_UTF8)
    dojoproject.git_commit(project, "my work, in Latin-1")
    result = dojo(project, home, "reset", "01")
    assert result.returncode == 0, result.stderr
    assert stub.read_text() == dojoproject.TOY_STUB


def test_reset_without_git_history_changes_nothing(tmp_path, home):
    root = dojoproject.toy(tmp_path / "zip-download")
    stub = write_stub(root, "def double(t):\n    return t * 2\n")
    result = dojo(root, home, "reset", "01_toy")
    assert result.returncode == 1
    assert "no copy of the original 01_toy stub anywhere" in one_error_line(result)
    assert stub.read_text() == "def double(t):\n    return t * 2\n"


# --- restore -----------------------------------------------------------------------------------


def saved_backup(result: subprocess.CompletedProcess[str], root: Path) -> Path:
    match = re.search(r"Saved your file to (\S+)", result.stdout)
    assert match, result.stdout + result.stderr
    return root / match.group(1)


def make_backup(home: Path, name: str, content: bytes | str) -> Path:
    path = home / "backups" / "01_toy" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def contents(home: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((home / "backups" / "01_toy").iterdir())]


@needs_git
def test_restore_puts_back_what_reset_saved_and_loses_nothing(project, home):
    stub = project / "katas" / "01_toy" / "toy.py"

    def restore(*args: str) -> subprocess.CompletedProcess[str]:
        return dojo(project, home, "restore", *args, COLUMNS="200")

    first, second = "def double(t):\n    return t + t\n", "def double(t):\n    return 2 * t\n"
    write_stub(project, first)
    reset = dojo(project, home, "reset", "01_toy")
    assert "(dojo restore 01_toy puts it back)" in reset.stdout
    write_stub(project, second)
    dojo(project, home, "reset", "01")  # within the same second its name ends in -2
    assert stub.read_text() == dojoproject.TOY_STUB

    latest = restore("01_toy")  # the latest backup: the second try
    assert latest.returncode == 0, latest.stderr
    assert stub.read_text() == second
    assert saved_backup(latest, project).read_text() == dojoproject.TOY_STUB  # saved first
    assert re.search(r"Restored katas/01_toy/toy\.py from backup 2 \(toy-\d{8}-\d{6}(-2)?\.py, "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)\.\ndojo check 01_toy grades it\.",
                     latest.stdout), latest.stdout

    listed = restore("01", "--list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines() if line[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert "Backups of 01_toy in " in listed.stdout and "oldest first" in listed.stdout
    assert " ".join(rows[1][4:]) == "2 lines the same as your file"
    assert " ".join(rows[2][4:]).startswith("16 lines latest")
    names = [row[1] for row in rows]

    by_number = restore("01_toy", "1")
    assert by_number.returncode == 0, by_number.stderr
    assert stub.read_text() == first
    assert "Saved your file" not in by_number.stdout  # it is backup 2, byte for byte
    assert f"Your file was saved already, as backup 2 ({names[1]}, " in by_number.stdout
    assert len(contents(home)) == 3

    same = restore("01_toy", names[0])
    assert same.returncode == 0
    assert f"katas/01_toy/toy.py is already backup 1 ({names[0]}, " in same.stdout
    assert "nothing to do" in same.stdout

    by_path = restore("01_toy", str(home / "backups" / "01_toy" / names[2]))
    assert by_path.returncode == 0, by_path.stderr
    assert stub.read_text() == dojoproject.TOY_STUB
    by_stem = restore("01_toy", names[1].removesuffix(".py"))
    assert by_stem.returncode == 0, by_stem.stderr
    assert stub.read_text() == second
    # every version the learner had is still somewhere
    kept = {*contents(home), stub.read_bytes()}
    assert {first.encode(), second.encode(), dojoproject.TOY_STUB.encode()} <= kept


def test_restore_without_git_and_of_a_file_that_is_not_utf8(tmp_path, home):
    root = dojoproject.toy(tmp_path / "zip-download")  # restore needs no git
    make_backup(home, "toy-20240101-120000.py", NOT_UTF8)
    make_backup(home, "notes.txt", "not a backup")  # other files are not listed
    stub = write_stub(root, "def double(t):\n    return t * 2  # unsaved\n")
    result = dojo(root, home, "restore", "01_toy")
    assert result.returncode == 0, result.stderr
    assert stub.read_bytes() == NOT_UTF8
    assert saved_backup(result, root).read_text() == "def double(t):\n    return t * 2  # unsaved\n"
    listed = dojo(root, home, "restore", "01_toy", "--list")
    assert "notes.txt" not in listed.stdout
    assert re.search(r"1\s+toy-20240101-120000\.py\s+2024-01-01 12:00:00\s+3 lines\s+the same "
                     "as your file", listed.stdout), listed.stdout


def test_restore_of_a_deleted_file(project, home):
    make_backup(home, "toy-20240101-120000.py", dojoproject.TOY_DONE)
    stub = project / "katas" / "01_toy" / "toy.py"
    stub.unlink()
    result = dojo(project, home, "restore", "01")
    assert result.returncode == 0, result.stderr
    assert "Saved your file" not in result.stdout
    assert stub.read_text() == dojoproject.TOY_DONE


def test_restore_with_no_backups_or_an_unknown_one_is_one_line(project, home):
    stub = write_stub(project, "mine = 1\n")
    none = dojo(project, home, "restore", "01_toy")
    assert none.returncode == 1 and none.stdout == ""
    assert re.fullmatch(r"dojo: error: no backups of 01_toy in \S+ yet: dojo reset 01_toy saves "
                        "your file there before it restores the stub", one_error_line(none))
    nothing = dojo(project, home, "restore", "01_toy", "--list")
    assert nothing.returncode == 0 and "No backups of 01_toy in" in nothing.stdout

    make_backup(home, "toy-20240101-120000.py", "a = 1\n")
    make_backup(home, "toy-20240101-120000-2.py", "a = 2\n")  # the same second, later
    for wanted in ("0", "3", "-1", "x", "toy-20240101-120001.py", "../01_toy/toy.py"):
        bad = dojo(project, home, "restore", "01_toy", wanted)
        assert bad.returncode == 2, bad.stdout + bad.stderr
        assert one_error_line(bad) == (
            f"dojo: error: no backup {wanted!r} of 01_toy: give a number (1 to 2) or a file "
            "name from dojo restore 01_toy --list"
        )
        assert bad.stdout == ""
    assert stub.read_text() == "mine = 1\n"
    assert dojo(project, home, "restore", "01_toy").returncode == 0
    assert stub.read_text() == "a = 2\n"  # -2 is the later of the two


def test_restore_refuses_to_touch_anything_outside_katas(project, home, tmp_path):
    make_backup(home, "toy-20240101-120000.py", "a = 1\n")
    outside = tmp_path / "elsewhere.py"
    outside.write_text("precious = True\n")
    stub = project / "katas" / "01_toy" / "toy.py"
    stub.unlink()
    stub.symlink_to(outside)
    result = dojo(project, home, "restore", "01_toy")
    assert result.returncode == 1
    assert "refusing to touch" in one_error_line(result)
    assert outside.read_text() == "precious = True\n" and stub.is_symlink()
    assert len(contents(home)) == 1


def test_restore_is_in_the_help(project, home):
    top = dojo(project, home, "--help", COLUMNS="200")
    assert re.search(r"restore\s+put back a file that dojo reset \(or restore\) saved", top.stdout)
    own = dojo(project, home, "restore", "--help", COLUMNS="200")
    assert own.returncode == 0
    assert "usage: dojo restore [-h] [--list] kata [BACKUP]" in own.stdout
    assert "nothing you wrote is lost" in own.stdout


# --- solution ----------------------------------------------------------------------------------


def test_the_solution_is_locked_until_the_kata_passes(project, home):
    result = dojo(project, home, "solution", "01_toy")
    assert result.returncode == 1
    assert "The solution of 01_toy opens once your code passes: 0/2" in result.stderr
    assert result.stdout == ""  # `dojo solution 1 > x.py` never writes prose into x.py

    write_stub(project, dojoproject.TOY_DONE)
    assert dojo(project, home, "check", "01_toy").returncode == 0
    result = dojo(project, home, "solution", "01_toy")
    assert result.returncode == 0
    assert "# reference/01_toy/toy.py" in result.stdout
    assert "def double(t):\n    return t * 2" in result.stdout


def test_force_shows_the_solution_only_after_a_yes(project, home):
    declined = dojo(project, home, "solution", "01_toy", "--force", stdin="n\n")
    assert declined.returncode == 1
    assert "Show it anyway? [y/N]" in declined.stderr  # the question, even when redirected
    assert "Not shown." in declined.stderr
    assert declined.stdout == ""
    no_answer = dojo(project, home, "solution", "01_toy", "--force")  # stdin at EOF
    assert no_answer.returncode == 1 and no_answer.stdout == ""
    accepted = dojo(project, home, "solution", "01_toy", "--force", stdin="y\n")
    assert accepted.returncode == 0
    assert accepted.stdout == "# reference/01_toy/toy.py\n" + dojoproject.TOY_REFERENCE


@pytest.fixture(scope="module")
def every_kata(tmp_path_factory) -> Path:
    """A project with every real kata (stubs, tests, references), none solved."""
    ids = [k.id for k in curriculum.load(dojoproject.ROOT / "katas" / "curriculum.toml").katas]
    return dojoproject.real(tmp_path_factory.mktemp("every") / "clone", ids)


def passed(root: Path, home: Path, kata_id: str) -> None:
    """Record every function of the kata as passed: its solution opens without a question."""
    kata = curriculum.load(root / "katas" / "curriculum.toml").kata(kata_id)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOJO_HOME", str(home))
        progress.record_run(root, {kata_id: {f.name: "passed" for f in kata.functions}},
                            {kata_id: root / "katas" / kata_id / f"{kata.module}.py"})


def reference_of(root: Path, kata_id: str) -> tuple[str, str]:
    """(its path as dojo shows it, its text)."""
    [path] = (root / "reference" / kata_id).glob("[!_]*.py")
    return path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")


@pytest.mark.parametrize("kata_id", [
    k.id for k in curriculum.load(dojoproject.ROOT / "katas" / "curriculum.toml").katas
])
def test_the_solution_is_the_reference_exactly_however_narrow_the_terminal(
    every_kata, home, kata_id
):
    # `dojo solution 4 > x.py`: at 40 columns every reference has lines to wrap
    shown, source = reference_of(every_kata, kata_id)
    assert max(len(line) for line in source.splitlines()) > 40
    passed(every_kata, home, kata_id)
    result = dojo(every_kata, home, "solution", kata_id, COLUMNS="40")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"# {shown}\n{source}"
    compile(result.stdout, "x.py", "exec")


TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize("kata_id", ["03_broadcasting", "04_einsum", "12_unfold_conv"])
def test_the_solution_on_a_terminal_is_highlighted_and_never_wrapped(every_kata, home, kata_id):
    """What a learner copies from a 40-column terminal is the reference, line for line."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    shown, source = reference_of(every_kata, kata_id)
    passed(every_kata, home, kata_id)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dojo", "solution", kata_id], cwd=every_kata,
        env=dojoproject.dojo_env(home, COLUMNS="40", NO_COLOR="", TERM="xterm-256color"),
        stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE,
    )
    os.close(follower)
    assert proc.stderr is not None
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, stderr
    raw = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert ANSI.search(raw)  # highlighted
    plain = TERMINAL_CODES.sub("", raw)
    assert plain == f"# {shown}\n{source}"
    compile(plain, "x.py", "exec")


def test_a_kata_without_a_reference_says_so(project, home):
    (project / "reference" / "02_toy_more" / "toy_more.py").unlink()
    result = dojo(project, home, "solution", "02_toy_more", "--force", stdin="y\n")
    assert result.returncode == 1
    assert "there is no reference solution at reference/02_toy_more/toy_more.py" in (
        one_error_line(result)
    )


# --- list, bench ---------------------------------------------------------------------------------


def test_list_names_every_kata_and_function(project, home):
    result = dojo(project, home, "list")
    assert result.returncode == 0
    assert re.search(r"01_toy\s+grade 1  A toy kata\n\s+double, halve", result.stdout)


def test_bench_times_the_ladder_and_marks_unwritten_steps(tmp_path, home):
    root = dojoproject.real(
        tmp_path / "clone", ["02_matmul", "03_broadcasting", "04_einsum"], solved=("02_matmul",)
    )
    result = dojo(root, home, "bench", "--shape", "3,16,4")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "The speed ladder: (3, 16) × (16, 4)" in out
    labels = ("triple loop", "elementwise", "broadcast", "no loops", "einsum", "torch @")
    rows = {label: next(line for line in out.splitlines() if line.startswith(label))
            for label in labels}
    timed = r"\s+[\d.]+ (s|ms|µs)\s+(±[\d.,]+%|1 run)\s+[\d,.]+×\s+█"
    assert re.search(r"matmul_loops" + timed, rows["triple loop"])
    assert re.search(r"matmul_elementwise" + timed, rows["elementwise"])
    assert re.search(r"matmul_broadcast\s+not started\s+-", rows["broadcast"])
    assert re.search(r"matmul_no_loops\s+not started", rows["no loops"])
    assert re.search(r"matmul_einsum\s+not started", rows["einsum"])
    assert re.search(r"a @ b\s+[\d.]+ (s|ms|µs)\s+±[\d.,]+%\s+1\.0×\s+█", rows["torch @"])
    assert "in float32 on one CPU thread" in out
    assert re.search(r"Times are per call: the median of \d+( to \d+)? timed runs", out)
    assert "Steps marked not started get their time once you write them." in out


def test_bench_times_the_numpy_rungs_beside_the_torch_ladder(tmp_path, home):
    root = dojoproject.real(tmp_path / "clone", ["13_numpy_matmul"], solved=("13_numpy_matmul",))
    result = dojo(root, home, "bench", "--shape", "3,16,4")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    timed = r"\s+[\d.]+ (s|ms|µs)\s+(±[\d.,]+%|1 run)\s+[\d,.]+×"
    for label, function in (
        ("np triple loop", "matmul_loops"), ("np elementwise", "matmul_elementwise"),
        ("np broadcast", "matmul_broadcast"), ("np no loops", "matmul_no_loops"),
        ("np einsum", "matmul_einsum"), ("numpy @", "a @ b"),
    ):
        row = next(line for line in out.splitlines() if line.startswith(label))
        assert re.search(re.escape(function) + timed, row), row
    assert "wrong result" not in out and "crashed" not in out


def test_bench_on_a_curriculum_without_the_ladder(project, home):
    result = dojo(project, home, "bench", "--shape", "2,3,2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("not in this curriculum") == 5


def test_output_stays_readable_on_an_ascii_terminal(project, home):
    result = dojo(project, home, "status", PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    assert "Progress ------------------------------ 0/3 functions" in result.stdout


@pytest.mark.parametrize("kata_id", [k.id for k in COURSE.katas])
def test_the_real_stubs_read_as_pristine_and_the_references_do_not(kata_id):
    from dojo import pristine

    kata = COURSE.kata(kata_id)
    # the stubs as shipped (pristine_katas raises if none reads as pristine): in a
    # learner's clone, katas/ holds their work
    stub = (pristine_katas() / kata_id / f"{kata.module}.py").read_text()
    reference = dojoproject.ROOT / "reference" / kata_id / f"{kata.module}.py"
    assert pristine.is_pristine(stub, kata)  # classes: one placeholder per method
    assert not pristine.is_pristine(reference.read_text(), kata)


@pytest.mark.parametrize("command", ["status", "list"])
def test_a_reader_that_leaves_early_ends_the_command_quietly(every_kata, tmp_path, command):
    """`dojo list | head -1`: the reader closes the pipe after one line; the command
    ends with 0 and nothing on stderr (rich alone would exit 1)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dojo", command], cwd=every_kata,
        env=dojoproject.dojo_env(tmp_path / "home"), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()  # the reader leaves
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert err == b""
