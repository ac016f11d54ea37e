"""Grading from a notebook: a real notebook executed headlessly (nbclient and a local
ipykernel, no network), and `dojo.notebook.grade` on a namespace, against the command
line's verdicts and messages for the same code."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import dojoproject
import pytest

from dojo import notebook, progress, runner

WRONG_DOUBLE = "def double(t):\n    return t * 3\n"
RULE_BREAKING_DOUBLE = (
    "import torch\n\n"
    "def double(t):\n"
    "    return torch.matmul(t[None], 2 * torch.eye(3, dtype=t.dtype))[0]\n"
)
HALVE = "def halve(x):\n    return x / 2\n"


pytestmark = pytest.mark.usefixtures("forget_kata_modules")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = dojoproject.toy(tmp_path / "clone")
    for name in ("DOJO_IMPL", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOJO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOJO_DEVICES", "cpu")
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ci")  # derandomized: the same example each run
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))
    return root


def cli_failures(root: Path, tmp_path: Path, source: str) -> str:
    """What `dojo check 01_toy --impl DIR` prints for `source` as the learner's file."""
    impl = tmp_path / "impl"
    (impl / "01_toy").mkdir(parents=True, exist_ok=True)
    (impl / "01_toy" / "toy.py").write_text(source)
    result = dojoproject.dojo(root, tmp_path / "home", "check", "01_toy", "--impl", str(impl),
                              HYPOTHESIS_PROFILE="ci")
    return result.stdout


def namespace(source: str, filename: str) -> dict[str, object]:
    """Define `source` the way a notebook cell does: code compiled from a named cell."""
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    found: dict[str, object] = {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), found)
    return found


# --- in the test process -------------------------------------------------------------------


def test_grading_a_namespace_gives_the_command_lines_verdicts_and_messages(project, tmp_path):
    result = notebook.grade("01_toy", namespace(WRONG_DOUBLE + HALVE, "<cell 1>"), root=project)
    assert result.verdicts == {"double": "wrong", "halve": "passed"}
    assert not result.passed
    message = result.messages["double"]
    assert message.startswith("wrong: result[0]=")
    assert message in cli_failures(project, tmp_path, WRONG_DOUBLE + HALVE)
    assert result.summary() == "01_toy  1/2  double: wrong"
    report = result.report()
    assert report.splitlines()[0] == "double: " + message.splitlines()[0]
    assert "halve: passed" in report and report.endswith("01_toy  1/2  double: wrong")


def test_rules_are_enforced_on_notebook_code_and_name_its_line(project, tmp_path):
    cell = str(tmp_path / "ipykernel_1" / "42.py")  # where ipykernel keeps a cell's code
    result = notebook.grade("toy", namespace(RULE_BREAKING_DOUBLE + HALVE, cell), root=project)
    assert result.verdicts["double"] == "rule broken"
    message = result.messages["double"]
    assert f"{cell}:4: return torch.matmul(" in message
    cli = cli_failures(project, tmp_path, RULE_BREAKING_DOUBLE + HALVE)
    assert message.splitlines()[0] in cli


def test_a_helper_in_another_cell_is_the_learners_code_too(project):
    cells = namespace("import torch\n\ndef times_two(t):\n    return t @ torch.eye(3) * 2\n",
                      "<cell 1>")
    exec(compile("def double(t):\n    return times_two(t)\n", "<cell 2>", "exec"), cells)
    result = notebook.grade("01_toy", cells, root=project)
    assert result.verdicts["double"] == "rule broken"
    assert "<cell 1>:4: return t @ torch.eye(3) * 2" in result.messages["double"]


def test_functions_the_notebook_lacks_are_not_started(project):
    result = notebook.grade("01", namespace(HALVE, "<cell 2>"), root=project)
    assert result.verdicts == {"double": "not started", "halve": "passed"}
    assert result.missing == ("double",)
    assert "double: not started: not defined in this notebook yet" in result.report()


def test_a_budget_over_the_contracts_names_leaves_missing_functions_not_started(project):
    """The stand-in for a function the notebook lacks takes `*args, **kwargs`: an
    operation budget over the contract's `t` must still read "not started", in the
    summary line as in the function's own line (calls are bound to the contract)."""
    registry = project / "katas" / "curriculum.toml"
    registry.write_text(registry.read_text().replace(
        'forbid = ["matmul-family"]\n',
        'forbid = ["matmul-family"]\nmax_torch_calls = "t.numel() + 4"\n'
        'min_torch_calls = "1 if t.numel() else 0"\n',
    ))
    for cells in ({}, namespace(HALVE, "<cell 11>")):
        result = notebook.grade("01_toy", cells, root=project)
        assert result.verdicts["double"] == "not started", result.report()
        lines = result.report().splitlines()
        assert "double: not started: not defined in this notebook yet" in lines
        summary = lines[-1]
        assert summary == result.summary()
        assert "double: not started" in summary, summary
        for name in result.missing:  # never a verdict that contradicts the line above
            assert f"{name}: not started" in summary, summary
    assert summary == "01_toy  1/2  double: not started"


def test_notebook_runs_count_as_progress_and_never_touch_the_stub(project, tmp_path):
    stub = project / "katas" / "01_toy" / "toy.py"
    before = stub.read_text()
    result = notebook.grade("01_toy", namespace("def double(t):\n    return t * 2\n" + HALVE,
                                                "<cell 3>"), root=project)
    assert result.passed
    assert stub.read_text() == before
    record = json.loads((tmp_path / "home" / progress.FILE_NAME).read_text())
    # recorded as the notebook's, apart from the file's (which never ran)
    assert record["katas"]["01_toy"]["notebook"] == {"double": "passed", "halve": "passed"}
    assert record["katas"]["01_toy"]["functions"] == {}
    [status, _] = progress.statuses(notebook._project(project), progress.read(project))
    assert status.state == progress.DONE and status.in_notebook == {"double", "halve"}


def test_a_notebook_never_takes_away_what_the_file_passed(project, tmp_path):
    """Issue 12: a kata passed in its file read "in progress" after a notebook graded one
    function, and `dojo solution` was refused."""
    home = tmp_path / "home"
    (project / "katas" / "01_toy" / "toy.py").write_text(dojoproject.TOY_DONE)
    run = runner.run_kata(project / "katas" / "01_toy")  # as `dojo watch` grades the file
    assert run.exit_code == 0, run.output
    # a notebook that defines one function, wrongly: the other is "not started" there
    result = notebook.grade("01_toy", namespace(WRONG_DOUBLE, "<cell 7>"), root=project)
    assert result.verdicts == {"double": "wrong", "halve": "not started"}

    status = dojoproject.dojo(project, home, "status")
    assert status.returncode == 0, status.stderr
    assert re.search(r"01_toy\s+1\s+A toy kata\s+2/2\s+done", status.stdout), status.stdout
    solution = dojoproject.dojo(project, home, "solution", "01_toy")
    assert solution.returncode == 0, solution.stdout + solution.stderr
    assert "return t * 2" in solution.stdout
    # and the notebook's own verdicts are kept, apart from the file's
    record = progress.read(project).katas["01_toy"]
    assert record.functions == {"double": "passed", "halve": "passed"}
    assert record.notebook == {"double": "wrong", "halve": "not started"}


def test_a_notebook_pass_counts_where_the_file_does_not_pass(project):
    (project / "katas" / "01_toy" / "toy.py").write_text(dojoproject.TOY_WRONG_DOUBLE)
    runner.run_kata(project / "katas" / "01_toy")
    notebook.grade("01_toy", namespace("def double(t):\n    return t * 2\n", "<cell 8>"),
                   root=project)
    [status, _] = progress.statuses(notebook._project(project), progress.read(project))
    assert status.verdicts == {"double": "passed", "halve": "passed"}
    assert status.in_notebook == {"double"} and status.state == progress.DONE
    # the file's own next run does not take the notebook's pass away either
    runner.run_kata(project / "katas" / "01_toy")
    [status, _] = progress.statuses(notebook._project(project), progress.read(project))
    assert status.state == progress.DONE


def test_grading_from_a_notebook_raises_no_pytest_deprecation_warning(project):
    """Issue 12: the notebook's `kata` fixture was a module-scoped instance method,
    deprecated in pytest 9 (PytestRemovedIn10Warning) and an error in pytest 10."""
    result = notebook.grade("01_toy", namespace(HALVE, "<cell 9>"), root=project)
    assert "PytestRemovedIn10Warning" not in result.output
    assert "warnings summary" not in result.output, result.output
    # with pytest 10's behaviour (the warning is an error), the grade is the same
    entry = notebook._project(project).kata("01_toy")
    implementation = notebook.NamespaceImplementation(entry, namespace(HALVE, "<cell 10>"))
    run = runner.run_kata(
        project / "katas" / "01_toy",
        args=["-W", "error::pytest.PytestRemovedIn10Warning"],
        plugins=[notebook._fixture_plugin(implementation)],
    )
    assert run.verdict("halve") == "passed", run.output
    assert run.verdict("double") == "not started", run.output


def test_unknown_katas_and_missing_projects_are_one_clear_error(project, tmp_path):
    with pytest.raises(notebook.NotebookError, match="unknown kata 'tyo': did you mean '01_toy'"):
        notebook.grade("tyo", {}, root=project)
    with pytest.raises(notebook.NotebookError, match=r"no katas/curriculum\.toml"):
        notebook.grade("01_toy", {}, root=tmp_path / "elsewhere")


# --- a real notebook, executed headlessly ---------------------------------------------------

NOTEBOOK_CELLS = [
    "%load_ext dojo",
    "%%dojo 01_toy\n" + WRONG_DOUBLE,
    "import dojo\n\n" + HALVE + "\ndojo.check('01_toy', globals())",
    RULE_BREAKING_DOUBLE + "\ndojo.check('toy')",
    "def double(t):\n    return t * 2\n\ndojo.check('01_toy')",
    "dojo.check('tyo')",
]


def test_a_notebook_grades_its_own_functions_in_place(project, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # A kernel spec for this very interpreter, and Jupyter's files kept in tmp_path.
    jupyter = tmp_path / "jupyter"
    spec = jupyter / "kernels" / "dojo-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "dojo test", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(jupyter))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="dojo-test", allow_errors=True,
        resources={"metadata": {"path": str(project / "katas")}},  # the kernel's folder
    )
    client.execute()

    def output(i: int) -> str:
        return "".join(o.get("text", "") for o in nb.cells[i].outputs if o.output_type == "stream")

    def error(i: int) -> str:
        errors = [o for o in nb.cells[i].outputs if o.output_type == "error"]
        return f"{errors[0].ename}: {errors[0].evalue}" if errors else ""

    assert all(not error(i) for i in range(5)), [error(i) for i in range(5)]
    magic = output(1)
    assert "double: wrong: result[0]=" in magic
    assert "halve: not started: not defined in this notebook yet" in magic
    assert magic.rstrip().endswith("01_toy  0/2  double: wrong, halve: not started")
    # the same message as the command line for the same code
    cli = cli_failures(project, tmp_path, WRONG_DOUBLE + HALVE)
    wrong = magic.splitlines()[0].removeprefix("double: ")
    assert wrong in cli

    assert output(2).rstrip().endswith("01_toy  1/2  double: wrong")
    rule = output(3)
    assert "double: rule broken: " in rule
    assert re.search(r"ipykernel_\d+/\d+\.py:4: return torch\.matmul", rule), rule
    assert output(4).rstrip().endswith("01_toy  2/2  all passed")
    assert "unknown kata 'tyo': did you mean '01_toy'?" in error(5)
    assert (project / "katas" / "01_toy" / "toy.py").read_text() == dojoproject.TOY_STUB



def test_when_nothing_can_be_graded_the_report_says_why(project):
    tests = project / "katas" / "01_toy" / "test_toy.py"
    tests.write_text(tests.read_text() + "\nthis is not python\n")
    result = notebook.grade("01_toy", namespace(HALVE, "<cell 4>"), root=project)
    assert result.verdicts == {"double": None, "halve": None}
    assert "ERROR collecting katas/01_toy/test_toy.py" in result.report()


def test_graded_tests_changed_since_the_last_run_are_imported_afresh(project):
    first = notebook.grade("01_toy", namespace(HALVE, "<cell 5>"), root=project)
    assert first.verdicts["halve"] == "passed"
    tests = project / "katas" / "01_toy" / "test_toy.py"
    tests.write_text(tests.read_text().replace("x / 2)", "x / 4)"))
    later = tests.stat().st_mtime_ns + 1_000_000_000
    os.utime(tests, ns=(later, later))
    second = notebook.grade("01_toy", namespace(HALVE, "<cell 6>"), root=project)
    assert second.verdicts["halve"] == "wrong"
