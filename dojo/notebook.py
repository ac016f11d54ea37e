"""Grade a kata's functions defined in a Jupyter notebook, in place.

    %load_ext dojo
    %%dojo 03_broadcasting          (a cell magic: run the cell, then grade)
    dojo.check("03_broadcasting", globals())

The kata's own graded tests run in the kernel through the same harness as
`pytest katas/NN_name`: the only difference is where the implementation comes
from (the notebook's namespace instead of the stub file, which is never
touched), so verdicts and messages are the command line's. A function the
notebook does not define yet reads as "not started".

A notebook's verdicts are recorded apart from those of the learner's file (see
dojo.progress): grading one function in a notebook never takes away what the
file passed.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dojo import contract as contracts
from dojo import course, curriculum, loader, outcomes, progress
from dojo.i18n import N_, _

NOT_DEFINED = N_("not defined in this notebook yet")


class NotebookError(Exception):
    """A kata that cannot be graded from here (one line to read)."""


def _placeholder(kata: curriculum.Kata, name: str) -> types.FunctionType:
    """A stand-in for a function the notebook does not define: it is "not started"."""
    source = (
        f"def {name}(*args, **kwargs):\n"
        f"    raise NotImplementedError({outcomes.placeholder_message(kata.id, name)!r})\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<{name}: {NOT_DEFINED}>", "exec"), namespace)
    function: types.FunctionType = namespace[name]
    return function


def _code_files(value: Any, seen: set[int] | None = None) -> Iterable[str]:
    """The files (notebook cells) that the code of a function or class comes from."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, types.FunctionType):
        yield value.__code__.co_filename
    elif isinstance(value, type):
        for owner in value.__mro__:
            if owner.__module__ == value.__module__:
                for item in vars(owner).values():
                    yield from _code_files(item, seen)


class NamespaceImplementation(loader.Implementation):
    """A kata's functions taken from a namespace (a notebook's globals) instead of a file."""

    def __init__(
        self,
        kata: curriculum.Kata,
        namespace: Mapping[str, Any],
        contract: contracts.Signatures | None = None,
    ) -> None:
        module = types.ModuleType(f"_dojo_notebook_{kata.module}")
        module.__dict__.update(
            {k: v for k, v in namespace.items() if not (k.startswith("__") and k.endswith("__"))}
        )
        self.missing = tuple(fn.name for fn in kata.functions if fn.name not in namespace)
        for name in self.missing:
            setattr(module, name, _placeholder(kata, name))
        # The learner's code: the kata's functions and every function or class the
        # notebook itself defined (helpers in other cells count as the learner's too).
        own = namespace.get("__name__", "__main__")
        values = [getattr(module, fn.name) for fn in kata.functions] + [
            v for v in namespace.values()
            if isinstance(v, (types.FunctionType, type)) and getattr(v, "__module__", None) == own
        ]
        files: list[str] = []
        for value in values:
            for file in _code_files(value):
                if file not in files:
                    files.append(file)
        self._files = tuple(files)
        super().__init__(kata, module, Path("<notebook>"), contract)

    @property
    def files(self) -> tuple[str, ...]:
        return self._files


def _fixture_plugin(implementation: loader.Implementation) -> object:
    """A pytest plugin whose `kata` fixture gives `implementation`.

    The fixture is a plain function in a module object, as in a conftest: a
    module-scoped fixture defined as an instance method is deprecated (pytest 9's
    PytestRemovedIn10Warning) and an error in pytest 10.
    """
    import pytest

    def kata() -> loader.Implementation:
        return implementation

    fixtures = types.ModuleType("_dojo_notebook_fixtures")
    vars(fixtures)["kata"] = pytest.fixture(scope="module", name="kata")(kata)

    class RegisterLate:
        """Registered after the dojo plugin, so its `kata` fixture is the one used."""

        @pytest.hookimpl(trylast=True)
        def pytest_configure(self, config: pytest.Config) -> None:
            config.pluginmanager.register(fixtures, "dojo-notebook-kata")

    return RegisterLate()


@dataclass
class Grade:
    """The outcome of grading a kata from a notebook."""

    kata: curriculum.Kata
    verdicts: dict[str, str | None]  # function -> verdict (None: its tests did not run)
    messages: dict[str, str]  # function -> the message of its first failing test
    missing: tuple[str, ...]  # functions the notebook does not define
    exit_code: int
    output: str  # pytest's own output, for when something went wrong in the harness

    @property
    def passed(self) -> bool:
        return all(v == outcomes.PASSED for v in self.verdicts.values())

    def summary(self) -> str:
        from dojo.plugin import summary_lines

        ran = {name: [v] for name, v in self.verdicts.items() if v is not None}
        if not ran:
            return f"{self.kata.id}  " + _("no tests ran")
        return summary_lines({self.kata.id: ran})[0]

    def report(self) -> str:
        lines = []
        for fn in self.kata.functions:
            verdict = self.verdicts.get(fn.name)
            if fn.name in self.missing:
                verdict_said = _("{verdict}: {message}").format(
                    verdict=outcomes.label(outcomes.NOT_STARTED), message=_(NOT_DEFINED)
                )
                lines.append(f"{fn.name}: {verdict_said}")
            elif verdict == outcomes.PASSED:
                lines.append(f"{fn.name}: {outcomes.label(outcomes.PASSED)}")
            elif fn.name in self.messages:
                lines.append(f"{fn.name}: {self.messages[fn.name].rstrip()}")
            else:
                said = outcomes.label(verdict) if verdict else _("did not run")
                lines.append(f"{fn.name}: {said}")
        if self.exit_code not in (0, 1, 5) or not any(self.verdicts.values()):
            # a collection, usage or internal error: nothing was graded, pytest says why
            lines.append(self.output.rstrip())
        lines.append(self.summary())
        return "\n".join(lines)


def _project(root: Path | str | None) -> curriculum.Curriculum:
    """The katas to grade: those of the workspace (a clone, or a folder made by `dojo
    init`) the notebook is in, or at `root`; in any other folder (Colab, Kaggle, a
    notebook of one's own), the course this installed dojo carries."""
    start = Path(root) if root is not None else Path.cwd()
    found = curriculum.find_root(start.resolve())
    registry = None if found is None else found / "katas" / curriculum.REGISTRY_NAME
    if registry is None and root is None:
        katas = course.katas_dir()
        registry = None if katas is None else katas / curriculum.REGISTRY_NAME
    if registry is None:
        raise NotebookError(
            _("no katas/curriculum.toml in {folder} or above: pass root='path/to/your/katas' "
              "(a clone, or a folder made by `dojo init`), or reinstall foundations-katas"
              ).format(folder=start)
        )
    try:
        return curriculum.load(registry)
    except curriculum.RegistryError as exc:
        raise NotebookError(str(exc)) from None


@contextlib.contextmanager
def _home(folder: Path | None) -> Iterator[None]:
    """Record progress in `folder` (as DOJO_HOME would) unless DOJO_HOME is set."""
    if folder is None or os.environ.get(progress.HOME_ENV):
        yield
        return
    os.environ[progress.HOME_ENV] = str(folder)
    try:
        yield
    finally:
        os.environ.pop(progress.HOME_ENV, None)


def grade(kata: str, namespace: Mapping[str, Any], root: Path | str | None = None) -> Grade:
    """Run `kata`'s graded tests on the functions defined in `namespace`."""
    from dojo import runner
    from dojo.cli import CliError, find_kata

    the_course = _project(root)
    try:
        entry = find_kata(the_course, kata)
    except CliError as exc:
        raise NotebookError(str(exc)) from None
    kata_dir = the_course.katas_dir / entry.id
    if not kata_dir.is_dir():
        raise NotebookError(
            _("{folder} is missing: its graded tests live there").format(folder=kata_dir)
        )
    implementation = NamespaceImplementation(
        entry, namespace, contracts.signatures(entry, the_course.katas_dir)
    )
    # Outside a workspace the graded tests are the installed course's: the notebook's
    # progress goes to the folder it runs in (or DOJO_HOME), never into the package.
    from_course = root is None and curriculum.find_root(Path.cwd().resolve()) is None
    home = Path.cwd() / ".dojo" if from_course else None
    with progress.recording_from(progress.NOTEBOOK), _home(home):
        run = runner.run_kata(kata_dir, plugins=[_fixture_plugin(implementation)])
    return Grade(
        kata=entry,
        verdicts={fn.name: run.verdict(fn.name) for fn in entry.functions},
        messages={n: t for n in run.failures if (t := run.failure(n)) is not None},
        missing=implementation.missing,
        exit_code=run.exit_code,
        output=run.output,
    )


def check(
    kata: str, namespace: Mapping[str, Any] | None = None, root: Path | str | None = None
) -> None:
    """Grade `kata` on the functions in `namespace` (default: the caller's globals) and
    print the verdicts, their messages and the summary line."""
    if namespace is None:
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None
        namespace = caller.f_globals if caller is not None else {}
    print(grade(kata, namespace, root).report())
    sys.stdout.flush()


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext dojo`: the `%%dojo KATA` cell magic (and `%dojo KATA` to grade only)."""

    def dojo_magic(line: str, cell: str | None = None) -> None:
        kata = line.strip()
        if not kata:
            print(_("usage: %%dojo KATA at the top of a cell (for example %%dojo 03_broadcasting)"))
            return
        if cell is not None:
            result = ipython.run_cell(cell)
            if not result.success:
                return  # the cell itself failed: its traceback is already shown
        try:
            print(grade(kata, ipython.user_ns).report())
        except NotebookError as exc:
            print(_("dojo: {message}").format(message=exc))

    ipython.register_magic_function(dojo_magic, magic_kind="line_cell", magic_name="dojo")
