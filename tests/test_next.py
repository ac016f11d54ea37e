"""`dojo next` (issue 12): the docstring of a function whose docstring the learner
removed, and a last verdict given before the learner's latest changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import dojoproject
import pytest

from dojo import runner

needs_git = pytest.mark.skipif(shutil.which("git") is None,
                               reason="the pristine stub comes from git history")

NO_DOCSTRINGS = '''\
def double(t):
    return t * 3


def halve(x):
    raise NotImplementedError("kata 01_toy: implement halve")
'''


pytestmark = pytest.mark.usefixtures("forget_kata_modules")


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def project(tmp_path, home, monkeypatch) -> Path:
    root = dojoproject.toy(tmp_path / "clone")
    for name in ("DOJO_IMPL", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOJO_HOME", str(home))  # for the in-process runs
    monkeypatch.setenv("DOJO_DEVICES", "cpu")
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ci")
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))
    return root


def dojo_next(root: Path, home: Path) -> str:
    result = dojoproject.dojo(root, home, "next")
    assert result.returncode == 0, result.stderr
    return result.stdout


def learner_file(root: Path) -> Path:
    return root / "katas" / "01_toy" / "toy.py"


# --- the docstring -------------------------------------------------------------------------


@needs_git
def test_next_shows_the_stubs_docstring_when_the_learners_file_lost_it(project, home):
    dojoproject.git_commit(project)
    learner_file(project).write_text(NO_DOCSTRINGS)
    out = dojo_next(project, home)
    assert "def double(t):" in out
    assert "(no docstring)" not in out
    assert "Twice t." in out
    assert "t: a tensor. Returns a tensor of the same shape, dtype and device." in out
    assert "this is the kata's" in out  # says where it comes from


def test_without_git_history_the_docstring_comes_from_the_reference_then_the_readme(
    project, home
):
    learner_file(project).write_text(NO_DOCSTRINGS)
    reference = project / "reference" / "01_toy" / "toy.py"
    reference.write_text('def double(t):\n    """Twice t, said the reference."""\n'
                         "    return t * 2\n")
    out = dojo_next(project, home)
    assert "Twice t, said the reference." in out and "(no docstring)" not in out

    reference.write_text(dojoproject.TOY_REFERENCE)  # no docstrings there either
    (project / "katas" / "01_toy" / "README.md").write_text(
        "# 01_toy\n\n## The functions\n\n### `double(t)`\n\nTwice `t`, says the README.\n\n"
        "### `halve(x)`\n\nHalf of `x`.\n"
    )
    out = dojo_next(project, home)
    assert "Twice `t`, says the README." in out
    assert "Half of" not in out  # that section is halve's

    (project / "katas" / "01_toy" / "README.md").unlink()
    assert "(no docstring)" in dojo_next(project, home)


def test_the_learners_own_docstring_comes_first(project, home):
    learner_file(project).write_text('def double(t):\n    """My own words."""\n'
                                     "    return t * 3\n")
    out = dojo_next(project, home)
    assert "My own words." in out and "Twice t." not in out and "the kata's" not in out


# --- a verdict given before the latest changes -----------------------------------------------


def test_next_says_when_the_last_verdict_predates_the_files_latest_changes(project, home):
    kata_dir = project / "katas" / "01_toy"
    learner_file(project).write_text(dojoproject.TOY_WRONG_DOUBLE)
    runner.run_kata(kata_dir)
    out = dojo_next(project, home)
    assert "Next: 01_toy, double (last run: wrong)" in out

    learner_file(project).write_text(dojoproject.TOY_WRONG_DOUBLE.replace("t * 3", "t + t"))
    assert "Next: 01_toy, double (last run: wrong, before your latest changes)" in dojo_next(
        project, home
    )
    # a run of another function grades the new file, but says nothing new about double
    runner.run_kata(kata_dir, args=["--function", "halve"])
    assert "(last run: wrong, before your latest changes)" in dojo_next(project, home)
    status = dojoproject.dojo(project, home, "status").stdout
    assert "1/2*" in status and "your file changed since these results" in status

    # the file as it was when double was graded: its verdict is current again
    learner_file(project).write_text(dojoproject.TOY_WRONG_DOUBLE)
    assert "Next: 01_toy, double (last run: wrong)" in dojo_next(project, home)

    learner_file(project).write_text(dojoproject.TOY_WRONG_DOUBLE.replace("t * 3", "t * 4"))
    runner.run_kata(kata_dir)  # graded as it is now
    assert "Next: 01_toy, double (last run: wrong)" in dojo_next(project, home)


def test_next_says_when_the_last_verdict_comes_from_a_notebook(project, home):
    from dojo import notebook

    cells: dict[str, object] = {"__name__": "__main__"}
    exec(compile("def double(t):\n    return t * 3\n", "<cell 1>", "exec"), cells)
    notebook.grade("01_toy", cells, root=project)
    assert "Next: 01_toy, double (last run: wrong, in a notebook)" in dojo_next(project, home)
