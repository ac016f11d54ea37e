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

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from dojo import course, curriculum, i18n
from dojo.i18n import N_, _
from dojo.pristine import Pristine, ResetError, is_pristine, pristine_stub

CONFTEST = '''"""Load the dojo's pytest plugin: verdicts, devices and options for the katas."""

pytest_plugins = ["dojo.plugin"]
'''

PYTEST_INI = """\
[pytest]
# The katas' graded tests, as the dojo runs them (see `dojo --help`): only the
# plugins they use, loaded by name (faster than loading every installed plugin).
addopts = --import-mode=importlib --disable-plugin-autoload -p hypothesispytest
    -p timeout -p xdist.plugin -p xdist.looponfail
timeout = 300
"""

GITIGNORE = """\
.dojo/
.hypothesis/
__pycache__/
.ipynb_checkpoints/
"""

# The workspace's README.md, written in the learner's language: `{readme}` is the first
# kata's README in that language (`katas/01_neuron/README.md`, or its translation).
README = N_("""\
# foundations katas: your workspace

Made by `dojo init`. Chapter 17 of fastai's *Deep Learning for Coders*, "A Neural
Net from the Foundations", one kata at a time.

1. Read `{readme}`.
2. Open `katas/01_neuron/neuron.py` and replace each `raise NotImplementedError(...)`.
3. Run `pytest katas/01_neuron` (the first run is meant to say "not started").

`dojo` shows where you are, `dojo next` what to do next, `dojo hint KATA` a hint,
`dojo watch` re-grades on every save, and `dojo reset KATA` gives you the original
stub back (your file is saved under `.dojo/backups/` first).
""")
FIRST_KATA = "01_neuron"


class InitError(Exception):
    """Why no workspace could be laid out (one line for the learner)."""


@dataclass
class InitResult:
    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # there already, and different


def pristine_source(kata: curriculum.Kata) -> str:
    """The course's stub of `kata` as it was shipped (see `shipped`)."""
    return shipped(kata).source


def shipped(kata: curriculum.Kata) -> Pristine:
    """The course's stub of `kata` as it was shipped: the course's file when it is still
    pristine, else (a checkout whose stubs were edited) the newest pristine version
    in its git history."""
    stub = course.stub_file(kata)
    root = course.root()
    if stub is None or root is None:
        raise ResetError(_("this dojo was installed without its katas: reinstall it"))
    try:
        source = stub.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        source = ""
    if source and is_pristine(source, kata):
        return Pristine(source, _("the course installed with dojo"))
    return pristine_stub(root, kata)


def _in_course(kata: curriculum.Kata) -> bool:
    """Whether `kata` is one of the course's (not a kata of someone's own project)."""
    katas = course.katas_dir()
    if katas is None:
        return False
    try:
        entry = curriculum.load_cached(katas / curriculum.REGISTRY_NAME).kata(kata.id)
    except (KeyError, OSError, curriculum.RegistryError):
        return False
    return entry.module == kata.module


def _kept(root: Path, kata: curriculum.Kata) -> Path:
    from dojo.progress import state_dir

    return state_dir(root) / "pristine" / kata.id / f"{kata.module}.py"


def keep_pristine(root: Path, kata: curriculum.Kata) -> None:
    """Keep a copy of the workspace's stub while it is still as shipped (a learner's
    first run, which is meant to say "not started"): `dojo reset` then works even
    where neither the course's copy nor git history has one (a zip download
    installed with `pip install -e .`, whose course is the learner's own files)."""
    target = _kept(root, kata)
    if target.exists():
        return
    stub = root / "katas" / kata.id / f"{kata.module}.py"
    try:
        source = stub.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    if not is_pristine(source, kata):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(source, encoding="utf-8")
    os.replace(temporary, target)


def pristine_for(root: Path, kata: curriculum.Kata) -> Pristine:
    """The stub of `kata` as shipped, for the workspace at `root` (`dojo reset`): the
    course's copy, else the copy kept on the first run, else the workspace's git
    history (a clone)."""
    if _in_course(kata):
        with contextlib.suppress(ResetError):
            return shipped(kata)
    try:
        kept = _kept(root, kata).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        kept = ""
    if kept and is_pristine(kept, kata):
        return Pristine(kept, _("the copy your first run kept in .dojo/pristine/"))
    try:
        return pristine_stub(root, kata)
    except ResetError:
        raise ResetError(
            _("no copy of the original {kata} stub anywhere: not in this dojo's course, not "
              "kept by a first run, and not in a git history. Reinstall with `pip install .` "
              "(not -e) from a fresh download, or `dojo init` a new workspace").format(
                kata=kata.id
            )
        ) from None


def _course() -> curriculum.Curriculum:
    katas = course.katas_dir()
    if katas is None:
        raise InitError(
            _("this dojo was installed without its katas: reinstall foundations-katas")
        )
    try:
        return curriculum.load(katas / curriculum.REGISTRY_NAME)
    except curriculum.RegistryError as exc:
        raise InitError(str(exc)) from None


def readme(katas: Path) -> str:
    """The workspace's README.md, in the learner's language (`katas`: the course's)."""
    first = i18n.readme(katas / FIRST_KATA).name
    return _(README).format(readme=f"katas/{FIRST_KATA}/{first}")


def _files(the_course: curriculum.Curriculum) -> dict[Path, str | bytes]:
    """Every file of a workspace, by its path inside the workspace."""
    katas = the_course.katas_dir
    files: dict[Path, str | bytes] = {
        Path("conftest.py"): CONFTEST,
        Path("pytest.ini"): PYTEST_INI,
        Path(".gitignore"): GITIGNORE,
        Path("README.md"): readme(katas),
        Path("katas") / curriculum.REGISTRY_NAME: (katas / curriculum.REGISTRY_NAME).read_bytes(),
    }
    for kata in the_course.katas:
        folder = Path("katas") / kata.id
        files[folder / "README.md"] = (katas / kata.id / "README.md").read_bytes()
        for translated in sorted((katas / kata.id).glob("README.*.md")):  # README.zh-CN.md
            files[folder / translated.name] = translated.read_bytes()
        files[folder / f"test_{kata.module}.py"] = (
            katas / kata.id / f"test_{kata.module}.py"
        ).read_bytes()
        try:
            files[folder / f"{kata.module}.py"] = pristine_source(kata)
        except ResetError as exc:
            raise InitError(
                _("no pristine stub of {kata}: {error}").format(kata=kata.id, error=exc)
            ) from None
    return files


def init(target: Path) -> InitResult:
    """Lay out a workspace in `target` (made if missing); never overwrite a file."""
    if target.exists() and not target.is_dir():
        raise InitError(
            _("{target} is a file: give a folder for the workspace").format(target=target)
        )
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
            raise InitError(
                _("cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)
            ) from None
        result.written.append(path)
    return result
