"""`dojo init`: a workspace laid out anywhere from the course this dojo carries, graded
exactly as in a clone, and never overwriting what a learner wrote."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import dojoproject
import pytest
from katarun import COURSE, KATAS, REFERENCE

from dojo import course, workspace
from dojo.pristine import is_pristine


def test_the_course_is_found_beside_this_checkout():
    assert course.katas_dir() == KATAS
    assert course.reference_dir() == REFERENCE
    kata = COURSE.kata("02_matmul")
    assert course.reference_file(kata) == REFERENCE / "02_matmul" / "matmul.py"


def test_init_lays_out_every_kata_with_pristine_stubs(tmp_path):
    result = workspace.init(tmp_path / "ws")
    assert result.kept == []
    root = tmp_path / "ws"
    assert (root / "katas" / "curriculum.toml").read_bytes() == (
        KATAS / "curriculum.toml"
    ).read_bytes()
    for kata in COURSE.katas:
        folder = root / "katas" / kata.id
        stub = (folder / f"{kata.module}.py").read_text(encoding="utf-8")
        assert is_pristine(stub, kata), kata.id
        for name in ("README.md", f"test_{kata.module}.py"):
            assert (folder / name).read_bytes() == (KATAS / kata.id / name).read_bytes()
    assert 'pytest_plugins = ["dojo.plugin"]' in (root / "conftest.py").read_text()
    assert "--import-mode=importlib" in (root / "pytest.ini").read_text()
    assert set(result.written) == {p for p in root.rglob("*") if p.is_file()}


def test_init_into_a_folder_in_use_never_overwrites_a_file(tmp_path):
    root = tmp_path / "ws"
    workspace.init(root)
    mine = root / "katas" / "02_matmul" / "matmul.py"
    mine.write_text("# my work\n", encoding="utf-8")
    (root / "conftest.py").write_text("# my conftest\n", encoding="utf-8")
    (root / "katas" / "01_neuron" / "README.md").unlink()  # a file the learner deleted
    result = workspace.init(root)
    assert mine.read_text(encoding="utf-8") == "# my work\n"
    assert (root / "conftest.py").read_text(encoding="utf-8") == "# my conftest\n"
    assert set(result.kept) == {mine, root / "conftest.py"}
    assert result.written == [root / "katas" / "01_neuron" / "README.md"]


def test_init_into_a_file_is_one_clear_error(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    with pytest.raises(workspace.InitError, match="is a file: give a folder"):
        workspace.init(target)


def grade(root: Path, kata_id: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`pytest katas/KATA` in the workspace, its progress in the workspace's `.dojo/`."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", f"katas/{kata_id}", "-p", "no:cacheprovider"],
        cwd=root, env=dojoproject.dojo_env(None, HYPOTHESIS_PROFILE="ci"),
        capture_output=True, text=True, timeout=120,
    )


def test_a_workspace_grades_like_a_clone_and_reference_solutions_pass(tmp_path):
    root = tmp_path / "ws"
    workspace.init(root)
    first = grade(root, "01_neuron", tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "01_neuron  0/3  neuron: not started, relu: not started, " \
        "dense_layer_plain: not started" in first.stdout
    # the first run keeps the stub as shipped, for `dojo reset` where nothing else has it
    for kata in COURSE.katas:  # every kata's, not only the one run
        kept = root / ".dojo" / "pristine" / kata.id / f"{kata.module}.py"
        assert kept.read_bytes() == (root / "katas" / kata.id / f"{kata.module}.py").read_bytes()
    shutil.copy(REFERENCE / "01_neuron" / "neuron.py", root / "katas" / "01_neuron")
    done = grade(root, "01_neuron", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "01_neuron  3/3  all passed" in done.stdout
    assert (root / ".dojo" / "progress.json").is_file()  # the learner's progress, recorded


def test_a_solved_checkout_still_gives_the_stub_as_shipped(tmp_path, monkeypatch):
    """In a learner's clone, katas/ holds their solutions: the pristine stub (for
    `dojo init`, and for the suite's own tests) comes from the clone's history."""
    kata = COURSE.kata("08_layers")  # a kata of classes: placeholders per method
    clone = tmp_path / "clone"
    shutil.copytree(KATAS, clone / "katas", ignore=shutil.ignore_patterns("__pycache__"))
    shipped = (clone / "katas" / kata.id / f"{kata.module}.py").read_text(encoding="utf-8")
    dojoproject.git_commit(clone)
    shutil.copy(REFERENCE / kata.id / f"{kata.module}.py", clone / "katas" / kata.id)
    monkeypatch.setattr(course, "root", lambda: clone)
    assert workspace.pristine_source(kata) == shipped
    assert is_pristine(shipped, kata)


@pytest.mark.usefixtures("forget_kata_modules")
def test_a_notebook_in_a_folder_of_its_own_grades_from_the_course(tmp_path, monkeypatch):
    """Colab, Kaggle or a notebook anywhere: no clone, no `dojo init`; the course this
    dojo carries is graded, and progress goes to the notebook's folder."""
    from dojo import notebook

    kata = COURSE.kata("02_matmul")
    source = (REFERENCE / kata.id / f"{kata.module}.py").read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(source, str(tmp_path / "cell.py"), "exec"), namespace)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in ("DOJO_HOME", "DOJO_IMPL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ci")
    monkeypatch.setenv("DOJO_DEVICES", "cpu")
    clones = KATAS.parent / ".dojo" / "progress.json"
    untouched = clones.stat().st_mtime_ns if clones.exists() else None
    result = notebook.grade("02_matmul", namespace)
    assert result.passed, result.report()
    assert (folder / ".dojo" / "progress.json").is_file()
    # never beside the course itself (here: this checkout's own record)
    assert (clones.stat().st_mtime_ns if clones.exists() else None) == untouched


def test_reset_finds_the_stub_as_shipped_in_every_kind_of_workspace(tmp_path, monkeypatch):
    kata = COURSE.kata("02_matmul")
    root = tmp_path / "ws"
    workspace.init(root)
    shipped = (root / "katas" / kata.id / f"{kata.module}.py").read_text(encoding="utf-8")
    (root / "katas" / kata.id / f"{kata.module}.py").write_text("# solved\n")
    assert workspace.pristine_for(root, kata).source == shipped  # from the course
    monkeypatch.setattr(course, "root", lambda: None)  # a course that is the learner's files
    with pytest.raises(workspace.ResetError, match="no copy of the original 02_matmul stub"):
        workspace.pristine_for(root, kata)
    kept = root / ".dojo" / "pristine" / kata.id / f"{kata.module}.py"
    kept.parent.mkdir(parents=True)
    kept.write_text(shipped, encoding="utf-8")  # what a first run keeps
    assert workspace.pristine_for(root, kata).source == shipped


def dojo_command(cwd: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return dojoproject.dojo(cwd, tmp_path / "home", *args, timeout=120)


def test_dojo_init_then_every_command_works_there_and_reset_needs_no_git(tmp_path):
    made = dojo_command(tmp_path, tmp_path, "init", "ws")
    assert made.returncode == 0, made.stderr
    assert "Wrote" in made.stdout and "Next: cd ws, then pytest katas/01_neuron" in made.stdout
    root = tmp_path / "ws"
    status = dojo_command(root, tmp_path, "status")
    assert status.returncode == 0, status.stderr
    assert "01_neuron" in status.stdout and "12_unfold_conv" in status.stdout
    stub = root / "katas" / "08_layers" / "layers.py"
    shipped = stub.read_text(encoding="utf-8")
    stub.write_text("# my work\n", encoding="utf-8")
    reset = dojo_command(root, tmp_path, "reset", "8")
    assert reset.returncode == 0, reset.stderr
    assert "(from the course installed with dojo)" in reset.stdout
    assert stub.read_text(encoding="utf-8") == shipped
    again = dojo_command(tmp_path, tmp_path, "init", "ws")
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout
    forced = dojo_command(root, tmp_path, "solution", "2", "--force")
    assert forced.returncode == 1  # asked first, and no answer is a no
    into_file = tmp_path / "a-file"
    into_file.write_text("x")
    refused = dojo_command(tmp_path, tmp_path, "init", "a-file")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"dojo: error: {into_file.name} is a file: give a folder for the workspace"
    )


def test_a_chinese_learner_is_pointed_at_the_chinese_readmes(tmp_path):
    """`dojo init` and `dojo next` name the README in the learner's language, and the
    workspace has every kata's translation beside its README."""
    home = tmp_path / "home"
    made = dojoproject.dojo(tmp_path, home, "init", "ws", timeout=120, DOJO_LANG="zh_CN")
    assert made.returncode == 0, made.stderr
    assert "katas/01_neuron/README.zh-CN.md" in made.stdout, made.stdout
    assert "下一步" in made.stdout and "Next:" not in made.stdout, made.stdout
    root = tmp_path / "ws"
    for kata in COURSE.katas:
        assert (root / "katas" / kata.id / "README.zh-CN.md").is_file(), kata.id
    assert "katas/01_neuron/README.zh-CN.md" in (root / "README.md").read_text(encoding="utf-8")
    after = dojoproject.dojo(root, home, "next", timeout=120, DOJO_LANG="zh_CN").stdout
    assert "README：katas/01_neuron/README.zh-CN.md" in after, after
    english = dojoproject.dojo(root, home, "next", timeout=120, DOJO_LANG="en").stdout
    assert "The kata's README: katas/01_neuron/README.md" in english, english
    helped = dojoproject.dojo(  # the locale alone asks for Chinese
        root, home, "--help", timeout=120, DOJO_LANG="", LANGUAGE="", LC_ALL="", LANG="zh_CN.UTF-8"
    )
    assert helped.returncode == 0, helped.stderr
    assert "用法：dojo" in helped.stdout and "位置参数" in helped.stdout, helped.stdout
