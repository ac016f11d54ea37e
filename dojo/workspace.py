"""A learner's workspace, and `dojo init`, which lays one out from the course.

A workspace is a folder with `katas/` (the registry, and per kata its README, its
stub and its graded tests) plus what `pytest` needs to load the dojo there
(`conftest.py`, `pytest.ini`). A clone of the repository is one already; `dojo init
[DIR]` makes one anywhere from the course that this installed `dojo` carries (see
dojo.course), so `pytest katas/01_neuron` and every `dojo` command work the same.

`dojo init` never overwrites a file: one that is already there and differs from
the course's is kept, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dojo import course, curriculum
from dojo.pristine import ResetError, is_pristine

CONFTEST = '''"""Load the dojo's pytest plugin: verdicts, devices and options for the katas."""

pytest_plugins = ["dojo.plugin"]
'''

PYTEST_INI = """\
[pytest]
# The katas' graded tests, as the dojo runs them (see `dojo --help`).
addopts = --import-mode=importlib -p no:randomly
timeout = 300
"""

GITIGNORE = """\
.dojo/
.hypothesis/
__pycache__/
.ipynb_checkpoints/
"""

README = """\
# foundations katas: your workspace

Made by `dojo init`. Chapter 17 of fastai's *Deep Learning for Coders*, "A Neural
Net from the Foundations", one kata at a time.

1. Read `katas/01_neuron/README.md`.
2. Open `katas/01_neuron/neuron.py` and replace each `raise NotImplementedError(...)`.
3. Run `pytest katas/01_neuron` (the first run is meant to say "not started").

`dojo` shows where you are, `dojo next` what to do next, `dojo hint KATA` a hint,
`dojo watch` re-grades on every save, and `dojo reset KATA` gives you the original
stub back (your file is saved under `.dojo/backups/` first).
"""


class InitError(Exception):
    """Why no workspace could be laid out (one line for the learner)."""


@dataclass
class InitResult:
    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # there already, and different


def pristine_source(kata: curriculum.Kata) -> str:
    """The course's stub of `kata` as it was shipped: the course's file when it is still
    pristine, else (a checkout whose stubs were edited) the newest pristine version
    in its git history."""
    from dojo.pristine import pristine_stub

    stub = course.stub_file(kata)
    if stub is None:
        raise ResetError("this dojo was installed without its katas: reinstall it")
    try:
        source = stub.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        source = ""
    if source and is_pristine(source, kata):
        return source
    root = course.root()
    assert root is not None
    return pristine_stub(root, kata).source


def _course() -> curriculum.Curriculum:
    katas = course.katas_dir()
    if katas is None:
        raise InitError(
            "this dojo was installed without its katas: reinstall foundations-katas"
        )
    try:
        return curriculum.load(katas / curriculum.REGISTRY_NAME)
    except curriculum.RegistryError as exc:
        raise InitError(str(exc)) from None


def _files(the_course: curriculum.Curriculum) -> dict[Path, str | bytes]:
    """Every file of a workspace, by its path inside the workspace."""
    katas = the_course.katas_dir
    files: dict[Path, str | bytes] = {
        Path("conftest.py"): CONFTEST,
        Path("pytest.ini"): PYTEST_INI,
        Path(".gitignore"): GITIGNORE,
        Path("README.md"): README,
        Path("katas") / curriculum.REGISTRY_NAME: (katas / curriculum.REGISTRY_NAME).read_bytes(),
    }
    for kata in the_course.katas:
        folder = Path("katas") / kata.id
        files[folder / "README.md"] = (katas / kata.id / "README.md").read_bytes()
        files[folder / f"test_{kata.module}.py"] = (
            katas / kata.id / f"test_{kata.module}.py"
        ).read_bytes()
        try:
            files[folder / f"{kata.module}.py"] = pristine_source(kata)
        except ResetError as exc:
            raise InitError(f"no pristine stub of {kata.id}: {exc}") from None
    return files


def init(target: Path) -> InitResult:
    """Lay out a workspace in `target` (made if missing); never overwrite a file."""
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} is a file: give a folder for the workspace")
    the_course = _course()
    files = _files(the_course)
    result = InitResult(target)
    for relative, content in files.items():
        path = target / relative
        data = content.encode("utf-8") if isinstance(content, str) else content
        if path.exists() or path.is_symlink():
            try:
                same = path.is_file() and path.read_bytes() == data
            except OSError:
                same = False
            if not same:
                result.kept.append(path)
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as handle:  # "x": never replace a file made meanwhile
                handle.write(data)
        except FileExistsError:
            result.kept.append(path)
            continue
        except OSError as exc:
            raise InitError(f"cannot write {path}: {exc.strerror or exc}") from None
        result.written.append(path)
    return result
