"""The `dojo` command: a workspace anywhere (init), where you are, what next, hints,
grading, watch mode, reset and restore (backups of your file), solutions and the
speed ladder.

Exit codes: 0 done, 1 the thing asked for failed (tests failed, solution locked, a
file missing), 2 a bad command line (unknown kata, bad number), 130 interrupted.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dojo import __version__, course, curriculum, i18n, outcomes, progress, term
from dojo.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from dojo.pristine import Backup

USAGE = 2
FAILED = 1


class CliError(Exception):
    """A one-line error for the user, with its exit code (2: a bad command line)."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code


# argparse's own words (it looks each up with gettext when it shows it): in the dojo's
# catalogue, so a Chinese learner's `dojo --help` and bad command lines read in Chinese.
ARGPARSE_MESSAGES = frozenset({
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
})


def _argparse_in_the_learners_language() -> None:
    """Have argparse show its words from the dojo's catalogue (this command only)."""
    original = argparse._  # type: ignore[attr-defined]
    if i18n.language() == i18n.ENGLISH or getattr(original, "dojo", False):
        return

    def translate(message: str) -> str:
        return _(message) if message in ARGPARSE_MESSAGES else original(message)

    translate.dojo = True  # type: ignore[attr-defined]
    setattr(argparse, "_", translate)  # noqa: B010


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line gets one line, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, _usage_error(self.prog, message))


def _usage_error(prog: str, message: str) -> str:
    """A bad command line, in one line: argparse's own `message`, and where to look."""
    return _("{prog}: error: {message} (see {prog} --help)").format(
        prog=prog, message=message
    ) + "\n"


class Project:
    """The clone the command runs in: its root, registry and recorded progress."""

    def __init__(self, root: Path, course: curriculum.Curriculum) -> None:
        self.root = root
        self.course = course
        self._told = False

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        root = curriculum.find_root(start or Path.cwd())
        if root is None:
            raise CliError(
                _("no katas/curriculum.toml here or above: run dojo inside your workspace "
                  "(a clone of foundations-katas, or a folder made by `dojo init`)"), FAILED,
            )
        try:
            course = curriculum.load(root / "katas" / curriculum.REGISTRY_NAME)
        except curriculum.RegistryError as exc:
            raise CliError(str(exc), FAILED) from None
        return cls(root, course)

    def record(self) -> progress.Record:
        """The recorded progress; a corrupted record is moved aside and said once, on
        stderr, in one line (the command goes on: the record is only a cache)."""
        record = progress.read(self.root)
        line = progress.notice(self.root, record, _("your next run rebuilds it (dojo check)"))
        if line and not self._told:
            self._told = True
            print(line, file=sys.stderr, flush=True)
        return record

    def statuses(self) -> list[progress.KataStatus]:
        return progress.statuses(self.course, self.record())

    def status(self, kata: curriculum.Kata) -> progress.KataStatus:
        return next(s for s in self.statuses() if s.kata.id == kata.id)

    def stub(self, kata: curriculum.Kata) -> Path:
        return progress.stub_path(self.root, kata)

    def shown(self, path: Path) -> str:
        """`path` as the learner would type it from the current folder."""
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def require_stub(self, kata: curriculum.Kata) -> Path:
        stub = self.stub(kata)
        if not stub.is_file():
            raise CliError(
                _("{path} is missing: `dojo reset {kata}` restores the stub").format(
                    path=self.shown(stub), kata=kata.id
                ),
                FAILED,
            )
        return stub

    def current(self, name: str | None) -> curriculum.Kata:
        """The kata named on the command line, else the first one not done."""
        if name is not None:
            return find_kata(self.course, name)
        found = progress.current_kata(self.statuses())
        if found is None:
            raise CliError(_("the curriculum lists no katas"), FAILED)
        return found.kata


def find_kata(course: curriculum.Curriculum, name: str) -> curriculum.Kata:
    """A kata by id ("03_broadcasting"), number ("03", "3") or topic ("broadcasting")."""
    wanted = name.strip().lower()
    for kata in course.katas:
        number, _sep, topic = kata.id.partition("_")
        if wanted in (kata.id.lower(), topic.lower(), kata.module.lower()):
            return kata
        if wanted.isdigit() and number.isdigit() and int(wanted) == int(number):
            return kata
    ids = [k.id for k in course.katas]
    if not ids:
        raise CliError(_("the curriculum lists no katas"), FAILED)
    if wanted.isdigit():
        raise CliError(
            _("no kata number {number}: the katas run from {first} to {last} (dojo list)").format(
                number=name, first=ids[0], last=ids[-1]
            )
        )
    names = {k.id.partition("_")[2]: k.id for k in course.katas}
    names.update({k.id: k.id for k in course.katas})
    close = difflib.get_close_matches(wanted, list(names), 1, cutoff=0.5)
    if close:
        raise CliError(
            _("unknown kata {name!r}: did you mean {kata!r}?").format(
                name=name, kata=names[close[0]]
            )
        )
    raise CliError(
        _("unknown kata {name!r}: the katas are {katas}").format(name=name, katas=", ".join(ids))
    )


# --- status and next ---------------------------------------------------------------------


def cmd_status(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    record = project.record()
    found = progress.statuses(project.course, record)
    table = Table(box=None, pad_edge=False, header_style="bold")
    id_width = max((len(k.id) for k in project.course.katas), default=4)
    # kata, grade, passed and state keep their width; the title takes what is left
    title_width = max(12, con.width - (id_width + 5 + 6 + 11) - 2 * 4)
    table.add_column(_("kata"), no_wrap=True, min_width=id_width)
    table.add_column(_("grade"), justify="right", no_wrap=True, min_width=5)
    table.add_column(_("title"), overflow="ellipsis", no_wrap=True, max_width=title_width)
    table.add_column(_("passed"), justify="right", no_wrap=True, min_width=6)
    table.add_column(_("state"), no_wrap=True, min_width=11)
    edited_any = False
    for status in found:
        folder = project.root / "katas" / status.kata.id
        passed = f"{status.passed}/{status.total}" + ("*" if status.edited else "")
        edited_any |= status.edited
        state = Text(progress.state_label(status.state),
                     style=term.STATE_STYLES.get(status.state, ""))
        if not folder.is_dir():
            state = Text(_("missing"), style="red")
        table.add_row(status.kata.id, str(status.kata.grade), _(status.kata.title), passed, state)
    con.print(table)
    con.print()
    total = sum(s.total for s in found)
    passed_all = sum(s.passed for s in found)
    done = sum(s.state == progress.DONE for s in found)
    con.print(term.assemble(
        _("Progress {bar} {passed}/{total} functions, {done} of {katas} katas done"),
        bar=term.bar(passed_all, total, 30, con), passed=passed_all, total=total, done=done,
        katas=len(found),
    ))
    if record.problem == "missing":
        con.print(_(
            "No results recorded yet: run the tests (dojo check, or pytest katas/NN_name) "
            "and your progress shows here."
        ))
    elif record.problem and not record.corrupted:  # a corrupted one: Project.record said so
        con.print(
            _("The record {path} is {problem}: run the tests again (dojo check) and it is "
              "rebuilt.").format(
                path=project.shown(progress.record_path(project.root)),
                problem=record.problem_text(),
            )
        )
    if edited_any:
        con.print(_("* your file changed since these results: dojo check updates them."))
    step = progress.next_step(found)
    if step is None:
        con.print(Text(_("Every kata passes. dojo bench times your matmuls against torch's @."),
                       style="green"))
        return 0
    status, fn = step
    verdict = status.verdicts.get(fn.name)
    con.print(Text.assemble(
        (_("Next: "), "bold"),
        term.assemble(
            _("{where}, {function} (last run: {verdict})"),
            where=project.shown(project.stub(status.kata)), function=(f"`{fn.name}`", "bold"),
            verdict=outcomes.label(verdict) if verdict else _("not run yet"),
        ),
    ))
    return 0


def _definition(stub: Path | str, name: str) -> tuple[str, str | None] | None:
    """The `def`/`class` line of `name` in the learner's file (or in source text) and
    its docstring."""
    try:
        source = stub if isinstance(stub, str) else stub.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
            return f"def {name}({ast.unparse(node.args)}){returns}:", ast.get_docstring(node)
        if isinstance(node, ast.ClassDef) and node.name == name:
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            return f"class {name}({bases}):" if bases else f"class {name}:", ast.get_docstring(
                node
            )
    return None


def _readme_section(readme: Path, name: str) -> str | None:
    """The text of the kata README's section on `name` ("### `name(...)`"), if any."""
    try:
        lines = readme.read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return None
    for i, line in enumerate(lines):
        heading = line.lstrip("#").strip().strip("`")
        if line.startswith("#") and (heading == name or heading.startswith(f"{name}(")):
            body = []
            for text in lines[i + 1:]:
                if text.startswith("#"):
                    break
                body.append(text)
            section = "\n".join(body).strip()
            return section or None
    return None


def _original_docstring(project: Project, kata: curriculum.Kata, name: str) -> str | None:
    """The docstring the kata gives `name`, for a learner's file that lost it: the
    pristine stub's (from git history), else the reference's, else the README's
    section on it (the learner's language's README first, then the English one)."""
    from dojo import pristine

    with contextlib.suppress(pristine.ResetError):
        found = _definition(pristine.pristine_stub(project.root, kata).source, name)
        if found is not None and found[1]:
            return found[1]
    reference = course.reference_file(kata, project.root / "katas")
    found = _definition(reference, name) if reference and reference.is_file() else None
    if found is not None and found[1]:
        return found[1]
    folder = project.root / "katas" / kata.id
    readme = i18n.readme(folder)
    found_section = _readme_section(readme, name) if readme.name != "README.md" else None
    return found_section or _readme_section(folder / "README.md", name)


def _last_run(status: progress.KataStatus, name: str) -> Text:
    """`wrong`, `wrong, before your latest changes`, `passed, in a notebook`."""
    verdict = term.verdict_text(status.verdicts.get(name))
    if name in status.changed:
        return term.assemble(_("{verdict}, before your latest changes"), verdict=verdict)
    if name in status.in_notebook:
        return term.assemble(_("{verdict}, in a notebook"), verdict=verdict)
    return verdict


def cmd_next(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    step = progress.next_step(project.statuses())
    if step is None:
        con.print(Text(_("Every kata passes: nothing left to do. dojo bench times your "
                         "matmuls."), style="green"))
        return 0
    status, fn = step
    stub = project.stub(status.kata)
    con.print(Text.assemble(
        (_("Next: "), "bold"),
        term.assemble(
            _("{where}, {function} (last run: {verdict})"), where=status.kata.id,
            function=(fn.name, "bold"), verdict=_last_run(status, fn.name),
        ),
    ))
    con.print(term.assemble(_("Open {path}"), path=(project.shown(stub), "bold")))
    readme = i18n.readme(project.root / "katas" / status.kata.id)
    if readme.is_file():
        con.print(term.assemble(_("The kata's README: {path}"), path=project.shown(readme)))
    con.print()
    found = _definition(stub, fn.name) if stub.is_file() else None
    if not stub.is_file():
        con.print(_("{path} is missing: dojo reset {kata} restores it.").format(
            path=project.shown(stub), kata=status.kata.id
        ))
    elif found is None:
        con.print(_("({function} is not defined in your file, or the file does not parse)"
                    ).format(function=fn.name))
    else:
        signature, doc = found
        con.print(Text(signature, style="cyan"), soft_wrap=True)
        if not doc:
            doc = _original_docstring(project, status.kata, fn.name)
            if doc:
                con.print(Text("    " + _("(your file has no docstring here: this is the kata's)"),
                               style="dim"), soft_wrap=True)
        for line in (doc or _("(no docstring)")).splitlines():
            con.print(Text("    " + line if line else ""), soft_wrap=True)
    if fn.rule:
        con.print()
        con.print(Text.assemble((_("Rule: "), "bold"), _(fn.rule)))
    con.print()
    con.print(
        _("Then: dojo check {kata} (or dojo watch {kata}); stuck? dojo hint {kata}").format(
            kata=status.kata.id
        )
    )
    return 0


def cmd_list(args: argparse.Namespace, con: Console) -> int:
    course = Project.find().course
    for kata in course.katas:
        functions = ", ".join(f.name for f in kata.functions)
        grade = _("grade {grade}").format(grade=kata.grade)
        con.print(f"{kata.id:<22} {grade}  {_(kata.title)}")
        con.print(f"{'':<22} {functions}")
    return 0


# --- grading ------------------------------------------------------------------------------


def pytest_args(project: Project, kata: curriculum.Kata, args: argparse.Namespace) -> list[str]:
    argv = [str(project.root / "katas" / kata.id), "-p", "dojo.plugin"]
    if getattr(args, "impl", None):
        # one argument: a folder given on its own would count as a path to test, and
        # move pytest's search for the workspace's settings (pytest.ini, pyproject)
        argv.append(f"--impl={args.impl}")
    for name in getattr(args, "function", None) or []:
        if name not in {f.name for f in kata.functions}:
            raise CliError(_no_function(kata, name))
        argv += ["--function", name]
    return argv


def cmd_check(args: argparse.Namespace, con: Console) -> int:
    import pytest

    project = Project.find()
    kata = project.current(args.kata)
    folder = project.root / "katas" / kata.id
    if not folder.is_dir():
        raise CliError(
            _("{path} is missing, and its graded tests with it: restore the folder from your "
              "clone (git checkout -- katas/{kata})").format(
                path=project.shown(folder), kata=kata.id
            ), FAILED,
        )
    if not args.impl or args.impl == "learner":
        project.require_stub(kata)
    elif args.impl != "reference" and not Path(args.impl).expanduser().is_dir():
        raise CliError(
            _("bad --impl {impl!r}: expected learner, reference or a directory laid out like "
              "katas/ (no such directory)").format(impl=args.impl)
        )
    argv = pytest_args(project, kata, args)
    con.print(Text(f"dojo check {kata.id}: {_(kata.title)}", style="bold"))
    sys.stdout.flush()
    from dojo.runner import CtrlC

    ctrl_c = CtrlC()
    code = int(pytest.main(argv, plugins=[ctrl_c]))
    if ctrl_c.seen:  # pytest caught it and said so: exit as for any Ctrl-C
        raise KeyboardInterrupt
    return code


def cmd_watch(args: argparse.Namespace, con: Console) -> int:
    from dojo import watch

    project = Project.find()
    kata = project.current(args.kata)
    stub = project.require_stub(kata)
    if args.max_runs is not None and args.max_runs < 1:
        raise CliError(_("--max-runs must be 1 or more, not {runs}").format(runs=args.max_runs))
    return watch.Watcher(project.root, kata, stub, con, poll=args.poll).run(args.max_runs)


# --- hints, reset, solution ---------------------------------------------------------------


def cmd_hint(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    kata = find_kata(project.course, args.kata)
    status = project.status(kata)
    if args.function:
        try:
            fn = kata.function(args.function)
        except KeyError:
            raise CliError(_no_function(kata, args.function)) from None
    else:
        current = status.current
        if current is None:
            first = kata.functions[0].name if kata.functions else "NAME"
            con.print(_("{kata} passes: every function is done. dojo hint {kata} --function "
                        "{function} shows the hints of one of them.").format(
                kata=kata.id, function=first
            ))
            return 0
        fn = current
    text, number = next_hint(project, kata, fn, args.number, named=bool(args.function))
    con.print(text)
    return 0 if number is not None or args.number is None else FAILED


def next_hint(
    project: Project, kata: curriculum.Kata, fn: curriculum.Function, number: int | None,
    *, named: bool = False,
) -> tuple[Text, int | None]:
    """Hint `number` of `fn`, or the next one not yet shown; records how many were shown.
    `named`: `fn` was chosen with --function, so the commands suggested name it too
    (without it they would give the hints of the kata's current function)."""
    hints = fn.hints
    if not hints:
        return Text(_("{function} has no hints yet: its docstring and the kata's README "
                      "explain what it must do.").format(function=fn.name)), None
    command = f"dojo hint {kata.id}" + (f" --function {fn.name}" if named else "")
    shown = progress.hints_shown(project.record(), kata.id, fn.name)
    if number is None:
        if shown >= len(hints):
            return Text(
                _("No more hints for {function}: all {count} shown. {command} N shows hint N "
                  "again.").format(function=fn.name, count=len(hints), command=command)
            ), None
        number = shown + 1
    elif not 1 <= number <= len(hints):
        if len(hints) == 1:
            message = _("{function} has 1 hint, so there is no hint {number}")
        else:
            message = _("{function} has {count} hints, numbered 1 to {count}, so there is no "
                        "hint {number}")
        raise CliError(message.format(function=fn.name, count=len(hints), number=number))
    with contextlib.suppress(OSError):  # the hint still shows; only the count is lost
        progress.set_hints_shown(project.root, kata.id, fn.name, max(shown, number))
    heading = _("{kata}, {function}: hint {number} of {count}").format(
        kata=kata.id, function=fn.name, number=number, count=len(hints)
    )
    text = Text.assemble((heading, "bold"), "\n")
    text.append(_(hints[number - 1]))
    if number < len(hints):
        text.append("\n" + _("({command} again for the next one)").format(command=command),
                    style="dim")
    else:
        text.append("\n" + _("(that was the last hint)"), style="dim")
    return text, number


def _no_function(kata: curriculum.Kata, name: str) -> str:
    """The error for a function the kata does not have."""
    names = ", ".join(f.name for f in kata.functions)
    return _("{kata} has no function {name!r}: its functions are {names}").format(
        kata=kata.id, name=name, names=names
    )


def cmd_reset(args: argparse.Namespace, con: Console) -> int:
    from dojo import pristine

    project = Project.find()
    kata = find_kata(project.course, args.kata)
    backups = backups_dir(project)
    try:
        result = pristine.reset(project.root, kata, backups)
    except pristine.ResetError as exc:
        raise CliError(str(exc), FAILED) from None
    except OSError as exc:
        raise CliError(_("nothing was reset: {error}").format(error=exc), FAILED) from None
    stub = project.shown(result.stub)
    if result.already_pristine:
        con.print(_("{stub} is already the pristine stub: nothing to do.").format(stub=stub))
        return 0
    if result.backup is not None:
        con.print(term.assemble(
            _("Saved your file to {path} (dojo restore {kata} puts it back)"),
            path=(project.shown(result.backup), "bold"), kata=kata.id,
        ))
    con.print(_("Restored the pristine stub {stub} (from {origin}).").format(
        stub=stub, origin=result.origin
    ))
    if kata.id in project.record().katas:
        with contextlib.suppress(OSError):  # the stub is back; only the old verdicts stay
            progress.forget(project.root, kata.id)
    return 0


def backups_dir(project: Project) -> Path:
    """Where `dojo reset` and `dojo restore` keep the learner's files, by kata."""
    return progress.state_dir(project.root) / "backups"


def _backup_label(backup: Backup) -> str:
    if backup.saved:
        return _("backup {number} ({file}, {saved})").format(
            number=backup.number, file=backup.path.name, saved=f"{backup.saved:%Y-%m-%d %H:%M:%S}"
        )
    return _("backup {number} ({file})").format(number=backup.number, file=backup.path.name)


def cmd_restore(args: argparse.Namespace, con: Console) -> int:
    from dojo import pristine

    project = Project.find()
    kata = find_kata(project.course, args.kata)
    if args.list and args.backup is not None:
        raise CliError(_("give a BACKUP to restore or --list, not both: dojo restore {kata} "
                         "--list, then dojo restore {kata} N").format(kata=kata.id))
    folder = backups_dir(project)
    try:
        found = pristine.backups(folder, kata)
    except OSError as exc:
        raise CliError(_("cannot read the backups in {path}: {error}").format(
            path=project.shown(folder), error=exc
        ), FAILED) from None
    where = project.shown(folder / kata.id)
    if not found:
        if args.list:
            con.print(_("No backups of {kata} in {path} yet: dojo reset {kata} saves your file "
                        "there before it restores the stub.").format(kata=kata.id, path=where))
            return 0
        raise CliError(_("no backups of {kata} in {path} yet: dojo reset {kata} saves your file "
                         "there before it restores the stub").format(kata=kata.id, path=where),
                       FAILED)
    if args.list:
        return _list_backups(project, kata, found, con)
    backup = pristine.choose_backup(found, args.backup)
    if backup is None:
        numbers = "1" if len(found) == 1 else _("{low} to {high}").format(low=1, high=len(found))
        raise CliError(
            _("no backup {backup!r} of {kata}: give a number ({numbers}) or a file name from "
              "dojo restore {kata} --list").format(backup=args.backup, kata=kata.id,
                                                    numbers=numbers)
        )
    try:
        result = pristine.restore(project.root, kata, folder, backup)
    except pristine.ResetError as exc:
        raise CliError(str(exc), FAILED) from None
    except OSError as exc:
        raise CliError(_("nothing was restored: {error}").format(error=exc), FAILED) from None
    stub = project.shown(result.stub)
    if result.unchanged:
        con.print(_("{stub} is already {backup}: nothing to do.").format(
            stub=stub, backup=_backup_label(backup)
        ))
        return 0
    if result.saved is not None:
        con.print(term.assemble(_("Saved your file to {path}"),
                                path=(project.shown(result.saved), "bold")))
    elif result.already_saved is not None:
        con.print(_("Your file was saved already, as {backup}.").format(
            backup=_backup_label(result.already_saved)
        ))
    con.print(_("Restored {stub} from {backup}.").format(stub=stub, backup=_backup_label(backup)))
    con.print(_("dojo check {kata} grades it.").format(kata=kata.id))
    return 0


def _list_backups(
    project: Project, kata: curriculum.Kata, found: list[Backup], con: Console
) -> int:
    stub = project.stub(kata)
    try:
        current = stub.read_bytes() if stub.is_file() else None
    except OSError:
        current = None
    con.print(_("Backups of {kata} in {path}, oldest first:").format(
        kata=kata.id, path=project.shown(found[0].path.parent)
    ))
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column("N", justify="right", no_wrap=True)
    table.add_column("file", no_wrap=True)
    table.add_column("saved", no_wrap=True)
    table.add_column("lines", justify="right", no_wrap=True)
    table.add_column("note", no_wrap=True)
    for backup in found:
        try:
            data = backup.path.read_bytes()
        except OSError as exc:
            lines, notes = _("unreadable"), [exc.strerror or type(exc).__name__]
        else:
            count = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
            lines, notes = ngettext("{count} line", "{count} lines", count).format(count=count), []
            if data == current:
                notes.append(_("the same as your file"))
        if backup is found[-1]:
            notes.insert(0, _("latest"))
        saved = f"{backup.saved:%Y-%m-%d %H:%M:%S}" if backup.saved else ""
        table.add_row(str(backup.number), backup.path.name, saved, lines,
                      _(", ").join(notes))
    con.print(table)
    con.print(_("dojo restore {kata} N puts backup N back (without N: the latest); your file is "
                "saved first.").format(kata=kata.id))
    return 0


def _confirm(question: str, con: Console) -> bool:
    con.print(question, end="")
    con.file.flush()
    answer = sys.stdin.readline()
    if not answer:
        con.print()
    return answer.strip().lower() in ("y", "yes")


def print_source(source: str, con: Console) -> None:
    """Python source exactly as it is, whatever the width: never wrapped (a wrapped line
    is broken code once pasted or redirected to a file). Highlighted on a colour
    terminal, where a line wider than the window is the terminal's to fold."""
    if not source.endswith("\n"):
        source += "\n"
    if con.is_terminal and not con.no_color and "\t" not in source:  # rich expands tabs
        from rich.syntax import Syntax

        text = Syntax(source, "python", theme="ansi_dark", background_color="default"
                      ).highlight(source)
        con.print(text, soft_wrap=True, end="")
    else:
        con.file.write(source)
        con.file.flush()


def cmd_init(args: argparse.Namespace, con: Console) -> int:
    from dojo import workspace

    target = Path(args.folder).expanduser()
    try:
        result = workspace.init(target)
    except workspace.InitError as exc:
        raise CliError(str(exc), FAILED) from None
    katas = sum(1 for p in result.written if p.name.startswith("test_"))
    if result.written:
        con.print(_("Wrote {count} files in {target}: {katas} katas in katas/, conftest.py and "
                    "pytest.ini.").format(count=len(result.written), target=target, katas=katas))
    for path in result.kept:
        con.print(_("Kept your {path} (it differs from the course's; dojo reset KATA restores a "
                    "stub).").format(path=path))
    if not result.written and not result.kept:
        con.print(_("{target} already holds every file of a workspace: nothing to do.").format(
            target=target
        ))
    first = i18n.readme(target / "katas" / "01_neuron")
    con.print(_("Start by reading {readme}.").format(readme=first.relative_to(target).as_posix()))
    if target.resolve() == Path.cwd().resolve():
        con.print(_("Next: pytest katas/01_neuron (the first run is meant to say \"not "
                    "started\"), or dojo next."))
    else:
        con.print(_("Next: cd {target}, then pytest katas/01_neuron (the first run is meant to "
                    "say \"not started\"), or dojo next.").format(target=target))
    return 0


def cmd_solution(args: argparse.Namespace, con: Console) -> int:
    project = Project.find()
    kata = find_kata(project.course, args.kata)
    reference = course.reference_file(kata, project.root / "katas")
    if reference is None or not reference.is_file():
        where = project.root / "reference" if reference is None else reference
        raise CliError(_("there is no reference solution at {path}").format(
            path=project.shown(where)
        ), FAILED)
    status = project.status(kata)
    # Everything but the solution goes to stderr: `dojo solution 4 > x.py` is code.
    err = term.console(sys.stderr)
    if status.state != progress.DONE:
        if not args.force:
            err.print(
                _("The solution of {kata} opens once your code passes: {passed}/{total} "
                  "functions pass in your last run. Finish it (dojo check {kata}), or dojo "
                  "solution {kata} --force.").format(
                    kata=kata.id, passed=status.passed, total=status.total
                )
            )
            return FAILED
        if not _confirm(
            _("{kata} does not pass yet ({passed}/{total}). Reading the solution first spoils "
              "the kata. Show it anyway? [y/N] ").format(
                kata=kata.id, passed=status.passed, total=status.total
            ), err
        ):
            err.print(_("Not shown."))
            return FAILED
    try:
        source = reference.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(_("cannot read {path}: {error}").format(
            path=project.shown(reference), error=exc
        ), FAILED) from None
    con.print(Text(f"# {project.shown(reference)}", style="bold"), soft_wrap=True)
    print_source(source, con)
    return 0


BENCH_MAX_NUMBERS = 10**8  # 400 MB of float32 per matrix


def cmd_bench(args: argparse.Namespace, con: Console) -> int:
    from dojo import bench

    project = Project.find()
    try:
        shape = bench.parse_shape(args.shape)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    m, k, n = shape
    if max(m * k, k * n, m * n) > BENCH_MAX_NUMBERS:
        raise CliError(
            _("bad --shape {shape!r}: a matrix of more than {limit:,} numbers is more than this "
              "speed ladder needs (the book's is 5,784,10)").format(
                shape=args.shape, limit=BENCH_MAX_NUMBERS
            )
        )
    try:
        rows = bench.run(project.root, project.course, shape)
    except (MemoryError, RuntimeError) as exc:  # torch could not allocate the matrices
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CliError(f"dojo bench --shape {args.shape}: {first}", FAILED) from None
    bench.show(rows, shape, con)
    return 0


# --- the command line ------------------------------------------------------------------------


KATA_HELP = N_("kata id, number or topic: 03_broadcasting, 3 or broadcasting")


def build_parser() -> argparse.ArgumentParser:
    kata_help = _(KATA_HELP)
    parser = Parser(
        prog="dojo",
        description=_("Practise chapter 17 of Deep Learning for Coders, kata by kata. "
                      "Without a command: dojo status."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser(
        "status", help=_("the curriculum, your progress and the next step")
    ).set_defaults(run=cmd_status)
    sub.add_parser("next", help=_("the first unfinished function: its docstring and file")
                   ).set_defaults(run=cmd_next)
    sub.add_parser(
        "list", help=_("the katas in course order and their functions")
    ).set_defaults(run=cmd_list)

    check = sub.add_parser("check", help=_("grade one kata (default: the current one)"))
    check.add_argument("kata", nargs="?", help=kata_help)
    check.add_argument("--impl",
                       help=_("learner (default), reference, or a directory like katas/"))
    check.add_argument("--function", action="append", metavar="NAME",
                       help=_("grade only this function (repeatable)"))
    check.set_defaults(run=cmd_check)

    watch = sub.add_parser("watch", help=_("re-grade the kata every time you save its file"))
    watch.add_argument("kata", nargs="?", help=kata_help)
    watch.add_argument("--poll", action="store_true",
                       help=_("check the file for changes every 0.2 s instead of file events"))
    watch.add_argument("--max-runs", type=int, metavar="N",
                       help=_("stop after N runs (for scripts and tests)"))
    watch.set_defaults(run=cmd_watch)

    hint = sub.add_parser("hint", help=_("the next hint for the current function of a kata"))
    hint.add_argument("kata", help=kata_help)
    hint.add_argument("number", nargs="?", type=int, metavar="N", help=_("show hint N"))
    hint.add_argument("--function", metavar="NAME",
                      help=_("a function other than the current one"))
    hint.set_defaults(run=cmd_hint)

    reset = sub.add_parser("reset", help=_("back up your file, then restore the pristine stub"))
    reset.add_argument("kata", help=kata_help)
    reset.set_defaults(run=cmd_reset)

    restore = sub.add_parser(
        "restore", help=_("put back a file that dojo reset (or restore) saved"),
        description=_("Put back a backup of your file, saved by dojo reset (or dojo restore) "
                      "in .dojo/backups/KATA/. Your file is saved first, so nothing you wrote "
                      "is lost."),
    )
    restore.add_argument("kata", help=kata_help)
    restore.add_argument("backup", nargs="?", metavar="BACKUP",
                         help=_("a number or file name from --list (default: the latest)"))
    restore.add_argument("--list", action="store_true",
                         help=_("list the kata's backups, numbered, oldest first"))
    restore.set_defaults(run=cmd_restore)

    init = sub.add_parser(
        "init", help=_("lay out a workspace of katas in a folder (default: here)"),
        description=_("Lay out a workspace in FOLDER: katas/ (every kata's README, stub and "
                      "tests), conftest.py and pytest.ini. A file already there is never "
                      "overwritten."),
    )
    init.add_argument("folder", nargs="?", default=".", metavar="FOLDER",
                      help=_("where to lay it out (made if missing; default: .)"))
    init.set_defaults(run=cmd_init)

    solution = sub.add_parser("solution",
                              help=_("the reference solution, once your kata passes"))
    solution.add_argument("kata", help=kata_help)
    solution.add_argument("--force", action="store_true",
                          help=_("show it before the kata passes (asks first)"))
    solution.set_defaults(run=cmd_solution)

    bench = sub.add_parser("bench",
                           help=_("the chapter's speed ladder, timed on your functions"))
    bench.add_argument("--shape", default="5,784,10", metavar="M,K,N",
                       help=_("multiply (M, K) by (K, N); default: the book's 5,784,10"))
    bench.set_defaults(run=cmd_bench)
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """parse_args, except that `dojo hint KATA --function NAME N` works too: argparse
    leaves an optional positional that comes after an option unparsed."""
    args, extras = parser.parse_known_args(argv)
    if (
        len(extras) == 1 and getattr(args, "run", None) is cmd_hint
        and args.number is None and args.function is not None
    ):
        try:
            args.number = int(extras[0])
        except ValueError:
            # argparse's own words, as it says them for any other bad int
            parser.exit(USAGE, _usage_error(
                "dojo hint", f"argument N: invalid int value: {extras[0]!r}"
            ))
        extras = []
    if extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    _argparse_in_the_learners_language()
    parser = build_parser()
    args = parse(parser, argv)
    run = getattr(args, "run", cmd_status)
    for stream in (sys.stdout, sys.stderr):  # an ASCII terminal shows "?", never a crash
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    con = term.console()
    try:
        return int(run(args, con))
    except CliError as exc:
        print(_("dojo: error: {message}").format(message=exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `dojo list | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
